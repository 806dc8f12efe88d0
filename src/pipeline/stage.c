/* Steps 5 and 6 for a READY group: is it kept (selection), where does it
 * go (routing), and for each member, is it a re-delivery of content
 * already archived (DUPLICATE) or where exactly will it land (the
 * destination's template, rendered and checked).  Each planned member's
 * ARCHIVING row names its path before any file moves. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pipeline/intake_internal.h"

/* Steps 5 and 6 decide a group at a time and keep nothing between
 * groups but their count of failed files. */
struct carb_stage {
	size_t failures;
};

void carb_stage_open(struct carb_intake *in)
{
	in->stage = carb_xcalloc(1, sizeof(*in->stage));
}

void carb_stage_close(struct carb_intake *in)
{
	free(in->stage);
	in->stage = NULL;
}

size_t carb_stage_failures(const struct carb_intake *in)
{
	return in->stage->failures;
}

struct member {
	int64_t id;
	char *rel;
	size_t rel_len;
	char *ext;
	size_t ext_len;
	int64_t size, device, inode;
	int64_t attempts;
	int64_t generation;
	char *hash;
};

struct stage {
	struct carb_intake *in;
	const struct carb_meta_work *mw;  /* the plugin's outcome, or NULL */
	struct carb_plugin_value *loaded; /* else the catalog's columns */
	char **coltext;           /* template text of plugin columns */
	struct carb_group_info g;
	struct carb_watch_rt *w;
	struct member *m;
	size_t n;
	char vars[5][16];         /* yyyy mm dd hh, rendered once */
	char *dir;                /* {dir}: the group's folder in the watch */
	char *group;              /* {group}: the group key's base name */
	const char *name;         /* {name} of a URL: the member's base name */
	size_t planned;           /* members made ARCHIVING */
	size_t slash_col;         /* 1 + a plugin column whose template text
	                           * holds "/"; 0: none */
};

static int collect(void *ctx, const struct carb_component_row *r,
		   struct carb_error *err)
{
	struct stage *s = ctx;
	struct member *m;

	(void)err;
	if (r->status != CARB_STATUS_READY)
		return 0;
	s->m = carb_xrealloc(s->m, (s->n + 1) * sizeof(*s->m));
	m = &s->m[s->n++];
	m->id = r->id;
	m->rel = carb_xstrndup(r->rel_path, r->rel_len);
	m->rel_len = r->rel_len;
	m->ext = carb_xstrndup(r->extension, r->ext_len);
	m->ext_len = r->ext_len;
	m->size = r->size;
	m->device = r->device;
	m->inode = r->inode;
	m->attempts = r->attempts;
	m->generation = r->generation;
	m->hash = r->content_hash ? carb_xstrdup(r->content_hash) : NULL;
	return 0;
}

static void release(struct stage *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->m[i].rel);
		free(s->m[i].ext);
		free(s->m[i].hash);
	}
	free(s->m);
	free(s->dir);
	free(s->group);
	for (size_t i = 0; s->in->opts.plugin != NULL &&
	     i < carb_plugin_ncolumns(s->in->opts.plugin); i++) {
		if (s->loaded != NULL)
			free((char *)s->loaded[i].text);
		if (s->coltext != NULL)
			free(s->coltext[i]);
	}
	free(s->loaded);
	free(s->coltext);
	carb_group_info_release(&s->g);
}

/* ---- plugin columns ------------------------------------------------------ */

static void fail_catalog(struct stage *s, const struct carb_error *err)
{
	carb_turn_fail(s->in->turn, err);
}


/* Column i of the group: what the plugin just set, else what the
 * catalog holds (a late member, or no plugin call configured). */
static const struct carb_plugin_value *column_value(struct stage *s, int i)
{
	struct carb_plugin_rt *p = s->in->opts.plugin;
	size_t n = carb_plugin_ncolumns(p);
	struct carb_error err;

	if (s->mw != NULL) {
		const struct carb_plugin_outcome *o = carb_meta_outcome(s->mw);

		return (size_t)i < o->ncolumns ? &o->values[i] : NULL;
	}
	if (s->loaded == NULL) {
		s->loaded = carb_xcalloc(n, sizeof(*s->loaded));
		for (size_t k = 0; k < n; k++)
			s->loaded[k].is_null = 1;
		carb_error_clear(&err);
		/* the declared columns are one array */
		if (n > 0 && carb_group_plugin_load(s->in->cat, s->g.id,
						    carb_plugin_column(p, 0), n,
						    s->loaded, &err) < 0)
			fail_catalog(s, &err);
	}
	return &s->loaded[i];
}

static const struct carb_plugin_value *fact_column(void *ctx, const char *name)
{
	struct stage *s = ctx;
	int i;

	if (s->in->opts.plugin == NULL)
		return NULL;
	i = carb_plugin_column_index(s->in->opts.plugin, name, strlen(name));
	return i < 0 ? NULL : column_value(s, i);
}

/* A plugin column in a path template: its text ("" when NULL), checked
 * segment by segment by the template like any other value. */
static const char *column_text(struct stage *s, const char *name, size_t len)
{
	struct carb_plugin_rt *p = s->in->opts.plugin;
	int i = p ? carb_plugin_column_index(p, name, len) : -1;
	const struct carb_plugin_value *v;
	struct carb_buf b;

	if (i < 0)
		return NULL;
	if (s->coltext == NULL)
		s->coltext = carb_xcalloc(carb_plugin_ncolumns(p), sizeof(char *));
	if (s->coltext[i] == NULL) {
		v = column_value(s, i);
		carb_buf_init(&b);
		carb_buf_adds(&b, "");
		if (v != NULL)
			carb_plugin_value_text(v, &b);
		s->coltext[i] = carb_buf_detach(&b);
	}
	/* One folder name: a "/" would make it several, or climb to the
	 * root ("/etc" -> etc/...), whatever the plugin meant. */
	if (strchr(s->coltext[i], '/') != NULL && s->slash_col == 0)
		s->slash_col = (size_t)i + 1;
	return s->coltext[i];
}

/* ---- selection and routing ---------------------------------------------- */

static const struct carb_plugin_value *fact_column(void *ctx, const char *name);

static void facts_of(const struct stage *s, struct carb_group_facts *f,
		     struct carb_member_facts *mf)
{
	f->watch = s->g.watch;
	f->complete = s->g.complete;
	f->size = 0;
	f->members = mf;
	f->nmembers = s->n;
	f->column = fact_column;
	f->column_ctx = (void *)s;
	for (size_t i = 0; i < s->n; i++) {
		mf[i].name = carb_name_base(s->m[i].rel, s->m[i].rel_len,
					    &mf[i].name_len);
		mf[i].extension = s->m[i].ext;
		mf[i].ext_len = s->m[i].ext_len;
		mf[i].size = (uint64_t)s->m[i].size;
		f->size += mf[i].size;
	}
}

static void log_group(const struct stage *s, int level, const char *what)
{
	struct carb_log_fields f = { .watch = s->g.watch, .group = s->g.id };
	struct carb_buf b;

	carb_buf_init(&b);
	carb_buf_add_safe_name(&b, s->g.key, s->g.key_len);
	carb_logf(level, &f, "%swatch \"%s\": group %s: %s",
		 s->in->opts.dry_run ? "dry run: " : "", s->g.watch, b.data,
		 what);
	carb_buf_release(&b);
}

/* The group and its READY members go to status `to` with reason. */
static void settle_whole(struct stage *s, enum carb_status to,
			 const char *reason)
{
	struct carb_error err;
	bool changed = false;

	carb_error_clear(&err);
	if (carb_turn_tx(s->in->turn) &&
	    carb_status_group_route(s->in, s->g.id, CARB_STATUS_READY, to,
				    NULL, reason, &changed, &err) < 0)
		fail_catalog(s, &err);
	if (!changed)
		return;
	carb_status_move_members(s->in, s->g.id, CARB_STATUS_READY, to, reason);
	if (to == CARB_STATUS_FAILED)
		s->in->stage->failures += s->n;
	log_group(s, to == CARB_STATUS_FAILED ? CARB_LOGL_WARNING
					       : CARB_LOGL_INFO, reason);
}

/* Not kept: the group and its members are NOT_SELECTED, with the rule. */
static void reject(struct stage *s, const char *rule)
{
	char *reason = rule ? carb_xasprintf("selection rule \"%s\" rejected the group", rule)
			    : carb_xstrdup("selection.default is \"reject\"");

	settle_whole(s, CARB_STATUS_NOT_SELECTED, reason);
	free(reason);
}

/* ---- templates ------------------------------------------------------------ */

static const char *lookup(void *ctx, const char *name, size_t len)
{
	struct stage *s = ctx;
	static const char *const dates[] = { "yyyy", "mm", "dd", "hh" };

	if (len == 5 && memcmp(name, "watch", 5) == 0)
		return s->g.watch;
	if (len == 5 && memcmp(name, "group", 5) == 0)
		return s->group;
	if (len == 3 && memcmp(name, "dir", 3) == 0)
		return s->dir;
	if (len == 4 && memcmp(name, "name", 4) == 0 && s->name != NULL)
		return s->name;
	for (size_t i = 0; i < 4; i++)
		if (strlen(dates[i]) == len && memcmp(name, dates[i], len) == 0)
			return s->vars[i];
	return column_text(s, name, len);
}

/* The date variables come from the group's completion, in UTC, so a
 * group's place never depends on when a retry happens to run. */
static void set_vars(struct stage *s)
{
	time_t t = (time_t)((s->g.completed_at ? s->g.completed_at
					       : carb_now_us()) / 1000000);
	const char *slash = memrchr(s->g.key, '/', s->g.key_len);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(s->vars[0], sizeof(s->vars[0]), "%04d", tm.tm_year + 1900);
	snprintf(s->vars[1], sizeof(s->vars[1]), "%02d", tm.tm_mon + 1);
	snprintf(s->vars[2], sizeof(s->vars[2]), "%02d", tm.tm_mday);
	snprintf(s->vars[3], sizeof(s->vars[3]), "%02d", tm.tm_hour);
	s->dir = carb_xstrndup(s->g.key, slash ? (size_t)(slash - s->g.key) : 0);
	s->group = carb_xstrdup(slash ? slash + 1 : s->g.key);
}

/* ---- members ------------------------------------------------------------ */

static void member_status(struct stage *s, const struct member *m,
			  enum carb_status status)
{
	carb_status_mirror(s->w, m->rel, m->rel_len, m->id, status);
}

static void fail_member(struct stage *s, const struct member *m,
			const char *reason)
{
	struct carb_component_change ch = {
		.old_status = CARB_STATUS_READY,
		.new_status = CARB_STATUS_FAILED, .reason = reason,
		.late = -1,
	};

	if (!carb_status_set(s->in, m->id, &ch))
		return;
	member_status(s, m, CARB_STATUS_FAILED);
	s->in->stage->failures++;
	log_group(s, CARB_LOGL_WARNING, reason);
}

/* Content an earlier generation of the same path already archived is
 * not archived again. */
static bool duplicate(struct stage *s, const struct member *m)
{
	struct carb_archived a = { .old_status = CARB_STATUS_READY,
				   .new_status = CARB_STATUS_DUPLICATE };
	struct carb_error err;
	int64_t other = 0;
	char *path = NULL, *reason;
	bool changed = false;

	carb_error_clear(&err);
	/* Generation 1 is the path's first delivery: nothing before it. */
	if (m->hash == NULL || m->generation <= 1)
		return false;
	if (carb_component_find_archived(s->in->cat, s->g.watch, m->rel,
					 m->rel_len, m->hash, &other, &path,
					 &a.path_len, &err) < 0) {
		fail_catalog(s, &err);
		return true;
	}
	if (other == 0)
		return false;
	a.path = path;
	a.reason = reason = carb_xasprintf("same content as component %lld,"
					   " already archived",
					   (long long)other);
	if (carb_turn_tx(s->in->turn) &&
	    carb_status_archived(s->in, m->id, &a, &changed, &err) < 0)
		fail_catalog(s, &err);
	if (changed) {
		member_status(s, m, CARB_STATUS_DUPLICATE);
		log_group(s, CARB_LOGL_INFO, reason);
	}
	free(reason);
	free(path);
	return true;
}

/* Where member m goes: dir/NAME under base_path, or for an http
 * destination its URL, rendered for each member ({name}).  NULL when
 * the URL cannot be rendered (m FAILED). */
static char *member_path(struct stage *s, const struct carb_dest_rt *d,
			 const char *dir, const struct member *m,
			 const char *base, size_t blen)
{
	struct carb_error err;
	struct carb_buf url;

	if (!carb_destination_is_http(d->cfg))
		return carb_xasprintf("%s/%.*s", dir, (int)blen, base);
	carb_error_clear(&err);
	carb_buf_init(&url);
	s->name = base;            /* the base name ends the rel path */
	if (carb_template_render_url(d->cfg->url, lookup, s, &url, &err) < 0)
		fail_member(s, m, err.msg);
	s->name = NULL;
	if (err.msg[0] == '\0')
		return carb_buf_detach(&url);
	carb_buf_release(&url);
	return NULL;
}

static void plan(struct stage *s, struct carb_dest_rt *d, const char *dir,
		 const struct member *m)
{
	size_t blen;
	const char *base = carb_name_base(m->rel, m->rel_len, &blen);
	char *path = member_path(s, d, dir, m, base, blen);
	struct carb_pending *p;
	struct carb_error err;
	bool changed = false;

	if (path == NULL)
		return;
	carb_error_clear(&err);
	if (carb_turn_tx(s->in->turn) &&
	    carb_status_archiving(s->in, m->id, CARB_STATUS_READY, d->cfg->name,
				  path, strlen(path), &changed, &err) < 0)
		fail_catalog(s, &err);
	if (!changed) {
		free(path);
		return;
	}
	s->planned++;
	member_status(s, m, CARB_STATUS_ARCHIVING);
	p = carb_xcalloc(1, sizeof(*p));
	p->watch = s->w->index;
	p->file_id = s->g.id;
	p->attempts = m->attempts;
	p->item.id = m->id;
	p->item.src_rel = carb_xstrndup(m->rel, m->rel_len);
	p->item.size = m->size;
	p->item.device = m->device;
	p->item.inode = m->inode;
	p->item.hash = m->hash ? carb_xstrdup(m->hash) : NULL;
	p->item.dir = carb_xstrdup(dir);
	p->item.name = carb_xstrndup(base, blen);
	if (carb_destination_is_http(d->cfg))
		p->item.url = path;
	else
		free(path);
	carb_archiving_queue(s->in, d, p);
}

/* ---- the group ------------------------------------------------------------ */

/* A plugin value with a "/" in a path template: the group's reason. */
static void slash_error(const struct stage *s, const char *tmpl,
			struct carb_error *err)
{
	const char *v = s->coltext[s->slash_col - 1];
	struct carb_buf b;

	carb_buf_init(&b);
	carb_buf_add_safe_name(&b, v, strlen(v) < 64 ? strlen(v) : 64);
	carb_error_set(err, "template \"%s\": plugin column \"%s\" is \"%s%s\","
		       " which holds a \"/\"; a plugin value in a path is one"
		       " folder name", tmpl,
		       carb_plugin_column(s->in->opts.plugin, s->slash_col - 1)->name,
		       b.data, strlen(v) > 64 ? "..." : "");
	carb_buf_release(&b);
}

/* Plans the READY members into destination name; the group moves from
 * status `from` to ARCHIVING first. */
static void route(struct stage *s, const char *name, enum carb_status from)
{
	struct carb_dest_rt *d = carb_archiving_dest(s->in, name);
	struct carb_error err;
	struct carb_buf dir;
	bool changed = false;

	carb_error_clear(&err);
	carb_buf_init(&dir);
	if (d == NULL)
		carb_error_set(&err, "destination \"%s\" is not in config.toml"
			       " (restart to apply config changes)", name);
	else if (carb_destination_is_http(d->cfg))
		carb_buf_adds(&dir, "");   /* each member has its URL */
	else if (carb_template_render(d->cfg->destination, lookup, s, &dir,
				      &err) == 0 && s->slash_col > 0)
		slash_error(s, d->cfg->destination, &err);
	if (carb_turn_tx(s->in->turn) &&
	    carb_status_group_route(s->in, s->g.id, from,
				    CARB_STATUS_ARCHIVING, name,
				    err.msg[0] ? err.msg : NULL, &changed,
				    &err) < 0)
		fail_catalog(s, &err);
	for (size_t i = 0; changed && i < s->n && !carb_turn_failed(s->in->turn); i++) {
		if (err.msg[0] != '\0')
			fail_member(s, &s->m[i], err.msg);
		else if (!duplicate(s, &s->m[i]))
			plan(s, d, dir.data, &s->m[i]);
	}
	carb_buf_release(&dir);
}

/* Step 4 goes to a worker; the group comes back through
 * carb_stage_decide. */
static void to_plugin(struct stage *s, bool suspect)
{
	struct carb_meta_work *mw = carb_metadata_new(s->in, s->g.id, s->g.watch,
						      s->g.key, s->g.key_len,
						      s->w->root_fd);

	if (mw == NULL)
		return;  /* already queued or at a worker */
	for (size_t i = 0; i < s->n; i++)
		carb_metadata_member(mw, s->m[i].rel, s->m[i].rel_len, s->m[i].ext,
				     s->m[i].ext_len, s->m[i].size, s->m[i].hash);
	if (suspect)
		carb_metadata_set_suspect(mw);
	carb_metadata_queue(s->in, mw);
}

/* A plugin function failed: the whole group is FAILED with its reason. */
static bool plugin_failed(struct stage *s)
{
	const char *fname, *key = carb_meta_failure(s->mw, &fname);
	const char *why = carb_meta_outcome(s->mw)->reason;
	char *reason;

	if (key == NULL)
		return false;
	reason = carb_xasprintf("%s %s: %s", key, fname, why ? why : "failed");
	settle_whole(s, CARB_STATUS_FAILED, reason);
	free(reason);
	return true;
}

/* Kept when selection.function (if it ran) keeps it and the declarative
 * rules do too. */
static bool selected(struct stage *s, const struct carb_group_facts *f)
{
	const char *rule = NULL, *why;
	char *reason;
	int verdict = s->mw ? carb_meta_verdict(s->mw) : -1;

	if (verdict != 0) {
		if (carb_rules_select(s->in->rules, f, &rule))
			return true;
		reject(s, rule);
		return false;
	}
	why = carb_meta_outcome(s->mw)->reason;
	reason = why ? carb_xasprintf("selection.function %s: %s",
				      s->in->rules->selection.function, why)
		     : carb_xasprintf("selection.function %s rejected the group",
				      s->in->rules->selection.function);
	settle_whole(s, CARB_STATUS_NOT_SELECTED, reason);
	free(reason);
	return false;
}

/* Steps 5 and 6 for the READY group s holds with its READY members. */
static void stage_loaded(struct stage *s, bool suspect)
{
	struct carb_member_facts *mf;
	struct carb_group_facts f;
	const char *rule = NULL, *dest = NULL;

	if (s->mw == NULL && carb_metadata_wanted(s->in)) {
		to_plugin(s, suspect);
		return;
	}
	if (s->mw != NULL && plugin_failed(s))
		return;
	set_vars(s);
	mf = carb_xcalloc(s->n ? s->n : 1, sizeof(*mf));
	facts_of(s, &f, mf);
	if (selected(s, &f)) {
		if (s->mw != NULL)
			dest = carb_meta_outcome(s->mw)->destination;
		if (dest == NULL)
			dest = carb_rules_route(s->in->rules, &f, &rule);
		route(s, dest, CARB_STATUS_READY);
		/* A member on its way keeps the group ARCHIVING, as route
		 * made it: only without one can its status be another. */
		if (s->planned == 0)
			carb_stage_settle_group(s->in, s->g.id);
	}
	free(mf);
}

static void stage_group(struct carb_intake *in, int64_t gid,
			const struct carb_meta_work *mw, bool suspect)
{
	struct stage s = { .in = in, .mw = mw };
	struct carb_error err;
	bool found = false;

	carb_error_clear(&err);
	if (carb_group_get(in->cat, gid, &s.g, &found, &err) < 0)
		fail_catalog(&s, &err);
	if (!found || s.g.status != CARB_STATUS_READY ||
	    (s.w = carb_intake_watch(in, s.g.watch)) == NULL ||
	    carb_group_members_each(in->cat, gid, collect, &s, &err) < 0) {
		if (err.msg[0] != '\0')
			fail_catalog(&s, &err);
	} else {
		stage_loaded(&s, suspect);
	}
	release(&s);
}

void carb_stage_group(struct carb_intake *in, int64_t gid)
{
	stage_group(in, gid, NULL, false);
}

void carb_stage_born(struct carb_intake *in, struct carb_group_info *g,
		     const struct carb_stage_member *born)
{
	struct stage s = { .in = in, .g = *g };
	size_t blen, stem;
	const char *base = carb_name_base(born->rel, born->rel_len, &blen);
	struct carb_component_row row = {
		.id = born->id, .rel_path = born->rel, .rel_len = born->rel_len,
		.generation = born->generation, .size = born->size,
		.device = born->device, .inode = born->inode,
		.status = CARB_STATUS_READY, .content_hash = born->hash,
	};

	memset(g, 0, sizeof(*g));  /* s owns it now */
	carb_name_split(base, blen, &stem);
	row.extension = base + stem;
	row.ext_len = blen - stem;
	s.w = carb_intake_watch(in, s.g.watch);
	if (s.w != NULL) {
		collect(&s, &row, NULL);
		stage_loaded(&s, false);
	}
	release(&s);
}

void carb_stage_suspect(struct carb_intake *in, int64_t gid)
{
	stage_group(in, gid, NULL, true);
}

void carb_stage_decide(struct carb_intake *in, int64_t gid,
		       const struct carb_meta_work *mw)
{
	stage_group(in, gid, mw, false);
}

void carb_stage_crashed(struct carb_intake *in, int64_t gid, const char *call)
{
	struct stage s = { .in = in };
	struct carb_error err;
	bool found = false;
	char *reason;

	carb_error_clear(&err);
	if (carb_group_get(in->cat, gid, &s.g, &found, &err) < 0 ||
	    (found && carb_group_members_each(in->cat, gid, collect, &s, &err) < 0))
		fail_catalog(&s, &err);
	if (found && s.g.status == CARB_STATUS_READY &&
	    !carb_turn_failed(in->turn)) {
		size_t hl = strlen(CARB_PLUGIN_HUNG_MARK);

		reason = strncmp(call, CARB_PLUGIN_HUNG_MARK, hl) == 0
			? carb_xasprintf("plugin hung in %s", call + hl)
			: carb_xasprintf("plugin crashed in %s", call);
		settle_whole(&s, CARB_STATUS_FAILED, reason);
		free(reason);
	}
	release(&s);
}

void carb_stage_late(struct carb_intake *in, int64_t gid)
{
	static const enum carb_status decided[] = {
		CARB_STATUS_ARCHIVING, CARB_STATUS_ARCHIVED,
		CARB_STATUS_FAILED, CARB_STATUS_DUPLICATE,
	};
	struct stage s = { .in = in };
	struct carb_error err;
	bool found = false, routed = false;

	carb_error_clear(&err);
	if (carb_group_get(in->cat, gid, &s.g, &found, &err) < 0 ||
	    (found && carb_group_members_each(in->cat, gid, collect, &s,
					      &err) < 0))
		fail_catalog(&s, &err);
	for (size_t i = 0; found && i < sizeof(decided) / sizeof(decided[0]);
	     i++)
		routed |= s.g.status == decided[i];
	s.w = found ? carb_intake_watch(in, s.g.watch) : NULL;
	if (routed && s.w != NULL && s.g.destination != NULL && !carb_turn_failed(in->turn)) {
		set_vars(&s);
		route(&s, s.g.destination, s.g.status);
		carb_stage_settle_group(in, gid);
	}
	release(&s);
}

/* What the members' statuses (counts, by status) make of the group:
 * false when they make nothing of it. */
static bool group_status(const int64_t c[CARB_STATUS_COUNT], int64_t *failed,
			 enum carb_status *to)
{
	int64_t busy = c[CARB_STATUS_READY] + c[CARB_STATUS_ARCHIVING] +
		       c[CARB_STATUS_RETRY_PENDING];

	*failed = c[CARB_STATUS_FAILED];
	if (busy > 0)
		*to = CARB_STATUS_ARCHIVING;
	else if (*failed > 0)
		*to = CARB_STATUS_FAILED;
	else if (c[CARB_STATUS_ARCHIVED] > 0)
		*to = CARB_STATUS_ARCHIVED;
	else if (c[CARB_STATUS_DUPLICATE] > 0)
		*to = CARB_STATUS_DUPLICATE;
	else
		return false;
	return true;
}

void carb_stage_settle_group(struct carb_intake *in, int64_t gid)
{
	int64_t c[CARB_STATUS_COUNT];
	struct carb_error err;
	enum carb_status status, to;
	char *reason = NULL;
	int64_t failed;
	bool found = false;

	carb_error_clear(&err);
	if (carb_turn_failed(in->turn) || !carb_turn_tx(in->turn))
		return;
	if (carb_group_tally(in->cat, gid, &status, &found, c, &err) < 0) {
		carb_turn_fail(in->turn, &err);
		return;
	}
	if (found && group_status(c, &failed, &to) && to != status) {
		if (failed > 0)
			reason = carb_xasprintf("%lld file%s FAILED",
						(long long)failed,
						failed == 1 ? "" : "s");
		if (carb_status_group_route(in, gid, status, to, NULL, reason,
					    NULL, &err) < 0)
			carb_turn_fail(in->turn, &err);
	}
	free(reason);
}
