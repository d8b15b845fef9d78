/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vhost_rmem_rdma.h - the rdma backend's layers:
 *
 *   vhost_rmem_conn.c          one connection to a donor: rdma_cm handshake, PD, CQ
 *                        (polled by the waiting caller), QP, registered scratch
 *                        buffers, synchronous one-sided operations with a timeout
 *   vhost_rmem_alloc.c         the one-sided allocator client on a connection: lease
 *                        slot claim/adopt/renew/detach, chunk alloc/free, owner
 *                        table walk (the protocol itself is include/rmem_alloc.h)
 *   vhost_rmem_share.c         the host's data connections: one per donor and queue
 *                        index, shared by every device's lane of that index
 *   vhost_rmem_map.c           vchunk -> (donor chunk, live 4 KiB blocks) in an xarray
 *   vhost_rmem_rdma.c  the backend ops: map + allocator + data moves,
 *                        reconnect and lease renewal work, sysfs/debugfs
 *
 * Locking: a control connection serves one caller at a time (the backend's
 * mutex), which also reaps the completions of its operations
 * (ib_process_cq_direct); a data connection is shared by the lanes of one
 * queue index (vhost_rmem_share.c), which post on it at will and reap it
 * one at a time.  Only the rdma_cm handler and the break work run beside
 * them, and they only record results, move the QP to the error state and
 * queue work.
 */
#ifndef VHOST_RMEM_RDMA_H
#define VHOST_RMEM_RDMA_H

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/in.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/socket.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <rdma/ib_verbs.h>
#include <rdma/rdma_cm.h>

#include "rmem_alloc.h"
#include "rmem_proto.h"

struct dentry;

/*
 * Scratch buffer of a connection: the bounce buffer of data moves (up to one
 * 64 KiB window of a request per round trip), owner windows, slot table and
 * owner table pieces.  64 KiB keeps a whole default slot table (1024 x 16 B)
 * in one READ.
 */
#define VHOST_RMEM_CONN_BUF_SHIFT 16
#define VHOST_RMEM_CONN_BUF BIT(VHOST_RMEM_CONN_BUF_SHIFT)
/* Zero source for clearing a fresh chunk: one WR per 64 KiB of chunk. */
#define VHOST_RMEM_CONN_ZERO (64u << 10)
/*
 * Send queue: a chunk clear posts chunk / VHOST_RMEM_CONN_ZERO WRs at once (16 for
 * the 1 MiB chunks tests use, 32 at the 2 MiB default; larger chunks are
 * cleared in several rounds), a data move one WR per block run of a 64 KiB
 * window (16 at most).  +1 for ib_drain_qp's marker.
 */
#define VHOST_RMEM_CONN_MAX_WR 32u

/* Spin this long (us, module parameter poll_spin_us) on a CQ before polling it between sleeps. */
extern unsigned int vhost_rmem_poll_spin_us;

/* One piece of a vectored data move: c->buf[boff, boff + len) <-> raddr. */
struct vhost_rmem_conn_seg {
	u32 boff;
	u32 len;
	u64 raddr;
};

struct vhost_rmem_conn_cfg {
	struct sockaddr_storage addr;	/* donor, IPv4 + port */
	u64 host_id;			/* connect request: for the donor's logs */
	unsigned int timeout_ms;	/* per rdma_cm step and per operation */
	/* The connection broke (any cause); called from a workqueue. */
	void (*broken)(void *ctx);
	void *ctx;
	/*
	 * Where that call runs: the owner's WQ_MEM_RECLAIM queue, because the
	 * owner's reconnect (on it) waits for it, and the host may be swapping
	 * onto the device that needs the reconnect.
	 */
	struct workqueue_struct *wq;
	/*
	 * A data connection (a lane's): @sq_depth send WRs outstanding at once
	 * and up to @max_sge SGEs per WR (both clamped to the device), its CQ
	 * polled by the lane with vhost_rmem_conn_poll(); never armed.  0: a
	 * control connection for the synchronous operations below.
	 */
	unsigned int sq_depth;
	unsigned int max_sge;
	/* Counts the chunks the allocator cleared before freeing them, or NULL. */
	atomic64_t *cleared;
};

/*
 * One connection attempt's authentication (vhost_rmem_auth.c): the rack
 * key as it was when the attempt began, the host's nonce, and the donor's
 * once it challenged.
 */
struct vhost_rmem_key;

struct vhost_rmem_auth {
	bool keyed;
	bool challenged;
	u32 key_id;
	struct vhost_rmem_key *key;	/* a reference: the key as the attempt began */
	u8 nh[RMEM_AUTH_NONCE_LEN];
	u8 nd[RMEM_AUTH_NONCE_LEN];
	struct rmem_auth_where where;
};

/* False: no rack key loaded; the attempt carries no proof. */
bool vhost_rmem_auth_begin(struct vhost_rmem_auth *a);
bool vhost_rmem_auth_insecure(void);
void vhost_rmem_auth_exit(void);
void vhost_rmem_auth_end(struct vhost_rmem_auth *a);
void vhost_rmem_auth_set_where(struct vhost_rmem_auth *a, const struct sockaddr *src,
			       const struct sockaddr *dst);
int vhost_rmem_auth_request(struct vhost_rmem_auth *a, struct rmem_connect_req *req);
/* 0, or -EACCES: a keyed host's donor did not prove the key. */
int vhost_rmem_auth_check_accept(struct vhost_rmem_auth *a, const struct rmem_desc *d,
				 u64 host_id);

struct vhost_rmem_conn {
	struct vhost_rmem_conn_cfg cfg;
	char name[32];			/* "ADDR:PORT" for logs */
	struct rdma_cm_id *cm_id;
	struct ib_pd *pd;
	struct ib_cq *cq;
	struct rmem_desc desc;		/* the donor's accept descriptor */
	struct vhost_rmem_auth *auth;	/* while vhost_rmem_conn_create() runs */

	/* rdma_cm handshake: the handler records, the connecting caller waits. */
	struct completion cm_done;
	int cm_event;
	int cm_status;
	u8 priv[RMEM_CM_REP_PRIV_MAX];
	u8 priv_len;

	spinlock_t lock;		/* broken, dying vs the handlers */
	bool established;
	bool broken;			/* no more operations; waiting for teardown */
	bool dying;			/* teardown started: queue nothing */
	bool armed;			/* the owner installed it: tell it of a break */
	struct work_struct break_work;

	unsigned int sq_depth;		/* send WRs the QP holds */
	unsigned int max_sge;		/* SGEs per send WR */
	unsigned int max_sge_rd;	/* SGEs per RDMA READ */

	/* Scratch (bidirectional) + 8-byte atomic result, and the zero source. */
	u8 *buf;
	u64 buf_dma;
	u8 *zero;
	u64 zero_dma;
	/*
	 * One drain per break, shared by every caller (vhost_rmem_conn_drain):
	 * posts in progress (a drain waits them out before its marker), the
	 * marker, when it was posted and whether it came back.
	 */
	atomic_t posting;
	struct ib_cqe marker;
	bool drain_posted;
	bool drained;
	unsigned long drain_deadline;
	/* A chunk clear's or a vectored move's WR chain: too big for the stack. */
	struct ib_rdma_wr wr[VHOST_RMEM_CONN_MAX_WR];
	struct ib_sge sge[VHOST_RMEM_CONN_MAX_WR];
};

/* vhost_rmem_conn.c */
struct vhost_rmem_conn *vhost_rmem_conn_create(const struct vhost_rmem_conn_cfg *cfg);
/*
 * From now on a break calls cfg->broken (at once if it already broke).
 * Until then the connection belongs to its creator, whose own error path
 * handles a failure: nothing can make the owner reconnect for it.
 */
void vhost_rmem_conn_arm(struct vhost_rmem_conn *c);
void vhost_rmem_conn_destroy(struct vhost_rmem_conn *c);
bool vhost_rmem_conn_ok(struct vhost_rmem_conn *c);
/*
 * A data connection's asynchronous side: post a chain whose WRs carry the
 * caller's cqes (no completion is waited for here), reap what completed
 * (their ->done runs in the caller's context; returns how many), and
 * break the connection at once, flushing everything outstanding (the
 * caller then drains it with vhost_rmem_conn_drain() before it forgets any
 * request it posted: 0 when every WR anyone posted came back, -ETIMEDOUT
 * if not within cfg.timeout_ms of the first drain call; a later call
 * waits no longer, it reaps and tells).
 */
int vhost_rmem_conn_post(struct vhost_rmem_conn *c, struct ib_send_wr *wr);
int vhost_rmem_conn_poll(struct vhost_rmem_conn *c);
void vhost_rmem_conn_abort(struct vhost_rmem_conn *c, const char *why);
int vhost_rmem_conn_drain(struct vhost_rmem_conn *c);
/* RDMA READ @len bytes at @raddr into c->buf / WRITE c->buf[0..len) there. */
int vhost_rmem_conn_read(struct vhost_rmem_conn *c, u64 raddr, u32 rkey, u32 len);
int vhost_rmem_conn_write(struct vhost_rmem_conn *c, u64 raddr, u32 rkey, u32 len);
/*
 * READ (@write false) or WRITE @n pieces between c->buf and the donor in one
 * chain, one round trip: @n <= VHOST_RMEM_CONN_MAX_WR, pieces inside c->buf.
 */
int vhost_rmem_conn_rwv(struct vhost_rmem_conn *c, bool write,
			const struct vhost_rmem_conn_seg *seg, unsigned int n, u32 rkey);
/* WRITE zeros over [raddr, raddr + len). */
int vhost_rmem_conn_zero(struct vhost_rmem_conn *c, u64 raddr, u32 rkey, u64 len);
int vhost_rmem_conn_cas(struct vhost_rmem_conn *c, u64 raddr, u32 rkey, u64 expect, u64 swap,
			u64 *old);
/* Metadata (superblock, slots, leases, owners) at an offset of the region. */
int vhost_rmem_conn_meta_read(struct vhost_rmem_conn *c, u64 off, u32 len);
int vhost_rmem_conn_meta_cas(struct vhost_rmem_conn *c, u64 off, u64 expect, u64 swap, u64 *old);

/* ------------------------------------------------------------ vhost_rmem_alloc.c */

/*
 * A device's lease on one donor is struct rmem_lease (rmem_alloc.h); these
 * run that shared protocol over a connection.  Errors as listed there.
 */
int vhost_rmem_lease_init(struct rmem_lease *l, u64 device_id);
void vhost_rmem_lease_fini(struct rmem_lease *l);
/* Slot naming l->device_id: 0 and *slot, or -ENOENT. */
int vhost_rmem_alloc_find_slot(struct vhost_rmem_conn *c, struct rmem_lease *l, u32 *slot);
/* Takes over @slot (already naming the device): reads gen, renews. */
int vhost_rmem_alloc_adopt(struct vhost_rmem_conn *c, struct rmem_lease *l, u32 slot);
/* Claims a free slot for the device. */
int vhost_rmem_alloc_claim(struct vhost_rmem_conn *c, struct rmem_lease *l);
/* Writes the next counter and checks the slot is still ours (-EKEYEXPIRED). */
int vhost_rmem_alloc_renew(struct vhost_rmem_conn *c, struct rmem_lease *l);
int vhost_rmem_alloc_chunk(struct vhost_rmem_conn *c, struct rmem_lease *l, u64 vchunk, u64 *chunk,
			   u64 *owner);
/* CAS owner -> 0; -EPERM if @owner is not this lease's or the table disagrees. */
int vhost_rmem_alloc_free(struct vhost_rmem_conn *c, struct rmem_lease *l, u64 chunk, u64 owner);
/* Fence the slot, bump its generation, free every word naming it, release it. */
int vhost_rmem_alloc_detach(struct vhost_rmem_conn *c, struct rmem_lease *l, u32 slot, u64 *freed);
/* Calls @fn for every nonzero owner word; stops at the first error. */
int vhost_rmem_alloc_walk(struct vhost_rmem_conn *c, int (*fn)(void *arg, u64 chunk, u64 word),
			  void *arg);

/* ------------------------------------------------------------ vhost_rmem_share.c */

/*
 * A data connection's send queue: the lanes of every device of the host
 * with that queue index post on it, each up to VHOST_RMEM_LANE_DEPTH
 * requests of (mostly) one WR, up to 16; a request finding no room
 * bounces (counted).
 */
#define VHOST_RMEM_SHARE_SQ_DEPTH 2048u
#define VHOST_RMEM_SHARE_MAX_SGE 16u

/* A lane on a shared connection: told when it breaks (from a workqueue, under a spinlock). */
struct vhost_rmem_share_user {
	struct list_head node;		/* in share->users */
	void (*broken)(struct vhost_rmem_share_user *u);
};

struct vhost_rmem_share {
	struct list_head node;		/* in the host's table */
	unsigned int ref;		/* users; under the table's mutex */
	struct sockaddr_in addr;	/* the key: donor, its boot, queue index, timeout */
	u64 epoch;
	unsigned int qi;
	unsigned int timeout_ms;
	struct vhost_rmem_conn *conn;
	atomic_t wrs;			/* send WRs reserved by users (the SQ's room) */
	struct mutex poll_lock;		/* one reaper of the CQ at a time */
	spinlock_t lock;		/* users */
	struct list_head users;
};

/*
 * Joins the connection to @cfg's donor at boot @epoch for queue @qi,
 * connecting it if the host has none that works (*created: this call
 * did).  Sleeps up to cfg->timeout_ms per rdma_cm step.
 */
struct vhost_rmem_share *vhost_rmem_share_get(const struct vhost_rmem_conn_cfg *cfg, u64 epoch,
					      unsigned int qi, struct vhost_rmem_share_user *u,
					      bool *created);
/* Leaves it; @u must have nothing in flight on it.  The last user destroys it. */
void vhost_rmem_share_put(struct vhost_rmem_share *s, struct vhost_rmem_share_user *u);
/* Reaps the CQ unless another user is reaping it; returns the completions reaped. */
int vhost_rmem_share_poll(struct vhost_rmem_share *s);
/*
 * Broken: 0 once every WR posted on it has come back, or -ETIMEDOUT if
 * they did not within the timeout of the first user's drain (they may
 * still: the caller must not forget them, and calls again).
 */
int vhost_rmem_share_drain(struct vhost_rmem_share *s);
/* Room for @wrs send WRs on the QP, or false (and nothing reserved). */
bool vhost_rmem_share_reserve(struct vhost_rmem_share *s, unsigned int wrs);
void vhost_rmem_share_release(struct vhost_rmem_share *s, unsigned int wrs);
void vhost_rmem_share_debugfs(struct dentry *root);
void vhost_rmem_share_exit(void);

/* ------------------------------------------------------------ vhost_rmem_map.c */

struct vhost_rmem_map_chunk {
	u64 chunk;		/* donor chunk index */
	u64 owner;		/* the owner word we hold it with */
	u32 live;		/* blocks with data */
	u32 busy;		/* zero-copy requests moving data to it: not freed */
	bool lost;		/* the donor lost it (new epoch, lease gone): IOERR */
	unsigned long live_map[];	/* one bit per 4 KiB block */
};

struct vhost_rmem_map {
	struct xarray xa;	/* vchunk -> struct vhost_rmem_map_chunk */
	u32 blocks_per_chunk;
	u64 held;		/* entries holding a donor chunk */
	u64 lost;		/* entries marked lost */
};

void vhost_rmem_map_init(struct vhost_rmem_map *m, unsigned int chunk_shift);
struct vhost_rmem_map_chunk *vhost_rmem_map_get(struct vhost_rmem_map *m, u64 vchunk);
/* New entry, no block live (or all, for a rebuilt chunk); ERR_PTR on failure. */
struct vhost_rmem_map_chunk *vhost_rmem_map_add(struct vhost_rmem_map *m, u64 vchunk, u64 chunk,
						u64 owner, bool all_live);
void vhost_rmem_map_del(struct vhost_rmem_map *m, u64 vchunk);
/* Sets/clears a block's live bit; returns true if it changed. */
bool vhost_rmem_map_set_live(struct vhost_rmem_map *m, struct vhost_rmem_map_chunk *e, u32 block);
bool vhost_rmem_map_clear_live(struct vhost_rmem_map *m, struct vhost_rmem_map_chunk *e, u32 block);
void vhost_rmem_map_mark_lost(struct vhost_rmem_map *m, struct vhost_rmem_map_chunk *e);
/* Drops every entry (no network). */
void vhost_rmem_map_empty(struct vhost_rmem_map *m);

#endif /* VHOST_RMEM_RDMA_H */
