#!/bin/sh
# `carbonation poll` with two writers and a poller, killed or not, on
# a real PostgreSQL server started for this file (tests/lib/pg.sh): the cases of poll-cases.sh.
set -u
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/catalog.sh"
. "$top_srcdir/tests/integration/intake-cases.sh"
. "$top_srcdir/tests/integration/archive-cases.sh"
. "$top_srcdir/tests/integration/poll-cases.sh"
t_setup
catalog_start postgresql
poll_run_cases
t_done
