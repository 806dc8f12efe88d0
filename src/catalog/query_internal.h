/* Shared between query_columns.c and query_build.c (and poll.c); nothing
 * outside src/catalog/ includes it. */
#ifndef CARB_CATALOG_QUERY_INTERNAL_H
#define CARB_CATALOG_QUERY_INTERNAL_H

#include "catalog/catalog.h"

/* A core column: its name, type and doc, and the SQL that reads it
 * (NULL: the table's column of that name). */
struct carb_qcore {
	const char *name;
	enum carb_qtype type;
	const char *doc;
	const char *expr;
	bool filterable;
};

const struct carb_qcore *carb_query_core_columns(enum carb_qtable t, size_t *n);
enum carb_qtype carb_qtype_of_plugin(enum carb_plugin_type t);
/* 0, or -1 when text is not wholly a number. */
int carb_query_parse_int(const char *text, int64_t *v);
int carb_query_parse_real(const char *text, double *v);

#endif
