#!/bin/sh
# `carbonation run` (intake: watching, settle, integrity, groups) on
# a real PostgreSQL server started for this file (tests/lib/pg.sh),
# read back with psql: the cases of intake-cases.sh.
set -u
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/catalog.sh"
. "$top_srcdir/tests/integration/intake-cases.sh"
t_setup
catalog_start postgresql
intake_run_cases
t_done
