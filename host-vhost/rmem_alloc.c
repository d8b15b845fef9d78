// SPDX-License-Identifier: GPL-2.0
/*
 * rmem_alloc.c - the one-sided allocator client in the kernel
 * (docs/allocator.md): a device claims (or adopts) a lease slot on the
 * donor with compare-and-swap, allocates chunks by CAS of owner words
 * 0 -> (slot + 1, gen, vchunk) driven by rmem_proto.h's scan state machine,
 * renews its lease by RDMA WRITE of a counter, and on detach runs the same
 * sequence as the donor's reaper.  The donor's CPU is never involved.
 */
#include <linux/mm.h>
#include <linux/slab.h>

#include "rmem_rdma.h"

static u64 rmem_slot_off(struct rmem_conn *c, u32 slot)
{
	return c->desc.slot_off + (u64)slot * sizeof(struct rmem_wire_slot);
}

static u64 rmem_owner_off(struct rmem_conn *c, u64 chunk)
{
	return c->desc.owner_off + chunk * 8;
}

int rmem_lease_init(struct rmem_lease *l, u64 device_id)
{
	memset(l, 0, sizeof(*l));
	l->device_id = device_id;
	l->words_len = RMEM_WINDOW_WORDS_MAX;
	l->words = kvcalloc(l->words_len, sizeof(*l->words), GFP_KERNEL);
	return l->words ? 0 : -ENOMEM;
}

void rmem_lease_fini(struct rmem_lease *l)
{
	kvfree(l->words);
	l->words = NULL;
}

/* Reads slot table entries [first, first + n) into c->buf. */
static int rmem_read_slots(struct rmem_conn *c, u32 first, u32 n)
{
	return rmem_conn_meta_read(c, rmem_slot_off(c, first), n * sizeof(struct rmem_wire_slot));
}

#define RMEM_SLOTS_PER_READ (RMEM_CONN_BUF / sizeof(struct rmem_wire_slot))

int rmem_alloc_find_slot(struct rmem_conn *c, struct rmem_lease *l, u32 *slot)
{
	u32 first, n, i;
	int ret;

	for (first = 0; first < c->desc.slot_count; first += n) {
		const struct rmem_wire_slot *s = (const void *)c->buf;

		n = min_t(u32, c->desc.slot_count - first, RMEM_SLOTS_PER_READ);
		ret = rmem_read_slots(c, first, n);
		if (ret)
			return ret;
		for (i = 0; i < n; i++) {
			if (le64_to_cpu(s[i].device_id) == l->device_id) {
				*slot = first + i;
				return 0;
			}
		}
	}
	return -ENOENT;
}

/* Reads our slot: is it still (device_id, generation)? */
static int rmem_check_slot(struct rmem_conn *c, struct rmem_lease *l)
{
	const struct rmem_wire_slot *s = (const void *)c->buf;
	int ret;

	ret = rmem_read_slots(c, l->slot, 1);
	if (ret)
		return ret;
	if (le64_to_cpu(s->device_id) != l->device_id ||
	    le64_to_cpu(s->generation) != l->generation) {
		l->held = false;
		return -EKEYEXPIRED;
	}
	return 0;
}

int rmem_alloc_renew(struct rmem_conn *c, struct rmem_lease *l)
{
	__le64 v = cpu_to_le64(l->counter + 1);
	int ret;

	if (!l->held)
		return -EKEYEXPIRED;
	memcpy(c->buf, &v, sizeof(v));
	/* The lease MR covers the lease table; its addresses are meta_addr based. */
	ret = rmem_conn_write(c, c->desc.meta_addr + c->desc.lease_off + (u64)l->slot * 8,
			      c->desc.lease_rkey, 8);
	if (ret)
		return ret;
	l->counter++;
	/* Same QP: this READ executes after the WRITE landed. */
	return rmem_check_slot(c, l);
}

/* The slot names us: take generation and counter, renew at once. */
int rmem_alloc_adopt(struct rmem_conn *c, struct rmem_lease *l, u32 slot)
{
	const struct rmem_wire_slot *s = (const void *)c->buf;
	__le64 counter;
	int ret;

	if (slot >= c->desc.slot_count)
		return -EINVAL;
	ret = rmem_read_slots(c, slot, 1);
	if (ret)
		return ret;
	if (le64_to_cpu(s->device_id) != l->device_id)
		return -EAGAIN;	/* changed hands meanwhile */
	l->slot = slot;
	l->generation = le64_to_cpu(s->generation);
	ret = rmem_conn_meta_read(c, c->desc.lease_off + (u64)slot * 8, 8);
	if (ret)
		return ret;
	memcpy(&counter, c->buf, 8);
	l->counter = le64_to_cpu(counter);
	l->held = true;
	l->scan_started = false;
	/* An adopted lease may be close to its timeout. */
	return rmem_alloc_renew(c, l);
}

int rmem_alloc_claim(struct rmem_conn *c, struct rmem_lease *l)
{
	u32 n = c->desc.slot_count, start, i, s;
	u64 old;
	int ret;

	start = (u32)rmem_mod64(rmem_mix64(l->device_id), n);
	for (i = 0; i < n; i++) {
		const struct rmem_wire_slot *w = (const void *)c->buf;

		s = start + i < n ? start + i : start + i - n;
		/* One READ per slot we try: cheap next to a CAS, and always fresh. */
		ret = rmem_read_slots(c, s, 1);
		if (ret)
			return ret;
		if (le64_to_cpu(w->device_id) != RMEM_DEVICE_NONE)
			continue;
		ret = rmem_conn_meta_cas(c, rmem_slot_off(c, s), RMEM_DEVICE_NONE, l->device_id,
					 &old);
		if (ret)
			return ret;
		if (old == RMEM_DEVICE_NONE)
			return rmem_alloc_adopt(c, l, s);
	}
	return -ENOSPC;
}

int rmem_alloc_chunk(struct rmem_conn *c, struct rmem_lease *l, u64 vchunk, u64 *chunk,
		     u64 *owner)
{
	u64 word, hash, guard, old, pick = 0;
	u32 len;
	int ret;

	if (!l->held)
		return -EKEYEXPIRED;
	word = rmem_owner_encode(l->slot, (u32)l->generation, vchunk);
	if (word == RMEM_OWNER_FREE)
		return -EINVAL;
	if (c->desc.window_words > l->words_len)
		return -EPROTO;
	hash = rmem_hash(l->device_id, vchunk);
	if (l->scan_started) {
		rmem_scan_keep(&l->scan, hash);
	} else {
		rmem_scan_begin(&l->scan, c->desc.chunk_count, c->desc.window_words, hash);
		l->scan_started = true;
	}
	/* The scan is bounded by construction; the guard catches a broken peer. */
	for (guard = 0; guard < 2 * (c->desc.chunk_count + l->scan.nwindows) + 4; guard++) {
		switch (rmem_scan_next(&l->scan, l->words, &pick)) {
		case RMEM_SCAN_READ:
			len = l->scan.win.len;
			ret = rmem_conn_meta_read(c, rmem_owner_off(c, l->scan.win.first), len * 8);
			if (ret) {
				l->scan_started = false;
				return ret;
			}
			memcpy(l->words, c->buf, len * 8);
			rmem_scan_loaded(&l->scan);
			break;
		case RMEM_SCAN_TRY:
			ret = rmem_conn_meta_cas(c, rmem_owner_off(c, pick), RMEM_OWNER_FREE, word,
						 &old);
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
			break;
		default:
			return -ENOSPC;
		}
	}
	return -EIO;
}

int rmem_alloc_free(struct rmem_conn *c, struct rmem_lease *l, u64 chunk, u64 owner)
{
	u64 old;
	int ret;

	if (!l->held)
		return -EKEYEXPIRED;
	if (chunk >= c->desc.chunk_count || !rmem_owner_is(owner, l->slot, (u32)l->generation))
		return -EINVAL;
	ret = rmem_conn_meta_cas(c, rmem_owner_off(c, chunk), owner, RMEM_OWNER_FREE, &old);
	if (ret)
		return ret;
	if (old != owner)
		return -EPERM;
	/* Keep the window cache truthful: the next alloc may reuse the word. */
	if (l->scan_started && l->scan.loaded && chunk >= l->scan.win.first &&
	    chunk - l->scan.win.first < l->scan.win.len)
		l->words[chunk - l->scan.win.first] = cpu_to_le64(RMEM_OWNER_FREE);
	return 0;
}

#define RMEM_WORDS_PER_READ (RMEM_CONN_BUF / 8)

int rmem_alloc_walk(struct rmem_conn *c, int (*fn)(void *arg, u64 chunk, u64 word), void *arg)
{
	u64 first, n, i;
	__le64 *copy;
	int ret = 0;

	/* fn may CAS, which reuses the connection: walk a copy of each piece. */
	copy = kvmalloc(RMEM_CONN_BUF, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	for (first = 0; first < c->desc.chunk_count && !ret; first += n) {
		n = min_t(u64, c->desc.chunk_count - first, RMEM_WORDS_PER_READ);
		ret = rmem_conn_meta_read(c, rmem_owner_off(c, first), n * 8);
		if (ret)
			break;
		memcpy(copy, c->buf, n * 8);
		for (i = 0; i < n && !ret; i++) {
			u64 w = le64_to_cpu(copy[i]);

			if (w != RMEM_OWNER_FREE)
				ret = fn(arg, first + i, w);
		}
		cond_resched();
	}
	kvfree(copy);
	return ret;
}

struct rmem_detach_ctx {
	struct rmem_conn *c;
	u32 slot;
	u64 freed;
};

static int rmem_detach_one(void *arg, u64 chunk, u64 word)
{
	struct rmem_detach_ctx *x = arg;
	u64 old;
	int ret;

	/* Any generation: the slot is RECLAIMING, no one else may hold its words. */
	if (!rmem_owner_in_slot(word, x->slot))
		return 0;
	ret = rmem_conn_meta_cas(x->c, rmem_owner_off(x->c, chunk), word, RMEM_OWNER_FREE, &old);
	if (!ret && old == word)
		x->freed++;
	return ret;
}

int rmem_alloc_detach(struct rmem_conn *c, struct rmem_lease *l, u32 slot, u64 *freed)
{
	struct rmem_detach_ctx x = { .c = c, .slot = slot };
	const struct rmem_wire_slot *s = (const void *)c->buf;
	u64 old, gen;
	int ret;

	*freed = 0;
	if (slot >= c->desc.slot_count)
		return -EINVAL;
	/* The donor reaper's order: fence the slot, bump, free, release. */
	ret = rmem_conn_meta_cas(c, rmem_slot_off(c, slot), l->device_id, RMEM_DEVICE_RECLAIMING,
				 &old);
	if (ret)
		return ret;
	if (old != l->device_id)
		return -EKEYEXPIRED;
	l->held = false;
	l->scan_started = false;
	ret = rmem_read_slots(c, slot, 1);
	if (ret)
		return ret;
	gen = le64_to_cpu(s->generation);
	ret = rmem_conn_meta_cas(c, rmem_slot_off(c, slot) + 8, gen, gen + 1, &old);
	if (ret)
		return ret;
	ret = rmem_alloc_walk(c, rmem_detach_one, &x);
	*freed = x.freed;
	if (ret)
		return ret;
	return rmem_conn_meta_cas(c, rmem_slot_off(c, slot), RMEM_DEVICE_RECLAIMING,
				  RMEM_DEVICE_NONE, &old);
}
