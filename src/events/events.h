/* events: the publisher of the outbox (docs/events.md).  A final status
 * writes an events row in the same transaction (the 0010 triggers); this
 * layer sends those rows to the [[events]] sinks, in order per sink, and
 * records a delivery only once the sink confirmed it.  The only door into
 * src/events/.
 *
 * The publisher is a thread of the service with a catalog connection of
 * its own: the intake never waits for it, so a sink that is down only
 * lets the outbox grow. */
#ifndef CARB_EVENTS_H
#define CARB_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog/catalog.h"
#include "config/config.h"
#include "plugin/plugin.h"
#include "util/util.h"

struct carb_events;

/* Opens a connection to the catalog cfg names, schema checked: 0 with
 * *cat set (the caller closes it), or -1 with err. */
typedef int (*carb_events_connect_fn)(void *ctx, const struct carb_config *cfg,
				      struct carb_catalog **cat,
				      struct carb_error *err);

struct carb_events_deps {
	const struct carb_config *cfg;    /* outlives the publisher; only keys
					   * a reload cannot change are read */
	carb_events_connect_fn connect;
	void *connect_ctx;
	struct carb_metrics *metrics;     /* may be NULL; outlives it */
	const struct carb_plugin_rt *plugin;  /* may be NULL; outlives it: its
					       * columns go in each event */
};

/* Starts the publisher thread: it sends to the [[events]] sinks and
 * prunes delivered events after [service] event_retention (also when no
 * sink is configured, so the outbox does not grow without bound).
 * Returns -1 with err when a secret_file or credentials_file cannot be
 * read (or is not USER:PASSWORD) or the thread not started.  Stop with
 * carb_events_stop. */
int carb_events_start(const struct carb_events_deps *deps,
		      struct carb_events **out, struct carb_error *err);
/* Asks the thread to stop, waits for it (at most one delivery attempt,
 * bounded by the sink's timeout, and an amqp sink's goodbye of at most
 * 1 s), frees.  *ev may be NULL. */
void carb_events_stop(struct carb_events **ev);

/* Who produced an event (the "instance" object of its JSON). */
struct carb_events_instance {
	const char *host;
	int64_t pid;
	const char *name;         /* [service] name */
};

/* The JSON of one outbox row, built from the catalog's rows as they are
 * now, with the group's values of the plugin's npcols columns pcols: 0
 * with *out a new NUL-terminated string the caller frees, or -1 with err
 * (a catalog failure). */
int carb_events_json(struct carb_catalog *cat, const struct carb_event_row *r,
		     const struct carb_events_instance *inst,
		     const struct carb_plugin_column *pcols, size_t npcols,
		     char **out, struct carb_error *err);

#endif
