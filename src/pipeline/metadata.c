/* Step 4, metadata: the plugin's extractor, selector and router run on a
 * READY group in a worker, and their outcome comes back to stage.c,
 * which stores the columns and decides.
 *
 * A plugin is someone else's code and may crash the process.  Before a
 * call the group is marked (files.plugin_call) and the mark committed;
 * the outcome clears it.  A start that finds marks counts a crash only
 * for a group it can blame (the one marked, or the one named hung); one
 * blamed through [plugins] max_crashes starts is FAILED, the others are
 * suspects: they are called again one at a time, with nothing else
 * marked, so the group that crashes then is blamed alone.  With
 * [plugins] isolation = "process" (plugin.h) a plugin's crash never
 * gets here: the call fails its group and the service goes on.
 *
 * The mark names every function the group is to go through.  So in
 * thread isolation each worker also notes the one function it is in, in
 * its own record of STATE_DIR/plugin-calls ("GID rules.key NAME"),
 * before the call, and clears the record after.  A crash leaves the
 * record (the page cache outlives the process, so no fsync), and the
 * next start names that function in the group's reason. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipeline/intake_internal.h"

/* One worker's record in STATE_DIR/plugin-calls. */
#define NOTE_BYTES 256
/* More than any pool's records: the rest of a bigger file is not read. */
#define NOTES_MAX (1u << 20)

/* Step 4's own state: the plugin calls queued and out. */
struct carb_metadata {
	struct carb_job *head, *tail;  /* queued, not yet marked */
	struct carb_map *groups;       /* gid -> its work, queued or out */
	size_t inflight;
	size_t suspects;               /* queued or out */
	bool suspect_out;
	int note_fd;                   /* STATE_DIR/plugin-calls, or -1 */
	struct carb_map *noted;        /* gid -> "rules.key NAME" a previous
	                                * run's records left; NULL: none */
};

/* The metadata job: plugin calls on one group. */
struct carb_meta_work {
	struct carb_job job;
	int64_t gid;
	bool suspect;
	char *call;               /* the mark: which functions run */
	struct carb_plugin_rt *plugin;
	/* copied: a rules reload may free the snapshot meanwhile */
	char *extract, *select, *route;
	char *watch;
	char *key;
	size_t key_len;
	struct carb_plugin_member *members;
	size_t n;
	int dirfd;
	int note_fd;              /* the records of the calls; -1: none */
	/* results */
	struct carb_plugin_outcome out;
	int current;              /* the call a worker is in (enum kind + 1),
	                           * 0 between calls; atomic */
	const char *failed_in;    /* NULL, or the rules key of the function */
	const char *failed_fn;
	int verdict;              /* selector: -1 none ran, 0 reject, 1 keep */
};

static const struct carb_job_ops metadata_ops;

static struct carb_meta_work *work_of(struct carb_job *job)
{
	return CARB_JOB_OF(job, struct carb_meta_work);
}

bool carb_metadata_wanted(const struct carb_intake *in)
{
	const struct carb_rules *r = in->rules;

	return in->opts.plugin != NULL &&
	       (r->metadata.extract || r->selection.function || r->routing.function);
}

static char *call_text(const struct carb_rules *r)
{
	struct carb_buf b;
	const struct { const char *key, *name; } fns[] = {
		{ "metadata.extract", r->metadata.extract },
		{ "selection.function", r->selection.function },
		{ "routing.function", r->routing.function },
	};

	carb_buf_init(&b);
	for (size_t i = 0; i < 3; i++)
		if (fns[i].name != NULL)
			carb_buf_addf(&b, "%s%s %s", b.len ? " or " : "",
				      fns[i].key, fns[i].name);
	return carb_buf_detach(&b);
}

static void work_free(struct carb_meta_work *mw)
{
	if (mw == NULL)
		return;
	for (size_t i = 0; i < mw->n; i++) {
		free((char *)mw->members[i].rel_path);
		free((char *)mw->members[i].extension);
		free((char *)mw->members[i].content_hash);
	}
	free(mw->members);
	carb_plugin_outcome_release(&mw->out);
	free(mw->call);
	free(mw->extract);
	free(mw->select);
	free(mw->route);
	free(mw->watch);
	free(mw->key);
	free(mw);
}

/* ---- queueing ------------------------------------------------------- */

static bool known_gid(struct carb_intake *in, int64_t gid)
{
	return carb_map_get(in->metadata->groups, &gid, sizeof(gid)) != NULL;
}

struct carb_meta_work *carb_metadata_new(struct carb_intake *in, int64_t gid,
					 const char *watch, const char *key,
					 size_t key_len, int dirfd)
{
	struct carb_meta_work *mw;

	if (known_gid(in, gid))
		return NULL;
	mw = carb_xcalloc(1, sizeof(*mw));
	carb_job_init(&mw->job, &metadata_ops);
	mw->gid = gid;
	mw->watch = carb_xstrdup(watch);
	mw->key = carb_xstrndup(key, key_len);
	mw->key_len = key_len;
	mw->dirfd = dirfd;
	mw->verdict = -1;
	return mw;
}

/* Whether name a sorts before b, bytewise, a prefix first. */
static bool name_before(const char *a, size_t alen, const char *b,
			size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	return c < 0 || (c == 0 && alen < blen);
}

/* Kept in the order of their names, as plugin.h promises plugins (the
 * catalog gives them in the order they were recorded). */
void carb_metadata_member(struct carb_meta_work *mw, const char *rel,
			  size_t rel_len, const char *ext, size_t ext_len,
			  int64_t size, const char *hash)
{
	struct carb_plugin_member *m;
	size_t at = mw->n;

	while (at > 0 && name_before(rel, rel_len, mw->members[at - 1].rel_path,
				     mw->members[at - 1].rel_len))
		at--;
	mw->members = carb_xrealloc(mw->members, (mw->n + 1) * sizeof(*m));
	memmove(&mw->members[at + 1], &mw->members[at],
		(mw->n - at) * sizeof(*m));
	mw->n++;
	m = &mw->members[at];
	m->rel_path = carb_xstrndup(rel, rel_len);
	m->rel_len = rel_len;
	m->extension = carb_xstrndup(ext, ext_len);
	m->ext_len = ext_len;
	m->size = size;
	m->content_hash = hash ? carb_xstrdup(hash) : NULL;
}

void carb_metadata_set_suspect(struct carb_meta_work *mw)
{
	mw->suspect = true;
}

/* Only a crash in thread isolation takes the process with it; a dry
 * run writes nothing. */
static bool noting(const struct carb_intake *in)
{
	return in->opts.plugin != NULL && !in->opts.dry_run &&
	       carb_config_plugins(in->cfg)->isolation == CARB_ISOLATION_THREAD;
}

/* One record: "GID rules.key NAME\n", NUL-padded; all NUL when clear. */
static void read_note(struct carb_map *noted, const char *rec)
{
	long long gid;
	int at = 0;
	int64_t id;

	if (sscanf(rec, "%lld %n", &gid, &at) != 1 || at == 0)
		return;
	id = gid;
	free(carb_map_remove(noted, &id, sizeof(id)));
	carb_map_put(noted, &id, sizeof(id),
		     carb_xstrndup(rec + at, strcspn(rec + at, "\n")));
}

/* Takes what the previous run's records say, and clears them. */
static void read_notes(struct carb_metadata *m)
{
	char rec[NOTE_BYTES + 1];
	ssize_t n;

	m->noted = carb_map_new();
	for (off_t at = 0; at < NOTES_MAX; at += NOTE_BYTES) {
		n = pread(m->note_fd, rec, NOTE_BYTES, at);
		if (n <= 0)
			break;
		rec[n] = '\0';
		read_note(m->noted, rec);
	}
	if (ftruncate(m->note_fd, 0) < 0)
		carb_log(CARB_LOGL_WARNING, "cannot clear the plugin call records:"
			 " %s", strerror(errno));
}

static void open_notes(struct carb_intake *in)
{
	char *path = carb_xasprintf("%s/plugin-calls",
				    carb_config_service(in->cfg)->state_dir);

	in->metadata->note_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	/* best effort: without the records a crash names the whole call */
	if (in->metadata->note_fd < 0)
		carb_log(CARB_LOGL_WARNING, "cannot open %s: %s", path,
			 strerror(errno));
	else
		read_notes(in->metadata);
	free(path);
}

static void free_noted(struct carb_metadata *m)
{
	struct carb_map_iter it;
	const char *k;
	size_t len;
	void *v;

	if (m->noted == NULL)
		return;
	carb_map_iter_init(&it, m->noted);
	while (carb_map_iter_next(&it, &k, &len, &v))
		free(v);
	carb_map_free(&m->noted);
}

void carb_metadata_open(struct carb_intake *in)
{
	in->metadata = carb_xcalloc(1, sizeof(*in->metadata));
	in->metadata->groups = carb_map_new();
	in->metadata->note_fd = -1;
	if (noting(in))
		open_notes(in);
}

void carb_metadata_close(struct carb_intake *in)
{
	struct carb_job *next;

	if (in->metadata == NULL)
		return;
	for (struct carb_job *j = in->metadata->head; j != NULL; j = next) {
		next = j->next;
		carb_job_free(j);
	}
	carb_map_free(&in->metadata->groups);
	free_noted(in->metadata);
	if (in->metadata->note_fd >= 0)
		close(in->metadata->note_fd);
	free(in->metadata);
	in->metadata = NULL;
}

size_t carb_metadata_inflight(const struct carb_intake *in)
{
	return in->metadata->inflight;
}

size_t carb_metadata_groups(const struct carb_intake *in)
{
	return carb_map_count(in->metadata->groups);
}

void carb_metadata_queue(struct carb_intake *in, struct carb_meta_work *mw)
{
	struct carb_job *job = &mw->job;

	mw->call = call_text(in->rules);
	mw->note_fd = in->metadata->note_fd;
	mw->plugin = in->opts.plugin;
	mw->extract = in->rules->metadata.extract
		? carb_xstrdup(in->rules->metadata.extract) : NULL;
	mw->select = in->rules->selection.function
		? carb_xstrdup(in->rules->selection.function) : NULL;
	mw->route = in->rules->routing.function
		? carb_xstrdup(in->rules->routing.function) : NULL;
	carb_map_put(in->metadata->groups, &mw->gid, sizeof(mw->gid), mw);
	if (mw->suspect)
		in->metadata->suspects++;
	if (in->metadata->tail != NULL)
		in->metadata->tail->next = job;
	else
		in->metadata->head = job;
	in->metadata->tail = job;
}

/* Takes the jobs that may start now: one suspect alone, else every
 * queued job, but nothing while a suspect is out. */
static struct carb_job *take_startable(struct carb_intake *in)
{
	struct carb_job **pp = &in->metadata->head, *job, *all;

	if (in->metadata->head == NULL || in->metadata->suspect_out)
		return NULL;
	if (in->metadata->suspects > 0) {
		if (in->metadata->inflight > 0)
			return NULL;
		while (!work_of(*pp)->suspect)
			pp = &(*pp)->next;
		job = *pp;
		*pp = job->next;
		job->next = NULL;
		in->metadata->tail = NULL;
		for (struct carb_job *j = in->metadata->head; j != NULL; j = j->next)
			in->metadata->tail = j;
		in->metadata->suspect_out = true;
		return job;
	}
	all = in->metadata->head;
	in->metadata->head = in->metadata->tail = NULL;
	return all;
}

static int commit_marks(struct carb_intake *in, struct carb_job *jobs)
{
	struct carb_error err;

	carb_error_clear(&err);
	for (struct carb_job *j = jobs; j != NULL; j = j->next)
		if (!carb_turn_tx(in->turn) ||
		    carb_group_plugin_mark(in->cat, work_of(j)->gid, work_of(j)->call,
					   &err) < 0) {
			carb_turn_fail(in->turn, &err);
			return -1;
		}
	return carb_turn_commit(in->turn);
}

void carb_metadata_submit(struct carb_intake *in)
{
	struct carb_job *jobs = take_startable(in), *next;

	if (jobs == NULL || carb_turn_failed(in->turn))
		return;
	/* the marks are durable before any call: a crash is then known */
	if (commit_marks(in, jobs) < 0) {
		for (; jobs != NULL; jobs = next) {
			next = jobs->next;
			carb_job_free(jobs);
		}
		return;
	}
	for (; jobs != NULL; jobs = next) {
		next = jobs->next;
		jobs->next = NULL;
		jobs->limit_ms = carb_plugin_job_limit_ms(in->opts.plugin);
		in->metadata->inflight++;
		carb_workers_submit(in->workers, jobs);
	}
}

bool carb_metadata_busy(const struct carb_intake *in)
{
	return in->metadata->head != NULL || in->metadata->inflight > 0;
}

/* ---- in a worker ---------------------------------------------------- */

/* Names the function this worker is about to call, in its own record
 * (key NULL: clears the record). */
static void note(const struct carb_meta_work *mw, const char *key,
		 const char *fname)
{
	char rec[NOTE_BYTES] = { 0 };
	off_t at = (off_t)carb_workers_self() * NOTE_BYTES;

	if (mw->note_fd < 0)
		return;
	if (key != NULL)
		snprintf(rec, sizeof(rec) - 1, "%lld %s %s\n",
			 (long long)mw->gid, key, fname);
	if (pwrite(mw->note_fd, rec, sizeof(rec), at) < 0) {
		/* best effort: without it a crash names the whole call */
	}
}

static bool call_one(struct carb_plugin_rt *p, struct carb_meta_work *mw,
		     const struct carb_plugin_group *g, enum carb_plugin_kind k,
		     const char *fname, int *rc)
{
	if (fname == NULL)
		return true;
	__atomic_store_n(&mw->current, (int)k + 1, __ATOMIC_RELAXED);
	note(mw, carb_plugin_kind_key(k), fname);
	*rc = carb_plugin_call(p, k, fname, g, &mw->out);
	note(mw, NULL, NULL);
	__atomic_store_n(&mw->current, 0, __ATOMIC_RELAXED);
	if (*rc == -2) {
		/* named by rules reloaded since: checked against the plugin,
		 * so only a race with a reload gets here */
		free(mw->out.reason);
		mw->out.reason = carb_xasprintf("plugin has no function \"%s\"", fname);
		*rc = -1;
	}
	if (*rc == -1) {
		mw->failed_in = carb_plugin_kind_key(k);
		mw->failed_fn = fname;
		return false;
	}
	return true;
}

static void metadata_run(struct carb_job *job)
{
	struct carb_meta_work *mw = work_of(job);
	struct carb_plugin_rt *p = mw->plugin;
	struct carb_plugin_group g = {
		mw->watch, mw->dirfd, mw->key, mw->key_len, mw->members, mw->n,
	};
	int rc = 0;

	carb_plugin_outcome_init(p, &mw->out);
	if (!call_one(p, mw, &g, CARB_PLUGIN_EXTRACTOR, mw->extract, &rc))
		return;
	if (mw->select != NULL) {
		if (!call_one(p, mw, &g, CARB_PLUGIN_SELECTOR, mw->select, &rc))
			return;
		mw->verdict = rc;
		if (rc == 0)
			return;
	}
	call_one(p, mw, &g, CARB_PLUGIN_ROUTER, mw->route, &rc);
}

/* For the watchdog, while a worker runs mw: its group, and the rules key
 * and name of the function it is in ("metadata.extract NAME"; the whole
 * call when between functions).  Safe from another thread. */
static int64_t describe_call(const struct carb_meta_work *mw, char *what,
			     size_t size)
{
	int cur = __atomic_load_n(&mw->current, __ATOMIC_RELAXED);
	enum carb_plugin_kind k = (enum carb_plugin_kind)(cur - 1);
	const char *fn = k == CARB_PLUGIN_EXTRACTOR ? mw->extract
			 : k == CARB_PLUGIN_SELECTOR ? mw->select : mw->route;

	if (cur == 0 || fn == NULL)
		snprintf(what, size, "%s", mw->call);
	else
		snprintf(what, size, "%s %s", carb_plugin_kind_key(k), fn);
	return mw->gid;
}

/* ---- outcomes --------------------------------------------------------- */

static void forget(struct carb_intake *in, struct carb_meta_work *mw)
{
	carb_map_remove(in->metadata->groups, &mw->gid, sizeof(mw->gid));
	in->metadata->inflight--;
	if (mw->suspect) {
		in->metadata->suspects--;
		in->metadata->suspect_out = false;
	}
}

static void store(struct carb_intake *in, struct carb_meta_work *mw)
{
	struct carb_plugin_rt *p = in->opts.plugin;
	size_t n = carb_plugin_ncolumns(p), k = 0;
	struct carb_column_value *cols = carb_xcalloc(n ? n : 1, sizeof(*cols));
	struct carb_error err;

	carb_error_clear(&err);
	for (size_t i = 0; i < n && mw->out.ncolumns == n; i++)
		if (mw->out.set[i]) {
			cols[k].name = carb_plugin_column(p, i)->name;
			cols[k++].value = &mw->out.values[i];
		}
	if (carb_turn_tx(in->turn) &&
	    carb_group_plugin_store(in->cat, mw->gid, cols, k, &err) < 0)
		carb_turn_fail(in->turn, &err);
	free(cols);
}

static void metadata_apply(struct carb_intake *in, struct carb_job *job)
{
	struct carb_meta_work *mw = work_of(job);
	struct carb_error err;

	forget(in, mw);
	carb_error_clear(&err);
	if (in->stopping) {
		/* not applied, not a crash: the next start calls it again */
		if (carb_turn_tx(in->turn) &&
		    carb_group_plugin_crashed(in->cat, mw->gid, 0, &err) < 0)
			carb_turn_fail(in->turn, &err);
		return;
	}
	store(in, mw);
	if (!carb_turn_failed(in->turn))
		carb_stage_decide(in, mw->gid, mw);
}

static void metadata_free(struct carb_job *job)
{
	work_free(work_of(job));
}

static int64_t metadata_describe(const struct carb_job *job, char *what,
				 size_t size)
{
	const struct carb_meta_work *mw =
		CARB_JOB_OF(job, const struct carb_meta_work);
	char sub[384];
	int64_t gid = describe_call(mw, sub, sizeof(sub));

	snprintf(what, size, "plugin call %s on group %lld", sub,
		 (long long)gid);
	return gid;
}

static const struct carb_job_ops metadata_ops = {
	.run = metadata_run,
	.apply = metadata_apply,
	.free = metadata_free,
	.describe = metadata_describe,
	.drained = true,
};

const struct carb_plugin_outcome *carb_meta_outcome(const struct carb_meta_work *mw)
{
	return &mw->out;
}

const char *carb_meta_failure(const struct carb_meta_work *mw,
			      const char **fname)
{
	*fname = mw->failed_fn;
	return mw->failed_in;
}

int carb_meta_verdict(const struct carb_meta_work *mw)
{
	return mw->verdict;
}

/* ---- recovery ------------------------------------------------------- */

/* Marks a previous run left.  A crash counts against a group only when
 * it is the one to blame: the only group in a call then, or the one the
 * watchdog named hung; with several marked, each runs again alone. */
/* What group gid was in: the function a worker's record names, else the
 * mark (a hung mark names its function already). */
static const char *crashed_in(const struct carb_intake *in,
			      const struct carb_plugin_mark *mark)
{
	const char *noted = NULL;

	if (in->metadata->noted != NULL &&
	    strncmp(mark->call, CARB_PLUGIN_HUNG_MARK,
		    strlen(CARB_PLUGIN_HUNG_MARK)) != 0)
		noted = carb_map_get(in->metadata->noted, &mark->id,
				     sizeof(mark->id));
	return noted != NULL ? noted : mark->call;
}

void carb_metadata_recover(struct carb_intake *in)
{
	int64_t max = carb_config_plugins(in->cfg)->max_crashes;
	struct carb_plugin_mark *marks = NULL;
	struct carb_error err;
	size_t n = 0;

	carb_error_clear(&err);
	if (in->opts.plugin == NULL)
		return;
	if (carb_groups_plugin_marked(in->cat, &marks, &n, &err) < 0) {
		carb_turn_fail(in->turn, &err);
		return;
	}
	for (size_t i = 0; i < n && !carb_turn_failed(in->turn); i++) {
		bool blamed = n == 1 || strncmp(marks[i].call, CARB_PLUGIN_HUNG_MARK,
						strlen(CARB_PLUGIN_HUNG_MARK)) == 0;
		int64_t crashes = marks[i].crashes + blamed;
		const char *call = crashed_in(in, &marks[i]);

		if (!carb_turn_tx(in->turn) ||
		    carb_group_plugin_crashed(in->cat, marks[i].id, crashes, &err) < 0) {
			carb_turn_fail(in->turn, &err);
			break;
		}
		carb_log(CARB_LOGL_WARNING, "group %lld was in plugin call %s when"
			 " the service stopped (%s%lld of %lld)",
			 (long long)marks[i].id, call,
			 blamed ? "" : "with other groups, so not counted: it runs"
			 " again alone; ", (long long)crashes, (long long)max);
		if (blamed && crashes >= max)
			carb_stage_crashed(in, marks[i].id, call);
		else
			carb_stage_suspect(in, marks[i].id);
	}
	carb_plugin_marks_free(&marks, n);
	free_noted(in->metadata);
}
