/* carbonation run: the service in the foreground, until SIGTERM/SIGINT. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "catalog/catalog.h"
#include "cli/cli.h"
#include "config/config.h"
#include "pipeline/pipeline.h"
#include "service/service.h"
#include "util/util.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: carbonation [-c FILE] run [--once] [--dry-run]\n"
		"       carbonation [-c FILE] run --input FILE [--watch NAME]\n"
		"\n"
		"Watch every [[watch]] folder, record each delivered file in the\n"
		"catalog once it has settled, check its integrity, group it with\n"
		"the files of the same stem, select, route and archive it.  Runs\n"
		"until SIGTERM or SIGINT, lets archives in flight finish, commits\n"
		"and exits 0; SIGHUP reads config.toml and rules.toml again.\n"
		"The catalog must exist and be up to date\n"
		"(carbonation db init / db upgrade).\n"
		"\n"
		"options:\n"
		"  --once       walk the watches once, process everything ready\n"
		"               (due retries too), wait for it, exit: 0, or 1 when\n"
		"               a file failed in this run; watches a running\n"
		"               service holds are skipped\n"
		"  --dry-run    like --once, but only log each decision (status,\n"
		"               destination path): the catalog and the disk stay\n"
		"               as they were\n"
		"  --input FILE one delivered file and the members of its group\n"
		"               beside it, through the whole path once (work a\n"
		"               previous run left in flight in its watch too);\n"
		"               prints what became of each: exit 0 when all are\n"
		"               ARCHIVED, 1 otherwise\n"
		"  --watch NAME with --input: the watch FILE is in\n"
		"  -h, --help   show this help\n");
}

/* The service's way back to the catalog after an outage: the same
 * catalog, at the schema this program writes; quiet (the service logs). */
static int reconnect(void *ctx, const struct carb_config *cfg,
		     struct carb_catalog **cat, struct carb_error *err)
{
	const struct carb_plugin_rt *plugin = ctx;
	struct carb_catalog_options co = { 0 };
	struct carb_migration_root roots[CARB_CLI_MAX_ROOTS];
	struct carb_migration_status st = { 0 };
	size_t nroots, behind = 0;
	char *dir = NULL;
	int rc;

	co.url = carb_config_database_url(cfg);
	co.base_dir = carb_config_dir(cfg);
	co.password_file = carb_config_database_password_file(cfg);
	co.busy_timeout_ms = carb_config_database_busy_timeout_ms(cfg);
	if (carb_catalog_open(&co, cat, err) < 0)
		return -1;
	nroots = carb_cli_migration_roots(plugin, roots, &dir);
	rc = carb_migrations_status(*cat, roots, nroots, &st, err);
	for (size_t i = 0; rc == 0 && i < st.nbranches; i++)
		behind += st.branches[i].pending + st.branches[i].changed;
	if (rc == 0 && behind > 0)
		rc = carb_error_set(err, "the catalog is not up to date (%zu"
				    " migrations pending or changed)", behind);
	carb_migration_status_release(&st);
	free(dir);
	if (rc < 0)
		carb_catalog_close(cat);
	return rc;
}

/* An archive batch holds a descriptor or more per file, and systemd
 * starts services with a soft limit of 1024: the soft limit goes up to
 * the hard one (the service polls, it never selects).  Where it cannot,
 * the batches are sized to what the limit allows. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* The service's heartbeat, renewed on the heartbeat's own connection. */
static void renew(void *ctx, const struct carb_heartbeat_counters *c)
{
	carb_cli_heartbeat_renew(ctx, c);
}

static int run(struct carb_config *cfg, struct carb_catalog **cat,
	       const struct carb_run_options *opts,
	       struct carb_cli_heartbeat *hb)
{
	struct carb_service svc = {
		.cfg = cfg, .cat = *cat, .opts = *opts,
		.connect = reconnect, .connect_ctx = opts->plugin,
		.heartbeat = hb != NULL ? renew : NULL, .heartbeat_ctx = hb,
	};
	struct carb_error err = { 0 };
	int rc = CARB_EXIT_OK;

	raise_fd_limit();
	if (carb_service_run(&svc, &err) < 0) {
		carb_cli_errorf("run: %s", err.msg);
		rc = CARB_EXIT_FAIL;
	} else {
		if (svc.unread != NULL) {
			carb_cli_errorf("run: could not read %s", svc.unread);
			rc = CARB_EXIT_FAIL;
		}
		if (opts->once && svc.failures > 0) {
			carb_cli_errorf("run: %zu file%s failed in this run (see"
					" the log and the catalog)", svc.failures,
					svc.failures == 1 ? "" : "s");
			rc = CARB_EXIT_FAIL;
		}
	}
	free(svc.unread);
	*cat = svc.cat;
	if (svc.abandoned > 0) {
		/* A worker is still inside the plugin or a copy: unloading
		 * or closing under it would crash; the process ends here,
		 * its heartbeat row marked stopped first. */
		carb_cli_heartbeat_end(&hb);
		carb_catalog_close(cat);
		_exit(rc);
	}
	return rc;
}

int carb_cmd_run(struct carb_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "once", no_argument, NULL, 'o' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "input", required_argument, NULL, 'i' },
		{ "watch", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const known[] = { "--help", "--once", "--dry-run",
					     "--input", "--watch", NULL };
	struct carb_run_options ro = { .once = false };
	struct carb_config *cfg = NULL;
	struct carb_catalog *cat = NULL;
	const char *input = NULL, *watch = NULL;
	char *rel = NULL;
	int c, rc;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return CARB_EXIT_OK;
		}
		if (c == 'o' || c == 'n') {
			ro.once = true;
			ro.dry_run |= c == 'n';
			continue;
		}
		if (c == 'i' || c == 'w') {
			*(c == 'i' ? &input : &watch) = optarg;
			continue;
		}
		if (c == ':') {
			carb_cli_errorf("run: %s needs a value", argv[optind - 1]);
			return CARB_EXIT_USAGE;
		}
		return carb_cli_unknown_option("run", argv[optind - 1], known);
	}
	if (optind < argc) {
		carb_cli_errorf("run: unexpected argument \"%s\"", argv[optind]);
		return CARB_EXIT_USAGE;
	}
	if (watch != NULL && input == NULL) {
		carb_cli_errorf("run: --watch goes with --input FILE");
		return CARB_EXIT_USAGE;
	}
	if (carb_service_block_signals() < 0) {
		carb_cli_errorf("run: cannot take signals: %m");
		return CARB_EXIT_FAIL;
	}
	if (carb_cli_load_config(cli, &cfg) != 0)
		return CARB_EXIT_USAGE;
	if (watch != NULL && (rc = carb_cli_check_watch(cfg, "run", watch)) >= 0) {
		carb_config_free(&cfg);
		return rc;
	}
	if (input != NULL) {
		rc = carb_run_input_resolve(cfg, input, watch, &ro.only_watch, &rel);
		if (rc >= 0) {
			carb_config_free(&cfg);
			return rc;
		}
		ro.once = true;
		ro.only_rel = rel;
	}
	if (carb_cli_load_plugin(cfg, &ro.plugin) != 0) {
		free(rel);
		carb_config_free(&cfg);
		return CARB_EXIT_USAGE;
	}
	rc = carb_cli_connect(cfg, false, &cat);
	if (rc < 0) {
		struct carb_cli_heartbeat *hb = NULL;

		if (carb_cli_require_schema(cat, ro.plugin, "run") < 0) {
			rc = CARB_EXIT_FAIL;
		} else {
			if (!ro.once)
				hb = carb_cli_heartbeat_begin(cli, cfg);
			/* Counted only for /metrics, its one reader; created
			 * once, so counters outlive a catalog outage. */
			if (!ro.once && carb_config_http(cfg)->listen != NULL) {
				ro.metrics = carb_metrics_new();
				carb_metrics_set_build(ro.metrics, PACKAGE_VERSION,
						       carb_catalog_dialect(cat));
			}
			rc = run(cfg, &cat, &ro, hb);
			carb_cli_heartbeat_end(&hb);
		}
		if (input != NULL && rc != CARB_EXIT_USAGE && cat != NULL) {
			int r = carb_run_input_report(cat, cfg, ro.only_watch, rel);

			rc = rc > r ? rc : r;
		}
		carb_catalog_close(&cat);
	}
	free(rel);
	carb_plugin_unload(&ro.plugin);
	carb_metrics_free(&ro.metrics);
	carb_config_free(&cfg);
	return rc;
}
