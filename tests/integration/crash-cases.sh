# The crash test every backend must pass (sourced, POSIX sh, not a test by
# itself).  crash-sqlite.sh, crash-postgresql.sh and crash-mariadb.sh
# source it after tests/lib/catalog.sh and intake-cases.sh (whose service
# and polling helpers it uses), call catalog_start for their backend, then
# crash_run_cases.
#
# While `carbonation run` (the service, not --once) archives CRASH_FILES
# files, it is killed with SIGKILL at random moments CRASH_KILLS times and
# started again after each kill; delivery goes on meanwhile, also while
# the service is down.  Then a last service runs until every component is
# ARCHIVED and stops on SIGTERM, and `run --once` runs once more.
#
# The files: groups of two, STEM.dat and STEM.xml, rules.toml requiring
# both; .dat sizes are a mix (70 % up to 16 KiB, 25 % up to 512 KiB, 5 %
# up to 4 MiB), random bytes.  Three groups in four go to watch "cp" (copy
# mode, verify = "sha256", settle 0s), delivered by writing a hidden name
# in place (.STEM.dat) and renaming it; the others to watch "mv" (move
# mode, settle 200ms), written outside the watch on the same filesystem
# and renamed in.  Both watches are recursive with eight subfolders and
# archive to {watch}/{dir}, so each file has exactly one right archive
# name: its path in the watch, below archive/WATCH/.  A pristine copy of
# every file stays in $T/ref for the comparisons.  What is done for each
# file (making the files, delivering them, comparing them) is
# crash-files.py, one python3 process each rather than a process per file.
#
# After each kill, with the service down (invariants 1 and 2 at that
# instant): every delivered file is in its delivery folder or at its
# archive name, and every file at a final archive name is one expected
# there with the content delivered (a partial or wrong file, a ".v2"
# version or any other name fails).  The log says how many kills left
# ARCHIVING rows and temporary files, i.e. hit archives in flight.
#
# Odd kills come 0.1 to 2 s after a start (starting, recovering).  Kills
# 2, 4 and 6 (while delivery goes on) land inside a batch every time: the
# service is started with CARB_TEST_STOP_AT naming a stop point of the
# archive batch (batch-written: copies written, not flushed; batch-named:
# at their final names, sources still there; batch-placed: move-mode
# sources gone, the catalog still ARCHIVING), stops itself there with
# SIGSTOP, and is killed; each is a case.  The other even kills come up to
# 0.5 s after the first file archived since the start, when batches are in
# full flow however fast the machine is, and then at the first moment the
# service, stopped with SIGSTOP to look, has ARCHIVING rows (see
# crash_stop_inflight); whether those hit a batch is luck, and is logged.
#
# At the end: each delivered file is archived exactly once with identical
# content (cmp of each), the archive holds as many files as were
# delivered, no .carb-tmp-* file is left anywhere, the copy watch still
# holds every file unchanged and the move watch none, and the catalog has
# one ARCHIVED row per file (path, archive_path, size, SHA-256) and
# nothing else, every group ARCHIVED, no failed attempt, no warning in
# the log; `reconcile delivery` and `reconcile archive --deep` find
# nothing; a `run --once` afterwards changes nothing.
#
# Before that, crash_case_recover_once: a restart whose first turn plans
# a group itself (a deadline passed while down) archives it once.
#
# Sizes, with defaults 2,000 files and 20 kills (about 80 s a backend
# under ASan on 2 cores), or 500 files and 10 kills when $CI is set, as CI
# services do (the three backends then take about two minutes together
# in `make -j2 check` under ASan on 2 cores):
#   CARB_CRASH_FILES   files delivered (rounded up to an even number)
#   CARB_CRASH_KILLS   SIGKILLs
#   CARB_CRASH_SEED    the random seed (printed), to replay sizes and times
# shellcheck shell=sh

if [ -n "${CI:-}" ] && [ "${CI:-}" != false ]; then
	CRASH_FILES=${CARB_CRASH_FILES:-500}
	CRASH_KILLS=${CARB_CRASH_KILLS:-10}
else
	CRASH_FILES=${CARB_CRASH_FILES:-2000}
	CRASH_KILLS=${CARB_CRASH_KILLS:-20}
fi
CRASH_SEED=${CARB_CRASH_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}

# --- helpers --------------------------------------------------------------

# crash_text COLUMN: a BLOB column as text (every name here is ASCII).
crash_text() {
	case $DB_DIALECT in
	sqlite) printf 'CAST(%s AS TEXT)' "$1" ;;
	postgresql) printf "convert_from(%s, 'UTF8')" "$1" ;;
	mariadb) printf 'CONVERT(%s USING utf8mb4)' "$1" ;;
	esac
}

# crash_check WHAT FILE: one case, passing when FILE is empty; else its
# first lines are shown.
crash_check() {
	if [ ! -s "$2" ]; then
		t_pass "$1"
	else
		i_fail "$1 ($(wc -l <"$2") wrong; the first ones below)"
		head -n 10 "$2" | sed 's/^/  | /'
	fi
}

# The plan: one line per group, "WATCH DIR STEM DAT_SIZE XML_SIZE ORDER"
# (ORDER 1: the .xml is delivered first), the watches interleaved; and
# the kill delays, one per line, in seconds.
crash_plan() {
	awk -v seed="$CRASH_SEED" -v groups="$1" -v kills="$CRASH_KILLS" \
		-v plan="$T/plan" -v delays="$T/delays" \
		-v stops="batch-written batch-named batch-placed" 'BEGIN {
		srand(seed)
		for (i = 1; i <= groups; i++) {
			w = (i % 4 == 0) ? "mv" : "cp"
			r = rand()
			if (r < 0.70)
				dat = 1 + int(rand() * 16384)
			else if (r < 0.95)
				dat = 16384 + int(rand() * (512 * 1024 - 16384))
			else
				dat = 512 * 1024 + int(rand() * (3.5 * 1024 * 1024))
			xml = 200 + int(rand() * 16000)
			order = rand() < 0.3 ? 1 : 0
			printf "%s d%02d g%05d %d %d %d\n", w, i % 8, i, dat, xml,
				order >plan
		}
		# Down for up to 0.5 s, then killed: odd kills 0.1 s (starting
		# and recovering) to 2 s after the start; even ones up to 0.5 s
		# after the first file archived since the start, when batches
		# are in full flow whatever the speed of the machine (then at
		# the first batch in flight: crash_stop_inflight).
		chunks = int((kills * 2 + 2) / 3)
		split(stops, point, " ")
		for (k = 1; k <= kills; k++)
			if (k % 2 == 0 && k / 2 <= 3 && k <= chunks)
				printf "%.2f stop %s\n", rand() * 0.5,
					point[k / 2] >delays
			else if (k % 2)
				printf "%.2f start %.2f\n", rand() * 0.5,
					0.1 + rand() * 1.9 >delays
			else
				printf "%.2f flow %.2f\n", rand() * 0.5,
					rand() * 0.5 >delays
	}'
}

# The per-file work is crash-files.py, one process for all files.
crash_files() {
	python3 "$top_srcdir/tests/integration/crash-files.py" "$@"
}

# The files at final archive names, relative to archive/, sorted.
crash_archive_files() {
	(cd "$P/archive" && find . -type f ! -name '.carb-tmp-*') |
		sed 's|^\./||' | LC_ALL=C sort
}

# After kill K, the service down: invariants 1 and 2 at this instant.
crash_snapshot() {
	k=$1
	# Whole lines only: the deliverer may be appending.
	grep -E '^(cp|mv)/d[0-9][0-9]/g[0-9]{5}\.(dat|xml)$' "$T/manifest" \
		>"$T/snap.delivered" || :
	: >"$T/snap.bad"
	while IFS= read -r f; do
		if [ ! -f "$P/$f" ] && [ ! -f "$P/archive/$f" ]; then
			echo "$f: neither in its delivery folder nor at its archive name" \
				>>"$T/snap.bad"
		fi
	done <"$T/snap.delivered"
	crash_check "$DB_DIALECT: kill $k: every delivered file is in its delivery folder or archived" \
		"$T/snap.bad"

	# Final names: expected ones only, with the delivered content.  A
	# file checked at an earlier kill is not hashed again (a final name is
	# never replaced here; the end checks every file once more).
	crash_archive_files >"$T/snap.archive"
	LC_ALL=C comm -23 "$T/snap.archive" "$T/verified" >"$T/snap.new"
	: >"$T/snap.sums"
	if [ -s "$T/snap.new" ]; then
		(cd "$P/archive" && xargs sha256sum <"$T/snap.new") >"$T/snap.sums"
	fi
	awk 'NR == FNR { ref[$2] = $1; next }
	     !($2 in ref) { print $2 ": not a name any file should have"; next }
	     ref[$2] != $1 { print $2 ": content differs from the delivered file" }' \
		"$T/ref.sums" "$T/snap.sums" >"$T/snap.bad"
	(cd "$P/archive" && find . ! -type f ! -type d) >>"$T/snap.bad"
	crash_check "$DB_DIALECT: kill $k: every file at a final archive name is whole and expected there" \
		"$T/snap.bad"
	if [ ! -s "$T/snap.bad" ]; then
		LC_ALL=C sort -m "$T/verified" "$T/snap.new" >"$T/verified.next"
		mv "$T/verified.next" "$T/verified"
	fi
}

# The catalog's picture at a kill, for the log.
crash_inflight() {
	archiving=$(rows crash "SELECT COUNT(*) FROM components WHERE status = 'ARCHIVING'")
	archived=$(rows crash "SELECT COUNT(*) FROM components WHERE status = 'ARCHIVED'")
	temps=$(find "$P/archive" -name '.carb-tmp-*' | wc -l)
	echo "# kill $1, $2: $(wc -l <"$T/snap.delivered") delivered," \
		"${archived:-?} ARCHIVED, ${archiving:-?} ARCHIVING, $temps temporary files"
	if [ "${archiving:-0}" -gt 0 ] || [ "$temps" -gt 0 ]; then
		crash_hits=$((crash_hits + 1))
	fi
	if [ "$temps" -gt 0 ]; then
		crash_temp_kills=$((crash_temp_kills + 1))
	fi
}

# --- the project ------------------------------------------------------------

crash_project() {
	P=$T/crash
	R=$T/ref
	mkdir -p "$P/archive" "$P/stage" "$R"
	db_create crash
	{
		printf '[database]\nurl = "%s"\n' "$DB_URL"
		if [ -n "$DB_PASSWORD" ]; then
			printf '%s\n' "$DB_PASSWORD" >"$P/db-password"
			printf 'password_file = "db-password"\n'
		fi
		cat <<'EOF'

[service]
workers = 2

[archive]
base_path = "archive"
destination = "{watch}/{dir}"
verify = "sha256"
retry_delay = "1s"
retry_max_delay = "2s"

[archive.destinations.moved]
destination = "{watch}/{dir}"
mode = "move"

[[watch]]
name = "cp"
path = "cp"
settle = "0s"
recursive = true

[[watch]]
name = "mv"
path = "mv"
settle = "200ms"
recursive = true
EOF
	} >"$P/config.toml"
	cat >"$P/rules.toml" <<'EOF'
[integrity]
min_size = 1

[completeness]
required = [".dat", ".xml"]
timeout = "1h"

[[routing.rule]]
name = "move watch"
watch = ["mv"]
destination = "moved"
EOF
	for w in cp mv; do
		for i in 0 1 2 3 4 5 6 7; do
			mkdir -p "$P/$w/d0$i"
		done
	done
	t_run "$CARB" -c "$P/config.toml" db init
	t_expect_status 0 "$DB_DIALECT: crash: db init"
}

# --- the kills --------------------------------------------------------------

# Every file is delivered and archived: nothing more will happen.
crash_drained() {
	[ -e "$T/delivered" ] &&
		[ "$(rows crash "SELECT COUNT(*) FROM components WHERE status <> 'ARCHIVED'")" = 0 ]
}

# crash_await_flow LINES PID: until the service logs its first archived
# file after line LINES of its log; at most 30 s, and not once everything
# delivered is archived (nothing will come).
crash_await_flow() {
	n=0
	while [ "$n" -lt 600 ] && svc_alive "$2" &&
		! tail -n "+$(($1 + 1))" "$T/crash.log" | grep -q 'archived'; do
		n=$((n + 1))
		if [ $((n % 20)) -eq 0 ] && crash_drained; then
			break
		fi
		sleep 0.05
	done
}

# crash_stop_inflight PID: stops the service (SIGSTOP) at a moment when
# the catalog shows ARCHIVING rows, i.e. inside a batch (files being
# copied, flushed, linked, their rows not yet ARCHIVED), so that the
# SIGKILL which follows leaves exactly that.  It samples: stop, look, go
# on for 10 to 40 ms if nothing is in flight; at most about 5 s, and not
# once everything delivered is archived (returns 1, the service running).
# Looking while the service runs and killing after would miss: a fast
# machine drains an arrival in milliseconds, and ten such kills hit no
# batch on a CI machine.
crash_stop_inflight() {
	n=0
	sql="SELECT COUNT(*) FROM components WHERE status = 'ARCHIVING'"
	while [ "$n" -lt 150 ] && svc_alive "$1"; do
		kill -STOP "$1"
		crash_stopped "$1"
		if [ "$(rows crash "$sql")" != 0 ]; then
			return 0
		fi
		kill -CONT "$1"
		n=$((n + 1))
		if [ $((n % 10)) -eq 0 ] && crash_drained; then
			return 1
		fi
		sleep "0.0$((1 + n % 4))"
	done
	return 1
}

# crash_stopped PID: until every thread of PID is stopped (state T): the
# stop is delivered to each thread on its own.
crash_stopped() {
	m=0
	while [ "$m" -lt 100 ] &&
		sed 's/.*) //' "/proc/$1/task/"*/stat 2>/dev/null |
		cut -c1 | grep -qv T; do
		m=$((m + 1))
		sleep 0.001
	done
}

# crash_await_stop K POINT PID: until the service, started with
# CARB_TEST_STOP_AT=POINT, has stopped itself there (every thread in state
# T); at most 60 s.  One case: it stopped, and the catalog shows ARCHIVING
# rows, a batch in flight.  Deterministic, unlike a kill at a random
# moment: this is the kill that must land inside a batch.
crash_await_stop() {
	m=0
	while [ "$m" -lt 600 ] && svc_alive "$3" &&
		[ "$(sed 's/.*) //' "/proc/$3/stat" 2>/dev/null | cut -c1)" != T ]; do
		m=$((m + 1))
		sleep 0.1
	done
	crash_stopped "$3"
	n=$(rows crash "SELECT COUNT(*) FROM components WHERE status = 'ARCHIVING'")
	if [ "${n:-0}" -gt 0 ]; then
		t_pass "$DB_DIALECT: kill $1: the service stopped at $2 with a batch in flight ($n ARCHIVING)"
		caught=" with $n ARCHIVING"
	else
		i_fail "$DB_DIALECT: kill $1: the service stopped at $2 with a batch in flight (it did not stop there within 60 s, or no row was ARCHIVING)" crash
	fi
}

crash_kills() {
	k=1
	while [ "$k" -le "$CRASH_KILLS" ]; do
		read -r down how delay <<EOF
$(sed -n "${k}p" "$T/delays")
EOF
		# A chunk starts arriving while the service is down, so that it
		# starts with work to recover and to catch up on.
		if [ "$k" -le "$crash_chunks" ]; then
			: >"$T/go.$k"
		fi
		sleep "$down"
		lines=0
		if [ -f "$T/crash.log" ]; then
			lines=$(wc -l <"$T/crash.log")
		fi
		caught=
		if [ "$how" = stop ]; then
			# The service stops itself inside its first batch.
			CARB_TEST_STOP_AT=$delay
			export CARB_TEST_STOP_AT
			svc_start crash
			unset CARB_TEST_STOP_AT
			pid=$(svc_pid crash)
			crash_await_stop "$k" "$delay" "$pid"
		else
			svc_start crash
			pid=$(svc_pid crash)
			if [ "$how" = flow ]; then
				crash_await_flow "$lines" "$pid"
			fi
			sleep "$delay"
			if [ "$how" = flow ] && crash_stop_inflight "$pid"; then
				caught=" (stopped with ARCHIVING rows)"
			fi
		fi
		if svc_alive "$pid"; then
			kill -KILL "$pid"
			rc=0
			# (no "Killed" from the shell)
			wait "$pid" 2>/dev/null || rc=$?
			if [ "$rc" -ne 137 ]; then
				i_fail "$DB_DIALECT: kill $k: the service was running (exit $rc)" crash
			fi
		else
			rc=0
			wait "$pid" || rc=$?
			i_fail "$DB_DIALECT: kill $k: the service was running when killed (it had exited $rc)" crash
		fi
		eval "svc_pid_crash="
		what="$delay s after the start"
		if [ "$how" = flow ]; then
			what="$delay s after its first archived file$caught"
		elif [ "$how" = stop ]; then
			what="stopped at $delay$caught"
		fi
		echo "# killed (SIGKILL) $what" >>"$T/crash.log"
		crash_snapshot "$k"
		crash_inflight "$k" "$what"
		k=$((k + 1))
	done
}

# --- the end ----------------------------------------------------------------

# Until every component is ARCHIVED; fails when nothing moves for 60 s.
crash_finish() {
	want="ARCHIVED|$CRASH_FILES"
	sql="SELECT status, COUNT(*) FROM components GROUP BY status ORDER BY status"
	last=
	still=0
	pid=$(svc_pid crash)
	while :; do
		db_query crash "$sql" >"$T/out" 2>"$T/err" || :
		now=$(cat "$T/out")
		if [ "$now" = "$want" ]; then
			t_pass "$DB_DIALECT: a last service archives everything: every component ARCHIVED"
			return 0
		fi
		if [ "$now" = "$last" ]; then
			still=$((still + 1))
		else
			still=0
			last=$now
		fi
		if [ "$still" -gt 120 ] || ! svc_alive "$pid"; then
			t_fail "$DB_DIALECT: a last service archives everything: every component ARCHIVED (stuck at the rows above; want $want)"
			svc_log_tail crash
			return 1
		fi
		sleep 0.5
	done
}

crash_check_catalog() {
	expect_rows crash "SELECT status, COUNT(*) FROM files GROUP BY status ORDER BY status" \
		"ARCHIVED|$((CRASH_FILES / 2))" \
		"$DB_DIALECT: every group is ARCHIVED, nothing else in flight"
	expect_rows crash "SELECT COUNT(*) FROM (SELECT watch, rel_path FROM components GROUP BY watch, rel_path HAVING COUNT(*) > 1) d" \
		0 "$DB_DIALECT: one catalog row per delivered file"
	expect_rows crash "SELECT COUNT(*) FROM components WHERE attempts <> 0 OR reason IS NOT NULL" \
		0 "$DB_DIALECT: no archive attempt failed and no row has a reason"

	# Each row: its file, its archive name, size and SHA-256 as delivered.
	rows crash "SELECT watch, $(crash_text rel_path), $(crash_text archive_path), size, content_hash, archive_version FROM components" |
		awk -F'|' '{ print $1 "/" $2 "|" $3 "|" $4 "|" $5 "|" $6 }' |
		LC_ALL=C sort >"$T/cat.rows"
	LC_ALL=C sort "$T/ref.rows" >"$T/cat.want"
	LC_ALL=C diff "$T/cat.want" "$T/cat.rows" | grep '^[<>]' >"$T/cat.bad"
	crash_check "$DB_DIALECT: each row names its file, its archive path, size and SHA-256 (archive_version 1)" \
		"$T/cat.bad"
}

crash_check_disk() {
	# Exactly the delivered files, once each, nothing else.
	crash_archive_files >"$T/end.archive"
	awk '{ print $2 }' "$T/ref.sums" | LC_ALL=C sort >"$T/end.want"
	LC_ALL=C diff "$T/end.want" "$T/end.archive" | grep '^[<>]' >"$T/end.bad"
	crash_check "$DB_DIALECT: the archive holds every delivered file once, at its name, and nothing else" \
		"$T/end.bad"
	n=$(find "$P/archive" -type f | wc -l)
	if [ "$n" -eq "$CRASH_FILES" ]; then
		t_pass "$DB_DIALECT: files in the archive: $n, files delivered: $CRASH_FILES"
	else
		i_fail "$DB_DIALECT: files in the archive: $n, files delivered: $CRASH_FILES"
	fi
	find "$P" -name '.carb-tmp-*' >"$T/end.bad"
	crash_check "$DB_DIALECT: no .carb-tmp-* file is left" "$T/end.bad"
	(cd "$P/archive" && find . ! -type f ! -type d) >"$T/end.bad"
	crash_check "$DB_DIALECT: nothing but regular files and folders in the archive" "$T/end.bad"

	# Byte for byte.
	crash_files cmp "$T" "$R" "$P" >"$T/end.bad"
	crash_check "$DB_DIALECT: every archived file is identical to the delivered one (cmp)" "$T/end.bad"

	# Copy mode leaves the delivery as it was; move mode leaves nothing.
	(cd "$P" && find cp -type f -exec sha256sum {} +) |
		LC_ALL=C sort -k2 >"$T/end.cp"
	grep '  cp/' "$T/ref.sums" | LC_ALL=C sort -k2 |
		LC_ALL=C diff - "$T/end.cp" | grep '^[<>]' >"$T/end.bad"
	crash_check "$DB_DIALECT: the copy watch still holds every delivered file, unchanged" "$T/end.bad"
	find "$P/mv" "$P/stage" -type f >"$T/end.bad"
	crash_check "$DB_DIALECT: the move watch ends empty" "$T/end.bad"
}

# The catalog and the disk agree (invariant 3): reconcile finds nothing.
crash_check_reconcile() {
	t_run "$CARB" -c "$P/config.toml" reconcile delivery
	t_expect_status 0 "$DB_DIALECT: reconcile delivery exits 0"
	t_expect_out "no discrepancy" "$DB_DIALECT: ... and reports nothing"
	t_run "$CARB" -c "$P/config.toml" reconcile archive --deep
	t_expect_status 0 "$DB_DIALECT: reconcile archive --deep exits 0"
	t_expect_out "no discrepancy" "$DB_DIALECT: ... and reports nothing"
}

# --- a restart that finds work of its own before recovery ---------------------

# A group whose deadline passed while the service was down (on_timeout =
# "process") is planned in the first turn; recovery, which queues every
# ARCHIVING row again, must not queue it a second time (it did: "archive
# name ... was taken meanwhile").  Not a kill, but the same recovery, and
# deterministic.
crash_case_recover_once() {
	Q=$T/again
	mkdir -p "$Q/in" "$Q/archive"
	db_create again
	{
		printf '[database]\nurl = "%s"\n' "$DB_URL"
		if [ -n "$DB_PASSWORD" ]; then
			printf '%s\n' "$DB_PASSWORD" >"$Q/db-password"
			printf 'password_file = "db-password"\n'
		fi
		printf '\n[archive]\nbase_path = "archive"\ndestination = "{watch}"\n'
		printf '\n[[watch]]\nname = "in"\npath = "in"\nsettle = "0s"\n'
	} >"$Q/config.toml"
	# A timeout of 5 s: the group is WAITING that long while the service
	# runs, for the test to see it and stop the service before the
	# deadline even on a loaded machine (1 s was a window a slow poll
	# could miss).
	printf '[completeness]\nrequired = [".dat", ".xml"]\ntimeout = "5s"\non_timeout = "process"\n' \
		>"$Q/rules.toml"
	t_run "$CARB" -c "$Q/config.toml" db init
	t_expect_status 0 "$DB_DIALECT: again: db init"
	printf 'its .xml never comes\n' >"$Q/in/a.dat"
	svc_start again
	wait_rows again "SELECT status FROM components" WAITING \
		"$DB_DIALECT: again: a.dat waits for its .xml" 30
	svc_stop again
	# The deadline passes while the service is down: still WAITING now,
	# and started again only once the catalog's deadline_at has passed.
	expect_rows again "SELECT status FROM components" WAITING \
		"$DB_DIALECT: again: ... still WAITING when the service stopped, before its deadline"
	deadline=$(rows again "SELECT COALESCE(MAX(deadline_at), 0) FROM files")
	while [ "$(now_us)" -le $((${deadline:-0} + 300000)) ]; do
		sleep 0.1
	done
	svc_start again
	wait_rows again "SELECT status, attempts FROM components" "ARCHIVED|0" \
		"$DB_DIALECT: again: the timed-out group is archived at the next start, in one attempt" 30
	svc_stop again
	grep -E 'archived|warning' "$T/again.log" >"$T/again.lines"
	if [ "$(grep -c 'archived to' "$T/again.lines")" -eq 1 ] &&
		[ "$(wc -l <"$T/again.lines")" -eq 1 ]; then
		t_pass "$DB_DIALECT: again: ... once: one \"archived to\", no second attempt"
	else
		i_fail "$DB_DIALECT: again: ... once: one \"archived to\", no second attempt"
		sed 's/^/  | /' "$T/again.lines"
	fi
}

# --- all of it --------------------------------------------------------------

crash_run_cases() {
	t_cleanup svc_cleanup
	CRASH_FILES=$(((CRASH_FILES + 1) / 2 * 2))
	groups=$((CRASH_FILES / 2))
	# Delivery spans the first two thirds of the kills; the rest see
	# only what is left to archive and recover.
	crash_chunks=$(((CRASH_KILLS * 2 + 2) / 3))
	crash_chunk=$(((groups + crash_chunks - 1) / crash_chunks))
	crash_hits=0
	crash_temp_kills=0
	echo "# $CRASH_FILES files, $CRASH_KILLS kills, seed $CRASH_SEED" \
		"(CARB_CRASH_FILES, CARB_CRASH_KILLS, CARB_CRASH_SEED)"
	crash_case_recover_once
	crash_project
	crash_plan "$groups"
	crash_files make "$T" "$R"
	echo "# $(du -sh "$R" | cut -f1) of files to deliver"
	: >"$T/manifest"
	: >"$T/verified"
	crash_files deliver "$T" "$R" "$P" "$crash_chunks" "$crash_chunk" &
	crash_deliverer_pid=$!
	svc_pids="$svc_pids $crash_deliverer_pid"
	started=$(date +%s)

	crash_kills
	wait "$crash_deliverer_pid"
	n=$(wc -l <"$T/manifest")
	if [ -e "$T/delivered" ] && [ "$n" -eq "$CRASH_FILES" ]; then
		t_pass "$DB_DIALECT: $CRASH_FILES files delivered during the kills"
	else
		i_fail "$DB_DIALECT: $CRASH_FILES files delivered during the kills ($n)"
	fi
	if [ "$crash_hits" -gt 0 ]; then
		t_pass "$DB_DIALECT: the kills hit archiving in flight ($crash_hits of $CRASH_KILLS left ARCHIVING rows or temporary files, $crash_temp_kills temporary files)"
	else
		i_fail "$DB_DIALECT: the kills hit archiving in flight (none of $CRASH_KILLS left ARCHIVING rows or temporary files)" crash
	fi
	echo "# kills done after $(($(date +%s) - started)) s"

	# Started (signals handled) before it may be stopped.
	before=$(grep -c ' started: ' "$T/crash.log")
	svc_start crash
	n=0
	while [ "$(grep -c ' started: ' "$T/crash.log")" -le "$before" ] &&
		[ "$n" -lt 300 ]; do
		n=$((n + 1))
		sleep 0.1
	done
	crash_finish
	svc_stop crash
	echo "# everything archived after $(($(date +%s) - started)) s"
	crash_check_catalog
	crash_check_disk
	crash_check_reconcile

	# Running it again changes nothing.
	rows crash "SELECT status, COUNT(*) FROM components GROUP BY status ORDER BY status" >"$T/before"
	t_run timeout 120 "$CARB" -c "$P/config.toml" run --once
	t_expect_status 0 "$DB_DIALECT: run --once afterwards exits 0"
	rows crash "SELECT status, COUNT(*) FROM components GROUP BY status ORDER BY status" >"$T/after"
	if cmp -s "$T/before" "$T/after" &&
		[ "$(find "$P/archive" -type f | wc -l)" -eq "$CRASH_FILES" ]; then
		t_pass "$DB_DIALECT: ... and changes nothing in the catalog or the archive"
	else
		i_fail "$DB_DIALECT: ... and changes nothing in the catalog or the archive" crash
	fi
	grep -E ' (error|warning) |runtime error|Sanitizer' "$T/crash.log" >"$T/end.bad" || :
	crash_check "$DB_DIALECT: the service logs no error or warning and no sanitizer report" "$T/end.bad"
	echo "# crash test done after $(($(date +%s) - started)) s"
}
