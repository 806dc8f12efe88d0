/* What several commands share: loading the config with its problems
 * printed, opening the catalog it names, and the migration roots. */
#include <stdio.h>
#include <stdlib.h>

#include "catalog/catalog.h"
#include "cli/cli.h"
#include "config/config.h"
#include "util/util.h"

int carb_cli_load_config(struct carb_cli *cli, struct carb_config **cfg)
{
	struct carb_diags diags;
	int rc;

	carb_diags_init(&diags);
	rc = carb_config_load(cli->config_path, cfg, &diags);
	for (size_t i = 0; i < diags.count; i++) {
		char *line = carb_diag_format(&diags.items[i]);

		if (diags.items[i].line > 0)
			fprintf(stderr, "%s\n", line);
		else
			carb_cli_errorf("%s", line);
		free(line);
	}
	carb_diags_release(&diags);
	return rc;
}

/* Loads the config and opens its catalog.  Returns -1 on success (both
 * set, caller frees), else the exit status with nothing left open. */
int carb_cli_open_catalog(struct carb_cli *cli, bool create,
			struct carb_config **cfg, struct carb_catalog **cat)
{
	struct carb_catalog_options opts = { 0 };
	struct carb_error err = { 0 };

	if (carb_cli_load_config(cli, cfg) != 0)
		return CARB_EXIT_USAGE;
	opts.url = carb_config_database_url(*cfg);
	opts.base_dir = carb_config_dir(*cfg);
	opts.password_file = carb_config_database_password_file(*cfg);
	opts.busy_timeout_ms = carb_config_database_busy_timeout_ms(*cfg);
	opts.create = create;
	if (carb_catalog_open(&opts, cat, &err) < 0) {
		carb_cli_errorf("%s", err.msg);
		carb_config_free(cfg);
		return CARB_EXIT_FAIL;
	}
	return -1;
}

/* The shipped core branch; plugins will add their roots after it. */
size_t carb_cli_migration_roots(struct carb_migration_root *roots, char **dir)
{
	*dir = carb_xasprintf("%s/migrations", carb_data_dir());
	roots[0].branch = "core";
	roots[0].dir = *dir;
	return 1;
}

