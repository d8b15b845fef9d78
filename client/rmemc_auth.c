// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * rmemc_auth.c - the host's rack key and proofs (rmemc_auth.h).
 *
 * HMAC-SHA256 (truncated as rmem_wire.h says), the constant-time compare
 * and the nonce are libsodium's; the bytes a tag covers are
 * rmem_auth_input()'s, shared with the donor and the host module.  The key
 * lives in the caller's struct, locked while it is there and wiped after.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "rmem_keyfile.h"
#include "rmemc_auth.h"

const char *rmemc_auth_key_file(const char *given)
{
	const char *env = getenv("RMEM_KEY_FILE");

	if (given && *given)
		return given;
	return env && *env ? env : RMEM_KEY_FILE_DEFAULT;
}

int rmemc_auth_begin(struct rmemc_auth *a, const char *path, char *err, size_t errlen)
{
	uint8_t keys[RMEM_AUTH_KEYS_MAX][RMEM_AUTH_KEY_LEN], mac[crypto_auth_hmacsha256_BYTES];
	char text[RMEM_KEY_FILE_MAX];
	unsigned int bad = 0;
	size_t len = 0;
	int ret, n;

	memset(a, 0, sizeof(*a));
	if (sodium_init() < 0) {
		snprintf(err, errlen, "libsodium failed to initialise");
		return -EIO;
	}
	/* Best effort: a key in swap outlives the process. */
	sodium_mlock(a, sizeof(*a));
	if (!path)
		return -ENOENT;
	snprintf(a->path, sizeof(a->path), "%s", path);
	ret = rmem_key_file_read(path, text, sizeof(text), &len, err, errlen);
	if (ret)
		goto out_wipe;
	n = rmem_auth_keys_parse(text, len, keys, &bad);
	if (n < 0) {
		if (bad)
			snprintf(err, errlen, "%s:%u: not a rack key (64 hex digits)", path, bad);
		else
			snprintf(err, errlen, "%s holds no rack key (64 hex digits a line)", path);
		ret = -EINVAL;
		goto out_wipe;
	}
	/* The first key is the one a host proves; a second is for donors mid-rotation. */
	memcpy(a->key, keys[0], sizeof(a->key));
	crypto_auth_hmacsha256(mac, (const uint8_t *)RMEM_AUTH_LABEL_KEY_ID,
			       strlen(RMEM_AUTH_LABEL_KEY_ID), a->key);
	a->key_id = (uint32_t)mac[0] << 24 | (uint32_t)mac[1] << 16 | (uint32_t)mac[2] << 8 | mac[3];
	randombytes_buf(a->nh, sizeof(a->nh));
	a->keyed = true;
out_wipe:
	sodium_memzero(keys, sizeof(keys));
	sodium_memzero(text, sizeof(text));
	sodium_memzero(mac, sizeof(mac));
	return ret;
}

void rmemc_auth_end(struct rmemc_auth *a)
{
	/* Wipes as it unlocks. */
	sodium_munlock(a, sizeof(*a));
}

void rmemc_auth_request(const struct rmemc_auth *a, struct rmem_connect_req *req)
{
	uint8_t in[RMEM_AUTH_INPUT_MAX], mac[crypto_auth_hmacsha256_BYTES];
	size_t n;

	req->flags = 0;
	memset(req->nonce, 0, sizeof(req->nonce));
	memset(req->tag, 0, sizeof(req->tag));
	if (!a->keyed)
		return;
	if (!a->challenged) {
		req->flags = RMEM_CONNECT_F_HELLO;
		memcpy(req->nonce, a->nh, sizeof(req->nonce));
		return;
	}
	n = rmem_auth_input(in, false, a->nd, a->nh, req->host_id, &a->where, NULL);
	crypto_auth_hmacsha256(mac, in, n, a->key);
	req->flags = RMEM_CONNECT_F_AUTH;
	memcpy(req->nonce, a->nd, sizeof(req->nonce));
	memcpy(req->tag, mac, sizeof(req->tag));
	sodium_memzero(mac, sizeof(mac));
}

static bool rmemc_auth_addr(const struct sockaddr *sa, uint8_t out[16], uint16_t *port)
{
	if (sa && sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		rmem_auth_addr(out, false, &in->sin_addr);
		*port = ntohs(in->sin_port);
		return true;
	}
	if (sa && sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		rmem_auth_addr(out, true, &in6->sin6_addr);
		*port = ntohs(in6->sin6_port);
		return true;
	}
	return false;
}

int rmemc_auth_set_where(struct rmemc_auth *a, const struct sockaddr *local,
			 const struct sockaddr *donor)
{
	uint16_t port;

	if (!rmemc_auth_addr(local, a->where.host, &port) ||
	    !rmemc_auth_addr(donor, a->where.donor, &a->where.donor_port))
		return -EAFNOSUPPORT;
	return 0;
}

int rmemc_auth_take_challenge(struct rmemc_auth *a, const void *priv, size_t len)
{
	int err = rmem_challenge_decode(priv, len, a->nd);

	if (!err)
		a->challenged = true;
	return err;
}

int rmemc_auth_check_accept(const struct rmemc_auth *a, const struct rmem_desc *d,
			    uint64_t host_id)
{
	uint8_t in[RMEM_AUTH_INPUT_MAX], mac[crypto_auth_hmacsha256_BYTES];
	size_t n;
	int ret = 0;

	if (!a->keyed)
		return 0;
	if (!a->challenged || !(d->flags & RMEM_ACCEPT_F_AUTH))
		return -EACCES;
	n = rmem_auth_input(in, true, a->nd, a->nh, host_id, &a->where, d);
	if (!n)
		return -EACCES;
	crypto_auth_hmacsha256(mac, in, n, a->key);
	if (crypto_verify_16(mac, d->tag))
		ret = -EACCES;
	sodium_memzero(mac, sizeof(mac));
	return ret;
}
