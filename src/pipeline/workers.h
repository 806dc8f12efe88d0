/* Internal to src/pipeline: the worker pool and its jobs.  The pool is
 * generic: it knows a job only by its operations table.  Each job kind
 * (an integrity check in integrity.c, plugin calls on a group in
 * metadata.c, an archive batch in archiving.c) defines its table, makes
 * and submits its jobs, runs them in a worker and applies their results
 * on the intake thread.  Workers never touch the catalog. */
#ifndef CARB_WORKERS_H
#define CARB_WORKERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

struct carb_intake;
struct carb_job;
struct carb_meta_work;
struct carb_archive_batch;
struct carb_pending;

/* What a job kind does with its jobs. */
struct carb_job_ops {
	/* In a worker thread: the work (reads files, calls the plugin,
	 * archives); fills in the job's results. */
	void (*run)(struct carb_job *job);
	/* On the intake thread, once the job is back: its results become
	 * catalog writes, in the turn's transaction. */
	void (*apply)(struct carb_intake *in, struct carb_job *job);
	/* Releases what the kind's part of the job holds (not the job). */
	void (*release)(struct carb_job *job);
	/* For the watchdog, with the pool's lock held while a worker runs
	 * the job: what it is ("integrity check of NAME") into what, and
	 * the plugin call's group (0: none). */
	int64_t (*describe)(const struct carb_job *job, char *what,
			    size_t size);
	/* Queued before other jobs (archive batches finish what intake
	 * started and free delivery folders). */
	bool first;
	/* Applied while the loop drains after a stop; otherwise the
	 * results are dropped (integrity checks run again next start). */
	bool drained;
};

/* One job: the pool's part, then each kind's data (a kind reads only
 * its own). */
/* NAME.sha256/.sha1/.md5, STEM.sha256/.sha1/.md5 and the manifest. */
#define CARB_JOB_SIDECARS 7

struct carb_job {
	struct carb_job *next;
	const struct carb_job_ops *ops;
	/* How long it may run before the watchdog takes it for hung
	 * (carb_intake_job_limit); 0: no bound. */
	int64_t limit_ms;
	/* metadata.c: plugin calls on a group */
	struct carb_meta_work *meta;
	/* archiving.c: one archive batch */
	struct carb_archive_batch *batch;
	struct carb_pending *pend;   /* batch: the n items' pipeline data */
	size_t dest;
	/* integrity.c: one integrity check */
	int64_t id;
	size_t watch;
	int root_fd;
	char *rel;
	size_t rel_len;
	uint64_t min_size;
	enum carb_checksum_policy checksum;
	bool is_sidecar;          /* sidecars are not checked against sidecars */
	/* rel paths of recorded checksum files that may speak for the file
	 * (NAME.<algo>, STEM.<algo>, the manifest), NULL-ended */
	char *sidecars[CARB_JOB_SIDECARS + 1];
	uint32_t check_seq;       /* carb_known.checks when submitted */
	/* A late check: a checksum file recorded after the file went past
	 * integrity.  The content read is the archived copy (alt_fd,
	 * alt_rel) when there is one, else the delivered file; late_hash is
	 * the content_hash recorded for it. */
	bool late;
	char *late_hash;
	int alt_fd;
	char *alt_rel;
	/* results */
	bool passed;
	bool gone;                /* the file vanished before it was read */
	char reason[512];
	char hash[65];
};

/* A new job of kind ops (owned by the caller until submitted). */
struct carb_job *carb_job_new(const struct carb_job_ops *ops);
/* Releases the kind's part (ops->release) and frees the job. */
void carb_job_free(struct carb_job *job);

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

#endif
