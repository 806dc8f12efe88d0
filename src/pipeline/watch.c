/* Step 1, noticing: inotify on every watched folder, and walks (at start,
 * when polling, after an overflow, and every reconcile_interval).  A new
 * folder gets its inotify watch before it is walked, so a file created in
 * it meanwhile is either seen by the walk or announced by an event. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "pipeline/intake_internal.h"

#define WATCH_MASK (IN_CREATE | IN_CLOSE_WRITE | IN_MODIFY | IN_MOVED_FROM | \
		    IN_MOVED_TO | IN_DELETE | IN_ATTRIB | IN_DELETE_SELF | \
		    IN_MOVE_SELF | IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK)

/* A rescan soon after trouble: long enough for a burst to end. */
#define RESCAN_DELAY_MS 200

static char *join(const char *dir, size_t dlen, const char *name, size_t nlen,
		  size_t *len_out)
{
	char *p = carb_xmalloc(dlen + nlen + 2);
	size_t n = 0;

	if (dlen > 0) {
		memcpy(p, dir, dlen);
		p[dlen] = '/';
		n = dlen + 1;
	}
	memcpy(p + n, name, nlen);
	n += nlen;
	p[n] = '\0';
	*len_out = n;
	return p;
}

static void schedule_rescan(struct carb_watch_rt *w, int64_t delay_ms)
{
	int64_t at = carb_monotonic_ms() + delay_ms;

	if (w->next_walk_ms == 0 || at < w->next_walk_ms)
		w->next_walk_ms = at;
}

/* Opens folder rel below w's root for reading, without following a
 * symlink; NULL when it cannot (gone meanwhile). */
static DIR *open_dir(int root_fd, const char *rel)
{
	int dfd = carb_open_beneath(root_fd, rel, O_RDONLY | O_DIRECTORY);
	DIR *d;

	if (dfd < 0)
		return NULL;
	d = fdopendir(dfd);
	if (d == NULL)
		close(dfd);
	return d;
}

/* "." and "..": the one name test intake and uploads share. */
static bool is_dot_or_dotdot(const char *name)
{
	return carb_name_invalid(name, strlen(name)) != NULL;
}

/* Folders below rel_dir, itself included: what a recursive watch needs. */
static size_t count_dirs(int root_fd, const char *rel_dir)
{
	DIR *d = open_dir(root_fd, rel_dir);
	struct dirent *de;
	size_t n = 1;

	if (d == NULL)
		return 1;
	while ((de = readdir(d)) != NULL) {
		char *sub;

		if (de->d_type != DT_DIR || is_dot_or_dotdot(de->d_name))
			continue;
		sub = carb_xasprintf("%s%s%s", rel_dir, *rel_dir ? "/" : "",
				     de->d_name);
		n += count_dirs(root_fd, sub);
		free(sub);
	}
	closedir(d);
	return n;
}

static void log_max_watches(const struct carb_watch_rt *w, const char *dir)
{
	FILE *f = fopen("/proc/sys/fs/inotify/max_user_watches", "r");
	long max = -1;

	if (f != NULL) {
		if (fscanf(f, "%ld", &max) != 1)
			max = -1;
		fclose(f);
	}
	carb_log(CARB_LOGL_ERROR,
		 "watch \"%s\": out of inotify watches at %s/%s: this watch"
		 " needs %zu inotify watches, one per folder; raise"
		 " fs.inotify.max_user_watches (now %ld), e.g. sysctl"
		 " fs.inotify.max_user_watches=%ld; rescanning meanwhile",
		 w->cfg->name, w->cfg->path, dir,
		 w->root_fd >= 0 ? count_dirs(w->root_fd, "") : 1, max,
		 max > 0 ? max * 2 : 524288);
}

/* inotify_add_watch takes a path: one longer than PATH_MAX is reached
 * through the folder's descriptor instead, opened below the watch's root
 * without following a symlink (so IN_DONT_FOLLOW, which would stop at the
 * /proc link itself, is not needed). */
static int add_watch(struct carb_intake *in, struct carb_watch_rt *w,
		     const char *path, const char *rel)
{
	char proc[64];
	int fd, wd, saved;

	if (strlen(path) < PATH_MAX)
		return inotify_add_watch(in->ifd, path, WATCH_MASK);
	fd = carb_open_beneath(w->root_fd, rel, O_PATH | O_DIRECTORY);
	if (fd < 0)
		return -1;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	wd = inotify_add_watch(in->ifd, proc, WATCH_MASK & ~IN_DONT_FOLLOW);
	saved = errno;
	close(fd);
	errno = saved;
	return wd;
}

/* Adds the inotify watch of folder rel (below w's path).  Returns false
 * when it could not be added (logged; the folder is then rescanned). */
static bool add_dir_watch(struct carb_intake *in, struct carb_watch_rt *w,
			  const char *rel, size_t len)
{
	struct carb_wd_ref *ref;
	char *path;
	int wd;

	if (in->ifd < 0 || w->poll)
		return true;
	path = carb_xasprintf("%s%s%.*s", w->cfg->path, len ? "/" : "",
			      (int)len, rel);
	wd = add_watch(in, w, path, path + strlen(w->cfg->path) +
		       (len ? 1 : 0));
	free(path);
	if (wd < 0) {
		if (errno == ENOSPC)
			log_max_watches(w, rel);
		else if (errno != ENOENT)
			carb_log(CARB_LOGL_WARNING,
				 "watch \"%s\": cannot watch %s/%.*s: %s;"
				 " it will be rescanned", w->cfg->name,
				 w->cfg->path, (int)len, rel, strerror(errno));
		schedule_rescan(w, 5000);
		return false;
	}
	ref = carb_xmalloc(sizeof(*ref));
	ref->watch = w->index;
	ref->rel = carb_xstrndup(rel, len);
	ref->rel_len = len;
	ref = carb_map_put(in->wds, &wd, sizeof(wd), ref);
	if (ref != NULL) {
		free(ref->rel);
		free(ref);
	}
	carb_map_put(w->dirs, rel, len, (void *)(intptr_t)(wd + 1));
	return true;
}

static int open_root(struct carb_intake *in, struct carb_watch_rt *w)
{
	if (w->root_fd >= 0)
		return 0;
	w->root_fd = open(w->cfg->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (w->root_fd < 0)
		return -1;
	add_dir_watch(in, w, "", 0);
	return 0;
}

int carb_watch_setup(struct carb_intake *in, struct carb_error *err)
{
	for (size_t i = 0; i < in->nwatches; i++) {
		if (!in->watches[i].poll && in->ifd < 0) {
			in->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
			if (in->ifd < 0)
				return carb_error_set(err, "inotify: %s",
						      strerror(errno));
		}
	}
	for (size_t i = 0; i < in->nwatches; i++) {
		struct carb_watch_rt *w = &in->watches[i];

		if (open_root(in, w) < 0)
			return carb_error_set(err, "watch \"%s\": %s: %s",
					      w->cfg->name, w->cfg->path,
					      strerror(errno));
		carb_log(CARB_LOGL_INFO, "watch \"%s\": %s (%s: %s)",
			 w->cfg->name, w->cfg->path,
			 w->poll ? "poll" : "inotify", w->why);
	}
	return 0;
}

/* A walk: what it saw, to find what left. */
struct walk {
	struct carb_intake *in;
	struct carb_watch_rt *w;
	struct carb_map *seen;
};

static void walk_dir(struct walk *wk, const char *rel, size_t len);

bool carb_intake_only_wants(const struct carb_intake *in, const char *rel,
			    size_t len)
{
	const char *only = in->opts.only_rel, *base, *obase;
	size_t blen, oblen, stem, ostem;

	if (only == NULL)
		return true;
	base = carb_name_base(rel, len, &blen);
	obase = carb_name_base(only, strlen(only), &oblen);
	if (base - rel != obase - only || memcmp(rel, only, (size_t)(base - rel)) != 0)
		return false;  /* another folder */
	carb_name_split(base, blen, &stem);
	carb_name_split(obase, oblen, &ostem);
	return stem == ostem && memcmp(base, obase, stem) == 0;
}

static void walk_entry(struct walk *wk, int dfd, const char *dir,
		       size_t dlen, const char *name)
{
	size_t nlen = strlen(name), rlen;
	struct stat st;
	char *rel;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return;  /* gone meanwhile */
	if (S_ISDIR(st.st_mode)) {
		if (!wk->w->cfg->recursive || wk->in->opts.only_rel != NULL)
			return;
		rel = join(dir, dlen, name, nlen, &rlen);
		/* The watch before the walk: nothing falls between. */
		add_dir_watch(wk->in, wk->w, rel, rlen);
		walk_dir(wk, rel, rlen);
		free(rel);
		return;
	}
	if (!carb_name_wanted(name, wk->w->cfg))
		return;
	rel = join(dir, dlen, name, nlen, &rlen);
	carb_map_put(wk->seen, rel, rlen, wk);
	carb_settle_observe(wk->in, wk->w, rel, rlen, CARB_SEEN_SCAN);
	free(rel);
}

static void walk_dir(struct walk *wk, const char *rel, size_t len)
{
	DIR *d = open_dir(wk->w->root_fd, rel);
	struct dirent *de;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL)
		if (!is_dot_or_dotdot(de->d_name))
			walk_entry(wk, dirfd(d), rel, len, de->d_name);
	closedir(d);
	carb_intake_busy(wk->in);
}

/* What the catalog expects but the walk did not find has left. */
static void find_departures(struct walk *wk)
{
	struct carb_map_iter it;
	const char *rel;
	size_t len;
	void *v;

	carb_map_iter_init(&it, wk->w->known);
	while (carb_map_iter_next(&it, &rel, &len, &v)) {
		struct carb_known *k = v;

		if (carb_status_open(k->status) &&
		    carb_map_get(wk->seen, rel, len) == NULL)
			carb_settle_depart(wk->in, wk->w, rel, len);
	}
	carb_map_iter_init(&it, wk->w->cands);
	while (carb_map_iter_next(&it, &rel, &len, &v))
		if (carb_map_get(wk->seen, rel, len) == NULL)
			free(carb_map_remove(wk->w->cands, rel, len));
}

void carb_watch_walk(struct carb_intake *in, struct carb_watch_rt *w)
{
	struct walk wk = { in, w, carb_map_new() };

	DIR *root;

	if (open_root(in, w) < 0) {
		w->unread_errno = errno;
		carb_log(CARB_LOGL_WARNING, "watch \"%s\": %s: %s; trying again",
			 w->cfg->name, w->cfg->path, strerror(errno));
		schedule_rescan(w, 1000);
		carb_map_free(&wk.seen);
		return;
	}
	/* A folder that cannot be read at all (its permissions) is no
	 * empty delivery: said, remembered for run --once, retried.  Its
	 * files are not taken for departed either. */
	root = open_dir(w->root_fd, "");
	if (root == NULL) {
		w->unread_errno = errno;
		carb_log(CARB_LOGL_ERROR, "watch \"%s\": cannot read %s: %s;"
			 " trying again", w->cfg->name, w->cfg->path,
			 strerror(errno));
		schedule_rescan(w, 5000);
		carb_map_free(&wk.seen);
		return;
	}
	closedir(root);
	w->unread_errno = 0;
	if (in->opts.only_rel != NULL) {
		/* one folder, one group: the rest of the watch was not looked
		 * at, so nothing can be said to have left it */
		const char *only = in->opts.only_rel, *slash = strrchr(only, '/');
		char *dir = carb_xstrndup(only, slash ? (size_t)(slash - only) : 0);

		walk_dir(&wk, dir, strlen(dir));
		free(dir);
	} else {
		walk_dir(&wk, "", 0);
		find_departures(&wk);
	}
	in->last_walk_us = carb_now_us();
	carb_map_free(&wk.seen);
}

static void drop_wd(struct carb_intake *in, int wd)
{
	struct carb_wd_ref *ref = carb_map_remove(in->wds, &wd, sizeof(wd));

	if (ref == NULL)
		return;
	if (ref->watch < in->nwatches)
		carb_map_remove(in->watches[ref->watch].dirs, ref->rel,
				ref->rel_len);
	free(ref->rel);
	free(ref);
}

/* The watched folder itself went away (deleted, moved, unmounted). */
static void root_lost(struct carb_intake *in, struct carb_watch_rt *w,
		      const char *what)
{
	carb_log(CARB_LOGL_WARNING, "watch \"%s\": %s %s; waiting for it to"
		 " come back, then rescanning", w->cfg->name, w->cfg->path,
		 what);
	if (w->root_fd >= 0)
		close(w->root_fd);
	w->root_fd = -1;
	schedule_rescan(w, 1000);
}

static void remember_move(struct carb_intake *in, uint32_t cookie,
			  size_t watch, const char *rel, size_t len)
{
	struct carb_wd_ref *ref = carb_xmalloc(sizeof(*ref)), *old;

	ref->watch = watch;
	ref->rel = carb_xstrndup(rel, len);
	ref->rel_len = len;
	old = carb_map_put(in->moved, &cookie, sizeof(cookie), ref);
	if (old != NULL) {
		free(old->rel);
		free(old);
	}
}

static void file_event(struct carb_intake *in, struct carb_watch_rt *w,
		       const struct inotify_event *ev, const char *rel,
		       size_t len)
{
	bool wanted = carb_name_wanted(ev->name, w->cfg);
	struct carb_wd_ref *from = NULL;

	if (ev->mask & IN_MOVED_TO)
		from = carb_map_remove(in->moved, &ev->cookie,
				       sizeof(ev->cookie));
	if (from != NULL) {
		struct carb_watch_rt *fw = &in->watches[from->watch];

		if (wanted && fw == w)
			carb_settle_rename(in, w, from->rel, from->rel_len,
					   rel, len);
		else
			carb_settle_depart(in, fw, from->rel, from->rel_len);
		free(from->rel);
		free(from);
		if (!wanted || fw == w)
			return;
	}
	if (!wanted)
		return;
	if (ev->mask & IN_MOVED_FROM)
		remember_move(in, ev->cookie, w->index, rel, len);
	else if (ev->mask & IN_DELETE)
		carb_settle_depart(in, w, rel, len);
	else if (ev->mask & IN_CREATE)
		carb_settle_observe(in, w, rel, len, CARB_SEEN_CREATED);
	else if (ev->mask & IN_MODIFY)
		carb_settle_observe(in, w, rel, len, CARB_SEEN_MODIFIED);
	else if (ev->mask & IN_CLOSE_WRITE)
		carb_settle_observe(in, w, rel, len, CARB_SEEN_CLOSED);
	else if (ev->mask & IN_MOVED_TO)
		carb_settle_observe(in, w, rel, len, CARB_SEEN_MOVED_IN);
	else if (ev->mask & IN_ATTRIB)
		carb_settle_observe(in, w, rel, len, CARB_SEEN_ATTRIB);
}

static void dir_event(struct carb_intake *in, struct carb_watch_rt *w,
		      const struct inotify_event *ev, const char *rel,
		      size_t len)
{
	if (!w->cfg->recursive)
		return;
	if (ev->mask & (IN_CREATE | IN_MOVED_TO)) {
		struct walk wk = { in, w, carb_map_new() };

		add_dir_watch(in, w, rel, len);
		walk_dir(&wk, rel, len);
		carb_map_free(&wk.seen);
	} else if (ev->mask & (IN_MOVED_FROM | IN_DELETE)) {
		/* What was below it is accounted for by a rescan. */
		schedule_rescan(w, RESCAN_DELAY_MS);
	}
}

static void one_event(struct carb_intake *in, const struct inotify_event *ev)
{
	struct carb_wd_ref *ref;
	struct carb_watch_rt *w;
	size_t len;
	char *rel;

	if (ev->mask & IN_Q_OVERFLOW) {
		carb_log(CARB_LOGL_WARNING, "inotify queue overflowed: events"
			 " were lost; rescanning every watch");
		for (size_t i = 0; i < in->nwatches; i++) {
			if (in->watches[i].poll)
				continue;
			carb_metrics_add(in->opts.metrics,
					 CARB_METRIC_INOTIFY_OVERFLOWS,
					 in->watches[i].cfg->name, 1);
			schedule_rescan(&in->watches[i], 0);
		}
		return;
	}
	ref = carb_map_get(in->wds, &ev->wd, sizeof(ev->wd));
	if (ref == NULL)
		return;
	w = &in->watches[ref->watch];
	carb_metrics_set(in->opts.metrics, CARB_METRIC_WATCH_LAST_EVENT,
			 w->cfg->name, (double)in->last_event_us / 1e6);
	if (ev->mask & IN_IGNORED) {
		drop_wd(in, ev->wd);
		return;
	}
	if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT)) {
		if (ref->rel_len == 0)
			root_lost(in, w, ev->mask & IN_UNMOUNT ? "was unmounted" :
				  "was deleted or moved");
		return;
	}
	if (ev->len == 0)
		return;
	rel = join(ref->rel, ref->rel_len, ev->name, strlen(ev->name), &len);
	if (ev->mask & IN_ISDIR)
		dir_event(in, w, ev, rel, len);
	else
		file_event(in, w, ev, rel, len);
	free(rel);
}

/* A rename whose other half did not come in the same read left the
 * watch (moved out of every watched folder). */
static void unpaired_moves(struct carb_intake *in)
{
	struct carb_map_iter it;
	const char *key;
	size_t len;
	void *v;

	carb_map_iter_init(&it, in->moved);
	while (carb_map_iter_next(&it, &key, &len, &v)) {
		struct carb_wd_ref *ref = v;

		carb_settle_depart(in, &in->watches[ref->watch], ref->rel,
				   ref->rel_len);
		carb_map_remove(in->moved, key, len);
		free(ref->rel);
		free(ref);
	}
}

void carb_watch_read_events(struct carb_intake *in)
{
	char buf[65536] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;

	while ((n = read(in->ifd, buf, sizeof(buf))) > 0) {
		in->last_event_us = carb_now_us();
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const void *)p;

			one_event(in, ev);
			p += sizeof(*ev) + ev->len;
		}
	}
	unpaired_moves(in);
}

void carb_watch_release(struct carb_intake *in)
{
	struct carb_map_iter it;
	const char *key;
	size_t len;
	void *v;

	struct carb_map *maps[] = { in->wds, in->moved };

	for (size_t i = 0; i < 2; i++) {
		if (maps[i] == NULL)
			continue;
		carb_map_iter_init(&it, maps[i]);
		while (carb_map_iter_next(&it, &key, &len, &v)) {
			struct carb_wd_ref *ref = v;

			free(ref->rel);
			free(ref);
		}
	}
	if (in->ifd >= 0)
		close(in->ifd);
	in->ifd = -1;
}
