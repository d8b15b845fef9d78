// SPDX-License-Identifier: GPL-2.0
/*
 * unit/appliance-auth: host authentication as it ships - the donor's key
 * loading, challenge table and checks (appliance/rmemd_auth.c) against the
 * host's requests and its check of the donor's proof (client/rmemc_auth.c),
 * every message through the wire codec.  Known answers computed once with
 * `openssl dgst -sha256 -mac HMAC -macopt hexkey:KEY` pin the HMAC, its
 * truncation and the bytes rmem_auth_input() covers, which the host module
 * computes too.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "rmem_test.h"
#include "rmemc_auth.h"
#include "rmemd_auth.h"
#include "rmemd_parse.h"

#define KEY_A "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define KEY_B "4b45592042206b657920422072616e646f6d2062797465732031323334353637"
#define KEY_C "c0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ffee0000"

/* openssl: HMAC-SHA256(KEY_A, "rmem-auth-v3 key id"), first four bytes. */
#define KEY_A_ID 0x9af2d38fu
/*
 * openssl over rmem_auth_input() of test_desc(), nd d0.., nh 40.., host
 * 1122334455667788, host 10.0.0.2, donor 10.0.0.1 port 7471.
 */
static const uint8_t kat_host_tag[RMEM_AUTH_TAG_LEN] = {
	0xa0, 0x87, 0x73, 0x5a, 0xe2, 0x5c, 0x45, 0x81,
	0xf0, 0xd0, 0xf1, 0xae, 0x93, 0x45, 0x4b, 0xfe,
};
static const uint8_t kat_donor_tag[RMEM_AUTH_TAG_LEN] = {
	0x0a, 0x59, 0xce, 0x73, 0x3d, 0x17, 0xe8, 0xf9,
	0x4d, 0x1e, 0x70, 0x3a, 0x10, 0x57, 0x4d, 0xc7,
};
#define KAT_HOST_ID 0x1122334455667788ull

static char dir[64];
/* Where every exchange here reaches the donor. */
static struct sockaddr_in donor_sa;

/* A file of @text in the test's directory, mode @mode; returns its path. */
static const char *key_file(const char *name, const char *text, mode_t mode)
{
	static char path[4][128];
	static unsigned int next;
	char *p = path[next++ % 4];
	FILE *f;

	snprintf(p, sizeof(path[0]), "%s/%s", dir, name);
	f = fopen(p, "w");
	if (!f) {
		RMEM_FAIL_AT("cannot write %s", p);
		return p;
	}
	fputs(text, f);
	fclose(f);
	chmod(p, mode);
	return p;
}

#define SA(s) ((const struct sockaddr *)&(s))

static struct sockaddr_in sin_of(const char *a, uint16_t port)
{
	struct sockaddr_in s = { .sin_family = AF_INET, .sin_port = htons(port) };

	inet_pton(AF_INET, a, &s.sin_addr);
	return s;
}

static void setup(void)
{
	donor_sa = sin_of("10.0.0.1", 7471);
	snprintf(dir, sizeof(dir), "/tmp/rmem-auth-XXXXXX");
	if (!mkdtemp(dir))
		RMEM_FAIL_AT("mkdtemp failed");
	CHECK(sodium_init() >= 0);
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		RMEM_FAIL_AT("cannot remove %s", dir);
}


/* A donor with the keys of @text (a key file's text) in force. */
static void donor_with(struct rmemd_auth *a, const char *text)
{
	struct rmemd_opts o;
	char err[600];

	rmemd_opts_defaults(&o);
	snprintf(o.key_file, sizeof(o.key_file), "%s", key_file("donor.key", text, 0600));
	if (rmemd_auth_setup(a, &o, err, sizeof(err)))
		RMEM_FAIL_AT("donor setup: %s", err);
}

/* A host proving the first key of @text. */
static void host_with(struct rmemc_auth *h, const char *text)
{
	char err[400];

	struct sockaddr_in me = sin_of("10.0.0.2", 4000);

	if (rmemc_auth_begin(h, key_file("host.key", text, 0600), err, sizeof(err)))
		RMEM_FAIL_AT("host setup: %s", err);
	CHECK_EQ(rmemc_auth_set_where(h, SA(me), SA(donor_sa)), 0);
}

/* The host's request as the donor decodes it off the wire. */
static void send_req(const struct rmemc_auth *h, uint64_t host_id, struct rmem_connect_req *got)
{
	struct rmem_connect_req req = { .version = RMEM_WIRE_VERSION, .host_id = host_id };
	uint8_t buf[RMEM_CM_REQ_PRIV_MAX];

	memset(buf, 0, sizeof(buf));
	rmemc_auth_request(h, &req);
	CHECK(rmem_connect_encode(&req, buf, sizeof(buf)) > 0);
	CHECK_EQ(rmem_connect_decode(buf, sizeof(buf), got), 0);
}

/* The donor's answer to a HELLO, a reject with the challenge, as the host gets it. */
static void challenge(struct rmemd_auth *a, const struct sockaddr *peer,
		      const struct rmem_connect_req *hello, uint64_t now, struct rmemc_auth *h)
{
	struct rmem_reject rej = { RMEM_REJ_CHALLENGE, 0, RMEM_WIRE_VERSION_MIN, RMEM_WIRE_VERSION };
	uint8_t buf[RMEM_CM_REJ_PRIV_MAX], nd[RMEM_AUTH_NONCE_LEN];
	int n;

	CHECK(hello->flags == RMEM_CONNECT_F_HELLO);
	CHECK(rmemd_auth_challenge(a, peer, hello, now, nd) != RMEMD_HELLO_REFUSED);
	memset(buf, 0, sizeof(buf));
	n = rmem_reject_encode(&rej, buf, sizeof(buf));
	CHECK(n > 0);
	CHECK(rmem_challenge_encode(nd, buf + n, sizeof(buf) - (size_t)n) > 0);
	CHECK_EQ(rmemc_auth_take_challenge(h, buf, sizeof(buf)), 0);
}

/* A host's exchange from its HELLO to the AUTH the donor is about to check. */
static void answer_for(struct rmemd_auth *a, struct rmemc_auth *h, const struct sockaddr *peer,
		       uint64_t now, struct rmem_connect_req *answer)
{
	struct rmem_connect_req hello;

	h->challenged = false;
	CHECK_EQ(rmemc_auth_set_where(h, peer, SA(donor_sa)), 0);
	send_req(h, 5, &hello);
	challenge(a, peer, &hello, now, h);
	send_req(h, 5, answer);
}

static void test_desc(struct rmem_desc *d)
{
	memset(d, 0, sizeof(*d));
	d->donor_id = 7;
	d->epoch = 0x0102030405060708ull;
	d->meta_addr = 0x7f0000000000ull;
	d->meta_len = 36864;
	d->meta_rkey = 0x11;
	d->lease_rkey = 0x22;
	d->data_addr = 0x7f0000000000ull + 36864;
	d->chunk_count = 63;
	d->data_rkey = 0x33;
	d->chunk_shift = 20;
	d->slot_count = 1024;
	d->lease_timeout_ms = 30000;
	d->slot_off = 4096;
	d->lease_off = 20480;
	d->stats_off = 28672;
	d->owner_off = 32768;
	d->window_words = 64;
}

/* The donor's accept, signed, as the host decodes it. */
static void accept_desc(const struct rmemd_auth *a, const struct rmemd_auth_proof *p,
			struct rmem_desc *got)
{
	uint8_t buf[RMEM_CM_REP_PRIV_MAX];
	struct rmem_desc d;

	test_desc(&d);
	rmemd_auth_sign(a, p, &d);
	memset(buf, 0, sizeof(buf));
	CHECK(rmem_desc_encode(&d, buf, sizeof(buf)) > 0);
	CHECK_EQ(rmem_desc_decode(buf, sizeof(buf), got), 0);
}

/* ------------------------------------------------------------ cases */

/* libsodium's HMAC-SHA256 is the RFC's (RFC 4231, test case 2). */
RMEM_CASE(hmac_is_rfc4231)
{
	static const uint8_t want[32] = {
		0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e, 0x6a, 0x04, 0x24, 0x26,
		0x08, 0x95, 0x75, 0xc7, 0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27, 0x39, 0x83,
		0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec, 0x38, 0x43,
	};
	const char *msg = "what do ya want for nothing?";
	crypto_auth_hmacsha256_state st;
	uint8_t out[32];

	CHECK(sodium_init() >= 0);
	crypto_auth_hmacsha256_init(&st, (const uint8_t *)"Jefe", 4);
	crypto_auth_hmacsha256_update(&st, (const uint8_t *)msg, strlen(msg));
	crypto_auth_hmacsha256_final(&st, out);
	CHECK_MEM(out, want, sizeof(want));
}

/* The key id, the host's tag and the donor's, byte for byte as openssl computes them. */
RMEM_CASE(known_answers)
{
	struct sockaddr_in peer = sin_of("10.0.0.2", 4000);
	struct rmem_connect_req hello = { .flags = RMEM_CONNECT_F_HELLO, .host_id = KAT_HOST_ID };
	struct rmem_connect_req req = { .flags = RMEM_CONNECT_F_AUTH, .host_id = KAT_HOST_ID };
	uint8_t nd[RMEM_AUTH_NONCE_LEN], keys[RMEM_AUTH_KEYS_MAX][RMEM_AUTH_KEY_LEN];
	struct rmemd_auth_proof p;
	struct rmemc_auth h;
	struct rmemd_auth a;
	struct rmem_desc d;
	const char *why;
	unsigned int i, bad;

	setup();
	CHECK_EQ(rmem_auth_keys_parse(KEY_A, 64, keys, &bad), 1);
	CHECK_EQ(rmemd_auth_key_id(keys[0]), KEY_A_ID);
	donor_with(&a, KEY_A "\n");
	CHECK_EQ(a.nkeys, 1);
	CHECK_EQ(a.key_id[0], KEY_A_ID);
	host_with(&h, KEY_A "\n");
	CHECK(h.keyed);
	CHECK_EQ(h.key_id, KEY_A_ID);
	/* The nonces are random; the known answer needs them fixed. */
	for (i = 0; i < RMEM_AUTH_NONCE_LEN; i++)
		hello.nonce[i] = (uint8_t)(0x40 + i);
	CHECK_EQ(rmemd_auth_challenge(&a, SA(peer), &hello, 1000, nd), RMEMD_HELLO_ISSUED);
	/* An empty table fills from its first slot. */
	CHECK_MEM(a.table[0].nd, nd, sizeof(nd));
	for (i = 0; i < RMEM_AUTH_NONCE_LEN; i++)
		a.table[0].nd[i] = req.nonce[i] = (uint8_t)(0xd0 + i);
	memcpy(req.tag, kat_host_tag, sizeof(req.tag));
	CHECK_EQ(rmemd_auth_check(&a, SA(peer), SA(donor_sa), &req, 1001, &p, &why), RMEM_REJ_NONE);
	CHECK_EQ(p.key, 0);
	test_desc(&d);
	rmemd_auth_sign(&a, &p, &d);
	CHECK_EQ(d.flags, RMEM_ACCEPT_F_AUTH);
	CHECK_MEM(d.tag, kat_donor_tag, sizeof(d.tag));
	/* The host, given the same nonces, makes the same tag and takes the donor's. */
	memcpy(h.nh, hello.nonce, sizeof(h.nh));
	memcpy(h.nd, req.nonce, sizeof(h.nd));
	h.challenged = true;
	req.host_id = KAT_HOST_ID;
	rmemc_auth_request(&h, &req);
	CHECK_MEM(req.tag, kat_host_tag, sizeof(req.tag));
	CHECK_EQ(rmemc_auth_check_accept(&h, &d, KAT_HOST_ID), 0);
	rmemc_auth_end(&h);
	rmemd_auth_teardown(&a);
	teardown();
}

/*
 * A relay: an exchange made between other addresses (a host's AUTH
 * forwarded from elsewhere, or a donor's accept replayed through another
 * address or port) does not verify where it arrives.
 */
RMEM_CASE(exchange_bound_to_its_addresses)
{
	struct sockaddr_in peer = sin_of("10.0.0.2", 4000), relay = sin_of("10.0.0.9", 4000);
	struct sockaddr_in other_donor = sin_of("10.0.0.1", 7472);
	struct rmem_connect_req answer;
	struct rmemd_auth_proof p;
	struct rmemc_auth h;
	struct rmemd_auth a;
	struct rmem_desc d;
	const char *why;

	setup();
	donor_with(&a, KEY_A "\n");
	host_with(&h, KEY_A "\n");
	/* The host believes it talks to the donor on another port: its tag says so. */
	answer_for(&a, &h, SA(peer), 1000, &answer);
	CHECK_EQ(rmemc_auth_set_where(&h, SA(peer), SA(other_donor)), 0);
	send_req(&h, 5, &answer);
	CHECK_EQ(rmemd_auth_check(&a, SA(peer), SA(donor_sa), &answer, 1001, &p, &why),
		 RMEM_REJ_AUTH_FAILED);
	/* The relay's own address was challenged, but the tag names the host's. */
	answer_for(&a, &h, SA(relay), 1100, &answer);
	CHECK_EQ(rmemc_auth_set_where(&h, SA(peer), SA(donor_sa)), 0);
	send_req(&h, 5, &answer);
	CHECK_EQ(rmemd_auth_check(&a, SA(relay), SA(donor_sa), &answer, 1101, &p, &why),
		 RMEM_REJ_AUTH_FAILED);
	/* A good exchange; its accept checked by a host that sees other addresses fails. */
	answer_for(&a, &h, SA(peer), 1200, &answer);
	CHECK_EQ(rmemd_auth_check(&a, SA(peer), SA(donor_sa), &answer, 1201, &p, &why),
		 RMEM_REJ_NONE);
	accept_desc(&a, &p, &d);
	CHECK_EQ(rmemc_auth_check_accept(&h, &d, 5), 0);
	CHECK_EQ(rmemc_auth_set_where(&h, SA(peer), SA(other_donor)), 0);
	CHECK_EQ(rmemc_auth_check_accept(&h, &d, 5), (uint64_t)-EACCES);
	CHECK_EQ(rmemc_auth_set_where(&h, SA(relay), SA(donor_sa)), 0);
	CHECK_EQ(rmemc_auth_check_accept(&h, &d, 5), (uint64_t)-EACCES);
	rmemc_auth_end(&h);
	rmemd_auth_teardown(&a);
	teardown();
}

/* HELLO, challenge, AUTH, signed accept: the two halves agree, and a changed byte breaks it. */
RMEM_CASE(host_and_donor_agree)
{
	struct sockaddr_in peer = sin_of("10.0.0.2", 4000), again = sin_of("10.0.0.2", 4001);
	struct rmem_connect_req got;
	struct rmemd_auth_proof p;
	struct rmemc_auth h;
	struct rmemd_auth a;
	struct rmem_desc d;
	const char *why;

	setup();
	donor_with(&a, KEY_A "\n");
	host_with(&h, "# the rack's\n" KEY_A "\n");
	send_req(&h, 5, &got);
	CHECK_EQ(got.flags, RMEM_CONNECT_F_HELLO);
	CHECK_MEM(got.nonce, h.nh, sizeof(h.nh));
	challenge(&a, SA(peer), &got, 1000, &h);
	send_req(&h, 5, &got);
	CHECK_EQ(got.flags, RMEM_CONNECT_F_AUTH);
	/* The answer comes on a new connection: another source port. */
	CHECK_EQ(rmemd_auth_check(&a, SA(again), SA(donor_sa), &got, 1200, &p, &why), RMEM_REJ_NONE);
	accept_desc(&a, &p, &d);
	CHECK_EQ(rmemc_auth_check_accept(&h, &d, 5), 0);
	/* The tag covers the rkeys, the flags and the host id. */
	d.data_rkey ^= 1;
	CHECK_EQ(rmemc_auth_check_accept(&h, &d, 5), (uint64_t)-EACCES);
	d.data_rkey ^= 1;
	CHECK_EQ(rmemc_auth_check_accept(&h, &d, 6), (uint64_t)-EACCES);
	d.tag[0] ^= 0x80;
	CHECK_EQ(rmemc_auth_check_accept(&h, &d, 5), (uint64_t)-EACCES);
	d.tag[0] ^= 0x80;
	CHECK_EQ(rmemc_auth_check_accept(&h, &d, 5), 0);
	/* A donor that admits without the challenge (--insecure) proves nothing. */
	test_desc(&d);
	CHECK_EQ(rmemc_auth_check_accept(&h, &d, 5), (uint64_t)-EACCES);
	rmemc_auth_end(&h);
	rmemd_auth_teardown(&a);
	teardown();
}

/* A host without a key file sends a plain request; an unusable file is an error, not "no key". */
RMEM_CASE(host_key_file)
{
	struct rmem_connect_req got;
	struct rmemc_auth h;
	char err[400] = "";

	setup();
	CHECK_EQ(rmemc_auth_begin(&h, key_file("none", "", 0600), err, sizeof(err)),
		 (uint64_t)-EINVAL);
	CHECK(strstr(err, "holds no rack key"));
	rmemc_auth_end(&h);
	CHECK_EQ(rmemc_auth_begin(&h, "/nonexistent/rack.key", err, sizeof(err)),
		 (uint64_t)-ENOENT);
	CHECK(!h.keyed);
	send_req(&h, 9, &got);
	CHECK_EQ(got.flags, 0);
	rmemc_auth_end(&h);
	CHECK_EQ(rmemc_auth_begin(&h, NULL, err, sizeof(err)), (uint64_t)-ENOENT);
	rmemc_auth_end(&h);
	CHECK_EQ(rmemc_auth_begin(&h, dir, err, sizeof(err)), (uint64_t)-EINVAL);
	CHECK(strstr(err, "not a regular file"));
	rmemc_auth_end(&h);
	CHECK_EQ(rmemc_auth_begin(&h, key_file("open", KEY_A "\n", 0644), err, sizeof(err)),
		 (uint64_t)-EPERM);
	CHECK(strstr(err, "chmod 600"));
	CHECK(!h.keyed);
	rmemc_auth_end(&h);
	/* Mode 600 but another user's: they can rewrite it. Only root can make one. */
	if (geteuid() == 0) {
		const char *theirs = key_file("theirs", KEY_A "\n", 0600);

		CHECK_EQ(chown(theirs, 4242, 4242), 0);
		CHECK_EQ(rmemc_auth_begin(&h, theirs, err, sizeof(err)), (uint64_t)-EPERM);
		CHECK(strstr(err, "owned by uid 4242"));
		CHECK(!h.keyed);
		rmemc_auth_end(&h);
	}
	CHECK_EQ(rmemc_auth_begin(&h, key_file("bad", KEY_A "\nnot hex\n", 0600), err,
				  sizeof(err)), (uint64_t)-EINVAL);
	CHECK(strstr(err, "bad:2: not a rack key"));
	rmemc_auth_end(&h);
	/* Two keys: the host proves the first. */
	host_with(&h, KEY_B "\n" KEY_A "\n");
	CHECK_EQ(h.key_id, rmemd_auth_key_id(h.key));
	CHECK(h.key_id != KEY_A_ID);
	rmemc_auth_end(&h);
	CHECK_STR(rmemc_auth_key_file("/x"), "/x");
	setenv("RMEM_KEY_FILE", "/from/env", 1);
	CHECK_STR(rmemc_auth_key_file(NULL), "/from/env");
	CHECK_STR(rmemc_auth_key_file("/x"), "/x");
	unsetenv("RMEM_KEY_FILE");
	CHECK_STR(rmemc_auth_key_file(NULL), RMEM_KEY_FILE_DEFAULT);
	teardown();
}

/* One answer per challenge: a replay, even of a right answer, finds it used. */
RMEM_CASE(single_use_and_wrong_key)
{
	struct sockaddr_in peer = sin_of("10.0.0.2", 4000);
	struct rmem_connect_req answer;
	struct rmemd_auth_proof p;
	struct rmemc_auth h, wrong;
	struct rmemd_auth a;
	const char *why;

	setup();
	donor_with(&a, KEY_A "\n");
	host_with(&h, KEY_A "\n");
	answer_for(&a, &h, SA(peer), 1000, &answer);
	CHECK_EQ(rmemd_auth_check(&a, SA(peer), SA(donor_sa), &answer, 1100, &p, &why), RMEM_REJ_NONE);
	CHECK_EQ(rmemd_auth_check(&a, SA(peer), SA(donor_sa), &answer, 1100, &p, &why), RMEM_REJ_AUTH_STALE);
	CHECK(why && strstr(why, "answered before"));
	rmemc_auth_end(&h);
	/* A wrong key uses the challenge up too: no second guess on it. */
	host_with(&wrong, KEY_C "\n");
	answer_for(&a, &wrong, SA(peer), 2000, &answer);
	CHECK_EQ(rmemd_auth_check(&a, SA(peer), SA(donor_sa), &answer, 2100, &p, &why), RMEM_REJ_AUTH_FAILED);
	CHECK(!why);
	CHECK_EQ(rmemd_auth_check(&a, SA(peer), SA(donor_sa), &answer, 2100, &p, &why), RMEM_REJ_AUTH_STALE);
	/* A tag changed in one bit is a wrong key. */
	host_with(&h, KEY_A "\n");
	answer_for(&a, &h, SA(peer), 3000, &answer);
	answer.tag[RMEM_AUTH_TAG_LEN - 1] ^= 1;
	CHECK_EQ(rmemd_auth_check(&a, SA(peer), SA(donor_sa), &answer, 3100, &p, &why), RMEM_REJ_AUTH_FAILED);
	/* A nonce never issued. */
	answer.nonce[0] ^= 1;
	CHECK_EQ(rmemd_auth_check(&a, SA(peer), SA(donor_sa), &answer, 3100, &p, &why), RMEM_REJ_AUTH_STALE);
	CHECK(why && strstr(why, "no such challenge"));
	rmemc_auth_end(&h);
	rmemc_auth_end(&wrong);
	rmemd_auth_teardown(&a);
	teardown();
}

/* Late, from another address, for another host id: stale, and the challenge still waits. */
RMEM_CASE(expiry_and_peer_mismatch)
{
	struct sockaddr_in peer = sin_of("10.0.0.2", 4000), other = sin_of("10.0.0.3", 4000);
	struct sockaddr_in6 mapped = { .sin6_family = AF_INET6, .sin6_port = htons(9) };
	struct sockaddr_un_like { sa_family_t family; char path[30]; } unix_peer = { AF_UNIX, "x" };
	struct rmem_connect_req answer;
	struct rmemd_auth_proof p;
	struct rmemc_auth h;
	struct rmemd_auth a;
	const char *why;

	setup();
	donor_with(&a, KEY_A "\n");
	host_with(&h, KEY_A "\n");
	answer_for(&a, &h, SA(peer), 1000, &answer);
	CHECK_EQ(rmemd_auth_check(&a, SA(other), SA(donor_sa), &answer, 1100, &p, &why), RMEM_REJ_AUTH_STALE);
	CHECK(why && strstr(why, "another address"));
	CHECK_EQ(rmemd_auth_check(&a, SA(unix_peer), SA(donor_sa), &answer, 1100, &p, &why), RMEM_REJ_AUTH_STALE);
	answer.host_id = 6;
	CHECK_EQ(rmemd_auth_check(&a, SA(peer), SA(donor_sa), &answer, 1100, &p, &why), RMEM_REJ_AUTH_STALE);
	CHECK(why && strstr(why, "another host id"));
	answer.host_id = 5;
	CHECK_EQ(rmemd_auth_check(&a, SA(peer), SA(donor_sa), &answer, 1000 + RMEMD_AUTH_TTL_MS, &p, &why),
		 RMEM_REJ_AUTH_STALE);
	CHECK(why && strstr(why, "expired"));
	/* None of those used it up: the right peer, in time, still gets in. */
	CHECK_EQ(rmemd_auth_check(&a, SA(peer), SA(donor_sa), &answer, 999 + RMEMD_AUTH_TTL_MS, &p, &why),
		 RMEM_REJ_NONE);
	/* The same IPv4 address seen as an IPv4-mapped IPv6 one is the same peer. */
	answer_for(&a, &h, SA(peer), 2000, &answer);
	inet_pton(AF_INET6, "::ffff:10.0.0.2", &mapped.sin6_addr);
	CHECK_EQ(rmemd_auth_check(&a, SA(mapped), SA(donor_sa), &answer, 2001, &p, &why), RMEM_REJ_NONE);
	rmemc_auth_end(&h);
	rmemd_auth_teardown(&a);
	teardown();
}

/* 10.<b>.<c>.<d> for the @i-th address of a test, at @port. */
static struct sockaddr_in sin_nth(unsigned int i, uint16_t port)
{
	struct sockaddr_in s = { .sin_family = AF_INET, .sin_port = htons(port) };

	s.sin_addr.s_addr = htonl(0x0a000000u | (0x10000u + i));
	return s;
}

/*
 * An admitted peer flooding HELLOs (from new ports, as a host reconnects)
 * voids no other host's handshake: it only replaces its own challenges.
 */
RMEM_CASE(flood_keeps_other_hosts_challenges)
{
	struct sockaddr_in b = sin_of("10.0.0.3", 4000), a_port;
	struct rmem_connect_req answer, hello = { .flags = RMEM_CONNECT_F_HELLO };
	uint8_t nd[RMEM_AUTH_NONCE_LEN];
	unsigned int i, issued = 0, replaced = 0;
	struct rmemd_auth_proof p;
	struct rmemc_auth h;
	struct rmemd_auth a;
	const char *why;

	setup();
	donor_with(&a, KEY_A "\n");
	host_with(&h, KEY_A "\n");
	answer_for(&a, &h, SA(b), 1000, &answer);
	for (i = 0; i < 1000; i++) {
		a_port = sin_of("10.0.0.2", (uint16_t)(5000 + i));
		switch (rmemd_auth_challenge(&a, SA(a_port), &hello, 1001 + i % 100, nd)) {
		case RMEMD_HELLO_ISSUED:
			issued++;
			break;
		case RMEMD_HELLO_REPLACED:
			replaced++;
			break;
		case RMEMD_HELLO_REFUSED:
			break;
		}
	}
	CHECK_EQ(issued, RMEMD_AUTH_PER_ADDR);
	CHECK_EQ(replaced, 1000 - RMEMD_AUTH_PER_ADDR);
	CHECK_EQ(a.challenges_refused, 0);
	CHECK_EQ(rmemd_auth_check(&a, SA(b), SA(donor_sa), &answer, 1200, &p, &why), RMEM_REJ_NONE);
	rmemc_auth_end(&h);
	rmemd_auth_teardown(&a);
	teardown();
}

/* At its limit an address's next HELLO takes the place of its own oldest challenge. */
RMEM_CASE(own_oldest_challenge_replaced)
{
	struct sockaddr_in peer = sin_of("10.0.0.2", 4000), later = sin_of("10.0.0.2", 4001);
	struct rmem_connect_req oldest, second, hello = { .flags = RMEM_CONNECT_F_HELLO };
	uint8_t nd[RMEM_AUTH_NONCE_LEN];
	struct rmemd_auth_proof p;
	struct rmemc_auth h1, h2;
	struct rmemd_auth a;
	const char *why;
	unsigned int i;

	setup();
	donor_with(&a, KEY_A "\n");
	host_with(&h1, KEY_A "\n");
	host_with(&h2, KEY_A "\n");
	answer_for(&a, &h1, SA(peer), 1000, &oldest);
	answer_for(&a, &h2, SA(later), 1001, &second);
	for (i = 2; i < RMEMD_AUTH_PER_ADDR; i++)
		CHECK_EQ(rmemd_auth_challenge(&a, SA(peer), &hello, 1002, nd), RMEMD_HELLO_ISSUED);
	CHECK_EQ(rmemd_auth_challenge(&a, SA(later), &hello, 1003, nd), RMEMD_HELLO_REPLACED);
	CHECK_EQ(rmemd_auth_check(&a, SA(peer), SA(donor_sa), &oldest, 1004, &p, &why), RMEM_REJ_AUTH_STALE);
	CHECK(why && strstr(why, "no such challenge"));
	CHECK_EQ(rmemd_auth_check(&a, SA(peer), SA(donor_sa), &second, 1004, &p, &why), RMEM_REJ_NONE);
	/* The answered one no longer counts against the address. */
	CHECK_EQ(rmemd_auth_challenge(&a, SA(peer), &hello, 1005, nd), RMEMD_HELLO_ISSUED);
	CHECK_EQ(rmemd_auth_challenge(&a, SA(peer), &hello, 1005, nd), RMEMD_HELLO_REPLACED);
	CHECK_EQ(a.challenges_refused, 0);
	rmemc_auth_end(&h1);
	rmemc_auth_end(&h2);
	rmemd_auth_teardown(&a);
	teardown();
}

/*
 * Every slot live for other addresses: a new address is refused and
 * counted, one that already holds a challenge replaces its own, and
 * the challenges in the table all still answer.
 */
RMEM_CASE(full_table_refuses_and_counts)
{
	const unsigned int full = RMEMD_AUTH_SLOTS / RMEMD_AUTH_PER_ADDR - 1;
	struct sockaddr_in first = sin_nth(0, 4000), under = sin_nth(full, 4000);
	struct sockaddr_in single = sin_nth(full + 1, 4000), fresh = sin_nth(full + 2, 4000);
	struct rmem_connect_req answer, hello = { .flags = RMEM_CONNECT_F_HELLO };
	uint8_t nd[RMEM_AUTH_NONCE_LEN], before[RMEM_AUTH_NONCE_LEN];
	struct sockaddr_in s;
	struct rmemd_auth_proof p;
	struct rmemc_auth h;
	struct rmemd_auth a;
	const char *why;
	unsigned int i, j;

	setup();
	donor_with(&a, KEY_A "\n");
	host_with(&h, KEY_A "\n");
	/* Addresses at their limit, one a slot short of it, one with a single challenge. */
	answer_for(&a, &h, SA(first), 1000, &answer);
	for (i = 0; i < full; i++) {
		s = sin_nth(i, 4000);
		for (j = i ? 0 : 1; j < RMEMD_AUTH_PER_ADDR; j++)
			CHECK_EQ(rmemd_auth_challenge(&a, SA(s), &hello, 1001, nd),
				 RMEMD_HELLO_ISSUED);
	}
	for (j = 0; j < RMEMD_AUTH_PER_ADDR - 1; j++)
		CHECK_EQ(rmemd_auth_challenge(&a, SA(under), &hello, 1001, nd), RMEMD_HELLO_ISSUED);
	CHECK_EQ(rmemd_auth_challenge(&a, SA(single), &hello, 1001, nd), RMEMD_HELLO_ISSUED);
	CHECK_EQ(a.challenges_refused, 0);

	memset(nd, 0xa5, sizeof(nd));
	memcpy(before, nd, sizeof(nd));
	for (i = 0; i < 3; i++)
		CHECK_EQ(rmemd_auth_challenge(&a, SA(fresh), &hello, 1002, nd),
			 RMEMD_HELLO_REFUSED);
	CHECK_EQ(a.challenges_refused, 3);
	CHECK_MEM(nd, before, sizeof(nd));
	/* Under its limit but with no spent slot: its own oldest, not another's. */
	CHECK_EQ(rmemd_auth_challenge(&a, SA(under), &hello, 1002, nd), RMEMD_HELLO_REPLACED);
	CHECK_EQ(rmemd_auth_challenge(&a, SA(single), &hello, 1002, nd), RMEMD_HELLO_REPLACED);
	CHECK_EQ(a.challenges_refused, 3);
	/* The first address's oldest, answered: its slot is spent and goes to the next newcomer. */
	CHECK_EQ(rmemd_auth_check(&a, SA(first), SA(donor_sa), &answer, 1003, &p, &why), RMEM_REJ_NONE);
	CHECK_EQ(rmemd_auth_challenge(&a, SA(fresh), &hello, 1004, nd), RMEMD_HELLO_ISSUED);
	CHECK_EQ(rmemd_auth_challenge(&a, SA(fresh), &hello, 1004, nd), RMEMD_HELLO_REPLACED);
	CHECK_EQ(a.challenges_refused, 3);
	rmemc_auth_end(&h);
	rmemd_auth_teardown(&a);
	teardown();
}

/* Expired challenges free their slots, and count against no address. */
RMEM_CASE(expiry_frees_slots)
{
	struct sockaddr_in peer = sin_of("10.0.0.2", 4000), fresh = sin_of("10.0.0.9", 4000);
	struct rmem_connect_req answer, hello = { .flags = RMEM_CONNECT_F_HELLO };
	uint8_t nd[RMEM_AUTH_NONCE_LEN];
	struct rmemd_auth_proof p;
	struct rmemc_auth h;
	struct rmemd_auth a;
	const char *why;
	unsigned int i;

	setup();
	donor_with(&a, KEY_A "\n");
	host_with(&h, KEY_A "\n");
	for (i = 0; i < RMEMD_AUTH_SLOTS; i++) {
		struct sockaddr_in s = sin_nth(i / RMEMD_AUTH_PER_ADDR, 4000);

		CHECK_EQ(rmemd_auth_challenge(&a, SA(s), &hello, 1000, nd), RMEMD_HELLO_ISSUED);
	}
	CHECK_EQ(rmemd_auth_challenge(&a, SA(fresh), &hello, 999 + RMEMD_AUTH_TTL_MS, nd),
		 RMEMD_HELLO_REFUSED);
	CHECK_EQ(a.challenges_refused, 1);
	/* One TTL later every slot is spent: a whole address's worth is issued again. */
	for (i = 0; i < RMEMD_AUTH_PER_ADDR; i++)
		CHECK_EQ(rmemd_auth_challenge(&a, SA(peer), &hello, 1000 + RMEMD_AUTH_TTL_MS, nd),
			 RMEMD_HELLO_ISSUED);
	answer_for(&a, &h, SA(fresh), 1000 + RMEMD_AUTH_TTL_MS, &answer);
	CHECK_EQ(rmemd_auth_check(&a, SA(fresh), SA(donor_sa), &answer, 1001 + RMEMD_AUTH_TTL_MS, &p, &why),
		 RMEM_REJ_NONE);
	CHECK_EQ(a.challenges_refused, 1);
	rmemc_auth_end(&h);
	rmemd_auth_teardown(&a);
	teardown();
}

/* Two keys during a rotation: either is admitted, the donor proves back with the one used. */
RMEM_CASE(rotation_and_reload)
{
	struct sockaddr_in peer = sin_of("10.0.0.2", 4000);
	struct rmem_connect_req answer;
	struct rmemd_auth_proof p;
	struct rmemc_auth h;
	struct rmemd_auth a;
	struct rmem_desc d;
	const char *why, *path;
	char err[400], ids[24];
	static const char *const host_keys[] = { KEY_A "\n", KEY_B "\n", KEY_C "\n" };
	static const uint16_t want2[] = { RMEM_REJ_NONE, RMEM_REJ_NONE, RMEM_REJ_AUTH_FAILED };
	static const uint16_t want1[] = { RMEM_REJ_AUTH_FAILED, RMEM_REJ_NONE, RMEM_REJ_AUTH_FAILED };
	unsigned int i;
	uint16_t rc;

	setup();
	donor_with(&a, "# new first\n" KEY_B "\n" KEY_A "\n");
	CHECK_EQ(a.nkeys, 2);
	CHECK_EQ(a.key_id[1], KEY_A_ID);
	snprintf(ids, sizeof(ids), "%08x, %08x", a.key_id[0], KEY_A_ID);
	CHECK_STR(rmemd_auth_ids(&a, err, sizeof(err)), ids);
	for (i = 0; i < 3; i++) {
		host_with(&h, host_keys[i]);
		answer_for(&a, &h, SA(peer), 1000 + i, &answer);
		rc = rmemd_auth_check(&a, SA(peer), SA(donor_sa), &answer, 1100, &p, &why);
		CHECK_EQ(rc, want2[i]);
		if (rc == RMEM_REJ_NONE) {
			CHECK_EQ(p.key, i == 0 ? 1 : 0);
			accept_desc(&a, &p, &d);
			CHECK_EQ(rmemc_auth_check_accept(&h, &d, 5), 0);
		}
		rmemc_auth_end(&h);
	}
	/* The old key leaves the file: SIGHUP. */
	path = key_file("donor.key", KEY_B "\n", 0600);
	CHECK_EQ(rmemd_auth_reload(&a, path, err, sizeof(err)), 0);
	CHECK_EQ(a.nkeys, 1);
	for (i = 0; i < 3; i++) {
		host_with(&h, host_keys[i]);
		answer_for(&a, &h, SA(peer), 2000 + i, &answer);
		CHECK_EQ(rmemd_auth_check(&a, SA(peer), SA(donor_sa), &answer, 2100, &p, &why), want1[i]);
		rmemc_auth_end(&h);
	}
	/* A bad file on reload: refused with its reason, the keys stay. */
	CHECK_EQ(rmemd_auth_reload(&a, key_file("donor.key", KEY_B "\nxyz\n", 0600), err,
				   sizeof(err)), (uint64_t)-EINVAL);
	CHECK(strstr(err, "line 2"));
	CHECK_EQ(rmemd_auth_reload(&a, key_file("donor.key", KEY_A "\n", 0644), err, sizeof(err)),
		 (uint64_t)-EPERM);
	CHECK_EQ(rmemd_auth_reload(&a, "/nonexistent/rack.key", err, sizeof(err)),
		 (uint64_t)-ENOENT);
	CHECK_EQ(a.nkeys, 1);
	host_with(&h, KEY_B "\n");
	answer_for(&a, &h, SA(peer), 3000, &answer);
	CHECK_EQ(rmemd_auth_check(&a, SA(peer), SA(donor_sa), &answer, 3100, &p, &why), RMEM_REJ_NONE);
	rmemc_auth_end(&h);
	rmemd_auth_teardown(&a);
	teardown();
}

/* What the donor refuses to start with, and what the message tells the operator. */
RMEM_CASE(donor_setup_refusals)
{
	struct rmemd_opts o;
	struct rmemd_auth a;
	char err[600];

	setup();
	rmemd_opts_defaults(&o);
	snprintf(o.key_file, sizeof(o.key_file), "%s/missing.key", dir);
	CHECK_EQ(rmemd_auth_setup(&a, &o, err, sizeof(err)), (uint64_t)-ENOENT);
	CHECK(strstr(err, "does not exist"));
	CHECK(strstr(err, "openssl rand -hex 32"));
	CHECK(strstr(err, "--insecure"));
	rmemd_auth_teardown(&a);
	o.init = true;
	CHECK_EQ(rmemd_auth_setup(&a, &o, err, sizeof(err)), (uint64_t)-ENOENT);
	CHECK(strstr(err, "rmem.key=HEX") && strstr(err, "rmem.insecure=1"));
	rmemd_auth_teardown(&a);
	o.init = false;
	snprintf(o.key_file, sizeof(o.key_file), "%s", key_file("open.key", KEY_A "\n", 0640));
	CHECK_EQ(rmemd_auth_setup(&a, &o, err, sizeof(err)), (uint64_t)-EPERM);
	CHECK(strstr(err, "mode 0640") && strstr(err, "chmod 600"));
	rmemd_auth_teardown(&a);
	snprintf(o.key_file, sizeof(o.key_file), "%s", key_file("w.key", KEY_A "\n", 0602));
	CHECK_EQ(rmemd_auth_setup(&a, &o, err, sizeof(err)), (uint64_t)-EPERM);
	rmemd_auth_teardown(&a);
	snprintf(o.key_file, sizeof(o.key_file), "%s", dir);
	CHECK_EQ(rmemd_auth_setup(&a, &o, err, sizeof(err)), (uint64_t)-EINVAL);
	CHECK(strstr(err, "not a regular file"));
	rmemd_auth_teardown(&a);
	snprintf(o.key_file, sizeof(o.key_file), "%s",
		 key_file("three.key", KEY_A "\n" KEY_B "\n" KEY_C "\n", 0600));
	CHECK_EQ(rmemd_auth_setup(&a, &o, err, sizeof(err)), (uint64_t)-EINVAL);
	CHECK(strstr(err, "line 3"));
	rmemd_auth_teardown(&a);
	/* Insecure: no keys, nothing to check; with keys as well it is a contradiction. */
	rmemd_opts_defaults(&o);
	o.insecure = true;
	CHECK_EQ(rmemd_auth_setup(&a, &o, err, sizeof(err)), 0);
	CHECK(a.insecure);
	CHECK_EQ(a.nkeys, 0);
	rmemd_auth_teardown(&a);
	o.key_file_set = true;
	CHECK_EQ(rmemd_auth_setup(&a, &o, err, sizeof(err)), (uint64_t)-EINVAL);
	CHECK(strstr(err, "contradicts --key-file"));
	rmemd_auth_teardown(&a);
	/* A bad rmem.key= fails closed: no fallback to a file or to insecure. */
	rmemd_opts_defaults(&o);
	o.key_bad = true;
	snprintf(o.key_file, sizeof(o.key_file), "%s", key_file("good.key", KEY_A "\n", 0600));
	CHECK_EQ(rmemd_auth_setup(&a, &o, err, sizeof(err)), (uint64_t)-EINVAL);
	CHECK(strstr(err, "rmem.key="));
	rmemd_auth_teardown(&a);
	teardown();
}

/* rmem.key=HEX,HEX: the keys of the kernel command line, ahead of any file. */
RMEM_CASE(donor_keys_from_cmdline)
{
	struct rmemd_opts o;
	struct rmemd_auth a;
	char err[600];

	setup();
	rmemd_opts_defaults(&o);
	snprintf(o.key_file, sizeof(o.key_file), "%s/missing.key", dir);
	snprintf(o.key_hex, sizeof(o.key_hex), "%s", KEY_B "," KEY_A);
	CHECK_EQ(rmemd_auth_setup(&a, &o, err, sizeof(err)), 0);
	CHECK_EQ(a.nkeys, 2);
	CHECK_EQ(a.key_id[1], KEY_A_ID);
	CHECK(strstr(a.source, "kernel command line"));
	/* Locked and read-only between loads. */
	CHECK(a.keys != NULL);
	rmemd_auth_teardown(&a);
	CHECK(!a.keys);
	teardown();
}

RMEM_TEST_MAIN(RMEM_REF(hmac_is_rfc4231), RMEM_REF(known_answers), RMEM_REF(host_and_donor_agree),
	       RMEM_REF(exchange_bound_to_its_addresses),
	       RMEM_REF(host_key_file), RMEM_REF(single_use_and_wrong_key),
	       RMEM_REF(expiry_and_peer_mismatch), RMEM_REF(flood_keeps_other_hosts_challenges),
	       RMEM_REF(own_oldest_challenge_replaced), RMEM_REF(full_table_refuses_and_counts),
	       RMEM_REF(expiry_frees_slots),
	       RMEM_REF(rotation_and_reload), RMEM_REF(donor_setup_refusals),
	       RMEM_REF(donor_keys_from_cmdline))
