/* SPDX-License-Identifier: GPL-2.0 */
/* rmemd_bringup.h - what PID 1 brings up before each serve attempt. */
#ifndef RMEMD_BRINGUP_H
#define RMEMD_BRINGUP_H

struct rmemd_opts;

/*
 * Image modules, network and soft-RoCE; idempotent, so a retry redoes only
 * what failed.  0 or -errno.
 */
int rmemd_bringup(const struct rmemd_opts *opts);

#endif /* RMEMD_BRINGUP_H */
