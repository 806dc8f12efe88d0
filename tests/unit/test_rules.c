/* The declarative rules of rules.toml: [[selection.rule]] and
 * [[routing.rule]] as loaded (values, positions, every problem with its
 * message), and the matcher the pipeline asks about each group. */
#include <check.h>
#include <ftw.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "util/util.h"

static char dir[PATH_MAX];

static void setup(void)
{
	char tmpl[] = "/tmp/carb-rules-test.XXXXXX";

	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	ck_assert_ptr_nonnull(realpath(tmpl, dir));
	ck_assert_int_eq(chdir(dir), 0);
	ck_assert_int_eq(mkdir("in", 0755), 0);
	ck_assert_int_eq(mkdir("in2", 0755), 0);
	ck_assert_int_eq(mkdir("archive", 0755), 0);
}

static int remove_entry(const char *path, const struct stat *st, int flag,
			struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void teardown(void)
{
	if (chdir("/") == 0)
		nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void put(const char *name, const char *text)
{
	FILE *f = fopen(name, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* Two watches and two named destinations. */
#define BASE \
	"[[watch]]\n" \
	"name = \"incoming\"\n" \
	"path = \"in\"\n" \
	"[[watch]]\n" \
	"name = \"partners\"\n" \
	"path = \"in2\"\n" \
	"[archive]\n" \
	"base_path = \"archive\"\n" \
	"[archive.destinations.bulk]\n" \
	"destination = \"bulk\"\n" \
	"[archive.destinations.cold]\n" \
	"destination = \"cold\"\n"

/* Loads config_text with rules_text as rules.toml; returns every
 * diagnostic, one per line.  The snapshot goes to *out when out is not
 * NULL. */
static char *load(const char *config_text, const char *rules_text,
		  struct carb_config **out)
{
	struct carb_config *cfg = NULL;
	struct carb_diags diags;
	struct carb_buf b;
	int rc;

	put("config.toml", config_text);
	put("rules.toml", rules_text);
	carb_diags_init(&diags);
	carb_buf_init(&b);
	carb_buf_adds(&b, "");
	rc = carb_config_load("config.toml", &cfg, &diags);
	for (size_t i = 0; i < diags.count; i++) {
		char *line = carb_diag_format(&diags.items[i]);

		carb_buf_addf(&b, "%s\n", line);
		free(line);
	}
	ck_assert_int_eq(rc == 0, diags.count == 0);
	carb_diags_release(&diags);
	if (out != NULL)
		*out = cfg;
	else
		carb_config_free(&cfg);
	return carb_buf_detach(&b);
}

#define expect_rules(text, want) do { \
	char *got_ = load(BASE, text, NULL); \
	ck_assert_str_eq(got_, want); \
	free(got_); \
} while (0)

static struct carb_config *load_ok(const char *rules_text)
{
	struct carb_config *cfg = NULL;
	char *got = load(BASE, rules_text, &cfg);

	ck_assert_str_eq(got, "");
	free(got);
	ck_assert_ptr_nonnull(cfg);
	return cfg;
}

/* ---- loading -------------------------------------------------------- */

START_TEST(no_rules)
{
	struct carb_config *cfg = load_ok("");
	const struct carb_rules *r = carb_config_rules(cfg);

	ck_assert_uint_eq(r->selection.nrules, 0);
	ck_assert_ptr_null(r->selection.rules);
	ck_assert_int_eq(r->selection.default_action, CARB_RULE_ACCEPT);
	ck_assert_int_eq(r->selection.loc.default_action.line, 0);
	ck_assert_uint_eq(r->routing.nrules, 0);
	ck_assert_str_eq(r->routing.default_destination, "default");
	carb_config_free(&cfg);
}
END_TEST

START_TEST(every_condition)
{
	struct carb_config *cfg = load_ok(
		"[selection]\n"
		"default = \"reject\"\n"
		"[[selection.rule]]\n"
		"name = \"partner data\"\n"
		"action = \"accept\"\n"
		"watch = [\"partners\", \"incoming\"]\n"
		"extension = [\".dat\", \".csv\"]\n"
		"glob = [\"x_*\", \"*.tmp\"]\n"
		"min_size = \"1KiB\"\n"
		"max_size = \"10GiB\"\n"
		"complete = false\n");
	const struct carb_rules *r = carb_config_rules(cfg);
	const struct carb_rule *x;

	ck_assert_int_eq(r->selection.default_action, CARB_RULE_REJECT);
	ck_assert_int_eq(r->selection.loc.default_action.line, 2);
	ck_assert_int_eq(r->selection.loc.default_action.column, 11);
	ck_assert_uint_eq(r->selection.nrules, 1);
	x = &r->selection.rules[0];
	ck_assert_str_eq(x->name, "partner data");
	ck_assert_int_eq(x->action, CARB_RULE_ACCEPT);
	ck_assert_ptr_null(x->destination);
	ck_assert_uint_eq(x->watch.count, 2);
	ck_assert_str_eq(x->watch.items[0], "partners");
	ck_assert_str_eq(x->watch.items[1], "incoming");
	ck_assert_uint_eq(x->extension.count, 2);
	ck_assert_str_eq(x->extension.items[1], ".csv");
	ck_assert_uint_eq(x->glob.count, 2);
	ck_assert_str_eq(x->glob.items[0], "x_*");
	ck_assert(x->has_min_size);
	ck_assert(x->has_max_size);
	ck_assert(x->has_complete);
	ck_assert_uint_eq(x->min_size, 1024);
	ck_assert_uint_eq(x->max_size, 10ULL << 30);
	ck_assert(!x->complete);
	ck_assert_int_eq(x->loc.table.line, 3);
	ck_assert_int_eq(x->loc.table.column, 1);
	ck_assert_str_eq(x->loc.table.file, "rules.toml");
	ck_assert_int_eq(x->loc.name.line, 4);
	ck_assert_int_eq(x->loc.action.line, 5);
	ck_assert_int_eq(x->loc.watch.line, 6);
	ck_assert_int_eq(x->loc.watch.column, 9);
	ck_assert_int_eq(x->loc.glob.line, 8);
	ck_assert_int_eq(x->loc.complete.line, 11);
	ck_assert_int_eq(x->loc.complete.column, 12);
	carb_config_free(&cfg);
}
END_TEST

START_TEST(routing_rules_and_default_names)
{
	struct carb_config *cfg = load_ok(
		"[routing]\n"
		"default = \"cold\"\n"
		"[[routing.rule]]\n"
		"destination = \"bulk\"\n"
		"min_size = 1000\n"
		"[[routing.rule]]\n"
		"name = \"back home\"\n"
		"destination = \"default\"\n"
		"[[routing.rule]]\n"
		"destination = \"cold\"\n"
		"complete = true\n"
		"[[selection.rule]]\n"
		"action = \"reject\"\n");
	const struct carb_rules *r = carb_config_rules(cfg);

	ck_assert_str_eq(r->routing.default_destination, "cold");
	ck_assert_uint_eq(r->routing.nrules, 3);
	ck_assert_str_eq(r->routing.rules[0].name, "routing.rule[0]");
	ck_assert_int_eq(r->routing.rules[0].loc.name.line, 0);
	ck_assert_str_eq(r->routing.rules[0].destination, "bulk");
	ck_assert(r->routing.rules[0].has_min_size);
	ck_assert(!r->routing.rules[0].has_max_size);
	ck_assert(!r->routing.rules[0].has_complete);
	ck_assert_uint_eq(r->routing.rules[0].min_size, 1000);
	ck_assert_uint_eq(r->routing.rules[0].watch.count, 0);
	ck_assert_str_eq(r->routing.rules[1].name, "back home");
	ck_assert_str_eq(r->routing.rules[1].destination, "default");
	ck_assert_str_eq(r->routing.rules[2].name, "routing.rule[2]");
	ck_assert(r->routing.rules[2].has_complete);
	ck_assert(r->routing.rules[2].complete);
	ck_assert_int_eq(r->routing.rules[2].loc.destination.line, 10);
	ck_assert_int_eq(r->routing.rules[2].loc.destination.column, 15);
	ck_assert_uint_eq(r->selection.nrules, 1);
	ck_assert_str_eq(r->selection.rules[0].name, "selection.rule[0]");
	ck_assert_int_eq(r->selection.rules[0].action, CARB_RULE_REJECT);
	carb_config_free(&cfg);
}
END_TEST

/* Inline tables in an array are the same TOML as [[...]] headers. */
START_TEST(inline_tables)
{
	struct carb_config *cfg = load_ok(
		"[selection]\n"
		"rule = [{ action = \"reject\", glob = [\"*.tmp\"] }, { action = \"accept\" }]\n");
	const struct carb_rules *r = carb_config_rules(cfg);

	ck_assert_uint_eq(r->selection.nrules, 2);
	ck_assert_str_eq(r->selection.rules[1].name, "selection.rule[1]");
	ck_assert_int_eq(r->selection.loc.rules.line, 2);
	carb_config_free(&cfg);
}
END_TEST

START_TEST(action_names)
{
	ck_assert_str_eq(carb_rule_action_name(CARB_RULE_ACCEPT), "accept");
	ck_assert_str_eq(carb_rule_action_name(CARB_RULE_REJECT), "reject");
}
END_TEST

/* ---- problems ------------------------------------------------------- */

START_TEST(unknown_watch)
{
	expect_rules("[[selection.rule]]\naction = \"reject\"\nwatch = [\"incoming\", \"partner\", \"zzz\"]\n",
		     "rules.toml:3:22: selection.rule[0].watch[1]: \"partner\" is not a watch (did you mean \"partners\"? valid: \"incoming\", \"partners\")\n"
		     "rules.toml:3:33: selection.rule[0].watch[2]: \"zzz\" is not a watch (valid: \"incoming\", \"partners\")\n");
}
END_TEST

START_TEST(unknown_watch_without_watches)
{
	char *got = load("[archive]\nbase_path = \"archive\"\n",
			 "[[routing.rule]]\ndestination = \"default\"\nwatch = [\"incoming\"]\n",
			 NULL);

	ck_assert_str_eq(got, "rules.toml:3:10: routing.rule[0].watch[0]: \"incoming\" is not a watch (none is configured)\n");
	free(got);
}
END_TEST

START_TEST(unknown_destination)
{
	expect_rules("[[routing.rule]]\ndestination = \"bluk\"\n"
		     "[[routing.rule]]\ndestination = \"elsewhere\"\n",
		     "rules.toml:2:15: routing.rule[0].destination: \"bluk\" is not a destination (did you mean \"bulk\"? valid: \"default\", \"bulk\", \"cold\")\n"
		     "rules.toml:4:15: routing.rule[1].destination: \"elsewhere\" is not a destination (valid: \"default\", \"bulk\", \"cold\")\n");
}
END_TEST

START_TEST(bad_extension)
{
	expect_rules("[[selection.rule]]\naction = \"reject\"\nextension = [\".bak\", \"bak\", \".a/b\"]\n",
		     "rules.toml:3:22: selection.rule[0].extension[1]: \"bak\" is not an extension (write it with its dot: \".dat\")\n"
		     "rules.toml:3:29: selection.rule[0].extension[2]: \".a/b\" is not an extension (it contains \"/\")\n");
}
END_TEST

START_TEST(bad_globs)
{
	expect_rules("[[selection.rule]]\naction = \"reject\"\nglob = [\"*.tmp\", \"\", \"sub/*\"]\n",
		     "rules.toml:3:18: selection.rule[0].glob[1]: empty pattern\n"
		     "rules.toml:3:22: selection.rule[0].glob[2]: \"sub/*\" can never match a file name (it contains \"/\")\n");
}
END_TEST

START_TEST(empty_lists)
{
	expect_rules("[[selection.rule]]\naction = \"reject\"\nwatch = []\nextension = []\nglob = []\n",
		     "rules.toml:3:9: selection.rule[0].watch: empty list (no group could match; leave the key out to match any)\n"
		     "rules.toml:4:13: selection.rule[0].extension: empty list (no group could match; leave the key out to match any)\n"
		     "rules.toml:5:8: selection.rule[0].glob: empty list (no group could match; leave the key out to match any)\n");
}
END_TEST

START_TEST(min_above_max)
{
	expect_rules("[[routing.rule]]\ndestination = \"bulk\"\nmin_size = \"2KiB\"\nmax_size = 2047\n"
		     "[[routing.rule]]\ndestination = \"bulk\"\nmin_size = 5\nmax_size = 5\n",
		     "rules.toml:4:12: routing.rule[0].max_size: 2047 is less than min_size \"2KiB\"\n");
}
END_TEST

START_TEST(bad_sizes)
{
	expect_rules("[[selection.rule]]\naction = \"reject\"\nmin_size = \"big\"\nmax_size = -1\n",
		     "rules.toml:3:12: selection.rule[0].min_size: invalid size \"big\" (expected e.g. 512, 10KiB, 1GiB)\n"
		     "rules.toml:4:12: selection.rule[0].max_size: size -1 is negative\n");
}
END_TEST

START_TEST(missing_action_and_destination)
{
	expect_rules("[[selection.rule]]\nname = \"x\"\n\n[[routing.rule]]\nglob = [\"*\"]\n",
		     "rules.toml:1:1: missing required key \"action\" in selection.rule[0]\n"
		     "rules.toml:4:1: missing required key \"destination\" in routing.rule[0]\n");
}
END_TEST

START_TEST(bad_action)
{
	expect_rules("[[selection.rule]]\naction = \"drop\"\n",
		     "rules.toml:2:10: selection.rule[0].action: \"drop\" is not one of \"accept\", \"reject\"\n");
	expect_rules("[selection]\ndefault = \"keep\"\n",
		     "rules.toml:2:11: selection.default: \"keep\" is not one of \"accept\", \"reject\"\n");
}
END_TEST

START_TEST(wrong_types)
{
	expect_rules("[selection]\nrule = 5\n",
		     "rules.toml:2:8: selection.rule: expected array of tables ([[selection.rule]]), got integer 5\n");
	expect_rules("[routing.rule]\ndestination = \"bulk\"\n",
		     "rules.toml:1:1: routing.rule: expected array of tables ([[routing.rule]]), got table\n");
	expect_rules("[selection]\nrule = [\"reject\", { action = \"reject\" }]\n",
		     "rules.toml:2:9: selection.rule[0]: expected table, got string \"reject\"\n");
	expect_rules("[[selection.rule]]\naction = \"reject\"\nwatch = \"incoming\"\ncomplete = \"yes\"\n"
		     "min_size = true\nname = 3\n",
		     "rules.toml:3:9: selection.rule[0].watch: expected array of strings, got string \"incoming\"\n"
		     "rules.toml:4:12: selection.rule[0].complete: expected boolean, got string \"yes\"\n"
		     "rules.toml:5:12: selection.rule[0].min_size: expected size, got boolean true\n"
		     "rules.toml:6:8: selection.rule[0].name: expected string, got integer 3\n");
}
END_TEST

START_TEST(unknown_key_suggests)
{
	expect_rules("[[selection.rule]]\naction = \"reject\"\nextention = [\".bak\"]\n"
		     "[[routing.rule]]\ndestination = \"bulk\"\naction = \"accept\"\n",
		     "rules.toml:3:1: unknown key \"extention\" in selection.rule[0] (did you mean \"extension\"?)\n"
		     "rules.toml:6:1: unknown key \"action\" in routing.rule[0]\n");
}
END_TEST

START_TEST(names_checked)
{
	expect_rules("[[selection.rule]]\nname = \"x\"\naction = \"reject\"\n"
		     "[[selection.rule]]\naction = \"reject\"\n"
		     "[[selection.rule]]\nname = \"x\"\naction = \"accept\"\n"
		     "[[selection.rule]]\nname = \"selection.rule[1]\"\naction = \"accept\"\n"
		     "[[routing.rule]]\nname = \"\"\ndestination = \"bulk\"\n",
		     "rules.toml:7:8: selection.rule[2].name: duplicate name \"x\" (first defined at rules.toml:2:8)\n"
		     "rules.toml:10:8: selection.rule[3].name: duplicate name \"selection.rule[1]\" (first defined at rules.toml:4:1)\n"
		     "rules.toml:13:8: routing.rule[0].name: empty name\n");
}
END_TEST

START_TEST(misspelled_tables)
{
	expect_rules("[[selection.rules]]\naction = \"reject\"\n"
		     "[[routng.rule]]\ndestination = \"bulk\"\n",
		     "rules.toml:1:13: unknown key \"rules\" in [selection] (did you mean \"rule\"?)\n"
		     "rules.toml:3:3: unknown table [routng] (did you mean [routing]?)\n");
}
END_TEST

/* Many problems in many rules: each reported, in the order of the file. */
START_TEST(every_problem_reported)
{
	char *got = load(BASE, "[[routing.rule]]\ndestination = \"nowhere\"\n"
			 "[[selection.rule]]\naction = 1\nwatch = [\"x\"]\n", NULL);

	ck_assert_str_eq(got,
			 "rules.toml:2:15: routing.rule[0].destination: \"nowhere\" is not a destination (valid: \"default\", \"bulk\", \"cold\")\n"
			 "rules.toml:4:10: selection.rule[0].action: expected string, got integer 1\n"
			 "rules.toml:5:10: selection.rule[0].watch[0]: \"x\" is not a watch (valid: \"incoming\", \"partners\")\n");
	free(got);
}
END_TEST

/* ---- the matcher ---------------------------------------------------- */

static struct carb_member_facts member(const char *name, const char *ext,
				       uint64_t size)
{
	struct carb_member_facts m = {
		name, strlen(name), ext, strlen(ext), size,
	};

	return m;
}

static struct carb_group_facts group(const char *watch, bool complete,
				     const struct carb_member_facts *m,
				     size_t n)
{
	struct carb_group_facts g = { .watch = watch, .complete = complete,
				      .members = m, .nmembers = n };

	for (size_t i = 0; i < n; i++)
		g.size += m[i].size;
	return g;
}

/* Whether one selection rule (with action "reject", default accept)
 * holds for g. */
static bool rejects(const struct carb_config *cfg,
		    const struct carb_group_facts *g)
{
	const char *rule = "unset";
	bool keep = carb_rules_select(carb_config_rules(cfg), g, &rule);

	if (keep)
		ck_assert_ptr_null(rule);
	else
		ck_assert_ptr_nonnull(rule);
	return !keep;
}

static struct carb_config *one_rule(const char *conditions)
{
	char *text = carb_xasprintf("[[selection.rule]]\naction = \"reject\"\n%s",
				    conditions);
	struct carb_config *cfg = load_ok(text);

	free(text);
	return cfg;
}

static const struct carb_member_facts pair[] = {
	{ "a.dat", 5, ".dat", 4, 1000 },
	{ "a.xml", 5, ".xml", 4, 24 },
};

/* Plugin column values the matcher asks for by name. */
static const struct carb_plugin_value col_text = {
	CARB_PLUGIN_TEXT, 0, 0, 0, "north", 5,
};
static const struct carb_plugin_value col_int = { CARB_PLUGIN_INTEGER, 0, 7, 0, NULL, 0 };
static const struct carb_plugin_value col_real = { CARB_PLUGIN_REAL, 0, 0, 2.5, NULL, 0 };
static const struct carb_plugin_value col_bool = { CARB_PLUGIN_BOOLEAN, 0, 1, 0, NULL, 0 };
static const struct carb_plugin_value col_null = { CARB_PLUGIN_TEXT, 1, 0, 0, NULL, 0 };

static const struct carb_plugin_value *columns_of(void *ctx, const char *name)
{
	(void)ctx;
	if (strcmp(name, "station") == 0)
		return &col_text;
	if (strcmp(name, "level") == 0)
		return &col_int;
	if (strcmp(name, "gain") == 0)
		return &col_real;
	if (strcmp(name, "calibrated") == 0)
		return &col_bool;
	if (strcmp(name, "empty") == 0)
		return &col_null;
	return NULL;
}

static bool column_rule_rejects(const char *condition)
{
	struct carb_config *cfg = NULL;
	char *rules = carb_xasprintf("[[selection.rule]]\naction = \"reject\"\ncolumns = %s\n",
				     condition);
	char *got = load(BASE "[plugins]\n", rules, &cfg);
	struct carb_group_facts g = group("incoming", true, pair, 2);
	bool r;

	ck_assert_str_eq(got, "");
	g.column = columns_of;
	r = rejects(cfg, &g);
	free(got);
	free(rules);
	carb_config_free(&cfg);
	return r;
}

START_TEST(match_columns)
{
	ck_assert(column_rule_rejects("{ station = \"north\" }"));
	ck_assert(column_rule_rejects("{ station = [\"south\", \"north\"] }"));
	ck_assert(!column_rule_rejects("{ station = [\"south\"] }"));
	ck_assert(!column_rule_rejects("{ station = \"nort\" }"));
	ck_assert(column_rule_rejects("{ level = 7 }"));
	ck_assert(!column_rule_rejects("{ level = 8 }"));
	ck_assert(!column_rule_rejects("{ level = \"7\" }"));
	ck_assert(column_rule_rejects("{ gain = 2.5 }"));
	ck_assert(column_rule_rejects("{ calibrated = true }"));
	ck_assert(!column_rule_rejects("{ calibrated = false }"));
	/* every column given must hold */
	ck_assert(column_rule_rejects("{ station = \"north\", level = 7 }"));
	ck_assert(!column_rule_rejects("{ station = \"north\", level = 1 }"));
	/* NULL and unknown columns hold no value */
	ck_assert(!column_rule_rejects("{ empty = \"\" }"));
	ck_assert(!column_rule_rejects("{ nowhere = 1 }"));
}
END_TEST

START_TEST(columns_need_a_plugin)
{
	struct carb_config *cfg = NULL;
	char *got = load(BASE, "[[selection.rule]]\naction = \"reject\"\ncolumns = { a = 1 }\n", &cfg);

	ck_assert_ptr_nonnull(strstr(got, "plugin columns need a plugin"));
	free(got);
	got = load(BASE "[plugins]\n", "[[selection.rule]]\naction = \"reject\"\ncolumns = { a = [] }\n", &cfg);
	ck_assert_ptr_nonnull(strstr(got, "the list is empty"));
	free(got);
	got = load(BASE "[plugins]\n", "[[selection.rule]]\naction = \"reject\"\ncolumns = { a = [{ b = 1 }] }\n", &cfg);
	ck_assert_ptr_nonnull(strstr(got, "expected a string, an integer, a float or a boolean, not table"));
	free(got);
}
END_TEST

START_TEST(match_watch)
{
	struct carb_config *cfg = one_rule("watch = [\"partners\"]\n");
	struct carb_group_facts g = group("partners", true, pair, 2);

	ck_assert(rejects(cfg, &g));
	g.watch = "incoming";
	ck_assert(!rejects(cfg, &g));
	carb_config_free(&cfg);
}
END_TEST

START_TEST(match_extension)
{
	struct carb_config *cfg = one_rule("extension = [\".xml\"]\n");
	struct carb_group_facts g = group("incoming", true, pair, 2);

	ck_assert(rejects(cfg, &g));
	g.nmembers = 1;             /* a.dat only */
	ck_assert(!rejects(cfg, &g));
	g.nmembers = 0;
	ck_assert(!rejects(cfg, &g));
	carb_config_free(&cfg);
}
END_TEST

/* Extensions compare whole: ".dat" is not ".dat.sha256", nor ".da". */
START_TEST(match_extension_whole)
{
	struct carb_config *cfg = one_rule("extension = [\".dat\"]\n");
	const struct carb_member_facts m[] = {
		{ "a.dat.sha256", 12, ".dat.sha256", 11, 64 },
		{ "b.da", 4, ".datum", 3, 1 },     /* ext_len cuts ".da" */
		{ "c", 1, "", 0, 1 },
		{ "d", 1, NULL, 0, 1 },
	};
	struct carb_group_facts g = group("incoming", true, m, 4);

	ck_assert(!rejects(cfg, &g));
	carb_config_free(&cfg);
}
END_TEST

START_TEST(match_glob)
{
	struct carb_config *cfg = one_rule("glob = [\"x_*\", \"*.tmp\"]\n");
	struct carb_member_facts m[] = {
		member("a.dat", ".dat", 1), member("a.tmp", ".tmp", 1),
	};
	struct carb_group_facts g = group("incoming", true, m, 2);

	ck_assert(rejects(cfg, &g));
	m[1] = member("x_a", "", 1);
	ck_assert(rejects(cfg, &g));
	m[1] = member("a.tmp.gz", ".gz", 1);
	ck_assert(!rejects(cfg, &g));
	carb_config_free(&cfg);
}
END_TEST

/* Names are bytes of any kind and carry no NUL: only name_len counts. */
START_TEST(match_glob_non_utf8)
{
	struct carb_config *cfg = one_rule("glob = [\"*.tmp\", \"?\\u00e9-*\"]\n");
	static const char bytes[] = "\xff\xfe-q.tmpXYZ";
	struct carb_member_facts m = { bytes, 8, ".tmp", 4, 3 };
	struct carb_group_facts g = group("incoming", true, &m, 1);

	ck_assert(rejects(cfg, &g));
	m.name_len = 9;             /* "...tmpX": no longer *.tmp */
	ck_assert(!rejects(cfg, &g));
	/* the same under a UTF-8 locale, where fnmatch decodes */
	if (setlocale(LC_ALL, "C.UTF-8") != NULL) {
		m.name_len = 8;
		ck_assert(rejects(cfg, &g));
	}
	carb_config_free(&cfg);
}
END_TEST

START_TEST(match_glob_utf8)
{
	struct carb_config *cfg = one_rule("glob = [\"?\\u00e9-*\"]\n");
	static const char latin1[] = "a\xe9-x";     /* é in Latin-1: 1 byte */
	static const char utf8[] = "a\xc3\xa9-x";   /* é in UTF-8: 2 bytes */
	struct carb_member_facts m = { utf8, 5, "", 0, 3 };
	struct carb_group_facts g = group("incoming", true, &m, 1);

	ck_assert(rejects(cfg, &g));
	m.name = latin1;
	m.name_len = 4;
	ck_assert(!rejects(cfg, &g));
	carb_config_free(&cfg);
}
END_TEST

/* Longer than NAME_MAX: not from a folder, but compared all the same. */
START_TEST(match_glob_long_name)
{
	struct carb_config *cfg = one_rule("glob = [\"*.tmp\"]\n");
	char name[600];
	struct carb_member_facts m = { name, sizeof(name), ".tmp", 4, 1 };
	struct carb_group_facts g = group("incoming", true, &m, 1);

	memset(name, 'a', sizeof(name));
	memcpy(name + sizeof(name) - 4, ".tmp", 4);
	ck_assert(rejects(cfg, &g));
	carb_config_free(&cfg);
}
END_TEST

/* Sizes are the group's, bounds inclusive. */
START_TEST(match_sizes)
{
	struct carb_config *cfg = one_rule("min_size = 1024\n");
	struct carb_group_facts g = group("incoming", true, pair, 2);

	ck_assert_uint_eq(g.size, 1024);
	ck_assert(rejects(cfg, &g));
	g.size = 1023;
	ck_assert(!rejects(cfg, &g));
	carb_config_free(&cfg);

	cfg = one_rule("max_size = \"1KiB\"\n");
	g.size = 1024;
	ck_assert(rejects(cfg, &g));
	g.size = 1025;
	ck_assert(!rejects(cfg, &g));
	g.size = 0;
	ck_assert(rejects(cfg, &g));
	carb_config_free(&cfg);
}
END_TEST

START_TEST(match_complete)
{
	struct carb_config *cfg = one_rule("complete = false\n");
	struct carb_group_facts g = group("incoming", false, pair, 2);

	ck_assert(rejects(cfg, &g));
	g.complete = true;
	ck_assert(!rejects(cfg, &g));
	carb_config_free(&cfg);

	cfg = one_rule("complete = true\n");
	ck_assert(rejects(cfg, &g));
	g.complete = false;
	ck_assert(!rejects(cfg, &g));
	carb_config_free(&cfg);
}
END_TEST

START_TEST(match_no_condition)
{
	struct carb_config *cfg = one_rule("");
	struct carb_group_facts g = group("incoming", false, NULL, 0);

	ck_assert(rejects(cfg, &g));
	carb_config_free(&cfg);
}
END_TEST

/* Every condition given must hold; each list needs one value to. */
START_TEST(match_conjunction)
{
	struct carb_config *cfg = one_rule(
		"watch = [\"incoming\", \"partners\"]\n"
		"extension = [\".bak\", \".xml\"]\n"
		"max_size = 2000\n");
	struct carb_group_facts g = group("partners", true, pair, 2);

	ck_assert(rejects(cfg, &g));
	g.size = 2001;
	ck_assert(!rejects(cfg, &g));
	g.size = 2000;
	g.nmembers = 1;
	ck_assert(!rejects(cfg, &g));
	g.nmembers = 2;
	g.watch = "other";
	ck_assert(!rejects(cfg, &g));
	carb_config_free(&cfg);
}
END_TEST

START_TEST(select_first_match_and_default)
{
	struct carb_config *cfg = load_ok(
		"[selection]\n"
		"default = \"reject\"\n"
		"[[selection.rule]]\n"
		"name = \"no temp\"\n"
		"action = \"reject\"\n"
		"glob = [\"*.tmp\"]\n"
		"[[selection.rule]]\n"
		"action = \"accept\"\n"
		"extension = [\".dat\"]\n"
		"[[selection.rule]]\n"
		"name = \"never reached\"\n"
		"action = \"reject\"\n"
		"extension = [\".dat\"]\n");
	const struct carb_rules *r = carb_config_rules(cfg);
	struct carb_member_facts m[] = {
		member("a.dat", ".dat", 1), member("a.tmp", ".tmp", 1),
	};
	struct carb_group_facts g = group("incoming", true, m, 2);
	const char *rule = NULL;

	ck_assert(!carb_rules_select(r, &g, &rule));
	ck_assert_str_eq(rule, "no temp");
	g.nmembers = 1;
	ck_assert(carb_rules_select(r, &g, &rule));
	ck_assert_str_eq(rule, "selection.rule[1]");
	ck_assert_ptr_eq(rule, r->selection.rules[1].name);
	m[0] = member("a.csv", ".csv", 1);
	ck_assert(!carb_rules_select(r, &g, &rule));
	ck_assert_ptr_null(rule);
	ck_assert(!carb_rules_select(r, &g, NULL));
	carb_config_free(&cfg);
}
END_TEST

START_TEST(select_without_rules)
{
	struct carb_config *cfg = load_ok("");
	struct carb_group_facts g = group("incoming", true, pair, 2);
	const char *rule = "unset";

	ck_assert(carb_rules_select(carb_config_rules(cfg), &g, &rule));
	ck_assert_ptr_null(rule);
	carb_config_free(&cfg);
}
END_TEST

START_TEST(route_first_match_and_default)
{
	struct carb_config *cfg = load_ok(
		"[routing]\n"
		"default = \"cold\"\n"
		"[[routing.rule]]\n"
		"name = \"big\"\n"
		"destination = \"bulk\"\n"
		"min_size = \"1MiB\"\n"
		"[[routing.rule]]\n"
		"destination = \"default\"\n"
		"watch = [\"incoming\"]\n");
	const struct carb_rules *r = carb_config_rules(cfg);
	struct carb_member_facts m = member("a.dat", ".dat", 2 << 20);
	struct carb_group_facts g = group("incoming", true, &m, 1);
	const char *rule = NULL;

	ck_assert_str_eq(carb_rules_route(r, &g, &rule), "bulk");
	ck_assert_str_eq(rule, "big");
	g.size = 10;
	ck_assert_str_eq(carb_rules_route(r, &g, &rule), "default");
	ck_assert_str_eq(rule, "routing.rule[1]");
	g.watch = "partners";
	ck_assert_str_eq(carb_rules_route(r, &g, &rule), "cold");
	ck_assert_ptr_null(rule);
	ck_assert_ptr_eq(carb_rules_route(r, &g, NULL),
			 r->routing.default_destination);
	carb_config_free(&cfg);
}
END_TEST

static TCase *fixture_case(const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, setup, teardown);
	return tc;
}

static Suite *rules_suite(void)
{
	Suite *s = suite_create("rules");
	TCase *tc;

	tc = fixture_case("load");
	tcase_add_test(tc, no_rules);
	tcase_add_test(tc, every_condition);
	tcase_add_test(tc, routing_rules_and_default_names);
	tcase_add_test(tc, inline_tables);
	tcase_add_test(tc, action_names);
	suite_add_tcase(s, tc);

	tc = fixture_case("problems");
	tcase_add_test(tc, unknown_watch);
	tcase_add_test(tc, unknown_watch_without_watches);
	tcase_add_test(tc, unknown_destination);
	tcase_add_test(tc, bad_extension);
	tcase_add_test(tc, bad_globs);
	tcase_add_test(tc, empty_lists);
	tcase_add_test(tc, min_above_max);
	tcase_add_test(tc, bad_sizes);
	tcase_add_test(tc, missing_action_and_destination);
	tcase_add_test(tc, bad_action);
	tcase_add_test(tc, wrong_types);
	tcase_add_test(tc, unknown_key_suggests);
	tcase_add_test(tc, names_checked);
	tcase_add_test(tc, misspelled_tables);
	tcase_add_test(tc, every_problem_reported);
	suite_add_tcase(s, tc);

	tc = fixture_case("match");
	tcase_add_test(tc, match_watch);
	tcase_add_test(tc, match_extension);
	tcase_add_test(tc, match_extension_whole);
	tcase_add_test(tc, match_glob);
	tcase_add_test(tc, match_glob_non_utf8);
	tcase_add_test(tc, match_glob_utf8);
	tcase_add_test(tc, match_glob_long_name);
	tcase_add_test(tc, match_sizes);
	tcase_add_test(tc, match_complete);
	tcase_add_test(tc, match_no_condition);
	tcase_add_test(tc, match_columns);
	tcase_add_test(tc, columns_need_a_plugin);
	tcase_add_test(tc, match_conjunction);
	tcase_add_test(tc, select_first_match_and_default);
	tcase_add_test(tc, select_without_rules);
	tcase_add_test(tc, route_first_match_and_default);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(rules_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
