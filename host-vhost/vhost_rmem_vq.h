/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vhost_rmem_vq.h - the device side of a virtio split virtqueue.
 *
 * Debian's kernel ships no vringh, so vhost_rmem serves its rings with this
 * code.  It is pure: every access to driver memory goes through
 * struct vhost_rmem_vq_mem (the kernel translates through the vhost IOTLB or the
 * DMA address of kernel memory; the unit tests use a flat buffer), it never
 * allocates and never sleeps, and the same source compiles in the kernel and
 * in userspace (tools/virtio style).
 *
 * The driver is untrusted: every index, length, flag and address it writes
 * is checked, descriptors are copied once before use (no double fetch), and
 * the worst a driver can get is its own request failed or its queue marked
 * broken.
 */
#ifndef VHOST_RMEM_VQ_H
#define VHOST_RMEM_VQ_H

#include "rmem_compat.h"
#include "rmem_virtio.h"

/*
 * The ring is shared with a guest (another CPU, or a vhost-vdpa user): read
 * barriers order avail index before descriptors, write barriers order used
 * elements before the used index, and the full barrier orders our used
 * index store before the re-read of avail/flags when deciding to notify.
 */
#ifdef __KERNEL__
#include <asm/barrier.h>
#define vhost_rmem_vq_rmb() virt_rmb()	/* barrier: see above */
#define vhost_rmem_vq_wmb() virt_wmb()	/* barrier: see above */
#define vhost_rmem_vq_mb() virt_mb()		/* barrier: see above */
#else
#define vhost_rmem_vq_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define vhost_rmem_vq_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#define vhost_rmem_vq_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#endif

/* Largest ring we serve (also the most descriptors a direct chain can have). */
#define VHOST_RMEM_VQ_NUM_MAX 32768u
/*
 * Most non-empty segments in one chain: a request is header + SEG_MAX data
 * segments + status.  Longer chains are refused, whatever the ring size.
 */
#define VHOST_RMEM_VQ_MAX_SEGS RMEM_VIRTIO_MAX_CHAIN
/* Most descriptors walked for one chain, empty ones included. */
#define VHOST_RMEM_VQ_MAX_DESCS (2 * VHOST_RMEM_VQ_MAX_SEGS)

/*
 * Access to driver memory.  @addr is whatever the driver wrote into the
 * ring (an IOVA); the callbacks translate and bound-check it and return 0 or
 * -EFAULT.  They may be called for any length; a range that is not entirely
 * mapped with the needed permission fails as a whole or is reported as
 * failed after a partial copy (the data then does not matter).
 */
struct vhost_rmem_vq_mem {
	int (*read)(void *ctx, u64 addr, void *dst, u32 len);
	int (*write)(void *ctx, u64 addr, const void *src, u32 len);
	void *ctx;
};

/* One contiguous piece of a request's buffers. */
struct vhost_rmem_vq_seg {
	u64 addr;
	u32 len;
};

/*
 * A popped descriptor chain: segments in chain order, device-readable ones
 * first (nr_out of them), then device-writable ones (nr_in).  Zero-length
 * descriptors are counted against the limit but not stored.
 */
struct vhost_rmem_vq_chain {
	u16 head;		/* what goes back into the used ring */
	u16 nr_out;
	u16 nr_in;
	u16 ndesc;		/* descriptors walked, incl. zero-length and the indirect one */
	u64 out_len;		/* total device-readable bytes */
	u64 in_len;		/* total device-writable bytes */
	struct vhost_rmem_vq_seg seg[VHOST_RMEM_VQ_MAX_SEGS];
};

/* Why a chain was refused (for error counters and logs). */
enum vhost_rmem_vq_err {
	VHOST_RMEM_VQ_OK = 0,
	VHOST_RMEM_VQ_E_DESC_FETCH,	/* descriptor table not readable */
	VHOST_RMEM_VQ_E_NEXT_RANGE,	/* next or head index >= table size */
	VHOST_RMEM_VQ_E_LOOP,		/* chain longer than its table: a loop */
	VHOST_RMEM_VQ_E_TOO_LONG,	/* more segments than we serve */
	VHOST_RMEM_VQ_E_ORDER,	/* readable descriptor after a writable one */
	VHOST_RMEM_VQ_E_INDIRECT, /* indirect not negotiated, nested, with NEXT, or bad size */
	VHOST_RMEM_VQ_E_ADDR_WRAP,	/* addr + len overflows */
	VHOST_RMEM_VQ_E_NR,
};

struct vhost_rmem_vq {
	/* set up by the transport before the queue runs */
	u16 num;		/* ring size, a power of two <= VHOST_RMEM_VQ_NUM_MAX */
	bool indirect;		/* VIRTIO_F_INDIRECT_DESC negotiated */
	bool event_idx;		/* VIRTIO_F_EVENT_IDX negotiated */
	u64 desc;		/* driver addresses of the three areas */
	u64 avail;
	u64 used;
	const struct vhost_rmem_vq_mem *mem;

	/* device state */
	u16 last_avail;		/* next avail entry to consume */
	u16 used_idx;		/* next used entry to fill (published or not) */
	u16 signalled_used;	/* used_idx at the last need_notify() */
	bool signalled_valid;	/* signalled_used means something */
	bool broken;		/* ring unusable until reset: stop touching it */
	enum vhost_rmem_vq_err last_err;
};

/*
 * Checks the ring geometry the driver configured: size a power of two in
 * [1, VHOST_RMEM_VQ_NUM_MAX], areas aligned as the spec requires (16, 2, 4).
 * Returns 0 or -EINVAL.
 */
int vhost_rmem_vq_check_layout(u16 num, u64 desc, u64 avail, u64 used);

/* Resets the device state; layout fields are kept. */
void vhost_rmem_vq_reset_state(struct vhost_rmem_vq *vq, u16 last_avail);

/*
 * Pops the next available chain into @chain.
 *   1        a chain was popped; @chain is filled
 *   0        nothing available
 *   -EBADMSG the chain is malformed; chain->head is valid and must be
 *            returned to the used ring (with length 0); vq->last_err says why
 *   -EIO     the ring itself is unreadable or inconsistent (avail index ran
 *            ahead by more than num, head out of range, areas not mapped);
 *            vq->broken is set and nothing may be returned
 */
int vhost_rmem_vq_pop(struct vhost_rmem_vq *vq, struct vhost_rmem_vq_chain *chain);

/*
 * Writes a used element (not yet visible to the driver) and advances
 * used_idx; vhost_rmem_vq_publish() makes all pending elements visible.
 */
int vhost_rmem_vq_add_used(struct vhost_rmem_vq *vq, u16 head, u32 len);
int vhost_rmem_vq_publish(struct vhost_rmem_vq *vq);

/*
 * After vhost_rmem_vq_publish(): must the driver be interrupted?  Honours
 * VRING_AVAIL_F_NO_INTERRUPT or, with EVENT_IDX, used_event.
 */
bool vhost_rmem_vq_need_notify(struct vhost_rmem_vq *vq);

/*
 * Kick suppression for the drain loop: disable before draining; enable
 * returns true when buffers slipped in meanwhile (drain again).
 */
void vhost_rmem_vq_disable_kick(struct vhost_rmem_vq *vq);
bool vhost_rmem_vq_enable_kick(struct vhost_rmem_vq *vq);

/* Number of entries the driver has made available and we have not popped. */
int vhost_rmem_vq_avail_pending(struct vhost_rmem_vq *vq, u16 *pending);

/* Name of an vhost_rmem_vq_err for logs. */
const char *vhost_rmem_vq_err_name(enum vhost_rmem_vq_err err);

#endif /* VHOST_RMEM_VQ_H */
