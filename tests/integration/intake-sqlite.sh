#!/bin/sh
# `carbonation run` (intake: watching, settle, integrity, groups) on
# an SQLite catalog, read back with the sqlite3 client: the cases of intake-cases.sh.
set -u
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/catalog.sh"
. "$top_srcdir/tests/integration/intake-cases.sh"
t_setup
catalog_start sqlite
intake_run_cases
t_done
