# The cases of `carbonation status` every backend must pass (sourced,
# POSIX sh, not a test by itself).  status-sqlite.sh, status-postgresql.sh
# and status-mariadb.sh source tests/lib/common.sh, tests/lib/catalog.sh,
# intake-cases.sh and archive-cases.sh (for a_project and the helpers),
# then this file, call catalog_start for their backend, then
# status_run_cases.
#
# An empty catalog (healthy, nothing has run), a live service (its
# heartbeat row), the same service stopped (exit 1), a stale heartbeat
# another host left (exit 1), a watch folder gone (exit 1); the JSON
# form parsed by Python's json module each time.
# shellcheck shell=sh

# st_json WHAT EXPR: one case: the last run's stdout is JSON and the
# Python expression EXPR over it (as j) is true.
st_json() {
	if python3 -c "import json, sys; j = json.load(open(sys.argv[1])); sys.exit(0 if ($2) else 1)" "$T/out" 2>/dev/null; then
		t_pass "$DB_DIALECT: status --format json: $1"
	else
		t_fail "$DB_DIALECT: status --format json: $1"
	fi
}

status_run_cases() {
	t_cleanup svc_cleanup
	# read by a_config (archive-cases.sh)
	# shellcheck disable=SC2034
	ARCH_SETTLE=0s
	a_project stat
	P=$T/stat
	t_run "$CARB" -c "$P/config.toml" status
	t_expect_status 0 "$DB_DIALECT: status on an empty catalog is healthy"
	t_expect_out "none has run against this catalog" "$DB_DIALECT: ... and says no service has run"
	t_run "$CARB" -c "$P/config.toml" status --format json
	t_expect_status 0 "$DB_DIALECT: status --format json on an empty catalog"
	st_json "no instance, healthy" 'j["instances"] == [] and j["healthy"] is True and j["failed"] == 0'

	printf 'data\n' >"$P/in/a.dat"
	"$CARB" -c "$P/config.toml" run >"$T/stat-run.log" 2>&1 &
	spid=$!
	i=0
	while [ "$i" -lt 100 ]; do
		[ "$(rows stat "SELECT COUNT(*) FROM components WHERE status = 'ARCHIVED'")" = 1 ] &&
			[ "$(rows stat "SELECT COUNT(*) FROM service_status")" = 1 ] && break
		sleep 0.1
		i=$((i + 1))
	done
	t_run "$CARB" -c "$P/config.toml" status
	t_expect_status 0 "$DB_DIALECT: status against a live service is healthy"
	t_expect_out "pid $spid" "$DB_DIALECT: ... and shows its heartbeat row (host, pid)"
	t_run "$CARB" -c "$P/config.toml" status --format json
	st_json "the live instance, its watch, the archived file" \
		"len(j['instances']) == 1 and j['instances'][0]['pid'] == $spid and not j['instances'][0]['stopped'] and j['archived'][0]['files'] == 1 and j['components']['1h']['ARCHIVED'] == 1 and j['watches'][0]['ok']"
	st_json "the live service's watch: its mode and its last walk (the first walk's end renews the heartbeat)" \
		"j['watches'][0]['mode'] == 'inotify' and j['watches'][0]['last_walk_at'] is not None"
	kill -TERM "$spid"
	wait "$spid"
	t_run "$CARB" -c "$P/config.toml" status
	t_expect_status 1 "$DB_DIALECT: status after the service stopped exits 1 (degraded)"
	t_expect_out "WARNING: stopped" "$DB_DIALECT: ... and says it stopped"

	# Another host's instance whose heartbeat is ten minutes old.
	old=$(($(now_us) - 600000000))
	t_run db_query stat "INSERT INTO service_status (host, pid, version, started_at, last_heartbeat, name, heartbeat_interval, files_seen, files_archived, files_failed) VALUES ('elsewhere', 7, '0.1.0', $old, $old, 'other', 30000000, 0, 0, 0)"
	t_run "$CARB" -c "$P/config.toml" status --format json
	t_expect_status 1 "$DB_DIALECT: a stale heartbeat (older than twice its interval) exits 1"
	st_json "the stale instance is marked stale" \
		"[i['stale'] for i in j['instances'] if i['host'] == 'elsewhere'] == [True] and j['healthy'] is False"

	t_run db_query stat "DELETE FROM service_status"
	rmdir "$P/in" 2>/dev/null || rm -rf "$P/in"
	# A watch folder gone is what an operator asks status about: it says
	# so and exits 1 (degraded), not 2 as a config error would.
	t_run "$CARB" -c "$P/config.toml" status
	t_expect_status 1 "$DB_DIALECT: a watch folder gone: status exits 1 (degraded)"
	t_expect_out "WARNING: missing or unreadable" "$DB_DIALECT: ... and names it"
	t_run "$CARB" -c "$P/config.toml" status --format json
	t_expect_status 1 "$DB_DIALECT: ... also with --format json"
	st_json "the missing watch is not ok in JSON" "j['healthy'] is False"
	t_run "$CARB" -c "$P/config.toml" status --bogus
	t_expect_status 2 "$DB_DIALECT: an unknown option is a usage error"
}
