/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * poller.h - one reader thread per donor.  The thread connects (bounded by
 * the timeout), takes a one-sided snapshot every interval, and publishes a
 * summary under a lock; the screen only ever copies the latest summary, so a
 * donor that hangs or dies can never block a refresh.
 */
#ifndef RMEM_TOP_POLLER_H
#define RMEM_TOP_POLLER_H

#include <pthread.h>
#include <stdatomic.h>

#include "top.h"

struct poller {
	struct donor_addr addr;
	struct donor_connect conn;	/* timeout per CM step / RDMA op, rack key */
	double interval;		/* between snapshots, s */
	pthread_t thread;
	bool started;
	atomic_bool stop;
	pthread_mutex_t lock;		/* latest, polls, the stop wakeup */
	pthread_cond_t wake;		/* signalled on stop */
	struct top_donor latest;	/* under lock */
	unsigned long polls;		/* finished attempts, under lock */
	double last_poll;		/* wall clock of the last attempt's end, under lock */
};

int poller_start(struct poller *p, const struct donor_addr *a, const struct donor_connect *dc,
		 double interval);
/* Copies the latest summary; returns the number of finished polls. */
unsigned long poller_get(struct poller *p, struct top_donor *out, double *last_poll);
/* Asks the thread to stop and waits for it at most @wait_ms; false if it did not stop. */
bool poller_stop(struct poller *p, int wait_ms);

double now_wall(void);

#endif /* RMEM_TOP_POLLER_H */
