/* The generic catalog: opening by URL, and the statement and transaction
 * wrappers over the driver table.  Dialect-free: what differs between
 * backends lives in the drivers and in the SQL text. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/driver.h"

#define DEFAULT_BUSY_TIMEOUT_MS 5000
#define PASSWORD_MAX 4096

/* Prepared statements are kept per connection, keyed by their SQL text:
 * the pipeline runs the same few dozen statements for every file, and
 * preparing costs more than running them (SQLite parses and plans; the
 * servers add a round trip to prepare and one to deallocate).  A
 * statement finalized by its caller is reset, its bindings cleared, and
 * kept idle for the next prepare of the same text.  Texts beyond
 * STMT_CACHE_TEXTS (one-off queries with filters) are not kept. */
#define STMT_CACHE_TEXTS 256
#define STMT_CACHE_IDLE 4   /* idle statements per text (nesting) */

struct stmt_slot {
	struct carb_driver_stmt *idle[STMT_CACHE_IDLE];
	size_t n;
};

struct carb_catalog {
	const struct carb_driver *drv;
	struct carb_driver_conn *conn;
	char *url;      /* redacted */
	bool in_tx;
	struct carb_map *cache;  /* SQL text -> struct stmt_slot */
	/* Bumped when the idle statements are dropped (DDL may change what
	 * a statement means): a statement prepared before then is not
	 * kept when its caller finalizes it. */
	uint64_t cache_epoch;
};

struct carb_stmt {
	struct carb_catalog *cat;
	struct carb_driver_stmt *ds;
	struct stmt_slot *slot;  /* where it goes back to; NULL: nowhere */
	uint64_t epoch;
};

/* Turns err's message into "prefix: message". */
static int prefix_error(struct carb_error *err, const char *prefix)
{
	char msg[CARB_ERROR_MAX];

	if (err == NULL)
		return -1;
	snprintf(msg, sizeof(msg), "%s", err->msg);
	return carb_error_set(err, "%s: %s", prefix, msg);
}

/* The first line of the file, without its line ending.  The message on
 * failure names the file, never what it holds. */
static int read_password_file(const char *path, const char *base_dir,
			      char **out, struct carb_error *err)
{
	char *full = path[0] == '/' || base_dir == NULL
		? carb_xstrdup(path)
		: carb_xasprintf("%s/%s", base_dir, path);
	char line[PASSWORD_MAX + 2];
	FILE *f = fopen(full, "re");
	size_t n;

	if (f == NULL) {
		carb_error_set(err, "cannot read password_file \"%s\": %s", full,
			       strerror(errno));
		free(full);
		return -1;
	}
	if (fgets(line, sizeof(line), f) == NULL)
		line[0] = '\0';
	fclose(f);
	n = strlen(line);
	if (n > PASSWORD_MAX) {
		explicit_bzero(line, sizeof(line));
		carb_error_set(err, "password_file \"%s\": the first line is longer than %d bytes",
			       full, PASSWORD_MAX);
		free(full);
		return -1;
	}
	free(full);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	*out = carb_xstrdup(line);
	explicit_bzero(line, sizeof(line));
	return 0;
}

static int resolve_password(const struct carb_catalog_options *opts,
			    struct carb_db_url *url, struct carb_error *err)
{
	if (opts->password_file == NULL || *opts->password_file == '\0')
		return 0;
	if (url->kind == CARB_DB_SQLITE)
		return carb_error_set(err, "password_file is set, but an sqlite catalog takes no password");
	if (url->password != NULL)
		return carb_error_set(err, "the password is given twice: in the URL and in password_file");
	return read_password_file(opts->password_file, opts->base_dir,
				  &url->password, err);
}

int carb_catalog_open(const struct carb_catalog_options *opts,
		      struct carb_catalog **out, struct carb_error *err)
{
	const char *text = opts->url != NULL ? opts->url : CARB_DB_DEFAULT_URL;
	char *redacted = carb_db_url_redact(text);
	struct carb_driver_connect_options copts = { 0 };
	struct carb_db_url url;
	const struct carb_driver *drv;
	struct carb_catalog *cat;
	char *prefix;

	*out = NULL;
	if (carb_db_url_parse(text, opts->base_dir, &url, err) < 0 ||
	    resolve_password(opts, &url, err) < 0) {
		prefix = carb_xasprintf("cannot open catalog \"%s\"", redacted);
		goto fail;
	}
	drv = carb_catalog_driver(url.kind, err);
	if (drv == NULL) {
		prefix = carb_xasprintf("cannot open catalog \"%s\"", redacted);
		goto fail;
	}
	cat = carb_xcalloc(1, sizeof(*cat));
	cat->drv = drv;
	cat->url = redacted;
	cat->cache = carb_map_new();
	copts.url = &url;
	copts.redacted_url = redacted;
	copts.busy_timeout_ms = opts->busy_timeout_ms > 0
		? opts->busy_timeout_ms : DEFAULT_BUSY_TIMEOUT_MS;
	copts.create = opts->create;
	if (cat->drv->connect(&copts, &cat->conn, err) < 0) {
		prefix = carb_xasprintf("cannot open catalog \"%s\"", redacted);
		carb_map_free(&cat->cache);
		free(cat);
		goto fail;
	}
	carb_db_url_release(&url);
	*out = cat;
	return 0;
fail:
	prefix_error(err, prefix);
	free(prefix);
	free(redacted);
	carb_db_url_release(&url);
	return -1;
}

/* Finalizes every idle statement; with release, frees the slots too. */
static void cache_drop(struct carb_catalog *cat, bool release)
{
	struct carb_map_iter it;
	const char *sql;
	size_t len;
	void *v;

	carb_map_iter_init(&it, cat->cache);
	while (carb_map_iter_next(&it, &sql, &len, &v)) {
		struct stmt_slot *slot = v;

		while (slot->n > 0)
			cat->drv->finalize(slot->idle[--slot->n]);
		if (release)
			free(slot);
	}
	cat->cache_epoch++;
}

void carb_catalog_close(struct carb_catalog **catp)
{
	struct carb_catalog *cat = catp ? *catp : NULL;

	if (cat == NULL)
		return;
	if (cat->in_tx)
		cat->drv->rollback(cat->conn, NULL);
	cache_drop(cat, true);
	carb_map_free(&cat->cache);
	cat->drv->close(cat->conn);
	free(cat->url);
	free(cat);
	*catp = NULL;
}

enum carb_db_kind carb_catalog_kind(const struct carb_catalog *cat)
{
	return cat->drv->kind;
}

const char *carb_catalog_dialect(const struct carb_catalog *cat)
{
	return cat->drv->name;
}

const char *carb_catalog_url(const struct carb_catalog *cat)
{
	return cat->url;
}

bool carb_catalog_transactional_ddl(const struct carb_catalog *cat)
{
	return cat->drv->transactional_ddl;
}

size_t carb_catalog_path_max(const struct carb_catalog *cat)
{
	return carb_catalog_kind(cat) == CARB_DB_MARIADB
		? CARB_MARIADB_PATH_MAX : 0;
}

enum carb_db_errclass carb_catalog_last_error_class(const struct carb_catalog *cat)
{
	return cat->drv->last_error(cat->conn);
}

/* exec runs migrations and DDL, which may change what a kept statement
 * means (PostgreSQL refuses a cached plan whose result type changed):
 * the idle statements go. */
int carb_catalog_exec(struct carb_catalog *cat, const char *sql,
		      struct carb_error *err)
{
	cache_drop(cat, false);
	return cat->drv->exec(cat->conn, sql, err);
}

int carb_catalog_begin(struct carb_catalog *cat, struct carb_error *err)
{
	if (cat->in_tx)
		return carb_error_set(err, "a transaction is already open (they do not nest)");
	if (cat->drv->begin(cat->conn, err) < 0)
		return -1;
	cat->in_tx = true;
	return 0;
}

/* A failed commit is rolled back on every backend (SQLite would keep the
 * transaction open), so "commit failed" always means "nothing written". */
int carb_catalog_commit(struct carb_catalog *cat, struct carb_error *err)
{
	if (!cat->in_tx)
		return carb_error_set(err, "commit without a transaction");
	cat->in_tx = false;
	if (cat->drv->commit(cat->conn, err) == 0)
		return 0;
	cat->drv->rollback(cat->conn, NULL);
	return -1;
}

int carb_catalog_rollback(struct carb_catalog *cat, struct carb_error *err)
{
	if (!cat->in_tx)
		return carb_error_set(err, "rollback without a transaction");
	cat->in_tx = false;
	return cat->drv->rollback(cat->conn, err);
}

bool carb_catalog_in_transaction(const struct carb_catalog *cat)
{
	return cat->in_tx;
}

int carb_catalog_table_exists(struct carb_catalog *cat, const char *table,
			      bool *exists, struct carb_error *err)
{
	struct carb_stmt *st;
	int r;

	if (carb_stmt_prepare(cat, cat->drv->table_exists_sql, &st, err) < 0)
		return -1;
	r = carb_stmt_bind_text(st, 1, table, err);
	if (r == 0)
		r = carb_stmt_step(st, err);
	carb_stmt_finalize(&st);
	if (r < 0)
		return -1;
	*exists = r == CARB_STEP_ROW;
	return 0;
}

int carb_catalog_migration_lock(struct carb_catalog *cat, bool lock,
				struct carb_error *err)
{
	const char *sql = lock ? cat->drv->migrate_lock_sql
		: cat->drv->migrate_unlock_sql;
	struct carb_stmt *st;
	int r;

	if (sql == NULL)
		return 0;
	if (carb_stmt_prepare(cat, sql, &st, err) < 0)
		return -1;
	r = carb_stmt_step(st, err);
	if (r == CARB_STEP_ROW && lock && carb_stmt_column_int64(st, 0) != 1)
		r = carb_error_set(err, "another migration run holds the lock: try again later");
	carb_stmt_finalize(&st);
	return r < 0 ? -1 : 0;
}

int carb_stmt_prepare(struct carb_catalog *cat, const char *sql,
		      struct carb_stmt **out, struct carb_error *err)
{
	size_t len = strlen(sql);
	struct stmt_slot *slot = carb_map_get(cat->cache, sql, len);
	struct carb_driver_stmt *ds;

	*out = NULL;
	if (slot != NULL && slot->n > 0) {
		ds = slot->idle[--slot->n];
	} else {
		if (cat->drv->prepare(cat->conn, sql, &ds, err) < 0)
			return -1;
		if (slot == NULL &&
		    carb_map_count(cat->cache) < STMT_CACHE_TEXTS) {
			slot = carb_xcalloc(1, sizeof(*slot));
			carb_map_put(cat->cache, sql, len, slot);
		}
	}
	*out = carb_xmalloc(sizeof(**out));
	(*out)->cat = cat;
	(*out)->ds = ds;
	(*out)->slot = slot;
	(*out)->epoch = cat->cache_epoch;
	return 0;
}

static int check_index(int idx, struct carb_error *err)
{
	if (idx < 1)
		return carb_error_set(err, "parameter %d: parameters are numbered from 1", idx);
	return 0;
}

int carb_stmt_bind_text(struct carb_stmt *st, int idx, const char *value,
			struct carb_error *err)
{
	if (check_index(idx, err) < 0)
		return -1;
	if (value == NULL)
		return st->cat->drv->bind_null(st->ds, idx, err);
	return st->cat->drv->bind_text(st->ds, idx, value, strlen(value), err);
}

int carb_stmt_bind_blob(struct carb_stmt *st, int idx, const void *data,
			size_t len, struct carb_error *err)
{
	if (check_index(idx, err) < 0)
		return -1;
	return st->cat->drv->bind_blob(st->ds, idx, data != NULL ? data : "",
				       len, err);
}

int carb_stmt_bind_int64(struct carb_stmt *st, int idx, int64_t value,
			 struct carb_error *err)
{
	if (check_index(idx, err) < 0)
		return -1;
	return st->cat->drv->bind_int64(st->ds, idx, value, err);
}

int carb_stmt_bind_double(struct carb_stmt *st, int idx, double value,
			  struct carb_error *err)
{
	if (check_index(idx, err) < 0)
		return -1;
	return st->cat->drv->bind_double(st->ds, idx, value, err);
}

int carb_stmt_bind_null(struct carb_stmt *st, int idx, struct carb_error *err)
{
	if (check_index(idx, err) < 0)
		return -1;
	return st->cat->drv->bind_null(st->ds, idx, err);
}

void carb_stmt_stream(struct carb_stmt *st)
{
	if (st->cat->drv->stream != NULL)
		st->cat->drv->stream(st->ds);
}

int carb_stmt_step(struct carb_stmt *st, struct carb_error *err)
{
	return st->cat->drv->step(st->ds, err);
}

int64_t carb_stmt_changes(const struct carb_stmt *st)
{
	return st->cat->drv->changes(st->ds);
}

bool carb_catalog_needs_returning(const struct carb_catalog *cat)
{
	return cat->drv->insert_id == NULL;
}

int64_t carb_stmt_insert_id(const struct carb_stmt *st)
{
	return st->cat->drv->insert_id(st->ds);
}

int carb_stmt_column_count(const struct carb_stmt *st)
{
	return st->cat->drv->column_count(st->ds);
}

static bool column_ok(const struct carb_stmt *st, int col)
{
	return col >= 0 && col < st->cat->drv->column_count(st->ds);
}

bool carb_stmt_column_is_null(struct carb_stmt *st, int col)
{
	return !column_ok(st, col) || st->cat->drv->column_is_null(st->ds, col);
}

int64_t carb_stmt_column_int64(struct carb_stmt *st, int col)
{
	return column_ok(st, col) ? st->cat->drv->column_int64(st->ds, col) : 0;
}

double carb_stmt_column_double(struct carb_stmt *st, int col)
{
	return column_ok(st, col) ? st->cat->drv->column_double(st->ds, col) : 0.0;
}

const char *carb_stmt_column_text(struct carb_stmt *st, int col)
{
	size_t len;

	return column_ok(st, col) ? st->cat->drv->column_text(st->ds, col, &len)
		: NULL;
}

const void *carb_stmt_column_blob(struct carb_stmt *st, int col, size_t *len)
{
	size_t dummy;

	if (len == NULL)
		len = &dummy;
	*len = 0;
	return column_ok(st, col) ? st->cat->drv->column_blob(st->ds, col, len)
		: NULL;
}

int carb_stmt_reset(struct carb_stmt *st, struct carb_error *err)
{
	return st->cat->drv->reset(st->ds, err);
}

void carb_stmt_finalize(struct carb_stmt **stp)
{
	struct carb_stmt *st = stp ? *stp : NULL;

	if (st == NULL)
		return;
	if (st->slot != NULL && st->epoch == st->cat->cache_epoch &&
	    st->slot->n < STMT_CACHE_IDLE) {
		/* Reset now: an SQLite statement left mid-result would keep
		 * its read transaction open. */
		st->cat->drv->reset(st->ds, NULL);
		st->cat->drv->clear_bindings(st->ds);
		st->slot->idle[st->slot->n++] = st->ds;
	} else {
		st->cat->drv->finalize(st->ds);
	}
	free(st);
	*stp = NULL;
}
