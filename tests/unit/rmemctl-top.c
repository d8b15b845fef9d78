// SPDX-License-Identifier: GPL-2.0
/*
 * unit/rmemctl-top: rmem-top's pure view code: rates, percentiles and merge
 * from two samples, lease staleness, the DOWN row, sorting, the JSON object,
 * and the screen form (every line cut to the terminal, erase sequences).
 */
#include "rmem_test.h"
#include "top.h"

static char *render(const struct top_model *m, const struct top_view *v)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	top_render_text(f, m, v);
	fclose(f);
	return buf;
}

static void dev(struct sysdev *d, const char *name, uint64_t reads, uint64_t writes)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->device_id = 0x1001;
	snprintf(d->backend, sizeof(d->backend), "ram");
	d->chunk_shift = 21;
	d->chunks = 4;
	d->reads = reads;
	d->writes = writes;
	d->read_bytes = reads * 8192;	/* two pages per read */
	d->write_bytes = writes * 4096;
	d->lat[1] = reads + writes;
}

RMEM_CASE(device_rates_and_percentiles)
{
	struct sysdev a, b;
	struct top_dev t;

	dev(&a, "rmem0", 100, 100);
	dev(&b, "rmem0", 300, 150);
	b.lat[4] += 50;			/* the interval's requests got slower */
	top_dev_update(&t, &b, &a, 2.0);
	CHECK(t.have_rates);
	CHECK_EQ((uint64_t)t.read_ops, 100);
	CHECK_EQ((uint64_t)t.write_ops, 25);
	CHECK_EQ((uint64_t)(t.read_mib * 1024 * 1024), 200 * 8192 / 2);
	CHECK_EQ(t.remote_bytes, 4ull << 21);
	/* Interval histogram: 250 at <=64us, 50 at <=4096us. */
	CHECK_EQ(t.p50_us, 64);
	CHECK_EQ(t.p99_us, 4096);
	/* (200 * 2 + 50 * 1) pages over 250 requests. */
	CHECK_EQ((uint64_t)(t.merge * 100 + 0.5), 180);
	/* First sample: no rates, cumulative percentiles. */
	top_dev_update(&t, &a, NULL, 0);
	CHECK(!t.have_rates);
	CHECK_EQ(t.p50_us, 64);
	/* Counters went backwards (device recreated): no rates, no garbage. */
	top_dev_update(&t, &a, &b, 1.0);
	CHECK(!t.have_rates);
}

RMEM_CASE(lease_watch_marks_stale)
{
	struct rmemc_slot_info slots[4] = { { 0 } };
	struct rmem_lease_watch w[4] = { { 0 } };
	uint64_t owners[4] = { 0 };
	struct donor_snap s = {
		.chunk_shift = 20, .chunk_count = 4, .slot_count = 4, .lease_timeout_ms = 10000,
		.owners = owners, .slots = slots,
	};
	struct top_donor d = { 0 };

	slots[1].device_id = 5;
	slots[3].device_id = 6;
	owners[2] = rmem_owner_encode(1, 0, 0);
	CHECK_EQ(donor_snap_summarise(&s), 0);
	top_donor_from_snap(&d, &s, w, 1000);
	CHECK_EQ(d.leases, 2);
	CHECK_EQ(d.leases_alive, 2);
	CHECK_EQ(d.owned, 1);
	CHECK_EQ(d.ndevs, 2);
	/* Slot 1 renews, slot 3 does not, for more than half the timeout. */
	slots[1].lease_counter = 1;
	top_donor_from_snap(&d, &s, w, 7000);
	CHECK_EQ(d.leases_alive, 1);
	CHECK_EQ(d.leases_stale, 1);
	free(s.leases);
}

RMEM_CASE(down_row_and_pool_header)
{
	struct top_donor donors[2];
	struct sysdev sd;
	struct top_dev devs[1];
	struct top_model m = { .now = 1000, .interval = 1, .donors = donors, .ndonors = 2,
			       .devs = devs, .ndevs = 1 };
	struct top_view v = { 0 };
	char *txt;

	memset(donors, 0, sizeof(donors));
	donor_addr_parse("10.0.0.2", &donors[0].addr);
	donors[0].state = TOP_DOWN;
	donors[0].last_seen = 990;
	snprintf(donors[0].error, sizeof(donors[0].error), "timed out");
	donor_addr_parse("10.0.0.1", &donors[1].addr);
	donors[1].state = TOP_UP;
	donors[1].have_snap = true;
	donors[1].chunk_shift = 20;
	donors[1].chunk_count = 60;
	donors[1].owned = 15;
	donors[1].leases = donors[1].leases_alive = 2;
	donors[1].ndevs = 2;
	donors[1].hosts = 2;
	donors[1].uptime_ms = 125000;
	dev(&sd, "rmem0", 1, 1);
	top_dev_update(&devs[0], &sd, NULL, 0);
	top_sort_rows(&m, TOP_SORT_NAME);
	CHECK_STR(donors[0].addr.name, "10.0.0.1:7471");
	txt = render(&m, &v);
	CHECK(strstr(txt, "Pool: 2 donors (1 up, 1 down)  capacity 60.0MiB  used 15.0MiB (25.0%)  chunks 15/60"));
	CHECK(strstr(txt, "\n10.0.0.1:7471         UP      60.0MiB  25.0%         15/60    2     2     2m05s 2 ok\n"));
	CHECK(strstr(txt, "\n10.0.0.2:7471         DOWN  last seen "));
	CHECK(strstr(txt, " (10s ago): timed out\n"));
	CHECK(strstr(txt, "\nrmem0      0000000000001001 ram          4    8.0MiB        -        -"));
	free(txt);
	/* Errors sort puts the DOWN donor first; donors-only hides devices. */
	top_sort_rows(&m, TOP_SORT_ERRORS);
	CHECK_STR(donors[0].addr.name, "10.0.0.2:7471");
	v.mode = TOP_VIEW_DONORS;
	txt = render(&m, &v);
	CHECK(!strstr(txt, "DEVICE "));
	CHECK(strstr(txt, "DONOR "));
	free(txt);
	v.help = true;
	txt = render(&m, &v);
	CHECK(strstr(txt, "Keys:"));
	CHECK(!strstr(txt, "DONOR "));
	free(txt);
}

RMEM_CASE(json_object_per_refresh)
{
	struct top_donor donors[1];
	struct top_model m = { .now = 5, .interval = 1, .donors = donors, .ndonors = 1 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	memset(donors, 0, sizeof(donors));
	donor_addr_parse("10.0.0.1", &donors[0].addr);
	donors[0].state = TOP_DOWN;
	snprintf(donors[0].error, sizeof(donors[0].error), "refused");
	top_render_json(f, &m, false);
	fclose(f);
	CHECK_STR(buf, "{\"time\":5.000,\"interval\":1.000,\"pool\":{\"donors\":1,\"donors_up\":0,"
		       "\"donors_down\":1,\"capacity\":0,\"used\":0,\"chunks_total\":0,\"chunks_used\":0,"
		       "\"leases\":0,\"hosts\":0,\"devices\":0,\"device_chunks\":0,\"device_errors\":0},"
		       "\"donors\":[{\"address\":\"10.0.0.1:7471\",\"state\":\"down\",\"last_seen\":null,"
		       "\"error\":\"refused\"}],\"devices\":[]}\n");
	free(buf);
}

RMEM_CASE(screen_lines_fit)
{
	const char *text = "0123456789abcdef\nshort\n\nlast line here\n";
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	top_screen(f, text, 10, 3);
	fclose(f);
	CHECK_STR(buf, "\033[H0123456789\033[K\r\nshort\033[K\r\n\033[K\033[J");
	free(buf);
}

RMEM_TEST_MAIN(RMEM_REF(device_rates_and_percentiles),
	       RMEM_REF(lease_watch_marks_stale),
	       RMEM_REF(down_row_and_pool_header),
	       RMEM_REF(json_object_per_refresh),
	       RMEM_REF(screen_lines_fit))
