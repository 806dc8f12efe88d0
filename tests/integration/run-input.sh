#!/bin/sh
# `carbonation run --input FILE [--watch NAME]`: one delivered file and its
# group through the whole path once, with what became of each printed:
# exit 0 when all are ARCHIVED, 1 otherwise; the rest of the watch is not
# touched; a file outside every watch is a usage error (2).  SQLite.
set -u
. "$top_srcdir/tests/lib/common.sh"
t_setup

P=$T/p
mkdir -p "$P/in/sub" "$P/other" "$P/archive"
cat >"$P/config.toml" <<EOT
[archive]
base_path = "archive"
destination = "{watch}"

[[watch]]
name = "in"
path = "in"
settle = "0s"
recursive = true

[[watch]]
name = "other"
path = "other"
settle = "0s"
EOT
printf '[completeness]\nrequired = [".dat", ".xml"]\ntimeout = "1h"\n' >"$P/rules.toml"
"$CARB" -c "$P/config.toml" db init >/dev/null

printf 'a\n' >"$P/in/sub/a.dat"
printf '<a/>\n' >"$P/in/sub/a.xml"
printf 'b\n' >"$P/in/sub/b.dat"
printf '<b/>\n' >"$P/in/sub/b.xml"
printf 'lone\n' >"$P/in/lone.dat"
printf 'o\n' >"$P/other/o.dat"

t_run "$CARB" -c "$P/config.toml" run --input "$P/in/sub/a.dat"
t_expect_status 0 "a complete group: exit 0"
t_expect_out "watch \"in\": sub/a.dat: ARCHIVED at $P/archive/in/a.dat" "... the file, ARCHIVED, and where"
t_expect_out "watch \"in\": sub/a.xml: ARCHIVED at $P/archive/in/a.xml" "... and its group's other member"
if [ -f "$P/archive/in/a.dat" ] && [ ! -e "$P/archive/in/b.dat" ] &&
	[ ! -e "$P/archive/other" ]; then
	t_pass "only that group is archived: not b (same folder), not the other watch"
else
	t_fail "only that group is archived: not b (same folder), not the other watch"
	find "$P/archive" | sed 's/^/  | /'
fi
t_run sqlite3 "$P/carbonation.db" "SELECT COUNT(*) FROM components"
t_expect_out "2" "... and only its files are recorded"

t_run "$CARB" -c "$P/config.toml" run --input "$P/in/lone.dat" --watch in
t_expect_status 1 "a group that cannot complete: exit 1"
t_expect_out 'watch "in": lone.dat: WAITING' "... the status says it waits"

(cd "$P/in/sub" && "$CARB" -c ../../config.toml run --input b.xml) >"$T/out" 2>"$T/err"
t_status=$?
t_expect_status 0 "a relative FILE, named by a member: exit 0"
t_expect_out 'watch "in": sub/b.xml: ARCHIVED' "... the member named comes first"

t_run "$CARB" -c "$P/config.toml" run --input "$T/elsewhere.dat"
t_expect_status 2 "a file outside every watch: usage error"
t_expect_err "not in any watch's folder" "... that says so"
t_run "$CARB" -c "$P/config.toml" run --input "$P/in/sub/a.dat" --watch other
t_expect_status 2 "--watch naming a watch that does not hold FILE: usage error"
t_run "$CARB" -c "$P/config.toml" run --input "$P/in/sub/a.dat" --watch nope
t_expect_status 2 "--watch naming no watch: usage error"
t_expect_err 'nope' "... naming the value"
t_run "$CARB" -c "$P/config.toml" run --watch in
t_expect_status 2 "--watch without --input: usage error"

printf 'x\n' >"$P/in/excluded.tmp"
t_run "$CARB" -c "$P/config.toml" run --input "$P/in/excluded.tmp"
t_expect_status 1 "an excluded name: exit 1"
t_expect_out "not recorded" "... it says it was not recorded"
t_done
