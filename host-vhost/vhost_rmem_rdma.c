// SPDX-License-Identifier: GPL-2.0
/*
 * vhost_rmem_rdma.c - the "rdma" backend: a device's blocks live in
 * chunks of one donor (rmem-appliance), reached with one-sided RDMA.
 *
 * Map: vhost_rmem_map.c, vchunk -> donor chunk + live 4 KiB blocks.  The first
 * write into a virtual chunk allocates a donor chunk (vhost_rmem_alloc.c: CAS of
 * an owner word naming our lease slot, generation and vchunk), which is all
 * zeros: whoever frees a chunk clears it first (a discard that empties it,
 * a detach, the donor's reaper), so no byte of a previous tenant is ever
 * readable and the writer pays nothing for it; reads of blocks without data
 * are answered with zeros from host memory.
 *
 * Data: zero-copy, many requests in flight per queue, on a data connection
 * per queue index that every device of the host using the donor shares
 * (vhost_rmem_share.c; the "zero-copy lanes" section below); what cannot go
 * that way is moved piece by piece (at most one 64 KiB-aligned window,
 * io_shift) through the control connection's registered bounce buffer:
 * RDMA READs into it then a copy to the guest, or a copy from the guest
 * then RDMA WRITEs, one WR per run of blocks consecutive on the donor, one
 * synchronous round trip per piece; every wait is bounded by
 * rdma_timeout_ms.
 *
 * Failures.  A dead donor breaks the connection (DISCONNECTED event, failed
 * or timed-out work request): outstanding work is flushed, requests fail
 * with IOERR, and reconnect work retries with a backoff capped at
 * reconnect_max_ms.  A reconnect that finds a new boot epoch, or a lease
 * check that finds our slot reclaimed, marks every mapped chunk lost: its
 * blocks answer IOERR (never zeros) until discarded or the device is reset;
 * new chunks are allocated normally.  Host-side fencing: with no successful
 * renewal for lease_timeout / 2, I/O fails instead of touching chunks the
 * reaper may already have handed to someone else.
 *
 * Reset and delete free everything the device owns (detach: fence the
 * slot, bump its generation, free every owner word naming it, release it),
 * unless rmem/keep_chunks is 1: then only the host's map and lease are
 * dropped, and a device created with the same id (here or on another host,
 * within the donor's lease timeout) adopts the slot and rebuilds its map
 * from the owner table: vhost_rmem_map_rebuild().
 *
 * Locking: r->lock serialises the map, the control connection (bounce
 * path, allocator), the renewal and reconnect work, and the debugfs map
 * dump; lanes take it around their lookups, never across a data move.
 * Lock order: serve_sem -> d->lock -> r->lock.  The works take neither of
 * the first two.
 */
#include <linux/debugfs.h>
#include <linux/inet.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "vhost_rmem_dev.h"
#include "vhost_rmem_fault.h"
#include "vhost_rmem_rdma.h"

static unsigned int vhost_rmem_rdma_timeout_ms = 5000;
module_param_named(rdma_timeout_ms, vhost_rmem_rdma_timeout_ms, uint, 0644);
MODULE_PARM_DESC(rdma_timeout_ms,
		 "bound of every rdma_cm step and RDMA operation to a donor, ms (default 5000, min 100)");

static unsigned int vhost_rmem_reconnect_max_ms = 5000;
module_param_named(reconnect_max_ms, vhost_rmem_reconnect_max_ms, uint, 0644);
MODULE_PARM_DESC(reconnect_max_ms,
		 "longest pause between reconnect attempts to a lost donor, ms (default 5000, min 100)");

unsigned int vhost_rmem_poll_spin_us = 200;
module_param_named(poll_spin_us, vhost_rmem_poll_spin_us, uint, 0644);
MODULE_PARM_DESC(poll_spin_us,
		 "spin this long on a donor connection's CQ before polling it between 20-50 us sleeps (default 200)");

#define VHOST_RMEM_RECONNECT_MIN_MS 250

static struct workqueue_struct *vhost_rmem_rdma_wq;
static struct dentry *vhost_rmem_debugfs_root;
static const u8 vhost_rmem_rdma_zeros[RMEM_BLOCK_SIZE];

/* Connection state of the device's donor (rdma/state). */
enum vhost_rmem_rdma_state {
	VHOST_RMEM_RDMA_NONE = 0,		/* no backend store yet */
	VHOST_RMEM_RDMA_CONNECTING,
	VHOST_RMEM_RDMA_CONNECTED,
	VHOST_RMEM_RDMA_DOWN,			/* lost; reconnecting with backoff */
};

/* rdma/: what each counter means is in rmem_sysfs.h (RMEM_SYSFS_RDMA_COUNTERS). */
struct vhost_rmem_rdma_stats {
	atomic_t state;			/* enum vhost_rmem_rdma_state */
	atomic_t slot;			/* lease slot on the donor, -1 if none */
	atomic64_t epoch;		/* donor boot epoch of the connection */
	atomic64_t chunks;
	atomic64_t lost_chunks;
	atomic64_t connects;
	atomic64_t disconnects;
	atomic64_t epoch_changes;
	atomic64_t renewals;
	atomic64_t leases_lost;
	atomic64_t allocs;
	atomic64_t frees;
	atomic64_t rebuilt;
	atomic64_t errors;
	atomic64_t data_posts;
	atomic64_t data_wrs;
	atomic64_t zero_copy;
	atomic64_t bounced;
	atomic64_t retried;
	atomic64_t lane_connects;
	atomic64_t lane_joins;
	atomic64_t chunk_clears;
};

/*
 * The backend's per-device state, from the choice of backend "rdma" to the
 * next choice or the device's end: what the operator set in rmem/ and what
 * rdma/ shows, which outlive the store (reset, reconnects).
 */
struct vhost_rmem_rdma_dev {
	struct vhost_rmem_backend_priv head;
	struct sockaddr_in donor;	/* rmem/donor (sin_port 0 = unset) */
	/*
	 * rmem/keep_chunks: reset and delete drop the host's map and lease but
	 * leave the chunks on the donor, for a device of the same id to adopt
	 * (map rebuild).  Writable while live: it is an operation, not config.
	 */
	bool keep_chunks;
	struct vhost_rmem_rdma_stats st;
};

/*
 * A queue's use of its data connection and the zero-copy requests on it.
 * Only that queue's lane touches it (through submit and poll), and the
 * store's destroy once no lane serves; @done is where whichever lane
 * reaps the shared CQ hands this one its completed requests.
 */
struct vhost_rmem_rdma_lane {
	struct vhost_rmem_rdma *r;
	unsigned int qi;
	struct vhost_rmem_share *share;	/* NULL until the lane's first request */
	struct vhost_rmem_share_user user;
	struct llist_head done;		/* struct vhost_rmem_rdma_zreq, completed */
	struct list_head inflight;	/* struct vhost_rmem_rdma_zreq, posted order */
	unsigned int nr_inflight;
	unsigned long retry;		/* jiffies: no new connection before */
	unsigned int ended;		/* requests ended by the last polls */
};

/* The store, created when a driver sets FEATURES_OK, dropped on reset. */
struct vhost_rmem_rdma {
	struct vhost_rmem_dev *d;
	struct vhost_rmem_rdma_dev *rd;	/* the device's rdma state */
	struct vhost_rmem_rdma_stats *st;	/* = &rd->st */
	struct mutex lock;		/* everything below */
	struct vhost_rmem_conn *conn;		/* NULL while down */
	struct vhost_rmem_conn_cfg cfg;	/* fixed at creation */
	struct rmem_lease lease;
	struct vhost_rmem_map map;
	unsigned int chunk_shift;
	u64 nr_vchunks;			/* virtual chunks of the capacity */
	u64 epoch;			/* donor boot the map's chunks live in */
	bool map_valid;			/* map reflects the donor (else: ready() first) */
	bool adopt;			/* ready() adopts a slot naming us (else sweeps it) */
	bool stopping;
	unsigned long renewed;		/* jiffies of the last good renewal */
	unsigned int lease_ms;
	unsigned int fence_ms;		/* no I/O this long after the last renewal */
	unsigned int backoff_ms;
	struct delayed_work reconnect;
	struct delayed_work renew;
	struct dentry *dbg;
	struct vhost_rmem_rdma_lane lanes[RMEM_VIRTIO_NUM_QUEUES_MAX];
};

static void vhost_rmem_rdma_sync_stats(struct vhost_rmem_rdma *r)
{
	atomic64_set(&r->d->stats.chunks, r->map.held);
	atomic64_set(&r->st->chunks, r->map.held);
	atomic64_set(&r->st->lost_chunks, r->map.lost);
	atomic_set(&r->st->slot, r->lease.held ? (int)r->lease.slot : -1);
}

/* Every chunk in the map is gone on the donor: fail its blocks loudly. */
static void vhost_rmem_rdma_lose_all(struct vhost_rmem_rdma *r, const char *why)
{
	struct vhost_rmem_map_chunk *e;
	unsigned long idx;
	u64 n = 0;

	xa_for_each(&r->map.xa, idx, e) {
		if (!e->lost) {
			vhost_rmem_map_mark_lost(&r->map, e);
			n++;
		}
	}
	r->lease.held = false;
	r->lease.scan_started = false;
	vhost_rmem_rdma_sync_stats(r);
	if (n)
		dev_err(&r->d->vdpa.dev,
			"%s: %llu chunks lost on donor %pI4: their blocks now fail with IOERR\n",
			why, n, &r->rd->donor.sin_addr);
}

/* I/O may touch donor chunks: connected and the lease not stale (fencing). */
static int vhost_rmem_rdma_usable(struct vhost_rmem_rdma *r)
{
	if (!vhost_rmem_conn_ok(r->conn))
		return -ENOTCONN;
	if (r->lease.held &&
	    time_after(jiffies, r->renewed + msecs_to_jiffies(r->fence_ms))) {
		dev_warn_ratelimited(&r->d->vdpa.dev,
				     "lease not renewed for %u ms: fenced until it is\n",
				     r->fence_ms);
		return -ETIME;
	}
	return 0;
}

static void vhost_rmem_rdma_lease_held(struct vhost_rmem_rdma *r)
{
	r->renewed = jiffies;
	vhost_rmem_rdma_sync_stats(r);
	mod_delayed_work(vhost_rmem_rdma_wq, &r->renew,
			 msecs_to_jiffies(rmem_lease_renew_ms(r->lease_ms)));
}

/* ------------------------------------------------------------ connection */

static void vhost_rmem_rdma_broken(void *ctx)
{
	struct vhost_rmem_rdma *r = ctx;

	atomic_set(&r->st->state, VHOST_RMEM_RDMA_DOWN);
	mod_delayed_work(vhost_rmem_rdma_wq, &r->reconnect, 0);
}

/* Makes @c the connection; checks what happened to our chunks meanwhile. */
static int vhost_rmem_rdma_install(struct vhost_rmem_rdma *r, struct vhost_rmem_conn *c)
{
	u32 fence = rmem_lease_fence_ms(c->desc.lease_timeout_ms, r->cfg.timeout_ms);
	int ret;

	if (!fence) {
		dev_err_ratelimited(&r->d->vdpa.dev,
				    "donor %s reaps leases after %u ms, too soon for operations bounded by rdma_timeout_ms=%u: a write in flight could land after its chunk is reused; lower rdma_timeout_ms below %u or raise the donor's lease timeout\n",
				    c->name, c->desc.lease_timeout_ms, r->cfg.timeout_ms,
				    c->desc.lease_timeout_ms / 5);
		return -EINVAL;
	}
	if (c->desc.chunk_shift != r->chunk_shift) {
		dev_err_ratelimited(&r->d->vdpa.dev,
				    "donor %s serves %u-byte chunks, the device uses %u (chunk_shift)\n",
				    c->name, 1u << c->desc.chunk_shift, 1u << r->chunk_shift);
		return -EINVAL;
	}
	if (r->epoch && c->desc.epoch != r->epoch) {
		atomic64_inc(&r->st->epoch_changes);
		dev_warn(&r->d->vdpa.dev, "donor %s restarted (epoch %016llx -> %016llx)\n",
			 c->name, r->epoch, c->desc.epoch);
		vhost_rmem_rdma_lose_all(r, "donor restarted");
	} else if (r->lease.held) {
		ret = vhost_rmem_alloc_renew(c, &r->lease);
		if (ret == -EKEYEXPIRED) {
			atomic64_inc(&r->st->leases_lost);
			vhost_rmem_rdma_lose_all(r, "lease reclaimed while disconnected");
		} else if (ret) {
			return ret;
		}
	}
	/* Lanes read it without r->lock to pick their data connection (zmap rechecks). */
	WRITE_ONCE(r->epoch, c->desc.epoch);
	r->lease_ms = c->desc.lease_timeout_ms;
	r->fence_ms = fence;
	r->conn = c;
	vhost_rmem_conn_arm(c);
	atomic64_set(&r->st->epoch, c->desc.epoch);
	atomic64_inc(&r->st->connects);
	atomic_set(&r->st->state, VHOST_RMEM_RDMA_CONNECTED);
	if (r->lease.held)
		vhost_rmem_rdma_lease_held(r);
	return 0;
}

static void vhost_rmem_rdma_reconnect(struct vhost_rmem_rdma *r)
{
	struct vhost_rmem_conn *c;
	int ret;

	mutex_lock(&r->lock);
	if (r->stopping || vhost_rmem_conn_ok(r->conn)) {
		mutex_unlock(&r->lock);
		return;
	}
	if (r->conn) {
		/* Nothing is in flight: every op runs under r->lock. */
		vhost_rmem_conn_destroy(r->conn);
		r->conn = NULL;
		atomic64_inc(&r->st->disconnects);
	}
	atomic_set(&r->st->state, VHOST_RMEM_RDMA_DOWN);
	mutex_unlock(&r->lock);

	/* Without the lock: I/O meanwhile fails fast instead of waiting on us. */
	c = vhost_rmem_conn_create(&r->cfg);

	mutex_lock(&r->lock);
	ret = IS_ERR(c) ? PTR_ERR(c) : 0;
	if (!ret && r->stopping)
		ret = -ESHUTDOWN;
	if (!ret)
		ret = vhost_rmem_rdma_install(r, c);
	if (ret) {
		if (!IS_ERR(c))
			vhost_rmem_conn_destroy(c);
		if (!r->stopping) {
			r->backoff_ms = clamp(r->backoff_ms * 2, VHOST_RMEM_RECONNECT_MIN_MS,
					      max(vhost_rmem_reconnect_max_ms, 100u));
			queue_delayed_work(vhost_rmem_rdma_wq, &r->reconnect,
					   msecs_to_jiffies(r->backoff_ms));
		}
	} else {
		r->backoff_ms = 0;
		dev_info(&r->d->vdpa.dev, "connected to donor %s (epoch %016llx)\n", c->name,
			 c->desc.epoch);
	}
	mutex_unlock(&r->lock);
}

/*
 * The reconnect and the renewal run while the host may be swapping onto
 * this device: their allocations (the connection, its buffers, rdma_cm's
 * own) must not wait for I/O to it.
 */
static void vhost_rmem_rdma_noio(void (*fn)(struct vhost_rmem_rdma *r),
				 struct vhost_rmem_rdma *r)
{
	unsigned int noio = memalloc_noio_save();

	fn(r);
	memalloc_noio_restore(noio);
}

static void vhost_rmem_rdma_reconnect_work(struct work_struct *work)
{
	struct delayed_work *dw = to_delayed_work(work);

	vhost_rmem_rdma_noio(vhost_rmem_rdma_reconnect,
			     container_of(dw, struct vhost_rmem_rdma, reconnect));
}

/* One renewal, if the connection is up.  Caller holds r->lock and the lease. */
static void vhost_rmem_rdma_renew_locked(struct vhost_rmem_rdma *r)
{
	int ret;

	if (!vhost_rmem_conn_ok(r->conn) || vhost_rmem_fault_renew_stalled(r->d->device_id))
		return;
	ret = vhost_rmem_alloc_renew(r->conn, &r->lease);
	if (!ret) {
		r->renewed = jiffies;
		atomic64_inc(&r->st->renewals);
	} else if (ret == -EKEYEXPIRED) {
		atomic64_inc(&r->st->leases_lost);
		vhost_rmem_rdma_lose_all(r, "lease reclaimed by the donor");
	}
}

/*
 * Long work under r->lock (a discard freeing many chunks, each cleared on
 * the donor) keeps the renewal work waiting: renew from inside it when due.
 */
static void vhost_rmem_rdma_renew_if_due(struct vhost_rmem_rdma *r)
{
	if (r->lease.held &&
	    time_after(jiffies, r->renewed + msecs_to_jiffies(rmem_lease_renew_ms(r->lease_ms))))
		vhost_rmem_rdma_renew_locked(r);
}

static void vhost_rmem_rdma_renew(struct vhost_rmem_rdma *r)
{
	mutex_lock(&r->lock);
	if (r->stopping || !r->lease.held) {
		mutex_unlock(&r->lock);
		return;
	}
	vhost_rmem_rdma_renew_locked(r);
	/* Down: the reconnect re-checks the lease; keep ticking meanwhile. */
	if (r->lease.held)
		queue_delayed_work(vhost_rmem_rdma_wq, &r->renew,
				   msecs_to_jiffies(rmem_lease_renew_ms(r->lease_ms)));
	mutex_unlock(&r->lock);
}

static void vhost_rmem_rdma_renew_work(struct work_struct *work)
{
	struct delayed_work *dw = to_delayed_work(work);

	vhost_rmem_rdma_noio(vhost_rmem_rdma_renew,
			     container_of(dw, struct vhost_rmem_rdma, renew));
}

/* ------------------------------------------------------------ map upkeep */

struct vhost_rmem_rebuild_ctx {
	struct vhost_rmem_rdma *r;
	u64 found;
	int err;
};

static int vhost_rmem_rebuild_one(void *arg, u64 chunk, u64 word)
{
	struct vhost_rmem_rebuild_ctx *x = arg;
	struct vhost_rmem_rdma *r = x->r;
	struct vhost_rmem_map_chunk *e;
	u64 v = word & RMEM_VCHUNK_MAX;

	if (!rmem_owner_is(word, r->lease.slot, (u32)r->lease.generation))
		return 0;
	if (v == RMEM_VCHUNK_CLEARING) {
		/* A free cut short (a failure or crash mid-clear): finish it. */
		dev_info_ratelimited(&r->d->vdpa.dev, "rebuild: finishing the free of donor chunk %llu\n",
				     chunk);
		return vhost_rmem_alloc_free(r->conn, &r->lease, chunk, word);
	}
	if (v >= r->nr_vchunks || vhost_rmem_map_get(&r->map, v)) {
		/* Beyond a shrunk capacity, or a duplicate: nobody can read it. */
		dev_warn_ratelimited(&r->d->vdpa.dev,
				     "rebuild: donor chunk %llu (vchunk %llu) %s; freeing it\n",
				     chunk, v, v >= r->nr_vchunks ? "beyond the capacity" :
				     "duplicates another");
		return vhost_rmem_alloc_free(r->conn, &r->lease, chunk, word);
	}
	e = vhost_rmem_map_add(&r->map, v, chunk, word, true);
	if (IS_ERR(e))
		return PTR_ERR(e);
	x->found++;
	return 0;
}

/*
 * The map is a cache of the owner table: adopt the slot naming our device
 * id and take every owner word of (slot, generation).  Which blocks of a
 * chunk were written is not on the donor, so all count as live; free chunks
 * are zeros, so the never-written ones still read zeros.
 */
static int vhost_rmem_map_rebuild(struct vhost_rmem_rdma *r, u32 slot)
{
	struct vhost_rmem_rebuild_ctx x = { .r = r };
	int ret;

	ret = vhost_rmem_alloc_adopt(r->conn, &r->lease, slot);
	if (ret)
		return ret;
	vhost_rmem_rdma_lease_held(r);
	vhost_rmem_map_empty(&r->map);
	ret = vhost_rmem_alloc_walk(r->conn, vhost_rmem_rebuild_one, &x);
	atomic64_add(x.found, &r->st->rebuilt);
	vhost_rmem_rdma_sync_stats(r);
	if (ret) {
		vhost_rmem_map_empty(&r->map);
		vhost_rmem_rdma_sync_stats(r);
		return ret;
	}
	dev_info(&r->d->vdpa.dev, "map rebuilt from donor %s: slot %u, %llu chunks\n",
		 r->conn->name, slot, x.found);
	return 0;
}

/* Brings the map in line with the donor before the first I/O after create/reset. */
static int vhost_rmem_rdma_ready(struct vhost_rmem_rdma *r)
{
	u64 freed;
	u32 slot;
	int ret;

	if (r->map_valid)
		return 0;
	if (!vhost_rmem_conn_ok(r->conn))
		return -ENOTCONN;
	ret = vhost_rmem_alloc_find_slot(r->conn, &r->lease, &slot);
	if (ret == -ENOENT) {
		r->map_valid = true;
		return 0;
	}
	if (ret)
		return ret;
	if (r->adopt) {
		ret = vhost_rmem_map_rebuild(r, slot);
	} else {
		/* Left over by a reset whose detach failed: free it now. */
		ret = vhost_rmem_alloc_detach(r->conn, &r->lease, slot, &freed);
		if (!ret)
			dev_info(&r->d->vdpa.dev, "released stale slot %u (%llu chunks)\n", slot,
				 freed);
	}
	if (!ret)
		r->map_valid = true;
	return ret;
}

/* Everything the device holds goes back to the donor (or is kept for adoption). */
static void vhost_rmem_rdma_clear_locked(struct vhost_rmem_rdma *r)
{
	u64 freed = 0, had = r->map.held;
	int ret;

	if (READ_ONCE(r->rd->keep_chunks)) {
		if (had)
			dev_info(&r->d->vdpa.dev,
				 "keep_chunks: leaving %llu chunks in slot %u on the donor\n", had,
				 r->lease.slot);
		r->adopt = true;
	} else {
		if (r->lease.held && vhost_rmem_conn_ok(r->conn)) {
			ret = vhost_rmem_alloc_detach(r->conn, &r->lease, r->lease.slot, &freed);
			if (ret)
				dev_warn(&r->d->vdpa.dev,
					 "freeing %llu chunks on the donor failed (%d): the next use or the donor's reaper frees them\n",
					 had, ret);
		} else if (had) {
			dev_warn(&r->d->vdpa.dev,
				 "donor unreachable: %llu chunks left to the next use or the donor's reaper\n",
				 had);
		}
		r->adopt = false;
	}
	vhost_rmem_map_empty(&r->map);
	r->lease.held = false;
	r->lease.scan_started = false;
	r->map_valid = false;
	vhost_rmem_rdma_sync_stats(r);
}

/* ------------------------------------------------------------ I/O */

struct vhost_rmem_rdma_pos {
	u64 vchunk;
	u32 block;		/* in the chunk */
	u64 coff;		/* byte offset in the chunk */
};

static void vhost_rmem_rdma_pos(struct vhost_rmem_rdma *r, u64 off, struct vhost_rmem_rdma_pos *p)
{
	p->vchunk = off >> r->chunk_shift;
	p->coff = off & ((1ull << r->chunk_shift) - 1);
	p->block = (u32)(p->coff >> RMEM_BLOCK_SHIFT);
}

static u64 vhost_rmem_rdma_raddr(struct vhost_rmem_rdma *r, const struct vhost_rmem_map_chunk *e,
				 u64 coff)
{
	return r->conn->desc.data_addr + (e->chunk << r->chunk_shift) + coff;
}

static int vhost_rmem_rdma_lost(struct vhost_rmem_rdma *r, u64 vchunk)
{
	dev_err_ratelimited(&r->d->vdpa.dev,
			    "vchunk %llu: data lost with the donor's chunk; answering IOERR\n",
			    vchunk);
	return -EIO;
}

static int vhost_rmem_rdma_done(struct vhost_rmem_rdma *r, int ret)
{
	mutex_unlock(&r->lock);
	if (ret && ret != -EFAULT)
		atomic64_inc(&r->st->errors);
	/* -EFAULT means the guest's buffer: the request layer counts it as access. */
	return ret == -EFAULT ? ret : ret ? -EIO : 0;
}

/*
 * A request's piece staged in the connection's buffer for one round trip.
 * The request layer hands over pieces inside one VHOST_RMEM_CONN_BUF-aligned
 * window (io_shift), so the blocks they touch fit the buffer, c->buf[0]
 * being the start of the first block.  Pieces that are consecutive in both
 * the buffer and donor memory merge: a run of blocks in a chunk is one WR.
 */
struct vhost_rmem_rdma_batch {
	u64 base;		/* device offset of c->buf[0] */
	unsigned int n;
	struct vhost_rmem_conn_seg seg[VHOST_RMEM_CONN_BUF / RMEM_BLOCK_SIZE];
};

static void vhost_rmem_rdma_io_add(struct vhost_rmem_rdma_batch *io, u64 off, u32 len, u64 raddr)
{
	struct vhost_rmem_conn_seg *s = io->n ? &io->seg[io->n - 1] : NULL;
	u32 boff = (u32)(off - io->base);

	if (s && s->boff + s->len == boff && s->raddr + s->len == raddr) {
		s->len += len;
		return;
	}
	s = &io->seg[io->n++];
	s->boff = boff;
	s->len = len;
	s->raddr = raddr;
}

/* The request layer keeps pieces in one window; anything else is a bug here. */
static bool vhost_rmem_rdma_io_fits(const struct vhost_rmem_rdma_batch *io, u64 end)
{
	return round_up(end, RMEM_BLOCK_SIZE) - io->base <= VHOST_RMEM_CONN_BUF;
}

static int vhost_rmem_rdma_io_post(struct vhost_rmem_rdma *r, struct vhost_rmem_rdma_batch *io,
				   bool write)
{
	int ret;

	BUILD_BUG_ON(ARRAY_SIZE(io->seg) > VHOST_RMEM_CONN_MAX_WR);
	ret = vhost_rmem_conn_rwv(r->conn, write, io->seg, io->n, r->conn->desc.data_rkey);
	if (!ret) {
		atomic64_inc(&r->st->data_posts);
		atomic64_add(io->n, &r->st->data_wrs);
	}
	return ret;
}

/* Takes r->lock with the map in line with the donor; released again on failure. */
static int vhost_rmem_rdma_lock_ready(struct vhost_rmem_rdma *r)
{
	int ret;

	mutex_lock(&r->lock);
	ret = vhost_rmem_rdma_ready(r);
	return ret ? vhost_rmem_rdma_done(r, ret) : 0;
}

/* A data move up to @end: it must fit the buffer; then as vhost_rmem_rdma_lock_ready(). */
static int vhost_rmem_rdma_begin_move(struct vhost_rmem_rdma *r,
				      const struct vhost_rmem_rdma_batch *io, u64 end)
{
	if (!vhost_rmem_rdma_io_fits(io, end))
		return -EINVAL;
	return vhost_rmem_rdma_lock_ready(r);
}

/* The block at @pos of a piece ending at @end: its bytes (@n), place, map entry. */
static struct vhost_rmem_map_chunk *vhost_rmem_rdma_block(struct vhost_rmem_rdma *r, u64 pos,
							  u64 end, u32 *n,
							  struct vhost_rmem_rdma_pos *p)
{
	*n = vhost_rmem_block_piece(pos, end - pos);
	vhost_rmem_rdma_pos(r, pos, p);
	return vhost_rmem_map_get(&r->map, p->vchunk);
}

/* Blocks without data read as zeros; the others come in one round trip. */
static int vhost_rmem_rdma_read(void *be, u64 off, u32 len, struct vhost_rmem_req_iter *to)
{
	struct vhost_rmem_rdma *r = be;
	struct vhost_rmem_rdma_batch io = { .base = round_down(off, RMEM_BLOCK_SIZE) };
	struct vhost_rmem_map_chunk *e;
	struct vhost_rmem_rdma_pos p;
	u64 pos, end = off + len;
	u32 n;
	int ret;

	ret = vhost_rmem_rdma_begin_move(r, &io, end);
	if (ret)
		return ret;
	for (pos = off; pos < end; pos += n) {
		e = vhost_rmem_rdma_block(r, pos, end, &n, &p);
		if (!e || !test_bit(p.block, e->live_map))
			continue;
		if (e->lost)
			return vhost_rmem_rdma_done(r, vhost_rmem_rdma_lost(r, p.vchunk));
		/* The first block on the donor needs the connection (and its address). */
		if (!io.n) {
			ret = vhost_rmem_rdma_usable(r);
			if (ret)
				return vhost_rmem_rdma_done(r, ret);
		}
		vhost_rmem_rdma_io_add(&io, pos, n, vhost_rmem_rdma_raddr(r, e, p.coff));
	}
	if (!io.n) {
		/* Nothing on the donor: no connection needed. */
		for (pos = off; pos < end && !ret; pos += n) {
			n = vhost_rmem_block_piece(pos, end - pos);
			ret = vhost_rmem_req_iter_write(to, vhost_rmem_rdma_zeros, n);
		}
		return vhost_rmem_rdma_done(r, ret);
	}
	memset(r->conn->buf + (off - io.base), 0, len);
	ret = vhost_rmem_rdma_io_post(r, &io, false);
	if (!ret)
		ret = vhost_rmem_req_iter_write(to, r->conn->buf + (off - io.base), len);
	return vhost_rmem_rdma_done(r, ret);
}

/* A fresh donor chunk for @vchunk, cleared, in the map. */
static int vhost_rmem_rdma_alloc(struct vhost_rmem_rdma *r, u64 vchunk,
				 struct vhost_rmem_map_chunk **out)
{
	struct vhost_rmem_map_chunk *e;
	u64 chunk, owner;
	int ret;

	if (!r->lease.held) {
		ret = vhost_rmem_alloc_claim(r->conn, &r->lease);
		if (ret) {
			dev_err_ratelimited(&r->d->vdpa.dev, "no lease slot on donor %s (%d)\n",
					    r->conn->name, ret);
			return ret;
		}
		vhost_rmem_rdma_lease_held(r);
	}
	ret = vhost_rmem_fault(fail_alloc) ? -ENOSPC :
	      vhost_rmem_alloc_chunk(r->conn, &r->lease, vchunk, &chunk, &owner);
	if (ret) {
		dev_err_ratelimited(&r->d->vdpa.dev, "allocating vchunk %llu on donor %s: %d%s\n",
				    vchunk, r->conn->name, ret,
				    ret == -ENOSPC ? " (donor full)" : "");
		return ret;
	}
	atomic64_inc(&r->st->allocs);
	/*
	 * No clearing here: a free chunk is all zeros (rmem_alloc_ops
	 * .chunk_clear), so no previous tenant's byte is readable, even
	 * through a rebuilt map.
	 */
	e = vhost_rmem_map_add(&r->map, vchunk, chunk, owner, false);
	ret = IS_ERR(e) ? PTR_ERR(e) : 0;
	if (ret) {
		/* Best effort; a chunk we cannot free is the detach's or reaper's. */
		if (vhost_rmem_conn_ok(r->conn))
			vhost_rmem_alloc_free(r->conn, &r->lease, chunk, owner);
		return ret;
	}
	vhost_rmem_rdma_sync_stats(r);
	*out = e;
	return 0;
}

/*
 * Lost chunks refuse first, then chunks are allocated (allocation uses the
 * connection's buffer), then the data is staged and goes in one round trip.
 * A partly written block without data goes out whole, zero-filled: it may
 * hold stale bytes (this device's own, discarded).
 */
static int vhost_rmem_rdma_write(void *be, u64 off, u32 len, struct vhost_rmem_req_iter *from)
{
	struct vhost_rmem_rdma *r = be;
	struct vhost_rmem_rdma_batch io = { .base = round_down(off, RMEM_BLOCK_SIZE) };
	struct vhost_rmem_map_chunk *e;
	struct vhost_rmem_rdma_pos p;
	u64 pos, end = off + len;
	u32 n, boff;
	int ret;

	ret = vhost_rmem_rdma_begin_move(r, &io, end);
	if (ret)
		return ret;
	for (pos = off; pos < end; pos += n) {
		e = vhost_rmem_rdma_block(r, pos, end, &n, &p);
		if (e && e->lost)
			return vhost_rmem_rdma_done(r, vhost_rmem_rdma_lost(r, p.vchunk));
	}
	ret = vhost_rmem_rdma_usable(r);
	if (ret)
		return vhost_rmem_rdma_done(r, ret);
	for (pos = off; pos < end; pos += n) {
		e = vhost_rmem_rdma_block(r, pos, end, &n, &p);
		if (!e) {
			ret = vhost_rmem_rdma_alloc(r, p.vchunk, &e);
			if (ret)
				return vhost_rmem_rdma_done(r, ret);
		}
	}
	for (pos = off; pos < end; pos += n) {
		e = vhost_rmem_rdma_block(r, pos, end, &n, &p);
		if (n < RMEM_BLOCK_SIZE && !test_bit(p.block, e->live_map)) {
			boff = pos & (RMEM_BLOCK_SIZE - 1);
			memset(r->conn->buf + (pos - boff - io.base), 0, RMEM_BLOCK_SIZE);
			vhost_rmem_rdma_io_add(&io, pos - boff, RMEM_BLOCK_SIZE,
					       vhost_rmem_rdma_raddr(r, e, p.coff - boff));
		} else {
			vhost_rmem_rdma_io_add(&io, pos, n, vhost_rmem_rdma_raddr(r, e, p.coff));
		}
	}
	ret = vhost_rmem_req_iter_read(from, r->conn->buf + (off - io.base), len);
	/* Allocations took round trips: the lease may have gone stale. */
	if (!ret)
		ret = vhost_rmem_rdma_usable(r);
	if (!ret)
		ret = vhost_rmem_rdma_io_post(r, &io, true);
	if (ret)
		return vhost_rmem_rdma_done(r, ret);
	for (pos = off; pos < end; pos += n) {
		e = vhost_rmem_rdma_block(r, pos, end, &n, &p);
		vhost_rmem_map_set_live(&r->map, e, p.block);
	}
	return vhost_rmem_rdma_done(r, 0);
}

/*
 * A chunk without live blocks or requests on it goes back to the donor and
 * leaves the map (@e is gone then).  A failure that leaves it ours keeps
 * it, empty: a later discard or the reset retries.
 */
static int vhost_rmem_rdma_put_empty(struct vhost_rmem_rdma *r, u64 v,
				     struct vhost_rmem_map_chunk *e)
{
	int err = 0;

	if (!e->lost) {
		err = vhost_rmem_rdma_usable(r);
		if (err)
			return err;	/* untouched: a later discard or the reset retries */
		err = vhost_rmem_alloc_free(r->conn, &r->lease, e->chunk, e->owner);
		if (!err)
			atomic64_inc(&r->st->frees);
		else
			dev_warn_ratelimited(&r->d->vdpa.dev,
					     "freeing donor chunk %llu failed (%d): left to the device's detach\n",
					     e->chunk, err);
	}
	/*
	 * Forgotten whatever happened: a free that failed may have left the
	 * word CLEARING, and no write may go into that chunk again; the
	 * slot's detach (or the reaper) finishes what is left.  Refused
	 * means not ours any more, which is no error of the request.
	 */
	vhost_rmem_map_del(&r->map, v);
	if (err == -EPERM || err == -EKEYEXPIRED || err == -EINVAL || err == -EPROTO)
		return 0;
	return err;
}

/* Whole blocks [first, end) lose their data; emptied chunks go back to the donor. */
static int vhost_rmem_rdma_drop_blocks(struct vhost_rmem_rdma *r, u64 first, u64 end)
{
	unsigned int bshift = r->chunk_shift - RMEM_BLOCK_SHIFT;
	int ret = 0, err;
	u64 b = first;

	while (b < end) {
		u64 v = b >> bshift;
		u64 stop = min(end, (v + 1) << bshift);
		struct vhost_rmem_map_chunk *e = vhost_rmem_map_get(&r->map, v);

		if (e) {
			for (; b < stop; b++)
				vhost_rmem_map_clear_live(&r->map, e,
							  (u32)(b & ((1ull << bshift) - 1)));
			/* Zero-copy data still moving to or from it: its end frees it. */
			if (!e->live && !e->busy) {
				err = vhost_rmem_rdma_put_empty(r, v, e);
				if (err)
					ret = err;
				vhost_rmem_rdma_renew_if_due(r);
			}
		}
		b = stop;
		cond_resched();
	}
	vhost_rmem_rdma_sync_stats(r);
	return ret;
}

static int vhost_rmem_rdma_discard(void *be, u64 off, u64 len)
{
	struct vhost_rmem_rdma *r = be;
	u64 first, end;
	int ret;

	vhost_rmem_whole_blocks(off, len, &first, &end);
	ret = vhost_rmem_rdma_lock_ready(r);
	if (ret)
		return ret;
	return vhost_rmem_rdma_done(r, vhost_rmem_rdma_drop_blocks(r, first, end));
}

/* Zeroes [off, off + len) inside one block, if it has data. */
static int vhost_rmem_rdma_zero_part(struct vhost_rmem_rdma *r, u64 off, u32 len)
{
	struct vhost_rmem_map_chunk *e;
	struct vhost_rmem_rdma_pos p;
	int ret;

	vhost_rmem_rdma_pos(r, off, &p);
	e = vhost_rmem_map_get(&r->map, p.vchunk);
	if (!e || !test_bit(p.block, e->live_map))
		return 0;
	if (e->lost)
		return vhost_rmem_rdma_lost(r, p.vchunk);
	ret = vhost_rmem_rdma_usable(r);
	if (ret)
		return ret;
	memset(r->conn->buf, 0, len);
	return vhost_rmem_conn_write(r->conn, vhost_rmem_rdma_raddr(r, e, p.coff),
				     r->conn->desc.data_rkey, len);
}

/*
 * Whole blocks [first, end) about to lose their live bits by WRITE_ZEROES:
 * on the donor too, they must read zeros, for a rebuilt map counts every
 * block of a chunk as written.  A chunk that keeps no other data is
 * cleared when it is freed; one that does gets zeros over the blocks that
 * had data.
 */
static int vhost_rmem_rdma_zero_live(struct vhost_rmem_rdma *r, u64 first, u64 end)
{
	unsigned int bshift = r->chunk_shift - RMEM_BLOCK_SHIFT;
	u32 mask = (1u << bshift) - 1, in, x, s, stop;
	struct vhost_rmem_map_chunk *e;
	u64 v, raddr;
	int ret;

	for (v = first >> bshift; v << bshift < end; v++) {
		u32 lo = v == first >> bshift ? (u32)(first & mask) : 0;

		stop = (v + 1) << bshift <= end ? mask + 1 : (u32)(end & mask);
		e = vhost_rmem_map_get(&r->map, v);
		if (!e || e->lost)
			continue;
		for (in = 0, x = lo; x < stop; x++)
			in += test_bit(x, e->live_map);
		if (!in || (in == e->live && !e->busy))
			continue;
		ret = vhost_rmem_rdma_usable(r);
		if (ret)
			return ret;
		for (x = lo; x < stop; x = s) {
			for (; x < stop && !test_bit(x, e->live_map); x++)
				;
			for (s = x; s < stop && test_bit(s, e->live_map); s++)
				;
			if (s == x)
				continue;
			raddr = vhost_rmem_rdma_raddr(r, e, (u64)x << RMEM_BLOCK_SHIFT);
			ret = vhost_rmem_conn_zero(r->conn, raddr, r->conn->desc.data_rkey,
						   (u64)(s - x) << RMEM_BLOCK_SHIFT);
			if (ret)
				return ret;
		}
	}
	return 0;
}

static int vhost_rmem_rdma_write_zeroes(void *be, u64 off, u64 len)
{
	struct vhost_rmem_rdma *r = be;
	u64 first, end, o;
	int ret;
	u32 n;

	vhost_rmem_whole_blocks(off, len, &first, &end);
	ret = vhost_rmem_rdma_lock_ready(r);
	if (ret)
		return ret;
	if (first == end) {
		for (o = off; !ret && o < off + len; o += n) {
			n = vhost_rmem_block_piece(o, off + len - o);
			ret = vhost_rmem_rdma_zero_part(r, o, n);
		}
		return vhost_rmem_rdma_done(r, ret);
	}
	if (off < first << RMEM_BLOCK_SHIFT)
		ret = vhost_rmem_rdma_zero_part(r, off, (first << RMEM_BLOCK_SHIFT) - off);
	if (!ret && off + len > end << RMEM_BLOCK_SHIFT)
		ret = vhost_rmem_rdma_zero_part(r, end << RMEM_BLOCK_SHIFT,
						off + len - (end << RMEM_BLOCK_SHIFT));
	if (!ret)
		ret = vhost_rmem_rdma_zero_live(r, first, end);
	if (!ret)
		ret = vhost_rmem_rdma_drop_blocks(r, first, end);
	return vhost_rmem_rdma_done(r, ret);
}

/*
 * Every write completed (RDMA WRITE completion = placed in the donor's
 * memory by its RC responder) before its request was answered, so a flush
 * has nothing to wait for; it fails if data the device holds is unreachable.
 */
static int vhost_rmem_rdma_flush(void *be)
{
	struct vhost_rmem_rdma *r = be;
	int ret = 0;

	mutex_lock(&r->lock);
	if (r->map.lost)
		ret = -EIO;
	else if (r->map.held)
		ret = vhost_rmem_rdma_usable(r);
	return vhost_rmem_rdma_done(r, ret);
}

/* ------------------------------------------------------------ zero-copy lanes */

/*
 * A lane moves a block-aligned IN/OUT request straight between the guest's
 * pages and the donor: each page is DMA-mapped on the RDMA device, each run
 * of blocks consecutive on the donor is one RDMA READ or WRITE (more if it
 * has more pages than a WR takes SGEs) with those pages as its SGEs, and
 * only the request's last WR is signalled.  Up to VHOST_RMEM_LANE_DEPTH
 * requests are in flight per queue, on the data connection the queue
 * index shares with other devices' lanes, and end in whatever order the
 * donor answers, always in their own lane: the completion handler runs in
 * the lane that reaps the CQ and only hands the request over (lane->done).  The rest (pieces of
 * blocks, more pages, runs or chunks than a context holds, no data
 * connection) takes the synchronous bounce path and is counted
 * (rdma/bounced).
 *
 * A request pins what it moves: a reference on each guest page until its
 * DMA is unmapped, and a busy count on each chunk, which a discard on
 * another queue then leaves allocated (a late WRITE must not land in a
 * chunk someone else got).  A write's blocks count as live from submit
 * (see vhost_rmem_rdma_zmap()).
 */
#define VHOST_RMEM_ZC_PAGES 64		/* pages of guest memory per request */
#define VHOST_RMEM_ZC_WRS 16		/* WRs (and runs of blocks) per request */
#define VHOST_RMEM_ZC_CHUNKS 4		/* chunks one request touches */
/* A run boundary inside a page splits it: at most one more SGE per run. */
#define VHOST_RMEM_ZC_SGES (VHOST_RMEM_ZC_PAGES + VHOST_RMEM_ZC_WRS)

struct vhost_rmem_rdma_zpage {
	struct page *page;
	struct folio *folio;		/* holds our reference */
	u64 dma;
	u32 off;
	u32 len;
};

/* Blocks [so, so + len) of the request's stream: on the donor at raddr, or zeros. */
struct vhost_rmem_rdma_zrun {
	u32 so;
	u32 len;
	u64 raddr;
	bool zero;
};

struct vhost_rmem_rdma_zreq {
	struct ib_cqe cqe;		/* the last WR's: ends the request */
	struct ib_cqe cqe_err;		/* the others': they complete only on failure */
	struct list_head node;		/* in lane->inflight */
	struct llist_node done_node;	/* in lane->done */
	struct vhost_rmem_rdma *r;
	struct vhost_rmem_rdma_lane *lane;
	struct vhost_rmem_share *share;	/* posted on */
	struct vhost_rmem_req *req;
	struct ib_device *dev;
	bool write;
	/* 0, -EAGAIN (only flushed or never posted: redone), or -EIO. */
	int err;
	unsigned long posted;		/* jiffies */
	u64 first;			/* the request's first block */
	u32 nblocks;
	unsigned int npages, nruns, nwr, nchunks;
	struct vhost_rmem_map_chunk *chunks[VHOST_RMEM_ZC_CHUNKS];
	u64 vchunks[VHOST_RMEM_ZC_CHUNKS];
	struct vhost_rmem_rdma_zpage pages[VHOST_RMEM_ZC_PAGES];
	struct vhost_rmem_rdma_zrun runs[VHOST_RMEM_ZC_WRS];
	struct ib_sge sge[VHOST_RMEM_ZC_SGES];
	struct ib_rdma_wr wr[VHOST_RMEM_ZC_WRS];
};

static enum dma_data_direction vhost_rmem_rdma_zdir(const struct vhost_rmem_rdma_zreq *z)
{
	return z->write ? DMA_TO_DEVICE : DMA_FROM_DEVICE;
}

static void vhost_rmem_rdma_zunmap(struct vhost_rmem_rdma_zreq *z, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		ib_dma_unmap_page(z->dev, z->pages[i].dma, z->pages[i].len,
				  vhost_rmem_rdma_zdir(z));
}

static void vhost_rmem_rdma_zput_pages(struct vhost_rmem_rdma_zreq *z)
{
	unsigned int i;

	for (i = 0; i < z->npages; i++)
		folio_put(z->pages[i].folio);
	z->npages = 0;
}

/* Keeps @page's reference in @z (one entry per run of bytes in a page). */
static int vhost_rmem_rdma_zpage_add(struct vhost_rmem_rdma_zreq *z, struct page *page,
				     struct folio *folio, u32 off, u32 n)
{
	struct vhost_rmem_rdma_zpage *prev = z->npages ? &z->pages[z->npages - 1] : NULL;

	if (prev && prev->page == page && prev->off + prev->len == off) {
		folio_put(folio);
		prev->len += n;
		return 0;
	}
	if (z->npages == VHOST_RMEM_ZC_PAGES) {
		folio_put(folio);
		return -E2BIG;
	}
	z->pages[z->npages++] = (struct vhost_rmem_rdma_zpage){
		.page = page, .folio = folio, .off = off, .len = n };
	return 0;
}

/*
 * Takes a reference on each page of the request's data stream, in stream
 * order (pieces of one page that follow each other are one).  -E2BIG: more
 * pages than a context holds; -EFAULT: a page could not be had (the bounce
 * path then decides whether that is the guest's fault).
 */
static int vhost_rmem_rdma_zpages(struct vhost_rmem_rdma *r, struct vhost_rmem_rdma_zreq *z)
{
	const struct vhost_rmem_req *req = z->req;
	const struct vhost_rmem_vq_chain *ch = req->chain;
	u32 i = z->write ? 0 : ch->nr_out;
	u32 end = z->write ? ch->nr_out : ch->nr_out + ch->nr_in;
	u64 skip = z->write ? sizeof(struct rmem_virtio_blk_outhdr) : 0;
	u64 left = req->data_len;

	for (; i < end && left; i++) {
		u64 addr = ch->seg[i].addr;
		u64 slen = ch->seg[i].len;

		if (skip >= slen) {
			skip -= slen;
			continue;
		}
		addr += skip;
		slen -= skip;
		skip = 0;
		while (slen && left) {
			struct folio *folio;
			struct page *page;
			u32 off, plen, n;
			int ret;

			page = vhost_rmem_dev_get_page(r->d, addr, !z->write, &off, &plen, &folio);
			if (!page)
				return -EFAULT;
			n = min3((u64)plen, slen, left);
			ret = vhost_rmem_rdma_zpage_add(z, page, folio, off, n);
			if (ret)
				return ret;
			addr += n;
			slen -= n;
			left -= n;
		}
	}
	return left ? -EFAULT : 0;
}

/* Adds block @b's place (stream offset @so) to the runs; false: too many. */
static bool vhost_rmem_rdma_zrun_add(struct vhost_rmem_rdma_zreq *z, u32 so, u64 raddr, bool zero)
{
	struct vhost_rmem_rdma_zrun *run = z->nruns ? &z->runs[z->nruns - 1] : NULL;

	if (run && run->zero == zero && run->so + run->len == so &&
	    (zero || run->raddr + run->len == raddr)) {
		run->len += RMEM_BLOCK_SIZE;
		return true;
	}
	if (z->nruns == VHOST_RMEM_ZC_WRS)
		return false;
	z->runs[z->nruns++] = (struct vhost_rmem_rdma_zrun){
		.so = so, .len = RMEM_BLOCK_SIZE, .raddr = raddr, .zero = zero };
	return true;
}

static bool vhost_rmem_rdma_zchunk_add(struct vhost_rmem_rdma_zreq *z,
				       struct vhost_rmem_map_chunk *e, u64 vchunk)
{
	if (z->nchunks && z->chunks[z->nchunks - 1] == e)
		return true;
	if (z->nchunks == VHOST_RMEM_ZC_CHUNKS)
		return false;
	z->vchunks[z->nchunks] = vchunk;
	z->chunks[z->nchunks++] = e;
	return true;
}

/*
 * Walks @fn over the pieces of pages that make up stream bytes [so, so +
 * len), in order; returns how many there were.
 */
static unsigned int vhost_rmem_rdma_zpieces(struct vhost_rmem_rdma_zreq *z, u32 so, u32 len,
					    void (*fn)(struct vhost_rmem_rdma_zreq *z,
						       const struct vhost_rmem_rdma_zpage *p,
						       u32 poff, u32 n, void *arg),
					    void *arg)
{
	unsigned int i, n = 0;
	u32 pos = 0;

	for (i = 0; i < z->npages && len; i++) {
		const struct vhost_rmem_rdma_zpage *p = &z->pages[i];
		u32 a, b;

		if (pos + p->len <= so) {
			pos += p->len;
			continue;
		}
		a = so > pos ? so - pos : 0;
		b = min(p->len, so + len - pos);
		if (fn)
			fn(z, p, a, b - a, arg);
		n++;
		pos += p->len;
		if (pos >= so + len)
			break;
	}
	return n;
}

static void vhost_rmem_rdma_zzero_piece(struct vhost_rmem_rdma_zreq *z,
					const struct vhost_rmem_rdma_zpage *p, u32 poff, u32 n,
					void *arg)
{
	memzero_page(p->page, p->off + poff, n);
}

/* Blocks of a read without data on the donor read as zeros. */
static void vhost_rmem_rdma_zholes(struct vhost_rmem_rdma_zreq *z)
{
	unsigned int i;

	for (i = 0; i < z->nruns; i++)
		if (z->runs[i].zero)
			vhost_rmem_rdma_zpieces(z, z->runs[i].so, z->runs[i].len,
						vhost_rmem_rdma_zzero_piece, NULL);
}

struct vhost_rmem_rdma_zsgl {
	struct ib_sge *sge;
	unsigned int n;
	u32 lkey;
};

static void vhost_rmem_rdma_zsge_piece(struct vhost_rmem_rdma_zreq *z,
				       const struct vhost_rmem_rdma_zpage *p, u32 poff, u32 n,
				       void *arg)
{
	struct vhost_rmem_rdma_zsgl *l = arg;

	l->sge[l->n++] = (struct ib_sge){ .addr = p->dma + poff, .length = n, .lkey = l->lkey };
}

/* SGEs a WR of @z's direction takes on @c (RDMA READ has its own limit). */
static unsigned int vhost_rmem_rdma_zmax_sge(const struct vhost_rmem_rdma_zreq *z,
					     const struct vhost_rmem_conn *c)
{
	return z->write ? c->max_sge : c->max_sge_rd;
}

/* WRs the data runs need with @max_sge SGEs per WR. */
static unsigned int vhost_rmem_rdma_zcount(struct vhost_rmem_rdma_zreq *z, unsigned int max_sge,
					   unsigned int *nsge)
{
	unsigned int i, nwr = 0, k;

	*nsge = 0;
	for (i = 0; i < z->nruns; i++) {
		if (z->runs[i].zero)
			continue;
		k = vhost_rmem_rdma_zpieces(z, z->runs[i].so, z->runs[i].len, NULL, NULL);
		*nsge += k;
		nwr += DIV_ROUND_UP(k, max_sge);
	}
	return nwr;
}

/* The chain of WRs over the mapped pages; the last one signalled. */
static void vhost_rmem_rdma_zbuild(struct vhost_rmem_rdma_zreq *z, struct vhost_rmem_conn *c)
{
	struct vhost_rmem_rdma_zsgl l = { .sge = z->sge, .lkey = c->pd->local_dma_lkey };
	unsigned int max_sge = vhost_rmem_rdma_zmax_sge(z, c);
	unsigned int i, j, first, nwr = 0;

	memset(z->wr, 0, sizeof(z->wr));
	for (i = 0; i < z->nruns; i++) {
		const struct vhost_rmem_rdma_zrun *run = &z->runs[i];
		u64 raddr = run->raddr;

		if (run->zero)
			continue;
		first = l.n;
		vhost_rmem_rdma_zpieces(z, run->so, run->len, vhost_rmem_rdma_zsge_piece, &l);
		for (j = first; j < l.n; j += max_sge) {
			struct ib_rdma_wr *wr = &z->wr[nwr];
			unsigned int k, ns = min(max_sge, l.n - j);

			wr->wr.opcode = z->write ? IB_WR_RDMA_WRITE : IB_WR_RDMA_READ;
			wr->wr.sg_list = &z->sge[j];
			wr->wr.num_sge = ns;
			wr->wr.wr_cqe = &z->cqe_err;
			wr->remote_addr = raddr;
			wr->rkey = c->desc.data_rkey;
			for (k = 0; k < ns; k++)
				raddr += z->sge[j + k].length;
			if (nwr)
				z->wr[nwr - 1].wr.next = &wr->wr;
			nwr++;
		}
	}
	z->nwr = nwr;
	z->wr[nwr - 1].wr.wr_cqe = &z->cqe;
	z->wr[nwr - 1].wr.send_flags = IB_SEND_SIGNALED;
}

/*
 * Drops the busy counts; a chunk a discard emptied meanwhile (it had to
 * stay while we moved data to or from it) goes back to the donor now.
 */
static void vhost_rmem_rdma_zunpin(struct vhost_rmem_rdma_zreq *z)
{
	struct vhost_rmem_rdma *r = z->r;
	unsigned int i;

	if (!z->nchunks)
		return;
	mutex_lock(&r->lock);
	for (i = 0; i < z->nchunks; i++) {
		struct vhost_rmem_map_chunk *e = z->chunks[i];

		if (!--e->busy && !e->live)
			vhost_rmem_rdma_put_empty(r, z->vchunks[i], e);
	}
	z->nchunks = 0;
	vhost_rmem_rdma_sync_stats(r);
	mutex_unlock(&r->lock);
}

/* The request is over: give back what it held, answer it. */
static void vhost_rmem_rdma_zend(struct vhost_rmem_rdma_zreq *z)
{
	struct vhost_rmem_rdma_lane *l = z->lane;
	struct vhost_rmem_rdma *r = z->r;
	struct vhost_rmem_req *req = z->req;

	vhost_rmem_rdma_zunmap(z, z->npages);
	/* Holes of a read: zeros by the CPU, now that the device is done with the pages. */
	if (!z->write && !z->err)
		vhost_rmem_rdma_zholes(z);
	vhost_rmem_rdma_zput_pages(z);
	vhost_rmem_rdma_zunpin(z);
	if (z->err == -EAGAIN) {
		atomic64_inc(&r->st->retried);
	} else if (z->err) {
		atomic64_inc(&r->st->errors);
	} else {
		atomic64_inc(&r->st->zero_copy);
		atomic64_inc(&r->st->data_posts);
		atomic64_add(z->nwr, &r->st->data_wrs);
	}
	list_del(&z->node);
	l->nr_inflight--;
	vhost_rmem_share_release(z->share, z->nwr);
	l->ended++;
	req->retry = z->err == -EAGAIN;
	if (!req->retry)
		vhost_rmem_req_end(req, z->err);
	req->end_io(req);
}

/*
 * A flush is not this request's failure: the connection broke for any of
 * its users' sake, and the request is redone; so is a remote access error,
 * which on a shared connection is the donor revoking it for another
 * device's reaped lease: the redo goes through this device's own checks
 * (a reaped device's fails there).  Another WR failure fails the request.
 * Redoing a WRITE is safe: until it ends, its chunks are busy (ours) and
 * nothing else writes its blocks.
 */
static void vhost_rmem_rdma_zfail(struct vhost_rmem_rdma_zreq *z, const struct ib_wc *wc)
{
	if (wc->status == IB_WC_WR_FLUSH_ERR) {
		if (!z->err)
			z->err = -EAGAIN;
	} else if (wc->status == IB_WC_REM_ACCESS_ERR && z->err != -EIO) {
		dev_warn_ratelimited(&z->r->d->vdpa.dev,
				     "queue data %s refused by the donor (%s): redone on the device's own connection\n",
				     z->write ? "RDMA WRITE" : "RDMA READ",
				     ib_wc_status_msg(wc->status));
		z->err = -EAGAIN;
	} else {
		if (z->err != -EIO)
			dev_warn_ratelimited(&z->r->d->vdpa.dev, "queue data %s failed: %s\n",
					     z->write ? "RDMA WRITE" : "RDMA READ",
					     ib_wc_status_msg(wc->status));
		z->err = -EIO;
	}
	/* Flushed WRs follow the first failure: the QP is in the error state already. */
	if (vhost_rmem_conn_ok(z->share->conn))
		vhost_rmem_conn_abort(z->share->conn, ib_wc_status_msg(wc->status));
}

/* Runs in whichever lane reaps the CQ: @z is ended by its own. */
static void vhost_rmem_rdma_zdone(struct ib_cq *cq, struct ib_wc *wc)
{
	struct vhost_rmem_rdma_zreq *z = container_of(wc->wr_cqe, struct vhost_rmem_rdma_zreq, cqe);
	struct vhost_rmem_rdma_lane *l = z->lane;

	if (wc->status != IB_WC_SUCCESS)
		vhost_rmem_rdma_zfail(z, wc);
	/* From here on @z is its lane's: it may end and be reused at once. */
	llist_add(&z->done_node, &l->done);
}

/* Ends the requests other lanes (or this one) reaped for this lane. */
static void vhost_rmem_rdma_lane_reap(struct vhost_rmem_rdma_lane *l)
{
	struct llist_node *done = llist_del_all(&l->done);
	struct vhost_rmem_rdma_zreq *z, *tmp;

	llist_for_each_entry_safe(z, tmp, llist_reverse_order(done), done_node)
		vhost_rmem_rdma_zend(z);
}

static void vhost_rmem_rdma_zerr(struct ib_cq *cq, struct ib_wc *wc)
{
	vhost_rmem_rdma_zfail(container_of(wc->wr_cqe, struct vhost_rmem_rdma_zreq, cqe_err), wc);
}

/*
 * A data connection broke (the donor went, the device was removed): the
 * lane's next pass drains and leaves it, even if the queue stays idle, so
 * no cm_id outlives the RDMA device.
 */
static void vhost_rmem_rdma_lane_broken(struct vhost_rmem_share_user *u)
{
	struct vhost_rmem_rdma_lane *l = container_of(u, struct vhost_rmem_rdma_lane, user);

	vhost_rmem_dev_kick_lane(l->r->d, l->qi);
}

static void vhost_rmem_rdma_lane_leave(struct vhost_rmem_rdma_lane *l)
{
	vhost_rmem_share_put(l->share, &l->user);
	l->share = NULL;
}

/* Leaves the lane's connection if it broke and nothing is on it. */
static void vhost_rmem_rdma_lane_put_broken(struct vhost_rmem_rdma_lane *l)
{
	if (l->share && !vhost_rmem_conn_ok(l->share->conn) && !l->nr_inflight)
		vhost_rmem_rdma_lane_leave(l);
}

/*
 * The lane's data connection: the host's for this donor boot and queue
 * index, joined (or connected) now if the lane has none, or a broken or
 * stale one with nothing left on it.  NULL: none for now; the caller
 * bounces.  Without r->lock: connecting takes up to rdma_timeout_ms.
 */
static struct vhost_rmem_share *vhost_rmem_rdma_lane_share(struct vhost_rmem_rdma *r,
							   struct vhost_rmem_rdma_lane *l)
{
	struct vhost_rmem_share *s = l->share;
	u64 epoch = READ_ONCE(r->epoch);
	bool created;

	if (s && vhost_rmem_conn_ok(s->conn) && s->epoch == epoch)
		return s;
	if (l->nr_inflight)
		return NULL;		/* the old one ends its requests first */
	if (s)
		vhost_rmem_rdma_lane_leave(l);	/* broken or of an older donor boot */
	if (atomic_read(&r->st->state) != VHOST_RMEM_RDMA_CONNECTED ||
	    time_before(jiffies, l->retry))
		return NULL;
	s = vhost_rmem_share_get(&r->cfg, epoch, l->qi, &l->user, &created);
	if (IS_ERR(s)) {
		dev_warn_ratelimited(&r->d->vdpa.dev,
				     "no data connection to donor %pI4 (%ld): requests bounce\n",
				     &r->rd->donor.sin_addr, PTR_ERR(s));
		l->retry = jiffies + msecs_to_jiffies(VHOST_RMEM_RECONNECT_MIN_MS);
		return NULL;
	}
	if (created)
		atomic64_inc(&r->st->lane_connects);
	else
		atomic64_inc(&r->st->lane_joins);
	l->share = s;
	return s;
}

/*
 * Looks up (allocates, for a write) the blocks of @z under r->lock: runs,
 * chunks, busy counts.  A write's blocks count as live from here: a
 * partial write of one of them on another queue (the bounce path) must not
 * zero-fill what this one is writing; if this one fails, the block holds
 * what a failed write leaves, as on any disk.  1: it does not fit a
 * context (bounce); 0 or -errno.
 */
static int vhost_rmem_rdma_zmap(struct vhost_rmem_rdma *r, struct vhost_rmem_rdma_zreq *z,
				struct vhost_rmem_conn *c)
{
	struct vhost_rmem_map_chunk *e;
	struct vhost_rmem_rdma_pos p;
	unsigned int i, nsge;
	int ret;
	u32 b;

	mutex_lock(&r->lock);
	ret = vhost_rmem_rdma_ready(r);
	/* The donor rebooted since the lane chose its connection: its chunks are not there. */
	if (!ret && z->share->epoch != r->epoch)
		ret = 1;
	/* A write allocates: it needs the connection first; a read only for data. */
	if (!ret && z->write)
		ret = vhost_rmem_rdma_usable(r);
	for (b = 0; !ret && b < z->nblocks; b++) {
		vhost_rmem_rdma_pos(r, (z->first + b) << RMEM_BLOCK_SHIFT, &p);
		e = vhost_rmem_map_get(&r->map, p.vchunk);
		if (e && e->lost) {
			ret = vhost_rmem_rdma_lost(r, p.vchunk);
			break;
		}
		if (!e && z->write) {
			ret = vhost_rmem_rdma_alloc(r, p.vchunk, &e);
			if (ret)
				break;
		}
		if (!z->write && (!e || !test_bit(p.block, e->live_map))) {
			if (!vhost_rmem_rdma_zrun_add(z, b << RMEM_BLOCK_SHIFT, 0, true))
				ret = 1;
			continue;
		}
		if (!vhost_rmem_rdma_zchunk_add(z, e, p.vchunk) ||
		    !vhost_rmem_rdma_zrun_add(z, b << RMEM_BLOCK_SHIFT,
					      c->desc.data_addr + (e->chunk << r->chunk_shift) +
					      p.coff, false))
			ret = 1;
	}
	if (!ret && !z->write && z->nchunks)
		ret = vhost_rmem_rdma_usable(r);
	if (!ret && (vhost_rmem_rdma_zcount(z, vhost_rmem_rdma_zmax_sge(z, c), &nsge) >
		     VHOST_RMEM_ZC_WRS || nsge > VHOST_RMEM_ZC_SGES))
		ret = 1;
	if (!ret) {
		for (i = 0; i < z->nchunks; i++)
			z->chunks[i]->busy++;
		for (b = 0; z->write && b < z->nblocks; b++) {
			vhost_rmem_rdma_pos(r, (z->first + b) << RMEM_BLOCK_SHIFT, &p);
			vhost_rmem_map_set_live(&r->map, vhost_rmem_map_get(&r->map, p.vchunk),
						p.block);
		}
	} else {
		z->nchunks = 0;
	}
	mutex_unlock(&r->lock);
	return ret;
}

static int vhost_rmem_rdma_submit(void *be, unsigned int qi, struct vhost_rmem_req *req,
				  void *priv)
{
	struct vhost_rmem_rdma *r = be;
	struct vhost_rmem_rdma_lane *l = &r->lanes[qi];
	struct vhost_rmem_rdma_zreq *z = priv;
	u64 off = req->sector << RMEM_SECTOR_SHIFT;
	struct vhost_rmem_share *s;
	struct vhost_rmem_conn *c;
	unsigned int i;
	bool fault;
	int ret;

	if ((off | req->data_len) & (RMEM_BLOCK_SIZE - 1) || !req->data_len ||
	    req->data_len > (u64)VHOST_RMEM_ZC_PAGES * RMEM_BLOCK_SIZE)
		goto out_bounce;
	s = vhost_rmem_rdma_lane_share(r, l);
	/* The most this request can post; what it does not use goes back below. */
	if (!s || !vhost_rmem_share_reserve(s, VHOST_RMEM_ZC_WRS))
		goto out_bounce;
	c = s->conn;

	memset(z, 0, offsetof(struct vhost_rmem_rdma_zreq, pages));
	z->r = r;
	z->lane = l;
	z->share = s;
	z->req = req;
	z->dev = c->cm_id->device;
	z->write = req->type == RMEM_VIRTIO_BLK_T_OUT;
	z->first = off >> RMEM_BLOCK_SHIFT;
	z->nblocks = req->data_len >> RMEM_BLOCK_SHIFT;
	z->cqe.done = vhost_rmem_rdma_zdone;
	z->cqe_err.done = vhost_rmem_rdma_zerr;

	if (vhost_rmem_rdma_zpages(r, z))
		goto out_put_bounce;
	ret = vhost_rmem_rdma_zmap(r, z, c);
	if (ret == 1)
		goto out_put_bounce;
	if (ret || !z->nchunks) {
		/* Failed, or only holes: nothing for the donor to do. */
		if (!ret)
			vhost_rmem_rdma_zholes(z);
		goto out_end;
	}
	/* Holes are zeroed by the CPU once the pages are unmapped again (zend). */
	for (i = 0; i < z->npages; i++) {
		struct vhost_rmem_rdma_zpage *pg = &z->pages[i];

		pg->dma = ib_dma_map_page(z->dev, pg->page, pg->off, pg->len,
					  vhost_rmem_rdma_zdir(z));
		if (ib_dma_mapping_error(z->dev, pg->dma)) {
			vhost_rmem_rdma_zunmap(z, i);
			vhost_rmem_rdma_zunpin(z);
			goto out_put_bounce;
		}
	}
	vhost_rmem_rdma_zbuild(z, c);
	vhost_rmem_share_release(s, VHOST_RMEM_ZC_WRS - z->nwr);
	vhost_rmem_fault_delay();
	/* Decided before the post: its completion may be reaped at once elsewhere. */
	fault = vhost_rmem_fault(fail_ops);
	if (fault)
		z->err = -EIO;
	z->posted = jiffies;
	list_add_tail(&z->node, &l->inflight);
	l->nr_inflight++;
	/* A failed post broke the connection: the lane's poll drains and ends it. */
	if (!vhost_rmem_conn_post(c, &z->wr[0].wr) && fault)
		vhost_rmem_conn_abort(c, "fault injection: fail_ops");
	return 0;

out_end:
	vhost_rmem_share_release(s, VHOST_RMEM_ZC_WRS);
	vhost_rmem_rdma_zput_pages(z);
	vhost_rmem_rdma_zunpin(z);
	if (ret && ret != -EFAULT)
		atomic64_inc(&r->st->errors);
	vhost_rmem_req_end(req, ret == -EFAULT ? ret : ret ? -EIO : 0);
	return 1;
out_put_bounce:
	vhost_rmem_share_release(s, VHOST_RMEM_ZC_WRS);
	vhost_rmem_rdma_zput_pages(z);
out_bounce:
	atomic64_inc(&r->st->bounced);
	return -EOPNOTSUPP;
}

/*
 * The data connection broke: wait until every WR on it has come back
 * (flushed), then end whatever that did not end (a chain whose post
 * failed: redone, it never reached the donor).  0, or -ETIMEDOUT: not all
 * back, they may still complete into their contexts.
 */
static int vhost_rmem_rdma_lane_abort(struct vhost_rmem_rdma_lane *l)
{
	struct vhost_rmem_rdma_zreq *z, *tmp;
	int ret = vhost_rmem_share_drain(l->share);

	vhost_rmem_rdma_lane_reap(l);
	if (ret)
		return ret;
	list_for_each_entry_safe(z, tmp, &l->inflight, node) {
		if (!z->err)
			z->err = -EAGAIN;
		vhost_rmem_rdma_zend(z);
	}
	return 0;
}

static int vhost_rmem_rdma_poll(void *be, unsigned int qi, bool wait)
{
	struct vhost_rmem_rdma *r = be;
	struct vhost_rmem_rdma_lane *l = &r->lanes[qi];
	u64 spin_end = ktime_get_ns() + READ_ONCE(vhost_rmem_poll_spin_us) * NSEC_PER_USEC;
	struct vhost_rmem_rdma_zreq *oldest;

	l->ended = 0;
	vhost_rmem_rdma_lane_put_broken(l);
	while (l->nr_inflight) {
		/* Another lane may be reaping: then it hands over what is ours. */
		vhost_rmem_share_poll(l->share);
		vhost_rmem_rdma_lane_reap(l);
		if (!l->nr_inflight)
			break;
		if (!vhost_rmem_conn_ok(l->share->conn)) {
			/*
			 * Not drained within the timeout: the NIC still owns
			 * the pages.  Keep them, say so, wait on (or return,
			 * and the next pass waits): never end such a request.
			 */
			if (vhost_rmem_rdma_lane_abort(l) && wait)
				dev_warn_ratelimited(&r->d->vdpa.dev,
						     "queue %u: %u requests still held by the RDMA device\n",
						     qi, l->nr_inflight);
			if (!l->nr_inflight || !wait)
				break;
			usleep_range(1000, 2000);
			continue;
		}
		if (l->ended || !wait)
			break;
		/*
		 * Every operation ends within the timeout of its post, queued
		 * behind other devices' or not: the lease's fence point counts
		 * on it (rmem_lease_fence_ms()).
		 */
		oldest = list_first_entry(&l->inflight, struct vhost_rmem_rdma_zreq, node);
		if (time_after(jiffies, oldest->posted + msecs_to_jiffies(r->cfg.timeout_ms))) {
			dev_warn_ratelimited(&r->d->vdpa.dev,
					     "queue %u: a data request to donor %pI4 took over %u ms\n",
					     qi, &r->rd->donor.sin_addr, r->cfg.timeout_ms);
			vhost_rmem_conn_abort(l->share->conn, "operation timed out");
			continue;
		}
		/* Yield to what this CPU owes others (soft-RoCE's own work may be it). */
		cond_resched();
		if (ktime_get_ns() < spin_end)
			cpu_relax();
		else
			usleep_range(20, 50);
	}
	return l->ended;
}

/*
 * Lanes end their requests before their pass ends, so none is in flight
 * here.  If one were, leaving the connection would free what its
 * completion (reaped by any device's lane) touches: break the connection
 * and wait for the requests to come back first.
 */
static void vhost_rmem_rdma_lanes_destroy(struct vhost_rmem_rdma *r)
{
	struct vhost_rmem_rdma_lane *l;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(r->lanes); i++) {
		l = &r->lanes[i];
		if (WARN_ON(l->nr_inflight)) {
			vhost_rmem_conn_abort(l->share->conn, "requests in flight at teardown");
			while (l->nr_inflight)
				vhost_rmem_rdma_poll(r, i, true);
		}
		if (l->share)
			vhost_rmem_rdma_lane_leave(l);
	}
}

/* ------------------------------------------------------------ debugfs */

/* One line per mapped chunk: what tests compare with the donor's owner table. */
static int vhost_rmem_rdma_map_show(struct seq_file *s, void *unused)
{
	struct vhost_rmem_rdma *r = s->private;
	struct vhost_rmem_map_chunk *e;
	unsigned long idx;

	mutex_lock(&r->lock);
	seq_printf(s, "# slot %d generation %llu epoch %016llx\n",
		   r->lease.held ? (int)r->lease.slot : -1, r->lease.generation, r->epoch);
	xa_for_each(&r->map.xa, idx, e)
		seq_printf(s, "vchunk %lu chunk %llu live %u%s\n", idx, e->chunk, e->live,
			   e->lost ? " lost" : "");
	mutex_unlock(&r->lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vhost_rmem_rdma_map);

/* ------------------------------------------------------------ backend type */

static void *vhost_rmem_rdma_create(struct vhost_rmem_dev *d)
{
	struct vhost_rmem_rdma_dev *rd = vhost_rmem_dev_backend_priv(d, &vhost_rmem_rdma_backend);
	struct vhost_rmem_rdma *r;
	struct vhost_rmem_conn *c;
	unsigned int i;
	int ret;

	if (!rd->donor.sin_port) {
		dev_warn(&d->vdpa.dev, "backend rdma needs a donor (rmem/donor)\n");
		return ERR_PTR(-EDESTADDRREQ);
	}
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return ERR_PTR(-ENOMEM);
	r->d = d;
	r->rd = rd;
	r->st = &rd->st;
	mutex_init(&r->lock);
	ret = vhost_rmem_lease_init(&r->lease, d->device_id);
	if (ret)
		goto out_free;
	r->chunk_shift = d->chunk_shift;
	vhost_rmem_map_init(&r->map, d->chunk_shift);
	r->nr_vchunks = vhost_rmem_chunks_for(d->capacity >> RMEM_SECTOR_SHIFT, d->chunk_shift);
	memcpy(&r->cfg.addr, &rd->donor, sizeof(rd->donor));
	r->cfg.host_id = d->device_id;
	r->cfg.timeout_ms = max(vhost_rmem_rdma_timeout_ms, 100u);
	r->cfg.broken = vhost_rmem_rdma_broken;
	r->cfg.ctx = r;
	r->cfg.wq = vhost_rmem_rdma_wq;
	r->cfg.cleared = &rd->st.chunk_clears;
	INIT_DELAYED_WORK(&r->reconnect, vhost_rmem_rdma_reconnect_work);
	INIT_DELAYED_WORK(&r->renew, vhost_rmem_rdma_renew_work);
	for (i = 0; i < ARRAY_SIZE(r->lanes); i++) {
		r->lanes[i].r = r;
		r->lanes[i].qi = i;
		r->lanes[i].retry = jiffies;
		r->lanes[i].user.broken = vhost_rmem_rdma_lane_broken;
		init_llist_head(&r->lanes[i].done);
		INIT_LIST_HEAD(&r->lanes[i].inflight);
	}
	r->adopt = true;	/* a device id with a slot on the donor: rebuild */
	r->lease_ms = RMEM_LEASE_TIMEOUT_DEFAULT_MS;
	r->fence_ms = r->lease_ms / 2;
	atomic_set(&rd->st.state, VHOST_RMEM_RDMA_CONNECTING);
	atomic_set(&rd->st.slot, -1);

	c = vhost_rmem_conn_create(&r->cfg);
	if (IS_ERR(c)) {
		ret = PTR_ERR(c);
		dev_warn(&d->vdpa.dev, "cannot connect to donor %pI4:%u (%d)\n",
			 &rd->donor.sin_addr, ntohs(rd->donor.sin_port), ret);
		goto out_fini;
	}
	mutex_lock(&r->lock);
	ret = vhost_rmem_rdma_install(r, c);
	mutex_unlock(&r->lock);
	if (ret)
		goto out_destroy_conn;
	dev_info(&d->vdpa.dev, "connected to donor %s (epoch %016llx, %llu chunks of %u bytes)\n",
		 c->name, c->desc.epoch, c->desc.chunk_count, 1u << c->desc.chunk_shift);
	if (vhost_rmem_debugfs_root) {
		r->dbg = debugfs_create_dir(dev_name(&d->vdpa.dev), vhost_rmem_debugfs_root);
		debugfs_create_file("map", 0400, r->dbg, r, &vhost_rmem_rdma_map_fops);
	}
	return r;

out_destroy_conn:
	vhost_rmem_conn_destroy(c);
out_fini:
	/*
	 * A connection is armed (may queue our reconnect) only once installed,
	 * and ours never was, so nothing should be queued; but @r is about to
	 * go, so make sure, in destroy's order: stop, drop any connection,
	 * then wait for the works.
	 */
	mutex_lock(&r->lock);
	r->stopping = true;
	if (r->conn) {
		vhost_rmem_conn_destroy(r->conn);
		r->conn = NULL;
	}
	mutex_unlock(&r->lock);
	cancel_delayed_work_sync(&r->reconnect);
	cancel_delayed_work_sync(&r->renew);
	atomic_set(&rd->st.state, VHOST_RMEM_RDMA_NONE);
	vhost_rmem_lease_fini(&r->lease);
out_free:
	mutex_destroy(&r->lock);
	kfree(r);
	return ERR_PTR(ret);
}

static void vhost_rmem_rdma_clear(void *be)
{
	struct vhost_rmem_rdma *r = be;

	/* No lane serves (reset): their connections go until the next use. */
	vhost_rmem_rdma_lanes_destroy(r);
	mutex_lock(&r->lock);
	vhost_rmem_rdma_clear_locked(r);
	mutex_unlock(&r->lock);
}

static void vhost_rmem_rdma_destroy(void *be)
{
	struct vhost_rmem_rdma *r = be;

	mutex_lock(&r->lock);
	r->stopping = true;
	mutex_unlock(&r->lock);
	/* Waits for map readers; no new ones can open it. */
	debugfs_remove_recursive(r->dbg);
	cancel_delayed_work_sync(&r->renew);

	/* No lane serves: nothing is in flight on their connections. */
	vhost_rmem_rdma_lanes_destroy(r);
	mutex_lock(&r->lock);
	vhost_rmem_rdma_clear_locked(r);
	if (r->conn) {
		vhost_rmem_conn_destroy(r->conn);
		r->conn = NULL;
	}
	mutex_unlock(&r->lock);
	/* After the connection: its break work can no longer queue us. */
	cancel_delayed_work_sync(&r->reconnect);

	atomic_set(&r->st->state, VHOST_RMEM_RDMA_NONE);
	atomic_set(&r->st->slot, -1);
	xa_destroy(&r->map.xa);
	vhost_rmem_lease_fini(&r->lease);
	mutex_destroy(&r->lock);
	kfree(r);
}

static const struct vhost_rmem_backend_ops vhost_rmem_rdma_io = {
	.name = "rdma",
	/* One round trip per 64 KiB window of a request, not per 4 KiB block. */
	.io_shift = VHOST_RMEM_CONN_BUF_SHIFT,
	.read = vhost_rmem_rdma_read,
	.write = vhost_rmem_rdma_write,
	.discard = vhost_rmem_rdma_discard,
	.write_zeroes = vhost_rmem_rdma_write_zeroes,
	.flush = vhost_rmem_rdma_flush,
	.req_size = sizeof(struct vhost_rmem_rdma_zreq),
	.submit = vhost_rmem_rdma_submit,
	.poll = vhost_rmem_rdma_poll,
};

/* ------------------------------------------------------------ sysfs rdma/ */

static const char *const vhost_rmem_rdma_state_names[] = {
	[VHOST_RMEM_RDMA_NONE] = "none",
	[VHOST_RMEM_RDMA_CONNECTING] = "connecting",
	[VHOST_RMEM_RDMA_CONNECTED] = "connected",
	[VHOST_RMEM_RDMA_DOWN] = "down",
};

static struct vhost_rmem_rdma_stats *vhost_rmem_rdma_stats_of(struct device *dev)
{
	struct vhost_rmem_rdma_dev *rd = vhost_rmem_dev_backend_priv(vhost_rmem_dev_from_dev(dev),
							 &vhost_rmem_rdma_backend);

	return rd ? &rd->st : NULL;
}

static ssize_t state_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct vhost_rmem_rdma_stats *st = vhost_rmem_rdma_stats_of(dev);
	unsigned int s;

	if (!st)
		return -ENODEV;
	s = atomic_read(&st->state);
	return sysfs_emit(buf, "%s\n", s < ARRAY_SIZE(vhost_rmem_rdma_state_names) ?
			  vhost_rmem_rdma_state_names[s] : "?");
}
static DEVICE_ATTR_RO(state);

static ssize_t slot_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct vhost_rmem_rdma_stats *st = vhost_rmem_rdma_stats_of(dev);

	return st ? sysfs_emit(buf, "%d\n", atomic_read(&st->slot)) : -ENODEV;
}
static DEVICE_ATTR_RO(slot);

static ssize_t epoch_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct vhost_rmem_rdma_stats *st = vhost_rmem_rdma_stats_of(dev);

	return st ? sysfs_emit(buf, "%016llx\n", (u64)atomic64_read(&st->epoch)) : -ENODEV;
}
static DEVICE_ATTR_RO(epoch);

#define VHOST_RMEM_RDMA_COUNTER(_name)						\
	VHOST_RMEM_COUNTER_ATTR(_name, &vhost_rmem_rdma_backend,		\
				struct vhost_rmem_rdma_dev, st._name),

static struct vhost_rmem_counter_attr vhost_rmem_rdma_counter_attrs[] = {
	RMEM_SYSFS_RDMA_COUNTERS(VHOST_RMEM_RDMA_COUNTER)
};

/* state, slot, epoch, the counters; filled by vhost_rmem_rdma_init(). */
static struct attribute *vhost_rmem_rdma_attrs[3 + ARRAY_SIZE(vhost_rmem_rdma_counter_attrs) + 1];

static const struct attribute_group vhost_rmem_rdma_group = {
	.name = RMEM_SYSFS_RDMA_DIR,
	.attrs = vhost_rmem_rdma_attrs,
};

static const struct attribute_group *vhost_rmem_rdma_groups[] = {
	&vhost_rmem_rdma_group,
	NULL,
};

/* ------------------------------------------------------------ sysfs rmem/ */

/* IPV4[:PORT] (port RMEM_DEFAULT_PORT if left out); an empty write unsets it. */
static int vhost_rmem_rdma_parse_in4(const char *buf, void *v)
{
	struct sockaddr_in *sin = v;
	size_t len = strcspn(buf, "\n");
	unsigned int port = RMEM_DEFAULT_PORT;
	const char *end;
	char tail[8];
	int ret;

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	if (!len)
		return 0;
	if (!in4_pton(buf, len, (u8 *)&sin->sin_addr.s_addr, ':', &end))
		return -EINVAL;
	if (end < buf + len) {
		/* in4_pton stopped at ':' (anything else fails to parse) */
		if (*end != ':' || buf + len - end - 1 >= sizeof(tail) || end + 1 == buf + len)
			return -EINVAL;
		memcpy(tail, end + 1, buf + len - end - 1);
		tail[buf + len - end - 1] = 0;
		ret = kstrtouint(tail, 10, &port);
		if (ret || !port || port > 65535)
			return -EINVAL;
	}
	if (!sin->sin_addr.s_addr)
		return -EINVAL;
	sin->sin_port = htons(port);
	return 0;
}

static ssize_t vhost_rmem_rdma_emit_in4(char *buf, const void *v)
{
	const struct sockaddr_in *sin = v;

	if (!sin->sin_port)
		return sysfs_emit(buf, "\n");
	return sysfs_emit(buf, "%pI4:%u\n", &sin->sin_addr, ntohs(sin->sin_port));
}

static const struct vhost_rmem_cfg_format vhost_rmem_cfg_fmt_in4 = {
	.size = sizeof(struct sockaddr_in),
	.locked = true,
	.parse = vhost_rmem_rdma_parse_in4,
	.emit = vhost_rmem_rdma_emit_in4,
};

static_assert(sizeof(struct sockaddr_in) <= VHOST_RMEM_CFG_VALUE_MAX);

/* One donor per device for now; a store connected to another is dropped. */
static int vhost_rmem_rdma_donor_set(struct vhost_rmem_dev *d, void *field, const void *v)
{
	if (memcmp(field, v, sizeof(struct sockaddr_in)))
		vhost_rmem_dev_drop_store(d);
	memcpy(field, v, sizeof(struct sockaddr_in));
	return 0;
}

static VHOST_RMEM_CFG_ATTR(donor, 0644, in4, &vhost_rmem_rdma_backend, struct vhost_rmem_rdma_dev,
			   NULL, vhost_rmem_rdma_donor_set, false);
/* Not frozen while live: setting it just before a delete is the point. */
static VHOST_RMEM_CFG_ATTR(keep_chunks, 0644, bool, &vhost_rmem_rdma_backend,
			   struct vhost_rmem_rdma_dev, NULL, NULL, true);

#define VHOST_RMEM_RDMA_CFG_REF(_name) VHOST_RMEM_CFG_ATTR_PTR(_name),
static struct attribute *vhost_rmem_rdma_config_attrs[] = {
	RMEM_SYSFS_RDMA_CONFIG(VHOST_RMEM_RDMA_CFG_REF)
	NULL,
};

/* Merged into the device's rmem/ while it has this backend. */
static const struct attribute_group vhost_rmem_rdma_config_group = {
	.name = RMEM_SYSFS_CONFIG_DIR,
	.attrs = vhost_rmem_rdma_config_attrs,
};

/* ------------------------------------------------------------ backend type */

static struct vhost_rmem_backend_priv *vhost_rmem_rdma_dev_init(struct vhost_rmem_dev *d)
{
	struct vhost_rmem_rdma_dev *rd = kzalloc(sizeof(*rd), GFP_KERNEL);

	if (!rd)
		return ERR_PTR(-ENOMEM);
	/* Zeroed: state none, no donor; no slot until a store claims one. */
	rd->donor.sin_family = AF_INET;
	atomic_set(&rd->st.slot, -1);
	return &rd->head;
}

static void vhost_rmem_rdma_dev_fini(struct vhost_rmem_backend_priv *priv)
{
	kfree(container_of(priv, struct vhost_rmem_rdma_dev, head));
}

static bool vhost_rmem_rdma_configured(struct vhost_rmem_dev *d)
{
	struct vhost_rmem_rdma_dev *rd = vhost_rmem_dev_backend_priv(d, &vhost_rmem_rdma_backend);

	return rd && rd->donor.sin_port;
}

const struct vhost_rmem_backend_type vhost_rmem_rdma_backend = {
	.name = "rdma",
	.io = &vhost_rmem_rdma_io,
	.cfg_flags = RMEM_VIRTIO_CFG_F_RDMA,
	.init = vhost_rmem_rdma_dev_init,
	.fini = vhost_rmem_rdma_dev_fini,
	.config_group = &vhost_rmem_rdma_config_group,
	.groups = vhost_rmem_rdma_groups,
	.configured = vhost_rmem_rdma_configured,
	.create = vhost_rmem_rdma_create,
	.clear = vhost_rmem_rdma_clear,
	.destroy = vhost_rmem_rdma_destroy,
};

int vhost_rmem_rdma_init(void)
{
	vhost_rmem_rdma_attrs[0] = &dev_attr_state.attr;
	vhost_rmem_rdma_attrs[1] = &dev_attr_slot.attr;
	vhost_rmem_rdma_attrs[2] = &dev_attr_epoch.attr;
	vhost_rmem_counter_attrs(&vhost_rmem_rdma_attrs[3], vhost_rmem_rdma_counter_attrs,
				 ARRAY_SIZE(vhost_rmem_rdma_counter_attrs));

	/* Renewals must run while this kernel swaps onto the device. */
	vhost_rmem_rdma_wq = alloc_workqueue("vhost_rmem_rdma", WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	if (!vhost_rmem_rdma_wq)
		return -ENOMEM;
	vhost_rmem_debugfs_root = debugfs_create_dir("vhost_rmem", NULL);
	if (IS_ERR(vhost_rmem_debugfs_root))
		vhost_rmem_debugfs_root = NULL;
	vhost_rmem_faults_debugfs(vhost_rmem_debugfs_root);
	vhost_rmem_share_debugfs(vhost_rmem_debugfs_root);
	return 0;
}

void vhost_rmem_rdma_exit(void)
{
	vhost_rmem_share_exit();
	vhost_rmem_auth_exit();
	debugfs_remove_recursive(vhost_rmem_debugfs_root);
	destroy_workqueue(vhost_rmem_rdma_wq);
}
