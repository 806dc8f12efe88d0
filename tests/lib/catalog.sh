# One catalog backend for a test file (sourced, POSIX sh).
#
#   . "$top_srcdir/tests/lib/common.sh"    # first: t_setup, t_cleanup
#   . "$top_srcdir/tests/lib/catalog.sh"
#   t_setup
#   catalog_start sqlite|postgresql|mariadb
#
# catalog_start starts the server the backend needs (tests/lib/pg.sh,
# tests/lib/mariadb.sh; stopped at exit) and sets, for that backend:
#
#   DB_DIALECT              sqlite | postgresql | mariadb
#   DB_PASSWORD             what the database user needs ("" for SQLite)
#   db_create NAME          makes a new empty database; sets DB_URL to its
#                           URL without a password.  SQLite's URL is
#                           relative: the database is $T/NAME/NAME.db when
#                           the config file is in $T/NAME.
#   db_query NAME SQL       runs SQL with the real client; rows on stdout,
#                           columns separated by '|', NULL as "NULL" on
#                           MariaDB and "" elsewhere (use COALESCE)
#   db_blob HEX             an SQL literal for those bytes (HEX in capitals)
#   db_hex COLUMN           an SQL expression: COLUMN's bytes in capital hex
#   catalog_down / catalog_up   PostgreSQL and MariaDB: the server stopped,
#                           then started again with the same databases;
#                           catalog_up returns once it takes connections
#
# The client libraries' own password sources (PGPASSWORD, MYSQL_PWD...)
# are unset, so every case says where its password comes from.
# shellcheck shell=sh
# DB_URL, DB_PASSWORD, DB_DIALECT are read by the files that source this.
# shellcheck disable=SC2034

. "$top_srcdir/tests/lib/pg.sh"
. "$top_srcdir/tests/lib/mariadb.sh"

catalog_start() {
	DB_DIALECT=$1
	case $1 in
	sqlite)
		command -v sqlite3 >/dev/null 2>&1 || {
			echo "FAIL: the sqlite3 client is needed (package sqlite3)" >&2
			exit 1
		}
		DB_PASSWORD=
		;;
	postgresql)
		unset PGPASSWORD PGPASSFILE PGSERVICE
		pg_start
		# Search permission on the server's folders, so that a program
		# run without CAP_DAC_OVERRIDE (see intake-cases.sh) reaches
		# the socket in them; they list nothing to others.
		chmod go+x "$PG_BASE" "$PG_SOCKDIR"
		DB_PASSWORD=$PG_PASSWORD
		;;
	mariadb)
		unset MYSQL_PWD
		mariadb_start
		DB_PASSWORD=$MY_PASSWORD
		;;
	*)
		echo "catalog.sh: unknown dialect $1" >&2
		exit 1
		;;
	esac
}

catalog_down() {
	case $DB_DIALECT in
	postgresql) pg_down ;;
	mariadb) mariadb_down ;;
	esac
}

catalog_up() {
	case $DB_DIALECT in
	postgresql) pg_up ;;
	mariadb) mariadb_up ;;
	esac
}

db_create() {
	case $DB_DIALECT in
	sqlite) DB_URL="sqlite:$1.db" ;;
	postgresql)
		pg_createdb "$1"
		DB_URL=$(pg_url "$1")
		;;
	mariadb)
		mariadb_createdb "$1"
		DB_URL=$(mariadb_url "$1")
		;;
	esac
}

db_query() {
	case $DB_DIALECT in
	sqlite) sqlite3 -batch -cmd '.timeout 5000' "$T/$1/$1.db" "$2" ;;
	postgresql) pg_sql "$1" "$2" ;;
	mariadb)
		# Through a file, so the client's exit status is kept.
		mariadb_sql "$1" "$2" >"$T/query.tsv" || return
		tr '\t' '|' <"$T/query.tsv"
		;;
	esac
}

db_blob() {
	case $DB_DIALECT in
	postgresql) printf "'\\\\x%s'::bytea" "$1" ;;
	*) printf "X'%s'" "$1" ;;
	esac
}

db_hex() {
	case $DB_DIALECT in
	postgresql) printf "upper(encode(%s, 'hex'))" "$1" ;;
	*) printf 'hex(%s)' "$1" ;;
	esac
}

# db_section DIR: the [database] table of a config.toml in DIR for the
# catalog catalog_start chose, the server's password (when it has one)
# written to DIR/db-password.
db_section() {
	printf '[database]\nurl = "%s"\n' "$DB_URL"
	if [ -n "$DB_PASSWORD" ]; then
		printf '%s\n' "$DB_PASSWORD" >"$1/db-password"
		printf 'password_file = "db-password"\n'
	fi
}
