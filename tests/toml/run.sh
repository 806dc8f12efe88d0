#!/bin/sh
# The toml-test suite's TOML 1.0 cases through tests/toml-decoder.
#
# Valid cases must decode to the expected JSON (compared by compare.py);
# invalid cases must be refused with exit status 1 and a "line:col:
# message" error.  A crash, a sanitizer report or a hang fails a case of
# either kind.  One line per failing case, then "# cases: P passed, F
# failed".
#
# The cases come from Debian's golang-github-burntsushi-toml-dev (installed
# by contrib/deps.sh --tests); TOML_TEST_DIR points elsewhere.  A missing
# suite is a failure: a quiet skip would pass a broken CI.
set -u
. "$top_srcdir/tests/lib/common.sh"
t_setup

cases=${TOML_TEST_DIR:-/usr/share/gocode/src/github.com/BurntSushi/toml/internal/toml-test/tests}
decoder="$top_builddir/tests/toml-decoder"
compare="$top_srcdir/tests/toml/compare.py"

# Cases that are not TOML 1.0, as the suite's own version table says
# (internal/toml-test/version.go, versions["1.0.0"].exclude):
#   valid/string/escape-esc    \e is a TOML 1.1 escape
excluded="valid/string/escape-esc"

if command -v timeout >/dev/null 2>&1; then
	limit="timeout 20"
else
	limit=""
fi

passed=0
failed=0

fail() {
	failed=$((failed + 1))
	echo "not ok - $1"
}

is_excluded() {
	for x in $excluded; do
		[ "$x" = "$1" ] && return 0
	done
	return 1
}

# First line of the decoder's stderr, for the failure message.
first_err() {
	head -n 1 "$T/err" | cut -c 1-200
}

# A sanitizer exits with 1 by default, which an invalid case would take
# for a refusal; its report is what gives it away.
sanitizer_report() {
	grep -qE 'Sanitizer|runtime error:' "$T/err"
}

# Runs the decoder on $1; sets $status, output in $2, stderr in $T/err.
decode() {
	status=0
	# shellcheck disable=SC2086 # $limit is a command prefix or nothing
	$limit "$decoder" <"$1" >"$2" 2>"$T/err" || status=$?
}

for d in "$cases/valid" "$cases/invalid"; do
	if [ ! -d "$d" ]; then
		fail "toml-test cases missing: $d (install golang-github-burntsushi-toml-dev)"
		echo "# cases: $passed passed, $failed failed"
		exit 1
	fi
done
if [ ! -x "$decoder" ]; then
	fail "decoder missing: $decoder"
	echo "# cases: $passed passed, $failed failed"
	exit 1
fi

(cd "$cases" && find valid invalid -type f -name '*.toml') | sort >"$T/list"
mkdir "$T/out"
: >"$T/manifest"
compared=0

while IFS= read -r f; do
	name=${f%.toml}
	is_excluded "$name" && continue
	out="$T/out/$(echo "$name" | tr / _).json"
	decode "$cases/$f" "$out"
	case $name in
	valid/*)
		if [ "$status" -ne 0 ]; then
			fail "$name: refused (exit $status): $(first_err)"
		elif sanitizer_report; then
			fail "$name: sanitizer report: $(first_err)"
		elif [ ! -f "$cases/$name.json" ]; then
			fail "$name: expected output $name.json missing"
		else
			printf '%s\t%s\t%s\n' "$name" "$cases/$name.json" "$out" \
				>>"$T/manifest"
			compared=$((compared + 1))
		fi
		;;
	*)
		if [ "$status" -eq 0 ]; then
			fail "$name: accepted: $(head -c 200 "$out")"
		elif sanitizer_report; then
			fail "$name: sanitizer report: $(grep -m 1 -E 'Sanitizer|runtime error:' "$T/err")"
		elif [ "$status" -ne 1 ]; then
			fail "$name: exit $status, expected 1: $(first_err)"
		elif ! head -n 1 "$T/err" | grep -qE '^[1-9][0-9]*:[1-9][0-9]*: [^ ]'; then
			fail "$name: error lacks \"line:col: message\": $(first_err)"
		else
			passed=$((passed + 1))
		fi
		;;
	esac
done <"$T/list"

if [ "$compared" -gt 0 ]; then
	python3 "$compare" "$T/manifest" >"$T/compare" 2>&1
	grep -v '^# compared: ' "$T/compare"
	mismatched=$(sed -n 's/^# compared: [0-9]*, \([0-9]*\) differ$/\1/p' "$T/compare")
	# Without its summary line compare.py itself broke (no python3, a
	# traceback): none of the valid cases counts as passed.
	if [ -z "$mismatched" ]; then
		echo "not ok - compare.py did not finish"
		mismatched=$compared
	fi
	passed=$((passed + compared - mismatched))
	failed=$((failed + mismatched))
fi

echo "# cases: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
