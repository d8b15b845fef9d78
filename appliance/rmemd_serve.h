/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rmemd_serve.h - one serve attempt, the part daemon mode (main) and PID-1
 * mode (rmemd_init_main) share.
 */
#ifndef RMEMD_SERVE_H
#define RMEMD_SERVE_H

#include <stdbool.h>

/* In the serving banner and in --version. */
#define RMEMD_APPLIANCE_VERSION "0.1"

struct rmemd_dhcp_io;
struct rmemd_opts;

/*
 * Sets up everything, serves until SIGTERM/SIGINT (or forever in init
 * mode; SIGHUP re-reads the rack key file), tears down.  @dhcp (NULL: none) is a lease the loop keeps renewed;
 * it stays the caller's.  Returns 0 after a clean shutdown, negative errno
 * with the reason already logged otherwise.
 */
int rmemd_serve(const struct rmemd_opts *opts, struct rmemd_dhcp_io *dhcp, bool handle_signals);

#endif /* RMEMD_SERVE_H */
