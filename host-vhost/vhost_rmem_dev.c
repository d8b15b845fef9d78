// SPDX-License-Identifier: GPL-2.0
/*
 * vhost_rmem_dev.c - per-device configuration, one value per sysfs file under
 * /sys/bus/vdpa/devices/<name>/rmem/ (the list: RMEM_SYSFS_CONFIG in
 * rmem_sysfs.h), the choice of backend with the files it brings, and the
 * registry that keeps device ids unique on this host.
 *
 * Writes are refused with EBUSY while a driver is bound: the driver has
 * read the config, and a disk that changes size or identity under a guest
 * is corruption waiting to happen.  The device lock is what driver binding
 * takes, so holding it across the check and the update closes the race
 * with a concurrent bind.
 *
 * A backend's files (rdma: rmem/donor, rmem/keep_chunks, rdma/) exist only
 * while a device has that backend.  Removing a file waits for its running
 * callbacks, which may wait for the device lock or d->lock: files are
 * therefore added and removed outside both, under vhost_rmem_backend_lock, after
 * the switch; a callback that runs in between finds its backend's state
 * gone (vhost_rmem_dev_backend_priv() NULL) and fails with ENODEV.
 */
#include <linux/device.h>
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "vhost_rmem_dev.h"

static LIST_HEAD(vhost_rmem_registry);
static DEFINE_MUTEX(vhost_rmem_registry_lock);	/* the list and every device_id */

/*
 * What rmem/backend accepts.  The first is every new device's (vhost_rmem_vdpa.c)
 * and has neither state nor files of its own.
 */
static const struct vhost_rmem_backend_type *const vhost_rmem_backends[] = {
	&vhost_rmem_ram_backend,
	&vhost_rmem_rdma_backend,
};

int vhost_rmem_dev_register(struct vhost_rmem_dev *d)
{
	mutex_lock(&vhost_rmem_registry_lock);
	list_add_tail(&d->node, &vhost_rmem_registry);
	mutex_unlock(&vhost_rmem_registry_lock);
	return 0;
}

/* Idempotent: also called for devices that never made it into the list. */
void vhost_rmem_dev_unregister(struct vhost_rmem_dev *d)
{
	mutex_lock(&vhost_rmem_registry_lock);
	list_del_init(&d->node);
	mutex_unlock(&vhost_rmem_registry_lock);
}

bool vhost_rmem_dev_configured(struct vhost_rmem_dev *d)
{
	return d->capacity && rmem_virtio_device_id_valid(d->device_id) && d->backend &&
	       (!d->backend->configured || d->backend->configured(d));
}

int vhost_rmem_dev_cfg_lock(struct vhost_rmem_dev *d)
{
	struct device *dev = &d->vdpa.dev;

	device_lock(dev);
	if (dev->driver) {
		device_unlock(dev);
		return -EBUSY;
	}
	/*
	 * Not d->status: after an unbind virtio core leaves ACKNOWLEDGE set on
	 * a device that was reset, and every later bind resets it again.
	 * serve_sem too: a lane that runs now (its backend's upkeep) must not
	 * see the store change under it.
	 */
	down_write(&d->serve_sem);
	mutex_lock(&d->lock);
	return 0;
}

void vhost_rmem_dev_cfg_unlock(struct vhost_rmem_dev *d)
{
	mutex_unlock(&d->lock);
	up_write(&d->serve_sem);
	device_unlock(&d->vdpa.dev);
}

void vhost_rmem_dev_drop_store(struct vhost_rmem_dev *d)
{
	if (d->be) {
		d->backend->destroy(d->be);
		d->be = NULL;
	}
}

/* ------------------------------------------------------------ generated files */

static int vhost_rmem_cfg_parse_u64(const char *buf, void *v)
{
	return kstrtou64(buf, 0, v);
}

static ssize_t vhost_rmem_cfg_emit_u64(char *buf, const void *v)
{
	return sysfs_emit(buf, "%llu\n", READ_ONCE(*(const u64 *)v));
}

static ssize_t vhost_rmem_cfg_emit_x64(char *buf, const void *v)
{
	return sysfs_emit(buf, "0x%016llx\n", READ_ONCE(*(const u64 *)v));
}

static int vhost_rmem_cfg_parse_uint(const char *buf, void *v)
{
	return kstrtouint(buf, 0, v);
}

static ssize_t vhost_rmem_cfg_emit_uint(char *buf, const void *v)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(*(const unsigned int *)v));
}

static int vhost_rmem_cfg_parse_bool(const char *buf, void *v)
{
	return kstrtobool(buf, v);
}

static ssize_t vhost_rmem_cfg_emit_bool(char *buf, const void *v)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(*(const bool *)v) ? 1 : 0);
}

const struct vhost_rmem_cfg_format vhost_rmem_cfg_fmt_u64 = {
	.size = sizeof(u64), .parse = vhost_rmem_cfg_parse_u64, .emit = vhost_rmem_cfg_emit_u64,
};

const struct vhost_rmem_cfg_format vhost_rmem_cfg_fmt_x64 = {
	.size = sizeof(u64), .parse = vhost_rmem_cfg_parse_u64, .emit = vhost_rmem_cfg_emit_x64,
};

const struct vhost_rmem_cfg_format vhost_rmem_cfg_fmt_uint = {
	.size = sizeof(unsigned int), .parse = vhost_rmem_cfg_parse_uint,
	.emit = vhost_rmem_cfg_emit_uint,
};

const struct vhost_rmem_cfg_format vhost_rmem_cfg_fmt_bool = {
	.size = sizeof(bool), .parse = vhost_rmem_cfg_parse_bool, .emit = vhost_rmem_cfg_emit_bool,
};

/* Where a file's field lives: the device, or its backend's state (NULL if gone). */
static void *vhost_rmem_attr_base(struct vhost_rmem_dev *d, const struct vhost_rmem_backend_type *b)
{
	return b ? vhost_rmem_dev_backend_priv(d, b) : d;
}

ssize_t vhost_rmem_cfg_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	const struct vhost_rmem_cfg_attr *a = container_of(attr, struct vhost_rmem_cfg_attr, dattr);
	struct vhost_rmem_dev *d = vhost_rmem_dev_from_dev(dev);
	u8 *base = vhost_rmem_attr_base(d, a->backend);
	ssize_t ret;

	if (!base)
		return -ENODEV;
	if (!a->fmt->locked)
		return a->fmt->emit(buf, base + a->off);
	mutex_lock(&d->lock);
	ret = a->fmt->emit(buf, base + a->off);
	mutex_unlock(&d->lock);
	return ret;
}

/* A live value is read locklessly (READ_ONCE): it must be written whole. */
static void vhost_rmem_cfg_write_once(void *field, const void *v, size_t size)
{
	switch (size) {
	case 1:
		WRITE_ONCE(*(u8 *)field, *(const u8 *)v);
		break;
	case 4:
		WRITE_ONCE(*(u32 *)field, *(const u32 *)v);
		break;
	case 8:
		WRITE_ONCE(*(u64 *)field, *(const u64 *)v);
		break;
	default:
		memcpy(field, v, size);	/* never live: addresses are set while parked */
	}
}

ssize_t vhost_rmem_cfg_store(struct device *dev, struct device_attribute *attr, const char *buf,
			     size_t count)
{
	const struct vhost_rmem_cfg_attr *a = container_of(attr, struct vhost_rmem_cfg_attr, dattr);
	struct vhost_rmem_dev *d = vhost_rmem_dev_from_dev(dev);
	u64 v[VHOST_RMEM_CFG_VALUE_MAX / sizeof(u64)] = { 0 };
	u8 *base;
	int ret;

	/* Read-only files share this store; root may chmod them, not write them. */
	if (!(a->dattr.attr.mode & 0222))
		return -EPERM;
	if (WARN_ON_ONCE(a->fmt->size > sizeof(v)))
		return -EINVAL;
	ret = a->fmt->parse(buf, v);
	if (ret)
		return ret;
	if (a->ok && !a->ok(v))
		return -EINVAL;
	if (a->live) {
		base = vhost_rmem_attr_base(d, a->backend);
		if (!base)
			return -ENODEV;
		vhost_rmem_cfg_write_once(base + a->off, v, a->fmt->size);
		return count;
	}
	ret = vhost_rmem_dev_cfg_lock(d);
	if (ret)
		return ret;
	base = vhost_rmem_attr_base(d, a->backend);
	if (!base)
		ret = -ENODEV;
	else if (a->set)
		ret = a->set(d, base + a->off, v);
	else
		memcpy(base + a->off, v, a->fmt->size);
	vhost_rmem_dev_cfg_unlock(d);
	return ret ? ret : count;
}

struct attribute **vhost_rmem_counter_attrs(struct attribute **out,
					    struct vhost_rmem_counter_attr *a, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		*out++ = &a[i].dattr.attr;
	return out;
}

ssize_t vhost_rmem_counter_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	const struct vhost_rmem_counter_attr *a = container_of(attr, struct vhost_rmem_counter_attr,
							       dattr);
	u8 *base = vhost_rmem_attr_base(vhost_rmem_dev_from_dev(dev), a->backend);

	if (!base)
		return -ENODEV;
	return sysfs_emit(buf, "%lld\n", atomic64_read((atomic64_t *)(base + a->off)));
}

/* ------------------------------------------------------------ rmem/ */

static bool vhost_rmem_capacity_ok(const void *v)
{
	u64 c = *(const u64 *)v;

	return c && !(c % RMEM_BLOCK_SIZE);
}

/* Every virtual chunk index must fit the donors' owner word. */
static int vhost_rmem_capacity_set(struct vhost_rmem_dev *d, void *field, const void *v)
{
	u64 c = *(const u64 *)v;

	if ((c - 1) >> d->chunk_shift > RMEM_VCHUNK_MAX)
		return -ERANGE;
	/* The store sized its map and its rebuild for the old capacity. */
	if (d->capacity != c)
		vhost_rmem_dev_drop_store(d);
	WRITE_ONCE(d->capacity, c);
	return 0;
}

static bool vhost_rmem_device_id_ok(const void *v)
{
	return rmem_virtio_device_id_valid(*(const u64 *)v);
}

static int vhost_rmem_device_id_set(struct vhost_rmem_dev *d, void *field, const void *v)
{
	u64 id = *(const u64 *)v;
	struct vhost_rmem_dev *other;
	int ret = 0;

	if (d->device_id == id)
		return 0;
	/*
	 * The store holds the old id's lease on the donor.  It goes while the
	 * registry still reserves the old id for us (and outside the registry
	 * lock: it talks to the donor), so no device can take the id and
	 * adopt the slot while this one still speaks for it.  Dropping it on
	 * -EEXIST below costs nothing: the device is parked, and its next
	 * start makes a new one.
	 */
	vhost_rmem_dev_drop_store(d);
	mutex_lock(&vhost_rmem_registry_lock);
	list_for_each_entry(other, &vhost_rmem_registry, node) {
		if (other != d && other->device_id == id) {
			ret = -EEXIST;
			break;
		}
	}
	if (!ret)
		WRITE_ONCE(d->device_id, id);
	mutex_unlock(&vhost_rmem_registry_lock);
	if (ret)
		dev_warn(&d->vdpa.dev, "device id 0x%016llx is already used by another device\n",
			 id);
	return ret;
}

static bool vhost_rmem_chunk_shift_ok(const void *v)
{
	unsigned int s = *(const unsigned int *)v;

	return s >= RMEM_CHUNK_SHIFT_MIN && s <= RMEM_CHUNK_SHIFT_MAX;
}

static int vhost_rmem_chunk_shift_set(struct vhost_rmem_dev *d, void *field, const void *v)
{
	unsigned int s = *(const unsigned int *)v;

	if (d->capacity && (d->capacity - 1) >> s > RMEM_VCHUNK_MAX)
		return -ERANGE;
	/* A store made for another chunk size would be dropped by reset anyway. */
	if (d->chunk_shift != s)
		vhost_rmem_dev_drop_store(d);
	WRITE_ONCE(d->chunk_shift, s);
	return 0;
}

static VHOST_RMEM_CFG_ATTR(capacity, 0644, u64, NULL, struct vhost_rmem_dev, vhost_rmem_capacity_ok,
		     vhost_rmem_capacity_set, false);
static VHOST_RMEM_CFG_ATTR(device_id, 0644, x64, NULL, struct vhost_rmem_dev,
			   vhost_rmem_device_id_ok, vhost_rmem_device_id_set, false);
static VHOST_RMEM_CFG_ATTR(chunk_shift, 0644, uint, NULL, struct vhost_rmem_dev,
			   vhost_rmem_chunk_shift_ok, vhost_rmem_chunk_shift_set, false);
static VHOST_RMEM_CFG_ATTR(num_queues, 0444, uint, NULL, struct vhost_rmem_dev, NULL, NULL, false);

static ssize_t live_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(dev->driver) ? 1 : 0);
}
static VHOST_RMEM_CFG_ATTR_CUSTOM(live, 0444, live_show, NULL);

static ssize_t backend_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	const struct vhost_rmem_backend_type *b = READ_ONCE(vhost_rmem_dev_from_dev(dev)->backend);

	return sysfs_emit(buf, "%s\n", b ? b->name : "");
}

static int vhost_rmem_backend_files_add(struct vhost_rmem_dev *d,
					const struct vhost_rmem_backend_type *b)
{
	struct kobject *kobj = &d->vdpa.dev.kobj;
	int ret = 0;

	if (b->config_group)
		ret = sysfs_merge_group(kobj, b->config_group);
	if (!ret && b->groups) {
		ret = sysfs_create_groups(kobj, b->groups);
		if (ret && b->config_group)
			sysfs_unmerge_group(kobj, b->config_group);
	}
	return ret;
}

static void vhost_rmem_backend_files_remove(struct vhost_rmem_dev *d,
					    const struct vhost_rmem_backend_type *b)
{
	struct kobject *kobj = &d->vdpa.dev.kobj;

	if (b->groups)
		sysfs_remove_groups(kobj, b->groups);
	if (b->config_group)
		sysfs_unmerge_group(kobj, b->config_group);
}

/*
 * Switches the device to @b: its store is dropped, the old backend's state
 * and files go, @b's come.  Writing the current backend changes nothing but
 * is still refused while live, like every other rmem/ file.
 */
static ssize_t backend_store(struct device *dev, struct device_attribute *attr,
			     const char *buf, size_t count)
{
	struct vhost_rmem_dev *d = vhost_rmem_dev_from_dev(dev);
	struct vhost_rmem_backend_priv *priv = NULL, *old_priv = NULL;
	const struct vhost_rmem_backend_type *b = NULL, *old;
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(vhost_rmem_backends); i++)
		if (sysfs_streq(buf, vhost_rmem_backends[i]->name))
			b = vhost_rmem_backends[i];
	if (!b)
		return -EINVAL;

	mutex_lock(&d->be_lock);
	old = d->backend;		/* stable: only changed under d->be_lock */
	if (old != b && b->init) {
		priv = b->init(d);
		if (IS_ERR(priv)) {
			ret = PTR_ERR(priv);
			goto out_unlock;
		}
		priv->type = b;
	}
	ret = vhost_rmem_dev_cfg_lock(d);
	if (ret)
		goto out_fini;
	if (old != b) {
		vhost_rmem_dev_drop_store(d);
		old_priv = d->be_priv;
		d->backend = b;
		WRITE_ONCE(d->be_priv, priv);
		priv = NULL;
	}
	vhost_rmem_dev_cfg_unlock(d);

	if (old != b && d->be_files) {
		vhost_rmem_backend_files_remove(d, old);
		d->be_files = false;
	}
	if (old != b && old->fini && old_priv)
		old->fini(old_priv);
	/* Also retries files a previous switch failed to add. */
	if (!d->be_files) {
		ret = vhost_rmem_backend_files_add(d, b);
		d->be_files = !ret;
		if (ret)
			dev_warn(dev, "backend %s: adding its sysfs files failed (%d); write backend again to retry\n",
				 b->name, ret);
		ret = 0;	/* the switch itself is done */
	}
out_fini:
	if (priv && b->fini)
		b->fini(priv);
out_unlock:
	mutex_unlock(&d->be_lock);
	return ret ? ret : count;
}
static VHOST_RMEM_CFG_ATTR_CUSTOM(backend, 0644, backend_show, backend_store);

void vhost_rmem_dev_backend_fini(struct vhost_rmem_dev *d)
{
	if (d->be_priv && d->backend->fini)
		d->backend->fini(d->be_priv);
	d->be_priv = NULL;
}

#define VHOST_RMEM_CFG_ATTR_REF(_name) VHOST_RMEM_CFG_ATTR_PTR(_name),
static struct attribute *vhost_rmem_dev_config_attrs[] = {
	RMEM_SYSFS_CONFIG(VHOST_RMEM_CFG_ATTR_REF)
	NULL,
};

const struct attribute_group vhost_rmem_dev_config_group = {
	.name = RMEM_SYSFS_CONFIG_DIR,
	.attrs = vhost_rmem_dev_config_attrs,
};
