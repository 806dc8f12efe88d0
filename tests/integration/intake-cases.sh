# The `carbonation run` (intake) cases every backend must pass (sourced,
# POSIX sh, not a test by itself).  intake-sqlite.sh, intake-postgresql.sh
# and intake-mariadb.sh source it after tests/lib/catalog.sh, call
# catalog_start for their backend, then intake_run_cases.
#
# The contract is docs/intake.md.  Deliveries are
# made the ways real senders make them (written in place, renamed in,
# linked by sftp-server), and every outcome is read back from the catalog
# with the backend's own client.  A few services run at once, one per
# project (a folder $T/NAME with config.toml, rules.toml, its own
# database): one project per set of rules, many watches per project, so
# that most cases share one service and the waits overlap.
#
#   intake_project NAME [EXTRA] [RULES]   $T/NAME/{in,archive}, config.toml
#                      with watch "in" (settle 300ms) followed by the lines
#                      EXTRA (keys of watch "in", then more [[watch]]
#                      tables, whose path = "..." folders are made),
#                      rules.toml = RULES; then db init.
#   svc_start NAME / svc_stop NAME        `carbonation run` in the background
#                      (log in $T/NAME.log); stop is SIGTERM, and exit 0 is
#                      a case.
#   svc_ready NAME     waits until the service has recorded a probe file.
#   wait_rows NAME SQL ROWS WHAT [SECONDS]   polls every 0.1 s until SQL's
#                      rows are ROWS: one case.
#   expect_rows NAME SQL ROWS WHAT        the same, once.
#   hexof STRING, db_path STRING          capital hex of bytes; a BLOB literal.
#
# Negative cases ("this is never recorded") are anchored: a control file
# is delivered after the ignored one, and the check runs once the control
# file has been recorded, so the service had every chance to misbehave.
#
# When the tests run as root, chmod 000 does not stop root from reading,
# so the services run without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH
# (setpriv): a root process that owns nothing beyond its own files.
# shellcheck shell=sh

INTAKE_SETTLE=300ms
# The completeness timeout of project skip, in seconds.  A restart must
# decide a group whose deadline passed while it was down sooner than this
# after the restart began (a new timeout could not fire earlier); a start
# under ASan on a loaded 2-core machine took 1.7 s of the 4 s this was.
SKIP_TIMEOUT=10
SVC_NOCAP=0
PERM_SKIP=
svc_pids=

# --- helpers --------------------------------------------------------------

hexof() {
	printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n' | tr a-f A-F
}

db_path() {
	db_blob "$(hexof "$1")"
}

sha256of() {
	sha256sum <"$1" | cut -c1-64
}

now_us() {
	echo $(($(date +%s%N) / 1000))
}

# csql WATCH PATH COLUMNS: that component's rows, oldest generation first
# (no aggregates: ORDER BY).
csql() {
	printf "SELECT %s FROM components WHERE watch = '%s' AND rel_path = %s ORDER BY generation" \
		"$3" "$1" "$(db_path "$2")"
}

# fsql WATCH GROUP_KEY COLUMNS: that group's rows (no aggregates).
fsql() {
	printf "SELECT %s FROM files WHERE watch = '%s' AND group_key = %s ORDER BY generation" \
		"$3" "$1" "$(db_path "$2")"
}

# rsn TEXT: a column that reads "reason ok" when the reason holds TEXT,
# else the reason itself (shown when a case fails).
rsn() {
	printf "CASE WHEN reason LIKE '%%%s%%' THEN 'reason ok' ELSE COALESCE(reason, 'no reason') END" "$1"
}

# Used by `make check` logs when a case fails.
svc_log_tail() {
	if [ -f "$T/$1.log" ]; then
		echo "  --- last lines of the service log ($1):"
		tail -n 15 "$T/$1.log" | sed 's/^/  log | /'
	fi
}

# A failed case whose detail is not in $T/out and $T/err.
i_fail() {
	rm -f "$T/out" "$T/err"
	t_fail "$1"
	if [ -n "${2:-}" ]; then
		svc_log_tail "$2"
	fi
}

svc_pid() {
	eval "printf '%s' \"\${svc_pid_$1:-}\""
}

# True while PID runs; a zombie counts as gone.
svc_alive() {
	kill -0 "$1" 2>/dev/null || return 1
	case $(ps -o stat= -p "$1" 2>/dev/null) in
	Z*) return 1 ;;
	esac
	return 0
}

svc_cleanup() {
	for pid in $svc_pids; do
		kill -KILL "$pid" 2>/dev/null
	done
	return 0
}

# In a background subshell: becomes the service, without the DAC
# capabilities when the tests run as root.
svc_exec() {
	if [ "$SVC_NOCAP" -eq 1 ]; then
		exec setpriv --bounding-set=-dac_override,-dac_read_search -- "$@"
	fi
	exec "$@"
}

svc_start() {
	echo "# start the service of $1" >>"$T/$1.log"
	svc_exec "$CARB" -c "$T/$1/config.toml" run >>"$T/$1.log" 2>&1 &
	eval "svc_pid_$1=$!"
	svc_pids="$svc_pids $!"
}

svc_stop() {
	pid=$(svc_pid "$1")
	if [ -z "$pid" ]; then
		i_fail "$DB_DIALECT: $1: the service exits 0 on SIGTERM (it was not started)"
		return 1
	fi
	kill -TERM "$pid" 2>/dev/null
	n=0
	while svc_alive "$pid"; do
		n=$((n + 1))
		if [ "$n" -gt 300 ]; then
			kill -KILL "$pid" 2>/dev/null
			echo "  the service of $1 was still running 30 s after SIGTERM"
			break
		fi
		sleep 0.1
	done
	rc=0
	wait "$pid" || rc=$?
	eval "svc_pid_$1="
	if [ "$rc" -eq 0 ]; then
		t_pass "$DB_DIALECT: $1: the service exits 0 on SIGTERM"
	else
		i_fail "$DB_DIALECT: $1: the service exits 0 on SIGTERM (exit $rc)" "$1"
	fi
}

# wait_rows NAME SQL ROWS WHAT [SECONDS]
wait_rows() {
	limit=$((${5:-20} * 10))
	n=0
	while :; do
		db_query "$1" "$2" >"$T/out" 2>"$T/err" || :
		if [ "$(cat "$T/out")" = "$3" ]; then
			t_pass "$4"
			return 0
		fi
		n=$((n + 1))
		[ "$n" -lt "$limit" ] || break
		pid=$(svc_pid "$1")
		if [ -n "$pid" ] && ! svc_alive "$pid"; then
			db_query "$1" "$2" >"$T/out" 2>"$T/err" || :
			if [ "$(cat "$T/out")" = "$3" ]; then
				t_pass "$4"
				return 0
			fi
			echo "  (the service of $1 is not running)"
			break
		fi
		sleep 0.1
	done
	t_fail "$4 (rows differ from: $3)"
	svc_log_tail "$1"
	return 1
}

expect_rows() {
	db_query "$1" "$2" >"$T/out" 2>"$T/err" || :
	if [ "$(cat "$T/out")" = "$3" ]; then
		t_pass "$4"
	else
		t_fail "$4 (rows differ from: $3)"
		svc_log_tail "$1"
	fi
}

# rows NAME SQL: the rows, for use in a later comparison.
rows() {
	db_query "$1" "$2" 2>/dev/null
}

# wait_comp NAME WATCH PATH COLUMNS ROWS WHAT [SECONDS]
wait_comp() {
	wait_rows "$1" "$(csql "$2" "$3" "$4")" "$5" "$6" "${7:-20}"
}

expect_comp() {
	expect_rows "$1" "$(csql "$2" "$3" "$4")" "$5" "$6"
}

# intake_project NAME [EXTRA] [RULES]
intake_project() {
	P=$T/$1
	mkdir -p "$P/in" "$P/archive"
	db_create "$1"
	{
		printf '[database]\nurl = "%s"\n' "$DB_URL"
		if [ -n "$DB_PASSWORD" ]; then
			printf '%s\n' "$DB_PASSWORD" >"$P/db-password"
			printf 'password_file = "db-password"\n'
		fi
		printf '\n[archive]\nbase_path = "archive"\n'
		printf '\n[service]\nworkers = 2\n'
		printf '\n[[watch]]\nname = "in"\npath = "in"\nsettle = "%s"\n' "$INTAKE_SETTLE"
		if [ -n "${2:-}" ]; then
			printf '%s\n' "$2"
		fi
	} >"$P/config.toml"
	printf '%s\n' "${2:-}" | sed -n 's/^path = "\(.*\)"$/\1/p' >"$T/dirs"
	while IFS= read -r d; do
		mkdir -p "$P/$d"
	done <"$T/dirs"
	if [ -n "${3:-}" ]; then
		printf '%s\n' "$3" >"$P/rules.toml"
	else
		printf '[integrity]\nmin_size = 1\nchecksum = "auto"\n' >"$P/rules.toml"
	fi
	t_run "$CARB" -c "$P/config.toml" db init
	t_expect_status 0 "$DB_DIALECT: $1: db init"
}

# svc_ready NAME: a probe file in watch "in" is recorded.
svc_ready() {
	printf 'probe file of %s\n' "$1" >"$T/$1/in/zz-probe.dat"
	wait_rows "$1" "SELECT COUNT(*) FROM components WHERE watch = 'in' AND rel_path = $(db_path zz-probe.dat)" \
		1 "$DB_DIALECT: $1: the service starts and records a first file" 30
}

# Root reads a mode-000 file: run the services without the capabilities
# that allow it, when setpriv can do that here.
intake_caps() {
	if [ "$(id -u)" -ne 0 ]; then
		return 0
	fi
	printf 'secret\n' >"$T/caps-probe"
	chmod 000 "$T/caps-probe"
	if ! command -v setpriv >/dev/null 2>&1; then
		PERM_SKIP="running as root and setpriv (util-linux) is missing, so chmod 000 cannot stop the service from reading"
	elif ! setpriv --bounding-set=-dac_override,-dac_read_search -- true 2>/dev/null; then
		PERM_SKIP="running as root and setpriv cannot drop CAP_DAC_OVERRIDE here (no CAP_SETPCAP?)"
	elif setpriv --bounding-set=-dac_override,-dac_read_search -- cat "$T/caps-probe" >/dev/null 2>&1; then
		PERM_SKIP="running as root and dropping CAP_DAC_OVERRIDE does not stop reading a mode-000 file"
	else
		SVC_NOCAP=1
		echo "# running as root: the services run without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH (setpriv)"
	fi
	rm -f "$T/caps-probe"
}

# --- no service: usage, configuration, catalog ------------------------------

intake_case_usage() {
	t_run "$CARB" run --help
	t_expect_status 0 "$DB_DIALECT: run --help"
	t_run timeout 20 "$CARB" run extra
	t_expect_status 2 "$DB_DIALECT: run with an argument is a usage error"

	# A configuration error: exit 2, naming file and line.
	db_create nocat
	mkdir -p "$T/nocat/in" "$T/nocat/archive"
	{
		printf '[database]\nurl = "%s"\n' "$DB_URL"
		if [ -n "$DB_PASSWORD" ]; then
			printf '%s\n' "$DB_PASSWORD" >"$T/nocat/db-password"
			printf 'password_file = "db-password"\n'
		fi
		printf '\n[archive]\nbase_path = "archive"\n'
		printf '\n[[watch]]\nname = "in"\npath = "in"\nsettle = "300ms"\n'
	} >"$T/nocat/config.toml"
	cp "$T/nocat/config.toml" "$T/nocat/bad.toml"
	printf 'settel = "1s"\n' >>"$T/nocat/bad.toml"
	t_run timeout 20 "$CARB" -c "$T/nocat/bad.toml" run
	t_expect_status 2 "$DB_DIALECT: run with a config error exits 2"
	t_expect_err "bad.toml:" "$DB_DIALECT: ... naming the file"

	# No catalog: db init was never run.
	t_run timeout 20 "$CARB" -c "$T/nocat/config.toml" run
	t_expect_status 1 "$DB_DIALECT: run without a catalog exits 1"
	if grep -qiE 'catalog|db init|migration' "$T/err"; then
		t_pass "$DB_DIALECT: ... saying what is wrong with the catalog"
	else
		t_fail "$DB_DIALECT: ... saying what is wrong with the catalog"
	fi

	# A catalog behind its migrations: only 0001 applied.
	db_create behind
	mkdir -p "$T/behind"
	sed "s|^url = .*|url = \"$DB_URL\"|" "$T/nocat/config.toml" >"$T/behind/config.toml"
	mkdir -p "$T/behind/in" "$T/behind/archive"
	if [ -n "$DB_PASSWORD" ]; then
		cp "$T/nocat/db-password" "$T/behind/db-password"
	fi
	rm -rf "$T/data"
	mkdir -p "$T/data"
	cp -R "$top_srcdir/migrations" "$T/data/"
	rm -f "$T/data/migrations/$DB_DIALECT/core/0002_"*.sql
	t_run env CARBONATION_DATADIR="$T/data" "$CARB" -c "$T/behind/config.toml" db init
	t_run timeout 20 "$CARB" -c "$T/behind/config.toml" run
	t_expect_status 1 "$DB_DIALECT: run on a catalog behind its migrations exits 1"
	if grep -qiE 'upgrade|pending|migration' "$T/err"; then
		t_pass "$DB_DIALECT: ... saying the catalog needs db upgrade"
	else
		t_fail "$DB_DIALECT: ... saying the catalog needs db upgrade"
	fi
}

# [integrity] hashes: SHA-256 cannot be left out, and only known names.
intake_case_hash_config() {
	printf '[integrity]\nhashes = ["xxh128"]\n' >"$T/nocat/xxh-only.toml"
	t_run "$CARB" -c "$T/nocat/config.toml" check rules "$T/nocat/xxh-only.toml"
	t_expect_status 2 "$DB_DIALECT: hashes without sha256 is a config error"
	t_expect_err 'xxh-only.toml:2:10: integrity.hashes: "sha256" is missing' \
		"$DB_DIALECT: ... naming file:line:column and the key"
	t_expect_err 'valid: "sha256", "xxh128"' "$DB_DIALECT: ... and the valid choices"
	printf '[integrity]\nhashes = ["sha256", "md5"]\n' >"$T/nocat/md5.toml"
	t_run "$CARB" -c "$T/nocat/config.toml" check rules "$T/nocat/md5.toml"
	t_expect_status 2 "$DB_DIALECT: an unknown hash is a config error"
	t_expect_err 'md5.toml:2:21: integrity.hashes[1]: "md5" is not a hash (valid: "sha256", "xxh128")' \
		"$DB_DIALECT: ... naming it and the valid choices"
	printf '[integrity]\nhashes = ["sha256", "xxh128"]\n' >"$T/nocat/both.toml"
	t_run "$CARB" -c "$T/nocat/config.toml" check rules "$T/nocat/both.toml"
	t_expect_status 0 "$DB_DIALECT: hashes = [\"sha256\", \"xxh128\"] is valid"
}

# xxh128 is recorded with content_hash where rules ask for it (project
# wait), as xxhsum -H2 prints it, NULL elsewhere (main), and `query
# components --xxh128` finds it.
intake_check_xxh128() {
	f=$T/wait/in/xx1.dat
	want=$(xxhsum -H2 <"$f" | cut -c1-32)
	wait_comp wait in xx1.dat "status, content_hash, xxh128" \
		"WAITING|$(sha256of "$f")|$want" \
		"$DB_DIALECT: hashes = [\"sha256\", \"xxh128\"] records xxhsum -H2's hash beside the SHA-256"
	expect_comp main in a.dat "COALESCE(xxh128, 'null')" null \
		"$DB_DIALECT: the default hashes record no xxh128 (NULL)"
	t_run "$CARB" -c "$T/wait/config.toml" query components --xxh128 "$want" \
		--columns rel_path,xxh128 --format csv
	t_expect_status 0 "$DB_DIALECT: query components --xxh128"
	# CSV lines end in CRLF (RFC 4180).
	if [ "$(tr -d '\r' <"$T/out")" = "$(printf 'rel_path,xxh128\nxx1.dat,%s' "$want")" ]; then
		t_pass "$DB_DIALECT: ... finds the component and shows its xxh128"
	else
		t_fail "$DB_DIALECT: ... finds the component and shows its xxh128"
	fi
}

# --- the projects ---------------------------------------------------------

intake_projects() {
	# main: most cases, one service, five watches.
	intake_project main '
[[watch]]
name = "rec"
path = "rec"
settle = "300ms"
recursive = true

[[watch]]
name = "flt"
path = "flt"
settle = "300ms"
include = ["*.dat", "*.tmp"]
exclude = ["*-skip.dat"]

[[watch]]
name = "dot"
path = "dot"
settle = "300ms"
exclude = []

[[watch]]
name = "man"
path = "man"
settle = "300ms"
manifest = "SHA256SUMS"

[[watch]]
name = "poll"
path = "poll"
settle = "300ms"
mode = "poll"
poll_interval = "1s"' '[integrity]
min_size = 10
checksum = "auto"

[completeness]
required = [".dat"]
optional = [".xml"]'

	# wait: groups that need two files and wait long; xxh128 is recorded
	# beside SHA-256 here (main records the default, SHA-256 alone).
	intake_project wait '' '[integrity]
min_size = 1
checksum = "auto"
hashes = ["sha256", "xxh128"]

[completeness]
required = [".dat", ".xml"]
timeout = "1h"'

	# skip: incomplete groups time out and are left.  The timeout is
	# SKIP_TIMEOUT seconds: see intake_restart_deadline_end.
	intake_project skip '' '[integrity]
min_size = 1
checksum = "auto"

[completeness]
required = [".dat", ".xml"]
timeout = "'"$SKIP_TIMEOUT"'s"
on_timeout = "skip"'

	# proc: incomplete groups time out and are taken as they are.
	intake_project proc '' '[integrity]
min_size = 1
checksum = "auto"

[completeness]
required = [".dat", ".xml"]
timeout = "2s"
on_timeout = "process"'

	# req: a checksum sidecar is required.
	intake_project req '' '[integrity]
min_size = 1
checksum = "required"

[completeness]
required = []'
}

# --- skip: a restart keeps the deadline (first half) ------------------------

intake_restart_deadline_begin() {
	printf 'restart: waits for its xml\n' >"$T/skip/in/r1.dat"
	wait_comp skip in r1.dat status WAITING \
		"$DB_DIALECT: a group missing a required file is WAITING"
	r1_deadline=$(rows skip "$(fsql in r1 'COALESCE(deadline_at, 0)')")
	r1_created=$(rows skip "$(fsql in r1 created_at)")
	if [ "${r1_deadline:-0}" -gt 0 ] 2>/dev/null; then
		t_pass "$DB_DIALECT: a waiting group has a deadline_at"
	else
		i_fail "$DB_DIALECT: a waiting group has a deadline_at (got: $r1_deadline)" skip
		r1_deadline=0
	fi
	svc_stop skip
	# Delivered while the service is down.
	printf 'delivered while down\n' >"$T/skip/in/dn.dat"
	printf '<delivered while="down"/>\n' >"$T/skip/in/dn.xml"
}

# --- main: a slow writer in place -------------------------------------------

# The writer pauses until the test has looked ($T/slow.go), not for a
# fixed time: a fixed pause could end before the control file is
# archived on a loaded machine.  The pause is longer than settle all the
# same: d.dat was last written before the control file was made, and the
# control file is archived only after it has settled.
intake_case_slow_writer() {
	in=$T/main/in
	rm -f "$T/slow.go"
	(
		exec 3>"$in/d.dat"
		printf 'first half of the data, ' >&3
		n=0
		while [ ! -e "$T/slow.go" ] && [ "$n" -lt 1200 ]; do
			n=$((n + 1))
			sleep 0.1
		done
		printf 'and the second half\n' >&3
		exec 3>&-
	) &
	slow_pid=$!
	svc_pids="$svc_pids $slow_pid"
	n=0
	while [ ! -s "$in/d.dat" ] && [ "$n" -lt 600 ]; do
		n=$((n + 1))
		sleep 0.05
	done
	printf 'control for the slow writer\n' >"$in/dctl.dat"
	wait_comp main in dctl.dat status ARCHIVED \
		"$DB_DIALECT: a file delivered while a writer pauses is recorded" 60
	# Still paused now (it goes on at slow.go), so a row now would be a
	# file taken while open.
	if t_run db_query main "SELECT COUNT(*) FROM components WHERE rel_path = $(db_path d.dat)" &&
		[ "$(cat "$T/out")" = 0 ]; then
		t_pass "$DB_DIALECT: a file written in place is not taken while its writer pauses longer than settle"
	else
		t_fail "$DB_DIALECT: a file written in place is not taken while its writer pauses longer than settle (rows: $(cat "$T/out"))"
		svc_log_tail main
	fi
	: >"$T/slow.go"
	wait "$slow_pid"
	wait_comp main in d.dat "status, size, content_hash" \
		"ARCHIVED|$(stat -c %s "$in/d.dat")|$(sha256of "$in/d.dat")" \
		"$DB_DIALECT: ... and is recorded whole, once, after the writer closes it"
}

# --- deliveries that run together -----------------------------------------

intake_deliver() {
	in=$T/main/in
	# Written in place and closed.
	printf 'written in place, then closed\n' >"$in/a.dat"
	# Renamed in from a temporary (excluded) name.
	printf 'written elsewhere, renamed in\n' >"$in/b.dat.part"
	mv "$in/b.dat.part" "$in/b.dat"
	# OpenSSH sftp-server: link to the final name, unlink the temporary.
	printf 'linked in like sftp-server does\n' >"$in/c.dat.filepart"
	ln "$in/c.dat.filepart" "$in/c.dat"
	rm "$in/c.dat.filepart"
	# Temporary names, then the control file.
	for n in .e.dat e.dat.part e.dat.filepart e.dat.tmp e.dat.crdownload 'e.dat~'; do
		printf 'a temporary name\n' >"$in/$n"
	done
	printf 'control for the temporary names\n' >"$in/e.dat"
	# A non-recursive watch ignores subfolders.
	mkdir "$in/sub"
	printf 'in a subfolder\n' >"$in/sub/h.dat"
	printf 'control for the subfolder\n' >"$in/h.dat"
	# Hostile names.
	printf 'name with spaces\n' >"$in/with space.dat"
	printf 'name with a newline\n' >"$in/$(printf 'new\nline.dat')"
	printf 'name with a leading dash\n' >"$in/-dash.dat"
	printf 'name with invalid UTF-8\n' >"$in/$(printf '\377bad.dat')"
	printf "name with a quote\\n" >"$in/quote'd.dat"
	long=$(printf '%251s' '' | tr ' ' n).dat
	printf 'name of 255 bytes\n' >"$in/$long"
	# Not regular files.
	ln -s /etc/passwd "$in/link.dat"
	mkfifo "$in/fifo1.dat" "$in/fifo2.dat"
	printf 'control after the fifos\n' >"$in/afterfifo.dat"
	# Unreadable, too small.
	if [ -z "$PERM_SKIP" ]; then
		printf 'nobody may read this yet\n' >"$in/perm.dat"
		chmod 000 "$in/perm.dat"
	fi
	printf 'abc' >"$in/small.dat"
	# Late member, re-delivery: their first halves.
	printf 'a group that gets a late member\n' >"$in/late.dat"
	printf 'first delivery of re\n' >"$in/re.dat"
	# Recursive: folders made and filled at once.
	mkdir -p "$T/main/rec/sub/deeper" && printf 'deep inside\n' >"$T/main/rec/sub/deeper/f.dat" &&
		printf 'one level down\n' >"$T/main/rec/sub/g.dat"
	# include / exclude of watches "flt" and "dot": the ignored ones first.
	for n in g-skip.dat g.txt; do
		printf 'ignored by flt\n' >"$T/main/flt/$n"
	done
	printf 'taken by flt: *.tmp is included, the default exclude replaced\n' >"$T/main/flt/g.tmp"
	printf 'included by flt\n' >"$T/main/flt/g.dat"
	printf 'hidden, but exclude is empty\n' >"$T/main/dot/.hidden.dat"
	printf 'a .part name, but exclude is empty\n' >"$T/main/dot/y.dat.part"
	# Poll mode.
	printf 'found by polling\n' >"$T/main/poll/pl.dat"

	# wait: both orders, rename, withdrawal, a sidecar after its file.
	printf '<first/>\n' >"$T/wait/in/g1.xml"
	printf 'g2 data first\n' >"$T/wait/in/g2.dat"
	printf 'to be renamed\n' >"$T/wait/in/mv1.dat"
	printf 'to be withdrawn\n' >"$T/wait/in/wd.dat"
	printf 'its sidecar comes later\n' >"$T/wait/in/u.dat"
	# More than one read chunk (64 KiB), for xxh128 beside SHA-256.
	head -c 200000 /dev/urandom >"$T/wait/in/xx1.dat"
	# proc, req.
	printf 'processed without its xml\n' >"$T/proc/in/p1.dat"
	printf 'needs a sidecar\n' >"$T/req/in/q.dat"
}

# --- the checks -------------------------------------------------------------

intake_check_basic() {
	in=$T/main/in
	wait_comp main in a.dat "status, size, content_hash" \
		"ARCHIVED|$(stat -c %s "$in/a.dat")|$(sha256of "$in/a.dat")" \
		"$DB_DIALECT: a file written in place is ARCHIVED with its size and SHA-256"
	expect_comp main in a.dat "inode, device, $(db_hex stem), $(db_hex extension), generation" \
		"$(stat -c '%i|%d' "$in/a.dat")|$(hexof a)|$(hexof .dat)|1" \
		"$DB_DIALECT: ... with its inode, device, stem and extension"
	mtime=$(rows main "$(csql in a.dat mtime)")
	if [ "$((${mtime:-0} / 1000000))" = "$(stat -c %Y "$in/a.dat")" ]; then
		t_pass "$DB_DIALECT: ... and its mtime in microseconds"
	else
		i_fail "$DB_DIALECT: ... and its mtime in microseconds (got $mtime)" main
	fi
	expect_comp main in a.dat "CASE WHEN settled_at >= discovered_at THEN 'ok' ELSE 'bad' END" ok \
		"$DB_DIALECT: ... settled after it was discovered"
	expect_rows main "$(fsql in a "status, complete, $(db_hex group_key), COALESCE(missing, 'none')")" \
		"ARCHIVED|1|$(hexof a)|none" \
		"$DB_DIALECT: a lone a.dat with required [\".dat\"] is a complete ARCHIVED group 'a'"
	expect_rows main "SELECT COUNT(*) FROM components c JOIN files f ON f.id = c.file_id
		WHERE c.watch = 'in' AND c.rel_path = $(db_path a.dat) AND f.group_key = $(db_path a)" 1 \
		"$DB_DIALECT: ... and the component belongs to it"

	wait_comp main in b.dat "status, content_hash" "ARCHIVED|$(sha256of "$in/b.dat")" \
		"$DB_DIALECT: a file renamed in is ARCHIVED"
	expect_rows main "SELECT COUNT(*) FROM components WHERE rel_path = $(db_path b.dat.part)" 0 \
		"$DB_DIALECT: ... and its temporary name was never recorded"

	wait_comp main in c.dat "status, content_hash" "ARCHIVED|$(sha256of "$in/c.dat")" \
		"$DB_DIALECT: a file linked in and its temporary name unlinked (sftp-server) is ARCHIVED"
	expect_rows main "SELECT COUNT(*) FROM components WHERE rel_path = $(db_path c.dat.filepart)" 0 \
		"$DB_DIALECT: ... and its temporary name was never recorded"

	wait_comp main in e.dat status ARCHIVED "$DB_DIALECT: a file delivered after temporary names is ARCHIVED"
	expect_rows main "SELECT COUNT(*) FROM components WHERE watch = 'in' AND rel_path IN (
		$(db_path .e.dat), $(db_path e.dat.part), $(db_path e.dat.filepart),
		$(db_path e.dat.tmp), $(db_path e.dat.crdownload), $(db_path 'e.dat~'))" 0 \
		"$DB_DIALECT: .*, *.part, *.filepart, *.tmp, *.crdownload, *~ are ignored by default"

	wait_comp main in h.dat status ARCHIVED "$DB_DIALECT: a file beside a subfolder is ARCHIVED"
	expect_rows main "SELECT COUNT(*) FROM components WHERE watch = 'in' AND $(db_hex rel_path) LIKE '$(hexof sub/)%'" 0 \
		"$DB_DIALECT: a watch that is not recursive ignores files in subfolders"

	wait_rows main "SELECT $(db_hex rel_path), status FROM components WHERE watch = 'rec' ORDER BY 1" \
		"$(hexof sub/deeper/f.dat)|ARCHIVED
$(hexof sub/g.dat)|ARCHIVED" \
		"$DB_DIALECT: a recursive watch records files in folders made and filled at once"
	expect_rows main "$(fsql rec sub/deeper/f 'status')" ARCHIVED \
		"$DB_DIALECT: ... the group_key is folder and stem (sub/deeper/f)"

	wait_rows main "SELECT $(db_hex rel_path) FROM components WHERE watch = 'flt' ORDER BY 1" \
		"$(hexof g.dat)
$(hexof g.tmp)" \
		"$DB_DIALECT: a watch's include and exclude replace the default patterns"
	wait_rows main "SELECT $(db_hex rel_path) FROM components WHERE watch = 'dot' ORDER BY 1" \
		"$(hexof .hidden.dat)
$(hexof y.dat.part)" \
		"$DB_DIALECT: exclude = [] takes hidden and temporary names"

	wait_comp main poll pl.dat status ARCHIVED "$DB_DIALECT: a watch in poll mode records files"
	t_run "$CARB" -c "$T/main/config.toml" check config
	if grep -q '^watch "poll": [^(]*(poll' "$T/out"; then
		t_pass "$DB_DIALECT: check config prints the mode of a polled watch"
	else
		t_fail "$DB_DIALECT: check config prints the mode of a polled watch"
	fi
}

intake_check_names() {
	for name in 'with space.dat' "$(printf 'new\nline.dat')" -dash.dat \
		"$(printf '\377bad.dat')" "quote'd.dat" "$long"; do
		shown=$(printf '%s' "$name" | od -c | head -n 1 | cut -c9-40 | tr -s ' ')
		wait_comp main in "$name" "status, $(db_hex rel_path)" "ARCHIVED|$(hexof "$name")" \
			"$DB_DIALECT: a hostile name is recorded with its exact bytes ($shown...)"
	done
	expect_rows main "$(fsql in "$(printf 'new\nline')" "$(db_hex group_key)")" \
		"$(hexof "$(printf 'new\nline')")" \
		"$DB_DIALECT: ... and grouped by its exact stem"
	expect_rows main "$(fsql in "$(printf '\377bad')" "status")" ARCHIVED \
		"$DB_DIALECT: ... invalid UTF-8 too"
}

intake_check_special() {
	in=$T/main/in
	wait_comp main in afterfifo.dat status ARCHIVED \
		"$DB_DIALECT: the service does not hang on FIFOs (a later file is ARCHIVED)"
	wait_comp main in link.dat "status, $(rsn symlink), COALESCE(content_hash, 'none')" \
		"INTEGRITY_FAILED|reason ok|none" \
		"$DB_DIALECT: a symlink fails integrity (not a regular file: symlink), never followed"
	wait_comp main in fifo1.dat "status, $(rsn fifo)" "INTEGRITY_FAILED|reason ok" \
		"$DB_DIALECT: a FIFO fails integrity (not a regular file: fifo)"
	wait_comp main in fifo2.dat "status, $(rsn fifo)" "INTEGRITY_FAILED|reason ok" \
		"$DB_DIALECT: a second FIFO fails integrity too"

	wait_comp main in small.dat "status, $(rsn 'too small')" "INTEGRITY_FAILED|reason ok" \
		"$DB_DIALECT: a file under min_size fails integrity (too small)"
	expect_comp main in small.dat "$(rsn 'too small: 3 bytes, min_size 10')" "reason ok" \
		"$DB_DIALECT: ... saying its size and min_size"
	id=$(rows main "$(csql in small.dat id)")
	printf 'grown past min_size\n' >>"$in/small.dat"
	wait_comp main in small.dat "id, status, size" "$id|ARCHIVED|$(stat -c %s "$in/small.dat")" \
		"$DB_DIALECT: a failed file that changes is checked again in the same row"

	if [ -n "$PERM_SKIP" ]; then
		echo "# skip the unreadable-file case: $PERM_SKIP"
		return 0
	fi
	wait_comp main in perm.dat "status, $(rsn 'permission denied')" "INTEGRITY_FAILED|reason ok" \
		"$DB_DIALECT: an unreadable file fails integrity (permission denied)"
	id=$(rows main "$(csql in perm.dat id)")
	chmod 644 "$in/perm.dat"
	wait_comp main in perm.dat "id, status, content_hash" "$id|ARCHIVED|$(sha256of "$in/perm.dat")" \
		"$DB_DIALECT: ... and is checked again when it becomes readable"
}

intake_deliver_sidecars() {
	in=$T/main/in
	st=$T/stage
	mkdir -p "$st"
	for n in s1 s2 s3 s4 s5 f1 f2 f3 f4 m1 m2 m3 m4; do
		printf 'data of sidecar case %s\n' "$n" >"$st/$n.dat"
	done
	printf '%s  s1.dat\n' "$(sha256of "$st/s1.dat")" >"$in/s1.dat.sha256"
	printf '%s *s2.dat\n' "$(sha256of "$st/s2.dat")" >"$in/s2.dat.sha256"
	printf 'SHA1 (s3.dat) = %s\n' "$(sha1sum <"$st/s3.dat" | cut -c1-40)" >"$in/s3.dat.sha1"
	printf '%s\n' "$(md5sum <"$st/s4.dat" | cut -c1-32)" >"$in/s4.dat.md5"
	printf 'SHA256 (s5.dat) = %s\n' "$(sha256of "$st/s5.dat")" >"$in/s5.dat.sha256"
	printf '%s  f1.dat\n' "$(sha256of "$st/s1.dat")" >"$in/f1.dat.sha256"
	printf 'this is not a checksum line\n' >"$in/f2.dat.sha256"
	printf '%s  other.dat\n' "$(sha256of "$st/f3.dat")" >"$in/f3.dat.sha256"
	printf '%s  f4.dat\n' "$(sha1sum <"$st/f4.dat" | cut -c1-40)" >"$in/f4.dat.sha256"
	{
		printf '%s  m1.dat\n' "$(sha256of "$st/m1.dat")"
		printf '%s *m2.dat\n' "$(sha256of "$st/m2.dat")"
		printf '%s  m3.dat\n' "$(sha256of "$st/m3.dat")"
		printf '%s  m4.dat\n' "$(sha256of "$st/m1.dat")"
	} >"$T/main/man/SHA256SUMS"
}

intake_check_sidecars() {
	in=$T/main/in
	st=$T/stage
	# The sidecars first, so that they are recorded before their files.
	wait_rows main "SELECT COUNT(*) FROM components WHERE (watch = 'in' AND rel_path IN (
		$(db_path s1.dat.sha256), $(db_path s2.dat.sha256), $(db_path s3.dat.sha1),
		$(db_path s4.dat.md5), $(db_path s5.dat.sha256), $(db_path f1.dat.sha256),
		$(db_path f2.dat.sha256), $(db_path f3.dat.sha256), $(db_path f4.dat.sha256)))
		OR (watch = 'man' AND rel_path = $(db_path SHA256SUMS))" 10 \
		"$DB_DIALECT: checksum sidecars and a manifest are recorded as components"
	for n in s1 s2 s3 s4 s5 f1 f2 f3 f4; do
		mv "$st/$n.dat" "$in/$n.dat"
	done
	for n in m1 m2 m3 m4; do
		mv "$st/$n.dat" "$T/main/man/$n.dat"
	done
	wait_comp main in s1.dat status ARCHIVED "$DB_DIALECT: a file matching its .sha256 sidecar (sha256sum format) passes"
	wait_comp main in s2.dat status ARCHIVED "$DB_DIALECT: a file matching its .sha256 sidecar (binary-mode *NAME) passes"
	wait_comp main in s3.dat status ARCHIVED "$DB_DIALECT: a file matching its .sha1 sidecar (BSD format) passes"
	wait_comp main in s4.dat status ARCHIVED "$DB_DIALECT: a file matching its .md5 sidecar (bare hex) passes"
	wait_comp main in s5.dat status ARCHIVED "$DB_DIALECT: a file matching its .sha256 sidecar (BSD format) passes"
	expect_rows main "SELECT $(db_hex extension), status FROM components WHERE watch = 'in' AND stem = $(db_path s1) ORDER BY 1" \
		"$(hexof .dat)|ARCHIVED
$(hexof .dat.sha256)|ARCHIVED" \
		"$DB_DIALECT: the sidecar (stem s1, extension .dat.sha256) travels with its group"
	expect_rows main "SELECT COUNT(DISTINCT file_id), COUNT(file_id) FROM components WHERE watch = 'in' AND stem = $(db_path s1)" \
		"1|2" "$DB_DIALECT: ... in the same files row"
	wait_comp main in f1.dat "status, $(rsn 'checksum mismatch')" "INTEGRITY_FAILED|reason ok" \
		"$DB_DIALECT: a file not matching its sidecar fails (checksum mismatch)"
	expect_comp main in f1.dat "$(rsn "$(sha256of "$in/f1.dat")")" "reason ok" \
		"$DB_DIALECT: ... naming the file's hash"
	wait_comp main in f2.dat "status, CASE WHEN reason LIKE '%malformed%' OR reason LIKE '%line%' THEN 'reason ok' ELSE COALESCE(reason, 'no reason') END" \
		"INTEGRITY_FAILED|reason ok" \
		"$DB_DIALECT: an unparseable sidecar is a failure (sidecar X: line N: ...)"
	wait_comp main in f3.dat "status, $(rsn 'has no entry')" "INTEGRITY_FAILED|reason ok" \
		"$DB_DIALECT: a sidecar without an entry for the file is a failure (has no entry)"
	wait_comp main in f4.dat status INTEGRITY_FAILED \
		"$DB_DIALECT: a sidecar holding a hash of the wrong length is a failure"
	for n in m1 m2 m3; do
		wait_comp main man "$n.dat" status ARCHIVED "$DB_DIALECT: a file listed in the watch's manifest passes ($n)"
	done
	wait_comp main man m4.dat "status, $(rsn 'checksum mismatch')" "INTEGRITY_FAILED|reason ok" \
		"$DB_DIALECT: a file not matching its manifest entry fails"

	# checksum = "required": a failure until the sidecar arrives.
	wait_comp req in q.dat "status, $(rsn 'no checksum sidecar')" "INTEGRITY_FAILED|reason ok" \
		"$DB_DIALECT: with checksum = \"required\" a file without a sidecar fails"
	id=$(rows req "$(csql in q.dat id)")
	printf '%s  q.dat\n' "$(sha256of "$T/req/in/q.dat")" >"$T/req/in/q.dat.sha256"
	wait_comp req in q.dat "id, status" "$id|ARCHIVED" \
		"$DB_DIALECT: ... and passes in the same row when its sidecar arrives"
}

intake_check_groups() {
	w=$T/wait/in
	wait_comp wait in g1.xml status WAITING "$DB_DIALECT: an .xml without its .dat is WAITING"
	wait_comp wait in g2.dat status WAITING "$DB_DIALECT: a .dat without its .xml is WAITING"
	expect_rows wait "$(fsql in g2 "CASE WHEN deadline_at > created_at THEN 'deadline' ELSE 'none' END")" deadline \
		"$DB_DIALECT: ... and its group has a deadline_at"
	wait_comp wait in mv1.dat status WAITING "$DB_DIALECT: a file to be renamed is WAITING"
	wait_comp wait in wd.dat status WAITING "$DB_DIALECT: a file to be withdrawn is WAITING"
	wait_comp wait in u.dat status WAITING "$DB_DIALECT: a file whose sidecar comes later is WAITING"
	printf 'g1 data second\n' >"$w/g1.dat"
	printf '<second/>\n' >"$w/g2.xml"
	id=$(rows wait "$(csql in mv1.dat id)")
	mv "$w/mv1.dat" "$w/mv2.dat"
	rm "$w/wd.dat"
	printf '%s  u.dat\n' "$(printf 'something else' | sha256sum | cut -c1-64)" >"$w/u.dat.sha256"

	for g in g1 g2; do
		wait_rows wait "SELECT $(db_hex extension), status, late FROM components WHERE watch = 'in' AND stem = $(db_path $g) ORDER BY 1" \
			"$(hexof .dat)|ARCHIVED|0
$(hexof .xml)|ARCHIVED|0" "$DB_DIALECT: a group completes whatever the order of its files ($g)"
		expect_rows wait "$(fsql in $g "status, complete, COALESCE(missing, 'none')")" "ARCHIVED|1|none" \
			"$DB_DIALECT: ... its files row is ARCHIVED and complete ($g)"
	done
	wait_comp wait in mv2.dat id "$id" "$DB_DIALECT: a waiting file renamed inside its watch keeps its row"
	expect_rows wait "SELECT COUNT(*) FROM components WHERE rel_path = $(db_path mv1.dat)" 0 \
		"$DB_DIALECT: ... and its old name is gone"
	wait_comp wait in wd.dat "status, $(rsn 'left the watch')" "WITHDRAWN|reason ok" \
		"$DB_DIALECT: a waiting file that is deleted is WITHDRAWN"
	wait_comp wait in u.dat "status, $(rsn 'checksum mismatch')" "INTEGRITY_FAILED|reason ok" \
		"$DB_DIALECT: a sidecar arriving after its file has the file checked again"

	wait_comp proc in p1.dat status ARCHIVED \
		"$DB_DIALECT: on_timeout = \"process\" takes an incomplete group at its deadline"
	expect_rows proc "$(fsql in p1 "status, complete")" "ARCHIVED|0" \
		"$DB_DIALECT: ... as ARCHIVED, not complete"
}

intake_check_late_and_again() {
	in=$T/main/in
	wait_comp main in late.dat status ARCHIVED "$DB_DIALECT: a group is ARCHIVED before its late member"
	printf '<member arrived="late"/>\n' >"$in/late.xml"
	wait_comp main in late.xml "late, status, $(rsn late)" "1|ARCHIVED|reason ok" \
		"$DB_DIALECT: a member after the group was decided is late, with the group's status"
	expect_rows main "SELECT COUNT(*), COUNT(DISTINCT file_id) FROM components WHERE watch = 'in' AND stem = $(db_path late)" \
		"2|1" "$DB_DIALECT: ... and joins the same group"
	expect_rows main "SELECT COUNT(*) FROM files WHERE watch = 'in' AND group_key = $(db_path late)" 1 \
		"$DB_DIALECT: ... never starting a second one"

	h1=$(sha256of "$in/re.dat")
	wait_comp main in re.dat "generation, status" "1|ARCHIVED" "$DB_DIALECT: a first delivery is ARCHIVED"
	printf 'second delivery of re, other content\n' >"$in/.re.dat"
	mv "$in/.re.dat" "$in/re.dat"
	wait_comp main in re.dat "generation, content_hash" "1|$h1
2|$(sha256of "$in/re.dat")" \
		"$DB_DIALECT: a file delivered again under the same name is a new generation; the old row stays"
}

# --- skip: a restart keeps the deadline (second half) -----------------------

intake_restart_deadline_end() {
	# Start again only once the deadline has passed.
	while [ "$(now_us)" -le $((r1_deadline + 300000)) ]; do
		sleep 0.1
	done
	started=$(now_us)
	svc_start skip
	wait_comp skip in r1.dat status TIMED_OUT \
		"$DB_DIALECT: a group whose deadline passed while the service was down is decided after a restart"
	expect_rows skip "$(fsql in r1 "status, deadline_at, created_at, COALESCE(missing, 'none')")" \
		"TIMED_OUT|$r1_deadline|$r1_created|.xml" \
		"$DB_DIALECT: ... by the deadline kept in the catalog, missing .xml"
	decided=$(rows skip "$(fsql in r1 updated_at)")
	echo "# r1 decided $(((${decided:-0} - started) / 1000)) ms after the restart began"
	if [ "${decided:-0}" -ge "$r1_deadline" ] && [ $((${decided:-0} - started)) -lt $((SKIP_TIMEOUT * 1000000)) ]; then
		t_pass "$DB_DIALECT: ... sooner than a new timeout would allow"
	else
		i_fail "$DB_DIALECT: ... sooner than a new timeout would allow (deadline $r1_deadline, restarted $started, decided $decided)" skip
	fi
	for n in dn.dat dn.xml; do
		wait_comp skip in "$n" status ARCHIVED "$DB_DIALECT: a file delivered while the service was down is found at start ($n)"
	done

	printf 'times out\n' >"$T/skip/in/k1.dat"
	wait_comp skip in k1.dat status WAITING "$DB_DIALECT: an incomplete group waits"
	deadline=$(rows skip "$(fsql in k1 'COALESCE(deadline_at, 0)')")
	created=$(rows skip "$(fsql in k1 created_at)")
	span=$((${deadline:-0} - ${created:-0}))
	if [ "$span" -ge $((SKIP_TIMEOUT * 1000000)) ] && [ "$span" -lt $(((SKIP_TIMEOUT + 3) * 1000000)) ]; then
		t_pass "$DB_DIALECT: ... until a deadline_at timeout (${SKIP_TIMEOUT}s) after it began"
	else
		i_fail "$DB_DIALECT: ... until a deadline_at timeout (${SKIP_TIMEOUT}s) after it began (deadline_at - created_at = $span us)" skip
	fi
	wait_comp skip in k1.dat status TIMED_OUT "$DB_DIALECT: on_timeout = \"skip\" makes its files TIMED_OUT" \
		$((SKIP_TIMEOUT + 30))
	expect_rows skip "$(fsql in k1 "status, complete, COALESCE(missing, 'none')")" "TIMED_OUT|0|.xml" \
		"$DB_DIALECT: ... and the group TIMED_OUT with files.missing = .xml"
}

# --- main: a restart finds what came meanwhile, duplicates nothing ----------

intake_restart_main() {
	before=$(rows main "SELECT COUNT(*) FROM components")
	svc_stop main
	printf 'delivered while down\n' >"$T/main/in/down1.dat"
	printf 'delivered while down, below\n' >"$T/main/rec/sub/down2.dat"
	svc_start main
	wait_comp main in down1.dat status ARCHIVED "$DB_DIALECT: a file delivered while the service was down is recorded at start"
	wait_comp main rec sub/down2.dat status ARCHIVED "$DB_DIALECT: ... in a subfolder of a recursive watch too"
	expect_rows main "SELECT COUNT(*) FROM components" "$((before + 2))" \
		"$DB_DIALECT: a restart adds only the new files"
	expect_rows main "SELECT watch, $(db_hex rel_path), COUNT(*) FROM components GROUP BY watch, rel_path HAVING COUNT(*) > 1" \
		"in|$(hexof re.dat)|2" \
		"$DB_DIALECT: ... and no file recorded before has a second row (re.dat was delivered twice)"
	# Anchored, not a fixed pause: files delivered now, one to a watch
	# that inotify follows and one to the polled watch (found by a later
	# poll than the start's walk), are recorded after the start's walks
	# of every watch; a walk that records a file twice has done so then.
	printf 'control after the restart\n' >"$T/main/in/down3.dat"
	printf 'control after the restart, polled\n' >"$T/main/poll/down4.dat"
	wait_comp main in down3.dat status ARCHIVED "$DB_DIALECT: a file delivered after the restart is recorded"
	wait_comp main poll down4.dat status ARCHIVED "$DB_DIALECT: ... and one delivered to the polled watch"
	expect_rows main "SELECT COUNT(*) FROM components" "$((before + 4))" \
		"$DB_DIALECT: ... nor later: only those two files were added since"
}

# --- flood: the inotify queue overflows -------------------------------------

intake_case_overflow() {
	intake_project flood
	max=$(cat /proc/sys/fs/inotify/max_queued_events)
	count=$((max + 500))
	svc_start flood
	svc_ready flood || return 0
	pid=$(svc_pid flood)
	kill -STOP "$pid"
	started=$(now_us)
	d=$T/flood/in
	i=0
	while [ "$i" -lt "$count" ]; do
		printf 'flood %d\n' "$i" >"$d/f$i.dat"
		i=$((i + 1))
	done
	delivered=$(now_us)
	kill -CONT "$pid"
	# A slow machine may take minutes (sanitizers, make -j): the wait ends
	# when the count stops growing for 30 s, not at a fixed time.
	what="$DB_DIALECT: after an inotify queue overflow ($count files, max_queued_events $max) every file is recorded"
	last=-1
	still=0
	while :; do
		got=$(rows flood "SELECT COUNT(*) FROM components WHERE status IN ('READY', 'ARCHIVING', 'ARCHIVED')")
		if [ "$got" = "$((count + 1))" ]; then
			t_pass "$what"
			break
		fi
		if [ "$got" = "$last" ]; then
			still=$((still + 1))
		else
			still=0
			last=$got
		fi
		if [ "$still" -ge 60 ] || ! svc_alive "$pid"; then
			i_fail "$what (checked: $got of $((count + 1)), no progress for 30 s or the service ended)" flood
			break
		fi
		sleep 0.5
	done
	echo "# flood: $count files made in $(((delivered - started) / 1000)) ms, recorded $((($(now_us) - delivered) / 1000)) ms after SIGCONT"
	if grep -qi 'overflow' "$T/flood.log"; then
		t_pass "$DB_DIALECT: ... and the log says the queue overflowed"
	else
		i_fail "$DB_DIALECT: ... and the log says the queue overflowed" flood
	fi
	expect_rows flood "SELECT COUNT(*) FROM (SELECT rel_path FROM components GROUP BY rel_path HAVING COUNT(*) > 1) d" 0 \
		"$DB_DIALECT: ... each once"
	svc_stop flood
}

# --- all of it --------------------------------------------------------------

intake_run_cases() {
	t_cleanup svc_cleanup
	intake_caps
	intake_case_usage
	intake_case_hash_config
	intake_projects
	for p in main wait skip proc req; do
		svc_start "$p"
	done
	for p in main wait skip proc req; do
		svc_ready "$p"
	done
	intake_restart_deadline_begin
	intake_case_slow_writer
	intake_deliver
	intake_deliver_sidecars
	intake_check_basic
	intake_check_names
	intake_check_special
	intake_check_sidecars
	intake_check_groups
	intake_check_late_and_again
	intake_check_xxh128
	intake_restart_deadline_end
	intake_restart_main
	for p in main wait skip proc req; do
		svc_stop "$p"
	done
	intake_case_overflow
}
