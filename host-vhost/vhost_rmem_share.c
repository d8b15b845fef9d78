// SPDX-License-Identifier: GPL-2.0
/*
 * vhost_rmem_share.c - the host's data connections, shared by its devices.
 *
 * A queue's lane moves data on a data connection (vhost_rmem_conn with an
 * SQ deep enough for many requests).  One per device and queue would make
 * a donor hold devices x queues QPs, CQs and responder resources for a
 * host; here every device of the host whose lane has the same queue index
 * and uses the same donor (address, port and boot) joins one connection,
 * so the donor sees at most hosts x queues data QPs.
 *
 * Several lanes post on one QP (ib_post_send may be called concurrently)
 * and reap one CQ.  ib_process_cq_direct() must not run twice at once on a
 * CQ, so reaping is under poll_lock, taken with a trylock: a lane that
 * finds another reaping waits for that one to hand it its completions.  A
 * completion handler therefore runs in whichever lane reaps; it only
 * records and hands the request to its own lane (rdma backend), which ends
 * it in its own context.
 *
 * Devices with different rdma_timeout_ms never share: the connection's
 * timeout bounds its connect and its drain, and what a lane waits for.
 *
 * A connection breaks for all its users at once (the donor went, a WR
 * failed, a request waited past the timeout); every user with requests on
 * it waits for the same drain (one per break, vhost_rmem_conn_drain) and
 * leaves it; the last user destroys it.  A completion handler's last access to its request's lane
 * is the hand-over (llist_add), so a lane that has nothing in flight may
 * leave and go at once.  The next user that needs one
 * connects anew: broken connections stay in the table only until their
 * last user has gone, and are never joined.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "vhost_rmem_rdma.h"

static LIST_HEAD(vhost_rmem_shares);
/* The table and every share's ref. */
static DEFINE_MUTEX(vhost_rmem_share_lock);

static bool vhost_rmem_share_match(const struct vhost_rmem_share *s,
				   const struct vhost_rmem_conn_cfg *cfg, u64 epoch,
				   unsigned int qi)
{
	const struct sockaddr_in *a = (const struct sockaddr_in *)&cfg->addr;

	return s->addr.sin_addr.s_addr == a->sin_addr.s_addr && s->addr.sin_port == a->sin_port &&
	       s->epoch == epoch && s->qi == qi && s->timeout_ms == cfg->timeout_ms;
}

/* A joinable share for the key, with a reference for @u; NULL if none. */
static struct vhost_rmem_share *vhost_rmem_share_join(const struct vhost_rmem_conn_cfg *cfg,
						      u64 epoch, unsigned int qi,
						      struct vhost_rmem_share_user *u)
{
	struct vhost_rmem_share *s;

	lockdep_assert_held(&vhost_rmem_share_lock);
	list_for_each_entry(s, &vhost_rmem_shares, node) {
		if (!vhost_rmem_share_match(s, cfg, epoch, qi) || !vhost_rmem_conn_ok(s->conn))
			continue;
		s->ref++;
		spin_lock(&s->lock);
		list_add_tail(&u->node, &s->users);
		spin_unlock(&s->lock);
		return s;
	}
	return NULL;
}

/* A share no user has: its connection destroyed (or never made) first. */
static void vhost_rmem_share_free(struct vhost_rmem_share *s)
{
	mutex_destroy(&s->poll_lock);
	kfree(s);
}

/* The connection broke: every user's lane looks at it (and leaves it once idle). */
static void vhost_rmem_share_broken(void *ctx)
{
	struct vhost_rmem_share *s = ctx;
	struct vhost_rmem_share_user *u;

	spin_lock(&s->lock);
	list_for_each_entry(u, &s->users, node)
		u->broken(u);
	spin_unlock(&s->lock);
}

struct vhost_rmem_share *vhost_rmem_share_get(const struct vhost_rmem_conn_cfg *owner, u64 epoch,
					      unsigned int qi, struct vhost_rmem_share_user *u,
					      bool *created)
{
	const struct sockaddr_in *a = (const struct sockaddr_in *)&owner->addr;
	struct vhost_rmem_share *s, *other;
	struct vhost_rmem_conn_cfg cfg;
	struct vhost_rmem_conn *c;
	int ret;

	*created = false;
	mutex_lock(&vhost_rmem_share_lock);
	s = vhost_rmem_share_join(owner, epoch, qi, u);
	mutex_unlock(&vhost_rmem_share_lock);
	if (s)
		return s;

	/* Connect without the table's lock: it takes up to the timeout. */
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return ERR_PTR(-ENOMEM);
	s->addr = *a;
	s->epoch = epoch;
	s->qi = qi;
	s->timeout_ms = owner->timeout_ms;
	mutex_init(&s->poll_lock);
	spin_lock_init(&s->lock);
	INIT_LIST_HEAD(&s->users);
	cfg = *owner;
	cfg.host_id = 0;		/* serves every device of the host */
	cfg.broken = vhost_rmem_share_broken;
	cfg.ctx = s;
	cfg.sq_depth = VHOST_RMEM_SHARE_SQ_DEPTH;
	cfg.max_sge = VHOST_RMEM_SHARE_MAX_SGE;
	cfg.cleared = NULL;
	c = vhost_rmem_conn_create(&cfg);
	if (IS_ERR(c)) {
		ret = PTR_ERR(c);
		goto out_free;
	}
	/* The donor rebooted since the device last looked: not its chunks. */
	if (c->desc.epoch != epoch) {
		ret = -ESTALE;
		goto out_destroy;
	}
	s->conn = c;

	mutex_lock(&vhost_rmem_share_lock);
	/* Another device's lane connected meanwhile: join that one instead. */
	other = vhost_rmem_share_join(owner, epoch, qi, u);
	if (!other) {
		s->ref = 1;
		list_add_tail(&u->node, &s->users);
		list_add_tail(&s->node, &vhost_rmem_shares);
	}
	mutex_unlock(&vhost_rmem_share_lock);
	if (other) {
		vhost_rmem_conn_destroy(c);
		vhost_rmem_share_free(s);
		return other;
	}
	*created = true;
	vhost_rmem_conn_arm(c);
	return s;

out_destroy:
	vhost_rmem_conn_destroy(c);
out_free:
	vhost_rmem_share_free(s);
	return ERR_PTR(ret);
}

void vhost_rmem_share_put(struct vhost_rmem_share *s, struct vhost_rmem_share_user *u)
{
	bool last;

	spin_lock(&s->lock);
	list_del(&u->node);
	spin_unlock(&s->lock);

	mutex_lock(&vhost_rmem_share_lock);
	last = !--s->ref;
	if (last)
		list_del(&s->node);
	mutex_unlock(&vhost_rmem_share_lock);
	if (!last)
		return;
	vhost_rmem_conn_destroy(s->conn);
	vhost_rmem_share_free(s);
}

int vhost_rmem_share_poll(struct vhost_rmem_share *s)
{
	int n;

	if (!mutex_trylock(&s->poll_lock))
		return 0;
	n = vhost_rmem_conn_poll(s->conn);
	mutex_unlock(&s->poll_lock);
	return n;
}

int vhost_rmem_share_drain(struct vhost_rmem_share *s)
{
	int ret;

	mutex_lock(&s->poll_lock);
	ret = vhost_rmem_conn_drain(s->conn);
	mutex_unlock(&s->poll_lock);
	return ret;
}

bool vhost_rmem_share_reserve(struct vhost_rmem_share *s, unsigned int wrs)
{
	int old = atomic_read(&s->wrs);

	do {
		if (old + wrs > s->conn->sq_depth)
			return false;
	} while (!atomic_try_cmpxchg(&s->wrs, &old, old + wrs));
	return true;
}

void vhost_rmem_share_release(struct vhost_rmem_share *s, unsigned int wrs)
{
	atomic_sub(wrs, &s->wrs);
}

/* debugfs vhost_rmem/data_conns: one line per data connection of the host. */
static int vhost_rmem_share_show(struct seq_file *m, void *unused)
{
	struct vhost_rmem_share *s;

	mutex_lock(&vhost_rmem_share_lock);
	list_for_each_entry(s, &vhost_rmem_shares, node)
		seq_printf(m, "%pI4:%u epoch %016llx queue %u timeout %u users %u wrs %d %s\n",
			   &s->addr.sin_addr, ntohs(s->addr.sin_port), s->epoch, s->qi,
			   s->timeout_ms, s->ref, atomic_read(&s->wrs),
			   vhost_rmem_conn_ok(s->conn) ? "ok" : "broken");
	mutex_unlock(&vhost_rmem_share_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vhost_rmem_share);

/* Module exit: every device is gone, and with it every user. */
void vhost_rmem_share_exit(void)
{
	WARN_ON(!list_empty(&vhost_rmem_shares));
}

void vhost_rmem_share_debugfs(struct dentry *root)
{
	if (root)
		debugfs_create_file("data_conns", 0400, root, NULL, &vhost_rmem_share_fops);
}
