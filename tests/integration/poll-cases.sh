# The cases of `carbonation poll` every backend must pass (sourced, POSIX
# sh, not a test by itself).  poll-sqlite.sh, poll-postgresql.sh and
# poll-mariadb.sh source tests/lib/common.sh, tests/lib/catalog.sh,
# intake-cases.sh and archive-cases.sh (for their helpers), then this
# file, call catalog_start for their backend, then poll_run_cases.
#
# Two writers (`run --once` again and again, each on its own watch, two
# config files on one catalog) complete groups at the same time while a
# poller polls in a loop: every group that reached a final status comes
# out exactly once.  Then the same with the poller killed (SIGKILL) at
# random moments: no group is lost (a row printed before the kill may
# come again, as documented).
# shellcheck shell=sh

POLL_BATCHES=6
POLL_PER_BATCH=15

# p_config NAME WATCH: $T/NAME/config-WATCH.toml, one watch WATCH in
# $T/NAME/in-WATCH, archiving to $T/NAME/archive-WATCH.
p_config() {
	mkdir -p "$T/$1/in-$2" "$T/$1/archive-$2"
	{
		printf '[database]\nurl = "%s"\n' "$DB_URL"
		if [ -n "$DB_PASSWORD" ]; then
			printf 'password_file = "db-password"\n'
		fi
		printf '\n[service]\nworkers = 2\nrules = "rules.toml"\n'
		printf '\n[[watch]]\nname = "%s"\npath = "in-%s"\nsettle = "0s"\n' "$2" "$2"
		printf '\n[archive]\nbase_path = "archive-%s"\n' "$2"
	} >"$T/$1/config-$2.toml"
}

# p_writer NAME WATCH: delivers POLL_BATCHES batches of POLL_PER_BATCH
# groups into the watch, with run --once after each.
p_writer() {
	b=1
	while [ "$b" -le "$POLL_BATCHES" ]; do
		i=1
		while [ "$i" -le "$POLL_PER_BATCH" ]; do
			printf '%s %s %s\n' "$2" "$b" "$i" >"$T/$1/in-$2/g$b-$i.dat"
			i=$((i + 1))
		done
		rc=0
		timeout 300 "$CARB" -c "$T/$1/config-$2.toml" run --once >>"$T/$1/writer-$2.log" 2>&1 || rc=$?
		[ "$rc" -eq 0 ] || echo "batch $b: run --once exited $rc" >>"$T/$1/writer-$2.log"
		b=$((b + 1))
	done
}

# p_poll NAME [KILL]: one poll appended to $T/NAME/polled; with KILL the
# poller is killed with SIGKILL after a random moment (0 to 50 ms).
p_poll() {
	if [ -n "${2:-}" ]; then
		"$CARB" -c "$T/$1/config-a.toml" poll --cursor-file "$T/$1/cursor" \
			--columns id >>"$T/$1/polled" 2>>"$T/$1/poll.err" &
		pp=$!
		sleep "0.0$(awk 'BEGIN { srand(); printf "%02d", int(rand() * 50) }')"
		kill -KILL "$pp" 2>/dev/null
		wait "$pp" 2>/dev/null
	else
		"$CARB" -c "$T/$1/config-a.toml" poll --cursor-file "$T/$1/cursor" \
			--columns id >>"$T/$1/polled" 2>>"$T/$1/poll.err" ||
			echo "poll failed" >>"$T/$1/poll.err"
	fi
}

# p_race NAME [KILL]: the two writers and the poller; then the checks.
p_race() {
	P=$T/$1
	mkdir -p "$P"
	db_create "$1"
	if [ -n "$DB_PASSWORD" ]; then
		printf '%s\n' "$DB_PASSWORD" >"$P/db-password"
	fi
	printf '[integrity]\nmin_size = 1\n' >"$P/rules.toml"
	p_config "$1" a
	p_config "$1" b
	t_run "$CARB" -c "$P/config-a.toml" db init
	t_expect_status 0 "$DB_DIALECT: $1: db init"
	: >"$P/polled"
	: >"$P/poll.err"
	p_writer "$1" a &
	wa=$!
	p_writer "$1" b &
	wb=$!
	polls=0
	while kill -0 "$wa" 2>/dev/null || kill -0 "$wb" 2>/dev/null; do
		p_poll "$1" "${2:-}"
		polls=$((polls + 1))
	done
	wait "$wa" "$wb"
	# Once more, unkilled, to read what the last kill left.
	p_poll "$1"
	p_poll "$1"
	rows "$1" "SELECT id FROM files WHERE status IN ('ARCHIVED', 'NOT_SELECTED', 'FAILED', 'TIMED_OUT', 'CLEARED') ORDER BY id" >"$P/want"
	grep -E '^\{"id":[0-9]+\}$' "$P/polled" | tr -cd '0-9\n' | sort -n >"$P/got"
	a_eq "$1: both writers completed every group ($polls polls meanwhile)" \
		"$(wc -l <"$P/want" | tr -d ' ')" "$((2 * POLL_BATCHES * POLL_PER_BATCH))"
	if [ "$(wc -l <"$P/want" | tr -d ' ')" -ne "$((2 * POLL_BATCHES * POLL_PER_BATCH))" ]; then
		grep -hvF 'archived to' "$P/writer-a.log" "$P/writer-b.log" "$P/poll.err" |
			tail -n 40 | sed 's/^/  | /'
	fi
	if [ -n "${2:-}" ]; then
		a_eq "$1: the poller killed at random moments lost no group" \
			"$(sort -nu "$P/got")" "$(cat "$P/want")"
	else
		a_eq "$1: the poller returned every completed group exactly once" \
			"$(cat "$P/got")" "$(cat "$P/want")"
		a_eq "$1: no poll failed" "$(cat "$P/poll.err")" ""
	fi
}

poll_case_basics() {
	P=$T/pb
	t_run "$CARB" -c "$T/pr/config-a.toml" poll
	t_expect_status 2 "$DB_DIALECT: poll without --cursor-file is a usage error"
	printf 'nonsense\n' >"$T/bad-cursor"
	t_run "$CARB" -c "$T/pr/config-a.toml" poll --cursor-file "$T/bad-cursor"
	t_expect_status 2 "$DB_DIALECT: a cursor file that holds no cursor is a usage error"
	t_expect_err "is not a poll cursor" "$DB_DIALECT: ... and says so"
	a_eq "... and the file is left as it was" "$(cat "$T/bad-cursor")" nonsense
	t_run "$CARB" -c "$T/pr/config-a.toml" poll --cursor-file "$T/pr/cursor"
	t_expect_status 0 "$DB_DIALECT: poll with nothing new exits 0"
	a_eq "... and prints nothing" "$(cat "$T/out")" ""
	t_run "$CARB" -c "$T/pr/config-a.toml" poll --cursor-file "$T/new-cursor" --limit 5 --columns id,status
	a_eq "poll --limit 5 from a new cursor: the first five completions" \
		"$(wc -l <"$T/out" | tr -d ' ')" 5
	t_run "$CARB" -c "$T/pr/config-a.toml" poll --cursor-file "$T/new-cursor" --format csv --columns id
	a_eq "... and the next poll goes on from the sixth" \
		"$(($(wc -l <"$T/out") - 1))" "$((2 * POLL_BATCHES * POLL_PER_BATCH - 5))"
}

poll_run_cases() {
	t_cleanup svc_cleanup
	LC_ALL=C
	export LC_ALL
	p_race pr
	poll_case_basics
	p_race pk kill
}
