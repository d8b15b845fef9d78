// SPDX-License-Identifier: GPL-2.0
/*
 * Descriptor chains as vhost_rmem_vq_pop() walks them: the normal shapes, indirect
 * tables, and every malformed chain a driver can build (loops, indices out
 * of range, order, nesting, sizes, address wrap, unmapped tables).  A
 * malformed chain must be refused with its head still returnable; a broken
 * ring must stop the queue; nothing may read outside the guest buffer
 * (ASan would say so).
 */
#include "rmem_vq_test.h"

static struct vhost_rmem_vq_chain chain;

static int pop(struct tg *g)
{
	return vhost_rmem_vq_pop(&g->vq, &chain);
}

RMEM_CASE(empty_ring_pops_nothing)
{
	struct tg g;

	tg_init(&g, 8, false, false);
	CHECK_EQ(pop(&g), 0);
	CHECK(!g.vq.broken);
	tg_free(&g);
}

RMEM_CASE(three_descriptor_request)
{
	struct tg g;
	u64 data;

	tg_init(&g, 8, false, false);
	data = tg_alloc(&g, 4096, 4096);
	tg_req3(&g, 2, RMEM_VIRTIO_BLK_T_IN, 0, data, 4096, true);
	tg_kick(&g, 2);
	CHECK_EQ(pop(&g), 1);
	CHECK_EQ(chain.head, 2);
	CHECK_EQ(chain.nr_out, 1);
	CHECK_EQ(chain.nr_in, 2);
	CHECK_EQ(chain.ndesc, 3);
	CHECK_EQ(chain.out_len, 16);
	CHECK_EQ(chain.in_len, 4097);
	CHECK_EQ(chain.seg[1].addr, data);
	CHECK_EQ(chain.seg[1].len, 4096);
	CHECK_EQ(g.vq.last_avail, 1);
	CHECK_EQ(pop(&g), 0);
	tg_free(&g);
}

RMEM_CASE(zero_length_descriptors_are_skipped)
{
	struct tg g;
	u64 a = 0;

	tg_init(&g, 8, false, false);
	a = tg_alloc(&g, 64, 8);
	tg_desc(&g, 0, a, 16, RMEM_VRING_DESC_F_NEXT, 1);
	tg_desc(&g, 1, 0, 0, RMEM_VRING_DESC_F_NEXT, 2);	/* empty, any address */
	tg_desc(&g, 2, 0, 0, RMEM_VRING_DESC_F_NEXT | RMEM_VRING_DESC_F_WRITE, 3);
	tg_desc(&g, 3, a + 32, 1, RMEM_VRING_DESC_F_WRITE, 0);
	tg_kick(&g, 0);
	CHECK_EQ(pop(&g), 1);
	CHECK_EQ(chain.nr_out, 1);
	CHECK_EQ(chain.nr_in, 1);
	CHECK_EQ(chain.ndesc, 4);
	tg_free(&g);
}

static void expect_bad(struct tg *g, u16 head, enum vhost_rmem_vq_err err)
{
	tg_kick(g, head);
	CHECK_EQ(pop(g), -EBADMSG);
	CHECK_EQ(chain.head, head);
	CHECK_EQ(g->vq.last_err, err);
	CHECK(!g->vq.broken);
	/* The queue goes on: the head is returnable and the next one pops. */
	CHECK_EQ(vhost_rmem_vq_add_used(&g->vq, chain.head, 0), 0);
	CHECK_EQ(vhost_rmem_vq_publish(&g->vq), 0);
}

RMEM_CASE(loop_of_two_is_refused)
{
	struct tg g;
	u64 a;

	tg_init(&g, 8, false, false);
	a = tg_alloc(&g, 64, 8);
	tg_desc(&g, 0, a, 16, RMEM_VRING_DESC_F_NEXT, 1);
	tg_desc(&g, 1, a + 16, 16, RMEM_VRING_DESC_F_NEXT, 0);
	expect_bad(&g, 0, VHOST_RMEM_VQ_E_LOOP);
	tg_free(&g);
}

RMEM_CASE(self_loop_is_refused)
{
	struct tg g;
	u64 a;

	tg_init(&g, 4, false, false);
	a = tg_alloc(&g, 64, 8);
	tg_desc(&g, 3, a, 0, RMEM_VRING_DESC_F_NEXT, 3);	/* empty: no segment limit */
	expect_bad(&g, 3, VHOST_RMEM_VQ_E_LOOP);
	tg_free(&g);
}

RMEM_CASE(loop_in_a_large_ring_hits_a_limit)
{
	struct tg g;
	u64 a;

	/* A 1024-entry ring could walk 1024 descriptors; the cap is lower. */
	tg_init(&g, 1024, false, false);
	a = tg_alloc(&g, 64, 8);
	tg_desc(&g, 0, a, 0, RMEM_VRING_DESC_F_NEXT, 1);
	tg_desc(&g, 1, a, 0, RMEM_VRING_DESC_F_NEXT, 0);
	expect_bad(&g, 0, VHOST_RMEM_VQ_E_TOO_LONG);
	CHECK_EQ(chain.ndesc, VHOST_RMEM_VQ_MAX_DESCS);
	tg_free(&g);
}

RMEM_CASE(next_out_of_range_is_refused)
{
	struct tg g;
	u64 a;

	tg_init(&g, 8, false, false);
	a = tg_alloc(&g, 64, 8);
	tg_desc(&g, 0, a, 16, RMEM_VRING_DESC_F_NEXT, 8);
	expect_bad(&g, 0, VHOST_RMEM_VQ_E_NEXT_RANGE);
	tg_desc(&g, 0, a, 16, RMEM_VRING_DESC_F_NEXT, 0xffff);
	expect_bad(&g, 0, VHOST_RMEM_VQ_E_NEXT_RANGE);
	tg_free(&g);
}

RMEM_CASE(readable_after_writable_is_refused)
{
	struct tg g;
	u64 a;

	tg_init(&g, 8, false, false);
	a = tg_alloc(&g, 64, 8);
	tg_desc(&g, 0, a, 16, RMEM_VRING_DESC_F_NEXT, 1);
	tg_desc(&g, 1, a + 16, 8, RMEM_VRING_DESC_F_NEXT | RMEM_VRING_DESC_F_WRITE, 2);
	tg_desc(&g, 2, a + 24, 8, 0, 0);
	expect_bad(&g, 0, VHOST_RMEM_VQ_E_ORDER);
	tg_free(&g);
}

RMEM_CASE(address_wrap_is_refused)
{
	struct tg g;

	tg_init(&g, 8, false, false);
	tg_desc(&g, 0, ~0ull - 10, 100, 0, 0);
	expect_bad(&g, 0, VHOST_RMEM_VQ_E_ADDR_WRAP);
	tg_free(&g);
}

RMEM_CASE(too_many_segments_are_refused)
{
	struct tg g;
	u64 a;
	u16 i;

	tg_init(&g, 256, false, false);
	a = tg_alloc(&g, 4096, 8);
	for (i = 0; i < VHOST_RMEM_VQ_MAX_SEGS + 1; i++)
		tg_desc(&g, i, a + i, 1, i == VHOST_RMEM_VQ_MAX_SEGS ? 0 : RMEM_VRING_DESC_F_NEXT, i + 1);
	expect_bad(&g, 0, VHOST_RMEM_VQ_E_TOO_LONG);
	/* Exactly the limit is fine. */
	tg_desc(&g, VHOST_RMEM_VQ_MAX_SEGS - 1, a, 1, 0, 0);
	tg_kick(&g, 0);
	CHECK_EQ(pop(&g), 1);
	CHECK_EQ(chain.nr_out, VHOST_RMEM_VQ_MAX_SEGS);
	tg_free(&g);
}

RMEM_CASE(unmapped_descriptor_table_is_refused)
{
	struct tg g;

	tg_init(&g, 8, false, false);
	g.vq.desc = 0x1000;	/* below TG_BASE: nothing mapped there */
	expect_bad(&g, 0, VHOST_RMEM_VQ_E_DESC_FETCH);
	CHECK(g.faults > 0);
	tg_free(&g);
}

RMEM_CASE(head_out_of_range_breaks_the_ring)
{
	struct tg g;

	tg_init(&g, 8, false, false);
	tg_kick(&g, 8);
	CHECK_EQ(pop(&g), -EIO);
	CHECK(g.vq.broken);
	/* Broken stays broken and touches nothing. */
	CHECK_EQ(pop(&g), -EIO);
	CHECK_EQ(vhost_rmem_vq_add_used(&g.vq, 0, 0), -EIO);
	tg_free(&g);
}

RMEM_CASE(avail_index_running_ahead_breaks_the_ring)
{
	struct tg g;

	tg_init(&g, 8, false, false);
	tg_put16(&g, g.vq.avail + RMEM_AVAIL_IDX, 9);
	CHECK_EQ(pop(&g), -EIO);
	CHECK(g.vq.broken);
	tg_free(&g);
}

RMEM_CASE(unmapped_avail_ring_breaks_the_ring)
{
	struct tg g;

	tg_init(&g, 8, false, false);
	g.vq.avail = TG_BASE + TG_SIZE;
	CHECK_EQ(pop(&g), -EIO);
	CHECK(g.vq.broken);
	tg_free(&g);
}

/* An indirect table of three descriptors: header, data, status. */
static u64 build_indirect(struct tg *g, u32 data_len)
{
	u64 t = tg_alloc(g, 3 * 16, 16);
	u64 hdr = tg_hdr(g, RMEM_VIRTIO_BLK_T_OUT, 0);
	u64 data = tg_alloc(g, data_len, 8);
	u64 st = tg_alloc(g, 1, 1);

	tg_desc_at(g, t, 0, hdr, 16, RMEM_VRING_DESC_F_NEXT, 1);
	tg_desc_at(g, t, 1, data, data_len, RMEM_VRING_DESC_F_NEXT, 2);
	tg_desc_at(g, t, 2, st, 1, RMEM_VRING_DESC_F_WRITE, 0);
	return t;
}

RMEM_CASE(indirect_table_is_walked)
{
	struct tg g;
	u64 t;

	tg_init(&g, 8, true, false);
	t = build_indirect(&g, 512);
	tg_desc(&g, 5, t, 48, RMEM_VRING_DESC_F_INDIRECT, 0);
	tg_kick(&g, 5);
	CHECK_EQ(pop(&g), 1);
	CHECK_EQ(chain.head, 5);
	CHECK_EQ(chain.nr_out, 2);
	CHECK_EQ(chain.nr_in, 1);
	CHECK_EQ(chain.out_len, 16 + 512);
	CHECK_EQ(chain.ndesc, 4);
	tg_free(&g);
}

RMEM_CASE(direct_then_indirect_is_walked)
{
	struct tg g;
	u64 t, a;

	tg_init(&g, 8, true, false);
	t = build_indirect(&g, 512);
	a = tg_alloc(&g, 16, 8);
	tg_desc(&g, 0, a, 16, RMEM_VRING_DESC_F_NEXT, 1);
	tg_desc(&g, 1, t, 48, RMEM_VRING_DESC_F_INDIRECT, 0);
	tg_kick(&g, 0);
	CHECK_EQ(pop(&g), 1);
	CHECK_EQ(chain.nr_out, 3);
	tg_free(&g);
}

RMEM_CASE(indirect_without_feature_is_refused)
{
	struct tg g;
	u64 t;

	tg_init(&g, 8, false, false);
	t = build_indirect(&g, 512);
	tg_desc(&g, 0, t, 48, RMEM_VRING_DESC_F_INDIRECT, 0);
	expect_bad(&g, 0, VHOST_RMEM_VQ_E_INDIRECT);
	tg_free(&g);
}

RMEM_CASE(bad_indirect_descriptors_are_refused)
{
	struct tg g;
	u64 t, t2;

	tg_init(&g, 8, true, false);
	t = build_indirect(&g, 512);
	/* with NEXT */
	tg_desc(&g, 0, t, 48, RMEM_VRING_DESC_F_INDIRECT | RMEM_VRING_DESC_F_NEXT, 1);
	expect_bad(&g, 0, VHOST_RMEM_VQ_E_INDIRECT);
	/* length not a multiple of 16, and zero */
	tg_desc(&g, 0, t, 47, RMEM_VRING_DESC_F_INDIRECT, 0);
	expect_bad(&g, 0, VHOST_RMEM_VQ_E_INDIRECT);
	tg_desc(&g, 0, t, 0, RMEM_VRING_DESC_F_INDIRECT, 0);
	expect_bad(&g, 0, VHOST_RMEM_VQ_E_INDIRECT);
	/* larger than any ring */
	tg_desc(&g, 0, t, 16 * (VHOST_RMEM_VQ_NUM_MAX + 1), RMEM_VRING_DESC_F_INDIRECT, 0);
	expect_bad(&g, 0, VHOST_RMEM_VQ_E_INDIRECT);
	/* nested */
	t2 = tg_alloc(&g, 16, 16);
	tg_desc_at(&g, t2, 0, t, 48, RMEM_VRING_DESC_F_INDIRECT, 0);
	tg_desc(&g, 0, t2, 16, RMEM_VRING_DESC_F_INDIRECT, 0);
	expect_bad(&g, 0, VHOST_RMEM_VQ_E_INDIRECT);
	/* table not mapped */
	tg_desc(&g, 0, TG_BASE + TG_SIZE, 48, RMEM_VRING_DESC_F_INDIRECT, 0);
	expect_bad(&g, 0, VHOST_RMEM_VQ_E_DESC_FETCH);
	tg_free(&g);
}

RMEM_CASE(loops_and_ranges_inside_an_indirect_table)
{
	struct tg g;
	u64 t, a;

	tg_init(&g, 8, true, false);
	t = tg_alloc(&g, 4 * 16, 16);
	a = tg_alloc(&g, 64, 8);
	tg_desc_at(&g, t, 0, a, 16, RMEM_VRING_DESC_F_NEXT, 1);
	tg_desc_at(&g, t, 1, a, 16, RMEM_VRING_DESC_F_NEXT, 0);
	tg_desc(&g, 0, t, 64, RMEM_VRING_DESC_F_INDIRECT, 0);
	expect_bad(&g, 0, VHOST_RMEM_VQ_E_LOOP);
	/* next points past the table (but inside the ring's size) */
	tg_desc_at(&g, t, 1, a, 16, RMEM_VRING_DESC_F_NEXT, 4);
	expect_bad(&g, 0, VHOST_RMEM_VQ_E_NEXT_RANGE);
	tg_free(&g);
}

RMEM_CASE(layout_checks)
{
	CHECK_EQ(vhost_rmem_vq_check_layout(256, 0x1000, 0x2000, 0x3000), 0);
	CHECK_EQ(vhost_rmem_vq_check_layout(1, 0x1000, 0x2000, 0x3000), 0);
	CHECK_EQ(vhost_rmem_vq_check_layout(256, ~0ull - 4095, 0x2000, 0x3000), 0);
	CHECK_EQ(vhost_rmem_vq_check_layout(0, 0x1000, 0x2000, 0x3000), -EINVAL);
	CHECK_EQ(vhost_rmem_vq_check_layout(3, 0x1000, 0x2000, 0x3000), -EINVAL);
	CHECK_EQ(vhost_rmem_vq_check_layout(65535, 0x1000, 0x2000, 0x3000), -EINVAL);
	CHECK_EQ(vhost_rmem_vq_check_layout(256, 0x1008, 0x2000, 0x3000), -EINVAL);
	CHECK_EQ(vhost_rmem_vq_check_layout(256, 0x1000, 0x2001, 0x3000), -EINVAL);
	CHECK_EQ(vhost_rmem_vq_check_layout(256, 0x1000, 0x2000, 0x3002), -EINVAL);
	CHECK_EQ(vhost_rmem_vq_check_layout(256, ~0ull - 2047, 0x2000, 0x3000), -EINVAL);
	CHECK_EQ(vhost_rmem_vq_check_layout(256, 0x1000, 0x2000, ~0ull - 3), -EINVAL);
	CHECK_STR(vhost_rmem_vq_err_name(VHOST_RMEM_VQ_E_LOOP), "descriptor loop");
	CHECK_STR(vhost_rmem_vq_err_name(VHOST_RMEM_VQ_E_NR), "?");
}

RMEM_TEST_MAIN(RMEM_REF(empty_ring_pops_nothing), RMEM_REF(three_descriptor_request),
	       RMEM_REF(zero_length_descriptors_are_skipped),
	       RMEM_REF(loop_of_two_is_refused), RMEM_REF(self_loop_is_refused),
	       RMEM_REF(loop_in_a_large_ring_hits_a_limit),
	       RMEM_REF(next_out_of_range_is_refused),
	       RMEM_REF(readable_after_writable_is_refused),
	       RMEM_REF(address_wrap_is_refused), RMEM_REF(too_many_segments_are_refused),
	       RMEM_REF(unmapped_descriptor_table_is_refused),
	       RMEM_REF(head_out_of_range_breaks_the_ring),
	       RMEM_REF(avail_index_running_ahead_breaks_the_ring),
	       RMEM_REF(unmapped_avail_ring_breaks_the_ring),
	       RMEM_REF(indirect_table_is_walked), RMEM_REF(direct_then_indirect_is_walked),
	       RMEM_REF(indirect_without_feature_is_refused),
	       RMEM_REF(bad_indirect_descriptors_are_refused),
	       RMEM_REF(loops_and_ranges_inside_an_indirect_table),
	       RMEM_REF(layout_checks))
