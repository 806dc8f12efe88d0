# The service under a notify socket, as systemd runs it (sourced, POSIX
# sh).  service-sqlite.sh, service-postgresql.sh and service-mariadb.sh
# source it after tests/lib/catalog.sh and intake-cases.sh (whose service
# and polling helpers it uses), call catalog_start, then svc_run_cases.
#
# tests/notify-listener.py stands in for systemd: an AF_UNIX datagram
# socket named by NOTIFY_SOCKET, logging each field it receives with the
# time (monotonic ms).  WATCHDOG_USEC asks for the watchdog as
# WatchdogSec= does.  Where systemd would kill a service whose pings
# stopped, these cases do it themselves (svc_supervise), with SIGABRT, as
# systemd's WatchdogSignal does.
#
# Cases: READY=1 only after the first walk of every watch (its STATUS
# counts every file already there), EXTEND_TIMEOUT_USEC before it;
# STATUS= kept current; WATCHDOG=1 at half the interval, idle and busy;
# pings stop when a worker is stuck in a copy (CARB_TEST_HANG_AT, see
# docs/testing.md) and when the catalog server is stopped with SIGSTOP
# (PostgreSQL, MariaDB), and the next start archives everything; in
# thread isolation, a plugin call that never returns fails its group
# only, with a reason that says it hung (process isolation:
# plugin-cases.sh); SIGHUP: RELOADING=1 then READY=1, a valid change applied (and
# a change that needs a restart named), an invalid one refused with its
# position, the old rules kept; SIGTERM: STOPPING=1, the batch in flight
# finishes, exit 0, also while a plugin call hangs.
# shellcheck shell=sh

SVC_PLUGINS=$top_builddir/tests/plugins
SVC_PROBE_MIG=$top_srcdir/tests/plugins/migrations
# The watchdog interval asked for: pings every second.
SVC_WD_USEC=2000000

# svc_project NAME [EXTRA CONFIG]: a project with watch "in" (settle 0s)
# archiving to archive/, db init'ed; EXTRA goes at the end of config.toml.
svc_project() {
	P=$T/$1
	mkdir -p "$P/in" "$P/archive"
	db_create "$1"
	{
		db_section "$P"
		printf '\n[service]\nworkers = 2\n'
		printf '\n[archive]\nbase_path = "archive"\ndestination = "{watch}"\n'
		printf 'retry_delay = "1s"\n'
		printf '\n[[watch]]\nname = "in"\npath = "in"\nsettle = "0s"\nrecursive = true\n'
		printf '%s\n' "${2:-}"
	} >"$P/config.toml"
	: >"$P/rules.toml"
	t_run "$CARB" -c "$P/config.toml" db init
	t_expect_status 0 "$DB_DIALECT: $1: db init"
}

# svc_notify_start NAME [ENV...]: the listener, then the service with
# NOTIFY_SOCKET and WATCHDOG_USEC (and ENV, as VAR=VALUE) set.
svc_notify_start() {
	n=$1
	shift
	rm -f "$T/$n.sock"
	python3 "$top_srcdir/tests/notify-listener.py" "$T/$n.sock" "$T/$n.notify" &
	svc_pids="$svc_pids $!"
	eval "svc_listener_$n=$!"
	m=0
	while [ ! -S "$T/$n.sock" ] && [ "$m" -lt 100 ]; do
		m=$((m + 1))
		sleep 0.05
	done
	svc_start_env "$n" "NOTIFY_SOCKET=$T/$n.sock" \
		"WATCHDOG_USEC=$SVC_WD_USEC" "$@"
}

# svc_start_env NAME VAR=VALUE...: svc_start with more environment.
svc_start_env() {
	n=$1
	shift
	echo "# start the service of $n" >>"$T/$n.log"
	env "$@" "$CARB" -c "$T/$n/config.toml" run >>"$T/$n.log" 2>&1 &
	eval "svc_pid_$n=$!"
	svc_pids="$svc_pids $!"
}

svc_listener_stop() {
	eval "lp=\${svc_listener_$1:-}"
	if [ -n "$lp" ]; then
		kill -TERM "$lp" 2>/dev/null
		wait "$lp" 2>/dev/null
	fi
	eval "svc_listener_$1="
}

# svc_await NAME PATTERN [SECONDS]: until a notify line matches the
# extended regular expression PATTERN (after the time); true if one did.
svc_await() {
	m=0
	limit=$((${3:-30} * 20))
	while [ "$m" -lt "$limit" ]; do
		if grep -Eq "^[0-9]+ ($2)" "$T/$1.notify" 2>/dev/null; then
			return 0
		fi
		m=$((m + 1))
		sleep 0.05
	done
	return 1
}

# svc_count NAME PATTERN: notify lines matching.
svc_count() {
	grep -Ec "^[0-9]+ ($2)" "$T/$1.notify" 2>/dev/null || :
}

# svc_last_ping NAME: the time of the newest WATCHDOG=1, 0 when none.
svc_last_ping() {
	awk '$2 == "WATCHDOG=1" { t = $1 } END { print t + 0 }' "$T/$1.notify"
}

svc_now() {
	python3 -c 'import time; print(int(time.monotonic() * 1000))'
}

# svc_gaps NAME FROM TO: the longest time between two WATCHDOG=1 lines
# (and from FROM to the first, from the last to TO), in ms.
svc_gaps() {
	awk -v from="$2" -v to="$3" '
		$2 == "WATCHDOG=1" && $1 >= from && $1 <= to {
			if ($1 - prev > max) max = $1 - prev
			prev = $1
		}
		BEGIN { prev = from }
		END { if (to - prev > max) max = to - prev; print max + 0 }' \
		"$T/$1.notify"
}

# svc_pings_stop NAME WHAT: one case: no WATCHDOG=1 for three intervals
# (six seconds) after the moment it is called, the service still there.
svc_pings_stop() {
	start=$(svc_now)
	sleep 6.5
	last=$(svc_last_ping "$1")
	if [ "$last" -le "$((start + SVC_WD_USEC / 1000))" ]; then
		t_pass "$DB_DIALECT: $2: the watchdog pings stop"
	else
		i_fail "$DB_DIALECT: $2: the watchdog pings stop (one came $((last - start)) ms after the cause)" "$1"
	fi
}

# svc_abort NAME: what systemd does to a service whose pings stopped.
svc_abort() {
	pid=$(svc_pid "$1")
	kill -ABRT "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	eval "svc_pid_$1="
}

# --- readiness, status, the watchdog ---------------------------------------

svc_case_ready() {
	svc_project ready
	# A tree for the first walk; settle holds every file back, so the
	# status at READY=1 counts what the walk saw.
	sed -i 's/^settle = "0s"/settle = "1h"/' "$P/config.toml"
	for d in 0 1 2 3 4 5 6 7 8 9; do
		mkdir -p "$P/in/d$d"
		for f in 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19; do
			printf '%s\n' "$f" >"$P/in/d$d/f$f.dat"
		done
	done
	# Pings every 2 s: a turn on a loaded machine may take a second.
	SVC_WD_USEC=4000000
	svc_notify_start ready
	SVC_WD_USEC=2000000
	if svc_await ready 'READY=1' 60; then
		t_pass "$DB_DIALECT: READY=1 is sent"
	else
		i_fail "$DB_DIALECT: READY=1 is sent" ready
	fi
	if grep -q ' STATUS=1 watch, 200 settling' "$T/ready.notify"; then
		t_pass "$DB_DIALECT: ... after the first walk: its STATUS counts the 200 files already there"
	else
		i_fail "$DB_DIALECT: ... after the first walk: its STATUS counts the 200 files already there" ready
		sed 's/^/  notify | /' "$T/ready.notify"
	fi
	if awk '$2 ~ /^EXTEND_TIMEOUT_USEC=/ && !r { e = 1 } $2 == "READY=1" { r = 1 }
	     END { exit !(e && r) }' "$T/ready.notify"; then
		t_pass "$DB_DIALECT: EXTEND_TIMEOUT_USEC comes before READY=1"
	else
		i_fail "$DB_DIALECT: EXTEND_TIMEOUT_USEC comes before READY=1" ready
	fi
	if grep -q "^[0-9]* MAINPID=$(svc_pid ready)\$" "$T/ready.notify"; then
		t_pass "$DB_DIALECT: MAINPID is the service's pid"
	else
		i_fail "$DB_DIALECT: MAINPID is the service's pid" ready
	fi

	# Idle: pings at half of WATCHDOG_USEC, never a whole interval apart.
	from=$(svc_now)
	sleep 4
	to=$(svc_now)
	gap=$(svc_gaps ready "$from" "$to")
	if [ "$gap" -lt 4000 ]; then
		t_pass "$DB_DIALECT: idle, WATCHDOG=1 at least every 4000 ms, WATCHDOG_USEC (longest gap $gap ms)"
	else
		i_fail "$DB_DIALECT: idle, WATCHDOG=1 at least every 4000 ms, WATCHDOG_USEC (longest gap $gap ms)" ready
	fi
	n=$(awk -v from="$from" -v to="$to" '$2 == "WATCHDOG=1" && $1 >= from && $1 <= to' "$T/ready.notify" | wc -l)
	if [ "$n" -le 4 ]; then
		t_pass "$DB_DIALECT: ... at half of it, not much more often ($n pings in 4 s)"
	else
		t_fail "$DB_DIALECT: ... at half of it, not much more often ($n pings in 4 s)"
	fi

	# Busy: 400 files, settled at once, archived while pings go on.
	sed -i 's/^settle = "1h"/settle = "0s"/' "$P/config.toml"
	kill -HUP "$(svc_pid ready)"
	from=$(svc_now)
	mkdir -p "$T/ready-src"
	i=0
	while [ "$i" -lt 400 ]; do
		head -c 20000 /dev/urandom >"$T/ready-src/b$i.dat"
		i=$((i + 1))
	done
	mv "$T/ready-src" "$P/in/busy"
	wait_rows ready "SELECT COUNT(*) FROM components WHERE status = 'ARCHIVED'" 600 \
		"$DB_DIALECT: busy: the 600 files are archived" 120
	to=$(svc_now)
	gap=$(svc_gaps ready "$from" "$to")
	if [ "$gap" -lt 4000 ]; then
		t_pass "$DB_DIALECT: busy, WATCHDOG=1 at least every 4000 ms, WATCHDOG_USEC (longest gap $gap ms)"
	else
		i_fail "$DB_DIALECT: busy, WATCHDOG=1 at least every 4000 ms, WATCHDOG_USEC (longest gap $gap ms)" ready
	fi
	if svc_await ready 'STATUS=1 watch, 0 settling, 0 pending, 0 waiting, 0 archiving, 0 retrying, 0 failed, 600 archived; catalog ok$' 20; then
		t_pass "$DB_DIALECT: STATUS= is kept current (600 archived)"
	else
		i_fail "$DB_DIALECT: STATUS= is kept current (600 archived)" ready
		tail -n 5 "$T/ready.notify" | sed 's/^/  notify | /'
	fi
	svc_stop ready
	svc_listener_stop ready
}

# --- a wedged copy -----------------------------------------------------------

# A worker that never comes back from a copy (CARB_TEST_HANG_AT=
# batch-written: the thread blocks for good, as on a dead NFS server):
# the loop still turns, and still the pings stop once the batch is past
# its bound (max_job_time = 2s here).  Killed as systemd would, and
# started again without the fault, the service archives the file once.
svc_case_wedged_copy() {
	svc_project wedged
	sed -i 's/^workers = 2$/workers = 2\nmax_job_time = "2s"/' "$P/config.toml"
	svc_notify_start wedged CARB_TEST_HANG_AT=batch-written
	svc_await wedged 'READY=1' 30 || i_fail "$DB_DIALECT: wedged: READY=1" wedged
	printf 'wedged\n' >"$P/in/w.dat"
	wait_rows wedged "SELECT status FROM components" ARCHIVING \
		"$DB_DIALECT: wedged: the file is in a batch" 30
	n=0
	while ! grep -q 'no watchdog pings while it runs' "$T/wedged.log" &&
		[ "$n" -lt 200 ]; do
		n=$((n + 1))
		sleep 0.1
	done
	if grep -q 'archive batch of 1 file has run [0-9]* s (its bound: 2 s); no watchdog pings' "$T/wedged.log"; then
		t_pass "$DB_DIALECT: wedged: the log names the stuck batch and its bound"
	else
		i_fail "$DB_DIALECT: wedged: the log names the stuck batch and its bound" wedged
	fi
	svc_pings_stop wedged "a copy that never returns"
	svc_abort wedged
	svc_notify_start wedged
	wait_rows wedged "SELECT status FROM components" ARCHIVED \
		"$DB_DIALECT: wedged: restarted without the fault, the file is archived" 30
	if cmp -s "$P/in/w.dat" "$P/archive/in/w.dat"; then
		t_pass "$DB_DIALECT: wedged: ... whole"
	else
		t_fail "$DB_DIALECT: wedged: ... whole"
	fi
	svc_stop wedged
	svc_listener_stop wedged
}

# --- the catalog server stopped ------------------------------------------------

# svc_server_signal SIG: to every process of the catalog's server.
svc_server_signal() {
	case $DB_DIALECT in
	postgresql)
		for p in $PG_PID $(pgrep -P "$PG_PID"); do
			kill "-$1" "$p"
		done
		;;
	mariadb) kill "-$1" "$MY_PID" ;;
	esac
}

# The server stops answering mid-ingest (SIGSTOP: connections stay open,
# calls never return): the loop is stuck in a catalog call, so it sends
# no ping.  Killed, the server going on again, a new start archives
# everything delivered, once.
svc_case_server_stopped() {
	svc_project frozen
	svc_notify_start frozen
	svc_await frozen 'READY=1' 30 || i_fail "$DB_DIALECT: frozen: READY=1" frozen
	i=0
	while [ "$i" -lt 40 ]; do
		printf 'frozen %s\n' "$i" >"$P/in/f$i.dat"
		i=$((i + 1))
		[ "$i" -ne 20 ] || svc_server_signal STOP
		sleep 0.02
	done
	svc_pings_stop frozen "the catalog server stopped (SIGSTOP)"
	svc_abort frozen
	svc_server_signal CONT
	svc_notify_start frozen
	wait_rows frozen "SELECT status, COUNT(*) FROM components GROUP BY status" \
		"ARCHIVED|40" \
		"$DB_DIALECT: frozen: the server going on again, a new start archives all 40 files" 60
	n=$(find "$P/archive" -type f | wc -l)
	if [ "$n" -eq 40 ]; then
		t_pass "$DB_DIALECT: frozen: ... each once"
	else
		t_fail "$DB_DIALECT: frozen: ... each once ($n files in the archive)"
	fi
	svc_stop frozen
	svc_listener_stop frozen
}

# --- a plugin call that never returns -------------------------------------------

# svc_supervise NAME SECONDS DONE_SQL DONE_ROWS: systemd's part: starts
# the service, and while DONE_SQL's rows are not DONE_ROWS, kills it with
# SIGABRT when no ping came for an interval and starts it again; at most
# SECONDS.  $svc_restarts counts the restarts.
svc_supervise() {
	svc_restarts=0
	end=$(($(svc_now) + $2 * 1000))
	svc_notify_start "$1"
	while [ "$(svc_now)" -lt "$end" ]; do
		if [ "$(rows "$1" "$3")" = "$4" ]; then
			return 0
		fi
		now=$(svc_now)
		last=$(svc_last_ping "$1")
		started=$(awk '$2 == "LISTENING" { t = $1 } END { print t + 0 }' "$T/$1.notify")
		[ "$last" -ge "$started" ] || last=$started
		if [ $((now - last)) -gt $((SVC_WD_USEC / 1000)) ]; then
			svc_abort "$1"
			svc_listener_stop "$1"
			svc_restarts=$((svc_restarts + 1))
			svc_notify_start "$1"
		fi
		sleep 0.2
	done
	return 1
}

svc_case_hung_plugin() {
	svc_project hung "[plugins]
path = \"$SVC_PLUGINS/probe.so\"
isolation = \"thread\"
timeout = \"1s\"
max_crashes = 2

[plugins.probe]
migrations = \"$SVC_PROBE_MIG\""
	printf '[metadata]\nextract = "hang"\n' >"$P/rules.toml"
	sed -i 's/^workers = 2$/workers = 2\nshutdown_timeout = "5s"/' "$P/config.toml"
	for g in a b hang c d; do
		printf '%s\n' "$g" >"$P/in/$g.dat"
	done
	gsql="SELECT $(db_hex group_key), status FROM files ORDER BY 1"
	want=$(printf '%s|ARCHIVED\n%s|ARCHIVED\n%s|ARCHIVED\n%s|ARCHIVED\n%s|FAILED' \
		"$(hexof a)" "$(hexof b)" "$(hexof c)" "$(hexof d)" "$(hexof hang)" |
		LC_ALL=C sort)
	if svc_supervise hung 90 "$gsql" "$want"; then
		t_pass "$DB_DIALECT: hung plugin: the group whose call hangs is FAILED, every other ARCHIVED ($svc_restarts restarts by the watchdog)"
	else
		i_fail "$DB_DIALECT: hung plugin: the group whose call hangs is FAILED, every other ARCHIVED" hung
		rows hung "$gsql" | sed 's/^/  | /'
	fi
	expect_rows hung "SELECT reason FROM files WHERE status = 'FAILED'" \
		'plugin hung in metadata.extract hang (no return within 1s)' \
		"$DB_DIALECT: hung plugin: the reason says the call hung, and which"
	if grep -q 'plugin call metadata.extract hang has not returned within 1s: hung' "$T/hung.log"; then
		t_pass "$DB_DIALECT: hung plugin: the log says so while it hangs"
	else
		i_fail "$DB_DIALECT: hung plugin: the log says so while it hangs" hung
	fi

	# SIGTERM while a call hangs: the service stops all the same.
	printf 'hang again\n' >"$P/in/hang2.dat"
	n=0
	while [ "$(rows hung "SELECT COUNT(*) FROM files WHERE plugin_call IS NOT NULL")" != 1 ] &&
		[ "$n" -lt 100 ]; do
		n=$((n + 1))
		sleep 0.1
	done
	sleep 1.5
	pid=$(svc_pid hung)
	t0=$(svc_now)
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	t1=$(svc_now)
	eval "svc_pid_hung="
	if [ "$rc" -eq 0 ] && [ $((t1 - t0)) -lt 15000 ]; then
		t_pass "$DB_DIALECT: hung plugin: SIGTERM stops the service within shutdown_timeout (5s), exit 0 ($((t1 - t0)) ms)"
	else
		i_fail "$DB_DIALECT: hung plugin: SIGTERM stops the service, exit 0 (exit $rc after $((t1 - t0)) ms)" hung
	fi
	svc_listener_stop hung
}

# --- SIGHUP -------------------------------------------------------------------

svc_case_reload() {
	svc_project reload
	svc_notify_start reload
	svc_await reload 'READY=1' 30 || i_fail "$DB_DIALECT: reload: READY=1" reload
	printf 'before\n' >"$P/in/a.dat"
	wait_rows reload "SELECT status FROM components" ARCHIVED \
		"$DB_DIALECT: reload: a file is archived before" 30

	# Valid: a rule that rejects x*, a live key and a restart-only one.
	printf '[[selection.rule]]\nname = "no x"\naction = "reject"\nglob = ["x*"]\n' \
		>"$P/rules.toml"
	sed -i 's/^workers = 2$/workers = 3/; s/^retry_delay = "1s"$/retry_delay = "2s"/' \
		"$P/config.toml"
	readies=$(svc_count reload 'READY=1')
	kill -HUP "$(svc_pid reload)"
	if svc_await reload 'RELOADING=1' 20 && [ "$(svc_count reload 'MONOTONIC_USEC=[0-9]+$')" -ge 1 ]; then
		t_pass "$DB_DIALECT: reload: RELOADING=1 with MONOTONIC_USEC on SIGHUP"
	else
		i_fail "$DB_DIALECT: reload: RELOADING=1 with MONOTONIC_USEC on SIGHUP" reload
	fi
	n=0
	while [ "$(svc_count reload 'READY=1')" -le "$readies" ] && [ "$n" -lt 200 ]; do
		n=$((n + 1))
		sleep 0.1
	done
	if awk '$2 == "RELOADING=1" { r = NR } $2 == "READY=1" && r { ok = 1 } END { exit !ok }' \
		"$T/reload.notify"; then
		t_pass "$DB_DIALECT: reload: ... then READY=1"
	else
		i_fail "$DB_DIALECT: reload: ... then READY=1" reload
	fi
	if grep -q 'reload: archive.retry_delay applied' "$T/reload.log" &&
		grep -q 'reload: service.workers changed; it takes effect at the next restart' "$T/reload.log"; then
		t_pass "$DB_DIALECT: reload: a live key is applied, a restart-only one named"
	else
		i_fail "$DB_DIALECT: reload: a live key is applied, a restart-only one named" reload
	fi
	printf 'x\n' >"$P/in/x1.dat"
	printf 'y\n' >"$P/in/y1.dat"
	wait_rows reload "SELECT $(db_hex rel_path), status FROM components WHERE rel_path <> $(db_path a.dat) ORDER BY 1" \
		"$(hexof x1.dat)|NOT_SELECTED
$(hexof y1.dat)|ARCHIVED" \
		"$DB_DIALECT: reload: the new rule applies" 30

	# Invalid: nothing changes, the service goes on.
	printf '[[selection.rule]]\nname = "no y"\naction = "rejectt"\n' >"$P/rules.toml"
	readies=$(svc_count reload 'READY=1')
	kill -HUP "$(svc_pid reload)"
	n=0
	while [ "$(svc_count reload 'READY=1')" -le "$readies" ] && [ "$n" -lt 200 ]; do
		n=$((n + 1))
		sleep 0.1
	done
	if [ "$(svc_count reload 'READY=1')" -gt "$readies" ]; then
		t_pass "$DB_DIALECT: reload: an invalid file: READY=1 again"
	else
		i_fail "$DB_DIALECT: reload: an invalid file: READY=1 again" reload
	fi
	if grep -Eq 'error \[carbonation\] reload: .*rules.toml:3:10: .*rejectt' "$T/reload.log" &&
		grep -q 'the configuration and rules in force stay' "$T/reload.log"; then
		t_pass "$DB_DIALECT: reload: ... its error with file:line:column, the rules in force stay"
	else
		i_fail "$DB_DIALECT: reload: ... its error with file:line:column, the rules in force stay" reload
	fi
	printf 'x\n' >"$P/in/x2.dat"
	printf 'y\n' >"$P/in/y2.dat"
	wait_rows reload "SELECT $(db_hex rel_path), status FROM components WHERE rel_path IN ($(db_path x2.dat), $(db_path y2.dat)) ORDER BY 1" \
		"$(hexof x2.dat)|NOT_SELECTED
$(hexof y2.dat)|ARCHIVED" \
		"$DB_DIALECT: reload: ... the old rules still apply" 30
	svc_stop reload
	svc_listener_stop reload
}

# --- SIGTERM --------------------------------------------------------------------

# The service stops itself inside a batch (CARB_TEST_STOP_AT), SIGTERM
# comes, and it goes on: the batch finishes, its files are ARCHIVED, and
# the service exits 0 after STOPPING=1; the files not yet in a batch wait
# for the next start.
svc_case_stop() {
	svc_project stop
	sed -i 's/^workers = 2$/workers = 1/' "$P/config.toml"
	svc_notify_start stop CARB_TEST_STOP_AT=batch-written
	svc_await stop 'READY=1' 30 || i_fail "$DB_DIALECT: stop: READY=1" stop
	for i in 1 2 3 4 5 6; do
		head -c 300000 /dev/urandom >"$P/in/s$i.dat"
	done
	pid=$(svc_pid stop)
	n=0
	while [ "$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -c1)" != T ] &&
		[ "$n" -lt 300 ]; do
		n=$((n + 1))
		sleep 0.1
	done
	kill -TERM "$pid"
	kill -CONT "$pid"
	rc=0
	wait "$pid" || rc=$?
	eval "svc_pid_stop="
	if [ "$rc" -eq 0 ]; then
		t_pass "$DB_DIALECT: stop: SIGTERM with a batch in flight: exit 0"
	else
		i_fail "$DB_DIALECT: stop: SIGTERM with a batch in flight: exit 0 (exit $rc)" stop
	fi
	if svc_await stop 'STOPPING=1' 1; then
		t_pass "$DB_DIALECT: stop: STOPPING=1"
	else
		t_fail "$DB_DIALECT: stop: STOPPING=1"
	fi
	done_n=$(rows stop "SELECT COUNT(*) FROM components WHERE status = 'ARCHIVED'")
	files=$(find "$P/archive" -type f | wc -l)
	if [ "${done_n:-0}" -ge 1 ] && [ "$files" -eq "$done_n" ] &&
		! grep -q 'unfinished' "$T/stop.log"; then
		t_pass "$DB_DIALECT: stop: the batch in flight finished: its files archived and ARCHIVED ($done_n), no batch left unfinished"
	else
		i_fail "$DB_DIALECT: stop: the batch in flight finished: its files archived and ARCHIVED ($done_n rows, $files files)" stop
	fi
	svc_listener_stop stop
	svc_notify_start stop
	wait_rows stop "SELECT status, COUNT(*) FROM components GROUP BY status" \
		"ARCHIVED|6" "$DB_DIALECT: stop: the next start archives the rest" 30
	svc_stop stop
	svc_listener_stop stop
}

svc_run_cases() {
	t_cleanup svc_cleanup
	# no core files from the SIGABRTs (dash and bash know -c)
	# shellcheck disable=SC3045
	ulimit -c 0
	svc_case_ready
	svc_case_stop
	svc_case_reload
	svc_case_wedged_copy
	svc_case_hung_plugin
	if [ "$DB_DIALECT" != sqlite ]; then
		svc_case_server_stopped
	fi
}
