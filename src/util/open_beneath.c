/* Opening a path below a folder without ever leaving it.  Delivery folders
 * hold other people's files: a symlink there must never be followed, and
 * ".." must never climb out, whatever a file is called.
 *
 * A path may be longer than PATH_MAX, which no single system call takes:
 * it is then opened a piece at a time, each piece below the folder the
 * previous one opened, with the same rules, so the whole stays below
 * root_fd. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/util.h"

static int open_how(int root_fd, const char *rel, int flags, uint64_t resolve)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = resolve,
	};

	return (int)syscall(SYS_openat2, root_fd, *rel != '\0' ? rel : ".",
			    &how, sizeof(how));
}

/* The length of the longest leading run of rel's folders that fits in
 * one call (ends before a '/'); 0 when even the first name does not. */
static size_t piece_len(const char *rel, size_t len)
{
	size_t end = len < PATH_MAX - 1 ? len : PATH_MAX - 1;

	while (end > 0 && rel[end] != '/')
		end--;
	return end;
}

/* rel of length len >= PATH_MAX, opened piece by piece. */
static int open_long(int root_fd, const char *rel, size_t len, int flags,
		     uint64_t resolve)
{
	char piece[PATH_MAX];
	int dir = root_fd, fd;

	while (len >= PATH_MAX) {
		size_t n = piece_len(rel, len);

		if (n == 0) {
			errno = ENAMETOOLONG;
			fd = -1;
			goto out;
		}
		memcpy(piece, rel, n);
		piece[n] = '\0';
		fd = open_how(dir, piece, O_PATH | O_DIRECTORY, resolve);
		if (fd < 0)
			goto out;
		if (dir != root_fd)
			close(dir);
		dir = fd;
		rel += n + 1;
		len -= n + 1;
	}
	memcpy(piece, rel, len);
	piece[len] = '\0';
	fd = open_how(dir, piece, flags, resolve);
out:
	if (dir != root_fd) {
		int saved = errno;

		close(dir);
		errno = saved;
	}
	return fd;
}

static int open_any(int root_fd, const char *rel, int flags, uint64_t resolve)
{
	size_t len = strlen(rel);

	if (len < PATH_MAX)
		return open_how(root_fd, rel, flags, resolve);
	return open_long(root_fd, rel, len, flags, resolve);
}

int carb_open_beneath(int root_fd, const char *rel, int flags)
{
	return open_any(root_fd, rel, flags, RESOLVE_BENEATH |
			RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
}

int carb_open_inside(int root_fd, const char *rel, int flags)
{
	return open_any(root_fd, rel, flags, RESOLVE_BENEATH |
			RESOLVE_NO_MAGICLINKS);
}

int carb_lstat_at(int dir_fd, const char *rel, struct stat *st)
{
	const char *slash;
	int parent, rc, saved;
	char *dir;

	if (strlen(rel) < PATH_MAX)
		return fstatat(dir_fd, rel, st, AT_SYMLINK_NOFOLLOW);
	slash = strrchr(rel, '/');
	dir = carb_xstrndup(rel, (size_t)(slash - rel));
	parent = carb_open_beneath(dir_fd, dir, O_PATH | O_DIRECTORY);
	free(dir);
	if (parent < 0)
		return -1;
	rc = fstatat(parent, slash + 1, st, AT_SYMLINK_NOFOLLOW);
	saved = errno;
	close(parent);
	errno = saved;
	return rc;
}
