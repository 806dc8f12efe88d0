/* The SQL of intake: components as they are recorded and checked, and the
 * groups (files rows) they form.  Every status change is an UPDATE that
 * names the old status, so a change based on a stale view changes nothing
 * and says so. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"

#define COMPONENT_COLUMNS \
	"id, watch, rel_path, extension, generation, size, mtime, device," \
	" inode, status, file_id, late, content_hash, attempts," \
	" archive_destination, archive_path"

static int read_component(struct carb_stmt *st,
			  struct carb_component_row *r, struct carb_error *err)
{
	char what[48];

	r->id = carb_stmt_column_int64(st, 0);
	r->watch = carb_stmt_column_text(st, 1);
	r->rel_path = carb_stmt_column_blob(st, 2, &r->rel_len);
	r->extension = carb_stmt_column_blob(st, 3, &r->ext_len);
	r->generation = carb_stmt_column_int64(st, 4);
	r->size = carb_stmt_column_int64(st, 5);
	r->mtime_us = carb_stmt_column_int64(st, 6);
	r->device = carb_stmt_column_int64(st, 7);
	r->inode = carb_stmt_column_int64(st, 8);
	snprintf(what, sizeof(what), "component %lld", (long long)r->id);
	if (carb_status_column(carb_stmt_column_text(st, 9), what, &r->status,
			       err) < 0)
		return -1;
	r->file_id = carb_stmt_column_int64(st, 10);
	r->late = carb_stmt_column_int64(st, 11) != 0;
	r->content_hash = carb_stmt_column_text(st, 12);
	r->attempts = carb_stmt_column_int64(st, 13);
	r->archive_destination = carb_stmt_column_text(st, 14);
	r->archive_path = carb_stmt_column_blob(st, 15, &r->archive_path_len);
	if (r->rel_path == NULL)
		r->rel_path = "";
	if (r->extension == NULL)
		r->extension = "";
	return 0;
}

int carb_component_get(struct carb_catalog *cat, int64_t id,
		       carb_component_cb cb, void *ctx, struct carb_error *err)
{
	struct carb_stmt *st;

	if (carb_stmt_preparef(cat, &st, err, "SELECT " COMPONENT_COLUMNS
			       " FROM components WHERE id = ?", "i", id) < 0)
		return -1;
	return carb_component_rows(st, cb, ctx, err);
}

int carb_component_rows(struct carb_stmt *st, carb_component_cb cb, void *ctx,
			struct carb_error *err)
{
	struct carb_component_row r;
	int rc;

	while ((rc = carb_stmt_step(st, err)) == CARB_STEP_ROW) {
		if (read_component(st, &r, err) < 0 || cb(ctx, &r, err) < 0) {
			rc = -1;
			break;
		}
	}
	carb_stmt_finalize(&st);
	return rc < 0 ? -1 : 0;
}

int carb_components_each(struct carb_catalog *cat, const char *watch,
			 const enum carb_status *status, carb_component_cb cb,
			 void *ctx, struct carb_error *err)
{
	struct carb_stmt *st;
	int rc;

	if (status != NULL)
		rc = carb_stmt_preparef(cat, &st, err,
			"SELECT " COMPONENT_COLUMNS " FROM components"
			" WHERE watch = ? AND status = ?"
			" ORDER BY rel_path, generation DESC", "tt", watch,
			carb_status_name(*status));
	else
		rc = carb_stmt_preparef(cat, &st, err,
			"SELECT " COMPONENT_COLUMNS " FROM components"
			" WHERE watch = ? ORDER BY rel_path, generation DESC",
			"t", watch);
	return rc < 0 ? -1 : carb_component_rows(st, cb, ctx, err);
}

int carb_group_members_each(struct carb_catalog *cat, int64_t file_id,
			    carb_component_cb cb, void *ctx,
			    struct carb_error *err)
{
	struct carb_stmt *st;

	if (carb_stmt_preparef(cat, &st, err,
			"SELECT " COMPONENT_COLUMNS " FROM components"
			" WHERE file_id = ? ORDER BY id", "i", file_id) < 0)
		return -1;
	return carb_component_rows(st, cb, ctx, err);
}

int carb_component_insert(struct carb_catalog *cat,
			  const struct carb_component_new *c, int64_t *id,
			  struct carb_error *err)
{
	int64_t now = carb_now_us();

	return carb_catalog_insertf(cat, id, err,
			"INSERT INTO components (watch, rel_path, stem,"
			" extension, generation, size, mtime, device, inode,"
			" status, discovered_at, settled_at, updated_at)"
			" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'PENDING', ?, ?, ?)",
			"tbbbiiiiiiii", c->watch, c->rel_path,
			c->rel_len, c->stem, c->stem_len, c->extension,
			c->ext_len, c->generation, c->size, c->mtime_us,
			c->device, c->inode, now, now, now);
}

int carb_component_refresh(struct carb_catalog *cat, int64_t id,
			   const struct carb_component_new *c, bool *changed,
			   struct carb_error *err)
{
	int64_t n = 0;

	if (carb_catalog_execf(cat, &n, err,
			"UPDATE components SET size = ?, mtime = ?, device = ?,"
			" inode = ?, status = 'PENDING', reason = NULL,"
			" content_hash = NULL, xxh128 = NULL, settled_at = ?,"
			" updated_at = ?"
			" WHERE id = ? AND status IN ('PENDING', 'INTEGRITY_FAILED')",
			"iiiiiii", c->size, c->mtime_us, c->device, c->inode,
			carb_now_us(), carb_now_us(), id) < 0)
		return -1;
	*changed = n > 0;
	return 0;
}

int carb_component_move(struct carb_catalog *cat, int64_t id,
			const struct carb_component_new *c,
			struct carb_error *err)
{
	return carb_catalog_execf(cat, NULL, err,
			"UPDATE components SET rel_path = ?, stem = ?,"
			" extension = ?, updated_at = ? WHERE id = ?", "bbbii",
			c->rel_path, c->rel_len, c->stem, c->stem_len,
			c->extension, c->ext_len, carb_now_us(), id);
}

int carb_component_set(struct carb_catalog *cat, int64_t id,
		       const struct carb_component_change *ch, bool *changed,
		       struct carb_error *err)
{
	int64_t n = 0;
	int rc;

	/* Most changes set only the status and reason: a statement that
	 * names no other column spares SQLite the maintenance of every
	 * index on a column it names (file_id's, for one). */
	if (ch->content_hash == NULL && ch->xxh128 == NULL &&
	    ch->file_id <= 0 && ch->late < 0)
		rc = carb_catalog_execf(cat, &n, err,
			"UPDATE components SET status = ?, reason = ?,"
			" updated_at = ? WHERE id = ? AND status = ?", "ttiit",
			carb_status_name(ch->new_status), ch->reason,
			carb_now_us(), id, carb_status_name(ch->old_status));
	else
		rc = carb_catalog_execf(cat, &n, err,
			"UPDATE components SET status = ?, reason = ?,"
			" content_hash = COALESCE(?, content_hash),"
			" xxh128 = COALESCE(?, xxh128),"
			" file_id = CASE WHEN ? > 0 THEN ? ELSE file_id END,"
			" late = CASE WHEN ? >= 0 THEN ? ELSE late END,"
			" updated_at = ? WHERE id = ? AND status = ?",
			"ttttiiiiiit", carb_status_name(ch->new_status),
			ch->reason, ch->content_hash, ch->xxh128, ch->file_id,
			ch->file_id,
			(int64_t)ch->late, (int64_t)(ch->late > 0),
			carb_now_us(), id, carb_status_name(ch->old_status));
	if (rc < 0)
		return -1;
	if (changed != NULL)
		*changed = n > 0;
	return 0;
}

int carb_group_find(struct carb_catalog *cat, const char *watch,
		    const char *key, size_t key_len, struct carb_group_row *g,
		    bool *found, struct carb_error *err)
{
	struct carb_stmt *st;
	int rc;

	*found = false;
	if (carb_stmt_preparef(cat, &st, err,
			"SELECT id, generation, status, deadline_at FROM files"
			" WHERE watch = ? AND group_key = ?"
			" ORDER BY generation DESC", "tb", watch, key,
			key_len) < 0)
		return -1;
	rc = carb_stmt_step(st, err);
	if (rc == CARB_STEP_ROW) {
		char what[48];

		*found = true;
		g->id = carb_stmt_column_int64(st, 0);
		g->generation = carb_stmt_column_int64(st, 1);
		g->deadline_at = carb_stmt_column_int64(st, 3);
		snprintf(what, sizeof(what), "group %lld", (long long)g->id);
		if (carb_status_column(carb_stmt_column_text(st, 2), what,
				       &g->status, err) < 0)
			rc = -1;
	}
	carb_stmt_finalize(&st);
	return rc < 0 ? -1 : 0;
}

int carb_group_insert(struct carb_catalog *cat, const char *watch,
		      const char *key, size_t key_len, int64_t generation,
		      int64_t timeout_us, int64_t *id, int64_t *deadline_at,
		      struct carb_error *err)
{
	int64_t now = carb_now_us();

	*deadline_at = timeout_us > 0 ? now + timeout_us : 0;
	if (*deadline_at > 0)
		return carb_catalog_insertf(cat, id, err,
			"INSERT INTO files (watch, group_key, generation,"
			" status, created_at, deadline_at, updated_at)"
			" VALUES (?, ?, ?, 'WAITING', ?, ?, ?)",
			"tbiiii", watch, key, key_len, generation, now,
			*deadline_at, now);
	return carb_catalog_insertf(cat, id, err,
			"INSERT INTO files (watch, group_key, generation,"
			" status, created_at, updated_at)"
			" VALUES (?, ?, ?, 'WAITING', ?, ?)",
			"tbiii", watch, key, key_len, generation, now, now);
}

int carb_group_insert_ready(struct carb_catalog *cat, const char *watch,
			    const char *key, size_t key_len,
			    int64_t generation, struct carb_group_info *g,
			    struct carb_error *err)
{
	int64_t now = carb_now_us();

	memset(g, 0, sizeof(*g));
	if (carb_catalog_insertf(cat, &g->id, err,
			"INSERT INTO files (watch, group_key, generation,"
			" status, complete, created_at, completed_at, updated_at)"
			" VALUES (?, ?, ?, 'READY', 1, ?, ?, ?)",
			"tbiiii", watch, key, key_len, generation, now, now,
			now) < 0)
		return -1;
	g->watch = carb_xstrdup(watch);
	g->key = carb_xstrndup(key, key_len);
	g->key_len = key_len;
	g->complete = true;
	g->completed_at = now;
	g->status = CARB_STATUS_READY;
	return 0;
}

int carb_group_set(struct carb_catalog *cat, int64_t id,
		   enum carb_status old_status, enum carb_status new_status,
		   bool complete, const char *missing, bool *changed,
		   struct carb_error *err)
{
	int64_t now = carb_now_us(), n = 0;
	bool decided = new_status != CARB_STATUS_WAITING;

	if (carb_catalog_execf(cat, &n, err,
			"UPDATE files SET status = ?, complete = ?, missing = ?,"
			" completed_at = CASE WHEN ? = 1 THEN ? ELSE completed_at END,"
			" updated_at = ? WHERE id = ? AND status = ?",
			"titiiiit", carb_status_name(new_status),
			(int64_t)complete, missing, (int64_t)decided, now, now,
			id, carb_status_name(old_status)) < 0)
		return -1;
	if (changed != NULL)
		*changed = n > 0;
	return 0;
}

int carb_groups_due(struct carb_catalog *cat, const char *watch,
		    int64_t now_us, size_t max, int64_t **ids, size_t *n,
		    struct carb_error *err)
{
	struct carb_stmt *st;

	*ids = NULL;
	*n = 0;
	if (carb_stmt_preparef(cat, &st, err,
			"SELECT id FROM files WHERE watch = ?"
			" AND status = 'WAITING'"
			" AND deadline_at IS NOT NULL AND deadline_at <= ?"
			" ORDER BY deadline_at, id", "ti", watch, now_us) < 0)
		return -1;
	return carb_stmt_ids(st, max, ids, n, err);
}

int carb_groups_next_deadline(struct carb_catalog *cat, int64_t *at,
			      struct carb_error *err)
{
	struct carb_stmt *st;
	int rc;

	*at = 0;
	if (carb_stmt_preparef(cat, &st, err,
			"SELECT MIN(deadline_at) FROM files"
			" WHERE status = 'WAITING'", "") < 0)
		return -1;
	rc = carb_stmt_step(st, err);
	if (rc == CARB_STEP_ROW)
		*at = carb_stmt_column_int64(st, 0);
	carb_stmt_finalize(&st);
	return rc < 0 ? -1 : 0;
}
