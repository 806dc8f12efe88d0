/* The metrics registry: a fixed table of families (name, type, labels,
 * help), each with the series its label values have made so far.  The
 * intake's thread, the workers and the plugin's callers update it while
 * the HTTP thread renders it, so values are atomics, and a series, once
 * made, stays at its address until the registry is freed: an updater
 * finds it under a read lock and writes it with no lock at all. */
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

enum kind { COUNTER, GAUGE, HISTOGRAM };

/* A histogram's upper bounds, in microseconds (what is observed) and as
 * the le text the exposition shows. */
struct bound {
	int64_t us;
	const char *le;
};

/* An archive batch copies for at most a fifth of a second and then
 * flushes, so most take between 10 ms and a few seconds; a slow disk or
 * a network destination stretches that to minutes. */
static const struct bound archive_bounds[] = {
	{ 5000, "0.005" }, { 10000, "0.01" }, { 25000, "0.025" },
	{ 50000, "0.05" }, { 100000, "0.1" }, { 250000, "0.25" },
	{ 500000, "0.5" }, { 1000000, "1" }, { 2500000, "2.5" },
	{ 5000000, "5" }, { 10000000, "10" }, { 30000000, "30" },
	{ 60000000, "60" }, { 300000000, "300" },
};

/* A turn's transaction: a fraction of a millisecond on SQLite without
 * sync, many seconds when a server stalls. */
static const struct bound catalog_bounds[] = {
	{ 500, "0.0005" }, { 1000, "0.001" }, { 2500, "0.0025" },
	{ 5000, "0.005" }, { 10000, "0.01" }, { 25000, "0.025" },
	{ 50000, "0.05" }, { 100000, "0.1" }, { 250000, "0.25" },
	{ 500000, "0.5" }, { 1000000, "1" }, { 2500000, "2.5" },
	{ 5000000, "5" }, { 10000000, "10" },
};

#define BOUNDS(b) b, sizeof(b) / sizeof(b[0])

struct family_def {
	const char *name;
	enum kind kind;
	size_t nlabels;
	const char *labels[2];
	const struct bound *bounds;
	size_t nbounds;
	const char *help;
};

/* In enum carb_metric's order. */
static const struct family_def defs[CARB_METRIC_COUNT] = {
	[CARB_METRIC_COMPONENTS] = {
		"carbonation_components", GAUGE, 1, { "status" }, NULL, 0,
		"Components of the watches this service holds, by status"
		" (the intake's in-memory view, refreshed about once a second)",
	},
	[CARB_METRIC_TRANSITIONS] = {
		"carbonation_transitions_total", COUNTER, 1, { "status" }, NULL, 0,
		"Component status changes, by the status reached, counted when"
		" the transaction that wrote them commits",
	},
	[CARB_METRIC_ARCHIVED_BYTES] = {
		"carbonation_archived_bytes_total", COUNTER, 1,
		{ "destination" }, NULL, 0,
		"Bytes of components that reached ARCHIVED, by destination",
	},
	[CARB_METRIC_ARCHIVED_FILES] = {
		"carbonation_archived_files_total", COUNTER, 1,
		{ "destination" }, NULL, 0,
		"Components that reached ARCHIVED, by destination",
	},
	[CARB_METRIC_ARCHIVE_DURATION] = {
		"carbonation_archive_duration_seconds", HISTOGRAM, 1,
		{ "destination" }, BOUNDS(archive_bounds),
		"Time one archive batch took in a worker, per batch (its copies,"
		" shared flushes, verification and renames), by destination",
	},
	[CARB_METRIC_CATALOG_TX] = {
		"carbonation_catalog_transaction_duration_seconds", HISTOGRAM, 0,
		{ NULL }, BOUNDS(catalog_bounds),
		"Time a turn's catalog transaction was open, from its first"
		" write to the end of its commit (committed transactions only)",
	},
	[CARB_METRIC_QUEUE_DEPTH] = {
		"carbonation_queue_depth", GAUGE, 1, { "queue" }, NULL, 0,
		"Work waiting or in progress: settle (files seen, not yet"
		" recorded), integrity (checks), metadata (plugin calls on"
		" groups), archive (components planned, not yet placed)",
	},
	[CARB_METRIC_RETRY_DEPTH] = {
		"carbonation_retry_queue_depth", GAUGE, 0, { NULL }, NULL, 0,
		"Components in RETRY_PENDING, waiting for their next archive"
		" attempt",
	},
	[CARB_METRIC_DESTINATION_PAUSED] = {
		"carbonation_destination_paused", GAUGE, 1, { "destination" },
		NULL, 0,
		"1 while a destination cannot take files (out of space, read"
		" only) and is probed with one file at a time, else 0",
	},
	[CARB_METRIC_INOTIFY_OVERFLOWS] = {
		"carbonation_inotify_overflows_total", COUNTER, 1, { "watch" },
		NULL, 0,
		"Times the inotify queue overflowed and events of this watch"
		" were lost (each is followed by a rescan)",
	},
	[CARB_METRIC_RESCANS] = {
		"carbonation_rescans_total", COUNTER, 1, { "watch" }, NULL, 0,
		"Walks of a watch made because events may have been missed"
		" (an overflow, a folder moved, a watch that could not be"
		" added), apart from the periodic reconciliation and polling",
	},
	[CARB_METRIC_WATCH_LAST_EVENT] = {
		"carbonation_watch_last_event_timestamp_seconds", GAUGE, 1,
		{ "watch" }, NULL, 0,
		"When the last inotify event of a watch was read (Unix time);"
		" absent before the first",
	},
	[CARB_METRIC_WATCH_EVENT_AGE] = {
		"carbonation_watch_last_event_age_seconds", GAUGE, 1,
		{ "watch" }, NULL, 0,
		"Seconds since the last inotify event of a watch was read, at"
		" the scrape; absent before the first",
	},
	[CARB_METRIC_PLUGIN_CALLS] = {
		"carbonation_plugin_calls_total", COUNTER, 2,
		{ "kind", "function" }, NULL, 0,
		"Calls of a plugin function, by its rules key and name",
	},
	[CARB_METRIC_PLUGIN_FAILURES] = {
		"carbonation_plugin_failures_total", COUNTER, 2,
		{ "kind", "function" }, NULL, 0,
		"Calls of a plugin function that failed (crashes and timeouts"
		" included)",
	},
	[CARB_METRIC_PLUGIN_CRASHES] = {
		"carbonation_plugin_crashes_total", COUNTER, 2,
		{ "kind", "function" }, NULL, 0,
		"Calls of a plugin function that crashed, hung or broke their"
		" helper process",
	},
	[CARB_METRIC_BUILD_INFO] = {
		"carbonation_build_info", GAUGE, 2, { "version", "backend" },
		NULL, 0,
		"Always 1: the program's version and the catalog's backend",
	},
	[CARB_METRIC_EVENTS_UNSENT] = {
		"carbonation_events_unsent", GAUGE, 1, { "sink" }, NULL, 0,
		"Events in the outbox the sink has not confirmed",
	},
	[CARB_METRIC_EVENTS_OLDEST_AGE] = {
		"carbonation_events_oldest_unsent_age_seconds", GAUGE, 1,
		{ "sink" }, NULL, 0,
		"Age of the oldest event the sink has not confirmed, 0 when"
		" none",
	},
	[CARB_METRIC_EVENTS_DELIVERED] = {
		"carbonation_events_delivered_total", COUNTER, 1, { "sink" },
		NULL, 0,
		"Events the sink confirmed (a replay sends and counts again)",
	},
};

struct series {
	char *values[2];          /* the label values, owned */
	uint64_t counter;         /* atomic */
	double gauge;             /* atomic */
	uint64_t *buckets;        /* atomic each; nbounds + 1, not cumulative:
				   * the last holds what passed every bound */
	uint64_t sum_us;          /* atomic */
};

struct family {
	struct carb_map *index;   /* label values, NUL-joined -> series */
	struct series **list;     /* in the order they were made */
	size_t n, cap;
};

struct carb_metrics {
	pthread_rwlock_t lock;    /* the families' index and lists */
	struct family fam[CARB_METRIC_COUNT];
};

struct carb_metrics *carb_metrics_new(void)
{
	struct carb_metrics *m = carb_xcalloc(1, sizeof(*m));

	pthread_rwlock_init(&m->lock, NULL);
	for (size_t i = 0; i < CARB_METRIC_COUNT; i++)
		m->fam[i].index = carb_map_new();
	return m;
}

static void series_free(struct series *s)
{
	free(s->values[0]);
	free(s->values[1]);
	free(s->buckets);
	free(s);
}

static void family_clear(struct family *f)
{
	for (size_t i = 0; i < f->n; i++)
		series_free(f->list[i]);
	free(f->list);
	f->list = NULL;
	f->n = f->cap = 0;
	carb_map_free(&f->index);
}

void carb_metrics_free(struct carb_metrics **m)
{
	if (*m == NULL)
		return;
	for (size_t i = 0; i < CARB_METRIC_COUNT; i++)
		family_clear(&(*m)->fam[i]);
	pthread_rwlock_destroy(&(*m)->lock);
	free(*m);
	*m = NULL;
}

/* The index key of a series: its label values joined by NUL, which no
 * value holds; one NUL for a family without labels. */
static void key_of(struct carb_buf *key, const char *const *values, size_t n)
{
	if (n == 0)
		carb_buf_addc(key, '\0');
	for (size_t i = 0; i < n; i++) {
		carb_buf_adds(key, values[i]);
		carb_buf_addc(key, '\0');
	}
}

/* The series of family id with these label values, made when it is the
 * first of them.  NULL when the call does not fit the family. */
static struct series *series_of(struct carb_metrics *m, enum carb_metric id,
				enum kind kind, const char *const *values,
				size_t n)
{
	const struct family_def *d;
	struct family *f;
	struct series *s;
	struct carb_buf key;

	if (m == NULL || (unsigned)id >= CARB_METRIC_COUNT)
		return NULL;
	d = &defs[id];
	if (d->kind != kind || d->nlabels != n ||
	    id == CARB_METRIC_WATCH_EVENT_AGE || id == CARB_METRIC_BUILD_INFO)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (values[i] == NULL)
			return NULL;
	f = &m->fam[id];
	carb_buf_init(&key);
	key_of(&key, values, n);
	pthread_rwlock_rdlock(&m->lock);
	s = carb_map_get(f->index, key.data, key.len);
	pthread_rwlock_unlock(&m->lock);
	if (s != NULL) {
		carb_buf_release(&key);
		return s;
	}
	pthread_rwlock_wrlock(&m->lock);
	/* another thread may have made it since the read lock */
	s = carb_map_get(f->index, key.data, key.len);
	if (s == NULL) {
		s = carb_xcalloc(1, sizeof(*s));
		for (size_t i = 0; i < n; i++)
			s->values[i] = carb_xstrdup(values[i]);
		if (kind == HISTOGRAM)
			s->buckets = carb_xcalloc(d->nbounds + 1,
						  sizeof(*s->buckets));
		if (f->n == f->cap) {
			f->cap = f->cap ? 2 * f->cap : 8;
			f->list = carb_xrealloc(f->list,
						f->cap * sizeof(*f->list));
		}
		f->list[f->n++] = s;
		carb_map_put(f->index, key.data, key.len, s);
	}
	pthread_rwlock_unlock(&m->lock);
	carb_buf_release(&key);
	return s;
}

static size_t label_count(const char *label)
{
	return label != NULL;
}

void carb_metrics_add(struct carb_metrics *m, enum carb_metric id,
		      const char *label, uint64_t n)
{
	struct series *s = series_of(m, id, COUNTER, &label,
				     label_count(label));

	if (s != NULL)
		__atomic_add_fetch(&s->counter, n, __ATOMIC_RELAXED);
}

void carb_metrics_add2(struct carb_metrics *m, enum carb_metric id,
		       const char *label1, const char *label2, uint64_t n)
{
	const char *values[2] = { label1, label2 };
	struct series *s = series_of(m, id, COUNTER, values, 2);

	if (s != NULL)
		__atomic_add_fetch(&s->counter, n, __ATOMIC_RELAXED);
}

void carb_metrics_set(struct carb_metrics *m, enum carb_metric id,
		      const char *label, double v)
{
	struct series *s = series_of(m, id, GAUGE, &label, label_count(label));

	if (s != NULL)
		__atomic_store(&s->gauge, &v, __ATOMIC_RELAXED);
}

void carb_metrics_observe(struct carb_metrics *m, enum carb_metric id,
			  const char *label, int64_t us)
{
	struct series *s = series_of(m, id, HISTOGRAM, &label,
				     label_count(label));
	const struct family_def *d;
	size_t i = 0;

	if (s == NULL)
		return;
	d = &defs[id];
	if (us < 0)
		us = 0;  /* a clock cannot run backwards; be safe anyway */
	while (i < d->nbounds && us > d->bounds[i].us)
		i++;
	__atomic_add_fetch(&s->buckets[i], 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&s->sum_us, (uint64_t)us, __ATOMIC_RELAXED);
}

void carb_metrics_set_build(struct carb_metrics *m, const char *version,
			    const char *backend)
{
	struct family *f;
	struct series *s;

	if (m == NULL)
		return;
	s = carb_xcalloc(1, sizeof(*s));
	s->values[0] = carb_xstrdup(version ? version : "");
	s->values[1] = carb_xstrdup(backend ? backend : "");
	s->gauge = 1;
	/* The one family whose series go away: nobody else holds a pointer
	 * to them (series_of refuses it), so they are freed here, under the
	 * write lock that keeps a render out. */
	pthread_rwlock_wrlock(&m->lock);
	f = &m->fam[CARB_METRIC_BUILD_INFO];
	family_clear(f);
	f->index = carb_map_new();
	f->list = carb_xcalloc(1, sizeof(*f->list));
	f->list[0] = s;
	f->n = f->cap = 1;
	pthread_rwlock_unlock(&m->lock);
}

/* ---- the exposition -------------------------------------------------- */

/* {name="value",...}, with extra (le="...") last when not NULL; nothing
 * for a series without labels. */
static void add_labels(struct carb_buf *out, const struct family_def *d,
		       const struct series *s, const char *extra)
{
	if (d->nlabels == 0 && extra == NULL)
		return;
	carb_buf_addc(out, '{');
	for (size_t i = 0; i < d->nlabels; i++) {
		carb_buf_addf(out, "%s%s=\"", i ? "," : "", d->labels[i]);
		carb_buf_add_metric_label(out, s->values[i],
					  strlen(s->values[i]));
		carb_buf_addc(out, '"');
	}
	if (extra != NULL)
		carb_buf_addf(out, "%sle=\"%s\"", d->nlabels ? "," : "", extra);
	carb_buf_addc(out, '}');
}

static void add_double(struct carb_buf *out, double v)
{
	if (isnan(v))
		carb_buf_adds(out, "NaN");
	else if (isinf(v))
		carb_buf_adds(out, v > 0 ? "+Inf" : "-Inf");
	else
		carb_buf_addf(out, "%.17g", v);
}

static void render_histogram(struct carb_buf *out, const struct family_def *d,
			     const struct series *s)
{
	uint64_t total = 0, sum;

	/* Cumulative counts from one reading of each bucket, and the count
	 * from the same readings, so that a render racing an observation
	 * is still consistent (+Inf equals _count). */
	for (size_t i = 0; i <= d->nbounds; i++) {
		total += __atomic_load_n(&s->buckets[i], __ATOMIC_RELAXED);
		carb_buf_addf(out, "%s_bucket", d->name);
		add_labels(out, d, s, i < d->nbounds ? d->bounds[i].le : "+Inf");
		carb_buf_addf(out, " %" PRIu64 "\n", total);
	}
	sum = __atomic_load_n(&s->sum_us, __ATOMIC_RELAXED);
	carb_buf_addf(out, "%s_sum", d->name);
	add_labels(out, d, s, NULL);
	carb_buf_addf(out, " %" PRIu64 ".%06" PRIu64 "\n", sum / 1000000,
		      sum % 1000000);
	carb_buf_addf(out, "%s_count", d->name);
	add_labels(out, d, s, NULL);
	carb_buf_addf(out, " %" PRIu64 "\n", total);
}

/* The age gauge is the timestamp gauge seen from now: a scrape between
 * two events still shows the age growing. */
static void render_ages(struct carb_buf *out, const struct carb_metrics *m,
			const struct family_def *d)
{
	const struct family *ts = &m->fam[CARB_METRIC_WATCH_LAST_EVENT];
	double now = (double)carb_now_us() / 1e6;

	for (size_t i = 0; i < ts->n; i++) {
		double at;

		__atomic_load(&ts->list[i]->gauge, &at, __ATOMIC_RELAXED);
		if (at <= 0)
			continue;
		carb_buf_adds(out, d->name);
		add_labels(out, d, ts->list[i], NULL);
		carb_buf_addc(out, ' ');
		add_double(out, now > at ? now - at : 0);
		carb_buf_addc(out, '\n');
	}
}

static void render_family(struct carb_buf *out, const struct carb_metrics *m,
			  enum carb_metric id)
{
	static const char *const types[] = { "counter", "gauge", "histogram" };
	const struct family_def *d = &defs[id];
	const struct family *f = &m->fam[id];

	carb_buf_addf(out, "# HELP %s %s\n# TYPE %s %s\n", d->name, d->help,
		      d->name, types[d->kind]);
	if (id == CARB_METRIC_WATCH_EVENT_AGE) {
		render_ages(out, m, d);
		return;
	}
	for (size_t i = 0; i < f->n; i++) {
		const struct series *s = f->list[i];
		double g;

		if (d->kind == HISTOGRAM) {
			render_histogram(out, d, s);
			continue;
		}
		carb_buf_adds(out, d->name);
		add_labels(out, d, s, NULL);
		carb_buf_addc(out, ' ');
		if (d->kind == COUNTER) {
			carb_buf_addf(out, "%" PRIu64,
				      __atomic_load_n(&s->counter,
						      __ATOMIC_RELAXED));
		} else {
			__atomic_load(&s->gauge, &g, __ATOMIC_RELAXED);
			add_double(out, g);
		}
		carb_buf_addc(out, '\n');
	}
}

void carb_metrics_render(struct carb_metrics *m, struct carb_buf *out)
{
	if (m == NULL)
		return;
	pthread_rwlock_rdlock(&m->lock);
	for (size_t i = 0; i < CARB_METRIC_COUNT; i++)
		render_family(out, m, (enum carb_metric)i);
	pthread_rwlock_unlock(&m->lock);
}
