#!/bin/sh
# The whole test suite on a fresh Debian 12 machine: installs what the tests
# need, builds with -Werror under AddressSanitizer and UBSan, runs
# `make check` in build/test, prints the logs of whatever failed and one
# summary line.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

contrib/deps.sh --tests
# Its own build folder, so that demo.sh's objects (build/demo, without
# sanitizers) are never taken for these.
build="$top/build/test"
contrib/build.sh "$build" --enable-werror --enable-sanitizers CFLAGS="-g -O1"
cd "$build"

status=0
make -j"$(nproc)" check >build-check.log 2>&1 || status=$?
# A check program that failed to build leaves no test log to show.
if [ "$status" -ne 0 ]; then
	grep -E 'error:|Error [0-9]' build-check.log | head -n 40 || true
fi
sh "$top/tests/summary.sh" . || status=1
exit "$status"
