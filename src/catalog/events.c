/* The outbox of events (0010, docs/events.md): the rows a sink has not
 * confirmed, their confirmation, replay, pruning, and the catalog rows an
 * event's JSON is built from.  The events rows themselves are written by
 * the 0010 triggers, never here. */
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"

/* In id order: the order the outbox was written in (on PostgreSQL and
 * MariaDB a row may commit after a higher id; it is sent when seen). */
int carb_catalog_events_unsent(struct carb_catalog *cat, const char *sink,
			       size_t limit, carb_event_row_cb cb, void *ctx,
			       struct carb_error *err)
{
	struct carb_stmt *st;
	int rc;

	if (carb_stmt_preparef(cat, &st, err,
			"SELECT e.id, e.event_id, e.scope, e.file_id,"
			" e.component_id, e.watch, e.status, e.created_at"
			" FROM events e WHERE NOT EXISTS (SELECT 1 FROM"
			" event_deliveries d WHERE d.sink = ? AND d.event = e.id)"
			" ORDER BY e.id LIMIT ?",
			"ti", sink, (int64_t)limit) < 0)
		return -1;
	while ((rc = carb_stmt_step(st, err)) == CARB_STEP_ROW) {
		struct carb_event_row r = {
			.id = carb_stmt_column_int64(st, 0),
			.event_id = carb_stmt_column_text(st, 1),
			.scope = carb_stmt_column_text(st, 2),
			.file_id = carb_stmt_column_int64(st, 3),
			.component_id = carb_stmt_column_int64(st, 4),
			.watch = carb_stmt_column_text(st, 5),
			.status = carb_stmt_column_text(st, 6),
			.created_at = carb_stmt_column_int64(st, 7),
		};

		if (cb(ctx, &r) != 0)
			break;
	}
	carb_stmt_finalize(&st);
	return rc < 0 ? -1 : 0;
}

int carb_catalog_event_delivered(struct carb_catalog *cat, const char *sink,
				 int64_t id, bool skipped,
				 struct carb_error *err)
{
	/* A replay between the read and this write cannot have added a
	 * row; a second publisher on the same catalog may have: either
	 * way the event is delivered, so a present row is fine. */
	if (carb_catalog_execf(cat, NULL, err,
			"DELETE FROM event_deliveries WHERE sink = ? AND event = ?",
			"ti", sink, id) < 0)
		return -1;
	return carb_catalog_execf(cat, NULL, err,
			"INSERT INTO event_deliveries (sink, event, skipped, sent_at)"
			" VALUES (?, ?, ?, ?)",
			"tiii", sink, id, (int64_t)skipped, carb_now_us());
}

int carb_catalog_events_replay(struct carb_catalog *cat, int64_t since_us,
			       const char *sink, int64_t *count,
			       struct carb_error *err)
{
	/* Skipped rows stay: the sink did not want those events then and
	 * its filters have not changed by a replay. */
	if (sink == NULL)
		return carb_catalog_execf(cat, count, err,
				"DELETE FROM event_deliveries WHERE skipped = 0"
				" AND event IN (SELECT id FROM events"
				" WHERE created_at >= ?)",
				"i", since_us);
	return carb_catalog_execf(cat, count, err,
			"DELETE FROM event_deliveries WHERE skipped = 0"
			" AND sink = ? AND event IN (SELECT id FROM events"
			" WHERE created_at >= ?)",
			"ti", sink, since_us);
}

int carb_catalog_events_prune(struct carb_catalog *cat, int64_t before_us,
			      const char *const *sinks, size_t nsinks,
			      int64_t *count, struct carb_error *err)
{
	struct carb_buf sql;
	struct carb_stmt *st;
	int rc = -1;
	int idx = 1;

	/* An event goes when it is old enough and every sink configured
	 * now has it; deliveries to sinks no longer configured do not
	 * count, and go with their event. */
	carb_buf_init(&sql);
	carb_buf_addf(&sql, "DELETE FROM events WHERE created_at < ?");
	if (nsinks > 0) {
		carb_buf_addf(&sql, " AND (SELECT COUNT(*) FROM event_deliveries d"
			      " WHERE d.event = events.id AND d.sink IN (");
		for (size_t i = 0; i < nsinks; i++)
			carb_buf_addf(&sql, i ? ", ?" : "?");
		carb_buf_addf(&sql, ")) = ?");
	}
	if (carb_stmt_prepare(cat, sql.data, &st, err) < 0)
		goto out;
	if (carb_stmt_bind_int64(st, idx++, before_us, err) < 0)
		goto fin;
	for (size_t i = 0; i < nsinks; i++)
		if (carb_stmt_bind_text(st, idx++, sinks[i], err) < 0)
			goto fin;
	if (nsinks > 0 &&
	    carb_stmt_bind_int64(st, idx++, (int64_t)nsinks, err) < 0)
		goto fin;
	if (carb_stmt_step(st, err) < 0)
		goto fin;
	*count = carb_stmt_changes(st);
	carb_stmt_finalize(&st);
	rc = carb_catalog_execf(cat, NULL, err,
			"DELETE FROM event_deliveries WHERE NOT EXISTS"
			" (SELECT 1 FROM events e WHERE e.id = event_deliveries.event)",
			"");
	goto out;
fin:
	carb_stmt_finalize(&st);
out:
	carb_buf_release(&sql);
	return rc;
}

int carb_catalog_events_depth(struct carb_catalog *cat, const char *sink,
			      int64_t *unsent, int64_t *oldest_us,
			      struct carb_error *err)
{
	struct carb_stmt *st;
	int rc;

	*unsent = 0;
	*oldest_us = 0;
	if (carb_stmt_preparef(cat, &st, err,
			"SELECT COUNT(*), MIN(e.created_at) FROM events e"
			" WHERE NOT EXISTS (SELECT 1 FROM event_deliveries d"
			" WHERE d.sink = ? AND d.event = e.id)",
			"t", sink) < 0)
		return -1;
	rc = carb_stmt_step(st, err);
	if (rc == CARB_STEP_ROW) {
		*unsent = carb_stmt_column_int64(st, 0);
		*oldest_us = carb_stmt_column_int64(st, 1);
	}
	carb_stmt_finalize(&st);
	return rc < 0 ? -1 : 0;
}

static char *dup_col(struct carb_stmt *st, int col, size_t *len)
{
	const void *p;
	size_t n = 0;
	char *s;

	if (carb_stmt_column_is_null(st, col)) {
		*len = 0;
		return NULL;
	}
	p = carb_stmt_column_blob(st, col, &n);
	s = carb_xmalloc(n + 1);
	if (n > 0)
		memcpy(s, p, n);
	s[n] = '\0';
	*len = n;
	return s;
}

int carb_catalog_event_group(struct carb_catalog *cat, int64_t file_id,
			     struct carb_event_group *g, struct carb_error *err)
{
	struct carb_stmt *st;
	int rc;

	memset(g, 0, sizeof(*g));
	if (carb_stmt_preparef(cat, &st, err,
			"SELECT group_key, reason, destination, created_at,"
			" completed_at, generation FROM files WHERE id = ?",
			"i", file_id) < 0)
		return -1;
	rc = carb_stmt_step(st, err);
	if (rc == CARB_STEP_ROW) {
		size_t n;

		g->found = true;
		g->group_key = dup_col(st, 0, &g->group_key_len);
		g->reason = dup_col(st, 1, &n);
		g->destination = dup_col(st, 2, &n);
		g->created_at = carb_stmt_column_int64(st, 3);
		g->completed_at = carb_stmt_column_int64(st, 4);
		g->generation = carb_stmt_column_int64(st, 5);
	}
	carb_stmt_finalize(&st);
	return rc < 0 ? -1 : 0;
}

void carb_event_group_release(struct carb_event_group *g)
{
	free(g->group_key);
	free(g->reason);
	free(g->destination);
	memset(g, 0, sizeof(*g));
}

#define MEMBER_COLUMNS "id, rel_path, size, mtime, content_hash, status," \
	" reason, archive_destination, archive_path, archived_at, xxh128"

int carb_catalog_event_members(struct carb_catalog *cat, int64_t file_id,
			       int64_t component_id, carb_event_member_cb cb,
			       void *ctx, struct carb_error *err)
{
	struct carb_stmt *st;
	int rc;

	/* A component event names its one component; a group event every
	 * member of the group. */
	if (carb_stmt_preparef(cat, &st, err, component_id > 0
			? "SELECT " MEMBER_COLUMNS " FROM components"
			  " WHERE id = ? ORDER BY id"
			: "SELECT " MEMBER_COLUMNS " FROM components"
			  " WHERE file_id = ? ORDER BY id",
			"i", component_id > 0 ? component_id : file_id) < 0)
		return -1;
	while ((rc = carb_stmt_step(st, err)) == CARB_STEP_ROW) {
		struct carb_event_member m = { 0 };
		const void *p;

		m.id = carb_stmt_column_int64(st, 0);
		p = carb_stmt_column_blob(st, 1, &m.rel_path_len);
		m.rel_path = p;
		m.size = carb_stmt_column_int64(st, 2);
		m.mtime = carb_stmt_column_int64(st, 3);
		m.sha256 = carb_stmt_column_text(st, 4);
		m.status = carb_stmt_column_text(st, 5);
		m.reason = carb_stmt_column_text(st, 6);
		m.archive_destination = carb_stmt_column_text(st, 7);
		p = carb_stmt_column_is_null(st, 8) ? NULL
			: carb_stmt_column_blob(st, 8, &m.archive_path_len);
		m.archive_path = p;
		m.archived_at = carb_stmt_column_int64(st, 9);
		m.xxh128 = carb_stmt_column_text(st, 10);
		if (cb(ctx, &m) != 0)
			break;
	}
	carb_stmt_finalize(&st);
	return rc < 0 ? -1 : 0;
}
