// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * sysdev.c - read and configure vhost_rmem devices through sysfs.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
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
		snprintf(path, sizeof(path), "%s/%s/" RMEM_SYSFS_CONFIG_DIR, root, e->d_name);
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

/* A file read into a struct sysdev field named after it. */
struct sysdev_field {
	const char *file;
	size_t off, size;
	enum { F_U64, F_UINT, F_BOOL, F_STR } type;
};

/* The field's type picks the parser, so a list entry is all a file needs. */
#define FIELD(_file, _f)							\
	{ _file, offsetof(struct sysdev, _f), sizeof(((struct sysdev *)0)->_f),	\
	  _Generic(((struct sysdev *)0)->_f, uint64_t: F_U64, unsigned int: F_UINT,	\
		   bool: F_BOOL, default: F_STR) },
#define CONFIG_FIELD(_file) FIELD(#_file, _file)
#define STAT_FIELD(_type, _file) FIELD(#_file, _file)
#define GAUGE_FIELD(_file) FIELD(#_file, _file)

static const struct sysdev_field config_fields[] = {
	RMEM_SYSFS_CONFIG(CONFIG_FIELD)
	RMEM_SYSFS_RDMA_CONFIG(CONFIG_FIELD)
};

static const struct sysdev_field stat_fields[] = {
	RMEM_SYSFS_STAT_REQS(STAT_FIELD)
	RMEM_SYSFS_STAT_BYTES(STAT_FIELD)
	RMEM_SYSFS_STAT_GAUGES(GAUGE_FIELD)
};

#define ERR_FILE(_cause, _name) "err_" #_name,
static const char *const err_files[] = { RMEM_SYSFS_STAT_ERRORS(ERR_FILE) };

#define LAT_FILE(_kind, _us) "lat_" #_kind "_" #_us "us",
static const char *const lat_files[SYSDEV_LAT_BUCKETS] = { RMEM_SYSFS_LAT(LAT_FILE) };

#define LAT_US(_kind, _us) _us,
static const uint64_t lat_bounds[SYSDEV_LAT_BUCKETS] = { RMEM_SYSFS_LAT(LAT_US) };

/* Missing or unreadable files leave their field as it is (older modules, other backends). */
static void read_fields(const char *dir, const struct sysdev_field *f, size_t n,
			struct sysdev *d)
{
	char path[4400];
	size_t i;
	uint64_t v;

	for (i = 0; i < n; i++) {
		char *field = (char *)d + f[i].off;

		snprintf(path, sizeof(path), "%s/%s", dir, f[i].file);
		if (f[i].type == F_STR) {
			if (read_file(path, field, f[i].size))
				field[0] = '\0';
			continue;
		}
		if (read_u64(path, &v))
			continue;
		if (f[i].type == F_U64)
			*(uint64_t *)field = v;
		else if (f[i].type == F_UINT)
			*(unsigned int *)field = (unsigned int)v;
		else
			*(bool *)field = v != 0;
	}
}

/* Adds the values of @files in @dir to *@sum (or stores them in @each). */
static void read_counters(const char *dir, const char *const *files, size_t n, uint64_t *sum,
			  uint64_t *each)
{
	char path[4400];
	size_t i;
	uint64_t v;

	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		if (read_u64(path, &v))
			continue;
		if (each)
			each[i] = v;
		else
			*sum += v;
	}
}

static void read_stats(const char *root, const char *name, struct sysdev *d)
{
	char dir[4096];

	snprintf(dir, sizeof(dir), "%s/%s/" RMEM_SYSFS_STATS_DIR, root, name);
	read_fields(dir, stat_fields, sizeof(stat_fields) / sizeof(stat_fields[0]), d);
	read_counters(dir, lat_files, SYSDEV_LAT_BUCKETS, NULL, d->lat);
	read_counters(dir, err_files, sizeof(err_files) / sizeof(err_files[0]), &d->errors, NULL);
}

int sysdev_read(const char *root, const char *name, struct sysdev *d)
{
	char base[4096], dir[4200], path[4400], link[4096];
	uint64_t v;
	ssize_t n;
	int ret;

	memset(d, 0, sizeof(*d));
	if (strlen(name) >= SYSDEV_NAME_MAX || strchr(name, '/') || name[0] == '.')
		return -EINVAL;
	snprintf(d->name, sizeof(d->name), "%s", name);
	snprintf(base, sizeof(base), "%s/%s", root, name);
	snprintf(dir, sizeof(dir), "%s/" RMEM_SYSFS_CONFIG_DIR, base);
	/* Every rmem device has a capacity file: without it, this is not one. */
	snprintf(path, sizeof(path), "%s/capacity", dir);
	ret = read_u64(path, &v);
	if (ret)
		return ret;
	read_fields(dir, config_fields, sizeof(config_fields) / sizeof(config_fields[0]), d);
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
	snprintf(path, sizeof(path), "%s/%s/" RMEM_SYSFS_CONFIG_DIR "/%s", root, name, attr);
	return sysfs_write_file(path, value);
}

bool sysdev_has_attr(const char *root, const char *name, const char *attr)
{
	char path[4400];

	snprintf(path, sizeof(path), "%s/%s/" RMEM_SYSFS_CONFIG_DIR "/%s", root, name, attr);
	return access(path, F_OK) == 0;
}

uint64_t lat_bucket_us(unsigned int i)
{
	return i < SYSDEV_LAT_BUCKETS - 1 ? lat_bounds[i] : UINT64_MAX;
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
