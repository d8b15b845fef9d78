// SPDX-License-Identifier: GPL-2.0
/*
 * rmemd_dhcp.c - DHCP client messages, state machine and lease arithmetic
 * (RFC 2131/2132).
 *
 * The message is the BOOTP header (236 bytes), the magic cookie, then
 * options as code, length, value.  A reply is read strictly: whatever
 * machine answers on the wire controls every byte, so each option must fit
 * inside what was received, the options must end with an end option, and
 * every option this client acts on must have its RFC length and appear
 * once, wherever it stands.  Option overload (52) is followed as RFC 2131
 * 4.1 orders it: options, then file, then sname; those two fields are
 * fixed in size, so there an option may also end at the field's end.
 *
 * The state machine decides and the caller acts: a reply can change the
 * state, only a timeout sends, and every send is spaced by the backoff or
 * the floors of rmemd_dhcp.h, whatever a server answers.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "rmemd_dhcp.h"

#define BOOTREQUEST 1
#define BOOTREPLY 2
#define HTYPE_ETHER 1
#define HLEN_ETHER 6
#define FLAG_BROADCAST 0x8000

/* Offsets in the BOOTP header (RFC 2131 figure 1). */
#define OFF_OP 0
#define OFF_HTYPE 1
#define OFF_HLEN 2
#define OFF_XID 4
#define OFF_SECS 8
#define OFF_FLAGS 10
#define OFF_CIADDR 12
#define OFF_YIADDR 16
#define OFF_CHADDR 28
#define OFF_SNAME 44
#define OFF_FILE 108
#define OFF_COOKIE 236
#define OFF_OPTIONS 240

static const uint8_t dhcp_cookie[4] = { 99, 130, 83, 99 };

/* RFC 2132 option codes. */
enum {
	OPT_PAD = 0,
	OPT_SUBNET_MASK = 1,
	OPT_ROUTER = 3,
	OPT_REQUESTED_IP = 50,
	OPT_LEASE_TIME = 51,
	OPT_OVERLOAD = 52,
	OPT_MESSAGE_TYPE = 53,
	OPT_SERVER_ID = 54,
	OPT_PARAM_REQUEST = 55,
	OPT_MAX_MESSAGE = 57,
	OPT_T1 = 58,
	OPT_T2 = 59,
	OPT_CLIENT_ID = 61,
	OPT_END = 255,
};

/* What the server is asked to send (option 55): what bring-up and renewal use. */
static const uint8_t dhcp_params[] = {
	OPT_SUBNET_MASK, OPT_ROUTER, OPT_LEASE_TIME, OPT_SERVER_ID, OPT_T1, OPT_T2,
};

/*
 * The most option bytes a builder writes: type (3), client id (9),
 * parameter list, max size (4), requested address (6), server id (6), end.
 */
#define DHCP_OPTS_MAX (3 + 9 + 2 + sizeof(dhcp_params) + 4 + 6 + 6 + 1)
_Static_assert(OFF_OPTIONS + DHCP_OPTS_MAX <= RMEMD_DHCP_REQUEST_LEN,
	       "the options must fit the BOOTP minimum the builders pad to");

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Options are appended at *@at; the static assert above keeps them in the buffer. */
static void put_opt(uint8_t *buf, size_t *at, uint8_t code, const void *val, uint8_t len)
{
	buf[(*at)++] = code;
	buf[(*at)++] = len;
	memcpy(buf + *at, val, len);
	*at += len;
}

/* Header and the options every message carries; returns where the next option goes. */
static size_t dhcp_begin(const struct rmemd_dhcp_client *c, enum rmemd_dhcp_type type,
			 bool broadcast, uint32_t ciaddr, uint8_t *buf)
{
	uint8_t t = (uint8_t)type, id[7];
	size_t at = OFF_OPTIONS;

	memset(buf, 0, RMEMD_DHCP_REQUEST_LEN);
	buf[OFF_OP] = BOOTREQUEST;
	buf[OFF_HTYPE] = HTYPE_ETHER;
	buf[OFF_HLEN] = HLEN_ETHER;
	put_be32(buf + OFF_XID, c->xid);
	put_be16(buf + OFF_SECS, c->secs);
	put_be16(buf + OFF_FLAGS, broadcast ? FLAG_BROADCAST : 0);
	memcpy(buf + OFF_CIADDR, &ciaddr, 4);
	memcpy(buf + OFF_CHADDR, c->mac, HLEN_ETHER);
	memcpy(buf + OFF_COOKIE, dhcp_cookie, sizeof(dhcp_cookie));

	put_opt(buf, &at, OPT_MESSAGE_TYPE, &t, 1);
	/*
	 * A client identifier makes the binding follow the NIC's MAC whatever
	 * the server's default keying, so a reservation by MAC holds.
	 */
	id[0] = HTYPE_ETHER;
	memcpy(id + 1, c->mac, HLEN_ETHER);
	put_opt(buf, &at, OPT_CLIENT_ID, id, sizeof(id));
	return at;
}

/* The parameter list and the size we accept: what a lease-seeking message adds. */
static void dhcp_ask(uint8_t *buf, size_t *at)
{
	uint8_t max[2];

	put_opt(buf, at, OPT_PARAM_REQUEST, dhcp_params, sizeof(dhcp_params));
	put_be16(max, RMEMD_DHCP_REPLY_MAX);
	put_opt(buf, at, OPT_MAX_MESSAGE, max, sizeof(max));
}

/* The end option; the rest of the 300 bytes is already pad (zero). */
static int dhcp_end(uint8_t *buf, size_t at)
{
	buf[at] = OPT_END;
	return RMEMD_DHCP_REQUEST_LEN;
}

int rmemd_dhcp_build_discover(const struct rmemd_dhcp_client *c, uint8_t *buf, size_t len)
{
	size_t at;

	if (len < RMEMD_DHCP_REQUEST_LEN)
		return -ENOSPC;
	at = dhcp_begin(c, RMEMD_DHCP_DISCOVER, true, 0, buf);
	dhcp_ask(buf, &at);
	return dhcp_end(buf, at);
}

int rmemd_dhcp_build_request(const struct rmemd_dhcp_client *c, enum rmemd_dhcp_state state,
			     const struct rmemd_dhcp_lease *l, uint8_t *buf, size_t len)
{
	size_t at;

	if (state != RMEMD_DHCP_REQUESTING && state != RMEMD_DHCP_RENEWING &&
	    state != RMEMD_DHCP_REBINDING && state != RMEMD_DHCP_REBOOTING)
		return -EINVAL;
	if (len < RMEMD_DHCP_REQUEST_LEN)
		return -ENOSPC;
	if (state == RMEMD_DHCP_REQUESTING) {
		/*
		 * RFC 2131 4.3.2: ciaddr 0, the offer's address and server named
		 * in options; the other servers that offered see their offer
		 * declined in the same broadcast.
		 */
		at = dhcp_begin(c, RMEMD_DHCP_REQUEST, true, 0, buf);
		put_opt(buf, &at, OPT_REQUESTED_IP, &l->yiaddr, 4);
		put_opt(buf, &at, OPT_SERVER_ID, &l->server_id, 4);
	} else if (state == RMEMD_DHCP_REBOOTING) {
		/*
		 * INIT-REBOOT: the address asked for by option, no server named,
		 * so whichever server runs this network confirms it or NAKs it.
		 */
		at = dhcp_begin(c, RMEMD_DHCP_REQUEST, true, 0, buf);
		put_opt(buf, &at, OPT_REQUESTED_IP, &l->yiaddr, 4);
	} else {
		/*
		 * RENEWING and REBINDING: the address is configured, so it goes in
		 * ciaddr, replies come unicast to it, and the RFC forbids the
		 * requested-address and server options.
		 */
		at = dhcp_begin(c, RMEMD_DHCP_REQUEST, false, l->yiaddr, buf);
	}
	dhcp_ask(buf, &at);
	return dhcp_end(buf, at);
}

int rmemd_dhcp_build_release(const struct rmemd_dhcp_client *c, const struct rmemd_dhcp_lease *l,
			     uint8_t *buf, size_t len)
{
	size_t at;

	if (len < RMEMD_DHCP_REQUEST_LEN)
		return -ENOSPC;
	at = dhcp_begin(c, RMEMD_DHCP_RELEASE, false, l->yiaddr, buf);
	put_opt(buf, &at, OPT_SERVER_ID, &l->server_id, 4);
	return dhcp_end(buf, at);
}

uint32_t rmemd_dhcp_request_dest(enum rmemd_dhcp_state state, const struct rmemd_dhcp_lease *l)
{
	return state == RMEMD_DHCP_RENEWING ? l->server_id : 0xffffffffu;
}

/* ---------------------------------------------------------------- replies */

/* A host address: not 0/8, not loopback, not multicast or broadcast. */
static bool dhcp_unicast(uint32_t addr)
{
	const uint8_t *b = (const uint8_t *)&addr;

	return b[0] != 0 && b[0] != 127 && b[0] < 224;
}

/* 0 or -1 for a mask whose ones are not contiguous, or that has none. */
static int dhcp_mask_prefix(const uint8_t *p, uint32_t *prefix)
{
	uint32_t m = get_be32(p), n = 0;

	while (n < 32 && (m & (0x80000000u >> n)))
		n++;
	if (!n || (n < 32 && (m << n)))
		return -1;
	*prefix = n;
	return 0;
}

/* RFC 1122's class of the address, for servers that send no mask. */
static uint32_t dhcp_classful_prefix(uint32_t addr)
{
	const uint8_t *b = (const uint8_t *)&addr;

	return b[0] < 128 ? 8 : b[0] < 192 ? 16 : 24;
}

/* Options this client reads, each a bit so a second copy is caught. */
enum {
	SEEN_TYPE = 1 << 0,
	SEEN_SERVER = 1 << 1,
	SEEN_LEASE = 1 << 2,
	SEEN_MASK = 1 << 3,
	SEEN_ROUTER = 1 << 4,
	SEEN_T1 = 1 << 5,
	SEEN_T2 = 1 << 6,
	SEEN_OVERLOAD = 1 << 7,
};

/* What the walk over the option areas has read so far. */
struct dhcp_read {
	struct rmemd_dhcp_lease l;
	unsigned int seen;
	uint32_t t1, t2;	/* as given: checked against the lease at the end */
	uint8_t overload;	/* option 52: 1 file, 2 sname, 3 both */
	const char *why;
};

static int dhcp_bad(struct dhcp_read *r, const char *reason)
{
	r->why = reason;
	return -EBADMSG;
}

/* Well formed, but for another client or transaction. */
static int dhcp_not_ours(struct dhcp_read *r, const char *reason)
{
	r->why = reason;
	return -ENOMSG;
}

/* A 4-byte option's value, or -EBADMSG naming it. */
static int dhcp_u32(struct dhcp_read *r, const uint8_t *v, uint8_t n, uint32_t *out,
		    const char *reason)
{
	if (n != 4)
		return dhcp_bad(r, reason);
	*out = get_be32(v);
	return 0;
}

/*
 * One option the client reads, its value at @v (@n bytes, all inside the
 * packet).  Lengths are the RFC's exactly: a server that gets them wrong
 * gets nothing else right either.  0 or -EBADMSG.
 */
static int dhcp_option(struct dhcp_read *r, uint8_t code, const uint8_t *v, uint8_t n)
{
	struct rmemd_dhcp_lease *l = &r->l;
	unsigned int bit;
	int err = 0;

	switch (code) {
	case OPT_MESSAGE_TYPE:
		bit = SEEN_TYPE;
		if (n != 1)
			return dhcp_bad(r, "message type option is not 1 byte");
		l->type = (enum rmemd_dhcp_type)v[0];
		break;
	case OPT_SERVER_ID:
		bit = SEEN_SERVER;
		if (n != 4)
			return dhcp_bad(r, "server identifier is not 4 bytes");
		memcpy(&l->server_id, v, 4);
		break;
	case OPT_LEASE_TIME:
		bit = SEEN_LEASE;
		err = dhcp_u32(r, v, n, &l->lease_s, "lease time is not 4 bytes");
		break;
	case OPT_T1:
		bit = SEEN_T1;
		err = dhcp_u32(r, v, n, &r->t1, "renewal time (T1) is not 4 bytes");
		break;
	case OPT_T2:
		bit = SEEN_T2;
		err = dhcp_u32(r, v, n, &r->t2, "rebinding time (T2) is not 4 bytes");
		break;
	case OPT_SUBNET_MASK:
		bit = SEEN_MASK;
		if (n != 4)
			return dhcp_bad(r, "subnet mask is not 4 bytes");
		if (dhcp_mask_prefix(v, &l->prefix))
			return dhcp_bad(r, "subnet mask is not a prefix");
		l->mask_given = true;
		break;
	case OPT_ROUTER:
		bit = SEEN_ROUTER;
		if (!n || n % 4)
			return dhcp_bad(r, "router option is not a list of addresses");
		memcpy(&l->router, v, 4);	/* the first is the preferred one */
		break;
	case OPT_OVERLOAD:
		bit = SEEN_OVERLOAD;
		if (n != 1 || v[0] < 1 || v[0] > 3)
			return dhcp_bad(r, "option overload is not one byte of 1, 2 or 3");
		r->overload = v[0];
		break;
	default:
		return 0;	/* not ours to read (DNS, domain, ...) */
	}
	if (err)
		return err;
	/*
	 * RFC 3396 would have a client join the copies of a split option; the
	 * ones read here are a few fixed bytes no server splits, so a second
	 * copy can only contradict the first.
	 */
	if (r->seen & bit)
		return dhcp_bad(r, "an option this client reads is given twice");
	r->seen |= bit;
	return 0;
}

/*
 * Walks the options of @buf[@at..@end).  The options field must close with
 * an end option (@need_end); file and sname may also be filled to the last
 * byte.  0 or -EBADMSG.
 */
static int dhcp_area(struct dhcp_read *r, const uint8_t *buf, size_t at, size_t end,
		     bool need_end)
{
	uint8_t code, n;
	int err;

	while (at < end) {
		code = buf[at];
		if (code == OPT_PAD) {
			at++;
			continue;
		}
		if (code == OPT_END)
			return 0;	/* what follows is padding */
		if (end - at < 2)
			return dhcp_bad(r, "option header runs past the end of its field");
		n = buf[at + 1];
		if (end - at - 2 < n)
			return dhcp_bad(r, "option runs past the end of its field");
		err = dhcp_option(r, code, buf + at + 2, n);
		if (err)
			return err;
		at += 2 + (size_t)n;
	}
	return need_end ? dhcp_bad(r, "options not closed by an end option") : 0;
}

static int dhcp_options(struct dhcp_read *r, const uint8_t *buf, size_t len)
{
	int err;

	err = dhcp_area(r, buf, OFF_OPTIONS, len, true);
	if (!err && (r->overload & 1))
		err = dhcp_area(r, buf, OFF_FILE, OFF_COOKIE, false);
	if (!err && (r->overload & 2))
		err = dhcp_area(r, buf, OFF_SNAME, OFF_FILE, false);
	return err;
}

/* The subnet's own network or broadcast address: no host may take it. */
static bool dhcp_subnet_edge(uint32_t addr, uint32_t prefix)
{
	uint32_t host = prefix < 32 ? ~0u >> prefix : 0, a = get_be32((const uint8_t *)&addr);

	/* /31 (RFC 3021) and /32 have no network or broadcast address to avoid. */
	return prefix < 31 && ((a & host) == 0 || (a & host) == host);
}

/* The checks of an OFFER or ACK, and its timers defaulted and ordered. */
static int dhcp_lease_checks(struct dhcp_read *r)
{
	struct rmemd_dhcp_lease *l = &r->l;

	if (!dhcp_unicast(l->yiaddr))
		return dhcp_bad(r, "the address offered is not a unicast address");
	/* Table 3 again; without it there is nothing to schedule renewal by. */
	if (!(r->seen & SEEN_LEASE))
		return dhcp_bad(r, "no lease time");
	if (!l->mask_given)
		l->prefix = dhcp_classful_prefix(l->yiaddr);
	else if (dhcp_subnet_edge(l->yiaddr, l->prefix))
		return dhcp_bad(r, "the address offered is its subnet's network or broadcast address");
	if (l->router && !dhcp_unicast(l->router))
		return dhcp_bad(r, "the router is not a unicast address");

	/*
	 * Defaults of RFC 2131 4.4.5, and the same for values that break
	 * T1 <= T2 <= lease: a server's typo must not make the client renew
	 * after its lease ran out.
	 */
	if (l->lease_s == RMEMD_DHCP_INFINITE) {
		l->t1_s = l->t2_s = RMEMD_DHCP_INFINITE;
		return 0;
	}
	l->t2_s = (r->seen & SEEN_T2) && r->t2 <= l->lease_s ? r->t2 :
		  (uint32_t)((uint64_t)l->lease_s * 7 / 8);
	l->t1_s = (r->seen & SEEN_T1) && r->t1 <= l->t2_s ? r->t1 : l->lease_s / 2;
	if (l->t1_s > l->t2_s)
		l->t1_s = l->t2_s;
	return 0;
}

int rmemd_dhcp_parse(const struct rmemd_dhcp_client *c, const uint8_t *buf, size_t len,
		     struct rmemd_dhcp_lease *out, const char **why)
{
	struct dhcp_read r;
	int err;

	memset(&r, 0, sizeof(r));
	if (!buf || len < OFF_OPTIONS)
		err = dhcp_bad(&r, "shorter than a DHCP header");
	else if (buf[OFF_OP] != BOOTREPLY)
		err = dhcp_bad(&r, "not a BOOTREPLY");
	else if (buf[OFF_HTYPE] != HTYPE_ETHER || buf[OFF_HLEN] != HLEN_ETHER)
		err = dhcp_bad(&r, "hardware type is not Ethernet");
	else if (memcmp(buf + OFF_COOKIE, dhcp_cookie, sizeof(dhcp_cookie)))
		err = dhcp_bad(&r, "no DHCP magic cookie");
	else if (get_be32(buf + OFF_XID) != c->xid)
		err = dhcp_not_ours(&r, "another transaction (xid)");
	else if (memcmp(buf + OFF_CHADDR, c->mac, HLEN_ETHER))
		err = dhcp_not_ours(&r, "another client's (chaddr)");
	else
		err = dhcp_options(&r, buf, len);
	if (err)
		goto out;

	memcpy(&r.l.yiaddr, buf + OFF_YIADDR, 4);
	err = -EBADMSG;
	if (!(r.seen & SEEN_TYPE)) {
		r.why = "no message type option";
	} else if (r.l.type != RMEMD_DHCP_OFFER && r.l.type != RMEMD_DHCP_ACK &&
		   r.l.type != RMEMD_DHCP_NAK) {
		r.why = "message type is not one a server sends";
		err = -EPROTO;
	} else if (!(r.seen & SEEN_SERVER)) {
		/* RFC 2131 table 3: every OFFER, ACK and NAK names its server. */
		r.why = "no server identifier";
	} else if (!dhcp_unicast(r.l.server_id)) {
		/* It is where renewals go, and what a RENEWING reply must come from. */
		r.why = "the server identifier is not a unicast address";
	} else {
		err = r.l.type == RMEMD_DHCP_NAK ? 0 : dhcp_lease_checks(&r);
	}
	if (!err)
		*out = r.l;
out:
	*why = r.why;
	return err;
}

/* ------------------------------------------------------------ the clock */

static uint64_t dhcp_deadline(uint64_t sent_ms, uint32_t s)
{
	return sent_ms + (uint64_t)s * 1000;
}

void rmemd_dhcp_timers(const struct rmemd_dhcp_lease *l, uint64_t sent_ms,
		       struct rmemd_dhcp_timers *t)
{
	uint32_t lease = l->lease_s, t1 = l->t1_s, t2 = l->t2_s;

	if (lease == RMEMD_DHCP_INFINITE) {
		t->t1_ms = t->t2_ms = t->expire_ms = RMEMD_DHCP_NEVER;
		return;
	}
	if (lease < RMEMD_DHCP_LEASE_MIN_S) {
		/* The server's T1 and T2 were fractions of the short lease: scale them with it. */
		lease = RMEMD_DHCP_LEASE_MIN_S;
		t1 = lease / 2;
		t2 = lease * 7 / 8;
	}
	if (t1 < RMEMD_DHCP_RENEW_MIN_S)
		t1 = RMEMD_DHCP_RENEW_MIN_S;
	if (t2 < t1)
		t2 = t1;
	t->t1_ms = dhcp_deadline(sent_ms, t1);
	t->t2_ms = dhcp_deadline(sent_ms, t2);
	t->expire_ms = dhcp_deadline(sent_ms, lease);
}

enum rmemd_dhcp_state rmemd_dhcp_state_at(const struct rmemd_dhcp_timers *t, uint64_t now)
{
	if (now < t->t1_ms)
		return RMEMD_DHCP_BOUND;
	if (now < t->t2_ms)
		return RMEMD_DHCP_RENEWING;
	if (now < t->expire_ms)
		return RMEMD_DHCP_REBINDING;
	return RMEMD_DHCP_EXPIRED;
}

/* RFC 2131 4.4.5's floor between retransmissions of a renewal. */
#define DHCP_RETRY_MIN_MS 60000

uint64_t rmemd_dhcp_next_send(const struct rmemd_dhcp_timers *t, uint64_t now)
{
	uint64_t end, wait, next;

	switch (rmemd_dhcp_state_at(t, now)) {
	case RMEMD_DHCP_BOUND:
		return t->t1_ms;
	case RMEMD_DHCP_RENEWING:
		end = t->t2_ms;
		break;
	case RMEMD_DHCP_REBINDING:
		end = t->expire_ms;
		break;
	default:
		return RMEMD_DHCP_NEVER;
	}
	wait = (end - now) / 2;
	if (wait < DHCP_RETRY_MIN_MS)
		wait = DHCP_RETRY_MIN_MS;
	next = wait < end - now ? now + wait : end;
	/* The cap at @end can land just after this send: one state change is no reason to flood. */
	return next < now + RMEMD_DHCP_RESEND_MIN_MS ? now + RMEMD_DHCP_RESEND_MIN_MS : next;
}

uint32_t rmemd_dhcp_backoff_ms(unsigned int attempt, uint32_t rnd)
{
	return (4000u << (attempt < 4 ? attempt : 4)) - 1000 + rnd % 2001;
}

/* ---------------------------------------------------- the state machine */

void rmemd_dhcp_fsm_init(struct rmemd_dhcp_fsm *f, const uint8_t mac[6])
{
	memset(f, 0, sizeof(*f));
	memcpy(f->client.mac, mac, sizeof(f->client.mac));
	f->state = RMEMD_DHCP_IDLE;
	f->next_ms = f->give_up_ms = RMEMD_DHCP_NEVER;
}

/* INIT with the first DISCOVER at @at; the lease (if any) stays readable for the caller. */
static void dhcp_fsm_init_at(struct rmemd_dhcp_fsm *f, uint64_t at)
{
	f->state = RMEMD_DHCP_INIT;
	f->tries = 0;
	f->next_ms = at;
}

/* A lease in use is gone at @now: DISCOVER after the restart wait, a new one due in time. */
static void dhcp_fsm_lost(struct rmemd_dhcp_fsm *f, uint64_t now)
{
	dhcp_fsm_init_at(f, now + RMEMD_DHCP_RESTART_MS);
	f->give_up_ms = now + RMEMD_DHCP_ACQUIRE_MS;
}

void rmemd_dhcp_fsm_start(struct rmemd_dhcp_fsm *f, uint64_t now)
{
	dhcp_fsm_init_at(f, now);
	f->give_up_ms = now + RMEMD_DHCP_ACQUIRE_MS;
}

void rmemd_dhcp_fsm_stop(struct rmemd_dhcp_fsm *f)
{
	f->state = RMEMD_DHCP_IDLE;
	f->next_ms = RMEMD_DHCP_NEVER;
}

bool rmemd_dhcp_fsm_holds(const struct rmemd_dhcp_fsm *f)
{
	return f->state == RMEMD_DHCP_BOUND || f->state == RMEMD_DHCP_RENEWING ||
	       f->state == RMEMD_DHCP_REBINDING || f->state == RMEMD_DHCP_REBOOTING;
}

uint64_t rmemd_dhcp_fsm_deadline(const struct rmemd_dhcp_fsm *f)
{
	uint64_t end;

	if (f->state == RMEMD_DHCP_IDLE)
		return RMEMD_DHCP_NEVER;
	/* A lease in use ends at expiry, an acquisition at its limit, whatever the next send. */
	end = rmemd_dhcp_fsm_holds(f) ? f->timers.expire_ms : f->give_up_ms;
	return end < f->next_ms ? end : f->next_ms;
}

static uint16_t dhcp_secs(uint64_t begun_ms, uint64_t now)
{
	uint64_t s = (now - begun_ms) / 1000;

	return s > UINT16_MAX ? UINT16_MAX : (uint16_t)s;
}

static enum rmemd_dhcp_event dhcp_fsm_send(struct rmemd_dhcp_fsm *f, uint64_t now, uint64_t next)
{
	f->last_send_ms = now;
	f->next_ms = next;
	return RMEMD_DHCP_EV_SEND;
}

/* A REQUEST of a lease in use (or REBOOTING): its own transaction, the lease counting from it. */
static enum rmemd_dhcp_event dhcp_fsm_send_fresh(struct rmemd_dhcp_fsm *f, uint64_t now,
						 uint64_t next, const struct rmemd_dhcp_rnd *rnd)
{
	f->client.xid = rnd->xid;
	f->client.secs = dhcp_secs(f->begun_ms, now);
	f->sent_ms = now;
	return dhcp_fsm_send(f, now, next);
}

/* The lease's state by its timers after REBOOTING had no answer; the next send as they say. */
static enum rmemd_dhcp_event dhcp_fsm_resume(struct rmemd_dhcp_fsm *f, uint64_t now)
{
	enum rmemd_dhcp_state s = rmemd_dhcp_state_at(&f->timers, now);

	f->state = s;
	f->next_ms = s == RMEMD_DHCP_BOUND ? f->timers.t1_ms :
		     f->last_send_ms + RMEMD_DHCP_RESEND_MIN_MS;
	return RMEMD_DHCP_EV_KEPT;
}

enum rmemd_dhcp_event rmemd_dhcp_fsm_timeout(struct rmemd_dhcp_fsm *f, uint64_t now,
					     const struct rmemd_dhcp_rnd *rnd)
{
	enum rmemd_dhcp_state s;

	if (now < rmemd_dhcp_fsm_deadline(f))
		return RMEMD_DHCP_EV_NONE;
	if (f->state != RMEMD_DHCP_IDLE && !rmemd_dhcp_fsm_holds(f) && now >= f->give_up_ms) {
		rmemd_dhcp_fsm_stop(f);
		return RMEMD_DHCP_EV_GAVE_UP;
	}
	switch (f->state) {
	case RMEMD_DHCP_IDLE:
	case RMEMD_DHCP_EXPIRED:
		return RMEMD_DHCP_EV_NONE;
	case RMEMD_DHCP_INIT:
		f->client.xid = rnd->xid;
		f->begun_ms = now;
		f->tries = 0;
		f->state = RMEMD_DHCP_SELECTING;
		/* fall through */
	case RMEMD_DHCP_SELECTING:
		/* Retransmissions are the same transaction: a late OFFER still counts. */
		f->client.secs = dhcp_secs(f->begun_ms, now);
		return dhcp_fsm_send(f, now, now + rmemd_dhcp_backoff_ms(f->tries++, rnd->jitter));
	case RMEMD_DHCP_REQUESTING:
		if (f->tries >= RMEMD_DHCP_REQUEST_TRIES) {
			dhcp_fsm_init_at(f, now + RMEMD_DHCP_RESTART_MS);
			return RMEMD_DHCP_EV_DECLINED;
		}
		/* xid and secs stay the DISCOVER's (RFC 2131 4.4.1); the lease counts from here. */
		if (!f->tries)
			f->sent_ms = now;
		return dhcp_fsm_send(f, now, now + rmemd_dhcp_backoff_ms(f->tries++, rnd->jitter));
	default:
		break;
	}
	if (now >= f->timers.expire_ms) {
		dhcp_fsm_lost(f, now);
		return RMEMD_DHCP_EV_EXPIRED;
	}
	if (f->state == RMEMD_DHCP_REBOOTING) {
		if (f->tries >= RMEMD_DHCP_REQUEST_TRIES)
			return dhcp_fsm_resume(f, now);
		return dhcp_fsm_send_fresh(f, now, now + rmemd_dhcp_backoff_ms(f->tries++, rnd->jitter),
					   rnd);
	}
	s = rmemd_dhcp_state_at(&f->timers, now);
	if (s == RMEMD_DHCP_BOUND) {
		f->next_ms = f->timers.t1_ms;
		return RMEMD_DHCP_EV_NONE;
	}
	if (f->state == RMEMD_DHCP_BOUND)
		f->begun_ms = now;	/* T1: the renewal's secs count from here */
	f->state = s;
	return dhcp_fsm_send_fresh(f, now, rmemd_dhcp_next_send(&f->timers, now), rnd);
}

static enum rmemd_dhcp_event dhcp_fsm_ignore(const char **why, const char *reason)
{
	*why = reason;
	return RMEMD_DHCP_EV_NONE;
}

static void dhcp_fsm_bound(struct rmemd_dhcp_fsm *f)
{
	rmemd_dhcp_timers(&f->lease, f->sent_ms, &f->timers);
	f->state = RMEMD_DHCP_BOUND;
	f->tries = 0;
	f->next_ms = f->timers.t1_ms;
	f->give_up_ms = RMEMD_DHCP_NEVER;
}

enum rmemd_dhcp_event rmemd_dhcp_fsm_reply(struct rmemd_dhcp_fsm *f,
					   const struct rmemd_dhcp_lease *l, uint32_t src,
					   uint64_t now, const char **why)
{
	*why = "";
	switch (f->state) {
	case RMEMD_DHCP_SELECTING:
		if (l->type != RMEMD_DHCP_OFFER)
			return dhcp_fsm_ignore(why, "no REQUEST of ours to answer yet");
		/* The first OFFER will do: the servers of a rack share its reservations. */
		f->offer = *l;
		f->state = RMEMD_DHCP_REQUESTING;
		f->tries = 0;
		f->next_ms = now;
		return RMEMD_DHCP_EV_OFFERED;
	case RMEMD_DHCP_REQUESTING:
		if (l->type == RMEMD_DHCP_OFFER)
			return dhcp_fsm_ignore(why, "an OFFER was taken already");
		/* The REQUEST named its server; the others only learn they were declined. */
		if (l->server_id != f->offer.server_id)
			return dhcp_fsm_ignore(why, "not from the server whose OFFER was taken");
		if (l->type == RMEMD_DHCP_NAK || l->yiaddr != f->offer.yiaddr) {
			dhcp_fsm_init_at(f, now + RMEMD_DHCP_RESTART_MS);
			return RMEMD_DHCP_EV_DECLINED;
		}
		f->lease = *l;
		dhcp_fsm_bound(f);
		return RMEMD_DHCP_EV_BOUND;
	case RMEMD_DHCP_RENEWING:
		/*
		 * The REQUEST went to the lease's server alone, so only it
		 * answers; anything else is spoofed or confused, and a NAK
		 * believed from it would take the address away.
		 */
		if (l->server_id != f->lease.server_id || src != f->lease.server_id)
			return dhcp_fsm_ignore(why, "not from the server of the lease");
		/* fall through */
	case RMEMD_DHCP_REBINDING:
	case RMEMD_DHCP_REBOOTING:
		if (l->type == RMEMD_DHCP_OFFER)
			return dhcp_fsm_ignore(why, "an OFFER for a client that holds a lease");
		if (l->type == RMEMD_DHCP_NAK) {
			dhcp_fsm_lost(f, now);
			return RMEMD_DHCP_EV_LOST;
		}
		if (l->yiaddr != f->lease.yiaddr)
			return dhcp_fsm_ignore(why, "an ACK for another address than the lease's");
		/* Mask and router stay: changing them under live connections buys nothing. */
		f->lease.server_id = l->server_id;
		f->lease.lease_s = l->lease_s;
		f->lease.t1_s = l->t1_s;
		f->lease.t2_s = l->t2_s;
		dhcp_fsm_bound(f);
		return RMEMD_DHCP_EV_RENEWED;
	default:
		return dhcp_fsm_ignore(why, "no REQUEST of ours outstanding");
	}
}

void rmemd_dhcp_fsm_link_up(struct rmemd_dhcp_fsm *f, uint64_t now)
{
	uint64_t floor = f->last_send_ms + RMEMD_DHCP_RESEND_MIN_MS;

	/* While acquiring, the backoff already brings the next DISCOVER soon enough. */
	if (!rmemd_dhcp_fsm_holds(f))
		return;
	if (f->state != RMEMD_DHCP_REBOOTING)
		f->begun_ms = now;
	f->state = RMEMD_DHCP_REBOOTING;
	f->tries = 0;
	f->next_ms = now > floor ? now : floor;
}

int rmemd_dhcp_fsm_build(const struct rmemd_dhcp_fsm *f, uint8_t *buf, size_t len,
			 uint32_t *dest)
{
	switch (f->state) {
	case RMEMD_DHCP_SELECTING:
		*dest = 0xffffffffu;
		return rmemd_dhcp_build_discover(&f->client, buf, len);
	case RMEMD_DHCP_REQUESTING:
		*dest = 0xffffffffu;
		return rmemd_dhcp_build_request(&f->client, f->state, &f->offer, buf, len);
	case RMEMD_DHCP_RENEWING:
	case RMEMD_DHCP_REBINDING:
	case RMEMD_DHCP_REBOOTING:
		*dest = rmemd_dhcp_request_dest(f->state, &f->lease);
		return rmemd_dhcp_build_request(&f->client, f->state, &f->lease, buf, len);
	default:
		return -EINVAL;
	}
}

enum rmemd_dhcp_netdev_verdict rmemd_dhcp_netdev_check(unsigned int ifindex, bool had_carrier,
							bool configured, uint32_t lease_addr,
							const struct rmemd_dhcp_netdev *now)
{
	if (!now->ifindex || now->ifindex != ifindex)
		return RMEMD_DHCP_NETDEV_NEW;
	if (configured && (!now->has_addr || now->addr != lease_addr))
		return RMEMD_DHCP_NETDEV_NO_ADDR;
	return now->carrier && !had_carrier ? RMEMD_DHCP_NETDEV_LINK_BACK : RMEMD_DHCP_NETDEV_SAME;
}

/* ------------------------------------------------------------- for people */

const char *rmemd_dhcp_lease_str(const struct rmemd_dhcp_lease *l, char *buf, size_t len)
{
	if (l->lease_s == RMEMD_DHCP_INFINITE)
		snprintf(buf, len, "lease infinite");
	else if (l->lease_s < RMEMD_DHCP_LEASE_MIN_S)
		snprintf(buf, len, "lease %u s, used as %u s", l->lease_s, RMEMD_DHCP_LEASE_MIN_S);
	else
		snprintf(buf, len, "lease %u s", l->lease_s);
	return buf;
}

const char *rmemd_dhcp_type_name(enum rmemd_dhcp_type type)
{
	switch (type) {
	case RMEMD_DHCP_DISCOVER:
		return "DHCPDISCOVER";
	case RMEMD_DHCP_OFFER:
		return "DHCPOFFER";
	case RMEMD_DHCP_REQUEST:
		return "DHCPREQUEST";
	case RMEMD_DHCP_DECLINE:
		return "DHCPDECLINE";
	case RMEMD_DHCP_ACK:
		return "DHCPACK";
	case RMEMD_DHCP_NAK:
		return "DHCPNAK";
	case RMEMD_DHCP_RELEASE:
		return "DHCPRELEASE";
	}
	return "DHCP message of an unknown type";
}

const char *rmemd_dhcp_state_name(enum rmemd_dhcp_state state)
{
	switch (state) {
	case RMEMD_DHCP_IDLE:
		return "idle";
	case RMEMD_DHCP_INIT:
		return "init";
	case RMEMD_DHCP_SELECTING:
		return "selecting";
	case RMEMD_DHCP_REQUESTING:
		return "requesting";
	case RMEMD_DHCP_BOUND:
		return "bound";
	case RMEMD_DHCP_RENEWING:
		return "renewing";
	case RMEMD_DHCP_REBINDING:
		return "rebinding";
	case RMEMD_DHCP_REBOOTING:
		return "rebooting";
	case RMEMD_DHCP_EXPIRED:
		return "expired";
	}
	return "unknown";
}

/* ------------------------------------------------------- the interface */

int rmemd_dhcp_pick(const struct rmemd_dhcp_nic *nics, unsigned int n, const uint8_t *bootif,
		    unsigned int failures, const char **why)
{
	unsigned int order[RMEMD_DHCP_NICS_MAX], k = 0, i, boot, pick;

	if (n > RMEMD_DHCP_NICS_MAX)
		n = RMEMD_DHCP_NICS_MAX;
	if (!n) {
		*why = "no Ethernet interface";
		return -1;
	}
	boot = n;
	for (i = 0; bootif && i < n; i++) {
		if (!memcmp(nics[i].mac, bootif, sizeof(nics[i].mac))) {
			/* First even without a link yet: the firmware just used it. */
			boot = i;
			order[k++] = i;
			break;
		}
	}
	for (i = 0; i < n; i++)
		if (i != boot && nics[i].link)
			order[k++] = i;
	if (!k) {
		for (i = 0; i < n; i++)
			order[k++] = i;
		pick = order[failures % k];
		*why = n == 1 ? "the only Ethernet interface" :
		       "no interface has a link; each in turn";
		return (int)pick;
	}
	pick = order[failures % k];
	if (pick == boot)
		*why = "the boot NIC (BOOTIF=)";
	else if (failures % k == (boot < n ? 1u : 0u))
		*why = "the first interface with a link";
	else
		*why = "the next interface with a link, the ones before gave no lease";
	return (int)pick;
}
