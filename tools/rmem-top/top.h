/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * top.h - rmem-top's model and views.
 *
 *   rmem-top.c  options, terminal, keys, the refresh loop (main)
 *   poller.c    one reader thread per donor: one-sided reads, bounded by a
 *               timeout, published under a lock; the screen never waits on it
 *   view.c      pure: donor summaries, device rates and percentiles, sorting,
 *               the text/ANSI frame and the JSON object (unit/rmemctl-top)
 */
#ifndef RMEM_TOP_H
#define RMEM_TOP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "donor.h"
#include "print.h"
#include "sysdev.h"

#define TOP_DONOR_DEVS 64	/* per-device chunk counts kept per donor */

enum top_donor_state {
	TOP_CONNECTING = 0,	/* no answer and no error yet */
	TOP_UP,
	TOP_DOWN,		/* last poll failed, or no answer for too long */
};

/* What the screen knows about one donor: a summary, never the big tables. */
struct top_donor {
	struct donor_addr addr;
	enum top_donor_state state;
	char error[512];		/* why it is DOWN */
	double last_seen;		/* wall clock (s) of the last good snapshot, 0 = never */
	bool have_snap;			/* the fields below are from a snapshot */
	DONOR_GEOM;
	uint64_t owned;			/* owner words in use */
	uint64_t orphans;
	uint32_t leases;		/* slots held */
	uint32_t leases_alive;		/* ... whose lease word moved recently */
	uint32_t leases_stale;		/* ... not moving for lease_timeout / 2 */
	uint32_t hosts;
	uint64_t uptime_ms;		/* epoch age */
	uint32_t ndevs;
	struct {
		uint64_t device_id;
		uint64_t chunks;
	} devs[TOP_DONOR_DEVS];
};

/*
 * Summarises @s into @d (addr/state untouched).  @watch (s->slot_count
 * entries, kept by the caller across polls, zeroed on an epoch change)
 * tracks lease words: a lease is stale when its word has not moved for
 * half the lease timeout, when a host must stop using the chunks.
 */
void top_donor_from_snap(struct top_donor *d, const struct donor_snap *s,
			 struct rmem_lease_watch *watch, uint64_t now_ms);

/* One device row: counters now, and rates over the last interval. */
struct top_dev {
	struct sysdev cur;
	bool have_rates;		/* a previous sample exists */
	double read_ops, write_ops;	/* per second */
	double read_mib, write_mib;	/* MiB per second */
	uint64_t p50_us, p99_us;	/* bucket upper bounds; UINT64_MAX = beyond the last */
	double merge;			/* 4 KiB pages per read/write request; 0 = none */
	uint64_t remote_bytes;		/* chunks held * chunk size */
};

/*
 * Fills @out from @cur and the previous sample @prev taken @dt seconds
 * earlier (@prev NULL: no rates).  Percentiles and merge use the interval's
 * requests, or every request so far when the interval had none.
 */
void top_dev_update(struct top_dev *out, const struct sysdev *cur, const struct sysdev *prev,
		    double dt);

enum top_view_mode { TOP_VIEW_ALL = 0, TOP_VIEW_DONORS, TOP_VIEW_DEVICES };
enum top_sort { TOP_SORT_NAME = 0, TOP_SORT_USED, TOP_SORT_IO, TOP_SORT_ERRORS, TOP_SORT_NR };

struct top_model {
	double now;			/* wall clock, s */
	double interval;		/* refresh, s */
	struct top_donor *donors;
	int ndonors;
	struct top_dev *devs;
	int ndevs;
	const char *dev_error;		/* sysfs could not be read, or NULL */
};

struct top_view {
	enum top_view_mode mode;
	enum top_sort sort;
	bool help;			/* key help instead of the tables */
};

const char *top_sort_name(enum top_sort s);
/* Sorts the model's rows in place for @sort. */
void top_sort_rows(struct top_model *m, enum top_sort sort);
/* The frame as text lines ending in '\n' (no escape sequences). */
void top_render_text(FILE *out, const struct top_model *m, const struct top_view *v);
/* One JSON object (one line, or indented with @pretty). */
void top_render_json(FILE *out, const struct top_model *m, bool pretty);
/*
 * Screen form of a text frame: home, every line cut to @cols columns with
 * erase-to-end, at most @rows lines, then erase below.  Returns bytes written.
 */
size_t top_screen(FILE *out, const char *text, int cols, int rows);

#endif /* RMEM_TOP_H */
