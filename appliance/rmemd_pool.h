/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rmemd_pool.h - the donated region: pinned once per serve attempt, laid out
 * by rmem_layout_compute() (include/rmem_proto.h), destroyed last.  Every
 * other layer only reads the typed views below; the region itself is
 * written by hosts (RDMA) and by the reaper (CPU atomics).
 */
#ifndef RMEMD_POOL_H
#define RMEMD_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rmem_proto.h"

struct rmemd_opts;

/* The pinned region and typed views into its layout. */
struct rmemd_pool {
	void *base;			/* mmap of map_len bytes, pinned */
	size_t map_len;
	uint64_t page_size;		/* backing page: huge page size or 4 KiB */
	bool hugetlb;			/* MAP_HUGETLB worked */
	struct rmem_layout layout;
	struct rmem_wire_superblock *sb;
	struct rmem_wire_slot *slots;
	struct rmem_wire_lease *leases;
	struct rmem_wire_stats *stats;
	__le64 *owners;
	uint8_t *data;
	uint64_t epoch;			/* random per boot, never 0 */
	uint32_t donor_id;
	uint32_t lease_timeout_ms;
	uint32_t window_words;
};

/* 0, or a negative errno with the reason already logged. */
int rmemd_pool_create(struct rmemd_pool *pool, const struct rmemd_opts *opts);
void rmemd_pool_destroy(struct rmemd_pool *pool);

#endif /* RMEMD_POOL_H */
