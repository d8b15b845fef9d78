// SPDX-License-Identifier: GPL-2.0
/*
 * unit/rmemctl-parse: rmemctl's grammar, help, errors and exit codes, and
 * that -j and the text come from the same print calls.  The whole command
 * tree runs natively: `vdpa` and RDMA are fakes (struct rmemctl_ops), sysfs
 * is a temporary directory the fake `vdpa dev add` populates like the module.
 */
#include <errno.h>
#include <ftw.h>
#include <sys/stat.h>

#include "rmem_test.h"
#include "rmemctl.h"

/* ------------------------------------------------------------ fakes */

struct fake {
	char root[256];			/* <tmp>/devices */
	char calls[1024];		/* every argv run, "; "-separated */
	int run_fail;			/* nonzero: run() fails */
	int donor_down;			/* nonzero: donor_fetch() fails */
	unsigned int fetches;
	/* How the last fetch was told to connect (the key file name copied: argv goes away). */
	int timeout_ms;
	char key_file[64];
	bool insecure;
};

static struct fake fk;

static void put(const char *dir, const char *file, const char *v)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, file);
	f = fopen(p, "w");
	if (f) {
		fputs(v, f);
		fclose(f);
	}
}

/* `vdpa dev add mgmtdev rmem name X` makes what vhost_rmem would show. */
static int fake_run(void *arg, char *const argv[], char *err, size_t errlen)
{
	struct fake *f = arg;
	char d[512], s[600];
	int i;

	for (i = 0; argv[i]; i++) {
		strncat(f->calls, argv[i], sizeof(f->calls) - strlen(f->calls) - 2);
		strncat(f->calls, argv[i + 1] ? " " : "; ", sizeof(f->calls) - strlen(f->calls) - 2);
	}
	if (f->run_fail) {
		snprintf(err, errlen, "kernel answers: Operation not supported");
		return -1;
	}
	if (!strcmp(argv[2], "add")) {
		snprintf(d, sizeof(d), "%s/%s", f->root, argv[6]);
		mkdir(d, 0755);
		snprintf(s, sizeof(s), "%s/rmem", d);
		mkdir(s, 0755);
		put(s, "capacity", "0\n");
		put(s, "device_id", "0x0000000000000000\n");
		put(s, "backend", "\n");
		put(s, "chunk_shift", "21\n");
		put(s, "num_queues", "1\n");
		put(s, "live", "0\n");
		snprintf(s, sizeof(s), "%s/stats", d);
		mkdir(s, 0755);
		put(s, "reads", "7\n");
		put(s, "writes", "9\n");
		put(s, "chunks", "3\n");
		put(s, "err_header", "1\n");
		put(s, "err_backend", "2\n");
		put(s, "lat_le_64us", "15\n");
		put(s, "lat_le_1024us", "1\n");
	} else if (!strcmp(argv[2], "del")) {
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s/%s'", f->root, argv[3]);
		if (system(cmd))
			return -1;
	}
	return 0;
}

/* A donor: 16 chunks of 1 MiB, slots 2 (dev 0xb, gen 1) and 5 (dev 0x16, gen 0). */
static int fake_fetch(void *arg, const struct donor_addr *a, const struct donor_connect *dc,
		      struct donor_snap *s, char *err, size_t errlen)
{
	struct fake *f = arg;

	f->fetches++;
	f->timeout_ms = dc->timeout_ms;
	snprintf(f->key_file, sizeof(f->key_file), "%s", dc->key_file ? dc->key_file : "(default)");
	f->insecure = dc->insecure;
	if (f->donor_down) {
		snprintf(err, errlen, "no answer from %s within %d ms", a->name, dc->timeout_ms);
		return -ETIMEDOUT;
	}
	memset(s, 0, sizeof(*s));
	s->donor_id = 0x1234;
	s->epoch = 0xabcdef;
	s->chunk_shift = 20;
	s->chunk_count = 16;
	s->slot_count = 8;
	s->lease_timeout_ms = 30000;
	s->st.hosts_connected = 2;
	s->st.uptime_ms = 61000;
	s->owners = calloc(16, 8);
	s->slots = calloc(8, sizeof(*s->slots));
	s->slots[2].device_id = 0xb;
	s->slots[2].generation = 1;
	s->slots[5].device_id = 0x16;
	s->owners[0] = rmem_owner_encode(2, 1, 0);
	s->owners[1] = rmem_owner_encode(2, 1, 1);
	s->owners[2] = rmem_owner_encode(2, 1, 7);
	s->owners[9] = rmem_owner_encode(5, 0, 0);
	s->owners[12] = rmem_owner_encode(2, 0, 4);	/* old generation: orphan */
	return donor_snap_summarise(s);
}

static const struct rmemctl_ops fake_ops = {
	.run = fake_run,
	.donor_fetch = fake_fetch,
	.arg = &fk,
};

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static void setup(void)
{
	char tmpl[] = "/tmp/rmemctl-unit-XXXXXX";

	memset(&fk, 0, sizeof(fk));
	if (!mkdtemp(tmpl))
		abort();
	snprintf(fk.root, sizeof(fk.root), "%s/devices", tmpl);
	mkdir(fk.root, 0755);
}

static void teardown(void)
{
	char *slash = strrchr(fk.root, '/');

	*slash = '\0';
	nftw(fk.root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Runs "rmemctl <line>" (words split on spaces); captures stdout and stderr. */
static int run(const char *line, char **out, char **err)
{
	char *argv[64], *copy = strdup(line), *save = NULL, *w;
	size_t olen = 0, elen = 0;
	struct rmemctl ctx;
	int argc = 0, rc;

	argv[argc++] = "rmemctl";
	for (w = strtok_r(copy, " ", &save); w && argc < 63; w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	argv[argc] = NULL;
	memset(&ctx, 0, sizeof(ctx));
	ctx.out = open_memstream(out, &olen);
	ctx.err = open_memstream(err, &elen);
	ctx.sysfs_root = fk.root;
	ctx.donors_file = "/nonexistent/donors";
	ctx.ops = &fake_ops;
	rc = rmemctl_main(&ctx, argc, argv);
	fclose(ctx.out);
	fclose(ctx.err);
	free(copy);
	return rc;
}

static unsigned int lines(const char *s)
{
	unsigned int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

#define RUN(line, want_rc)                                                  \
	do {                                                                \
		free(out);                                                  \
		free(err);                                                  \
		rc = run(line, &out, &err);                                 \
		if (rc != (want_rc))                                        \
			RMEM_FAIL_AT("rmemctl %s: exit %d, want %d; out \"%s\" err \"%s\"", \
				     line, rc, want_rc, out, err);          \
	} while (0)

/* ------------------------------------------------------------ cases */

RMEM_CASE(global_help_and_usage)
{
	char *out = NULL, *err = NULL;
	int rc;

	setup();
	RUN("", RC_USAGE);
	CHECK(strstr(err, "Usage: rmemctl"));
	CHECK_EQ(strlen(out), 0);
	RUN("help", RC_OK);
	CHECK(strstr(out, "OBJECT := { donor | dev | lease | chunk }"));
	RUN("-h", RC_OK);
	CHECK(strstr(out, "Usage: rmemctl"));
	RUN("--help", RC_OK);
	RUN("frob show", RC_USAGE);
	CHECK(strstr(err, "unknown object 'frob'"));
	CHECK_EQ(lines(err), 1);
	RUN("-x donor show", RC_USAGE);
	CHECK(strstr(err, "unknown option '-x'"));
	CHECK_EQ(lines(err), 1);
	RUN("-t", RC_USAGE);
	RUN("-t abc donor show", RC_USAGE);
	RUN("-t 0 donor show", RC_USAGE);
	RUN("-f", RC_USAGE);
	CHECK_EQ(fk.fetches, 0);
	free(out);
	free(err);
	teardown();
}

/* -t, -k and --insecure reach the connect of every donor read; no key is ever printed. */
RMEM_CASE(connect_options_reach_the_fetch)
{
	char *out = NULL, *err = NULL;
	int rc;

	setup();
	RUN("donor show 10.0.0.1", RC_OK);
	CHECK_EQ(fk.timeout_ms, 2000);
	CHECK_STR(fk.key_file, "(default)");
	CHECK(!fk.insecure);
	RUN("-t 300 -k /tmp/other.key donor show 10.0.0.1", RC_OK);
	CHECK_EQ(fk.timeout_ms, 300);
	CHECK_STR(fk.key_file, "/tmp/other.key");
	CHECK(!fk.insecure);
	RUN("--key-file /k --insecure donor show 10.0.0.1", RC_OK);
	CHECK_STR(fk.key_file, "/k");
	CHECK(fk.insecure);
	RUN("-k", RC_USAGE);
	CHECK(strstr(err, "needs a file"));
	RUN("help", RC_OK);
	CHECK(strstr(out, "-k KEY_FILE | --insecure"));
	free(out);
	free(err);
	teardown();
}

RMEM_CASE(every_object_has_help_and_rejects_unknown_verbs)
{
	static const char *const objs[] = { "donor", "dev", "lease", "chunk" };
	char *out = NULL, *err = NULL, line[64], want[64];
	unsigned int i;
	int rc;

	setup();
	for (i = 0; i < 4; i++) {
		snprintf(line, sizeof(line), "%s help", objs[i]);
		snprintf(want, sizeof(want), "Usage: rmemctl ");
		RUN(line, RC_OK);
		CHECK(strstr(out, want));
		CHECK(strstr(out, objs[i]));
		CHECK_EQ(strlen(err), 0);
		snprintf(line, sizeof(line), "%s frobnicate", objs[i]);
		RUN(line, RC_USAGE);
		CHECK(strstr(err, "unknown command 'frobnicate'"));
		CHECK(strstr(err, "Usage: rmemctl"));
		CHECK_EQ(lines(err), 1);
		CHECK_EQ(strlen(out), 0);
	}
	CHECK_EQ(fk.fetches, 0);
	CHECK_EQ(strlen(fk.calls), 0);
	free(out);
	free(err);
	teardown();
}

RMEM_CASE(donor_show_text_and_json_agree)
{
	char *out = NULL, *err = NULL;
	int rc;

	setup();
	RUN("donor show 10.0.0.1", RC_OK);
	CHECK(strstr(out, "donor 10.0.0.1:7471 state up id 0x00001234 epoch 0x0000000000abcdef up 61000ms\n"));
	CHECK(strstr(out, "capacity 16.0MiB used 5.0MiB (31.2%) chunk-size 1.0MiB chunks 16 used 5 orphans 1 leases 2 of 8 hosts 2"));
	CHECK(strstr(out, "dev 0x000000000000000b slot 2 chunks 3 (3.0MiB)\n"));
	CHECK(strstr(out, "dev 0x0000000000000016 slot 5 chunks 1 (1.0MiB)\n"));
	RUN("-j donor show 10.0.0.1:7471", RC_OK);
	CHECK(out[0] == '[');
	CHECK(strstr(out, "\"address\":\"10.0.0.1:7471\",\"state\":\"up\",\"donor_id\":4660,"
			  "\"epoch\":\"0x0000000000abcdef\",\"uptime_ms\":61000,\"capacity\":16777216,"
			  "\"used\":5242880,\"used_pct\":31.250,\"chunk_size\":1048576,\"chunks_total\":16,"
			  "\"chunks_used\":5,\"orphans\":1,\"leases\":2,"));
	CHECK(strstr(out, "\"devices\":[{\"device_id\":\"0x000000000000000b\",\"slot\":2,\"chunks\":3,"
			  "\"bytes\":3145728,\"reclaiming\":false},{\"device_id\":\"0x0000000000000016\","));
	CHECK_EQ(lines(out), 1);
	CHECK(!strcmp(out + strlen(out) - 3, "}]\n"));
	RUN("-p donor show [fe80::1]:99", RC_OK);
	CHECK(strstr(out, "\"address\": \"[fe80::1]:99\""));
	CHECK(lines(out) > 20);
	RUN("donor show not/an/addr", RC_USAGE);
	RUN("donor show 1.2.3.4:70000", RC_USAGE);
	RUN("donor show", RC_USAGE);	/* nothing named, no donors file */
	CHECK(strstr(err, "no donor named"));
	free(out);
	free(err);
	teardown();
}

RMEM_CASE(donor_down_is_exit_1_and_shown)
{
	char *out = NULL, *err = NULL;
	int rc;

	setup();
	fk.donor_down = 1;
	RUN("-j donor show 10.0.0.9", RC_FAIL);
	CHECK(strstr(out, "[{\"address\":\"10.0.0.9:7471\",\"state\":\"down\",\"error\":\"no answer from 10.0.0.9:7471 within 2000 ms\"}]"));
	CHECK(strstr(err, "rmemctl: donor 10.0.0.9:7471: no answer"));
	RUN("-t 300 lease show 10.0.0.9", RC_FAIL);
	CHECK(strstr(out, "state down"));
	CHECK(strstr(err, "within 300 ms"));
	free(out);
	free(err);
	teardown();
}

RMEM_CASE(lease_and_chunk_views)
{
	char *out = NULL, *err = NULL;
	int rc;

	setup();
	RUN("lease show 10.0.0.1", RC_OK);
	CHECK(strstr(out, "slot 2 dev 0x000000000000000b state held gen 1 counter 0 chunks 3\n"));
	CHECK(strstr(out, "slot 5 dev 0x0000000000000016 state held gen 0 counter 0 chunks 1\n"));
	RUN("lease show 10.0.0.1 dev 0x16", RC_OK);
	CHECK(!strstr(out, "slot 2 "));
	CHECK(strstr(out, "slot 5 "));
	RUN("lease show dev", RC_USAGE);
	RUN("lease show dev xyz", RC_USAGE);
	RUN("chunk show 10.0.0.1", RC_OK);
	CHECK(strstr(out, "dev 0x000000000000000b slot 2 chunks 3:\n        0-2\n"));
	CHECK(strstr(out, "orphans 1:\n        12\n"));
	RUN("-d chunk show 10.0.0.1 dev 11", RC_OK);
	CHECK(strstr(out, " 0=v0 1=v1 2=v7\n"));
	CHECK(!strstr(out, "orphans"));
	RUN("-j chunk show 10.0.0.1", RC_OK);
	CHECK(strstr(out, "\"ranges\":[[0,2]]"));
	CHECK(strstr(out, "\"ranges\":[[9,9]]"));
	RUN("-j -d chunk show 10.0.0.1 dev 22", RC_OK);
	CHECK(strstr(out, "\"map\":[{\"chunk\":9,\"vchunk\":0}]"));
	free(out);
	free(err);
	teardown();
}

static void slurp(const char *root, const char *rel, char *buf, size_t len)
{
	char p[512];
	FILE *f;
	size_t n = 0;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	buf[0] = '\0';
	f = fopen(p, "r");
	if (!f)
		return;
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
}

RMEM_CASE(dev_add_set_show_del)
{
	char *out = NULL, *err = NULL, v[128];
	int rc;

	setup();
	RUN("dev add rmem0 capacity 64M id 0x1001 backend ram chunk-size 1M", RC_OK);
	CHECK_STR(fk.calls, "vdpa dev add mgmtdev rmem name rmem0; ");
	slurp(fk.root, "rmem0/rmem/capacity", v, sizeof(v));
	CHECK_STR(v, "67108864");
	slurp(fk.root, "rmem0/rmem/device_id", v, sizeof(v));
	CHECK_STR(v, "0x1001");
	slurp(fk.root, "rmem0/rmem/backend", v, sizeof(v));
	CHECK_STR(v, "ram");
	slurp(fk.root, "rmem0/rmem/chunk_shift", v, sizeof(v));
	CHECK_STR(v, "20");
	RUN("dev show", RC_OK);
	CHECK(strstr(out, "rmem0: id 0x0000000000001001 capacity 64.0MiB backend ram chunk-size 1.0MiB queues 1 live no \n"));
	CHECK(strstr(out, "chunks 3 (3.0MiB) reads 7 writes 9 read 0B written 0B discards 0 errors 3\n"));
	CHECK(strstr(out, "lat p50 <=64us p99 <=1024us\n"));
	RUN("-j dev show rmem0", RC_OK);
	CHECK(strstr(out, "[{\"name\":\"rmem0\",\"device_id\":\"0x0000000000001001\",\"capacity\":67108864,"));
	CHECK(strstr(out, "\"errors\":3,\"lat_p50_us\":64,\"lat_p99_us\":1024,\"lat_hist\":[0,15,0,1,0,0,0,0,0,0,0]"));
	RUN("dev set rmem0 capacity 32M", RC_OK);
	slurp(fk.root, "rmem0/rmem/capacity", v, sizeof(v));
	CHECK_STR(v, "33554432");
	/* The fake module has no donor file: an operator's error, not a crash. */
	RUN("dev set rmem0 donor 10.0.0.1", RC_FAIL);
	CHECK(strstr(err, "has no 'donor' setting"));
	slurp(fk.root, "rmem0/rmem/backend", v, sizeof(v));
	CHECK_STR(v, "rdma");	/* a donor implies its backend, written first */
	RUN("dev set rmem0 backend ram donor 10.0.0.1", RC_USAGE);
	CHECK(strstr(err, "donor goes with backend rdma, not ram"));
	RUN("dev set rmem9 capacity 32M", RC_FAIL);
	CHECK(strstr(err, "rmem9: no such rmem device"));
	RUN("dev show rmem9", RC_FAIL);
	fk.calls[0] = '\0';
	RUN("dev del rmem0", RC_OK);
	CHECK_STR(fk.calls, "vdpa dev del rmem0; ");
	RUN("-j dev show", RC_OK);
	CHECK_STR(out, "[]\n");
	RUN("dev del rmem0", RC_FAIL);
	free(out);
	free(err);
	teardown();
}

RMEM_CASE(dev_bad_input_is_usage_and_touches_nothing)
{
	static const char *const bad[] = {
		"dev add", "dev add ../x capacity 1M", "dev add r0 capacity", "dev add r0 capacity 1000",
		"dev add r0 capacity 0", "dev add r0 capacity 12Q", "dev add r0 id 0", "dev add r0 id -1",
		"dev add r0 id 0xffffffffffffffff", "dev add r0 backend disk", "dev add r0 chunk-size 3M",
		"dev add r0 chunk-size 2K", "dev add r0 chunk-size 2G", "dev add r0 driver foo",
		"dev add r0 donor [::1", "dev add r0 colour blue", "dev set r0",
		"dev set r0 driver virtio", "dev del", "dev del a b", "dev bind r0", "dev bind r0 foo",
		"dev show a b",
	};
	char *out = NULL, *err = NULL;
	unsigned int i;
	int rc;

	setup();
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		RUN(bad[i], RC_USAGE);
		CHECK_EQ(lines(err), 1);
	}
	CHECK_STR(fk.calls, "");
	/* vdpa itself fails: its message is the reason, exit 1. */
	fk.run_fail = 1;
	RUN("dev add r0 capacity 1M", RC_FAIL);
	CHECK(strstr(err, "vdpa dev add r0: kernel answers: Operation not supported"));
	free(out);
	free(err);
	teardown();
}

RMEM_CASE(donors_file_add_del)
{
	char *out = NULL, *err = NULL, path[300], cmd[400], v[256];
	int rc;

	setup();
	snprintf(path, sizeof(path), "%s/etc-donors", fk.root);
	snprintf(cmd, sizeof(cmd), "-f %s donor add 10.0.0.1", path);
	RUN(cmd, RC_OK);
	RUN(cmd, RC_FAIL);	/* twice */
	snprintf(cmd, sizeof(cmd), "-f %s donor add [fe80::2]:7000", path);
	RUN(cmd, RC_OK);
	slurp(fk.root, "etc-donors", v, sizeof(v));
	CHECK_STR(v, "10.0.0.1:7471\n[fe80::2]:7000\n");
	snprintf(cmd, sizeof(cmd), "-f %s -j donor show", path);
	RUN(cmd, RC_OK);
	CHECK_EQ(fk.fetches, 2);
	CHECK(strstr(out, "\"address\":\"[fe80::2]:7000\""));
	snprintf(cmd, sizeof(cmd), "-f %s donor del 10.0.0.1:7471", path);
	RUN(cmd, RC_OK);
	RUN(cmd, RC_FAIL);
	slurp(fk.root, "etc-donors", v, sizeof(v));
	CHECK_STR(v, "[fe80::2]:7000\n");
	snprintf(cmd, sizeof(cmd), "-f %s donor add", path);
	RUN(cmd, RC_USAGE);
	free(out);
	free(err);
	teardown();
}

RMEM_CASE(parsers)
{
	struct donor_addr a;
	uint64_t v;
	int bad;
	FILE *f;

	CHECK_EQ(parse_size("4096", &v), 0);
	CHECK_EQ(v, 4096);
	CHECK_EQ(parse_size("64M", &v), 0);
	CHECK_EQ(v, 64ull << 20);
	CHECK_EQ(parse_size("2GiB", &v), 0);
	CHECK_EQ(v, 2ull << 30);
	CHECK_EQ(parse_size("1kb", &v), 0);
	CHECK_EQ(v, 1024);
	CHECK_EQ(parse_size("0x1000", &v), 0);
	CHECK(parse_size("", &v));
	CHECK(parse_size("M", &v));
	CHECK(parse_size("-1", &v));
	CHECK(parse_size("1X", &v));
	CHECK(parse_size("99999999999T", &v));
	CHECK_EQ(parse_u64("0x16", &v), 0);
	CHECK_EQ(v, 0x16);
	CHECK(parse_u64(" 1", &v));
	CHECK(parse_u64("1 ", &v));
	CHECK(parse_u64("99999999999999999999", &v));

	CHECK_EQ(donor_addr_parse("10.0.0.1", &a), 0);
	CHECK_STR(a.name, "10.0.0.1:7471");
	CHECK_EQ(donor_addr_parse("donor-3.rack:9", &a), 0);
	CHECK_STR(a.host, "donor-3.rack");
	CHECK_EQ(a.port, 9);
	CHECK_EQ(donor_addr_parse("fe80::1", &a), 0);
	CHECK_STR(a.name, "[fe80::1]:7471");
	CHECK_EQ(donor_addr_parse("[::1]:8000", &a), 0);
	CHECK_STR(a.host, "::1");
	CHECK(donor_addr_parse("", &a));
	CHECK(donor_addr_parse(":7471", &a));
	CHECK(donor_addr_parse("1.2.3.4:", &a));
	CHECK(donor_addr_parse("1.2.3.4:0", &a));
	CHECK(donor_addr_parse("1.2.3.4:65536", &a));
	CHECK(donor_addr_parse("[::1", &a));
	CHECK(donor_addr_parse("[]:1", &a));
	CHECK(donor_addr_parse("[::1]x", &a));
	CHECK(donor_addr_parse("a b", &a));

	f = fopen("/tmp/rmemctl-unit-donors", "w");
	fputs("# rack 3\n\n  10.0.0.1   # first\n10.0.0.2:7000\n", f);
	fclose(f);
	{
		struct donor_addr d[4];

		CHECK_EQ(donors_file_read("/tmp/rmemctl-unit-donors", d, 4, &bad), 2);
		CHECK_STR(d[0].name, "10.0.0.1:7471");
		CHECK_STR(d[1].name, "10.0.0.2:7000");
		f = fopen("/tmp/rmemctl-unit-donors", "a");
		fputs("bad host!\n", f);
		fclose(f);
		CHECK_EQ(donors_file_read("/tmp/rmemctl-unit-donors", d, 4, &bad), -EINVAL);
		CHECK_EQ(bad, 5);
		CHECK_EQ(donors_file_read("/tmp/rmemctl-unit-donors", d, 1, &bad), -EINVAL);
		CHECK_EQ(donors_file_read("/nonexistent", d, 4, &bad), -ENOENT);
	}
	remove("/tmp/rmemctl-unit-donors");
}

RMEM_CASE(latency_percentiles)
{
	uint64_t b[SYSDEV_LAT_BUCKETS] = { 0 };

	CHECK_EQ(lat_percentile(b, 50), 0);
	b[1] = 50;
	b[3] = 49;
	b[10] = 1;
	CHECK_EQ(lat_percentile(b, 50), 64);
	CHECK_EQ(lat_percentile(b, 51), 1024);
	CHECK_EQ(lat_percentile(b, 99), 1024);
	CHECK_EQ(lat_percentile(b, 100), UINT64_MAX);
	CHECK_EQ(lat_bucket_us(0), 16);
	CHECK_EQ(lat_bucket_us(9), 4194304);
	CHECK_EQ(lat_bucket_us(10), UINT64_MAX);
}

RMEM_CASE(json_printer_escapes_and_nests)
{
	struct printer pr;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	pr_init(&pr, f, true, false);
	pr_open_obj(&pr, NULL);
	pr_str(&pr, "s", "%s", "a\"b\\c\n\x01");
	pr_open_arr(&pr, "e");
	pr_close_arr(&pr);
	pr_open_obj(&pr, "o");
	pr_dbl(&pr, "nan", NULL, 0.0 / 0.0);
	pr_bool(&pr, "t", NULL, true);
	pr_null(&pr, "n", NULL);
	pr_close_obj(&pr);
	pr_s64(&pr, "neg", NULL, -5);
	pr_close_obj(&pr);
	pr_end(&pr);
	fclose(f);
	CHECK_STR(buf, "{\"s\":\"a\\\"b\\\\c\\n\\u0001\",\"e\":[],\"o\":{\"nan\":null,\"t\":true,\"n\":null},\"neg\":-5}\n");
	free(buf);
}

RMEM_TEST_MAIN(RMEM_REF(global_help_and_usage),
	       RMEM_REF(every_object_has_help_and_rejects_unknown_verbs),
	       RMEM_REF(donor_show_text_and_json_agree),
	       RMEM_REF(donor_down_is_exit_1_and_shown),
	       RMEM_REF(lease_and_chunk_views),
	       RMEM_REF(dev_add_set_show_del),
	       RMEM_REF(dev_bad_input_is_usage_and_touches_nothing),
	       RMEM_REF(donors_file_add_del),
	       RMEM_REF(parsers), RMEM_REF(connect_options_reach_the_fetch),
	       RMEM_REF(latency_percentiles),
	       RMEM_REF(json_printer_escapes_and_nests))
