#!/bin/sh
# Prints the logs of failed tests and one line for the whole suite:
#   N passed, N failed, N skipped
# Counts are test cases: Check programs report their own counts in their
# logs ("Checks: 12, Failures: 0, Errors: 0"); a script test reports
# "# cases: P passed, F failed" when it has several, else counts as one.
set -eu

builddir=${1:-.}
passed=0
failed=0
skipped=0
failed_logs=""

for trs in $(find "$builddir/tests" -name '*.trs' | sort); do
	log=${trs%.trs}.log
	result=$(sed -n 's/^:test-result: //p' "$trs" | head -n 1)
	checks=$(sed -n 's/.*Checks: \([0-9]*\), Failures: \([0-9]*\), Errors: \([0-9]*\).*/\1 \2 \3/p' "$log" |
		awk '{ n += $1; f += $2; e += $3 } END { if (NR) print n, f, e }')
	cases=$(sed -n 's/^# cases: \([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/p' "$log" | tail -n 1)
	if [ "$result" = "FAIL" ] || [ "$result" = "ERROR" ] || [ "$result" = "XPASS" ]; then
		failed_logs="$failed_logs $log"
	fi
	if [ -n "$checks" ]; then
		# shellcheck disable=SC2086 # split the three counts
		set -- $checks
		passed=$((passed + $1 - $2 - $3))
		failed=$((failed + $2 + $3))
		# A Check program that crashed after its summary still failed.
		if [ "$result" != "PASS" ] && [ $(($2 + $3)) -eq 0 ]; then
			failed=$((failed + 1))
		fi
	elif [ -n "$cases" ]; then
		# shellcheck disable=SC2086 # split the two counts
		set -- $cases
		passed=$((passed + $1))
		failed=$((failed + $2))
		if [ "$result" != "PASS" ] && [ "$result" != "SKIP" ] && [ "$2" -eq 0 ]; then
			failed=$((failed + 1))
		fi
	else
		case $result in
		PASS|XFAIL) passed=$((passed + 1)) ;;
		SKIP) skipped=$((skipped + 1)) ;;
		*) failed=$((failed + 1)) ;;
		esac
	fi
done

for log in $failed_logs; do
	echo "===== $log"
	cat "$log"
done

if [ $((passed + failed + skipped)) -eq 0 ]; then
	echo "summary.sh: no test results under $builddir/tests" >&2
	failed=1
fi
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
