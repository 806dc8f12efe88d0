/* report: the catalog's answers as people and programs read them, shared
 * by every face (the CLI's query, poll and status, the HTTP API): the
 * row formats of query and poll (query_output.c) and the status report
 * as text or JSON (status_format.c).  The only door into src/report/.
 * Nothing here opens a catalog or prints: callers hand in rows or a
 * report and a stream or buffer. */
#ifndef CARB_REPORT_H
#define CARB_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "catalog/catalog.h"
#include "config/config.h"
#include "util/util.h"

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
/* A name (bytes) as a JSON library's string, showing it as `query
 * --format json` does: a new reference; JSON null for s NULL. */
struct json_t;
struct json_t *carb_report_json_name(const char *s, size_t len);
/* Runs q and writes its rows as fmt into *text (allocated, *len bytes,
 * NUL-terminated; the caller frees it): the bytes `query` prints. */
int carb_report_rows(struct carb_catalog *cat, const struct carb_query *q,
		     enum carb_out_format fmt, char **text, size_t *len,
		     struct carb_error *err);


/* ---- status_format.c: `carbonation status` ------------------------------ */

/* Appends report r as text (what `status` prints) or as JSON (`status
 * --format json` and GET /api/status; docs/reporting.md lists the keys).
 * cfg gives the watches whose folders are looked at.  Returns 1 when the
 * report is degraded (an instance stopped or stale, a watch folder
 * missing or unreadable), else 0. */
int carb_report_status_text(const struct carb_status_report *r,
			    const struct carb_config *cfg, struct carb_buf *out);
int carb_report_status_json(const struct carb_status_report *r,
			    const struct carb_config *cfg, struct carb_buf *out);

#endif
