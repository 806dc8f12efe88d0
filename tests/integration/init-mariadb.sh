#!/bin/sh
# The round trip of `carbonation init` (init-cases.sh) on a real MariaDB
# server started for this file (tests/lib/mariadb.sh).
set -u
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/catalog.sh"
. "$top_srcdir/tests/integration/init-cases.sh"
t_setup
# The scaffold plugin builds against this tree (carbonation-uninstalled.pc).
PKG_CONFIG_PATH=$top_builddir
export PKG_CONFIG_PATH
catalog_start mariadb
init_run_cases
t_done
