# Shared helpers for the shell integration tests (sourced, POSIX sh).
#
#   . "$top_srcdir/tests/lib/common.sh"
#   t_setup                     # scratch folder in $T, removed on exit
#   t_run CMD...                # runs CMD; $t_status, $T/out, $T/err
#   t_expect_status N "what"    # one case: the last t_run exited N
#   t_expect_err "text" "what"  # one case: stderr of the last run has text
#   t_done                      # prints "# cases: P passed, F failed", exits
#
# Each t_expect_* is one test case, counted by tests/summary.sh.
# shellcheck shell=sh

: "${top_srcdir:?run through make check (top_srcdir unset)}"
: "${top_builddir:?run through make check (top_builddir unset)}"
CARB="$top_builddir/carbonation"
export CARB
t_passed=0
t_failed=0
t_cleanups=""

t_at_exit() {
	for fn in $t_cleanups; do
		"$fn" || true
	done
	if [ -n "${T:-}" ] && [ -d "$T" ]; then
		rm -rf "$T"
	fi
}

# Registers a function to run at exit (before the scratch folder goes).
t_cleanup() {
	t_cleanups="$1 $t_cleanups"
}

t_setup() {
	T=$(mktemp -d "${TMPDIR:-/tmp}/carb-test.XXXXXX")
	trap t_at_exit EXIT
	trap 'exit 130' INT TERM
}

t_run() {
	t_status=0
	"$@" >"$T/out" 2>"$T/err" || t_status=$?
}

t_pass() {
	t_passed=$((t_passed + 1))
	echo "ok - $1"
}

t_fail() {
	t_failed=$((t_failed + 1))
	echo "not ok - $1"
	if [ -f "$T/out" ]; then
		echo "  --- stdout:"
		sed 's/^/  | /' "$T/out"
	fi
	if [ -f "$T/err" ]; then
		echo "  --- stderr:"
		sed 's/^/  | /' "$T/err"
	fi
}

t_expect_status() {
	if [ "$t_status" -eq "$1" ]; then
		t_pass "$2"
	else
		t_fail "$2 (exit $t_status, expected $1)"
	fi
}

# Fixed-string search in stderr / stdout of the last run.
t_expect_err() {
	if grep -qF -- "$1" "$T/err"; then
		t_pass "$2"
	else
		t_fail "$2 (stderr lacks: $1)"
	fi
}

t_expect_out() {
	if grep -qF -- "$1" "$T/out"; then
		t_pass "$2"
	else
		t_fail "$2 (stdout lacks: $1)"
	fi
}

t_expect_no() {
	if grep -qF -- "$1" "$T/out" "$T/err"; then
		t_fail "$2 (output has: $1)"
	else
		t_pass "$2"
	fi
}

t_done() {
	echo "# cases: $t_passed passed, $t_failed failed"
	[ "$t_failed" -eq 0 ]
	exit $?
}
