/* `carbonation check config` and `carbonation check rules FILE`: load the
 * files as the service would, report every problem, and summarise what a
 * valid configuration will do. */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog/catalog.h"
#include "cli/cli.h"
#include "config/config.h"
#include "pipeline/pipeline.h"
#include "plugin/plugin.h"
#include "util/util.h"

/* What `run` will listen on, and who may use it. */
static void print_http(const struct carb_config *cfg)
{
	const struct carb_http_config *h = carb_config_http(cfg);

	if (h->listen == NULL) {
		printf("http:     off (no http.listen)\n");
		return;
	}
	printf("http:     %s: /health and /metrics open; the API, the dashboard"
	       " and uploads %s\n", h->listen, h->token_file
	       ? "ask for the token of http.token_file"
	       : "open to anyone who can connect");
	printf("uploads:  ");
	if (h->upload_watches.count == 0)
		printf("none (no http.upload_watches)");
	for (size_t i = 0; i < h->upload_watches.count; i++)
		printf("%s\"%s\"", i ? ", " : "", h->upload_watches.items[i]);
	printf("\n");
}

static void print_summary(const struct carb_config *cfg)
{
	const struct carb_rules *rules = carb_config_rules(cfg);
	const struct carb_archive_config *ar = carb_config_archive(cfg);
	char *url = carb_db_url_redact(carb_config_database_url(cfg));
	char settle[32];

	printf("config:   %s\n", carb_config_path(cfg));
	printf("rules:    %s%s\n", rules->path,
	       rules->found ? "" : " (absent: every rule takes its default)");
	printf("database: %s\n", url);
	free(url);
	if (carb_config_watch_count(cfg) == 0)
		printf("watches:  none\n");
	for (size_t i = 0; i < carb_config_watch_count(cfg); i++) {
		const struct carb_watch_config *w = carb_config_watch(cfg, i);

		char why[128];
		struct carb_error err;
		bool poll = false;

		carb_error_clear(&err);
		if (carb_watch_effective_mode(w, &poll, why, sizeof(why),
					      &err) < 0)
			snprintf(why, sizeof(why), "%.100s", err.msg);
		printf("watch \"%s\": %s (%s: %s; settle %s%s)\n", w->name,
		       w->path, poll ? "poll" : "inotify", why,
		       carb_config_format_duration(w->settle_ms, settle,
						   sizeof(settle)),
		       w->recursive ? ", recursive" : "");
	}
	printf("archive:  %s\n", ar->base_path);
	for (size_t i = 0; i < carb_config_destination_count(cfg); i++) {
		const struct carb_destination_config *d =
			carb_config_destination(cfg, i);
		char ct[32], to[32];

		if (carb_destination_is_http(d)) {
			printf("destination \"%s\": PUT %s (http; token %s;"
			       " connect timeout %s, timeout %s)\n", d->name,
			       d->url, d->token_file ? d->token_file : "none",
			       carb_config_format_duration(d->connect_timeout_ms,
							   ct, sizeof(ct)),
			       carb_config_format_duration(d->timeout_ms, to,
							   sizeof(to)));
			continue;
		}
		printf("destination \"%s\": %s (%s, verify %s, on conflict %s)\n",
		       d->name, d->destination, carb_archive_mode_name(d->mode),
		       carb_verify_name(d->verify),
		       carb_on_conflict_name(d->on_conflict));
	}
	print_http(cfg);
}

/* Prints a warning at loc (config.toml:LINE:COLUMN: warning: ...). */
static void warn_at(const struct carb_config_loc *loc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void warn_at(const struct carb_config_loc *loc, const char *fmt, ...)
{
	va_list ap;

	if (loc->file != NULL && loc->line > 0)
		fprintf(stderr, "%s:%d:%d: warning: ", loc->file, loc->line,
			loc->column);
	else
		fputs("carbonation: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* What the service will need of the folders, tried as the user running
 * the check.  Warnings, not errors: the service may well run as another
 * user (a unit's User=), for whom the check would say nothing. */
static void warn_access(const struct carb_config *cfg)
{
	const struct carb_archive_config *ar = carb_config_archive(cfg);
	struct passwd *pw = getpwuid(geteuid());
	char *who = pw != NULL ? carb_xasprintf("user %s", pw->pw_name)
			       : carb_xasprintf("uid %u", (unsigned)geteuid());

	for (size_t i = 0; i < carb_config_watch_count(cfg); i++) {
		const struct carb_watch_config *w = carb_config_watch(cfg, i);

		if (access(w->path, R_OK | X_OK) != 0)
			warn_at(&w->loc.path, "watch \"%s\": %s is not readable by %s (%s): the service cannot take its files as this user",
				w->name, w->path, who, strerror(errno));
	}
	if (access(ar->base_path, W_OK | X_OK) != 0)
		warn_at(&ar->loc.base_path, "archive base_path %s is not writable by %s (%s): the service cannot archive as this user",
			ar->base_path, who, strerror(errno));
	free(who);
}

/* The plugin is loaded too: only it knows whether the functions and
 * columns rules.toml names exist. */
static int load_and_report(struct carb_cli *cli, const char *rules_path,
			   struct carb_config **cfg,
			   struct carb_plugin_rt **plugin)
{
	struct carb_diags diags;
	int rc;

	carb_diags_init(&diags);
	if (rules_path != NULL)
		rc = carb_config_load_with_rules(cli->config_path, rules_path,
						 cfg, &diags);
	else
		rc = carb_config_load(cli->config_path, cfg, &diags);
	if (rc == 0 && carb_plugin_load(*cfg, plugin, &diags) != 0) {
		carb_config_free(cfg);
		rc = -1;
	}
	carb_cli_print_diags(&diags);
	carb_diags_release(&diags);
	return rc;
}

static void print_plugin(const struct carb_plugin_rt *p)
{
	if (p == NULL)
		return;
	printf("plugin:   %s %s (%s)\n", carb_plugin_name(p),
	       carb_plugin_version(p), carb_plugin_path(p));
	for (size_t i = 0; i < carb_plugin_ncolumns(p); i++) {
		const struct carb_plugin_column *c = carb_plugin_column(p, i);

		printf("column \"%s\": %s%s%s\n", c->name,
		       carb_plugin_type_name(c->type),
		       c->nullable ? "" : ", not null",
		       c->indexed ? ", indexed" : "");
	}
}

static void config_usage(FILE *out)
{
	fprintf(out,
		"usage: carbonation check config [--keys[=FORMAT]]\n"
		"\n"
		"Check config.toml and the rules file it names.  Every problem is\n"
		"printed as FILE:LINE:COLUMN: message; a valid configuration is\n"
		"summarised.  A watch folder this user cannot read, or an archive\n"
		"it cannot write, is a warning.  Exit status 0 when valid (with\n"
		"warnings too), 2 when not.\n"
		"\n"
		"options:\n"
		"  --keys[=FORMAT]  print the reference of every key instead\n"
		"                   (FORMAT: text, the default, markdown, or man:\n"
		"                   roff for carbonation.toml(5))\n"
		"  -h, --help       show this help\n");
}

static int print_keys(const char *format)
{
	enum carb_config_keys_format f = CARB_CONFIG_KEYS_TEXT;
	struct carb_buf b;

	if (format != NULL && strcmp(format, "markdown") == 0) {
		f = CARB_CONFIG_KEYS_MARKDOWN;
	} else if (format != NULL && strcmp(format, "man") == 0) {
		f = CARB_CONFIG_KEYS_MAN;
	} else if (format != NULL && strcmp(format, "text") != 0) {
		carb_cli_errorf("check config: --keys: \"%s\" is not one of \"text\", \"markdown\", \"man\"",
				format);
		return CARB_EXIT_USAGE;
	}
	carb_buf_init(&b);
	carb_config_describe_keys(&b, f);
	fputs(b.data ? b.data : "", stdout);
	carb_buf_release(&b);
	return CARB_EXIT_OK;
}

static int cmd_check_config(struct carb_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "keys", optional_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const known[] = { "--keys", "--help", NULL };
	struct carb_config *cfg = NULL;
	struct carb_plugin_rt *plugin = NULL;
	const char *keys = NULL;
	bool want_keys = false;
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			want_keys = true;
			keys = optarg;
			break;
		case 'h':
			config_usage(stdout);
			return CARB_EXIT_OK;
		default:
			return carb_cli_unknown_option("check config",
						       argv[optind - 1], known);
		}
	}
	if (optind < argc) {
		carb_cli_errorf("check config: unexpected argument \"%s\"",
				argv[optind]);
		config_usage(stderr);
		return CARB_EXIT_USAGE;
	}
	if (want_keys)
		return print_keys(keys);
	if (load_and_report(cli, NULL, &cfg, &plugin) != 0)
		return CARB_EXIT_USAGE;
	warn_access(cfg);
	print_summary(cfg);
	print_plugin(plugin);
	carb_plugin_unload(&plugin);
	carb_config_free(&cfg);
	return CARB_EXIT_OK;
}

static void rules_usage(FILE *out)
{
	fprintf(out,
		"usage: carbonation check rules FILE\n"
		"\n"
		"Check the rules file FILE against the current config.toml, as if\n"
		"config.toml named it.  Every problem is printed as\n"
		"FILE:LINE:COLUMN: message.  Exit status 0 when valid, 2 when not.\n"
		"\n"
		"options:\n"
		"  -h, --help  show this help\n");
}

static int cmd_check_rules(struct carb_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const known[] = { "--help", NULL };
	struct carb_config *cfg = NULL;
	struct carb_plugin_rt *plugin = NULL;
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			rules_usage(stdout);
			return CARB_EXIT_OK;
		default:
			return carb_cli_unknown_option("check rules",
						       argv[optind - 1], known);
		}
	}
	if (argc - optind != 1) {
		carb_cli_errorf(argc - optind < 1
				? "check rules: missing the rules FILE"
				: "check rules: expected one FILE");
		rules_usage(stderr);
		return CARB_EXIT_USAGE;
	}
	if (load_and_report(cli, argv[optind], &cfg, &plugin) != 0)
		return CARB_EXIT_USAGE;
	printf("rules:    %s\n", carb_config_rules(cfg)->path);
	printf("config:   %s\n", carb_config_path(cfg));
	carb_plugin_unload(&plugin);
	carb_config_free(&cfg);
	return CARB_EXIT_OK;
}

static const struct carb_cmd check_commands[] = {
	{ "config", cmd_check_config, "check config.toml and its rules file" },
	{ "rules", cmd_check_rules, "check a rules file against config.toml" },
};

int carb_cmd_check(struct carb_cli *cli, int argc, char **argv)
{
	return carb_cli_dispatch(cli, "check", check_commands,
				 sizeof(check_commands) / sizeof(check_commands[0]),
				 argc, argv);
}
