/* Schema migrations: plain SQL files, dir/<dialect>/<branch>/NNNN_name.sql,
 * recorded in schema_migrations with the SHA-256 of what ran.  Several
 * branches (core, then one per plugin) run in the order of their roots. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "catalog/driver.h"

#define MIGRATION_MAX_BYTES (64u << 20)

/* One text for all three dialects: only portable types. */
static const char create_sql[] =
	"CREATE TABLE IF NOT EXISTS schema_migrations ("
	" branch VARCHAR(64) NOT NULL,"
	" version BIGINT NOT NULL,"
	" name VARCHAR(255) NOT NULL,"
	" checksum CHAR(64) NOT NULL,"
	" applied_at BIGINT NOT NULL,"
	" PRIMARY KEY (branch, version))";

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int read_file(const char *path, char **out, size_t *len,
		     struct carb_error *err)
{
	FILE *f = fopen(path, "re");
	struct carb_buf b;
	char chunk[8192];
	size_t n;

	if (f == NULL)
		return carb_error_set(err, "cannot read \"%s\": %s", path, strerror(errno));
	carb_buf_init(&b);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		carb_buf_add(&b, chunk, n);
		if (b.len > MIGRATION_MAX_BYTES)
			break;
	}
	if (ferror(f) || b.len > MIGRATION_MAX_BYTES) {
		fclose(f);
		carb_buf_release(&b);
		return carb_error_set(err, "cannot read \"%s\": %s", path,
				      b.len > MIGRATION_MAX_BYTES ? "file too large" : "read error");
	}
	fclose(f);
	*len = b.len;
	*out = carb_buf_detach(&b);
	return 0;
}

static void sha256_hex(const char *data, size_t len, char hex[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
	for (unsigned int i = 0; i < mdlen && i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	hex[64] = '\0';
}

/* "0001_core.sql" -> 1, "core".  Returns 0 when the name does not have
 * that form. */
static int parse_file_name(const char *fname, int64_t *version, char **name)
{
	size_t digits = strspn(fname, "0123456789");
	size_t len = strlen(fname);
	const char *rest = fname + digits;
	size_t namelen;

	if (digits == 0 || digits > 18 || *rest != '_' || len < digits + 6 ||
	    strcmp(fname + len - 4, ".sql") != 0)
		return 0;
	namelen = len - digits - 5;
	if (strspn(rest + 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
	    != namelen)
		return 0;
	*version = strtoll(fname, NULL, 10);
	*name = carb_xstrndup(rest + 1, namelen);
	return *version > 0;
}

static void push(struct carb_migration_status *st, const struct carb_migration *m)
{
	st->items = carb_xrealloc(st->items, (st->count + 1) * sizeof(*st->items));
	st->items[st->count++] = *m;
}

static void free_migration(struct carb_migration *m)
{
	free(m->branch);
	free(m->name);
	free(m->path);
}

static int by_version(const void *a, const void *b)
{
	const struct carb_migration *x = a, *y = b;

	return (x->version > y->version) - (x->version < y->version);
}

/* Reads one .sql file of a branch folder into st (state PENDING). */
static int add_file(struct carb_migration_status *st, const char *branch,
		    const char *folder, const char *fname, struct carb_error *err)
{
	struct carb_migration m = { 0 };
	char *sql;
	size_t len;

	if (!parse_file_name(fname, &m.version, &m.name))
		return carb_error_set(err, "migration \"%s/%s\": the name must be NNNN_name.sql (NNNN > 0; name of letters, digits, _ and -)",
				      folder, fname);
	m.path = carb_xasprintf("%s/%s", folder, fname);
	if (read_file(m.path, &sql, &len, err) < 0) {
		free(m.name);
		free(m.path);
		return -1;
	}
	sha256_hex(sql, len, m.checksum);
	free(sql);
	m.branch = carb_xstrdup(branch);
	m.state = CARB_MIGRATION_PENDING;
	push(st, &m);
	return 0;
}

static int check_duplicates(const struct carb_migration *items, size_t n,
			    struct carb_error *err)
{
	for (size_t i = 1; i < n; i++)
		if (items[i].version == items[i - 1].version)
			return carb_error_set(err, "migrations \"%s\" and \"%s\" have the same version",
					      items[i - 1].path, items[i].path);
	return 0;
}

/* Appends the files of one branch, in version order. */
static int scan_branch(struct carb_migration_status *st, const char *dialect,
		       const struct carb_migration_root *root,
		       struct carb_error *err)
{
	char *folder;
	size_t first = st->count;
	struct dirent *de;
	DIR *d;
	int r = 0;

	if (root->dir == NULL && root->optional)
		return 0;
	folder = carb_xasprintf("%s/%s/%s", root->dir, dialect, root->branch);
	d = opendir(folder);
	if (d == NULL && errno == ENOENT && root->optional) {
		free(folder);
		return 0;
	}
	if (d == NULL) {
		carb_error_set(err, "cannot read the %s migrations of branch \"%s\" in \"%s\": %s",
			       dialect, root->branch, folder, strerror(errno));
		free(folder);
		return -1;
	}
	while (r == 0 && (de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);

		if (de->d_name[0] == '.' || len < 4 ||
		    strcmp(de->d_name + len - 4, ".sql") != 0)
			continue;
		r = add_file(st, root->branch, folder, de->d_name, err);
	}
	closedir(d);
	free(folder);
	if (r < 0)
		return -1;
	qsort(st->items + first, st->count - first, sizeof(*st->items), by_version);
	return check_duplicates(st->items + first, st->count - first, err);
}

struct applied_row {
	char *branch;
	int64_t version;
	char *name;
	char checksum[65];
	int64_t applied_at;
	bool matched;
};

static void free_rows(struct applied_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(rows[i].branch);
		free(rows[i].name);
	}
	free(rows);
}

static int read_applied(struct carb_catalog *cat, struct applied_row **out,
			size_t *n, struct carb_error *err)
{
	struct carb_stmt *q;
	bool exists;
	int r;

	*out = NULL;
	*n = 0;
	if (carb_catalog_table_exists(cat, "schema_migrations", &exists, err) < 0)
		return -1;
	if (!exists)
		return 0;
	if (carb_stmt_prepare(cat, "SELECT branch, version, name, checksum, applied_at"
			      " FROM schema_migrations ORDER BY branch, version",
			      &q, err) < 0)
		return -1;
	while ((r = carb_stmt_step(q, err)) == CARB_STEP_ROW) {
		struct applied_row *row;
		const char *sum = carb_stmt_column_text(q, 3);

		*out = carb_xrealloc(*out, (*n + 1) * sizeof(**out));
		row = &(*out)[(*n)++];
		memset(row, 0, sizeof(*row));
		row->branch = carb_xstrdup(carb_stmt_column_text(q, 0) ? carb_stmt_column_text(q, 0) : "");
		row->version = carb_stmt_column_int64(q, 1);
		row->name = carb_xstrdup(carb_stmt_column_text(q, 2) ? carb_stmt_column_text(q, 2) : "");
		snprintf(row->checksum, sizeof(row->checksum), "%s", sum ? sum : "");
		row->applied_at = carb_stmt_column_int64(q, 4);
	}
	carb_stmt_finalize(&q);
	return r < 0 ? -1 : 0;
}

/* Marks each file applied or changed, and adds what was applied but has
 * no file as MISSING, keeping version order within the branch. */
static void merge_branch(struct carb_migration_status *st, size_t first,
			 const char *branch, struct applied_row *rows,
			 size_t nrows)
{
	for (size_t i = first; i < st->count; i++) {
		struct carb_migration *m = &st->items[i];

		for (size_t j = 0; j < nrows; j++) {
			if (rows[j].matched || rows[j].version != m->version ||
			    strcmp(rows[j].branch, branch) != 0)
				continue;
			rows[j].matched = true;
			m->applied_at = rows[j].applied_at;
			m->state = strcmp(rows[j].checksum, m->checksum) == 0
				? CARB_MIGRATION_APPLIED : CARB_MIGRATION_CHANGED;
		}
	}
	for (size_t j = 0; j < nrows; j++) {
		struct carb_migration m = { 0 };

		if (rows[j].matched || strcmp(rows[j].branch, branch) != 0)
			continue;
		rows[j].matched = true;
		m.branch = carb_xstrdup(branch);
		m.version = rows[j].version;
		m.name = carb_xstrdup(rows[j].name);
		snprintf(m.checksum, sizeof(m.checksum), "%s", rows[j].checksum);
		m.state = CARB_MIGRATION_MISSING;
		m.applied_at = rows[j].applied_at;
		push(st, &m);
	}
	qsort(st->items + first, st->count - first, sizeof(*st->items), by_version);
}

static struct carb_migration_branch *branch_of(struct carb_migration_status *st,
					       const char *name)
{
	struct carb_migration_branch *b;

	for (size_t i = 0; i < st->nbranches; i++)
		if (strcmp(st->branches[i].branch, name) == 0)
			return &st->branches[i];
	st->branches = carb_xrealloc(st->branches,
				     (st->nbranches + 1) * sizeof(*st->branches));
	b = &st->branches[st->nbranches++];
	memset(b, 0, sizeof(*b));
	b->branch = carb_xstrdup(name);
	return b;
}

static void summarize(struct carb_migration_status *st)
{
	for (size_t i = 0; i < st->count; i++) {
		const struct carb_migration *m = &st->items[i];
		struct carb_migration_branch *b = branch_of(st, m->branch);

		if (m->state == CARB_MIGRATION_PENDING) {
			b->pending++;
			continue;
		}
		if (m->state == CARB_MIGRATION_APPLIED)
			b->applied++;
		else if (m->state == CARB_MIGRATION_CHANGED)
			b->changed++;
		else
			b->missing++;
		if (m->version > b->version)
			b->version = m->version;
	}
}

int carb_migrations_status(struct carb_catalog *cat,
			   const struct carb_migration_root *roots,
			   size_t nroots, struct carb_migration_status *out,
			   struct carb_error *err)
{
	struct applied_row *rows = NULL;
	size_t nrows = 0;

	memset(out, 0, sizeof(*out));
	if (read_applied(cat, &rows, &nrows, err) < 0)
		return -1;
	for (size_t i = 0; i < nroots; i++) {
		size_t first = out->count;

		if (scan_branch(out, carb_catalog_dialect(cat), &roots[i], err) < 0) {
			free_rows(rows, nrows);
			return -1;
		}
		merge_branch(out, first, roots[i].branch, rows, nrows);
		branch_of(out, roots[i].branch);
	}
	/* Branches recorded but no longer configured (a plugin removed). */
	for (size_t j = 0; j < nrows; j++)
		if (!rows[j].matched)
			merge_branch(out, out->count, rows[j].branch, rows, nrows);
	free_rows(rows, nrows);
	summarize(out);
	return 0;
}

void carb_migration_status_release(struct carb_migration_status *st)
{
	if (st == NULL)
		return;
	for (size_t i = 0; i < st->count; i++)
		free_migration(&st->items[i]);
	for (size_t i = 0; i < st->nbranches; i++)
		free(st->branches[i].branch);
	free(st->items);
	free(st->branches);
	memset(st, 0, sizeof(*st));
}

static int record(struct carb_catalog *cat, const struct carb_migration *m,
		  struct carb_error *err)
{
	struct carb_stmt *ins;
	int r;

	if (carb_stmt_prepare(cat, "INSERT INTO schema_migrations"
			      " (branch, version, name, checksum, applied_at)"
			      " VALUES (?, ?, ?, ?, ?)", &ins, err) < 0)
		return -1;
	r = carb_stmt_bind_text(ins, 1, m->branch, err);
	if (r == 0)
		r = carb_stmt_bind_int64(ins, 2, m->version, err);
	if (r == 0)
		r = carb_stmt_bind_text(ins, 3, m->name, err);
	if (r == 0)
		r = carb_stmt_bind_text(ins, 4, m->checksum, err);
	if (r == 0)
		r = carb_stmt_bind_int64(ins, 5, m->applied_at, err);
	if (r == 0)
		r = carb_stmt_step(ins, err);
	carb_stmt_finalize(&ins);
	return r < 0 ? -1 : 0;
}

static int fail_migration(const struct carb_migration *m, bool transactional,
			  struct carb_error *err)
{
	char msg[CARB_ERROR_MAX];

	snprintf(msg, sizeof(msg), "%s", err ? err->msg : "");
	if (transactional)
		return carb_error_set(err, "migration \"%s\" failed, and none of it was applied: %s",
				      m->path, msg);
	return carb_error_set(err, "migration \"%s\" failed: %s; the statements before the failing one "
			      "stayed applied (MariaDB commits DDL at once): undo them by hand, then upgrade again",
			      m->path, msg);
}

/* Whether another runner recorded m since we read schema_migrations:
 * asked inside the migration's transaction (SQLite) or under the
 * migration lock (the servers), so the answer holds. */
static int already_recorded(struct carb_catalog *cat,
			    const struct carb_migration *m, bool *yes,
			    struct carb_error *err)
{
	struct carb_stmt *q;
	int r;

	if (carb_stmt_prepare(cat, "SELECT 1 FROM schema_migrations"
			      " WHERE branch = ? AND version = ?", &q, err) < 0)
		return -1;
	r = carb_stmt_bind_text(q, 1, m->branch, err);
	if (r == 0)
		r = carb_stmt_bind_int64(q, 2, m->version, err);
	if (r == 0)
		r = carb_stmt_step(q, err);
	carb_stmt_finalize(&q);
	*yes = r == CARB_STEP_ROW;
	return r < 0 ? -1 : 0;
}

/* Whether sql holds nothing but blanks and comments (-- to the end of
 * the line, slash-star to star-slash): a migration with nothing to run,
 * such as a new revision before anything is written into it.  MariaDB
 * refuses such a text ("Query was empty"), so it is not sent. */
static bool nothing_to_run(const char *sql)
{
	const char *p = sql;

	for (;;) {
		p += strspn(p, " \t\r\n");
		if (p[0] == '-' && p[1] == '-') {
			p += strcspn(p, "\n");
		} else if (p[0] == '/' && p[1] == '*') {
			const char *end = strstr(p + 2, "*/");

			if (end == NULL)
				return false;
			p = end + 2;
		} else {
			return *p == '\0';
		}
	}
}

/* Runs one file and records it: together in one transaction where DDL
 * is transactional, one after the other where it is not.  Returns 1 when
 * another runner applied it first. */
static int apply_one(struct carb_catalog *cat, struct carb_migration *m,
		     struct carb_error *err)
{
	bool tx = carb_catalog_transactional_ddl(cat);
	bool done = false;
	char *sql;
	size_t len;
	int r = 0;

	if (read_file(m->path, &sql, &len, err) < 0)
		return -1;
	/* Record the text that ran, even if the file changed since scanning. */
	sha256_hex(sql, len, m->checksum);
	m->applied_at = now_us();
	if ((tx && carb_catalog_begin(cat, err) < 0) ||
	    already_recorded(cat, m, &done, err) < 0) {
		free(sql);
		if (tx && carb_catalog_in_transaction(cat))
			carb_catalog_rollback(cat, NULL);
		return -1;
	}
	if (done) {
		free(sql);
		if (tx)
			carb_catalog_rollback(cat, NULL);
		return 1;
	}
	if (strlen(sql) != len)
		r = carb_error_set(err, "the file holds a NUL byte");
	else if (!nothing_to_run(sql))
		r = carb_catalog_exec(cat, sql, err);
	free(sql);
	if (r == 0)
		r = record(cat, m, err);
	if (r == 0 && tx)
		r = carb_catalog_commit(cat, err);
	if (r == 0) {
		m->state = CARB_MIGRATION_APPLIED;
		return 0;
	}
	if (tx && carb_catalog_in_transaction(cat))
		carb_catalog_rollback(cat, NULL);
	return fail_migration(m, tx, err);
}

static int refuse_changed(const struct carb_migration_status *st,
			  struct carb_error *err)
{
	for (size_t i = 0; i < st->count; i++)
		if (st->items[i].state == CARB_MIGRATION_CHANGED)
			return carb_error_set(err, "migration \"%s\" changed after it was applied; "
					      "restore it, and put changes in a new migration",
					      st->items[i].path);
	return 0;
}

int carb_migrations_apply(struct carb_catalog *cat,
			  const struct carb_migration_root *roots,
			  size_t nroots, struct carb_migration_status *applied,
			  struct carb_error *err)
{
	struct carb_migration_status st = { 0 };
	int r = 0;

	if (applied != NULL)
		memset(applied, 0, sizeof(*applied));
	if (carb_catalog_migration_lock(cat, true, err) < 0)
		return -1;
	if (carb_catalog_exec(cat, create_sql, err) < 0 ||
	    carb_migrations_status(cat, roots, nroots, &st, err) < 0 ||
	    refuse_changed(&st, err) < 0)
		r = -1;
	for (size_t i = 0; r == 0 && i < st.count; i++) {
		struct carb_migration *m = &st.items[i];

		if (m->state != CARB_MIGRATION_PENDING)
			continue;
		r = apply_one(cat, m, err);
		if (r == 1) {
			r = 0;
		} else if (r == 0 && applied != NULL) {
			struct carb_migration copy = *m;

			copy.branch = carb_xstrdup(m->branch);
			copy.name = carb_xstrdup(m->name);
			copy.path = carb_xstrdup(m->path);
			push(applied, &copy);
		}
	}
	carb_migration_status_release(&st);
	/* Closing the connection would release it too. */
	carb_catalog_migration_lock(cat, false, NULL);
	if (applied != NULL)
		summarize(applied);
	return r;
}

/* Versions of the NNNN_*.sql files in one folder; a folder that does not
 * exist has none. */
static int highest_version(const char *folder, int64_t *high,
			   struct carb_error *err)
{
	struct dirent *de;
	DIR *d = opendir(folder);

	if (d == NULL && errno == ENOENT)
		return 0;
	if (d == NULL)
		return carb_error_set(err, "cannot read \"%s\": %s", folder,
				      strerror(errno));
	while ((de = readdir(d)) != NULL) {
		int64_t version = 0;
		char *name = NULL;
		int ok = parse_file_name(de->d_name, &version, &name);

		free(name);
		if (ok && version > *high)
			*high = version;
	}
	closedir(d);
	return 0;
}

int carb_migrations_next_version(const char *dir, const char *branch,
				 int64_t *next, struct carb_error *err)
{
	static const enum carb_db_kind kinds[] = {
		CARB_DB_SQLITE, CARB_DB_POSTGRESQL, CARB_DB_MARIADB,
	};
	int64_t high = 0;

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		char *folder = carb_xasprintf("%s/%s/%s", dir,
					      carb_db_kind_name(kinds[i]), branch);
		int r = highest_version(folder, &high, err);

		free(folder);
		if (r < 0)
			return -1;
	}
	*next = high + 1;
	return 0;
}
