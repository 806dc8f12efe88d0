#!/bin/sh
# Plugins (loading and its errors, columns, selection, routing, templates,
# failing, concurrent and crashing calls) on a real MariaDB server started for this file, read
# back with its own client: the cases of plugin-cases.sh.
set -u
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/catalog.sh"
. "$top_srcdir/tests/integration/intake-cases.sh"
. "$top_srcdir/tests/integration/archive-cases.sh"
. "$top_srcdir/tests/integration/plugin-cases.sh"
t_setup
catalog_start mariadb
plugin_run_cases
t_done
