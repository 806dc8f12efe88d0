/* util: the in-memory metrics behind `GET /metrics` (issue 15), opened
 * through util/util.h.  One registry per service: the intake and the
 * plugin count into it from their threads, the HTTP layer renders it in
 * the Prometheus text exposition format 0.0.4 from its own.  Nothing here
 * queries the catalog: a scrape costs a walk over the series and nothing
 * else.
 *
 * Every updating function takes a registry that may be NULL (nothing is
 * counted then), so a caller with no HTTP face (`run --once`, tests)
 * passes NULL and needs no branch of its own.  Values are atomics; the
 * first update of a new label value adds its series under a lock, later
 * ones take only a read lock to find it. */
#ifndef CARB_METRICS_H
#define CARB_METRICS_H

#include <stdint.h>

struct carb_buf;
struct carb_metrics;

/* The metrics carbonation keeps.  The table in metrics.c gives each its
 * name, type, labels and help; docs/service.md "Metrics" lists them. */
enum carb_metric {
	CARB_METRIC_COMPONENTS,        /* gauge {status} */
	CARB_METRIC_TRANSITIONS,       /* counter {status} */
	CARB_METRIC_ARCHIVED_BYTES,    /* counter {destination} */
	CARB_METRIC_ARCHIVED_FILES,    /* counter {destination} */
	CARB_METRIC_ARCHIVE_DURATION,  /* histogram {destination}: a batch */
	CARB_METRIC_CATALOG_TX,        /* histogram: a turn's transaction */
	CARB_METRIC_QUEUE_DEPTH,       /* gauge {queue} */
	CARB_METRIC_RETRY_DEPTH,       /* gauge */
	CARB_METRIC_DESTINATION_PAUSED,  /* gauge {destination} 0 or 1 */
	CARB_METRIC_INOTIFY_OVERFLOWS, /* counter {watch} */
	CARB_METRIC_RESCANS,           /* counter {watch} */
	CARB_METRIC_WATCH_LAST_EVENT,  /* gauge {watch}: Unix time, seconds */
	CARB_METRIC_WATCH_EVENT_AGE,   /* gauge {watch}: from the one above,
					* at render time; never updated */
	CARB_METRIC_PLUGIN_CALLS,      /* counter {kind, function} */
	CARB_METRIC_PLUGIN_FAILURES,   /* counter {kind, function} */
	CARB_METRIC_PLUGIN_CRASHES,    /* counter {kind, function} */
	CARB_METRIC_BUILD_INFO,        /* gauge {version, backend}, 1 */
	CARB_METRIC_EVENTS_UNSENT,     /* gauge {sink}: the outbox's depth */
	CARB_METRIC_EVENTS_OLDEST_AGE, /* gauge {sink}: seconds */
	CARB_METRIC_EVENTS_DELIVERED,  /* counter {sink} */
	CARB_METRIC_COUNT
};

/* A registry; the caller frees it with carb_metrics_free.  Lives across
 * intake reopenings (catalog outage) so counters only grow. */
struct carb_metrics *carb_metrics_new(void);
/* Frees *m and sets it to NULL; nothing may update it any more. */
void carb_metrics_free(struct carb_metrics **m);

/* Appends the Prometheus text exposition format 0.0.4 of every metric to
 * out.  Thread-safe against concurrent updates (values are atomics;
 * label registration under a mutex).  A family with no series yet is
 * still described (HELP, TYPE), so a scrape names every metric. */
void carb_metrics_render(struct carb_metrics *m, struct carb_buf *out);

/* build info: carbonation_build_info{version=,backend=} 1.  A second
 * call replaces the first (a catalog reopened on another backend). */
void carb_metrics_set_build(struct carb_metrics *m, const char *version,
			    const char *backend);

/* Updates one series of metric id.  label is the value of the family's
 * one label (NULL for a family without labels); the *2 forms take the
 * two values of a family with two.  Label values are any bytes up to a
 * NUL: the render escapes them.  A call that does not fit the family
 * (a counter set, a wrong number of labels) changes nothing: it is a
 * programming error, but not one worth a process. */
/* counter: adds n */
void carb_metrics_add(struct carb_metrics *m, enum carb_metric id,
		      const char *label, uint64_t n);
void carb_metrics_add2(struct carb_metrics *m, enum carb_metric id,
		       const char *label1, const char *label2, uint64_t n);
/* gauge: sets v */
void carb_metrics_set(struct carb_metrics *m, enum carb_metric id,
		      const char *label, double v);
/* histogram: one observation of us microseconds */
void carb_metrics_observe(struct carb_metrics *m, enum carb_metric id,
			  const char *label, int64_t us);

#endif
