/* pipeline: the path of a file from its delivery folder to the archive
 * (DESIGN.md "The path of a file"): watching, settle, recording,
 * integrity, completeness, selection, routing, and the archive step's
 * bookkeeping (src/archive/ does the file work).  The only door into
 * src/pipeline/.
 *
 * One thread (the caller's) owns the catalog connection and every status
 * change; worker threads only read files (integrity, checksums) and hand
 * back results.  So steps of one group never race, and catalog writes of
 * one turn of the loop share one transaction. */
#ifndef CARB_PIPELINE_H
#define CARB_PIPELINE_H

#include <stdbool.h>

#include "catalog/catalog.h"
#include "config/config.h"
#include "util/util.h"

/* How a watch is followed, and why: "inotify", or "poll" with the reason
 * (configured, or the filesystem type inotify cannot see changes on).
 * Returns 0, or -1 when path cannot be examined. */
int carb_watch_effective_mode(const struct carb_watch_config *w, bool *poll,
			      char *why, size_t why_size,
			      struct carb_error *err);

struct carb_intake;

struct carb_run_options {
	/* Walk the watches once, process everything ready (due retries
	 * too), wait for work in flight, return.  Watches another run
	 * holds are skipped. */
	bool once;
	/* Decide and log everything, change nothing: the catalog work is
	 * rolled back at the end and no file is written.  Implies once. */
	bool dry_run;
};

/* Takes the lock of every watch, opens them (inotify watches first, walks
 * later, in run) and the archive, and starts the workers.  cfg and cat
 * must outlive the intake.  *out is owned by the caller, freed with
 * carb_intake_close. */
int carb_intake_open(const struct carb_config *cfg, struct carb_catalog *cat,
		     const struct carb_run_options *opts,
		     struct carb_intake **out, struct carb_error *err);

/* Runs until stop_fd (e.g. a signalfd) becomes readable, or with once
 * until the work is done; returns 0 then, after committing what was
 * done.  Returns -1 on a failure it cannot continue past (the catalog
 * gone), with err set. */
int carb_intake_run(struct carb_intake *in, int stop_fd,
		    struct carb_error *err);
/* Files whose integrity check or archive attempt failed in this run. */
size_t carb_intake_failures(const struct carb_intake *in);
/* Watches this run holds (with once, others may be skipped). */
size_t carb_intake_watch_count(const struct carb_intake *in);

void carb_intake_close(struct carb_intake **in);

#endif
