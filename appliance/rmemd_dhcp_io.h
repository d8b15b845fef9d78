/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rmemd_dhcp_io.h - the DHCP client's socket, clock and address (PID 1
 * only): the protocol decisions are rmemd_dhcp.c's.  One struct, owned by
 * rmemd_init_main() across serve attempts so a retry keeps its lease
 * instead of asking again; the serve loop and init's retry wait keep it
 * renewed.
 */
#ifndef RMEMD_DHCP_IO_H
#define RMEMD_DHCP_IO_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "rmemd_dhcp.h"
#include "rmemd_log.h"

struct rmemd_opts;

struct rmemd_dhcp_io {
	char ifname[IFNAMSIZ];		/* the interface asked on and leased */
	unsigned int ifindex;		/* its index at open: another one is another netdev */
	int sock;			/* UDP *:68 bound to ifname, non-blocking; -1: closed */
	bool carrier;			/* the link, at the last look */
	bool configured;		/* fsm.lease's address is on ifname, put there by us */
	struct rmemd_dhcp_fsm fsm;	/* state, lease and timers */
	uint64_t next_check_ms;		/* next look at the netdev (index, link, address) */
	unsigned int failures;		/* acquisitions that failed: the automatic pick moves on */
	struct rmemd_ratelimit log_lease;	/* bound, renewed, rebinding, link back */
	struct rmemd_ratelimit log_fail;	/* NAKs, expiry, offers that fell through */
	struct rmemd_ratelimit log_dbg;		/* ignored replies, send errors: any machine can cause them */
};

void rmemd_dhcp_io_init(struct rmemd_dhcp_io *d);

/*
 * rmem.ip=[IFACE:]dhcp at bring-up: a lease on IFACE, or on the interface
 * rmemd_dhcp_pick() chooses, with the address and default route it gives.
 * A lease from an earlier attempt is kept when its netdev and address are
 * still there.  Waits up to a minute for the lease, then fails with
 * -ETIMEDOUT and a console line saying what to check (the next attempt
 * picks again, moving on to the next interface).  @ctl: an AF_INET socket
 * for the interface ioctls.  0 with the interface in @ifname, or -errno
 * (logged); -ENETDOWN: no Ethernet interface at all.
 */
int rmemd_dhcp_io_bringup(struct rmemd_dhcp_io *d, int ctl, const struct rmemd_opts *opts,
			  char *ifname);

static inline bool rmemd_dhcp_io_bound(const struct rmemd_dhcp_io *d)
{
	return d->sock >= 0 && rmemd_dhcp_fsm_holds(&d->fsm);
}

/* What the serve loop polls (-1: nothing) and when it must tick at the latest. */
int rmemd_dhcp_io_fd(const struct rmemd_dhcp_io *d);
uint64_t rmemd_dhcp_io_deadline(const struct rmemd_dhcp_io *d);

/*
 * Reads what arrived, checks the netdev, sends what is due and configures
 * or removes the address as the state machine says.  Never waits (a few
 * syscalls on a non-blocking socket), so the serve loop calls it when the
 * socket is readable or the deadline passed.  0, or a negative errno once
 * serving on this lease cannot go on and bring-up must run again (the
 * client is closed then): -ENETRESET the netdev was re-created or lost its
 * address, -ETIMEDOUT no lease for a minute, else the address could not be
 * set.
 */
int rmemd_dhcp_io_tick(struct rmemd_dhcp_io *d, uint64_t now);

/* Sleeps @ms while keeping the lease (init's delay between serve attempts). */
void rmemd_dhcp_io_sleep(struct rmemd_dhcp_io *d, unsigned int ms);

/* Gives the lease back (DHCPRELEASE), removes the address and closes. */
void rmemd_dhcp_io_release(struct rmemd_dhcp_io *d);

#endif /* RMEMD_DHCP_IO_H */
