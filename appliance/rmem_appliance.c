// SPDX-License-Identifier: GPL-2.0
/*
 * rmem-appliance - turns a machine's RAM into remote memory for the rack.
 *
 * main() parses options and picks the mode: daemon (serve until SIGTERM)
 * or PID 1 (rmem_init.c: serve forever, retry on failure).  rmem_serve()
 * is one serve attempt: pool -> devices -> reaper -> listener, a poll loop,
 * and the teardown in reverse.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "rmem_appliance.h"

#define RMEM_APPLIANCE_VERSION "0.1"

/* Reaper/stats period: about once a second, finer for short test leases. */
static uint64_t rmem_tick_ms(const struct rmem_opts *opts)
{
	uint64_t t = opts->lease_timeout_ms / 4;

	if (t > 1000)
		t = 1000;
	if (t < 100)
		t = 100;
	return t;
}

void rmem_print_help(FILE *f, const char *prog)
{
	struct rmem_opts defaults;
	char left[64], def[128];
	size_t i;

	rmem_opts_defaults(&defaults);
	fprintf(f,
		"Usage: %s [OPTION]...\n"
		"Donate this machine's memory to the rack over RDMA.  Hosts connect with\n"
		"rdma_cm, then allocate, free, read and write chunks with one-sided RDMA:\n"
		"after connect, this process does no work per operation.\n\n", prog);
	for (i = 0; i < rmem_opt_count; i++) {
		const struct rmem_opt_desc *d = &rmem_opt_table[i];

		if (d->short_name)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", d->short_name, d->name,
				 d->arg ? " " : "", d->arg ? d->arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", d->name, d->arg ? " " : "",
				 d->arg ? d->arg : "");
		fprintf(f, "  %-30s %s\n", left, d->help);
		def[0] = '\0';
		if (d->show)
			d->show(&defaults, def, sizeof(def));
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
		"Daemon mode logs to stderr (the journal under systemd) and exits cleanly on\n"
		"SIGTERM or SIGINT.  With --init (or as PID 1) it never exits: a fatal error\n"
		"is printed and the appliance starts again after a delay.\n"
		"Exit status: 0 clean shutdown, 1 fatal error, 2 bad option.\n",
		RMEM_DEFAULT_PORT);
}

int rmem_parse_args(int argc, char **argv, struct rmem_opts *opts, bool *help,
		    bool *version, char *err, size_t errlen)
{
	struct option longopts[64];
	char optstring[80] = ":";	/* leading ':' reports a missing value as ':' */
	char msg[256];
	size_t i, n = 0, s = 1;
	int c, idx;

	for (i = 0; i < rmem_opt_count && n < RMEM_ARRAY_SIZE(longopts) - 3; i++) {
		const struct rmem_opt_desc *d = &rmem_opt_table[i];

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
		const struct rmem_opt_desc *d = NULL;

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
			d = &rmem_opt_table[c - 0x100];
		} else {
			for (i = 0; i < rmem_opt_count; i++)
				if (rmem_opt_table[i].short_name == c)
					d = &rmem_opt_table[i];
		}
		if (!d) {
			snprintf(err, errlen, "unknown option '%s'", argv[optind - 1]);
			return 2;
		}
		if (d->set(opts, d->arg ? optarg : NULL, msg, sizeof(msg))) {
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

static int rmem_signals_open(void)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
	fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	return fd;
}

/* Drains the signalfd; returns the last signal number read, or 0. */
static int rmem_signals_read(int fd)
{
	struct signalfd_siginfo si;
	int sig = 0;

	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		sig = (int)si.ssi_signo;
	return sig;
}

/* Once serving: what an operator at the donor's console needs to see. */
static void rmem_serve_banner(const struct rmem_appliance *app)
{
	const struct rmem_pool *pool = &app->pool;
	char devs[256] = "", pinned[32], chunk[32];
	const struct rmem_ibdev *d;
	size_t n = 0;

	for (d = app->devs; d && n < sizeof(devs) - 1; d = d->next) {
		int w = snprintf(devs + n, sizeof(devs) - n, "%s%s", n ? "," : "", d->name);

		if (w < 0)
			break;
		n += (size_t)w;
	}
	rmem_info("serving: rmem-appliance %s, %s pinned (%s pages), %" PRIu64
		  " chunks of %s, RDMA devices: %s, listening on %s:%u",
		  RMEM_APPLIANCE_VERSION, rmem_fmt_size(pool->map_len, pinned, sizeof(pinned)),
		  pool->hugetlb ? "huge" : "4 KiB", pool->layout.chunk_count,
		  rmem_fmt_size(1ull << pool->layout.chunk_shift, chunk, sizeof(chunk)),
		  n ? devs : "none yet", app->opts.listen_host[0] ? app->opts.listen_host : "*",
		  app->opts.port);
}

/* A line a minute, so a console shows the donor is alive and how full. */
#define RMEM_STATUS_PERIOD_MS 60000

static void rmem_serve_status(const struct rmem_appliance *app, uint64_t now)
{
	rmem_info("status: up %" PRIu64 " s, %" PRIu64 "/%" PRIu64 " chunks used, %u hosts, "
		  "%u devices, %" PRIu64 " leases expired, %" PRIu64 " chunks reclaimed",
		  (now - app->reaper.start_ms) / 1000, app->reaper.chunks_used,
		  app->pool.layout.chunk_count, app->lis.established, app->reaper.slots_used,
		  app->reaper.leases_expired, app->reaper.chunks_freed);
}

static int rmem_serve_loop(struct rmem_appliance *app)
{
	uint64_t next_status = rmem_now_ms() + RMEM_STATUS_PERIOD_MS;
	uint64_t tick = rmem_tick_ms(&app->opts);
	uint64_t next = rmem_now_ms();
	struct pollfd pfd[2];
	int err, nfds, sig;

	pfd[0].fd = rmem_listen_fd(app);
	pfd[0].events = POLLIN;
	pfd[1].fd = app->signal_fd;
	pfd[1].events = POLLIN;
	nfds = app->signal_fd >= 0 ? 2 : 1;

	while (!app->stop) {
		uint64_t now = rmem_now_ms();
		int timeout = now >= next ? 0 : (int)(next - now);

		if (poll(pfd, (nfds_t)nfds, timeout) < 0 && errno != EINTR) {
			err = -errno;
			rmem_err("poll failed: %s", strerror(errno));
			return err;
		}
		if (pfd[0].revents) {
			err = rmem_listen_process(app);
			if (err)
				return err;
		}
		if (nfds > 1 && pfd[1].revents) {
			sig = rmem_signals_read(app->signal_fd);
			if (sig) {
				rmem_info("%s: shutting down", strsignal(sig));
				app->stop = true;
			}
		}
		now = rmem_now_ms();
		if (now >= next) {
			rmem_reaper_tick(app, now);
			if (now >= next_status) {
				rmem_serve_status(app, now);
				next_status = now + RMEM_STATUS_PERIOD_MS;
			}
			next += tick;
			if (next <= now)	/* we were stalled: do not catch up in a burst */
				next = now + tick;
		}
	}
	return 0;
}

int rmem_serve(const struct rmem_opts *opts, bool handle_signals)
{
	struct rmem_appliance *app;
	int err;

	app = calloc(1, sizeof(*app));
	if (!app)
		return -ENOMEM;
	app->opts = *opts;
	app->signal_fd = -1;

	err = rmem_pool_create(&app->pool, &app->opts);
	if (err)
		goto out_free;
	rmem_ibdev_open_all(&app->devs, &app->pool, app->opts.device);
	err = rmem_reaper_init(app);
	if (err) {
		rmem_err("out of memory for the reaper");
		goto out_close_devs;
	}
	if (handle_signals) {
		app->signal_fd = rmem_signals_open();
		if (app->signal_fd < 0) {
			err = app->signal_fd;
			rmem_err("cannot set up signal handling: %s", strerror(-err));
			goto out_reaper_fini;
		}
	}
	err = rmem_listen_start(app);
	if (err)
		goto out_close_signals;
	rmem_reaper_tick(app, rmem_now_ms());
	rmem_serve_banner(app);

	err = rmem_serve_loop(app);

	rmem_listen_stop(app);
	rmem_info("stopped after %" PRIu64 " accepted and %" PRIu64 " rejected connections, %"
		  PRIu64 " leases expired", app->lis.accepted, app->lis.rejected,
		  app->reaper.leases_expired);
out_close_signals:
	if (app->signal_fd >= 0)
		close(app->signal_fd);
out_reaper_fini:
	rmem_reaper_fini(app);
out_close_devs:
	rmem_ibdev_close_all(&app->devs);
	rmem_pool_destroy(&app->pool);
out_free:
	free(app);
	return err;
}

int main(int argc, char **argv)
{
	struct rmem_opts opts;
	bool help, version;
	char err[320];
	int i;

	/* PID 1 must never exit, whatever its arguments say: decide that first. */
	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--init"))
			break;
	if (i < argc || getpid() == 1)
		rmem_init_main(argc, argv);

	rmem_opts_defaults(&opts);
	if (rmem_parse_args(argc, argv, &opts, &help, &version, err, sizeof(err))) {
		fprintf(stderr, "rmem-appliance: %s (see --help)\n", err);
		return 2;
	}
	if (help) {
		rmem_print_help(stdout, "rmem-appliance");
		return 0;
	}
	if (version) {
		printf("rmem-appliance %s (protocol %u, layout %u)\n", RMEM_APPLIANCE_VERSION,
		       RMEM_WIRE_VERSION, RMEM_LAYOUT_VERSION);
		return 0;
	}
	rmem_log_setup(opts.debug);
	signal(SIGPIPE, SIG_IGN);
	return rmem_serve(&opts, true) ? 1 : 0;
}
