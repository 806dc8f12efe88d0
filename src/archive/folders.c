/* Folders of the archive: opened below base_path with RESOLVE_BENEATH, so
 * a symlink planted in the archive cannot carry a write outside it, and
 * made one level at a time, each level opened the same way before the
 * next is made inside it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive/archive_internal.h"

/* RESOLVE_BENEATH says EXDEV when a symlink would lead out of base_path:
 * say that, not "Invalid cross-device link". */
static const char *why(int e)
{
	return e == EXDEV ? "a symlink on the way leads outside archive.base_path"
			  : strerror(e);
}

static int make_levels(int base_fd, const char *dir, struct carb_error *err)
{
	struct carb_buf prefix;
	const char *p = dir;
	int fd = -1;

	carb_buf_init(&prefix);
	while (*p != '\0') {
		size_t n = strcspn(p, "/");
		char seg[256];
		int parent = carb_open_inside(base_fd, prefix.data ? prefix.data : "",
					      O_PATH | O_DIRECTORY);

		if (parent < 0 || n >= sizeof(seg)) {
			carb_error_set(err, "archive folder \"%s\": %s", dir,
				       parent < 0 ? why(errno) : "name too long");
			if (parent >= 0)
				close(parent);
			break;
		}
		memcpy(seg, p, n);
		seg[n] = '\0';
		if (mkdirat(parent, seg, 0755) < 0 && errno != EEXIST) {
			carb_error_set(err, "cannot make archive folder \"%.*s\": %s",
				       (int)(p - dir + n), dir, strerror(errno));
			close(parent);
			break;
		}
		close(parent);
		carb_buf_add(&prefix, p, n);
		p += n;
		if (*p == '/')
			carb_buf_add(&prefix, p++, 1);
		if (*p == '\0')
			fd = carb_open_inside(base_fd, prefix.data,
					      O_RDONLY | O_DIRECTORY);
	}
	carb_buf_release(&prefix);
	return fd;
}

int carb_archive_open_dir(int base_fd, const char *dir, bool create,
			  struct carb_error *err)
{
	int fd = carb_open_inside(base_fd, dir, O_RDONLY | O_DIRECTORY);

	if (fd >= 0 || errno != ENOENT || !create) {
		if (fd < 0)
			carb_error_set(err, "archive folder \"%s\": %s", dir,
				       why(errno));
		return fd;
	}
	fd = make_levels(base_fd, dir, err);
	if (fd < 0 && err->msg[0] == '\0')
		carb_error_set(err, "archive folder \"%s\": %s", dir,
			       why(errno));
	return fd;
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Whether name is a temporary name of one of the components ids
 * (sorted): CARB_TMP_PREFIX, the id, "-". */
static bool stale_of(const char *name, const int64_t *ids, size_t n)
{
	size_t plen = strlen(CARB_TMP_PREFIX);
	const char *p = name + plen;
	char *end;
	int64_t id;

	if (strncmp(name, CARB_TMP_PREFIX, plen) != 0 || *p < '0' || *p > '9')
		return false;
	errno = 0;
	id = strtoll(p, &end, 10);
	return errno == 0 && *end == '-' &&
	       bsearch(&id, ids, n, sizeof(*ids), cmp_id) != NULL;
}

int carb_archive_clean_stale(int base_fd, const char *dir, const int64_t *ids,
			     size_t n)
{
	struct carb_error err;
	int fd, dfd, removed = 0;
	DIR *d;
	struct dirent *e;

	carb_error_clear(&err);
	fd = carb_archive_open_dir(base_fd, dir, false, &err);
	if (fd < 0)
		return 0;
	dfd = dup(fd);
	d = dfd >= 0 ? fdopendir(dfd) : NULL;
	while (d != NULL && (e = readdir(d)) != NULL)
		if (stale_of(e->d_name, ids, n) &&
		    unlinkat(fd, e->d_name, 0) == 0)
			removed++;
	if (d != NULL)
		closedir(d);
	else if (dfd >= 0)
		close(dfd);
	if (removed > 0)
		fsync(fd);
	close(fd);
	return removed;
}
