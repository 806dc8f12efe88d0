/* The status report as people and monitors read it: `carbonation
 * status` prints it, GET /api/status serves the JSON.  The catalog layer
 * reads the report (carb_catalog_status); this file judges and formats
 * it, and looks at each watch folder (so it runs where the folders are). */
#include <string.h>
#include <unistd.h>

#include "pipeline/pipeline.h"
#include "report/report.h"

/* Why instance in is not healthy, or NULL. */
static const char *instance_problem(const struct carb_status_instance *in)
{
	if (in->stopped_at != 0)
		return "stopped";
	return in->stale ? "heartbeat stale" : NULL;
}

static void add_time(struct carb_buf *b, int64_t us, bool json)
{
	if (us == 0) {
		carb_buf_adds(b, json ? "null" : "-");
		return;
	}
	if (json)
		carb_buf_addc(b, '"');
	carb_buf_add_timestamp(b, us);
	if (json)
		carb_buf_addc(b, '"');
}

static void add_str(struct carb_buf *b, const char *s, bool json)
{
	if (json && s == NULL)
		carb_buf_adds(b, "null");
	else if (json)
		carb_buf_add_json_string(b, s, strlen(s));
	else
		carb_buf_add_safe_name(b, s ? s : "", s ? strlen(s) : 0);
}

/* The newest instance still running that watches name (its watches are
 * space-separated names), or NULL: its last event and walk are the
 * watch's. */
static const struct carb_status_instance *
watcher_of(const struct carb_status_report *r, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < r->ninstances; i++) {
		const char *p = r->instances[i].watches;

		if (r->instances[i].stopped_at != 0 || p == NULL)
			continue;
		while ((p = strstr(p, name)) != NULL) {
			bool start = p == r->instances[i].watches || p[-1] == ' ';

			if (start && (p[n] == ' ' || p[n] == '\0'))
				return &r->instances[i];
			p += n;
		}
	}
	return NULL;
}

/* What a watch is: its folder readable, how it is watched, and its last
 * event and walk as its service reported them. */
struct watch_health {
	bool ok;
	const char *mode;          /* "inotify", "poll" */
	int64_t last_event_at, last_walk_at;  /* 0: not known */
};

static struct watch_health watch_health(const struct carb_status_report *r,
					const struct carb_watch_config *w)
{
	struct watch_health h = { access(w->path, R_OK | X_OK) == 0,
				  "inotify", 0, 0 };
	const struct carb_status_instance *in = watcher_of(r, w->name);
	struct carb_error err = { 0 };
	char why[128];
	bool poll = false;

	if (h.ok && carb_watch_effective_mode(w, &poll, why, sizeof(why),
					      &err) == 0 && poll)
		h.mode = "poll";
	if (in != NULL) {
		h.last_event_at = in->counters.last_event_at;
		h.last_walk_at = in->counters.last_walk_at;
	}
	return h;
}

int carb_report_status_text(const struct carb_status_report *r,
			    const struct carb_config *cfg, struct carb_buf *b)
{
	int degraded = 0;

	carb_buf_adds(b, "instances:\n");
	if (r->ninstances == 0)
		carb_buf_adds(b, "  none has run against this catalog\n");
	for (size_t i = 0; i < r->ninstances; i++) {
		const struct carb_status_instance *in = &r->instances[i];
		const char *p = instance_problem(in);

		carb_buf_adds(b, "  ");
		add_str(b, in->name ? in->name : "?", false);
		carb_buf_addf(b, " on %s pid %lld, version %s, started ", in->host,
			      (long long)in->pid, in->version);
		add_time(b, in->started_at, false);
		carb_buf_addf(b, ", heartbeat %llds ago",
			      (long long)((r->now - in->last_heartbeat) / 1000000));
		carb_buf_addf(b, ", %lld seen, %lld archived, %lld failed",
			      (long long)in->counters.files_seen,
			      (long long)in->counters.files_archived,
			      (long long)in->counters.files_failed);
		if (p != NULL && in->newest) {
			carb_buf_addf(b, "  WARNING: %s", p);
			degraded = 1;
		} else if (p != NULL) {
			carb_buf_addf(b, "  (%s, an earlier run)", p);
		}
		carb_buf_addc(b, '\n');
	}
	carb_buf_adds(b, "components by status (changed within):\n  ");
	carb_buf_addf(b, "%-18s", "status");
	for (size_t w = 0; w < CARB_STATUS_NWINDOWS; w++)
		carb_buf_addf(b, " %8s", carb_status_window_names[w]);
	carb_buf_addc(b, '\n');
	for (size_t k = 0; k < r->ncounts[CARB_STATUS_NWINDOWS - 1]; k++) {
		const char *st = r->counts[CARB_STATUS_NWINDOWS - 1][k].status;

		carb_buf_addf(b, "  %-18s", st);
		for (size_t w = 0; w < CARB_STATUS_NWINDOWS; w++) {
			int64_t n = 0;

			for (size_t j = 0; j < r->ncounts[w]; j++)
				if (strcmp(r->counts[w][j].status, st) == 0)
					n = r->counts[w][j].count;
			carb_buf_addf(b, " %8lld", (long long)n);
		}
		carb_buf_addc(b, '\n');
	}
	carb_buf_adds(b, "archived:\n");
	for (size_t i = 0; i < r->ntotals; i++)
		carb_buf_addf(b, "  watch %s -> %s: %lld files, %lld bytes\n",
			      r->totals[i].watch, r->totals[i].destination,
			      (long long)r->totals[i].files, (long long)r->totals[i].bytes);
	carb_buf_addf(b, "retry queue: %lld, next due ", (long long)r->retry_depth);
	add_time(b, r->next_retry_at, false);
	carb_buf_addf(b, "\nfailed: %lld\n", (long long)r->failed);
	for (size_t i = 0; i < r->nreasons; i++) {
		carb_buf_addf(b, "  %lld x ", (long long)r->reasons[i].count);
		add_str(b, r->reasons[i].reason, false);
		carb_buf_addc(b, '\n');
	}
	carb_buf_addf(b, "backlog: %lld pending, %lld ready\n",
		      (long long)r->backlog_pending, (long long)r->backlog_ready);
	carb_buf_adds(b, "oldest waiting group: ");
	if (r->oldest_waiting_id != 0) {
		carb_buf_add_safe_name(b, r->oldest_waiting_key, r->oldest_waiting_len);
		carb_buf_addf(b, " (id %lld), %llds old\n", (long long)r->oldest_waiting_id,
			      (long long)((r->now - r->oldest_waiting_at) / 1000000));
	} else {
		carb_buf_adds(b, "none\n");
	}
	if (r->nsinks > 0)
		carb_buf_adds(b, "events (outbox per sink):\n");
	for (size_t i = 0; i < r->nsinks; i++) {
		const struct carb_status_sink *s = &r->sinks[i];

		carb_buf_addf(b, "  %s: %lld unsent", s->name,
			      (long long)s->unsent);
		if (s->oldest_unsent_at != 0)
			carb_buf_addf(b, ", oldest %llds old", (long long)
				      ((r->now - s->oldest_unsent_at) / 1000000));
		carb_buf_addc(b, '\n');
	}
	carb_buf_adds(b, "watches:\n");
	for (size_t i = 0; i < carb_config_watch_count(cfg); i++) {
		const struct carb_watch_config *w = carb_config_watch(cfg, i);
		struct watch_health h = watch_health(r, w);

		carb_buf_addf(b, "  %s: %s %s", w->name, w->path,
			      h.ok ? "ok" : "WARNING: missing or unreadable");
		if (h.ok) {
			carb_buf_addf(b, " (%s), last event ", h.mode);
			add_time(b, h.last_event_at, false);
			carb_buf_adds(b, ", last walk ");
			add_time(b, h.last_walk_at, false);
		}
		carb_buf_addc(b, '\n');
		degraded |= !h.ok;
	}
	return degraded;
}

int carb_report_status_json(const struct carb_status_report *r,
			    const struct carb_config *cfg, struct carb_buf *b)
{
	int degraded = 0;

	carb_buf_adds(b, "{\"instances\":[");
	for (size_t i = 0; i < r->ninstances; i++) {
		const struct carb_status_instance *in = &r->instances[i];
		const char *p = instance_problem(in);

		carb_buf_adds(b, i ? ",{\"host\":" : "{\"host\":");
		add_str(b, in->host, true);
		carb_buf_addf(b, ",\"pid\":%lld,\"name\":", (long long)in->pid);
		add_str(b, in->name, true);
		carb_buf_adds(b, ",\"version\":");
		add_str(b, in->version, true);
		carb_buf_adds(b, ",\"config_path\":");
		add_str(b, in->config_path, true);
		carb_buf_adds(b, ",\"started_at\":");
		add_time(b, in->started_at, true);
		carb_buf_adds(b, ",\"last_heartbeat\":");
		add_time(b, in->last_heartbeat, true);
		carb_buf_addf(b, ",\"heartbeat_age_s\":%lld,\"stopped\":%s,\"stale\":%s,"
			      "\"files_seen\":%lld,\"files_archived\":%lld,\"files_failed\":%lld}",
			      (long long)((r->now - in->last_heartbeat) / 1000000),
			      in->stopped_at ? "true" : "false",
			      p != NULL && in->stopped_at == 0 ? "true" : "false",
			      (long long)in->counters.files_seen,
			      (long long)in->counters.files_archived,
			      (long long)in->counters.files_failed);
		degraded |= p != NULL && in->newest;
	}
	carb_buf_adds(b, "],\"components\":{");
	for (size_t w = 0; w < CARB_STATUS_NWINDOWS; w++) {
		carb_buf_addf(b, "%s\"%s\":{", w ? "," : "", carb_status_window_names[w]);
		for (size_t j = 0; j < r->ncounts[w]; j++)
			carb_buf_addf(b, "%s\"%s\":%lld", j ? "," : "",
				      r->counts[w][j].status, (long long)r->counts[w][j].count);
		carb_buf_adds(b, "}");
	}
	carb_buf_adds(b, "},\"archived\":[");
	for (size_t i = 0; i < r->ntotals; i++) {
		carb_buf_adds(b, i ? ",{\"watch\":" : "{\"watch\":");
		add_str(b, r->totals[i].watch, true);
		carb_buf_adds(b, ",\"destination\":");
		add_str(b, r->totals[i].destination, true);
		carb_buf_addf(b, ",\"files\":%lld,\"bytes\":%lld}",
			      (long long)r->totals[i].files, (long long)r->totals[i].bytes);
	}
	carb_buf_addf(b, "],\"retry_queue\":%lld,\"next_retry_at\":",
		      (long long)r->retry_depth);
	add_time(b, r->next_retry_at, true);
	carb_buf_addf(b, ",\"failed\":%lld,\"failed_reasons\":[", (long long)r->failed);
	for (size_t i = 0; i < r->nreasons; i++) {
		carb_buf_adds(b, i ? ",{\"reason\":" : "{\"reason\":");
		add_str(b, r->reasons[i].reason, true);
		carb_buf_addf(b, ",\"count\":%lld}", (long long)r->reasons[i].count);
	}
	carb_buf_addf(b, "],\"backlog\":{\"PENDING\":%lld,\"READY\":%lld},"
		      "\"oldest_waiting\":", (long long)r->backlog_pending,
		      (long long)r->backlog_ready);
	if (r->oldest_waiting_id != 0) {
		carb_buf_addf(b, "{\"id\":%lld,\"group_key\":",
			      (long long)r->oldest_waiting_id);
		carb_buf_add_json_string(b, r->oldest_waiting_key, r->oldest_waiting_len);
		carb_buf_adds(b, ",\"created_at\":");
		add_time(b, r->oldest_waiting_at, true);
		carb_buf_adds(b, "}");
	} else {
		carb_buf_adds(b, "null");
	}
	carb_buf_adds(b, ",\"events\":[");
	for (size_t i = 0; i < r->nsinks; i++) {
		const struct carb_status_sink *s = &r->sinks[i];

		carb_buf_adds(b, i ? ",{\"sink\":" : "{\"sink\":");
		add_str(b, s->name, true);
		carb_buf_addf(b, ",\"unsent\":%lld,\"oldest_unsent_at\":",
			      (long long)s->unsent);
		add_time(b, s->oldest_unsent_at, true);
		if (s->oldest_unsent_at != 0)
			carb_buf_addf(b, ",\"oldest_unsent_age_s\":%lld}",
				      (long long)((r->now - s->oldest_unsent_at)
						  / 1000000));
		else
			carb_buf_adds(b, ",\"oldest_unsent_age_s\":null}");
	}
	carb_buf_adds(b, "],\"watches\":[");
	for (size_t i = 0; i < carb_config_watch_count(cfg); i++) {
		const struct carb_watch_config *w = carb_config_watch(cfg, i);
		struct watch_health h = watch_health(r, w);

		carb_buf_adds(b, i ? ",{\"name\":" : "{\"name\":");
		add_str(b, w->name, true);
		carb_buf_adds(b, ",\"path\":");
		add_str(b, w->path, true);
		carb_buf_addf(b, ",\"ok\":%s,\"mode\":\"%s\",\"last_event_at\":",
			      h.ok ? "true" : "false", h.mode);
		add_time(b, h.last_event_at, true);
		carb_buf_adds(b, ",\"last_walk_at\":");
		add_time(b, h.last_walk_at, true);
		carb_buf_adds(b, "}");
		degraded |= !h.ok;
	}
	carb_buf_addf(b, "],\"healthy\":%s}\n", degraded ? "false" : "true");
	return degraded;
}
