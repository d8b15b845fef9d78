// SPDX-License-Identifier: GPL-2.0
/*
 * rmemd_log.c - one log line per event on stderr.
 *
 * Under systemd (JOURNAL_STREAM set) each line starts with "<N>" so the
 * journal records its priority; elsewhere (terminal, PID 1 on the console)
 * lines carry a readable prefix instead.  The level and format are
 * process-wide settings, not connection state.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "rmemd_log.h"

static int rmemd_log_max = RMEMD_LOG_INFO;
static bool rmemd_log_journal;

void rmemd_log_setup(int debug)
{
	rmemd_log_max = debug ? RMEMD_LOG_DEBUG : RMEMD_LOG_INFO;
	rmemd_log_journal = getenv("JOURNAL_STREAM") != NULL;
}

void rmemd_log(int level, const char *fmt, ...)
{
	static const char *const tag[8] = {
		[RMEMD_LOG_ERR] = "error: ", [RMEMD_LOG_WARN] = "warning: ",
		[RMEMD_LOG_INFO] = "", [RMEMD_LOG_DEBUG] = "debug: ",
	};
	char line[1024];
	va_list ap;

	if (level > rmemd_log_max)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One fprintf per line: lines of concurrent writers do not interleave. */
	if (rmemd_log_journal)
		fprintf(stderr, "<%d>%s\n", level, line);
	else
		fprintf(stderr, "rmem-appliance: %s%s\n", tag[level & 7] ? tag[level & 7] : "",
			line);
}

int rmemd_log_wants(int level)
{
	return level <= rmemd_log_max;
}

int rmemd_ratelimit_ok(struct rmemd_ratelimit *rl, const char *what)
{
	uint32_t window = rl->window_ms ? rl->window_ms : RMEMD_RATELIMIT_MS;
	unsigned int burst = rl->burst ? rl->burst : RMEMD_RATELIMIT_BURST;
	uint64_t now = rmemd_now_ms();

	if (!rl->start_ms || now - rl->start_ms >= window) {
		if (rl->missed)
			rmemd_warn("%" PRIu64 " more %s not logged in the last %u s", rl->missed,
				   what, window / 1000);
		rl->start_ms = now ? now : 1;
		rl->printed = 0;
		rl->missed = 0;
	}
	if (rl->printed < burst) {
		rl->printed++;
		return 1;
	}
	rl->missed++;
	return 0;
}

uint64_t rmemd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void rmemd_sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}
