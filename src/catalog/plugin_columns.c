/* The plugin's share of the files table: its columns, written and read
 * back, and the marks that contain a plugin crashing the process.
 * Column names come only from the plugin's declared list, which the
 * loader checked to be [a-z][a-z0-9_]*; values are always bound. */
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"

int carb_group_plugin_mark(struct carb_catalog *cat, int64_t id,
			   const char *call, struct carb_error *err)
{
	return carb_catalog_execf(cat, NULL, err,
			"UPDATE files SET plugin_call = ?, updated_at = ?"
			" WHERE id = ?", "tii", call, carb_now_us(), id);
}

int carb_group_plugin_crashed(struct carb_catalog *cat, int64_t id,
			      int64_t crashes, struct carb_error *err)
{
	return carb_catalog_execf(cat, NULL, err,
			"UPDATE files SET plugin_call = NULL, plugin_crashes = ?,"
			" updated_at = ? WHERE id = ?", "iii", crashes,
			carb_now_us(), id);
}

static int bind_value(struct carb_stmt *st, int idx,
		      const struct carb_plugin_value *v, struct carb_error *err)
{
	if (v == NULL || v->is_null)
		return carb_stmt_bind_null(st, idx, err);
	switch (v->type) {
	case CARB_PLUGIN_TEXT:
		return carb_stmt_bind_text(st, idx, v->text, err);
	case CARB_PLUGIN_REAL:
		return carb_stmt_bind_double(st, idx, v->real, err);
	case CARB_PLUGIN_BOOLEAN:
		return carb_stmt_bind_int64(st, idx, v->integer != 0, err);
	default:
		return carb_stmt_bind_int64(st, idx, v->integer, err);
	}
}

int carb_group_plugin_store(struct carb_catalog *cat, int64_t id,
			    const struct carb_column_value *cols, size_t n,
			    struct carb_error *err)
{
	struct carb_buf sql;
	struct carb_stmt *st = NULL;
	int idx = 1, rc;

	carb_buf_init(&sql);
	carb_buf_adds(&sql, "UPDATE files SET ");
	for (size_t i = 0; i < n; i++) {
		carb_buf_adds(&sql, cols[i].name);
		carb_buf_adds(&sql, " = ?, ");
	}
	carb_buf_adds(&sql, "plugin_call = NULL, updated_at = ? WHERE id = ?");
	rc = carb_stmt_prepare(cat, sql.data, &st, err);
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = bind_value(st, idx++, cols[i].value, err);
	if (rc == 0)
		rc = carb_stmt_bind_int64(st, idx++, carb_now_us(), err);
	if (rc == 0)
		rc = carb_stmt_bind_int64(st, idx, id, err);
	if (rc == 0)
		rc = carb_stmt_step(st, err) < 0 ? -1 : 0;
	carb_stmt_finalize(&st);
	carb_buf_release(&sql);
	return rc;
}

static void read_value(struct carb_stmt *st, int col, enum carb_plugin_type t,
		       struct carb_plugin_value *v)
{
	const char *s;

	memset(v, 0, sizeof(*v));
	v->type = t;
	v->is_null = carb_stmt_column_is_null(st, col);
	if (v->is_null)
		return;
	switch (t) {
	case CARB_PLUGIN_TEXT:
		s = carb_stmt_column_text(st, col);
		v->text = carb_xstrdup(s ? s : "");
		v->text_len = strlen(v->text);
		break;
	case CARB_PLUGIN_REAL:
		v->real = carb_stmt_column_double(st, col);
		break;
	default:
		v->integer = carb_stmt_column_int64(st, col);
		break;
	}
}

int carb_group_plugin_load(struct carb_catalog *cat, int64_t id,
			   const struct carb_plugin_column *cols, size_t n,
			   struct carb_plugin_value *out,
			   struct carb_error *err)
{
	struct carb_buf sql;
	struct carb_stmt *st = NULL;
	int rc;

	if (n == 0)
		return 0;
	carb_buf_init(&sql);
	carb_buf_adds(&sql, "SELECT ");
	for (size_t i = 0; i < n; i++) {
		carb_buf_adds(&sql, i ? ", " : "");
		/* PostgreSQL returns a boolean as "t"/"f": read 1/0 instead */
		if (cols[i].type == CARB_PLUGIN_BOOLEAN) {
			char *e = carb_xasprintf("CASE WHEN %s THEN 1 WHEN NOT %s THEN 0 END",
						 cols[i].name, cols[i].name);

			carb_buf_adds(&sql, e);
			free(e);
		} else {
			carb_buf_adds(&sql, cols[i].name);
		}
	}
	carb_buf_adds(&sql, " FROM files WHERE id = ?");
	rc = carb_stmt_preparef(cat, &st, err, sql.data, "i", id);
	if (rc == 0)
		rc = carb_stmt_step(st, err);
	for (size_t i = 0; rc == CARB_STEP_ROW && i < n; i++)
		read_value(st, (int)i, cols[i].type, &out[i]);
	carb_stmt_finalize(&st);
	carb_buf_release(&sql);
	return rc < 0 ? -1 : 0;
}

int carb_groups_plugin_marked(struct carb_catalog *cat,
			      struct carb_plugin_mark **out, size_t *n,
			      struct carb_error *err)
{
	struct carb_stmt *st;
	int rc;

	*out = NULL;
	*n = 0;
	if (carb_stmt_preparef(cat, &st, err,
			"SELECT id, plugin_call, plugin_crashes FROM files"
			" WHERE plugin_call IS NOT NULL ORDER BY id", "") < 0)
		return -1;
	while ((rc = carb_stmt_step(st, err)) == CARB_STEP_ROW) {
		struct carb_plugin_mark *m;

		*out = carb_xrealloc(*out, (*n + 1) * sizeof(**out));
		m = &(*out)[(*n)++];
		m->id = carb_stmt_column_int64(st, 0);
		m->call = carb_xstrdup(carb_stmt_column_text(st, 1));
		m->crashes = carb_stmt_column_int64(st, 2);
	}
	carb_stmt_finalize(&st);
	return rc < 0 ? -1 : 0;
}

void carb_plugin_marks_free(struct carb_plugin_mark **marks, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free((*marks)[i].call);
	free(*marks);
	*marks = NULL;
}
