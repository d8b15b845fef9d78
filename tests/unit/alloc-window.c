// SPDX-License-Identifier: GPL-2.0
/*
 * The allocation scan: the window pick must return only free words, the
 * windows of one scan must cover the table exactly once, and the scan state
 * machine, driven against a simulated owner table by several allocators
 * with stale views of it, must hand out every chunk exactly once and report
 * ENOSPC only when the table is full.
 */
#include "rmem_test.h"
#include "rmem_proto.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

RMEM_CASE(pick_only_free_words)
{
	__le64 w[64];
	uint32_t len, start, i, nfree;
	int it, idx;

	for (it = 0; it < 100000; it++) {
		len = 1 + (uint32_t)(rng() % 64);
		nfree = 0;
		for (i = 0; i < len; i++) {
			/* Mostly used, sometimes free: the interesting case. */
			w[i] = cpu_to_le64(rng() % 4 ? rng() | 1 : 0);
			nfree += w[i] == 0;
		}
		start = (uint32_t)(rng() % (len + 2));	/* includes out-of-range starts */
		idx = rmem_window_pick(w, len, start);
		if (nfree == 0) {
			CHECK_EQ(idx, -1);
		} else {
			CHECK(idx >= 0 && (uint32_t)idx < len);
			if (idx >= 0 && (uint32_t)idx < len)
				CHECK_EQ(le64_to_cpu(w[idx]), 0);
		}
		if (rmem_case_failures)
			return;
	}
}

RMEM_CASE(pick_starts_at_start_and_wraps)
{
	__le64 w[8];
	int i;

	memset(w, 0, sizeof(w));
	CHECK_EQ(rmem_window_pick(w, 8, 5), 5);
	for (i = 0; i < 8; i++)
		w[i] = cpu_to_le64(1);
	w[2] = 0;
	CHECK_EQ(rmem_window_pick(w, 8, 5), 2);	/* wrapped */
	CHECK_EQ(rmem_window_pick(w, 8, 2), 2);
	CHECK_EQ(rmem_window_pick(w, 8, 3), 2);
	w[2] = cpu_to_le64(~0ull);
	CHECK_EQ(rmem_window_pick(w, 8, 0), -1);
	CHECK_EQ(rmem_window_pick(w, 0, 0), -1);
}

RMEM_CASE(windows_cover_table_once)
{
	static const uint64_t counts[] = { 1, 2, 63, 64, 65, 127, 1000, 4096, 4097 };
	static const uint32_t ws[] = { 1, 7, 64, 4096 };
	size_t a, b;

	for (a = 0; a < RMEM_ARRAY_SIZE(counts); a++)
		for (b = 0; b < RMEM_ARRAY_SIZE(ws); b++) {
			uint64_t n = counts[a], nwin = rmem_window_count(n, ws[b]), s, i;
			uint8_t *seen = calloc(n, 1);
			uint64_t hash = rng();
			uint64_t base = rmem_window_first(hash, n, ws[b]);
			struct rmem_window win;

			CHECK_EQ(nwin, (n + ws[b] - 1) / ws[b]);
			for (s = 0; s < nwin; s++) {
				rmem_window_get(base, n, ws[b], s, hash, &win);
				CHECK(win.len >= 1 && win.len <= ws[b]);
				CHECK(win.start < win.len);
				CHECK(win.first + win.len <= n);
				CHECK_EQ(win.first % ws[b], 0);
				for (i = 0; i < win.len; i++)
					seen[win.first + i]++;
			}
			for (i = 0; i < n; i++)
				CHECK_EQ(seen[i], 1);
			free(seen);
		}
}

RMEM_CASE(hash_spreads_devices)
{
	uint8_t used[64] = { 0 };
	unsigned int distinct = 0, d;
	struct rmem_window win;

	/* 200 devices' first windows over a 64-window table hit most windows. */
	for (d = 1; d <= 200; d++) {
		rmem_window_get(rmem_window_first(rmem_hash(d, 0), 64 * 64, 64), 64 * 64, 64, 0,
				rmem_hash(d, 0), &win);
		if (!used[win.first / 64]++)
			distinct++;
	}
	CHECK(distinct > 48);
	CHECK(rmem_hash(1, 0) != rmem_hash(1, 1));
	CHECK(rmem_hash(1, 0) != rmem_hash(2, 0));
}

/* ----------------------------------------------------- simulated donor */

struct sim_alloc {
	struct rmem_alloc_scan scan;
	bool started;
	__le64 words[RMEM_WINDOW_WORDS_MAX];
	uint32_t slot;
	uint64_t device;
	uint64_t reads, cas, got;
};

/*
 * Runs one rmem_scan_next() step of @a against @table.  Returns 1 when an
 * allocation finished (chunk in *chunk), -1 for FULL, 0 to continue.
 */
static int sim_step(struct sim_alloc *a, uint64_t *table, uint64_t vchunk, uint64_t *chunk)
{
	uint64_t owner = rmem_owner_encode(a->slot, 0, vchunk), old, i;

	switch (rmem_scan_next(&a->scan, a->words, chunk)) {
	case RMEM_SCAN_READ:
		for (i = 0; i < a->scan.win.len; i++)
			a->words[i] = cpu_to_le64(table[a->scan.win.first + i]);
		rmem_scan_loaded(&a->scan);
		a->reads++;
		return 0;
	case RMEM_SCAN_TRY:
		old = table[*chunk];
		if (old == 0)
			table[*chunk] = owner;	/* the CAS */
		a->cas++;
		rmem_scan_seen(&a->scan, a->words, *chunk, old ? old : owner);
		if (!old) {
			a->got++;
			return 1;
		}
		return 0;
	default:
		return -1;
	}
}

static void sim_begin(struct sim_alloc *a, uint64_t count, uint32_t w, uint64_t vchunk)
{
	uint64_t hash = rmem_hash(a->device, vchunk);

	if (a->started) {
		rmem_scan_keep(&a->scan, hash);
	} else {
		rmem_scan_begin(&a->scan, count, w, hash);
		a->started = true;
	}
}

RMEM_CASE(single_allocator_fills_table)
{
	static const uint64_t counts[] = { 1, 5, 63, 64, 65, 200, 1000 };
	size_t k;

	for (k = 0; k < RMEM_ARRAY_SIZE(counts); k++) {
		uint64_t n = counts[k], *table = calloc(n, 8), v, chunk = 0, i;
		struct sim_alloc *a = calloc(1, sizeof(*a));
		int r;

		a->slot = 3;
		a->device = 77;
		for (v = 0; v <= n; v++) {
			sim_begin(a, n, 64, v);
			while (!(r = sim_step(a, table, v, &chunk)))
				;
			if (v < n) {
				CHECK_EQ(r, 1);
				CHECK_EQ(table[chunk], rmem_owner_encode(3, 0, v));
			} else {
				CHECK_EQ(r, -1);	/* ENOSPC exactly when full */
			}
		}
		for (i = 0; i < n; i++)
			CHECK(table[i] != 0);
		/* Window cache: two READs per window (re-read when dry), plus the final full scan. */
		CHECK(a->reads <= 3 * rmem_window_count(n, 64) + 2);
		/* Alone, every CAS wins. */
		CHECK_EQ(a->cas, n);
		free(a);
		free(table);
	}
}

RMEM_CASE(free_then_alloc_reuses_cached_window)
{
	uint64_t table[64] = { 0 }, chunk = 0, first = 0;
	struct sim_alloc a = { .slot = 0, .device = 5 };
	int r;

	sim_begin(&a, 64, 64, 0);
	while (!(r = sim_step(&a, table, 0, &chunk)))
		;
	first = chunk;
	CHECK_EQ(a.reads, 1);
	/* Free it in the table and in the cache, as rmemc_free() does. */
	table[first] = 0;
	a.words[first - a.scan.win.first] = 0;
	sim_begin(&a, 64, 64, 1);
	while (!(r = sim_step(&a, table, 1, &chunk)))
		;
	CHECK_EQ(r, 1);
	CHECK_EQ(a.reads, 1);	/* no new READ */
}

/*
 * Several allocators with their own (stale) window copies, stepped in a
 * random interleaving: the "CAS" is the only arbiter, as on a donor.
 */
RMEM_CASE(concurrent_allocators_exactly_once)
{
	static const uint64_t counts[] = { 63, 64, 65, 300, 1024 };
	static const uint32_t wwords[] = { 1, 8, 64 };
	size_t k, m;

	for (k = 0; k < RMEM_ARRAY_SIZE(counts); k++)
		for (m = 0; m < RMEM_ARRAY_SIZE(wwords); m++) {
			enum { NA = 8 };
			uint64_t n = counts[k], *table = calloc(n, 8), i, total = 0;
			struct sim_alloc *a = calloc(NA, sizeof(*a));
			uint64_t vnext[NA] = { 0 }, chunk;
			bool full[NA] = { false }, busy[NA] = { false };
			unsigned int nfull = 0, j;
			uint32_t *count_by_slot = calloc(NA, sizeof(uint32_t));
			uint64_t steps = 0;

			for (j = 0; j < NA; j++) {
				a[j].slot = j;
				a[j].device = 1000 + j;
			}
			while (nfull < NA && steps++ < 100000000ull) {
				int r;

				j = (unsigned int)(rng() % NA);
				if (full[j])
					continue;
				if (!busy[j]) {
					sim_begin(&a[j], n, wwords[m], vnext[j]);
					busy[j] = true;
				}
				r = sim_step(&a[j], table, vnext[j], &chunk);
				if (r == 1) {
					vnext[j]++;
					busy[j] = false;
				} else if (r == -1) {
					full[j] = true;
					nfull++;
				}
			}
			CHECK_EQ(nfull, NA);
			/* Every chunk owned exactly once, by a valid (slot, vchunk). */
			for (i = 0; i < n; i++) {
				struct rmem_owner o;

				CHECK_EQ(rmem_owner_decode(table[i], &o), 0);
				if (o.slot < NA)
					count_by_slot[o.slot]++;
			}
			for (j = 0; j < NA; j++) {
				CHECK_EQ(count_by_slot[j], a[j].got);
				CHECK_EQ(vnext[j], a[j].got);
				total += a[j].got;
			}
			CHECK_EQ(total, n);
			free(count_by_slot);
			free(a);
			free(table);
		}
}

RMEM_CASE(scan_handles_degenerate_inputs)
{
	struct rmem_alloc_scan s;
	__le64 buf[4] = { 0 };
	uint64_t chunk;

	rmem_scan_begin(&s, 0, 64, 1);
	CHECK_EQ(rmem_scan_next(&s, buf, &chunk), RMEM_SCAN_FULL);
	rmem_scan_begin(&s, 1, 0, 1);	/* window 0 treated as 1 */
	CHECK_EQ(rmem_scan_next(&s, buf, &chunk), RMEM_SCAN_READ);
	rmem_scan_loaded(&s);
	CHECK_EQ(rmem_scan_next(&s, buf, &chunk), RMEM_SCAN_TRY);
	CHECK_EQ(chunk, 0);
	/* A peer that claims a failed CAS found 0 still makes progress. */
	rmem_scan_seen(&s, buf, 0, 0);
	CHECK(buf[0] != 0);
	CHECK_EQ(rmem_scan_next(&s, buf, &chunk), RMEM_SCAN_FULL);
	/* Out-of-window chunks are ignored. */
	rmem_scan_seen(&s, buf, 99, 5);
}

RMEM_TEST_MAIN(RMEM_REF(pick_only_free_words), RMEM_REF(pick_starts_at_start_and_wraps),
	       RMEM_REF(windows_cover_table_once), RMEM_REF(hash_spreads_devices),
	       RMEM_REF(single_allocator_fills_table),
	       RMEM_REF(free_then_alloc_reuses_cached_window),
	       RMEM_REF(concurrent_allocators_exactly_once),
	       RMEM_REF(scan_handles_degenerate_inputs))
