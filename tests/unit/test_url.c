/* Database URLs (src/catalog/url.c): every scheme, sockets,
 * percent-decoding, relative SQLite paths, errors and redaction.  Also the
 * `?` to $n rewriting of the PostgreSQL backend, and the statement API on
 * an in-memory SQLite catalog -- or on the server $CARB_TEST_DB_URL names,
 * which tests/integration/db-*.sh set to their own server.  And the
 * statuses' stored text (src/catalog/status_names.c). */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog/catalog.h"
#include "catalog/driver.h"
#include "util/util.h"

static struct carb_db_url url;
static struct carb_error err;

static void setup(void)
{
	memset(&url, 0, sizeof(url));
	carb_error_clear(&err);
}

static void teardown(void)
{
	carb_db_url_release(&url);
}

static void parse_ok(const char *text, const char *base)
{
	carb_db_url_release(&url);
	ck_assert_msg(carb_db_url_parse(text, base, &url, &err) == 0,
		      "\"%s\" should parse: %s", text, err.msg);
}

static void parse_bad(const char *text, const char *msg_part)
{
	carb_db_url_release(&url);
	carb_error_clear(&err);
	ck_assert_msg(carb_db_url_parse(text, "/base", &url, &err) == -1,
		      "\"%s\" should be refused", text);
	ck_assert_msg(strstr(err.msg, msg_part) != NULL,
		      "message for \"%s\" lacks \"%s\": %s", text, msg_part, err.msg);
}

#define ck_assert_str_or_null(a, b) do { \
	if ((b) == NULL) ck_assert_ptr_null(a); \
	else { ck_assert_ptr_nonnull(a); ck_assert_str_eq(a, b); } \
} while (0)

/* ---- sqlite ---------------------------------------------------------- */

START_TEST(sqlite_absolute)
{
	parse_ok("sqlite:///var/lib/carbonation/catalog.db", "/etc/carbonation");
	ck_assert_int_eq(url.kind, CARB_DB_SQLITE);
	ck_assert_str_eq(url.path, "/var/lib/carbonation/catalog.db");
	parse_ok("sqlite:/abs.db", "/etc");
	ck_assert_str_eq(url.path, "/abs.db");
	parse_ok("sqlite://localhost/abs.db", "/etc");
	ck_assert_str_eq(url.path, "/abs.db");
	parse_ok("SQLite:///x.db", NULL);
	ck_assert_str_eq(url.path, "/x.db");
}
END_TEST

START_TEST(sqlite_relative)
{
	char cwd[4096];
	char *want;

	parse_ok("sqlite:carbonation.db", "/etc/carbonation");
	ck_assert_str_eq(url.path, "/etc/carbonation/carbonation.db");
	parse_ok("sqlite:data/catalog.db", "/srv/carb/");
	ck_assert_str_eq(url.path, "/srv/carb/data/catalog.db");
	parse_ok(CARB_DB_DEFAULT_URL, "/cfg");
	ck_assert_str_eq(url.path, "/cfg/carbonation.db");
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	want = carb_xasprintf("%s/here.db", cwd);
	parse_ok("sqlite:here.db", NULL);
	ck_assert_str_eq(url.path, want);
	free(want);
}
END_TEST

START_TEST(sqlite_decoding)
{
	parse_ok("sqlite:///tmp/a%20b%3Fc.db", NULL);
	ck_assert_str_eq(url.path, "/tmp/a b?c.db");
	parse_ok("sqlite:caf%C3%A9.db", "/d");
	ck_assert_str_eq(url.path, "/d/caf\xc3\xa9.db");
	parse_ok("sqlite::memory:", "/d");
	ck_assert_str_eq(url.path, ":memory:");
}
END_TEST

START_TEST(sqlite_errors)
{
	parse_bad("sqlite:", "names no file");
	parse_bad("sqlite://", "names no file");
	parse_bad("sqlite://dbhost/x.db", "not a host");
	parse_bad("sqlite:x.db?mode=ro", "takes no options");
	parse_bad("sqlite:bad%zz.db", "invalid %-escape");
	parse_bad("sqlite:bad%4", "incomplete %-escape");
	parse_bad("sqlite:nul%00.db", "%00");
}
END_TEST

/* ---- postgresql ------------------------------------------------------ */

static bool have(enum carb_db_kind kind, const char *text, const char *label)
{
	char *want;

	if (carb_db_backend_available(kind))
		return true;
	want = carb_xasprintf("carbonation was built without %s support", label);
	parse_bad(text, want);
	free(want);
	return false;
}

START_TEST(pg_full)
{
	if (!have(CARB_DB_POSTGRESQL, "postgresql://h/db", "PostgreSQL"))
		return;
	parse_ok("postgresql://carb:s3cret@db.example.org:5433/catalog", "/x");
	ck_assert_int_eq(url.kind, CARB_DB_POSTGRESQL);
	ck_assert_str_eq(url.user, "carb");
	ck_assert_str_eq(url.password, "s3cret");
	ck_assert_str_eq(url.host, "db.example.org");
	ck_assert_int_eq(url.port, 5433);
	ck_assert_str_eq(url.dbname, "catalog");
	ck_assert_ptr_null(url.path);
	ck_assert_uint_eq(url.nparams, 0);
	parse_ok("postgres://u@h/d", NULL);
	ck_assert_int_eq(url.kind, CARB_DB_POSTGRESQL);
	ck_assert_ptr_null(url.password);
	ck_assert_int_eq(url.port, 0);
	parse_ok("postgresql:///onlydb", NULL);
	ck_assert_ptr_null(url.host);
	ck_assert_ptr_null(url.user);
	ck_assert_str_eq(url.dbname, "onlydb");
	parse_ok("postgresql://[::1]:6543/d", NULL);
	ck_assert_str_eq(url.host, "::1");
	ck_assert_int_eq(url.port, 6543);
	parse_ok("postgresql://u:@h/d", NULL);
	ck_assert_str_eq(url.password, "");
}
END_TEST

START_TEST(pg_sockets)
{
	if (!have(CARB_DB_POSTGRESQL, "postgresql://h/db", "PostgreSQL"))
		return;
	parse_ok("postgresql://carb@%2Frun%2Fpostgresql/catalog", NULL);
	ck_assert_str_eq(url.host, "/run/postgresql");
	ck_assert_str_eq(url.dbname, "catalog");
	parse_ok("postgresql://carb@/catalog?host=/tmp/pg%20sock&port=5499", NULL);
	ck_assert_str_eq(url.host, "/tmp/pg sock");
	ck_assert_int_eq(url.port, 5499);
	parse_ok("postgres:///catalog?host=%2Fvar%2Frun", NULL);
	ck_assert_str_eq(url.host, "/var/run");
}
END_TEST

START_TEST(pg_options)
{
	if (!have(CARB_DB_POSTGRESQL, "postgresql://h/db", "PostgreSQL"))
		return;
	parse_ok("postgresql://h/d?sslmode=require&application_name=a%20b&connect_timeout=3", NULL);
	ck_assert_uint_eq(url.nparams, 2);
	ck_assert_str_eq(url.params[0].key, "sslmode");
	ck_assert_str_eq(url.params[0].value, "require");
	ck_assert_str_eq(url.params[1].key, "application_name");
	ck_assert_str_eq(url.params[1].value, "a b");
	ck_assert_int_eq(url.connect_timeout, 3);
	parse_ok("postgresql://h/d?user=x&password=y&dbname=z", NULL);
	ck_assert_str_eq(url.user, "x");
	ck_assert_str_eq(url.password, "y");
	ck_assert_str_eq(url.dbname, "z");
	parse_bad("postgresql://h/d?sslmode", "has no value");
	parse_bad("postgresql://h/d?connect_timeout=soon", "connect_timeout");
}
END_TEST

START_TEST(pg_decoding)
{
	if (!have(CARB_DB_POSTGRESQL, "postgresql://h/db", "PostgreSQL"))
		return;
	parse_ok("postgresql://us%40er:p%40ss%2Fw%3Ard%25@h/my%20db", NULL);
	ck_assert_str_eq(url.user, "us@er");
	ck_assert_str_eq(url.password, "p@ss/w:rd%");
	ck_assert_str_eq(url.dbname, "my db");
	/* Unencoded delimiters in a password: the last '@' ends it. */
	parse_ok("postgresql://u:p@ss/w?rd#x:y@h:5432/d", NULL);
	ck_assert_str_eq(url.user, "u");
	ck_assert_str_eq(url.password, "p@ss/w?rd#x:y");
	ck_assert_str_eq(url.host, "h");
	ck_assert_int_eq(url.port, 5432);
	ck_assert_str_eq(url.dbname, "d");
}
END_TEST

START_TEST(pg_errors)
{
	if (!have(CARB_DB_POSTGRESQL, "postgresql://h/db", "PostgreSQL"))
		return;
	parse_bad("postgresql:h/db", "expected \"postgresql://\"");
	parse_bad("postgresql://h:99999/db", "port");
	parse_bad("postgresql://h:0/db", "port");
	parse_bad("postgresql://[::1/db", "without ']'");
	parse_bad("postgresql://u:pw@h/d%zz", "database name has an invalid");
	/* A password that lands where the port goes is never echoed. */
	parse_bad("postgresql://u:Hunter2Secret/db", "port");
	ck_assert_ptr_null(strstr(err.msg, "Hunter2Secret"));
	parse_bad("postgresql://u:Hunter2%zz@h/db", "password");
	ck_assert_ptr_null(strstr(err.msg, "Hunter2"));
}
END_TEST

/* ---- mariadb --------------------------------------------------------- */

START_TEST(mariadb_full)
{
	if (!have(CARB_DB_MARIADB, "mariadb://h/db", "MariaDB"))
		return;
	parse_ok("mariadb://root:pw@db.local:3307/carb", NULL);
	ck_assert_int_eq(url.kind, CARB_DB_MARIADB);
	ck_assert_str_eq(url.user, "root");
	ck_assert_str_eq(url.password, "pw");
	ck_assert_str_eq(url.host, "db.local");
	ck_assert_int_eq(url.port, 3307);
	ck_assert_str_eq(url.dbname, "carb");
	ck_assert_ptr_null(url.socket);
	parse_ok("mysql://u@h/d?connect_timeout=7", NULL);
	ck_assert_int_eq(url.kind, CARB_DB_MARIADB);
	ck_assert_int_eq(url.connect_timeout, 7);
}
END_TEST

START_TEST(mariadb_sockets)
{
	if (!have(CARB_DB_MARIADB, "mariadb://h/db", "MariaDB"))
		return;
	parse_ok("mariadb://root@localhost/carb?socket=/run/mysqld/mysqld.sock", NULL);
	ck_assert_str_eq(url.socket, "/run/mysqld/mysqld.sock");
	ck_assert_str_eq(url.host, "localhost");
	parse_ok("mariadb://root@%2Ftmp%2Fmy%20dir%2Fm.sock/carb", NULL);
	ck_assert_str_eq(url.socket, "/tmp/my dir/m.sock");
	ck_assert_ptr_null(url.host);
	parse_ok("mysql:///carb?socket=%2Fs.sock", NULL);
	ck_assert_str_eq(url.socket, "/s.sock");
}
END_TEST

START_TEST(mariadb_errors)
{
	if (!have(CARB_DB_MARIADB, "mariadb://h/db", "MariaDB"))
		return;
	parse_bad("mariadb://h/d?sslmode=on",
		  "unknown option \"sslmode\" in a mariadb URL (valid: socket, connect_timeout)");
	parse_bad("mariadb://root@h", "names no database");
	parse_bad("mariadb://root@h/", "names no database");
	parse_bad("mysql://h:port/d", "port");
}
END_TEST

/* ---- schemes --------------------------------------------------------- */

START_TEST(unknown_scheme)
{
	parse_bad("mongodb://h/db",
		  "unknown database scheme \"mongodb\" (valid: sqlite, postgresql, mariadb)");
	parse_bad("postgre://h/db", "did you mean \"postgres\"?");
	parse_bad("carbonation.db", "has no scheme");
	parse_bad("/var/lib/c.db", "has no scheme");
	parse_bad("", "empty");
	ck_assert_str_eq(carb_db_kind_name(CARB_DB_SQLITE), "sqlite");
	ck_assert_str_eq(carb_db_kind_name(CARB_DB_POSTGRESQL), "postgresql");
	ck_assert_str_eq(carb_db_kind_name(CARB_DB_MARIADB), "mariadb");
	ck_assert(carb_db_backend_available(CARB_DB_SQLITE));
}
END_TEST

/* ---- redaction ------------------------------------------------------- */

static void redacts(const char *text, const char *want)
{
	char *got = carb_db_url_redact(text);

	ck_assert_msg(strcmp(got, want) == 0, "redact(\"%s\") = \"%s\", want \"%s\"",
		      text, got, want);
	free(got);
}

START_TEST(redaction)
{
	redacts("postgresql://carb:s3cret@h:5432/db", "postgresql://carb:***@h:5432/db");
	redacts("postgresql://carb@h/db", "postgresql://carb@h/db");
	redacts("postgresql://h/db?password=s3cret&sslmode=require",
		"postgresql://h/db?password=***&sslmode=require");
	redacts("postgresql://h/db?sslmode=require&sslpassword=k",
		"postgresql://h/db?sslmode=require&sslpassword=***");
	redacts("postgresql://u:p@ss/w?rd@h/db", "postgresql://u:***@h/db");
	redacts("mariadb://root:pw@localhost/carb?socket=/run/m.sock",
		"mariadb://root:***@localhost/carb?socket=/run/m.sock");
	redacts("mysql://root:@h/d", "mysql://root:***@h/d");
	/* Malformed: no '@', the password would read as a port. */
	redacts("postgresql://user:s3cret/db", "postgresql://user:***/db");
	redacts("postgresql://h:5432/db", "postgresql://h:5432/db");
	redacts("postgresql://[::1]:5432/db", "postgresql://[::1]:5432/db");
	redacts("sqlite:///var/lib/c.db", "sqlite:///var/lib/c.db");
	redacts("sqlite:c.db", "sqlite:c.db");
	redacts("weird:thing?password=x", "weird:thing?password=***");
	ck_assert_ptr_null(carb_db_url_redact(NULL));
}
END_TEST

/* Opening fails before connecting, and the message shows the redacted
 * URL and never the password. */
START_TEST(open_message_redacted)
{
	struct carb_catalog_options o = { 0 };
	struct carb_catalog *cat = NULL;

	o.url = "mongodb://admin:TopSecret99@h/db";
	ck_assert_int_eq(carb_catalog_open(&o, &cat, &err), -1);
	ck_assert_ptr_null(cat);
	ck_assert_ptr_null(strstr(err.msg, "TopSecret99"));
	ck_assert_ptr_nonnull(strstr(err.msg, "mongodb://admin:***@h/db"));
	o.url = "sqlite:///nonexistent-folder-carb/x.db";
	o.create = true;
	ck_assert_int_eq(carb_catalog_open(&o, &cat, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "\"/nonexistent-folder-carb\" does not exist"));
	o.create = false;
	ck_assert_int_eq(carb_catalog_open(&o, &cat, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "does not exist"));
}
END_TEST

/* ---- placeholders ---------------------------------------------------- */

static void numbers(const char *sql, const char *want, int want_n)
{
	int n = -1;
	char *got = carb_sql_number_placeholders(sql, &n);

	ck_assert_msg(strcmp(got, want) == 0, "rewrite(%s) = %s, want %s", sql, got, want);
	ck_assert_int_eq(n, want_n);
	free(got);
}

START_TEST(placeholders)
{
	numbers("SELECT ?, ?", "SELECT $1, $2", 2);
	numbers("", "", 0);
	numbers("SELECT '?', ?", "SELECT '?', $1", 1);
	numbers("SELECT 'it''s ?', ?", "SELECT 'it''s ?', $1", 1);
	numbers("SELECT \"a?\"\"b\" FROM t WHERE x = ?",
		"SELECT \"a?\"\"b\" FROM t WHERE x = $1", 1);
	numbers("SELECT E'\\'?', ?", "SELECT E'\\'?', $1", 1);
	numbers("SELECT '\\', ?", "SELECT '\\', $1", 1);
	numbers("-- why?\nSELECT ?", "-- why?\nSELECT $1", 1);
	numbers("/* ? /* ? */ ? */ SELECT ?", "/* ? /* ? */ ? */ SELECT $1", 1);
	numbers("SELECT $$?$$, $t$ ? $ $t$, ?", "SELECT $$?$$, $t$ ? $ $t$, $1", 1);
	numbers("SELECT a$b, ?", "SELECT a$b, $1", 1);
	numbers("SELECT 'unterminated ?", "SELECT 'unterminated ?", 0);
}
END_TEST

/* ---- statements ------------------------------------------------------ */

static struct carb_catalog *cat;

static void stmt_setup(void)
{
	struct carb_catalog_options o = { 0 };
	const char *env = getenv("CARB_TEST_DB_URL");

	carb_error_clear(&err);
	o.url = env != NULL && *env != '\0' ? env : "sqlite::memory:";
	o.create = true;
	ck_assert_msg(carb_catalog_open(&o, &cat, &err) == 0, "open: %s", err.msg);
}

static void stmt_teardown(void)
{
	carb_error_clear(&err);
	carb_catalog_exec(cat, "DROP TABLE IF EXISTS t_stmt", &err);
	carb_catalog_close(&cat);
	ck_assert_ptr_null(cat);
}

static const char *const create_t[] = {
	[CARB_DB_SQLITE] = "CREATE TABLE t_stmt (id INTEGER PRIMARY KEY, b BLOB,"
		" s TEXT, i BIGINT, d DOUBLE PRECISION, UNIQUE (b))",
	[CARB_DB_POSTGRESQL] = "CREATE TABLE t_stmt (id BIGINT PRIMARY KEY, b BYTEA,"
		" s TEXT, i BIGINT, d DOUBLE PRECISION, UNIQUE (b))",
	[CARB_DB_MARIADB] = "CREATE TABLE t_stmt (id BIGINT PRIMARY KEY, b VARBINARY(255),"
		" s TEXT, i BIGINT, d DOUBLE PRECISION, UNIQUE (b)) DEFAULT CHARSET = utf8mb4",
};

static const char name_bytes[] = "a\0b\xff\xfe/'?\"\n";

#define OK(call) ck_assert_msg((call) == 0, "%s: %s", #call, err.msg)

static void insert_row(int64_t id, const void *b, size_t blen, const char *s,
		       int64_t i)
{
	struct carb_stmt *st;

	OK(carb_stmt_prepare(cat, "INSERT INTO t_stmt (id, b, s, i, d) VALUES (?, ?, ?, ?, ?)",
			     &st, &err));
	OK(carb_stmt_bind_int64(st, 1, id, &err));
	OK(carb_stmt_bind_blob(st, 2, b, blen, &err));
	OK(carb_stmt_bind_text(st, 3, s, &err));
	OK(carb_stmt_bind_int64(st, 4, i, &err));
	OK(carb_stmt_bind_double(st, 5, 0.25, &err));
	ck_assert_msg(carb_stmt_step(st, &err) == CARB_STEP_DONE, "insert: %s", err.msg);
	ck_assert_int_eq(carb_stmt_changes(st), 1);
	carb_stmt_finalize(&st);
	ck_assert_ptr_null(st);
}

static int64_t count_rows(void)
{
	struct carb_stmt *st;
	int64_t n;

	OK(carb_stmt_prepare(cat, "SELECT COUNT(*) FROM t_stmt", &st, &err));
	ck_assert_int_eq(carb_stmt_step(st, &err), CARB_STEP_ROW);
	n = carb_stmt_column_int64(st, 0);
	carb_stmt_finalize(&st);
	return n;
}

START_TEST(stmt_roundtrip)
{
	struct carb_stmt *st;
	const void *blob;
	size_t len;
	bool exists;

	OK(carb_catalog_exec(cat, create_t[carb_catalog_kind(cat)], &err));
	OK(carb_catalog_table_exists(cat, "t_stmt", &exists, &err));
	ck_assert(exists);
	OK(carb_catalog_table_exists(cat, "t_absent", &exists, &err));
	ck_assert(!exists);
	insert_row(1, name_bytes, sizeof(name_bytes) - 1, "it's ? \xc3\xa9", INT64_MIN);
	insert_row(2, "", 0, NULL, INT64_MAX);
	OK(carb_stmt_prepare(cat, "SELECT id, b, s, i, d FROM t_stmt WHERE b = ?", &st, &err));
	OK(carb_stmt_bind_blob(st, 1, name_bytes, sizeof(name_bytes) - 1, &err));
	ck_assert_int_eq(carb_stmt_step(st, &err), CARB_STEP_ROW);
	ck_assert_int_eq(carb_stmt_column_count(st), 5);
	ck_assert_int_eq(carb_stmt_column_int64(st, 0), 1);
	blob = carb_stmt_column_blob(st, 1, &len);
	ck_assert_uint_eq(len, sizeof(name_bytes) - 1);
	ck_assert_mem_eq(blob, name_bytes, len);
	ck_assert_str_eq(carb_stmt_column_text(st, 2), "it's ? \xc3\xa9");
	ck_assert(carb_stmt_column_int64(st, 3) == INT64_MIN);
	ck_assert(carb_stmt_column_double(st, 4) == 0.25);
	ck_assert_int_eq(carb_stmt_step(st, &err), CARB_STEP_DONE);
	/* Reset keeps the binding; bind again for another row. */
	OK(carb_stmt_reset(st, &err));
	OK(carb_stmt_bind_blob(st, 1, "", 0, &err));
	ck_assert_int_eq(carb_stmt_step(st, &err), CARB_STEP_ROW);
	ck_assert_int_eq(carb_stmt_column_int64(st, 0), 2);
	ck_assert(carb_stmt_column_is_null(st, 2));
	ck_assert_ptr_null(carb_stmt_column_text(st, 2));
	ck_assert(!carb_stmt_column_is_null(st, 1));
	blob = carb_stmt_column_blob(st, 1, &len);
	ck_assert_ptr_nonnull(blob);
	ck_assert_uint_eq(len, 0);
	ck_assert(carb_stmt_column_int64(st, 3) == INT64_MAX);
	ck_assert_str_eq(carb_stmt_column_text(st, 3), "9223372036854775807");
	carb_stmt_finalize(&st);
}
END_TEST

START_TEST(stmt_changes_and_transactions)
{
	struct carb_stmt *st, *st2;

	OK(carb_catalog_exec(cat, create_t[carb_catalog_kind(cat)], &err));
	insert_row(1, "x", 1, "a", 1);
	/* An UPDATE counts the rows it matched, changed or not. */
	OK(carb_stmt_prepare(cat, "UPDATE t_stmt SET s = ? WHERE id = ?", &st, &err));
	OK(carb_stmt_bind_text(st, 1, "a", &err));
	OK(carb_stmt_bind_int64(st, 2, 1, &err));
	ck_assert_int_eq(carb_stmt_step(st, &err), CARB_STEP_DONE);
	ck_assert_int_eq(carb_stmt_changes(st), 1);
	OK(carb_stmt_reset(st, &err));
	OK(carb_stmt_bind_int64(st, 2, 99, &err));
	ck_assert_int_eq(carb_stmt_step(st, &err), CARB_STEP_DONE);
	ck_assert_int_eq(carb_stmt_changes(st), 0);
	carb_stmt_finalize(&st);

	OK(carb_catalog_begin(cat, &err));
	ck_assert_int_eq(carb_catalog_begin(cat, &err), -1);
	insert_row(2, "y", 1, "b", 2);
	OK(carb_catalog_rollback(cat, &err));
	ck_assert_int_eq(count_rows(), 1);
	OK(carb_catalog_begin(cat, &err));
	insert_row(2, "y", 1, "b", 2);
	OK(carb_catalog_commit(cat, &err));
	ck_assert_int_eq(count_rows(), 2);

	/* Two statements stepped in turn on one connection. */
	OK(carb_stmt_prepare(cat, "SELECT id FROM t_stmt ORDER BY id", &st, &err));
	OK(carb_stmt_prepare(cat, "SELECT s FROM t_stmt WHERE id = ?", &st2, &err));
	while (carb_stmt_step(st, &err) == CARB_STEP_ROW) {
		OK(carb_stmt_reset(st2, &err));
		OK(carb_stmt_bind_int64(st2, 1, carb_stmt_column_int64(st, 0), &err));
		ck_assert_int_eq(carb_stmt_step(st2, &err), CARB_STEP_ROW);
		ck_assert_ptr_nonnull(carb_stmt_column_text(st2, 0));
	}
	carb_stmt_finalize(&st);
	carb_stmt_finalize(&st2);
}
END_TEST

START_TEST(stmt_errors)
{
	struct carb_stmt *st;
	char big[60000];   /* MariaDB's TEXT holds 65535 bytes */

	OK(carb_catalog_exec(cat, create_t[carb_catalog_kind(cat)], &err));
	insert_row(1, "x", 1, "a", 1);
	OK(carb_stmt_prepare(cat, "INSERT INTO t_stmt (id, b) VALUES (?, ?)", &st, &err));
	OK(carb_stmt_bind_int64(st, 1, 1, &err));
	OK(carb_stmt_bind_blob(st, 2, "z", 1, &err));
	ck_assert_int_eq(carb_stmt_step(st, &err), -1);
	ck_assert_int_eq(carb_catalog_last_error_class(cat), CARB_DBERR_CONSTRAINT);
	ck_assert_int_eq(carb_stmt_bind_int64(st, 3, 1, &err), -1);
	ck_assert_int_eq(carb_stmt_bind_int64(st, 0, 1, &err), -1);
	carb_stmt_finalize(&st);
	ck_assert_int_eq(carb_stmt_prepare(cat, "SELEC nonsense", &st, &err), -1);
	ck_assert_ptr_null(st);
	ck_assert_int_eq(carb_catalog_commit(cat, &err), -1);

	/* A long text comes back whole (MariaDB sizes its buffers). */
	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	insert_row(2, "big", 3, big, 0);
	OK(carb_stmt_prepare(cat, "SELECT s FROM t_stmt ORDER BY id", &st, &err));
	ck_assert_int_eq(carb_stmt_step(st, &err), CARB_STEP_ROW);
	ck_assert_str_eq(carb_stmt_column_text(st, 0), "a");
	ck_assert_int_eq(carb_stmt_step(st, &err), CARB_STEP_ROW);
	ck_assert_str_eq(carb_stmt_column_text(st, 0), big);
	carb_stmt_finalize(&st);
}
END_TEST

/* ---- statuses -------------------------------------------------------- */

START_TEST(status_names)
{
	static const char *const text[] = {
		"PENDING", "INTEGRITY_FAILED", "WAITING", "TIMED_OUT", "READY",
		"NOT_SELECTED", "ARCHIVING", "ARCHIVED", "RETRY_PENDING",
		"FAILED", "DUPLICATE", "WITHDRAWN", "CLEARED",
	};
	enum carb_status s;

	ck_assert_uint_eq(CARB_STATUS_COUNT, sizeof(text) / sizeof(text[0]));
	ck_assert_uint_eq(CARB_STATUS_COMPONENT_COUNT, CARB_STATUS_COUNT - 1);
	for (size_t i = 0; i < CARB_STATUS_COUNT; i++) {
		ck_assert_str_eq(carb_status_name((enum carb_status)i), text[i]);
		ck_assert_int_eq(carb_status_parse(text[i], &s), 0);
		ck_assert_int_eq(s, (int)i);
	}
	ck_assert_str_eq(carb_status_name(CARB_STATUS_COUNT), "?");
}
END_TEST

START_TEST(status_unknown)
{
	enum carb_status s = CARB_STATUS_FAILED;

	ck_assert_int_eq(carb_status_parse("archived", &s), -1);
	ck_assert_int_eq(carb_status_parse("", &s), -1);
	ck_assert_int_eq(carb_status_parse("READY ", &s), -1);
	ck_assert_int_eq(carb_status_parse(NULL, &s), -1);
	ck_assert_int_eq(s, CARB_STATUS_FAILED);
	carb_error_clear(&err);
	ck_assert_int_eq(carb_status_column("LOST", "group 7", &s, &err), -1);
	ck_assert_str_eq(err.msg,
			 "group 7 in the catalog has an unknown status \"LOST\"");
	ck_assert_int_eq(s, CARB_STATUS_FAILED);
	ck_assert_int_eq(carb_status_column("DUPLICATE", "x", &s, &err), 0);
	ck_assert_int_eq(s, CARB_STATUS_DUPLICATE);
}
END_TEST

static Suite *url_suite(void)
{
	Suite *s = suite_create("catalog url");
	TCase *tc = tcase_create("url");
	TCase *ph = tcase_create("placeholders");
	TCase *stmt = tcase_create("statements");
	TCase *st = tcase_create("statuses");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, sqlite_absolute);
	tcase_add_test(tc, sqlite_relative);
	tcase_add_test(tc, sqlite_decoding);
	tcase_add_test(tc, sqlite_errors);
	tcase_add_test(tc, pg_full);
	tcase_add_test(tc, pg_sockets);
	tcase_add_test(tc, pg_options);
	tcase_add_test(tc, pg_decoding);
	tcase_add_test(tc, pg_errors);
	tcase_add_test(tc, mariadb_full);
	tcase_add_test(tc, mariadb_sockets);
	tcase_add_test(tc, mariadb_errors);
	tcase_add_test(tc, unknown_scheme);
	tcase_add_test(tc, redaction);
	tcase_add_test(tc, open_message_redacted);
	suite_add_tcase(s, tc);
	tcase_add_test(ph, placeholders);
	suite_add_tcase(s, ph);
	tcase_add_checked_fixture(stmt, stmt_setup, stmt_teardown);
	tcase_set_timeout(stmt, 30);
	tcase_add_test(stmt, stmt_roundtrip);
	tcase_add_test(stmt, stmt_changes_and_transactions);
	tcase_add_test(stmt, stmt_errors);
	suite_add_tcase(s, stmt);
	tcase_add_test(st, status_names);
	tcase_add_test(st, status_unknown);
	suite_add_tcase(s, st);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(url_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
