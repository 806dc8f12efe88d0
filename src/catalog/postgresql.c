/* The PostgreSQL backend (libpq): a catalog shared by several hosts and
 * many readers.  Exports carb_catalog_pg_driver and nothing else.
 *
 * Parameters travel separately from the SQL text (PQexecPrepared), as
 * text, except blobs, which go in binary so no byte is ever escaped.
 * Results come back as text and are read whole when a statement first
 * steps, so statements on one connection may interleave as on SQLite. */
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "catalog/driver.h"

/* From the server's pg_type.h, which libpq does not install. */
#define BOOLOID 16
#define BYTEAOID 17

#define DEFAULT_CONNECT_TIMEOUT "10"

struct carb_driver_conn {
	PGconn *pg;
	enum carb_db_errclass errclass;
	unsigned next_id;     /* names server-side prepared statements */
};

struct carb_driver_stmt {
	struct carb_driver_conn *conn;
	char name[32];
	int nparams;
	char **values;        /* owned; NULL binds SQL NULL */
	int *lengths;
	int *formats;         /* 0 text, 1 binary */
	PGresult *res;
	bool executed;
	bool stream;          /* single-row mode asked for */
	bool pending;         /* results of a streamed query still to read */
	int row;              /* current row; -1 before the first */
	int64_t changes;
	/* bytea values of the current row, decoded on demand. */
	char **decoded;
	size_t *decoded_len;
};

static enum carb_db_errclass classify(const PGconn *pg, const char *state)
{
	if (PQstatus(pg) == CONNECTION_BAD)
		return CARB_DBERR_CONNECTION;
	if (state == NULL)
		return CARB_DBERR_OTHER;
	if (strncmp(state, "23", 2) == 0)
		return CARB_DBERR_CONSTRAINT;
	if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
	    strcmp(state, "55P03") == 0)
		return CARB_DBERR_RETRY;
	if (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0)
		return CARB_DBERR_CONNECTION;
	return CARB_DBERR_OTHER;
}

/* libpq's messages end in a newline and may span lines; keep one line. */
static void set_flat(struct carb_error *err, const char *prefix,
		     const char *msg)
{
	char buf[CARB_ERROR_MAX];
	size_t n;

	snprintf(buf, sizeof(buf), "%s", msg != NULL ? msg : "unknown error");
	n = strlen(buf);
	while (n > 0 && isspace((unsigned char)buf[n - 1]))
		buf[--n] = '\0';
	for (char *p = buf; *p != '\0'; p++)
		if (*p == '\n')
			*p = ' ';
	carb_error_set(err, "%s%s", prefix, buf);
}

/* A failed result's message: the primary text, and for SQL text (sql not
 * NULL) the line the error points at, which matters in migration files. */
static int result_error(struct carb_driver_conn *c, const PGresult *res,
			const char *sql, struct carb_error *err)
{
	const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *pos = res ? PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION) : NULL;
	char prefix[64] = "";

	c->errclass = classify(c->pg, res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL);
	if (primary == NULL) {
		const char *msg = res ? PQresultErrorMessage(res) : "";

		set_flat(err, "", *msg != '\0' ? msg : PQerrorMessage(c->pg));
		return -1;
	}
	if (sql != NULL && pos != NULL) {
		long at = strtol(pos, NULL, 10);
		int line = 1;

		for (long i = 0; i < at - 1 && sql[i] != '\0'; i++)
			line += sql[i] == '\n';
		snprintf(prefix, sizeof(prefix), "line %d: ", line);
	}
	set_flat(err, prefix, primary);
	return -1;
}

/* Only the CLI prints: notices (e.g. "relation already exists,
 * skipping") must not reach stderr from here. */
static void ignore_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static int pg_connect(const struct carb_driver_connect_options *opts,
		      struct carb_driver_conn **out, struct carb_error *err)
{
	const struct carb_db_url *u = opts->url;
	size_t max = 9 + u->nparams;
	const char **keys = carb_xcalloc(max + 1, sizeof(*keys));
	const char **vals = carb_xcalloc(max + 1, sizeof(*vals));
	char port[16], timeout[16];
	struct carb_driver_conn *c;
	size_t n = 0;

#define KV(k, v) do { if ((v) != NULL) { keys[n] = (k); vals[n] = (v); n++; } } while (0)
	snprintf(port, sizeof(port), "%d", u->port);
	snprintf(timeout, sizeof(timeout), "%d", u->connect_timeout);
	KV("host", u->host);
	KV("port", u->port > 0 ? port : NULL);
	KV("dbname", u->dbname);
	KV("user", u->user);
	KV("password", u->password);
	KV("connect_timeout", u->connect_timeout > 0 ? timeout : DEFAULT_CONNECT_TIMEOUT);
	KV("client_encoding", "UTF8");
	KV("application_name", "carbonation");
	for (size_t i = 0; i < u->nparams; i++)
		KV(u->params[i].key, u->params[i].value);
#undef KV
	c = carb_xcalloc(1, sizeof(*c));
	/* expand_dbname 0: a database name is never read as a conninfo. */
	c->pg = PQconnectdbParams(keys, vals, 0);
	free(keys);
	free(vals);
	if (c->pg == NULL || PQstatus(c->pg) != CONNECTION_OK) {
		set_flat(err, "", c->pg ? PQerrorMessage(c->pg) : "out of memory");
		PQfinish(c->pg);
		free(c);
		return -1;
	}
	PQsetNoticeProcessor(c->pg, ignore_notice, NULL);
	*out = c;
	return 0;
}

static void pg_close(struct carb_driver_conn *c)
{
	if (c == NULL)
		return;
	PQfinish(c->pg);
	free(c);
}

static int pg_exec(struct carb_driver_conn *c, const char *sql,
		   struct carb_error *err)
{
	PGresult *res = PQexec(c->pg, sql);
	ExecStatusType st = PQresultStatus(res);
	int r = 0;

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK &&
	    st != PGRES_EMPTY_QUERY)
		r = result_error(c, res, sql, err);
	PQclear(res);
	return r;
}

static int pg_begin(struct carb_driver_conn *c, struct carb_error *err)
{
	c->errclass = CARB_DBERR_NONE;
	return pg_exec(c, "BEGIN", err);
}

/* COMMIT of a transaction that an earlier error aborted "succeeds" with
 * the tag ROLLBACK: that must read as a failure. */
static int pg_commit(struct carb_driver_conn *c, struct carb_error *err)
{
	PGresult *res = PQexec(c->pg, "COMMIT");
	int r = 0;

	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		r = result_error(c, res, NULL, err);
	else if (strcmp(PQcmdStatus(res), "ROLLBACK") == 0) {
		c->errclass = CARB_DBERR_OTHER;
		r = carb_error_set(err, "the transaction was rolled back after an earlier error");
	}
	PQclear(res);
	return r;
}

static int pg_rollback(struct carb_driver_conn *c, struct carb_error *err)
{
	return pg_exec(c, "ROLLBACK", err);
}

static enum carb_db_errclass pg_last_error(const struct carb_driver_conn *c)
{
	return c->errclass;
}

static int pg_prepare(struct carb_driver_conn *c, const char *sql,
		      struct carb_driver_stmt **out, struct carb_error *err)
{
	struct carb_driver_stmt *s = carb_xcalloc(1, sizeof(*s));
	char *text = carb_sql_number_placeholders(sql, &s->nparams);
	PGresult *res;

	*out = NULL;
	snprintf(s->name, sizeof(s->name), "carb_%u", c->next_id++);
	res = PQprepare(c->pg, s->name, text, 0, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		result_error(c, res, text, err);
		PQclear(res);
		free(text);
		free(s);
		return -1;
	}
	PQclear(res);
	free(text);
	s->conn = c;
	s->row = -1;
	s->values = carb_xcalloc((size_t)s->nparams + 1, sizeof(*s->values));
	s->lengths = carb_xcalloc((size_t)s->nparams + 1, sizeof(*s->lengths));
	s->formats = carb_xcalloc((size_t)s->nparams + 1, sizeof(*s->formats));
	*out = s;
	return 0;
}

/* Stores a copy of len bytes (plus a NUL) as parameter idx. */
static int bind_value(struct carb_driver_stmt *s, int idx, const void *v,
		      size_t len, int format, struct carb_error *err)
{
	if (idx > s->nparams)
		return carb_error_set(err, "the statement has no parameter %d (it has %d)",
				      idx, s->nparams);
	if (s->executed)
		return carb_error_set(err, "reset the statement before binding again");
	if (len > INT32_MAX)
		return carb_error_set(err, "parameter %d is too large", idx);
	free(s->values[idx - 1]);
	s->values[idx - 1] = NULL;
	if (v != NULL) {
		s->values[idx - 1] = carb_xmalloc(len + 1);
		memcpy(s->values[idx - 1], v, len);
		s->values[idx - 1][len] = '\0';
	}
	s->lengths[idx - 1] = (int)len;
	s->formats[idx - 1] = format;
	return 0;
}

static int pg_bind_text(struct carb_driver_stmt *s, int idx, const char *v,
			size_t len, struct carb_error *err)
{
	if (memchr(v, '\0', len) != NULL)
		return carb_error_set(err, "parameter %d: text cannot hold a NUL byte (bind it as a blob)",
				      idx);
	return bind_value(s, idx, v, len, 0, err);
}

static int pg_bind_blob(struct carb_driver_stmt *s, int idx, const void *v,
			size_t len, struct carb_error *err)
{
	return bind_value(s, idx, v, len, 1, err);
}

static int pg_bind_int64(struct carb_driver_stmt *s, int idx, int64_t v,
			 struct carb_error *err)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%" PRId64, v);

	return bind_value(s, idx, buf, (size_t)n, 0, err);
}

static int pg_bind_double(struct carb_driver_stmt *s, int idx, double v,
			  struct carb_error *err)
{
	char buf[40];
	int n;

	if (isnan(v))
		n = snprintf(buf, sizeof(buf), "NaN");
	else if (isinf(v))
		n = snprintf(buf, sizeof(buf), "%sInfinity", v < 0 ? "-" : "");
	else
		n = snprintf(buf, sizeof(buf), "%.17g", v);
	return bind_value(s, idx, buf, (size_t)n, 0, err);
}

static int pg_bind_null(struct carb_driver_stmt *s, int idx,
			struct carb_error *err)
{
	return bind_value(s, idx, NULL, 0, 0, err);
}

static void clear_decoded(struct carb_driver_stmt *s)
{
	int n = s->res ? PQnfields(s->res) : 0;

	for (int i = 0; s->decoded != NULL && i < n; i++) {
		free(s->decoded[i]);
		s->decoded[i] = NULL;
	}
}

static int execute(struct carb_driver_stmt *s, struct carb_error *err)
{
	ExecStatusType st;
	const char *tag;

	s->res = PQexecPrepared(s->conn->pg, s->name, s->nparams,
				(const char *const *)s->values, s->lengths,
				s->formats, 0);
	st = PQresultStatus(s->res);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		result_error(s->conn, s->res, NULL, err);
		PQclear(s->res);
		s->res = NULL;
		return -1;
	}
	s->executed = true;
	s->row = -1;
	/* PQcmdTuples counts selected rows too; only writes are changes
	 * (with or without RETURNING). */
	tag = PQcmdStatus(s->res);
	s->changes = strncmp(tag, "INSERT", 6) == 0 || strncmp(tag, "UPDATE", 6) == 0 ||
		strncmp(tag, "DELETE", 6) == 0 || strncmp(tag, "MERGE", 5) == 0
		? strtoll(PQcmdTuples(s->res), NULL, 10) : 0;
	free(s->decoded);
	free(s->decoded_len);
	s->decoded = carb_xcalloc((size_t)PQnfields(s->res) + 1, sizeof(*s->decoded));
	s->decoded_len = carb_xcalloc((size_t)PQnfields(s->res) + 1, sizeof(*s->decoded_len));
	return 0;
}

/* Reads what a streamed query has left, so the connection is free. */
static void drain(struct carb_driver_stmt *s)
{
	PGresult *r;

	while (s->pending && (r = PQgetResult(s->conn->pg)) != NULL)
		PQclear(r);
	s->pending = false;
}

static int stream_execute(struct carb_driver_stmt *s, struct carb_error *err)
{
	if (!PQsendQueryPrepared(s->conn->pg, s->name, s->nparams,
				 (const char *const *)s->values, s->lengths,
				 s->formats, 0) ||
	    !PQsetSingleRowMode(s->conn->pg)) {
		s->pending = true;
		drain(s);
		return result_error(s->conn, NULL, NULL, err);
	}
	s->pending = true;
	s->executed = true;
	s->row = -1;
	s->changes = 0;
	return 0;
}

/* The next row of a streamed query: each comes as a result of its own. */
static int stream_step(struct carb_driver_stmt *s, struct carb_error *err)
{
	ExecStatusType st;

	clear_decoded(s);
	PQclear(s->res);
	s->res = s->pending ? PQgetResult(s->conn->pg) : NULL;
	s->row = 0;
	if (s->res == NULL) {
		s->pending = false;
		return CARB_STEP_DONE;
	}
	st = PQresultStatus(s->res);
	if (st == PGRES_SINGLE_TUPLE) {
		if (s->decoded == NULL) {
			s->decoded = carb_xcalloc((size_t)PQnfields(s->res) + 1,
						  sizeof(*s->decoded));
			s->decoded_len = carb_xcalloc((size_t)PQnfields(s->res) + 1,
						      sizeof(*s->decoded_len));
		}
		return CARB_STEP_ROW;
	}
	if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
		/* The empty result that ends the rows; keep it for the
		 * column count, read nothing more. */
		drain(s);
		s->row = 1;
		return CARB_STEP_DONE;
	}
	result_error(s->conn, s->res, NULL, err);
	PQclear(s->res);
	s->res = NULL;
	drain(s);
	return -1;
}

static void pg_stream(struct carb_driver_stmt *s)
{
	s->stream = true;
}

static int pg_step(struct carb_driver_stmt *s, struct carb_error *err)
{
	if (s->stream) {
		if (!s->executed && stream_execute(s, err) < 0)
			return -1;
		return stream_step(s, err);
	}
	if (!s->executed && execute(s, err) < 0)
		return -1;
	clear_decoded(s);
	if (s->row < PQntuples(s->res))
		s->row++;
	return s->row < PQntuples(s->res) ? CARB_STEP_ROW : CARB_STEP_DONE;
}

static int64_t pg_changes(const struct carb_driver_stmt *s)
{
	return s->changes;
}

static int pg_column_count(const struct carb_driver_stmt *s)
{
	return s->res ? PQnfields(s->res) : 0;
}

static bool pg_column_is_null(struct carb_driver_stmt *s, int col)
{
	if (s->res == NULL || s->row < 0 || s->row >= PQntuples(s->res))
		return true;
	return PQgetisnull(s->res, s->row, col);
}

static int64_t pg_column_int64(struct carb_driver_stmt *s, int col)
{
	const char *v;

	if (pg_column_is_null(s, col))
		return 0;
	v = PQgetvalue(s->res, s->row, col);
	if (PQftype(s->res, col) == BOOLOID)
		return v[0] == 't';
	return strtoll(v, NULL, 10);
}

static double pg_column_double(struct carb_driver_stmt *s, int col)
{
	if (pg_column_is_null(s, col))
		return 0.0;
	return strtod(PQgetvalue(s->res, s->row, col), NULL);
}

/* bytea arrives as "\x4142..." text; callers want the bytes. */
static const char *pg_column_text(struct carb_driver_stmt *s, int col,
				  size_t *len)
{
	unsigned char *raw;
	size_t n;

	*len = 0;
	if (pg_column_is_null(s, col))
		return NULL;
	if (PQftype(s->res, col) != BYTEAOID) {
		*len = (size_t)PQgetlength(s->res, s->row, col);
		return PQgetvalue(s->res, s->row, col);
	}
	if (s->decoded[col] == NULL) {
		raw = PQunescapeBytea((const unsigned char *)PQgetvalue(s->res, s->row, col),
				      &n);
		if (raw == NULL)
			return NULL;
		s->decoded[col] = carb_xmalloc(n + 1);
		memcpy(s->decoded[col], raw, n);
		s->decoded[col][n] = '\0';
		s->decoded_len[col] = n;
		PQfreemem(raw);
	}
	*len = s->decoded_len[col];
	return s->decoded[col];
}

static const void *pg_column_blob(struct carb_driver_stmt *s, int col,
				  size_t *len)
{
	return pg_column_text(s, col, len);
}

static int pg_reset(struct carb_driver_stmt *s, struct carb_error *err)
{
	clear_decoded(s);
	drain(s);
	PQclear(s->res);
	s->res = NULL;
	s->executed = false;
	s->row = -1;
	s->changes = 0;
	return 0;
}

static void pg_clear_bindings(struct carb_driver_stmt *s)
{
	for (int i = 0; i < s->nparams; i++) {
		free(s->values[i]);
		s->values[i] = NULL;
		s->lengths[i] = 0;
		s->formats[i] = 0;
	}
}

static void pg_finalize(struct carb_driver_stmt *s)
{
	char sql[64];

	if (s == NULL)
		return;
	pg_reset(s, NULL);
	/* Fails harmlessly inside an aborted transaction: the statement then
	 * lives until the connection closes. */
	snprintf(sql, sizeof(sql), "DEALLOCATE %s", s->name);
	PQclear(PQexec(s->conn->pg, sql));
	for (int i = 0; i < s->nparams; i++)
		free(s->values[i]);
	free(s->values);
	free(s->lengths);
	free(s->formats);
	free(s->decoded);
	free(s->decoded_len);
	free(s);
}

const struct carb_driver carb_catalog_pg_driver = {
	.kind = CARB_DB_POSTGRESQL,
	.name = "postgresql",
	.transactional_ddl = true,
	/* pg_class, not information_schema.tables: planning that view
	 * took 10 to 30 ms, more than the query a `query` runs after it.
	 * The same kinds: tables, partitioned tables, views, foreign
	 * tables. */
	.table_exists_sql =
		"SELECT 1 FROM pg_catalog.pg_class c"
		" JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
		" WHERE n.nspname = current_schema() AND c.relname = ?"
		" AND c.relkind IN ('r', 'p', 'v', 'f')",
	/* Waits for the other runner.  Advisory locks are per server: the
	 * key names the database, so other catalogs are not held up. */
	.migrate_lock_sql =
		"SELECT 1 FROM (SELECT pg_advisory_lock(hashtext("
		"'carbonation.migrate.' || current_database()))) AS l",
	.migrate_unlock_sql =
		"SELECT pg_advisory_unlock(hashtext("
		"'carbonation.migrate.' || current_database()))",
	.connect = pg_connect,
	.close = pg_close,
	.exec = pg_exec,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.last_error = pg_last_error,
	.prepare = pg_prepare,
	.bind_text = pg_bind_text,
	.bind_blob = pg_bind_blob,
	.bind_int64 = pg_bind_int64,
	.bind_double = pg_bind_double,
	.bind_null = pg_bind_null,
	.step = pg_step,
	.stream = pg_stream,
	.changes = pg_changes,
	.column_count = pg_column_count,
	.column_is_null = pg_column_is_null,
	.column_int64 = pg_column_int64,
	.column_double = pg_column_double,
	.column_text = pg_column_text,
	.column_blob = pg_column_blob,
	.reset = pg_reset,
	.clear_bindings = pg_clear_bindings,
	.finalize = pg_finalize,
};
