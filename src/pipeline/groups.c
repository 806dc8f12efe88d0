/* Steps 2 and 3 as the catalog sees them: integrity results become
 * statuses, passed components join their group (the files row of their
 * folder and stem), and a group is decided when its required extensions
 * are in, or when its deadline passes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/checksum.h"
#include "pipeline/intake_internal.h"

/* Recorded sidecars that may speak for rel: NAME.sha256/.sha1/.md5 and
 * the watch's manifest in the same folder. */
static void add_sidecars(struct carb_watch_rt *w, struct carb_job *job)
{
	static const char *const exts[] = { ".sha256", ".sha1", ".md5" };
	size_t n = 0, blen, dlen;
	const char *base = carb_name_base(job->rel, job->rel_len, &blen);

	dlen = (size_t)(base - job->rel);
	for (size_t i = 0; i < 3; i++) {
		char *p = carb_xasprintf("%s%s", job->rel, exts[i]);

		if (carb_map_get(w->known, p, strlen(p)) != NULL)
			job->sidecars[n++] = p;
		else
			free(p);
	}
	if (w->cfg->manifest != NULL) {
		char *p = carb_xasprintf("%.*s%s", (int)dlen, job->rel,
					 w->cfg->manifest);

		if (carb_map_get(w->known, p, strlen(p)) != NULL)
			job->sidecars[n++] = p;
		else
			free(p);
	}
}

void carb_intake_submit(struct carb_intake *in, struct carb_watch_rt *w,
			const char *rel, size_t len, int64_t id)
{
	struct carb_job *job = carb_xcalloc(1, sizeof(*job));
	const struct carb_known *k = carb_map_get(w->known, rel, len);
	size_t blen;
	const char *base = carb_name_base(rel, len, &blen);

	job->id = id;
	job->watch = w->index;
	job->root_fd = w->root_fd;
	job->rel = carb_xstrndup(rel, len);
	job->rel_len = len;
	job->min_size = in->rules->integrity.min_size;
	job->checksum = in->rules->integrity.checksum;
	job->is_sidecar = carb_name_is_sidecar(base, blen, w->cfg);
	if (!job->is_sidecar)
		add_sidecars(w, job);
	/* a checksum reads the whole file */
	job->limit_ms = carb_intake_job_limit(in, k ? k->size : 0);
	carb_workers_submit(in->workers, job);
}


/* Checks a component again; one that failed is PENDING again first, so
 * that passing moves it on. */
static void recheck(struct carb_intake *in, struct carb_watch_rt *w,
		    const char *rel, size_t len, struct carb_known *k)
{
	struct carb_component_change ch = {
		.old_status = "INTEGRITY_FAILED", .new_status = "PENDING",
		.late = -1,
	};

	if (!carb_status_open(k->status))
		return;
	if (strcmp(k->status, "INTEGRITY_FAILED") == 0) {
		if (!carb_intake_change(in, k->id, &ch))
			return;
		snprintf(k->status, sizeof(k->status), "PENDING");
	}
	carb_intake_submit(in, w, rel, len, k->id);
}

/* A sidecar arrived: the files it speaks for are checked again. */
static void recheck_targets(struct carb_intake *in, struct carb_watch_rt *w,
			    const char *rel, size_t len)
{
	size_t blen, stem;
	const char *base = carb_name_base(rel, len, &blen);
	struct carb_map_iter it;
	const char *k;
	size_t klen;
	void *v;

	if (carb_digest_algo_from_name(base, blen) >= 0) {
		const char *dot = memrchr(rel, '.', len);
		struct carb_known *t = carb_map_get(w->known, rel,
						    (size_t)(dot - rel));

		if (t != NULL)
			recheck(in, w, rel, (size_t)(dot - rel), t);
		return;
	}
	/* A manifest: every file of its folder. */
	stem = (size_t)(base - rel);
	carb_map_iter_init(&it, w->known);
	while (carb_map_iter_next(&it, &k, &klen, &v)) {
		struct carb_known *t = v;
		size_t tb;
		const char *tbase = carb_name_base(k, klen, &tb);

		if ((size_t)(tbase - k) == stem && memcmp(k, rel, stem) == 0 &&
		    !carb_name_is_sidecar(tbase, tb, w->cfg))
			recheck(in, w, k, klen, t);
	}
}

bool carb_intake_change(struct carb_intake *in, int64_t id,
			const struct carb_component_change *ch)
{
	struct carb_error err;
	bool changed = false;

	carb_error_clear(&err);
	if (!carb_intake_tx(in))
		return false;
	if (carb_component_set(in->cat, id, ch, &changed, &err) < 0) {
		carb_intake_fail(in, &err);
		return false;
	}
	return changed;
}

void carb_known_status(struct carb_watch_rt *w, const char *rel, size_t len,
		       int64_t id, const char *status)
{
	struct carb_known *k = carb_map_get(w->known, rel, len);

	if (k != NULL && k->id == id)
		snprintf(k->status, sizeof(k->status), "%s", status);
}

struct members {
	struct carb_intake *in;
	const char *from;         /* status the members leave */
	const char *to;
	const char *reason;
};

static int member_row(void *ctx, const struct carb_component_row *r,
		      struct carb_error *err)
{
	struct members *m = ctx;
	struct carb_component_change ch = {
		.old_status = m->from, .new_status = m->to,
		.reason = m->reason, .late = -1,
	};

	(void)err;
	if (strcmp(r->status, m->from) != 0)
		return 0;
	if (carb_intake_change(m->in, r->id, &ch)) {
		struct carb_watch_rt *w = carb_intake_watch(m->in, r->watch);

		if (w != NULL)
			carb_known_status(w, r->rel_path, r->rel_len, r->id,
					  m->to);
	}
	return 0;
}

void carb_groups_move_members(struct carb_intake *in, int64_t gid,
			      const char *from, const char *to,
			      const char *reason)
{
	struct members m = { in, from, to, reason };
	struct carb_error err;

	carb_error_clear(&err);
	if (carb_group_members_each(in->cat, gid, member_row, &m, &err) < 0)
		carb_intake_fail(in, &err);
}

/* The WAITING members of a group, read once and used both to judge the
 * group (their extensions) and to move them when it is decided: nothing
 * else changes them in between, since this thread owns every status. */
struct waiting {
	struct carb_config_strings present;  /* extensions passed */
	struct waiting_member {
		int64_t id;
		char *watch;
		char *rel;
		size_t rel_len;
	} *m;
	size_t n;
};

static void waiting_add(struct waiting *wt, int64_t id, const char *watch,
			const char *rel, size_t rel_len, const char *ext,
			size_t ext_len)
{
	struct waiting_member *m;

	wt->present.items = carb_xrealloc(wt->present.items,
		(wt->present.count + 1) * sizeof(char *));
	wt->present.items[wt->present.count++] = carb_xstrndup(ext, ext_len);
	wt->m = carb_xrealloc(wt->m, (wt->n + 1) * sizeof(*wt->m));
	m = &wt->m[wt->n++];
	m->id = id;
	m->watch = carb_xstrdup(watch);
	m->rel = carb_xstrndup(rel, rel_len);
	m->rel_len = rel_len;
}

static int waiting_row(void *ctx, const struct carb_component_row *r,
		       struct carb_error *err)
{
	(void)err;
	if (strcmp(r->status, "WAITING") == 0)
		waiting_add(ctx, r->id, r->watch, r->rel_path, r->rel_len,
			    r->extension, r->ext_len);
	return 0;
}

static void waiting_release(struct waiting *wt)
{
	for (size_t i = 0; i < wt->present.count; i++)
		free(wt->present.items[i]);
	free(wt->present.items);
	for (size_t i = 0; i < wt->n; i++) {
		free(wt->m[i].watch);
		free(wt->m[i].rel);
	}
	free(wt->m);
	memset(wt, 0, sizeof(*wt));
}

static bool has(const struct carb_config_strings *s, const char *x)
{
	for (size_t i = 0; i < s->count; i++)
		if (strcmp(s->items[i], x) == 0)
			return true;
	return false;
}

/* Missing required extensions, space-separated; NULL when none. */
static char *missing_of(const struct carb_intake *in,
			const struct carb_config_strings *present)
{
	const struct carb_config_strings *req =
		&in->rules->completeness.required;
	struct carb_buf b;

	carb_buf_init(&b);
	for (size_t i = 0; i < req->count; i++)
		if (!has(present, req->items[i]))
			carb_buf_addf(&b, "%s%s", b.len ? " " : "",
				      req->items[i]);
	return carb_buf_detach(&b);
}

/* A member's status change the operator may look for: WAITING, and
 * TIMED_OUT with what was missing. */
static void log_member(int level, const char *watch, const char *rel,
		       size_t len, int64_t gid, const char *status,
		       const char *what)
{
	struct carb_log_fields f = {
		.watch = watch, .component = rel, .component_len = len,
		.group = gid, .status = status,
	};
	struct carb_buf b;

	carb_buf_init(&b);
	carb_buf_add_safe_name(&b, rel, len);
	carb_logf(level, &f, "watch \"%s\": %s: %s", watch, b.data, what);
	carb_buf_release(&b);
}

/* Moves group gid and its WAITING members wt to status to. */
static void decide(struct carb_intake *in, int64_t gid,
		   const struct waiting *wt, const char *to, bool complete,
		   const char *missing)
{
	struct carb_component_change ch = {
		.old_status = "WAITING", .new_status = to, .late = -1,
	};
	struct carb_error err;
	char *reason = NULL;
	bool changed = false;

	carb_error_clear(&err);
	if (!carb_intake_tx(in))
		return;
	if (carb_group_set(in->cat, gid, "WAITING", to, complete, missing,
			   &changed, &err) < 0) {
		carb_intake_fail(in, &err);
		return;
	}
	if (!changed)
		return;
	if (strcmp(to, "TIMED_OUT") == 0)
		ch.reason = reason = carb_xasprintf("group timed out; missing %s",
						    missing ? missing : "nothing");
	for (size_t i = 0; i < wt->n && !in->failed; i++) {
		const struct waiting_member *m = &wt->m[i];
		struct carb_watch_rt *w;

		if (!carb_intake_change(in, m->id, &ch))
			continue;
		w = carb_intake_watch(in, m->watch);
		if (w != NULL)
			carb_known_status(w, m->rel, m->rel_len, m->id, to);
		if (reason != NULL)
			log_member(CARB_LOGL_WARNING, m->watch, m->rel,
				   m->rel_len, gid, to, reason);
	}
	free(reason);
	if (strcmp(to, "READY") == 0 && !in->failed)
		carb_stage_group(in, gid);
}

/* Decides group gid when its WAITING members wt have every required
 * extension. */
static void evaluate(struct carb_intake *in, int64_t gid,
		     const struct waiting *wt)
{
	char *missing = missing_of(in, &wt->present);

	if (missing == NULL || *missing == '\0')
		decide(in, gid, wt, "READY", true, NULL);
	free(missing);
}

/* Whether a group's first member completes it alone.  Such a group is
 * written READY at once: its WAITING rows would be overwritten in the
 * same transaction, unseen, at the cost of two more writes per file. */
static bool completes_alone(const struct carb_intake *in,
			    const struct carb_job *job)
{
	size_t blen, stem;
	const char *base = carb_name_base(job->rel, job->rel_len, &blen);
	char *ext, *missing;
	struct carb_config_strings present = { 1, &ext };
	bool alone;

	carb_name_split(base, blen, &stem);
	ext = carb_xstrndup(base + stem, blen - stem);
	missing = missing_of(in, &present);
	alone = missing == NULL || *missing == '\0';
	free(missing);
	free(ext);
	return alone;
}

static bool follows_archive(const char *group_status)
{
	return strcmp(group_status, "ARCHIVING") == 0 ||
	       strcmp(group_status, "ARCHIVED") == 0 ||
	       strcmp(group_status, "FAILED") == 0 ||
	       strcmp(group_status, "DUPLICATE") == 0;
}

/* A component passed integrity: it joins its group, whose key (owned)
 * grouping.c gave. */
static void join(struct carb_intake *in, struct carb_watch_rt *w,
		 struct carb_job *job, struct carb_known *k, char *key,
		 size_t klen)
{
	struct carb_component_change ch = {
		.old_status = "PENDING", .new_status = "WAITING",
		.content_hash = job->hash, .late = 0,
	};
	int64_t timeout_us = in->rules->completeness.timeout_ms * 1000;
	int64_t deadline = 0;
	struct carb_group_row g;
	struct carb_group_info born = { 0 };
	struct carb_error err;
	struct waiting wt = { { 0, NULL }, NULL, 0 };
	bool found = false, inserted = false, ready = false;
	char *reason = NULL;

	carb_error_clear(&err);
	if (carb_group_find(in->cat, w->cfg->name, key, klen, &g, &found,
			    &err) < 0)
		goto failed;
	if (found && strcmp(g.status, "WAITING") != 0 && k->generation == 1) {
		/* Decided already: a late member, visibly so.  It follows a
		 * group on its way to the archive; otherwise it takes the
		 * group's status. */
		ch.new_status = follows_archive(g.status) ? "READY" : g.status;
		ch.late = 1;
		ch.reason = reason = carb_xasprintf("late member: group was"
						    " already %s", g.status);
	} else if (!found || strcmp(g.status, "WAITING") != 0) {
		int64_t gen = found ? g.generation + 1 : 1;

		ready = completes_alone(in, job);
		if (ready ? carb_group_insert_ready(in->cat, w->cfg->name, key,
						    klen, gen, &born, &err) < 0
			  : carb_group_insert(in->cat, w->cfg->name, key, klen,
					      gen, timeout_us, &g.id,
					      &deadline, &err) < 0)
			goto failed;
		if (ready) {
			ch.new_status = "READY";
			g.id = born.id;
		}
		inserted = true;
		if (deadline > 0 && (in->next_deadline_us == 0 ||
				     deadline < in->next_deadline_us))
			in->next_deadline_us = deadline;
	}
	ch.file_id = g.id;
	if (carb_intake_change(in, job->id, &ch)) {
		snprintf(k->status, sizeof(k->status), "%s", ch.new_status);
		if (strcmp(ch.new_status, "WAITING") == 0)
			log_member(CARB_LOGL_DEBUG, w->cfg->name, job->rel,
				   job->rel_len, g.id, "WAITING",
				   "waiting for the rest of its group");
		/* A group made just now that its member does not complete
		 * alone (completes_alone said so) simply waits. */
		if (ready) {
			struct carb_stage_member m = {
				.id = job->id, .rel = job->rel,
				.rel_len = job->rel_len, .size = k->size,
				.device = k->device, .inode = k->inode,
				.generation = k->generation, .hash = job->hash,
			};

			carb_stage_born(in, &born, &m);
		} else if (strcmp(ch.new_status, "WAITING") == 0 && !inserted) {
			if (carb_group_members_each(in->cat, g.id, waiting_row,
						    &wt, &err) < 0)
				goto failed;
			evaluate(in, g.id, &wt);
		} else if (ch.late == 1 && strcmp(ch.new_status, "READY") == 0)
			carb_stage_late(in, g.id);
	}
	carb_group_info_release(&born);
	waiting_release(&wt);
	free(reason);
	free(key);
	return;
failed:
	carb_intake_fail(in, &err);
	carb_group_info_release(&born);
	waiting_release(&wt);
	free(reason);
	free(key);
}

void carb_groups_apply(struct carb_intake *in, struct carb_job *job)
{
	struct carb_watch_rt *w = &in->watches[job->watch];
	struct carb_known *k = carb_map_get(w->known, job->rel, job->rel_len);
	struct carb_component_change ch = { .late = -1 };
	char *key = NULL, *why = NULL;
	size_t klen = 0;

	if (k == NULL || k->id != job->id || job->gone ||
	    !carb_intake_tx(in))
		return;  /* renamed, replaced or gone meanwhile */
	if (job->passed && strcmp(k->status, "PENDING") == 0 &&
	    carb_grouping_key(in, w, job, k->size, &key, &klen, &why) < 0) {
		job->passed = false;
		snprintf(job->reason, sizeof(job->reason), "%s", why);
		free(why);
	}
	if (!job->passed) {
		if (!carb_status_open(k->status) ||
		    strcmp(k->status, "INTEGRITY_FAILED") == 0)
			return;
		ch.old_status = k->status;
		ch.new_status = "INTEGRITY_FAILED";
		ch.reason = job->reason;
		if (carb_intake_change(in, job->id, &ch)) {
			snprintf(k->status, sizeof(k->status), "INTEGRITY_FAILED");
			in->run_failures++;
			carb_log(CARB_LOGL_INFO, "watch \"%s\": component %lld:"
				 " integrity failed: %s", w->cfg->name,
				 (long long)job->id, job->reason);
		}
		return;
	}
	if (strcmp(k->status, "PENDING") == 0)
		join(in, w, job, k, key, klen);
	else
		free(key);
	if (job->is_sidecar)
		recheck_targets(in, w, job->rel, job->rel_len);
}

static void tick_watch(struct carb_intake *in, struct carb_watch_rt *w);

void carb_groups_tick(struct carb_intake *in)
{
	struct carb_error err;

	carb_error_clear(&err);
	for (size_t i = 0; i < in->nwatches && !in->failed; i++)
		tick_watch(in, &in->watches[i]);
	if (!in->failed &&
	    carb_groups_next_deadline(in->cat, &in->next_deadline_us, &err) < 0)
		carb_intake_fail(in, &err);
}

static void tick_watch(struct carb_intake *in, struct carb_watch_rt *w)
{
	const struct carb_completeness_rules *cr = &in->rules->completeness;
	struct carb_error err;
	int64_t *ids = NULL;
	size_t n = 0;

	carb_error_clear(&err);
	if (carb_groups_due(in->cat, w->cfg->name, carb_now_us(), 1000, &ids,
			    &n, &err) < 0) {
		carb_intake_fail(in, &err);
		return;
	}
	for (size_t i = 0; i < n && !in->failed; i++) {
		struct waiting wt = { { 0, NULL }, NULL, 0 };
		char *missing;

		if (carb_group_members_each(in->cat, ids[i], waiting_row, &wt,
					    &err) < 0) {
			carb_intake_fail(in, &err);
			waiting_release(&wt);
			break;
		}
		missing = missing_of(in, &wt.present);
		if (cr->on_timeout == CARB_TIMEOUT_PROCESS)
			decide(in, ids[i], &wt, "READY", false, missing);
		else
			decide(in, ids[i], &wt, "TIMED_OUT", false, missing);
		free(missing);
		waiting_release(&wt);
	}
	free(ids);
}
