#!/bin/sh
# The http destination's throughput: COUNT files archived by one service
# to a local folder (copy), then by the same service to a second
# carbonation on loopback (PUT to its upload endpoint, each file confirmed
# by its SHA-256).  Prints figures; fails only when the setup fails or a
# file does not arrive.
#
#   contrib/bench-transport.sh [-n COUNT] [-s KIB] [--dir DIR] [CARBONATION]
#
#   -n COUNT   files delivered (default 2000)
#   -s KIB     size of each file in KiB (default 64)
#   --dir DIR  scratch folder (default $TMPDIR or /tmp)
#
# It builds nothing: it runs CARBONATION, else $CARB, else ./carbonation.
# Use a release build for figures (configure CFLAGS="-O2 -g").
#
# Both runs: SQLite catalogs, watch "in" with settle = "0s", [service]
# workers = 2.  The files are written outside the watch and synced, then
# moved in at once; the time is from the move until the sender's catalog
# has every component ARCHIVED (polled every 0.2 s).  The receiver's
# watch has the default settle = "5s", so it answers each upload at once
# (docs/http-destination.md, "The receiver's settle time").  The load
# average is printed: on a shared machine, the figures are worth what it
# was.
set -u

count=2000
kib=64
dir=${TMPDIR:-/tmp}
CARB=${CARB:-./carbonation}
while [ $# -gt 0 ]; do
	case $1 in
	-n) count=${2:?-n needs a number}; shift 2 ;;
	-s) kib=${2:?-s needs a size in KiB}; shift 2 ;;
	--dir) dir=${2:?--dir needs a folder}; shift 2 ;;
	-h | --help) sed -n '2,/^set -u/p' "$0" | sed -e '/^set -u/d' -e 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "bench-transport.sh: unknown option \"$1\"" >&2; exit 2 ;;
	*) CARB=$1; shift ;;
	esac
done
case $CARB in /*) ;; *) CARB=$(pwd)/$CARB ;; esac
[ -x "$CARB" ] || { echo "bench-transport.sh: no program at $CARB" >&2; exit 2; }

W=$(mktemp -d "$dir/carb-bench-transport.XXXXXX") || exit 1
# The services' pids, in a file: run() starts one inside a command
# substitution, whose variables the script never sees.
cleanup() {
	if [ -f "$W/pids" ]; then
		while read -r p; do kill "$p" 2>/dev/null; done <"$W/pids"
	fi
	wait 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# project NAME EXTRA [RULES [SETTLE]]: config.toml with watch "in" (its
# settle SETTLE, default 0s) and EXTRA appended.
project() {
	mkdir -p "$W/$1/in" "$W/$1/archive" "$W/$1/stage"
	printf '[service]\nworkers = 2\n\n[[watch]]\nname = "in"\npath = "in"\nsettle = "%s"\n\n[archive]\nbase_path = "archive"\n%s\n' \
		"${4:-0s}" "$2" >"$W/$1/config.toml"
	printf '[integrity]\nmin_size = 1\n%s\n' "${3:-}" >"$W/$1/rules.toml"
	"$CARB" -c "$W/$1/config.toml" db init >/dev/null || exit 1
}

# stage NAME: COUNT files of KIB KiB, written beside the watch and synced.
stage() {
	i=1
	while [ "$i" -le "$count" ]; do
		head -c $((kib * 1024)) /dev/urandom >"$W/$1/stage/f$i.dat"
		i=$((i + 1))
	done
	sync
}

archived() {
	sqlite3 "$W/$1/carbonation.db" "SELECT COUNT(*) FROM components WHERE status = 'ARCHIVED'" 2>/dev/null
}

# run NAME: starts the service, moves the files in, waits; prints seconds.
run() {
	"$CARB" -c "$W/$1/config.toml" run >"$W/$1.log" 2>&1 &
	echo "$!" >>"$W/pids"
	sleep 1
	t0=$(date +%s%N)
	mv "$W/$1/stage/"* "$W/$1/in/"
	n=0
	while [ "$(archived "$1")" != "$count" ]; do
		n=$((n + 1))
		if [ "$n" -gt 3000 ]; then
			echo "bench-transport.sh: $1: $(archived "$1") of $count archived after 600 s" >&2
			exit 1
		fi
		sleep 0.2
	done
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000))
}

figures() {
	awk -v ms="$2" -v n="$count" -v kib="$kib" -v what="$1" 'BEGIN {
		s = ms / 1000
		printf "%-34s %8.2f s %9.0f files/s %8.1f MiB/s\n", what, s, n / s, n * kib / 1024 / s
	}'
}

echo "$count files of $kib KiB; load average: $(cut -d' ' -f1-3 /proc/loadavg)"

project loc ''
stage loc
local_ms=$(run loc) || exit 1
figures "local folder (copy)" "$local_ms"

printf 'bench-token\n' >"$W/token"
project recv "
[http]
listen = \"127.0.0.1:$port\"
token_file = \"$W/token\"
upload_watches = [\"in\"]" '' 5s
"$CARB" -c "$W/recv/config.toml" run >"$W/recv.log" 2>&1 &
echo "$!" >>"$W/pids"
project send "
[archive.destinations.remote]
url = \"http://127.0.0.1:$port/upload/in/{name}\"
token_file = \"$W/token\"" '
[routing]
default = "remote"'
stage send
sleep 1
send_ms=$(run send) || exit 1
figures "http destination (loopback PUT)" "$send_ms"
awk -v a="$local_ms" -v b="$send_ms" 'BEGIN { printf "http / local time: %.2f\n", b / a }'
got=$(find "$W/recv/in" -type f -name "f*.dat" | wc -l)
echo "files at the receiver: $got; load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
