// SPDX-License-Identifier: GPL-2.0
/*
 * Requests run end to end against a flat test backend: data written comes
 * back byte-exact across block and segment boundaries, GET_ID answers the
 * device id, discard/write-zeroes reach the backend with the right ranges,
 * backend and access failures become IOERR; plus the sector/block/chunk
 * arithmetic the backends rely on.
 */
#include "rmem_vq_test.h"

#define DISK_BYTES (1u << 20)

struct tbe {
	u8 disk[DISK_BYTES];
	unsigned int calls;
	unsigned int piece_across_block;	/* pieces crossing a 4 KiB block */
	unsigned int piece_across_window;	/* pieces crossing a 64 KiB window */
	u64 last_off, last_len;
	int fail;			/* next call returns this */
};

static void tbe_note(struct tbe *b, u64 off, u32 len)
{
	b->calls++;
	if ((off >> 12) != ((off + len - 1) >> 12))
		b->piece_across_block++;
	if ((off >> 16) != ((off + len - 1) >> 16))
		b->piece_across_window++;
}

static int tbe_read(void *be, u64 off, u32 len, struct vhost_rmem_req_iter *to)
{
	struct tbe *b = be;

	tbe_note(b, off, len);
	if (b->fail)
		return b->fail;
	return vhost_rmem_req_iter_write(to, b->disk + off, len);
}

static int tbe_write(void *be, u64 off, u32 len, struct vhost_rmem_req_iter *from)
{
	struct tbe *b = be;

	tbe_note(b, off, len);
	if (b->fail)
		return b->fail;
	return vhost_rmem_req_iter_read(from, b->disk + off, len);
}

static int tbe_zero(void *be, u64 off, u64 len)
{
	struct tbe *b = be;

	b->calls++;
	b->last_off = off;
	b->last_len = len;
	if (b->fail)
		return b->fail;
	memset(b->disk + off, 0, len);
	return 0;
}

static int tbe_flush(void *be)
{
	struct tbe *b = be;

	b->calls++;
	return b->fail;
}

static const struct vhost_rmem_backend_ops tbe_ops = {
	.name = "test",
	.read = tbe_read,
	.write = tbe_write,
	.discard = tbe_zero,
	.write_zeroes = tbe_zero,
	.flush = tbe_flush,
};

static const struct vhost_rmem_req_limits lim = {
	.capacity = DISK_BYTES / 512,
	.device_id = 0x0123456789abcdefull,
	.max_bytes = 1 << 20,
	.max_discard_sectors = 1 << 12,
	.max_discard_seg = 4,
	.flush = true,
	.discard = true,
	.write_zeroes = true,
};

/* The same store, taking pieces up to 64 KiB (as the rdma backend does). */
static const struct vhost_rmem_backend_ops tbe_ops_64k = {
	.name = "test64k",
	.io_shift = 16,
	.read = tbe_read,
	.write = tbe_write,
	.discard = tbe_zero,
	.write_zeroes = tbe_zero,
	.flush = tbe_flush,
};

static struct vhost_rmem_vq_chain chain;
static struct vhost_rmem_req req;

static u32 run(struct tg *g, struct tbe *b, u16 head)
{
	tg_kick(g, head);
	CHECK_EQ(vhost_rmem_vq_pop(&g->vq, &chain), 1);
	return vhost_rmem_req_handle(&req, &lim, &tbe_ops, b, &chain, &g->ops);
}

static void fill(u8 *p, u32 len, u32 seed)
{
	u32 i;

	for (i = 0; i < len; i++)
		p[i] = (u8)(seed * 31 + i * 7 + (i >> 8));
}

RMEM_CASE(write_then_read_back)
{
	static struct tbe b;
	struct tg g;
	u64 wbuf, rbuf, st;

	tg_init(&g, 8, false, false);
	wbuf = tg_alloc(&g, 12288, 4096);
	rbuf = tg_alloc(&g, 12288, 4096);
	fill(tg_ptr(&g, wbuf), 12288, 1);
	/* sector 3: unaligned to blocks, so pieces are 2.5K, 4K, 4K, 1.5K */
	st = tg_req3(&g, 0, RMEM_VIRTIO_BLK_T_OUT, 3, wbuf, 12288, false);
	CHECK_EQ(run(&g, &b, 0), 1);
	CHECK_EQ(*(u8 *)tg_ptr(&g, st), RMEM_VIRTIO_BLK_S_OK);
	CHECK_EQ(b.calls, 4);
	CHECK_EQ(b.piece_across_block, 0);
	CHECK_MEM(b.disk + 3 * 512, tg_ptr(&g, wbuf), 12288);
	st = tg_req3(&g, 0, RMEM_VIRTIO_BLK_T_IN, 3, rbuf, 12288, true);
	CHECK_EQ(run(&g, &b, 0), 12289);
	CHECK_EQ(*(u8 *)tg_ptr(&g, st), RMEM_VIRTIO_BLK_S_OK);
	CHECK_MEM(tg_ptr(&g, rbuf), tg_ptr(&g, wbuf), 12288);
	tg_free(&g);
}

RMEM_CASE(io_shift_gives_aligned_window_pieces)
{
	static struct tbe b;
	struct tg g;
	u64 wbuf, rbuf, st;
	const u32 len = 200u << 10;

	tg_init(&g, 8, false, false);
	wbuf = tg_alloc(&g, len, 4096);
	rbuf = tg_alloc(&g, len, 4096);
	fill(tg_ptr(&g, wbuf), len, 5);
	/* sector 247 (123.5 KiB): pieces 4.5K, 64K, 64K, 64K, 3.5K */
	st = tg_req3(&g, 0, RMEM_VIRTIO_BLK_T_OUT, 7 + 240, wbuf, len, false);
	tg_kick(&g, 0);
	CHECK_EQ(vhost_rmem_vq_pop(&g.vq, &chain), 1);
	CHECK_EQ(vhost_rmem_req_handle(&req, &lim, &tbe_ops_64k, &b, &chain, &g.ops), 1);
	CHECK_EQ(*(u8 *)tg_ptr(&g, st), RMEM_VIRTIO_BLK_S_OK);
	CHECK_EQ(b.calls, 5);
	CHECK_EQ(b.piece_across_window, 0);
	CHECK_MEM(b.disk + (7 + 240) * 512, tg_ptr(&g, wbuf), len);
	b.calls = 0;
	st = tg_req3(&g, 0, RMEM_VIRTIO_BLK_T_IN, 7 + 240, rbuf, len, true);
	tg_kick(&g, 0);
	CHECK_EQ(vhost_rmem_vq_pop(&g.vq, &chain), 1);
	CHECK_EQ(vhost_rmem_req_handle(&req, &lim, &tbe_ops_64k, &b, &chain, &g.ops), len + 1);
	CHECK_EQ(*(u8 *)tg_ptr(&g, st), RMEM_VIRTIO_BLK_S_OK);
	CHECK_EQ(b.calls, 5);
	CHECK_EQ(b.piece_across_window, 0);
	CHECK_MEM(tg_ptr(&g, rbuf), tg_ptr(&g, wbuf), len);
	tg_free(&g);
}

RMEM_CASE(many_small_segments)
{
	static struct tbe b;
	struct tg g;
	u64 hdr, st, data;
	u16 i, n = 20;

	tg_init(&g, 64, false, false);
	data = tg_alloc(&g, 512 * n, 8);
	fill(tg_ptr(&g, data), 512 * n, 9);
	hdr = tg_hdr(&g, RMEM_VIRTIO_BLK_T_OUT, 100);
	st = tg_alloc(&g, 1, 1);
	tg_desc(&g, 0, hdr, 16, RMEM_VRING_DESC_F_NEXT, 1);
	/* segments of 512 bytes laid out in reverse guest order */
	for (i = 0; i < n; i++)
		tg_desc(&g, 1 + i, data + 512ull * (n - 1 - i), 512, RMEM_VRING_DESC_F_NEXT, 2 + i);
	tg_desc(&g, 1 + n, st, 1, RMEM_VRING_DESC_F_WRITE, 0);
	CHECK_EQ(run(&g, &b, 0), 1);
	CHECK_EQ(*(u8 *)tg_ptr(&g, st), RMEM_VIRTIO_BLK_S_OK);
	for (i = 0; i < n; i++)
		CHECK_MEM(b.disk + (100 + i) * 512, tg_ptr(&g, data + 512ull * (n - 1 - i)), 512);
	tg_free(&g);
}

RMEM_CASE(get_id_answers_the_device_id)
{
	static struct tbe b;
	struct tg g;
	u64 buf, st;

	tg_init(&g, 8, false, false);
	buf = tg_alloc(&g, 32, 8);
	memset(tg_ptr(&g, buf), 'x', 32);
	st = tg_req3(&g, 0, RMEM_VIRTIO_BLK_T_GET_ID, 0, buf, 20, true);
	CHECK_EQ(run(&g, &b, 0), 21);
	CHECK_EQ(*(u8 *)tg_ptr(&g, st), RMEM_VIRTIO_BLK_S_OK);
	CHECK_MEM(tg_ptr(&g, buf), "rmem0123456789abcdef", 20);
	/* a shorter buffer gets a prefix and nothing more */
	memset(tg_ptr(&g, buf), 'x', 32);
	tg_req3(&g, 0, RMEM_VIRTIO_BLK_T_GET_ID, 0, buf, 6, true);
	CHECK_EQ(run(&g, &b, 0), 7);
	CHECK_MEM(tg_ptr(&g, buf), "rmem01x", 7);
	tg_free(&g);
}

RMEM_CASE(discard_and_write_zeroes_reach_the_backend)
{
	static struct tbe b;
	struct rmem_virtio_blk_discard d = {
		.sector = cpu_to_le64(16),
		.num_sectors = cpu_to_le32(24),
		.flags = 0,
	};
	struct tg g;
	u64 s, st;

	tg_init(&g, 8, false, false);
	memset(b.disk, 0xaa, sizeof(b.disk));
	s = tg_alloc(&g, 16, 8);
	memcpy(tg_ptr(&g, s), &d, 16);
	st = tg_req3(&g, 0, RMEM_VIRTIO_BLK_T_DISCARD, 0, s, 16, false);
	CHECK_EQ(run(&g, &b, 0), 1);
	CHECK_EQ(*(u8 *)tg_ptr(&g, st), RMEM_VIRTIO_BLK_S_OK);
	CHECK_EQ(b.last_off, 16 * 512);
	CHECK_EQ(b.last_len, 24 * 512);
	d.flags = cpu_to_le32(RMEM_VIRTIO_BLK_WZ_F_UNMAP);
	d.sector = cpu_to_le64(1000);
	memcpy(tg_ptr(&g, s), &d, 16);
	st = tg_req3(&g, 0, RMEM_VIRTIO_BLK_T_WRITE_ZEROES, 0, s, 16, false);
	CHECK_EQ(run(&g, &b, 0), 1);
	CHECK_EQ(*(u8 *)tg_ptr(&g, st), RMEM_VIRTIO_BLK_S_OK);
	CHECK_EQ(b.last_off, 1000 * 512);
	CHECK_EQ(b.disk[1000 * 512], 0);
	CHECK_EQ(b.disk[1000 * 512 - 1], 0xaa);
	tg_free(&g);
}

RMEM_CASE(failures_become_ioerr)
{
	static struct tbe b;
	struct tg g;
	u64 buf, st;

	tg_init(&g, 8, false, false);
	buf = tg_alloc(&g, 4096, 8);
	b.fail = -ENOMEM;
	st = tg_req3(&g, 0, RMEM_VIRTIO_BLK_T_OUT, 0, buf, 4096, false);
	CHECK_EQ(run(&g, &b, 0), 1);
	CHECK_EQ(*(u8 *)tg_ptr(&g, st), RMEM_VIRTIO_BLK_S_IOERR);
	CHECK_EQ(req.err, VHOST_RMEM_REQ_E_BACKEND);
	st = tg_req3(&g, 0, RMEM_VIRTIO_BLK_T_FLUSH, 0, 0, 0, false);
	CHECK_EQ(run(&g, &b, 0), 1);
	CHECK_EQ(*(u8 *)tg_ptr(&g, st), RMEM_VIRTIO_BLK_S_IOERR);
	/* A failed IN reports its whole writable length. */
	st = tg_req3(&g, 0, RMEM_VIRTIO_BLK_T_IN, 0, buf, 4096, true);
	CHECK_EQ(run(&g, &b, 0), 4097);
	CHECK_EQ(*(u8 *)tg_ptr(&g, st), RMEM_VIRTIO_BLK_S_IOERR);
	b.fail = 0;
	/* payload not mapped: the backend's copy fails with -EFAULT */
	st = tg_req3(&g, 0, RMEM_VIRTIO_BLK_T_OUT, 0, TG_BASE + TG_SIZE - 512, 4096, false);
	CHECK_EQ(run(&g, &b, 0), 1);
	CHECK_EQ(*(u8 *)tg_ptr(&g, st), RMEM_VIRTIO_BLK_S_IOERR);
	CHECK_EQ(req.err, VHOST_RMEM_REQ_E_ACCESS);
	/* a refused request never calls the backend */
	b.calls = 0;
	st = tg_req3(&g, 0, RMEM_VIRTIO_BLK_T_OUT, lim.capacity, buf, 512, false);
	CHECK_EQ(run(&g, &b, 0), 1);
	CHECK_EQ(*(u8 *)tg_ptr(&g, st), RMEM_VIRTIO_BLK_S_IOERR);
	CHECK_EQ(b.calls, 0);
	tg_free(&g);
}

RMEM_CASE(block_and_chunk_arithmetic)
{
	u64 f, e;

	CHECK_EQ(vhost_rmem_block_of(4095), 0);
	CHECK_EQ(vhost_rmem_block_of(4096), 1);
	CHECK_EQ(vhost_rmem_block_piece(0, 10000), 4096);
	CHECK_EQ(vhost_rmem_block_piece(1536, 10000), 2560);
	CHECK_EQ(vhost_rmem_block_piece(1536, 100), 100);
	CHECK_EQ(vhost_rmem_block_piece(8191, 5), 1);
	CHECK_EQ(vhost_rmem_io_piece(4096, 1 << 20, 16), 61440);
	CHECK_EQ(vhost_rmem_io_piece(65536, 1 << 20, 16), 65536);
	CHECK_EQ(vhost_rmem_io_piece(65535, 1 << 20, 16), 1);
	CHECK_EQ(vhost_rmem_io_piece(~0ull - 511, 512, 16), 512);

	vhost_rmem_whole_blocks(0, 8192, &f, &e);
	CHECK_EQ(f, 0);
	CHECK_EQ(e, 2);
	vhost_rmem_whole_blocks(512, 8192, &f, &e);	/* 512..8704: only block 1 is whole */
	CHECK_EQ(f, 1);
	CHECK_EQ(e, 2);
	vhost_rmem_whole_blocks(512, 1024, &f, &e);	/* inside one block: none */
	CHECK_EQ(f, e);
	vhost_rmem_whole_blocks(512, 4096, &f, &e);	/* straddles: none */
	CHECK_EQ(f, e);

	/* 2 MiB chunks: 512 blocks, 4096 sectors each */
	CHECK_EQ(vhost_rmem_chunk_of_block(511, 21), 0);
	CHECK_EQ(vhost_rmem_chunk_of_block(512, 21), 1);
	CHECK_EQ(vhost_rmem_block_in_chunk(513, 21), 1);
	CHECK_EQ(vhost_rmem_chunk_of_sector(4095, 21), 0);
	CHECK_EQ(vhost_rmem_chunk_of_sector(4096, 21), 1);
	CHECK_EQ(vhost_rmem_chunk_of_sector(~0ull, 21), (~0ull) >> 12);
	/* 4 KiB chunks: one block each */
	CHECK_EQ(vhost_rmem_chunk_of_block(7, 12), 7);
	CHECK_EQ(vhost_rmem_block_in_chunk(7, 12), 0);
	CHECK_EQ(vhost_rmem_chunks_for(0, 21), 0);
	CHECK_EQ(vhost_rmem_chunks_for(1, 21), 1);
	CHECK_EQ(vhost_rmem_chunks_for(4096, 21), 1);
	CHECK_EQ(vhost_rmem_chunks_for(4097, 21), 2);
	CHECK_EQ(vhost_rmem_chunks_for(~0ull, 30), 1ull << 43);
}

RMEM_CASE(id_format)
{
	char id[20];

	vhost_rmem_req_format_id(0, id);
	CHECK_MEM(id, "rmem0000000000000000", 20);
	vhost_rmem_req_format_id(~0ull, id);
	CHECK_MEM(id, "rmemffffffffffffffff", 20);
	CHECK(rmem_virtio_device_id_valid(1));
	CHECK(!rmem_virtio_device_id_valid(0));
	CHECK(!rmem_virtio_device_id_valid(~0ull));
}

RMEM_TEST_MAIN(RMEM_REF(write_then_read_back), RMEM_REF(io_shift_gives_aligned_window_pieces),
	       RMEM_REF(many_small_segments),
	       RMEM_REF(get_id_answers_the_device_id),
	       RMEM_REF(discard_and_write_zeroes_reach_the_backend),
	       RMEM_REF(failures_become_ioerr), RMEM_REF(block_and_chunk_arithmetic),
	       RMEM_REF(id_format))
