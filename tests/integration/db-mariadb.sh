#!/bin/sh
# `carbonation db init|upgrade|status` on a real MariaDB server started
# for this file (tests/lib/mariadb.sh), checked with the mariadb client:
# the shipped migrations, idempotent upgrades, changed and failing
# migrations (DDL is not transactional here), component counts, password
# sources, and messages that never show the password.
set -u
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/catalog.sh"
. "$top_srcdir/tests/integration/db-cases.sh"
t_setup
# The server (tests/lib/mariadb.sh), MYSQL_PWD unset.
catalog_start mariadb
db_run_common_cases

# The statement API (VARBINARY, bound parameters, transactions) here.
if [ -x "$top_builddir/tests/unit/test_url" ]; then
	mariadb_createdb stmt
	CARB_TEST_DB_URL=$(mariadb_url stmt | sed "s|://$MY_USER@|://$MY_USER:$MY_PASSWORD@|")
	export CARB_TEST_DB_URL
	t_run "$top_builddir/tests/unit/test_url"
	t_expect_status 0 "mariadb: the statement API works on the server"
	unset CARB_TEST_DB_URL
fi

# A password in the URL: db status shows it redacted.
mariadb_createdb inurl
url=$(mariadb_url inurl | sed "s|://$MY_USER@|://$MY_USER:$MY_PASSWORD@|")
db_config "$T/inurl" "$url"
t_run "$CARB" -c "$T/inurl/config.toml" db init
t_expect_status 0 "mariadb: db init with the password in the URL"
t_run "$CARB" -c "$T/inurl/config.toml" db status
t_expect_status 0 "mariadb: db status with the password in the URL"
t_expect_out "url:      mariadb://$MY_USER:***@localhost/inurl?socket=" "mariadb: db status redacts the password"
t_expect_no "$MY_PASSWORD" "mariadb: db status never shows the password"

# The client library's environment is a password source too.
db_config "$T/env" "$(mariadb_url inurl)"
t_run env MYSQL_PWD="$MY_PASSWORD" "$CARB" -c "$T/env/config.toml" db status
t_expect_status 0 "mariadb: MYSQL_PWD is used when the config has no password"

# A wrong password.
wrong='Wr0ng-Pa55word'
db_config "$T/wrong" "$(mariadb_url inurl | sed "s|://$MY_USER@|://$MY_USER:$wrong@|")"
t_run "$CARB" -c "$T/wrong/config.toml" db status
t_expect_status 1 "mariadb: a wrong password exits 1"
t_expect_err "Access denied" "mariadb: ... saying access is denied"
t_expect_err "mariadb://$MY_USER:***@" "mariadb: ... naming the redacted URL"
t_expect_no "$wrong" "mariadb: ... without showing the password"
printf '%s\n' "$wrong" >"$T/wrong/pw"
db_config "$T/wrong" "$(mariadb_url inurl)" pw
t_run "$CARB" -c "$T/wrong/config.toml" db upgrade
t_expect_status 1 "mariadb: a wrong password_file exits 1"
t_expect_no "$wrong" "mariadb: ... without showing the password"

db_case_module mariadb libmariadb "$T/inurl/config.toml"

# An unreachable server.
db_config "$T/gone" "mariadb://$MY_USER:$wrong@localhost/inurl?socket=/nonexistent/mysqld.sock"
t_run "$CARB" -c "$T/gone/config.toml" db status
t_expect_status 1 "mariadb: an unreachable server exits 1"
t_expect_err "cannot open catalog" "mariadb: ... with a clear message"
t_expect_no "$wrong" "mariadb: ... without showing the password"

t_done
