/* `reconcile delivery`: each watch folder against the catalog.  A file
 * that no event announced (unrecorded), and a row whose file left
 * without the service noticing (vanished).  The service finds both on its
 * own walks; this is the operator's view of them, and --fix withdraws the
 * vanished rows without waiting for the service. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipeline/reconcile_internal.h"

#define WITHDRAW_REASON "reconcile: file gone from the delivery folder"

/* The newest generation of one recorded path. */
struct known_path {
	int64_t id;
	enum carb_status status;
	char *rel;
	size_t len;
};

struct delivery {
	const struct carb_watch_config *w;
	struct carb_catalog *cat;
	bool fix;
	carb_discrepancy_cb cb;
	void *ctx;
	int root_fd;
	struct carb_map *paths;    /* rel path -> struct known_path */
	struct known_path **rows;  /* the same, in catalog order */
	size_t nrows;
};

/* Statuses in which the file must still be in its delivery folder.
 * ARCHIVING is in flight; ARCHIVED, DUPLICATE and WITHDRAWN may have left
 * it (move mode, a withdrawal) for good reason. */
static bool must_be_present(enum carb_status status)
{
	switch (status) {
	case CARB_STATUS_PENDING:
	case CARB_STATUS_INTEGRITY_FAILED:
	case CARB_STATUS_WAITING:
	case CARB_STATUS_TIMED_OUT:
	case CARB_STATUS_READY:
	case CARB_STATUS_NOT_SELECTED:
	case CARB_STATUS_RETRY_PENDING:
	case CARB_STATUS_FAILED:
		return true;
	default:
		return false;
	}
}

/* Rows come newest generation first for each path: the first one seen
 * is the one that counts. */
static int load_row(void *ctx, const struct carb_component_row *r,
		    struct carb_error *err)
{
	struct delivery *d = ctx;
	struct known_path *k;

	(void)err;
	if (carb_map_get(d->paths, r->rel_path, r->rel_len) != NULL)
		return 0;
	k = carb_xcalloc(1, sizeof(*k));
	k->id = r->id;
	k->status = r->status;
	k->rel = carb_xstrndup(r->rel_path, r->rel_len);
	k->len = r->rel_len;
	carb_map_put(d->paths, k->rel, k->len, k);
	d->rows = carb_xrealloc(d->rows, (d->nrows + 1) * sizeof(*d->rows));
	d->rows[d->nrows++] = k;
	return 0;
}

static void release(struct delivery *d)
{
	for (size_t i = 0; i < d->nrows; i++) {
		free(d->rows[i]->rel);
		free(d->rows[i]);
	}
	free(d->rows);
	carb_map_free(&d->paths);
	if (d->root_fd >= 0)
		close(d->root_fd);
}

/* ---- unrecorded: the walk -------------------------------------------- */

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in a folder, sorted so that reports come in a stable order;
 * NULL-terminated, the caller frees them. */
static char **list_names(DIR *dir, size_t *n)
{
	char **names = NULL;
	struct dirent *de;

	*n = 0;
	while ((de = readdir(dir)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		names = carb_xrealloc(names, (*n + 2) * sizeof(*names));
		names[(*n)++] = carb_xstrdup(de->d_name);
		names[*n] = NULL;
	}
	if (*n > 1)
		qsort(names, *n, sizeof(*names), cmp_names);
	return names;
}

static void walk_dir(struct delivery *d, const char *rel);

static void unrecorded(struct delivery *d, const char *rel,
		       const struct stat *st)
{
	char detail[128];

	snprintf(detail, sizeof(detail), "a regular file of %lld bytes that"
		 " the catalog does not know", (long long)st->st_size);
	carb_report(d->cb, d->ctx, "unrecorded", d->w->name, rel, strlen(rel),
		    0, detail, d->fix ? "nothing to do: the service's next"
		    " walk records it once it has settled" : NULL);
}

/* One entry: a folder is walked when the watch is recursive; a file is
 * judged as the intake judges it (names, then regular files only). */
static void walk_entry(struct delivery *d, int dfd, const char *dir,
		       const char *name)
{
	char *rel = carb_xasprintf("%s%s%s", dir, *dir ? "/" : "", name);
	struct stat st;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		free(rel);  /* gone meanwhile */
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		if (d->w->recursive)
			walk_dir(d, rel);
	} else if (S_ISREG(st.st_mode) && carb_name_wanted(name, d->w) &&
		   carb_map_get(d->paths, rel, strlen(rel)) == NULL) {
		unrecorded(d, rel, &st);
	}
	free(rel);
}

/* A folder that cannot be opened (gone, no permission) is skipped: the
 * service cannot take files from it either. */
static void walk_dir(struct delivery *d, const char *rel)
{
	int fd = carb_open_beneath(d->root_fd, rel, O_RDONLY | O_DIRECTORY);
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
	char **names;
	size_t n;

	if (dir == NULL) {
		if (fd >= 0)
			close(fd);
		return;
	}
	names = list_names(dir, &n);
	for (size_t i = 0; i < n; i++) {
		walk_entry(d, dirfd(dir), rel, names[i]);
		free(names[i]);
	}
	free(names);
	closedir(dir);
}

/* ---- vanished: the rows ---------------------------------------------- */

/* What stands at k's path, when it is not what the status needs; NULL
 * when all is well.  *klass says how to report it. */
static char *vanished_detail(struct delivery *d, const struct known_path *k,
			     const char **klass)
{
	struct stat st;

	*klass = "vanished";
	if (carb_lstat_beneath(d->root_fd, k->rel, k->len, &st) < 0) {
		if (errno == ELOOP || errno == EXDEV)
			return carb_xasprintf("status %s; reachable only"
					      " through a symlink",
					      carb_status_name(k->status));
		if (carb_errno_absent(errno))
			return carb_xasprintf("status %s; nothing at the path",
					      carb_status_name(k->status));
		*klass = "unreadable";
		return carb_xasprintf("status %s; cannot be examined: %s",
				      carb_status_name(k->status),
				      strerror(errno));
	}
	/* Intake records a symlink or FIFO as INTEGRITY_FAILED: while it is
	 * there, that row is right. */
	if (S_ISREG(st.st_mode) || k->status == CARB_STATUS_INTEGRITY_FAILED)
		return NULL;
	return carb_xasprintf("status %s; a %s is there, not a regular file",
			      carb_status_name(k->status),
			      carb_file_type_name(st.st_mode));
}

/* The guarded change: a row the service moved on meanwhile stays. */
static const char *withdraw(struct delivery *d, const struct known_path *k,
			    struct carb_error *err)
{
	struct carb_component_change ch = {
		.old_status = k->status, .new_status = CARB_STATUS_WITHDRAWN,
		.reason = WITHDRAW_REASON, .late = -1,
	};
	bool changed = false;

	if (carb_component_set(d->cat, k->id, &ch, &changed, err) < 0)
		return NULL;
	return changed ? "withdrawn" : "left as it is: the service changed"
		" the row meanwhile";
}

static int check_rows(struct delivery *d, struct carb_error *err)
{
	for (size_t i = 0; i < d->nrows; i++) {
		const struct known_path *k = d->rows[i];
		const char *klass, *action = NULL;
		char *detail;

		if (!must_be_present(k->status) ||
		    (detail = vanished_detail(d, k, &klass)) == NULL)
			continue;
		if (d->fix && strcmp(klass, "vanished") == 0 &&
		    (action = withdraw(d, k, err)) == NULL) {
			free(detail);
			return -1;
		}
		if (d->fix && action == NULL)
			action = "none: it could not be examined";
		carb_report(d->cb, d->ctx, klass, d->w->name, k->rel, k->len,
			    k->id, detail, action);
		free(detail);
	}
	return 0;
}

static int reconcile_watch(struct delivery *d, struct carb_error *err)
{
	int rc;

	d->paths = carb_map_new();
	d->root_fd = open(d->w->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (d->root_fd < 0)
		rc = carb_error_set(err, "watch \"%s\": %s: %s", d->w->name,
				    d->w->path, strerror(errno));
	else
		rc = carb_components_each(d->cat, d->w->name, NULL, load_row,
					  d, err);
	if (rc == 0) {
		walk_dir(d, "");
		rc = check_rows(d, err);
	}
	release(d);
	return rc;
}

int carb_reconcile_delivery(const struct carb_config *cfg,
			    struct carb_catalog *cat, const char *watch,
			    bool fix, carb_discrepancy_cb cb, void *ctx,
			    struct carb_error *err)
{
	size_t n = carb_config_watch_count(cfg);

	if (watch != NULL && carb_config_watch_find(cfg, watch) == NULL)
		return carb_error_set(err, "unknown watch \"%s\"", watch);
	for (size_t i = 0; i < n; i++) {
		struct delivery d = {
			.w = carb_config_watch(cfg, i), .cat = cat, .fix = fix,
			.cb = cb, .ctx = ctx, .root_fd = -1,
		};

		if (watch != NULL && strcmp(d.w->name, watch) != 0)
			continue;
		if (reconcile_watch(&d, err) < 0)
			return -1;
	}
	return 0;
}
