/* `carbonation run` as a service: the intake's loop with its owner's
 * hooks (signals, readiness, status, watchdog), and the pause while the
 * catalog is away, after which the intake opens again and continues from
 * what the catalog says. */
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "service/service_internal.h"

/* How long a start may take beyond systemd's TimeoutStartSec, asked again
 * while the first walk goes on. */
#define EXTEND_USEC (30LL * 1000000)

struct owner {
	struct carb_service *svc;
	int sfd;
	bool ready;             /* READY=1 sent */
	bool stopped;
	int64_t extended_ms;
	int64_t heartbeat_ms;   /* the last renewal */
	struct carb_watchdog wd;
	struct carb_status_line sl;
	struct carb_http *http;  /* the listener, or NULL */
	struct carb_events *events;  /* the outbox's publisher, or NULL */
};

/* While the listener is on, the loop turns at least this often, so
 * /health can tell a quiet service from a stuck one. */
#define HTTP_TURN_MS 2000

/* Tells the listener how the loop is (in NULL: the catalog is away). */
static void publish(struct owner *o, struct carb_intake *in, const char *why)
{
	struct carb_http_snapshot s = {
		.turned_ms = carb_monotonic_ms(), .catalog_ok = in != NULL,
		.catalog_why = why,
	};
	struct carb_intake_stats st;

	if (o->http == NULL)
		return;
	if (in != NULL) {
		carb_intake_stats(in, &st);
		s.watches = st.watches;
		s.watches_lost = st.watches_lost;
		s.paused = st.paused;
	}
	carb_http_publish(o->http, &s);
}

static void send_ready(struct owner *o, struct carb_intake *in)
{
	char text[512];

	carb_status_line_text(in, NULL, text, sizeof(text));
	carb_notify_ready(text);
	o->sl.last_ms = carb_monotonic_ms();
	memcpy(o->sl.last, text, sizeof(text));
}

static bool on_signal(void *ctx, struct carb_intake *in)
{
	struct owner *o = ctx;

	switch (carb_signals_read(o->sfd)) {
	case CARB_SIG_STOP:
		carb_notify_stopping("stopping: archives in flight finish");
		carb_log(CARB_LOGL_INFO, "stopping: archives in flight finish"
			 " (up to service.shutdown_timeout), nothing new starts");
		/* a plugin call is not an archive: it runs again next start */
		carb_plugin_cancel(o->svc->opts.plugin);
		o->stopped = true;
		return true;
	case CARB_SIG_RELOAD:
		carb_service_reload(o->svc, in);
		send_ready(o, in);
		return false;
	default:
		return false;
	}
}

/* The heartbeat row, with what the status line counts. */
static void heartbeat(struct owner *o, struct carb_intake *in)
{
	int64_t every = carb_config_service(o->svc->cfg)->heartbeat_interval_ms;
	int64_t now = carb_monotonic_ms();
	struct carb_heartbeat_counters c = { 0 };
	struct carb_intake_stats st;

	if (o->svc->heartbeat == NULL || now - o->heartbeat_ms < every)
		return;
	o->heartbeat_ms = now;
	carb_intake_stats(in, &st);
	c.files_seen = (int64_t)(st.settling + st.pending + st.waiting +
				 st.archiving + st.retrying + st.failed +
				 st.archived);
	c.files_archived = (int64_t)st.archived;
	c.files_failed = (int64_t)st.failed;
	c.last_event_at = st.last_event_at;
	c.last_walk_at = st.last_walk_at;
	o->svc->heartbeat(o->svc->heartbeat_ctx, &c);
}

static int64_t on_turn(void *ctx, struct carb_intake *in, bool first_done)
{
	struct owner *o = ctx;
	char why[512];
	int64_t next;

	next = carb_watchdog_turned(&o->wd, in, why, sizeof(why));
	/* The first walk's end is worth a renewal: status shows it. */
	if (first_done && !o->ready)
		o->heartbeat_ms = 0;
	heartbeat(o, in);
	publish(o, in, NULL);
	if (o->svc->heartbeat != NULL) {
		int64_t every = carb_config_service(o->svc->cfg)->heartbeat_interval_ms;

		next = next > 0 && next < every ? next : every;
	}
	if (o->http != NULL)
		next = next > 0 && next < HTTP_TURN_MS ? next : HTTP_TURN_MS;
	if (first_done && !o->ready) {
		o->ready = true;
		send_ready(o, in);
	} else if (o->ready) {
		carb_status_line_update(&o->sl, in,
					why[0] ? "a worker is stuck" : NULL,
					false);
	}
	return next;
}

/* Long work inside a turn: the first walk of a large tree makes systemd
 * wait longer, and the loop, working, not stuck, may ping. */
static void on_busy(void *ctx, struct carb_intake *in)
{
	struct owner *o = ctx;
	int64_t now = carb_monotonic_ms();
	char why[512];

	if (!o->ready && now - o->extended_ms >= 5000) {
		carb_notify_extend(EXTEND_USEC);
		o->extended_ms = now;
	}
	(void)carb_watchdog_turned(&o->wd, in, why, sizeof(why));
	publish(o, in, NULL);
}

/* Waits up to ms for a signal; true when it is a stop.  A reload while
 * paused applies to the config the intake opens with. */
static bool stop_within(struct owner *o, int64_t ms, const char *why)
{
	struct pollfd pfd = { .fd = o->sfd, .events = POLLIN };
	int64_t end = carb_monotonic_ms() + ms;

	for (;;) {
		int64_t left = end - carb_monotonic_ms();
		char wd_why[8];

		if (left <= 0)
			return false;
		left = carb_watchdog_turned(&o->wd, NULL, wd_why, sizeof(wd_why));
		publish(o, NULL, why);
		left = left > 0 && left < end - carb_monotonic_ms()
			? left : end - carb_monotonic_ms();
		if (left > 0 && poll(&pfd, 1, (int)left) > 0) {
			enum carb_signal s = carb_signals_read(o->sfd);

			if (s == CARB_SIG_STOP) {
				carb_notify_stopping("stopping");
				return true;
			}
			if (s == CARB_SIG_RELOAD) {
				carb_service_reload(o->svc, NULL);
				carb_notify_ready("reloaded; paused: the"
						  " catalog is unreachable");
			}
		}
	}
}

/* The catalog refused a call: every transition pauses (the intake is
 * closed, so nothing moves without its row), and the service tries the
 * catalog every second, so it resumes within about a second of the
 * server taking connections again, without hammering a server that is
 * down.  Returns false on a stop. */
static bool pause_for_catalog(struct owner *o, const char *why)
{
	struct carb_service *svc = o->svc;
	char since[32], status[128];
	struct carb_error err;
	time_t now = time(NULL);
	struct tm tm;
	int64_t delay = 250;

	carb_catalog_close(&svc->cat);
	gmtime_r(&now, &tm);
	strftime(since, sizeof(since), "%H:%M:%SZ", &tm);
	snprintf(status, sizeof(status), "paused: catalog unreachable since %s",
		 since);
	carb_notify_status(status);
	carb_log(CARB_LOGL_ERROR, "catalog failed: %s; every transition is"
		 " paused until the catalog answers again", why);
	for (;;) {
		if (stop_within(o, delay, why))
			return false;
		carb_error_clear(&err);
		if (svc->connect(svc->connect_ctx, svc->cfg, &svc->cat, &err) == 0) {
			carb_log(CARB_LOGL_WARNING, "catalog reachable again;"
				 " resuming");
			return true;
		}
		delay = delay < 1000 ? delay * 2 : 1000;
		/* At debug only: one line a second for as long as it lasts. */
		carb_log(CARB_LOGL_DEBUG, "catalog still unreachable: %s;"
			 " next try in %lld ms", err.msg, (long long)delay);
	}
}

/* A lock conflict (a deadlock between two writers, a lock held past the
 * wait timeout) rolled the turn back: what it did is taken again, soon,
 * on a new connection (MariaDB's client library could be left waiting
 * for the answer to a statement the failed turn had open).  run --once
 * gives up after CONFLICTS_ONCE and exits 1; the service, after
 * CONFLICTS_SERVICE within a minute, pauses as for an outage (the lock
 * is held for long: say so, and try every second). */
#define CONFLICTS_ONCE 10
#define CONFLICTS_SERVICE 3
#define CONFLICTS_FORGET_MS 60000

struct conflicts {
	int n;
	int64_t last_ms;
};

static bool conflict_take_again(const struct carb_service *svc,
				struct conflicts *c)
{
	int64_t now = carb_monotonic_ms();

	if (now - c->last_ms > CONFLICTS_FORGET_MS)
		c->n = 0;
	c->last_ms = now;
	return c->n < (svc->opts.once ? CONFLICTS_ONCE : CONFLICTS_SERVICE);
}

/* True when a stop came while waiting. */
static bool stopped_after_conflict(struct owner *o, int n, const char *why)
{
	struct carb_service *svc = o->svc;
	int64_t delay = n < 5 ? 100LL << n : 2000;

	carb_log(CARB_LOGL_WARNING, "catalog: %s; the turn was rolled back"
		 " and is taken again in %lld ms (conflict %d)", why,
		 (long long)delay, n);
	carb_catalog_close(&svc->cat);
	return stop_within(o, delay, why);
}

static int serve(struct owner *o, struct carb_error *err)
{
	struct carb_service *svc = o->svc;
	struct carb_loop_hooks hooks = {
		.ctx = o, .fd = o->sfd, .control = on_signal,
		.turned = on_turn, .busy = on_busy,
	};
	struct carb_intake *in = NULL;
	struct conflicts conflicts = { 0, 0 };

	for (;;) {
		bool transient;

		if (carb_intake_open(svc->cfg, svc->cat, &svc->opts, &in, err) < 0)
			return -1;
		if (carb_intake_run(in, &hooks, err) == 0)
			break;
		transient = carb_intake_failed_transient(in);
		svc->failures += carb_intake_failures(in);
		svc->abandoned += carb_intake_close(&in);
		/* Failed while draining after a stop: stop anyway, what the
		 * turn did is taken up at the next start (the signal was
		 * read; waiting for the catalog would wait for another). */
		if (o->stopped)
			return transient ? 0 : -1;
		if (transient && svc->abandoned == 0 &&
		    conflict_take_again(svc, &conflicts)) {
			if (stopped_after_conflict(o, ++conflicts.n, err->msg))
				return 0;
			carb_error_clear(err);
			if (svc->connect(svc->connect_ctx, svc->cfg, &svc->cat, err) == 0)
				continue;
		}
		if (svc->opts.once)
			return -1;
		if (svc->abandoned > 0) {
			/* a restart is the only way out of a stuck call */
			carb_error_set(err, "workers stuck in a job when the"
				       " catalog failed; exiting");
			return -1;
		}
		if (!pause_for_catalog(o, err->msg))
			return 0;
	}
	svc->failures += carb_intake_failures(in);
	if (svc->opts.once && carb_intake_unread_watches(in, NULL) > 0) {
		struct carb_buf why;

		carb_buf_init(&why);
		carb_intake_unread_watches(in, &why);
		svc->unread = carb_buf_detach(&why);
	}
	svc->abandoned += carb_intake_close(&in);
	return 0;
}

/* The listener is the service's, not run --once's: a run that ends
 * when its work is done has nothing to be asked. */
static int start_http(struct owner *o, struct carb_error *err)
{
	const struct carb_http_deps deps = {
		.cfg = o->svc->cfg, .plugin = o->svc->opts.plugin,
		.metrics = o->svc->opts.metrics,
		.connect = o->svc->connect, .connect_ctx = o->svc->connect_ctx,
	};

	return carb_http_start(&deps, &o->http, err);
}

/* The publisher is the service's too: run --once leaves the outbox to
 * the service, which sends what it wrote. */
static int start_events(struct owner *o, struct carb_error *err)
{
	const struct carb_events_deps deps = {
		.cfg = o->svc->cfg, .metrics = o->svc->opts.metrics,
		.connect = o->svc->connect, .connect_ctx = o->svc->connect_ctx,
		.plugin = o->svc->opts.plugin,
	};

	return carb_events_start(&deps, &o->events, err);
}

int carb_service_run(struct carb_service *svc, struct carb_error *err)
{
	struct owner o = { .svc = svc, .ready = svc->opts.once };
	int rc;

	o.sfd = carb_signals_open();
	if (o.sfd < 0)
		return carb_error_set(err, "cannot take signals: %m");
	if (carb_logfile_open(svc->cfg, err) < 0) {
		close(o.sfd);
		return -1;
	}
	carb_watchdog_init(&o.wd);
	if (!svc->opts.once && carb_notify_listening())
		carb_notify_extend(EXTEND_USEC);
	o.extended_ms = carb_monotonic_ms();
	rc = svc->opts.once ? 0 : start_http(&o, err);
	if (rc == 0 && !svc->opts.once)
		rc = start_events(&o, err);
	if (rc == 0)
		rc = serve(&o, err);
	carb_events_stop(&o.events);
	carb_http_stop(&o.http);
	if (rc < 0)
		carb_log(CARB_LOGL_ERROR, "%s", err->msg);
	carb_logfile_close();
	close(o.sfd);
	return rc;
}
