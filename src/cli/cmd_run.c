/* carbonation run: the service in the foreground, until SIGTERM/SIGINT. */
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "catalog/catalog.h"
#include "cli/cli.h"
#include "config/config.h"
#include "pipeline/pipeline.h"
#include "util/util.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: carbonation [-c FILE] run [--once] [--dry-run]\n"
		"\n"
		"Watch every [[watch]] folder, record each delivered file in the\n"
		"catalog once it has settled, check its integrity, group it with\n"
		"the files of the same stem, select, route and archive it.  Runs\n"
		"until SIGTERM or SIGINT, lets archives in flight finish, commits\n"
		"and exits 0.  The catalog must exist and be up to date\n"
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
		"  -h, --help   show this help\n");
}

static int open_log(const struct carb_logging_config *lc)
{
	int fd = 2;

	if (lc->file != NULL) {
		fd = open(lc->file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
			  0640);
		if (fd < 0) {
			carb_cli_errorf("run: cannot open log file %s: %m",
					lc->file);
			return -1;
		}
	}
	carb_log_open(fd, (int)lc->level, lc->format == CARB_LOG_FORMAT_JSON);
	return fd;
}

/* SIGTERM and SIGINT arrive as a readable descriptor, so the loop stops
 * between two steps, never inside one.  They are blocked from the start
 * of `run`: a stop that comes while the config, the plugin or the
 * catalog are still being opened waits for the loop instead of killing
 * the process. */
static int block_stops(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	return sigprocmask(SIG_BLOCK, set, NULL);
}

static int stop_fd(void)
{
	sigset_t set;

	if (block_stops(&set) < 0)
		return -1;
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

/* Waits up to ms for a stop; true when one came. */
static bool stopped_within(int sfd, int64_t ms)
{
	struct pollfd pfd = { .fd = sfd, .events = POLLIN };

	return poll(&pfd, 1, (int)ms) > 0;
}

/* The catalog refused a write: every transition pauses (the intake is
 * closed, so nothing moves without its row), and the service reconnects
 * with a growing delay.  Everything is in the catalog, so starting the
 * intake again continues where it was.  Returns false on a stop. */
static bool pause_for_catalog(const struct carb_config *cfg,
			      const struct carb_run_options *opts,
			      struct carb_catalog **cat, int sfd,
			      const char *why)
{
	int64_t delay = 1000;

	carb_catalog_close(cat);
	carb_log(CARB_LOGL_ERROR, "catalog write failed: %s; every transition"
		 " is paused until the catalog takes writes again", why);
	for (;;) {
		if (stopped_within(sfd, delay))
			return false;
		if (carb_cli_connect(cfg, false, cat) < 0 &&
		    carb_cli_require_schema(*cat, opts->plugin, "run") == 0) {
			carb_log(CARB_LOGL_WARNING, "catalog reachable again;"
				 " resuming");
			return true;
		}
		carb_catalog_close(cat);
		delay = delay < 30000 ? delay * 2 : 60000;
	}
}

static int serve(struct carb_config *cfg, struct carb_catalog **cat,
		 const struct carb_run_options *opts, int sfd)
{
	struct carb_intake *in = NULL;
	struct carb_error err = { 0 };
	int rc = CARB_EXIT_OK;

	for (;;) {
		if (carb_intake_open(cfg, *cat, opts, &in, &err) < 0) {
			carb_log(CARB_LOGL_ERROR, "%s", err.msg);
			carb_cli_errorf("run: %s", err.msg);
			return CARB_EXIT_FAIL;
		}
		if (carb_intake_run(in, sfd, &err) == 0)
			break;
		carb_intake_close(&in);
		if (opts->once || !pause_for_catalog(cfg, opts, cat, sfd, err.msg)) {
			if (opts->once) {
				carb_log(CARB_LOGL_ERROR, "%s", err.msg);
				carb_cli_errorf("run: %s", err.msg);
				rc = CARB_EXIT_FAIL;
			}
			return rc;
		}
	}
	if (opts->once && carb_intake_failures(in) > 0) {
		carb_cli_errorf("run: %zu file%s failed in this run (see the log"
				" and the catalog)", carb_intake_failures(in),
				carb_intake_failures(in) == 1 ? "" : "s");
		rc = CARB_EXIT_FAIL;
	}
	carb_intake_close(&in);
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

static int run(struct carb_config *cfg, struct carb_catalog **cat,
	       const struct carb_run_options *opts)
{
	int sfd = stop_fd(), log_fd, rc;

	if (sfd < 0) {
		carb_cli_errorf("run: cannot take signals: %m");
		return CARB_EXIT_FAIL;
	}
	log_fd = open_log(carb_config_logging(cfg));
	if (log_fd < 0) {
		close(sfd);
		return CARB_EXIT_FAIL;
	}
	raise_fd_limit();
	rc = serve(cfg, cat, opts, sfd);
	if (log_fd != 2)
		close(log_fd);
	close(sfd);
	return rc;
}

int carb_cmd_run(struct carb_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "once", no_argument, NULL, 'o' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const known[] = { "--help", "--once", "--dry-run",
					     NULL };
	struct carb_run_options ro = { .once = false };
	sigset_t stops;
	struct carb_config *cfg = NULL;
	struct carb_catalog *cat = NULL;
	int c, rc;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return CARB_EXIT_OK;
		}
		if (c == 'o' || c == 'n') {
			ro.once = true;
			ro.dry_run |= c == 'n';
			continue;
		}
		return carb_cli_unknown_option("run", argv[optind - 1], known);
	}
	if (optind < argc) {
		carb_cli_errorf("run: unexpected argument \"%s\"", argv[optind]);
		return CARB_EXIT_USAGE;
	}
	if (block_stops(&stops) < 0) {
		carb_cli_errorf("run: cannot take signals: %m");
		return CARB_EXIT_FAIL;
	}
	if (carb_cli_load_config(cli, &cfg) != 0)
		return CARB_EXIT_USAGE;
	if (carb_cli_load_plugin(cfg, &ro.plugin) != 0) {
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
			rc = run(cfg, &cat, &ro);
			carb_cli_heartbeat_end(&hb);
		}
		carb_catalog_close(&cat);
	}
	carb_plugin_unload(&ro.plugin);
	carb_config_free(&cfg);
	return rc;
}
