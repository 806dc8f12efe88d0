/* `reconcile archive`: the archived copy of every ARCHIVED component
 * against what the catalog says of it.  The archive is only looked at
 * beneath archive.base_path, never through a symlink, and never changed:
 * --fix changes the catalog alone, queueing the component again when its
 * delivered file is still there, marking it missing when not. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "pipeline/reconcile_internal.h"

struct archive {
	const struct carb_config *cfg;
	struct carb_catalog *cat;
	bool deep, fix;
	carb_discrepancy_cb cb;
	void *ctx;
	int base_fd;
	int *watch_fds;          /* per configured watch; -2: not opened yet */
	size_t nwatches;
};

/* What examining one component found: klass NULL when all is well. */
struct finding {
	const char *klass;
	struct carb_buf detail;
};

static void found(struct finding *f, const char *klass, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void found(struct finding *f, const char *klass, const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	f->klass = klass;
	carb_buf_adds(&f->detail, text);
}

static const char *type_of(mode_t m)
{
	return S_ISREG(m) ? "regular file" : carb_file_type_name(m);
}

/* A name for a message: escaped, so no byte of it can forge a line. */
static char *safe(const char *name, size_t len)
{
	struct carb_buf b;

	carb_buf_init(&b);
	carb_buf_add_safe_name(&b, name, len);
	return carb_buf_detach(&b);
}

/* The folder of a configured watch, opened once; -1 when it cannot be. */
static int watch_fd(struct archive *a, size_t i)
{
	if (i >= a->nwatches)
		return -1;
	if (a->watch_fds[i] == -2)
		a->watch_fds[i] = open(carb_config_watch(a->cfg, i)->path,
				       O_PATH | O_DIRECTORY | O_CLOEXEC);
	return a->watch_fds[i];
}

/* The index of the watch named name; nwatches when none is. */
static size_t watch_index(const struct archive *a, const char *name)
{
	size_t i = 0;

	while (i < a->nwatches &&
	       strcmp(carb_config_watch(a->cfg, i)->name, name) != 0)
		i++;
	return i;
}

static bool symlink_mode(const struct archive *a,
			 const struct carb_archived_row *r)
{
	const struct carb_destination_config *dest = r->destination == NULL
		? NULL : carb_config_destination_find(a->cfg, r->destination);

	/* A destination removed from the config: the row tells. */
	if (dest == NULL)
		return r->archive_target != NULL;
	return dest->mode == CARB_ARCHIVE_SYMLINK;
}

/* ---- content --------------------------------------------------------- */

static void check_hash(int root_fd, const char *rel, const struct stat *st,
		       const char *expected, const char *what,
		       struct finding *f)
{
	struct carb_error err = { 0 };
	char hex[65], *want;

	if (carb_sha256_beneath(root_fd, rel, st, hex, &err) < 0) {
		found(f, "unreadable", "%s cannot be read: %s", what, err.msg);
	} else if (strcasecmp(hex, expected) != 0) {
		want = safe(expected, strlen(expected));
		found(f, "hash-mismatch", "%s has SHA-256 %s, the catalog says"
		      " %s", what, hex, want);
		free(want);
	}
}

static void check_content(struct archive *a, const struct carb_archived_row *r,
			  int root_fd, const char *rel, const struct stat *st,
			  const char *what, struct finding *f)
{
	if (st->st_size != r->size)
		found(f, "size-mismatch", "%s has %lld bytes, the catalog says"
		      " %lld", what, (long long)st->st_size,
		      (long long)r->size);
	else if (a->deep && r->content_hash != NULL && root_fd >= 0)
		check_hash(root_fd, rel, st, r->content_hash, what, f);
}

/* ---- symlink destinations -------------------------------------------- */

/* Where an absolute target can be examined without following a symlink:
 * beneath a watch folder or base_path (*rel then points into target),
 * else nowhere (-1): such a target is only looked at by lstat. */
static bool beneath(const char *target, const char *dir, const char **rel)
{
	size_t n = strlen(dir);

	if (strncmp(target, dir, n) != 0 || target[n] != '/')
		return false;
	*rel = target + n + 1;
	return true;
}

static int target_root(struct archive *a, const char *target,
		       const char **rel)
{
	for (size_t i = 0; i < a->nwatches; i++)
		if (beneath(target, carb_config_watch(a->cfg, i)->path, rel))
			return watch_fd(a, i);
	if (beneath(target, carb_config_archive(a->cfg)->base_path, rel))
		return a->base_fd;
	return -1;
}

/* lstat of an absolute target, beneath the folder it lies in when that is
 * one carbonation knows; *root and *rel say where it can be read. */
static int stat_target(struct archive *a, const struct carb_archived_row *r,
		       struct stat *st, int *root, const char **rel)
{
	*rel = NULL;
	*root = -1;
	/* A relative target would be looked up from the current folder. */
	if (r->archive_target[0] != '/' ||
	    memchr(r->archive_target, '\0', r->target_len) != NULL) {
		errno = ENOENT;  /* no file has such a name */
		return -1;
	}
	*root = target_root(a, r->archive_target, rel);
	if (*root >= 0)
		return carb_lstat_beneath(*root, *rel, strlen(*rel), st);
	return fstatat(AT_FDCWD, r->archive_target, st, AT_SYMLINK_NOFOLLOW);
}

static void check_target(struct archive *a, const struct carb_archived_row *r,
			 struct finding *f)
{
	char *shown = safe(r->archive_target, r->target_len);
	const char *rel;
	struct stat st;
	int root, rc = stat_target(a, r, &st, &root, &rel);

	if (r->archive_target[0] != '/')
		found(f, "wrong-target", "its target %s is not an absolute"
		      " path", shown);
	else if (rc < 0 && carb_errno_absent(errno))
		found(f, "wrong-target", "its target %s no longer exists",
		      shown);
	else if (rc < 0)
		found(f, "unreadable", "its target %s cannot be examined: %s",
		      shown, strerror(errno));
	else if (!S_ISREG(st.st_mode))
		found(f, "wrong-target", "its target %s is a %s, not a regular"
		      " file", shown, type_of(st.st_mode));
	else
		check_content(a, r, root, rel, &st, "its target", f);
	free(shown);
}

static void check_link(struct archive *a, const struct carb_archived_row *r,
		       const struct stat *st, struct finding *f)
{
	char link[PATH_MAX + 1];
	ssize_t n = -1;
	int fd;

	if (!S_ISLNK(st->st_mode)) {
		found(f, "not-regular", "a %s is there, not a symlink",
		      type_of(st->st_mode));
		return;
	}
	fd = carb_open_beneath(a->base_fd, r->archive_path,
			       O_PATH | O_NOFOLLOW);
	if (fd >= 0) {
		n = readlinkat(fd, "", link, sizeof(link) - 1);
		close(fd);
	}
	if (n < 0) {
		found(f, "unreadable", "the symlink cannot be read: %s",
		      strerror(errno));
	} else if (r->archive_target == NULL) {
		found(f, "wrong-target", "the catalog records no target");
	} else if ((size_t)n != r->target_len ||
		   memcmp(link, r->archive_target, (size_t)n) != 0) {
		char *now = safe(link, (size_t)n);
		char *want = safe(r->archive_target, r->target_len);

		found(f, "wrong-target", "it points to %s, the catalog says %s",
		      now, want);
		free(now);
		free(want);
	} else {
		check_target(a, r, f);
	}
}

/* ---- one component --------------------------------------------------- */

static void examine(struct archive *a, const struct carb_archived_row *r,
		    struct finding *f)
{
	struct stat st;

	/* A late sidecar's verdict stands whatever the copy looks like: the
	 * copy is what the sidecar contradicts. */
	if (r->checksum_conflict != NULL) {
		found(f, "checksum-conflict", "%s", r->checksum_conflict);
		return;
	}
	if (r->archive_path == NULL || r->archive_len == 0) {
		found(f, "missing", "the catalog records no archive path");
		return;
	}
	if (carb_lstat_beneath(a->base_fd, r->archive_path, r->archive_len,
			       &st) < 0) {
		if (errno == ELOOP)
			found(f, "not-regular", "a symlink stands among its"
			      " folders (never followed)");
		else if (errno == EXDEV)
			found(f, "not-regular", "the path leads outside"
			      " base_path");
		else if (carb_errno_absent(errno))
			found(f, "missing", "nothing at the path");
		else
			found(f, "unreadable", "cannot be examined: %s",
			      strerror(errno));
	} else if (symlink_mode(a, r)) {
		check_link(a, r, &st, f);
	} else if (!S_ISREG(st.st_mode)) {
		found(f, "not-regular", "a %s is there, not a regular file",
		      type_of(st.st_mode));
	} else {
		check_content(a, r, a->base_fd, r->archive_path, &st,
			      "the archived copy", f);
	}
}

/* ---- --fix ----------------------------------------------------------- */

/* Whether the delivered file can be archived again: it is the newest
 * generation's, a regular file of the recorded size (and content, deep);
 * otherwise *why says what is missing. */
static bool source_left(struct archive *a, const struct carb_archived_row *r,
			struct carb_buf *why)
{
	struct stat st;
	char hex[65];
	int root;

	if (!r->newest) {
		carb_buf_adds(why, "a newer delivery holds its path");
		return false;
	}
	root = watch_fd(a, watch_index(a, r->watch));
	if (root < 0) {
		carb_buf_adds(why, "its watch folder is not available");
		return false;
	}
	if (carb_lstat_beneath(root, r->rel_path, r->rel_len, &st) < 0 ||
	    !S_ISREG(st.st_mode)) {
		carb_buf_adds(why, "the delivered file is gone");
		return false;
	}
	if (st.st_size != r->size) {
		carb_buf_addf(why, "the delivered file now has %lld bytes",
			      (long long)st.st_size);
		return false;
	}
	if (a->deep && r->content_hash != NULL &&
	    (carb_sha256_beneath(root, r->rel_path, &st, hex, NULL) < 0 ||
	     strcasecmp(hex, r->content_hash) != 0)) {
		carb_buf_adds(why, "the delivered file's content changed");
		return false;
	}
	return true;
}

static int fix(struct archive *a, const struct carb_archived_row *r,
	       const char *klass, struct carb_buf *action,
	       struct carb_error *err)
{
	struct carb_buf why;
	bool changed = false, again;
	char *reason;
	int rc;

	if (strcmp(klass, "unreadable") == 0) {
		carb_buf_adds(action, "none: it could not be examined");
		return 0;
	}
	/* Which side is wrong, the file or its sidecar, is for a person to
	 * say: nothing is archived again or marked. */
	if (strcmp(klass, "checksum-conflict") == 0) {
		carb_buf_adds(action, "none: check the file against its sender");
		return 0;
	}
	carb_buf_init(&why);
	again = source_left(a, r, &why);
	reason = carb_xasprintf("reconcile: archived copy %s; %s", klass,
				again ? "archiving again" : "no source left");
	rc = again ? carb_component_requeue_archived(a->cat, r->id, reason,
						     &changed, err)
		   : carb_component_mark_missing(a->cat, r->id, reason,
						 &changed, err);
	if (!changed)
		carb_buf_adds(action, "left as it is: the service changed the"
			      " row meanwhile");
	else if (again)
		carb_buf_adds(action, "queued again (RETRY_PENDING)");
	else
		carb_buf_addf(action, "marked missing: no source left (%s)",
			      why.data);
	free(reason);
	carb_buf_release(&why);
	return rc;
}

static int check_row(void *ctx, const struct carb_archived_row *r,
		     struct carb_error *err)
{
	struct archive *a = ctx;
	struct finding f = { NULL, { 0 } };
	struct carb_buf action;
	int rc = 0;

	/* A copy at an http receiver is the receiver's to reconcile. */
	if (r->archive_path != NULL &&
	    carb_archive_path_is_url(r->archive_path, r->archive_len))
		return 0;
	carb_buf_init(&f.detail);
	carb_buf_init(&action);
	examine(a, r, &f);
	if (f.klass != NULL) {
		if (r->missing_at != 0)
			carb_buf_adds(&f.detail, " (marked missing)");
		if (a->fix)
			rc = fix(a, r, f.klass, &action, err);
		if (rc == 0)
			carb_report(a->cb, a->ctx, f.klass, r->watch,
				    r->archive_path ? r->archive_path : "",
				    r->archive_len, r->id, f.detail.data,
				    a->fix ? action.data : NULL);
	}
	carb_buf_release(&f.detail);
	carb_buf_release(&action);
	return rc;
}

int carb_reconcile_archive(const struct carb_config *cfg,
			   struct carb_catalog *cat, const char *watch,
			   bool deep, bool fix, carb_discrepancy_cb cb,
			   void *ctx, struct carb_error *err)
{
	const char *base = carb_config_archive(cfg)->base_path;
	struct archive a = {
		.cfg = cfg, .cat = cat, .deep = deep, .fix = fix, .cb = cb,
		.ctx = ctx, .nwatches = carb_config_watch_count(cfg),
	};
	int rc;

	if (watch != NULL && carb_config_watch_find(cfg, watch) == NULL)
		return carb_error_set(err, "unknown watch \"%s\"", watch);
	a.base_fd = open(base, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (a.base_fd < 0)
		return carb_error_set(err, "archive.base_path %s: %s", base,
				      strerror(errno));
	a.watch_fds = carb_xmalloc((a.nwatches + 1) * sizeof(*a.watch_fds));
	for (size_t i = 0; i < a.nwatches; i++)
		a.watch_fds[i] = -2;
	rc = carb_archived_each(cat, watch, check_row, &a, err);
	for (size_t i = 0; i < a.nwatches; i++)
		if (a.watch_fds[i] >= 0)
			close(a.watch_fds[i]);
	free(a.watch_fds);
	close(a.base_fd);
	return rc;
}
