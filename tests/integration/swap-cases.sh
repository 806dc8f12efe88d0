# The swap cases (issue 13, defect 1): between the checks of a delivered
# file (its record, its SHA-256 re-read with verify = "sha256") and the
# rename or link that archives it, a writer of the delivery folder swaps
# in a symlink to a file outside both roots, or another regular file of
# the same size.  The archive may only ever receive the file intake
# recorded; anything else at the name stays in the delivery folder and
# the component is FAILED with the reason.  Sourced (POSIX sh) by
# swap-sqlite.sh, swap-postgresql.sh and swap-mariadb.sh after
# tests/lib/common.sh, tests/lib/catalog.sh, intake-cases.sh and
# archive-cases.sh (for a_project, a_once, a_ok, a_eq), which then call
# swap_run_cases.
#
# Two ways into the window:
#  - deterministic: run --once with CARB_TEST_STOP_AT=batch-move (or
#    batch-link, batch-named) stops itself just before the rename (the
#    link, the removal of a source copied across filesystems); the test
#    swaps the name while it is stopped and lets it go on (SIGCONT);
#  - a race: swap-writer.py swaps names back and forth with
#    renameat2(RENAME_EXCHANGE) while run --once archives, many times,
#    and after each run the invariant is checked file by file.
# shellcheck shell=sh

SWAP_RACE_ROUNDS=${CARB_SWAP_ROUNDS:-5}
SWAP_RACE_FILES=8

# Until PID has stopped itself (state T): 0; 1 when it exited first or
# did not stop within 30 s.
sw_await_stop() {
	m=0
	while [ "$m" -lt 300 ] && kill -0 "$1" 2>/dev/null; do
		if [ "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)" = T ]; then
			return 0
		fi
		m=$((m + 1))
		sleep 0.1
	done
	return 1
}

# The names below DIR that are not folders, one a line; "" when none.
sw_entries() {
	(cd "$1" && find . ! -type d | sort)
}

# sw_swap KIND FILE OUTSIDE SAVE: FILE is moved to SAVE (out of the
# watch) and its name given to a symlink to OUTSIDE (KIND symlink) or to
# another regular file of the same size (KIND other).
sw_swap() {
	mv "$2" "$4"
	if [ "$1" = symlink ]; then
		ln -s "$3" "$2"
	else
		tr '[:lower:]' '[:upper:]' <"$4" >"$2.new"
		mv "$2.new" "$2"
	fi
}

# sw_input NAME POINT: run --input in/f.dat in the background, stopping
# at POINT; $pid.  --input, not --once: a run --once would go on to take
# the swapped-in file as a delivery of its own, which is right but not
# what these cases look at.
sw_input() {
	: >"$T/$1.log"
	CARB_TEST_STOP_AT=$2 "$CARB" -c "$T/$1/config.toml" run \
		--input "$T/$1/in/f.dat" >/dev/null 2>>"$T/$1.log" &
	pid=$!
}

# sw_first NAME COLUMNS: generation 1 of in/f.dat (the swapped-in thing
# may have become generation 2 while the run went on).
sw_first() {
	rows "$1" "$(csql in f.dat "$2")" | head -n 1
}

# sw_stop_case MODE VERIFY KIND POINT: one delivered file, run --input
# stopped at POINT, just before the rename or the link, the name swapped
# (KIND), then let go on.  A move finds out after its rename and puts what
# it took back: the file FAILS.  A hard link is made to the file checked,
# not to its name: that file is ARCHIVED, wherever its name went.
sw_stop_case() {
	name=sw-$1-$2-$3
	P=$T/$name
	a_project "$name" "mode = \"$1\"
verify = \"$2\""
	sw_what="$1, verify $2, a swap to $3 at $4"
	printf 'the delivered bytes, checked\n' >"$P/in/f.dat"
	printf 'secret outside both roots ...\n' >"$T/outside-$name"
	sw_input "$name" "$4"
	if sw_await_stop "$pid"; then
		t_pass "$DB_DIALECT: $sw_what: run --input stopped there"
	else
		i_fail "$DB_DIALECT: $sw_what: run --input stopped there (it did not)" "$name"
	fi
	sw_swap "$3" "$P/in/f.dat" "$T/outside-$name" "$T/orig-$name"
	swapped=$(stat -c '%F %i %s' "$P/in/f.dat")
	swapped_ino=$(stat -c %i "$P/in/f.dat")
	kill -CONT "$pid" 2>/dev/null
	rc=0
	wait "$pid" || rc=$?
	# run --input may also take the swapped-in file up, as the new
	# delivery it is (generation 2): then it is archived under its own
	# row, with its own bytes, and leaves the delivery folder (move).
	taken=$(rows "$name" "$(csql in f.dat 'generation, status')" | sed -n 's/^2|ARCHIVED$/yes/p')
	if [ "$1" = move ]; then
		if [ "$taken" = yes ]; then
			a_eq "$sw_what: run --input exits 1 (the checked file FAILED)" "$rc" 1
			a_eq "$sw_what: the archive holds only the swapped-in file, taken as generation 2" \
				"$(cd "$P/archive" && find . ! -type d -printf '%y %i\n')" "f $swapped_ino"
		else
			a_eq "$sw_what: run --input exits 1 (the file FAILED)" "$rc" 1
			a_eq "$sw_what: the archive holds nothing (no symlink, not the other bytes)" \
				"$(sw_entries "$P/archive")" ""
		fi
		a_eq "$sw_what: the component is FAILED, the reason says by what it was replaced" \
			"$(sw_first "$name" "status, $(rsn "was replaced by $(sw_kind "$3") before it was moved; left in the delivery folder")")" \
			"FAILED|reason ok"
	else
		a_eq "$sw_what: run --input exits 0 (the checked file is ARCHIVED)" "$rc" 0
		want="f $(stat -c %i "$T/orig-$name")"
		if [ "$taken" = yes ]; then
			want=$(printf '%s\nf %s' "$want" "$swapped_ino" | sort)
		fi
		a_eq "$sw_what: the archive holds the checked file itself (its inode), and nothing but a delivery of its own" \
			"$(cd "$P/archive" && find . ! -type d -printf '%y %i\n' | sort)" "$want"
		a_eq "$sw_what: ... and the catalog says so" "$(sw_first "$name" status)" ARCHIVED
	fi
	if [ "$taken" = yes ] && [ "$1" = move ]; then
		a_eq "$sw_what: the swapped-in file left the delivery folder as a delivery of its own" \
			"$(sw_entries "$P/in")" ""
	else
		a_eq "$sw_what: the swapped-in $3 is still at the delivered name, untouched" \
			"$(stat -c '%F %i %s' "$P/in/f.dat" 2>&1)" "$swapped"
		if [ "$3" = symlink ]; then
			a_eq "$sw_what: ... the symlink still points outside" \
				"$(readlink "$P/in/f.dat")" "$T/outside-$name"
		fi
		a_eq "$sw_what: nothing else is in the delivery folder" \
			"$(sw_entries "$P/in")" ./f.dat
	fi
}

sw_kind() {
	if [ "$1" = symlink ]; then
		echo "a symlink"
	else
		echo "another file"
	fi
}

# A move across filesystems copies, then removes its source: a name
# swapped before the removal keeps what was swapped in, and the archive
# keeps the copy of the file that was checked.
sw_xfs_case() {
	name=sw-xfs-$1
	P=$T/$name
	a_project "$name" 'mode = "move"'
	a_mount "$P/archive" 1m || return 0
	sw_what="move across filesystems, a swap to $1 before the source is removed"
	printf 'the delivered bytes, checked\n' >"$P/in/f.dat"
	cp "$P/in/f.dat" "$T/ref-$name"
	printf 'secret outside both roots ...\n' >"$T/outside-$name"
	sw_input "$name" batch-named
	if sw_await_stop "$pid"; then
		t_pass "$DB_DIALECT: $sw_what: run --input stopped at batch-named"
	else
		i_fail "$DB_DIALECT: $sw_what: run --input stopped at batch-named (it did not)" "$name"
	fi
	sw_swap "$1" "$P/in/f.dat" "$T/outside-$name" "$T/orig-$name"
	swapped=$(stat -c '%F %i %s' "$P/in/f.dat")
	kill -CONT "$pid" 2>/dev/null
	rc=0
	wait "$pid" || rc=$?
	a_eq "$sw_what: run --input exits 0 (the checked file is archived)" "$rc" 0
	expect_rows "$name" "$(csql in f.dat "status, $(rsn "was replaced by")")" \
		"ARCHIVED|reason ok" \
		"$DB_DIALECT: $sw_what: ARCHIVED, the reason says the name was replaced meanwhile"
	ap=$(find "$P/archive" -name f.dat)
	a_same "$sw_what: the archive holds the checked bytes" "$T/ref-$name" "$ap"
	a_eq "$sw_what: the swapped-in $1 is still at the delivered name, untouched" \
		"$(stat -c '%F %i %s' "$P/in/f.dat" 2>&1)" "$swapped"
	a_eq "$sw_what: nothing else is in the delivery folder" \
		"$(sw_entries "$P/in")" ./f.dat
}

swap_case_stop() {
	for mode in move hardlink; do
		point=batch-move
		if [ "$mode" = hardlink ]; then
			point=batch-link
		fi
		for verify in size sha256; do
			for kind in symlink other; do
				sw_stop_case "$mode" "$verify" "$kind" "$point"
			done
		done
	done
	if [ "$MOUNT_OK" -ne 1 ]; then
		echo "# skipped: a move across filesystems with a swap: $MOUNT_SKIP"
		return 0
	fi
	sw_xfs_case symlink
	sw_xfs_case other
}

# --- the race -------------------------------------------------------------

# sw_race_deliver ROUND: SWAP_RACE_FILES files r$ROUND-$k.dat, each with
# its symlink (.S) and same-size other file (.B) in $P/stage; their
# inodes in $T/race.inodes, their names (and only theirs) in
# $T/race.names for the writer.
sw_race_deliver() {
	k=1
	: >"$T/race.names.new"
	while [ "$k" -le "$SWAP_RACE_FILES" ]; do
		n=r$1-$k.dat
		yes "round $1 file $k: the delivered bytes" | head -c 1M >"$P/in/$n"
		tr '[:lower:]' '[:upper:]' <"$P/in/$n" >"$P/stage/$n.B"
		ln -s "$T/outside" "$P/stage/$n.S"
		stat -c '%i' "$P/in/$n" "$P/stage/$n.B" "$P/stage/$n.S" >>"$T/race.inodes"
		echo "$n" >>"$T/race.names.new"
		k=$((k + 1))
	done
	mv "$T/race.names.new" "$T/race.names"
}

# sw_race_check NAME: the invariant.  Every name in the archive is a regular
# file (never a symlink) that an ARCHIVED row recorded: its inode, and
# the SHA-256 of its bytes; and there are as many as ARCHIVED rows.
# Prints one line per violation; nothing when all hold.
sw_race_check() {
	(cd "$P/archive" && find . ! -type d) >"$T/race.entries"
	while IFS= read -r e; do
		f=$P/archive/$e
		if [ -L "$f" ] || [ ! -f "$f" ]; then
			echo "$e: not a regular file in the archive"
			continue
		fi
		n=$(rows "$1" "SELECT COUNT(*) FROM components WHERE status = 'ARCHIVED' AND inode = $(stat -c %i "$f") AND content_hash = '$(sha256of "$f")'")
		if [ "$n" != 1 ]; then
			echo "$e: inode $(stat -c %i "$f") with these bytes is not what an ARCHIVED row recorded"
		fi
	done <"$T/race.entries"
	n=$(rows "$1" "SELECT COUNT(*) FROM components WHERE status = 'ARCHIVED'")
	if [ "$n" != "$(wc -l <"$T/race.entries")" ]; then
		echo "$n rows ARCHIVED, $(wc -l <"$T/race.entries") names in the archive"
	fi
}

# Every file, symlink and other file the rounds made still exists.
sw_race_lost() {
	find "$P" -printf '%i\n' | sort -u >"$T/race.have"
	sort -u "$T/race.inodes" | comm -23 - "$T/race.have" | head -n 3
}

# sw_race MODE: one writer swapping names all along, and
# SWAP_RACE_ROUNDS rounds of SWAP_RACE_FILES new files, each archived by
# a run --once (verify "size" and "sha256" in turn).
sw_race() {
	P=$T/race-$1
	ARCH_SETTLE=10ms
	a_project "race-$1" "mode = \"$1\""
	a_config "$P/sha.toml" "mode = \"$1\"
verify = \"sha256\""
	# shellcheck disable=SC2034 # read by a_config (archive-cases.sh)
	ARCH_SETTLE=300ms
	mkdir -p "$P/stage"
	printf 'secret outside both roots\n' >"$T/outside"
	: >"$T/race.inodes"
	: >"$T/race.names"
	rm -f "$T/race.stop"
	python3 "$top_srcdir/tests/integration/swap-writer.py" "$P/in" \
		"$P/stage" "$T/race.stop" "$T/race.names" >"$T/race.swaps" &
	wpid=$!
	m=0
	while [ "$m" -lt 300 ] && ! grep -q started "$T/race.swaps"; do
		m=$((m + 1))
		sleep 0.1
	done
	r=1
	while [ "$r" -le "$SWAP_RACE_ROUNDS" ]; do
		sw_race_deliver "$r"
		sleep 0.01
		cfg=config.toml
		if [ $((r % 2)) -eq 0 ]; then
			cfg=sha.toml
		fi
		a_once "race-$1" "$cfg"
		r=$((r + 1))
	done
	: >"$T/race.stop"
	wait "$wpid" || :
	echo "# race, $1: $SWAP_RACE_ROUNDS rounds of $SWAP_RACE_FILES files, $(tail -n 1 "$T/race.swaps") swaps; by status: $(rows "race-$1" "SELECT status, COUNT(*) FROM components GROUP BY status ORDER BY status" | tr '\n' ' ')"
	a_eq "race, $1: every file in the archive is the file an ARCHIVED row recorded (regular, its inode, its SHA-256), nothing else got in" \
		"$(sw_race_check "race-$1" | head -n 5)" ""
	a_eq "race, $1: no delivered file, swapped-in symlink or other file was lost" \
		"$(sw_race_lost)" ""
}

swap_run_cases() {
	t_cleanup a_mount_cleanup
	LC_ALL=C
	export LC_ALL
	a_mount_probe
	swap_case_stop
	sw_race move
	sw_race hardlink
}
