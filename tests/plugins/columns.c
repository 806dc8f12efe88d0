/* A test plugin whose columns come from config.toml, so that a test adds
 * a column by editing a file (tests/integration/revision-cases.sh):
 *
 *   [plugins.columns]
 *   migrations = "plugin-migrations"     # beside config.toml
 *
 *   [plugins.columns.columns.depth]      # one table per column
 *   type = "real"                        # text, integer, real, boolean,
 *                                        # timestamp
 *   nullable = false                     # default true
 *   indexed = true                       # default false
 *
 * Besides those, one static column: station, text, NOT NULL, indexed.
 * Built against the public header only. */
#include <string.h>

#include <carbonation/plugin.h>

static const struct carb_plugin_column static_columns[] = {
	{ .name = "station", .type = CARB_PLUGIN_TEXT, .nullable = 0,
	  .indexed = 1, .filterable = 1, .doc = "where the file was made" },
	{ .name = NULL },
};

static const struct {
	const char *name;
	enum carb_plugin_type type;
} types[] = {
	{ "text", CARB_PLUGIN_TEXT },
	{ "integer", CARB_PLUGIN_INTEGER },
	{ "real", CARB_PLUGIN_REAL },
	{ "boolean", CARB_PLUGIN_BOOLEAN },
	{ "timestamp", CARB_PLUGIN_TIMESTAMP },
};

static int flag(const struct carb_plugin_host *host,
		const struct carb_plugin_config *t, const char *key, int dflt)
{
	const struct carb_plugin_config *v = host->config_get(t, key);

	return v != NULL ? host->config_boolean(v) : dflt;
}

static int declare(const struct carb_plugin_host *host,
		   struct carb_plugin_setup *setup, const char *name,
		   const struct carb_plugin_config *t)
{
	const struct carb_plugin_config *tv = host->config_get(t, "type");
	const char *type = tv != NULL ? host->config_string(tv) : NULL;
	struct carb_plugin_column c = { 0 };

	for (size_t i = 0; type != NULL && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(type, types[i].name) == 0)
			c.type = types[i].type;
	if (c.type == 0) {
		host->config_error(setup, tv != NULL ? tv : t,
				   "column \"%s\": type must be text, integer, real, boolean or timestamp",
				   name);
		return -1;
	}
	c.name = name;
	c.nullable = flag(host, t, "nullable", 1);
	c.indexed = flag(host, t, "indexed", 0);
	c.filterable = 1;
	return host->declare_column(setup, &c);
}

static int init(const struct carb_plugin_host *host,
		struct carb_plugin_setup *setup, void **state)
{
	const struct carb_plugin_config *cfg = host->config(setup);
	const struct carb_plugin_config *mig = host->config_get(cfg, "migrations");
	const struct carb_plugin_config *cols = host->config_get(cfg, "columns");

	*state = NULL;
	if (mig != NULL && host->config_string(mig) != NULL)
		host->set_migrations(setup, host->config_string(mig));
	for (size_t i = 0; cols != NULL && i < host->config_count(cols); i++) {
		const char *name = NULL;
		const struct carb_plugin_config *t = host->config_at(cols, i, &name);

		if (declare(host, setup, name, t) < 0)
			return -1;
	}
	return 0;
}

static const struct carb_plugin description = {
	.abi_version = CARB_PLUGIN_ABI_VERSION,
	.name = "columns",
	.version = "1.0.0",
	.description = "columns from config.toml, for db revision's tests",
	.columns = static_columns,
	.init = init,
};

__attribute__((visibility("default")))
const struct carb_plugin *carbonation_plugin_entry(void)
{
	return &description;
}
