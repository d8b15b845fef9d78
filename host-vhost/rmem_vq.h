/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rmem_vq.h - the device side of a virtio split virtqueue.
 *
 * Debian's kernel ships no vringh, so vhost_rmem serves its rings with this
 * code.  It is pure: every access to driver memory goes through
 * struct rmem_vq_mem (the kernel translates through the vhost IOTLB or the
 * DMA address of kernel memory; the unit tests use a flat buffer), it never
 * allocates and never sleeps, and the same source compiles in the kernel and
 * in userspace (tools/virtio style).
 *
 * The driver is untrusted: every index, length, flag and address it writes
 * is checked, descriptors are copied once before use (no double fetch), and
 * the worst a driver can get is its own request failed or its queue marked
 * broken.
 */
#ifndef RMEM_VQ_H
#define RMEM_VQ_H

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
#define rmem_vq_rmb() virt_rmb()	/* barrier: see above */
#define rmem_vq_wmb() virt_wmb()	/* barrier: see above */
#define rmem_vq_mb() virt_mb()		/* barrier: see above */
#else
#define rmem_vq_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define rmem_vq_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#define rmem_vq_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#endif

/* Ring layout (virtio 1.3, 2.7). */
#define RMEM_VRING_DESC_F_NEXT 1
#define RMEM_VRING_DESC_F_WRITE 2
#define RMEM_VRING_DESC_F_INDIRECT 4
#define RMEM_VRING_AVAIL_F_NO_INTERRUPT 1
#define RMEM_VRING_USED_F_NO_NOTIFY 1

struct rmem_vring_desc {
	__le64 addr;
	__le32 len;
	__le16 flags;
	__le16 next;
};
RMEM_STATIC_ASSERT(sizeof(struct rmem_vring_desc) == 16, "vring desc size");

struct rmem_vring_used_elem {
	__le32 id;
	__le32 len;
};
RMEM_STATIC_ASSERT(sizeof(struct rmem_vring_used_elem) == 8, "used elem size");

/* Byte offsets inside the avail and used rings of @num entries. */
#define RMEM_AVAIL_FLAGS 0
#define RMEM_AVAIL_IDX 2
#define RMEM_AVAIL_RING(i) (4 + 2 * (u64)(i))
#define RMEM_AVAIL_USED_EVENT(num) RMEM_AVAIL_RING(num)
#define RMEM_USED_FLAGS 0
#define RMEM_USED_IDX 2
#define RMEM_USED_RING(i) (4 + 8 * (u64)(i))
#define RMEM_USED_AVAIL_EVENT(num) RMEM_USED_RING(num)

/* Largest ring we serve (also the most descriptors a direct chain can have). */
#define RMEM_VQ_NUM_MAX 32768u
/*
 * Most non-empty segments in one chain: a request is header + SEG_MAX data
 * segments + status.  Longer chains are refused, whatever the ring size.
 */
#define RMEM_VQ_MAX_SEGS RMEM_VIRTIO_MAX_CHAIN
/* Most descriptors walked for one chain, empty ones included. */
#define RMEM_VQ_MAX_DESCS (2 * RMEM_VQ_MAX_SEGS)

/*
 * Access to driver memory.  @addr is whatever the driver wrote into the
 * ring (an IOVA); the callbacks translate and bound-check it and return 0 or
 * -EFAULT.  They may be called for any length; a range that is not entirely
 * mapped with the needed permission fails as a whole or is reported as
 * failed after a partial copy (the data then does not matter).
 */
struct rmem_vq_mem {
	int (*read)(void *ctx, u64 addr, void *dst, u32 len);
	int (*write)(void *ctx, u64 addr, const void *src, u32 len);
	void *ctx;
};

/* One contiguous piece of a request's buffers. */
struct rmem_vq_seg {
	u64 addr;
	u32 len;
};

/*
 * A popped descriptor chain: segments in chain order, device-readable ones
 * first (nr_out of them), then device-writable ones (nr_in).  Zero-length
 * descriptors are counted against the limit but not stored.
 */
struct rmem_vq_chain {
	u16 head;		/* what goes back into the used ring */
	u16 nr_out;
	u16 nr_in;
	u16 ndesc;		/* descriptors walked, incl. zero-length and the indirect one */
	u64 out_len;		/* total device-readable bytes */
	u64 in_len;		/* total device-writable bytes */
	struct rmem_vq_seg seg[RMEM_VQ_MAX_SEGS];
};

/* Why a chain was refused (for error counters and logs). */
enum rmem_vq_err {
	RMEM_VQ_OK = 0,
	RMEM_VQ_E_DESC_FETCH,	/* descriptor table not readable */
	RMEM_VQ_E_NEXT_RANGE,	/* next or head index >= table size */
	RMEM_VQ_E_LOOP,		/* chain longer than its table: a loop */
	RMEM_VQ_E_TOO_LONG,	/* more segments than we serve */
	RMEM_VQ_E_ORDER,	/* readable descriptor after a writable one */
	RMEM_VQ_E_INDIRECT,	/* indirect not negotiated, nested, with NEXT, or bad size */
	RMEM_VQ_E_ADDR_WRAP,	/* addr + len overflows */
	RMEM_VQ_E_NR,
};

struct rmem_vq {
	/* set up by the transport before the queue runs */
	u16 num;		/* ring size, a power of two <= RMEM_VQ_NUM_MAX */
	bool indirect;		/* VIRTIO_F_INDIRECT_DESC negotiated */
	bool event_idx;		/* VIRTIO_F_EVENT_IDX negotiated */
	u64 desc;		/* driver addresses of the three areas */
	u64 avail;
	u64 used;
	const struct rmem_vq_mem *mem;

	/* device state */
	u16 last_avail;		/* next avail entry to consume */
	u16 used_idx;		/* next used entry to fill (published or not) */
	u16 signalled_used;	/* used_idx at the last need_notify() */
	bool signalled_valid;	/* signalled_used means something */
	bool broken;		/* ring unusable until reset: stop touching it */
	enum rmem_vq_err last_err;
};

/*
 * Checks the ring geometry the driver configured: size a power of two in
 * [1, RMEM_VQ_NUM_MAX], areas aligned as the spec requires (16, 2, 4).
 * Returns 0 or -EINVAL.
 */
int rmem_vq_check_layout(u16 num, u64 desc, u64 avail, u64 used);

/* Resets the device state; layout fields are kept. */
void rmem_vq_reset_state(struct rmem_vq *vq, u16 last_avail);

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
int rmem_vq_pop(struct rmem_vq *vq, struct rmem_vq_chain *chain);

/*
 * Writes a used element (not yet visible to the driver) and advances
 * used_idx; rmem_vq_publish() makes all pending elements visible.
 */
int rmem_vq_add_used(struct rmem_vq *vq, u16 head, u32 len);
int rmem_vq_publish(struct rmem_vq *vq);

/*
 * After rmem_vq_publish(): must the driver be interrupted?  Honours
 * VRING_AVAIL_F_NO_INTERRUPT or, with EVENT_IDX, used_event.
 */
bool rmem_vq_need_notify(struct rmem_vq *vq);

/*
 * Kick suppression for the drain loop: disable before draining; enable
 * returns true when buffers slipped in meanwhile (drain again).
 */
void rmem_vq_disable_kick(struct rmem_vq *vq);
bool rmem_vq_enable_kick(struct rmem_vq *vq);

/* Number of entries the driver has made available and we have not popped. */
int rmem_vq_avail_pending(struct rmem_vq *vq, u16 *pending);

/* Name of an rmem_vq_err for logs. */
const char *rmem_vq_err_name(enum rmem_vq_err err);

#endif /* RMEM_VQ_H */
