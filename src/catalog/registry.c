/* Which backends this build has, and where each one's driver is.  The
 * only place that knows what configure found (HAVE_POSTGRESQL,
 * HAVE_MARIADB from autoconfig.h, which every file includes), so the
 * generic code never needs an #ifdef.
 *
 * SQLite is linked in.  The server backends are modules
 * (modules/postgresql.so, modules/mariadb.so), loaded when a URL names
 * them: libpq and the MariaDB connector bring about forty libraries whose
 * loading would otherwise be paid by every command, SQLite's included. */
#include <stddef.h>

#include "catalog/driver.h"

#ifdef HAVE_POSTGRESQL
#define BUILT_PG true
#else
#define BUILT_PG false
#endif

#ifdef HAVE_MARIADB
#define BUILT_MARIADB true
#else
#define BUILT_MARIADB false
#endif

static const struct {
	enum carb_db_kind kind;
	const char *name;
	bool built;               /* configure found its client library */
	const char *module;       /* NULL: linked into the program */
	const char *symbol;       /* the driver table in the module */
} backends[] = {
	{ CARB_DB_SQLITE, "sqlite", true, NULL, NULL },
	{ CARB_DB_POSTGRESQL, "postgresql", BUILT_PG, "postgresql",
	  "carb_catalog_pg_driver" },
	{ CARB_DB_MARIADB, "mariadb", BUILT_MARIADB, "mariadb",
	  "carb_catalog_mariadb_driver" },
};

#define NBACKENDS (sizeof(backends) / sizeof(backends[0]))

const struct carb_driver *carb_catalog_driver(enum carb_db_kind kind,
					      struct carb_error *err)
{
	const void *drv;

	for (size_t i = 0; i < NBACKENDS; i++) {
		if (backends[i].kind != kind)
			continue;
		if (!backends[i].built)
			break;
		if (backends[i].module == NULL)
			return &carb_catalog_sqlite_driver;
		if (carb_module_symbol(backends[i].module, backends[i].symbol,
				       &drv, err) < 0)
			return NULL;
		return drv;
	}
	carb_error_set(err, "carbonation was built without the %s backend",
		       carb_db_kind_name(kind));
	return NULL;
}

const char *carb_db_kind_name(enum carb_db_kind kind)
{
	for (size_t i = 0; i < NBACKENDS; i++)
		if (backends[i].kind == kind)
			return backends[i].name;
	return "unknown";
}

bool carb_db_backend_available(enum carb_db_kind kind)
{
	for (size_t i = 0; i < NBACKENDS; i++)
		if (backends[i].kind == kind)
			return backends[i].built;
	return false;
}
