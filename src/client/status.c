/* carbonation_status: what `carbonation status` reports, as a struct.
 * The public struct points into the catalog's own report, which it keeps
 * alive, so nothing is copied twice and one free releases all. */
#include <stdlib.h>
#include <string.h>

#include "client/client_internal.h"
#include "util/util.h"

_Static_assert(CARBONATION_STATUS_WINDOWS == CARB_STATUS_NWINDOWS,
	       "the public windows are the catalog's");

/* The public struct first, so a pointer to it is one to the whole. */
struct status_holder {
	struct carbonation_status pub;
	struct carb_status_report r;
	struct carbonation_instance *instances;
	struct carbonation_count *counts[CARBONATION_STATUS_WINDOWS];
	struct carbonation_total *totals;
	struct carbonation_count *reasons;
};

static void instances(struct status_holder *h)
{
	h->instances = carb_xcalloc(h->r.ninstances + 1, sizeof(*h->instances));
	for (size_t i = 0; i < h->r.ninstances; i++) {
		const struct carb_status_instance *in = &h->r.instances[i];
		struct carbonation_instance *o = &h->instances[i];

		*o = (struct carbonation_instance){
			.host = in->host, .name = in->name,
			.version = in->version, .config_path = in->config_path,
			.watches = in->watches, .pid = in->pid,
			.started_at = in->started_at,
			.last_heartbeat = in->last_heartbeat,
			.heartbeat_interval_us = in->interval_us,
			.stopped_at = in->stopped_at,
			.files_seen = in->counters.files_seen,
			.files_archived = in->counters.files_archived,
			.files_failed = in->counters.files_failed,
			.last_event_at = in->counters.last_event_at,
			.last_walk_at = in->counters.last_walk_at,
			.stale = in->stale, .newest = in->newest,
		};
		if (in->newest && (in->stale || in->stopped_at != 0))
			h->pub.healthy = 0;
	}
	h->pub.instances = h->instances;
	h->pub.ninstances = h->r.ninstances;
}

static void counts(struct status_holder *h)
{
	for (size_t w = 0; w < CARBONATION_STATUS_WINDOWS; w++) {
		size_t n = h->r.ncounts[w];

		h->counts[w] = carb_xcalloc(n + 1, sizeof(*h->counts[w]));
		for (size_t j = 0; j < n; j++) {
			h->counts[w][j].name = h->r.counts[w][j].status;
			h->counts[w][j].count = h->r.counts[w][j].count;
		}
		h->pub.counts[w] = h->counts[w];
		h->pub.ncounts[w] = n;
	}
}

static void totals(struct status_holder *h)
{
	h->totals = carb_xcalloc(h->r.ntotals + 1, sizeof(*h->totals));
	for (size_t i = 0; i < h->r.ntotals; i++)
		h->totals[i] = (struct carbonation_total){
			h->r.totals[i].watch, h->r.totals[i].destination,
			h->r.totals[i].files, h->r.totals[i].bytes,
		};
	h->pub.archived = h->totals;
	h->pub.narchived = h->r.ntotals;
	h->reasons = carb_xcalloc(h->r.nreasons + 1, sizeof(*h->reasons));
	for (size_t i = 0; i < h->r.nreasons; i++)
		h->reasons[i] = (struct carbonation_count){
			h->r.reasons[i].reason, h->r.reasons[i].count,
		};
	h->pub.failed_reasons = h->reasons;
	h->pub.nfailed_reasons = h->r.nreasons;
}

int carbonation_status(carbonation *c, struct carbonation_status **out,
		       struct carbonation_error *err)
{
	struct status_holder *h = carb_xcalloc(1, sizeof(*h));
	struct carb_error e = { 0 };

	*out = NULL;
	if (carb_catalog_status(c->cat, &h->r, &e) < 0) {
		carb_status_report_release(&h->r);
		free(h);
		return carb_client_fail(err, e.msg);
	}
	h->pub.now = h->r.now;
	h->pub.healthy = 1;
	instances(h);
	counts(h);
	totals(h);
	h->pub.retry_queue = h->r.retry_depth;
	h->pub.next_retry_at = h->r.next_retry_at;
	h->pub.failed = h->r.failed;
	h->pub.backlog_pending = h->r.backlog_pending;
	h->pub.backlog_ready = h->r.backlog_ready;
	h->pub.oldest_waiting_id = h->r.oldest_waiting_id;
	h->pub.oldest_waiting_at = h->r.oldest_waiting_at;
	h->pub.oldest_waiting_key = h->r.oldest_waiting_key;
	h->pub.oldest_waiting_len = h->r.oldest_waiting_len;
	*out = &h->pub;
	return 0;
}

void carbonation_status_free(struct carbonation_status **s)
{
	struct status_holder *h;

	if (s == NULL || *s == NULL)
		return;
	h = (struct status_holder *)*s;
	carb_status_report_release(&h->r);
	free(h->instances);
	for (size_t w = 0; w < CARBONATION_STATUS_WINDOWS; w++)
		free(h->counts[w]);
	free(h->totals);
	free(h->reasons);
	free(h);
	*s = NULL;
}
