#!/bin/sh
# Both systemd units: the packagers' one that `make install` installs
# (contrib/carbonation.service.in, built as contrib/carbonation.service)
# and the per-project one `carbonation init --systemd` writes
# (scaffold/carbonation.service).  Each passes `systemd-analyze verify`
# with no output at all (it exits 0 on many problems, so any line is a
# failure) and scores at most 2.0 in `systemd-analyze security
# --offline=yes`.  PID 1 is no systemd in the test environment, so the
# units are checked, not run.
set -u
. "$top_srcdir/tests/lib/common.sh"
t_setup

if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "# systemd-analyze not found (contrib/deps.sh --tests installs systemd)"
	exit 77
fi
# Documentation=man:... is checked against the built pages.
MANPATH=$top_builddir/man
export MANPATH

# check_unit NAME FILE: FILE (named carbonation.service) passes both.
check_unit() {
	cd "$(dirname "$2")" || exit 1
	t_run systemd-analyze verify ./carbonation.service
	if [ "$t_status" -eq 0 ] && [ ! -s "$T/out" ] && [ ! -s "$T/err" ]; then
		t_pass "$1: systemd-analyze verify prints nothing"
	else
		t_fail "$1: systemd-analyze verify prints nothing"
	fi
	t_run systemd-analyze security --offline=yes ./carbonation.service
	score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' "$T/out")
	if [ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }'; then
		t_pass "$1: systemd-analyze security scores $score (at most 2.0)"
	else
		t_fail "$1: systemd-analyze security scores ${score:-nothing} (at most 2.0)"
	fi
	cd "$T" || exit 1
}

# The packagers' unit names the installed program, which is not there
# yet: the one built here stands in for it.
mkdir -p "$T/pkg"
sed "s|^ExecStart=[^ ]*|ExecStart=$CARB|" \
	"$top_builddir/contrib/carbonation.service" >"$T/pkg/carbonation.service"
t_run cat "$T/pkg/carbonation.service"
t_expect_out "Type=notify" "packagers' unit: Type=notify"
t_expect_out "WatchdogSec=" "packagers' unit: a watchdog"
t_expect_out "ExecReload=/bin/kill -HUP \$MAINPID" "packagers' unit: reload is SIGHUP"
t_expect_out "Restart=on-failure" "packagers' unit: Restart=on-failure"
t_expect_out "TimeoutStopSec=90s" "packagers' unit: TimeoutStopSec=90s"
t_expect_out "/carbonation/config.toml run" "packagers' unit: reads sysconfdir's carbonation/config.toml"
check_unit "packagers' unit" "$T/pkg/carbonation.service"

# TimeoutStopSec covers [service] shutdown_timeout's default with room.
t_run "$CARB" check config --keys
stop=$(sed -n 's/^ *shutdown_timeout .*default "\([0-9]*\)s".*/\1/p' "$T/out")
if [ -n "$stop" ] && [ "$stop" -lt 90 ]; then
	t_pass "TimeoutStopSec=90s covers shutdown_timeout's default (${stop}s)"
else
	t_fail "TimeoutStopSec=90s covers shutdown_timeout's default (${stop:-?}s)"
fi

# The per-project units: for the user running init, and for another.
t_run "$CARB" init "$T/proj" --systemd
t_expect_status 0 "init --systemd"
check_unit "init --systemd" "$T/proj/carbonation.service"
t_run "$CARB" init "$T/other" --systemd --user daemon
t_expect_status 0 "init --systemd --user daemon"
check_unit "init --systemd --user daemon" "$T/other/carbonation.service"

# systemd warns about User=nobody: init refuses it and says why.
t_run "$CARB" init "$T/nobody" --systemd --user nobody
t_expect_status 2 "init --systemd --user nobody is a usage error"
t_expect_err "create a user for it" "... that says what to do instead"
t_done
