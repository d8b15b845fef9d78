/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rmemd.h - the donor's object tree: one struct rmemd_appliance per
 * serve attempt holds everything, so nothing about connections lives in
 * globals.  The layers and their files:
 *
 *   rmemd_main.c  main, command line, --help (daemon or PID 1)
 *   rmemd_serve.c      one serve attempt: set up, poll loop, tear down
 *   rmemd_init.c       PID-1 duties: mounts, /proc/cmdline, retry forever
 *   rmemd_bringup.c    image modules, network and soft-RoCE (PID 1)
 *   rmemd_dhcp_io.c    DHCP socket and address: lease at bring-up, kept while serving
 *   rmemd_dhcp.c       DHCP messages, state machine, timers, NIC choice (pure, unit tested)
 *   rmemd_netif.c      interface flags, address and route ioctls (no iproute2)
 *   rmemd_pool.c       sizing, pinning (huge pages or mlock) and the layout
 *   rmemd_ibdev.c      per RDMA device: its CQ; per connection: PD and the three MRs
 *   rmemd_listen.c     rdma_cm: validate, accept with the descriptor, reject
 *   rmemd_auth.c       rack keys, challenges, host and donor proofs (libsodium)
 *   rmemd_reaper.c     lease reaper and stats block (the only periodic work)
 *   rmemd_parse.c      option table and value parsers (pure, unit tested)
 *   rmemd_log.c        stderr / journal / console logging
 *
 * This header is data only: the tree and the per-layer state it embeds.
 * Each layer's functions are in its own rmem_<layer>.h, included by the
 * .c files that call them, so a layer that works on the tree (listen,
 * reaper) does not see the other layers' interfaces through it and the
 * files form no circle.  The appliance is single threaded: after a host
 * connects, the data path never involves this process.
 */
#ifndef RMEMD_APPLIANCE_H
#define RMEMD_APPLIANCE_H

#include <stdbool.h>
#include <stdint.h>
#include <rdma/rdma_cma.h>

#include "rmemd_auth.h"
#include "rmemd_ibdev.h"
#include "rmemd_log.h"
#include "rmemd_parse.h"
#include "rmemd_pool.h"

struct rmemd_dhcp_io;
struct rmemd_ibdev;
struct rmem_lease_watch;
struct rmem_wire_slot;

/* One host connection: a QP the host's one-sided operations target. */
struct rmemd_conn {
	struct rmemd_conn *next;
	struct rdma_cm_id *id;
	struct rmemd_ibdev *dev;
	struct rmemd_grant grant;	/* its own PD and regions */
	struct sockaddr_storage addr;	/* the host's */
	uint64_t host_id;		/* the device it serves; 0: shared by its host's devices */
	uint64_t revoked_ms;		/* 0, or when its grant was revoked */
	bool disconnecting;		/* revoked long enough: rdma_disconnect sent */
	bool established;
	bool proved;			/* the host proved key_id (else: --insecure) */
	uint32_t key_id;
	char peer[64];
};

/* Which host a device's connections came from, kept after they close. */
struct rmemd_seen {
	uint64_t device_id;		/* 0: unused */
	struct sockaddr_storage addr;
};

#define RMEMD_SEEN_MAX 1024

struct rmemd_listener {
	struct rdma_event_channel *channel;
	struct rdma_cm_id *id;
	struct rmemd_conn *conns;
	struct rmemd_seen *seen;	/* RMEMD_SEEN_MAX, replaced round robin */
	unsigned int seen_next;
	uint64_t conns_revoked;		/* grants revoked when a lease was reaped */
	unsigned int established;	/* connected hosts */
	uint64_t accepted;
	uint64_t rejected;
	uint64_t refused_not_allowed;	/* of those: outside the allow-list */
	uint64_t refused_auth;		/* of those: no proof, stale answer or wrong key */
	uint64_t auth_accepted;		/* of accepted: proved the rack key */
	uint64_t challenges;		/* HELLOs answered (not counted as rejected) */
	struct rmemd_ratelimit reject_log;
	/* Refused or replacing HELLOs: a flood of them must not hide the other refusals. */
	struct rmemd_ratelimit hello_log;
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
 * rmemd_serve() sets up auth (the keys), pool, devices, reaper, signal_fd,
 * listener, in that order, and tears them down in reverse.
 */
struct rmemd_appliance {
	struct rmemd_opts opts;
	struct rmemd_auth auth;		/* before the pool: no key, no pinned memory */
	struct rmemd_pool pool;
	struct rmemd_ibdev *devs;
	struct rmemd_listener lis;
	struct rmem_reaper reaper;
	int signal_fd;			/* SIGTERM/SIGINT, -1 in init mode */
	struct rmemd_dhcp_io *dhcp;	/* init's lease, renewed by the loop; NULL: none */
	bool stop;
};

#endif /* RMEMD_APPLIANCE_H */
