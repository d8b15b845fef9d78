// SPDX-License-Identifier: GPL-2.0
/*
 * rmem-vhost-harness - a small userspace "guest" for vhost_rmem, in the
 * spirit of the kernel's tools/virtio/virtio_test.c: it opens
 * /dev/vhost-vdpa-N, negotiates features, maps its own memory through the
 * vhost IOTLB (at IOVAs unrelated to its virtual addresses, so a device that
 * skipped translation would fail), sets up one split virtqueue with eventfds
 * and submits virtio-blk requests.
 *
 *   rmem-vhost-harness io DEV                    patterns across many chunks, read-back,
 *                                                discard, unwritten zeros, GET_ID, bad IOVAs
 *   rmem-vhost-harness fuzz DEV COUNT SEED       random and mutated requests: each answered
 *   rmem-vhost-harness isolation DEV_A DEV_B     two devices never see each other's data
 *   rmem-vhost-harness suspend DEV               suspend stops the queue with an exact
 *                                                vring base, resume serves what waited
 *
 * Exit 0 when every check passed; diagnostics on stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <linux/vhost.h>
#include <linux/virtio_config.h>

#include "rmem_virtio.h"

#define QNUM 256u
#define MEM_SIZE (32u << 20)
#define IOVA_BASE 0x40000000000ull	/* where the harness maps its memory */
#define RING_AREA (64u << 10)		/* desc + avail (read-only), used, status bytes */
#define STATUS_AREA (48u << 10)		/* fuzz status bytes: no payload ever points here */
#define TIMEOUT_MS 10000

/* vhost uapi newer than the build machine's (6.1) headers; values from 6.12. */
#ifndef VHOST_VDPA_SUSPEND
#define VHOST_VDPA_SUSPEND _IO(VHOST_VIRTIO, 0x7D)
#endif
#ifndef VHOST_VDPA_RESUME
#define VHOST_VDPA_RESUME _IO(VHOST_VIRTIO, 0x7E)
#endif
#ifndef VHOST_BACKEND_F_SUSPEND
#define VHOST_BACKEND_F_SUSPEND 0x4
#endif
#ifndef VHOST_BACKEND_F_RESUME
#define VHOST_BACKEND_F_RESUME 0x5
#endif

/* One harness "guest" driving one vhost-vdpa device. */
struct hx {
	const char *path;
	int fd;
	int kick, call;			/* eventfds of queue 0 */
	u8 *mem;			/* our memory; IOVA = IOVA_BASE + offset */
	u64 features;
	u64 capacity;			/* sectors */
	u16 avail_idx, used_seen;
	u64 desc, avail, used;		/* ring offsets in mem */
	u64 bump;			/* data allocator (offset in mem) */
	u64 backend_features;		/* acked VHOST_BACKEND_F_* */
};

static int hx_err(const struct hx *h, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", h ? h->path : "harness");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

static u64 iova(u64 off)
{
	return IOVA_BASE + off;
}

static int hx_map(struct hx *h, u64 off, u64 len, u8 perm)
{
	struct vhost_msg_v2 m;

	memset(&m, 0, sizeof(m));
	m.type = VHOST_IOTLB_MSG_V2;
	m.iotlb.type = VHOST_IOTLB_UPDATE;
	m.iotlb.iova = iova(off);
	m.iotlb.size = len;
	m.iotlb.uaddr = (u64)(uintptr_t)(h->mem + off);
	m.iotlb.perm = perm;
	if (write(h->fd, &m, sizeof(m)) != sizeof(m))
		return hx_err(h, "IOTLB update: %s", strerror(errno));
	return 0;
}

static int hx_status(struct hx *h, u8 s)
{
	if (ioctl(h->fd, VHOST_VDPA_SET_STATUS, &s))
		return hx_err(h, "SET_STATUS %#x: %s", s, strerror(errno));
	return 0;
}

static u8 hx_get_status(struct hx *h)
{
	u8 s = 0;

	ioctl(h->fd, VHOST_VDPA_GET_STATUS, &s);
	return s;
}

static int hx_open(struct hx *h, const char *path)
{
	u64 want = (1ull << RMEM_VIRTIO_F_VERSION_1) | (1ull << RMEM_VIRTIO_F_ACCESS_PLATFORM) |
		   (1ull << RMEM_VIRTIO_F_INDIRECT_DESC) | (1ull << RMEM_VIRTIO_BLK_F_FLUSH) |
		   (1ull << RMEM_VIRTIO_BLK_F_DISCARD) | (1ull << RMEM_VIRTIO_BLK_F_WRITE_ZEROES) |
		   (1ull << RMEM_VIRTIO_F_RMEM);
	u64 bf = 1ull << VHOST_BACKEND_F_IOTLB_MSG_V2, offered = 0;
	struct {
		struct vhost_vdpa_config c;
		u8 buf[RMEM_VIRTIO_CFG_SIZE];
	} cfg;
	struct rmem_virtio_config ext;
	struct vhost_vring_state st;
	struct vhost_vring_addr addr;
	struct vhost_vring_file f;
	u32 id = 0;
	u64 feat = 0;

	h->path = path;
	h->fd = open(path, O_RDWR);
	if (h->fd < 0)
		return hx_err(h, "open: %s", strerror(errno));
	if (ioctl(h->fd, VHOST_SET_OWNER))
		return hx_err(h, "SET_OWNER: %s", strerror(errno));
	if (ioctl(h->fd, VHOST_VDPA_GET_DEVICE_ID, &id) || id != RMEM_VIRTIO_ID_BLOCK)
		return hx_err(h, "device id %u, want %u", id, RMEM_VIRTIO_ID_BLOCK);
	if (ioctl(h->fd, VHOST_GET_BACKEND_FEATURES, &offered))
		return hx_err(h, "GET_BACKEND_FEATURES: %s", strerror(errno));
	/* What QEMU acks too: suspend/resume when the device offers them. */
	bf |= offered & ((1ull << VHOST_BACKEND_F_SUSPEND) | (1ull << VHOST_BACKEND_F_RESUME));
	h->backend_features = bf;
	if (ioctl(h->fd, VHOST_SET_BACKEND_FEATURES, &bf))
		return hx_err(h, "SET_BACKEND_FEATURES: %s", strerror(errno));
	if (ioctl(h->fd, VHOST_GET_FEATURES, &feat))
		return hx_err(h, "GET_FEATURES: %s", strerror(errno));
	if ((feat & want) != want)
		return hx_err(h, "features %#" PRIx64 " lack %#" PRIx64, feat, want & ~feat);
	h->features = want;
	if (hx_status(h, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER))
		return -1;
	if (ioctl(h->fd, VHOST_SET_FEATURES, &h->features))
		return hx_err(h, "SET_FEATURES: %s", strerror(errno));
	if (hx_status(h, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
			    VIRTIO_CONFIG_S_FEATURES_OK))
		return -1;
	if (!(hx_get_status(h) & VIRTIO_CONFIG_S_FEATURES_OK))
		return hx_err(h, "device refused FEATURES_OK");

	memset(&cfg, 0, sizeof(cfg));
	cfg.c.off = 0;
	cfg.c.len = RMEM_VIRTIO_CFG_SIZE;
	if (ioctl(h->fd, VHOST_VDPA_GET_CONFIG, &cfg))
		return hx_err(h, "GET_CONFIG: %s", strerror(errno));
	memcpy(&h->capacity, cfg.c.buf, 8);
	h->capacity = le64_to_cpu(h->capacity);
	memcpy(&ext, cfg.c.buf + RMEM_VIRTIO_CFG_OFFSET, sizeof(ext));
	if (le32_to_cpu(ext.magic) != RMEM_VIRTIO_MAGIC || le16_to_cpu(ext.version) != 1)
		return hx_err(h, "extended config: magic %#x version %u", le32_to_cpu(ext.magic),
			      le16_to_cpu(ext.version));

	h->mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (h->mem == MAP_FAILED)
		return hx_err(h, "mmap: %s", strerror(errno));
	memset(h->mem, 0, MEM_SIZE);
	h->desc = 0;
	h->avail = 16 * QNUM;
	h->used = 32u << 10;
	h->bump = RING_AREA;
	/* desc + avail read-only for the device, used ring and data read-write */
	if (hx_map(h, 0, h->used, VHOST_ACCESS_RO) ||
	    hx_map(h, h->used, MEM_SIZE - h->used, VHOST_ACCESS_RW))
		return -1;

	h->kick = eventfd(0, EFD_NONBLOCK);
	h->call = eventfd(0, EFD_NONBLOCK);
	st.index = 0;
	st.num = QNUM;
	if (ioctl(h->fd, VHOST_SET_VRING_NUM, &st))
		return hx_err(h, "SET_VRING_NUM: %s", strerror(errno));
	st.num = 0;
	if (ioctl(h->fd, VHOST_SET_VRING_BASE, &st))
		return hx_err(h, "SET_VRING_BASE: %s", strerror(errno));
	memset(&addr, 0, sizeof(addr));
	addr.index = 0;
	addr.desc_user_addr = iova(h->desc);
	addr.avail_user_addr = iova(h->avail);
	addr.used_user_addr = iova(h->used);
	if (ioctl(h->fd, VHOST_SET_VRING_ADDR, &addr))
		return hx_err(h, "SET_VRING_ADDR: %s", strerror(errno));
	f.index = 0;
	f.fd = h->kick;
	if (ioctl(h->fd, VHOST_SET_VRING_KICK, &f))
		return hx_err(h, "SET_VRING_KICK: %s", strerror(errno));
	f.fd = h->call;
	if (ioctl(h->fd, VHOST_SET_VRING_CALL, &f))
		return hx_err(h, "SET_VRING_CALL: %s", strerror(errno));
	st.num = 1;
	if (ioctl(h->fd, VHOST_VDPA_SET_VRING_ENABLE, &st))
		return hx_err(h, "SET_VRING_ENABLE: %s", strerror(errno));
	if (hx_status(h, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
			    VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK))
		return -1;
	return 0;
}

static void hx_init(struct hx *h)
{
	memset(h, 0, sizeof(*h));
	h->fd = -1;
	h->kick = -1;
	h->call = -1;
}

static void hx_close(struct hx *h)
{
	if (h->fd >= 0) {
		hx_status(h, 0);
		close(h->fd);
	}
	if (h->mem && h->mem != MAP_FAILED)
		munmap(h->mem, MEM_SIZE);
	if (h->kick >= 0)
		close(h->kick);
	if (h->call >= 0)
		close(h->call);
}

static u64 hx_alloc(struct hx *h, u64 len)
{
	u64 a = (h->bump + 15) & ~15ull;

	/* Fuzzed lengths may exceed everything: give them the start, keep bump. */
	if (len > MEM_SIZE - RING_AREA)
		return RING_AREA;
	if (a + len > MEM_SIZE)
		a = RING_AREA;	/* wrap: callers never keep buffers that long */
	h->bump = a + len;
	return a;
}

static void hx_desc(struct hx *h, u16 i, u64 addr, u32 len, u16 flags, u16 next)
{
	struct rmem_vring_desc d = {
		.addr = cpu_to_le64(addr), .len = cpu_to_le32(len),
		.flags = cpu_to_le16(flags), .next = cpu_to_le16(next),
	};

	memcpy(h->mem + h->desc + 16ull * i, &d, sizeof(d));
}

static u16 hx_used_idx(struct hx *h)
{
	return le16_to_cpu(__atomic_load_n((__le16 *)(h->mem + h->used + RMEM_USED_IDX),
					   __ATOMIC_ACQUIRE));
}

/* Makes @n heads available and kicks once. */
static void hx_submit(struct hx *h, const u16 *heads, unsigned int n)
{
	u64 one = 1;
	unsigned int i;

	for (i = 0; i < n; i++) {
		__le16 v = cpu_to_le16(heads[i]);

		memcpy(h->mem + h->avail + RMEM_AVAIL_RING((h->avail_idx + i) % QNUM), &v, 2);
	}
	h->avail_idx += n;
	__atomic_store_n((__le16 *)(h->mem + h->avail + RMEM_AVAIL_IDX), cpu_to_le16(h->avail_idx),
			 __ATOMIC_RELEASE);
	if (write(h->kick, &one, 8) != 8)
		hx_err(h, "kick: %s", strerror(errno));
}

/* Waits until @n more used entries are published; fills ids/lens. */
static int hx_wait(struct hx *h, unsigned int n, u16 *ids, u32 *lens)
{
	int waited = 0;
	unsigned int i;
	u64 junk;

	while ((u16)(hx_used_idx(h) - h->used_seen) < n) {
		struct pollfd p = { .fd = h->call, .events = POLLIN };

		if (waited >= TIMEOUT_MS)
			return hx_err(h, "timeout: %u of %u answers after %d ms",
				      (u16)(hx_used_idx(h) - h->used_seen), n, waited);
		poll(&p, 1, 10);
		if (read(h->call, &junk, 8) < 0 && errno != EAGAIN)
			return hx_err(h, "call eventfd: %s", strerror(errno));
		waited += 10;
	}
	for (i = 0; i < n; i++) {
		struct rmem_vring_used_elem e;

		memcpy(&e, h->mem + h->used + RMEM_USED_RING((u16)(h->used_seen + i) % QNUM),
		       sizeof(e));
		if (ids)
			ids[i] = (u16)le32_to_cpu(e.id);
		if (lens)
			lens[i] = le32_to_cpu(e.len);
	}
	h->used_seen += n;
	return 0;
}

/*
 * Puts one well-formed request at descriptors 0..2 (header, payload at @data
 * - offset in mem, or an arbitrary IOVA when @raw - status) on the ring and
 * kicks; returns the offset of its status byte.
 */
static u64 hx_post(struct hx *h, u32 type, u64 sector, u64 data, u32 len, bool raw)
{
	struct rmem_virtio_blk_outhdr hdr = {
		.type = cpu_to_le32(type), .sector = cpu_to_le64(sector),
	};
	bool in = type == RMEM_VIRTIO_BLK_T_IN || type == RMEM_VIRTIO_BLK_T_GET_ID;
	u64 ho = hx_alloc(h, 16), so = hx_alloc(h, 1);
	u16 head = 0;

	memcpy(h->mem + ho, &hdr, 16);
	h->mem[so] = 0xee;
	hx_desc(h, 0, iova(ho), 16, RMEM_VRING_DESC_F_NEXT, 1);
	if (len) {
		hx_desc(h, 1, raw ? data : iova(data), len,
			RMEM_VRING_DESC_F_NEXT | (in ? RMEM_VRING_DESC_F_WRITE : 0), 2);
		hx_desc(h, 2, iova(so), 1, RMEM_VRING_DESC_F_WRITE, 0);
	} else {
		hx_desc(h, 1, iova(so), 1, RMEM_VRING_DESC_F_WRITE, 0);
	}
	hx_submit(h, &head, 1);
	return so;
}

/* hx_post, then waits: the status byte, or -1 when not answered. */
static int hx_rw(struct hx *h, u32 type, u64 sector, u64 data, u32 len, bool raw)
{
	u64 so = hx_post(h, type, sector, data, len, raw);
	u32 ulen;
	u16 id;

	if (hx_wait(h, 1, &id, &ulen))
		return -1;
	if (id != 0 || !ulen)
		return hx_err(h, "answer id %u len %u", id, ulen);
	return h->mem[so];
}

static void pattern(u8 *p, u32 len, u64 seed)
{
	u64 x = seed * 0x9e3779b97f4a7c15ull + 1;
	u32 i;

	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = (u8)x;
	}
}

static bool all_zero(const u8 *p, u32 len)
{
	while (len--)
		if (*p++)
			return false;
	return true;
}

#define EXPECT(h, cond, ...) \
	do { if (!(cond)) { hx_err(h, __VA_ARGS__); return -1; } } while (0)

/* ------------------------------------------------------------ io */

static int run_io(struct hx *h)
{
	const u32 blen = 64u << 10;
	u64 wbuf = hx_alloc(h, blen), rbuf = hx_alloc(h, blen);
	/* sectors spread over the disk: one write per 2 MiB chunk, at odd offsets */
	u64 step = 4096, n = h->capacity / step, i;
	char id[20];
	int st;

	EXPECT(h, n > 8, "capacity %" PRIu64 " sectors too small", h->capacity);
	for (i = 0; i < n; i++) {
		u64 sector = i * step + (i % 7) * 8 + (i & 1);

		if (sector + blen / 512 > h->capacity)
			continue;
		pattern(h->mem + wbuf, blen, sector);
		st = hx_rw(h, RMEM_VIRTIO_BLK_T_OUT, sector, wbuf, blen, false);
		EXPECT(h, st == RMEM_VIRTIO_BLK_S_OK, "write at %" PRIu64 ": status %d", sector, st);
	}
	for (i = 0; i < n; i++) {
		u64 sector = i * step + (i % 7) * 8 + (i & 1);

		if (sector + blen / 512 > h->capacity)
			continue;
		memset(h->mem + rbuf, 0x5a, blen);
		st = hx_rw(h, RMEM_VIRTIO_BLK_T_IN, sector, rbuf, blen, false);
		EXPECT(h, st == RMEM_VIRTIO_BLK_S_OK, "read at %" PRIu64 ": status %d", sector, st);
		pattern(h->mem + wbuf, blen, sector);
		EXPECT(h, !memcmp(h->mem + rbuf, h->mem + wbuf, blen),
		       "read-back at sector %" PRIu64 " differs", sector);
		/* the gap right after the pattern was never written */
		if (sector + blen / 512 + 64 <= h->capacity && i % 7 != 6) {
			st = hx_rw(h, RMEM_VIRTIO_BLK_T_IN, sector + blen / 512, rbuf, 4096, false);
			EXPECT(h, st == 0 && all_zero(h->mem + rbuf, 4096),
			       "unwritten sectors after %" PRIu64 " not zero", sector);
		}
	}
	printf("io: %" PRIu64 " patterns of %u KiB written and read back\n", n, blen >> 10);

	/*
	 * Odd-sector writes straddling every odd 1 MiB boundary (a chunk
	 * boundary at the tests' 1 MiB chunks; 2048 sectors away from the
	 * patterns above), read back whole and from 32 unwritten sectors
	 * before them: zeros, then the pattern, in one request.
	 */
	for (i = 1; (i + 1) * 2048 <= h->capacity; i += 2) {
		u64 sector = i * 2048 - 61;

		pattern(h->mem + wbuf, blen, sector);
		st = hx_rw(h, RMEM_VIRTIO_BLK_T_OUT, sector, wbuf, blen, false);
		EXPECT(h, st == RMEM_VIRTIO_BLK_S_OK, "write at %" PRIu64 ": status %d", sector, st);
	}
	for (i = 1; (i + 1) * 2048 <= h->capacity; i += 2) {
		u64 sector = i * 2048 - 61;

		pattern(h->mem + wbuf, blen, sector);
		memset(h->mem + rbuf, 0x5a, blen);
		st = hx_rw(h, RMEM_VIRTIO_BLK_T_IN, sector, rbuf, blen, false);
		EXPECT(h, st == 0 && !memcmp(h->mem + rbuf, h->mem + wbuf, blen),
		       "read-back across the boundary at sector %" PRIu64 " differs", sector + 61);
		memset(h->mem + rbuf, 0x5a, blen);
		st = hx_rw(h, RMEM_VIRTIO_BLK_T_IN, sector - 32, rbuf, blen, false);
		EXPECT(h, st == 0 && all_zero(h->mem + rbuf, 32 * 512) &&
		       !memcmp(h->mem + rbuf + 32 * 512, h->mem + wbuf, blen - 32 * 512),
		       "zeros + pattern read at sector %" PRIu64 " differs", sector - 32);
	}
	printf("io: patterns across chunk boundaries read back\n");

	/* discard everything: all reads are zeros again */
	{
		struct rmem_virtio_blk_discard d = {
			.sector = 0, .num_sectors = cpu_to_le32(RMEM_VIRTIO_MAX_DISCARD_SECTORS),
		};
		u64 s = hx_alloc(h, 16 * 32);
		unsigned int k, nseg = 0;

		for (k = 0; k < 32 && (u64)k * RMEM_VIRTIO_MAX_DISCARD_SECTORS < h->capacity; k++) {
			u64 left = h->capacity - (u64)k * RMEM_VIRTIO_MAX_DISCARD_SECTORS;

			d.sector = cpu_to_le64((u64)k * RMEM_VIRTIO_MAX_DISCARD_SECTORS);
			d.num_sectors = cpu_to_le32(left < RMEM_VIRTIO_MAX_DISCARD_SECTORS ?
						    (u32)left : RMEM_VIRTIO_MAX_DISCARD_SECTORS);
			memcpy(h->mem + s + 16 * k, &d, 16);
			nseg++;
		}
		st = hx_rw(h, RMEM_VIRTIO_BLK_T_DISCARD, 0, s, 16 * nseg, false);
		EXPECT(h, st == RMEM_VIRTIO_BLK_S_OK, "discard: status %d", st);
		st = hx_rw(h, RMEM_VIRTIO_BLK_T_IN, step + 8, rbuf, blen, false);
		EXPECT(h, st == 0 && all_zero(h->mem + rbuf, blen), "discarded data not zero");
	}

	/* GET_ID, FLUSH */
	st = hx_rw(h, RMEM_VIRTIO_BLK_T_GET_ID, 0, rbuf, 20, false);
	EXPECT(h, st == 0, "GET_ID status %d", st);
	memcpy(id, h->mem + rbuf, 20);
	printf("io: GET_ID %.20s\n", id);
	EXPECT(h, !memcmp(id, "rmem", 4), "GET_ID answer");
	st = hx_rw(h, RMEM_VIRTIO_BLK_T_FLUSH, 0, 0, 0, false);
	EXPECT(h, st == 0, "FLUSH status %d", st);

	/* translation: unmapped IOVA, our own virtual address, a read-only map */
	st = hx_rw(h, RMEM_VIRTIO_BLK_T_IN, 0, IOVA_BASE + MEM_SIZE + 4096, 4096, true);
	EXPECT(h, st == RMEM_VIRTIO_BLK_S_IOERR, "read into an unmapped IOVA: status %d", st);
	st = hx_rw(h, RMEM_VIRTIO_BLK_T_OUT, 0, (u64)(uintptr_t)(h->mem + wbuf), 4096, true);
	EXPECT(h, st == RMEM_VIRTIO_BLK_S_IOERR, "write from a user VA: status %d", st);
	st = hx_rw(h, RMEM_VIRTIO_BLK_T_IN, 0, iova(h->desc), 4096, true);
	EXPECT(h, st == RMEM_VIRTIO_BLK_S_IOERR, "read into a read-only map: status %d", st);
	st = hx_rw(h, RMEM_VIRTIO_BLK_T_IN, h->capacity, rbuf, 512, false);
	EXPECT(h, st == RMEM_VIRTIO_BLK_S_IOERR, "read past the end: status %d", st);
	printf("io: ok\n");
	return 0;
}

/* ------------------------------------------------------------ fuzz */

static u64 rnd_state;

static u64 rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static u64 rnd_below(u64 n)
{
	return n ? rnd() % n : 0;
}

/* An address for a fuzzed buffer: mostly valid data, sometimes not. */
static u64 fuzz_addr(struct hx *h, u32 len)
{
	switch (rnd_below(16)) {
	case 0:
		return IOVA_BASE + MEM_SIZE + rnd_below(1 << 20);	/* unmapped */
	case 1:
		return iova(h->desc + rnd_below(h->used));		/* read-only */
	case 2:
		return rnd();						/* anything */
	default:
		return iova(hx_alloc(h, len ? len : 1));
	}
}

static u32 fuzz_len(void)
{
	switch (rnd_below(8)) {
	case 0:
		return (u32)rnd_below(4096);
	case 1:
		return 0;
	case 2:
		return (u32)rnd();
	default:
		return 512 * (u32)(1 + rnd_below(32));
	}
}

/*
 * Builds one request in the 16 descriptors of @slot; returns its head.
 * Most are plausible virtio-blk requests with one field broken; some are
 * pure noise.  *@status gets the status byte's offset when the request is
 * well-formed enough to deserve a status (else ~0).
 */
static u16 fuzz_one(struct hx *h, unsigned int slot, u64 *status)
{
	static const u32 types[] = { 0, 1, 4, 8, 11, 13 };
	u16 base = (u16)(slot * 16), head = base;
	struct rmem_virtio_blk_outhdr hdr;
	u64 ho = hx_alloc(h, 32), so = STATUS_AREA + slot;
	unsigned int nd = 1 + (unsigned int)rnd_below(6), i;
	u32 type = rnd_below(8) ? types[rnd_below(6)] : (u32)rnd();
	bool in = type == 0 || type == 8;
	u64 sector = rnd_below(4) ? rnd_below(h->capacity + 16) : rnd();

	hdr.type = cpu_to_le32(type);
	hdr.ioprio = cpu_to_le32((u32)rnd());
	hdr.sector = cpu_to_le64(sector);
	memcpy(h->mem + ho, &hdr, 16);
	if (type == 11 || type == 13) {
		/* discard segments as the payload */
		u64 s = hx_alloc(h, 16 * 4);

		for (i = 0; i < 4; i++) {
			struct rmem_virtio_blk_discard d = {
				.sector = cpu_to_le64(rnd_below(2) ? rnd_below(h->capacity) : rnd()),
				.num_sectors = cpu_to_le32(rnd_below(4) ? (u32)rnd_below(8192) : (u32)rnd()),
				.flags = cpu_to_le32(rnd_below(4) ? 0 : (u32)rnd_below(4)),
			};
			memcpy(h->mem + s + 16 * i, &d, 16);
		}
		memcpy(h->mem + ho + 16, h->mem + s, 16);
	}
	h->mem[so] = 0xee;
	*status = so;

	/* header, nd payload descriptors, status */
	hx_desc(h, base, iova(ho), rnd_below(16) ? 16 : (u32)rnd_below(40),
		RMEM_VRING_DESC_F_NEXT, base + 1);
	for (i = 0; i < nd; i++) {
		u32 len = fuzz_len();

		hx_desc(h, base + 1 + i, fuzz_addr(h, len), len,
			RMEM_VRING_DESC_F_NEXT | (in ? RMEM_VRING_DESC_F_WRITE : 0), base + 2 + i);
	}
	hx_desc(h, base + 1 + nd, iova(so), 1, RMEM_VRING_DESC_F_WRITE, 0);

	/* chain-level mutations (1 in 4): then no status is promised */
	switch (rnd_below(20)) {
	case 0:		/* random next, may loop or leave the ring */
		hx_desc(h, base + (u16)rnd_below(nd + 2), iova(ho), 16,
			RMEM_VRING_DESC_F_NEXT, (u16)rnd());
		*status = ~0ull;
		break;
	case 1:		/* loop back to the head */
		hx_desc(h, base + 1 + nd, iova(so), 1,
			RMEM_VRING_DESC_F_WRITE | RMEM_VRING_DESC_F_NEXT, base);
		*status = ~0ull;
		break;
	case 2: {	/* indirect table with random content */
		u64 t = hx_alloc(h, 16 * 8);

		for (i = 0; i < 16 * 8; i++)
			h->mem[t + i] = (u8)rnd();
		hx_desc(h, base, iova(t), 16 * (u32)rnd_below(9),
			(u16)(RMEM_VRING_DESC_F_INDIRECT | (rnd_below(2) ? RMEM_VRING_DESC_F_NEXT : 0)),
			(u16)rnd_below(QNUM));
		*status = ~0ull;
		break;
	}
	case 3:		/* random flags on a random descriptor */
		hx_desc(h, base + (u16)rnd_below(nd + 2), fuzz_addr(h, 64), (u32)rnd_below(64),
			(u16)rnd(), base + (u16)rnd_below(16));
		*status = ~0ull;
		break;
	case 4:		/* no status descriptor at all */
		hx_desc(h, base + 1 + nd, iova(so), 1, 0, 0);
		*status = ~0ull;
		break;
	default:
		break;
	}
	return head;
}

static int run_fuzz(struct hx *h, unsigned long count, u64 seed)
{
	const unsigned int batch = QNUM / 16;
	unsigned long done = 0, answered_status = 0, no_status = 0;
	unsigned long by_status[3] = { 0 };
	u64 st_off[QNUM / 16];
	u16 heads[QNUM / 16], ids[QNUM / 16];
	u32 lens[QNUM / 16];
	u8 seen[QNUM / 16];
	unsigned int i, k;
	int st;

	rnd_state = seed ? seed : 1;
	while (done < count) {
		unsigned int n = count - done < batch ? (unsigned int)(count - done) : batch;

		for (i = 0; i < n; i++)
			heads[i] = fuzz_one(h, i, &st_off[i]);
		hx_submit(h, heads, n);
		if (hx_wait(h, n, ids, lens))
			return hx_err(h, "fuzz: requests %lu..%lu not answered (seed %" PRIu64 ")",
				      done, done + n, seed);
		memset(seen, 0, sizeof(seen));
		for (k = 0; k < n; k++) {
			/* Answers come in any order (a queue's requests end as they may). */
			for (i = 0; i < n && (seen[i] || heads[i] != ids[k]); i++)
				;
			EXPECT(h, i < n, "fuzz: answer %u has id %u, which is not outstanding", k,
			       ids[k]);
			seen[i] = 1;
			EXPECT(h, lens[k] || st_off[i] == ~0ull,
			       "fuzz: well-formed request %lu not answered with a status (seed %" PRIu64 ")",
			       done + i, seed);
			if (!lens[k]) {
				no_status++;
				continue;
			}
			answered_status++;
			if (st_off[i] != ~0ull) {
				u8 s = h->mem[st_off[i]];

				EXPECT(h, s <= 2, "fuzz: request %lu status %u (seed %" PRIu64 ")",
				       done + i, s, seed);
				by_status[s]++;
			}
		}
		done += n;
		if (hx_get_status(h) & VIRTIO_CONFIG_S_NEEDS_RESET)
			return hx_err(h, "fuzz: device needs reset after %lu requests", done);
	}
	/* the device still serves after all that */
	st = hx_rw(h, RMEM_VIRTIO_BLK_T_FLUSH, 0, 0, 0, false);
	EXPECT(h, st == RMEM_VIRTIO_BLK_S_OK, "fuzz: device dead afterwards (status %d)", st);
	printf("fuzz: %lu requests, %lu answered with a status (OK %lu, IOERR %lu, UNSUPP %lu "
	       "of the well-formed), %lu refused chains (len 0)\n",
	       done, answered_status, by_status[0], by_status[1], by_status[2], no_status);

	/* A head index out of range leaves nothing to answer: NEEDS_RESET. */
	{
		u16 bad = QNUM + 7;
		int waited;

		hx_submit(h, &bad, 1);
		for (waited = 0; waited < TIMEOUT_MS; waited += 10) {
			if (hx_get_status(h) & VIRTIO_CONFIG_S_NEEDS_RESET)
				break;
			usleep(10000);
		}
		EXPECT(h, hx_get_status(h) & VIRTIO_CONFIG_S_NEEDS_RESET,
		       "fuzz: bad head did not set NEEDS_RESET");
	}
	printf("fuzz: ok\n");
	return 0;
}

/* ------------------------------------------------------------ suspend */

/*
 * What QEMU does at every stop (and a live migration relies on): suspend,
 * read the vring base, later resume.  A suspended device must serve nothing
 * and report exactly how far it got; resumed, it serves what waited.  Also
 * enables a queue that was never configured, as QEMU does for queues the
 * guest left unused: that must be accepted quietly (the VM test checks the
 * kernel log).
 */
static int run_suspend(struct hx *h)
{
	const u32 len = 4096;
	u64 w = hx_alloc(h, len), r = hx_alloc(h, len), so;
	struct vhost_vring_state st = { .index = 0 };
	u16 used;
	int i, ret;

	EXPECT(h, h->backend_features & (1ull << VHOST_BACKEND_F_SUSPEND),
	       "device offers no VHOST_BACKEND_F_SUSPEND");
	EXPECT(h, h->backend_features & (1ull << VHOST_BACKEND_F_RESUME),
	       "device offers no VHOST_BACKEND_F_RESUME");
	pattern(h->mem + w, len, 77);
	for (i = 0; i < 3; i++)
		EXPECT(h, hx_rw(h, RMEM_VIRTIO_BLK_T_OUT, 8 * i, w, len, false) == 0, "write %d", i);
	EXPECT(h, !ioctl(h->fd, VHOST_VDPA_SUSPEND), "SUSPEND: %s", strerror(errno));
	EXPECT(h, !ioctl(h->fd, VHOST_GET_VRING_BASE, &st), "GET_VRING_BASE: %s", strerror(errno));
	EXPECT(h, st.num == h->avail_idx, "vring base %u after %u requests", st.num, h->avail_idx);

	memset(h->mem + r, 0, len);
	used = hx_used_idx(h);
	so = hx_post(h, RMEM_VIRTIO_BLK_T_IN, 8, r, len, false);
	usleep(500000);
	EXPECT(h, hx_used_idx(h) == used, "a suspended device served a request");

	EXPECT(h, !ioctl(h->fd, VHOST_VDPA_RESUME), "RESUME: %s", strerror(errno));
	ret = hx_wait(h, 1, NULL, NULL);
	EXPECT(h, !ret, "the request that waited was not served after resume");
	EXPECT(h, h->mem[so] == 0 && !memcmp(h->mem + r, h->mem + w, len),
	       "after resume: status %u, data %s", h->mem[so],
	       memcmp(h->mem + r, h->mem + w, len) ? "differs" : "ok");

	st.index = 1;
	st.num = 1;
	EXPECT(h, !ioctl(h->fd, VHOST_VDPA_SET_VRING_ENABLE, &st), "enable unconfigured queue 1: %s",
	       strerror(errno));
	EXPECT(h, hx_rw(h, RMEM_VIRTIO_BLK_T_IN, 0, r, len, false) == 0,
	       "queue 0 after enabling an unconfigured queue 1");
	printf("suspend: ok\n");
	return 0;
}

/* ------------------------------------------------------------ isolation */

static int run_isolation(struct hx *a, struct hx *b)
{
	const u32 len = 64u << 10;
	u64 wa = hx_alloc(a, len), ra = hx_alloc(a, len);
	u64 wb = hx_alloc(b, len), rb = hx_alloc(b, len);
	u64 s;
	int st;

	for (s = 0; s + len / 512 <= a->capacity && s + len / 512 <= b->capacity; s += 8192) {
		pattern(a->mem + wa, len, s * 2 + 1);
		st = hx_rw(a, RMEM_VIRTIO_BLK_T_OUT, s, wa, len, false);
		EXPECT(a, st == 0, "write at %" PRIu64 ": %d", s, st);
		/* b reads where only a wrote */
		st = hx_rw(b, RMEM_VIRTIO_BLK_T_IN, s, rb, len, false);
		EXPECT(b, st == 0 && all_zero(b->mem + rb, len), "b sees a's data at %" PRIu64, s);
		pattern(b->mem + wb, len, s * 2 + 2);
		st = hx_rw(b, RMEM_VIRTIO_BLK_T_OUT, s, wb, len, false);
		EXPECT(b, st == 0, "write at %" PRIu64 ": %d", s, st);
		st = hx_rw(a, RMEM_VIRTIO_BLK_T_IN, s, ra, len, false);
		EXPECT(a, st == 0 && !memcmp(a->mem + ra, a->mem + wa, len),
		       "a's data changed by b's write at %" PRIu64, s);
		st = hx_rw(b, RMEM_VIRTIO_BLK_T_IN, s, rb, len, false);
		EXPECT(b, st == 0 && !memcmp(b->mem + rb, b->mem + wb, len),
		       "b reads back wrong data at %" PRIu64, s);
	}
	/* b's device cannot reach a's memory: a's IOVAs are not in b's map */
	st = hx_rw(b, RMEM_VIRTIO_BLK_T_IN, 0, (u64)(uintptr_t)(a->mem + ra), 4096, true);
	EXPECT(b, st == RMEM_VIRTIO_BLK_S_IOERR, "b wrote to a's user address: %d", st);
	printf("isolation: ok\n");
	return 0;
}

int main(int argc, char **argv)
{
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
	struct hx a, b;
	int ret = 1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	hx_init(&a);
	hx_init(&b);
	/* vhost_vdpa pins what we map against RLIMIT_MEMLOCK */
	if (setrlimit(RLIMIT_MEMLOCK, &unlimited))
		perror("setrlimit(RLIMIT_MEMLOCK)");
	if (argc == 3 && !strcmp(argv[1], "open")) {
		/* Negotiation only: did the device accept FEATURES_OK and DRIVER_OK? */
		ret = hx_open(&a, argv[2]) ? 1 : 0;
		if (!ret)
			printf("%s: opened\n", argv[2]);
		hx_close(&a);
	} else if (argc == 3 && !strcmp(argv[1], "io")) {
		if (!hx_open(&a, argv[2]))
			ret = run_io(&a) ? 1 : 0;
		hx_close(&a);
	} else if (argc == 5 && !strcmp(argv[1], "fuzz")) {
		if (!hx_open(&a, argv[2]))
			ret = run_fuzz(&a, strtoul(argv[3], NULL, 0),
				       strtoull(argv[4], NULL, 0)) ? 1 : 0;
		hx_close(&a);
	} else if (argc == 3 && !strcmp(argv[1], "suspend")) {
		if (!hx_open(&a, argv[2]))
			ret = run_suspend(&a) ? 1 : 0;
		hx_close(&a);
	} else if (argc == 4 && !strcmp(argv[1], "isolation")) {
		if (!hx_open(&a, argv[2]) && !hx_open(&b, argv[3]))
			ret = run_isolation(&a, &b) ? 1 : 0;
		hx_close(&a);
		hx_close(&b);
	} else {
		fprintf(stderr, "usage: %s open DEV | io DEV | fuzz DEV COUNT SEED | isolation DEV_A DEV_B | suspend DEV\n",
			argv[0]);
		return 2;
	}
	return ret;
}
