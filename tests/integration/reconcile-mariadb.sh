#!/bin/sh
# `carbonation retry` and `carbonation reconcile delivery|archive` on
# a real MariaDB server started for this file (tests/lib/mariadb.sh),
# read back with the mariadb client: the cases of reconcile-cases.sh.
set -u
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/catalog.sh"
. "$top_srcdir/tests/integration/reconcile-cases.sh"
t_setup
catalog_start mariadb
reconcile_run_cases
t_done
