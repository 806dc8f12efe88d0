#!/bin/sh
# `carbonation retry` and `carbonation reconcile delivery|archive` on
# an SQLite catalog, read back with the sqlite3 client: the cases of reconcile-cases.sh.
set -u
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/catalog.sh"
. "$top_srcdir/tests/integration/reconcile-cases.sh"
t_setup
catalog_start sqlite
reconcile_run_cases
t_done
