# The round trip of `carbonation init` on one backend (sourced, POSIX sh,
# not a test by itself): init-sqlite.sh, init-postgresql.sh and
# init-mariadb.sh source it after catalog_start (tests/lib/catalog.sh).
#
#   init, make -C my_plugin, check config, db init, run --once: the demo
#   delivery is archived and the plugin's columns are filled;
#   then a column added to my_plugin.c, db revision --autogenerate,
#   db upgrade: the column exists, and the next delivery fills it.
#
# The project is used as init wrote it, from its own folder; only the
# database URL (and its password file) change for a server.
# shellcheck shell=sh

# init_in CMD...: CMD run in the project folder $P (through t_run).
# shellcheck disable=SC2317 # called indirectly
init_in() {
	(cd "$P" && "$@")
}

# Rows of SQL on the project's catalog, columns separated by '|'.
init_query() {
	case $DB_DIALECT in
	sqlite) sqlite3 -batch -cmd '.timeout 5000' "$P/state/carbonation.db" "$1" ;;
	*) db_query rt "$1" ;;
	esac
}

init_expect_rows() {
	if [ "$(cat "$T/out")" = "$1" ]; then
		t_pass "$2"
	else
		t_fail "$2 (rows differ from: $1)"
	fi
}

# A server's database instead of the SQLite file, with its password in a
# password_file beside config.toml.
init_use_server() {
	db_create rt
	printf '%s\n' "$DB_PASSWORD" >"$P/db-password"
	sed -i -e "s|^url = \"sqlite:state/carbonation.db\"\$|url = \"$DB_URL\"|" \
		-e 's|^# password_file = .*|password_file = "db-password"|' \
		"$P/config.toml"
	if grep -q "^url = \"$DB_URL\"" "$P/config.toml" &&
		grep -q '^password_file = "db-password"' "$P/config.toml"; then
		t_pass "$DB_DIALECT: config.toml points at the server"
	else
		t_fail "$DB_DIALECT: config.toml points at the server"
	fi
}

init_case_demo() {
	P=$T/rt
	t_run "$CARB" init "$P"
	t_expect_status 0 "$DB_DIALECT: carbonation init"
	if [ "$DB_DIALECT" != sqlite ]; then
		init_use_server
	fi
	t_run init_in make -C my_plugin
	t_expect_status 0 "$DB_DIALECT: make -C my_plugin"
	t_run init_in "$CARB" check config
	t_expect_status 0 "$DB_DIALECT: check config"
	t_run init_in "$CARB" db init
	t_expect_status 0 "$DB_DIALECT: db init"
	t_expect_out "applied core 0001_core" "$DB_DIALECT: db init runs the core branch"
	t_expect_out "applied my_plugin 0001_columns" "$DB_DIALECT: ... and my_plugin's"
	t_run init_in "$CARB" run --once
	t_expect_status 0 "$DB_DIALECT: run --once"

	t_run init_query "SELECT station, records, observed_at, status FROM files ORDER BY station"
	init_expect_rows "$(printf 'north|3|1710482400000000|ARCHIVED\nsouth|2|1710483300000000|ARCHIVED')" \
		"$DB_DIALECT: the demo groups are archived, the plugin's columns filled"
	n=$(find "$P/archive" -type f | wc -l)
	if [ "$n" -eq 3 ]; then
		t_pass "$DB_DIALECT: the three demo files are in the archive"
	else
		t_fail "$DB_DIALECT: the three demo files are in the archive ($n)"
	fi
}

# A text column, indexed (MariaDB needs a prefix length for that), set by
# read_dat.
init_add_column() {
	sed -i -e 's|^\t{ .name = NULL },$|\t{ .name = "instrument", .type = CARB_PLUGIN_TEXT,\n\t  .nullable = 1, .indexed = 1, .filterable = 1 },\n&|' \
		-e 's|^\t/\* The content: the .dat file|\tif (host->set_text(call, "instrument", "TH-2", 4) < 0)\n\t\treturn -1;\n&|' \
		"$P/my_plugin/my_plugin.c"
	n=$(grep -c 'instrument' "$P/my_plugin/my_plugin.c")
	if [ "$n" -eq 2 ]; then
		t_pass "$DB_DIALECT: a column added to my_plugin.c"
	else
		t_fail "$DB_DIALECT: a column added to my_plugin.c ($n lines)"
	fi
}

init_case_new_column() {
	init_add_column
	t_run init_in make -C my_plugin
	t_expect_status 0 "$DB_DIALECT: make -C my_plugin with the new column"
	t_run init_in "$CARB" db revision -m "instrument" --autogenerate
	t_expect_status 0 "$DB_DIALECT: db revision -m ... --autogenerate"
	for d in sqlite postgresql mariadb; do
		if ls "$P"/my_plugin/migrations/$d/my_plugin/0002_*.sql >/dev/null 2>&1 &&
			grep -q instrument "$P"/my_plugin/migrations/$d/my_plugin/0002_*.sql; then
			t_pass "$DB_DIALECT: ... wrote my_plugin/migrations/$d/my_plugin/0002_*.sql"
		else
			t_fail "$DB_DIALECT: ... wrote my_plugin/migrations/$d/my_plugin/0002_*.sql"
		fi
	done
	t_run init_in "$CARB" db upgrade
	t_expect_status 0 "$DB_DIALECT: db upgrade"
	t_expect_out "applied my_plugin 0002" "$DB_DIALECT: ... applies my_plugin 0002"
	t_run init_query "SELECT COUNT(*) FROM files WHERE instrument IS NULL"
	init_expect_rows "2" "$DB_DIALECT: the column exists, empty on the groups before it"
	t_run init_in "$CARB" db upgrade
	t_expect_status 0 "$DB_DIALECT: db upgrade again"
	t_expect_no "applied" "$DB_DIALECT: ... applies nothing"

	# The next delivery fills it.
	printf 'time,temperature_c,humidity_pct\n00:00:00,1.0,90\n' \
		>"$P/incoming/east_20240316T000000.dat"
	touch -d '2024-03-16 00:00:00 UTC' "$P/incoming/east_20240316T000000.dat"
	t_run init_in "$CARB" run --once
	t_expect_status 0 "$DB_DIALECT: run --once with the new column"
	t_run init_query "SELECT station, records, instrument, status FROM files WHERE station = 'east'"
	init_expect_rows "east|1|TH-2|ARCHIVED" "$DB_DIALECT: the new column is filled"
}

init_run_cases() {
	init_case_demo
	init_case_new_column
}
