// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * chunk.c - `rmemctl chunk show`: which device owns which chunk of a donor,
 * from one read of its owner table (the same table any host rebuilds its
 * map from).  Ranges by default, every chunk with its vchunk under -d.
 */
#include <inttypes.h>
#include <string.h>

#include "rmemctl.h"

const char rmemctl_chunk_usage[] =
	"Usage: rmemctl [-d] chunk { show [ ADDR[:PORT]... ] [ dev ID ] | help }\n"
	"  show  the chunks every device owns on a donor, as ranges of chunk indexes;\n"
	"        with -d one line per chunk with its virtual chunk; words no lease owns\n"
	"        are listed as orphans\n";

/* Prints the chunks whose owner word matches (slot, gen); @slot < 0: orphans. */
static void chunk_list(struct rmemctl *ctx, const struct donor_snap *s, int64_t slot, uint32_t gen)
{
	struct printer *pr = &ctx->pr;
	uint64_t c, start = 0, prev = 0;
	bool open = false;

	pr_open_arr(pr, ctx->details ? "map" : "ranges");
	pr_text(pr, "       ");
	for (c = 0; c <= s->chunk_count; c++) {
		bool mine = false;
		struct rmem_owner o;
		uint64_t w = c < s->chunk_count ? s->owners[c] : 0;

		if (w != RMEM_OWNER_FREE) {
			if (slot >= 0) {
				mine = rmem_owner_is(w, (uint32_t)slot, gen);
			} else {
				uint32_t i;

				/* Orphan: no held lease of that slot with that generation. */
				mine = true;
				if (!rmem_owner_decode(w, &o))
					for (i = 0; i < s->nleases; i++)
						if (rmem_device_id_valid(s->leases[i].device_id) &&
						    rmem_owner_is(w, s->leases[i].slot,
								  (uint32_t)s->leases[i].generation))
							mine = false;
			}
		}
		if (ctx->details) {
			if (!mine)
				continue;
			pr_open_obj(pr, NULL);
			pr_u64(pr, "chunk", " %" PRIu64, c);
			if (rmem_owner_decode(w, &o) == 0)
				pr_u64(pr, "vchunk", "=v%" PRIu64, o.vchunk);
			else
				pr_hex(pr, "word", "=0x%" PRIx64, w);
			pr_close_obj(pr);
			continue;
		}
		if (mine && open && c == prev + 1) {
			prev = c;
			continue;
		}
		if (open) {
			pr_open_arr(pr, NULL);
			pr_u64(pr, NULL, " %" PRIu64, start);
			pr_u64(pr, NULL, prev != start ? "-%" PRIu64 : NULL, prev);
			pr_close_arr(pr);
			open = false;
		}
		if (mine) {
			start = prev = c;
			open = true;
		}
	}
	pr_text(pr, "\n");
	pr_close_arr(pr);
}

static int chunk_show_one(struct rmemctl *ctx, const struct donor_addr *a,
			  const struct donor_snap *s, void *arg)
{
	const struct dev_filter *f = arg;
	struct printer *pr = &ctx->pr;
	uint32_t i;

	pr_open_obj(pr, NULL);
	pr_str(pr, "address", "donor %s ", a->name);
	pr_u64(pr, "chunks_total", "chunks %" PRIu64 " ", s->chunk_count);
	pr_u64(pr, "chunks_used", "used %" PRIu64 " ", s->owned);
	pr_u64(pr, "chunk_shift", "chunk-shift %" PRIu64 "\n", s->chunk_shift);
	pr_open_arr(pr, "devices");
	for (i = 0; i < s->nleases; i++) {
		const struct donor_lease *l = &s->leases[i];

		if (!rmem_device_id_valid(l->device_id) || (f->set && l->device_id != f->id))
			continue;
		pr_open_obj(pr, NULL);
		pr_hex(pr, "device_id", "    dev 0x%016" PRIx64 " ", l->device_id);
		pr_u64(pr, "slot", "slot %" PRIu64 " ", l->slot);
		pr_u64(pr, "chunks", "chunks %" PRIu64 ":\n", l->chunks);
		chunk_list(ctx, s, l->slot, (uint32_t)l->generation);
		pr_close_obj(pr);
	}
	pr_close_arr(pr);
	if (!f->set) {
		pr_open_obj(pr, "orphans");
		pr_u64(pr, "chunks", s->orphans ? "    orphans %" PRIu64 ":\n" : NULL, s->orphans);
		if (s->orphans)
			chunk_list(ctx, s, -1, 0);
		pr_close_obj(pr);
	}
	pr_close_obj(pr);
	return RC_OK;
}

static int chunk_show(struct rmemctl *ctx, int argc, char **argv)
{
	return rmemctl_show_per_dev(ctx, argc, argv, chunk_show_one);
}

static const struct rmemctl_cmd chunk_cmds[] = {
	{ "show", chunk_show },
};

int do_chunk(struct rmemctl *ctx, int argc, char **argv)
{
	return rmemctl_dispatch(ctx, "chunk", rmemctl_chunk_usage, chunk_cmds,
				sizeof(chunk_cmds) / sizeof(chunk_cmds[0]), "show", argc, argv);
}
