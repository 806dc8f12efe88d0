# The `carbonation retry` and `carbonation reconcile delivery|archive`
# cases every backend must pass (sourced, POSIX sh, not a test by
# itself).  reconcile-sqlite.sh, reconcile-postgresql.sh and
# reconcile-mariadb.sh source it after tests/lib/catalog.sh, call
# catalog_start for their backend, then reconcile_run_cases.
#
# The contract is docs/reconcile.md.  No service runs: each
# situation is made by hand, rows INSERTed with the backend's own client
# (the archiver records rows the same way) and real files, folders,
# symlinks and FIFOs put in a project's watch and archive folders.  Each
# project is a folder $T/NAME with config.toml and a database of its own.
#
#   rc_project NAME ARCHIVE_EXTRA WATCHES   config.toml, folders, db init
#   rc_sql NAME SQL                          runs SQL; a failure is a case
#   rc_comp ID WATCH PATH STATUS [COLS VALS] one components row (as SQL)
#   rc_rows NAME SQL ROWS WHAT               SQL's rows are ROWS: one case
#   rc_json WHAT                             $T/out is valid JSON: one case;
#                                            its items go to $T/items
# shellcheck shell=sh

TAB=$(printf '\t')
NOW=0

hexof() {
	printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n' | tr a-f A-F
}

db_path() {
	db_blob "$(hexof "$1")"
}

now_us() {
	echo $(($(date +%s%N) / 1000))
}

sha256of() {
	printf '%s' "$1" | sha256sum | cut -c1-64
}

# rc_project NAME ARCHIVE_EXTRA WATCHES: $T/NAME with config.toml whose
# [archive] is followed by ARCHIVE_EXTRA and whose watches are WATCHES
# (TOML); each path = "..." folder is made, and archive/.
rc_project() {
	P=$T/$1
	mkdir -p "$P/archive"
	db_create "$1"
	{
		printf '[database]\nurl = "%s"\n' "$DB_URL"
		if [ -n "$DB_PASSWORD" ]; then
			printf '%s\n' "$DB_PASSWORD" >"$P/db-password"
			printf 'password_file = "db-password"\n'
		fi
		printf '\n[archive]\nbase_path = "archive"\n%s\n\n%s\n' "$2" "$3"
	} >"$P/config.toml"
	printf '%s\n' "$3" | sed -n 's/^path = "\(.*\)"$/\1/p' | while IFS= read -r d; do
		mkdir -p "$P/$d"
	done
	CFG=$P/config.toml
	t_run "$CARB" -c "$CFG" db init
	t_expect_status 0 "$DB_DIALECT: $1: db init"
}

rc_sql() {
	if ! db_query "$1" "$2" >"$T/sql.out" 2>"$T/sql.err"; then
		t_fail "$DB_DIALECT: $1: setting up rows: $(cat "$T/sql.err")"
		return 1
	fi
}

# rc_comp ID WATCH PATH STATUS [", COLS" ", VALS"]: prints one INSERT.
rc_comp() {
	printf "INSERT INTO components (id, watch, rel_path, stem, extension, status, discovered_at, updated_at%s) VALUES (%s, '%s', %s, %s, %s, '%s', %s, %s%s);\n" \
		"${5:-}" "$1" "$2" "$(db_path "$3")" "$(db_path x)" \
		"$(db_path .dat)" "$4" "$NOW" "$NOW" "${6:-}"
}

# rc_group ID WATCH KEY STATUS: prints one INSERT into files.
rc_group() {
	printf "INSERT INTO files (id, watch, group_key, status, created_at, updated_at) VALUES (%s, '%s', %s, '%s', %s, %s);\n" \
		"$1" "$2" "$(db_path "$3")" "$4" "$NOW" "$NOW"
}

rc_rows() {
	db_query "$1" "$2" >"$T/rows" 2>&1 || :
	if [ "$(cat "$T/rows")" = "$3" ]; then
		t_pass "$4"
	else
		t_fail "$4 (rows differ from: $3)"
		sed 's/^/  rows | /' "$T/rows"
	fi
}

# rc_json WHAT: $T/out parses as JSON; $T/items gets "check count" then
# one line per discrepancy: class, path (Python's ascii()), component,
# whether an action is given.
rc_json() {
	if python3 -m json.tool <"$T/out" >/dev/null 2>"$T/json.err" &&
		python3 -c '
import json, sys
d = json.load(sys.stdin)
print(d["check"], d["count"], len(d["discrepancies"]))
for x in d["discrepancies"]:
    print(x["class"], ascii(x["path"]), x["component"], x["watch"],
          "action" if x["action"] is not None else "no-action")
' <"$T/out" >"$T/items" 2>>"$T/json.err"; then
		t_pass "$1"
	else
		t_fail "$1 (not valid JSON: $(cat "$T/json.err"))"
	fi
}

rc_expect_items() {
	if grep -qxF -- "$1" "$T/items"; then
		t_pass "$2"
	else
		t_fail "$2 (no item: $1)"
		sed 's/^/  items | /' "$T/items"
	fi
}

rc_expect_no_item() {
	if grep -qF -- "$1" "$T/items"; then
		t_fail "$2 (has item: $1)"
	else
		t_pass "$2"
	fi
}

# A text line of the last run: the fields joined by tabs.
rc_line() {
	printf '%s' "$1"
	shift
	for f in "$@"; do
		printf '\t%s' "$f"
	done
}

# --- usage ----------------------------------------------------------------

reconcile_case_usage() {
	rc_project use '' '[[watch]]
name = "in"
path = "in"

[[watch]]
name = "other"
path = "other"'
	for cmd in retry reconcile "reconcile delivery" "reconcile archive"; do
		# shellcheck disable=SC2086 # the command words are split on purpose
		t_run "$CARB" -c "$CFG" $cmd --help
		t_expect_status 0 "$DB_DIALECT: $cmd --help exits 0"
		t_expect_out "usage: carbonation" "$DB_DIALECT: $cmd --help prints usage"
	done
	t_run "$CARB" -c "$CFG" reconcile
	t_expect_status 2 "$DB_DIALECT: reconcile without a check is a usage error"
	t_run "$CARB" -c "$CFG" reconcile delivry
	t_expect_status 2 "$DB_DIALECT: reconcile delivry exits 2"
	t_expect_err 'did you mean "reconcile delivery"?' "$DB_DIALECT: ... and suggests delivery"
	t_run "$CARB" -c "$CFG" reconcile delivery --format xml
	t_expect_status 2 "$DB_DIALECT: an unknown --format exits 2"
	t_expect_err 'formats: text, json' "$DB_DIALECT: ... naming the formats"
	t_run "$CARB" -c "$CFG" reconcile delivery --format jsn
	t_expect_err '(did you mean "json"?)' "$DB_DIALECT: ... with a suggestion"
	t_run "$CARB" -c "$CFG" reconcile delivery --deep
	t_expect_status 2 "$DB_DIALECT: --deep is for reconcile archive only"
	t_run "$CARB" -c "$CFG" reconcile archive --fixx
	t_expect_status 2 "$DB_DIALECT: an unknown option exits 2"
	t_expect_err 'did you mean "--fix"?' "$DB_DIALECT: ... and suggests --fix"
	t_run "$CARB" -c "$CFG" reconcile archive --watch
	t_expect_status 2 "$DB_DIALECT: --watch without a value exits 2"
	t_run "$CARB" -c "$CFG" reconcile archive extra
	t_expect_status 2 "$DB_DIALECT: an argument exits 2"
	for cmd in "reconcile delivery" "reconcile archive" retry; do
		# shellcheck disable=SC2086
		t_run "$CARB" -c "$CFG" $cmd --watch othr
		t_expect_status 2 "$DB_DIALECT: $cmd with an unknown watch exits 2"
		t_expect_err 'unknown watch "othr" (did you mean "other"?); watches: "in", "other"' \
			"$DB_DIALECT: $cmd names the watch, suggests one, lists them"
	done
	cp "$CFG" "$T/use/bad.toml"
	printf 'bogus = 1\n' >>"$T/use/bad.toml"
	t_run "$CARB" -c "$T/use/bad.toml" reconcile delivery
	t_expect_status 2 "$DB_DIALECT: a config error exits 2"
	t_expect_err "bad.toml:" "$DB_DIALECT: ... naming the file"

	# A catalog db init never made: exit 1, for every command.
	mkdir -p "$T/noinit/in" "$T/noinit/other" "$T/noinit/archive"
	db_create noinit
	sed "s|^url = .*|url = \"$DB_URL\"|" "$CFG" >"$T/noinit/config.toml"
	if [ -n "$DB_PASSWORD" ]; then
		cp "$T/use/db-password" "$T/noinit/db-password"
	fi
	if [ "$DB_DIALECT" = sqlite ]; then
		# An empty file: the database exists, its schema does not.
		: >"$T/noinit/noinit.db"
	fi
	for cmd in retry "reconcile delivery" "reconcile archive"; do
		# shellcheck disable=SC2086
		t_run "$CARB" -c "$T/noinit/config.toml" $cmd
		t_expect_status 1 "$DB_DIALECT: $cmd on a catalog without schema exits 1"
		t_expect_err "db init" "$DB_DIALECT: ... and says to run db init"
	done
}

# --- a clean tree -----------------------------------------------------------

reconcile_case_clean() {
	rc_project clean '' '[[watch]]
name = "in"
path = "in"'
	NOW=$(now_us)
	printf 'hello\n' >"$P/in/a.dat"
	mkdir -p "$P/archive/in"
	printf 'hello\n' >"$P/archive/in/a.dat"
	rc_sql clean "$(rc_comp 1 in a.dat ARCHIVED \
		', size, content_hash, archive_destination, archive_path' \
		", 6, '$(sha256of 'hello
')', 'default', $(db_path in/a.dat)")" || return
	for check in delivery archive "archive --deep"; do
		# shellcheck disable=SC2086
		t_run "$CARB" -c "$CFG" reconcile $check
		t_expect_status 0 "$DB_DIALECT: clean: reconcile $check exits 0"
		t_expect_out "no discrepancy" "$DB_DIALECT: clean: reconcile $check says no discrepancy"
		# shellcheck disable=SC2086
		t_run "$CARB" -c "$CFG" reconcile $check --format json
		t_expect_status 0 "$DB_DIALECT: clean: reconcile $check --format json exits 0"
		rc_json "$DB_DIALECT: clean: reconcile $check --format json is JSON"
		rc_expect_items "${check%% *} 0 0" "$DB_DIALECT: clean: ... with count 0"
	done
}

# --- reconcile delivery -------------------------------------------------------

# The files: what the rows below say, and what they do not know.
reconcile_delivery_files() {
	cd "$P" || return
	printf 'ok\n' >in/ok.dat
	printf 'new\n' >in/new.dat
	printf 'hidden\n' >in/.hidden.dat
	printf 'part\n' >in/x.part
	printf 'tmp\n' >in/.carb-tmp-1
	mkdir -p in/sub rec/a/b elsewhere
	printf 'deep\n' >in/sub/deep.dat
	printf 'outside\n' >outside.dat
	ln -s ../outside.dat in/lnk.dat
	ln -s ../outside.dat in/swapped.dat
	mkfifo in/fifo.dat
	printf 'nl\n' >"in/new
line.dat"
	printf 'ff\n' >"in/bad$(printf '\377').dat"
	printf 'qb\n' >'in/q"b\s.dat'
	printf 'known\n' >rec/a/b/known.dat
	printf 'c\n' >rec/a/b/c.dat
	printf 'skip\n' >rec/a/x-skip.dat
	printf 'notes\n' >rec/a/notes.txt
	printf 'z\n' >elsewhere/z.dat
	ln -s ../elsewhere rec/linkdir
	printf 'seen\n' >dot/.seen.dat
	printf 'tmp\n' >dot/.carb-tmp-abc
	cd - >/dev/null || return
}

reconcile_delivery_rows() {
	NOW=$(now_us)
	{
		rc_comp 1 in ok.dat PENDING
		rc_comp 2 in gone.dat PENDING
		rc_comp 3 in gone-ready.dat READY
		rc_comp 4 in arch.dat ARCHIVED
		rc_comp 5 in flight.dat ARCHIVING
		rc_comp 6 in dup.dat DUPLICATE
		rc_comp 7 in wd.dat WITHDRAWN
		rc_comp 8 in regen.dat FAILED ', generation' ', 1'
		rc_comp 9 in regen.dat ARCHIVED ', generation' ', 2'
		rc_comp 10 in old.dat ARCHIVED ', generation' ', 1'
		rc_comp 11 in old.dat PENDING ', generation' ', 2'
		rc_comp 12 in fifo.dat INTEGRITY_FAILED
		rc_comp 13 in swapped.dat PENDING
		rc_comp 14 in failed.dat FAILED
		rc_comp 15 in retrying.dat RETRY_PENDING
		rc_comp 16 in notsel.dat NOT_SELECTED
		rc_comp 17 in timedout.dat TIMED_OUT
		rc_comp 18 in waiting.dat WAITING
		rc_comp 19 in intfail.dat INTEGRITY_FAILED
		rc_comp 20 rec a/b/known.dat PENDING
		rc_comp 21 rec a/gone.dat WAITING
	} >"$T/delivery.sql"
	rc_sql dl "$(cat "$T/delivery.sql")"
}

reconcile_delivery_report() {
	t_run "$CARB" -c "$CFG" reconcile delivery
	t_expect_status 1 "$DB_DIALECT: reconcile delivery with discrepancies exits 1"
	t_expect_out "$(rc_line unrecorded in new.dat 'no component' \
		'a regular file of 4 bytes that the catalog does not know')" \
		"$DB_DIALECT: delivery: an unrecorded file, one tab-separated line"
	t_expect_out "$(rc_line unrecorded in 'new\x0aline.dat' 'no component')" \
		"$DB_DIALECT: delivery: a newline in a name is escaped"
	t_expect_out "$(rc_line unrecorded in 'bad\xff.dat' 'no component')" \
		"$DB_DIALECT: delivery: a byte that is not UTF-8 is escaped"
	t_expect_out "$(rc_line unrecorded in 'q"b\x5cs.dat' 'no component')" \
		"$DB_DIALECT: delivery: a backslash is escaped, so escapes stay unambiguous"
	t_expect_out "$(rc_line unrecorded rec a/b/c.dat 'no component')" \
		"$DB_DIALECT: delivery: a recursive watch is walked"
	t_expect_out "$(rc_line unrecorded dot .seen.dat 'no component')" \
		"$DB_DIALECT: delivery: exclude = [] takes a dot file"
	for ignored in .hidden.dat x.part .carb-tmp deep.dat lnk.dat x-skip.dat notes.txt z.dat; do
		t_expect_no "$ignored" "$DB_DIALECT: delivery: $ignored is not reported"
	done
	t_expect_out "$(rc_line vanished in gone.dat 'component 2' \
		'status PENDING; nothing at the path')" \
		"$DB_DIALECT: delivery: a PENDING row without its file is vanished"
	t_expect_out "$(rc_line vanished in swapped.dat 'component 13' \
		'status PENDING; a symlink is there, not a regular file')" \
		"$DB_DIALECT: delivery: a symlink where a file was is vanished"
	t_expect_out "$(rc_line vanished in old.dat 'component 11')" \
		"$DB_DIALECT: delivery: the newest generation is the one checked"
	t_expect_out "$(rc_line vanished rec a/gone.dat 'component 21')" \
		"$DB_DIALECT: delivery: vanished in a recursive watch"
	for st in 3:READY 14:FAILED 15:RETRY_PENDING 16:NOT_SELECTED 17:TIMED_OUT 18:WAITING 19:INTEGRITY_FAILED; do
		t_expect_out "component ${st%%:*}${TAB}status ${st#*:}; nothing at the path" \
			"$DB_DIALECT: delivery: a ${st#*:} row without its file is vanished"
	done
	for id in 1 4 5 6 7 9 12 20; do
		t_expect_no "component $id$TAB" "$DB_DIALECT: delivery: component $id is fine"
	done
	t_expect_out "17 discrepancies (unrecorded: 6, vanished: 11)" \
		"$DB_DIALECT: delivery: the summary counts each class"
	t_expect_no "fixed:" "$DB_DIALECT: delivery: nothing is fixed without --fix"
}

reconcile_delivery_json() {
	t_run "$CARB" -c "$CFG" reconcile delivery --format json
	t_expect_status 1 "$DB_DIALECT: delivery --format json exits 1"
	rc_json "$DB_DIALECT: delivery --format json is valid JSON"
	rc_expect_items "delivery 17 17" "$DB_DIALECT: delivery json: check and count"
	rc_expect_items "unrecorded 'new\\nline.dat' None in no-action" \
		"$DB_DIALECT: delivery json: a newline survives, component null"
	rc_expect_items "unrecorded 'bad\\xff.dat' None in no-action" \
		"$DB_DIALECT: delivery json: a non-UTF-8 byte is \\u00ff"
	rc_expect_items "unrecorded 'q\"b\\\\s.dat' None in no-action" \
		"$DB_DIALECT: delivery json: a quote and a backslash survive"
	rc_expect_items "vanished 'gone.dat' 2 in no-action" \
		"$DB_DIALECT: delivery json: a vanished row with its id"
	t_expect_out '"action":null' "$DB_DIALECT: delivery json: action null without --fix"
}

reconcile_delivery_filter() {
	for opt in --watch --watch-name; do
		t_run "$CARB" -c "$CFG" reconcile delivery "$opt" rec
		t_expect_status 1 "$DB_DIALECT: delivery $opt rec exits 1"
		t_expect_out "2 discrepancies (unrecorded: 1, vanished: 1)" \
			"$DB_DIALECT: delivery $opt rec: only that watch"
		t_expect_no "${TAB}in${TAB}" "$DB_DIALECT: delivery $opt rec: nothing of watch in"
	done
}

reconcile_delivery_fix() {
	reason='reconcile: file gone from the delivery folder'
	t_run "$CARB" -c "$CFG" reconcile delivery --fix
	t_expect_status 1 "$DB_DIALECT: delivery --fix exits 1 (discrepancies were found)"
	t_expect_out "$(rc_line vanished in gone.dat 'component 2' \
		'status PENDING; nothing at the path' 'fixed: withdrawn')" \
		"$DB_DIALECT: delivery --fix: a vanished row is withdrawn"
	t_expect_out "$(rc_line unrecorded in new.dat 'no component' \
		'a regular file of 4 bytes that the catalog does not know' \
		"fixed: nothing to do: the service's next walk records it once it has settled")" \
		"$DB_DIALECT: delivery --fix: an unrecorded file is left to the service"
	rc_rows dl "SELECT id FROM components WHERE status = 'WITHDRAWN' AND reason = '$reason' ORDER BY id" \
		"$(printf '%s\n' 2 3 11 13 14 15 16 17 18 19 21)" \
		"$DB_DIALECT: delivery --fix: every vanished row is WITHDRAWN with the reason"
	rc_rows dl "SELECT id, status FROM components WHERE id IN (1, 4, 5, 6, 9, 12, 20) ORDER BY id" \
		"$(printf '%s\n' '1|PENDING' '4|ARCHIVED' '5|ARCHIVING' '6|DUPLICATE' '9|ARCHIVED' '12|INTEGRITY_FAILED' '20|PENDING')" \
		"$DB_DIALECT: delivery --fix: the other rows are untouched"
	t_run test -f "$T/dl/in/new.dat"
	t_expect_status 0 "$DB_DIALECT: delivery --fix: files stay where they are"
	t_run "$CARB" -c "$CFG" reconcile delivery --format json --fix
	t_expect_status 1 "$DB_DIALECT: delivery again: the unrecorded files remain"
	rc_json "$DB_DIALECT: delivery --fix --format json is valid JSON"
	rc_expect_items "delivery 6 6" "$DB_DIALECT: delivery again: no vanished row is left"
	rc_expect_items "unrecorded 'new.dat' None in action" \
		"$DB_DIALECT: delivery --fix json: the action is given"
}

reconcile_case_delivery() {
	rc_project dl '' '[[watch]]
name = "in"
path = "in"

[[watch]]
name = "rec"
path = "rec"
recursive = true
include = ["*.dat"]
exclude = ["*-skip.dat"]

[[watch]]
name = "dot"
path = "dot"
exclude = []'
	reconcile_delivery_files
	reconcile_delivery_rows || return
	reconcile_delivery_report
	reconcile_delivery_json
	reconcile_delivery_filter
	reconcile_delivery_fix
}

# --- reconcile archive ----------------------------------------------------------

HELLO_HASH=

reconcile_archive_files() {
	cd "$P" || return
	mkdir -p archive/in archive/links archive/in/dir.dat
	printf 'hello\n' >archive/in/ok.dat
	printf 'hello\n' >in/miss-src.dat
	printf 'hi\n' >archive/in/size.dat
	printf 'hello\n' >in/size.dat
	printf 'HELLO\n' >archive/in/hash.dat
	printf 'hello world\n' >in/dir.dat
	printf 'hello\n' >in/sym-ok.dat
	ln -s "$P/in/sym-ok.dat" archive/links/sym-ok.dat
	printf 'hello\n' >in/sym-wrong.dat
	printf 'hello\n' >in/elsewhere.dat
	ln -s "$P/in/elsewhere.dat" archive/links/sym-wrong.dat
	ln -s "$P/in/sym-gone.dat" archive/links/sym-gone.dat
	printf 'hello\n' >archive/links/sym-file.dat
	printf 'secret\n' >secret.txt
	ln -s "$P/secret.txt" archive/in/copy-link.dat
	printf 'hello\n' >in/old.dat
	printf 'hello\n' >outside.dat
	printf 'HELLO\n' >in/sym-deep.dat
	ln -s "$P/in/sym-deep.dat" archive/links/sym-deep.dat
	cd - >/dev/null || return
}

# ar_comp ID PATH ARCHIVE_PATH [DEST] [EXTRA_COLS EXTRA_VALS]: an ARCHIVED
# component of watch in, 6 bytes of "hello\n".
ar_comp() {
	rc_comp "$1" in "$2" ARCHIVED \
		", size, content_hash, archive_destination, archive_path${5:-}" \
		", 6, '$HELLO_HASH', '${4:-default}', $3${6:-}"
}

ar_link() {
	ar_comp "$1" "$2" "$(db_path "links/$2")" links ', archive_target' \
		", $(db_path "$P/in/$2")"
}

reconcile_archive_rows() {
	NOW=$(now_us)
	HELLO_HASH=$(sha256of 'hello
')
	{
		rc_group 11 in ok ARCHIVED
		rc_group 12 in size ARCHIVED
		ar_comp 101 ok.dat "$(db_path in/ok.dat)" default ', file_id' ', 11'
		ar_comp 102 miss-src.dat "$(db_path in/miss-src.dat)" default ', file_id' ', 11'
		ar_comp 103 miss-nosrc.dat "$(db_path in/miss-nosrc.dat)"
		ar_comp 104 size.dat "$(db_path in/size.dat)" default ', file_id' ', 12'
		ar_comp 105 hash.dat "$(db_path in/hash.dat)"
		ar_comp 106 dir.dat "$(db_path in/dir.dat)"
		ar_link 107 sym-ok.dat
		ar_link 108 sym-wrong.dat
		ar_link 109 sym-gone.dat
		ar_link 110 sym-file.dat
		ar_comp 111 copy-link.dat "$(db_path in/copy-link.dat)"
		ar_comp 112 marked.dat "$(db_path in/marked.dat)" default ', missing_at' ', 1000'
		rc_comp 113 other other.dat ARCHIVED \
			', size, content_hash, archive_destination, archive_path' \
			", 6, '$HELLO_HASH', 'default', $(db_path other/other.dat)"
		ar_comp 114 old.dat "$(db_path in/old.dat)" default ', generation' ', 1'
		rc_comp 115 in old.dat PENDING ', generation' ', 2'
		ar_comp 116 escape.dat "$(db_path ../outside.dat)"
		ar_comp 117 "new
line.dat" "$(db_path "in/new
line.dat")"
		ar_link 118 sym-deep.dat
		ar_comp 119 nopath.dat NULL
		rc_comp 120 in failed.dat FAILED ', archive_path' ", $(db_path in/failed.dat)"
	} >"$T/archive.sql"
	rc_sql ar "$(cat "$T/archive.sql")"
}

reconcile_archive_report() {
	t_run "$CARB" -c "$CFG" reconcile archive
	t_expect_status 1 "$DB_DIALECT: reconcile archive with discrepancies exits 1"
	t_expect_out "$(rc_line missing in in/miss-src.dat 'component 102' 'nothing at the path')" \
		"$DB_DIALECT: archive: a missing copy"
	t_expect_out "$(rc_line size-mismatch in in/size.dat 'component 104' \
		'the archived copy has 3 bytes, the catalog says 6')" \
		"$DB_DIALECT: archive: a copy of another size"
	t_expect_out "$(rc_line not-regular in in/dir.dat 'component 106' \
		'a directory is there, not a regular file')" \
		"$DB_DIALECT: archive: a folder where the copy should be"
	t_expect_out "$(rc_line not-regular in in/copy-link.dat 'component 111' \
		'a symlink is there, not a regular file')" \
		"$DB_DIALECT: archive: a symlink in a copy destination is not followed"
	t_expect_out "$(rc_line not-regular in links/sym-file.dat 'component 110' \
		'a regular file is there, not a symlink')" \
		"$DB_DIALECT: archive: a file where a symlink destination wants a link"
	t_expect_out "$(rc_line wrong-target in links/sym-wrong.dat 'component 108' \
		"it points to $P/in/elsewhere.dat, the catalog says $P/in/sym-wrong.dat")" \
		"$DB_DIALECT: archive: a symlink to another target"
	t_expect_out "$(rc_line wrong-target in links/sym-gone.dat 'component 109' \
		"its target $P/in/sym-gone.dat no longer exists")" \
		"$DB_DIALECT: archive: a symlink whose target is gone"
	t_expect_out "$(rc_line not-regular in ../outside.dat 'component 116' \
		'the path leads outside base_path')" \
		"$DB_DIALECT: archive: a path out of base_path is refused"
	t_expect_out "$(rc_line missing in 'in/new\x0aline.dat' 'component 117')" \
		"$DB_DIALECT: archive: a hostile path is escaped"
	t_expect_out "$(rc_line missing in in/marked.dat 'component 112' \
		'nothing at the path (marked missing)')" \
		"$DB_DIALECT: archive: a copy already marked missing says so"
	t_expect_out "$(rc_line missing in '' 'component 119' \
		'the catalog records no archive path')" \
		"$DB_DIALECT: archive: a row without an archive path"
	t_expect_out "$(rc_line missing other other/other.dat 'component 113')" \
		"$DB_DIALECT: archive: every watch is checked"
	t_expect_out "$(rc_line missing in in/old.dat 'component 114')" \
		"$DB_DIALECT: archive: older generations are checked too"
	for id in 101 105 107 115 118 120; do
		t_expect_no "component $id$TAB" "$DB_DIALECT: archive: component $id is not reported"
	done
	t_expect_out "14 discrepancies (missing: 7, size-mismatch: 1, not-regular: 4, wrong-target: 2)" \
		"$DB_DIALECT: archive: the summary counts each class"
}

reconcile_archive_deep() {
	t_run "$CARB" -c "$CFG" reconcile archive --deep
	t_expect_status 1 "$DB_DIALECT: archive --deep exits 1"
	t_expect_out "$(rc_line hash-mismatch in in/hash.dat 'component 105' \
		"the archived copy has SHA-256 $(sha256of 'HELLO
'), the catalog says $HELLO_HASH")" \
		"$DB_DIALECT: archive --deep: a copy with other content"
	t_expect_out "$(rc_line hash-mismatch in links/sym-deep.dat 'component 118' \
		'its target has SHA-256')" \
		"$DB_DIALECT: archive --deep: a symlink's target with other content"
	t_expect_no "component 101$TAB" "$DB_DIALECT: archive --deep: a right copy is not reported"
	t_expect_out "16 discrepancies (missing: 7, size-mismatch: 1, hash-mismatch: 2," \
		"$DB_DIALECT: archive --deep: the summary counts hash mismatches"
}

reconcile_archive_json() {
	t_run "$CARB" -c "$CFG" reconcile archive --deep --format json
	t_expect_status 1 "$DB_DIALECT: archive --format json exits 1"
	rc_json "$DB_DIALECT: archive --format json is valid JSON"
	rc_expect_items "archive 16 16" "$DB_DIALECT: archive json: check and count"
	rc_expect_items "missing 'in/new\\nline.dat' 117 in no-action" \
		"$DB_DIALECT: archive json: a hostile path as the bytes it is"
	rc_expect_items "hash-mismatch 'in/hash.dat' 105 in no-action" \
		"$DB_DIALECT: archive json: class, path, component"
	t_run "$CARB" -c "$CFG" reconcile archive --watch other --format json
	t_expect_status 1 "$DB_DIALECT: archive --watch other exits 1"
	rc_json "$DB_DIALECT: archive --watch other --format json is valid JSON"
	rc_expect_items "archive 1 1" "$DB_DIALECT: archive --watch other: only that watch"
	rc_expect_items "missing 'other/other.dat' 113 other no-action" \
		"$DB_DIALECT: archive --watch other: its component"
	t_run "$CARB" -c "$CFG" reconcile archive --watch-name in
	t_expect_out "13 discrepancies" "$DB_DIALECT: archive --watch-name in: the rest"
}

reconcile_archive_fix() {
	find "$P/archive" "$P/in" -exec ls -ld {} + >"$T/disk.before"
	t_run "$CARB" -c "$CFG" reconcile archive --deep --fix
	t_expect_status 1 "$DB_DIALECT: archive --fix exits 1 (discrepancies were found)"
	t_expect_out "$(rc_line missing in in/miss-src.dat 'component 102' \
		'nothing at the path' 'fixed: queued again (RETRY_PENDING)')" \
		"$DB_DIALECT: archive --fix: a missing copy with its source is queued again"
	t_expect_out "$(rc_line missing in in/miss-nosrc.dat 'component 103' \
		'nothing at the path' 'fixed: marked missing: no source left (the delivered file is gone)')" \
		"$DB_DIALECT: archive --fix: a missing copy without a source is marked missing"
	t_expect_out "fixed: marked missing: no source left (a newer delivery holds its path)" \
		"$DB_DIALECT: archive --fix: an older generation is not archived from a newer file"
	t_expect_out "fixed: marked missing: no source left (the delivered file now has 12 bytes)" \
		"$DB_DIALECT: archive --fix: a source of another size is no source"
	rc_rows ar "SELECT id, status, attempts, CASE WHEN next_retry_at <= $(now_us) THEN 'due' ELSE 'not due' END, reason, CASE WHEN missing_at IS NULL THEN 'unmarked' ELSE 'marked' END FROM components WHERE status = 'RETRY_PENDING' ORDER BY id" \
		"$(printf '%s\n' \
			"102|RETRY_PENDING|0|due|reconcile: archived copy missing; archiving again|unmarked" \
			"104|RETRY_PENDING|0|due|reconcile: archived copy size-mismatch; archiving again|unmarked" \
			"108|RETRY_PENDING|0|due|reconcile: archived copy wrong-target; archiving again|unmarked")" \
		"$DB_DIALECT: archive --fix: queued again with attempts 0, due now, the reason"
	rc_rows ar "SELECT id, status FROM files ORDER BY id" \
		"$(printf '%s\n' '11|ARCHIVING' '12|ARCHIVING')" \
		"$DB_DIALECT: archive --fix: their groups are ARCHIVING again"
	rc_rows ar "SELECT id, reason FROM components WHERE status = 'ARCHIVED' AND missing_at IS NOT NULL AND id <> 112 ORDER BY id" \
		"$(printf '%s\n' \
			"103|reconcile: archived copy missing; no source left" \
			"105|reconcile: archived copy hash-mismatch; no source left" \
			"106|reconcile: archived copy not-regular; no source left" \
			"109|reconcile: archived copy wrong-target; no source left" \
			"110|reconcile: archived copy not-regular; no source left" \
			"111|reconcile: archived copy not-regular; no source left" \
			"113|reconcile: archived copy missing; no source left" \
			"114|reconcile: archived copy missing; no source left" \
			"116|reconcile: archived copy not-regular; no source left" \
			"117|reconcile: archived copy missing; no source left" \
			"118|reconcile: archived copy hash-mismatch; no source left" \
			"119|reconcile: archived copy missing; no source left")" \
		"$DB_DIALECT: archive --fix: the rest are marked missing, still ARCHIVED"
	rc_rows ar "SELECT missing_at FROM components WHERE id = 112" 1000 \
		"$DB_DIALECT: archive --fix: a mark keeps the time it was first made"
	rc_rows ar "SELECT id, status, COALESCE(reason, 'none'), CASE WHEN missing_at IS NULL THEN 'unmarked' ELSE 'marked' END FROM components WHERE id IN (101, 107, 120) ORDER BY id" \
		"$(printf '%s\n' '101|ARCHIVED|none|unmarked' '107|ARCHIVED|none|unmarked' '120|FAILED|none|unmarked')" \
		"$DB_DIALECT: archive --fix: right copies and other statuses are untouched"
	find "$P/archive" "$P/in" -exec ls -ld {} + >"$T/disk.after"
	t_run cmp "$T/disk.before" "$T/disk.after"
	t_expect_status 0 "$DB_DIALECT: archive --fix changes nothing on disk"

	t_run "$CARB" -c "$CFG" reconcile archive
	t_expect_status 1 "$DB_DIALECT: archive after --fix: marked copies are still reported"
	t_expect_out "$(rc_line missing in in/miss-nosrc.dat 'component 103' \
		'nothing at the path (marked missing)')" \
		"$DB_DIALECT: archive after --fix: ... as marked missing"
	t_expect_no "component 102$TAB" "$DB_DIALECT: archive after --fix: queued components are not ARCHIVED"
	t_expect_out "11 discrepancies" "$DB_DIALECT: archive after --fix: the count"
}

reconcile_case_archive() {
	rc_project ar '
[archive.destinations.links]
mode = "symlink"' '[[watch]]
name = "in"
path = "in"

[[watch]]
name = "other"
path = "other"'
	reconcile_archive_files
	reconcile_archive_rows || return
	reconcile_archive_report
	reconcile_archive_deep
	reconcile_archive_json
	reconcile_archive_fix
}

# --- retry ------------------------------------------------------------------------

reconcile_case_retry() {
	rc_project rt '' '[[watch]]
name = "in"
path = "in"

[[watch]]
name = "other"
path = "other"'
	NOW=$(now_us)
	{
		rc_group 21 in a FAILED
		rc_group 22 other b FAILED
		rc_group 23 in c ARCHIVED
		rc_comp 201 in a.dat FAILED ', attempts, reason, file_id' ", 5, 'disk full', 21"
		rc_comp 202 in a.xml FAILED ', attempts, reason, file_id' ", 5, 'disk full', 21"
		rc_comp 203 other b.dat FAILED ', attempts, reason, file_id' ", 3, 'permission denied', 22"
		rc_comp 204 in c.dat ARCHIVED ', file_id' ', 23'
	} >"$T/retry.sql"
	rc_sql rt "$(cat "$T/retry.sql")" || return
	t_run "$CARB" -c "$CFG" retry --watch other
	t_expect_status 0 "$DB_DIALECT: retry --watch other exits 0"
	t_expect_out "1 component queued again" "$DB_DIALECT: retry --watch other: one component"
	rc_rows rt "SELECT id, status, attempts, COALESCE(reason, ''), CASE WHEN next_retry_at <= $(now_us) THEN 'due' ELSE 'not due' END FROM components ORDER BY id" \
		"$(printf '%s\n' '201|FAILED|5|disk full|not due' '202|FAILED|5|disk full|not due' \
			'203|RETRY_PENDING|0|permission denied|due' '204|ARCHIVED|0||not due')" \
		"$DB_DIALECT: retry --watch other: only that watch, attempts 0, reason kept, due now"
	rc_rows rt "SELECT id, status FROM files ORDER BY id" \
		"$(printf '%s\n' '21|FAILED' '22|ARCHIVING' '23|ARCHIVED')" \
		"$DB_DIALECT: retry --watch other: its group is ARCHIVING again"
	t_run "$CARB" -c "$CFG" retry --watch-name in
	t_expect_status 0 "$DB_DIALECT: retry --watch-name in exits 0"
	t_expect_out "2 components queued again" "$DB_DIALECT: retry --watch-name in: two components"
	rc_rows rt "SELECT id, status, attempts FROM components ORDER BY id" \
		"$(printf '%s\n' '201|RETRY_PENDING|0' '202|RETRY_PENDING|0' '203|RETRY_PENDING|0' '204|ARCHIVED|0')" \
		"$DB_DIALECT: retry --watch-name in: the FAILED ones"
	rc_rows rt "SELECT id, status FROM files ORDER BY id" \
		"$(printf '%s\n' '21|ARCHIVING' '22|ARCHIVING' '23|ARCHIVED')" \
		"$DB_DIALECT: retry: an ARCHIVED group stays"
	t_run "$CARB" -c "$CFG" retry
	t_expect_status 0 "$DB_DIALECT: retry with nothing FAILED exits 0"
	t_expect_out "no FAILED component" "$DB_DIALECT: retry with nothing FAILED says so"
	rc_sql rt "UPDATE components SET status = 'FAILED' WHERE id = 203; UPDATE files SET status = 'FAILED' WHERE id = 22" || return
	t_run "$CARB" -c "$CFG" retry
	t_expect_out "1 component queued again" "$DB_DIALECT: retry without --watch: every watch"
	rc_rows rt "SELECT status FROM files WHERE id = 22" ARCHIVING \
		"$DB_DIALECT: retry without --watch: its group too"
}

# --- many rows, and what cannot be examined ---------------------------------

# More ARCHIVED rows than one page of the catalog's walk (256), fixed while
# it walks: generations of one path, so the rows are cheap to write.
reconcile_case_many() {
	rc_project many '' '[[watch]]
name = "in"
path = "in"'
	NOW=$(now_us)
	rel=$(db_path f.dat)
	apath=$(db_path in/f.dat)
	i=1
	: >"$T/many.sql"
	while [ "$i" -le 300 ]; do
		printf "INSERT INTO components (id, watch, rel_path, stem, extension, generation, status, size, archive_path, discovered_at, updated_at) VALUES (%s, 'in', %s, %s, %s, %s, 'ARCHIVED', 6, %s, %s, %s);\n" \
			"$i" "$rel" "$rel" "$rel" "$i" "$apath" "$NOW" "$NOW" >>"$T/many.sql"
		i=$((i + 1))
	done
	rc_sql many "$(cat "$T/many.sql")" || return
	t_run "$CARB" -c "$CFG" reconcile archive --fix
	t_expect_status 1 "$DB_DIALECT: many: reconcile archive --fix exits 1"
	t_expect_out "300 discrepancies (missing: 300)" "$DB_DIALECT: many: every page is read"
	rc_rows many "SELECT COUNT(*) FROM components WHERE missing_at IS NOT NULL" 300 \
		"$DB_DIALECT: many: every row is marked, across pages"
}

# Run as root, chmod 000 stops nothing: drop the capabilities that let
# root read anyway (as intake-cases.sh does), or say why not.
rc_nocap() {
	if [ "$(id -u)" -ne 0 ]; then
		"$@"
	else
		setpriv --bounding-set=-dac_override,-dac_read_search -- "$@"
	fi
}

rc_nocap_works() {
	printf 'x\n' >"$T/caps-probe"
	chmod 000 "$T/caps-probe"
	if rc_nocap cat "$T/caps-probe" >/dev/null 2>&1; then
		echo "# a mode-000 file is readable here (setpriv cannot drop CAP_DAC_OVERRIDE): the unreadable cases are left out"
		return 1
	fi
}

reconcile_case_unreadable() {
	rc_nocap_works || return 0
	rc_project perm '' '[[watch]]
name = "in"
path = "in"
recursive = true'
	NOW=$(now_us)
	mkdir -p "$P/archive/in/locked" "$P/in/locked"
	printf 'hello\n' >"$P/archive/in/locked/a.dat"
	printf 'hello\n' >"$P/in/locked/b.dat"
	chmod 000 "$P/archive/in/locked" "$P/in/locked"
	chmod go+rx "$T" "$P"
	{
		rc_comp 1 in locked/a.dat ARCHIVED ', size, archive_path' \
			", 6, $(db_path in/locked/a.dat)"
		rc_comp 2 in locked/b.dat PENDING
	} >"$T/perm.sql"
	rc_sql perm "$(cat "$T/perm.sql")" || return
	if [ "$DB_DIALECT" = postgresql ]; then
		chmod go+rx "$PG_BASE" "$PG_SOCKDIR"
	fi
	t_run rc_nocap "$CARB" -c "$CFG" reconcile archive --fix
	t_expect_status 1 "$DB_DIALECT: perm: an archived copy that cannot be examined exits 1"
	t_expect_out "$(rc_line unreadable in in/locked/a.dat 'component 1' \
		'cannot be examined: Permission denied' 'fixed: none: it could not be examined')" \
		"$DB_DIALECT: perm: ... is unreadable, and --fix leaves it"
	t_run rc_nocap "$CARB" -c "$CFG" reconcile delivery --fix
	t_expect_out "$(rc_line unreadable in locked/b.dat 'component 2' \
		'status PENDING; cannot be examined: Permission denied' \
		'fixed: none: it could not be examined')" \
		"$DB_DIALECT: perm: a delivered file that cannot be examined is not withdrawn"
	rc_rows perm "SELECT id, status, CASE WHEN missing_at IS NULL THEN 'unmarked' ELSE 'marked' END FROM components ORDER BY id" \
		"$(printf '%s\n' '1|ARCHIVED|unmarked' '2|PENDING|unmarked')" \
		"$DB_DIALECT: perm: neither row changed"
	chmod 755 "$P/archive/in/locked" "$P/in/locked"
}

reconcile_run_cases() {
	reconcile_case_usage
	reconcile_case_clean
	reconcile_case_delivery
	reconcile_case_archive
	reconcile_case_retry
	reconcile_case_many
	reconcile_case_unreadable
}
