#!/bin/sh
# Query benchmark: `carbonation query` on a catalog of many groups beside
# the database's own client running the same SQL.  Prints figures; never
# fails because of them.
#
#   contrib/bench-query.sh [options] [CARBONATION]
#
#   --rows N        groups in the catalog (default 1000000)
#   --url URL       a catalog to fill instead of a new SQLite file: an
#                   empty PostgreSQL or MariaDB database ([database] url
#                   syntax, password in the URL or the client's own
#                   sources)
#   --client CMD    that database's client, reading SQL on stdin and
#                   printing rows (e.g. "psql -X -q -A -t -h /run/pg db",
#                   "mariadb --no-defaults -N -B -S /run/my.sock db")
#   --dir DIR       scratch folder (default $TMPDIR or /tmp)
#   --work DIR      keep the project and catalog in DIR; a later run with
#                   the same DIR (and --url) measures again without
#                   filling again
#   --repeat N      time each command N times (default 5) and print the
#                   median and the range
#
# It builds nothing: it runs CARBONATION, else $CARB, else ./carbonation.
# Use a release build (./configure CFLAGS="-O2 -g"); a build with
# --enable-sanitizers is several times slower.
#
# A project with the filename plugin (columns category, start, stop, ext;
# category indexed) is made and migrated; N groups are written by one SQL
# statement (1,000 categories, a tenth FAILED, the rest ARCHIVED).  The
# catalog is then brought to the state a running server keeps it in:
# PostgreSQL's VACUUM ANALYZE (autovacuum's work after a bulk insert:
# statistics, hint bits, the visibility map that index-only scans need),
# MariaDB's ANALYZE TABLE.  Each command runs once untimed (a warm
# cache, for both sides), then N times, carbonation and the client in
# turn, each timed as one command with its peak resident memory (GNU
# time's %M, in KiB):
#
#   selective   query files --category cat7 (1 group in 1,000, on the index)
#   count       query files --count --status FAILED
#   export      query files --format csv of every group (id, group_key,
#               status, category, start)
#
# and the client running the SQL `query` runs.  The ratio carbonation /
# client is printed; the goal is 1.5 or less, under 100 ms for the
# selective query, and the export's memory the same at any N.
set -u

usage() {
	sed -n '2,/^set -u/p' "$0" | sed -e '/^set -u/d' -e 's/^# \{0,1\}//'
	exit "$1"
}

rows=1000000
url=
client=
dir=${TMPDIR:-/tmp}
keep=
repeat=5
CARB=${CARB:-./carbonation}
while [ $# -gt 0 ]; do
	case $1 in
	--rows) rows=$2; shift 2 ;;
	--url) url=$2; shift 2 ;;
	--client) client=$2; shift 2 ;;
	--dir) dir=$2; shift 2 ;;
	--work) keep=$2; shift 2 ;;
	--repeat) repeat=$2; shift 2 ;;
	-h|--help) usage 0 ;;
	-*) usage 2 ;;
	*) CARB=$1; shift ;;
	esac
done

if [ -n "$keep" ]; then
	mkdir -p "$keep" && work=$(cd "$keep" && pwd) || exit 1
else
	work=$(mktemp -d "$dir/bench-query.XXXXXX") || exit 1
	trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work/in" "$work/archive"
if [ -z "$url" ]; then
	url="sqlite:$work/cat.db"
	client="sqlite3 -batch -csv $work/cat.db"
	dialect=sqlite
else
	case $url in
	postgres*) dialect=postgresql ;;
	*) dialect=mariadb ;;
	esac
fi
if [ -z "$client" ]; then
	echo "bench-query: --client is needed with --url" >&2
	exit 2
fi
cat >"$work/config.toml" <<EOF
[database]
url = "$url"

[[watch]]
name = "in"
path = "in"

[archive]
base_path = "archive"

[plugins]
package = "filename"

[plugins.filename]
pattern = "{category}_{start:%Y%m%dT%H%M%S}_{stop:%Y%m%dT%H%M%S}.{ext}"
columns = { category = "text", start = "timestamp", stop = "timestamp", ext = "text" }
indexed = ["category"]
EOF

# fill: the schema, then one statement writes every group.
fill() {
	"$CARB" -c "$work/config.toml" db init >/dev/null &&
		"$CARB" -c "$work/config.toml" db revision -m columns --autogenerate >/dev/null &&
		"$CARB" -c "$work/config.toml" db upgrade >/dev/null || exit 1

	cols="watch, group_key, status, complete, created_at, completed_at, updated_at, category, start, stop, ext"
	vals="'in', KEY, CASE WHEN i % 10 = 0 THEN 'FAILED' ELSE 'ARCHIVED' END, 1,
		1700000000000000 + i, 1700000000000000 + i, 1700000000000000 + i,
		'cat' || (i % 1000), 1700000000000000 + i * 1000000, 1700000000000000 + i * 1000000 + 1, 'dat'"
	case $dialect in
	sqlite) gen="WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $rows)
		INSERT INTO files ($cols) SELECT $(echo "$vals" | sed "s/KEY/CAST('g' || i AS BLOB)/") FROM n;" ;;
	postgresql) gen="INSERT INTO files ($cols) SELECT $(echo "$vals" | sed "s/KEY/convert_to('g' || i, 'UTF8')/") FROM generate_series(CAST(1 AS BIGINT), $rows) AS i;" ;;
	*) gen="SET SESSION sql_mode = 'ANSI_QUOTES,PIPES_AS_CONCAT';
		INSERT INTO files ($cols) SELECT $(echo "$vals" | sed "s/KEY/CAST(CONCAT('g', seq) AS BINARY)/; s/\\bi\\b/seq/g") FROM seq_1_to_$rows;" ;;
	esac
	t0=$(date +%s%N)
	printf "%s\n" "$gen" | $client >/dev/null || { echo fill failed; exit 1; }
	echo "filled $rows groups in $(( ($(date +%s%N) - t0) / 1000000 )) ms ($dialect)"
	case $dialect in
	postgresql) settle="VACUUM ANALYZE files;" ;;
	mariadb) settle="ANALYZE TABLE files;" ;;
	*) settle= ;;
	esac
	if [ -n "$settle" ]; then
		echo "$settle" | $client >/dev/null || { echo "$settle failed"; exit 1; }
	fi
	echo "$rows $url" >"$work/filled"
}

if [ "$(cat "$work/filled" 2>/dev/null)" = "$rows $url" ]; then
	echo "reusing the $rows groups in $work ($dialect)"
else
	fill
fi

# timed CMD...: runs CMD, stdout to $work/out; sets ms and kib.
timed() {
	t0=$(date +%s%N)
	/usr/bin/time -f %M -o "$work/rss" "$@" >"$work/out" 2>"$work/err" || sed "s/^/  error: /" "$work/err" >&2
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	kib=$(cat "$work/rss")
}

# stats FILE: "median (min-max)" of the numbers in FILE, one a line.
stats() {
	sort -n "$1" | awk '{ v[NR] = $1 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%d (%d-%d)", m, v[1], v[NR] }'
}

# median FILE: the median alone.
median() {
	stats "$1" | cut -d' ' -f1
}

# bench NAME SQL ARGS...: carbonation query files ARGS beside the client
# running SQL, each once to warm up and then $repeat times in turn.
bench() {
	name=$1
	sql=$2
	shift 2
	echo "$sql" >"$work/sql"
	: >"$work/c.ms"; : >"$work/c.kib"; : >"$work/d.ms"; : >"$work/d.kib"
	i=0
	while [ "$i" -le "$repeat" ]; do
		timed "$CARB" -c "$work/config.toml" query files "$@"
		clines=$(wc -l <"$work/out")
		[ "$i" -gt 0 ] && echo "$ms" >>"$work/c.ms" && echo "$kib" >>"$work/c.kib"
		timed sh -c "exec $client <'$work/sql'"
		[ "$i" -gt 0 ] && echo "$ms" >>"$work/d.ms" && echo "$kib" >>"$work/d.kib"
		i=$((i + 1))
	done
	printf '%-10s carbonation %s ms %7d KiB (%s lines)   client %s ms %7d KiB   ratio %s\n' \
		"$name" "$(stats "$work/c.ms")" "$(sort -n "$work/c.kib" | tail -n 1)" \
		"$clines" "$(stats "$work/d.ms")" "$(sort -n "$work/d.kib" | tail -n 1)" \
		"$(awk -v a="$(median "$work/c.ms")" -v b="$(median "$work/d.ms")" \
			'BEGIN { printf "%.2f", b ? a / b : 0 }')"
}

echo "median (min-max) of $repeat runs; RSS the largest"
bench selective "SELECT id, group_key, status, category, start FROM files WHERE category = 'cat7' ORDER BY id DESC;" \
	--category cat7 --columns id,group_key,status,category,start --format csv
bench count "SELECT COUNT(*) FROM files WHERE status = 'FAILED';" \
	--count --status FAILED
bench export "SELECT id, group_key, status, category, start FROM files ORDER BY id DESC;" \
	--columns id,group_key,status,category,start --format csv
