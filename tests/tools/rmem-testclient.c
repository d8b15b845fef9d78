// SPDX-License-Identifier: GPL-2.0
/*
 * rmem-testclient - drives an rmem donor through librmemclient for the VM
 * tests and the benchmark.  One subcommand per scenario step; each prints
 * what it did and measured, and exits non-zero with a one-line reason on
 * failure:
 *
 *   0 ok   1 failure   2 usage   3 donor epoch changed (all chunks lost)
 *   4 donor full (ENOSPC)   5 free refused (not the owner)
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rmemc.h"

#define EXIT_USAGE 2
#define EXIT_EPOCH 3
#define EXIT_FULL 4
#define EXIT_REFUSED 5

/* Everything a subcommand may be told; one struct, filled by getopt. */
struct tc {
	const char *addr;
	uint16_t port;
	int timeout_ms;
	uint64_t host_id;
	uint64_t dev;		/* device id */
	uint64_t chunks;	/* -n */
	bool chunks_set;	/* -n given: race stops there instead of at ENOSPC */
	uint64_t first;		/* first vchunk */
	uint64_t seed;
	uint64_t size;		/* I/O block size */
	uint64_t iters;
	uint64_t chunk;		/* free: chunk index */
	uint64_t owner;		/* free: owner word */
	int renew_ms;
	int seconds;
	int spin_us;		/* 0: library default */
	const char *state;
	const char *start_file;
	const char *mode;
	const char *ops;
	const char *key_file;	/* --key-file: NULL, the library's default */
	bool insecure;		/* --insecure: prove no key */
	bool quiet;
	bool all;
	bool owners, slots, stats;
	struct rmemc_conn *conn;
};

static void die_usage(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

static void die_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "rmem-testclient: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see rmem-testclient help)\n");
	exit(EXIT_USAGE);
}

/* Prints "rmem-testclient <cmd>: <msg>" to stderr, returns @code. */
static int fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(int code, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "rmem-testclient: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* The library's connect options from the common ones. */
static void conn_opts(const struct tc *t, struct rmemc_opts *o)
{
	memset(o, 0, sizeof(*o));
	/* A client serves one device: say which, so the donor can revoke it alone. */
	o->host_id = t->host_id ? t->host_id : t->dev;
	o->timeout_ms = t->timeout_ms;
	o->spin_us = t->spin_us;
	o->key_file = t->key_file;
	o->insecure = t->insecure;
}

static int do_connect(struct tc *t)
{
	struct rmemc_opts o;
	char err[400];
	int ret;

	conn_opts(t, &o);
	ret = rmemc_connect(t->addr, t->port, &o, &t->conn, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "rmem-testclient: connect to %s:%u: %s\n", t->addr, t->port, err);
		return ret;
	}
	return 0;
}

/* ------------------------------------------------------------- patterns */

/* Deterministic bytes for (seed, vchunk, offset): a page-sized xorshift stream. */
static void pattern(uint8_t *buf, size_t len, uint64_t seed, uint64_t vchunk, uint64_t off)
{
	uint64_t x = rmem_mix64(seed * 0x9e3779b97f4a7c15ull ^ rmem_mix64(vchunk) ^ (off << 1)) | 1;
	size_t i;

	for (i = 0; i < len; i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(buf + i, &x, len - i < 8 ? len - i : 8);
	}
}

/* Offsets of the blocks written per chunk: first, middle, last. */
static int block_offsets(const struct rmem_desc *d, uint64_t size, uint64_t off[3])
{
	uint64_t cs = 1ull << d->chunk_shift;

	if (size == 0 || size > cs)
		return -EINVAL;
	off[0] = 0;
	off[1] = (cs / 2) / size * size;
	off[2] = cs - size;
	return 0;
}

static int write_chunk(struct tc *t, const struct rmemc_handle *h, uint64_t vchunk, uint8_t *buf)
{
	uint64_t off[3];
	int i, ret;

	if (block_offsets(rmemc_conn_desc(t->conn), t->size, off))
		return fail(EXIT_USAGE, "--size %" PRIu64 " does not fit a chunk", t->size);
	for (i = 0; i < 3; i++) {
		pattern(buf, t->size, t->seed, vchunk, off[i]);
		ret = rmemc_write(t->conn, h, off[i], buf, t->size);
		if (ret)
			return fail(1, "write of chunk %" PRIu64 " at %" PRIu64 ": %s", h->chunk,
				    off[i], rmemc_errmsg(t->conn));
	}
	return 0;
}

static int verify_chunk(struct tc *t, const struct rmemc_handle *h, uint64_t vchunk,
			uint8_t *buf, uint8_t *want)
{
	uint64_t off[3], j;
	int i, ret;

	if (block_offsets(rmemc_conn_desc(t->conn), t->size, off))
		return fail(EXIT_USAGE, "--size %" PRIu64 " does not fit a chunk", t->size);
	for (i = 0; i < 3; i++) {
		pattern(want, t->size, t->seed, vchunk, off[i]);
		memset(buf, 0, t->size);
		ret = rmemc_read(t->conn, h, off[i], buf, t->size);
		if (ret)
			return fail(1, "read of chunk %" PRIu64 " at %" PRIu64 ": %s", h->chunk,
				    off[i], rmemc_errmsg(t->conn));
		if (memcmp(buf, want, t->size)) {
			for (j = 0; j < t->size && buf[j] == want[j]; j++)
				;
			return fail(1, "chunk %" PRIu64 " (vchunk %" PRIu64 ") differs at byte %"
				    PRIu64 " of the block at %" PRIu64 ": got %02x want %02x",
				    h->chunk, vchunk, j, off[i], buf[j], want[j]);
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- map */

/* A device's chunks as rebuilt from the owner table, indexed by vchunk. */
struct chunk_map {
	struct rmemc_handle *h;
	bool *present;
	uint64_t n;		/* vchunks tracked: 0 .. n-1 */
	uint64_t found;		/* words of the device, any vchunk */
	uint64_t dup;		/* vchunks owned twice */
	uint64_t beyond;	/* vchunks >= n */
};

static int map_add(void *arg, const struct rmemc_handle *h, uint64_t vchunk)
{
	struct chunk_map *m = arg;

	m->found++;
	if (vchunk >= m->n) {
		m->beyond++;
		return 0;
	}
	if (m->present[vchunk])
		m->dup++;
	m->present[vchunk] = true;
	m->h[vchunk] = *h;
	return 0;
}

static int map_build(struct rmemc_dev *d, struct chunk_map *m, uint64_t n)
{
	memset(m, 0, sizeof(*m));
	m->n = n;
	m->h = calloc(n ? n : 1, sizeof(*m->h));
	m->present = calloc(n ? n : 1, sizeof(*m->present));
	if (!m->h || !m->present)
		return -ENOMEM;
	return rmemc_dev_scan(d, map_add, m);
}

static void map_free(struct chunk_map *m)
{
	free(m->h);
	free(m->present);
}

/* ------------------------------------------------------------- commands */

static int cmd_info(struct tc *t)
{
	const struct rmem_desc *d = rmemc_conn_desc(t->conn);
	struct rmemc_stats st;

	printf("donor %u epoch %016" PRIx64 " via %s\n", d->donor_id, d->epoch,
	       rmemc_conn_device(t->conn));
	printf("chunks %" PRIu64 " chunk_size %llu slots %u window %u lease_timeout_ms %u\n",
	       d->chunk_count, 1ull << d->chunk_shift, d->slot_count, d->window_words,
	       d->lease_timeout_ms);
	printf("meta 0x%" PRIx64 "+%" PRIu64 " rkey 0x%x lease_rkey 0x%x data 0x%" PRIx64
	       " rkey 0x%x\n", d->meta_addr, d->meta_len, d->meta_rkey, d->lease_rkey,
	       d->data_addr, d->data_rkey);
	if (rmemc_read_stats(t->conn, &st))
		return fail(1, "info: %s", rmemc_errmsg(t->conn));
	printf("uptime_ms %" PRIu64 " used %" PRIu64 "/%" PRIu64 " hosts %u slots_used %u\n",
	       st.uptime_ms, st.chunks_used, st.chunks_total, st.hosts_connected, st.slots_used);
	return 0;
}

static int cmd_dump(struct tc *t)
{
	const struct rmem_desc *d = rmemc_conn_desc(t->conn);
	bool all = !t->owners && !t->slots && !t->stats;
	uint64_t i, used = 0, *w;
	struct rmemc_slot_info *s;
	struct rmemc_stats st;

	if (all || t->stats) {
		if (rmemc_read_stats(t->conn, &st))
			return fail(1, "dump: %s", rmemc_errmsg(t->conn));
		printf("stats uptime_ms %" PRIu64 "\n", st.uptime_ms);
		printf("stats chunks_total %" PRIu64 "\n", st.chunks_total);
		printf("stats chunks_used %" PRIu64 "\n", st.chunks_used);
		printf("stats hosts_connected %u\n", st.hosts_connected);
		printf("stats slots_used %u\n", st.slots_used);
		printf("stats leases_expired %" PRIu64 "\n", st.leases_expired);
		printf("stats reaper_chunks_freed %" PRIu64 "\n", st.reaper_chunks_freed);
		printf("stats connects_accepted %" PRIu64 "\n", st.connects_accepted);
		printf("stats connects_rejected %" PRIu64 "\n", st.connects_rejected);
		printf("stats refused_not_allowed %" PRIu64 "\n", st.refused_not_allowed);
		printf("stats refused_auth %" PRIu64 "\n", st.refused_auth);
		printf("stats auth_accepted %" PRIu64 "\n", st.auth_accepted);
		printf("stats conns_revoked %" PRIu64 "\n", st.conns_revoked);
		printf("stats challenges_refused %" PRIu64 "\n", st.challenges_refused);
		printf("stats cpu_time_us %" PRIu64 "\n", st.cpu_time_us);
		printf("stats refreshes %" PRIu64 "\n", st.refreshes);
	}
	if (all || t->slots) {
		s = calloc(d->slot_count, sizeof(*s));
		if (!s || rmemc_read_slots(t->conn, 0, d->slot_count, s)) {
			free(s);
			return fail(1, "dump: %s", s ? rmemc_errmsg(t->conn) : "out of memory");
		}
		for (i = 0; i < d->slot_count; i++)
			if (s[i].device_id)
				printf("slot %" PRIu64 " device %" PRIu64 " gen %" PRIu64 " lease %" PRIu64
				       "\n", i, s[i].device_id, s[i].generation, s[i].lease_counter);
		free(s);
	}
	if (all || t->owners) {
		w = calloc(d->chunk_count, sizeof(*w));
		if (!w || rmemc_read_owners(t->conn, 0, d->chunk_count, w)) {
			free(w);
			return fail(1, "dump: %s", w ? rmemc_errmsg(t->conn) : "out of memory");
		}
		for (i = 0; i < d->chunk_count; i++) {
			struct rmem_owner o;

			if (!w[i])
				continue;
			used++;
			if (rmem_owner_decode(w[i], &o))
				printf("chunk %" PRIu64 " owner 0x%016" PRIx64 " INVALID\n", i, w[i]);
			else
				printf("chunk %" PRIu64 " owner 0x%016" PRIx64 " slot %u gen %u vchunk %"
				       PRIu64 "\n", i, w[i], o.slot, o.gen, (uint64_t)o.vchunk);
		}
		printf("owners used %" PRIu64 " free %" PRIu64 " total %" PRIu64 "\n", used,
		       d->chunk_count - used, d->chunk_count);
		free(w);
	}
	return 0;
}

static int attach(struct tc *t, unsigned int flags, struct rmemc_dev **d)
{
	int ret = rmemc_dev_attach(t->conn, t->dev, flags, d);

	if (ret)
		return fail(ret == -ENOSPC ? EXIT_FULL : 1, "attach device %" PRIu64 ": %s", t->dev,
			    rmemc_errmsg(t->conn));
	if (!t->quiet)
		printf("device %" PRIu64 " slot %u gen %" PRIu64 "%s\n", t->dev, rmemc_dev_slot(*d),
		       rmemc_dev_generation(*d), rmemc_dev_adopted(*d) ? " (adopted)" : "");
	return 0;
}

static int alloc_one(struct tc *t, struct rmemc_dev *d, uint64_t v, struct rmemc_handle *h)
{
	int ret = rmemc_alloc(d, v, h);

	if (ret == -ENOSPC)
		return fail(EXIT_FULL, "alloc of vchunk %" PRIu64 ": %s", v, rmemc_errmsg(t->conn));
	if (ret)
		return fail(1, "alloc of vchunk %" PRIu64 ": %s", v, rmemc_errmsg(t->conn));
	return 0;
}

/* alloc, write, read back, check the table, free, check the table again. */
static int cmd_basic(struct tc *t)
{
	const struct rmem_desc *desc = rmemc_conn_desc(t->conn);
	uint8_t *buf = malloc(t->size), *want = malloc(t->size);
	struct rmemc_handle *h = calloc(t->chunks ? t->chunks : 1, sizeof(*h));
	uint64_t *w = calloc(desc->chunk_count, sizeof(*w)), i, j;
	struct rmemc_dev_counters ctr;
	struct rmemc_dev *d = NULL;
	uint64_t t0, freed = 0;
	int ret;

	if (!buf || !want || !h || !w) {
		ret = fail(1, "basic: out of memory");
		goto out;
	}
	ret = attach(t, RMEMC_ATTACH_NEW, &d);
	if (ret)
		goto out;
	t0 = now_ns();
	for (i = 0; i < t->chunks; i++) {
		ret = alloc_one(t, d, i, &h[i]);
		if (ret)
			goto out_detach;
		for (j = 0; j < i; j++)
			if (h[j].chunk == h[i].chunk) {
				ret = fail(1, "chunk %" PRIu64 " handed out twice", h[i].chunk);
				goto out_detach;
			}
	}
	for (i = 0; i < t->chunks; i++) {
		ret = write_chunk(t, &h[i], i, buf);
		if (ret)
			goto out_detach;
	}
	for (i = 0; i < t->chunks; i++) {
		ret = verify_chunk(t, &h[i], i, buf, want);
		if (ret)
			goto out_detach;
	}
	printf("basic: %" PRIu64 " chunks allocated, %" PRIu64 " blocks of %" PRIu64
	       " bytes written and read back byte-exact\n", t->chunks, 3 * t->chunks, t->size);
	/* The owner table must name exactly our chunks. */
	if (rmemc_read_owners(t->conn, 0, desc->chunk_count, w)) {
		ret = fail(1, "basic: %s", rmemc_errmsg(t->conn));
		goto out_detach;
	}
	for (i = 0; i < t->chunks; i++)
		if (w[h[i].chunk] != h[i].owner) {
			ret = fail(1, "owner word of chunk %" PRIu64 " is %016" PRIx64 ", expected %016"
				   PRIx64, h[i].chunk, w[h[i].chunk], h[i].owner);
			goto out_detach;
		}
	for (i = 0; i < t->chunks; i++) {
		ret = rmemc_free(d, &h[i]);
		if (ret) {
			ret = fail(1, "free of chunk %" PRIu64 ": %s", h[i].chunk, rmemc_errmsg(t->conn));
			goto out_detach;
		}
	}
	/* A second free of the same handle must be refused. */
	if (t->chunks && rmemc_free(d, &h[0]) != -EPERM) {
		ret = fail(1, "double free of chunk %" PRIu64 " was not refused", h[0].chunk);
		goto out_detach;
	}
	if (rmemc_read_owners(t->conn, 0, desc->chunk_count, w)) {
		ret = fail(1, "basic: %s", rmemc_errmsg(t->conn));
		goto out_detach;
	}
	for (i = 0; i < t->chunks; i++)
		if (w[h[i].chunk]) {
			ret = fail(1, "chunk %" PRIu64 " still owned (%016" PRIx64 ") after free",
				   h[i].chunk, w[h[i].chunk]);
			goto out_detach;
		}
	rmemc_dev_get_counters(d, &ctr);
	printf("basic: freed %" PRIu64 " chunks, owner words are 0 again; %" PRIu64
	       " window reads, %" PRIu64 " CAS conflicts, %.1f ms\n", t->chunks,
	       ctr.window_reads, ctr.cas_conflicts, (double)(now_ns() - t0) / 1e6);
	ret = 0;
out_detach:
	if (rmemc_dev_detach(d, &freed) && !ret)
		ret = fail(1, "detach: %s", rmemc_errmsg(t->conn));
	else if (freed && !ret)
		ret = fail(1, "detach found %" PRIu64 " chunks left over", freed);
out:
	free(w);
	free(h);
	free(want);
	free(buf);
	return ret;
}

static int cmd_alloc(struct tc *t)
{
	struct rmemc_handle h;
	struct rmemc_dev *d;
	uint64_t v;
	int ret;

	ret = attach(t, 0, &d);
	if (ret)
		return ret;
	for (v = t->first; v < t->first + t->chunks; v++) {
		ret = alloc_one(t, d, v, &h);
		if (ret)
			break;
		printf("chunk %" PRIu64 " vchunk %" PRIu64 " owner 0x%016" PRIx64 "\n", h.chunk, v,
		       h.owner);
	}
	rmemc_dev_close(d);	/* no detach: the chunks stay while the lease lives */
	return ret;
}

static int cmd_free(struct tc *t)
{
	struct rmemc_handle h = { .chunk = t->chunk, .owner = t->owner };
	struct rmemc_dev *d;
	int ret;

	h.epoch = rmemc_conn_desc(t->conn)->epoch;
	ret = attach(t, 0, &d);
	if (ret)
		return ret;
	ret = rmemc_free(d, &h);
	if (ret == -EPERM)
		ret = fail(EXIT_REFUSED, "free refused: %s", rmemc_errmsg(t->conn));
	else if (ret)
		ret = fail(1, "free: %s", rmemc_errmsg(t->conn));
	else
		printf("freed chunk %" PRIu64 "\n", t->chunk);
	rmemc_dev_close(d);
	return ret;
}

static int cmd_detach(struct tc *t)
{
	struct rmemc_dev *d;
	uint64_t freed = 0;
	int ret;

	ret = rmemc_dev_attach(t->conn, t->dev, RMEMC_ATTACH_EXISTING, &d);
	if (ret)
		return fail(1, "detach device %" PRIu64 ": %s", t->dev, rmemc_errmsg(t->conn));
	ret = rmemc_dev_detach(d, &freed);
	if (ret)
		return fail(1, "detach device %" PRIu64 ": %s", t->dev, rmemc_errmsg(t->conn));
	printf("detached device %" PRIu64 ": freed %" PRIu64 " chunks\n", t->dev, freed);
	return 0;
}

static int save_state(struct tc *t, struct rmemc_dev *d, const struct rmemc_handle *h, uint64_t n)
{
	const struct rmem_desc *desc = rmemc_conn_desc(t->conn);
	FILE *f = fopen(t->state, "w");
	uint64_t i;

	if (!f)
		return fail(1, "cannot write %s: %s", t->state, strerror(errno));
	fprintf(f, "epoch %" PRIu64 "\ndonor %u\ndevice %" PRIu64 "\nslot %u\ngen %" PRIu64
		"\nseed %" PRIu64 "\nsize %" PRIu64 "\n", desc->epoch, desc->donor_id, t->dev,
		rmemc_dev_slot(d), rmemc_dev_generation(d), t->seed, t->size);
	for (i = 0; i < n; i++)
		fprintf(f, "chunk %" PRIu64 " vchunk %" PRIu64 " owner %" PRIu64 "\n", h[i].chunk, i,
			h[i].owner);
	if (fclose(f))
		return fail(1, "cannot write %s: %s", t->state, strerror(errno));
	return 0;
}

/* Writes patterns into vchunks 0..n-1, reusing chunks the device already has. */
static int cmd_write(struct tc *t)
{
	uint8_t *buf = malloc(t->size);
	struct rmemc_handle *h = calloc(t->chunks ? t->chunks : 1, sizeof(*h));
	struct chunk_map m = { 0 };
	struct rmemc_dev *d;
	uint64_t v, fresh = 0;
	int ret;

	if (!buf || !h) {
		free(buf);
		free(h);
		return fail(1, "write: out of memory");
	}
	ret = attach(t, 0, &d);
	if (ret)
		goto out;
	if (map_build(d, &m, t->chunks)) {
		ret = fail(1, "write: rebuilding the map: %s", rmemc_errmsg(t->conn));
		goto out_close;
	}
	for (v = 0; v < t->chunks; v++) {
		if (m.present[v]) {
			h[v] = m.h[v];
		} else {
			ret = alloc_one(t, d, v, &h[v]);
			if (ret)
				goto out_close;
			fresh++;
		}
		ret = write_chunk(t, &h[v], v, buf);
		if (ret)
			goto out_close;
	}
	printf("write: %" PRIu64 " chunks (%" PRIu64 " new) hold seed %" PRIu64 " patterns\n",
	       t->chunks, fresh, t->seed);
	if (t->state)
		ret = save_state(t, d, h, t->chunks);
out_close:
	map_free(&m);
	rmemc_dev_close(d);
out:
	free(h);
	free(buf);
	return ret;
}

static int verify_device(struct tc *t, struct rmemc_dev *d, uint64_t n)
{
	uint8_t *buf = malloc(t->size), *want = malloc(t->size);
	struct chunk_map m = { 0 };
	uint64_t v;
	int ret = 0;

	if (!buf || !want) {
		ret = fail(1, "verify: out of memory");
		goto out;
	}
	if (map_build(d, &m, n)) {
		ret = fail(1, "verify: rebuilding the map: %s", rmemc_errmsg(t->conn));
		goto out;
	}
	if (m.dup) {
		ret = fail(1, "verify: %" PRIu64 " vchunks owned twice", m.dup);
		goto out;
	}
	for (v = 0; v < n; v++) {
		if (!m.present[v]) {
			ret = fail(1, "verify: vchunk %" PRIu64 " not in the owner table", v);
			goto out;
		}
		ret = verify_chunk(t, &m.h[v], v, buf, want);
		if (ret)
			goto out;
	}
	printf("verify: device %" PRIu64 " map rebuilt from the owner table (%" PRIu64
	       " chunks), %" PRIu64 " chunks byte-exact\n", t->dev, m.found, n);
out:
	map_free(&m);
	free(want);
	free(buf);
	return ret;
}

static int cmd_verify(struct tc *t)
{
	struct rmemc_dev *d;
	int ret;

	ret = attach(t, RMEMC_ATTACH_EXISTING, &d);
	if (ret)
		return ret;
	ret = verify_device(t, d, t->chunks);
	rmemc_dev_close(d);
	return ret;
}

struct saved {
	uint64_t epoch, device, seed, size, n;
	struct rmemc_handle h[4096];
};

static int load_state(const char *path, struct saved *s)
{
	char key[32];
	uint64_t a, b, c;
	FILE *f = fopen(path, "r");

	if (!f)
		return fail(1, "cannot read %s: %s", path, strerror(errno));
	memset(s, 0, sizeof(*s));
	while (fscanf(f, "%31s %" SCNu64, key, &a) == 2) {
		if (!strcmp(key, "epoch"))
			s->epoch = a;
		else if (!strcmp(key, "device"))
			s->device = a;
		else if (!strcmp(key, "seed"))
			s->seed = a;
		else if (!strcmp(key, "size"))
			s->size = a;
		else if (!strcmp(key, "chunk") &&
			 fscanf(f, " vchunk %" SCNu64 " owner %" SCNu64, &b, &c) == 2 &&
			 s->n < 4096 && b == s->n) {
			s->h[s->n].chunk = a;
			s->h[s->n].owner = c;
			s->h[s->n].epoch = s->epoch;
			s->n++;
		}
	}
	fclose(f);
	if (!s->epoch || !s->device || !s->size)
		return fail(1, "%s is not a state file written by 'write --state'", path);
	return 0;
}

/*
 * After a donor restart the reconnect must say "all chunks lost" and refuse
 * the old handles; with the same donor boot it must find the same chunks
 * through the owner table and read the same bytes.
 */
static int cmd_reconnect(struct tc *t)
{
	static struct saved s;
	struct rmemc_dev *d;
	uint8_t buf[64];
	uint64_t i;
	int ret;

	ret = load_state(t->state, &s);
	if (ret)
		return ret;
	/* Connected as the device the state names: its donor revokes it by that id. */
	t->dev = s.device;
	ret = do_connect(t);
	if (ret)
		return ret;
	ret = rmemc_check_epoch(t->conn, s.epoch);
	if (ret == -ESTALE) {
		printf("reconnect: %s\n", rmemc_errmsg(t->conn));
		for (i = 0; i < s.n; i++) {
			ret = rmemc_read(t->conn, &s.h[i], 0, buf, sizeof(buf));
			if (ret != -ESTALE)
				return fail(1, "BUG: old handle of chunk %" PRIu64 " was served (ret %d)",
					    s.h[i].chunk, ret);
		}
		printf("reconnect: all %" PRIu64 " old handles refused: %s\n", s.n,
		       s.n ? rmemc_errmsg(t->conn) : "none");
		return EXIT_EPOCH;
	}
	printf("reconnect: same donor boot (epoch %016" PRIx64 ")\n", s.epoch);
	t->seed = s.seed;
	t->size = s.size;
	ret = attach(t, RMEMC_ATTACH_EXISTING, &d);
	if (ret)
		return ret;
	ret = verify_device(t, d, s.n);
	rmemc_dev_close(d);
	return ret;
}

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* Allocates and fills chunks, then renews the lease until killed. */
static int cmd_hold(struct tc *t)
{
	uint8_t *buf = malloc(t->size);
	struct rmemc_handle h;
	struct rmemc_dev *d;
	uint64_t v, renewals = 0, deadline = 0;
	int ret, period;

	if (!buf)
		return fail(1, "hold: out of memory");
	ret = attach(t, RMEMC_ATTACH_NEW, &d);
	if (ret)
		goto out;
	for (v = 0; v < t->chunks; v++) {
		ret = alloc_one(t, d, v, &h);
		if (!ret)
			ret = write_chunk(t, &h, v, buf);
		if (ret)
			goto out_close;
		printf("chunk %" PRIu64 " vchunk %" PRIu64 " owner 0x%016" PRIx64 "\n", h.chunk, v,
		       h.owner);
	}
	period = t->renew_ms > 0 ? t->renew_ms :
		 (int)rmemc_conn_desc(t->conn)->lease_timeout_ms / 4;
	printf("holding device %" PRIu64 " slot %u chunks %" PRIu64 " renew_ms %d\n", t->dev,
	       rmemc_dev_slot(d), t->chunks, period);
	fflush(stdout);
	signal(SIGTERM, on_stop);
	signal(SIGINT, on_stop);
	if (t->seconds > 0)
		deadline = now_ns() + (uint64_t)t->seconds * 1000000000ull;
	while (!stop_requested && (!deadline || now_ns() < deadline)) {
		sleep_ms(period);
		if (t->renew_ms < 0)
			continue;	/* --renew-ms -1: hold without renewing */
		ret = rmemc_lease_renew(d);
		if (ret) {
			ret = fail(1, "hold: renewal %" PRIu64 " failed: %s", renewals + 1,
				   rmemc_errmsg(t->conn));
			goto out_close;
		}
		renewals++;
	}
	printf("hold: stopped after %" PRIu64 " renewals\n", renewals);
	ret = 0;
out_close:
	rmemc_dev_close(d);
out:
	free(buf);
	return ret;
}

/* Allocates until the donor is full; prints every chunk it got. */
static int cmd_race(struct tc *t)
{
	uint64_t cap = rmemc_conn_desc(t->conn)->chunk_count, n = 0, i, max;
	struct rmemc_dev_counters ctr;
	uint8_t *seen = calloc(cap, 1);
	struct rmemc_handle h;
	struct rmemc_dev *d;
	int ret, waited = 0;

	if (!seen)
		return fail(1, "race: out of memory");
	ret = attach(t, RMEMC_ATTACH_NEW, &d);
	if (ret)
		goto out;
	/* Everyone connects first, then the script releases them together. */
	while (t->start_file && access(t->start_file, F_OK) && waited < 120000) {
		sleep_ms(5);
		waited += 5;
	}
	max = t->chunks_set ? t->chunks : cap + 1;
	for (i = 0; i < max; i++) {
		ret = rmemc_alloc(d, i, &h);
		if (ret == -ENOSPC)
			break;
		if (ret) {
			ret = fail(1, "race: alloc %" PRIu64 ": %s", i, rmemc_errmsg(t->conn));
			goto out_close;
		}
		if (h.chunk >= cap || seen[h.chunk]) {
			ret = fail(1, "race: chunk %" PRIu64 " handed to us twice", h.chunk);
			goto out_close;
		}
		seen[h.chunk] = 1;
		n++;
		printf("got chunk %" PRIu64 " vchunk %" PRIu64 " slot %u\n", h.chunk, i,
		       rmemc_dev_slot(d));
	}
	rmemc_dev_get_counters(d, &ctr);
	printf("race: device %" PRIu64 " slot %u got %" PRIu64 " chunks, %s; %" PRIu64
	       " window reads, %" PRIu64 " CAS conflicts\n", t->dev, rmemc_dev_slot(d), n,
	       ret == -ENOSPC ? "then ENOSPC" : "stopped at --chunks", ctr.window_reads,
	       ctr.cas_conflicts);
	ret = (ret == -ENOSPC || i == max) ? 0 : 1;
out_close:
	rmemc_dev_close(d);
out:
	free(seen);
	return ret;
}

/* ---------------------------------------------------------- bad connect */

/* Sends crafted connect private data; passes if rejected with @expect. */
static int cmd_bad_connect(struct tc *t)
{
	static const struct {
		const char *mode;
		unsigned int expect;
	} modes[] = {
		{ "magic", RMEM_REJ_BAD_MAGIC },     { "version", RMEM_REJ_BAD_VERSION },
		{ "garbage", RMEM_REJ_BAD_MAGIC },   { "truncated", RMEM_REJ_MALFORMED },
		{ "empty", RMEM_REJ_BAD_MAGIC },     { "length", RMEM_REJ_MALFORMED },
		{ "checksum", RMEM_REJ_MALFORMED },  { "flags", RMEM_REJ_MALFORMED },
	};
	struct rmem_connect_req req = { .version = RMEM_WIRE_VERSION, .host_id = 0xbad };
	struct rmemc_opts o = { .timeout_ms = t->timeout_ms, .raw_private_data_set = true };
	uint8_t pd[RMEM_CM_REQ_PRIV_MAX];
	const size_t n = sizeof(struct rmem_wire_connect);
	unsigned int expect = 0;
	struct rmemc_conn *c = NULL;
	uint64_t x = 0x5eed;
	char err[400];
	size_t i, len = n;
	__le32 chk;
	int ret;

	for (i = 0; i < RMEM_ARRAY_SIZE(modes); i++)
		if (t->mode && !strcmp(t->mode, modes[i].mode))
			expect = modes[i].expect;
	if (!expect)
		die_usage("bad-connect needs --mode magic|version|garbage|truncated|empty|length|checksum|flags");
	memset(pd, 0, sizeof(pd));
	rmem_connect_encode(&req, pd, sizeof(pd));
#define RESEAL() (chk = cpu_to_le32(rmem_crc32c(0, pd, n - 4)), memcpy(pd + n - 4, &chk, 4))
	if (!strcmp(t->mode, "magic")) {
		memcpy(pd, "MEMR", 4);
		RESEAL();
	} else if (!strcmp(t->mode, "version")) {
		pd[4] = 99;
		RESEAL();
	} else if (!strcmp(t->mode, "garbage")) {
		for (i = 0; i < sizeof(pd); i++) {
			x = rmem_mix64(x + i);
			pd[i] = (uint8_t)x;
		}
		pd[0] = (uint8_t)~pd[0] | 1;	/* never the real magic by accident */
		if (pd[0] == 'R')
			pd[0] = 'X';
		len = sizeof(pd);
	} else if (!strcmp(t->mode, "truncated")) {
		len = 12;	/* header and half the host id: the CM pads the rest with zeros */
	} else if (!strcmp(t->mode, "empty")) {
		len = 0;
	} else if (!strcmp(t->mode, "length")) {
		pd[6] = 40;	/* claims 40 bytes of a 56-byte request */
		RESEAL();
	} else if (!strcmp(t->mode, "checksum")) {
		pd[9] ^= 0x40;	/* host id changed after sealing */
	} else if (!strcmp(t->mode, "flags")) {
		pd[16] = 0x80;	/* no such flag */
		RESEAL();
	}
#undef RESEAL
	o.raw_private_data = len ? pd : NULL;
	o.raw_private_data_len = (uint8_t)len;
	ret = rmemc_connect(t->addr, t->port, &o, &c, err, sizeof(err));
	if (!ret) {
		rmemc_disconnect(c);
		return fail(1, "bad-connect %s: the donor ACCEPTED %zu bytes of bad private data",
			    t->mode, len);
	}
	printf("bad-connect %s: %s\n", t->mode, err);
	if (ret != -ECONNREFUSED)
		return fail(1, "bad-connect %s: expected a reject, got error %d", t->mode, ret);
	if (!strstr(err, rmem_reject_str(expect)))
		return fail(1, "bad-connect %s: expected reason \"%s\"", t->mode,
			    rmem_reject_str(expect));
	return 0;
}

/* ----------------------------------------------------------------- auth */

/*
 * What a connect that ended in a reject let through: only the reject (and
 * a challenge's nonce) may be in its private data, never a descriptor.
 */
static unsigned int reject_extra_bytes(const struct rmemc_trace *tr)
{
	size_t i, off = sizeof(struct rmem_wire_reject);
	unsigned int n = 0;

	if (tr->reject_reason == RMEM_REJ_CHALLENGE)
		off += sizeof(struct rmem_wire_challenge);
	for (i = off; i < tr->reject_len; i++)
		n += tr->reject_priv[i] != 0;
	return n;
}

/* One connect, reported as "auth MODE: <outcome>; rkey received: yes|no". */
static int auth_try(struct tc *t, const char *mode, struct rmemc_opts *o, unsigned int expect,
		    struct rmemc_trace *tr)
{
	struct rmemc_conn *c = NULL;
	unsigned int extra;
	char err[400];
	int ret;

	memset(tr, 0, sizeof(*tr));
	o->trace = tr;
	ret = rmemc_connect(t->addr, t->port, o, &c, err, sizeof(err));
	extra = reject_extra_bytes(tr);
	if (!ret)
		printf("auth %s: accepted%s; rkey received: yes\n", mode,
		       o->insecure ? " without proof" : o->raw_private_data_set ?
		       " (a raw request: the donor's proof unchecked)" : ", the donor proved the rack key");
	else if (tr->reject_reason)
		printf("auth %s: rejected reason %u (%s); rkey received: %s\n", mode,
		       tr->reject_reason, rmem_reject_str(tr->reject_reason),
		       tr->accepted || extra ? "yes" : "no");
	else
		printf("auth %s: failed: %s; rkey received: %s\n", mode, err,
		       tr->accepted ? "yes" : "no");
	rmemc_disconnect(c);
	if (extra)
		return fail(1, "auth %s: %u nonzero bytes after the reject", mode, extra);
	if (expect == RMEM_REJ_NONE) {
		if (ret)
			return fail(1, "auth %s: expected to be accepted: %s", mode, err);
		return 0;
	}
	if (!ret || tr->reject_reason != expect)
		return fail(1, "auth %s: expected reason %u (%s)%s%s", mode, expect,
			    rmem_reject_str(expect), ret ? ": " : ", was accepted", ret ? err : "");
	return 0;
}

/*
 * The proofs a donor must refuse: none, a wrong key, a replayed answer;
 * and the one it must take.  Passes when the donor answers as expected.
 */
static int cmd_auth(struct tc *t)
{
	uint8_t req[RMEM_CM_REQ_PRIV_MAX];
	struct rmemc_trace tr;
	struct rmemc_opts o;
	int ret;

	conn_opts(t, &o);
	if (!t->mode)
		die_usage("auth needs --mode no-key|wrong-key|replay|good");
	if (!strcmp(t->mode, "no-key")) {
		o.insecure = true;
		return auth_try(t, t->mode, &o, RMEM_REJ_AUTH_REQUIRED, &tr);
	}
	if (!strcmp(t->mode, "wrong-key")) {
		if (!t->key_file)
			die_usage("auth --mode wrong-key needs --key-file FILE (the wrong key)");
		return auth_try(t, t->mode, &o, RMEM_REJ_AUTH_FAILED, &tr);
	}
	if (!strcmp(t->mode, "good"))
		return auth_try(t, t->mode, &o, RMEM_REJ_NONE, &tr);
	if (strcmp(t->mode, "replay"))
		die_usage("auth --mode: no-key, wrong-key, replay or good, not '%s'", t->mode);
	/* An exchange that succeeded, then its AUTH again on a new connection. */
	ret = auth_try(t, "replay-first", &o, RMEM_REJ_NONE, &tr);
	if (ret)
		return ret;
	if (!tr.auth_req_len)
		return fail(1, "auth replay: the first exchange sent no AUTH (no key in %s?)",
			    t->key_file ? t->key_file : "the default key file");
	memcpy(req, tr.auth_req, tr.auth_req_len);
	o.raw_private_data = req;
	o.raw_private_data_len = tr.auth_req_len;
	o.raw_private_data_set = true;
	return auth_try(t, t->mode, &o, RMEM_REJ_AUTH_STALE, &tr);
}

/* ------------------------------------------------------------- bench */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* perftest's columns: t_min t_max t_typical(median) t_avg t_stdev p99 p99.9, in usec. */
static void report(const char *op, uint64_t bytes, uint64_t *ns, uint64_t n)
{
	double sum = 0, var = 0, avg;
	uint64_t i;

	if (!n)
		return;
	qsort(ns, n, sizeof(*ns), cmp_u64);
	for (i = 0; i < n; i++)
		sum += (double)ns[i];
	avg = sum / (double)n;
	for (i = 0; i < n; i++)
		var += ((double)ns[i] - avg) * ((double)ns[i] - avg);
#define US(x) ((double)(x) / 1000.0)
#define PCT(p) ns[(uint64_t)ceil((p) * (double)n) - 1 < n ? (uint64_t)ceil((p) * (double)n) - 1 : n - 1]
	printf(" %-6s %7" PRIu64 " %11" PRIu64 " %14.2f %14.2f %16.2f %14.2f %14.2f %22.2f %24.2f\n",
	       op, bytes, n, US(ns[0]), US(ns[n - 1]), US(ns[n / 2]), US(avg),
	       US(sqrt(var / (double)n)), US(PCT(0.99)), US(PCT(0.999)));
	printf("BENCH: rmem_%s_t_typical_us %.2f\n", op, US(ns[n / 2]));
	printf("BENCH: rmem_%s_t_avg_us %.2f\n", op, US(avg));
	printf("BENCH: rmem_%s_p99_us %.2f\n", op, US(PCT(0.99)));
#undef PCT
#undef US
}

static void report_header(void)
{
	printf(" %-6s %7s %11s %14s %14s %16s %14s %14s %22s %24s\n", "op", "#bytes",
	       "#iterations", "t_min[usec]", "t_max[usec]", "t_typical[usec]", "t_avg[usec]",
	       "t_stdev[usec]", "99% percentile[usec]", "99.9% percentile[usec]");
}

static bool want_op(const struct tc *t, const char *op)
{
	const char *p = t->ops;
	size_t n = strlen(op);

	if (!p || !strcmp(p, "all"))
		return true;
	while ((p = strstr(p, op))) {
		if ((p == t->ops || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
			return true;
		p += n;
	}
	return false;
}

static int bench_alloc(struct tc *t, struct rmemc_dev *d)
{
	uint64_t cap = rmemc_conn_desc(t->conn)->chunk_count, half = cap / 2 ? cap / 2 : 1;
	uint64_t *a = calloc(t->iters, 8), *f = calloc(t->iters, 8), na = 0, nf = 0, i, t0;
	struct rmemc_handle *held = calloc(half, sizeof(*held));
	uint64_t nheld = 0, v = 0;
	int ret = 0;

	if (!a || !f || !held) {
		ret = fail(1, "bench: out of memory");
		goto out;
	}
	/* Steady state at most half full: alloc until half, then free all. */
	while (na < t->iters) {
		t0 = now_ns();
		ret = rmemc_alloc(d, v++, &held[nheld]);
		a[na++] = now_ns() - t0;
		if (ret) {
			ret = fail(1, "bench alloc: %s", rmemc_errmsg(t->conn));
			goto out;
		}
		if (++nheld < half && na < t->iters)
			continue;
		for (i = 0; i < nheld; i++) {
			t0 = now_ns();
			ret = rmemc_free(d, &held[i]);
			if (nf < t->iters)
				f[nf++] = now_ns() - t0;
			if (ret) {
				ret = fail(1, "bench free: %s", rmemc_errmsg(t->conn));
				goto out;
			}
		}
		nheld = 0;
	}
	report("alloc", 8, a, na);
	report("free", 8, f, nf);
out:
	free(held);
	free(f);
	free(a);
	return ret;
}

static int bench_io(struct tc *t, struct rmemc_dev *d, bool write)
{
	uint64_t cs = 1ull << rmemc_conn_desc(t->conn)->chunk_shift, slots = cs / t->size;
	uint64_t *s = calloc(t->iters, 8), i, t0;
	uint8_t *buf = malloc(t->size);
	struct rmemc_handle h;
	int ret;

	if (!s || !buf) {
		ret = fail(1, "bench: out of memory");
		goto out;
	}
	ret = rmemc_alloc(d, 1ull << 30, &h);
	if (ret) {
		ret = fail(1, "bench: %s", rmemc_errmsg(t->conn));
		goto out;
	}
	pattern(buf, t->size, 1, 2, 3);
	for (i = 0; i < t->iters; i++) {
		uint64_t off = (i % slots) * t->size;

		t0 = now_ns();
		ret = write ? rmemc_write(t->conn, &h, off, buf, t->size) :
			      rmemc_read(t->conn, &h, off, buf, t->size);
		s[i] = now_ns() - t0;
		if (ret) {
			ret = fail(1, "bench %s: %s", write ? "write" : "read", rmemc_errmsg(t->conn));
			goto out_free_chunk;
		}
	}
	report(write ? "write" : "read", t->size, s, t->iters);
out_free_chunk:
	rmemc_free(d, &h);
out:
	free(buf);
	free(s);
	return ret;
}

/* Alternating 4 KiB writes and reads for --seconds: the donor-CPU measurement load. */
static int bench_loop(struct tc *t, struct rmemc_dev *d)
{
	uint64_t deadline = now_ns() + (uint64_t)t->seconds * 1000000000ull, ops = 0, t0 = now_ns();
	uint8_t *buf = malloc(t->size);
	struct rmemc_handle h;
	int ret;

	if (!buf)
		return fail(1, "bench: out of memory");
	ret = rmemc_alloc(d, 1ull << 31, &h);
	if (ret) {
		free(buf);
		return fail(1, "bench loop: %s", rmemc_errmsg(t->conn));
	}
	pattern(buf, t->size, 4, 5, 6);
	while (now_ns() < deadline) {
		ret = (ops & 1) ? rmemc_read(t->conn, &h, 0, buf, t->size) :
				  rmemc_write(t->conn, &h, 0, buf, t->size);
		if (ret) {
			ret = fail(1, "bench loop: %s", rmemc_errmsg(t->conn));
			break;
		}
		ops++;
		/* Renew as a real host would, so a long loop does not lose the lease. */
		if (!(ops % 1024) && rmemc_lease_renew(d)) {
			ret = fail(1, "bench loop: %s", rmemc_errmsg(t->conn));
			break;
		}
	}
	printf("loop: %" PRIu64 " ops of %" PRIu64 " bytes in %.1f s\n", ops, t->size,
	       (double)(now_ns() - t0) / 1e9);
	printf("BENCH: rmem_loop_ops_per_s %.1f\n", (double)ops * 1e9 / (double)(now_ns() - t0));
	rmemc_free(d, &h);
	free(buf);
	return ret;
}

static int cmd_bench(struct tc *t)
{
	struct rmemc_dev *d;
	int ret;

	ret = attach(t, RMEMC_ATTACH_NEW, &d);
	if (ret)
		return ret;
	if (t->seconds > 0) {
		ret = bench_loop(t, d);
		goto out;
	}
	report_header();
	if (want_op(t, "alloc") && (ret = bench_alloc(t, d)))
		goto out;
	if (want_op(t, "read") && (ret = bench_io(t, d, false)))
		goto out;
	if (want_op(t, "write") && (ret = bench_io(t, d, true)))
		goto out;
out:
	if (rmemc_dev_detach(d, NULL) && !ret)
		ret = fail(1, "bench detach: %s", rmemc_errmsg(t->conn));
	return ret;
}

/* ------------------------------------------------------------- main */

struct command {
	const char *name;
	int (*fn)(struct tc *t);
	bool connect;
	const char *usage;
};

static const struct command commands[] = {
	{ "info", cmd_info, true, "info                               descriptor and stats" },
	{ "dump", cmd_dump, true, "dump [--owners] [--slots] [--stats] tables (default all)" },
	{ "basic", cmd_basic, true,
	  "basic -D DEV -n N [-s SIZE] [--seed S]  alloc, write, read back, free, check table" },
	{ "alloc", cmd_alloc, true, "alloc -D DEV -n N [--first V]      allocate, print, keep" },
	{ "free", cmd_free, true,
	  "free -D DEV --chunk C --owner W    free a raw handle (exit 5 if refused)" },
	{ "detach", cmd_detach, true, "detach -D DEV                      free all, release slot" },
	{ "write", cmd_write, true,
	  "write -D DEV -n N [--seed S] [--state FILE]  fill vchunks 0..N-1, keep" },
	{ "verify", cmd_verify, true,
	  "verify -D DEV -n N [--seed S]      rebuild map from table, check bytes" },
	{ "reconnect", cmd_reconnect, false,
	  "reconnect --state FILE             exit 3 + 'all chunks lost' if epoch changed" },
	{ "hold", cmd_hold, true,
	  "hold -D DEV -n N [--renew-ms MS] [--seconds S]  fill, then renew until killed" },
	{ "race", cmd_race, true,
	  "race -D DEV [--start-file F] [-n MAX]  alloc until ENOSPC, print every chunk" },
	{ "bad-connect", cmd_bad_connect, false,
	  "bad-connect --mode M              M: magic version garbage truncated empty length checksum flags" },
	{ "auth", cmd_auth, false,
	  "auth --mode M [--key-file F]       M: no-key wrong-key (F: the wrong key) replay good" },
	{ "bench", cmd_bench, true,
	  "bench [--iters N] [-s SIZE] [--ops alloc,read,write] [--seconds S]" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: rmem-testclient [-a ADDR] [-p PORT] [-t TIMEOUT_MS] COMMAND [OPTIONS]\n"
		   "Common: -a donor address (default $RMEM_DONOR or 10.0.0.1), -p rdma_cm port (%u),\n"
		   "        -D device id (default 1), -H host id, -q quiet,\n"
		   "        --key-file FILE rack key file to prove (default $RMEM_KEY_FILE, else %s),\n"
		   "        --insecure prove no key (a donor run --insecure),\n"
		   "        --spin-us N busy-poll before sleeping on the CQ (default 2000, -1 never)\n"
		   "Commands:\n", RMEM_DEFAULT_PORT, RMEM_KEY_FILE_DEFAULT);
	for (i = 0; i < RMEM_ARRAY_SIZE(commands); i++)
		fprintf(f, "  %s\n", commands[i].usage);
	fprintf(f, "Exit: 0 ok, 1 failure, 2 usage, 3 epoch changed, 4 donor full, 5 free refused\n");
}

static uint64_t num(const char *opt, const char *s)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end)
		die_usage("%s: '%s' is not a number", opt, s);
	return v;
}

enum { O_SEED = 0x100, O_STATE, O_START, O_MODE, O_OPS, O_CHUNK, O_OWNER,
       O_RENEW, O_SECONDS, O_ITERS, O_FIRST, O_OWNERS, O_SLOTS, O_STATS, O_SPIN, O_KEY_FILE,
       O_INSECURE };

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "addr", required_argument, NULL, 'a' },
		{ "port", required_argument, NULL, 'p' },
		{ "timeout", required_argument, NULL, 't' },
		{ "dev", required_argument, NULL, 'D' },
		{ "host-id", required_argument, NULL, 'H' },
		{ "chunks", required_argument, NULL, 'n' },
		{ "size", required_argument, NULL, 's' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "seed", required_argument, NULL, O_SEED },
		{ "state", required_argument, NULL, O_STATE },
		{ "start-file", required_argument, NULL, O_START },
		{ "mode", required_argument, NULL, O_MODE },
		{ "ops", required_argument, NULL, O_OPS },
		{ "chunk", required_argument, NULL, O_CHUNK },
		{ "owner", required_argument, NULL, O_OWNER },
		{ "renew-ms", required_argument, NULL, O_RENEW },
		{ "seconds", required_argument, NULL, O_SECONDS },
		{ "iters", required_argument, NULL, O_ITERS },
		{ "first", required_argument, NULL, O_FIRST },
		{ "owners", no_argument, NULL, O_OWNERS },
		{ "slots", no_argument, NULL, O_SLOTS },
		{ "stats", no_argument, NULL, O_STATS },
		{ "spin-us", required_argument, NULL, O_SPIN },
		{ "key-file", required_argument, NULL, O_KEY_FILE },
		{ "insecure", no_argument, NULL, O_INSECURE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct tc t = {
		.addr = getenv("RMEM_DONOR") ? getenv("RMEM_DONOR") : "10.0.0.1",
		.port = RMEM_DEFAULT_PORT,
		.timeout_ms = 10000,
		.dev = 1,
		.chunks = 8,
		.seed = 1,
		.size = 4096,
		.iters = 1000,
	};
	const struct command *cmd = NULL;
	const char *name = NULL;
	size_t i;
	int c, ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Options may come before or after the command name. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "-:a:p:t:D:H:n:s:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 1:
			if (name)
				die_usage("unexpected argument '%s'", optarg);
			name = optarg;
			break;
		case 'a': t.addr = optarg; break;
		case 'p': t.port = (uint16_t)num("-p", optarg); break;
		case 't': t.timeout_ms = (int)num("-t", optarg); break;
		case 'D': t.dev = num("-D", optarg); break;
		case 'H': t.host_id = num("-H", optarg); break;
		case 'n':
			t.chunks = num("-n", optarg);
			t.chunks_set = true;
			break;
		case 's': t.size = num("-s", optarg); break;
		case 'q': t.quiet = true; break;
		case O_SEED: t.seed = num("--seed", optarg); break;
		case O_STATE: t.state = optarg; break;
		case O_START: t.start_file = optarg; break;
		case O_MODE: t.mode = optarg; break;
		case O_OPS: t.ops = optarg; break;
		case O_CHUNK: t.chunk = num("--chunk", optarg); break;
		case O_OWNER: t.owner = num("--owner", optarg); break;
		case O_RENEW: t.renew_ms = (int)strtol(optarg, NULL, 0); break;
		case O_SECONDS: t.seconds = (int)num("--seconds", optarg); break;
		case O_ITERS: t.iters = num("--iters", optarg); break;
		case O_FIRST: t.first = num("--first", optarg); break;
		case O_OWNERS: t.owners = true; break;
		case O_SLOTS: t.slots = true; break;
		case O_STATS: t.stats = true; break;
		case O_SPIN: t.spin_us = (int)strtol(optarg, NULL, 0); break;
		case O_KEY_FILE: t.key_file = optarg; break;
		case O_INSECURE: t.insecure = true; break;
		case 'h':
			usage(stdout);
			return 0;
		case ':':
			die_usage("option '%s' needs a value", argv[optind - 1]);
		default:
			die_usage("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (!name || !strcmp(name, "help")) {
		usage(name ? stdout : stderr);
		return name ? 0 : EXIT_USAGE;
	}
	for (i = 0; i < RMEM_ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i].name, name))
			cmd = &commands[i];
	if (!cmd)
		die_usage("unknown command '%s'", name);
	if (t.size == 0 || t.size > (1u << 30))
		die_usage("--size must be 1..1G");
	if (t.iters == 0)
		die_usage("--iters must be at least 1");
	if (cmd->connect && do_connect(&t))
		return 1;
	ret = cmd->fn(&t);
	rmemc_disconnect(t.conn);
	return ret;
}
