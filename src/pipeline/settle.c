/* Settle and record: a file seen by an event or a walk becomes a
 * candidate, and is recorded (a PENDING component) only once it has stood
 * still for the watch's settle time and, when a writer was seen writing
 * it in place, that writer has closed it.  Renames and departures of
 * recorded files are handled here too. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipeline/intake_internal.h"

/* Step 1's own state; the candidates themselves are per watch
 * (struct carb_watch_rt). */
struct carb_settle {
	int64_t next_ms;      /* no candidate is due before; 0: none */
	size_t failures;      /* files refused in this run */
};

void carb_settle_open(struct carb_intake *in)
{
	in->settle = carb_xcalloc(1, sizeof(*in->settle));
}

void carb_settle_close(struct carb_intake *in)
{
	free(in->settle);
	in->settle = NULL;
}

size_t carb_settle_failures(const struct carb_intake *in)
{
	return in->settle->failures;
}

static int64_t mtime_us(const struct stat *st)
{
	return (int64_t)st->st_mtim.tv_sec * 1000000 +
	       st->st_mtim.tv_nsec / 1000;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	       a->st_size == b->st_size && mtime_us(a) == mtime_us(b) &&
	       a->st_mode == b->st_mode;
}

static bool known_is(const struct carb_known *k, const struct stat *st)
{
	return k->device == (int64_t)st->st_dev &&
	       k->inode == (int64_t)st->st_ino && k->size == st->st_size &&
	       k->mtime_us == mtime_us(st);
}

static void inode_key(char *buf, size_t size, int64_t dev, int64_t ino)
{
	snprintf(buf, size, "%lld:%lld", (long long)dev, (long long)ino);
}

void carb_known_put(struct carb_watch_rt *w, const char *rel, size_t len,
		    const struct carb_known *k)
{
	struct carb_known *copy = carb_xmalloc(sizeof(*copy));
	char key[64];

	*copy = *k;
	free(carb_map_put(w->known, rel, len, copy));
	inode_key(key, sizeof(key), k->device, k->inode);
	free(carb_map_put(w->inodes, key, strlen(key),
			  carb_xstrndup(rel, len)));
}

static void set_status(struct carb_intake *in, struct carb_known *k,
		       enum carb_status new_status, const char *reason)
{
	struct carb_component_change ch = {
		.old_status = k->status, .new_status = new_status,
		.reason = reason, .late = -1,
	};
	struct carb_error err;

	carb_error_clear(&err);
	if (!carb_turn_tx(in->turn))
		return;
	if (carb_status_component_set(in, k->id, &ch, NULL, &err) < 0) {
		carb_turn_fail(in->turn, &err);
		return;
	}
	carb_status_known(k, new_status);
}

void carb_settle_observe(struct carb_intake *in, struct carb_watch_rt *w,
			 const char *rel, size_t len, enum carb_seen how)
{
	struct carb_candidate *c = carb_map_get(w->cands, rel, len);
	struct carb_known *k;
	struct stat st;

	if (!carb_intake_only_wants(in, rel, len))
		return;
	if (c == NULL) {
		if (w->root_fd < 0 ||
		    carb_lstat_at(w->root_fd, rel, &st) < 0)
			return;
		k = carb_map_get(w->known, rel, len);
		if (k != NULL && known_is(k, &st)) {
			/* Permission or owner changed: a file refused as
			 * unreadable deserves another look. */
			if (how == CARB_SEEN_ATTRIB &&
			    k->status == CARB_STATUS_INTEGRITY_FAILED) {
				set_status(in, k, CARB_STATUS_PENDING, NULL);
				carb_integrity_submit(in, w, rel, len, k->id);
			}
			return;
		}
		c = carb_xcalloc(1, sizeof(*c));
		c->st = st;
		carb_map_put(w->cands, rel, len, c);
	}
	c->changed_ms = carb_monotonic_ms();
	/* run --once is not there to watch a file stand still: one found by
	 * the walk that has not changed for the settle time has settled. */
	if (in->opts.once && how == CARB_SEEN_SCAN &&
	    carb_now_us() - mtime_us(&c->st) >= w->cfg->settle_ms * 1000)
		c->changed_ms -= w->cfg->settle_ms;
	/* The loop looks at candidates only when one may be due: a burst of
	 * thousands of files must not cost a pass over all of them per
	 * event. */
	if (in->settle->next_ms == 0 ||
	    c->changed_ms + w->cfg->settle_ms < in->settle->next_ms)
		in->settle->next_ms = c->changed_ms + w->cfg->settle_ms;
	switch (how) {
	case CARB_SEEN_CREATED:
		c->created = true;
		c->writer = c->closed = false;
		break;
	case CARB_SEEN_MODIFIED:
		c->writer = true;
		c->closed = false;
		break;
	case CARB_SEEN_CLOSED:
		c->closed = true;
		break;
	case CARB_SEEN_SCAN:
		/* A walk vouches for what it finds by stat alone. */
		c->created = false;
		break;
	default:
		break;
	}
}

static void record(struct carb_intake *in, struct carb_watch_rt *w,
		   const char *rel, size_t len, const struct stat *st);

static int64_t tick_watch(struct carb_intake *in, struct carb_watch_rt *w,
			  int64_t now)
{
	struct carb_map_iter it;
	int64_t next = 0;
	const char *rel;
	size_t len;
	void *v;

	carb_map_iter_init(&it, w->cands);
	while (carb_map_iter_next(&it, &rel, &len, &v) && !carb_turn_failed(in->turn)) {
		struct carb_candidate *c = v;
		int64_t due = c->changed_ms + w->cfg->settle_ms;
		struct stat st;

		/* A writer in place is waited for, however long it
		 * pauses: its close is the event that moves it on. */
		if (c->writer && !c->closed)
			continue;
		if (now < due) {
			if (next == 0 || due < next)
				next = due;
			continue;
		}
		if (w->root_fd < 0 ||
		    carb_lstat_at(w->root_fd, rel, &st) < 0) {
			/* a group may have been held for it */
			char *gone = carb_xstrndup(rel, len);

			free(carb_map_remove(w->cands, rel, len));
			carb_groups_sibling_done(in, w, gone, len);
			free(gone);
			continue;
		}
		if (!same_file(&st, &c->st)) {
			c->st = st;
			c->changed_ms = now;
			due = now + w->cfg->settle_ms;
			if (next == 0 || due < next)
				next = due;
			continue;
		}
		/* Made in place and still empty: its writer may not have
		 * begun.  Its close, or the next walk, moves it on. */
		if (c->created && !c->closed && S_ISREG(st.st_mode) &&
		    st.st_size == 0)
			continue;
		record(in, w, rel, len, &st);
		free(carb_map_remove(w->cands, rel, len));
	}
	return next;
}

static int64_t tick_all(struct carb_intake *in, int64_t now_ms)
{
	int64_t next = 0;

	for (size_t i = 0; i < in->nwatches; i++) {
		int64_t n = tick_watch(in, &in->watches[i], now_ms);

		if (n > 0 && (next == 0 || n < next))
			next = n;
	}
	return next;
}

int64_t carb_settle_tick(struct carb_intake *in, int64_t now_ms)
{
	struct carb_settle *s = in->settle;

	if (s->next_ms > 0 && now_ms >= s->next_ms)
		s->next_ms = tick_all(in, now_ms);
	return s->next_ms;
}

static void describe(struct carb_component_new *c,
		     const struct carb_watch_rt *w, const char *rel,
		     size_t len, const struct stat *st)
{
	size_t blen, stem_len;
	const char *base = carb_name_base(rel, len, &blen);

	carb_name_split(base, blen, &stem_len);
	c->watch = w->cfg->name;
	c->rel_path = rel;
	c->rel_len = len;
	c->stem = base;
	c->stem_len = stem_len;
	c->extension = base + stem_len;
	c->ext_len = blen - stem_len;
	c->generation = 1;
	c->size = st != NULL ? st->st_size : 0;
	c->mtime_us = st != NULL ? mtime_us(st) : 0;
	c->device = st != NULL ? (int64_t)st->st_dev : 0;
	c->inode = st != NULL ? (int64_t)st->st_ino : 0;
}

static void log_name(int level, const struct carb_watch_rt *w,
		     const char *rel, size_t len, const char *what)
{
	struct carb_buf b;

	carb_buf_init(&b);
	carb_buf_add_safe_name(&b, rel, len);
	carb_log(level, "watch \"%s\": %s: %s", w->cfg->name,
		 b.data ? b.data : "", what);
	carb_buf_release(&b);
}

/* The file under a path the catalog knows as still waiting, but that
 * path is empty now: it was renamed while the service did not look. */
static bool adopt_by_inode(struct carb_intake *in, struct carb_watch_rt *w,
			   const char *rel, size_t len, const struct stat *st)
{
	char key[64];
	const char *old;
	struct stat other;

	inode_key(key, sizeof(key), (int64_t)st->st_dev, (int64_t)st->st_ino);
	old = carb_map_get(w->inodes, key, strlen(key));
	if (old == NULL || strcmp(old, rel) == 0 ||
	    carb_lstat_at(w->root_fd, old, &other) == 0)
		return false;
	{
		char *from = carb_xstrdup(old);
		struct carb_known *k = carb_map_get(w->known, from,
						    strlen(from));
		bool ok = k != NULL && carb_status_open(k->status);

		if (ok)
			carb_settle_rename(in, w, from, strlen(from), rel, len);
		free(from);
		return ok;
	}
}

/* A path longer than the catalog's columns hold (MariaDB) cannot have a
 * row: it is said once, and counts as a failure of the run. */
static bool too_long(struct carb_intake *in, struct carb_watch_rt *w,
		     const char *rel, size_t len)
{
	size_t max = carb_catalog_path_max(in->cat);
	struct carb_buf b;

	if (max == 0 || len <= max)
		return false;
	if (carb_map_get(w->refused, rel, len) != NULL)
		return true;
	carb_map_put(w->refused, rel, len, carb_xstrdup(""));
	in->settle->failures++;
	carb_buf_init(&b);
	carb_buf_add_safe_name(&b, rel, 200);
	carb_log(CARB_LOGL_ERROR, "watch \"%s\": %s...: not recorded: its"
		 " path has %zu bytes, more than the %zu the %s catalog"
		 " holds", w->cfg->name, b.data, len, max,
		 carb_catalog_dialect(in->cat));
	carb_buf_release(&b);
	return true;
}

static void record(struct carb_intake *in, struct carb_watch_rt *w,
		   const char *rel, size_t len, const struct stat *st)
{
	struct carb_known *k = carb_map_get(w->known, rel, len), nk;
	struct carb_component_new c;
	struct carb_error err;
	bool changed = false;

	if (k != NULL && known_is(k, st))
		return;
	if (too_long(in, w, rel, len))
		return;
	if (k == NULL && adopt_by_inode(in, w, rel, len, st))
		return;
	if (!carb_turn_tx(in->turn))
		return;
	carb_error_clear(&err);
	describe(&c, w, rel, len, st);
	if (k != NULL && (k->status == CARB_STATUS_PENDING ||
			  k->status == CARB_STATUS_INTEGRITY_FAILED)) {
		if (carb_status_refresh(in, k->id, &c, &changed,
					&err) < 0) {
			carb_turn_fail(in->turn, &err);
			return;
		}
	}
	nk.id = changed ? k->id : 0;
	nk.checks = changed ? k->checks : 0;
	nk.generation = k != NULL ? k->generation + (changed ? 0 : 1) : 1;
	if (!changed) {
		c.generation = nk.generation;
		if (carb_status_insert(in, &c, &nk.id, &err) < 0) {
			carb_turn_fail(in->turn, &err);
			return;
		}
	}
	nk.size = c.size;
	nk.mtime_us = c.mtime_us;
	nk.device = c.device;
	nk.inode = c.inode;
	carb_status_known(&nk, CARB_STATUS_PENDING);
	carb_known_put(w, rel, len, &nk);
	log_name(CARB_LOGL_DEBUG, w, rel, len, "recorded");
	carb_integrity_submit(in, w, rel, len, nk.id);
}

void carb_settle_depart(struct carb_intake *in, struct carb_watch_rt *w,
			const char *rel, size_t len)
{
	struct carb_candidate *c = carb_map_remove(w->cands, rel, len);
	struct carb_known *k = carb_map_get(w->known, rel, len);

	free(c);
	if (k == NULL || !carb_status_open(k->status)) {
		/* A group may have been held for it while it settled. */
		if (c != NULL)
			carb_groups_sibling_done(in, w, rel, len);
		return;
	}
	set_status(in, k, CARB_STATUS_WITHDRAWN,
		   "left the watch before it was processed");
	log_name(CARB_LOGL_INFO, w, rel, len, "withdrawn");
	carb_groups_sibling_done(in, w, rel, len);
}

void carb_settle_rename(struct carb_intake *in, struct carb_watch_rt *w,
			const char *from, size_t from_len, const char *to,
			size_t to_len)
{
	struct carb_candidate *c = carb_map_remove(w->cands, from, from_len);
	struct carb_known *k = carb_map_get(w->known, from, from_len);
	struct carb_component_new nc;
	struct carb_error err;

	if (c != NULL)
		free(carb_map_put(w->cands, to, to_len, c));
	if (k == NULL || !carb_status_open(k->status) ||
	    carb_map_get(w->known, to, to_len) != NULL) {
		carb_settle_depart(in, w, from, from_len);
		if (c == NULL)
			carb_settle_observe(in, w, to, to_len,
					    CARB_SEEN_MOVED_IN);
		return;
	}
	describe(&nc, w, to, to_len, NULL);
	carb_error_clear(&err);
	if (!carb_turn_tx(in->turn))
		return;
	if (carb_component_move(in->cat, k->id, &nc, &err) < 0) {
		carb_turn_fail(in->turn, &err);
		return;
	}
	k = carb_map_remove(w->known, from, from_len);
	carb_known_put(w, to, to_len, k);
	free(k);
	log_name(CARB_LOGL_INFO, w, to, to_len, "renamed in the watch");
}
