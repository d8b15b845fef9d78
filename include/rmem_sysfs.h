/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * rmem_sysfs.h - the sysfs ABI of a vhost_rmem device, written once for the
 * module that serves it (host-vhost/) and the tools that read it
 * (tools/lib/sysdev.c).  Under /sys/bus/vdpa/devices/<name>/:
 *
 *   rmem/    configuration, one value per file (RMEM_SYSFS_CONFIG, and a
 *            backend's own files: RMEM_SYSFS_RDMA_CONFIG)
 *   stats/   counters every backend keeps (RMEM_SYSFS_STAT_*, RMEM_SYSFS_LAT)
 *   rdma/    state and counters of the rdma backend: rdma devices only
 *
 * Each list is an X-macro: a user defines X to take the columns it needs
 * (the module generates its attributes and fields, the tools their read
 * tables), so a file added here exists on both sides or fails to build.
 * Names are ABI: tests and tools read them by path.  No types, no headers:
 * kernel and userspace include this unchanged.
 */
#ifndef RMEM_SYSFS_H
#define RMEM_SYSFS_H

#define RMEM_SYSFS_CONFIG_DIR "rmem"
#define RMEM_SYSFS_STATS_DIR "stats"
#define RMEM_SYSFS_RDMA_DIR "rdma"

/*
 * rmem/ of every device, X(file).  Formats: capacity %llu (bytes, a multiple
 * of 4096), device_id 0x%016llx (not 0 or ~0, unique on the host), backend
 * "ram" or "rdma", chunk_shift %u (12..30), num_queues %u (read-only, fixed
 * at creation), live 0/1 (read-only: a vDPA driver is bound).
 */
#define RMEM_SYSFS_CONFIG(X)						\
	X(capacity)							\
	X(device_id)							\
	X(backend)							\
	X(chunk_shift)							\
	X(num_queues)							\
	X(live)

/*
 * rmem/ files an rdma device adds, X(file): donor IPV4:PORT ("" when unset;
 * written as IPV4[:PORT]), keep_chunks 0/1 (reset/delete leave the chunks
 * on the donor; writable while live).
 */
#define RMEM_SYSFS_RDMA_CONFIG(X)					\
	X(donor)							\
	X(keep_chunks)

/*
 * stats/: requests completed OK, X(request type, file); request types as in
 * host-vhost's VHOST_RMEM_ST_*.
 */
#define RMEM_SYSFS_STAT_REQS(X)						\
	X(READ, reads)							\
	X(WRITE, writes)						\
	X(FLUSH, flushes)						\
	X(DISCARD, discards)						\
	X(WRITE_ZEROES, write_zeroes)					\
	X(GET_ID, get_ids)

/* stats/: payload bytes of those (ranges for discard and write zeroes). */
#define RMEM_SYSFS_STAT_BYTES(X)					\
	X(READ, read_bytes)						\
	X(WRITE, write_bytes)						\
	X(DISCARD, discard_bytes)					\
	X(WRITE_ZEROES, write_zeroes_bytes)

/*
 * stats/err_<cause>: requests refused or failed, X(cause, name), causes as
 * in host-vhost's enum vhost_rmem_req_err (VHOST_RMEM_REQ_E_<cause>), in its order.
 */
#define RMEM_SYSFS_STAT_ERRORS(X)					\
	X(CHAIN, chain)							\
	X(NO_STATUS, no_status)						\
	X(HEADER, header)						\
	X(UNSUPP, unsupported)						\
	X(SHAPE, shape)							\
	X(ALIGN, align)							\
	X(RANGE, range)							\
	X(TOO_BIG, too_big)						\
	X(ACCESS, access)						\
	X(BACKEND, backend)

/*
 * stats/queues: one line per virtqueue, "%u requests %llu inflight_max %d":
 * requests the queue's lane answered, the most it held in flight at once.
 */
#define RMEM_SYSFS_STAT_QUEUES "queues"

/* stats/ gauges, X(file): chunks = chunks the backend holds now. */
#define RMEM_SYSFS_STAT_GAUGES(X)					\
	X(chunks)

/*
 * stats/lat_<le|gt>_<N>us: requests handled in <= N us (le), and the rest
 * (gt the last bound): X(le or gt, N).  Bounds grow by 4 from 16 us.
 */
#define RMEM_SYSFS_LAT(X)						\
	X(le, 16)							\
	X(le, 64)							\
	X(le, 256)							\
	X(le, 1024)							\
	X(le, 4096)							\
	X(le, 16384)							\
	X(le, 65536)							\
	X(le, 262144)							\
	X(le, 1048576)							\
	X(le, 4194304)							\
	X(gt, 4194304)

#define RMEM_SYSFS_LAT_ENUM(kind, us) RMEM_LAT_##kind##_##us,
enum { RMEM_SYSFS_LAT(RMEM_SYSFS_LAT_ENUM) RMEM_LAT_BUCKETS };
#undef RMEM_SYSFS_LAT_ENUM

/*
 * rdma/ of an rdma device, besides state ("none", "connecting",
 * "connected", "down"), slot (lease slot on the donor, -1 if none) and
 * epoch (donor boot epoch, %016llx): counters, X(file).
 */
#define RMEM_SYSFS_RDMA_COUNTERS(X)					\
	X(chunks)		/* chunks held on the donor */		\
	X(lost_chunks)		/* map entries whose data the donor lost */ \
	X(connects)		/* connections established */		\
	X(disconnects)		/* connections lost */			\
	X(epoch_changes)	/* reconnects that found a new donor boot */ \
	X(renewals)		/* lease renewals done */		\
	X(leases_lost)		/* renewal found the slot reclaimed */	\
	X(allocs)		/* chunks allocated (CAS won) */	\
	X(frees)		/* chunks freed one by one */		\
	X(rebuilt)		/* chunks found by map rebuilds */	\
	X(errors)		/* backend calls that failed */		\
	X(data_posts)		/* round trips moving guest data */	\
	X(data_wrs)		/* RDMA READ/WRITE WRs in them */	\
	X(zero_copy)		/* requests moved without a copy */	\
	X(bounced)		/* requests copied through a buffer */	\
	X(retried)		/* zero-copy requests redone, copied: */ \
				/* their connection broke under them */	\
	X(lane_connects)	/* data connections this device made */	\
	X(lane_joins)		/* lanes that joined another's connection */ \
	X(chunk_clears)		/* chunks cleared before being freed */

#endif /* RMEM_SYSFS_H */
