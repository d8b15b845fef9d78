// SPDX-License-Identifier: GPL-2.0
/*
 * rdma_cm private data: the accept descriptor, the connect request and the
 * reject.  Valid messages round-trip; every truncated, oversized,
 * wrong-magic, wrong-version, corrupted or semantically invalid one is
 * refused with its own error code, including the zero-padded forms the
 * CM actually delivers.
 */
#include "rmem_test.h"
#include "rmem_proto.h"

static void good_desc(struct rmem_desc *d)
{
	struct rmem_layout l;

	rmem_layout_compute(&l, 64ull << 20, 20, 1024, 4096);
	memset(d, 0, sizeof(*d));
	d->donor_id = 0xd0d0;
	d->epoch = 0x1122334455667788ull;
	d->meta_addr = 0x7f0000000000ull;
	d->meta_len = l.meta_len;
	d->meta_rkey = 0x1234;
	d->lease_rkey = 0x5678;
	d->data_addr = 0x7f0000000000ull + l.data_off;
	d->chunk_count = l.chunk_count;
	d->data_rkey = 0x9abc;
	d->chunk_shift = 20;
	d->slot_count = 1024;
	d->lease_timeout_ms = 30000;
	d->slot_off = l.slot_off;
	d->lease_off = l.lease_off;
	d->stats_off = l.stats_off;
	d->owner_off = l.owner_off;
	d->window_words = RMEM_WINDOW_WORDS_DEFAULT;
}

/* Re-seals @buf (@len bytes, check in the last 4) after a deliberate change. */
static void reseal(uint8_t *buf, size_t len)
{
	__le32 c = cpu_to_le32(rmem_crc32c(0, buf, len - 4));

	memcpy(buf + len - 4, &c, 4);
}

/* Field by field: struct padding is not part of the value. */
static void check_same_desc(const struct rmem_desc *a, const struct rmem_desc *b)
{
	CHECK_EQ(a->donor_id, b->donor_id);
	CHECK_EQ(a->flags, b->flags);
	CHECK_EQ(a->epoch, b->epoch);
	CHECK_EQ(a->meta_addr, b->meta_addr);
	CHECK_EQ(a->meta_len, b->meta_len);
	CHECK_EQ(a->meta_rkey, b->meta_rkey);
	CHECK_EQ(a->lease_rkey, b->lease_rkey);
	CHECK_EQ(a->data_addr, b->data_addr);
	CHECK_EQ(a->chunk_count, b->chunk_count);
	CHECK_EQ(a->data_rkey, b->data_rkey);
	CHECK_EQ(a->chunk_shift, b->chunk_shift);
	CHECK_EQ(a->slot_count, b->slot_count);
	CHECK_EQ(a->lease_timeout_ms, b->lease_timeout_ms);
	CHECK_EQ(a->slot_off, b->slot_off);
	CHECK_EQ(a->lease_off, b->lease_off);
	CHECK_EQ(a->stats_off, b->stats_off);
	CHECK_EQ(a->owner_off, b->owner_off);
	CHECK_EQ(a->window_words, b->window_words);
}

RMEM_CASE(desc_roundtrip)
{
	uint8_t buf[RMEM_CM_REP_PRIV_MAX], again[RMEM_CM_REP_PRIV_MAX];
	struct rmem_desc d, out;

	good_desc(&d);
	memset(buf, 0, sizeof(buf));
	CHECK_EQ(rmem_desc_encode(&d, buf, sizeof(buf)), sizeof(struct rmem_wire_accept));
	memset(&out, 0xa5, sizeof(out));
	CHECK_EQ(rmem_desc_decode(buf, sizeof(struct rmem_wire_accept), &out), 0);
	check_same_desc(&d, &out);
	/* As delivered by the CM: zero padded to the REP size. */
	memset(&out, 0, sizeof(out));
	CHECK_EQ(rmem_desc_decode(buf, sizeof(buf), &out), 0);
	check_same_desc(&d, &out);
	/* Re-encoding gives the same bytes. */
	memset(again, 0, sizeof(again));
	CHECK_EQ(rmem_desc_encode(&out, again, sizeof(again)), sizeof(struct rmem_wire_accept));
	CHECK_MEM(buf, again, sizeof(buf));
}

RMEM_CASE(desc_rejects_every_truncation)
{
	uint8_t buf[RMEM_CM_REP_PRIV_MAX], pad[RMEM_CM_REP_PRIV_MAX];
	const size_t n = sizeof(struct rmem_wire_accept);
	struct rmem_desc d, out;
	size_t len;

	good_desc(&d);
	rmem_desc_encode(&d, buf, sizeof(buf));
	for (len = 0; len < n; len++) {
		int err = rmem_desc_decode(buf, len, &out);

		CHECK_EQ(err, (uint64_t)-RMEM_WIRE_TRUNCATED);
		/* The same bytes zero padded, as the CM would hand them over. */
		memset(pad, 0, sizeof(pad));
		memcpy(pad, buf, len);
		err = rmem_desc_decode(pad, sizeof(pad), &out);
		CHECK(err < 0);
		if (len >= 8)
			CHECK_EQ(err, (uint64_t)-RMEM_WIRE_BAD_CHECK);
	}
	CHECK_EQ(rmem_desc_decode(NULL, 0, &out), (uint64_t)-RMEM_WIRE_TRUNCATED);
}

RMEM_CASE(desc_rejects_oversized)
{
	uint8_t buf[4096];
	struct rmem_desc d, out;
	size_t len;

	good_desc(&d);
	memset(buf, 0, sizeof(buf));
	rmem_desc_encode(&d, buf, sizeof(buf));
	CHECK_EQ(rmem_desc_decode(buf, RMEM_CM_REP_PRIV_MAX, &out), 0);
	for (len = RMEM_CM_REP_PRIV_MAX + 1; len < sizeof(buf); len += 97)
		CHECK_EQ(rmem_desc_decode(buf, len, &out), (uint64_t)-RMEM_WIRE_OVERSIZED);
	CHECK_EQ(rmem_desc_decode(buf, ~(size_t)0, &out), (uint64_t)-RMEM_WIRE_OVERSIZED);
}

RMEM_CASE(desc_rejects_wrong_magic_version_length)
{
	const size_t n = sizeof(struct rmem_wire_accept);
	/* 1: before "free chunks are zeros" (rmem_wire.h), refused now. */
	static const uint16_t versions[] = { 0, 1, RMEM_WIRE_VERSION + 1, 0x100, 0xffff };
	uint8_t buf[RMEM_CM_REP_PRIV_MAX], t[RMEM_CM_REP_PRIV_MAX];
	struct rmem_desc d, out;
	size_t i;

	good_desc(&d);
	memset(buf, 0, sizeof(buf));
	rmem_desc_encode(&d, buf, sizeof(buf));

	memcpy(t, buf, sizeof(t));
	t[0] ^= 0x20;		/* "rMEM" */
	reseal(t, n);
	CHECK_EQ(rmem_desc_decode(t, n, &out), (uint64_t)-RMEM_WIRE_BAD_MAGIC);

	for (i = 0; i < RMEM_ARRAY_SIZE(versions); i++) {
		__le16 v = cpu_to_le16(versions[i]);

		memcpy(t, buf, sizeof(t));
		memcpy(t + 4, &v, 2);
		reseal(t, n);
		CHECK_EQ(rmem_desc_decode(t, sizeof(t), &out), (uint64_t)-RMEM_WIRE_BAD_VERSION);
		/* Even unsealed: version is checked before the check value. */
		memcpy(t, buf, sizeof(t));
		memcpy(t + 4, &v, 2);
		CHECK_EQ(rmem_desc_decode(t, sizeof(t), &out), (uint64_t)-RMEM_WIRE_BAD_VERSION);
	}
	for (i = 0; i < 400; i += 7) {
		__le16 l = cpu_to_le16((uint16_t)i);

		if (i == n)
			continue;
		memcpy(t, buf, sizeof(t));
		memcpy(t + 6, &l, 2);
		CHECK_EQ(rmem_desc_decode(t, sizeof(t), &out), (uint64_t)-RMEM_WIRE_BAD_LENGTH);
	}
}

RMEM_CASE(desc_rejects_every_bit_flip)
{
	const size_t n = sizeof(struct rmem_wire_accept);
	uint8_t buf[RMEM_CM_REP_PRIV_MAX], t[RMEM_CM_REP_PRIV_MAX];
	struct rmem_desc d, out;
	size_t bit;

	good_desc(&d);
	memset(buf, 0, sizeof(buf));
	rmem_desc_encode(&d, buf, sizeof(buf));
	for (bit = 0; bit < n * 8; bit++) {
		memcpy(t, buf, sizeof(t));
		t[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		CHECK(rmem_desc_decode(t, sizeof(t), &out) < 0);
	}
}

/* Encodes @d without validation (a buggy or hostile donor) and decodes it. */
static int decode_raw(const struct rmem_desc *d)
{
	struct rmem_wire_accept w;
	struct rmem_desc out;

	memset(&w, 0, sizeof(w));
	w.magic = cpu_to_le32(RMEM_WIRE_MAGIC);
	w.version = cpu_to_le16(RMEM_WIRE_VERSION);
	w.length = cpu_to_le16(sizeof(w));
	w.donor_id = cpu_to_le32(d->donor_id);
	w.flags = cpu_to_le32(d->flags);
	w.epoch = cpu_to_le64(d->epoch);
	w.meta_addr = cpu_to_le64(d->meta_addr);
	w.meta_len = cpu_to_le64(d->meta_len);
	w.meta_rkey = cpu_to_le32(d->meta_rkey);
	w.lease_rkey = cpu_to_le32(d->lease_rkey);
	w.data_addr = cpu_to_le64(d->data_addr);
	w.chunk_count = cpu_to_le64(d->chunk_count);
	w.data_rkey = cpu_to_le32(d->data_rkey);
	w.chunk_shift = cpu_to_le32(d->chunk_shift);
	w.slot_count = cpu_to_le32(d->slot_count);
	w.lease_timeout_ms = cpu_to_le32(d->lease_timeout_ms);
	w.slot_off = cpu_to_le64(d->slot_off);
	w.lease_off = cpu_to_le64(d->lease_off);
	w.stats_off = cpu_to_le64(d->stats_off);
	w.owner_off = cpu_to_le64(d->owner_off);
	w.window_words = cpu_to_le32(d->window_words);
	reseal((uint8_t *)&w, sizeof(w));
	return rmem_desc_decode(&w, sizeof(w), &out);
}

RMEM_CASE(desc_rejects_invalid_fields)
{
	struct rmem_desc g, d;
	uint8_t buf[RMEM_CM_REP_PRIV_MAX];

	good_desc(&g);
	CHECK_EQ(decode_raw(&g), 0);
#define BAD(field, value, code)                                               \
	do {                                                                  \
		d = g;                                                        \
		d.field = value;                                              \
		CHECK_EQ(decode_raw(&d), (uint64_t)-(code));                  \
		CHECK_EQ(rmem_desc_encode(&d, buf, sizeof(buf)), (uint64_t)-(code)); \
	} while (0)
	BAD(flags, 1, RMEM_WIRE_BAD_FLAGS);
	BAD(epoch, 0, RMEM_WIRE_BAD_EPOCH);
	BAD(chunk_shift, 11, RMEM_WIRE_BAD_CHUNK);
	BAD(chunk_shift, 31, RMEM_WIRE_BAD_CHUNK);
	BAD(chunk_shift, 0xffffffffu, RMEM_WIRE_BAD_CHUNK);
	BAD(chunk_count, 0, RMEM_WIRE_BAD_CHUNK);
	BAD(chunk_count, ~0ull, RMEM_WIRE_BAD_CHUNK);
	BAD(slot_count, 0, RMEM_WIRE_BAD_SLOTS);
	BAD(slot_count, 65536, RMEM_WIRE_BAD_SLOTS);
	BAD(slot_count, 2048, RMEM_WIRE_BAD_LAYOUT);	/* table now overlaps the leases */
	BAD(meta_len, 4096, RMEM_WIRE_BAD_LAYOUT);
	BAD(owner_off, g.stats_off, RMEM_WIRE_BAD_LAYOUT);
	BAD(owner_off, g.owner_off + 1, RMEM_WIRE_BAD_LAYOUT);
	BAD(stats_off, 0, RMEM_WIRE_BAD_LAYOUT);
	BAD(lease_off, ~0ull - 8, RMEM_WIRE_BAD_LAYOUT);
	BAD(meta_addr, 0, RMEM_WIRE_BAD_ADDR);
	BAD(meta_addr, ~0ull - 100, RMEM_WIRE_BAD_ADDR);
	BAD(data_addr, 0, RMEM_WIRE_BAD_ADDR);
	BAD(data_addr, ~0ull - (1ull << 20), RMEM_WIRE_BAD_ADDR);
	BAD(window_words, 0, RMEM_WIRE_BAD_WINDOW);
	BAD(window_words, RMEM_WINDOW_WORDS_MAX + 1, RMEM_WIRE_BAD_WINDOW);
	BAD(lease_timeout_ms, 0, RMEM_WIRE_BAD_LEASE);
	BAD(lease_timeout_ms, RMEM_LEASE_TIMEOUT_MAX_MS + 1, RMEM_WIRE_BAD_LEASE);
#undef BAD
	/* Too small an output buffer. */
	CHECK_EQ(rmem_desc_encode(&g, buf, sizeof(struct rmem_wire_accept) - 1),
		 (uint64_t)-RMEM_WIRE_TRUNCATED);
}

RMEM_CASE(connect_request)
{
	const size_t n = sizeof(struct rmem_wire_connect);
	uint8_t buf[RMEM_CM_REQ_PRIV_MAX], t[RMEM_CM_REQ_PRIV_MAX + 8];
	struct rmem_connect_req r = { .version = 0, .host_id = 0xabcdef, .flags = 0 }, out;
	size_t len;
	__le16 v;

	memset(buf, 0, sizeof(buf));
	CHECK_EQ(rmem_connect_encode(&r, buf, sizeof(buf)), n);
	CHECK_EQ(rmem_connect_decode(buf, n, &out), 0);
	CHECK_EQ(out.host_id, 0xabcdef);
	CHECK_EQ(out.version, RMEM_WIRE_VERSION);
	CHECK_EQ(rmem_connect_decode(buf, sizeof(buf), &out), 0);	/* padded */
	for (len = 0; len < n; len++) {
		CHECK_EQ(rmem_connect_decode(buf, len, &out), (uint64_t)-RMEM_WIRE_TRUNCATED);
		memset(t, 0, sizeof(t));
		memcpy(t, buf, len);
		CHECK(rmem_connect_decode(t, RMEM_CM_REQ_PRIV_MAX, &out) < 0);
	}
	memset(t, 0, sizeof(t));
	memcpy(t, buf, n);
	CHECK_EQ(rmem_connect_decode(t, RMEM_CM_REQ_PRIV_MAX + 1, &out),
		 (uint64_t)-RMEM_WIRE_OVERSIZED);
	/* Versions: the next one, and 1 (a host that frees without clearing). */
	v = cpu_to_le16(RMEM_WIRE_VERSION + 1);
	memcpy(t, buf, n);
	memcpy(t + 4, &v, 2);
	reseal(t, n);
	CHECK_EQ(rmem_connect_decode(t, n, &out), (uint64_t)-RMEM_WIRE_BAD_VERSION);
	CHECK_EQ(rmem_wire_peek_version(t, n), RMEM_WIRE_VERSION + 1);
	v = cpu_to_le16(1);
	memcpy(t + 4, &v, 2);
	reseal(t, n);
	CHECK_EQ(rmem_connect_decode(t, n, &out), (uint64_t)-RMEM_WIRE_BAD_VERSION);
	/* Flags. */
	r.flags = 4;
	CHECK_EQ(rmem_connect_encode(&r, t, sizeof(t)), (uint64_t)-RMEM_WIRE_BAD_FLAGS);
	memcpy(t, buf, n);
	t[16] = 1;
	reseal(t, n);
	CHECK_EQ(rmem_connect_decode(t, n, &out), (uint64_t)-RMEM_WIRE_BAD_FLAGS);
	/* Garbage, all zeros, all ones. */
	memset(t, 0, sizeof(t));
	CHECK_EQ(rmem_connect_decode(t, RMEM_CM_REQ_PRIV_MAX, &out), (uint64_t)-RMEM_WIRE_BAD_MAGIC);
	memset(t, 0xff, sizeof(t));
	CHECK_EQ(rmem_connect_decode(t, RMEM_CM_REQ_PRIV_MAX, &out), (uint64_t)-RMEM_WIRE_BAD_MAGIC);
}

RMEM_CASE(reject_message)
{
	const size_t n = sizeof(struct rmem_wire_reject);
	struct rmem_reject r = { RMEM_REJ_BAD_VERSION, RMEM_WIRE_BAD_VERSION, 1, 1 }, out;
	uint8_t buf[RMEM_CM_REJ_PRIV_MAX], t[RMEM_CM_REJ_PRIV_MAX];
	size_t len;
	unsigned int reason;

	memset(buf, 0, sizeof(buf));
	CHECK_EQ(rmem_reject_encode(&r, buf, sizeof(buf)), n);
	CHECK_EQ(rmem_reject_decode(buf, sizeof(buf), &out), 0);
	CHECK_MEM(&r, &out, sizeof(r));
	for (len = 0; len < n; len++) {
		CHECK_EQ(rmem_reject_decode(buf, len, &out), (uint64_t)-RMEM_WIRE_TRUNCATED);
		memset(t, 0, sizeof(t));
		memcpy(t, buf, len);
		CHECK(rmem_reject_decode(t, sizeof(t), &out) < 0);
	}
	CHECK_EQ(rmem_reject_decode(buf, RMEM_CM_REJ_PRIV_MAX + 1, &out),
		 (uint64_t)-RMEM_WIRE_OVERSIZED);
	for (reason = 0; reason < 10; reason++) {
		r.reason = (uint16_t)reason;
		if (reason >= 1 && reason <= RMEM_REJ_MAX_REASON) {
			CHECK_EQ(rmem_reject_encode(&r, t, sizeof(t)), n);
			CHECK_EQ(rmem_reject_decode(t, n, &out), 0);
		} else {
			CHECK_EQ(rmem_reject_encode(&r, t, sizeof(t)), (uint64_t)-RMEM_WIRE_BAD_REASON);
			memcpy(t, buf, n);
			t[8] = (uint8_t)reason;
			reseal(t, n);
			CHECK_EQ(rmem_reject_decode(t, n, &out), (uint64_t)-RMEM_WIRE_BAD_REASON);
		}
	}
	r.reason = RMEM_REJ_MALFORMED;
	r.min_version = 3;
	r.max_version = 2;
	CHECK_EQ(rmem_reject_encode(&r, t, sizeof(t)), (uint64_t)-RMEM_WIRE_BAD_REASON);
}

RMEM_CASE(reasons_and_strings)
{
	const char *seen[RMEM_WIRE_ERR_COUNT];
	int i, j;

	for (i = 0; i < RMEM_WIRE_ERR_COUNT; i++) {
		seen[i] = rmem_wire_strerror(i);
		CHECK(seen[i] && *seen[i]);
		CHECK_STR(rmem_wire_strerror(-i), seen[i]);
		for (j = 0; j < i; j++)
			CHECK(strcmp(seen[i], seen[j]));
	}
	CHECK_STR(rmem_wire_strerror(RMEM_WIRE_ERR_COUNT), "unknown wire error");
	CHECK_STR(rmem_wire_strerror(-1000), "unknown wire error");
	for (i = 1; i <= RMEM_REJ_MAX_REASON; i++)
		CHECK(strcmp(rmem_reject_str((unsigned int)i), "unknown reason"));
	CHECK_STR(rmem_reject_str(0), "unknown reason");
	CHECK_STR(rmem_reject_str(99), "unknown reason");
	CHECK_EQ(rmem_reject_reason_for(-RMEM_WIRE_BAD_MAGIC), RMEM_REJ_BAD_MAGIC);
	CHECK_EQ(rmem_reject_reason_for(-RMEM_WIRE_BAD_VERSION), RMEM_REJ_BAD_VERSION);
	CHECK_EQ(rmem_reject_reason_for(-RMEM_WIRE_TRUNCATED), RMEM_REJ_MALFORMED);
	CHECK_EQ(rmem_reject_reason_for(-RMEM_WIRE_BAD_CHECK), RMEM_REJ_MALFORMED);
	CHECK_EQ(rmem_reject_reason_for(RMEM_WIRE_BAD_FLAGS), RMEM_REJ_MALFORMED);
}

RMEM_CASE(superblock_matches_descriptor)
{
	struct rmem_wire_superblock sb;
	struct rmem_layout l;
	struct rmem_desc d;

	good_desc(&d);
	rmem_layout_compute(&l, 64ull << 20, 20, 1024, 4096);
	rmem_sb_encode(&sb, &l, d.donor_id, d.epoch, d.lease_timeout_ms, d.window_words, 1);
	CHECK_EQ(rmem_sb_check(&sb, &d), 0);
	d.epoch++;
	CHECK_EQ(rmem_sb_check(&sb, &d), (uint64_t)-RMEM_WIRE_MISMATCH);
	d.epoch--;
	d.owner_off += 8;
	CHECK_EQ(rmem_sb_check(&sb, &d), (uint64_t)-RMEM_WIRE_MISMATCH);
	d.owner_off -= 8;
	sb.layout_version = cpu_to_le32(2);
	CHECK_EQ(rmem_sb_check(&sb, &d), (uint64_t)-RMEM_WIRE_BAD_VERSION);
	sb.magic = 0;
	CHECK_EQ(rmem_sb_check(&sb, &d), (uint64_t)-RMEM_WIRE_BAD_MAGIC);
}

RMEM_TEST_MAIN(RMEM_REF(desc_roundtrip), RMEM_REF(desc_rejects_every_truncation),
	       RMEM_REF(desc_rejects_oversized), RMEM_REF(desc_rejects_wrong_magic_version_length),
	       RMEM_REF(desc_rejects_every_bit_flip), RMEM_REF(desc_rejects_invalid_fields),
	       RMEM_REF(connect_request), RMEM_REF(reject_message),
	       RMEM_REF(reasons_and_strings), RMEM_REF(superblock_matches_descriptor))
