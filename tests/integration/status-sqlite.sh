#!/bin/sh
# `carbonation status` and the heartbeat on an SQLite catalog: the cases of
# status-cases.sh.
set -u
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/catalog.sh"
. "$top_srcdir/tests/integration/intake-cases.sh"
. "$top_srcdir/tests/integration/archive-cases.sh"
. "$top_srcdir/tests/integration/status-cases.sh"
t_setup
catalog_start sqlite
status_run_cases
t_done
