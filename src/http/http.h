/* http: the optional HTTP listener of `carbonation run` (docs/http.md):
 * /health, /metrics, the JSON API over the one query layer, the
 * dashboard and uploads into a watch.  The only door into src/http/.
 *
 * The listener runs in threads of its own (one per connection, GNU
 * libmicrohttpd).  It never touches the intake: the service publishes a
 * snapshot of it after each turn (carb_http_publish), counters come from
 * the metrics registry, and the API reads the catalog on connections of
 * its own, so a slow client or a slow query never holds up the loop. */
#ifndef CARB_HTTP_H
#define CARB_HTTP_H

#include <stdbool.h>
#include <stdint.h>

#include "catalog/catalog.h"
#include "config/config.h"
#include "plugin/plugin.h"
#include "util/util.h"

struct carb_http;

/* What the loop's owner knows of it, published after each turn and while
 * the catalog is away.  Strings are copied. */
struct carb_http_snapshot {
	int64_t turned_ms;          /* monotonic: the loop's last turn */
	bool catalog_ok;            /* false while the service waits for it */
	const char *catalog_why;    /* why not, or NULL */
	size_t watches;             /* watches the intake holds */
	size_t watches_lost;        /* of them, folder gone or unreadable */
	const char *paused;         /* a paused destination, or NULL */
};

/* Opens a connection to the catalog cfg names, schema checked: 0 with
 * *cat set (the caller closes it), or -1 with err. */
typedef int (*carb_http_connect_fn)(void *ctx, const struct carb_config *cfg,
				    struct carb_catalog **cat,
				    struct carb_error *err);

struct carb_http_deps {
	const struct carb_config *cfg;        /* outlives the listener; only
					       * keys a reload cannot change
					       * are read */
	const struct carb_plugin_rt *plugin;  /* may be NULL; outlives it */
	struct carb_metrics *metrics;         /* may be NULL; outlives it */
	carb_http_connect_fn connect;
	void *connect_ctx;
};

/* Starts listening where [http] listen says, and serving.  With no
 * listen key, *out is NULL and 0 is returned.  Returns -1 with err when
 * the token file cannot be read or the address not bound.  Free with
 * carb_http_stop. */
int carb_http_start(const struct carb_http_deps *deps, struct carb_http **out,
		    struct carb_error *err);
/* The loop's latest state; cheap (a copy under a lock).  h may be NULL. */
void carb_http_publish(struct carb_http *h, const struct carb_http_snapshot *s);
/* Stops listening, waits for requests in progress, removes a unix
 * socket, frees.  *h may be NULL. */
void carb_http_stop(struct carb_http **h);

#endif
