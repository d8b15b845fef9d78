// SPDX-License-Identifier: GPL-2.0
/*
 * rmemd_pool.c - how much memory to donate, pinning it, and laying it out.
 *
 * The region is one mapping: metadata (superblock, slot table, lease table,
 * stats, owner table) then the data chunks.  Huge pages are preferred: the
 * NIC's translation tables shrink 512-fold and a chunk is physically
 * contiguous.  Without free hugetlb pages the region is ordinary anonymous
 * memory, mlock'ed so it is resident before the first host arrives (memory
 * registration pins it again; mlock makes the failure early and explicit).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "rmemd_log.h"
#include "rmemd_parse.h"
#include "rmemd_pool.h"
#include "rmem_proto.h"

#define RMEMD_SMALL_PAGE 4096ull
#define RMEMD_THP_SIZE (2ull << 20)

static int rmemd_read_meminfo(struct rmemd_meminfo *mi)
{
	char line[256];
	FILE *f;

	memset(mi, 0, sizeof(*mi));
	f = fopen("/proc/meminfo", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v;

		if (sscanf(line, "MemTotal: %llu kB", &v) == 1)
			mi->total = v << 10;
		else if (sscanf(line, "MemAvailable: %llu kB", &v) == 1)
			mi->available = v << 10;
		else if (sscanf(line, "HugePages_Free: %llu", &v) == 1)
			mi->huge_free = v;
		else if (sscanf(line, "Hugepagesize: %llu kB", &v) == 1)
			mi->huge_size = v << 10;
	}
	fclose(f);
	if (!mi->total)
		return -ENODATA;
	if (!mi->available)	/* kernels before 3.14 */
		mi->available = mi->total;
	return 0;
}

/*
 * Maps and pins the planned donation, from hugetlb pages when planned, and
 * says which it got.  A failed hugetlb map falls back to 4 KiB pages only
 * when the donation fits in available memory without them.
 */
static int rmemd_pool_map(struct rmemd_pool *pool, const struct rmemd_opts *opts,
			 const struct rmemd_meminfo *mi, const struct rmemd_pool_plan *plan)
{
	uint64_t len = plan->bytes;
	char a[32], b[32];
	void *p;
	int err;

	if (plan->huge) {
		uint64_t need = len / mi->huge_size;

		p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_POPULATE, -1, 0);
		if (p != MAP_FAILED) {
			pool->base = p;
			pool->map_len = len;
			pool->page_size = mi->huge_size;
			pool->hugetlb = true;
			rmemd_info("pinned %s in %" PRIu64 " huge pages of %s",
				  rmemd_fmt_size(len, a, sizeof(a)), need,
				  rmemd_fmt_size(mi->huge_size, b, sizeof(b)));
			return 0;
		}
		err = -errno;
		if (plan->huge_needed) {
			rmemd_err("mmap of %" PRIu64 " huge pages failed: %s; %s does not fit in available memory without them (donate less with --memory)",
				 need, strerror(-err), rmemd_fmt_size(len, a, sizeof(a)));
			return err;
		}
		rmemd_warn("mmap of %" PRIu64 " huge pages failed: %s; using mlock'ed 4 KiB pages",
			  need, strerror(-err));
	} else if (opts->no_hugepages || !mi->huge_size) {
		rmemd_info("huge pages %s; using mlock'ed 4 KiB pages",
			  opts->no_hugepages ? "disabled" : "not supported by this kernel");
	} else {
		rmemd_info("huge pages: %" PRIu64 " free (%s each), not enough for %s; using mlock'ed 4 KiB pages",
			  mi->huge_free, rmemd_fmt_size(mi->huge_size, a, sizeof(a)),
			  rmemd_fmt_size(len, b, sizeof(b)));
	}

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		err = -errno;
		rmemd_err("mmap of %s failed: %s", rmemd_fmt_size(len, a, sizeof(a)),
			 strerror(errno));
		return err;
	}
	/* Transparent huge pages still help the NIC when the kernel has them. */
	madvise(p, len, MADV_HUGEPAGE);
	if (mlock(p, len)) {
		err = -errno;
		rmemd_err("mlock of %s failed: %s (raise RLIMIT_MEMLOCK: 'ulimit -l unlimited' or LimitMEMLOCK=infinity)",
			 rmemd_fmt_size(len, a, sizeof(a)), strerror(errno));
		munmap(p, len);
		return err;
	}
	pool->base = p;
	pool->map_len = len;
	pool->page_size = RMEMD_SMALL_PAGE;
	pool->hugetlb = false;
	return 0;
}

/*
 * A boot epoch only has to differ between boots, not be secret: if the
 * kernel's generator is not ready yet (early PID 1), time and pid do.
 */
static uint64_t rmemd_new_epoch(void)
{
	struct timespec ts;
	uint64_t e = 0;

	if (getrandom(&e, sizeof(e), GRND_NONBLOCK) != (ssize_t)sizeof(e)) {
		clock_gettime(CLOCK_REALTIME, &ts);
		e = rmem_mix64((uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec);
		clock_gettime(CLOCK_MONOTONIC, &ts);
		e ^= rmem_mix64((uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 32));
	}
	return e ? e : 1;
}

static int rmemd_read_small_file(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return -ENODATA;
	buf[n] = '\0';
	return (int)n;
}

/*
 * Default donor id: stable across reboots so hosts recognise the donor
 * (machine-id, else the first real MAC address: PXE-booted appliances have
 * no machine-id), random only as a last resort.
 */
static uint32_t rmemd_default_donor_id(void)
{
	char buf[128], path[300];
	struct dirent *de;
	uint32_t id = 0;
	DIR *dir;
	int n;

	n = rmemd_read_small_file("/etc/machine-id", buf, sizeof(buf));
	if (n > 8)
		id = rmem_crc32c(0, buf, (size_t)n);
	if (!id && (dir = opendir("/sys/class/net"))) {
		while (!id && (de = readdir(dir))) {
			if (de->d_name[0] == '.' || !strcmp(de->d_name, "lo"))
				continue;
			snprintf(path, sizeof(path), "/sys/class/net/%s/address", de->d_name);
			n = rmemd_read_small_file(path, buf, sizeof(buf));
			if (n > 0 && strncmp(buf, "00:00:00:00:00:00", 17))
				id = rmem_crc32c(0, buf, (size_t)n);
		}
		closedir(dir);
	}
	while (!id)
		id = (uint32_t)rmemd_new_epoch();
	return id;
}

int rmemd_pool_create(struct rmemd_pool *pool, const struct rmemd_opts *opts)
{
	char a[32], b[32], c[32];
	struct rmemd_meminfo mi;
	struct rmemd_pool_plan plan;
	struct rmem_layout *l = &pool->layout;
	uint64_t data_align;
	char msg[256];
	uint8_t *base;
	int err;

	memset(pool, 0, sizeof(*pool));
	err = rmemd_read_meminfo(&mi);
	if (err) {
		rmemd_err("cannot read /proc/meminfo: %s", strerror(-err));
		return err;
	}
	err = rmemd_pool_plan(opts, &mi, &plan, msg, sizeof(msg));
	if (err) {
		rmemd_err("%s", msg);
		return err;
	}
	err = rmemd_pool_map(pool, opts, &mi, &plan);
	if (err)
		return err;

	/* Chunks start on a backing-page boundary: huge page, or THP size. */
	data_align = pool->hugetlb ? pool->page_size :
		     (1ull << opts->chunk_shift) < RMEMD_THP_SIZE ?
		     RMEMD_SMALL_PAGE : RMEMD_THP_SIZE;
	err = rmem_layout_compute(l, pool->map_len, opts->chunk_shift, opts->slots,
				  data_align);
	if (err) {
		rmemd_err("%s cannot hold the tables and one %s chunk",
			 rmemd_fmt_size(pool->map_len, a, sizeof(a)),
			 rmemd_fmt_size(1ull << opts->chunk_shift, b, sizeof(b)));
		goto out_unmap;
	}

	base = pool->base;
	pool->sb = (struct rmem_wire_superblock *)base;
	pool->slots = (struct rmem_wire_slot *)(base + l->slot_off);
	pool->leases = (struct rmem_wire_lease *)(base + l->lease_off);
	pool->stats = (struct rmem_wire_stats *)(base + l->stats_off);
	pool->owners = (__le64 *)(base + l->owner_off);
	pool->data = base + l->data_off;
	pool->epoch = rmemd_new_epoch();
	pool->donor_id = opts->donor_id_set ? opts->donor_id : rmemd_default_donor_id();
	pool->lease_timeout_ms = opts->lease_timeout_ms;
	pool->window_words = RMEM_WINDOW_WORDS_DEFAULT;

	/* Fresh anonymous memory is zero: every owner word free, every slot free. */
	rmem_sb_encode(pool->sb, l, pool->donor_id, pool->epoch, pool->lease_timeout_ms,
		       pool->window_words, (uint64_t)time(NULL));
	pool->stats->chunks_total = cpu_to_le64(l->chunk_count);

	rmemd_info("donor %u epoch %016" PRIx64 ": %" PRIu64 " chunks of %s (%s data, %s metadata), %u lease slots, lease timeout %u ms",
		  pool->donor_id, pool->epoch, l->chunk_count,
		  rmemd_fmt_size(1ull << l->chunk_shift, a, sizeof(a)),
		  rmemd_fmt_size(l->data_len, b, sizeof(b)),
		  rmemd_fmt_size(l->meta_len, c, sizeof(c)), l->slot_count,
		  pool->lease_timeout_ms);
	return 0;

out_unmap:
	munmap(pool->base, pool->map_len);
	pool->base = NULL;
	return err;
}

void rmemd_pool_destroy(struct rmemd_pool *pool)
{
	if (!pool->base)
		return;
	munmap(pool->base, pool->map_len);
	pool->base = NULL;
}
