# The `carbonation db` cases every backend must pass (sourced, POSIX sh,
# not a test by itself).  db-sqlite.sh, db-postgresql.sh and db-mariadb.sh
# source it and call catalog_start (tests/lib/catalog.sh), which defines
# for their backend:
#
#   DB_DIALECT              sqlite | postgresql | mariadb
#   db_create NAME          makes a new empty database; sets DB_URL to its
#                           URL without a password
#   db_query NAME SQL       runs SQL with the real client; rows on stdout,
#                           columns separated by '|'
#   db_blob HEX             an SQL literal for those bytes
#   DB_PASSWORD             what the database user needs ("" for SQLite)
#
# Each case writes its own config.toml in a folder of its own and uses a
# database of its own.  The migrations are the shipped ones; cases that
# alter them work on a copy named by $CARBONATION_DATADIR.
# shellcheck shell=sh

# db_config DIR URL [PASSWORD_FILE]: DIR/config.toml with [database] and
# what else the config loader requires (archive.base_path, an existing
# folder).
db_config() {
	mkdir -p "$1/archive"
	{
		printf '[database]\n'
		if [ -n "$2" ]; then
			printf 'url = "%s"\n' "$2"
		fi
		if [ -n "${3:-}" ]; then
			printf 'password_file = "%s"\n' "$3"
		fi
		printf '\n[archive]\nbase_path = "archive"\n'
	} >"$1/config.toml"
}

# db_setup NAME: a new database and a config for it in $T/NAME, the
# password (if any) in a password_file beside it.  Sets CFG.
db_setup() {
	db_create "$1"
	if [ -n "$DB_PASSWORD" ]; then
		mkdir -p "$T/$1"
		printf '%s\n' "$DB_PASSWORD" >"$T/$1/db-password"
		db_config "$T/$1" "$DB_URL" db-password
	else
		db_config "$T/$1" "$DB_URL"
	fi
	CFG=$T/$1/config.toml
}

db_expect_rows() {
	if [ "$(cat "$T/out")" = "$1" ]; then
		t_pass "$2"
	else
		t_fail "$2 (rows differ from: $1)"
	fi
}

# A copy of the shipped migrations that a case may change.
db_copy_migrations() {
	rm -rf "$T/data"
	mkdir -p "$T/data"
	cp -R "$top_srcdir/migrations" "$T/data/"
	MIG=$T/data/migrations/$DB_DIALECT/core
}

db_case_lifecycle() {
	db_setup life
	t_run "$CARB" -c "$CFG" db init
	t_expect_status 0 "$DB_DIALECT: db init"
	t_expect_out "applied core 0001_core" "$DB_DIALECT: db init applies 0001_core"
	t_expect_out "applied core 0002_intake" "$DB_DIALECT: db init applies 0002_intake"
	t_expect_out "applied core 0003_archive" "$DB_DIALECT: db init applies 0003_archive"
	t_expect_out "applied core 0004_plugins" "$DB_DIALECT: db init applies 0004_plugins"
	t_expect_out "applied core 0005_components_rebuilt" "$DB_DIALECT: db init applies 0005_components_rebuilt"
	t_expect_out "applied core 0006_completions" "$DB_DIALECT: db init applies 0006_completions"
	t_expect_out "applied core 0007_heartbeat" "$DB_DIALECT: db init applies 0007_heartbeat"
	t_expect_out "applied core 0008_late_checksums_long_paths" "$DB_DIALECT: db init applies 0008_late_checksums_long_paths"
	t_expect_out "applied core 0009_xxh128" "$DB_DIALECT: db init applies 0009_xxh128"
	t_expect_out "applied core 0010_events" "$DB_DIALECT: db init applies 0010_events"

	sum1=$(sha256sum "$top_srcdir/migrations/$DB_DIALECT/core/0001_core.sql" | cut -d' ' -f1)
	sum2=$(sha256sum "$top_srcdir/migrations/$DB_DIALECT/core/0002_intake.sql" | cut -d' ' -f1)
	sum3=$(sha256sum "$top_srcdir/migrations/$DB_DIALECT/core/0003_archive.sql" | cut -d' ' -f1)
	sum4=$(sha256sum "$top_srcdir/migrations/$DB_DIALECT/core/0004_plugins.sql" | cut -d' ' -f1)
	sum5=$(sha256sum "$top_srcdir/migrations/$DB_DIALECT/core/0005_components_rebuilt.sql" | cut -d' ' -f1)
	sum6=$(sha256sum "$top_srcdir/migrations/$DB_DIALECT/core/0006_completions.sql" | cut -d' ' -f1)
	sum7=$(sha256sum "$top_srcdir/migrations/$DB_DIALECT/core/0007_heartbeat.sql" | cut -d' ' -f1)
	sum8=$(sha256sum "$top_srcdir/migrations/$DB_DIALECT/core/0008_late_checksums_long_paths.sql" | cut -d' ' -f1)
	sum9=$(sha256sum "$top_srcdir/migrations/$DB_DIALECT/core/0009_xxh128.sql" | cut -d' ' -f1)
	sum10=$(sha256sum "$top_srcdir/migrations/$DB_DIALECT/core/0010_events.sql" | cut -d' ' -f1)
	t_run db_query life "SELECT branch, version, name, checksum FROM schema_migrations ORDER BY version"
	db_expect_rows "$(printf 'core|1|core|%s\ncore|2|intake|%s\ncore|3|archive|%s\ncore|4|plugins|%s\ncore|5|components_rebuilt|%s\ncore|6|completions|%s\ncore|7|heartbeat|%s\ncore|8|late_checksums_long_paths|%s\ncore|9|xxh128|%s\ncore|10|events|%s' "$sum1" "$sum2" "$sum3" "$sum4" "$sum5" "$sum6" "$sum7" "$sum8" "$sum9" "$sum10")" \
		"$DB_DIALECT: schema_migrations records 0001 to 0010 with the files' SHA-256"
	t_run db_query life "SELECT COUNT(*) FROM schema_migrations WHERE applied_at > 1600000000000000"
	db_expect_rows "10" "$DB_DIALECT: applied_at is in microseconds"
	t_run db_query life "SELECT COUNT(*) FROM components"
	db_expect_rows "0" "$DB_DIALECT: the core tables exist"
	t_run db_query life "SELECT COUNT(*) FROM components WHERE late = 0"
	db_expect_rows "0" "$DB_DIALECT: 0002 added components.late"
	t_run db_query life "SELECT COUNT(*) FROM files WHERE missing IS NULL"
	db_expect_rows "0" "$DB_DIALECT: 0002 added files.missing"
	t_run db_query life "SELECT COUNT(*) FROM components WHERE archive_version IS NULL AND archive_target IS NULL AND missing_at IS NULL"
	db_expect_rows "0" "$DB_DIALECT: 0003 added the components' archive columns"
	t_run db_query life "SELECT COUNT(*) FROM files WHERE destination IS NULL AND reason IS NULL"
	db_expect_rows "0" "$DB_DIALECT: 0003 added files.destination and files.reason"
	t_run db_query life "SELECT COUNT(*) FROM files WHERE plugin_call IS NULL AND plugin_crashes = 0"
	db_expect_rows "0" "$DB_DIALECT: 0004 added files.plugin_call and files.plugin_crashes"
	t_run db_query life "SELECT COUNT(*) FROM components WHERE xxh128 IS NULL"
	db_expect_rows "0" "$DB_DIALECT: 0009 added components.xxh128"

	t_run "$CARB" -c "$CFG" db init
	t_expect_status 0 "$DB_DIALECT: db init again"
	t_expect_out "catalog is up to date" "$DB_DIALECT: db init again changes nothing"

	t_run "$CARB" -c "$CFG" db upgrade
	t_expect_status 0 "$DB_DIALECT: db upgrade"
	t_expect_out "catalog is up to date" "$DB_DIALECT: db upgrade after init is up to date"
	db_query life "SELECT branch, version, name, checksum, applied_at FROM schema_migrations" >"$T/before"
	t_run "$CARB" -c "$CFG" db upgrade
	t_expect_status 0 "$DB_DIALECT: db upgrade a second time"
	t_expect_out "catalog is up to date" "$DB_DIALECT: second db upgrade says up to date"
	t_run db_query life "SELECT branch, version, name, checksum, applied_at FROM schema_migrations"
	db_expect_rows "$(cat "$T/before")" "$DB_DIALECT: second db upgrade changes no row"

	t_run "$CARB" -c "$CFG" db status
	t_expect_status 0 "$DB_DIALECT: db status"
	t_expect_out "dialect:  $DB_DIALECT" "$DB_DIALECT: db status names the dialect"
	t_expect_out "url:      $DB_URL" "$DB_DIALECT: db status shows the URL"
	t_expect_out "branch core: version 10 (10 applied, 0 pending)" "$DB_DIALECT: db status shows the core version"
	t_expect_out "pending: none" "$DB_DIALECT: db status: nothing pending"
	t_expect_out "changed: none" "$DB_DIALECT: db status: nothing changed"
	t_expect_out "  total             0" "$DB_DIALECT: db status counts no component"
}

db_case_counts() {
	db_setup counts
	"$CARB" -c "$CFG" db init >/dev/null 2>&1
	for hex in 61 62 63; do
		t_run db_query counts "INSERT INTO components (watch, rel_path, stem, extension, status, discovered_at, updated_at)
			VALUES ('in', $(db_blob "$hex"), $(db_blob "$hex"), $(db_blob ""), 'ARCHIVED', 1, 1)"
	done
	t_run db_query counts "INSERT INTO components (watch, rel_path, stem, extension, discovered_at, updated_at)
		VALUES ('in', $(db_blob ff00fe), $(db_blob ff00fe), $(db_blob ""), 1, 1)"
	t_expect_status 0 "$DB_DIALECT: a file name of arbitrary bytes is stored"
	t_run db_query counts "INSERT INTO components (watch, rel_path, stem, extension, status, discovered_at, updated_at)
		VALUES ('in', $(db_blob 64), $(db_blob 64), $(db_blob ""), 'BOGUS', 1, 1)"
	if [ "$t_status" -ne 0 ]; then t_pass "$DB_DIALECT: an unknown status is refused"
	else t_fail "$DB_DIALECT: an unknown status is refused"; fi
	t_run db_query counts "INSERT INTO components (watch, rel_path, stem, extension, status, discovered_at, updated_at)
		VALUES ('in', $(db_blob 61), $(db_blob 61), $(db_blob ""), 'PENDING', 1, 1)"
	if [ "$t_status" -ne 0 ]; then t_pass "$DB_DIALECT: (watch, rel_path, generation) is unique"
	else t_fail "$DB_DIALECT: (watch, rel_path, generation) is unique"; fi
	t_run "$CARB" -c "$CFG" db status
	t_expect_status 0 "$DB_DIALECT: db status with components"
	t_expect_out "  ARCHIVED          3" "$DB_DIALECT: db status counts ARCHIVED"
	t_expect_out "  PENDING           1" "$DB_DIALECT: db status counts PENDING"
	t_expect_out "  total             4" "$DB_DIALECT: db status counts the total"
}

db_case_changed() {
	db_setup changed
	db_copy_migrations
	CARBONATION_DATADIR=$T/data
	export CARBONATION_DATADIR
	"$CARB" -c "$CFG" db init >/dev/null 2>&1
	printf -- '-- edited after it ran\n' >>"$MIG/0001_core.sql"
	t_run "$CARB" -c "$CFG" db status
	t_expect_status 1 "$DB_DIALECT: db status with a changed migration exits 1"
	t_expect_out "changed:" "$DB_DIALECT: db status lists changed migrations"
	t_expect_out "core 0001_core ($MIG/0001_core.sql): the file differs" "$DB_DIALECT: db status names the changed file"
	t_run "$CARB" -c "$CFG" db upgrade
	t_expect_status 1 "$DB_DIALECT: db upgrade refuses a changed migration"
	t_expect_err "migration \"$MIG/0001_core.sql\" changed after it was applied" "$DB_DIALECT: db upgrade names the changed file"
	unset CARBONATION_DATADIR
}

db_case_pending_and_failing() {
	db_setup grow
	db_copy_migrations
	CARBONATION_DATADIR=$T/data
	export CARBONATION_DATADIR
	"$CARB" -c "$CFG" db init >/dev/null 2>&1
	printf 'CREATE TABLE extra_one (x INTEGER);\nCREATE TABLE extra_two (y INTEGER);\n' \
		>"$MIG/0090_extra.sql"
	t_run "$CARB" -c "$CFG" db status
	t_expect_status 0 "$DB_DIALECT: db status with a pending migration"
	t_expect_out "  core 0090_extra ($MIG/0090_extra.sql)" "$DB_DIALECT: db status lists the pending migration"
	t_expect_out "branch core: version 10 (10 applied, 1 pending)" "$DB_DIALECT: db status counts it pending"
	t_run "$CARB" -c "$CFG" db upgrade
	t_expect_status 0 "$DB_DIALECT: db upgrade applies a multi-statement migration"
	t_expect_out "applied core 0090_extra" "$DB_DIALECT: db upgrade says what it applied"
	t_run db_query grow "SELECT COUNT(*) FROM extra_two"
	db_expect_rows "0" "$DB_DIALECT: every statement of the file ran"

	printf 'CREATE TABLE before_bad (x INTEGER);\nCREATE TABLE bad (;\n' >"$MIG/0091_bad.sql"
	t_run "$CARB" -c "$CFG" db upgrade
	t_expect_status 1 "$DB_DIALECT: a failing migration exits 1"
	t_expect_err "migration \"$MIG/0091_bad.sql\" failed" "$DB_DIALECT: the failing migration is named"
	t_run db_query grow "SELECT MAX(version) FROM schema_migrations"
	db_expect_rows "90" "$DB_DIALECT: the failed migration is not recorded"
	t_run db_query grow "SELECT COUNT(*) FROM before_bad"
	if [ "$DB_DIALECT" = mariadb ]; then
		t_expect_status 0 "$DB_DIALECT: DDL before the failure stays (no transactional DDL)"
		t_run "$CARB" -c "$CFG" db upgrade
		t_expect_err "stayed applied" "$DB_DIALECT: the message says the file is half applied"
	else
		if [ "$t_status" -ne 0 ]; then t_pass "$DB_DIALECT: the failed migration was rolled back whole"
		else t_fail "$DB_DIALECT: the failed migration was rolled back whole"; fi
		t_run "$CARB" -c "$CFG" db upgrade
		t_expect_err "none of it was applied" "$DB_DIALECT: the message says nothing was applied"
	fi
	unset CARBONATION_DATADIR
}

# Two runners at once: one applies, the other waits and finds nothing
# left to do; neither fails.
# A catalog made before 0005 keeps every row through it, and its status
# check still refuses what it refused.
db_case_upgrade_0005() {
	db_setup up5
	db_copy_migrations
	CARBONATION_DATADIR=$T/data
	export CARBONATION_DATADIR
	mv "$MIG/0005_components_rebuilt.sql" "$T/0005"
	mv "$MIG/0006_completions.sql" "$T/0006"
	mv "$MIG/0007_heartbeat.sql" "$T/0007"
	mv "$MIG/0008_late_checksums_long_paths.sql" "$T/0008"
	mv "$MIG/0009_xxh128.sql" "$T/0009"
	"$CARB" -c "$CFG" db init >/dev/null 2>&1
	t_run db_query up5 "INSERT INTO files (id, watch, group_key, generation, status, created_at, updated_at)
		VALUES (7, 'in', $(db_blob 61), 1, 'ARCHIVED', 1, 2)"
	t_run db_query up5 "INSERT INTO components (id, watch, rel_path, stem, extension, status, file_id, late, archive_version, discovered_at, updated_at)
		VALUES (41, 'in', $(db_blob 612e646174), $(db_blob 61), $(db_blob 2e646174), 'ARCHIVED', 7, 1, 2, 3, 4)"
	t_expect_status 0 "$DB_DIALECT: a component written before 0005"
	mv "$T/0005" "$MIG/0005_components_rebuilt.sql"
	mv "$T/0006" "$MIG/0006_completions.sql"
	mv "$T/0007" "$MIG/0007_heartbeat.sql"
	mv "$T/0008" "$MIG/0008_late_checksums_long_paths.sql"
	mv "$T/0009" "$MIG/0009_xxh128.sql"
	t_run "$CARB" -c "$CFG" db upgrade
	t_expect_status 0 "$DB_DIALECT: db upgrade applies 0005 to a catalog with rows"
	t_expect_out "applied core 0005_components_rebuilt" "$DB_DIALECT: db upgrade names 0005"
	t_run db_query up5 "SELECT id, watch, status, file_id, late, archive_version, discovered_at, updated_at FROM components"
	db_expect_rows "41|in|ARCHIVED|7|1|2|3|4" "$DB_DIALECT: 0005 keeps the component, its id and its columns"
	t_run db_query up5 "INSERT INTO components (watch, rel_path, stem, extension, status, discovered_at, updated_at)
		VALUES ('in', $(db_blob 62), $(db_blob 62), $(db_blob ""), 'BOGUS', 1, 1)"
	if [ "$t_status" -ne 0 ]; then t_pass "$DB_DIALECT: after 0005 an unknown status is still refused"
	else t_fail "$DB_DIALECT: after 0005 an unknown status is still refused"; fi
	t_run db_query up5 "INSERT INTO components (watch, rel_path, stem, extension, status, discovered_at, updated_at)
		VALUES ('in', $(db_blob 62), $(db_blob 62), $(db_blob ""), 'WITHDRAWN', 1, 1)"
	t_expect_status 0 "$DB_DIALECT: after 0005 every known status is still accepted"
	t_run db_query up5 "INSERT INTO components (watch, rel_path, stem, extension, discovered_at, updated_at)
		VALUES ('in', $(db_blob 612e646174), $(db_blob 61), $(db_blob ""), 1, 1)"
	if [ "$t_status" -ne 0 ]; then t_pass "$DB_DIALECT: after 0005 (watch, rel_path, generation) is still unique"
	else t_fail "$DB_DIALECT: after 0005 (watch, rel_path, generation) is still unique"; fi
	t_run db_query up5 "SELECT COUNT(*) FROM components WHERE watch = 'in' AND status = 'ARCHIVED' AND file_id = 7"
	db_expect_rows "1" "$DB_DIALECT: after 0005 the rows are found by status"
	unset CARBONATION_DATADIR
}

db_case_concurrent() {
	db_setup race
	"$CARB" -c "$CFG" db init >"$T/race1.out" 2>&1 &
	pid1=$!
	"$CARB" -c "$CFG" db init >"$T/race2.out" 2>&1 &
	pid2=$!
	rc1=0
	rc2=0
	wait "$pid1" || rc1=$?
	wait "$pid2" || rc2=$?
	if [ "$rc1" -eq 0 ] && [ "$rc2" -eq 0 ]; then
		t_pass "$DB_DIALECT: two concurrent db init both succeed"
	else
		t_fail "$DB_DIALECT: two concurrent db init both succeed (exit $rc1, $rc2)"
		sed 's/^/  | /' "$T/race1.out" "$T/race2.out"
	fi
	t_run db_query race "SELECT COUNT(*) FROM schema_migrations"
	db_expect_rows "$(find "$top_srcdir/migrations/$DB_DIALECT/core" -name '*.sql' | wc -l | tr -d ' ')" \
		"$DB_DIALECT: ... and record each migration once"
}

db_case_usage() {
	t_run "$CARB" db --help
	t_expect_status 0 "db --help"
	t_expect_out "status" "db --help lists the subcommands"
	t_run "$CARB" db init --help
	t_expect_status 0 "db init --help"
	t_run "$CARB" db upgrade --bogus
	t_expect_status 2 "db upgrade --bogus is a usage error"
	t_expect_err "unknown option \"--bogus\"" "db upgrade --bogus names the option"
	t_run "$CARB" db status extra
	t_expect_status 2 "db status with an argument is a usage error"
	t_run "$CARB" db statsu
	t_expect_status 2 "an unknown db command is a usage error"
	t_expect_err "did you mean \"db status\"" "an unknown db command gets a suggestion"
	db_config "$T/badcfg" "sqlite:x.db"
	printf '[database\n' >>"$T/badcfg/config.toml"
	t_run "$CARB" -c "$T/badcfg/config.toml" db status
	t_expect_status 2 "a config error exits 2"
	t_expect_err "config.toml:6:" "a config error names file and line"
}

# A server backend is a module loaded when the URL names it
# (docs/architecture.md, "Modules"): the program itself does not link
# the server's client library LIB, and a module that is missing or
# broken is a clear error, not a crash.  CFG is a working catalog's
# config.
db_case_module() {
	kind=$1 lib=$2 cfg=$3
	t_run sh -c "ldd '$CARB' | grep '$lib'"
	t_expect_status 1 "$kind: the program does not link $lib (its module does)"
	t_run env CARBONATION_MODULEDIR="$T/no-modules" "$CARB" -c "$cfg" db status
	t_expect_status 1 "$kind: a missing backend module exits 1"
	t_expect_err "cannot load the $kind module" "$kind: ... saying which module"
	t_expect_err "$T/no-modules/$kind.so" "$kind: ... naming the file"
	t_expect_err "CARBONATION_MODULEDIR" "$kind: ... and how to point at it"
	t_run env CARBONATION_MODULEDIR="$T/no-modules" "$CARB" -c "$cfg" check config
	t_expect_status 0 "$kind: check config needs no module"
	mkdir -p "$T/bad-modules"
	printf 'not a shared object\n' >"$T/bad-modules/$kind.so"
	t_run env CARBONATION_MODULEDIR="$T/bad-modules" "$CARB" -c "$cfg" db status
	t_expect_status 1 "$kind: a broken backend module exits 1"
	t_expect_err "cannot load the $kind module" "$kind: ... saying which module"
}

db_run_common_cases() {
	db_case_lifecycle
	db_case_counts
	db_case_changed
	db_case_pending_and_failing
	db_case_upgrade_0005
	db_case_concurrent
}
