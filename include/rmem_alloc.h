/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * rmem_alloc.h - the one-sided allocator protocol, written once
 * (docs/allocator.md).
 *
 * Lease slot find/claim/adopt, lease renewal and its check, chunk alloc and
 * free, the owner table walk and the reclaim sequence (fence -> bump the
 * generation -> free the slot's owner words -> release) are implemented here
 * and nowhere else.  Three callers drive them through struct rmem_alloc_ops:
 *
 *   host-vhost/vhost_rmem_alloc.c   kernel client: ops over vhost_rmem_conn_meta_read/
 *                             meta_cas/write (RDMA READ, CAS, WRITE)
 *   client/rmemc.c      userspace client library: the same over verbs
 *   appliance/rmemd_reaper.c   the donor's reaper: reclaim only, ops over its
 *                             own memory with CPU atomics
 *
 * and tests/unit/alloc-lease.c drives them over a fake in-memory donor with
 * fault knobs.  Like rmem_proto.h this is static inline and uses only
 * rmem_compat.h: no allocation, no locking, no logging.  Callers own their
 * buffers, serialize the calls on one lease, and explain errors themselves.
 *
 * Errors: an op's own error is returned unchanged; the protocol's answers are
 *   -ENOENT       no slot names the device (find)
 *   -ENOSPC       no free slot (claim), no free chunk (alloc)
 *   -EAGAIN       the slot stopped naming the device while adopting it
 *   -EKEYEXPIRED  the lease is not held, or the slot no longer is ours
 *   -EPERM        free of a word this lease does not own (or no longer holds)
 *   -EINVAL       argument out of range (slot, chunk, vchunk)
 *   -EPROTO       the donor's window is larger than the lease's buffer
 *   -EIO          a scan made no progress: the donor answers inconsistently
 */
#ifndef RMEM_ALLOC_H
#define RMEM_ALLOC_H

#include "rmem_proto.h"

/*
 * How the allocator reaches one donor's metadata.  Offsets are from the start
 * of the donor's region (= the metadata MR's address).  Every access the
 * protocol makes is 8-byte aligned and a multiple of 8 bytes long.
 */
struct rmem_alloc_ops {
	/* Copies @len bytes at @off into @buf as stored (little-endian words). */
	int (*meta_read)(void *ctx, u64 off, void *buf, u32 len);
	/* 8-byte compare-and-swap at @off; *old = the previous value, CPU order. */
	int (*meta_cas)(void *ctx, u64 off, u64 expect, u64 swap, u64 *old);
	/* Stores @len bytes at @off, inside the lease table (the lease MR). */
	int (*lease_write)(void *ctx, u64 off, const void *buf, u32 len);
	/*
	 * Zeroes the data of @chunk, which the caller still owns.  Free chunks
	 * are all zeros (a donor's memory is zero at boot, and every free
	 * clears first), so an allocation hands out a clean chunk without
	 * clearing it: the cost is the freer's (discard, detach, the reaper),
	 * off the writer's path.
	 */
	int (*chunk_clear)(void *ctx, u64 chunk);
	/*
	 * Optional, for a reclaim: the slot of @device_id is RECLAIMING (no
	 * renewal, adoption or detach can take it back) and none of its chunks
	 * has been touched yet.  A donor revokes the device's access here.
	 */
	void (*fenced)(void *ctx, u64 device_id);
};

/* One donor as the allocator sees it: its ops and its geometry. */
struct rmem_alloc_donor {
	const struct rmem_alloc_ops *ops;
	void *ctx;
	const struct rmem_desc *desc;	/* slot/lease/owner offsets and counts */
};

static inline u64 rmem_slot_off(const struct rmem_desc *d, u32 slot)
{
	return d->slot_off + (u64)slot * sizeof(struct rmem_wire_slot);
}

static inline u64 rmem_lease_word_off(const struct rmem_desc *d, u32 slot)
{
	return d->lease_off + (u64)slot * sizeof(struct rmem_wire_lease);
}

static inline u64 rmem_owner_off(const struct rmem_desc *d, u64 chunk)
{
	return d->owner_off + chunk * 8;
}

/*
 * A device's lease on one donor.  The caller sets device_id and words /
 * words_len (at least the donor's window_words, and at least 2), and zeroes
 * the rest; the functions below keep it.  The kernel keeps one across
 * reconnects to the same donor.
 */
struct rmem_lease {
	u64 device_id;
	bool held;		/* slot/generation are ours */
	u32 slot;
	u64 generation;		/* full slot generation while held */
	u64 counter;		/* last lease value written */
	bool scan_started;	/* scan (and words) hold a window cache */
	struct rmem_alloc_scan scan;
	/*
	 * The scan's window, and the scratch of find and claim (which run
	 * before a lease is held and drop the window cache).
	 */
	__le64 *words;
	u32 words_len;
	/* The slot as the last check read it, for the caller's error message. */
	u64 seen_device_id;
	u64 seen_generation;
	u64 window_reads;	/* owner windows READ */
	u64 cas_conflicts;	/* alloc CASes that found the word taken */
};

/* Slot table entries a read of the lease's scratch can hold. */
static inline u32 rmem_lease_slots_per_read(const struct rmem_lease *l)
{
	return l->words_len * 8 / sizeof(struct rmem_wire_slot);
}

/* The slot naming l->device_id: 0 and *slot, or -ENOENT. */
static inline int rmem_lease_find(const struct rmem_alloc_donor *dn, struct rmem_lease *l,
				  u32 *slot)
{
	const struct rmem_wire_slot *s = (const struct rmem_wire_slot *)l->words;
	u32 n = dn->desc->slot_count, per = rmem_lease_slots_per_read(l), first, k, i;
	int ret;

	if (!per)
		return -EINVAL;
	l->scan_started = false;
	for (first = 0; first < n; first += k) {
		k = n - first < per ? n - first : per;
		ret = dn->ops->meta_read(dn->ctx, rmem_slot_off(dn->desc, first), l->words,
					 k * (u32)sizeof(*s));
		if (ret)
			return ret;
		for (i = 0; i < k; i++) {
			if (le64_to_cpu(s[i].device_id) == l->device_id) {
				*slot = first + i;
				return 0;
			}
		}
	}
	return -ENOENT;
}

/* READs our slot: is it still (device_id, generation)?  -EKEYEXPIRED if not. */
static inline int rmem_lease_check(const struct rmem_alloc_donor *dn, struct rmem_lease *l)
{
	struct rmem_wire_slot s;
	int ret;

	ret = dn->ops->meta_read(dn->ctx, rmem_slot_off(dn->desc, l->slot), &s, sizeof(s));
	if (ret)
		return ret;
	l->seen_device_id = le64_to_cpu(s.device_id);
	l->seen_generation = le64_to_cpu(s.generation);
	if (l->seen_device_id != l->device_id || l->seen_generation != l->generation) {
		l->held = false;
		l->scan_started = false;
		return -EKEYEXPIRED;
	}
	return 0;
}

/*
 * How often a host renews: a quarter of the lease, more often than the
 * wire's lease_timeout / 3, so that a renewal that takes the whole
 * operation bound still lands before the fence (rmem_lease_fence_ms()).
 */
static inline u32 rmem_lease_renew_ms(u32 lease_ms)
{
	return lease_ms / 4;
}

/*
 * The fence point: how long after its last good renewal a host may still
 * start an operation on its chunks, for a donor lease of @lease_ms and
 * operations bounded by @op_ms.  The donor reaps a lease that has not
 * moved for lease_ms, counted from when it first sees the renewal, which
 * landed at most @op_ms before the host saw it succeed; an operation
 * started at the fence ends (or is flushed) within @op_ms.  So the fence
 * plus twice @op_ms, plus a tenth of the lease for the clocks and the
 * reaper's tick, must stay below the lease: the fence is half the lease
 * when that allows it, less otherwise.  And a healthy host must not fence
 * itself: the next renewal, due rmem_lease_renew_ms() after the last and
 * taking up to @op_ms, must come first.  0: no fence satisfies both: the
 * host must not use that donor with that timeout.  @op_ms below
 * lease_ms / 5 always works.
 */
static inline u32 rmem_lease_fence_ms(u32 lease_ms, u32 op_ms)
{
	u64 slack = (u64)lease_ms / 10 + 2 * (u64)op_ms;
	u64 fence = lease_ms / 2;

	if (slack >= lease_ms)
		return 0;
	if (fence > lease_ms - slack)
		fence = lease_ms - slack;
	return fence > (u64)rmem_lease_renew_ms(lease_ms) + op_ms ? (u32)fence : 0;
}

/* Writes the next lease counter, then checks the slot is still ours. */
static inline int rmem_lease_extend(const struct rmem_alloc_donor *dn, struct rmem_lease *l)
{
	__le64 v = cpu_to_le64(l->counter + 1);
	int ret;

	if (!l->held)
		return -EKEYEXPIRED;
	ret = dn->ops->lease_write(dn->ctx, rmem_lease_word_off(dn->desc, l->slot), &v,
				   sizeof(v));
	if (ret)
		return ret;
	l->counter++;
	/*
	 * RDMA: same QP, so the READ executes after the WRITE landed; a reaper
	 * that reclaimed the slot before it is seen here.
	 */
	return rmem_lease_check(dn, l);
}

/*
 * Takes over @slot, which names l->device_id: reads its generation and lease
 * counter, and renews at once (an adopted lease may be close to its timeout).
 * The generation is stable while the slot names us: it changes only under
 * RMEM_DEVICE_RECLAIMING.
 */
static inline int rmem_lease_adopt(const struct rmem_alloc_donor *dn, struct rmem_lease *l,
				   u32 slot)
{
	struct rmem_wire_slot s;
	__le64 counter;
	int ret;

	if (slot >= dn->desc->slot_count)
		return -EINVAL;
	/* Until the slot is proven ours, a renewal must not write its lease word. */
	l->held = false;
	l->slot = slot;
	ret = dn->ops->meta_read(dn->ctx, rmem_slot_off(dn->desc, slot), &s, sizeof(s));
	if (ret)
		return ret;
	if (le64_to_cpu(s.device_id) != l->device_id)
		return -EAGAIN;	/* changed hands meanwhile */
	l->generation = le64_to_cpu(s.generation);
	ret = dn->ops->meta_read(dn->ctx, rmem_lease_word_off(dn->desc, slot), &counter,
				 sizeof(counter));
	if (ret)
		return ret;
	l->counter = le64_to_cpu(counter);
	l->held = true;
	l->scan_started = false;
	return rmem_lease_extend(dn, l);
}

/*
 * Claims a free slot (CAS of device_id 0 -> id) starting at hash(id) mod
 * slots, then adopts it.  The table is READ in pieces just before the CASes
 * they drive: a piece gone stale costs a failed CAS, never a wrong claim.
 */
static inline int rmem_lease_claim(const struct rmem_alloc_donor *dn, struct rmem_lease *l)
{
	const struct rmem_wire_slot *w = (const struct rmem_wire_slot *)l->words;
	u32 n = dn->desc->slot_count, per = rmem_lease_slots_per_read(l), start, i, j, k, s;
	u64 old;
	int ret;

	if (!per || !rmem_device_id_valid(l->device_id))
		return -EINVAL;
	if (!n)
		return -ENOSPC;
	l->scan_started = false;
	start = (u32)rmem_mod64(rmem_mix64(l->device_id), n);
	for (i = 0; i < n; i += k) {
		s = start + i < n ? start + i : start + i - n;
		/* A piece never wraps: it ends at the table's end or after n slots. */
		k = n - i < per ? n - i : per;
		if (k > n - s)
			k = n - s;
		ret = dn->ops->meta_read(dn->ctx, rmem_slot_off(dn->desc, s), l->words,
					 k * (u32)sizeof(*w));
		if (ret)
			return ret;
		for (j = 0; j < k; j++) {
			if (le64_to_cpu(w[j].device_id) != RMEM_DEVICE_NONE)
				continue;
			ret = dn->ops->meta_cas(dn->ctx, rmem_slot_off(dn->desc, s + j),
						RMEM_DEVICE_NONE, l->device_id, &old);
			if (ret)
				return ret;
			if (old == RMEM_DEVICE_NONE)
				return rmem_lease_adopt(dn, l, s + j);
		}
	}
	return -ENOSPC;
}

/*
 * Allocates a chunk for @vchunk: the window scan of rmem_proto.h, one READ
 * per window and one CAS 0 -> owner per try.  0, *chunk and *owner (the word
 * written), or an error.
 */
static inline int rmem_lease_alloc(const struct rmem_alloc_donor *dn, struct rmem_lease *l,
				   u64 vchunk, u64 *chunk, u64 *owner)
{
	const struct rmem_desc *d = dn->desc;
	u64 word, hash, guard, old, pick = 0;
	int ret;

	if (!l->held)
		return -EKEYEXPIRED;
	word = rmem_owner_encode(l->slot, (u32)l->generation, vchunk);
	if (word == RMEM_OWNER_FREE || vchunk == RMEM_VCHUNK_CLEARING)
		return -EINVAL;
	if (d->window_words > l->words_len)
		return -EPROTO;
	hash = rmem_hash(l->device_id, vchunk);
	if (l->scan_started) {
		rmem_scan_keep(&l->scan, hash);
	} else {
		rmem_scan_begin(&l->scan, d->chunk_count, d->window_words, hash);
		l->scan_started = true;
	}
	/* The scan is bounded by construction; the guard catches a broken peer. */
	for (guard = 0; guard < 2 * (d->chunk_count + l->scan.nwindows) + 4; guard++) {
		switch (rmem_scan_next(&l->scan, l->words, &pick)) {
		case RMEM_SCAN_READ:
			ret = dn->ops->meta_read(dn->ctx, rmem_owner_off(d, l->scan.win.first),
						 l->words, l->scan.win.len * 8);
			if (ret) {
				/* The buffer may be half overwritten: no cache. */
				l->scan_started = false;
				return ret;
			}
			l->window_reads++;
			rmem_scan_loaded(&l->scan);
			break;
		case RMEM_SCAN_TRY:
			ret = dn->ops->meta_cas(dn->ctx, rmem_owner_off(d, pick), RMEM_OWNER_FREE,
						word, &old);
			if (ret) {
				l->scan_started = false;
				return ret;
			}
			rmem_scan_seen(&l->scan, l->words, pick, old ? old : word);
			if (old == RMEM_OWNER_FREE) {
				*chunk = pick;
				*owner = word;
				return 0;
			}
			l->cas_conflicts++;
			break;
		default:
			return -ENOSPC;
		}
	}
	l->scan_started = false;
	return -EIO;
}

/* The CLEARING form of @word's owner (slot, generation). */
static inline u64 rmem_owner_clearing(u64 word)
{
	return (word & RMEM_OWNER_TAG_MASK) | RMEM_VCHUNK_CLEARING;
}

/*
 * Frees @chunk, held with @word, clean: CAS @word -> @clearing (the CAS is
 * what proves the chunk the caller's; *old tells one whose CAS lost),
 * clear the data, CAS @clearing -> 0.  @clearing names who frees: the
 * owner's own CLEARING form (rmem_owner_clearing), the reclaimer's (the
 * slot's new generation: the old tenant can no longer CAS it) or the
 * reaper's RMEM_OWNER_REAPING for an orphan.  A word already @clearing is
 * the caller's own free cut short: it is finished.  A failure after the
 * first CAS leaves the word @clearing, still held: whoever frees the
 * slot's words next (a detach, the reaper, a map rebuild) finishes it.
 * -EPROTO: the last CAS found another value (someone broke the rule that
 * only the holder of a CLEARING word moves it); nothing is freed.
 */
static inline int rmem_chunk_clear_free(const struct rmem_alloc_donor *dn, u64 chunk, u64 word,
					u64 clearing, u64 *old)
{
	u64 off = rmem_owner_off(dn->desc, chunk), o;
	int ret;

	ret = dn->ops->meta_cas(dn->ctx, off, word, clearing, old);
	if (ret)
		return ret;
	if (*old != word) {
		if (*old != clearing)
			return 0;
		*old = word;	/* ours already: finish it */
	}
	ret = dn->ops->chunk_clear(dn->ctx, chunk);
	if (ret)
		return ret;
	ret = dn->ops->meta_cas(dn->ctx, off, clearing, RMEM_OWNER_FREE, &o);
	if (!ret && o != clearing)
		return -EPROTO;
	return ret;
}

/*
 * Frees @chunk held with @owner: clear, then owner -> 0 (above).  *old is what the word held
 * (== @owner on success); -EPERM without touching the table if @owner is not
 * this lease's, -EPERM after the CAS if the table disagrees.
 */
static inline int rmem_lease_free(const struct rmem_alloc_donor *dn, struct rmem_lease *l,
				  u64 chunk, u64 owner, u64 *old)
{
	int ret;

	*old = RMEM_OWNER_FREE;
	if (!l->held)
		return -EKEYEXPIRED;
	if (chunk >= dn->desc->chunk_count)
		return -EINVAL;
	if (!rmem_owner_is(owner, l->slot, (u32)l->generation))
		return -EPERM;
	ret = rmem_chunk_clear_free(dn, chunk, owner, rmem_owner_clearing(owner), old);
	if (ret)
		return ret;
	if (*old != owner)
		return -EPERM;
	/* Keep the window cache truthful: the next alloc may reuse the word. */
	if (l->scan_started && l->scan.loaded && chunk >= l->scan.win.first &&
	    chunk - l->scan.win.first < l->scan.win.len)
		l->words[chunk - l->scan.win.first] = cpu_to_le64(RMEM_OWNER_FREE);
	return 0;
}

/*
 * Calls @fn for every nonzero owner word, in CPU order; stops at the first
 * error.  The table is READ into @buf (@buf_words words) piece by piece, and
 * @fn may use the ops (CAS a word it sees) but must leave @buf alone.
 */
static inline int rmem_owner_walk(const struct rmem_alloc_donor *dn, __le64 *buf,
				  u32 buf_words, int (*fn)(void *arg, u64 chunk, u64 word),
				  void *arg)
{
	u64 count = dn->desc->chunk_count, first, n, i, w;
	int ret = 0;

	if (!buf_words)
		return -EINVAL;
	for (first = 0; first < count && !ret; first += n) {
		n = count - first < buf_words ? count - first : buf_words;
		ret = dn->ops->meta_read(dn->ctx, rmem_owner_off(dn->desc, first), buf,
					 (u32)(n * 8));
		for (i = 0; !ret && i < n; i++) {
			w = le64_to_cpu(buf[i]);
			if (w != RMEM_OWNER_FREE)
				ret = fn(arg, first + i, w);
		}
	}
	return ret;
}

struct rmem_detach_ctx {
	const struct rmem_alloc_donor *dn;
	u32 slot;
	u32 gen;		/* the slot's new generation (step 2) */
	u64 freed;
};

static inline int rmem_detach_one(void *arg, u64 chunk, u64 word)
{
	struct rmem_detach_ctx *x = (struct rmem_detach_ctx *)arg;
	u64 old;
	int ret;

	/* Any generation: the slot is RECLAIMING, no one else may hold its words. */
	if (!rmem_owner_in_slot(word, x->slot))
		return 0;
	/*
	 * CLEARING under the new generation: the old tenant, should it still
	 * run, can neither CAS the word on nor finish a clear of its own.
	 */
	ret = rmem_chunk_clear_free(x->dn, chunk, word,
				    rmem_owner_tag(x->slot, x->gen) | RMEM_VCHUNK_CLEARING, &old);
	if (ret == -EPROTO)
		return 0;	/* moved under us: not ours to free; the sweep goes on */
	if (!ret && old == word)
		x->freed++;
	return ret;
}

/*
 * Reclaims @slot from @device_id, the one sequence of a host's detach and of
 * the donor's reaper:
 *  1. CAS device_id: @device_id -> RECLAIMING (-EKEYEXPIRED if it named
 *     someone else).  From here nobody claims, adopts or renews into it.
 *  2. generation += 1, by CAS from the value READ now, under the fence.
 *  3. Free every owner word naming the slot (any generation), each chunk
 *     cleared on the way (rmem_chunk_clear_free).
 *  4. CAS device_id: RECLAIMING -> 0.
 * @buf (@buf_words) is the walk's scratch.  *freed counts the words freed,
 * also when a later step fails.
 *
 * Why step 2 re-reads the generation instead of CASing one the caller
 * cached: only the holder of RECLAIMING writes a generation, so after step 1
 * the value READ is the slot's true current one and the CAS cannot lose a
 * race.  A cached value can be stale: the kernel detaches a slot it found by
 * device id without ever adopting it, and a lease reclaimed by the reaper
 * and re-claimed under the same id moved on by one.  CASing a stale value
 * fails, the generation stays where it is, and the next tenant of the slot
 * gets the generation of the tenant just detached: that tenant's late CASes
 * and handles would then match the new one.  If the CAS still reports
 * another value, someone broke the fence; the generation has moved off the
 * tenant's either way, so the sweep and release go on rather than leave the
 * slot RECLAIMING for good (nothing reclaims a RECLAIMING slot).
 */
static inline int rmem_slot_reclaim(const struct rmem_alloc_donor *dn, u32 slot,
				    u64 device_id, __le64 *buf, u32 buf_words, u64 *freed)
{
	struct rmem_detach_ctx x = { .dn = dn, .slot = slot };
	struct rmem_wire_slot s;
	u64 off = rmem_slot_off(dn->desc, slot), old, gen;
	int ret;

	*freed = 0;
	if (slot >= dn->desc->slot_count || !rmem_device_id_valid(device_id))
		return -EINVAL;
	ret = dn->ops->meta_cas(dn->ctx, off, device_id, RMEM_DEVICE_RECLAIMING, &old);
	if (ret)
		return ret;
	if (old != device_id)
		return -EKEYEXPIRED;
	if (dn->ops->fenced)
		dn->ops->fenced(dn->ctx, device_id);
	ret = dn->ops->meta_read(dn->ctx, off, &s, sizeof(s));
	if (ret)
		return ret;
	gen = le64_to_cpu(s.generation);
	ret = dn->ops->meta_cas(dn->ctx, off + 8, gen, gen + 1, &old);
	if (ret)
		return ret;
	x.gen = (u32)(gen + 1);
	ret = rmem_owner_walk(dn, buf, buf_words, rmem_detach_one, &x);
	*freed = x.freed;
	if (ret)
		return ret;
	return dn->ops->meta_cas(dn->ctx, off, RMEM_DEVICE_RECLAIMING, RMEM_DEVICE_NONE, &old);
}

#endif /* RMEM_ALLOC_H */
