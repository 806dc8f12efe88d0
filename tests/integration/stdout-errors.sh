#!/bin/sh
# What a command prints on stdout is its result: when stdout cannot be
# written (here /dev/full: ENOSPC at the flush), every command that prints
# exits 1 (or the error status it had already) and says so on stderr.
set -u
. "$top_srcdir/tests/lib/common.sh"
t_setup

if ! [ -w /dev/full ]; then
	echo "# /dev/full not writable: nothing to test"
	exit 77
fi

P=$T/proj
mkdir -p "$P/in" "$P/arch"
cat >"$P/config.toml" <<'TOML'
[database]
url = "sqlite:cat.db"
[[watch]]
name = "in"
path = "in"
settle = "0s"
[archive]
base_path = "arch"
TOML
cat >"$P/rules.toml" <<'TOML'
[[selection.rule]]
name = "all"
action = "accept"
TOML
cd "$P" || exit 1

# full CMD...: CMD prints on stdout when it can, and with stdout on
# /dev/full exits 1 with the reason on stderr.
full() {
	t_run "$@"
	if [ "$t_status" -ne 0 ] || [ ! -s "$T/out" ]; then
		t_fail "$* prints on stdout (exit $t_status)"
		return
	fi
	t_status=0
	"$@" >/dev/full 2>"$T/err" || t_status=$?
	t_expect_status 1 "$* >/dev/full exits 1"
	# The reason (ENOSPC) is known when the last flush failed; a
	# command whose earlier flush failed says only that it could not.
	t_expect_err "carbonation: cannot write to standard output" \
		"... saying so on stderr"
}

full "$CARB" --help
t_expect_err "No space left on device" "... with the reason when stdio kept it"
full "$CARB" --version
full "$CARB" db --help
full "$CARB" db status --help
full "$CARB" init --help
full "$CARB" run --help
full "$CARB" check config --keys
full "$CARB" check config --keys=markdown
full "$CARB" db init
full "$CARB" check config
full "$CARB" check rules rules.toml
full "$CARB" db status
full "$CARB" db upgrade
full "$CARB" retry
full "$CARB" reconcile delivery
full "$CARB" reconcile archive
full "$CARB" reconcile archive --format json
full "$CARB" init "$T/fresh" --force

# A command that failed keeps its own status: usage errors stay 2.
t_status=0
"$CARB" db status --nope >/dev/full 2>"$T/err" || t_status=$?
t_expect_status 2 "a usage error with stdout on /dev/full still exits 2"

t_done
