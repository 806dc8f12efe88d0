/* GET /api/files and /api/components: the rows `carbonation query files`
 * and `query components` print, from the same query layer and the same
 * formats (src/report/), with the CLI's filters as URL parameters
 * (?status=FAILED&status=RETRY_PENDING&created_at-after=7d), paged by
 * a cursor.  docs/http.md describes the parameters. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_internal.h"
#include "report/report.h"

#define DEFAULT_LIMIT 100
#define MAX_LIMIT 10000

/* What the URL asks for besides filters. */
struct rows_args {
	const char *columns, *order_by, *span, *format, *cursor;
	const char *limit, *offset;
	bool count;
	bool own_id_bound;        /* the caller filters on id itself */
	struct carb_query *q;
	struct carb_error err;
	int failed;               /* a parameter was refused */
};

static bool is_flag_value(const char *v)
{
	return v == NULL || *v == '\0' || strcmp(v, "true") == 0 ||
		strcmp(v, "1") == 0;
}

static enum MHD_Result one_arg(void *cls, enum MHD_ValueKind kind,
			       const char *key, const char *value)
{
	struct rows_args *a = cls;
	static const struct { const char *name; size_t off; } fixed[] = {
#define F(n, f) { n, offsetof(struct rows_args, f) }
		F("columns", columns), F("order-by", order_by), F("span", span),
		F("format", format), F("cursor", cursor), F("limit", limit),
		F("offset", offset),
#undef F
	};

	(void)kind;
	if (a->failed)
		return MHD_NO;
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (strcmp(key, fixed[i].name) == 0) {
			*(const char **)((char *)a + fixed[i].off) = value ? value : "";
			return MHD_YES;
		}
	if (strcmp(key, "count") == 0) {
		a->count = is_flag_value(value);
		return MHD_YES;
	}
	if (strcmp(key, "id-min") == 0 || strcmp(key, "id-max") == 0)
		a->own_id_bound = true;
	if (carb_query_filter_arity(a->q, key) == 0 && !is_flag_value(value)) {
		carb_error_set(&a->err, "%s is a flag: give it no value, or"
			       " \"true\"", key);
		a->failed = 1;
	} else if (carb_query_filter(a->q, key,
				     carb_query_filter_arity(a->q, key) == 0
				     ? NULL : (value ? value : ""), &a->err) < 0) {
		a->failed = 1;
	}
	return a->failed ? MHD_NO : MHD_YES;
}

static int parse_int(const char *name, const char *text, int64_t lo,
		     int64_t hi, int64_t *out, struct carb_error *err)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || v < lo || v > hi)
		return carb_error_set(err, "%s: \"%s\" is not an integer from"
				      " %lld to %lld", name, text,
				      (long long)lo, (long long)hi);
	*out = v;
	return 0;
}

/* The page: limit, and where it starts.  A cursor "k<ID>" continues
 * after row ID of an order by id (stable while rows arrive); "o<N>"
 * after N rows of any other order. */
struct page {
	int64_t limit, offset;
	int keyset;               /* 0; 1 ascending id; -1 descending id */
};

static int page_of(struct rows_args *a, const char *order, struct page *p)
{
	int64_t after = 0;

	p->limit = DEFAULT_LIMIT;
	p->offset = 0;
	p->keyset = 0;
	if (a->limit && parse_int("limit", a->limit, 1, MAX_LIMIT, &p->limit,
				  &a->err) < 0)
		return -1;
	if (a->offset && parse_int("offset", a->offset, 0, INT64_MAX / 2,
				   &p->offset, &a->err) < 0)
		return -1;
	if (!a->own_id_bound && (strcmp(order, "-id") == 0 ||
				 strcmp(order, "id") == 0))
		p->keyset = order[0] == '-' ? -1 : 1;
	if (a->cursor == NULL)
		return 0;
	if ((a->cursor[0] != 'k' && a->cursor[0] != 'o') ||
	    parse_int("cursor", a->cursor + 1, 0, INT64_MAX / 2, &after,
		      &a->err) < 0 || (a->cursor[0] == 'k') != (p->keyset != 0))
		return carb_error_set(&a->err, "cursor: \"%s\" is not a cursor"
				      " this query returned", a->cursor);
	if (p->keyset == 0) {
		p->offset = after;
		return 0;
	}
	char bound[32];

	snprintf(bound, sizeof(bound), "%lld",
		 (long long)(p->keyset > 0 ? after + 1 : after - 1));
	return carb_query_filter(a->q, p->keyset > 0 ? "id-min" : "id-max",
				 bound, &a->err);
}

/* Applies the URL to q: filters, columns, order, span and page. */
static int shape(struct MHD_Connection *c, const struct carb_http_rows_spec *spec,
		 struct rows_args *a, struct page *p)
{
	const char *order;

	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, one_arg, a);
	if (a->failed)
		return -1;
	order = a->order_by ? a->order_by : spec->order ? spec->order : "-id";
	if (carb_query_select(a->q, a->columns ? a->columns : spec->columns,
			      &a->err) < 0 ||
	    carb_query_order_by(a->q, order, &a->err) < 0)
		return -1;
	if (a->span != NULL) {
		const char *comma = strchr(a->span, ',');
		char *start = comma ? carb_xstrndup(a->span,
						    (size_t)(comma - a->span)) : NULL;
		int rc = comma == NULL
			? carb_error_set(&a->err, "span: \"%s\" is not START,END",
					 a->span)
			: carb_query_set_span(a->q, start, comma + 1, &a->err);

		free(start);
		if (rc < 0)
			return -1;
	}
	if (page_of(a, order, p) < 0)
		return -1;
	carb_query_limit(a->q, p->limit + 1, p->offset);
	return 0;
}

/* The selected column "id", or -1. */
static int id_column(const struct carb_query *q)
{
	for (size_t i = 0; i < carb_query_nselected(q); i++)
		if (strcmp(carb_query_selected(q, i)->name, "id") == 0)
			return (int)i;
	return -1;
}

struct page_out {
	char *text;
	size_t len;
	char next[32];            /* the next page's cursor, or "" */
};

/* Writes up to p->limit rows; the one past them only says there is a
 * next page. */
static int write_rows(struct carb_qrows *rows, const struct carb_query *q,
		      enum carb_out_format fmt, const struct page *p,
		      struct page_out *po, struct carb_error *err)
{
	FILE *fp = open_memstream(&po->text, &po->len);
	struct carb_out *out = carb_out_new(fmt, fp, q);
	int idc = id_column(q), rc = CARB_STEP_DONE, wrc = carb_out_begin(out);
	int64_t n = 0, last_id = 0;
	struct carb_qvalue v;

	while (wrc == 0 && (rc = carb_qrows_next(rows, err)) == CARB_STEP_ROW) {
		if (n == p->limit) {
			if (p->keyset && idc >= 0)
				snprintf(po->next, sizeof(po->next), "k%lld",
					 (long long)last_id);
			else
				snprintf(po->next, sizeof(po->next), "o%lld",
					 (long long)(p->offset + n));
			break;
		}
		if (idc >= 0) {
			carb_qrows_value(rows, (size_t)idc, &v);
			last_id = v.integer;
		}
		wrc = carb_out_row(out, rows);
		n++;
	}
	if (wrc == 0 && rc >= 0)
		wrc = carb_out_end(out);
	carb_out_free(&out);
	fclose(fp);
	if (wrc < 0)
		return carb_error_set(err, "writing the rows: %m");
	return rc < 0 ? -1 : 0;
}

static const char *content_type(enum carb_out_format f)
{
	switch (f) {
	case CARB_OUT_JSON: return "application/json";
	case CARB_OUT_JSONL: return "application/x-ndjson";
	case CARB_OUT_CSV: return "text/csv; charset=utf-8";
	case CARB_OUT_TSV: return "text/tab-separated-values; charset=utf-8";
	default: return "text/plain; charset=utf-8";
	}
}

/* JSON: {"rows": [the CLI's array], "next_cursor": "..." or null}; the
 * other formats are the CLI's bytes, the cursor in X-Next-Cursor. */
static enum MHD_Result send_page(struct MHD_Connection *c,
				 enum carb_out_format fmt, struct page_out *po)
{
	struct MHD_Response *res;

	if (fmt == CARB_OUT_JSON) {
		char *body;

		while (po->len > 0 && po->text[po->len - 1] == '\n')
			po->len--;
		body = carb_xasprintf("{\"rows\":%.*s,\"next_cursor\":%s%s%s}\n",
				      (int)po->len, po->text, po->next[0] ? "\"" : "",
				      po->next[0] ? po->next : "null",
				      po->next[0] ? "\"" : "");
		free(po->text);
		return carb_http_send(c, MHD_HTTP_OK, "application/json", body,
				      strlen(body));
	}
	res = carb_http_response(MHD_HTTP_OK, content_type(fmt), po->text,
				 po->len);
	if (res != NULL && po->next[0])
		MHD_add_response_header(res, "X-Next-Cursor", po->next);
	return carb_http_queue(c, MHD_HTTP_OK, res);
}

static enum MHD_Result run_rows(struct carb_http *h, struct MHD_Connection *c,
				struct rows_args *a, const struct page *p)
{
	enum carb_out_format fmt = CARB_OUT_JSON;
	struct carb_catalog *cat;
	struct carb_qrows *rows = NULL;
	struct page_out po = { 0 };
	int64_t n;
	int rc;

	if (a->format && carb_out_format_parse(a->format, &fmt) < 0)
		return carb_http_send_error(c, MHD_HTTP_BAD_REQUEST, "format: \"%s\""
					    " is not one of table, json, jsonl,"
					    " csv, tsv", a->format);
	cat = carb_http_catalog(h, &a->err);
	if (cat == NULL)
		return carb_http_send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE,
					    "catalog: %s", a->err.msg);
	if (a->count) {
		carb_query_limit(a->q, -1, 0);
		rc = carb_query_count(cat, a->q, &n, &a->err);
		carb_http_catalog_done(h, cat, rc < 0);
		if (rc < 0)
			return carb_http_send_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
						    "%s", a->err.msg);
		return carb_http_send_json(c, MHD_HTTP_OK,
					   json_pack("{s:I}", "count", (json_int_t)n));
	}
	rc = carb_query_run(cat, a->q, &rows, &a->err);
	if (rc == 0)
		rc = write_rows(rows, a->q, fmt, p, &po, &a->err);
	carb_qrows_free(&rows);
	carb_http_catalog_done(h, cat, rc < 0);
	if (rc < 0) {
		free(po.text);
		return carb_http_send_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
					    "%s", a->err.msg);
	}
	return send_page(c, fmt, &po);
}

enum MHD_Result carb_http_rows(struct carb_http *h, struct MHD_Connection *c,
			       const struct carb_http_rows_spec *spec)
{
	struct rows_args a = { 0 };
	struct page p;
	enum MHD_Result rc;
	int bad = 0;

	a.q = carb_query_new(spec->table, h->pcols, h->npcols);
	for (size_t i = 0; spec->pre != NULL && spec->pre[i] != NULL; i += 2)
		bad |= carb_query_filter(a.q, spec->pre[i], spec->pre[i + 1],
					 &a.err) < 0;
	if (bad)
		rc = carb_http_send_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "%s",
					  a.err.msg);
	else if (shape(c, spec, &a, &p) < 0)
		rc = carb_http_send_error(c, MHD_HTTP_BAD_REQUEST, "%s", a.err.msg);
	else
		rc = run_rows(h, c, &a, &p);
	carb_query_free(&a.q);
	return rc;
}

enum MHD_Result carb_http_api_rows(struct carb_http *h,
				   struct MHD_Connection *c,
				   struct carb_http_req *r, const char *url,
				   const char *data, size_t *size)
{
	struct carb_http_rows_spec spec = { .table = CARB_QUERY_COMPONENTS };

	(void)r, (void)data, (void)size;
	if (strcmp(url, "/api/files") == 0) {
		spec.table = CARB_QUERY_FILES;
		spec.order = h->default_order;
	}
	return carb_http_rows(h, c, &spec);
}

static const char *const error_statuses[] = {
	"status", "FAILED", "status", "INTEGRITY_FAILED",
	"status", "RETRY_PENDING", NULL,
};

const struct carb_http_rows_spec carb_http_errors_spec = {
	.table = CARB_QUERY_COMPONENTS, .pre = error_statuses,
	.order = "-updated_at",
	.columns = "id,watch,rel_path,status,reason,attempts,next_retry_at,"
		"updated_at",
};

/* GET /api/errors: the latest components that failed or wait for a
 * retry, last changed first, with their reasons; the other parameters as
 * /api/components. */
enum MHD_Result carb_http_api_errors(struct carb_http *h,
				     struct MHD_Connection *c,
				     struct carb_http_req *r, const char *url,
				     const char *data, size_t *size)
{
	(void)r, (void)url, (void)data, (void)size;
	return carb_http_rows(h, c, &carb_http_errors_spec);
}
