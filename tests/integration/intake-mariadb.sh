#!/bin/sh
# `carbonation run` (intake: watching, settle, integrity, groups) on
# a real MariaDB server started for this file (tests/lib/mariadb.sh),
# read back with the mariadb client: the cases of intake-cases.sh.
set -u
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/catalog.sh"
. "$top_srcdir/tests/integration/intake-cases.sh"
t_setup
catalog_start mariadb
intake_run_cases
t_done
