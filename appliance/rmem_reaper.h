/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rmem_reaper.h - the appliance's only periodic work (struct rmem_reaper in
 * rmem_appliance.h): expire dead leases, free their chunks, publish the
 * stats block.  The serve loop calls rmem_reaper_tick() between rdma_cm
 * events; nothing here blocks.
 */
#ifndef RMEM_REAPER_H
#define RMEM_REAPER_H

#include <stdint.h>

struct rmem_appliance;
struct rmem_pool;

int rmem_reaper_init(struct rmem_appliance *app);
void rmem_reaper_tick(struct rmem_appliance *app, uint64_t now_ms);
void rmem_reaper_fini(struct rmem_appliance *app);
uint64_t rmem_reaper_free_slot(struct rmem_pool *pool, uint32_t slot, uint64_t device_id);

#endif /* RMEM_REAPER_H */
