// SPDX-License-Identifier: GPL-2.0
/*
 * Owner words: every (slot, generation, vchunk) a host can hold must encode
 * to a nonzero word that decodes back to the same triple, and nothing else
 * may look like it belongs to that holder.  Also the lease watch the
 * reaper decides with.
 */
#include "rmem_test.h"
#include "rmem_proto.h"

static uint64_t rng_state = 0x1234567887654321ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

RMEM_CASE(roundtrip_edges)
{
	static const uint32_t slots[] = { 0, 1, 2, 1023, 1024, 65533, 65534 };
	static const uint32_t gens[] = { 0, 1, 254, 255, 256, 257, 0xffffffffu };
	static const uint64_t vchunks[] = { 0, 1, 2, 1ull << 20, RMEM_VCHUNK_MAX - 1,
					    RMEM_VCHUNK_MAX };
	size_t i, j, k;

	for (i = 0; i < RMEM_ARRAY_SIZE(slots); i++)
		for (j = 0; j < RMEM_ARRAY_SIZE(gens); j++)
			for (k = 0; k < RMEM_ARRAY_SIZE(vchunks); k++) {
				uint64_t w = rmem_owner_encode(slots[i], gens[j], vchunks[k]);
				struct rmem_owner o;

				CHECK(w != RMEM_OWNER_FREE);
				CHECK_EQ(rmem_owner_decode(w, &o), 0);
				CHECK_EQ(o.slot, slots[i]);
				CHECK_EQ(o.gen, gens[j] & 0xff);
				CHECK_EQ(o.vchunk, vchunks[k]);
				CHECK(rmem_owner_is(w, slots[i], gens[j]));
				CHECK(rmem_owner_in_slot(w, slots[i]));
				CHECK_EQ(w & RMEM_OWNER_TAG_MASK, rmem_owner_tag(slots[i], gens[j]));
			}
}

RMEM_CASE(roundtrip_random)
{
	int i;

	for (i = 0; i < 200000; i++) {
		uint32_t slot = (uint32_t)(rng() % RMEM_SLOTS_MAX);
		uint32_t gen = (uint32_t)rng();
		uint64_t v = rng() & RMEM_VCHUNK_MAX;
		uint64_t w = rmem_owner_encode(slot, gen, v);
		struct rmem_owner o;

		if (w == RMEM_OWNER_FREE || rmem_owner_decode(w, &o) || o.slot != slot ||
		    o.gen != (gen & 0xff) || o.vchunk != v) {
			CHECK(!"random roundtrip failed");
			printf("#   slot %u gen %u vchunk %" PRIu64 " -> %016" PRIx64 "\n", slot,
			       gen, v, w);
			return;
		}
	}
}

RMEM_CASE(unencodable_inputs_give_free)
{
	/* 0 means free: a caller that ignores the check cannot CAS "free". */
	CHECK_EQ(rmem_owner_encode(RMEM_SLOTS_MAX, 0, 0), RMEM_OWNER_FREE);
	CHECK_EQ(rmem_owner_encode(0xffffffffu, 0, 0), RMEM_OWNER_FREE);
	CHECK_EQ(rmem_owner_encode(0, 0, RMEM_VCHUNK_MAX + 1), RMEM_OWNER_FREE);
	CHECK_EQ(rmem_owner_encode(0, 0, ~0ull), RMEM_OWNER_FREE);
}

RMEM_CASE(decode_free_and_invalid)
{
	struct rmem_owner o = { 7, 7, 7 };

	CHECK_EQ(rmem_owner_decode(0, &o), (uint64_t)-ENOENT);
	CHECK_EQ(o.slot, 7);	/* untouched */
	CHECK_EQ(rmem_owner_decode(1, &o), (uint64_t)-EINVAL);
	CHECK_EQ(rmem_owner_decode(RMEM_VCHUNK_MAX, &o), (uint64_t)-EINVAL);
	CHECK_EQ(rmem_owner_decode(0xffull << RMEM_OWNER_GEN_SHIFT, &o), (uint64_t)-EINVAL);
	/* slot field 0xffff decodes (slot 65534 is the last valid one). */
	CHECK_EQ(rmem_owner_decode(~0ull, &o), 0);
	CHECK_EQ(o.slot, 65534);
	CHECK(!rmem_owner_is(0, 0, 0));
	CHECK(!rmem_owner_in_slot(0, 0));
}

RMEM_CASE(other_holders_never_match)
{
	uint64_t w = rmem_owner_encode(5, 3, 42);

	CHECK(!rmem_owner_is(w, 4, 3));
	CHECK(!rmem_owner_is(w, 6, 3));
	CHECK(!rmem_owner_is(w, 5, 2));
	CHECK(!rmem_owner_is(w, 5, 4));
	CHECK(rmem_owner_is(w, 5, 3 + 256));	/* only 8 generation bits: documented */
	CHECK(rmem_owner_in_slot(w, 5));
	CHECK(!rmem_owner_in_slot(w, 4));
	/* Different vchunks of one holder differ, and share the tag. */
	CHECK(rmem_owner_encode(5, 3, 42) != rmem_owner_encode(5, 3, 43));
	CHECK(rmem_owner_is(rmem_owner_encode(5, 3, 43), 5, 3));
}

RMEM_CASE(device_ids)
{
	CHECK(!rmem_device_id_valid(RMEM_DEVICE_NONE));
	CHECK(!rmem_device_id_valid(RMEM_DEVICE_RECLAIMING));
	CHECK(rmem_device_id_valid(1));
	CHECK(rmem_device_id_valid(0xfffffffffffffffeull));
}

RMEM_CASE(lease_watch)
{
	struct rmem_lease_watch w;

	memset(&w, 0, sizeof(w));
	CHECK_EQ(rmem_lease_watch_update(&w, 0, 0, 0, 1000, 500), RMEM_LEASE_FREE);
	/* A claim starts the clock, even with a counter left by the last tenant. */
	CHECK_EQ(rmem_lease_watch_update(&w, 9, 0, 0, 2000, 500), RMEM_LEASE_ALIVE);
	CHECK_EQ(rmem_lease_watch_update(&w, 9, 0, 0, 2499, 500), RMEM_LEASE_ALIVE);
	CHECK_EQ(rmem_lease_watch_update(&w, 9, 0, 1, 2499, 500), RMEM_LEASE_ALIVE);
	CHECK_EQ(rmem_lease_watch_update(&w, 9, 0, 1, 2998, 500), RMEM_LEASE_ALIVE);
	CHECK_EQ(rmem_lease_watch_update(&w, 9, 0, 1, 2999, 500), RMEM_LEASE_EXPIRED);
	/* Still expired on the next look if nobody acted. */
	CHECK_EQ(rmem_lease_watch_update(&w, 9, 0, 1, 3100, 500), RMEM_LEASE_EXPIRED);
	/* New tenant (generation moved) gets a fresh timeout. */
	CHECK_EQ(rmem_lease_watch_update(&w, 9, 1, 1, 3200, 500), RMEM_LEASE_ALIVE);
	CHECK_EQ(rmem_lease_watch_update(&w, 9, 1, 1, 3600, 500), RMEM_LEASE_ALIVE);
	CHECK_EQ(rmem_lease_watch_update(&w, 10, 1, 1, 3650, 500), RMEM_LEASE_ALIVE);
	CHECK_EQ(rmem_lease_watch_update(&w, 10, 1, 1, 4100, 500), RMEM_LEASE_ALIVE);
	CHECK_EQ(rmem_lease_watch_update(&w, RMEM_DEVICE_RECLAIMING, 1, 1, 9000, 500),
		 RMEM_LEASE_FREE);
}

RMEM_CASE(crc32c_check_value)
{
	CHECK_EQ(rmem_crc32c(0, "123456789", 9), 0xe3069283u);
	CHECK_EQ(rmem_crc32c(0, "", 0), 0);
}

RMEM_TEST_MAIN(RMEM_REF(roundtrip_edges), RMEM_REF(roundtrip_random),
	       RMEM_REF(unencodable_inputs_give_free), RMEM_REF(decode_free_and_invalid),
	       RMEM_REF(other_holders_never_match), RMEM_REF(device_ids),
	       RMEM_REF(lease_watch), RMEM_REF(crc32c_check_value))
