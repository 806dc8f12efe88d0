/* `carbonation events replay`: the outbox's events sent again.  The
 * command only makes deliveries unsent; the running service's publisher
 * sends them, in order, as it sends everything else (docs/events.md). */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "catalog/catalog.h"
#include "cli/cli.h"
#include "config/config.h"
#include "util/util.h"

static void replay_usage(FILE *out)
{
	fprintf(out,
		"usage: carbonation [-c FILE] events replay --since TIME"
		" [--sink NAME]\n"
		"\n"
		"Send again the events made at or after TIME: their deliveries\n"
		"are forgotten, and the running service's publisher sends them\n"
		"again, in order, to every [[events]] sink (or to NAME only).\n"
		"Consumers drop the duplicates by event_id.  Events a sink's\n"
		"statuses or watches leave out stay left out.\n"
		"\n"
		"options:\n"
		"  --since TIME  an ISO 8601 date or date-time (UTC without an\n"
		"                offset), or a time ago: 7d, 12h, 30m, 90s\n"
		"  --sink NAME   only that sink ([[events]] name)\n"
		"  -h, --help    show this help\n"
		"\n"
		"Exit status: 0 done, 1 the catalog failed, 2 usage or\n"
		"configuration error.\n");
}

/* Returns -1 to go on, else the exit status. */
static int replay_args(int argc, char **argv, const char **since,
		       const char **sink)
{
	static const struct option opts[] = {
		{ "since", required_argument, NULL, 's' },
		{ "sink", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const known[] = { "--since", "--sink", "--help",
					     NULL };
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		if (c == 's') {
			*since = optarg;
		} else if (c == 'k') {
			*sink = optarg;
		} else if (c == 'h') {
			replay_usage(stdout);
			return CARB_EXIT_OK;
		} else if (c == ':') {
			carb_cli_errorf("events replay: option \"%s\" needs a"
					" value", argv[optind - 1]);
			return CARB_EXIT_USAGE;
		} else {
			return carb_cli_unknown_option("events replay",
						       argv[optind - 1], known);
		}
	}
	if (optind < argc) {
		carb_cli_errorf("events replay: unexpected argument \"%s\"",
				argv[optind]);
		replay_usage(stderr);
		return CARB_EXIT_USAGE;
	}
	if (*since == NULL) {
		carb_cli_errorf("events replay: --since TIME is required");
		replay_usage(stderr);
		return CARB_EXIT_USAGE;
	}
	return -1;
}

static int check_sink(const struct carb_config *cfg, const char *sink)
{
	size_t n = carb_config_event_sink_count(cfg);
	struct carb_buf names;

	if (sink == NULL)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (strcmp(carb_config_event_sink(cfg, i)->name, sink) == 0)
			return -1;
	carb_buf_init(&names);
	for (size_t i = 0; i < n; i++)
		carb_buf_addf(&names, "%s\"%s\"", i ? ", " : "",
			      carb_config_event_sink(cfg, i)->name);
	carb_cli_errorf("events replay: no [[events]] sink is named \"%s\""
			" (sinks: %s)", sink, n ? names.data : "none");
	carb_buf_release(&names);
	return CARB_EXIT_USAGE;
}

static int cmd_replay(struct carb_cli *cli, int argc, char **argv)
{
	const char *since = NULL, *sink = NULL;
	struct carb_config *cfg = NULL;
	struct carb_catalog *cat = NULL;
	struct carb_error err = { 0 };
	int64_t lo, hi, n = 0;
	int rc = replay_args(argc, argv, &since, &sink);

	if (rc >= 0)
		return rc;
	if (carb_parse_time_range(since, carb_now_us(), &lo, &hi, &err) < 0) {
		carb_cli_errorf("events replay: --since: %s", err.msg);
		return CARB_EXIT_USAGE;
	}
	if (carb_cli_load_config(cli, &cfg) != 0)
		return CARB_EXIT_USAGE;
	rc = check_sink(cfg, sink);
	if (rc < 0)
		rc = carb_cli_connect(cfg, false, &cat);
	if (rc < 0 && carb_cli_require_schema(cat, NULL, "events replay") < 0)
		rc = CARB_EXIT_FAIL;
	if (rc < 0) {
		if (carb_catalog_events_replay(cat, lo, sink, &n, &err) < 0) {
			carb_cli_errorf("events replay: %s", err.msg);
			rc = CARB_EXIT_FAIL;
		} else {
			printf("%" PRId64 " event%s to send again%s%s\n", n,
			       n == 1 ? "" : "s", sink ? " to " : "",
			       sink ? sink : "");
			rc = CARB_EXIT_OK;
		}
	}
	carb_catalog_close(&cat);
	carb_config_free(&cfg);
	return rc;
}

int carb_cmd_events(struct carb_cli *cli, int argc, char **argv)
{
	static const struct carb_cmd sub[] = {
		{ "replay", cmd_replay, "send the events since a time again" },
	};

	return carb_cli_dispatch(cli, "events", sub,
				 sizeof(sub) / sizeof(sub[0]), argc, argv);
}
