#!/bin/sh
# `carbonation query files|components` on an SQLite catalog: the cases of query-cases.sh.
set -u
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/catalog.sh"
. "$top_srcdir/tests/integration/intake-cases.sh"
. "$top_srcdir/tests/integration/archive-cases.sh"
. "$top_srcdir/tests/integration/filename-cases.sh"
. "$top_srcdir/tests/integration/query-cases.sh"
t_setup
catalog_start sqlite
query_run_cases
t_done
