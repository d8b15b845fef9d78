// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * lease.c - `rmemctl lease show`: every claimed lease slot of a donor with
 * its device, generation, lease counter and the chunks the owner table
 * gives it.  One-sided reads only.
 */
#include <inttypes.h>
#include <string.h>

#include "rmemctl.h"

const char rmemctl_lease_usage[] =
	"Usage: rmemctl lease { show [ ADDR[:PORT]... ] [ dev ID ] | help }\n"
	"  show  claimed lease slots: device id, generation, lease counter, chunks;\n"
	"        'dev ID' keeps one device; no ADDR: every donor of the donors file\n";

int rmemctl_show_per_dev(struct rmemctl *ctx, int argc, char **argv, rmemctl_donor_cb cb)
{
	struct dev_filter filter = { 0 }, *f = &filter;
	int i, j = 0;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "dev")) {
			argv[j++] = argv[i];
			continue;
		}
		if (i + 1 >= argc)
			return rmemctl_err(ctx, RC_USAGE, "'dev' needs a device ID");
		if (f->set)
			return rmemctl_err(ctx, RC_USAGE, "'dev' given twice");
		if (parse_u64(argv[i + 1], &f->id))
			return rmemctl_err(ctx, RC_USAGE, "'%s' is not a device ID", argv[i + 1]);
		f->set = true;
		i++;
	}
	return rmemctl_each_donor(ctx, j, argv, "donors", cb, f);
}

static int lease_show_one(struct rmemctl *ctx, const struct donor_addr *a,
			  const struct donor_snap *s, void *arg)
{
	const struct dev_filter *f = arg;
	struct printer *pr = &ctx->pr;
	uint32_t i;

	pr_open_obj(pr, NULL);
	pr_str(pr, "address", "donor %s ", a->name);
	pr_hex(pr, "epoch", "epoch 0x%016" PRIx64 " ", s->epoch);
	pr_u64(pr, "lease_timeout_ms", "lease-timeout %" PRIu64 "ms ", s->lease_timeout_ms);
	pr_u64(pr, "slots", "slots %" PRIu64 "\n", s->slot_count);
	pr_open_arr(pr, "leases");
	for (i = 0; i < s->nleases; i++) {
		const struct donor_lease *l = &s->leases[i];
		bool reclaiming = l->device_id == RMEM_DEVICE_RECLAIMING;

		if (f->set && l->device_id != f->id)
			continue;
		pr_open_obj(pr, NULL);
		pr_u64(pr, "slot", "    slot %" PRIu64 " ", l->slot);
		pr_hex(pr, "device_id", "dev 0x%016" PRIx64 " ", l->device_id);
		pr_str(pr, "state", "state %s ", reclaiming ? "reclaiming" : "held");
		pr_u64(pr, "generation", "gen %" PRIu64 " ", l->generation);
		pr_u64(pr, "counter", "counter %" PRIu64 " ", l->counter);
		pr_u64(pr, "chunks", "chunks %" PRIu64 "\n", l->chunks);
		pr_close_obj(pr);
	}
	pr_close_arr(pr);
	pr_close_obj(pr);
	return RC_OK;
}

static int lease_show(struct rmemctl *ctx, int argc, char **argv)
{
	return rmemctl_show_per_dev(ctx, argc, argv, lease_show_one);
}

static const struct rmemctl_cmd lease_cmds[] = {
	{ "show", lease_show },
};

int do_lease(struct rmemctl *ctx, int argc, char **argv)
{
	return rmemctl_dispatch(ctx, "lease", rmemctl_lease_usage, lease_cmds,
				sizeof(lease_cmds) / sizeof(lease_cmds[0]), "show", argc, argv);
}
