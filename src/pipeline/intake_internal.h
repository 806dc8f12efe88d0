/* Internal to src/pipeline: the intake's shared structures.  Everything
 * here runs on the intake thread except struct carb_job, which workers
 * fill in (workers.c, integrity.c). */
#ifndef CARB_INTAKE_INTERNAL_H
#define CARB_INTAKE_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "archive/archive.h"
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
	int lock_fd;             /* holds the watch's lock file */
	int unread_errno;        /* why the last walk could not read the
				  * folder at all; 0 when it could */
};

struct carb_job;
struct carb_meta_work;

/* A component planned into the archive (its ARCHIVING row written),
 * waiting for a batch. */
struct carb_pending {
	struct carb_pending *next;
	struct carb_archive_item item;
	size_t watch;
	int64_t file_id;
	int64_t attempts;
};

/* A destination at run time: its queue, and whether it is paused for
 * lack of space. */
struct carb_dest_rt {
	const struct carb_destination_config *cfg;
	struct carb_pending *head, *tail;
	size_t queued;
	int64_t queued_bytes;
	size_t batches;           /* at the workers */
	bool paused;
	int64_t next_probe_ms;
};

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
	struct carb_job *results;  /* taken from the workers, not yet applied */
	bool stopping;             /* draining: only archive outcomes count */
	int64_t next_reconcile_ms;
	int64_t next_settle_ms;    /* no candidate is due before; 0: none */
	int64_t next_deadline_us;  /* of a waiting group; 0: none */
	bool in_tx;
	size_t tx_ops;
	bool failed;               /* a catalog write failed: stop */
	struct carb_error fatal;
	struct carb_run_options opts;
	/* archiving */
	int base_fd;               /* archive.base_path, O_PATH */
	struct carb_dest_rt *dests;
	size_t ndests;
	size_t batches;            /* archive batches at the workers */
	size_t batch_files;        /* most files in one, for the fd limit */
	int64_t next_retry_ms;     /* next look for due retries */
	size_t run_failures;       /* files that failed in this run */
	/* rules reloads */
	struct carb_config *rules_cfg;  /* the snapshot in->rules is from */
	int rules_fd;              /* inotify on the rules file's folder */
	int64_t reload_at_ms;      /* a change was seen: reload then */
	/* plugin calls (metadata.c) */
	struct carb_job *meta_head, *meta_tail;  /* queued, not yet marked */
	struct carb_map *meta_groups;  /* gid -> its work, queued or out */
	size_t meta_inflight;
	size_t meta_suspects;      /* queued or out */
	bool meta_suspect_out;
	/* the loop's owner */
	const struct carb_loop_hooks *hooks;
	int64_t busy_at_ms;        /* last hooks->busy call */
	int64_t hung_gid;          /* the group last marked hung; 0: none */
	int64_t drain_end_ms;      /* when a stop's drain gives up; 0: none */
	/* the plugin's grouper (grouping.c) */
	int grouping_fd;           /* STATE_DIR/plugin-grouping, or -1 */
	char *grouping_poison;     /* "WATCH:HEXPATH" a start found marked */
	long long grouping_count;  /* ... and how often it crashed */
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
/* Commits the turn's transaction now (not in a dry run); -1 when the
 * catalog refuses (the intake is marked failed). */
int carb_intake_commit(struct carb_intake *in);
/* Marks the intake failed with err's message unless it already is. */
void carb_intake_fail(struct carb_intake *in, const struct carb_error *err);
/* A plugin mark (files.plugin_call) that starts so tells of a call the
 * watchdog found hung, not of one in flight. */
#define CARB_PLUGIN_HUNG_MARK "hung: "

/* Long work inside one turn calls this often; it tells the loop's owner
 * (hooks->busy) about once a second. */
void carb_intake_busy(struct carb_intake *in);
/* The time bound of a worker job over bytes of files: [service]
 * max_job_time, or less for small jobs (30 s plus 1 s a MiB). */
int64_t carb_intake_job_limit(const struct carb_intake *in, int64_t bytes);

/* watch.c: inotify and walks. */
int carb_watch_setup(struct carb_intake *in, struct carb_error *err);
void carb_watch_walk(struct carb_intake *in, struct carb_watch_rt *w);
void carb_watch_read_events(struct carb_intake *in);
void carb_watch_release(struct carb_intake *in);
/* Whether rel is of the one group `run --input` takes (opts.only_rel's
 * folder and stem); always true without it. */
bool carb_intake_only_wants(const struct carb_intake *in, const char *rel,
			    size_t len);

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
/* Moves the members of group gid from status `from` to `to` (reason may
 * be NULL), keeping the in-memory view in step. */
void carb_groups_move_members(struct carb_intake *in, int64_t gid,
			      const char *from, const char *to,
			      const char *reason);
/* Writes one component status change in the turn's transaction; false
 * when the row was not in ch->old_status or the catalog failed. */
bool carb_intake_change(struct carb_intake *in, int64_t id,
			const struct carb_component_change *ch);
/* The run-time watch named name, or NULL when this run does not hold it. */
struct carb_watch_rt *carb_intake_watch(struct carb_intake *in,
					const char *name);
/* Keeps the in-memory status of component id at rel in step. */
void carb_known_status(struct carb_watch_rt *w, const char *rel, size_t len,
		       int64_t id, const char *status);

/* stage.c: steps 5 and 6 for a READY group: selection, routing, the
 * duplicate check and the planned path; planned components are queued. */
void carb_stage_group(struct carb_intake *in, int64_t gid);
/* A group born READY with its one member, both just written: staged as
 * carb_stage_group would, without reading them back.  Takes g (zeroed). */
struct carb_stage_member {
	int64_t id;
	const char *rel;
	size_t rel_len;
	int64_t size, device, inode;
	int64_t generation;
	const char *hash;         /* NULL: no content hash recorded */
};
void carb_stage_born(struct carb_intake *in, struct carb_group_info *g,
		     const struct carb_stage_member *m);
/* A member that joined group gid after it was routed (READY, late):
 * archived to the group's destination, without selecting again. */
void carb_stage_late(struct carb_intake *in, int64_t gid);
/* The group's status once its members have their outcomes. */
void carb_stage_settle_group(struct carb_intake *in, int64_t gid);
/* Steps 5 and 6 once the plugin's calls on group gid came back. */
void carb_stage_decide(struct carb_intake *in, int64_t gid,
		       const struct carb_meta_work *mw);
/* Group gid crashed the plugin too often: it and its READY members are
 * FAILED with "plugin crashed in CALL". */
void carb_stage_crashed(struct carb_intake *in, int64_t gid,
			const char *call);
/* Group gid crashed the plugin once: its calls run again, alone. */
void carb_stage_suspect(struct carb_intake *in, int64_t gid);

/* grouping.c: a file's group key (step 3), by folder and stem or by the
 * plugin's grouper, with crashes of the grouper contained. */
int carb_grouping_open(struct carb_intake *in, struct carb_error *err);
void carb_grouping_close(struct carb_intake *in);
/* 0 with *key (owned, the folder and the group's stem) and *klen; -1
 * with *reason (owned) when the grouper failed or crashed too often. */
int carb_grouping_key(struct carb_intake *in, struct carb_watch_rt *w,
		      const struct carb_job *job, int64_t size,
		      char **key, size_t *klen, char **reason);

/* metadata.c: step 4, the plugin's calls on a READY group, in a worker. */
bool carb_metadata_wanted(const struct carb_intake *in);
/* A new piece of work for group gid, or NULL when the group already has
 * one queued or out.  Members are added with carb_metadata_member. */
struct carb_meta_work *carb_metadata_new(struct carb_intake *in, int64_t gid,
					 const char *watch, const char *key,
					 size_t key_len, int dirfd);
void carb_metadata_member(struct carb_meta_work *mw, const char *rel,
			  size_t rel_len, const char *ext, size_t ext_len,
			  int64_t size, const char *hash);
void carb_metadata_set_suspect(struct carb_meta_work *mw);
/* Queues mw (the intake owns it from now on). */
void carb_metadata_queue(struct carb_intake *in, struct carb_meta_work *mw);
/* Marks what may start, commits the marks, hands the work to workers. */
void carb_metadata_submit(struct carb_intake *in);
bool carb_metadata_busy(const struct carb_intake *in);
/* What a worker does with a job holding work. */
void carb_metadata_run(struct carb_meta_work *mw);
void carb_metadata_apply(struct carb_intake *in, struct carb_job *job);
/* Counts the crashes the marks left by a previous run tell. */
void carb_metadata_recover(struct carb_intake *in);
void carb_metadata_close(struct carb_intake *in);
void carb_meta_work_free(struct carb_meta_work *mw);
/* For the watchdog, while a worker runs mw: its group, and the rules key
 * and name of the function it is in ("metadata.extract NAME"; the whole
 * call when between functions).  Safe from another thread. */
int64_t carb_metadata_describe(const struct carb_meta_work *mw, char *what,
			       size_t size);
/* The outcome's parts, for stage.c. */
const struct carb_plugin_outcome *carb_meta_outcome(const struct carb_meta_work *mw);
/* The rules key of the function that failed (NULL: none) and its name. */
const char *carb_meta_failure(const struct carb_meta_work *mw,
			      const char **fname);
/* The selector's verdict: -1 none ran, 0 rejected, 1 kept. */
int carb_meta_verdict(const struct carb_meta_work *mw);

/* archiving.c: queues, batches and their outcomes, retries. */
int carb_archiving_open(struct carb_intake *in, struct carb_error *err);
void carb_archiving_close(struct carb_intake *in);
/* Queues a component whose ARCHIVING row is written. */
void carb_archiving_queue(struct carb_intake *in, struct carb_dest_rt *d,
			  struct carb_pending *p);
struct carb_dest_rt *carb_archiving_dest(struct carb_intake *in,
					 const char *name);
/* Hands queued work to the workers; only after the turn committed. */
void carb_archiving_submit(struct carb_intake *in);
void carb_archiving_apply(struct carb_intake *in, struct carb_job *job);
/* What a previous run left in flight: every ARCHIVING row is queued
 * again, so this comes before anything of this run plans a file (or that
 * file is queued twice), and READY groups are routed. */
void carb_archiving_recover(struct carb_intake *in);
/* Due retries (all of them on the first turn).  Returns the next time
 * (monotonic ms) it wants a turn. */
int64_t carb_archiving_tick(struct carb_intake *in, bool first);
/* Whether archive work is queued or at the workers (paused destinations
 * aside). */
bool carb_archiving_busy(const struct carb_intake *in);

/* locks.c: one lock file per watch, so two runs never handle one watch. */
/* Returns the descriptor holding the lock, -2 when another process holds
 * it (*holder: its pid, 0 when unknown), -1 with err on a failure.  A dry
 * run writes nothing: it neither makes the lock file nor puts its pid in
 * it, and returns CARB_WATCH_LOCK_NONE when there is no file to lock. */
#define CARB_WATCH_LOCK_NONE (-3)
int carb_watch_lock(const char *state_dir, const char *watch, bool dry_run,
		    long *holder, struct carb_error *err);

/* rules_reload.c: rules.toml changes applied while running. */
int carb_rules_reload_open(struct carb_intake *in, struct carb_error *err);
void carb_rules_reload_events(struct carb_intake *in);
void carb_rules_reload_tick(struct carb_intake *in);
void carb_rules_reload_close(struct carb_intake *in);

/* One integrity check, filled by the intake thread, run by a worker; or
 * one archive batch (batch != NULL). */
struct carb_job {
	struct carb_job *next;
	struct carb_meta_work *meta;  /* plugin calls on a group */
	struct carb_archive_batch *batch;
	struct carb_pending *pend;   /* batch: the n items' pipeline data */
	size_t dest;
	/* How long it may run before the watchdog takes it for hung
	 * (carb_intake_job_limit); 0: no bound. */
	int64_t limit_ms;
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
/* The running job that has run longest past its limit_ms at now_ms, or
 * none: returns whether there is one, and describes it in what (its kind
 * and subject, how long it has run) through describe, called with the
 * pool's lock held (the job is still the worker's: read only what does
 * not change while it runs). */
bool carb_workers_overdue(struct carb_workers *w, int64_t now_ms,
			  void (*describe)(const struct carb_job *job,
					   int64_t ran_ms, void *ctx),
			  void *ctx);
/* Stops the threads: each finishes the job it is in; one still inside a
 * job after wait_ms is left behind (a hung call cannot be taken back;
 * exiting the process ends it).  Returns how many were left. */
size_t carb_workers_stop_within(struct carb_workers **w, int64_t wait_ms);
void carb_job_free(struct carb_job *job);

/* Runs one integrity check: what a worker does with a job. */
void carb_integrity_check(struct carb_job *job);

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
