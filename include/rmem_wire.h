/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * rmem_wire.h - everything a host and a donor must agree on, byte for byte.
 *
 * Two kinds of format live here:
 *  - the donor's memory layout, which hosts read and modify with one-sided
 *    RDMA (superblock, lease slot table, lease table, stats block, owner
 *    table, data chunks), and
 *  - the rdma_cm private data exchanged once per connection (connect
 *    request, accept descriptor, reject).
 * All fields are little-endian and fixed width; every structure has a size
 * assert so a change that moves a field fails to compile.  docs/allocator.md
 * explains the design; this file is the reference for the bytes.
 *
 * RDMA atomics (compare-and-swap on owner and slot words) operate on 64-bit
 * integers in the responder's byte order and return the old value in the
 * requester's; rmem donors and hosts are little-endian (x86-64, arm64), which
 * is what makes the __le64 declarations below and CPU-order atomic operands
 * the same bytes.  rxe and mlx5 (host-endianness atomic mode) behave so.
 */
#ifndef RMEM_WIRE_H
#define RMEM_WIRE_H

#include "rmem_compat.h"

/* ------------------------------------------------------------ connection */

/* rdma_cm port (RDMA_PS_TCP port space) a donor listens on by default. */
#define RMEM_DEFAULT_PORT 7471

/*
 * rdma_cm private-data limits for RC connections over IB/RoCE: the IB CM
 * message sizes minus what rdma_cm itself uses.  The receiving side sees the
 * full area, zero padded, whatever length the sender passed; every message
 * below therefore carries its own length and a CRC32C so that truncation is
 * detected instead of read as zeros.
 */
#define RMEM_CM_REQ_PRIV_MAX 56		/* connect request (92 - 36 for rdma_cm) */
#define RMEM_CM_REP_PRIV_MAX 196	/* accept (IB CM REP) */
#define RMEM_CM_REJ_PRIV_MAX 148	/* reject (IB CM REJ) */

/* First four bytes of every rmem private-data message: "RMEM". */
#define RMEM_WIRE_MAGIC 0x4d454d52u
/*
 * Protocol version of the private data and, with it, of the layout.  One
 * number for both: a host that understands descriptor version N understands
 * the layout it describes.  A donor serves exactly the versions in
 * [RMEM_WIRE_VERSION_MIN, RMEM_WIRE_VERSION] and says so when it rejects.
 */
/*
 * 2: free chunks are zeros (an owner word passes through CLEARING on its
 * way to free and allocations no longer clear): a version-1 host would
 * free without clearing, so 1 is refused.
 * 3: host authentication: the connect request carries a nonce and a tag,
 * the accept descriptor a tag (a version-2 host cannot prove the rack key).
 * 4: tags also cover both addresses and the donor's port (struct
 * rmem_auth_where), host_id names the device a connection serves (0: the
 * host's shared data connections, which the donor revokes with it), and
 * the stats block grows to 192 bytes.
 */
#define RMEM_WIRE_VERSION 4
#define RMEM_WIRE_VERSION_MIN 4

/*
 * Host authentication (docs/allocator.md, "Authentication").  Every donor
 * and host of a rack holds a 32-byte rack key (a donor up to two, for
 * rotation).  Tags are HMAC-SHA256 truncated to its first 16 bytes
 * (RFC 2104 section 5): the REQ private data has room for no more.
 *
 *   host  -> donor  REQ   flags HELLO, nonce = host nonce Nh
 *   donor -> host   REJ   reason CHALLENGE + struct rmem_wire_challenge (Nd)
 *   host  -> donor  REQ   flags AUTH, nonce = Nd,
 *                         tag = HMAC(key, rmem_auth_input(host, Nd, Nh, id, where))
 *   donor -> host   REP   accept with flags AUTH,
 *                         tag = HMAC(key, rmem_auth_input(donor, ..., accept))
 *
 * A donor keeps each Nd it issued for one answer from the same peer
 * address, for a few seconds: a replayed AUTH finds none.  The donor's tag
 * proves the rack key back and covers the descriptor (its rkeys).
 */
#define RMEM_AUTH_KEY_LEN 32
#define RMEM_AUTH_KEYS_MAX 2
#define RMEM_AUTH_NONCE_LEN 16
#define RMEM_AUTH_TAG_LEN 16

enum rmem_connect_flags {
	RMEM_CONNECT_F_HELLO = 1u << 0,	/* asks for a challenge; nonce: the host's */
	RMEM_CONNECT_F_AUTH = 1u << 1,	/* answers one; nonce: the donor's; tag */
	RMEM_CONNECT_F_ALL = RMEM_CONNECT_F_HELLO | RMEM_CONNECT_F_AUTH,
};

/*
 * Connect request, host -> donor (must fit RMEM_CM_REQ_PRIV_MAX).  Without
 * a flag (a host without a key), nonce and tag are zero; only a donor
 * running --insecure accepts it.
 */
struct rmem_wire_connect {
	__le32 magic;		/*  0: RMEM_WIRE_MAGIC */
	__le16 version;		/*  4: RMEM_WIRE_VERSION of the host */
	__le16 length;		/*  6: sizeof(struct rmem_wire_connect) */
	__le64 host_id;		/*  8: the device served; 0: shared by the host's devices */
	__le32 flags;		/* 16: enum rmem_connect_flags */
	__u8 nonce[RMEM_AUTH_NONCE_LEN];	/* 20 */
	__u8 tag[RMEM_AUTH_TAG_LEN];		/* 36 */
	__le32 check;		/* 52: CRC32C of the bytes before it */
};

RMEM_STATIC_ASSERT(sizeof(struct rmem_wire_connect) == 56, "connect size");

/*
 * host_id of a client that serves no device (rmemctl, rmem-top): "tool"
 * and its pid.  Never a device id; a donor does not remember where it
 * connected from.
 */
#define RMEM_HOST_ID_TOOL 0x746f6f6c00000000ull
#define rmem_host_id_is_tool(id) (((id) >> 32) == (RMEM_HOST_ID_TOOL >> 32))
RMEM_STATIC_ASSERT(sizeof(struct rmem_wire_connect) <= RMEM_CM_REQ_PRIV_MAX,
		   "connect request exceeds the rdma_cm REQ private data");

/*
 * A challenge, donor -> host: right after the struct rmem_wire_reject of a
 * reject with reason RMEM_REJ_CHALLENGE, in the same private data.
 */
struct rmem_wire_challenge {
	__le32 magic;		/* RMEM_WIRE_MAGIC */
	__le16 version;		/* RMEM_WIRE_VERSION */
	__le16 length;		/* sizeof(struct rmem_wire_challenge) */
	__u8 nonce[RMEM_AUTH_NONCE_LEN];	/* Nd */
	__le32 check;		/* CRC32C of the bytes before it */
};

RMEM_STATIC_ASSERT(sizeof(struct rmem_wire_challenge) == 28, "challenge size");

/* Accept descriptor flags. */
#define RMEM_ACCEPT_F_AUTH (1u << 0)	/* tag proves the rack key */

/*
 * Accept descriptor, donor -> host (must fit RMEM_CM_REP_PRIV_MAX): where the
 * layout is and the keys to it, for the device the connection arrived on.
 * Offsets are from meta_addr.  The lease table is a sub-range of the
 * metadata with its own rkey, the only metadata hosts may RDMA WRITE.
 */
struct rmem_wire_accept {
	__le32 magic;		/*   0: RMEM_WIRE_MAGIC */
	__le16 version;		/*   4: RMEM_WIRE_VERSION */
	__le16 length;		/*   6: sizeof(struct rmem_wire_accept) */
	__le32 donor_id;	/*   8: rack-unique donor id */
	__le32 flags;		/*  12: RMEM_ACCEPT_F_* */
	__le64 epoch;		/*  16: boot epoch, never 0 */
	__le64 meta_addr;	/*  24: remote address of the superblock */
	__le64 meta_len;	/*  32: bytes of metadata MR (read + atomic) */
	__le32 meta_rkey;	/*  40 */
	__le32 lease_rkey;	/*  44: lease table MR (read + write) */
	__le64 data_addr;	/*  48: remote address of chunk 0 */
	__le64 chunk_count;	/*  56 */
	__le32 data_rkey;	/*  64: data MR (read + write) */
	__le32 chunk_shift;	/*  68: chunk size = 1 << chunk_shift */
	__le32 slot_count;	/*  72: lease slots */
	__le32 lease_timeout_ms;/*  76: reaper timeout; renew well within it */
	__le64 slot_off;	/*  80: struct rmem_wire_slot[slot_count] */
	__le64 lease_off;	/*  88: struct rmem_wire_lease[slot_count] */
	__le64 stats_off;	/*  96: struct rmem_wire_stats */
	__le64 owner_off;	/* 104: __le64[chunk_count] owner words */
	__le32 window_words;	/* 112: scan window hosts should use */
	__u8 tag[RMEM_AUTH_TAG_LEN];	/* 116: RMEM_ACCEPT_F_AUTH: the donor's tag */
	__le32 check;		/* 132: CRC32C of bytes 0..131 */
};

RMEM_STATIC_ASSERT(sizeof(struct rmem_wire_accept) == 136, "accept size");
RMEM_STATIC_ASSERT(sizeof(struct rmem_wire_accept) <= RMEM_CM_REP_PRIV_MAX,
		   "accept descriptor exceeds the rdma_cm REP private data");

/*
 * Reject, donor -> host (must fit RMEM_CM_REJ_PRIV_MAX).  Its layout is
 * frozen for every version so a host of any version can print why.
 */
struct rmem_wire_reject {
	__le32 magic;		/* RMEM_WIRE_MAGIC */
	__le16 version;		/* always 1: the reject format never changes */
	__le16 length;		/* sizeof(struct rmem_wire_reject) */
	__le16 reason;		/* enum rmem_reject_reason */
	__le16 detail;		/* enum rmem_wire_err of the failed decode, or 0 */
	__le16 min_version;	/* versions the donor serves */
	__le16 max_version;
	__le32 check;		/* CRC32C of the bytes before it */
};

RMEM_STATIC_ASSERT(sizeof(struct rmem_wire_reject) == 20, "reject size");
RMEM_STATIC_ASSERT(sizeof(struct rmem_wire_reject) <= RMEM_CM_REJ_PRIV_MAX,
		   "reject exceeds the rdma_cm REJ private data");
RMEM_STATIC_ASSERT(sizeof(struct rmem_wire_reject) + sizeof(struct rmem_wire_challenge) <=
		   RMEM_CM_REJ_PRIV_MAX, "challenge exceeds the rdma_cm REJ private data");

#define RMEM_REJECT_FORMAT_VERSION 1

enum rmem_reject_reason {
	RMEM_REJ_NONE = 0,
	RMEM_REJ_BAD_MAGIC = 1,		/* not an rmem host */
	RMEM_REJ_BAD_VERSION = 2,	/* version outside min..max */
	RMEM_REJ_MALFORMED = 3,		/* truncated, bad length/check/flags */
	RMEM_REJ_NO_DEVICE = 4,		/* arrived on an RDMA device not served */
	RMEM_REJ_NO_RESOURCES = 5,	/* QP or memory could not be set up */
	RMEM_REJ_SHUTTING_DOWN = 6,	/* donor is stopping */
	RMEM_REJ_NOT_ALLOWED = 7,	/* peer address outside the donor's allow-list */
	RMEM_REJ_CHALLENGE = 8,		/* not a refusal: prove the key (challenge follows) */
	RMEM_REJ_AUTH_REQUIRED = 9,	/* no proof: the donor admits authenticated hosts only */
	RMEM_REJ_AUTH_STALE = 10,	/* answer to no live challenge: replayed, late, or moved */
	RMEM_REJ_AUTH_FAILED = 11,	/* the tag matches none of the donor's keys */
	RMEM_REJ_MAX_REASON = RMEM_REJ_AUTH_FAILED,
};

/* --------------------------------------------------------------- layout */

/* Superblock magic at offset 0 of the metadata: "RMEMDONR". */
#define RMEM_SB_MAGIC 0x524e4f444d454d52ull
#define RMEM_LAYOUT_VERSION 1

/* Chunk sizes a donor may use: 4 KiB .. 1 GiB, default 2 MiB. */
#define RMEM_CHUNK_SHIFT_MIN 12
#define RMEM_CHUNK_SHIFT_MAX 30
#define RMEM_CHUNK_SHIFT_DEFAULT 21

/* Metadata tables start on their own 4 KiB page. */
#define RMEM_META_ALIGN 4096u

/* Lease slots: how many host devices can hold chunks at once. */
#define RMEM_SLOTS_DEFAULT 1024u
#define RMEM_SLOTS_MAX 65535u	/* slot + 1 must fit the owner word's 16 bits */

/* Owner words read per allocation scan: 512 bytes cost one RDMA READ. */
#define RMEM_WINDOW_WORDS_DEFAULT 64u
#define RMEM_WINDOW_WORDS_MAX 4096u

/* Lease timeout bounds (ms). */
#define RMEM_LEASE_TIMEOUT_DEFAULT_MS 30000u
#define RMEM_LEASE_TIMEOUT_MIN_MS 1000u
#define RMEM_LEASE_TIMEOUT_MAX_MS 3600000u

struct rmem_wire_superblock {
	__le64 magic;		/*   0: RMEM_SB_MAGIC */
	__le32 layout_version;	/*   8: RMEM_LAYOUT_VERSION */
	__le32 donor_id;	/*  12 */
	__le64 boot_epoch;	/*  16: random per boot, never 0 */
	__le64 chunk_count;	/*  24 */
	__le32 chunk_shift;	/*  32 */
	__le32 slot_count;	/*  36 */
	__le64 meta_len;	/*  40 */
	__le64 slot_off;	/*  48 */
	__le64 lease_off;	/*  56 */
	__le64 stats_off;	/*  64 */
	__le64 owner_off;	/*  72 */
	__le64 data_off;	/*  80: chunk 0, from the start of the region */
	__le32 lease_timeout_ms;/*  88 */
	__le32 window_words;	/*  92 */
	__le64 boot_unix_s;	/*  96: wall clock at boot, for humans */
	__le64 reserved[3];	/* 104: zero */
};

RMEM_STATIC_ASSERT(sizeof(struct rmem_wire_superblock) == 128, "superblock size");

/*
 * Owner word: one __le64 per chunk, 0 = free.
 *
 *   63          48 47      40 39                                  0
 *  +--------------+----------+-------------------------------------+
 *  |  slot + 1    |   gen    |            virtual chunk            |
 *  +--------------+----------+-------------------------------------+
 *
 * slot: the lease slot the owning device claimed on this donor (its slot
 * word holds the 64-bit device id, so the word names the device through one
 * indirection); gen: the low 8 bits of the slot's generation when it was
 * claimed, so that a slot reused by another device never matches words or
 * handles of the previous tenant; vchunk: the device's virtual chunk index.
 * A nonzero word with slot field 0 is invalid.
 */
#define RMEM_OWNER_FREE 0ull
#define RMEM_OWNER_SLOT_SHIFT 48
#define RMEM_OWNER_GEN_SHIFT 40
#define RMEM_OWNER_GEN_MASK 0xffull
#define RMEM_OWNER_VCHUNK_BITS 40
#define RMEM_VCHUNK_MAX ((1ull << RMEM_OWNER_VCHUNK_BITS) - 1)
/*
 * The vchunk field of a word whose chunk is being cleared on its way to
 * free (rmem_alloc.h: free chunks are zeros): still owned, by the same
 * slot and generation, so a crash mid-clear leaves it to the reaper or a
 * map rebuild, which finish the free.  Never a device's vchunk.
 */
#define RMEM_VCHUNK_CLEARING RMEM_VCHUNK_MAX
/*
 * The reaper's own CLEARING word for an orphan it frees: slot field 0
 * (invalid as an owner), so no host can CAS from it or to it.
 */
#define RMEM_OWNER_REAPING RMEM_VCHUNK_CLEARING

/*
 * Lease slot: claimed by a host device with compare-and-swap of device_id
 * 0 -> id, released (by the host on detach or the appliance's reaper) via
 * RMEM_DEVICE_RECLAIMING -> bump generation -> free chunks -> 0.
 * Lives in the read + atomic metadata.
 */
struct rmem_wire_slot {
	__le64 device_id;	/* 0 free, ~0 being reclaimed, else the id */
	__le64 generation;	/* bumped on every release */
};

RMEM_STATIC_ASSERT(sizeof(struct rmem_wire_slot) == 16, "slot size");

#define RMEM_DEVICE_NONE 0ull
#define RMEM_DEVICE_RECLAIMING (~0ull)

/*
 * Lease word, one per slot: the holder RDMA WRITEs a value different from
 * the previous one (a counter) at least every lease_timeout / 3; the reaper
 * only looks at whether it moved.  Lives in the lease MR (read + write).
 */
struct rmem_wire_lease {
	__le64 counter;
};

RMEM_STATIC_ASSERT(sizeof(struct rmem_wire_lease) == 8, "lease size");

/*
 * Stats block, refreshed by the appliance's CPU about once a second.  The
 * appliance bumps seq_begin, writes the fields, then sets seq_end to the
 * same value: a reader whose copy has seq_begin == seq_end has a consistent
 * snapshot (best effort: a READ is not ordered within itself).
 */
struct rmem_wire_stats {
	__le64 seq_begin;		/*   0 */
	__le64 uptime_ms;		/*   8 */
	__le64 chunks_total;		/*  16 */
	__le64 chunks_used;		/*  24 */
	__le32 hosts_connected;		/*  32 */
	__le32 slots_used;		/*  36 */
	__le64 leases_expired;		/*  40: reaper actions */
	__le64 reaper_chunks_freed;	/*  48 */
	__le64 connects_accepted;	/*  56 */
	__le64 connects_rejected;	/*  64 */
	__le64 cpu_time_us;		/*  72: appliance user + system time */
	__le64 refreshes;		/*  80 */
	__le64 refused_not_allowed;	/*  88: of connects_rejected: allow-list */
	__le64 refused_auth;		/*  96: no proof, stale answer or wrong key */
	__le64 auth_accepted;		/* 104: connects that proved the rack key */
	__le64 conns_revoked;		/* 112: grants revoked when leases were reaped */
	__le64 challenges_refused;	/* 120: HELLOs refused, challenge table full */
	__le64 reserved[7];		/* 128: zero */
	__le64 seq_end;			/* 184 */
};

RMEM_STATIC_ASSERT(sizeof(struct rmem_wire_stats) == 192, "stats size");

#endif /* RMEM_WIRE_H */
