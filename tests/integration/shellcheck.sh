#!/bin/sh
# Every shell script of the project passes shellcheck: tests, test
# libraries and contrib scripts.
set -u
. "$top_srcdir/tests/lib/common.sh"
t_setup

cd "$top_srcdir" || exit 1
for f in $(find tests contrib scaffold .ci -type f \( -name '*.sh' -o -path '.ci/run' \) 2>/dev/null | sort); do
	t_run shellcheck -x "$f"
	t_expect_status 0 "shellcheck $f"
done
t_done
