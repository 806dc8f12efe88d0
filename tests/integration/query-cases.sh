# The cases of `carbonation query` every backend must pass (sourced,
# POSIX sh, not a test by itself).  query-sqlite.sh, query-postgresql.sh
# and query-mariadb.sh source tests/lib/common.sh, tests/lib/catalog.sh,
# intake-cases.sh, archive-cases.sh and filename-cases.sh (for f_project
# and the helpers), then this file, call catalog_start for their backend,
# then query_run_cases.
#
# One project with the filename plugin (category, start, stop, ext from
# the names) takes in a set of groups with run --once; every filter kind,
# the order, limit, offset and count are compared with the same question
# asked of the catalog with its own client, and each format is parsed
# back with a real parser (query-check.py).  query-golden.csv is the
# same export on every backend, byte for byte.
# shellcheck shell=sh

Q_PATTERN='{category}_{start:%Y%m%dT%H%M%S}_{stop:%Y%m%dT%H%M%S}.{ext}'
Q_NL='
'
Q_TAB=$(printf '\t')

# q NAME ARGS...: carbonation query on project NAME.
q() {
	qn=$1
	shift
	t_run "$CARB" -c "$T/$qn/config.toml" query "$@"
}

# q_ids NAME ARGS...: the ids `query files ARGS --columns id --format
# csv` prints, on one line.
q_ids() {
	q "$@" --columns id --format csv
	tail -n +2 "$T/out" | tr -d '\r' | tr '\n' ' ' >"$T/ids"
}

# sql_ids NAME WHERE [ORDER]: the same question to the catalog's client.
sql_ids() {
	rows "$1" "SELECT id FROM files WHERE $2 ORDER BY ${3:-id DESC}" | tr '\n' ' '
}

# q_same NAME WHAT WHERE [ORDER] -- ARGS...: one case: the filter ARGS
# keeps the rows WHERE keeps, in the same order, and at least one.
q_same() {
	qs_name=$1
	qs_what=$2
	qs_where=$3
	qs_order=$4
	shift 5
	qs_want=$(sql_ids "$qs_name" "$qs_where" "$qs_order")
	q_ids "$qs_name" files "$@"
	qs_got=$(cat "$T/ids")
	if [ "$t_status" -eq 0 ] && [ -n "$qs_want" ] && [ "$qs_got" = "$qs_want" ]; then
		t_pass "$DB_DIALECT: query files $*: $qs_what"
	else
		t_fail "$DB_DIALECT: query files $*: $qs_what (ids \"$qs_got\", catalog \"$qs_want\")"
	fi
}

# q_none NAME WHAT ARGS...: one case: exit 0 and no row.
q_none() {
	qn_name=$1
	qn_what=$2
	shift 2
	q_ids "$qn_name" files "$@"
	qn_got=$(cat "$T/ids")
	if [ "$t_status" -eq 0 ] && [ -z "$qn_got" ]; then
		t_pass "$DB_DIALECT: query files $*: $qn_what"
	else
		t_fail "$DB_DIALECT: query files $*: $qn_what (ids \"$qn_got\")"
	fi
}

# A text column's bytes in capital hex, NULL as ''.
db_texthex() {
	case $DB_DIALECT in
	postgresql) printf "COALESCE(upper(encode(convert_to(%s, 'UTF8'), 'hex')), '')" "$1" ;;
	*) printf "COALESCE(hex(%s), '')" "$1" ;;
	esac
}

q_deliver() {
	in=$T/qry/in
	printf 'a' >"$in/obs_20240101T000000_20240101T060000.dat"
	printf 'bb' >"$in/obs_20240102T000000_20240102T060000.dat"
	printf 'ccc' >"$in/sea_ice_20240103T000000_20240104T000000.dat"
	printf 'dddd' >"$in/model_20240105T000000_20240105T010000.nc"
	printf 'ffffff' >"$in/q\"u,o${Q_NL}te_20240106T000000_20240106T000001.dat"
	printf 'ggggggg' >"$in/ta${Q_TAB}b_20240107T000000_20240107T000001.dat"
	printf 'hhhhhhhh' >"$in/back\\slash_20240108T000000_20240108T000001.dat"
	printf 'i' >"$in/$(printf 'inv\377\376')_20240109T000000_20240109T000001.dat"
	printf 'j' >"$in/README"
}

query_case_filters() {
	# equality, IN
	q_same qry "equality on a plugin text column" "category = 'obs'" "" -- --category obs
	q_same qry "repeated: any of the values (IN)" "category IN ('obs', 'model')" "" -- \
		--category obs --category model
	q_same qry "equality on a core text column" "status = 'FAILED'" "" -- --status FAILED
	q_same qry "equality on an integer column" "id = 2" "" -- --id 2
	q_same qry "--NAME=VALUE is the same" "category = 'obs'" "" -- --category=obs
	q_same qry "equality on a name (bytes)" \
		"group_key = $(db_path sea_ice_20240103T000000_20240104T000000)" "" -- \
		--group_key sea_ice_20240103T000000_20240104T000000
	# patterns
	q_same qry "'*' is a pattern" "category LIKE 'sea%'" "" -- --category 'sea*'
	q_same qry "'%' is a pattern" "category LIKE 'mod%'" "" -- --category 'mod%'
	q_same qry "a pattern on a name" "category IN ('obs')" "" -- --group_key 'obs_*'
	q_same qry "a pattern and a value on one column: either" "category IN ('obs', 'model')" "" -- \
		--category 'ob*' --category model
	q_none qry "'_' in a pattern is literal" --category 'se_*'
	q_none qry "patterns are case-sensitive on every backend" --category 'OBS*'
	q_none qry "equality is case-sensitive on every backend" --category OBS
	# timestamps
	q_same qry "-after and -before, inclusive; a date is its whole day" \
		"start >= 1704153600000000 AND start < 1704326400000000" "" -- \
		--start-after 2024-01-02 --start-before 2024-01-03
	q_same qry "a date-time to the second is inclusive on both sides" \
		"start = 1704153600000000" "" -- \
		--start-after 2024-01-02T00:00:00Z --start-before 2024-01-02T00:00:00Z
	q_same qry "a time zone offset" "start = 1704153600000000" "" -- \
		--start-after 2024-01-02T01:00:00+01:00 --start-before 2024-01-02T01:00+01:00
	q_same qry "a relative time: created in the last day" "1 = 1" "" -- --created_at-after 1d
	q_none qry "a relative time: nothing created before an hour ago" --created_at-before 1h
	q_same qry "--age" "1 = 1" "" -- --age 7d
	# numbers
	q_same qry "-min and -max, inclusive" \
		"id IN (SELECT file_id FROM components GROUP BY file_id HAVING SUM(size) BETWEEN 3 AND 6)" "" -- \
		--size-min 3 --size-max 6
	q_same qry "-min on the id" "id >= 3" "" -- --id-min 3
	# booleans
	q_same qry "a boolean" "complete = 1" "" -- --complete
	q_none qry "its negation" --no-complete
	q_none qry "--incomplete" --incomplete
	# daterange on the plugin's span [start, stop]
	q_same qry "--daterange: spans touching either edge overlap" \
		"start IN (1704067200000000, 1704153600000000)" "" -- \
		--span start,stop --daterange 2024-01-01T06:00:00Z/2024-01-02T00:00:00Z
	q_none qry "--daterange: a gap between spans matches nothing" \
		--span start,stop --daterange 2024-01-01T06:00:01Z/2024-01-01T23:59:59Z
	q_same qry "--daterange with an open end" "start >= 1704412800000000" "" -- \
		--span start,stop --daterange 2024-01-05/
	q_same qry "--daterange on created/completed by default" "1 = 1" "" -- \
		--daterange 2020-01-01/
	# several filters: all of them
	q_same qry "different filters must all hold" "category = 'obs' AND start >= 1704153600000000" "" -- \
		--category obs --start-after 2024-01-02
}

query_case_shape() {
	q_same qry "--order-by: descending, then ascending, NULLs last" "1 = 1" \
		"category IS NULL, category DESC, start, id" -- --order-by -category,start
	q_same qry "--order-by a core column" "1 = 1" "(SELECT SUM(c.size) FROM components c WHERE c.file_id = files.id), id" -- --order-by size
	q_same qry "the default order is -id" "1 = 1" "id DESC" --
	q_same qry "--limit and --offset" "id IN (SELECT id FROM (SELECT id FROM files ORDER BY id LIMIT 3 OFFSET 2) t)" \
		"id" -- --order-by id --limit 3 --offset 2
	q qry files --count --status ARCHIVED
	a_eq "query files --count: one number, as the catalog counts" "$(cat "$T/out")" \
		"$(rows qry "SELECT COUNT(*) FROM files WHERE status = 'ARCHIVED'")"
	q qry files --count --limit 2 --offset 1
	a_eq "query files --count with --limit and --offset" "$(cat "$T/out")" 2
	q qry components --count --status ARCHIVED
	a_eq "query components --count" "$(cat "$T/out")" \
		"$(rows qry "SELECT COUNT(*) FROM components WHERE status = 'ARCHIVED'")"
	q qry components --rel_path 'model*' --columns rel_path,size,status --order-by rel_path --format csv
	a_eq "query components: a pattern on the path, chosen columns" "$(tr -d '\r' <"$T/out")" \
		"rel_path,size,status
model_20240105T000000_20240105T010000.nc,4,ARCHIVED"
	q qry files --columns group_key,status,category,start,stop,ext,size --order-by group_key --format csv
	if cmp -s "$T/out" "$top_srcdir/tests/integration/query-golden.csv"; then
		t_pass "$DB_DIALECT: the CSV export is query-golden.csv byte for byte (the same on every backend)"
	else
		t_fail "$DB_DIALECT: the CSV export differs from query-golden.csv"
		cp "$T/out" "${QUERY_GOLDEN_OUT:-/dev/null}"
		od -c "$T/out" | head -40
	fi
	q qry files --columns group_key,status,category,start,size --order-by group_key
	if [ "$t_status" -eq 0 ] && grep -q '^ group_key  *| status ' "$T/out" &&
		grep -q '^-*+-*+' "$T/out" && grep -qF 'inv\xff\xfe_' "$T/out" &&
		grep -qF 'q"u,o\x0ate' "$T/out" && tail -n 1 "$T/out" | grep -q '^(8 rows)$'; then
		t_pass "$DB_DIALECT: the table: a header, a rule, names escaped, a row count"
	else
		t_fail "$DB_DIALECT: the table: a header, a rule, names escaped, a row count"
	fi
}

query_case_formats() {
	rows qry "SELECT id, $(db_hex group_key), $(db_texthex category) FROM files" >"$T/expected"
	for fmt in json jsonl csv tsv; do
		q qry files --columns id,group_key,category --format "$fmt"
		cp "$T/out" "$T/out.$fmt"
		t_run python3 "$top_srcdir/tests/integration/query-check.py" "$fmt" \
			"$T/out.$fmt" "$T/expected"
		t_expect_status 0 "$DB_DIALECT: --format $fmt, parsed back, holds every name (newline, quote, comma, tab, backslash, invalid UTF-8) as the catalog has it"
	done
	q qry files --format json --limit 0
	a_eq "--format json with no row is an empty array" "$(cat "$T/out")" "[]"
}

query_case_errors() {
	q qry files --categroy obs
	t_expect_status 2 "$DB_DIALECT: an unknown filter is a usage error"
	t_expect_err 'unknown filter "--categroy" (did you mean "--category"?)' \
		"$DB_DIALECT: ... with a suggestion"
	q qry files --size-min lots
	t_expect_status 2 "$DB_DIALECT: a value of the wrong type is a usage error"
	t_expect_err '"lots" is not an integer (column size is integer)' \
		"$DB_DIALECT: ... naming the column and its type"
	q qry files --start-after yesterday
	t_expect_status 2 "$DB_DIALECT: a time that is none is a usage error"
	t_expect_err 'column start is timestamp' "$DB_DIALECT: ... naming the column"
	q qry files --order-by -nothing
	t_expect_status 2 "$DB_DIALECT: --order-by an unknown column is a usage error"
	q qry files --format xml
	t_expect_status 2 "$DB_DIALECT: an unknown format is a usage error"
	q qry files --help
	t_expect_status 0 "$DB_DIALECT: query files --help"
	if grep -qF -- '--category VALUE' "$T/out" && grep -qF -- '--start-after T' "$T/out" &&
		grep -qF -- '--size N, --size-min N' "$T/out" && grep -qF 'plugin column' "$T/out"; then
		t_pass "$DB_DIALECT: --help lists the catalog's filters, plugin columns included"
	else
		t_fail "$DB_DIALECT: --help lists the catalog's filters, plugin columns included"
	fi
}

query_case_clear() {
	P=$T/qry
	t_run "$CARB" -c "$P/config.toml" clear
	t_expect_status 2 "$DB_DIALECT: clear without a filter is a usage error"
	t_run "$CARB" -c "$P/config.toml" clear --category obs
	t_expect_status 0 "$DB_DIALECT: clear --category obs"
	t_expect_out "2 groups cleared" "$DB_DIALECT: ... marks the two final groups it selects"
	q qry files --count --status CLEARED
	a_eq "query files --status CLEARED shows them" "$(cat "$T/out")" 2
	t_run "$CARB" -c "$P/config.toml" clear --category obs
	t_expect_out "0 groups cleared" "$DB_DIALECT: clearing again changes nothing"
	t_run "$CARB" -c "$P/config.toml" clear --status FAILED
	t_expect_out "1 group cleared" "$DB_DIALECT: clear --status FAILED"
	t_run "$CARB" -c "$P/config.toml" retry
	t_expect_status 0 "$DB_DIALECT: retry after the FAILED group was cleared"
	expect_rows qry "SELECT status FROM components WHERE file_id IN (SELECT id FROM files WHERE status = 'CLEARED') AND status <> 'ARCHIVED'" \
		FAILED "$DB_DIALECT: ... leaves the cleared group's FAILED component alone (never archived again)"
}

query_run_cases() {
	t_cleanup svc_cleanup
	LC_ALL=C
	export LC_ALL
	# read by a_config (archive-cases.sh)
	# shellcheck disable=SC2034
	ARCH_SETTLE=0s
	f_project qry "pattern = \"$Q_PATTERN\"
columns = { category = \"text\", start = \"timestamp\", stop = \"timestamp\", ext = \"text\" }
indexed = [\"start\"]" '' '[metadata]
extract = "filename"' 'exclude = ["README"]'
	q_deliver
	a_once qry
	expect_rows qry "SELECT COUNT(*) FROM files" 8 "$DB_DIALECT: run --once took in the groups"
	query_case_filters
	query_case_shape
	query_case_formats
	query_case_errors
	query_case_clear
}
