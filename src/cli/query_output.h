/* The output formats of `query` and `poll` (query_output.c). */
#ifndef CARB_CLI_QUERY_OUTPUT_H
#define CARB_CLI_QUERY_OUTPUT_H

#include <stdio.h>

#include "catalog/catalog.h"

enum carb_out_format {
	CARB_OUT_TABLE,
	CARB_OUT_JSON,
	CARB_OUT_JSONL,
	CARB_OUT_CSV,
	CARB_OUT_TSV,
};

/* The names, in the enum's order, NULL-terminated. */
extern const char *const carb_out_formats[];
int carb_out_format_parse(const char *name, enum carb_out_format *f);

/* A writer of q's selected columns to fp; free with carb_out_free.
 * Each function returns 0, or -1 when writing failed (errno set).  Rows
 * are held and written in batches: all of them are written by
 * carb_out_end (then fflush fp), and what is held when a query fails
 * half-way by carb_out_free. */
struct carb_out;
struct carb_out *carb_out_new(enum carb_out_format fmt, FILE *fp,
			      const struct carb_query *q);
int carb_out_begin(struct carb_out *o);
int carb_out_row(struct carb_out *o, struct carb_qrows *r);
int carb_out_end(struct carb_out *o);
void carb_out_free(struct carb_out **o);

#endif
