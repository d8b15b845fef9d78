/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rmem_vq_test.h - a tiny virtio "driver" over a flat buffer, for the unit
 * tests of host-vhost/vhost_rmem_vq.c and vhost_rmem_req.c.
 *
 * Guest addresses start at TG_BASE (so 0 and small numbers are unmapped) and
 * cover TG_SIZE bytes; any access outside is refused with -EFAULT and
 * counted, like a missing IOTLB entry in the kernel.
 */
#ifndef RMEM_VQ_TEST_H
#define RMEM_VQ_TEST_H

#include "rmem_test.h"
#include "vhost_rmem_vq.h"
#include "vhost_rmem_req.h"

#define TG_BASE 0x100000ull
#define TG_SIZE (8u << 20)

struct tg {
	u8 *mem;
	struct vhost_rmem_vq_mem ops;
	struct vhost_rmem_vq vq;
	u16 num;
	u16 avail_idx;		/* driver's shadow */
	u64 bump;		/* next free guest address */
	unsigned int faults;	/* refused accesses */
};

static int tg_read(void *ctx, u64 addr, void *dst, u32 len)
{
	struct tg *g = ctx;

	if (addr < TG_BASE || addr - TG_BASE > TG_SIZE || len > TG_SIZE - (addr - TG_BASE)) {
		g->faults++;
		return -EFAULT;
	}
	memcpy(dst, g->mem + (addr - TG_BASE), len);
	return 0;
}

static int tg_write(void *ctx, u64 addr, const void *src, u32 len)
{
	struct tg *g = ctx;

	if (addr < TG_BASE || addr - TG_BASE > TG_SIZE || len > TG_SIZE - (addr - TG_BASE)) {
		g->faults++;
		return -EFAULT;
	}
	memcpy(g->mem + (addr - TG_BASE), src, len);
	return 0;
}

static inline void *tg_ptr(struct tg *g, u64 addr)
{
	return g->mem + (addr - TG_BASE);
}

static inline u64 tg_alloc(struct tg *g, u64 len, u64 align)
{
	u64 a = (g->bump + align - 1) & ~(align - 1);

	g->bump = a + len;
	if (g->bump > TG_BASE + TG_SIZE) {
		printf("# tg_alloc: out of guest memory\n");
		abort();
	}
	return a;
}

static inline void tg_init(struct tg *g, u16 num, bool indirect, bool event_idx)
{
	memset(g, 0, sizeof(*g));
	g->mem = calloc(1, TG_SIZE);
	g->ops.read = tg_read;
	g->ops.write = tg_write;
	g->ops.ctx = g;
	g->num = num;
	g->bump = TG_BASE;
	g->vq.num = num;
	g->vq.indirect = indirect;
	g->vq.event_idx = event_idx;
	g->vq.desc = tg_alloc(g, 16ull * num, 16);
	g->vq.avail = tg_alloc(g, RMEM_AVAIL_USED_EVENT(num) + 2, 2);
	g->vq.used = tg_alloc(g, RMEM_USED_AVAIL_EVENT(num) + 2, 4096);
	g->vq.mem = &g->ops;
	vhost_rmem_vq_reset_state(&g->vq, 0);
}

static inline void tg_free(struct tg *g)
{
	free(g->mem);
}

/* Starts both sides at @idx (to test 16-bit wrap-around). */
static inline void tg_set_idx(struct tg *g, u16 idx)
{
	__le16 v = cpu_to_le16(idx);

	g->avail_idx = idx;
	memcpy(tg_ptr(g, g->vq.avail + RMEM_AVAIL_IDX), &v, 2);
	memcpy(tg_ptr(g, g->vq.used + RMEM_USED_IDX), &v, 2);
	vhost_rmem_vq_reset_state(&g->vq, idx);
}

static inline void tg_desc_at(struct tg *g, u64 table, u16 i, u64 addr, u32 len,
			      u16 flags, u16 next)
{
	struct rmem_vring_desc d = {
		.addr = cpu_to_le64(addr),
		.len = cpu_to_le32(len),
		.flags = cpu_to_le16(flags),
		.next = cpu_to_le16(next),
	};

	memcpy(tg_ptr(g, table + 16ull * i), &d, sizeof(d));
}

static inline void tg_desc(struct tg *g, u16 i, u64 addr, u32 len, u16 flags, u16 next)
{
	tg_desc_at(g, g->vq.desc, i, addr, len, flags, next);
}

/* Makes @head available (ring entry, then index, as a driver must). */
static inline void tg_kick(struct tg *g, u16 head)
{
	__le16 h = cpu_to_le16(head), idx;

	memcpy(tg_ptr(g, g->vq.avail + RMEM_AVAIL_RING(g->avail_idx & (g->num - 1))), &h, 2);
	g->avail_idx++;
	idx = cpu_to_le16(g->avail_idx);
	memcpy(tg_ptr(g, g->vq.avail + RMEM_AVAIL_IDX), &idx, 2);
}

static inline u16 tg_get16(struct tg *g, u64 addr)
{
	__le16 v;

	memcpy(&v, tg_ptr(g, addr), 2);
	return le16_to_cpu(v);
}

static inline void tg_put16(struct tg *g, u64 addr, u16 val)
{
	__le16 v = cpu_to_le16(val);

	memcpy(tg_ptr(g, addr), &v, 2);
}

static inline u16 tg_used_idx(struct tg *g)
{
	return tg_get16(g, g->vq.used + RMEM_USED_IDX);
}

static inline struct rmem_vring_used_elem tg_used_elem(struct tg *g, u16 i)
{
	struct rmem_vring_used_elem e;

	memcpy(&e, tg_ptr(g, g->vq.used + RMEM_USED_RING(i & (g->num - 1))), sizeof(e));
	return e;
}

/* Writes a request header at a fresh guest address and returns it. */
static inline u64 tg_hdr(struct tg *g, u32 type, u64 sector)
{
	struct rmem_virtio_blk_outhdr h = {
		.type = cpu_to_le32(type),
		.ioprio = 0,
		.sector = cpu_to_le64(sector),
	};
	u64 a = tg_alloc(g, sizeof(h), 8);

	memcpy(tg_ptr(g, a), &h, sizeof(h));
	return a;
}

/*
 * Builds the usual 3-descriptor request at descriptors @d, @d+1, @d+2:
 * header, payload (@data_len bytes at @data, readable unless @in), status.
 * Returns the status byte's guest address.  @data_len 0 gives 2 descriptors.
 */
static inline u64 tg_req3(struct tg *g, u16 d, u32 type, u64 sector, u64 data,
			  u32 data_len, bool in)
{
	u64 hdr = tg_hdr(g, type, sector);
	u64 st = tg_alloc(g, 1, 1);

	*(u8 *)tg_ptr(g, st) = 0xee;
	if (!data_len) {
		tg_desc(g, d, hdr, 16, RMEM_VRING_DESC_F_NEXT, d + 1);
		tg_desc(g, d + 1, st, 1, RMEM_VRING_DESC_F_WRITE, 0);
		return st;
	}
	tg_desc(g, d, hdr, 16, RMEM_VRING_DESC_F_NEXT, d + 1);
	tg_desc(g, d + 1, data, data_len,
		RMEM_VRING_DESC_F_NEXT | (in ? RMEM_VRING_DESC_F_WRITE : 0), d + 2);
	tg_desc(g, d + 2, st, 1, RMEM_VRING_DESC_F_WRITE, 0);
	return st;
}

#endif /* RMEM_VQ_TEST_H */
