// SPDX-License-Identifier: GPL-2.0
/*
 * rdma_cm private data: the accept descriptor, the connect request, the
 * reject and the challenge, and the pure parts of host authentication
 * (what a tag covers, the key file).  Valid messages round-trip; every
 * truncated, oversized,
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
	CHECK_MEM(a->tag, b->tag, sizeof(a->tag));
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
	/* The donor's proof rides along, flag and tag, as sent. */
	d.flags = RMEM_ACCEPT_F_AUTH;
	memset(d.tag, 0xa7, sizeof(d.tag));
	memset(buf, 0, sizeof(buf));
	CHECK_EQ(rmem_desc_encode(&d, buf, sizeof(buf)), sizeof(struct rmem_wire_accept));
	CHECK_MEM(buf + offsetof(struct rmem_wire_accept, tag), d.tag, sizeof(d.tag));
	memset(&out, 0, sizeof(out));
	CHECK_EQ(rmem_desc_decode(buf, sizeof(buf), &out), 0);
	check_same_desc(&d, &out);
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
	memcpy(w.tag, d->tag, sizeof(w.tag));
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
	BAD(flags, 2, RMEM_WIRE_BAD_FLAGS);
	BAD(flags, ~RMEM_ACCEPT_F_AUTH, RMEM_WIRE_BAD_FLAGS);
	BAD(tag[15], 1, RMEM_WIRE_BAD_FLAGS);	/* a tag without the flag */
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
	/* Flags: an unknown one, and HELLO with AUTH (one kind at a time). */
	r.flags = 4;
	CHECK_EQ(rmem_connect_encode(&r, t, sizeof(t)), (uint64_t)-RMEM_WIRE_BAD_FLAGS);
	r.flags = RMEM_CONNECT_F_ALL;
	CHECK_EQ(rmem_connect_encode(&r, t, sizeof(t)), (uint64_t)-RMEM_WIRE_BAD_FLAGS);
	memcpy(t, buf, n);
	t[16] = 4;
	reseal(t, n);
	CHECK_EQ(rmem_connect_decode(t, n, &out), (uint64_t)-RMEM_WIRE_BAD_FLAGS);
	t[16] = RMEM_CONNECT_F_ALL;
	reseal(t, n);
	CHECK_EQ(rmem_connect_decode(t, n, &out), (uint64_t)-RMEM_WIRE_BAD_FLAGS);
	t[19] = 0x80;	/* the flag word's top bit */
	t[16] = 0;
	reseal(t, n);
	CHECK_EQ(rmem_connect_decode(t, n, &out), (uint64_t)-RMEM_WIRE_BAD_FLAGS);
	/* Garbage, all zeros, all ones. */
	memset(t, 0, sizeof(t));
	CHECK_EQ(rmem_connect_decode(t, RMEM_CM_REQ_PRIV_MAX, &out), (uint64_t)-RMEM_WIRE_BAD_MAGIC);
	memset(t, 0xff, sizeof(t));
	CHECK_EQ(rmem_connect_decode(t, RMEM_CM_REQ_PRIV_MAX, &out), (uint64_t)-RMEM_WIRE_BAD_MAGIC);
}

/* Encodes @r's fields as given, sealed, without the encoder's checks. */
static void connect_raw(const struct rmem_connect_req *r, uint8_t *buf)
{
	struct rmem_wire_connect w;

	memset(&w, 0, sizeof(w));
	w.magic = cpu_to_le32(RMEM_WIRE_MAGIC);
	w.version = cpu_to_le16(RMEM_WIRE_VERSION);
	w.length = cpu_to_le16(sizeof(w));
	w.host_id = cpu_to_le64(r->host_id);
	w.flags = cpu_to_le32(r->flags);
	memcpy(w.nonce, r->nonce, sizeof(w.nonce));
	memcpy(w.tag, r->tag, sizeof(w.tag));
	reseal((uint8_t *)&w, sizeof(w));
	memcpy(buf, &w, sizeof(w));
}

/*
 * HELLO carries the host's nonce, AUTH the donor's nonce and a tag, a plain
 * request neither: whatever a kind does not use must be zero, so a field
 * can never be read under the wrong meaning.
 */
RMEM_CASE(connect_auth_kinds)
{
	static const struct {
		u32 flags;
		bool nonce, tag;
		int want;
	} rules[] = {
		{ 0, false, false, 0 },
		{ 0, true, false, -RMEM_WIRE_BAD_FLAGS },
		{ 0, false, true, -RMEM_WIRE_BAD_FLAGS },
		{ RMEM_CONNECT_F_HELLO, true, false, 0 },
		{ RMEM_CONNECT_F_HELLO, false, false, 0 },
		{ RMEM_CONNECT_F_HELLO, true, true, -RMEM_WIRE_BAD_FLAGS },
		{ RMEM_CONNECT_F_AUTH, true, true, 0 },
		{ RMEM_CONNECT_F_AUTH, false, false, 0 },
		{ RMEM_CONNECT_F_ALL, true, true, -RMEM_WIRE_BAD_FLAGS },
		{ 8, false, false, -RMEM_WIRE_BAD_FLAGS },
	};
	const size_t n = sizeof(struct rmem_wire_connect);
	uint8_t buf[RMEM_CM_REQ_PRIV_MAX], t[RMEM_CM_REQ_PRIV_MAX];
	struct rmem_connect_req r, out;
	size_t i, bit;

	for (i = 0; i < RMEM_ARRAY_SIZE(rules); i++) {
		unsigned int before = rmem_case_failures;

		memset(&r, 0, sizeof(r));
		r.host_id = 0x1234 + i;
		r.flags = rules[i].flags;
		if (rules[i].nonce)
			memset(r.nonce, 0x11 + (int)i, sizeof(r.nonce));
		if (rules[i].tag)
			memset(r.tag, 0x5a, sizeof(r.tag));
		memset(buf, 0, sizeof(buf));
		CHECK_EQ(rmem_connect_encode(&r, buf, sizeof(buf)),
			 (uint64_t)(rules[i].want ? rules[i].want : (int)n));
		connect_raw(&r, t);
		memset(&out, 0xa5, sizeof(out));
		CHECK_EQ(rmem_connect_decode(t, RMEM_CM_REQ_PRIV_MAX, &out), (uint64_t)rules[i].want);
		if (!rules[i].want) {
			CHECK_MEM(buf, t, n);
			CHECK_EQ(out.flags, r.flags);
			CHECK_EQ(out.host_id, r.host_id);
			CHECK_MEM(out.nonce, r.nonce, sizeof(r.nonce));
			CHECK_MEM(out.tag, r.tag, sizeof(r.tag));
		}
		if (rmem_case_failures != before)
			printf("#   rule %zu: flags %u nonce %d tag %d\n", i, rules[i].flags,
			       rules[i].nonce, rules[i].tag);
	}
	/* The check covers the nonce and the tag: any bit changed in transit is refused. */
	memset(&r, 0, sizeof(r));
	r.flags = RMEM_CONNECT_F_AUTH;
	memset(r.nonce, 0x33, sizeof(r.nonce));
	memset(r.tag, 0x44, sizeof(r.tag));
	CHECK_EQ(rmem_connect_encode(&r, buf, sizeof(buf)), n);
	for (bit = 20 * 8; bit < 52 * 8; bit++) {
		memcpy(t, buf, n);
		t[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		CHECK_EQ(rmem_connect_decode(t, n, &out), (uint64_t)-RMEM_WIRE_BAD_CHECK);
	}
}

/* A challenge rides behind a reject in the same private data, as the CM pads it. */
RMEM_CASE(challenge_roundtrip_and_corruption)
{
	const size_t off = sizeof(struct rmem_wire_reject), n = sizeof(struct rmem_wire_challenge);
	struct rmem_reject rej = { RMEM_REJ_CHALLENGE, 0, RMEM_WIRE_VERSION_MIN, RMEM_WIRE_VERSION };
	uint8_t buf[RMEM_CM_REJ_PRIV_MAX + 8], t[RMEM_CM_REJ_PRIV_MAX + 8];
	uint8_t nd[RMEM_AUTH_NONCE_LEN], got[RMEM_AUTH_NONCE_LEN];
	struct rmem_reject out;
	size_t i, len;

	for (i = 0; i < sizeof(nd); i++)
		nd[i] = (uint8_t)(0xc0 + i);
	memset(buf, 0, sizeof(buf));
	CHECK_EQ(rmem_reject_encode(&rej, buf, sizeof(buf)), off);
	CHECK_EQ(rmem_challenge_encode(nd, buf + off, sizeof(buf) - off), n);
	CHECK_EQ(rmem_challenge_encode(nd, t, n - 1), (uint64_t)-RMEM_WIRE_TRUNCATED);
	/* A host of any version still reads the reject in front of it. */
	CHECK_EQ(rmem_reject_decode(buf, RMEM_CM_REJ_PRIV_MAX, &out), 0);
	CHECK_EQ(out.reason, RMEM_REJ_CHALLENGE);
	memset(got, 0, sizeof(got));
	CHECK_EQ(rmem_challenge_decode(buf, off + n, got), 0);
	CHECK_MEM(got, nd, sizeof(nd));
	CHECK_EQ(rmem_challenge_decode(buf, RMEM_CM_REJ_PRIV_MAX, got), 0);	/* padded */
	CHECK_EQ(rmem_challenge_decode(buf, RMEM_CM_REJ_PRIV_MAX + 1, got),
		 (uint64_t)-RMEM_WIRE_OVERSIZED);
	CHECK_EQ(rmem_challenge_decode(NULL, 0, got), (uint64_t)-RMEM_WIRE_TRUNCATED);
	for (len = 0; len < off + n; len++) {
		CHECK(rmem_challenge_decode(buf, len, got) < 0);
		memset(t, 0, sizeof(t));
		memcpy(t, buf, len);
		CHECK(rmem_challenge_decode(t, RMEM_CM_REJ_PRIV_MAX, got) < 0);
	}
	/* A reject without a challenge (every other reason) has none to take. */
	memset(t, 0, sizeof(t));
	memcpy(t, buf, off);
	CHECK_EQ(rmem_challenge_decode(t, RMEM_CM_REJ_PRIV_MAX, got), (uint64_t)-RMEM_WIRE_BAD_MAGIC);
	for (i = off * 8; i < (off + n) * 8; i++) {
		memcpy(t, buf, sizeof(buf));
		t[i / 8] ^= (uint8_t)(1u << (i % 8));
		CHECK(rmem_challenge_decode(t, RMEM_CM_REJ_PRIV_MAX, got) < 0);
	}
	memcpy(t, buf, sizeof(buf));
	t[off + 4] = RMEM_WIRE_VERSION + 1;
	reseal(t + off, n);
	CHECK_EQ(rmem_challenge_decode(t, RMEM_CM_REJ_PRIV_MAX, got), (uint64_t)-RMEM_WIRE_BAD_VERSION);
}

/*
 * What a tag covers: host and donor inputs never coincide (a host's tag
 * replayed as the donor's proves nothing), both nonces and the host id
 * count, and the donor's covers the descriptor as sent but its own tag.
 */
RMEM_CASE(auth_input_covers_what_it_says)
{
	uint8_t a[RMEM_AUTH_INPUT_MAX], b[RMEM_AUTH_INPUT_MAX], nd[RMEM_AUTH_NONCE_LEN],
		nh[RMEM_AUTH_NONCE_LEN];
	const size_t host_len = sizeof(RMEM_AUTH_LABEL_HOST) + 2 * RMEM_AUTH_NONCE_LEN + 8 + 34;
	const uint8_t v4[4] = { 10, 0, 0, 2 };
	struct rmem_auth_where w, x;
	struct rmem_desc d, e;
	size_t na, nb;

	memset(nd, 0xd1, sizeof(nd));
	memset(nh, 0x4e, sizeof(nh));
	memset(&w, 0, sizeof(w));
	rmem_auth_addr(w.host, false, v4);
	memset(w.donor, 0x20, sizeof(w.donor));
	w.donor_port = 7471;
	/* IPv4 in its mapped IPv6 form: one shape for both families. */
	CHECK_MEM(w.host, "\0\0\0\0\0\0\0\0\0\0\xff\xff\x0a\0\0\x02", 16);
	good_desc(&d);
	d.flags = RMEM_ACCEPT_F_AUTH;
	na = rmem_auth_input(a, false, nd, nh, 42, &w, NULL);
	CHECK_EQ(na, host_len);
	CHECK_MEM(a, RMEM_AUTH_LABEL_HOST, sizeof(RMEM_AUTH_LABEL_HOST));
	/* The host's input ignores a descriptor: it has none yet. */
	nb = rmem_auth_input(b, false, nd, nh, 42, &w, &d);
	CHECK_EQ(nb, na);
	CHECK_MEM(a, b, na);
	/* A donor's input without a descriptor is no input: nothing to sign. */
	CHECK_EQ(rmem_auth_input(b, true, nd, nh, 42, &w, NULL), 0);
	na = rmem_auth_input(a, true, nd, nh, 42, &w, &d);
	CHECK_EQ(na, sizeof(RMEM_AUTH_LABEL_DONOR) + 2 * RMEM_AUTH_NONCE_LEN + 8 + 34 +
		 offsetof(struct rmem_wire_accept, tag));
	CHECK(na <= RMEM_AUTH_INPUT_MAX);
	nb = rmem_auth_input(b, false, nd, nh, 42, &w, NULL);
	CHECK(memcmp(a, b, nb));
	/* A descriptor that does not encode is not signed either. */
	e = d;
	e.chunk_shift = 99;
	CHECK_EQ(rmem_auth_input(b, true, nd, nh, 42, &w, &e), 0);
	/* Its own tag is not covered: the tag can be computed over the rest. */
	e = d;
	memset(e.tag, 0x77, sizeof(e.tag));
	nb = rmem_auth_input(b, true, nd, nh, 42, &w, &e);
	CHECK_EQ(nb, na);
	CHECK_MEM(a, b, na);
	/* Everything else is. */
	e = d;
	e.data_rkey ^= 1;
	rmem_auth_input(b, true, nd, nh, 42, &w, &e);
	CHECK(memcmp(a, b, na));
	e = d;
	e.flags = 0;
	rmem_auth_input(b, true, nd, nh, 42, &w, &e);
	CHECK(memcmp(a, b, na));
	rmem_auth_input(b, true, nd, nh, 43, &w, &d);
	CHECK(memcmp(a, b, na));
	x = w;
	x.host[15] ^= 1;
	rmem_auth_input(b, true, nd, nh, 42, &x, &d);
	CHECK(memcmp(a, b, na));
	x = w;
	x.donor[0] ^= 1;
	rmem_auth_input(b, true, nd, nh, 42, &x, &d);
	CHECK(memcmp(a, b, na));
	x = w;
	x.donor_port++;
	rmem_auth_input(b, true, nd, nh, 42, &x, &d);
	CHECK(memcmp(a, b, na));
	nh[3] ^= 1;
	rmem_auth_input(b, true, nd, nh, 42, &w, &d);
	CHECK(memcmp(a, b, na));
	nh[3] ^= 1;
	nd[15] ^= 1;
	rmem_auth_input(b, true, nd, nh, 42, &w, &d);
	CHECK(memcmp(a, b, na));
	/* The two nonces are not interchangeable. */
	memset(nd, 0x4e, sizeof(nd));
	memset(nh, 0xd1, sizeof(nh));
	rmem_auth_input(b, true, nd, nh, 42, &w, &d);
	CHECK(memcmp(a, b, na));
}

#define KEY_A "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define KEY_B "FFEEDDCCBBAA99887766554433221100ffeeddccbbaa99887766554433221100"

/* A key file: one key a line, '#' comments, blank lines, at most two keys. */
RMEM_CASE(key_file_text)
{
	static const struct {
		const char *text;
		int n;
		unsigned int bad_line;
	} cases[] = {
		{ KEY_A, 1, 0 },
		{ KEY_A "\n", 1, 0 },
		{ "# rack key, 2026-12\n\n  " KEY_A "\t\r\n\n", 1, 0 },
		{ KEY_A "\n" KEY_B "\n", 2, 0 },
		{ "#new\n" KEY_B "\n#old\n" KEY_A "\n# end\n", 2, 0 },
		{ KEY_A "\n" KEY_B "\n" KEY_A "\n", -1, 3 },
		{ "#\n\n" KEY_A "\n" KEY_B "\n\n" KEY_A, -1, 6 },
		{ "", -1, 0 },
		{ "\n\n# nothing\n", -1, 0 },
		{ KEY_A "0\n", -1, 1 },
		{ "\n" "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1", -1, 2 },
		{ "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1g", -1, 1 },
		{ KEY_A "\n0x0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", -1, 2 },
		{ "0001020304050607 08090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", -1, 1 },
	};
	u8 keys[RMEM_AUTH_KEYS_MAX][RMEM_AUTH_KEY_LEN];
	unsigned int bad, k;
	size_t i;
	int n;

	for (i = 0; i < RMEM_ARRAY_SIZE(cases); i++) {
		unsigned int before = rmem_case_failures;

		bad = 99;
		memset(keys, 0, sizeof(keys));
		n = rmem_auth_keys_parse(cases[i].text, strlen(cases[i].text), keys, &bad);
		CHECK_EQ(n, (uint64_t)cases[i].n);
		if (n < 0)
			CHECK_EQ(bad, cases[i].bad_line);
		if (rmem_case_failures != before)
			printf("#   key text %zu: \"%s\"\n", i, cases[i].text);
	}
	n = rmem_auth_keys_parse("#\n" KEY_B "\n" KEY_A "\n", strlen("#\n" KEY_B "\n" KEY_A "\n"),
				 keys, &bad);
	CHECK_EQ(n, 2);
	/* The first key is the one a host proves: the file's order is kept. */
	for (k = 0; k < RMEM_AUTH_KEY_LEN; k++) {
		CHECK_EQ(keys[1][k], k);
		CHECK_EQ(keys[0][k], 0xff - 0x11 * (k % 16));	/* upper-case hex too */
	}
	/* Only @len bytes are read: no NUL needed. */
	CHECK_EQ(rmem_auth_keys_parse(KEY_A KEY_B, 64, keys, &bad), 1);
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
	for (reason = 0; reason < RMEM_REJ_MAX_REASON + 3; reason++) {
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
	       RMEM_REF(connect_request), RMEM_REF(connect_auth_kinds),
	       RMEM_REF(challenge_roundtrip_and_corruption), RMEM_REF(auth_input_covers_what_it_says),
	       RMEM_REF(key_file_text), RMEM_REF(reject_message),
	       RMEM_REF(reasons_and_strings), RMEM_REF(superblock_matches_descriptor))
