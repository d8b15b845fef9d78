/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rmem_log.h - rmem-appliance's log lines and its clock.
 *
 * Levels are syslog's, so under systemd the journal keeps them as they
 * are.  The level and the journal format are process-wide settings made
 * once per serve attempt by main or init (rmem_log_setup); everything
 * else only logs.
 */
#ifndef RMEM_LOG_H
#define RMEM_LOG_H

#include <stdint.h>

enum rmem_log_level { RMEM_LOG_ERR = 3, RMEM_LOG_WARN = 4, RMEM_LOG_INFO = 6, RMEM_LOG_DEBUG = 7 };

void rmem_log_setup(int debug);
void rmem_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define rmem_err(...) rmem_log(RMEM_LOG_ERR, __VA_ARGS__)
#define rmem_warn(...) rmem_log(RMEM_LOG_WARN, __VA_ARGS__)
#define rmem_info(...) rmem_log(RMEM_LOG_INFO, __VA_ARGS__)
#define rmem_dbg(...) rmem_log(RMEM_LOG_DEBUG, __VA_ARGS__)

uint64_t rmem_now_ms(void);	/* CLOCK_MONOTONIC */

#endif /* RMEM_LOG_H */
