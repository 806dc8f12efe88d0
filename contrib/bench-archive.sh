#!/bin/sh
# Archive benchmark: how fast `carbonation run` takes a burst of
# deliveries all the way to ARCHIVED, beside `cp -a SRC DST && sync` on
# the same files.  Prints figures; never fails because of them.
#
#   contrib/bench-archive.sh [options] [CARBONATION]
#
#   --small N       files in the small case (default 10000), 4 KiB each
#   --large N       files in the large case (default 64), 32 MiB each
#   --cases LIST    small,large (default both)
#   --modes LIST    copy,hardlink (default both)
#   --dir DIR       scratch folder, on the filesystem to measure
#                   (default $TMPDIR or /tmp); needs about 3 times the
#                   large case's size free (6 GiB by default)
#
# Figures that repeat come from a filesystem made for the run, e.g. as
# root:  truncate -s 4G /var/tmp/bench.img && mkfs.ext4 -q /var/tmp/bench.img &&
#        mkdir -p /mnt/bench && mount -o loop /var/tmp/bench.img /mnt/bench
# then --dir /mnt/bench (the small case fits in 4 GiB; the large needs
# 7 GiB).  On a long-used filesystem the cost of creating a file moves
# with what was deleted there in the last minutes (ext4 without a
# journal skips recently freed inodes one by one), and both carbonation
# and cp -a pay it, each differently.
#
# It builds nothing: it runs CARBONATION, else $CARB, else ./carbonation
# (the top of a build tree; contrib/demo.sh's is build/demo/carbonation).  Use a release build for figures, e.g.
#   git clone . /tmp/carbrel && cd /tmp/carbrel &&
#   autoreconf -fi && ./configure CFLAGS="-O2 -g" && make -j2 &&
#   contrib/bench-archive.sh
# a build with --enable-sanitizers is several times slower.
#
# For each case and mode, a fresh project (SQLite catalog, one watch with
# settle = "0s", [service] workers = 2, archive.mode = MODE, destination
# "{watch}", verify "size", no required extensions) runs the service.
# The files are written beforehand outside the watch on the same
# filesystem and synced, then renamed in one by one by a python3 loop.
# Reported: the time from the first rename until the last file is
# ARCHIVED (the catalog's archived_at), files/s and MiB/s over it, the
# service's CPU seconds (utime + stime from /proc/PID/stat, read while it
# still runs) and its peak resident memory (VmHWM).  Before the modes of
# a case, the same files go through `cp -a SRC DST && sync` (timed as one
# command), and the ratio carbonation / cp is printed.  On a shared or
# cloud disk the figures move from run to run: run it a few times.  Each archive is made durable by
# carbonation (one syncfs per batch, fsync of each folder), so `sync` is
# what makes the comparison fair.
set -u

usage() {
	sed -n '2,/^set -u/p' "$0" | sed -e '/^set -u/d' -e 's/^# \{0,1\}//'
	exit "$1"
}

small=10000
large=64
cases=small,large
modes=copy,hardlink
dir=${TMPDIR:-/tmp}
CARB=${CARB:-./carbonation}
while [ $# -gt 0 ]; do
	case $1 in
	--small) small=${2:?--small needs a number}; shift 2 ;;
	--large) large=${2:?--large needs a number}; shift 2 ;;
	--cases) cases=${2:?--cases needs a list}; shift 2 ;;
	--modes) modes=${2:?--modes needs a list}; shift 2 ;;
	--dir) dir=${2:?--dir needs a folder}; shift 2 ;;
	-h | --help) usage 0 ;;
	-*) echo "bench-archive.sh: unknown option \"$1\"" >&2; usage 2 >&2 ;;
	*) CARB=$1; shift ;;
	esac
done
case $small$large in
*[!0-9]*)
	echo "bench-archive.sh: --small and --large take whole numbers" >&2
	exit 2
	;;
esac
for c in $(echo "$cases" | tr ',' ' '); do
	case $c in small | large) ;; *)
		echo "bench-archive.sh: unknown case \"$c\" (small, large)" >&2
		exit 2 ;;
	esac
done
for m in $(echo "$modes" | tr ',' ' '); do
	case $m in copy | hardlink) ;; *)
		echo "bench-archive.sh: unknown mode \"$m\" (copy, hardlink)" >&2
		exit 2 ;;
	esac
done

if [ ! -x "$CARB" ]; then
	echo "bench-archive.sh: $CARB not found; build first (see --help)" \
		"and run this from the top of the build tree, or name the binary" >&2
	exit 2
fi
CARB=$(cd "$(dirname "$CARB")" && pwd)/$(basename "$CARB")
for tool in python3 sqlite3; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "bench-archive.sh: $tool is needed" >&2
		exit 2
	fi
done

B=$(mktemp -d "$dir/carb-bench.XXXXXX") || exit 1
pid=
cleanup() {
	if [ -n "$pid" ]; then
		kill -KILL "$pid" 2>/dev/null
	fi
	rm -rf "$B"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_us() {
	echo $(($(date +%s%N) / 1000))
}

# secs US: microseconds as seconds with two decimals.
secs() {
	printf '%d.%02d' $(($1 / 1000000)) $((($1 % 1000000) / 10000))
}

# ratio A B: A / B with two decimals.
ratio() {
	if [ "$2" -gt 0 ]; then
		printf '%d.%02d' $(($1 / $2)) $((($1 % $2) * 100 / $2))
	else
		printf '-'
	fi
}

# gen FOLDER COUNT SIZE: COUNT files of SIZE random bytes, each different.
gen() {
	python3 - "$1" "$2" "$3" <<'EOF'
import os, sys
folder, count, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.makedirs(folder)
body = os.urandom(size)
for i in range(count):
    with open(os.path.join(folder, "f%07d.dat" % i), "wb") as f:
        f.write(("%015d\n" % i).encode()[:size] + body[16:])
EOF
}

# archived COUNT: how many components are ARCHIVED.
archived() {
	sqlite3 -batch -cmd '.timeout 5000' "$P/bench.db" \
		"SELECT COUNT(*) FROM components WHERE status = 'ARCHIVED'" 2>/dev/null
}

# run CASE MODE COUNT SIZE: one row of the table.
run() {
	P=$B/$1-$2
	mkdir -p "$P/in" "$P/archive"
	{
		printf '[database]\nurl = "sqlite:bench.db"\n'
		printf '\n[service]\nworkers = 2\n'
		printf '\n[archive]\nbase_path = "archive"\ndestination = "{watch}"\nmode = "%s"\n' "$2"
		printf '\n[[watch]]\nname = "bench"\npath = "in"\nsettle = "0s"\n'
	} >"$P/config.toml"
	printf '[integrity]\nmin_size = 1\nchecksum = "auto"\n\n[completeness]\nrequired = []\n' \
		>"$P/rules.toml"
	if ! "$CARB" -c "$P/config.toml" db init >"$P/init.log" 2>&1; then
		echo "bench-archive.sh: db init failed:" >&2
		cat "$P/init.log" >&2
		exit 1
	fi
	# Staged beside the watch: links to the generated files, so nothing
	# is written now; the cache holds what the generator wrote.
	cp -al "$B/gen-$1" "$P/stage"
	sync

	"$CARB" -c "$P/config.toml" run >"$P/service.log" 2>&1 &
	pid=$!
	n=0
	until grep -q ' started: ' "$P/service.log" 2>/dev/null; do
		n=$((n + 1))
		if ! kill -0 "$pid" 2>/dev/null || [ "$n" -gt 300 ]; then
			echo "bench-archive.sh: the service did not start:" >&2
			cat "$P/service.log" >&2
			exit 1
		fi
		sleep 0.1
	done

	python3 - "$P/stage" "$P/in" >"$P/delivery" <<'EOF' || exit 1
import os, sys, time
stage, watch = sys.argv[1], sys.argv[2]
names = sorted(os.listdir(stage))
# Relative to open folders: the delivery should cost the machine as
# little as it can, since the service shares its CPUs.
sfd = os.open(stage, os.O_RDONLY | os.O_DIRECTORY)
wfd = os.open(watch, os.O_RDONLY | os.O_DIRECTORY)
first = time.time()
for name in names:
    os.rename(name, name, src_dir_fd=sfd, dst_dir_fd=wfd)
last = time.time()
print(int(first * 1e6), int(last * 1e6))
EOF
	read -r first last <"$P/delivery"

	# Until every file is ARCHIVED; a stall of 120 s ends the wait.
	done_us=
	seen=-1
	stall_since=$(now_us)
	while :; do
		got=$(archived)
		got=${got:-0}
		if [ "$got" -ge "$3" ]; then
			done_us=$(sqlite3 -batch -cmd '.timeout 5000' "$P/bench.db" \
				"SELECT MAX(archived_at) FROM components WHERE status = 'ARCHIVED'")
			break
		fi
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "bench-archive.sh: the service exited early:" >&2
			tail -n 20 "$P/service.log" >&2
			pid=
			exit 1
		fi
		if [ "$got" -ne "$seen" ]; then
			seen=$got
			stall_since=$(now_us)
		elif [ $(($(now_us) - stall_since)) -gt 120000000 ]; then
			echo "bench-archive.sh: no progress for 120 s at $got of $3 ARCHIVED" >&2
			break
		fi
		sleep 0.1
	done
	tck=$(getconf CLK_TCK)
	cpu_ticks=$(sed 's/.*) //' "/proc/$pid/stat" | awk '{print $12 + $13}')
	hwm=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$pid/status")
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	pid=
	if [ "$rc" -ne 0 ]; then
		echo "bench-archive.sh: the service exited $rc on SIGTERM" >&2
	fi
	warnings=$(grep -c ' warning \| error ' "$P/service.log")


	mib_x100=$(($3 * $4 * 100 / 1048576))
	if [ -n "$done_us" ]; then
		span=$((done_us - first))
		[ "$span" -gt 0 ] || span=1
		printf '%-6s %-9s %6d %8s %9s %8d %8s %7s %8d %9s %6s\n' \
			"$1" "$2" "$3" "$(ratio "$mib_x100" 100)" "$(secs "$span")" \
			$(($3 * 1000000 / span)) \
			"$(ratio $((mib_x100 * 10000)) "$span")" \
			"$(secs $((cpu_ticks * 1000000 / tck)))" $((hwm / 1024)) \
			"$(secs "$cp_us")" "$(ratio "$span" "$cp_us")"
	else
		printf '%-6s %-9s %6d   not finished (%s of %s ARCHIVED)\n' \
			"$1" "$2" "$3" "$seen" "$3"
	fi
	if [ "$warnings" -gt 0 ]; then
		echo "       ($warnings warnings or errors in $P/service.log)"
	fi
	echo "$1/$2: the $3 renames into the watch took $(secs $((last - first))) s" >>"$B/notes"
	# Room for the next case.
	rm -rf "$P/archive" "$P/in"
}

echo "carbonation: $CARB"
if command -v ldd >/dev/null 2>&1 && ldd "$CARB" 2>/dev/null | grep -q 'libasan'; then
	echo "  (built with AddressSanitizer: expect figures well below a release build)"
fi
echo "scratch:     $B ($(df -PT "$B" | awk 'NR == 2 { print $2 }'))"
echo "service:     SQLite, settle 0s, 2 workers, verify size; $(nproc) CPUs"
echo
printf '%-6s %-9s %6s %8s %9s %8s %8s %7s %8s %9s %6s\n' \
	case mode files MiB "time s" "files/s" "MiB/s" "CPU s" "RSS MiB" \
	"cp -a s" ratio
for c in $(echo "$cases" | tr ',' ' '); do
	if [ "$c" = small ]; then
		count=$small size=4096
	else
		count=$large size=$((32 * 1048576))
	fi
	gen "$B/gen-$c" "$count" "$size" || exit 1
	sync
	# The same files through cp -a, then sync, timed together, once per
	# case, before carbonation writes anything.  The small case's copy
	# stays until the case ends: on ext4 without a journal, creating
	# files next to many inodes freed in the last minutes costs a scan
	# per create (the kernel skips recently deleted inodes), which cp did
	# not pay.  In the large case both copy into memory just freed: an
	# untimed copy made and removed before cp, cp's copy removed before
	# carbonation.  On a virtual machine, memory the guest has not used
	# lately costs a fault in the host per page: the same 2 GiB copied in
	# 1.5 s into memory just freed took 4.6 s beside cp's copy, 7 CPU
	# seconds of it in the kernel's page copy.
	if [ "$c" = large ]; then
		cp -a "$B/gen-$c" "$B/warm-$c" && sync
		rm -rf "$B/warm-$c"
		sync
	fi
	t0=$(now_us)
	cp -a "$B/gen-$c" "$B/cp-$c" && sync
	cp_us=$(($(now_us) - t0))
	if [ "$c" = large ]; then
		rm -rf "$B/cp-$c"
		sync
	fi
	for m in $(echo "$modes" | tr ',' ' '); do
		run "$c" "$m" "$count" "$size"
	done
	rm -rf "$B/gen-$c" "$B/cp-$c"
done
echo
cat "$B/notes"
echo "time: first rename into the watch to the last file ARCHIVED (archived_at)."
echo "ratio: carbonation time / (cp -a SRC DST && sync) time on the same files."
