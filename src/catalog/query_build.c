/* A query as its readers describe it (filters, columns, order, limit),
 * turned into one SELECT whose every value is bound, and its rows read
 * back typed.  The SQL text holds only column expressions from the
 * column list (query_columns.c, the plugin's declared names) and fixed
 * words; the differences between the dialects are few and all here:
 * patterns (SQLite's LIKE ignores case, so it gets GLOB), and text order
 * (PostgreSQL's follows the database's locale unless told COLLATE "C"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/query_internal.h"

struct qcol {
	struct carb_qcolumn pub;
	char *name;
	char *doc;
	char *expr;               /* SQL that reads it */
	bool notnull;
};

/* A bound value: 'i' int64, 'd' double, 't' text, 'b' bytes. */
struct qparam {
	char kind;
	int64_t i;
	double d;
	char *s;
	size_t len;
};

enum qop {
	Q_EQ,         /* col = a */
	Q_LIKE,       /* col matches pattern a */
	Q_RANGE,      /* a <= col < b */
	Q_GE,         /* col >= a */
	Q_LT,         /* col < a */
	Q_LE,         /* col <= a */
	Q_OVERLAP,    /* span [col, col2] meets [a, b): either may be absent */
};

struct qcond {
	int col, col2;
	enum qop op;
	struct qparam a, b;
	bool has_a, has_b;
};

struct qorder {
	int col;
	bool desc;
};

struct carb_query {
	enum carb_qtable table;
	const char *tname;
	struct qcol *cols;
	size_t ncols;
	struct qcond *conds;
	size_t nconds;
	int span_start, span_end, age_col;
	int *sel;
	size_t nsel;
	struct qorder *order;
	size_t norder;
	int64_t limit, offset;
	int64_t now_us;
};

struct carb_qrows {
	const struct carb_query *q;
	struct carb_stmt *st;
	int skip;                 /* leading columns that are no selected one */
};

static const char *const notnull_core[] = {
	"id", "watch", "group_key", "generation", "status", "complete",
	"created_at", "updated_at", "rel_path", "extension", "attempts",
	"late", "discovered_at", "components", "size", NULL,
};

/* Columns shown when none are asked for. */
static const char *const files_default[] = {
	"id", "watch", "group_key", "status", "destination", "created_at",
	"completed_at", "archived_at", "size", NULL,
};
static const char *const components_default[] = {
	"id", "watch", "rel_path", "status", "size", "content_hash",
	"archive_destination", "archive_path", "archived_at", "reason", NULL,
};

static bool in_list(const char *s, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

static void add_col(struct carb_query *q, const char *name, enum carb_qtype t,
		    const char *doc, const char *expr, bool filterable,
		    bool plugin, bool notnull)
{
	struct qcol *c;

	q->cols = carb_xrealloc(q->cols, (q->ncols + 1) * sizeof(*q->cols));
	c = &q->cols[q->ncols++];
	c->name = carb_xstrdup(name);
	c->doc = carb_xstrdup(doc != NULL ? doc : "");
	c->expr = expr != NULL ? carb_xstrdup(expr)
		: carb_xasprintf("%s.\"%s\"", q->tname, name);
	c->notnull = notnull;
	c->pub.name = c->name;
	c->pub.type = t;
	c->pub.doc = c->doc;
	c->pub.filterable = filterable;
	c->pub.plugin = plugin;
}

struct carb_query *carb_query_new(enum carb_qtable table,
				  const struct carb_plugin_column *pcols,
				  size_t npcols)
{
	struct carb_query *q = carb_xcalloc(1, sizeof(*q));
	const struct carb_qcore *core;
	size_t n;

	q->table = table;
	q->tname = table == CARB_QUERY_FILES ? "files" : "components";
	q->limit = -1;
	q->now_us = carb_now_us();
	core = carb_query_core_columns(table, &n);
	for (size_t i = 0; i < n; i++)
		add_col(q, core[i].name, core[i].type, core[i].doc, core[i].expr,
			core[i].filterable, false, in_list(core[i].name, notnull_core));
	for (size_t i = 0; table == CARB_QUERY_FILES && i < npcols; i++)
		add_col(q, pcols[i].name, carb_qtype_of_plugin(pcols[i].type),
			pcols[i].doc, NULL, pcols[i].filterable != 0, true,
			pcols[i].nullable == 0);
	q->span_start = carb_query_column_index(q, table == CARB_QUERY_FILES
						? "created_at" : "discovered_at");
	q->span_end = carb_query_column_index(q, table == CARB_QUERY_FILES
					      ? "completed_at" : "archived_at");
	q->age_col = q->span_start;
	return q;
}

static void param_release(struct qparam *p)
{
	free(p->s);
	p->s = NULL;
}

void carb_query_free(struct carb_query **qp)
{
	struct carb_query *q = *qp;

	if (q == NULL)
		return;
	for (size_t i = 0; i < q->ncols; i++) {
		free(q->cols[i].name);
		free(q->cols[i].doc);
		free(q->cols[i].expr);
	}
	for (size_t i = 0; i < q->nconds; i++) {
		param_release(&q->conds[i].a);
		param_release(&q->conds[i].b);
	}
	free(q->cols);
	free(q->conds);
	free(q->sel);
	free(q->order);
	free(q);
	*qp = NULL;
}

size_t carb_query_ncolumns(const struct carb_query *q)
{
	return q->ncols;
}

const struct carb_qcolumn *carb_query_column(const struct carb_query *q,
					     size_t i)
{
	return i < q->ncols ? &q->cols[i].pub : NULL;
}

int carb_query_column_index(const struct carb_query *q, const char *name)
{
	for (size_t i = 0; i < q->ncols; i++)
		if (strcmp(q->cols[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* ---- filter names --------------------------------------------------------- */

enum fkind {
	F_NONE,
	F_EQ,           /* NAME VALUE */
	F_TRUE,         /* NAME (boolean) */
	F_FALSE,        /* no-NAME */
	F_AFTER,
	F_BEFORE,
	F_MIN,
	F_MAX,
	F_AGE,
	F_DATERANGE,
};

static const char *const suffix_of[] = {
	[F_AFTER] = "-after", [F_BEFORE] = "-before",
	[F_MIN] = "-min", [F_MAX] = "-max",
};

static bool kind_fits(enum fkind k, enum carb_qtype t)
{
	switch (k) {
	case F_TRUE:
	case F_FALSE:
		return t == CARB_QTYPE_BOOLEAN;
	case F_AFTER:
	case F_BEFORE:
		return t == CARB_QTYPE_TIMESTAMP;
	case F_MIN:
	case F_MAX:
		return t == CARB_QTYPE_INTEGER || t == CARB_QTYPE_REAL;
	case F_EQ:
		return true;
	default:
		return false;
	}
}

/* What filter name means: its kind and column (-1 for age, daterange). */
static enum fkind resolve(const struct carb_query *q, const char *name, int *col)
{
	*col = -1;
	if (strcmp(name, "age") == 0)
		return F_AGE;
	if (strcmp(name, "daterange") == 0)
		return F_DATERANGE;
	if (q->table == CARB_QUERY_FILES && strcmp(name, "incomplete") == 0) {
		*col = carb_query_column_index(q, "complete");
		return F_FALSE;
	}
	*col = carb_query_column_index(q, name);
	if (*col >= 0 && q->cols[*col].pub.filterable)
		return q->cols[*col].pub.type == CARB_QTYPE_BOOLEAN ? F_TRUE : F_EQ;
	if (strncmp(name, "no-", 3) == 0) {
		*col = carb_query_column_index(q, name + 3);
		if (*col >= 0 && q->cols[*col].pub.filterable &&
		    q->cols[*col].pub.type == CARB_QTYPE_BOOLEAN)
			return F_FALSE;
	}
	for (enum fkind k = F_AFTER; k <= F_MAX; k++) {
		size_t ln = strlen(name), ls = strlen(suffix_of[k]);
		char *base;

		if (ln <= ls || strcmp(name + ln - ls, suffix_of[k]) != 0)
			continue;
		base = carb_xstrndup(name, ln - ls);
		*col = carb_query_column_index(q, base);
		free(base);
		if (*col >= 0 && q->cols[*col].pub.filterable &&
		    kind_fits(k, q->cols[*col].pub.type))
			return k;
	}
	*col = -1;
	return F_NONE;
}

int carb_query_filter_arity(const struct carb_query *q, const char *name)
{
	int col;

	switch (resolve(q, name, &col)) {
	case F_NONE:
		return -1;
	case F_TRUE:
	case F_FALSE:
		return 0;
	default:
		return 1;
	}
}

/* Every filter name q accepts, for suggestions; the caller frees the
 * array and its strings. */
static char **filter_names(const struct carb_query *q, size_t *n)
{
	char **names = NULL;

	*n = 0;
#define PUSH(s) do { \
		names = carb_xrealloc(names, (*n + 1) * sizeof(*names)); \
		names[(*n)++] = (s); \
	} while (0)
	PUSH(carb_xstrdup("age"));
	PUSH(carb_xstrdup("daterange"));
	if (q->table == CARB_QUERY_FILES)
		PUSH(carb_xstrdup("incomplete"));
	for (size_t i = 0; i < q->ncols; i++) {
		const struct qcol *c = &q->cols[i];

		if (!c->pub.filterable)
			continue;
		PUSH(carb_xstrdup(c->name));
		if (c->pub.type == CARB_QTYPE_BOOLEAN)
			PUSH(carb_xasprintf("no-%s", c->name));
		for (enum fkind k = F_AFTER; k <= F_MAX; k++)
			if (kind_fits(k, c->pub.type))
				PUSH(carb_xasprintf("%s%s", c->name, suffix_of[k]));
	}
#undef PUSH
	return names;
}

static int unknown_filter(const struct carb_query *q, const char *name,
			  struct carb_error *err)
{
	size_t n;
	char **names = filter_names(q, &n);
	const char *hint = carb_suggest(name, (const char *const *)names, n);

	if (hint != NULL)
		carb_error_set(err, "unknown filter \"--%s\" (did you mean \"--%s\"?)",
			       name, hint);
	else
		carb_error_set(err, "unknown filter \"--%s\"", name);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return -1;
}

void carb_query_describe_filters(const struct carb_query *q,
				 struct carb_buf *out)
{
	for (size_t i = 0; i < q->ncols; i++) {
		const struct qcol *c = &q->cols[i];
		struct carb_buf line;

		if (!c->pub.filterable)
			continue;
		carb_buf_init(&line);
		switch (c->pub.type) {
		case CARB_QTYPE_BOOLEAN:
			carb_buf_addf(&line, "--%s, --no-%s", c->name, c->name);
			break;
		case CARB_QTYPE_TIMESTAMP:
			carb_buf_addf(&line, "--%s-after T, --%s-before T", c->name,
				      c->name);
			break;
		case CARB_QTYPE_INTEGER:
		case CARB_QTYPE_REAL:
			carb_buf_addf(&line, "--%s N, --%s-min N, --%s-max N",
				      c->name, c->name, c->name);
			break;
		default:
			carb_buf_addf(&line, "--%s VALUE", c->name);
			break;
		}
		carb_buf_addf(out, "  %s\n      %s (%s%s)\n", line.data,
			      c->doc[0] ? c->doc : c->name, carb_qtype_name(c->pub.type),
			      c->pub.plugin ? ", plugin column" : "");
		carb_buf_release(&line);
	}
}

/* ---- filters -------------------------------------------------------------- */

static struct qcond *new_cond(struct carb_query *q, int col, enum qop op)
{
	struct qcond *c;

	q->conds = carb_xrealloc(q->conds, (q->nconds + 1) * sizeof(*q->conds));
	c = &q->conds[q->nconds++];
	memset(c, 0, sizeof(*c));
	c->col = col;
	c->col2 = -1;
	c->op = op;
	return c;
}

static int type_error(const struct qcol *c, const char *name, const char *value,
		      struct carb_error *err)
{
	return carb_error_set(err, "--%s: \"%s\" is not a%s %s (column %s is %s)",
			      name, value,
			      c->pub.type == CARB_QTYPE_INTEGER ? "n" : "",
			      carb_qtype_name(c->pub.type), c->name,
			      carb_qtype_name(c->pub.type));
}

static bool is_pattern(const char *s)
{
	return strchr(s, '*') != NULL || strchr(s, '%') != NULL;
}

static int parse_bool(const char *v, bool *b)
{
	if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0 || strcmp(v, "yes") == 0)
		*b = true;
	else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0 || strcmp(v, "no") == 0)
		*b = false;
	else
		return -1;
	return 0;
}

/* NAME VALUE. */
static int add_eq(struct carb_query *q, int col, const char *name,
		  const char *value, struct carb_error *err)
{
	const struct qcol *c = &q->cols[col];
	struct qcond *cd;
	int64_t i, lo, hi;
	double d;
	bool b;

	switch (c->pub.type) {
	case CARB_QTYPE_TEXT:
	case CARB_QTYPE_BYTES:
		cd = new_cond(q, col, is_pattern(value) ? Q_LIKE : Q_EQ);
		cd->a.kind = c->pub.type == CARB_QTYPE_TEXT ? 't' : 'b';
		cd->a.s = carb_xstrdup(value);
		cd->a.len = strlen(value);
		cd->has_a = true;
		return 0;
	case CARB_QTYPE_INTEGER:
		if (carb_query_parse_int(value, &i) < 0)
			return type_error(c, name, value, err);
		cd = new_cond(q, col, Q_EQ);
		cd->a.kind = 'i';
		cd->a.i = i;
		cd->has_a = true;
		return 0;
	case CARB_QTYPE_REAL:
		if (carb_query_parse_real(value, &d) < 0)
			return type_error(c, name, value, err);
		cd = new_cond(q, col, Q_EQ);
		cd->a.kind = 'd';
		cd->a.d = d;
		cd->has_a = true;
		return 0;
	case CARB_QTYPE_BOOLEAN:
		if (parse_bool(value, &b) < 0)
			return type_error(c, name, value, err);
		cd = new_cond(q, col, Q_EQ);
		cd->a.kind = 'i';
		cd->a.i = b;
		cd->has_a = true;
		return 0;
	case CARB_QTYPE_TIMESTAMP:
		if (carb_parse_time_range(value, q->now_us, &lo, &hi, NULL) < 0)
			return type_error(c, name, value, err);
		cd = new_cond(q, col, Q_RANGE);
		cd->a = (struct qparam){ .kind = 'i', .i = lo };
		cd->b = (struct qparam){ .kind = 'i', .i = hi };
		cd->has_a = cd->has_b = true;
		return 0;
	}
	return 0;
}

static int add_bound(struct carb_query *q, int col, enum fkind k,
		     const char *name, const char *value, struct carb_error *err)
{
	const struct qcol *c = &q->cols[col];
	struct qcond *cd;
	int64_t lo, hi, i;
	double d;

	if (k == F_AFTER || k == F_BEFORE) {
		if (carb_parse_time_range(value, q->now_us, &lo, &hi, err) < 0)
			return carb_error_set(err, "--%s: \"%s\" is not a timestamp"
					      " (column %s is timestamp): give an"
					      " ISO 8601 date or date-time"
					      " (2024-03-15, 2024-03-15T06:00:00Z)"
					      " or a time ago (7d, 12h, 30m)",
					      name, value, c->name);
		cd = new_cond(q, col, k == F_AFTER ? Q_GE : Q_LT);
		cd->a = (struct qparam){ .kind = 'i', .i = k == F_AFTER ? lo : hi };
		cd->has_a = true;
		return 0;
	}
	if (c->pub.type == CARB_QTYPE_INTEGER) {
		if (carb_query_parse_int(value, &i) < 0)
			return type_error(c, name, value, err);
		cd = new_cond(q, col, k == F_MIN ? Q_GE : Q_LE);
		cd->a = (struct qparam){ .kind = 'i', .i = i };
	} else {
		if (carb_query_parse_real(value, &d) < 0)
			return type_error(c, name, value, err);
		cd = new_cond(q, col, k == F_MIN ? Q_GE : Q_LE);
		cd->a = (struct qparam){ .kind = 'd', .d = d };
	}
	cd->has_a = true;
	return 0;
}

static int add_daterange(struct carb_query *q, const char *value,
			 struct carb_error *err)
{
	const char *slash = strchr(value, '/');
	struct qcond cd = { .col = q->span_start, .col2 = q->span_end,
			    .op = Q_OVERLAP };
	int64_t lo, hi;
	char *start;

	if (slash == NULL || strchr(slash + 1, '/') != NULL)
		return carb_error_set(err, "--daterange: \"%s\" is not START/END"
				      " (2024-03-01/2024-03-31; either side"
				      " may be empty)", value);
	start = carb_xstrndup(value, (size_t)(slash - value));
	if (*start != '\0') {
		if (carb_parse_time_range(start, q->now_us, &lo, &hi, err) < 0) {
			free(start);
			return carb_error_set(err, "--daterange: %s", err->msg);
		}
		cd.a = (struct qparam){ .kind = 'i', .i = lo };
		cd.has_a = true;
	}
	free(start);
	if (slash[1] != '\0') {
		if (carb_parse_time_range(slash + 1, q->now_us, &lo, &hi, err) < 0)
			return carb_error_set(err, "--daterange: %s", err->msg);
		cd.b = (struct qparam){ .kind = 'i', .i = hi };
		cd.has_b = true;
	}
	*new_cond(q, cd.col, Q_OVERLAP) = cd;
	return 0;
}

int carb_query_filter(struct carb_query *q, const char *name,
		      const char *value, struct carb_error *err)
{
	int col;
	enum fkind k = resolve(q, name, &col);
	struct qcond *cd;
	int64_t ms;

	if (k == F_NONE)
		return unknown_filter(q, name, err);
	if ((k == F_TRUE || k == F_FALSE) && value == NULL) {
		cd = new_cond(q, col, Q_EQ);
		cd->a = (struct qparam){ .kind = 'i', .i = k == F_TRUE };
		cd->has_a = true;
		return 0;
	}
	if (value == NULL)
		return carb_error_set(err, "--%s needs a value", name);
	switch (k) {
	case F_TRUE:
	case F_EQ:
		return add_eq(q, col, name, value, err);
	case F_FALSE:
		return carb_error_set(err, "--%s takes no value", name);
	case F_AGE:
		if (carb_parse_duration(value, &ms, NULL) < 0)
			return carb_error_set(err, "--age: \"%s\" is not a duration"
					      " (7d, 12h, 30m)", value);
		cd = new_cond(q, q->age_col, Q_GE);
		cd->a = (struct qparam){ .kind = 'i', .i = q->now_us - ms * 1000 };
		cd->has_a = true;
		return 0;
	case F_DATERANGE:
		return add_daterange(q, value, err);
	default:
		return add_bound(q, col, k, name, value, err);
	}
}

static int timestamp_column(const struct carb_query *q, const char *name,
			    struct carb_error *err)
{
	int i = carb_query_column_index(q, name);

	if (i < 0 || q->cols[i].pub.type != CARB_QTYPE_TIMESTAMP)
		return carb_error_set(err, "the span's column \"%s\" is not a"
				      " timestamp column", name);
	return i;
}

int carb_query_set_span(struct carb_query *q, const char *start,
			const char *end, struct carb_error *err)
{
	int s = timestamp_column(q, start, err), e;

	if (s < 0 || (e = timestamp_column(q, end, err)) < 0)
		return -1;
	q->span_start = s;
	q->span_end = e;
	return 0;
}

/* ---- columns, order, limit ------------------------------------------------ */

/* Splits "a,b,c" and calls fn for each name; -1 stops. */
static int each_name(const char *list, int (*fn)(struct carb_query *, const char *,
						 struct carb_error *),
		     struct carb_query *q, struct carb_error *err)
{
	const char *p = list;

	while (*p != '\0') {
		size_t n = strcspn(p, ",");
		char *name = carb_xstrndup(p, n);
		int rc = fn(q, name, err);

		free(name);
		if (rc < 0)
			return -1;
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

static int unknown_column(const struct carb_query *q, const char *what,
			  const char *name, struct carb_error *err)
{
	const char **names = carb_xcalloc(q->ncols + 1, sizeof(*names));
	const char *hint;

	for (size_t i = 0; i < q->ncols; i++)
		names[i] = q->cols[i].name;
	hint = carb_suggest(name, names, q->ncols);
	if (hint != NULL)
		carb_error_set(err, "%s: unknown column \"%s\" (did you mean \"%s\"?)",
			       what, name, hint);
	else
		carb_error_set(err, "%s: unknown column \"%s\"", what, name);
	free(names);
	return -1;
}

static int select_one(struct carb_query *q, const char *name,
		      struct carb_error *err)
{
	int i = carb_query_column_index(q, name);

	if (i < 0)
		return unknown_column(q, "--columns", name, err);
	q->sel = carb_xrealloc(q->sel, (q->nsel + 1) * sizeof(*q->sel));
	q->sel[q->nsel++] = i;
	return 0;
}

int carb_query_select(struct carb_query *q, const char *columns,
		      struct carb_error *err)
{
	free(q->sel);
	q->sel = NULL;
	q->nsel = 0;
	if (columns != NULL)
		return each_name(columns, select_one, q, err) < 0 ? -1
			: q->nsel == 0 ? carb_error_set(err, "--columns: no column named")
			: 0;
	for (size_t i = 0; i < q->ncols; i++)
		if (q->cols[i].pub.plugin ||
		    in_list(q->cols[i].name, q->table == CARB_QUERY_FILES
			    ? files_default : components_default)) {
			q->sel = carb_xrealloc(q->sel, (q->nsel + 1) * sizeof(*q->sel));
			q->sel[q->nsel++] = (int)i;
		}
	return 0;
}

static int order_one(struct carb_query *q, const char *name,
		     struct carb_error *err)
{
	bool desc = name[0] == '-';
	int i = carb_query_column_index(q, desc || name[0] == '+' ? name + 1 : name);

	if (i < 0 || !q->cols[i].pub.filterable)
		return unknown_column(q, "--order-by", desc || name[0] == '+'
				      ? name + 1 : name, err);
	q->order = carb_xrealloc(q->order, (q->norder + 1) * sizeof(*q->order));
	q->order[q->norder].col = i;
	q->order[q->norder++].desc = desc;
	return 0;
}

int carb_query_order_by(struct carb_query *q, const char *spec,
			struct carb_error *err)
{
	free(q->order);
	q->order = NULL;
	q->norder = 0;
	return each_name(spec != NULL && *spec != '\0' ? spec : "-id", order_one,
			 q, err);
}

void carb_query_limit(struct carb_query *q, int64_t limit, int64_t offset)
{
	q->limit = limit;
	q->offset = offset < 0 ? 0 : offset;
}

size_t carb_query_nselected(const struct carb_query *q)
{
	return q->nsel;
}

const struct carb_qcolumn *carb_query_selected(const struct carb_query *q,
					       size_t i)
{
	return i < q->nsel ? &q->cols[q->sel[i]].pub : NULL;
}

/* ---- SQL ------------------------------------------------------------------- */

struct sqlb {
	struct carb_buf sql;
	const struct qparam **params;
	size_t nparams;
};

static void push(struct sqlb *b, const struct qparam *p)
{
	b->params = carb_xrealloc(b->params, (b->nparams + 1) * sizeof(*b->params));
	b->params[b->nparams++] = p;
}

/* A pattern in the dialect's spelling: '*' and '%' match any run, all
 * else is literal.  SQLite: GLOB ('?' and '[' bracketed); the others:
 * LIKE ... ESCAPE '!'. */
static struct qparam *pattern_of(enum carb_db_kind kind, const struct qparam *v)
{
	struct qparam *p = carb_xcalloc(1, sizeof(*p));
	struct carb_buf b;

	carb_buf_init(&b);
	for (size_t i = 0; i < v->len; i++) {
		char ch = v->s[i];

		if (ch == '*' || ch == '%')
			carb_buf_addc(&b, kind == CARB_DB_SQLITE ? '*' : '%');
		else if (kind == CARB_DB_SQLITE && (ch == '?' || ch == '['))
			carb_buf_addf(&b, "[%c]", ch);
		else if (kind != CARB_DB_SQLITE && (ch == '_' || ch == '!'))
			carb_buf_addf(&b, "!%c", ch);
		else
			carb_buf_addc(&b, ch);
	}
	p->kind = v->kind;
	p->len = b.len;
	p->s = carb_buf_detach(&b);
	return p;
}

static void cond_sql(const struct carb_query *q, enum carb_db_kind kind,
		     const struct qcond *c, struct sqlb *b,
		     struct qparam ***owned, size_t *nowned)
{
	/* The span is the query's at the time it runs, whichever order the
	 * caller set it and the filter in. */
	const char *e = c->op == Q_OVERLAP ? q->cols[q->span_start].expr
		: c->col >= 0 ? q->cols[c->col].expr : "NULL";

	switch (c->op) {
	case Q_EQ:
		carb_buf_addf(&b->sql, "%s = ?", e);
		push(b, &c->a);
		break;
	case Q_LIKE: {
		struct qparam *p = pattern_of(kind, &c->a);

		*owned = carb_xrealloc(*owned, (*nowned + 1) * sizeof(**owned));
		(*owned)[(*nowned)++] = p;
		/* SQLite's GLOB never matches a BLOB: read it as text. */
		if (kind == CARB_DB_SQLITE)
			carb_buf_addf(&b->sql, "CAST(%s AS TEXT) GLOB CAST(? AS TEXT)", e);
		/* PostgreSQL's bytea LIKE wants a bytea escape too. */
		else if (kind == CARB_DB_POSTGRESQL && p->kind == 'b')
			carb_buf_addf(&b->sql, "%s LIKE ? ESCAPE CAST('!' AS bytea)", e);
		else
			carb_buf_addf(&b->sql, "%s LIKE ? ESCAPE '!'", e);
		push(b, p);
		break;
	}
	case Q_RANGE:
		carb_buf_addf(&b->sql, "(%s >= ? AND %s < ?)", e, e);
		push(b, &c->a);
		push(b, &c->b);
		break;
	case Q_GE:
		carb_buf_addf(&b->sql, "%s >= ?", e);
		push(b, &c->a);
		break;
	case Q_LT:
		carb_buf_addf(&b->sql, "%s < ?", e);
		push(b, &c->a);
		break;
	case Q_LE:
		carb_buf_addf(&b->sql, "%s <= ?", e);
		push(b, &c->a);
		break;
	case Q_OVERLAP: {
		const char *e2 = q->cols[q->span_end].expr;

		/* A row without a span start has no span to overlap. */
		carb_buf_addf(&b->sql, "(%s IS NOT NULL", e);
		if (c->has_b) {
			carb_buf_addf(&b->sql, " AND %s < ?", e);
			push(b, &c->b);
		}
		if (c->has_a) {
			carb_buf_addf(&b->sql, " AND (%s IS NULL OR %s >= ?)", e2, e2);
			push(b, &c->a);
		}
		carb_buf_adds(&b->sql, ")");
		break;
	}
	}
}

static bool groups(enum qop op)
{
	return op == Q_EQ || op == Q_LIKE || op == Q_RANGE;
}

/* WHERE: the values of one filter OR'd (equality, patterns and ranges on
 * one column), different filters AND'd. */
static void where_sql(const struct carb_query *q, enum carb_db_kind kind,
		      struct sqlb *b, struct qparam ***owned, size_t *nowned,
		      bool first)
{
	bool *done = carb_xcalloc(q->nconds + 1, sizeof(*done));

	for (size_t i = 0; i < q->nconds; i++) {
		if (done[i])
			continue;
		carb_buf_adds(&b->sql, first ? " WHERE " : " AND ");
		first = false;
		if (!groups(q->conds[i].op)) {
			cond_sql(q, kind, &q->conds[i], b, owned, nowned);
			continue;
		}
		carb_buf_adds(&b->sql, "(");
		for (size_t j = i; j < q->nconds; j++) {
			if (!groups(q->conds[j].op) || q->conds[j].col != q->conds[i].col)
				continue;
			if (j != i)
				carb_buf_adds(&b->sql, " OR ");
			cond_sql(q, kind, &q->conds[j], b, owned, nowned);
			done[j] = true;
		}
		carb_buf_adds(&b->sql, ")");
	}
	free(done);
}

static void order_sql(const struct carb_query *q, enum carb_db_kind kind,
		      struct carb_buf *sql)
{
	bool by_id = false;

	for (size_t i = 0; i < q->norder; i++) {
		const struct qcol *c = &q->cols[q->order[i].col];
		const char *dir = q->order[i].desc ? " DESC" : "";

		carb_buf_adds(sql, i ? ", " : " ORDER BY ");
		/* NULLs last on every backend (they disagree by default). */
		if (!c->notnull)
			carb_buf_addf(sql, "(%s IS NULL), ", c->expr);
		carb_buf_addf(sql, "%s%s%s", c->expr,
			      kind == CARB_DB_POSTGRESQL && c->pub.type == CARB_QTYPE_TEXT
			      ? " COLLATE \"C\"" : "", dir);
		if (strcmp(c->name, "id") == 0)
			by_id = true;
	}
	if (!by_id)
		carb_buf_addf(sql, "%s%s.id", q->norder ? ", " : " ORDER BY ",
			      q->tname);
}

static int bind_all(struct carb_stmt *st, const struct sqlb *b,
		    struct carb_error *err)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < b->nparams; i++) {
		const struct qparam *p = b->params[i];
		int idx = (int)i + 1;

		switch (p->kind) {
		case 'i':
			rc = carb_stmt_bind_int64(st, idx, p->i, err);
			break;
		case 'd':
			rc = carb_stmt_bind_double(st, idx, p->d, err);
			break;
		case 't':
			rc = carb_stmt_bind_text(st, idx, p->s, err);
			break;
		default:
			rc = carb_stmt_bind_blob(st, idx, p->s, p->len, err);
			break;
		}
	}
	return rc;
}

enum qmode {
	QM_ROWS,
	QM_COUNT,
	QM_POLL,      /* completions after a cursor, with their groups */
	QM_CLEAR,     /* UPDATE: the final groups selected become CLEARED */
};

/* Statuses after which nothing more happens to a group (0006). */
#define FINAL_STATUSES "('ARCHIVED', 'NOT_SELECTED', 'FAILED', 'TIMED_OUT', 'CLEARED')"

struct poll_args {
	const struct carb_cursor *c;
	int64_t limit;
};

static void select_list(const struct carb_query *q, struct carb_buf *sql)
{
	for (size_t i = 0; i < q->nsel; i++)
		carb_buf_addf(sql, "%s%s", i ? ", " : "", q->cols[q->sel[i]].expr);
}

/* The poll's SELECT: completion id and status first.  Filters do not
 * apply: a row a filter hid would look like a gap to the cursor. */
static void poll_sql(const struct carb_query *q, const struct poll_args *pa,
		     struct sqlb *b, struct qparam *params)
{
	size_t np = 0;

	carb_buf_adds(&b->sql, "SELECT completions.id, completions.status");
	if (q->nsel > 0)
		carb_buf_adds(&b->sql, ", ");
	select_list(q, &b->sql);
	carb_buf_adds(&b->sql, " FROM completions JOIN files ON files.id ="
		      " completions.file_id WHERE (completions.id > ?");
	params[np] = (struct qparam){ .kind = 'i', .i = pa->c->high };
	push(b, &params[np++]);
	for (size_t i = 0; i < pa->c->ngaps; i++) {
		carb_buf_adds(&b->sql, i ? ", ?" : " OR completions.id IN (?");
		params[np] = (struct qparam){ .kind = 'i', .i = pa->c->gaps[i].id };
		push(b, &params[np++]);
	}
	carb_buf_adds(&b->sql, pa->c->ngaps ? "))" : ")");
	carb_buf_adds(&b->sql, " ORDER BY completions.id");
	if (pa->limit >= 0) {
		carb_buf_adds(&b->sql, " LIMIT ?");
		params[np] = (struct qparam){ .kind = 'i', .i = pa->limit };
		push(b, &params[np]);
	}
}

/* Builds and prepares the statement of mode m. */
static int prepare(struct carb_catalog *cat, const struct carb_query *q,
		   enum qmode m, const struct poll_args *pa,
		   struct carb_stmt **st, struct carb_error *err)
{
	enum carb_db_kind kind = carb_catalog_kind(cat);
	struct sqlb b = { .params = NULL, .nparams = 0 };
	struct qparam **owned = NULL, lim = { .kind = 'i' }, off = { .kind = 'i' };
	struct qparam now = { .kind = 'i', .i = carb_now_us() }, *pp = NULL;
	size_t nowned = 0;
	int rc;

	carb_buf_init(&b.sql);
	switch (m) {
	case QM_COUNT:
		carb_buf_addf(&b.sql, "SELECT COUNT(*) FROM %s", q->tname);
		where_sql(q, kind, &b, &owned, &nowned, true);
		break;
	case QM_ROWS:
		carb_buf_adds(&b.sql, "SELECT ");
		select_list(q, &b.sql);
		carb_buf_addf(&b.sql, " FROM %s", q->tname);
		where_sql(q, kind, &b, &owned, &nowned, true);
		order_sql(q, kind, &b.sql);
		if (q->limit >= 0 || q->offset > 0) {
			lim.i = q->limit >= 0 ? q->limit : INT64_MAX;
			off.i = q->offset;
			carb_buf_adds(&b.sql, " LIMIT ? OFFSET ?");
			push(&b, &lim);
			push(&b, &off);
		}
		break;
	case QM_POLL:
		pp = carb_xcalloc(pa->c->ngaps + 3, sizeof(*pp));
		poll_sql(q, pa, &b, pp);
		break;
	case QM_CLEAR:
		carb_buf_adds(&b.sql, "UPDATE files SET status = 'CLEARED', updated_at = ?");
		push(&b, &now);
		where_sql(q, kind, &b, &owned, &nowned, true);
		carb_buf_addf(&b.sql, "%s files.status IN " FINAL_STATUSES
			      " AND files.status <> 'CLEARED'",
			      q->nconds ? " AND" : " WHERE");
		break;
	}
	rc = carb_stmt_prepare(cat, b.sql.data, st, err);
	if (rc == 0 && bind_all(*st, &b, err) < 0) {
		carb_stmt_finalize(st);
		rc = -1;
	}
	for (size_t i = 0; i < nowned; i++) {
		param_release(owned[i]);
		free(owned[i]);
	}
	free(owned);
	free(pp);
	free(b.params);
	carb_buf_release(&b.sql);
	return rc;
}

int carb_query_run(struct carb_catalog *cat, const struct carb_query *q,
		   struct carb_qrows **out, struct carb_error *err)
{
	struct carb_stmt *st;

	*out = NULL;
	if (q->nsel == 0)
		return carb_error_set(err, "no column to read");
	if (prepare(cat, q, QM_ROWS, NULL, &st, err) < 0)
		return -1;
	carb_stmt_stream(st);
	*out = carb_xcalloc(1, sizeof(**out));
	(*out)->q = q;
	(*out)->st = st;
	return 0;
}

int carb_qrows_next(struct carb_qrows *r, struct carb_error *err)
{
	return carb_stmt_step(r->st, err);
}

void carb_qrows_value(struct carb_qrows *r, size_t i, struct carb_qvalue *v)
{
	const struct qcol *c = &r->q->cols[r->q->sel[i]];
	int col = (int)i + r->skip;

	memset(v, 0, sizeof(*v));
	v->type = c->pub.type;
	v->is_null = carb_stmt_column_is_null(r->st, col);
	if (v->is_null)
		return;
	switch (c->pub.type) {
	case CARB_QTYPE_TEXT:
		v->text = carb_stmt_column_text(r->st, col);
		v->len = v->text != NULL ? strlen(v->text) : 0;
		break;
	case CARB_QTYPE_BYTES:
		v->text = carb_stmt_column_blob(r->st, col, &v->len);
		break;
	case CARB_QTYPE_REAL:
		v->real = carb_stmt_column_double(r->st, col);
		break;
	default:
		v->integer = carb_stmt_column_int64(r->st, col);
		break;
	}
	if ((c->pub.type == CARB_QTYPE_TEXT || c->pub.type == CARB_QTYPE_BYTES) &&
	    v->text == NULL)
		v->text = "";
}

void carb_qrows_free(struct carb_qrows **r)
{
	if (*r == NULL)
		return;
	carb_stmt_finalize(&(*r)->st);
	free(*r);
	*r = NULL;
}

int carb_query_count(struct carb_catalog *cat, const struct carb_query *q,
		     int64_t *n, struct carb_error *err)
{
	struct carb_stmt *st;
	int rc;

	*n = 0;
	if (prepare(cat, q, QM_COUNT, NULL, &st, err) < 0)
		return -1;
	rc = carb_stmt_step(st, err);
	if (rc == CARB_STEP_ROW)
		*n = carb_stmt_column_int64(st, 0);
	carb_stmt_finalize(&st);
	if (rc < 0)
		return -1;
	*n -= q->offset;
	if (*n < 0)
		*n = 0;
	if (q->limit >= 0 && *n > q->limit)
		*n = q->limit;
	return 0;
}

int carb_poll_run(struct carb_catalog *cat, const struct carb_query *q,
		  const struct carb_cursor *c, int64_t limit,
		  struct carb_qrows **out, struct carb_error *err)
{
	struct poll_args pa = { .c = c, .limit = limit };
	struct carb_stmt *st;

	*out = NULL;
	if (prepare(cat, q, QM_POLL, &pa, &st, err) < 0)
		return -1;
	carb_stmt_stream(st);
	*out = carb_xcalloc(1, sizeof(**out));
	(*out)->q = q;
	(*out)->st = st;
	(*out)->skip = 2;
	return 0;
}

void carb_qrows_completion(struct carb_qrows *r, int64_t *id,
			   const char **status)
{
	*id = r->skip == 2 ? carb_stmt_column_int64(r->st, 0) : 0;
	*status = r->skip == 2 ? carb_stmt_column_text(r->st, 1) : NULL;
}

int carb_groups_clear(struct carb_catalog *cat, const struct carb_query *q,
		      int64_t *n, struct carb_error *err)
{
	struct carb_stmt *st;
	int rc;

	*n = 0;
	if (q->table != CARB_QUERY_FILES)
		return carb_error_set(err, "only groups (files) can be cleared");
	if (prepare(cat, q, QM_CLEAR, NULL, &st, err) < 0)
		return -1;
	rc = carb_stmt_step(st, err);
	if (rc >= 0)
		*n = carb_stmt_changes(st);
	carb_stmt_finalize(&st);
	return rc < 0 ? -1 : 0;
}
