#!/bin/sh
# The metrics exposition (issue 15, GET /metrics) passes `promtool check
# metrics` with no output at all: a registry with every family filled in
# and label values holding a quote, a backslash, a newline and bytes that
# are not UTF-8 (tests/metrics-render).  Without promtool the test is
# skipped, except in CI, where a missing tool is a failure.
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

t_run "$top_builddir/tests/metrics-render"
t_expect_status 0 "metrics-render renders a registry"
cp "$T/out" "$T/scrape"
# promtool accepts an empty input: the scrape must hold every family.
t_run grep -c '^# TYPE carbonation_' "$T/scrape"
t_expect_out 17 "the scrape describes the 17 metrics"

t_run sh -c 'promtool check metrics <"$1"' sh "$T/scrape"
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
t_done
