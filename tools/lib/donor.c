// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * donor.c - donor addresses, the donors file and snapshot summaries: pure
 * code shared by rmemctl and rmem-top (the RDMA part is donor_rdma.c).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "donor.h"

static int parse_port(const char *s, uint16_t *port)
{
	unsigned long v;
	char *end;

	if (!*s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v == 0 || v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

int donor_addr_parse(const char *s, struct donor_addr *a)
{
	const char *host = s, *colon, *port = NULL;
	size_t hlen;
	bool v6 = false;

	memset(a, 0, sizeof(*a));
	a->port = RMEM_DEFAULT_PORT;
	if (!s || !*s)
		return -EINVAL;
	if (*s == '[') {
		const char *close = strchr(s, ']');

		if (!close || close == s + 1)
			return -EINVAL;
		host = s + 1;
		hlen = (size_t)(close - host);
		if (close[1] == ':')
			port = close + 2;
		else if (close[1])
			return -EINVAL;
		v6 = true;
	} else {
		colon = strchr(s, ':');
		if (colon && strchr(colon + 1, ':')) {
			/* Bare IPv6 address: no port possible. */
			hlen = strlen(s);
			v6 = true;
		} else if (colon) {
			hlen = (size_t)(colon - s);
			port = colon + 1;
		} else {
			hlen = strlen(s);
		}
	}
	if (hlen == 0 || hlen >= sizeof(a->host))
		return -EINVAL;
	memcpy(a->host, host, hlen);
	a->host[hlen] = '\0';
	for (const char *p = a->host; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr(".-_:%", *p))
			return -EINVAL;
	if (!v6 && strchr(a->host, ':'))
		return -EINVAL;
	if (port && parse_port(port, &a->port))
		return -EINVAL;
	snprintf(a->name, sizeof(a->name), v6 ? "[%s]:%u" : "%s:%u", a->host, a->port);
	return 0;
}

int donors_file_read(const char *path, struct donor_addr *out, int max, int *bad_line)
{
	char line[512];
	int n = 0, lineno = 0;
	FILE *f;

	*bad_line = 0;
	f = fopen(path, "r");
	if (!f)
		return errno == ENOENT ? -ENOENT : -errno;
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *e;

		lineno++;
		e = strchr(p, '#');
		if (e)
			*e = '\0';
		while (isspace((unsigned char)*p))
			p++;
		e = p + strlen(p);
		while (e > p && isspace((unsigned char)e[-1]))
			*--e = '\0';
		if (!*p)
			continue;
		if (n >= max || donor_addr_parse(p, &out[n])) {
			*bad_line = lineno;
			fclose(f);
			return -EINVAL;
		}
		n++;
	}
	fclose(f);
	return n;
}

void donor_connect_opts(const struct donor_connect *dc, struct rmemc_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->timeout_ms = dc->timeout_ms;
	/* Readers sleep on the CQ: a tool must not burn a core per donor. */
	o->spin_us = -1;
	o->key_file = dc->key_file;
	o->insecure = dc->insecure;
}

void donor_geom_from_desc(struct donor_geom *g, const struct rmem_desc *d)
{
	g->donor_id = d->donor_id;
	g->epoch = d->epoch;
	g->chunk_shift = d->chunk_shift;
	g->chunk_count = d->chunk_count;
	g->slot_count = d->slot_count;
	g->lease_timeout_ms = d->lease_timeout_ms;
}

int donor_snap_summarise(struct donor_snap *s)
{
	uint32_t i, n = 0;
	uint64_t c;

	free(s->leases);
	s->leases = NULL;
	s->nleases = 0;
	s->owned = 0;
	s->orphans = 0;
	for (i = 0; i < s->slot_count; i++)
		if (s->slots[i].device_id != RMEM_DEVICE_NONE)
			n++;
	if (n) {
		s->leases = calloc(n, sizeof(*s->leases));
		if (!s->leases)
			return -ENOMEM;
	}
	for (i = 0; i < s->slot_count; i++) {
		struct donor_lease *l;

		if (s->slots[i].device_id == RMEM_DEVICE_NONE)
			continue;
		l = &s->leases[s->nleases++];
		l->slot = i;
		l->device_id = s->slots[i].device_id;
		l->generation = s->slots[i].generation;
		l->counter = s->slots[i].lease_counter;
	}
	for (c = 0; c < s->chunk_count; c++) {
		struct rmem_owner o;
		struct donor_lease *l = NULL;
		uint32_t lo = 0, hi = s->nleases;

		if (s->owners[c] == RMEM_OWNER_FREE)
			continue;
		s->owned++;
		if (rmem_owner_decode(s->owners[c], &o)) {
			s->orphans++;
			continue;
		}
		/* leases[] is sorted by slot: binary search. */
		while (lo < hi) {
			uint32_t mid = lo + (hi - lo) / 2;

			if (s->leases[mid].slot < o.slot) {
				lo = mid + 1;
			} else {
				hi = mid;
			}
		}
		if (lo < s->nleases && s->leases[lo].slot == o.slot)
			l = &s->leases[lo];
		if (l && rmem_device_id_valid(l->device_id) &&
		    o.gen == (uint32_t)(l->generation & RMEM_OWNER_GEN_MASK))
			l->chunks++;
		else
			s->orphans++;
	}
	return 0;
}

void donor_snap_free(struct donor_snap *s)
{
	free(s->owners);
	free(s->slots);
	free(s->leases);
	memset(s, 0, sizeof(*s));
}

uint64_t donor_snap_dev_chunks(const struct donor_snap *s, uint64_t device_id)
{
	uint64_t n = 0;
	uint32_t i;

	for (i = 0; i < s->nleases; i++)
		if (s->leases[i].device_id == device_id)
			n += s->leases[i].chunks;
	return n;
}
