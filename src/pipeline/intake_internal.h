/* Internal to src/pipeline: the intake's shared structures.  Everything
 * here runs on the intake thread except jobs (workers.h), which workers
 * run. */
#ifndef CARB_INTAKE_INTERNAL_H
#define CARB_INTAKE_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "archive/archive.h"
#include "pipeline/pipeline.h"
#include "pipeline/status.h"
#include "pipeline/turn.h"
#include "pipeline/workers.h"

/* What intake remembers of a recorded component: the newest generation of
 * each path, so a walk can tell new files from known ones without a
 * query per file. */
struct carb_known {
	int64_t id;
	int64_t generation;
	int64_t size, mtime_us, device, inode;
	enum carb_status status;
	/* Integrity checks submitted for it: a result is applied only when
	 * it is the newest check's (a sidecar recorded meanwhile makes the
	 * older one stale). */
	uint32_t checks;
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
	struct carb_map *refused;  /* paths too long for the catalog, said
				    * once -> "" */
	int lock_fd;             /* holds the watch's lock file */
	int unread_errno;        /* why the last walk could not read the
				  * folder at all; 0 when it could */
};

struct carb_meta_work;

/* An integrity check's subject and result (integrity.c runs it,
 * groups.c applies it). */
struct carb_check {
	int64_t id;               /* the component */
	size_t watch;
	char *rel;
	size_t rel_len;
	uint32_t seq;             /* carb_known.checks when submitted */
	bool is_sidecar;          /* sidecars are not checked against sidecars */
	/* A late check: of a checksum file recorded after the file went
	 * past integrity, against the content recorded for it. */
	bool late;
	/* results */
	bool passed;
	bool gone;                /* the file vanished before it was read */
	char reason[512];
	char hash[65];
	char xxh128[33];          /* "" when [integrity] hashes lacks it */
};

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
	int64_t last_event_us;     /* wall clock: the heartbeat shows them */
	int64_t last_walk_us;
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
	struct carb_turn *turn;    /* the turn's transaction and failure */
	struct carb_run_options opts;
	/* the steps' own state (opaque: defined in their .c) */
	struct carb_settle *settle;        /* settle.c */
	struct carb_integrity *integrity;  /* integrity.c */
	struct carb_groups *groups;        /* groups.c */
	struct carb_stage *stage;          /* stage.c */
	struct carb_archiving *archiving;  /* archiving.c */
	struct carb_grouping *grouping;    /* grouping.c */
	struct carb_metadata *metadata;    /* metadata.c */
	struct carb_rules_reload *reload;  /* rules_reload.c */
	/* the loop's owner */
	const struct carb_loop_hooks *hooks;
	int64_t busy_at_ms;        /* last hooks->busy call */
	int64_t hung_gid;          /* the group last marked hung; 0: none */
	int64_t drain_end_ms;      /* when a stop's drain gives up; 0: none */
	int64_t metrics_ms;        /* the gauges' last refresh; 0: never */
};

/* Where an inotify watch or a pending rename points. */
struct carb_wd_ref {
	size_t watch;
	char *rel;                 /* folder (watches) or file (renames) */
	size_t rel_len;
};

/* A plugin mark (files.plugin_call) that starts so tells of a call the
 * watchdog found hung, not of one in flight. */
#define CARB_PLUGIN_HUNG_MARK "hung: "

/* loop.c: the loop (carb_intake_run: turns, then the drain).  Long work
 * inside one turn calls this often; it tells the loop's owner
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
void carb_settle_open(struct carb_intake *in);
void carb_settle_close(struct carb_intake *in);
/* Files refused in this run (names too long for the catalog). */
size_t carb_settle_failures(const struct carb_intake *in);
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
/* Records what has settled when a candidate may be due; returns the next
 * time (monotonic ms) a candidate needs a look, or 0 when none waits. */
int64_t carb_settle_tick(struct carb_intake *in, int64_t now_ms);
void carb_settle_depart(struct carb_intake *in, struct carb_watch_rt *w,
			const char *rel, size_t len);
void carb_settle_rename(struct carb_intake *in, struct carb_watch_rt *w,
			const char *from, size_t from_len, const char *to,
			size_t to_len);
void carb_known_put(struct carb_watch_rt *w, const char *rel, size_t len,
		    const struct carb_known *k);

/* groups.c: results of integrity, completeness, timeouts.  Applies an
 * integrity check's result (the integrity job's apply). */
void carb_groups_apply(struct carb_intake *in, struct carb_check *chk);
/* Opens step 3 with the next group deadline the catalog knows. */
int carb_groups_open(struct carb_intake *in, struct carb_error *err);
void carb_groups_close(struct carb_intake *in);
/* Judges the waiting groups when a deadline has passed. */
void carb_groups_tick(struct carb_intake *in);
/* The next deadline of a waiting group (wall clock us; 0: none). */
int64_t carb_groups_deadline(const struct carb_intake *in);
/* Files that failed integrity in this run. */
size_t carb_groups_failures(const struct carb_intake *in);
/* A file that may belong to a group left the running (INTEGRITY_FAILED,
 * WITHDRAWN): its WAITING group, held for it, is judged again. */
void carb_groups_sibling_done(struct carb_intake *in, struct carb_watch_rt *w,
			      const char *rel, size_t len);
/* group_wait.c: what a group waits for beyond its required extensions.
 * Whether a file that may belong to the group of folder+stem key is
 * settling or being checked (the members' own rels, n of them, aside):
 * the group is not judged before it is.  Always false with a plugin
 * grouper, whose keys cannot be known before a file passed. */
bool carb_group_wait_held(const struct carb_intake *in,
			  const struct carb_watch_rt *w, const char *key,
			  size_t klen, char *const *rels, const size_t *lens,
			  size_t n);
/* The names the group's checksum file (KEY.sha256, .sha1 or .md5, among
 * the members rels) lists that are not members, space-separated (owned);
 * NULL when none.  *from: the checksum file's rel (pointing into rels). */
char *carb_group_wait_named(const struct carb_intake *in,
			    const struct carb_watch_rt *w, const char *key,
			    size_t klen, char *const *rels, const size_t *lens,
			    size_t n, const char **from);
/* Whether base[0..len) is the checksum file of the group of stem
 * stem[0..stem_len): STEM.sha256, STEM.sha1 or STEM.md5. */
bool carb_name_is_group_sum(const char *base, size_t len, const char *stem,
			    size_t stem_len);
/* The run-time watch named name, or NULL when this run does not hold it. */
struct carb_watch_rt *carb_intake_watch(struct carb_intake *in,
					const char *name);

/* stage.c: steps 5 and 6 for a READY group: selection, routing, the
 * duplicate check and the planned path; planned components are queued. */
void carb_stage_open(struct carb_intake *in);
void carb_stage_close(struct carb_intake *in);
/* Files FAILED by selection, routing or the plugin in this run. */
size_t carb_stage_failures(const struct carb_intake *in);
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
		      const struct carb_check *chk, int64_t size,
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
/* Counts the crashes the marks left by a previous run tell. */
void carb_metadata_recover(struct carb_intake *in);
void carb_metadata_open(struct carb_intake *in);
void carb_metadata_close(struct carb_intake *in);
/* Plugin calls at the workers. */
size_t carb_metadata_inflight(const struct carb_intake *in);
/* Groups whose plugin calls are queued or at the workers. */
size_t carb_metadata_groups(const struct carb_intake *in);
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
/* Archive batches at the workers. */
size_t carb_archiving_batches(const struct carb_intake *in);
/* archive.base_path (O_PATH), for reading archived copies. */
int carb_archiving_base_fd(const struct carb_intake *in);
/* Files FAILED by archiving in this run (leftovers of a run --once
 * among them). */
size_t carb_archiving_failures(const struct carb_intake *in);
/* The name of a paused destination, or NULL when none is. */
const char *carb_archiving_paused(const struct carb_intake *in);
/* Sets each destination's carbonation_destination_paused in m (may be
 * NULL); returns the components queued for a batch, over them all. */
size_t carb_archiving_gauges(const struct carb_intake *in,
			     struct carb_metrics *m);
/* With once, at the end: what destinations could not take is logged and
 * counted among the run's failures. */
void carb_archiving_leftovers(struct carb_intake *in);

/* health.c: the gauges of opts.metrics (components by status, queue
 * depths, paused destinations) from the intake's in-memory view, at most
 * once a second unless force, since it walks every known component.  After
 * each turn, and forced at the end of a run; nothing without a registry. */
void carb_health_metrics(struct carb_intake *in, bool force);

/* locks.c: one lock file per watch, so two runs never handle one watch. */
/* Returns the descriptor holding the lock, -2 when another process holds
 * it (*holder: its pid, 0 when unknown), -1 with err on a failure.  A dry
 * run writes nothing: it neither makes the lock file nor puts its pid in
 * it, and returns CARB_WATCH_LOCK_NONE when there is no file to lock. */
#define CARB_WATCH_LOCK_NONE (-3)
int carb_watch_lock(const char *state_dir, const char *watch, bool dry_run,
		    long *holder, struct carb_error *err);

/* rules_reload.c: rules.toml changes applied while running. */
void carb_rules_reload_init(struct carb_intake *in);
int carb_rules_reload_open(struct carb_intake *in, struct carb_error *err);
/* Its inotify descriptor (-1: none), and when a change is due to be
 * read (monotonic ms; 0: none), for the loop's poll. */
int carb_rules_reload_fd(const struct carb_intake *in);
int64_t carb_rules_reload_due(const struct carb_intake *in);
void carb_rules_reload_events(struct carb_intake *in);
void carb_rules_reload_tick(struct carb_intake *in);
void carb_rules_reload_close(struct carb_intake *in);

/* integrity.c: step 2, in a worker.  Opened after archiving (a late
 * check reads the archived copy). */
void carb_integrity_open(struct carb_intake *in);
void carb_integrity_close(struct carb_intake *in);
/* Queues an integrity check of a recorded component (status PENDING);
 * its result comes back to carb_groups_apply. */
void carb_integrity_submit(struct carb_intake *in, struct carb_watch_rt *w,
			   const char *rel, size_t len, int64_t id);
/* A late check of component id (past integrity) against the checksum
 * files recorded for it now: hash is its content_hash, archived its
 * archive_path when it is ARCHIVED (else NULL).  Nothing is submitted
 * when no checksum file speaks for it. */
void carb_integrity_submit_late(struct carb_intake *in,
				struct carb_watch_rt *w, const char *rel,
				size_t len, int64_t id, const char *hash,
				const char *archived, size_t archived_len);

/* "symlink", "fifo", "directory"...: what a file that is not regular is,
 * in messages and reasons. */
const char *carb_file_type_name(mode_t m);

/* Names: the stem and extension of a base name (see docs/intake.md,
 * "Groups"), a checksum sidecar's algorithm, and the watch's
 * include/exclude test. */
/* The last component of rel[0..len); *base_len receives its length. */
const char *carb_name_base(const char *rel, size_t len, size_t *base_len);
void carb_name_split(const char *base, size_t len, size_t *stem_len);
bool carb_name_is_sidecar(const char *base, size_t len,
			  const struct carb_watch_config *w);
/* carb_name_invalid, carb_name_wanted and carb_name_reserved are in
 * pipeline.h: uploads (src/http/) ask them too. */

#endif
