/* The SQL of `carbonation retry` and `carbonation reconcile`: failed
 * components queued again, archived components read for checking, and
 * the two outcomes of a check that --fix records.  Every change names the
 * status it expects, so a row the running service changed meanwhile is
 * left as the service made it. */
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"

/* Rows of ARCHIVED components read per statement: the number and its
 * spelling in SQL. */
#define ARCHIVED_PAGE 256
#define ARCHIVED_PAGE_SQL "256"

/* Groups first: once their components have left FAILED, the subquery
 * would no longer find them. */
static int retry_failed_groups(struct carb_catalog *cat, const char *watch,
			       int64_t now, struct carb_error *err)
{
	if (watch == NULL)
		return carb_catalog_execf(cat, NULL, err,
			"UPDATE files SET status = 'ARCHIVING', updated_at = ?"
			" WHERE status = 'FAILED' AND id IN (SELECT file_id"
			" FROM components WHERE status = 'FAILED')", "i", now);
	return carb_catalog_execf(cat, NULL, err,
		"UPDATE files SET status = 'ARCHIVING', updated_at = ?"
		" WHERE status = 'FAILED' AND id IN (SELECT file_id"
		" FROM components WHERE status = 'FAILED' AND watch = ?)",
		"it", now, watch);
}

/* A group a consumer CLEARED is final: its components stay as they are. */
#define NOT_CLEARED " AND (file_id IS NULL OR file_id NOT IN" \
	" (SELECT id FROM files WHERE status = 'CLEARED'))"

static int retry_failed_components(struct carb_catalog *cat,
				   const char *watch, int64_t now,
				   int64_t *count, struct carb_error *err)
{
	if (watch == NULL)
		return carb_catalog_execf(cat, count, err,
			"UPDATE components SET status = 'RETRY_PENDING',"
			" attempts = 0, next_retry_at = ?, updated_at = ?"
			" WHERE status = 'FAILED'" NOT_CLEARED, "ii", now, now);
	return carb_catalog_execf(cat, count, err,
		"UPDATE components SET status = 'RETRY_PENDING',"
		" attempts = 0, next_retry_at = ?, updated_at = ?"
		" WHERE status = 'FAILED' AND watch = ?" NOT_CLEARED, "iit", now,
		now, watch);
}

int carb_components_retry_failed(struct carb_catalog *cat, const char *watch,
				 int64_t *count, struct carb_error *err)
{
	int64_t now = carb_now_us();
	struct carb_error ignored;

	*count = 0;
	if (carb_catalog_begin(cat, err) < 0)
		return -1;
	if (retry_failed_groups(cat, watch, now, err) < 0 ||
	    retry_failed_components(cat, watch, now, count, err) < 0 ||
	    carb_catalog_commit(cat, err) < 0) {
		carb_catalog_rollback(cat, &ignored);
		*count = 0;
		return -1;
	}
	return 0;
}

/* ---- reading ARCHIVED components, a page at a time ------------------- */

#define ARCHIVED_COLUMNS \
	"c.id, c.watch, c.rel_path, c.size, c.content_hash," \
	" c.archive_destination, c.archive_path, c.archive_target," \
	" c.missing_at, CASE WHEN EXISTS (SELECT 1 FROM components n" \
	" WHERE n.watch = c.watch AND n.rel_path = c.rel_path" \
	" AND n.generation > c.generation) THEN 0 ELSE 1 END," \
	" c.checksum_conflict"

/* One row copied out of its statement, with the memory it owns. */
struct archived_copy {
	struct carb_archived_row row;
	char *owned[7];
};

/* A NUL-terminated copy of a column's bytes; NULL for SQL NULL. */
static char *copy_column(struct carb_stmt *st, int col, size_t *len)
{
	const void *data;
	char *copy;
	size_t n = 0;

	if (carb_stmt_column_is_null(st, col)) {
		if (len != NULL)
			*len = 0;
		return NULL;
	}
	data = carb_stmt_column_blob(st, col, &n);
	copy = carb_xmalloc(n + 1);
	if (n > 0)
		memcpy(copy, data, n);
	copy[n] = '\0';
	if (len != NULL)
		*len = n;
	return copy;
}

static void copy_row(struct carb_stmt *st, struct archived_copy *c)
{
	struct carb_archived_row *r = &c->row;

	r->id = carb_stmt_column_int64(st, 0);
	r->watch = c->owned[0] = copy_column(st, 1, NULL);
	r->rel_path = c->owned[1] = copy_column(st, 2, &r->rel_len);
	r->size = carb_stmt_column_int64(st, 3);
	r->content_hash = c->owned[2] = copy_column(st, 4, NULL);
	r->destination = c->owned[3] = copy_column(st, 5, NULL);
	r->archive_path = c->owned[4] = copy_column(st, 6, &r->archive_len);
	r->archive_target = c->owned[5] = copy_column(st, 7, &r->target_len);
	r->missing_at = carb_stmt_column_int64(st, 8);
	r->newest = carb_stmt_column_int64(st, 9) != 0;
	r->checksum_conflict = c->owned[6] = copy_column(st, 10, NULL);
	if (r->watch == NULL)
		r->watch = c->owned[0] = carb_xstrdup("");
	if (r->rel_path == NULL)
		r->rel_path = c->owned[1] = carb_xstrdup("");
}

static void free_page(struct archived_copy *page, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < 7; j++)
			free(page[i].owned[j]);
}

/* The next page after id after; *n rows were read into page. */
static int read_page(struct carb_catalog *cat, const char *watch,
		     int64_t after, struct archived_copy *page, size_t *n,
		     struct carb_error *err)
{
	struct carb_stmt *st;
	int rc;

	*n = 0;
	if (watch == NULL)
		rc = carb_stmt_preparef(cat, &st, err,
			"SELECT " ARCHIVED_COLUMNS " FROM components c"
			" WHERE c.status = 'ARCHIVED' AND c.id > ?"
			" ORDER BY c.id LIMIT " ARCHIVED_PAGE_SQL, "i", after);
	else
		rc = carb_stmt_preparef(cat, &st, err,
			"SELECT " ARCHIVED_COLUMNS " FROM components c"
			" WHERE c.status = 'ARCHIVED' AND c.watch = ?"
			" AND c.id > ? ORDER BY c.id LIMIT " ARCHIVED_PAGE_SQL,
			"ti", watch, after);
	if (rc < 0)
		return -1;
	while (*n < ARCHIVED_PAGE &&
	       (rc = carb_stmt_step(st, err)) == CARB_STEP_ROW)
		copy_row(st, &page[(*n)++]);
	carb_stmt_finalize(&st);
	return rc < 0 ? -1 : 0;
}

int carb_archived_each(struct carb_catalog *cat, const char *watch,
		       carb_archived_cb cb, void *ctx, struct carb_error *err)
{
	struct archived_copy *page = carb_xcalloc(ARCHIVED_PAGE, sizeof(*page));
	int64_t after = 0;
	size_t n;
	int rc = 0;

	do {
		if (read_page(cat, watch, after, page, &n, err) < 0) {
			free_page(page, n);
			rc = -1;
			break;
		}
		for (size_t i = 0; i < n && rc == 0; i++)
			rc = cb(ctx, &page[i].row, err) < 0 ? -1 : 0;
		if (n > 0)
			after = page[n - 1].row.id;
		free_page(page, n);
	} while (rc == 0 && n == ARCHIVED_PAGE);
	free(page);
	return rc;
}

/* ---- what --fix records ---------------------------------------------- */

int carb_component_requeue_archived(struct carb_catalog *cat, int64_t id,
				    const char *reason, bool *changed,
				    struct carb_error *err)
{
	int64_t now = carb_now_us(), n = 0;
	struct carb_error ignored;

	*changed = false;
	if (carb_catalog_begin(cat, err) < 0)
		return -1;
	if (carb_catalog_execf(cat, &n, err,
			"UPDATE components SET status = 'RETRY_PENDING',"
			" attempts = 0, next_retry_at = ?, missing_at = NULL,"
			" reason = ?, updated_at = ?"
			" WHERE id = ? AND status = 'ARCHIVED'", "itii", now,
			reason, now, id) < 0 ||
	    (n > 0 && carb_catalog_execf(cat, NULL, err,
			"UPDATE files SET status = 'ARCHIVING', updated_at = ?"
			" WHERE status <> 'ARCHIVING' AND id = (SELECT file_id"
			" FROM components WHERE id = ?)", "ii", now, id) < 0) ||
	    carb_catalog_commit(cat, err) < 0) {
		carb_catalog_rollback(cat, &ignored);
		return -1;
	}
	*changed = n > 0;
	return 0;
}

int carb_component_mark_missing(struct carb_catalog *cat, int64_t id,
				const char *reason, bool *changed,
				struct carb_error *err)
{
	int64_t now = carb_now_us(), n = 0;

	if (carb_catalog_execf(cat, &n, err,
			"UPDATE components SET"
			" missing_at = COALESCE(missing_at, ?), reason = ?,"
			" updated_at = ?"
			" WHERE id = ? AND status = 'ARCHIVED'", "itii", now,
			reason, now, id) < 0)
		return -1;
	*changed = n > 0;
	return 0;
}

int carb_component_mark_conflict(struct carb_catalog *cat, int64_t id,
				 const char *what, bool *changed,
				 struct carb_error *err)
{
	int64_t now = carb_now_us(), n = 0;

	if (carb_catalog_execf(cat, &n, err,
			"UPDATE components SET checksum_conflict = ?,"
			" updated_at = ?"
			" WHERE id = ? AND status IN ('ARCHIVING', 'RETRY_PENDING',"
			" 'ARCHIVED') AND checksum_conflict IS NULL", "tii",
			what, now, id) < 0)
		return -1;
	*changed = n > 0;
	return 0;
}
