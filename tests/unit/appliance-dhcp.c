// SPDX-License-Identifier: GPL-2.0
/*
 * The appliance's DHCP client (appliance/rmemd_dhcp.c).  Requests are read
 * back byte by byte as a server would; replies are made by hand here, as a
 * server would send them, and every malformed one must be refused for the
 * right reason.  Each reply is parsed from a heap buffer of exactly its
 * length, so a read one byte past the end is an ASan abort.  The state
 * machine runs on a clock and random numbers the cases hand it, so every
 * decision (what each state does with each answer and each timeout, how
 * often it may send, when it gives up) is checked to the millisecond.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>

#include "rmem_compat.h"
#include "rmem_test.h"
#include "rmemd_dhcp.h"
#include "rmemd_log.h"

static const struct rmemd_dhcp_client client = {
	.mac = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 }, .xid = 0xdeadbeef, .secs = 3,
};

static uint32_t ip(const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		abort();
	return a.s_addr;
}

/* ------------------------------------------------ reading our requests */

/* The value of option @code in a request (ours, so well formed), or NULL. */
static const uint8_t *req_opt(const uint8_t *buf, size_t len, uint8_t code, uint8_t *n)
{
	size_t at = 240;

	while (at < len && buf[at] != 255) {
		if (buf[at] == 0) {
			at++;
			continue;
		}
		if (at + 2 > len || at + 2 + buf[at + 1] > len)
			return NULL;
		if (buf[at] == code) {
			*n = buf[at + 1];
			return buf + at + 2;
		}
		at += 2 + (size_t)buf[at + 1];
	}
	return NULL;
}

static uint32_t be32_at(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t addr_at(const uint8_t *p)
{
	uint32_t a;

	memcpy(&a, p, 4);
	return a;
}

/* What every request must be: BOOTREQUEST, Ethernet, our xid and MAC, the cookie, an end. */
static void check_request_frame(const uint8_t *buf, int len, uint8_t type)
{
	static const uint8_t cookie[4] = { 99, 130, 83, 99 };
	const uint8_t *v;
	uint8_t n = 0;
	size_t at;

	CHECK_EQ(len, RMEMD_DHCP_REQUEST_LEN);
	if (len != RMEMD_DHCP_REQUEST_LEN)
		return;
	CHECK_EQ(buf[0], 1);
	CHECK_EQ(buf[1], 1);
	CHECK_EQ(buf[2], 6);
	CHECK_EQ(buf[3], 0);
	CHECK_EQ(be32_at(buf + 4), client.xid);
	CHECK_EQ(buf[8] << 8 | buf[9], client.secs);
	CHECK_MEM(buf + 28, client.mac, 6);
	for (at = 34; at < 236; at++)
		CHECK_EQ(buf[at], 0);	/* chaddr padding, sname, file */
	CHECK_MEM(buf + 236, cookie, 4);
	v = req_opt(buf, (size_t)len, 53, &n);
	CHECK(v && n == 1 && v[0] == type);
	v = req_opt(buf, (size_t)len, 61, &n);
	CHECK(v && n == 7 && v[0] == 1 && !memcmp(v + 1, client.mac, 6));
	/* The end option is there, and only pad follows it. */
	for (at = 240; at < (size_t)len && buf[at] != 255; at += buf[at] ? 2 + buf[at + 1] : 1)
		;
	CHECK(at < (size_t)len);
	for (at++; at < (size_t)len; at++)
		CHECK_EQ(buf[at], 0);
}

static bool flag_broadcast(const uint8_t *buf)
{
	return buf[10] & 0x80;
}

RMEM_CASE(discover_asks_for_a_broadcast_reply)
{
	static const uint8_t want[] = { 1, 3, 51, 54, 58, 59 };
	uint8_t buf[512], n = 0;
	const uint8_t *v;
	int len;
	size_t i;

	memset(buf, 0xa5, sizeof(buf));
	len = rmemd_dhcp_build_discover(&client, buf, sizeof(buf));
	check_request_frame(buf, len, 1);
	CHECK(flag_broadcast(buf));
	CHECK_EQ(addr_at(buf + 12), 0);	/* ciaddr */
	v = req_opt(buf, sizeof(buf), 55, &n);
	CHECK(v != NULL);
	for (i = 0; v && i < sizeof(want); i++)
		CHECK(memchr(v, want[i], n) != NULL);
	v = req_opt(buf, sizeof(buf), 57, &n);
	CHECK(v && n == 2 && (v[0] << 8 | v[1]) >= 576);
	CHECK(req_opt(buf, sizeof(buf), 50, &n) == NULL);
	CHECK(req_opt(buf, sizeof(buf), 54, &n) == NULL);
	CHECK_EQ(buf[RMEMD_DHCP_REQUEST_LEN], 0xa5);	/* nothing written past the length */
}

/* An OFFER of 10.0.0.2/24 by 10.0.0.1 for an hour, as the parser fills it in. */
static struct rmemd_dhcp_lease offer_of(void)
{
	return (struct rmemd_dhcp_lease){
		.type = RMEMD_DHCP_OFFER, .yiaddr = ip("10.0.0.2"), .server_id = ip("10.0.0.1"),
		.prefix = 24, .mask_given = true, .lease_s = 3600, .t1_s = 1800, .t2_s = 3150,
	};
}

/*
 * The REQUESTs of a client without a usable address: broadcast, no ciaddr,
 * the address asked for by option; REQUESTING names the offer's server,
 * REBOOTING (INIT-REBOOT, RFC 2131 4.3.2) no server, so any may answer.
 */
RMEM_CASE(requests_without_an_address)
{
	static const struct {
		enum rmemd_dhcp_state state;
		bool names_server;
	} kinds[] = { { RMEMD_DHCP_REQUESTING, true }, { RMEMD_DHCP_REBOOTING, false } };
	const struct rmemd_dhcp_lease offer_l = offer_of();
	uint8_t buf[RMEMD_DHCP_REQUEST_LEN], n = 0;
	const uint8_t *v;
	size_t i;
	int len;

	for (i = 0; i < RMEM_ARRAY_SIZE(kinds); i++) {
		len = rmemd_dhcp_build_request(&client, kinds[i].state, &offer_l, buf, sizeof(buf));
		check_request_frame(buf, len, 3);
		CHECK(flag_broadcast(buf));
		CHECK_EQ(addr_at(buf + 12), 0);
		v = req_opt(buf, sizeof(buf), 50, &n);
		CHECK(v && n == 4 && addr_at(v) == ip("10.0.0.2"));
		v = req_opt(buf, sizeof(buf), 54, &n);
		if (kinds[i].names_server)
			CHECK(v && n == 4 && addr_at(v) == ip("10.0.0.1"));
		else
			CHECK(v == NULL);
		CHECK(req_opt(buf, sizeof(buf), 55, &n) != NULL);
		CHECK_EQ(rmemd_dhcp_request_dest(kinds[i].state, &offer_l), 0xffffffffu);
	}
}

/* Renewing and rebinding send the same bytes; only the destination differs. */
RMEM_CASE(request_renewing_and_rebinding_carry_ciaddr)
{
	const struct rmemd_dhcp_lease offer_l = offer_of();
	static const enum rmemd_dhcp_state states[] = {
		RMEMD_DHCP_RENEWING, RMEMD_DHCP_REBINDING,
	};
	uint8_t buf[RMEMD_DHCP_REQUEST_LEN], first[RMEMD_DHCP_REQUEST_LEN], n = 0;
	size_t i;
	int len;

	for (i = 0; i < RMEM_ARRAY_SIZE(states); i++) {
		len = rmemd_dhcp_build_request(&client, states[i], &offer_l, buf, sizeof(buf));
		check_request_frame(buf, len, 3);
		CHECK(!flag_broadcast(buf));
		CHECK_EQ(addr_at(buf + 12), ip("10.0.0.2"));
		/* RFC 2131 4.3.2: neither option once the address is in use. */
		CHECK(req_opt(buf, sizeof(buf), 50, &n) == NULL);
		CHECK(req_opt(buf, sizeof(buf), 54, &n) == NULL);
		if (i == 0)
			memcpy(first, buf, sizeof(buf));
		else
			CHECK_MEM(buf, first, sizeof(buf));
	}
	CHECK_EQ(rmemd_dhcp_request_dest(RMEMD_DHCP_RENEWING, &offer_l), ip("10.0.0.1"));
	CHECK_EQ(rmemd_dhcp_request_dest(RMEMD_DHCP_REBINDING, &offer_l), 0xffffffffu);
}

RMEM_CASE(release_names_address_and_server)
{
	const struct rmemd_dhcp_lease offer_l = offer_of();
	uint8_t buf[RMEMD_DHCP_REQUEST_LEN], n = 0;
	const uint8_t *v;
	int len;

	len = rmemd_dhcp_build_release(&client, &offer_l, buf, sizeof(buf));
	check_request_frame(buf, len, 7);
	CHECK(!flag_broadcast(buf));
	CHECK_EQ(addr_at(buf + 12), ip("10.0.0.2"));
	v = req_opt(buf, sizeof(buf), 54, &n);
	CHECK(v && n == 4 && addr_at(v) == ip("10.0.0.1"));
	CHECK(req_opt(buf, sizeof(buf), 55, &n) == NULL);
}

RMEM_CASE(builders_refuse_short_buffers_and_bad_states)
{
	const struct rmemd_dhcp_lease offer_l = offer_of();
	uint8_t buf[RMEMD_DHCP_REQUEST_LEN];

	memset(buf, 0x5a, sizeof(buf));
	CHECK_EQ(rmemd_dhcp_build_discover(&client, buf, sizeof(buf) - 1), -ENOSPC);
	CHECK_EQ(rmemd_dhcp_build_request(&client, RMEMD_DHCP_REQUESTING, &offer_l, buf, 0),
		 -ENOSPC);
	CHECK_EQ(rmemd_dhcp_build_release(&client, &offer_l, buf, 240), -ENOSPC);
	CHECK_EQ(buf[0], 0x5a);	/* refused before writing */
	CHECK_EQ(rmemd_dhcp_build_request(&client, RMEMD_DHCP_BOUND, &offer_l, buf, sizeof(buf)),
		 -EINVAL);
	CHECK_EQ(rmemd_dhcp_build_request(&client, RMEMD_DHCP_INIT, &offer_l, buf, sizeof(buf)),
		 -EINVAL);
	/* An expired lease is not renewed: the client starts over with a DISCOVER. */
	CHECK_EQ(rmemd_dhcp_build_request(&client, RMEMD_DHCP_EXPIRED, &offer_l, buf, sizeof(buf)),
		 -EINVAL);
	CHECK_EQ(rmemd_dhcp_build_request(&client, RMEMD_DHCP_SELECTING, &offer_l, buf, sizeof(buf)),
		 -EINVAL);
}

/* ------------------------------------------------ replies, by hand */

struct reply {
	uint8_t buf[700];
	size_t len;
};

/* A server's answer to @req (our request's bytes): its xid and chaddr echoed. */
static void reply_to(struct reply *r, const uint8_t *req, uint8_t type, const char *yiaddr)
{
	static const uint8_t cookie[4] = { 99, 130, 83, 99 };
	uint32_t y = yiaddr ? ip(yiaddr) : 0;

	memset(r, 0, sizeof(*r));
	r->buf[0] = 2;
	r->buf[1] = 1;
	r->buf[2] = 6;
	memcpy(r->buf + 4, req + 4, 4);		/* xid */
	memcpy(r->buf + 10, req + 10, 2);	/* flags */
	memcpy(r->buf + 16, &y, 4);
	memcpy(r->buf + 28, req + 28, 16);	/* chaddr */
	memcpy(r->buf + 236, cookie, 4);
	r->len = 240;
	r->buf[r->len++] = 53;
	r->buf[r->len++] = 1;
	r->buf[r->len++] = type;
}

static void reply_opt(struct reply *r, uint8_t code, const void *v, uint8_t n)
{
	r->buf[r->len++] = code;
	r->buf[r->len++] = n;
	memcpy(r->buf + r->len, v, n);
	r->len += n;
}

static void reply_addr(struct reply *r, uint8_t code, const char *a)
{
	uint32_t v = ip(a);

	reply_opt(r, code, &v, 4);
}

static void reply_u32(struct reply *r, uint8_t code, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	reply_opt(r, code, b, 4);
}

static void reply_end(struct reply *r)
{
	r->buf[r->len++] = 255;
}

/* The usual ACK of a dnsmasq or ISC server for our REQUESTING REQUEST. */
static void usual_ack(struct reply *r)
{
	const struct rmemd_dhcp_lease offer_l = offer_of();
	uint8_t req[RMEMD_DHCP_REQUEST_LEN];

	rmemd_dhcp_build_request(&client, RMEMD_DHCP_REQUESTING, &offer_l, req, sizeof(req));
	reply_to(r, req, 5, "10.0.0.2");
	reply_addr(r, 54, "10.0.0.1");
	reply_u32(r, 51, 3600);
	reply_addr(r, 1, "255.255.255.0");
	reply_addr(r, 3, "10.0.0.254");
	reply_end(r);
}

/* Parses @len bytes of @buf from a heap copy of exactly that size. */
static int parse_exact(const uint8_t *buf, size_t len, struct rmemd_dhcp_lease *l,
		       const char **why)
{
	uint8_t *copy = malloc(len ? len : 1);
	int ret;

	if (!copy)
		abort();
	memcpy(copy, buf, len);
	*why = "(none)";
	ret = rmemd_dhcp_parse(&client, copy, len, l, why);
	free(copy);
	return ret;
}

static int parse_reply(const struct reply *r, struct rmemd_dhcp_lease *l, const char **why)
{
	return parse_exact(r->buf, r->len, l, why);
}

/* Refused with @err, @why containing @reason. */
#define CHECK_REFUSED(r, err, reason)                                        \
	do {                                                                 \
		struct rmemd_dhcp_lease _l;                                  \
		const char *_why;                                            \
		int _ret = parse_reply((r), &_l, &_why);                     \
                                                                             \
		CHECK_EQ(_ret, (uint64_t)(int64_t)(err));                    \
		if (!strstr(_why, (reason)))                                 \
			RMEM_FAIL_AT("why: \"%s\", wanted \"%s\"", _why,     \
				     (reason));                              \
	} while (0)

RMEM_CASE(offer_round_trip_from_our_discover)
{
	uint8_t req[RMEMD_DHCP_REQUEST_LEN];
	struct rmemd_dhcp_lease l;
	const char *why;
	struct reply r;

	CHECK_EQ(rmemd_dhcp_build_discover(&client, req, sizeof(req)), RMEMD_DHCP_REQUEST_LEN);
	reply_to(&r, req, 2, "10.0.0.2");
	reply_addr(&r, 54, "10.0.0.1");
	reply_u32(&r, 51, 3600);
	reply_addr(&r, 1, "255.255.255.0");
	reply_addr(&r, 3, "10.0.0.254");
	reply_addr(&r, 6, "10.0.0.53");		/* DNS: not read, skipped */
	reply_opt(&r, 15, "rack.example", 12);	/* domain name: skipped */
	reply_end(&r);

	memset(&l, 0x77, sizeof(l));
	CHECK_EQ(parse_reply(&r, &l, &why), 0);
	CHECK_EQ(l.type, RMEMD_DHCP_OFFER);
	CHECK_EQ(l.yiaddr, ip("10.0.0.2"));
	CHECK_EQ(l.server_id, ip("10.0.0.1"));
	CHECK_EQ(l.router, ip("10.0.0.254"));
	CHECK_EQ(l.prefix, 24);
	CHECK(l.mask_given);
	CHECK_EQ(l.lease_s, 3600);
	CHECK_EQ(l.t1_s, 1800);
	CHECK_EQ(l.t2_s, 3150);

	/* The offer's fields are what the REQUESTING REQUEST then carries. */
	CHECK_EQ(rmemd_dhcp_build_request(&client, RMEMD_DHCP_REQUESTING, &l, req, sizeof(req)),
		 RMEMD_DHCP_REQUEST_LEN);
	CHECK_EQ(addr_at(req + 240 + 3 + 9 + 2), ip("10.0.0.2"));	/* option 50 first */
}

RMEM_CASE(ack_timers_given_and_defaulted)
{
	struct rmemd_dhcp_lease l;
	const char *why;
	struct reply r;

	usual_ack(&r);
	CHECK_EQ(parse_reply(&r, &l, &why), 0);
	CHECK_EQ(l.type, RMEMD_DHCP_ACK);
	CHECK_EQ(l.t1_s, 1800);
	CHECK_EQ(l.t2_s, 3150);

	/* T1 and T2 as the server gives them. */
	r.len--;
	reply_u32(&r, 58, 1000);
	reply_u32(&r, 59, 2000);
	reply_end(&r);
	CHECK_EQ(parse_reply(&r, &l, &why), 0);
	CHECK_EQ(l.t1_s, 1000);
	CHECK_EQ(l.t2_s, 2000);

	/* A T2 past the lease, a T1 past T2: the RFC defaults instead. */
	usual_ack(&r);
	r.len--;
	reply_u32(&r, 59, 4000);
	reply_u32(&r, 58, 3500);
	reply_end(&r);
	CHECK_EQ(parse_reply(&r, &l, &why), 0);
	CHECK_EQ(l.t2_s, 3150);
	CHECK_EQ(l.t1_s, 1800);

	/* T2 below lease/2 is legal; the default T1 must not pass it. */
	usual_ack(&r);
	r.len--;
	reply_u32(&r, 59, 600);
	reply_end(&r);
	CHECK_EQ(parse_reply(&r, &l, &why), 0);
	CHECK_EQ(l.t2_s, 600);
	CHECK_EQ(l.t1_s, 600);
}

RMEM_CASE(infinite_and_short_leases)
{
	uint8_t req[RMEMD_DHCP_REQUEST_LEN];
	struct rmemd_dhcp_lease l;
	const char *why;
	struct reply r;

	rmemd_dhcp_build_discover(&client, req, sizeof(req));
	reply_to(&r, req, 5, "192.168.7.9");
	reply_addr(&r, 54, "192.168.7.1");
	reply_u32(&r, 51, 0xffffffffu);
	reply_u32(&r, 58, 100);		/* meaningless with an infinite lease */
	reply_end(&r);
	CHECK_EQ(parse_reply(&r, &l, &why), 0);
	CHECK_EQ(l.lease_s, RMEMD_DHCP_INFINITE);
	CHECK_EQ(l.t1_s, RMEMD_DHCP_INFINITE);
	CHECK_EQ(l.t2_s, RMEMD_DHCP_INFINITE);
	CHECK_EQ(l.router, 0);
	CHECK_EQ(l.prefix, 24);		/* no mask: class C */
	CHECK(!l.mask_given);

	reply_to(&r, req, 5, "172.16.0.9");
	reply_addr(&r, 54, "172.16.0.1");
	reply_u32(&r, 51, 7);
	reply_end(&r);
	CHECK_EQ(parse_reply(&r, &l, &why), 0);
	CHECK_EQ(l.t1_s, 3);
	CHECK_EQ(l.t2_s, 6);
	CHECK_EQ(l.prefix, 16);		/* class B */

	/* The largest finite lease: T2 = lease * 7 / 8 must not overflow. */
	reply_to(&r, req, 5, "10.1.2.3");
	reply_addr(&r, 54, "10.0.0.1");
	reply_u32(&r, 51, 0xfffffffeu);
	reply_end(&r);
	CHECK_EQ(parse_reply(&r, &l, &why), 0);
	CHECK_EQ(l.t2_s, (uint32_t)(0xfffffffeull * 7 / 8));
	CHECK_EQ(l.t1_s, 0x7fffffffu);
	CHECK_EQ(l.prefix, 8);		/* class A */
}

RMEM_CASE(masks_and_routers)
{
	static const struct {
		const char *mask;
		int prefix;	/* -1: refused */
	} masks[] = {
		{ "255.255.255.255", 32 }, { "255.255.255.252", 30 }, { "255.255.0.0", 16 },
		{ "128.0.0.0", 1 }, { "0.0.0.0", -1 }, { "255.0.255.0", -1 },
		{ "255.255.255.1", -1 }, { "0.255.255.255", -1 },
	};
	uint8_t req[RMEMD_DHCP_REQUEST_LEN], two[8];
	struct rmemd_dhcp_lease l;
	const char *why;
	struct reply r;
	size_t i;

	rmemd_dhcp_build_discover(&client, req, sizeof(req));
	for (i = 0; i < RMEM_ARRAY_SIZE(masks); i++) {
		unsigned int before = rmem_case_failures;

		reply_to(&r, req, 2, "10.0.0.2");
		reply_addr(&r, 54, "10.0.0.1");
		reply_u32(&r, 51, 60);
		reply_addr(&r, 1, masks[i].mask);
		reply_end(&r);
		if (masks[i].prefix < 0) {
			CHECK_REFUSED(&r, -EBADMSG, "subnet mask");
		} else {
			CHECK_EQ(parse_reply(&r, &l, &why), 0);
			CHECK_EQ(l.prefix, masks[i].prefix);
		}
		if (rmem_case_failures != before)
			printf("#   mask %s\n", masks[i].mask);
	}

	/* Two routers: the first is the one to use. */
	reply_to(&r, req, 2, "10.0.0.2");
	reply_addr(&r, 54, "10.0.0.1");
	reply_u32(&r, 51, 60);
	memcpy(two, &(uint32_t){ ip("10.0.0.253") }, 4);
	memcpy(two + 4, &(uint32_t){ ip("10.0.0.254") }, 4);
	reply_opt(&r, 3, two, 8);
	reply_end(&r);
	CHECK_EQ(parse_reply(&r, &l, &why), 0);
	CHECK_EQ(l.router, ip("10.0.0.253"));

	for (i = 0; i <= 6; i += 3) {	/* lengths 0, 3, 6: not whole addresses */
		reply_to(&r, req, 2, "10.0.0.2");
		reply_addr(&r, 54, "10.0.0.1");
		reply_u32(&r, 51, 60);
		reply_opt(&r, 3, two, (uint8_t)i);
		reply_end(&r);
		CHECK_REFUSED(&r, -EBADMSG, "router");
	}
	reply_to(&r, req, 2, "10.0.0.2");
	reply_addr(&r, 54, "10.0.0.1");
	reply_u32(&r, 51, 60);
	reply_addr(&r, 3, "255.255.255.255");
	reply_end(&r);
	CHECK_REFUSED(&r, -EBADMSG, "router is not a unicast");
}

RMEM_CASE(nak_needs_only_its_server)
{
	const struct rmemd_dhcp_lease offer_l = offer_of();
	uint8_t req[RMEMD_DHCP_REQUEST_LEN];
	struct rmemd_dhcp_lease l;
	const char *why;
	struct reply r;

	rmemd_dhcp_build_request(&client, RMEMD_DHCP_RENEWING, &offer_l, req, sizeof(req));
	reply_to(&r, req, 6, NULL);
	reply_addr(&r, 54, "10.0.0.1");
	reply_opt(&r, 56, "wrong network", 13);	/* message: skipped */
	reply_end(&r);
	CHECK_EQ(parse_reply(&r, &l, &why), 0);
	CHECK_EQ(l.type, RMEMD_DHCP_NAK);
	CHECK_EQ(l.server_id, ip("10.0.0.1"));

	reply_to(&r, req, 6, NULL);
	reply_end(&r);
	CHECK_REFUSED(&r, -EBADMSG, "no server identifier");
}

/* On a broadcast segment other clients' replies arrive too: not ours, not an error. */
RMEM_CASE(other_clients_replies_are_not_ours)
{
	struct rmemd_dhcp_lease l;
	struct reply r, good;
	const char *why;

	usual_ack(&good);
	r = good;
	r.buf[7] ^= 1;
	CHECK_REFUSED(&r, -ENOMSG, "xid");
	r = good;
	r.buf[33] ^= 0x80;
	CHECK_REFUSED(&r, -ENOMSG, "chaddr");
	/* Bytes of chaddr past hlen are not compared (servers copy them as sent). */
	r = good;
	r.buf[40] = 0x11;
	CHECK_EQ(parse_reply(&r, &l, &why), 0);
}

RMEM_CASE(bad_headers_refused)
{
	struct rmemd_dhcp_lease l;
	struct reply r, good;
	const char *why;

	usual_ack(&good);
	why = "(none)";
	CHECK_EQ(rmemd_dhcp_parse(&client, NULL, 0, &l, &why), -EBADMSG);
	CHECK(strstr(why, "shorter"));
	CHECK_EQ(parse_exact(good.buf, 0, &l, &why), -EBADMSG);
	CHECK_EQ(parse_exact(good.buf, 239, &l, &why), -EBADMSG);
	CHECK(strstr(why, "shorter"));

	r = good;
	r.buf[0] = 1;	/* a client's BOOTREQUEST, e.g. our own broadcast looped back */
	CHECK_REFUSED(&r, -EBADMSG, "BOOTREPLY");
	r = good;
	r.buf[1] = 6;	/* IEEE 802 */
	CHECK_REFUSED(&r, -EBADMSG, "Ethernet");
	r = good;
	r.buf[2] = 16;
	CHECK_REFUSED(&r, -EBADMSG, "Ethernet");
	r = good;
	r.buf[239] = 0x62;
	CHECK_REFUSED(&r, -EBADMSG, "cookie");
}

/* An ACK cut anywhere is refused, and never read past its end. */
RMEM_CASE(every_truncation_refused)
{
	struct rmemd_dhcp_lease l;
	const char *why;
	struct reply r;
	size_t len;

	usual_ack(&r);
	CHECK_EQ(parse_reply(&r, &l, &why), 0);
	for (len = 0; len < r.len; len++) {
		int ret = parse_exact(r.buf, len, &l, &why);

		if (ret != -EBADMSG)
			RMEM_FAIL_AT("cut at %zu of %zu: %d (%s)", len, r.len, ret, why);
	}
}

RMEM_CASE(options_must_fit_and_be_right)
{
	/* Addresses a host cannot take. */
	static const char *const not_unicast[] = {
		"0.0.0.0", "127.0.0.1", "224.0.0.1", "255.255.255.255", "0.1.2.3",
	};
	uint8_t req[RMEMD_DHCP_REQUEST_LEN];
	struct reply r, good;
	size_t i;

	usual_ack(&good);
	rmemd_dhcp_build_discover(&client, req, sizeof(req));

	/* Last option claims more bytes than are left. */
	r = good;
	r.len--;
	r.buf[r.len++] = 12;
	r.buf[r.len++] = 200;
	memcpy(r.buf + r.len, "donor", 5);
	r.len += 5;
	CHECK_REFUSED(&r, -EBADMSG, "runs past the end");
	/* ... exactly one byte more than left. */
	r = good;
	r.len--;
	r.buf[r.len++] = 12;
	r.buf[r.len++] = 3;
	r.buf[r.len++] = 'a';
	r.buf[r.len++] = 'b';
	CHECK_REFUSED(&r, -EBADMSG, "runs past the end");
	/* A code in the last byte, no length byte. */
	r = good;
	r.buf[r.len - 1] = 12;
	CHECK_REFUSED(&r, -EBADMSG, "header runs past");
	/* No end option. */
	r = good;
	r.len--;
	CHECK_REFUSED(&r, -EBADMSG, "end option");

	/* No message type; two; a wrong length; types only clients send. */
	reply_to(&r, req, 2, "10.0.0.2");
	memset(r.buf + 240, 0, 3);	/* the type option, made pad */
	reply_addr(&r, 54, "10.0.0.1");
	reply_u32(&r, 51, 60);
	reply_end(&r);
	CHECK_REFUSED(&r, -EBADMSG, "no message type");
	r = good;
	r.len--;
	reply_opt(&r, 53, "\x02", 1);
	reply_end(&r);
	CHECK_REFUSED(&r, -EBADMSG, "twice");
	r = good;
	r.buf[241] = 2;		/* type option of length 2: swallows the next byte */
	CHECK_REFUSED(&r, -EBADMSG, "message type option is not 1 byte");
	r = good;
	r.buf[242] = 1;		/* DHCPDISCOVER */
	CHECK_REFUSED(&r, -EPROTO, "message type");
	r = good;
	r.buf[242] = 3;		/* DHCPREQUEST */
	CHECK_REFUSED(&r, -EPROTO, "message type");
	r = good;
	r.buf[242] = 200;
	CHECK_REFUSED(&r, -EPROTO, "message type");

	/* What an OFFER or ACK must carry. */
	reply_to(&r, req, 5, "10.0.0.2");
	reply_u32(&r, 51, 60);
	reply_end(&r);
	CHECK_REFUSED(&r, -EBADMSG, "no server identifier");
	reply_to(&r, req, 5, "10.0.0.2");
	reply_addr(&r, 54, "0.0.0.0");
	reply_u32(&r, 51, 60);
	reply_end(&r);
	CHECK_REFUSED(&r, -EBADMSG, "server identifier is not a unicast address");
	reply_to(&r, req, 2, "10.0.0.2");
	reply_addr(&r, 54, "10.0.0.1");
	reply_end(&r);
	CHECK_REFUSED(&r, -EBADMSG, "no lease time");
	reply_to(&r, req, 5, "10.0.0.2");
	reply_addr(&r, 54, "10.0.0.1");
	reply_opt(&r, 51, "\0\0\x0e", 3);
	reply_end(&r);
	CHECK_REFUSED(&r, -EBADMSG, "lease time is not 4 bytes");
	reply_to(&r, req, 5, "10.0.0.2");
	reply_addr(&r, 54, "10.0.0.1");
	reply_u32(&r, 51, 60);
	reply_opt(&r, 58, "\0\0\x0e", 3);
	reply_end(&r);
	CHECK_REFUSED(&r, -EBADMSG, "T1");
	reply_to(&r, req, 5, "10.0.0.2");
	reply_opt(&r, 54, "\x0a\0\0", 3);
	reply_u32(&r, 51, 60);
	reply_end(&r);
	CHECK_REFUSED(&r, -EBADMSG, "server identifier is not 4 bytes");
	reply_to(&r, req, 5, "10.0.0.2");
	reply_addr(&r, 54, "10.0.0.1");
	reply_u32(&r, 51, 60);
	reply_u32(&r, 51, 120);
	reply_end(&r);
	CHECK_REFUSED(&r, -EBADMSG, "twice");

	for (i = 0; i < RMEM_ARRAY_SIZE(not_unicast); i++) {
		reply_to(&r, req, 5, not_unicast[i]);
		reply_addr(&r, 54, "10.0.0.1");
		reply_u32(&r, 51, 60);
		reply_end(&r);
		CHECK_REFUSED(&r, -EBADMSG, "not a unicast address");
	}
}

RMEM_CASE(pad_and_what_follows_end)
{
	uint8_t req[RMEMD_DHCP_REQUEST_LEN];
	struct rmemd_dhcp_lease l;
	const char *why;
	struct reply r;

	rmemd_dhcp_build_discover(&client, req, sizeof(req));
	reply_to(&r, req, 2, "10.0.0.2");
	memset(r.buf + r.len, 0, 7);	/* pad between options */
	r.len += 7;
	reply_addr(&r, 54, "10.0.0.1");
	r.buf[r.len++] = 0;
	reply_u32(&r, 51, 60);
	reply_end(&r);
	/* After the end option: garbage that would be refused if it were read. */
	r.buf[r.len++] = 53;
	r.buf[r.len++] = 250;
	r.buf[r.len++] = 0xff;
	CHECK_EQ(parse_reply(&r, &l, &why), 0);
	CHECK_EQ(l.type, RMEMD_DHCP_OFFER);
	CHECK_EQ(l.lease_s, 60);

	/* Only pad up to the end of the packet: no end option. */
	reply_to(&r, req, 2, "10.0.0.2");
	reply_addr(&r, 54, "10.0.0.1");
	reply_u32(&r, 51, 60);
	memset(r.buf + r.len, 0, 40);
	r.len += 40;
	CHECK_REFUSED(&r, -EBADMSG, "end option");
}

/*
 * Random damage to a good ACK, each copy in a buffer of its own length:
 * the parser may accept or refuse, but must never read outside it (ASan),
 * and what it accepts must still be a consistent lease.
 */
RMEM_CASE(random_damage_stays_in_bounds)
{
	uint32_t seed = 0x2545f491;
	struct rmemd_dhcp_lease l;
	unsigned int accepted = 0;
	struct reply good, r;
	const char *why;
	int i, k;

	usual_ack(&good);
	for (i = 0; i < 20000; i++) {
		int ret;

		r = good;
		for (k = 0; k < 1 + i % 4; k++) {
			seed ^= seed << 13;
			seed ^= seed >> 17;
			seed ^= seed << 5;
			/* Mostly the options, where the lengths are; now and then the header. */
			if (i % 5 == 0)
				r.buf[seed % (r.len + 8)] = (uint8_t)(seed >> 8);
			else
				r.buf[240 + seed % (r.len - 240 + 8)] = (uint8_t)(seed >> 8);
		}
		if (i % 3 == 0)
			r.len = 240 + (seed >> 16) % (r.len - 240 + 9);
		ret = parse_reply(&r, &l, &why);
		if (ret == 0) {
			accepted++;
			CHECK(l.type == RMEMD_DHCP_OFFER || l.type == RMEMD_DHCP_ACK ||
			      l.type == RMEMD_DHCP_NAK);
			if (l.type != RMEMD_DHCP_NAK)
				CHECK(l.t1_s <= l.t2_s && l.t2_s <= l.lease_s);
		} else {
			CHECK(ret == -EBADMSG || ret == -EPROTO || ret == -ENOMSG);
		}
	}
	/* Damage past the end option is harmless: some copies must pass. */
	CHECK(accepted > 0);
	CHECK(accepted < 20000);
}

/* ------------------------------------------------ the clock */

RMEM_CASE(timers_and_states)
{
	struct rmemd_dhcp_lease l = offer_of();
	struct rmemd_dhcp_timers t;

	l.t1_s = 1800;
	l.t2_s = 3150;
	rmemd_dhcp_timers(&l, 5000, &t);
	CHECK_EQ(t.t1_ms, 5000 + 1800000);
	CHECK_EQ(t.t2_ms, 5000 + 3150000);
	CHECK_EQ(t.expire_ms, 5000 + 3600000);
	CHECK_EQ(rmemd_dhcp_state_at(&t, 5000), RMEMD_DHCP_BOUND);
	CHECK_EQ(rmemd_dhcp_state_at(&t, t.t1_ms - 1), RMEMD_DHCP_BOUND);
	CHECK_EQ(rmemd_dhcp_state_at(&t, t.t1_ms), RMEMD_DHCP_RENEWING);
	CHECK_EQ(rmemd_dhcp_state_at(&t, t.t2_ms - 1), RMEMD_DHCP_RENEWING);
	CHECK_EQ(rmemd_dhcp_state_at(&t, t.t2_ms), RMEMD_DHCP_REBINDING);
	CHECK_EQ(rmemd_dhcp_state_at(&t, t.expire_ms - 1), RMEMD_DHCP_REBINDING);
	CHECK_EQ(rmemd_dhcp_state_at(&t, t.expire_ms), RMEMD_DHCP_EXPIRED);
	CHECK_EQ(rmemd_dhcp_state_at(&t, UINT64_MAX - 1), RMEMD_DHCP_EXPIRED);

	l.lease_s = l.t1_s = l.t2_s = RMEMD_DHCP_INFINITE;
	rmemd_dhcp_timers(&l, 5000, &t);
	CHECK_EQ(t.t1_ms, RMEMD_DHCP_NEVER);
	CHECK_EQ(t.expire_ms, RMEMD_DHCP_NEVER);
	CHECK_EQ(rmemd_dhcp_state_at(&t, UINT64_MAX - 1), RMEMD_DHCP_BOUND);
	CHECK_EQ(rmemd_dhcp_next_send(&t, 123456), RMEMD_DHCP_NEVER);
}

RMEM_CASE(renewal_schedule)
{
	struct rmemd_dhcp_lease l = offer_of();
	struct rmemd_dhcp_timers t;
	uint64_t now, next;
	int sends = 0;

	l.t1_s = 1800;
	l.t2_s = 3150;
	rmemd_dhcp_timers(&l, 0, &t);
	/* Bound: nothing until T1. */
	CHECK_EQ(rmemd_dhcp_next_send(&t, 10), t.t1_ms);
	/* Renewing at T1: half of the 1350 s to T2. */
	CHECK_EQ(rmemd_dhcp_next_send(&t, t.t1_ms), t.t1_ms + 675000);
	/* Near T2: at least 60 s apart, but never past T2 ... */
	CHECK_EQ(rmemd_dhcp_next_send(&t, t.t2_ms - 100000), t.t2_ms - 40000);
	CHECK_EQ(rmemd_dhcp_next_send(&t, t.t2_ms - 30000), t.t2_ms);
	/* ... unless T2 is closer than the 10 s floor. */
	CHECK_EQ(rmemd_dhcp_next_send(&t, t.t2_ms - 3000), t.t2_ms + 7000);
	/* Rebinding: half of what is left of the lease, capped by expiry, floored at 10 s. */
	CHECK_EQ(rmemd_dhcp_next_send(&t, t.t2_ms), t.t2_ms + 225000);
	CHECK_EQ(rmemd_dhcp_next_send(&t, t.expire_ms - 30000), t.expire_ms);
	CHECK_EQ(rmemd_dhcp_next_send(&t, t.expire_ms - 1000), t.expire_ms + 9000);
	/* Expired: nothing to renew (the state machine starts over). */
	CHECK_EQ(rmemd_dhcp_next_send(&t, t.expire_ms), RMEMD_DHCP_NEVER);

	/* Following the schedule from T1 to expiry is a handful of sends, each 10 s or more later. */
	for (now = t.t1_ms; now < t.expire_ms; now = next) {
		next = rmemd_dhcp_next_send(&t, now);
		CHECK(next >= now + RMEMD_DHCP_RESEND_MIN_MS);
		if (next <= now)
			break;
		sends++;
	}
	CHECK(sends >= 4 && sends <= 30);
	CHECK(now >= t.expire_ms && now < t.expire_ms + RMEMD_DHCP_RESEND_MIN_MS);
}

/* P1: what a server asks for cannot make the client ask more often than the floors allow. */
RMEM_CASE(short_leases_and_zero_t1_are_floored)
{
	struct rmemd_dhcp_lease l = offer_of();
	struct rmemd_dhcp_timers t;
	const char *why;
	struct reply r;
	char buf[48];

	/* A 5 s lease counts as 30 s, its T1 and T2 scaled with it. */
	l.lease_s = 5;
	l.t1_s = 0;
	l.t2_s = 0;
	rmemd_dhcp_timers(&l, 1000, &t);
	CHECK_EQ(t.expire_ms, 1000 + 30000);
	CHECK_EQ(t.t1_ms, 1000 + 15000);
	CHECK_EQ(t.t2_ms, 1000 + 26000);
	CHECK_STR(rmemd_dhcp_lease_str(&l, buf, sizeof(buf)), "lease 5 s, used as 30 s");

	/* T1 = 0 (and T2 = 0) on a long lease: no renewal within 10 s of the lease starting. */
	usual_ack(&r);
	r.len--;
	reply_u32(&r, 58, 0);
	reply_u32(&r, 59, 0);
	reply_end(&r);
	CHECK_EQ(parse_reply(&r, &l, &why), 0);
	CHECK_EQ(l.t1_s, 0);	/* the parser reports what the server said */
	rmemd_dhcp_timers(&l, 0, &t);
	CHECK_EQ(t.t1_ms, RMEMD_DHCP_RENEW_MIN_S * 1000);
	CHECK_EQ(t.t2_ms, RMEMD_DHCP_RENEW_MIN_S * 1000);
	CHECK_EQ(t.expire_ms, 3600000);
	CHECK_STR(rmemd_dhcp_lease_str(&l, buf, sizeof(buf)), "lease 3600 s");
	l.lease_s = RMEMD_DHCP_INFINITE;
	CHECK_STR(rmemd_dhcp_lease_str(&l, buf, sizeof(buf)), "lease infinite");
}

RMEM_CASE(discover_backoff)
{
	/* RFC 2131 4.1: 4 s doubling to 64 s, randomised by -1..+1 s (jitter 1000 is +0). */
	CHECK_EQ(rmemd_dhcp_backoff_ms(0, 1000), 4000);
	CHECK_EQ(rmemd_dhcp_backoff_ms(1, 1000), 8000);
	CHECK_EQ(rmemd_dhcp_backoff_ms(2, 1000), 16000);
	CHECK_EQ(rmemd_dhcp_backoff_ms(3, 1000), 32000);
	CHECK_EQ(rmemd_dhcp_backoff_ms(4, 1000), 64000);
	CHECK_EQ(rmemd_dhcp_backoff_ms(5, 1000), 64000);
	CHECK_EQ(rmemd_dhcp_backoff_ms(1000000, 1000), 64000);
	CHECK_EQ(rmemd_dhcp_backoff_ms(0, 0), 3000);
	CHECK_EQ(rmemd_dhcp_backoff_ms(0, 2000), 5000);
	CHECK_EQ(rmemd_dhcp_backoff_ms(0, 2001), 3000);
	CHECK_EQ(rmemd_dhcp_backoff_ms(4, UINT32_MAX), 63000 + UINT32_MAX % 2001);
}

/* ------------------------------------------------ the state machine */

#define SERVER "10.0.0.1"
#define ADDR "10.0.0.2"

/* A server's answer as rmemd_dhcp_parse() would hand it over. */
static struct rmemd_dhcp_lease answer(enum rmemd_dhcp_type type, const char *yiaddr,
				      const char *server, uint32_t lease_s)
{
	struct rmemd_dhcp_lease l = {
		.type = type, .yiaddr = yiaddr ? ip(yiaddr) : 0, .server_id = ip(server),
		.prefix = 24, .mask_given = true, .lease_s = lease_s, .t1_s = lease_s / 2,
		.t2_s = (uint32_t)((uint64_t)lease_s * 7 / 8),
	};

	return l;
}

/* jitter 1000: every backoff is exactly 4, 8, 16 ... s. */
static struct rmemd_dhcp_rnd rnd_of(uint32_t xid)
{
	return (struct rmemd_dhcp_rnd){ .xid = xid, .jitter = 1000 };
}

static enum rmemd_dhcp_event fsm_tick(struct rmemd_dhcp_fsm *f, uint64_t now, uint32_t xid)
{
	const struct rmemd_dhcp_rnd rnd = rnd_of(xid);

	return rmemd_dhcp_fsm_timeout(f, now, &rnd);
}

static enum rmemd_dhcp_event fsm_answer(struct rmemd_dhcp_fsm *f, enum rmemd_dhcp_type type,
					const char *yiaddr, const char *server, const char *src,
					uint64_t now)
{
	const struct rmemd_dhcp_lease l = answer(type, yiaddr, server, 3600);
	const char *why;

	return rmemd_dhcp_fsm_reply(f, &l, ip(src), now, &why);
}

/* The message type and destination of what the client sends in its current state. */
static int fsm_sent_type(const struct rmemd_dhcp_fsm *f, uint32_t *dest, uint8_t *buf)
{
	const uint8_t *v;
	uint8_t n = 0;
	int len;

	len = rmemd_dhcp_fsm_build(f, buf, RMEMD_DHCP_REQUEST_LEN, dest);
	if (len != RMEMD_DHCP_REQUEST_LEN)
		return -1;
	v = req_opt(buf, (size_t)len, 53, &n);
	return v && n == 1 ? v[0] : -1;
}

/* Started at 0 and bound at @at to ADDR by SERVER for an hour (T1 1800 s, T2 3150 s). */
static void fsm_bound_at(struct rmemd_dhcp_fsm *f, uint64_t at)
{
	rmemd_dhcp_fsm_init(f, client.mac);
	rmemd_dhcp_fsm_start(f, at);
	CHECK_EQ(fsm_tick(f, at, 0x1000), RMEMD_DHCP_EV_SEND);
	CHECK_EQ(fsm_answer(f, RMEMD_DHCP_OFFER, ADDR, SERVER, SERVER, at), RMEMD_DHCP_EV_OFFERED);
	CHECK_EQ(fsm_tick(f, at, 0x1001), RMEMD_DHCP_EV_SEND);
	CHECK_EQ(fsm_answer(f, RMEMD_DHCP_ACK, ADDR, SERVER, SERVER, at), RMEMD_DHCP_EV_BOUND);
	CHECK_EQ(f->state, RMEMD_DHCP_BOUND);
}

/* Brings a fresh client to @state (ADDR from SERVER); false for a state it cannot rest in. */
static bool fsm_in(struct rmemd_dhcp_fsm *f, enum rmemd_dhcp_state state)
{
	rmemd_dhcp_fsm_init(f, client.mac);
	switch (state) {
	case RMEMD_DHCP_IDLE:
		break;
	case RMEMD_DHCP_INIT:
		rmemd_dhcp_fsm_start(f, 1000);
		break;
	case RMEMD_DHCP_SELECTING:
		rmemd_dhcp_fsm_start(f, 1000);
		fsm_tick(f, 1000, 7);
		break;
	case RMEMD_DHCP_REQUESTING:
		rmemd_dhcp_fsm_start(f, 1000);
		fsm_tick(f, 1000, 7);
		fsm_answer(f, RMEMD_DHCP_OFFER, ADDR, SERVER, SERVER, 1500);
		fsm_tick(f, 1500, 8);
		break;
	case RMEMD_DHCP_BOUND:
		fsm_bound_at(f, 0);
		break;
	case RMEMD_DHCP_RENEWING:
		fsm_bound_at(f, 0);
		fsm_tick(f, f->timers.t1_ms, 9);
		break;
	case RMEMD_DHCP_REBINDING:
		fsm_bound_at(f, 0);
		fsm_tick(f, f->timers.t2_ms, 9);
		break;
	case RMEMD_DHCP_REBOOTING:
		fsm_bound_at(f, 0);
		rmemd_dhcp_fsm_link_up(f, 60000);
		fsm_tick(f, 60000, 9);
		break;
	default:
		return false;
	}
	CHECK_EQ(f->state, state);
	return f->state == state;
}

/* What each state does with each answer from the right server. */
RMEM_CASE(state_machine_replies)
{
	static const struct {
		enum rmemd_dhcp_state state;
		enum rmemd_dhcp_event ev[3];	/* OFFER, ACK, NAK */
		enum rmemd_dhcp_state then[3];
	} table[] = {
#define NONE RMEMD_DHCP_EV_NONE
		{ RMEMD_DHCP_IDLE, { NONE, NONE, NONE },
		  { RMEMD_DHCP_IDLE, RMEMD_DHCP_IDLE, RMEMD_DHCP_IDLE } },
		{ RMEMD_DHCP_INIT, { NONE, NONE, NONE },
		  { RMEMD_DHCP_INIT, RMEMD_DHCP_INIT, RMEMD_DHCP_INIT } },
		{ RMEMD_DHCP_SELECTING, { RMEMD_DHCP_EV_OFFERED, NONE, NONE },
		  { RMEMD_DHCP_REQUESTING, RMEMD_DHCP_SELECTING, RMEMD_DHCP_SELECTING } },
		{ RMEMD_DHCP_REQUESTING, { NONE, RMEMD_DHCP_EV_BOUND, RMEMD_DHCP_EV_DECLINED },
		  { RMEMD_DHCP_REQUESTING, RMEMD_DHCP_BOUND, RMEMD_DHCP_INIT } },
		{ RMEMD_DHCP_BOUND, { NONE, NONE, NONE },
		  { RMEMD_DHCP_BOUND, RMEMD_DHCP_BOUND, RMEMD_DHCP_BOUND } },
		{ RMEMD_DHCP_RENEWING, { NONE, RMEMD_DHCP_EV_RENEWED, RMEMD_DHCP_EV_LOST },
		  { RMEMD_DHCP_RENEWING, RMEMD_DHCP_BOUND, RMEMD_DHCP_INIT } },
		{ RMEMD_DHCP_REBINDING, { NONE, RMEMD_DHCP_EV_RENEWED, RMEMD_DHCP_EV_LOST },
		  { RMEMD_DHCP_REBINDING, RMEMD_DHCP_BOUND, RMEMD_DHCP_INIT } },
		{ RMEMD_DHCP_REBOOTING, { NONE, RMEMD_DHCP_EV_RENEWED, RMEMD_DHCP_EV_LOST },
		  { RMEMD_DHCP_REBOOTING, RMEMD_DHCP_BOUND, RMEMD_DHCP_INIT } },
#undef NONE
	};
	static const enum rmemd_dhcp_type types[3] = {
		RMEMD_DHCP_OFFER, RMEMD_DHCP_ACK, RMEMD_DHCP_NAK,
	};
	struct rmemd_dhcp_fsm f;
	size_t i, k;

	for (i = 0; i < RMEM_ARRAY_SIZE(table); i++) {
		for (k = 0; k < 3; k++) {
			unsigned int before = rmem_case_failures;

			uint64_t now;

			if (!fsm_in(&f, table[i].state))
				continue;
			now = f.last_send_ms + 100;	/* the answer to the last send */
			CHECK_EQ(fsm_answer(&f, types[k], types[k] == RMEMD_DHCP_NAK ? NULL : ADDR,
					    SERVER, SERVER, now), table[i].ev[k]);
			CHECK_EQ(f.state, table[i].then[k]);
			/* Losing or declining waits 10 s before the DISCOVER. */
			if (f.state == RMEMD_DHCP_INIT && table[i].state != RMEMD_DHCP_INIT)
				CHECK_EQ(rmemd_dhcp_fsm_deadline(&f), now + RMEMD_DHCP_RESTART_MS);
			if (rmem_case_failures != before)
				printf("#   %s + %s\n", rmemd_dhcp_state_name(table[i].state),
				       rmemd_dhcp_type_name(types[k]));
		}
	}
}

/* What each state sends (or decides) when its deadline comes. */
RMEM_CASE(state_machine_timeouts)
{
	static const struct {
		enum rmemd_dhcp_state state;
		enum rmemd_dhcp_event ev;
		enum rmemd_dhcp_state then;
		int type;		/* sent: 1 DISCOVER, 3 REQUEST; 0: nothing */
		bool broadcast;		/* ... to 255.255.255.255, else to the server */
	} table[] = {
		{ RMEMD_DHCP_IDLE, RMEMD_DHCP_EV_NONE, RMEMD_DHCP_IDLE, 0, false },
		{ RMEMD_DHCP_INIT, RMEMD_DHCP_EV_SEND, RMEMD_DHCP_SELECTING, 1, true },
		{ RMEMD_DHCP_SELECTING, RMEMD_DHCP_EV_SEND, RMEMD_DHCP_SELECTING, 1, true },
		{ RMEMD_DHCP_REQUESTING, RMEMD_DHCP_EV_SEND, RMEMD_DHCP_REQUESTING, 3, true },
		{ RMEMD_DHCP_BOUND, RMEMD_DHCP_EV_SEND, RMEMD_DHCP_RENEWING, 3, false },
		{ RMEMD_DHCP_RENEWING, RMEMD_DHCP_EV_SEND, RMEMD_DHCP_RENEWING, 3, false },
		{ RMEMD_DHCP_REBINDING, RMEMD_DHCP_EV_SEND, RMEMD_DHCP_REBINDING, 3, true },
		{ RMEMD_DHCP_REBOOTING, RMEMD_DHCP_EV_SEND, RMEMD_DHCP_REBOOTING, 3, true },
	};
	uint8_t buf[RMEMD_DHCP_REQUEST_LEN];
	struct rmemd_dhcp_fsm f;
	uint64_t due;
	uint32_t dest;
	size_t i;

	for (i = 0; i < RMEM_ARRAY_SIZE(table); i++) {
		unsigned int before = rmem_case_failures;

		if (!fsm_in(&f, table[i].state))
			continue;
		due = rmemd_dhcp_fsm_deadline(&f);
		if (table[i].state == RMEMD_DHCP_IDLE) {
			CHECK_EQ(due, RMEMD_DHCP_NEVER);
			due = 123456;
		} else {
			CHECK(due < RMEMD_DHCP_NEVER);
			/* Not a millisecond early. */
			CHECK_EQ(fsm_tick(&f, due - 1, 42), RMEMD_DHCP_EV_NONE);
			CHECK_EQ(f.state, table[i].state);
		}
		CHECK_EQ(fsm_tick(&f, due, 42), table[i].ev);
		CHECK_EQ(f.state, table[i].then);
		if (table[i].type) {
			CHECK_EQ(fsm_sent_type(&f, &dest, buf), table[i].type);
			CHECK_EQ(dest, table[i].broadcast ? 0xffffffffu : ip(SERVER));
			CHECK(rmemd_dhcp_fsm_deadline(&f) > due);
		}
		if (rmem_case_failures != before)
			printf("#   timeout in %s\n", rmemd_dhcp_state_name(table[i].state));
	}

	/* REBINDING's last deadline is expiry: the address goes, DISCOVER 10 s later. */
	fsm_in(&f, RMEMD_DHCP_REBINDING);
	while (rmemd_dhcp_fsm_deadline(&f) < f.timers.expire_ms)
		CHECK_EQ(fsm_tick(&f, rmemd_dhcp_fsm_deadline(&f), 43), RMEMD_DHCP_EV_SEND);
	CHECK_EQ(rmemd_dhcp_fsm_deadline(&f), f.timers.expire_ms);
	CHECK_EQ(fsm_tick(&f, f.timers.expire_ms, 44), RMEMD_DHCP_EV_EXPIRED);
	CHECK_EQ(f.state, RMEMD_DHCP_INIT);
}

/* P2: the xid is the caller's random number, fresh for every transaction. */
RMEM_CASE(xids_are_fresh_per_transaction)
{
	uint8_t buf[RMEMD_DHCP_REQUEST_LEN];
	struct rmemd_dhcp_lease l;
	struct rmemd_dhcp_fsm f;
	const char *why;
	struct reply r;
	uint32_t dest;

	rmemd_dhcp_fsm_init(&f, client.mac);
	rmemd_dhcp_fsm_start(&f, 0);
	CHECK_EQ(fsm_tick(&f, 0, 0xa1b2c3d4), RMEMD_DHCP_EV_SEND);
	CHECK_EQ(f.client.xid, 0xa1b2c3d4);
	/* A retransmitted DISCOVER is the same transaction. */
	CHECK_EQ(fsm_tick(&f, 4000, 0x55555555), RMEMD_DHCP_EV_SEND);
	CHECK_EQ(f.client.xid, 0xa1b2c3d4);
	fsm_bound_at(&f, 0);
	/* Each REQUEST for the lease in use takes the number it is given. */
	CHECK_EQ(fsm_tick(&f, f.timers.t1_ms, 0x01020304), RMEMD_DHCP_EV_SEND);
	CHECK_EQ(f.client.xid, 0x01020304);
	CHECK_EQ(fsm_sent_type(&f, &dest, buf), 3);
	CHECK_EQ(be32_at(buf + 4), 0x01020304);
	/* A reply to the first renewal REQUEST ... */
	reply_to(&r, buf, 5, ADDR);
	reply_addr(&r, 54, SERVER);
	reply_u32(&r, 51, 3600);
	reply_end(&r);
	CHECK_EQ(fsm_tick(&f, rmemd_dhcp_fsm_deadline(&f), 0x0a0b0c0d), RMEMD_DHCP_EV_SEND);
	CHECK_EQ(f.client.xid, 0x0a0b0c0d);
	/* ... no longer counts once the next one went out: the lease counts from the send it answers. */
	CHECK_EQ(rmemd_dhcp_parse(&f.client, r.buf, r.len, &l, &why), -ENOMSG);
}

/* P3: while RENEWING only the lease's server, by its identifier and its source address. */
RMEM_CASE(renewing_takes_only_the_lease_server)
{
	struct rmemd_dhcp_fsm f;

	fsm_in(&f, RMEMD_DHCP_RENEWING);
	CHECK_EQ(fsm_answer(&f, RMEMD_DHCP_ACK, ADDR, "10.0.0.9", "10.0.0.9", 1), RMEMD_DHCP_EV_NONE);
	CHECK_EQ(fsm_answer(&f, RMEMD_DHCP_ACK, ADDR, SERVER, "10.0.0.9", 1), RMEMD_DHCP_EV_NONE);
	CHECK_EQ(fsm_answer(&f, RMEMD_DHCP_ACK, ADDR, "10.0.0.9", SERVER, 1), RMEMD_DHCP_EV_NONE);
	/* A forged NAK would take the address away. */
	CHECK_EQ(fsm_answer(&f, RMEMD_DHCP_NAK, NULL, SERVER, "10.0.0.9", 1), RMEMD_DHCP_EV_NONE);
	CHECK_EQ(fsm_answer(&f, RMEMD_DHCP_NAK, NULL, "10.0.0.9", "10.0.0.9", 1), RMEMD_DHCP_EV_NONE);
	/* An ACK for some other address renews nothing. */
	CHECK_EQ(fsm_answer(&f, RMEMD_DHCP_ACK, "10.0.0.3", SERVER, SERVER, 1), RMEMD_DHCP_EV_NONE);
	CHECK_EQ(f.state, RMEMD_DHCP_RENEWING);
	CHECK_EQ(fsm_answer(&f, RMEMD_DHCP_ACK, ADDR, SERVER, SERVER, 1), RMEMD_DHCP_EV_RENEWED);
	CHECK_EQ(f.state, RMEMD_DHCP_BOUND);

	/* REBINDING asks everyone (through relays): another server's ACK is the new lease. */
	fsm_in(&f, RMEMD_DHCP_REBINDING);
	CHECK_EQ(fsm_answer(&f, RMEMD_DHCP_ACK, ADDR, "10.0.0.9", "10.1.0.1", 1),
		 RMEMD_DHCP_EV_RENEWED);
	CHECK_EQ(f.lease.server_id, ip("10.0.0.9"));

	/* REQUESTING: only the server whose OFFER was taken. */
	fsm_in(&f, RMEMD_DHCP_REQUESTING);
	CHECK_EQ(fsm_answer(&f, RMEMD_DHCP_NAK, NULL, "10.0.0.9", "10.0.0.9", 1), RMEMD_DHCP_EV_NONE);
	CHECK_EQ(fsm_answer(&f, RMEMD_DHCP_ACK, ADDR, "10.0.0.9", "10.0.0.9", 1), RMEMD_DHCP_EV_NONE);
	CHECK_EQ(f.state, RMEMD_DHCP_REQUESTING);
}

/* P3: a server identifier must be somewhere a REQUEST can go, in every reply. */
RMEM_CASE(server_id_must_be_unicast)
{
	static const char *const bad[] = {
		"0.0.0.0", "255.255.255.255", "224.0.0.1", "239.1.2.3", "127.0.0.1", "0.1.2.3",
	};
	static const uint8_t types[] = { 2, 5, 6 };
	uint8_t req[RMEMD_DHCP_REQUEST_LEN];
	struct reply r;
	size_t i, k;

	rmemd_dhcp_build_discover(&client, req, sizeof(req));
	for (i = 0; i < RMEM_ARRAY_SIZE(bad); i++) {
		for (k = 0; k < RMEM_ARRAY_SIZE(types); k++) {
			unsigned int before = rmem_case_failures;

			reply_to(&r, req, types[k], types[k] == 6 ? NULL : ADDR);
			reply_addr(&r, 54, bad[i]);
			reply_u32(&r, 51, 60);
			reply_end(&r);
			CHECK_REFUSED(&r, -EBADMSG, "server identifier is not a unicast address");
			if (rmem_case_failures != before)
				printf("#   server %s, type %u\n", bad[i], types[k]);
		}
	}
}

/* P4: the REQUEST for an OFFER is the DISCOVER's transaction: same xid, same secs. */
RMEM_CASE(request_keeps_the_discover_xid_and_secs)
{
	uint8_t disc[RMEMD_DHCP_REQUEST_LEN], req[RMEMD_DHCP_REQUEST_LEN];
	struct rmemd_dhcp_fsm f;
	uint32_t dest;

	rmemd_dhcp_fsm_init(&f, client.mac);
	rmemd_dhcp_fsm_start(&f, 100000);
	CHECK_EQ(fsm_tick(&f, 100000, 0x77), RMEMD_DHCP_EV_SEND);
	CHECK_EQ(rmemd_dhcp_fsm_deadline(&f), 104000);
	CHECK_EQ(fsm_tick(&f, 104000, 0x78), RMEMD_DHCP_EV_SEND);	/* secs 4 */
	CHECK_EQ(fsm_sent_type(&f, &dest, disc), 1);
	CHECK_EQ(disc[8] << 8 | disc[9], 4);
	/* The OFFER comes 5 s after that DISCOVER; the REQUEST still says 4. */
	CHECK_EQ(fsm_answer(&f, RMEMD_DHCP_OFFER, ADDR, SERVER, SERVER, 109000),
		 RMEMD_DHCP_EV_OFFERED);
	CHECK_EQ(rmemd_dhcp_fsm_deadline(&f), 109000);
	CHECK_EQ(fsm_tick(&f, 109000, 0x79), RMEMD_DHCP_EV_SEND);
	CHECK_EQ(fsm_sent_type(&f, &dest, req), 3);
	CHECK_MEM(req + 4, disc + 4, 4);	/* xid */
	CHECK_MEM(req + 8, disc + 8, 2);	/* secs */
	/* So does its retransmission. */
	CHECK_EQ(fsm_tick(&f, rmemd_dhcp_fsm_deadline(&f), 0x7a), RMEMD_DHCP_EV_SEND);
	CHECK_EQ(fsm_sent_type(&f, &dest, req), 3);
	CHECK_MEM(req + 4, disc + 4, 6);
	/* The lease counts from the first REQUEST. */
	CHECK_EQ(fsm_answer(&f, RMEMD_DHCP_ACK, ADDR, SERVER, SERVER, 115000), RMEMD_DHCP_EV_BOUND);
	CHECK_EQ(f.timers.expire_ms, 109000 + 3600000);
}

/* P5: a NAK or an expired lease sends the client back to DISCOVER. */
RMEM_CASE(nak_and_expiry_start_over_with_discover)
{
	static const enum rmemd_dhcp_state held[] = {
		RMEMD_DHCP_RENEWING, RMEMD_DHCP_REBINDING, RMEMD_DHCP_REBOOTING,
	};
	uint8_t buf[RMEMD_DHCP_REQUEST_LEN];
	struct rmemd_dhcp_fsm f;
	uint64_t t;
	uint32_t dest;
	size_t i;

	for (i = 0; i < RMEM_ARRAY_SIZE(held); i++) {
		fsm_in(&f, held[i]);
		t = rmemd_dhcp_fsm_deadline(&f) - 1;
		CHECK_EQ(fsm_answer(&f, RMEMD_DHCP_NAK, NULL, SERVER, SERVER, t), RMEMD_DHCP_EV_LOST);
		CHECK(!rmemd_dhcp_fsm_holds(&f));
		CHECK_EQ(fsm_tick(&f, t + RMEMD_DHCP_RESTART_MS - 1, 50), RMEMD_DHCP_EV_NONE);
		CHECK_EQ(fsm_tick(&f, t + RMEMD_DHCP_RESTART_MS, 51), RMEMD_DHCP_EV_SEND);
		CHECK_EQ(fsm_sent_type(&f, &dest, buf), 1);
		CHECK_EQ(addr_at(buf + 12), 0);		/* no ciaddr: the address is gone */
		CHECK_EQ(f.client.xid, 51);
	}

	/* Nobody answers from T1 on: expiry, then DISCOVER. */
	fsm_bound_at(&f, 0);
	while (rmemd_dhcp_fsm_deadline(&f) < f.timers.expire_ms)
		CHECK_EQ(fsm_tick(&f, rmemd_dhcp_fsm_deadline(&f), 52), RMEMD_DHCP_EV_SEND);
	CHECK_EQ(fsm_tick(&f, f.timers.expire_ms, 53), RMEMD_DHCP_EV_EXPIRED);
	CHECK_EQ(f.state, RMEMD_DHCP_INIT);
	CHECK_EQ(fsm_tick(&f, 3600000 + RMEMD_DHCP_RESTART_MS, 54), RMEMD_DHCP_EV_SEND);
	CHECK_EQ(fsm_sent_type(&f, &dest, buf), 1);
	/* And a lease is taken again from there. */
	CHECK_EQ(fsm_answer(&f, RMEMD_DHCP_OFFER, ADDR, SERVER, SERVER, 3610100),
		 RMEMD_DHCP_EV_OFFERED);
	CHECK_EQ(fsm_tick(&f, 3610100, 55), RMEMD_DHCP_EV_SEND);
	CHECK_EQ(fsm_answer(&f, RMEMD_DHCP_ACK, ADDR, SERVER, SERVER, 3610200), RMEMD_DHCP_EV_BOUND);
}

/* P6: without a lease the acquisition ends, bounded in time and in sends. */
RMEM_CASE(acquisition_gives_up_in_bounded_time)
{
	struct rmemd_dhcp_fsm f;
	enum rmemd_dhcp_event ev = RMEMD_DHCP_EV_NONE;
	unsigned int sends = 0, steps;
	uint64_t now = 0;

	rmemd_dhcp_fsm_init(&f, client.mac);
	rmemd_dhcp_fsm_start(&f, 5000);
	for (steps = 0; steps < 100 && ev != RMEMD_DHCP_EV_GAVE_UP; steps++) {
		now = rmemd_dhcp_fsm_deadline(&f);
		ev = fsm_tick(&f, now, steps);
		sends += ev == RMEMD_DHCP_EV_SEND;
	}
	CHECK_EQ(ev, RMEMD_DHCP_EV_GAVE_UP);
	CHECK_EQ(now, 5000 + RMEMD_DHCP_ACQUIRE_MS);
	CHECK(sends >= 4 && sends <= 6);	/* at 0, 4, 12, 28 (and 60) s */
	CHECK_EQ(f.state, RMEMD_DHCP_IDLE);
	CHECK_EQ(rmemd_dhcp_fsm_deadline(&f), RMEMD_DHCP_NEVER);

	/* An OFFER whose REQUEST nobody answers: three tries, then DISCOVER again. */
	fsm_in(&f, RMEMD_DHCP_REQUESTING);
	CHECK_EQ(fsm_tick(&f, rmemd_dhcp_fsm_deadline(&f), 1), RMEMD_DHCP_EV_SEND);
	CHECK_EQ(fsm_tick(&f, rmemd_dhcp_fsm_deadline(&f), 2), RMEMD_DHCP_EV_SEND);
	now = rmemd_dhcp_fsm_deadline(&f);
	CHECK_EQ(fsm_tick(&f, now, 3), RMEMD_DHCP_EV_DECLINED);
	CHECK_EQ(f.state, RMEMD_DHCP_INIT);
	CHECK_EQ(rmemd_dhcp_fsm_deadline(&f), now + RMEMD_DHCP_RESTART_MS);

	/* A lease lost while serving: a new one within the same limit, or give up. */
	fsm_in(&f, RMEMD_DHCP_RENEWING);
	now = f.timers.t1_ms + 1;
	CHECK_EQ(fsm_answer(&f, RMEMD_DHCP_NAK, NULL, SERVER, SERVER, now), RMEMD_DHCP_EV_LOST);
	ev = RMEMD_DHCP_EV_NONE;
	for (steps = 0; steps < 100 && ev != RMEMD_DHCP_EV_GAVE_UP; steps++)
		ev = fsm_tick(&f, rmemd_dhcp_fsm_deadline(&f), steps);
	CHECK_EQ(ev, RMEMD_DHCP_EV_GAVE_UP);
	CHECK_EQ(f.state, RMEMD_DHCP_IDLE);
	CHECK_EQ(f.last_send_ms < now + RMEMD_DHCP_ACQUIRE_MS, 1);
}

/* P1: a server that answers everything at once with T1 = 0 and a 1 s lease. */
struct storm {
	unsigned int sends, held_sends;
	uint64_t min_held_gap;	/* between REQUESTs for a lease in use */
	bool gave_up;
};

static void run_server(struct rmemd_dhcp_fsm *f, uint64_t end, enum rmemd_dhcp_type ack,
		       struct storm *st)
{
	uint64_t now, last_held = 0;
	struct rmemd_dhcp_lease l;
	enum rmemd_dhcp_event ev;
	unsigned int steps;
	const char *why;

	memset(st, 0, sizeof(*st));
	st->min_held_gap = RMEMD_DHCP_NEVER;
	for (steps = 0; steps < 100000; steps++) {
		now = rmemd_dhcp_fsm_deadline(f);
		if (now >= end)
			return;
		ev = fsm_tick(f, now, steps);
		if (ev == RMEMD_DHCP_EV_GAVE_UP) {
			st->gave_up = true;
			return;
		}
		if (ev != RMEMD_DHCP_EV_SEND)
			continue;
		st->sends++;
		if (rmemd_dhcp_fsm_holds(f)) {
			if (st->held_sends && now - last_held < st->min_held_gap)
				st->min_held_gap = now - last_held;
			st->held_sends++;
			last_held = now;
		}
		l = answer(f->state == RMEMD_DHCP_SELECTING ? RMEMD_DHCP_OFFER : ack,
			   ack == RMEMD_DHCP_NAK && f->state != RMEMD_DHCP_SELECTING ? NULL : ADDR,
			   SERVER, 1);
		l.t1_s = l.t2_s = 0;
		rmemd_dhcp_fsm_reply(f, &l, ip(SERVER), now + 2, &why);
	}
	CHECK(!"the state machine never moved its deadline on");
}

RMEM_CASE(no_request_storm_from_an_eager_server)
{
	struct rmemd_dhcp_fsm f;
	struct storm st;

	/* Ten minutes of ACKs for 1 s leases with T1 = 0. */
	rmemd_dhcp_fsm_init(&f, client.mac);
	rmemd_dhcp_fsm_start(&f, 0);
	run_server(&f, 600000, RMEMD_DHCP_ACK, &st);
	CHECK(!st.gave_up);
	CHECK(rmemd_dhcp_fsm_holds(&f));
	CHECK(st.min_held_gap >= RMEMD_DHCP_RESEND_MIN_MS);
	CHECK(st.sends <= 600000 / RMEMD_DHCP_RESEND_MIN_MS + 2);
	CHECK(st.held_sends >= 30);	/* and it does keep renewing */

	/* A server that offers and then NAKs every REQUEST: 10 s between rounds, then give up. */
	rmemd_dhcp_fsm_init(&f, client.mac);
	rmemd_dhcp_fsm_start(&f, 0);
	run_server(&f, 600000, RMEMD_DHCP_NAK, &st);
	CHECK(st.gave_up);
	CHECK(st.sends <= 2 * (RMEMD_DHCP_ACQUIRE_MS / RMEMD_DHCP_RESTART_MS + 1));

	/* A link that flaps every second under a lease: still 10 s between REQUESTs. */
	fsm_bound_at(&f, 0);
	{
		uint64_t now, last = 0, min_gap = RMEMD_DHCP_NEVER;
		unsigned int sends = 0;

		for (now = 1000; now < 120000; now += 500) {
			if (now % 1000 == 0)
				rmemd_dhcp_fsm_link_up(&f, now);
			if (fsm_tick(&f, now, (uint32_t)now) != RMEMD_DHCP_EV_SEND)
				continue;
			if (sends++ && now - last < min_gap)
				min_gap = now - last;
			last = now;
		}
		CHECK(sends >= 2);
		CHECK(min_gap >= RMEMD_DHCP_RESEND_MIN_MS);
	}
}

/* P7: the link's return checks the lease (INIT-REBOOT) before trusting it further. */
RMEM_CASE(link_back_checks_the_lease)
{
	uint8_t buf[RMEMD_DHCP_REQUEST_LEN], n = 0;
	struct rmemd_dhcp_fsm f;
	uint32_t dest;

	fsm_bound_at(&f, 0);
	rmemd_dhcp_fsm_link_up(&f, 100000);
	CHECK_EQ(f.state, RMEMD_DHCP_REBOOTING);
	CHECK_EQ(rmemd_dhcp_fsm_deadline(&f), 100000);
	CHECK_EQ(fsm_tick(&f, 100000, 0x300), RMEMD_DHCP_EV_SEND);
	CHECK_EQ(fsm_sent_type(&f, &dest, buf), 3);
	CHECK_EQ(dest, 0xffffffffu);
	CHECK_EQ(addr_at(buf + 12), 0);
	CHECK(req_opt(buf, sizeof(buf), 50, &n) != NULL);
	CHECK(req_opt(buf, sizeof(buf), 54, &n) == NULL);
	/* This network's server confirms: a fresh lease from that send. */
	CHECK_EQ(fsm_answer(&f, RMEMD_DHCP_ACK, ADDR, "10.0.0.9", "10.0.0.9", 100050),
		 RMEMD_DHCP_EV_RENEWED);
	CHECK_EQ(f.timers.expire_ms, 100000 + 3600000);

	/* Or it says the address is not for this network. */
	rmemd_dhcp_fsm_link_up(&f, 200000);
	CHECK_EQ(fsm_tick(&f, 200000, 0x301), RMEMD_DHCP_EV_SEND);
	CHECK_EQ(fsm_answer(&f, RMEMD_DHCP_NAK, NULL, "10.9.0.1", "10.9.0.1", 200050),
		 RMEMD_DHCP_EV_LOST);
	CHECK_EQ(f.state, RMEMD_DHCP_INIT);

	/* Or nobody answers: three tries, then the lease stands by its timers. */
	fsm_bound_at(&f, 0);
	rmemd_dhcp_fsm_link_up(&f, 100000);
	CHECK_EQ(fsm_tick(&f, rmemd_dhcp_fsm_deadline(&f), 1), RMEMD_DHCP_EV_SEND);
	CHECK_EQ(fsm_tick(&f, rmemd_dhcp_fsm_deadline(&f), 2), RMEMD_DHCP_EV_SEND);
	CHECK_EQ(fsm_tick(&f, rmemd_dhcp_fsm_deadline(&f), 3), RMEMD_DHCP_EV_SEND);
	CHECK_EQ(fsm_tick(&f, rmemd_dhcp_fsm_deadline(&f), 4), RMEMD_DHCP_EV_KEPT);
	CHECK_EQ(f.state, RMEMD_DHCP_BOUND);
	CHECK_EQ(rmemd_dhcp_fsm_deadline(&f), f.timers.t1_ms);

	/* While acquiring, a returning link changes nothing. */
	fsm_in(&f, RMEMD_DHCP_SELECTING);
	rmemd_dhcp_fsm_link_up(&f, 1000);
	CHECK_EQ(f.state, RMEMD_DHCP_SELECTING);
}

/* P7: a netdev re-created under the same name, or stripped of our address, is a stale lease. */
RMEM_CASE(netdev_recreated_or_address_gone_is_stale)
{
	struct rmemd_dhcp_netdev nd = {
		.ifindex = 3, .carrier = true, .has_addr = true, .addr = ip(ADDR),
	};

	CHECK_EQ(rmemd_dhcp_netdev_check(3, true, true, ip(ADDR), &nd), RMEMD_DHCP_NETDEV_SAME);
	CHECK_EQ(rmemd_dhcp_netdev_check(3, false, true, ip(ADDR), &nd),
		 RMEMD_DHCP_NETDEV_LINK_BACK);
	nd.ifindex = 7;
	CHECK_EQ(rmemd_dhcp_netdev_check(3, true, true, ip(ADDR), &nd), RMEMD_DHCP_NETDEV_NEW);
	/* Even with the address put back on the new one: its routes and rxe are not. */
	CHECK_EQ(rmemd_dhcp_netdev_check(3, false, false, ip(ADDR), &nd), RMEMD_DHCP_NETDEV_NEW);
	nd.ifindex = 0;
	CHECK_EQ(rmemd_dhcp_netdev_check(3, true, true, ip(ADDR), &nd), RMEMD_DHCP_NETDEV_NEW);
	nd.ifindex = 3;
	nd.has_addr = false;
	CHECK_EQ(rmemd_dhcp_netdev_check(3, true, true, ip(ADDR), &nd), RMEMD_DHCP_NETDEV_NO_ADDR);
	nd.has_addr = true;
	nd.addr = ip("10.0.0.3");
	CHECK_EQ(rmemd_dhcp_netdev_check(3, true, true, ip(ADDR), &nd), RMEMD_DHCP_NETDEV_NO_ADDR);
	/* Not configured yet (acquiring): no address to miss. */
	nd.has_addr = false;
	CHECK_EQ(rmemd_dhcp_netdev_check(3, true, false, 0, &nd), RMEMD_DHCP_NETDEV_SAME);
	nd.carrier = false;
	CHECK_EQ(rmemd_dhcp_netdev_check(3, true, false, 0, &nd), RMEMD_DHCP_NETDEV_SAME);
}

/* P6: BOOTIF first, then the interfaces with a link; each failure moves on. */
RMEM_CASE(pick_prefers_bootif_then_link_and_moves_on)
{
	struct rmemd_dhcp_nic nics[RMEMD_DHCP_NICS_MAX + 2] = {
		{ "eth0", { 2, 0, 0, 0, 0, 0 }, false },
		{ "eth1", { 2, 0, 0, 0, 0, 1 }, true },
		{ "eth2", { 2, 0, 0, 0, 0, 2 }, true },
	};
	static const uint8_t boot2[6] = { 2, 0, 0, 0, 0, 2 }, boot0[6] = { 2, 0, 0, 0, 0, 0 };
	static const uint8_t nowhere[6] = { 2, 9, 9, 9, 9, 9 };
	const char *why = NULL;
	unsigned int i;

	CHECK_EQ(rmemd_dhcp_pick(nics, 3, boot2, 0, &why), 2);
	CHECK(why && strstr(why, "boot"));
	CHECK_EQ(rmemd_dhcp_pick(nics, 3, boot2, 1, &why), 1);
	CHECK(why && strstr(why, "first interface with a link"));
	CHECK_EQ(rmemd_dhcp_pick(nics, 3, boot2, 2, &why), 2);
	/* The boot NIC comes first even before its link is up. */
	CHECK_EQ(rmemd_dhcp_pick(nics, 3, boot0, 0, &why), 0);
	CHECK_EQ(rmemd_dhcp_pick(nics, 3, boot0, 1, &why), 1);
	CHECK_EQ(rmemd_dhcp_pick(nics, 3, boot0, 2, &why), 2);
	CHECK(why && strstr(why, "next interface"));
	CHECK_EQ(rmemd_dhcp_pick(nics, 3, boot0, 3, &why), 0);
	/* No BOOTIF, or one nobody has: by link only. */
	CHECK_EQ(rmemd_dhcp_pick(nics, 3, NULL, 0, &why), 1);
	CHECK_EQ(rmemd_dhcp_pick(nics, 3, NULL, 1, &why), 2);
	CHECK_EQ(rmemd_dhcp_pick(nics, 3, NULL, 2, &why), 1);
	CHECK_EQ(rmemd_dhcp_pick(nics, 3, nowhere, 0, &why), 1);
	/* No link anywhere: each in turn. */
	nics[1].link = nics[2].link = false;
	CHECK_EQ(rmemd_dhcp_pick(nics, 3, NULL, 0, &why), 0);
	CHECK_EQ(rmemd_dhcp_pick(nics, 3, NULL, 1, &why), 1);
	CHECK_EQ(rmemd_dhcp_pick(nics, 3, NULL, 5, &why), 2);
	CHECK(why && strstr(why, "no interface has a link"));
	CHECK_EQ(rmemd_dhcp_pick(nics, 1, NULL, 7, &why), 0);
	CHECK(why && strstr(why, "only"));
	CHECK_EQ(rmemd_dhcp_pick(nics, 0, NULL, 0, &why), -1);
	/* More than the table holds: only the first RMEMD_DHCP_NICS_MAX count. */
	for (i = 0; i < RMEMD_DHCP_NICS_MAX + 2; i++)
		nics[i].link = i >= RMEMD_DHCP_NICS_MAX;
	CHECK_EQ(rmemd_dhcp_pick(nics, RMEMD_DHCP_NICS_MAX + 2, NULL, 0, &why), 0);
	CHECK(rmemd_dhcp_pick(nics, RMEMD_DHCP_NICS_MAX + 2, NULL, 100, &why) <
	      RMEMD_DHCP_NICS_MAX);
}

/* ------------------------------------------------ more of what a reply may not be */

RMEM_CASE(mask_t1_t2_lengths_checked)
{
	static const struct {
		uint8_t code, len;
		const char *why;
	} bad[] = {
		{ 1, 3, "subnet mask is not 4 bytes" }, { 1, 5, "subnet mask is not 4 bytes" },
		{ 1, 0, "subnet mask is not 4 bytes" }, { 58, 3, "T1" }, { 58, 5, "T1" },
		{ 58, 0, "T1" }, { 59, 2, "T2" }, { 59, 8, "T2" }, { 51, 5, "lease time" },
		{ 54, 8, "server identifier is not 4 bytes" },
		{ 53, 0, "message type option is not 1 byte" },
	};
	static const uint8_t val[8] = { 255, 255, 255, 0, 0, 0, 0, 0 };
	uint8_t req[RMEMD_DHCP_REQUEST_LEN];
	struct reply r;
	size_t i;

	rmemd_dhcp_build_discover(&client, req, sizeof(req));
	for (i = 0; i < RMEM_ARRAY_SIZE(bad); i++) {
		unsigned int before = rmem_case_failures;

		reply_to(&r, req, 5, ADDR);
		reply_opt(&r, bad[i].code, val, bad[i].len);	/* first, so nothing masks it */
		reply_addr(&r, 54, SERVER);
		reply_u32(&r, 51, 3600);
		reply_end(&r);
		CHECK_REFUSED(&r, -EBADMSG, bad[i].why);
		if (rmem_case_failures != before)
			printf("#   option %u of %u bytes\n", bad[i].code, bad[i].len);
	}
}

RMEM_CASE(duplicate_options_refused)
{
	static const struct {
		uint8_t code, len;
		uint8_t v[4];
	} again[] = {
		{ 1, 4, { 255, 255, 255, 0 } }, { 3, 4, { 10, 0, 0, 254 } }, { 51, 4, { 0, 0, 1, 0 } },
		{ 54, 4, { 10, 0, 0, 1 } }, { 58, 4, { 0, 0, 0, 9 } }, { 59, 4, { 0, 0, 0, 99 } },
		{ 53, 1, { 5 } }, { 52, 1, { 1 } },
	};
	struct rmemd_dhcp_lease l;
	struct reply r, good;
	const char *why;
	size_t i;

	usual_ack(&good);
	for (i = 0; i < RMEM_ARRAY_SIZE(again); i++) {
		unsigned int before = rmem_case_failures;

		r = good;
		r.len--;
		reply_opt(&r, again[i].code, again[i].v, again[i].len);
		if (again[i].code == 52 || again[i].code == 58 || again[i].code == 59) {
			/* Options seen once before: these need a first copy too. */
			reply_opt(&r, again[i].code, again[i].v, again[i].len);
		}
		reply_end(&r);
		CHECK_REFUSED(&r, -EBADMSG, "twice");
		if (rmem_case_failures != before)
			printf("#   option %u twice\n", again[i].code);
	}
	/* Options this client does not read may repeat (RFC 3396 concatenation). */
	r = good;
	r.len--;
	reply_addr(&r, 6, "10.0.0.53");
	reply_addr(&r, 6, "10.0.0.54");
	reply_end(&r);
	CHECK_EQ(parse_reply(&r, &l, &why), 0);
}

/* Option overload (52): options continue in file, then sname, each inside its own field. */
RMEM_CASE(option_overload_followed_and_bounded)
{
	static const uint8_t lease[6] = { 51, 4, 0, 0, 0x0e, 0x10 };	/* 3600 s */
	static const uint8_t server[6] = { 54, 4, 10, 0, 0, 1 };
	uint8_t req[RMEMD_DHCP_REQUEST_LEN];
	struct rmemd_dhcp_lease l;
	struct reply r, base;
	const char *why;

	rmemd_dhcp_build_discover(&client, req, sizeof(req));
	/* The message type and mask in options, lease time in file, server id in sname. */
	reply_to(&base, req, 5, ADDR);
	reply_addr(&base, 1, "255.255.255.0");

	r = base;
	reply_opt(&r, 52, "\x03", 1);
	reply_end(&r);
	memcpy(r.buf + 108, lease, sizeof(lease));
	r.buf[108 + sizeof(lease)] = 255;
	memcpy(r.buf + 44, server, sizeof(server));	/* sname filled to here, then pad */
	CHECK_EQ(parse_reply(&r, &l, &why), 0);
	CHECK_EQ(l.lease_s, 3600);
	CHECK_EQ(l.server_id, ip(SERVER));

	/* Without option 52, file and sname are names, not options. */
	r = base;
	reply_end(&r);
	memcpy(r.buf + 108, lease, sizeof(lease));
	memcpy(r.buf + 44, server, sizeof(server));
	CHECK_REFUSED(&r, -EBADMSG, "no server identifier");
	/* Overload 1 is file only: sname's server id is not read. */
	r = base;
	reply_opt(&r, 52, "\x01", 1);
	reply_end(&r);
	memcpy(r.buf + 108, lease, sizeof(lease));
	memcpy(r.buf + 44, server, sizeof(server));
	CHECK_REFUSED(&r, -EBADMSG, "no server identifier");

	/* An option may not run out of its field: file ends where the cookie begins. */
	r = base;
	reply_addr(&r, 54, SERVER);
	reply_opt(&r, 52, "\x01", 1);
	reply_end(&r);
	memcpy(r.buf + 236 - 4, lease, 4);	/* 51, 4, and only two bytes before the cookie */
	CHECK_REFUSED(&r, -EBADMSG, "runs past the end of its field");
	r.buf[235] = 51;			/* a header cut by the field's end */
	memset(r.buf + 232, 0, 3);
	CHECK_REFUSED(&r, -EBADMSG, "header runs past the end of its field");

	/* The same option in options and in file is two copies. */
	r = base;
	reply_addr(&r, 54, SERVER);
	reply_u32(&r, 51, 60);
	reply_opt(&r, 52, "\x01", 1);
	reply_end(&r);
	memcpy(r.buf + 108, lease, sizeof(lease));
	CHECK_REFUSED(&r, -EBADMSG, "twice");
	/* So is a second overload in file. */
	r = base;
	reply_addr(&r, 54, SERVER);
	reply_u32(&r, 51, 60);
	reply_opt(&r, 52, "\x01", 1);
	reply_end(&r);
	memcpy(r.buf + 108, "\x34\x01\x02", 3);
	CHECK_REFUSED(&r, -EBADMSG, "twice");

	/* Overload values other than 1, 2, 3, or not one byte. */
	r = base;
	reply_opt(&r, 52, "\x00", 1);
	reply_end(&r);
	CHECK_REFUSED(&r, -EBADMSG, "overload");
	r = base;
	reply_opt(&r, 52, "\x04", 1);
	reply_end(&r);
	CHECK_REFUSED(&r, -EBADMSG, "overload");
	r = base;
	reply_opt(&r, 52, "\x01\x02", 2);
	reply_end(&r);
	CHECK_REFUSED(&r, -EBADMSG, "overload");
}

RMEM_CASE(subnet_network_and_broadcast_refused)
{
	static const struct {
		const char *addr, *mask;
		bool ok;
	} cases[] = {
		{ "10.0.0.255", "255.255.255.0", false }, { "10.0.0.0", "255.255.255.0", false },
		{ "10.0.3.255", "255.255.252.0", false }, { "10.0.1.255", "255.255.252.0", true },
		{ "10.0.0.1", "255.255.255.254", true }, { "10.0.0.0", "255.255.255.254", true },
		{ "10.0.0.7", "255.255.255.255", true }, { "10.0.0.254", "255.255.255.0", true },
		{ "10.0.0.255", NULL, true },	/* classful /8 guess: not its broadcast */
	};
	uint8_t req[RMEMD_DHCP_REQUEST_LEN];
	struct rmemd_dhcp_lease l;
	const char *why;
	struct reply r;
	size_t i;

	rmemd_dhcp_build_discover(&client, req, sizeof(req));
	for (i = 0; i < RMEM_ARRAY_SIZE(cases); i++) {
		unsigned int before = rmem_case_failures;

		reply_to(&r, req, 2, cases[i].addr);
		reply_addr(&r, 54, SERVER);
		reply_u32(&r, 51, 60);
		if (cases[i].mask)
			reply_addr(&r, 1, cases[i].mask);
		reply_end(&r);
		if (cases[i].ok)
			CHECK_EQ(parse_reply(&r, &l, &why), 0);
		else
			CHECK_REFUSED(&r, -EBADMSG, "network or broadcast address");
		if (rmem_case_failures != before)
			printf("#   %s/%s\n", cases[i].addr, cases[i].mask ? cases[i].mask : "-");
	}
}

/* ------------------------------------------------ console lines */

/* P1, P8: DHCP lines run on long windows and small bursts; hidden levels spend nothing. */
RMEM_CASE(ratelimit_window_and_burst)
{
	struct rmemd_ratelimit dhcp = { .window_ms = 60000, .burst = 3 }, dflt = { 0 };
	unsigned int i, ok = 0;

	for (i = 0; i < 20; i++)
		ok += rmemd_ratelimit_ok(&dhcp, "test lines") ? 1 : 0;
	CHECK_EQ(ok, 3);
	CHECK_EQ(dhcp.missed, 17);
	for (i = 0, ok = 0; i < 20; i++)
		ok += rmemd_ratelimit_ok(&dflt, "test lines") ? 1 : 0;
	CHECK_EQ(ok, RMEMD_RATELIMIT_BURST);

	rmemd_log_setup(0);
	CHECK(!rmemd_log_wants(RMEMD_LOG_DEBUG));
	CHECK(rmemd_log_wants(RMEMD_LOG_INFO));
	CHECK(rmemd_log_wants(RMEMD_LOG_ERR));
	rmemd_log_setup(1);
	CHECK(rmemd_log_wants(RMEMD_LOG_DEBUG));
}

RMEM_CASE(names)
{
	CHECK_STR(rmemd_dhcp_type_name(RMEMD_DHCP_ACK), "DHCPACK");
	CHECK_STR(rmemd_dhcp_type_name((enum rmemd_dhcp_type)99),
		  "DHCP message of an unknown type");
	CHECK_STR(rmemd_dhcp_state_name(RMEMD_DHCP_REBINDING), "rebinding");
	CHECK_STR(rmemd_dhcp_state_name(RMEMD_DHCP_REBOOTING), "rebooting");
	CHECK_STR(rmemd_dhcp_state_name(RMEMD_DHCP_IDLE), "idle");
	CHECK_STR(rmemd_dhcp_state_name((enum rmemd_dhcp_state)99), "unknown");
}

RMEM_TEST_MAIN(RMEM_REF(discover_asks_for_a_broadcast_reply),
	       RMEM_REF(requests_without_an_address),
	       RMEM_REF(request_renewing_and_rebinding_carry_ciaddr),
	       RMEM_REF(release_names_address_and_server),
	       RMEM_REF(builders_refuse_short_buffers_and_bad_states),
	       RMEM_REF(offer_round_trip_from_our_discover),
	       RMEM_REF(ack_timers_given_and_defaulted),
	       RMEM_REF(infinite_and_short_leases), RMEM_REF(masks_and_routers),
	       RMEM_REF(nak_needs_only_its_server), RMEM_REF(other_clients_replies_are_not_ours),
	       RMEM_REF(bad_headers_refused), RMEM_REF(every_truncation_refused),
	       RMEM_REF(options_must_fit_and_be_right), RMEM_REF(pad_and_what_follows_end),
	       RMEM_REF(random_damage_stays_in_bounds), RMEM_REF(mask_t1_t2_lengths_checked),
	       RMEM_REF(duplicate_options_refused), RMEM_REF(option_overload_followed_and_bounded),
	       RMEM_REF(subnet_network_and_broadcast_refused), RMEM_REF(server_id_must_be_unicast),
	       RMEM_REF(timers_and_states), RMEM_REF(renewal_schedule),
	       RMEM_REF(short_leases_and_zero_t1_are_floored), RMEM_REF(discover_backoff),
	       RMEM_REF(state_machine_replies), RMEM_REF(state_machine_timeouts),
	       RMEM_REF(xids_are_fresh_per_transaction),
	       RMEM_REF(renewing_takes_only_the_lease_server),
	       RMEM_REF(request_keeps_the_discover_xid_and_secs),
	       RMEM_REF(nak_and_expiry_start_over_with_discover),
	       RMEM_REF(acquisition_gives_up_in_bounded_time),
	       RMEM_REF(no_request_storm_from_an_eager_server),
	       RMEM_REF(link_back_checks_the_lease),
	       RMEM_REF(netdev_recreated_or_address_gone_is_stale),
	       RMEM_REF(pick_prefers_bootif_then_link_and_moves_on),
	       RMEM_REF(ratelimit_window_and_burst), RMEM_REF(names))
