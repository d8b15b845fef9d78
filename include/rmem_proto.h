/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * rmem_proto.h - the donor protocol's pure logic, shared by the appliance,
 * the userspace client library and the host kernel module.
 *
 * Everything here is static inline and touches only its arguments: no I/O,
 * no allocation, no libc beyond memcpy/memset (see rmem_compat.h), so the
 * unit tier and the fuzzer test exactly the code the kernel runs.
 *
 *  - CRC32C (checks of the private-data messages)
 *  - owner word encode/decode, lease-slot helpers
 *  - hash(device, vchunk) and the allocation window scan state machine
 *  - layout computation (memory size + chunk size -> tables, chunk count)
 *    and validation of a layout received from a donor
 *  - encode/decode of the rdma_cm private data with full validation
 *  - the reaper's lease-watch decision
 */
#ifndef RMEM_PROTO_H
#define RMEM_PROTO_H

#include "rmem_compat.h"
#include "rmem_wire.h"

/* ------------------------------------------------------------- CRC32C */

/*
 * Bitwise CRC32C (Castagnoli, reflected 0x82f63b78): a few hundred bytes
 * per connection, so speed does not matter and a table would be 1 KiB of
 * rodata for nothing.  rmem_crc32c(0, "123456789", 9) == 0xe3069283.
 */
static inline u32 rmem_crc32c(u32 crc, const void *buf, size_t len)
{
	const u8 *p = (const u8 *)buf;
	size_t i;
	int k;

	crc = ~crc;
	for (i = 0; i < len; i++) {
		crc ^= p[i];
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1u)));
	}
	return ~crc;
}

/* --------------------------------------------------------- owner words */

struct rmem_owner {
	u32 slot;	/* lease slot index, 0 .. slot_count - 1 */
	u32 gen;	/* low 8 bits of the slot generation */
	u64 vchunk;	/* the device's virtual chunk index */
};

/* The slot + generation part of an owner word: what all of a device's words share. */
static inline u64 rmem_owner_tag(u32 slot, u32 gen)
{
	return ((u64)(slot + 1) << RMEM_OWNER_SLOT_SHIFT) |
	       (((u64)gen & RMEM_OWNER_GEN_MASK) << RMEM_OWNER_GEN_SHIFT);
}

#define RMEM_OWNER_TAG_MASK (~RMEM_VCHUNK_MAX)

/*
 * Encodes (slot, gen, vchunk).  Returns RMEM_OWNER_FREE (0, never a valid
 * owner) when @slot or @vchunk does not fit, so a caller that forgot to
 * check cannot CAS a word that reads as "free".
 */
static inline u64 rmem_owner_encode(u32 slot, u32 gen, u64 vchunk)
{
	if (slot >= RMEM_SLOTS_MAX || vchunk > RMEM_VCHUNK_MAX)
		return RMEM_OWNER_FREE;
	return rmem_owner_tag(slot, gen) | vchunk;
}

/* 0 and @o filled: owned; -ENOENT: free; -EINVAL: not a valid owner word. */
static inline int rmem_owner_decode(u64 word, struct rmem_owner *o)
{
	u64 slot1 = word >> RMEM_OWNER_SLOT_SHIFT;

	if (word == RMEM_OWNER_FREE)
		return -ENOENT;
	if (slot1 == 0)
		return -EINVAL;
	o->slot = (u32)(slot1 - 1);
	o->gen = (u32)((word >> RMEM_OWNER_GEN_SHIFT) & RMEM_OWNER_GEN_MASK);
	o->vchunk = word & RMEM_VCHUNK_MAX;
	return 0;
}

/* Does @word belong to the holder of (@slot, @gen)? */
static inline bool rmem_owner_is(u64 word, u32 slot, u32 gen)
{
	return word != RMEM_OWNER_FREE &&
	       (word & RMEM_OWNER_TAG_MASK) == rmem_owner_tag(slot, gen);
}

/* Does @word name @slot, whatever the generation? */
static inline bool rmem_owner_in_slot(u64 word, u32 slot)
{
	return word != RMEM_OWNER_FREE &&
	       (word >> RMEM_OWNER_SLOT_SHIFT) == (u64)slot + 1;
}

/* A 64-bit device id usable in a slot word. */
static inline bool rmem_device_id_valid(u64 id)
{
	return id != RMEM_DEVICE_NONE && id != RMEM_DEVICE_RECLAIMING;
}

/* ---------------------------------------------------- hash and windows */

/* splitmix64 finalizer: cheap, and every input bit moves every output bit. */
static inline u64 rmem_mix64(u64 x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

/*
 * Where a device's chunk starts its search.  Different devices land in
 * different windows, so hosts allocating at the same time rarely meet.
 */
static inline u64 rmem_hash(u64 device_id, u64 vchunk)
{
	return rmem_mix64(device_id ^ rmem_mix64(vchunk + 0x9e3779b97f4a7c15ull));
}

struct rmem_window {
	u64 first;	/* chunk index of the window's first word */
	u32 len;	/* words in it: window_words, the last window may be shorter */
	u32 start;	/* word the pick starts at, spreading concurrent allocators */
};

static inline u64 rmem_window_count(u64 chunk_count, u32 window_words)
{
	return rmem_div64(chunk_count + window_words - 1, window_words);
}

/*
 * Window number @idx (0 .. rmem_window_count() - 1); @seed picks where in
 * it a pick starts.  @chunk_count and @window_words must be >= 1.
 */
static inline void rmem_window_at(u64 idx, u64 chunk_count, u32 window_words, u64 seed,
				  struct rmem_window *w)
{
	u64 left;

	w->first = idx * window_words;
	left = chunk_count - w->first;
	w->len = left < window_words ? (u32)left : window_words;
	w->start = (u32)rmem_mod64(rmem_mix64(seed) >> 8, w->len);
}

/* The window a scan starting at @hash visits first. */
static inline u64 rmem_window_first(u64 hash, u64 chunk_count, u32 window_words)
{
	return rmem_mod64(hash, rmem_window_count(chunk_count, window_words));
}

/*
 * The @step-th window visited by a scan that starts at window @base:
 * consecutive windows, wrapping, so @step 0 .. count-1 visit every owner
 * word exactly once.
 */
static inline void rmem_window_get(u64 base, u64 chunk_count, u32 window_words,
				   u64 step, u64 seed, struct rmem_window *w)
{
	u64 nwin = rmem_window_count(chunk_count, window_words);
	u64 idx = rmem_mod64(base, nwin) + rmem_mod64(step, nwin);

	if (idx >= nwin)
		idx -= nwin;
	rmem_window_at(idx, chunk_count, window_words, seed + step, w);
}

/*
 * Index of a free word in @words[0..len), looking from @start and wrapping,
 * or -1 if none is free.  Words are as read from the donor (little-endian).
 */
static inline int rmem_window_pick(const __le64 *words, u32 len, u32 start)
{
	u32 i, j;

	if (start >= len)
		start = 0;
	for (i = 0; i < len; i++) {
		j = start + i;
		if (j >= len)
			j -= len;
		if (le64_to_cpu(words[j]) == RMEM_OWNER_FREE)
			return (int)j;
	}
	return -1;
}

/*
 * Allocation scan: a small state machine so that the userspace library and
 * the kernel module drive the same decisions with their own RDMA calls.
 *
 *	rmem_scan_begin(&s, count, window_words, rmem_hash(dev, vchunk));
 *	for (;;) {
 *		switch (rmem_scan_next(&s, buf, &chunk)) {
 *		case RMEM_SCAN_READ:  RDMA READ s.win into buf; rmem_scan_loaded(&s); break;
 *		case RMEM_SCAN_TRY:   old = CAS(owner[chunk], 0, owner);
 *				      rmem_scan_seen(&s, buf, chunk, old ? old : owner);
 *				      if (!old) return chunk; break;
 *		case RMEM_SCAN_FULL:  return -ENOSPC;
 *		}
 *	}
 *
 * A failed CAS returns the word's current value, which the scan records in
 * its buffer, so a conflict costs no re-read.  Every CAS marks one word of
 * the window used and every exhausted window advances the step, so a scan
 * ends after at most chunk_count CASes and window_count READs: no unbounded
 * retry.  rmem_scan_keep() lets the next allocation start with the window
 * still in the buffer: consecutive allocations then cost one CAS each, and
 * only a window that runs dry costs a READ (of it again, then of the windows
 * after it: a device's chunks stay clustered).  The first scan, and any scan
 * after ENOSPC, starts at the window of hash(device, vchunk), which spreads
 * devices over the table so that hosts rarely contend.  -ENOSPC is reported
 * only after every window was read fresh during this scan.
 */
enum rmem_scan_action {
	RMEM_SCAN_READ = 1,	/* read s->win's words into the buffer */
	RMEM_SCAN_TRY = 2,	/* CAS 0 -> owner on *chunk */
	RMEM_SCAN_FULL = 3,	/* no free word anywhere: ENOSPC */
};

struct rmem_alloc_scan {
	u64 chunk_count;
	u64 nwindows;
	u64 hash;
	u64 base;		/* window number of step 0 */
	u64 step;		/* fresh windows exhausted in this scan */
	u32 window_words;
	bool loaded;		/* the buffer holds win's words */
	bool cached;		/* ... left over from an earlier scan */
	struct rmem_window win;
};

static inline void rmem_scan_begin(struct rmem_alloc_scan *s, u64 chunk_count,
				   u32 window_words, u64 hash)
{
	memset(s, 0, sizeof(*s));
	s->chunk_count = chunk_count;
	s->window_words = window_words ? window_words : 1;
	s->nwindows = chunk_count ? rmem_window_count(chunk_count, s->window_words) : 0;
	s->hash = hash;
	s->base = chunk_count ? rmem_window_first(hash, chunk_count, s->window_words) : 0;
}

/*
 * Starts a new scan for @hash.  If a window is still in the buffer it is
 * tried first, and the scan continues from it; otherwise it starts at
 * @hash's window.
 */
static inline void rmem_scan_keep(struct rmem_alloc_scan *s, u64 hash)
{
	s->hash = hash;
	s->step = 0;
	s->cached = s->loaded;
	if (s->loaded)
		s->base = rmem_div64(s->win.first, s->window_words);
	else if (s->chunk_count)
		s->base = rmem_window_first(hash, s->chunk_count, s->window_words);
}

static inline int rmem_scan_next(struct rmem_alloc_scan *s, const __le64 *buf,
				 u64 *chunk)
{
	int idx;

	for (;;) {
		if (!s->loaded) {
			if (s->step >= s->nwindows)
				return RMEM_SCAN_FULL;
			rmem_window_get(s->base, s->chunk_count, s->window_words,
					s->step, s->hash, &s->win);
			return RMEM_SCAN_READ;
		}
		idx = rmem_window_pick(buf, s->win.len, s->win.start);
		if (idx >= 0) {
			*chunk = s->win.first + (u32)idx;
			return RMEM_SCAN_TRY;
		}
		s->loaded = false;
		if (s->cached)
			s->cached = false;	/* a leftover does not count as a fresh read */
		else
			s->step++;
	}
}

static inline void rmem_scan_loaded(struct rmem_alloc_scan *s)
{
	s->loaded = true;
	s->cached = false;
}

/*
 * Records what a CAS on @chunk found (@seen: the old value if it failed, the
 * new owner if it succeeded).  Either way the word is no longer free.
 */
static inline void rmem_scan_seen(struct rmem_alloc_scan *s, __le64 *buf,
				  u64 chunk, u64 seen)
{
	if (!s->loaded || chunk < s->win.first || chunk - s->win.first >= s->win.len)
		return;
	/* ~0 stands for "taken" if a broken peer returned 0 for a failed CAS. */
	buf[chunk - s->win.first] = cpu_to_le64(seen ? seen : ~0ull);
}

/* -------------------------------------------------------------- layout */

/* Where everything is, relative to the start of the donor's region. */
struct rmem_layout {
	u64 mem_bytes;		/* the region size the layout was computed for */
	u64 chunk_count;
	u32 chunk_shift;
	u32 slot_count;
	u64 slot_off;		/* superblock is at 0 */
	u64 lease_off;
	u64 lease_len;		/* the lease MR: page multiple, nothing else in it */
	u64 stats_off;
	u64 owner_off;		/* last table: its size depends on chunk_count */
	u64 meta_len;		/* metadata MR: page multiple */
	u64 data_off;		/* chunk 0: meta_len rounded up to data_align */
	u64 data_len;		/* chunk_count << chunk_shift */
};

static inline bool rmem_is_pow2(u64 v)
{
	return v && !(v & (v - 1));
}

/* Fills everything but the chunk count dependent fields. */
static inline void rmem_layout_tables(struct rmem_layout *l, u32 slot_count)
{
	l->slot_count = slot_count;
	l->slot_off = RMEM_META_ALIGN;	/* page 0: superblock */
	l->lease_off = l->slot_off +
		RMEM_ALIGN_UP((u64)slot_count * sizeof(struct rmem_wire_slot),
			      (u64)RMEM_META_ALIGN);
	l->lease_len = RMEM_ALIGN_UP((u64)slot_count * sizeof(struct rmem_wire_lease),
				     (u64)RMEM_META_ALIGN);
	l->stats_off = l->lease_off + l->lease_len;
	l->owner_off = l->stats_off + RMEM_META_ALIGN;
}

/* Does a layout with @n chunks fit @mem bytes?  Fills meta/data fields. */
static inline bool rmem_layout_fits(struct rmem_layout *l, u64 n, u64 mem,
				    u64 data_align)
{
	u64 chunk = 1ull << l->chunk_shift;

	l->meta_len = l->owner_off + RMEM_ALIGN_UP(n * 8, (u64)RMEM_META_ALIGN);
	l->data_off = RMEM_ALIGN_UP(l->meta_len, data_align);
	if (l->data_off > mem || l->data_off < l->meta_len)
		return false;
	if (n > rmem_div64(mem - l->data_off, chunk))
		return false;
	l->chunk_count = n;
	l->data_len = n * chunk;
	return true;
}

/*
 * Computes the largest layout that fits @mem_bytes: superblock page, slot
 * table, lease table, stats page and owner table (each page aligned), then
 * the data chunks starting at a multiple of @data_align (the page size the
 * memory is backed by, so chunks do not straddle huge pages needlessly).
 * Returns 0, -EINVAL for a bad chunk shift, slot count or alignment, or
 * -ENOSPC when not even one chunk fits.
 */
static inline int rmem_layout_compute(struct rmem_layout *l, u64 mem_bytes,
				      u32 chunk_shift, u32 slot_count,
				      u64 data_align)
{
	u64 chunk, lo, hi, reserve;

	memset(l, 0, sizeof(*l));
	if (chunk_shift < RMEM_CHUNK_SHIFT_MIN || chunk_shift > RMEM_CHUNK_SHIFT_MAX)
		return -EINVAL;
	if (slot_count == 0 || slot_count > RMEM_SLOTS_MAX)
		return -EINVAL;
	if (!rmem_is_pow2(data_align) || data_align < RMEM_META_ALIGN ||
	    data_align > (1ull << 30))
		return -EINVAL;

	l->mem_bytes = mem_bytes;
	l->chunk_shift = chunk_shift;
	rmem_layout_tables(l, slot_count);
	chunk = 1ull << chunk_shift;
	if (mem_bytes <= l->owner_off)
		return -ENOSPC;

	/*
	 * Each chunk costs chunk + 8 bytes (its owner word); the page and
	 * data_align roundings cost less than META_ALIGN + data_align in all.
	 * So lo always fits and hi is an upper bound; fits() grows with n,
	 * so a binary search finds the maximum in ~64 steps, whatever the
	 * sizes.
	 */
	hi = rmem_div64(mem_bytes - l->owner_off, chunk + 8);
	reserve = l->owner_off + RMEM_META_ALIGN + data_align;
	lo = mem_bytes > reserve ? rmem_div64(mem_bytes - reserve, chunk + 8) : 0;
	if (lo > hi)
		lo = hi;
	while (lo < hi) {
		u64 mid = hi - ((hi - lo) >> 1);	/* rounds up: lo < mid <= hi */

		if (rmem_layout_fits(l, mid, mem_bytes, data_align))
			lo = mid;
		else
			hi = mid - 1;
	}
	if (lo == 0 || !rmem_layout_fits(l, lo, mem_bytes, data_align)) {
		l->chunk_count = 0;
		return -ENOSPC;
	}
	return 0;
}

/* ------------------------------------------------ wire decode errors */

/* Why a private-data message or a layout was refused; decoders return -err. */
enum rmem_wire_err {
	RMEM_WIRE_OK = 0,
	RMEM_WIRE_TRUNCATED,	/* fewer bytes than the header or the length field */
	RMEM_WIRE_OVERSIZED,	/* more bytes than the rdma_cm area can carry */
	RMEM_WIRE_BAD_MAGIC,
	RMEM_WIRE_BAD_VERSION,
	RMEM_WIRE_BAD_LENGTH,	/* length field wrong for this version */
	RMEM_WIRE_BAD_CHECK,	/* CRC32C mismatch */
	RMEM_WIRE_BAD_FLAGS,	/* unknown flag or nonzero reserved field */
	RMEM_WIRE_BAD_EPOCH,	/* zero epoch */
	RMEM_WIRE_BAD_CHUNK,	/* chunk shift or count out of range */
	RMEM_WIRE_BAD_SLOTS,	/* slot count out of range */
	RMEM_WIRE_BAD_LAYOUT,	/* tables overlap, unaligned or outside the metadata */
	RMEM_WIRE_BAD_ADDR,	/* zero address, or a range wraps around */
	RMEM_WIRE_BAD_WINDOW,	/* window size out of range */
	RMEM_WIRE_BAD_LEASE,	/* lease timeout out of range */
	RMEM_WIRE_BAD_REASON,	/* reject reason unknown, or bad version range */
	RMEM_WIRE_MISMATCH,	/* superblock disagrees with the descriptor */
	RMEM_WIRE_ERR_COUNT
};

/* strerror() for enum rmem_wire_err; accepts the code or its negation. */
static inline const char *rmem_wire_strerror(int err)
{
	static const char *const msg[RMEM_WIRE_ERR_COUNT] = {
		[RMEM_WIRE_OK] = "ok",
		[RMEM_WIRE_TRUNCATED] = "truncated message",
		[RMEM_WIRE_OVERSIZED] = "message larger than the rdma_cm private data area",
		[RMEM_WIRE_BAD_MAGIC] = "bad magic (not an rmem peer)",
		[RMEM_WIRE_BAD_VERSION] = "unsupported protocol version",
		[RMEM_WIRE_BAD_LENGTH] = "length field does not match the version",
		[RMEM_WIRE_BAD_CHECK] = "checksum mismatch (corrupted or truncated)",
		[RMEM_WIRE_BAD_FLAGS] = "unknown flags or nonzero reserved field",
		[RMEM_WIRE_BAD_EPOCH] = "zero boot epoch",
		[RMEM_WIRE_BAD_CHUNK] = "chunk size or count out of range",
		[RMEM_WIRE_BAD_SLOTS] = "lease slot count out of range",
		[RMEM_WIRE_BAD_LAYOUT] = "tables overlap, are unaligned or lie outside the metadata",
		[RMEM_WIRE_BAD_ADDR] = "zero address or wrapping address range",
		[RMEM_WIRE_BAD_WINDOW] = "scan window size out of range",
		[RMEM_WIRE_BAD_LEASE] = "lease timeout out of range",
		[RMEM_WIRE_BAD_REASON] = "unknown reject reason or version range",
		[RMEM_WIRE_MISMATCH] = "superblock does not match the connection descriptor",
	};

	if (err < 0)
		err = -err;
	if (err >= RMEM_WIRE_ERR_COUNT)
		return "unknown wire error";
	return msg[err];
}

static inline const char *rmem_reject_str(unsigned int reason)
{
	switch (reason) {
	case RMEM_REJ_BAD_MAGIC:
		return "bad magic: the donor does not recognise the client";
	case RMEM_REJ_BAD_VERSION:
		return "unsupported protocol version";
	case RMEM_REJ_MALFORMED:
		return "malformed connect request";
	case RMEM_REJ_NO_DEVICE:
		return "connection arrived on an RDMA device the donor does not serve";
	case RMEM_REJ_NO_RESOURCES:
		return "donor could not set up the connection (out of resources)";
	case RMEM_REJ_SHUTTING_DOWN:
		return "donor is shutting down";
	case RMEM_REJ_NOT_ALLOWED:
		return "the donor does not accept connections from this address (its allow-list)";
	case RMEM_REJ_CHALLENGE:
		return "the donor asks the host to prove the rack key";
	case RMEM_REJ_AUTH_REQUIRED:
		return "the donor admits authenticated hosts only: give this host the rack key";
	case RMEM_REJ_AUTH_STALE:
		return "the answer matched no live challenge (replayed, late, or another address)";
	case RMEM_REJ_AUTH_FAILED:
		return "wrong rack key: the proof matches none of the donor's keys";
	default:
		return "unknown reason";
	}
}

/* ------------------------------------------------- layout validation */

struct rmem_range {
	u64 off, len;
};

static inline bool rmem_ranges_overlap(const struct rmem_range *a,
				       const struct rmem_range *b)
{
	return a->off < b->off + b->len && b->off < a->off + a->len;
}

/*
 * Checks a layout received from a donor: every table 8-byte aligned, inside
 * [0, meta_len), clear of the superblock and of each other.  The host
 * relies on nothing else, so a donor may lay tables out differently within
 * these rules without a version bump.
 */
static inline int rmem_layout_check(u64 meta_len, u32 chunk_shift, u64 chunk_count,
				    u32 slot_count, u64 slot_off, u64 lease_off,
				    u64 stats_off, u64 owner_off)
{
	struct rmem_range r[5];
	size_t i, j;

	if (chunk_shift < RMEM_CHUNK_SHIFT_MIN || chunk_shift > RMEM_CHUNK_SHIFT_MAX)
		return -RMEM_WIRE_BAD_CHUNK;
	/* The data range must not wrap; also bounds chunk_count * 8 below. */
	if (chunk_count == 0 || chunk_count > (~0ull >> chunk_shift))
		return -RMEM_WIRE_BAD_CHUNK;
	if (slot_count == 0 || slot_count > RMEM_SLOTS_MAX)
		return -RMEM_WIRE_BAD_SLOTS;

	r[0].off = 0;
	r[0].len = sizeof(struct rmem_wire_superblock);
	r[1].off = slot_off;
	r[1].len = (u64)slot_count * sizeof(struct rmem_wire_slot);
	r[2].off = lease_off;
	r[2].len = (u64)slot_count * sizeof(struct rmem_wire_lease);
	r[3].off = stats_off;
	r[3].len = sizeof(struct rmem_wire_stats);
	r[4].off = owner_off;
	r[4].len = chunk_count * 8;
	for (i = 0; i < RMEM_ARRAY_SIZE(r); i++) {
		if (r[i].off & 7)
			return -RMEM_WIRE_BAD_LAYOUT;
		if (r[i].off > meta_len || r[i].len > meta_len - r[i].off)
			return -RMEM_WIRE_BAD_LAYOUT;
	}
	for (i = 0; i < RMEM_ARRAY_SIZE(r); i++)
		for (j = i + 1; j < RMEM_ARRAY_SIZE(r); j++)
			if (rmem_ranges_overlap(&r[i], &r[j]))
				return -RMEM_WIRE_BAD_LAYOUT;
	return 0;
}

/* --------------------------------------------- private data: common */

/*
 * Checks the common header of a private-data message in @buf[0..len):
 * size limits, magic, version in [vmin, vmax], exact length for that
 * version, then the CRC32C in the last four bytes.  The order matters for
 * the reason reported: a newer peer's message fails on its version, not on
 * its (different) length.
 */
static inline int rmem_wire_header_check(const void *buf, size_t len, size_t max,
					 size_t want_len, u16 vmin, u16 vmax)
{
	const u8 *p = (const u8 *)buf;
	__le32 magic, check;
	__le16 version, length;

	if (!buf || len < 8)
		return -RMEM_WIRE_TRUNCATED;
	if (len > max)
		return -RMEM_WIRE_OVERSIZED;
	memcpy(&magic, p, 4);
	memcpy(&version, p + 4, 2);
	memcpy(&length, p + 6, 2);
	if (le32_to_cpu(magic) != RMEM_WIRE_MAGIC)
		return -RMEM_WIRE_BAD_MAGIC;
	if (le16_to_cpu(version) < vmin || le16_to_cpu(version) > vmax)
		return -RMEM_WIRE_BAD_VERSION;
	if (le16_to_cpu(length) != want_len)
		return -RMEM_WIRE_BAD_LENGTH;
	if (want_len > len)
		return -RMEM_WIRE_TRUNCATED;
	memcpy(&check, p + want_len - 4, 4);
	if (le32_to_cpu(check) != rmem_crc32c(0, p, want_len - 4))
		return -RMEM_WIRE_BAD_CHECK;
	return 0;
}

/* ---------------------------------------------- connect request */

struct rmem_connect_req {
	u16 version;
	u64 host_id;
	u32 flags;			/* enum rmem_connect_flags */
	u8 nonce[RMEM_AUTH_NONCE_LEN];	/* HELLO: the host's; AUTH: the donor's */
	u8 tag[RMEM_AUTH_TAG_LEN];	/* AUTH */
};

static inline bool rmem_bytes_zero(const u8 *p, size_t n)
{
	u8 acc = 0;

	while (n--)
		acc |= *p++;
	return !acc;
}

/* One kind at a time; what a kind does not use is zero. */
static inline int rmem_connect_check_flags(const struct rmem_connect_req *r)
{
	if (r->flags & ~(u32)RMEM_CONNECT_F_ALL ||
	    (r->flags & RMEM_CONNECT_F_ALL) == RMEM_CONNECT_F_ALL)
		return -RMEM_WIRE_BAD_FLAGS;
	if (!r->flags && !rmem_bytes_zero(r->nonce, sizeof(r->nonce)))
		return -RMEM_WIRE_BAD_FLAGS;
	if (!(r->flags & RMEM_CONNECT_F_AUTH) && !rmem_bytes_zero(r->tag, sizeof(r->tag)))
		return -RMEM_WIRE_BAD_FLAGS;
	return 0;
}

/* Returns the encoded size or -RMEM_WIRE_*. */
static inline int rmem_connect_encode(const struct rmem_connect_req *r, void *buf,
				      size_t len)
{
	struct rmem_wire_connect w;
	int err;

	if (len < sizeof(w))
		return -RMEM_WIRE_TRUNCATED;
	err = rmem_connect_check_flags(r);
	if (err)
		return err;
	memset(&w, 0, sizeof(w));
	w.magic = cpu_to_le32(RMEM_WIRE_MAGIC);
	w.version = cpu_to_le16(r->version ? r->version : RMEM_WIRE_VERSION);
	w.length = cpu_to_le16(sizeof(w));
	w.host_id = cpu_to_le64(r->host_id);
	w.flags = cpu_to_le32(r->flags);
	memcpy(w.nonce, r->nonce, sizeof(w.nonce));
	memcpy(w.tag, r->tag, sizeof(w.tag));
	w.check = cpu_to_le32(rmem_crc32c(0, &w, offsetof(struct rmem_wire_connect, check)));
	memcpy(buf, &w, sizeof(w));
	return (int)sizeof(w);
}

static inline int rmem_connect_decode(const void *buf, size_t len,
				      struct rmem_connect_req *r)
{
	struct rmem_wire_connect w;
	struct rmem_connect_req t;
	int err;

	err = rmem_wire_header_check(buf, len, RMEM_CM_REQ_PRIV_MAX, sizeof(w),
				     RMEM_WIRE_VERSION_MIN, RMEM_WIRE_VERSION);
	if (err)
		return err;
	memcpy(&w, buf, sizeof(w));
	t.version = le16_to_cpu(w.version);
	t.host_id = le64_to_cpu(w.host_id);
	t.flags = le32_to_cpu(w.flags);
	memcpy(t.nonce, w.nonce, sizeof(t.nonce));
	memcpy(t.tag, w.tag, sizeof(t.tag));
	err = rmem_connect_check_flags(&t);
	if (err)
		return err;
	*r = t;
	return 0;
}

/* Peeks at the version a (possibly rejected) connect request claimed. */
static inline u16 rmem_wire_peek_version(const void *buf, size_t len)
{
	__le16 v;

	if (!buf || len < 6)
		return 0;
	memcpy(&v, (const u8 *)buf + 4, 2);
	return le16_to_cpu(v);
}

/* ---------------------------------------------- accept descriptor */

/* The accept descriptor in CPU order. */
struct rmem_desc {
	u32 donor_id;
	u32 flags;
	u64 epoch;
	u64 meta_addr;
	u64 meta_len;
	u32 meta_rkey;
	u32 lease_rkey;
	u64 data_addr;
	u64 chunk_count;
	u32 data_rkey;
	u32 chunk_shift;
	u32 slot_count;
	u32 lease_timeout_ms;
	u64 slot_off;
	u64 lease_off;
	u64 stats_off;
	u64 owner_off;
	u32 window_words;
	u8 tag[RMEM_AUTH_TAG_LEN];	/* flags RMEM_ACCEPT_F_AUTH */
};

static inline int rmem_desc_validate(const struct rmem_desc *d)
{
	int err;

	if (d->flags & ~RMEM_ACCEPT_F_AUTH)
		return -RMEM_WIRE_BAD_FLAGS;
	if (!(d->flags & RMEM_ACCEPT_F_AUTH) && !rmem_bytes_zero(d->tag, sizeof(d->tag)))
		return -RMEM_WIRE_BAD_FLAGS;
	if (!d->epoch)
		return -RMEM_WIRE_BAD_EPOCH;
	err = rmem_layout_check(d->meta_len, d->chunk_shift, d->chunk_count,
				d->slot_count, d->slot_off, d->lease_off,
				d->stats_off, d->owner_off);
	if (err)
		return err;
	if (!d->meta_addr || !d->data_addr)
		return -RMEM_WIRE_BAD_ADDR;
	if (d->meta_addr + d->meta_len < d->meta_addr)
		return -RMEM_WIRE_BAD_ADDR;
	/* chunk_count << chunk_shift cannot overflow: layout_check bounded it. */
	if (d->data_addr + (d->chunk_count << d->chunk_shift) < d->data_addr)
		return -RMEM_WIRE_BAD_ADDR;
	if (d->window_words == 0 || d->window_words > RMEM_WINDOW_WORDS_MAX)
		return -RMEM_WIRE_BAD_WINDOW;
	if (d->lease_timeout_ms < RMEM_LEASE_TIMEOUT_MIN_MS ||
	    d->lease_timeout_ms > RMEM_LEASE_TIMEOUT_MAX_MS)
		return -RMEM_WIRE_BAD_LEASE;
	return 0;
}

/*
 * The part of a descriptor that describes the donor's boot rather than one
 * device: it takes what rmem_sb_encode() takes, so the superblock and
 * every descriptor of a boot agree field for field (rmem_sb_check() relies
 * on it).  Addresses and rkeys are the caller's; everything else is zero.
 */
static inline void rmem_desc_init(struct rmem_desc *d, const struct rmem_layout *l,
				  u32 donor_id, u64 epoch, u32 lease_timeout_ms,
				  u32 window_words)
{
	memset(d, 0, sizeof(*d));
	d->donor_id = donor_id;
	d->epoch = epoch;
	d->meta_len = l->meta_len;
	d->chunk_count = l->chunk_count;
	d->chunk_shift = l->chunk_shift;
	d->slot_count = l->slot_count;
	d->lease_timeout_ms = lease_timeout_ms;
	d->slot_off = l->slot_off;
	d->lease_off = l->lease_off;
	d->stats_off = l->stats_off;
	d->owner_off = l->owner_off;
	d->window_words = window_words;
}

/* Validates @d and encodes it; returns the encoded size or -RMEM_WIRE_*. */
static inline int rmem_desc_encode(const struct rmem_desc *d, void *buf, size_t len)
{
	struct rmem_wire_accept w;
	int err;

	if (len < sizeof(w))
		return -RMEM_WIRE_TRUNCATED;
	err = rmem_desc_validate(d);
	if (err)
		return err;
	memset(&w, 0, sizeof(w));
	w.magic = cpu_to_le32(RMEM_WIRE_MAGIC);
	w.version = cpu_to_le16(RMEM_WIRE_VERSION);
	w.length = cpu_to_le16(sizeof(w));
	w.donor_id = cpu_to_le32(d->donor_id);
	w.flags = cpu_to_le32(d->flags);
	w.epoch = cpu_to_le64(d->epoch);
	w.meta_addr = cpu_to_le64(d->meta_addr);
	w.meta_len = cpu_to_le64(d->meta_len);
	w.meta_rkey = cpu_to_le32(d->meta_rkey);
	w.lease_rkey = cpu_to_le32(d->lease_rkey);
	w.data_addr = cpu_to_le64(d->data_addr);
	w.chunk_count = cpu_to_le64(d->chunk_count);
	w.data_rkey = cpu_to_le32(d->data_rkey);
	w.chunk_shift = cpu_to_le32(d->chunk_shift);
	w.slot_count = cpu_to_le32(d->slot_count);
	w.lease_timeout_ms = cpu_to_le32(d->lease_timeout_ms);
	w.slot_off = cpu_to_le64(d->slot_off);
	w.lease_off = cpu_to_le64(d->lease_off);
	w.stats_off = cpu_to_le64(d->stats_off);
	w.owner_off = cpu_to_le64(d->owner_off);
	w.window_words = cpu_to_le32(d->window_words);
	memcpy(w.tag, d->tag, sizeof(w.tag));
	w.check = cpu_to_le32(rmem_crc32c(0, &w, offsetof(struct rmem_wire_accept, check)));
	memcpy(buf, &w, sizeof(w));
	return (int)sizeof(w);
}

/*
 * Decodes and validates an accept descriptor from @buf[0..len) (the
 * ESTABLISHED event's private data: up to RMEM_CM_REP_PRIV_MAX bytes, zero
 * padded).  Returns 0 or -RMEM_WIRE_*; @d is written only on success.
 */
static inline int rmem_desc_decode(const void *buf, size_t len, struct rmem_desc *d)
{
	struct rmem_wire_accept w;
	struct rmem_desc t;
	int err;

	err = rmem_wire_header_check(buf, len, RMEM_CM_REP_PRIV_MAX, sizeof(w),
				     RMEM_WIRE_VERSION, RMEM_WIRE_VERSION);
	if (err)
		return err;
	memcpy(&w, buf, sizeof(w));
	t.donor_id = le32_to_cpu(w.donor_id);
	t.flags = le32_to_cpu(w.flags);
	t.epoch = le64_to_cpu(w.epoch);
	t.meta_addr = le64_to_cpu(w.meta_addr);
	t.meta_len = le64_to_cpu(w.meta_len);
	t.meta_rkey = le32_to_cpu(w.meta_rkey);
	t.lease_rkey = le32_to_cpu(w.lease_rkey);
	t.data_addr = le64_to_cpu(w.data_addr);
	t.chunk_count = le64_to_cpu(w.chunk_count);
	t.data_rkey = le32_to_cpu(w.data_rkey);
	t.chunk_shift = le32_to_cpu(w.chunk_shift);
	t.slot_count = le32_to_cpu(w.slot_count);
	t.lease_timeout_ms = le32_to_cpu(w.lease_timeout_ms);
	t.slot_off = le64_to_cpu(w.slot_off);
	t.lease_off = le64_to_cpu(w.lease_off);
	t.stats_off = le64_to_cpu(w.stats_off);
	t.owner_off = le64_to_cpu(w.owner_off);
	t.window_words = le32_to_cpu(w.window_words);
	memcpy(t.tag, w.tag, sizeof(t.tag));
	err = rmem_desc_validate(&t);
	if (err)
		return err;
	*d = t;
	return 0;
}

/* ------------------------------------------------------------ reject */

struct rmem_reject {
	u16 reason;		/* enum rmem_reject_reason */
	u16 detail;		/* enum rmem_wire_err, or 0 */
	u16 min_version;
	u16 max_version;
};

static inline int rmem_reject_encode(const struct rmem_reject *r, void *buf, size_t len)
{
	struct rmem_wire_reject w;

	if (len < sizeof(w))
		return -RMEM_WIRE_TRUNCATED;
	if (r->reason == RMEM_REJ_NONE || r->reason > RMEM_REJ_MAX_REASON ||
	    r->min_version > r->max_version)
		return -RMEM_WIRE_BAD_REASON;
	memset(&w, 0, sizeof(w));
	w.magic = cpu_to_le32(RMEM_WIRE_MAGIC);
	w.version = cpu_to_le16(RMEM_REJECT_FORMAT_VERSION);
	w.length = cpu_to_le16(sizeof(w));
	w.reason = cpu_to_le16(r->reason);
	w.detail = cpu_to_le16(r->detail);
	w.min_version = cpu_to_le16(r->min_version);
	w.max_version = cpu_to_le16(r->max_version);
	w.check = cpu_to_le32(rmem_crc32c(0, &w, offsetof(struct rmem_wire_reject, check)));
	memcpy(buf, &w, sizeof(w));
	return (int)sizeof(w);
}

static inline int rmem_reject_decode(const void *buf, size_t len, struct rmem_reject *r)
{
	struct rmem_wire_reject w;
	struct rmem_reject t;
	int err;

	err = rmem_wire_header_check(buf, len, RMEM_CM_REJ_PRIV_MAX, sizeof(w),
				     RMEM_REJECT_FORMAT_VERSION,
				     RMEM_REJECT_FORMAT_VERSION);
	if (err)
		return err;
	memcpy(&w, buf, sizeof(w));
	t.reason = le16_to_cpu(w.reason);
	t.detail = le16_to_cpu(w.detail);
	t.min_version = le16_to_cpu(w.min_version);
	t.max_version = le16_to_cpu(w.max_version);
	if (t.reason == RMEM_REJ_NONE || t.reason > RMEM_REJ_MAX_REASON ||
	    t.min_version > t.max_version)
		return -RMEM_WIRE_BAD_REASON;
	*r = t;
	return 0;
}

/* Maps a failed connect-request decode to the reason the donor sends back. */
static inline u16 rmem_reject_reason_for(int wire_err)
{
	if (wire_err < 0)
		wire_err = -wire_err;
	switch (wire_err) {
	case RMEM_WIRE_BAD_MAGIC:
		return RMEM_REJ_BAD_MAGIC;
	case RMEM_WIRE_BAD_VERSION:
		return RMEM_REJ_BAD_VERSION;
	default:
		return RMEM_REJ_MALFORMED;
	}
}

/* --------------------------------------------------- authentication */

/* A challenge: encoded at @buf (right after the reject), size or -RMEM_WIRE_*. */
static inline int rmem_challenge_encode(const u8 nonce[RMEM_AUTH_NONCE_LEN], void *buf,
					size_t len)
{
	struct rmem_wire_challenge w;

	if (len < sizeof(w))
		return -RMEM_WIRE_TRUNCATED;
	memset(&w, 0, sizeof(w));
	w.magic = cpu_to_le32(RMEM_WIRE_MAGIC);
	w.version = cpu_to_le16(RMEM_WIRE_VERSION);
	w.length = cpu_to_le16(sizeof(w));
	memcpy(w.nonce, nonce, sizeof(w.nonce));
	w.check = cpu_to_le32(rmem_crc32c(0, &w, offsetof(struct rmem_wire_challenge, check)));
	memcpy(buf, &w, sizeof(w));
	return (int)sizeof(w);
}

/*
 * The challenge of a reject's private data @buf[0..len) (all of it: the
 * struct rmem_wire_reject comes first).  0 or -RMEM_WIRE_*.
 */
static inline int rmem_challenge_decode(const void *buf, size_t len,
					u8 nonce[RMEM_AUTH_NONCE_LEN])
{
	const size_t off = sizeof(struct rmem_wire_reject);
	struct rmem_wire_challenge w;
	int err;

	if (!buf || len < off)
		return -RMEM_WIRE_TRUNCATED;
	err = rmem_wire_header_check((const u8 *)buf + off, len - off,
				     RMEM_CM_REJ_PRIV_MAX - off, sizeof(w),
				     RMEM_WIRE_VERSION_MIN, RMEM_WIRE_VERSION);
	if (err)
		return err;
	memcpy(&w, (const u8 *)buf + off, sizeof(w));
	memcpy(nonce, w.nonce, sizeof(w.nonce));
	return 0;
}

/*
 * Where an exchange runs: both addresses (IPv4 as ::ffff:a.b.c.d) and the
 * donor's port, as each side sees them, so an exchange relayed from
 * anywhere else does not verify.  The host's port is not in it: a host
 * answers its challenge from a new connection.
 */
struct rmem_auth_where {
	u8 host[16];
	u8 donor[16];
	u16 donor_port;
};

/* @v6: @addr is 16 bytes, else 4 (both in network order). */
static inline void rmem_auth_addr(u8 out[16], bool v6, const void *addr)
{
	memset(out, 0, 16);
	if (v6) {
		memcpy(out, addr, 16);
		return;
	}
	out[10] = 0xff;
	out[11] = 0xff;
	memcpy(out + 12, addr, 4);
}

/*
 * What a tag covers: a label naming the side (a host's tag is never valid
 * as a donor's), both nonces, the host id, both addresses and the donor's
 * port, and for the donor the accept descriptor up to its tag.  Writes at
 * most RMEM_AUTH_INPUT_MAX bytes to @out; returns how many, or 0 when the
 * descriptor does not encode (then nothing may be signed or checked).  The
 * HMAC itself is each side's crypto library's (the kernel crypto API,
 * libsodium).
 */
#define RMEM_AUTH_LABEL_HOST "rmem-auth-v3 host proof"
#define RMEM_AUTH_LABEL_DONOR "rmem-auth-v3 donor proof"
#define RMEM_AUTH_LABEL_KEY_ID "rmem-auth-v3 key id"
/* Where donors, hosts and the tools look for the rack key file. */
#define RMEM_KEY_FILE_DEFAULT "/etc/rmem/rack.key"
#define RMEM_AUTH_WHERE_LEN (16 + 16 + 2)
#define RMEM_AUTH_INPUT_MAX (32 + 2 * RMEM_AUTH_NONCE_LEN + 8 + RMEM_AUTH_WHERE_LEN + \
			     sizeof(struct rmem_wire_accept))

static inline size_t rmem_auth_input(u8 *out, bool donor,
				     const u8 nd[RMEM_AUTH_NONCE_LEN],
				     const u8 nh[RMEM_AUTH_NONCE_LEN], u64 host_id,
				     const struct rmem_auth_where *where,
				     const struct rmem_desc *desc)
{
	const char *label = donor ? RMEM_AUTH_LABEL_DONOR : RMEM_AUTH_LABEL_HOST;
	size_t n = strlen(label) + 1;
	__le64 id = cpu_to_le64(host_id);
	__le16 port = cpu_to_le16(where->donor_port);
	struct rmem_desc d;

	memcpy(out, label, n);
	memcpy(out + n, nd, RMEM_AUTH_NONCE_LEN);
	n += RMEM_AUTH_NONCE_LEN;
	memcpy(out + n, nh, RMEM_AUTH_NONCE_LEN);
	n += RMEM_AUTH_NONCE_LEN;
	memcpy(out + n, &id, sizeof(id));
	n += sizeof(id);
	memcpy(out + n, where->host, 16);
	memcpy(out + n + 16, where->donor, 16);
	memcpy(out + n + 32, &port, sizeof(port));
	n += RMEM_AUTH_WHERE_LEN;
	if (donor) {
		if (!desc)
			return 0;
		/* The descriptor's bytes as sent, with a zero tag and no check. */
		d = *desc;
		memset(d.tag, 0, sizeof(d.tag));
		if (rmem_desc_encode(&d, out + n, sizeof(struct rmem_wire_accept)) <= 0)
			return 0;
		n += offsetof(struct rmem_wire_accept, tag);
	}
	return n;
}

static inline int rmem_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * A rack key file: one key per line, 64 hex digits (32 bytes, `openssl
 * rand -hex 32`); blank lines and lines starting with '#' are skipped, and
 * so is space around a key.  At most RMEM_AUTH_KEYS_MAX keys: the first is
 * the one a host proves, all are accepted by a donor (rotation).  Returns
 * the number of keys, or -1 with *bad_line set (1-based; 0: no key).  The
 * same text is what the host module's rack_key parameter takes.
 */
static inline int rmem_auth_keys_parse(const char *text, size_t len,
				       u8 keys[RMEM_AUTH_KEYS_MAX][RMEM_AUTH_KEY_LEN],
				       unsigned int *bad_line)
{
	size_t i = 0, b, e;
	unsigned int line = 0, k;
	int n = 0, hi, lo;

	while (i < len) {
		line++;
		for (e = i; e < len && text[e] != '\n'; e++)
			;
		b = i;
		i = e + 1;
		while (b < e && (text[b] == ' ' || text[b] == '\t'))
			b++;
		while (e > b && (text[e - 1] == ' ' || text[e - 1] == '\t' ||
				 text[e - 1] == '\r'))
			e--;
		if (b == e || text[b] == '#')
			continue;
		if (e - b != 2 * RMEM_AUTH_KEY_LEN || n == RMEM_AUTH_KEYS_MAX)
			goto out_bad;
		for (k = 0; k < RMEM_AUTH_KEY_LEN; k++) {
			hi = rmem_hex_digit(text[b + 2 * k]);
			lo = rmem_hex_digit(text[b + 2 * k + 1]);
			if (hi < 0 || lo < 0)
				goto out_bad;
			keys[n][k] = (u8)(hi << 4 | lo);
		}
		n++;
	}
	if (n)
		return n;
	line = 0;
out_bad:
	*bad_line = line;
	return -1;
}

/* -------------------------------------------------------- superblock */

static inline void rmem_sb_encode(struct rmem_wire_superblock *sb,
				  const struct rmem_layout *l, u32 donor_id,
				  u64 epoch, u32 lease_timeout_ms,
				  u32 window_words, u64 boot_unix_s)
{
	memset(sb, 0, sizeof(*sb));
	sb->magic = cpu_to_le64(RMEM_SB_MAGIC);
	sb->layout_version = cpu_to_le32(RMEM_LAYOUT_VERSION);
	sb->donor_id = cpu_to_le32(donor_id);
	sb->boot_epoch = cpu_to_le64(epoch);
	sb->chunk_count = cpu_to_le64(l->chunk_count);
	sb->chunk_shift = cpu_to_le32(l->chunk_shift);
	sb->slot_count = cpu_to_le32(l->slot_count);
	sb->meta_len = cpu_to_le64(l->meta_len);
	sb->slot_off = cpu_to_le64(l->slot_off);
	sb->lease_off = cpu_to_le64(l->lease_off);
	sb->stats_off = cpu_to_le64(l->stats_off);
	sb->owner_off = cpu_to_le64(l->owner_off);
	sb->data_off = cpu_to_le64(l->data_off);
	sb->lease_timeout_ms = cpu_to_le32(lease_timeout_ms);
	sb->window_words = cpu_to_le32(window_words);
	sb->boot_unix_s = cpu_to_le64(boot_unix_s);
}

/*
 * A host reads the superblock right after connecting: it proves the
 * metadata key works and that the descriptor describes this donor's boot.
 */
static inline int rmem_sb_check(const struct rmem_wire_superblock *sb,
				const struct rmem_desc *d)
{
	if (le64_to_cpu(sb->magic) != RMEM_SB_MAGIC)
		return -RMEM_WIRE_BAD_MAGIC;
	if (le32_to_cpu(sb->layout_version) != RMEM_LAYOUT_VERSION)
		return -RMEM_WIRE_BAD_VERSION;
	if (le64_to_cpu(sb->boot_epoch) != d->epoch ||
	    le32_to_cpu(sb->donor_id) != d->donor_id ||
	    le64_to_cpu(sb->chunk_count) != d->chunk_count ||
	    le32_to_cpu(sb->chunk_shift) != d->chunk_shift ||
	    le32_to_cpu(sb->slot_count) != d->slot_count ||
	    le64_to_cpu(sb->meta_len) != d->meta_len ||
	    le64_to_cpu(sb->slot_off) != d->slot_off ||
	    le64_to_cpu(sb->lease_off) != d->lease_off ||
	    le64_to_cpu(sb->stats_off) != d->stats_off ||
	    le64_to_cpu(sb->owner_off) != d->owner_off)
		return -RMEM_WIRE_MISMATCH;
	return 0;
}

/* -------------------------------------------------------- lease watch */

/*
 * The reaper's view of one slot, kept by the appliance between ticks.  A
 * lease is alive while its counter moves; the clock restarts whenever the
 * slot changes hands (device id or generation differ from last tick), so a
 * newly claimed slot gets a full timeout before its first renewal.
 */
struct rmem_lease_watch {
	u64 device_id;
	u64 generation;
	u64 counter;
	u64 changed_ms;		/* when any of the above last changed */
};

enum rmem_lease_state {
	RMEM_LEASE_FREE = 0,	/* slot unclaimed (or being reclaimed) */
	RMEM_LEASE_ALIVE = 1,
	RMEM_LEASE_EXPIRED = 2,	/* reap it */
};

static inline int rmem_lease_watch_update(struct rmem_lease_watch *w, u64 device_id,
					  u64 generation, u64 counter, u64 now_ms,
					  u64 timeout_ms)
{
	if (!rmem_device_id_valid(device_id)) {
		memset(w, 0, sizeof(*w));
		w->device_id = device_id;
		w->changed_ms = now_ms;
		return RMEM_LEASE_FREE;
	}
	if (w->device_id != device_id || w->generation != generation ||
	    w->counter != counter) {
		w->device_id = device_id;
		w->generation = generation;
		w->counter = counter;
		w->changed_ms = now_ms;
		return RMEM_LEASE_ALIVE;
	}
	if (now_ms - w->changed_ms >= timeout_ms)
		return RMEM_LEASE_EXPIRED;
	return RMEM_LEASE_ALIVE;
}

#endif /* RMEM_PROTO_H */
