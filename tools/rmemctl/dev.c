// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * dev.c - `rmemctl dev`: vhost_rmem devices.  `add` wraps `vdpa dev add
 * mgmtdev rmem` and then the module's configuration files
 * (/sys/bus/vdpa/devices/<name>/rmem/, docs/virtio-rmem.md); `show` reads
 * configuration and counters from sysfs; bind/unbind hand a device to a vDPA
 * bus driver.  Whatever backend a device has, the view is the same.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "rmemctl.h"

const char rmemctl_dev_usage[] =
	"Usage: rmemctl dev { add | set | show | del | bind | unbind | help } ...\n"
	"       rmemctl dev add NAME [ CONFIG ] [ driver DRIVER ]\n"
	"       rmemctl dev set NAME CONFIG\n"
	"       rmemctl dev show [ NAME ]\n"
	"       rmemctl dev del NAME\n"
	"       rmemctl dev bind NAME DRIVER\n"
	"       rmemctl dev unbind NAME\n"
	"where  CONFIG := [ capacity SIZE ] [ id ID ] [ backend { ram | rdma } ]\n"
	"                 [ donor ADDR[:PORT] ] [ chunk-size SIZE ]\n"
	"       DRIVER := { virtio_vdpa | vhost_vdpa }   (also: virtio, vhost)\n"
	"  SIZE: bytes with an optional K, M, G, T suffix; capacity a multiple of 4K;\n"
	"  chunk-size a power of two, 4K..1G.  ID: 64-bit, unique on this host, not 0 or ~0.\n"
	"  A donor implies backend rdma.  set is refused while a driver is bound (unbind first).\n";

/* What add/set were told; a field is written only if given. */
struct dev_cfg {
	const char *name;
	bool has_capacity, has_id, has_shift, has_donor;
	uint64_t capacity;
	uint64_t id;
	unsigned int chunk_shift;
	const char *backend;		/* "ram" / "rdma" / NULL */
	struct donor_addr donor;
	const char *driver;		/* add only; NULL = stay unbound */
};

static bool valid_name(const char *n)
{
	size_t len = strlen(n);

	if (!len || len >= SYSDEV_NAME_MAX || n[0] == '.' || n[0] == '-')
		return false;
	for (; *n; n++)
		if (!((*n >= 'a' && *n <= 'z') || (*n >= 'A' && *n <= 'Z') ||
		      (*n >= '0' && *n <= '9') || *n == '_' || *n == '-' || *n == '.'))
			return false;
	return true;
}

static const char *driver_name(const char *d)
{
	if (!strcmp(d, "virtio_vdpa") || !strcmp(d, "virtio"))
		return "virtio_vdpa";
	if (!strcmp(d, "vhost_vdpa") || !strcmp(d, "vhost"))
		return "vhost_vdpa";
	return NULL;
}

/* Parses NAME and keyword pairs.  @add: "driver" allowed. */
static int parse_cfg(struct rmemctl *ctx, const char *verb, int argc, char **argv, bool add,
		     struct dev_cfg *c)
{
	int i;

	memset(c, 0, sizeof(*c));
	if (argc < 1)
		return rmemctl_err(ctx, RC_USAGE, "dev %s: needs a device NAME", verb);
	if (!valid_name(argv[0]))
		return rmemctl_err(ctx, RC_USAGE, "dev %s: '%s' is not a device name", verb, argv[0]);
	c->name = argv[0];
	for (i = 1; i < argc; i += 2) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		uint64_t n;

		if (!v)
			return rmemctl_err(ctx, RC_USAGE, "dev %s: '%s' needs a value", verb, k);
		if (!strcmp(k, "capacity")) {
			if (parse_size(v, &n) || n == 0 || n % 4096)
				return rmemctl_err(ctx, RC_USAGE,
						   "capacity '%s': a size, a nonzero multiple of 4K", v);
			c->capacity = n;
			c->has_capacity = true;
		} else if (!strcmp(k, "id")) {
			if (parse_u64(v, &n) || !rmem_device_id_valid(n))
				return rmemctl_err(ctx, RC_USAGE,
						   "id '%s': a 64-bit device id, not 0 or ~0", v);
			c->id = n;
			c->has_id = true;
		} else if (!strcmp(k, "backend")) {
			if (strcmp(v, "ram") && strcmp(v, "rdma"))
				return rmemctl_err(ctx, RC_USAGE, "backend '%s': ram or rdma", v);
			c->backend = v;
		} else if (!strcmp(k, "donor")) {
			if (donor_addr_parse(v, &c->donor))
				return rmemctl_err(ctx, RC_USAGE, "donor '%s' is not ADDR[:PORT]", v);
			c->has_donor = true;
		} else if (!strcmp(k, "chunk-size")) {
			unsigned int s = 0;

			if (parse_size(v, &n) || n == 0 || (n & (n - 1)))
				return rmemctl_err(ctx, RC_USAGE,
						   "chunk-size '%s': a power of two, 4K..1G", v);
			while ((1ull << s) < n)
				s++;
			if (s < RMEM_CHUNK_SHIFT_MIN || s > RMEM_CHUNK_SHIFT_MAX)
				return rmemctl_err(ctx, RC_USAGE,
						   "chunk-size '%s': a power of two, 4K..1G", v);
			c->chunk_shift = s;
			c->has_shift = true;
		} else if (add && !strcmp(k, "driver")) {
			c->driver = driver_name(v);
			if (!c->driver)
				return rmemctl_err(ctx, RC_USAGE,
						   "driver '%s': virtio_vdpa or vhost_vdpa", v);
		} else {
			return rmemctl_err(ctx, RC_USAGE, "dev %s: unknown word '%s'; %s", verb, k,
					   "usage: rmemctl dev help");
		}
	}
	/* The module shows rmem/donor only on the rdma backend: a donor implies it. */
	if (c->has_donor) {
		if (c->backend && strcmp(c->backend, "rdma"))
			return rmemctl_err(ctx, RC_USAGE, "donor goes with backend rdma, not %s",
					   c->backend);
		c->backend = "rdma";
	}
	return RC_OK;
}

/* One rmem/<attr> write with an operator's explanation of a refusal. */
static int cfg_write(struct rmemctl *ctx, const char *name, const char *attr, const char *value)
{
	int ret = sysdev_write(ctx->sysfs_root, name, attr, value);

	switch (ret) {
	case 0:
		return RC_OK;
	case -EBUSY:
		return rmemctl_err(ctx, RC_FAIL, "%s is live (a driver is bound): unbind it before changing %s",
				   name, attr);
	case -EEXIST:
		return rmemctl_err(ctx, RC_FAIL, "%s: device id %s is used by another device", name, value);
	case -EOPNOTSUPP:
		return rmemctl_err(ctx, RC_FAIL, "%s: this vhost_rmem does not support %s %s", name,
				   attr, value);
	case -ERANGE:
		return rmemctl_err(ctx, RC_FAIL, "%s: %s %s does not fit the chunk size", name, attr, value);
	case -ENOENT:
		if (!sysdev_has_attr(ctx->sysfs_root, name, "capacity"))
			return rmemctl_err(ctx, RC_FAIL, "%s: no such rmem device", name);
		return rmemctl_err(ctx, RC_FAIL, "%s: this vhost_rmem has no '%s' setting", name, attr);
	default:
		return rmemctl_err(ctx, RC_FAIL, "%s: setting %s to %s: %s", name, attr, value,
				   strerror(-ret));
	}
}

/* Order matters: the capacity limit depends on the chunk size, and a backend switch resets. */
static int cfg_apply(struct rmemctl *ctx, const struct dev_cfg *c)
{
	char v[64];
	int rc;

	if (c->has_shift) {
		snprintf(v, sizeof(v), "%u", c->chunk_shift);
		rc = cfg_write(ctx, c->name, "chunk_shift", v);
		if (rc)
			return rc;
	}
	if (c->backend) {
		rc = cfg_write(ctx, c->name, "backend", c->backend);
		if (rc)
			return rc;
	}
	if (c->has_donor) {
		rc = cfg_write(ctx, c->name, "donor", c->donor.name);
		if (rc)
			return rc;
	}
	if (c->has_capacity) {
		snprintf(v, sizeof(v), "%" PRIu64, c->capacity);
		rc = cfg_write(ctx, c->name, "capacity", v);
		if (rc)
			return rc;
	}
	if (c->has_id) {
		snprintf(v, sizeof(v), "0x%" PRIx64, c->id);
		rc = cfg_write(ctx, c->name, "device_id", v);
		if (rc)
			return rc;
	}
	return RC_OK;
}

static int run_vdpa(struct rmemctl *ctx, const char *verb, const char *name)
{
	char *add[] = { "vdpa", "dev", "add", "mgmtdev", "rmem", "name", (char *)name, NULL };
	char *del[] = { "vdpa", "dev", "del", (char *)name, NULL };
	char err[512] = "";

	if (ctx->ops->run(ctx->ops->arg, !strcmp(verb, "add") ? add : del, err, sizeof(err)))
		return rmemctl_err(ctx, RC_FAIL, "vdpa dev %s %s: %s", verb, name,
				   err[0] ? err : "failed");
	return RC_OK;
}

static int dev_bind_to(struct rmemctl *ctx, const char *name, const char *driver)
{
	char path[4400], root[4096], *slash;
	struct sysdev d;
	int ret;

	snprintf(path, sizeof(path), "%s/%s/driver_override", ctx->sysfs_root, name);
	ret = sysfs_write_file(path, driver);
	if (ret)
		return rmemctl_err(ctx, RC_FAIL, "%s: driver_override: %s", name, strerror(-ret));
	/* drivers_probe sits next to devices/ in the bus directory. */
	snprintf(root, sizeof(root), "%s", ctx->sysfs_root);
	slash = strrchr(root, '/');
	if (slash)
		*slash = '\0';
	snprintf(path, sizeof(path), "%s/drivers_probe", root);
	ret = sysfs_write_file(path, name);
	if (ret && ret != -EBUSY)
		return rmemctl_err(ctx, RC_FAIL, "%s: probe with %s: %s", name, driver, strerror(-ret));
	ret = sysdev_read(ctx->sysfs_root, name, &d);
	if (ret || strcmp(d.driver, driver))
		return rmemctl_err(ctx, RC_FAIL, "%s did not bind to %s (is the %s module loaded?)",
				   name, driver, driver);
	return RC_OK;
}

static int dev_add(struct rmemctl *ctx, int argc, char **argv)
{
	struct dev_cfg c;
	int rc;

	rc = parse_cfg(ctx, "add", argc, argv, true, &c);
	if (rc)
		return rc;
	rc = run_vdpa(ctx, "add", c.name);
	if (rc)
		return rc;
	rc = cfg_apply(ctx, &c);
	if (!rc && c.driver)
		rc = dev_bind_to(ctx, c.name, c.driver);
	if (rc) {
		/* Unwind: a half-configured device is worse than none. */
		run_vdpa(ctx, "del", c.name);
		return rc;
	}
	return RC_OK;
}

static int dev_set(struct rmemctl *ctx, int argc, char **argv)
{
	struct dev_cfg c;
	int rc;

	rc = parse_cfg(ctx, "set", argc, argv, false, &c);
	if (rc)
		return rc;
	if (argc < 2)
		return rmemctl_err(ctx, RC_USAGE, "dev set %s: nothing to set; usage: rmemctl dev help",
				   c.name);
	if (!sysdev_has_attr(ctx->sysfs_root, c.name, "capacity"))
		return rmemctl_err(ctx, RC_FAIL, "%s: no such rmem device", c.name);
	return cfg_apply(ctx, &c);
}

static int dev_name_only(struct rmemctl *ctx, const char *verb, int argc, char **argv, int want)
{
	if (argc != want)
		return rmemctl_err(ctx, RC_USAGE, "dev %s: usage: rmemctl dev %s NAME%s", verb, verb,
				   want == 2 ? " DRIVER" : "");
	if (!valid_name(argv[0]))
		return rmemctl_err(ctx, RC_USAGE, "dev %s: '%s' is not a device name", verb, argv[0]);
	return RC_OK;
}

static int dev_del(struct rmemctl *ctx, int argc, char **argv)
{
	int rc = dev_name_only(ctx, "del", argc, argv, 1);

	if (rc)
		return rc;
	if (!sysdev_has_attr(ctx->sysfs_root, argv[0], "capacity"))
		return rmemctl_err(ctx, RC_FAIL, "%s: no such rmem device", argv[0]);
	return run_vdpa(ctx, "del", argv[0]);
}

static int dev_bind(struct rmemctl *ctx, int argc, char **argv)
{
	const char *drv;
	int rc = dev_name_only(ctx, "bind", argc, argv, 2);

	if (rc)
		return rc;
	drv = driver_name(argv[1]);
	if (!drv)
		return rmemctl_err(ctx, RC_USAGE, "driver '%s': virtio_vdpa or vhost_vdpa", argv[1]);
	if (!sysdev_has_attr(ctx->sysfs_root, argv[0], "capacity"))
		return rmemctl_err(ctx, RC_FAIL, "%s: no such rmem device", argv[0]);
	return dev_bind_to(ctx, argv[0], drv);
}

static int dev_unbind(struct rmemctl *ctx, int argc, char **argv)
{
	char path[4400];
	struct sysdev d;
	int ret, rc = dev_name_only(ctx, "unbind", argc, argv, 1);

	if (rc)
		return rc;
	ret = sysdev_read(ctx->sysfs_root, argv[0], &d);
	if (ret)
		return rmemctl_err(ctx, RC_FAIL, "%s: no such rmem device", argv[0]);
	if (!d.driver[0])
		return RC_OK;
	snprintf(path, sizeof(path), "%s/%s/driver/unbind", ctx->sysfs_root, argv[0]);
	ret = sysfs_write_file(path, argv[0]);
	if (ret)
		return rmemctl_err(ctx, RC_FAIL, "%s: unbind from %s: %s", argv[0], d.driver,
				   strerror(-ret));
	/* Without this, the next probe would bind the same driver again. */
	snprintf(path, sizeof(path), "%s/%s/driver_override", ctx->sysfs_root, argv[0]);
	sysfs_write_file(path, "\n");
	return RC_OK;
}

static void dev_print(struct rmemctl *ctx, const struct sysdev *d)
{
	struct printer *pr = &ctx->pr;
	uint64_t p50 = lat_percentile(d->lat, 50), p99 = lat_percentile(d->lat, 99);
	unsigned int i;

	pr_open_obj(pr, NULL);
	pr_str(pr, "name", "%s: ", d->name);
	pr_hex(pr, "device_id", "id 0x%016" PRIx64 " ", d->device_id);
	pr_size(pr, "capacity", "capacity %s ", d->capacity);
	pr_str(pr, "backend", "backend %s ", d->backend[0] ? d->backend : "none");
	pr_str(pr, "donor", d->donor[0] ? "donor %s " : NULL, d->donor);
	pr_size(pr, "chunk_size", "chunk-size %s ", 1ull << d->chunk_shift);
	pr_u64(pr, "num_queues", "queues %" PRIu64 " ", d->num_queues);
	pr_bool(pr, "live", "live %s ", d->live);
	pr_str(pr, "driver", d->driver[0] ? "driver %s " : NULL, d->driver);
	pr_str(pr, "disk", d->disk[0] ? "disk %s" : NULL, d->disk);
	pr_text(pr, "\n");
	pr_open_obj(pr, "stats");
	pr_u64(pr, "chunks", "    chunks %" PRIu64 " ", d->chunks);
	pr_size(pr, "chunk_bytes", "(%s) ", d->chunks << d->chunk_shift);
	pr_u64(pr, "reads", "reads %" PRIu64 " ", d->reads);
	pr_u64(pr, "writes", "writes %" PRIu64 " ", d->writes);
	pr_size(pr, "read_bytes", "read %s ", d->read_bytes);
	pr_size(pr, "write_bytes", "written %s ", d->write_bytes);
	pr_u64(pr, "flushes", ctx->details ? "flushes %" PRIu64 " " : NULL, d->flushes);
	pr_u64(pr, "discards", "discards %" PRIu64 " ", d->discards);
	pr_size(pr, "discard_bytes", ctx->details ? "discarded %s " : NULL, d->discard_bytes);
	pr_u64(pr, "errors", "errors %" PRIu64, d->errors);
	pr_text(pr, "\n");
	/* Bucket upper bounds, so p99 "<= 256us" reads as what it is. */
	if (p50 == UINT64_MAX)
		pr_null(pr, "lat_p50_us", "    lat p50 >4194304us ");
	else
		pr_u64(pr, "lat_p50_us", "    lat p50 <=%" PRIu64 "us ", p50);
	if (p99 == UINT64_MAX)
		pr_null(pr, "lat_p99_us", "p99 >4194304us");
	else
		pr_u64(pr, "lat_p99_us", "p99 <=%" PRIu64 "us", p99);
	pr_text(pr, "\n");
	pr_open_arr(pr, "lat_hist");
	for (i = 0; i < SYSDEV_LAT_BUCKETS; i++)
		pr_u64(pr, NULL, ctx->details ? (i ? " %" PRIu64 : "    lat-hist %" PRIu64) : NULL,
		       d->lat[i]);
	pr_text(pr, ctx->details ? "\n" : "");
	pr_close_arr(pr);
	pr_close_obj(pr);
	pr_close_obj(pr);
}

static int dev_show(struct rmemctl *ctx, int argc, char **argv)
{
	static char names[SYSDEV_MAX][SYSDEV_NAME_MAX];
	struct sysdev d;
	int i, n, ret;

	if (argc > 1)
		return rmemctl_err(ctx, RC_USAGE, "dev show: at most one NAME");
	if (argc == 1) {
		if (!valid_name(argv[0]))
			return rmemctl_err(ctx, RC_USAGE, "dev show: '%s' is not a device name", argv[0]);
		ret = sysdev_read(ctx->sysfs_root, argv[0], &d);
		if (ret)
			return rmemctl_err(ctx, RC_FAIL, "%s: no such rmem device", argv[0]);
		pr_open_arr(&ctx->pr, "devices");
		dev_print(ctx, &d);
		pr_close_arr(&ctx->pr);
		pr_end(&ctx->pr);
		return RC_OK;
	}
	n = sysdev_list(ctx->sysfs_root, names, SYSDEV_MAX);
	if (n < 0)
		return rmemctl_err(ctx, RC_FAIL, "%s: %s", ctx->sysfs_root, strerror(-n));
	pr_open_arr(&ctx->pr, "devices");
	for (i = 0; i < n; i++)
		if (sysdev_read(ctx->sysfs_root, names[i], &d) == 0)
			dev_print(ctx, &d);
	pr_close_arr(&ctx->pr);
	pr_end(&ctx->pr);
	return RC_OK;
}

static const struct rmemctl_cmd dev_cmds[] = {
	{ "add", dev_add },
	{ "set", dev_set },
	{ "show", dev_show },
	{ "del", dev_del },
	{ "bind", dev_bind },
	{ "unbind", dev_unbind },
};

int do_dev(struct rmemctl *ctx, int argc, char **argv)
{
	return rmemctl_dispatch(ctx, "dev", rmemctl_dev_usage, dev_cmds,
				sizeof(dev_cmds) / sizeof(dev_cmds[0]), "show", argc, argv);
}
