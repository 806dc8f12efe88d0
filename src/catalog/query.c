/* Statements prepared and bound in one call, so that the SQL of a caller
 * reads as one line and every value still travels as a parameter. */
#include <stdarg.h>

#include <stdlib.h>

#include "catalog/catalog.h"

static int bind_args(struct carb_stmt *st, const char *spec, va_list ap,
		     struct carb_error *err)
{
	int idx = 1, rc = 0;

	for (const char *p = spec; *p != '\0' && rc == 0; p++, idx++) {
		switch (*p) {
		case 'i':
			rc = carb_stmt_bind_int64(st, idx, va_arg(ap, int64_t),
						  err);
			break;
		case 't':
			rc = carb_stmt_bind_text(st, idx,
						 va_arg(ap, const char *), err);
			break;
		case 'b': {
			const void *data = va_arg(ap, const void *);
			size_t len = va_arg(ap, size_t);

			rc = data != NULL
				? carb_stmt_bind_blob(st, idx, data, len, err)
				: carb_stmt_bind_null(st, idx, err);
			break;
		}
		case 'n':
			rc = carb_stmt_bind_null(st, idx, err);
			break;
		default:
			rc = carb_error_set(err, "bad bind letter '%c'", *p);
		}
	}
	return rc;
}

static int preparev(struct carb_catalog *cat, struct carb_stmt **out,
		    struct carb_error *err, const char *sql, const char *spec,
		    va_list ap)
{
	if (carb_stmt_prepare(cat, sql, out, err) < 0)
		return -1;
	if (bind_args(*out, spec, ap, err) < 0) {
		carb_stmt_finalize(out);
		return -1;
	}
	return 0;
}

int carb_stmt_preparef(struct carb_catalog *cat, struct carb_stmt **out,
		       struct carb_error *err, const char *sql,
		       const char *spec, ...)
{
	va_list ap;
	int rc;

	va_start(ap, spec);
	rc = preparev(cat, out, err, sql, spec, ap);
	va_end(ap);
	return rc;
}

int carb_catalog_execf(struct carb_catalog *cat, int64_t *changes,
		       struct carb_error *err, const char *sql,
		       const char *spec, ...)
{
	struct carb_stmt *st;
	va_list ap;
	int rc;

	va_start(ap, spec);
	rc = preparev(cat, &st, err, sql, spec, ap);
	va_end(ap);
	if (rc < 0)
		return -1;
	while ((rc = carb_stmt_step(st, err)) == CARB_STEP_ROW)
		;
	if (rc == 0 && changes != NULL)
		*changes = carb_stmt_changes(st);
	carb_stmt_finalize(&st);
	return rc < 0 ? -1 : 0;
}

/* SQLite learns the id from the connection: its RETURNING fills a
 * temporary table for every row, which costs an insert about 40 %. */
int carb_catalog_insertf(struct carb_catalog *cat, int64_t *id,
			 struct carb_error *err, const char *sql,
			 const char *spec, ...)
{
	bool returning = carb_catalog_needs_returning(cat);
	char *text = returning ? carb_xasprintf("%s RETURNING id", sql) : NULL;
	struct carb_stmt *st;
	va_list ap;
	int rc;

	va_start(ap, spec);
	rc = preparev(cat, &st, err, returning ? text : sql, spec, ap);
	va_end(ap);
	free(text);
	if (rc < 0)
		return -1;
	rc = carb_stmt_step(st, err);
	if (rc == CARB_STEP_ROW)
		*id = carb_stmt_column_int64(st, 0);
	else if (rc == CARB_STEP_DONE &&
		 (returning || carb_stmt_changes(st) != 1))
		rc = carb_error_set(err, "INSERT wrote no row");
	else if (rc == CARB_STEP_DONE)
		*id = carb_stmt_insert_id(st);
	while (rc == CARB_STEP_ROW)
		rc = carb_stmt_step(st, err);
	carb_stmt_finalize(&st);
	return rc < 0 ? -1 : 0;
}

int carb_stmt_ids(struct carb_stmt *st, size_t max, int64_t **ids, size_t *n,
		  struct carb_error *err)
{
	int rc = 0;

	*ids = NULL;
	*n = 0;
	while (*n < max && (rc = carb_stmt_step(st, err)) == CARB_STEP_ROW) {
		*ids = carb_xrealloc(*ids, (*n + 1) * sizeof(**ids));
		(*ids)[(*n)++] = carb_stmt_column_int64(st, 0);
	}
	carb_stmt_finalize(&st);
	if (rc < 0) {
		free(*ids);
		*ids = NULL;
		*n = 0;
		return -1;
	}
	return 0;
}
