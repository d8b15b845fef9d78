/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rmem_appliance.h - the donor's object tree: one struct rmem_appliance per
 * serve attempt holds everything, so nothing about connections lives in
 * globals.  The layers and their files:
 *
 *   rmem_appliance_main.c  main, command line, --help (daemon or PID 1)
 *   rmem_serve.c      one serve attempt: set up, poll loop, tear down
 *   rmem_init.c       PID-1 duties: mounts, /proc/cmdline, retry forever
 *   rmem_bringup.c    image modules, network and soft-RoCE (PID 1)
 *   rmem_pool.c       sizing, pinning (huge pages or mlock) and the layout
 *   rmem_ibdev.c      per RDMA device: PD, CQ and the three MRs
 *   rmem_listen.c     rdma_cm: validate, accept with the descriptor, reject
 *   rmem_reaper.c     lease reaper and stats block (the only periodic work)
 *   rmem_parse.c      option table and value parsers (pure, unit tested)
 *   rmem_log.c        stderr / journal / console logging
 *
 * This header is data only: the tree and the per-layer state it embeds.
 * Each layer's functions are in its own rmem_<layer>.h, included by the
 * .c files that call them, so a layer that works on the tree (listen,
 * reaper) does not see the other layers' interfaces through it and the
 * files form no circle.  The appliance is single threaded: after a host
 * connects, the data path never involves this process.
 */
#ifndef RMEM_APPLIANCE_H
#define RMEM_APPLIANCE_H

#include <stdbool.h>
#include <stdint.h>
#include <rdma/rdma_cma.h>

#include "rmem_parse.h"
#include "rmem_pool.h"

struct rmem_ibdev;
struct rmem_lease_watch;
struct rmem_wire_slot;

/* One host connection: a QP the host's one-sided operations target. */
struct rmem_conn {
	struct rmem_conn *next;
	struct rdma_cm_id *id;
	struct rmem_ibdev *dev;
	uint64_t host_id;
	bool established;
	char peer[64];
};

struct rmem_listener {
	struct rdma_event_channel *channel;
	struct rdma_cm_id *id;
	struct rmem_conn *conns;
	unsigned int established;	/* connected hosts */
	uint64_t accepted;
	uint64_t rejected;
	bool stopping;			/* reject new connects */
};

struct rmem_reaper {
	struct rmem_lease_watch *watch;	/* one per slot */
	struct rmem_wire_slot *snap;	/* slot table copy for the orphan check */
	uint64_t start_ms;
	uint64_t leases_expired;
	uint64_t chunks_freed;
	uint64_t refreshes;
	uint64_t chunks_used;		/* at the last refresh */
	uint32_t slots_used;
};

/*
 * rmem_serve() sets up pool, devices, reaper, signal_fd, listener, in that
 * order, and tears them down in reverse.
 */
struct rmem_appliance {
	struct rmem_opts opts;
	struct rmem_pool pool;
	struct rmem_ibdev *devs;
	struct rmem_listener lis;
	struct rmem_reaper reaper;
	int signal_fd;			/* SIGTERM/SIGINT, -1 in init mode */
	bool stop;
};

#endif /* RMEM_APPLIANCE_H */
