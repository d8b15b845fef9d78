// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * sysdev.c - read and configure vhost_rmem devices through sysfs.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sysdev.h"

/* Reads a small sysfs file, trailing newline stripped.  0 or -errno. */
static int read_file(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

static int read_u64(const char *path, uint64_t *v)
{
	char buf[64], *end;
	int ret;

	ret = read_file(path, buf, sizeof(buf));
	if (ret)
		return ret;
	errno = 0;
	*v = strtoull(buf, &end, 0);
	if (errno || end == buf)
		return -EINVAL;
	return 0;
}

/* Bounded copy that truncates (names longer than the field are cut, not refused). */
static void copy_str(char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);

	if (n >= len)
		n = len - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

int sysdev_list(const char *root, char (*names)[SYSDEV_NAME_MAX], int max)
{
	char path[4096];
	struct dirent *e;
	struct stat st;
	int n = 0;
	DIR *dir;

	dir = opendir(root);
	if (!dir)
		return errno == ENOENT ? 0 : -errno;	/* no vdpa bus: no devices */
	while ((e = readdir(dir)) && n < max) {
		if (e->d_name[0] == '.' || strlen(e->d_name) >= SYSDEV_NAME_MAX)
			continue;
		snprintf(path, sizeof(path), "%s/%s/rmem", root, e->d_name);
		if (stat(path, &st) || !S_ISDIR(st.st_mode))
			continue;
		copy_str(names[n++], SYSDEV_NAME_MAX, e->d_name);
	}
	closedir(dir);
	qsort(names, (size_t)n, SYSDEV_NAME_MAX, cmp_names);
	return n;
}

/* The first entry of @dir whose name starts with @prefix, into @out. */
static bool first_entry(const char *dir, const char *prefix, char *out, size_t len)
{
	struct dirent *e;
	DIR *d = opendir(dir);
	bool found = false;

	if (!d)
		return false;
	while ((e = readdir(d))) {
		if (e->d_name[0] != '.' && !strncmp(e->d_name, prefix, strlen(prefix))) {
			copy_str(out, len, e->d_name);
			found = true;
			break;
		}
	}
	closedir(d);
	return found;
}

static void read_stats(const char *root, const char *name, struct sysdev *d)
{
	static const struct {
		const char *file;
		size_t off;
	} fields[] = {
		{ "reads", offsetof(struct sysdev, reads) },
		{ "writes", offsetof(struct sysdev, writes) },
		{ "flushes", offsetof(struct sysdev, flushes) },
		{ "discards", offsetof(struct sysdev, discards) },
		{ "read_bytes", offsetof(struct sysdev, read_bytes) },
		{ "write_bytes", offsetof(struct sysdev, write_bytes) },
		{ "discard_bytes", offsetof(struct sysdev, discard_bytes) },
		{ "chunks", offsetof(struct sysdev, chunks) },
	};
	char dir[4096], path[4400];
	struct dirent *e;
	unsigned int i;
	uint64_t v;
	DIR *dd;

	snprintf(dir, sizeof(dir), "%s/%s/stats", root, name);
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, fields[i].file);
		if (read_u64(path, &v) == 0)
			*(uint64_t *)((char *)d + fields[i].off) = v;
	}
	for (i = 0; i < SYSDEV_LAT_BUCKETS; i++) {
		if (i + 1 < SYSDEV_LAT_BUCKETS)
			snprintf(path, sizeof(path), "%s/lat_le_%" PRIu64 "us", dir, lat_bucket_us(i));
		else
			snprintf(path, sizeof(path), "%s/lat_gt_%" PRIu64 "us", dir, lat_bucket_us(i - 1));
		if (read_u64(path, &v) == 0)
			d->lat[i] = v;
	}
	/* Every err_<cause> file, so new causes are counted without a change here. */
	dd = opendir(dir);
	if (!dd)
		return;
	while ((e = readdir(dd))) {
		if (strncmp(e->d_name, "err_", 4))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (read_u64(path, &v) == 0)
			d->errors += v;
	}
	closedir(dd);
}

int sysdev_read(const char *root, const char *name, struct sysdev *d)
{
	char base[4096], path[4400], link[4096];
	uint64_t v;
	ssize_t n;
	int ret;

	memset(d, 0, sizeof(*d));
	if (strlen(name) >= SYSDEV_NAME_MAX || strchr(name, '/') || name[0] == '.')
		return -EINVAL;
	snprintf(d->name, sizeof(d->name), "%s", name);
	snprintf(base, sizeof(base), "%s/%s", root, name);
	snprintf(path, sizeof(path), "%s/rmem/capacity", base);
	ret = read_u64(path, &d->capacity);
	if (ret)
		return ret == -ENOENT ? -ENOENT : ret;
	snprintf(path, sizeof(path), "%s/rmem/device_id", base);
	read_u64(path, &d->device_id);
	snprintf(path, sizeof(path), "%s/rmem/backend", base);
	read_file(path, d->backend, sizeof(d->backend));
	snprintf(path, sizeof(path), "%s/rmem/chunk_shift", base);
	if (read_u64(path, &v) == 0)
		d->chunk_shift = (unsigned int)v;
	snprintf(path, sizeof(path), "%s/rmem/num_queues", base);
	if (read_u64(path, &v) == 0)
		d->num_queues = (unsigned int)v;
	snprintf(path, sizeof(path), "%s/rmem/live", base);
	if (read_u64(path, &v) == 0)
		d->live = v != 0;
	snprintf(path, sizeof(path), "%s/rmem/donor", base);
	read_file(path, d->donor, sizeof(d->donor));
	snprintf(path, sizeof(path), "%s/driver", base);
	n = readlink(path, link, sizeof(link) - 1);
	if (n > 0) {
		link[n] = '\0';
		copy_str(d->driver, sizeof(d->driver),
			 strrchr(link, '/') ? strrchr(link, '/') + 1 : link);
	}
	/* virtio_vdpa + virtio_blk: <dev>/virtioN/block/vdX */
	{
		char vdir[32];

		if (first_entry(base, "virtio", vdir, sizeof(vdir))) {
			snprintf(path, sizeof(path), "%s/%s/block", base, vdir);
			first_entry(path, "", d->disk, sizeof(d->disk));
		}
	}
	read_stats(root, name, d);
	return 0;
}

int sysfs_write_file(const char *path, const char *value)
{
	size_t len = strlen(value);
	ssize_t n;
	int fd, ret = 0;

	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* sysfs takes one write per value; a short write is an error too. */
	n = write(fd, value, len);
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != len)
		ret = -EIO;
	if (close(fd) && !ret)
		ret = -errno;
	return ret;
}

int sysdev_write(const char *root, const char *name, const char *attr, const char *value)
{
	char path[4400];

	if (strlen(name) >= SYSDEV_NAME_MAX || strchr(name, '/') || name[0] == '.')
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/%s/rmem/%s", root, name, attr);
	return sysfs_write_file(path, value);
}

bool sysdev_has_attr(const char *root, const char *name, const char *attr)
{
	char path[4400];

	snprintf(path, sizeof(path), "%s/%s/rmem/%s", root, name, attr);
	return access(path, F_OK) == 0;
}

uint64_t lat_bucket_us(unsigned int i)
{
	uint64_t v = 16;

	if (i >= SYSDEV_LAT_BUCKETS - 1)
		return UINT64_MAX;
	while (i--)
		v *= 4;
	return v;
}

uint64_t lat_percentile(const uint64_t *buckets, double p)
{
	uint64_t total = 0, need, seen = 0;
	unsigned int i;

	for (i = 0; i < SYSDEV_LAT_BUCKETS; i++)
		total += buckets[i];
	if (!total || p <= 0)
		return 0;
	if (p > 100)
		p = 100;
	/* The smallest bucket holding at least p% of the requests (rank ceil). */
	need = (uint64_t)((double)total * p / 100.0);
	if ((double)need < (double)total * p / 100.0)
		need++;
	if (need == 0)
		need = 1;
	for (i = 0; i < SYSDEV_LAT_BUCKETS; i++) {
		seen += buckets[i];
		if (seen >= need)
			return lat_bucket_us(i);
	}
	return UINT64_MAX;
}
