/* The publisher: a thread that sends the outbox to each sink in id order,
 * records a delivery only after the sink confirmed it, backs off a sink
 * that fails (1 s doubling to 1 min) without holding up the others, and
 * prunes delivered events.  It reads the catalog on a connection of its
 * own and reconnects when it is lost; the intake never waits for it. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "events/events_internal.h"

#define BATCH 100
#define IDLE_MS 500             /* how often an idle sink looks again */
#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 60000
#define PRUNE_EVERY_MS 60000
#define RECONNECT_MS 1000
#define GAUGES_EVERY_MS 5000    /* how often /metrics' outbox depth is read */

struct sink_rt {
	const struct carb_event_sink_config *cfg;
	const struct carb_sink_ops *ops;  /* its kind's, from its module */
	void *h;                          /* what ops->open made */
	int64_t next_ms;          /* monotonic: when to look again */
	int64_t backoff_ms;       /* 0: the last attempt worked */
};

struct carb_events {
	struct carb_events_deps deps;
	struct sink_rt *sinks;
	size_t nsinks;
	char host[256];
	struct carb_events_instance inst;
	struct carb_catalog *cat;
	int64_t pruned_ms;
	int64_t gauged_ms;
	pthread_t thread;
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop;                /* under lock */
	/* The kinds whose global_init ran, for their global_cleanup. */
	const struct carb_sink_ops *inited[2];
	size_t ninited;
};

/* The secret is the file's first line: an editor's final newline is not
 * part of it. */
static int read_secret(const struct carb_event_sink_config *s, char **out,
		       size_t *len, struct carb_error *err)
{
	char buf[4096];
	ssize_t n;
	int fd = open(s->secret_file, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return carb_error_set(err, "events \"%s\": cannot read"
				      " secret_file \"%s\": %s", s->name,
				      s->secret_file, strerror(errno));
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return carb_error_set(err, "events \"%s\": cannot read"
				      " secret_file \"%s\"", s->name,
				      s->secret_file);
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (buf[0] == '\0')
		return carb_error_set(err, "events \"%s\": secret_file \"%s\""
				      " is empty", s->name, s->secret_file);
	*len = strlen(buf);
	*out = carb_xstrdup(buf);
	memset(buf, 0, sizeof(buf));
	return 0;
}

static bool listed(const struct carb_config_strings *l, const char *s)
{
	if (l->count == 0)
		return true;
	for (size_t i = 0; i < l->count; i++)
		if (strcmp(l->items[i], s) == 0)
			return true;
	return false;
}

/* A copy of an outbox row, so the SELECT is finished before the sends
 * and writes it leads to. */
struct row {
	int64_t id, file_id, component_id, created_at;
	char *event_id, *scope, *watch, *status;
};

struct rows {
	struct row *items;
	size_t n;
};

static int keep_row(void *ctx, const struct carb_event_row *r)
{
	struct rows *rs = ctx;
	struct row *x;

	rs->items = carb_xrealloc(rs->items, (rs->n + 1) * sizeof(*rs->items));
	x = &rs->items[rs->n++];
	x->id = r->id;
	x->file_id = r->file_id;
	x->component_id = r->component_id;
	x->created_at = r->created_at;
	x->event_id = carb_xstrdup(r->event_id);
	x->scope = carb_xstrdup(r->scope);
	x->watch = carb_xstrdup(r->watch);
	x->status = carb_xstrdup(r->status);
	return 0;
}

static void rows_free(struct rows *rs)
{
	for (size_t i = 0; i < rs->n; i++) {
		free(rs->items[i].event_id);
		free(rs->items[i].scope);
		free(rs->items[i].watch);
		free(rs->items[i].status);
	}
	free(rs->items);
	rs->items = NULL;
	rs->n = 0;
}

static bool stopping(struct carb_events *ev)
{
	bool s;

	pthread_mutex_lock(&ev->lock);
	s = ev->stop;
	pthread_mutex_unlock(&ev->lock);
	return s;
}

enum outcome { SENT, SINK_FAILED, CATALOG_FAILED };

/* 0 once the sink confirmed the event, else -1 with err. */
static int sink_send(struct sink_rt *s, const struct row *x, const char *body,
		     struct carb_error *err)
{
	const struct carb_sink_event e = {
		.event_id = x->event_id, .status = x->status, .watch = x->watch,
		.scope = x->scope, .created_at = x->created_at, .body = body,
	};

	return s->ops->send(s->h, &e, err);
}

static enum outcome send_one(struct carb_events *ev, struct sink_rt *s,
			     const struct row *x, struct carb_error *err)
{
	const struct carb_event_row r = {
		.id = x->id, .event_id = x->event_id, .scope = x->scope,
		.file_id = x->file_id, .component_id = x->component_id,
		.watch = x->watch, .status = x->status,
		.created_at = x->created_at,
	};
	char *body;
	int rc;

	if (!listed(&s->cfg->statuses, x->status) ||
	    !listed(&s->cfg->watches, x->watch))
		return carb_catalog_event_delivered(ev->cat, s->cfg->name, x->id,
						    true, err) < 0
			? CATALOG_FAILED : SENT;
	if (carb_events_json(ev->cat, &r, &ev->inst,
			     carb_plugin_columns(ev->deps.plugin),
			     carb_plugin_ncolumns(ev->deps.plugin),
			     &body, err) < 0)
		return CATALOG_FAILED;
	rc = sink_send(s, x, body, err);
	free(body);
	if (rc < 0)
		return SINK_FAILED;
	if (carb_catalog_event_delivered(ev->cat, s->cfg->name, x->id, false,
					 err) < 0)
		return CATALOG_FAILED;
	carb_metrics_add(ev->deps.metrics, CARB_METRIC_EVENTS_DELIVERED,
			 s->cfg->name, 1);
	return SENT;
}

/* The sink failed (event_id NULL: while idle, connecting): try again
 * after 1 s, doubling to 1 min. */
static void back_off(struct sink_rt *s, const char *event_id,
		     const struct carb_error *err)
{
	s->backoff_ms = s->backoff_ms == 0 ? BACKOFF_MIN_MS
		: s->backoff_ms * 2 > BACKOFF_MAX_MS
		? BACKOFF_MAX_MS : s->backoff_ms * 2;
	if (event_id != NULL)
		carb_log(CARB_LOGL_WARNING, "events \"%s\": event %s not"
			 " delivered: %s; next try in %lld ms", s->cfg->name,
			 event_id, err->msg, (long long)s->backoff_ms);
	else
		carb_log(CARB_LOGL_WARNING, "events \"%s\": %s; next try in"
			 " %lld ms", s->cfg->name, err->msg,
			 (long long)s->backoff_ms);
	s->next_ms = carb_monotonic_ms() + s->backoff_ms;
}

/* Sends what the sink has not had, in order, until the outbox is empty
 * for it or it fails.  -1 only when the catalog failed. */
static int drain(struct carb_events *ev, struct sink_rt *s)
{
	struct carb_error err;
	struct rows rs = { 0 };
	int64_t now;

	for (;;) {
		carb_error_clear(&err);
		if (carb_catalog_events_unsent(ev->cat, s->cfg->name, BATCH,
					       keep_row, &rs, &err) < 0)
			goto catalog;
		for (size_t i = 0; i < rs.n; i++) {
			if (stopping(ev))
				goto done;
			switch (send_one(ev, s, &rs.items[i], &err)) {
			case SENT:
				if (s->backoff_ms > 0)
					carb_log(CARB_LOGL_INFO, "events \"%s\":"
						 " delivering again", s->cfg->name);
				s->backoff_ms = 0;
				break;
			case SINK_FAILED:
				back_off(s, rs.items[i].event_id, &err);
				rows_free(&rs);
				return 0;
			case CATALOG_FAILED:
				goto catalog;
			}
		}
		/* Idle: an amqp sink stays connected, so its exchange
		 * exists for consumers before the first event. */
		if (rs.n == 0 && s->ops->ready != NULL) {
			if (s->ops->ready(s->h, &err) < 0) {
				back_off(s, NULL, &err);
				return 0;
			}
			s->backoff_ms = 0;
		}
		if (rs.n < BATCH)
			break;
		rows_free(&rs);
	}
done:
	rows_free(&rs);
	now = carb_monotonic_ms();
	s->next_ms = now + IDLE_MS;
	return 0;
catalog:
	rows_free(&rs);
	carb_log(CARB_LOGL_WARNING, "events: catalog failed: %s; reconnecting",
		 err.msg);
	return -1;
}

static int prune(struct carb_events *ev)
{
	int64_t keep = carb_config_service(ev->deps.cfg)->event_retention_ms;
	const char **names = carb_xcalloc(ev->nsinks + 1, sizeof(*names));
	struct carb_error err;
	int64_t n = 0;
	int rc;

	for (size_t i = 0; i < ev->nsinks; i++)
		names[i] = ev->sinks[i].cfg->name;
	carb_error_clear(&err);
	rc = carb_catalog_events_prune(ev->cat, carb_now_us() - keep * 1000,
				       names, ev->nsinks, &n, &err);
	free(names);
	if (rc < 0) {
		carb_log(CARB_LOGL_WARNING, "events: pruning failed: %s", err.msg);
		return -1;
	}
	if (n > 0)
		carb_log(CARB_LOGL_DEBUG, "events: pruned %lld delivered events",
			 (long long)n);
	return 0;
}

/* The outbox depth for /metrics: read on its own clock, so a sink in a
 * long backoff still shows its backlog growing. */
static int gauges(struct carb_events *ev)
{
	struct carb_error err;

	if (ev->deps.metrics == NULL)
		return 0;
	for (size_t i = 0; i < ev->nsinks; i++) {
		int64_t unsent = 0, oldest = 0;

		carb_error_clear(&err);
		if (carb_catalog_events_depth(ev->cat, ev->sinks[i].cfg->name,
					      &unsent, &oldest, &err) < 0) {
			carb_log(CARB_LOGL_WARNING, "events: catalog failed: %s;"
				 " reconnecting", err.msg);
			return -1;
		}
		carb_metrics_set(ev->deps.metrics, CARB_METRIC_EVENTS_UNSENT,
				 ev->sinks[i].cfg->name, (double)unsent);
		carb_metrics_set(ev->deps.metrics, CARB_METRIC_EVENTS_OLDEST_AGE,
				 ev->sinks[i].cfg->name, oldest == 0 ? 0.0
				 : (double)(carb_now_us() - oldest) / 1e6);
	}
	return 0;
}

/* Sleeps until the earliest sink is due (or ms), or a stop. */
static void wait_ms(struct carb_events *ev, int64_t ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&ev->lock);
	if (!ev->stop)
		pthread_cond_timedwait(&ev->wake, &ev->lock, &ts);
	pthread_mutex_unlock(&ev->lock);
}

static bool connected(struct carb_events *ev)
{
	struct carb_error err;

	if (ev->cat != NULL)
		return true;
	carb_error_clear(&err);
	if (ev->deps.connect(ev->deps.connect_ctx, ev->deps.cfg, &ev->cat,
			     &err) == 0)
		return true;
	carb_log(CARB_LOGL_DEBUG, "events: catalog unreachable: %s", err.msg);
	return false;
}

static void *run(void *arg)
{
	struct carb_events *ev = arg;

	while (!stopping(ev)) {
		int64_t now = carb_monotonic_ms(), next = now + IDLE_MS;
		bool failed = false;

		if (!connected(ev)) {
			wait_ms(ev, RECONNECT_MS);
			continue;
		}
		for (size_t i = 0; i < ev->nsinks && !failed; i++) {
			struct sink_rt *s = &ev->sinks[i];

			if (s->next_ms <= now && drain(ev, s) < 0)
				failed = true;
			if (s->next_ms < next)
				next = s->next_ms;
		}
		if (!failed && now - ev->gauged_ms >= GAUGES_EVERY_MS) {
			ev->gauged_ms = now;
			failed = gauges(ev) < 0;
		}
		if (!failed && now - ev->pruned_ms >= PRUNE_EVERY_MS) {
			ev->pruned_ms = now;
			failed = prune(ev) < 0;
		}
		if (failed) {
			carb_catalog_close(&ev->cat);
			wait_ms(ev, RECONNECT_MS);
			continue;
		}
		now = carb_monotonic_ms();
		wait_ms(ev, next > now ? next - now : 1);
	}
	carb_catalog_close(&ev->cat);
	return NULL;
}

/* Points s at its kind's operations, loading the kind's module (and
 * setting its library up) the first time. */
static int load_kind(struct carb_events *ev, struct sink_rt *s,
		     struct carb_error *err)
{
	bool amqp = s->cfg->kind == CARB_SINK_AMQP;
	const void *table;

	if (carb_module_symbol(amqp ? "amqp" : "webhook",
			       amqp ? "carb_events_amqp_sink"
				    : "carb_events_webhook_sink",
			       &table, err) < 0)
		return -1;
	s->ops = table;
	for (size_t k = 0; k < ev->ninited; k++)
		if (ev->inited[k] == s->ops)
			return 0;
	if (s->ops->global_init != NULL && s->ops->global_init(err) < 0)
		return -1;
	ev->inited[ev->ninited++] = s->ops;
	return 0;
}

static int open_sinks(struct carb_events *ev, struct carb_error *err)
{
	const struct carb_config *cfg = ev->deps.cfg;

	ev->nsinks = carb_config_event_sink_count(cfg);
	ev->sinks = carb_xcalloc(ev->nsinks ? ev->nsinks : 1, sizeof(*ev->sinks));
	for (size_t i = 0; i < ev->nsinks; i++) {
		struct sink_rt *s = &ev->sinks[i];
		char *secret = NULL;
		size_t len = 0;
		int rc;

		s->cfg = carb_config_event_sink(cfg, i);
		if (load_kind(ev, s, err) < 0)
			return -1;
		if (s->cfg->secret_file != NULL &&
		    read_secret(s->cfg, &secret, &len, err) < 0)
			return -1;
		rc = s->ops->open(s->cfg, secret, len, &s->h, err);
		if (secret != NULL)
			memset(secret, 0, len);
		free(secret);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static void free_events(struct carb_events *ev)
{
	for (size_t i = 0; i < ev->nsinks; i++)
		if (ev->sinks[i].h != NULL)
			ev->sinks[i].ops->close(ev->sinks[i].h);
	free(ev->sinks);
	for (size_t k = 0; k < ev->ninited; k++)
		if (ev->inited[k]->global_cleanup != NULL)
			ev->inited[k]->global_cleanup();
	pthread_mutex_destroy(&ev->lock);
	pthread_cond_destroy(&ev->wake);
	free(ev);
}

int carb_events_start(const struct carb_events_deps *deps,
		      struct carb_events **out, struct carb_error *err)
{
	struct carb_events *ev = carb_xcalloc(1, sizeof(*ev));
	int rc;

	*out = NULL;
	ev->deps = *deps;
	pthread_mutex_init(&ev->lock, NULL);
	pthread_cond_init(&ev->wake, NULL);
	/* Before the thread: a library's global set-up is not
	 * thread-safe. */
	if (open_sinks(ev, err) < 0) {
		free_events(ev);
		return -1;
	}
	if (gethostname(ev->host, sizeof(ev->host) - 1) != 0)
		snprintf(ev->host, sizeof(ev->host), "unknown");
	ev->inst.host = ev->host;
	ev->inst.pid = (int64_t)getpid();
	ev->inst.name = carb_config_service(deps->cfg)->name;
	/* The first prune comes at once: a service that was down for
	 * longer than the retention starts clean. */
	ev->pruned_ms = carb_monotonic_ms() - PRUNE_EVERY_MS;
	ev->gauged_ms = ev->pruned_ms;
	rc = pthread_create(&ev->thread, NULL, run, ev);
	if (rc != 0) {
		free_events(ev);
		return carb_error_set(err, "events: cannot start the publisher:"
				      " %s", strerror(rc));
	}
	ev->started = true;
	*out = ev;
	return 0;
}

void carb_events_stop(struct carb_events **evp)
{
	struct carb_events *ev = *evp;

	if (ev == NULL)
		return;
	pthread_mutex_lock(&ev->lock);
	ev->stop = true;
	pthread_cond_signal(&ev->wake);
	pthread_mutex_unlock(&ev->lock);
	if (ev->started)
		pthread_join(ev->thread, NULL);
	free_events(ev);
	*evp = NULL;
}
