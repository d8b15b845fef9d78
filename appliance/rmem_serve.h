/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rmem_serve.h - one serve attempt, the part daemon mode (main) and PID-1
 * mode (rmem_init_main) share.
 */
#ifndef RMEM_SERVE_H
#define RMEM_SERVE_H

#include <stdbool.h>

/* In the serving banner and in --version. */
#define RMEM_APPLIANCE_VERSION "0.1"

struct rmem_opts;

/*
 * Sets up everything, serves until SIGTERM/SIGINT (or forever in init
 * mode), tears down.  Returns 0 after a clean shutdown, negative errno
 * with the reason already logged otherwise.
 */
int rmem_serve(const struct rmem_opts *opts, bool handle_signals);

#endif /* RMEM_SERVE_H */
