#!/bin/sh
# `carbonation run` as systemd runs it (notify socket, watchdog, SIGHUP,
# SIGTERM) on a real mariadb server started for this file (tests/lib/mariadb.sh):
# the cases of service-cases.sh.
set -u
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/catalog.sh"
. "$top_srcdir/tests/integration/intake-cases.sh"
. "$top_srcdir/tests/integration/service-cases.sh"
t_setup
catalog_start mariadb
svc_run_cases
t_done
