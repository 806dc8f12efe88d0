/* `carbonation retry`: FAILED components back to the archive queue, for
 * when the cause (a full disk, a permission) has been put right. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "catalog/catalog.h"
#include "cli/cli.h"
#include "config/config.h"
#include "util/util.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: carbonation [-c FILE] retry [--watch NAME]\n"
		"\n"
		"Queue every FAILED component again: status RETRY_PENDING,\n"
		"attempts 0, due now, its reason kept; its group goes back from\n"
		"FAILED to ARCHIVING.  The running service (or the next\n"
		"run --once) archives them.  One transaction.\n"
		"\n"
		"options:\n"
		"  --watch NAME  only the components of that watch\n"
		"                (--watch-name NAME is the same)\n"
		"  -h, --help    show this help\n"
		"\n"
		"Exit status: 0 done (also when nothing had FAILED), 1 the\n"
		"catalog failed, 2 usage or configuration error.\n");
}

/* Returns -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, const char **watch)
{
	static const struct option opts[] = {
		{ "watch", required_argument, NULL, 'w' },
		{ "watch-name", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const known[] = { "--watch", "--watch-name",
					     "--help", NULL };
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		if (c == 'w') {
			*watch = optarg;
		} else if (c == 'h') {
			usage(stdout);
			return CARB_EXIT_OK;
		} else if (c == ':') {
			carb_cli_errorf("retry: option \"%s\" needs a value",
					argv[optind - 1]);
			return CARB_EXIT_USAGE;
		} else {
			return carb_cli_unknown_option("retry",
						       argv[optind - 1], known);
		}
	}
	if (optind < argc) {
		carb_cli_errorf("retry: unexpected argument \"%s\"",
				argv[optind]);
		usage(stderr);
		return CARB_EXIT_USAGE;
	}
	return -1;
}

static int retry(struct carb_catalog *cat, const char *watch)
{
	struct carb_error err = { 0 };
	int64_t n = 0;

	if (carb_cli_require_schema(cat, NULL, "retry") < 0)
		return CARB_EXIT_FAIL;
	if (carb_components_retry_failed(cat, watch, &n, &err) < 0) {
		carb_cli_errorf("retry: %s", err.msg);
		return CARB_EXIT_FAIL;
	}
	if (n == 0 && watch != NULL)
		printf("no FAILED component in watch \"%s\"\n", watch);
	else if (n == 0)
		printf("no FAILED component\n");
	else
		printf("%" PRId64 " component%s queued again\n", n,
		       n == 1 ? "" : "s");
	return CARB_EXIT_OK;
}

int carb_cmd_retry(struct carb_cli *cli, int argc, char **argv)
{
	struct carb_config *cfg = NULL;
	struct carb_catalog *cat = NULL;
	const char *watch = NULL;
	int rc = parse_args(argc, argv, &watch);

	if (rc >= 0)
		return rc;
	if (carb_cli_load_config(cli, &cfg) != 0)
		return CARB_EXIT_USAGE;
	rc = carb_cli_check_watch(cfg, "retry", watch);
	if (rc < 0)
		rc = carb_cli_connect(cfg, false, &cat);
	if (rc < 0)
		rc = retry(cat, watch);
	carb_catalog_close(&cat);
	carb_config_free(&cfg);
	return rc;
}
