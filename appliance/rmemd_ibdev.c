// SPDX-License-Identifier: GPL-2.0
/*
 * rmemd_ibdev.c - the pool registered for each host connection.
 *
 * Each connection gets a grant: its own PD with three memory regions over
 * the pool, each with only the rights hosts need:
 *   meta:  superblock .. owner table   REMOTE_READ | REMOTE_ATOMIC
 *   lease: the lease table (a sub-range of meta, its own pages)
 *                                      REMOTE_READ | REMOTE_WRITE
 *   data:  the chunks                  REMOTE_READ | REMOTE_WRITE
 * so a host cannot scribble over owner words or the superblock with an
 * RDMA WRITE, only change owner and slot words by compare-and-swap.  The
 * PD is the connection's alone, so its rkeys work on its own QP and no
 * other: a host that learns or guesses another's rkey gets a remote access
 * error.  Revoking a grant deregisters its regions; from then on the NIC
 * refuses whatever that host still sends, before the reaper hands its
 * chunks to anyone else.
 *
 * Contexts come from rdma_get_devices(): librdmacm hands connection ids
 * the same ibv_context pointers, which is how a connect request finds its
 * device here.  Each ibdev keeps its own device list reference until it is
 * closed, so the context outlives every PD and MR on it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <rdma/rdma_cma.h>

#include "rmemd_ibdev.h"
#include "rmemd_log.h"
#include "rmemd_parse.h"
#include "rmemd_pool.h"
#include "rmem_proto.h"

#define RMEMD_META_ACCESS (IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_READ | \
			  IBV_ACCESS_REMOTE_ATOMIC)
#define RMEMD_LEASE_ACCESS (IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_READ | \
			   IBV_ACCESS_REMOTE_WRITE)
#define RMEMD_DATA_ACCESS (IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_READ | \
			  IBV_ACCESS_REMOTE_WRITE)

/* The CQ every connection's QP on the device shares; nothing is posted. */
#define RMEMD_IBDEV_CQE 16

struct rmemd_ibdev_priv {
	struct rmemd_ibdev dev;
	struct ibv_context **held;	/* rdma_get_devices() reference */
};

/* A host connecting in a loop must not flood the log with the same refusal. */
static struct rmemd_ratelimit rmemd_ibdev_grant_log;

static int rmemd_ibdev_reg(const struct rmemd_ibdev *dev, struct ibv_pd *pd, struct ibv_mr **mr,
			  void *addr, size_t len, int access, const char *what)
{
	char s[32];

	*mr = ibv_reg_mr(pd, addr, len, access);
	if (!*mr) {
		int err = errno ? -errno : -ENOMEM;

		if (rmemd_ratelimit_ok(&rmemd_ibdev_grant_log, "registration failures"))
			rmemd_err("%s: registering the %s region (%s) failed: %s", dev->name, what,
				  rmemd_fmt_size(len, s, sizeof(s)), strerror(-err));
		return err;
	}
	return 0;
}

/* A region that would not go stays in @g: the caller must stop its QP. */
static int rmemd_ibdev_dereg(struct ibv_mr **mr)
{
	int err;

	if (!*mr)
		return 0;
	err = ibv_dereg_mr(*mr);
	if (err)
		return err > 0 ? -err : -EIO;
	*mr = NULL;
	return 0;
}

int rmemd_ibdev_revoke(struct rmemd_grant *g)
{
	int err = rmemd_ibdev_dereg(&g->data_mr);
	int e2 = rmemd_ibdev_dereg(&g->lease_mr);
	int e3 = rmemd_ibdev_dereg(&g->meta_mr);

	return err ? err : e2 ? e2 : e3;
}

/* After the QP on g->pd is destroyed. */
void rmemd_ibdev_grant_free(struct rmemd_grant *g)
{
	int err = rmemd_ibdev_revoke(g);

	if (!err && g->pd)
		err = ibv_dealloc_pd(g->pd);
	if (err)
		rmemd_err("releasing a connection's registration failed: %s (leaked)",
			  strerror(err < 0 ? -err : err));
	if (g->dev)
		g->dev->grants--;
	g->dev = NULL;
	g->pd = NULL;
}

int rmemd_ibdev_grant(struct rmemd_ibdev *dev, const struct rmemd_pool *pool,
		     struct rmemd_grant *g)
{
	const struct rmem_layout *l = &pool->layout;
	uint8_t *base = pool->base;
	int err;

	memset(g, 0, sizeof(*g));
	/* Three regions and a PD each: what the device can hold, with room for one more. */
	if (dev->grants + 1 >= (unsigned int)dev->attr.max_pd ||
	    (dev->grants + 1) * 3 >= (unsigned int)dev->attr.max_mr) {
		if (rmemd_ratelimit_ok(&rmemd_ibdev_grant_log, "registration failures"))
			rmemd_err("%s: %u host connections hold all the PDs/MRs it has (max_pd %d, max_mr %d): refusing more",
				  dev->name, dev->grants, dev->attr.max_pd, dev->attr.max_mr);
		return -ENOSPC;
	}
	g->pd = ibv_alloc_pd(dev->ctx);
	if (!g->pd) {
		err = errno ? -errno : -ENOMEM;
		if (rmemd_ratelimit_ok(&rmemd_ibdev_grant_log, "registration failures"))
			rmemd_err("%s: ibv_alloc_pd failed: %s", dev->name, strerror(-err));
		return err;
	}
	err = rmemd_ibdev_reg(dev, g->pd, &g->meta_mr, base, l->meta_len, RMEMD_META_ACCESS,
			     "metadata");
	if (!err)
		err = rmemd_ibdev_reg(dev, g->pd, &g->lease_mr, base + l->lease_off, l->lease_len,
				     RMEMD_LEASE_ACCESS, "lease table");
	if (!err)
		err = rmemd_ibdev_reg(dev, g->pd, &g->data_mr, base + l->data_off, l->data_len,
				     RMEMD_DATA_ACCESS, "data");
	if (err) {
		rmemd_ibdev_grant_free(g);
		return err;
	}
	g->dev = dev;
	dev->grants++;
	return 0;
}

static uint64_t rmemd_ibdev_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static struct rmemd_ibdev *rmemd_ibdev_open(struct ibv_context *ctx,
					  struct rmemd_pool *pool)
{
	struct rmemd_ibdev_priv *priv;
	struct rmem_layout *l = &pool->layout;
	struct rmemd_ibdev *dev;
	struct rmemd_grant g;
	uint64_t t0;
	char s[32];
	int n;

	priv = calloc(1, sizeof(*priv));
	if (!priv)
		return NULL;
	dev = &priv->dev;
	dev->ctx = ctx;
	snprintf(dev->name, sizeof(dev->name), "%s", ibv_get_device_name(ctx->device));

	priv->held = rdma_get_devices(&n);
	if (!priv->held) {
		rmemd_err("%s: rdma_get_devices failed: %s", dev->name, strerror(errno));
		goto out_free;
	}
	if (ibv_query_device(ctx, &dev->attr)) {
		rmemd_err("%s: ibv_query_device failed: %s", dev->name, strerror(errno));
		goto out_put;
	}
	if (dev->attr.atomic_cap == IBV_ATOMIC_NONE) {
		rmemd_err("%s: no RDMA atomics: hosts could not allocate through it; not serving it",
			 dev->name);
		goto out_put;
	}
	if (dev->attr.max_mr_size < l->data_len) {
		rmemd_err("%s: largest memory region is %" PRIu64 " bytes, the data needs %" PRIu64
			 " (use a larger --chunk-size or less --memory)",
			 dev->name, (uint64_t)dev->attr.max_mr_size, l->data_len);
		goto out_put;
	}
	dev->cq = ibv_create_cq(ctx, RMEMD_IBDEV_CQE, NULL, NULL, 0);
	if (!dev->cq) {
		rmemd_err("%s: ibv_create_cq failed: %s", dev->name, strerror(errno));
		goto out_put;
	}
	/*
	 * One grant now, so a device that cannot register the pool (memlock
	 * limit, MR size) says so at start, and the log says what each host
	 * connection's registration costs.
	 */
	t0 = rmemd_ibdev_now_us();
	if (rmemd_ibdev_grant(dev, pool, &g))
		goto out_destroy_cq;
	dev->grant_us = rmemd_ibdev_now_us() - t0;
	rmemd_ibdev_grant_free(&g);
	rmemd_info("%s: registered (atomics %s, %d responder resources per QP); each host connection registers %s of its own in %" PRIu64 " us",
		  dev->name, dev->attr.atomic_cap == IBV_ATOMIC_GLOB ? "global" : "HCA",
		  dev->attr.max_qp_rd_atom, rmemd_fmt_size(l->meta_len + l->data_len, s, sizeof(s)),
		  dev->grant_us);
	return dev;

out_destroy_cq:
	ibv_destroy_cq(dev->cq);
out_put:
	rdma_free_devices(priv->held);
out_free:
	free(priv);
	return NULL;
}

static void rmemd_ibdev_close(struct rmemd_ibdev *dev)
{
	struct rmemd_ibdev_priv *priv = (struct rmemd_ibdev_priv *)dev;

	ibv_destroy_cq(dev->cq);
	rdma_free_devices(priv->held);
	free(priv);
}

static bool rmemd_ibdev_wanted(struct ibv_context *ctx, const char *only)
{
	return !only || !*only || !strcmp(ibv_get_device_name(ctx->device), only);
}

/*
 * Registers the pool on every device (or on @only).  Finding none is not
 * fatal: soft-RoCE links and hot-plugged NICs may appear later, and a
 * connect request on a new device registers it then.
 */
int rmemd_ibdev_open_all(struct rmemd_ibdev **list, struct rmemd_pool *pool,
			const char *only)
{
	struct ibv_context **ctxs;
	struct rmemd_ibdev *dev;
	int i, n = 0, opened = 0;

	ctxs = rdma_get_devices(&n);
	if (!ctxs) {
		rmemd_warn("no RDMA devices yet (rdma_get_devices: %s); will register on first connect",
			  strerror(errno));
		return 0;
	}
	for (i = 0; i < n; i++) {
		if (!rmemd_ibdev_wanted(ctxs[i], only))
			continue;
		dev = rmemd_ibdev_open(ctxs[i], pool);
		if (!dev)
			continue;
		dev->next = *list;
		*list = dev;
		opened++;
	}
	rdma_free_devices(ctxs);
	if (only && *only && !opened)
		rmemd_warn("RDMA device %s not found or not usable yet", only);
	else if (!opened)
		rmemd_warn("no usable RDMA device yet; will register on first connect");
	return opened;
}

struct rmemd_ibdev *rmemd_ibdev_get(struct rmemd_ibdev **list, struct rmemd_pool *pool,
				  struct ibv_context *ctx, const char *only)
{
	struct rmemd_ibdev *dev;

	for (dev = *list; dev; dev = dev->next)
		if (dev->ctx == ctx)
			return dev;
	if (!rmemd_ibdev_wanted(ctx, only))
		return NULL;
	dev = rmemd_ibdev_open(ctx, pool);
	if (dev) {
		dev->next = *list;
		*list = dev;
	}
	return dev;
}

void rmemd_ibdev_close_all(struct rmemd_ibdev **list)
{
	struct rmemd_ibdev *dev;

	while ((dev = *list)) {
		*list = dev->next;
		rmemd_ibdev_close(dev);
	}
}

void rmemd_ibdev_fill_desc(const struct rmemd_grant *g, const struct rmemd_pool *pool,
			  struct rmem_desc *d)
{
	rmem_desc_init(d, &pool->layout, pool->donor_id, pool->epoch, pool->lease_timeout_ms,
		       pool->window_words);
	d->meta_addr = (uint64_t)(uintptr_t)pool->base;
	d->data_addr = (uint64_t)(uintptr_t)pool->data;
	d->meta_rkey = g->meta_mr->rkey;
	d->lease_rkey = g->lease_mr->rkey;
	d->data_rkey = g->data_mr->rkey;
}
