/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rmem_ibdev.h - the pool registered on each RDMA device.  A device is
 * opened at start or on the first connect request that arrives on it, and
 * closed only after every connection on it is gone (rmem_listen_stop runs
 * before rmem_ibdev_close_all).
 */
#ifndef RMEM_IBDEV_H
#define RMEM_IBDEV_H

#include <infiniband/verbs.h>

struct rmem_pool;
struct rmem_desc;

/* One RDMA device the pool is registered on; rdma_cm ids on it use its PD. */
struct rmem_ibdev {
	struct rmem_ibdev *next;
	struct ibv_context *ctx;	/* librdmacm's context: cm ids compare equal */
	struct ibv_pd *pd;
	struct ibv_cq *cq;		/* shared by the QPs; nothing is ever posted */
	struct ibv_mr *meta_mr;		/* read + atomic */
	struct ibv_mr *lease_mr;	/* read + write, lease table only */
	struct ibv_mr *data_mr;		/* read + write */
	struct ibv_device_attr attr;
	unsigned int conns;		/* connections using this device */
	char name[IBV_SYSFS_NAME_MAX];
};

int rmem_ibdev_open_all(struct rmem_ibdev **list, struct rmem_pool *pool,
			const char *only);
struct rmem_ibdev *rmem_ibdev_get(struct rmem_ibdev **list, struct rmem_pool *pool,
				  struct ibv_context *ctx, const char *only);
void rmem_ibdev_close_all(struct rmem_ibdev **list);
void rmem_ibdev_fill_desc(const struct rmem_ibdev *dev, const struct rmem_pool *pool,
			  struct rmem_desc *d);

#endif /* RMEM_IBDEV_H */
