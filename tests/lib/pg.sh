# A throw-away PostgreSQL server for one test file (sourced, POSIX sh).
#
#   . "$top_srcdir/tests/lib/common.sh"    # first: t_setup, t_cleanup
#   . "$top_srcdir/tests/lib/pg.sh"
#   t_setup
#   pg_start                  # initdb + start on a unix socket; stopped at exit
#   pg_createdb NAME          # a database owned by role $PG_USER
#   pg_url NAME               # postgresql://carb@%2F.../NAME (no password)
#   pg_sql NAME "SQL"         # runs SQL as the superuser; rows on stdout
#   pg_down / pg_up           # an outage: the server stopped (its postmaster
#                             # gone), then started again on the same data,
#                             # socket and port; pg_up returns once it takes
#                             # connections
#
# The server listens only on a socket in its own mktemp -d folder, runs as
# the postgres user (initdb refuses root), and is stopped -- and its
# postmaster waited for -- by an exit trap, whether the test passes or
# fails.  Role $PG_USER logs in with password $PG_PASSWORD (scram); the
# superuser postgres is trusted on the socket, for the fixtures only.
# A missing server is a failure, not a skip: CI installs PostgreSQL.
# shellcheck shell=sh

PG_USER=carb
PG_PASSWORD='pg-S3cret-pw'
PG_PORT=5432
PG_BASE=
PG_PID=

pg_die() {
	echo "pg.sh: $*" >&2
	if [ -n "$PG_BASE" ] && [ -f "$PG_BASE/log" ]; then
		sed 's/^/  pg log | /' "$PG_BASE/log" >&2
	fi
	exit 1
}

pg_find_bindir() {
	PG_BIN=
	if command -v pg_config >/dev/null 2>&1; then
		PG_BIN=$(pg_config --bindir)
	fi
	if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
		for d in /usr/lib/postgresql/*/bin; do
			[ -x "$d/initdb" ] && PG_BIN=$d
		done
	fi
	if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ] || [ ! -x "$PG_BIN/pg_ctl" ]; then
		echo "FAIL: PostgreSQL server binaries (initdb, pg_ctl) not found;" \
			"install the postgresql package" >&2
		exit 1
	fi
	if [ ! -x /usr/sbin/runuser ] || ! id postgres >/dev/null 2>&1; then
		echo "FAIL: need /usr/sbin/runuser and a postgres user to run the server" >&2
		exit 1
	fi
}

pg_as_postgres() {
	/usr/sbin/runuser -u postgres -- "$@"
}

# True while PID runs.  A zombie counts as gone: its parent may be PID 1,
# which may be slow to reap it in a container.
pg_alive() {
	kill -0 "$1" 2>/dev/null || return 1
	case $(ps -o stat= -p "$1" 2>/dev/null) in
	Z*) return 1 ;;
	esac
	return 0
}

# Stops the server and waits for its postmaster; the data stays.
pg_down() {
	[ -n "$PG_PID" ] || return 0
	pg_as_postgres "$PG_BIN/pg_ctl" -D "$PG_BASE/data" -m fast -w \
		stop >/dev/null 2>&1 || kill -TERM "$PG_PID" 2>/dev/null
	# pg_ctl returns slightly before the postmaster is gone.
	n=0
	while pg_alive "$PG_PID"; do
		n=$((n + 1))
		if [ "$n" -gt 200 ]; then
			kill -KILL "$PG_PID" 2>/dev/null
			break
		fi
		sleep 0.05
	done
	PG_PID=
}

# Starts the server on its data folder (socket only); back when it takes
# connections (pg_ctl -w).
pg_up() {
	pg_as_postgres "$PG_BIN/pg_ctl" -D "$PG_BASE/data" -l "$PG_BASE/log" -w \
		-o "-k $PG_SOCKDIR -p $PG_PORT -c listen_addresses='' -c fsync=off" \
		start >/dev/null 2>&1 || pg_die "the server did not start"
	PG_PID=$(head -n 1 "$PG_BASE/data/postmaster.pid")
}

pg_stop() {
	[ -n "$PG_BASE" ] || return 0
	pg_down
	rm -rf "$PG_BASE"
	PG_BASE=
	PG_PID=
}

pg_start() {
	pg_find_bindir
	PG_BASE=$(mktemp -d "${TMPDIR:-/tmp}/carb-pg.XXXXXX") ||
		pg_die "cannot make a temporary folder"
	t_cleanup pg_stop
	chown postgres "$PG_BASE" || pg_die "cannot chown $PG_BASE to postgres"
	PG_SOCKDIR=$PG_BASE/sock
	pg_as_postgres mkdir "$PG_SOCKDIR" || pg_die "cannot make $PG_SOCKDIR"
	pg_as_postgres "$PG_BIN/initdb" -D "$PG_BASE/data" -E UTF8 \
		--locale=C.UTF-8 --no-sync -U postgres --auth=trust \
		>"$PG_BASE/initdb.log" 2>&1 ||
		pg_die "initdb failed: $(cat "$PG_BASE/initdb.log")"
	# The fixtures' superuser is trusted; everyone else needs a password,
	# so wrong-password cases are real.
	printf 'local all postgres trust\nlocal all all scram-sha-256\n' \
		>"$PG_BASE/data/pg_hba.conf"
	pg_up
	pg_sql postgres "CREATE ROLE $PG_USER LOGIN PASSWORD '$PG_PASSWORD'" >/dev/null ||
		pg_die "cannot create role $PG_USER"
}

pg_sql() {
	psql -X -q -A -t -v ON_ERROR_STOP=1 -h "$PG_SOCKDIR" -p "$PG_PORT" \
		-U postgres -d "$1" -c "$2"
}

pg_createdb() {
	pg_sql postgres "CREATE DATABASE \"$1\" OWNER $PG_USER ENCODING 'UTF8'" >/dev/null ||
		pg_die "cannot create database $1"
}

# The socket folder as a percent-encoded host: no password in it.
pg_url() {
	printf 'postgresql://%s@%s:%s/%s\n' "$PG_USER" \
		"$(printf '%s' "$PG_SOCKDIR" | sed 's|/|%2F|g')" "$PG_PORT" "$1"
}
