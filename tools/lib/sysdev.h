/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * sysdev.h - vhost_rmem devices as sysfs shows them: configuration under
 * <root>/<name>/rmem/ and counters under <root>/<name>/stats/ (one value
 * per file), root = /sys/bus/vdpa/devices.  The files are the module's
 * lists in include/rmem_sysfs.h; the fields below are named after them.
 * Plain file I/O, so the unit tier runs it against a fake tree.
 */
#ifndef RMEM_TOOLS_SYSDEV_H
#define RMEM_TOOLS_SYSDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rmem_sysfs.h"

#define SYSDEV_ROOT_DEFAULT "/sys/bus/vdpa/devices"
#define SYSDEV_NAME_MAX 64
#define SYSDEV_MAX 256
/* Latency buckets: the bounds of RMEM_SYSFS_LAT, then the rest. */
#define SYSDEV_LAT_BUCKETS RMEM_LAT_BUCKETS

struct sysdev {
	char name[SYSDEV_NAME_MAX];
	/* rmem/ */
	uint64_t capacity;
	uint64_t device_id;
	char backend[16];		/* "ram", "rdma", "" = not set */
	unsigned int chunk_shift;
	unsigned int num_queues;
	bool live;
	/* rmem/ of an rdma device; "" and 0 for others */
	char donor[300];
	bool keep_chunks;
	char driver[32];		/* bound vDPA driver, "" if none */
	char disk[32];			/* block device (virtio_vdpa + virtio_blk), "" if none */
	/* stats/ */
	uint64_t reads, writes, flushes, discards, write_zeroes, get_ids;
	uint64_t read_bytes, write_bytes, discard_bytes, write_zeroes_bytes;
	uint64_t chunks;
	uint64_t errors;		/* sum of every stats/err_* file */
	uint64_t lat[SYSDEV_LAT_BUCKETS];
};

/* Names of rmem devices under @root, sorted; returns the count or -errno. */
int sysdev_list(const char *root, char (*names)[SYSDEV_NAME_MAX], int max);
/* Reads one device; 0 or -errno (-ENOENT: no such rmem device). */
int sysdev_read(const char *root, const char *name, struct sysdev *d);
/* Writes rmem/<attr> of @name.  0 or -errno of the write (EBUSY: device live). */
int sysdev_write(const char *root, const char *name, const char *attr, const char *value);
/* Writes @value to any sysfs file (driver_override, drivers_probe...).  0 or -errno. */
int sysfs_write_file(const char *path, const char *value);
/* True if rmem/<attr> exists. */
bool sysdev_has_attr(const char *root, const char *name, const char *attr);

/*
 * The @p-th percentile (0 < p <= 100) of a latency histogram, as the upper
 * bound in us of the bucket it falls in; UINT64_MAX when it falls in the
 * open last bucket; 0 when the histogram is empty.
 */
uint64_t lat_percentile(const uint64_t *buckets, double p);
/* Upper bound of bucket @i in us (UINT64_MAX for the last). */
uint64_t lat_bucket_us(unsigned int i);

#endif /* RMEM_TOOLS_SYSDEV_H */
