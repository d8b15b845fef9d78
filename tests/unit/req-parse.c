// SPDX-License-Identifier: GPL-2.0
/*
 * Request validation: every malformed request a driver can send gets the
 * status and error cause docs/virtio-rmem.md promises, without touching the
 * backend; well-formed edge cases (last sector, header split across
 * descriptors) pass.
 */
#include "rmem_vq_test.h"

static struct vhost_rmem_vq_chain chain;
static struct vhost_rmem_req req;

static const struct vhost_rmem_req_limits lim = {
	.capacity = 1 << 16,		/* 32 MiB */
	.device_id = 0x1234,
	.max_bytes = 1 << 20,
	.max_discard_sectors = 1 << 12,
	.max_discard_seg = 4,
	.flush = true,
	.discard = true,
	.write_zeroes = true,
};

/* Pops the chain at @head and parses it; returns parse's result. */
static int parse_at(struct tg *g, u16 head, const struct vhost_rmem_req_limits *l)
{
	tg_kick(g, head);
	CHECK_EQ(vhost_rmem_vq_pop(&g->vq, &chain), 1);
	return vhost_rmem_req_parse(&req, l, &chain, &g->ops);
}

static void expect(struct tg *g, const struct vhost_rmem_req_limits *l, u64 st,
		   u8 status, enum vhost_rmem_req_err err)
{
	CHECK_EQ(parse_at(g, 0, l), -EINVAL);
	CHECK_EQ(req.status, status);
	CHECK_EQ(req.err, err);
	CHECK_EQ(vhost_rmem_req_complete(&req), 1);
	CHECK_EQ(*(u8 *)tg_ptr(g, st), status);
}

RMEM_CASE(valid_requests_parse)
{
	struct tg g;
	u64 data;

	tg_init(&g, 8, false, false);
	data = tg_alloc(&g, 8192, 4096);
	tg_req3(&g, 0, RMEM_VIRTIO_BLK_T_IN, 8, data, 8192, true);
	CHECK_EQ(parse_at(&g, 0, &lim), 0);
	CHECK_EQ(req.type, RMEM_VIRTIO_BLK_T_IN);
	CHECK_EQ(req.sector, 8);
	CHECK_EQ(req.data_len, 8192);
	tg_req3(&g, 0, RMEM_VIRTIO_BLK_T_OUT, lim.capacity - 16, data, 8192, false);
	CHECK_EQ(parse_at(&g, 0, &lim), 0);
	CHECK_EQ(req.data_len, 8192);
	tg_req3(&g, 0, RMEM_VIRTIO_BLK_T_FLUSH, 0, 0, 0, false);
	CHECK_EQ(parse_at(&g, 0, &lim), 0);
	tg_req3(&g, 0, RMEM_VIRTIO_BLK_T_GET_ID, 0, data, 20, true);
	CHECK_EQ(parse_at(&g, 0, &lim), 0);
	/* Zero-length read or write: a no-op that succeeds. */
	tg_req3(&g, 0, RMEM_VIRTIO_BLK_T_OUT, lim.capacity, 0, 0, false);
	CHECK_EQ(parse_at(&g, 0, &lim), 0);
	tg_free(&g);
}

RMEM_CASE(header_split_across_descriptors)
{
	struct tg g;
	u64 hdr, st;

	tg_init(&g, 8, false, false);
	hdr = tg_hdr(&g, RMEM_VIRTIO_BLK_T_OUT, 77);
	st = tg_alloc(&g, 1, 1);
	tg_desc(&g, 0, hdr, 5, RMEM_VRING_DESC_F_NEXT, 1);
	tg_desc(&g, 1, hdr + 5, 11 + 512, RMEM_VRING_DESC_F_NEXT, 2);	/* rest of header + data */
	tg_desc(&g, 2, st, 1, RMEM_VRING_DESC_F_WRITE, 0);
	CHECK_EQ(parse_at(&g, 0, &lim), 0);
	CHECK_EQ(req.sector, 77);
	CHECK_EQ(req.data_len, 512);
	tg_free(&g);
}

RMEM_CASE(no_writable_byte_means_no_answer)
{
	struct tg g;
	u64 hdr;

	tg_init(&g, 8, false, false);
	hdr = tg_hdr(&g, RMEM_VIRTIO_BLK_T_FLUSH, 0);
	tg_desc(&g, 0, hdr, 16, 0, 0);
	CHECK_EQ(parse_at(&g, 0, &lim), -EINVAL);
	CHECK_EQ(req.err, VHOST_RMEM_REQ_E_NO_STATUS);
	CHECK(!req.has_status);
	CHECK_EQ(vhost_rmem_req_complete(&req), 0);
	tg_free(&g);
}

RMEM_CASE(short_header)
{
	struct tg g;
	u64 hdr, st;

	tg_init(&g, 8, false, false);
	hdr = tg_hdr(&g, RMEM_VIRTIO_BLK_T_FLUSH, 0);
	st = tg_alloc(&g, 1, 1);
	tg_desc(&g, 0, hdr, 15, RMEM_VRING_DESC_F_NEXT, 1);
	tg_desc(&g, 1, st, 1, RMEM_VRING_DESC_F_WRITE, 0);
	expect(&g, &lim, st, RMEM_VIRTIO_BLK_S_IOERR, VHOST_RMEM_REQ_E_HEADER);
	/* no readable byte at all */
	tg_desc(&g, 0, st, 1, RMEM_VRING_DESC_F_WRITE, 0);
	expect(&g, &lim, st, RMEM_VIRTIO_BLK_S_IOERR, VHOST_RMEM_REQ_E_HEADER);
	tg_free(&g);
}

RMEM_CASE(unmapped_header)
{
	struct tg g;
	u64 st;

	tg_init(&g, 8, false, false);
	st = tg_alloc(&g, 1, 1);
	tg_desc(&g, 0, 0x1000, 16, RMEM_VRING_DESC_F_NEXT, 1);
	tg_desc(&g, 1, st, 1, RMEM_VRING_DESC_F_WRITE, 0);
	expect(&g, &lim, st, RMEM_VIRTIO_BLK_S_IOERR, VHOST_RMEM_REQ_E_ACCESS);
	tg_free(&g);
}

RMEM_CASE(unknown_types_are_unsupported)
{
	static const u32 types[] = { 2, 3, 5, 7, 9, 10, 12, 14, 15, 16, 0x80000000u, ~0u };
	struct tg g;
	unsigned int i;

	tg_init(&g, 8, false, false);
	for (i = 0; i < RMEM_ARRAY_SIZE(types); i++) {
		u64 st = tg_req3(&g, 0, types[i], 0, 0, 0, false);

		expect(&g, &lim, st, RMEM_VIRTIO_BLK_S_UNSUPP, VHOST_RMEM_REQ_E_UNSUPP);
	}
	tg_free(&g);
}

RMEM_CASE(types_without_their_feature_are_unsupported)
{
	struct vhost_rmem_req_limits l = lim;
	struct tg g;
	u64 st, seg;

	l.flush = l.discard = l.write_zeroes = false;
	tg_init(&g, 8, false, false);
	st = tg_req3(&g, 0, RMEM_VIRTIO_BLK_T_FLUSH, 0, 0, 0, false);
	expect(&g, &l, st, RMEM_VIRTIO_BLK_S_UNSUPP, VHOST_RMEM_REQ_E_UNSUPP);
	seg = tg_alloc(&g, 16, 8);
	st = tg_req3(&g, 0, RMEM_VIRTIO_BLK_T_DISCARD, 0, seg, 16, false);
	expect(&g, &l, st, RMEM_VIRTIO_BLK_S_UNSUPP, VHOST_RMEM_REQ_E_UNSUPP);
	st = tg_req3(&g, 0, RMEM_VIRTIO_BLK_T_WRITE_ZEROES, 0, seg, 16, false);
	expect(&g, &l, st, RMEM_VIRTIO_BLK_S_UNSUPP, VHOST_RMEM_REQ_E_UNSUPP);
	tg_free(&g);
}

RMEM_CASE(wrong_shapes)
{
	struct tg g;
	u64 data, st, hdr;

	tg_init(&g, 8, false, false);
	data = tg_alloc(&g, 4096, 8);
	/* IN with a readable payload */
	st = tg_req3(&g, 0, RMEM_VIRTIO_BLK_T_IN, 0, data, 512, false);
	expect(&g, &lim, st, RMEM_VIRTIO_BLK_S_IOERR, VHOST_RMEM_REQ_E_SHAPE);
	/* OUT with a writable payload */
	st = tg_req3(&g, 0, RMEM_VIRTIO_BLK_T_OUT, 0, data, 512, true);
	expect(&g, &lim, st, RMEM_VIRTIO_BLK_S_IOERR, VHOST_RMEM_REQ_E_SHAPE);
	/* FLUSH with payloads either way */
	st = tg_req3(&g, 0, RMEM_VIRTIO_BLK_T_FLUSH, 0, data, 512, false);
	expect(&g, &lim, st, RMEM_VIRTIO_BLK_S_IOERR, VHOST_RMEM_REQ_E_SHAPE);
	st = tg_req3(&g, 0, RMEM_VIRTIO_BLK_T_FLUSH, 0, data, 512, true);
	expect(&g, &lim, st, RMEM_VIRTIO_BLK_S_IOERR, VHOST_RMEM_REQ_E_SHAPE);
	/* GET_ID without a buffer, or with a readable one */
	st = tg_req3(&g, 0, RMEM_VIRTIO_BLK_T_GET_ID, 0, 0, 0, false);
	expect(&g, &lim, st, RMEM_VIRTIO_BLK_S_IOERR, VHOST_RMEM_REQ_E_SHAPE);
	st = tg_req3(&g, 0, RMEM_VIRTIO_BLK_T_GET_ID, 0, data, 20, false);
	expect(&g, &lim, st, RMEM_VIRTIO_BLK_S_IOERR, VHOST_RMEM_REQ_E_SHAPE);
	/* DISCARD with a writable payload */
	st = tg_req3(&g, 0, RMEM_VIRTIO_BLK_T_DISCARD, 0, data, 16, true);
	expect(&g, &lim, st, RMEM_VIRTIO_BLK_S_IOERR, VHOST_RMEM_REQ_E_SHAPE);
	/* status in a longer writable buffer of an OUT: the last byte is the status */
	hdr = tg_hdr(&g, RMEM_VIRTIO_BLK_T_OUT, 0);
	tg_desc(&g, 0, hdr, 16, RMEM_VRING_DESC_F_NEXT, 1);
	tg_desc(&g, 1, data, 8, RMEM_VRING_DESC_F_WRITE, 0);
	expect(&g, &lim, data + 7, RMEM_VIRTIO_BLK_S_IOERR, VHOST_RMEM_REQ_E_SHAPE);
	tg_free(&g);
}

RMEM_CASE(unaligned_payloads)
{
	static const u32 lens[] = { 1, 100, 511, 513, 4095 };
	struct tg g;
	u64 data, st;
	unsigned int i;

	tg_init(&g, 8, false, false);
	data = tg_alloc(&g, 8192, 8);
	for (i = 0; i < RMEM_ARRAY_SIZE(lens); i++) {
		st = tg_req3(&g, 0, RMEM_VIRTIO_BLK_T_IN, 0, data, lens[i], true);
		expect(&g, &lim, st, RMEM_VIRTIO_BLK_S_IOERR, VHOST_RMEM_REQ_E_ALIGN);
		st = tg_req3(&g, 0, RMEM_VIRTIO_BLK_T_OUT, 0, data, lens[i], false);
		expect(&g, &lim, st, RMEM_VIRTIO_BLK_S_IOERR, VHOST_RMEM_REQ_E_ALIGN);
	}
	tg_free(&g);
}

RMEM_CASE(out_of_range)
{
	static const u64 sectors[] = { 1 << 16, (1 << 16) - 1, (1 << 16) + 1, ~0ull, ~0ull - 7,
				       1ull << 55, 1ull << 63 };
	struct tg g;
	u64 data, st;
	unsigned int i;

	tg_init(&g, 8, false, false);
	data = tg_alloc(&g, 4096, 8);
	for (i = 0; i < RMEM_ARRAY_SIZE(sectors); i++) {
		st = tg_req3(&g, 0, RMEM_VIRTIO_BLK_T_OUT, sectors[i], data, 1024, false);
		expect(&g, &lim, st, RMEM_VIRTIO_BLK_S_IOERR, VHOST_RMEM_REQ_E_RANGE);
		st = tg_req3(&g, 0, RMEM_VIRTIO_BLK_T_IN, sectors[i], data, 1024, true);
		expect(&g, &lim, st, RMEM_VIRTIO_BLK_S_IOERR, VHOST_RMEM_REQ_E_RANGE);
	}
	tg_free(&g);
}

RMEM_CASE(too_big)
{
	struct vhost_rmem_req_limits l = lim;
	struct tg g;
	u64 data, st;

	l.max_bytes = 4096;
	tg_init(&g, 8, false, false);
	data = tg_alloc(&g, 8192, 8);
	st = tg_req3(&g, 0, RMEM_VIRTIO_BLK_T_OUT, 0, data, 4608, false);
	expect(&g, &l, st, RMEM_VIRTIO_BLK_S_IOERR, VHOST_RMEM_REQ_E_TOO_BIG);
	tg_free(&g);
}

static u64 segs(struct tg *g, unsigned int n, u64 sector, u32 nsect, u32 flags)
{
	u64 a = tg_alloc(g, 16ull * n, 8);
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct rmem_virtio_blk_discard d = {
			.sector = cpu_to_le64(sector + (u64)i * nsect),
			.num_sectors = cpu_to_le32(nsect),
			.flags = cpu_to_le32(flags),
		};

		memcpy(tg_ptr(g, a + 16ull * i), &d, sizeof(d));
	}
	return a;
}

RMEM_CASE(discard_and_write_zeroes_segments)
{
	struct tg g;
	u64 s, st;

	tg_init(&g, 8, false, false);
	/* valid: 4 segments, write-zeroes with unmap */
	s = segs(&g, 4, 0, 8, 0);
	tg_req3(&g, 0, RMEM_VIRTIO_BLK_T_DISCARD, 0, s, 64, false);
	CHECK_EQ(parse_at(&g, 0, &lim), 0);
	CHECK_EQ(req.nr_ranges, 4);
	CHECK_EQ(req.ranges[3].sector, 24);
	s = segs(&g, 1, lim.capacity - 8, 8, RMEM_VIRTIO_BLK_WZ_F_UNMAP);
	tg_req3(&g, 0, RMEM_VIRTIO_BLK_T_WRITE_ZEROES, 0, s, 16, false);
	CHECK_EQ(parse_at(&g, 0, &lim), 0);
	/* no segment, a partial one */
	st = tg_req3(&g, 0, RMEM_VIRTIO_BLK_T_DISCARD, 0, 0, 0, false);
	expect(&g, &lim, st, RMEM_VIRTIO_BLK_S_IOERR, VHOST_RMEM_REQ_E_ALIGN);
	s = segs(&g, 2, 0, 8, 0);
	st = tg_req3(&g, 0, RMEM_VIRTIO_BLK_T_DISCARD, 0, s, 24, false);
	expect(&g, &lim, st, RMEM_VIRTIO_BLK_S_IOERR, VHOST_RMEM_REQ_E_ALIGN);
	/* too many segments */
	s = segs(&g, 5, 0, 8, 0);
	st = tg_req3(&g, 0, RMEM_VIRTIO_BLK_T_DISCARD, 0, s, 80, false);
	expect(&g, &lim, st, RMEM_VIRTIO_BLK_S_IOERR, VHOST_RMEM_REQ_E_TOO_BIG);
	/* segment too large */
	s = segs(&g, 1, 0, lim.max_discard_sectors + 1, 0);
	st = tg_req3(&g, 0, RMEM_VIRTIO_BLK_T_WRITE_ZEROES, 0, s, 16, false);
	expect(&g, &lim, st, RMEM_VIRTIO_BLK_S_IOERR, VHOST_RMEM_REQ_E_TOO_BIG);
	/* flags: unmap on a discard, unknown on either */
	s = segs(&g, 1, 0, 8, RMEM_VIRTIO_BLK_WZ_F_UNMAP);
	st = tg_req3(&g, 0, RMEM_VIRTIO_BLK_T_DISCARD, 0, s, 16, false);
	expect(&g, &lim, st, RMEM_VIRTIO_BLK_S_UNSUPP, VHOST_RMEM_REQ_E_UNSUPP);
	s = segs(&g, 1, 0, 8, 2);
	st = tg_req3(&g, 0, RMEM_VIRTIO_BLK_T_WRITE_ZEROES, 0, s, 16, false);
	expect(&g, &lim, st, RMEM_VIRTIO_BLK_S_UNSUPP, VHOST_RMEM_REQ_E_UNSUPP);
	/* out of range, overflowing */
	s = segs(&g, 1, lim.capacity - 7, 8, 0);
	st = tg_req3(&g, 0, RMEM_VIRTIO_BLK_T_DISCARD, 0, s, 16, false);
	expect(&g, &lim, st, RMEM_VIRTIO_BLK_S_IOERR, VHOST_RMEM_REQ_E_RANGE);
	s = segs(&g, 1, ~0ull - 3, 8, 0);
	st = tg_req3(&g, 0, RMEM_VIRTIO_BLK_T_WRITE_ZEROES, 0, s, 16, false);
	expect(&g, &lim, st, RMEM_VIRTIO_BLK_S_IOERR, VHOST_RMEM_REQ_E_RANGE);
	/* segments not mapped */
	st = tg_req3(&g, 0, RMEM_VIRTIO_BLK_T_DISCARD, 0, 0x1000, 16, false);
	expect(&g, &lim, st, RMEM_VIRTIO_BLK_S_IOERR, VHOST_RMEM_REQ_E_ACCESS);
	tg_free(&g);
}

RMEM_CASE(unwritable_status_means_no_answer)
{
	struct tg g;
	u64 hdr;

	tg_init(&g, 8, false, false);
	hdr = tg_hdr(&g, RMEM_VIRTIO_BLK_T_FLUSH, 0);
	tg_desc(&g, 0, hdr, 16, RMEM_VRING_DESC_F_NEXT, 1);
	tg_desc(&g, 1, 0x1000, 1, RMEM_VRING_DESC_F_WRITE, 0);
	CHECK_EQ(parse_at(&g, 0, &lim), 0);
	req.status = RMEM_VIRTIO_BLK_S_OK;
	CHECK_EQ(vhost_rmem_req_complete(&req), 0);
	CHECK_EQ(req.err, VHOST_RMEM_REQ_E_ACCESS);
	tg_free(&g);
}

RMEM_CASE(error_names)
{
	CHECK_STR(vhost_rmem_req_err_name(VHOST_RMEM_REQ_E_RANGE), "range");
	CHECK_STR(vhost_rmem_req_err_name(VHOST_RMEM_REQ_E_NR), "?");
}

RMEM_TEST_MAIN(RMEM_REF(valid_requests_parse), RMEM_REF(header_split_across_descriptors),
	       RMEM_REF(no_writable_byte_means_no_answer), RMEM_REF(short_header),
	       RMEM_REF(unmapped_header), RMEM_REF(unknown_types_are_unsupported),
	       RMEM_REF(types_without_their_feature_are_unsupported),
	       RMEM_REF(wrong_shapes), RMEM_REF(unaligned_payloads), RMEM_REF(out_of_range),
	       RMEM_REF(too_big), RMEM_REF(discard_and_write_zeroes_segments),
	       RMEM_REF(unwritable_status_means_no_answer), RMEM_REF(error_names))
