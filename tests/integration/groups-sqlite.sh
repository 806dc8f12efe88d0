#!/bin/sh
# Groups and checksums (members delivered together, a group delivered
# again, late sidecars, a group's checksum file) on
# an SQLite catalog, read back with the sqlite3 client:
# the cases of groups-cases.sh.
set -u
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/catalog.sh"
. "$top_srcdir/tests/integration/intake-cases.sh"
. "$top_srcdir/tests/integration/archive-cases.sh"
. "$top_srcdir/tests/integration/groups-cases.sh"
t_setup
catalog_start sqlite
groups_run_cases
t_done
