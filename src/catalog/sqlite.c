/* The SQLite backend: the catalog as one file beside the config, for a
 * single host.  Exports carb_catalog_sqlite_driver and nothing else. */
#include <errno.h>
#include <libgen.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#include "catalog/driver.h"

struct carb_driver_conn {
	sqlite3 *db;
	enum carb_db_errclass errclass;
};

struct carb_driver_stmt {
	struct carb_driver_conn *conn;
	sqlite3_stmt *st;
	int64_t changes;
	int64_t insert_id;
};

static enum carb_db_errclass classify(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return CARB_DBERR_RETRY;
	case SQLITE_CONSTRAINT:
		return CARB_DBERR_CONSTRAINT;
	default:
		return CARB_DBERR_OTHER;
	}
}

static int fail(struct carb_driver_conn *c, int rc, struct carb_error *err)
{
	c->errclass = classify(rc);
	return carb_error_set(err, "%s", sqlite3_errmsg(c->db));
}

/* sqlite3_open_v2 says only "unable to open database file"; say why. */
static int check_path(const char *path, bool create, struct carb_error *err)
{
	struct stat sb;
	char *copy, *dir;
	int r = 0;

	if (strcmp(path, ":memory:") == 0 || stat(path, &sb) == 0)
		return 0;
	if (errno != ENOENT)
		return carb_error_set(err, "%s: %s", path, strerror(errno));
	if (!create)
		return carb_error_set(err, "the file \"%s\" does not exist (\"carbonation db init\" creates it)",
				      path);
	copy = carb_xstrdup(path);
	dir = dirname(copy);
	if (stat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode))
		r = carb_error_set(err, "the folder \"%s\" does not exist", dir);
	free(copy);
	return r;
}

/* WAL: readers (`query`, other processes) never block the service's
 * writer nor the other way round, and a crash leaves the file consistent.
 * It needs shared memory, so the file must not be on a network file
 * system.
 * synchronous=NORMAL: in WAL mode a commit is then not fsynced, only each
 * checkpoint is; the file stays consistent, but a power cut may forget
 * the last commits.  That is safe here because no file's safety rests on
 * the catalog's last commit: archiving fsyncs the archived copy before the
 * catalog says ARCHIVED, and reconciliation re-derives a forgotten
 * transition from the disk.  It spares one fsync per transaction, which
 * otherwise caps throughput on slow disks.
 * foreign_keys: SQLite leaves them off for old schemas' sake; the
 * catalog's meaning must be the same as on the servers.
 * temp_store=MEMORY: inside a transaction, every INSERT or UPDATE that
 * may fail on a constraint keeps a statement journal (the pages it
 * touched, to undo just that statement).  An UPDATE of a component
 * touches a dozen index pages, more than the 64 KiB SQLite keeps in
 * memory before it spills the journal to a temporary file: that was a
 * file written (and its pages freed) for almost every status change.
 * Memory-only temporary storage keeps it in memory, as it is for a few
 * pages at a time.
 * wal_autocheckpoint=8000: the commit that fills the WAL past this many
 * pages copies it into the database and fsyncs, in the service's main
 * thread.  SQLite's 1000 pages meant a checkpoint every few hundred
 * files, rewriting the same hot index pages each time; 8000 pages
 * (about 32 MiB of WAL between checkpoints) does it an eighth as often. */
static const char *const session_sql =
	"PRAGMA foreign_keys = ON;"
	"PRAGMA journal_mode = WAL;"
	"PRAGMA synchronous = NORMAL;"
	"PRAGMA temp_store = MEMORY;"
	"PRAGMA wal_autocheckpoint = 8000;";

/* SQLite counts every allocation under a global mutex for
 * sqlite3_memory_used(), which nothing here reads; that was a lock and
 * an unlock per malloc.  Only possible before SQLite initializes: when
 * the host process got there first, the call fails harmlessly. */
static pthread_once_t global_once = PTHREAD_ONCE_INIT;

static void global_setup(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/* Switching a new file to WAL needs it to itself, and SQLite answers
 * SQLITE_BUSY at once instead of calling the busy handler, e.g. while
 * another `db init` is creating the same file: wait as the busy timeout
 * would. */
static int exec_waiting(sqlite3 *db, const char *sql, int64_t timeout_ms)
{
	const struct timespec pause = { 0, 10 * 1000 * 1000 };
	int64_t waited = 0;
	int rc;

	while ((rc = sqlite3_exec(db, sql, NULL, NULL, NULL)) == SQLITE_BUSY &&
	       waited < timeout_ms) {
		nanosleep(&pause, NULL);
		waited += 10;
	}
	return rc;
}

static int sqlite_connect(const struct carb_driver_connect_options *opts,
			  struct carb_driver_conn **out,
			  struct carb_error *err)
{
	const char *path = opts->url->path;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
		(opts->create ? SQLITE_OPEN_CREATE : 0);
	struct carb_driver_conn *c;
	int rc;

	*out = NULL;
	if (check_path(path, opts->create, err) < 0)
		return -1;
	pthread_once(&global_once, global_setup);
	c = carb_xcalloc(1, sizeof(*c));
	rc = sqlite3_open_v2(path, &c->db, flags, NULL);
	if (rc != SQLITE_OK) {
		carb_error_set(err, "%s: %s", path,
			       c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
		sqlite3_close(c->db);
		free(c);
		return -1;
	}
	sqlite3_extended_result_codes(c->db, 1);
	sqlite3_busy_timeout(c->db, opts->busy_timeout_ms > INT32_MAX
			     ? INT32_MAX : (int)opts->busy_timeout_ms);
	/* The first statement reads the file: a file that is not a database
	 * fails here, while we can still say which. */
	rc = exec_waiting(c->db, session_sql, opts->busy_timeout_ms);
	if (rc != SQLITE_OK) {
		carb_error_set(err, "%s: %s", path, sqlite3_errmsg(c->db));
		sqlite3_close(c->db);
		free(c);
		return -1;
	}
	*out = c;
	return 0;
}

static void sqlite_close(struct carb_driver_conn *c)
{
	if (c == NULL)
		return;
	sqlite3_close(c->db);
	free(c);
}

static int sqlite_exec(struct carb_driver_conn *c, const char *sql,
		       struct carb_error *err)
{
	int rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : fail(c, rc, err);
}

static int sqlite_begin(struct carb_driver_conn *c, struct carb_error *err)
{
	c->errclass = CARB_DBERR_NONE;
	return sqlite_exec(c, "BEGIN IMMEDIATE", err);
}

static int sqlite_commit(struct carb_driver_conn *c, struct carb_error *err)
{
	return sqlite_exec(c, "COMMIT", err);
}

static int sqlite_rollback(struct carb_driver_conn *c, struct carb_error *err)
{
	/* Some errors (a full disk) roll back by themselves. */
	if (sqlite3_get_autocommit(c->db))
		return 0;
	return sqlite_exec(c, "ROLLBACK", err);
}

static enum carb_db_errclass sqlite_last_error(const struct carb_driver_conn *c)
{
	return c->errclass;
}

static int sqlite_prepare(struct carb_driver_conn *c, const char *sql,
			  struct carb_driver_stmt **out, struct carb_error *err)
{
	sqlite3_stmt *st = NULL;
	const char *tail = NULL;
	int rc = sqlite3_prepare_v2(c->db, sql, -1, &st, &tail);

	*out = NULL;
	if (rc != SQLITE_OK)
		return fail(c, rc, err);
	if (st == NULL)
		return carb_error_set(err, "the statement is empty");
	/* sqlite3_prepare would ignore a second statement silently. */
	tail += strspn(tail, " \t\r\n;");
	if (*tail != '\0') {
		sqlite3_finalize(st);
		return carb_error_set(err, "a prepared statement holds one statement only");
	}
	*out = carb_xcalloc(1, sizeof(**out));
	(*out)->conn = c;
	(*out)->st = st;
	return 0;
}

static int bind_result(struct carb_driver_stmt *s, int rc,
		       struct carb_error *err)
{
	if (rc == SQLITE_OK)
		return 0;
	if (rc == SQLITE_RANGE)
		return carb_error_set(err, "the statement has no parameter of that number");
	return fail(s->conn, rc, err);
}

static int sqlite_bind_text(struct carb_driver_stmt *s, int idx, const char *v,
			    size_t len, struct carb_error *err)
{
	return bind_result(s, sqlite3_bind_text64(s->st, idx, v, len,
						  SQLITE_TRANSIENT, SQLITE_UTF8),
			   err);
}

static int sqlite_bind_blob(struct carb_driver_stmt *s, int idx, const void *v,
			    size_t len, struct carb_error *err)
{
	return bind_result(s, sqlite3_bind_blob64(s->st, idx, v, len,
						  SQLITE_TRANSIENT), err);
}

static int sqlite_bind_int64(struct carb_driver_stmt *s, int idx, int64_t v,
			     struct carb_error *err)
{
	return bind_result(s, sqlite3_bind_int64(s->st, idx, v), err);
}

static int sqlite_bind_double(struct carb_driver_stmt *s, int idx, double v,
			      struct carb_error *err)
{
	return bind_result(s, sqlite3_bind_double(s->st, idx, v), err);
}

static int sqlite_bind_null(struct carb_driver_stmt *s, int idx,
			    struct carb_error *err)
{
	return bind_result(s, sqlite3_bind_null(s->st, idx), err);
}

static int sqlite_step(struct carb_driver_stmt *s, struct carb_error *err)
{
	int rc = sqlite3_step(s->st);

	if (rc == SQLITE_ROW)
		return CARB_STEP_ROW;
	if (rc == SQLITE_DONE) {
		/* sqlite3_changes is the connection's: only ours if we wrote. */
		s->changes = sqlite3_stmt_readonly(s->st)
			? 0 : sqlite3_changes(s->conn->db);
		s->insert_id = sqlite3_last_insert_rowid(s->conn->db);
		return CARB_STEP_DONE;
	}
	return fail(s->conn, rc, err);
}

static int64_t sqlite_changes(const struct carb_driver_stmt *s)
{
	return s->changes;
}

static int64_t sqlite_insert_id(const struct carb_driver_stmt *s)
{
	return s->insert_id;
}

static int sqlite_column_count(const struct carb_driver_stmt *s)
{
	return sqlite3_column_count(s->st);
}

static bool sqlite_column_is_null(struct carb_driver_stmt *s, int col)
{
	return sqlite3_column_type(s->st, col) == SQLITE_NULL;
}

static int64_t sqlite_column_int64(struct carb_driver_stmt *s, int col)
{
	return sqlite3_column_int64(s->st, col);
}

static double sqlite_column_double(struct carb_driver_stmt *s, int col)
{
	return sqlite3_column_double(s->st, col);
}

/* sqlite3_column_text also NUL-terminates a blob in place, and a later
 * sqlite3_column_blob returns that same memory. */
static const char *sqlite_column_text(struct carb_driver_stmt *s, int col,
				      size_t *len)
{
	const unsigned char *p;

	if (sqlite3_column_type(s->st, col) == SQLITE_NULL) {
		*len = 0;
		return NULL;
	}
	p = sqlite3_column_text(s->st, col);
	*len = (size_t)sqlite3_column_bytes(s->st, col);
	return p != NULL ? (const char *)p : "";
}

static const void *sqlite_column_blob(struct carb_driver_stmt *s, int col,
				      size_t *len)
{
	return sqlite_column_text(s, col, len);
}

static int sqlite_reset(struct carb_driver_stmt *s, struct carb_error *err)
{
	/* sqlite3_reset repeats the last step's error, already reported. */
	sqlite3_reset(s->st);
	s->changes = 0;
	return 0;
}

static void sqlite_clear_bindings(struct carb_driver_stmt *s)
{
	sqlite3_clear_bindings(s->st);
}

static void sqlite_finalize(struct carb_driver_stmt *s)
{
	if (s == NULL)
		return;
	sqlite3_finalize(s->st);
	free(s);
}

const struct carb_driver carb_catalog_sqlite_driver = {
	.kind = CARB_DB_SQLITE,
	.name = "sqlite",
	.transactional_ddl = true,
	.table_exists_sql =
		"SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
	.connect = sqlite_connect,
	.close = sqlite_close,
	.exec = sqlite_exec,
	.begin = sqlite_begin,
	.commit = sqlite_commit,
	.rollback = sqlite_rollback,
	.last_error = sqlite_last_error,
	.prepare = sqlite_prepare,
	.bind_text = sqlite_bind_text,
	.bind_blob = sqlite_bind_blob,
	.bind_int64 = sqlite_bind_int64,
	.bind_double = sqlite_bind_double,
	.bind_null = sqlite_bind_null,
	.step = sqlite_step,
	.changes = sqlite_changes,
	.insert_id = sqlite_insert_id,
	.column_count = sqlite_column_count,
	.column_is_null = sqlite_column_is_null,
	.column_int64 = sqlite_column_int64,
	.column_double = sqlite_column_double,
	.column_text = sqlite_column_text,
	.column_blob = sqlite_column_blob,
	.reset = sqlite_reset,
	.clear_bindings = sqlite_clear_bindings,
	.finalize = sqlite_finalize,
};
