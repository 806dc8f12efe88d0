#!/bin/sh
# The program's usage contract: --help, --version, exit codes, and "did you
# mean" for mistyped commands and options.
set -u
. "$top_srcdir/tests/lib/common.sh"
t_setup

t_run "$CARB" --help
t_expect_status 0 "--help exits 0"
t_expect_out "usage: carbonation [-c FILE] COMMAND" "--help prints usage"
t_expect_out "  reconcile " "--help lists reconcile"
t_expect_out "  retry " "--help lists retry"
t_expect_out "  init " "--help lists init"

t_run "$CARB" --version
t_expect_status 0 "--version exits 0"
t_expect_out "carbonation 0." "--version prints the version"

t_run "$CARB"
t_expect_status 2 "no command is a usage error"

t_run "$CARB" chek config
t_expect_status 2 "unknown command exits 2"
t_expect_err 'unknown command "chek" (did you mean "check"?)' "unknown command suggests"

t_run "$CARB" zzzzzz
t_expect_status 2 "far-off command exits 2"
t_expect_no "did you mean" "far-off command has no suggestion"

t_run "$CARB" --confg x.toml check config
t_expect_status 2 "unknown global option exits 2"
t_expect_err 'unknown option "--confg" (did you mean "--config"?)' "unknown option suggests"

t_run "$CARB" -c
t_expect_status 2 "-c without a value exits 2"
t_expect_err 'needs a value' "-c without a value says so"

t_run "$CARB" db inti
t_expect_status 2 "unknown subcommand exits 2"
t_expect_err 'unknown command "db inti" (did you mean "db init"?)' "unknown subcommand suggests"

for cmd in check db init "check config" "db init" "db upgrade" "db status" "db revision" \
	retry reconcile "reconcile delivery" "reconcile archive"; do
	# shellcheck disable=SC2086 # the command words are split on purpose
	t_run "$CARB" $cmd --help
	t_expect_status 0 "$cmd --help exits 0"
	t_expect_out "usage: carbonation" "$cmd --help prints usage"
done

t_run "$CARB" db status --bogus
t_expect_status 2 "unknown option of a subcommand exits 2"

t_run "$CARB" retyr
t_expect_err 'unknown command "retyr" (did you mean "retry"?)' "a mistyped retry suggests it"
t_run "$CARB" reconcile archiv
t_expect_status 2 "unknown reconcile check exits 2"
t_expect_err 'did you mean "reconcile archive"?' "... and suggests one"

t_done
