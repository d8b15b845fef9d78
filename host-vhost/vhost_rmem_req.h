/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vhost_rmem_req.h - virtio-blk requests: parse and validate a popped chain,
 * run it against a backend, write the status byte.
 *
 * Pure logic shared by vhost_rmem.ko and the unit tests.  Parsing copies
 * everything it decides on (header, discard segments) out of driver memory
 * once; execution only moves payload bytes.  Every malformed case has its
 * own cause (enum vhost_rmem_req_err) for the error counters, and docs/virtio-rmem.md
 * lists which status each one gets.
 */
#ifndef VHOST_RMEM_REQ_H
#define VHOST_RMEM_REQ_H

#include "rmem_compat.h"
#include "rmem_virtio.h"
#include "vhost_rmem_vq.h"

/* What the device serves; fixed while the device is live. */
struct vhost_rmem_req_limits {
	u64 capacity;		/* in 512-byte sectors */
	u64 device_id;		/* answered by GET_ID */
	u64 max_bytes;		/* payload of one IN/OUT request */
	u32 max_discard_sectors;	/* per DISCARD/WRITE_ZEROES segment */
	u32 max_discard_seg;	/* segments per DISCARD/WRITE_ZEROES request */
	bool flush;		/* VIRTIO_BLK_F_FLUSH negotiated */
	bool discard;		/* VIRTIO_BLK_F_DISCARD negotiated */
	bool write_zeroes;	/* VIRTIO_BLK_F_WRITE_ZEROES negotiated */
};

/* Why a request failed (one error counter each). */
enum vhost_rmem_req_err {
	VHOST_RMEM_REQ_E_NONE = 0,
	VHOST_RMEM_REQ_E_CHAIN,	/* descriptor chain refused by the vq layer */
	VHOST_RMEM_REQ_E_NO_STATUS,	/* no device-writable byte for the status */
	VHOST_RMEM_REQ_E_HEADER,	/* fewer than 16 device-readable bytes */
	VHOST_RMEM_REQ_E_UNSUPP,	/* unknown type, feature not negotiated, flags */
	VHOST_RMEM_REQ_E_SHAPE,	/* buffers of the wrong direction or size for the type */
	VHOST_RMEM_REQ_E_ALIGN,	/* payload not a multiple of 512 (or of 16 for segments) */
	VHOST_RMEM_REQ_E_RANGE,	/* beyond the capacity */
	VHOST_RMEM_REQ_E_TOO_BIG,	/* payload or segment count over the limits offered */
	VHOST_RMEM_REQ_E_ACCESS,	/* a buffer is not mapped for the access needed */
	VHOST_RMEM_REQ_E_BACKEND,	/* the backend failed (no memory, donor lost) */
	VHOST_RMEM_REQ_E_NR
};

const char *vhost_rmem_req_err_name(enum vhost_rmem_req_err err);

/* Walks one direction of a chain's buffers as a byte stream. */
struct vhost_rmem_req_iter {
	const struct vhost_rmem_vq_chain *chain;
	const struct vhost_rmem_vq_mem *mem;
	u32 seg;		/* current segment index in chain->seg[] */
	u32 end;		/* one past the last segment of this direction */
	u32 off;		/* offset inside the current segment */
	u64 left;		/* bytes still to walk */
};

/*
 * Positions @it on the device-readable (@writable false) or device-writable
 * stream of @chain, skipping @skip bytes and covering @len bytes.  The
 * caller has checked that skip + len fits the stream.
 */
void vhost_rmem_req_iter_init(struct vhost_rmem_req_iter *it,
			      const struct vhost_rmem_vq_chain *chain,
			      const struct vhost_rmem_vq_mem *mem, bool writable, u64 skip,
			      u64 len);
/* Copy from driver memory into @dst / from @src into driver memory. */
int vhost_rmem_req_iter_read(struct vhost_rmem_req_iter *it, void *dst, u32 len);
int vhost_rmem_req_iter_write(struct vhost_rmem_req_iter *it, const void *src, u32 len);

struct vhost_rmem_req;

/*
 * The block store behind a device.  Offsets and lengths are bytes, in
 * sector units for read/write (the store handles sub-block pieces) and any
 * sector-aligned range for discard/write_zeroes.  Return 0, -EFAULT when a
 * driver buffer could not be accessed, or another -errno for a store
 * failure.  Ranges were validated against the capacity.
 */
struct vhost_rmem_backend_ops {
	const char *name;
	/*
	 * read/write pieces never cross a multiple of 1 << io_shift bytes (0:
	 * a 4 KiB block; at most 31, pieces are u32).  A store whose cost is
	 * per call, not per byte (a network round trip), takes bigger pieces
	 * and moves them at once.
	 */
	unsigned int io_shift;
	int (*read)(void *be, u64 off, u32 len, struct vhost_rmem_req_iter *to);
	int (*write)(void *be, u64 off, u32 len, struct vhost_rmem_req_iter *from);
	/* Whole 4 KiB blocks inside the range lose their data (read as zeros). */
	int (*discard)(void *be, u64 off, u64 len);
	/* The whole range reads as zeros afterwards. */
	int (*write_zeroes)(void *be, u64 off, u64 len);
	int (*flush)(void *be);
	/*
	 * Optional: IN/OUT requests that move asynchronously, many at once per
	 * queue (the device's lane @qi calls them, one caller per @qi at a
	 * time).  submit() returns 0 once @req is under way; the backend then
	 * ends it from a later poll() of the same lane: vhost_rmem_req_end(),
	 * then req->end_io(req), or, when what it posted never reached the
	 * donor or may not have (its connection broke under it, for another
	 * request's sake), req->retry set and req->end_io(req) alone: the lane
	 * runs it again through read/write.  It returns 1 when it ended @req itself
	 * (status set, end_io not called), or -EOPNOTSUPP when the lane must
	 * run it through read/write instead.  @priv is req_size bytes of the
	 * lane's, private to @req until it ends.
	 * poll() reaps what completed and returns how many requests it ended;
	 * with @wait it returns only once one ended or @qi has none in flight,
	 * bounded by the backend's own operation timeout.
	 */
	size_t req_size;
	int (*submit)(void *be, unsigned int qi, struct vhost_rmem_req *req, void *priv);
	int (*poll)(void *be, unsigned int qi, bool wait);
};

/* A validated DISCARD/WRITE_ZEROES segment. */
struct vhost_rmem_req_range {
	u64 sector;
	u32 num_sectors;
	u32 flags;
};

struct vhost_rmem_req {
	const struct vhost_rmem_vq_chain *chain;
	const struct vhost_rmem_vq_mem *mem;
	u32 type;
	u64 sector;
	u64 data_len;		/* payload bytes (IN/OUT/GET_ID) */
	u32 nr_ranges;
	struct vhost_rmem_req_range ranges[RMEM_VIRTIO_MAX_DISCARD_SEG];
	bool has_status;	/* status_addr is valid */
	u64 status_addr;
	u32 used_len;		/* for the used ring */
	u8 status;
	enum vhost_rmem_req_err err;
	/* An asynchronous request ended (backend_ops.submit). */
	void (*end_io)(struct vhost_rmem_req *req);
	bool retry;			/* ended unanswered: run it again synchronously */
};

/*
 * Parses and validates @chain as a virtio-blk request.  Returns 0 when the
 * request may be executed; otherwise @req->status and @req->err say why it
 * is answered without touching the backend.
 */
int vhost_rmem_req_parse(struct vhost_rmem_req *req, const struct vhost_rmem_req_limits *lim,
			 const struct vhost_rmem_vq_chain *chain,
			 const struct vhost_rmem_vq_mem *mem);

/* Runs a parsed request; sets status, err and used_len. */
void vhost_rmem_req_execute(struct vhost_rmem_req *req, const struct vhost_rmem_req_limits *lim,
			    const struct vhost_rmem_backend_ops *ops, void *be);

/* Sets status, err and used_len from the outcome @ret of the backend's work. */
void vhost_rmem_req_end(struct vhost_rmem_req *req, int ret);

/*
 * Writes the status byte (when there is one) and returns the length to put
 * into the used ring.  A request whose status cannot be written is answered
 * with length 0, which a driver can tell from any answered request.
 */
u32 vhost_rmem_req_complete(struct vhost_rmem_req *req);

/* parse + execute + complete; the used length is returned. */
u32 vhost_rmem_req_handle(struct vhost_rmem_req *req, const struct vhost_rmem_req_limits *lim,
			  const struct vhost_rmem_backend_ops *ops, void *be,
			  const struct vhost_rmem_vq_chain *chain,
			  const struct vhost_rmem_vq_mem *mem);

/* GET_ID answer: "rmem" + 16 lowercase hex digits of the device id. */
void vhost_rmem_req_format_id(u64 device_id, char out[RMEM_VIRTIO_BLK_ID_BYTES]);

/* ------------------------------------------------------------ block arithmetic */

/* Index of the 4 KiB block holding byte @off. */
static inline u64 vhost_rmem_block_of(u64 off)
{
	return off >> RMEM_BLOCK_SHIFT;
}

/* Bytes from @off to the next multiple of 1 << @shift, at most @len. */
static inline u32 vhost_rmem_io_piece(u64 off, u64 len, unsigned int shift)
{
	u64 room = (1ull << shift) - (off & ((1ull << shift) - 1));

	return (u32)(len < room ? len : room);
}

/* Bytes from @off to the end of its block, at most @len. */
static inline u32 vhost_rmem_block_piece(u64 off, u64 len)
{
	return vhost_rmem_io_piece(off, len, RMEM_BLOCK_SHIFT);
}

/*
 * Whole blocks inside [off, off + len): [*first, *end).  Empty (first ==
 * end) when the range covers no block completely.
 */
static inline void vhost_rmem_whole_blocks(u64 off, u64 len, u64 *first, u64 *end)
{
	u64 f = (off + RMEM_BLOCK_SIZE - 1) >> RMEM_BLOCK_SHIFT;
	u64 e = (off + len) >> RMEM_BLOCK_SHIFT;

	*first = f;
	*end = e > f ? e : f;
}

/* Chunk holding block @block, and the block's index inside it. */
static inline u64 vhost_rmem_chunk_of_block(u64 block, unsigned int chunk_shift)
{
	return block >> (chunk_shift - RMEM_BLOCK_SHIFT);
}

static inline u32 vhost_rmem_block_in_chunk(u64 block, unsigned int chunk_shift)
{
	return (u32)(block & ((1ull << (chunk_shift - RMEM_BLOCK_SHIFT)) - 1));
}

/* Chunk holding 512-byte sector @sector. */
static inline u64 vhost_rmem_chunk_of_sector(u64 sector, unsigned int chunk_shift)
{
	return sector >> (chunk_shift - RMEM_SECTOR_SHIFT);
}

/* Chunks needed for @capacity sectors. */
static inline u64 vhost_rmem_chunks_for(u64 capacity, unsigned int chunk_shift)
{
	unsigned int s = chunk_shift - RMEM_SECTOR_SHIFT;

	return (capacity >> s) + ((capacity & ((1ull << s) - 1)) ? 1 : 0);
}

#endif /* VHOST_RMEM_REQ_H */
