#!/bin/sh
# Architecture rules that a grep can hold: nothing below the CLI exits,
# aborts or prints (errors travel as values); the one allowed abort is the
# out-of-memory path of src/util/xalloc.c.
set -u
. "$top_srcdir/tests/lib/common.sh"
t_setup

cd "$top_srcdir/src" || exit 1
below_cli=$(find . -name '*.c' ! -path './cli/*' ! -path './util/xalloc.c' | sort)

# shellcheck disable=SC2086 # the file list is split on purpose
t_run grep -nE '(^|[^_a-z])(exit|_exit|abort)[[:space:]]*\(' $below_cli
t_expect_status 1 "no exit() or abort() below main"

# shellcheck disable=SC2086
t_run grep -nE '(^|[^_a-z.>])(printf|puts|perror)[[:space:]]*\(|fprintf[[:space:]]*\((stdout|stderr)' $below_cli
t_expect_status 1 "nothing below the CLI prints"

t_done
