/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * rmemctl.h - the rmemctl command tree.
 *
 *   rmemctl [-j] [-p] [-d] [-f DONORS_FILE] [-t TIMEOUT_MS] [-k KEY_FILE] [--insecure]
 *           OBJECT VERB [ARGS]
 *
 * cli.c holds the global options and the object table; one file per object
 * (donor.c, dev.c, lease.c, chunk.c) holds its verb table, help and
 * handlers.  Everything that touches the outside world (running `vdpa`,
 * reading a donor over RDMA) goes through struct rmemctl_ops, and sysfs
 * through a root path, so the whole tree runs natively in the unit tier
 * against fakes; rmemctl.c's main() plugs in the real ones.
 */
#ifndef RMEMCTL_H
#define RMEMCTL_H

#include <stdbool.h>
#include <stdio.h>

#include "donor.h"
#include "print.h"
#include "sysdev.h"

/* Exit codes. */
#define RC_OK 0
#define RC_FAIL 1	/* the operation failed (donor down, write refused...) */
#define RC_USAGE 2	/* bad command line */

struct rmemctl_ops {
	/* Runs argv (argv[0] found in PATH); 0 if it exited 0, else -1 and @err. */
	int (*run)(void *arg, char *const argv[], char *err, size_t errlen);
	/* One snapshot of a donor, connected as @dc says; 0 or negative errno and @err. */
	int (*donor_fetch)(void *arg, const struct donor_addr *a, const struct donor_connect *dc,
			   struct donor_snap *s, char *err, size_t errlen);
	void *arg;
};

struct rmemctl {
	struct printer pr;		/* stdout: text or JSON */
	FILE *out;			/* where pr prints; help goes here too */
	FILE *err;			/* one-line errors */
	bool json;			/* -j */
	bool pretty;			/* -p: indented JSON */
	bool details;			/* -d: more fields (chunk lists...) */
	const char *sysfs_root;		/* /sys/bus/vdpa/devices unless tests say otherwise */
	const char *donors_file;	/* -f, default /etc/rmem/donors */
	struct donor_connect conn;	/* -t (per RDMA step, default 2000), -k, --insecure */
	const struct rmemctl_ops *ops;
};

/* One verb of an object. */
struct rmemctl_cmd {
	const char *verb;
	int (*fn)(struct rmemctl *ctx, int argc, char **argv);
};

/* Parses global options and runs the command; returns the exit code. */
int rmemctl_main(struct rmemctl *ctx, int argc, char **argv);

/*
 * Runs @argv[0] of @cmds (or @dflt's verb when argc == 0); "help" prints
 * @usage.  Unknown verb: one error line that includes the usage, RC_USAGE.
 */
int rmemctl_dispatch(struct rmemctl *ctx, const char *object, const char *usage,
		     const struct rmemctl_cmd *cmds, size_t ncmds, const char *dflt,
		     int argc, char **argv);

/* "rmemctl: <msg>" on ctx->err; returns @rc. */
int rmemctl_err(struct rmemctl *ctx, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Argument parsers: 0 or -EINVAL. */
int parse_u64(const char *s, uint64_t *v);
/* Bytes with an optional binary suffix K, M, G, T (also KiB, MiB...). */
int parse_size(const char *s, uint64_t *v);

/*
 * The donors an object verb works on: the ADDR[:PORT] words of @argv up to
 * @argc (words that do not parse are a usage error), else the donors file.
 * Returns the count, or -RC_USAGE / -RC_FAIL after printing why.
 */
int rmemctl_donors(struct rmemctl *ctx, int argc, char **argv, struct donor_addr *out, int max);

/*
 * Reads every donor named in @argv (else the donors file) and calls @cb with
 * its snapshot, inside a JSON array @key.  A donor that does not answer is
 * printed as {"address", "state": "down", "error"}; the result is then
 * RC_FAIL.  @cb returns an exit code too.
 */
typedef int (*rmemctl_donor_cb)(struct rmemctl *ctx, const struct donor_addr *a,
				const struct donor_snap *s, void *arg);
int rmemctl_each_donor(struct rmemctl *ctx, int argc, char **argv, const char *key,
		       rmemctl_donor_cb cb, void *arg);

/* "dev ID" taken out of a verb's arguments (lease show, chunk show). */
struct dev_filter {
	bool set;
	uint64_t id;
};

/*
 * The show verb of lease and chunk: takes "dev ID" out of @argv (anywhere)
 * and runs rmemctl_each_donor() on the rest, @cb getting the filter.
 */
int rmemctl_show_per_dev(struct rmemctl *ctx, int argc, char **argv, rmemctl_donor_cb cb);

/* Objects. */
int do_donor(struct rmemctl *ctx, int argc, char **argv);
int do_dev(struct rmemctl *ctx, int argc, char **argv);
int do_lease(struct rmemctl *ctx, int argc, char **argv);
int do_chunk(struct rmemctl *ctx, int argc, char **argv);

extern const char rmemctl_donor_usage[];
extern const char rmemctl_dev_usage[];
extern const char rmemctl_lease_usage[];
extern const char rmemctl_chunk_usage[];

#endif /* RMEMCTL_H */
