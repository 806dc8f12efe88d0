/* Internal to src/pipeline: the intake's shared structures.  Everything
 * here runs on the intake thread except struct carb_job, which workers
 * fill in (workers.c, integrity.c). */
#ifndef CARB_INTAKE_INTERNAL_H
#define CARB_INTAKE_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "pipeline/pipeline.h"

/* What intake remembers of a recorded component: the newest generation of
 * each path, so a walk can tell new files from known ones without a
 * query per file. */
struct carb_known {
	int64_t id;
	int64_t generation;
	int64_t size, mtime_us, device, inode;
	char status[24];
};

/* A file seen but not yet settled. */
struct carb_candidate {
	struct stat st;
	int64_t changed_ms;   /* when st last changed (monotonic) */
	bool created;         /* inotify saw it created here */
	bool writer;          /* inotify saw it written in place */
	bool closed;          /* ... and the writer closed it */
};

struct carb_watch_rt {
	const struct carb_watch_config *cfg;
	size_t index;
	int root_fd;             /* O_PATH folder; -1 while it is gone */
	bool poll;
	char why[128];
	int64_t next_walk_ms;    /* poll mode, or a pending rescan */
	struct carb_map *known;  /* rel path -> struct carb_known */
	struct carb_map *inodes; /* "dev:ino" -> strdup'ed rel path */
	struct carb_map *cands;  /* rel path -> struct carb_candidate */
	struct carb_map *dirs;   /* rel dir ("" for the root) -> wd+1 */
};

struct carb_job;

/* The intake: one per `carbonation run`. */
struct carb_intake {
	const struct carb_config *cfg;
	const struct carb_rules *rules;
	struct carb_catalog *cat;
	struct carb_watch_rt *watches;
	size_t nwatches;
	int ifd;                   /* inotify; -1 when every watch polls */
	struct carb_map *wds;      /* wd -> struct carb_wd_ref */
	struct carb_map *moved;    /* cookie -> struct carb_wd_ref (file) */
	struct carb_workers *workers;
	int done_fd;
	int64_t next_reconcile_ms;
	int64_t next_settle_ms;    /* no candidate is due before; 0: none */
	int64_t next_deadline_us;  /* of a waiting group; 0: none */
	bool in_tx;
	size_t tx_ops;
	bool failed;               /* a catalog write failed: stop */
	struct carb_error fatal;
};

/* Where an inotify watch or a pending rename points. */
struct carb_wd_ref {
	size_t watch;
	char *rel;                 /* folder (watches) or file (renames) */
	size_t rel_len;
};

/* Statuses in which a component still waits to be processed: it may be
 * renamed, withdrawn, or checked again. */
bool carb_status_open(const char *status);

/* Transactions: a write opens one when none is open; the loop commits
 * once a turn.  Returns false (and marks the intake failed) when the
 * catalog refuses. */
bool carb_intake_tx(struct carb_intake *in);
/* Marks the intake failed with err's message unless it already is. */
void carb_intake_fail(struct carb_intake *in, const struct carb_error *err);

/* watch.c: inotify and walks. */
int carb_watch_setup(struct carb_intake *in, struct carb_error *err);
void carb_watch_walk(struct carb_intake *in, struct carb_watch_rt *w);
void carb_watch_read_events(struct carb_intake *in);
void carb_watch_release(struct carb_intake *in);

/* settle.c: candidates, recording, renames and departures. */
enum carb_seen {
	CARB_SEEN_SCAN,
	CARB_SEEN_CREATED,
	CARB_SEEN_MODIFIED,
	CARB_SEEN_CLOSED,
	CARB_SEEN_MOVED_IN,
	CARB_SEEN_ATTRIB,
};
void carb_settle_observe(struct carb_intake *in, struct carb_watch_rt *w,
			 const char *rel, size_t len, enum carb_seen how);
/* Records what has settled; returns the next time (monotonic ms) a
 * candidate needs a look, or 0 when none waits. */
int64_t carb_settle_tick(struct carb_intake *in, int64_t now_ms);
void carb_settle_depart(struct carb_intake *in, struct carb_watch_rt *w,
			const char *rel, size_t len);
void carb_settle_rename(struct carb_intake *in, struct carb_watch_rt *w,
			const char *from, size_t from_len, const char *to,
			size_t to_len);
void carb_known_put(struct carb_watch_rt *w, const char *rel, size_t len,
		    const struct carb_known *k);
/* Queues an integrity check of a recorded component (status PENDING). */
void carb_intake_submit(struct carb_intake *in, struct carb_watch_rt *w,
			const char *rel, size_t len, int64_t id);

/* groups.c: results of integrity, completeness, timeouts. */
void carb_groups_apply(struct carb_intake *in, struct carb_job *job);
void carb_groups_tick(struct carb_intake *in);

/* One integrity check, filled by the intake thread, run by a worker. */
struct carb_job {
	struct carb_job *next;
	int64_t id;
	size_t watch;
	int root_fd;
	char *rel;
	size_t rel_len;
	uint64_t min_size;
	enum carb_checksum_policy checksum;
	bool is_sidecar;          /* sidecars are not checked against sidecars */
	char *sidecars[4];        /* rel paths of recorded sidecars, NULL-ended */
	/* results */
	bool passed;
	bool gone;                /* the file vanished before it was read */
	char reason[512];
	char hash[65];
};

struct carb_workers;

/* Starts n threads.  done_fd (an eventfd) is signalled when results are
 * waiting. */
struct carb_workers *carb_workers_start(size_t n, int *done_fd);
/* Hands job to a worker; the pool owns it until it comes back. */
void carb_workers_submit(struct carb_workers *w, struct carb_job *job);
/* Takes every finished job (a list, oldest first); the caller frees them
 * with carb_job_free. */
struct carb_job *carb_workers_take(struct carb_workers *w);
/* Jobs submitted and not yet taken back. */
size_t carb_workers_busy(struct carb_workers *w);
void carb_workers_stop(struct carb_workers **w);
void carb_job_free(struct carb_job *job);

/* Runs one integrity check: what a worker does with a job. */
void carb_integrity_check(struct carb_job *job);

/* Opens folder rel_dir (bytes, may be "") below root_fd without following
 * a symlink at any level; O_PATH|O_DIRECTORY.  -1 with errno set. */
int carb_open_beneath(int root_fd, const char *rel_dir, int flags);
/* "symlink", "fifo", "directory"...: what a file that is not regular is,
 * in messages and reasons. */
const char *carb_file_type_name(mode_t m);

/* Names: the stem and extension of a base name (see README "Groups"), a
 * checksum sidecar's algorithm, and the watch's include/exclude test. */
/* The last component of rel[0..len); *base_len receives its length. */
const char *carb_name_base(const char *rel, size_t len, size_t *base_len);
void carb_name_split(const char *base, size_t len, size_t *stem_len);
bool carb_name_is_sidecar(const char *base, size_t len,
			  const struct carb_watch_config *w);
/* Whether the watch takes the file named base: not reserved, not
 * excluded, and included when the watch has include patterns. */
bool carb_name_wanted(const char *base, const struct carb_watch_config *w);
/* Names carbonation keeps for itself (CARB_TMP_PREFIX...). */
bool carb_name_reserved(const char *base);

#endif
