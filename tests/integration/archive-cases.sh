# The archiving cases (`carbonation run`: selection, routing, the archive
# itself, retries, pauses, locks, dry runs) every backend must pass
# (sourced, POSIX sh, not a test by itself).  archive-sqlite.sh,
# archive-postgresql.sh and archive-mariadb.sh source tests/lib/common.sh,
# tests/lib/catalog.sh, intake-cases.sh (for its helpers: hexof, db_path,
# csql, fsql, rsn, wait_rows, expect_rows, rows, svc_start, svc_stop,
# svc_ready, intake_caps) and this file, call catalog_start for their
# backend, then archive_run_cases.
#
# Each case is something an operator relies on, and is checked on both
# sides: the catalog rows (read with the backend's own client) and the
# disk (cmp for content, stat for mode, mtime and inode).  Most cases use
# `run --once` (one walk, everything processed, exit): deterministic and
# quick.  A service runs where only a service can show the behaviour (a
# full destination that resumes, rules reloaded, locks).
#
#   a_project NAME [ARCHIVE] [WATCH] [RULES]   $T/NAME/{in,archive},
#                    config.toml: watch "in" (settle 300ms) with the lines
#                    WATCH as more of its keys, then [archive] base_path =
#                    "archive" followed by the lines ARCHIVE (keys, then
#                    [archive.destinations.X] tables); rules.toml = RULES;
#                    then db init.
#   a_config FILE ARCHIVE WATCH   another config file for the project just
#                    made (same catalog, same folders).
#   a_once NAME [CONFIG] [OPTION]  run --once (or OPTION), $T/out, $T/err
#                    and $t_status as t_run leaves them; stderr is kept in
#                    $T/NAME.log too.
#   a_ok WHAT CMD...     one case: CMD succeeds.
#   a_eq WHAT GOT WANT   one case: two strings are equal.
#   a_log NAME TEXT WHAT [SECONDS]   one case: the service log gains a line
#                    matching the extended regexp TEXT.
#
# Mounts (tmpfs, for another filesystem and for a full one) need root;
# when `mount -t tmpfs` fails those cases are skipped with a "# skipped:"
# line saying why.  Mounts are undone at exit.
# shellcheck shell=sh

ARCH_SETTLE=300ms
MOUNT_OK=0
MOUNT_SKIP=
a_mounts=

# --- helpers --------------------------------------------------------------

a_mount_cleanup() {
	for m in $a_mounts; do
		umount -l "$m" 2>/dev/null
	done
	a_mounts=
	return 0
}

# Can this process mount a tmpfs?  Sets MOUNT_OK, or MOUNT_SKIP to why not.
a_mount_probe() {
	mkdir -p "$T/mprobe"
	if [ "$(id -u)" -ne 0 ]; then
		MOUNT_SKIP="not running as root, so mount -t tmpfs is not allowed"
	elif ! mount -t tmpfs -o size=64k tmpfs "$T/mprobe" 2>"$T/mprobe.err"; then
		MOUNT_SKIP="mount -t tmpfs failed here: $(head -n 1 "$T/mprobe.err")"
	else
		umount "$T/mprobe"
		MOUNT_OK=1
	fi
	rmdir "$T/mprobe"
	rm -f "$T/mprobe.err"
}

# a_mount DIR SIZE: a tmpfs of SIZE on DIR, undone at exit.
a_mount() {
	mkdir -p "$1"
	if mount -t tmpfs -o "size=$2,mode=0755" tmpfs "$1"; then
		a_mounts="$1 $a_mounts"
		return 0
	fi
	i_fail "$DB_DIALECT: mount a tmpfs on $1 (the probe could)"
	return 1
}

a_config() {
	{
		printf '[database]\nurl = "%s"\n' "$DB_URL"
		if [ -n "$DB_PASSWORD" ]; then
			printf 'password_file = "db-password"\n'
		fi
		printf '\n[service]\nworkers = 2\n'
		printf '\n[[watch]]\nname = "in"\npath = "in"\nsettle = "%s"\n' "$ARCH_SETTLE"
		if [ -n "${3:-}" ]; then
			printf '%s\n' "$3"
		fi
		printf '\n[archive]\nbase_path = "archive"\n'
		if [ -n "${2:-}" ]; then
			printf '%s\n' "$2"
		fi
	} >"$1"
}

a_project() {
	P=$T/$1
	mkdir -p "$P/in" "$P/archive"
	db_create "$1"
	if [ -n "$DB_PASSWORD" ]; then
		printf '%s\n' "$DB_PASSWORD" >"$P/db-password"
	fi
	a_config "$P/config.toml" "${2:-}" "${3:-}"
	if [ -n "${4:-}" ]; then
		printf '%s\n' "$4" >"$P/rules.toml"
	else
		printf '[integrity]\nmin_size = 1\n' >"$P/rules.toml"
	fi
	t_run "$CARB" -c "$P/config.toml" db init
	t_expect_status 0 "$DB_DIALECT: $1: db init"
}

a_once() {
	echo "# run ${3:---once} (${2:-config.toml})" >>"$T/$1.log"
	t_run timeout 300 "$CARB" -c "$T/$1/${2:-config.toml}" run "${3:---once}"
	cat "$T/err" >>"$T/$1.log"
}

# The same, without the capabilities that let root write anywhere.
a_once_nocap() {
	echo "# run --once without CAP_DAC_OVERRIDE" >>"$T/$1.log"
	if [ "$SVC_NOCAP" -eq 1 ]; then
		t_run timeout 300 setpriv --bounding-set=-dac_override,-dac_read_search -- \
			"$CARB" -c "$T/$1/config.toml" run --once
	else
		t_run timeout 300 "$CARB" -c "$T/$1/config.toml" run --once
	fi
	cat "$T/err" >>"$T/$1.log"
}

a_ok() {
	what=$1
	shift
	if "$@" >/dev/null 2>&1; then
		t_pass "$DB_DIALECT: $what"
	else
		rm -f "$T/out" "$T/err"
		t_fail "$DB_DIALECT: $what (false: $*)"
	fi
}

a_eq() {
	if [ "$2" = "$3" ]; then
		t_pass "$DB_DIALECT: $1"
	else
		rm -f "$T/out" "$T/err"
		t_fail "$DB_DIALECT: $1 (got: $2; expected: $3)"
	fi
}

a_log() {
	limit=$((${4:-60} * 10))
	n=0
	while ! grep -qE -- "$2" "$T/$1.log"; do
		n=$((n + 1))
		if [ "$n" -ge "$limit" ]; then
			i_fail "$DB_DIALECT: $3 (the log of $1 has no line matching: $2)" "$1"
			return 1
		fi
		sleep 0.1
	done
	t_pass "$DB_DIALECT: $3"
}

# cmp of two files, as a case.
a_same() {
	a_ok "$1" cmp -s "$2" "$3"
}

# archive_path in capital hex, "" when NULL.
a_aphex() {
	db_hex "COALESCE(archive_path, $(db_blob ''))"
}

# One component's columns "status|archive_path in hex|archive_version".
a_placed() {
	rows "$1" "$(csql in "$2" "status, $(a_aphex), COALESCE(archive_version, 0)")"
}

# a_expect_placed NAME PATH ARCHIVE_PATH VERSION WHAT
a_expect_placed() {
	a_eq "$5" "$(a_placed "$1" "$2")" "ARCHIVED|$(hexof "$3")|$4"
}

# Names below DIR, one a line, sorted; "" when none.
a_list() {
	(cd "$1" && find . -mindepth 1 | sort)
}

# The temporary names of copies in flight, anywhere below DIR.
a_tmp_left() {
	find "$1" -name '.carb-tmp-*' | head -n 5
}

# yyyy/mm/dd (UTC) of a group's completion, as the default template has it.
a_day() {
	at=$(rows "$1" "$(fsql in "$2" 'COALESCE(completed_at, 0)')")
	date -u -d "@$((${at:-0} / 1000000))" +%Y/%m/%d
}

# --- 1: copy, move, hardlink, symlink -----------------------------------------

archive_case_modes() {
	a_project modes '
[archive.destinations.mv]
destination = "move/{yyyy}"
mode = "move"

[archive.destinations.hl]
destination = "link/{group}"
mode = "hardlink"

[archive.destinations.sym]
destination = "sym"
mode = "symlink"' '' '[integrity]
min_size = 1

[[routing.rule]]
name = "moved"
destination = "mv"
glob = ["m-*"]

[[routing.rule]]
destination = "hl"
glob = ["h-*"]

[[routing.rule]]
destination = "sym"
glob = ["s-*"]'
	P=$T/modes
	in=$P/in
	mkdir -p "$T/ref"
	printf 'copied, mode 640, an old mtime\n' >"$in/c-1.dat"
	chmod 640 "$in/c-1.dat"
	touch -d '2020-01-02 03:04:05' "$in/c-1.dat"
	printf 'copied with its xml, mode 600\n' >"$in/c-2.dat"
	chmod 600 "$in/c-2.dat"
	printf '<c-2/>\n' >"$in/c-2.xml"
	printf 'moved into the archive\n' >"$in/m-1.dat"
	touch -d '2021-05-06 07:08:09' "$in/m-1.dat"
	cp -p "$in/m-1.dat" "$T/ref/m-1.dat"
	printf 'hard-linked into the archive\n' >"$in/h-1.dat"
	printf 'symlinked from the archive\n' >"$in/s-1.dat"
	nl=$(printf 'c-new\nline.dat')
	bad=$(printf 'c-bad\377name.dat')
	printf 'a newline in the name\n' >"$in/$nl"
	printf 'invalid UTF-8 in the name\n' >"$in/$bad"
	printf "a quote in the name\\n" >"$in/c-quote'd.dat"

	a_once modes
	t_expect_status 0 "$DB_DIALECT: run --once exits 0 when every file is archived"

	day=$(a_day modes c-1)
	a_expect_placed modes c-1.dat "in/$day/c-1.dat" 1 \
		"copy: ARCHIVED at the default template {watch}/{yyyy}/{mm}/{dd} (UTC of completion), version 1"
	expect_rows modes "$(fsql in c-1 "status, COALESCE(destination, 'none')")" "ARCHIVED|default" \
		"$DB_DIALECT: ... its group is ARCHIVED, destination default"
	expect_rows modes "$(csql in c-1.dat "COALESCE(archive_destination, 'none'), CASE WHEN archived_at > 0 THEN 'at' ELSE 'no archived_at' END")" \
		"default|at" "$DB_DIALECT: ... archive_destination and archived_at are set"
	a_same "copy: the archived copy equals the delivered file" "$in/c-1.dat" "$P/archive/in/$day/c-1.dat"
	a_eq "copy: mode and mtime are kept (stat %a %Y)" \
		"$(stat -c '%a %Y' "$P/archive/in/$day/c-1.dat" 2>&1)" "$(stat -c '%a %Y' "$in/c-1.dat")"
	a_ok "copy: the delivered file stays" test -f "$in/c-1.dat"
	a_ok "copy: a copy is another file (another inode)" \
		test "$(stat -c %i "$in/c-1.dat")" != "$(stat -c %i "$P/archive/in/$day/c-1.dat" 2>&1)"
	day2=$(a_day modes c-2)
	a_expect_placed modes c-2.dat "in/$day2/c-2.dat" 1 "copy: both members of a group are archived (.dat)"
	a_expect_placed modes c-2.xml "in/$day2/c-2.xml" 1 "copy: ... (.xml), into the same folder"
	a_same "copy: ... content equal" "$in/c-2.xml" "$P/archive/in/$day2/c-2.xml"
	a_eq "copy: ... mode 600 kept" "$(stat -c %a "$P/archive/in/$day2/c-2.dat" 2>&1)" 600

	yyyy=$(a_day modes m-1 | cut -c1-4)
	a_expect_placed modes m-1.dat "move/$yyyy/m-1.dat" 1 "move: ARCHIVED at move/{yyyy}"
	expect_rows modes "$(fsql in m-1 "COALESCE(destination, 'none')")" mv \
		"$DB_DIALECT: ... files.destination names the routed destination"
	a_ok "move: the delivered file is gone" test ! -e "$in/m-1.dat"
	a_same "move: the archived file has the delivered content" "$T/ref/m-1.dat" "$P/archive/move/$yyyy/m-1.dat"
	a_eq "move: mtime kept" "$(stat -c %Y "$P/archive/move/$yyyy/m-1.dat" 2>&1)" "$(stat -c %Y "$T/ref/m-1.dat")"

	a_expect_placed modes h-1.dat link/h-1/h-1.dat 1 "hardlink: ARCHIVED at link/{group}"
	a_eq "hardlink: the archive entry is the same inode as the delivered file" \
		"$(stat -c '%d %i' "$P/archive/link/h-1/h-1.dat" 2>&1)" "$(stat -c '%d %i' "$in/h-1.dat")"
	a_eq "hardlink: ... with two links" "$(stat -c %h "$in/h-1.dat")" 2

	src=$(realpath "$in")/s-1.dat
	a_expect_placed modes s-1.dat sym/s-1.dat 1 "symlink: ARCHIVED at sym"
	a_eq "symlink: the archive entry is a symlink to the absolute source path" \
		"$(readlink "$P/archive/sym/s-1.dat")" "$src"
	expect_rows modes "$(csql in s-1.dat "$(db_hex "COALESCE(archive_target, $(db_blob 00))")")" "$(hexof "$src")" \
		"$DB_DIALECT: ... and archive_target holds that path"
	expect_rows modes "$(csql in c-1.dat "$(db_hex "COALESCE(archive_target, $(db_blob ''))")")" "" \
		"$DB_DIALECT: ... (a copy has no archive_target)"
	a_same "symlink: ... through which the content reads the same" "$P/archive/sym/s-1.dat" "$in/s-1.dat"

	for n in "$nl" "$bad" "c-quote'd.dat"; do
		d=$(a_day modes "${n%.dat}")
		a_expect_placed modes "$n" "in/$d/$n" 1 "a name with a newline, invalid UTF-8 or a quote is archived under the same bytes"
		a_same "... with its content" "$in/$n" "$P/archive/in/$d/$n"
	done

	a_eq "no temporary copy (.carb-tmp-*) is left in the archive" "$(a_tmp_left "$P/archive")" ""

	# Running again changes nothing.
	before=$(a_list "$P/archive")
	nrows=$(rows modes "SELECT COUNT(*) FROM components")
	a_once modes
	t_expect_status 0 "$DB_DIALECT: run --once again exits 0"
	a_eq "... and the archive is as it was" "$(a_list "$P/archive")" "$before"
	expect_rows modes "SELECT COUNT(*), SUM(CASE WHEN status = 'ARCHIVED' THEN 1 ELSE 0 END) FROM components" \
		"$nrows|$nrows" "$DB_DIALECT: ... and the catalog has the same rows, all ARCHIVED"

	# A member after its group was archived goes where the group went.
	printf '<late member of c-1/>\n' >"$in/c-1.xml"
	a_once modes
	t_expect_status 0 "$DB_DIALECT: a late member: run --once exits 0"
	expect_rows modes "$(csql in c-1.xml "status, late")" "ARCHIVED|1" \
		"$DB_DIALECT: ... it is ARCHIVED, marked late"
	a_expect_placed modes c-1.xml "in/$day/c-1.xml" 1 "... beside the rest of its group"
	a_same "... with its content" "$in/c-1.xml" "$P/archive/in/$day/c-1.xml"
	expect_rows modes "$(fsql in c-1 "status, generation")" "ARCHIVED|1" \
		"$DB_DIALECT: ... and its group stays one ARCHIVED row"
}

# --- 2: another filesystem ------------------------------------------------------

archive_case_xfs() {
	if [ "$MOUNT_OK" -ne 1 ]; then
		echo "# skipped: cross-filesystem cases (move, hardlink refusal, hardlink_fallback): $MOUNT_SKIP"
		return 0
	fi
	# The watch is a tmpfs, the archive on the disk of the tests.
	mkdir -p "$T/xfs/in"
	a_mount "$T/xfs/in" 4m || return 0
	a_project xfs 'destination = "{watch}"
mode = "move"'
	P=$T/xfs
	a_config "$P/hl.toml" 'destination = "hl"
mode = "hardlink"'
	a_config "$P/hlf.toml" 'destination = "hlf"
mode = "hardlink"
hardlink_fallback = true'
	mkdir -p "$T/ref"
	printf 'moved across filesystems\n' >"$P/in/x1.dat"
	chmod 640 "$P/in/x1.dat"
	touch -d '2020-01-02 03:04:05' "$P/in/x1.dat"
	cp -p "$P/in/x1.dat" "$T/ref/x1.dat"
	a_once xfs
	t_expect_status 0 "$DB_DIALECT: move from a watch on another filesystem: run --once exits 0"
	a_expect_placed xfs x1.dat in/x1.dat 1 "move across filesystems: ARCHIVED"
	a_ok "... the delivered file is gone" test ! -e "$P/in/x1.dat"
	a_same "... the archived file has its content" "$T/ref/x1.dat" "$P/archive/in/x1.dat"
	a_eq "... its mode and mtime" "$(stat -c '%a %Y' "$P/archive/in/x1.dat" 2>&1)" "$(stat -c '%a %Y' "$T/ref/x1.dat")"
	a_eq "... no temporary copy left" "$(a_tmp_left "$P/archive")" ""

	t_run "$CARB" -c "$P/hl.toml" check config
	t_expect_status 2 "$DB_DIALECT: check config refuses mode hardlink with the watch on another filesystem (exit 2)"
	t_expect_err "hardlink_fallback" "$DB_DIALECT: ... naming hardlink_fallback"
	t_expect_err "hl.toml:" "$DB_DIALECT: ... and the file"
	a_once xfs hl.toml
	t_expect_status 2 "$DB_DIALECT: run --once refuses that configuration too (exit 2)"

	printf 'linked, or copied when it cannot be\n' >"$P/in/x2.dat"
	t_run "$CARB" -c "$P/hlf.toml" check config
	t_expect_status 0 "$DB_DIALECT: with hardlink_fallback = true check config accepts it"
	a_once xfs hlf.toml
	t_expect_status 0 "$DB_DIALECT: ... and run --once exits 0"
	a_expect_placed xfs x2.dat hlf/x2.dat 1 "hardlink_fallback: ARCHIVED"
	a_same "... as a copy with the same content" "$P/in/x2.dat" "$P/archive/hlf/x2.dat"
	a_ok "... on the archive's filesystem (another device than the delivered file)" \
		test "$(stat -c %d "$P/in/x2.dat")" != "$(stat -c %d "$P/archive/hlf/x2.dat" 2>&1)"

	# The watch and base_path share a filesystem, but the destination's
	# folder is another one: only the link itself can tell.
	mkdir -p "$T/xdst/archive/other"
	a_mount "$T/xdst/archive/other" 1m || return 0
	a_project xdst '[archive.destinations.other]
destination = "other"
mode = "hardlink"' '' '[integrity]
min_size = 1

[routing]
default = "other"'
	printf 'cannot be linked into another filesystem\n' >"$T/xdst/in/y1.dat"
	a_once xdst
	t_expect_status 1 "$DB_DIALECT: hardlink into a destination folder on another filesystem: run --once exits 1"
	expect_rows xdst "$(csql in y1.dat "status, $(rsn hardlink_fallback)")" "FAILED|reason ok" \
		"$DB_DIALECT: ... the file is FAILED with a reason naming hardlink_fallback"
	a_eq "... nothing is written there" "$(a_list "$T/xdst/archive/other")" ""
}

# Without procfs at /proc/self/fd (a chroot or a container that lacks
# it), a nameless copy could not be linked on every kernel: copies then
# take a CARB_TMP_PREFIX name and are renamed into place, as on a
# filesystem without O_TMPFILE (NFS).  The service runs in a mount
# namespace where its /proc/PID/fd is an empty tmpfs (the rest of /proc
# stays: the sanitizers read their options there).
archive_case_no_proc() {
	if [ "$MOUNT_OK" -ne 1 ] || ! command -v unshare >/dev/null 2>&1; then
		echo "# skipped: copies without /proc: ${MOUNT_SKIP:-unshare is not installed}"
		return 0
	fi
	a_project noproc 'destination = "np"'
	P=$T/noproc
	printf 'copied without /proc\n' >"$P/in/n1.dat"
	printf 'and a second one\n' >"$P/in/n2.dat"
	mkdir -p "$P/archive/np"
	printf 'a different n2 already in the archive\n' >"$P/archive/np/n2.dat"
	echo "# run --once without /proc/self/fd" >>"$T/noproc.log"
	# shellcheck disable=SC2016 # $$ and $@ are the inner shell's
	t_run timeout 300 unshare --mount --propagation private sh -c \
		'mount -t tmpfs -o size=64k,mode=0 none "/proc/$$/fd" && exec "$@"' \
		sh "$CARB" -c "$P/config.toml" run --once
	cat "$T/err" >>"$T/noproc.log"
	t_expect_status 0 "$DB_DIALECT: copies without /proc/self/fd: run --once exits 0"
	a_expect_placed noproc n1.dat np/n1.dat 1 "copy without /proc/self/fd (a temporary name, renamed): ARCHIVED"
	a_same "... with its content" "$P/in/n1.dat" "$P/archive/np/n1.dat"
	a_expect_placed noproc n2.dat np/n2.v2.dat 2 "... one whose name is taken: STEM.v2.EXT, as on_conflict = \"version\" says"
	a_same "... with its content" "$P/in/n2.dat" "$P/archive/np/n2.v2.dat"
	a_eq "... no temporary copy left" "$(a_tmp_left "$P/archive")" ""
}

# Copies of 1 MiB and more: the block-aligned part written with O_DIRECT,
# the tail buffered.  Content, mode and mtime as for any copy, files
# with and without a tail, one verified by SHA-256 (read back from the
# disk); and, where this filesystem takes direct writes and fincore(1)
# is there, the archived copy left out of the page cache, which is what
# operators get from it (a large delivery does not evict what the rest of
# the machine has cached).
archive_case_large() {
	a_project large 'destination = "big"

[archive.destinations.sum]
destination = "sum"
verify = "sha256"' '' '[integrity]
min_size = 1

[[routing.rule]]
destination = "sum"
glob = ["v-*"]'
	P=$T/large
	head -c $((3 * 1048576 + 1234)) /dev/urandom >"$P/in/l-tail.dat"
	chmod 640 "$P/in/l-tail.dat"
	touch -d '2020-01-02 03:04:05' "$P/in/l-tail.dat"
	head -c $((2 * 1048576)) /dev/urandom >"$P/in/l-even.dat"
	head -c $((5 * 1048576 + 1)) /dev/urandom >"$P/in/v-1.dat"
	a_once large
	t_expect_status 0 "$DB_DIALECT: large copies: run --once exits 0"
	# Before anything here reads the copies into the cache.
	cache_tail=$(a_cached "$P/archive/big/l-tail.dat")
	cache_even=$(a_cached "$P/archive/big/l-even.dat")
	a_expect_placed large l-tail.dat big/l-tail.dat 1 "a 3 MiB copy with a 1234-byte tail: ARCHIVED"
	a_same "... with its content" "$P/in/l-tail.dat" "$P/archive/big/l-tail.dat"
	a_eq "... its mode and mtime" "$(stat -c '%a %Y' "$P/archive/big/l-tail.dat" 2>&1)" \
		"$(stat -c '%a %Y' "$P/in/l-tail.dat")"
	a_expect_placed large l-even.dat big/l-even.dat 1 "a copy of exactly 2 MiB: ARCHIVED"
	a_same "... with its content" "$P/in/l-even.dat" "$P/archive/big/l-even.dat"
	a_expect_placed large v-1.dat sum/v-1.dat 1 "a 5 MiB copy verified by SHA-256: ARCHIVED"
	a_same "... with its content" "$P/in/v-1.dat" "$P/archive/sum/v-1.dat"
	a_eq "... no temporary copy left" "$(a_tmp_left "$P/archive")" ""

	if [ "$cache_tail" = none ]; then
		echo "# skipped: large copies around the page cache: fincore is not installed, or $P/archive takes no direct writes"
		return 0
	fi
	# At most the tail's page; a buffered copy leaves all 3 MiB cached.
	a_ok "... the 3 MiB copy was not in the page cache ($cache_tail bytes were)" \
		test "$cache_tail" -le 4096
	a_ok "... nor the 2 MiB one ($cache_even bytes)" test "$cache_even" -eq 0
}

# a_cached FILE: the bytes of FILE in the page cache; "none" where
# fincore(1) is missing or FILE's folder takes no direct writes (then
# copies are buffered).
a_cached() {
	if ! command -v fincore >/dev/null 2>&1 ||
		! dd if=/dev/zero of="${1%/*}/.direct-probe" bs=4096 count=1 \
			oflag=direct 2>/dev/null; then
		rm -f "${1%/*}/.direct-probe"
		echo none
		return 0
	fi
	rm -f "${1%/*}/.direct-probe"
	fincore --bytes --noheadings --output RES "$1" 2>/dev/null | tr -d " " ||
		echo none
}

# Large copies where the filesystem shares blocks (XFS with reflink, a
# loop-mounted image): cloned, the copy's extents shared with the
# delivered file, no new blocks.  The copy's size ends off a block
# boundary, which a clone allows only at the source's end.
archive_case_reflink() {
	if [ "$MOUNT_OK" -ne 1 ] || ! command -v mkfs.xfs >/dev/null 2>&1 ||
		! command -v filefrag >/dev/null 2>&1; then
		echo "# skipped: reflinked copies: ${MOUNT_SKIP:-mkfs.xfs or filefrag is not installed}"
		return 0
	fi
	mkdir -p "$T/reflink"
	truncate -s 320m "$T/reflink.img"
	if ! mkfs.xfs -q -m reflink=1 "$T/reflink.img" 2>"$T/mkfs.err" ||
		! mount -o loop "$T/reflink.img" "$T/reflink" 2>>"$T/mkfs.err"; then
		echo "# skipped: reflinked copies: $(head -n 1 "$T/mkfs.err")"
		return 0
	fi
	a_mounts="$T/reflink $a_mounts"
	a_project reflink 'destination = "r"'
	P=$T/reflink
	head -c $((2 * 1048576 + 5)) /dev/urandom >"$P/in/r1.dat"
	a_once reflink
	t_expect_status 0 "$DB_DIALECT: large copies on XFS with reflink: run --once exits 0"
	a_expect_placed reflink r1.dat r/r1.dat 1 "a 2 MiB copy on XFS: ARCHIVED"
	a_same "... with its content" "$P/in/r1.dat" "$P/archive/r/r1.dat"
	filefrag -v "$P/archive/r/r1.dat" >"$T/filefrag.out" 2>&1
	# Every extent, not only the last block (which copy_file_range, too,
	# clones on XFS).
	# shellcheck disable=SC2016 # $0 is awk's
	a_ok "... all its blocks shared with the delivered file (a reflink)" \
		awk '/^ *[0-9]+:/ { n++; if ($0 !~ /shared/) bad++ }
		     END { exit !(n > 0 && bad == 0) }' "$T/filefrag.out"
}

# Nameless copies linked through /proc/self/fd: what a kernel before 6.10
# makes a service without CAP_DAC_READ_SEARCH do (Debian 12 under its own
# user), since it refuses linkat(AT_EMPTY_PATH) with ENOENT.  The test
# machines allow it, so tests/old-kernel-linkat refuses it the same way
# (a seccomp filter).  A copy whose link failed has no other way to its
# name, so an ARCHIVED row with the content at its name is the route
# working; a taken name must still come out as .v2.
archive_case_old_kernel_link() {
	helper=$top_builddir/tests/old-kernel-linkat
	a_project oldlink 'destination = "ol"'
	P=$T/oldlink
	printf 'linked through /proc\n' >"$P/in/k1.dat"
	printf 'and its neighbour\n' >"$P/in/k2.dat"
	mkdir -p "$P/archive/ol"
	printf 'a different k2 already in the archive\n' >"$P/archive/ol/k2.dat"
	echo "# run --once, linkat(AT_EMPTY_PATH) refused" >>"$T/oldlink.log"
	t_run timeout 300 "$helper" "$CARB" -c "$P/config.toml" run --once
	cat "$T/err" >>"$T/oldlink.log"
	if [ "$t_status" -eq 77 ] && grep -q '^old-kernel-linkat:' "$T/err"; then
		echo "# skipped: copies linked through /proc: $(cat "$T/err")"
		return 0
	fi
	t_expect_status 0 "$DB_DIALECT: linkat(AT_EMPTY_PATH) refused, as before Linux 6.10: run --once exits 0"
	a_expect_placed oldlink k1.dat ol/k1.dat 1 "a nameless copy linked through /proc/self/fd: ARCHIVED"
	a_same "... with its content" "$P/in/k1.dat" "$P/archive/ol/k1.dat"
	a_expect_placed oldlink k2.dat ol/k2.v2.dat 2 "... one whose name is taken: STEM.v2.EXT, as on_conflict = \"version\" says"
	a_same "... with its content" "$P/in/k2.dat" "$P/archive/ol/k2.v2.dat"
	a_eq "... the file that held the name untouched" "$(cat "$P/archive/ol/k2.dat")" \
		"a different k2 already in the archive"
	a_eq "... no temporary copy left" "$(a_tmp_left "$P/archive")" ""
}

# --- 3: conflicts -------------------------------------------------------------

archive_case_conflicts() {
	a_project conf 'destination = "ver"
verify = "sha256"

[archive.destinations.fail]
destination = "fail"
on_conflict = "fail"

[archive.destinations.over]
destination = "over"
on_conflict = "overwrite"

[archive.destinations.hl]
destination = "hl"
mode = "hardlink"

[archive.destinations.sym]
destination = "sym"
mode = "symlink"' '' '[integrity]
min_size = 1

[[routing.rule]]
destination = "fail"
glob = ["f-*"]

[[routing.rule]]
destination = "hl"
glob = ["h-*"]

[[routing.rule]]
destination = "sym"
glob = ["s-*"]

[[routing.rule]]
destination = "over"
glob = ["o-*"]'
	P=$T/conf
	a=$P/archive
	r=$T/ref/conf
	mkdir -p "$a/ver" "$a/fail" "$a/over" "$a/hl" "$a/sym" "$r"
	for n in ver/v.dat ver/w.dat ver/w.v2.dat ver/noext fail/f-a.dat over/o-a.dat \
		hl/h-a.dat sym/s-a.dat; do
		printf 'already in the archive: %s\n' "$n" >"$a/$n"
	done
	printf 'delivered v\n' >"$P/in/v.dat"
	printf 'delivered w\n' >"$P/in/w.dat"
	printf 'delivered noext\n' >"$P/in/noext"
	printf 'delivered f-a\n' >"$P/in/f-a.dat"
	printf 'delivered o-a\n' >"$P/in/o-a.dat"
	printf 'delivered h-a\n' >"$P/in/h-a.dat"
	printf 'delivered s-a\n' >"$P/in/s-a.dat"
	printf 'the same on both sides\n' >"$P/in/same.dat"
	cp "$P/in/same.dat" "$a/ver/same.dat"
	touch -d '2019-09-09 09:09:09' "$a/ver/same.dat"
	cp -pR "$a/." "$r/"

	a_once conf
	t_expect_status 1 "$DB_DIALECT: run --once exits 1 when a file failed (on_conflict = \"fail\")"
	t_expect_err "1 file failed" "$DB_DIALECT: ... saying how many failed"

	a_expect_placed conf v.dat ver/v.v2.dat 2 "on_conflict = \"version\": a different file at the name: kept as STEM.v2.EXT, archive_version 2"
	a_same "... with its content" "$P/in/v.dat" "$a/ver/v.v2.dat"
	a_same "... and the file that was there is untouched" "$r/ver/v.dat" "$a/ver/v.dat"
	a_expect_placed conf w.dat ver/w.v3.dat 3 "on_conflict = \"version\": v2 taken too: STEM.v3.EXT, archive_version 3"
	a_same "... the v2 that was there is untouched" "$r/ver/w.v2.dat" "$a/ver/w.v2.dat"
	a_expect_placed conf noext ver/noext.v2 2 "on_conflict = \"version\": a name without extension becomes NAME.v2"

	a_expect_placed conf same.dat ver/same.dat 1 "the same content already at the name: ARCHIVED there, version 1"
	a_eq "... nothing is duplicated (one same* name in the folder)" "$(cd "$a/ver" && ls same*)" same.dat
	a_eq "... and the file there is left as it was (mtime)" \
		"$(stat -c %Y "$a/ver/same.dat")" "$(stat -c %Y "$r/ver/same.dat")"

	expect_rows conf "$(csql in f-a.dat "status, $(rsn 'holds a different file')")" "FAILED|reason ok" \
		"$DB_DIALECT: on_conflict = \"fail\": FAILED, reason: the name holds a different file"
	expect_rows conf "$(fsql in f-a "status, $(rsn FAILED)")" "FAILED|reason ok" \
		"$DB_DIALECT: ... its group is FAILED with a reason"
	a_same "... the file there is untouched" "$r/fail/f-a.dat" "$a/fail/f-a.dat"
	a_eq "... and nothing else is written beside it" "$(a_list "$a/fail")" "./f-a.dat"

	a_expect_placed conf o-a.dat over/o-a.dat 1 "on_conflict = \"overwrite\": ARCHIVED at the name"
	a_same "... which now holds the delivered content" "$P/in/o-a.dat" "$a/over/o-a.dat"
	a_eq "... with no second name" "$(a_list "$a/over")" "./o-a.dat"

	a_expect_placed conf h-a.dat hl/h-a.v2.dat 2 "hardlink, a different file at the name: linked as STEM.v2.EXT"
	a_eq "... the same inode as the delivered file" \
		"$(stat -c '%d %i' "$a/hl/h-a.v2.dat" 2>&1)" "$(stat -c '%d %i' "$P/in/h-a.dat")"
	a_same "... and the file that was there is untouched" "$r/hl/h-a.dat" "$a/hl/h-a.dat"
	a_expect_placed conf s-a.dat sym/s-a.v2.dat 2 "symlink, a different file at the name: linked as STEM.v2.EXT"
	a_eq "... pointing at the delivered file" "$(readlink "$a/sym/s-a.v2.dat")" "$(realpath "$P/in")/s-a.dat"
	a_same "... and the file that was there is untouched" "$r/sym/s-a.dat" "$a/sym/s-a.dat"
	a_eq "no temporary copy left" "$(a_tmp_left "$a")" ""
}

# --- 4: duplicates ----------------------------------------------------------

archive_case_duplicates() {
	a_project dup 'destination = "{watch}"'
	P=$T/dup
	printf 'alpha content\n' >"$T/ref/dup-1"
	printf 'other content\n' >"$T/ref/dup-2"
	cp "$T/ref/dup-1" "$P/in/a.dat"
	a_once dup
	t_expect_status 0 "$DB_DIALECT: duplicates: the first delivery is archived (exit 0)"
	a_expect_placed dup a.dat in/a.dat 1 "duplicates: the first delivery is ARCHIVED"
	first=$(rows dup "$(csql in a.dat id)")

	# Delivered again under the same name with the same content.
	rm "$P/in/a.dat"
	cp "$T/ref/dup-1" "$P/in/a.dat"
	touch -d '2022-02-02 02:02:02' "$P/in/a.dat"
	a_once dup
	t_expect_status 0 "$DB_DIALECT: ... a second delivery, same content: run --once exits 0"
	t_expect_err "group a: same content as component $first, already archived" \
		"$DB_DIALECT: ... the log says it is a duplicate"
	expect_rows dup "$(csql in a.dat "generation, status, $(a_aphex)")" \
		"1|ARCHIVED|$(hexof in/a.dat)
2|DUPLICATE|$(hexof in/a.dat)" \
		"$DB_DIALECT: ... is a new generation, DUPLICATE, with the archive_path of the first"
	expect_rows dup "SELECT $(rsn "same content as component $first") FROM components WHERE watch = 'in' AND rel_path = $(db_path a.dat) AND generation = 2" \
		"reason ok" "$DB_DIALECT: ... its reason names the component archived first"
	expect_rows dup "$(fsql in a "generation, status")" "1|ARCHIVED
2|DUPLICATE" "$DB_DIALECT: ... its group is DUPLICATE"
	a_eq "... nothing new in the archive" "$(a_list "$P/archive/in")" "./a.dat"

	rm "$P/in/a.dat"
	cp "$T/ref/dup-2" "$P/in/a.dat"
	a_once dup
	t_expect_status 0 "$DB_DIALECT: ... a third delivery, other content: run --once exits 0"
	expect_rows dup "$(csql in a.dat "generation, status, $(a_aphex), COALESCE(archive_version, 0)")" \
		"1|ARCHIVED|$(hexof in/a.dat)|1
2|DUPLICATE|$(hexof in/a.dat)|0
3|ARCHIVED|$(hexof in/a.v2.dat)|2" \
		"$DB_DIALECT: ... is ARCHIVED as a.v2.dat, archive_version 2"
	a_same "... with its content" "$T/ref/dup-2" "$P/archive/in/a.v2.dat"
	a_same "... and the first archived copy is untouched" "$T/ref/dup-1" "$P/archive/in/a.dat"

	# The first content once more: a duplicate of the first generation.
	rm "$P/in/a.dat"
	cp "$T/ref/dup-1" "$P/in/a.dat"
	touch -d '2023-03-03 03:03:03' "$P/in/a.dat"
	a_once dup
	expect_rows dup "$(csql in a.dat "generation, status, $(a_aphex)")" \
		"1|ARCHIVED|$(hexof in/a.dat)
2|DUPLICATE|$(hexof in/a.dat)
3|ARCHIVED|$(hexof in/a.v2.dat)
4|DUPLICATE|$(hexof in/a.dat)" \
		"$DB_DIALECT: ... the first content once more is a DUPLICATE of a.dat, not a.v2.dat"
	a_eq "... and the archive holds two files" "$(a_list "$P/archive/in")" "./a.dat
./a.v2.dat"
}

# --- 5: templates that try to leave base_path --------------------------------

archive_case_escape() {
	a_project esc 'destination = "{watch}/{dir}/{group}"

[archive.destinations.evil]
destination = "evil/{group}"

[archive.destinations.deep]
destination = "ok/sub/x"' 'exclude = []
recursive = true' '[integrity]
min_size = 1

[[routing.rule]]
destination = "evil"
glob = ["e-*"]

[[routing.rule]]
destination = "deep"
glob = ["d-*"]'
	P=$T/esc
	mkdir -p "$P/in/sub" "$T/outside" "$P/archive/ok"
	# Symlinks planted in the archive, leading out of it.
	ln -s ../../outside "$P/archive/evil"
	ln -s "$T/outside" "$P/archive/ok/sub"
	printf 'into a symlink in the archive\n' >"$P/in/e-1.dat"
	printf 'through a symlink deeper in the archive\n' >"$P/in/d-1.dat"
	printf 'a plain name\n' >"$P/in/n.dat"
	printf 'in a subfolder\n' >"$P/in/sub/s.dat"
	printf 'group "."\n' >"$P/in/..dat"
	printf 'group ".."\n' >"$P/in/...dat"
	printf 'group ".." too\n' >"$P/in/..."
	printf 'group ".." below sub\n' >"$P/in/sub/...dat"
	# The temporary names of copies are never taken, even with exclude = [].
	printf 'looks like a copy in flight\n' >"$P/in/.carb-tmp-7-1234-0"
	printf 'a hidden name, taken with exclude = []\n' >"$P/in/.hidden.dat"
	snap() {
		(cd "$T" && find . -path "./esc/esc.db*" -prune -o -path "./esc-*" -prune -o \
			-path ./esc/watch-in.lock -prune -o -path ./esc.log -prune -o \
			-path ./out -prune -o -path ./err -prune -o -path ./query.tsv -prune -o -print | sort)
	}
	snap >"$T/esc-before"
	a_once esc
	t_expect_status 1 "$DB_DIALECT: templates: run --once exits 1 when a rendered path is refused"
	snap >"$T/esc-after"
	a_expect_placed esc n.dat in/n/n.dat 1 "{dir} of a file at the top of the watch is empty: in/n/n.dat"
	a_expect_placed esc sub/s.dat in/sub/s/s.dat 1 "{dir} of a file below sub: in/sub/s/s.dat"
	a_expect_placed esc .hidden.dat in/.hidden/.hidden.dat 1 "with exclude = [] a hidden name is archived"
	expect_rows esc "SELECT COUNT(*) FROM components WHERE rel_path = $(db_path .carb-tmp-7-1234-0)" 0 \
		"$DB_DIALECT: ... but a name starting with .carb-tmp- is never taken"
	for n in ..dat ...dat ... sub/...dat; do
		expect_rows esc "$(csql in "$n" "status, $(rsn 'would leave its place under archive.base_path'), $(a_aphex)")" \
			"FAILED|reason ok|" \
			"$DB_DIALECT: a name whose {group} is \".\" or \"..\" ($n) is FAILED with a reason, never planned"
	done
	expect_rows esc "SELECT $(db_hex group_key), status FROM files WHERE watch = 'in' ORDER BY 1" \
		"$(hexof .)|FAILED
$(hexof ..)|FAILED
$(hexof .hidden)|ARCHIVED
$(hexof d-1)|ARCHIVING
$(hexof e-1)|ARCHIVING
$(hexof n)|ARCHIVED
$(hexof sub/..)|FAILED
$(hexof sub/s)|ARCHIVED" \
		"$DB_DIALECT: ... and their groups are FAILED (d-1, e-1: see below)"
	a_eq "nothing is written anywhere in the test tree but the two archived files" \
		"$(comm -13 "$T/esc-before" "$T/esc-after" | tr '\n' ' ')" \
		"./esc/archive/in ./esc/archive/in/.hidden ./esc/archive/in/.hidden/.hidden.dat ./esc/archive/in/n ./esc/archive/in/n/n.dat ./esc/archive/in/sub ./esc/archive/in/sub/s ./esc/archive/in/sub/s/s.dat "
	a_eq "... and nothing is removed" "$(comm -23 "$T/esc-before" "$T/esc-after")" ""
	for n in e-1.dat d-1.dat; do
		expect_rows esc "$(csql in "$n" "status, $(rsn 'leads outside archive.base_path')")" "RETRY_PENDING|reason ok" \
			"$DB_DIALECT: a symlink in the archive leading out of it is not followed ($n): not archived, the reason says why"
	done
	a_eq "... and nothing is written where it leads" "$(a_list "$T/outside")" ""

	# Refused when the config is loaded.
	a_config "$P/up.toml" 'destination = "{watch}/../x"'
	t_run "$CARB" -c "$P/up.toml" check config
	t_expect_status 2 "$DB_DIALECT: destination \"{watch}/../x\" is refused by check config (exit 2)"
	t_expect_err 'up.toml:' "$DB_DIALECT: ... naming the file"
	t_expect_err '".."' "$DB_DIALECT: ... and the \"..\""
	a_once esc up.toml
	t_expect_status 2 "$DB_DIALECT: ... and by run --once (exit 2)"
	a_config "$P/abs.toml" '[archive.destinations.abs]
destination = "/tmp/{watch}"'
	t_run "$CARB" -c "$P/abs.toml" check config
	t_expect_status 2 "$DB_DIALECT: an absolute destination template is refused (exit 2)"
	a_config "$P/dot.toml" 'destination = "{watch}/./x"'
	t_run "$CARB" -c "$P/dot.toml" check config
	t_expect_status 2 "$DB_DIALECT: destination \"{watch}/./x\" is refused by check config like at run time (exit 2)"
}

# --- 6: a destination that cannot be written ----------------------------------

archive_case_readonly() {
	if [ -n "$PERM_SKIP" ]; then
		echo "# skipped: read-only destination: $PERM_SKIP"
		return 0
	fi
	a_project ro 'destination = "locked"
max_retries = 1
retry_delay = "1s"
retry_max_delay = "1s"'
	P=$T/ro
	mkdir -p "$P/archive/locked"
	chmod 555 "$P/archive/locked"
	printf 'cannot be written yet\n' >"$P/in/r1.dat"
	a_once_nocap ro
	t_expect_status 1 "$DB_DIALECT: read-only destination: run --once exits 1 (a file failed this run)"
	expect_rows ro "$(csql in r1.dat "status, attempts, CASE WHEN next_retry_at > 0 THEN 'due later' ELSE 'no next_retry_at' END, $(rsn 'ermission denied')")" \
		"RETRY_PENDING|1|due later|reason ok" \
		"$DB_DIALECT: ... the file is RETRY_PENDING, attempts 1, next_retry_at set, reason permission denied"
	expect_rows ro "$(fsql in r1 status)" ARCHIVING "$DB_DIALECT: ... its group stays ARCHIVING"
	a_eq "... nothing in the folder" "$(a_list "$P/archive/locked")" ""

	# Once the retry is due, the second attempt is the last (max_retries 1).
	a_wait_due ro r1.dat
	a_once_nocap ro
	t_expect_status 1 "$DB_DIALECT: ... the due retry fails again: run --once exits 1"
	expect_rows ro "$(csql in r1.dat "status, attempts, $(rsn 'ermission denied')")" "FAILED|2|reason ok" \
		"$DB_DIALECT: ... after max_retries the file is FAILED, attempts 2"
	expect_rows ro "$(fsql in r1 "status, $(rsn FAILED)")" "FAILED|reason ok" \
		"$DB_DIALECT: ... and its group FAILED"

	# A retry that finds the folder writable again.
	printf 'written on its retry\n' >"$P/in/r2.dat"
	a_once_nocap ro
	expect_rows ro "$(csql in r2.dat "status, attempts")" "RETRY_PENDING|1" \
		"$DB_DIALECT: a second file is RETRY_PENDING"
	chmod 755 "$P/archive/locked"
	a_wait_due ro r2.dat
	a_once_nocap ro
	t_expect_status 0 "$DB_DIALECT: ... the folder writable again, the due retry: run --once exits 0"
	a_expect_placed ro r2.dat locked/r2.dat 1 "... and the file is ARCHIVED"
	a_same "... with its content" "$P/in/r2.dat" "$P/archive/locked/r2.dat"
	expect_rows ro "$(csql in r1.dat status)" FAILED "$DB_DIALECT: ... a FAILED file is not retried by itself"

	if ! "$CARB" retry --help >/dev/null 2>&1; then
		echo "# skipped: carbonation retry of a FAILED file: the command is not in this tree"
		return 0
	fi
	t_run "$CARB" -c "$P/config.toml" retry
	t_expect_status 0 "$DB_DIALECT: carbonation retry exits 0"
	a_once_nocap ro
	t_expect_status 0 "$DB_DIALECT: ... then run --once exits 0"
	a_expect_placed ro r1.dat locked/r1.dat 1 "... and the FAILED file is ARCHIVED"
}

# The waits between attempts: retry_delay, doubled each time, capped by
# retry_max_delay, plus up to a tenth.  Read from the catalog
# (next_retry_at - updated_at of one write), so no clock of the tests is
# measured; 0.5 s is left for the moment between the two values.
archive_case_backoff() {
	if [ -n "$PERM_SKIP" ]; then
		echo "# skipped: retry backoff: $PERM_SKIP"
		return 0
	fi
	a_project backoff 'destination = "locked"
max_retries = 3
retry_delay = "1s"
retry_max_delay = "3s"'
	P=$T/backoff
	mkdir -p "$P/archive/locked"
	chmod 555 "$P/archive/locked"
	printf 'fails four times\n' >"$P/in/b.dat"
	for c in "1 1000" "2 2000" "3 3000"; do
		# shellcheck disable=SC2086
		set -- $c
		if [ "$1" -gt 1 ]; then
			a_wait_due backoff b.dat
		fi
		a_once_nocap backoff
		got=$(rows backoff "$(csql in b.dat "status, attempts, COALESCE(next_retry_at - updated_at, 0)")")
		gap=${got##*|}
		if [ "${got%|*}" = "RETRY_PENDING|$1" ] && [ "$gap" -ge $(($2 * 1000 - 500000)) ] &&
			[ "$gap" -le $(($2 * 1100)) ]; then
			t_pass "$DB_DIALECT: retry backoff: after attempt $1 the next is $2 ms later, plus at most 10%"
		else
			i_fail "$DB_DIALECT: retry backoff: after attempt $1 the next is $2 ms later, plus at most 10% (status|attempts|next_retry_at - updated_at in us: $got)" backoff
		fi
	done
	a_wait_due backoff b.dat
	a_once_nocap backoff
	expect_rows backoff "$(csql in b.dat "status, attempts, COALESCE(next_retry_at, 0)")" "FAILED|4|0" \
		"$DB_DIALECT: ... after max_retries (3) the fourth failure is FAILED, with no next_retry_at"
}

# a_wait_due NAME PATH: until the component's next_retry_at has passed.
a_wait_due() {
	due=$(rows "$1" "$(csql in "$2" 'COALESCE(next_retry_at, 0)')")
	n=0
	while [ "$(now_us)" -le "$((${due:-0} + 100000))" ] && [ "$n" -lt 600 ]; do
		n=$((n + 1))
		sleep 0.1
	done
}

# --- 7: a read-only file system under a destination ------------------------------------------------

# The whole destination fails (its file system remounted read-only): no
# file spends an attempt, the destination pauses with one log line and
# resumes with one, and every file is archived once it is writable again.
archive_case_readonly_fs() {
	if [ "$MOUNT_OK" -ne 1 ]; then
		echo "# skipped: read-only destination: $MOUNT_SKIP"
		return 0
	fi
	mkdir -p "$T/rofs/archive/ro"
	a_mount "$T/rofs/archive/ro" 4m || return 0
	a_project rofs 'destination = "ro"'
	P=$T/rofs
	svc_start rofs
	svc_ready rofs || return 0
	wait_comp rofs in zz-probe.dat status ARCHIVED \
		"$DB_DIALECT: read-only: the probe file is archived first" 60
	mount -o remount,ro "$P/archive/ro"
	i=0
	while [ "$i" -lt 20 ]; do
		printf 'file %s\n' "$i" >"$P/in/r$i.dat"
		i=$((i + 1))
	done
	a_log rofs 'destination "default" cannot take files \(.*Read-only file system\); paused' \
		"read-only destination: the log says it cannot take files and paused"
	# two probes a second apart
	sleep 2.5
	expect_rows rofs "SELECT status, MAX(attempts), COUNT(*) FROM components WHERE status <> 'ARCHIVED' GROUP BY status" \
		"ARCHIVING|0|20" "$DB_DIALECT: read-only: the files wait ARCHIVING, no attempt spent, after two probes"
	a_eq "... one log line for the pause, none per file" \
		"$(grep -c 'will be retried\|cannot take files' "$T/rofs.log")" 1
	mount -o remount,rw "$P/archive/ro"
	wait_rows rofs "SELECT status, COUNT(*) FROM components WHERE status = 'ARCHIVED' GROUP BY status" \
		"ARCHIVED|$(rows rofs "SELECT COUNT(*) FROM components")" \
		"$DB_DIALECT: read-only: writable again, every file is ARCHIVED" 60
	a_log rofs 'destination "default" takes files again; resumed' "... and the log says it resumed"
	a_eq "... each file once" "$(find "$P/archive/ro" -type f | wc -l)" \
		"$(rows rofs "SELECT COUNT(*) FROM components")"
	svc_stop rofs
}

# --- 7: a full destination ------------------------------------------------------

archive_case_full() {
	if [ "$MOUNT_OK" -ne 1 ]; then
		echo "# skipped: full destination: $MOUNT_SKIP"
		return 0
	fi
	mkdir -p "$T/full/archive/full"
	a_mount "$T/full/archive/full" 4m || return 0
	a_project full 'destination = "{watch}"

[archive.destinations.full]
destination = "full"' '' '[integrity]
min_size = 1

[[routing.rule]]
name = "big ones"
destination = "full"
glob = ["big-*"]'
	P=$T/full
	# 3,200 KiB of the 4 MiB taken; each file is 1.2 MiB, past the size
	# from which copies are written with O_DIRECT (tmpfs takes them since
	# Linux 6.6), so ENOSPC comes from a direct write.
	dd if=/dev/zero of="$P/archive/full/filler" bs=1024 count=3200 2>/dev/null
	mkdir -p "$T/stage/full"
	for n in 1 2; do
		head -c 1258291 /dev/urandom >"$T/stage/full/big-$n.dat"
		cp "$T/stage/full/big-$n.dat" "$T/ref/big-$n.dat"
	done
	svc_start full
	svc_ready full || return 0
	mv "$T/stage/full/big-1.dat" "$T/stage/full/big-2.dat" "$P/in/"
	a_log full 'destination "full" cannot take files \(.*No space left on device\); paused' \
		"a full destination: the log says it is full and paused"
	wait_rows full "SELECT $(db_hex rel_path), status FROM components WHERE watch = 'in' AND rel_path IN ($(db_path big-1.dat), $(db_path big-2.dat)) ORDER BY 1" \
		"$(hexof big-1.dat)|ARCHIVING
$(hexof big-2.dat)|ARCHIVING" \
		"$DB_DIALECT: ... its files stay ARCHIVING" 60
	printf 'to the destination on disk\n' >"$P/in/small.dat"
	wait_comp full in small.dat status ARCHIVED \
		"$DB_DIALECT: ... while the other destination keeps archiving" 60
	expect_rows full "SELECT status, attempts FROM components WHERE watch = 'in' AND rel_path IN ($(db_path big-1.dat), $(db_path big-2.dat))" \
		"ARCHIVING|0
ARCHIVING|0" "$DB_DIALECT: ... the full destination's files are still ARCHIVING, no attempt counted"
	a_eq "... and nothing sits at their final names" \
		"$(a_list "$P/archive/full" | grep -v -e '^\./filler$' -e '^\./\.carb-tmp-')" ""
	rm "$P/archive/full/filler"
	wait_rows full "SELECT $(db_hex rel_path), status FROM components WHERE watch = 'in' AND rel_path IN ($(db_path big-1.dat), $(db_path big-2.dat)) ORDER BY 1" \
		"$(hexof big-1.dat)|ARCHIVED
$(hexof big-2.dat)|ARCHIVED" \
		"$DB_DIALECT: room made: the paused files are ARCHIVED" 60
	a_log full 'destination "full" takes files again; resumed' "... and the log says it resumed"
	for n in 1 2; do
		a_expect_placed full "big-$n.dat" "full/big-$n.dat" 1 "... big-$n.dat at full/"
		a_same "... with its content (big-$n.dat)" "$T/ref/big-$n.dat" "$P/archive/full/big-$n.dat"
	done
	a_eq "... no temporary copy left" "$(a_tmp_left "$P/archive")" ""
	svc_stop full

	# run --once does not wait for room: it leaves the file ARCHIVING,
	# says so, exits 1; the next run takes it up.
	dd if=/dev/zero of="$P/archive/full/filler" bs=1024 count=1200 2>/dev/null
	head -c 1258291 /dev/urandom >"$T/stage/full/big-3.dat"
	mv "$T/stage/full/big-3.dat" "$P/in/"
	a_once full
	t_expect_status 1 "$DB_DIALECT: run --once with a full destination exits 1"
	t_expect_err "left for a later run" "$DB_DIALECT: ... saying the file is left for a later run"
	expect_rows full "$(csql in big-3.dat "status, attempts")" "ARCHIVING|0" \
		"$DB_DIALECT: ... which stays ARCHIVING"
	a_ok "... with nothing at its final name" test ! -e "$P/archive/full/big-3.dat"
	rm "$P/archive/full/filler"
	a_once full
	t_expect_status 0 "$DB_DIALECT: ... room made, the next run --once exits 0"
	a_expect_placed full big-3.dat full/big-3.dat 1 "... and archives it"
	a_same "... with its content" "$P/in/big-3.dat" "$P/archive/full/big-3.dat"
	a_eq "... no temporary copy left" "$(a_tmp_left "$P/archive")" ""
}

# --- 8: rules reloaded while the service runs -------------------------------------

archive_case_reload() {
	a_project reload 'destination = "{watch}"' '' '[selection]
default = "reject"'
	P=$T/reload
	svc_start reload
	svc_ready reload || return 0
	printf 'judged by the rules\n' >"$P/in/r1.dat"
	wait_comp reload in r1.dat "status, $(rsn 'selection.default is "reject"')" "NOT_SELECTED|reason ok" \
		"$DB_DIALECT: with selection.default = \"reject\" a group is NOT_SELECTED, saying why" 60
	expect_rows reload "$(fsql in r1 "status, $(rsn 'reject')")" "NOT_SELECTED|reason ok" \
		"$DB_DIALECT: ... its files row too"
	a_eq "... nothing is archived" "$(a_list "$P/archive")" ""

	# Saved the way editors do: a new file renamed over the old one.
	printf '[selection]\ndefault = "accept"\n' >"$P/rules.toml.new"
	mv "$P/rules.toml.new" "$P/rules.toml"
	wait_comp reload in r1.dat status ARCHIVED \
		"$DB_DIALECT: rules.toml changed to accept: the NOT_SELECTED group is judged again and ARCHIVED" 60
	a_same "... with its content" "$P/in/r1.dat" "$P/archive/in/r1.dat"
	a_log reload 'rules reloaded' "... and the log says the rules were reloaded"

	# Written in place, and wrong: the old rules stay.
	printf '[selection]\ndefault = "reject"\nbogus = 1\n' >"$P/rules.toml"
	a_log reload 'rules not reloaded: [^ ]*rules\.toml:3:1: ' \
		"an invalid rules.toml: the log names file:line:column"
	printf 'judged by the rules in force\n' >"$P/in/r2.dat"
	wait_comp reload in r2.dat status ARCHIVED \
		"$DB_DIALECT: ... and the rules in force still apply to a new file" 60

	# Rejecting again; then the file is deleted: the rules in force stay,
	# not the defaults (which accept).
	printf '[selection]\ndefault = "reject"\n' >"$P/rules.toml.new"
	mv "$P/rules.toml.new" "$P/rules.toml"
	a_log reload 'rules reloaded.*0 NOT_SELECTED groups judged again' "rules changed back to reject"
	printf 'judged before the rules file is deleted\n' >"$P/in/r3.dat"
	wait_comp reload in r3.dat status NOT_SELECTED "$DB_DIALECT: ... a new file is NOT_SELECTED" 60
	rm "$P/rules.toml"
	a_log reload 'rules not reloaded: [^ ]*rules\.toml: No such file' \
		"rules.toml deleted while the service runs: the log says the rules were not reloaded"
	printf 'judged after the rules file is deleted\n' >"$P/in/r4.dat"
	wait_comp reload in r4.dat status NOT_SELECTED \
		"$DB_DIALECT: ... a new file is judged by the rules in force (NOT_SELECTED)" 60
	expect_rows reload "$(csql in r3.dat status)" NOT_SELECTED \
		"$DB_DIALECT: ... and what they rejected stays NOT_SELECTED"
	svc_stop reload
}

# --- 9: --dry-run --------------------------------------------------------------

archive_case_dry() {
	a_project dry 'destination = "{watch}"

[archive.destinations.fresh]
destination = "fresh/{group}"

[archive.destinations.mv]
destination = "moved"
mode = "move"' '' '[integrity]
min_size = 1

[[selection.rule]]
name = "no backups"
action = "reject"
extension = [".bak"]

[[routing.rule]]
destination = "fresh"
glob = ["fresh-*"]

[[routing.rule]]
destination = "mv"
glob = ["mv-*"]'
	P=$T/dry
	printf 'archived before the dry run\n' >"$P/in/d1.dat"
	a_once dry
	t_expect_status 0 "$DB_DIALECT: dry run: a first real run exits 0"
	# d1.dat delivered again, same content: a duplicate.
	cp "$P/in/d1.dat" "$T/ref/d1.dat"
	rm "$P/in/d1.dat"
	cp "$T/ref/d1.dat" "$P/in/d1.dat"
	touch -d '2022-02-02 02:02:02' "$P/in/d1.dat"
	printf 'only a dry run sees me\n' >"$P/in/d2.dat"
	printf 'to a folder that does not exist yet\n' >"$P/in/fresh-1.dat"
	printf 'would be moved\n' >"$P/in/mv-1.dat"
	printf 'would be rejected\n' >"$P/in/x.bak"
	dump() {
		# The watch's lock file too: its pid is the real run's.
		(cd "$P" && find archive in ./*.lock -printf '%p %s %T@ %i %m\n' | sort) >"$T/dry-disk-$1"
		{
			rows dry "SELECT * FROM components ORDER BY id"
			rows dry "SELECT * FROM files ORDER BY id"
		} >"$T/dry-cat-$1"
	}
	dump before
	a_once dry config.toml --dry-run
	t_expect_status 0 "$DB_DIALECT: run --dry-run exits 0"
	t_expect_err "would be archived to in/d2.dat" "$DB_DIALECT: ... its log says \"would be archived to\" with the path"
	t_expect_err "would be archived to fresh/fresh-1/fresh-1.dat" \
		"$DB_DIALECT: ... also into a folder it does not make"
	t_expect_err "would be archived to moved/mv-1.dat" "$DB_DIALECT: ... and for a move"
	t_expect_err 'selection rule "no backups" rejected the group' "$DB_DIALECT: ... and the rejected group with its rule"
	t_expect_err 'dry run: watch "in": group d1: same content as component' "$DB_DIALECT: ... and the duplicate"
	dump after
	for w in disk cat; do
		if cmp -s "$T/dry-$w-before" "$T/dry-$w-after"; then
			t_pass "$DB_DIALECT: ... and leaves the $w exactly as it was (find archive in *.lock / components and files)"
		else
			rm -f "$T/out" "$T/err"
			t_fail "$DB_DIALECT: ... and leaves the $w exactly as it was (find archive in *.lock / components and files)"
			diff "$T/dry-$w-before" "$T/dry-$w-after" | head -n 20 | sed 's/^/  | /'
		fi
	done
	a_once dry
	t_expect_status 0 "$DB_DIALECT: ... then a real run exits 0"
	a_expect_placed dry d2.dat in/d2.dat 1 "... and archives where the dry run said (d2.dat)"
	a_expect_placed dry fresh-1.dat fresh/fresh-1/fresh-1.dat 1 "... (fresh-1.dat)"
	a_expect_placed dry mv-1.dat moved/mv-1.dat 1 "... (mv-1.dat)"
	expect_rows dry "$(csql in x.bak status)" NOT_SELECTED "$DB_DIALECT: ... (x.bak NOT_SELECTED)"
	expect_rows dry "$(csql in d1.dat "generation, status")" "1|ARCHIVED
2|DUPLICATE" "$DB_DIALECT: ... (d1.dat delivered again: DUPLICATE)"

	a_project dry0 'destination = "{watch}"'
	printf 'a dry run first\n' >"$T/dry0/in/a.dat"
	a_once dry0 config.toml --dry-run
	t_expect_status 0 "$DB_DIALECT: run --dry-run before any run exits 0"
	t_expect_err "would be archived to in/a.dat" "$DB_DIALECT: ... says where the file would go"
	a_eq "... and makes no lock file" "$(cd "$T/dry0" && find . -name '*.lock')" ""
}

# --- 10: run --once beside a service; a second service ---------------------------

archive_case_lock() {
	a_project lock 'destination = "{watch}"'
	P=$T/lock
	mkdir -p "$P/state"
	sed 's/^\[service\]$/[service]\nstate_dir = "state"/' "$P/config.toml" >"$P/config.new"
	mv "$P/config.new" "$P/config.toml"
	svc_start lock
	svc_ready lock || return 0
	a_ok "the service holds its watch's lock file in state_dir" test -f "$P/state/watch-in.lock"
	i=1
	while [ "$i" -le 20 ]; do
		printf 'file %d, beside a running service\n' "$i" >"$P/in/l$i.dat"
		i=$((i + 1))
	done
	a_once lock
	t_expect_status 0 "$DB_DIALECT: run --once beside a running service exits 0"
	t_expect_err 'watch "in" is handled by another carbonation' \
		"$DB_DIALECT: ... and logs that the watch was skipped"
	wait_rows lock "SELECT COUNT(*) FROM components WHERE status = 'ARCHIVED'" 21 \
		"$DB_DIALECT: ... the service archives every file" 60
	expect_rows lock "SELECT COUNT(*), COUNT(DISTINCT rel_path) FROM components" "21|21" \
		"$DB_DIALECT: ... each recorded once"
	a_eq "... and in the archive exactly once" "$(find "$P/archive" -type f | wc -l)" 21

	t_run timeout 60 "$CARB" -c "$P/config.toml" run
	t_expect_status 1 "$DB_DIALECT: a second service on the same watches exits 1"
	t_expect_err "(pid $(svc_pid lock), lock in $(realpath "$P/state"))" "$DB_DIALECT: ... naming the holder and the lock's folder"
	svc_stop lock
	printf 'after the service\n' >"$P/in/after.dat"
	a_once lock
	t_expect_status 0 "$DB_DIALECT: once the service stopped, run --once takes the watch"
	t_expect_no "handled by another" "$DB_DIALECT: ... skipping nothing"
	a_expect_placed lock after.dat in/after.dat 1 "... and archives its file"
}

# --- 11: selection and routing by extension and size ------------------------------

archive_case_route() {
	a_project route 'destination = "{watch}"

[archive.destinations.bulk]
destination = "bulk"

[archive.destinations.text]
destination = "text"' '' '[integrity]
min_size = 1

[selection]
default = "accept"

[[selection.rule]]
name = "no backups"
action = "reject"
extension = [".bak"]

[[selection.rule]]
name = "no tiny files"
action = "reject"
max_size = 3

[routing]
default = "default"

[[routing.rule]]
name = "big files"
destination = "bulk"
min_size = "10KiB"

[[routing.rule]]
name = "text"
destination = "text"
extension = [".txt"]'
	P=$T/route
	in=$P/in
	printf 'an old backup\n' >"$in/old.bak"
	printf 'x\n' >"$in/tiny.dat"
	head -c 20480 /dev/urandom >"$in/big.dat"
	head -c 6144 /dev/urandom >"$in/half.dat"
	printf 'some notes\n' >"$in/notes.txt"
	head -c 20480 /dev/urandom >"$in/bigtext.txt"
	head -c 10240 /dev/urandom >"$in/edge.dat"
	head -c 10239 /dev/urandom >"$in/under.dat"
	a_once route
	t_expect_status 0 "$DB_DIALECT: selection and routing: run --once exits 0 (NOT_SELECTED is no failure)"
	expect_rows route "$(fsql in old "status, $(rsn 'selection rule "no backups" rejected the group')")" \
		"NOT_SELECTED|reason ok" "$DB_DIALECT: a rule by extension rejects a group, naming the rule"
	expect_rows route "$(csql in old.bak "status, $(a_aphex)")" "NOT_SELECTED|" \
		"$DB_DIALECT: ... its member is NOT_SELECTED, not archived"
	expect_rows route "$(fsql in tiny "status, $(rsn 'no tiny files')")" "NOT_SELECTED|reason ok" \
		"$DB_DIALECT: a rule by max_size rejects a small group"
	for c in "big bulk big.dat" "half default in/half.dat" \
		"notes text notes.txt" "bigtext bulk bigtext.txt" "edge bulk edge.dat" "under default in/under.dat"; do
		# shellcheck disable=SC2086
		set -- $c
		case $2 in
		default) path=$3 ;;
		*) path=$2/$3 ;;
		esac
		expect_rows route "$(fsql in "$1" "status, COALESCE(destination, 'none')")" "ARCHIVED|$2" \
			"$DB_DIALECT: group $1 is routed to $2"
		a_expect_placed route "${3##*/}" "$path" 1 "... ${3##*/} is at $path"
		a_same "... with its content (${3##*/})" "$in/${3##*/}" "$P/archive/$path"
	done
	a_eq "only the routed files are in the archive" "$(a_list "$P/archive" | tr '\n' ' ')" \
		"./bulk ./bulk/big.dat ./bulk/bigtext.txt ./bulk/edge.dat ./in ./in/half.dat ./in/under.dat ./text ./text/notes.txt "

	# The size of a group is the sum of its members': groups of two
	# required files, so that both are in when the group is judged.
	a_project rsum '[archive.destinations.bulk]
destination = "bulk"' '' '[integrity]
min_size = 1

[completeness]
required = [".dat", ".xml"]

[[routing.rule]]
name = "big files"
destination = "bulk"
min_size = "10KiB"'
	in=$T/rsum/in
	head -c 6144 /dev/urandom >"$in/pair.dat"
	head -c 6144 /dev/urandom >"$in/pair.xml"
	head -c 3072 /dev/urandom >"$in/half.dat"
	head -c 3072 /dev/urandom >"$in/half.xml"
	a_once rsum
	t_expect_status 0 "$DB_DIALECT: routing by group size: run --once exits 0"
	expect_rows rsum "$(fsql in pair "status, COALESCE(destination, 'none')")" "ARCHIVED|bulk" \
		"$DB_DIALECT: two members of 6 KiB make a group of 12 KiB: min_size 10KiB routes it to bulk"
	for n in pair.dat pair.xml; do
		a_expect_placed rsum "$n" "bulk/$n" 1 "... $n is at bulk/"
		a_same "... with its content ($n)" "$in/$n" "$T/rsum/archive/bulk/$n"
	done
	expect_rows rsum "$(fsql in half "status, COALESCE(destination, 'none')")" "ARCHIVED|default" \
		"$DB_DIALECT: two members of 3 KiB stay below it: default"
}

# --- all of it --------------------------------------------------------------

# --- 12: descriptors ---------------------------------------------------------------

# A copy holds a descriptor until its batch is flushed: batches are sized
# to the limit, and the service lifts its soft limit to the hard one.
archive_case_fd_limit() {
	a_project fdlim 'destination = "{watch}"'
	P=$T/fdlim
	i=1
	while [ "$i" -le 300 ]; do
		printf 'file %d under a small descriptor limit\n' "$i" >"$P/in/f$i.dat"
		i=$((i + 1))
	done
	echo "# run --once under ulimit -n 256" >>"$T/fdlim.log"
	# shellcheck disable=SC2016 # expanded by the inner shell
	t_run timeout 300 sh -c 'ulimit -n 256 && exec "$0" -c "$1" run --once' \
		"$CARB" "$P/config.toml"
	cat "$T/err" >>"$T/fdlim.log"
	t_expect_status 0 "$DB_DIALECT: run --once under a hard limit of 256 descriptors exits 0"
	t_expect_no "Too many open files" "$DB_DIALECT: ... no copy runs out of descriptors"
	expect_rows fdlim "SELECT COUNT(*) FROM components WHERE status = 'ARCHIVED'" 300 \
		"$DB_DIALECT: ... and all 300 files are ARCHIVED"
	a_eq "... each one in the archive" "$(find "$P/archive" -type f | wc -l)" 300

	# ulimit -S and -H are not POSIX, but dash and bash both have them.
	# shellcheck disable=SC3045
	soft=$(ulimit -S -n)
	# shellcheck disable=SC3045
	hard=$(ulimit -H -n)
	if [ "$hard" != unlimited ] && [ "$hard" -le 64 ]; then
		echo "# hard descriptor limit $hard: lifting the soft one is not tested"
		return 0
	fi
	# shellcheck disable=SC3045
	ulimit -S -n 64
	svc_start fdlim
	# shellcheck disable=SC3045
	ulimit -S -n "$soft"
	svc_ready fdlim || return 0
	a_eq "the service lifts its soft descriptor limit (64) to the hard one" \
		"$(awk '/^Max open files/ { print ($4 == $5) ? "lifted" : $4 " of " $5 }' \
			"/proc/$(svc_pid fdlim)/limits")" lifted
	svc_stop fdlim
}

# --- folders nested deeper than PATH_MAX ------------------------------------------

# a_deep_tree TOP N FILE TEXT: N folders of 200 bytes each below TOP, one
# inside the other, made one at a time (no single path to them fits in
# PATH_MAX), then FILE holding TEXT at the bottom, renamed in.
a_deep_tree() (
	seg=$(printf '%0200d' 0)
	cd "$1" || exit 1
	i=0
	while [ "$i" -lt "$2" ]; do
		mkdir "$seg$i" && cd "$seg$i" || exit 1
		i=$((i + 1))
	done
	printf '%s\n' "$4" >".$3.part" && mv ".$3.part" "$3"
)

# a_deep_cmp TOP N FILE OTHER: cmp of the deep FILE with OTHER (absolute).
a_deep_cmp() (
	seg=$(printf '%0200d' 0)
	cd "$1" || exit 1
	i=0
	while [ "$i" -lt "$2" ]; do
		cd "$seg$i" || exit 1
		i=$((i + 1))
	done
	cmp -s "$3" "$4"
)

# A file whose path is longer than PATH_MAX (21 folders of 200 bytes) is
# recorded, checked and archived like any other, by run --once and by the
# service, which watches such folders too.
archive_case_deep_paths() {
	a_project deep '' 'recursive = true'
	a_deep_tree "$T/deep/in" 21 deep1.dat 'below 4 KiB of folders'
	a_once deep
	t_expect_status 0 "$DB_DIALECT: run --once archives a file below folders deeper than PATH_MAX"
	expect_rows deep "SELECT status, CASE WHEN LENGTH(rel_path) > 4096 THEN 'deep' ELSE 'short' END FROM components WHERE extension = $(db_path .dat)" \
		"ARCHIVED|deep" "$DB_DIALECT: deep path: one ARCHIVED component, its rel_path longer than 4,096 bytes"
	got=$(find "$T/deep/archive" -name deep1.dat | head -n 1)
	a_ok "deep path: the archived copy equals the delivered file" \
		a_deep_cmp "$T/deep/in" 21 deep1.dat "${got:-/nonexistent}"
	svc_start deep
	svc_ready deep
	mkdir "$T/deep/in/second"
	a_deep_tree "$T/deep/in/second" 21 deep2.dat 'made while the service runs'
	wait_rows deep "SELECT status FROM components WHERE extension = $(db_path .dat) AND stem = $(db_path deep2)" \
		ARCHIVED "$DB_DIALECT: deep path: the service archives a file in folders made deeper than PATH_MAX while it runs" 30
	svc_stop deep
	if grep -q "cannot watch" "$T/deep.log"; then
		i_fail "$DB_DIALECT: deep path: no folder is left unwatched" deep
	else
		t_pass "$DB_DIALECT: deep path: no folder is left unwatched"
	fi
}

archive_run_cases() {
	t_cleanup a_mount_cleanup
	t_cleanup svc_cleanup
	LC_ALL=C
	export LC_ALL
	mkdir -p "$T/ref"
	intake_caps
	a_mount_probe
	if [ "$MOUNT_OK" -eq 1 ]; then
		echo "# tmpfs mounts work here: the cross-filesystem and full-destination cases run"
	fi
	archive_case_modes
	archive_case_large
	archive_case_reflink
	archive_case_no_proc
	archive_case_old_kernel_link
	archive_case_xfs
	archive_case_conflicts
	archive_case_duplicates
	archive_case_escape
	archive_case_readonly
	archive_case_backoff
	archive_case_readonly_fs
	archive_case_full
	archive_case_reload
	archive_case_dry
	archive_case_lock
	archive_case_route
	archive_case_fd_limit
	archive_case_deep_paths
}
