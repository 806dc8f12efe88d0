#!/bin/sh
# `carbonation db init|upgrade|status` on a real PostgreSQL server started
# for this file (tests/lib/pg.sh), checked with psql: the shipped
# migrations, idempotent upgrades, changed and failing migrations,
# component counts, password sources, and messages that never show the
# password.
set -u
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/catalog.sh"
. "$top_srcdir/tests/integration/db-cases.sh"
t_setup
# The server (tests/lib/pg.sh); libpq's own sources of passwords are kept
# out of these cases.
catalog_start postgresql
db_run_common_cases

# The statement API (bytea, bound parameters, transactions) on this server.
if [ -x "$top_builddir/tests/unit/test_url" ]; then
	pg_createdb stmt
	CARB_TEST_DB_URL=$(pg_url stmt | sed "s|://$PG_USER@|://$PG_USER:$PG_PASSWORD@|")
	export CARB_TEST_DB_URL
	t_run "$top_builddir/tests/unit/test_url"
	t_expect_status 0 "postgresql: the statement API works on the server"
	unset CARB_TEST_DB_URL
fi

# A password in the URL: db status shows it redacted.
pg_createdb inurl
url=$(pg_url inurl | sed "s|://$PG_USER@|://$PG_USER:$PG_PASSWORD@|")
db_config "$T/inurl" "$url"
t_run "$CARB" -c "$T/inurl/config.toml" db init
t_expect_status 0 "postgresql: db init with the password in the URL"
t_run "$CARB" -c "$T/inurl/config.toml" db status
t_expect_status 0 "postgresql: db status with the password in the URL"
t_expect_out "url:      postgresql://$PG_USER:***@" "postgresql: db status redacts the password"
t_expect_no "$PG_PASSWORD" "postgresql: db status never shows the password"
db_case_module postgresql libpq "$T/inurl/config.toml"

# Both a URL password and a password_file: refused (by the config
# check), not guessed.
printf '%s\n' "$PG_PASSWORD" >"$T/inurl/pw"
db_config "$T/inurl" "$url" pw
t_run "$CARB" -c "$T/inurl/config.toml" db status
t_expect_status 2 "postgresql: a password in the URL and in password_file is a config error"
t_expect_err "password_file" "postgresql: ... naming password_file"
t_expect_no "$PG_PASSWORD" "postgresql: ... without showing the password"

# The client library's environment is a password source too.
db_config "$T/env" "$(pg_url inurl)"
t_run env PGPASSWORD="$PG_PASSWORD" "$CARB" -c "$T/env/config.toml" db status
t_expect_status 0 "postgresql: PGPASSWORD is used when the config has no password"

# A wrong password.
wrong='Wr0ng-Pa55word'
db_config "$T/wrong" "$(pg_url inurl | sed "s|://$PG_USER@|://$PG_USER:$wrong@|")"
t_run "$CARB" -c "$T/wrong/config.toml" db status
t_expect_status 1 "postgresql: a wrong password exits 1"
t_expect_err "password authentication failed" "postgresql: ... saying authentication failed"
t_expect_err "postgresql://$PG_USER:***@" "postgresql: ... naming the redacted URL"
t_expect_no "$wrong" "postgresql: ... without showing the password"
printf '%s\n' "$wrong" >"$T/wrong/pw"
db_config "$T/wrong" "$(pg_url inurl)" pw
t_run "$CARB" -c "$T/wrong/config.toml" db upgrade
t_expect_status 1 "postgresql: a wrong password_file exits 1"
t_expect_no "$wrong" "postgresql: ... without showing the password"

# An unreachable server.
db_config "$T/gone" "postgresql://$PG_USER:$wrong@%2Fnonexistent%2Fsocket/inurl"
t_run "$CARB" -c "$T/gone/config.toml" db status
t_expect_status 1 "postgresql: an unreachable server exits 1"
t_expect_err "cannot open catalog" "postgresql: ... with a clear message"
t_expect_no "$wrong" "postgresql: ... without showing the password"

t_done
