#!/bin/sh
# A delivered file swapped for a symlink or another file just before it
# is moved or linked into the archive (issue 13, defect 1), on
# a real PostgreSQL server started for this file
# (tests/lib/pg.sh): the cases of swap-cases.sh.
set -u
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/catalog.sh"
. "$top_srcdir/tests/integration/intake-cases.sh"
. "$top_srcdir/tests/integration/archive-cases.sh"
. "$top_srcdir/tests/integration/swap-cases.sh"
t_setup
catalog_start postgresql
swap_run_cases
t_done
