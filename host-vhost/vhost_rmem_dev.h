/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vhost_rmem_dev.h - vhost_rmem's kernel-side objects and the interfaces between
 * its layers:
 *
 *   vhost_rmem_main.c   module init/exit, parameters
 *   vhost_rmem_vdpa.c   vDPA management device, vdpa_config_ops, queue worker,
 *                 address translation (vhost IOTLB or DMA addresses)
 *   vhost_rmem_dev.c    per-device configuration in sysfs, the device registry
 *   vhost_rmem_stats.c  per-device counters in sysfs
 *   vhost_rmem_ram.c    the "ram" backend
 *   vhost_rmem_rdma.c  the "rdma" backend, on vhost_rmem_conn.c (connections),
 *                 vhost_rmem_alloc.c (allocator client) and vhost_rmem_map.c (map)
 *   vhost_rmem_vq.c, vhost_rmem_req.c   pure virtqueue and request logic (also unit-tested)
 */
#ifndef VHOST_RMEM_DEV_H
#define VHOST_RMEM_DEV_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/vdpa.h>
#include <linux/vhost_iotlb.h>
#include <linux/workqueue.h>

#include "rmem_sysfs.h"
#include "rmem_virtio.h"
#include "vhost_rmem_vq.h"
#include "vhost_rmem_req.h"

#define VHOST_RMEM_MGMTDEV_NAME "rmem"
/*
 * driver_override of a new device: no vDPA driver has this name, so nothing
 * binds before the operator has configured the device and chosen a driver.
 */
#define VHOST_RMEM_PARKED_DRIVER "rmem-unconfigured"

/* Requests a lane pops before it yields (fairness, latency). */
#define VHOST_RMEM_WORK_WEIGHT 256
/* Requests a lane keeps in flight at once (no more than a ring holds). */
#define VHOST_RMEM_LANE_DEPTH 64u

/* Request types with counters in stats/ (RMEM_SYSFS_STAT_REQS names their files). */
enum vhost_rmem_stat_type {
	VHOST_RMEM_ST_READ,
	VHOST_RMEM_ST_WRITE,
	VHOST_RMEM_ST_FLUSH,
	VHOST_RMEM_ST_DISCARD,
	VHOST_RMEM_ST_WRITE_ZEROES,
	VHOST_RMEM_ST_GET_ID,
	VHOST_RMEM_ST_NR
};

/* Counters of every backend: stats/, laid out in rmem_sysfs.h. */
struct vhost_rmem_stats {
	atomic64_t reqs[VHOST_RMEM_ST_NR];	/* requests completed OK, per type */
	atomic64_t bytes[VHOST_RMEM_ST_NR];	/* payload bytes (ranges for discard/zeroes) */
	atomic64_t errors[VHOST_RMEM_REQ_E_NR];	/* refused or failed, per cause */
	atomic64_t lat[RMEM_LAT_BUCKETS];
	atomic64_t chunks;		/* chunks the backend holds now */
};

struct vhost_rmem_dev;

/*
 * The head of a backend's per-device state (its configuration and
 * counters, vhost_rmem_backend_type.init): says which backend it belongs to, so
 * a file of a backend the device no longer has finds nothing.
 */
struct vhost_rmem_backend_priv {
	const struct vhost_rmem_backend_type *type;
};

/*
 * A backend type (vdpa_sim's vdpasim_dev_attr shape): a pure I/O table,
 * the life-cycle hooks of its store, and what the backend adds to a device
 * that chooses it.  The core names no backend but the default (ram).
 */
struct vhost_rmem_backend_type {
	const char *name;
	const struct vhost_rmem_backend_ops *io;
	u32 cfg_flags;			/* RMEM_VIRTIO_CFG_F_* it sets in the config space */
	/*
	 * Per-device state, from the moment the backend is chosen (before its
	 * files appear) until another is chosen or the device is freed (after
	 * its files are gone).  Returns it or ERR_PTR; NULL hooks: none.
	 */
	struct vhost_rmem_backend_priv *(*init)(struct vhost_rmem_dev *d);
	void (*fini)(struct vhost_rmem_backend_priv *priv);
	/* Files merged into rmem/ and directories of its own; NULL: none. */
	const struct attribute_group *config_group;
	const struct attribute_group **groups;
	/* The backend's own configuration is complete (called under d->lock). */
	bool (*configured)(struct vhost_rmem_dev *d);
	/* Creates the store for a configured device; returns it or ERR_PTR. */
	void *(*create)(struct vhost_rmem_dev *d);
	/* Drops all data (device reset): every chunk is freed. */
	void (*clear)(void *be);
	void (*destroy)(void *be);
};

extern const struct vhost_rmem_backend_type vhost_rmem_ram_backend;
extern const struct vhost_rmem_backend_type vhost_rmem_rdma_backend;

struct vhost_rmem_dev_vq;

/*
 * A request of a lane from pop to used ring: its chain, its parsed form and
 * the backend's private area (backend_ops.req_size bytes) after it.
 */
struct vhost_rmem_lane_req {
	struct vhost_rmem_req req;
	struct vhost_rmem_vq_chain chain;
	struct list_head node;		/* on the lane's free or done list */
	struct vhost_rmem_dev_vq *q;	/* its lane */
	u64 t0;				/* popped, ns */
	bool refused;			/* chain refused by the vq layer: length 0 */
	unsigned long priv[];
};

/*
 * A virtqueue and its lane: the work item that serves it, with up to
 * VHOST_RMEM_LANE_DEPTH requests in flight, answered as they end.  The lane
 * owns everything below "lane" while it runs (a work item never runs twice
 * at once); the control side touches it only with no lane serving
 * (d->serve_sem held for writing).
 */
struct vhost_rmem_dev_vq {
	struct vhost_rmem_vq vq;
	struct vdpa_callback cb;
	u64 desc_addr, driver_addr, device_addr;
	u32 num;
	u16 avail_base;		/* set_vq_state before ready */
	bool ready;

	/* lane */
	struct vhost_rmem_dev *d;
	unsigned int index;
	struct work_struct work;
	u8 *reqs;			/* depth contexts of req_stride bytes */
	size_t req_stride;
	unsigned int depth;
	struct list_head free;		/* contexts not in use */
	struct list_head done;		/* ended, not answered yet */
	unsigned int inflight;		/* submitted to the backend, not ended */
	/* stats/queues */
	atomic64_t requests;
	atomic_t inflight_max;
};

struct vhost_rmem_dev {
	struct vdpa_device vdpa;	/* must be first: vdpa_alloc_device() */
	struct list_head node;		/* in the module's device registry */

	/*
	 * Serialises the vDPA ops and configuration.  Lanes never take it: a
	 * control op that changes what they use (rings, map, status, store)
	 * also takes serve_sem for writing, which waits until no lane serves
	 * (each ends its requests before it lets go), so set_map, reset,
	 * suspend and delete never race with an access to driver memory and
	 * leave nothing in flight; reads of status or config never wait on I/O.
	 */
	struct mutex lock;
	struct rw_semaphore serve_sem;	/* read: a lane serving; write: none may */

	/* Configuration (sysfs), frozen while a driver is bound. */
	u64 capacity;			/* bytes, multiple of 4096 */
	u64 device_id;
	unsigned int chunk_shift;
	unsigned int num_queues;	/* fixed at creation (module parameter) */
	/* Changed under d->lock and d->be_lock (vhost_rmem_dev.c). */
	const struct vhost_rmem_backend_type *backend;
	struct vhost_rmem_backend_priv *be_priv;	/* the backend's state, or NULL */
	bool be_files;			/* the backend's files are in sysfs */
	struct mutex be_lock;		/* backend switches and their files; outside lock */

	/* virtio state */
	u8 status;
	bool needs_reset;		/* a lane found a ring unusable (lanes set it) */
	u64 features;			/* driver's */
	bool direct;			/* addresses are DMA addresses (virtio_vdpa) */
	bool suspended;			/* vdpa suspend: queues keep state, no work */
	u32 generation;
	struct vdpa_callback config_cb;
	struct vhost_rmem_dev_vq vqs[RMEM_VIRTIO_NUM_QUEUES_MAX];
	struct vhost_iotlb iotlb;	/* vhost_vdpa's mappings (set_map) */

	/* Serving */
	void *be;			/* backend store, created at FEATURES_OK */
	struct vhost_rmem_req_limits lim;
	struct vhost_rmem_vq_mem mem;

	struct vhost_rmem_stats stats;
};

static inline struct vhost_rmem_dev *vhost_rmem_dev_from_vdpa(struct vdpa_device *v)
{
	return container_of(v, struct vhost_rmem_dev, vdpa);
}

static inline struct vhost_rmem_dev *vhost_rmem_dev_from_dev(struct device *dev)
{
	return vhost_rmem_dev_from_vdpa(dev_to_vdpa(dev));
}

/* vhost_rmem_main.c: module parameters */
extern unsigned int vhost_rmem_param_num_queues;
extern unsigned int vhost_rmem_param_chunk_shift;

/* vhost_rmem_vdpa.c */
int vhost_rmem_vdpa_init(void);
void vhost_rmem_vdpa_exit(void);

/* vhost_rmem_dev.c */
extern const struct attribute_group vhost_rmem_dev_config_group;
int vhost_rmem_dev_register(struct vhost_rmem_dev *d);
void vhost_rmem_dev_unregister(struct vhost_rmem_dev *d);
bool vhost_rmem_dev_configured(struct vhost_rmem_dev *d);
/* Frees the backend's per-device state; from the device release only. */
void vhost_rmem_dev_backend_fini(struct vhost_rmem_dev *d);
/* Takes the device lock and d->lock unless a driver is bound (-EBUSY). */
int vhost_rmem_dev_cfg_lock(struct vhost_rmem_dev *d);
void vhost_rmem_dev_cfg_unlock(struct vhost_rmem_dev *d);
/* Drops the backend store: config it was made for changed.  Under the cfg lock. */
void vhost_rmem_dev_drop_store(struct vhost_rmem_dev *d);

/*
 * @d's state of backend @b, or NULL when @d has another backend now.  Valid
 * in a callback of one of @b's files (they are removed before the state is
 * freed) and under d->lock.
 */
static inline void *vhost_rmem_dev_backend_priv(struct vhost_rmem_dev *d,
						const struct vhost_rmem_backend_type *b)
{
	struct vhost_rmem_backend_priv *p = READ_ONCE(d->be_priv);

	return p && p->type == b ? p : NULL;
}

/*
 * Generated rmem/ files (null_blk's NULLB_DEVICE_ATTR shape): a file is a
 * field of the device, or of a backend's state, and a format that parses
 * and prints it.  A write is parsed, checked alone by ok() (EINVAL even
 * while live), then handed to set() under vhost_rmem_dev_cfg_lock() (EBUSY while
 * live), which checks it against the rest and stores it.  A file writable
 * live takes no lock and is stored as parsed.
 */
struct vhost_rmem_cfg_format {
	size_t size;			/* of the field, at most VHOST_RMEM_CFG_VALUE_MAX */
	bool locked;			/* wider than one load: printed under d->lock */
	int (*parse)(const char *buf, void *v);
	ssize_t (*emit)(char *buf, const void *v);
};

#define VHOST_RMEM_CFG_VALUE_MAX 16

struct vhost_rmem_cfg_attr {
	struct device_attribute dattr;
	const struct vhost_rmem_cfg_format *fmt;
	const struct vhost_rmem_backend_type *backend; /* field in its state; NULL: in the device */
	size_t off;
	bool live;
	bool (*ok)(const void *v);
	int (*set)(struct vhost_rmem_dev *d, void *field, const void *v);
};

extern const struct vhost_rmem_cfg_format vhost_rmem_cfg_fmt_u64, vhost_rmem_cfg_fmt_x64,
	vhost_rmem_cfg_fmt_uint, vhost_rmem_cfg_fmt_bool;
ssize_t vhost_rmem_cfg_show(struct device *dev, struct device_attribute *attr, char *buf);
ssize_t vhost_rmem_cfg_store(struct device *dev, struct device_attribute *attr, const char *buf,
			     size_t count);

#define VHOST_RMEM_CFG_ATTR(_name, _mode, _fmt, _backend, _type, _ok, _set, _live)	\
	struct vhost_rmem_cfg_attr vhost_rmem_cfg_attr_##_name = {				\
		.dattr = __ATTR(_name, _mode, vhost_rmem_cfg_show, vhost_rmem_cfg_store),	\
		.fmt = &vhost_rmem_cfg_fmt_##_fmt,					\
		.backend = _backend,						\
		.off = offsetof(_type, _name),					\
		.ok = _ok,							\
		.set = _set,							\
		.live = _live,							\
	}

/* A file with a show and store of its own, in the same table. */
#define VHOST_RMEM_CFG_ATTR_CUSTOM(_name, _mode, _show, _store)			\
	struct vhost_rmem_cfg_attr vhost_rmem_cfg_attr_##_name = {				\
		.dattr = __ATTR(_name, _mode, _show, _store),			\
	}

/*
 * A read-only counter file: the atomic64_t at @off in the device, or in
 * the state of @backend.  stats/ and the rdma backend's rdma/ use it.
 */
struct vhost_rmem_counter_attr {
	struct device_attribute dattr;
	const struct vhost_rmem_backend_type *backend;
	size_t off;
};

ssize_t vhost_rmem_counter_show(struct device *dev, struct device_attribute *attr, char *buf);

/* An element of an array of counter files; vhost_rmem_counter_attrs() lists them for a group. */
#define VHOST_RMEM_COUNTER_ATTR(_name, _backend, _type, _field)			\
	{									\
		.dattr = __ATTR(_name, 0444, vhost_rmem_counter_show, NULL),		\
		.backend = _backend,						\
		.off = offsetof(_type, _field),					\
	}

/* Fills @out with the attributes of @a[0..n); returns the slot after them. */
struct attribute **vhost_rmem_counter_attrs(struct attribute **out,
					    struct vhost_rmem_counter_attr *a, size_t n);

/* The attribute of a generated file, for a group's list. */
#define VHOST_RMEM_CFG_ATTR_PTR(_name) (&vhost_rmem_cfg_attr_##_name.dattr.attr)

/* vhost_rmem_rdma.c */
int vhost_rmem_rdma_init(void);
void vhost_rmem_rdma_exit(void);

/* vhost_rmem_vdpa.c: driver memory of @d, for backends that map it (zero-copy) */
struct page *vhost_rmem_dev_get_page(struct vhost_rmem_dev *d, u64 addr, bool write, u32 *off,
				     u32 *len, struct folio **folio);
/* Queues lane @qi's work (a backend whose upkeep of the queue is due). */
void vhost_rmem_dev_kick_lane(struct vhost_rmem_dev *d, unsigned int qi);

/* vhost_rmem_stats.c */
extern const struct attribute_group vhost_rmem_dev_stats_group;
void vhost_rmem_stats_init(void);
void vhost_rmem_stats_account(struct vhost_rmem_dev *d, const struct vhost_rmem_req *req, u64 ns);
void vhost_rmem_stats_error(struct vhost_rmem_dev *d, enum vhost_rmem_req_err err);

#endif /* VHOST_RMEM_DEV_H */
