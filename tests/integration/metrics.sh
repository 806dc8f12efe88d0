#!/bin/sh
# The metrics exposition (issue 15, GET /metrics) passes `promtool check
# metrics` with no output at all: a registry with every family filled in
# and label values holding a quote, a backslash, a newline and bytes that
# are not UTF-8 (tests/metrics-render); and the registry after a real
# `run --once` on SQLite (tests/metrics-run), whose counts must be those
# of the files delivered.  Without promtool the test is skipped, except
# in CI, where a missing tool is a failure.
set -u
. "$top_srcdir/tests/lib/common.sh"
t_setup

if ! command -v promtool >/dev/null 2>&1; then
	if [ -n "${CI:-}" ] && [ "${CI:-}" != false ]; then
		echo "FAIL: promtool not found; contrib/deps.sh --tests installs prometheus" >&2
		exit 1
	fi
	echo "# promtool not found (contrib/deps.sh --tests installs prometheus)"
	exit 77
fi

# promtool reads the exposition on stdin.
# shellcheck disable=SC2317 # called through t_run
promtool_check() {
	promtool check metrics <"$1"
}

t_run "$top_builddir/tests/metrics-render"
t_expect_status 0 "metrics-render renders a registry"
cp "$T/out" "$T/scrape"
# promtool accepts an empty input: the scrape must hold every family.
# Every family the registry's table declares, however many it grows to.
families=$(grep -c '^	\[CARB_METRIC_' "$top_srcdir/src/util/metrics.c")
t_run grep -c '^# TYPE carbonation_' "$T/scrape"
t_expect_out "$families" "the scrape describes every one of the $families metrics of the registry's table"

t_run promtool_check "$T/scrape"
t_expect_status 0 "promtool check metrics accepts the exposition"
if [ -s "$T/out" ] || [ -s "$T/err" ]; then
	t_fail "promtool check metrics printed something"
	sed 's/^/  | /' "$T/scrape"
else
	t_pass "promtool check metrics prints nothing"
fi

# The escapes themselves, as the exposition format spells them.
t_run cat "$T/scrape"
t_expect_out 'watch="quo\"te"' "a quote in a label value is escaped"
t_expect_out 'watch="back\\slash"' "a backslash in a label value is escaped"
t_expect_out 'watch="new\nline"' "a newline in a label value is escaped"
t_expect_out 'watch="not utf-8 \\xff\\xfe"' "bytes that are not UTF-8 are written as the text \\xNN"
t_expect_out 'carbonation_build_info{version="1.2.3 \"dev\"",backend="sqlite"} 1' "build info"

# --- a real run: the pipeline counts into the registry -------------------
P=$T/p
mkdir -p "$P/in" "$P/archive"
cat >"$P/config.toml" <<EOT
[archive]
base_path = "archive"
destination = "{watch}"

[[watch]]
name = "in"
path = "in"
settle = "0s"
EOT
printf '[completeness]\nrequired = [".dat", ".xml"]\ntimeout = "1h"\n' >"$P/rules.toml"
"$CARB" -c "$P/config.toml" db init >/dev/null
printf 'aaaa\n' >"$P/in/a.dat"
printf '<a/>\n' >"$P/in/a.xml"
printf 'b\n' >"$P/in/b.dat"

t_run "$top_builddir/tests/metrics-run" "$P/config.toml"
t_expect_status 0 "run --once with a registry"
cp "$T/out" "$T/scrape"
t_expect_out 'carbonation_transitions_total{status="PENDING"} 3' "three components recorded"
t_expect_out 'carbonation_transitions_total{status="ARCHIVED"} 2' "two reached ARCHIVED"
t_expect_out 'carbonation_archived_files_total{destination="default"} 2' "two files archived to the default destination"
t_expect_out 'carbonation_archived_bytes_total{destination="default"} 10' "... with their 10 bytes"
t_expect_out 'carbonation_archive_duration_seconds_count{destination="default"} 1' "in one batch"
t_expect_out 'carbonation_components{status="ARCHIVED"} 2' "the gauges refreshed at the end of the run: two ARCHIVED"
t_expect_out 'carbonation_components{status="WAITING"} 1' "... and b.dat WAITING for its .xml"
t_expect_out 'carbonation_rescans_total{watch="in"} 0' "per-watch counters exist from the start"
t_expect_out 'carbonation_build_info{version="' "build info"
t_expect_out 'backend="sqlite"} 1' "... with the catalog's backend"
t_run grep '^carbonation_catalog_transaction_duration_seconds_count [1-9]' "$T/scrape"
t_expect_status 0 "committed transactions are timed"

t_run promtool_check "$T/scrape"
if [ "$t_status" -eq 0 ] && [ ! -s "$T/out" ] && [ ! -s "$T/err" ]; then
	t_pass "promtool check metrics prints nothing for a real run's registry"
else
	t_fail "promtool check metrics on a real run's registry"
fi
t_done
