/* The output formats of `query`, `poll` and the HTTP API: rows from the query layer
 * written as a table, JSON, JSON Lines, CSV or TSV, one row at a time
 * (the table keeps its first rows to size its columns, then streams).
 * docs/reporting.md describes each format; what is said there is what
 * this file does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <jansson.h>

#include "report/report.h"
#include "util/util.h"

/* Rows the table keeps to size its columns. */
#define TABLE_SAMPLE 1000
/* Output is written in pieces of about this size: a million rows make a
 * few hundred writes, not a million fwrite calls or a write per 4 KiB
 * (stdio's buffer on a pipe). */
#define OUT_BATCH 65536

const char *const carb_out_formats[] = {
	"table", "json", "jsonl", "csv", "tsv", NULL,
};

struct carb_out {
	enum carb_out_format fmt;
	FILE *fp;
	const struct carb_query *q;
	size_t ncols;
	int64_t rows;
	struct carb_buf pending;  /* formatted, not yet written */
	struct carb_buf plain;    /* one value, reused for every value */
	/* table */
	char **cells;             /* sampled rows, ncols each */
	size_t nsampled;
	size_t *width;
	bool streaming;
};

int carb_out_format_parse(const char *name, enum carb_out_format *f)
{
	for (int i = 0; carb_out_formats[i] != NULL; i++)
		if (strcmp(name, carb_out_formats[i]) == 0) {
			*f = (enum carb_out_format)i;
			return 0;
		}
	return -1;
}

/* The shortest text that reads back as the same double. */
static void add_real(struct carb_buf *b, double d)
{
	char tmp[40];

	for (int prec = 15; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	carb_buf_adds(b, tmp);
}

/* Decimal, without printf: an export writes millions of them. */
static void add_int(struct carb_buf *b, int64_t v)
{
	char tmp[24];
	size_t i = sizeof(tmp);
	/* Negated as unsigned, so INT64_MIN has its digits too. */
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

	do {
		tmp[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		tmp[--i] = '-';
	carb_buf_add(b, tmp + i, sizeof(tmp) - i);
}

static bool numeric(enum carb_qtype t)
{
	return t == CARB_QTYPE_INTEGER || t == CARB_QTYPE_REAL;
}

/* The value as plain text (CSV, TSV before escaping, the table before
 * escaping names): bytes as they are. */
static void add_plain(struct carb_buf *b, const struct carb_qvalue *v)
{
	switch (v->type) {
	case CARB_QTYPE_TEXT:
	case CARB_QTYPE_BYTES:
		carb_buf_add(b, v->text, v->len);
		break;
	case CARB_QTYPE_INTEGER:
		add_int(b, v->integer);
		break;
	case CARB_QTYPE_REAL:
		add_real(b, v->real);
		break;
	case CARB_QTYPE_BOOLEAN:
		carb_buf_adds(b, v->integer ? "true" : "false");
		break;
	case CARB_QTYPE_TIMESTAMP:
		carb_buf_add_timestamp(b, v->integer);
		break;
	}
}

static void add_json(struct carb_buf *b, const struct carb_qvalue *v)
{
	if (v->is_null) {
		carb_buf_adds(b, "null");
		return;
	}
	switch (v->type) {
	case CARB_QTYPE_TEXT:
	case CARB_QTYPE_BYTES:
		carb_buf_add_json_string(b, v->text, v->len);
		break;
	case CARB_QTYPE_TIMESTAMP:
		carb_buf_addc(b, '"');
		carb_buf_add_timestamp(b, v->integer);
		carb_buf_addc(b, '"');
		break;
	case CARB_QTYPE_REAL:
		/* JSON has no NaN or infinity. */
		if (v->real != v->real || v->real - v->real != 0)
			carb_buf_adds(b, "null");
		else
			add_real(b, v->real);
		break;
	default:
		add_plain(b, v);
		break;
	}
}

/* Whether s[0..len) holds a byte that makes a CSV field quoted.  A NUL
 * counts too: the field is then quoted, as it always was. */
static bool csv_special(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		switch (s[i]) {
		case ',':
		case '"':
		case '\r':
		case '\n':
		case '\0':
			return true;
		default:
			break;
		}
	return false;
}

static void add_csv_field(struct carb_buf *b, const char *s, size_t len)
{
	if (!csv_special(s, len)) {
		carb_buf_add(b, s, len);
		return;
	}
	carb_buf_addc(b, '"');
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"')
			carb_buf_addc(b, '"');
		carb_buf_addc(b, s[i]);
	}
	carb_buf_addc(b, '"');
}

static void add_tsv_field(struct carb_buf *b, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		switch (s[i]) {
		case '\t':
			carb_buf_adds(b, "\\t");
			break;
		case '\n':
			carb_buf_adds(b, "\\n");
			break;
		case '\r':
			carb_buf_adds(b, "\\r");
			break;
		case '\\':
			carb_buf_adds(b, "\\\\");
			break;
		default:
			carb_buf_addc(b, s[i]);
		}
	}
}

/* A cell of the table: names and text made safe to show. */
static char *table_cell(const struct carb_qvalue *v)
{
	struct carb_buf b, plain;

	carb_buf_init(&b);
	if (v->is_null)
		return carb_buf_detach(&b);
	if (v->type == CARB_QTYPE_TEXT || v->type == CARB_QTYPE_BYTES) {
		carb_buf_add_safe_name(&b, v->text, v->len);
	} else {
		carb_buf_init(&plain);
		add_plain(&plain, v);
		carb_buf_add(&b, plain.data, plain.len);
		carb_buf_release(&plain);
	}
	return carb_buf_detach(&b);
}

/* Characters on screen: UTF-8 sequences count once. */
static size_t display_width(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

struct carb_out *carb_out_new(enum carb_out_format fmt, FILE *fp,
			      const struct carb_query *q)
{
	struct carb_out *o = carb_xcalloc(1, sizeof(*o));

	o->fmt = fmt;
	o->fp = fp;
	o->q = q;
	o->ncols = carb_query_nselected(q);
	carb_buf_init(&o->pending);
	carb_buf_init(&o->plain);
	if (fmt == CARB_OUT_TABLE) {
		o->cells = carb_xcalloc(TABLE_SAMPLE * o->ncols + 1, sizeof(*o->cells));
		o->width = carb_xcalloc(o->ncols + 1, sizeof(*o->width));
		for (size_t i = 0; i < o->ncols; i++)
			o->width[i] = display_width(carb_query_selected(q, i)->name);
	}
	return o;
}

/* Writes what is pending. */
static int flush_pending(struct carb_out *o)
{
	size_t n = o->pending.len;

	o->pending.len = 0;
	if (n == 0)
		return 0;
	return fwrite(o->pending.data, 1, n, o->fp) == n ? 0 : -1;
}

/* Hands b to the output: written once a batch is full. */
static int put(struct carb_out *o, const struct carb_buf *b)
{
	carb_buf_add(&o->pending, b->data, b->len);
	return o->pending.len >= OUT_BATCH ? flush_pending(o) : 0;
}

static int header(struct carb_out *o)
{
	struct carb_buf b;
	int rc;

	carb_buf_init(&b);
	if (o->fmt == CARB_OUT_JSON)
		carb_buf_adds(&b, "[");
	for (size_t i = 0; (o->fmt == CARB_OUT_CSV || o->fmt == CARB_OUT_TSV) &&
	     i < o->ncols; i++) {
		const char *name = carb_query_selected(o->q, i)->name;

		carb_buf_adds(&b, i ? (o->fmt == CARB_OUT_CSV ? "," : "\t") : "");
		carb_buf_adds(&b, name);
		if (i + 1 == o->ncols)
			carb_buf_adds(&b, o->fmt == CARB_OUT_CSV ? "\r\n" : "\n");
	}
	rc = put(o, &b);
	carb_buf_release(&b);
	return rc;
}

int carb_out_begin(struct carb_out *o)
{
	return o->fmt == CARB_OUT_TABLE ? 0 : header(o);
}

/* Terminal columns, or 0 when stdout is no terminal. */
static size_t terminal_width(FILE *fp)
{
	struct winsize ws;

	if (isatty(fileno(fp)) && ioctl(fileno(fp), TIOCGWINSZ, &ws) == 0 &&
	    ws.ws_col > 0)
		return ws.ws_col;
	return 0;
}

/* Narrows the widest columns until a row fits the terminal. */
static void fit(struct carb_out *o)
{
	size_t cols = terminal_width(o->fp), total;

	if (cols == 0)
		return;
	for (;;) {
		size_t widest = 0;

		total = 0;
		for (size_t i = 0; i < o->ncols; i++) {
			total += o->width[i] + 3;
			if (o->width[i] > o->width[widest])
				widest = i;
		}
		if (total <= cols + 1 || o->width[widest] <= 8)
			return;
		o->width[widest]--;
	}
}

static void table_line(struct carb_out *o, struct carb_buf *b, char **cells)
{
	for (size_t i = 0; i < o->ncols; i++) {
		const struct carb_qcolumn *c = carb_query_selected(o->q, i);
		const char *s = cells != NULL ? cells[i] : c->name;
		size_t w = display_width(s);
		bool right = cells != NULL && numeric(c->type);

		carb_buf_adds(b, i ? " | " : " ");
		if (w > o->width[i]) {
			/* Cut to width - 1 characters and mark it. */
			size_t keep = 0, seen = 0;

			for (; s[keep] != '\0'; keep++) {
				if (((unsigned char)s[keep] & 0xC0) != 0x80 &&
				    ++seen > o->width[i] - 1)
					break;
			}
			carb_buf_add(b, s, keep);
			carb_buf_adds(b, "\xe2\x80\xa6");
			continue;
		}
		if (right)
			for (size_t k = w; k < o->width[i]; k++)
				carb_buf_addc(b, ' ');
		carb_buf_adds(b, s);
		if (!right && (i + 1 < o->ncols || cells == NULL))
			for (size_t k = w; k < o->width[i]; k++)
				carb_buf_addc(b, ' ');
	}
	carb_buf_addc(b, '\n');
}

static int table_flush(struct carb_out *o)
{
	struct carb_buf b;
	int rc;

	carb_buf_init(&b);
	fit(o);
	table_line(o, &b, NULL);
	for (size_t i = 0; i < o->ncols; i++) {
		carb_buf_adds(&b, i ? "+" : "");
		for (size_t k = 0; k < o->width[i] + 2; k++)
			carb_buf_addc(&b, '-');
	}
	carb_buf_addc(&b, '\n');
	for (size_t r = 0; r < o->nsampled; r++) {
		table_line(o, &b, &o->cells[r * o->ncols]);
		for (size_t i = 0; i < o->ncols; i++) {
			free(o->cells[r * o->ncols + i]);
			o->cells[r * o->ncols + i] = NULL;
		}
	}
	o->nsampled = 0;
	o->streaming = true;
	rc = put(o, &b);
	carb_buf_release(&b);
	return rc;
}

static int table_row(struct carb_out *o, struct carb_qrows *r)
{
	char **cells;
	struct carb_qvalue v;

	if (!o->streaming && o->nsampled == TABLE_SAMPLE && table_flush(o) < 0)
		return -1;
	cells = &o->cells[(o->streaming ? 0 : o->nsampled) * o->ncols];
	for (size_t i = 0; i < o->ncols; i++) {
		carb_qrows_value(r, i, &v);
		cells[i] = table_cell(&v);
		if (!o->streaming && display_width(cells[i]) > o->width[i])
			o->width[i] = display_width(cells[i]);
	}
	if (!o->streaming) {
		o->nsampled++;
		return 0;
	}
	{
		struct carb_buf b;
		int rc;

		carb_buf_init(&b);
		table_line(o, &b, cells);
		for (size_t i = 0; i < o->ncols; i++) {
			free(cells[i]);
			cells[i] = NULL;
		}
		rc = put(o, &b);
		carb_buf_release(&b);
		return rc;
	}
}

/* The values of one row as a JSON object. */
static void row_json(struct carb_out *o, struct carb_qrows *r,
		     struct carb_buf *b)
{
	struct carb_qvalue v;

	carb_buf_addc(b, '{');
	for (size_t i = 0; i < o->ncols; i++) {
		if (i)
			carb_buf_addc(b, ',');
		carb_buf_addc(b, '"');
		carb_buf_adds(b, carb_query_selected(o->q, i)->name);
		carb_buf_adds(b, "\":");
		carb_qrows_value(r, i, &v);
		add_json(b, &v);
	}
	carb_buf_addc(b, '}');
}

static void row_csv(struct carb_out *o, struct carb_qrows *r,
		    struct carb_buf *b)
{
	struct carb_qvalue v;

	for (size_t i = 0; i < o->ncols; i++) {
		if (i)
			carb_buf_addc(b, ',');
		carb_qrows_value(r, i, &v);
		if (v.is_null)
			continue;
		o->plain.len = 0;
		add_plain(&o->plain, &v);
		if (o->plain.len == 0)
			carb_buf_adds(b, "\"\"");
		else
			add_csv_field(b, o->plain.data, o->plain.len);
	}
	carb_buf_adds(b, "\r\n");
}

static void row_tsv(struct carb_out *o, struct carb_qrows *r,
		    struct carb_buf *b)
{
	struct carb_qvalue v;

	for (size_t i = 0; i < o->ncols; i++) {
		if (i)
			carb_buf_addc(b, '\t');
		carb_qrows_value(r, i, &v);
		if (v.is_null) {
			carb_buf_adds(b, "\\N");
			continue;
		}
		o->plain.len = 0;
		add_plain(&o->plain, &v);
		add_tsv_field(b, o->plain.data, o->plain.len);
	}
	carb_buf_addc(b, '\n');
}

/* Rows are formatted straight into the pending output. */
int carb_out_row(struct carb_out *o, struct carb_qrows *r)
{
	struct carb_buf *b = &o->pending;

	o->rows++;
	switch (o->fmt) {
	case CARB_OUT_TABLE:
		return table_row(o, r);
	case CARB_OUT_JSON:
		carb_buf_adds(b, o->rows > 1 ? ",\n" : "\n");
		row_json(o, r, b);
		break;
	case CARB_OUT_JSONL:
		row_json(o, r, b);
		carb_buf_addc(b, '\n');
		break;
	case CARB_OUT_CSV:
		row_csv(o, r, b);
		break;
	case CARB_OUT_TSV:
		row_tsv(o, r, b);
		break;
	}
	return b->len >= OUT_BATCH ? flush_pending(o) : 0;
}

int carb_out_end(struct carb_out *o)
{
	struct carb_buf b;
	int rc = 0;

	carb_buf_init(&b);
	if (o->fmt == CARB_OUT_TABLE) {
		if (!o->streaming)
			rc = table_flush(o);
		carb_buf_addf(&b, "(%lld row%s)\n", (long long)o->rows,
			      o->rows == 1 ? "" : "s");
	} else if (o->fmt == CARB_OUT_JSON) {
		carb_buf_adds(&b, o->rows ? "\n]\n" : "]\n");
	}
	if (rc == 0)
		rc = put(o, &b);
	if (rc == 0)
		rc = flush_pending(o);
	carb_buf_release(&b);
	return rc;
}

void carb_out_free(struct carb_out **op)
{
	struct carb_out *o = *op;

	if (o == NULL)
		return;
	/* Rows read before a failure still reach the output, as they did
	 * when each went to stdio at once; the failure is already known. */
	(void)flush_pending(o);
	carb_buf_release(&o->pending);
	carb_buf_release(&o->plain);
	for (size_t i = 0; o->cells != NULL && i < TABLE_SAMPLE * o->ncols; i++)
		free(o->cells[i]);
	free(o->cells);
	free(o->width);
	free(o);
	*op = NULL;
}

/* Through a memory stream, so the bytes are exactly those the CLI
 * writes to its stdout. */
int carb_report_rows(struct carb_catalog *cat, const struct carb_query *q,
		     enum carb_out_format fmt, char **text, size_t *len,
		     struct carb_error *err)
{
	struct carb_qrows *rows = NULL;
	struct carb_out *out = NULL;
	FILE *fp;
	int rc;

	*text = NULL;
	*len = 0;
	fp = open_memstream(text, len);
	if (fp == NULL)
		return carb_error_set(err, "cannot open a memory stream: %m");
	rc = carb_query_run(cat, q, &rows, err);
	if (rc == 0) {
		out = carb_out_new(fmt, fp, q);
		rc = carb_out_begin(out);
		while (rc == 0 && (rc = carb_qrows_next(rows, err)) == CARB_STEP_ROW)
			rc = carb_out_row(out, rows);
		if (rc == CARB_STEP_DONE)
			rc = carb_out_end(out);
		carb_out_free(&out);
	}
	carb_qrows_free(&rows);
	fclose(fp);
	if (rc != 0) {
		free(*text);
		*text = NULL;
		*len = 0;
		return -1;
	}
	return 0;
}

json_t *carb_report_json_name(const char *s, size_t len)
{
	struct carb_buf b;
	json_t *j;

	if (s == NULL)
		return json_null();
	carb_buf_init(&b);
	carb_buf_add_utf8_lossless(&b, s, len);
	j = json_stringn(b.data ? b.data : "", b.len);
	carb_buf_release(&b);
	return j ? j : json_null();
}
