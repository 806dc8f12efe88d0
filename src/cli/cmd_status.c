/* `carbonation status`: what an operator needs at a glance, from the
 * catalog alone (so it works from another host and while the service is
 * down), with an exit status for monitoring.  The catalog layer reads it
 * (carb_catalog_status); this file judges and prints it. */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "catalog/catalog.h"
#include "cli/cli.h"
#include "config/config.h"
#include "report/report.h"
#include "util/util.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: carbonation [-c FILE] status [--format text|json]\n"
		"\n"
		"The service instances (their heartbeat rows), components by\n"
		"status over the last 1h, 4h, 1d, 7d, 30d and all time, what was\n"
		"archived per watch and destination, the retry queue, FAILED\n"
		"components and their most common reasons, the oldest waiting\n"
		"group, and each watch's folder.  docs/reporting.md lists the\n"
		"JSON keys.\n"
		"\n"
		"Exit status: 0 healthy, 1 degraded (an instance stopped or its\n"
		"heartbeat older than twice its interval, a watch folder missing\n"
		"or unreadable, or the catalog failed), 2 usage error.\n");
}

/* A watch folder that is gone is what status is asked about, not a
 * reason to refuse: the config is read without its checks against the
 * disk, and the report says which folder is missing. */
static int open_catalog(struct carb_cli *cli, struct carb_config **cfg,
			struct carb_catalog **cat)
{
	struct carb_diags diags;
	int rc;

	carb_diags_init(&diags);
	rc = carb_config_load_values(cli->config_path, cfg, &diags);
	carb_cli_print_diags(&diags);
	carb_diags_release(&diags);
	if (rc != 0)
		return CARB_EXIT_USAGE;
	rc = carb_cli_connect(*cfg, false, cat);
	if (rc >= 0)
		carb_config_free(cfg);
	return rc;
}

/* The outbox depth of each configured sink. */
static int status_sinks(struct carb_catalog *cat, const struct carb_config *cfg,
			struct carb_status_report *r, struct carb_error *err)
{
	size_t n = carb_config_event_sink_count(cfg);
	const char **names = carb_xcalloc(n ? n : 1, sizeof(*names));
	int rc;

	for (size_t i = 0; i < n; i++)
		names[i] = carb_config_event_sink(cfg, i)->name;
	rc = carb_catalog_status_sinks(cat, names, n, r, err);
	free(names);
	return rc;
}

int carb_cmd_status(struct carb_cli *cli, int argc, char **argv)
{
	static const char *const known[] = { "--format", "--help", NULL };
	struct carb_config *cfg = NULL;
	struct carb_catalog *cat = NULL;
	struct carb_status_report r;
	struct carb_error err = { 0 };
	struct carb_buf out;
	bool as_json = false;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return CARB_EXIT_OK;
		}
		if (strcmp(argv[i], "--format") != 0)
			return carb_cli_unknown_option("status", argv[i], known);
		if (i + 1 >= argc || (strcmp(argv[i + 1], "json") != 0 &&
				      strcmp(argv[i + 1], "text") != 0)) {
			carb_cli_errorf("status: --format needs text or json");
			return CARB_EXIT_USAGE;
		}
		as_json = strcmp(argv[++i], "json") == 0;
	}
	rc = open_catalog(cli, &cfg, &cat);
	if (rc >= 0)
		return rc;
	if (carb_cli_require_schema(cat, NULL, "status") < 0) {
		rc = CARB_EXIT_FAIL;
	} else if (carb_catalog_status(cat, &r, &err) < 0 ||
		   status_sinks(cat, cfg, &r, &err) < 0) {
		carb_cli_errorf("status: %s", err.msg);
		carb_status_report_release(&r);
		rc = CARB_EXIT_FAIL;
	} else {
		carb_buf_init(&out);
		rc = (as_json ? carb_report_status_json(&r, cfg, &out)
		      : carb_report_status_text(&r, cfg, &out))
			? CARB_EXIT_FAIL : CARB_EXIT_OK;
		fwrite(out.data, 1, out.len, stdout);
		carb_buf_release(&out);
		carb_status_report_release(&r);
	}
	carb_catalog_close(&cat);
	carb_config_free(&cfg);
	return rc;
}
