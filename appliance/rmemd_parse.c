// SPDX-License-Identifier: GPL-2.0
/*
 * rmemd_parse.c - option values and the option table of rmem-appliance.
 *
 * Strict on purpose: a donor that silently read "64m" as 64 bytes or
 * "3M" as 2M would pin the wrong amount of memory on every machine of a
 * rack.  Every parser rejects junk, overflow and out-of-range values.
 */
#include <ctype.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rmem_proto.h"
#include "rmemd_parse.h"

/* The leading decimal digits of *@p (at least one), *@p moved past them. */
static int parse_digits(const char **p, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	for (; isdigit((unsigned char)*s); s++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*p = s;
	*out = v;
	return 0;
}

int rmemd_parse_size(const char *s, uint64_t *out)
{
	uint64_t v, mult = 1;
	const char *p = s;
	int err;

	err = parse_digits(&p, &v);
	if (err)
		return err;
	switch (*p) {
	case 'k': case 'K':
		mult = 1ull << 10;
		break;
	case 'm': case 'M':
		mult = 1ull << 20;
		break;
	case 'g': case 'G':
		mult = 1ull << 30;
		break;
	case 't': case 'T':
		mult = 1ull << 40;
		break;
	case 'b': case 'B': case '\0':
		break;
	default:
		return -EINVAL;
	}
	if (mult > 1) {
		p++;
		/* "64M", "64MB", "64MiB": all binary, as every memory tool means. */
		if (*p == 'i')
			p++;
		if (*p == 'B' || *p == 'b')
			p++;
	} else if (*p) {
		p++;	/* a lone "B" */
	}
	if (*p)
		return -EINVAL;
	if (v > UINT64_MAX / mult)
		return -ERANGE;
	*out = v * mult;
	return 0;
}

int rmemd_parse_memory(const char *s, uint64_t *bytes, uint32_t *pct)
{
	size_t n = s ? strlen(s) : 0;
	uint32_t p;
	char num[16];

	if (n > 1 && s[n - 1] == '%') {
		if (n - 1 >= sizeof(num))
			return -ERANGE;
		memcpy(num, s, n - 1);
		num[n - 1] = '\0';
		if (rmemd_parse_u32(num, 1, 100, &p))
			return -ERANGE;
		*pct = p;
		*bytes = 0;
		return 0;
	}
	if (rmemd_parse_size(s, bytes))
		return -EINVAL;
	if (*bytes == 0)
		return -ERANGE;
	*pct = 0;
	return 0;
}

int rmemd_parse_chunk_size(const char *s, uint32_t *shift)
{
	uint64_t v;
	uint32_t k;

	if (rmemd_parse_size(s, &v))
		return -EINVAL;
	for (k = RMEM_CHUNK_SHIFT_MIN; k <= RMEM_CHUNK_SHIFT_MAX; k++) {
		if (v == 1ull << k) {
			*shift = k;
			return 0;
		}
	}
	return -ERANGE;
}

int rmemd_parse_duration_ms(const char *s, uint64_t *ms)
{
	uint64_t v, mult;
	const char *p = s;
	int err;

	err = parse_digits(&p, &v);
	if (err)
		return err;
	if (!strcmp(p, "") || !strcmp(p, "s"))
		mult = 1000;
	else if (!strcmp(p, "ms"))
		mult = 1;
	else if (!strcmp(p, "m") || !strcmp(p, "min"))
		mult = 60000;
	else
		return -EINVAL;
	if (v > UINT64_MAX / mult)
		return -ERANGE;
	*ms = v * mult;
	return 0;
}

int rmemd_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end)
		return errno == ERANGE ? -ERANGE : -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*out = (uint32_t)v;
	return 0;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int rmemd_parse_bootif(const char *s, uint8_t mac[6])
{
	uint8_t b[7];
	int i, hi, lo;

	/* Seven two-digit hex bytes joined by '-': 20 characters exactly. */
	if (!s || strlen(s) != 20)
		return -EINVAL;
	for (i = 0; i < 7; i++) {
		hi = hex_digit(s[3 * i]);
		lo = hex_digit(s[3 * i + 1]);
		if (hi < 0 || lo < 0 || (i < 6 && s[3 * i + 2] != '-'))
			return -EINVAL;
		b[i] = (uint8_t)(hi << 4 | lo);
	}
	if (b[0] != 1)
		return -EINVAL;	/* not Ethernet: DHCP here speaks htype 1 only */
	memcpy(mac, b + 1, 6);
	return 0;
}

/* ADDR, ADDR:PORT, :PORT, [V6ADDR], [V6ADDR]:PORT. */
int rmemd_parse_listen(const char *s, char *host, size_t hostlen, uint16_t *port)
{
	const char *colon, *hstart = s, *hend;
	uint32_t p = *port;

	if (!s || !*s)
		return -EINVAL;
	if (*s == '[') {
		hstart = s + 1;
		hend = strchr(hstart, ']');
		if (!hend)
			return -EINVAL;
		colon = hend[1] == ':' ? hend + 1 : NULL;
		if (hend[1] && !colon)
			return -EINVAL;
	} else {
		colon = strrchr(s, ':');
		if (colon && strchr(s, ':') != colon)
			return -EINVAL;	/* bare IPv6 needs brackets */
		hend = colon ? colon : s + strlen(s);
	}
	if (colon && rmemd_parse_u32(colon + 1, 1, 65535, &p))
		return -ERANGE;
	if ((size_t)(hend - hstart) >= hostlen)
		return -ERANGE;
	memcpy(host, hstart, (size_t)(hend - hstart));
	host[hend - hstart] = '\0';
	*port = (uint16_t)p;
	return 0;
}

const char *rmemd_fmt_size(uint64_t bytes, char *buf, size_t len)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	unsigned int u = 0;
	uint64_t whole = bytes, rem = 0;

	while (whole >= 1024 && u + 1 < sizeof(unit) / sizeof(unit[0])) {
		rem = whole % 1024;
		whole /= 1024;
		u++;
	}
	if (rem)
		snprintf(buf, len, "%" PRIu64 ".%" PRIu64 " %s", whole,
			 rem * 10 / 1024, unit[u]);
	else
		snprintf(buf, len, "%" PRIu64 " %s", whole, unit[u]);
	return buf;
}

/* ------------------------------------------------------------ pool size */

#define RMEMD_PLAN_PAGE 4096ull
/* Fixed part of the default reserve: 512 MiB plus 1/64 of RAM. */
#define RMEMD_PLAN_RESERVE_BASE (512ull << 20)

/*
 * The default keeps 512 MiB for the system plus 1/64 of RAM (what the
 * kernel's struct page array and page tables cost), so an appliance that
 * owns the machine leaves the kernel room, and a daemon on a busy host
 * takes only what is available.
 */
int rmemd_pool_plan(const struct rmemd_opts *o, const struct rmemd_meminfo *mi,
		   struct rmemd_pool_plan *plan, char *err, size_t errlen)
{
	uint64_t hsize = o->no_hugepages ? 0 : mi->huge_size;
	uint64_t hpool = hsize ? mi->huge_free * hsize : 0;
	uint64_t want, reserve, hlen;
	char a[32], b[32], c[32];

	memset(plan, 0, sizeof(*plan));
	if (o->memory_bytes || o->memory_pct) {
		want = o->memory_bytes ? o->memory_bytes : mi->total / 100 * o->memory_pct;
	} else {
		reserve = o->reserve_bytes ? o->reserve_bytes :
			  RMEMD_PLAN_RESERVE_BASE + mi->total / 64;
		if (mi->available <= reserve) {
			snprintf(err, errlen,
				 "only %s available, less than the %s reserve: nothing to donate (use --memory or --reserve)",
				 rmemd_fmt_size(mi->available, a, sizeof(a)),
				 rmemd_fmt_size(reserve, b, sizeof(b)));
			return -ENOMEM;
		}
		want = mi->available - reserve;
	}
	/* The huge-page mapping is whole pages: the request rounded down. */
	hlen = hsize ? want / hsize * hsize : 0;
	if (hlen && hlen <= hpool) {
		plan->bytes = hlen;
		plan->huge = true;
		plan->huge_needed = hlen > mi->available;
		return 0;
	}
	if (want > mi->available) {
		snprintf(err, errlen, "cannot donate %s: only %s of memory is available%s%s%s",
			 rmemd_fmt_size(want, a, sizeof(a)),
			 rmemd_fmt_size(mi->available, b, sizeof(b)),
			 hpool ? " (and " : "", hpool ? rmemd_fmt_size(hpool, c, sizeof(c)) : "",
			 hpool ? " in free huge pages)" : "");
		return -ENOMEM;
	}
	plan->bytes = want & ~(RMEMD_PLAN_PAGE - 1);
	return 0;
}

/* ------------------------------------------------------- option values */

/*
 * Most options are one field of struct rmemd_opts of a common kind: the
 * table row gives the field's place (off, size) and the kind's parser and
 * printer, so a new option of a known kind is a row, not two functions.
 * The few that set several fields (listen, memory, ip) or read a value
 * their own way get functions of their own with the same signature.
 */

#define OPT_MEMBER(field) (((struct rmemd_opts *)0)->field)
#define OPT_FIELD(field) .off = offsetof(struct rmemd_opts, field), .size = sizeof(OPT_MEMBER(field))

static void *opt_field(const struct rmemd_opt_desc *d, struct rmemd_opts *o)
{
	return (char *)o + d->off;
}

/*
 * Numbers are stored and loaded at the field's own width (2, 4 or 8
 * bytes), through memcpy because the field's type is only known by size.
 */
static void opt_store(const struct rmemd_opt_desc *d, struct rmemd_opts *o, uint64_t n)
{
	uint16_t n16 = (uint16_t)n;
	uint32_t n32 = (uint32_t)n;

	if (d->size == sizeof(n16))
		memcpy(opt_field(d, o), &n16, sizeof(n16));
	else if (d->size == sizeof(n32))
		memcpy(opt_field(d, o), &n32, sizeof(n32));
	else
		memcpy(opt_field(d, o), &n, sizeof(n));
}

static uint64_t opt_load(const struct rmemd_opt_desc *d, const struct rmemd_opts *o)
{
	const char *p = (const char *)o + d->off;
	uint16_t n16;
	uint32_t n32;
	uint64_t n;

	if (d->size == sizeof(n16)) {
		memcpy(&n16, p, sizeof(n16));
		return n16;
	}
	if (d->size == sizeof(n32)) {
		memcpy(&n32, p, sizeof(n32));
		return n32;
	}
	memcpy(&n, p, sizeof(n));
	return n;
}

/* Every rejection reads "'VALUE' is not WHAT": the operator sees what was expected. */
static int opt_bad(const struct rmemd_opt_desc *d, const char *v, char *err, size_t errlen)
{
	snprintf(err, errlen, "'%s' is not %s", v ? v : "", d->what);
	return -EINVAL;
}

/* A zero field has a text of its own ("every device") when the row gives one. */
static const char *opt_unset(const struct rmemd_opt_desc *d, bool zero)
{
	return zero ? d->unset : NULL;
}

/*
 * Numbers: the row's @parse reads the value (0, or -EINVAL with the
 * message written), @print writes it back as --help shows defaults.
 */
static int set_num(const struct rmemd_opt_desc *d, struct rmemd_opts *o, const char *v,
		   char *err, size_t errlen)
{
	uint64_t n;

	if (d->parse(d, v, &n, err, errlen))
		return -EINVAL;
	opt_store(d, o, n);
	return 0;
}

static int show_num(const struct rmemd_opt_desc *d, const struct rmemd_opts *o, char *buf,
		    size_t len)
{
	uint64_t n = opt_load(d, o);
	const char *unset = opt_unset(d, !n);

	if (unset)
		return snprintf(buf, len, "%s", unset);
	return d->print(n, buf, len);
}

/* In [min, max], the range named in the error. */
static int parse_u32(const struct rmemd_opt_desc *d, const char *v, uint64_t *n, char *err,
		     size_t errlen)
{
	uint32_t u;

	if (rmemd_parse_u32(v, d->min, d->max, &u)) {
		snprintf(err, errlen, "'%s' is not %s %u..%u", v ? v : "", d->what, d->min, d->max);
		return -EINVAL;
	}
	*n = u;
	return 0;
}

static int print_u64(uint64_t n, char *buf, size_t len)
{
	return snprintf(buf, len, "%" PRIu64, n);
}

static int parse_bytes(const struct rmemd_opt_desc *d, const char *v, uint64_t *n, char *err,
		       size_t errlen)
{
	return rmemd_parse_size(v, n) ? opt_bad(d, v, err, errlen) : 0;
}

static int print_bytes(uint64_t n, char *buf, size_t len)
{
	char s[32];

	return snprintf(buf, len, "%s", rmemd_fmt_size(n, s, sizeof(s)));
}

/* A power-of-two size kept as its log2. */
static int parse_log2(const struct rmemd_opt_desc *d, const char *v, uint64_t *n, char *err,
		      size_t errlen)
{
	uint32_t shift;

	if (rmemd_parse_chunk_size(v, &shift))
		return opt_bad(d, v, err, errlen);
	*n = shift;
	return 0;
}

static int print_log2(uint64_t n, char *buf, size_t len)
{
	return print_bytes(1ull << n, buf, len);
}

/* Milliseconds in [min, max]. */
static int parse_ms(const struct rmemd_opt_desc *d, const char *v, uint64_t *n, char *err,
		    size_t errlen)
{
	if (rmemd_parse_duration_ms(v, n) || *n < d->min || *n > d->max)
		return opt_bad(d, v, err, errlen);
	return 0;
}

static int print_ms(uint64_t ms, char *buf, size_t len)
{
	if (ms % 1000)
		return snprintf(buf, len, "%" PRIu64 "ms", ms);
	return snprintf(buf, len, "%" PRIu64 "s", ms / 1000);
}

/* A non-empty name that fits the field, without any of d->reject's characters. */
static int set_name(const struct rmemd_opt_desc *d, struct rmemd_opts *o, const char *v,
		    char *err, size_t errlen)
{
	size_t n = v ? strlen(v) : 0;

	if (!n || n >= d->size || (d->reject && strpbrk(v, d->reject)))
		return opt_bad(d, v, err, errlen);
	memcpy(opt_field(d, o), v, n + 1);
	return 0;
}

static int show_name(const struct rmemd_opt_desc *d, const struct rmemd_opts *o, char *buf,
		     size_t len)
{
	const char *s = (const char *)o + d->off;
	const char *unset = opt_unset(d, !s[0]);

	if (unset)
		return snprintf(buf, len, "%s", unset);
	return snprintf(buf, len, "%s", s);
}

/* A flag given alone (no value) means on. */
static int parse_bool(const char *v, bool *out)
{
	if (!v || !strcmp(v, "1") || !strcmp(v, "yes") || !strcmp(v, "on") ||
	    !strcmp(v, "true")) {
		*out = true;
		return 0;
	}
	if (!strcmp(v, "0") || !strcmp(v, "no") || !strcmp(v, "off") ||
	    !strcmp(v, "false")) {
		*out = false;
		return 0;
	}
	return -EINVAL;
}

static int set_bool(const struct rmemd_opt_desc *d, struct rmemd_opts *o, const char *v,
		    char *err, size_t errlen)
{
	bool b;

	if (parse_bool(v, &b))
		return opt_bad(d, v, err, errlen);
	b ^= d->invert;
	memcpy(opt_field(d, o), &b, sizeof(b));
	return 0;
}

/* ----------------------------------------------- options of their own */

static int set_listen(const struct rmemd_opt_desc *d, struct rmemd_opts *o, const char *v,
		      char *err, size_t errlen)
{
	char host[sizeof(o->listen_host)];
	uint16_t port = o->port;

	if (rmemd_parse_listen(v, host, sizeof(host), &port))
		return opt_bad(d, v, err, errlen);
	strcpy(o->listen_host, host);
	o->port = port;
	return 0;
}

static int show_listen(const struct rmemd_opt_desc *d, const struct rmemd_opts *o, char *buf,
		       size_t len)
{
	(void)d;
	return snprintf(buf, len, "%s:%u", o->listen_host[0] ? o->listen_host : "0.0.0.0",
			o->port);
}

static int set_memory(const struct rmemd_opt_desc *d, struct rmemd_opts *o, const char *v,
		      char *err, size_t errlen)
{
	uint64_t bytes;
	uint32_t pct;

	if (rmemd_parse_memory(v, &bytes, &pct))
		return opt_bad(d, v, err, errlen);
	o->memory_bytes = bytes;
	o->memory_pct = pct;
	return 0;
}

static int show_memory(const struct rmemd_opt_desc *d, const struct rmemd_opts *o, char *buf,
		       size_t len)
{
	char s[32];

	(void)d;
	if (o->memory_pct)
		return snprintf(buf, len, "%u%%", o->memory_pct);
	if (o->memory_bytes)
		return snprintf(buf, len, "%s", rmemd_fmt_size(o->memory_bytes, s, sizeof(s)));
	return snprintf(buf, len, "all but the reserve");
}

/* The id's own flag: an unset id is derived from the machine at start. */
static int set_donor_id(const struct rmemd_opt_desc *d, struct rmemd_opts *o, const char *v,
			char *err, size_t errlen)
{
	int ret = set_num(d, o, v, err, errlen);

	if (!ret)
		o->donor_id_set = true;
	return ret;
}

/* Both spellings of the huge-page switch show the same setting. */
static int show_hugepages(const struct rmemd_opt_desc *d, const struct rmemd_opts *o, char *buf,
			  size_t len)
{
	(void)d;
	return snprintf(buf, len, "%s", o->no_hugepages ? "off" : "when available");
}

/* --debug alone means level 1; rmem.debug= always carries its level. */
static int set_debug(const struct rmemd_opt_desc *d, struct rmemd_opts *o, const char *v,
		     char *err, size_t errlen)
{
	return set_num(d, o, v ? v : "1", err, errlen);
}

/* Every form of rmem.ip sets all the ip_ fields, so the last one given wins whole. */
static void ip_store(struct rmemd_opts *o, const char *ifname, size_t n, bool dhcp, uint32_t addr,
		     uint32_t prefix)
{
	memcpy(o->ip_ifname, ifname, n);
	o->ip_ifname[n] = '\0';
	o->ip_dhcp = dhcp;
	o->ip_addr = addr;
	o->ip_prefix = prefix;
}

/* IFACE:ADDR/PREFIX (eth1:10.0.0.2/24), IFACE:dhcp, dhcp (interface chosen at bring-up), none. */
static int set_ip(const struct rmemd_opt_desc *d, struct rmemd_opts *o, const char *v,
		  char *err, size_t errlen)
{
	char addr[INET_ADDRSTRLEN];
	const char *colon, *slash;
	struct in_addr a;
	uint32_t prefix;
	size_t n;

	if (v && (!strcmp(v, "dhcp") || !strcmp(v, "none"))) {
		ip_store(o, "", 0, v[0] == 'd', 0, 0);
		return 0;
	}
	colon = v ? strchr(v, ':') : NULL;
	if (!colon)
		return opt_bad(d, v, err, errlen);
	n = (size_t)(colon - v);
	/* Kernel interface names: at most 15 bytes, no '/' and no blank (dev_valid_name()). */
	if (!n || n >= sizeof(o->ip_ifname) || strcspn(v, "/ \t") < n) {
		snprintf(err, errlen, "'%.*s' is not an interface name", (int)n, v);
		return -EINVAL;
	}
	if (!strcmp(colon + 1, "dhcp")) {
		ip_store(o, v, n, true, 0, 0);
		return 0;
	}
	slash = strchr(colon, '/');
	if (!slash)
		return opt_bad(d, v, err, errlen);
	if ((size_t)(slash - colon - 1) >= sizeof(addr)) {
		snprintf(err, errlen, "'%s': address too long", v);
		return -EINVAL;
	}
	memcpy(addr, colon + 1, (size_t)(slash - colon - 1));
	addr[slash - colon - 1] = '\0';
	if (inet_pton(AF_INET, addr, &a) != 1) {
		snprintf(err, errlen, "'%s' is not an IPv4 address", addr);
		return -EINVAL;
	}
	if (rmemd_parse_u32(slash + 1, 1, 32, &prefix)) {
		snprintf(err, errlen, "'%s' is not a prefix length 1..32", slash + 1);
		return -EINVAL;
	}
	ip_store(o, v, n, false, a.s_addr, prefix);
	return 0;
}

static int show_ip(const struct rmemd_opt_desc *d, const struct rmemd_opts *o, char *buf,
		   size_t len)
{
	char addr[INET_ADDRSTRLEN];
	struct in_addr a = { .s_addr = o->ip_addr };

	(void)d;
	if (o->ip_dhcp)
		return snprintf(buf, len, "%s%sdhcp", o->ip_ifname, o->ip_ifname[0] ? ":" : "");
	if (!o->ip_ifname[0])
		return snprintf(buf, len, "none");
	inet_ntop(AF_INET, &a, addr, sizeof(addr));
	return snprintf(buf, len, "%s:%s/%u", o->ip_ifname, addr, o->ip_prefix);
}

/* A.B.C.D[/PREFIX][,...]: up to RMEMD_ALLOW_MAX networks, none twice. */
static int set_allow(const struct rmemd_opt_desc *d, struct rmemd_opts *o, const char *v,
		     char *err, size_t errlen)
{
	struct rmemd_allow_net nets[RMEMD_ALLOW_MAX];
	char item[64], addr[INET_ADDRSTRLEN];
	const char *p = v, *end, *slash;
	unsigned int n = 0, i;
	uint32_t prefix, mask;
	struct in_addr a;
	size_t len;

	(void)d;
	if (!v || !*v) {
		snprintf(err, errlen, "needs at least one network, e.g. 10.0.0.0/24");
		return -EINVAL;
	}
	for (;;) {
		end = strchr(p, ',');
		len = end ? (size_t)(end - p) : strlen(p);
		if (!len || len >= sizeof(item)) {
			snprintf(err, errlen, "'%.*s' is not a network A.B.C.D[/PREFIX]", (int)len, p);
			return -EINVAL;
		}
		if (n == RMEMD_ALLOW_MAX) {
			snprintf(err, errlen, "more than %u networks", RMEMD_ALLOW_MAX);
			return -EINVAL;
		}
		memcpy(item, p, len);
		item[len] = '\0';
		slash = strchr(item, '/');
		prefix = 32;
		if (slash && rmemd_parse_u32(slash + 1, 0, 32, &prefix)) {
			snprintf(err, errlen, "'%s': '%s' is not a prefix length 0..32", item,
				 slash + 1);
			return -EINVAL;
		}
		len = slash ? (size_t)(slash - item) : strlen(item);
		if (len >= sizeof(addr)) {
			snprintf(err, errlen, "'%s' is not an IPv4 address", item);
			return -EINVAL;
		}
		memcpy(addr, item, len);
		addr[len] = '\0';
		if (inet_pton(AF_INET, addr, &a) != 1) {
			snprintf(err, errlen, "'%s' is not an IPv4 address", addr);
			return -EINVAL;
		}
		mask = prefix ? htonl(~0u << (32 - prefix)) : 0;
		if (a.s_addr & ~mask) {
			snprintf(err, errlen, "'%s' has bits set past /%u (the network is %s)",
				 item, prefix, inet_ntop(AF_INET, &(struct in_addr){ a.s_addr & mask },
							 addr, sizeof(addr)));
			return -EINVAL;
		}
		for (i = 0; i < n; i++)
			if (nets[i].addr == a.s_addr && nets[i].prefix == prefix) {
				snprintf(err, errlen, "'%s' is listed twice", item);
				return -EINVAL;
			}
		nets[n].addr = a.s_addr;
		nets[n].prefix = prefix;
		n++;
		if (!end)
			break;
		p = end + 1;
	}
	memcpy(o->allow, nets, n * sizeof(nets[0]));
	o->allow_n = n;
	o->allow_nobody = false;
	return 0;
}

/* A mistyped allow-list must not leave the donor open to every peer. */
static void fail_closed_allow(struct rmemd_opts *o)
{
	o->allow_nobody = true;
}

static int show_allow(const struct rmemd_opt_desc *d, const struct rmemd_opts *o, char *buf,
		      size_t len)
{
	char addr[INET_ADDRSTRLEN];
	unsigned int i;
	size_t at = 0;
	int k;

	(void)d;
	if (o->allow_nobody)
		return snprintf(buf, len, "no address (rmem.allow= was invalid)");
	if (!o->allow_n)
		return snprintf(buf, len, "any address");
	for (i = 0; i < o->allow_n; i++) {
		inet_ntop(AF_INET, &(struct in_addr){ o->allow[i].addr }, addr, sizeof(addr));
		k = snprintf(at < len ? buf + at : NULL, at < len ? len - at : 0, "%s%s/%u",
			     i ? "," : "", addr, o->allow[i].prefix);
		if (k < 0)
			return k;
		at += (size_t)k;
	}
	return (int)at;
}

bool rmemd_allow_match(const struct rmemd_opts *o, const struct sockaddr *sa)
{
	const struct sockaddr_in6 *s6;
	uint32_t a, mask;
	unsigned int i;

	if (o->allow_nobody)
		return false;
	if (!o->allow_n)
		return true;
	if (sa->sa_family == AF_INET) {
		a = ((const struct sockaddr_in *)sa)->sin_addr.s_addr;
	} else if (sa->sa_family == AF_INET6) {
		s6 = (const struct sockaddr_in6 *)sa;
		if (!IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
			return false;
		memcpy(&a, &s6->sin6_addr.s6_addr[12], sizeof(a));
	} else {
		return false;
	}
	for (i = 0; i < o->allow_n; i++) {
		mask = o->allow[i].prefix ? htonl(~0u << (32 - o->allow[i].prefix)) : 0;
		if ((a & mask) == o->allow[i].addr)
			return true;
	}
	return false;
}

/* ---------------------------------------------------- authentication */

static int set_key_file(const struct rmemd_opt_desc *d, struct rmemd_opts *o, const char *v,
			char *err, size_t errlen)
{
	int ret = set_name(d, o, v, err, errlen);

	if (!ret)
		o->key_file_set = true;
	return ret;
}

/*
 * HEX[,HEX]: a key file's text with ',' for its line breaks (a kernel
 * command line has none).  The value is a secret: a message says what is
 * wrong with it and never quotes it; rmemd_auth.c loads it at start.
 */
static int set_key(const struct rmemd_opt_desc *d, struct rmemd_opts *o, const char *v,
		   char *err, size_t errlen)
{
	u8 keys[RMEM_AUTH_KEYS_MAX][RMEM_AUTH_KEY_LEN];
	size_t n = v ? strlen(v) : 0, i;
	char text[RMEMD_KEY_HEX_MAX];
	unsigned int bad = 0;
	int k;

	if (!n || n >= sizeof(text)) {
		snprintf(err, errlen, "%zu characters are not %s", n, d->what);
		return -EINVAL;
	}
	for (i = 0; i <= n; i++)
		text[i] = v[i] == ',' ? '\n' : v[i];
	k = rmem_auth_keys_parse(text, n, keys, &bad);
	explicit_bzero(keys, sizeof(keys));
	explicit_bzero(text, sizeof(text));
	if (k < 0) {
		snprintf(err, errlen, "item %u is not a key (%s)", bad, d->what);
		return -EINVAL;
	}
	memcpy(o->key_hex, v, n + 1);
	o->key_bad = false;
	return 0;
}

static int show_key(const struct rmemd_opt_desc *d, const struct rmemd_opts *o, char *buf,
		    size_t len)
{
	(void)d;
	if (o->key_bad)
		return snprintf(buf, len, "no host (rmem.key= was invalid)");
	return snprintf(buf, len, "%s", o->key_hex[0] ? "the key(s) given (not shown)" : "");
}

/* A mistyped key must not fall back to a key file or to no key at all. */
static void fail_closed_key(struct rmemd_opts *o)
{
	explicit_bzero(o->key_hex, sizeof(o->key_hex));
	o->key_bad = true;
}

static int show_insecure(const struct rmemd_opt_desc *d, const struct rmemd_opts *o, char *buf,
			 size_t len)
{
	(void)d;
	return snprintf(buf, len, "%s", o->insecure ? "any host, without proof (INSECURE)" :
				      "authenticated hosts only");
}

/* Only a well-formed rmem.insecure=1 opens the donor. */
static void fail_closed_insecure(struct rmemd_opts *o)
{
	o->insecure = false;
}

/* ---------------------------------------------------------- the table */

/* Numbers and durations: the accepted range. */
#define OPT_RANGE(lo, hi) .min = (lo), .max = (hi)
/* opt_store() knows 2, 4 and 8 bytes: a number of another width does not compile. */
#define OPT_NUM_WIDTH_OK(field) (sizeof(OPT_MEMBER(field)) == 2 || \
				 sizeof(OPT_MEMBER(field)) == 4 || sizeof(OPT_MEMBER(field)) == 8)
#define OPT_NUM_FIELD(field) OPT_FIELD(field) + 0 * sizeof(char[OPT_NUM_WIDTH_OK(field) ? 1 : -1])
#define OPT_NUM(field, parser, printer) OPT_NUM_FIELD(field), .set = set_num, .show = show_num, \
					.parse = (parser), .print = (printer)

const struct rmemd_opt_desc rmemd_opt_table[] = {
	{ "listen", 'l', "listen", "ADDR[:PORT]",
	  "address to accept hosts on; PORT defaults to the rdma_cm port below",
	  .set = set_listen, .show = show_listen,
	  .what = "ADDR, ADDR:PORT, :PORT or [IPV6]:PORT" },
	{ "port", 'p', "port", "PORT", "rdma_cm port to listen on",
	  OPT_NUM(port, parse_u32, print_u64), OPT_RANGE(1, 65535),
	  .what = "a port number" },
	{ "memory", 'm', "memory", "SIZE|PCT%",
	  "memory to donate: a size (K/M/G/T suffix) or a percentage of RAM",
	  .set = set_memory, .show = show_memory,
	  .what = "a size (e.g. 64M, 16G) or a percentage 1%..100%" },
	{ "reserve", 'r', "reserve", "SIZE",
	  "memory left to the system when --memory is not given",
	  OPT_NUM(reserve_bytes, parse_bytes, print_bytes),
	  .what = "a size (e.g. 512M, 2G)", .unset = "512 MiB + 1/64 of RAM" },
	{ "chunk-size", 'c', "chunk", "SIZE",
	  "allocation unit, a power of two from 4K to 1G",
	  OPT_NUM(chunk_shift, parse_log2, print_log2),
	  .what = "a power of two between 4K and 1G" },
	{ "lease-timeout", 't', "lease_timeout", "TIME",
	  "free a device's chunks when its lease has not moved for TIME (30, 30s, 2500ms, 2m)",
	  OPT_NUM(lease_timeout_ms, parse_ms, print_ms),
	  OPT_RANGE(RMEM_LEASE_TIMEOUT_MIN_MS, RMEM_LEASE_TIMEOUT_MAX_MS),
	  .what = "a duration between 1s and 60m (e.g. 30, 30s, 2500ms)" },
	{ "device", 'd', "device", "NAME",
	  "serve only this RDMA device (e.g. rxe0, mlx5_0)",
	  OPT_FIELD(device), .set = set_name, .show = show_name,
	  .what = "an RDMA device name", .unset = "every device" },
	/* An id set is never 0 (the range starts at 1): 0 shows as unset. */
	{ "donor-id", 'i', "donor_id", "N", "rack-unique donor id, 1..2^32-1",
	  OPT_NUM_FIELD(donor_id), OPT_RANGE(1, UINT32_MAX), .set = set_donor_id, .show = show_num,
	  .parse = parse_u32, .print = print_u64,
	  .what = "a donor id", .unset = "from /etc/machine-id, else a MAC address" },
	{ "max-devices", 0, "max_devices", "N",
	  "lease slots: host devices that can hold chunks here at once (1..65535)",
	  OPT_NUM(slots, parse_u32, print_u64), OPT_RANGE(1, RMEM_SLOTS_MAX),
	  .what = "a number" },
	{ "no-hugepages", 0, NULL, NULL,
	  "use mlock'ed 4 KiB pages even when huge pages are available",
	  OPT_FIELD(no_hugepages), .set = set_bool, .show = show_hugepages,
	  .what = "0/1/yes/no/on/off" },
	/* rmem.hugepages=0 reads better on a kernel command line than a negation. */
	{ "hugepages", 0, "hugepages", "0|1",
	  "use huge pages when the system has them",
	  OPT_FIELD(no_hugepages), .invert = true, .set = set_bool, .show = show_hugepages,
	  .what = "0/1/yes/no/on/off" },
	{ "debug", 'v', "debug", NULL, "log every connection and reaper decision",
	  OPT_NUM_FIELD(debug), OPT_RANGE(0, 2), .set = set_debug, .show = show_num,
	  .parse = parse_u32, .print = print_u64,
	  .what = "a debug level" },
	{ "ip", 0, "ip", "IFACE:ADDR/PREFIX|dhcp",
	  "init mode: the RDMA NIC's IPv4 address: IFACE:ADDR/PREFIX, IFACE:dhcp, dhcp (on the "
	  "BOOTIF= NIC, else the first with a link) or none; with --init the default is dhcp",
	  .set = set_ip, .show = show_ip,
	  .what = "IFACE:ADDR/PREFIX, IFACE:dhcp, dhcp or none (e.g. eth1:10.0.0.2/24)" },
	{ "rxe", 0, "rxe", "IFACE|auto",
	  "init mode: create soft-RoCE on IFACE; auto: on the --ip interface when no RDMA NIC registered",
	  OPT_FIELD(rxe_ifname), .reject = "/: \t", .set = set_name, .show = show_name,
	  .what = "an interface name or 'auto'", .unset = "none" },
	{ "allow", 'a', "allow", "CIDR[,CIDR...]",
	  "accept hosts only from these IPv4 networks (up to 16); others are refused before any exchange",
	  .set = set_allow, .show = show_allow, .fail_closed = fail_closed_allow,
	  .what = "A.B.C.D[/PREFIX] networks, comma-separated" },
	{ "key-file", 'k', NULL, "FILE",
	  "rack key file (one or two keys of 64 hex digits, mode 600): hosts must prove a key of it",
	  OPT_FIELD(key_file), .set = set_key_file, .show = show_name,
	  .what = "a file name" },
	{ "key", 0, "key", "HEX[,HEX]",
	  "the rack key(s) instead of a key file, for the PXE image",
	  OPT_FIELD(key_hex), .cmdline_only = true, .set = set_key, .show = show_key,
	  .fail_closed = fail_closed_key,
	  .what = "64 hex digits, or two keys joined by ','" },
	{ "insecure", 0, "insecure", NULL,
	  "admit hosts without proof of the rack key (labs only: any peer that reaches the port "
	  "gets every tenant's memory)",
	  OPT_FIELD(insecure), .set = set_bool, .show = show_insecure,
	  .fail_closed = fail_closed_insecure, .what = "0/1/yes/no/on/off" },
	{ "init", 0, NULL, NULL,
	  "run as PID 1: mount /proc /sys /dev, read rmem.*= from /proc/cmdline, never exit",
	  OPT_FIELD(init), .set = set_bool },
};

const size_t rmemd_opt_count = sizeof(rmemd_opt_table) / sizeof(rmemd_opt_table[0]);

int rmemd_opt_set(const struct rmemd_opt_desc *d, struct rmemd_opts *o, const char *value,
		 char *err, size_t errlen)
{
	return d->set(d, o, value, err, errlen);
}

int rmemd_opt_show(const struct rmemd_opt_desc *d, const struct rmemd_opts *o, char *buf,
		  size_t len)
{
	if (!d->show) {
		if (len)
			buf[0] = '\0';
		return 0;
	}
	return d->show(d, o, buf, len);
}

void rmemd_opts_defaults(struct rmemd_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->port = RMEM_DEFAULT_PORT;
	o->chunk_shift = RMEM_CHUNK_SHIFT_DEFAULT;
	o->lease_timeout_ms = RMEM_LEASE_TIMEOUT_DEFAULT_MS;
	o->slots = RMEM_SLOTS_DEFAULT;
	snprintf(o->key_file, sizeof(o->key_file), "%s", RMEM_KEY_FILE_DEFAULT);
}

void rmemd_opts_defaults_init(struct rmemd_opts *o)
{
	rmemd_opts_defaults(o);
	o->init = true;
	o->ip_dhcp = true;
}

const struct rmemd_opt_desc *rmemd_opt_find(const char *name)
{
	size_t i;

	for (i = 0; i < rmemd_opt_count; i++)
		if (!strcmp(rmemd_opt_table[i].name, name))
			return &rmemd_opt_table[i];
	return NULL;
}

const struct rmemd_opt_desc *rmemd_opt_find_cmdline(const char *key)
{
	size_t i;

	for (i = 0; i < rmemd_opt_count; i++)
		if (rmemd_opt_table[i].cmdline && !strcmp(rmemd_opt_table[i].cmdline, key))
			return &rmemd_opt_table[i];
	return NULL;
}

/* Copies the next whitespace-separated word, honouring "double quotes". */
static const char *next_word(const char *p, char *word, size_t len, bool *toolong)
{
	size_t n = 0;
	bool quoted = false;

	*toolong = false;
	while (*p && isspace((unsigned char)*p))
		p++;
	if (!*p)
		return NULL;
	for (; *p && (quoted || !isspace((unsigned char)*p)); p++) {
		if (*p == '"') {
			quoted = !quoted;
			continue;
		}
		if (n + 1 < len)
			word[n++] = *p;
		else
			*toolong = true;
	}
	word[n] = '\0';
	return p;
}

int rmemd_cmdline_apply(struct rmemd_opts *o, const char *cmdline,
		       void (*report)(void *arg, const char *line), void *arg)
{
	const struct rmemd_opt_desc *d;
	char word[512], line[1536], err[256], keep[128];
	const char *p = cmdline;
	int problems = 0;
	bool toolong;

	while (p && (p = next_word(p, word, sizeof(word), &toolong))) {
		char *key, *eq, *val;

		/* word[0] first: GCC 12 warns on the strncmp where it sees an empty word. */
		if (word[0] == 'B' && !strncmp(word, "BOOTIF=", 7)) {
			/* Not ours to refuse the boot for: a bad one only loses the hint. */
			if (!toolong && !rmemd_parse_bootif(word + 7, o->bootif)) {
				o->bootif_set = true;
				continue;
			}
			snprintf(line, sizeof(line), "BOOTIF=%.40s: %s", word + 7,
				 "not 01-aa-bb-cc-dd-ee-ff (an Ethernet MAC address); ignored");
			report(arg, line);
			problems++;
			continue;
		}
		if (strncmp(word, "rmem.", 5))
			continue;
		key = word + 5;
		eq = strchr(key, '=');
		val = eq ? eq + 1 : NULL;
		if (eq)
			*eq = '\0';
		d = rmemd_opt_find_cmdline(key);
		if (!d) {
			snprintf(line, sizeof(line), "rmem.%s: unknown option, ignored", key);
			report(arg, line);
			problems++;
			continue;
		}
		if (d->fail_closed && (toolong || !val || rmemd_opt_set(d, o, val, err, sizeof(err)))) {
			d->fail_closed(o);
			rmemd_opt_show(d, o, keep, sizeof(keep));
			snprintf(line, sizeof(line), "rmem.%s: %s; allowing %s", key,
				 toolong ? "value too long" : !val ? "needs a value" : err, keep);
			report(arg, line);
			problems++;
			continue;
		}
		if (d->fail_closed)
			continue;	/* set above */
		rmemd_opt_show(d, o, keep, sizeof(keep));
		if (toolong) {
			snprintf(line, sizeof(line), "rmem.%s: value too long; keeping %s",
				 key, keep);
			report(arg, line);
			problems++;
			continue;
		}
		if (!val && d->arg) {
			snprintf(line, sizeof(line), "rmem.%s: needs a value (rmem.%s=%s); keeping %s",
				 key, key, d->arg, keep);
			report(arg, line);
			problems++;
			continue;
		}
		err[0] = '\0';
		if (rmemd_opt_set(d, o, val, err, sizeof(err))) {
			snprintf(line, sizeof(line), "rmem.%s: %s; keeping %s", key, err, keep);
			report(arg, line);
			problems++;
		}
	}
	return problems;
}
