// SPDX-License-Identifier: GPL-2.0
/*
 * vhost_rmem_vq.c - device side of a split virtqueue (see vhost_rmem_vq.h).
 *
 * Shape of the code follows the spec's device requirements (virtio 1.3,
 * 2.7): read avail->idx, barrier, read the ring entry, walk the chain
 * copying each descriptor once; write used elements, barrier, publish
 * used->idx; decide on interrupts with used_event or the NO_INTERRUPT flag.
 */
#include "vhost_rmem_vq.h"

static const char *const vhost_rmem_vq_err_names[VHOST_RMEM_VQ_E_NR] = {
	[VHOST_RMEM_VQ_OK] = "ok",
	[VHOST_RMEM_VQ_E_DESC_FETCH] = "descriptor not readable",
	[VHOST_RMEM_VQ_E_NEXT_RANGE] = "next index out of range",
	[VHOST_RMEM_VQ_E_LOOP] = "descriptor loop",
	[VHOST_RMEM_VQ_E_TOO_LONG] = "chain too long",
	[VHOST_RMEM_VQ_E_ORDER] = "readable descriptor after writable",
	[VHOST_RMEM_VQ_E_INDIRECT] = "bad indirect descriptor",
	[VHOST_RMEM_VQ_E_ADDR_WRAP] = "buffer address wraps",
};

const char *vhost_rmem_vq_err_name(enum vhost_rmem_vq_err err)
{
	if ((unsigned int)err >= VHOST_RMEM_VQ_E_NR)
		return "?";
	return vhost_rmem_vq_err_names[err];
}

int vhost_rmem_vq_check_layout(u16 num, u64 desc, u64 avail, u64 used)
{
	if (num == 0 || num > VHOST_RMEM_VQ_NUM_MAX || (num & (num - 1)))
		return -EINVAL;
	if ((desc & 15) || (avail & 1) || (used & 3))
		return -EINVAL;
	/* The areas must not wrap the 64-bit space either. */
	if (desc + 16ull * num - 1 < desc ||
	    avail + RMEM_AVAIL_USED_EVENT(num) + 1 < avail ||
	    used + RMEM_USED_AVAIL_EVENT(num) + 1 < used)
		return -EINVAL;
	return 0;
}

void vhost_rmem_vq_reset_state(struct vhost_rmem_vq *vq, u16 last_avail)
{
	vq->last_avail = last_avail;
	vq->used_idx = last_avail;
	vq->signalled_used = 0;
	vq->signalled_valid = false;
	vq->broken = false;
	vq->last_err = VHOST_RMEM_VQ_OK;
}

static int vhost_rmem_vq_read16(struct vhost_rmem_vq *vq, u64 addr, u16 *val)
{
	__le16 raw;

	if (vq->mem->read(vq->mem->ctx, addr, &raw, sizeof(raw)))
		return -EFAULT;
	*val = le16_to_cpu(raw);
	return 0;
}

static int vhost_rmem_vq_write16(struct vhost_rmem_vq *vq, u64 addr, u16 val)
{
	__le16 raw = cpu_to_le16(val);

	return vq->mem->write(vq->mem->ctx, addr, &raw, sizeof(raw)) ? -EFAULT : 0;
}

static int vhost_rmem_vq_break(struct vhost_rmem_vq *vq)
{
	vq->broken = true;
	return -EIO;
}

static int vhost_rmem_vq_bad_chain(struct vhost_rmem_vq *vq, enum vhost_rmem_vq_err err)
{
	vq->last_err = err;
	return -EBADMSG;
}

/*
 * Walks the chain starting at @head of the descriptor table.  Each table
 * (the ring's, then at most one indirect table) allows as many descriptors
 * as it has entries: a chain that visits more must revisit one, which is how
 * loops are found without marking anything.  VHOST_RMEM_VQ_MAX_DESCS bounds the
 * work for any ring size.
 */
static int vhost_rmem_vq_walk(struct vhost_rmem_vq *vq, u16 head, struct vhost_rmem_vq_chain *c)
{
	u64 table = vq->desc;
	u32 tsize = vq->num;
	u32 budget = vq->num;
	bool in_indirect = false;
	u32 i = head;

	c->head = head;
	c->nr_out = 0;
	c->nr_in = 0;
	c->ndesc = 0;
	c->out_len = 0;
	c->in_len = 0;

	for (;;) {
		struct rmem_vring_desc d;
		u16 flags;
		u64 addr;
		u32 len;

		if (c->ndesc >= VHOST_RMEM_VQ_MAX_DESCS)
			return vhost_rmem_vq_bad_chain(vq, VHOST_RMEM_VQ_E_TOO_LONG);
		if (budget == 0)
			return vhost_rmem_vq_bad_chain(vq, VHOST_RMEM_VQ_E_LOOP);
		budget--;
		c->ndesc++;
		if (vq->mem->read(vq->mem->ctx, table + 16ull * i, &d, sizeof(d)))
			return vhost_rmem_vq_bad_chain(vq, VHOST_RMEM_VQ_E_DESC_FETCH);
		flags = le16_to_cpu(d.flags);
		addr = le64_to_cpu(d.addr);
		len = le32_to_cpu(d.len);

		if (flags & RMEM_VRING_DESC_F_INDIRECT) {
			/* One level only, and it must end the direct chain. */
			if (!vq->indirect || in_indirect ||
			    (flags & RMEM_VRING_DESC_F_NEXT) || len == 0 ||
			    len % sizeof(struct rmem_vring_desc) ||
			    len / sizeof(struct rmem_vring_desc) > VHOST_RMEM_VQ_NUM_MAX)
				return vhost_rmem_vq_bad_chain(vq, VHOST_RMEM_VQ_E_INDIRECT);
			if (addr + len - 1 < addr)
				return vhost_rmem_vq_bad_chain(vq, VHOST_RMEM_VQ_E_ADDR_WRAP);
			table = addr;
			tsize = len / sizeof(struct rmem_vring_desc);
			budget = tsize;
			in_indirect = true;
			i = 0;
			continue;
		}

		if (len) {
			if (addr + len - 1 < addr)
				return vhost_rmem_vq_bad_chain(vq, VHOST_RMEM_VQ_E_ADDR_WRAP);
			if (c->nr_out + c->nr_in >= VHOST_RMEM_VQ_MAX_SEGS)
				return vhost_rmem_vq_bad_chain(vq, VHOST_RMEM_VQ_E_TOO_LONG);
			if (flags & RMEM_VRING_DESC_F_WRITE) {
				c->in_len += len;
				c->nr_in++;
			} else {
				if (c->nr_in)
					return vhost_rmem_vq_bad_chain(vq, VHOST_RMEM_VQ_E_ORDER);
				c->out_len += len;
				c->nr_out++;
			}
			c->seg[c->nr_out + c->nr_in - 1].addr = addr;
			c->seg[c->nr_out + c->nr_in - 1].len = len;
		}

		if (!(flags & RMEM_VRING_DESC_F_NEXT))
			return 1;
		i = le16_to_cpu(d.next);
		if (i >= tsize)
			return vhost_rmem_vq_bad_chain(vq, VHOST_RMEM_VQ_E_NEXT_RANGE);
	}
}

int vhost_rmem_vq_avail_pending(struct vhost_rmem_vq *vq, u16 *pending)
{
	u16 avail_idx;

	if (vq->broken)
		return -EIO;
	if (vhost_rmem_vq_read16(vq, vq->avail + RMEM_AVAIL_IDX, &avail_idx))
		return vhost_rmem_vq_break(vq);
	/* The driver can be at most one full ring ahead of us. */
	if ((u16)(avail_idx - vq->last_avail) > vq->num)
		return vhost_rmem_vq_break(vq);
	*pending = (u16)(avail_idx - vq->last_avail);
	return 0;
}

int vhost_rmem_vq_pop(struct vhost_rmem_vq *vq, struct vhost_rmem_vq_chain *chain)
{
	u16 pending, head;
	int ret;

	ret = vhost_rmem_vq_avail_pending(vq, &pending);
	if (ret)
		return ret;
	if (!pending)
		return 0;
	/* The ring entry is written before avail->idx: read it after. */
	vhost_rmem_vq_rmb();
	if (vhost_rmem_vq_read16(vq, vq->avail + RMEM_AVAIL_RING(vq->last_avail & (vq->num - 1)),
				 &head))
		return vhost_rmem_vq_break(vq);
	/* A head we cannot return to the used ring: nothing sane to do. */
	if (head >= vq->num)
		return vhost_rmem_vq_break(vq);
	vq->last_avail++;
	return vhost_rmem_vq_walk(vq, head, chain);
}

int vhost_rmem_vq_add_used(struct vhost_rmem_vq *vq, u16 head, u32 len)
{
	struct rmem_vring_used_elem e = {
		.id = cpu_to_le32(head),
		.len = cpu_to_le32(len),
	};
	u64 at = vq->used + RMEM_USED_RING(vq->used_idx & (vq->num - 1));

	if (vq->broken)
		return -EIO;
	if (vq->mem->write(vq->mem->ctx, at, &e, sizeof(e)))
		return vhost_rmem_vq_break(vq);
	vq->used_idx++;
	return 0;
}

int vhost_rmem_vq_publish(struct vhost_rmem_vq *vq)
{
	if (vq->broken)
		return -EIO;
	/* Elements must be visible before the index that exposes them. */
	vhost_rmem_vq_wmb();
	if (vhost_rmem_vq_write16(vq, vq->used + RMEM_USED_IDX, vq->used_idx))
		return vhost_rmem_vq_break(vq);
	return 0;
}

/* Same test as the kernel's vring_need_event(), written from the spec. */
static bool vhost_rmem_vq_need_event(u16 event, u16 new_idx, u16 old)
{
	return (u16)(new_idx - event - 1) < (u16)(new_idx - old);
}

bool vhost_rmem_vq_need_notify(struct vhost_rmem_vq *vq)
{
	u16 val;
	bool ret;

	if (vq->broken)
		return false;
	/*
	 * used->idx must be visible before we read the driver's suppression
	 * state, or a driver that just re-enabled interrupts could miss one.
	 */
	vhost_rmem_vq_mb();
	if (!vq->event_idx) {
		if (vhost_rmem_vq_read16(vq, vq->avail + RMEM_AVAIL_FLAGS, &val))
			return true;
		return !(val & RMEM_VRING_AVAIL_F_NO_INTERRUPT);
	}
	if (vhost_rmem_vq_read16(vq, vq->avail + RMEM_AVAIL_USED_EVENT(vq->num), &val))
		return true;
	ret = !vq->signalled_valid ||
	      vhost_rmem_vq_need_event(val, vq->used_idx, vq->signalled_used);
	vq->signalled_used = vq->used_idx;
	vq->signalled_valid = true;
	return ret;
}

void vhost_rmem_vq_disable_kick(struct vhost_rmem_vq *vq)
{
	/* With EVENT_IDX, not moving avail_event already suppresses kicks. */
	if (vq->broken || vq->event_idx)
		return;
	if (vhost_rmem_vq_write16(vq, vq->used + RMEM_USED_FLAGS, RMEM_VRING_USED_F_NO_NOTIFY))
		vhost_rmem_vq_break(vq);
}

bool vhost_rmem_vq_enable_kick(struct vhost_rmem_vq *vq)
{
	u16 pending;
	int ret;

	if (vq->broken)
		return false;
	if (vq->event_idx)
		ret = vhost_rmem_vq_write16(vq, vq->used + RMEM_USED_AVAIL_EVENT(vq->num),
					    vq->last_avail);
	else
		ret = vhost_rmem_vq_write16(vq, vq->used + RMEM_USED_FLAGS, 0);
	if (ret) {
		vhost_rmem_vq_break(vq);
		return false;
	}
	/* Re-enable before re-checking, so a buffer added meanwhile is seen. */
	vhost_rmem_vq_mb();
	if (vhost_rmem_vq_avail_pending(vq, &pending))
		return false;
	return pending != 0;
}
