#!/bin/sh
# The shipped filename plugin (columns from a pattern on file names,
# selection and routing on them, names that try to leave base_path,
# configuration errors) on an SQLite catalog, read back with the sqlite3 client: the cases of filename-cases.sh.
set -u
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/catalog.sh"
. "$top_srcdir/tests/integration/intake-cases.sh"
. "$top_srcdir/tests/integration/archive-cases.sh"
. "$top_srcdir/tests/integration/filename-cases.sh"
t_setup
catalog_start sqlite
filename_run_cases
t_done
