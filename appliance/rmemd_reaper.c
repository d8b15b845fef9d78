// SPDX-License-Identifier: GPL-2.0
/*
 * rmemd_reaper.c - the appliance's periodic work: expire leases that stopped
 * moving, free their chunks, refresh the stats block.
 *
 * The CPU here races with hosts' RDMA atomics on the same words.  With
 * IBV_ATOMIC_HCA (rxe, most NICs) an HCA atomic is not atomic with respect
 * to CPU atomics, so every CPU write below is arranged to be safe anyway:
 *  - a slot is reclaimed only from a state no host writes (its device id,
 *    whose lease is dead) into RMEM_DEVICE_RECLAIMING, which no host
 *    touches; its generation is bumped and the slot released from there;
 *  - an owner word is freed only by a CAS from a value no live host can
 *    hold (the dead slot's words, or orphans), to 0; a host's CAS expects
 *    0 (alloc) or its own word (free), so a host and the CPU never both
 *    write a word based on the same old value except when both write 0.
 * Reclaim is rmem_slot_reclaim() of include/rmem_alloc.h, the sequence a
 * host's detach runs, here through ops over our own memory whose "CAS" is a
 * CPU atomic: the argument above holds for each of its steps.
 * docs/allocator.md has the full argument.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "rmem_alloc.h"
#include "rmemd.h"
#include "rmemd_log.h"
#include "rmemd_listen.h"
#include "rmemd_reaper.h"

static inline uint64_t rmemd_load64(const __le64 *p)
{
	return le64_to_cpu(__atomic_load_n(p, __ATOMIC_ACQUIRE));
}

static inline void rmemd_store64(__le64 *p, uint64_t v)
{
	__atomic_store_n(p, cpu_to_le64(v), __ATOMIC_RELEASE);
}

static inline bool rmemd_cas64(__le64 *p, uint64_t old, uint64_t new)
{
	__le64 o = cpu_to_le64(old);

	return __atomic_compare_exchange_n(p, &o, cpu_to_le64(new), false,
					   __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

int rmemd_reaper_init(struct rmemd_appliance *app)
{
	struct rmem_reaper *r = &app->reaper;

	memset(r, 0, sizeof(*r));
	r->watch = calloc(app->pool.layout.slot_count, sizeof(*r->watch));
	r->snap = calloc(app->pool.layout.slot_count, sizeof(*r->snap));
	if (!r->watch || !r->snap) {
		free(r->watch);
		free(r->snap);
		r->watch = NULL;
		r->snap = NULL;
		return -ENOMEM;
	}
	r->start_ms = rmemd_now_ms();
	return 0;
}

void rmemd_reaper_fini(struct rmemd_appliance *app)
{
	free(app->reaper.snap);
	free(app->reaper.watch);
	app->reaper.snap = NULL;
	app->reaper.watch = NULL;
}

/*
 * The reclaim's ops over the pool: the region starts at pool->base, like the
 * offsets hosts use.  Loads and CASes are CPU atomics, word by word, since
 * hosts' HCA atomics and WRITEs hit the same words meanwhile.
 */
struct rmemd_reap_ctx {
	struct rmemd_appliance *app;
	struct rmemd_pool *pool;
	uint64_t now_ms;
};

static bool rmemd_pool_meta_ok(const struct rmemd_pool *pool, u64 off, u32 len)
{
	return !((off | len) & 7) && off <= pool->layout.meta_len &&
	       len <= pool->layout.meta_len - off;
}

static int rmemd_pool_meta_read(void *ctx, u64 off, void *buf, u32 len)
{
	struct rmemd_pool *pool = ((struct rmemd_reap_ctx *)ctx)->pool;
	const __le64 *src = (const __le64 *)((const uint8_t *)pool->base + off);
	uint8_t *dst = buf;
	__le64 w;
	u32 i;

	if (!rmemd_pool_meta_ok(pool, off, len))
		return -EINVAL;
	for (i = 0; i < len / 8; i++) {
		w = __atomic_load_n(&src[i], __ATOMIC_ACQUIRE);
		memcpy(dst + (size_t)i * 8, &w, 8);
	}
	return 0;
}

static int rmemd_pool_meta_cas(void *ctx, u64 off, u64 expect, u64 swap, u64 *old)
{
	struct rmemd_pool *pool = ((struct rmemd_reap_ctx *)ctx)->pool;
	__le64 *p = (__le64 *)((uint8_t *)pool->base + off);
	__le64 o = cpu_to_le64(expect);

	if (!rmemd_pool_meta_ok(pool, off, 8))
		return -EINVAL;
	/* On failure o receives the current value: *old is what a host CAS returns. */
	__atomic_compare_exchange_n(p, &o, cpu_to_le64(swap), false, __ATOMIC_ACQ_REL,
				    __ATOMIC_ACQUIRE);
	*old = le64_to_cpu(o);
	return 0;
}

/* The reaper never renews a lease: reclaim uses only reads and CASes. */
static int rmemd_pool_lease_write(void *ctx, u64 off, const void *buf, u32 len)
{
	(void)ctx;
	(void)off;
	(void)buf;
	(void)len;
	return -EOPNOTSUPP;
}

/*
 * Free chunks are zeros: the reaper clears a dead tenant's chunk with the
 * CPU before it frees the word (off every host's data path; a reap is rare).
 */
static int rmemd_pool_chunk_clear(void *ctx, u64 chunk)
{
	struct rmemd_pool *pool = ((struct rmemd_reap_ctx *)ctx)->pool;

	if (chunk >= pool->layout.chunk_count)
		return -EINVAL;
	memset(pool->data + (chunk << pool->layout.chunk_shift), 0,
	       (size_t)1 << pool->layout.chunk_shift);
	return 0;
}

/* Before a chunk is cleared: a late write of that host must not land. */
static void rmemd_pool_fenced(void *ctx, u64 device_id)
{
	struct rmemd_reap_ctx *x = ctx;

	rmemd_listen_revoke(x->app, device_id, x->now_ms);
}

static const struct rmem_alloc_ops rmemd_pool_alloc_ops = {
	.meta_read = rmemd_pool_meta_read,
	.meta_cas = rmemd_pool_meta_cas,
	.lease_write = rmemd_pool_lease_write,
	.chunk_clear = rmemd_pool_chunk_clear,
	.fenced = rmemd_pool_fenced,
};

/* Owner words per piece of the reclaim's walk: 4 KiB on the stack. */
#define RMEMD_REAPER_WALK_WORDS 512

/*
 * Reclaims @slot from @device_id: RECLAIMING, bump the generation, free
 * every owner word naming the slot, release.  The same sequence a host
 * runs for an explicit detach, done by the CPU.  Returns the number of
 * chunks freed, or UINT64_MAX if the slot no longer belonged to @device_id.
 */
/* The allocator's view of the pool: its geometry and the CPU ops above. */
static void rmemd_pool_desc(const struct rmemd_pool *pool, struct rmem_desc *desc)
{
	const struct rmem_layout *l = &pool->layout;

	*desc = (struct rmem_desc){
		.chunk_count = l->chunk_count,
		.slot_count = l->slot_count,
		.meta_len = l->meta_len,
		.slot_off = l->slot_off,
		.lease_off = l->lease_off,
		.stats_off = l->stats_off,
		.owner_off = l->owner_off,
		.window_words = pool->window_words,
	};
}

static uint64_t rmemd_reaper_free_slot(struct rmemd_appliance *app, uint32_t slot,
				       uint64_t device_id, uint64_t now_ms)
{
	struct rmemd_pool *pool = &app->pool;
	struct rmemd_reap_ctx x = { .app = app, .pool = pool, .now_ms = now_ms };
	struct rmem_desc desc;
	struct rmem_alloc_donor dn = { .ops = &rmemd_pool_alloc_ops, .ctx = &x, .desc = &desc };
	__le64 buf[RMEMD_REAPER_WALK_WORDS];
	uint64_t freed;

	rmemd_pool_desc(pool, &desc);

	/* Local memory: a slot that is not @device_id's, or a broken fence. */
	if (rmem_slot_reclaim(&dn, slot, device_id, buf, RMEMD_REAPER_WALK_WORDS, &freed))
		return UINT64_MAX;
	return freed;
}

static void rmemd_reaper_expire(struct rmemd_appliance *app, uint32_t slot,
			       uint64_t device_id, uint64_t now_ms)
{
	struct rmem_reaper *r = &app->reaper;
	uint64_t freed;

	/* Revokes the device's access once the slot is fenced (rmemd_pool_fenced). */
	freed = rmemd_reaper_free_slot(app, slot, device_id, now_ms);
	if (freed == UINT64_MAX) {
		rmemd_dbg("slot %u changed hands while expiring; left alone", slot);
		return;
	}
	r->leases_expired++;
	r->chunks_freed += freed;
	rmemd_info("lease of device %016" PRIx64 " (slot %u) did not move for %" PRIu64
		  " ms: freed %" PRIu64 " chunk(s)", device_id, slot,
		  now_ms - r->watch[slot].changed_ms, freed);
	memset(&r->watch[slot], 0, sizeof(r->watch[slot]));
	r->watch[slot].changed_ms = now_ms;
}

/*
 * Is @w, read after @snap was taken, a word no lease can own?  Either its
 * encoding is invalid, or its slot was held by the same tenant (same device
 * id and generation, so no reclaim ran) before and after the word was read
 * while the word carries another generation (written by a host whose lease
 * had already been reclaimed), or the slot stayed free throughout.
 */
static bool rmemd_owner_orphan(const struct rmemd_pool *pool, const struct rmem_wire_slot *snap,
			      uint64_t w)
{
	struct rmem_owner o;
	uint64_t dev, gen;

	if (rmem_owner_decode(w, &o) == -EINVAL)
		return true;
	if (o.slot >= pool->layout.slot_count)
		return true;
	dev = le64_to_cpu(snap[o.slot].device_id);
	gen = le64_to_cpu(snap[o.slot].generation);
	if (dev == RMEM_DEVICE_RECLAIMING)
		return false;
	if (rmem_device_id_valid(dev) && (gen & RMEM_OWNER_GEN_MASK) == o.gen)
		return false;
	return rmemd_load64(&pool->slots[o.slot].device_id) == dev &&
	       rmemd_load64(&pool->slots[o.slot].generation) == gen;
}

/* Frees an orphan's chunk, cleared (free chunks are zeros); false if the word moved. */
static bool rmemd_reaper_free_orphan(struct rmemd_pool *pool, uint64_t chunk, uint64_t w)
{
	struct rmemd_reap_ctx x = { .pool = pool };
	struct rmem_desc desc;
	struct rmem_alloc_donor dn = { .ops = &rmemd_pool_alloc_ops, .ctx = &x, .desc = &desc };
	uint64_t old;

	rmemd_pool_desc(pool, &desc);
	/* Under the reaper's own CLEARING word: the orphan's writer cannot CAS it. */
	return !rmem_chunk_clear_free(&dn, chunk, w, RMEM_OWNER_REAPING, &old) && old == w;
}

/* Counts used chunks and frees orphans; the once-a-second full scan. */
static uint64_t rmemd_reaper_scan_owners(struct rmemd_appliance *app,
					const struct rmem_wire_slot *snap)
{
	struct rmemd_pool *pool = &app->pool;
	uint64_t i, w, used = 0;

	for (i = 0; i < pool->layout.chunk_count; i++) {
		w = rmemd_load64(&pool->owners[i]);
		if (w == RMEM_OWNER_FREE)
			continue;
		if (rmemd_owner_orphan(pool, snap, w) && rmemd_reaper_free_orphan(pool, i, w)) {
			app->reaper.chunks_freed++;
			rmemd_warn("freed orphan owner word %016" PRIx64 " of chunk %" PRIu64, w, i);
			continue;
		}
		used++;
	}
	return used;
}

static uint64_t rmemd_cpu_time_us(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		return 0;
	return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 +
	       (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

static void rmemd_stats_publish(struct rmemd_appliance *app, uint64_t now_ms)
{
	struct rmem_wire_stats *st = app->pool.stats;
	struct rmem_reaper *r = &app->reaper;
	uint64_t seq = le64_to_cpu(st->seq_end) + 1;

	/* seq_begin != seq_end while fields change: readers retry. */
	rmemd_store64(&st->seq_begin, seq);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	st->uptime_ms = cpu_to_le64(now_ms - r->start_ms);
	st->chunks_total = cpu_to_le64(app->pool.layout.chunk_count);
	st->chunks_used = cpu_to_le64(r->chunks_used);
	st->hosts_connected = cpu_to_le32(app->lis.established);
	st->slots_used = cpu_to_le32(r->slots_used);
	st->leases_expired = cpu_to_le64(r->leases_expired);
	st->reaper_chunks_freed = cpu_to_le64(r->chunks_freed);
	st->connects_accepted = cpu_to_le64(app->lis.accepted);
	st->connects_rejected = cpu_to_le64(app->lis.rejected);
	st->refused_not_allowed = cpu_to_le64(app->lis.refused_not_allowed);
	st->refused_auth = cpu_to_le64(app->lis.refused_auth);
	st->auth_accepted = cpu_to_le64(app->lis.auth_accepted);
	st->conns_revoked = cpu_to_le64(app->lis.conns_revoked);
	st->challenges_refused = cpu_to_le64(app->auth.challenges_refused);
	st->cpu_time_us = cpu_to_le64(rmemd_cpu_time_us());
	st->refreshes = cpu_to_le64(++r->refreshes);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	rmemd_store64(&st->seq_end, seq);
}

void rmemd_reaper_tick(struct rmemd_appliance *app, uint64_t now_ms)
{
	struct rmemd_pool *pool = &app->pool;
	struct rmem_reaper *r = &app->reaper;
	uint32_t i, nslots = pool->layout.slot_count, used = 0;
	struct rmem_wire_slot *snap = r->snap;
	uint64_t dev, gen, ctr;

	for (i = 0; i < nslots; i++) {
		dev = rmemd_load64(&pool->slots[i].device_id);
		gen = rmemd_load64(&pool->slots[i].generation);
		ctr = rmemd_load64(&pool->leases[i].counter);
		switch (rmem_lease_watch_update(&r->watch[i], dev, gen, ctr, now_ms,
						pool->lease_timeout_ms)) {
		case RMEM_LEASE_EXPIRED:
			rmemd_reaper_expire(app, i, dev, now_ms);
			break;
		case RMEM_LEASE_ALIVE:
			used++;
			break;
		default:
			break;
		}
	}
	r->slots_used = used;

	/* Snapshot after expiry so the orphan check sees the slots as they are now. */
	for (i = 0; i < nslots; i++) {
		snap[i].device_id = cpu_to_le64(rmemd_load64(&pool->slots[i].device_id));
		snap[i].generation = cpu_to_le64(rmemd_load64(&pool->slots[i].generation));
	}
	r->chunks_used = rmemd_reaper_scan_owners(app, snap);
	rmemd_stats_publish(app, now_ms);
}
