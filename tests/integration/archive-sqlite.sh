#!/bin/sh
# `carbonation run` archiving (selection, routing, copy/move/hardlink/
# symlink, conflicts, duplicates, retries, a full destination, rules
# reload, dry runs, locks) on an SQLite catalog, read back with the
# sqlite3 client: the cases of archive-cases.sh.
set -u
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/catalog.sh"
. "$top_srcdir/tests/integration/intake-cases.sh"
. "$top_srcdir/tests/integration/archive-cases.sh"
t_setup
catalog_start sqlite
archive_run_cases
t_done
