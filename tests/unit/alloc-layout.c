// SPDX-License-Identifier: GPL-2.0
/*
 * Layout computation: for any memory size, chunk size, slot count and
 * alignment, the tables must not overlap, must sit where hosts can check
 * them (rmem_layout_check), the chunks must fit in the memory, and the
 * chunk count must be the largest that fits.
 */
#include "rmem_test.h"
#include "rmem_proto.h"

static unsigned int layouts_checked;

static void check_layout(uint64_t mem, uint32_t shift, uint32_t slots, uint64_t align)
{
	struct rmem_layout l, more;
	uint64_t chunk = 1ull << shift;
	int err = rmem_layout_compute(&l, mem, shift, slots, align);

	if (err == -ENOSPC) {
		/* Not even one chunk: verify one really does not fit. */
		more = l;
		rmem_layout_tables(&more, slots);
		more.chunk_shift = shift;
		CHECK(!rmem_layout_fits(&more, 1, mem, align));
		CHECK_EQ(l.chunk_count, 0);
		return;
	}
	CHECK_EQ(err, 0);
	if (err) {
		printf("#   mem %" PRIu64 " shift %u slots %u align %" PRIu64 "\n", mem, shift,
		       slots, align);
		return;
	}
	layouts_checked++;
	CHECK_EQ(l.mem_bytes, mem);
	CHECK_EQ(l.chunk_shift, shift);
	CHECK_EQ(l.slot_count, slots);
	CHECK(l.chunk_count >= 1);
	/* Page-aligned tables in order: superblock, slots, leases, stats, owners. */
	CHECK_EQ(l.slot_off, RMEM_META_ALIGN);
	CHECK_EQ(l.slot_off % RMEM_META_ALIGN, 0);
	CHECK_EQ(l.lease_off % RMEM_META_ALIGN, 0);
	CHECK_EQ(l.stats_off % RMEM_META_ALIGN, 0);
	CHECK_EQ(l.owner_off % RMEM_META_ALIGN, 0);
	CHECK_EQ(l.lease_len % RMEM_META_ALIGN, 0);
	CHECK(l.lease_off >= l.slot_off + (uint64_t)slots * sizeof(struct rmem_wire_slot));
	CHECK(l.lease_len >= (uint64_t)slots * sizeof(struct rmem_wire_lease));
	CHECK(l.stats_off >= l.lease_off + l.lease_len);
	CHECK(l.owner_off >= l.stats_off + sizeof(struct rmem_wire_stats));
	CHECK(l.meta_len >= l.owner_off + l.chunk_count * 8);
	CHECK_EQ(l.meta_len % RMEM_META_ALIGN, 0);
	/* Data: aligned, after the metadata, inside the memory. */
	CHECK_EQ(l.data_off % align, 0);
	CHECK(l.data_off >= l.meta_len);
	CHECK_EQ(l.data_len, l.chunk_count * chunk);
	CHECK(l.data_off + l.data_len <= mem);
	/* Maximal: one more chunk does not fit. */
	more = l;
	CHECK(!rmem_layout_fits(&more, l.chunk_count + 1, mem, align));
	/* And hosts accept it. */
	CHECK_EQ(rmem_layout_check(l.meta_len, l.chunk_shift, l.chunk_count, l.slot_count,
				   l.slot_off, l.lease_off, l.stats_off, l.owner_off), 0);
}

RMEM_CASE(known_small_layout)
{
	struct rmem_layout l;

	/* The VM tests' donor: 64 MiB, 1 MiB chunks, 1024 slots, 4 KiB pages. */
	CHECK_EQ(rmem_layout_compute(&l, 64ull << 20, 20, 1024, 4096), 0);
	CHECK_EQ(l.slot_off, 4096);
	CHECK_EQ(l.lease_off, 4096 + 16384);
	CHECK_EQ(l.lease_len, 8192);
	CHECK_EQ(l.stats_off, 4096 + 16384 + 8192);
	CHECK_EQ(l.owner_off, 4096 + 16384 + 8192 + 4096);
	CHECK_EQ(l.meta_len, 36864);
	CHECK_EQ(l.data_off, 36864);
	CHECK_EQ(l.chunk_count, 63);
	/* With 2 MiB alignment the data starts at 2 MiB: one chunk fewer. */
	CHECK_EQ(rmem_layout_compute(&l, 64ull << 20, 20, 1024, 2ull << 20), 0);
	CHECK_EQ(l.data_off, 2ull << 20);
	CHECK_EQ(l.chunk_count, 62);
}

RMEM_CASE(odd_sizes)
{
	static const uint64_t mems[] = {
		0, 1, 4095, 4096, 36863, 36864, 40959, 40960, 45056,
		(1ull << 20) + 4097, (64ull << 20) - 1, 64ull << 20, (64ull << 20) + 1,
		1000000007ull, (3ull << 30) + 12345, (1ull << 40) + 999983,
		(1ull << 50) + 3, ~0ull, ~0ull - 4096,
	};
	static const uint32_t shifts[] = { 12, 13, 16, 20, 21, 29, 30 };
	static const uint32_t slots[] = { 1, 7, 255, 256, 1024, 65535 };
	static const uint64_t aligns[] = { 4096, 65536, 2ull << 20, 1ull << 30 };
	size_t a, b, c, d;

	for (a = 0; a < RMEM_ARRAY_SIZE(mems); a++)
		for (b = 0; b < RMEM_ARRAY_SIZE(shifts); b++)
			for (c = 0; c < RMEM_ARRAY_SIZE(slots); c++)
				for (d = 0; d < RMEM_ARRAY_SIZE(aligns); d++)
					check_layout(mems[a], shifts[b], slots[c], aligns[d]);
	printf("#   %u layouts checked\n", layouts_checked);
	CHECK(layouts_checked > 1000);
}

RMEM_CASE(sweep_around_boundaries)
{
	uint64_t mem;

	/* Every 4 KiB step across the sizes where the owner table gains a page. */
	for (mem = 36000; mem < (6ull << 20); mem += 4093)
		check_layout(mem, 12, 3, 4096);
	for (mem = (1ull << 20); mem < (40ull << 20); mem += 65521)
		check_layout(mem, 16, 1024, 2ull << 20);
}

RMEM_CASE(rejects_bad_parameters)
{
	struct rmem_layout l;

	CHECK_EQ(rmem_layout_compute(&l, 1ull << 30, 11, 1024, 4096), (uint64_t)-EINVAL);
	CHECK_EQ(rmem_layout_compute(&l, 1ull << 30, 31, 1024, 4096), (uint64_t)-EINVAL);
	CHECK_EQ(rmem_layout_compute(&l, 1ull << 30, 20, 0, 4096), (uint64_t)-EINVAL);
	CHECK_EQ(rmem_layout_compute(&l, 1ull << 30, 20, 65536, 4096), (uint64_t)-EINVAL);
	CHECK_EQ(rmem_layout_compute(&l, 1ull << 30, 20, 1024, 0), (uint64_t)-EINVAL);
	CHECK_EQ(rmem_layout_compute(&l, 1ull << 30, 20, 1024, 2048), (uint64_t)-EINVAL);
	CHECK_EQ(rmem_layout_compute(&l, 1ull << 30, 20, 1024, 12288), (uint64_t)-EINVAL);
	CHECK_EQ(rmem_layout_compute(&l, 1ull << 30, 20, 1024, 1ull << 31), (uint64_t)-EINVAL);
	CHECK_EQ(rmem_layout_compute(&l, 0, 20, 1024, 4096), (uint64_t)-ENOSPC);
	CHECK_EQ(l.chunk_count, 0);
}

RMEM_CASE(layout_check_catches_bad_tables)
{
	struct rmem_layout l;

	CHECK_EQ(rmem_layout_compute(&l, 64ull << 20, 20, 1024, 4096), 0);
#define LC(meta, shift, count, slots, so, lo, st, oo) \
	rmem_layout_check(meta, shift, count, slots, so, lo, st, oo)
	CHECK_EQ(LC(l.meta_len, 20, 63, 1024, l.slot_off, l.lease_off, l.stats_off, l.owner_off), 0);
	/* Owner table runs past the metadata. */
	CHECK_EQ(LC(l.meta_len, 20, 1000, 1024, l.slot_off, l.lease_off, l.stats_off, l.owner_off),
		 (uint64_t)-RMEM_WIRE_BAD_LAYOUT);
	/* Overlaps: slots on the superblock, stats on the leases, owners on stats. */
	CHECK_EQ(LC(l.meta_len, 20, 63, 1024, 64, l.lease_off, l.stats_off, l.owner_off),
		 (uint64_t)-RMEM_WIRE_BAD_LAYOUT);
	CHECK_EQ(LC(l.meta_len, 20, 63, 1024, l.slot_off, l.lease_off, l.lease_off + 8, l.owner_off),
		 (uint64_t)-RMEM_WIRE_BAD_LAYOUT);
	CHECK_EQ(LC(l.meta_len, 20, 63, 1024, l.slot_off, l.lease_off, l.stats_off, l.stats_off),
		 (uint64_t)-RMEM_WIRE_BAD_LAYOUT);
	/* Unaligned. */
	CHECK_EQ(LC(l.meta_len, 20, 63, 1024, l.slot_off, l.lease_off, l.stats_off, l.owner_off + 4),
		 (uint64_t)-RMEM_WIRE_BAD_LAYOUT);
	/* Offsets near 2^64 must not wrap into "inside". */
	CHECK_EQ(LC(l.meta_len, 20, 63, 1024, l.slot_off, l.lease_off, ~0ull - 7, l.owner_off),
		 (uint64_t)-RMEM_WIRE_BAD_LAYOUT);
	CHECK_EQ(LC(~0ull, 20, 63, 1024, l.slot_off, l.lease_off, ~0ull - 64, l.owner_off),
		 (uint64_t)-RMEM_WIRE_BAD_LAYOUT);
	/* Ranges. */
	CHECK_EQ(LC(l.meta_len, 11, 63, 1024, l.slot_off, l.lease_off, l.stats_off, l.owner_off),
		 (uint64_t)-RMEM_WIRE_BAD_CHUNK);
	CHECK_EQ(LC(l.meta_len, 20, 0, 1024, l.slot_off, l.lease_off, l.stats_off, l.owner_off),
		 (uint64_t)-RMEM_WIRE_BAD_CHUNK);
	CHECK_EQ(LC(l.meta_len, 20, 1ull << 45, 1024, l.slot_off, l.lease_off, l.stats_off, l.owner_off),
		 (uint64_t)-RMEM_WIRE_BAD_CHUNK);
	CHECK_EQ(LC(l.meta_len, 20, 63, 0, l.slot_off, l.lease_off, l.stats_off, l.owner_off),
		 (uint64_t)-RMEM_WIRE_BAD_SLOTS);
	CHECK_EQ(LC(l.meta_len, 20, 63, 65536, l.slot_off, l.lease_off, l.stats_off, l.owner_off),
		 (uint64_t)-RMEM_WIRE_BAD_SLOTS);
#undef LC
}

RMEM_TEST_MAIN(RMEM_REF(known_small_layout), RMEM_REF(odd_sizes),
	       RMEM_REF(sweep_around_boundaries), RMEM_REF(rejects_bad_parameters),
	       RMEM_REF(layout_check_catches_bad_tables))
