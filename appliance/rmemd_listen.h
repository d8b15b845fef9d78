/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rmemd_listen.h - rdma_cm, one listener per serve attempt (struct
 * rmemd_listener in rmemd.h).  The serve loop polls
 * rmemd_listen_fd() and calls rmemd_listen_process(); rmemd_listen_stop()
 * disconnects every host and must run before the devices and the pool go
 * away.
 */
#ifndef RMEMD_LISTEN_H
#define RMEMD_LISTEN_H

#include <stdint.h>

struct rmemd_appliance;

/* 0, or a negative errno with the reason already logged. */
int rmemd_listen_start(struct rmemd_appliance *app);
int rmemd_listen_fd(const struct rmemd_appliance *app);
int rmemd_listen_process(struct rmemd_appliance *app);
void rmemd_listen_stop(struct rmemd_appliance *app);
/* Before a reaped lease's chunks are touched: returns the connections revoked. */
unsigned int rmemd_listen_revoke(struct rmemd_appliance *app, uint64_t device_id,
				 uint64_t now_ms);
void rmemd_listen_tick(struct rmemd_appliance *app, uint64_t now_ms);

#endif /* RMEMD_LISTEN_H */
