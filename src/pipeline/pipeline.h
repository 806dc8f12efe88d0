/* pipeline: the path of a file from its delivery folder to the archive
 * (DESIGN.md "The path of a file"): watching, settle, recording,
 * integrity, completeness, selection, routing, and the archive step's
 * bookkeeping (src/archive/ does the file work); and reconciliation,
 * which compares the catalog with the delivery folders and the archive.
 * The only door into src/pipeline/.
 *
 * One thread (the caller's) owns the catalog connection and every status
 * change; worker threads only read files (integrity, checksums) and hand
 * back results.  So steps of one group never race, and catalog writes of
 * one turn of the loop share one transaction. */
#ifndef CARB_PIPELINE_H
#define CARB_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog/catalog.h"
#include "config/config.h"
#include "plugin/plugin.h"
#include "util/util.h"

/* How a watch is followed, and why: "inotify", or "poll" with the reason
 * (configured, or the filesystem type inotify cannot see changes on).
 * Returns 0, or -1 when path cannot be examined. */
int carb_watch_effective_mode(const struct carb_watch_config *w, bool *poll,
			      char *why, size_t why_size,
			      struct carb_error *err);

/* File names as intake takes them, for whoever puts files into a watch
 * (uploads) and must pick names intake will take, by the same test. */
/* Why name (len bytes, from readdir or from outside) cannot be one
 * entry of a folder: empty, "." or "..", a '/' or a NUL inside, longer
 * than NAME_MAX bytes.  NULL when it can; else static text. */
const char *carb_name_invalid(const char *name, size_t len);
/* Whether the watch takes the file named base: not reserved, not
 * excluded, and included when the watch has include patterns. */
bool carb_name_wanted(const char *base, const struct carb_watch_config *w);
/* Names carbonation keeps for itself (CARB_TMP_PREFIX...): never taken,
 * whatever the watch's exclude says. */
bool carb_name_reserved(const char *base);

struct carb_intake;

struct carb_run_options {
	/* Walk the watches once, process everything ready (due retries
	 * too), wait for work in flight, return.  Watches another run
	 * holds are skipped. */
	bool once;
	/* Decide and log everything, change nothing: the catalog work is
	 * rolled back at the end and no file is written.  Implies once. */
	bool dry_run;
	/* The loaded plugin, or NULL; not owned, outlives the intake. */
	struct carb_plugin_rt *plugin;
	/* With once: only watch only_watch is opened, and its walk looks
	 * only at the folder of only_rel (a path in it) and the names with
	 * the stem of only_rel's: one file and its group (`run --input`).
	 * What a previous run left in flight in that watch is finished
	 * too.  Not owned. */
	const char *only_watch;
	const char *only_rel;
	/* Where the intake counts (docs/service.md "Metrics"); borrowed,
	 * outlives the intake, and may outlive several (a catalog outage
	 * reopens it) so counters only grow. */
	struct carb_metrics *metrics; /* may be NULL: nothing counted */
};

/* Takes the lock of every watch, opens them (inotify watches first, walks
 * later, in run) and the archive, and starts the workers.  cfg and cat
 * must outlive the intake.  *out is owned by the caller, freed with
 * carb_intake_close. */
int carb_intake_open(const struct carb_config *cfg, struct carb_catalog *cat,
		     const struct carb_run_options *opts,
		     struct carb_intake **out, struct carb_error *err);

/* What the loop's owner (src/service/) hears of it.  Every callback runs
 * on the loop's thread, between two steps, so a loop that is stuck (a
 * catalog call that never returns) stops calling them: that is what the
 * watchdog relies on.  Any callback may be NULL. */
struct carb_loop_hooks {
	void *ctx;
	/* Polled with the loop's own descriptors; when it is readable,
	 * control is called, and returns true to stop the loop (then
	 * in-flight archives drain, as on a stop). */
	int fd;
	bool (*control)(void *ctx, struct carb_intake *in);
	/* After each turn.  first_done: the first walk of every watch is
	 * over.  Returns the longest the loop may sleep before the next
	 * call (ms); 0: no bound. */
	int64_t (*turned)(void *ctx, struct carb_intake *in, bool first_done);
	/* Inside long work of one turn (the walk of a large folder, a long
	 * run of results), about once a second: the loop is not stuck. */
	void (*busy)(void *ctx, struct carb_intake *in);
};

/* Runs until hooks->control says stop, or with once until the work is
 * done; returns 0 then, after committing what was done.  Returns -1 on a
 * failure it cannot continue past (the catalog gone), with err set. */
int carb_intake_run(struct carb_intake *in, const struct carb_loop_hooks *hooks,
		    struct carb_error *err);

/* A picture of the intake for the status line and the watchdog.  Counts
 * are of components, by status, over the watches this run holds. */
struct carb_intake_stats {
	size_t watches;
	size_t watches_lost;        /* folder gone or unreadable */
	size_t settling;            /* seen, not yet recorded */
	size_t pending;             /* PENDING and READY */
	size_t waiting;             /* WAITING for group members */
	size_t archiving;           /* ARCHIVING: queued or in a batch */
	size_t retrying;            /* RETRY_PENDING */
	size_t failed;              /* FAILED and INTEGRITY_FAILED */
	size_t archived;            /* ARCHIVED */
	const char *paused;         /* a paused destination's name, or NULL */
	int64_t last_event_at;      /* the last inotify event read (wall
				     * clock, us); 0: none yet */
	int64_t last_walk_at;       /* the last walk of a watch ended */
};
void carb_intake_stats(struct carb_intake *in, struct carb_intake_stats *st);
/* Whether a worker has been inside one job past its bound ([service]
 * max_job_time, [plugins] timeout): then what says which job and for how
 * long.  A plugin call found so is marked hung in the catalog, so that
 * the next start counts it as a crash of its group with that reason. */
bool carb_intake_overdue(struct carb_intake *in, char *what, size_t size);
/* New rules, applied as a rules.toml change is: NOT_SELECTED groups are
 * judged again.  keep (owned by the intake from now on) is the snapshot
 * rules live in, or that holds what a reload replaced; it is freed at the
 * next change. */
void carb_intake_use_rules(struct carb_intake *in,
			   const struct carb_rules *rules,
			   struct carb_config *keep);
/* Whether carb_intake_run failed on a lock conflict (a deadlock, a lock
 * wait timeout, a busy SQLite file): its transaction was rolled back and
 * a new intake on the same catalog may simply try again. */
bool carb_intake_failed_transient(const struct carb_intake *in);
/* Files whose integrity check or archive attempt failed in this run. */
size_t carb_intake_failures(const struct carb_intake *in);
/* Watches this run holds (with once, others may be skipped). */
size_t carb_intake_watch_count(const struct carb_intake *in);
/* Watches whose folder the last walk could not read at all (its
 * permissions, or gone): how many; when why is not NULL, appends
 * `watch "NAME" (PATH: reason)` for each, separated by ", ". */
size_t carb_intake_unread_watches(const struct carb_intake *in,
				  struct carb_buf *why);

/* Frees the intake.  Workers get [service] shutdown_timeout to leave the
 * job they are in; returns how many did not (stuck in a call that cannot
 * be taken back: the caller must not unload the plugin, and should
 * exit). */
size_t carb_intake_close(struct carb_intake **in);

/* ---- reconciliation: the catalog against the disk -------------------- */

/* One disagreement between the catalog and the disk, handed to the
 * caller's callback; every pointer lives until the callback returns.
 *
 * klass: "unrecorded" or "vanished" (delivery); "missing", "not-regular",
 * "wrong-target", "size-mismatch", "hash-mismatch" or "unreadable"
 * (archive).  path is bytes: the path relative to the watch (delivery) or
 * to archive.base_path (archive).  component is the row's id, 0 when
 * there is none (unrecorded).  detail says what was found, in printable
 * text (names escaped as \xNN).  action says what --fix did, NULL
 * without --fix. */
struct carb_discrepancy {
	const char *klass;
	const char *watch;
	const char *path;
	size_t path_len;
	int64_t component;
	const char *detail;
	const char *action;
};

typedef void (*carb_discrepancy_cb)(void *ctx,
				    const struct carb_discrepancy *d);

/* Compares each watch folder (watch: that one only; NULL: every watch)
 * with the catalog.
 *   unrecorded  a regular file the watch takes (include, exclude,
 *               recursive; never through a symlink) that has no row for
 *               its path at all.  --fix leaves it to the service's next
 *               walk, which records it once it has settled.
 *   vanished    the newest generation of a path has a status in which its
 *               file must still be in the folder (PENDING,
 *               INTEGRITY_FAILED, WAITING, TIMED_OUT, READY, NOT_SELECTED,
 *               RETRY_PENDING, FAILED) and no regular file is there (for
 *               INTEGRITY_FAILED: nothing at all, since intake records a
 *               symlink or FIFO there as a failure).  --fix: WITHDRAWN,
 *               guarded by the status seen, so a concurrent change wins.
 * Returns 0 (discrepancies or not), or -1 with err set when a watch
 * folder cannot be read or the catalog fails. */
int carb_reconcile_delivery(const struct carb_config *cfg,
			    struct carb_catalog *cat, const char *watch,
			    bool fix, carb_discrepancy_cb cb, void *ctx,
			    struct carb_error *err);

/* Checks the archived copy of every ARCHIVED component (of watch, or of
 * every watch when NULL) under archive.base_path, opened beneath it
 * without following any symlink: missing, not-regular (a symlink
 * expected for symlink destinations), wrong-target (symlink mode: another
 * target, or the target gone), size-mismatch, hash-mismatch (deep only:
 * SHA-256 against content_hash), unreadable (it could not be examined).
 * --fix: when the delivered file is still in its watch (a regular file of
 * the recorded size, and hash with deep, and the row is the newest
 * generation of its path) the component is queued again
 * (RETRY_PENDING); otherwise it is marked missing (missing_at).  Nothing
 * on disk is ever changed.  Returns as carb_reconcile_delivery. */
int carb_reconcile_archive(const struct carb_config *cfg,
			   struct carb_catalog *cat, const char *watch,
			   bool deep, bool fix, carb_discrepancy_cb cb,
			   void *ctx, struct carb_error *err);

#endif
