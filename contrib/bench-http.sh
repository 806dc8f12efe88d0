#!/bin/sh
# HTTP load benchmark: what 50 clients hammering /metrics and /api/files
# cost `carbonation run` while it archives a burst of deliveries, and how
# fast the listener answers them.  Prints figures; fails only when the
# setup fails or a request fails (not 200, or the connection broke).
#
#   contrib/bench-http.sh [options] [CARBONATION]
#
#   -n COUNT        files delivered (default 10000), 4 KiB each
#   --clients N     concurrent clients (default 50)
#   --duration S    seconds of load, at least (default 30)
#   --rate R        requests per second per client (default 0: no pause,
#                   the next request as soon as the answer is read)
#   --procs P       client processes the clients are spread over
#                   (default 1; Python threads share one interpreter lock)
#   --no-steady     skip scenario C (load without delivery)
#   --dir DIR       scratch folder (default $TMPDIR or /tmp)
#
# It builds nothing: it runs CARBONATION, else $CARB, else ./carbonation
# (the top of a build tree).  Use a release build for figures, e.g.
#   mkdir build-rel && cd build-rel && ../configure CFLAGS="-O2 -g" &&
#   make -j2 && ../contrib/bench-http.sh
#
# Every scenario uses a fresh project: SQLite catalog, one watch with
# settle = "0s", [service] workers = 2, archive mode copy, destination
# "{watch}", no required extensions.  COUNT files are written outside the
# watch on the same filesystem and synced beforehand, then renamed in one
# by one, as fast as a python3 loop can.
#
#   A  HTTP off: the time from the first rename until the last file is
#      ARCHIVED (the catalog's archived_at; the catalog is polled with
#      sqlite3 every 0.2 s), files/s over it.
#   B  [http] listen on a loopback port, with a token_file: the same
#      delivery while the clients run, each on its own keep-alive
#      connection (http.client), one request after another with no pause:
#      half of them GET /metrics, half GET /api/files?limit=100 with the
#      token.  The load starts 1 s before the first rename and lasts
#      --duration seconds, longer if the archiving is not over (until 1 s
#      after it is).  Reported: files/s beside A's (B / A), requests/s,
#      latency p50/p95/p99/max per endpoint over the whole load and over
#      the archiving alone, errors.
#   C  the same service once B is over (COUNT files in its catalog),
#      the same load for --duration seconds with no delivery: the
#      steady-state latencies.
#
# Latency is measured by the client: from sending the request to having
# read the whole answer, so it includes the client's own waits (the
# interpreter lock, a CPU shared with the service).  The listener is
# libmicrohttpd with a thread per connection: 50 clients are 50 threads in
# the service, each API request borrowing a catalog connection from a
# pool of 8 (opening another when the pool is empty).  The load average
# is printed: on a shared machine, the figures are worth what it was.
set -u

usage() {
	sed -n '2,/^set -u/p' "$0" | sed -e '/^set -u/d' -e 's/^# \{0,1\}//'
	exit "$1"
}

count=10000
clients=50
duration=30
procs=1
rate=0
steady=1
dir=${TMPDIR:-/tmp}
CARB=${CARB:-./carbonation}
while [ $# -gt 0 ]; do
	case $1 in
	-n) count=${2:?-n needs a number}; shift 2 ;;
	--clients) clients=${2:?--clients needs a number}; shift 2 ;;
	--duration) duration=${2:?--duration needs seconds}; shift 2 ;;
	--procs) procs=${2:?--procs needs a number}; shift 2 ;;
	--rate) rate=${2:?--rate needs a number}; shift 2 ;;
	--no-steady) steady=0; shift ;;
	--dir) dir=${2:?--dir needs a folder}; shift 2 ;;
	-h | --help) usage 0 ;;
	-*) echo "bench-http.sh: unknown option \"$1\"" >&2; usage 2 >&2 ;;
	*) CARB=$1; shift ;;
	esac
done
case $count$clients$duration$procs$rate in
*[!0-9]*)
	echo "bench-http.sh: -n, --clients, --duration, --procs and --rate take whole numbers" >&2
	exit 2
	;;
esac
if [ "$clients" -lt 2 ] || [ "$procs" -lt 1 ] || [ "$count" -lt 1 ]; then
	echo "bench-http.sh: at least 2 clients, 1 process and 1 file" >&2
	exit 2
fi

if [ ! -x "$CARB" ]; then
	echo "bench-http.sh: $CARB not found; build first (see --help)" \
		"and run this from the top of the build tree, or name the binary" >&2
	exit 2
fi
CARB=$(cd "$(dirname "$CARB")" && pwd)/$(basename "$CARB")
for tool in python3 sqlite3; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "bench-http.sh: $tool is needed" >&2
		exit 2
	fi
done

B=$(mktemp -d "$dir/carb-bench-http.XXXXXX") || exit 1
pid=
loader=
cleanup() {
	if [ -n "$loader" ]; then
		kill -TERM "$loader" 2>/dev/null
	fi
	if [ -n "$pid" ]; then
		kill -KILL "$pid" 2>/dev/null
	fi
	rm -rf "$B"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() {
	echo "bench-http.sh: $*" >&2
	exit 1
}

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
		printf -- '-'
	fi
}

loadavg() {
	cut -d' ' -f1-3 /proc/loadavg
}

# The load generator: python3 load.py HOST PORT TOKEN_FILE CLIENTS PROCS
# MIN_SECONDS STOP_FILE OUT RATE.  Runs at least MIN_SECONDS, then until
# STOP_FILE exists (at most 30 minutes).  Writes one line per request to
# OUT: "endpoint start_us latency_us status bytes" (status 0: an
# exception, its text after it).
cat >"$B/load.py" <<'EOF'
import http.client, os, random, sys, threading, time

host, port, token_file = sys.argv[1], int(sys.argv[2]), sys.argv[3]
clients, procs = int(sys.argv[4]), int(sys.argv[5])
min_s, stop_file, out = float(sys.argv[6]), sys.argv[7], sys.argv[8]
rate = float(sys.argv[9])
with open(token_file) as f:
    token = f.read().strip()
PATHS = {"metrics": ("/metrics", {}),
         "files": ("/api/files?limit=100",
                   {"Authorization": "Bearer " + token})}


def client(kind, until, rows):
    path, headers = PATHS[kind]
    conn = None
    # Paced clients start spread over one period, not all at once.
    due = time.time() + (random.random() / rate if rate > 0 else 0)
    while True:
        if rate > 0:
            # On a schedule, not after the answer: a slow answer does not
            # lower the rate asked (the next requests are just late).
            due += 1.0 / rate
            pause = due - time.time()
            if pause > 0:
                time.sleep(pause)
        t0 = time.time()
        if t0 >= until[0]:
            break
        try:
            if conn is None:
                conn = http.client.HTTPConnection(host, port, timeout=30)
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            size = len(resp.read())
            status = resp.status
            if resp.will_close:
                conn.close()
                conn = None
            rows.append((kind, t0, time.time() - t0, status, size, ""))
        except Exception as e:  # an error to count, then a new connection
            rows.append((kind, t0, time.time() - t0, 0, 0,
                         type(e).__name__ + ": " + str(e)))
            if conn is not None:
                conn.close()
            conn = None
    if conn is not None:
        conn.close()


def run(mine, start, outfile):
    until = [float("inf")]
    rows = []
    threads = [threading.Thread(target=client, args=(k, until, rows))
               for k in mine]
    for t in threads:
        t.start()
    while True:
        time.sleep(0.1)
        now = time.time()
        if now - start >= 1800 or (now - start >= min_s
                                   and os.path.exists(stop_file)):
            until[0] = now
            break
    for t in threads:
        t.join()
    with open(outfile, "w") as f:
        for kind, t0, lat, status, size, err in rows:
            f.write("%s %d %d %d %d %s\n" % (kind, t0 * 1e6, lat * 1e6,
                                             status, size,
                                             err.replace("\n", " ")))


kinds = ["metrics" if i % 2 == 0 else "files" for i in range(clients)]
start = time.time()
children = []
for p in range(procs):
    mine = kinds[p::procs]
    if not mine:
        continue
    child = os.fork()
    if child == 0:
        try:
            run(mine, start, "%s.%d" % (out, p))
        finally:
            os._exit(0)
    children.append(child)
for child in children:
    os.waitpid(child, 0)
with open(out, "w") as f:
    for p in range(procs):
        try:
            with open("%s.%d" % (out, p)) as part:
                f.write(part.read())
            os.remove("%s.%d" % (out, p))
        except FileNotFoundError:
            pass
EOF

# The summary: python3 summary.py OUT [FROM_US TO_US]: per endpoint,
# requests, requests/s and latencies of the requests started within
# [FROM_US, TO_US] (all of them without).  Exits 1 when any failed.
cat >"$B/summary.py" <<'EOF'
import sys

rows = []
with open(sys.argv[1]) as f:
    for line in f:
        kind, t0, lat, status, size, *err = line.rstrip("\n").split(" ", 5)
        rows.append((kind, int(t0), int(lat), int(status), " ".join(err),
                     int(size)))
if len(sys.argv) > 3:
    lo, hi = int(sys.argv[2]), int(sys.argv[3])
    rows = [r for r in rows if lo <= r[1] <= hi]
if not rows:
    print("  no requests")
    sys.exit(0)
first = min(r[1] for r in rows)
last = max(r[1] + r[2] for r in rows)
span = max(last - first, 1) / 1e6


def pct(sorted_lats, p):
    i = max(0, -(-len(sorted_lats) * p // 100) - 1)
    return sorted_lats[int(i)] / 1000.0


print("  %-16s %8s %7s %8s %7s %7s %7s %7s %6s"
      % ("endpoint", "requests", "req/s", "KiB/ans", "p50 ms", "p95 ms",
         "p99 ms", "max ms", "errors"))
bad = 0
for kind, label in (("metrics", "GET /metrics"),
                    ("files", "GET /api/files"), (None, "all")):
    sel = [r for r in rows if kind is None or r[0] == kind]
    if not sel:
        continue
    lats = sorted(r[2] for r in sel)
    errs = sum(1 for r in sel if r[3] != 200)
    if kind is not None:
        bad += errs
    ok = [r[5] for r in sel if r[3] == 200]
    print("  %-16s %8d %7.0f %8.1f %7.1f %7.1f %7.1f %7.1f %6d"
          % (label, len(sel), len(sel) / span,
             sum(ok) / len(ok) / 1024.0 if ok else 0.0,
             pct(lats, 50), pct(lats, 95), pct(lats, 99),
             lats[-1] / 1000.0, errs))
print("  over %.1f s" % span)
if bad:
    seen = {}
    for r in rows:
        if r[3] != 200:
            key = "%s %s %s" % (r[0], r[3], r[4])
            seen[key] = seen.get(key, 0) + 1
    for key, n in sorted(seen.items(), key=lambda kv: -kv[1])[:10]:
        print("  ERROR x%d: %s" % (n, key))
    sys.exit(1)
EOF

if [ "$rate" -gt 0 ]; then
	pacing="$rate request(s)/s each"
else
	pacing="no pause"
fi
echo "carbonation: $CARB"
if command -v ldd >/dev/null 2>&1 && ldd "$CARB" 2>/dev/null | grep -q 'libasan'; then
	echo "  (built with AddressSanitizer: expect figures well below a release build)"
fi
echo "date:        $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "scratch:     $B ($(df -PT "$B" | awk 'NR == 2 { print $2 }'))"
echo "machine:     $(nproc) CPUs; load average before the run $(loadavg)"
echo "             (during B and C the clients' and the service's threads count in it)"
echo "service:     SQLite, settle 0s, 2 workers, copy; $count files of 4 KiB"
echo "clients:     $clients (half /metrics, half /api/files?limit=100)," \
	"keep-alive, $pacing, in $procs python3 process(es)"
echo

# The files, once: renamed from a hard-linked copy per scenario.
python3 - "$B/gen" "$count" 4096 <<'EOF' || die "could not write the files"
import os, sys
folder, count, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.makedirs(folder)
body = os.urandom(size)
for i in range(count):
    with open(os.path.join(folder, "f%07d.dat" % i), "wb") as f:
        f.write(("%015d\n" % i).encode() + body[16:])
EOF
sync

port=$(python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])') || die "no free port"
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$B/token"
echo >>"$B/token"

# project NAME HTTP: a fresh project in $B/NAME, the listener on when
# HTTP is 1; the service started, $pid its process.
project() {
	P=$B/$1
	mkdir -p "$P/in" "$P/archive"
	{
		printf '[database]\nurl = "sqlite:bench.db"\n'
		printf '\n[service]\nworkers = 2\n'
		printf '\n[archive]\nbase_path = "archive"\ndestination = "{watch}"\nmode = "copy"\n'
		printf '\n[[watch]]\nname = "bench"\npath = "in"\nsettle = "0s"\n'
		if [ "$2" = 1 ]; then
			printf '\n[http]\nlisten = "127.0.0.1:%s"\ntoken_file = "%s"\n' \
				"$port" "$B/token"
		fi
	} >"$P/config.toml"
	printf '[integrity]\nmin_size = 1\nchecksum = "auto"\n\n[completeness]\nrequired = []\n' \
		>"$P/rules.toml"
	"$CARB" -c "$P/config.toml" db init >"$P/init.log" 2>&1 ||
		die "db init failed: $(cat "$P/init.log")"
	cp -al "$B/gen" "$P/stage"
	sync
	"$CARB" -c "$P/config.toml" run >"$P/service.log" 2>&1 &
	pid=$!
	n=0
	until grep -q ' started: ' "$P/service.log" 2>/dev/null; do
		n=$((n + 1))
		if ! kill -0 "$pid" 2>/dev/null || [ "$n" -gt 300 ]; then
			die "the service did not start: $(cat "$P/service.log")"
		fi
		sleep 0.1
	done
	if [ "$2" = 1 ]; then
		python3 - "$port" <<'EOF' || die "GET /health never answered 200: $(tail -n 5 "$P/service.log")"
import http.client, sys, time
for _ in range(100):
    try:
        c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=2)
        c.request("GET", "/health")
        if c.getresponse().status == 200:
            sys.exit(0)
    except OSError:
        pass
    time.sleep(0.1)
sys.exit(1)
EOF
	fi
}

# deliver: renames the staged files into the watch; sets first and last
# (microseconds) of the renames.
deliver() {
	python3 - "$P/stage" "$P/in" >"$P/delivery" <<'EOF' || die "the delivery failed"
import os, sys, time
stage, watch = sys.argv[1], sys.argv[2]
names = sorted(os.listdir(stage))
sfd = os.open(stage, os.O_RDONLY | os.O_DIRECTORY)
wfd = os.open(watch, os.O_RDONLY | os.O_DIRECTORY)
first = time.time()
for name in names:
    os.rename(name, name, src_dir_fd=sfd, dst_dir_fd=wfd)
print(int(first * 1e6), int(time.time() * 1e6))
EOF
	read -r first last <"$P/delivery"
}

# wait_archived: polls the catalog every 0.2 s until COUNT are ARCHIVED;
# sets done_us (the last archived_at, empty when it stalled for 120 s),
# threads (the most threads the service had meanwhile).
wait_archived() {
	done_us=
	threads=0
	seen=-1
	stall_since=$(now_us)
	while :; do
		t=$(sed -n 's/^Threads:[[:space:]]*//p' "/proc/$pid/status" 2>/dev/null)
		[ "${t:-0}" -gt "$threads" ] && threads=$t
		got=$(sqlite3 -batch -cmd '.timeout 5000' "$P/bench.db" \
			"SELECT COUNT(*) FROM components WHERE status = 'ARCHIVED'" 2>/dev/null)
		got=${got:-0}
		if [ "$got" -ge "$count" ]; then
			done_us=$(sqlite3 -batch -cmd '.timeout 5000' "$P/bench.db" \
				"SELECT MAX(archived_at) FROM components WHERE status = 'ARCHIVED'")
			return
		fi
		kill -0 "$pid" 2>/dev/null ||
			die "the service exited early: $(tail -n 20 "$P/service.log")"
		if [ "$got" -ne "$seen" ]; then
			seen=$got
			stall_since=$(now_us)
		elif [ $(($(now_us) - stall_since)) -gt 120000000 ]; then
			echo "bench-http.sh: no progress for 120 s at $got of $count ARCHIVED" >&2
			return
		fi
		sleep 0.2
	done
}

cpu_s() {
	ticks=$(sed 's/.*) //' "/proc/$pid/stat" | awk '{print $12 + $13}')
	secs $((ticks * 1000000 / $(getconf CLK_TCK)))
}

stop_service() {
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	pid=
	[ "$rc" -eq 0 ] || echo "bench-http.sh: the service exited $rc on SIGTERM" >&2
	w=$(grep -c ' warning \| error ' "$P/service.log")
	[ "$w" -eq 0 ] || echo "  ($w warnings or errors in the service's log)"
}

# start_load NAME: the clients, in the background ($loader).
start_load() {
	rm -f "$B/stop"
	python3 "$B/load.py" 127.0.0.1 "$port" "$B/token" "$clients" "$procs" \
		"$duration" "$B/stop" "$B/$1.requests" "$rate" &
	loader=$!
}

stop_load() {
	touch "$B/stop"
	wait "$loader" || die "the load generator failed"
	loader=
}

failed=0

# A: HTTP off.
echo "A  HTTP off (load average $(loadavg))"
project a 0
deliver
wait_archived
cpu_a=$(cpu_s)
stop_service
[ -n "$done_us" ] || die "scenario A did not finish"
span_a=$((done_us - first))
[ "$span_a" -gt 0 ] || span_a=1
rate_a=$((count * 1000000 / span_a))
echo "  renames $(secs $((last - first))) s; last ARCHIVED after $(secs "$span_a") s:" \
	"$rate_a files/s; service CPU $cpu_a s"
rm -rf "$B/a"
echo

# B: HTTP on, the delivery under load.
echo "B  HTTP on, $clients clients during the delivery (load average $(loadavg))"
project b 1
start_load b
sleep 1
deliver
wait_archived
cpu_b=$(cpu_s)
sleep 1
# The clients run until --duration is over.
stop_load
load_b=$(loadavg)
rows=$(python3 - "$port" "$B/token" <<'PY'
import http.client, json, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=10)
c.request("GET", "/api/files?limit=100",
          headers={"Authorization": "Bearer " + open(sys.argv[2]).read().strip()})
r = c.getresponse()
print(len(json.loads(r.read())["rows"]) if r.status == 200 else "status %d" % r.status)
PY
)
[ -n "$done_us" ] || die "scenario B did not finish"
span_b=$((done_us - first))
[ "$span_b" -gt 0 ] || span_b=1
rate_b=$((count * 1000000 / span_b))
echo "  renames $(secs $((last - first))) s; last ARCHIVED after $(secs "$span_b") s:" \
	"$rate_b files/s; service CPU $cpu_b s (at the last ARCHIVED);" \
	"up to $threads service threads"
echo "  archiving B / A: $(ratio "$rate_b" "$rate_a") of the files/s with HTTP off"
echo "  requests during the archiving (first rename to last ARCHIVED):"
python3 "$B/summary.py" "$B/b.requests" "$first" "$done_us" || failed=1
echo "  requests over the whole load:"
python3 "$B/summary.py" "$B/b.requests" || failed=1
echo "  load average at the end: $load_b; GET /api/files?limit=100 now answers $rows rows"
echo

# C: the same service, no delivery.
if [ "$steady" = 1 ]; then
	echo "C  HTTP on, $clients clients, no delivery, $count files in the catalog" \
		"(load average $(loadavg))"
	c0=$(cpu_s)
	start_load c
	stop_load
	c1=$(cpu_s)
	python3 "$B/summary.py" "$B/c.requests" || failed=1
	echo "  service CPU during the load: $(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f", b - a }') s;" \
		"load average at the end: $(loadavg)"
	echo
fi
stop_service

echo "latency: from sending a request to having read its whole answer, on the client."
if [ "$failed" -ne 0 ]; then
	echo "bench-http.sh: some requests failed (see ERROR above)" >&2
	exit 1
fi
