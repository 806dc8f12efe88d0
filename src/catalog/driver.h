/* The catalog's private driver interface: what each backend (sqlite.c,
 * postgresql.c, mariadb.c) implements, and nothing above src/catalog/
 * includes.  Retries, reconnects and batching belong above this table,
 * once, not in the drivers.
 *
 * Every function that can fail returns 0 (or a step result) or -1 with err
 * set, and records the failure's class for last_error. */
#ifndef CARB_CATALOG_DRIVER_H
#define CARB_CATALOG_DRIVER_H

#include "catalog/catalog.h"

struct carb_driver_conn;   /* a backend's connection */
struct carb_driver_stmt;   /* a backend's prepared statement */

struct carb_driver_connect_options {
	const struct carb_db_url *url;  /* password already resolved */
	const char *redacted_url;       /* for messages */
	int64_t busy_timeout_ms;        /* > 0 */
	bool create;
};

struct carb_driver {
	/* Dialect facts. */
	enum carb_db_kind kind;
	const char *name;               /* also the migrations folder */
	bool transactional_ddl;
	/* One `?` parameter: the table's name; a row when it exists. */
	const char *table_exists_sql;
	/* A session lock that keeps two migration runners apart: the first
	 * query returns 1 once the lock is held (0 when it timed out); NULL
	 * where transactions suffice (SQLite's BEGIN IMMEDIATE). */
	const char *migrate_lock_sql;
	const char *migrate_unlock_sql;

	/* *out is owned by the caller and closed with close. */
	int (*connect)(const struct carb_driver_connect_options *opts,
		       struct carb_driver_conn **out, struct carb_error *err);
	void (*close)(struct carb_driver_conn *conn);
	/* Several statements, no parameters, results discarded. */
	int (*exec)(struct carb_driver_conn *conn, const char *sql,
		    struct carb_error *err);
	int (*begin)(struct carb_driver_conn *conn, struct carb_error *err);
	int (*commit)(struct carb_driver_conn *conn, struct carb_error *err);
	int (*rollback)(struct carb_driver_conn *conn, struct carb_error *err);
	/* The class of the last failure; its message went to err. */
	enum carb_db_errclass (*last_error)(const struct carb_driver_conn *conn);

	/* *out is owned by the caller and freed with finalize, before the
	 * connection closes. */
	int (*prepare)(struct carb_driver_conn *conn, const char *sql,
		       struct carb_driver_stmt **out, struct carb_error *err);
	int (*bind_text)(struct carb_driver_stmt *st, int idx, const char *v,
			 size_t len, struct carb_error *err);
	int (*bind_blob)(struct carb_driver_stmt *st, int idx, const void *v,
			 size_t len, struct carb_error *err);
	int (*bind_int64)(struct carb_driver_stmt *st, int idx, int64_t v,
			  struct carb_error *err);
	int (*bind_double)(struct carb_driver_stmt *st, int idx, double v,
			   struct carb_error *err);
	int (*bind_null)(struct carb_driver_stmt *st, int idx,
			 struct carb_error *err);
	/* CARB_STEP_ROW, CARB_STEP_DONE or -1. */
	int (*step)(struct carb_driver_stmt *st, struct carb_error *err);
	int64_t (*changes)(const struct carb_driver_stmt *st);
	/* The id the statement's last run inserted; NULL where an INSERT
	 * must say RETURNING to learn it. */
	int64_t (*insert_id)(const struct carb_driver_stmt *st);
	int (*column_count)(const struct carb_driver_stmt *st);
	bool (*column_is_null)(struct carb_driver_stmt *st, int col);
	int64_t (*column_int64)(struct carb_driver_stmt *st, int col);
	double (*column_double)(struct carb_driver_stmt *st, int col);
	/* Both NUL-terminated, len excludes the NUL; NULL for SQL NULL. */
	const char *(*column_text)(struct carb_driver_stmt *st, int col,
				   size_t *len);
	const void *(*column_blob)(struct carb_driver_stmt *st, int col,
				   size_t *len);
	/* Before the first step: fetch the result a row at a time instead
	 * of whole; the connection runs nothing else until the statement is
	 * reset or finalized.  NULL where rows always come one at a time
	 * (SQLite). */
	void (*stream)(struct carb_driver_stmt *st);
	int (*reset)(struct carb_driver_stmt *st, struct carb_error *err);
	/* Forgets every binding: each parameter is NULL again, as after
	 * prepare.  Only on a reset statement. */
	void (*clear_bindings)(struct carb_driver_stmt *st);
	void (*finalize)(struct carb_driver_stmt *st);
};

/* The backends.  SQLite's is linked in; the others are each the one
 * exported symbol of their module (registry.c is the one place that
 * knows which exist and where). */
extern const struct carb_driver carb_catalog_sqlite_driver;
/* Visible: a module is built with -fvisibility=hidden, and this table
 * is what carb_module_symbol looks up in it. */
__attribute__((visibility("default")))
extern const struct carb_driver carb_catalog_pg_driver;
__attribute__((visibility("default")))
extern const struct carb_driver carb_catalog_mariadb_driver;

/* Takes (lock true) or releases the migration lock of the dialect, if
 * it has one.  For migrate.c. */
int carb_catalog_migration_lock(struct carb_catalog *cat, bool lock,
				struct carb_error *err);

/* The driver for kind, its module loaded on first use; NULL with err
 * when this build leaves it out or its module cannot be loaded. */
const struct carb_driver *carb_catalog_driver(enum carb_db_kind kind,
					      struct carb_error *err);

/* Rewrites `?` placeholders to $1..$n outside string literals, quoted
 * identifiers, dollar quotes and comments.  Returns a new string the
 * caller frees; *nparams receives n. */
char *carb_sql_number_placeholders(const char *sql, int *nparams);

#endif
