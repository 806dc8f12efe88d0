/* The intake's event loop, on top of the steps: inotify, worker results,
 * timers for settle, polling, reconciliation and group deadlines, and a
 * stop descriptor.  run loops over turns until a stop (or, with once,
 * until nothing is left), then drains.  Catalog writes of one turn share
 * one transaction (the turn, turn.c: group commit), so a burst of
 * thousands of files costs a few commits, not thousands. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/intake_internal.h"

/* A turn commits after this many writes even if more work waits. */
#define TX_MAX_OPS 1000

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

/* Worker results, at most max of them and RESULTS_TURN_MS of work per
 * call (max 0: all) so that a backlog of thousands cannot keep the loop
 * from a stop signal, from its commit or from handing out archive work;
 * returns whether some are left. */
#define RESULTS_PER_TURN 500
#define RESULTS_TURN_MS 200

/* Takes what the workers finished: the kinds that go first (archive
 * batches) ahead of the checks still waiting, since their files are
 * already in place and a service killed before their outcomes are
 * committed does them again. */
static void gather_results(struct carb_intake *in)
{
	struct carb_job *job, *next, *batches = NULL, **bt = &batches;
	struct carb_job **rt = &in->results;

	while (*rt != NULL)
		rt = &(*rt)->next;
	for (job = carb_workers_take(in->workers); job != NULL; job = next) {
		next = job->next;
		job->next = NULL;
		if (job->ops->first) {
			*bt = job;
			bt = &job->next;
		} else {
			*rt = job;
			rt = &job->next;
		}
	}
	*bt = in->results;
	in->results = batches;
}

static bool take_results(struct carb_intake *in, size_t max)
{
	int64_t end = carb_monotonic_ms() + RESULTS_TURN_MS;
	struct carb_job *job, *next;
	size_t n = 0;

	gather_results(in);
	for (job = in->results; job != NULL &&
	     (max == 0 || (n < max && carb_monotonic_ms() < end));
	     job = next, n++) {
		bool commit = job->ops->commit;

		next = job->next;
		/* While draining, only the kinds that finish what started
		 * (archive outcomes, plugin calls) are applied. */
		if (!carb_turn_failed(in->turn) &&
		    (!in->stopping || job->ops->drained))
			job->ops->apply(in, job);
		carb_job_free(job);
		/* Outcomes are durable as soon as their batch ends, not at
		 * the end of a turn that may go on for long: a service
		 * killed then keeps what it archived. */
		if (commit)
			carb_turn_commit(in->turn);
		if (carb_turn_ops(in->turn) >= TX_MAX_OPS)
			carb_turn_commit(in->turn);
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
			/* between reconciliations an inotify watch walks
			 * only when events may have been lost */
			if (!w->poll && w->next_walk_ms > 0 &&
			    now >= w->next_walk_ms)
				carb_metrics_add(in->opts.metrics,
						 CARB_METRIC_RESCANS,
						 w->cfg->name, 1);
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

/* What a previous run left goes first: its ARCHIVING files go to the
 * workers before anything new is walked or recorded, so a start that
 * lives a second finishes some of them even when each start dies soon
 * (a crash loop).  Before the results of the checks submitted at start:
 * a group they complete is planned ARCHIVING in this turn. */
static void recover(struct carb_intake *in)
{
	carb_metadata_recover(in);
	carb_archiving_recover(in);
	if (carb_turn_commit(in->turn) == 0 && !carb_turn_failed(in->turn))
		carb_archiving_submit(in);
}

/* One turn: everything due now, then how long to sleep.  Archive work
 * queued in the turn goes to the workers only after the turn's commit:
 * no file moves before its ARCHIVING row is durable. */
static int turn(struct carb_intake *in, bool first)
{
	int64_t now = carb_monotonic_ms(), next, timeout;
	bool more;

	if (first)
		recover(in);
	more = take_results(in, RESULTS_PER_TURN);
	next = walk_due(in, now);
	next = min_nonzero(next, carb_settle_tick(in, now));
	carb_groups_tick(in);
	if (carb_rules_reload_fd(in) >= 0)
		carb_rules_reload_tick(in);
	next = min_nonzero(next, carb_archiving_tick(in, first));
	next = min_nonzero(next, carb_rules_reload_due(in));
	if (more)
		next = now;  /* results wait: no sleep */
	if (carb_turn_commit(in->turn) < 0)
		return -1;
	if (!carb_turn_failed(in->turn))
		carb_archiving_submit(in);
	if (!carb_turn_failed(in->turn))
		carb_metadata_submit(in);
	carb_health_metrics(in, false);
	timeout = next - carb_monotonic_ms();
	if (carb_groups_deadline(in) > 0) {
		int64_t d = (carb_groups_deadline(in) - carb_now_us()) / 1000 + 1;

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
	while ((carb_archiving_batches(in) > 0 || carb_metadata_inflight(in) > 0) &&
	       !carb_turn_failed(in->turn)) {
		int64_t left = end - carb_monotonic_ms();

		if (left <= 0) {
			carb_log(CARB_LOGL_WARNING, "stopping with %zu archive"
				 " batch%s unfinished; the next start takes"
				 " them up", carb_archiving_batches(in),
				 carb_archiving_batches(in) == 1 ? "" : "es");
			break;
		}
		poll(&pfd, 1, (int)(left > 1000 ? 1000 : left));
		take_results(in, 0);
	}
	carb_turn_commit(in->turn);
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
		{ .fd = carb_rules_reload_fd(in), .events = POLLIN },
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
		if (carb_turn_failed(in->turn) || (in->opts.once && once_done(in)))
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
	if (!carb_turn_failed(in->turn))
		drain(in);
	carb_health_metrics(in, true);
	in->hooks = NULL;
	if (in->opts.once)
		carb_archiving_leftovers(in);
	if (carb_turn_failed(in->turn) || in->opts.dry_run)
		carb_turn_rollback(in->turn);
	if (carb_turn_failed(in->turn)) {
		*err = *carb_turn_error(in->turn);
		return -1;
	}
	carb_log(CARB_LOGL_INFO, "%s stopped", in->opts.dry_run ? "dry run"
		 : in->opts.once ? "run --once" : "service");
	return 0;
}
