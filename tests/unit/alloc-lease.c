// SPDX-License-Identifier: GPL-2.0
/*
 * The allocator protocol (include/rmem_alloc.h) that vhost_rmem, the client
 * library and the reaper all run, driven over a fake donor: a metadata
 * region in memory behind a struct rmem_alloc_ops, with knobs that fail the
 * Nth read, CAS or lease write, or let "another host" win the Nth CAS.
 */
#include "rmem_test.h"
#include "rmem_alloc.h"

#define SLOTS 20u
#define CHUNKS 100u	/* not a multiple of the window: the last one is short */
#define WINDOW 16u
#define META_LEN (3 * 4096 + 4096)

struct fake {
	struct rmem_desc desc;
	uint8_t mem[META_LEN] __attribute__((aligned(8)));
	unsigned int reads, cases, writes;	/* ops so far */
	unsigned int fail_read;		/* the read with this number (1-based) fails */
	unsigned int fail_cas;
	unsigned int fail_write;
	unsigned int conflict_cas;	/* before this CAS runs, another host stores: */
	uint64_t conflict_value;
	unsigned int clears;
	unsigned int fail_clear;	/* the clear with this number fails */
	uint8_t dirty[CHUNKS];		/* data written since the chunk was last cleared */
};

/* The protocol promises aligned whole words inside the metadata. */
static int fake_range(uint64_t off, uint32_t len)
{
	CHECK(!((off | len) & 7));
	CHECK(len > 0);
	CHECK(off <= META_LEN && len <= META_LEN - off);
	return ((off | len) & 7) || off > META_LEN || len > META_LEN - off ? -EFAULT : 0;
}

static int fake_read(void *ctx, u64 off, void *buf, u32 len)
{
	struct fake *f = ctx;

	if (++f->reads == f->fail_read)
		return -EIO;
	if (fake_range(off, len))
		return -EFAULT;
	memcpy(buf, f->mem + off, len);
	return 0;
}

static uint64_t word_at(const struct fake *f, uint64_t off)
{
	__le64 w;

	memcpy(&w, f->mem + off, 8);
	return le64_to_cpu(w);
}

static void word_set(struct fake *f, uint64_t off, uint64_t v)
{
	__le64 w = cpu_to_le64(v);

	memcpy(f->mem + off, &w, 8);
}

static int fake_cas(void *ctx, u64 off, u64 expect, u64 swap, u64 *old)
{
	struct fake *f = ctx;

	if (++f->cases == f->fail_cas)
		return -ETIMEDOUT;
	if (fake_range(off, 8))
		return -EFAULT;
	if (f->cases == f->conflict_cas)
		word_set(f, off, f->conflict_value);
	*old = word_at(f, off);
	if (*old == expect)
		word_set(f, off, swap);
	return 0;
}

static int fake_write(void *ctx, u64 off, const void *buf, u32 len)
{
	struct fake *f = ctx;

	if (++f->writes == f->fail_write)
		return -EIO;
	if (fake_range(off, len))
		return -EFAULT;
	/* Hosts may WRITE the lease table only (the lease MR). */
	CHECK(off >= f->desc.lease_off && off + len <= f->desc.lease_off + SLOTS * 8);
	memcpy(f->mem + off, buf, len);
	return 0;
}

static int fake_clear(void *ctx, u64 chunk)
{
	struct fake *f = ctx;

	if (++f->clears == f->fail_clear)
		return -EIO;
	CHECK(chunk < CHUNKS);
	/* Cleared only while its word is CLEARING: held, by the freer alone. */
	CHECK((word_at(f, rmem_owner_off(&f->desc, chunk)) & RMEM_VCHUNK_MAX) ==
	      RMEM_VCHUNK_CLEARING);
	f->dirty[chunk] = 0;
	return 0;
}

static const struct rmem_alloc_ops fake_ops = {
	.meta_read = fake_read,
	.meta_cas = fake_cas,
	.lease_write = fake_write,
	.chunk_clear = fake_clear,
};

static struct fake *fake_new(struct rmem_alloc_donor *dn)
{
	struct fake *f = calloc(1, sizeof(*f));

	if (!f)
		abort();
	f->desc.slot_count = SLOTS;
	f->desc.chunk_count = CHUNKS;
	f->desc.window_words = WINDOW;
	f->desc.meta_len = META_LEN;
	f->desc.slot_off = 4096;
	f->desc.lease_off = 2 * 4096;
	f->desc.owner_off = 3 * 4096;
	dn->ops = &fake_ops;
	dn->ctx = f;
	dn->desc = &f->desc;
	return f;
}

static uint64_t slot_dev(const struct fake *f, uint32_t s)
{
	return word_at(f, rmem_slot_off(&f->desc, s));
}

static uint64_t slot_gen(const struct fake *f, uint32_t s)
{
	return word_at(f, rmem_slot_off(&f->desc, s) + 8);
}

static void slot_set(struct fake *f, uint32_t s, uint64_t dev, uint64_t gen)
{
	word_set(f, rmem_slot_off(&f->desc, s), dev);
	word_set(f, rmem_slot_off(&f->desc, s) + 8, gen);
}

static uint64_t lease_ctr(const struct fake *f, uint32_t s)
{
	return word_at(f, rmem_lease_word_off(&f->desc, s));
}

static uint64_t owner(const struct fake *f, uint64_t chunk)
{
	return word_at(f, rmem_owner_off(&f->desc, chunk));
}

static void owner_set(struct fake *f, uint64_t chunk, uint64_t v)
{
	word_set(f, rmem_owner_off(&f->desc, chunk), v);
}

/* A lease with a window buffer of @words words (8 slots per find READ at 16). */
static struct rmem_lease *lease_new(uint64_t device_id, uint32_t words)
{
	struct rmem_lease *l = calloc(1, sizeof(*l));

	if (!l)
		abort();
	l->device_id = device_id;
	l->words_len = words;
	l->words = calloc(words, 8);
	if (!l->words)
		abort();
	return l;
}

static void lease_free(struct rmem_lease *l)
{
	free(l->words);
	free(l);
}

static uint32_t home_slot(uint64_t id)
{
	return (uint32_t)(rmem_mix64(id) % SLOTS);
}

/* ----------------------------------------------------------- slots */

RMEM_CASE(claim_fresh_slot)
{
	struct rmem_alloc_donor dn;
	struct fake *f = fake_new(&dn);
	struct rmem_lease *l = lease_new(0x1234, WINDOW);
	uint32_t s = home_slot(0x1234);

	slot_set(f, s, RMEM_DEVICE_NONE, 5);	/* a previous tenant left generation 5 */
	CHECK_EQ(rmem_lease_claim(&dn, l), 0);
	CHECK(l->held);
	CHECK_EQ(l->slot, s);
	CHECK_EQ(slot_dev(f, s), 0x1234);
	CHECK_EQ(l->generation, 5);
	/* Claimed, then renewed at once: the counter moved. */
	CHECK_EQ(lease_ctr(f, s), 1);
	CHECK_EQ(l->counter, 1);
	CHECK_EQ(f->cases, 1);
	lease_free(l);
	free(f);
}

/* Claims the first free slot in hash order, across READ pieces and the wrap. */
RMEM_CASE(claim_first_free_in_hash_order)
{
	uint64_t id, rng = 0x9e3779b97f4a7c15ull;
	uint32_t s, i, want;

	for (id = 1; id < 400; id++) {
		struct rmem_alloc_donor dn;
		struct fake *f = fake_new(&dn);
		struct rmem_lease *l = lease_new(id, 4);	/* 2 slots per READ */
		bool any = false;

		for (s = 0; s < SLOTS; s++) {
			rng ^= rng << 13;
			rng ^= rng >> 7;
			rng ^= rng << 17;
			if (rng % 3)
				slot_set(f, s, 0xfeed0000 + s, 0);
		}
		want = SLOTS;
		for (i = 0; i < SLOTS && !any; i++) {
			want = (home_slot(id) + i) % SLOTS;
			any = slot_dev(f, want) == RMEM_DEVICE_NONE;
		}
		if (any) {
			CHECK_EQ(rmem_lease_claim(&dn, l), 0);
			CHECK_EQ(l->slot, want);
			CHECK_EQ(slot_dev(f, want), id);
		} else {
			CHECK_EQ(rmem_lease_claim(&dn, l), -ENOSPC);
		}
		lease_free(l);
		free(f);
	}
}

/* Another host takes the slot between our READ and our CAS: take the next. */
RMEM_CASE(claim_cas_conflict_moves_on)
{
	struct rmem_alloc_donor dn;
	struct fake *f = fake_new(&dn);
	struct rmem_lease *l = lease_new(0x77, WINDOW);
	uint32_t s = home_slot(0x77);

	f->conflict_cas = 1;
	f->conflict_value = 0x99;
	CHECK_EQ(rmem_lease_claim(&dn, l), 0);
	CHECK_EQ(slot_dev(f, s), 0x99);
	CHECK_EQ(l->slot, (s + 1) % SLOTS);
	CHECK_EQ(slot_dev(f, l->slot), 0x77);
	CHECK_EQ(f->cases, 2);
	lease_free(l);
	free(f);
}

RMEM_CASE(claim_full_table)
{
	struct rmem_alloc_donor dn;
	struct fake *f = fake_new(&dn);
	struct rmem_lease *l = lease_new(0x5, WINDOW);
	uint32_t s;

	for (s = 0; s < SLOTS; s++)
		slot_set(f, s, s == 3 ? RMEM_DEVICE_RECLAIMING : 0x100 + s, 0);
	CHECK_EQ(rmem_lease_claim(&dn, l), -ENOSPC);
	CHECK(!l->held);
	CHECK_EQ(f->cases, 0);	/* the READs showed nothing free: no CAS wasted */
	/* A failing READ is the op's error, not "full". */
	f->fail_read = f->reads + 1;
	CHECK_EQ(rmem_lease_claim(&dn, l), -EIO);
	/* Reserved ids are refused before touching the table. */
	l->device_id = RMEM_DEVICE_RECLAIMING;
	CHECK_EQ(rmem_lease_claim(&dn, l), -EINVAL);
	lease_free(l);
	free(f);
}

RMEM_CASE(find_and_adopt)
{
	struct rmem_alloc_donor dn;
	struct fake *f = fake_new(&dn);
	struct rmem_lease *l = lease_new(0xabc, WINDOW);
	uint32_t slot = 99;

	CHECK_EQ(rmem_lease_find(&dn, l, &slot), -ENOENT);
	slot_set(f, 13, 0xabc, 7);	/* beyond the first READ piece (8 slots) */
	word_set(f, rmem_lease_word_off(&f->desc, 13), 41);
	CHECK_EQ(rmem_lease_find(&dn, l, &slot), 0);
	CHECK_EQ(slot, 13);
	CHECK_EQ(rmem_lease_adopt(&dn, l, slot), 0);
	CHECK(l->held);
	CHECK_EQ(l->generation, 7);
	CHECK_EQ(l->counter, 42);
	CHECK_EQ(lease_ctr(f, 13), 42);
	CHECK_EQ(f->cases, 0);	/* adoption needs no CAS */
	CHECK_EQ(rmem_lease_adopt(&dn, l, SLOTS), -EINVAL);
	lease_free(l);
	free(f);
}

RMEM_CASE(adopt_slot_that_changed_hands)
{
	struct rmem_alloc_donor dn;
	struct fake *f = fake_new(&dn);
	struct rmem_lease *l = lease_new(0xabc, WINDOW);

	slot_set(f, 2, 0xdef, 1);
	CHECK_EQ(rmem_lease_adopt(&dn, l, 2), -EAGAIN);
	CHECK(!l->held);
	CHECK_EQ(f->writes, 0);
	lease_free(l);
	free(f);
}

/* ----------------------------------------------------------- leases */

RMEM_CASE(renew_detects_lost_lease)
{
	struct rmem_alloc_donor dn;
	struct fake *f = fake_new(&dn);
	struct rmem_lease *l = lease_new(0x42, WINDOW), *again = lease_new(0x42, WINDOW);
	uint64_t chunk, word, freed, old;
	uint32_t s;

	CHECK_EQ(rmem_lease_claim(&dn, l), 0);
	s = l->slot;
	CHECK_EQ(rmem_lease_extend(&dn, l), 0);
	CHECK_EQ(lease_ctr(f, s), 2);
	CHECK_EQ(rmem_lease_alloc(&dn, l, 0, &chunk, &word), 0);

	/* The reaper reclaims it (same code, other caller). */
	CHECK_EQ(rmem_slot_reclaim(&dn, s, 0x42, again->words, again->words_len, &freed), 0);
	CHECK_EQ(freed, 1);
	CHECK_EQ(rmem_lease_extend(&dn, l), -EKEYEXPIRED);
	CHECK(!l->held);
	CHECK_EQ(l->seen_device_id, RMEM_DEVICE_NONE);
	CHECK_EQ(l->seen_generation, 1);
	CHECK_EQ(rmem_lease_alloc(&dn, l, 1, &chunk, &word), -EKEYEXPIRED);
	CHECK_EQ(rmem_lease_free(&dn, l, chunk, word, &old), -EKEYEXPIRED);
	CHECK_EQ(rmem_lease_extend(&dn, l), -EKEYEXPIRED);

	/* Same id claims the slot again: the generation tells the tenants apart. */
	CHECK_EQ(rmem_lease_claim(&dn, again), 0);
	CHECK_EQ(again->slot, s);
	CHECK_EQ(again->generation, 1);
	l->held = true;	/* a partitioned host that never noticed */
	CHECK_EQ(rmem_lease_extend(&dn, l), -EKEYEXPIRED);
	CHECK_EQ(l->seen_device_id, 0x42);
	CHECK_EQ(l->seen_generation, 1);
	lease_free(again);
	lease_free(l);
	free(f);
}

RMEM_CASE(renew_write_failure)
{
	struct rmem_alloc_donor dn;
	struct fake *f = fake_new(&dn);
	struct rmem_lease *l = lease_new(0x42, WINDOW);

	CHECK_EQ(rmem_lease_claim(&dn, l), 0);
	f->fail_write = f->writes + 1;
	CHECK_EQ(rmem_lease_extend(&dn, l), -EIO);
	CHECK_EQ(l->counter, 1);	/* only a landed WRITE counts */
	CHECK(l->held);
	CHECK_EQ(rmem_lease_extend(&dn, l), 0);
	CHECK_EQ(lease_ctr(f, l->slot), 2);
	lease_free(l);
	free(f);
}

/* ----------------------------------------------------------- chunks */

RMEM_CASE(alloc_until_enospc)
{
	struct rmem_alloc_donor dn;
	struct fake *f = fake_new(&dn);
	struct rmem_lease *l = lease_new(0x42, WINDOW);
	uint64_t chunk, word, v, c, foreign = rmem_owner_encode(SLOTS - 1, 0, 9);
	static bool seen[CHUNKS];
	uint64_t nwin = (CHUNKS + WINDOW - 1) / WINDOW;

	for (c = 0; c < CHUNKS; c += 7)
		owner_set(f, c, foreign);	/* another device's chunks */
	CHECK_EQ(rmem_lease_claim(&dn, l), 0);
	for (v = 0;; v++) {
		int ret = rmem_lease_alloc(&dn, l, v, &chunk, &word);

		if (ret) {
			CHECK_EQ(ret, -ENOSPC);
			break;
		}
		CHECK(chunk < CHUNKS);
		CHECK(!seen[chunk]);
		seen[chunk] = true;
		CHECK_EQ(word, rmem_owner_encode(l->slot, (uint32_t)l->generation, v));
		CHECK_EQ(owner(f, chunk), word);
	}
	CHECK_EQ(v, CHUNKS - (CHUNKS + 6) / 7);
	for (c = 0; c < CHUNKS; c++)
		CHECK(owner(f, c) != RMEM_OWNER_FREE);
	/* One CAS per chunk; READs: each window about twice, plus the last full pass. */
	CHECK_EQ(l->cas_conflicts, 0);
	CHECK(l->window_reads <= 3 * nwin + 2);
	/* Still full, still reported after a fresh read of every window. */
	CHECK_EQ(rmem_lease_alloc(&dn, l, v, &chunk, &word), -ENOSPC);
	lease_free(l);
	free(f);
}

RMEM_CASE(alloc_cas_conflict_costs_no_read)
{
	struct rmem_alloc_donor dn;
	struct fake *f = fake_new(&dn);
	struct rmem_lease *l = lease_new(0x42, WINDOW);
	uint64_t chunk, word, foreign = rmem_owner_encode(SLOTS - 1, 3, 1);
	uint64_t c, taken = CHUNKS;

	CHECK_EQ(rmem_lease_claim(&dn, l), 0);
	f->conflict_cas = f->cases + 1;
	f->conflict_value = foreign;
	CHECK_EQ(rmem_lease_alloc(&dn, l, 5, &chunk, &word), 0);
	CHECK_EQ(l->cas_conflicts, 1);
	CHECK_EQ(l->window_reads, 1);
	for (c = 0; c < CHUNKS; c++)
		if (owner(f, c) == foreign)
			taken = c;
	CHECK(taken < CHUNKS);
	CHECK(taken != chunk);
	CHECK_EQ(owner(f, chunk), word);
	lease_free(l);
	free(f);
}

RMEM_CASE(alloc_op_failures)
{
	struct rmem_alloc_donor dn;
	struct fake *f = fake_new(&dn);
	struct rmem_lease *l = lease_new(0x42, WINDOW);
	uint64_t chunk, word;

	CHECK_EQ(rmem_lease_claim(&dn, l), 0);
	f->fail_read = f->reads + 1;
	CHECK_EQ(rmem_lease_alloc(&dn, l, 0, &chunk, &word), -EIO);
	CHECK(!l->scan_started);
	f->fail_cas = f->cases + 1;
	CHECK_EQ(rmem_lease_alloc(&dn, l, 0, &chunk, &word), -ETIMEDOUT);
	CHECK(!l->scan_started);
	CHECK_EQ(rmem_lease_alloc(&dn, l, 0, &chunk, &word), 0);
	CHECK_EQ(owner(f, chunk), word);
	CHECK_EQ(rmem_lease_alloc(&dn, l, RMEM_VCHUNK_MAX + 1, &chunk, &word), -EINVAL);
	f->desc.window_words = WINDOW * 2;	/* larger than the lease's buffer */
	CHECK_EQ(rmem_lease_alloc(&dn, l, 1, &chunk, &word), -EPROTO);
	lease_free(l);
	free(f);
}

RMEM_CASE(free_and_reuse)
{
	struct rmem_alloc_donor dn;
	struct fake *f = fake_new(&dn);
	struct rmem_lease *l = lease_new(0x42, WINDOW);
	uint64_t ch[3], ow[3], chunk, word, old, cases;
	int i;

	CHECK_EQ(rmem_lease_claim(&dn, l), 0);
	for (i = 0; i < 3; i++)
		CHECK_EQ(rmem_lease_alloc(&dn, l, (uint64_t)i, &ch[i], &ow[i]), 0);
	CHECK_EQ(rmem_lease_free(&dn, l, ch[1], ow[1], &old), 0);
	CHECK_EQ(old, ow[1]);
	CHECK_EQ(owner(f, ch[1]), RMEM_OWNER_FREE);
	CHECK_EQ(owner(f, ch[0]), ow[0]);
	/* Double free: the table says free, the error says so. */
	CHECK_EQ(rmem_lease_free(&dn, l, ch[1], ow[1], &old), -EPERM);
	CHECK_EQ(old, RMEM_OWNER_FREE);
	/* Another lease's word, or a chunk beyond the table: refused without a CAS. */
	cases = f->cases;
	CHECK_EQ(rmem_lease_free(&dn, l, ch[0], rmem_owner_encode(l->slot + 1, 0, 0), &old),
		 -EPERM);
	CHECK_EQ(rmem_lease_free(&dn, l, CHUNKS, ow[0], &old), -EINVAL);
	CHECK_EQ(f->cases, cases);
	CHECK_EQ(owner(f, ch[0]), ow[0]);
	/* The window cache learned the free word: the next alloc needs no READ. */
	CHECK_EQ(l->window_reads, 1);
	CHECK_EQ(l->words[ch[1] - l->scan.win.first], cpu_to_le64(RMEM_OWNER_FREE));
	CHECK_EQ(rmem_lease_alloc(&dn, l, 9, &chunk, &word), 0);
	CHECK_EQ(l->window_reads, 1);
	CHECK_EQ(owner(f, chunk), word);
	lease_free(l);
	free(f);
}

/*
 * Free chunks are zeros: a free marks the word CLEARING (the CAS proves it
 * ours), clears the chunk, then frees the word; a failed clear leaves it
 * CLEARING, for the reclaim to finish; a reclaim clears every chunk it
 * frees and no other.
 */
RMEM_CASE(free_and_reclaim_clear_chunks)
{
	struct rmem_alloc_donor dn;
	struct fake *f = fake_new(&dn);
	struct rmem_lease *a = lease_new(0xa, WINDOW), *b = lease_new(0xb, WINDOW);
	uint64_t ch[4], ow[4], bc, bw, old, freed;
	unsigned int clears;
	__le64 buf[WINDOW];
	int i;

	CHECK_EQ(rmem_lease_claim(&dn, a), 0);
	CHECK_EQ(rmem_lease_claim(&dn, b), 0);
	for (i = 0; i < 4; i++) {
		CHECK_EQ(rmem_lease_alloc(&dn, a, (uint64_t)i, &ch[i], &ow[i]), 0);
		f->dirty[ch[i]] = 1;
	}
	CHECK_EQ(rmem_lease_alloc(&dn, b, 0, &bc, &bw), 0);
	f->dirty[bc] = 1;
	CHECK_EQ(rmem_lease_free(&dn, a, ch[0], ow[0], &old), 0);
	CHECK_EQ(f->dirty[ch[0]], 0);
	CHECK_EQ(f->clears, 1);
	/* A failed clear: the chunk stays ours (CLEARING), dirty, not free... */
	f->fail_clear = f->clears + 1;
	CHECK_EQ(rmem_lease_free(&dn, a, ch[1], ow[1], &old), -EIO);
	CHECK_EQ(owner(f, ch[1]), rmem_owner_clearing(ow[1]));
	CHECK_EQ(f->dirty[ch[1]], 1);
	/* ...and freeing it again finishes the free. */
	CHECK_EQ(rmem_lease_free(&dn, a, ch[1], ow[1], &old), 0);
	CHECK_EQ(owner(f, ch[1]), RMEM_OWNER_FREE);
	CHECK_EQ(f->dirty[ch[1]], 0);
	/* Nobody allocates for the CLEARING vchunk. */
	CHECK_EQ(rmem_lease_alloc(&dn, a, RMEM_VCHUNK_CLEARING, &old, &freed), -EINVAL);
	/*
	 * A free of ch[2] cut short, then the slot reclaimed: the reclaim
	 * takes the word over under the slot's new generation, so the old
	 * tenant can finish nothing afterwards.
	 */
	f->fail_clear = f->clears + 1;
	CHECK_EQ(rmem_lease_free(&dn, a, ch[2], ow[2], &old), -EIO);
	CHECK_EQ(f->dirty[ch[2]], 1);
	/* A word that is not ours is neither cleared nor freed. */
	CHECK_EQ(rmem_lease_free(&dn, a, bc, bw, &old), -EPERM);
	CHECK_EQ(f->dirty[bc], 1);
	clears = f->clears;
	CHECK_EQ(rmem_slot_reclaim(&dn, a->slot, 0xa, buf, WINDOW, &freed), 0);
	CHECK_EQ(freed, 2);
	CHECK_EQ(f->clears, clears + 2);
	for (i = 1; i < 4; i++) {
		CHECK_EQ(owner(f, ch[i]), RMEM_OWNER_FREE);
		CHECK_EQ(f->dirty[ch[i]], 0);
	}
	CHECK_EQ(f->dirty[bc], 1);
	CHECK_EQ(owner(f, bc), bw);
	/* The old tenant's late attempt to finish ch[2]: refused, nothing cleared. */
	a->held = true;
	CHECK_EQ(rmem_lease_free(&dn, a, ch[2], ow[2], &old), -EPERM);
	CHECK_EQ(f->clears, clears + 2);
	lease_free(a);
	lease_free(b);
	free(f);
}

/* ----------------------------------------------------------- walk, detach */

struct walk_log {
	uint64_t n, last, fail_at;
};

static int walk_fn(void *arg, u64 chunk, u64 word)
{
	struct walk_log *w = arg;

	CHECK(word != RMEM_OWNER_FREE);
	CHECK(w->n == 0 || chunk > w->last);
	w->last = chunk;
	w->n++;
	return w->n == w->fail_at ? -ECANCELED : 0;
}

RMEM_CASE(walk_nonzero_words_in_pieces)
{
	struct rmem_alloc_donor dn;
	struct fake *f = fake_new(&dn);
	struct walk_log w = { 0 };
	__le64 buf[7];
	uint64_t c;

	for (c = 0; c < CHUNKS; c += 3)
		owner_set(f, c, rmem_owner_encode(1, 0, c));
	CHECK_EQ(rmem_owner_walk(&dn, buf, 7, walk_fn, &w), 0);
	CHECK_EQ(w.n, (CHUNKS + 2) / 3);
	CHECK_EQ(w.last, 99);
	CHECK_EQ(f->reads, (CHUNKS + 6) / 7);
	memset(&w, 0, sizeof(w));
	w.fail_at = 5;
	CHECK_EQ(rmem_owner_walk(&dn, buf, 7, walk_fn, &w), -ECANCELED);
	CHECK_EQ(w.n, 5);
	memset(&w, 0, sizeof(w));
	f->fail_read = f->reads + 3;
	CHECK_EQ(rmem_owner_walk(&dn, buf, 7, walk_fn, &w), -EIO);
	CHECK_EQ(rmem_owner_walk(&dn, buf, 0, walk_fn, &w), -EINVAL);
	free(f);
}

RMEM_CASE(detach_frees_only_our_slot)
{
	struct rmem_alloc_donor dn;
	struct fake *f = fake_new(&dn);
	struct rmem_lease *a = lease_new(0xa, WINDOW), *b = lease_new(0xb, WINDOW);
	uint64_t chunk, word, freed, c, bw[4], stale, orphan = CHUNKS, other = CHUNKS;
	__le64 buf[5];
	uint32_t s;
	int i;

	CHECK_EQ(rmem_lease_claim(&dn, a), 0);
	CHECK_EQ(rmem_lease_claim(&dn, b), 0);
	CHECK(a->slot != b->slot);
	s = a->slot;
	for (i = 0; i < 5; i++)
		CHECK_EQ(rmem_lease_alloc(&dn, a, (uint64_t)i, &chunk, &word), 0);
	for (i = 0; i < 4; i++)
		CHECK_EQ(rmem_lease_alloc(&dn, b, (uint64_t)i, &chunk, &bw[i]), 0);
	/* A late word of the slot's previous tenant, and an invalid word. */
	stale = rmem_owner_encode(s, (uint32_t)a->generation - 1, 77);
	for (c = 0; c < CHUNKS && (orphan == CHUNKS || other == CHUNKS); c++) {
		if (owner(f, c))
			continue;
		if (orphan == CHUNKS)
			orphan = c;
		else
			other = c;
	}
	owner_set(f, orphan, stale);
	owner_set(f, other, 0x00000000000000ffull);	/* slot field 0: invalid */

	CHECK_EQ(rmem_slot_reclaim(&dn, s, 0xa, buf, 5, &freed), 0);
	CHECK_EQ(freed, 6);	/* our 5 and the stale one: any generation of the slot */
	for (c = 0; c < CHUNKS; c++)
		CHECK(!rmem_owner_in_slot(owner(f, c), s));
	CHECK_EQ(owner(f, other), 0x00000000000000ffull);
	for (c = 0, i = 0; c < CHUNKS; c++)
		i += rmem_owner_is(owner(f, c), b->slot, (uint32_t)b->generation);
	CHECK_EQ(i, 4);
	CHECK_EQ(slot_dev(f, s), RMEM_DEVICE_NONE);
	CHECK_EQ(slot_dev(f, b->slot), 0xb);
	CHECK_EQ(rmem_lease_extend(&dn, b), 0);
	/* Not ours (any more): nothing is touched. */
	CHECK_EQ(rmem_slot_reclaim(&dn, s, 0xa, buf, 5, &freed), -EKEYEXPIRED);
	CHECK_EQ(rmem_slot_reclaim(&dn, b->slot, 0xa, buf, 5, &freed), -EKEYEXPIRED);
	CHECK_EQ(freed, 0);
	CHECK_EQ(slot_dev(f, b->slot), 0xb);
	CHECK_EQ(rmem_slot_reclaim(&dn, SLOTS, 0xa, buf, 5, &freed), -EINVAL);
	lease_free(a);
	lease_free(b);
	free(f);
}

/* A failing step leaves the slot fenced; the count says what was freed. */
RMEM_CASE(detach_op_failure)
{
	struct rmem_alloc_donor dn;
	struct fake *f = fake_new(&dn);
	struct rmem_lease *a = lease_new(0xa, WINDOW);
	uint64_t chunk, word, freed;
	__le64 buf[WINDOW];
	int i;

	CHECK_EQ(rmem_lease_claim(&dn, a), 0);
	for (i = 0; i < 3; i++)
		CHECK_EQ(rmem_lease_alloc(&dn, a, (uint64_t)i, &chunk, &word), 0);
	/*
	 * CASes: fence, bump, 2 per word (to CLEARING, to free), release.  A
	 * word that moves under the first word's clear (someone broke the
	 * rule) is not freed, and the sweep goes on; then fail the release.
	 */
	f->conflict_cas = f->cases + 4;
	f->conflict_value = 0x00000000000000ffull;
	f->fail_cas = f->cases + 9;
	CHECK_EQ(rmem_slot_reclaim(&dn, a->slot, 0xa, buf, WINDOW, &freed), -ETIMEDOUT);
	CHECK_EQ(freed, 2);
	CHECK_EQ(slot_dev(f, a->slot), RMEM_DEVICE_RECLAIMING);
	lease_free(a);
	free(f);
}

/*
 * The decision: step 2 bumps the generation READ under the fence, not one
 * the caller cached.  The slot was reclaimed by the reaper (gen g -> g + 1)
 * and claimed again by the same device id, and a holder with the old cached
 * g detaches: the device id matches, so the fence succeeds.
 */
RMEM_CASE(generation_bump_uses_value_read_under_fence)
{
	struct rmem_alloc_donor dn;
	struct fake *f = fake_new(&dn);
	struct rmem_lease *old_l = lease_new(0x42, WINDOW), *cur = lease_new(0x42, WINDOW);
	struct rmem_lease *next = lease_new(0x43, WINDOW);
	uint64_t chunk, late, freed, g, prev;
	__le64 buf[WINDOW];
	uint32_t s;

	CHECK_EQ(rmem_lease_claim(&dn, old_l), 0);
	s = old_l->slot;
	g = old_l->generation;
	CHECK_EQ(rmem_slot_reclaim(&dn, s, 0x42, buf, WINDOW, &freed), 0);	/* reaper */
	CHECK_EQ(rmem_lease_claim(&dn, cur), 0);
	CHECK_EQ(cur->slot, s);
	CHECK_EQ(cur->generation, g + 1);
	CHECK_EQ(rmem_lease_alloc(&dn, cur, 3, &chunk, &late), 0);

	/* What a CAS of the cached generation would do here: fail, no bump. */
	CHECK_EQ(fake_cas(f, rmem_slot_off(&f->desc, s) + 8, g, g + 1, &prev), 0);
	CHECK_EQ(prev, g + 1);
	CHECK_EQ(slot_gen(f, s), g + 1);

	CHECK_EQ(rmem_slot_reclaim(&dn, s, 0x42, buf, WINDOW, &freed), 0);
	CHECK_EQ(freed, 1);
	CHECK_EQ(slot_gen(f, s), g + 2);
	/* The next tenant (claim CAS, adopt) matches no previous tenant's words. */
	CHECK_EQ(fake_cas(f, rmem_slot_off(&f->desc, s), 0, 0x43, &prev), 0);
	CHECK_EQ(prev, RMEM_DEVICE_NONE);
	CHECK_EQ(rmem_lease_adopt(&dn, next, s), 0);
	CHECK(next->generation != g && next->generation != g + 1);
	CHECK(!rmem_owner_is(late, s, (uint32_t)next->generation));

	/*
	 * Someone broke the fence and moved the generation meanwhile: the
	 * sweep and the release still run, the generation is off ours.
	 */
	g = next->generation;
	f->conflict_cas = f->cases + 2;	/* fence, then the bump */
	f->conflict_value = g + 5;
	CHECK_EQ(rmem_slot_reclaim(&dn, s, 0x43, buf, WINDOW, &freed), 0);
	CHECK_EQ(slot_dev(f, s), RMEM_DEVICE_NONE);
	CHECK(slot_gen(f, s) != g);
	lease_free(old_l);
	lease_free(cur);
	lease_free(next);
	free(f);
}

/*
 * The fence keeps a late operation from landing after the reaper could act:
 * half the lease by default, earlier when operations may take long, and
 * none at all (refuse) when renewals could not keep the lease.
 */
RMEM_CASE(fence_point)
{
	u32 lease, op, f;

	CHECK_EQ(rmem_lease_fence_ms(30000, 5000), 15000);	/* the defaults */
	CHECK_EQ(rmem_lease_fence_ms(10000, 2100), 4800);	/* op bound moves it in */
	CHECK_EQ(rmem_lease_fence_ms(10000, 2500), 0);		/* a slow renewal would fence */
	CHECK_EQ(rmem_lease_fence_ms(10000, 3000), 0);		/* before the next renewal */
	CHECK_EQ(rmem_lease_fence_ms(3000, 500), 1500);
	CHECK_EQ(rmem_lease_fence_ms(3000, 5000), 0);		/* slower than the lease */
	CHECK_EQ(rmem_lease_fence_ms(10000, 5000), 0);
	CHECK_EQ(rmem_lease_fence_ms(1000, 100), 500);
	CHECK_EQ(rmem_lease_fence_ms(0, 0), 0);
	/*
	 * The invariant over a grid: fence + 2 op + lease/10 <= lease, and
	 * renewal interval + op < fence <= lease/2.
	 */
	for (lease = 1000; lease <= 3600000; lease = lease * 3 / 2)
		for (op = 100; op <= 60000; op = op * 2) {
			f = rmem_lease_fence_ms(lease, op);
			if (!f)
				continue;
			CHECK((u64)f + 2 * (u64)op + lease / 10 <= lease);
			CHECK(f > rmem_lease_renew_ms(lease) + op && f <= lease / 2);
		}
	/* What the host's refusal tells the operator to do always works. */
	for (lease = 1000; lease <= 3600000; lease = lease * 3 / 2)
		CHECK(rmem_lease_fence_ms(lease, lease / 5 - 1) > 0);
}

RMEM_TEST_MAIN(RMEM_REF(fence_point), RMEM_REF(claim_fresh_slot), RMEM_REF(claim_first_free_in_hash_order),
	       RMEM_REF(claim_cas_conflict_moves_on), RMEM_REF(claim_full_table),
	       RMEM_REF(find_and_adopt), RMEM_REF(adopt_slot_that_changed_hands),
	       RMEM_REF(renew_detects_lost_lease), RMEM_REF(renew_write_failure),
	       RMEM_REF(alloc_until_enospc), RMEM_REF(alloc_cas_conflict_costs_no_read),
	       RMEM_REF(alloc_op_failures), RMEM_REF(free_and_reuse),
	       RMEM_REF(free_and_reclaim_clear_chunks),
	       RMEM_REF(walk_nonzero_words_in_pieces), RMEM_REF(detach_frees_only_our_slot),
	       RMEM_REF(detach_op_failure),
	       RMEM_REF(generation_bump_uses_value_read_under_fence))
