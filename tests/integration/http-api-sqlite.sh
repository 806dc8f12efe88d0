#!/bin/sh
# The HTTP listener of `carbonation run` on an SQLite catalog: the cases of
# http-api-cases.sh.
set -u
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/catalog.sh"
. "$top_srcdir/tests/lib/http.sh"
. "$top_srcdir/tests/integration/intake-cases.sh"
. "$top_srcdir/tests/integration/archive-cases.sh"
. "$top_srcdir/tests/integration/http-api-cases.sh"
t_setup
catalog_start sqlite
http_api_run_cases
t_done
