#!/bin/sh
# `carbonation db init|upgrade|status` on SQLite, checked with the sqlite3
# client: the shipped migrations, idempotent upgrades, changed and failing
# migrations, component counts, and SQLite's own set-up (WAL, the file).
set -u
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/catalog.sh"
. "$top_srcdir/tests/integration/db-cases.sh"
t_setup
# Relative URLs resolve against the config file's folder.
catalog_start sqlite

db_run_common_cases
db_case_usage

t_run db_query life "PRAGMA journal_mode"
db_expect_rows "wal" "sqlite: the catalog is in WAL mode"
t_run db_query life "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
db_expect_rows "$(printf 'completions\ncomponents\nevent_deliveries\nevents\nfiles\nschema_migrations\nservice_status\nsqlite_sequence')" \
	"sqlite: db init made the core tables"

# db upgrade and db status never create the file; db init does, but only
# in a folder that exists.
db_config "$T/fresh" "sqlite:fresh.db"
t_run "$CARB" -c "$T/fresh/config.toml" db status
t_expect_status 1 "sqlite: db status without a catalog file exits 1"
t_expect_err "does not exist" "sqlite: db status says the file does not exist"
t_run "$CARB" -c "$T/fresh/config.toml" db upgrade
t_expect_status 1 "sqlite: db upgrade without a catalog file exits 1"
t_run test -e "$T/fresh/fresh.db"
t_expect_status 1 "sqlite: neither created the file"
db_config "$T/nodir" "sqlite:missing/sub/c.db"
t_run "$CARB" -c "$T/nodir/config.toml" db init
t_expect_status 1 "sqlite: db init into a missing folder exits 1"
t_expect_err "\"$T/nodir/missing/sub\" does not exist" "sqlite: db init names the missing folder"

# An absolute URL, and the default URL when [database] names none.
db_config "$T/abs" "sqlite://$T/abs/elsewhere.db"
t_run "$CARB" -c "$T/abs/config.toml" db init
t_expect_status 0 "sqlite: db init with an absolute sqlite:/// URL"
t_run test -f "$T/abs/elsewhere.db"
t_expect_status 0 "sqlite: the file is where the URL says"
db_config "$T/dflt" ""
t_run "$CARB" -c "$T/dflt/config.toml" db init
t_expect_status 0 "sqlite: db init with the default URL"
t_run test -f "$T/dflt/carbonation.db"
t_expect_status 0 "sqlite: the default catalog is carbonation.db beside the config"

# Not a database at all.
db_config "$T/junk" "sqlite:junk.db"
echo "not a database" >"$T/junk/junk.db"
t_run "$CARB" -c "$T/junk/config.toml" db status
t_expect_status 1 "sqlite: a file that is not a database exits 1"
t_expect_err "junk.db" "sqlite: the message names the file"

t_done
