/* What several commands share: loading the config with its problems
 * printed, opening the catalog it names, checking its schema, the
 * migration roots, and naming a watch. */
#include <stdio.h>
#include <stdlib.h>

#include "catalog/catalog.h"
#include "cli/cli.h"
#include "config/config.h"
#include "plugin/plugin.h"
#include "util/util.h"

void carb_cli_print_diags(const struct carb_diags *diags)
{
	for (size_t i = 0; i < diags->count; i++) {
		char *line = carb_diag_format(&diags->items[i]);

		if (diags->items[i].line > 0)
			fprintf(stderr, "%s\n", line);
		else
			carb_cli_errorf("%s", line);
		free(line);
	}
}

int carb_cli_load_config(struct carb_cli *cli, struct carb_config **cfg)
{
	struct carb_diags diags;
	int rc;

	carb_diags_init(&diags);
	rc = carb_config_load(cli->config_path, cfg, &diags);
	carb_cli_print_diags(&diags);
	carb_diags_release(&diags);
	return rc;
}

int carb_cli_load_plugin(const struct carb_config *cfg,
			 struct carb_plugin_rt **plugin)
{
	struct carb_diags diags;
	int rc;

	carb_diags_init(&diags);
	rc = carb_plugin_load(cfg, plugin, &diags);
	carb_cli_print_diags(&diags);
	carb_diags_release(&diags);
	return rc;
}

int carb_cli_connect(const struct carb_config *cfg, bool create,
		     struct carb_catalog **cat)
{
	struct carb_catalog_options opts = { 0 };
	struct carb_error err = { 0 };

	opts.url = carb_config_database_url(cfg);
	opts.base_dir = carb_config_dir(cfg);
	opts.password_file = carb_config_database_password_file(cfg);
	opts.busy_timeout_ms = carb_config_database_busy_timeout_ms(cfg);
	opts.create = create;
	if (carb_catalog_open(&opts, cat, &err) < 0) {
		carb_cli_errorf("%s", err.msg);
		return CARB_EXIT_FAIL;
	}
	return -1;
}

/* Loads the config and opens its catalog.  Returns -1 on success (both
 * set, caller frees), else the exit status with nothing left open. */
int carb_cli_open_catalog(struct carb_cli *cli, bool create,
			struct carb_config **cfg, struct carb_catalog **cat)
{
	int rc;

	if (carb_cli_load_config(cli, cfg) != 0)
		return CARB_EXIT_USAGE;
	rc = carb_cli_connect(*cfg, create, cat);
	if (rc >= 0)
		carb_config_free(cfg);
	return rc;
}

int carb_cli_check_watch(const struct carb_config *cfg, const char *cmd,
			 const char *name)
{
	size_t n = carb_config_watch_count(cfg);
	const char **names = carb_xcalloc(n + 1, sizeof(*names));
	const char *hint;
	struct carb_buf list;

	if (name == NULL || carb_config_watch_find(cfg, name) != NULL) {
		free(names);
		return -1;
	}
	carb_buf_init(&list);
	for (size_t i = 0; i < n; i++) {
		names[i] = carb_config_watch(cfg, i)->name;
		carb_buf_addf(&list, "%s\"%s\"", i ? ", " : "", names[i]);
	}
	hint = carb_suggest(name, names, n);
	if (hint != NULL)
		carb_cli_errorf("%s: unknown watch \"%s\" (did you mean \"%s\"?);"
				" watches: %s", cmd, name, hint, list.data);
	else
		carb_cli_errorf("%s: unknown watch \"%s\"; watches: %s", cmd,
				name, n ? list.data : "none");
	carb_buf_release(&list);
	free(names);
	return CARB_EXIT_USAGE;
}

int carb_cli_require_schema(struct carb_catalog *cat,
			    const struct carb_plugin_rt *plugin, const char *cmd)
{
	struct carb_migration_root roots[CARB_CLI_MAX_ROOTS];
	struct carb_migration_status st = { 0 };
	struct carb_error err = { 0 };
	size_t nroots, behind = 0;
	char *dir = NULL;
	int rc = 0;

	nroots = carb_cli_migration_roots(plugin, roots, &dir);
	if (carb_migrations_status(cat, roots, nroots, &st, &err) < 0) {
		carb_cli_errorf("%s", err.msg);
		rc = -1;
	} else {
		for (size_t i = 0; i < st.nbranches; i++)
			behind += st.branches[i].pending + st.branches[i].changed;
		if (behind > 0) {
			carb_cli_errorf("%s: the catalog %s is not up to date"
					" (%zu migration%s pending or changed);"
					" run carbonation db init or db upgrade",
					cmd, carb_catalog_url(cat), behind,
					behind == 1 ? "" : "s");
			rc = -1;
		}
	}
	carb_migration_status_release(&st);
	free(dir);
	return rc;
}

/* The shipped core branch, then the plugin's: the plugin's columns live
 * on core's files table, so its migrations run after core's. */
size_t carb_cli_migration_roots(const struct carb_plugin_rt *p,
				struct carb_migration_root *roots, char **dir)
{
	*dir = carb_xasprintf("%s/migrations", carb_data_dir());
	roots[0].branch = "core";
	roots[0].dir = *dir;
	roots[0].optional = false;
	if (p == NULL)
		return 1;
	roots[1].branch = carb_plugin_name(p);
	roots[1].dir = carb_plugin_migrations(p);
	roots[1].optional = true;
	return 2;
}

