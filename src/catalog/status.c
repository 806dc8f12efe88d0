/* `carbonation status` from the catalog alone: the heartbeat rows, the
 * components by status over several windows, what was archived where,
 * the retry queue, what failed and why, what still waits.  Fixed SQL
 * with bound values only; the same on the three backends. */
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"

const int64_t carb_status_windows[CARB_STATUS_NWINDOWS] = {
	3600, 4 * 3600, 86400, 7 * 86400, 30 * 86400, 0,
};
const char *const carb_status_window_names[CARB_STATUS_NWINDOWS] = {
	"1h", "4h", "1d", "7d", "30d", "all",
};

static char *dup_col(struct carb_stmt *st, int col)
{
	const char *s = carb_stmt_column_text(st, col);

	return carb_stmt_column_is_null(st, col) ? NULL : carb_xstrdup(s ? s : "");
}

static int instances(struct carb_catalog *cat, struct carb_status_report *r,
		     struct carb_error *err)
{
	struct carb_stmt *st;
	int rc;

	if (carb_stmt_preparef(cat, &st, err,
			"SELECT host, pid, version, started_at, last_heartbeat,"
			" name, config_path, watches, heartbeat_interval,"
			" stopped_at, files_seen, files_archived, files_failed,"
			" last_event_at, last_walk_at FROM service_status"
			" ORDER BY last_heartbeat DESC, host, pid", "") < 0)
		return -1;
	while ((rc = carb_stmt_step(st, err)) == CARB_STEP_ROW) {
		struct carb_status_instance *in;

		r->instances = carb_xrealloc(r->instances,
					     (r->ninstances + 1) * sizeof(*in));
		in = &r->instances[r->ninstances++];
		memset(in, 0, sizeof(*in));
		in->host = dup_col(st, 0);
		in->pid = carb_stmt_column_int64(st, 1);
		in->version = dup_col(st, 2);
		in->started_at = carb_stmt_column_int64(st, 3);
		in->last_heartbeat = carb_stmt_column_int64(st, 4);
		in->name = dup_col(st, 5);
		in->config_path = dup_col(st, 6);
		in->watches = dup_col(st, 7);
		in->interval_us = carb_stmt_column_int64(st, 8);
		in->stopped_at = carb_stmt_column_int64(st, 9);
		in->counters.files_seen = carb_stmt_column_int64(st, 10);
		in->counters.files_archived = carb_stmt_column_int64(st, 11);
		in->counters.files_failed = carb_stmt_column_int64(st, 12);
		in->counters.last_event_at = carb_stmt_column_int64(st, 13);
		in->counters.last_walk_at = carb_stmt_column_int64(st, 14);
		in->newest = true;
		in->stale = in->stopped_at == 0 && in->interval_us > 0 &&
			    r->now - in->last_heartbeat > 2 * in->interval_us;
		/* Rows come newest first: an older row of the same host and
		 * name is a past run. */
		for (size_t i = 0; i + 1 < r->ninstances; i++)
			if (strcmp(r->instances[i].host, in->host) == 0 &&
			    strcmp(r->instances[i].name ? r->instances[i].name : "",
				   in->name ? in->name : "") == 0)
				in->newest = false;
	}
	carb_stmt_finalize(&st);
	return rc < 0 ? -1 : 0;
}

static int counts(struct carb_catalog *cat, struct carb_status_report *r,
		  size_t w, struct carb_error *err)
{
	struct carb_stmt *st;
	int rc;

	if (carb_stmt_preparef(cat, &st, err,
			"SELECT status, COUNT(*) FROM components WHERE updated_at >= ?"
			" GROUP BY status ORDER BY status", "i",
			carb_status_windows[w] ? r->now - carb_status_windows[w] * 1000000
			: INT64_MIN) < 0)
		return -1;
	while ((rc = carb_stmt_step(st, err)) == CARB_STEP_ROW) {
		struct carb_status_count *c;

		r->counts[w] = carb_xrealloc(r->counts[w],
					     (r->ncounts[w] + 1) * sizeof(*c));
		c = &r->counts[w][r->ncounts[w]++];
		c->status = dup_col(st, 0);
		c->count = carb_stmt_column_int64(st, 1);
	}
	carb_stmt_finalize(&st);
	return rc < 0 ? -1 : 0;
}

static int totals(struct carb_catalog *cat, struct carb_status_report *r,
		  struct carb_error *err)
{
	struct carb_stmt *st;
	int rc;

	if (carb_stmt_preparef(cat, &st, err,
			"SELECT watch, COALESCE(archive_destination, ''), COUNT(*),"
			" COALESCE(SUM(size), 0) FROM components WHERE status = 'ARCHIVED'"
			" GROUP BY watch, archive_destination"
			" ORDER BY watch, archive_destination", "") < 0)
		return -1;
	while ((rc = carb_stmt_step(st, err)) == CARB_STEP_ROW) {
		struct carb_status_total *t;

		r->totals = carb_xrealloc(r->totals, (r->ntotals + 1) * sizeof(*t));
		t = &r->totals[r->ntotals++];
		t->watch = dup_col(st, 0);
		t->destination = dup_col(st, 1);
		t->files = carb_stmt_column_int64(st, 2);
		t->bytes = carb_stmt_column_int64(st, 3);
	}
	carb_stmt_finalize(&st);
	return rc < 0 ? -1 : 0;
}

static int reasons(struct carb_catalog *cat, struct carb_status_report *r,
		   struct carb_error *err)
{
	struct carb_stmt *st;
	int rc;

	if (carb_stmt_preparef(cat, &st, err,
			"SELECT COALESCE(reason, ''), COUNT(*) FROM components"
			" WHERE status = 'FAILED' GROUP BY reason"
			" ORDER BY COUNT(*) DESC, COALESCE(reason, '') LIMIT 5", "") < 0)
		return -1;
	while ((rc = carb_stmt_step(st, err)) == CARB_STEP_ROW) {
		struct carb_status_reason *x;

		r->reasons = carb_xrealloc(r->reasons, (r->nreasons + 1) * sizeof(*x));
		x = &r->reasons[r->nreasons++];
		x->reason = dup_col(st, 0);
		x->count = carb_stmt_column_int64(st, 1);
	}
	carb_stmt_finalize(&st);
	return rc < 0 ? -1 : 0;
}

/* One row of int64 columns into out[0..n). */
static int one_row(struct carb_catalog *cat, const char *sql, int64_t *out,
		   int n, struct carb_error *err)
{
	struct carb_stmt *st;
	int rc;

	if (carb_stmt_preparef(cat, &st, err, sql, "") < 0)
		return -1;
	rc = carb_stmt_step(st, err);
	for (int i = 0; rc == CARB_STEP_ROW && i < n; i++)
		out[i] = carb_stmt_column_int64(st, i);
	carb_stmt_finalize(&st);
	return rc < 0 ? -1 : 0;
}

static int waiting(struct carb_catalog *cat, struct carb_status_report *r,
		   struct carb_error *err)
{
	struct carb_stmt *st;
	int rc;

	if (carb_stmt_preparef(cat, &st, err,
			"SELECT id, created_at, group_key FROM files"
			" WHERE status = 'WAITING' ORDER BY created_at, id LIMIT 1",
			"") < 0)
		return -1;
	rc = carb_stmt_step(st, err);
	if (rc == CARB_STEP_ROW) {
		const void *key = carb_stmt_column_blob(st, 2, &r->oldest_waiting_len);

		r->oldest_waiting_id = carb_stmt_column_int64(st, 0);
		r->oldest_waiting_at = carb_stmt_column_int64(st, 1);
		r->oldest_waiting_key = carb_xstrndup(key ? key : "",
						      r->oldest_waiting_len);
	}
	carb_stmt_finalize(&st);
	return rc < 0 ? -1 : 0;
}

int carb_catalog_status(struct carb_catalog *cat, struct carb_status_report *r,
			struct carb_error *err)
{
	int64_t v[2] = { 0, 0 };

	memset(r, 0, sizeof(*r));
	r->now = carb_now_us();
	if (instances(cat, r, err) < 0)
		return -1;
	for (size_t w = 0; w < CARB_STATUS_NWINDOWS; w++)
		if (counts(cat, r, w, err) < 0)
			return -1;
	if (totals(cat, r, err) < 0 || reasons(cat, r, err) < 0 ||
	    waiting(cat, r, err) < 0)
		return -1;
	if (one_row(cat, "SELECT COUNT(*), COALESCE(MIN(next_retry_at), 0)"
		    " FROM components WHERE status = 'RETRY_PENDING'", v, 2, err) < 0)
		return -1;
	r->retry_depth = v[0];
	if (one_row(cat, "SELECT COUNT(*) FROM components WHERE status = 'FAILED'",
		    &r->failed, 1, err) < 0)
		return -1;
	r->next_retry_at = v[1];
	if (one_row(cat, "SELECT COALESCE(SUM(CASE WHEN status = 'PENDING' THEN 1"
		    " ELSE 0 END), 0), COALESCE(SUM(CASE WHEN status = 'READY'"
		    " THEN 1 ELSE 0 END), 0) FROM components"
		    " WHERE status IN ('PENDING', 'READY')", v, 2, err) < 0)
		return -1;
	r->backlog_pending = v[0];
	r->backlog_ready = v[1];
	v[0] = v[1] = 0;
	if (one_row(cat, "SELECT id, deadline_at FROM files WHERE status = 'WAITING'"
		    " AND deadline_at IS NOT NULL ORDER BY deadline_at, id LIMIT 1",
		    v, 2, err) < 0)
		return -1;
	r->next_deadline_id = v[0];
	r->next_deadline_at = v[1];
	return 0;
}

void carb_status_report_release(struct carb_status_report *r)
{
	for (size_t i = 0; i < r->ninstances; i++) {
		struct carb_status_instance *in = &r->instances[i];

		free(in->host);
		free(in->name);
		free(in->version);
		free(in->config_path);
		free(in->watches);
	}
	free(r->instances);
	for (size_t w = 0; w < CARB_STATUS_NWINDOWS; w++)
		carb_status_counts_free(&r->counts[w], r->ncounts[w]);
	for (size_t i = 0; i < r->ntotals; i++) {
		free(r->totals[i].watch);
		free(r->totals[i].destination);
	}
	free(r->totals);
	for (size_t i = 0; i < r->nreasons; i++)
		free(r->reasons[i].reason);
	free(r->reasons);
	free(r->oldest_waiting_key);
	for (size_t i = 0; i < r->nsinks; i++)
		free(r->sinks[i].name);
	free(r->sinks);
	memset(r, 0, sizeof(*r));
}

int carb_catalog_status_sinks(struct carb_catalog *cat,
			      const char *const *names, size_t n,
			      struct carb_status_report *r,
			      struct carb_error *err)
{
	r->sinks = carb_xcalloc(n ? n : 1, sizeof(*r->sinks));
	for (size_t i = 0; i < n; i++) {
		struct carb_status_sink *s = &r->sinks[r->nsinks++];

		s->name = carb_xstrdup(names[i]);
		if (carb_catalog_events_depth(cat, names[i], &s->unsent,
					      &s->oldest_unsent_at, err) < 0)
			return -1;
	}
	return 0;
}
