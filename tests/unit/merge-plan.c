// SPDX-License-Identifier: GPL-2.0
/*
 * unit/merge-plan: which requests of a dispatch batch virtio_rmem sends as one
 * virtio request (guest-driver/virtio_virtio_rmem_merge.h), natively.
 */
#include "rmem_test.h"
#include "virtio_rmem_merge.h"

#define R VIRTIO_RMEM_MERGE_READ
#define W VIRTIO_RMEM_MERGE_WRITE
#define N VIRTIO_RMEM_MERGE_NONE

static const struct virtio_rmem_merge_limits lim = { .max_segs = 126, .max_sectors = 2048 };

/* Plans the whole batch; returns the number of runs, lengths in @len. */
static unsigned int plan_all(const struct virtio_rmem_merge_req *r, unsigned int n,
			     const struct virtio_rmem_merge_limits *l, unsigned int *len,
			     struct virtio_rmem_merge_run *runs)
{
	unsigned int i = 0, k = 0;

	while (i < n) {
		struct virtio_rmem_merge_run run;
		unsigned int c = virtio_rmem_merge_plan(r, n, i, l, &run);

		CHECK(c >= 1 && i + c <= n);
		CHECK_EQ(run.start, i);
		CHECK_EQ(run.count, c);
		if (len)
			len[k] = c;
		if (runs)
			runs[k] = run;
		k++;
		i += c;
	}
	return k;
}

RMEM_CASE(ascending_run_merges)
{
	struct virtio_rmem_merge_req r[] = {
		{ 0, 8, 1, W }, { 8, 8, 1, W }, { 16, 16, 2, W }, { 32, 8, 1, W },
	};
	struct virtio_rmem_merge_run run;

	CHECK_EQ(virtio_rmem_merge_plan(r, 4, 0, &lim, &run), 4);
	CHECK(!run.descending);
	CHECK_EQ(run.sector, 0);
	CHECK_EQ(run.nr_sectors, 40);
	CHECK_EQ(run.nr_segs, 5);
}

RMEM_CASE(descending_run_merges)
{
	/* 6.1 hands a plug's requests over newest first. */
	struct virtio_rmem_merge_req r[] = { { 24, 8, 1, R }, { 16, 8, 1, R }, { 8, 8, 1, R }, { 0, 8, 1, R } };
	struct virtio_rmem_merge_run run;

	CHECK_EQ(virtio_rmem_merge_plan(r, 4, 0, &lim, &run), 4);
	CHECK(run.descending);
	CHECK_EQ(run.sector, 0);
	CHECK_EQ(run.nr_sectors, 32);
}

RMEM_CASE(direction_fixed_by_second)
{
	/* 8, 16 ascending; then 0 would be adjacent at the start: not taken. */
	struct virtio_rmem_merge_req r[] = { { 8, 8, 1, W }, { 16, 8, 1, W }, { 0, 8, 1, W } };
	unsigned int len[3];

	CHECK_EQ(plan_all(r, 3, &lim, len, NULL), 2);
	CHECK_EQ(len[0], 2);
	CHECK_EQ(len[1], 1);
}

RMEM_CASE(op_change_and_gaps_split)
{
	struct virtio_rmem_merge_req r[] = {
		{ 0, 8, 1, W }, { 8, 8, 1, R },	/* read after write */
		{ 16, 8, 1, R }, { 32, 8, 1, R },	/* gap of 8 */
		{ 40, 8, 1, R }, { 44, 8, 1, R },	/* overlap */
	};
	unsigned int len[6];

	CHECK_EQ(plan_all(r, 6, &lim, len, NULL), 4);
	CHECK_EQ(len[0], 1);
	CHECK_EQ(len[1], 2);
	CHECK_EQ(len[2], 2);
	CHECK_EQ(len[3], 1);
}

RMEM_CASE(non_mergeable_stand_alone)
{
	/* flush/discard (NONE) and zero-length requests never merge. */
	struct virtio_rmem_merge_req r[] = {
		{ 0, 8, 1, N }, { 8, 8, 1, N }, { 16, 0, 0, W }, { 16, 8, 1, W }, { 24, 0, 0, W },
	};
	unsigned int len[5];

	CHECK_EQ(plan_all(r, 5, &lim, len, NULL), 5);
}

RMEM_CASE(segment_limit_exact)
{
	struct virtio_rmem_merge_limits l = { .max_segs = 4, .max_sectors = 1u << 20 };
	struct virtio_rmem_merge_req r[6];
	unsigned int i, len[6];

	for (i = 0; i < 6; i++)
		r[i] = (struct virtio_rmem_merge_req){ i * 8, 8, 1, W };
	/* exactly at the limit merges; one more does not */
	CHECK_EQ(plan_all(r, 6, &l, len, NULL), 2);
	CHECK_EQ(len[0], 4);
	CHECK_EQ(len[1], 2);
	r[0].nr_segs = 4;	/* a single request already at the limit */
	CHECK_EQ(plan_all(r, 6, &l, len, NULL), 3);
	CHECK_EQ(len[0], 1);
	CHECK_EQ(len[1], 4);
	CHECK_EQ(len[2], 1);
}

RMEM_CASE(sector_limit_exact)
{
	struct virtio_rmem_merge_limits l = { .max_segs = 126, .max_sectors = 24 };
	struct virtio_rmem_merge_req r[] = { { 0, 8, 1, R }, { 8, 8, 1, R }, { 16, 8, 1, R }, { 24, 1, 1, R } };
	unsigned int len[4];

	CHECK_EQ(plan_all(r, 4, &l, len, NULL), 2);
	CHECK_EQ(len[0], 3);
}

RMEM_CASE(merging_off)
{
	struct virtio_rmem_merge_limits off = { .max_segs = 0, .max_sectors = 2048 };
	struct virtio_rmem_merge_req r[] = { { 0, 8, 1, W }, { 8, 8, 1, W }, { 16, 8, 1, W } };

	CHECK_EQ(plan_all(r, 3, &off, NULL, NULL), 3);
}

RMEM_CASE(no_wrap_at_the_top)
{
	/* Sectors near 2^64: a descending candidate that would underflow and an
	 * ascending one whose end wraps must not merge. */
	struct virtio_rmem_merge_req r[] = { { UINT64_MAX - 7, 8, 1, W }, { 0, 8, 1, W } };
	struct virtio_rmem_merge_req d[] = { { 0, 8, 1, W }, { UINT64_MAX - 7, 8, 1, W } };

	CHECK_EQ(plan_all(r, 2, &lim, NULL, NULL), 2);
	CHECK_EQ(plan_all(d, 2, &lim, NULL, NULL), 2);
}

/* Property: runs partition the batch, each run is contiguous, one op, within limits. */
RMEM_CASE(random_batches_property)
{
	uint64_t s = 12345;
	unsigned int iter;

	for (iter = 0; iter < 20000; iter++) {
		struct virtio_rmem_merge_req r[32];
		struct virtio_rmem_merge_run runs[32];
		struct virtio_rmem_merge_limits l = { .max_segs = 1 + (iter % 9), .max_sectors = 8 + (iter % 64) * 8 };
		unsigned int n = 1 + iter % 32, i, k, nr, total = 0;
		uint64_t pos = 1000;

		if (iter % 17 == 0)
			l.max_segs = 0;
		for (i = 0; i < n; i++) {
			s = s * 6364136223846793005ull + 1442695040888963407ull;
			r[i].nr_sectors = 8 * (1 + (s >> 60) % 3);
			r[i].nr_segs = 1 + (s >> 56) % 3;
			r[i].op = (s >> 50) % 5 == 0 ? W : (s >> 50) % 7 == 0 ? N : R;
			switch ((s >> 40) % 4) {
			case 0: pos += r[i].nr_sectors; break;		/* ascending neighbour */
			case 1: pos -= r[i].nr_sectors; break;		/* descending */
			case 2: pos += 1000; break;			/* gap */
			default: break;					/* same place */
			}
			r[i].sector = pos;
			if ((s >> 40) % 4 == 0)
				r[i].sector = pos - r[i].nr_sectors;
		}
		nr = plan_all(r, n, &l, NULL, runs);
		for (k = 0; k < nr; k++) {
			struct virtio_rmem_merge_run *u = &runs[k];
			uint64_t lo = UINT64_MAX, hi = 0, secs = 0, segs = 0;

			CHECK_EQ(u->start, total);
			total += u->count;
			for (i = u->start; i < u->start + u->count; i++) {
				if (r[i].sector < lo)
					lo = r[i].sector;
				if (r[i].sector + r[i].nr_sectors > hi)
					hi = r[i].sector + r[i].nr_sectors;
				secs += r[i].nr_sectors;
				segs += r[i].nr_segs;
				if (u->count > 1) {
					CHECK_EQ(r[i].op, r[u->start].op);
					CHECK(r[i].op != N);
				}
				if (i > u->start && u->count > 1) {
					if (u->descending)
						CHECK_EQ(r[i].sector + r[i].nr_sectors, r[i - 1].sector);
					else
						CHECK_EQ(r[i].sector, r[i - 1].sector + r[i - 1].nr_sectors);
				}
			}
			/* contiguous: the span equals the sum, so no gap and no overlap */
			CHECK_EQ(hi - lo, secs);
			CHECK_EQ(u->sector, lo);
			CHECK_EQ(u->nr_sectors, secs);
			CHECK_EQ(u->nr_segs, segs);
			if (u->count > 1) {
				CHECK(segs <= l.max_segs);
				CHECK(secs <= l.max_sectors);
			}
		}
		CHECK_EQ(total, n);
		if (rmem_case_failures)
			return;
	}
}

RMEM_TEST_MAIN(RMEM_REF(ascending_run_merges), RMEM_REF(descending_run_merges),
	       RMEM_REF(direction_fixed_by_second), RMEM_REF(op_change_and_gaps_split),
	       RMEM_REF(non_mergeable_stand_alone), RMEM_REF(segment_limit_exact),
	       RMEM_REF(sector_limit_exact), RMEM_REF(merging_off), RMEM_REF(no_wrap_at_the_top),
	       RMEM_REF(random_batches_property))
