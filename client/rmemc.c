// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * rmemc.c - the userspace side of the donor protocol.
 *
 * One RC QP per donor connection and one registered bounce buffer; every
 * operation is synchronous (post one work request, wait for its completion
 * with a deadline), which keeps the library small and its failure modes
 * obvious.  The allocator protocol itself is include/rmem_alloc.h, which
 * the kernel module and the donor's reaper run too.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <infiniband/verbs.h>
#include <rdma/rdma_cma.h>

#include "rmem_alloc.h"
#include "rmemc.h"
#include "rmemc_auth.h"

#define RMEMC_TIMEOUT_MS 5000
/*
 * Busy-poll this long before sleeping on the completion channel: longer than
 * any healthy round trip (tens of µs on hardware, ~100 µs on emulated rxe),
 * short enough that a stalled donor does not burn a core.
 */
#define RMEMC_SPIN_US 2000
/* Bounce buffer: one 1 MiB chunk moves in one operation; metadata in pieces. */
#define RMEMC_BUF (1u << 20)
#define RMEMC_BUF_ATOMIC 0		/* 8-byte CAS result */
#define RMEMC_BUF_DATA 4096		/* everything else */
/* Outstanding READ/atomic requests we ask the donor to accept. */
#define RMEMC_INITIATOR_MAX 16
/* IB CM reject status a consumer's rdma_reject() produces. */
#define RMEMC_CM_REJ_CONSUMER_DEFINED 28

struct rmemc_conn {
	struct rdma_event_channel *channel;
	struct rdma_cm_id *id;
	struct ibv_pd *pd;
	struct ibv_comp_channel *comp;
	struct ibv_cq *cq;
	struct ibv_mr *mr;		/* covers buf */
	uint8_t *buf;
	struct rmem_desc desc;		/* what the donor accepted us with */
	int timeout_ms;
	int spin_us;
	uint64_t wr_seq;		/* wr_id of the one outstanding request */
	uint8_t initiator_depth;	/* READ/atomic requests in flight we ask for */
	bool established;
	bool broken;			/* a WR failed or timed out: QP unusable */
	char host[128];
	uint64_t host_id;		/* sent at connect: the device served */
	char err[320];
	unsigned long fails;		/* rmemc_fail() calls: did an op explain an error? */
};

struct rmemc_dev {
	struct rmemc_conn *conn;
	struct rmem_lease lease;	/* slot, generation, window cache (rmem_alloc.h) */
	bool adopted;			/* found our id in the table already */
	struct rmemc_dev_counters ctr;	/* allocs, frees; the rest is in lease */
};

static int rmemc_fail(struct rmemc_conn *c, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int rmemc_fail(struct rmemc_conn *c, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	c->fails++;
	return err;
}

static uint64_t rmemc_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

const char *rmemc_errmsg(const struct rmemc_conn *c)
{
	return c->err[0] ? c->err : "no error";
}

const struct rmem_desc *rmemc_conn_desc(const struct rmemc_conn *c)
{
	return &c->desc;
}

const char *rmemc_conn_device(const struct rmemc_conn *c)
{
	return c->id && c->id->verbs ? ibv_get_device_name(c->id->verbs->device) : "?";
}

/* ------------------------------------------------------- CM event waits */

/*
 * Waits up to the connection timeout for the next CM event on our channel.
 * The caller acks it.  Returns 0 or -ETIMEDOUT/-errno.
 */
static int rmemc_cm_wait(struct rmemc_conn *c, struct rdma_cm_event **ev, const char *what)
{
	uint64_t deadline = rmemc_now_us() + (uint64_t)c->timeout_ms * 1000;
	struct pollfd pfd = { .fd = c->channel->fd, .events = POLLIN };

	for (;;) {
		uint64_t now;
		int n;

		if (!rdma_get_cm_event(c->channel, ev))
			return 0;
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			return rmemc_fail(c, -errno, "%s: rdma_get_cm_event: %s", what,
					 strerror(errno));
		now = rmemc_now_us();
		if (now >= deadline)
			return rmemc_fail(c, -ETIMEDOUT, "%s: no answer from %s within %d ms",
					 what, c->host, c->timeout_ms);
		n = poll(&pfd, 1, (int)((deadline - now + 999) / 1000));
		if (n < 0 && errno != EINTR)
			return rmemc_fail(c, -errno, "%s: poll: %s", what, strerror(errno));
	}
}

/* Waits for @want; any other event is a failure explained in c->err. */
static int rmemc_cm_expect(struct rmemc_conn *c, enum rdma_cm_event_type want, const char *what)
{
	struct rdma_cm_event *ev;
	int err, status;
	enum rdma_cm_event_type got;

	err = rmemc_cm_wait(c, &ev, what);
	if (err)
		return err;
	got = ev->event;
	status = ev->status;
	rdma_ack_cm_event(ev);
	if (got == want)
		return 0;
	return rmemc_fail(c, -EHOSTUNREACH, "%s %s failed: %s (status %d%s%s)", what, c->host,
			 rdma_event_str(got), status, status < 0 ? ": " : "",
			 status < 0 ? strerror(-status) : "");
}

/* ------------------------------------------------- one-sided operations */

static int rmemc_wait_wc(struct rmemc_conn *c, struct ibv_wc *wc, const char *what)
{
	uint64_t start = rmemc_now_us();
	uint64_t deadline = start + (uint64_t)c->timeout_ms * 1000;
	uint64_t spin_end = c->spin_us > 0 ? start + (uint64_t)c->spin_us : start;
	struct pollfd pfd = { .fd = c->comp->fd, .events = POLLIN };
	bool armed = false;

	for (;;) {
		uint64_t now;
		int n, i;

		/* Several polls per clock read: polling is cheaper than the clock. */
		for (i = 0; i < 16; i++) {
			n = ibv_poll_cq(c->cq, 1, wc);
			if (n < 0)
				return rmemc_fail(c, -EIO, "%s: ibv_poll_cq failed", what);
			if (n == 1)
				return 0;
		}
		now = rmemc_now_us();
		if (now < spin_end)
			continue;
		if (now >= deadline) {
			c->broken = true;
			return rmemc_fail(c, -ETIMEDOUT,
					 "%s: no completion within %d ms (donor %s unreachable?)",
					 what, c->timeout_ms, c->host);
		}
		if (!armed) {
			/* Poll once more after arming: a completion may have slipped in. */
			if (ibv_req_notify_cq(c->cq, 0))
				return rmemc_fail(c, -EIO, "%s: ibv_req_notify_cq failed", what);
			armed = true;
			continue;
		}
		n = poll(&pfd, 1, (int)((deadline - now + 999) / 1000));
		if (n > 0) {
			struct ibv_cq *ev_cq;
			void *ev_ctx;

			if (!ibv_get_cq_event(c->comp, &ev_cq, &ev_ctx))
				ibv_ack_cq_events(ev_cq, 1);
			armed = false;
		} else if (n < 0 && errno != EINTR) {
			return rmemc_fail(c, -errno, "%s: poll: %s", what, strerror(errno));
		}
	}
}

/* Posts @wr (one SGE into the bounce buffer) and waits for it. */
static int rmemc_post(struct rmemc_conn *c, struct ibv_send_wr *wr, const char *what)
{
	struct ibv_send_wr *bad;
	struct ibv_wc wc;
	int err;

	if (c->broken)
		return rmemc_fail(c, -ENOTCONN,
				 "%s: the connection to %s failed earlier; reconnect", what, c->host);
	wr->wr_id = ++c->wr_seq;
	wr->send_flags |= IBV_SEND_SIGNALED;
	wr->next = NULL;
	err = ibv_post_send(c->id->qp, wr, &bad);
	if (err)
		return rmemc_fail(c, -err, "%s: ibv_post_send: %s", what, strerror(err));
	err = rmemc_wait_wc(c, &wc, what);
	if (err)
		return err;
	if (wc.status != IBV_WC_SUCCESS) {
		c->broken = true;
		return rmemc_fail(c, -EIO, "%s failed: %s (wc status %d, vendor error 0x%x)",
				 what, ibv_wc_status_str(wc.status), wc.status, wc.vendor_err);
	}
	if (wc.wr_id != c->wr_seq) {
		c->broken = true;
		return rmemc_fail(c, -EIO, "%s: completion for request %" PRIu64 ", expected %" PRIu64,
				 what, (uint64_t)wc.wr_id, c->wr_seq);
	}
	return 0;
}

static int rmemc_rdma(struct rmemc_conn *c, enum ibv_wr_opcode op, size_t buf_off,
		     uint64_t raddr, uint32_t rkey, uint32_t len, const char *what)
{
	struct ibv_sge sge = {
		.addr = (uint64_t)(uintptr_t)(c->buf + buf_off),
		.length = len,
		.lkey = c->mr->lkey,
	};
	struct ibv_send_wr wr;

	memset(&wr, 0, sizeof(wr));
	wr.opcode = op;
	wr.sg_list = &sge;
	wr.num_sge = 1;
	wr.wr.rdma.remote_addr = raddr;
	wr.wr.rdma.rkey = rkey;
	return rmemc_post(c, &wr, what);
}

/* Compare-and-swap on a metadata word; the old value lands in *old. */
static int rmemc_cas(struct rmemc_conn *c, uint64_t off, uint64_t expect, uint64_t swap,
		    uint64_t *old, const char *what)
{
	struct ibv_sge sge = {
		.addr = (uint64_t)(uintptr_t)(c->buf + RMEMC_BUF_ATOMIC),
		.length = 8,
		.lkey = c->mr->lkey,
	};
	struct ibv_send_wr wr;
	int err;

	memset(&wr, 0, sizeof(wr));
	wr.opcode = IBV_WR_ATOMIC_CMP_AND_SWP;
	wr.sg_list = &sge;
	wr.num_sge = 1;
	wr.wr.atomic.remote_addr = c->desc.meta_addr + off;
	wr.wr.atomic.rkey = c->desc.meta_rkey;
	wr.wr.atomic.compare_add = expect;
	wr.wr.atomic.swap = swap;
	err = rmemc_post(c, &wr, what);
	if (err)
		return err;
	/* Atomics return the old value in host order (see rmem_wire.h). */
	memcpy(old, c->buf + RMEMC_BUF_ATOMIC, 8);
	return 0;
}

/* Reads @len metadata bytes at @off into @dst, in bounce-sized pieces. */
static int rmemc_meta_read(struct rmemc_conn *c, uint64_t off, void *dst, size_t len,
			  const char *what)
{
	size_t max = RMEMC_BUF - RMEMC_BUF_DATA, done = 0;
	int err;

	while (done < len) {
		uint32_t n = (uint32_t)(len - done < max ? len - done : max);

		err = rmemc_rdma(c, IBV_WR_RDMA_READ, RMEMC_BUF_DATA, c->desc.meta_addr + off + done,
				c->desc.meta_rkey, n, what);
		if (err)
			return err;
		memcpy((uint8_t *)dst + done, c->buf + RMEMC_BUF_DATA, n);
		done += n;
	}
	return 0;
}

/* ------------------------------------------------------------ connect */

/*
 * A reject with an rmem reason.  A challenge is not a refusal: -EAGAIN,
 * and @auth holds it for the answer on a new connection.
 */
static int rmemc_rejected(struct rmemc_conn *c, const struct rmem_reject *rej, const void *priv,
			  size_t plen, struct rmemc_auth *auth, struct rmemc_trace *trace)
{
	const char *why = rmem_reject_str(rej->reason);

	switch (rej->reason) {
	case RMEM_REJ_CHALLENGE:
		if (auth && auth->keyed && !auth->challenged &&
		    !rmemc_auth_take_challenge(auth, priv, plen)) {
			if (trace)
				trace->challenges++;
			return -EAGAIN;
		}
		return rmemc_fail(c, -EPROTO,
				 "donor %s sent a challenge this connect did not ask for, or a malformed one",
				 c->host);
	case RMEM_REJ_AUTH_REQUIRED:
		if (auth && !auth->keyed && auth->path[0])
			return rmemc_fail(c, -EACCES,
					 "donor %s rejected the connection: %s (no rack key here: %s does not exist; copy the rack's key file there, or name one with --key-file or RMEM_KEY_FILE)",
					 c->host, why, auth->path);
		return rmemc_fail(c, -EACCES,
				 "donor %s rejected the connection: %s (this connect sent no proof)",
				 c->host, why);
	case RMEM_REJ_AUTH_STALE:
	case RMEM_REJ_AUTH_FAILED:
		if (auth && auth->keyed)
			return rmemc_fail(c, -EACCES,
					 "donor %s rejected the connection: %s (rack key %08x from %s)",
					 c->host, why, auth->key_id, auth->path);
		return rmemc_fail(c, -EACCES, "donor %s rejected the connection: %s", c->host, why);
	case RMEM_REJ_BAD_VERSION:
		return rmemc_fail(c, -ECONNREFUSED,
				 "donor %s rejected the connection: %s (donor serves versions %u..%u)",
				 c->host, why, rej->min_version, rej->max_version);
	default:
		return rmemc_fail(c, -ECONNREFUSED, "donor %s rejected the connection: %s%s%s",
				 c->host, why, rej->detail ? ": " : "",
				 rej->detail ? rmem_wire_strerror(rej->detail) : "");
	}
}

static int rmemc_connect_result(struct rmemc_conn *c, uint16_t port, struct rmemc_auth *auth,
				struct rmemc_trace *trace)
{
	uint8_t priv[RMEM_CM_REP_PRIV_MAX > RMEM_CM_REJ_PRIV_MAX ?
		     RMEM_CM_REP_PRIV_MAX : RMEM_CM_REJ_PRIV_MAX];
	struct rdma_cm_event *ev;
	enum rdma_cm_event_type got;
	struct rmem_reject rej;
	size_t plen = 0;
	int err, status;

	err = rmemc_cm_wait(c, &ev, "connect");
	if (err)
		return err;
	got = ev->event;
	status = ev->status;
	if (ev->param.conn.private_data && ev->param.conn.private_data_len) {
		plen = ev->param.conn.private_data_len;
		if (plen > sizeof(priv))
			plen = sizeof(priv) + 1;	/* decodes as oversized */
		memcpy(priv, ev->param.conn.private_data,
		       plen > sizeof(priv) ? sizeof(priv) : plen);
	}
	rdma_ack_cm_event(ev);

	switch (got) {
	case RDMA_CM_EVENT_ESTABLISHED:
		c->established = true;
		err = rmem_desc_decode(priv, plen, &c->desc);
		if (err)
			return rmemc_fail(c, -EPROTO,
					 "donor %s accepted with an invalid descriptor: %s",
					 c->host, rmem_wire_strerror(err));
		if (trace)
			trace->accepted = true;
		return 0;
	case RDMA_CM_EVENT_REJECTED:
		if (trace) {
			trace->reject_reason = RMEM_REJ_NONE;
			trace->reject_len = plen < sizeof(trace->reject_priv) ?
					    plen : sizeof(trace->reject_priv);
			memcpy(trace->reject_priv, priv, trace->reject_len);
		}
		if (plen && !rmem_reject_decode(priv, plen, &rej)) {
			if (trace)
				trace->reject_reason = rej.reason;
			return rmemc_rejected(c, &rej, priv, plen, auth, trace);
		}
		if (status == RMEMC_CM_REJ_CONSUMER_DEFINED)
			return rmemc_fail(c, -ECONNREFUSED,
					 "%s:%u rejected the connection without an rmem reason (not an rmem-appliance?)",
					 c->host, port);
		return rmemc_fail(c, -ECONNREFUSED,
				 "connection to %s:%u refused (rdma_cm reject status %d: no rmem-appliance listening?)",
				 c->host, port, status);
	case RDMA_CM_EVENT_UNREACHABLE:
		return rmemc_fail(c, -EHOSTUNREACH, "donor %s:%u unreachable (status %d)",
				 c->host, port, status);
	default:
		return rmemc_fail(c, -ECONNABORTED, "connect to %s:%u failed: %s (status %d)",
				 c->host, port, rdma_event_str(got), status);
	}
}

static int rmemc_connect_verify(struct rmemc_conn *c, uint64_t expect_epoch)
{
	struct rmem_wire_superblock sb;
	int err;

	err = rmemc_meta_read(c, 0, &sb, sizeof(sb), "reading the superblock");
	if (err)
		return err;
	err = rmem_sb_check(&sb, &c->desc);
	if (err)
		return rmemc_fail(c, -EPROTO, "donor %s: superblock check failed: %s", c->host,
				 rmem_wire_strerror(err));
	if (expect_epoch)
		return rmemc_check_epoch(c, expect_epoch);
	return 0;
}

int rmemc_check_epoch(struct rmemc_conn *c, uint64_t epoch)
{
	if (epoch == c->desc.epoch)
		return 0;
	return rmemc_fail(c, -ESTALE,
			 "donor %s restarted (epoch %016" PRIx64 " -> %016" PRIx64 "): all chunks lost",
			 c->host, epoch, c->desc.epoch);
}

static void rmemc_conn_teardown(struct rmemc_conn *c)
{
	if (c->established && !c->broken) {
		struct rdma_cm_event *ev;
		int saved = c->timeout_ms;

		/* Bounded wait for the donor's DREP; teardown proceeds regardless. */
		if (!rdma_disconnect(c->id)) {
			c->timeout_ms = saved < 1000 ? saved : 1000;
			if (!rmemc_cm_wait(c, &ev, "disconnect"))
				rdma_ack_cm_event(ev);
			c->timeout_ms = saved;
		}
	}
	if (c->id && c->id->qp)
		rdma_destroy_qp(c->id);
	if (c->mr)
		ibv_dereg_mr(c->mr);
	free(c->buf);
	if (c->cq)
		ibv_destroy_cq(c->cq);
	if (c->comp)
		ibv_destroy_comp_channel(c->comp);
	if (c->pd)
		ibv_dealloc_pd(c->pd);
	if (c->id)
		rdma_destroy_id(c->id);
	if (c->channel)
		rdma_destroy_event_channel(c->channel);
	free(c);
}

/* The PD, CQ and bounce buffer, once, on the device the first route took. */
static int rmemc_conn_resources(struct rmemc_conn *c)
{
	struct ibv_device_attr attr;
	int flags;

	if (ibv_query_device(c->id->verbs, &attr))
		return rmemc_fail(c, -errno, "ibv_query_device: %s", strerror(errno));
	if (attr.atomic_cap == IBV_ATOMIC_NONE)
		return rmemc_fail(c, -EOPNOTSUPP, "RDMA device %s has no atomics: cannot allocate",
				 rmemc_conn_device(c));
	c->initiator_depth = attr.max_qp_init_rd_atom < RMEMC_INITIATOR_MAX ?
			     (uint8_t)attr.max_qp_init_rd_atom : RMEMC_INITIATOR_MAX;
	if (!c->initiator_depth)
		c->initiator_depth = 1;
	c->pd = ibv_alloc_pd(c->id->verbs);
	if (!c->pd)
		return rmemc_fail(c, -errno, "ibv_alloc_pd: %s", strerror(errno));
	c->comp = ibv_create_comp_channel(c->id->verbs);
	if (!c->comp)
		return rmemc_fail(c, -errno, "ibv_create_comp_channel: %s", strerror(errno));
	flags = fcntl(c->comp->fd, F_GETFL);
	if (flags < 0 || fcntl(c->comp->fd, F_SETFL, flags | O_NONBLOCK))
		return rmemc_fail(c, -errno, "fcntl on the completion channel: %s", strerror(errno));
	c->cq = ibv_create_cq(c->id->verbs, 16, c, c->comp, 0);
	if (!c->cq)
		return rmemc_fail(c, -errno, "ibv_create_cq: %s", strerror(errno));
	if (posix_memalign((void **)&c->buf, 4096, RMEMC_BUF))
		return rmemc_fail(c, -ENOMEM, "out of memory for the bounce buffer");
	memset(c->buf, 0, RMEMC_BUF);
	c->mr = ibv_reg_mr(c->pd, c->buf, RMEMC_BUF, IBV_ACCESS_LOCAL_WRITE);
	if (!c->mr)
		return rmemc_fail(c, -errno, "ibv_reg_mr of the bounce buffer: %s", strerror(errno));
	return 0;
}

/* One connect attempt's cm id, routed to the donor, with its QP. */
static int rmemc_cm_prepare(struct rmemc_conn *c, const char *host, uint16_t port)
{
	struct ibv_qp_init_attr qpa;
	struct addrinfo hints, *ai;
	char portstr[8];
	int err;

	if (rdma_create_id(c->channel, &c->id, c, RDMA_PS_TCP))
		return rmemc_fail(c, -errno, "rdma_create_id: %s", strerror(errno));
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(portstr, sizeof(portstr), "%u", port);
	err = getaddrinfo(host, portstr, &hints, &ai);
	if (err)
		return rmemc_fail(c, -EHOSTUNREACH, "cannot resolve %s: %s", host, gai_strerror(err));
	err = rdma_resolve_addr(c->id, NULL, ai->ai_addr, c->timeout_ms);
	freeaddrinfo(ai);
	if (err)
		return rmemc_fail(c, -errno, "rdma_resolve_addr %s: %s (no RDMA device on the route?)",
				 host, strerror(errno));
	err = rmemc_cm_expect(c, RDMA_CM_EVENT_ADDR_RESOLVED, "resolving address of");
	if (err)
		return err;
	if (rdma_resolve_route(c->id, c->timeout_ms))
		return rmemc_fail(c, -errno, "rdma_resolve_route %s: %s", host, strerror(errno));
	err = rmemc_cm_expect(c, RDMA_CM_EVENT_ROUTE_RESOLVED, "resolving route to");
	if (err)
		return err;

	if (!c->pd)
		err = rmemc_conn_resources(c);
	else if (c->pd->context != c->id->verbs)
		err = rmemc_fail(c, -EHOSTUNREACH,
				 "the route to %s moved to another RDMA device between two connect steps",
				 host);
	if (err)
		return err;
	memset(&qpa, 0, sizeof(qpa));
	qpa.send_cq = c->cq;
	qpa.recv_cq = c->cq;
	qpa.qp_type = IBV_QPT_RC;
	qpa.sq_sig_all = 1;
	qpa.cap.max_send_wr = 16;
	qpa.cap.max_recv_wr = 1;
	qpa.cap.max_send_sge = 1;
	qpa.cap.max_recv_sge = 1;
	if (rdma_create_qp(c->id, c->pd, &qpa))
		return rmemc_fail(c, -errno, "rdma_create_qp: %s", strerror(errno));
	return 0;
}

/* Undoes rmemc_cm_prepare() after a reject, before the next attempt. */
static void rmemc_cm_drop(struct rmemc_conn *c)
{
	if (c->id->qp)
		rdma_destroy_qp(c->id);
	rdma_destroy_id(c->id);
	c->id = NULL;
}

/*
 * A donor revokes the host-id-0 connections of a host whose device's lease
 * it reaped (the module's shared data connections), so a client without a
 * device of its own (a tool) names itself: "tool" and its pid.
 */
static uint64_t rmemc_host_id(const struct rmemc_opts *opts)
{
	if (opts->host_id)
		return opts->host_id;
	return RMEM_HOST_ID_TOOL | (uint32_t)getpid();
}

/* Sends the request this attempt makes (@auth's step, or the raw test bytes). */
static int rmemc_connect_once(struct rmemc_conn *c, const char *host, uint16_t port,
			      const struct rmemc_opts *opts, struct rmemc_auth *auth)
{
	struct rmem_connect_req creq = {
		.version = RMEM_WIRE_VERSION,
		.host_id = rmemc_host_id(opts),
	};
	uint8_t req[RMEM_CM_REQ_PRIV_MAX];
	struct rdma_conn_param param;
	int n;

	memset(&param, 0, sizeof(param));
	if (opts->raw_private_data_set) {
		param.private_data = opts->raw_private_data;
		param.private_data_len = opts->raw_private_data_len;
	} else {
		if (rmemc_auth_set_where(auth, rdma_get_local_addr(c->id), rdma_get_peer_addr(c->id)))
			return rmemc_fail(c, -EAFNOSUPPORT, "%s: not an IPv4 or IPv6 route", host);
		rmemc_auth_request(auth, &creq);
		n = rmem_connect_encode(&creq, req, sizeof(req));
		if (n < 0)
			return rmemc_fail(c, -EINVAL, "encoding the connect request: %s",
					 rmem_wire_strerror(n));
		if (opts->trace && (creq.flags & RMEM_CONNECT_F_AUTH)) {
			memcpy(opts->trace->auth_req, req, (size_t)n);
			opts->trace->auth_req_len = (uint8_t)n;
		}
		param.private_data = req;
		param.private_data_len = (uint8_t)n;
	}
	param.initiator_depth = c->initiator_depth;
	param.responder_resources = 0;	/* the donor never reads from us */
	param.retry_count = 7;
	param.rnr_retry_count = 7;
	if (rdma_connect(c->id, &param))
		return rmemc_fail(c, -errno, "rdma_connect %s: %s", host, strerror(errno));
	return rmemc_connect_result(c, port, opts->raw_private_data_set ? NULL : auth, opts->trace);
}

/*
 * With a rack key, two attempts, each on its own cm id: a HELLO that the
 * donor answers with a challenge (a reject), then the AUTH that answers
 * it; the accept must carry the donor's proof before anything is read.
 * Insecure, one plain attempt; without a key file and not insecure, none.
 */
static int rmemc_connect_setup(struct rmemc_conn *c, const char *host, uint16_t port,
			      const struct rmemc_opts *opts)
{
	const char *path = NULL;
	struct rmemc_auth auth;
	int err, flags;

	if (!opts->insecure && !opts->raw_private_data_set)
		path = rmemc_auth_key_file(opts->key_file);
	err = rmemc_auth_begin(&auth, path, c->err, sizeof(c->err));
	/* No key is no connection, unless the caller asked for insecure. */
	if (err == -ENOENT && path) {
		c->fails++;
		snprintf(c->err, sizeof(c->err),
			 "no rack key file %s: install the rack's key there (or pass --key-file FILE); --insecure only reaches donors run --insecure",
			 path);
		goto out_auth_end;
	}
	if (err && err != -ENOENT) {
		c->fails++;
		goto out_auth_end;
	}
	c->err[0] = '\0';
	c->channel = rdma_create_event_channel();
	if (!c->channel) {
		err = rmemc_fail(c, errno ? -errno : -ENODEV,
				 "cannot open rdma_cm: %s (is rdma_ucm loaded?)", strerror(errno));
		goto out_auth_end;
	}
	flags = fcntl(c->channel->fd, F_GETFL);
	if (flags < 0 || fcntl(c->channel->fd, F_SETFL, flags | O_NONBLOCK)) {
		err = rmemc_fail(c, -errno, "fcntl on the rdma_cm channel: %s", strerror(errno));
		goto out_auth_end;
	}
	err = rmemc_cm_prepare(c, host, port);
	if (!err)
		err = rmemc_connect_once(c, host, port, opts, &auth);
	if (err == -EAGAIN) {
		rmemc_cm_drop(c);
		err = rmemc_cm_prepare(c, host, port);
		if (!err)
			err = rmemc_connect_once(c, host, port, opts, &auth);
	}
	if (!err && rmemc_auth_check_accept(&auth, &c->desc, rmemc_host_id(opts)))
		err = rmemc_fail(c, -EACCES,
				 "donor %s failed to prove the rack key %08x: %s; disconnected", c->host,
				 auth.key_id, c->desc.flags & RMEM_ACCEPT_F_AUTH ? "its proof is wrong" :
				 "it admitted this host without a challenge (running --insecure?)");
	if (!err)
		err = rmemc_connect_verify(c, opts->expect_epoch);
out_auth_end:
	rmemc_auth_end(&auth);
	return err;
}

int rmemc_connect(const char *host, uint16_t port, const struct rmemc_opts *opts,
		 struct rmemc_conn **out, char *err, size_t errlen)
{
	struct rmemc_opts defaults = { 0 };
	struct rmemc_conn *c;
	int ret;

	*out = NULL;
	if (!opts)
		opts = &defaults;
	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	c->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : RMEMC_TIMEOUT_MS;
	c->spin_us = opts->spin_us ? opts->spin_us : RMEMC_SPIN_US;
	snprintf(c->host, sizeof(c->host), "%s", host);
	c->host_id = rmemc_host_id(opts);
	ret = rmemc_connect_setup(c, host, port, opts);
	if (ret) {
		snprintf(err, errlen, "%s", c->err);
		rmemc_conn_teardown(c);
		return ret;
	}
	*out = c;
	return 0;
}

void rmemc_disconnect(struct rmemc_conn *c)
{
	if (c)
		rmemc_conn_teardown(c);
}

/* ---------------------------------------------------- devices and leases */

/*
 * The allocator protocol is include/rmem_alloc.h, shared with vhost_rmem and
 * the reaper; these ops run it over our QP.  What an RDMA failure was doing
 * is named after the table it touched.
 */
static const char *rmemc_meta_what(const struct rmemc_conn *c, uint64_t off, bool cas)
{
	const struct rmem_desc *d = &c->desc;

	if (off >= d->owner_off)
		return cas ? "CAS of an owner word" : "reading owner words";
	if (off >= d->lease_off && off < d->lease_off + (uint64_t)d->slot_count * 8)
		return "reading the lease table";
	if (off >= d->slot_off && off < rmem_slot_off(d, d->slot_count))
		return cas ? ((off - d->slot_off) % sizeof(struct rmem_wire_slot) ?
			      "CAS of a slot generation" : "CAS of a lease slot") :
			     "reading the slot table";
	return cas ? "CAS of a metadata word" : "reading metadata";
}

static int rmemc_alloc_meta_read(void *ctx, u64 off, void *buf, u32 len)
{
	struct rmemc_conn *c = ctx;

	return rmemc_meta_read(c, off, buf, len, rmemc_meta_what(c, off, false));
}

static int rmemc_alloc_meta_cas(void *ctx, u64 off, u64 expect, u64 swap, u64 *old)
{
	struct rmemc_conn *c = ctx;

	return rmemc_cas(c, off, expect, swap, old, rmemc_meta_what(c, off, true));
}

static int rmemc_alloc_lease_write(void *ctx, u64 off, const void *buf, u32 len)
{
	struct rmemc_conn *c = ctx;

	if (len > RMEMC_BUF - RMEMC_BUF_DATA)
		return rmemc_fail(c, -EINVAL, "lease write of %u bytes", len);
	memcpy(c->buf + RMEMC_BUF_DATA, buf, len);
	/* The lease MR starts at lease_off: its addresses are meta_addr based. */
	return rmemc_rdma(c, IBV_WR_RDMA_WRITE, RMEMC_BUF_DATA, c->desc.meta_addr + off,
			 c->desc.lease_rkey, len, "renewing the lease");
}

/* Zeros over the whole chunk, one bounce buffer at a time: free chunks are zeros. */
static int rmemc_alloc_chunk_clear(void *ctx, u64 chunk)
{
	struct rmemc_conn *c = ctx;
	size_t max = RMEMC_BUF - RMEMC_BUF_DATA;
	uint64_t len = 1ull << c->desc.chunk_shift, done, base;
	int err;

	if (chunk >= c->desc.chunk_count)
		return rmemc_fail(c, -EINVAL, "clearing chunk %" PRIu64 " past the end", chunk);
	base = c->desc.data_addr + (chunk << c->desc.chunk_shift);
	memset(c->buf + RMEMC_BUF_DATA, 0, max);
	for (done = 0; done < len; done += max) {
		uint32_t n = (uint32_t)(len - done < max ? len - done : max);

		err = rmemc_rdma(c, IBV_WR_RDMA_WRITE, RMEMC_BUF_DATA, base + done,
				c->desc.data_rkey, n, "clearing a chunk before freeing it");
		if (err)
			return err;
	}
	return 0;
}

static const struct rmem_alloc_ops rmemc_alloc_ops = {
	.meta_read = rmemc_alloc_meta_read,
	.meta_cas = rmemc_alloc_meta_cas,
	.lease_write = rmemc_alloc_lease_write,
	.chunk_clear = rmemc_alloc_chunk_clear,
};

static struct rmem_alloc_donor rmemc_donor(struct rmemc_conn *c)
{
	return (struct rmem_alloc_donor){
		.ops = &rmemc_alloc_ops,
		.ctx = c,
		.desc = &c->desc,
	};
}

/*
 * Did the protocol itself answer @err (the message is ours to write), or did
 * one of its RDMA operations fail (rmemc_fail() described it already)?
 */
static bool rmemc_proto_answer(const struct rmemc_conn *c, unsigned long fails_before, int err)
{
	return err && c->fails == fails_before;
}

int rmemc_read_slots(struct rmemc_conn *c, uint32_t first, uint32_t count,
		    struct rmemc_slot_info *out)
{
	struct rmem_wire_slot *s;
	__le64 *l;
	uint32_t i;
	int err;

	if (first > c->desc.slot_count || count > c->desc.slot_count - first)
		return rmemc_fail(c, -EINVAL, "slots %u..%u beyond the donor's %u", first,
				 first + count, c->desc.slot_count);
	s = malloc((size_t)count * sizeof(*s) + 1);
	l = malloc((size_t)count * sizeof(*l) + 1);
	if (!s || !l) {
		err = rmemc_fail(c, -ENOMEM, "out of memory reading %u slots", count);
		goto out_free;
	}
	err = rmemc_meta_read(c, rmem_slot_off(&c->desc, first), s, (size_t)count * sizeof(*s),
			     "reading the slot table");
	if (!err)
		err = rmemc_meta_read(c, rmem_lease_word_off(&c->desc, first), l,
				     (size_t)count * sizeof(*l), "reading the lease table");
	for (i = 0; !err && i < count; i++) {
		out[i].device_id = le64_to_cpu(s[i].device_id);
		out[i].generation = le64_to_cpu(s[i].generation);
		out[i].lease_counter = le64_to_cpu(l[i]);
	}
out_free:
	free(s);
	free(l);
	return err;
}

static int rmemc_lease_lost(struct rmemc_dev *d)
{
	return rmemc_fail(d->conn, -EKEYEXPIRED, "lease of device %016" PRIx64 " was lost",
			 d->lease.device_id);
}

/* The renewal check found the slot taken over: say by whom. */
static int rmemc_lease_taken(struct rmemc_dev *d)
{
	struct rmem_lease *l = &d->lease;

	return rmemc_fail(d->conn, -EKEYEXPIRED,
			 "lease of device %016" PRIx64 " on %s lost: slot %u now holds %016" PRIx64
			 " generation %" PRIu64 "; its chunks were freed", l->device_id,
			 d->conn->host, l->slot, l->seen_device_id, l->seen_generation);
}

int rmemc_lease_renew(struct rmemc_dev *d)
{
	struct rmem_alloc_donor dn = rmemc_donor(d->conn);
	unsigned long fails = d->conn->fails;
	int err;

	if (!d->lease.held)
		return rmemc_lease_lost(d);
	err = rmem_lease_extend(&dn, &d->lease);
	if (rmemc_proto_answer(d->conn, fails, err))
		return rmemc_lease_taken(d);
	return err;
}

/* Explains an error of find/adopt/claim that no RDMA operation explained. */
static int rmemc_attach_fail(struct rmemc_dev *d, int err)
{
	struct rmemc_conn *c = d->conn;

	switch (err) {
	case -ENOSPC:
		return rmemc_fail(c, err, "no free lease slot on donor %s (all %u in use)", c->host,
				 c->desc.slot_count);
	case -EAGAIN:
		return rmemc_fail(c, err, "slot %u changed hands while attaching; try again",
				 d->lease.slot);
	case -EKEYEXPIRED:
		return rmemc_lease_taken(d);
	default:
		return rmemc_fail(c, err, "attaching device %016" PRIx64 ": %s", d->lease.device_id,
				 strerror(-err));
	}
}

int rmemc_dev_attach(struct rmemc_conn *c, uint64_t device_id, unsigned int flags,
		    struct rmemc_dev **out)
{
	struct rmem_alloc_donor dn = rmemc_donor(c);
	unsigned long fails = c->fails;
	struct rmemc_dev *d;
	uint32_t slot;
	int err;

	*out = NULL;
	if (!rmem_device_id_valid(device_id))
		return rmemc_fail(c, -EINVAL, "device id %016" PRIx64 " is reserved", device_id);
	/* The donor revokes a reaped device's connections by the id they connected with. */
	if (device_id != c->host_id)
		return rmemc_fail(c, -EINVAL,
				  "device %016" PRIx64 " on a connection made as host id %016" PRIx64
				  ": connect with host_id = the device id", device_id, c->host_id);
	d = calloc(1, sizeof(*d));
	if (d) {
		/* Any window a donor may announce; find and claim READ slots into it too. */
		d->lease.words_len = RMEM_WINDOW_WORDS_MAX;
		d->lease.words = calloc(d->lease.words_len, sizeof(*d->lease.words));
	}
	if (!d || !d->lease.words) {
		err = rmemc_fail(c, -ENOMEM, "out of memory attaching a device");
		goto out_free;
	}
	d->conn = c;
	d->lease.device_id = device_id;

	err = rmem_lease_find(&dn, &d->lease, &slot);
	if (!err) {
		if (flags & RMEMC_ATTACH_NEW) {
			err = rmemc_fail(c, -EEXIST, "device %016" PRIx64 " already holds slot %u",
					device_id, slot);
			goto out_free;
		}
		d->adopted = true;
		err = rmem_lease_adopt(&dn, &d->lease, slot);
	} else if (err == -ENOENT) {
		if (flags & RMEMC_ATTACH_EXISTING) {
			err = rmemc_fail(c, -ENOENT, "device %016" PRIx64 " holds no slot on %s",
					device_id, c->host);
			goto out_free;
		}
		err = rmem_lease_claim(&dn, &d->lease);
	}
	if (err) {
		if (rmemc_proto_answer(c, fails, err))
			rmemc_attach_fail(d, err);
		goto out_free;
	}
	*out = d;
	return 0;

out_free:
	rmemc_dev_close(d);
	return err;
}

void rmemc_dev_close(struct rmemc_dev *d)
{
	if (!d)
		return;
	free(d->lease.words);
	free(d);
}

uint32_t rmemc_dev_slot(const struct rmemc_dev *d)
{
	return d->lease.slot;
}

uint64_t rmemc_dev_generation(const struct rmemc_dev *d)
{
	return d->lease.generation;
}

bool rmemc_dev_adopted(const struct rmemc_dev *d)
{
	return d->adopted;
}

void rmemc_dev_get_counters(const struct rmemc_dev *d, struct rmemc_dev_counters *out)
{
	*out = d->ctr;
	out->window_reads = d->lease.window_reads;
	out->cas_conflicts = d->lease.cas_conflicts;
}

/* ----------------------------------------------------------------- chunks */

static int rmemc_handle_check(struct rmemc_conn *c, const struct rmemc_handle *h)
{
	if (h->epoch != c->desc.epoch)
		return rmemc_fail(c, -ESTALE,
				 "handle of chunk %" PRIu64 " is from donor epoch %016" PRIx64
				 ", the donor is now at %016" PRIx64 ": all chunks lost",
				 h->chunk, h->epoch, c->desc.epoch);
	if (h->chunk >= c->desc.chunk_count)
		return rmemc_fail(c, -EINVAL, "chunk %" PRIu64 " beyond the donor's %" PRIu64,
				 h->chunk, c->desc.chunk_count);
	return 0;
}

int rmemc_alloc(struct rmemc_dev *d, uint64_t vchunk, struct rmemc_handle *h)
{
	struct rmemc_conn *c = d->conn;
	struct rmem_alloc_donor dn = rmemc_donor(c);
	unsigned long fails = c->fails;
	uint64_t chunk = 0, owner = 0;
	int err;

	if (!d->lease.held)
		return rmemc_lease_lost(d);
	err = rmem_lease_alloc(&dn, &d->lease, vchunk, &chunk, &owner);
	if (!err) {
		h->chunk = chunk;
		h->owner = owner;
		h->epoch = c->desc.epoch;
		d->ctr.allocs++;
		return 0;
	}
	if (!rmemc_proto_answer(c, fails, err))
		return err;
	switch (err) {
	case -EINVAL:
		return rmemc_fail(c, err, "virtual chunk %" PRIu64 " exceeds %llu", vchunk,
				 (unsigned long long)RMEM_VCHUNK_MAX);
	case -ENOSPC:
		return rmemc_fail(c, err, "donor %s is full: all %" PRIu64 " chunks in use",
				 c->host, c->desc.chunk_count);
	case -EPROTO:
		return rmemc_fail(c, err, "donor %s announces %u-word windows, more than %u",
				 c->host, c->desc.window_words, d->lease.words_len);
	default:
		return rmemc_fail(c, err, "allocation on %s made no progress (donor misbehaving?)",
				 c->host);
	}
}

static const char *rmemc_owner_str(uint64_t w, char *buf, size_t len)
{
	struct rmem_owner o;

	if (rmem_owner_decode(w, &o) == -ENOENT)
		snprintf(buf, len, "free");
	else if (rmem_owner_decode(w, &o))
		snprintf(buf, len, "invalid word %016" PRIx64, w);
	else
		snprintf(buf, len, "slot %u generation %u vchunk %" PRIu64, o.slot, o.gen,
			 (uint64_t)o.vchunk);
	return buf;
}

int rmemc_free(struct rmemc_dev *d, const struct rmemc_handle *h)
{
	struct rmemc_conn *c = d->conn;
	struct rmem_alloc_donor dn = rmemc_donor(c);
	unsigned long fails = c->fails;
	uint64_t old;
	char who[96];
	int err;

	err = rmemc_handle_check(c, h);
	if (err)
		return err;
	if (!d->lease.held)
		return rmemc_lease_lost(d);
	if (!rmem_owner_is(h->owner, d->lease.slot, (uint32_t)d->lease.generation))
		return rmemc_fail(c, -EPERM,
				 "handle of chunk %" PRIu64 " belongs to %s, not to this device (slot %u)",
				 h->chunk, rmemc_owner_str(h->owner, who, sizeof(who)), d->lease.slot);
	err = rmem_lease_free(&dn, &d->lease, h->chunk, h->owner, &old);
	if (err == -EPERM && rmemc_proto_answer(c, fails, err))
		return rmemc_fail(c, -EPERM,
				 "chunk %" PRIu64 " is not owned by this handle: the table says %s",
				 h->chunk, rmemc_owner_str(old, who, sizeof(who)));
	if (err)
		return err;
	d->ctr.frees++;
	return 0;
}

static int rmemc_io(struct rmemc_conn *c, const struct rmemc_handle *h, uint64_t off,
		   void *buf, size_t len, bool write)
{
	size_t max = RMEMC_BUF - RMEMC_BUF_DATA, done = 0;
	uint64_t chunk_size = 1ull << c->desc.chunk_shift, base;
	int err;

	err = rmemc_handle_check(c, h);
	if (err)
		return err;
	if (off > chunk_size || len > chunk_size - off)
		return rmemc_fail(c, -EINVAL,
				 "%zu bytes at offset %" PRIu64 " overflow the %" PRIu64 "-byte chunk",
				 len, off, chunk_size);
	base = c->desc.data_addr + (h->chunk << c->desc.chunk_shift) + off;
	while (done < len) {
		uint32_t n = (uint32_t)(len - done < max ? len - done : max);

		if (write) {
			memcpy(c->buf + RMEMC_BUF_DATA, (uint8_t *)buf + done, n);
			err = rmemc_rdma(c, IBV_WR_RDMA_WRITE, RMEMC_BUF_DATA, base + done,
					c->desc.data_rkey, n, "writing a chunk");
		} else {
			err = rmemc_rdma(c, IBV_WR_RDMA_READ, RMEMC_BUF_DATA, base + done,
					c->desc.data_rkey, n, "reading a chunk");
			if (!err)
				memcpy((uint8_t *)buf + done, c->buf + RMEMC_BUF_DATA, n);
		}
		if (err)
			return err;
		done += n;
	}
	return 0;
}

int rmemc_read(struct rmemc_conn *c, const struct rmemc_handle *h, uint64_t off, void *buf,
	      size_t len)
{
	return rmemc_io(c, h, off, buf, len, false);
}

int rmemc_write(struct rmemc_conn *c, const struct rmemc_handle *h, uint64_t off,
	       const void *buf, size_t len)
{
	return rmemc_io(c, h, off, (void *)buf, len, true);
}

/* Owner words per piece of a walk: one bounce buffer's worth, one READ. */
#define RMEMC_WALK_WORDS ((RMEMC_BUF - RMEMC_BUF_DATA) / 8)

struct rmemc_scan_ctx {
	struct rmemc_dev *d;
	int (*cb)(void *arg, const struct rmemc_handle *h, uint64_t vchunk);
	void *arg;
};

static int rmemc_dev_scan_one(void *arg, uint64_t chunk, uint64_t word)
{
	struct rmemc_scan_ctx *s = arg;
	struct rmemc_handle h;

	if (!rmem_owner_is(word, s->d->lease.slot, (uint32_t)s->d->lease.generation))
		return 0;
	h.chunk = chunk;
	h.owner = word;
	h.epoch = s->d->conn->desc.epoch;
	return s->cb(s->arg, &h, word & RMEM_VCHUNK_MAX);
}

int rmemc_dev_scan(struct rmemc_dev *d,
		  int (*cb)(void *arg, const struct rmemc_handle *h, uint64_t vchunk),
		  void *arg)
{
	struct rmem_alloc_donor dn = rmemc_donor(d->conn);
	struct rmemc_scan_ctx s = { .d = d, .cb = cb, .arg = arg };
	__le64 *buf;
	int err;

	if (!d->lease.held)
		return rmemc_lease_lost(d);
	/* Not the lease's window: @cb may free, which updates the window cache. */
	buf = malloc(RMEMC_WALK_WORDS * 8);
	if (!buf)
		return rmemc_fail(d->conn, -ENOMEM, "out of memory walking the owner table");
	err = rmem_owner_walk(&dn, buf, RMEMC_WALK_WORDS, rmemc_dev_scan_one, &s);
	free(buf);
	return err;
}

int rmemc_dev_detach(struct rmemc_dev *d, uint64_t *freed)
{
	struct rmemc_conn *c = d->conn;
	struct rmem_alloc_donor dn = rmemc_donor(c);
	unsigned long fails = c->fails;
	struct rmem_lease *l = &d->lease;
	uint64_t n = 0;
	int err;

	if (!l->held) {
		err = rmemc_lease_lost(d);
		goto out_close;
	}
	/* The window buffer is free scratch: the lease ends here either way. */
	err = rmem_slot_reclaim(&dn, l->slot, l->device_id, l->words, l->words_len, &n);
	if (freed)
		*freed = n;
	if (err == -EKEYEXPIRED && rmemc_proto_answer(c, fails, err))
		err = rmemc_fail(c, err,
				"slot %u no longer names device %016" PRIx64 ": lease already reclaimed",
				l->slot, l->device_id);
out_close:
	rmemc_dev_close(d);
	return err;
}

/* ------------------------------------------------------------- monitoring */

int rmemc_read_stats(struct rmemc_conn *c, struct rmemc_stats *st)
{
	struct rmem_wire_stats w;
	int tries, err;

	for (tries = 0; tries < 10; tries++) {
		err = rmemc_meta_read(c, c->desc.stats_off, &w, sizeof(w), "reading the stats block");
		if (err)
			return err;
		if (w.seq_begin != w.seq_end) {
			usleep(1000);	/* the appliance is mid-refresh: microseconds */
			continue;
		}
		st->uptime_ms = le64_to_cpu(w.uptime_ms);
		st->chunks_total = le64_to_cpu(w.chunks_total);
		st->chunks_used = le64_to_cpu(w.chunks_used);
		st->hosts_connected = le32_to_cpu(w.hosts_connected);
		st->slots_used = le32_to_cpu(w.slots_used);
		st->leases_expired = le64_to_cpu(w.leases_expired);
		st->reaper_chunks_freed = le64_to_cpu(w.reaper_chunks_freed);
		st->connects_accepted = le64_to_cpu(w.connects_accepted);
		st->connects_rejected = le64_to_cpu(w.connects_rejected);
		st->refused_not_allowed = le64_to_cpu(w.refused_not_allowed);
		st->refused_auth = le64_to_cpu(w.refused_auth);
		st->auth_accepted = le64_to_cpu(w.auth_accepted);
		st->conns_revoked = le64_to_cpu(w.conns_revoked);
		st->challenges_refused = le64_to_cpu(w.challenges_refused);
		st->cpu_time_us = le64_to_cpu(w.cpu_time_us);
		st->refreshes = le64_to_cpu(w.refreshes);
		return 0;
	}
	return rmemc_fail(c, -EAGAIN, "stats block of %s kept changing while read", c->host);
}

int rmemc_read_owners(struct rmemc_conn *c, uint64_t first, uint64_t count, uint64_t *words)
{
	uint64_t i;
	int err;

	if (first > c->desc.chunk_count || count > c->desc.chunk_count - first)
		return rmemc_fail(c, -EINVAL, "owner words %" PRIu64 "+%" PRIu64 " beyond %" PRIu64,
				 first, count, c->desc.chunk_count);
	err = rmemc_meta_read(c, rmem_owner_off(&c->desc, first), words, count * 8,
			     "reading the owner table");
	if (err)
		return err;
	for (i = 0; i < count; i++)
		words[i] = le64_to_cpu((__le64)words[i]);
	return 0;
}
