/* service: what makes `carbonation run` a service (DESIGN.md "Running as
 * a service"): systemd readiness, status line and an honest watchdog,
 * SIGTERM/SIGINT stops and SIGHUP reloads, the log file, and the pause
 * while the catalog is unreachable.  The intake (src/pipeline/) does the
 * work; this layer runs its loop and answers for it.  The only door into
 * src/service/.
 *
 * Every sd_notify call lives in notify_systemd.c, which a build without
 * libsystemd replaces with notify_none.c: then the service still stops on
 * SIGTERM and reloads on SIGHUP, and tells nobody. */
#ifndef CARB_SERVICE_H
#define CARB_SERVICE_H

#include <stdbool.h>
#include <stddef.h>

#include "catalog/catalog.h"
#include "config/config.h"
#include "events/events.h"
#include "http/http.h"
#include "pipeline/pipeline.h"
#include "util/util.h"

/* Opens the catalog cfg names again after it failed, and checks its
 * schema: 0 with *cat set, or -1 with err (nothing open).  The caller's
 * (the CLI knows the migrations the program needs). */
typedef int (*carb_service_connect_fn)(void *ctx,
				       const struct carb_config *cfg,
				       struct carb_catalog **cat,
				       struct carb_error *err);

struct carb_service {
	struct carb_config *cfg;       /* the live config; a reload changes
	                                * its live keys in place */
	struct carb_catalog *cat;      /* open; the service may reopen it */
	struct carb_run_options opts;
	carb_service_connect_fn connect;
	void *connect_ctx;
	/* Renews the heartbeat row every [service] heartbeat_interval (may
	 * be NULL), from the loop's thread. */
	void (*heartbeat)(void *ctx, const struct carb_heartbeat_counters *c);
	void *heartbeat_ctx;
	/* results */
	size_t failures;               /* files that failed in this run */
	char *unread;                  /* with once: the watches whose folder
	                                * could not be read, described; NULL
	                                * when none; the caller frees it */
	size_t abandoned;              /* workers left inside a job */
};

/* Runs the intake until SIGTERM or SIGINT (or, with opts.once, until its
 * work is done), through catalog outages.  SIGTERM, SIGINT and SIGHUP
 * must be blocked in every thread before the call (carb_service_block_
 * signals, first thing in main's command), so a signal that comes while
 * things open waits for the loop.  Opens the log ([logging] file).
 * Returns 0, or -1 with err (the catalog was lost with once, or the
 * intake could not start). */
int carb_service_run(struct carb_service *svc, struct carb_error *err);

/* Blocks SIGTERM, SIGINT and SIGHUP in the calling thread (and threads it
 * starts later).  0 or -1 with errno. */
int carb_service_block_signals(void);

#endif
