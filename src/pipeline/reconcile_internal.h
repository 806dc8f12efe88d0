/* Internal to src/pipeline: what the two reconciliations (delivery and
 * archive) share: looking at a file beneath a folder without following a
 * symlink anywhere, hashing it, and handing a discrepancy to the caller. */
#ifndef CARB_RECONCILE_INTERNAL_H
#define CARB_RECONCILE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "pipeline/intake_internal.h"

/* What rel[0..len) beneath root_fd is, as lstat sees it, resolving no
 * symlink at any level.  0 with *st, or -1 with errno: ENOENT or ENOTDIR
 * when nothing is there (also for a name holding a NUL byte, which no
 * file can have), ELOOP when a symlink stands among its folders, EXDEV
 * when the path leads out of root_fd's folder, anything else when it
 * cannot be examined. */
int carb_lstat_beneath(int root_fd, const char *rel, size_t len,
		       struct stat *st);

/* Whether an lstat_beneath errno means "nothing there": the file is gone
 * or cannot be reached without following a symlink. */
bool carb_errno_absent(int e);

/* The SHA-256 (lower-case hex) of rel beneath root_fd, which must still
 * be the regular file *st describes (same device and inode), so a file
 * replaced since it was looked at is not hashed in its place.  0, or -1
 * with err. */
int carb_sha256_beneath(int root_fd, const char *rel, const struct stat *st,
			char hex[65], struct carb_error *err);

/* Fills a discrepancy and hands it to cb.  detail and action are
 * printable text; action NULL: not fixing. */
void carb_report(carb_discrepancy_cb cb, void *ctx, const char *klass,
		 const char *watch, const char *path, size_t path_len,
		 int64_t component, const char *detail, const char *action);

#endif
