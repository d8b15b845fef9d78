// SPDX-License-Identifier: GPL-2.0
/*
 * rmem_serve.c - one serve attempt of rmem-appliance: pool -> devices ->
 * reaper -> listener, a poll loop, and the teardown in reverse.  Daemon
 * mode (rmem_appliance_main.c) runs it once; PID 1 (rmem_init.c) runs it
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

#include "rmem_appliance.h"
#include "rmem_ibdev.h"
#include "rmem_listen.h"
#include "rmem_log.h"
#include "rmem_pool.h"
#include "rmem_reaper.h"
#include "rmem_serve.h"

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
