/* The intake's event loop: inotify, worker results, timers for settle,
 * polling, reconciliation and group deadlines, and a stop descriptor.
 * Catalog writes of one turn share one transaction (group commit), so a
 * burst of thousands of files costs a few commits, not thousands. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipeline/intake_internal.h"

/* A turn commits after this many writes even if more work waits. */
#define TX_MAX_OPS 1000

static const char *const open_statuses[] = {
	"PENDING", "INTEGRITY_FAILED", "WAITING", "READY", NULL,
};

bool carb_status_open(const char *status)
{
	for (size_t i = 0; open_statuses[i] != NULL; i++)
		if (strcmp(status, open_statuses[i]) == 0)
			return true;
	return false;
}

void carb_intake_fail(struct carb_intake *in, const struct carb_error *err)
{
	if (in->failed)
		return;
	in->failed = true;
	in->fatal = *err;
}

int64_t carb_intake_job_limit(const struct carb_intake *in, int64_t bytes)
{
	int64_t ceiling = carb_config_service(in->cfg)->max_job_time_ms;
	int64_t ms = 30000 + bytes / 1048576 * 1000;

	return ms < ceiling ? ms : ceiling;
}

void carb_intake_busy(struct carb_intake *in)
{
	int64_t now;

	if (in->hooks == NULL || in->hooks->busy == NULL)
		return;
	now = carb_monotonic_ms();
	if (now - in->busy_at_ms >= 1000) {
		in->busy_at_ms = now;
		in->hooks->busy(in->hooks->ctx, in);
	}
}

bool carb_intake_tx(struct carb_intake *in)
{
	struct carb_error err;

	if (in->failed)
		return false;
	in->tx_ops++;
	if (in->in_tx)
		return true;
	carb_error_clear(&err);
	if (carb_catalog_begin(in->cat, &err) < 0) {
		carb_intake_fail(in, &err);
		return false;
	}
	in->in_tx = true;
	return true;
}

int carb_intake_commit(struct carb_intake *in)
{
	struct carb_error err;

	/* A dry run keeps one transaction open and rolls it back. */
	if (!in->in_tx || in->opts.dry_run)
		return 0;
	in->in_tx = false;
	in->tx_ops = 0;
	carb_error_clear(&err);
	if (carb_catalog_commit(in->cat, &err) < 0) {
		carb_intake_fail(in, &err);
		return -1;
	}
	return 0;
}

/* Loads what the catalog knows of watch w: the newest generation of each
 * path.  PENDING components are checked again (a previous run stopped
 * before their result was written) by check_pending, once the watch's
 * folder is open. */
struct load_ctx {
	struct carb_intake *in;
	struct carb_watch_rt *w;
};

static int load_row(void *ctx, const struct carb_component_row *r,
		    struct carb_error *err)
{
	struct load_ctx *lc = ctx;
	struct carb_known k = { 0 };

	(void)err;
	if (carb_map_get(lc->w->known, r->rel_path, r->rel_len) != NULL)
		return 0;  /* an older generation */
	k.id = r->id;
	k.generation = r->generation;
	k.size = r->size;
	k.mtime_us = r->mtime_us;
	k.device = r->device;
	k.inode = r->inode;
	snprintf(k.status, sizeof(k.status), "%s", r->status);
	carb_known_put(lc->w, r->rel_path, r->rel_len, &k);
	return 0;
}

/* A check submitted before the folder is open finds no file and is
 * dropped, and the walk skips a file it already knows: so only now. */
static void check_pending(struct carb_intake *in)
{
	for (size_t i = 0; i < in->nwatches; i++) {
		struct carb_watch_rt *w = &in->watches[i];
		struct carb_map_iter it;
		const char *rel;
		size_t len;
		void *v;

		carb_map_iter_init(&it, w->known);
		while (carb_map_iter_next(&it, &rel, &len, &v)) {
			const struct carb_known *k = v;

			if (strcmp(k->status, "PENDING") == 0)
				carb_intake_submit(in, w, rel, len, k->id);
		}
	}
}

/* Takes the watch's lock: with once, a watch another run holds is
 * skipped (returns 1); otherwise that is an error. */
static int lock_watch(struct carb_intake *in, struct carb_watch_rt *w,
		      struct carb_error *err)
{
	const char *dir = carb_config_service(in->cfg)->state_dir;
	long holder = 0;

	w->lock_fd = carb_watch_lock(dir, w->cfg->name, in->opts.dry_run,
				     &holder, err);
	if (w->lock_fd >= 0)
		return 0;
	if (w->lock_fd == CARB_WATCH_LOCK_NONE) {
		w->lock_fd = -1;
		return 0;
	}
	if (w->lock_fd == -1)
		return -1;
	if (in->opts.once) {
		carb_log(CARB_LOGL_WARNING, "watch \"%s\" is handled by another"
			 " carbonation (pid %ld); skipped", w->cfg->name, holder);
		return 1;
	}
	return carb_error_set(err, "watch \"%s\" is handled by another"
			      " carbonation (pid %ld, lock in %s)",
			      w->cfg->name, holder, dir);
}

static int open_watches(struct carb_intake *in, struct carb_error *err)
{
	size_t n = carb_config_watch_count(in->cfg);

	in->watches = carb_xcalloc(n ? n : 1, sizeof(*in->watches));
	for (size_t i = 0; i < n; i++) {
		struct carb_watch_rt *w = &in->watches[in->nwatches];
		struct load_ctx lc = { in, w };
		int rc;

		w->cfg = carb_config_watch(in->cfg, i);
		if (in->opts.only_watch != NULL &&
		    strcmp(w->cfg->name, in->opts.only_watch) != 0)
			continue;
		w->index = in->nwatches;
		w->root_fd = -1;
		rc = lock_watch(in, w, err);
		if (rc < 0)
			return -1;
		if (rc > 0)
			continue;
		in->nwatches++;
		w->known = carb_map_new();
		w->inodes = carb_map_new();
		w->cands = carb_map_new();
		w->dirs = carb_map_new();
		w->refused = carb_map_new();
		if (carb_watch_effective_mode(w->cfg, &w->poll, w->why,
					      sizeof(w->why), err) < 0)
			return -1;
		if (carb_components_each(in->cat, w->cfg->name, NULL,
					 load_row, &lc, err) < 0)
			return -1;
	}
	return 0;
}

struct carb_watch_rt *carb_intake_watch(struct carb_intake *in,
					const char *name)
{
	for (size_t i = 0; i < in->nwatches; i++)
		if (strcmp(in->watches[i].cfg->name, name) == 0)
			return &in->watches[i];
	return NULL;
}

size_t carb_intake_failures(const struct carb_intake *in)
{
	return in->run_failures;
}

size_t carb_intake_watch_count(const struct carb_intake *in)
{
	return in->nwatches;
}

size_t carb_intake_unread_watches(const struct carb_intake *in,
				  struct carb_buf *why)
{
	size_t n = 0;

	for (size_t i = 0; i < in->nwatches; i++) {
		const struct carb_watch_rt *w = &in->watches[i];

		if (w->unread_errno == 0)
			continue;
		if (why != NULL)
			carb_buf_addf(why, "%swatch \"%s\" (%s: %s)",
				      n > 0 ? ", " : "", w->cfg->name,
				      w->cfg->path, strerror(w->unread_errno));
		n++;
	}
	return n;
}

int carb_intake_open(const struct carb_config *cfg, struct carb_catalog *cat,
		     const struct carb_run_options *opts,
		     struct carb_intake **out, struct carb_error *err)
{
	struct carb_intake *in = carb_xcalloc(1, sizeof(*in));
	size_t nworkers = (size_t)carb_config_service(cfg)->workers;

	in->opts = *opts;
	if (in->opts.dry_run)
		in->opts.once = true;
	in->base_fd = -1;
	in->rules_fd = -1;
	in->grouping_fd = -1;
	in->cfg = cfg;
	in->rules = carb_config_rules(cfg);
	in->cat = cat;
	in->ifd = -1;
	in->wds = carb_map_new();
	in->moved = carb_map_new();
	in->meta_groups = carb_map_new();
	in->workers = carb_workers_start(nworkers, &in->done_fd);
	*out = NULL;
	if (in->workers == NULL) {
		carb_error_set(err, "cannot start workers: %s", strerror(errno));
		carb_intake_close(&in);
		return -1;
	}
	if (open_watches(in, err) < 0 || carb_watch_setup(in, err) < 0 ||
	    carb_groups_next_deadline(cat, &in->next_deadline_us, err) < 0 ||
	    carb_archiving_open(in, err) < 0 ||
	    carb_grouping_open(in, err) < 0 ||
	    (!in->opts.once && carb_rules_reload_open(in, err) < 0)) {
		carb_intake_close(&in);
		return -1;
	}
	check_pending(in);
	*out = in;
	return 0;
}

/* Worker results, at most max of them per call (0: all) so that a
 * backlog of thousands cannot keep the loop from a stop signal or from
 * handing out archive work; returns whether some are left. */
#define RESULTS_PER_TURN 500

static bool take_results(struct carb_intake *in, size_t max)
{
	struct carb_job *job, *next;
	size_t n = 0;

	if (in->results == NULL)
		in->results = carb_workers_take(in->workers);
	for (job = in->results; job != NULL && (max == 0 || n < max);
	     job = next, n++) {
		next = job->next;
		if (!in->failed && job->batch != NULL)
			carb_archiving_apply(in, job);
		else if (!in->failed && job->meta != NULL)
			carb_metadata_apply(in, job);
		else if (!in->failed && !in->stopping)
			carb_groups_apply(in, job);
		carb_job_free(job);
		if (in->tx_ops >= TX_MAX_OPS)
			carb_intake_commit(in);
		carb_intake_busy(in);
	}
	in->results = job;
	return job != NULL;
}

/* Walks that are due: polled watches, rescans after an overflow, and the
 * periodic reconciliation of every watch. */
static int64_t walk_due(struct carb_intake *in, int64_t now)
{
	const struct carb_service_config *svc = carb_config_service(in->cfg);
	bool all = now >= in->next_reconcile_ms;
	int64_t next = 0;

	if (all)
		in->next_reconcile_ms = now + svc->reconcile_interval_ms;
	for (size_t i = 0; i < in->nwatches; i++) {
		struct carb_watch_rt *w = &in->watches[i];

		if (all || (w->next_walk_ms > 0 && now >= w->next_walk_ms)) {
			w->next_walk_ms = 0;
			carb_watch_walk(in, w);
			if (w->poll)
				w->next_walk_ms = carb_monotonic_ms() +
						  w->cfg->poll_interval_ms;
		}
		if (w->next_walk_ms > 0 && (next == 0 || w->next_walk_ms < next))
			next = w->next_walk_ms;
	}
	if (next == 0 || in->next_reconcile_ms < next)
		next = in->next_reconcile_ms;
	return next;
}

static int64_t min_nonzero(int64_t a, int64_t b)
{
	return a == 0 ? b : b == 0 ? a : a < b ? a : b;
}

/* One turn: everything due now, then how long to sleep.  Archive work
 * queued in the turn goes to the workers only after the turn's commit:
 * no file moves before its ARCHIVING row is durable. */
static int turn(struct carb_intake *in, bool first)
{
	int64_t now = carb_monotonic_ms(), next, timeout;

	/* Before the results of the checks submitted at start: a group they
	 * complete is planned ARCHIVING in this turn. */
	bool more;

	if (first) {
		carb_metadata_recover(in);
		carb_archiving_recover(in);
	}
	more = take_results(in, RESULTS_PER_TURN);
	next = walk_due(in, now);
	if (in->next_settle_ms > 0 && now >= in->next_settle_ms)
		in->next_settle_ms = carb_settle_tick(in, now);
	next = min_nonzero(next, in->next_settle_ms);
	if (in->next_deadline_us > 0 && in->next_deadline_us <= carb_now_us())
		carb_groups_tick(in);
	if (in->rules_fd >= 0)
		carb_rules_reload_tick(in);
	next = min_nonzero(next, carb_archiving_tick(in, first));
	next = min_nonzero(next, in->reload_at_ms);
	if (more)
		next = now;  /* results wait: no sleep */
	if (carb_intake_commit(in) < 0)
		return -1;
	if (!in->failed)
		carb_archiving_submit(in);
	if (!in->failed)
		carb_metadata_submit(in);
	timeout = next - carb_monotonic_ms();
	if (in->next_deadline_us > 0) {
		int64_t d = (in->next_deadline_us - carb_now_us()) / 1000 + 1;

		timeout = timeout < d ? timeout : d;
	}
	return (int)(timeout < 0 ? 0 : timeout > 60000 ? 60000 : timeout);
}

/* With once: nothing left to settle, check or archive.  Groups still
 * waiting for members and retries not yet due are left for later runs. */
static bool once_done(struct carb_intake *in)
{
	for (size_t i = 0; i < in->nwatches; i++)
		if (carb_map_count(in->watches[i].cands) > 0)
			return false;
	return in->results == NULL && carb_workers_busy(in->workers) == 0 &&
	       !carb_archiving_busy(in) && !carb_metadata_busy(in);
}

/* After a stop: archive batches at the workers finish (up to
 * shutdown_timeout) and their outcomes are recorded; nothing new starts. */
static void drain(struct carb_intake *in)
{
	int64_t end = carb_monotonic_ms() +
		      carb_config_service(in->cfg)->shutdown_timeout_ms;
	struct pollfd pfd = { .fd = in->done_fd, .events = POLLIN };

	in->drain_end_ms = end;
	/* Integrity results are dropped: their rows stay PENDING and are
	 * checked again at the next start. */
	in->stopping = true;
	take_results(in, 0);
	while ((in->batches > 0 || in->meta_inflight > 0) && !in->failed) {
		int64_t left = end - carb_monotonic_ms();

		if (left <= 0) {
			carb_log(CARB_LOGL_WARNING, "stopping with %zu archive"
				 " batch%s unfinished; the next start takes"
				 " them up", in->batches,
				 in->batches == 1 ? "" : "es");
			break;
		}
		poll(&pfd, 1, (int)(left > 1000 ? 1000 : left));
		take_results(in, 0);
	}
	carb_intake_commit(in);
}

static void log_leftovers(struct carb_intake *in)
{
	for (size_t i = 0; i < in->ndests; i++)
		if (in->dests[i].queued > 0) {
			carb_log(CARB_LOGL_WARNING, "destination \"%s\" cannot"
				 " take files: %zu file%s left for a later run",
				 in->dests[i].cfg->name, in->dests[i].queued,
				 in->dests[i].queued == 1 ? "" : "s");
			in->run_failures += in->dests[i].queued;
		}
}

/* The owner's bound on the sleep, after each turn. */
static int owner_turned(struct carb_intake *in, int timeout, bool first_done)
{
	int64_t most;

	if (in->hooks == NULL || in->hooks->turned == NULL)
		return timeout;
	most = in->hooks->turned(in->hooks->ctx, in, first_done);
	return most > 0 && most < timeout ? (int)most : timeout;
}

int carb_intake_run(struct carb_intake *in, const struct carb_loop_hooks *hooks,
		    struct carb_error *err)
{
	struct pollfd fds[4] = {
		{ .fd = hooks ? hooks->fd : -1, .events = POLLIN },
		{ .fd = in->done_fd, .events = POLLIN },
		{ .fd = in->rules_fd, .events = POLLIN },
		{ .fd = in->ifd, .events = POLLIN },
	};
	bool first = true;

	in->hooks = hooks;
	in->busy_at_ms = carb_monotonic_ms();
	in->next_reconcile_ms = carb_monotonic_ms();
	carb_log(CARB_LOGL_INFO, "%s started: %zu watch%s",
		 in->opts.dry_run ? "dry run" : in->opts.once ? "run --once" : "service",
		 in->nwatches, in->nwatches == 1 ? "" : "es");
	for (;;) {
		int timeout = turn(in, first);

		first = false;
		if (in->failed || (in->opts.once && once_done(in)))
			break;
		timeout = owner_turned(in, timeout, true);
		if (poll(fds, 4, timeout) < 0 && errno != EINTR) {
			carb_error_set(err, "poll: %s", strerror(errno));
			return -1;
		}
		if ((fds[0].revents & POLLIN) && hooks->control != NULL &&
		    hooks->control(hooks->ctx, in))
			break;
		if (fds[2].revents & POLLIN)
			carb_rules_reload_events(in);
		if (fds[3].revents & POLLIN)
			carb_watch_read_events(in);
	}
	if (!in->failed)
		drain(in);
	in->hooks = NULL;
	if (in->opts.once)
		log_leftovers(in);
	if (in->failed || in->opts.dry_run) {
		if (in->in_tx)
			carb_catalog_rollback(in->cat, NULL);
		in->in_tx = false;
	}
	if (in->failed) {
		*err = in->fatal;
		return -1;
	}
	carb_log(CARB_LOGL_INFO, "%s stopped", in->opts.dry_run ? "dry run"
		 : in->opts.once ? "run --once" : "service");
	return 0;
}

static void free_watch(struct carb_watch_rt *w)
{
	struct carb_map_iter it;
	const char *k;
	size_t len;
	void *v;

	struct carb_map *maps[] = { w->known, w->inodes, w->cands,
				    w->refused };

	for (size_t i = 0; i < 4; i++) {
		if (maps[i] == NULL)
			continue;
		carb_map_iter_init(&it, maps[i]);
		while (carb_map_iter_next(&it, &k, &len, &v))
			free(v);
		carb_map_free(&maps[i]);
	}
	carb_map_free(&w->dirs);
	if (w->root_fd >= 0)
		close(w->root_fd);
	if (w->lock_fd >= 0)
		close(w->lock_fd);
}

size_t carb_intake_close(struct carb_intake **inp)
{
	struct carb_intake *in = *inp;
	int64_t wait_ms = carb_config_service(in->cfg)->shutdown_timeout_ms;
	size_t left;

	if (in == NULL)
		return 0;
	/* After a drain, what is left of its time, and a second more for
	 * the integrity checks it does not wait for. */
	if (in->drain_end_ms > 0) {
		wait_ms = in->drain_end_ms - carb_monotonic_ms();
		wait_ms = wait_ms > 1000 ? wait_ms : 1000;
	}
	left = carb_workers_stop_within(&in->workers, wait_ms);
	if (left > 0)
		carb_log(CARB_LOGL_ERROR, "%zu worker%s still inside a job after"
			 " service.shutdown_timeout; left behind", left,
			 left == 1 ? " is" : "s are");
	carb_metadata_close(in);
	carb_grouping_close(in);
	while (in->results != NULL) {
		struct carb_job *next = in->results->next;

		carb_job_free(in->results);
		in->results = next;
	}
	carb_archiving_close(in);
	carb_rules_reload_close(in);
	carb_watch_release(in);
	for (size_t i = 0; i < in->nwatches; i++)
		free_watch(&in->watches[i]);
	free(in->watches);
	carb_map_free(&in->wds);
	carb_map_free(&in->moved);
	free(in);
	*inp = NULL;
	return left;
}
