/* Which backends this build has.  The only place that knows what
 * configure found (HAVE_POSTGRESQL, HAVE_MARIADB from autoconfig.h, which
 * every file includes), so the generic code never needs an #ifdef. */
#include <stddef.h>

#include "catalog/driver.h"

#ifdef HAVE_POSTGRESQL
#define PG_DRIVER (&carb_catalog_pg_driver)
#else
#define PG_DRIVER NULL
#endif

#ifdef HAVE_MARIADB
#define MARIADB_DRIVER (&carb_catalog_mariadb_driver)
#else
#define MARIADB_DRIVER NULL
#endif

static const struct {
	enum carb_db_kind kind;
	const char *name;
	const struct carb_driver *driver;
} backends[] = {
	{ CARB_DB_SQLITE, "sqlite", &carb_catalog_sqlite_driver },
	{ CARB_DB_POSTGRESQL, "postgresql", PG_DRIVER },
	{ CARB_DB_MARIADB, "mariadb", MARIADB_DRIVER },
};

#define NBACKENDS (sizeof(backends) / sizeof(backends[0]))

const struct carb_driver *carb_catalog_driver(enum carb_db_kind kind)
{
	for (size_t i = 0; i < NBACKENDS; i++)
		if (backends[i].kind == kind)
			return backends[i].driver;
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
	return carb_catalog_driver(kind) != NULL;
}
