// SPDX-License-Identifier: GPL-2.0
/*
 * rmemd_auth.c - rack keys, challenges and tags of the donor (rmemd_auth.h).
 *
 * Every primitive is libsodium's: HMAC-SHA256 (crypto_auth_hmacsha256,
 * truncated as rmem_wire.h says), crypto_verify_16 for the comparison,
 * randombytes_buf for nonces, sodium_malloc for the keys.  The bytes a tag
 * covers are rmem_auth_input()'s, the same function the host module runs.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <sodium.h>

#include "rmem_keyfile.h"
#include "rmem_virtio.h"
#include "rmemd_auth.h"
#include "rmemd_parse.h"

RMEM_STATIC_ASSERT(RMEMD_AUTH_PER_ADDR > RMEM_VIRTIO_NUM_QUEUES_MAX,
		   "a host's data connections may all be handshaking at once");
RMEM_STATIC_ASSERT(RMEMD_AUTH_SLOTS >= 32 * RMEMD_AUTH_PER_ADDR,
		   "filling the challenge table must take a peer dozens of addresses");

static void rmemd_auth_mac(const uint8_t key[RMEM_AUTH_KEY_LEN], const uint8_t *in, size_t len,
			   uint8_t tag[RMEM_AUTH_TAG_LEN])
{
	uint8_t full[crypto_auth_hmacsha256_BYTES];

	crypto_auth_hmacsha256(full, in, len, key);
	memcpy(tag, full, RMEM_AUTH_TAG_LEN);
	sodium_memzero(full, sizeof(full));
}

uint32_t rmemd_auth_key_id(const uint8_t key[RMEM_AUTH_KEY_LEN])
{
	uint8_t full[crypto_auth_hmacsha256_BYTES];
	uint32_t id;

	/* The label without its NUL, the first four bytes big-endian: as the host module prints it. */
	crypto_auth_hmacsha256(full, (const uint8_t *)RMEM_AUTH_LABEL_KEY_ID,
			       strlen(RMEM_AUTH_LABEL_KEY_ID), key);
	id = (uint32_t)full[0] << 24 | (uint32_t)full[1] << 16 | (uint32_t)full[2] << 8 | full[3];
	sodium_memzero(full, sizeof(full));
	return id;
}

const char *rmemd_auth_ids(const struct rmemd_auth *a, char *buf, size_t len)
{
	if (a->nkeys == 2)
		snprintf(buf, len, "%08x, %08x", a->key_id[0], a->key_id[1]);
	else if (a->nkeys == 1)
		snprintf(buf, len, "%08x", a->key_id[0]);
	else
		snprintf(buf, len, "none");
	return buf;
}

/* ---------------------------------------------------------------- keys */

/*
 * Parses @text into fresh locked memory and puts it in force, wiping the
 * keys it replaces.  On failure nothing changes.
 */
static int rmemd_auth_install(struct rmemd_auth *a, const char *text, size_t len,
			      const char *source, char *err, size_t errlen)
{
	struct rmemd_auth_keys *k;
	unsigned int bad = 0, i;
	int n;

	k = sodium_malloc(sizeof(*k));
	if (!k) {
		snprintf(err, errlen, "no locked memory for the rack keys (RLIMIT_MEMLOCK?)");
		return -ENOMEM;
	}
	n = rmem_auth_keys_parse(text, len, k->key, &bad);
	if (n < 0) {
		sodium_free(k);
		if (bad)
			snprintf(err, errlen,
				 "%s: line %u is not a rack key (64 hex digits a line, at most %u keys)",
				 source, bad, RMEM_AUTH_KEYS_MAX);
		else
			snprintf(err, errlen, "%s holds no key (64 hex digits a line)", source);
		return -EINVAL;
	}
	sodium_mprotect_readonly(k);
	sodium_free(a->keys);
	a->keys = k;
	a->nkeys = (unsigned int)n;
	for (i = 0; i < a->nkeys; i++)
		a->key_id[i] = rmemd_auth_key_id(k->key[i]);
	snprintf(a->source, sizeof(a->source), "%s", source);
	return 0;
}

int rmemd_auth_reload(struct rmemd_auth *a, const char *path, char *err, size_t errlen)
{
	size_t len = 0;
	char *text;
	int ret;

	if (a->insecure) {
		snprintf(err, errlen, "running --insecure: there are no keys to reload");
		return -EINVAL;
	}
	/* The key's text is as secret as the key: locked, and wiped by sodium_free. */
	text = sodium_malloc(RMEM_KEY_FILE_MAX);
	if (!text) {
		snprintf(err, errlen, "no locked memory to read %s (RLIMIT_MEMLOCK?)", path);
		return -ENOMEM;
	}
	ret = rmem_key_file_read(path, text, RMEM_KEY_FILE_MAX, &len, err, errlen);
	if (!ret)
		ret = rmemd_auth_install(a, text, len, path, err, errlen);
	sodium_free(text);
	return ret;
}

/* rmem.key=HEX[,HEX]: the key file's text with ',' for its line breaks. */
static int rmemd_auth_from_cmdline(struct rmemd_auth *a, const char *hex, char *err,
				   size_t errlen)
{
	size_t len = strlen(hex), i;
	char *text;
	int ret;

	text = sodium_malloc(len + 1);
	if (!text) {
		snprintf(err, errlen, "no locked memory for rmem.key= (RLIMIT_MEMLOCK?)");
		return -ENOMEM;
	}
	for (i = 0; i < len; i++)
		text[i] = hex[i] == ',' ? '\n' : hex[i];
	ret = rmemd_auth_install(a, text, len, "rmem.key= (kernel command line)", err, errlen);
	sodium_free(text);
	return ret;
}

int rmemd_auth_setup(struct rmemd_auth *a, const struct rmemd_opts *o, char *err, size_t errlen)
{
	char why[400];
	int ret;

	memset(a, 0, sizeof(*a));
	if (sodium_init() < 0) {
		snprintf(err, errlen, "libsodium failed to initialise: no randomness for challenges");
		return -EIO;
	}
	if (o->key_bad) {
		snprintf(err, errlen,
			 "rmem.key= on the kernel command line is not a rack key (reported above): refusing to serve until it is fixed");
		return -EINVAL;
	}
	if (o->insecure && (o->key_file_set || o->key_hex[0])) {
		snprintf(err, errlen, "%s contradicts %s: give keys or insecure mode, not both",
			 o->init ? "rmem.insecure=1" : "--insecure",
			 o->key_hex[0] ? "rmem.key=" : "--key-file");
		return -EINVAL;
	}
	if (o->insecure) {
		a->insecure = true;
		return 0;
	}
	a->table = calloc(RMEMD_AUTH_SLOTS, sizeof(*a->table));
	if (!a->table) {
		snprintf(err, errlen, "out of memory for the challenge table");
		return -ENOMEM;
	}
	if (o->key_hex[0])
		ret = rmemd_auth_from_cmdline(a, o->key_hex, err, errlen);
	else
		ret = rmemd_auth_reload(a, o->key_file, why, sizeof(why));
	if (!ret)
		return 0;
	if (ret == -ENOENT)
		snprintf(err, errlen,
			 "no rack key: %s does not exist. Create it (umask 077; openssl rand -hex 32 > %s) and give every host of the rack the same file%s, or run %s in a lab (then any peer that reaches the port gets every tenant's memory)",
			 o->key_file, o->key_file,
			 o->init ? ", or put the key on the kernel command line (rmem.key=HEX)" : "",
			 o->init ? "rmem.insecure=1" : "--insecure");
	else if (!o->key_hex[0])
		snprintf(err, errlen, "%s", why);
	free(a->table);
	a->table = NULL;
	return ret;
}

void rmemd_auth_teardown(struct rmemd_auth *a)
{
	sodium_free(a->keys);
	free(a->table);
	sodium_memzero(a, sizeof(*a));
}

/* ---------------------------------------------------------- challenges */

/* The address of @sa in one comparable form; the port changes per connection. */
static bool rmemd_auth_peer(const struct sockaddr *sa, uint8_t out[16])
{
	memset(out, 0, 16);
	if (sa && sa->sa_family == AF_INET) {
		rmem_auth_addr(out, false, &((const struct sockaddr_in *)sa)->sin_addr);
		return true;
	}
	if (sa && sa->sa_family == AF_INET6) {
		rmem_auth_addr(out, true, &((const struct sockaddr_in6 *)sa)->sin6_addr);
		return true;
	}
	return false;
}

/* The exchange as this donor sees it: the host's address, ours and our port. */
static bool rmemd_auth_where(const struct sockaddr *peer, const struct sockaddr *local,
			     struct rmem_auth_where *w)
{
	if (!rmemd_auth_peer(peer, w->host) || !rmemd_auth_peer(local, w->donor))
		return false;
	w->donor_port = ntohs(local->sa_family == AF_INET ?
			      ((const struct sockaddr_in *)local)->sin_port :
			      ((const struct sockaddr_in6 *)local)->sin6_port);
	return true;
}

/* Waiting for its answer: neither answered nor expired. */
static bool rmemd_auth_live(const struct rmemd_challenge *c, uint64_t now_ms)
{
	return c->state == RMEMD_CHALLENGE_LIVE && now_ms < c->expires_ms;
}

enum rmemd_hello rmemd_auth_challenge(struct rmemd_auth *a, const struct sockaddr *peer,
				      const struct rmem_connect_req *hello, uint64_t now_ms,
				      uint8_t nd[RMEM_AUTH_NONCE_LEN])
{
	struct rmemd_challenge *c, *spent = NULL, *own = NULL;
	enum rmemd_hello ret = RMEMD_HELLO_ISSUED;
	unsigned int i, mine = 0;
	uint8_t addr[16];
	bool addr_ok = rmemd_auth_peer(peer, addr);

	/*
	 * One pass: this address's live challenges (its oldest is the first
	 * to expire, the TTL being fixed) and the spent slot that has waited
	 * longest (free first, then expired or used), whose loss costs no
	 * host anything but a precise "why" on a late or replayed answer.
	 */
	for (i = 0; i < RMEMD_AUTH_SLOTS; i++) {
		c = &a->table[i];
		if (!rmemd_auth_live(c, now_ms)) {
			if (!spent || c->expires_ms < spent->expires_ms)
				spent = c;
		} else if (c->addr_ok == addr_ok && !memcmp(c->addr, addr, sizeof(addr))) {
			mine++;
			if (!own || c->expires_ms < own->expires_ms)
				own = c;
		}
	}
	/*
	 * At its limit, or with no spent slot left, an address takes the
	 * place of its own oldest: never of another address's live one,
	 * which would let any admitted peer void the hosts' handshakes.
	 */
	if (mine >= RMEMD_AUTH_PER_ADDR || !spent) {
		if (!own) {
			a->challenges_refused++;
			return RMEMD_HELLO_REFUSED;
		}
		c = own;
		ret = RMEMD_HELLO_REPLACED;
	} else {
		c = spent;
	}
	randombytes_buf(c->nd, sizeof(c->nd));
	memcpy(c->nh, hello->nonce, sizeof(c->nh));
	c->host_id = hello->host_id;
	memcpy(c->addr, addr, sizeof(c->addr));
	c->addr_ok = addr_ok;
	c->expires_ms = now_ms + RMEMD_AUTH_TTL_MS;
	c->state = RMEMD_CHALLENGE_LIVE;
	memcpy(nd, c->nd, RMEM_AUTH_NONCE_LEN);
	return ret;
}

static struct rmemd_challenge *rmemd_auth_find(struct rmemd_auth *a,
					       const uint8_t nd[RMEM_AUTH_NONCE_LEN])
{
	unsigned int i;

	/* Nd is public (it crossed the wire): a plain comparison leaks nothing. */
	for (i = 0; i < RMEMD_AUTH_SLOTS; i++)
		if (a->table[i].state != RMEMD_CHALLENGE_FREE &&
		    !memcmp(a->table[i].nd, nd, RMEM_AUTH_NONCE_LEN))
			return &a->table[i];
	return NULL;
}

uint16_t rmemd_auth_check(struct rmemd_auth *a, const struct sockaddr *peer,
			  const struct sockaddr *local, const struct rmem_connect_req *req,
			  uint64_t now_ms, struct rmemd_auth_proof *p, const char **why)
{
	uint8_t in[RMEM_AUTH_INPUT_MAX], tag[RMEM_AUTH_TAG_LEN], addr[16];
	bool addr_ok = rmemd_auth_peer(peer, addr);
	struct rmem_auth_where where;
	struct rmemd_challenge *c;
	unsigned int k, proved = 0;
	size_t n;

	*why = NULL;
	c = rmemd_auth_find(a, req->nonce);
	if (!c) {
		*why = "no such challenge (never issued, long expired, or replaced by newer ones)";
		return RMEM_REJ_AUTH_STALE;
	}
	if (c->state == RMEMD_CHALLENGE_USED) {
		*why = "its challenge was answered before (a replay)";
		return RMEM_REJ_AUTH_STALE;
	}
	if (now_ms >= c->expires_ms) {
		*why = "its challenge expired";
		return RMEM_REJ_AUTH_STALE;
	}
	/* Not used up by another peer's answer: that would let anyone void a host's challenge. */
	if (!addr_ok || !c->addr_ok || memcmp(addr, c->addr, sizeof(addr))) {
		*why = "its challenge was issued to another address";
		return RMEM_REJ_AUTH_STALE;
	}
	if (c->host_id != req->host_id) {
		*why = "its challenge was issued to another host id";
		return RMEM_REJ_AUTH_STALE;
	}
	if (!rmemd_auth_where(peer, local, &where)) {
		*why = "not an IPv4 or IPv6 connection";
		return RMEM_REJ_AUTH_FAILED;
	}
	/* One answer per challenge, right or wrong: a guess is never retried on it. */
	c->state = RMEMD_CHALLENGE_USED;
	n = rmem_auth_input(in, false, c->nd, c->nh, c->host_id, &where, NULL);
	/* Every key, with no early exit: the time taken says nothing of which matched. */
	for (k = 0; k < a->nkeys; k++) {
		rmemd_auth_mac(a->keys->key[k], in, n, tag);
		if (!crypto_verify_16(tag, req->tag))
			proved = k + 1;
	}
	sodium_memzero(tag, sizeof(tag));
	if (!proved)
		return RMEM_REJ_AUTH_FAILED;
	memcpy(p->nd, c->nd, sizeof(p->nd));
	memcpy(p->nh, c->nh, sizeof(p->nh));
	p->host_id = c->host_id;
	p->where = where;
	p->key = proved - 1;
	return RMEM_REJ_NONE;
}

int rmemd_auth_sign(const struct rmemd_auth *a, const struct rmemd_auth_proof *p,
		    struct rmem_desc *d)
{
	uint8_t in[RMEM_AUTH_INPUT_MAX];
	size_t n;

	/* The flag first: the tag covers the descriptor as sent. */
	d->flags |= RMEM_ACCEPT_F_AUTH;
	n = rmem_auth_input(in, true, p->nd, p->nh, p->host_id, &p->where, d);
	if (!n)
		return -EINVAL;
	rmemd_auth_mac(a->keys->key[p->key], in, n, d->tag);
	return 0;
}
