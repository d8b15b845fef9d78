/* SPDX-License-Identifier: GPL-2.0 */
/* rmemd_bringup.h - what PID 1 brings up before each serve attempt. */
#ifndef RMEMD_BRINGUP_H
#define RMEMD_BRINGUP_H

struct rmemd_dhcp_io;
struct rmemd_opts;

/*
 * Image modules, network and soft-RoCE; idempotent, so a retry redoes only
 * what failed.  With rmem.ip=[IFACE:]dhcp the lease is taken into @dhcp,
 * which the caller keeps across attempts (and renews) so a retry finds it
 * bound and leaves the interface alone.  0 or -errno.
 */
int rmemd_bringup(const struct rmemd_opts *opts, struct rmemd_dhcp_io *dhcp);

#endif /* RMEMD_BRINGUP_H */
