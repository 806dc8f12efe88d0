#!/bin/sh
# GET /metrics of a running service on SQLite, scraped every 0.2 s while
# 300 files are delivered in a burst: every scrape passes `promtool check
# metrics` with no output, counters and histogram counts never go down
# from one scrape to the next, and at the end the counters say what the
# catalog says.
set -u
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/catalog.sh"
. "$top_srcdir/tests/lib/http.sh"
. "$top_srcdir/tests/integration/intake-cases.sh"
. "$top_srcdir/tests/integration/archive-cases.sh"
t_setup
if ! command -v promtool >/dev/null 2>&1; then
	if [ -n "${CI:-}" ]; then
		t_fail "promtool is missing (contrib/deps.sh --tests installs prometheus)"
		t_done
	fi
	echo "# SKIP: promtool is missing (apt-get install prometheus)"
	exit 77
fi
catalog_start sqlite
t_cleanup svc_cleanup
# read by a_config (archive-cases.sh)
# shellcheck disable=SC2034
ARCH_SETTLE=0s
a_project met
P=$T/met
port=$(free_port)
printf '\n[http]\nlisten = "127.0.0.1:%s"\n' "$port" >>"$P/config.toml"
svc_start met
http_wait "http://127.0.0.1:$port/health" || t_fail "the listener answers"

mkdir -p "$T/scrapes"
(
	i=0
	while [ "$i" -lt 400 ] && [ ! -e "$T/stop-scraping" ]; do
		curl -s -o "$T/scrapes/$(printf %04d "$i").txt" "http://127.0.0.1:$port/metrics"
		sleep 0.2
		i=$((i + 1))
	done
) &
scraper=$!
i=0
while [ "$i" -lt 300 ]; do
	printf 'file %s\n' "$i" >"$P/in/f$i.dat"
	i=$((i + 1))
done
wait_rows met "SELECT COUNT(*) FROM components WHERE status = 'ARCHIVED'" 300 \
	"the service archives the burst of 300 files" 60
sleep 2.5   # the gauges are refreshed about once a second
touch "$T/stop-scraping"
wait "$scraper"
curl -s -o "$T/scrapes/last.txt" "http://127.0.0.1:$port/metrics"

n=$(find "$T/scrapes" -name '*.txt' | wc -l)
bad=""
for f in "$T"/scrapes/*.txt; do
	out=$(promtool check metrics <"$f" 2>&1)
	[ -z "$out" ] || bad="$bad $(basename "$f"): $out"
done
if [ -z "$bad" ] && [ "$n" -ge 3 ]; then
	t_pass "promtool check metrics prints nothing for any of $n scrapes taken during the burst"
else
	t_fail "promtool check metrics on the scrapes:$bad"
fi

# Counters, and the _count, _sum and _bucket series of histograms, never
# go down between scrapes of one process.
if python3 - "$T/scrapes" <<'PY'; then
import glob, os, re, sys
files = sorted(glob.glob(os.path.join(sys.argv[1], "[0-9]*.txt")))
files.append(os.path.join(sys.argv[1], "last.txt"))
prev, bad = {}, []
for f in files:
    cur = {}
    for line in open(f, encoding="utf-8"):
        if line.startswith("#") or not line.strip():
            continue
        name, value = line.rsplit(" ", 1)
        base = name.split("{", 1)[0]
        if re.search(r"(_total|_count|_sum|_bucket)$", base):
            cur[name] = float(value)
    for k, v in prev.items():
        if k in cur and cur[k] < v:
            bad.append("%s: %s went from %s to %s" % (os.path.basename(f), k, v, cur[k]))
        if k not in cur:
            bad.append("%s: %s vanished" % (os.path.basename(f), k))
    prev = cur
print("\n".join("# " + b for b in bad[:10]))
sys.exit(1 if bad else 0)
PY
	t_pass "counters and histogram counts only grow from scrape to scrape"
else
	t_fail "counters and histogram counts only grow from scrape to scrape"
fi

last=$T/scrapes/last.txt
expect_metric() {
	if grep -qxF "$1" "$last"; then
		t_pass "$2"
	else
		t_fail "$2 (no line \"$1\")"
		grep "${1%% *}" "$last" | head -5 | sed 's/^/# /'
	fi
}
expect_metric 'carbonation_archived_files_total{destination="default"} 300' \
	"archived files per destination: the 300 the catalog holds"
expect_metric 'carbonation_components{status="ARCHIVED"} 300' \
	"components by status: 300 ARCHIVED"
expect_metric 'carbonation_queue_depth{queue="archive"} 0' \
	"queue depths: the archive queue empty at the end"
if grep -q '^carbonation_build_info{version="[^"]*",backend="sqlite"} 1$' "$last"; then
	t_pass "build info names the version and the catalog backend"
else
	t_fail "build info names the version and the catalog backend"
fi
if grep -q '^carbonation_transitions_total{status="ARCHIVED"} 300$' "$last"; then
	t_pass "transitions by status: 300 to ARCHIVED"
else
	t_fail "transitions by status: 300 to ARCHIVED"
	grep transitions_total "$last" | sed 's/^/# /'
fi
if grep -q '^carbonation_catalog_transaction_duration_seconds_count [1-9]' "$last" &&
	grep -q '^carbonation_archive_duration_seconds_count{destination="default"} [1-9]' "$last"; then
	t_pass "the transaction and archive duration histograms have observations"
else
	t_fail "the transaction and archive duration histograms have observations"
fi
svc_stop met
t_done
