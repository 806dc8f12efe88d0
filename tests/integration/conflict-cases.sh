# A lock conflict in the catalog (sourced, POSIX sh, not a test by
# itself).  conflict-sqlite.sh and conflict-mariadb.sh source
# tests/lib/common.sh, tests/lib/catalog.sh, intake-cases.sh and
# archive-cases.sh (for their helpers), then this file, call
# catalog_start, then conflict_run_cases.
#
# Another process holds the locks run --once needs for longer than the
# catalog lets a writer wait (SQLite's busy_timeout, MariaDB's
# innodb_lock_wait_timeout): the catalog refuses the transaction as it
# refuses one side of a deadlock between two writers.  run --once rolls
# the turn back, says so, takes it again, and archives every file once
# the lock is gone; held for good, it gives up after a bounded number of
# tries and exits 1 with every file still in place.  (A deadlock between
# two run --once on one MariaDB catalog once left a whole batch behind:
# poll-cases.sh.)
# shellcheck shell=sh

CONFLICT_FILES=5

# conflict_project NAME: watch "in" (settle 0s), a catalog made.
conflict_project() {
	P=$T/$1
	mkdir -p "$P/in" "$P/archive"
	db_create "$1"
	{
		db_section "$P"
		printf 'busy_timeout = "300ms"\n'
		printf '\n[archive]\nbase_path = "archive"\n'
		printf '\n[[watch]]\nname = "in"\npath = "in"\nsettle = "0s"\n'
	} >"$P/config.toml"
	t_run "$CARB" -c "$P/config.toml" db init
	t_expect_status 0 "$DB_DIALECT: $1: db init"
	i=1
	while [ "$i" -le "$CONFLICT_FILES" ]; do
		printf 'file %s\n' "$i" >"$P/in/f$i.dat"
		i=$((i + 1))
	done
}

# conflict_hold NAME SECONDS: another process holds the catalog's write
# locks for SECONDS; returns once they are held ("held" in NAME/hold.out).
conflict_hold() {
	case $DB_DIALECT in
	sqlite)
		python3 -c '
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
c.execute("BEGIN EXCLUSIVE")
print("held", flush=True)
time.sleep(float(sys.argv[2]))
c.execute("COMMIT")
' "$T/$1/$1.db" "$2" >"$T/$1/hold.out" 2>&1 &
		;;
	mariadb)
		# Every row and the gap past the last: no insert gets by.
		mariadb --no-defaults --socket="$MY_SOCKET" -uroot -N -B -n -e "
			START TRANSACTION;
			SELECT COUNT(*) FROM components FOR UPDATE;
			SELECT COUNT(*) FROM files FOR UPDATE;
			SELECT 'held';
			SELECT SLEEP($2);
			COMMIT" "$1" >"$T/$1/hold.out" 2>&1 &
		;;
	esac
	CONFLICT_HOLDER=$!
	i=0
	while ! grep -qx held "$T/$1/hold.out" && kill -0 "$CONFLICT_HOLDER" 2>/dev/null &&
		[ "$i" -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if grep -qx held "$T/$1/hold.out"; then
		t_pass "$DB_DIALECT: $1: another process holds the catalog's locks"
	else
		t_fail "$DB_DIALECT: $1: another process holds the catalog's locks"
		sed 's/^/  | /' "$T/$1/hold.out"
	fi
}

conflict_archived() {
	rows "$1" "SELECT COUNT(*) FROM components WHERE status = 'ARCHIVED'"
}

conflict_case_waits() {
	conflict_project cw
	conflict_hold cw 3
	t_run "$CARB" -c "$T/cw/config.toml" run --once
	t_expect_status 0 "$DB_DIALECT: cw: run --once under a held lock exits 0 once the lock is gone"
	t_expect_err "the turn was rolled back and is taken again" \
		"$DB_DIALECT: cw: ... saying the turn was rolled back and taken again"
	wait "$CONFLICT_HOLDER"
	a_eq "cw: ... and every file is archived" "$(conflict_archived cw)" "$CONFLICT_FILES"
	a_eq "cw: ... each once" \
		"$(find "$T/cw/archive" -type f -name 'f*.dat' | wc -l | tr -d ' ')" "$CONFLICT_FILES"
}

conflict_case_gives_up() {
	conflict_project cg
	conflict_hold cg 60
	t_run timeout 120 "$CARB" -c "$T/cg/config.toml" run --once
	t_expect_status 1 "$DB_DIALECT: cg: run --once under a lock held for good gives up: exit 1"
	t_expect_err "conflict 10)" "$DB_DIALECT: cg: ... after ten tries"
	kill "$CONFLICT_HOLDER" 2>/dev/null
	wait "$CONFLICT_HOLDER" 2>/dev/null
	a_eq "cg: ... with every delivered file in place" \
		"$(find "$T/cg/in" -type f -name 'f*.dat' | wc -l | tr -d ' ')" "$CONFLICT_FILES"
	t_run "$CARB" -c "$T/cg/config.toml" run --once
	t_expect_status 0 "$DB_DIALECT: cg: the next run --once, unhindered, exits 0"
	a_eq "cg: ... and archives every file" "$(conflict_archived cg)" "$CONFLICT_FILES"
}

conflict_run_cases() {
	LC_ALL=C
	export LC_ALL
	if [ "$DB_DIALECT" = mariadb ]; then
		# New sessions (the run's) wait 1 s for a row lock, not 50.
		mariadb_sql mysql "SET GLOBAL innodb_lock_wait_timeout = 1"
	fi
	conflict_case_waits
	if [ "$DB_DIALECT" = sqlite ]; then
		# Ten tries of 300 ms waits and the backoff: about 15 s.
		conflict_case_gives_up
	fi
}
