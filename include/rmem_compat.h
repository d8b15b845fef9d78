/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * rmem_compat.h - the few types and helpers the shared headers need, spelled
 * the same way in the Linux kernel and in userspace.
 *
 * rmem_wire.h and rmem_proto.h are compiled by the kernel modules, by the
 * appliance, by the client library and natively by the unit tests and the
 * fuzzer.  They may use only what this file provides: fixed-width kernel
 * style types (u8..u64, __le16..__le64), the byte-order helpers, memcpy and
 * memset, errno values, 64-bit division helpers and RMEM_STATIC_ASSERT.
 */
#ifndef RMEM_COMPAT_H
#define RMEM_COMPAT_H

#ifdef __KERNEL__

#include <linux/types.h>
#include <linux/stddef.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/build_bug.h>
#include <linux/math64.h>
#include <asm/byteorder.h>

#define RMEM_STATIC_ASSERT(cond, msg) static_assert(cond, msg)

/* 64-bit division: plain '/' and '%' on u64 do not link on 32-bit kernels. */
static inline u64 rmem_div64(u64 a, u64 b)
{
	return div64_u64(a, b);
}

static inline u64 rmem_mod64(u64 a, u64 b)
{
	u64 rem;

	div64_u64_rem(a, b, &rem);
	return rem;
}

#else /* userspace */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <endian.h>
/*
 * linux/types.h (linux-libc-dev) gives __le16/32/64 and __u8..__u64 the
 * same way the kernel spells them; libibverbs includes it too, so defining
 * our own would clash.
 */
#include <linux/types.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

#define RMEM_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)

static inline __le16 cpu_to_le16(u16 v) { return (__le16)htole16(v); }
static inline __le32 cpu_to_le32(u32 v) { return (__le32)htole32(v); }
static inline __le64 cpu_to_le64(u64 v) { return (__le64)htole64(v); }
static inline u16 le16_to_cpu(__le16 v) { return le16toh((u16)v); }
static inline u32 le32_to_cpu(__le32 v) { return le32toh((u32)v); }
static inline u64 le64_to_cpu(__le64 v) { return le64toh((u64)v); }

static inline u64 rmem_div64(u64 a, u64 b)
{
	return a / b;
}

static inline u64 rmem_mod64(u64 a, u64 b)
{
	return a % b;
}

#endif /* __KERNEL__ */

#define RMEM_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Rounds @v up to a multiple of @align, a power of two. */
#define RMEM_ALIGN_UP(v, align) (((v) + ((align) - 1)) & ~((__typeof__(v))(align) - 1))

#endif /* RMEM_COMPAT_H */
