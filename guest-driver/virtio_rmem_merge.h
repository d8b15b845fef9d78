/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * virtio_rmem_merge.h - which block requests of one dispatch batch travel to the
 * device as a single virtio request.
 *
 * The block layer merges bios into requests, but only against the newest
 * request of a plug, so two interleaved streams or a batch handed over in
 * reverse order (6.1's plug list is LIFO) reach the driver as separate
 * requests for adjacent sectors.  Every virtio request costs the device one
 * descriptor chain walk and, on the rdma backend, one round trip per chunk
 * touched; sending a run of adjacent requests as one chain saves that.  This
 * file holds only the decision, so the unit tier (tests/unit/merge-*.c)
 * compiles it natively; virtio_rmem.c applies it to struct request.
 *
 * A run is a maximal sequence of consecutive batch entries that
 *  - all read or all write (nothing else merges: flush, discard, ...),
 *  - cover one contiguous sector range, each entry adjacent to the run so
 *    far, either always at its end (ascending) or always at its start
 *    (descending) - the data then goes out in sector order either way,
 *  - stay within the device's limits: at most max_segs data segments and
 *    max_sectors sectors in total.
 */
#ifndef VIRTIO_RMEM_MERGE_H
#define VIRTIO_RMEM_MERGE_H

#include "rmem_compat.h"

enum virtio_rmem_merge_op {
	VIRTIO_RMEM_MERGE_NONE = 0,	/* never merges (flush, discard, zero length) */
	VIRTIO_RMEM_MERGE_READ,
	VIRTIO_RMEM_MERGE_WRITE,
};

/* What the planner needs to know of one request. */
struct virtio_rmem_merge_req {
	u64 sector;		/* first 512-byte sector */
	u32 nr_sectors;		/* length; 0 never merges */
	u32 nr_segs;		/* data segments it maps to */
	u8 op;			/* enum virtio_rmem_merge_op */
};

/* Device limits; max_segs == 0 turns merging off. */
struct virtio_rmem_merge_limits {
	u32 max_segs;
	u32 max_sectors;
};

/* One planned virtio request: batch entries [start, start + count). */
struct virtio_rmem_merge_run {
	unsigned int start;
	unsigned int count;
	bool descending;	/* entries in decreasing sector order */
	u64 sector;		/* lowest sector of the run */
	u64 nr_sectors;
	u64 nr_segs;
};

static inline bool virtio_rmem_merge_can_start(const struct virtio_rmem_merge_req *r)
{
	return (r->op == VIRTIO_RMEM_MERGE_READ || r->op == VIRTIO_RMEM_MERGE_WRITE) &&
	       r->nr_sectors;
}

/*
 * Plans the run that begins at batch entry @start (< @n) and returns its
 * length (>= 1).  A request that cannot merge is a run of its own.
 */
static inline unsigned int virtio_rmem_merge_plan(const struct virtio_rmem_merge_req *reqs,
						  unsigned int n, unsigned int start,
						  const struct virtio_rmem_merge_limits *lim,
						  struct virtio_rmem_merge_run *run)
{
	const struct virtio_rmem_merge_req *first = &reqs[start];
	unsigned int j;
	int dir = 0;	/* 0 undecided, 1 ascending, -1 descending */

	run->start = start;
	run->count = 1;
	run->descending = false;
	run->sector = first->sector;
	run->nr_sectors = first->nr_sectors;
	run->nr_segs = first->nr_segs;
	if (!virtio_rmem_merge_can_start(first) || !lim->max_segs)
		return 1;

	for (j = start + 1; j < n; j++) {
		const struct virtio_rmem_merge_req *r = &reqs[j];

		if (r->op != first->op || !r->nr_sectors)
			break;
		/* Limits first: the sums below then cannot overflow. */
		if (run->nr_segs + r->nr_segs > lim->max_segs ||
		    run->nr_sectors + r->nr_sectors > lim->max_sectors)
			break;
		/* Differences, not sums: a range ending at 2^64 must not wrap to 0. */
		if (dir >= 0 && r->sector > run->sector &&
		    r->sector - run->sector == run->nr_sectors) {
			dir = 1;
		} else if (dir <= 0 && r->sector < run->sector &&
			   run->sector - r->sector == r->nr_sectors) {
			dir = -1;
			run->sector = r->sector;
		} else {
			break;
		}
		run->nr_sectors += r->nr_sectors;
		run->nr_segs += r->nr_segs;
		run->count++;
	}
	run->descending = dir < 0;
	return run->count;
}

#endif /* VIRTIO_RMEM_MERGE_H */
