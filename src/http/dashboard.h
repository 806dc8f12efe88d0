/* Private to the dashboard (dashboard.c, dashboard_render.c): the page's
 * template and the HTML its tables are rendered to on the server, for a
 * browser without JavaScript and for the first paint.  The page's script
 * renders the same JSON the same way when it refreshes. */
#ifndef CARB_HTTP_DASHBOARD_H
#define CARB_HTTP_DASHBOARD_H

#include "http/http_internal.h"

/* src/http/dashboard.html's bytes and a NUL; generated at build time
 * into dashboard_html.c (Makefile.am). */
extern const unsigned char carb_http_dashboard_html[];
extern const size_t carb_http_dashboard_html_len;

/* Appends s[0..len) as HTML text or attribute value: & < > " ' as
 * entities, control characters as the visible text \xNN (a name may hold
 * any byte; the JSON it came from has already made invalid UTF-8 into
 * characters). */
void carb_http_html_text(struct carb_buf *b, const char *s, size_t len);
void carb_http_html_texts(struct carb_buf *b, const char *s);

/* The tables of the status report (what /api/status answers, parsed):
 * components by status per window, the watches and their health, the
 * archived totals per destination, the service instances, and a summary
 * line (retry queue, failures, backlog).  status may be NULL, then an
 * empty state is shown. */
void carb_http_html_by_window(struct carb_buf *b, json_t *status);
void carb_http_html_watches(struct carb_buf *b, json_t *status);
void carb_http_html_destinations(struct carb_buf *b, json_t *status);
void carb_http_html_instances(struct carb_buf *b, json_t *status);
void carb_http_html_summary(struct carb_buf *b, json_t *status);
/* /health's answer, one line. */
void carb_http_html_health(struct carb_buf *b, json_t *health);
/* Rows as /api/files and /api/errors answer them (an array of objects),
 * the comma-separated columns in that order. */
void carb_http_html_rows(struct carb_buf *b, const char *columns,
			 json_t *rows);

#endif
