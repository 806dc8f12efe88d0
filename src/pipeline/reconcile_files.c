/* Files as reconciliation looks at them: by lstat beneath a folder that is
 * trusted (a watch, archive.base_path), never through a symlink, and read
 * only once they are known to be the regular file that was examined. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "pipeline/checksum.h"
#include "pipeline/reconcile_internal.h"

int carb_lstat_beneath(int root_fd, const char *rel, size_t len,
		       struct stat *st)
{
	int fd, rc;

	if (memchr(rel, '\0', len) != NULL || len == 0) {
		errno = ENOENT;
		return -1;
	}
	/* O_PATH|O_NOFOLLOW: a symlink at the end is looked at, not
	 * followed; a FIFO or device is never opened for real. */
	fd = carb_open_beneath(root_fd, rel, O_PATH | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	rc = fstat(fd, st);
	close(fd);
	return rc;
}

bool carb_errno_absent(int e)
{
	return e == ENOENT || e == ENOTDIR || e == ELOOP || e == EXDEV;
}

int carb_sha256_beneath(int root_fd, const char *rel, const struct stat *st,
			char hex[65], struct carb_error *err)
{
	char digests[CARB_DIGEST_COUNT][129];
	struct stat now;
	int fd, rc;

	fd = carb_open_beneath(root_fd, rel,
			       O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return carb_error_set(err, "cannot open: %s", strerror(errno));
	if (fstat(fd, &now) < 0 || !S_ISREG(now.st_mode) ||
	    now.st_dev != st->st_dev || now.st_ino != st->st_ino) {
		close(fd);
		return carb_error_set(err, "it was replaced while being"
				      " examined");
	}
	rc = carb_digest_fd(fd, 0, digests, NULL, NULL, err);
	close(fd);
	if (rc < 0)
		return -1;
	memcpy(hex, digests[CARB_DIGEST_SHA256], 64);
	hex[64] = '\0';
	return 0;
}

void carb_report(carb_discrepancy_cb cb, void *ctx, const char *klass,
		 const char *watch, const char *path, size_t path_len,
		 int64_t component, const char *detail, const char *action)
{
	struct carb_discrepancy d = {
		.klass = klass, .watch = watch, .path = path,
		.path_len = path_len, .component = component,
		.detail = detail, .action = action,
	};

	cb(ctx, &d);
}
