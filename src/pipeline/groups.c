/* Steps 2 and 3 as the catalog sees them: integrity results become
 * statuses, passed components join their group (the files row of their
 * folder and stem), and a group is decided when its required extensions
 * are in, or when its deadline passes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/checksum.h"
#include "pipeline/intake_internal.h"

/* Step 3's own state. */
struct carb_groups {
	int64_t next_deadline_us;  /* of a waiting group; 0: none */
	size_t failures;           /* files that failed integrity this run */
};

int carb_groups_open(struct carb_intake *in, struct carb_error *err)
{
	in->groups = carb_xcalloc(1, sizeof(*in->groups));
	return carb_groups_next_deadline(in->cat, &in->groups->next_deadline_us,
					 err);
}

void carb_groups_close(struct carb_intake *in)
{
	free(in->groups);
	in->groups = NULL;
}

int64_t carb_groups_deadline(const struct carb_intake *in)
{
	return in->groups->next_deadline_us;
}

size_t carb_groups_failures(const struct carb_intake *in)
{
	return in->groups->failures;
}

/* What a late check needs of the row: its hash and archived copy. */
struct late_row {
	char *hash;
	char *archived;            /* NULL unless ARCHIVED */
	size_t archived_len;
};

static int late_row(void *ctx, const struct carb_component_row *r,
		    struct carb_error *err)
{
	struct late_row *l = ctx;

	(void)err;
	if (r->content_hash != NULL)
		l->hash = carb_xstrdup(r->content_hash);
	/* a copy at an http receiver cannot be read: the delivered file
	 * is checked instead (an http destination only copies) */
	if (r->archive_path != NULL && r->status == CARB_STATUS_ARCHIVED &&
	    !carb_archive_path_is_url(r->archive_path, r->archive_path_len)) {
		l->archived = carb_xstrndup(r->archive_path,
					    r->archive_path_len);
		l->archived_len = r->archive_path_len;
	}
	return 0;
}

/* Component id at rel went past integrity before a checksum file that
 * speaks for it was recorded: its content (the archived copy when there
 * is one) is checked against it on a worker. */
static void recheck_late(struct carb_intake *in, struct carb_watch_rt *w,
			 const char *rel, size_t len, int64_t id)
{
	struct late_row l = { NULL, NULL, 0 };
	struct carb_error err;

	carb_error_clear(&err);
	if (carb_component_get(in->cat, id, late_row, &l, &err) < 0)
		carb_turn_fail(in->turn, &err);
	else if (l.hash != NULL)
		carb_integrity_submit_late(in, w, rel, len, id, l.hash,
					   l.archived, l.archived_len);
	free(l.hash);
	free(l.archived);
}

/* Statuses past integrity whose content a late checksum file is
 * checked against: the archive has, or will have, those bytes. */
static bool past_integrity(enum carb_status status)
{
	return status == CARB_STATUS_ARCHIVING ||
	       status == CARB_STATUS_RETRY_PENDING ||
	       status == CARB_STATUS_ARCHIVED;
}

/* Checks a component again.  One that failed or waits is PENDING again
 * first, so that its group waits for the check and passing moves it on;
 * one past integrity gets a late check. */
static void recheck(struct carb_intake *in, struct carb_watch_rt *w,
		    const char *rel, size_t len, struct carb_known *k)
{
	struct carb_component_change ch = {
		.old_status = k->status, .new_status = CARB_STATUS_PENDING,
		.late = -1,
	};

	if (past_integrity(k->status)) {
		recheck_late(in, w, rel, len, k->id);
		return;
	}
	if (!carb_status_open(k->status))
		return;
	if (k->status == CARB_STATUS_INTEGRITY_FAILED ||
	    k->status == CARB_STATUS_WAITING) {
		if (!carb_status_set(in, k->id, &ch))
			return;
		carb_status_known(k, CARB_STATUS_PENDING);
	}
	carb_integrity_submit(in, w, rel, len, k->id);
}

/* Every file of rel's folder (of those whose base is stem[0..stem_len)
 * when stem is not NULL) but checksum files is checked again. */
static void recheck_folder(struct carb_intake *in, struct carb_watch_rt *w,
			   const char *rel, size_t dlen, const char *stem,
			   size_t stem_len)
{
	struct carb_map_iter it;
	const char *k;
	size_t klen;
	void *v;

	carb_map_iter_init(&it, w->known);
	while (carb_map_iter_next(&it, &k, &klen, &v)) {
		size_t tb, ts;
		const char *tbase = carb_name_base(k, klen, &tb);

		if ((size_t)(tbase - k) != dlen || memcmp(k, rel, dlen) != 0 ||
		    carb_name_is_sidecar(tbase, tb, w->cfg))
			continue;
		carb_name_split(tbase, tb, &ts);
		if (stem == NULL || (ts == stem_len &&
				     memcmp(tbase, stem, ts) == 0))
			recheck(in, w, k, klen, v);
	}
}

/* A checksum file arrived: the files it speaks for are checked again.
 * NAME.sha256 speaks for NAME; when NAME is a stem (a.sha256), for the
 * whole group of that stem; a manifest, for its whole folder. */
static void recheck_targets(struct carb_intake *in, struct carb_watch_rt *w,
			    const char *rel, size_t len)
{
	size_t blen, stem;
	const char *base = carb_name_base(rel, len, &blen);
	size_t dlen = (size_t)(base - rel);

	if (carb_digest_algo_from_name(base, blen) >= 0) {
		const char *dot = memrchr(rel, '.', len);
		size_t tlen = (size_t)(dot - rel);
		struct carb_known *t = carb_map_get(w->known, rel, tlen);

		carb_name_split(base, blen, &stem);
		if (stem == tlen - dlen)
			recheck_folder(in, w, rel, dlen, base, stem);
		else if (t != NULL)
			recheck(in, w, rel, tlen, t);
		return;
	}
	recheck_folder(in, w, rel, dlen, NULL, 0);
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
	if (r->status == CARB_STATUS_WAITING)
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
		       size_t len, int64_t gid, enum carb_status status,
		       const char *what)
{
	struct carb_log_fields f = {
		.watch = watch, .component = rel, .component_len = len,
		.group = gid, .status = carb_status_name(status),
	};
	struct carb_buf b;

	carb_buf_init(&b);
	carb_buf_add_safe_name(&b, rel, len);
	carb_logf(level, &f, "watch \"%s\": %s: %s", watch, b.data, what);
	carb_buf_release(&b);
}

/* Moves group gid and its WAITING members wt to status to. */
static void decide(struct carb_intake *in, int64_t gid,
		   const struct waiting *wt, enum carb_status to,
		   bool complete,
		   const char *missing)
{
	struct carb_component_change ch = {
		.old_status = CARB_STATUS_WAITING, .new_status = to, .late = -1,
	};
	struct carb_error err;
	char *reason = NULL;
	bool changed = false;

	carb_error_clear(&err);
	if (!carb_turn_tx(in->turn))
		return;
	if (carb_status_group_set(in, gid, CARB_STATUS_WAITING, to, complete,
				  missing, &changed, &err) < 0) {
		carb_turn_fail(in->turn, &err);
		return;
	}
	if (!changed)
		return;
	if (to == CARB_STATUS_TIMED_OUT)
		ch.reason = reason = carb_xasprintf("group timed out; missing %s",
						    missing ? missing : "nothing");
	for (size_t i = 0; i < wt->n && !carb_turn_failed(in->turn); i++) {
		const struct waiting_member *m = &wt->m[i];
		struct carb_watch_rt *w;

		if (!carb_status_set(in, m->id, &ch))
			continue;
		w = carb_intake_watch(in, m->watch);
		if (w != NULL)
			carb_status_mirror(w, m->rel, m->rel_len, m->id, to);
		if (reason != NULL)
			log_member(CARB_LOGL_WARNING, m->watch, m->rel,
				   m->rel_len, gid, to, reason);
	}
	free(reason);
	if (to == CARB_STATUS_READY && !carb_turn_failed(in->turn))
		carb_stage_group(in, gid);
}

/* The members' rels as group_wait.c takes them (views into wt). */
struct rels {
	char **rel;
	size_t *len;
	size_t n;
};

static void rels_of(const struct waiting *wt, struct rels *r)
{
	r->n = wt->n;
	r->rel = carb_xcalloc(wt->n + 1, sizeof(*r->rel));
	r->len = carb_xcalloc(wt->n + 1, sizeof(*r->len));
	for (size_t i = 0; i < wt->n; i++) {
		r->rel[i] = wt->m[i].rel;
		r->len[i] = wt->m[i].rel_len;
	}
}

static void rels_release(struct rels *r)
{
	free(r->rel);
	free(r->len);
}

/* The default key of the group of rel: its folder and stem. */
static size_t key_len_of(const char *rel, size_t len)
{
	size_t blen, stem;
	const char *base = carb_name_base(rel, len, &blen);

	carb_name_split(base, blen, &stem);
	return (size_t)(base - rel) + stem;
}

/* What the group's checksum file names that has not arrived, written
 * into files.missing so that `query files` shows what it waits for. */
static void note_named(struct carb_intake *in, int64_t gid,
		       const char *named, const char *from)
{
	struct carb_error err;
	struct carb_buf b;

	carb_error_clear(&err);
	if (carb_turn_tx(in->turn) &&
	    carb_status_group_set(in, gid, CARB_STATUS_WAITING,
				  CARB_STATUS_WAITING, false, named, NULL,
				  &err) < 0)
		carb_turn_fail(in->turn, &err);
	carb_buf_init(&b);
	carb_buf_add_safe_name(&b, from, strlen(from));
	carb_log(CARB_LOGL_INFO, "group %lld waits for %s, named by its"
		 " checksum file %s", (long long)gid, named, b.data);
	carb_buf_release(&b);
}

/* Decides group gid when its WAITING members wt have every required
 * extension, nothing that may belong to it is still settling or being
 * checked, and every member its checksum file names is in. */
static void evaluate(struct carb_intake *in, struct carb_watch_rt *w,
		     int64_t gid, const struct waiting *wt)
{
	char *missing = missing_of(in, &wt->present), *named = NULL;
	const char *from = NULL;
	struct rels r = { NULL, NULL, 0 };
	size_t klen;

	if ((missing != NULL && *missing != '\0') || wt->n == 0 || w == NULL) {
		free(missing);
		return;
	}
	rels_of(wt, &r);
	klen = key_len_of(r.rel[0], r.len[0]);
	if (!carb_group_wait_held(in, w, r.rel[0], klen, r.rel, r.len, r.n))
		named = carb_group_wait_named(in, w, r.rel[0], klen, r.rel,
					      r.len, r.n, &from);
	else
		from = "";
	if (named != NULL)
		note_named(in, gid, named, from);
	else if (from == NULL)
		decide(in, gid, wt, CARB_STATUS_READY, true, NULL);
	free(named);
	rels_release(&r);
	free(missing);
}

/* Whether a group's first member completes it alone.  Such a group is
 * written READY at once: its WAITING rows would be overwritten in the
 * same transaction, unseen, at the cost of two more writes per file. */
static bool completes_alone(const struct carb_intake *in,
			    const struct carb_check *chk)
{
	size_t blen, stem;
	const char *base = carb_name_base(chk->rel, chk->rel_len, &blen);
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

/* A group's first member completes it alone only when nothing else of
 * the group is settling or being checked, and it is not a checksum file
 * naming other members (*named, owned, and *from say which then). */
static bool alone_ready(const struct carb_intake *in,
			const struct carb_watch_rt *w,
			const struct carb_check *chk, const char *key,
			size_t klen, char **named, const char **from)
{
	char *rel = chk->rel;
	size_t len = chk->rel_len;

	if (carb_group_wait_held(in, w, key, klen, &rel, &len, 1))
		return false;
	*named = carb_group_wait_named(in, w, key, klen, &rel, &len, 1, from);
	return *named == NULL;
}

struct has_path_ctx {
	int64_t id;               /* the member asking, which is no answer */
	const char *rel;
	size_t len;
	bool found;
};

static int path_row(void *ctx, const struct carb_component_row *r,
		    struct carb_error *err)
{
	struct has_path_ctx *h = ctx;

	(void)err;
	h->found |= r->id != h->id && r->rel_len == h->len &&
		    memcmp(r->rel_path, h->rel, h->len) == 0;
	return 0;
}

/* Whether group gid has a member at rel already, other than id. */
static bool has_path(struct carb_intake *in, int64_t gid, int64_t id,
		     const char *rel, size_t len)
{
	struct has_path_ctx h = { id, rel, len, false };
	struct carb_error err;

	carb_error_clear(&err);
	if (carb_group_members_each(in->cat, gid, path_row, &h, &err) < 0)
		carb_turn_fail(in->turn, &err);
	return h.found;
}

static bool follows_archive(enum carb_status group_status)
{
	return group_status == CARB_STATUS_ARCHIVING ||
	       group_status == CARB_STATUS_ARCHIVED ||
	       group_status == CARB_STATUS_FAILED ||
	       group_status == CARB_STATUS_DUPLICATE;
}

/* A component passed integrity: it joins its group, whose key (owned)
 * grouping.c gave. */
static void join(struct carb_intake *in, struct carb_watch_rt *w,
		 struct carb_check *chk, struct carb_known *k, char *key,
		 size_t klen)
{
	struct carb_component_change ch = {
		.old_status = CARB_STATUS_PENDING,
		.new_status = CARB_STATUS_WAITING,
		.content_hash = chk->hash, .late = 0,
		.xxh128 = chk->xxh128[0] != '\0' ? chk->xxh128 : NULL,
	};
	int64_t timeout_us = in->rules->completeness.timeout_ms * 1000;
	int64_t deadline = 0;
	struct carb_group_row g;
	struct carb_group_info born = { 0 };
	struct carb_error err;
	struct waiting wt = { { 0, NULL }, NULL, 0 };
	bool found = false, inserted = false, ready = false;
	char *reason = NULL, *named = NULL;
	const char *from = NULL;

	carb_error_clear(&err);
	if (carb_group_find(in->cat, w->cfg->name, key, klen, &g, &found,
			    &err) < 0)
		goto failed;
	if (found && g.status != CARB_STATUS_WAITING &&
	    !has_path(in, g.id, chk->id, chk->rel, chk->rel_len)) {
		/* Decided already: a late member, visibly so.  It follows a
		 * group on its way to the archive; otherwise it takes the
		 * group's status.  A path the group holds already is a new
		 * delivery: it starts the group's next generation. */
		ch.new_status = follows_archive(g.status) ? CARB_STATUS_READY
							  : g.status;
		ch.late = 1;
		ch.reason = reason = carb_xasprintf("late member: group was"
						    " already %s",
						    carb_status_name(g.status));
	} else if (!found || g.status != CARB_STATUS_WAITING) {
		int64_t gen = found ? g.generation + 1 : 1;

		ready = completes_alone(in, chk) &&
			alone_ready(in, w, chk, key, klen, &named, &from);
		if (ready ? carb_status_group_insert_ready(in, w->cfg->name, key,
						    klen, gen, &born, &err) < 0
			  : carb_status_group_insert(in, w->cfg->name, key, klen,
					      gen, timeout_us, &g.id,
					      &deadline, &err) < 0)
			goto failed;
		if (ready) {
			ch.new_status = CARB_STATUS_READY;
			g.id = born.id;
		}
		inserted = true;
		if (deadline > 0 && (in->groups->next_deadline_us == 0 ||
				     deadline < in->groups->next_deadline_us))
			in->groups->next_deadline_us = deadline;
	}
	ch.file_id = g.id;
	if (carb_status_set(in, chk->id, &ch)) {
		carb_status_known(k, ch.new_status);
		if (ch.new_status == CARB_STATUS_WAITING)
			log_member(CARB_LOGL_DEBUG, w->cfg->name, chk->rel,
				   chk->rel_len, g.id, CARB_STATUS_WAITING,
				   "waiting for the rest of its group");
		if (named != NULL)
			note_named(in, g.id, named, from);
		/* A group made just now that its member does not complete
		 * alone (completes_alone said so) simply waits. */
		if (ready) {
			struct carb_stage_member m = {
				.id = chk->id, .rel = chk->rel,
				.rel_len = chk->rel_len, .size = k->size,
				.device = k->device, .inode = k->inode,
				.generation = k->generation, .hash = chk->hash,
			};

			carb_stage_born(in, &born, &m);
		} else if (ch.new_status == CARB_STATUS_WAITING && !inserted) {
			if (carb_group_members_each(in->cat, g.id, waiting_row,
						    &wt, &err) < 0)
				goto failed;
			evaluate(in, w, g.id, &wt);
		} else if (ch.late == 1 && ch.new_status == CARB_STATUS_READY)
			carb_stage_late(in, g.id);
	}
	carb_group_info_release(&born);
	waiting_release(&wt);
	free(reason);
	free(named);
	free(key);
	return;
failed:
	carb_turn_fail(in->turn, &err);
	carb_group_info_release(&born);
	waiting_release(&wt);
	free(reason);
	free(named);
	free(key);
}

/* A late check came back: a contradiction marks the component (it is,
 * or will be, archived with the delivered bytes) and is an error. */
static void apply_late(struct carb_intake *in, struct carb_watch_rt *w,
		       const struct carb_check *chk)
{
	struct carb_log_fields f = {
		.watch = w->cfg->name, .component = chk->rel,
		.component_len = chk->rel_len,
	};
	struct carb_error err;
	struct carb_buf b;
	bool changed = false;
	char *what;

	if (chk->passed)
		return;
	carb_error_clear(&err);
	what = carb_xasprintf("a checksum file recorded after the file went"
			      " past integrity contradicts it: %s",
			      chk->reason);
	if (carb_component_mark_conflict(in->cat, chk->id, what, &changed,
					 &err) < 0)
		carb_turn_fail(in->turn, &err);
	if (changed) {
		carb_buf_init(&b);
		carb_buf_add_safe_name(&b, chk->rel, chk->rel_len);
		carb_logf(CARB_LOGL_ERROR, &f, "watch \"%s\": %s: %s",
			  w->cfg->name, b.data, what);
		carb_buf_release(&b);
	}
	free(what);
}

static void apply_failed(struct carb_intake *in, struct carb_watch_rt *w,
			 const struct carb_check *chk, struct carb_known *k)
{
	struct carb_component_change ch = { .late = -1 };

	if (!carb_status_open(k->status) ||
	    k->status == CARB_STATUS_INTEGRITY_FAILED)
		return;
	ch.old_status = k->status;
	ch.new_status = CARB_STATUS_INTEGRITY_FAILED;
	ch.reason = chk->reason;
	if (!carb_status_set(in, chk->id, &ch))
		return;
	carb_status_known(k, CARB_STATUS_INTEGRITY_FAILED);
	in->groups->failures++;
	carb_log(CARB_LOGL_INFO, "watch \"%s\": component %lld: integrity"
		 " failed: %s", w->cfg->name, (long long)chk->id, chk->reason);
	carb_groups_sibling_done(in, w, chk->rel, chk->rel_len);
}

void carb_groups_apply(struct carb_intake *in, struct carb_check *chk)
{
	struct carb_watch_rt *w = &in->watches[chk->watch];
	struct carb_known *k = carb_map_get(w->known, chk->rel, chk->rel_len);
	char *key = NULL, *why = NULL;
	size_t klen = 0;

	/* renamed, replaced or gone meanwhile; or a newer check is out */
	if (k == NULL || k->id != chk->id || chk->gone ||
	    k->checks != chk->seq || !carb_turn_tx(in->turn))
		return;
	if (chk->late) {
		apply_late(in, w, chk);
		return;
	}
	if (chk->passed && k->status == CARB_STATUS_PENDING &&
	    carb_grouping_key(in, w, chk, k->size, &key, &klen, &why) < 0) {
		chk->passed = false;
		snprintf(chk->reason, sizeof(chk->reason), "%s", why);
		free(why);
	}
	if (!chk->passed) {
		apply_failed(in, w, chk, k);
		return;
	}
	/* What a checksum file speaks for is checked again before the
	 * checksum file joins the group, so the group waits for that. */
	if (chk->is_sidecar)
		recheck_targets(in, w, chk->rel, chk->rel_len);
	if (k->status == CARB_STATUS_PENDING)
		join(in, w, chk, k, key, klen);
	else
		free(key);
}

void carb_groups_sibling_done(struct carb_intake *in, struct carb_watch_rt *w,
			      const char *rel, size_t len)
{
	struct waiting wt = { { 0, NULL }, NULL, 0 };
	size_t klen = key_len_of(rel, len);
	struct carb_group_row g;
	struct carb_error err;
	bool found = false;

	carb_error_clear(&err);
	if (carb_turn_failed(in->turn) || (in->opts.plugin != NULL &&
			   in->rules->completeness.function != NULL))
		return;
	if (carb_group_find(in->cat, w->cfg->name, rel, klen, &g, &found,
			    &err) < 0 ||
	    (found && g.status == CARB_STATUS_WAITING &&
	     carb_group_members_each(in->cat, g.id, waiting_row, &wt,
				     &err) < 0)) {
		carb_turn_fail(in->turn, &err);
	} else if (found && g.status == CARB_STATUS_WAITING) {
		evaluate(in, w, g.id, &wt);
	}
	waiting_release(&wt);
}

static void tick_watch(struct carb_intake *in, struct carb_watch_rt *w);

void carb_groups_tick(struct carb_intake *in)
{
	int64_t due = in->groups->next_deadline_us;
	struct carb_error err;

	if (due == 0 || due > carb_now_us())
		return;
	carb_error_clear(&err);
	for (size_t i = 0; i < in->nwatches && !carb_turn_failed(in->turn); i++)
		tick_watch(in, &in->watches[i]);
	if (!carb_turn_failed(in->turn) &&
	    carb_groups_next_deadline(in->cat, &in->groups->next_deadline_us,
				      &err) < 0)
		carb_turn_fail(in->turn, &err);
}

/* What a group that timed out lacks: required extensions, and the
 * members its checksum file names (owned; "" when nothing). */
static char *timed_out_missing(struct carb_intake *in,
			       struct carb_watch_rt *w,
			       const struct waiting *wt)
{
	char *missing = missing_of(in, &wt->present), *named, *both;
	const char *from;
	struct rels r;

	if (wt->n == 0)
		return missing;
	rels_of(wt, &r);
	named = carb_group_wait_named(in, w, r.rel[0],
				      key_len_of(r.rel[0], r.len[0]), r.rel,
				      r.len, r.n, &from);
	rels_release(&r);
	if (named == NULL)
		return missing;
	both = carb_xasprintf("%s%s%s", missing ? missing : "",
			      missing && *missing ? " " : "", named);
	free(missing);
	free(named);
	return both;
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
		carb_turn_fail(in->turn, &err);
		return;
	}
	for (size_t i = 0; i < n && !carb_turn_failed(in->turn); i++) {
		struct waiting wt = { { 0, NULL }, NULL, 0 };
		char *missing;

		if (carb_group_members_each(in->cat, ids[i], waiting_row, &wt,
					    &err) < 0) {
			carb_turn_fail(in->turn, &err);
			waiting_release(&wt);
			break;
		}
		missing = timed_out_missing(in, w, &wt);
		if (cr->on_timeout == CARB_TIMEOUT_PROCESS)
			decide(in, ids[i], &wt, CARB_STATUS_READY, false,
			       missing);
		else
			decide(in, ids[i], &wt, CARB_STATUS_TIMED_OUT, false,
			       missing);
		free(missing);
		waiting_release(&wt);
	}
	free(ids);
}
