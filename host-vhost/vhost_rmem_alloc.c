// SPDX-License-Identifier: GPL-2.0
/*
 * vhost_rmem_alloc.c - the one-sided allocator client in the kernel
 * (docs/allocator.md): a thin adapter that runs include/rmem_alloc.h, the
 * protocol shared with the userspace client and the donor's reaper, over a
 * connection's metadata READ/CAS and lease WRITE.  The donor's CPU is never
 * involved.  Callers serialize on the connection (the backend's mutex), so
 * the connection's scratch buffer is ours for the length of one op.
 */
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "vhost_rmem_rdma.h"

static int vhost_rmem_alloc_meta_read(void *ctx, u64 off, void *buf, u32 len)
{
	struct vhost_rmem_conn *c = ctx;
	u8 *dst = buf;
	u32 n;
	int ret;

	while (len) {
		n = min_t(u32, len, VHOST_RMEM_CONN_BUF);
		ret = vhost_rmem_conn_meta_read(c, off, n);
		if (ret)
			return ret;
		memcpy(dst, c->buf, n);
		dst += n;
		off += n;
		len -= n;
		/* Table walks come through here piece by piece: yield between them. */
		cond_resched();
	}
	return 0;
}

static int vhost_rmem_alloc_meta_cas(void *ctx, u64 off, u64 expect, u64 swap, u64 *old)
{
	return vhost_rmem_conn_meta_cas(ctx, off, expect, swap, old);
}

static int vhost_rmem_alloc_lease_write(void *ctx, u64 off, const void *buf, u32 len)
{
	struct vhost_rmem_conn *c = ctx;

	if (len > VHOST_RMEM_CONN_BUF)
		return -EINVAL;
	memcpy(c->buf, buf, len);
	/* The lease MR covers the lease table; its addresses are meta_addr based. */
	return vhost_rmem_conn_write(c, c->desc.meta_addr + off, c->desc.lease_rkey, len);
}

/* RDMA WRITEs of zeros over the whole chunk, one round trip per 32 x 64 KiB. */
static int vhost_rmem_alloc_chunk_clear(void *ctx, u64 chunk)
{
	struct vhost_rmem_conn *c = ctx;
	int ret;

	if (chunk >= c->desc.chunk_count)
		return -EINVAL;
	ret = vhost_rmem_conn_zero(c, c->desc.data_addr + (chunk << c->desc.chunk_shift),
				   c->desc.data_rkey, 1ull << c->desc.chunk_shift);
	if (!ret && c->cfg.cleared)
		atomic64_inc(c->cfg.cleared);
	return ret;
}

static const struct rmem_alloc_ops vhost_rmem_conn_alloc_ops = {
	.meta_read = vhost_rmem_alloc_meta_read,
	.meta_cas = vhost_rmem_alloc_meta_cas,
	.lease_write = vhost_rmem_alloc_lease_write,
	.chunk_clear = vhost_rmem_alloc_chunk_clear,
};

static struct rmem_alloc_donor vhost_rmem_conn_donor(struct vhost_rmem_conn *c)
{
	return (struct rmem_alloc_donor){
		.ops = &vhost_rmem_conn_alloc_ops,
		.ctx = c,
		.desc = &c->desc,
	};
}

int vhost_rmem_lease_init(struct rmem_lease *l, u64 device_id)
{
	memset(l, 0, sizeof(*l));
	l->device_id = device_id;
	/* Any window a donor may announce, and 2048 slots per find/claim READ. */
	l->words_len = RMEM_WINDOW_WORDS_MAX;
	l->words = kvcalloc(l->words_len, sizeof(*l->words), GFP_KERNEL);
	return l->words ? 0 : -ENOMEM;
}

void vhost_rmem_lease_fini(struct rmem_lease *l)
{
	kvfree(l->words);
	l->words = NULL;
}

int vhost_rmem_alloc_find_slot(struct vhost_rmem_conn *c, struct rmem_lease *l, u32 *slot)
{
	struct rmem_alloc_donor dn = vhost_rmem_conn_donor(c);

	return rmem_lease_find(&dn, l, slot);
}

int vhost_rmem_alloc_renew(struct vhost_rmem_conn *c, struct rmem_lease *l)
{
	struct rmem_alloc_donor dn = vhost_rmem_conn_donor(c);

	return rmem_lease_extend(&dn, l);
}

int vhost_rmem_alloc_adopt(struct vhost_rmem_conn *c, struct rmem_lease *l, u32 slot)
{
	struct rmem_alloc_donor dn = vhost_rmem_conn_donor(c);

	return rmem_lease_adopt(&dn, l, slot);
}

int vhost_rmem_alloc_claim(struct vhost_rmem_conn *c, struct rmem_lease *l)
{
	struct rmem_alloc_donor dn = vhost_rmem_conn_donor(c);

	return rmem_lease_claim(&dn, l);
}

int vhost_rmem_alloc_chunk(struct vhost_rmem_conn *c, struct rmem_lease *l, u64 vchunk, u64 *chunk,
			   u64 *owner)
{
	struct rmem_alloc_donor dn = vhost_rmem_conn_donor(c);

	return rmem_lease_alloc(&dn, l, vchunk, chunk, owner);
}

int vhost_rmem_alloc_free(struct vhost_rmem_conn *c, struct rmem_lease *l, u64 chunk, u64 owner)
{
	struct rmem_alloc_donor dn = vhost_rmem_conn_donor(c);
	u64 old;

	return rmem_lease_free(&dn, l, chunk, owner, &old);
}

int vhost_rmem_alloc_walk(struct vhost_rmem_conn *c, int (*fn)(void *arg, u64 chunk, u64 word),
			  void *arg)
{
	struct rmem_alloc_donor dn = vhost_rmem_conn_donor(c);
	unsigned int noio;
	__le64 *buf;
	int ret;

	/*
	 * Not the lease's window: fn may free, which updates the window cache.
	 * The walk runs on the I/O path (map rebuild) of a device the host may
	 * swap onto: the buffer must not recurse into I/O.
	 */
	noio = memalloc_noio_save();
	buf = kvmalloc(VHOST_RMEM_CONN_BUF, GFP_KERNEL);
	memalloc_noio_restore(noio);
	if (!buf)
		return -ENOMEM;
	ret = rmem_owner_walk(&dn, buf, VHOST_RMEM_CONN_BUF / 8, fn, arg);
	kvfree(buf);
	return ret;
}

int vhost_rmem_alloc_detach(struct vhost_rmem_conn *c, struct rmem_lease *l, u32 slot, u64 *freed)
{
	struct rmem_alloc_donor dn = vhost_rmem_conn_donor(c);
	int ret;

	/* The window buffer is free scratch: the lease ends here either way. */
	ret = rmem_slot_reclaim(&dn, slot, l->device_id, l->words, l->words_len, freed);
	if (ret != -EINVAL) {
		l->held = false;
		l->scan_started = false;
	}
	return ret;
}
