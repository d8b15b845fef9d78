/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rmemd_dhcp.h - the DHCP client's messages (RFC 2131, options of RFC 2132),
 * its state machine and lease arithmetic, and which interface to ask on.
 * Pure code: no socket, no clock, no randomness source, no log, so the unit
 * tests drive every decision natively under ASan/UBSan; rmemd_dhcp_io.c
 * moves the bytes, owns the time and the random numbers, and configures
 * what the state machine decides.
 *
 * Every address is an IPv4 address in network byte order, as in struct
 * rmemd_opts; every time is CLOCK_MONOTONIC milliseconds handed in by the
 * caller.  A reply comes from the network, so rmemd_dhcp_parse() trusts
 * nothing in it and reads no byte past the length it is given.
 */
#ifndef RMEMD_DHCP_H
#define RMEMD_DHCP_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RMEMD_DHCP_SERVER_PORT 67
#define RMEMD_DHCP_CLIENT_PORT 68

/*
 * What the builders write: the BOOTP minimum of 300 bytes, because some
 * relays and old servers drop shorter requests.  The options we send fit
 * well inside it.
 */
#define RMEMD_DHCP_REQUEST_LEN 300
/* Largest reply we accept, announced in option 57 (RFC 2132 9.10 demands at least 576). */
#define RMEMD_DHCP_REPLY_MAX 1500

/* A lease time (and T1, T2) of 0xffffffff means forever (RFC 2131 3.3). */
#define RMEMD_DHCP_INFINITE UINT32_MAX
/* A deadline that never comes. */
#define RMEMD_DHCP_NEVER UINT64_MAX

/* Option 53 (RFC 2132 9.6). */
enum rmemd_dhcp_type {
	RMEMD_DHCP_DISCOVER = 1,
	RMEMD_DHCP_OFFER = 2,
	RMEMD_DHCP_REQUEST = 3,
	RMEMD_DHCP_DECLINE = 4,
	RMEMD_DHCP_ACK = 5,
	RMEMD_DHCP_NAK = 6,
	RMEMD_DHCP_RELEASE = 7,
};

/* The client states of RFC 2131 figure 5 (INIT-REBOOT is REBOOTING's first send). */
enum rmemd_dhcp_state {
	RMEMD_DHCP_IDLE,	/* not started, or stopped: sends nothing, takes nothing */
	RMEMD_DHCP_INIT,	/* a DISCOVER is due at next_ms, opening a transaction */
	RMEMD_DHCP_SELECTING,	/* DISCOVER sent: the first OFFER is taken */
	RMEMD_DHCP_REQUESTING,	/* REQUEST broadcast for that OFFER */
	RMEMD_DHCP_BOUND,	/* before T1 */
	RMEMD_DHCP_RENEWING,	/* T1..T2: REQUEST unicast to the lease's server */
	RMEMD_DHCP_REBINDING,	/* T2..expiry: REQUEST broadcast to any server */
	RMEMD_DHCP_REBOOTING,	/* the link came back: is the lease still good on this network? */
	RMEMD_DHCP_EXPIRED,	/* only rmemd_dhcp_state_at()'s answer: the machine goes to INIT */
};

/* Who is asking: what every request carries and every reply must echo. */
struct rmemd_dhcp_client {
	uint8_t mac[6];		/* chaddr, and the client identifier (type 1) */
	uint32_t xid;		/* this transaction */
	uint16_t secs;		/* seconds since this acquisition or renewal began */
};

/* What a reply says; only type and server_id are meaningful in a NAK. */
struct rmemd_dhcp_lease {
	enum rmemd_dhcp_type type;	/* OFFER, ACK or NAK */
	uint32_t yiaddr;		/* the address offered or granted */
	uint32_t server_id;		/* option 54, a unicast address: whom to REQUEST from and renew with */
	uint32_t router;		/* option 3, the first one; 0: none given */
	uint32_t prefix;		/* option 1 as a prefix length; classful if absent */
	bool mask_given;
	uint32_t lease_s;		/* option 51; RMEMD_DHCP_INFINITE: never expires */
	uint32_t t1_s;			/* option 58, else lease/2 */
	uint32_t t2_s;			/* option 59, else lease*7/8 */
};

/*
 * Builders: write the request into @buf (@len bytes) and return its length
 * (RMEMD_DHCP_REQUEST_LEN), or -ENOSPC when @len is too short, -EINVAL
 * for a @state that sends no REQUEST.
 *
 * DISCOVER, the REQUESTING and the REBOOTING REQUEST set the BOOTP
 * broadcast flag and carry no ciaddr: the client has no address yet (or
 * may be on another network), so the answer must not depend on one.
 * RENEWING and REBINDING carry ciaddr and differ only in where they go
 * (rmemd_dhcp_request_dest()).  RELEASE gives @l back.
 */
int rmemd_dhcp_build_discover(const struct rmemd_dhcp_client *c, uint8_t *buf, size_t len);
int rmemd_dhcp_build_request(const struct rmemd_dhcp_client *c, enum rmemd_dhcp_state state,
			     const struct rmemd_dhcp_lease *l, uint8_t *buf, size_t len);
int rmemd_dhcp_build_release(const struct rmemd_dhcp_client *c, const struct rmemd_dhcp_lease *l,
			     uint8_t *buf, size_t len);

/* Where a REQUEST of @state goes: the server when RENEWING, else 255.255.255.255. */
uint32_t rmemd_dhcp_request_dest(enum rmemd_dhcp_state state, const struct rmemd_dhcp_lease *l);

/*
 * Reads the reply in @buf (@len bytes, @buf may be NULL when @len is 0)
 * into @l.  0 for a well-formed OFFER, ACK or NAK to @c's transaction;
 * otherwise -EBADMSG (malformed), -ENOMSG (well formed but not ours: other
 * clients' replies reach a broadcast socket too) or -EPROTO (a message type
 * a server does not send), with @why naming the first problem.  @l is
 * written only on success.
 */
int rmemd_dhcp_parse(const struct rmemd_dhcp_client *c, const uint8_t *buf, size_t len,
		     struct rmemd_dhcp_lease *l, const char **why);

/*
 * Floors under what a server may ask for, because every one of them is a
 * send and a console line: a lease of seconds or a T1 of 0 would have the
 * donor ask without pause.  A shorter lease is used as a 30 s one (the
 * address a little past its lease, as dhcpcd does, beats a flood).
 */
#define RMEMD_DHCP_LEASE_MIN_S 30
#define RMEMD_DHCP_RENEW_MIN_S 10	/* T1 at the earliest, after the lease starts */
#define RMEMD_DHCP_RESEND_MIN_MS 10000	/* between two REQUESTs for a lease in use */
/* After a NAK, a REQUEST nobody answered, or expiry: the wait before DISCOVER (RFC 2131 3.1.5). */
#define RMEMD_DHCP_RESTART_MS 10000
/* REQUESTs for one OFFER (and for one return of the link) before giving up on it. */
#define RMEMD_DHCP_REQUEST_TRIES 3
/*
 * No lease this long after starting (or after losing one): the acquisition
 * has failed, and bring-up picks again rather than asking a NIC without a
 * DHCP server for ever.  DISCOVERs go out at about 0, 4, 12, 28 s.
 */
#define RMEMD_DHCP_ACQUIRE_MS 60000

/* Absolute deadlines of a lease granted by a REQUEST sent at @sent_ms. */
struct rmemd_dhcp_timers {
	uint64_t t1_ms;		/* RMEMD_DHCP_NEVER for an infinite lease */
	uint64_t t2_ms;
	uint64_t expire_ms;
};

/*
 * RFC 2131 4.4.1 counts the lease from when the REQUEST was sent, not from
 * when the ACK arrived: a slow answer then shortens the lease, never
 * stretches it past what the server granted.  The floors above apply.
 */
void rmemd_dhcp_timers(const struct rmemd_dhcp_lease *l, uint64_t sent_ms,
		       struct rmemd_dhcp_timers *t);
/* BOUND, RENEWING, REBINDING or EXPIRED at @now. */
enum rmemd_dhcp_state rmemd_dhcp_state_at(const struct rmemd_dhcp_timers *t, uint64_t now);
/*
 * When to send the next REQUEST, one having gone out at @now (RFC 2131
 * 4.4.5): half the time left until the end of the current state, but no
 * sooner than 60 s, and no later than that end, so the move to REBINDING
 * sends at once; and never within RMEMD_DHCP_RESEND_MIN_MS of @now.
 * T1 while BOUND (RMEMD_DHCP_NEVER for ever), RMEMD_DHCP_NEVER once expired.
 */
uint64_t rmemd_dhcp_next_send(const struct rmemd_dhcp_timers *t, uint64_t now);
/* RFC 2131 4.1: the wait after send @attempt (0, 1, ...): 4, 8, 16, 32, 64, 64 ... s, -1..+1 s by @rnd. */
uint32_t rmemd_dhcp_backoff_ms(unsigned int attempt, uint32_t rnd);

/* What one step of the state machine asks of its caller. */
enum rmemd_dhcp_event {
	RMEMD_DHCP_EV_NONE,	/* nothing due, or a reply this state does not take (@why) */
	RMEMD_DHCP_EV_SEND,	/* send rmemd_dhcp_fsm_build()'s message now */
	RMEMD_DHCP_EV_OFFERED,	/* an OFFER taken: its REQUEST is due at once */
	RMEMD_DHCP_EV_BOUND,	/* a new lease: configure fsm.lease */
	RMEMD_DHCP_EV_RENEWED,	/* the lease extended, same address */
	RMEMD_DHCP_EV_DECLINED,	/* the OFFER fell through (NAK, another address, no ACK): INIT */
	RMEMD_DHCP_EV_LOST,	/* NAK for the lease in use: stop using the address; INIT */
	RMEMD_DHCP_EV_EXPIRED,	/* the lease ran out: stop using the address; INIT */
	RMEMD_DHCP_EV_KEPT,	/* nobody answered REBOOTING: the lease stands as its timers say */
	RMEMD_DHCP_EV_GAVE_UP,	/* RMEMD_DHCP_ACQUIRE_MS without a lease: IDLE */
};

/* Fresh random numbers for one step (from getrandom(2), in the I/O layer). */
struct rmemd_dhcp_rnd {
	uint32_t xid;		/* taken when the step opens a transaction */
	uint32_t jitter;	/* retransmission backoff */
};

/*
 * The client of one interface.  Replies move it (rmemd_dhcp_fsm_reply());
 * only time sends (rmemd_dhcp_fsm_timeout() at rmemd_dhcp_fsm_deadline()),
 * so every send passes the backoff and the floors above.
 *
 * Transactions (RFC 2131 4.1, 4.4.1): one xid for a DISCOVER, its
 * retransmissions and the REQUEST for the OFFER, which also keeps the
 * DISCOVER's secs; a fresh xid for every REQUEST of a lease in use, so an
 * ACK answers exactly one send and the lease counts from that send.
 */
struct rmemd_dhcp_fsm {
	enum rmemd_dhcp_state state;
	struct rmemd_dhcp_client client;	/* MAC; xid and secs of the last send */
	struct rmemd_dhcp_lease offer;		/* REQUESTING: the OFFER asked for */
	struct rmemd_dhcp_lease lease;		/* from BOUND on, and after losing it: what was held */
	struct rmemd_dhcp_timers timers;	/* of lease */
	uint64_t begun_ms;	/* acquisition, renewal or reboot began: secs counts from here */
	uint64_t sent_ms;	/* the send the lease will count from */
	uint64_t last_send_ms;	/* any send: floors the next one */
	uint64_t next_ms;	/* the next send (BOUND: T1) */
	uint64_t give_up_ms;	/* without a lease by then: EV_GAVE_UP */
	unsigned int tries;	/* sends of the current message */
};

void rmemd_dhcp_fsm_init(struct rmemd_dhcp_fsm *f, const uint8_t mac[6]);
/* INIT, the first DISCOVER due at @now, giving up RMEMD_DHCP_ACQUIRE_MS later. */
void rmemd_dhcp_fsm_start(struct rmemd_dhcp_fsm *f, uint64_t now);
/* IDLE: nothing more is sent or taken (the lease fields stay readable). */
void rmemd_dhcp_fsm_stop(struct rmemd_dhcp_fsm *f);
/* True from BOUND to REBOOTING: f->lease's address is in use. */
bool rmemd_dhcp_fsm_holds(const struct rmemd_dhcp_fsm *f);
/* When rmemd_dhcp_fsm_timeout() has work: RMEMD_DHCP_NEVER when IDLE or BOUND for ever. */
uint64_t rmemd_dhcp_fsm_deadline(const struct rmemd_dhcp_fsm *f);
/*
 * Time has come to @now: EV_SEND (the state's message, see
 * rmemd_dhcp_fsm_build()), EV_DECLINED (no ACK for the OFFER), EV_EXPIRED,
 * EV_KEPT, EV_GAVE_UP, or EV_NONE when nothing is due.
 */
enum rmemd_dhcp_event rmemd_dhcp_fsm_timeout(struct rmemd_dhcp_fsm *f, uint64_t now,
					     const struct rmemd_dhcp_rnd *rnd);
/*
 * A reply rmemd_dhcp_parse() accepted arrived from @src: EV_OFFERED,
 * EV_BOUND, EV_RENEWED, EV_DECLINED, EV_LOST, or EV_NONE with @why.
 * While RENEWING only the lease's own server counts, by its server
 * identifier and by the packet's source; while REQUESTING only the server
 * of the OFFER; while REBINDING and REBOOTING any server (relays forward
 * those, so the source says nothing).
 */
enum rmemd_dhcp_event rmemd_dhcp_fsm_reply(struct rmemd_dhcp_fsm *f,
					   const struct rmemd_dhcp_lease *l, uint32_t src,
					   uint64_t now, const char **why);
/*
 * The link came back at @now: the donor may be on another network, so a
 * lease in use is checked (REBOOTING: RFC 2131 3.2's broadcast REQUEST for
 * the address), no sooner than RMEMD_DHCP_RESEND_MIN_MS after the last send.
 */
void rmemd_dhcp_fsm_link_up(struct rmemd_dhcp_fsm *f, uint64_t now);
/* The message of the current state (SELECTING to REBOOTING) into @buf, and where it goes. */
int rmemd_dhcp_fsm_build(const struct rmemd_dhcp_fsm *f, uint8_t *buf, size_t len,
			 uint32_t *dest);

/* What one look at the netdev under a lease found (rmemd_dhcp_netdev_verdict()). */
struct rmemd_dhcp_netdev {
	unsigned int ifindex;	/* 0: no interface of that name */
	bool carrier;		/* up and running */
	bool has_addr;
	uint32_t addr;		/* its IPv4 address, when has_addr */
};

enum rmemd_dhcp_netdev_verdict {
	RMEMD_DHCP_NETDEV_SAME,		/* nothing for DHCP to do */
	RMEMD_DHCP_NETDEV_LINK_BACK,	/* the link returned: rmemd_dhcp_fsm_link_up() */
	RMEMD_DHCP_NETDEV_NEW,		/* another netdev by that name, or none: the lease is stale */
	RMEMD_DHCP_NETDEV_NO_ADDR,	/* the address we configured is gone: the lease is stale */
};

/*
 * @now against what was true when the client opened on @ifindex (the link
 * @had_carrier at the last look; @configured: our @lease_addr should be
 * on it).  A re-created netdev keeps its name but not its index, address
 * or routes, so a lease taken on the old one describes nothing.
 */
enum rmemd_dhcp_netdev_verdict rmemd_dhcp_netdev_check(unsigned int ifindex, bool had_carrier,
							bool configured, uint32_t lease_addr,
							const struct rmemd_dhcp_netdev *now);

/* "lease 3600 s", "lease infinite", "lease 5 s, used as 30 s": for console lines. */
const char *rmemd_dhcp_lease_str(const struct rmemd_dhcp_lease *l, char *buf, size_t len);
const char *rmemd_dhcp_type_name(enum rmemd_dhcp_type type);
const char *rmemd_dhcp_state_name(enum rmemd_dhcp_state state);

/* An interface DHCP could ask on (Ethernet, not loopback), as bring-up found it. */
struct rmemd_dhcp_nic {
	char name[IFNAMSIZ];
	uint8_t mac[6];
	bool link;		/* carrier */
};

#define RMEMD_DHCP_NICS_MAX 32

/*
 * Which of @nics (@n, in ifindex order) to ask on when rmem.ip names no
 * interface, after @failures acquisitions without a lease: the NIC the
 * firmware booted from (@bootif, NULL without BOOTIF=) first, then those
 * with a link in order, each failure moving on to the next, so a NIC
 * without a DHCP server is not asked for ever.  With neither, each in
 * turn.  The index, and @why for the console; -1 when @n is 0.
 */
int rmemd_dhcp_pick(const struct rmemd_dhcp_nic *nics, unsigned int n, const uint8_t *bootif,
		    unsigned int failures, const char **why);

#endif /* RMEMD_DHCP_H */
