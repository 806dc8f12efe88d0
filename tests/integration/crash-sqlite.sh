#!/bin/sh
# `carbonation run` killed with SIGKILL again and again while it archives,
# on an SQLite catalog, read back with the sqlite3 client: the cases of crash-cases.sh.
set -u
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/catalog.sh"
. "$top_srcdir/tests/integration/intake-cases.sh"
. "$top_srcdir/tests/integration/crash-cases.sh"
t_setup
catalog_start sqlite
crash_run_cases
t_done
