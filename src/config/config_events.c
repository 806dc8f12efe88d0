/* [[events]]: the sinks the outbox's publisher sends events to
 * (docs/events.md).  Each table is read by the events section's keys;
 * what holds across keys and sections (a webhook has a url, the watches
 * exist, names are unique, amqp is not built) is checked here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_internal.h"

/* The statuses that make an event (migrations/<dialect>/core/0010). */
static const char *const final_statuses[] = {
	"ARCHIVED", "FAILED", "INTEGRITY_FAILED", "NOT_SELECTED", "TIMED_OUT",
	"DUPLICATE", "CLEARED", NULL,
};

static char *sink_label(const struct carb_toml_value *t, size_t i,
			bool for_where)
{
	const struct carb_toml_value *name = carb_toml_table_get(t, "name");
	const char *s = NULL;

	if (name != NULL && carb_toml_type(name) == CARB_TOML_STRING)
		s = carb_toml_string(name, NULL);
	if (s != NULL && *s != '\0' && strlen(s) <= 64 &&
	    strspn(s, CARB_CFG_NAME_CHARS) == strlen(s))
		return for_where ? carb_xasprintf("[[events]] \"%s\"", s)
				 : carb_xasprintf("events \"%s\": ", s);
	return for_where ? carb_xasprintf("[[events]] #%zu", i + 1)
			 : carb_xasprintf("events #%zu: ", i + 1);
}

void carb_cfg_load_events(struct carb_cfg_ctx *ctx, struct carb_config *cfg,
			  const struct carb_toml_value *root)
{
	const struct carb_toml_value *arr = carb_toml_table_get(root, "events");
	size_t n;

	if (arr == NULL)
		return;
	if (carb_toml_type(arr) != CARB_TOML_ARRAY) {
		carb_cfg_type_error(ctx, "events", "array of tables ([[events]])",
				    arr);
		return;
	}
	n = carb_toml_array_count(arr);
	cfg->sinks = carb_xcalloc(n ? n : 1, sizeof(*cfg->sinks));
	for (size_t i = 0; i < n; i++) {
		const struct carb_toml_value *t = carb_toml_array_get(arr, i);
		struct carb_event_sink_config *s = &cfg->sinks[cfg->nsinks];
		char *prefix, *where;

		if (carb_toml_type(t) != CARB_TOML_TABLE) {
			char *label = carb_xasprintf("events[%zu]", i);

			carb_cfg_type_error(ctx, label, "table", t);
			free(label);
			continue;
		}
		cfg->nsinks++;
		prefix = sink_label(t, i, false);
		where = sink_label(t, i, true);
		carb_cfg_parse_section(ctx, &carb_cfg_events_section, t, prefix,
				       where, s);
		s->loc.table = carb_cfg_loc(ctx, t);
		free(prefix);
		free(where);
	}
}

void carb_cfg_check_event_url(struct carb_cfg_ctx *ctx, const char *label,
			      const void *field, const struct carb_toml_value *v)
{
	const char *url = *(const char *const *)field;

	if (url == NULL)
		return;
	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
		carb_cfg_error_at(ctx, v, "%s: \"%s\" is not an http:// or"
				  " https:// URL", label, url);
}

static bool is_final(const char *s)
{
	for (size_t i = 0; final_statuses[i] != NULL; i++)
		if (strcmp(final_statuses[i], s) == 0)
			return true;
	return false;
}

static void check_lists(struct carb_cfg_ctx *ctx, const struct carb_config *cfg,
			const struct carb_event_sink_config *s)
{
	for (size_t k = 0; k < s->statuses.count; k++) {
		if (is_final(s->statuses.items[k]))
			continue;
		carb_cfg_error(ctx, s->loc.statuses.line, s->loc.statuses.column,
			       "events \"%s\": statuses: \"%s\" is not a final"
			       " status (ARCHIVED, FAILED, INTEGRITY_FAILED,"
			       " NOT_SELECTED, TIMED_OUT, DUPLICATE, CLEARED)",
			       s->name, s->statuses.items[k]);
	}
	for (size_t k = 0; k < s->watches.count; k++) {
		if (carb_config_watch_find(cfg, s->watches.items[k]) != NULL)
			continue;
		carb_cfg_error(ctx, s->loc.watches.line, s->loc.watches.column,
			       "events \"%s\": watches: no watch is named \"%s\"",
			       s->name, s->watches.items[k]);
	}
}

void carb_cfg_check_events(struct carb_cfg_ctx *ctx,
			   const struct carb_config *cfg)
{
	for (size_t i = 0; i < cfg->nsinks; i++) {
		const struct carb_event_sink_config *s = &cfg->sinks[i];

		if (s->name == NULL)
			continue;
		for (size_t j = 0; j < i; j++)
			if (cfg->sinks[j].name != NULL &&
			    strcmp(cfg->sinks[j].name, s->name) == 0)
				carb_cfg_error(ctx, s->loc.name.line,
					       s->loc.name.column,
					       "events \"%s\": name: another"
					       " [[events]] table has that name",
					       s->name);
		/* A sink that pretended to deliver would lose every event. */
		if (s->kind == CARB_SINK_AMQP)
			carb_cfg_error(ctx, s->loc.kind.line, s->loc.kind.column,
				       "events \"%s\": kind: \"amqp\" is not"
				       " built yet; use \"webhook\"", s->name);
		if (s->kind == CARB_SINK_WEBHOOK && s->url == NULL)
			carb_cfg_error(ctx, s->loc.table.line,
				       s->loc.table.column,
				       "events \"%s\": a webhook needs url",
				       s->name);
		check_lists(ctx, cfg, s);
	}
}

void carb_cfg_free_events(struct carb_config *cfg)
{
	for (size_t i = 0; i < cfg->nsinks; i++)
		carb_cfg_release_section(&carb_cfg_events_section,
					 &cfg->sinks[i]);
	free(cfg->sinks);
	cfg->sinks = NULL;
	cfg->nsinks = 0;
}
