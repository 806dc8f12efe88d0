# A throw-away MariaDB server for one test file (sourced, POSIX sh).
#
#   . "$top_srcdir/tests/lib/common.sh"    # first: t_setup, t_cleanup
#   . "$top_srcdir/tests/lib/mariadb.sh"
#   t_setup
#   mariadb_start             # install-db + start on a unix socket; stopped at exit
#   mariadb_createdb NAME     # a database that user $MY_USER may use
#   mariadb_url NAME          # mariadb://carb@localhost/NAME?socket=... (no password)
#   mariadb_sql NAME "SQL"    # runs SQL as root; rows on stdout, tab-separated
#   mariadb_down / mariadb_up # an outage: the server stopped (its PID gone),
#                             # then started again on the same data and
#                             # socket; mariadb_up returns once it answers
#
# The server has no TCP port (--skip-networking) and lives in its own
# mktemp -d folder; an exit trap stops it and waits for its PID, whether
# the test passes or fails.  --no-defaults comes first everywhere, or
# /etc/mysql/my.cnf would apply.  User $MY_USER logs in with password
# $MY_PASSWORD; root uses socket authentication, for the fixtures only.
# A missing server is a failure, not a skip: CI installs MariaDB.
# shellcheck shell=sh

MY_USER=carb
MY_PASSWORD='my-S3cret-pw'
MY_BASE=
MY_PID=

mariadb_die() {
	echo "mariadb.sh: $*" >&2
	if [ -n "$MY_BASE" ] && [ -f "$MY_BASE/error.log" ]; then
		sed 's/^/  mariadb log | /' "$MY_BASE/error.log" >&2
	fi
	exit 1
}

mariadb_find() {
	MY_SERVER=
	for p in /usr/sbin/mariadbd /usr/libexec/mariadbd /usr/sbin/mysqld; do
		if [ -x "$p" ]; then
			MY_SERVER=$p
			break
		fi
	done
	if [ -z "$MY_SERVER" ] || ! command -v mariadb-install-db >/dev/null 2>&1 ||
		! command -v mariadb >/dev/null 2>&1 ||
		! command -v mariadb-admin >/dev/null 2>&1; then
		echo "FAIL: MariaDB server binaries (mariadbd, mariadb-install-db," \
			"mariadb, mariadb-admin) not found; install mariadb-server" >&2
		exit 1
	fi
}

# True while PID runs.  A zombie (exited, not yet reaped) counts as gone.
mariadb_alive() {
	kill -0 "$1" 2>/dev/null || return 1
	case $(ps -o stat= -p "$1" 2>/dev/null) in
	Z*) return 1 ;;
	esac
	return 0
}

# Stops the server and waits for its PID; the data stays.
mariadb_down() {
	[ -n "$MY_PID" ] || return 0
	kill -TERM "$MY_PID" 2>/dev/null
	n=0
	while mariadb_alive "$MY_PID"; do
		n=$((n + 1))
		if [ "$n" -gt 300 ]; then
			kill -KILL "$MY_PID" 2>/dev/null
			break
		fi
		sleep 0.05
	done
	wait "$MY_PID" 2>/dev/null
	MY_PID=
}

# Starts the server on its data folder (socket only); back when it
# answers a ping.
mariadb_up() {
	"$MY_SERVER" --no-defaults --datadir="$MY_BASE/data" --socket="$MY_SOCKET" \
		--pid-file="$MY_BASE/mysqld.pid" --skip-networking --user=root \
		--log-error="$MY_BASE/error.log" --innodb-buffer-pool-size=32M \
		--skip-name-resolve --innodb-flush-log-at-trx-commit=0 \
		>/dev/null 2>&1 &
	MY_PID=$!
	n=0
	until mariadb-admin --no-defaults --socket="$MY_SOCKET" -uroot ping \
		>/dev/null 2>&1; do
		mariadb_alive "$MY_PID" || mariadb_die "the server exited at start"
		n=$((n + 1))
		[ "$n" -lt 600 ] || mariadb_die "the server did not answer in 30 s"
		sleep 0.05
	done
}

mariadb_stop() {
	[ -n "$MY_BASE" ] || return 0
	mariadb_down
	rm -rf "$MY_BASE"
	MY_BASE=
	MY_PID=
}

mariadb_start() {
	mariadb_find
	MY_BASE=$(mktemp -d "${TMPDIR:-/tmp}/carb-my.XXXXXX") ||
		mariadb_die "cannot make a temporary folder"
	t_cleanup mariadb_stop
	MY_SOCKET=$MY_BASE/mysqld.sock
	mariadb-install-db --no-defaults --datadir="$MY_BASE/data" --user=root \
		--auth-root-authentication-method=socket --skip-test-db \
		--skip-name-resolve >"$MY_BASE/install.log" 2>&1 ||
		mariadb_die "mariadb-install-db failed: $(cat "$MY_BASE/install.log")"
	mariadb_up
	mariadb_sql mysql "CREATE USER '$MY_USER'@'localhost' IDENTIFIED BY '$MY_PASSWORD'" ||
		mariadb_die "cannot create user $MY_USER"
}

mariadb_sql() {
	mariadb --no-defaults --socket="$MY_SOCKET" -uroot -N -B -e "$2" "$1"
}

mariadb_createdb() {
	mariadb_sql mysql "CREATE DATABASE \`$1\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
		GRANT ALL ON \`$1\`.* TO '$MY_USER'@'localhost'" ||
		mariadb_die "cannot create database $1"
}

mariadb_url() {
	printf 'mariadb://%s@localhost/%s?socket=%s\n' "$MY_USER" "$1" "$MY_SOCKET"
}
