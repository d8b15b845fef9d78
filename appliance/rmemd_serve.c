// SPDX-License-Identifier: GPL-2.0
/*
 * rmemd_serve.c - one serve attempt of rmem-appliance: pool -> devices ->
 * reaper -> listener, a poll loop, and the teardown in reverse.  Daemon
 * mode (rmemd_main.c) runs it once; PID 1 (rmemd_init.c) runs it
 * again after every failure.
 *
 * The loop is the appliance's only wait: rdma_cm events, signals and the
 * DHCP socket are polled together, and the timeout is the nearer of the
 * reaper tick and the DHCP deadline, so a lease is renewed on time and
 * its work (a few non-blocking syscalls) never holds up a connect.
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
#include "rmemd_auth.h"
#include "rmemd_dhcp_io.h"
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
	sigaddset(&set, SIGHUP);	/* re-read the rack key file */
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
	fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	return fd;
}

/* Drains the signalfd; returns the last stopping signal read, or 0; *@hup: a SIGHUP came. */
static int rmemd_signals_read(int fd, bool *hup)
{
	struct signalfd_siginfo si;
	int sig = 0;

	*hup = false;
	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP)
			*hup = true;
		else
			sig = (int)si.ssi_signo;
	}
	return sig;
}

/* SIGHUP: the key file again; a bad one leaves the keys in force. */
static void rmemd_serve_reload_keys(struct rmemd_appliance *app)
{
	char err[400], ids[24];

	if (app->auth.insecure) {
		rmemd_warn("SIGHUP ignored: running --insecure, there are no rack keys to reload");
		return;
	}
	if (rmemd_auth_reload(&app->auth, app->opts.key_file, err, sizeof(err)))
		rmemd_err("SIGHUP: %s; keeping rack key(s) %s", err,
			 rmemd_auth_ids(&app->auth, ids, sizeof(ids)));
	else
		rmemd_info("SIGHUP: reloaded %s: hosts must prove rack key(s) %s", app->opts.key_file,
			  rmemd_auth_ids(&app->auth, ids, sizeof(ids)));
}

/* Once serving: what an operator at the donor's console needs to see. */
static void rmemd_serve_banner(const struct rmemd_appliance *app)
{
	const struct rmemd_pool *pool = &app->pool;
	char devs[256] = "", pinned[32], chunk[32], allow[RMEMD_ALLOW_MAX * 20], auth[80];
	char ids[24];
	const struct rmemd_ibdev *d;
	size_t n = 0;

	for (d = app->devs; d && n < sizeof(devs) - 1; d = d->next) {
		int w = snprintf(devs + n, sizeof(devs) - n, "%s%s", n ? "," : "", d->name);

		if (w < 0)
			break;
		n += (size_t)w;
	}
	rmemd_opt_show(rmemd_opt_find("allow"), &app->opts, allow, sizeof(allow));
	if (app->auth.insecure)
		snprintf(auth, sizeof(auth), "INSECURE: any peer that reaches this port gets every tenant's memory");
	else
		snprintf(auth, sizeof(auth), "hosts must prove rack key(s) %s",
			 rmemd_auth_ids(&app->auth, ids, sizeof(ids)));
	rmemd_info("serving: rmem-appliance %s, %s pinned (%s pages), %" PRIu64
		  " chunks of %s, RDMA devices: %s, listening on %s:%u, hosts allowed from %s, %s",
		  RMEMD_APPLIANCE_VERSION, rmemd_fmt_size(pool->map_len, pinned, sizeof(pinned)),
		  pool->hugetlb ? "huge" : "4 KiB", pool->layout.chunk_count,
		  rmemd_fmt_size(1ull << pool->layout.chunk_shift, chunk, sizeof(chunk)),
		  n ? devs : "none yet", app->opts.listen_host[0] ? app->opts.listen_host : "*",
		  app->opts.port, allow, auth);
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
	struct pollfd pfd[3];
	int err, nfds = 0, sig, sig_i = -1, dhcp_i = -1;
	bool hup;

	pfd[nfds].fd = rmemd_listen_fd(app);
	pfd[nfds++].events = POLLIN;
	if (app->signal_fd >= 0) {
		sig_i = nfds;
		pfd[nfds].fd = app->signal_fd;
		pfd[nfds++].events = POLLIN;
	}
	/* Its fd is read on every pass: the client closes it when its lease stops holding. */
	if (app->dhcp) {
		dhcp_i = nfds;
		pfd[nfds++].events = POLLIN;
	}

	while (!app->stop) {
		uint64_t now = rmemd_now_ms(), wake = next;
		int timeout;

		if (dhcp_i >= 0) {
			pfd[dhcp_i].fd = rmemd_dhcp_io_fd(app->dhcp);	/* -1: poll skips it */
			if (rmemd_dhcp_io_deadline(app->dhcp) < wake)
				wake = rmemd_dhcp_io_deadline(app->dhcp);
		}
		timeout = now >= wake ? 0 : (int)(wake - now);
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
		if (sig_i >= 0 && pfd[sig_i].revents) {
			sig = rmemd_signals_read(app->signal_fd, &hup);
			if (hup)
				rmemd_serve_reload_keys(app);
			if (sig) {
				rmemd_info("%s: shutting down", strsignal(sig));
				app->stop = true;
			}
		}
		now = rmemd_now_ms();
		/* A lease that no longer holds ends the attempt: bring-up must run again. */
		if (dhcp_i >= 0 &&
		    (pfd[dhcp_i].revents || now >= rmemd_dhcp_io_deadline(app->dhcp))) {
			err = rmemd_dhcp_io_tick(app->dhcp, now);
			if (err)
				return err;
		}
		if (now >= next) {
			rmemd_reaper_tick(app, now);
			rmemd_listen_tick(app, now);
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

/* The rack keys (or insecure mode), said out loud: a donor without either does not serve. */
static int rmemd_serve_auth_setup(struct rmemd_appliance *app)
{
	char err[600], ids[24];
	int ret;

	ret = rmemd_auth_setup(&app->auth, &app->opts, err, sizeof(err));
	/* Loaded into locked memory or refused: either way no copy stays behind. */
	explicit_bzero(app->opts.key_hex, sizeof(app->opts.key_hex));
	if (ret) {
		rmemd_err("%s", err);
		return ret;
	}
	if (app->auth.insecure)
		rmemd_err("INSECURE: %s: hosts are admitted without proving the rack key; any peer that reaches this port gets every tenant's memory",
			 app->opts.init ? "rmem.insecure=1" : "--insecure");
	else
		rmemd_info("rack key(s) %s from %s", rmemd_auth_ids(&app->auth, ids, sizeof(ids)),
			  app->auth.source);
	return 0;
}

int rmemd_serve(const struct rmemd_opts *opts, struct rmemd_dhcp_io *dhcp, bool handle_signals)
{
	struct rmemd_appliance *app;
	int err;

	app = calloc(1, sizeof(*app));
	if (!app)
		return -ENOMEM;
	app->opts = *opts;
	app->signal_fd = -1;
	app->dhcp = dhcp;

	err = rmemd_serve_auth_setup(app);
	if (err)
		goto out_free;
	err = rmemd_pool_create(&app->pool, &app->opts);
	if (err)
		goto out_auth_teardown;
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
	rmemd_info("stopped after %" PRIu64 " accepted (%" PRIu64 " proved the rack key) and %" PRIu64
		  " rejected connections (%" PRIu64 " not allowed, %" PRIu64
		  " without a valid proof, %" PRIu64 " HELLOs with the challenge table full), %" PRIu64
		  " leases expired",
		  app->lis.accepted, app->lis.auth_accepted, app->lis.rejected,
		  app->lis.refused_not_allowed, app->lis.refused_auth, app->auth.challenges_refused,
		  app->reaper.leases_expired);
out_close_signals:
	if (app->signal_fd >= 0)
		close(app->signal_fd);
out_reaper_fini:
	rmemd_reaper_fini(app);
out_close_devs:
	rmemd_ibdev_close_all(&app->devs);
	rmemd_pool_destroy(&app->pool);
out_auth_teardown:
	rmemd_auth_teardown(&app->auth);
out_free:
	free(app);
	return err;
}
