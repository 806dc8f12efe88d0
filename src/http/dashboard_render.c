/* The dashboard's tables as HTML, from the JSON the API answers, so the
 * page shows them without JavaScript.  The page's script (dashboard.html)
 * renders the same JSON with the same rules when it refreshes: change
 * one, change the other. */
#include <stdio.h>
#include <string.h>

#include "http/dashboard.h"

void carb_http_html_text(struct carb_buf *b, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		switch (ch) {
		case '&': carb_buf_adds(b, "&amp;"); break;
		case '<': carb_buf_adds(b, "&lt;"); break;
		case '>': carb_buf_adds(b, "&gt;"); break;
		case '"': carb_buf_adds(b, "&quot;"); break;
		case '\'': carb_buf_adds(b, "&#39;"); break;
		default:
			/* a newline or escape in a name would otherwise vanish
			 * into the layout */
			if (ch < 0x20 || ch == 0x7f)
				carb_buf_addf(b, "\\x%02x", ch);
			else
				carb_buf_addc(b, (char)ch);
		}
	}
}

void carb_http_html_texts(struct carb_buf *b, const char *s)
{
	carb_http_html_text(b, s, strlen(s));
}

/* ---- cells ---------------------------------------------------------- */

static void add_bytes(struct carb_buf *b, json_int_t n)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)n;
	size_t u = 0;

	if (n < 1024) {
		carb_buf_addf(b, "%lld B", (long long)n);
		return;
	}
	v /= 1024;
	while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024;
		u++;
	}
	carb_buf_addf(b, "%.1f %s", v, units[u]);
}

static bool is_bytes_column(const char *col)
{
	return strcmp(col, "size") == 0 || strcmp(col, "bytes") == 0;
}

/* One value as a cell's text: null "-", booleans yes/no, byte counts
 * with a binary unit, everything else as it is. */
static void add_value(struct carb_buf *b, const char *col, json_t *v)
{
	if (v == NULL || json_is_null(v))
		carb_buf_addc(b, '-');
	else if (json_is_boolean(v))
		carb_buf_adds(b, json_is_true(v) ? "yes" : "no");
	else if (json_is_integer(v) && is_bytes_column(col))
		add_bytes(b, json_integer_value(v));
	else if (json_is_integer(v))
		carb_buf_addf(b, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		carb_buf_addf(b, "%g", json_real_value(v));
	else if (json_is_string(v))
		carb_http_html_text(b, json_string_value(v), json_string_length(v));
	else
		carb_buf_addc(b, '?');
}

/* Statuses are upper-case words: a class each, for colour. */
static void add_status_open(struct carb_buf *b, const char *st)
{
	carb_buf_adds(b, "<td class=\"st st-");
	carb_http_html_texts(b, st);
	carb_buf_adds(b, "\">");
}

static void add_cell(struct carb_buf *b, const char *col, json_t *v)
{
	if (strcmp(col, "status") == 0 && json_is_string(v)) {
		add_status_open(b, json_string_value(v));
	} else {
		carb_buf_adds(b, json_is_number(v) ? "<td class=\"num\">" : "<td>");
	}
	add_value(b, col, v);
	carb_buf_adds(b, "</td>");
}

/* A column's heading: its name, '_' read as a space. */
static void add_heading(struct carb_buf *b, const char *col, size_t len)
{
	carb_buf_adds(b, "<th>");
	for (size_t i = 0; i < len; i++)
		if (col[i] == '_')
			carb_buf_addc(b, ' ');
		else
			carb_http_html_text(b, col + i, 1);
	carb_buf_adds(b, "</th>");
}

static void add_headings(struct carb_buf *b, const char *const *cols)
{
	carb_buf_adds(b, "<table><thead><tr>");
	for (size_t i = 0; cols[i] != NULL; i++)
		add_heading(b, cols[i], strlen(cols[i]));
	carb_buf_adds(b, "</tr></thead><tbody>");
}

static void add_empty(struct carb_buf *b, const char *what)
{
	carb_buf_adds(b, "<p class=\"empty\">");
	carb_buf_adds(b, what);
	carb_buf_adds(b, "</p>");
}

/* ---- rows of /api/files and /api/errors ------------------------------ */

void carb_http_html_rows(struct carb_buf *b, const char *columns, json_t *rows)
{
	const char *p, *comma;
	size_t i;
	json_t *row;

	if (!json_is_array(rows) || json_array_size(rows) == 0) {
		add_empty(b, "none");
		return;
	}
	carb_buf_adds(b, "<table><thead><tr>");
	for (p = columns; p != NULL; p = comma ? comma + 1 : NULL) {
		comma = strchr(p, ',');
		add_heading(b, p, comma ? (size_t)(comma - p) : strlen(p));
	}
	carb_buf_adds(b, "</tr></thead><tbody>");
	json_array_foreach(rows, i, row) {
		carb_buf_adds(b, "<tr>");
		for (p = columns; p != NULL; p = comma ? comma + 1 : NULL) {
			char col[64];

			comma = strchr(p, ',');
			snprintf(col, sizeof(col), "%.*s",
				 (int)(comma ? (size_t)(comma - p) : strlen(p)), p);
			add_cell(b, col, json_object_get(row, col));
		}
		carb_buf_adds(b, "</tr>");
	}
	carb_buf_adds(b, "</tbody></table>");
}

/* ---- the status report ------------------------------------------------ */

void carb_http_html_by_window(struct carb_buf *b, json_t *status)
{
	json_t *windows = json_object_get(status, "components");
	json_t *all = json_object_get(windows, "all");
	const char *st, *w;
	json_t *counts, *total;

	if (!json_is_object(all) || json_object_size(all) == 0) {
		add_empty(b, "no component yet");
		return;
	}
	carb_buf_adds(b, "<table><thead><tr><th>status</th>");
	json_object_foreach(windows, w, counts)
		add_heading(b, w, strlen(w));
	carb_buf_adds(b, "</tr></thead><tbody>");
	json_object_foreach(all, st, total) {
		carb_buf_adds(b, "<tr>");
		add_status_open(b, st);
		carb_http_html_texts(b, st);
		carb_buf_adds(b, "</td>");
		json_object_foreach(windows, w, counts) {
			json_t *n = json_object_get(counts, st);

			carb_buf_addf(b, "<td class=\"num\">%lld</td>",
				      n ? (long long)json_integer_value(n) : 0LL);
		}
		carb_buf_adds(b, "</tr>");
	}
	carb_buf_adds(b, "</tbody></table>");
}

void carb_http_html_watches(struct carb_buf *b, json_t *status)
{
	static const char *const cols[] = {
		"name", "path", "health", "mode", "last_event_at",
		"last_walk_at", NULL,
	};
	json_t *watches = json_object_get(status, "watches"), *w;
	size_t i;

	if (json_array_size(watches) == 0) {
		add_empty(b, "none");
		return;
	}
	add_headings(b, cols);
	json_array_foreach(watches, i, w) {
		bool ok = json_is_true(json_object_get(w, "ok"));

		carb_buf_adds(b, ok ? "<tr>" : "<tr class=\"bad\">");
		add_cell(b, "name", json_object_get(w, "name"));
		add_cell(b, "path", json_object_get(w, "path"));
		carb_buf_adds(b, ok ? "<td class=\"ok\">ok</td>"
			      : "<td class=\"bad\">missing or unreadable</td>");
		add_cell(b, "mode", json_object_get(w, "mode"));
		add_cell(b, "last_event_at", json_object_get(w, "last_event_at"));
		add_cell(b, "last_walk_at", json_object_get(w, "last_walk_at"));
		carb_buf_adds(b, "</tr>");
	}
	carb_buf_adds(b, "</tbody></table>");
}

void carb_http_html_destinations(struct carb_buf *b, json_t *status)
{
	json_t *totals = json_object_get(status, "archived");

	if (json_array_size(totals) == 0) {
		add_empty(b, "nothing archived yet");
		return;
	}
	carb_http_html_rows(b, "watch,destination,files,bytes", totals);
}

void carb_http_html_instances(struct carb_buf *b, json_t *status)
{
	static const char *const cols[] = {
		"name", "host", "pid", "version", "started_at", "last_heartbeat",
		"state", "files_seen", "files_archived", "files_failed", NULL,
	};
	json_t *list = json_object_get(status, "instances"), *in;
	size_t i;

	if (json_array_size(list) == 0) {
		add_empty(b, "none has run against this catalog");
		return;
	}
	add_headings(b, cols);
	json_array_foreach(list, i, in) {
		bool stopped = json_is_true(json_object_get(in, "stopped"));
		bool stale = json_is_true(json_object_get(in, "stale"));

		carb_buf_adds(b, stale ? "<tr class=\"bad\">" : "<tr>");
		for (size_t k = 0; cols[k] != NULL; k++) {
			if (strcmp(cols[k], "state") == 0)
				carb_buf_adds(b, stopped ? "<td>stopped</td>"
					      : stale ? "<td class=\"bad\">heartbeat stale</td>"
					      : "<td class=\"ok\">running</td>");
			else
				add_cell(b, cols[k], json_object_get(in, cols[k]));
		}
		carb_buf_adds(b, "</tr>");
	}
	carb_buf_adds(b, "</tbody></table>");
}

void carb_http_html_summary(struct carb_buf *b, json_t *status)
{
	json_t *backlog = json_object_get(status, "backlog");
	json_t *oldest = json_object_get(status, "oldest_waiting");
	json_t *reasons = json_object_get(status, "failed_reasons"), *r;
	size_t i;

	if (!json_is_object(status)) {
		add_empty(b, "no report");
		return;
	}
	carb_buf_adds(b, "<ul class=\"summary\"><li>catalog report: ");
	carb_buf_adds(b, json_is_true(json_object_get(status, "healthy"))
		      ? "<span class=\"ok\">healthy</span>"
		      : "<span class=\"bad\">degraded</span>");
	carb_buf_adds(b, "</li><li>retry queue: ");
	add_value(b, "", json_object_get(status, "retry_queue"));
	carb_buf_adds(b, ", next due ");
	add_value(b, "", json_object_get(status, "next_retry_at"));
	carb_buf_adds(b, "</li><li>backlog: ");
	add_value(b, "", json_object_get(backlog, "PENDING"));
	carb_buf_adds(b, " pending, ");
	add_value(b, "", json_object_get(backlog, "READY"));
	carb_buf_adds(b, " ready</li><li>oldest waiting group: ");
	if (json_is_object(oldest)) {
		add_value(b, "", json_object_get(oldest, "group_key"));
		carb_buf_adds(b, " (id ");
		add_value(b, "", json_object_get(oldest, "id"));
		carb_buf_adds(b, ") since ");
		add_value(b, "", json_object_get(oldest, "created_at"));
	} else {
		carb_buf_adds(b, "none");
	}
	carb_buf_adds(b, "</li><li>failed: ");
	add_value(b, "", json_object_get(status, "failed"));
	if (json_array_size(reasons) > 0) {
		carb_buf_adds(b, "<ul>");
		json_array_foreach(reasons, i, r) {
			carb_buf_adds(b, "<li>");
			add_value(b, "", json_object_get(r, "count"));
			carb_buf_adds(b, " &times; ");
			add_value(b, "", json_object_get(r, "reason"));
			carb_buf_adds(b, "</li>");
		}
		carb_buf_adds(b, "</ul>");
	}
	carb_buf_adds(b, "</li></ul>");
}

void carb_http_html_health(struct carb_buf *b, json_t *health)
{
	json_t *reason = json_object_get(health, "reason");

	if (json_is_string(reason)) {
		carb_buf_adds(b, "<span class=\"bad\">unhealthy</span>: ");
		add_value(b, "", reason);
		return;
	}
	carb_buf_adds(b, "<span class=\"ok\">ok</span>: the service turns, the"
		      " catalog answers, ");
	add_value(b, "", json_object_get(health, "watches"));
	carb_buf_adds(b, " watches set up");
}
