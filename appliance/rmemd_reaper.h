/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rmemd_reaper.h - the appliance's only periodic work (struct rmem_reaper in
 * rmemd.h): expire dead leases, free their chunks, publish the
 * stats block.  The serve loop calls rmemd_reaper_tick() between rdma_cm
 * events; nothing here blocks.
 */
#ifndef RMEMD_REAPER_H
#define RMEMD_REAPER_H

#include <stdint.h>

struct rmemd_appliance;

int rmemd_reaper_init(struct rmemd_appliance *app);
void rmemd_reaper_tick(struct rmemd_appliance *app, uint64_t now_ms);
void rmemd_reaper_fini(struct rmemd_appliance *app);

#endif /* RMEMD_REAPER_H */
