/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rmem_listen.h - rdma_cm, one listener per serve attempt (struct
 * rmem_listener in rmem_appliance.h).  The serve loop polls
 * rmem_listen_fd() and calls rmem_listen_process(); rmem_listen_stop()
 * disconnects every host and must run before the devices and the pool go
 * away.
 */
#ifndef RMEM_LISTEN_H
#define RMEM_LISTEN_H

struct rmem_appliance;

/* 0, or a negative errno with the reason already logged. */
int rmem_listen_start(struct rmem_appliance *app);
int rmem_listen_fd(const struct rmem_appliance *app);
int rmem_listen_process(struct rmem_appliance *app);
void rmem_listen_stop(struct rmem_appliance *app);

#endif /* RMEM_LISTEN_H */
