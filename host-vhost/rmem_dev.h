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
#include <linux/in.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/vdpa.h>
#include <linux/vhost_iotlb.h>
#include <linux/workqueue.h>

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

/* Latency histogram: bucket i counts requests <= 16 us * 4^i; the last is the rest. */
#define RMEM_LAT_BUCKETS 11

enum rmem_stat_type {
	RMEM_ST_READ,
	RMEM_ST_WRITE,
	RMEM_ST_FLUSH,
	RMEM_ST_DISCARD,
	RMEM_ST_WRITE_ZEROES,
	RMEM_ST_GET_ID,
	RMEM_ST_NR
};

struct rmem_stats {
	atomic64_t reqs[RMEM_ST_NR];	/* requests completed OK, per type */
	atomic64_t bytes[RMEM_ST_NR];	/* payload bytes (ranges for discard/zeroes) */
	atomic64_t errors[RMEM_REQ_E_NR];	/* refused or failed, per cause */
	atomic64_t lat[RMEM_LAT_BUCKETS];
	atomic64_t chunks;		/* chunks the backend holds now */
};

/* rdma backend: connection state of the device's donor (rdma/state). */
enum rmem_rdma_state {
	RMEM_RDMA_NONE = 0,		/* no backend store yet */
	RMEM_RDMA_CONNECTING,
	RMEM_RDMA_CONNECTED,
	RMEM_RDMA_DOWN,			/* lost; reconnecting with backoff */
};

/* rdma backend counters and state, one value per file in rdma/. */
struct rmem_rdma_stats {
	atomic_t state;			/* enum rmem_rdma_state */
	atomic_t slot;			/* lease slot on the donor, -1 if none */
	atomic64_t epoch;		/* donor boot epoch of the connection */
	atomic64_t chunks;		/* chunks held on the donor */
	atomic64_t lost_chunks;		/* map entries whose data the donor lost */
	atomic64_t connects;		/* connections established */
	atomic64_t disconnects;		/* connections lost */
	atomic64_t epoch_changes;	/* reconnects that found a new donor boot */
	atomic64_t renewals;		/* lease renewals done */
	atomic64_t leases_lost;		/* renewal found the slot reclaimed */
	atomic64_t allocs;		/* chunks allocated (CAS won) */
	atomic64_t frees;		/* chunks freed one by one */
	atomic64_t rebuilt;		/* chunks found by map rebuilds */
	atomic64_t errors;		/* backend calls that failed */
	atomic64_t data_posts;		/* round trips moving guest data */
	atomic64_t data_wrs;		/* RDMA READ/WRITE WRs in them */
};

struct rmem_dev;

/* A backend type: a pure I/O table plus life-cycle hooks. */
struct rmem_backend_type {
	const char *name;
	const struct rmem_backend_ops *io;
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
	const struct rmem_backend_type *backend;
	struct sockaddr_in donor;	/* rdma: the donor (sin_port 0 = unset) */
	/*
	 * rdma: reset and delete drop the host's map and lease but leave the
	 * chunks on the donor, for a device of the same id to adopt (map
	 * rebuild).  Writable while live: it is an operation, not config.
	 */
	bool keep_chunks;

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
	struct rmem_rdma_stats rdma;
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

/* rmem_rdma_backend.c */
extern const struct attribute_group rmem_dev_rdma_group;
int rmem_rdma_init(void);
void rmem_rdma_exit(void);

/* rmem_stats.c */
extern const struct attribute_group rmem_dev_stats_group;
void rmem_stats_account(struct rmem_dev *d, const struct rmem_req *req, u64 ns);
void rmem_stats_error(struct rmem_dev *d, enum rmem_req_err err);

#endif /* RMEM_DEV_H */
