#!/bin/sh
# A plugin's migration branch and `carbonation db revision` on a real PostgreSQL server started for this file (tests/lib/pg.sh):
# the first revision of a new plugin, --autogenerate and db upgrade, an
# added column, nothing to do, pending migrations refused
# (tests/integration/revision-cases.sh).
set -u
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/catalog.sh"
. "$top_srcdir/tests/integration/db-cases.sh"
. "$top_srcdir/tests/integration/revision-cases.sh"
t_setup
catalog_start postgresql
revision_run_cases
t_done
