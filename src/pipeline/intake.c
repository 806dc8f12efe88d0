/* The intake: one per `carbonation run`.  Opens what the loop (loop.c)
 * runs on: the watches with what the catalog knows of them, their locks,
 * the workers and the steps; and closes them again. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipeline/intake_internal.h"

int64_t carb_intake_job_limit(const struct carb_intake *in, int64_t bytes)
{
	int64_t ceiling = carb_config_service(in->cfg)->max_job_time_ms;
	int64_t ms = 30000 + bytes / 1048576 * 1000;

	return ms < ceiling ? ms : ceiling;
}

/* Loads what the catalog knows of watch w: the newest generation of each
 * path.  PENDING components are checked again (a previous run stopped
 * before their result was written) by check_pending, once the watch's
 * folder is open. */
struct load_ctx {
	struct carb_intake *in;
	struct carb_watch_rt *w;
};

static int load_row(void *ctx, const struct carb_component_row *r,
		    struct carb_error *err)
{
	struct load_ctx *lc = ctx;
	struct carb_known k = { 0 };

	(void)err;
	if (carb_map_get(lc->w->known, r->rel_path, r->rel_len) != NULL)
		return 0;  /* an older generation */
	k.id = r->id;
	k.generation = r->generation;
	k.size = r->size;
	k.mtime_us = r->mtime_us;
	k.device = r->device;
	k.inode = r->inode;
	carb_status_known(&k, r->status);
	carb_known_put(lc->w, r->rel_path, r->rel_len, &k);
	return 0;
}

/* A check submitted before the folder is open finds no file and is
 * dropped, and the walk skips a file it already knows: so only now. */
static void check_pending(struct carb_intake *in)
{
	for (size_t i = 0; i < in->nwatches; i++) {
		struct carb_watch_rt *w = &in->watches[i];
		struct carb_map_iter it;
		const char *rel;
		size_t len;
		void *v;

		carb_map_iter_init(&it, w->known);
		while (carb_map_iter_next(&it, &rel, &len, &v)) {
			const struct carb_known *k = v;

			if (k->status == CARB_STATUS_PENDING)
				carb_integrity_submit(in, w, rel, len, k->id);
		}
	}
}

/* Takes the watch's lock: with once, a watch another run holds is
 * skipped (returns 1); otherwise that is an error. */
static int lock_watch(struct carb_intake *in, struct carb_watch_rt *w,
		      struct carb_error *err)
{
	const char *dir = carb_config_service(in->cfg)->state_dir;
	long holder = 0;

	w->lock_fd = carb_watch_lock(dir, w->cfg->name, in->opts.dry_run,
				     &holder, err);
	if (w->lock_fd >= 0)
		return 0;
	if (w->lock_fd == CARB_WATCH_LOCK_NONE) {
		w->lock_fd = -1;
		return 0;
	}
	if (w->lock_fd == -1)
		return -1;
	if (in->opts.once) {
		carb_log(CARB_LOGL_WARNING, "watch \"%s\" is handled by another"
			 " carbonation (pid %ld); skipped", w->cfg->name, holder);
		return 1;
	}
	return carb_error_set(err, "watch \"%s\" is handled by another"
			      " carbonation (pid %ld, lock in %s)",
			      w->cfg->name, holder, dir);
}

static int open_watches(struct carb_intake *in, struct carb_error *err)
{
	size_t n = carb_config_watch_count(in->cfg);

	in->watches = carb_xcalloc(n ? n : 1, sizeof(*in->watches));
	for (size_t i = 0; i < n; i++) {
		struct carb_watch_rt *w = &in->watches[in->nwatches];
		struct load_ctx lc = { in, w };
		int rc;

		w->cfg = carb_config_watch(in->cfg, i);
		if (in->opts.only_watch != NULL &&
		    strcmp(w->cfg->name, in->opts.only_watch) != 0)
			continue;
		w->index = in->nwatches;
		w->root_fd = -1;
		rc = lock_watch(in, w, err);
		if (rc < 0)
			return -1;
		if (rc > 0)
			continue;
		in->nwatches++;
		w->known = carb_map_new();
		w->inodes = carb_map_new();
		w->cands = carb_map_new();
		w->dirs = carb_map_new();
		w->refused = carb_map_new();
		if (carb_watch_effective_mode(w->cfg, &w->poll, w->why,
					      sizeof(w->why), err) < 0)
			return -1;
		if (carb_components_each(in->cat, w->cfg->name, NULL,
					 load_row, &lc, err) < 0)
			return -1;
	}
	return 0;
}

struct carb_watch_rt *carb_intake_watch(struct carb_intake *in,
					const char *name)
{
	for (size_t i = 0; i < in->nwatches; i++)
		if (strcmp(in->watches[i].cfg->name, name) == 0)
			return &in->watches[i];
	return NULL;
}

bool carb_intake_failed_transient(const struct carb_intake *in)
{
	return carb_turn_transient(in->turn);
}

size_t carb_intake_failures(const struct carb_intake *in)
{
	return carb_settle_failures(in) + carb_groups_failures(in) +
	       carb_stage_failures(in) + carb_archiving_failures(in);
}

size_t carb_intake_watch_count(const struct carb_intake *in)
{
	return in->nwatches;
}

size_t carb_intake_unread_watches(const struct carb_intake *in,
				  struct carb_buf *why)
{
	size_t n = 0;

	for (size_t i = 0; i < in->nwatches; i++) {
		const struct carb_watch_rt *w = &in->watches[i];

		if (w->unread_errno == 0)
			continue;
		if (why != NULL)
			carb_buf_addf(why, "%swatch \"%s\" (%s: %s)",
				      n > 0 ? ", " : "", w->cfg->name,
				      w->cfg->path, strerror(w->unread_errno));
		n++;
	}
	return n;
}

int carb_intake_open(const struct carb_config *cfg, struct carb_catalog *cat,
		     const struct carb_run_options *opts,
		     struct carb_intake **out, struct carb_error *err)
{
	struct carb_intake *in = carb_xcalloc(1, sizeof(*in));
	size_t nworkers = (size_t)carb_config_service(cfg)->workers;

	in->opts = *opts;
	if (in->opts.dry_run)
		in->opts.once = true;
	carb_rules_reload_init(in);
	in->cfg = cfg;
	in->rules = carb_config_rules(cfg);
	in->cat = cat;
	in->turn = carb_turn_new(cat, in->opts.dry_run);
	carb_turn_set_metrics(in->turn, in->opts.metrics);
	carb_plugin_set_metrics(in->opts.plugin, in->opts.metrics);
	in->ifd = -1;
	in->wds = carb_map_new();
	in->moved = carb_map_new();
	carb_settle_open(in);
	carb_stage_open(in);
	carb_metadata_open(in);
	in->workers = carb_workers_start(nworkers, &in->done_fd);
	*out = NULL;
	if (in->workers == NULL) {
		carb_error_set(err, "cannot start workers: %s", strerror(errno));
		carb_intake_close(&in);
		return -1;
	}
	if (open_watches(in, err) < 0 || carb_watch_setup(in, err) < 0 ||
	    carb_groups_open(in, err) < 0 ||
	    carb_archiving_open(in, err) < 0 ||
	    carb_grouping_open(in, err) < 0 ||
	    (!in->opts.once && carb_rules_reload_open(in, err) < 0)) {
		carb_intake_close(&in);
		return -1;
	}
	carb_integrity_open(in);
	check_pending(in);
	*out = in;
	return 0;
}

static void free_watch(struct carb_watch_rt *w)
{
	struct carb_map_iter it;
	const char *k;
	size_t len;
	void *v;

	struct carb_map *maps[] = { w->known, w->inodes, w->cands,
				    w->refused };

	for (size_t i = 0; i < 4; i++) {
		if (maps[i] == NULL)
			continue;
		carb_map_iter_init(&it, maps[i]);
		while (carb_map_iter_next(&it, &k, &len, &v))
			free(v);
		carb_map_free(&maps[i]);
	}
	carb_map_free(&w->dirs);
	if (w->root_fd >= 0)
		close(w->root_fd);
	if (w->lock_fd >= 0)
		close(w->lock_fd);
}

size_t carb_intake_close(struct carb_intake **inp)
{
	struct carb_intake *in = *inp;
	int64_t wait_ms = carb_config_service(in->cfg)->shutdown_timeout_ms;
	size_t left;

	if (in == NULL)
		return 0;
	/* After a drain, what is left of its time, and a second more for
	 * the integrity checks it does not wait for. */
	if (in->drain_end_ms > 0) {
		wait_ms = in->drain_end_ms - carb_monotonic_ms();
		wait_ms = wait_ms > 1000 ? wait_ms : 1000;
	}
	left = carb_workers_stop_within(&in->workers, wait_ms);
	if (left > 0)
		carb_log(CARB_LOGL_ERROR, "%zu worker%s still inside a job after"
			 " service.shutdown_timeout; left behind", left,
			 left == 1 ? " is" : "s are");
	carb_metadata_close(in);
	carb_grouping_close(in);
	while (in->results != NULL) {
		struct carb_job *next = in->results->next;

		carb_job_free(in->results);
		in->results = next;
	}
	carb_integrity_close(in);
	carb_archiving_close(in);
	carb_groups_close(in);
	carb_stage_close(in);
	carb_settle_close(in);
	carb_rules_reload_close(in);
	carb_watch_release(in);
	for (size_t i = 0; i < in->nwatches; i++)
		free_watch(&in->watches[i]);
	free(in->watches);
	carb_map_free(&in->wds);
	carb_map_free(&in->moved);
	carb_turn_free(&in->turn);
	free(in);
	*inp = NULL;
	return left;
}
