/* GET /health: whether the service works, from the loop's snapshot alone
 * (no catalog call), for uptime monitors and load balancers; and GET
 * /metrics, from the counters in memory. */
#include <string.h>

#include "http/http_internal.h"

/* The loop turns at least every couple of seconds while the listener is
 * on (the service bounds its sleep); this much silence means it is stuck
 * in one step. */
#define STUCK_MS 30000

json_t *carb_http_health_state(struct carb_http *h, bool *healthy)
{
	struct carb_http_snapshot s;
	char why[512], paused[256], reason[768] = "";
	int64_t age;

	carb_http_snapshot_get(h, &s, why, sizeof(why), paused, sizeof(paused));
	age = s.turned_ms ? carb_monotonic_ms() - s.turned_ms : -1;
	if (age < 0)
		snprintf(reason, sizeof(reason), "the service is starting");
	else if (!s.catalog_ok)
		snprintf(reason, sizeof(reason), "catalog unreachable: %s",
			 s.catalog_why ? s.catalog_why : "no answer");
	else if (age > STUCK_MS)
		snprintf(reason, sizeof(reason), "the event loop has not turned"
			 " for %lld s", (long long)(age / 1000));
	else if (s.watches_lost > 0)
		snprintf(reason, sizeof(reason), "%zu of %zu watches lost (folder"
			 " gone or unreadable)", s.watches_lost, s.watches);
	else if (s.paused != NULL)
		snprintf(reason, sizeof(reason), "destination \"%s\" is paused",
			 s.paused);
	*healthy = reason[0] == '\0';
	return json_pack("{s:s,s:s?,s:I,s:b,s:I,s:I,s:s?}",
			 "status", reason[0] ? "unhealthy" : "ok",
			 "reason", reason[0] ? reason : NULL,
			 "loop_age_ms", (json_int_t)age,
			 "catalog", s.catalog_ok,
			 "watches", (json_int_t)s.watches,
			 "watches_lost", (json_int_t)s.watches_lost,
			 "paused_destination", s.paused);
}

enum MHD_Result carb_http_health(struct carb_http *h, struct MHD_Connection *c,
				 struct carb_http_req *r, const char *url,
				 const char *data, size_t *size)
{
	bool healthy;
	json_t *state = carb_http_health_state(h, &healthy);

	(void)r, (void)url, (void)data, (void)size;
	return carb_http_send_json(c, healthy ? MHD_HTTP_OK
				   : MHD_HTTP_SERVICE_UNAVAILABLE, state);
}

/* GET /metrics: the registry's counters as Prometheus text, from memory
 * only (a scrape never asks the catalog). */
enum MHD_Result carb_http_metrics(struct carb_http *h, struct MHD_Connection *c,
				  struct carb_http_req *r, const char *url,
				  const char *data, size_t *size)
{
	struct carb_buf b;
	size_t len;

	(void)r, (void)url, (void)data, (void)size;
	if (h->deps.metrics == NULL)
		return carb_http_send_error(c, MHD_HTTP_NOT_FOUND, "no metrics"
					    " are kept by this process");
	carb_buf_init(&b);
	carb_metrics_render(h->deps.metrics, &b);
	len = b.len;
	return carb_http_send(c, MHD_HTTP_OK,
			      "text/plain; version=0.0.4; charset=utf-8",
			      b.data ? carb_buf_detach(&b) : carb_xstrdup(""), len);
}
