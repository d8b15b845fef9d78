// SPDX-License-Identifier: GPL-2.0
/*
 * rmem_parse.c - option values and the option table of rmem-appliance.
 *
 * Strict on purpose: a donor that silently read "64m" as 64 bytes or
 * "3M" as 2M would pin the wrong amount of memory on every machine of a
 * rack.  Every parser rejects junk, overflow and out-of-range values.
 */
#include <ctype.h>
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rmem_wire.h"
#include "rmem_parse.h"

int rmem_parse_size(const char *s, uint64_t *out)
{
	uint64_t v = 0, mult = 1;
	const char *p = s;

	if (!s || !isdigit((unsigned char)*p))
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*p - '0');
	}
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

int rmem_parse_memory(const char *s, uint64_t *bytes, uint32_t *pct)
{
	size_t n = s ? strlen(s) : 0;
	uint32_t p;
	char num[16];

	if (n > 1 && s[n - 1] == '%') {
		if (n - 1 >= sizeof(num))
			return -ERANGE;
		memcpy(num, s, n - 1);
		num[n - 1] = '\0';
		if (rmem_parse_u32(num, 1, 100, &p))
			return -ERANGE;
		*pct = p;
		*bytes = 0;
		return 0;
	}
	if (rmem_parse_size(s, bytes))
		return -EINVAL;
	if (*bytes == 0)
		return -ERANGE;
	*pct = 0;
	return 0;
}

int rmem_parse_chunk_size(const char *s, uint32_t *shift)
{
	uint64_t v;
	uint32_t k;

	if (rmem_parse_size(s, &v))
		return -EINVAL;
	for (k = RMEM_CHUNK_SHIFT_MIN; k <= RMEM_CHUNK_SHIFT_MAX; k++) {
		if (v == 1ull << k) {
			*shift = k;
			return 0;
		}
	}
	return -ERANGE;
}

int rmem_parse_duration_ms(const char *s, uint64_t *ms)
{
	uint64_t v = 0, mult;
	const char *p = s;

	if (!s || !isdigit((unsigned char)*p))
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*p - '0');
	}
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

int rmem_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
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

/* ADDR, ADDR:PORT, :PORT, [V6ADDR], [V6ADDR]:PORT. */
int rmem_parse_listen(const char *s, char *host, size_t hostlen, uint16_t *port)
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
	if (colon && rmem_parse_u32(colon + 1, 1, 65535, &p))
		return -ERANGE;
	if ((size_t)(hend - hstart) >= hostlen)
		return -ERANGE;
	memcpy(host, hstart, (size_t)(hend - hstart));
	host[hend - hstart] = '\0';
	*port = (uint16_t)p;
	return 0;
}

const char *rmem_fmt_size(uint64_t bytes, char *buf, size_t len)
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

#define RMEM_PLAN_PAGE 4096ull
/* Fixed part of the default reserve: 512 MiB plus 1/64 of RAM. */
#define RMEM_PLAN_RESERVE_BASE (512ull << 20)

/*
 * The default keeps 512 MiB for the system plus 1/64 of RAM (what the
 * kernel's struct page array and page tables cost), so an appliance that
 * owns the machine leaves the kernel room, and a daemon on a busy host
 * takes only what is available.
 */
int rmem_pool_plan(const struct rmem_opts *o, const struct rmem_meminfo *mi,
		   struct rmem_pool_plan *plan, char *err, size_t errlen)
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
			  RMEM_PLAN_RESERVE_BASE + mi->total / 64;
		if (mi->available <= reserve) {
			snprintf(err, errlen,
				 "only %s available, less than the %s reserve: nothing to donate (use --memory or --reserve)",
				 rmem_fmt_size(mi->available, a, sizeof(a)),
				 rmem_fmt_size(reserve, b, sizeof(b)));
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
			 rmem_fmt_size(want, a, sizeof(a)),
			 rmem_fmt_size(mi->available, b, sizeof(b)),
			 hpool ? " (and " : "", hpool ? rmem_fmt_size(hpool, c, sizeof(c)) : "",
			 hpool ? " in free huge pages)" : "");
		return -ENOMEM;
	}
	plan->bytes = want & ~(RMEM_PLAN_PAGE - 1);
	return 0;
}

/* ------------------------------------------------------------ setters */

#define ERR(...) (snprintf(err, errlen, __VA_ARGS__), -EINVAL)

static int set_listen(struct rmem_opts *o, const char *v, char *err, size_t errlen)
{
	char host[sizeof(o->listen_host)];
	uint16_t port = o->port;

	if (rmem_parse_listen(v, host, sizeof(host), &port))
		return ERR("'%s' is not ADDR, ADDR:PORT, :PORT or [IPV6]:PORT", v);
	strcpy(o->listen_host, host);
	o->port = port;
	return 0;
}

static int show_listen(const struct rmem_opts *o, char *buf, size_t len)
{
	return snprintf(buf, len, "%s:%u", o->listen_host[0] ? o->listen_host : "0.0.0.0",
			o->port);
}

static int set_port(struct rmem_opts *o, const char *v, char *err, size_t errlen)
{
	uint32_t p;

	if (rmem_parse_u32(v, 1, 65535, &p))
		return ERR("'%s' is not a port number 1..65535", v);
	o->port = (uint16_t)p;
	return 0;
}

static int show_port(const struct rmem_opts *o, char *buf, size_t len)
{
	return snprintf(buf, len, "%u", o->port);
}

static int set_memory(struct rmem_opts *o, const char *v, char *err, size_t errlen)
{
	uint64_t bytes;
	uint32_t pct;

	if (rmem_parse_memory(v, &bytes, &pct))
		return ERR("'%s' is not a size (e.g. 64M, 16G) or a percentage 1%%..100%%", v);
	o->memory_bytes = bytes;
	o->memory_pct = pct;
	return 0;
}

static int show_memory(const struct rmem_opts *o, char *buf, size_t len)
{
	char s[32];

	if (o->memory_pct)
		return snprintf(buf, len, "%u%%", o->memory_pct);
	if (o->memory_bytes)
		return snprintf(buf, len, "%s", rmem_fmt_size(o->memory_bytes, s, sizeof(s)));
	return snprintf(buf, len, "all but the reserve");
}

static int set_reserve(struct rmem_opts *o, const char *v, char *err, size_t errlen)
{
	uint64_t bytes;

	if (rmem_parse_size(v, &bytes))
		return ERR("'%s' is not a size (e.g. 512M, 2G)", v);
	o->reserve_bytes = bytes;
	return 0;
}

static int show_reserve(const struct rmem_opts *o, char *buf, size_t len)
{
	char s[32];

	if (o->reserve_bytes)
		return snprintf(buf, len, "%s", rmem_fmt_size(o->reserve_bytes, s, sizeof(s)));
	return snprintf(buf, len, "512 MiB + 1/64 of RAM");
}

static int set_chunk(struct rmem_opts *o, const char *v, char *err, size_t errlen)
{
	uint32_t shift;

	if (rmem_parse_chunk_size(v, &shift))
		return ERR("'%s' is not a power of two between 4K and 1G", v);
	o->chunk_shift = shift;
	return 0;
}

static int show_chunk(const struct rmem_opts *o, char *buf, size_t len)
{
	char s[32];

	return snprintf(buf, len, "%s", rmem_fmt_size(1ull << o->chunk_shift, s, sizeof(s)));
}

static int set_lease(struct rmem_opts *o, const char *v, char *err, size_t errlen)
{
	uint64_t ms;

	if (rmem_parse_duration_ms(v, &ms) || ms < RMEM_LEASE_TIMEOUT_MIN_MS ||
	    ms > RMEM_LEASE_TIMEOUT_MAX_MS)
		return ERR("'%s' is not a duration between 1s and 60m (e.g. 30, 30s, 2500ms)", v);
	o->lease_timeout_ms = (uint32_t)ms;
	return 0;
}

static int show_lease(const struct rmem_opts *o, char *buf, size_t len)
{
	if (o->lease_timeout_ms % 1000)
		return snprintf(buf, len, "%ums", o->lease_timeout_ms);
	return snprintf(buf, len, "%us", o->lease_timeout_ms / 1000);
}

static int set_device(struct rmem_opts *o, const char *v, char *err, size_t errlen)
{
	if (!*v || strlen(v) >= sizeof(o->device))
		return ERR("'%s' is not an RDMA device name", v);
	strcpy(o->device, v);
	return 0;
}

static int show_device(const struct rmem_opts *o, char *buf, size_t len)
{
	return snprintf(buf, len, "%s", o->device[0] ? o->device : "every device");
}

static int set_donor_id(struct rmem_opts *o, const char *v, char *err, size_t errlen)
{
	uint32_t id;

	if (rmem_parse_u32(v, 1, UINT32_MAX, &id))
		return ERR("'%s' is not a donor id 1..4294967295", v);
	o->donor_id = id;
	o->donor_id_set = true;
	return 0;
}

static int show_donor_id(const struct rmem_opts *o, char *buf, size_t len)
{
	if (o->donor_id_set)
		return snprintf(buf, len, "%u", o->donor_id);
	return snprintf(buf, len, "from /etc/machine-id, else a MAC address");
}

static int set_slots(struct rmem_opts *o, const char *v, char *err, size_t errlen)
{
	uint32_t n;

	if (rmem_parse_u32(v, 1, RMEM_SLOTS_MAX, &n))
		return ERR("'%s' is not a number 1..%u", v, RMEM_SLOTS_MAX);
	o->slots = n;
	return 0;
}

static int show_slots(const struct rmem_opts *o, char *buf, size_t len)
{
	return snprintf(buf, len, "%u", o->slots);
}

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

static int set_no_hugepages(struct rmem_opts *o, const char *v, char *err, size_t errlen)
{
	bool b;

	if (parse_bool(v, &b))
		return ERR("'%s' is not 0/1/yes/no/on/off", v);
	o->no_hugepages = b;
	return 0;
}

/* rmem.hugepages=0 reads better on a kernel command line than a negation. */
static int set_hugepages(struct rmem_opts *o, const char *v, char *err, size_t errlen)
{
	bool b;

	if (parse_bool(v, &b))
		return ERR("'%s' is not 0/1/yes/no/on/off", v);
	o->no_hugepages = !b;
	return 0;
}

static int show_hugepages(const struct rmem_opts *o, char *buf, size_t len)
{
	return snprintf(buf, len, "%s", o->no_hugepages ? "off" : "when available");
}

static int set_debug(struct rmem_opts *o, const char *v, char *err, size_t errlen)
{
	uint32_t d;

	if (!v) {
		o->debug = 1;
		return 0;
	}
	if (rmem_parse_u32(v, 0, 2, &d))
		return ERR("'%s' is not a debug level 0..2", v);
	o->debug = (int)d;
	return 0;
}

static int show_debug(const struct rmem_opts *o, char *buf, size_t len)
{
	return snprintf(buf, len, "%d", o->debug);
}

static int set_init(struct rmem_opts *o, const char *v, char *err, size_t errlen)
{
	(void)v;
	(void)err;
	(void)errlen;
	o->init = true;
	return 0;
}

/* IFACE:ADDR/PREFIX, e.g. eth1:10.0.0.2/24. */
static int set_ip(struct rmem_opts *o, const char *v, char *err, size_t errlen)
{
	char addr[INET_ADDRSTRLEN];
	const char *colon, *slash;
	struct in_addr a;
	uint32_t prefix;
	size_t n;

	colon = v ? strchr(v, ':') : NULL;
	slash = colon ? strchr(colon, '/') : NULL;
	if (!colon || !slash)
		return ERR("'%s' is not IFACE:ADDR/PREFIX (e.g. eth1:10.0.0.2/24)", v ? v : "");
	n = (size_t)(colon - v);
	if (!n || n >= sizeof(o->ip_ifname))
		return ERR("'%.*s' is not an interface name", (int)n, v);
	if ((size_t)(slash - colon - 1) >= sizeof(addr))
		return ERR("'%s': address too long", v);
	memcpy(addr, colon + 1, (size_t)(slash - colon - 1));
	addr[slash - colon - 1] = '\0';
	if (inet_pton(AF_INET, addr, &a) != 1)
		return ERR("'%s' is not an IPv4 address", addr);
	if (rmem_parse_u32(slash + 1, 1, 32, &prefix))
		return ERR("'%s' is not a prefix length 1..32", slash + 1);
	memcpy(o->ip_ifname, v, n);
	o->ip_ifname[n] = '\0';
	o->ip_addr = a.s_addr;
	o->ip_prefix = prefix;
	return 0;
}

static int show_ip(const struct rmem_opts *o, char *buf, size_t len)
{
	char addr[INET_ADDRSTRLEN];
	struct in_addr a = { .s_addr = o->ip_addr };

	if (!o->ip_ifname[0])
		return snprintf(buf, len, "none");
	inet_ntop(AF_INET, &a, addr, sizeof(addr));
	return snprintf(buf, len, "%s:%s/%u", o->ip_ifname, addr, o->ip_prefix);
}

static int set_rxe(struct rmem_opts *o, const char *v, char *err, size_t errlen)
{
	size_t n = v ? strlen(v) : 0;

	if (!n || n >= sizeof(o->rxe_ifname) || strpbrk(v, "/: \t"))
		return ERR("'%s' is not an interface name or 'auto'", v ? v : "");
	memcpy(o->rxe_ifname, v, n + 1);
	return 0;
}

static int show_rxe(const struct rmem_opts *o, char *buf, size_t len)
{
	return snprintf(buf, len, "%s", o->rxe_ifname[0] ? o->rxe_ifname : "none");
}

#undef ERR

const struct rmem_opt_desc rmem_opt_table[] = {
	{ "listen", 'l', "listen", "ADDR[:PORT]",
	  "address to accept hosts on; PORT defaults to the rdma_cm port below",
	  set_listen, show_listen },
	{ "port", 'p', "port", "PORT", "rdma_cm port to listen on",
	  set_port, show_port },
	{ "memory", 'm', "memory", "SIZE|PCT%",
	  "memory to donate: a size (K/M/G/T suffix) or a percentage of RAM",
	  set_memory, show_memory },
	{ "reserve", 'r', "reserve", "SIZE",
	  "memory left to the system when --memory is not given",
	  set_reserve, show_reserve },
	{ "chunk-size", 'c', "chunk", "SIZE",
	  "allocation unit, a power of two from 4K to 1G",
	  set_chunk, show_chunk },
	{ "lease-timeout", 't', "lease_timeout", "TIME",
	  "free a device's chunks when its lease has not moved for TIME (30, 30s, 2500ms, 2m)",
	  set_lease, show_lease },
	{ "device", 'd', "device", "NAME",
	  "serve only this RDMA device (e.g. rxe0, mlx5_0)",
	  set_device, show_device },
	{ "donor-id", 'i', "donor_id", "N", "rack-unique donor id, 1..2^32-1",
	  set_donor_id, show_donor_id },
	{ "max-devices", 0, "max_devices", "N",
	  "lease slots: host devices that can hold chunks here at once (1..65535)",
	  set_slots, show_slots },
	{ "no-hugepages", 0, NULL, NULL,
	  "use mlock'ed 4 KiB pages even when huge pages are available",
	  set_no_hugepages, show_hugepages },
	{ "hugepages", 0, "hugepages", "0|1",
	  "use huge pages when the system has them",
	  set_hugepages, show_hugepages },
	{ "debug", 'v', "debug", NULL, "log every connection and reaper decision",
	  set_debug, show_debug },
	{ "ip", 0, "ip", "IFACE:ADDR/PREFIX",
	  "init mode: give the RDMA NIC this IPv4 address and bring it up",
	  set_ip, show_ip },
	{ "rxe", 0, "rxe", "IFACE|auto",
	  "init mode: create soft-RoCE on IFACE; auto: on the --ip interface when no RDMA NIC registered",
	  set_rxe, show_rxe },
	{ "init", 0, NULL, NULL,
	  "run as PID 1: mount /proc /sys /dev, read rmem.*= from /proc/cmdline, never exit",
	  set_init, NULL },
};

const size_t rmem_opt_count = sizeof(rmem_opt_table) / sizeof(rmem_opt_table[0]);

void rmem_opts_defaults(struct rmem_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->port = RMEM_DEFAULT_PORT;
	o->chunk_shift = RMEM_CHUNK_SHIFT_DEFAULT;
	o->lease_timeout_ms = RMEM_LEASE_TIMEOUT_DEFAULT_MS;
	o->slots = RMEM_SLOTS_DEFAULT;
}

const struct rmem_opt_desc *rmem_opt_find(const char *name)
{
	size_t i;

	for (i = 0; i < rmem_opt_count; i++)
		if (!strcmp(rmem_opt_table[i].name, name))
			return &rmem_opt_table[i];
	return NULL;
}

const struct rmem_opt_desc *rmem_opt_find_cmdline(const char *key)
{
	size_t i;

	for (i = 0; i < rmem_opt_count; i++)
		if (rmem_opt_table[i].cmdline && !strcmp(rmem_opt_table[i].cmdline, key))
			return &rmem_opt_table[i];
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

int rmem_cmdline_apply(struct rmem_opts *o, const char *cmdline,
		       void (*report)(void *arg, const char *line), void *arg)
{
	const struct rmem_opt_desc *d;
	char word[512], line[1536], err[256], keep[128];
	const char *p = cmdline;
	int problems = 0;
	bool toolong;

	while (p && (p = next_word(p, word, sizeof(word), &toolong))) {
		char *key, *eq, *val;

		if (strncmp(word, "rmem.", 5))
			continue;
		key = word + 5;
		eq = strchr(key, '=');
		val = eq ? eq + 1 : NULL;
		if (eq)
			*eq = '\0';
		d = rmem_opt_find_cmdline(key);
		if (!d) {
			snprintf(line, sizeof(line), "rmem.%s: unknown option, ignored", key);
			report(arg, line);
			problems++;
			continue;
		}
		keep[0] = '\0';
		if (d->show)
			d->show(o, keep, sizeof(keep));
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
		if (d->set(o, val, err, sizeof(err))) {
			snprintf(line, sizeof(line), "rmem.%s: %s; keeping %s", key, err, keep);
			report(arg, line);
			problems++;
		}
	}
	return problems;
}
