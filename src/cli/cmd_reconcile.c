/* `carbonation reconcile delivery|archive`: where the catalog and the
 * disk disagree, one line (or one JSON object) per discrepancy, as the
 * pipeline finds them, so a large tree shows progress and needs no
 * memory for what was already reported. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"
#include "cli/cli.h"
#include "config/config.h"
#include "pipeline/pipeline.h"
#include "util/util.h"

struct reconcile_cmd {
	const char *name;        /* "reconcile delivery" */
	const char *check;       /* "delivery": the JSON "check" */
	bool has_deep;
	const char *text;        /* what follows the usage line */
};

static const struct reconcile_cmd delivery_cmd = {
	"reconcile delivery", "delivery", false,
	"Compare each watch folder with the catalog:\n"
	"  unrecorded   a file the watch takes that has no row at all\n"
	"               (--fix leaves it to the service's next walk)\n"
	"  vanished     the newest row of a path says its file is still in\n"
	"               the folder (PENDING ... FAILED), and it is not\n"
	"               (--fix: WITHDRAWN)\n"
	"  unreadable   the path cannot be examined (never fixed)\n",
};

static const struct reconcile_cmd archive_cmd = {
	"reconcile archive", "archive", true,
	"Check the archived copy of every ARCHIVED component under\n"
	"archive.base_path, never following a symlink:\n"
	"  missing, not-regular, wrong-target (symlink destinations),\n"
	"  size-mismatch, hash-mismatch (--deep), unreadable.\n"
	"--fix queues the component again (RETRY_PENDING) when its delivered\n"
	"file is still there, with the recorded size (and hash, --deep);\n"
	"else it records the copy as missing (missing_at).  Nothing on disk\n"
	"is changed.\n",
};

/* What the options say. */
struct reconcile_opts {
	const char *watch;
	bool fix, deep, json;
};

static void usage(FILE *out, const struct reconcile_cmd *c)
{
	static const char deep_help[] =
		"  --deep           also compare the SHA-256 of each copy\n";

	fprintf(out,
		"usage: carbonation [-c FILE] %s [--watch NAME]%s [--fix]\n"
		"       [--format text|json]\n"
		"\n%s\n"
		"options:\n"
		"  --watch NAME     only that watch (--watch-name NAME is the same)\n"
		"%s"
		"  --fix            act on what is found (see above)\n"
		"  --format FORMAT  text (default): CLASS, WATCH, PATH, component,\n"
		"                   DETAIL, tab-separated, then a summary line;\n"
		"                   json: one object {\"check\", \"discrepancies\",\n"
		"                   \"count\"}\n"
		"  -h, --help       show this help\n"
		"\n"
		"Exit status: 0 no discrepancy, 1 discrepancies were found (even\n"
		"when fixed) or the catalog failed, 2 usage or configuration error.\n",
		c->name, c->has_deep ? " [--deep]" : "", c->text,
		c->has_deep ? deep_help : "");
}

static int parse_format(const struct reconcile_cmd *c, const char *value,
			struct reconcile_opts *o)
{
	static const char *const formats[] = { "text", "json" };
	const char *hint;

	if (strcmp(value, "text") == 0 || strcmp(value, "json") == 0) {
		o->json = strcmp(value, "json") == 0;
		return -1;
	}
	hint = carb_suggest(value, formats, 2);
	carb_cli_errorf("%s: unknown format \"%s\"%s%s%s; formats: text, json",
			c->name, value, hint ? " (did you mean \"" : "",
			hint ? hint : "", hint ? "\"?)" : "");
	return CARB_EXIT_USAGE;
}

/* One option; -1 to go on, else the exit status. */
static int one_option(const struct reconcile_cmd *c, int opt, char **argv,
		      struct reconcile_opts *o)
{
	static const char *const known[] = { "--watch", "--watch-name",
		"--fix", "--deep", "--format", "--help", NULL };

	switch (opt) {
	case 'w': o->watch = optarg; return -1;
	case 'f': o->fix = true; return -1;
	case 'F': return parse_format(c, optarg, o);
	case 'd':
		if (c->has_deep) {
			o->deep = true;
			return -1;
		}
		carb_cli_errorf("%s: --deep belongs to reconcile archive",
				c->name);
		return CARB_EXIT_USAGE;
	case 'h':
		usage(stdout, c);
		return CARB_EXIT_OK;
	case ':':
		carb_cli_errorf("%s: option \"%s\" needs a value", c->name,
				argv[optind - 1]);
		return CARB_EXIT_USAGE;
	}
	return carb_cli_unknown_option(c->name, argv[optind - 1], known);
}

static int parse_args(const struct reconcile_cmd *c, int argc, char **argv,
		      struct reconcile_opts *o)
{
	static const struct option opts[] = {
		{ "watch", required_argument, NULL, 'w' },
		{ "watch-name", required_argument, NULL, 'w' },
		{ "fix", no_argument, NULL, 'f' },
		{ "deep", no_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt, rc;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:h", opts, NULL)) != -1)
		if ((rc = one_option(c, opt, argv, o)) >= 0)
			return rc;
	if (optind < argc) {
		carb_cli_errorf("%s: unexpected argument \"%s\"", c->name,
				argv[optind]);
		usage(stderr, c);
		return CARB_EXIT_USAGE;
	}
	return -1;
}

/* ---- output ---------------------------------------------------------- */

struct class_count {
	char *klass;
	size_t n;
};

struct output {
	bool json;
	size_t count;
	struct class_count *classes;  /* in the order first seen */
	size_t nclasses;
};

static void count_class(struct output *o, const char *klass)
{
	for (size_t i = 0; i < o->nclasses; i++) {
		if (strcmp(o->classes[i].klass, klass) == 0) {
			o->classes[i].n++;
			return;
		}
	}
	o->classes = carb_xrealloc(o->classes,
				   (o->nclasses + 1) * sizeof(*o->classes));
	o->classes[o->nclasses].klass = carb_xstrdup(klass);
	o->classes[o->nclasses++].n = 1;
}

static void text_line(struct carb_buf *b, const struct carb_discrepancy *d)
{
	carb_buf_addf(b, "%s\t", d->klass);
	carb_buf_add_safe_name(b, d->watch, strlen(d->watch));
	carb_buf_addc(b, '\t');
	carb_buf_add_safe_name(b, d->path, d->path_len);
	if (d->component > 0)
		carb_buf_addf(b, "\tcomponent %" PRId64 "\t", d->component);
	else
		carb_buf_adds(b, "\tno component\t");
	/* Printable already (names in them escaped by the pipeline). */
	carb_buf_adds(b, d->detail);
	if (d->action != NULL)
		carb_buf_addf(b, "\tfixed: %s", d->action);
	carb_buf_addc(b, '\n');
}

static void json_member(struct carb_buf *b, const char *key, const char *v,
			size_t len)
{
	carb_buf_addf(b, ",\"%s\":", key);
	if (v == NULL)
		carb_buf_adds(b, "null");
	else
		carb_buf_add_json_string(b, v, len);
}

static void json_item(struct carb_buf *b, const struct carb_discrepancy *d,
		      bool first)
{
	carb_buf_adds(b, first ? "\n{\"class\":" : ",\n{\"class\":");
	carb_buf_add_json_string(b, d->klass, strlen(d->klass));
	json_member(b, "watch", d->watch, strlen(d->watch));
	json_member(b, "path", d->path, d->path_len);
	if (d->component > 0)
		carb_buf_addf(b, ",\"component\":%" PRId64, d->component);
	else
		carb_buf_adds(b, ",\"component\":null");
	json_member(b, "detail", d->detail, strlen(d->detail));
	json_member(b, "action", d->action,
		    d->action ? strlen(d->action) : 0);
	carb_buf_addc(b, '}');
}

static void on_discrepancy(void *ctx, const struct carb_discrepancy *d)
{
	struct output *o = ctx;
	struct carb_buf b;

	carb_buf_init(&b);
	if (o->json)
		json_item(&b, d, o->count == 0);
	else
		text_line(&b, d);
	fwrite(b.data, 1, b.len, stdout);
	carb_buf_release(&b);
	o->count++;
	count_class(o, d->klass);
}

static void summary(const struct output *o)
{
	if (o->count == 0) {
		printf("no discrepancy\n");
		return;
	}
	printf("%zu discrepanc%s (", o->count, o->count == 1 ? "y" : "ies");
	for (size_t i = 0; i < o->nclasses; i++)
		printf("%s%s: %zu", i ? ", " : "", o->classes[i].klass,
		       o->classes[i].n);
	printf(")\n");
}

/* ---- running a check ------------------------------------------------- */

static int check(const struct reconcile_cmd *c, const struct reconcile_opts *ro,
		 const struct carb_config *cfg, struct carb_catalog *cat)
{
	struct output o = { .json = ro->json };
	struct carb_error err = { 0 };
	int rc;

	if (carb_cli_require_schema(cat, NULL, c->name) < 0)
		return CARB_EXIT_FAIL;
	if (o.json)
		printf("{\"check\":\"%s\",\"discrepancies\":[", c->check);
	if (c->has_deep)
		rc = carb_reconcile_archive(cfg, cat, ro->watch, ro->deep,
					    ro->fix, on_discrepancy, &o, &err);
	else
		rc = carb_reconcile_delivery(cfg, cat, ro->watch, ro->fix,
					     on_discrepancy, &o, &err);
	/* Closed even after a failure: JSON output is always whole. */
	if (o.json)
		printf("%s],\"count\":%zu}\n", o.count ? "\n" : "", o.count);
	else if (rc == 0)
		summary(&o);
	fflush(stdout);
	if (rc < 0)
		carb_cli_errorf("%s: %s", c->name, err.msg);
	for (size_t i = 0; i < o.nclasses; i++)
		free(o.classes[i].klass);
	free(o.classes);
	return rc < 0 || o.count > 0 ? CARB_EXIT_FAIL : CARB_EXIT_OK;
}

static int run(struct carb_cli *cli, const struct reconcile_cmd *c, int argc,
	       char **argv)
{
	struct reconcile_opts ro = { 0 };
	struct carb_config *cfg = NULL;
	struct carb_catalog *cat = NULL;
	int rc = parse_args(c, argc, argv, &ro);

	if (rc >= 0)
		return rc;
	if (carb_cli_load_config(cli, &cfg) != 0)
		return CARB_EXIT_USAGE;
	rc = carb_cli_check_watch(cfg, c->name, ro.watch);
	if (rc < 0)
		rc = carb_cli_connect(cfg, false, &cat);
	if (rc < 0)
		rc = check(c, &ro, cfg, cat);
	carb_catalog_close(&cat);
	carb_config_free(&cfg);
	return rc;
}

static int cmd_delivery(struct carb_cli *cli, int argc, char **argv)
{
	return run(cli, &delivery_cmd, argc, argv);
}

static int cmd_archive(struct carb_cli *cli, int argc, char **argv)
{
	return run(cli, &archive_cmd, argc, argv);
}

static const struct carb_cmd reconcile_commands[] = {
	{ "delivery", cmd_delivery, "compare the watch folders with the catalog" },
	{ "archive", cmd_archive, "check every archived copy against the catalog" },
};

int carb_cmd_reconcile(struct carb_cli *cli, int argc, char **argv)
{
	return carb_cli_dispatch(cli, "reconcile", reconcile_commands,
				 sizeof(reconcile_commands) /
				 sizeof(reconcile_commands[0]), argc, argv);
}
