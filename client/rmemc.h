/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * rmemc.h - userspace client of an rmem donor (librmemclient.a).
 *
 * Used by tests, rmemctl and rmem-top; the host kernel module implements
 * the same protocol from the same include/rmem_proto.h.  Everything after
 * rmemc_connect() is one-sided RDMA: the donor's CPU is not involved.
 *
 *	struct rmemc_conn *c;
 *	struct rmemc_dev *d;
 *	struct rmemc_handle h;
 *
 *	rmemc_connect("10.0.0.1", RMEM_DEFAULT_PORT, NULL, &c, err, sizeof(err));
 *							// proves /etc/rmem/rack.key
 *	rmemc_dev_attach(c, device_id, 0, &d);		// claims a lease slot
 *	rmemc_alloc(d, vchunk, &h);			// READ window + CAS
 *	rmemc_write(c, &h, 0, page, 4096);		// RDMA WRITE
 *	rmemc_lease_renew(d);				// every lease_timeout / 3
 *	rmemc_free(d, &h);				// CAS owner -> 0
 *	rmemc_dev_detach(d, NULL);			// frees the rest, releases the slot
 *	rmemc_disconnect(c);
 *
 * Every function returns 0 (or a count) or a negative errno, and leaves a
 * one-line explanation in rmemc_errmsg(conn).  Errors:
 *   -ETIMEDOUT     no CM event or completion within the timeout
 *   -ECONNREFUSED  the donor rejected us (the message says why) or no listener
 *   -EACCES        no proof of the rack key, a wrong one, or a stale answer; or
 *                  the donor did not prove the key back (we disconnected)
 *   -EHOSTUNREACH  address/route resolution failed or the donor is unreachable
 *   -EPROTO        the donor's descriptor or superblock is invalid
 *   -ESTALE        the donor rebooted (new epoch): every chunk is lost
 *   -ENOSPC        the donor is full (alloc) or has no free lease slot (attach)
 *   -EPERM         free of a chunk this device does not own
 *   -EKEYEXPIRED   the device's lease was reclaimed: its chunks are gone
 *   -EINVAL        bad argument (offset beyond the chunk, vchunk too large…)
 *   -EIO           an RDMA operation completed in error (status in the message);
 *                  the connection is unusable afterwards (-ENOTCONN)
 * A connection is not thread-safe: use one per thread.
 */
#ifndef RMEMC_H
#define RMEMC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rmem_proto.h"

struct rmemc_conn;
struct rmemc_dev;

/*
 * What a connect's steps saw, for tests (rmem-testclient auth): a replay
 * sends auth_req again; the last reject's private data shows that a
 * refusal carries nothing but the reason.
 */
struct rmemc_trace {
	uint8_t auth_req[RMEM_CM_REQ_PRIV_MAX];	/* the AUTH request sent */
	uint8_t auth_req_len;			/* 0: none sent */
	unsigned int challenges;		/* challenges received */
	uint16_t reject_reason;			/* the last reject's, RMEM_REJ_NONE: none */
	uint8_t reject_priv[RMEM_CM_REJ_PRIV_MAX];	/* its private data as delivered */
	size_t reject_len;
	bool accepted;				/* a descriptor, with its rkeys, arrived */
};

struct rmemc_opts {
	uint64_t host_id;		/* the device served; 0: a tool ("tool" + pid is sent) */
	/*
	 * The rack key file whose first key this host proves: NULL means
	 * $RMEM_KEY_FILE, else RMEM_KEY_FILE_DEFAULT.  A file that does not
	 * exist fails the connect (naming the file) unless @insecure.
	 */
	const char *key_file;
	bool insecure;			/* send no proof, whatever file there is */
	int timeout_ms;			/* per CM step and per RDMA op; 0 = 5000 */
	int spin_us;			/* busy-poll before sleeping; 0 = 2000, <0 = never */
	uint64_t expect_epoch;		/* nonzero: -ESTALE if the donor's differs */
	/* Test hook: send these bytes as connect private data, unvalidated. */
	const void *raw_private_data;
	uint8_t raw_private_data_len;
	bool raw_private_data_set;
	struct rmemc_trace *trace;	/* test hook: filled when given */
};

/* A chunk allocated on a donor.  A plain value: copy it, store it. */
struct rmemc_handle {
	uint64_t chunk;		/* index in the donor's owner table */
	uint64_t owner;		/* the owner word allocation wrote */
	uint64_t epoch;		/* the donor boot it belongs to */
};

struct rmemc_stats {
	uint64_t uptime_ms;
	uint64_t chunks_total;
	uint64_t chunks_used;
	uint32_t hosts_connected;
	uint32_t slots_used;
	uint64_t leases_expired;
	uint64_t reaper_chunks_freed;
	uint64_t connects_accepted;
	uint64_t connects_rejected;
	uint64_t refused_not_allowed;	/* of those: outside the allow-list */
	uint64_t refused_auth;		/* of those: no proof, stale answer or wrong key */
	uint64_t auth_accepted;		/* of the accepted: proved the rack key */
	uint64_t conns_revoked;		/* grants revoked when leases were reaped */
	uint64_t challenges_refused;	/* of those: HELLOs, challenge table full */
	uint64_t cpu_time_us;
	uint64_t refreshes;
};

struct rmemc_slot_info {
	uint64_t device_id;	/* 0 free, RMEM_DEVICE_RECLAIMING, else the id */
	uint64_t generation;
	uint64_t lease_counter;
};

/* Counters of one attached device, for tests and benchmarks. */
struct rmemc_dev_counters {
	uint64_t allocs;
	uint64_t window_reads;	/* RDMA READs of owner windows */
	uint64_t cas_conflicts;	/* CASes that found the word taken */
	uint64_t frees;
};

/* ------------------------------------------------------------ connection */

int rmemc_connect(const char *host, uint16_t port, const struct rmemc_opts *opts,
		 struct rmemc_conn **out, char *err, size_t errlen);
void rmemc_disconnect(struct rmemc_conn *c);

const char *rmemc_errmsg(const struct rmemc_conn *c);
const struct rmem_desc *rmemc_conn_desc(const struct rmemc_conn *c);
const char *rmemc_conn_device(const struct rmemc_conn *c);
/* -ESTALE ("all chunks lost") if the donor's epoch is not @epoch. */
int rmemc_check_epoch(struct rmemc_conn *c, uint64_t epoch);

/* ------------------------------------------------------ devices, leases */

#define RMEMC_ATTACH_NEW 1u	/* -EEXIST if the device already holds a slot */
#define RMEMC_ATTACH_EXISTING 2u	/* -ENOENT unless it holds one */

int rmemc_dev_attach(struct rmemc_conn *c, uint64_t device_id, unsigned int flags,
		    struct rmemc_dev **out);
/* Forgets the device locally; its lease lapses unless someone renews it. */
void rmemc_dev_close(struct rmemc_dev *d);
/* Frees every chunk of the device and releases its slot; closes @d. */
int rmemc_dev_detach(struct rmemc_dev *d, uint64_t *freed);

uint32_t rmemc_dev_slot(const struct rmemc_dev *d);
uint64_t rmemc_dev_generation(const struct rmemc_dev *d);
bool rmemc_dev_adopted(const struct rmemc_dev *d);
void rmemc_dev_get_counters(const struct rmemc_dev *d, struct rmemc_dev_counters *out);

int rmemc_lease_renew(struct rmemc_dev *d);

/* ---------------------------------------------------------------- chunks */

int rmemc_alloc(struct rmemc_dev *d, uint64_t vchunk, struct rmemc_handle *h);
int rmemc_free(struct rmemc_dev *d, const struct rmemc_handle *h);
int rmemc_read(struct rmemc_conn *c, const struct rmemc_handle *h, uint64_t off,
	      void *buf, size_t len);
int rmemc_write(struct rmemc_conn *c, const struct rmemc_handle *h, uint64_t off,
	       const void *buf, size_t len);

/*
 * Rebuilds a device's map from the owner table: calls @cb for every chunk
 * the device owns; a nonzero return from @cb stops the scan and is returned.
 */
int rmemc_dev_scan(struct rmemc_dev *d,
		  int (*cb)(void *arg, const struct rmemc_handle *h, uint64_t vchunk),
		  void *arg);

/* ------------------------------------------------------------ monitoring */

int rmemc_read_stats(struct rmemc_conn *c, struct rmemc_stats *st);
/* Owner words [first, first + count) in CPU order. */
int rmemc_read_owners(struct rmemc_conn *c, uint64_t first, uint64_t count, uint64_t *words);
int rmemc_read_slots(struct rmemc_conn *c, uint32_t first, uint32_t count,
		    struct rmemc_slot_info *out);

#endif /* RMEMC_H */
