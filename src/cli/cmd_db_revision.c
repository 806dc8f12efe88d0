/* `carbonation db revision -m MESSAGE [--autogenerate]`: the next
 * migration of the plugin's branch, one file per dialect, either empty
 * for the author to fill or written from the columns the plugin declares
 * that the catalog lacks. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "catalog/catalog.h"
#include "cli/cli.h"
#include "config/config.h"
#include "plugin/plugin.h"
#include "util/util.h"

#define SLUG_MAX 48
/* MariaDB's limit on identifiers is 64 bytes, PostgreSQL's 63. */
#define INDEX_NAME_MAX 63

static const enum carb_db_kind dialects[] = {
	CARB_DB_SQLITE, CARB_DB_POSTGRESQL, CARB_DB_MARIADB,
};
#define NDIALECTS (sizeof(dialects) / sizeof(dialects[0]))

struct revision_args {
	const char *message;
	bool autogenerate;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: carbonation [-c FILE] db revision -m MESSAGE [--autogenerate]\n"
		"\n"
		"Write the next migration of the branch of the plugin config.toml\n"
		"names, one file per dialect: DIR/<sqlite|postgresql|mariadb>/NAME/\n"
		"NNNN_MESSAGE.sql, DIR being the plugin's migrations folder and NNNN\n"
		"one more than the highest number there.  Folders are created as\n"
		"needed, so the first revision of a new plugin needs no set-up.\n"
		"\n"
		"Without --autogenerate the files hold a header only: write the\n"
		"statements into each.  With it, the plugin's declared columns are\n"
		"compared with the catalog's files table, and the files add the\n"
		"columns and indexes it lacks (a column of another type is reported\n"
		"and left alone).  The catalog must have every migration applied\n"
		"(run db upgrade first); when nothing is missing, no file is written.\n"
		"\n"
		"options:\n"
		"  -m, --message TEXT  what the migration does; names the files\n"
		"      --autogenerate  write the statements from the declared columns\n"
		"  -h, --help          show this help\n"
		"\n"
		"Exit status: 0 done (or nothing to do), 1 the catalog is unreachable\n"
		"or not up to date, or a file could not be written, 2 usage or\n"
		"configuration error (no plugin configured included).\n");
}

/* Returns -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, struct revision_args *a)
{
	static const struct option opts[] = {
		{ "message", required_argument, NULL, 'm' },
		{ "autogenerate", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const known[] = {
		"--message", "--autogenerate", "--help", NULL,
	};
	int c;

	memset(a, 0, sizeof(*a));
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+m:h", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			a->message = optarg;
			break;
		case 'a':
			a->autogenerate = true;
			break;
		case 'h':
			usage(stdout);
			return CARB_EXIT_OK;
		default:
			if (optopt == 'm') {
				carb_cli_errorf("db revision: -m needs a value");
				return CARB_EXIT_USAGE;
			}
			return carb_cli_unknown_option("db revision",
						       argv[optind - 1], known);
		}
	}
	if (optind < argc) {
		carb_cli_errorf("db revision: unexpected argument \"%s\"", argv[optind]);
		usage(stderr);
		return CARB_EXIT_USAGE;
	}
	if (a->message == NULL || a->message[strspn(a->message, " \t\r\n")] == '\0') {
		carb_cli_errorf("db revision: -m MESSAGE is required: say what the migration does");
		return CARB_EXIT_USAGE;
	}
	return -1;
}

/* "Add the station column!" -> "add_the_station_column": lower-case
 * letters and digits, every other run of bytes one '_'. */
static char *slug_of(const char *message)
{
	struct carb_buf b;

	carb_buf_init(&b);
	for (const char *p = message; *p != '\0' && b.len < SLUG_MAX; p++) {
		char c = *p;

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			carb_buf_addc(&b, c);
		else if (b.len > 0 && b.data[b.len - 1] != '_')
			carb_buf_addc(&b, '_');
	}
	while (b.len > 0 && b.data[b.len - 1] == '_')
		b.data[--b.len] = '\0';
	if (b.len == 0)
		carb_buf_adds(&b, "revision");
	return carb_buf_detach(&b);
}

/* Creates path and its missing parents. */
static int make_folders(const char *path, struct carb_error *err)
{
	char *copy = carb_xstrdup(path);
	int r = 0;

	for (char *p = copy + 1; r == 0; p++) {
		bool end = *p == '\0';

		if (*p != '/' && !end)
			continue;
		*p = '\0';
		if (mkdir(copy, 0755) < 0 && errno != EEXIST)
			r = carb_error_set(err, "cannot create folder \"%s\": %s",
					   copy, strerror(errno));
		if (end)
			break;
		*p = '/';
	}
	free(copy);
	return r;
}

/* Writes text into a new file path; an existing one is never replaced. */
static int write_new_file(const char *path, const char *text,
			  struct carb_error *err)
{
	size_t len = strlen(text), done = 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	if (fd < 0)
		return carb_error_set(err, "cannot create \"%s\": %s", path,
				      strerror(errno));
	while (done < len) {
		ssize_t n = write(fd, text + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			carb_error_set(err, "cannot write \"%s\": %s", path,
				       strerror(n < 0 ? errno : EIO));
			close(fd);
			unlink(path);
			return -1;
		}
		done += (size_t)n;
	}
	if (close(fd) < 0) {
		carb_error_set(err, "cannot write \"%s\": %s", path, strerror(errno));
		unlink(path);
		return -1;
	}
	return 0;
}

/* The comment that opens every file: the message, line by line, and
 * where the file comes from. */
static void add_header(struct carb_buf *b, const char *message,
		       const char *branch, int64_t version,
		       enum carb_db_kind kind, bool autogenerated)
{
	char when[32];
	time_t now = time(NULL);
	struct tm tm;
	const char *p = message + strspn(message, " \t\r\n");

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	while (*p != '\0') {
		size_t n = strcspn(p, "\r\n");

		carb_buf_addf(b, "-- %.*s\n", (int)n, p);
		p += n;
		p += strspn(p, "\r\n");
	}
	carb_buf_addf(b, "--\n-- Migration %04" PRId64 " of branch \"%s\" (%s), written by\n"
		      "-- `carbonation db revision` on %s.\n", version, branch,
		      carb_db_kind_name(kind), when);
	if (autogenerated)
		carb_buf_adds(b, "-- From the columns the plugin declares that the catalog lacked.\n");
	else
		carb_buf_addf(b, "-- Write its statements below, in %s's spelling, and the same\n"
			      "-- change in the files of the other dialects with this number.\n",
			      carb_db_kind_name(kind));
	carb_buf_adds(b, "\n");
}

/* ---- autogenerate ------------------------------------------------------ */

/* What one declared column needs. */
struct column_plan {
	struct carb_column_def def;
	bool add_column;
	char *index_name;         /* NULL: no index to add */
};

struct plan {
	struct column_plan *items;
	size_t count;
	char **taken;             /* index names in use or chosen */
	size_t ntaken;
};

static void plan_release(struct plan *pl)
{
	for (size_t i = 0; i < pl->count; i++)
		free(pl->items[i].index_name);
	for (size_t i = 0; i < pl->ntaken; i++)
		free(pl->taken[i]);
	free(pl->items);
	free(pl->taken);
	memset(pl, 0, sizeof(*pl));
}

static bool is_taken(const struct plan *pl, const char *name)
{
	for (size_t i = 0; i < pl->ntaken; i++)
		if (strcmp(pl->taken[i], name) == 0)
			return true;
	return false;
}

static void take(struct plan *pl, const char *name)
{
	pl->taken = carb_xrealloc(pl->taken, (pl->ntaken + 1) * sizeof(*pl->taken));
	pl->taken[pl->ntaken++] = carb_xstrdup(name);
}

/* files_<column>, cut to the dialects' identifier limit, with a number
 * after it when an index of that name exists (core's files_created, say,
 * for a plugin column "created"). */
static char *index_name_for(struct plan *pl, const char *column)
{
	char *name = carb_xasprintf("files_%.*s", INDEX_NAME_MAX - 6, column);

	for (int n = 2; is_taken(pl, name); n++) {
		free(name);
		name = carb_xasprintf("files_%.*s_%d", INDEX_NAME_MAX - 10, column, n);
	}
	take(pl, name);
	return name;
}

static enum carb_column_type column_type_of(enum carb_plugin_type t)
{
	switch (t) {
	case CARB_PLUGIN_INTEGER:
		return CARB_COLUMN_INTEGER;
	case CARB_PLUGIN_REAL:
		return CARB_COLUMN_REAL;
	case CARB_PLUGIN_BOOLEAN:
		return CARB_COLUMN_BOOLEAN;
	case CARB_PLUGIN_TIMESTAMP:
		return CARB_COLUMN_TIMESTAMP;
	case CARB_PLUGIN_TEXT:
		break;
	}
	return CARB_COLUMN_TEXT;
}

/* Compares the declared columns with the catalog's files table: fills pl
 * with what is missing and warns about what differs.  Column names come
 * from the plugin's declarations only, which the loader checked against
 * [a-z][a-z0-9_]*. */
static void plan_columns(const struct carb_plugin_rt *p, enum carb_db_kind kind,
			 const struct carb_table_info *info, struct plan *pl)
{
	size_t n = carb_plugin_ncolumns(p);

	for (size_t i = 0; i < info->nindexes; i++)
		take(pl, info->indexes[i]);
	for (size_t i = 0; i < n; i++) {
		const struct carb_plugin_column *c = carb_plugin_column(p, i);
		const struct carb_table_column *have = carb_table_info_column(info, c->name);
		struct column_plan cp = { 0 };

		cp.def.name = c->name;
		cp.def.type = column_type_of(c->type);
		cp.def.nullable = c->nullable != 0;
		cp.def.indexed = c->indexed != 0;
		if (have != NULL && !carb_column_type_matches(kind, cp.def.type, have->type)) {
			carb_cli_errorf("warning: column \"%s\" of files is %s in the catalog,"
					" but plugin \"%s\" declares it %s: left as it is",
					c->name, have->type, carb_plugin_name(p),
					carb_plugin_type_name(c->type));
			continue;
		}
		if (have != NULL && have->nullable != cp.def.nullable)
			carb_cli_errorf("warning: column \"%s\" of files %s NULL in the catalog,"
					" but plugin \"%s\" declares it %s: left as it is",
					c->name, have->nullable ? "allows" : "refuses",
					carb_plugin_name(p),
					cp.def.nullable ? "nullable" : "NOT NULL");
		cp.add_column = have == NULL;
		if (cp.def.indexed && (have == NULL || !have->indexed))
			cp.index_name = index_name_for(pl, c->name);
		if (!cp.add_column && cp.index_name == NULL)
			continue;
		pl->items = carb_xrealloc(pl->items, (pl->count + 1) * sizeof(*pl->items));
		pl->items[pl->count++] = cp;
	}
}

/* Refuses when any branch has migrations not applied: the catalog would
 * lack what they add, and a new revision would repeat them. */
static int require_up_to_date(struct carb_catalog *cat,
			      const struct carb_plugin_rt *p)
{
	struct carb_migration_root roots[CARB_CLI_MAX_ROOTS];
	struct carb_migration_status st;
	struct carb_error err = { 0 };
	size_t nroots, behind = 0;
	char *dir;
	int rc = 0;

	nroots = carb_cli_migration_roots(p, roots, &dir);
	if (carb_migrations_status(cat, roots, nroots, &st, &err) < 0) {
		carb_cli_errorf("%s", err.msg);
		rc = -1;
	}
	for (size_t i = 0; rc == 0 && i < st.count; i++) {
		const struct carb_migration *m = &st.items[i];

		if (m->state != CARB_MIGRATION_PENDING &&
		    m->state != CARB_MIGRATION_CHANGED)
			continue;
		if (behind++ == 0)
			carb_cli_errorf("db revision: the catalog %s is not up to date;"
					" run carbonation db upgrade first",
					carb_catalog_url(cat));
		fprintf(stderr, "  %s %04" PRId64 "_%s %s\n", m->branch, m->version,
			m->name, m->state == CARB_MIGRATION_PENDING
			? "is pending" : "changed after it was applied");
	}
	carb_migration_status_release(&st);
	free(dir);
	return rc < 0 || behind > 0 ? -1 : 0;
}

/* Reads the catalog and fills pl.  Returns -1 to go on, else the exit
 * status. */
static int autogenerate(const struct carb_config *cfg,
			const struct carb_plugin_rt *p, struct plan *pl)
{
	struct carb_table_info info;
	struct carb_error err = { 0 };
	struct carb_catalog *cat = NULL;
	int rc = carb_cli_connect(cfg, false, &cat);

	if (rc >= 0)
		return rc;
	if (require_up_to_date(cat, p) < 0) {
		carb_catalog_close(&cat);
		return CARB_EXIT_FAIL;
	}
	if (carb_catalog_table_info(cat, "files", &info, &err) < 0) {
		carb_cli_errorf("db revision: %s", err.msg);
		rc = CARB_EXIT_FAIL;
	} else {
		plan_columns(p, carb_catalog_kind(cat), &info, pl);
		rc = -1;
	}
	carb_table_info_release(&info);
	carb_catalog_close(&cat);
	return rc;
}

/* ---- the files ------------------------------------------------------- */

static char *file_text(const struct revision_args *a, const char *branch,
		       int64_t version, enum carb_db_kind kind,
		       const struct plan *pl)
{
	struct carb_buf b;

	carb_buf_init(&b);
	add_header(&b, a->message, branch, version, kind, a->autogenerate);
	for (size_t i = 0; i < pl->count; i++)
		carb_column_ddl(kind, &pl->items[i].def, pl->items[i].add_column,
				pl->items[i].index_name, &b);
	return carb_buf_detach(&b);
}

static int write_revision(const struct revision_args *a,
			  const struct carb_plugin_rt *p, const char *dir,
			  const struct plan *pl)
{
	const char *branch = carb_plugin_name(p);
	struct carb_error err = { 0 };
	int64_t version;
	char *slug;
	int rc = CARB_EXIT_OK;

	if (carb_migrations_next_version(dir, branch, &version, &err) < 0) {
		carb_cli_errorf("db revision: %s", err.msg);
		return CARB_EXIT_FAIL;
	}
	slug = slug_of(a->message);
	for (size_t i = 0; rc == CARB_EXIT_OK && i < NDIALECTS; i++) {
		char *folder = carb_xasprintf("%s/%s/%s", dir,
					      carb_db_kind_name(dialects[i]), branch);
		char *path = carb_xasprintf("%s/%04" PRId64 "_%s.sql", folder,
					    version, slug);
		char *text = file_text(a, branch, version, dialects[i], pl);

		if (make_folders(folder, &err) < 0 ||
		    write_new_file(path, text, &err) < 0) {
			carb_cli_errorf("db revision: %s", err.msg);
			rc = CARB_EXIT_FAIL;
		} else {
			printf("wrote %s\n", path);
		}
		free(text);
		free(path);
		free(folder);
	}
	free(slug);
	return rc;
}

/* The plugin and its migrations folder.  Returns -1 to go on, else the
 * exit status. */
static int plugin_of(const struct carb_config *cfg, struct carb_plugin_rt **p)
{
	if (carb_cli_load_plugin(cfg, p) < 0)
		return CARB_EXIT_USAGE;
	if (*p == NULL) {
		carb_cli_errorf("db revision: config.toml names no plugin ([plugins] package or path);"
				" migrations written by db revision belong to a plugin's branch");
		return CARB_EXIT_USAGE;
	}
	if (carb_plugin_migrations(*p) == NULL) {
		carb_cli_errorf("db revision: plugin \"%s\" (%s) has no migrations folder;"
				" set migrations in its description, or call set_migrations in its init",
				carb_plugin_name(*p), carb_plugin_path(*p));
		carb_plugin_unload(p);
		return CARB_EXIT_USAGE;
	}
	return -1;
}

int carb_cmd_db_revision(struct carb_cli *cli, int argc, char **argv)
{
	struct revision_args a;
	struct carb_config *cfg = NULL;
	struct carb_plugin_rt *p = NULL;
	struct plan pl = { 0 };
	int rc = parse_args(argc, argv, &a);

	if (rc >= 0)
		return rc;
	if (carb_cli_load_config(cli, &cfg) != 0)
		return CARB_EXIT_USAGE;
	rc = plugin_of(cfg, &p);
	if (rc < 0 && a.autogenerate)
		rc = autogenerate(cfg, p, &pl);
	if (rc < 0 && a.autogenerate && pl.count == 0) {
		printf("nothing to do: the catalog has every column and index"
		       " plugin \"%s\" declares; no file written\n", carb_plugin_name(p));
		rc = CARB_EXIT_OK;
	}
	if (rc < 0)
		rc = write_revision(&a, p, carb_plugin_migrations(p), &pl);
	plan_release(&pl);
	carb_plugin_unload(&p);
	carb_config_free(&cfg);
	return rc;
}
