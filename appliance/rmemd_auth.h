/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rmemd_auth.h - the donor's half of host authentication (include/rmem_wire.h,
 * "Host authentication"): the rack keys, the challenges issued, the check
 * of a host's proof and the donor's own proof in the accept.
 *
 * A challenge answers one AUTH, from the address and host id that asked
 * for it, within RMEMD_AUTH_TTL_MS.  The table holds RMEMD_AUTH_SLOTS and
 * never grows.  It is shared by every peer the allow-list admits, none of
 * which has proved anything yet, so no peer may take another's place: an
 * address (its port is per connection) holds at most RMEMD_AUTH_PER_ADDR
 * live challenges and its next HELLO replaces its own oldest; a HELLO
 * that finds every slot live for other addresses is refused, and the
 * host asks again.  Keys live in sodium_malloc'd memory (locked, guard
 * pages, read-only between loads); a reload that fails keeps the keys in
 * force.  No rdma_cm and no logging here: the listener logs, and the unit
 * tier (unit/auth) drives this with its own clock.
 */
#ifndef RMEMD_AUTH_H
#define RMEMD_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rmem_proto.h"

struct rmemd_opts;
struct sockaddr;

/*
 * Live challenges per address: a host may open its data connections (one
 * per queue, RMEM_VIRTIO_NUM_QUEUES_MAX) and its devices' control
 * connections all at once, so their HELLOs may all be in before the first
 * AUTH; twice the queues leaves room for those and a retry each.
 */
#define RMEMD_AUTH_PER_ADDR 32
/*
 * Challenges kept: more than a rack's hosts connect within one TTL, and
 * room for RMEMD_AUTH_SLOTS / RMEMD_AUTH_PER_ADDR addresses at their
 * limit, so filling the table takes a peer that many addresses.
 */
#define RMEMD_AUTH_SLOTS 1024
/* How long a challenge waits for its answer: two CM round trips, and slack. */
#define RMEMD_AUTH_TTL_MS 5000

struct rmemd_auth_keys {
	uint8_t key[RMEM_AUTH_KEYS_MAX][RMEM_AUTH_KEY_LEN];
};

enum rmemd_challenge_state { RMEMD_CHALLENGE_FREE, RMEMD_CHALLENGE_LIVE, RMEMD_CHALLENGE_USED };

struct rmemd_challenge {
	enum rmemd_challenge_state state;
	uint8_t nd[RMEM_AUTH_NONCE_LEN];	/* ours: what an AUTH names it by */
	uint8_t nh[RMEM_AUTH_NONCE_LEN];	/* the host's, from its HELLO */
	uint64_t host_id;
	uint8_t addr[16];			/* peer address (IPv4 mapped), not the port */
	bool addr_ok;				/* an address family we can compare */
	uint64_t expires_ms;
};

struct rmemd_auth {
	bool insecure;			/* no keys, no challenges: every request admitted */
	struct rmemd_auth_keys *keys;	/* sodium_malloc, read-only; NULL when insecure */
	unsigned int nkeys;		/* 1, or 2 during a rotation */
	uint32_t key_id[RMEM_AUTH_KEYS_MAX];
	char source[300];		/* where the keys came from, for messages */
	struct rmemd_challenge *table;	/* RMEMD_AUTH_SLOTS, in no order */
	uint64_t challenges_refused;	/* HELLOs refused: all slots live for other addresses */
};

/* What became of a HELLO (rmemd_auth_challenge). */
enum rmemd_hello {
	RMEMD_HELLO_ISSUED,		/* a new challenge in a free or spent slot */
	RMEMD_HELLO_REPLACED,		/* in place of this address's own oldest live one */
	RMEMD_HELLO_REFUSED,		/* no slot: counted, no challenge, @nd untouched */
};

/* What a valid AUTH proved: the donor's tag covers the same. */
struct rmemd_auth_proof {
	uint8_t nd[RMEM_AUTH_NONCE_LEN];
	uint8_t nh[RMEM_AUTH_NONCE_LEN];
	uint64_t host_id;
	struct rmem_auth_where where;
	unsigned int key;		/* index of the key the host proved */
};

/*
 * Keys from rmem.key=, else from the key file; none with insecure.  0, or a
 * negative errno and in @err what is wrong and how to fix it (the donor
 * then does not serve).  Teardown wipes and frees everything.
 */
int rmemd_auth_setup(struct rmemd_auth *a, const struct rmemd_opts *o, char *err, size_t errlen);
void rmemd_auth_teardown(struct rmemd_auth *a);

/*
 * Reads @path again (SIGHUP).  0 with the new keys in force, or a
 * negative errno and @err with the old keys still in force.
 */
int rmemd_auth_reload(struct rmemd_auth *a, const char *path, char *err, size_t errlen);

/*
 * Answers a HELLO: a new challenge for @peer's address, its nonce in @nd.
 * Never drops another address's live challenge: with the table full of
 * those, returns RMEMD_HELLO_REFUSED and the caller rejects the HELLO.
 */
enum rmemd_hello rmemd_auth_challenge(struct rmemd_auth *a, const struct sockaddr *peer,
				      const struct rmem_connect_req *hello, uint64_t now_ms,
				      uint8_t nd[RMEM_AUTH_NONCE_LEN]);

/*
 * Checks an AUTH from @peer: RMEM_REJ_NONE with @p filled, or
 * RMEM_REJ_AUTH_STALE (@why says which way) or RMEM_REJ_AUTH_FAILED.  An
 * answer from the right peer uses its challenge up, right or wrong.
 */
uint16_t rmemd_auth_check(struct rmemd_auth *a, const struct sockaddr *peer,
			  const struct sockaddr *local, const struct rmem_connect_req *req,
			  uint64_t now_ms, struct rmemd_auth_proof *p, const char **why);

/*
 * Sets RMEM_ACCEPT_F_AUTH and the donor's tag over @d, with the key @p
 * proved.  -EINVAL: @d does not encode, nothing is signed.
 */
int rmemd_auth_sign(const struct rmemd_auth *a, const struct rmemd_auth_proof *p,
		     struct rmem_desc *d);

/* "1a2b3c4d" or "1a2b3c4d, 5e6f7a8b": the ids of the keys in force. */
const char *rmemd_auth_ids(const struct rmemd_auth *a, char *buf, size_t len);

/* A key's id for logs: the first four bytes of HMAC(key, RMEM_AUTH_LABEL_KEY_ID). */
uint32_t rmemd_auth_key_id(const uint8_t key[RMEM_AUTH_KEY_LEN]);

#endif /* RMEMD_AUTH_H */
