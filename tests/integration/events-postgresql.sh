#!/bin/sh
# The outbox of events and its webhook sink on a real PostgreSQL server started for this file (tests/lib/pg.sh): the
# cases of events-cases.sh.
set -u
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/catalog.sh"
. "$top_srcdir/tests/lib/http.sh"
. "$top_srcdir/tests/integration/intake-cases.sh"
. "$top_srcdir/tests/integration/archive-cases.sh"
. "$top_srcdir/tests/integration/filename-cases.sh"
. "$top_srcdir/tests/integration/events-cases.sh"
t_setup
catalog_start postgresql
events_run_cases
t_done
