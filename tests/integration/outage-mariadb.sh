#!/bin/sh
# A running service and a real MariaDB server started for this file (tests/lib/mariadb.sh),
# stopped for a few seconds and started again: the service is back within
# seconds of the server, without hammering it meanwhile.  The cases of
# outage-cases.sh.
set -u
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/catalog.sh"
. "$top_srcdir/tests/integration/intake-cases.sh"
. "$top_srcdir/tests/integration/outage-cases.sh"
t_setup
catalog_start mariadb
outage_run_cases
t_done
