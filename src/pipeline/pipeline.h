/* pipeline: the path of a file from its delivery folder to a decided group
 * (steps 1-3 of DESIGN.md): watching, settle, recording, integrity and
 * completeness.  The only door into src/pipeline/.
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

/* Opens every watch (inotify watches first, walks later, in run) and
 * starts the workers.  cfg and cat must outlive the intake.  *out is
 * owned by the caller, freed with carb_intake_close. */
int carb_intake_open(const struct carb_config *cfg, struct carb_catalog *cat,
		     struct carb_intake **out, struct carb_error *err);

/* Runs until stop_fd (e.g. a signalfd) becomes readable; returns 0 then,
 * after committing what was done.  Returns -1 on a failure it cannot
 * continue past (the catalog gone), with err set. */
int carb_intake_run(struct carb_intake *in, int stop_fd,
		    struct carb_error *err);

void carb_intake_close(struct carb_intake **in);

#endif
