// SPDX-License-Identifier: GPL-2.0
/*
 * rmem-appliance option values and the kernel command line (rmem.*=): a
 * donor that misreads its size or chunk pins the wrong memory on every
 * machine of the rack, so parsers must be exact and bad values must be
 * reported by name with the default kept.
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include "rmem_test.h"
#include "rmem_proto.h"
#include "rmemd_parse.h"

/* One input and what it must parse to; a table case names its input when it fails. */
struct good_u64 {
	const char *in;
	uint64_t want;
};

struct bad_in {
	const char *in;
	int err;	/* 0: any negative errno */
};

#define NAME_INPUT_ON_FAILURE(before, in)                                    \
	do {                                                                 \
		if (rmem_case_failures != (before))                          \
			printf("#   input: \"%s\"\n", (in));                 \
	} while (0)

/* Each good input parses, through @call, to its @want, read back from @out. */
#define CHECK_GOOD(tab, call, out)                                           \
	do {                                                                 \
		size_t _i;                                                   \
		for (_i = 0; _i < RMEM_ARRAY_SIZE(tab); _i++) {              \
			const char *in = (tab)[_i].in;                       \
			unsigned int _before = rmem_case_failures;           \
                                                                             \
			CHECK_EQ((call), 0);                                 \
			CHECK_EQ((out), (tab)[_i].want);                     \
			NAME_INPUT_ON_FAILURE(_before, in);                  \
		}                                                            \
	} while (0)

/* Each bad input is refused: with @err exactly, or with any negative errno. */
#define CHECK_BAD(tab, call)                                                 \
	do {                                                                 \
		size_t _i;                                                   \
		for (_i = 0; _i < RMEM_ARRAY_SIZE(tab); _i++) {              \
			const char *in = (tab)[_i].in;                       \
			unsigned int _before = rmem_case_failures;           \
			int _ret = (call);                                   \
                                                                             \
			if ((tab)[_i].err)                                   \
				CHECK_EQ(_ret, (uint64_t)-(tab)[_i].err);    \
			else                                                 \
				CHECK(_ret < 0);                             \
			NAME_INPUT_ON_FAILURE(_before, in);                  \
		}                                                            \
	} while (0)

RMEM_CASE(sizes)
{
	static const struct good_u64 good[] = {
		{ "0", 0 }, { "4096", 4096 }, { "64M", 64ull << 20 }, { "64m", 64ull << 20 },
		{ "64MiB", 64ull << 20 }, { "64MB", 64ull << 20 }, { "2G", 2ull << 30 },
		{ "3T", 3ull << 40 }, { "4k", 4096 }, { "100B", 100 },
	};
	static const struct bad_in bad[] = {
		{ "", EINVAL }, { "M", EINVAL }, { "-1", EINVAL }, { "1.5G", EINVAL },
		{ "64X", EINVAL }, { "64MX", EINVAL }, { "64 M", EINVAL },
		{ "99999999999999999999", ERANGE }, { "17000000T", ERANGE },
	};
	uint64_t v;

	CHECK_GOOD(good, rmemd_parse_size(in, &v), v);
	v = 7;
	CHECK_BAD(bad, rmemd_parse_size(in, &v));
	CHECK_EQ(v, 7);	/* untouched on failure */
}

RMEM_CASE(memory_and_chunk)
{
	static const struct good_u64 chunks[] = { { "2M", 21 }, { "4K", 12 }, { "1G", 30 } };
	static const struct bad_in bad_memory[] = {
		{ "0%", 0 }, { "101%", 0 }, { "%", 0 }, { "0", 0 }, { "5%%", 0 },
	};
	static const struct bad_in bad_chunks[] = { { "3M", 0 }, { "2K", 0 }, { "2G", 0 }, { "0", 0 } };
	uint64_t bytes;
	uint32_t pct, shift;

	CHECK_EQ(rmemd_parse_memory("50%", &bytes, &pct), 0);
	CHECK_EQ(pct, 50);
	CHECK_EQ(bytes, 0);
	CHECK_EQ(rmemd_parse_memory("100%", &bytes, &pct), 0);
	CHECK_EQ(rmemd_parse_memory("64M", &bytes, &pct), 0);
	CHECK_EQ(bytes, 64ull << 20);
	CHECK_EQ(pct, 0);
	CHECK_BAD(bad_memory, rmemd_parse_memory(in, &bytes, &pct));

	CHECK_GOOD(chunks, rmemd_parse_chunk_size(in, &shift), shift);
	CHECK_BAD(bad_chunks, rmemd_parse_chunk_size(in, &shift));
}

RMEM_CASE(durations_and_numbers)
{
	static const struct good_u64 durations[] = {
		{ "30", 30000 }, { "30s", 30000 }, { "2500ms", 2500 }, { "2m", 120000 },
	};
	static const struct bad_in bad_durations[] = { { "2h", 0 }, { "s", 0 }, { "-3", 0 } };
	static const struct good_u64 ports[] = { { "7471", 7471 }, { "0x10", 16 } };
	static const struct bad_in bad_ports[] = { { "0", 0 }, { "65536", 0 }, { "12a", 0 }, { "", 0 } };
	uint64_t ms;
	uint32_t u;

	CHECK_GOOD(durations, rmemd_parse_duration_ms(in, &ms), ms);
	CHECK_BAD(bad_durations, rmemd_parse_duration_ms(in, &ms));

	CHECK_GOOD(ports, rmemd_parse_u32(in, 1, 65535, &u), u);
	CHECK_BAD(bad_ports, rmemd_parse_u32(in, 1, 65535, &u));
	CHECK(rmemd_parse_u32("99999999999999999999999", 0, 0xffffffffu, &u) < 0);
}

RMEM_CASE(listen_addresses)
{
	static const struct {
		const char *in, *host;
		uint16_t port;
	} good[] = {
		{ "10.0.0.1:9000", "10.0.0.1", 9000 }, { "10.0.0.1", "10.0.0.1", 7471 },
		{ ":8000", "", 8000 }, { "[fe80::1]:7000", "fe80::1", 7000 },
	};
	static const struct bad_in bad[] = {
		{ "fe80::1", 0 }, { "10.0.0.1:0", 0 }, { "10.0.0.1:70000", 0 }, { "10.0.0.1:x", 0 },
		{ "[::1", 0 }, { "[::1]x", 0 }, { "", 0 },
	};
	char host[64];
	uint16_t port;
	size_t i;

	/* The port given, or the one already set (7471) when none is. */
	for (i = 0; i < RMEM_ARRAY_SIZE(good); i++) {
		unsigned int before = rmem_case_failures;

		port = 7471;
		CHECK_EQ(rmemd_parse_listen(good[i].in, host, sizeof(host), &port), 0);
		CHECK_STR(host, good[i].host);
		CHECK_EQ(port, good[i].port);
		NAME_INPUT_ON_FAILURE(before, good[i].in);
	}
	CHECK_EQ(rmemd_parse_listen("[::]", host, sizeof(host), &port), 0);
	CHECK_STR(host, "::");
	CHECK_BAD(bad, rmemd_parse_listen(in, host, sizeof(host), &port));
	CHECK(rmemd_parse_listen("a-very-long-host-name-that-does-not-fit-the-buffer-at-all.example:1",
				host, 16, &port) < 0);
}

static struct sockaddr_in sin_of(const char *a)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };

	inet_pton(AF_INET, a, &sin.sin_addr);
	return sin;
}

/*
 * The allow-list is what keeps other machines off the donor's memory: a
 * network matches exactly its addresses, an empty list everything, a bad
 * item refuses the whole value (and keeps the old list).
 */
RMEM_CASE(allow_list)
{
	static const struct bad_in bad[] = {
		{ "", 0 }, { "10.0.0.0/33", 0 }, { "10.0.0.1/24", 0 }, { "10.0.0.0/x", 0 },
		{ "10.0.0", 0 }, { "10.0.0.0/24,", 0 }, { ",10.0.0.0/24", 0 }, { "fe80::/64", 0 },
		{ "10.0.0.0/24,10.0.0.0/24", 0 },
		{ "1.0.0.0/8,2.0.0.0/8,3.0.0.0/8,4.0.0.0/8,5.0.0.0/8,6.0.0.0/8,7.0.0.0/8,8.0.0.0/8,"
		  "9.0.0.0/8,10.0.0.0/8,11.0.0.0/8,12.0.0.0/8,13.0.0.0/8,14.0.0.0/8,15.0.0.0/8,"
		  "16.0.0.0/8,17.0.0.0/8", 0 },
	};
	const struct rmemd_opt_desc *d = rmemd_opt_find("allow");
	struct sockaddr_in sin, *s4 = &sin;
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6 };
	struct rmemd_opts o;
	char err[256], buf[512];

	CHECK(d != NULL);
	if (!d)
		return;
	rmemd_opts_defaults(&o);
	sin = sin_of("192.0.2.7");
	CHECK(rmemd_allow_match(&o, (struct sockaddr *)s4));
	rmemd_opt_show(d, &o, buf, sizeof(buf));
	CHECK_STR(buf, "any address");

	CHECK_EQ(rmemd_opt_set(d, &o, "10.0.0.0/24,192.0.2.7", err, sizeof(err)), 0);
	CHECK_EQ(o.allow_n, 2);
	rmemd_opt_show(d, &o, buf, sizeof(buf));
	CHECK_STR(buf, "10.0.0.0/24,192.0.2.7/32");
	CHECK(rmemd_allow_match(&o, (struct sockaddr *)s4));
	sin = sin_of("192.0.2.8");
	CHECK(!rmemd_allow_match(&o, (struct sockaddr *)s4));
	sin = sin_of("10.0.0.255");
	CHECK(rmemd_allow_match(&o, (struct sockaddr *)s4));
	sin = sin_of("10.0.1.0");
	CHECK(!rmemd_allow_match(&o, (struct sockaddr *)s4));
	/* IPv4-mapped IPv6 is the IPv4 address; any other IPv6 peer is refused. */
	inet_pton(AF_INET6, "::ffff:10.0.0.9", &s6.sin6_addr);
	CHECK(rmemd_allow_match(&o, (struct sockaddr *)&s6));
	inet_pton(AF_INET6, "fe80::1", &s6.sin6_addr);
	CHECK(!rmemd_allow_match(&o, (struct sockaddr *)&s6));

	CHECK_BAD(bad, rmemd_opt_set(d, &o, in, err, sizeof(err)));
	CHECK_EQ(o.allow_n, 2);		/* a refused value keeps the list */
	CHECK(rmemd_opt_set(d, &o, "10.0.0.1/24", err, sizeof(err)) < 0);
	CHECK(strstr(err, "the network is 10.0.0.0"));

	/* /0 is every address, written on purpose. */
	CHECK_EQ(rmemd_opt_set(d, &o, "0.0.0.0/0", err, sizeof(err)), 0);
	sin = sin_of("203.0.113.1");
	CHECK(rmemd_allow_match(&o, (struct sockaddr *)s4));
}

struct report_log {
	char lines[8][512];
	int n;
};

static void collect(void *arg, const char *line)
{
	struct report_log *r = arg;

	if (r->n < 8)
		snprintf(r->lines[r->n++], sizeof(r->lines[0]), "%s", line);
}

/*
 * On the kernel command line a bad value is reported and the old one kept,
 * except for the allow-list: a mistyped one must not leave the donor open
 * to every peer, so it fails closed until a good value comes.
 */
RMEM_CASE(cmdline_bad_allow_fails_closed)
{
	static const char *const bad[] = {
		"rmem.allow=10.0.0.5/24", "rmem.allow", "rmem.allow=", "rmem.allow=10.0.0.0/24,bogus",
	};
	struct sockaddr_in sin = sin_of("10.0.0.5");
	struct rmemd_opts o;
	size_t i;

	for (i = 0; i < RMEM_ARRAY_SIZE(bad); i++) {
		struct report_log log = { .n = 0 };
		unsigned int before = rmem_case_failures;

		rmemd_opts_defaults(&o);
		CHECK(rmemd_allow_match(&o, (struct sockaddr *)&sin));
		CHECK_EQ(rmemd_cmdline_apply(&o, bad[i], collect, &log), 1);
		CHECK(!rmemd_allow_match(&o, (struct sockaddr *)&sin));
		CHECK_EQ(log.n, 1);
		CHECK(strstr(log.lines[0], "allowing no address"));
		NAME_INPUT_ON_FAILURE(before, bad[i]);
	}
	/* A later good value opens it again, as later values always win. */
	CHECK_EQ(rmemd_cmdline_apply(&o, "rmem.allow=bad rmem.allow=10.0.0.0/24", collect,
				    &(struct report_log){ .n = 0 }), 1);
	CHECK(rmemd_allow_match(&o, (struct sockaddr *)&sin));
}

RMEM_CASE(cmdline_good_values)
{
	struct report_log log = { .n = 0 };
	struct rmemd_opts o;

	rmemd_opts_defaults(&o);
	CHECK_EQ(rmemd_cmdline_apply(&o,
		"BOOT_IMAGE=/vmlinuz console=ttyS0 rmem.memory=75% rmem.reserve=1G rmem.chunk=1M "
		"rmem.port=9999 rmem.lease_timeout=5s rmem.debug=1 rmem.device=rxe0 "
		"rmem.donor_id=42 rmem.max_devices=16 rmem.hugepages=0 quiet\n",
		collect, &log), 0);
	CHECK_EQ(log.n, 0);
	CHECK_EQ(o.memory_pct, 75);
	CHECK_EQ(o.reserve_bytes, 1ull << 30);
	CHECK_EQ(o.chunk_shift, 20);
	CHECK_EQ(o.port, 9999);
	CHECK_EQ(o.lease_timeout_ms, 5000);
	CHECK_EQ(o.debug, 1);
	CHECK_STR(o.device, "rxe0");
	CHECK_EQ(o.donor_id, 42);
	CHECK(o.donor_id_set);
	CHECK_EQ(o.slots, 16);
	CHECK(o.no_hugepages);
}

RMEM_CASE(cmdline_bad_values_keep_defaults)
{
	struct report_log log = { .n = 0 };
	struct rmemd_opts o;

	rmemd_opts_defaults(&o);
	CHECK_EQ(rmemd_cmdline_apply(&o,
		"rmem.chunk=3M rmem.port=0 rmem.memory=lots rmem.lease_timeout=0 "
		"rmem.bogus=1 rmem.memory",
		collect, &log), 6);
	CHECK_EQ(o.chunk_shift, RMEM_CHUNK_SHIFT_DEFAULT);
	CHECK_EQ(o.port, RMEM_DEFAULT_PORT);
	CHECK_EQ(o.memory_bytes, 0);
	CHECK_EQ(o.memory_pct, 0);
	CHECK_EQ(o.lease_timeout_ms, RMEM_LEASE_TIMEOUT_DEFAULT_MS);
	CHECK_EQ(log.n, 6);
	/* Each line names the option, the bad value and what is kept. */
	CHECK(strstr(log.lines[0], "rmem.chunk") && strstr(log.lines[0], "3M") &&
	      strstr(log.lines[0], "keeping 2 MiB"));
	CHECK(strstr(log.lines[1], "rmem.port") && strstr(log.lines[1], "keeping 7471"));
	CHECK(strstr(log.lines[2], "rmem.memory") && strstr(log.lines[2], "lots"));
	CHECK(strstr(log.lines[3], "rmem.lease_timeout") && strstr(log.lines[3], "keeping 30s"));
	CHECK(strstr(log.lines[4], "rmem.bogus") && strstr(log.lines[4], "unknown"));
	CHECK(strstr(log.lines[5], "rmem.memory") && strstr(log.lines[5], "needs a value"));
	if (rmem_case_failures) {
		int i;

		for (i = 0; i < log.n; i++)
			printf("#   report: %s\n", log.lines[i]);
	}
}

RMEM_CASE(cmdline_quotes_and_later_wins)
{
	struct report_log log = { .n = 0 };
	struct rmemd_opts o;

	rmemd_opts_defaults(&o);
	CHECK_EQ(rmemd_cmdline_apply(&o, "\"rmem.device=mlx5_0\" rmem.port=1000 rmem.port=2000",
				    collect, &log), 0);
	CHECK_STR(o.device, "mlx5_0");
	CHECK_EQ(o.port, 2000);
	CHECK_EQ(rmemd_cmdline_apply(&o, "", collect, &log), 0);
	CHECK_EQ(rmemd_cmdline_apply(&o, "   ", collect, &log), 0);
	CHECK_EQ(rmemd_cmdline_apply(&o, NULL, collect, &log), 0);
}

/*
 * rmem.ip in all its forms: each sets every ip_ field (the last one given
 * wins whole), shows back as it was written, and a bad one keeps the old.
 */
RMEM_CASE(ip_static_dhcp_none)
{
	static const struct {
		const char *in, *show, *ifname;
		bool dhcp;
	} good[] = {
		{ "eth1:dhcp", "eth1:dhcp", "eth1", true },
		{ "dhcp", "dhcp", "", true },
		{ "eth1:10.0.0.2/24", "eth1:10.0.0.2/24", "eth1", false },
		{ "none", "none", "", false },
		{ "enp129s0f1np1:dhcp", "enp129s0f1np1:dhcp", "enp129s0f1np1", true },
		{ "ib0:10.1.0.7/16", "ib0:10.1.0.7/16", "ib0", false },
	};
	static const struct bad_in bad[] = {
		{ "", 0 }, { "eth1", 0 }, { "eth1:", 0 }, { ":dhcp", 0 }, { "eth1:dhcp/24", 0 },
		{ "eth1:DHCP", 0 }, { "DHCP", 0 }, { "dhcp:eth1", 0 }, { "eth1:dhcpx", 0 },
		{ "eth1::dhcp", 0 }, { "a-name-of-16-chr:dhcp", 0 }, { "eth/1:dhcp", 0 },
		{ "eth 1:dhcp", 0 }, { "eth1:10.0.0.2", 0 }, { "eth1:10.0.0.256/24", 0 },
		{ "eth1:10.0.0.2/0", 0 }, { "eth1:10.0.0.2/33", 0 }, { "off", 0 }, { "none ", 0 },
	};
	const struct rmemd_opt_desc *d = rmemd_opt_find("ip");
	struct rmemd_opts o;
	char err[256], buf[64];
	size_t i;

	CHECK(d != NULL);
	if (!d)
		return;
	/* A daemon leaves the network alone; PID 1 asks DHCP unless told. */
	rmemd_opts_defaults(&o);
	rmemd_opt_show(d, &o, buf, sizeof(buf));
	CHECK_STR(buf, "none");
	CHECK(!o.ip_dhcp && !o.init);
	rmemd_opts_defaults_init(&o);
	rmemd_opt_show(d, &o, buf, sizeof(buf));
	CHECK_STR(buf, "dhcp");
	CHECK(o.ip_dhcp && o.init);
	CHECK_STR(o.ip_ifname, "");

	for (i = 0; i < RMEM_ARRAY_SIZE(good); i++) {
		unsigned int before = rmem_case_failures;

		CHECK_EQ(rmemd_opt_set(d, &o, good[i].in, err, sizeof(err)), 0);
		CHECK_STR(o.ip_ifname, good[i].ifname);
		CHECK_EQ(o.ip_dhcp, good[i].dhcp);
		if (good[i].dhcp || !good[i].ifname[0])
			CHECK(!o.ip_addr && !o.ip_prefix);
		rmemd_opt_show(d, &o, buf, sizeof(buf));
		CHECK_STR(buf, good[i].show);
		NAME_INPUT_ON_FAILURE(before, good[i].in);
	}
	CHECK_EQ(o.ip_addr, inet_addr("10.1.0.7"));
	CHECK_EQ(o.ip_prefix, 16);

	CHECK_EQ(rmemd_opt_set(d, &o, "eth1:dhcp", err, sizeof(err)), 0);
	CHECK_BAD(bad, rmemd_opt_set(d, &o, in, err, sizeof(err)));
	rmemd_opt_show(d, &o, buf, sizeof(buf));
	CHECK_STR(buf, "eth1:dhcp");	/* every refusal kept it */
	CHECK(rmemd_opt_set(d, &o, "eth1:10.0.0.2", err, sizeof(err)) < 0);
	CHECK(strstr(err, "eth1:10.0.0.2") && strstr(err, "dhcp"));
	CHECK(rmemd_opt_set(d, &o, "eth/1:dhcp", err, sizeof(err)) < 0);
	CHECK(strstr(err, "'eth/1' is not an interface name"));
}

RMEM_CASE(cmdline_ip_and_bootif)
{
	static const char *const bad_bootif[] = {
		"BOOTIF=52-54-00-12-34-56", "BOOTIF=06-52-54-00-12-34-56",
		"BOOTIF=01-52-54-00-12-34-5g", "BOOTIF=01:52:54:00:12:34:56",
		"BOOTIF=01-52-54-00-12-34-56-", "BOOTIF=01-52-54-00-12-34", "BOOTIF=",
		"BOOTIF=01-52-54-00-12-34-567",
	};
	static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef };
	struct report_log log = { .n = 0 };
	struct rmemd_opts o;
	uint8_t m[6] = { 0 };
	size_t i;

	/* A later rmem.ip replaces an earlier one whole: no static address is left behind. */
	rmemd_opts_defaults_init(&o);
	CHECK_EQ(rmemd_cmdline_apply(&o, "rmem.ip=eth1:10.0.0.2/24 BOOTIF=01-52-54-00-AB-cd-ef "
				    "rmem.ip=dhcp rmem.ip=eth9", collect, &log), 1);
	CHECK(o.ip_dhcp);
	CHECK_STR(o.ip_ifname, "");
	CHECK_EQ(o.ip_addr, 0);
	CHECK(o.bootif_set);
	CHECK_MEM(o.bootif, mac, 6);
	CHECK_EQ(log.n, 1);
	CHECK(strstr(log.lines[0], "rmem.ip: 'eth9'") && strstr(log.lines[0], "keeping dhcp"));

	/* A bad BOOTIF is reported and ignored: only the hint is lost. */
	for (i = 0; i < RMEM_ARRAY_SIZE(bad_bootif); i++) {
		unsigned int before = rmem_case_failures;

		rmemd_opts_defaults_init(&o);
		log.n = 0;
		CHECK_EQ(rmemd_cmdline_apply(&o, bad_bootif[i], collect, &log), 1);
		CHECK(!o.bootif_set);
		CHECK(log.n == 1 && strstr(log.lines[0], "BOOTIF=") &&
		      strstr(log.lines[0], "ignored"));
		NAME_INPUT_ON_FAILURE(before, bad_bootif[i]);
	}
	CHECK_EQ(rmemd_parse_bootif("01-00-1b-21-3c-4d-5e", m), 0);
	CHECK_MEM(m, ((uint8_t[6]){ 0x00, 0x1b, 0x21, 0x3c, 0x4d, 0x5e }), 6);
	CHECK_EQ(rmemd_parse_bootif(NULL, m), -EINVAL);
	/* Only the pxelinux spelling: a lower-case bootif= is some other program's. */
	rmemd_opts_defaults_init(&o);
	CHECK_EQ(rmemd_cmdline_apply(&o, "bootif=01-52-54-00-ab-cd-ef", collect, &log), 0);
	CHECK(!o.bootif_set);
}

#define KEY_A "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define KEY_B "FFEEDDCCBBAA99887766554433221100ffeeddccbbaa99887766554433221100"

/*
 * rmem.key= and rmem.insecure= fail closed like the allow-list: a mistyped
 * key never falls back to a key file or to no key, a mistyped insecure
 * never opens the donor.  A bad key's text never reaches the console.
 */
RMEM_CASE(cmdline_auth_fails_closed)
{
	static const char *const bad_keys[] = {
		"rmem.key", "rmem.key=", "rmem.key=zz",
		"rmem.key=" KEY_A "0", "rmem.key=" KEY_A ",0001",
		"rmem.key=" KEY_A "," KEY_B "," KEY_A,
		"rmem.key=" KEY_A "," KEY_B "," KEY_A "," KEY_B "," KEY_A,
	};
	static const char *const bad_insecure[] = {
		"rmem.insecure", "rmem.insecure=", "rmem.insecure=maybe", "rmem.insecure=1 rmem.insecure=2",
	};
	struct report_log log = { .n = 0 };
	char keep[128];
	struct rmemd_opts o;
	size_t i;

	rmemd_opts_defaults(&o);
	CHECK_STR(o.key_file, RMEM_KEY_FILE_DEFAULT);
	CHECK(!o.insecure && !o.key_bad && !o.key_hex[0]);
	CHECK_EQ(rmemd_cmdline_apply(&o, "rmem.key=" KEY_A, collect, &log), 0);
	CHECK_STR(o.key_hex, KEY_A);
	CHECK_EQ(rmemd_cmdline_apply(&o, "rmem.key=" KEY_B "," KEY_A, collect, &log), 0);
	CHECK_STR(o.key_hex, KEY_B "," KEY_A);
	/* Shown as given, never as its value. */
	rmemd_opt_show(rmemd_opt_find("key"), &o, keep, sizeof(keep));
	CHECK(!strstr(keep, "0001") && !strstr(keep, "ffee") && !strstr(keep, "FFEE"));
	CHECK(rmemd_opt_find("key")->cmdline_only);
	for (i = 0; i < RMEM_ARRAY_SIZE(bad_keys); i++) {
		unsigned int before = rmem_case_failures;

		memset(&log, 0, sizeof(log));
		rmemd_opts_defaults(&o);
		snprintf(o.key_hex, sizeof(o.key_hex), "%s", KEY_B);
		CHECK_EQ(rmemd_cmdline_apply(&o, bad_keys[i], collect, &log), 1);
		CHECK(o.key_bad);
		CHECK(!o.key_hex[0]);
		CHECK_EQ(log.n, 1);
		CHECK(strstr(log.lines[0], "rmem.key: "));
		CHECK(strstr(log.lines[0], "allowing no host"));
		CHECK(!strstr(log.lines[0], "0001") && !strstr(log.lines[0], "FFEE"));
		NAME_INPUT_ON_FAILURE(before, bad_keys[i]);
	}
	/* A later good key wins, as later values always do. */
	CHECK_EQ(rmemd_cmdline_apply(&o, "rmem.key=" KEY_A, collect, &log), 0);
	CHECK(!o.key_bad);
	rmemd_opts_defaults(&o);
	CHECK_EQ(rmemd_cmdline_apply(&o, "rmem.insecure=1", collect, &log), 0);
	CHECK(o.insecure);
	for (i = 0; i < RMEM_ARRAY_SIZE(bad_insecure); i++) {
		unsigned int before = rmem_case_failures;

		memset(&log, 0, sizeof(log));
		rmemd_opts_defaults(&o);
		o.insecure = true;
		CHECK_EQ(rmemd_cmdline_apply(&o, bad_insecure[i], collect, &log), 1);
		CHECK(!o.insecure);
		CHECK(log.n && strstr(log.lines[log.n - 1], "allowing authenticated hosts only"));
		NAME_INPUT_ON_FAILURE(before, bad_insecure[i]);
	}
	/* --key-file: given or not, for the contradiction with --insecure. */
	rmemd_opts_defaults(&o);
	CHECK_EQ(rmemd_opt_set(rmemd_opt_find("key-file"), &o, "/etc/rmem/other.key", keep,
			       sizeof(keep)), 0);
	CHECK_STR(o.key_file, "/etc/rmem/other.key");
	CHECK(o.key_file_set);
	CHECK(rmemd_opt_set(rmemd_opt_find("key-file"), &o, "", keep, sizeof(keep)) < 0);
	CHECK(!rmemd_opt_find_cmdline("key_file"));
}

RMEM_CASE(table_is_consistent)
{
	size_t i, j;

	for (i = 0; i < rmemd_opt_count; i++) {
		const struct rmemd_opt_desc *d = &rmemd_opt_table[i];

		CHECK(d->name && d->help && d->set);
		CHECK(rmemd_opt_find(d->name) == d);
		if (d->cmdline)
			CHECK(rmemd_opt_find_cmdline(d->cmdline) == d);
		for (j = 0; j < i; j++) {
			CHECK(strcmp(d->name, rmemd_opt_table[j].name));
			if (d->short_name)
				CHECK(d->short_name != rmemd_opt_table[j].short_name);
		}
	}
	CHECK(rmemd_opt_find("nope") == NULL);
}

RMEM_CASE(size_formatting)
{
	char b[32];

	CHECK_STR(rmemd_fmt_size(0, b, sizeof(b)), "0 B");
	CHECK_STR(rmemd_fmt_size(4096, b, sizeof(b)), "4 KiB");
	CHECK_STR(rmemd_fmt_size(64ull << 20, b, sizeof(b)), "64 MiB");
	CHECK_STR(rmemd_fmt_size(3ull << 29, b, sizeof(b)), "1.5 GiB");
}

/*
 * A 64 GiB machine: 60 GiB reserved as 2 MiB huge pages (30720), so
 * MemAvailable is only ~3 GiB; and the same machine without a pool.
 */
RMEM_CASE(pool_plan)
{
	const uint64_t G = 1ull << 30;
	struct rmemd_meminfo pool = { .total = 64 * G, .available = 3 * G,
				     .huge_free = 30720, .huge_size = 2ull << 20 };
	struct rmemd_meminfo flat = { .total = 64 * G, .available = 60 * G };
	struct rmemd_pool_plan plan;
	struct rmemd_opts o;
	char err[256];

	/* Explicit sizes beyond MemAvailable come from the free pool. */
	rmemd_opts_defaults(&o);
	o.memory_bytes = 50 * G + 12345;
	CHECK_EQ(rmemd_pool_plan(&o, &pool, &plan, err, sizeof(err)), 0);
	CHECK_EQ(plan.bytes, 50 * G);
	CHECK(plan.huge);
	CHECK(plan.huge_needed);
	o.memory_bytes = 0;
	o.memory_pct = 90;	/* 57.6 GiB of MemTotal: fits the 60 GiB pool */
	CHECK_EQ(rmemd_pool_plan(&o, &pool, &plan, err, sizeof(err)), 0);
	CHECK(plan.huge && plan.huge_needed);
	CHECK_EQ(plan.bytes % (2ull << 20), 0);
	/* ... but not with huge pages turned off, nor beyond the pool. */
	o.no_hugepages = true;
	CHECK_EQ(rmemd_pool_plan(&o, &pool, &plan, err, sizeof(err)), -ENOMEM);
	CHECK(strstr(err, "cannot donate") && strstr(err, "3 GiB"));
	o.no_hugepages = false;
	o.memory_pct = 0;
	o.memory_bytes = 61 * G;
	CHECK_EQ(rmemd_pool_plan(&o, &pool, &plan, err, sizeof(err)), -ENOMEM);
	CHECK(strstr(err, "60 GiB in free huge pages"));
	/* Small enough for MemAvailable: still huge pages, fallback allowed. */
	o.memory_bytes = 1 * G;
	CHECK_EQ(rmemd_pool_plan(&o, &pool, &plan, err, sizeof(err)), 0);
	CHECK(plan.huge && !plan.huge_needed);
	/* Below one huge page: 4 KiB pages. */
	o.memory_bytes = (1ull << 20) + 100;
	CHECK_EQ(rmemd_pool_plan(&o, &pool, &plan, err, sizeof(err)), 0);
	CHECK(!plan.huge);
	CHECK_EQ(plan.bytes, 1ull << 20);

	/* The default never takes more than MemAvailable minus the reserve. */
	o.memory_bytes = 0;
	CHECK_EQ(rmemd_pool_plan(&o, &pool, &plan, err, sizeof(err)), 0);
	CHECK_EQ(plan.bytes, (3 * G - (512ull << 20) - G) / (2ull << 20) * (2ull << 20));
	CHECK(plan.huge && !plan.huge_needed);
	CHECK_EQ(rmemd_pool_plan(&o, &flat, &plan, err, sizeof(err)), 0);
	CHECK_EQ(plan.bytes, 60 * G - (512ull << 20) - G);
	CHECK(!plan.huge);
	o.reserve_bytes = 60 * G;
	CHECK_EQ(rmemd_pool_plan(&o, &flat, &plan, err, sizeof(err)), -ENOMEM);
	CHECK(strstr(err, "nothing to donate"));
	/* Without a pool, an explicit size beyond MemAvailable is refused. */
	o.reserve_bytes = 0;
	o.memory_bytes = 61 * G;
	CHECK_EQ(rmemd_pool_plan(&o, &flat, &plan, err, sizeof(err)), -ENOMEM);
	CHECK(strstr(err, "only 60 GiB of memory is available") && !strstr(err, "huge"));
}

RMEM_TEST_MAIN(RMEM_REF(sizes), RMEM_REF(memory_and_chunk), RMEM_REF(durations_and_numbers),
	       RMEM_REF(listen_addresses), RMEM_REF(allow_list),
	       RMEM_REF(cmdline_bad_allow_fails_closed), RMEM_REF(cmdline_good_values),
	       RMEM_REF(cmdline_bad_values_keep_defaults), RMEM_REF(cmdline_quotes_and_later_wins),
	       RMEM_REF(ip_static_dhcp_none), RMEM_REF(cmdline_ip_and_bootif),
	       RMEM_REF(cmdline_auth_fails_closed), RMEM_REF(table_is_consistent), RMEM_REF(size_formatting), RMEM_REF(pool_plan))
