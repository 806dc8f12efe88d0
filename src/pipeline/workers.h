/* Internal to src/pipeline: the worker pool and its jobs.  The pool is
 * generic: it knows a job only by its operations table.  Each job kind
 * (an integrity check in integrity.c, plugin calls on a group in
 * metadata.c, an archive batch in archiving.c) declares its own struct
 * around a struct carb_job and its table, makes and submits its jobs,
 * runs them in a worker and applies their results on the intake thread.
 * Workers never touch the catalog. */
#ifndef CARB_WORKERS_H
#define CARB_WORKERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct carb_intake;
struct carb_job;

/* What a job kind does with its jobs. */
struct carb_job_ops {
	/* In a worker thread: the work (reads files, calls the plugin,
	 * archives); fills in the job's results. */
	void (*run)(struct carb_job *job);
	/* On the intake thread, once the job is back: its results become
	 * catalog writes, in the turn's transaction. */
	void (*apply)(struct carb_intake *in, struct carb_job *job);
	/* Frees the job: the kind's struct around it and all it holds. */
	void (*free)(struct carb_job *job);
	/* For the watchdog, with the pool's lock held while a worker runs
	 * the job: what it is ("integrity check of NAME") into what, and
	 * the plugin call's group (0: none). */
	int64_t (*describe)(const struct carb_job *job, char *what,
			    size_t size);
	/* Queued before other jobs, and taken back before them (archive
	 * batches finish what intake started and free delivery folders). */
	bool first;
	/* Its apply is committed at once rather than with the turn (an
	 * archive batch's outcomes: a service killed in a long turn keeps
	 * what it archived). */
	bool commit;
	/* Applied while the loop drains after a stop; otherwise the
	 * results are dropped (integrity checks run again next start). */
	bool drained;
};

/* The pool's part of a job, and all the pool sees of it.  Each kind
 * declares its own struct in its own file with this as its member
 * `job`, and reaches its struct again with CARB_JOB_OF. */
struct carb_job {
	struct carb_job *next;
	const struct carb_job_ops *ops;
	/* How long it may run before the watchdog takes it for hung
	 * (carb_intake_job_limit); 0: no bound. */
	int64_t limit_ms;
};

/* The kind's struct of type `type` whose member `job` is *job_ptr. */
#define CARB_JOB_OF(job_ptr, type) \
	((type *)(void *)((char *)(job_ptr) - offsetof(type, job)))

/* Readies a kind's embedded job (zeroed with its struct) for ops. */
void carb_job_init(struct carb_job *job, const struct carb_job_ops *ops);
/* Frees the job through ops->free; NULL is allowed. */
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
/* The index (0 .. n-1) of the worker thread that calls it, so a job may
 * keep per-worker records; 0 outside the pool's threads. */
size_t carb_workers_self(void);
/* Stops the threads: each finishes the job it is in; one still inside a
 * job after wait_ms is left behind (a hung call cannot be taken back;
 * exiting the process ends it).  Returns how many were left. */
size_t carb_workers_stop_within(struct carb_workers **w, int64_t wait_ms);

#endif
