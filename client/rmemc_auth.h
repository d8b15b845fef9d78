/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * rmemc_auth.h - the host's half of host authentication in librmemclient
 * (include/rmem_wire.h, "Host authentication"): the rack key a host
 * proves, its HELLO and AUTH requests, and the check of the donor's proof
 * in the accept.  The same steps as the host module's vhost_rmem_auth.c,
 * over libsodium.  No rdma_cm here: rmemc.c runs the exchange, and the
 * unit tier (unit/appliance-auth) runs these against the donor's half.
 */
#ifndef RMEMC_AUTH_H
#define RMEMC_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "rmem_proto.h"

/* One connect's authentication; rmemc_auth_end() wipes it. */
struct rmemc_auth {
	bool keyed;			/* a key was read: prove it, and check the donor's */
	bool challenged;		/* nd holds the donor's challenge */
	uint8_t key[RMEM_AUTH_KEY_LEN];	/* the key file's first key */
	uint32_t key_id;
	uint8_t nh[RMEM_AUTH_NONCE_LEN];	/* ours, fresh per connect */
	uint8_t nd[RMEM_AUTH_NONCE_LEN];	/* the donor's */
	struct rmem_auth_where where;	/* this attempt's addresses */
	char path[256];			/* the key file, for messages */
};

/*
 * The rack key file a connect uses: @given, else $RMEM_KEY_FILE, else
 * RMEM_KEY_FILE_DEFAULT.
 */
const char *rmemc_auth_key_file(const char *given);

/*
 * Starts a connect's authentication with the first key of @path (NULL:
 * none, connect without proof).  0: keyed; -ENOENT: @path does not exist,
 * not keyed (the donor decides whether that is enough); another negative
 * errno with @err: the file is there but unusable (not a regular file,
 * open to group or others, not a key), which must not quietly turn into a
 * connect without proof.
 */
int rmemc_auth_begin(struct rmemc_auth *a, const char *path, char *err, size_t errlen);
void rmemc_auth_end(struct rmemc_auth *a);

/* The addresses of the attempt about to be made (its route resolved): -EAFNOSUPPORT. */
int rmemc_auth_set_where(struct rmemc_auth *a, const struct sockaddr *local,
			 const struct sockaddr *donor);

/* Fills the proof fields of @req (its host_id set): plain, HELLO, or AUTH after a challenge. */
void rmemc_auth_request(const struct rmemc_auth *a, struct rmem_connect_req *req);

/* Takes the challenge from a reject's private data @priv[0..len).  0 or -RMEM_WIRE_*. */
int rmemc_auth_take_challenge(struct rmemc_auth *a, const void *priv, size_t len);

/*
 * The donor's proof in @d, the accept of our AUTH from @host_id.  0, or
 * -EACCES: no proof (the donor skipped the challenge) or a wrong one.
 * Without a key there is nothing to check.
 */
int rmemc_auth_check_accept(const struct rmemc_auth *a, const struct rmem_desc *d,
			    uint64_t host_id);

#endif /* RMEMC_AUTH_H */
