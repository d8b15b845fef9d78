// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_rmem: guest driver for virtio-blk devices that offer the rmem
 * extension (docs/virtio-rmem.md, docs/guest-driver.md).
 *
 * One /dev/rmemN per device, made for swap and raw direct I/O.  What it adds
 * over the stock virtio_blk on the same device:
 *  - optionally (sync=1) a synchronous disk (BLK_FEAT_SYNCHRONOUS on 6.12,
 *    ->rw_page on 6.1): swap-in skips the swap cache; off by default because
 *    measurement showed it costs more than it saves (docs/guest-driver.md);
 *  - completion polling: a small read spins on its virtqueue for up to
 *    poll_us after the kick instead of waiting for the used-buffer callback,
 *    but only while the device's recent small-read latency fits in that
 *    budget (a spin that times out costs a CPU and saves nothing); that is
 *    the swap-in path, which blk-mq's polling never serves;
 *  - blk-mq poll queues (poll_queues, nvme's way): virtqueues without an
 *    interrupt, reaped by the submitter of polled I/O (io_uring IOPOLL,
 *    the only source of it since 5.16);
 *  - merging of adjacent requests of a dispatch batch into one virtio request
 *    up to the device's segment limit (virtio_virtio_rmem_merge.h decides);
 *  - discard limits taken from the device (4 KiB blocks; a chunk is freed
 *    on the host when its last block goes), one queue per vCPU up to the
 *    device's num_queues, and counters in /sys/block/rmemN/rmem/.
 * It builds for Debian's 6.1 and 6.12 kernels; the few API differences are
 * kept in the RMEM_* compat section below.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/version.h>
#include <linux/virtio.h>
#include <linux/virtio_config.h>
#include <linux/blkdev.h>
#include <linux/blk-mq.h>
#include <linux/blk-mq-virtio.h>
#include <linux/bio.h>
#include <linux/pagemap.h>
#include <linux/idr.h>
#include <linux/interrupt.h>
#include <linux/scatterlist.h>
#include <linux/ktime.h>
#include <linux/sysfs.h>
#include <linux/debugfs.h>

#include "rmem_virtio.h"
#include "virtio_rmem_merge.h"

#define VIRTIO_RMEM_NAME "rmem"
#define VIRTIO_RMEM_MINORS 16		/* partitions per disk, as virtio_blk */
#define VIRTIO_RMEM_BATCH_MAX 32	/* requests planned together in queue_rqs */

/* ------------------------------------------------------------ parameters */

static bool merge = true;
module_param(merge, bool, 0644);
MODULE_PARM_DESC(merge, "Send adjacent requests of a dispatch batch as one virtio request (default 1; 0 for measurements)");

static unsigned int poll_us = 200;
module_param(poll_us, uint, 0644);
MODULE_PARM_DESC(poll_us, "Spin up to this many microseconds for the completion of a small read before falling back to the callback; reads are polled only while the device's recent small-read latency is within this budget (0 = never poll; default 200)");

static unsigned int poll_max_bytes = 16384;
module_param(poll_max_bytes, uint, 0644);
MODULE_PARM_DESC(poll_max_bytes, "Largest read that is polled (default 16384)");

/*
 * Off by default, by measurement (docs/guest-driver.md): on 6.12 a
 * synchronous swap device also gets synchronous swap-out (one page per round
 * trip, no merging), and a swap-in that skips the swap cache frees the slot,
 * so every read-mostly page is written again when it is evicted again.
 */
static bool sync_dev;
module_param_named(sync, sync_dev, bool, 0444);
MODULE_PARM_DESC(sync, "Present a synchronous disk: swap-in skips the swap cache, swap-out waits per page (default 0; read at probe)");

static unsigned int max_queues;
module_param(max_queues, uint, 0444);
MODULE_PARM_DESC(max_queues, "Use at most this many virtqueues (0 = one per vCPU up to the device's limit)");

static unsigned int poll_queues;
module_param(poll_queues, uint, 0444);
MODULE_PARM_DESC(poll_queues, "Of those, this many serve polled I/O only, without interrupts (default 0; at least one queue stays interrupt-driven; read at probe)");

/* ------------------------------------------------------------ compat */

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
#define VIRTIO_RMEM_HAVE_QUEUE_LIMITS 1	/* limits/features passed to blk_mq_alloc_disk */
#endif
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#define VIRTIO_RMEM_RQ_LIST struct rq_list
#define virtio_rmem_rq_list_pop(l) rq_list_pop(l)
#define virtio_rmem_rq_list_put(l, rq) rq_list_add_tail(l, rq)
#define virtio_rmem_rq_list_init(l) rq_list_init(l)
#define virtio_rmem_rq_list_give_back(dst, src) (*(dst) = *(src))
#else
#define VIRTIO_RMEM_RQ_LIST struct request *
#define virtio_rmem_rq_list_pop(l) rq_list_pop(l)
#define virtio_rmem_rq_list_put(l, rq) rq_list_add(l, rq)
#define virtio_rmem_rq_list_init(l) (*(l) = NULL)
#define virtio_rmem_rq_list_give_back(dst, src) (*(dst) = *(src))
#endif
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
#define VIRTIO_RMEM_HAVE_RW_PAGE 1	/* 6.1 marks swap synchronous through ->rw_page */
#endif

/* ------------------------------------------------------------ objects */

/* Counters, one sysfs file each.  atomic64: cheap next to a virtqueue trip. */
struct virtio_rmem_stats {
	atomic64_t requests;	/* block requests accepted */
	atomic64_t reads;
	atomic64_t writes;
	atomic64_t flushes;
	atomic64_t discards;	/* discard + write-zeroes requests */
	atomic64_t vq_requests;	/* virtio requests sent */
	atomic64_t merges;	/* block requests that rode in another's virtio request */
	atomic64_t polls;	/* requests we spun for */
	atomic64_t poll_hits;	/* ... that completed while we spun */
	atomic64_t poll_skips;	/* small reads not polled: device slower than poll_us */
	atomic64_t poll_reaped;	/* virtio requests reaped by blk-mq polling a poll queue */
	atomic64_t errors;	/* requests completed with an error */
};

struct virtio_rmem_vq {
	struct virtqueue *vq;
	spinlock_t lock;	/* vq add/get_buf and the poll_done hand-off */
	char name[16];
} ____cacheline_aligned_in_smp;

struct virtio_rmem_dev {
	struct virtio_device *vdev;
	struct gendisk *disk;
	struct blk_mq_tag_set tag_set;
	struct virtio_rmem_vq *vqs;
	unsigned int num_vqs;
	unsigned int num_poll_vqs;	/* the last ones: no callback */
	int index;		/* N of rmemN */
	u32 seg_max;		/* data segments per virtio request */
	u32 max_sectors;	/* sectors per virtio request */
	u32 max_discard_seg;
	struct rmem_virtio_config rcfg;	/* the extension area, as read at probe */
	struct virtio_rmem_stats stats;
	/*
	 * Moving average (1/8 weight) of small-read latency, kick to reap, in
	 * ns.  Updated under one vq's lock, read without any: with several
	 * queues an update can be lost, which only blurs an estimate.
	 */
	unsigned long read_lat_ns;
	/* The device changed its config: capacity, or it needs a reset. */
	struct work_struct config_work;
};

/*
 * Per-request state, in the tag set's cmd_size.  A merged run uses the
 * leader's header, status and sg table (sized for seg_max entries); the
 * other members hang off @next_member and only take the status.
 */
struct virtio_rmem_req {
	struct rmem_virtio_blk_outhdr hdr;
	u8 status;
	struct request *next_member;
	bool *poll_done;	/* set under the vq lock by whoever reaps us */
	u64 start_ns;		/* small reads: when queued, for read_lat_ns */
	struct rmem_virtio_blk_discard *ranges;	/* discard payload, seg count below */
	unsigned int nr_ranges;
	struct scatterlist sg[];
};

static DEFINE_IDA(virtio_rmem_index_ida);
static int virtio_rmem_major;

static inline struct virtio_rmem_req *virtio_rmem_pdu(struct request *rq)
{
	return blk_mq_rq_to_pdu(rq);
}

/* ------------------------------------------------------------ completion */

static blk_status_t virtio_rmem_status(u8 s)
{
	switch (s) {
	case RMEM_VIRTIO_BLK_S_OK:
		return BLK_STS_OK;
	case RMEM_VIRTIO_BLK_S_UNSUPP:
		return BLK_STS_NOTSUPP;
	default:
		return BLK_STS_IOERR;
	}
}

static void virtio_rmem_complete_rq(struct request *rq)
{
	struct virtio_rmem_req *r = virtio_rmem_pdu(rq);
	blk_status_t st = virtio_rmem_status(r->status);

	if (st != BLK_STS_OK) {
		struct virtio_rmem_dev *rd = rq->q->queuedata;

		atomic64_inc(&rd->stats.errors);
		pr_err_ratelimited("virtio_rmem: %s: %s of %u bytes at sector %llu failed (status %u)\n",
				   rd->disk->disk_name, blk_op_str(req_op(rq)), blk_rq_bytes(rq),
				   (unsigned long long)blk_rq_pos(rq), r->status);
	}
	kfree(r->ranges);
	r->ranges = NULL;
	blk_mq_end_request(rq, st);
}

/*
 * Completes every member of the run whose leader the device returned.  Called
 * with the vq lock held: the lock is what makes the poll_done hand-off safe
 * against a poller giving up.  A member's pdu may be reused as soon as it is
 * completed, so read the link first.
 */
static void virtio_rmem_reap(struct virtio_rmem_req *leader_pdu, struct request *leader)
{
	struct request *rq = leader, *next;
	u8 status = leader_pdu->status;

	if (leader_pdu->start_ns) {
		struct virtio_rmem_dev *rd = leader->q->queuedata;
		unsigned long avg = READ_ONCE(rd->read_lat_ns);
		unsigned long lat = ktime_get_ns() - leader_pdu->start_ns;

		WRITE_ONCE(rd->read_lat_ns, avg ? avg - avg / 8 + lat / 8 : lat);
	}
	while (rq) {
		struct virtio_rmem_req *r = virtio_rmem_pdu(rq);

		next = r->next_member;
		r->next_member = NULL;
		r->status = status;
		if (r->poll_done) {
			WRITE_ONCE(*r->poll_done, true);
			r->poll_done = NULL;
		}
		blk_mq_complete_request(rq);
		rq = next;
	}
}

/* Drains the used ring; returns how many runs completed. */
static unsigned int virtio_rmem_drain(struct virtio_rmem_vq *rvq)
{
	struct virtio_rmem_req *r;
	unsigned int len, n = 0;

	do {
		virtqueue_disable_cb(rvq->vq);
		while ((r = virtqueue_get_buf(rvq->vq, &len)) != NULL) {
			virtio_rmem_reap(r, blk_mq_rq_from_pdu(r));
			n++;
		}
		if (unlikely(virtqueue_is_broken(rvq->vq)))
			break;
	} while (!virtqueue_enable_cb(rvq->vq));
	return n;
}

static void virtio_rmem_vq_done(struct virtqueue *vq)
{
	struct virtio_rmem_dev *rd = vq->vdev->priv;
	struct virtio_rmem_vq *rvq = &rd->vqs[vq->index];
	unsigned long flags;
	unsigned int n;

	spin_lock_irqsave(&rvq->lock, flags);
	n = virtio_rmem_drain(rvq);
	spin_unlock_irqrestore(&rvq->lock, flags);
	/* A full ring stopped the queue in queue_rq; room again now. */
	if (n)
		blk_mq_start_stopped_hw_queues(rd->disk->queue, true);
}

/* ------------------------------------------------------------ submission */

static enum virtio_rmem_merge_op virtio_rmem_merge_op_of(struct request *rq)
{
	switch (req_op(rq)) {
	case REQ_OP_READ:
		return VIRTIO_RMEM_MERGE_READ;
	case REQ_OP_WRITE:
		return VIRTIO_RMEM_MERGE_WRITE;
	default:
		return VIRTIO_RMEM_MERGE_NONE;
	}
}

/* Header and, for discard/write-zeroes, the segment payload of @rq. */
static blk_status_t virtio_rmem_setup_cmd(struct virtio_rmem_dev *rd, struct request *rq)
{
	struct virtio_rmem_req *r = virtio_rmem_pdu(rq);
	u32 type;

	r->next_member = NULL;
	r->poll_done = NULL;
	r->start_ns = req_op(rq) == REQ_OP_READ &&
		      blk_rq_bytes(rq) <= READ_ONCE(poll_max_bytes) ? ktime_get_ns() : 0;
	r->ranges = NULL;
	r->nr_ranges = 0;
	r->status = RMEM_VIRTIO_BLK_S_IOERR;	/* until the device writes one */

	switch (req_op(rq)) {
	case REQ_OP_READ:
		type = RMEM_VIRTIO_BLK_T_IN;
		atomic64_inc(&rd->stats.reads);
		break;
	case REQ_OP_WRITE:
		type = RMEM_VIRTIO_BLK_T_OUT;
		atomic64_inc(&rd->stats.writes);
		break;
	case REQ_OP_FLUSH:
		type = RMEM_VIRTIO_BLK_T_FLUSH;
		atomic64_inc(&rd->stats.flushes);
		break;
	case REQ_OP_DISCARD:
	case REQ_OP_WRITE_ZEROES: {
		bool wz = req_op(rq) == REQ_OP_WRITE_ZEROES;
		u32 flags = wz && !(rq->cmd_flags & REQ_NOUNMAP) ? RMEM_VIRTIO_BLK_WZ_F_UNMAP : 0;
		unsigned short n = blk_rq_nr_discard_segments(rq);
		struct bio *bio;
		unsigned int i = 0;

		type = wz ? RMEM_VIRTIO_BLK_T_WRITE_ZEROES : RMEM_VIRTIO_BLK_T_DISCARD;
		atomic64_inc(&rd->stats.discards);
		if (wz)
			n = 1;	/* write-zeroes never multi-range merges */
		if (!n || n > rd->max_discard_seg)
			return BLK_STS_IOERR;
		/* GFP_ATOMIC: queue_rq must not sleep on a non-blocking hctx. */
		r->ranges = kmalloc_array(n, sizeof(*r->ranges), GFP_ATOMIC);
		if (!r->ranges)
			return BLK_STS_RESOURCE;
		if (n == 1) {
			r->ranges[0].sector = cpu_to_le64(blk_rq_pos(rq));
			r->ranges[0].num_sectors = cpu_to_le32(blk_rq_sectors(rq));
			r->ranges[0].flags = cpu_to_le32(flags);
			i = 1;
		} else {
			__rq_for_each_bio(bio, rq) {
				if (i == n)
					break;
				r->ranges[i].sector = cpu_to_le64(bio->bi_iter.bi_sector);
				r->ranges[i].num_sectors = cpu_to_le32(bio_sectors(bio));
				r->ranges[i].flags = cpu_to_le32(flags);
				i++;
			}
		}
		r->nr_ranges = i;
		break;
	}
	default:
		return BLK_STS_NOTSUPP;
	}
	r->hdr.type = cpu_to_le32(type);
	r->hdr.ioprio = cpu_to_le32(req_get_ioprio(rq));
	r->hdr.sector = cpu_to_le64(type == RMEM_VIRTIO_BLK_T_FLUSH ? 0 : blk_rq_pos(rq));
	atomic64_inc(&rd->stats.requests);
	return BLK_STS_OK;
}

/*
 * Fault knobs of the test tier (VIRTIO_RMEM_FAULTS=y from scripts/kbuild.sh;
 * a DKMS build has none), in /sys/kernel/debug/virtio_rmem/faults/:
 * nomem_every = N makes every Nth request fail to go on the ring with
 * -ENOMEM (a DMA mapping failing, which can happen with nothing in
 * flight), ring_full_every = N with -ENOSPC while
 * the ring holds other requests (a full ring); injected counts both.
 */
#ifdef VIRTIO_RMEM_FAULTS
static struct {
	atomic_t nomem_every, ring_full_every, injected, calls;
} virtio_rmem_faults;
static struct dentry *virtio_rmem_debugfs;

static bool virtio_rmem_fault_every(atomic_t *every, int calls)
{
	int n = atomic_read(every);

	return n > 0 && calls % n == 0;
}

/* Called with the vq lock held, right before the ring is written: 0 or the fault. */
static int virtio_rmem_fault_add(struct virtio_rmem_vq *rvq)
{
	int calls = atomic_inc_return(&virtio_rmem_faults.calls);
	struct virtqueue *vq = rvq->vq;
	int err;

	if (virtio_rmem_fault_every(&virtio_rmem_faults.nomem_every, calls))
		err = -ENOMEM;
	else if (vq->num_free < virtqueue_get_vring_size(vq) &&
		 virtio_rmem_fault_every(&virtio_rmem_faults.ring_full_every, calls))
		err = -ENOSPC;
	else
		return 0;
	atomic_inc(&virtio_rmem_faults.injected);
	return err;
}

static void virtio_rmem_faults_init(void)
{
	struct dentry *dir;

	virtio_rmem_debugfs = debugfs_create_dir("virtio_rmem", NULL);
	dir = debugfs_create_dir("faults", virtio_rmem_debugfs);
	debugfs_create_atomic_t("nomem_every", 0600, dir, &virtio_rmem_faults.nomem_every);
	debugfs_create_atomic_t("ring_full_every", 0600, dir, &virtio_rmem_faults.ring_full_every);
	debugfs_create_atomic_t("injected", 0400, dir, &virtio_rmem_faults.injected);
}

static void virtio_rmem_faults_exit(void)
{
	debugfs_remove_recursive(virtio_rmem_debugfs);
}
#else
static inline int virtio_rmem_fault_add(struct virtio_rmem_vq *rvq)
{
	return 0;
}

static inline void virtio_rmem_faults_init(void) { }
static inline void virtio_rmem_faults_exit(void) { }
#endif

/*
 * Adds the virtio request of @leader, whose data segments (@nsg of them, in
 * sector order) are already in the leader's sg table.  Caller holds the lock.
 */
static int virtio_rmem_add(struct virtio_rmem_vq *rvq, struct request *leader, unsigned int nsg)
{
	struct virtio_rmem_req *r = virtio_rmem_pdu(leader);
	struct scatterlist hdr, status, ranges, *sgs[4];
	unsigned int out = 0, in = 0;
	int err;

	sg_init_one(&hdr, &r->hdr, sizeof(r->hdr));
	sgs[out++] = &hdr;
	if (r->nr_ranges) {
		sg_init_one(&ranges, r->ranges, r->nr_ranges * sizeof(*r->ranges));
		sgs[out++] = &ranges;
	} else if (nsg) {
		if (req_op(leader) == REQ_OP_WRITE)
			sgs[out++] = r->sg;
		else
			sgs[out + in++] = r->sg;
	}
	sg_init_one(&status, &r->status, sizeof(r->status));
	sgs[out + in++] = &status;
	err = virtio_rmem_fault_add(rvq);
	if (err)
		return err;
	return virtqueue_add_sgs(rvq->vq, sgs, out, in, r, GFP_ATOMIC);
}

/*
 * Spins for the completion of the request whose pdu is @r, kicked with
 * r->poll_done = @done set before it went on the ring (so the hook is in
 * place whoever reaps it).  Whoever reaps it - this loop or the callback on
 * another CPU - sets *@done under the vq lock; if we give up we unhook @done
 * under the same lock (the request is still in flight, so its pdu is still
 * ours) and nobody writes to the caller's frame later.
 */
static void virtio_rmem_poll(struct virtio_rmem_dev *rd, struct virtio_rmem_vq *rvq,
			     struct virtio_rmem_req *r, bool *done, unsigned int us)
{
	unsigned int reaped = 0;
	unsigned long flags;
	u64 deadline;

	atomic64_inc(&rd->stats.polls);
	deadline = ktime_get_ns() + (u64)us * NSEC_PER_USEC;
	while (!READ_ONCE(*done)) {
		spin_lock_irqsave(&rvq->lock, flags);
		reaped += virtio_rmem_drain(rvq);
		if (!*done && ktime_get_ns() > deadline) {
			r->poll_done = NULL;
			spin_unlock_irqrestore(&rvq->lock, flags);
			goto out_restart;
		}
		spin_unlock_irqrestore(&rvq->lock, flags);
		cpu_relax();
	}
	atomic64_inc(&rd->stats.poll_hits);
out_restart:
	/*
	 * What we reaped, the callback will not find: if a full ring stopped
	 * the queue meanwhile, only we can know there is room again.
	 */
	if (reaped)
		blk_mq_start_stopped_hw_queues(rd->disk->queue, true);
}

/*
 * Only reads are polled: a swap-in (or a QD1 reader) waits for its data,
 * while writes - swap-out above all - are asynchronous to their submitter,
 * and spinning on them would only turn reclaim's batches into single file.
 */
static bool virtio_rmem_want_poll(struct virtio_rmem_dev *rd, struct request *rq,
				  unsigned int bytes)
{
	unsigned int us = READ_ONCE(poll_us);

	if (!us || req_op(rq) != REQ_OP_READ || bytes > READ_ONCE(poll_max_bytes))
		return false;
	/*
	 * Over the network a read takes longer than any sane spin: measured
	 * on soft-RoCE, spinning 200 us for a ~500 us read made reads slower
	 * (the spinning vCPU competes with the one completing the request).
	 */
	if (READ_ONCE(rd->read_lat_ns) > (unsigned long)us * NSEC_PER_USEC) {
		atomic64_inc(&rd->stats.poll_skips);
		return false;
	}
	return true;
}

static blk_status_t virtio_rmem_queue_rq(struct blk_mq_hw_ctx *hctx,
					 const struct blk_mq_queue_data *bd)
{
	struct virtio_rmem_dev *rd = hctx->queue->queuedata;
	struct virtio_rmem_vq *rvq = &rd->vqs[hctx->queue_num];
	struct request *rq = bd->rq;
	struct virtio_rmem_req *r = virtio_rmem_pdu(rq);
	unsigned int nsg = 0, bytes = blk_rq_bytes(rq), us = READ_ONCE(poll_us);
	unsigned long flags;
	blk_status_t st;
	bool kick, poll, busy, done = false;
	int err;

	st = virtio_rmem_setup_cmd(rd, rq);
	if (st != BLK_STS_OK)
		return st;
	blk_mq_start_request(rq);
	if (blk_rq_nr_phys_segments(rq) && !r->nr_ranges) {
		sg_init_table(r->sg, rd->seg_max);
		nsg = blk_rq_map_sg(hctx->queue, rq, r->sg);
	}
	/* On a poll queue the submitter polls, through blk-mq. */
	poll = us && hctx->type != HCTX_TYPE_POLL && virtio_rmem_want_poll(rd, rq, bytes);
	if (poll)
		r->poll_done = &done;

	spin_lock_irqsave(&rvq->lock, flags);
	err = virtio_rmem_add(rvq, rq, nsg);
	if (err) {
		r->poll_done = NULL;
		virtqueue_kick(rvq->vq);
		/*
		 * No room with requests in flight: their completion restarts
		 * the stopped queue.  With nothing in flight no completion would
		 * (-ENOSPC for a chain longer than the whole ring when the
		 * indirect table's atomic allocation failed, -ENOMEM when a
		 * mapping failed): blk-mq retries after a delay instead.
		 */
		busy = rvq->vq->num_free < virtqueue_get_vring_size(rvq->vq);
		if (err == -ENOSPC && busy)
			blk_mq_stop_hw_queue(hctx);
		spin_unlock_irqrestore(&rvq->lock, flags);
		kfree(r->ranges);
		r->ranges = NULL;
		if (err == -ENOSPC && busy)
			return BLK_STS_DEV_RESOURCE;
		if (err == -ENOSPC || err == -ENOMEM)
			return BLK_STS_RESOURCE;
		return BLK_STS_IOERR;
	}
	atomic64_inc(&rd->stats.vq_requests);
	/* Batch the doorbell unless we are about to wait for this one. */
	kick = (bd->last || poll) && virtqueue_kick_prepare(rvq->vq);
	spin_unlock_irqrestore(&rvq->lock, flags);
	if (kick)
		virtqueue_notify(rvq->vq);
	if (poll)
		virtio_rmem_poll(rd, rvq, r, &done, us);
	return BLK_STS_OK;
}

static void virtio_rmem_commit_rqs(struct blk_mq_hw_ctx *hctx)
{
	struct virtio_rmem_dev *rd = hctx->queue->queuedata;
	struct virtio_rmem_vq *rvq = &rd->vqs[hctx->queue_num];
	unsigned long flags;
	bool kick;

	spin_lock_irqsave(&rvq->lock, flags);
	kick = virtqueue_kick_prepare(rvq->vq);
	spin_unlock_irqrestore(&rvq->lock, flags);
	if (kick)
		virtqueue_notify(rvq->vq);
}

/*
 * Sends one planned run: members chained behind the lowest-sector request,
 * their data mapped into its sg table in sector order.  On failure every
 * member is requeued, as virtio_blk does for a batch that did not fit.
 */
static struct request *virtio_rmem_send_run(struct virtio_rmem_dev *rd, struct virtio_rmem_vq *rvq,
					    struct request **batch,
					    const struct virtio_rmem_merge_run *run,
					    bool *poll_done)
{
	struct request *leader, *prev = NULL, *rq;
	struct scatterlist *last = NULL;
	unsigned int i, k, nsg = 0;
	int err;

	leader = batch[run->descending ? run->start + run->count - 1 : run->start];
	sg_init_table(virtio_rmem_pdu(leader)->sg, rd->seg_max);
	for (i = 0; i < run->count; i++) {
		k = run->descending ? run->start + run->count - 1 - i : run->start + i;
		rq = batch[k];
		blk_mq_start_request(rq);
		nsg += __blk_rq_map_sg(rd->disk->queue, rq, virtio_rmem_pdu(leader)->sg, &last);
		if (prev)
			virtio_rmem_pdu(prev)->next_member = rq;
		prev = rq;
	}
	virtio_rmem_pdu(leader)->poll_done = poll_done;
	err = virtio_rmem_add(rvq, leader, nsg);
	if (err) {
		virtio_rmem_pdu(leader)->poll_done = NULL;
		for (rq = leader; rq; rq = prev) {
			prev = virtio_rmem_pdu(rq)->next_member;
			virtio_rmem_pdu(rq)->next_member = NULL;
			blk_mq_requeue_request(rq, true);
		}
		return NULL;
	}
	atomic64_inc(&rd->stats.vq_requests);
	atomic64_add(run->count - 1, &rd->stats.merges);
	return leader;
}

/*
 * Plans and sends batch[0..n), all reads/writes of one hctx, with the vq
 * lock held.  When the whole batch became one small virtio request, its
 * leader is returned with its poll hook set to @done: the caller spins for
 * it after the kick (a QD1 reader's batch is exactly this).
 */
static struct request *virtio_rmem_send_batch(struct virtio_rmem_dev *rd,
					      struct virtio_rmem_vq *rvq, struct request **batch,
					      unsigned int n, bool *done)
{
	struct virtio_rmem_merge_req mr[VIRTIO_RMEM_BATCH_MAX];
	struct virtio_rmem_merge_limits lim = {
		.max_segs = READ_ONCE(merge) ? rd->seg_max : 0,
		.max_sectors = rd->max_sectors,
	};
	struct virtio_rmem_merge_run run;
	struct request *leader = NULL;
	unsigned int i;

	for (i = 0; i < n; i++) {
		mr[i].sector = blk_rq_pos(batch[i]);
		mr[i].nr_sectors = blk_rq_sectors(batch[i]);
		mr[i].nr_segs = blk_rq_nr_phys_segments(batch[i]);
		mr[i].op = virtio_rmem_merge_op_of(batch[i]);
	}
	for (i = 0; i < n; i += run.count) {
		bool poll;

		virtio_rmem_merge_plan(mr, n, i, &lim, &run);
		poll = i == 0 && run.count == n && batch[i]->mq_hctx->type != HCTX_TYPE_POLL &&
		       virtio_rmem_want_poll(rd, batch[i], run.nr_sectors << SECTOR_SHIFT);
		leader = virtio_rmem_send_run(rd, rvq, batch, &run, poll ? done : NULL);
		if (!poll)
			leader = NULL;
	}
	return leader;
}

static void virtio_rmem_flush_batch(struct virtio_rmem_dev *rd, struct request **batch,
				    unsigned int n)
{
	struct request *polled;
	struct virtio_rmem_vq *rvq;
	unsigned long flags;
	unsigned int us = READ_ONCE(poll_us);
	bool kick, done = false;

	if (!n)
		return;
	rvq = &rd->vqs[batch[0]->mq_hctx->queue_num];
	spin_lock_irqsave(&rvq->lock, flags);
	polled = virtio_rmem_send_batch(rd, rvq, batch, n, &done);
	kick = virtqueue_kick_prepare(rvq->vq);
	spin_unlock_irqrestore(&rvq->lock, flags);
	if (kick)
		virtqueue_notify(rvq->vq);
	if (polled)
		virtio_rmem_poll(rd, rvq, virtio_rmem_pdu(polled), &done, us ? us : 1);
}

/*
 * A plug's worth of requests at once: consecutive reads/writes of the same
 * hctx are planned together (that is where adjacent requests can merge);
 * anything else is handed back for ->queue_rq.
 */
static void virtio_rmem_queue_rqs(VIRTIO_RMEM_RQ_LIST *rqlist)
{
	struct request *batch[VIRTIO_RMEM_BATCH_MAX], *rq;
	struct virtio_rmem_dev *rd = NULL;
	VIRTIO_RMEM_RQ_LIST rest;
	unsigned int n = 0;

	virtio_rmem_rq_list_init(&rest);
	while ((rq = virtio_rmem_rq_list_pop(rqlist)) != NULL) {
		if (!rd)
			rd = rq->q->queuedata;
		if (n && (n == VIRTIO_RMEM_BATCH_MAX || rq->mq_hctx != batch[0]->mq_hctx)) {
			virtio_rmem_flush_batch(rd, batch, n);
			n = 0;
		}
		if (virtio_rmem_merge_op_of(rq) == VIRTIO_RMEM_MERGE_NONE ||
		    test_bit(BLK_MQ_S_STOPPED, &rq->mq_hctx->state) ||
		    virtio_rmem_setup_cmd(rd, rq) != BLK_STS_OK) {
			virtio_rmem_rq_list_put(&rest, rq);
			continue;
		}
		batch[n++] = rq;
	}
	if (rd)
		virtio_rmem_flush_batch(rd, batch, n);
	virtio_rmem_rq_list_give_back(rqlist, &rest);
}

/*
 * Each queue's interrupt goes to the CPUs that submit to it (the vectors'
 * managed affinity, virtio_blk's way); a transport without affinity
 * (virtio_vdpa) gets the default spread.  Poll queues have no interrupt:
 * they follow the default spread, after the interrupt-driven ones.
 */
static void virtio_rmem_map_queues(struct blk_mq_tag_set *set)
{
	struct virtio_rmem_dev *rd = set->driver_data;
	struct blk_mq_queue_map *map = &set->map[HCTX_TYPE_DEFAULT];

	map->nr_queues = rd->num_vqs - rd->num_poll_vqs;
	map->queue_offset = 0;
	blk_mq_virtio_map_queues(map, rd->vdev, 0);
	if (set->nr_maps <= HCTX_TYPE_POLL)
		return;
	set->map[HCTX_TYPE_READ].nr_queues = 0;
	map = &set->map[HCTX_TYPE_POLL];
	map->nr_queues = rd->num_poll_vqs;
	map->queue_offset = rd->num_vqs - rd->num_poll_vqs;
	blk_mq_map_queues(map);
}

/*
 * blk-mq polls a poll queue for its submitter (iob unused: our completion
 * path is blk_mq_complete_request's, which for a polled request completes
 * in this context).  What it reaps, no callback would restart.
 */
static int virtio_rmem_poll_hctx(struct blk_mq_hw_ctx *hctx, struct io_comp_batch *iob)
{
	struct virtio_rmem_dev *rd = hctx->queue->queuedata;
	struct virtio_rmem_vq *rvq = &rd->vqs[hctx->queue_num];
	struct virtio_rmem_req *r;
	unsigned long flags;
	unsigned int len;
	int n = 0;

	spin_lock_irqsave(&rvq->lock, flags);
	while ((r = virtqueue_get_buf(rvq->vq, &len)) != NULL) {
		virtio_rmem_reap(r, blk_mq_rq_from_pdu(r));
		n++;
	}
	spin_unlock_irqrestore(&rvq->lock, flags);
	if (n) {
		atomic64_add(n, &rd->stats.poll_reaped);
		blk_mq_start_stopped_hw_queues(rd->disk->queue, true);
	}
	return n;
}

static const struct blk_mq_ops virtio_rmem_mq_ops = {
	.queue_rq = virtio_rmem_queue_rq,
	.queue_rqs = virtio_rmem_queue_rqs,
	.commit_rqs = virtio_rmem_commit_rqs,
	.complete = virtio_rmem_complete_rq,
	.map_queues = virtio_rmem_map_queues,
	.poll = virtio_rmem_poll_hctx,
};

/* ------------------------------------------------------------ 6.1 rw_page */

#ifdef VIRTIO_RMEM_HAVE_RW_PAGE
static void virtio_rmem_rw_page_end(struct bio *bio)
{
	struct page *page = bio->bi_private;

	page_endio(page, op_is_write(bio_op(bio)), blk_status_to_errno(bio->bi_status));
	bio_put(bio);
}

/*
 * On 6.1 a swap device is synchronous exactly when its disk has ->rw_page.
 * The page goes out as a one-page bio through our own queue, completing
 * asynchronously through page_endio() as the contract allows.
 */
static int virtio_rmem_rw_page(struct block_device *bdev, sector_t sector, struct page *page,
			       enum req_op op)
{
	struct bio *bio;

	bio = bio_alloc(bdev->bd_disk->part0, 1, op, GFP_NOIO);
	if (!bio)
		return -ENOMEM;	/* the caller falls back to an ordinary bio */
	bio->bi_iter.bi_sector = sector;	/* already absolute (get_start_sect added) */
	__bio_add_page(bio, page, PAGE_SIZE, 0);
	bio->bi_private = page;
	bio->bi_end_io = virtio_rmem_rw_page_end;
	submit_bio(bio);
	return 0;
}
#endif

static void virtio_rmem_free_disk(struct gendisk *disk)
{
	struct virtio_rmem_dev *rd = disk->private_data;

	ida_free(&virtio_rmem_index_ida, rd->index);
	kfree(rd);
}

static const struct block_device_operations virtio_rmem_fops = {
	.owner = THIS_MODULE,
	.free_disk = virtio_rmem_free_disk,
};

static const struct block_device_operations virtio_rmem_fops_sync = {
	.owner = THIS_MODULE,
	.free_disk = virtio_rmem_free_disk,
#ifdef VIRTIO_RMEM_HAVE_RW_PAGE
	.rw_page = virtio_rmem_rw_page,
#endif
};

/* ------------------------------------------------------------ sysfs */

#define VIRTIO_RMEM_STAT_ATTR(name)							\
static ssize_t name##_show(struct device *dev, struct device_attribute *attr, char *buf) \
{										\
	struct virtio_rmem_dev *rd = dev_to_disk(dev)->private_data;			\
										\
	return sysfs_emit(buf, "%lld\n", (long long)atomic64_read(&rd->stats.name)); \
}										\
static DEVICE_ATTR_RO(name)

VIRTIO_RMEM_STAT_ATTR(requests);
VIRTIO_RMEM_STAT_ATTR(reads);
VIRTIO_RMEM_STAT_ATTR(writes);
VIRTIO_RMEM_STAT_ATTR(flushes);
VIRTIO_RMEM_STAT_ATTR(discards);
VIRTIO_RMEM_STAT_ATTR(vq_requests);
VIRTIO_RMEM_STAT_ATTR(merges);
VIRTIO_RMEM_STAT_ATTR(polls);
VIRTIO_RMEM_STAT_ATTR(poll_hits);
VIRTIO_RMEM_STAT_ATTR(poll_skips);
VIRTIO_RMEM_STAT_ATTR(poll_reaped);
VIRTIO_RMEM_STAT_ATTR(errors);

static ssize_t device_id_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct virtio_rmem_dev *rd = dev_to_disk(dev)->private_data;

	return sysfs_emit(buf, "0x%llx\n", (unsigned long long)le64_to_cpu(rd->rcfg.device_id));
}
static DEVICE_ATTR_RO(device_id);

static ssize_t chunk_shift_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct virtio_rmem_dev *rd = dev_to_disk(dev)->private_data;

	return sysfs_emit(buf, "%u\n", rd->rcfg.chunk_shift);
}
static DEVICE_ATTR_RO(chunk_shift);

static ssize_t backend_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct virtio_rmem_dev *rd = dev_to_disk(dev)->private_data;

	return sysfs_emit(buf, "%s\n",
			  le32_to_cpu(rd->rcfg.flags) & RMEM_VIRTIO_CFG_F_RDMA ? "rdma" : "ram");
}
static DEVICE_ATTR_RO(backend);

static ssize_t num_queues_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct virtio_rmem_dev *rd = dev_to_disk(dev)->private_data;

	return sysfs_emit(buf, "%u\n", rd->num_vqs);
}
static DEVICE_ATTR_RO(num_queues);

static ssize_t read_lat_us_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct virtio_rmem_dev *rd = dev_to_disk(dev)->private_data;

	return sysfs_emit(buf, "%lu\n", READ_ONCE(rd->read_lat_ns) / NSEC_PER_USEC);
}
static DEVICE_ATTR_RO(read_lat_us);

static struct attribute *virtio_rmem_attrs[] = {
	&dev_attr_requests.attr, &dev_attr_reads.attr, &dev_attr_writes.attr,
	&dev_attr_flushes.attr, &dev_attr_discards.attr, &dev_attr_vq_requests.attr,
	&dev_attr_merges.attr, &dev_attr_polls.attr, &dev_attr_poll_hits.attr,
	&dev_attr_poll_skips.attr, &dev_attr_poll_reaped.attr, &dev_attr_read_lat_us.attr,
	&dev_attr_errors.attr,
	&dev_attr_device_id.attr, &dev_attr_chunk_shift.attr,
	&dev_attr_backend.attr, &dev_attr_num_queues.attr,
	NULL,
};

static const struct attribute_group virtio_rmem_attr_group = {
	.name = "rmem",
	.attrs = virtio_rmem_attrs,
};

static const struct attribute_group *virtio_rmem_attr_groups[] = {
	&virtio_rmem_attr_group,
	NULL,
};

/* ------------------------------------------------------------ probe */

static int virtio_rmem_init_vqs(struct virtio_rmem_dev *rd)
{
	struct virtio_device *vdev = rd->vdev;
	struct irq_affinity desc = { 0, };
	unsigned int i, n = 1;
	struct virtqueue **vqs;
	u16 nq;
	int err;
#ifdef VIRTIO_RMEM_HAVE_QUEUE_LIMITS
	struct virtqueue_info *info;
#else
	vq_callback_t **cbs;
	const char **names;
#endif

	if (virtio_has_feature(vdev, RMEM_VIRTIO_BLK_F_MQ)) {
		virtio_cread_le(vdev, struct rmem_virtio_blk_config, num_queues, &nq);
		n = nq ? nq : 1;
	}
	n = min_t(unsigned int, n, nr_cpu_ids);
	if (max_queues)
		n = min(n, max_queues);
	/* Poll queues come on top of one interrupt-driven queue at least. */
	rd->num_poll_vqs = min(poll_queues, n - 1);

	rd->vqs = kcalloc(n, sizeof(*rd->vqs), GFP_KERNEL);
	vqs = kcalloc(n, sizeof(*vqs), GFP_KERNEL);
#ifdef VIRTIO_RMEM_HAVE_QUEUE_LIMITS
	info = kcalloc(n, sizeof(*info), GFP_KERNEL);
	err = -ENOMEM;
	if (!rd->vqs || !vqs || !info)
		goto out_free;
	for (i = 0; i < n; i++) {
		snprintf(rd->vqs[i].name, sizeof(rd->vqs[i].name), "req.%u", i);
		info[i].name = rd->vqs[i].name;
		info[i].callback = i < n - rd->num_poll_vqs ? virtio_rmem_vq_done : NULL;
	}
	err = virtio_find_vqs(vdev, n, vqs, info, &desc);
#else
	cbs = kcalloc(n, sizeof(*cbs), GFP_KERNEL);
	names = kcalloc(n, sizeof(*names), GFP_KERNEL);
	err = -ENOMEM;
	if (!rd->vqs || !vqs || !cbs || !names)
		goto out_free;
	for (i = 0; i < n; i++) {
		snprintf(rd->vqs[i].name, sizeof(rd->vqs[i].name), "req.%u", i);
		names[i] = rd->vqs[i].name;
		cbs[i] = i < n - rd->num_poll_vqs ? virtio_rmem_vq_done : NULL;
	}
	err = virtio_find_vqs(vdev, n, vqs, cbs, names, &desc);
#endif
	if (err)
		goto out_free;
	for (i = 0; i < n; i++) {
		spin_lock_init(&rd->vqs[i].lock);
		rd->vqs[i].vq = vqs[i];
	}
	rd->num_vqs = n;
out_free:
#ifdef VIRTIO_RMEM_HAVE_QUEUE_LIMITS
	kfree(info);
#else
	kfree(cbs);
	kfree(names);
#endif
	kfree(vqs);
	if (err) {
		kfree(rd->vqs);
		rd->vqs = NULL;
	}
	return err;
}

static void virtio_rmem_del_vqs(struct virtio_rmem_dev *rd)
{
	rd->vdev->config->del_vqs(rd->vdev);
	kfree(rd->vqs);
	rd->vqs = NULL;
}

/* Reads and checks the extension area; -ENODEV leaves the device to virtio_blk. */
static int virtio_rmem_read_ext(struct virtio_rmem_dev *rd)
{
	struct virtio_device *vdev = rd->vdev;

	if (!virtio_has_feature(vdev, RMEM_VIRTIO_F_RMEM))
		return -ENODEV;
	virtio_cread_bytes(vdev, RMEM_VIRTIO_CFG_OFFSET, &rd->rcfg, sizeof(rd->rcfg));
	if (le32_to_cpu(rd->rcfg.magic) != RMEM_VIRTIO_MAGIC ||
	    le16_to_cpu(rd->rcfg.version) != RMEM_VIRTIO_VERSION) {
		dev_err(&vdev->dev, "rmem extension: bad magic 0x%x or unknown version %u\n",
			le32_to_cpu(rd->rcfg.magic), le16_to_cpu(rd->rcfg.version));
		return -ENODEV;
	}
	if (rd->rcfg.chunk_shift < 12 || rd->rcfg.chunk_shift > 30) {
		dev_err(&vdev->dev, "rmem extension: chunk_shift %u out of range\n",
			rd->rcfg.chunk_shift);
		return -EINVAL;
	}
	return 0;
}

/* Block-layer limits from the standard config; discards follow the device. */
#ifdef VIRTIO_RMEM_HAVE_QUEUE_LIMITS
static void virtio_rmem_fill_limits(struct virtio_rmem_dev *rd, struct queue_limits *lim)
#else
static void virtio_rmem_fill_limits(struct virtio_rmem_dev *rd, struct request_queue *q)
#endif
{
	struct virtio_device *vdev = rd->vdev;
	u32 v, size_max = RMEM_VIRTIO_SIZE_MAX, blk = 512, dsec = 0, dseg = 1, dalign = 8;
	u64 bytes;

	rd->seg_max = 1;
	if (virtio_has_feature(vdev, RMEM_VIRTIO_BLK_F_SEG_MAX)) {
		virtio_cread_le(vdev, struct rmem_virtio_blk_config, seg_max, &v);
		if (v)
			rd->seg_max = min_t(u32, v, RMEM_VIRTIO_SEG_MAX);
	}
	if (virtio_has_feature(vdev, RMEM_VIRTIO_BLK_F_SIZE_MAX)) {
		virtio_cread_le(vdev, struct rmem_virtio_blk_config, size_max, &v);
		if (v >= PAGE_SIZE)
			size_max = min_t(u32, v, RMEM_VIRTIO_SIZE_MAX);
	}
	if (virtio_has_feature(vdev, RMEM_VIRTIO_BLK_F_BLK_SIZE)) {
		virtio_cread_le(vdev, struct rmem_virtio_blk_config, blk_size, &v);
		if (v >= 512 && v <= PAGE_SIZE && is_power_of_2(v))
			blk = v;
	}
	/* A request can never exceed what seg_max segments of size_max carry. */
	bytes = min_t(u64, (u64)rd->seg_max * size_max, 4ull << 20);
	rd->max_sectors = bytes >> SECTOR_SHIFT;
	if (virtio_has_feature(vdev, RMEM_VIRTIO_BLK_F_DISCARD)) {
		virtio_cread_le(vdev, struct rmem_virtio_blk_config, max_discard_sectors, &dsec);
		virtio_cread_le(vdev, struct rmem_virtio_blk_config, max_discard_seg, &dseg);
		virtio_cread_le(vdev, struct rmem_virtio_blk_config, discard_sector_alignment,
				&dalign);
		dseg = clamp_t(u32, dseg, 1, RMEM_VIRTIO_MAX_DISCARD_SEG);
		if (!dalign)
			dalign = 8;
	}
	rd->max_discard_seg = dseg;

#ifdef VIRTIO_RMEM_HAVE_QUEUE_LIMITS
	lim->max_segments = rd->seg_max;
	lim->max_segment_size = size_max;
	lim->max_hw_sectors = rd->max_sectors;
	lim->logical_block_size = blk;
	lim->physical_block_size = blk;
	lim->io_min = blk;
	/*
	 * No io_opt: the chunk is the host's allocation unit, not an I/O size,
	 * and the block layer sizes readahead by io_opt (a 1 GiB chunk would
	 * read ahead 2 GiB).  The unit a request does best in is max_hw_sectors.
	 */
	lim->max_hw_discard_sectors = dsec;
	lim->max_discard_segments = dseg;
	lim->discard_granularity = dalign << SECTOR_SHIFT;
	if (virtio_has_feature(vdev, RMEM_VIRTIO_BLK_F_WRITE_ZEROES))
		lim->max_write_zeroes_sectors = RMEM_VIRTIO_MAX_DISCARD_SECTORS;
	lim->features |= BLK_FEAT_WRITE_CACHE;
	if (sync_dev)
		lim->features |= BLK_FEAT_SYNCHRONOUS;
#else
	blk_queue_max_segments(q, rd->seg_max);
	blk_queue_max_segment_size(q, size_max);
	blk_queue_max_hw_sectors(q, rd->max_sectors);
	blk_queue_logical_block_size(q, blk);
	blk_queue_physical_block_size(q, blk);
	blk_queue_io_min(q, blk);
	if (dsec) {
		blk_queue_max_discard_sectors(q, dsec);
		blk_queue_max_discard_segments(q, dseg);
		q->limits.discard_granularity = dalign << SECTOR_SHIFT;
	}
	if (virtio_has_feature(vdev, RMEM_VIRTIO_BLK_F_WRITE_ZEROES))
		blk_queue_max_write_zeroes_sectors(q, RMEM_VIRTIO_MAX_DISCARD_SECTORS);
	blk_queue_write_cache(q, true, false);
	blk_queue_flag_set(QUEUE_FLAG_NONROT, q);
#endif
}

/*
 * Config changes come in atomic context (virtio core, under its config
 * lock): handled here, in process context.  A new capacity is taken as
 * virtio_blk does.  NEEDS_RESET means the host stopped serving every queue
 * of the device (a ring it could not use, docs/virtio-rmem.md): I/O waits
 * or fails from now on, so say so with what to do.
 */
static void virtio_rmem_config_work(struct work_struct *work)
{
	struct virtio_rmem_dev *rd = container_of(work, struct virtio_rmem_dev, config_work);
	struct virtio_device *vdev = rd->vdev;
	u64 cap;

	if (vdev->config->get_status(vdev) & VIRTIO_CONFIG_S_NEEDS_RESET)
		dev_err(&vdev->dev,
			"%s: the device needs a reset and serves no more I/O; unbind and bind the driver (or delete and re-add the device on the host)\n",
			rd->disk->disk_name);
	virtio_cread_le(vdev, struct rmem_virtio_blk_config, capacity, &cap);
	if (cap != get_capacity(rd->disk)) {
		dev_info(&vdev->dev, "%s: capacity %llu -> %llu MiB\n", rd->disk->disk_name,
			 (unsigned long long)get_capacity(rd->disk) >> 11,
			 (unsigned long long)cap >> 11);
		set_capacity_and_notify(rd->disk, cap);
	}
}

static void virtio_rmem_config_changed(struct virtio_device *vdev)
{
	struct virtio_rmem_dev *rd = vdev->priv;

	if (rd)
		queue_work(system_freezable_wq, &rd->config_work);
}

static int virtio_rmem_probe(struct virtio_device *vdev)
{
	struct virtio_rmem_dev *rd;
	struct gendisk *disk;
	unsigned int depth;
	u64 cap;
	int err;
#ifdef VIRTIO_RMEM_HAVE_QUEUE_LIMITS
	struct queue_limits lim = { };
#endif

	if (!vdev->config->get) {
		dev_err(&vdev->dev, "config access disabled\n");
		return -EINVAL;
	}
	/* Config and requests are read as little-endian: only a modern device is one. */
	if (!virtio_has_feature(vdev, VIRTIO_F_VERSION_1)) {
		dev_err(&vdev->dev, "legacy (pre-1.0) device: the rmem extension needs VIRTIO_F_VERSION_1\n");
		return -ENODEV;
	}
	rd = kzalloc(sizeof(*rd), GFP_KERNEL);
	if (!rd)
		return -ENOMEM;
	rd->vdev = vdev;
	INIT_WORK(&rd->config_work, virtio_rmem_config_work);
	vdev->priv = rd;

	err = virtio_rmem_read_ext(rd);
	if (err)
		goto out_free_rd;
	err = ida_alloc_range(&virtio_rmem_index_ida, 0, (1 << (MINORBITS - 4)) - 1, GFP_KERNEL);
	if (err < 0)
		goto out_free_rd;
	rd->index = err;

	err = virtio_rmem_init_vqs(rd);
	if (err)
		goto out_free_index;

	/*
	 * One request needs one descriptor with indirect tables, up to seg_max + 2
	 * without; virtio_blk's rule of thumb of half the ring keeps the second
	 * case from bouncing off a full ring most of the time.
	 */
	depth = virtqueue_get_vring_size(rd->vqs[0].vq);
	if (!virtio_has_feature(vdev, RMEM_VIRTIO_F_INDIRECT_DESC))
		depth /= 2;
	depth = max(depth, 1u);

	rd->tag_set.ops = &virtio_rmem_mq_ops;
	rd->tag_set.nr_hw_queues = rd->num_vqs;
	rd->tag_set.nr_maps = rd->num_poll_vqs ? HCTX_MAX_TYPES : 1;
	rd->tag_set.queue_depth = depth;
	rd->tag_set.numa_node = NUMA_NO_NODE;
	/* No I/O scheduler by default: queue_rqs (and our merging) needs none. */
	rd->tag_set.flags = BLK_MQ_F_SHOULD_MERGE | BLK_MQ_F_NO_SCHED_BY_DEFAULT;
	rd->tag_set.cmd_size = sizeof(struct virtio_rmem_req) +
			       sizeof(struct scatterlist) * RMEM_VIRTIO_SEG_MAX;
	rd->tag_set.driver_data = rd;
	err = blk_mq_alloc_tag_set(&rd->tag_set);
	if (err)
		goto out_del_vqs;

#ifdef VIRTIO_RMEM_HAVE_QUEUE_LIMITS
	virtio_rmem_fill_limits(rd, &lim);
	disk = blk_mq_alloc_disk(&rd->tag_set, &lim, rd);
#else
	disk = blk_mq_alloc_disk(&rd->tag_set, rd);
#endif
	if (IS_ERR(disk)) {
		err = PTR_ERR(disk);
		goto out_free_tags;
	}
	rd->disk = disk;
#ifndef VIRTIO_RMEM_HAVE_QUEUE_LIMITS
	virtio_rmem_fill_limits(rd, disk->queue);
#endif
	snprintf(disk->disk_name, DISK_NAME_LEN, VIRTIO_RMEM_NAME "%d", rd->index);
	disk->major = virtio_rmem_major;
	disk->first_minor = rd->index * VIRTIO_RMEM_MINORS;
	disk->minors = VIRTIO_RMEM_MINORS;
	disk->fops = sync_dev ? &virtio_rmem_fops_sync : &virtio_rmem_fops;
	disk->private_data = rd;

	virtio_cread_le(vdev, struct rmem_virtio_blk_config, capacity, &cap);
	set_capacity(disk, cap);

	virtio_device_ready(vdev);
	err = device_add_disk(&vdev->dev, disk, virtio_rmem_attr_groups);
	if (err)
		goto out_reset;

	dev_info(&vdev->dev, "%s: %llu MiB, device id 0x%llx, %s backend, %u queue(s) (%u poll), chunk %u KiB, seg_max %u, %s\n",
		 disk->disk_name, (unsigned long long)(cap >> 11),
		 (unsigned long long)le64_to_cpu(rd->rcfg.device_id),
		 le32_to_cpu(rd->rcfg.flags) & RMEM_VIRTIO_CFG_F_RDMA ? "rdma" : "ram",
		 rd->num_vqs, rd->num_poll_vqs, 1u << (rd->rcfg.chunk_shift - 10), rd->seg_max,
		 sync_dev ? "synchronous" : "asynchronous");
	return 0;

out_reset:
	/* The device went live in virtio_device_ready: stop it before the rings go. */
	virtio_reset_device(vdev);
	/* Never added, so ->free_disk does not run: rd stays ours to free. */
	put_disk(disk);
out_free_tags:
	blk_mq_free_tag_set(&rd->tag_set);
out_del_vqs:
	virtio_rmem_del_vqs(rd);
out_free_index:
	ida_free(&virtio_rmem_index_ida, rd->index);
out_free_rd:
	kfree(rd);
	vdev->priv = NULL;
	return err;
}

/*
 * A virtio driver cannot refuse removal (remove returns void): while the disk
 * is open - an active swap device holds it open - the module itself cannot be
 * unloaded (the open holds a module reference), but an unbind or a host-side
 * device delete is a surprise removal: outstanding and later I/O fails, and
 * pages swapped out to it are lost (their owners get SIGBUS).  We say so
 * loudly; docs/guest-driver.md explains why this is the only honest choice.
 */
static void virtio_rmem_remove(struct virtio_device *vdev)
{
	struct virtio_rmem_dev *rd = vdev->priv;
	struct gendisk *disk = rd->disk;

	/* The core stopped config callbacks before calling us. */
	flush_work(&rd->config_work);
	if (disk_openers(disk))
		dev_err(&vdev->dev, "%s removed while open (%u openers, active swap?): its data is lost\n",
			disk->disk_name, disk_openers(disk));
	/* Fails new I/O and waits for what is in flight, which the device still serves. */
	del_gendisk(disk);
	blk_mq_free_tag_set(&rd->tag_set);
	/* Stop the device before its rings go away. */
	virtio_reset_device(vdev);
	virtio_rmem_del_vqs(rd);
	vdev->priv = NULL;
	/* The last close (or now) frees rd through ->free_disk. */
	put_disk(disk);
}

#ifdef CONFIG_PM_SLEEP
static int virtio_rmem_freeze(struct virtio_device *vdev)
{
	struct virtio_rmem_dev *rd = vdev->priv;

	flush_work(&rd->config_work);
	/* Drain: nothing may be in flight when the rings are torn down. */
	blk_mq_freeze_queue(rd->disk->queue);
	blk_mq_quiesce_queue(rd->disk->queue);
	virtio_reset_device(vdev);
	virtio_rmem_del_vqs(rd);
	return 0;
}

static int virtio_rmem_restore(struct virtio_device *vdev)
{
	struct virtio_rmem_dev *rd = vdev->priv;
	int err;

	err = virtio_rmem_init_vqs(rd);
	if (err)
		return err;
	virtio_device_ready(vdev);
	blk_mq_unquiesce_queue(rd->disk->queue);
	blk_mq_unfreeze_queue(rd->disk->queue);
	return 0;
}
#endif

static const struct virtio_device_id virtio_rmem_id_table[] = {
	{ RMEM_VIRTIO_ID_BLOCK, VIRTIO_DEV_ANY_ID },
	{ 0 },
};

static unsigned int virtio_rmem_features[] = {
	RMEM_VIRTIO_BLK_F_SIZE_MAX, RMEM_VIRTIO_BLK_F_SEG_MAX, RMEM_VIRTIO_BLK_F_BLK_SIZE,
	RMEM_VIRTIO_BLK_F_FLUSH, RMEM_VIRTIO_BLK_F_MQ, RMEM_VIRTIO_BLK_F_DISCARD,
	RMEM_VIRTIO_BLK_F_WRITE_ZEROES, RMEM_VIRTIO_F_RMEM,
};

static struct virtio_driver virtio_rmem_driver = {
	.feature_table = virtio_rmem_features,
	.feature_table_size = ARRAY_SIZE(virtio_rmem_features),
	.driver.name = "virtio_rmem",
	.id_table = virtio_rmem_id_table,
	.probe = virtio_rmem_probe,
	.remove = virtio_rmem_remove,
	.config_changed = virtio_rmem_config_changed,
#ifdef CONFIG_PM_SLEEP
	.freeze = virtio_rmem_freeze,
	.restore = virtio_rmem_restore,
#endif
};

static int __init virtio_rmem_init(void)
{
	int err;

	if (poll_max_bytes > (4u << 20)) {
		pr_err("virtio_rmem: poll_max_bytes %u too large (max 4 MiB)\n", poll_max_bytes);
		return -EINVAL;
	}
	virtio_rmem_major = register_blkdev(0, VIRTIO_RMEM_NAME);
	if (virtio_rmem_major < 0)
		return virtio_rmem_major;
	virtio_rmem_faults_init();
	err = register_virtio_driver(&virtio_rmem_driver);
	if (err)
		goto out_faults_exit;
	return 0;

out_faults_exit:
	virtio_rmem_faults_exit();
	unregister_blkdev(virtio_rmem_major, VIRTIO_RMEM_NAME);
	return err;
}

static void __exit virtio_rmem_exit(void)
{
	unregister_virtio_driver(&virtio_rmem_driver);
	virtio_rmem_faults_exit();
	unregister_blkdev(virtio_rmem_major, VIRTIO_RMEM_NAME);
	ida_destroy(&virtio_rmem_index_ida);
}

module_init(virtio_rmem_init);
module_exit(virtio_rmem_exit);
MODULE_DEVICE_TABLE(virtio, virtio_rmem_id_table);
MODULE_DESCRIPTION("Scalevisor rmem: guest driver for remote-memory block devices");
MODULE_AUTHOR("Scalevisor rmem developers");
MODULE_LICENSE("GPL");
MODULE_VERSION("0.1");	/* = PACKAGE_VERSION in dkms.conf */
