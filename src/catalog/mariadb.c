/* The MariaDB backend (mariadb-connector-c): a catalog shared by several
 * hosts.  Exports carb_catalog_mariadb_driver and nothing else.
 *
 * Statements are server-side prepared and every value is bound (binary
 * protocol), so nothing is ever escaped into SQL text.  A result is
 * stored client-side when first stepped, so statements on one connection
 * may interleave as on SQLite.  DDL commits implicitly in MariaDB: the
 * driver says so (transactional_ddl false) and the migration runner tells
 * the operator when a file stopped halfway. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mysql.h>

#include "catalog/driver.h"

#define DEFAULT_CONNECT_TIMEOUT 10
#define MIN_COLUMN_BUFFER 64

struct carb_driver_conn {
	MYSQL *my;
	enum carb_db_errclass errclass;
};

enum col_kind { COL_INT, COL_DOUBLE, COL_BYTES };

struct column {
	enum col_kind kind;
	int64_t i;
	double d;
	char *buf;            /* COL_BYTES: the value plus a NUL */
	unsigned long cap;
	unsigned long len;
	my_bool is_null;
	my_bool error;
	char text[40];        /* numbers read as text */
};

struct param {
	char *buf;            /* owned copy for text and blobs */
	int64_t i;
	double d;
	unsigned long len;
};

struct carb_driver_stmt {
	struct carb_driver_conn *conn;
	MYSQL_STMT *st;
	bool writes;          /* INSERT/UPDATE/DELETE/REPLACE */
	unsigned nparams;
	MYSQL_BIND *pbind;
	struct param *params;
	bool executed;
	bool stream;          /* fetch unbuffered: no store_result */
	MYSQL_RES *meta;      /* NULL: no result set */
	unsigned ncols;
	MYSQL_BIND *rbind;
	struct column *cols;
	int64_t changes;
};

/* The connector's process-wide set-up is not thread-safe the first time;
 * workers may connect at once. */
static pthread_once_t library_once = PTHREAD_ONCE_INIT;

static void library_init(void)
{
	mysql_library_init(0, NULL, NULL);
}

static enum carb_db_errclass classify(unsigned int code, const char *state)
{
	switch (code) {
	case 1205:  /* ER_LOCK_WAIT_TIMEOUT */
	case 1213:  /* ER_LOCK_DEADLOCK */
		return CARB_DBERR_RETRY;
	case 2002:  /* CR_CONNECTION_ERROR */
	case 2003:  /* CR_CONN_HOST_ERROR */
	case 2006:  /* CR_SERVER_GONE_ERROR */
	case 2013:  /* CR_SERVER_LOST */
	case 1927:  /* ER_CONNECTION_KILLED */
		return CARB_DBERR_CONNECTION;
	case 4025:  /* ER_CONSTRAINT_FAILED (CHECK) */
		return CARB_DBERR_CONSTRAINT;
	default:
		break;
	}
	if (state != NULL && strncmp(state, "23", 2) == 0)
		return CARB_DBERR_CONSTRAINT;
	return CARB_DBERR_OTHER;
}

static int conn_fail(struct carb_driver_conn *c, const char *prefix,
		     struct carb_error *err)
{
	c->errclass = classify(mysql_errno(c->my), mysql_sqlstate(c->my));
	return carb_error_set(err, "%s%s", prefix, mysql_error(c->my));
}

static int stmt_fail(struct carb_driver_stmt *s, struct carb_error *err)
{
	s->conn->errclass = classify(mysql_stmt_errno(s->st),
				     mysql_stmt_sqlstate(s->st));
	return carb_error_set(err, "%s", mysql_stmt_error(s->st));
}

/* ANSI_QUOTES, PIPES_AS_CONCAT and NO_BACKSLASH_ESCAPES make "quoted
 * identifiers", || and 'literals' mean what they mean in SQLite and
 * PostgreSQL, so SQL text differs only where the dialects truly do.
 * STRICT_ALL_TABLES: a value too long for its column is an error, never
 * silently cut (a truncated path would name another file). */
static const char *const session_sql =
	"SET SESSION sql_mode = 'ANSI_QUOTES,PIPES_AS_CONCAT,NO_BACKSLASH_ESCAPES,"
	"STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'";

static void set_options(MYSQL *my, const struct carb_db_url *u)
{
	unsigned int timeout = u->connect_timeout > 0
		? (unsigned int)u->connect_timeout : DEFAULT_CONNECT_TIMEOUT;
	unsigned int no = 0;

	mysql_options(my, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	mysql_options(my, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	/* LOAD DATA LOCAL lets a server read the client's files: never. */
	mysql_options(my, MYSQL_OPT_LOCAL_INFILE, &no);
}

static int my_connect(const struct carb_driver_connect_options *opts,
		      struct carb_driver_conn **out, struct carb_error *err)
{
	const struct carb_db_url *u = opts->url;
	const char *password = u->password ? u->password : getenv("MYSQL_PWD");
	struct carb_driver_conn *c;

	*out = NULL;
	pthread_once(&library_once, library_init);
	c = carb_xcalloc(1, sizeof(*c));
	c->my = mysql_init(NULL);
	if (c->my == NULL) {
		free(c);
		return carb_error_set(err, "out of memory");
	}
	set_options(c->my, u);
	/* FOUND_ROWS: an UPDATE counts the rows it matched, as on SQLite and
	 * PostgreSQL, not only those whose values changed. */
	if (mysql_real_connect(c->my, u->socket ? "localhost" : u->host, u->user,
			       password, u->dbname, (unsigned int)u->port,
			       u->socket, CLIENT_FOUND_ROWS) == NULL ||
	    mysql_real_query(c->my, session_sql, strlen(session_sql)) != 0) {
		carb_error_set(err, "%s", mysql_error(c->my));
		mysql_close(c->my);
		free(c);
		return -1;
	}
	*out = c;
	return 0;
}

static void my_close(struct carb_driver_conn *c)
{
	if (c == NULL)
		return;
	mysql_close(c->my);
	free(c);
}

/* Runs each statement's results to the end; the first failure stops it
 * and names the statement's number in the text. */
static int drain_results(struct carb_driver_conn *c, struct carb_error *err)
{
	char prefix[48];
	int n = 1;

	for (;;) {
		MYSQL_RES *res = mysql_store_result(c->my);
		int status;

		if (res != NULL)
			mysql_free_result(res);
		else if (mysql_field_count(c->my) != 0)
			break;
		status = mysql_next_result(c->my);
		if (status < 0)
			return 0;
		n++;
		if (status > 0)
			break;
	}
	snprintf(prefix, sizeof(prefix), "statement %d: ", n);
	return conn_fail(c, prefix, err);
}

/* Several statements in one text need the connection's multi-statement
 * mode; it is on only here, so no prepared statement ever runs with it. */
static int my_exec(struct carb_driver_conn *c, const char *sql,
		   struct carb_error *err)
{
	int r;

	if (mysql_set_server_option(c->my, MYSQL_OPTION_MULTI_STATEMENTS_ON) != 0)
		return conn_fail(c, "", err);
	if (mysql_real_query(c->my, sql, strlen(sql)) != 0)
		r = conn_fail(c, "statement 1: ", err);
	else
		r = drain_results(c, err);
	mysql_set_server_option(c->my, MYSQL_OPTION_MULTI_STATEMENTS_OFF);
	return r;
}

static int my_begin(struct carb_driver_conn *c, struct carb_error *err)
{
	static const char sql[] = "START TRANSACTION";

	c->errclass = CARB_DBERR_NONE;
	if (mysql_real_query(c->my, sql, sizeof(sql) - 1) != 0)
		return conn_fail(c, "", err);
	return 0;
}

static int my_commit(struct carb_driver_conn *c, struct carb_error *err)
{
	return mysql_commit(c->my) != 0 ? conn_fail(c, "", err) : 0;
}

static int my_rollback(struct carb_driver_conn *c, struct carb_error *err)
{
	return mysql_rollback(c->my) != 0 ? conn_fail(c, "", err) : 0;
}

static enum carb_db_errclass my_last_error(const struct carb_driver_conn *c)
{
	return c->errclass;
}

/* The first keyword, skipping blanks and comments. */
static bool is_write(const char *sql)
{
	static const char *const verbs[] = { "INSERT", "UPDATE", "DELETE", "REPLACE" };

	for (;;) {
		sql += strspn(sql, " \t\r\n(");
		if (strncmp(sql, "--", 2) == 0)
			sql += strcspn(sql, "\n");
		else if (strncmp(sql, "/*", 2) == 0 && strstr(sql, "*/") != NULL)
			sql = strstr(sql, "*/") + 2;
		else
			break;
	}
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strncasecmp(sql, verbs[i], strlen(verbs[i])) == 0)
			return true;
	return false;
}

static int my_prepare(struct carb_driver_conn *c, const char *sql,
		      struct carb_driver_stmt **out, struct carb_error *err)
{
	struct carb_driver_stmt *s = carb_xcalloc(1, sizeof(*s));
	my_bool on = 1;

	*out = NULL;
	s->conn = c;
	s->st = mysql_stmt_init(c->my);
	if (s->st == NULL) {
		free(s);
		return conn_fail(c, "", err);
	}
	if (mysql_stmt_prepare(s->st, sql, strlen(sql)) != 0) {
		stmt_fail(s, err);
		mysql_stmt_close(s->st);
		free(s);
		return -1;
	}
	/* Lets the stored result tell each column's longest value, so one
	 * buffer per column fits every row. */
	mysql_stmt_attr_set(s->st, STMT_ATTR_UPDATE_MAX_LENGTH, &on);
	s->writes = is_write(sql);
	s->nparams = (unsigned)mysql_stmt_param_count(s->st);
	s->pbind = carb_xcalloc(s->nparams + 1, sizeof(*s->pbind));
	s->params = carb_xcalloc(s->nparams + 1, sizeof(*s->params));
	/* A parameter never bound is NULL, as in SQLite. */
	for (unsigned i = 0; i < s->nparams; i++)
		s->pbind[i].buffer_type = MYSQL_TYPE_NULL;
	*out = s;
	return 0;
}

static struct param *param_slot(struct carb_driver_stmt *s, int idx,
				struct carb_error *err)
{
	struct param *p;

	if ((unsigned)idx > s->nparams) {
		carb_error_set(err, "the statement has no parameter %d (it has %u)",
			       idx, s->nparams);
		return NULL;
	}
	if (s->executed) {
		carb_error_set(err, "reset the statement before binding again");
		return NULL;
	}
	p = &s->params[idx - 1];
	free(p->buf);
	p->buf = NULL;
	memset(&s->pbind[idx - 1], 0, sizeof(s->pbind[idx - 1]));
	return p;
}

static int bind_bytes(struct carb_driver_stmt *s, int idx, const void *v,
		      size_t len, enum enum_field_types type,
		      struct carb_error *err)
{
	struct param *p = param_slot(s, idx, err);
	MYSQL_BIND *b = &s->pbind[idx - 1];

	if (p == NULL)
		return -1;
	p->buf = carb_xmalloc(len + 1);
	memcpy(p->buf, v, len);
	p->len = (unsigned long)len;
	b->buffer_type = type;
	b->buffer = p->buf;
	b->buffer_length = p->len;
	b->length = &p->len;
	return 0;
}

static int my_bind_text(struct carb_driver_stmt *s, int idx, const char *v,
			size_t len, struct carb_error *err)
{
	return bind_bytes(s, idx, v, len, MYSQL_TYPE_STRING, err);
}

static int my_bind_blob(struct carb_driver_stmt *s, int idx, const void *v,
			size_t len, struct carb_error *err)
{
	return bind_bytes(s, idx, v, len, MYSQL_TYPE_BLOB, err);
}

static int my_bind_int64(struct carb_driver_stmt *s, int idx, int64_t v,
			 struct carb_error *err)
{
	struct param *p = param_slot(s, idx, err);

	if (p == NULL)
		return -1;
	p->i = v;
	s->pbind[idx - 1].buffer_type = MYSQL_TYPE_LONGLONG;
	s->pbind[idx - 1].buffer = &p->i;
	return 0;
}

static int my_bind_double(struct carb_driver_stmt *s, int idx, double v,
			  struct carb_error *err)
{
	struct param *p = param_slot(s, idx, err);

	if (p == NULL)
		return -1;
	p->d = v;
	s->pbind[idx - 1].buffer_type = MYSQL_TYPE_DOUBLE;
	s->pbind[idx - 1].buffer = &p->d;
	return 0;
}

static int my_bind_null(struct carb_driver_stmt *s, int idx,
			struct carb_error *err)
{
	if (param_slot(s, idx, err) == NULL)
		return -1;
	s->pbind[idx - 1].buffer_type = MYSQL_TYPE_NULL;
	return 0;
}

static enum col_kind kind_of(enum enum_field_types t)
{
	switch (t) {
	case MYSQL_TYPE_TINY:
	case MYSQL_TYPE_SHORT:
	case MYSQL_TYPE_LONG:
	case MYSQL_TYPE_INT24:
	case MYSQL_TYPE_LONGLONG:
	case MYSQL_TYPE_YEAR:
		return COL_INT;
	case MYSQL_TYPE_FLOAT:
	case MYSQL_TYPE_DOUBLE:
		return COL_DOUBLE;
	default:
		return COL_BYTES;
	}
}

static void free_columns(struct carb_driver_stmt *s)
{
	for (unsigned i = 0; i < s->ncols; i++)
		free(s->cols[i].buf);
	free(s->cols);
	free(s->rbind);
	s->cols = NULL;
	s->rbind = NULL;
	s->ncols = 0;
	if (s->meta != NULL)
		mysql_free_result(s->meta);
	s->meta = NULL;
}

static void bind_column(MYSQL_BIND *b, struct column *col)
{
	memset(b, 0, sizeof(*b));
	b->is_null = &col->is_null;
	b->error = &col->error;
	b->length = &col->len;
	if (col->kind == COL_INT) {
		b->buffer_type = MYSQL_TYPE_LONGLONG;
		b->buffer = &col->i;
	} else if (col->kind == COL_DOUBLE) {
		b->buffer_type = MYSQL_TYPE_DOUBLE;
		b->buffer = &col->d;
	} else {
		b->buffer_type = MYSQL_TYPE_BLOB;
		b->buffer = col->buf;
		b->buffer_length = col->cap;
	}
}

static int bind_results(struct carb_driver_stmt *s, struct carb_error *err)
{
	MYSQL_FIELD *fields = mysql_fetch_fields(s->meta);

	s->ncols = mysql_num_fields(s->meta);
	s->cols = carb_xcalloc(s->ncols + 1, sizeof(*s->cols));
	s->rbind = carb_xcalloc(s->ncols + 1, sizeof(*s->rbind));
	for (unsigned i = 0; i < s->ncols; i++) {
		struct column *col = &s->cols[i];

		col->kind = kind_of(fields[i].type);
		if (col->kind == COL_BYTES) {
			col->cap = fields[i].max_length > MIN_COLUMN_BUFFER
				? fields[i].max_length : MIN_COLUMN_BUFFER;
			col->buf = carb_xmalloc(col->cap + 1);
		}
		bind_column(&s->rbind[i], col);
	}
	if (mysql_stmt_bind_result(s->st, s->rbind) != 0)
		return stmt_fail(s, err);
	return 0;
}

static int execute(struct carb_driver_stmt *s, struct carb_error *err)
{
	if (s->nparams > 0 && mysql_stmt_bind_param(s->st, s->pbind) != 0)
		return stmt_fail(s, err);
	if (mysql_stmt_execute(s->st) != 0)
		return stmt_fail(s, err);
	s->executed = true;
	s->meta = mysql_stmt_result_metadata(s->st);
	if (s->meta == NULL) {
		s->changes = s->writes ? (int64_t)mysql_stmt_affected_rows(s->st) : 0;
		return 0;
	}
	if (!s->stream && mysql_stmt_store_result(s->st) != 0)
		return stmt_fail(s, err);
	/* INSERT ... RETURNING: every row returned is a row written. */
	s->changes = s->writes ? (int64_t)mysql_stmt_num_rows(s->st) : 0;
	return bind_results(s, err);
}

/* A value longer than its buffer (max_length is a hint only for some
 * types): grow the buffer and fetch that column again. */
static int refetch_truncated(struct carb_driver_stmt *s,
			     struct carb_error *err)
{
	bool grown = false;

	for (unsigned i = 0; i < s->ncols; i++) {
		struct column *col = &s->cols[i];

		if (col->kind != COL_BYTES || col->is_null || col->len <= col->cap)
			continue;
		col->cap = col->len;
		col->buf = carb_xrealloc(col->buf, col->cap + 1);
		bind_column(&s->rbind[i], col);
		if (mysql_stmt_fetch_column(s->st, &s->rbind[i], i, 0) != 0)
			return stmt_fail(s, err);
		grown = true;
	}
	/* The statement keeps its own copy of the bindings. */
	if (grown && mysql_stmt_bind_result(s->st, s->rbind) != 0)
		return stmt_fail(s, err);
	return 0;
}

static int my_step(struct carb_driver_stmt *s, struct carb_error *err)
{
	int rc;

	if (!s->executed && execute(s, err) < 0)
		return -1;
	if (s->meta == NULL)
		return CARB_STEP_DONE;
	rc = mysql_stmt_fetch(s->st);
	if (rc == MYSQL_NO_DATA)
		return CARB_STEP_DONE;
	if (rc == MYSQL_DATA_TRUNCATED && refetch_truncated(s, err) < 0)
		return -1;
	if (rc != 0 && rc != MYSQL_DATA_TRUNCATED)
		return stmt_fail(s, err);
	for (unsigned i = 0; i < s->ncols; i++)
		if (s->cols[i].kind == COL_BYTES && !s->cols[i].is_null)
			s->cols[i].buf[s->cols[i].len] = '\0';
	return CARB_STEP_ROW;
}

static void my_stream(struct carb_driver_stmt *s)
{
	s->stream = true;
}

static int64_t my_changes(const struct carb_driver_stmt *s)
{
	return s->changes;
}

static int my_column_count(const struct carb_driver_stmt *s)
{
	return (int)s->ncols;
}

static bool my_column_is_null(struct carb_driver_stmt *s, int col)
{
	return s->cols[col].is_null;
}

static int64_t my_column_int64(struct carb_driver_stmt *s, int col)
{
	const struct column *c = &s->cols[col];

	if (c->is_null)
		return 0;
	if (c->kind == COL_INT)
		return c->i;
	if (c->kind == COL_DOUBLE)
		return (int64_t)c->d;
	return strtoll(c->buf, NULL, 10);
}

static double my_column_double(struct carb_driver_stmt *s, int col)
{
	const struct column *c = &s->cols[col];

	if (c->is_null)
		return 0.0;
	if (c->kind == COL_INT)
		return (double)c->i;
	if (c->kind == COL_DOUBLE)
		return c->d;
	return strtod(c->buf, NULL);
}

static const char *my_column_text(struct carb_driver_stmt *s, int col,
				  size_t *len)
{
	struct column *c = &s->cols[col];
	int n;

	*len = 0;
	if (c->is_null)
		return NULL;
	if (c->kind == COL_BYTES) {
		*len = c->len;
		return c->buf;
	}
	if (c->kind == COL_INT)
		n = snprintf(c->text, sizeof(c->text), "%lld", (long long)c->i);
	else
		n = snprintf(c->text, sizeof(c->text), "%.17g", c->d);
	*len = (size_t)n;
	return c->text;
}

static const void *my_column_blob(struct carb_driver_stmt *s, int col,
				  size_t *len)
{
	return my_column_text(s, col, len);
}

static int my_reset(struct carb_driver_stmt *s, struct carb_error *err)
{
	if (s->executed)
		mysql_stmt_free_result(s->st);
	free_columns(s);
	s->executed = false;
	s->changes = 0;
	return 0;
}

static void my_clear_bindings(struct carb_driver_stmt *s)
{
	for (unsigned i = 0; i < s->nparams; i++) {
		free(s->params[i].buf);
		s->params[i].buf = NULL;
		memset(&s->pbind[i], 0, sizeof(s->pbind[i]));
		s->pbind[i].buffer_type = MYSQL_TYPE_NULL;
	}
}

static void my_finalize(struct carb_driver_stmt *s)
{
	if (s == NULL)
		return;
	my_reset(s, NULL);
	mysql_stmt_close(s->st);
	for (unsigned i = 0; i < s->nparams; i++)
		free(s->params[i].buf);
	free(s->params);
	free(s->pbind);
	free(s);
}

const struct carb_driver carb_catalog_mariadb_driver = {
	.kind = CARB_DB_MARIADB,
	.name = "mariadb",
	.transactional_ddl = false,
	.table_exists_sql =
		"SELECT 1 FROM information_schema.tables"
		" WHERE table_schema = DATABASE() AND table_name = ?",
	/* Per database: other catalogs on the server are not held up. */
	.migrate_lock_sql =
		"SELECT GET_LOCK(CONCAT('carbonation.migrate.', DATABASE()), 3600)",
	.migrate_unlock_sql =
		"SELECT RELEASE_LOCK(CONCAT('carbonation.migrate.', DATABASE()))",
	.connect = my_connect,
	.close = my_close,
	.exec = my_exec,
	.begin = my_begin,
	.commit = my_commit,
	.rollback = my_rollback,
	.last_error = my_last_error,
	.prepare = my_prepare,
	.bind_text = my_bind_text,
	.bind_blob = my_bind_blob,
	.bind_int64 = my_bind_int64,
	.bind_double = my_bind_double,
	.bind_null = my_bind_null,
	.step = my_step,
	.stream = my_stream,
	.changes = my_changes,
	.column_count = my_column_count,
	.column_is_null = my_column_is_null,
	.column_int64 = my_column_int64,
	.column_double = my_column_double,
	.column_text = my_column_text,
	.column_blob = my_column_blob,
	.reset = my_reset,
	.clear_bindings = my_clear_bindings,
	.finalize = my_finalize,
};
