#!/bin/sh
# run --once against a catalog whose locks another process holds, on
# a real MariaDB server started for this file (row locks, past
# innodb_lock_wait_timeout): the cases of conflict-cases.sh.
set -u
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/catalog.sh"
. "$top_srcdir/tests/integration/intake-cases.sh"
. "$top_srcdir/tests/integration/archive-cases.sh"
. "$top_srcdir/tests/integration/conflict-cases.sh"
t_setup
catalog_start mariadb
conflict_run_cases
t_done
