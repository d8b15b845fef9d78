/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * rmem_virtio.h - the virtio-rmem device as a guest sees it: a virtio-blk
 * device (virtio id 2) plus one feature bit and an extended config area.
 *
 * docs/virtio-rmem.md is the prose; this file is the reference for the bytes.
 * The standard virtio-blk structures (config space, request header, discard
 * segment) are spelled out here too, with the offsets the virtio 1.3 spec
 * gives them, so that the host module, the guest driver, the test harness
 * and the unit tests share one definition and do not depend on how new the
 * installed <linux/virtio_blk.h> is.  Every field is little-endian (virtio
 * 1.0+ devices only: VIRTIO_F_VERSION_1 is required).
 */
#ifndef RMEM_VIRTIO_H
#define RMEM_VIRTIO_H

#include "rmem_compat.h"
#include "rmem_wire.h"

/* ------------------------------------------------------------ identity */

#define RMEM_VIRTIO_ID_BLOCK 2		/* virtio device id: we are a disk */

/* Transport and ring feature bits (virtio 1.3, section 6). */
#define RMEM_VIRTIO_F_INDIRECT_DESC 28
#define RMEM_VIRTIO_F_EVENT_IDX 29
#define RMEM_VIRTIO_F_VERSION_1 32
#define RMEM_VIRTIO_F_ACCESS_PLATFORM 33

/* virtio-blk feature bits we offer (virtio 1.3, 5.2.3). */
#define RMEM_VIRTIO_BLK_F_SIZE_MAX 1
#define RMEM_VIRTIO_BLK_F_SEG_MAX 2
#define RMEM_VIRTIO_BLK_F_BLK_SIZE 6
#define RMEM_VIRTIO_BLK_F_FLUSH 9
#define RMEM_VIRTIO_BLK_F_MQ 12
#define RMEM_VIRTIO_BLK_F_DISCARD 13
#define RMEM_VIRTIO_BLK_F_WRITE_ZEROES 14

/*
 * The rmem extension.  Bits 0-23 of the device-specific range are where
 * virtio-blk allocates its own features, densely and upwards (17, ZONED, is
 * the highest today); bits 24-49 belong to the transport.  Virtio 1.2 opened
 * a second device-specific range at 50-127 which virtio-blk has never used,
 * and bit 52 of it still fits the 64-bit feature word that vDPA's
 * get_device_features and vhost's VHOST_GET_FEATURES carry.  A stock
 * virtio_blk driver acks only bits it knows, so it never acks this one and
 * never reads the extended config area.
 */
#define RMEM_VIRTIO_F_RMEM 52

/* ------------------------------------------------------------ config space */

/* Geometry of the standard config (unused by us but part of the layout). */
struct rmem_virtio_blk_geometry {
	__le16 cylinders;
	u8 heads;
	u8 sectors;
};

/*
 * struct virtio_blk_config as of virtio 1.3, 96 bytes.  Only the fields of
 * offered features carry meaning; the rest read as zero.
 */
struct rmem_virtio_blk_config {
	__le64 capacity;			/*  0: in 512-byte sectors */
	__le32 size_max;			/*  8 */
	__le32 seg_max;				/* 12 */
	struct rmem_virtio_blk_geometry geometry; /* 16 */
	__le32 blk_size;			/* 20 */
	u8 physical_block_exp;			/* 24 */
	u8 alignment_offset;			/* 25 */
	__le16 min_io_size;			/* 26 */
	__le32 opt_io_size;			/* 28 */
	u8 wce;					/* 32 */
	u8 unused0;				/* 33 */
	__le16 num_queues;			/* 34 */
	__le32 max_discard_sectors;		/* 36 */
	__le32 max_discard_seg;			/* 40 */
	__le32 discard_sector_alignment;	/* 44 */
	__le32 max_write_zeroes_sectors;	/* 48 */
	__le32 max_write_zeroes_seg;		/* 52 */
	u8 write_zeroes_may_unmap;		/* 56 */
	u8 unused1[3];				/* 57 */
	__le32 max_secure_erase_sectors;	/* 60 */
	__le32 max_secure_erase_seg;		/* 64 */
	__le32 secure_erase_sector_alignment;	/* 68 */
	__le32 zone_sectors;			/* 72: zoned characteristics */
	__le32 max_open_zones;			/* 76 */
	__le32 max_active_zones;		/* 80 */
	__le32 max_append_sectors;		/* 84 */
	__le32 write_granularity;		/* 88 */
	u8 zoned_model;				/* 92 */
	u8 unused2[3];				/* 93 */
};

RMEM_STATIC_ASSERT(sizeof(struct rmem_virtio_blk_config) == 96, "virtio-blk config size");

/*
 * Where the rmem config starts.  virtio-blk's config grows at its end (96
 * bytes today, 72 in virtio 1.1); starting ours at 256 leaves 160 bytes for
 * whatever virtio-blk adds next, so a newer standard field can never land
 * on an rmem field.  Drivers find the area through the feature bit, never
 * by probing the offset.
 */
#define RMEM_VIRTIO_CFG_OFFSET 256u

#define RMEM_VIRTIO_MAGIC 0x56454d52u	/* "RMEV", little-endian */
#define RMEM_VIRTIO_VERSION 1

/* flags of struct rmem_virtio_config */
#define RMEM_VIRTIO_CFG_F_RDMA (1u << 0)	/* backed by donors (else host RAM) */

/*
 * The extended config area, read-only for the driver.  A driver accepts it
 * when magic matches and version is one it knows; length lets later versions
 * append fields that older drivers skip.
 */
struct rmem_virtio_config {
	__le32 magic;		/*  0: RMEM_VIRTIO_MAGIC */
	__le16 version;		/*  4: RMEM_VIRTIO_VERSION */
	__le16 length;		/*  6: sizeof(struct rmem_virtio_config) */
	__le64 device_id;	/*  8: rack-unique device id, never 0 or ~0 */
	u8 chunk_shift;		/* 16: log2 of the chunk size (12..30) */
	u8 block_shift;		/* 17: log2 of the allocation unit (12 = 4 KiB) */
	__le16 max_chain;	/* 18: longest descriptor chain served */
	__le32 flags;		/* 20: RMEM_VIRTIO_CFG_F_* */
	__le64 reserved[5];	/* 24: zero */
};

RMEM_STATIC_ASSERT(sizeof(struct rmem_virtio_config) == 64, "rmem config size");

/* Whole config space the device exposes. */
#define RMEM_VIRTIO_CFG_SIZE (RMEM_VIRTIO_CFG_OFFSET + sizeof(struct rmem_virtio_config))
RMEM_STATIC_ASSERT(RMEM_VIRTIO_CFG_OFFSET >= sizeof(struct rmem_virtio_blk_config),
		   "rmem config overlaps virtio-blk's");

/* ------------------------------------------------------------ requests */

/* Request types (virtio 1.3, 5.2.6). */
#define RMEM_VIRTIO_BLK_T_IN 0
#define RMEM_VIRTIO_BLK_T_OUT 1
#define RMEM_VIRTIO_BLK_T_FLUSH 4
#define RMEM_VIRTIO_BLK_T_GET_ID 8
#define RMEM_VIRTIO_BLK_T_DISCARD 11
#define RMEM_VIRTIO_BLK_T_WRITE_ZEROES 13

/* Status byte, the last device-writable byte of every request. */
#define RMEM_VIRTIO_BLK_S_OK 0
#define RMEM_VIRTIO_BLK_S_IOERR 1
#define RMEM_VIRTIO_BLK_S_UNSUPP 2

/* Request header: the first 16 device-readable bytes. */
struct rmem_virtio_blk_outhdr {
	__le32 type;
	__le32 ioprio;
	__le64 sector;
};

RMEM_STATIC_ASSERT(sizeof(struct rmem_virtio_blk_outhdr) == 16, "blk header size");

/* Payload of DISCARD and WRITE_ZEROES: an array of these. */
struct rmem_virtio_blk_discard {
	__le64 sector;
	__le32 num_sectors;
	__le32 flags;
};

RMEM_STATIC_ASSERT(sizeof(struct rmem_virtio_blk_discard) == 16, "discard segment size");
#define RMEM_VIRTIO_BLK_WZ_F_UNMAP (1u << 0)

/* GET_ID answers with up to this many bytes, NUL-padded. */
#define RMEM_VIRTIO_BLK_ID_BYTES 20

#define RMEM_SECTOR_SHIFT 9
#define RMEM_SECTOR_SIZE 512u
/* Allocation unit: a chunk tracks which of its 4 KiB blocks hold data. */
#define RMEM_BLOCK_SHIFT 12
#define RMEM_BLOCK_SIZE (1u << RMEM_BLOCK_SHIFT)
#define RMEM_SECTORS_PER_BLOCK (RMEM_BLOCK_SIZE >> RMEM_SECTOR_SHIFT)

/* ------------------------------------------------------------ limits we offer */

#define RMEM_VIRTIO_SEG_MAX 126u	/* data segments per request */
#define RMEM_VIRTIO_MAX_CHAIN (RMEM_VIRTIO_SEG_MAX + 2) /* + header + status */
#define RMEM_VIRTIO_SIZE_MAX (1u << 20)	/* bytes per data segment */
/* Whole-request limit: SEG_MAX * SIZE_MAX, all a conforming driver can send. */
#define RMEM_VIRTIO_REQ_MAX_BYTES ((u64)RMEM_VIRTIO_SEG_MAX * RMEM_VIRTIO_SIZE_MAX)
#define RMEM_VIRTIO_MAX_DISCARD_SECTORS (1u << 22)	/* 2 GiB per segment */
#define RMEM_VIRTIO_MAX_DISCARD_SEG 32u
#define RMEM_VIRTIO_QUEUE_MAX 256u	/* descriptors per virtqueue */
#define RMEM_VIRTIO_NUM_QUEUES_MAX 16u

/* Device id values that can never name a device (see rmem_wire.h slots). */
static inline bool rmem_virtio_device_id_valid(u64 id)
{
	return id != RMEM_DEVICE_NONE && id != RMEM_DEVICE_RECLAIMING;
}

/*
 * Split virtqueue layout (virtio 1.3, 2.7): the device side (host-vhost/vhost_rmem_vq.c)
 * and the userspace driver of the tests (tests/tools/rmem-vhost-harness.c) both
 * lay rings out by these.
 */
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

#endif /* RMEM_VIRTIO_H */
