/* Components as a whole: per-status counts and where a file got to. */
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"

static struct carb_status_count *find(struct carb_status_count *c, size_t n,
				      const char *status)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(c[i].status, status) == 0)
			return &c[i];
	return NULL;
}

int carb_catalog_count_components(struct carb_catalog *cat,
				  struct carb_status_count **out, size_t *n,
				  struct carb_error *err)
{
	struct carb_status_count *c = NULL;
	struct carb_stmt *q;
	size_t count = 0;
	int r;

	*out = NULL;
	*n = 0;
	if (carb_stmt_prepare(cat, "SELECT status, COUNT(*) FROM components"
			      " GROUP BY status", &q, err) < 0)
		return -1;
	for (; count < CARB_STATUS_COMPONENT_COUNT; count++) {
		c = carb_xrealloc(c, (count + 1) * sizeof(*c));
		c[count].status = carb_xstrdup(
			carb_status_name((enum carb_status)count));
		c[count].count = 0;
	}
	while ((r = carb_stmt_step(q, err)) == CARB_STEP_ROW) {
		const char *status = carb_stmt_column_text(q, 0);
		struct carb_status_count *slot;

		if (status == NULL)
			status = "";
		slot = find(c, count, status);
		if (slot == NULL) {
			c = carb_xrealloc(c, (count + 1) * sizeof(*c));
			slot = &c[count++];
			slot->status = carb_xstrdup(status);
			slot->count = 0;
		}
		slot->count += carb_stmt_column_int64(q, 1);
	}
	carb_stmt_finalize(&q);
	if (r < 0) {
		carb_status_counts_free(&c, count);
		return -1;
	}
	*out = c;
	*n = count;
	return 0;
}

void carb_status_counts_free(struct carb_status_count **counts, size_t n)
{
	if (counts == NULL || *counts == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free((*counts)[i].status);
	free(*counts);
	*counts = NULL;
}

static char *blob_dup(struct carb_stmt *q, int col, size_t *len)
{
	const void *b = carb_stmt_column_blob(q, col, len);

	if (b == NULL)
		return NULL;
	return carb_xstrndup(b, *len);
}

static char *text_dup(struct carb_stmt *q, int col)
{
	const char *t = carb_stmt_column_text(q, col);

	return t != NULL ? carb_xstrdup(t) : NULL;
}

/* The row id and group of the newest generation of rel; *id 0: none. */
static int newest(struct carb_catalog *cat, const char *watch,
		  const char *rel, size_t rel_len, int64_t *id, int64_t *gid,
		  struct carb_error *err)
{
	struct carb_stmt *q;
	int r;

	*id = *gid = 0;
	if (carb_stmt_prepare(cat, "SELECT id, file_id FROM components"
			      " WHERE watch = ? AND rel_path = ?"
			      " ORDER BY generation DESC", &q, err) < 0)
		return -1;
	if (carb_stmt_bind_text(q, 1, watch, err) < 0 ||
	    carb_stmt_bind_blob(q, 2, rel, rel_len, err) < 0) {
		carb_stmt_finalize(&q);
		return -1;
	}
	r = carb_stmt_step(q, err);
	if (r == CARB_STEP_ROW) {
		*id = carb_stmt_column_int64(q, 0);
		*gid = carb_stmt_column_int64(q, 1);
	}
	carb_stmt_finalize(&q);
	return r < 0 ? -1 : 0;
}

int carb_component_outcomes(struct carb_catalog *cat, const char *watch,
			    const char *rel, size_t rel_len,
			    struct carb_component_outcome **out, size_t *n,
			    struct carb_error *err)
{
	struct carb_component_outcome *o = NULL;
	struct carb_stmt *q;
	int64_t id, gid;
	size_t count = 0;
	int r;

	*out = NULL;
	*n = 0;
	if (newest(cat, watch, rel, rel_len, &id, &gid, err) < 0)
		return -1;
	if (id == 0)
		return 0;
	/* the file first, then its group's other members by name */
	if (carb_stmt_prepare(cat, "SELECT rel_path, status, reason, archive_path"
			      " FROM components WHERE id = ? OR (file_id = ? AND"
			      " file_id <> 0) ORDER BY CASE WHEN id = ? THEN 0"
			      " ELSE 1 END, rel_path", &q, err) < 0)
		return -1;
	if (carb_stmt_bind_int64(q, 1, id, err) < 0 ||
	    carb_stmt_bind_int64(q, 2, gid, err) < 0 ||
	    carb_stmt_bind_int64(q, 3, id, err) < 0) {
		carb_stmt_finalize(&q);
		return -1;
	}
	while ((r = carb_stmt_step(q, err)) == CARB_STEP_ROW) {
		struct carb_component_outcome *c;
		const char *status = carb_stmt_column_text(q, 1);
		enum carb_status s;

		if (carb_status_column(status, "a component", &s, err) < 0) {
			r = -1;
			break;
		}
		o = carb_xrealloc(o, (count + 1) * sizeof(*o));
		c = &o[count++];
		c->rel_path = blob_dup(q, 0, &c->rel_len);
		c->status = s;
		c->reason = text_dup(q, 2);
		c->archive_path = blob_dup(q, 3, &c->archive_len);
	}
	carb_stmt_finalize(&q);
	if (r < 0) {
		carb_component_outcomes_free(&o, count);
		return -1;
	}
	*out = o;
	*n = count;
	return 0;
}

void carb_component_outcomes_free(struct carb_component_outcome **out,
				  size_t n)
{
	if (out == NULL || *out == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		free((*out)[i].rel_path);
		free((*out)[i].reason);
		free((*out)[i].archive_path);
	}
	free(*out);
	*out = NULL;
}
