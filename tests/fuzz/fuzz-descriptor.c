// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for every rdma_cm private-data decoder (accept
 * descriptor, connect request, reject, challenge), the layout check behind
 * them, and the rack key file parser.
 *
 * The decoders must never read out of bounds, hit undefined behaviour or
 * accept a message that does not validate.  Random bytes rarely pass the
 * magic/version/length/CRC gate, so the first input byte selects a mode:
 * in "sealed" modes the target writes a valid header and CRC over the
 * fuzzer's bytes so the field validation behind the gate gets explored.
 *
 *   make fuzz                        (FUZZ_SECONDS=30 by default)
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rmem_proto.h"

/* Writes magic, @version, @len and the CRC into @buf[0..len). */
static void seal(uint8_t *buf, size_t len, uint16_t version)
{
	__le32 magic = cpu_to_le32(RMEM_WIRE_MAGIC), check;
	__le16 v = cpu_to_le16(version), l = cpu_to_le16((uint16_t)len);

	memcpy(buf, &magic, 4);
	memcpy(buf + 4, &v, 2);
	memcpy(buf + 6, &l, 2);
	check = cpu_to_le32(rmem_crc32c(0, buf, len - 4));
	memcpy(buf + len - 4, &check, 4);
}

/* Anything a decoder accepts must re-encode and decode to the same value. */
static void check_desc(const uint8_t *buf, size_t len)
{
	uint8_t again[RMEM_CM_REP_PRIV_MAX];
	struct rmem_desc d, e;

	if (rmem_desc_decode(buf, len, &d))
		return;
	if (rmem_desc_validate(&d))
		abort();
	if (rmem_desc_encode(&d, again, sizeof(again)) != (int)sizeof(struct rmem_wire_accept))
		abort();
	if (rmem_desc_decode(again, sizeof(struct rmem_wire_accept), &e))
		abort();
	if (memcmp(again, buf, sizeof(struct rmem_wire_accept)))
		abort();
	/* Addresses a host would compute from it must not wrap. */
	if (d.meta_addr + d.owner_off + d.chunk_count * 8 < d.meta_addr)
		abort();
	if (d.data_addr + ((d.chunk_count - 1) << d.chunk_shift) < d.data_addr)
		abort();
}

/* An accepted request is one kind, with zeros where that kind has nothing, and re-encodes whole. */
static void check_connect(const uint8_t *buf, size_t len)
{
	uint8_t again[RMEM_CM_REQ_PRIV_MAX];
	struct rmem_connect_req r;

	(void)rmem_wire_peek_version(buf, len);
	if (rmem_connect_decode(buf, len, &r))
		return;
	if (r.flags & ~(u32)RMEM_CONNECT_F_ALL || r.flags == RMEM_CONNECT_F_ALL)
		abort();
	if (!r.flags && !rmem_bytes_zero(r.nonce, sizeof(r.nonce)))
		abort();
	if (r.flags != RMEM_CONNECT_F_AUTH && !rmem_bytes_zero(r.tag, sizeof(r.tag)))
		abort();
	if (rmem_connect_encode(&r, again, sizeof(again)) != (int)sizeof(struct rmem_wire_connect))
		abort();
	if (memcmp(again, buf, sizeof(struct rmem_wire_connect)))
		abort();
}

static void check_challenge(const uint8_t *buf, size_t len)
{
	uint8_t nd[RMEM_AUTH_NONCE_LEN];

	if (rmem_challenge_decode(buf, len, nd))
		return;
	if (len < sizeof(struct rmem_wire_reject) + sizeof(struct rmem_wire_challenge))
		abort();
}

/* Key text: never read past @len, at most RMEM_AUTH_KEYS_MAX keys, a line number on failure. */
static void check_keys(const uint8_t *buf, size_t len)
{
	u8 keys[RMEM_AUTH_KEYS_MAX][RMEM_AUTH_KEY_LEN];
	unsigned int bad = 0;
	int n = rmem_auth_keys_parse((const char *)buf, len, keys, &bad);

	if (n == 0 || n > RMEM_AUTH_KEYS_MAX || (n < 0 && bad > len + 1))
		abort();
}

static void check_reject(const uint8_t *buf, size_t len)
{
	struct rmem_reject r;

	if (rmem_reject_decode(buf, len, &r))
		return;
	if (!r.reason || r.reason > RMEM_REJ_MAX_REASON || r.min_version > r.max_version)
		abort();
	(void)rmem_reject_str(r.reason);
	(void)rmem_wire_strerror(r.detail);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf;
	size_t len;
	uint8_t mode;

	if (size < 1)
		return 0;
	mode = data[0];
	data++;
	size--;
	/* A private copy of exactly @size bytes: ASan catches any overread. */
	buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);

	switch (mode % 6) {
	case 0:		/* raw bytes into every decoder */
		check_desc(buf, size);
		check_connect(buf, size);
		check_reject(buf, size);
		check_challenge(buf, size);
		break;
	case 1:		/* sealed accept descriptor, any padding */
		len = sizeof(struct rmem_wire_accept);
		if (size >= len) {
			seal(buf, len, (mode & 0x80) ? data[4] : RMEM_WIRE_VERSION);
			check_desc(buf, size);
		}
		break;
	case 2:		/* sealed connect request */
		len = sizeof(struct rmem_wire_connect);
		if (size >= len) {
			seal(buf, len, (mode & 0x80) ? data[4] : RMEM_WIRE_VERSION);
			check_connect(buf, size);
		}
		break;
	case 3:		/* a reject with a sealed challenge behind it */
		len = sizeof(struct rmem_wire_reject) + sizeof(struct rmem_wire_challenge);
		if (size >= len) {
			seal(buf + sizeof(struct rmem_wire_reject), sizeof(struct rmem_wire_challenge),
			     RMEM_WIRE_VERSION);
			check_challenge(buf, size);
		}
		break;
	case 4:		/* a rack key file's text */
		check_keys(buf, size);
		break;
	default:	/* sealed reject */
		len = sizeof(struct rmem_wire_reject);
		if (size >= len) {
			seal(buf, len, RMEM_REJECT_FORMAT_VERSION);
			check_reject(buf, size);
		}
		break;
	}
	free(buf);
	return 0;
}
