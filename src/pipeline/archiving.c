/* Step 7 as the catalog sees it: planned components wait in their
 * destination's queue, go to the workers in batches once their ARCHIVING
 * rows are committed, and come back with outcomes that become ARCHIVED,
 * RETRY_PENDING (with backoff) or FAILED.  A destination that runs out of
 * space is paused and probed with one file at a time; the others go on.
 * Also here: due retries, and what a run that died left in flight. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "pipeline/intake_internal.h"

/* A batch shares its flushes (a filesystem sync, a folder fsync each);
 * bigger amortises them better, smaller lets files reach ARCHIVED
 * sooner.  A destination has one batch at the workers while its next
 * files gather, and a second as soon as BATCH_PARALLEL files (or
 * BATCH_PARALLEL_BYTES) wait. */
#define BATCH_FILES 2048
#define BATCH_PARALLEL 256
#define BATCH_BYTES (256 << 20)
#define BATCH_PARALLEL_BYTES (64 << 20)
/* A batch starts files for at most this long, then flushes those it
 * started and hands their outcomes back; the rest go back to the head of
 * the queue for the next batch.  A count and a size alone let a slow disk
 * or a busy machine stretch a batch over many seconds, and a service
 * killed in that time (a crash loop) commits nothing, ever. */
#define BATCH_TIME_MS 200
/* Descriptors an item may hold until its batch ends (its copy, its
 * folder, its delivered file's folder), and those kept for the rest. */
#define BATCH_FDS_PER_ITEM 3
#define FDS_RESERVED 128
/* How often the catalog is asked for retries that others (`carbonation
 * retry`, `reconcile --fix`) made due. */
#define RETRY_POLL_MS 5000

/* The archiving step's state. */
struct carb_archiving {
	int base_fd;               /* archive.base_path, O_PATH */
	bool http;                 /* libcurl set up for http destinations */
	size_t failures;           /* files FAILED in this run */
	struct carb_dest_rt *dests;
	size_t ndests;
	size_t batches;            /* archive batches at the workers */
	size_t batch_files;        /* most files in one, for the fd limit */
	int64_t next_retry_ms;     /* next look for due retries */
};

/* Files per batch that the descriptor limit allows with every worker
 * holding a full batch. */
static size_t batch_files(const struct carb_intake *in)
{
	size_t workers = (size_t)carb_config_service(in->cfg)->workers;
	struct rlimit rl;
	size_t room;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		return BATCH_FILES;
	room = rl.rlim_cur > FDS_RESERVED + in->nwatches
		? (size_t)rl.rlim_cur - FDS_RESERVED - in->nwatches : 0;
	room /= BATCH_FDS_PER_ITEM * (workers ? workers : 1);
	return room < 1 ? 1 : room > BATCH_FILES ? BATCH_FILES : room;
}

int carb_archiving_open(struct carb_intake *in, struct carb_error *err)
{
	const struct carb_archive_config *ac = carb_config_archive(in->cfg);

	in->archiving = carb_xcalloc(1, sizeof(*in->archiving));
	in->archiving->base_fd = open(ac->base_path,
				      O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (in->archiving->base_fd < 0)
		return carb_error_set(err, "archive.base_path %s: %s",
				      ac->base_path, strerror(errno));
	in->archiving->batch_files = batch_files(in);
	in->archiving->ndests = carb_config_destination_count(in->cfg);
	in->archiving->dests = carb_xcalloc(in->archiving->ndests,
					    sizeof(*in->archiving->dests));
	for (size_t i = 0; i < in->archiving->ndests; i++) {
		in->archiving->dests[i].cfg =
			carb_config_destination(in->cfg, i);
		if (carb_destination_is_http(in->archiving->dests[i].cfg) &&
		    !in->archiving->http) {
			if (carb_archive_http_init(err) < 0)
				return -1;
			in->archiving->http = true;
		}
	}
	return 0;
}

static void pending_free(struct carb_pending *p)
{
	carb_archive_item_release(&p->item);
	free(p);
}

void carb_archiving_close(struct carb_intake *in)
{
	if (in->archiving == NULL)
		return;
	for (size_t i = 0; i < in->archiving->ndests; i++) {
		struct carb_pending *p = in->archiving->dests[i].head, *next;

		for (; p != NULL; p = next) {
			next = p->next;
			pending_free(p);
		}
	}
	free(in->archiving->dests);
	if (in->archiving->http)
		carb_archive_http_cleanup();
	if (in->archiving->base_fd >= 0)
		close(in->archiving->base_fd);
	free(in->archiving);
	in->archiving = NULL;
}

size_t carb_archiving_failures(const struct carb_intake *in)
{
	return in->archiving->failures;
}

int carb_archiving_base_fd(const struct carb_intake *in)
{
	return in->archiving->base_fd;
}

size_t carb_archiving_batches(const struct carb_intake *in)
{
	return in->archiving->batches;
}

const char *carb_archiving_paused(const struct carb_intake *in)
{
	for (size_t i = 0; i < in->archiving->ndests; i++)
		if (in->archiving->dests[i].paused)
			return in->archiving->dests[i].cfg->name;
	return NULL;
}

size_t carb_archiving_gauges(const struct carb_intake *in,
			     struct carb_metrics *m)
{
	size_t queued = 0;

	for (size_t i = 0; i < in->archiving->ndests; i++) {
		const struct carb_dest_rt *d = &in->archiving->dests[i];

		carb_metrics_set(m, CARB_METRIC_DESTINATION_PAUSED,
				 d->cfg->name, d->paused ? 1 : 0);
		queued += d->queued;
	}
	return queued;
}

struct carb_dest_rt *carb_archiving_dest(struct carb_intake *in,
					 const char *name)
{
	for (size_t i = 0; i < in->archiving->ndests; i++)
		if (strcmp(in->archiving->dests[i].cfg->name, name) == 0)
			return &in->archiving->dests[i];
	return NULL;
}

void carb_archiving_queue(struct carb_intake *in, struct carb_dest_rt *d,
			  struct carb_pending *p)
{
	struct carb_watch_rt *w = &in->watches[p->watch];

	p->item.src_root = w->root_fd;
	free(p->item.src_abs);
	p->item.src_abs = carb_xasprintf("%s/%s", w->cfg->path, p->item.src_rel);
	p->next = NULL;
	if (d->tail != NULL)
		d->tail->next = p;
	else
		d->head = p;
	d->tail = p;
	d->queued++;
	d->queued_bytes += p->item.size;
}

static void push_front(struct carb_dest_rt *d, struct carb_pending *p)
{
	p->next = d->head;
	d->head = p;
	if (d->tail == NULL)
		d->tail = p;
	d->queued++;
	d->queued_bytes += p->item.size;
}

bool carb_archiving_busy(const struct carb_intake *in)
{
	if (in->archiving->batches > 0)
		return true;
	for (size_t i = 0; i < in->archiving->ndests; i++)
		if (in->archiving->dests[i].head != NULL &&
		    !in->archiving->dests[i].paused)
			return true;
	return false;
}

/* ---- batches ------------------------------------------------------------ */

/* The archive batch job: a destination's files, and each one's
 * pipeline data. */
struct batch_job {
	struct carb_job job;
	struct carb_archive_batch *batch;
	struct carb_pending *pend;   /* the batch's n items' pipeline data */
	size_t dest;
};

static struct batch_job *batch_of(struct carb_job *job)
{
	return CARB_JOB_OF(job, struct batch_job);
}

static void batch_run(struct carb_job *job)
{
	carb_archive_run(batch_of(job)->batch);
}

static void batch_free(struct carb_job *job)
{
	struct batch_job *bj = batch_of(job);

	if (bj->batch != NULL) {
		/* Never applied (a stop): the rows stay ARCHIVING and the
		 * next start queues them again. */
		for (size_t i = 0; i < bj->batch->n; i++)
			carb_archive_item_release(&bj->batch->items[i]);
		carb_archive_batch_release(bj->batch);
		free(bj->batch->items);
		free(bj->batch);
		free(bj->pend);
	}
	free(bj);
}

static int64_t batch_describe(const struct carb_job *job, char *what,
			      size_t size)
{
	const struct batch_job *bj = CARB_JOB_OF(job, const struct batch_job);

	snprintf(what, size, "archive batch of %zu file%s", bj->batch->n,
		 bj->batch->n == 1 ? "" : "s");
	return 0;
}

static void batch_apply(struct carb_intake *in, struct carb_job *job);

/* The archive batch job. */
static const struct carb_job_ops batch_ops = {
	.run = batch_run,
	.apply = batch_apply,
	.free = batch_free,
	.describe = batch_describe,
	.first = true,
	.commit = true,
	.drained = true,
};

/* An http destination's batch: its settings, copied (a reload may free
 * the config while the batch runs), and a job limit that a PUT waiting
 * out its timeout stays within: one file at most is started once the
 * batch's time is up. */
static void http_batch(struct carb_intake *in, const struct carb_dest_rt *d,
		       struct batch_job *job)
{
	struct carb_archive_http *h = &job->batch->http;
	int64_t ceiling = carb_config_service(in->cfg)->max_job_time_ms;
	int64_t need = d->cfg->timeout_ms + BATCH_TIME_MS + 5000;

	h->on = true;
	h->token_file = d->cfg->token_file ? carb_xstrdup(d->cfg->token_file)
					   : NULL;
	h->connect_timeout_ms = d->cfg->connect_timeout_ms;
	h->timeout_ms = d->cfg->timeout_ms;
	if (job->job.limit_ms < need)
		job->job.limit_ms = need < ceiling ? need : ceiling;
}

static struct batch_job *take_batch(struct carb_intake *in, size_t di,
				    size_t max)
{
	struct carb_dest_rt *d = &in->archiving->dests[di];
	const struct carb_archive_config *ac = carb_config_archive(in->cfg);
	struct batch_job *job = carb_xcalloc(1, sizeof(*job));
	struct carb_archive_batch *b = carb_xcalloc(1, sizeof(*b));
	int64_t bytes = 0;

	carb_job_init(&job->job, &batch_ops);
	if (max > d->queued)
		max = d->queued > 0 ? d->queued : 1;
	job->batch = b;
	job->dest = di;
	job->pend = carb_xcalloc(max, sizeof(*job->pend));
	b->items = carb_xcalloc(max, sizeof(*b->items));
	b->base_fd = in->archiving->base_fd;
	b->mode = d->cfg->mode;
	b->verify = d->cfg->verify;
	b->on_conflict = d->cfg->on_conflict;
	b->hardlink_fallback = ac->hardlink_fallback;
	b->dry_run = in->opts.dry_run;
	b->max_ms = BATCH_TIME_MS;
	while (d->head != NULL && b->n < max &&
	       (b->n == 0 || bytes + d->head->item.size <= BATCH_BYTES)) {
		struct carb_pending *p = d->head;

		d->head = p->next;
		if (d->head == NULL)
			d->tail = NULL;
		d->queued--;
		d->queued_bytes -= p->item.size;
		bytes += p->item.size;
		job->pend[b->n] = *p;
		b->items[b->n++] = p->item;
		memset(&job->pend[b->n - 1].item, 0, sizeof(p->item));
		free(p);
	}
	job->job.limit_ms = carb_intake_job_limit(in, bytes);
	if (carb_destination_is_http(d->cfg))
		http_batch(in, d, job);
	return job;
}

/* Files for d's next batch when free batch slots are open: enough files
 * for several are shared out, so that the end of a burst is copied by
 * every worker instead of queueing behind one big batch. */
static size_t batch_size(const struct carb_intake *in,
			 const struct carb_dest_rt *d, size_t free_slots)
{
	size_t n = d->queued;

	if (free_slots > 1 && n >= 2 * BATCH_PARALLEL)
		n = (n + free_slots - 1) / free_slots;
	return n < in->archiving->batch_files ? n : in->archiving->batch_files;
}

void carb_archiving_submit(struct carb_intake *in)
{
	size_t max = (size_t)carb_config_service(in->cfg)->workers;
	int64_t now = carb_monotonic_ms();

	for (size_t i = 0; i < in->archiving->ndests &&
	     !carb_turn_failed(in->turn); i++) {
		struct carb_dest_rt *d = &in->archiving->dests[i];

		/* Group commit: while one batch of a destination is being
		 * flushed, its next files gather into the next batch, unless
		 * there are enough for a full one already. */
		while (d->head != NULL && in->archiving->batches < max &&
		       (d->batches == 0 || d->queued >= BATCH_PARALLEL ||
			d->queued_bytes >= BATCH_PARALLEL_BYTES)) {
			size_t n = batch_size(in, d,
					      max - in->archiving->batches);

			if (d->paused) {
				if (now < d->next_probe_ms)
					break;
				n = 1;  /* a probe */
				d->next_probe_ms = now + 1000;
			}
			carb_workers_submit(in->workers, &take_batch(in, i, n)->job);
			in->archiving->batches++;
			d->batches++;
			if (d->paused)
				break;
		}
	}
}

/* ---- outcomes ------------------------------------------------------------ */

static void log_item(struct carb_intake *in, int level,
		     const struct carb_pending *p,
		     const struct carb_archive_item *it, const char *what,
		     const char *detail, enum carb_status status)
{
	struct carb_log_fields f = {
		.watch = in->watches[p->watch].cfg->name,
		.component = it->src_rel, .component_len = strlen(it->src_rel),
		.group = p->file_id, .status = carb_status_name(status),
		.destination = status == CARB_STATUS_ARCHIVED ? it->final_rel
							      : NULL,
	};
	struct carb_buf b;

	carb_buf_init(&b);
	carb_buf_add_safe_name(&b, it->src_rel, strlen(it->src_rel));
	carb_logf(level, &f, "%swatch \"%s\": %s: %s %s",
		 in->opts.dry_run ? "dry run: " : "",
		 in->watches[p->watch].cfg->name, b.data, what, detail);
	carb_buf_release(&b);
}

static void known(struct carb_intake *in, const struct carb_pending *p,
		  const struct carb_archive_item *it, enum carb_status status)
{
	carb_status_mirror(&in->watches[p->watch], it->src_rel,
			   strlen(it->src_rel), it->id, status);
}

/* Counted when the ARCHIVED row is written; the batch's outcomes commit
 * right after it (take_results), and a commit that fails stops the loop,
 * after which the next start finds the copy in place and counts it
 * again: the counters may tell a file twice, never miss one. */
static void count_archived(struct carb_intake *in,
			   const struct carb_dest_rt *d,
			   const struct carb_archive_item *it)
{
	carb_metrics_add(in->opts.metrics, CARB_METRIC_ARCHIVED_FILES,
			 d->cfg->name, 1);
	carb_metrics_add(in->opts.metrics, CARB_METRIC_ARCHIVED_BYTES,
			 d->cfg->name, it->size > 0 ? (uint64_t)it->size : 0);
}

static void placed(struct carb_intake *in, struct carb_dest_rt *d,
		   struct carb_pending *p, struct carb_archive_item *it)
{
	struct carb_archived a = {
		.old_status = CARB_STATUS_ARCHIVING,
		.new_status = CARB_STATUS_ARCHIVED,
		.path = it->final_rel, .path_len = strlen(it->final_rel),
		.version = it->version, .reason = it->reason[0] ? it->reason : NULL,
		.target = d->cfg->mode == CARB_ARCHIVE_SYMLINK ? it->src_abs : NULL,
	};
	struct carb_error err;
	bool changed = false;

	carb_error_clear(&err);
	if (carb_turn_tx(in->turn) &&
	    carb_status_archived(in, it->id, &a, &changed, &err) < 0)
		carb_turn_fail(in->turn, &err);
	if (changed)
		known(in, p, it, CARB_STATUS_ARCHIVED);
	if (changed && !in->opts.dry_run)
		count_archived(in, d, it);
	log_item(in, CARB_LOGL_INFO, p, it,
		 it->outcome == CARB_PLACED_ALREADY ? "already archived at"
		 : in->opts.dry_run ? "would be archived to" : "archived to",
		 it->final_rel, CARB_STATUS_ARCHIVED);
	if (d->paused) {
		d->paused = false;
		carb_log(CARB_LOGL_WARNING, "destination \"%s\" takes files"
			 " again; resumed", d->cfg->name);
	}
}

static int64_t backoff_ms(const struct carb_archive_config *ac,
			  int64_t attempts)
{
	int64_t delay = ac->retry_delay_ms;

	for (int64_t i = 1; i < attempts && delay < ac->retry_max_delay_ms; i++)
		delay *= 2;
	if (delay > ac->retry_max_delay_ms)
		delay = ac->retry_max_delay_ms;
	/* Up to a tenth more, so files that failed together do not all
	 * come back in the same instant. */
	return delay + (delay >= 10 ? random() % (delay / 10) : 0);
}

static void failed(struct carb_intake *in, struct carb_pending *p,
		   struct carb_archive_item *it)
{
	const struct carb_archive_config *ac = carb_config_archive(in->cfg);
	int64_t attempts = p->attempts + 1, delay = 0, next = 0;
	bool retry = it->outcome == CARB_PLACE_RETRY &&
		     attempts <= ac->max_retries;
	enum carb_status to = retry ? CARB_STATUS_RETRY_PENDING
				    : CARB_STATUS_FAILED;
	struct carb_error err;
	bool changed = false;

	carb_error_clear(&err);
	if (retry) {
		delay = backoff_ms(ac, attempts);
		next = carb_now_us() + delay * 1000;
		if (in->archiving->next_retry_ms == 0 ||
		    carb_monotonic_ms() + delay < in->archiving->next_retry_ms)
			in->archiving->next_retry_ms =
				carb_monotonic_ms() + delay;
	}
	if (carb_turn_tx(in->turn) &&
	    carb_status_attempt_failed(in, it->id, to,
				       it->reason, next, &changed, &err) < 0)
		carb_turn_fail(in->turn, &err);
	if (changed)
		known(in, p, it, to);
	in->archiving->failures++;
	log_item(in, CARB_LOGL_WARNING, p, it,
		 retry ? "will be retried:" : "FAILED:", it->reason, to);
}

/* A file its batch had no time to start goes back to the head of its
 * queue, untouched in the catalog (still ARCHIVING, no attempt counted).
 * Called from the batch's last file backwards, so the files keep their
 * order. */
static void later(struct carb_dest_rt *d, struct carb_pending *p,
		  struct carb_archive_item *it)
{
	struct carb_pending *back = carb_xcalloc(1, sizeof(*back));

	*back = *p;
	back->item = *it;
	memset(it, 0, sizeof(*it));
	push_front(d, back);
}

/* The destination as a whole cannot take files (out of space, read-only,
 * its server gone): the file goes back to the head of its queue,
 * untouched in the catalog (still ARCHIVING, no attempt counted), and
 * the destination waits, probed with one file a second.  Spending every
 * file's retries on an outage would fail them all. */
static void unusable(struct carb_intake *in, struct carb_dest_rt *d,
		     struct carb_pending *p, struct carb_archive_item *it)
{
	struct carb_pending *back = carb_xcalloc(1, sizeof(*back));

	*back = *p;
	back->item = *it;
	free(back->item.final_rel);
	back->item.final_rel = NULL;
	memset(it, 0, sizeof(*it));
	if (!d->paused)
		carb_log(CARB_LOGL_WARNING, "destination \"%s\" cannot take"
			 " files (%s); paused, the other destinations go on",
			 d->cfg->name, back->item.reason);
	d->paused = true;
	d->next_probe_ms = carb_monotonic_ms() + 1000;
	push_front(d, back);
}

static void batch_apply(struct carb_intake *in, struct carb_job *done)
{
	struct batch_job *job = batch_of(done);
	struct carb_archive_batch *b = job->batch;
	struct carb_dest_rt *d = &in->archiving->dests[job->dest];

	in->archiving->batches--;
	d->batches--;
	carb_metrics_observe(in->opts.metrics, CARB_METRIC_ARCHIVE_DURATION,
			     d->cfg->name, b->elapsed_us);
	for (size_t i = 0; i < b->n && !carb_turn_failed(in->turn); i++) {
		struct carb_archive_item *it = &b->items[i];
		struct carb_pending *p = &job->pend[i];

		switch (it->outcome) {
		case CARB_PLACED:
		case CARB_PLACED_ALREADY:
			placed(in, d, p, it);
			break;
		case CARB_PLACE_UNUSABLE:
			unusable(in, d, p, it);
			break;
		case CARB_PLACE_LATER:
			break;
		default:
			failed(in, p, it);
		}
	}
	for (size_t i = b->n; i-- > 0 && !carb_turn_failed(in->turn);)
		if (b->items[i].outcome == CARB_PLACE_LATER)
			later(d, &job->pend[i], &b->items[i]);
	for (size_t i = 0; i < b->n && !carb_turn_failed(in->turn); i++) {
		bool seen = b->items[i].outcome == CARB_PLACE_LATER;

		for (size_t j = 0; j < i && !seen; j++)
			seen = job->pend[j].file_id == job->pend[i].file_id;
		if (!seen)
			carb_stage_settle_group(in, job->pend[i].file_id);
	}
	for (size_t i = 0; i < b->n; i++)
		carb_archive_item_release(&b->items[i]);
	carb_archive_batch_release(b);
	free(b->items);
	free(b);
	free(job->pend);
	job->batch = NULL;
	job->pend = NULL;
}

/* ---- retries and recovery ------------------------------------------------- */

/* A queued component whose folder may hold its stale temporary files. */
struct stale {
	char *dir;
	int64_t id;
};

/* Queues a component again from its row: a due retry (RETRY_PENDING) or
 * one a previous run left ARCHIVING.  Its planned folder is kept, so a
 * copy that run finished is found in place; a component never planned
 * goes back through routing with its group. */
struct requeue {
	struct carb_intake *in;
	enum carb_status from;
	int64_t replan;           /* group to route again, 0: none */
	struct stale *stale;      /* queued items whose folders to clean */
	size_t nstale, cap;
};

static struct carb_pending *pending_of(struct carb_watch_rt *w,
				       const struct carb_dest_rt *d,
				       const struct carb_component_row *r)
{
	struct carb_pending *p = carb_xcalloc(1, sizeof(*p));
	const char *slash = memrchr(r->archive_path, '/', r->archive_path_len);
	size_t blen;
	const char *base = carb_name_base(r->rel_path, r->rel_len, &blen);

	p->watch = w->index;
	p->file_id = r->file_id;
	p->attempts = r->attempts;
	p->item.id = r->id;
	p->item.src_rel = carb_xstrndup(r->rel_path, r->rel_len);
	p->item.size = r->size;
	p->item.device = r->device;
	p->item.inode = r->inode;
	p->item.hash = r->content_hash ? carb_xstrdup(r->content_hash) : NULL;
	p->item.dir = carb_xstrndup(r->archive_path,
				    slash ? (size_t)(slash - r->archive_path) : 0);
	p->item.name = carb_xstrndup(base, blen);
	/* an http destination's archive path is the URL it is PUT to */
	if (carb_destination_is_http(d->cfg))
		p->item.url = carb_xstrndup(r->archive_path,
					    r->archive_path_len);
	/* Found in place, it is adopted while the batch starts files, where
	 * the batch's time bound holds: when found only as it is named, a
	 * batch of such files outlived a service killed every second, every
	 * start. */
	p->item.taken_up = true;
	return p;
}

static void add_stale(struct requeue *rq, const char *dir, int64_t id)
{
	if (rq->nstale == rq->cap) {
		rq->cap = rq->cap ? 2 * rq->cap : 64;
		rq->stale = carb_xrealloc(rq->stale,
					  rq->cap * sizeof(*rq->stale));
	}
	rq->stale[rq->nstale++] = (struct stale){ carb_xstrdup(dir), id };
}

static int requeue_row(void *ctx, const struct carb_component_row *r,
		       struct carb_error *err)
{
	struct requeue *rq = ctx;
	struct carb_watch_rt *w = carb_intake_watch(rq->in, r->watch);
	struct carb_dest_rt *d = r->archive_destination
		? carb_archiving_dest(rq->in, r->archive_destination) : NULL;
	bool changed = rq->from == CARB_STATUS_ARCHIVING;
	struct carb_pending *p;

	if (w == NULL || r->status != rq->from)
		return 0;
	/* planned nowhere, or for the other kind of destination (its url
	 * added or removed since): routed again */
	if (d == NULL || r->archive_path == NULL ||
	    memchr(r->archive_path, '/', r->archive_path_len) == NULL ||
	    carb_destination_is_http(d->cfg) !=
	    carb_archive_path_is_url(r->archive_path, r->archive_path_len)) {
		rq->replan = r->file_id;
		return 0;
	}
	if (!changed && carb_turn_tx(rq->in->turn) &&
	    carb_status_archiving(rq->in, r->id, rq->from, d->cfg->name,
				  r->archive_path, r->archive_path_len,
				  &changed, err) < 0)
		return -1;
	if (!changed)
		return 0;
	p = pending_of(w, d, r);
	/* a receiver cleans up after itself: no temporaries of ours there */
	if (!carb_destination_is_http(d->cfg))
		add_stale(rq, p->item.dir, r->id);
	carb_status_mirror(w, r->rel_path, r->rel_len, r->id,
			   CARB_STATUS_ARCHIVING);
	carb_archiving_queue(rq->in, d, p);
	return 0;
}

/* A component with nowhere planned goes back to READY with its group,
 * which is routed again. */
static void replan(struct carb_intake *in, int64_t id, int64_t gid,
		   enum carb_status from)
{
	struct carb_component_change ch = {
		.old_status = from, .new_status = CARB_STATUS_READY, .late = -1,
	};
	struct carb_group_info g;
	struct carb_error err;
	bool found = false;

	carb_error_clear(&err);
	if (!carb_status_set(in, id, &ch))
		return;
	if (carb_group_get(in->cat, gid, &g, &found, &err) < 0 ||
	    (found && g.status != CARB_STATUS_READY &&
	     carb_status_group_route(in, gid, g.status, CARB_STATUS_READY,
				     NULL, NULL, NULL, &err) < 0))
		carb_turn_fail(in->turn, &err);
	carb_group_info_release(&g);
	if (!carb_turn_failed(in->turn))
		carb_stage_group(in, gid);
}

static int cmp_stale(const void *a, const void *b)
{
	const struct stale *x = a, *y = b;
	int c = strcmp(x->dir, y->dir);

	return c != 0 ? c : x->id < y->id ? -1 : x->id > y->id;
}

/* Temporary files the queued components left when a run died, removed
 * before any of them goes to the workers: each folder is read once for
 * all its components (read once per component, a folder of 2,000 files
 * kept a restart busy for seconds before its first copy). */
static void clean_stale(struct carb_intake *in, struct requeue *rq)
{
	int64_t *ids;
	size_t i = 0;

	if (rq->nstale == 0 || in->opts.dry_run)
		return;
	qsort(rq->stale, rq->nstale, sizeof(*rq->stale), cmp_stale);
	ids = carb_xcalloc(rq->nstale, sizeof(*ids));
	while (i < rq->nstale) {
		size_t n = 0;
		const char *dir = rq->stale[i].dir;

		for (; i < rq->nstale && strcmp(rq->stale[i].dir, dir) == 0; i++)
			ids[n++] = rq->stale[i].id;
		carb_archive_clean_stale(in->archiving->base_fd, dir, ids, n);
	}
	free(ids);
}

static void stale_release(struct requeue *rq)
{
	for (size_t i = 0; i < rq->nstale; i++)
		free(rq->stale[i].dir);
	free(rq->stale);
	rq->stale = NULL;
	rq->nstale = rq->cap = 0;
}

static void requeue_status(struct carb_intake *in, struct carb_watch_rt *w,
			   enum carb_status status, int64_t due_us)
{
	struct requeue rq = { in, status, 0, NULL, 0, 0 };
	struct carb_error err;
	int64_t *ids = NULL;
	size_t n = 0;

	carb_error_clear(&err);
	if (carb_components_with_status(in->cat, w->cfg->name, status, due_us,
					100000, &ids, &n, &err) < 0) {
		carb_turn_fail(in->turn, &err);
		return;
	}
	for (size_t i = 0; i < n && !carb_turn_failed(in->turn); i++) {
		rq.replan = 0;
		if (carb_component_get(in->cat, ids[i], requeue_row, &rq,
				       &err) < 0)
			carb_turn_fail(in->turn, &err);
		else if (rq.replan != 0)
			replan(in, ids[i], rq.replan, status);
	}
	clean_stale(in, &rq);
	stale_release(&rq);
	free(ids);
}

/* What a run that stopped left: copies in flight, and groups that were
 * READY but not yet routed. */
static void recover(struct carb_intake *in, struct carb_watch_rt *w)
{
	struct carb_error err;
	int64_t *ids = NULL;
	size_t n = 0;

	carb_error_clear(&err);
	requeue_status(in, w, CARB_STATUS_ARCHIVING, 0);
	if (carb_turn_failed(in->turn) ||
	    carb_groups_with_status(in->cat, w->cfg->name, CARB_STATUS_READY,
				    100000, &ids, &n, &err) < 0) {
		if (err.msg[0] != '\0')
			carb_turn_fail(in->turn, &err);
		return;
	}
	for (size_t i = 0; i < n && !carb_turn_failed(in->turn); i++)
		carb_stage_group(in, ids[i]);
	free(ids);
}

void carb_archiving_recover(struct carb_intake *in)
{
	for (size_t i = 0; i < in->nwatches && !carb_turn_failed(in->turn); i++)
		recover(in, &in->watches[i]);
}

int64_t carb_archiving_tick(struct carb_intake *in, bool first)
{
	int64_t now = carb_monotonic_ms(), next = 0;

	if (first || now >= in->archiving->next_retry_ms) {
		for (size_t i = 0; i < in->nwatches &&
		     !carb_turn_failed(in->turn); i++)
			requeue_status(in, &in->watches[i],
				       CARB_STATUS_RETRY_PENDING,
				       carb_now_us());
		in->archiving->next_retry_ms = now + RETRY_POLL_MS;
	}
	next = in->archiving->next_retry_ms;
	for (size_t i = 0; i < in->archiving->ndests; i++) {
		const struct carb_dest_rt *d = &in->archiving->dests[i];

		if (d->paused && d->head != NULL && d->next_probe_ms < next)
			next = d->next_probe_ms;
	}
	return next;
}

void carb_archiving_leftovers(struct carb_intake *in)
{
	for (size_t i = 0; i < in->archiving->ndests; i++) {
		const struct carb_dest_rt *d = &in->archiving->dests[i];

		if (d->queued > 0) {
			carb_log(CARB_LOGL_WARNING, "destination \"%s\" cannot"
				 " take files: %zu file%s left for a later run",
				 d->cfg->name, d->queued,
				 d->queued == 1 ? "" : "s");
			in->archiving->failures += d->queued;
		}
	}
}
