// SPDX-License-Identifier: GPL-2.0
/*
 * rmem-appliance - turns a machine's RAM into remote memory for the rack.
 *
 * main() picks the mode before anything else: PID 1 (rmemd_init.c: serve
 * forever, retry on failure, settings from the kernel command line) or
 * daemon (the command line below, then one rmemd_serve() until SIGTERM).
 * Only this file exits; every layer returns errors.
 */
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "rmemd_init.h"
#include "rmemd_log.h"
#include "rmemd_parse.h"
#include "rmemd_serve.h"
#include "rmem_proto.h"

static void rmemd_print_help(FILE *f, const char *prog)
{
	struct rmemd_opts defaults;
	char left[64], def[128];
	size_t i;

	rmemd_opts_defaults(&defaults);
	fprintf(f,
		"Usage: %s [OPTION]...\n"
		"Donate this machine's memory to the rack over RDMA.  Hosts connect with\n"
		"rdma_cm, then allocate, free, read and write chunks with one-sided RDMA:\n"
		"after connect, this process does no work per operation.\n\n", prog);
	for (i = 0; i < rmemd_opt_count; i++) {
		const struct rmemd_opt_desc *d = &rmemd_opt_table[i];

		if (d->cmdline_only) {
			snprintf(left, sizeof(left), "    rmem.%s=%s", d->cmdline, d->arg);
			fprintf(f, "  %-30s %s\n", left, d->help);
			fprintf(f, "  %-30s   (kernel command line only: argv is visible to every user)\n", "");
			continue;
		}
		if (d->short_name)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", d->short_name, d->name,
				 d->arg ? " " : "", d->arg ? d->arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", d->name, d->arg ? " " : "",
				 d->arg ? d->arg : "");
		fprintf(f, "  %-30s %s\n", left, d->help);
		rmemd_opt_show(d, &defaults, def, sizeof(def));
		if (def[0] && d->arg)
			fprintf(f, "  %-30s   (default: %s%s%s)\n", "", def,
				d->cmdline ? "; kernel command line: rmem." : "",
				d->cmdline ? d->cmdline : "");
		else if (d->cmdline)
			fprintf(f, "  %-30s   (kernel command line: rmem.%s)\n", "", d->cmdline);
	}
	fprintf(f, "  %-30s %s\n", "-h, --help", "show this help and exit");
	fprintf(f, "  %-30s %s\n", "-V, --version", "show the version and exit");
	fprintf(f,
		"\nSIZE takes K, M, G, T suffixes (binary).  The default rdma_cm port is %u.\n"
		"Daemon mode logs to stderr (the journal under systemd), re-reads the key file\n"
		"on SIGHUP (a bad one keeps the keys in force) and exits cleanly on SIGTERM or\n"
		"SIGINT.  With --init (or as PID 1) it never exits: a fatal error is printed\n"
		"and the appliance starts again after a delay.\n\n"
		"Hosts prove the rack key before they get anything (challenge-response with\n"
		"HMAC-SHA256 at connect).  Without a key and without --insecure the appliance\n"
		"does not start.  Make the key once and give every donor and host the file:\n"
		"  umask 077; openssl rand -hex 32 > %s\n"
		"Two keys in the file (one a line) are both accepted: rotation.  --insecure\n"
		"admits hosts without proof; for labs only: any peer that reaches this port\n"
		"gets every tenant's memory.\n\n"
		"Exit status: 0 clean shutdown, 1 fatal error, 2 bad option.\n",
		RMEM_DEFAULT_PORT, RMEM_KEY_FILE_DEFAULT);
}

static int rmemd_parse_args(int argc, char **argv, struct rmemd_opts *opts, bool *help,
			   bool *version, char *err, size_t errlen)
{
	struct option longopts[64];
	char optstring[80] = ":";	/* leading ':' reports a missing value as ':' */
	char msg[256];
	size_t i, n = 0, s = 1;
	int c, idx;

	for (i = 0; i < rmemd_opt_count && n < RMEM_ARRAY_SIZE(longopts) - 3; i++) {
		const struct rmemd_opt_desc *d = &rmemd_opt_table[i];

		if (d->cmdline_only)
			continue;
		longopts[n].name = d->name;
		longopts[n].has_arg = d->arg ? required_argument : no_argument;
		longopts[n].flag = NULL;
		longopts[n].val = d->short_name ? d->short_name : 0x100 + (int)i;
		n++;
		if (d->short_name && s + 2 < sizeof(optstring)) {
			optstring[s++] = (char)d->short_name;
			if (d->arg)
				optstring[s++] = ':';
		}
	}
	longopts[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	longopts[n++] = (struct option){ "version", no_argument, NULL, 'V' };
	longopts[n] = (struct option){ NULL, 0, NULL, 0 };
	strcat(optstring, "hV");

	*help = false;
	*version = false;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, optstring, longopts, &idx)) != -1) {
		const struct rmemd_opt_desc *d = NULL;

		if (c == 'h') {
			*help = true;
			continue;
		}
		if (c == 'V') {
			*version = true;
			continue;
		}
		if (c == '?') {
			if (optopt && optopt < 0x100)
				snprintf(err, errlen, "unknown option '-%c'", optopt);
			else
				snprintf(err, errlen, "unknown option '%s'", argv[optind - 1]);
			return 2;
		}
		if (c == ':') {
			snprintf(err, errlen, "option '%s' needs a value", argv[optind - 1]);
			return 2;
		}
		if (c >= 0x100) {
			d = &rmemd_opt_table[c - 0x100];
		} else {
			for (i = 0; i < rmemd_opt_count; i++)
				if (rmemd_opt_table[i].short_name == c)
					d = &rmemd_opt_table[i];
		}
		if (!d) {
			snprintf(err, errlen, "unknown option '%s'", argv[optind - 1]);
			return 2;
		}
		if (rmemd_opt_set(d, opts, d->arg ? optarg : NULL, msg, sizeof(msg))) {
			snprintf(err, errlen, "--%s: %s", d->name, msg);
			return 2;
		}
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s'", argv[optind]);
		return 2;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct rmemd_opts opts;
	bool help, version;
	char err[320];
	int i;

	/* PID 1 must never exit, whatever its arguments say: decide that first. */
	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--init"))
			break;
	if (i < argc || getpid() == 1)
		rmemd_init_main(argc, argv);

	rmemd_opts_defaults(&opts);
	if (rmemd_parse_args(argc, argv, &opts, &help, &version, err, sizeof(err))) {
		fprintf(stderr, "rmem-appliance: %s (see --help)\n", err);
		return 2;
	}
	if (help) {
		rmemd_print_help(stdout, "rmem-appliance");
		return 0;
	}
	if (version) {
		printf("rmem-appliance %s (protocol %u, layout %u)\n", RMEMD_APPLIANCE_VERSION,
		       RMEM_WIRE_VERSION, RMEM_LAYOUT_VERSION);
		return 0;
	}
	rmemd_log_setup(opts.debug);
	signal(SIGPIPE, SIG_IGN);
	/* A daemon's host owns its network (--ip and --rxe are for PID 1): no lease to keep. */
	return rmemd_serve(&opts, NULL, true) ? 1 : 0;
}
