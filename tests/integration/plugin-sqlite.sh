#!/bin/sh
# Plugins (loading and its errors, columns, selection, routing, templates,
# failing, concurrent and crashing calls) on an SQLite catalog, read back
# with the sqlite3 client: the cases of plugin-cases.sh.
set -u
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/catalog.sh"
. "$top_srcdir/tests/integration/intake-cases.sh"
. "$top_srcdir/tests/integration/archive-cases.sh"
. "$top_srcdir/tests/integration/plugin-cases.sh"
t_setup
catalog_start sqlite
plugin_run_cases
t_done
