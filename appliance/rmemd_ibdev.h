/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rmemd_ibdev.h - the pool registered on each RDMA device.  A device is
 * opened at start or on the first connect request that arrives on it, and
 * closed only after every connection on it is gone (rmemd_listen_stop runs
 * before rmemd_ibdev_close_all).
 */
#ifndef RMEMD_IBDEV_H
#define RMEMD_IBDEV_H

#include <stdint.h>
#include <infiniband/verbs.h>

struct rmemd_pool;
struct rmem_desc;

/* One RDMA device hosts connect through. */
struct rmemd_ibdev {
	struct rmemd_ibdev *next;
	struct ibv_context *ctx;	/* librdmacm's context: cm ids compare equal */
	struct ibv_cq *cq;		/* shared by the QPs; nothing is ever posted */
	struct ibv_device_attr attr;
	uint64_t grant_us;		/* what one grant took at open */
	unsigned int grants;		/* held by connections (and the trial) */
	unsigned int conns;		/* connections using this device */
	char name[IBV_SYSFS_NAME_MAX];
};

/*
 * One host connection's access to the pool: its own PD (its QP's) and the
 * three regions.  Revoked: regions deregistered, the PD kept until the QP
 * on it is destroyed.
 */
struct rmemd_grant {
	struct rmemd_ibdev *dev;	/* NULL: no grant */
	struct ibv_pd *pd;
	struct ibv_mr *meta_mr;		/* read + atomic */
	struct ibv_mr *lease_mr;	/* read + write, lease table only */
	struct ibv_mr *data_mr;		/* read + write */
};

int rmemd_ibdev_grant(struct rmemd_ibdev *dev, const struct rmemd_pool *pool,
		     struct rmemd_grant *g);
/*
 * Deregisters g's regions (idempotent).  0: the provider no longer admits
 * their rkeys; else a negative errno, the regions that would not go kept,
 * and the caller must put the QP in the error state instead.
 */
int rmemd_ibdev_revoke(struct rmemd_grant *g);
void rmemd_ibdev_grant_free(struct rmemd_grant *g);
int rmemd_ibdev_open_all(struct rmemd_ibdev **list, struct rmemd_pool *pool,
			const char *only);
struct rmemd_ibdev *rmemd_ibdev_get(struct rmemd_ibdev **list, struct rmemd_pool *pool,
				  struct ibv_context *ctx, const char *only);
void rmemd_ibdev_close_all(struct rmemd_ibdev **list);
void rmemd_ibdev_fill_desc(const struct rmemd_grant *g, const struct rmemd_pool *pool,
			  struct rmem_desc *d);

#endif /* RMEMD_IBDEV_H */
