/* `carbonation query files|components`: the catalog's rows, filtered by
 * options generated from its columns (the core columns and the plugin's
 * filterable ones), in one of five formats.  The query itself, SQL
 * included, is the catalog layer's (struct carb_query); this file reads
 * the options and writes the rows. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog/catalog.h"
#include "cli/cli.h"
#include "report/report.h"
#include "config/config.h"
#include "plugin/plugin.h"
#include "util/util.h"

struct query_opts {
	enum carb_qtable table;
	const char *what;          /* "query files" */
	const char *columns;
	const char *order_by;
	const char *span;
	int64_t limit, offset;
	bool count, help;
	bool clear;                /* `carbonation clear`: mark, print a count */
	enum carb_out_format format;
};

static const char *const output_options[] = {
	"--columns", "--order-by", "--limit", "--offset", "--count",
	"--format", "--span", "--help", NULL,
};

static void usage(FILE *out, const struct query_opts *o,
		  const struct carb_query *q)
{
	struct carb_buf filters;

	carb_buf_init(&filters);
	carb_query_describe_filters(q, &filters);
	fprintf(out,
		"usage: carbonation [-c FILE] %s [FILTERS] [OPTIONS]\n"
		"\n"
		"The %s of the catalog, one row each, filtered and ordered.\n"
		"--NAME VALUE keeps rows whose NAME equals VALUE; repeated, any\n"
		"of the values; a value with '*' or '%%' is a pattern (any run\n"
		"of characters).  Times are ISO 8601 dates or date-times (UTC\n"
		"unless an offset is given) or times ago (7d, 12h, 30m); -after\n"
		"and -before are inclusive.  Different filters must all hold.\n"
		"\n"
		"filters of this catalog:\n"
		"%s"
		"  --age D\n"
		"      %s within the last D (7d, 12h)\n"
		"  --daterange START/END\n"
		"      the span [%s] overlaps [START, END]; a side may be empty\n"
		"%s"
		"\n"
		"options:\n"
		"  --columns A,B,C      the columns to show (default: the main ones\n"
		"                       and every plugin column)\n"
		"  --order-by -A,B      order by A descending, then B (NULLs last;\n"
		"                       default: the plugin's default_order, else -id)\n"
		"  --limit N            at most N rows\n"
		"  --offset N           skip the first N rows\n"
		"  --count              print only how many rows match\n"
		"  --format F           table (default), json, jsonl, csv, tsv\n"
		"  --span START,END     the two timestamp columns --daterange tests\n"
		"  -h, --help           show this help\n"
		"\n"
		"Exit status: 0 done (also when no row matches), 1 the catalog\n"
		"failed, 2 usage or configuration error.  See docs/reporting.md.\n",
		o->what, o->table == CARB_QUERY_FILES ? "groups (files)" : "components",
		filters.data ? filters.data : "",
		o->table == CARB_QUERY_FILES ? "created" : "discovered",
		o->table == CARB_QUERY_FILES ? "created_at, completed_at"
		: "discovered_at, archived_at",
		o->table == CARB_QUERY_FILES
		? "  --complete, --incomplete\n      every required component"
		  " arrived (or not)\n" : "");
	carb_buf_release(&filters);
}

static int parse_count(const char *opt, const char *v, int64_t *out)
{
	char *end;
	long long n;

	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < 0) {
		carb_cli_errorf("query: %s: \"%s\" is not a number of rows", opt, v);
		return CARB_EXIT_USAGE;
	}
	*out = n;
	return -1;
}

/* One of the fixed options; *used receives how many arguments it took
 * (0 when it is no fixed option).  Returns -1 to go on, else the exit
 * status. */
static int fixed_option(struct query_opts *o, const char *name,
			const char *value, bool explicit, int *used)
{
	static const char *const with_value[] = {
		"columns", "order-by", "limit", "offset", "format", "span", NULL,
	};
	bool takes = false;

	*used = 0;
	if (strcmp(name, "count") == 0 || strcmp(name, "help") == 0) {
		if (explicit) {
			carb_cli_errorf("query: --%s takes no value", name);
			return CARB_EXIT_USAGE;
		}
		*used = 1;
		if (name[0] == 'c')
			o->count = true;
		else
			o->help = true;
		return -1;
	}
	for (int i = 0; with_value[i] != NULL; i++)
		takes = takes || strcmp(name, with_value[i]) == 0;
	if (!takes)
		return -1;
	if (value == NULL) {
		carb_cli_errorf("query: option \"--%s\" needs a value", name);
		return CARB_EXIT_USAGE;
	}
	*used = 2;
	if (strcmp(name, "columns") == 0)
		o->columns = value;
	else if (strcmp(name, "order-by") == 0)
		o->order_by = value;
	else if (strcmp(name, "span") == 0)
		o->span = value;
	else if (strcmp(name, "limit") == 0)
		return parse_count("--limit", value, &o->limit);
	else if (strcmp(name, "offset") == 0)
		return parse_count("--offset", value, &o->offset);
	else if (carb_out_format_parse(value, &o->format) < 0) {
		carb_cli_errorf("query: --format: unknown format \"%s\" (valid:"
				" table, json, jsonl, csv, tsv)", value);
		return CARB_EXIT_USAGE;
	}
	return -1;
}

/* Reads argv into o and q's filters.  Returns -1 to go on, else the exit
 * status (the error printed). */
static int parse_args(int argc, char **argv, struct query_opts *o,
		      struct carb_query *q)
{
	struct carb_error err = { 0 };

	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *eq, *value;
		char *name;
		int used, rc, arity;

		if (strcmp(arg, "-h") == 0) {
			o->help = true;
			continue;
		}
		if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0') {
			carb_cli_errorf("%s: unexpected argument \"%s\"", o->what, arg);
			fprintf(stderr, "Try 'carbonation %s --help'.\n", o->what);
			return CARB_EXIT_USAGE;
		}
		eq = strchr(arg, '=');
		name = eq ? carb_xstrndup(arg + 2, (size_t)(eq - arg - 2))
			: carb_xstrdup(arg + 2);
		value = eq ? eq + 1 : i + 1 < argc ? argv[i + 1] : NULL;
		rc = fixed_option(o, name, value, eq != NULL, &used);
		if (rc < 0 && used == 0) {
			arity = carb_query_filter_arity(q, name);
			if (arity == 0 && eq == NULL)
				value = NULL;
			if (arity == 1 && value == NULL) {
				carb_cli_errorf("%s: filter \"--%s\" needs a value",
						o->what, name);
				rc = CARB_EXIT_USAGE;
			} else if (carb_query_filter(q, name, value, &err) < 0) {
				if (arity < 0 && carb_suggest(arg, output_options, 8) != NULL)
					carb_cli_errorf("%s: unknown option \"%s\" (did you"
							" mean \"%s\"?)", o->what, arg,
							carb_suggest(arg, output_options, 8));
				else
					carb_cli_errorf("%s: %s", o->what, err.msg);
				fprintf(stderr, "Try 'carbonation %s --help'.\n", o->what);
				rc = CARB_EXIT_USAGE;
			}
			used = arity == 1 ? 2 : 1;
		}
		free(name);
		if (rc >= 0)
			return rc;
		if (used == 2 && eq == NULL)
			i++;
	}
	return -1;
}

/* Applies the output options to q.  -1 to go on, else the exit status. */
static int shape(struct query_opts *o, struct carb_query *q,
		 const struct carb_plugin_rt *plugin)
{
	struct carb_error err = { 0 };
	const char *order = o->order_by;

	if (order == NULL && plugin != NULL && o->table == CARB_QUERY_FILES)
		order = carb_plugin_default_order(plugin);
	if (carb_query_select(q, o->columns, &err) < 0 ||
	    carb_query_order_by(q, order, &err) < 0) {
		carb_cli_errorf("%s: %s", o->what, err.msg);
		return CARB_EXIT_USAGE;
	}
	if (o->span != NULL) {
		const char *comma = strchr(o->span, ',');
		char *start = comma ? carb_xstrndup(o->span, (size_t)(comma - o->span))
			: NULL;
		int rc = comma == NULL
			? carb_error_set(&err, "--span: \"%s\" is not START,END", o->span)
			: carb_query_set_span(q, start, comma + 1, &err);

		free(start);
		if (rc < 0) {
			carb_cli_errorf("%s: %s", o->what, err.msg);
			return CARB_EXIT_USAGE;
		}
	}
	carb_query_limit(q, o->limit, o->offset);
	return -1;
}

static int output(struct carb_catalog *cat, const struct query_opts *o,
		  const struct carb_query *q)
{
	struct carb_error err = { 0 };
	struct carb_qrows *rows = NULL;
	struct carb_out *out;
	int rc = CARB_STEP_DONE, wrc = 0;

	if (o->clear) {
		int64_t n;

		if (carb_groups_clear(cat, q, &n, &err) < 0) {
			carb_cli_errorf("%s: %s", o->what, err.msg);
			return CARB_EXIT_FAIL;
		}
		printf("%lld group%s cleared\n", (long long)n, n == 1 ? "" : "s");
		return fflush(stdout) == 0 ? CARB_EXIT_OK : CARB_EXIT_FAIL;
	}
	if (o->count) {
		int64_t n;

		if (carb_query_count(cat, q, &n, &err) < 0) {
			carb_cli_errorf("%s: %s", o->what, err.msg);
			return CARB_EXIT_FAIL;
		}
		printf("%lld\n", (long long)n);
		return fflush(stdout) == 0 ? CARB_EXIT_OK : CARB_EXIT_FAIL;
	}
	if (carb_query_run(cat, q, &rows, &err) < 0) {
		carb_cli_errorf("%s: %s", o->what, err.msg);
		return CARB_EXIT_FAIL;
	}
	out = carb_out_new(o->format, stdout, q);
	wrc = carb_out_begin(out);
	while (wrc == 0 && (rc = carb_qrows_next(rows, &err)) == CARB_STEP_ROW)
		wrc = carb_out_row(out, rows);
	if (wrc == 0 && rc == CARB_STEP_DONE)
		wrc = carb_out_end(out);
	carb_out_free(&out);
	carb_qrows_free(&rows);
	if (wrc == 0 && fflush(stdout) != 0)
		wrc = -1;
	if (wrc < 0) {
		carb_cli_errorf("%s: writing the rows: %s", o->what, strerror(errno));
		return CARB_EXIT_FAIL;
	}
	if (rc < 0) {
		carb_cli_errorf("%s: %s", o->what, err.msg);
		return CARB_EXIT_FAIL;
	}
	return CARB_EXIT_OK;
}

/* The plugin's columns as an array for carb_query_new (the caller frees
 * the array, not the columns). */
static struct carb_plugin_column *plugin_columns(const struct carb_plugin_rt *p,
						 size_t *n)
{
	struct carb_plugin_column *cols;

	*n = p != NULL ? carb_plugin_ncolumns(p) : 0;
	cols = carb_xcalloc(*n + 1, sizeof(*cols));
	for (size_t i = 0; i < *n; i++)
		cols[i] = *carb_plugin_column(p, i);
	return cols;
}

static int query(struct carb_cli *cli, struct query_opts *o, int argc,
		 char **argv)
{
	struct carb_config *cfg = NULL;
	struct carb_plugin_rt *plugin = NULL;
	struct carb_catalog *cat = NULL;
	struct carb_plugin_column *pcols;
	struct carb_query *q;
	size_t npcols;
	/* --help lists the filters of the catalog the config names, or
	 * the core ones when there is no config. */
	bool bare = carb_cli_wants_help(argc, argv) &&
		access(cli->config_path, R_OK) != 0;
	bool loaded = !bare && carb_cli_load_config(cli, &cfg) == 0 &&
		carb_cli_load_plugin(cfg, &plugin) == 0;
	int rc;

	pcols = plugin_columns(plugin, &npcols);
	q = carb_query_new(o->table, pcols, npcols);
	rc = parse_args(argc, argv, o, q);
	if (rc < 0 && o->help) {
		usage(stdout, o, q);
		rc = CARB_EXIT_OK;
	} else if (rc < 0 && !loaded) {
		rc = CARB_EXIT_USAGE;
	}
	if (rc < 0)
		rc = shape(o, q, plugin);
	if (rc < 0)
		rc = carb_cli_connect(cfg, false, &cat);
	if (rc < 0 && carb_cli_require_schema(cat, plugin, o->what) < 0)
		rc = CARB_EXIT_FAIL;
	if (rc < 0)
		rc = output(cat, o, q);
	carb_catalog_close(&cat);
	carb_query_free(&q);
	free(pcols);
	carb_plugin_unload(&plugin);
	carb_config_free(&cfg);
	return rc;
}

static int query_files(struct carb_cli *cli, int argc, char **argv)
{
	struct query_opts o = { .table = CARB_QUERY_FILES, .what = "query files",
				.limit = -1 };

	return query(cli, &o, argc, argv);
}

static int query_components(struct carb_cli *cli, int argc, char **argv)
{
	struct query_opts o = { .table = CARB_QUERY_COMPONENTS,
				.what = "query components", .limit = -1 };

	return query(cli, &o, argc, argv);
}

static const struct carb_cmd subcommands[] = {
	{ "files", query_files, "the groups (files table), one row each" },
	{ "components", query_components, "the components (one file each)" },
};

/* `carbonation clear [FILTERS]`: the final groups the filters select
 * become CLEARED.  The filters are query files's. */
int carb_cmd_clear(struct carb_cli *cli, int argc, char **argv)
{
	struct query_opts o = { .table = CARB_QUERY_FILES, .what = "clear",
				.limit = -1, .clear = true };

	if (argc < 2 && !carb_cli_wants_help(argc, argv)) {
		carb_cli_errorf("clear: give at least one filter (clearing every"
				" group must be asked for: --id-min 0)");
		return CARB_EXIT_USAGE;
	}
	return query(cli, &o, argc, argv);
}

int carb_cmd_query(struct carb_cli *cli, int argc, char **argv)
{
	return carb_cli_dispatch(cli, "query", subcommands,
				 sizeof(subcommands) / sizeof(subcommands[0]),
				 argc, argv);
}
