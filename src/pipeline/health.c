/* What the service layer shows of the intake: counts for the status line
 * and the metrics, and the watchdog's question, whether a worker is stuck
 * in one job. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/intake_internal.h"

static void count(struct carb_intake_stats *st, enum carb_status status)
{
	if (status == CARB_STATUS_PENDING || status == CARB_STATUS_READY)
		st->pending++;
	else if (status == CARB_STATUS_WAITING)
		st->waiting++;
	else if (status == CARB_STATUS_ARCHIVING)
		st->archiving++;
	else if (status == CARB_STATUS_RETRY_PENDING)
		st->retrying++;
	else if (status == CARB_STATUS_FAILED ||
		 status == CARB_STATUS_INTEGRITY_FAILED)
		st->failed++;
	else if (status == CARB_STATUS_ARCHIVED)
		st->archived++;
}

void carb_intake_stats(struct carb_intake *in, struct carb_intake_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->watches = in->nwatches;
	for (size_t i = 0; i < in->nwatches; i++) {
		struct carb_watch_rt *w = &in->watches[i];
		struct carb_map_iter it;
		const char *rel;
		size_t len;
		void *v;

		st->watches_lost += w->root_fd < 0;
		st->settling += carb_map_count(w->cands);
		carb_map_iter_init(&it, w->known);
		while (carb_map_iter_next(&it, &rel, &len, &v))
			count(st, ((const struct carb_known *)v)->status);
	}
	st->paused = carb_archiving_paused(in);
	st->last_event_at = in->last_event_us;
	st->last_walk_at = in->last_walk_us;
}

void carb_health_metrics(struct carb_intake *in, bool force)
{
	struct carb_metrics *m = in->opts.metrics;
	size_t by[CARB_STATUS_COUNT] = { 0 }, settling = 0;
	int64_t now = carb_monotonic_ms();

	if (m == NULL ||
	    (!force && in->metrics_ms > 0 && now - in->metrics_ms < 1000))
		return;
	in->metrics_ms = now;
	for (size_t i = 0; i < in->nwatches; i++) {
		struct carb_watch_rt *w = &in->watches[i];
		struct carb_map_iter it;
		const char *rel;
		size_t len;
		void *v;

		settling += carb_map_count(w->cands);
		carb_map_iter_init(&it, w->known);
		while (carb_map_iter_next(&it, &rel, &len, &v)) {
			enum carb_status s = ((const struct carb_known *)v)->status;

			if ((size_t)s < CARB_STATUS_COUNT)
				by[s]++;
		}
		/* counters at 0 from the start, so that a rate is known
		 * before the first overflow */
		carb_metrics_add(m, CARB_METRIC_INOTIFY_OVERFLOWS, w->cfg->name, 0);
		carb_metrics_add(m, CARB_METRIC_RESCANS, w->cfg->name, 0);
	}
	for (size_t s = 0; s < CARB_STATUS_COMPONENT_COUNT; s++)
		carb_metrics_set(m, CARB_METRIC_COMPONENTS,
				 carb_status_name((enum carb_status)s),
				 (double)by[s]);
	carb_metrics_set(m, CARB_METRIC_QUEUE_DEPTH, "settle", (double)settling);
	/* recorded, their check queued or running */
	carb_metrics_set(m, CARB_METRIC_QUEUE_DEPTH, "integrity",
			 (double)by[CARB_STATUS_PENDING]);
	carb_metrics_set(m, CARB_METRIC_QUEUE_DEPTH, "metadata",
			 (double)carb_metadata_groups(in));
	carb_metrics_set(m, CARB_METRIC_QUEUE_DEPTH, "archive",
			 (double)carb_archiving_gauges(in, m));
	carb_metrics_set(m, CARB_METRIC_RETRY_DEPTH, NULL,
			 (double)by[CARB_STATUS_RETRY_PENDING]);
}

/* What the pool shows of its most overdue job, copied out under its
 * lock. */
struct overdue {
	char what[512];
	int64_t gid;          /* a plugin call's group; 0: another job */
	int64_t ran_ms, limit_ms;
};

static void describe(const struct carb_job *job, int64_t ran_ms, void *ctx)
{
	struct overdue *o = ctx;

	o->ran_ms = ran_ms;
	o->limit_ms = job->limit_ms;
	o->gid = job->ops->describe(job, o->what, sizeof(o->what));
}

/* The next start reads the mark as one crash of the group, and its
 * reason says the call hung. */
static void mark_hung(struct carb_intake *in, const struct overdue *o,
		      const char *fn)
{
	struct carb_error err;
	char limit[32];
	char *mark;

	if (o->gid == 0 || o->gid == in->hung_gid || carb_turn_failed(in->turn))
		return;
	in->hung_gid = o->gid;
	mark = carb_xasprintf("%s%s (no return within %s)",
			      CARB_PLUGIN_HUNG_MARK, fn,
			      carb_config_format_duration(o->limit_ms, limit,
							  sizeof(limit)));
	carb_log(CARB_LOGL_ERROR, "group %lld: plugin call %s has not returned"
		 " within %s: hung; the watchdog stops, and the next start"
		 " counts it as a crash of the group", (long long)o->gid, fn,
		 limit);
	carb_error_clear(&err);
	if (carb_turn_tx(in->turn) &&
	    carb_group_plugin_mark(in->cat, o->gid, mark, &err) < 0)
		carb_turn_fail(in->turn, &err);
	else
		carb_turn_commit(in->turn);
	free(mark);
}

bool carb_intake_overdue(struct carb_intake *in, char *what, size_t size)
{
	struct overdue o = { .gid = 0 };

	if (in->workers == NULL ||
	    !carb_workers_overdue(in->workers, carb_monotonic_ms(), describe, &o))
		return false;
	snprintf(what, size, "%s has run %lld s (its bound: %lld s)", o.what,
		 (long long)(o.ran_ms / 1000), (long long)(o.limit_ms / 1000));
	if (o.gid != 0) {
		/* "plugin call FN on group N": the function's part */
		const char *fn = o.what + strlen("plugin call ");
		char buf[384];
		const char *end = strstr(fn, " on group ");

		snprintf(buf, sizeof(buf), "%.*s",
			 (int)(end ? end - fn : (ptrdiff_t)strlen(fn)), fn);
		mark_hung(in, &o, buf);
	}
	return true;
}
