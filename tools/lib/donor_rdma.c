// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * donor_rdma.c - reads a donor's tables with one-sided RDMA READs through
 * librmemclient: the donor's CPU does nothing for a snapshot.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "donor.h"

int donor_fetch(struct rmemc_conn *c, struct donor_snap *s, char *err, size_t errlen)
{
	const struct rmem_desc *d = rmemc_conn_desc(c);
	int ret;

	memset(s, 0, sizeof(*s));
	donor_geom_from_desc(&s->geom, d);
	/* +1: a zero-sized table still gets a pointer to free. */
	s->owners = calloc(s->chunk_count + 1, sizeof(*s->owners));
	s->slots = calloc((size_t)s->slot_count + 1, sizeof(*s->slots));
	if (!s->owners || !s->slots) {
		snprintf(err, errlen, "out of memory for %llu owner words",
			 (unsigned long long)s->chunk_count);
		ret = -ENOMEM;
		goto out_free;
	}
	ret = rmemc_read_stats(c, &s->st);
	if (!ret)
		ret = rmemc_read_slots(c, 0, s->slot_count, s->slots);
	if (!ret)
		ret = rmemc_read_owners(c, 0, s->chunk_count, s->owners);
	if (ret) {
		snprintf(err, errlen, "%s", rmemc_errmsg(c));
		goto out_free;
	}
	ret = donor_snap_summarise(s);
	if (ret) {
		snprintf(err, errlen, "out of memory summarising the owner table");
		goto out_free;
	}
	return 0;

out_free:
	donor_snap_free(s);
	return ret;
}

int donor_query(const struct donor_addr *a, const struct donor_connect *dc, struct donor_snap *s,
		char *err, size_t errlen)
{
	struct rmemc_conn *c;
	struct rmemc_opts o;
	int ret;

	donor_connect_opts(dc, &o);
	ret = rmemc_connect(a->host, a->port, &o, &c, err, errlen);
	if (ret)
		return ret;
	ret = donor_fetch(c, s, err, errlen);
	rmemc_disconnect(c);
	return ret;
}
