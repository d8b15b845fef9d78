// SPDX-License-Identifier: GPL-2.0
/*
 * vhost_rmem_ram.c - the "ram" backend: the device's blocks live in host pages.
 *
 * Same map shape as the rdma backend will have: an xarray from virtual
 * chunk index to a chunk, and per chunk which 4 KiB blocks hold data (here:
 * a page pointer per block, NULL = never written or discarded) with a count
 * of live blocks.  A chunk is allocated on the first write into it and freed
 * when a discard takes its last live block, so "chunks" in sysfs means the
 * same thing for both backends.  Blocks without a page read as zeros, with no
 * allocation.
 *
 * The device's lanes call the I/O ops in parallel: r->lock covers the
 * map and the pages it holds for the whole of an op (a read copies out of
 * a page a discard on another queue could free).  Nothing in it waits on
 * the network, so one lock costs little; the xarray's own lock covers its
 * nodes.
 */
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "vhost_rmem_dev.h"

static_assert(PAGE_SIZE >= RMEM_BLOCK_SIZE, "a block must fit a page");

/*
 * The device may be this kernel's swap device (virtio_vdpa): allocating
 * with I/O could recurse into writeback to us.  brd does the same.
 */
#define VHOST_RMEM_RAM_GFP (GFP_NOIO | __GFP_NOWARN)

struct vhost_rmem_ram_chunk {
	u32 live;			/* blocks with a page */
	struct page *blocks[];
};

struct vhost_rmem_ram {
	struct mutex lock;		/* the map and its pages, per I/O op */
	struct xarray chunks;		/* vchunk index -> struct vhost_rmem_ram_chunk */
	unsigned int chunk_shift;
	u32 blocks_per_chunk;
	atomic64_t *nr_chunks;		/* the device's stats counter */
};

static const u8 vhost_rmem_ram_zeros[RMEM_BLOCK_SIZE];

static void *vhost_rmem_ram_create(struct vhost_rmem_dev *d)
{
	struct vhost_rmem_ram *r = kzalloc(sizeof(*r), GFP_KERNEL);

	if (!r)
		return ERR_PTR(-ENOMEM);
	mutex_init(&r->lock);
	xa_init(&r->chunks);
	r->chunk_shift = d->chunk_shift;
	r->blocks_per_chunk = 1u << (d->chunk_shift - RMEM_BLOCK_SHIFT);
	r->nr_chunks = &d->stats.chunks;
	return r;
}

static void vhost_rmem_ram_free_chunk(struct vhost_rmem_ram *r, struct vhost_rmem_ram_chunk *c)
{
	u32 i;

	for (i = 0; c->live && i < r->blocks_per_chunk; i++) {
		if (c->blocks[i]) {
			__free_page(c->blocks[i]);
			c->live--;
		}
	}
	kvfree(c);
	atomic64_dec(r->nr_chunks);
}

static void vhost_rmem_ram_clear(void *be)
{
	struct vhost_rmem_ram *r = be;
	struct vhost_rmem_ram_chunk *c;
	unsigned long idx;

	xa_for_each(&r->chunks, idx, c) {
		xa_erase(&r->chunks, idx);
		vhost_rmem_ram_free_chunk(r, c);
		cond_resched();
	}
}

static void vhost_rmem_ram_destroy(void *be)
{
	struct vhost_rmem_ram *r = be;

	vhost_rmem_ram_clear(r);
	xa_destroy(&r->chunks);
	mutex_destroy(&r->lock);
	kfree(r);
}

/* The page of block @block, or NULL; allocates chunk and page if @alloc. */
static struct page *vhost_rmem_ram_block(struct vhost_rmem_ram *r, u64 block, bool alloc, int *err)
{
	u64 ci = vhost_rmem_chunk_of_block(block, r->chunk_shift);
	u32 bi = vhost_rmem_block_in_chunk(block, r->chunk_shift);
	struct vhost_rmem_ram_chunk *c;
	struct page *page;
	void *old;

	*err = 0;
	c = xa_load(&r->chunks, ci);
	if (!c) {
		if (!alloc)
			return NULL;
		c = kvzalloc(struct_size(c, blocks, r->blocks_per_chunk), VHOST_RMEM_RAM_GFP);
		if (!c)
			goto out_nomem;
		old = xa_store(&r->chunks, ci, c, VHOST_RMEM_RAM_GFP);
		if (xa_is_err(old)) {
			kvfree(c);
			goto out_nomem;
		}
		atomic64_inc(r->nr_chunks);
	}
	page = c->blocks[bi];
	if (page || !alloc)
		return page;
	/* Zeroed: a partial first write must leave the rest of the block zero. */
	page = alloc_page(VHOST_RMEM_RAM_GFP | __GFP_ZERO | __GFP_HIGHMEM);
	if (!page)
		goto out_nomem;
	c->blocks[bi] = page;
	c->live++;
	return page;

out_nomem:
	*err = -ENOMEM;
	return NULL;
}

static int vhost_rmem_ram_read_locked(void *be, u64 off, u32 len, struct vhost_rmem_req_iter *to)
{
	struct vhost_rmem_ram *r = be;
	struct page *page;
	void *va;
	int ret;

	page = vhost_rmem_ram_block(r, vhost_rmem_block_of(off), false, &ret);
	if (!page)
		return vhost_rmem_req_iter_write(to, vhost_rmem_ram_zeros, len);
	va = kmap_local_page(page);
	ret = vhost_rmem_req_iter_write(to, va + (off & (RMEM_BLOCK_SIZE - 1)), len);
	kunmap_local(va);
	return ret;
}

static int vhost_rmem_ram_write_locked(void *be, u64 off, u32 len, struct vhost_rmem_req_iter *from)
{
	struct vhost_rmem_ram *r = be;
	struct page *page;
	void *va;
	int ret;

	page = vhost_rmem_ram_block(r, vhost_rmem_block_of(off), true, &ret);
	if (!page)
		return ret;
	va = kmap_local_page(page);
	ret = vhost_rmem_req_iter_read(from, va + (off & (RMEM_BLOCK_SIZE - 1)), len);
	kunmap_local(va);
	return ret;
}

/* Frees whole blocks [first, end) and every chunk left without data. */
static void vhost_rmem_ram_drop_blocks(struct vhost_rmem_ram *r, u64 first, u64 end)
{
	u64 b = first;

	while (b < end) {
		u64 ci = vhost_rmem_chunk_of_block(b, r->chunk_shift);
		u64 chunk_end = (ci + 1) << (r->chunk_shift - RMEM_BLOCK_SHIFT);
		u64 stop = min(end, chunk_end);
		struct vhost_rmem_ram_chunk *c = xa_load(&r->chunks, ci);

		if (c) {
			for (; b < stop; b++) {
				u32 bi = vhost_rmem_block_in_chunk(b, r->chunk_shift);

				if (c->blocks[bi]) {
					__free_page(c->blocks[bi]);
					c->blocks[bi] = NULL;
					c->live--;
				}
			}
			if (!c->live) {
				xa_erase(&r->chunks, ci);
				vhost_rmem_ram_free_chunk(r, c);
			}
		}
		b = stop;
		cond_resched();
	}
}

static int vhost_rmem_ram_discard_locked(void *be, u64 off, u64 len)
{
	u64 first, end;

	vhost_rmem_whole_blocks(off, len, &first, &end);
	vhost_rmem_ram_drop_blocks(be, first, end);
	return 0;
}

/* Zero-fills part of one block if it has data (a block without reads as zeros). */
static void vhost_rmem_ram_zero_part(struct vhost_rmem_ram *r, u64 off, u32 len)
{
	struct page *page;
	int ret;

	page = vhost_rmem_ram_block(r, vhost_rmem_block_of(off), false, &ret);
	if (page)
		memzero_page(page, off & (RMEM_BLOCK_SIZE - 1), len);
}

static int vhost_rmem_ram_write_zeroes_locked(void *be, u64 off, u64 len)
{
	struct vhost_rmem_ram *r = be;
	u64 first, end;
	u32 n;

	vhost_rmem_whole_blocks(off, len, &first, &end);
	if (first == end) {
		/* No whole block: the range sits in one block or straddles two. */
		while (len) {
			n = vhost_rmem_block_piece(off, len);
			vhost_rmem_ram_zero_part(r, off, n);
			off += n;
			len -= n;
		}
		return 0;
	}
	if (off < first << RMEM_BLOCK_SHIFT)
		vhost_rmem_ram_zero_part(r, off, (first << RMEM_BLOCK_SHIFT) - off);
	if (off + len > end << RMEM_BLOCK_SHIFT)
		vhost_rmem_ram_zero_part(r, end << RMEM_BLOCK_SHIFT,
					 off + len - (end << RMEM_BLOCK_SHIFT));
	vhost_rmem_ram_drop_blocks(r, first, end);
	return 0;
}

/* Each op whole under r->lock (see the top of this file). */
static int vhost_rmem_ram_read(void *be, u64 off, u32 len, struct vhost_rmem_req_iter *to)
{
	struct vhost_rmem_ram *r = be;
	int ret;

	mutex_lock(&r->lock);
	ret = vhost_rmem_ram_read_locked(r, off, len, to);
	mutex_unlock(&r->lock);
	return ret;
}

static int vhost_rmem_ram_write(void *be, u64 off, u32 len, struct vhost_rmem_req_iter *from)
{
	struct vhost_rmem_ram *r = be;
	int ret;

	mutex_lock(&r->lock);
	ret = vhost_rmem_ram_write_locked(r, off, len, from);
	mutex_unlock(&r->lock);
	return ret;
}

static int vhost_rmem_ram_discard(void *be, u64 off, u64 len)
{
	struct vhost_rmem_ram *r = be;
	int ret;

	mutex_lock(&r->lock);
	ret = vhost_rmem_ram_discard_locked(r, off, len);
	mutex_unlock(&r->lock);
	return ret;
}

static int vhost_rmem_ram_write_zeroes(void *be, u64 off, u64 len)
{
	struct vhost_rmem_ram *r = be;
	int ret;

	mutex_lock(&r->lock);
	ret = vhost_rmem_ram_write_zeroes_locked(r, off, len);
	mutex_unlock(&r->lock);
	return ret;
}

/* Host RAM is as durable as it gets: a completed write is already there. */
static int vhost_rmem_ram_flush(void *be)
{
	return 0;
}

static const struct vhost_rmem_backend_ops vhost_rmem_ram_io = {
	.name = "ram",
	.read = vhost_rmem_ram_read,
	.write = vhost_rmem_ram_write,
	.discard = vhost_rmem_ram_discard,
	.write_zeroes = vhost_rmem_ram_write_zeroes,
	.flush = vhost_rmem_ram_flush,
};

const struct vhost_rmem_backend_type vhost_rmem_ram_backend = {
	.name = "ram",
	.io = &vhost_rmem_ram_io,
	.create = vhost_rmem_ram_create,
	.clear = vhost_rmem_ram_clear,
	.destroy = vhost_rmem_ram_destroy,
};
