// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * view.c - rmem-top's pure part: summaries, rates, sorting, rendering.
 * No I/O but the FILE it is given, no clock: the unit tier drives it.
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "top.h"

void top_donor_from_snap(struct top_donor *d, const struct donor_snap *s,
			 struct rmem_lease_watch *watch, uint64_t now_ms)
{
	uint32_t i;

	d->have_snap = true;
	d->geom = s->geom;
	d->owned = s->owned;
	d->orphans = s->orphans;
	d->hosts = s->st.hosts_connected;
	d->uptime_ms = s->st.uptime_ms;
	d->leases = d->leases_alive = d->leases_stale = 0;
	/* Every slot, so a freed slot's watch restarts for its next tenant. */
	for (i = 0; watch && i < s->slot_count; i++) {
		const struct rmemc_slot_info *sl = &s->slots[i];
		int st = rmem_lease_watch_update(&watch[i], sl->device_id, sl->generation,
						 sl->lease_counter, now_ms,
						 s->lease_timeout_ms / 2 ? s->lease_timeout_ms / 2 : 1);

		if (st == RMEM_LEASE_ALIVE)
			d->leases_alive++;
		else if (st == RMEM_LEASE_EXPIRED)
			d->leases_stale++;
	}
	d->ndevs = 0;
	for (i = 0; i < s->nleases; i++) {
		const struct donor_lease *l = &s->leases[i];

		d->leases++;
		if (!watch && rmem_device_id_valid(l->device_id))
			d->leases_alive++;
		if (rmem_device_id_valid(l->device_id) && d->ndevs < TOP_DONOR_DEVS) {
			d->devs[d->ndevs].device_id = l->device_id;
			d->devs[d->ndevs].chunks = l->chunks;
			d->ndevs++;
		}
	}
}

static uint64_t delta(uint64_t now, uint64_t then)
{
	return now >= then ? now - then : 0;
}

void top_dev_update(struct top_dev *out, const struct sysdev *cur, const struct sysdev *prev,
		    double dt)
{
	uint64_t lat[SYSDEV_LAT_BUCKETS], reqs, bytes, n = 0;
	unsigned int i;

	memset(out, 0, sizeof(*out));
	out->cur = *cur;
	out->remote_bytes = cur->chunks << cur->chunk_shift;
	/* A counter that went down: the device was recreated; no interval. */
	if (prev && (cur->reads < prev->reads || cur->writes < prev->writes ||
		     cur->device_id != prev->device_id))
		prev = NULL;
	if (prev && dt > 0) {
		out->have_rates = true;
		out->read_ops = (double)delta(cur->reads, prev->reads) / dt;
		out->write_ops = (double)delta(cur->writes, prev->writes) / dt;
		out->read_mib = (double)delta(cur->read_bytes, prev->read_bytes) / dt / 1048576.0;
		out->write_mib = (double)delta(cur->write_bytes, prev->write_bytes) / dt / 1048576.0;
		for (i = 0; i < SYSDEV_LAT_BUCKETS; i++) {
			lat[i] = delta(cur->lat[i], prev->lat[i]);
			n += lat[i];
		}
		reqs = delta(cur->reads, prev->reads) + delta(cur->writes, prev->writes);
		bytes = delta(cur->read_bytes, prev->read_bytes) +
			delta(cur->write_bytes, prev->write_bytes);
	}
	if (!n) {
		memcpy(lat, cur->lat, sizeof(lat));
		reqs = 0;
	}
	if (!n || !reqs) {
		reqs = cur->reads + cur->writes;
		bytes = cur->read_bytes + cur->write_bytes;
	}
	out->p50_us = lat_percentile(lat, 50);
	out->p99_us = lat_percentile(lat, 99);
	out->merge = reqs ? (double)bytes / 4096.0 / (double)reqs : 0.0;
}

const char *top_sort_name(enum top_sort s)
{
	static const char *const names[] = { "name", "used", "io", "errors" };

	return (unsigned int)s < TOP_SORT_NR ? names[s] : "?";
}

static double donor_used(const struct top_donor *d)
{
	return d->chunk_count ? (double)d->owned / (double)d->chunk_count : 0.0;
}

static int cmp_donor(const void *pa, const void *pb, void *arg)
{
	const struct top_donor *a = pa, *b = pb;
	enum top_sort sort_key = *(const enum top_sort *)arg;
	double x = 0, y = 0;

	switch (sort_key) {
	case TOP_SORT_USED:
		x = donor_used(a), y = donor_used(b);
		break;
	case TOP_SORT_IO:
		x = a->hosts, y = b->hosts;
		break;
	case TOP_SORT_ERRORS:
		x = a->state == TOP_DOWN, y = b->state == TOP_DOWN;
		break;
	default:
		break;
	}
	if (x != y)
		return x < y ? 1 : -1;
	return strcmp(a->addr.name, b->addr.name);
}

static int cmp_dev(const void *pa, const void *pb, void *arg)
{
	const struct top_dev *a = pa, *b = pb;
	enum top_sort sort_key = *(const enum top_sort *)arg;
	double x = 0, y = 0;

	switch (sort_key) {
	case TOP_SORT_USED:
		x = (double)a->cur.chunks, y = (double)b->cur.chunks;
		break;
	case TOP_SORT_IO:
		x = a->read_ops + a->write_ops, y = b->read_ops + b->write_ops;
		break;
	case TOP_SORT_ERRORS:
		x = (double)a->cur.errors, y = (double)b->cur.errors;
		break;
	default:
		break;
	}
	if (x != y)
		return x < y ? 1 : -1;
	return strcmp(a->cur.name, b->cur.name);
}

void top_sort_rows(struct top_model *m, enum top_sort sort)
{
	if (m->ndonors > 1)
		qsort_r(m->donors, (size_t)m->ndonors, sizeof(*m->donors), cmp_donor, &sort);
	if (m->ndevs > 1)
		qsort_r(m->devs, (size_t)m->ndevs, sizeof(*m->devs), cmp_dev, &sort);
}

/* "45s", "3m07s", "2h05m", "4d03h". */
static const char *fmt_age(char *buf, size_t len, uint64_t s)
{
	if (s < 60)
		snprintf(buf, len, "%" PRIu64 "s", s);
	else if (s < 3600)
		snprintf(buf, len, "%" PRIu64 "m%02" PRIu64 "s", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%" PRIu64 "h%02" PRIu64 "m", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, len, "%" PRIu64 "d%02" PRIu64 "h", s / 86400, s % 86400 / 3600);
	return buf;
}

static const char *fmt_clock(char *buf, size_t len, double t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!localtime_r(&tt, &tm))
		snprintf(buf, len, "?");
	else
		strftime(buf, len, "%H:%M:%S", &tm);
	return buf;
}

static const char *fmt_lat(char *buf, size_t len, uint64_t us)
{
	if (us == UINT64_MAX)
		snprintf(buf, len, ">4.2s");
	else if (us == 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%" PRIu64, us);
	return buf;
}

static const char *state_name(enum top_donor_state s)
{
	return s == TOP_UP ? "UP" : s == TOP_DOWN ? "DOWN" : "CONN";
}

struct pool_totals {
	int up, down;
	uint64_t capacity, used, chunks, owned;
	uint32_t leases, hosts;
	int live;
	uint64_t dev_chunks, remote, errors;
	double rmib, wmib;
};

static void totals(const struct top_model *m, struct pool_totals *t)
{
	int i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < m->ndonors; i++) {
		const struct top_donor *d = &m->donors[i];

		if (d->state == TOP_UP)
			t->up++;
		else if (d->state == TOP_DOWN)
			t->down++;
		if (d->state != TOP_UP || !d->have_snap)
			continue;
		t->capacity += d->chunk_count << d->chunk_shift;
		t->used += d->owned << d->chunk_shift;
		t->chunks += d->chunk_count;
		t->owned += d->owned;
		t->leases += d->leases;
		t->hosts += d->hosts;
	}
	for (i = 0; i < m->ndevs; i++) {
		const struct top_dev *v = &m->devs[i];

		t->live += v->cur.live;
		t->dev_chunks += v->cur.chunks;
		t->remote += v->remote_bytes;
		t->errors += v->cur.errors;
		t->rmib += v->read_mib;
		t->wmib += v->write_mib;
	}
}

static void render_help(FILE *out)
{
	fputs("Keys:\n"
	      "  q      quit\n"
	      "  s      next sort order: name, used, io, errors\n"
	      "  d      donors only (again: both)\n"
	      "  v      devices only (again: both)\n"
	      "  h, ?   this help (any key returns)\n"
	      "\n"
	      "Donor rows: one-sided RDMA reads of each donor's stats block, slot and owner\n"
	      "tables (no donor CPU).  USED% and CHUNKS come from the owner table; LEASES\n"
	      "counts held slots, 'stale' ones did not renew for half the lease timeout.\n"
	      "A donor that does not answer is DOWN with the time it was last seen.\n"
	      "Device rows: /sys/bus/vdpa/devices/<dev>/stats.  P50/P99 are upper bounds of\n"
	      "the latency histogram buckets (us); MERGE is 4 KiB pages per request.\n", out);
}

void top_render_text(FILE *out, const struct top_model *m, const struct top_view *v)
{
	struct pool_totals t;
	char b1[32], b2[32], b3[32], b4[32];
	int i;

	totals(m, &t);
	fprintf(out, "rmem-top %s  refresh %.1fs  sort %s  view %s  (h: help, q: quit)\n",
		fmt_clock(b1, sizeof(b1), m->now), m->interval, top_sort_name(v->sort),
		v->mode == TOP_VIEW_DONORS ? "donors" : v->mode == TOP_VIEW_DEVICES ? "devices" : "all");
	fprintf(out, "Pool: %d donors (%d up, %d down)  capacity %s  used %s (%.1f%%)  chunks %" PRIu64
		"/%" PRIu64 "  leases %u  hosts %u\n",
		m->ndonors, t.up, t.down, fmt_bytes(b1, sizeof(b1), t.capacity),
		fmt_bytes(b2, sizeof(b2), t.used),
		t.chunks ? 100.0 * (double)t.owned / (double)t.chunks : 0.0, t.owned, t.chunks,
		t.leases, t.hosts);
	fprintf(out, "Devices: %d (%d live)  chunks %" PRIu64 "  remote %s  read %.2f MiB/s  write %.2f MiB/s  errors %" PRIu64 "\n",
		m->ndevs, t.live, t.dev_chunks, fmt_bytes(b1, sizeof(b1), t.remote), t.rmib, t.wmib,
		t.errors);
	if (v->help) {
		fputc('\n', out);
		render_help(out);
		return;
	}
	if (v->mode != TOP_VIEW_DEVICES) {
		fprintf(out, "\n%-21s %-5s %9s %6s %13s %4s %5s %9s %s\n", "DONOR", "STATE", "CAPACITY",
			"USED%", "CHUNKS", "DEVS", "HOSTS", "EPOCH-AGE", "LEASES");
		for (i = 0; i < m->ndonors; i++) {
			const struct top_donor *d = &m->donors[i];
			char used[40];

			if (d->state != TOP_UP || !d->have_snap) {
				if (d->last_seen > 0)
					fprintf(out, "%-21s %-5s last seen %s (%s ago): %s\n", d->addr.name,
						state_name(d->state), fmt_clock(b1, sizeof(b1), d->last_seen),
						fmt_age(b2, sizeof(b2), (uint64_t)(m->now > d->last_seen ?
										  m->now - d->last_seen : 0)),
						d->error[0] ? d->error : "no answer");
				else
					fprintf(out, "%-21s %-5s never seen: %s\n", d->addr.name,
						state_name(d->state),
						d->error[0] ? d->error : "connecting");
				continue;
			}
			snprintf(used, sizeof(used), "%" PRIu64 "/%" PRIu64, d->owned, d->chunk_count);
			snprintf(b3, sizeof(b3), "%u ok", d->leases_alive);
			if (d->leases_stale)
				snprintf(b3, sizeof(b3), "%u ok %u stale", d->leases_alive, d->leases_stale);
			fprintf(out, "%-21s %-5s %9s %5.1f%% %13s %4u %5u %9s %s\n", d->addr.name,
				state_name(d->state),
				fmt_bytes(b1, sizeof(b1), d->chunk_count << d->chunk_shift),
				100.0 * donor_used(d), used, d->ndevs, d->hosts,
				fmt_age(b2, sizeof(b2), d->uptime_ms / 1000), b3);
		}
		if (!m->ndonors)
			fprintf(out, "(no donors: --donor ADDR[:PORT] or " DONORS_FILE_DEFAULT ")\n");
	}
	if (v->mode != TOP_VIEW_DONORS) {
		fprintf(out, "\n%-10s %-16s %-7s %6s %9s %8s %8s %7s %7s %6s %6s %5s %4s\n", "DEVICE",
			"DEVICE-ID", "BACKEND", "CHUNKS", "REMOTE", "R-OPS/s", "W-OPS/s", "R-MiB/s",
			"W-MiB/s", "P50us", "P99us", "MERGE", "ERRS");
		for (i = 0; i < m->ndevs; i++) {
			const struct top_dev *d = &m->devs[i];

			fprintf(out, "%-10s %016" PRIx64 " %-7s %6" PRIu64 " %9s ", d->cur.name,
				d->cur.device_id, d->cur.backend[0] ? d->cur.backend : "-",
				d->cur.chunks, fmt_bytes(b1, sizeof(b1), d->remote_bytes));
			if (d->have_rates)
				fprintf(out, "%8.1f %8.1f %7.2f %7.2f ", d->read_ops, d->write_ops,
					d->read_mib, d->write_mib);
			else
				fprintf(out, "%8s %8s %7s %7s ", "-", "-", "-", "-");
			fprintf(out, "%6s %6s %5.2f %4" PRIu64 "\n", fmt_lat(b2, sizeof(b2), d->p50_us),
				fmt_lat(b4, sizeof(b4), d->p99_us), d->merge, d->cur.errors);
		}
		if (m->dev_error)
			fprintf(out, "(devices: %s)\n", m->dev_error);
		else if (!m->ndevs)
			fprintf(out, "(no vhost_rmem devices)\n");
	}
}

static void json_lat(struct printer *pr, const char *key, uint64_t us)
{
	if (us == UINT64_MAX || us == 0)
		pr_null(pr, key, NULL);
	else
		pr_u64(pr, key, NULL, us);
}

void top_render_json(FILE *out, const struct top_model *m, bool pretty)
{
	struct printer p, *pr = &p;
	struct pool_totals t;
	int i;
	uint32_t k;

	totals(m, &t);
	pr_init(pr, out, true, pretty);
	pr_open_obj(pr, NULL);
	pr_dbl(pr, "time", NULL, m->now);
	pr_dbl(pr, "interval", NULL, m->interval);
	pr_open_obj(pr, "pool");
	pr_u64(pr, "donors", NULL, (uint64_t)m->ndonors);
	pr_u64(pr, "donors_up", NULL, (uint64_t)t.up);
	pr_u64(pr, "donors_down", NULL, (uint64_t)t.down);
	pr_u64(pr, "capacity", NULL, t.capacity);
	pr_u64(pr, "used", NULL, t.used);
	pr_u64(pr, "chunks_total", NULL, t.chunks);
	pr_u64(pr, "chunks_used", NULL, t.owned);
	pr_u64(pr, "leases", NULL, t.leases);
	pr_u64(pr, "hosts", NULL, t.hosts);
	pr_u64(pr, "devices", NULL, (uint64_t)m->ndevs);
	pr_u64(pr, "device_chunks", NULL, t.dev_chunks);
	pr_u64(pr, "device_errors", NULL, t.errors);
	pr_close_obj(pr);
	pr_open_arr(pr, "donors");
	for (i = 0; i < m->ndonors; i++) {
		const struct top_donor *d = &m->donors[i];
		bool snap = d->state == TOP_UP && d->have_snap;

		pr_open_obj(pr, NULL);
		pr_str(pr, "address", NULL, d->addr.name);
		pr_str(pr, "state", NULL, d->state == TOP_UP ? "up" : d->state == TOP_DOWN ? "down" :
			   "connecting");
		if (d->last_seen > 0)
			pr_dbl(pr, "last_seen", NULL, d->last_seen);
		else
			pr_null(pr, "last_seen", NULL);
		if (d->state != TOP_UP)
			pr_str(pr, "error", NULL, d->error);
		if (snap) {
			pr_u64(pr, "donor_id", NULL, d->donor_id);
			pr_hex(pr, "epoch", NULL, d->epoch);
			pr_u64(pr, "epoch_age_ms", NULL, d->uptime_ms);
			pr_u64(pr, "chunk_size", NULL, 1ull << d->chunk_shift);
			pr_u64(pr, "capacity", NULL, d->chunk_count << d->chunk_shift);
			pr_u64(pr, "chunks_total", NULL, d->chunk_count);
			pr_u64(pr, "chunks_used", NULL, d->owned);
			pr_u64(pr, "orphans", NULL, d->orphans);
			pr_dbl(pr, "used_pct", NULL, 100.0 * donor_used(d));
			pr_u64(pr, "hosts", NULL, d->hosts);
			pr_u64(pr, "leases", NULL, d->leases);
			pr_u64(pr, "leases_alive", NULL, d->leases_alive);
			pr_u64(pr, "leases_stale", NULL, d->leases_stale);
			pr_u64(pr, "lease_timeout_ms", NULL, d->lease_timeout_ms);
			pr_open_arr(pr, "devices");
			for (k = 0; k < d->ndevs; k++) {
				pr_open_obj(pr, NULL);
				pr_hex(pr, "device_id", NULL, d->devs[k].device_id);
				pr_u64(pr, "chunks", NULL, d->devs[k].chunks);
				pr_close_obj(pr);
			}
			pr_close_arr(pr);
		}
		pr_close_obj(pr);
	}
	pr_close_arr(pr);
	pr_open_arr(pr, "devices");
	for (i = 0; i < m->ndevs; i++) {
		const struct top_dev *d = &m->devs[i];

		pr_open_obj(pr, NULL);
		pr_str(pr, "name", NULL, d->cur.name);
		pr_hex(pr, "device_id", NULL, d->cur.device_id);
		pr_str(pr, "backend", NULL, d->cur.backend);
		pr_bool(pr, "live", NULL, d->cur.live);
		pr_u64(pr, "chunks", NULL, d->cur.chunks);
		pr_u64(pr, "remote_bytes", NULL, d->remote_bytes);
		pr_u64(pr, "reads", NULL, d->cur.reads);
		pr_u64(pr, "writes", NULL, d->cur.writes);
		pr_u64(pr, "read_bytes", NULL, d->cur.read_bytes);
		pr_u64(pr, "write_bytes", NULL, d->cur.write_bytes);
		if (d->have_rates) {
			pr_dbl(pr, "read_ops_s", NULL, d->read_ops);
			pr_dbl(pr, "write_ops_s", NULL, d->write_ops);
			pr_dbl(pr, "read_mib_s", NULL, d->read_mib);
			pr_dbl(pr, "write_mib_s", NULL, d->write_mib);
		} else {
			pr_null(pr, "read_ops_s", NULL);
			pr_null(pr, "write_ops_s", NULL);
			pr_null(pr, "read_mib_s", NULL);
			pr_null(pr, "write_mib_s", NULL);
		}
		json_lat(pr, "lat_p50_us", d->p50_us);
		json_lat(pr, "lat_p99_us", d->p99_us);
		pr_dbl(pr, "merge", NULL, d->merge);
		pr_u64(pr, "errors", NULL, d->cur.errors);
		pr_close_obj(pr);
	}
	pr_close_arr(pr);
	pr_close_obj(pr);
	pr_end(pr);
}

size_t top_screen(FILE *out, const char *text, int cols, int rows)
{
	size_t written = 0;
	const char *p = text;
	int row = 0;

	written += (size_t)fprintf(out, "\033[H");
	while (*p && row < rows) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		size_t show = len < (size_t)cols ? len : (size_t)cols;

		if (row)
			written += (size_t)fprintf(out, "\r\n");
		written += fwrite(p, 1, show, out);
		written += (size_t)fprintf(out, "\033[K");
		row++;
		p += len + (nl ? 1 : 0);
	}
	written += (size_t)fprintf(out, "\033[J");
	return written;
}
