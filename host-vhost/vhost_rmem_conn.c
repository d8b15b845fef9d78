// SPDX-License-Identifier: GPL-2.0
/*
 * vhost_rmem_conn.c - one RC connection to a donor, in the kernel: rdma_cm
 * handshake (the handler records each event, the connecting caller waits
 * with a timeout and does the next step in process context), PD, CQ and QP
 * setup with a mirror teardown, and synchronous one-sided operations.
 *
 * Every work request of the synchronous operations carries an ib_cqe whose
 * .done only records the status and wakes the waiter; a data connection's
 * WRs carry their owner's cqes, whose .done run in the polling lane.
 * Nothing recovers in a handler: a failed or timed-out operation, or a
 * DISCONNECTED event, marks the connection broken, moves the
 * QP to the error state (which flushes whatever is outstanding, so every
 * waiter returns) and queues break_work, which tells the owner (the backend
 * reconnects with its own delayed work).  A broken connection is never
 * repaired in place: the owner destroys it and creates a new one.
 *
 * Teardown order: disconnect -> drain QP -> buffers -> QP -> CQ -> PD ->
 * cm id (which also drops the ib_device reference rdma_cm holds).
 */
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/in.h>
#include <linux/slab.h>
#include <net/net_namespace.h>

#include "vhost_rmem_fault.h"
#include "vhost_rmem_rdma.h"

/* Completions of one synchronous call (one or a chain of WRs). */
struct vhost_rmem_op {
	struct ib_cqe cqe;
	struct completion done;
	atomic_t pending;	/* WRs not completed yet */
	int wc_status;		/* first failure, IB_WC_SUCCESS if none */
};

static void vhost_rmem_op_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct vhost_rmem_op *op = container_of(wc->wr_cqe, struct vhost_rmem_op, cqe);

	if (wc->status != IB_WC_SUCCESS && op->wc_status == IB_WC_SUCCESS)
		op->wc_status = wc->status;
	if (atomic_dec_and_test(&op->pending))
		complete(&op->done);
}

static void vhost_rmem_conn_break_work(struct work_struct *work)
{
	struct vhost_rmem_conn *c = container_of(work, struct vhost_rmem_conn, break_work);
	struct ib_qp_attr attr = { .qp_state = IB_QPS_ERR };

	unsigned long flags;
	bool armed;

	/* Flushes outstanding WRs: their waiters return at once. */
	if (c->cm_id && c->cm_id->qp)
		ib_modify_qp(c->cm_id->qp, &attr, IB_QP_STATE);
	spin_lock_irqsave(&c->lock, flags);
	armed = c->armed;
	spin_unlock_irqrestore(&c->lock, flags);
	if (armed && c->cfg.broken)
		c->cfg.broken(c->cfg.ctx);
}

void vhost_rmem_conn_arm(struct vhost_rmem_conn *c)
{
	unsigned long flags;
	bool broke;

	spin_lock_irqsave(&c->lock, flags);
	c->armed = true;
	broke = c->broken && !c->dying;
	/* A break work that ran before saw armed == false: notify now. */
	if (broke)
		queue_work(c->cfg.wq, &c->break_work);
	spin_unlock_irqrestore(&c->lock, flags);
}

/* Marks @c broken (once) and queues the owner's notification. */
static void vhost_rmem_conn_fail(struct vhost_rmem_conn *c, const char *why)
{
	unsigned long flags;
	bool first;

	spin_lock_irqsave(&c->lock, flags);
	first = !c->broken;
	c->broken = true;
	if (first && !c->dying)
		queue_work(c->cfg.wq, &c->break_work);
	spin_unlock_irqrestore(&c->lock, flags);
	if (first)
		pr_warn_ratelimited("vhost_rmem: donor %s: connection lost: %s\n", c->name, why);
}

bool vhost_rmem_conn_ok(struct vhost_rmem_conn *c)
{
	return c && !READ_ONCE(c->broken);
}

/* ------------------------------------------------------------ rdma_cm */

/* Handshake steps: record and wake the caller. */
static int vhost_rmem_cm_step(struct vhost_rmem_conn *c, struct rdma_cm_event *ev)
{
	const void *p = ev->param.conn.private_data;
	size_t len = ev->param.conn.private_data_len;

	c->cm_event = ev->event;
	c->cm_status = ev->status;
	c->priv_len = 0;
	if ((ev->event == RDMA_CM_EVENT_ESTABLISHED || ev->event == RDMA_CM_EVENT_REJECTED) &&
	    p && len) {
		/* Zero padded areas are normal; anything longer decodes as oversized. */
		len = min_t(size_t, len, sizeof(c->priv));
		memcpy(c->priv, p, len);
		c->priv_len = len;
	}
	complete(&c->cm_done);
	return 0;
}

static int vhost_rmem_cm_lost(struct vhost_rmem_conn *c, struct rdma_cm_event *ev)
{
	vhost_rmem_conn_fail(c, rdma_event_msg(ev->event));
	return 0;
}

static int vhost_rmem_cm_handler(struct rdma_cm_id *id, struct rdma_cm_event *ev)
{
	struct vhost_rmem_conn *c = id->context;

	switch (ev->event) {
	case RDMA_CM_EVENT_ADDR_RESOLVED:
	case RDMA_CM_EVENT_ADDR_ERROR:
	case RDMA_CM_EVENT_ROUTE_RESOLVED:
	case RDMA_CM_EVENT_ROUTE_ERROR:
	case RDMA_CM_EVENT_CONNECT_ERROR:
	case RDMA_CM_EVENT_UNREACHABLE:
	case RDMA_CM_EVENT_REJECTED:
	case RDMA_CM_EVENT_ESTABLISHED:
		return vhost_rmem_cm_step(c, ev);
	case RDMA_CM_EVENT_DISCONNECTED:
	case RDMA_CM_EVENT_DEVICE_REMOVAL:
	case RDMA_CM_EVENT_ADDR_CHANGE:
		return vhost_rmem_cm_lost(c, ev);
	default:
		return 0;	/* TIMEWAIT_EXIT and friends: nothing to do */
	}
}

/* Waits for the handshake step the caller just started. */
static int vhost_rmem_cm_wait(struct vhost_rmem_conn *c, int want, const char *what)
{
	struct rmem_reject rej;

	if (!wait_for_completion_timeout(&c->cm_done, msecs_to_jiffies(c->cfg.timeout_ms))) {
		pr_warn_ratelimited("vhost_rmem: donor %s: %s timed out after %u ms\n", c->name,
				    what, c->cfg.timeout_ms);
		return -ETIMEDOUT;
	}
	if (c->cm_event == want)
		return 0;
	if (c->cm_event == RDMA_CM_EVENT_REJECTED && c->priv_len &&
	    !rmem_reject_decode(c->priv, c->priv_len, &rej)) {
		/* Not a refusal: the caller answers with a proof on a new connection. */
		if (rej.reason == RMEM_REJ_CHALLENGE && c->auth->keyed) {
			if (c->auth->challenged) {
				pr_warn_ratelimited("vhost_rmem: donor %s challenged an answer: not following the protocol\n",
						    c->name);
				c->auth->challenged = false;
				return -EPROTO;
			}
			if (rmem_challenge_decode(c->priv, c->priv_len, c->auth->nd)) {
				pr_warn_ratelimited("vhost_rmem: donor %s sent a malformed challenge\n",
						    c->name);
				return -EPROTO;
			}
			c->auth->challenged = true;
			return -EAGAIN;
		}
		if (rej.reason == RMEM_REJ_AUTH_REQUIRED && !c->auth->keyed)
			pr_warn_ratelimited("vhost_rmem: donor %s rejected the connection: %s (cat /etc/rmem/rack.key > /sys/module/vhost_rmem/parameters/rack_key)\n",
					    c->name, rmem_reject_str(rej.reason));
		else if (c->auth->keyed)
			pr_warn_ratelimited("vhost_rmem: donor %s rejected the connection: %s (rack key %08x)\n",
					    c->name, rmem_reject_str(rej.reason), c->auth->key_id);
		else
			pr_warn_ratelimited("vhost_rmem: donor %s rejected the connection: %s\n",
					    c->name, rmem_reject_str(rej.reason));
		return rej.reason == RMEM_REJ_AUTH_REQUIRED || rej.reason == RMEM_REJ_AUTH_FAILED ||
		       rej.reason == RMEM_REJ_AUTH_STALE ? -EACCES : -ECONNREFUSED;
	}
	pr_warn_ratelimited("vhost_rmem: donor %s: %s failed: %s (status %d)\n", c->name, what,
			    rdma_event_msg(c->cm_event), c->cm_status);
	return c->cm_event == RDMA_CM_EVENT_REJECTED ? -ECONNREFUSED : -EHOSTUNREACH;
}

static int vhost_rmem_conn_resources(struct vhost_rmem_conn *c)
{
	struct ib_device *dev = c->cm_id->device;
	struct ib_qp_init_attr qpa = {};
	int ret;

	if (dev->attrs.atomic_cap == IB_ATOMIC_NONE) {
		pr_warn_ratelimited("vhost_rmem: donor %s: RDMA device %s has no atomics\n",
				    c->name, dev_name(&dev->dev));
		return -EOPNOTSUPP;
	}
	c->pd = ib_alloc_pd(dev, 0);
	if (IS_ERR(c->pd)) {
		ret = PTR_ERR(c->pd);
		c->pd = NULL;
		return ret;
	}
	c->sq_depth = VHOST_RMEM_CONN_MAX_WR;
	c->max_sge = 1;
	c->max_sge_rd = 1;
	if (c->cfg.sq_depth) {
		c->sq_depth = min_t(unsigned int, c->cfg.sq_depth, dev->attrs.max_qp_wr - 1);
		c->max_sge = clamp_t(unsigned int, c->cfg.max_sge, 1, dev->attrs.max_send_sge);
		/* RDMA READ has its own, often smaller, limit. */
		c->max_sge_rd = clamp_t(unsigned int, c->max_sge, 1, dev->attrs.max_sge_rd);
	}
	/*
	 * One CQE per send WR (an unsignalled one completes only on error,
	 * but then all may) plus the drain markers of both queues.  Polled by
	 * the caller (vhost_rmem_conn_reap, a lane's vhost_rmem_conn_poll), not
	 * from a softirq: no wake-up between a CQE and the one waiting for it.
	 */
	c->cq = ib_alloc_cq(dev, c, c->sq_depth + 4, 0, IB_POLL_DIRECT);
	if (IS_ERR(c->cq)) {
		ret = PTR_ERR(c->cq);
		c->cq = NULL;
		return ret;
	}
	qpa.qp_context = c;
	qpa.send_cq = c->cq;
	qpa.recv_cq = c->cq;
	qpa.qp_type = IB_QPT_RC;
	qpa.sq_sig_type = IB_SIGNAL_REQ_WR;
	qpa.cap.max_send_wr = c->sq_depth + 1;	/* + ib_drain_sq's marker */
	qpa.cap.max_recv_wr = 1;			/* ib_drain_rq's marker */
	qpa.cap.max_send_sge = c->max_sge;
	qpa.cap.max_recv_sge = 1;
	ret = rdma_create_qp(c->cm_id, c->pd, &qpa);
	if (ret)
		return ret;

	c->buf = kzalloc(VHOST_RMEM_CONN_BUF + 64, GFP_KERNEL);
	c->zero = kzalloc(VHOST_RMEM_CONN_ZERO, GFP_KERNEL);
	if (!c->buf || !c->zero)
		return -ENOMEM;
	c->buf_dma = ib_dma_map_single(dev, c->buf, VHOST_RMEM_CONN_BUF + 64, DMA_BIDIRECTIONAL);
	if (ib_dma_mapping_error(dev, c->buf_dma)) {
		c->buf_dma = 0;
		return -ENOMEM;
	}
	c->zero_dma = ib_dma_map_single(dev, c->zero, VHOST_RMEM_CONN_ZERO, DMA_TO_DEVICE);
	if (ib_dma_mapping_error(dev, c->zero_dma)) {
		c->zero_dma = 0;
		return -ENOMEM;
	}
	return 0;
}

static int vhost_rmem_conn_handshake(struct vhost_rmem_conn *c)
{
	struct ib_device *dev = c->cm_id->device;
	struct rmem_connect_req req = { .version = RMEM_WIRE_VERSION, .host_id = c->cfg.host_id };
	u8 priv[RMEM_CM_REQ_PRIV_MAX];
	struct rdma_conn_param param = {};
	struct rmem_wire_superblock sb;
	int n, ret;

	vhost_rmem_auth_set_where(c->auth, (struct sockaddr *)&c->cm_id->route.addr.src_addr,
				  (struct sockaddr *)&c->cm_id->route.addr.dst_addr);
	ret = vhost_rmem_auth_request(c->auth, &req);
	if (ret)
		return ret;
	n = rmem_connect_encode(&req, priv, sizeof(priv));
	if (n < 0)
		return -EINVAL;
	param.private_data = priv;
	param.private_data_len = n;
	/* We READ and CAS; the donor never reads from us. */
	param.initiator_depth = min_t(int, dev->attrs.max_qp_init_rd_atom, 8) ?: 1;
	param.responder_resources = 0;
	param.retry_count = 7;
	param.rnr_retry_count = 7;
	reinit_completion(&c->cm_done);
	ret = rdma_connect(c->cm_id, &param);
	if (ret)
		return ret;
	ret = vhost_rmem_cm_wait(c, RDMA_CM_EVENT_ESTABLISHED, "connect");
	if (ret)
		return ret;
	c->established = true;
	if (vhost_rmem_fault(fail_connect)) {
		/* As if the donor disconnected at once. */
		vhost_rmem_conn_fail(c, "fault injection: fail_connect");
		return -ECONNRESET;
	}
	ret = rmem_desc_decode(c->priv, c->priv_len, &c->desc);
	if (ret) {
		pr_warn_ratelimited("vhost_rmem: donor %s accepted with a bad descriptor: %s\n",
				    c->name, rmem_wire_strerror(ret));
		return -EPROTO;
	}
	ret = vhost_rmem_auth_check_accept(c->auth, &c->desc, c->cfg.host_id);
	if (ret) {
		pr_warn_ratelimited("vhost_rmem: donor %s did not prove rack key %08x: %s; not using it\n",
				    c->name, c->auth->key_id,
				    c->desc.flags & RMEM_ACCEPT_F_AUTH ? "wrong proof" :
				    "it admitted this host without a challenge (running --insecure?)");
		return ret;
	}
	/* Proves the metadata key and that the descriptor is this boot's. */
	ret = vhost_rmem_conn_meta_read(c, 0, sizeof(sb));
	if (ret)
		return ret;
	memcpy(&sb, c->buf, sizeof(sb));
	ret = rmem_sb_check(&sb, &c->desc);
	if (ret) {
		pr_warn_ratelimited("vhost_rmem: donor %s: superblock check failed: %s\n", c->name,
				    rmem_wire_strerror(ret));
		return -EPROTO;
	}
	return 0;
}

/* The drain's marker came back: everything posted before it has too. */
static void vhost_rmem_conn_marker_done(struct ib_cq *cq, struct ib_wc *wc)
{
	container_of(wc->wr_cqe, struct vhost_rmem_conn, marker)->drained = true;
}

/* One connection attempt: resolve, route, resources, connect, handshake. */
static struct vhost_rmem_conn *vhost_rmem_conn_try(const struct vhost_rmem_conn_cfg *cfg,
						   struct vhost_rmem_auth *auth)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)&cfg->addr;
	struct vhost_rmem_conn *c;
	int ret;

	if (WARN_ON(!cfg->wq))
		return ERR_PTR(-EINVAL);
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return ERR_PTR(-ENOMEM);
	c->cfg = *cfg;
	c->auth = auth;
	snprintf(c->name, sizeof(c->name), "%pI4:%u", &sin->sin_addr, ntohs(sin->sin_port));
	init_completion(&c->cm_done);
	spin_lock_init(&c->lock);
	INIT_WORK(&c->break_work, vhost_rmem_conn_break_work);
	c->marker.done = vhost_rmem_conn_marker_done;

	c->cm_id = rdma_create_id(&init_net, vhost_rmem_cm_handler, c, RDMA_PS_TCP, IB_QPT_RC);
	if (IS_ERR(c->cm_id)) {
		ret = PTR_ERR(c->cm_id);
		c->cm_id = NULL;
		goto out_destroy;
	}
	ret = rdma_resolve_addr(c->cm_id, NULL, (struct sockaddr *)&c->cfg.addr,
				c->cfg.timeout_ms);
	if (ret)
		goto out_destroy;
	ret = vhost_rmem_cm_wait(c, RDMA_CM_EVENT_ADDR_RESOLVED, "address resolution");
	if (ret)
		goto out_destroy;
	reinit_completion(&c->cm_done);
	ret = rdma_resolve_route(c->cm_id, c->cfg.timeout_ms);
	if (ret)
		goto out_destroy;
	ret = vhost_rmem_cm_wait(c, RDMA_CM_EVENT_ROUTE_RESOLVED, "route resolution");
	if (ret)
		goto out_destroy;
	ret = vhost_rmem_conn_resources(c);
	if (ret)
		goto out_destroy;
	ret = vhost_rmem_conn_handshake(c);
	if (ret)
		goto out_destroy;
	c->auth = NULL;
	return c;

out_destroy:
	vhost_rmem_conn_destroy(c);
	return ERR_PTR(ret);
}

/*
 * With a rack key, two attempts: the first asks for a challenge (the donor
 * rejects it with one), the second proves the key; rdma_cm takes no
 * second request on a rejected id, so each attempt has its own.
 */
struct vhost_rmem_conn *vhost_rmem_conn_create(const struct vhost_rmem_conn_cfg *cfg)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)&cfg->addr;
	struct vhost_rmem_conn *c;
	struct vhost_rmem_auth auth;

	if (!vhost_rmem_auth_begin(&auth)) {
		if (!vhost_rmem_auth_insecure()) {
			pr_warn_ratelimited("vhost_rmem: donor %pI4:%u: no rack key loaded (cat /etc/rmem/rack.key > /sys/module/vhost_rmem/parameters/rack_key; or insecure=1 in a lab)\n",
					    &sin->sin_addr, ntohs(sin->sin_port));
			return ERR_PTR(-EACCES);
		}
		pr_warn_once("vhost_rmem: INSECURE: no rack key loaded: connecting without proof to donors run --insecure\n");
	}
	c = vhost_rmem_conn_try(cfg, &auth);
	if (IS_ERR(c) && auth.challenged)
		c = vhost_rmem_conn_try(cfg, &auth);
	vhost_rmem_auth_end(&auth);
	return c;
}

/*
 * Idempotent over a partly built connection.  The caller guarantees no
 * operation is in flight (it serialises them).
 */
void vhost_rmem_conn_destroy(struct vhost_rmem_conn *c)
{
	struct ib_device *dev = c->cm_id ? c->cm_id->device : NULL;
	unsigned long flags;

	spin_lock_irqsave(&c->lock, flags);
	c->dying = true;
	c->broken = true;
	spin_unlock_irqrestore(&c->lock, flags);
	cancel_work_sync(&c->break_work);

	if (c->established)
		rdma_disconnect(c->cm_id);
	/* Only a connected QP can have work outstanding. */
	if (c->established && c->cm_id->qp)
		ib_drain_qp(c->cm_id->qp);
	if (c->zero_dma)
		ib_dma_unmap_single(dev, c->zero_dma, VHOST_RMEM_CONN_ZERO, DMA_TO_DEVICE);
	if (c->buf_dma)
		ib_dma_unmap_single(dev, c->buf_dma, VHOST_RMEM_CONN_BUF + 64, DMA_BIDIRECTIONAL);
	kfree(c->zero);
	kfree(c->buf);
	if (c->cm_id && c->cm_id->qp)
		rdma_destroy_qp(c->cm_id);
	if (c->cq)
		ib_free_cq(c->cq);
	if (c->pd)
		ib_dealloc_pd(c->pd);
	if (c->cm_id)
		rdma_destroy_id(c->cm_id);
	kfree(c);
}

/* ------------------------------------------------------------ operations */

/*
 * Polls the CQ until @op completes or @deadline (jiffies; 0: no deadline)
 * passes.  The caller reaps its own completions: no softirq and no wake-up
 * between a CQE and the waiting worker, which under soft-RoCE are a large
 * part of a small operation's round trip.  A short spin serves small
 * operations; longer ones (a chunk clear) are polled between sleeps so the
 * CPU stays free for the RDMA device's own work.
 */
static bool vhost_rmem_conn_reap(struct vhost_rmem_conn *c, struct vhost_rmem_op *op,
				 unsigned long deadline)
{
	u64 spin_end = ktime_get_ns() + READ_ONCE(vhost_rmem_poll_spin_us) * NSEC_PER_USEC;

	for (;;) {
		ib_process_cq_direct(c->cq, VHOST_RMEM_CONN_MAX_WR + 4);
		if (completion_done(&op->done))
			return true;
		if (deadline && time_after(jiffies, deadline))
			return false;
		/* Yield to what this CPU owes others (soft-RoCE's own work may be it). */
		cond_resched();
		if (ktime_get_ns() < spin_end)
			cpu_relax();
		else
			usleep_range(20, 50);
	}
}

/*
 * Posts the chain @wr (@nwr WRs, all signalled, all with @op's cqe) and
 * waits for every completion.  On a timeout the connection breaks: the QP
 * goes to the error state, which flushes the chain, so the wait after it is
 * short and @op (on our stack) is never touched after we return.
 */
static int vhost_rmem_conn_exec(struct vhost_rmem_conn *c, struct ib_send_wr *wr, unsigned int nwr,
				const char *what)
{
	struct ib_qp_attr attr = { .qp_state = IB_QPS_ERR };
	const struct ib_send_wr *bad = NULL;
	struct ib_send_wr *w;
	struct vhost_rmem_op op;
	unsigned int posted = 0;
	int ret;

	if (!vhost_rmem_conn_ok(c))
		return -ENOTCONN;
	op.cqe.done = vhost_rmem_op_done;
	init_completion(&op.done);
	atomic_set(&op.pending, nwr);
	op.wc_status = IB_WC_SUCCESS;
	for (w = wr; w; w = w->next) {
		w->wr_cqe = &op.cqe;
		w->send_flags |= IB_SEND_SIGNALED;
	}
	ib_dma_sync_single_for_device(c->cm_id->device, c->buf_dma, VHOST_RMEM_CONN_BUF + 64,
				      DMA_BIDIRECTIONAL);
	ret = ib_post_send(c->cm_id->qp, wr, &bad);
	if (ret) {
		/* Without @bad nothing is known to be posted: wait for none. */
		for (w = wr; bad && w && w != bad; w = w->next)
			posted++;
		vhost_rmem_conn_fail(c, "post_send failed");
		if (atomic_sub_and_test(nwr - posted, &op.pending))
			return ret;
	}
	if (!vhost_rmem_conn_reap(c, &op, jiffies + msecs_to_jiffies(c->cfg.timeout_ms) ?: 1)) {
		pr_warn_ratelimited("vhost_rmem: donor %s: %s timed out after %u ms\n", c->name,
				    what, c->cfg.timeout_ms);
		vhost_rmem_conn_fail(c, "operation timed out");
		/* The error state flushes the chain: every WR completes, soon. */
		ib_modify_qp(c->cm_id->qp, &attr, IB_QP_STATE);
		vhost_rmem_conn_reap(c, &op, 0);
		return -ETIMEDOUT;
	}
	ib_dma_sync_single_for_cpu(c->cm_id->device, c->buf_dma, VHOST_RMEM_CONN_BUF + 64,
				   DMA_BIDIRECTIONAL);
	if (ret)
		return ret;
	if (op.wc_status != IB_WC_SUCCESS) {
		if (op.wc_status != IB_WC_WR_FLUSH_ERR)
			pr_warn_ratelimited("vhost_rmem: donor %s: %s failed: %s\n", c->name,
					    what, ib_wc_status_msg(op.wc_status));
		vhost_rmem_conn_fail(c, ib_wc_status_msg(op.wc_status));
		return -EIO;
	}
	return 0;
}

int vhost_rmem_conn_post(struct vhost_rmem_conn *c, struct ib_send_wr *wr)
{
	const struct ib_send_wr *bad = NULL;
	int ret = -ENOTCONN;

	atomic_inc(&c->posting);
	/* Pairs with the drain's: it sees this post in flight, or this post the break. */
	smp_mb__after_atomic();
	if (vhost_rmem_conn_ok(c)) {
		ret = ib_post_send(c->cm_id->qp, wr, &bad);
		if (ret)
			/* Part of the chain may be on the QP: only a drain accounts for it. */
			vhost_rmem_conn_abort(c, "post_send failed");
	}
	atomic_dec(&c->posting);
	return ret;
}

int vhost_rmem_conn_poll(struct vhost_rmem_conn *c)
{
	return ib_process_cq_direct(c->cq, c->sq_depth + 4);
}

static void vhost_rmem_conn_qp_error(struct vhost_rmem_conn *c)
{
	struct ib_qp_attr attr = { .qp_state = IB_QPS_ERR };
	int ret = ib_modify_qp(c->cm_id->qp, &attr, IB_QP_STATE);

	/* Still running: WRs complete the ordinary way, a drain's marker last. */
	if (ret)
		pr_warn_ratelimited("vhost_rmem: donor %s: QP not moved to the error state (%d)\n",
				    c->name, ret);
}

void vhost_rmem_conn_abort(struct vhost_rmem_conn *c, const char *why)
{
	vhost_rmem_conn_fail(c, why);
	vhost_rmem_conn_qp_error(c);
}

/*
 * Every WR posted on @c comes back: once the connection is broken no post
 * starts (vhost_rmem_conn_post), and a marker posted after the last one
 * that did is flushed after all of them (an RC send queue completes in
 * order); the CQ is reaped until it is.  One marker per break, whoever
 * asks: every caller waits for the same one, until the same deadline, so
 * N users of a shared connection wait one timeout, not N.  Not
 * ib_drain_sq(): on an IB_POLL_DIRECT CQ it sleeps 100 ms before it first
 * polls and waits without a bound, and lanes drain with their device's
 * serve_sem held.  Except where the provider drains its own way (a QP in
 * error that takes no WR, iWARP; mlx5 after an internal error): only its
 * drain_sq works there, unbounded, as for every other ULP.  Caller
 * serialises drains and reaping (the share's poll_lock).
 */
int vhost_rmem_conn_drain(struct vhost_rmem_conn *c)
{
	struct ib_qp *qp = c->cm_id ? c->cm_id->qp : NULL;
	struct ib_rdma_wr wr = {
		.wr = {
			.wr_cqe = &c->marker,
			.opcode = IB_WR_RDMA_WRITE,
			.send_flags = IB_SEND_SIGNALED,
		},
	};
	int ret;

	if (!c->established || !qp || c->drained)
		return 0;
	if (!c->drain_posted) {
		vhost_rmem_conn_fail(c, "drained");
		/* Pairs with the post's: the break before reading its count. */
		smp_mb();
		/* A post that began before the break: ib_post_send does not sleep. */
		while (atomic_read(&c->posting))
			cpu_relax();
		c->drain_posted = true;
		if (qp->device->ops.drain_sq) {
			ib_drain_sq(qp);
			c->drained = true;
			return 0;
		}
		vhost_rmem_conn_qp_error(c);
		ret = ib_post_send(qp, &wr.wr, NULL);
		if (ret) {
			pr_warn_ratelimited("vhost_rmem: donor %s: cannot drain its QP (%d)\n",
					    c->name, ret);
			c->drain_posted = false;
			return ret;
		}
		c->drain_deadline = jiffies + msecs_to_jiffies(c->cfg.timeout_ms);
	}
	for (;;) {
		ib_process_cq_direct(c->cq, -1);
		if (c->drained)
			return 0;
		if (time_after(jiffies, c->drain_deadline)) {
			pr_warn_ratelimited("vhost_rmem: donor %s: QP not drained after %u ms\n",
					    c->name, c->cfg.timeout_ms);
			return -ETIMEDOUT;
		}
		usleep_range(20, 50);
	}
}

int vhost_rmem_conn_rwv(struct vhost_rmem_conn *c, bool write,
			const struct vhost_rmem_conn_seg *seg, unsigned int n, u32 rkey)
{
	struct ib_rdma_wr *wr = c->wr;
	struct ib_sge *sge = c->sge;
	unsigned int i;

	if (!n || n > VHOST_RMEM_CONN_MAX_WR)
		return -EINVAL;
	memset(wr, 0, n * sizeof(*wr));
	for (i = 0; i < n; i++) {
		if (seg[i].boff > VHOST_RMEM_CONN_BUF ||
		    seg[i].len > VHOST_RMEM_CONN_BUF - seg[i].boff)
			return -EINVAL;
		sge[i].addr = c->buf_dma + seg[i].boff;
		sge[i].length = seg[i].len;
		sge[i].lkey = c->pd->local_dma_lkey;
		wr[i].wr.opcode = write ? IB_WR_RDMA_WRITE : IB_WR_RDMA_READ;
		wr[i].wr.sg_list = &sge[i];
		wr[i].wr.num_sge = 1;
		wr[i].remote_addr = seg[i].raddr;
		wr[i].rkey = rkey;
		if (i)
			wr[i - 1].wr.next = &wr[i].wr;
	}
	return vhost_rmem_conn_exec(c, &wr[0].wr, n, write ? "RDMA WRITE" : "RDMA READ");
}

/* One piece at the start of c->buf: a vectored move of one segment. */
int vhost_rmem_conn_read(struct vhost_rmem_conn *c, u64 raddr, u32 rkey, u32 len)
{
	struct vhost_rmem_conn_seg seg = { .boff = 0, .len = len, .raddr = raddr };

	return vhost_rmem_conn_rwv(c, false, &seg, 1, rkey);
}

int vhost_rmem_conn_write(struct vhost_rmem_conn *c, u64 raddr, u32 rkey, u32 len)
{
	struct vhost_rmem_conn_seg seg = { .boff = 0, .len = len, .raddr = raddr };

	return vhost_rmem_conn_rwv(c, true, &seg, 1, rkey);
}

int vhost_rmem_conn_zero(struct vhost_rmem_conn *c, u64 raddr, u32 rkey, u64 len)
{
	struct ib_rdma_wr *wr = c->wr;
	struct ib_sge *sge = c->sge;
	unsigned int n;
	int ret;

	while (len) {
		memset(wr, 0, sizeof(c->wr));
		for (n = 0; n < VHOST_RMEM_CONN_MAX_WR && len; n++) {
			u32 piece = min_t(u64, len, VHOST_RMEM_CONN_ZERO);

			sge[n].addr = c->zero_dma;
			sge[n].length = piece;
			sge[n].lkey = c->pd->local_dma_lkey;
			wr[n].wr.opcode = IB_WR_RDMA_WRITE;
			wr[n].wr.sg_list = &sge[n];
			wr[n].wr.num_sge = 1;
			wr[n].remote_addr = raddr;
			wr[n].rkey = rkey;
			if (n)
				wr[n - 1].wr.next = &wr[n].wr;
			raddr += piece;
			len -= piece;
		}
		ret = vhost_rmem_conn_exec(c, &wr[0].wr, n, "clearing a chunk");
		if (ret)
			return ret;
	}
	return 0;
}

int vhost_rmem_conn_cas(struct vhost_rmem_conn *c, u64 raddr, u32 rkey, u64 expect, u64 swap,
			u64 *old)
{
	struct ib_sge sge = { .addr = c->buf_dma + VHOST_RMEM_CONN_BUF, .length = 8,
			      .lkey = c->pd->local_dma_lkey };
	struct ib_atomic_wr wr = {};
	int ret;

	wr.wr.opcode = IB_WR_ATOMIC_CMP_AND_SWP;
	wr.wr.sg_list = &sge;
	wr.wr.num_sge = 1;
	wr.remote_addr = raddr;
	wr.rkey = rkey;
	wr.compare_add = expect;
	wr.swap = swap;
	ret = vhost_rmem_conn_exec(c, &wr.wr, 1, "compare-and-swap");
	if (ret)
		return ret;
	/* The old value arrives in our byte order (rmem_wire.h). */
	memcpy(old, c->buf + VHOST_RMEM_CONN_BUF, 8);
	return 0;
}

int vhost_rmem_conn_meta_read(struct vhost_rmem_conn *c, u64 off, u32 len)
{
	if (off > c->desc.meta_len || len > c->desc.meta_len - off)
		return -EINVAL;
	return vhost_rmem_conn_read(c, c->desc.meta_addr + off, c->desc.meta_rkey, len);
}

int vhost_rmem_conn_meta_cas(struct vhost_rmem_conn *c, u64 off, u64 expect, u64 swap, u64 *old)
{
	if (off > c->desc.meta_len || 8 > c->desc.meta_len - off || (off & 7))
		return -EINVAL;
	return vhost_rmem_conn_cas(c, c->desc.meta_addr + off, c->desc.meta_rkey, expect, swap,
				   old);
}
