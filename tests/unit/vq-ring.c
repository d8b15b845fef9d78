// SPDX-License-Identifier: GPL-2.0
/*
 * The ring around the chains: used elements and their publication, 16-bit
 * index wrap-around, interrupt suppression (flags and EVENT_IDX) and kick
 * suppression for the drain loop.
 */
#include "rmem_vq_test.h"

static struct vhost_rmem_vq_chain chain;

/* Submits one 2-descriptor flush-shaped request per round, @rounds times. */
static void run_rounds(struct tg *g, unsigned int rounds)
{
	unsigned int r;

	for (r = 0; r < rounds; r++) {
		u16 head = (u16)((r * 2) & (g->num - 1));
		u16 before = tg_used_idx(g);
		struct rmem_vring_used_elem e;

		tg_req3(g, head, RMEM_VIRTIO_BLK_T_FLUSH, 0, 0, 0, false);
		tg_kick(g, head);
		CHECK_EQ(vhost_rmem_vq_pop(&g->vq, &chain), 1);
		CHECK_EQ(chain.head, head);
		CHECK_EQ(vhost_rmem_vq_add_used(&g->vq, chain.head, 1), 0);
		/* Not visible before publish. */
		CHECK_EQ(tg_used_idx(g), before);
		CHECK_EQ(vhost_rmem_vq_publish(&g->vq), 0);
		CHECK_EQ(tg_used_idx(g), (u16)(before + 1));
		e = tg_used_elem(g, before);
		CHECK_EQ(le32_to_cpu(e.id), head);
		CHECK_EQ(le32_to_cpu(e.len), 1);
		CHECK_EQ(vhost_rmem_vq_pop(&g->vq, &chain), 0);
	}
}

RMEM_CASE(used_ring_is_filled_and_published)
{
	struct tg g;

	tg_init(&g, 8, false, false);
	run_rounds(&g, 20);
	CHECK_EQ(g.vq.last_avail, 20);
	CHECK_EQ(g.vq.used_idx, 20);
	tg_free(&g);
}

RMEM_CASE(indices_wrap_at_65536)
{
	struct tg g;

	tg_init(&g, 4, false, false);
	tg_set_idx(&g, 65530);
	run_rounds(&g, 12);
	CHECK_EQ(g.vq.last_avail, (u16)(65530 + 12));
	CHECK_EQ(tg_used_idx(&g), 6);
	tg_free(&g);
}

RMEM_CASE(full_ring_is_drained_in_order)
{
	struct tg g;
	u16 i;

	tg_init(&g, 8, false, false);
	tg_set_idx(&g, 65533);
	for (i = 0; i < 4; i++) {
		tg_req3(&g, i * 2, RMEM_VIRTIO_BLK_T_FLUSH, 0, 0, 0, false);
		tg_kick(&g, i * 2);
	}
	for (i = 0; i < 4; i++) {
		CHECK_EQ(vhost_rmem_vq_pop(&g.vq, &chain), 1);
		CHECK_EQ(chain.head, i * 2);
		CHECK_EQ(vhost_rmem_vq_add_used(&g.vq, chain.head, 1), 0);
	}
	CHECK_EQ(vhost_rmem_vq_pop(&g.vq, &chain), 0);
	CHECK_EQ(vhost_rmem_vq_publish(&g.vq), 0);
	CHECK_EQ(tg_used_idx(&g), 1);
	for (i = 0; i < 4; i++)
		CHECK_EQ(le32_to_cpu(tg_used_elem(&g, (u16)(65533 + i)).id), i * 2);
	tg_free(&g);
}

RMEM_CASE(exactly_num_pending_is_fine_one_more_is_not)
{
	struct tg g;
	u16 pending = 0;

	tg_init(&g, 4, false, false);
	tg_put16(&g, g.vq.avail + RMEM_AVAIL_IDX, 4);
	CHECK_EQ(vhost_rmem_vq_avail_pending(&g.vq, &pending), 0);
	CHECK_EQ(pending, 4);
	tg_put16(&g, g.vq.avail + RMEM_AVAIL_IDX, 5);
	CHECK_EQ(vhost_rmem_vq_avail_pending(&g.vq, &pending), -EIO);
	tg_free(&g);
}

RMEM_CASE(interrupts_follow_the_no_interrupt_flag)
{
	struct tg g;

	tg_init(&g, 8, false, false);
	run_rounds(&g, 1);
	CHECK(vhost_rmem_vq_need_notify(&g.vq));
	tg_put16(&g, g.vq.avail + RMEM_AVAIL_FLAGS, RMEM_VRING_AVAIL_F_NO_INTERRUPT);
	run_rounds(&g, 1);
	CHECK(!vhost_rmem_vq_need_notify(&g.vq));
	tg_free(&g);
}

RMEM_CASE(interrupts_follow_used_event)
{
	struct tg g;

	tg_init(&g, 8, false, true);
	/* First publication always interrupts. */
	run_rounds(&g, 1);
	CHECK(vhost_rmem_vq_need_notify(&g.vq));
	/* used_event = 3: the driver wants an interrupt once used passes 3. */
	tg_put16(&g, g.vq.avail + RMEM_AVAIL_USED_EVENT(8), 3);
	run_rounds(&g, 1);	/* used 2 */
	CHECK(!vhost_rmem_vq_need_notify(&g.vq));
	run_rounds(&g, 1);	/* used 3 */
	CHECK(!vhost_rmem_vq_need_notify(&g.vq));
	run_rounds(&g, 1);	/* used 4: crossed 3 -> 4 */
	CHECK(vhost_rmem_vq_need_notify(&g.vq));
	run_rounds(&g, 1);
	CHECK(!vhost_rmem_vq_need_notify(&g.vq));
	/* The flag means nothing with EVENT_IDX. */
	tg_put16(&g, g.vq.avail + RMEM_AVAIL_FLAGS, RMEM_VRING_AVAIL_F_NO_INTERRUPT);
	tg_put16(&g, g.vq.avail + RMEM_AVAIL_USED_EVENT(8), 5);
	run_rounds(&g, 1);
	CHECK(vhost_rmem_vq_need_notify(&g.vq));
	tg_free(&g);
}

RMEM_CASE(kick_suppression_with_flags)
{
	struct tg g;

	tg_init(&g, 8, false, false);
	vhost_rmem_vq_disable_kick(&g.vq);
	CHECK_EQ(tg_get16(&g, g.vq.used + RMEM_USED_FLAGS), RMEM_VRING_USED_F_NO_NOTIFY);
	CHECK(!vhost_rmem_vq_enable_kick(&g.vq));
	CHECK_EQ(tg_get16(&g, g.vq.used + RMEM_USED_FLAGS), 0);
	/* A buffer that slipped in while disabled is reported. */
	vhost_rmem_vq_disable_kick(&g.vq);
	tg_req3(&g, 0, RMEM_VIRTIO_BLK_T_FLUSH, 0, 0, 0, false);
	tg_kick(&g, 0);
	CHECK(vhost_rmem_vq_enable_kick(&g.vq));
	tg_free(&g);
}

RMEM_CASE(kick_suppression_with_event_idx)
{
	struct tg g;

	tg_init(&g, 8, false, true);
	run_rounds(&g, 3);
	vhost_rmem_vq_disable_kick(&g.vq);
	CHECK_EQ(tg_get16(&g, g.vq.used + RMEM_USED_FLAGS), 0);
	CHECK(!vhost_rmem_vq_enable_kick(&g.vq));
	CHECK_EQ(tg_get16(&g, g.vq.used + RMEM_USED_AVAIL_EVENT(8)), 3);
	tg_free(&g);
}

RMEM_CASE(unwritable_used_ring_breaks_the_ring)
{
	struct tg g;

	tg_init(&g, 8, false, false);
	tg_req3(&g, 0, RMEM_VIRTIO_BLK_T_FLUSH, 0, 0, 0, false);
	tg_kick(&g, 0);
	CHECK_EQ(vhost_rmem_vq_pop(&g.vq, &chain), 1);
	g.vq.used = 0x2000;
	CHECK_EQ(vhost_rmem_vq_add_used(&g.vq, 0, 1), -EIO);
	CHECK(g.vq.broken);
	CHECK_EQ(vhost_rmem_vq_publish(&g.vq), -EIO);
	CHECK(!vhost_rmem_vq_need_notify(&g.vq));
	CHECK(!vhost_rmem_vq_enable_kick(&g.vq));
	/* reset clears it */
	vhost_rmem_vq_reset_state(&g.vq, 0);
	CHECK(!g.vq.broken);
	tg_free(&g);
}

RMEM_TEST_MAIN(RMEM_REF(used_ring_is_filled_and_published), RMEM_REF(indices_wrap_at_65536),
	       RMEM_REF(full_ring_is_drained_in_order),
	       RMEM_REF(exactly_num_pending_is_fine_one_more_is_not),
	       RMEM_REF(interrupts_follow_the_no_interrupt_flag),
	       RMEM_REF(interrupts_follow_used_event), RMEM_REF(kick_suppression_with_flags),
	       RMEM_REF(kick_suppression_with_event_idx),
	       RMEM_REF(unwritable_used_ring_breaks_the_ring))
