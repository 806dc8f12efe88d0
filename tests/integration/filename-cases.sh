# The cases of the shipped filename plugin (plugins/filename.so) every
# backend must pass (sourced, POSIX sh, not a test by itself).
# filename-sqlite.sh, filename-postgresql.sh and filename-mariadb.sh source
# tests/lib/common.sh, tests/lib/catalog.sh, intake-cases.sh and
# archive-cases.sh (for their helpers: hexof, db_path, fsql, csql, rsn,
# rows, expect_rows, a_config, a_once, a_ok, a_eq, a_same, a_list) and
# this file, call catalog_start for their backend, then
# filename_run_cases.
#
# No C is written: config.toml declares the columns through the pattern,
# the plugin's migrations make them, `run --once` fills them from the
# file names, and the declarative rules select and route on them.
#
#   f_project NAME PLUGIN ARCHIVE RULES [WATCH]   $T/NAME/{in,archive},
#                    config.toml as a_config writes it with the lines
#                    WATCH in its [[watch]] and ARCHIVE after [archive],
#                    then [plugins] package = "filename" and
#                    [plugins.filename] with the lines PLUGIN; rules.toml
#                    = RULES; db init, then the plugin's first migration
#                    by `db revision --autogenerate`, and db upgrade.
# shellcheck shell=sh

F_PATTERN='{category}_{start:%Y%m%dT%H%M%S}_{stop:%Y%m%dT%H%M%S}.{ext}'

# f_project: see the top of this file.
f_project() {
	P=$T/$1
	mkdir -p "$P/in" "$P/archive"
	db_create "$1"
	if [ -n "$DB_PASSWORD" ]; then
		printf '%s\n' "$DB_PASSWORD" >"$P/db-password"
	fi
	a_config "$P/config.toml" "$3" "${5:-}"
	printf '\n[plugins]\npackage = "filename"\n\n[plugins.filename]\n%s\n' "$2" \
		>>"$P/config.toml"
	printf '%s\n' "$4" >"$P/rules.toml"
	t_run "$CARB" -c "$P/config.toml" db init
	t_expect_status 0 "$DB_DIALECT: $1: db init"
	t_run "$CARB" -c "$P/config.toml" db revision -m "filename columns" --autogenerate
	t_expect_status 0 "$DB_DIALECT: $1: db revision --autogenerate writes the columns' migration"
	a_ok "$1: ... into migrations/$DB_DIALECT/filename/, beside config.toml" \
		test -f "$P/migrations/$DB_DIALECT/filename/0001_filename_columns.sql"
	t_run "$CARB" -c "$P/config.toml" db upgrade
	t_expect_status 0 "$DB_DIALECT: $1: db upgrade applies it"
	t_run "$CARB" -c "$P/config.toml" db revision -m "again" --autogenerate
	t_expect_status 0 "$DB_DIALECT: $1: db revision --autogenerate again exits 0"
	a_ok "$1: ... and writes nothing, the catalog having every column" \
		test ! -e "$P/migrations/$DB_DIALECT/filename/0002_again.sql"
}

# f_snap: every name below $T but the archive of fesc, its catalog, lock
# and logs.
f_snap() {
	(cd "$T" && find . -path ./fesc/archive -prune -o -path './fesc/fesc.db*' -prune -o \
		-path './fesc/*.lock' -prune -o -path './fesc*.log' -prune -o -path ./out -prune -o \
		-path ./err -prune -o -path ./query.tsv -prune -o -path ./fesc-before -prune -o -print | sort)
}

# f_cols NAME GROUP: the group's "category|start|stop|ext|status".
f_cols() {
	rows "$1" "$(fsql in "$2" "COALESCE(category, 'NULL'), COALESCE(start, -1), COALESCE(stop, -1), COALESCE(ext, 'NULL'), status")"
}

# --- 1: columns filled, selection and routing on them -------------------------

filename_case_columns() {
	f_project fcols "pattern = \"$F_PATTERN\"
columns = { category = \"text\", start = \"timestamp\", stop = \"timestamp\", ext = \"text\" }
indexed = [\"start\"]" '
[archive.destinations.bycat]
destination = "{category}"' '[integrity]
min_size = 1

[metadata]
extract = "filename"

[[selection.rule]]
name = "no junk"
action = "reject"
columns = { category = ["junk"] }

[[routing.rule]]
name = "by category"
destination = "bycat"
columns = { category = ["obs", "sea_ice"] }'
	P=$T/fcols
	in=$P/in
	a_ok "filename: indexed = [\"start\"]: the migration indexes start, and only it" \
		test "$(grep -c 'CREATE INDEX' "$P/migrations/$DB_DIALECT/filename/0001_filename_columns.sql")$(grep -c 'CREATE INDEX .* ON files ("start"' "$P/migrations/$DB_DIALECT/filename/0001_filename_columns.sql")" = 11
	obs=obs_20240229T235959_20240301T000000
	ice=sea_ice_20231231T230000_20240101T000000
	# groups are named by the stem: up to the last "."
	model=model_20240101T000000_20240102T000000
	junk=junk_20240101T000000_20240101T000001
	printf 'observations\n' >"$in/$obs.dat"
	printf 'ice\n' >"$in/$ice.tar.gz"
	printf 'a model run\n' >"$in/$model.nc"
	printf 'junk\n' >"$in/$junk.dat"

	a_once fcols
	t_expect_status 0 "$DB_DIALECT: filename: run --once exits 0"

	a_eq "filename: the columns come from the member's name" \
		"$(f_cols fcols "$obs")" "obs|1709251199000000|1709251200000000|dat|ARCHIVED"
	a_eq "filename: a category holding \"_\", an extension holding \".\", a stop across a new year" \
		"$(f_cols fcols "$ice.tar")" "sea_ice|1704063600000000|1704067200000000|tar.gz|ARCHIVED"
	a_eq "filename: a group no routing rule names goes to the default destination" \
		"$(f_cols fcols "$model")" "model|1704067200000000|1704153600000000|nc|ARCHIVED"
	expect_rows fcols "$(fsql in "$junk" "category, status, $(rsn 'no junk')")" \
		"junk|NOT_SELECTED|reason ok" \
		"$DB_DIALECT: filename: a selection rule on a column rejects the group (NOT_SELECTED, the rule in its reason)"
	expect_rows fcols "$(fsql in "$obs" "COALESCE(destination, 'none')")" bycat \
		"$DB_DIALECT: filename: a routing rule on a column routes the group"

	a_same "filename: routed into the {category} template: obs/$obs.dat" \
		"$in/$obs.dat" "$P/archive/obs/$obs.dat"
	printf '<obs/>\n' >"$in/$obs.xml"
	a_once fcols
	t_expect_status 0 "$DB_DIALECT: filename: run --once with a late member exits 0"
	a_same "... and a late member follows its group" "$in/$obs.xml" "$P/archive/obs/$obs.xml"
	a_same "... and sea_ice/$ice.tar.gz" "$in/$ice.tar.gz" "$P/archive/sea_ice/$ice.tar.gz"
	a_ok "filename: the rejected group is not archived" \
		test -z "$(find "$P/archive" -name "$junk*")"
	a_ok "filename: the default destination keeps its template ({watch}/...)" \
		test -n "$(find "$P/archive/in" -name "$model.nc")"

	# Once more: nothing changes.
	before=$(a_list "$P/archive")
	a_once fcols
	t_expect_status 0 "$DB_DIALECT: filename: run --once again exits 0"
	a_eq "filename: ... and the archive is as it was" "$(a_list "$P/archive")" "$before"
}

# Members reach the plugin in the order of their names, whichever was
# recorded first: the .dat of a group that needs both is read first.
filename_case_member_order() {
	f_project ford "pattern = \"$F_PATTERN\"
columns = { category = \"text\", start = \"timestamp\", stop = \"timestamp\", ext = \"text\" }" '' '[integrity]
min_size = 1

[completeness]
required = [".dat", ".xml"]

[metadata]
extract = "filename"'
	P=$T/ford
	for stem in obs_20240229T235959_20240301T000000 sea_20240101T000000_20240101T000001 \
		ice_20240101T000000_20240101T000002 map_20240101T000000_20240101T000003; do
		printf '<x/>\n' >"$P/in/$stem.xml"
		printf 'data\n' >"$P/in/$stem.dat"
	done
	a_once ford
	t_expect_status 0 "$DB_DIALECT: filename: run --once on groups of a .dat and an .xml exits 0"
	expect_rows ford "SELECT ext, COUNT(*) FROM files GROUP BY ext" "dat|4" \
		"$DB_DIALECT: filename: the columns come from the first member name that matches (.dat before .xml), in every group"
}

# --- 2: names that match nothing, names that try to leave base_path ------------

filename_case_escape() {
	f_project fesc "pattern = \"$F_PATTERN\"" '
[archive.destinations.bycat]
destination = "{category}"

[archive.destinations.sub]
destination = "cat/{category}/x"' '[integrity]
min_size = 1

[metadata]
extract = "filename"

[[routing.rule]]
destination = "sub"
glob = ["s*"]

[[routing.rule]]
destination = "bycat"' 'exclude = []'
	P=$T/fesc
	in=$P/in
	dotdot=.._20240101T000000_20240101T000001
	dot=._20240101T000000_20240101T000001
	printf 'category ..\n' >"$in/$dotdot.dat"
	printf 'category .\n' >"$in/$dot.dat"
	# s* routes to cat/{category}/x: "s.." is a plain name there
	printf 'category s..\n' >"$in/s.._20240101T000000_20240101T000001.dat"
	printf 'no pattern here\n' >"$in/README.txt"
	printf 'no 29 February in 2023\n' >"$in/obs_20230229T000000_20230301T000000.dat"
	printf 'ok\n' >"$in/ok_20240101T000000_20240101T000001.dat"
	f_snap >"$T/fesc-before"

	a_once fesc
	t_expect_status 1 "$DB_DIALECT: filename: run --once exits 1 when groups FAIL"
	for g in "$dotdot" "$dot"; do
		expect_rows fesc "$(fsql in "$g" "category, status")" "${g%%_*}|FAILED" \
			"$DB_DIALECT: filename: a {category} of \"${g%%_*}\" in the path template FAILS the group"
		expect_rows fesc "$(csql in "$g.dat" "status, $(rsn 'would leave its place under archive.base_path'), $(db_hex "COALESCE(archive_path, $(db_blob ''))")")" \
			"FAILED|reason ok|" "$DB_DIALECT: ... its file is FAILED with the reason, never planned"
	done
	a_same "filename: \"s..\" is an ordinary folder name" \
		"$in/s.._20240101T000000_20240101T000001.dat" \
		"$P/archive/cat/s../x/s.._20240101T000000_20240101T000001.dat"
	a_same "filename: a good name beside them is archived" \
		"$in/ok_20240101T000000_20240101T000001.dat" \
		"$P/archive/ok/ok_20240101T000000_20240101T000001.dat"
	a_eq "filename: nothing was written outside archive.base_path" \
		"$(f_snap)" "$(cat "$T/fesc-before")"

	expect_rows fesc "$(fsql in README "status, $(rsn "no file name of the group matches pattern \"$F_PATTERN\"")")" \
		"FAILED|reason ok" \
		"$DB_DIALECT: filename: a group no member name matches FAILS with the pattern in its reason"
	expect_rows fesc "$(fsql in obs_20230229T000000_20230301T000000 "status, COALESCE(category, 'NULL')")" \
		"FAILED|NULL" \
		"$DB_DIALECT: filename: a date that does not exist does not match (FAILED, no column set)"
	a_ok "filename: the files of failed groups stay in the watch" test -f "$in/README.txt"
}

# --- 3: on_mismatch = "null"; integer, real and boolean columns -----------------

filename_case_types() {
	f_project ftypes 'pattern = "{site}-{run}-{ok}-{value}.csv"
columns = { run = "integer", ok = "boolean", value = "real" }
on_mismatch = "null"' '' '[integrity]
min_size = 1

[metadata]
extract = "filename"

[[selection.rule]]
action = "reject"
columns = { site = ["skip"] }'
	P=$T/ftypes
	in=$P/in
	printf 'a\n' >"$in/paris-42-yes-2.5.csv"
	printf 'b\n' >"$in/oslo--7-false--2.5e-1.csv"
	printf 'c\n' >"$in/no-pattern.txt"
	printf 'd\n' >"$in/skip-1-1-1.csv"

	a_once ftypes
	t_expect_status 0 "$DB_DIALECT: filename types: run --once exits 0"
	# a boolean reads as 1/0 in every dialect through CASE
	cols="COALESCE(site, 'NULL'), COALESCE(run, 0), CASE WHEN ok IS NULL THEN 9 WHEN ok THEN 1 ELSE 0 END, COALESCE(value, 0), status"
	expect_rows ftypes "$(fsql in paris-42-yes-2.5 "$cols")" "paris|42|1|2.5|ARCHIVED" \
		"$DB_DIALECT: filename: integer, boolean and real columns"
	expect_rows ftypes "$(fsql in oslo--7-false--2.5e-1 "$cols")" "oslo|-7|0|-0.25|ARCHIVED" \
		"$DB_DIALECT: filename: negative numbers, false, an exponent"
	expect_rows ftypes "$(fsql in no-pattern "$cols")" "NULL|0|9|0|ARCHIVED" \
		"$DB_DIALECT: filename: on_mismatch = \"null\": a name that does not match leaves the columns NULL and goes on"
	expect_rows ftypes "$(fsql in skip-1-1-1 "status")" NOT_SELECTED \
		"$DB_DIALECT: filename: a selection rule on a text column"
}

# --- 4: configuration errors, at their place in config.toml -------------------

# f_bad WHAT PLUGIN_LINES TEXT [KEY]: check config exits 2, says TEXT, at
# the line of KEY in config.toml (the pattern's when not given; "-": the
# place is the host's to choose).
f_bad() {
	P=$T/fbad
	mkdir -p "$P/in" "$P/archive"
	if [ -n "$DB_PASSWORD" ]; then
		printf '%s\n' "$DB_PASSWORD" >"$P/db-password"
	fi
	a_config "$P/config.toml" "" ""
	printf '\n[plugins]\npackage = "filename"\n\n[plugins.filename]\n%s\n' "$2" >>"$P/config.toml"
	printf '[metadata]\nextract = "filename"\n' >"$P/rules.toml"
	line=$(grep -n "^${4:-pattern} *=" "$P/config.toml" | head -n 1 | cut -d: -f1)
	t_run "$CARB" -c "$P/config.toml" check config
	t_expect_status 2 "$DB_DIALECT: filename config: $1: check config exits 2"
	t_expect_err "$3" "$DB_DIALECT: filename config: $1: the message"
	if [ "${4:-}" != - ]; then
		t_expect_err "config.toml:$line:" "$DB_DIALECT: filename config: $1: at config.toml:$line"
	fi
}

filename_case_config() {
	db_create fbad
	f_bad "adjacent placeholders" 'pattern = "{a}{b}.dat"' \
		'bad pattern at byte 4 ("{b}.dat"): placeholder "b" follows placeholder "a" with nothing between them'
	f_bad "a folder in the pattern" 'pattern = "{a}/{b}.dat"' \
		'bad pattern at byte 4 ("/{b}.dat"): a file name holds no "/" (the pattern is matched against names without their folder), so this pattern can never match'
	f_bad "a placeholder twice" 'pattern = "{a}_{a}"' \
		'placeholder "a" appears twice (first at byte 1)'
	f_bad "an unknown directive" 'pattern = "{t:%Y%q}"' \
		'unknown directive "%q" in the format of "t" (valid: %Y %y %m %d %j %H %M %S %s %f %%)'
	f_bad "an unknown type" 'pattern = "{a}_{t:%Y}"
columns = { a = "string" }' \
		'unknown type "string" for column "a" (valid: text, integer, real, boolean, timestamp)' columns
	f_bad "a type naming no placeholder" 'pattern = "{a}_{t:%Y}"
columns = { b = "text" }' \
		'columns: "b" names no placeholder of the pattern (placeholders: a, t)' columns
	f_bad "a format on an integer" 'pattern = "{a}_{t:%Y}"
columns = { t = "integer" }' 'column "t" is declared integer but its placeholder has a format' columns
	f_bad "indexed naming no placeholder" 'pattern = "{a}_{t:%Y}"
indexed = ["start"]' 'indexed: "start" names no placeholder of the pattern (placeholders: a, t)' indexed
	f_bad "a bad on_mismatch" 'pattern = "{a}.dat"
on_mismatch = "skip"' 'unknown on_mismatch "skip" (valid: fail, null)' on_mismatch
	f_bad "an unknown key" 'pattern = "{a}.dat"
patern = "{b}"' '[plugins.filename]: unknown key "patern" (valid: pattern, columns, indexed, on_mismatch, migrations)' patern
	f_bad "a placeholder named like a core column" 'pattern = "{status}.dat"' '"status"' -
}

filename_run_cases() {
	t_cleanup svc_cleanup
	LC_ALL=C
	export LC_ALL
	filename_case_config
	filename_case_columns
	filename_case_member_order
	filename_case_escape
	filename_case_types
}
