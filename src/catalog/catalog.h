/* catalog: the SQL database that records every component and group.  The
 * only door into src/catalog/; the backends (SQLite, PostgreSQL, MariaDB)
 * hide behind it.
 *
 * Callers write SQL with `?` placeholders (1-based when bound) and bind
 * every value; nothing from outside is ever pasted into SQL text.  The
 * PostgreSQL backend renumbers `?` to $1..$n outside quoted strings,
 * identifiers and comments, so PostgreSQL operators spelt with `?` (jsonb)
 * cannot be used.  MariaDB sessions run with sql_mode ANSI_QUOTES,
 * PIPES_AS_CONCAT and NO_BACKSLASH_ESCAPES, so "identifiers", || and
 * string literals mean the same on all three backends.
 *
 * Conventions of the stored data (see migrations/<dialect>/core):
 * timestamps are integer microseconds since the Unix epoch (UTC); file
 * names and paths derived from them are stored as bytes (BLOB, bytea,
 * VARBINARY), bound with carb_stmt_bind_blob.
 *
 * A struct carb_catalog is one connection: use it from one thread at a
 * time (each worker opens its own). */
#ifndef CARB_CATALOG_H
#define CARB_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <carbonation/plugin.h>

#include "util/util.h"

/* ---- URLs ------------------------------------------------------------ */

enum carb_db_kind {
	CARB_DB_SQLITE,
	CARB_DB_POSTGRESQL,
	CARB_DB_MARIADB,
};

/* The default [database] url: a file beside the config file. */
#define CARB_DB_DEFAULT_URL "sqlite:carbonation.db"

struct carb_db_url_param {
	char *key;
	char *value;
};

/* A parsed database URL.  Every string is owned by the struct, decoded
 * (percent-escapes resolved), and NULL when the URL does not give it.
 *
 *   sqlite:///abs/path.db   sqlite:relative.db   sqlite::memory:
 *   postgresql://user:pass@host:port/dbname?host=/socket/dir&sslmode=...
 *   postgres://user@%2Fsocket%2Fdir/dbname
 *   mariadb://user:pass@host:port/dbname?socket=/path/to/socket
 *   mysql://user@%2Fpath%2Fto%2Fsocket/dbname
 *
 * The user information ends at the last '@', so a password may hold '/',
 * '?', '@' or ':' unencoded; an '@' anywhere after it (in the database
 * name or an option) must be written %40. */
struct carb_db_url {
	enum carb_db_kind kind;
	char *path;       /* sqlite: the file, absolute, or ":memory:" */
	char *user;
	char *password;
	char *host;       /* name or address; postgresql: or a socket folder */
	char *socket;     /* mariadb: the server's socket file */
	int port;         /* 0: the client library's default */
	char *dbname;
	int connect_timeout;  /* seconds; 0: the backend's default (10) */
	/* postgresql: further libpq keywords from the query string (sslmode,
	 * application_name...), handed to libpq, which rejects unknown ones
	 * when connecting. */
	struct carb_db_url_param *params;
	size_t nparams;
};

/* Parses url into *out (which the caller releases with
 * carb_db_url_release, also after a failure).  A relative sqlite path is
 * resolved against base_dir (the config file's folder; NULL: the current
 * folder).  Fails for an unknown scheme (the message names it and the
 * valid ones), a backend this build leaves out, and malformed URLs.
 * Error messages never contain the password. */
int carb_db_url_parse(const char *url, const char *base_dir,
		      struct carb_db_url *out, struct carb_error *err);
void carb_db_url_release(struct carb_db_url *u);

/* A copy of url fit for logs and messages: the password (in the user
 * information or a password= option) replaced by "***".  Works on
 * malformed URLs too.  The caller frees the result; NULL for NULL. */
char *carb_db_url_redact(const char *url);

/* "sqlite", "postgresql", "mariadb": the dialect's name, which is also
 * its folder under migrations/. */
const char *carb_db_kind_name(enum carb_db_kind kind);
/* Whether this build includes the backend (configure may leave out
 * PostgreSQL and MariaDB). */
bool carb_db_backend_available(enum carb_db_kind kind);

/* ---- connections ----------------------------------------------------- */

struct carb_catalog;

struct carb_catalog_options {
	const char *url;            /* NULL: CARB_DB_DEFAULT_URL */
	const char *base_dir;       /* see carb_db_url_parse; also resolves a
				     * relative password_file */
	const char *password_file;  /* first line is the password; NULL: none */
	int64_t busy_timeout_ms;    /* SQLite: how long to wait for a lock;
				     * 0: 5000 */
	bool create;                /* SQLite: create the file when missing
				     * (its folder must exist) */
};

/* Connects.  Without a password in the URL or password_file, the client
 * library's own sources apply (PGPASSWORD and ~/.pgpass, MYSQL_PWD); a
 * password in both the URL and password_file is an error.  On success
 * *out is a new catalog the caller closes with carb_catalog_close.
 * Messages name the URL with its password redacted. */
int carb_catalog_open(const struct carb_catalog_options *opts,
		      struct carb_catalog **out, struct carb_error *err);
/* Finalize every statement first.  Rolls back an open transaction. */
void carb_catalog_close(struct carb_catalog **cat);

enum carb_db_kind carb_catalog_kind(const struct carb_catalog *cat);
/* The dialect's name, as carb_db_kind_name. */
const char *carb_catalog_dialect(const struct carb_catalog *cat);
/* The URL with its password redacted; owned by cat. */
const char *carb_catalog_url(const struct carb_catalog *cat);
/* Whether CREATE/ALTER TABLE can be rolled back (false on MariaDB, where
 * DDL commits implicitly). */
bool carb_catalog_transactional_ddl(const struct carb_catalog *cat);
/* The longest rel_path (and group key) the catalog's columns hold, in
 * bytes; 0 when there is no limit (SQLite's BLOB, PostgreSQL's BYTEA).
 * MariaDB's VARBINARY columns hold CARB_MARIADB_PATH_MAX (0008). */
#define CARB_MARIADB_PATH_MAX 32768
size_t carb_catalog_path_max(const struct carb_catalog *cat);

/* How the last failure on this connection since the last begin may be
 * handled above the backends (retry, reconnect, report); NONE when
 * nothing failed since. */
enum carb_db_errclass {
	CARB_DBERR_NONE,
	CARB_DBERR_OTHER,
	CARB_DBERR_CONSTRAINT,   /* unique, foreign key, check, not null */
	CARB_DBERR_RETRY,        /* busy, lock timeout, deadlock,
				  * serialization failure: try again */
	CARB_DBERR_CONNECTION,   /* the connection is gone: reopen */
};
enum carb_db_errclass carb_catalog_last_error_class(const struct carb_catalog *cat);

/* Runs SQL text that may hold several statements and binds nothing: for
 * migration files and fixed DDL only, never for values. */
int carb_catalog_exec(struct carb_catalog *cat, const char *sql,
		      struct carb_error *err);

/* Transactions do not nest.  SQLite's begin takes the write lock at once
 * (BEGIN IMMEDIATE), so two writers wait for each other up to the busy
 * timeout instead of failing on a lock upgrade. */
int carb_catalog_begin(struct carb_catalog *cat, struct carb_error *err);
int carb_catalog_commit(struct carb_catalog *cat, struct carb_error *err);
int carb_catalog_rollback(struct carb_catalog *cat, struct carb_error *err);
bool carb_catalog_in_transaction(const struct carb_catalog *cat);

/* Whether a table of that name exists in the catalog's schema. */
int carb_catalog_table_exists(struct carb_catalog *cat, const char *table,
			      bool *exists, struct carb_error *err);

/* ---- statements ------------------------------------------------------ */

struct carb_stmt;

enum {
	CARB_STEP_DONE = 0,
	CARB_STEP_ROW = 1,
};

/* Prepares one statement.  *out is owned by the caller, who finalizes it
 * before closing cat.  Parameters are numbered from 1, columns from 0.
 * PostgreSQL and MariaDB fetch the whole result when first stepped, so
 * statements on one connection may be interleaved on every backend. */
int carb_stmt_prepare(struct carb_catalog *cat, const char *sql,
		      struct carb_stmt **out, struct carb_error *err);
/* Binding copies the value.  A NULL text binds SQL NULL. */
int carb_stmt_bind_text(struct carb_stmt *st, int idx, const char *value,
			struct carb_error *err);
int carb_stmt_bind_blob(struct carb_stmt *st, int idx, const void *data,
			size_t len, struct carb_error *err);
int carb_stmt_bind_int64(struct carb_stmt *st, int idx, int64_t value,
			 struct carb_error *err);
int carb_stmt_bind_double(struct carb_stmt *st, int idx, double value,
			  struct carb_error *err);
int carb_stmt_bind_null(struct carb_stmt *st, int idx, struct carb_error *err);

/* Before the first step: read the rows one at a time, so memory does not
 * grow with them (PostgreSQL's single-row mode, MariaDB's unbuffered
 * fetch; SQLite always does).  Until the statement is finalized or reset
 * the connection must run no other statement. */
void carb_stmt_stream(struct carb_stmt *st);
/* Runs the statement (on the first call) and moves to the next row:
 * returns CARB_STEP_ROW, CARB_STEP_DONE, or -1 with err set. */
int carb_stmt_step(struct carb_stmt *st, struct carb_error *err);
/* Rows inserted, updated or deleted by the statement's last run. */
int64_t carb_stmt_changes(const struct carb_stmt *st);
/* Whether an INSERT must say RETURNING to learn its row's id; when not,
 * carb_stmt_insert_id gives the id the statement's last run inserted. */
bool carb_catalog_needs_returning(const struct carb_catalog *cat);
int64_t carb_stmt_insert_id(const struct carb_stmt *st);

/* Column getters read the current row.  Pointers stay valid until the
 * next step, reset or finalize.  A NULL reads as 0, 0.0, NULL. */
int carb_stmt_column_count(const struct carb_stmt *st);
bool carb_stmt_column_is_null(struct carb_stmt *st, int col);
int64_t carb_stmt_column_int64(struct carb_stmt *st, int col);
double carb_stmt_column_double(struct carb_stmt *st, int col);
/* NUL-terminated; blob columns too (the NUL follows the bytes). */
const char *carb_stmt_column_text(struct carb_stmt *st, int col);
const void *carb_stmt_column_blob(struct carb_stmt *st, int col, size_t *len);

/* Steps st to its end (or max rows), collecting column 0 into *ids (a
 * new array the caller frees, NULL when empty), and finalizes it. */
int carb_stmt_ids(struct carb_stmt *st, size_t max, int64_t **ids, size_t *n,
		  struct carb_error *err);
/* Makes the statement runnable again; bindings are kept. */
int carb_stmt_reset(struct carb_stmt *st, struct carb_error *err);
void carb_stmt_finalize(struct carb_stmt **st);

/* ---- migrations ------------------------------------------------------ */

/* Where a branch's migrations live: dir/<dialect>/<branch>/NNNN_name.sql.
 * The core branch's dir is carb_data_dir() + "/migrations"; a plugin's
 * branch may live anywhere. */
struct carb_migration_root {
	const char *branch;
	const char *dir;          /* NULL: no folder (only when optional) */
	/* A plugin's branch: a folder that does not exist (no dir, or none
	 * for this dialect) is a branch without migrations, not an error. */
	bool optional;
};

enum carb_migration_state {
	CARB_MIGRATION_APPLIED,
	CARB_MIGRATION_PENDING,
	CARB_MIGRATION_CHANGED,   /* applied, but the file differs since */
	CARB_MIGRATION_MISSING,   /* applied, but no file has its version */
};

struct carb_migration {
	char *branch;
	int64_t version;
	char *name;               /* "core" for 0001_core.sql */
	char *path;               /* NULL when MISSING */
	char checksum[65];        /* the file's SHA-256, hex; the recorded
				   * one when MISSING */
	enum carb_migration_state state;
	int64_t applied_at;       /* microseconds; 0 when pending */
};

struct carb_migration_branch {
	char *branch;
	int64_t version;          /* highest applied version; 0: none */
	size_t applied, pending, changed, missing;
};

/* Every migration of every branch, in the order they (would) run: the
 * roots' order, then the version. */
struct carb_migration_status {
	struct carb_migration *items;
	size_t count;
	struct carb_migration_branch *branches;
	size_t nbranches;
};

/* Reads the migration files of every root and what schema_migrations
 * records, and changes nothing.  *out is filled in place; release it
 * with carb_migration_status_release (also after a failure). */
int carb_migrations_status(struct carb_catalog *cat,
			   const struct carb_migration_root *roots,
			   size_t nroots, struct carb_migration_status *out,
			   struct carb_error *err);
void carb_migration_status_release(struct carb_migration_status *st);

/* Applies every pending migration in order, each file and its
 * schema_migrations row in one transaction where the dialect allows
 * (SQLite, PostgreSQL).  On MariaDB DDL commits implicitly: a file that
 * fails halfway stays half applied, and the error says so.  Refuses to
 * run when an applied migration's file changed (the error names it).
 * *applied (may be NULL) receives what ran, in order, each item with
 * state APPLIED; release it with carb_migration_status_release.
 * Running it again does nothing. */
int carb_migrations_apply(struct carb_catalog *cat,
			  const struct carb_migration_root *roots,
			  size_t nroots, struct carb_migration_status *applied,
			  struct carb_error *err);

/* The version a new migration of branch would take: one more than the
 * highest NNNN_*.sql in dir/<dialect>/<branch>/ of any dialect, 1 when
 * there is none (folders that do not exist included). */
int carb_migrations_next_version(const char *dir, const char *branch,
				 int64_t *next, struct carb_error *err);

/* ---- columns of the files table (plugins) ---------------------------- */

/* What a plugin column holds; the spelling of each in each dialect is
 * carb_column_ddl's business. */
enum carb_column_type {
	CARB_COLUMN_TEXT = 1,
	CARB_COLUMN_INTEGER,      /* 64-bit */
	CARB_COLUMN_REAL,         /* double */
	CARB_COLUMN_BOOLEAN,
	CARB_COLUMN_TIMESTAMP,    /* 64-bit microseconds since the epoch, UTC */
};

/* A column as a plugin declares it.  name is [a-z][a-z0-9_]*, at most 63
 * bytes: the caller checks it, as it is written into SQL text. */
struct carb_column_def {
	const char *name;
	enum carb_column_type type;
	bool nullable;
	bool indexed;
};

/* A column of a table as the catalog has it. */
struct carb_table_column {
	char *name;
	char *type;               /* the database's spelling, lower case:
				   * "bigint", "text", "double precision" */
	bool nullable;
	bool indexed;             /* the first column of some index */
};

/* A table's columns and the names of its indexes, read from the
 * catalog's own dictionary (SQLite's pragmas, information_schema and
 * pg_index).  Release with carb_table_info_release. */
struct carb_table_info {
	struct carb_table_column *columns;
	size_t ncolumns;
	char **indexes;
	size_t nindexes;
};

/* Fills *out (no columns when the table does not exist). */
int carb_catalog_table_info(struct carb_catalog *cat, const char *table,
			    struct carb_table_info *out, struct carb_error *err);
void carb_table_info_release(struct carb_table_info *info);
const struct carb_table_column *carb_table_info_column(
	const struct carb_table_info *info, const char *name);

/* Whether a column whose type the catalog of kind spells dbtype (as
 * carb_catalog_table_info reads it) holds values of type t. */
bool carb_column_type_matches(enum carb_db_kind kind, enum carb_column_type t,
			      const char *dbtype);
/* "TEXT", "BIGINT", "INTEGER CHECK (...)": how kind spells t for def. */
void carb_column_sql_type(enum carb_db_kind kind,
			  const struct carb_column_def *def,
			  struct carb_buf *out);

/* Appends to out, in kind's spelling, the statements that add def to the
 * files table: ALTER TABLE ... ADD COLUMN when add_column, CREATE INDEX
 * index_name when index_name is not NULL.  A NOT NULL column gets the
 * default 0, '' or false, so that existing rows fit. */
void carb_column_ddl(enum carb_db_kind kind, const struct carb_column_def *def,
		     bool add_column, const char *index_name,
		     struct carb_buf *out);

/* ---- statuses (status_names.c) --------------------------------------- */

/* The status of a component or a group (files row).  The catalog stores
 * it as text (the CHECK constraints of migrations/<dialect>/core); the
 * enum becomes text only here, at the catalog boundary, and in messages
 * through carb_status_name.  The components' statuses come first, in
 * pipeline order; CLEARED is a group's only. */
enum carb_status {
	CARB_STATUS_PENDING,
	CARB_STATUS_INTEGRITY_FAILED,
	CARB_STATUS_WAITING,
	CARB_STATUS_TIMED_OUT,
	CARB_STATUS_READY,
	CARB_STATUS_NOT_SELECTED,
	CARB_STATUS_ARCHIVING,
	CARB_STATUS_ARCHIVED,
	CARB_STATUS_RETRY_PENDING,
	CARB_STATUS_FAILED,
	CARB_STATUS_DUPLICATE,
	CARB_STATUS_WITHDRAWN,
	CARB_STATUS_CLEARED,
};
/* How many statuses there are; the components' are those before
 * CARB_STATUS_COMPONENT_COUNT. */
#define CARB_STATUS_COUNT ((size_t)CARB_STATUS_CLEARED + 1)
#define CARB_STATUS_COMPONENT_COUNT ((size_t)CARB_STATUS_CLEARED)

/* The stored text of status ("PENDING", ...); "?" for a value outside
 * the enum.  Static storage. */
const char *carb_status_name(enum carb_status status);
/* The status whose stored text is text (exact, case-sensitive): 0 and
 * *out set, or -1 when text is NULL or names no status. */
int carb_status_parse(const char *text, enum carb_status *out);
/* The same for a status read from a row of the catalog: an unknown text
 * is an error naming what ("a component", "group 12") and the text. */
int carb_status_column(const char *text, const char *what,
		       enum carb_status *out, struct carb_error *err);

/* ---- components ------------------------------------------------------ */

/* A count of components by status text, for reports (`status`, `db
 * info`): a status the catalog does not know is counted under its own
 * text rather than refused. */
struct carb_status_count {
	char *status;
	int64_t count;
};

/* How many components have each status: every known status (zero
 * included) in pipeline order, then any other status found.  *out is a
 * new array the caller frees with carb_status_counts_free. */
int carb_catalog_count_components(struct carb_catalog *cat,
				  struct carb_status_count **out, size_t *n,
				  struct carb_error *err);
void carb_status_counts_free(struct carb_status_count **counts, size_t n);

/* ---- one-call statements ---------------------------------------------- */

/* Prepares sql and binds its parameters from the variadic arguments, one
 * per letter of spec: 'i' int64_t, 't' const char * (NULL binds NULL),
 * 'b' const void * then size_t (a blob; a NULL pointer binds NULL), 'n' nothing (binds NULL).  *out
 * as carb_stmt_prepare. */
int carb_stmt_preparef(struct carb_catalog *cat, struct carb_stmt **out,
		       struct carb_error *err, const char *sql,
		       const char *spec, ...);
/* Same, runs the statement to its end and finalizes it; *changes (may be
 * NULL) receives the rows it changed. */
int carb_catalog_execf(struct carb_catalog *cat, int64_t *changes,
		       struct carb_error *err, const char *sql,
		       const char *spec, ...);
/* Same for an INSERT of one row whose id goes to *id; sql has no
 * RETURNING clause (one is added where the backend needs it). */
int carb_catalog_insertf(struct carb_catalog *cat, int64_t *id,
			 struct carb_error *err, const char *sql,
			 const char *spec, ...);

/* ---- plugin columns and crash marks (plugin_columns.c) ---------------- */

/* One plugin column's value for carb_group_plugin_store; name is from the
 * plugin's declared (checked) list, never from outside. */
struct carb_column_value {
	const char *name;
	const struct carb_plugin_value *value;  /* NULL: SQL NULL */
};

/* Marks group id as being in plugin call `call` (committed before the
 * call, so a start can tell a crash). */
int carb_group_plugin_mark(struct carb_catalog *cat, int64_t id,
			   const char *call, struct carb_error *err);
/* Writes the column values and clears the mark. */
int carb_group_plugin_store(struct carb_catalog *cat, int64_t id,
			    const struct carb_column_value *cols, size_t n,
			    struct carb_error *err);
/* Clears the mark and sets plugin_crashes. */
int carb_group_plugin_crashed(struct carb_catalog *cat, int64_t id,
			      int64_t crashes, struct carb_error *err);
/* Reads the n columns of group id into out[0..n) (text allocated: the
 * caller frees each .text). */
int carb_group_plugin_load(struct carb_catalog *cat, int64_t id,
			   const struct carb_plugin_column *cols, size_t n,
			   struct carb_plugin_value *out,
			   struct carb_error *err);

struct carb_plugin_mark {
	int64_t id;
	char *call;
	int64_t crashes;
};

/* Groups whose plugin_call is set; *out freed with carb_plugin_marks_free. */
int carb_groups_plugin_marked(struct carb_catalog *cat,
			      struct carb_plugin_mark **out, size_t *n,
			      struct carb_error *err);
void carb_plugin_marks_free(struct carb_plugin_mark **marks, size_t n);

/* ---- intake: components and groups ------------------------------------ */

/* A component as intake sees it.  Pointers belong to the statement that
 * produced the row and live until the callback returns. */
struct carb_component_row {
	int64_t id;
	const char *watch;
	const char *rel_path;
	size_t rel_len;
	const char *extension;
	size_t ext_len;
	int64_t generation;
	int64_t size, mtime_us, device, inode;
	enum carb_status status;
	int64_t file_id;          /* 0: in no group yet */
	bool late;
	const char *content_hash; /* NULL until integrity passed */
	int64_t attempts;
	const char *archive_destination;  /* NULL until routed */
	const char *archive_path;         /* NULL until routed */
	size_t archive_path_len;
};

typedef int (*carb_component_cb)(void *ctx, const struct carb_component_row *r,
				 struct carb_error *err);

/* Every component of watch (every generation, newest first for each
 * path), or only those with *status (NULL: any), through cb; a callback
 * returning -1 stops the walk with its error.  A row whose status text is
 * unknown stops the walk with an error naming it (so does
 * carb_component_rows, below). */
int carb_components_each(struct carb_catalog *cat, const char *watch,
			 const enum carb_status *status, carb_component_cb cb,
			 void *ctx, struct carb_error *err);
/* Where a delivered file got to (`run --input`): the newest generation
 * of watch's rel_path, then the other members of its group. */
struct carb_component_outcome {
	char *rel_path;            /* bytes, NUL-terminated */
	size_t rel_len;
	enum carb_status status;
	char *reason;              /* NULL: none */
	char *archive_path;        /* bytes, NUL-terminated; NULL: none */
	size_t archive_len;
};
/* *out (n rows, 0 when the file has no row) is the caller's, freed with
 * carb_component_outcomes_free. */
int carb_component_outcomes(struct carb_catalog *cat, const char *watch,
			    const char *rel, size_t rel_len,
			    struct carb_component_outcome **out, size_t *n,
			    struct carb_error *err);
void carb_component_outcomes_free(struct carb_component_outcome **out,
				  size_t n);
/* Component id through cb (not called when there is none). */
int carb_component_get(struct carb_catalog *cat, int64_t id,
		       carb_component_cb cb, void *ctx, struct carb_error *err);
/* Steps st (a SELECT of the component columns, see catalog/intake.c)
 * through cb and finalizes it. */
int carb_component_rows(struct carb_stmt *st, carb_component_cb cb, void *ctx,
			struct carb_error *err);
/* The members of group file_id. */
int carb_group_members_each(struct carb_catalog *cat, int64_t file_id,
			    carb_component_cb cb, void *ctx,
			    struct carb_error *err);

struct carb_component_new {
	const char *watch;
	const char *rel_path;
	size_t rel_len;
	const char *stem;
	size_t stem_len;
	const char *extension;
	size_t ext_len;
	int64_t generation;
	int64_t size, mtime_us, device, inode;
};

/* Records a settled file as PENDING; *id receives its row id. */
int carb_component_insert(struct carb_catalog *cat,
			  const struct carb_component_new *c, int64_t *id,
			  struct carb_error *err);
/* The file changed while its row is still PENDING or INTEGRITY_FAILED:
 * new attributes, back to PENDING.  *changed: whether the row was in one
 * of those statuses. */
int carb_component_refresh(struct carb_catalog *cat, int64_t id,
			   const struct carb_component_new *c, bool *changed,
			   struct carb_error *err);
/* A rename inside the watch: the same row under its new path. */
int carb_component_move(struct carb_catalog *cat, int64_t id,
			const struct carb_component_new *c,
			struct carb_error *err);
/* old_status -> new_status with reason (NULL clears it); the hashes and
 * file_id are set when non-NULL / non-zero, late when late >= 0.  *changed
 * (may be NULL): false when the row was no longer in old_status. */
struct carb_component_change {
	enum carb_status old_status;
	enum carb_status new_status;
	const char *reason;
	const char *content_hash;
	const char *xxh128;       /* set with content_hash when configured */
	int64_t file_id;
	int late;
};
int carb_component_set(struct carb_catalog *cat, int64_t id,
		       const struct carb_component_change *ch, bool *changed,
		       struct carb_error *err);

/* A group row, as intake needs it. */
struct carb_group_row {
	int64_t id;
	int64_t generation;
	enum carb_status status;
	int64_t deadline_at;
};

/* The newest generation of group (watch, key); *found false when none. */
int carb_group_find(struct carb_catalog *cat, const char *watch,
		    const char *key, size_t key_len, struct carb_group_row *g,
		    bool *found, struct carb_error *err);
/* A new WAITING group whose deadline is timeout_us after its creation
 * (0: none); *id and *deadline_at receive its id and deadline. */
int carb_group_insert(struct carb_catalog *cat, const char *watch,
		      const char *key, size_t key_len, int64_t generation,
		      int64_t timeout_us, int64_t *id, int64_t *deadline_at,
		      struct carb_error *err);
/* A new group complete from its first member: READY, completed now.
 * *g receives it as carb_group_get would read it back (the caller
 * releases it with carb_group_info_release, also after an error). */
struct carb_group_info;
int carb_group_insert_ready(struct carb_catalog *cat, const char *watch,
			    const char *key, size_t key_len,
			    int64_t generation, struct carb_group_info *g,
			    struct carb_error *err);
/* old_status -> new_status; complete and missing (NULL: none) recorded;
 * a decided group gets its completed_at. */
int carb_group_set(struct carb_catalog *cat, int64_t id,
		   enum carb_status old_status, enum carb_status new_status,
		   bool complete, const char *missing, bool *changed,
		   struct carb_error *err);
/* Ids of the watch's WAITING groups whose deadline is at or before
 * now_us, oldest deadline first, at most max. *ids is new, the caller
 * frees it. */
int carb_groups_due(struct carb_catalog *cat, const char *watch,
		    int64_t now_us, size_t max, int64_t **ids, size_t *n,
		    struct carb_error *err);
/* The next deadline of a WAITING group; 0 when none. */
int carb_groups_next_deadline(struct carb_catalog *cat, int64_t *at,
			      struct carb_error *err);

/* ---- archiving -------------------------------------------------------- */

/* A group row as archiving needs it; strings owned, released with
 * carb_group_info_release. */
struct carb_group_info {
	int64_t id;
	char *watch;
	char *key;                /* bytes; NUL-terminated for convenience */
	size_t key_len;
	bool complete;
	int64_t completed_at;
	enum carb_status status;
	char *destination;        /* NULL until routed */
};
int carb_group_get(struct carb_catalog *cat, int64_t id,
		   struct carb_group_info *g, bool *found,
		   struct carb_error *err);
void carb_group_info_release(struct carb_group_info *g);

/* Group old_status -> new_status, recording its destination (NULL keeps
 * it) and reason (NULL clears it). */
int carb_group_route(struct carb_catalog *cat, int64_t id,
		     enum carb_status old_status, enum carb_status new_status,
		     const char *destination, const char *reason,
		     bool *changed, struct carb_error *err);
/* The status of group id (*found false when there is none) and how many
 * of its members have each status (counts[s] for status s, 0 for those
 * absent), in one query. */
int carb_group_tally(struct carb_catalog *cat, int64_t id,
		     enum carb_status *status, bool *found,
		     int64_t counts[CARB_STATUS_COUNT],
		     struct carb_error *err);

/* old_status -> ARCHIVING, with the destination and the planned path
 * (relative to archive.base_path).  Committed before any file moves. */
int carb_component_archiving(struct carb_catalog *cat, int64_t id,
			     enum carb_status old_status,
			     const char *destination,
			     const char *path, size_t path_len, bool *changed,
			     struct carb_error *err);

/* The outcome of a placement (or a duplicate): new_status ARCHIVED or
 * DUPLICATE, where the file is, its version, and the symlink target. */
struct carb_archived {
	enum carb_status old_status;
	enum carb_status new_status;
	const char *path;
	size_t path_len;
	int64_t version;
	const char *target;       /* NULL unless symlink mode */
	const char *reason;       /* NULL: none */
};
int carb_component_archived(struct carb_catalog *cat, int64_t id,
			    const struct carb_archived *a, bool *changed,
			    struct carb_error *err);
/* ARCHIVING -> RETRY_PENDING (next_retry_at > 0) or FAILED, counting
 * the attempt. */
int carb_component_attempt_failed(struct carb_catalog *cat, int64_t id,
				  enum carb_status new_status,
				  const char *reason,
				  int64_t next_retry_at, bool *changed,
				  struct carb_error *err);
/* The newest ARCHIVED generation of (watch, rel) with content hash; *id
 * 0 when there is none, else *path (new string, caller frees) is where
 * it was archived. */
int carb_component_find_archived(struct carb_catalog *cat, const char *watch,
				 const char *rel, size_t rel_len,
				 const char *hash, int64_t *id, char **path,
				 size_t *path_len, struct carb_error *err);
/* Ids (at most max, oldest first; *ids a new array the caller frees) of
 * the watch's components with status, and when due_us > 0 only those
 * whose next_retry_at is at or before it. */
int carb_components_with_status(struct carb_catalog *cat, const char *watch,
				enum carb_status status, int64_t due_us,
				size_t max,
				int64_t **ids, size_t *n,
				struct carb_error *err);
/* The same for groups (files rows). */
int carb_groups_with_status(struct carb_catalog *cat, const char *watch,
			    enum carb_status status, size_t max, int64_t **ids,
			    size_t *n, struct carb_error *err);
/* The earliest next_retry_at of the watch's RETRY_PENDING components; 0
 * when none waits. */
int carb_components_next_retry(struct carb_catalog *cat, const char *watch,
			       int64_t *at, struct carb_error *err);
/* ---- retries and reconciliation (reconcile.c) ------------------------ */

/* `carbonation retry`: every FAILED component of watch (NULL: of every
 * watch) goes back to the queue (RETRY_PENDING, attempts 0, next_retry_at
 * now, reason kept) and their FAILED groups back to ARCHIVING, in one
 * transaction (which must not be open already).  *count receives how
 * many components were queued. */
int carb_components_retry_failed(struct carb_catalog *cat, const char *watch,
				 int64_t *count, struct carb_error *err);

/* An ARCHIVED component as `reconcile archive` sees it.  The pointers are
 * owned by carb_archived_each and live until the callback returns; bytes
 * (paths, target) are NUL-terminated too; NULL when the column is. */
struct carb_archived_row {
	int64_t id;
	const char *watch;
	const char *rel_path;
	size_t rel_len;
	int64_t size;
	const char *content_hash;
	const char *destination;   /* archive_destination */
	const char *archive_path;  /* relative to archive.base_path */
	size_t archive_len;
	const char *archive_target;  /* symlink mode: the link's target */
	size_t target_len;
	int64_t missing_at;        /* 0: not marked missing */
	bool newest;               /* no newer generation of its path */
	const char *checksum_conflict;  /* a late sidecar's contradiction */
};

typedef int (*carb_archived_cb)(void *ctx, const struct carb_archived_row *r,
				struct carb_error *err);

/* Every ARCHIVED component of watch (NULL: every watch), in id order,
 * through cb.  Rows are read a page at a time and each page's statement
 * is finished before cb sees its rows, so cb may write to the catalog
 * and take its time (hashing) without holding a read open.  A callback
 * returning -1 stops the walk with its error. */
int carb_archived_each(struct carb_catalog *cat, const char *watch,
		       carb_archived_cb cb, void *ctx, struct carb_error *err);

/* The archived copy is gone or wrong and the delivered file is still
 * there: ARCHIVED -> RETRY_PENDING (attempts 0, next_retry_at now,
 * missing_at cleared, reason), and its group back to ARCHIVING, in one
 * transaction.  *changed: false (and nothing changed) when the row was no
 * longer ARCHIVED. */
int carb_component_requeue_archived(struct carb_catalog *cat, int64_t id,
				    const char *reason, bool *changed,
				    struct carb_error *err);

/* The archived copy is gone or wrong and nothing is left to archive
 * again: missing_at (the first time it was found; kept when set) and
 * reason; the status stays ARCHIVED.  *changed as above. */
int carb_component_mark_missing(struct carb_catalog *cat, int64_t id,
				const char *reason, bool *changed,
				struct carb_error *err);

/* A checksum sidecar recorded after component id went past integrity
 * contradicts it: checksum_conflict = what (the first one found is
 * kept); the status stays what it is (ARCHIVING, RETRY_PENDING or
 * ARCHIVED), since the archive holds, or will hold, the delivered bytes.
 * *changed: false when the row is in no such status or already marked. */
int carb_component_mark_conflict(struct carb_catalog *cat, int64_t id,
				 const char *what, bool *changed,
				 struct carb_error *err);

/* ---- queries: `query files|components`, status, libcarbonation -------- */

/* The one query layer (query_columns.c, query_build.c): every reader of
 * the catalog (the CLI's query and poll, the client library, later HTTP)
 * describes what it wants with a struct carb_query and never writes SQL.
 * Column names come only from the column list (the core columns below
 * and the plugin's declared columns); every value is bound.
 *
 * Filters are named as the CLI spells them without the leading "--":
 *
 *   NAME VALUE              equality; repeated, any of them (IN); a text
 *                           or name value holding '*' or '%' is a
 *                           pattern ('*' and '%' match any run of
 *                           bytes, nothing else is special), case- and
 *                           byte-exact on every backend
 *   NAME-after / -before T  timestamps, inclusive, T an ISO 8601 date
 *                           or date-time (UTC unless it names an
 *                           offset) or a time ago ("7d", "12h", "30m");
 *                           a date (or a time to the minute) stands for
 *                           its whole day (minute) on either side
 *   NAME-min / -max N       integers and reals, inclusive
 *   NAME / no-NAME          booleans (no value)
 *   age D                   created (files) or discovered (components)
 *                           within the last D ("7d")
 *   daterange START/END     the row's span [span start, span end]
 *                           overlaps [START, END]; either side may be
 *                           empty (open); a NULL span end is a span
 *                           still open.  The span is created_at /
 *                           completed_at for files unless
 *                           carb_query_set_span names other columns
 *   complete / incomplete   files: the group is (not) complete
 *
 * Repeating one filter ORs its values; different filters AND. */

enum carb_qtable {
	CARB_QUERY_FILES,
	CARB_QUERY_COMPONENTS,
};

enum carb_qtype {
	CARB_QTYPE_TEXT = 1,
	CARB_QTYPE_BYTES,         /* a file name or path: arbitrary bytes */
	CARB_QTYPE_INTEGER,
	CARB_QTYPE_REAL,
	CARB_QTYPE_BOOLEAN,
	CARB_QTYPE_TIMESTAMP,     /* microseconds since the epoch, UTC */
};

/* "text", "name", "integer", "real", "boolean", "timestamp". */
const char *carb_qtype_name(enum carb_qtype t);

struct carb_qcolumn {
	const char *name;
	enum carb_qtype type;
	const char *doc;          /* never NULL */
	bool filterable;          /* filters and --order-by may name it */
	bool plugin;              /* declared by the plugin */
};

struct carb_query;

/* A query of table with the plugin's columns (files only; may be NULL
 * and 0).  The caller frees it with carb_query_free.  The plugin's
 * columns are copied. */
struct carb_query *carb_query_new(enum carb_qtable table,
				  const struct carb_plugin_column *pcols,
				  size_t npcols);
void carb_query_free(struct carb_query **q);

size_t carb_query_ncolumns(const struct carb_query *q);
const struct carb_qcolumn *carb_query_column(const struct carb_query *q,
					     size_t i);
/* The index of column name, or -1. */
int carb_query_column_index(const struct carb_query *q, const char *name);

/* How many values filter name takes: 0 (a flag), 1, or -1 when there is
 * no such filter. */
int carb_query_filter_arity(const struct carb_query *q, const char *name);
/* Adds filter name (see above) with value (NULL for a flag).  Fails for
 * an unknown filter (the message suggests the closest one) and for a
 * value of the wrong type (it names the column and the type). */
int carb_query_filter(struct carb_query *q, const char *name,
		      const char *value, struct carb_error *err);
/* The span --daterange tests: two timestamp columns. */
int carb_query_set_span(struct carb_query *q, const char *start,
			const char *end, struct carb_error *err);
/* Appends, one per line, every filter q accepts with its column's doc,
 * for --help. */
void carb_query_describe_filters(const struct carb_query *q,
				 struct carb_buf *out);

/* The columns the rows have, "a,b,c" (NULL: the default set, which is
 * every column but the internal ones).  Unknown names fail with a
 * suggestion. */
int carb_query_select(struct carb_query *q, const char *columns,
		      struct carb_error *err);
/* The order, "-a,b" (descending a, then ascending b); NULL or "": the
 * plugin's default_order when given to carb_query_new's caller through
 * this call, else "-id".  NULLs sort last either way; ties end by id. */
int carb_query_order_by(struct carb_query *q, const char *spec,
			struct carb_error *err);
/* limit < 0: none. */
void carb_query_limit(struct carb_query *q, int64_t limit, int64_t offset);

/* The selected columns, in order. */
size_t carb_query_nselected(const struct carb_query *q);
const struct carb_qcolumn *carb_query_selected(const struct carb_query *q,
					       size_t i);

/* One value of the current row.  Pointers live until the next step. */
struct carb_qvalue {
	enum carb_qtype type;
	bool is_null;
	int64_t integer;          /* INTEGER, BOOLEAN (0/1), TIMESTAMP */
	double real;
	const char *text;         /* TEXT, BYTES (NUL-terminated too) */
	size_t len;
};

/* Rows of a running query: read one at a time (constant memory on every
 * backend).  Until they are freed, the connection runs no other
 * statement. */
struct carb_qrows;
int carb_query_run(struct carb_catalog *cat, const struct carb_query *q,
		   struct carb_qrows **out, struct carb_error *err);
/* CARB_STEP_ROW, CARB_STEP_DONE or -1. */
int carb_qrows_next(struct carb_qrows *r, struct carb_error *err);
/* Selected column i of the current row. */
void carb_qrows_value(struct carb_qrows *r, size_t i, struct carb_qvalue *v);
void carb_qrows_free(struct carb_qrows **r);

/* How many rows the query returns (its limit and offset applied). */
int carb_query_count(struct carb_catalog *cat, const struct carb_query *q,
		     int64_t *n, struct carb_error *err);

/* ISO 8601 UTC, "2024-02-29T23:59:59Z", with ".ffffff" when the
 * microseconds are not 0. */
void carb_buf_add_timestamp(struct carb_buf *out, int64_t us);
/* Parses T as the filters do: [*lo, *hi) is the instant or the whole
 * date / minute / second it names; now_us for times ago. */
int carb_parse_time_range(const char *text, int64_t now_us, int64_t *lo,
			  int64_t *hi, struct carb_error *err);

/* ---- polling: groups that reached a final status (poll.c) ------------- */

/* A watermark over the completions table (migrations 0006): the highest
 * completion id seen, and the ids below it not seen yet, each with when
 * it was first missed.  PostgreSQL and MariaDB hand out ids before
 * commit, so a lower id may still commit after a higher one was read; it
 * is asked for again at every poll until it appears or is older than
 * the gap timeout (then it belonged to a transaction that rolled back).
 * docs/reporting.md, "Polling", has the reasoning. */
struct carb_cursor_gap {
	int64_t id;
	int64_t seen_us;
};

struct carb_cursor {
	int64_t high;
	struct carb_cursor_gap *gaps;
	size_t ngaps;
};

/* The gap timeout when none is given: far longer than any transaction
 * the service holds (a batch of catalog writes commits within seconds). */
#define CARB_POLL_GAP_TIMEOUT_US (600LL * 1000000)
/* At most this many ids are remembered; past it, the oldest go first. */
#define CARB_POLL_MAX_GAPS 10000

/* Parses text ("" or NULL: the start of the table) into *c (released
 * with carb_cursor_release, also after a failure). */
int carb_cursor_parse(const char *text, struct carb_cursor *c,
		      struct carb_error *err);
/* The cursor as text, "1:HIGH[:ID.SEEN,...]"; the caller frees it. */
char *carb_cursor_format(const struct carb_cursor *c);
void carb_cursor_release(struct carb_cursor *c);
/* Records that completion id was read (rows come in id order). */
void carb_cursor_advance(struct carb_cursor *c, int64_t id, int64_t now_us);
/* Forgets the ids first missed more than timeout_us before now_us. */
void carb_cursor_expire(struct carb_cursor *c, int64_t now_us,
			int64_t timeout_us);

/* The groups (q's columns and filters) with a completion after c, in
 * completion order, at most limit (< 0: all).  Read each row's
 * completion with carb_qrows_completion and advance the cursor with it. */
int carb_poll_run(struct carb_catalog *cat, const struct carb_query *q,
		  const struct carb_cursor *c, int64_t limit,
		  struct carb_qrows **out, struct carb_error *err);
/* The completion of the current row of a poll: its id and the status it
 * recorded (valid until the next step). */
void carb_qrows_completion(struct carb_qrows *r, int64_t *id,
			   const char **status);

/* Marks groups CLEARED (a consumer has taken them): every group q
 * selects whose status is final (ARCHIVED, NOT_SELECTED, FAILED,
 * TIMED_OUT); *n receives how many.  CLEARED is final too: nothing
 * archives such a group again. */
int carb_groups_clear(struct carb_catalog *cat, const struct carb_query *q,
		      int64_t *n, struct carb_error *err);

/* ---- the heartbeat and `status` (heartbeat.c, status.c) --------------- */

/* One service instance, as it writes its service_status row (0007). */
struct carb_heartbeat {
	const char *host;
	int64_t pid;
	const char *version;
	const char *name;           /* [service] name */
	const char *config_path;
	const char *watches;        /* watch names, space-separated */
	int64_t interval_us;        /* [service] heartbeat_interval */
};

/* What the instance counts since it started. */
struct carb_heartbeat_counters {
	int64_t files_seen, files_archived, files_failed;
	int64_t last_event_at, last_walk_at;   /* 0: none yet */
};

/* Writes the instance's row (replacing a row a dead process of the same
 * host and pid left): started and renewed now, not stopped. */
int carb_catalog_heartbeat_start(struct carb_catalog *cat,
				 const struct carb_heartbeat *hb,
				 struct carb_error *err);
/* Renews last_heartbeat and the counters. */
int carb_catalog_heartbeat_renew(struct carb_catalog *cat, const char *host,
				 int64_t pid,
				 const struct carb_heartbeat_counters *c,
				 struct carb_error *err);
/* A clean exit: the counters and stopped_at. */
int carb_catalog_heartbeat_stop(struct carb_catalog *cat, const char *host,
				int64_t pid,
				const struct carb_heartbeat_counters *c,
				struct carb_error *err);

struct carb_status_instance {
	char *host, *name, *version, *config_path, *watches;
	int64_t pid, started_at, last_heartbeat, interval_us, stopped_at;
	struct carb_heartbeat_counters counters;
	bool newest;                /* the newest row of its host and name */
	bool stale;                 /* running, heartbeat older than twice
				     * its interval */
};

struct carb_status_reason {
	char *reason;
	int64_t count;
};

struct carb_status_total {
	char *watch, *destination;
	int64_t files, bytes;
};

/* The windows of the component counts, seconds; 0: all time. */
#define CARB_STATUS_NWINDOWS 6
extern const int64_t carb_status_windows[CARB_STATUS_NWINDOWS];
extern const char *const carb_status_window_names[CARB_STATUS_NWINDOWS];

/* The outbox of one [[events]] sink (docs/events.md). */
struct carb_status_sink {
	char *name;
	int64_t unsent;
	int64_t oldest_unsent_at;  /* 0: none unsent */
};

/* What `carbonation status` shows, read from the catalog alone. */
struct carb_status_report {
	int64_t now;
	struct carb_status_instance *instances;   /* newest heartbeat first */
	size_t ninstances;
	/* Components by status, per window (changed within it). */
	struct carb_status_count *counts[CARB_STATUS_NWINDOWS];
	size_t ncounts[CARB_STATUS_NWINDOWS];
	struct carb_status_total *totals;         /* ARCHIVED, per watch and
						   * destination */
	size_t ntotals;
	int64_t retry_depth, next_retry_at;       /* 0: none due */
	int64_t failed;
	struct carb_status_reason *reasons;       /* most common first, <= 5 */
	size_t nreasons;
	int64_t backlog_pending, backlog_ready;
	int64_t oldest_waiting_id, oldest_waiting_at;  /* 0: none waits */
	char *oldest_waiting_key;
	size_t oldest_waiting_len;
	int64_t next_deadline_id, next_deadline_at;    /* 0: none */
	struct carb_status_sink *sinks;           /* the outbox per sink, from
						   * carb_catalog_status_sinks */
	size_t nsinks;
};

/* Fills *r (released with carb_status_report_release, also after a
 * failure). */
int carb_catalog_status(struct carb_catalog *cat, struct carb_status_report *r,
			struct carb_error *err);
void carb_status_report_release(struct carb_status_report *r);
/* Adds to *r the outbox depth of each sink named (the config's sinks:
 * the catalog does not know which sinks exist). */
int carb_catalog_status_sinks(struct carb_catalog *cat,
			      const char *const *names, size_t n,
			      struct carb_status_report *r,
			      struct carb_error *err);


/* ---- the outbox of events (events.c, 0010, docs/events.md) ------------ */

/* One outbox row; strings valid during the callback only. */
struct carb_event_row {
	int64_t id;               /* order of the outbox */
	const char *event_id;     /* unique; consumers dedupe on it */
	const char *scope;        /* "group" or "component" */
	int64_t file_id;          /* 0: none (a component without a group) */
	int64_t component_id;     /* 0: a group event */
	const char *watch;
	const char *status;
	int64_t created_at;       /* microseconds */
};
/* Returns 0 to go on, non-zero to stop. */
typedef int (*carb_event_row_cb)(void *ctx, const struct carb_event_row *r);

/* The first limit events, in id order, that sink has no delivery of. */
int carb_catalog_events_unsent(struct carb_catalog *cat, const char *sink,
			       size_t limit, carb_event_row_cb cb, void *ctx,
			       struct carb_error *err);
/* Records that sink confirmed event id (skipped: the sink's filters did
 * not want it). */
int carb_catalog_event_delivered(struct carb_catalog *cat, const char *sink,
				 int64_t id, bool skipped,
				 struct carb_error *err);
/* Makes the events created at or after since_us unsent again for sink
 * (NULL: every sink); *count (may be NULL) gets the deliveries undone. */
int carb_catalog_events_replay(struct carb_catalog *cat, int64_t since_us,
			       const char *sink, int64_t *count,
			       struct carb_error *err);
/* Deletes the events created before before_us that every one of sinks
 * has (all of them when nsinks is 0), and their deliveries. */
int carb_catalog_events_prune(struct carb_catalog *cat, int64_t before_us,
			      const char *const *sinks, size_t nsinks,
			      int64_t *count, struct carb_error *err);
/* How many events sink has not had, and the oldest one's created_at (0
 * when none). */
int carb_catalog_events_depth(struct carb_catalog *cat, const char *sink,
			      int64_t *unsent, int64_t *oldest_us,
			      struct carb_error *err);

/* The group an event names, as it is now.  Strings are owned: release
 * with carb_event_group_release. */
struct carb_event_group {
	bool found;
	char *group_key;          /* bytes, NUL-terminated */
	size_t group_key_len;
	char *reason;             /* NULL: none */
	char *destination;        /* NULL: none */
	int64_t created_at, completed_at, generation;
};
int carb_catalog_event_group(struct carb_catalog *cat, int64_t file_id,
			     struct carb_event_group *g, struct carb_error *err);
void carb_event_group_release(struct carb_event_group *g);

/* A member of an event; pointers valid during the callback only. */
struct carb_event_member {
	int64_t id;
	const char *rel_path;     /* bytes */
	size_t rel_path_len;
	int64_t size, mtime;      /* mtime in microseconds */
	const char *sha256;       /* hex, or NULL */
	const char *xxh128;       /* hex, or NULL ([integrity] hashes) */
	const char *status;
	const char *reason;       /* NULL: none */
	const char *archive_destination;
	const char *archive_path; /* bytes, or NULL */
	size_t archive_path_len;
	int64_t archived_at;      /* 0: not archived */
};
typedef int (*carb_event_member_cb)(void *ctx,
				    const struct carb_event_member *m);
/* The component component_id (when > 0), else every member of group
 * file_id, in id order. */
int carb_catalog_event_members(struct carb_catalog *cat, int64_t file_id,
			       int64_t component_id, carb_event_member_cb cb,
			       void *ctx, struct carb_error *err);

#endif
