#!/bin/sh
# The whole test suite on a fresh Debian 12 machine: installs what the tests
# need, builds with -Werror under AddressSanitizer and UBSan, runs
# `make check`, prints the logs of whatever failed and one summary line.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

contrib/deps.sh --tests
autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
./configure --enable-werror --enable-sanitizers CFLAGS="-g -O1" >build-configure.log 2>&1 || {
	cat build-configure.log
	exit 1
}
make -j"$(nproc)" >build-make.log 2>&1 || {
	cat build-make.log
	exit 1
}

status=0
make -j"$(nproc)" check >build-check.log 2>&1 || status=$?
# A check program that failed to build leaves no test log to show.
if [ "$status" -ne 0 ]; then
	grep -E 'error:|Error [0-9]' build-check.log | head -n 40 || true
fi
sh tests/summary.sh . || status=1
exit "$status"
