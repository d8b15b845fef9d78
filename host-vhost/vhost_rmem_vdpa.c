// SPDX-License-Identifier: GPL-2.0
/*
 * vhost_rmem_vdpa.c - the vDPA side of vhost_rmem: management device "rmem",
 * vdpa_config_ops (features, config space, status and reset, queue setup,
 * IOTLB), the lanes that serve the rings, and the translation of driver
 * addresses.
 *
 * Address translation.  Bound to vhost_vdpa, every address in a ring is an
 * IOVA of the user's address space: vhost_vdpa pins the user's pages and
 * hands us the IOVA -> physical map through set_map(); we keep our own copy
 * (dev->iotlb) and look every access up in it, permissions included.  An
 * empty map (the state after creation, reset_map or a CLEAN_MAP reset)
 * translates nothing, so a user can never make the device touch memory it
 * did not map.  Bound to virtio_vdpa, the driver is this kernel: rings and
 * buffers are DMA-mapped on the vDPA device itself, which has no IOMMU and
 * no dma_ops, so DMA addresses are physical addresses (dma-direct); they
 * are checked to be valid RAM pages and accessed through kmap_local_page().
 */
#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/highmem.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/virtio_config.h>
#include <uapi/linux/virtio_ids.h>

#include "vhost_rmem_dev.h"

#define VHOST_RMEM_FEATURES                                                           \
	(BIT_ULL(RMEM_VIRTIO_BLK_F_SIZE_MAX) | BIT_ULL(RMEM_VIRTIO_BLK_F_SEG_MAX) | \
	 BIT_ULL(RMEM_VIRTIO_BLK_F_BLK_SIZE) | BIT_ULL(RMEM_VIRTIO_BLK_F_FLUSH) | \
	 BIT_ULL(RMEM_VIRTIO_BLK_F_MQ) | BIT_ULL(RMEM_VIRTIO_BLK_F_DISCARD) |   \
	 BIT_ULL(RMEM_VIRTIO_BLK_F_WRITE_ZEROES) |                              \
	 BIT_ULL(RMEM_VIRTIO_F_INDIRECT_DESC) | BIT_ULL(RMEM_VIRTIO_F_EVENT_IDX) | \
	 BIT_ULL(RMEM_VIRTIO_F_VERSION_1) | BIT_ULL(RMEM_VIRTIO_F_ACCESS_PLATFORM) | \
	 BIT_ULL(RMEM_VIRTIO_F_RMEM))

static struct device *vhost_rmem_mgmt_parent;
static struct workqueue_struct *vhost_rmem_wq;

/* ------------------------------------------------------------ driver memory */

/*
 * Finds the physical address behind @addr and how many bytes from there are
 * contiguous in the map.  Caller is a lane (serve_sem held for reading).
 */
static int vhost_rmem_translate(struct vhost_rmem_dev *d, u64 addr, bool write, u64 *pa, u64 *room)
{
	struct vhost_iotlb_map *map;
	u32 need = write ? VHOST_MAP_WO : VHOST_MAP_RO;

	if (d->direct) {
		*pa = addr;
		*room = U64_MAX;	/* the vq layer refused wrapping buffers */
		return 0;
	}
	map = vhost_iotlb_itree_first(&d->iotlb, addr, addr);
	if (!map || !(map->perm & need))
		return -EFAULT;
	*pa = map->addr + (addr - map->start);
	*room = map->last - addr + 1;
	return 0;
}

static int vhost_rmem_mem_copy(struct vhost_rmem_dev *d, u64 addr, void *buf, u32 len, bool write)
{
	u8 *p = buf;

	while (len) {
		unsigned long pfn;
		struct page *page;
		u64 pa, room;
		u32 n;
		void *va;

		if (vhost_rmem_translate(d, addr, write, &pa, &room))
			return -EFAULT;
		n = min_t(u64, len, room);
		n = min_t(u32, n, PAGE_SIZE - offset_in_page(pa));
		pfn = PHYS_PFN(pa);
		if (!pfn_valid(pfn))
			return -EFAULT;
		page = pfn_to_page(pfn);
		va = kmap_local_page(page);
		if (write)
			memcpy(va + offset_in_page(pa), p, n);
		else
			memcpy(p, va + offset_in_page(pa), n);
		kunmap_local(va);
		addr += n;
		p += n;
		len -= n;
	}
	return 0;
}

static int vhost_rmem_mem_read(void *ctx, u64 addr, void *dst, u32 len)
{
	return vhost_rmem_mem_copy(ctx, addr, dst, len, false);
}

static int vhost_rmem_mem_write(void *ctx, u64 addr, const void *src, u32 len)
{
	return vhost_rmem_mem_copy(ctx, addr, (void *)src, len, true);
}

/*
 * A page of driver memory behind @addr, for a backend that moves data to
 * or from it directly, with a reference on its folio (*@folio) that the
 * caller drops with folio_put(): @off is @addr's offset in the page, @len
 * how many bytes from there are in the page and mapped.  Called by a lane
 * (serve_sem held: the map cannot change).  NULL: not mapped for the
 * access needed, or no reference could be taken.
 */
struct page *vhost_rmem_dev_get_page(struct vhost_rmem_dev *d, u64 addr, bool write, u32 *off,
				     u32 *len, struct folio **folio)
{
	struct page *page;
	struct folio *f;
	u64 pa, room;

	if (vhost_rmem_translate(d, addr, write, &pa, &room) || !pfn_valid(PHYS_PFN(pa)))
		return NULL;
	page = pfn_to_page(PHYS_PFN(pa));
	/*
	 * The count is the folio's (a tail page of a huge page has none of
	 * its own), and the folio must still be the page's once we hold it
	 * (the pattern of GUP-fast).  A page freed meanwhile fails here; one
	 * freed and reused would not, which is vhost_vdpa's window (it
	 * unpins before it calls set_map, and under batching until
	 * BATCH_END): a well-behaved user unmaps no memory with I/O on it,
	 * and we add no window of our own (set_map waits for the lanes).
	 */
	f = page_folio(page);
	if (!folio_try_get(f))
		return NULL;
	if (unlikely(page_folio(page) != f)) {
		folio_put(f);
		return NULL;
	}
	*folio = f;
	*off = offset_in_page(pa);
	*len = min_t(u64, room, PAGE_SIZE - *off);
	return page;
}

/* ------------------------------------------------------------ lanes */

static void vhost_rmem_needs_reset(struct vhost_rmem_dev *d, unsigned int qi)
{
	dev_warn_ratelimited(&d->vdpa.dev,
			     "queue %u: ring unusable (bad index or unmapped ring); device needs reset\n",
			     qi);
	vhost_rmem_stats_error(d, VHOST_RMEM_REQ_E_CHAIN);
	WRITE_ONCE(d->needs_reset, true);
	if (d->config_cb.callback)
		d->config_cb.callback(d->config_cb.private);
}

static void vhost_rmem_log_refused(struct vhost_rmem_dev *d, unsigned int qi,
				   const struct vhost_rmem_req *req)
{
	dev_warn_ratelimited(&d->vdpa.dev, "queue %u: request type %u sector %llu refused: %s\n",
			     qi, req->type, req->sector, vhost_rmem_req_err_name(req->err));
}

static struct vhost_rmem_lane_req *vhost_rmem_lane_req(struct vhost_rmem_dev_vq *q, unsigned int i)
{
	return (struct vhost_rmem_lane_req *)(q->reqs + i * q->req_stride);
}

/* The lane's contexts, for the backend the device has now.  Control side. */
static int vhost_rmem_lane_alloc(struct vhost_rmem_dev *d, struct vhost_rmem_dev_vq *q)
{
	size_t priv = d->backend->io->submit ? d->backend->io->req_size : 0;
	unsigned int i;

	q->req_stride = ALIGN(sizeof(struct vhost_rmem_lane_req) + priv, L1_CACHE_BYTES);
	q->depth = VHOST_RMEM_LANE_DEPTH;
	q->reqs = kvcalloc(q->depth, q->req_stride, GFP_KERNEL);
	if (!q->reqs)
		return -ENOMEM;
	INIT_LIST_HEAD(&q->free);
	INIT_LIST_HEAD(&q->done);
	for (i = 0; i < q->depth; i++) {
		vhost_rmem_lane_req(q, i)->q = q;
		list_add_tail(&vhost_rmem_lane_req(q, i)->node, &q->free);
	}
	q->inflight = 0;
	return 0;
}

static void vhost_rmem_lane_free(struct vhost_rmem_dev_vq *q)
{
	kvfree(q->reqs);
	q->reqs = NULL;
	q->depth = 0;
}

/* Called by the backend from the lane's own poll: answered with the next batch. */
static void vhost_rmem_lane_end_io(struct vhost_rmem_req *req)
{
	struct vhost_rmem_lane_req *lr = container_of(req, struct vhost_rmem_lane_req, req);

	lr->q->inflight--;
	list_add_tail(&lr->node, &lr->q->done);
}

/*
 * Starts one popped chain: refused at once, run to the end here (the
 * synchronous backends, and every request type but IN/OUT), or handed to
 * the backend's submit and ended from a later poll.
 */
static void vhost_rmem_lane_start(struct vhost_rmem_dev *d, struct vhost_rmem_dev_vq *q,
				  struct vhost_rmem_lane_req *lr)
{
	const struct vhost_rmem_backend_ops *ops = d->backend->io;
	struct vhost_rmem_req *req = &lr->req;
	int ret;

	if (vhost_rmem_req_parse(req, &d->lim, &lr->chain, &d->mem))
		goto out_done;
	if (ops->submit &&
	    (req->type == RMEM_VIRTIO_BLK_T_IN || req->type == RMEM_VIRTIO_BLK_T_OUT)) {
		req->end_io = vhost_rmem_lane_end_io;
		ret = ops->submit(d->be, q->index, req, lr->priv);
		if (!ret) {
			if (++q->inflight > (unsigned int)atomic_read(&q->inflight_max))
				atomic_set(&q->inflight_max, q->inflight);
			return;
		}
		if (ret != -EOPNOTSUPP)
			goto out_done;
	}
	vhost_rmem_req_execute(req, &d->lim, ops, d->be);
out_done:
	list_add_tail(&lr->node, &q->done);
}

/*
 * Answers every ended request: status byte, used element, counters.
 * Returns how many, or -EIO when the used ring cannot be written.
 */
static int vhost_rmem_lane_answer(struct vhost_rmem_dev *d, struct vhost_rmem_dev_vq *q)
{
	struct vhost_rmem_lane_req *lr, *tmp;
	int n = 0;
	u32 len;

	list_for_each_entry_safe(lr, tmp, &q->done, node) {
		/* Its connection broke under it: the synchronous path redoes it. */
		if (lr->req.retry) {
			lr->req.retry = false;
			vhost_rmem_req_execute(&lr->req, &d->lim, d->backend->io, d->be);
		}
		if (lr->refused) {
			len = 0;
		} else {
			len = vhost_rmem_req_complete(&lr->req);
			if (lr->req.err != VHOST_RMEM_REQ_E_NONE)
				vhost_rmem_log_refused(d, q->index, &lr->req);
			vhost_rmem_stats_account(d, &lr->req, ktime_get_ns() - lr->t0);
		}
		list_move_tail(&lr->node, &q->free);
		atomic64_inc(&q->requests);
		if (vhost_rmem_vq_add_used(&q->vq, lr->chain.head, len))
			return -EIO;
		n++;
	}
	return n;
}

/* Ends everything in flight without touching the ring again (it broke). */
static void vhost_rmem_lane_drain(struct vhost_rmem_dev *d, struct vhost_rmem_dev_vq *q)
{
	while (q->inflight)
		d->backend->io->poll(d->be, q->index, true);
	list_splice_tail_init(&q->done, &q->free);
}

/*
 * Serves one queue: pops while it has free contexts (up to
 * VHOST_RMEM_WORK_WEIGHT chains per call), answers requests as they end, in
 * any order, and returns with nothing in flight.  Returns true when it
 * stopped at the weight with work left (kicks stay disabled; the caller
 * requeues).  Kick suppression follows vhost: disable, drain, enable,
 * re-check for buffers that slipped in between.
 */
static bool vhost_rmem_serve_vq(struct vhost_rmem_dev *d, struct vhost_rmem_dev_vq *q)
{
	const struct vhost_rmem_backend_ops *ops = d->backend->io;
	struct vhost_rmem_lane_req *lr;
	unsigned int popped = 0;
	bool empty = false, stop;
	int ret;

	vhost_rmem_vq_disable_kick(&q->vq);
	for (;;) {
		cond_resched();
		/* A control op waits for us: end what is in flight, pop no more. */
		stop = popped >= VHOST_RMEM_WORK_WEIGHT || rwsem_is_contended(&d->serve_sem);
		while (!empty && !stop && !list_empty(&q->free)) {
			lr = list_first_entry(&q->free, struct vhost_rmem_lane_req, node);
			ret = vhost_rmem_vq_pop(&q->vq, &lr->chain);
			if (ret == 0) {
				empty = true;
				break;
			}
			if (ret == -EIO)
				goto out_fault;
			list_del(&lr->node);
			popped++;
			lr->t0 = ktime_get_ns();
			lr->refused = ret == -EBADMSG;
			if (lr->refused) {
				dev_warn_ratelimited(&d->vdpa.dev,
						     "queue %u: descriptor chain %u refused: %s\n",
						     q->index, lr->chain.head,
						     vhost_rmem_vq_err_name(q->vq.last_err));
				vhost_rmem_stats_error(d, VHOST_RMEM_REQ_E_CHAIN);
				list_add_tail(&lr->node, &q->done);
				continue;
			}
			vhost_rmem_lane_start(d, q, lr);
			stop = popped >= VHOST_RMEM_WORK_WEIGHT;
		}
		/* Wait only when there is nothing else to do: no answer, nothing to pop. */
		if (q->inflight)
			ops->poll(d->be, q->index, list_empty(&q->done) &&
				  (empty || stop || list_empty(&q->free)));
		ret = vhost_rmem_lane_answer(d, q);
		if (ret < 0)
			goto out_fault;
		if (ret) {
			/* Room again, and the driver may have queued more meanwhile. */
			empty = false;
			if (vhost_rmem_vq_publish(&q->vq))
				goto out_fault;
			/* Completions may run the driver's I/O path: keep BHs off like an IRQ. */
			if (vhost_rmem_vq_need_notify(&q->vq) && q->cb.callback) {
				local_bh_disable();
				q->cb.callback(q->cb.private);
				local_bh_enable();
			}
		}
		if (q->inflight || !list_empty(&q->done))
			continue;
		if (stop)
			return true;
		if (empty) {
			if (!vhost_rmem_vq_enable_kick(&q->vq))
				return false;
			vhost_rmem_vq_disable_kick(&q->vq);
			empty = false;
		}
	}

out_fault:
	vhost_rmem_lane_drain(d, q);
	vhost_rmem_needs_reset(d, q->index);
	return false;
}

/* Serving state a lane checks; changed only with serve_sem held for writing. */
static bool vhost_rmem_serving(struct vhost_rmem_dev *d)
{
	return (d->status & VIRTIO_CONFIG_S_DRIVER_OK) && !d->suspended &&
	       !READ_ONCE(d->needs_reset);
}

/*
 * A lane's pass.  memalloc_noio: this kernel may be swapping onto the
 * device (virtio_vdpa), and what the backend allocates on the way must not
 * wait for that I/O.
 */
static void vhost_rmem_lane_work(struct work_struct *work)
{
	struct vhost_rmem_dev_vq *q = container_of(work, struct vhost_rmem_dev_vq, work);
	struct vhost_rmem_dev *d = q->d;
	unsigned int noio = memalloc_noio_save();
	bool again = false;

	down_read(&d->serve_sem);
	if (vhost_rmem_serving(d) && q->ready && q->reqs && !q->vq.broken)
		again = vhost_rmem_serve_vq(d, q);
	/* The backend's upkeep of the queue (a broken connection with nothing on it goes). */
	if (d->be && d->backend->io->poll)
		d->backend->io->poll(d->be, q->index, false);
	up_read(&d->serve_sem);
	memalloc_noio_restore(noio);
	if (again)
		queue_work(vhost_rmem_wq, &q->work);
}

void vhost_rmem_dev_kick_lane(struct vhost_rmem_dev *d, unsigned int qi)
{
	if (qi < d->num_queues)
		queue_work(vhost_rmem_wq, &d->vqs[qi].work);
}

static void vhost_rmem_lanes_kick(struct vhost_rmem_dev *d)
{
	unsigned int i;

	for (i = 0; i < d->num_queues; i++)
		queue_work(vhost_rmem_wq, &d->vqs[i].work);
}

/*
 * The control side: serve_sem for writing, which waits for every lane's
 * pass to end (and with it every request in flight; a lane stops popping
 * once a writer waits), then d->lock.  In that order, so what takes only
 * d->lock (get_status, get_config) never waits behind a lane.
 */
static void vhost_rmem_ctl_lock(struct vhost_rmem_dev *d)
{
	down_write(&d->serve_sem);
	mutex_lock(&d->lock);
}

static void vhost_rmem_ctl_unlock(struct vhost_rmem_dev *d)
{
	mutex_unlock(&d->lock);
	up_write(&d->serve_sem);
}

/* ------------------------------------------------------------ reset */

/* Back to the state after creation, minus the IOTLB.  Caller holds the ctl lock. */
static void vhost_rmem_reset_locked(struct vhost_rmem_dev *d)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(d->vqs); i++) {
		struct vhost_rmem_dev_vq *q = &d->vqs[i];

		q->ready = false;
		q->desc_addr = 0;
		q->driver_addr = 0;
		q->device_addr = 0;
		q->num = 0;
		q->avail_base = 0;
		q->cb.callback = NULL;
		q->cb.private = NULL;
		q->cb.trigger = NULL;
		memset(&q->vq, 0, sizeof(q->vq));
		vhost_rmem_lane_free(q);
	}
	d->config_cb.callback = NULL;
	d->config_cb.private = NULL;
	d->status = 0;
	d->needs_reset = false;
	d->features = 0;
	d->direct = false;
	d->suspended = false;
	d->generation++;
	/* "reset frees everything the device owns" (docs/virtio-rmem.md). */
	if (d->be)
		d->backend->clear(d->be);
}

/* ------------------------------------------------------------ vdpa_config_ops */

static struct vhost_rmem_dev *vdpa_to_rmem(struct vdpa_device *vdpa)
{
	return vhost_rmem_dev_from_vdpa(vdpa);
}

static bool vhost_rmem_vq_idx_ok(struct vhost_rmem_dev *d, u16 idx)
{
	return idx < d->num_queues;
}

static int vhost_rmem_set_vq_address(struct vdpa_device *vdpa, u16 idx, u64 desc, u64 driver,
				     u64 device)
{
	struct vhost_rmem_dev *d = vdpa_to_rmem(vdpa);

	if (!vhost_rmem_vq_idx_ok(d, idx))
		return -EINVAL;
	mutex_lock(&d->lock);
	d->vqs[idx].desc_addr = desc;
	d->vqs[idx].driver_addr = driver;
	d->vqs[idx].device_addr = device;
	mutex_unlock(&d->lock);
	return 0;
}

static void vhost_rmem_set_vq_num(struct vdpa_device *vdpa, u16 idx, u32 num)
{
	struct vhost_rmem_dev *d = vdpa_to_rmem(vdpa);

	if (!vhost_rmem_vq_idx_ok(d, idx))
		return;
	mutex_lock(&d->lock);
	d->vqs[idx].num = num;
	mutex_unlock(&d->lock);
}

/* May be called in atomic context (virtio_blk's submit path): only queue work. */
static void vhost_rmem_kick_vq(struct vdpa_device *vdpa, u16 idx)
{
	struct vhost_rmem_dev *d = vdpa_to_rmem(vdpa);

	if (vhost_rmem_vq_idx_ok(d, idx))
		queue_work(vhost_rmem_wq, &d->vqs[idx].work);
}

static void vhost_rmem_set_vq_cb(struct vdpa_device *vdpa, u16 idx, struct vdpa_callback *cb)
{
	struct vhost_rmem_dev *d = vdpa_to_rmem(vdpa);

	if (!vhost_rmem_vq_idx_ok(d, idx))
		return;
	vhost_rmem_ctl_lock(d);
	d->vqs[idx].cb = *cb;
	vhost_rmem_ctl_unlock(d);
}

static void vhost_rmem_set_vq_ready(struct vdpa_device *vdpa, u16 idx, bool ready)
{
	struct vhost_rmem_dev *d = vdpa_to_rmem(vdpa);
	struct vhost_rmem_dev_vq *q;

	if (!vhost_rmem_vq_idx_ok(d, idx))
		return;
	vhost_rmem_ctl_lock(d);
	q = &d->vqs[idx];
	if (!ready) {
		/* Keep where we are, for get_vq_state (suspend, migration). */
		q->avail_base = q->vq.last_avail;
		q->ready = false;
		goto out_unlock;
	}
	/*
	 * QEMU's vhost-vdpa enables every queue the device offers, also those
	 * the guest driver never set up (a 1-vCPU virtio_blk uses one): such a
	 * queue stays disabled without a word.
	 */
	if (!q->num && !q->desc_addr)
		goto out_unlock;
	if (q->num > RMEM_VIRTIO_QUEUE_MAX ||
	    vhost_rmem_vq_check_layout(q->num, q->desc_addr, q->driver_addr, q->device_addr)) {
		dev_warn_ratelimited(&d->vdpa.dev, "queue %u: bad ring layout (num %u), not enabled\n",
				     idx, q->num);
		goto out_unlock;
	}
	q->vq.num = q->num;
	q->vq.desc = q->desc_addr;
	q->vq.avail = q->driver_addr;
	q->vq.used = q->device_addr;
	q->vq.indirect = !!(d->features & BIT_ULL(RMEM_VIRTIO_F_INDIRECT_DESC));
	q->vq.event_idx = !!(d->features & BIT_ULL(RMEM_VIRTIO_F_EVENT_IDX));
	q->vq.mem = &d->mem;
	vhost_rmem_vq_reset_state(&q->vq, q->avail_base);
	q->ready = true;
out_unlock:
	vhost_rmem_ctl_unlock(d);
}

static bool vhost_rmem_get_vq_ready(struct vdpa_device *vdpa, u16 idx)
{
	struct vhost_rmem_dev *d = vdpa_to_rmem(vdpa);
	bool ready;

	if (!vhost_rmem_vq_idx_ok(d, idx))
		return false;
	mutex_lock(&d->lock);
	ready = d->vqs[idx].ready;
	mutex_unlock(&d->lock);
	return ready;
}

static int vhost_rmem_set_vq_state(struct vdpa_device *vdpa, u16 idx,
				   const struct vdpa_vq_state *state)
{
	struct vhost_rmem_dev *d = vdpa_to_rmem(vdpa);

	if (!vhost_rmem_vq_idx_ok(d, idx))
		return -EINVAL;
	vhost_rmem_ctl_lock(d);
	d->vqs[idx].avail_base = state->split.avail_index;
	if (d->vqs[idx].ready)
		vhost_rmem_vq_reset_state(&d->vqs[idx].vq, state->split.avail_index);
	vhost_rmem_ctl_unlock(d);
	return 0;
}

static int vhost_rmem_get_vq_state(struct vdpa_device *vdpa, u16 idx, struct vdpa_vq_state *state)
{
	struct vhost_rmem_dev *d = vdpa_to_rmem(vdpa);

	if (!vhost_rmem_vq_idx_ok(d, idx))
		return -EINVAL;
	vhost_rmem_ctl_lock(d);
	/* A lane ends every request before it lets go: used == avail here. */
	state->split.avail_index = d->vqs[idx].ready ? d->vqs[idx].vq.last_avail :
						       d->vqs[idx].avail_base;
	vhost_rmem_ctl_unlock(d);
	return 0;
}

static u16 vhost_rmem_get_vq_size(struct vdpa_device *vdpa, u16 idx)
{
	struct vhost_rmem_dev *d = vdpa_to_rmem(vdpa);

	return vhost_rmem_vq_idx_ok(d, idx) && d->vqs[idx].num ? d->vqs[idx].num :
							   RMEM_VIRTIO_QUEUE_MAX;
}

static u32 vhost_rmem_get_vq_align(struct vdpa_device *vdpa)
{
	return PAGE_SIZE;
}

static u32 vhost_rmem_get_vq_group(struct vdpa_device *vdpa, u16 idx)
{
	return 0;
}

static u64 vhost_rmem_get_device_features(struct vdpa_device *vdpa)
{
	return VHOST_RMEM_FEATURES;
}

static int vhost_rmem_set_driver_features(struct vdpa_device *vdpa, u64 features)
{
	struct vhost_rmem_dev *d = vdpa_to_rmem(vdpa);

	mutex_lock(&d->lock);
	d->features = features;
	mutex_unlock(&d->lock);
	return 0;
}

static u64 vhost_rmem_get_driver_features(struct vdpa_device *vdpa)
{
	struct vhost_rmem_dev *d = vdpa_to_rmem(vdpa);

	return READ_ONCE(d->features);
}

static void vhost_rmem_set_config_cb(struct vdpa_device *vdpa, struct vdpa_callback *cb)
{
	struct vhost_rmem_dev *d = vdpa_to_rmem(vdpa);

	vhost_rmem_ctl_lock(d);
	d->config_cb = *cb;
	vhost_rmem_ctl_unlock(d);
}

static u16 vhost_rmem_get_vq_num_max(struct vdpa_device *vdpa)
{
	return RMEM_VIRTIO_QUEUE_MAX;
}

static u32 vhost_rmem_get_device_id(struct vdpa_device *vdpa)
{
	return VIRTIO_ID_BLOCK;
}

static u32 vhost_rmem_get_vendor_id(struct vdpa_device *vdpa)
{
	return 0;
}

static u8 vhost_rmem_get_status(struct vdpa_device *vdpa)
{
	struct vhost_rmem_dev *d = vdpa_to_rmem(vdpa);
	u8 status;

	mutex_lock(&d->lock);
	status = d->status;
	if (READ_ONCE(d->needs_reset))
		status |= VIRTIO_CONFIG_S_NEEDS_RESET;
	mutex_unlock(&d->lock);
	return status;
}

/*
 * FEATURES_OK: the driver's features must be ours and include VERSION_1, and
 * the device must be configured; then the limits the requests are checked
 * against are fixed and the backend store is created.  Caller holds d->lock.
 */
static bool vhost_rmem_features_ok_locked(struct vhost_rmem_dev *d)
{
	u64 f = d->features;
	unsigned int i;
	void *be;

	if ((f & ~VHOST_RMEM_FEATURES) || !(f & BIT_ULL(RMEM_VIRTIO_F_VERSION_1))) {
		dev_warn_ratelimited(&d->vdpa.dev, "driver features %#llx refused\n", f);
		return false;
	}
	if (!vhost_rmem_dev_configured(d)) {
		dev_warn_ratelimited(&d->vdpa.dev,
				     "not configured (capacity and device_id in sysfs rmem/)\n");
		return false;
	}
	if (!d->be) {
		be = d->backend->create(d);
		if (IS_ERR(be)) {
			dev_warn_ratelimited(&d->vdpa.dev, "backend %s: %ld\n",
					     d->backend->name, PTR_ERR(be));
			return false;
		}
		d->be = be;
	}
	for (i = 0; i < d->num_queues; i++) {
		vhost_rmem_lane_free(&d->vqs[i]);
		if (vhost_rmem_lane_alloc(d, &d->vqs[i])) {
			dev_warn_ratelimited(&d->vdpa.dev, "no memory for queue %u's requests\n",
					     i);
			return false;
		}
	}
	d->lim.capacity = d->capacity >> RMEM_SECTOR_SHIFT;
	d->lim.device_id = d->device_id;
	d->lim.max_bytes = RMEM_VIRTIO_REQ_MAX_BYTES;
	d->lim.max_discard_sectors = RMEM_VIRTIO_MAX_DISCARD_SECTORS;
	d->lim.max_discard_seg = RMEM_VIRTIO_MAX_DISCARD_SEG;
	d->lim.flush = !!(f & BIT_ULL(RMEM_VIRTIO_BLK_F_FLUSH));
	d->lim.discard = !!(f & BIT_ULL(RMEM_VIRTIO_BLK_F_DISCARD));
	d->lim.write_zeroes = !!(f & BIT_ULL(RMEM_VIRTIO_BLK_F_WRITE_ZEROES));
	return true;
}

/*
 * Which driver is bound decides how addresses translate (see the top of
 * this file).  Looked at once, at DRIVER_OK, when a driver is necessarily
 * bound and cannot change under us.
 */
static bool vhost_rmem_bound_to_virtio_vdpa(struct vhost_rmem_dev *d)
{
	const struct device_driver *drv = READ_ONCE(d->vdpa.dev.driver);

	return drv && !strcmp(drv->name, "virtio_vdpa");
}

static void vhost_rmem_set_status(struct vdpa_device *vdpa, u8 status)
{
	struct vhost_rmem_dev *d = vdpa_to_rmem(vdpa);
	bool start = false;

	vhost_rmem_ctl_lock(d);
	if (status == 0) {
		vhost_rmem_reset_locked(d);
		goto out_unlock;
	}
	if ((status & VIRTIO_CONFIG_S_FEATURES_OK) && !(d->status & VIRTIO_CONFIG_S_FEATURES_OK) &&
	    !vhost_rmem_features_ok_locked(d))
		status &= ~VIRTIO_CONFIG_S_FEATURES_OK;
	if ((status & VIRTIO_CONFIG_S_DRIVER_OK) && !(d->status & VIRTIO_CONFIG_S_DRIVER_OK)) {
		if (!(status & VIRTIO_CONFIG_S_FEATURES_OK)) {
			status &= ~VIRTIO_CONFIG_S_DRIVER_OK;
		} else {
			d->direct = vhost_rmem_bound_to_virtio_vdpa(d);
			start = true;
		}
	}
	/* NEEDS_RESET is ours (d->needs_reset); a driver clears it only by reset. */
	d->status = status & ~VIRTIO_CONFIG_S_NEEDS_RESET;
out_unlock:
	vhost_rmem_ctl_unlock(d);
	/* Buffers may have been made available before DRIVER_OK. */
	if (start)
		vhost_rmem_lanes_kick(d);
}

static int vhost_rmem_reset(struct vdpa_device *vdpa)
{
	struct vhost_rmem_dev *d = vdpa_to_rmem(vdpa);

	vhost_rmem_ctl_lock(d);
	vhost_rmem_reset_locked(d);
	vhost_rmem_ctl_unlock(d);
	return 0;
}

/*
 * QEMU suspends the device before it reads the queue state at stop (without
 * suspend it distrusts get_vq_state and says "ring restore failed").  A
 * lane ends every request before it lets go of serve_sem, so once suspend
 * holds the lock nothing is in flight and used == avail on every queue.
 */
static int vhost_rmem_suspend(struct vdpa_device *vdpa)
{
	struct vhost_rmem_dev *d = vdpa_to_rmem(vdpa);

	vhost_rmem_ctl_lock(d);
	d->suspended = true;
	vhost_rmem_ctl_unlock(d);
	return 0;
}

static int vhost_rmem_resume(struct vdpa_device *vdpa)
{
	struct vhost_rmem_dev *d = vdpa_to_rmem(vdpa);

	vhost_rmem_ctl_lock(d);
	d->suspended = false;
	vhost_rmem_ctl_unlock(d);
	/* Kicks that came while suspended were dropped by the lanes. */
	vhost_rmem_lanes_kick(d);
	return 0;
}

static int vhost_rmem_compat_reset(struct vdpa_device *vdpa, u32 flags)
{
	struct vhost_rmem_dev *d = vdpa_to_rmem(vdpa);

	vhost_rmem_ctl_lock(d);
	vhost_rmem_reset_locked(d);
	if (flags & VDPA_RESET_F_CLEAN_MAP)
		vhost_iotlb_reset(&d->iotlb);
	vhost_rmem_ctl_unlock(d);
	return 0;
}

static size_t vhost_rmem_get_config_size(struct vdpa_device *vdpa)
{
	return RMEM_VIRTIO_CFG_SIZE;
}

static void vhost_rmem_fill_config(struct vhost_rmem_dev *d, u8 *cfg)
{
	struct rmem_virtio_blk_config *blk = (void *)cfg;
	struct rmem_virtio_config *ext = (void *)(cfg + RMEM_VIRTIO_CFG_OFFSET);

	memset(cfg, 0, RMEM_VIRTIO_CFG_SIZE);
	blk->capacity = cpu_to_le64(d->capacity >> RMEM_SECTOR_SHIFT);
	blk->size_max = cpu_to_le32(RMEM_VIRTIO_SIZE_MAX);
	blk->seg_max = cpu_to_le32(RMEM_VIRTIO_SEG_MAX);
	blk->blk_size = cpu_to_le32(RMEM_BLOCK_SIZE);
	blk->num_queues = cpu_to_le16(d->num_queues);
	blk->max_discard_sectors = cpu_to_le32(RMEM_VIRTIO_MAX_DISCARD_SECTORS);
	blk->max_discard_seg = cpu_to_le32(RMEM_VIRTIO_MAX_DISCARD_SEG);
	blk->discard_sector_alignment = cpu_to_le32(RMEM_SECTORS_PER_BLOCK);
	blk->max_write_zeroes_sectors = cpu_to_le32(RMEM_VIRTIO_MAX_DISCARD_SECTORS);
	blk->max_write_zeroes_seg = cpu_to_le32(RMEM_VIRTIO_MAX_DISCARD_SEG);
	blk->write_zeroes_may_unmap = 1;

	ext->magic = cpu_to_le32(RMEM_VIRTIO_MAGIC);
	ext->version = cpu_to_le16(RMEM_VIRTIO_VERSION);
	ext->length = cpu_to_le16(sizeof(*ext));
	ext->device_id = cpu_to_le64(d->device_id);
	ext->chunk_shift = d->chunk_shift;
	ext->block_shift = RMEM_BLOCK_SHIFT;
	ext->max_chain = cpu_to_le16(RMEM_VIRTIO_MAX_CHAIN);
	ext->flags = cpu_to_le32(d->backend ? d->backend->cfg_flags : 0);
}

static void vhost_rmem_get_config(struct vdpa_device *vdpa, unsigned int offset, void *buf,
				  unsigned int len)
{
	struct vhost_rmem_dev *d = vdpa_to_rmem(vdpa);
	u8 cfg[RMEM_VIRTIO_CFG_SIZE];
	unsigned int n = 0;

	mutex_lock(&d->lock);
	vhost_rmem_fill_config(d, cfg);
	mutex_unlock(&d->lock);
	/* Bytes past the config space read as zero (vhost_vdpa bounds the rest). */
	if (offset < sizeof(cfg))
		n = min_t(unsigned int, len, sizeof(cfg) - offset);
	memcpy(buf, cfg + offset, n);
	memset(buf + n, 0, len - n);
}

/* Nothing in our config space is driver-writable. */
static void vhost_rmem_set_config(struct vdpa_device *vdpa, unsigned int offset, const void *buf,
				  unsigned int len)
{
}

static u32 vhost_rmem_get_generation(struct vdpa_device *vdpa)
{
	struct vhost_rmem_dev *d = vdpa_to_rmem(vdpa);

	return READ_ONCE(d->generation);
}

/*
 * vhost_vdpa hands us its whole IOTLB after each change; copy it, so the
 * lanes never walk a tree vhost_vdpa is changing, and so a failed copy
 * leaves an empty map (translates nothing) rather than a partial one.
 */
static int vhost_rmem_set_map(struct vdpa_device *vdpa, unsigned int asid,
			      struct vhost_iotlb *iotlb)
{
	struct vhost_rmem_dev *d = vdpa_to_rmem(vdpa);
	struct vhost_iotlb_map *map;
	int ret = 0;

	if (asid != 0)
		return -EINVAL;
	vhost_rmem_ctl_lock(d);
	vhost_iotlb_reset(&d->iotlb);
	for (map = vhost_iotlb_itree_first(iotlb, 0, U64_MAX); map;
	     map = vhost_iotlb_itree_next(map, 0, U64_MAX)) {
		ret = vhost_iotlb_add_range(&d->iotlb, map->start, map->last, map->addr,
					    map->perm);
		if (ret) {
			vhost_iotlb_reset(&d->iotlb);
			break;
		}
	}
	vhost_rmem_ctl_unlock(d);
	return ret;
}

static int vhost_rmem_reset_map(struct vdpa_device *vdpa, unsigned int asid)
{
	struct vhost_rmem_dev *d = vdpa_to_rmem(vdpa);

	if (asid != 0)
		return -EINVAL;
	vhost_rmem_ctl_lock(d);
	vhost_iotlb_reset(&d->iotlb);
	vhost_rmem_ctl_unlock(d);
	return 0;
}

/* Last reference to the vDPA device is gone: free what the device owns. */
static void vhost_rmem_free(struct vdpa_device *vdpa)
{
	struct vhost_rmem_dev *d = vdpa_to_rmem(vdpa);
	unsigned int i;

	/*
	 * The store first, with no lane serving: its connections may kick a
	 * lane until they are gone (a break), so the lanes are cancelled only
	 * after it, and a lane that runs meanwhile finds no store.  Until the
	 * store is gone, its id must stay ours in the registry.
	 */
	down_write(&d->serve_sem);
	if (d->be)
		d->backend->destroy(d->be);
	d->be = NULL;
	up_write(&d->serve_sem);
	for (i = 0; i < ARRAY_SIZE(d->vqs); i++) {
		cancel_work_sync(&d->vqs[i].work);
		vhost_rmem_lane_free(&d->vqs[i]);
	}
	vhost_rmem_dev_unregister(d);
	vhost_rmem_dev_backend_fini(d);
	vhost_iotlb_reset(&d->iotlb);
	mutex_destroy(&d->be_lock);
	mutex_destroy(&d->lock);
}

static const struct vdpa_config_ops vhost_rmem_vdpa_ops = {
	.set_vq_address = vhost_rmem_set_vq_address,
	.set_vq_num = vhost_rmem_set_vq_num,
	.kick_vq = vhost_rmem_kick_vq,
	.set_vq_cb = vhost_rmem_set_vq_cb,
	.set_vq_ready = vhost_rmem_set_vq_ready,
	.get_vq_ready = vhost_rmem_get_vq_ready,
	.set_vq_state = vhost_rmem_set_vq_state,
	.get_vq_state = vhost_rmem_get_vq_state,
	.get_vq_size = vhost_rmem_get_vq_size,
	.get_vq_align = vhost_rmem_get_vq_align,
	.get_vq_group = vhost_rmem_get_vq_group,
	.get_device_features = vhost_rmem_get_device_features,
	.set_driver_features = vhost_rmem_set_driver_features,
	.get_driver_features = vhost_rmem_get_driver_features,
	.set_config_cb = vhost_rmem_set_config_cb,
	.get_vq_num_max = vhost_rmem_get_vq_num_max,
	.get_device_id = vhost_rmem_get_device_id,
	.get_vendor_id = vhost_rmem_get_vendor_id,
	.get_status = vhost_rmem_get_status,
	.set_status = vhost_rmem_set_status,
	.reset = vhost_rmem_reset,
	.suspend = vhost_rmem_suspend,
	.resume = vhost_rmem_resume,
	.compat_reset = vhost_rmem_compat_reset,
	.get_config_size = vhost_rmem_get_config_size,
	.get_config = vhost_rmem_get_config,
	.set_config = vhost_rmem_set_config,
	.get_generation = vhost_rmem_get_generation,
	.set_map = vhost_rmem_set_map,
	.reset_map = vhost_rmem_reset_map,
	.free = vhost_rmem_free,
};

/* ------------------------------------------------------------ management device */

static const struct attribute_group *vhost_rmem_dev_groups[] = {
	&vhost_rmem_dev_config_group,
	&vhost_rmem_dev_stats_group,
	NULL,
};

static int vhost_rmem_dev_add(struct vdpa_mgmt_dev *mdev, const char *name,
			      const struct vdpa_dev_set_config *config)
{
	struct vhost_rmem_dev *d;
	unsigned int i;
	int ret;

	/* Everything is configured through sysfs; no netlink attributes. */
	if (config->mask)
		return -EOPNOTSUPP;
	/* Each device pins the module: rmmod with live devices is refused. */
	if (!try_module_get(THIS_MODULE))
		return -ENODEV;

	d = vdpa_alloc_device(struct vhost_rmem_dev, vdpa, vhost_rmem_mgmt_parent,
			      &vhost_rmem_vdpa_ops, 1, 1, name, false);
	if (IS_ERR(d)) {
		ret = PTR_ERR(d);
		goto out_put_module;
	}
	/*
	 * From here on put_device() frees through vhost_rmem_free(): set up
	 * what it undoes first.
	 */
	mutex_init(&d->lock);
	mutex_init(&d->be_lock);
	init_rwsem(&d->serve_sem);
	for (i = 0; i < ARRAY_SIZE(d->vqs); i++) {
		d->vqs[i].d = d;
		d->vqs[i].index = i;
		INIT_WORK(&d->vqs[i].work, vhost_rmem_lane_work);
	}
	vhost_iotlb_init(&d->iotlb, 0, 0);
	INIT_LIST_HEAD(&d->node);
	d->num_queues = vhost_rmem_param_num_queues;
	d->chunk_shift = vhost_rmem_param_chunk_shift;
	d->backend = &vhost_rmem_ram_backend;
	d->mem.read = vhost_rmem_mem_read;
	d->mem.write = vhost_rmem_mem_write;
	d->mem.ctx = d;

	/* virtio_vdpa maps rings and buffers on this device: dma-direct, 64-bit. */
	d->vdpa.dev.dma_mask = &d->vdpa.dev.coherent_dma_mask;
	ret = dma_set_mask_and_coherent(&d->vdpa.dev, DMA_BIT_MASK(64));
	if (ret)
		goto out_put_device;
	d->vdpa.dma_dev = &d->vdpa.dev;
	d->vdpa.mdev = mdev;
	d->vdpa.dev.groups = vhost_rmem_dev_groups;
	ret = driver_set_override(&d->vdpa.dev, &d->vdpa.driver_override, VHOST_RMEM_PARKED_DRIVER,
				  strlen(VHOST_RMEM_PARKED_DRIVER));
	if (ret)
		goto out_put_device;
	ret = vhost_rmem_dev_register(d);
	if (ret)
		goto out_put_device;
	ret = _vdpa_register_device(&d->vdpa, d->num_queues);
	if (ret)
		goto out_put_device;
	dev_info(&d->vdpa.dev, "created (%u queues); configure it in sysfs rmem/\n",
		 d->num_queues);
	return 0;

out_put_device:
	put_device(&d->vdpa.dev);
out_put_module:
	module_put(THIS_MODULE);
	return ret;
}

/*
 * Unregistering unbinds the driver first: virtio_blk's remove drains its
 * queues while the lanes still serve them, and vhost_vdpa's remove waits
 * for its user to close.  The device memory is freed in vhost_rmem_free(), which
 * also releases the device id.
 */
static void vhost_rmem_dev_del(struct vdpa_mgmt_dev *mdev, struct vdpa_device *vdpa)
{
	_vdpa_unregister_device(vdpa);
	module_put(THIS_MODULE);
}

static const struct vdpa_mgmtdev_ops vhost_rmem_mgmtdev_ops = {
	.dev_add = vhost_rmem_dev_add,
	.dev_del = vhost_rmem_dev_del,
};

static struct virtio_device_id vhost_rmem_id_table[] = {
	{ VIRTIO_ID_BLOCK, VIRTIO_DEV_ANY_ID },
	{ 0 },
};

static struct vdpa_mgmt_dev vhost_rmem_mgmt_dev = {
	.ops = &vhost_rmem_mgmtdev_ops,
	.id_table = vhost_rmem_id_table,
	.supported_features = VHOST_RMEM_FEATURES,
	.max_supported_vqs = RMEM_VIRTIO_NUM_QUEUES_MAX,
};

int vhost_rmem_vdpa_init(void)
{
	int ret;

	/*
	 * Unbound: a device's work item may run on any CPU; WQ_MEM_RECLAIM
	 * because the device can be the swap device of this very kernel.
	 */
	vhost_rmem_wq = alloc_workqueue("vhost_rmem", WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	if (!vhost_rmem_wq)
		return -ENOMEM;
	vhost_rmem_mgmt_parent = root_device_register(VHOST_RMEM_MGMTDEV_NAME);
	if (IS_ERR(vhost_rmem_mgmt_parent)) {
		ret = PTR_ERR(vhost_rmem_mgmt_parent);
		goto out_destroy_wq;
	}
	vhost_rmem_mgmt_dev.device = vhost_rmem_mgmt_parent;
	ret = vdpa_mgmtdev_register(&vhost_rmem_mgmt_dev);
	if (ret)
		goto out_unregister_root;
	return 0;

out_unregister_root:
	root_device_unregister(vhost_rmem_mgmt_parent);
out_destroy_wq:
	destroy_workqueue(vhost_rmem_wq);
	return ret;
}

void vhost_rmem_vdpa_exit(void)
{
	vdpa_mgmtdev_unregister(&vhost_rmem_mgmt_dev);
	root_device_unregister(vhost_rmem_mgmt_parent);
	destroy_workqueue(vhost_rmem_wq);
}
