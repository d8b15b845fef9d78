// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * donor.c - `rmemctl donor`: show a donor's pool (read one-sided from its
 * stats block, slot table and owner table: no donor CPU), and keep the
 * donors file that every other command falls back to.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rmemctl.h"

const char rmemctl_donor_usage[] =
	"Usage: rmemctl donor { show [ ADDR[:PORT]... ] | add ADDR[:PORT] | del ADDR[:PORT] | help }\n"
	"  show  capacity, used chunks, epoch, chunk size, leases, hosts and the chunks of\n"
	"        every device, read with one-sided RDMA; no ADDR: every donor of the donors file\n"
	"  add   append a donor to the donors file (-f, default " DONORS_FILE_DEFAULT ")\n"
	"  del   remove a donor from the donors file\n";

int rmemctl_each_donor(struct rmemctl *ctx, int argc, char **argv, const char *key,
		       rmemctl_donor_cb cb, void *arg)
{
	struct donor_addr addrs[DONORS_MAX];
	int i, n, rc = RC_OK, ret;
	char err[512];

	n = rmemctl_donors(ctx, argc, argv, addrs, DONORS_MAX);
	if (n < 0)
		return -n;
	pr_open_arr(&ctx->pr, key);
	for (i = 0; i < n; i++) {
		struct donor_snap s;

		memset(&s, 0, sizeof(s));
		err[0] = '\0';
		ret = ctx->ops->donor_fetch(ctx->ops->arg, &addrs[i], &ctx->conn, &s,
					    err, sizeof(err));
		if (ret) {
			pr_open_obj(&ctx->pr, NULL);
			pr_str(&ctx->pr, "address", "donor %s ", addrs[i].name);
			pr_str(&ctx->pr, "state", "state %s ", "down");
			pr_str(&ctx->pr, "error", "error \"%s\"\n", err);
			pr_close_obj(&ctx->pr);
			rmemctl_err(ctx, 0, "donor %s: %s", addrs[i].name, err);
			rc = RC_FAIL;
			continue;
		}
		ret = cb(ctx, &addrs[i], &s, arg);
		if (ret && rc == RC_OK)
			rc = ret;
		donor_snap_free(&s);
	}
	pr_close_arr(&ctx->pr);
	pr_end(&ctx->pr);
	return rc;
}

static int donor_show_one(struct rmemctl *ctx, const struct donor_addr *a,
			  const struct donor_snap *s, void *arg)
{
	struct printer *pr = &ctx->pr;
	uint64_t chunk = 1ull << s->chunk_shift;
	uint32_t i;

	(void)arg;
	pr_open_obj(pr, NULL);
	pr_str(pr, "address", "donor %s ", a->name);
	pr_str(pr, "state", "state %s ", "up");
	pr_u64(pr, "donor_id", "id 0x%08" PRIx64 " ", s->donor_id);
	pr_hex(pr, "epoch", "epoch 0x%016" PRIx64 " ", s->epoch);
	pr_u64(pr, "uptime_ms", "up %" PRIu64 "ms\n", s->st.uptime_ms);
	pr_size(pr, "capacity", "    capacity %s ", s->chunk_count * chunk);
	pr_size(pr, "used", "used %s ", s->owned * chunk);
	pr_dbl(pr, "used_pct", "(%.1f%%) ",
	       s->chunk_count ? 100.0 * (double)s->owned / (double)s->chunk_count : 0.0);
	pr_size(pr, "chunk_size", "chunk-size %s ", chunk);
	pr_u64(pr, "chunks_total", "chunks %" PRIu64 " ", s->chunk_count);
	pr_u64(pr, "chunks_used", "used %" PRIu64 " ", s->owned);
	pr_u64(pr, "orphans", s->orphans ? "orphans %" PRIu64 " " : NULL, s->orphans);
	pr_u64(pr, "leases", "leases %" PRIu64 " ", s->nleases);
	pr_u64(pr, "slots", "of %" PRIu64 " ", s->slot_count);
	pr_u64(pr, "hosts", "hosts %" PRIu64 " ", s->st.hosts_connected);
	pr_u64(pr, "lease_timeout_ms", "lease-timeout %" PRIu64 "ms\n", s->lease_timeout_ms);
	/* The donor's own view, refreshed by its CPU about once a second. */
	pr_open_obj(pr, "stats");
	pr_u64(pr, "chunks_used", ctx->details ? "    stats chunks-used %" PRIu64 " " : NULL,
	       s->st.chunks_used);
	pr_u64(pr, "slots_used", ctx->details ? "slots-used %" PRIu64 " " : NULL, s->st.slots_used);
	pr_u64(pr, "leases_expired", ctx->details ? "leases-expired %" PRIu64 " " : NULL,
	       s->st.leases_expired);
	pr_u64(pr, "reaper_chunks_freed", ctx->details ? "reaper-freed %" PRIu64 " " : NULL,
	       s->st.reaper_chunks_freed);
	pr_u64(pr, "connects_accepted", ctx->details ? "connects %" PRIu64 " " : NULL,
	       s->st.connects_accepted);
	pr_u64(pr, "connects_rejected", ctx->details ? "rejected %" PRIu64 " " : NULL,
	       s->st.connects_rejected);
	pr_u64(pr, "refused_not_allowed", ctx->details ? "not-allowed %" PRIu64 " " : NULL,
	       s->st.refused_not_allowed);
	pr_u64(pr, "refused_auth", ctx->details ? "refused-auth %" PRIu64 " " : NULL,
	       s->st.refused_auth);
	pr_u64(pr, "auth_accepted", ctx->details ? "proved-key %" PRIu64 " " : NULL,
	       s->st.auth_accepted);
	pr_u64(pr, "conns_revoked", ctx->details ? "revoked %" PRIu64 " " : NULL,
	       s->st.conns_revoked);
	pr_u64(pr, "challenges_refused", ctx->details ? "hello-refused %" PRIu64 " " : NULL,
	       s->st.challenges_refused);
	pr_u64(pr, "cpu_time_us", ctx->details ? "cpu %" PRIu64 "us\n" : NULL, s->st.cpu_time_us);
	pr_close_obj(pr);
	pr_open_arr(pr, "devices");
	for (i = 0; i < s->nleases; i++) {
		const struct donor_lease *l = &s->leases[i];

		pr_open_obj(pr, NULL);
		pr_hex(pr, "device_id", "    dev 0x%016" PRIx64 " ", l->device_id);
		pr_u64(pr, "slot", "slot %" PRIu64 " ", l->slot);
		pr_u64(pr, "chunks", "chunks %" PRIu64 " ", l->chunks);
		pr_size(pr, "bytes", "(%s)", l->chunks * chunk);
		pr_bool(pr, "reclaiming", l->device_id == RMEM_DEVICE_RECLAIMING ?
			" reclaiming %s" : NULL, l->device_id == RMEM_DEVICE_RECLAIMING);
		pr_text(pr, "\n");
		pr_close_obj(pr);
	}
	pr_close_arr(pr);
	pr_close_obj(pr);
	return RC_OK;
}

static int donor_show(struct rmemctl *ctx, int argc, char **argv)
{
	return rmemctl_each_donor(ctx, argc, argv, "donors", donor_show_one, NULL);
}

/* Whole donors file as lines, for add/del.  -ENOENT if there is none. */
static int read_lines(const char *path, char **buf)
{
	FILE *f = fopen(path, "r");
	size_t len = 0;

	*buf = NULL;
	if (!f)
		return -errno;
	if (getdelim(buf, &len, '\0', f) < 0) {
		free(*buf);
		*buf = strdup("");
	}
	fclose(f);
	return *buf ? 0 : -ENOMEM;
}

static int write_file(struct rmemctl *ctx, const char *path, const char *text)
{
	char tmp[4200];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return rmemctl_err(ctx, RC_FAIL, "%s: %s", tmp, strerror(errno));
	fputs(text, f);
	if (fclose(f) || rename(tmp, path)) {
		unlink(tmp);
		return rmemctl_err(ctx, RC_FAIL, "%s: %s", path, strerror(errno));
	}
	return RC_OK;
}

static int donor_add_del(struct rmemctl *ctx, int argc, char **argv, bool add)
{
	struct donor_addr a, cur[DONORS_MAX];
	const char *verb = add ? "add" : "del";
	char *text = NULL, *out, *line, *save = NULL;
	int n, bad, i, ret, found = 0;

	if (argc != 1)
		return rmemctl_err(ctx, RC_USAGE, "donor %s: needs exactly one ADDR[:PORT]", verb);
	if (donor_addr_parse(argv[0], &a))
		return rmemctl_err(ctx, RC_USAGE, "'%s' is not a donor ADDR[:PORT]", argv[0]);
	n = donors_file_read(ctx->donors_file, cur, DONORS_MAX, &bad);
	if (n == -ENOENT)
		n = 0;
	if (n == -EINVAL)
		return rmemctl_err(ctx, RC_FAIL, "%s:%d: not a donor ADDR[:PORT]; fix it first",
				   ctx->donors_file, bad);
	if (n < 0)
		return rmemctl_err(ctx, RC_FAIL, "%s: %s", ctx->donors_file, strerror(-n));
	for (i = 0; i < n; i++)
		if (!strcmp(cur[i].name, a.name))
			found++;
	if (add && found)
		return rmemctl_err(ctx, RC_FAIL, "donor %s is already in %s", a.name, ctx->donors_file);
	if (!add && !found)
		return rmemctl_err(ctx, RC_FAIL, "donor %s is not in %s", a.name, ctx->donors_file);
	if (add && n >= DONORS_MAX)
		return rmemctl_err(ctx, RC_FAIL, "%s already lists %d donors", ctx->donors_file, n);
	ret = read_lines(ctx->donors_file, &text);
	if (ret == -ENOENT) {
		char dir[4096], *slash;

		/* First donor: create /etc/rmem if needed (one level, like install -d). */
		snprintf(dir, sizeof(dir), "%s", ctx->donors_file);
		slash = strrchr(dir, '/');
		if (slash && slash != dir) {
			*slash = '\0';
			mkdir(dir, 0755);
		}
		text = strdup("");
		ret = text ? 0 : -ENOMEM;
	}
	if (ret)
		return rmemctl_err(ctx, RC_FAIL, "%s: %s", ctx->donors_file, strerror(-ret));
	out = calloc(1, strlen(text) + sizeof(a.name) + 2);
	if (!out) {
		free(text);
		return rmemctl_err(ctx, RC_FAIL, "out of memory");
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct donor_addr l;
		char copy[512], *hash, *save2 = NULL;

		snprintf(copy, sizeof(copy), "%s", line);
		hash = strchr(copy, '#');
		if (hash)
			*hash = '\0';
		/* del drops the line naming it; comments and others stay. */
		if (!add && !donor_addr_parse(strtok_r(copy, " \t", &save2), &l) && !strcmp(l.name, a.name))
			continue;
		strcat(out, line);
		strcat(out, "\n");
	}
	if (add) {
		strcat(out, a.name);
		strcat(out, "\n");
	}
	ret = write_file(ctx, ctx->donors_file, out);
	free(out);
	free(text);
	return ret;
}

static int donor_add(struct rmemctl *ctx, int argc, char **argv)
{
	return donor_add_del(ctx, argc, argv, true);
}

static int donor_del(struct rmemctl *ctx, int argc, char **argv)
{
	return donor_add_del(ctx, argc, argv, false);
}

static const struct rmemctl_cmd donor_cmds[] = {
	{ "show", donor_show },
	{ "add", donor_add },
	{ "del", donor_del },
};

int do_donor(struct rmemctl *ctx, int argc, char **argv)
{
	return rmemctl_dispatch(ctx, "donor", rmemctl_donor_usage, donor_cmds,
				sizeof(donor_cmds) / sizeof(donor_cmds[0]), "show", argc, argv);
}
