/* SIGHUP: read config.toml and rules.toml again.  A file with any problem
 * changes nothing (every problem is logged with its position); a valid
 * one applies the rules and the keys a running service can take, and
 * names each changed key that waits for a restart. */
#include <stdlib.h>

#include "plugin/plugin.h"
#include "service/service_internal.h"

static void log_diags(const struct carb_diags *d)
{
	for (size_t i = 0; i < d->count; i++) {
		char *line = carb_diag_format(&d->items[i]);

		carb_log(CARB_LOGL_ERROR, "reload: %s", line);
		free(line);
	}
}

static void changed(void *ctx, const char *key, bool applied)
{
	(void)ctx;
	if (applied)
		carb_log(CARB_LOGL_INFO, "reload: %s applied", key);
	else
		carb_log(CARB_LOGL_WARNING, "reload: %s changed; it takes"
			 " effect at the next restart", key);
}

/* The fresh snapshot, checked; NULL when it has problems (logged). */
static struct carb_config *load(struct carb_service *svc)
{
	struct carb_config *fresh = NULL;
	struct carb_diags d;

	carb_diags_init(&d);
	if (carb_config_load(carb_config_path(svc->cfg), &fresh, &d) < 0 ||
	    carb_plugin_check_rules(svc->opts.plugin, carb_config_rules(fresh),
				    &d) < 0) {
		log_diags(&d);
		carb_log(CARB_LOGL_ERROR, "reload: %zu problem%s; the"
			 " configuration and rules in force stay", d.count,
			 d.count == 1 ? "" : "s");
		carb_config_free(&fresh);
	}
	carb_diags_release(&d);
	return fresh;
}

void carb_service_reload(struct carb_service *svc, struct carb_intake *in)
{
	struct carb_config *fresh;
	struct carb_error err;
	size_t waiting;

	carb_notify_reloading();
	carb_log(CARB_LOGL_INFO, "reload: reading %s",
		 carb_config_path(svc->cfg));
	fresh = load(svc);
	if (fresh != NULL) {
		waiting = carb_config_reload(svc->cfg, fresh, changed, NULL);
		carb_plugin_set_timeout(svc->opts.plugin,
					carb_config_plugins(svc->cfg)->timeout_ms);
		carb_config_swap_rules(svc->cfg, fresh);
		if (in != NULL)
			carb_intake_use_rules(in, carb_config_rules(svc->cfg),
					      fresh);
		else
			carb_config_free(&fresh);
		carb_log(CARB_LOGL_INFO, "reload: done%s", waiting > 0
			 ? "; some changes wait for a restart (above)" : "");
	}
	/* Also after a failed reload: logrotate moved the file away. */
	carb_error_clear(&err);
	if (carb_logfile_open(svc->cfg, &err) < 0)
		carb_log(CARB_LOGL_ERROR, "reload: %s; logging goes on where"
			 " it was", err.msg);
}
