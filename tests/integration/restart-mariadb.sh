#!/bin/sh
# A service killed a second after each start moves work forward every
# start and archives everything in the end, on a real MariaDB server started for this file (tests/lib/mariadb.sh):
# the cases of restart-cases.sh.
set -u
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/catalog.sh"
. "$top_srcdir/tests/integration/intake-cases.sh"
. "$top_srcdir/tests/integration/restart-cases.sh"
t_setup
catalog_start mariadb
restart_run_cases
t_done
