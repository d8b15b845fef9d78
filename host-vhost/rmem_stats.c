// SPDX-License-Identifier: GPL-2.0
/*
 * rmem_stats.c - per-device counters, one value per file under
 * /sys/bus/vdpa/devices/<name>/stats/:
 *
 *   reads writes flushes discards write_zeroes get_ids     requests done OK
 *   read_bytes write_bytes discard_bytes write_zeroes_bytes
 *   err_<cause>        requests refused or failed, per cause (rmem_req.h)
 *   chunks             chunks held now
 *   lat_le_<N>us       requests handled in <= N us, N = 16 * 4^i
 *   lat_gt_4194304us   the rest
 *
 * Counters only grow (but chunks) and are read without locks.
 */
#include <linux/device.h>
#include <linux/sysfs.h>

#include "rmem_dev.h"

enum rmem_stat_kind { RMEM_SK_REQS, RMEM_SK_BYTES, RMEM_SK_ERR, RMEM_SK_LAT, RMEM_SK_CHUNKS };

struct rmem_stat_attr {
	struct device_attribute attr;
	enum rmem_stat_kind kind;
	unsigned int idx;
};

static ssize_t rmem_stat_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct rmem_stat_attr *sa = container_of(attr, struct rmem_stat_attr, attr);
	struct rmem_stats *st = &rmem_dev_from_dev(dev)->stats;
	s64 v = 0;

	switch (sa->kind) {
	case RMEM_SK_REQS:
		v = atomic64_read(&st->reqs[sa->idx]);
		break;
	case RMEM_SK_BYTES:
		v = atomic64_read(&st->bytes[sa->idx]);
		break;
	case RMEM_SK_ERR:
		v = atomic64_read(&st->errors[sa->idx]);
		break;
	case RMEM_SK_LAT:
		v = atomic64_read(&st->lat[sa->idx]);
		break;
	case RMEM_SK_CHUNKS:
		v = atomic64_read(&st->chunks);
		break;
	}
	return sysfs_emit(buf, "%lld\n", v);
}

#define RMEM_STAT(_name, _kind, _idx)                                           \
	static struct rmem_stat_attr rmem_stat_##_name = {                      \
		.attr = __ATTR(_name, 0444, rmem_stat_show, NULL),              \
		.kind = _kind,                                                  \
		.idx = _idx,                                                    \
	}

RMEM_STAT(reads, RMEM_SK_REQS, RMEM_ST_READ);
RMEM_STAT(writes, RMEM_SK_REQS, RMEM_ST_WRITE);
RMEM_STAT(flushes, RMEM_SK_REQS, RMEM_ST_FLUSH);
RMEM_STAT(discards, RMEM_SK_REQS, RMEM_ST_DISCARD);
RMEM_STAT(write_zeroes, RMEM_SK_REQS, RMEM_ST_WRITE_ZEROES);
RMEM_STAT(get_ids, RMEM_SK_REQS, RMEM_ST_GET_ID);
RMEM_STAT(read_bytes, RMEM_SK_BYTES, RMEM_ST_READ);
RMEM_STAT(write_bytes, RMEM_SK_BYTES, RMEM_ST_WRITE);
RMEM_STAT(discard_bytes, RMEM_SK_BYTES, RMEM_ST_DISCARD);
RMEM_STAT(write_zeroes_bytes, RMEM_SK_BYTES, RMEM_ST_WRITE_ZEROES);
RMEM_STAT(err_chain, RMEM_SK_ERR, RMEM_REQ_E_CHAIN);
RMEM_STAT(err_no_status, RMEM_SK_ERR, RMEM_REQ_E_NO_STATUS);
RMEM_STAT(err_header, RMEM_SK_ERR, RMEM_REQ_E_HEADER);
RMEM_STAT(err_unsupported, RMEM_SK_ERR, RMEM_REQ_E_UNSUPP);
RMEM_STAT(err_shape, RMEM_SK_ERR, RMEM_REQ_E_SHAPE);
RMEM_STAT(err_align, RMEM_SK_ERR, RMEM_REQ_E_ALIGN);
RMEM_STAT(err_range, RMEM_SK_ERR, RMEM_REQ_E_RANGE);
RMEM_STAT(err_too_big, RMEM_SK_ERR, RMEM_REQ_E_TOO_BIG);
RMEM_STAT(err_access, RMEM_SK_ERR, RMEM_REQ_E_ACCESS);
RMEM_STAT(err_backend, RMEM_SK_ERR, RMEM_REQ_E_BACKEND);
RMEM_STAT(chunks, RMEM_SK_CHUNKS, 0);
RMEM_STAT(lat_le_16us, RMEM_SK_LAT, 0);
RMEM_STAT(lat_le_64us, RMEM_SK_LAT, 1);
RMEM_STAT(lat_le_256us, RMEM_SK_LAT, 2);
RMEM_STAT(lat_le_1024us, RMEM_SK_LAT, 3);
RMEM_STAT(lat_le_4096us, RMEM_SK_LAT, 4);
RMEM_STAT(lat_le_16384us, RMEM_SK_LAT, 5);
RMEM_STAT(lat_le_65536us, RMEM_SK_LAT, 6);
RMEM_STAT(lat_le_262144us, RMEM_SK_LAT, 7);
RMEM_STAT(lat_le_1048576us, RMEM_SK_LAT, 8);
RMEM_STAT(lat_le_4194304us, RMEM_SK_LAT, 9);
RMEM_STAT(lat_gt_4194304us, RMEM_SK_LAT, 10);
static_assert(RMEM_LAT_BUCKETS == 11, "one file per latency bucket");
static_assert(RMEM_REQ_E_NR == 11, "one err_ file per cause");

static struct attribute *rmem_stats_attrs[] = {
	&rmem_stat_reads.attr.attr,
	&rmem_stat_writes.attr.attr,
	&rmem_stat_flushes.attr.attr,
	&rmem_stat_discards.attr.attr,
	&rmem_stat_write_zeroes.attr.attr,
	&rmem_stat_get_ids.attr.attr,
	&rmem_stat_read_bytes.attr.attr,
	&rmem_stat_write_bytes.attr.attr,
	&rmem_stat_discard_bytes.attr.attr,
	&rmem_stat_write_zeroes_bytes.attr.attr,
	&rmem_stat_err_chain.attr.attr,
	&rmem_stat_err_no_status.attr.attr,
	&rmem_stat_err_header.attr.attr,
	&rmem_stat_err_unsupported.attr.attr,
	&rmem_stat_err_shape.attr.attr,
	&rmem_stat_err_align.attr.attr,
	&rmem_stat_err_range.attr.attr,
	&rmem_stat_err_too_big.attr.attr,
	&rmem_stat_err_access.attr.attr,
	&rmem_stat_err_backend.attr.attr,
	&rmem_stat_chunks.attr.attr,
	&rmem_stat_lat_le_16us.attr.attr,
	&rmem_stat_lat_le_64us.attr.attr,
	&rmem_stat_lat_le_256us.attr.attr,
	&rmem_stat_lat_le_1024us.attr.attr,
	&rmem_stat_lat_le_4096us.attr.attr,
	&rmem_stat_lat_le_16384us.attr.attr,
	&rmem_stat_lat_le_65536us.attr.attr,
	&rmem_stat_lat_le_262144us.attr.attr,
	&rmem_stat_lat_le_1048576us.attr.attr,
	&rmem_stat_lat_le_4194304us.attr.attr,
	&rmem_stat_lat_gt_4194304us.attr.attr,
	NULL,
};

const struct attribute_group rmem_dev_stats_group = {
	.name = "stats",
	.attrs = rmem_stats_attrs,
};

void rmem_stats_error(struct rmem_dev *d, enum rmem_req_err err)
{
	if ((unsigned int)err < RMEM_REQ_E_NR)
		atomic64_inc(&d->stats.errors[err]);
}

static int rmem_stat_type(u32 type)
{
	switch (type) {
	case RMEM_VIRTIO_BLK_T_IN:
		return RMEM_ST_READ;
	case RMEM_VIRTIO_BLK_T_OUT:
		return RMEM_ST_WRITE;
	case RMEM_VIRTIO_BLK_T_FLUSH:
		return RMEM_ST_FLUSH;
	case RMEM_VIRTIO_BLK_T_DISCARD:
		return RMEM_ST_DISCARD;
	case RMEM_VIRTIO_BLK_T_WRITE_ZEROES:
		return RMEM_ST_WRITE_ZEROES;
	case RMEM_VIRTIO_BLK_T_GET_ID:
		return RMEM_ST_GET_ID;
	}
	return -1;
}

void rmem_stats_account(struct rmem_dev *d, const struct rmem_req *req, u64 ns)
{
	struct rmem_stats *st = &d->stats;
	u64 us = ns / NSEC_PER_USEC, limit = 16;
	unsigned int b, i;
	int t;

	for (b = 0; b < RMEM_LAT_BUCKETS - 1 && us > limit; b++)
		limit *= 4;
	atomic64_inc(&st->lat[b]);

	if (req->err != RMEM_REQ_E_NONE) {
		rmem_stats_error(d, req->err);
		return;
	}
	t = rmem_stat_type(req->type);
	if (t < 0)
		return;
	atomic64_inc(&st->reqs[t]);
	if (t == RMEM_ST_READ || t == RMEM_ST_WRITE) {
		atomic64_add(req->data_len, &st->bytes[t]);
	} else if (t == RMEM_ST_DISCARD || t == RMEM_ST_WRITE_ZEROES) {
		for (i = 0; i < req->nr_ranges; i++)
			atomic64_add((u64)req->ranges[i].num_sectors << RMEM_SECTOR_SHIFT,
				     &st->bytes[t]);
	}
}
