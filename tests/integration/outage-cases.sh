# The service and a database server that goes away (sourced, POSIX sh,
# not a test by itself).  outage-postgresql.sh and outage-mariadb.sh
# source it after tests/lib/catalog.sh and intake-cases.sh (whose service
# and polling helpers it uses), call catalog_start, then
# outage_run_cases.  SQLite has no server: catalog-pause.sh holds its
# write lock instead.
#
# The server is stopped under a running service (catalog_down: its
# process gone, connections refused), files are delivered, the service
# pauses; OUTAGE_PAUSE seconds later the server is started again on the
# same data (catalog_up returns once it takes connections).  The cases:
# every file delivered during the outage is ARCHIVED within
# OUTAGE_RESUME_MS of that moment (the service tries the catalog every
# second; a backoff that grew to a minute kept it idle for half of one),
# the log shows no storm of attempts while the server was down (at most
# two a second, counted from the debug line of each failed attempt), and
# the archived copies have the delivered bytes.
# shellcheck shell=sh

# Long enough that a doubling backoff (0.25, 0.5, 1, 2, 4, 8 s...) would
# next try well after the server is back.
OUTAGE_PAUSE=8
# Generous for a loaded 2-core machine under a sanitizer; the service
# itself aims at about a second.
OUTAGE_RESUME_MS=5000
OUTAGE_FILES=20

# outage_project NAME: watch "in" (settle 0s), debug log.
outage_project() {
	P=$T/$1
	mkdir -p "$P/in" "$P/archive"
	db_create "$1"
	{
		db_section "$P"
		printf '\n[logging]\nlevel = "debug"\n'
		printf '\n[service]\nworkers = 2\nheartbeat_interval = "1s"\n'
		printf '\n[archive]\nbase_path = "archive"\ndestination = "{watch}"\n'
		printf '\n[[watch]]\nname = "in"\npath = "in"\nsettle = "0s"\n'
	} >"$P/config.toml"
	: >"$P/rules.toml"
	t_run "$CARB" -c "$P/config.toml" db init
	t_expect_status 0 "$DB_DIALECT: $1: db init"
}

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# outage_wait_log NAME TEXT SECONDS: until the service log has TEXT.
outage_wait_log() {
	n=0
	while ! grep -qF -- "$2" "$T/$1.log"; do
		n=$((n + 1))
		[ "$n" -lt $(($3 * 20)) ] || return 1
		sleep 0.05
	done
}

# outage_archived NAME: ARCHIVED components, "" while the server is away.
outage_archived() {
	rows "$1" "SELECT COUNT(*) FROM components WHERE status = 'ARCHIVED'"
}

outage_case_server_down() {
	outage_project down
	svc_start down
	printf 'before the outage\n' >"$T/down/in/a.dat"
	wait_rows down "SELECT status FROM components" ARCHIVED \
		"$DB_DIALECT: down: a file is archived before the outage" 30
	catalog_down
	i=0
	while [ "$i" -lt "$OUTAGE_FILES" ]; do
		printf 'delivered during the outage %s\n' "$i" >"$T/down/in/b$i.dat"
		i=$((i + 1))
	done
	if outage_wait_log down 'every transition is paused' 30; then
		t_pass "$DB_DIALECT: down: the service pauses when the server is gone"
	else
		i_fail "$DB_DIALECT: down: the service pauses when the server is gone" down
	fi
	paused=$(now_ms)
	sleep "$OUTAGE_PAUSE"
	catalog_up
	up=$(now_ms)
	want=$((OUTAGE_FILES + 1))
	got=
	while [ "$(now_ms)" -lt $((up + 30000)) ]; do
		got=$(outage_archived down)
		[ "$got" != "$want" ] || break
		sleep 0.1
	done
	took=$(($(now_ms) - up))
	echo "# $DB_DIALECT: the outage's files ARCHIVED $took ms after the server took connections again"
	if [ "$got" = "$want" ] && [ "$took" -le "$OUTAGE_RESUME_MS" ]; then
		t_pass "$DB_DIALECT: down: the $OUTAGE_FILES files of the outage ARCHIVED within ${OUTAGE_RESUME_MS} ms of the server's return ($took ms)"
	else
		i_fail "$DB_DIALECT: down: the $OUTAGE_FILES files of the outage ARCHIVED within ${OUTAGE_RESUME_MS} ms of the server's return ($got of $want after $took ms)" down
	fi
	tries=$(grep -c 'catalog still unreachable' "$T/down.log")
	most=$((2 * (up - paused) / 1000 + 2))
	if [ "$tries" -ge 1 ] && [ "$tries" -le "$most" ]; then
		t_pass "$DB_DIALECT: down: $tries attempts in $(((up - paused) / 1000)) s of outage, no storm (at most $most)"
	else
		i_fail "$DB_DIALECT: down: $tries attempts in $(((up - paused) / 1000)) s of outage (1 to $most expected)" down
	fi
	if grep -q 'catalog reachable again; resuming' "$T/down.log"; then
		t_pass "$DB_DIALECT: down: the log says it resumed"
	else
		i_fail "$DB_DIALECT: down: the log says it resumed" down
	fi
	# The heartbeat has a connection of its own: it too comes back, or
	# status would call the service stale for ever.
	wait_rows down "SELECT COUNT(*) FROM service_status WHERE COALESCE(stopped_at, 0) = 0 AND last_heartbeat > $((up * 1000))" \
		1 "$DB_DIALECT: down: the heartbeat is renewed again after the outage" 15
	bad=0
	i=0
	while [ "$i" -lt "$OUTAGE_FILES" ]; do
		cmp -s "$T/down/in/b$i.dat" "$T/down/archive/in/b$i.dat" || bad=$((bad + 1))
		i=$((i + 1))
	done
	if [ "$bad" -eq 0 ]; then
		t_pass "$DB_DIALECT: down: every archived copy has its file's bytes"
	else
		t_fail "$DB_DIALECT: down: every archived copy has its file's bytes ($bad differ or are missing)"
	fi
	svc_stop down
}

outage_run_cases() {
	t_cleanup svc_cleanup
	outage_case_server_down
}
