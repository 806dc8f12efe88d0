/* A reload (SIGHUP) while the service runs: the keys marked live in the
 * tables take their new values in the running snapshot; every other
 * changed key is reported, to apply at the next restart.  Values are
 * exchanged, not copied: the old ones stay alive in the fresh snapshot,
 * which the caller keeps until the next reload, so nothing a turn still
 * holds is freed under it. */
#include <stdlib.h>
#include <string.h>

#include "config/config_internal.h"

struct reload {
	carb_config_change_cb cb;
	void *ctx;
	size_t restart;
};

static void section(struct reload *r, const struct carb_cfg_section *sec,
		    const char *label, void *live, void *fresh)
{
	for (size_t i = 0; i < sec->nkeys; i++) {
		const struct carb_cfg_key *k = &sec->keys[i];
		char *what;

		if (carb_cfg_value_equal(k, live, fresh))
			continue;
		what = carb_xasprintf("%s%s", label, k->name);
		if (k->live)
			carb_cfg_swap_value(k, live, fresh);
		else
			r->restart++;
		r->cb(r->ctx, what, k->live);
		free(what);
	}
}

static struct carb_watch_config *watch_named(struct carb_config *cfg,
					     const char *name)
{
	for (size_t i = 0; i < cfg->nwatches; i++)
		if (strcmp(cfg->watches[i].name, name) == 0)
			return &cfg->watches[i];
	return NULL;
}

static struct carb_destination_config *dest_named(struct carb_config *cfg,
						  const char *name)
{
	for (size_t i = 0; i < cfg->ndestinations; i++)
		if (strcmp(cfg->destinations[i].name, name) == 0)
			return &cfg->destinations[i];
	return NULL;
}

/* What appears or goes: a watch or destination only a restart adds. */
static void appeared(struct reload *r, const char *kind, const char *name,
		     const char *how)
{
	char *what = carb_xasprintf("%s \"%s\" %s", kind, name, how);

	r->restart++;
	r->cb(r->ctx, what, false);
	free(what);
}

static void watches(struct reload *r, struct carb_config *live,
		    struct carb_config *fresh)
{
	for (size_t i = 0; i < live->nwatches; i++) {
		struct carb_watch_config *lw = &live->watches[i];
		struct carb_watch_config *fw = watch_named(fresh, lw->name);
		char *label;

		if (fw == NULL) {
			appeared(r, "[[watch]]", lw->name, "removed");
			continue;
		}
		label = carb_xasprintf("watch \"%s\": ", lw->name);
		section(r, &carb_cfg_watch_section, label, lw, fw);
		free(label);
	}
	for (size_t i = 0; i < fresh->nwatches; i++)
		if (watch_named(live, fresh->watches[i].name) == NULL)
			appeared(r, "[[watch]]", fresh->watches[i].name, "added");
}

static void destinations(struct reload *r, struct carb_config *live,
			 struct carb_config *fresh)
{
	for (size_t i = 0; i < live->ndestinations; i++) {
		struct carb_destination_config *ld = &live->destinations[i];
		struct carb_destination_config *fd = dest_named(fresh, ld->name);
		char *label;

		if (fd == NULL) {
			appeared(r, "[archive.destinations]", ld->name, "removed");
			continue;
		}
		label = carb_xasprintf("archive.destinations.%s.", ld->name);
		section(r, &carb_cfg_destination_section, label, ld, fd);
		free(label);
	}
	for (size_t i = 0; i < fresh->ndestinations; i++)
		if (dest_named(live, fresh->destinations[i].name) == NULL)
			appeared(r, "[archive.destinations]",
				 fresh->destinations[i].name, "added");
}

size_t carb_config_reload(struct carb_config *live, struct carb_config *fresh,
			  carb_config_change_cb cb, void *ctx)
{
	struct reload r = { cb, ctx, 0 };

	section(&r, &carb_cfg_service_section, "service.", &live->service,
		&fresh->service);
	section(&r, &carb_cfg_logging_section, "logging.", &live->logging,
		&fresh->logging);
	section(&r, &carb_cfg_database_section, "database.", &live->database,
		&fresh->database);
	section(&r, &carb_cfg_plugins_section, "plugins.", &live->plugins,
		&fresh->plugins);
	section(&r, &carb_cfg_http_section, "http.", &live->http,
		&fresh->http);
	section(&r, &carb_cfg_archive_section, "archive.", &live->archive,
		&fresh->archive);
	watches(&r, live, fresh);
	destinations(&r, live, fresh);
	return r.restart;
}

void carb_config_swap_rules(struct carb_config *a, struct carb_config *b)
{
	struct carb_rules t = a->rules;

	a->rules = b->rules;
	b->rules = t;
}
