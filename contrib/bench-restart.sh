#!/bin/sh
# Restart-loop benchmark: how far `carbonation run` gets when it is killed
# a second after every start (a crashing plugin, an OOM loop, a bad node).
# Prints figures; never fails because of them.
#
#   contrib/bench-restart.sh [options] [CARBONATION]
#
#   --files N       files delivered before the first start (default 2000)
#   --size BYTES    bytes per file (default 4096)
#   --starts N      starts, each killed with SIGKILL (default 20)
#   --kill-after S  seconds from "service started" in the log to the
#                   SIGKILL (default 1; a decimal is fine)
#   --url URL       a catalog to use instead of a new SQLite file: an
#                   empty PostgreSQL or MariaDB database ([database] url
#                   syntax, without the password)
#   --password-file FILE   that database's password, for --url
#   --dir DIR       scratch folder (default $TMPDIR or /tmp)
#
# It builds nothing: it runs CARBONATION, else $CARB, else ./carbonation
# (the top of a build tree).  A build with --enable-sanitizers starts and
# copies several times slower than a release build (./configure
# CFLAGS="-O2 -g"); say which one the figures come from.
#
# One project (one watch with settle = "0s", [service] workers = 2, copy
# mode, destination "{watch}", no required extensions) gets N files of
# SIZE bytes, each different, in its watch folder.  Then `carbonation
# run` is started again and again; the clock starts when the service
# logs that it started (after the catalog is open and the watch is set,
# so a slow start under a sanitizer is not counted), and SIGKILL comes
# --kill-after seconds later.  After each start the ARCHIVED components
# are counted with `carbonation query components --count`.  Printed: one
# row per start (ARCHIVED so far, how many this start added), then the
# starts that moved work forward, ARCHIVED after all starts, the first
# start after which every file was ARCHIVED, and the files lost: a file
# neither in the watch folder nor in the archive with the same content.
set -u

usage() {
	sed -n '2,/^set -u/p' "$0" | sed -e '/^set -u/d' -e 's/^# \{0,1\}//'
	exit "$1"
}

files=2000
size=4096
starts=20
kill_after=1
url=
pwfile=
dir=${TMPDIR:-/tmp}
CARB=${CARB:-./carbonation}
while [ $# -gt 0 ]; do
	case $1 in
	--files) files=${2:?--files needs a number}; shift 2 ;;
	--size) size=${2:?--size needs a number}; shift 2 ;;
	--starts) starts=${2:?--starts needs a number}; shift 2 ;;
	--kill-after) kill_after=${2:?--kill-after needs seconds}; shift 2 ;;
	--url) url=${2:?--url needs a URL}; shift 2 ;;
	--password-file) pwfile=${2:?--password-file needs a file}; shift 2 ;;
	--dir) dir=${2:?--dir needs a folder}; shift 2 ;;
	-h | --help) usage 0 ;;
	-*) echo "bench-restart.sh: unknown option \"$1\"" >&2; usage 2 >&2 ;;
	*) CARB=$1; shift ;;
	esac
done
case $files$size$starts in
*[!0-9]*)
	echo "bench-restart.sh: --files, --size and --starts take whole numbers" >&2
	exit 2
	;;
esac
if [ ! -x "$CARB" ]; then
	echo "bench-restart.sh: $CARB not found; build first (see --help)" >&2
	exit 2
fi
CARB=$(cd "$(dirname "$CARB")" && pwd)/$(basename "$CARB")
if [ -n "$pwfile" ]; then
	pwfile=$(cd "$(dirname "$pwfile")" && pwd)/$(basename "$pwfile")
fi
command -v python3 >/dev/null 2>&1 || {
	echo "bench-restart.sh: python3 is needed" >&2
	exit 2
}

B=$(mktemp -d "$dir/carb-bench-restart.XXXXXX") || exit 1
pid=
cleanup() {
	if [ -n "$pid" ]; then
		kill -KILL "$pid" 2>/dev/null
	fi
	rm -rf "$B"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

P=$B/project
mkdir -p "$P/in" "$P/archive"
{
	printf '[database]\nurl = "%s"\n' "${url:-sqlite:bench.db}"
	if [ -n "$pwfile" ]; then
		printf 'password_file = "%s"\n' "$pwfile"
	fi
	printf '\n[service]\nworkers = 2\n'
	printf '\n[archive]\nbase_path = "archive"\ndestination = "{watch}"\n'
	printf '\n[[watch]]\nname = "in"\npath = "in"\nsettle = "0s"\n'
} >"$P/config.toml"
printf '[completeness]\nrequired = []\n' >"$P/rules.toml"
if ! "$CARB" -c "$P/config.toml" db init >"$P/init.log" 2>&1; then
	echo "bench-restart.sh: db init failed:" >&2
	cat "$P/init.log" >&2
	exit 1
fi
python3 - "$P/in" "$files" "$size" "$B/expected" <<'EOF'
import hashlib, os, sys
folder, count, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
body = os.urandom(max(size, 16))
with open(sys.argv[4], "w") as out:
    for i in range(count):
        data = (("%015d\n" % i).encode() + body[16:])[:size]
        name = "f%07d.dat" % i
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)
        out.write("%s %s\n" % (name, hashlib.sha256(data).hexdigest()))
EOF
sync

archived() {
	"$CARB" -c "$P/config.toml" query components --status ARCHIVED \
		--count 2>/dev/null || echo "?"
}

echo "bench-restart: $files files of $size bytes; $starts starts, each" \
	"killed ${kill_after}s after \"service started\"; catalog ${url:-SQLite}"
printf '%6s %9s %6s\n' start archived new
before=0
moved=0
all_at=
s=1
while [ "$s" -le "$starts" ]; do
	echo "# start $s" >>"$P/service.log"
	"$CARB" -c "$P/config.toml" run >>"$P/service.log" 2>&1 &
	pid=$!
	n=0
	until [ "$(grep -c ' started: ' "$P/service.log")" -ge "$s" ]; do
		n=$((n + 1))
		if ! kill -0 "$pid" 2>/dev/null || [ "$n" -gt 3000 ]; then
			echo "bench-restart.sh: start $s: the service did not start:" >&2
			tail -n 20 "$P/service.log" >&2
			exit 1
		fi
		sleep 0.02
	done
	sleep "$kill_after"
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	pid=
	now=$(archived)
	case $now in *[!0-9]* | '') now=$before ;; esac
	printf '%6d %9d %6d\n' "$s" "$now" $((now - before))
	[ "$now" -le "$before" ] || moved=$((moved + 1))
	if [ -z "$all_at" ] && [ "$now" -ge "$files" ]; then
		all_at=$s
	fi
	before=$now
	s=$((s + 1))
done

lost=$(python3 - "$P/in" "$P/archive/in" "$B/expected" <<'EOF'
import hashlib, os, sys
watch, archive = sys.argv[1], sys.argv[2]
lost = 0
for line in open(sys.argv[3]):
    name, digest = line.split()
    ok = False
    for folder in (watch, archive):
        try:
            with open(os.path.join(folder, name), "rb") as f:
                ok = ok or hashlib.sha256(f.read()).hexdigest() == digest
        except FileNotFoundError:
            pass
    lost += not ok
print(lost)
EOF
)
echo "starts that moved work forward: $moved of $starts"
echo "ARCHIVED after $starts starts: $before of $files"
echo "every file ARCHIVED after start: ${all_at:-never}"
echo "files lost: $lost"
