/* rules.toml is watched while the service runs.  Editors save in many
 * ways (write in place, write a copy and rename it over), so the folder
 * is watched for the file's name, and a change is read a moment after the
 * last event.  A valid file replaces the rules at once and groups that
 * were NOT_SELECTED are judged again; an invalid one is logged with its
 * positions and the rules in force stay, as they do when the file is
 * deleted. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "pipeline/intake_internal.h"

/* Quiet time after the last event before the file is read. */
#define RELOAD_DELAY_MS 200

/* The rules reload's own state. */
struct carb_rules_reload {
	struct carb_config *cfg;   /* the snapshot in->rules is from */
	int fd;                    /* inotify on the rules file's folder */
	int64_t at_ms;             /* a change was seen: reload then */
};

void carb_rules_reload_init(struct carb_intake *in)
{
	in->reload = carb_xcalloc(1, sizeof(*in->reload));
	in->reload->fd = -1;
}

int carb_rules_reload_fd(const struct carb_intake *in)
{
	return in->reload->fd;
}

int64_t carb_rules_reload_due(const struct carb_intake *in)
{
	return in->reload->at_ms;
}

int carb_rules_reload_open(struct carb_intake *in, struct carb_error *err)
{
	const char *path = carb_config_rules_path(in->cfg);
	const char *slash = strrchr(path, '/');
	char *dir = carb_xstrndup(path, slash > path ? (size_t)(slash - path) : 1);

	in->reload->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (in->reload->fd < 0 ||
	    inotify_add_watch(in->reload->fd, dir, IN_CLOSE_WRITE | IN_MOVED_TO |
			      IN_CREATE | IN_DELETE | IN_MOVED_FROM) < 0) {
		carb_error_set(err, "cannot watch %s for rules changes: %s", dir,
			       strerror(errno));
		free(dir);
		return -1;
	}
	free(dir);
	return 0;
}

void carb_rules_reload_close(struct carb_intake *in)
{
	if (in->reload == NULL)
		return;
	if (in->reload->fd >= 0)
		close(in->reload->fd);
	carb_config_free(&in->reload->cfg);
	free(in->reload);
	in->reload = NULL;
}

void carb_rules_reload_events(struct carb_intake *in)
{
	const char *path = carb_config_rules_path(in->cfg);
	const char *base = strrchr(path, '/') + 1;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;

	while ((n = read(in->reload->fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *ev = (struct inotify_event *)p;

			if (ev->len > 0 && strcmp(ev->name, base) == 0)
				in->reload->at_ms = carb_monotonic_ms() +
						   RELOAD_DELAY_MS;
			p += sizeof(*ev) + ev->len;
		}
	}
}

/* NOT_SELECTED groups of the watches this run holds go back to READY and
 * through selection again. */
static size_t reselect(struct carb_intake *in)
{
	struct carb_error err;
	size_t total = 0;

	carb_error_clear(&err);
	for (size_t w = 0; w < in->nwatches && !carb_turn_failed(in->turn); w++) {
		int64_t *ids = NULL;
		size_t n = 0;

		if (carb_groups_with_status(in->cat, in->watches[w].cfg->name,
					    CARB_STATUS_NOT_SELECTED, 100000,
					    &ids, &n, &err) < 0) {
			carb_turn_fail(in->turn, &err);
			break;
		}
		for (size_t i = 0; i < n && !carb_turn_failed(in->turn); i++) {
			bool changed = false;

			if (!carb_turn_tx(in->turn) ||
			    carb_status_group_route(in, ids[i],
						    CARB_STATUS_NOT_SELECTED,
						    CARB_STATUS_READY,
						    NULL, NULL, &changed,
						    &err) < 0) {
				carb_turn_fail(in->turn, &err);
				break;
			}
			if (!changed)
				continue;
			carb_status_move_members(in, ids[i],
						 CARB_STATUS_NOT_SELECTED,
						 CARB_STATUS_READY, NULL);
			carb_stage_group(in, ids[i]);
			total++;
		}
		free(ids);
	}
	return total;
}

static void log_diags(const struct carb_diags *d)
{
	for (size_t i = 0; i < d->count; i++) {
		char *line = carb_diag_format(&d->items[i]);

		carb_log(CARB_LOGL_ERROR, "rules not reloaded: %s", line);
		free(line);
	}
}

void carb_rules_reload_tick(struct carb_intake *in)
{
	struct carb_config *fresh = NULL;
	struct carb_diags d;

	if (in->reload->at_ms == 0 || carb_monotonic_ms() < in->reload->at_ms)
		return;
	in->reload->at_ms = 0;
	/* Gone (deleted, or moved away): loading now would put every rule
	 * back to its default, e.g. accept what the file rejected. */
	if (access(carb_config_rules_path(in->cfg), F_OK) < 0) {
		carb_log(CARB_LOGL_ERROR, "rules not reloaded: %s: %s; the"
			 " rules in force stay", carb_config_rules_path(in->cfg),
			 strerror(errno));
		return;
	}
	carb_diags_init(&d);
	/* only the plugin knows whether the functions and columns exist */
	if (carb_config_load(carb_config_path(in->cfg), &fresh, &d) < 0 ||
	    carb_plugin_check_rules(in->opts.plugin, carb_config_rules(fresh),
				    &d) < 0) {
		log_diags(&d);
		carb_log(CARB_LOGL_ERROR, "the rules in force stay");
		carb_diags_release(&d);
		carb_config_free(&fresh);
		return;
	}
	carb_diags_release(&d);
	carb_intake_use_rules(in, carb_config_rules(fresh), fresh);
}

void carb_intake_use_rules(struct carb_intake *in,
			   const struct carb_rules *rules,
			   struct carb_config *keep)
{
	size_t n;

	in->rules = rules;
	carb_config_free(&in->reload->cfg);
	in->reload->cfg = keep;
	n = reselect(in);
	carb_log(CARB_LOGL_INFO, "rules reloaded from %s; %zu NOT_SELECTED"
		 " group%s judged again", carb_config_rules_path(in->cfg), n,
		 n == 1 ? "" : "s");
}
