// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cli.c - rmemctl's global options, object table and verb dispatch.  Pure:
 * no RDMA, no exit(); the unit tier links it natively (unit/rmemctl-parse).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "rmemctl.h"

static const char rmemctl_usage[] =
	"Usage: rmemctl [OPTIONS] OBJECT { COMMAND | help }\n"
	"       rmemctl { -h | --help | help }\n"
	"where  OBJECT := { donor | dev | lease | chunk }\n"
	"       OPTIONS := { -j[son] | -p[retty] | -d[etails] | -f DONORS_FILE | -t TIMEOUT_MS |\n"
	"                    -k KEY_FILE | --insecure }\n"
	"  -j  JSON output, from the same print calls as the text\n"
	"  -p  indented JSON (implies -j)\n"
	"  -d  details (e.g. every chunk of `chunk show`)\n"
	"  -f  donors file used when a command names no donor (default " DONORS_FILE_DEFAULT ")\n"
	"  -t  timeout of each RDMA step in ms (default 2000)\n"
	"  -k  rack key file whose first key this host proves to donors (--key-file;\n"
	"      default $RMEM_KEY_FILE, else " RMEM_KEY_FILE_DEFAULT "; a file that does not\n"
	"      exist is an error: --insecure for donors run --insecure)\n"
	"  --insecure  prove no key, whatever file there is\n"
	"Exit status: 0 ok, 1 the operation failed, 2 bad command line.\n"
	"See `rmemctl OBJECT help` and docs/tools.md.\n";

static const struct {
	const char *name;
	int (*fn)(struct rmemctl *ctx, int argc, char **argv);
} objects[] = {
	{ "donor", do_donor },
	{ "dev", do_dev },
	{ "lease", do_lease },
	{ "chunk", do_chunk },
};

int rmemctl_err(struct rmemctl *ctx, int rc, const char *fmt, ...)
{
	va_list ap;

	fputs("rmemctl: ", ctx->err);
	va_start(ap, fmt);
	vfprintf(ctx->err, fmt, ap);
	va_end(ap);
	fputc('\n', ctx->err);
	return rc;
}

/* First line of a usage text, for one-line errors. */
static void usage_line(const char *usage, char *buf, size_t len)
{
	const char *nl = strchr(usage, '\n');
	size_t n = nl ? (size_t)(nl - usage) : strlen(usage);

	if (n >= len)
		n = len - 1;
	memcpy(buf, usage, n);
	buf[n] = '\0';
}

int rmemctl_dispatch(struct rmemctl *ctx, const char *object, const char *usage,
		     const struct rmemctl_cmd *cmds, size_t ncmds, const char *dflt,
		     int argc, char **argv)
{
	const char *verb = argc > 0 ? argv[0] : dflt;
	char line[256];
	size_t i;

	if (!strcmp(verb, "help") || !strcmp(verb, "-h") || !strcmp(verb, "--help")) {
		fputs(usage, ctx->out);
		return RC_OK;
	}
	/* iproute2 habit: "list" and "ls" mean show. */
	if (!strcmp(verb, "list") || !strcmp(verb, "ls"))
		verb = "show";
	for (i = 0; i < ncmds; i++)
		if (!strcmp(cmds[i].verb, verb))
			return cmds[i].fn(ctx, argc > 0 ? argc - 1 : 0, argc > 0 ? argv + 1 : argv);
	usage_line(usage, line, sizeof(line));
	return rmemctl_err(ctx, RC_USAGE, "%s: unknown command '%s'; %s", object, verb, line);
}

int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!s || !*s || *s == '-' || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 0);
	if (errno || *end)
		return -EINVAL;
	return 0;
}

int parse_size(const char *s, uint64_t *v)
{
	static const char *const sfx[] = { "K", "M", "G", "T" };
	unsigned long long n;
	unsigned int i, shift = 0;
	char *end;

	if (!s || !*s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	n = strtoull(s, &end, 0);
	if (errno)
		return -EINVAL;
	if (*end) {
		for (i = 0; i < 4; i++) {
			if (!strcasecmp(end, sfx[i]) ||
			    (!strncasecmp(end, sfx[i], 1) && !strcasecmp(end + 1, "iB")) ||
			    (!strncasecmp(end, sfx[i], 1) && !strcasecmp(end + 1, "B")))
				shift = 10 * (i + 1);
		}
		if (!shift)
			return -EINVAL;
	}
	if (shift && n > (~0ull >> shift))
		return -EINVAL;
	*v = (uint64_t)n << shift;
	return 0;
}

int rmemctl_donors(struct rmemctl *ctx, int argc, char **argv, struct donor_addr *out, int max)
{
	int i, n, bad;

	if (argc > max)
		return -rmemctl_err(ctx, RC_USAGE, "at most %d donors at once", max);
	for (i = 0; i < argc; i++)
		if (donor_addr_parse(argv[i], &out[i]))
			return -rmemctl_err(ctx, RC_USAGE, "'%s' is not a donor ADDR[:PORT]", argv[i]);
	if (argc)
		return argc;
	n = donors_file_read(ctx->donors_file, out, max, &bad);
	if (n == -ENOENT || n == 0)
		return -rmemctl_err(ctx, RC_USAGE, "no donor named and none in %s", ctx->donors_file);
	if (n == -EINVAL)
		return -rmemctl_err(ctx, RC_FAIL, "%s:%d: not a donor ADDR[:PORT]", ctx->donors_file, bad);
	if (n < 0)
		return -rmemctl_err(ctx, RC_FAIL, "%s: %s", ctx->donors_file, strerror(-n));
	return n;
}

static bool is_opt(const char *a, const char *shrt, const char *lng)
{
	/* -j, -json, --json: iproute2 accepts every spelling. */
	if (!strcmp(a, shrt))
		return true;
	if (a[0] == '-' && a[1] == '-')
		a++;
	return !strcmp(a, lng);
}

int rmemctl_main(struct rmemctl *ctx, int argc, char **argv)
{
	const char *obj;
	char *a;
	size_t i;
	int ret;

	if (!ctx->sysfs_root)
		ctx->sysfs_root = SYSDEV_ROOT_DEFAULT;
	if (!ctx->donors_file)
		ctx->donors_file = DONORS_FILE_DEFAULT;
	if (!ctx->conn.timeout_ms)
		ctx->conn.timeout_ms = 2000;
	argc--;
	argv++;
	while (argc > 0 && argv[0][0] == '-') {
		a = argv[0];
		if (is_opt(a, "-j", "-json")) {
			ctx->json = true;
		} else if (is_opt(a, "-p", "-pretty")) {
			ctx->json = true;
			ctx->pretty = true;
		} else if (is_opt(a, "-d", "-details")) {
			ctx->details = true;
		} else if (is_opt(a, "-h", "-help")) {
			fputs(rmemctl_usage, ctx->out);
			return RC_OK;
		} else if (is_opt(a, "-f", "-file")) {
			if (argc < 2)
				return rmemctl_err(ctx, RC_USAGE, "option '%s' needs a value", a);
			ctx->donors_file = argv[1];
			argc--;
			argv++;
		} else if (is_opt(a, "-t", "-timeout")) {
			uint64_t t;

			if (argc < 2)
				return rmemctl_err(ctx, RC_USAGE, "option '%s' needs a value", a);
			if (parse_u64(argv[1], &t) || t == 0 || t > 600000)
				return rmemctl_err(ctx, RC_USAGE,
						   "-t: '%s' is not a timeout in ms (1..600000)", argv[1]);
			ctx->conn.timeout_ms = (int)t;
			argc--;
			argv++;
		} else if (is_opt(a, "-k", "-key-file")) {
			if (argc < 2 || !argv[1][0])
				return rmemctl_err(ctx, RC_USAGE, "option '%s' needs a file", a);
			ctx->conn.key_file = argv[1];
			argc--;
			argv++;
		} else if (is_opt(a, "--insecure", "-insecure")) {
			ctx->conn.insecure = true;
		} else {
			return rmemctl_err(ctx, RC_USAGE, "unknown option '%s'; see rmemctl -h", a);
		}
		argc--;
		argv++;
	}
	pr_init(&ctx->pr, ctx->out, ctx->json, ctx->pretty);
	if (argc == 0) {
		fputs(rmemctl_usage, ctx->err);
		return RC_USAGE;
	}
	obj = argv[0];
	if (!strcmp(obj, "help")) {
		fputs(rmemctl_usage, ctx->out);
		return RC_OK;
	}
	for (i = 0; i < sizeof(objects) / sizeof(objects[0]); i++) {
		if (strcmp(objects[i].name, obj))
			continue;
		ret = objects[i].fn(ctx, argc - 1, argv + 1);
		fflush(ctx->out);
		return ret;
	}
	return rmemctl_err(ctx, RC_USAGE,
			   "unknown object '%s'; usage: rmemctl [OPTIONS] { donor | dev | lease | chunk } { COMMAND | help }",
			   obj);
}
