// SPDX-License-Identifier: GPL-2.0
/*
 * rmemd_serve.c - one serve attempt of rmem-appliance: pool -> devices ->
 * reaper -> listener, a poll loop, and the teardown in reverse.  Daemon
 * mode (rmemd_main.c) runs it once; PID 1 (rmemd_init.c) runs it
 * again after every failure.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "rmemd.h"
#include "rmemd_ibdev.h"
#include "rmemd_listen.h"
#include "rmemd_log.h"
#include "rmemd_pool.h"
#include "rmemd_reaper.h"
#include "rmemd_serve.h"

/* Reaper/stats period: about once a second, finer for short test leases. */
static uint64_t rmemd_tick_ms(const struct rmemd_opts *opts)
{
	uint64_t t = opts->lease_timeout_ms / 4;

	if (t > 1000)
		t = 1000;
	if (t < 100)
		t = 100;
	return t;
}

static int rmemd_signals_open(void)
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
static int rmemd_signals_read(int fd)
{
	struct signalfd_siginfo si;
	int sig = 0;

	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		sig = (int)si.ssi_signo;
	return sig;
}

/* Once serving: what an operator at the donor's console needs to see. */
static void rmemd_serve_banner(const struct rmemd_appliance *app)
{
	const struct rmemd_pool *pool = &app->pool;
	char devs[256] = "", pinned[32], chunk[32], allow[RMEMD_ALLOW_MAX * 20];
	const struct rmemd_ibdev *d;
	size_t n = 0;

	for (d = app->devs; d && n < sizeof(devs) - 1; d = d->next) {
		int w = snprintf(devs + n, sizeof(devs) - n, "%s%s", n ? "," : "", d->name);

		if (w < 0)
			break;
		n += (size_t)w;
	}
	rmemd_opt_show(rmemd_opt_find("allow"), &app->opts, allow, sizeof(allow));
	rmemd_info("serving: rmem-appliance %s, %s pinned (%s pages), %" PRIu64
		  " chunks of %s, RDMA devices: %s, listening on %s:%u, hosts allowed from %s",
		  RMEMD_APPLIANCE_VERSION, rmemd_fmt_size(pool->map_len, pinned, sizeof(pinned)),
		  pool->hugetlb ? "huge" : "4 KiB", pool->layout.chunk_count,
		  rmemd_fmt_size(1ull << pool->layout.chunk_shift, chunk, sizeof(chunk)),
		  n ? devs : "none yet", app->opts.listen_host[0] ? app->opts.listen_host : "*",
		  app->opts.port, allow);
}

/* A line a minute, so a console shows the donor is alive and how full. */
#define RMEMD_STATUS_PERIOD_MS 60000

static void rmemd_serve_status(const struct rmemd_appliance *app, uint64_t now)
{
	rmemd_info("status: up %" PRIu64 " s, %" PRIu64 "/%" PRIu64 " chunks used, %u hosts, "
		  "%u devices, %" PRIu64 " leases expired, %" PRIu64 " chunks reclaimed",
		  (now - app->reaper.start_ms) / 1000, app->reaper.chunks_used,
		  app->pool.layout.chunk_count, app->lis.established, app->reaper.slots_used,
		  app->reaper.leases_expired, app->reaper.chunks_freed);
}

static int rmemd_serve_loop(struct rmemd_appliance *app)
{
	uint64_t next_status = rmemd_now_ms() + RMEMD_STATUS_PERIOD_MS;
	uint64_t tick = rmemd_tick_ms(&app->opts);
	uint64_t next = rmemd_now_ms();
	struct pollfd pfd[2];
	int err, nfds, sig;

	pfd[0].fd = rmemd_listen_fd(app);
	pfd[0].events = POLLIN;
	pfd[1].fd = app->signal_fd;
	pfd[1].events = POLLIN;
	nfds = app->signal_fd >= 0 ? 2 : 1;

	while (!app->stop) {
		uint64_t now = rmemd_now_ms();
		int timeout = now >= next ? 0 : (int)(next - now);

		if (poll(pfd, (nfds_t)nfds, timeout) < 0 && errno != EINTR) {
			err = -errno;
			rmemd_err("poll failed: %s", strerror(errno));
			return err;
		}
		if (pfd[0].revents) {
			err = rmemd_listen_process(app);
			if (err)
				return err;
		}
		if (nfds > 1 && pfd[1].revents) {
			sig = rmemd_signals_read(app->signal_fd);
			if (sig) {
				rmemd_info("%s: shutting down", strsignal(sig));
				app->stop = true;
			}
		}
		now = rmemd_now_ms();
		if (now >= next) {
			rmemd_reaper_tick(app, now);
			if (now >= next_status) {
				rmemd_serve_status(app, now);
				next_status = now + RMEMD_STATUS_PERIOD_MS;
			}
			next += tick;
			if (next <= now)	/* we were stalled: do not catch up in a burst */
				next = now + tick;
		}
	}
	return 0;
}

int rmemd_serve(const struct rmemd_opts *opts, bool handle_signals)
{
	struct rmemd_appliance *app;
	int err;

	app = calloc(1, sizeof(*app));
	if (!app)
		return -ENOMEM;
	app->opts = *opts;
	app->signal_fd = -1;

	err = rmemd_pool_create(&app->pool, &app->opts);
	if (err)
		goto out_free;
	rmemd_ibdev_open_all(&app->devs, &app->pool, app->opts.device);
	err = rmemd_reaper_init(app);
	if (err) {
		rmemd_err("out of memory for the reaper");
		goto out_close_devs;
	}
	if (handle_signals) {
		app->signal_fd = rmemd_signals_open();
		if (app->signal_fd < 0) {
			err = app->signal_fd;
			rmemd_err("cannot set up signal handling: %s", strerror(-err));
			goto out_reaper_fini;
		}
	}
	err = rmemd_listen_start(app);
	if (err)
		goto out_close_signals;
	rmemd_reaper_tick(app, rmemd_now_ms());
	rmemd_serve_banner(app);

	err = rmemd_serve_loop(app);

	rmemd_listen_stop(app);
	rmemd_info("stopped after %" PRIu64 " accepted and %" PRIu64 " rejected connections (%"
		  PRIu64 " not allowed), %" PRIu64 " leases expired", app->lis.accepted,
		  app->lis.rejected, app->lis.refused_not_allowed, app->reaper.leases_expired);
out_close_signals:
	if (app->signal_fd >= 0)
		close(app->signal_fd);
out_reaper_fini:
	rmemd_reaper_fini(app);
out_close_devs:
	rmemd_ibdev_close_all(&app->devs);
	rmemd_pool_destroy(&app->pool);
out_free:
	free(app);
	return err;
}
