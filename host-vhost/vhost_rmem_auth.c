// SPDX-License-Identifier: GPL-2.0
/*
 * vhost_rmem_auth.c - the host's rack key and its proofs (include/rmem_wire.h,
 * "Host authentication").
 *
 * The key reaches the module through a write-only parameter, the text of a
 * rack key file (`cat /etc/rmem/rack.key >
 * /sys/module/vhost_rmem/parameters/rack_key`), never through the module's
 * command line, where any user could read it.  Reading the parameter shows
 * only the key's id.  A host proves the file's first key; a donor accepts
 * either of two during a rotation.
 *
 * Tags are HMAC-SHA256 from the kernel crypto API, truncated as the wire
 * says, compared in constant time.
 */
#include <crypto/algapi.h>
#include <crypto/hash.h>
#include <crypto/sha2.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/kref.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/unaligned.h>

#include "vhost_rmem_rdma.h"

/*
 * The key in force, keyed into its own HMAC transform when it is written
 * (process context: the crypto API may load hmac and sha256 then), so a
 * connect - which may run under memalloc_noio for a host swapping onto us
 * - allocates nothing.  An attempt holds a reference: a rotation never
 * changes the key under a half-done exchange.
 */
struct vhost_rmem_key {
	struct kref ref;
	struct crypto_shash *tfm;
	u32 id;
};

static DEFINE_MUTEX(vhost_rmem_auth_lock);
static struct vhost_rmem_key *vhost_rmem_key;	/* NULL: no key */

static void vhost_rmem_key_free(struct kref *ref)
{
	struct vhost_rmem_key *k = container_of(ref, struct vhost_rmem_key, ref);

	/* Frees the key schedule with kfree_sensitive. */
	crypto_free_shash(k->tfm);
	kfree(k);
}

static int vhost_rmem_hmac(struct crypto_shash *tfm, const u8 *in, size_t len,
			   u8 out[SHA256_DIGEST_SIZE])
{
	return crypto_shash_tfm_digest(tfm, in, len, out);
}

static struct vhost_rmem_key *vhost_rmem_key_new(const u8 *key)
{
	u8 mac[SHA256_DIGEST_SIZE];
	struct vhost_rmem_key *k;
	int ret;

	k = kzalloc(sizeof(*k), GFP_KERNEL);
	if (!k)
		return ERR_PTR(-ENOMEM);
	kref_init(&k->ref);
	k->tfm = crypto_alloc_shash("hmac(sha256)", 0, 0);
	if (IS_ERR(k->tfm)) {
		ret = PTR_ERR(k->tfm);
		goto out_free;
	}
	ret = crypto_shash_setkey(k->tfm, key, RMEM_AUTH_KEY_LEN);
	if (!ret)
		ret = vhost_rmem_hmac(k->tfm, RMEM_AUTH_LABEL_KEY_ID,
				      strlen(RMEM_AUTH_LABEL_KEY_ID), mac);
	if (ret)
		goto out_free_tfm;
	k->id = get_unaligned_be32(mac);
	memzero_explicit(mac, sizeof(mac));
	return k;

out_free_tfm:
	crypto_free_shash(k->tfm);
out_free:
	kfree(k);
	return ERR_PTR(ret);
}

/* Installs @k (NULL: none) and drops the key it replaces. */
static void vhost_rmem_key_install(struct vhost_rmem_key *k)
{
	struct vhost_rmem_key *old;

	mutex_lock(&vhost_rmem_auth_lock);
	old = vhost_rmem_key;
	vhost_rmem_key = k;
	mutex_unlock(&vhost_rmem_auth_lock);
	if (old)
		kref_put(&old->ref, vhost_rmem_key_free);
}

static int vhost_rmem_rack_key_param_set(const char *val, const struct kernel_param *kp)
{
	u8 keys[RMEM_AUTH_KEYS_MAX][RMEM_AUTH_KEY_LEN];
	struct vhost_rmem_key *k;
	size_t len = strlen(val);
	unsigned int bad = 0;
	u32 id;
	int n, ret;

	/* On modprobe's command line the key would sit in ps and in mod->args. */
	if (THIS_MODULE->state != MODULE_STATE_LIVE) {
		pr_err("vhost_rmem: rack_key is not taken at load: write it to /sys/module/vhost_rmem/parameters/rack_key\n");
		return -EPERM;
	}

	/* An empty write forgets the key. */
	if (!len || (len == 1 && val[0] == '\n')) {
		vhost_rmem_key_install(NULL);
		pr_info("vhost_rmem: rack key cleared: connections carry no proof\n");
		return 0;
	}
	n = rmem_auth_keys_parse(val, len, keys, &bad);
	if (n < 0) {
		if (bad)
			pr_err("vhost_rmem: rack_key: line %u is not a key (64 hex digits); key unchanged\n",
			       bad);
		else
			pr_err("vhost_rmem: rack_key: no key in the text written; key unchanged\n");
		ret = -EINVAL;
		goto out_wipe;
	}
	k = vhost_rmem_key_new(keys[0]);
	if (IS_ERR(k)) {
		ret = PTR_ERR(k);
		pr_err("vhost_rmem: rack_key: cannot key hmac(sha256) (%d; is it in this kernel?); key unchanged\n",
		       ret);
		goto out_wipe;
	}
	id = k->id;
	vhost_rmem_key_install(k);
	pr_info("vhost_rmem: rack key %08x loaded: donors must prove it, this host proves it\n",
		id);
	ret = 0;
out_wipe:
	memzero_explicit(keys, sizeof(keys));
	return ret;
}

static int vhost_rmem_rack_key_param_get(char *buf, const struct kernel_param *kp)
{
	int n;

	mutex_lock(&vhost_rmem_auth_lock);
	if (vhost_rmem_key)
		n = sysfs_emit(buf, "%08x\n", vhost_rmem_key->id);
	else
		n = sysfs_emit(buf, "none\n");
	mutex_unlock(&vhost_rmem_auth_lock);
	return n;
}

static const struct kernel_param_ops vhost_rmem_rack_key_ops = {
	.set = vhost_rmem_rack_key_param_set,
	.get = vhost_rmem_rack_key_param_get,
};
module_param_cb(rack_key, &vhost_rmem_rack_key_ops, NULL, 0600);
MODULE_PARM_DESC(rack_key,
		 "rack key file text (64 hex digits; written, never echoed: reads show its id)");

/* Without a key, connect at all only where the operator said so (labs). */
static bool vhost_rmem_insecure;
module_param_named(insecure, vhost_rmem_insecure, bool, 0644);
MODULE_PARM_DESC(insecure,
		 "without a rack key, connect without proof to donors run --insecure (labs only)");

bool vhost_rmem_auth_insecure(void)
{
	return READ_ONCE(vhost_rmem_insecure);
}

void vhost_rmem_auth_exit(void)
{
	vhost_rmem_key_install(NULL);
}

bool vhost_rmem_auth_begin(struct vhost_rmem_auth *a)
{
	memset(a, 0, sizeof(*a));
	mutex_lock(&vhost_rmem_auth_lock);
	a->key = vhost_rmem_key;
	if (a->key)
		kref_get(&a->key->ref);
	mutex_unlock(&vhost_rmem_auth_lock);
	a->keyed = !!a->key;
	if (a->keyed) {
		a->key_id = a->key->id;
		get_random_bytes(a->nh, sizeof(a->nh));
	}
	return a->keyed;
}

void vhost_rmem_auth_end(struct vhost_rmem_auth *a)
{
	if (a->key)
		kref_put(&a->key->ref, vhost_rmem_key_free);
	memzero_explicit(a, sizeof(*a));
}

static void vhost_rmem_auth_addr(u8 out[16], u16 *port, const struct sockaddr *sa)
{
	const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

	if (sa->sa_family == AF_INET6) {
		rmem_auth_addr(out, true, &in6->sin6_addr);
		*port = ntohs(in6->sin6_port);
	} else {
		rmem_auth_addr(out, false, &in->sin_addr);
		*port = ntohs(in->sin_port);
	}
}

/* This attempt's addresses: its route is resolved (@src ours, @dst the donor's). */
void vhost_rmem_auth_set_where(struct vhost_rmem_auth *a, const struct sockaddr *src,
			       const struct sockaddr *dst)
{
	u16 port;

	vhost_rmem_auth_addr(a->where.host, &port, src);
	vhost_rmem_auth_addr(a->where.donor, &a->where.donor_port, dst);
}

/* The request of the attempt @a is at: plain, HELLO, or AUTH (after a challenge). */
int vhost_rmem_auth_request(struct vhost_rmem_auth *a, struct rmem_connect_req *req)
{
	u8 in[RMEM_AUTH_INPUT_MAX], mac[SHA256_DIGEST_SIZE];
	size_t n;
	int ret;

	if (!a->keyed)
		return 0;
	if (!a->challenged) {
		req->flags = RMEM_CONNECT_F_HELLO;
		memcpy(req->nonce, a->nh, sizeof(req->nonce));
		return 0;
	}
	n = rmem_auth_input(in, false, a->nd, a->nh, req->host_id, &a->where, NULL);
	ret = vhost_rmem_hmac(a->key->tfm, in, n, mac);
	if (ret)
		return ret;
	req->flags = RMEM_CONNECT_F_AUTH;
	memcpy(req->nonce, a->nd, sizeof(req->nonce));
	memcpy(req->tag, mac, sizeof(req->tag));
	memzero_explicit(mac, sizeof(mac));
	return 0;
}

/*
 * The donor's accept: with a key, it must carry the donor's proof over the
 * descriptor it sent (a donor without the key, or one that skipped the
 * challenge, cannot make one).  Without a key there is nothing to check.
 */
int vhost_rmem_auth_check_accept(struct vhost_rmem_auth *a, const struct rmem_desc *d,
				 u64 host_id)
{
	u8 in[RMEM_AUTH_INPUT_MAX], mac[SHA256_DIGEST_SIZE];
	size_t n;
	int ret;

	if (!a->keyed)
		return 0;
	if (!a->challenged || !(d->flags & RMEM_ACCEPT_F_AUTH))
		return -EACCES;
	n = rmem_auth_input(in, true, a->nd, a->nh, host_id, &a->where, d);
	if (!n)
		return -EACCES;
	ret = vhost_rmem_hmac(a->key->tfm, in, n, mac);
	if (!ret && crypto_memneq(mac, d->tag, RMEM_AUTH_TAG_LEN))
		ret = -EACCES;
	memzero_explicit(mac, sizeof(mac));
	return ret;
}
