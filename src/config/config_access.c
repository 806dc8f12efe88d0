/* Read access to a loaded snapshot. */
#include <stdio.h>
#include <string.h>

#include "config/config_internal.h"

const char *carb_config_path(const struct carb_config *cfg)
{
	return cfg->path;
}

const char *carb_config_display_path(const struct carb_config *cfg)
{
	return cfg->display;
}

const char *carb_config_dir(const struct carb_config *cfg)
{
	return cfg->dir;
}

const char *carb_config_rules_path(const struct carb_config *cfg)
{
	return cfg->rules.path;
}

const char *carb_config_database_url(const struct carb_config *cfg)
{
	return cfg->database.url;
}

const char *carb_config_database_password_file(const struct carb_config *cfg)
{
	return cfg->database.password_file;
}

int64_t carb_config_database_busy_timeout_ms(const struct carb_config *cfg)
{
	return cfg->database.busy_timeout_ms;
}

const struct carb_service_config *carb_config_service(
	const struct carb_config *cfg)
{
	return &cfg->service;
}

const struct carb_logging_config *carb_config_logging(
	const struct carb_config *cfg)
{
	return &cfg->logging;
}

const struct carb_database_config *carb_config_database(
	const struct carb_config *cfg)
{
	return &cfg->database;
}

const struct carb_http_config *carb_config_http(const struct carb_config *cfg)
{
	return &cfg->http;
}

const struct carb_plugins_config *carb_config_plugins(
	const struct carb_config *cfg)
{
	return &cfg->plugins;
}

bool carb_config_has_plugin(const struct carb_config *cfg)
{
	return cfg->plugins.loc.table.line > 0 || cfg->plugins.package != NULL ||
	       cfg->plugins.path != NULL;
}

const struct carb_toml_value *carb_config_plugin_table(
	const struct carb_config *cfg, const char *name)
{
	const struct carb_toml_value *t, *v;

	t = cfg->root ? carb_toml_table_get(cfg->root, "plugins") : NULL;
	if (t == NULL || carb_toml_type(t) != CARB_TOML_TABLE)
		return NULL;
	v = carb_toml_table_get(t, name);
	if (v == NULL || carb_toml_type(v) != CARB_TOML_TABLE)
		return NULL;
	return v;
}

size_t carb_config_watch_count(const struct carb_config *cfg)
{
	return cfg->nwatches;
}

const struct carb_watch_config *carb_config_watch(
	const struct carb_config *cfg, size_t i)
{
	return i < cfg->nwatches ? &cfg->watches[i] : NULL;
}

const struct carb_watch_config *carb_config_watch_find(
	const struct carb_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->nwatches; i++)
		if (cfg->watches[i].name != NULL &&
		    strcmp(cfg->watches[i].name, name) == 0)
			return &cfg->watches[i];
	return NULL;
}

const struct carb_archive_config *carb_config_archive(
	const struct carb_config *cfg)
{
	return &cfg->archive;
}

size_t carb_config_destination_count(const struct carb_config *cfg)
{
	return 1 + cfg->ndestinations;
}

const struct carb_destination_config *carb_config_destination(
	const struct carb_config *cfg, size_t i)
{
	if (i == 0)
		return &cfg->archive.default_destination;
	return i - 1 < cfg->ndestinations ? &cfg->destinations[i - 1] : NULL;
}

const struct carb_destination_config *carb_config_destination_find(
	const struct carb_config *cfg, const char *name)
{
	for (size_t i = 0; i < carb_config_destination_count(cfg); i++) {
		const struct carb_destination_config *d =
			carb_config_destination(cfg, i);

		if (strcmp(d->name, name) == 0)
			return d;
	}
	return NULL;
}

const struct carb_rules *carb_config_rules(const struct carb_config *cfg)
{
	return &cfg->rules;
}

char *carb_config_format_duration(int64_t ms, char *buf, size_t size)
{
	static const struct {
		const char *unit;
		int64_t ms;
	} units[] = {
		{ "d", 86400000 }, { "h", 3600000 }, { "m", 60000 },
		{ "s", 1000 }, { "ms", 1 },
	};
	size_t used = 0;

	buf[0] = '\0';
	if (ms <= 0) {
		snprintf(buf, size, "%s", ms == 0 ? "0s" : "-");
		return buf;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		int64_t n = ms / units[i].ms;
		int w;

		if (n == 0)
			continue;
		ms -= n * units[i].ms;
		w = snprintf(buf + used, size > used ? size - used : 0, "%lld%s",
			     (long long)n, units[i].unit);
		if (w < 0 || (size_t)w >= size - used)
			break;
		used += (size_t)w;
	}
	return buf;
}

size_t carb_config_event_sink_count(const struct carb_config *cfg)
{
	return cfg->nsinks;
}

const struct carb_event_sink_config *carb_config_event_sink(
	const struct carb_config *cfg, size_t i)
{
	return i < cfg->nsinks ? &cfg->sinks[i] : NULL;
}
