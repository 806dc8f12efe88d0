/* `carbonation db init|upgrade|status`: create the catalog, bring its
 * schema up to date, and show where it stands.  The schema is core's
 * branch and, when config.toml names a plugin, the plugin's branch;
 * `db revision` is in cmd_db_revision.c. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"
#include "cli/cli.h"
#include "config/config.h"
#include "plugin/plugin.h"
#include "util/util.h"

struct db_cmd_help {
	const char *name;      /* "db init" */
	const char *text;      /* what follows the usage line */
};

static const struct db_cmd_help init_help = {
	"db init",
	"Create the catalog and apply every migration: core's, then those\n"
	"of the plugin config.toml names.  For SQLite the file is created\n"
	"(its folder must exist); PostgreSQL and MariaDB databases must\n"
	"exist already.  Running it again changes nothing.\n",
};

static const struct db_cmd_help upgrade_help = {
	"db upgrade",
	"Apply the pending migrations of every branch, in order: core's,\n"
	"then those of the plugin config.toml names.  Refuses to run when\n"
	"a migration file changed after it was applied.\n",
};

static const struct db_cmd_help status_help = {
	"db status",
	"Show the catalog's dialect and URL (password hidden), the schema\n"
	"version of each branch, pending and changed migrations, and how\n"
	"many components have each status.  Exit status 1 when a migration\n"
	"changed after it was applied.\n",
};

static void usage(FILE *out, const struct db_cmd_help *h)
{
	fprintf(out,
		"usage: carbonation [-c FILE] %s\n"
		"\n"
		"%s"
		"\n"
		"options:\n"
		"  -h, --help  show this help\n"
		"\n"
		"Exit status: 0 done, 1 the catalog is unreachable or a migration\n"
		"failed or changed, 2 usage or configuration error.\n",
		h->name, h->text);
}

/* The subcommands take no options but --help, and no arguments.  Returns
 * -1 to go on, else the exit status. */
static int parse_args(const struct db_cmd_help *h, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const known[] = { "--help", NULL };
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c != 'h')
			return carb_cli_unknown_option(h->name, argv[optind - 1],
						       known);
		usage(stdout, h);
		return CARB_EXIT_OK;
	}
	if (optind < argc) {
		carb_cli_errorf("%s: unexpected argument \"%s\"", h->name,
				argv[optind]);
		usage(stderr, h);
		return CARB_EXIT_USAGE;
	}
	return -1;
}

/* "0001_core" from the file name, or rebuilt when the file is gone. */
static void print_migration(const char *indent, const struct carb_migration *m,
			    const char *note)
{
	const char *base = m->path ? strrchr(m->path, '/') : NULL;

	if (base != NULL)
		printf("%s%s %.*s", indent, m->branch, (int)(strlen(base + 1) - 4), base + 1);
	else
		printf("%s%s %04" PRId64 "_%s", indent, m->branch, m->version, m->name);
	if (m->path != NULL)
		printf(" (%s)", m->path);
	printf("%s\n", note);
}

/* Loads the config, its plugin and its catalog.  Returns -1 with all
 * three set (*p may be NULL: no plugin), else the exit status with
 * nothing left open. */
static int open_all(struct carb_cli *cli, bool create, struct carb_config **cfg,
		    struct carb_plugin_rt **p, struct carb_catalog **cat)
{
	int rc;

	*p = NULL;
	if (carb_cli_load_config(cli, cfg) != 0)
		return CARB_EXIT_USAGE;
	if (carb_cli_load_plugin(*cfg, p) < 0) {
		carb_config_free(cfg);
		return CARB_EXIT_USAGE;
	}
	rc = carb_cli_connect(*cfg, create, cat);
	if (rc >= 0) {
		carb_plugin_unload(p);
		carb_config_free(cfg);
	}
	return rc;
}

static int migrate(struct carb_cli *cli, bool create)
{
	struct carb_migration_root roots[CARB_CLI_MAX_ROOTS];
	struct carb_migration_status applied;
	struct carb_error err = { 0 };
	struct carb_config *cfg = NULL;
	struct carb_plugin_rt *plugin = NULL;
	struct carb_catalog *cat = NULL;
	char *dir;
	size_t nroots;
	int rc = open_all(cli, create, &cfg, &plugin, &cat);

	if (rc >= 0)
		return rc;
	nroots = carb_cli_migration_roots(plugin, roots, &dir);
	rc = carb_migrations_apply(cat, roots, nroots, &applied, &err) < 0
		? CARB_EXIT_FAIL : CARB_EXIT_OK;
	/* What ran before a failure stays applied: say so first. */
	for (size_t i = 0; i < applied.count; i++)
		print_migration("applied ", &applied.items[i], "");
	fflush(stdout);
	if (rc != CARB_EXIT_OK)
		carb_cli_errorf("%s", err.msg);
	else if (applied.count == 0)
		printf("catalog is up to date\n");
	carb_migration_status_release(&applied);
	free(dir);
	carb_catalog_close(&cat);
	carb_plugin_unload(&plugin);
	carb_config_free(&cfg);
	return rc;
}

static int cmd_db_init(struct carb_cli *cli, int argc, char **argv)
{
	int rc = parse_args(&init_help, argc, argv);

	return rc >= 0 ? rc : migrate(cli, true);
}

static int cmd_db_upgrade(struct carb_cli *cli, int argc, char **argv)
{
	int rc = parse_args(&upgrade_help, argc, argv);

	return rc >= 0 ? rc : migrate(cli, false);
}

static void print_branches(const struct carb_migration_status *st)
{
	for (size_t i = 0; i < st->nbranches; i++) {
		const struct carb_migration_branch *b = &st->branches[i];

		printf("branch %s: version %" PRId64 " (%zu applied, %zu pending",
		       b->branch, b->version, b->applied + b->changed, b->pending);
		if (b->changed > 0)
			printf(", %zu changed", b->changed);
		if (b->missing > 0)
			printf(", %zu without a file", b->missing);
		printf(")\n");
	}
}

/* Lists the migrations in one state under a heading; "none" if none. */
static size_t print_state(const struct carb_migration_status *st,
			  enum carb_migration_state state, const char *heading,
			  const char *note)
{
	size_t n = 0;

	for (size_t i = 0; i < st->count; i++) {
		if (st->items[i].state != state)
			continue;
		if (n++ == 0)
			printf("%s\n", heading);
		print_migration("  ", &st->items[i], note);
	}
	if (n == 0)
		printf("%s none\n", heading);
	return n;
}

static int print_components(struct carb_catalog *cat)
{
	struct carb_status_count *counts;
	struct carb_error err = { 0 };
	bool exists;
	size_t n;
	int64_t total = 0;

	if (carb_catalog_table_exists(cat, "components", &exists, &err) < 0 ||
	    (exists && carb_catalog_count_components(cat, &counts, &n, &err) < 0)) {
		carb_cli_errorf("%s", err.msg);
		return CARB_EXIT_FAIL;
	}
	if (!exists) {
		printf("components: none (the catalog has no schema yet: run \"carbonation db init\")\n");
		return CARB_EXIT_OK;
	}
	printf("components:\n");
	for (size_t i = 0; i < n; i++) {
		printf("  %-17s %" PRId64 "\n", counts[i].status, counts[i].count);
		total += counts[i].count;
	}
	printf("  %-17s %" PRId64 "\n", "total", total);
	carb_status_counts_free(&counts, n);
	return CARB_EXIT_OK;
}

static int cmd_db_status(struct carb_cli *cli, int argc, char **argv)
{
	struct carb_migration_root roots[CARB_CLI_MAX_ROOTS];
	struct carb_migration_status st;
	struct carb_error err = { 0 };
	struct carb_config *cfg = NULL;
	struct carb_plugin_rt *plugin = NULL;
	struct carb_catalog *cat = NULL;
	size_t nroots, changed;
	char *dir;
	int rc = parse_args(&status_help, argc, argv);

	if (rc >= 0 || (rc = open_all(cli, false, &cfg, &plugin, &cat)) >= 0)
		return rc;
	nroots = carb_cli_migration_roots(plugin, roots, &dir);
	if (carb_migrations_status(cat, roots, nroots, &st, &err) < 0) {
		carb_cli_errorf("%s", err.msg);
		rc = CARB_EXIT_FAIL;
		goto out;
	}
	printf("dialect:  %s\n", carb_catalog_dialect(cat));
	printf("url:      %s\n", carb_catalog_url(cat));
	print_branches(&st);
	print_state(&st, CARB_MIGRATION_PENDING, "pending:", "");
	changed = print_state(&st, CARB_MIGRATION_CHANGED, "changed:",
			      ": the file differs from what was applied");
	for (size_t i = 0; i < st.count; i++)
		if (st.items[i].state == CARB_MIGRATION_MISSING)
			print_migration("applied, but no file: ", &st.items[i], "");
	rc = print_components(cat);
	if (rc == CARB_EXIT_OK && changed > 0) {
		carb_cli_errorf("db status: %zu migration%s changed after %s applied",
				changed, changed == 1 ? "" : "s",
				changed == 1 ? "it was" : "they were");
		rc = CARB_EXIT_FAIL;
	}
out:
	carb_migration_status_release(&st);
	free(dir);
	carb_catalog_close(&cat);
	carb_plugin_unload(&plugin);
	carb_config_free(&cfg);
	return rc;
}

static const struct carb_cmd db_commands[] = {
	{ "init", cmd_db_init, "create the catalog and apply every migration" },
	{ "upgrade", cmd_db_upgrade, "apply pending migrations" },
	{ "status", cmd_db_status, "show schema versions, pending and changed migrations, counts" },
	{ "revision", carb_cmd_db_revision, "write the next migration of the plugin's branch" },
};

int carb_cmd_db(struct carb_cli *cli, int argc, char **argv)
{
	return carb_cli_dispatch(cli, "db", db_commands,
				 sizeof(db_commands) / sizeof(db_commands[0]),
				 argc, argv);
}
