#!/bin/sh
# Intake benchmark: how fast `carbonation run` records and checks a burst
# of deliveries.  Prints figures; never fails because of them.
#
#   contrib/bench-intake.sh [-n COUNT] [-s SIZE] [--hashes LIST]
#                           [--url URL [--password-file F]]
#
# It builds nothing: it runs ./carbonation of the current folder (the top
# of a build tree; `autoreconf -fi && ./configure && make` first), or
# $CARB (e.g. CARB=build/demo/carbonation after contrib/demo.sh).  A project in a temporary folder (SQLite unless --url names
# another catalog, which must be an empty database) has one watch with
# settle 1s, [service] workers = 2, no required extensions and
# selection.default = "reject", so each file is NOT_SELECTED as soon as
# it has passed integrity, and nothing is archived (contrib/bench-archive.sh
# measures archiving).  COUNT files of SIZE
# bytes (default 10000 of 4096) are delivered the way senders do it:
# written under an excluded temporary name (NAME.part), then renamed in.
# --hashes sha256,xxh128 sets rules.toml [integrity] hashes (default
# sha256 alone), to weigh the cost of xxh128.
# A python3 loop does the delivery so that the shell does not slow it.
#
# Reported: how long the delivery took; the time from the first delivery
# until the last file was recorded and checked (status NOT_SELECTED); files per
# second over that time; the service's CPU seconds (utime + stime from
# /proc/PID/stat); its peak resident memory (VmHWM); inotify overflows.
set -u

usage() {
	sed -n '2,/^set -u/p' "$0" | sed -e '/^set -u/d' -e 's/^# \{0,1\}//'
	exit "$1"
}

count=10000
size=4096
url=
pwfile=
hashes=sha256
while [ $# -gt 0 ]; do
	case $1 in
	-n) count=${2:?-n needs a number}; shift 2 ;;
	-s) size=${2:?-s needs a size in bytes}; shift 2 ;;
	--hashes) hashes=${2:?--hashes needs a list: sha256,xxh128}; shift 2 ;;
	--url) url=${2:?--url needs a URL}; shift 2 ;;
	--url=*) url=${1#--url=}; shift ;;
	--password-file) pwfile=${2:?--password-file needs a file}; shift 2 ;;
	-h | --help) usage 0 ;;
	*) echo "bench-intake.sh: unknown argument \"$1\"" >&2; usage 2 >&2 ;;
	esac
done
case $count$size in
*[!0-9]*)
	echo "bench-intake.sh: -n and -s take whole numbers" >&2
	exit 2
	;;
esac

CARB=${CARB:-./carbonation}
if [ ! -x "$CARB" ]; then
	echo "bench-intake.sh: $CARB not found; build first (autoreconf -fi && ./configure && make)" \
		"and run this from the top of the build tree, or set CARB" >&2
	exit 2
fi
CARB=$(cd "$(dirname "$CARB")" && pwd)/$(basename "$CARB")
need=python3
if [ -z "$url" ]; then
	need="$need sqlite3"
fi
for tool in $need; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "bench-intake.sh: $tool is needed" >&2
		exit 2
	fi
done
if [ -n "$pwfile" ]; then
	pwfile=$(cd "$(dirname "$pwfile")" && pwd)/$(basename "$pwfile")
fi

B=$(mktemp -d "${TMPDIR:-/tmp}/carb-bench.XXXXXX") || exit 1
pid=
cleanup() {
	if [ -n "$pid" ]; then
		kill -KILL "$pid" 2>/dev/null
	fi
	rm -rf "$B"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir "$B/in" "$B/archive"
{
	printf '[database]\nurl = "%s"\n' "${url:-sqlite:bench.db}"
	if [ -n "$pwfile" ]; then
		printf 'password_file = "%s"\n' "$pwfile"
	fi
	printf '\n[archive]\nbase_path = "archive"\n'
	printf '\n[service]\nworkers = 2\n'
	printf '\n[[watch]]\nname = "bench"\npath = "in"\nsettle = "1s"\n'
} >"$B/config.toml"
hash_list=$(printf '%s' "$hashes" | sed 's/[^,][^,]*/"&"/g; s/,/, /g')
printf '[integrity]\nmin_size = 1\nchecksum = "auto"\nhashes = [%s]\n\n[completeness]\nrequired = []\n\n[selection]\ndefault = "reject"\n' \
	"$hash_list" >"$B/rules.toml"

now_us() {
	echo $(($(date +%s%N) / 1000))
}

# How many components are checked (NOT_SELECTED): exact with sqlite3, else
# from db status.
ready_count() {
	if [ -z "$url" ]; then
		sqlite3 -batch -cmd '.timeout 5000' "$B/bench.db" \
			"SELECT COUNT(*) FROM components WHERE status = 'NOT_SELECTED'" 2>/dev/null
	else
		"$CARB" -c "$B/config.toml" db status 2>/dev/null |
			sed -n 's/^  NOT_SELECTED  *\([0-9][0-9]*\)$/\1/p'
	fi
}

if ! "$CARB" -c "$B/config.toml" db init >"$B/init.log" 2>&1; then
	echo "bench-intake.sh: db init failed:" >&2
	cat "$B/init.log" >&2
	exit 1
fi

echo "carbonation: $CARB"
if command -v ldd >/dev/null 2>&1 && ldd "$CARB" 2>/dev/null | grep -q 'libasan'; then
	echo "  (built with AddressSanitizer: expect figures well below a release build)"
fi
echo "catalog:     ${url:-SQLite in $B}"
echo "delivering:  $count files of $size bytes, settle 1s, 2 workers, $(nproc) CPUs"
echo "hashes:      [$hash_list]"

"$CARB" -c "$B/config.toml" run >"$B/service.log" 2>&1 &
pid=$!
# Started when it has walked its watch and logged so.
n=0
until grep -q ' started: ' "$B/service.log" 2>/dev/null; do
	n=$((n + 1))
	if ! kill -0 "$pid" 2>/dev/null || [ "$n" -gt 300 ]; then
		echo "bench-intake.sh: the service did not start:" >&2
		cat "$B/service.log" >&2
		exit 1
	fi
	sleep 0.1
done

python3 - "$B/in" "$count" "$size" >"$B/delivery" <<'EOF' || exit 1
import os, sys, time
folder, count, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
body = os.urandom(max(size - 16, 0))
first = time.time()
for i in range(count):
    name = "f%07d.dat" % i
    tmp = os.path.join(folder, name + ".part")
    with open(tmp, "wb") as f:
        f.write(("%015d\n" % i).encode()[:size] + body)
    os.rename(tmp, os.path.join(folder, name))
last = time.time()
print(int(first * 1e6), int(last * 1e6))
EOF
read -r first last <"$B/delivery"

# Until every file is checked; a stall of 120 s ends the wait.
done_us=
seen=-1
stall_since=$(now_us)
while :; do
	got=$(ready_count)
	got=${got:-0}
	if [ "$got" -ge "$count" ]; then
		done_us=$(now_us)
		break
	fi
	if ! kill -0 "$pid" 2>/dev/null; then
		echo "bench-intake.sh: the service exited early:" >&2
		tail -n 20 "$B/service.log" >&2
		pid=
		exit 1
	fi
	if [ "$got" -ne "$seen" ]; then
		seen=$got
		stall_since=$(now_us)
	elif [ $(($(now_us) - stall_since)) -gt 120000000 ]; then
		echo "bench-intake.sh: no progress for 120 s at $got of $count checked" >&2
		break
	fi
	sleep 0.2
done

# The catalog's own clock for the last file, when it can be read exactly.
if [ -z "$url" ] && [ -n "$done_us" ]; then
	exact=$(sqlite3 -batch -cmd '.timeout 5000' "$B/bench.db" \
		"SELECT MAX(updated_at) FROM components WHERE status = 'NOT_SELECTED'" 2>/dev/null)
	if [ -n "$exact" ]; then
		done_us=$exact
	fi
fi

tck=$(getconf CLK_TCK)
cpu_ticks=$(sed 's/.*) //' "/proc/$pid/stat" | awk '{print $12 + $13}')
hwm=$(sed -n 's/^VmHWM:[[:space:]]*//p' "/proc/$pid/status")
overflows=$(grep -ci 'overflow' "$B/service.log")

# secs US: microseconds as seconds with three decimals.
secs() {
	printf '%d.%03d' $(($1 / 1000000)) $((($1 % 1000000) / 1000))
}

echo
echo "delivery:            $(secs $((last - first))) s ($count renames)"
if [ -n "$done_us" ]; then
	span=$((done_us - first))
	[ "$span" -gt 0 ] || span=1
	echo "first delivery to last checked: $(secs "$span") s (settle 1s included)"
	echo "throughput:          $((count * 1000000 / span)) files/s"
else
	echo "first delivery to last checked: not reached ($seen of $count checked)"
fi
echo "service CPU:         $(secs $((cpu_ticks * 1000000 / tck))) s (user + system)"
echo "service peak RSS:    $hwm"
echo "inotify overflows:   $overflows (each followed by a rescan)"

kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=
echo "service exit status: $rc"
