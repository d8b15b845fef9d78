// SPDX-License-Identifier: GPL-2.0
/*
 * vhost_rmem_stats.c - per-device counters of every backend, one value per file
 * under /sys/bus/vdpa/devices/<name>/stats/, generated from the lists in
 * rmem_sysfs.h (requests and bytes per type, err_<cause>, chunks, latency
 * buckets), which the tools read too, and the per-queue table "queues".
 *
 * Counters only grow (but chunks) and are read without locks.
 */
#include <linux/device.h>
#include <linux/sysfs.h>

#include "vhost_rmem_dev.h"

#define VHOST_RMEM_STAT(_file, _field)						\
	VHOST_RMEM_COUNTER_ATTR(_file, NULL, struct vhost_rmem_dev, stats._field)
#define VHOST_RMEM_STAT_REQS(_type, _file) VHOST_RMEM_STAT(_file, reqs[VHOST_RMEM_ST_##_type]),
#define VHOST_RMEM_STAT_BYTES(_type, _file) VHOST_RMEM_STAT(_file, bytes[VHOST_RMEM_ST_##_type]),
#define VHOST_RMEM_STAT_GAUGE(_file) VHOST_RMEM_STAT(_file, _file),
#define VHOST_RMEM_STAT_LAT(_kind, _us)						\
	VHOST_RMEM_STAT(lat_##_kind##_##_us##us, lat[RMEM_LAT_##_kind##_##_us]),

static struct vhost_rmem_counter_attr vhost_rmem_stat_attrs[] = {
	RMEM_SYSFS_STAT_REQS(VHOST_RMEM_STAT_REQS)
	RMEM_SYSFS_STAT_BYTES(VHOST_RMEM_STAT_BYTES)
	RMEM_SYSFS_STAT_GAUGES(VHOST_RMEM_STAT_GAUGE)
	RMEM_SYSFS_LAT(VHOST_RMEM_STAT_LAT)
};

#define VHOST_RMEM_STAT_ERROR(_cause, _name)					\
	VHOST_RMEM_STAT(err_##_name, errors[VHOST_RMEM_REQ_E_##_cause]),

static struct vhost_rmem_counter_attr vhost_rmem_stat_err_attrs[] = {
	RMEM_SYSFS_STAT_ERRORS(VHOST_RMEM_STAT_ERROR)
};

static_assert(ARRAY_SIZE(vhost_rmem_stat_err_attrs) == VHOST_RMEM_REQ_E_NR - 1,
	      "an err_ file per cause but NONE");

/*
 * stats/queues: a line per virtqueue, "<index> requests <n> inflight_max
 * <n>": requests its lane answered, and the most it held in flight at once.
 */
static ssize_t queues_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct vhost_rmem_dev *d = vhost_rmem_dev_from_dev(dev);
	unsigned int i;
	int n = 0;

	for (i = 0; i < d->num_queues; i++)
		n += sysfs_emit_at(buf, n, "%u requests %llu inflight_max %d\n", i,
				   (u64)atomic64_read(&d->vqs[i].requests),
				   atomic_read(&d->vqs[i].inflight_max));
	return n;
}
static DEVICE_ATTR_RO(queues);

static struct attribute *vhost_rmem_stats_attrs[ARRAY_SIZE(vhost_rmem_stat_attrs) +
					  ARRAY_SIZE(vhost_rmem_stat_err_attrs) + 2];

const struct attribute_group vhost_rmem_dev_stats_group = {
	.name = RMEM_SYSFS_STATS_DIR,
	.attrs = vhost_rmem_stats_attrs,
};

/* Before any device: the group's list points into the tables above. */
void vhost_rmem_stats_init(void)
{
	struct attribute **p = vhost_rmem_stats_attrs;

	p = vhost_rmem_counter_attrs(p, vhost_rmem_stat_attrs, ARRAY_SIZE(vhost_rmem_stat_attrs));
	p = vhost_rmem_counter_attrs(p, vhost_rmem_stat_err_attrs,
				     ARRAY_SIZE(vhost_rmem_stat_err_attrs));
	*p = &dev_attr_queues.attr;
}

/* The latency buckets in order with their bounds in us; the last is open. */
#define VHOST_RMEM_STAT_LAT_BOUND(_kind, _us) { RMEM_LAT_##_kind##_##_us, _us },
static const struct {
	unsigned int bucket;
	u64 us;
} vhost_rmem_lat_bounds[RMEM_LAT_BUCKETS] = { RMEM_SYSFS_LAT(VHOST_RMEM_STAT_LAT_BOUND) };

void vhost_rmem_stats_error(struct vhost_rmem_dev *d, enum vhost_rmem_req_err err)
{
	if ((unsigned int)err < VHOST_RMEM_REQ_E_NR)
		atomic64_inc(&d->stats.errors[err]);
}

static int vhost_rmem_stat_type(u32 type)
{
	switch (type) {
	case RMEM_VIRTIO_BLK_T_IN:
		return VHOST_RMEM_ST_READ;
	case RMEM_VIRTIO_BLK_T_OUT:
		return VHOST_RMEM_ST_WRITE;
	case RMEM_VIRTIO_BLK_T_FLUSH:
		return VHOST_RMEM_ST_FLUSH;
	case RMEM_VIRTIO_BLK_T_DISCARD:
		return VHOST_RMEM_ST_DISCARD;
	case RMEM_VIRTIO_BLK_T_WRITE_ZEROES:
		return VHOST_RMEM_ST_WRITE_ZEROES;
	case RMEM_VIRTIO_BLK_T_GET_ID:
		return VHOST_RMEM_ST_GET_ID;
	}
	return -1;
}

void vhost_rmem_stats_account(struct vhost_rmem_dev *d, const struct vhost_rmem_req *req, u64 ns)
{
	struct vhost_rmem_stats *st = &d->stats;
	u64 us = ns / NSEC_PER_USEC;
	unsigned int b, i;
	int t;

	b = 0;
	while (b < RMEM_LAT_BUCKETS - 1 && us > vhost_rmem_lat_bounds[b].us)
		b++;
	atomic64_inc(&st->lat[vhost_rmem_lat_bounds[b].bucket]);

	if (req->err != VHOST_RMEM_REQ_E_NONE) {
		vhost_rmem_stats_error(d, req->err);
		return;
	}
	t = vhost_rmem_stat_type(req->type);
	if (t < 0)
		return;
	atomic64_inc(&st->reqs[t]);
	if (t == VHOST_RMEM_ST_READ || t == VHOST_RMEM_ST_WRITE) {
		atomic64_add(req->data_len, &st->bytes[t]);
	} else if (t == VHOST_RMEM_ST_DISCARD || t == VHOST_RMEM_ST_WRITE_ZEROES) {
		for (i = 0; i < req->nr_ranges; i++)
			atomic64_add((u64)req->ranges[i].num_sectors << RMEM_SECTOR_SHIFT,
				     &st->bytes[t]);
	}
}
