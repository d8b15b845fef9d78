// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * poller.c - per-donor reader threads for rmem-top (see poller.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "poller.h"

double now_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t now_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void publish_down(struct poller *p, const char *err)
{
	pthread_mutex_lock(&p->lock);
	p->latest.state = TOP_DOWN;
	snprintf(p->latest.error, sizeof(p->latest.error), "%s", err);
	p->polls++;
	p->last_poll = now_wall();
	pthread_mutex_unlock(&p->lock);
}

/* Sleeps until @deadline (monotonic ms) or stop. */
static void nap(struct poller *p, uint64_t deadline)
{
	struct timespec ts;
	uint64_t now = now_mono_ms(), left;

	if (deadline <= now)
		return;
	left = deadline - now;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t)(left / 1000);
	ts.tv_nsec += (long)(left % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&p->lock);
	while (!atomic_load(&p->stop) && pthread_cond_timedwait(&p->wake, &p->lock, &ts) != ETIMEDOUT)
		;
	pthread_mutex_unlock(&p->lock);
}

static void *poller_main(void *arg)
{
	struct poller *p = arg;
	struct rmem_lease_watch *watch = NULL;
	uint64_t epoch = 0, period = (uint64_t)(p->interval * 1000.0);
	struct rmemc_conn *c = NULL;
	struct rmemc_opts o;
	char err[512];

	donor_connect_opts(&p->conn, &o);

	while (!atomic_load(&p->stop)) {
		uint64_t t0 = now_mono_ms();
		struct donor_snap s;
		struct top_donor d;
		int ret;

		if (!c) {
			ret = rmemc_connect(p->addr.host, p->addr.port, &o, &c, err, sizeof(err));
			if (ret) {
				c = NULL;
				publish_down(p, err);
				nap(p, t0 + period);
				continue;
			}
		}
		ret = donor_fetch(c, &s, err, sizeof(err));
		if (ret) {
			/* Anything failed: the connection is not trusted again. */
			rmemc_disconnect(c);
			c = NULL;
			publish_down(p, err);
			nap(p, t0 + period);
			continue;
		}
		if (s.epoch != epoch || !watch) {
			/* New boot: every lease and chunk is new; the watch starts over. */
			free(watch);
			watch = calloc((size_t)s.slot_count + 1, sizeof(*watch));
			epoch = s.epoch;
		}
		memset(&d, 0, sizeof(d));
		top_donor_from_snap(&d, &s, watch, now_mono_ms());
		donor_snap_free(&s);
		d.addr = p->addr;
		d.state = TOP_UP;
		pthread_mutex_lock(&p->lock);
		d.last_seen = p->last_poll = now_wall();
		p->latest = d;
		p->polls++;
		pthread_mutex_unlock(&p->lock);
		nap(p, t0 + period);
	}
	rmemc_disconnect(c);
	free(watch);
	return NULL;
}

int poller_start(struct poller *p, const struct donor_addr *a, const struct donor_connect *dc,
		 double interval)
{
	int ret;

	memset(p, 0, sizeof(*p));
	p->addr = *a;
	p->conn = *dc;
	p->interval = interval;
	p->latest.addr = *a;
	p->latest.state = TOP_CONNECTING;
	atomic_init(&p->stop, false);
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->wake, NULL);
	ret = pthread_create(&p->thread, NULL, poller_main, p);
	if (ret)
		return -ret;
	p->started = true;
	return 0;
}

unsigned long poller_get(struct poller *p, struct top_donor *out, double *last_poll)
{
	unsigned long n;

	pthread_mutex_lock(&p->lock);
	*out = p->latest;
	n = p->polls;
	if (last_poll)
		*last_poll = p->last_poll;
	pthread_mutex_unlock(&p->lock);
	return n;
}

bool poller_stop(struct poller *p, int wait_ms)
{
	struct timespec ts;

	if (!p->started)
		return true;
	pthread_mutex_lock(&p->lock);
	atomic_store(&p->stop, true);
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->lock);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += wait_ms / 1000;
	ts.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	/* A thread stuck in a connect is left behind; exit reclaims it. */
	if (pthread_timedjoin_np(p->thread, NULL, &ts))
		return false;
	p->started = false;
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->wake);
	return true;
}
