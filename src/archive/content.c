/* The bytes of archived files: copying them, hashing them, and telling
 * whether a file already in the archive is the one being placed. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "archive/archive_internal.h"

#define CHUNK (1u << 20)

static int write_all(int fd, const char *buf, size_t n, off_t off)
{
	for (size_t w = 0; w < n;) {
		ssize_t m = pwrite(fd, buf + w, n - w, off + (off_t)w);

		if (m < 0 && errno != EINTR)
			return -1;
		w += m > 0 ? (size_t)m : 0;
	}
	return 0;
}

static int copy_plain(int src_fd, int dst_fd, int64_t off, int64_t size)
{
	size_t cap = size - off < CHUNK ? (size_t)(size - off) : CHUNK;
	char *buf = carb_xmalloc(cap ? cap : 1);
	int rc = 0;

	while (rc == 0 && off < size) {
		ssize_t n = pread(src_fd, buf, cap, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = ENODATA;  /* the source shrank */
			rc = -1;
		} else {
			rc = write_all(dst_fd, buf, (size_t)n, off);
			off += n;
		}
	}
	free(buf);
	return rc;
}

int carb_archive_copy_data(int src_fd, int dst_fd, int64_t size)
{
	loff_t in = 0, out = 0;

	while (in < size) {
		ssize_t n = copy_file_range(src_fd, &in, dst_fd, &out,
					    (size_t)(size - in), 0);

		if (n > 0)
			continue;
		if (n == 0) {
			errno = ENODATA;
			return -1;
		}
		if (errno == EINTR)
			continue;
		/* Filesystems, kernels and file pairs that cannot. */
		if (errno == EXDEV || errno == EINVAL || errno == ENOSYS ||
		    errno == EOPNOTSUPP || errno == EBADF)
			return copy_plain(src_fd, dst_fd, in, size);
		return -1;
	}
	return 0;
}

int carb_archive_sha256_fd(int fd, char hex[65])
{
	unsigned char *buf = carb_xmalloc(CHUNK);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	off_t off = 0;
	int rc = -1;

	if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		goto out;
	for (;;) {
		ssize_t n = pread(fd, buf, CHUNK, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto out;
		if (n == 0)
			break;
		if (EVP_DigestUpdate(ctx, buf, (size_t)n) != 1)
			goto out;
		off += n;
	}
	if (EVP_DigestFinal_ex(ctx, md, &mdlen) != 1)
		goto out;
	for (unsigned i = 0; i < mdlen && i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	hex[64] = '\0';
	rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	free(buf);
	return rc;
}

static bool same_link(const struct carb_place *p, int dir_fd,
		      const char *name)
{
	char target[4096];
	ssize_t n = readlinkat(dir_fd, name, target, sizeof(target));

	return n >= 0 && (size_t)n == strlen(p->it->src_abs) &&
	       memcmp(target, p->it->src_abs, (size_t)n) == 0;
}

bool carb_archive_has_hash(int dir_fd, const char *name, const char *hash)
{
	char hex[65];
	bool same;
	int fd;

	if (hash == NULL)
		return false;
	fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
		    O_CLOEXEC);
	if (fd < 0)
		return false;
	same = carb_archive_sha256_fd(fd, hex) == 0 && strcmp(hex, hash) == 0;
	close(fd);
	return same;
}

bool carb_archive_same_content(const struct carb_place *p, int dir_fd,
			       const char *name, const struct stat *st)
{
	if (p->how == CARB_HOW_SYMLINK)
		return S_ISLNK(st->st_mode) && same_link(p, dir_fd, name);
	if (!S_ISREG(st->st_mode) || st->st_size != p->it->size)
		return false;
	if (p->how == CARB_HOW_LINK && st->st_ino == p->src_st.st_ino &&
	    st->st_dev == p->src_st.st_dev)
		return true;
	return carb_archive_has_hash(dir_fd, name, p->it->hash);
}

char *carb_archive_version_name(const char *name, int64_t version)
{
	const char *dot = strrchr(name, '.');

	if (version <= 1)
		return carb_xstrdup(name);
	if (dot == NULL || dot == name)
		return carb_xasprintf("%s.v%lld", name, (long long)version);
	return carb_xasprintf("%.*s.v%lld%s", (int)(dot - name), name,
			      (long long)version, dot);
}
