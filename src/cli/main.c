/* The carbonation program: global options, then one table of subcommands
 * (git's builtin table is the model). */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "plugin/plugin.h"
#include "util/util.h"

static const struct carb_cmd commands[] = {
	{ "check", carb_cmd_check, "validate config.toml and rules.toml" },
	{ "clear", carb_cmd_clear, "mark finished groups taken by a consumer (CLEARED)" },
	{ "db", carb_cmd_db, "create, migrate and inspect the catalog" },
	{ "events", carb_cmd_events, "send the outbox's events again (replay --since TIME)" },
	{ "init", carb_cmd_init, "write a new project: config, rules, a plugin, a demo" },
	{ "poll", carb_cmd_poll, "print the groups finished since a cursor, then advance it" },
	{ "query", carb_cmd_query, "list groups or components from the catalog, filtered" },
	{ "reconcile", carb_cmd_reconcile, "compare the catalog with the delivery folders or the archive" },
	{ "retry", carb_cmd_retry, "queue every FAILED component again" },
	{ "run", carb_cmd_run, "watch the delivery folders and take in every file" },
	{ "status", carb_cmd_status, "the service instances and the catalog at a glance" },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

void carb_cli_errorf(const char *fmt, ...)
{
	va_list ap;

	fputs("carbonation: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int carb_cli_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return 0;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return 1;
	}
	return 0;
}

int carb_cli_known_option(const char *opt, const char *const *known)
{
	for (; *known != NULL; known++)
		if (strcmp(opt, *known) == 0)
			return 1;
	return 0;
}

int carb_cli_unknown_option(const char *cmd, const char *opt,
			    const char *const *known)
{
	size_t n = 0;
	const char *hint;

	while (known != NULL && known[n] != NULL)
		n++;
	hint = n ? carb_suggest(opt, known, n) : NULL;
	if (hint != NULL)
		carb_cli_errorf("%s%sunknown option \"%s\" (did you mean \"%s\"?)",
				cmd, *cmd ? ": " : "", opt, hint);
	else
		carb_cli_errorf("%s%sunknown option \"%s\"", cmd,
				*cmd ? ": " : "", opt);
	fprintf(stderr, "Try 'carbonation%s%s --help'.\n", *cmd ? " " : "", cmd);
	return CARB_EXIT_USAGE;
}

static void list_commands(FILE *out, const struct carb_cmd *table, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(out, "  %-12s %s\n", table[i].name, table[i].summary);
}

int carb_cli_dispatch(struct carb_cli *cli, const char *prefix,
		      const struct carb_cmd *table, size_t n, int argc,
		      char **argv)
{
	const char *names[64];
	const char *hint;

	if (argc < 2 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0) {
		FILE *out = argc < 2 ? stderr : stdout;

		fprintf(out, "usage: carbonation %s COMMAND [OPTIONS]\n\ncommands:\n",
			prefix);
		list_commands(out, table, n);
		return argc < 2 ? CARB_EXIT_USAGE : CARB_EXIT_OK;
	}
	for (size_t i = 0; i < n; i++)
		if (strcmp(argv[1], table[i].name) == 0)
			return table[i].fn(cli, argc - 1, argv + 1);
	for (size_t i = 0; i < n && i < 64; i++)
		names[i] = table[i].name;
	hint = carb_suggest(argv[1], names, n < 64 ? n : 64);
	if (hint != NULL)
		carb_cli_errorf("unknown command \"%s %s\" (did you mean \"%s %s\"?)",
				prefix, argv[1], prefix, hint);
	else
		carb_cli_errorf("unknown command \"%s %s\"", prefix, argv[1]);
	fprintf(stderr, "Try 'carbonation %s --help'.\n", prefix);
	return CARB_EXIT_USAGE;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: carbonation [-c FILE] COMMAND [ARGS]\n"
		"\n"
		"Watch delivery folders, catalog every file, and archive it.\n"
		"\n"
		"options:\n"
		"  -c, --config FILE  config file (default: $CARBONATION_CONFIG,\n"
		"                     else ./config.toml)\n"
		"  -h, --help         show this help\n"
		"  -V, --version      show the version\n"
		"\n"
		"commands:\n");
	list_commands(out, commands, NCOMMANDS);
	fprintf(out, "\nRun 'carbonation COMMAND --help' for a command's options.\n");
}

static const char *default_config_path(void)
{
	const char *env = getenv("CARBONATION_CONFIG");

	return env != NULL && *env != '\0' ? env : "config.toml";
}

static int unknown_command(const char *name)
{
	const char *names[NCOMMANDS];
	const char *hint;

	for (size_t i = 0; i < NCOMMANDS; i++)
		names[i] = commands[i].name;
	hint = carb_suggest(name, names, NCOMMANDS);
	if (hint != NULL)
		carb_cli_errorf("unknown command \"%s\" (did you mean \"%s\"?)",
				name, hint);
	else
		carb_cli_errorf("unknown command \"%s\"", name);
	fprintf(stderr, "Try 'carbonation --help'.\n");
	return CARB_EXIT_USAGE;
}

static int run_command(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const known[] = { "--config", "--help", "--version", NULL };
	struct carb_cli cli = { .config_path = NULL, .argv0 = argv[0] };
	int c;

	opterr = 0;
	/* "+": stop at the first non-option, which is the command. */
	while ((c = getopt_long(argc, argv, "+:c:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			cli.config_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return CARB_EXIT_OK;
		case 'V':
			printf("carbonation %s\n", PACKAGE_VERSION);
			return CARB_EXIT_OK;
		case ':':
			carb_cli_errorf("option \"%s\" needs a value", argv[optind - 1]);
			return CARB_EXIT_USAGE;
		default:
			return carb_cli_unknown_option("", argv[optind - 1], known);
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return CARB_EXIT_USAGE;
	}
	if (cli.config_path == NULL)
		cli.config_path = default_config_path();
	for (size_t i = 0; i < NCOMMANDS; i++) {
		if (strcmp(argv[optind], commands[i].name) == 0) {
			int first = optind;

			optind = 0;  /* glibc: re-initialise getopt for the command */
			return commands[i].fn(&cli, argc - first, argv + first);
		}
	}
	return unknown_command(argv[optind]);
}

/* What a command printed on stdout is its result: output that could not
 * be written (a full disk, /dev/full, a closed pipe) is a failure of the
 * command, not something to lose quietly.  stdio reports it late, at the
 * flush, so it is checked once here for every command. */
static int close_stdout(int rc)
{
	int e;

	errno = 0;
	if (fflush(stdout) == 0 && ferror(stdout) == 0) {
		/* A stdout closed before we started (>&-) that was never
		 * written to is no failure. */
		if (fclose(stdout) == 0 || errno == EBADF)
			return rc;
	}
	e = errno;
	if (e != 0)
		carb_cli_errorf("cannot write to standard output: %s",
				strerror(e));
	else
		carb_cli_errorf("cannot write to standard output");
	return rc == CARB_EXIT_OK ? CARB_EXIT_FAIL : rc;
}

int main(int argc, char **argv)
{
	/* a plugin helper the service started: no command, no stdout */
	if (argc > 1 && strcmp(argv[1], CARB_PLUGIN_HELPER_ARG) == 0) {
		int rc = carb_plugin_helper_main(argc, argv);

		if (rc == 2)
			carb_cli_errorf("%s: only the service starts plugin helpers",
					argv[1]);
		return rc;
	}
	return close_stdout(run_command(argc, argv));
}
