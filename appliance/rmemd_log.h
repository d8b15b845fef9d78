/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rmemd_log.h - rmem-appliance's log lines and its clock.
 *
 * Levels are syslog's, so under systemd the journal keeps them as they
 * are.  The level and the journal format are process-wide settings made
 * once per serve attempt by main or init (rmemd_log_setup); everything
 * else only logs.
 */
#ifndef RMEMD_LOG_H
#define RMEMD_LOG_H

#include <stdint.h>

enum rmemd_log_level { RMEMD_LOG_ERR = 3, RMEMD_LOG_WARN = 4, RMEMD_LOG_INFO = 6, RMEMD_LOG_DEBUG = 7 };

void rmemd_log_setup(int debug);
void rmemd_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define rmemd_err(...) rmemd_log(RMEMD_LOG_ERR, __VA_ARGS__)
#define rmemd_warn(...) rmemd_log(RMEMD_LOG_WARN, __VA_ARGS__)
#define rmemd_info(...) rmemd_log(RMEMD_LOG_INFO, __VA_ARGS__)
#define rmemd_dbg(...) rmemd_log(RMEMD_LOG_DEBUG, __VA_ARGS__)

uint64_t rmemd_now_ms(void);	/* CLOCK_MONOTONIC */
void rmemd_sleep_ms(unsigned int ms);

/* Would a line of @level be printed?  Lets a caller skip a rate limit for lines nobody sees. */
int rmemd_log_wants(int level);

/*
 * At most RMEMD_RATELIMIT_BURST lines per RMEMD_RATELIMIT_MS of one kind
 * (what a peer can make the donor log: refused connections).  A new window
 * first logs how many lines the last one dropped.  A kind that may recur
 * for as long as the donor runs (DHCP) sets a longer window and a smaller
 * burst; zero-initialised fields mean the defaults.
 */
#define RMEMD_RATELIMIT_MS 5000
#define RMEMD_RATELIMIT_BURST 10

struct rmemd_ratelimit {
	uint64_t start_ms;
	unsigned int printed;
	uint64_t missed;
	uint32_t window_ms;	/* 0: RMEMD_RATELIMIT_MS */
	unsigned int burst;	/* 0: RMEMD_RATELIMIT_BURST */
};

/* May the caller log now?  @what names the kind in the "dropped" line. */
int rmemd_ratelimit_ok(struct rmemd_ratelimit *rl, const char *what);

#endif /* RMEMD_LOG_H */
