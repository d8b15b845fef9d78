// SPDX-License-Identifier: GPL-2.0
/*
 * vhost_rmem_req.c - virtio-blk request parsing, validation and execution (see
 * vhost_rmem_req.h).  The device-readable stream is header + payload, the
 * device-writable stream is payload + status byte, for any split of the
 * bytes into descriptors (virtio 1.0 drivers may lay them out freely).
 */
#include "vhost_rmem_req.h"

static const char *const vhost_rmem_req_err_names[VHOST_RMEM_REQ_E_NR] = {
	[VHOST_RMEM_REQ_E_NONE] = "none",
	[VHOST_RMEM_REQ_E_CHAIN] = "chain",
	[VHOST_RMEM_REQ_E_NO_STATUS] = "no_status",
	[VHOST_RMEM_REQ_E_HEADER] = "header",
	[VHOST_RMEM_REQ_E_UNSUPP] = "unsupported",
	[VHOST_RMEM_REQ_E_SHAPE] = "shape",
	[VHOST_RMEM_REQ_E_ALIGN] = "align",
	[VHOST_RMEM_REQ_E_RANGE] = "range",
	[VHOST_RMEM_REQ_E_TOO_BIG] = "too_big",
	[VHOST_RMEM_REQ_E_ACCESS] = "access",
	[VHOST_RMEM_REQ_E_BACKEND] = "backend",
};

const char *vhost_rmem_req_err_name(enum vhost_rmem_req_err err)
{
	if ((unsigned int)err >= VHOST_RMEM_REQ_E_NR)
		return "?";
	return vhost_rmem_req_err_names[err];
}

void vhost_rmem_req_iter_init(struct vhost_rmem_req_iter *it,
			      const struct vhost_rmem_vq_chain *chain,
			      const struct vhost_rmem_vq_mem *mem, bool writable, u64 skip, u64 len)
{
	it->chain = chain;
	it->mem = mem;
	it->seg = writable ? chain->nr_out : 0;
	it->end = writable ? chain->nr_out + chain->nr_in : chain->nr_out;
	it->off = 0;
	it->left = len;
	while (skip && it->seg < it->end) {
		u32 room = chain->seg[it->seg].len;

		if (skip < room) {
			it->off = (u32)skip;
			break;
		}
		skip -= room;
		it->seg++;
	}
}

/* Moves @len bytes between driver memory and @buf, in either direction. */
static int vhost_rmem_req_iter_copy(struct vhost_rmem_req_iter *it, void *buf, u32 len,
				    bool to_driver)
{
	u8 *p = buf;

	if (len > it->left)
		return -EFAULT;
	while (len) {
		const struct vhost_rmem_vq_seg *s;
		u32 n;
		int ret;

		if (it->seg >= it->end)
			return -EFAULT;
		s = &it->chain->seg[it->seg];
		n = s->len - it->off;
		if (n > len)
			n = len;
		if (to_driver)
			ret = it->mem->write(it->mem->ctx, s->addr + it->off, p, n);
		else
			ret = it->mem->read(it->mem->ctx, s->addr + it->off, p, n);
		if (ret)
			return -EFAULT;
		p += n;
		len -= n;
		it->left -= n;
		it->off += n;
		if (it->off == s->len) {
			it->off = 0;
			it->seg++;
		}
	}
	return 0;
}

int vhost_rmem_req_iter_read(struct vhost_rmem_req_iter *it, void *dst, u32 len)
{
	return vhost_rmem_req_iter_copy(it, dst, len, false);
}

int vhost_rmem_req_iter_write(struct vhost_rmem_req_iter *it, const void *src, u32 len)
{
	return vhost_rmem_req_iter_copy(it, (void *)src, len, true);
}

void vhost_rmem_req_format_id(u64 device_id, char out[RMEM_VIRTIO_BLK_ID_BYTES])
{
	static const char hex[] = "0123456789abcdef";
	int i;

	memcpy(out, "rmem", 4);
	for (i = 0; i < 16; i++)
		out[4 + i] = hex[(device_id >> (60 - 4 * i)) & 0xf];
}

static int vhost_rmem_req_fail(struct vhost_rmem_req *req, u8 status, enum vhost_rmem_req_err err)
{
	req->status = status;
	req->err = err;
	return -EINVAL;
}

/* Is [sector, sector + nsect) inside the disk?  Written to never overflow. */
static bool vhost_rmem_req_in_range(const struct vhost_rmem_req_limits *lim, u64 sector, u64 nsect)
{
	return sector <= lim->capacity && nsect <= lim->capacity - sector;
}

/* DISCARD and WRITE_ZEROES: the payload is an array of 16-byte segments. */
static int vhost_rmem_req_parse_ranges(struct vhost_rmem_req *req,
				       const struct vhost_rmem_req_limits *lim)
{
	u64 len = req->chain->out_len - sizeof(struct rmem_virtio_blk_outhdr);
	u32 unknown_flags = req->type == RMEM_VIRTIO_BLK_T_DISCARD ?
			    ~0u : ~RMEM_VIRTIO_BLK_WZ_F_UNMAP;
	struct vhost_rmem_req_iter it;
	u32 i, n;

	if (req->chain->in_len != 1)
		return vhost_rmem_req_fail(req, RMEM_VIRTIO_BLK_S_IOERR, VHOST_RMEM_REQ_E_SHAPE);
	if (len == 0 || len % sizeof(struct rmem_virtio_blk_discard))
		return vhost_rmem_req_fail(req, RMEM_VIRTIO_BLK_S_IOERR, VHOST_RMEM_REQ_E_ALIGN);
	if (len / sizeof(struct rmem_virtio_blk_discard) > lim->max_discard_seg)
		return vhost_rmem_req_fail(req, RMEM_VIRTIO_BLK_S_IOERR, VHOST_RMEM_REQ_E_TOO_BIG);
	n = (u32)(len / sizeof(struct rmem_virtio_blk_discard));
	vhost_rmem_req_iter_init(&it, req->chain, req->mem, false,
				 sizeof(struct rmem_virtio_blk_outhdr), len);
	for (i = 0; i < n; i++) {
		struct rmem_virtio_blk_discard d;
		struct vhost_rmem_req_range *r = &req->ranges[i];

		if (vhost_rmem_req_iter_read(&it, &d, sizeof(d)))
			return vhost_rmem_req_fail(req, RMEM_VIRTIO_BLK_S_IOERR,
						   VHOST_RMEM_REQ_E_ACCESS);
		r->sector = le64_to_cpu(d.sector);
		r->num_sectors = le32_to_cpu(d.num_sectors);
		r->flags = le32_to_cpu(d.flags);
		/* The spec asks for UNSUPP on the unmap flag of a discard too. */
		if (r->flags & unknown_flags)
			return vhost_rmem_req_fail(req, RMEM_VIRTIO_BLK_S_UNSUPP,
						   VHOST_RMEM_REQ_E_UNSUPP);
		if (r->num_sectors > lim->max_discard_sectors)
			return vhost_rmem_req_fail(req, RMEM_VIRTIO_BLK_S_IOERR,
						   VHOST_RMEM_REQ_E_TOO_BIG);
		if (!vhost_rmem_req_in_range(lim, r->sector, r->num_sectors))
			return vhost_rmem_req_fail(req, RMEM_VIRTIO_BLK_S_IOERR,
						   VHOST_RMEM_REQ_E_RANGE);
	}
	req->nr_ranges = n;
	return 0;
}

int vhost_rmem_req_parse(struct vhost_rmem_req *req, const struct vhost_rmem_req_limits *lim,
			 const struct vhost_rmem_vq_chain *chain,
			 const struct vhost_rmem_vq_mem *mem)
{
	const u64 hdr_len = sizeof(struct rmem_virtio_blk_outhdr);
	struct rmem_virtio_blk_outhdr hdr;
	const struct vhost_rmem_vq_seg *last;
	struct vhost_rmem_req_iter it;

	req->chain = chain;
	req->mem = mem;
	req->type = ~0u;
	req->sector = 0;
	req->data_len = 0;
	req->nr_ranges = 0;
	req->has_status = false;
	req->used_len = 0;
	req->err = VHOST_RMEM_REQ_E_NONE;
	req->retry = false;
	req->status = RMEM_VIRTIO_BLK_S_IOERR;

	/* The status byte is the last writable byte; without it, no answer. */
	if (!chain->nr_in)
		return vhost_rmem_req_fail(req, RMEM_VIRTIO_BLK_S_IOERR,
					   VHOST_RMEM_REQ_E_NO_STATUS);
	last = &chain->seg[chain->nr_out + chain->nr_in - 1];
	req->status_addr = last->addr + last->len - 1;
	req->has_status = true;
	req->used_len = 1;

	if (chain->out_len < hdr_len)
		return vhost_rmem_req_fail(req, RMEM_VIRTIO_BLK_S_IOERR, VHOST_RMEM_REQ_E_HEADER);
	vhost_rmem_req_iter_init(&it, chain, mem, false, 0, hdr_len);
	if (vhost_rmem_req_iter_read(&it, &hdr, sizeof(hdr)))
		return vhost_rmem_req_fail(req, RMEM_VIRTIO_BLK_S_IOERR, VHOST_RMEM_REQ_E_ACCESS);
	req->type = le32_to_cpu(hdr.type);
	req->sector = le64_to_cpu(hdr.sector);

	switch (req->type) {
	case RMEM_VIRTIO_BLK_T_IN:
		if (chain->out_len != hdr_len)
			return vhost_rmem_req_fail(req, RMEM_VIRTIO_BLK_S_IOERR,
						   VHOST_RMEM_REQ_E_SHAPE);
		req->data_len = chain->in_len - 1;
		break;
	case RMEM_VIRTIO_BLK_T_OUT:
		if (chain->in_len != 1)
			return vhost_rmem_req_fail(req, RMEM_VIRTIO_BLK_S_IOERR,
						   VHOST_RMEM_REQ_E_SHAPE);
		req->data_len = chain->out_len - hdr_len;
		break;
	case RMEM_VIRTIO_BLK_T_FLUSH:
		if (!lim->flush)
			return vhost_rmem_req_fail(req, RMEM_VIRTIO_BLK_S_UNSUPP,
						   VHOST_RMEM_REQ_E_UNSUPP);
		if (chain->out_len != hdr_len || chain->in_len != 1)
			return vhost_rmem_req_fail(req, RMEM_VIRTIO_BLK_S_IOERR,
						   VHOST_RMEM_REQ_E_SHAPE);
		return 0;
	case RMEM_VIRTIO_BLK_T_GET_ID:
		if (chain->out_len != hdr_len || chain->in_len < 2)
			return vhost_rmem_req_fail(req, RMEM_VIRTIO_BLK_S_IOERR,
						   VHOST_RMEM_REQ_E_SHAPE);
		req->data_len = chain->in_len - 1;
		return 0;
	case RMEM_VIRTIO_BLK_T_DISCARD:
		if (!lim->discard)
			return vhost_rmem_req_fail(req, RMEM_VIRTIO_BLK_S_UNSUPP,
						   VHOST_RMEM_REQ_E_UNSUPP);
		return vhost_rmem_req_parse_ranges(req, lim);
	case RMEM_VIRTIO_BLK_T_WRITE_ZEROES:
		if (!lim->write_zeroes)
			return vhost_rmem_req_fail(req, RMEM_VIRTIO_BLK_S_UNSUPP,
						   VHOST_RMEM_REQ_E_UNSUPP);
		return vhost_rmem_req_parse_ranges(req, lim);
	default:
		return vhost_rmem_req_fail(req, RMEM_VIRTIO_BLK_S_UNSUPP, VHOST_RMEM_REQ_E_UNSUPP);
	}

	/* IN and OUT */
	if (req->data_len % RMEM_SECTOR_SIZE)
		return vhost_rmem_req_fail(req, RMEM_VIRTIO_BLK_S_IOERR, VHOST_RMEM_REQ_E_ALIGN);
	if (req->data_len > lim->max_bytes)
		return vhost_rmem_req_fail(req, RMEM_VIRTIO_BLK_S_IOERR, VHOST_RMEM_REQ_E_TOO_BIG);
	if (!vhost_rmem_req_in_range(lim, req->sector, req->data_len >> RMEM_SECTOR_SHIFT))
		return vhost_rmem_req_fail(req, RMEM_VIRTIO_BLK_S_IOERR, VHOST_RMEM_REQ_E_RANGE);
	return 0;
}

static void vhost_rmem_req_backend_err(struct vhost_rmem_req *req, int ret)
{
	req->status = RMEM_VIRTIO_BLK_S_IOERR;
	req->err = ret == -EFAULT ? VHOST_RMEM_REQ_E_ACCESS : VHOST_RMEM_REQ_E_BACKEND;
}

/* Moves the payload of IN/OUT, one backend call per piece it asked for. */
static int vhost_rmem_req_rw(struct vhost_rmem_req *req, const struct vhost_rmem_backend_ops *ops,
			     void *be)
{
	unsigned int shift = ops->io_shift ? ops->io_shift : RMEM_BLOCK_SHIFT;
	bool in = req->type == RMEM_VIRTIO_BLK_T_IN;
	u64 off = req->sector << RMEM_SECTOR_SHIFT;
	u64 left = req->data_len;
	struct vhost_rmem_req_iter it;

	vhost_rmem_req_iter_init(&it, req->chain, req->mem, in,
				 in ? 0 : sizeof(struct rmem_virtio_blk_outhdr), left);
	while (left) {
		/* Aligned pieces: the backend never has to split one. */
		u32 n = vhost_rmem_io_piece(off, left, shift);
		int ret = in ? ops->read(be, off, n, &it) : ops->write(be, off, n, &it);

		if (ret)
			return ret;
		off += n;
		left -= n;
	}
	return 0;
}

void vhost_rmem_req_execute(struct vhost_rmem_req *req, const struct vhost_rmem_req_limits *lim,
			    const struct vhost_rmem_backend_ops *ops, void *be)
{
	int ret = 0;
	u32 i;

	switch (req->type) {
	case RMEM_VIRTIO_BLK_T_IN:
	case RMEM_VIRTIO_BLK_T_OUT:
		ret = vhost_rmem_req_rw(req, ops, be);
		break;
	case RMEM_VIRTIO_BLK_T_FLUSH:
		ret = ops->flush(be);
		break;
	case RMEM_VIRTIO_BLK_T_GET_ID: {
		char id[RMEM_VIRTIO_BLK_ID_BYTES];
		struct vhost_rmem_req_iter it;
		u32 n = req->data_len < sizeof(id) ? (u32)req->data_len : sizeof(id);

		vhost_rmem_req_format_id(lim->device_id, id);
		vhost_rmem_req_iter_init(&it, req->chain, req->mem, true, 0, n);
		ret = vhost_rmem_req_iter_write(&it, id, n);
		break;
	}
	case RMEM_VIRTIO_BLK_T_DISCARD:
	case RMEM_VIRTIO_BLK_T_WRITE_ZEROES:
		for (i = 0; i < req->nr_ranges && !ret; i++) {
			u64 off = req->ranges[i].sector << RMEM_SECTOR_SHIFT;
			u64 len = (u64)req->ranges[i].num_sectors << RMEM_SECTOR_SHIFT;

			if (!len)
				continue;
			if (req->type == RMEM_VIRTIO_BLK_T_DISCARD)
				ret = ops->discard(be, off, len);
			else
				ret = ops->write_zeroes(be, off, len);
		}
		break;
	default:
		/* parse refused every other type */
		ret = -EINVAL;
		break;
	}
	vhost_rmem_req_end(req, ret);
}

void vhost_rmem_req_end(struct vhost_rmem_req *req, int ret)
{
	if (ret) {
		vhost_rmem_req_backend_err(req, ret);
		return;
	}
	req->status = RMEM_VIRTIO_BLK_S_OK;
	req->err = VHOST_RMEM_REQ_E_NONE;
	if (req->type == RMEM_VIRTIO_BLK_T_IN || req->type == RMEM_VIRTIO_BLK_T_GET_ID)
		req->used_len = (u32)(req->data_len + 1);
}

u32 vhost_rmem_req_complete(struct vhost_rmem_req *req)
{
	if (!req->has_status)
		return 0;
	if (req->mem->write(req->mem->ctx, req->status_addr, &req->status, 1)) {
		/* The status was refused: a driver must not see "answered". */
		if (req->err == VHOST_RMEM_REQ_E_NONE)
			req->err = VHOST_RMEM_REQ_E_ACCESS;
		return 0;
	}
	/*
	 * On an IN error the payload may be partly written: report the whole
	 * writable length, an upper bound of what was written (spec 2.7.8.2).
	 */
	if (req->status != RMEM_VIRTIO_BLK_S_OK && req->type == RMEM_VIRTIO_BLK_T_IN &&
	    req->err >= VHOST_RMEM_REQ_E_ACCESS)
		return (u32)req->chain->in_len;
	return req->used_len;
}

u32 vhost_rmem_req_handle(struct vhost_rmem_req *req, const struct vhost_rmem_req_limits *lim,
			  const struct vhost_rmem_backend_ops *ops, void *be,
			  const struct vhost_rmem_vq_chain *chain,
			  const struct vhost_rmem_vq_mem *mem)
{
	if (!vhost_rmem_req_parse(req, lim, chain, mem))
		vhost_rmem_req_execute(req, lim, ops, be);
	return vhost_rmem_req_complete(req);
}
