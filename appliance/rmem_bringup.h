/* SPDX-License-Identifier: GPL-2.0 */
/* rmem_bringup.h - what PID 1 brings up before each serve attempt. */
#ifndef RMEM_BRINGUP_H
#define RMEM_BRINGUP_H

struct rmem_opts;

/*
 * Image modules, network and soft-RoCE; idempotent, so a retry redoes only
 * what failed.  0 or -errno.
 */
int rmem_bringup(const struct rmem_opts *opts);

#endif /* RMEM_BRINGUP_H */
