/* The configuration and rules models: defaults, paths, and every kind of
 * problem with its exact message and position. */
#include <check.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "util/util.h"

/* Each test runs in its own scratch folder (Check forks per test, so the
 * chdir stays in the test). */
static char dir[PATH_MAX];

static void setup(void)
{
	char tmpl[] = "/tmp/carb-config-test.XXXXXX";

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

/* Lines 1-6; tests append their own lines from 7 on. */
#define BASE \
	"[[watch]]\n" \
	"name = \"incoming\"\n" \
	"path = \"in\"\n" \
	"\n" \
	"[archive]\n" \
	"base_path = \"archive\"\n"

/* Loads path (and its rules) and returns every diagnostic, one per line;
 * the snapshot goes to *out when out is not NULL. */
static char *load_path(const char *path, const char *rules_path,
		       struct carb_config **out)
{
	struct carb_config *cfg = (struct carb_config *)&cfg;  /* not NULL */
	struct carb_diags diags;
	struct carb_buf b;
	int rc;

	carb_diags_init(&diags);
	carb_buf_init(&b);
	carb_buf_adds(&b, "");
	if (rules_path != NULL)
		rc = carb_config_load_with_rules(path, rules_path, &cfg, &diags);
	else
		rc = carb_config_load(path, &cfg, &diags);
	for (size_t i = 0; i < diags.count; i++) {
		char *line = carb_diag_format(&diags.items[i]);

		carb_buf_addf(&b, "%s\n", line);
		free(line);
	}
	ck_assert_int_eq(rc == 0, diags.count == 0);
	if (rc != 0)
		ck_assert_ptr_null(cfg);
	else
		ck_assert_ptr_nonnull(cfg);
	carb_diags_release(&diags);
	if (out != NULL)
		*out = cfg;
	else
		carb_config_free(&cfg);
	return carb_buf_detach(&b);
}

static char *load(const char *config_text, struct carb_config **out)
{
	put("config.toml", config_text);
	return load_path("config.toml", NULL, out);
}

#define expect(text, want) do { \
	char *got_ = load(text, NULL); \
	ck_assert_str_eq(got_, want); \
	free(got_); \
} while (0)

/* Same, for a message holding the scratch folder: want is a format with
 * one %s for it. */
#define expect_dir(text, want) do { \
	char *want_ = carb_xasprintf(want, dir); \
	expect(text, want_); \
	free(want_); \
} while (0)

static struct carb_config *load_ok(const char *config_text)
{
	struct carb_config *cfg = NULL;
	char *got = load(config_text, &cfg);

	ck_assert_str_eq(got, "");
	free(got);
	return cfg;
}

static char *in_dir(const char *rel)
{
	return carb_xasprintf("%s/%s", dir, rel);
}

#define ck_assert_path(got, rel) do { \
	char *want_ = in_dir(rel); \
	ck_assert_str_eq(got, want_); \
	free(want_); \
} while (0)

/* ---- defaults ------------------------------------------------------- */

START_TEST(defaults_config)
{
	struct carb_config *cfg = load_ok(BASE);
	const struct carb_service_config *svc = carb_config_service(cfg);
	const struct carb_logging_config *log = carb_config_logging(cfg);
	const struct carb_plugins_config *pl = carb_config_plugins(cfg);

	ck_assert_path(carb_config_path(cfg), "config.toml");
	ck_assert_str_eq(carb_config_dir(cfg), dir);
	ck_assert_str_eq(carb_config_display_path(cfg), "config.toml");
	ck_assert_str_eq(svc->name, "carbonation");
	ck_assert_int_eq(svc->workers, 4);
	ck_assert_int_eq(svc->heartbeat_interval_ms, 30000);
	ck_assert_int_eq(svc->reconcile_interval_ms, 3600000);
	ck_assert_int_eq(svc->shutdown_timeout_ms, 30000);
	ck_assert_path(svc->rules, "rules.toml");
	ck_assert_str_eq(svc->state_dir, dir);
	ck_assert_int_eq(svc->loc.workers.line, 0);
	ck_assert_int_eq(log->level, CARB_LOG_INFO);
	ck_assert_int_eq(log->format, CARB_LOG_FORMAT_TEXT);
	ck_assert_ptr_null(log->file);
	ck_assert_str_eq(carb_config_database_url(cfg), "sqlite:carbonation.db");
	ck_assert_ptr_null(carb_config_database_password_file(cfg));
	ck_assert_int_eq(carb_config_database_busy_timeout_ms(cfg), 5000);
	ck_assert_ptr_null(pl->package);
	ck_assert_ptr_null(pl->path);
	ck_assert_uint_eq(pl->search_path.count, 0);
	ck_assert(!carb_config_has_plugin(cfg));
	carb_config_free(&cfg);
	ck_assert_ptr_null(cfg);
}
END_TEST

START_TEST(defaults_watch_and_archive)
{
	struct carb_config *cfg = load_ok(BASE);
	const struct carb_watch_config *w;
	const struct carb_archive_config *ar = carb_config_archive(cfg);
	const struct carb_destination_config *d;
	static const char *const excl[] = {
		".*", "*.part", "*.filepart", "*.tmp", "*.crdownload", "*~",
	};

	ck_assert_uint_eq(carb_config_watch_count(cfg), 1);
	w = carb_config_watch(cfg, 0);
	ck_assert_ptr_eq(carb_config_watch_find(cfg, "incoming"), w);
	ck_assert_ptr_null(carb_config_watch_find(cfg, "other"));
	ck_assert_str_eq(w->name, "incoming");
	ck_assert_path(w->path, "in");
	ck_assert_int_eq(w->settle_ms, 5000);
	ck_assert(!w->recursive);
	ck_assert_uint_eq(w->include.count, 0);
	ck_assert_uint_eq(w->exclude.count, 6);
	for (size_t i = 0; i < 6; i++)
		ck_assert_str_eq(w->exclude.items[i], excl[i]);
	ck_assert_int_eq(w->mode, CARB_WATCH_AUTO);
	ck_assert_int_eq(w->poll_interval_ms, 30000);
	ck_assert_ptr_null(w->manifest);
	ck_assert_int_eq(w->loc.table.line, 1);
	ck_assert_int_eq(w->loc.path.line, 3);
	ck_assert_int_eq(w->loc.path.column, 8);
	ck_assert_str_eq(w->loc.path.file, "config.toml");

	ck_assert_path(ar->base_path, "archive");
	ck_assert_int_eq(ar->max_retries, 5);
	ck_assert_int_eq(ar->retry_delay_ms, 60000);
	ck_assert_int_eq(ar->retry_max_delay_ms, 3600000);
	ck_assert(!ar->hardlink_fallback);
	ck_assert_uint_eq(carb_config_destination_count(cfg), 1);
	d = carb_config_destination(cfg, 0);
	ck_assert_ptr_eq(d, &ar->default_destination);
	ck_assert_ptr_eq(carb_config_destination_find(cfg, "default"), d);
	ck_assert_str_eq(d->name, "default");
	ck_assert_str_eq(d->destination, "{watch}/{yyyy}/{mm}/{dd}");
	ck_assert_int_eq(d->mode, CARB_ARCHIVE_COPY);
	ck_assert_int_eq(d->verify, CARB_VERIFY_SIZE);
	ck_assert_int_eq(d->on_conflict, CARB_CONFLICT_VERSION);
	carb_config_free(&cfg);
}
END_TEST

START_TEST(defaults_rules_absent)
{
	struct carb_config *cfg = load_ok(BASE);
	const struct carb_rules *r = carb_config_rules(cfg);

	ck_assert(!r->found);
	ck_assert_path(r->path, "rules.toml");
	ck_assert_str_eq(carb_config_rules_path(cfg), r->path);
	ck_assert_uint_eq(r->integrity.min_size, 1);
	ck_assert_int_eq(r->integrity.checksum, CARB_CHECKSUM_AUTO);
	ck_assert_uint_eq(r->completeness.required.count, 0);
	ck_assert_uint_eq(r->completeness.optional.count, 0);
	ck_assert_int_eq(r->completeness.timeout_ms, 3600000);
	ck_assert_int_eq(r->completeness.on_timeout, CARB_TIMEOUT_SKIP);
	ck_assert_ptr_null(r->completeness.function);
	ck_assert_ptr_null(r->metadata.extract);
	ck_assert_ptr_null(r->selection.function);
	ck_assert_ptr_null(r->routing.function);
	ck_assert_str_eq(r->routing.default_destination, "default");
	carb_config_free(&cfg);
}
END_TEST

START_TEST(values_as_written)
{
	struct carb_config *cfg;
	const struct carb_rules *r;

	put("rules.toml",
	    "[integrity]\n"
	    "min_size = \"10KiB\"\n"
	    "checksum = \"required\"\n"
	    "[completeness]\n"
	    "required = [\".dat\"]\n"
	    "optional = [\".xml\", \".sha256\"]\n"
	    "timeout = 90\n"
	    "on_timeout = \"process\"\n");
	cfg = load_ok(BASE
		      "[service]\n"
		      "workers = 16\n"
		      "heartbeat_interval = \"1m30s\"\n"
		      "[logging]\n"
		      "level = \"debug\"\n"
		      "format = \"json\"\n"
		      "file = \"log/carb.log\"\n");
	ck_assert_int_eq(carb_config_service(cfg)->workers, 16);
	ck_assert_int_eq(carb_config_service(cfg)->heartbeat_interval_ms, 90000);
	ck_assert_int_eq(carb_config_logging(cfg)->level, CARB_LOG_DEBUG);
	ck_assert_int_eq(carb_config_logging(cfg)->format, CARB_LOG_FORMAT_JSON);
	ck_assert_path(carb_config_logging(cfg)->file, "log/carb.log");
	r = carb_config_rules(cfg);
	ck_assert(r->found);
	ck_assert_uint_eq(r->integrity.min_size, 10240);
	ck_assert_int_eq(r->integrity.checksum, CARB_CHECKSUM_REQUIRED);
	ck_assert_uint_eq(r->completeness.required.count, 1);
	ck_assert_str_eq(r->completeness.required.items[0], ".dat");
	ck_assert_uint_eq(r->completeness.optional.count, 2);
	ck_assert_int_eq(r->completeness.timeout_ms, 90000);
	ck_assert_int_eq(r->completeness.on_timeout, CARB_TIMEOUT_PROCESS);
	ck_assert_str_eq(r->integrity.loc.min_size.file, "rules.toml");
	ck_assert_int_eq(r->integrity.loc.min_size.line, 2);
	ck_assert_int_eq(r->integrity.loc.min_size.column, 12);
	carb_config_free(&cfg);
}
END_TEST

START_TEST(watch_values)
{
	struct carb_config *cfg = load_ok(
		"[[watch]]\n"
		"name = \"a.b-c_1\"\n"
		"path = \"in\"\n"
		"settle = 10\n"
		"recursive = true\n"
		"include = [\"*.dat\", \"*.xml\"]\n"
		"exclude = []\n"
		"mode = \"poll\"\n"
		"poll_interval = \"2m\"\n"
		"manifest = \"SHA256SUMS\"\n"
		"[archive]\n"
		"base_path = \"archive\"\n");
	const struct carb_watch_config *w = carb_config_watch(cfg, 0);

	ck_assert_str_eq(w->name, "a.b-c_1");
	ck_assert_int_eq(w->settle_ms, 10000);
	ck_assert(w->recursive);
	ck_assert_uint_eq(w->include.count, 2);
	ck_assert_str_eq(w->include.items[1], "*.xml");
	ck_assert_uint_eq(w->exclude.count, 0);
	ck_assert_int_eq(w->mode, CARB_WATCH_POLL);
	ck_assert_int_eq(w->poll_interval_ms, 120000);
	ck_assert_str_eq(w->manifest, "SHA256SUMS");
	carb_config_free(&cfg);
}
END_TEST

START_TEST(zero_watches_is_valid)
{
	struct carb_config *cfg = load_ok("[archive]\nbase_path = \"archive\"\n");

	ck_assert_uint_eq(carb_config_watch_count(cfg), 0);
	ck_assert_ptr_null(carb_config_watch(cfg, 0));
	carb_config_free(&cfg);
}
END_TEST

/* ---- paths ---------------------------------------------------------- */

START_TEST(paths_relative_to_config_folder)
{
	struct carb_config *cfg;
	char *got;

	ck_assert_int_eq(mkdir("etc", 0755), 0);
	ck_assert_int_eq(mkdir("etc/drop", 0755), 0);
	ck_assert_int_eq(mkdir("etc/arch", 0755), 0);
	ck_assert_int_eq(mkdir("etc/state", 0755), 0);
	put("etc/config.toml",
	    "[service]\n"
	    "state_dir = \"./state/../state//\"\n"
	    "[[watch]]\n"
	    "name = \"a\"\n"
	    "path = \"drop\"\n"
	    "[[watch]]\n"
	    "name = \"b\"\n"
	    "path = \"../in\"\n"
	    "[archive]\n"
	    "base_path = \"arch\"\n");
	got = load_path("etc/config.toml", NULL, &cfg);
	ck_assert_str_eq(got, "");
	free(got);
	ck_assert_path(carb_config_dir(cfg), "etc");
	ck_assert_path(carb_config_path(cfg), "etc/config.toml");
	ck_assert_path(carb_config_service(cfg)->state_dir, "etc/state");
	ck_assert_path(carb_config_watch(cfg, 0)->path, "etc/drop");
	ck_assert_path(carb_config_watch(cfg, 1)->path, "in");
	ck_assert_path(carb_config_archive(cfg)->base_path, "etc/arch");
	ck_assert_path(carb_config_rules_path(cfg), "etc/rules.toml");
	ck_assert_str_eq(carb_config_watch(cfg, 0)->loc.path.file,
			 "etc/config.toml");
	ck_assert_str_eq(carb_config_database_url(cfg), "sqlite:carbonation.db");
	carb_config_free(&cfg);
}
END_TEST

START_TEST(paths_absolute_kept)
{
	char *text = carb_xasprintf(
		"[[watch]]\nname = \"a\"\npath = \"%1$s/in/\"\n"
		"[archive]\nbase_path = \"%1$s/archive\"\n"
		"[database]\npassword_file = \"%1$s//pw\"\n", dir);
	struct carb_config *cfg;

	put("pw", "secret\n");
	cfg = load_ok(text);
	ck_assert_path(carb_config_watch(cfg, 0)->path, "in");
	ck_assert_path(carb_config_database_password_file(cfg), "pw");
	carb_config_free(&cfg);
	free(text);
}
END_TEST

/* Messages about rules name the file the way the config path was given. */
START_TEST(paths_rules_beside_config)
{
	ck_assert_int_eq(mkdir("etc", 0755), 0);
	put("etc/config.toml",
	    "[service]\nrules = \"r/rules.toml\"\n"
	    "[archive]\nbase_path = \"../archive\"\n");
	ck_assert_int_eq(mkdir("etc/r", 0755), 0);
	put("etc/r/rules.toml", "[integrity]\nchecksum = \"maybe\"\n");
	{
		char *got = load_path("etc/config.toml", NULL, NULL);

		ck_assert_str_eq(got, "etc/r/rules.toml:2:12: integrity.checksum: \"maybe\" is not one of \"auto\", \"required\", \"off\"\n");
		free(got);
	}
}
END_TEST

/* ---- the config file itself ----------------------------------------- */

START_TEST(missing_config_file)
{
	char *got = load_path("nothere.toml", NULL, NULL);

	ck_assert_str_eq(got, "nothere.toml: no such file\n");
	free(got);
}
END_TEST

START_TEST(config_is_a_directory)
{
	char *got = load_path("in", NULL, NULL);

	ck_assert_str_eq(got, "in: is a directory\n");
	free(got);
}
END_TEST

START_TEST(syntax_error_is_one_problem)
{
	char *got = load("[service]\nworkers = = 4\nname = 5\n", NULL);

	/* one line, at the place the parser names, nothing after it */
	ck_assert_ptr_nonnull(strstr(got, "config.toml:2:"));
	ck_assert_ptr_eq(strchr(got, '\n'), got + strlen(got) - 1);
	free(got);
}
END_TEST

/* ---- unknown keys and tables ---------------------------------------- */

START_TEST(unknown_key_suggests)
{
	expect("[service]\nname = \"x\"\nworkers = 2\nheartbeat_intervall = 30\n"
	       "[archive]\nbase_path = \"archive\"\n",
	       "config.toml:4:1: unknown key \"heartbeat_intervall\" in [service] (did you mean \"heartbeat_interval\"?)\n");
}
END_TEST

START_TEST(unknown_key_far_off)
{
	expect(BASE "colour = \"blue\"\n",
	       "config.toml:7:1: unknown key \"colour\" in [archive]\n");
}
END_TEST

START_TEST(unknown_key_in_watch)
{
	expect(BASE "[[watch]]\nname = \"two\"\npath = \"in2\"\nsetle = \"1s\"\n",
	       "config.toml:10:1: unknown key \"setle\" in [[watch]] \"two\" (did you mean \"settle\"?)\n");
}
END_TEST

START_TEST(unknown_table_suggests)
{
	expect(BASE "[servce]\nworkers = 3\n",
	       "config.toml:7:2: unknown table [servce] (did you mean [service]?)\n");
}
END_TEST

START_TEST(unknown_top_level_key)
{
	expect("workers = 3\n" BASE,
	       "config.toml:1:1: unknown key \"workers\" outside any table (did you mean [service] workers?)\n");
}
END_TEST

/* ---- types, ranges, choices ----------------------------------------- */

START_TEST(wrong_type)
{
	expect(BASE "max_retries = \"five\"\n",
	       "config.toml:7:15: archive.max_retries: expected integer, got string \"five\"\n");
}
END_TEST

START_TEST(wrong_type_each_kind)
{
	expect(BASE "hardlink_fallback = 1\n"
	       "retry_delay = true\n"
	       "destination = 3.5\n"
	       "[service]\nname = [1]\n",
	       "config.toml:7:21: archive.hardlink_fallback: expected boolean, got integer 1\n"
	       "config.toml:8:15: archive.retry_delay: expected duration, got boolean true\n"
	       "config.toml:9:15: archive.destination: expected string, got float 3.5\n"
	       "config.toml:11:8: service.name: expected string, got array\n");
}
END_TEST

START_TEST(wrong_type_in_array)
{
	expect(BASE "[[watch]]\nname = \"two\"\npath = \"in2\"\n"
	       "include = [\"*.dat\", 5]\nexclude = \"*.tmp\"\n",
	       "config.toml:10:21: watch \"two\": include[1]: expected string, got integer 5\n"
	       "config.toml:11:11: watch \"two\": exclude: expected array of strings, got string \"*.tmp\"\n");
}
END_TEST

START_TEST(section_not_a_table)
{
	expect("service = 3\n" BASE,
	       "config.toml:1:11: service: expected table, got integer 3\n");
}
END_TEST

START_TEST(watch_not_an_array)
{
	expect("[watch]\nname = \"a\"\npath = \"in\"\n"
	       "[archive]\nbase_path = \"archive\"\n",
	       "config.toml:1:1: watch: expected array of tables ([[watch]]), got table\n");
}
END_TEST

START_TEST(int_out_of_range)
{
	expect(BASE "max_retries = 5000\n[service]\nworkers = 0\n",
	       "config.toml:7:15: archive.max_retries: 5000 is out of range 0..1000\n"
	       "config.toml:9:11: service.workers: 0 is out of range 1..256\n");
}
END_TEST

START_TEST(duration_out_of_range)
{
	expect(BASE "[service]\nheartbeat_interval = \"500ms\"\n"
	       "reconcile_interval = 0\nshutdown_timeout = -4\n",
	       "config.toml:8:22: service.heartbeat_interval: \"500ms\" is out of range (at least 1s)\n"
	       "config.toml:9:22: service.reconcile_interval: 0 is out of range (at least 1s)\n"
	       "config.toml:10:20: service.shutdown_timeout: duration -4 is negative\n");
}
END_TEST

START_TEST(duration_invalid_text)
{
	expect(BASE "retry_delay = \"5x\"\n",
	       "config.toml:7:15: archive.retry_delay: invalid duration \"5x\": unknown unit \"x\" (valid: ms, s, m, h, d, w)\n");
}
END_TEST

START_TEST(enum_not_a_choice)
{
	expect(BASE "[logging]\nformat = \"xml\"\n",
	       "config.toml:8:10: logging.format: \"xml\" is not one of \"text\", \"json\"\n");
}
END_TEST

START_TEST(enum_archive_mode)
{
	expect(BASE "mode = \"rsync\"\n",
	       "config.toml:7:8: archive.mode: \"rsync\" is not one of \"copy\", \"move\", \"hardlink\", \"symlink\"\n");
}
END_TEST

START_TEST(nul_in_string)
{
	expect(BASE "[service]\nname = \"a\\u0000b\"\n",
	       "config.toml:8:8: service.name: contains a NUL character\n");
}
END_TEST

/* ---- required keys -------------------------------------------------- */

START_TEST(missing_required_in_table)
{
	expect("[[watch]]\nname = \"incoming\"\n\n[archive]\nbase_path = \"archive\"\n",
	       "config.toml:1:1: missing required key \"path\" in [[watch]] \"incoming\"\n");
}
END_TEST

START_TEST(missing_required_unnamed_watch)
{
	expect(BASE "\n[[watch]]\npath = \"in2\"\n",
	       "config.toml:8:1: missing required key \"name\" in [[watch]] #2\n");
}
END_TEST

START_TEST(missing_required_table_absent)
{
	expect("[[watch]]\nname = \"incoming\"\npath = \"in\"\n",
	       "config.toml:1:1: missing required key \"base_path\" in [archive]\n");
}
END_TEST

/* ---- watches -------------------------------------------------------- */

START_TEST(watch_path_missing)
{
	expect_dir("[[watch]]\nname = \"incoming\"\npath = \"nope\"\n"
		   "[archive]\nbase_path = \"archive\"\n",
		   "config.toml:3:8: watch \"incoming\": path %s/nope does not exist\n");
}
END_TEST

START_TEST(watch_path_not_directory)
{
	put("file", "x");
	expect_dir("[[watch]]\nname = \"incoming\"\npath = \"file\"\n"
		   "[archive]\nbase_path = \"archive\"\n",
		   "config.toml:3:8: watch \"incoming\": path %s/file is not a directory\n");
}
END_TEST

START_TEST(watch_name_invalid)
{
	expect(BASE "[[watch]]\nname = \"in coming\"\npath = \"in2\"\n",
	       "config.toml:8:8: watch #2: name: \"in coming\" is not a valid watch name (letters, digits, \"_\", \".\", \"-\")\n");
}
END_TEST

START_TEST(watch_name_duplicate)
{
	expect(BASE "[[watch]]\nname = \"incoming\"\npath = \"in2\"\n",
	       "config.toml:8:8: watch \"incoming\": duplicate name (first defined at config.toml:2:8)\n");
}
END_TEST

START_TEST(watch_same_folder)
{
	ck_assert_int_eq(symlink("in", "link"), 0);
	expect_dir(BASE "[[watch]]\nname = \"two\"\npath = \"link\"\n",
		   "config.toml:9:8: watch \"two\": path %1$s/link is the same folder as watch \"incoming\"\n");
}
END_TEST

START_TEST(watch_inside_other)
{
	ck_assert_int_eq(mkdir("in/sub", 0755), 0);
	expect_dir(BASE "[[watch]]\nname = \"two\"\npath = \"in/sub\"\n",
		   "config.toml:9:8: watch \"two\": path %1$s/in/sub is inside watch \"incoming\" (%1$s/in)\n");
}
END_TEST

START_TEST(watch_contains_other)
{
	ck_assert_int_eq(mkdir("in/sub", 0755), 0);
	expect_dir("[[watch]]\nname = \"one\"\npath = \"in/sub\"\n"
		   "[[watch]]\nname = \"two\"\npath = \"in\"\n"
		   "[archive]\nbase_path = \"archive\"\n",
		   "config.toml:6:8: watch \"two\": path %1$s/in contains watch \"one\" (%1$s/in/sub)\n");
}
END_TEST

START_TEST(watch_contains_archive)
{
	expect_dir("[[watch]]\nname = \"all\"\npath = \".\"\n"
		   "[archive]\nbase_path = \"archive\"\n",
		   "config.toml:3:8: watch \"all\": path %1$s contains archive.base_path %1$s/archive\n"
		   "config.toml:3:8: watch \"all\": path %1$s sees service.state_dir %1$s (the lock files)\n");
}
END_TEST

START_TEST(watch_inside_archive)
{
	ck_assert_int_eq(mkdir("archive/drop", 0755), 0);
	expect_dir("[[watch]]\nname = \"drop\"\npath = \"archive/drop\"\n"
		   "[archive]\nbase_path = \"archive\"\n",
		   "config.toml:3:8: watch \"drop\": path %1$s/archive/drop is inside archive.base_path %1$s/archive\n");
}
END_TEST

START_TEST(watch_patterns_and_manifest)
{
	expect(BASE "[[watch]]\nname = \"two\"\npath = \"in2\"\n"
	       "include = [\"\"]\nmanifest = \"sums/SHA256SUMS\"\n",
	       "config.toml:10:12: watch \"two\": include[0]: empty pattern\n"
	       "config.toml:11:12: watch \"two\": manifest: \"sums/SHA256SUMS\" is not a file name (it contains \"/\")\n");
}
END_TEST

/* ---- archive and destinations --------------------------------------- */

START_TEST(archive_base_path_missing)
{
	expect_dir("[archive]\nbase_path = \"gone\"\n",
		   "config.toml:2:13: archive.base_path %s/gone does not exist\n");
}
END_TEST

START_TEST(template_checks)
{
	expect(BASE "destination = \"/abs/{watch}\"\n"
	       "[archive.destinations.up]\ndestination = \"{watch}/../x\"\n"
	       "[archive.destinations.none]\ndestination = \"\"\n"
	       "[archive.destinations.dot]\ndestination = \"{watch}/./x\"\n"
	       "[archive.destinations.dotted]\ndestination = \"{watch}/.x/x..\"\n",
	       "config.toml:7:15: archive.destination: \"/abs/{watch}\" must be relative to archive.base_path\n"
	       "config.toml:9:15: archive.destinations.up.destination: \"{watch}/../x\" must not contain a \"..\" component\n"
	       "config.toml:11:15: archive.destinations.none.destination: empty template\n"
	       "config.toml:13:15: archive.destinations.dot.destination: \"{watch}/./x\" must not contain a \".\" component\n");
}
END_TEST

START_TEST(destination_default_reserved)
{
	expect(BASE "[archive.destinations.default]\nmode = \"move\"\n",
	       "config.toml:7:23: archive.destinations.default: the name \"default\" is reserved for the [archive] destination\n");
}
END_TEST

START_TEST(destination_inherits)
{
	struct carb_config *cfg = load_ok(
		BASE "mode = \"move\"\nverify = \"sha256\"\n"
		"[archive.destinations.fast]\ndestination = \"fast/{watch}\"\n"
		"[archive.destinations.keep]\nmode = \"hardlink\"\non_conflict = \"fail\"\n");
	const struct carb_destination_config *fast, *keep;

	ck_assert_uint_eq(carb_config_destination_count(cfg), 3);
	fast = carb_config_destination_find(cfg, "fast");
	keep = carb_config_destination(cfg, 2);
	ck_assert_ptr_eq(carb_config_destination(cfg, 1), fast);
	ck_assert_ptr_null(carb_config_destination(cfg, 3));
	ck_assert_str_eq(keep->name, "keep");
	ck_assert_str_eq(fast->destination, "fast/{watch}");
	ck_assert_int_eq(fast->mode, CARB_ARCHIVE_MOVE);
	ck_assert_int_eq(fast->verify, CARB_VERIFY_SHA256);
	ck_assert_int_eq(fast->on_conflict, CARB_CONFLICT_VERSION);
	ck_assert_int_eq(fast->loc.destination.line, 10);
	ck_assert_int_eq(fast->loc.mode.line, 7);    /* inherited: where written */
	ck_assert_str_eq(keep->destination, "{watch}/{yyyy}/{mm}/{dd}");
	ck_assert_int_eq(keep->mode, CARB_ARCHIVE_HARDLINK);
	ck_assert_int_eq(keep->on_conflict, CARB_CONFLICT_FAIL);
	ck_assert_int_eq(keep->verify, CARB_VERIFY_SHA256);
	carb_config_free(&cfg);
}
END_TEST

START_TEST(destination_unknown_key)
{
	expect(BASE "[archive.destinations.fast]\nmod = \"move\"\n",
	       "config.toml:8:1: unknown key \"mod\" in [archive.destinations.fast] (did you mean \"mode\"?)\n");
}
END_TEST

START_TEST(retry_delays_ordered)
{
	expect(BASE "retry_delay = \"2h\"\n",
	       "config.toml:7:15: archive.retry_max_delay: 1h is shorter than archive.retry_delay 2h\n");
}
END_TEST

/* ---- database and plugins ------------------------------------------- */

START_TEST(database_url_unknown_scheme)
{
	expect(BASE "[database]\nurl = \"mongodb://db/x\"\n",
	       "config.toml:8:7: database.url: unknown database scheme \"mongodb\" (valid: sqlite, postgresql, mariadb)\n");
}
END_TEST

START_TEST(database_password_twice)
{
	char *got;

	put("pw", "secret\n");
	got = load(BASE "[database]\nurl = \"postgresql://carb:hunter2@db/carb\"\n"
		   "password_file = \"pw\"\n", NULL);
	ck_assert_str_eq(got, "config.toml:9:17: database.password_file: the database URL holds a password too; give it in one place\n");
	ck_assert_ptr_null(strstr(got, "hunter2"));
	free(got);
}
END_TEST

START_TEST(database_password_file_missing)
{
	expect_dir(BASE "[database]\npassword_file = \"pw\"\n",
		   "config.toml:8:17: database.password_file %s/pw does not exist\n");
}
END_TEST

START_TEST(plugins_path_missing)
{
	expect_dir(BASE "[plugins]\npath = \"plug.so\"\nsearch_path = [\"p\", 3]\n",
		   "config.toml:8:8: plugins.path %s/plug.so does not exist\n"
		   "config.toml:9:21: plugins.search_path[1]: expected string, got integer 3\n");
}
END_TEST

/* ---- several problems ----------------------------------------------- */

START_TEST(every_problem_reported)
{
	expect("[service]\n"
	       "workers = 999\n"
	       "heartbeat_intervall = 3\n"
	       "[logging]\n"
	       "level = \"loud\"\n"
	       "[[watch]]\n"
	       "name = \"x\"\n"
	       "path = \"in\"\n"
	       "mode = 3\n",
	       "config.toml:1:1: missing required key \"base_path\" in [archive]\n"
	       "config.toml:2:11: service.workers: 999 is out of range 1..256\n"
	       "config.toml:3:1: unknown key \"heartbeat_intervall\" in [service] (did you mean \"heartbeat_interval\"?)\n"
	       "config.toml:5:9: logging.level: \"loud\" is not one of \"debug\", \"info\", \"warning\", \"error\"\n"
	       "config.toml:9:8: watch \"x\": mode: expected string, got integer 3\n");
}
END_TEST

/* ---- rules ---------------------------------------------------------- */

static char *load_with_rules(const char *rules_text)
{
	put("rules.toml", rules_text);
	return load(BASE, NULL);
}

#define expect_rules(text, want) do { \
	char *got_ = load_with_rules(text); \
	ck_assert_str_eq(got_, want); \
	free(got_); \
} while (0)

START_TEST(rules_unknown_key_and_table)
{
	expect_rules("[integrity]\nmin_sise = 3\n[routng]\ndefault = \"default\"\n",
		     "rules.toml:2:1: unknown key \"min_sise\" in [integrity] (did you mean \"min_size\"?)\n"
		     "rules.toml:3:2: unknown table [routng] (did you mean [routing]?)\n");
}
END_TEST

START_TEST(rules_size_invalid)
{
	expect_rules("[integrity]\nmin_size = \"lots\"\n",
		     "rules.toml:2:12: integrity.min_size: invalid size \"lots\" (expected e.g. 512, 10KiB, 1GiB)\n");
}
END_TEST

START_TEST(rules_extensions)
{
	expect_rules("[completeness]\nrequired = [\".dat\", \"xml\", \".a/b\", \".\"]\n"
		     "optional = [\".dat\"]\n",
		     "rules.toml:2:21: completeness.required[1]: \"xml\" is not an extension (write it with its dot: \".dat\")\n"
		     "rules.toml:2:28: completeness.required[2]: \".a/b\" is not an extension (it contains \"/\")\n"
		     "rules.toml:2:36: completeness.required[3]: \".\" is not an extension (write it with its dot: \".dat\")\n"
		     "rules.toml:3:12: completeness.optional: \".dat\" is also in completeness.required\n");
}
END_TEST

START_TEST(rules_plugin_function_without_plugin)
{
	expect_rules("[metadata]\n\n\n\nextract = \"sampel\"\n[routing]\nfunction = \"route\"\n",
		     "rules.toml:5:11: metadata.extract names \"sampel\" but no plugin is configured ([plugins] package or path)\n"
		     "rules.toml:7:12: routing.function names \"route\" but no plugin is configured ([plugins] package or path)\n");
}
END_TEST

START_TEST(rules_plugin_function_with_plugin)
{
	struct carb_config *cfg;

	put("rules.toml", "[metadata]\nextract = \"sampel\"\n[selection]\nfunction = \"keep\"\n");
	cfg = load_ok(BASE "[plugins]\npackage = \"demo\"\n");
	ck_assert(carb_config_has_plugin(cfg));
	ck_assert_str_eq(carb_config_rules(cfg)->metadata.extract, "sampel");
	ck_assert_int_eq(carb_config_rules(cfg)->metadata.loc.extract.line, 2);
	ck_assert_str_eq(carb_config_rules(cfg)->selection.function, "keep");
	carb_config_free(&cfg);
}
END_TEST

START_TEST(rules_routing_default_unknown)
{
	put("rules.toml", "[routing]\ndefault = \"fastt\"\n");
	expect(BASE "[archive.destinations.fast]\ndestination = \"f\"\n"
	       "[archive.destinations.slow]\ndestination = \"s\"\n",
	       "rules.toml:2:11: routing.default: \"fastt\" is not a destination (did you mean \"fast\"? valid: \"default\", \"fast\", \"slow\")\n");
}
END_TEST

START_TEST(rules_routing_default_named)
{
	struct carb_config *cfg;

	put("rules.toml", "[routing]\ndefault = \"slow\"\n");
	cfg = load_ok(BASE "[archive.destinations.slow]\ndestination = \"s\"\n");
	ck_assert_str_eq(carb_config_rules(cfg)->routing.default_destination, "slow");
	carb_config_free(&cfg);
}
END_TEST

START_TEST(rules_named_file_must_exist)
{
	expect(BASE "[service]\nrules = \"strict.toml\"\n",
	       "strict.toml: no such file\n");
}
END_TEST

START_TEST(rules_syntax_error_with_config_errors)
{
	char *got;

	put("rules.toml", "[integrity\n");
	got = load(BASE "max_retries = -1\n", NULL);
	ck_assert_ptr_nonnull(strstr(got, "config.toml:7:15: archive.max_retries: -1 is out of range 0..1000\n"));
	ck_assert_ptr_nonnull(strstr(got, "\nrules.toml:1:"));
	free(got);
}
END_TEST

START_TEST(rules_override)
{
	struct carb_config *cfg;
	char *got;

	put("config.toml", BASE);
	put("rules.toml", "[integrity]\nmin_size = \"bad\"\n");
	put("other.toml", "[integrity]\nmin_size = 0\n");
	got = load_path("config.toml", "other.toml", &cfg);
	ck_assert_str_eq(got, "");
	free(got);
	ck_assert_uint_eq(carb_config_rules(cfg)->integrity.min_size, 0);
	ck_assert_path(carb_config_rules_path(cfg), "other.toml");
	carb_config_free(&cfg);

	put("other.toml", "[selection]\nfunction = \"x\"\n");
	got = load_path("config.toml", "other.toml", NULL);
	ck_assert_str_eq(got, "other.toml:2:12: selection.function names \"x\" but no plugin is configured ([plugins] package or path)\n");
	free(got);
	got = load_path("config.toml", "absent.toml", NULL);
	ck_assert_str_eq(got, "absent.toml: no such file\n");
	free(got);
}
END_TEST

/* ---- the key reference ---------------------------------------------- */

START_TEST(keys_reference)
{
	struct carb_buf b;

	carb_buf_init(&b);
	carb_config_describe_keys(&b, CARB_CONFIG_KEYS_TEXT);
	ck_assert_ptr_nonnull(strstr(b.data, "[service] in config.toml"));
	ck_assert_ptr_nonnull(strstr(b.data, "  heartbeat_interval "));
	ck_assert_ptr_nonnull(strstr(b.data, "  workers              integer 1..256; default 4\n"));
	ck_assert_ptr_nonnull(strstr(b.data, "  base_path            path; required\n"));
	ck_assert_ptr_nonnull(strstr(b.data, "[routing] in rules.toml"));
	ck_assert_ptr_nonnull(strstr(b.data, "[\".*\", \"*.part\""));
	carb_buf_release(&b);
	carb_buf_init(&b);
	carb_config_describe_keys(&b, CARB_CONFIG_KEYS_MARKDOWN);
	ck_assert_ptr_nonnull(strstr(b.data, "| `workers` | integer 1..256 | `4` |"));
	ck_assert_ptr_nonnull(strstr(b.data, "### `[[watch]]` (config.toml)"));
	carb_buf_release(&b);
}
END_TEST

START_TEST(enum_names)
{
	ck_assert_str_eq(carb_watch_mode_name(CARB_WATCH_INOTIFY), "inotify");
	ck_assert_str_eq(carb_archive_mode_name(CARB_ARCHIVE_SYMLINK), "symlink");
	ck_assert_str_eq(carb_verify_name(CARB_VERIFY_SHA256), "sha256");
	ck_assert_str_eq(carb_on_conflict_name(CARB_CONFLICT_OVERWRITE), "overwrite");
	ck_assert_str_eq(carb_log_level_name(CARB_LOG_WARNING), "warning");
	ck_assert_str_eq(carb_log_format_name(CARB_LOG_FORMAT_JSON), "json");
	ck_assert_str_eq(carb_checksum_policy_name(CARB_CHECKSUM_OFF), "off");
	ck_assert_str_eq(carb_on_timeout_name(CARB_TIMEOUT_PROCESS), "process");
}
END_TEST

static TCase *fixture_case(const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, setup, teardown);
	return tc;
}

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc;

	tc = fixture_case("defaults");
	tcase_add_test(tc, defaults_config);
	tcase_add_test(tc, defaults_watch_and_archive);
	tcase_add_test(tc, defaults_rules_absent);
	tcase_add_test(tc, values_as_written);
	tcase_add_test(tc, watch_values);
	tcase_add_test(tc, zero_watches_is_valid);
	suite_add_tcase(s, tc);

	tc = fixture_case("paths");
	tcase_add_test(tc, paths_relative_to_config_folder);
	tcase_add_test(tc, paths_absolute_kept);
	tcase_add_test(tc, paths_rules_beside_config);
	tcase_add_test(tc, missing_config_file);
	tcase_add_test(tc, config_is_a_directory);
	tcase_add_test(tc, syntax_error_is_one_problem);
	suite_add_tcase(s, tc);

	tc = fixture_case("keys");
	tcase_add_test(tc, unknown_key_suggests);
	tcase_add_test(tc, unknown_key_far_off);
	tcase_add_test(tc, unknown_key_in_watch);
	tcase_add_test(tc, unknown_table_suggests);
	tcase_add_test(tc, unknown_top_level_key);
	tcase_add_test(tc, wrong_type);
	tcase_add_test(tc, wrong_type_each_kind);
	tcase_add_test(tc, wrong_type_in_array);
	tcase_add_test(tc, section_not_a_table);
	tcase_add_test(tc, watch_not_an_array);
	tcase_add_test(tc, int_out_of_range);
	tcase_add_test(tc, duration_out_of_range);
	tcase_add_test(tc, duration_invalid_text);
	tcase_add_test(tc, enum_not_a_choice);
	tcase_add_test(tc, enum_archive_mode);
	tcase_add_test(tc, nul_in_string);
	tcase_add_test(tc, missing_required_in_table);
	tcase_add_test(tc, missing_required_unnamed_watch);
	tcase_add_test(tc, missing_required_table_absent);
	tcase_add_test(tc, every_problem_reported);
	suite_add_tcase(s, tc);

	tc = fixture_case("watches");
	tcase_add_test(tc, watch_path_missing);
	tcase_add_test(tc, watch_path_not_directory);
	tcase_add_test(tc, watch_name_invalid);
	tcase_add_test(tc, watch_name_duplicate);
	tcase_add_test(tc, watch_same_folder);
	tcase_add_test(tc, watch_inside_other);
	tcase_add_test(tc, watch_contains_other);
	tcase_add_test(tc, watch_contains_archive);
	tcase_add_test(tc, watch_inside_archive);
	tcase_add_test(tc, watch_patterns_and_manifest);
	suite_add_tcase(s, tc);

	tc = fixture_case("archive");
	tcase_add_test(tc, archive_base_path_missing);
	tcase_add_test(tc, template_checks);
	tcase_add_test(tc, destination_default_reserved);
	tcase_add_test(tc, destination_inherits);
	tcase_add_test(tc, destination_unknown_key);
	tcase_add_test(tc, retry_delays_ordered);
	tcase_add_test(tc, database_url_unknown_scheme);
	tcase_add_test(tc, database_password_twice);
	tcase_add_test(tc, database_password_file_missing);
	tcase_add_test(tc, plugins_path_missing);
	suite_add_tcase(s, tc);

	tc = fixture_case("rules");
	tcase_add_test(tc, rules_unknown_key_and_table);
	tcase_add_test(tc, rules_size_invalid);
	tcase_add_test(tc, rules_extensions);
	tcase_add_test(tc, rules_plugin_function_without_plugin);
	tcase_add_test(tc, rules_plugin_function_with_plugin);
	tcase_add_test(tc, rules_routing_default_unknown);
	tcase_add_test(tc, rules_routing_default_named);
	tcase_add_test(tc, rules_named_file_must_exist);
	tcase_add_test(tc, rules_syntax_error_with_config_errors);
	tcase_add_test(tc, rules_override);
	tcase_add_test(tc, keys_reference);
	tcase_add_test(tc, enum_names);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(config_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
