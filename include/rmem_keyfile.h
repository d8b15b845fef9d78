/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * rmem_keyfile.h - reading a rack key file in userspace: the donor
 * (appliance/rmemd_auth.c) and the client library (client/rmemc_auth.c)
 * take the file the same way.  The host module never opens it: it is
 * given the text (its rack_key parameter), which rmem_auth_keys_parse()
 * in rmem_proto.h reads for all three.
 */
#ifndef RMEM_KEYFILE_H
#define RMEM_KEYFILE_H

#ifdef __KERNEL__
#error "userspace only: the host module gets the key text through its parameter"
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A key file is a few lines of hex; anything larger is not one. */
#define RMEM_KEY_FILE_MAX 4096

/*
 * The text of the key file @path into @text (@max bytes of room, at most
 * @max - 1 used; not NUL-terminated), its length in *@len.  Refused unless
 * a regular file that neither group nor others can read or write, owned by
 * root or by us: a key others can read is a key others have, and one
 * another user owns is one they can change (or chmod) at will.  0, or a negative errno with the
 * reason and the fix in @err (-ENOENT: the file does not exist).
 */
static inline int rmem_key_file_read(const char *path, char *text, size_t max, size_t *len,
				     char *err, size_t errlen)
{
	struct stat st;
	ssize_t r = 0;
	int fd, ret = 0;

	*len = 0;
	/* O_NONBLOCK: a FIFO put in the key's place must not hang the reader. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot open the rack key file %s: %s", path, strerror(errno));
		return ret;
	}
	if (fstat(fd, &st)) {
		ret = -errno;
		snprintf(err, errlen, "cannot stat %s: %s", path, strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "the rack key file %s is not a regular file", path);
		ret = -EINVAL;
	} else if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(err, errlen,
			 "the rack key file %s is mode %04o: group or others can get at the key (chmod 600 %s)",
			 path, (unsigned int)(st.st_mode & 07777), path);
		ret = -EPERM;
	} else if (st.st_uid != 0 && st.st_uid != geteuid()) {
		snprintf(err, errlen,
			 "the rack key file %s is owned by uid %u, not root or us: its owner can change the key (chown root %s)",
			 path, (unsigned int)st.st_uid, path);
		ret = -EPERM;
	}
	while (!ret && *len < max && (r = read(fd, text + *len, max - *len)) > 0)
		*len += (size_t)r;
	if (!ret && r < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
	} else if (!ret && *len == max) {
		snprintf(err, errlen, "%s is larger than %zu bytes: not a rack key file", path,
			 max - 1);
		ret = -EFBIG;
	}
	close(fd);
	return ret;
}

#endif /* RMEM_KEYFILE_H */
