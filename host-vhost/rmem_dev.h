/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rmem_dev.h - vhost_rmem's kernel-side objects and the interfaces between
 * its layers:
 *
 *   rmem_main.c   module init/exit, parameters
 *   rmem_vdpa.c   vDPA management device, vdpa_config_ops, queue worker,
 *                 address translation (vhost IOTLB or DMA addresses)
 *   rmem_dev.c    per-device configuration in sysfs, the device registry
 *   rmem_stats.c  per-device counters in sysfs
 *   rmem_ram.c    the "ram" backend
 *   rmem_rdma_backend.c  the "rdma" backend, on rmem_rdma.c (connections),
 *                 rmem_alloc.c (allocator client) and rmem_map.c (map)
 *   rmem_vq.c, rmem_req.c   pure virtqueue and request logic (also unit-tested)
 */
#ifndef RMEM_DEV_H
#define RMEM_DEV_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/vdpa.h>
#include <linux/vhost_iotlb.h>
#include <linux/workqueue.h>

#include "rmem_sysfs.h"
#include "rmem_virtio.h"
#include "rmem_vq.h"
#include "rmem_req.h"

#define RMEM_MGMTDEV_NAME "rmem"
/*
 * driver_override of a new device: no vDPA driver has this name, so nothing
 * binds before the operator has configured the device and chosen a driver.
 */
#define RMEM_PARKED_DRIVER "rmem-unconfigured"

/* Requests served per queue before the worker yields (fairness, latency). */
#define RMEM_WORK_WEIGHT 64

/* Request types with counters in stats/ (RMEM_SYSFS_STAT_REQS names their files). */
enum rmem_stat_type {
	RMEM_ST_READ,
	RMEM_ST_WRITE,
	RMEM_ST_FLUSH,
	RMEM_ST_DISCARD,
	RMEM_ST_WRITE_ZEROES,
	RMEM_ST_GET_ID,
	RMEM_ST_NR
};

/* Counters of every backend: stats/, laid out in rmem_sysfs.h. */
struct rmem_stats {
	atomic64_t reqs[RMEM_ST_NR];	/* requests completed OK, per type */
	atomic64_t bytes[RMEM_ST_NR];	/* payload bytes (ranges for discard/zeroes) */
	atomic64_t errors[RMEM_REQ_E_NR];	/* refused or failed, per cause */
	atomic64_t lat[RMEM_LAT_BUCKETS];
	atomic64_t chunks;		/* chunks the backend holds now */
};

struct rmem_dev;

/*
 * The head of a backend's per-device state (its configuration and
 * counters, rmem_backend_type.init): says which backend it belongs to, so
 * a file of a backend the device no longer has finds nothing.
 */
struct rmem_backend_priv {
	const struct rmem_backend_type *type;
};

/*
 * A backend type (vdpa_sim's vdpasim_dev_attr shape): a pure I/O table,
 * the life-cycle hooks of its store, and what the backend adds to a device
 * that chooses it.  The core names no backend but the default (ram).
 */
struct rmem_backend_type {
	const char *name;
	const struct rmem_backend_ops *io;
	u32 cfg_flags;			/* RMEM_VIRTIO_CFG_F_* it sets in the config space */
	/*
	 * Per-device state, from the moment the backend is chosen (before its
	 * files appear) until another is chosen or the device is freed (after
	 * its files are gone).  Returns it or ERR_PTR; NULL hooks: none.
	 */
	struct rmem_backend_priv *(*init)(struct rmem_dev *d);
	void (*fini)(struct rmem_backend_priv *priv);
	/* Files merged into rmem/ and directories of its own; NULL: none. */
	const struct attribute_group *config_group;
	const struct attribute_group **groups;
	/* The backend's own configuration is complete (called under d->lock). */
	bool (*configured)(struct rmem_dev *d);
	/* Creates the store for a configured device; returns it or ERR_PTR. */
	void *(*create)(struct rmem_dev *d);
	/* Drops all data (device reset): every chunk is freed. */
	void (*clear)(void *be);
	void (*destroy)(void *be);
};

extern const struct rmem_backend_type rmem_ram_backend;
extern const struct rmem_backend_type rmem_rdma_backend;

struct rmem_dev_vq {
	struct rmem_vq vq;
	struct vdpa_callback cb;
	u64 desc_addr, driver_addr, device_addr;
	u32 num;
	u16 avail_base;		/* set_vq_state before ready */
	bool ready;
};

struct rmem_dev {
	struct vdpa_device vdpa;	/* must be first: vdpa_alloc_device() */
	struct list_head node;		/* in the module's device registry */

	/*
	 * Serialises everything below against the vDPA ops and the worker,
	 * which holds it while it serves the rings: set_map, reset and
	 * delete therefore never race with an access to driver memory.
	 */
	struct mutex lock;

	/* Configuration (sysfs), frozen while a driver is bound. */
	u64 capacity;			/* bytes, multiple of 4096 */
	u64 device_id;
	unsigned int chunk_shift;
	unsigned int num_queues;	/* fixed at creation (module parameter) */
	/* Changed under d->lock and rmem_dev.c's backend lock. */
	const struct rmem_backend_type *backend;
	struct rmem_backend_priv *be_priv;	/* the backend's state, or NULL */
	bool be_files;			/* the backend's files are in sysfs */

	/* virtio state */
	u8 status;
	u64 features;			/* driver's */
	bool direct;			/* addresses are DMA addresses (virtio_vdpa) */
	bool suspended;			/* vdpa suspend: queues keep state, no work */
	u32 generation;
	struct vdpa_callback config_cb;
	struct rmem_dev_vq vqs[RMEM_VIRTIO_NUM_QUEUES_MAX];
	struct vhost_iotlb iotlb;	/* vhost_vdpa's mappings (set_map) */

	/* Serving */
	void *be;			/* backend store, created at FEATURES_OK */
	struct rmem_req_limits lim;
	struct rmem_vq_mem mem;
	struct work_struct work;
	struct rmem_vq_chain chain;	/* worker scratch, too big for the stack */
	struct rmem_req req;

	struct rmem_stats stats;
};

static inline struct rmem_dev *rmem_dev_from_vdpa(struct vdpa_device *v)
{
	return container_of(v, struct rmem_dev, vdpa);
}

static inline struct rmem_dev *rmem_dev_from_dev(struct device *dev)
{
	return rmem_dev_from_vdpa(dev_to_vdpa(dev));
}

/* rmem_main.c: module parameters */
extern unsigned int rmem_param_num_queues;
extern unsigned int rmem_param_chunk_shift;

/* rmem_vdpa.c */
int rmem_vdpa_init(void);
void rmem_vdpa_exit(void);

/* rmem_dev.c */
extern const struct attribute_group rmem_dev_config_group;
int rmem_dev_register(struct rmem_dev *d);
void rmem_dev_unregister(struct rmem_dev *d);
bool rmem_dev_configured(struct rmem_dev *d);
/* Frees the backend's per-device state; from the device release only. */
void rmem_dev_backend_fini(struct rmem_dev *d);
/* Takes the device lock and d->lock unless a driver is bound (-EBUSY). */
int rmem_dev_cfg_lock(struct rmem_dev *d);
void rmem_dev_cfg_unlock(struct rmem_dev *d);
/* Drops the backend store: config it was made for changed.  Under the cfg lock. */
void rmem_dev_drop_store(struct rmem_dev *d);

/*
 * @d's state of backend @b, or NULL when @d has another backend now.  Valid
 * in a callback of one of @b's files (they are removed before the state is
 * freed) and under d->lock.
 */
static inline void *rmem_dev_backend_priv(struct rmem_dev *d, const struct rmem_backend_type *b)
{
	struct rmem_backend_priv *p = READ_ONCE(d->be_priv);

	return p && p->type == b ? p : NULL;
}

/*
 * Generated rmem/ files (null_blk's NULLB_DEVICE_ATTR shape): a file is a
 * field of the device, or of a backend's state, and a format that parses
 * and prints it.  A write is parsed, checked alone by ok() (EINVAL even
 * while live), then handed to set() under rmem_dev_cfg_lock() (EBUSY while
 * live), which checks it against the rest and stores it.  A file writable
 * live takes no lock and is stored as parsed.
 */
struct rmem_cfg_format {
	size_t size;			/* of the field, at most RMEM_CFG_VALUE_MAX */
	bool locked;			/* wider than one load: printed under d->lock */
	int (*parse)(const char *buf, void *v);
	ssize_t (*emit)(char *buf, const void *v);
};

#define RMEM_CFG_VALUE_MAX 16

struct rmem_cfg_attr {
	struct device_attribute dattr;
	const struct rmem_cfg_format *fmt;
	const struct rmem_backend_type *backend;	/* field in its state; NULL: in the device */
	size_t off;
	bool live;
	bool (*ok)(const void *v);
	int (*set)(struct rmem_dev *d, void *field, const void *v);
};

extern const struct rmem_cfg_format rmem_cfg_fmt_u64, rmem_cfg_fmt_x64, rmem_cfg_fmt_uint,
	rmem_cfg_fmt_bool;
ssize_t rmem_cfg_show(struct device *dev, struct device_attribute *attr, char *buf);
ssize_t rmem_cfg_store(struct device *dev, struct device_attribute *attr, const char *buf,
		       size_t count);

#define RMEM_CFG_ATTR(_name, _mode, _fmt, _backend, _type, _ok, _set, _live)	\
	struct rmem_cfg_attr rmem_cfg_attr_##_name = {				\
		.dattr = __ATTR(_name, _mode, rmem_cfg_show, rmem_cfg_store),	\
		.fmt = &rmem_cfg_fmt_##_fmt,					\
		.backend = _backend,						\
		.off = offsetof(_type, _name),					\
		.ok = _ok,							\
		.set = _set,							\
		.live = _live,							\
	}

/* A file with a show and store of its own, in the same table. */
#define RMEM_CFG_ATTR_CUSTOM(_name, _mode, _show, _store)			\
	struct rmem_cfg_attr rmem_cfg_attr_##_name = {				\
		.dattr = __ATTR(_name, _mode, _show, _store),			\
	}

/*
 * A read-only counter file: the atomic64_t at @off in the device, or in
 * the state of @backend.  stats/ and the rdma backend's rdma/ use it.
 */
struct rmem_counter_attr {
	struct device_attribute dattr;
	const struct rmem_backend_type *backend;
	size_t off;
};

ssize_t rmem_counter_show(struct device *dev, struct device_attribute *attr, char *buf);

/* An element of an array of counter files; rmem_counter_attrs() lists them for a group. */
#define RMEM_COUNTER_ATTR(_name, _backend, _type, _field)			\
	{									\
		.dattr = __ATTR(_name, 0444, rmem_counter_show, NULL),		\
		.backend = _backend,						\
		.off = offsetof(_type, _field),					\
	}

/* Fills @out with the attributes of @a[0..n); returns the slot after them. */
struct attribute **rmem_counter_attrs(struct attribute **out, struct rmem_counter_attr *a,
				      size_t n);

/* The attribute of a generated file, for a group's list. */
#define RMEM_CFG_ATTR_PTR(_name) (&rmem_cfg_attr_##_name.dattr.attr)

/* rmem_rdma_backend.c */
int rmem_rdma_init(void);
void rmem_rdma_exit(void);

/* rmem_stats.c */
extern const struct attribute_group rmem_dev_stats_group;
void rmem_stats_init(void);
void rmem_stats_account(struct rmem_dev *d, const struct rmem_req *req, u64 ns);
void rmem_stats_error(struct rmem_dev *d, enum rmem_req_err err);

#endif /* RMEM_DEV_H */
