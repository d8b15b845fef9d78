// SPDX-License-Identifier: GPL-2.0
/*
 * rmem_dev.c - per-device configuration, one value per sysfs file under
 * /sys/bus/vdpa/devices/<name>/rmem/, and the registry that keeps device
 * ids unique on this host.
 *
 * Files (docs/virtio-rmem.md):
 *   capacity     bytes, a multiple of 4096                          rw
 *   device_id    64-bit, not 0 or ~0, unique among this host's devices  rw
 *   backend      "ram" or "rdma"                                     rw
 *   donor        rdma: the donor, IPV4[:PORT] (port 7471 by default)  rw
 *   keep_chunks  rdma: 1 = reset/delete leave the chunks on the donor rw, also live
 *   chunk_shift  log2 of the chunk size, 12..30                      rw
 *   num_queues   virtqueues, fixed at creation                       ro
 *   live         1 while a vDPA driver is bound                      ro
 *
 * Writes are refused with EBUSY while a driver is bound: the driver has
 * read the config, and a disk that changes size or identity under a guest
 * is corruption waiting to happen.  The device lock is what driver binding
 * takes, so holding it across the check and the update closes the race
 * with a concurrent bind.
 */
#include <linux/device.h>
#include <linux/inet.h>
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "rmem_dev.h"

static LIST_HEAD(rmem_registry);
static DEFINE_MUTEX(rmem_registry_lock);	/* the list and every device_id */

int rmem_dev_register(struct rmem_dev *d)
{
	mutex_lock(&rmem_registry_lock);
	list_add_tail(&d->node, &rmem_registry);
	mutex_unlock(&rmem_registry_lock);
	return 0;
}

/* Idempotent: also called for devices that never made it into the list. */
void rmem_dev_unregister(struct rmem_dev *d)
{
	mutex_lock(&rmem_registry_lock);
	list_del_init(&d->node);
	mutex_unlock(&rmem_registry_lock);
}

bool rmem_dev_configured(struct rmem_dev *d)
{
	return d->capacity && rmem_virtio_device_id_valid(d->device_id) && d->backend &&
	       (d->backend != &rmem_rdma_backend || d->donor.sin_port);
}

/* Takes the device lock and d->lock unless a driver is bound (-EBUSY). */
static int rmem_cfg_lock(struct device *dev, struct rmem_dev *d)
{
	device_lock(dev);
	if (dev->driver) {
		device_unlock(dev);
		return -EBUSY;
	}
	/*
	 * Not d->status: after an unbind virtio core leaves ACKNOWLEDGE set on
	 * a device that was reset, and every later bind resets it again.
	 */
	mutex_lock(&d->lock);
	return 0;
}

static void rmem_cfg_unlock(struct device *dev, struct rmem_dev *d)
{
	mutex_unlock(&d->lock);
	device_unlock(dev);
}

static ssize_t capacity_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", READ_ONCE(rmem_dev_from_dev(dev)->capacity));
}

static ssize_t capacity_store(struct device *dev, struct device_attribute *attr,
			      const char *buf, size_t count)
{
	struct rmem_dev *d = rmem_dev_from_dev(dev);
	u64 v;
	int ret;

	ret = kstrtou64(buf, 0, &v);
	if (ret)
		return ret;
	if (!v || v % RMEM_BLOCK_SIZE)
		return -EINVAL;
	ret = rmem_cfg_lock(dev, d);
	if (ret)
		return ret;
	/* Every virtual chunk index must fit the donors' owner word. */
	if ((v - 1) >> d->chunk_shift > RMEM_VCHUNK_MAX)
		ret = -ERANGE;
	else
		d->capacity = v;
	rmem_cfg_unlock(dev, d);
	return ret ? ret : count;
}
static DEVICE_ATTR_RW(capacity);

static ssize_t device_id_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "0x%016llx\n", READ_ONCE(rmem_dev_from_dev(dev)->device_id));
}

static ssize_t device_id_store(struct device *dev, struct device_attribute *attr,
			       const char *buf, size_t count)
{
	struct rmem_dev *d = rmem_dev_from_dev(dev);
	struct rmem_dev *other;
	u64 v;
	int ret;

	ret = kstrtou64(buf, 0, &v);
	if (ret)
		return ret;
	if (!rmem_virtio_device_id_valid(v))
		return -EINVAL;
	ret = rmem_cfg_lock(dev, d);
	if (ret)
		return ret;
	mutex_lock(&rmem_registry_lock);
	list_for_each_entry(other, &rmem_registry, node) {
		if (other != d && other->device_id == v) {
			ret = -EEXIST;
			break;
		}
	}
	if (!ret)
		d->device_id = v;
	mutex_unlock(&rmem_registry_lock);
	rmem_cfg_unlock(dev, d);
	if (ret == -EEXIST)
		dev_warn(dev, "device id 0x%016llx is already used by another device\n", v);
	return ret ? ret : count;
}
static DEVICE_ATTR_RW(device_id);

static ssize_t backend_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	const struct rmem_backend_type *b = READ_ONCE(rmem_dev_from_dev(dev)->backend);

	return sysfs_emit(buf, "%s\n", b ? b->name : "");
}

static ssize_t backend_store(struct device *dev, struct device_attribute *attr,
			     const char *buf, size_t count)
{
	struct rmem_dev *d = rmem_dev_from_dev(dev);
	const struct rmem_backend_type *b;
	int ret;

	if (sysfs_streq(buf, rmem_ram_backend.name))
		b = &rmem_ram_backend;
	else if (sysfs_streq(buf, rmem_rdma_backend.name))
		b = &rmem_rdma_backend;
	else
		return -EINVAL;
	ret = rmem_cfg_lock(dev, d);
	if (ret)
		return ret;
	/* A store made for another backend (or chunk size) is dropped by reset. */
	if (d->be && d->backend != b) {
		d->backend->destroy(d->be);
		d->be = NULL;
	}
	d->backend = b;
	rmem_cfg_unlock(dev, d);
	return count;
}
static DEVICE_ATTR_RW(backend);

static ssize_t chunk_shift_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(rmem_dev_from_dev(dev)->chunk_shift));
}

static ssize_t chunk_shift_store(struct device *dev, struct device_attribute *attr,
				 const char *buf, size_t count)
{
	struct rmem_dev *d = rmem_dev_from_dev(dev);
	unsigned int v;
	int ret;

	ret = kstrtouint(buf, 0, &v);
	if (ret)
		return ret;
	if (v < RMEM_CHUNK_SHIFT_MIN || v > RMEM_CHUNK_SHIFT_MAX)
		return -EINVAL;
	ret = rmem_cfg_lock(dev, d);
	if (ret)
		return ret;
	if (d->capacity && (d->capacity - 1) >> v > RMEM_VCHUNK_MAX) {
		ret = -ERANGE;
	} else {
		if (d->be && d->chunk_shift != v) {
			d->backend->destroy(d->be);
			d->be = NULL;
		}
		d->chunk_shift = v;
	}
	rmem_cfg_unlock(dev, d);
	return ret ? ret : count;
}
static DEVICE_ATTR_RW(chunk_shift);

static ssize_t num_queues_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", rmem_dev_from_dev(dev)->num_queues);
}
static DEVICE_ATTR_RO(num_queues);

static ssize_t live_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(dev->driver) ? 1 : 0);
}
static DEVICE_ATTR_RO(live);

static ssize_t donor_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct rmem_dev *d = rmem_dev_from_dev(dev);
	struct sockaddr_in sin;

	mutex_lock(&d->lock);
	sin = d->donor;
	mutex_unlock(&d->lock);
	if (!sin.sin_port)
		return sysfs_emit(buf, "\n");
	return sysfs_emit(buf, "%pI4:%u\n", &sin.sin_addr, ntohs(sin.sin_port));
}

/* IPV4[:PORT]; an empty write unsets it.  One donor per device for now. */
static ssize_t donor_store(struct device *dev, struct device_attribute *attr,
			   const char *buf, size_t count)
{
	struct rmem_dev *d = rmem_dev_from_dev(dev);
	struct sockaddr_in sin = { .sin_family = AF_INET };
	size_t len = strcspn(buf, "\n");
	const char *end;
	unsigned int port = RMEM_DEFAULT_PORT;
	char tail[8];
	int ret;

	if (len) {
		if (!in4_pton(buf, len, (u8 *)&sin.sin_addr.s_addr, ':', &end))
			return -EINVAL;
		if (end < buf + len) {
			/* in4_pton stopped at ':' (anything else fails to parse) */
			if (*end != ':' || buf + len - end - 1 >= sizeof(tail) || end + 1 == buf + len)
				return -EINVAL;
			memcpy(tail, end + 1, buf + len - end - 1);
			tail[buf + len - end - 1] = 0;
			ret = kstrtouint(tail, 10, &port);
			if (ret || !port || port > 65535)
				return -EINVAL;
		}
		if (!sin.sin_addr.s_addr)
			return -EINVAL;
		sin.sin_port = htons(port);
	}
	ret = rmem_cfg_lock(dev, d);
	if (ret)
		return ret;
	/* A store connected to another donor is dropped. */
	if (d->be && d->backend == &rmem_rdma_backend &&
	    memcmp(&d->donor, &sin, sizeof(sin))) {
		d->backend->destroy(d->be);
		d->be = NULL;
	}
	d->donor = sin;
	rmem_cfg_unlock(dev, d);
	return count;
}
static DEVICE_ATTR_RW(donor);

static ssize_t keep_chunks_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(rmem_dev_from_dev(dev)->keep_chunks) ? 1 : 0);
}

/*
 * Not frozen while live: setting it just before a delete is the point
 * (hand the device's chunks to its next incarnation: migration, recovery).
 */
static ssize_t keep_chunks_store(struct device *dev, struct device_attribute *attr,
				 const char *buf, size_t count)
{
	bool v;
	int ret;

	ret = kstrtobool(buf, &v);
	if (ret)
		return ret;
	WRITE_ONCE(rmem_dev_from_dev(dev)->keep_chunks, v);
	return count;
}
static DEVICE_ATTR_RW(keep_chunks);

static struct attribute *rmem_dev_config_attrs[] = {
	&dev_attr_capacity.attr,
	&dev_attr_device_id.attr,
	&dev_attr_backend.attr,
	&dev_attr_chunk_shift.attr,
	&dev_attr_num_queues.attr,
	&dev_attr_live.attr,
	&dev_attr_donor.attr,
	&dev_attr_keep_chunks.attr,
	NULL,
};

const struct attribute_group rmem_dev_config_group = {
	.name = "rmem",
	.attrs = rmem_dev_config_attrs,
};
