// SPDX-License-Identifier: GPL-2.0
/*
 * vhost_rmem_map.c - the rdma backend's map: virtual chunk -> (donor chunk, owner
 * word, which 4 KiB blocks hold data).  Only a cache: every entry but the
 * live bitmap can be rebuilt from the donor's owner table, and a rebuilt
 * entry counts every block as live (chunks are cleared on the donor when
 * allocated, so a block never written reads zeros either way).
 *
 * Callers serialise (the backend's mutex); the xarray's lock covers nodes.
 */
#include <linux/bitmap.h>
#include <linux/overflow.h>
#include <linux/slab.h>

#include "vhost_rmem_rdma.h"
#include "vhost_rmem_req.h"

/* The device may be this kernel's swap device: no I/O from allocations here. */
#define VHOST_RMEM_MAP_GFP (GFP_NOIO | __GFP_NOWARN)

void vhost_rmem_map_init(struct vhost_rmem_map *m, unsigned int chunk_shift)
{
	xa_init(&m->xa);
	m->blocks_per_chunk = 1u << (chunk_shift - RMEM_BLOCK_SHIFT);
	m->held = 0;
	m->lost = 0;
}

struct vhost_rmem_map_chunk *vhost_rmem_map_get(struct vhost_rmem_map *m, u64 vchunk)
{
	return xa_load(&m->xa, vchunk);
}

struct vhost_rmem_map_chunk *vhost_rmem_map_add(struct vhost_rmem_map *m, u64 vchunk, u64 chunk,
						u64 owner, bool all_live)
{
	struct vhost_rmem_map_chunk *e;
	int ret;

	e = kvzalloc(struct_size(e, live_map, BITS_TO_LONGS(m->blocks_per_chunk)),
		     VHOST_RMEM_MAP_GFP);
	if (!e)
		return ERR_PTR(-ENOMEM);
	e->chunk = chunk;
	e->owner = owner;
	if (all_live) {
		bitmap_fill(e->live_map, m->blocks_per_chunk);
		e->live = m->blocks_per_chunk;
	}
	ret = xa_insert(&m->xa, vchunk, e, VHOST_RMEM_MAP_GFP);
	if (ret) {
		kvfree(e);
		return ERR_PTR(ret);
	}
	m->held++;
	return e;
}

void vhost_rmem_map_del(struct vhost_rmem_map *m, u64 vchunk)
{
	struct vhost_rmem_map_chunk *e = xa_erase(&m->xa, vchunk);

	if (!e)
		return;
	if (e->lost)
		m->lost--;
	else
		m->held--;
	kvfree(e);
}

bool vhost_rmem_map_set_live(struct vhost_rmem_map *m, struct vhost_rmem_map_chunk *e, u32 block)
{
	if (block >= m->blocks_per_chunk || __test_and_set_bit(block, e->live_map))
		return false;
	e->live++;
	return true;
}

bool vhost_rmem_map_clear_live(struct vhost_rmem_map *m, struct vhost_rmem_map_chunk *e, u32 block)
{
	if (block >= m->blocks_per_chunk || !__test_and_clear_bit(block, e->live_map))
		return false;
	e->live--;
	return true;
}

void vhost_rmem_map_mark_lost(struct vhost_rmem_map *m, struct vhost_rmem_map_chunk *e)
{
	if (e->lost)
		return;
	e->lost = true;
	m->held--;
	m->lost++;
}

void vhost_rmem_map_empty(struct vhost_rmem_map *m)
{
	struct vhost_rmem_map_chunk *e;
	unsigned long idx;

	xa_for_each(&m->xa, idx, e) {
		vhost_rmem_map_del(m, idx);
		cond_resched();
	}
}
