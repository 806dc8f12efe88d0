#!/bin/sh
# An http destination sending to a second carbonation's upload endpoint,
# both on SQLite catalogs: the cases of http-transport-cases.sh.
set -u
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/catalog.sh"
. "$top_srcdir/tests/lib/http.sh"
. "$top_srcdir/tests/integration/intake-cases.sh"
. "$top_srcdir/tests/integration/http-transport-cases.sh"
t_setup
catalog_start sqlite
http_transport_run_cases
t_done
