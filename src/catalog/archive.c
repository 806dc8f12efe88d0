/* The SQL of archiving: routing decisions, the ARCHIVING claim written
 * before any file moves, outcomes, retries and group results.  As in
 * intake.c, every status change names the old status. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"

int carb_group_get(struct carb_catalog *cat, int64_t id,
		   struct carb_group_info *g, bool *found,
		   struct carb_error *err)
{
	struct carb_stmt *st;
	int rc;

	memset(g, 0, sizeof(*g));
	*found = false;
	if (carb_stmt_preparef(cat, &st, err,
			"SELECT id, watch, group_key, complete, completed_at,"
			" status, destination FROM files WHERE id = ?", "i",
			id) < 0)
		return -1;
	rc = carb_stmt_step(st, err);
	if (rc == CARB_STEP_ROW) {
		const char *key = carb_stmt_column_blob(st, 2, &g->key_len);
		const char *d = carb_stmt_column_text(st, 6);
		char what[48];

		*found = true;
		g->id = carb_stmt_column_int64(st, 0);
		g->watch = carb_xstrdup(carb_stmt_column_text(st, 1));
		g->key = carb_xstrndup(key ? key : "", g->key_len);
		g->complete = carb_stmt_column_int64(st, 3) != 0;
		g->completed_at = carb_stmt_column_int64(st, 4);
		g->destination = d ? carb_xstrdup(d) : NULL;
		snprintf(what, sizeof(what), "group %lld", (long long)g->id);
		if (carb_status_column(carb_stmt_column_text(st, 5), what,
				       &g->status, err) < 0) {
			carb_group_info_release(g);
			*found = false;
			rc = -1;
		}
	}
	carb_stmt_finalize(&st);
	return rc < 0 ? -1 : 0;
}

void carb_group_info_release(struct carb_group_info *g)
{
	free(g->watch);
	free(g->key);
	free(g->destination);
	memset(g, 0, sizeof(*g));
}

int carb_group_route(struct carb_catalog *cat, int64_t id,
		     enum carb_status old_status, enum carb_status new_status,
		     const char *destination, const char *reason,
		     bool *changed, struct carb_error *err)
{
	int64_t n = 0;

	if (carb_catalog_execf(cat, &n, err,
			"UPDATE files SET status = ?,"
			" destination = COALESCE(?, destination), reason = ?,"
			" updated_at = ? WHERE id = ? AND status = ?",
			"tttiit", carb_status_name(new_status), destination,
			reason, carb_now_us(), id,
			carb_status_name(old_status)) < 0)
		return -1;
	if (changed != NULL)
		*changed = n > 0;
	return 0;
}

int carb_group_tally(struct carb_catalog *cat, int64_t id,
		     enum carb_status *status, bool *found,
		     int64_t counts[CARB_STATUS_COUNT],
		     struct carb_error *err)
{
	struct carb_stmt *st;
	char what[48], mwhat[64];
	int rc;

	memset(counts, 0, CARB_STATUS_COUNT * sizeof(counts[0]));
	*found = false;
	*status = CARB_STATUS_PENDING;
	/* A group without members still gives one row, its member status
	 * NULL. */
	if (carb_stmt_preparef(cat, &st, err,
			"SELECT f.status, c.status, COUNT(c.id) FROM files f"
			" LEFT JOIN components c ON c.file_id = f.id"
			" WHERE f.id = ? GROUP BY f.status, c.status", "i",
			id) < 0)
		return -1;
	snprintf(what, sizeof(what), "group %lld", (long long)id);
	snprintf(mwhat, sizeof(mwhat), "a member of group %lld",
		 (long long)id);
	while ((rc = carb_stmt_step(st, err)) == CARB_STEP_ROW) {
		const char *member = carb_stmt_column_text(st, 1);
		enum carb_status m;

		*found = true;
		if (carb_status_column(carb_stmt_column_text(st, 0), what,
				       status, err) < 0) {
			rc = -1;
			break;
		}
		if (member == NULL)
			continue;
		if (carb_status_column(member, mwhat, &m, err) < 0) {
			rc = -1;
			break;
		}
		counts[m] += carb_stmt_column_int64(st, 2);
	}
	carb_stmt_finalize(&st);
	if (rc < 0) {
		*found = false;
		return -1;
	}
	return 0;
}

int carb_component_archiving(struct carb_catalog *cat, int64_t id,
			     enum carb_status old_status,
			     const char *destination,
			     const char *path, size_t path_len, bool *changed,
			     struct carb_error *err)
{
	int64_t n = 0;

	if (carb_catalog_execf(cat, &n, err,
			"UPDATE components SET status = 'ARCHIVING',"
			" archive_destination = ?, archive_path = ?,"
			" reason = CASE WHEN late = 1 THEN reason END,"
			" updated_at = ?"
			" WHERE id = ? AND status = ?", "tbiit", destination,
			path, path_len, carb_now_us(), id,
			carb_status_name(old_status)) < 0)
		return -1;
	*changed = n > 0;
	return 0;
}

int carb_component_archived(struct carb_catalog *cat, int64_t id,
			    const struct carb_archived *a, bool *changed,
			    struct carb_error *err)
{
	int64_t now = carb_now_us(), n = 0;

	if (carb_catalog_execf(cat, &n, err,
			"UPDATE components SET status = ?, archive_path = ?,"
			" archive_version = ?, archive_target = ?,"
			" reason = COALESCE(?, CASE WHEN late = 1 THEN reason END),"
			" next_retry_at = NULL, missing_at = NULL,"
			" archived_at = ?, updated_at = ?"
			" WHERE id = ? AND status = ?", "tbibtiiit",
			carb_status_name(a->new_status), a->path, a->path_len,
			a->version, a->target,
			a->target ? strlen(a->target) : (size_t)0, a->reason,
			now, now, id, carb_status_name(a->old_status)) < 0)
		return -1;
	*changed = n > 0;
	return 0;
}

int carb_component_attempt_failed(struct carb_catalog *cat, int64_t id,
				  enum carb_status new_status,
				  const char *reason,
				  int64_t next_retry_at, bool *changed,
				  struct carb_error *err)
{
	const char *to = carb_status_name(new_status);
	int64_t n = 0;

	/* No "CASE WHEN ? > 0": PostgreSQL would type that parameter int4. */
	int rc = next_retry_at > 0
		? carb_catalog_execf(cat, &n, err,
			"UPDATE components SET status = ?, reason = ?,"
			" attempts = attempts + 1, next_retry_at = ?,"
			" updated_at = ? WHERE id = ? AND status = 'ARCHIVING'",
			"ttiii", to, reason, next_retry_at,
			carb_now_us(), id)
		: carb_catalog_execf(cat, &n, err,
			"UPDATE components SET status = ?, reason = ?,"
			" attempts = attempts + 1, next_retry_at = NULL,"
			" updated_at = ? WHERE id = ? AND status = 'ARCHIVING'",
			"ttii", to, reason, carb_now_us(), id);

	if (rc < 0)
		return -1;
	*changed = n > 0;
	return 0;
}

int carb_component_find_archived(struct carb_catalog *cat, const char *watch,
				 const char *rel, size_t rel_len,
				 const char *hash, int64_t *id, char **path,
				 size_t *path_len, struct carb_error *err)
{
	struct carb_stmt *st;
	int rc;

	*id = 0;
	*path = NULL;
	*path_len = 0;
	if (carb_stmt_preparef(cat, &st, err,
			"SELECT id, archive_path FROM components"
			" WHERE watch = ? AND rel_path = ? AND content_hash = ?"
			" AND status = 'ARCHIVED' ORDER BY generation DESC",
			"tbt", watch, rel, rel_len, hash) < 0)
		return -1;
	rc = carb_stmt_step(st, err);
	if (rc == CARB_STEP_ROW) {
		const char *p = carb_stmt_column_blob(st, 1, path_len);

		*id = carb_stmt_column_int64(st, 0);
		*path = carb_xstrndup(p ? p : "", *path_len);
	}
	carb_stmt_finalize(&st);
	return rc < 0 ? -1 : 0;
}

int carb_components_with_status(struct carb_catalog *cat, const char *watch,
				enum carb_status status, int64_t due_us,
				size_t max, int64_t **ids, size_t *n,
				struct carb_error *err)
{
	const char *text = carb_status_name(status);
	struct carb_stmt *st;

	int rc = due_us > 0
		? carb_stmt_preparef(cat, &st, err,
			"SELECT id FROM components WHERE watch = ?"
			" AND status = ? AND next_retry_at <= ? ORDER BY id",
			"tti", watch, text, due_us)
		: carb_stmt_preparef(cat, &st, err,
			"SELECT id FROM components WHERE watch = ?"
			" AND status = ? ORDER BY id", "tt", watch, text);

	if (rc < 0)
		return -1;
	return carb_stmt_ids(st, max, ids, n, err);
}

int carb_groups_with_status(struct carb_catalog *cat, const char *watch,
			    enum carb_status status, size_t max, int64_t **ids,
			    size_t *n, struct carb_error *err)
{
	struct carb_stmt *st;

	if (carb_stmt_preparef(cat, &st, err,
			"SELECT id FROM files WHERE watch = ? AND status = ?"
			" ORDER BY id", "tt", watch,
			carb_status_name(status)) < 0)
		return -1;
	return carb_stmt_ids(st, max, ids, n, err);
}

int carb_components_next_retry(struct carb_catalog *cat, const char *watch,
			       int64_t *at, struct carb_error *err)
{
	struct carb_stmt *st;
	int rc;

	*at = 0;
	if (carb_stmt_preparef(cat, &st, err,
			"SELECT MIN(next_retry_at) FROM components"
			" WHERE watch = ? AND status = 'RETRY_PENDING'", "t",
			watch) < 0)
		return -1;
	rc = carb_stmt_step(st, err);
	if (rc == CARB_STEP_ROW)
		*at = carb_stmt_column_int64(st, 0);
	carb_stmt_finalize(&st);
	return rc < 0 ? -1 : 0;
}
