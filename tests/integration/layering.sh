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

# Each layer has one door: code in another layer includes only that
# header (config.h also opens its TOML parser, toml.h).  Tests may look
# inside.
doors='carbonation/carbonation.h util/util.h catalog/catalog.h config/config.h config/toml.h pipeline/pipeline.h report/report.h http/http.h events/events.h archive/archive.h plugin/plugin.h carbonation/plugin.h cli/cli.h service/service.h'
leaks=""
for f in $(find . -name '*.c' -o -name '*.h' | sort); do
	layer=$(echo "$f" | cut -d/ -f2)
	# shellcheck disable=SC2013 # header names hold no spaces
	for inc in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f"); do
		case $inc in
		"$layer"/*) continue ;;
		esac
		case " $doors " in
		*" $inc "*) ;;
		*) leaks="$leaks $f:$inc" ;;
		esac
	done
done
if [ -z "$leaks" ]; then
	t_pass "layers include each other only through their door headers"
else
	t_fail "headers included past their layer's door:$leaks"
fi

# Layers call downwards only: a layer includes doors of layers below it
# (cli > service > http, events, client > report > pipeline > plugin, archive > config >
# catalog > util).
rank() {
	case $1 in
	cli) echo 9 ;;
	service) echo 8 ;;
	http | events | client) echo 7 ;;
	report) echo 6 ;;
	pipeline) echo 5 ;;
	plugin | archive) echo 4 ;;
	config) echo 3 ;;
	catalog) echo 2 ;;
	util) echo 1 ;;
	carbonation) echo 0 ;;  # the public headers
	*) echo 99 ;;
	esac
}
up=""
for f in $(find . -name '*.c' -o -name '*.h' | sort); do
	layer=$(echo "$f" | cut -d/ -f2)
	# shellcheck disable=SC2013 # header names hold no spaces
	for inc in $(sed -n 's/^#include "\([^"/]*\)\/.*/\1/p' "$f"); do
		[ "$inc" != "$layer" ] || continue
		if [ "$(rank "$inc")" -ge "$(rank "$layer")" ]; then
			up="$up $f:$inc"
		fi
	done
done
if [ -z "$up" ]; then
	t_pass "layers include only layers below them (cli > service > http, events, client > report > pipeline > plugin, archive > config > catalog > util)"
else
	t_fail "an include goes up or sideways:$up"
fi

# Inside src/pipeline (docs/architecture.md): the loop (loop.c) on top;
# the steps (settle, integrity, groups, grouping, metadata, stage,
# archiving) below it; under them the turn (turn.c: the transaction and
# failure state of a turn), status.c (the one owner of status changes)
# and the generic worker pool (workers.c).  Reconciliation
# (reconcile_*.c) is a command of its own, outside the loop: the one
# named exception, it writes the statuses it repairs itself.
cd pipeline || exit 1
writers='carb_(component_(set|insert|refresh|archiving|archived|attempt_failed|requeue_archived|mark_missing)|components_retry_failed|group_(set|insert|insert_ready|route))[[:space:]]*\('
others=""
for f in ./*.c; do
	case $f in
	./status.c | ./reconcile_*) ;;
	*) others="$others $f" ;;
	esac
done
# shellcheck disable=SC2086 # the file list is split on purpose
t_run grep -nE "$writers" $others
t_expect_status 1 "only status.c writes a status in the loop (reconcile_*.c, outside it, is the named exception)"

# shellcheck disable=SC2086
t_run grep -nE '(->|[[:alnum:]_]\.)status[[:space:]]*=[^=]' $others
t_expect_status 1 "only status.c writes the in-memory mirror of a status"

t_run grep -nE '(^|[^_a-z])carb_(intake_tx|intake_commit|intake_fail)[[:space:]]*\(' ./*.c ./*.h
t_expect_status 1 "steps reach the turn's transaction through turn.h, not through the intake"

# The worker pool knows jobs only by their operations table.
t_run grep -n '^#include "' workers.c
t_expect_out 'workers.h' "workers.c includes workers.h"
t_run sh -c "grep '^#include \"' workers.c | grep -v -e '\"pipeline/workers.h\"' -e '\"util/util.h\"'"
t_expect_status 1 "workers.c includes no step header, only workers.h and util.h"
t_run grep -nE 'carb_(metadata|integrity|archive|archiving|groups)_[a-z_]*[[:space:]]*\(' workers.c
t_expect_status 1 "workers.c calls no step: it runs jobs through job->ops"

# A step's state is its own: only the step's file reaches into its
# object (in->settle->..., in->archiving->...); the others ask the step.
reach=""
for pair in settle:settle.c integrity:integrity.c groups:groups.c \
	grouping:grouping.c metadata:metadata.c stage:stage.c \
	archiving:archiving.c reload:rules_reload.c; do
	field=${pair%%:*}
	own=${pair#*:}
	for f in ./*.c ./*.h; do
		[ "$f" != "./$own" ] || continue
		if grep -qE "(->|\.)$field->" "$f"; then
			reach="$reach $f:$field"
		fi
	done
done
if [ -z "$reach" ]; then
	t_pass "only a step's own file reaches into its object (settle, integrity, groups, grouping, metadata, stage, archiving, rules reload)"
else
	t_fail "a step's object is reached from outside its file:$reach"
fi

# A job kind's struct is its own file's: only it reaches its struct from
# the pool's struct carb_job.
t_run sh -c "grep -nE 'CARB_JOB_OF' ./*.c | grep -vE '^./(integrity|metadata|archiving)\.c:'"
t_expect_status 1 "only a job kind's own file reaches its struct from the pool's job (CARB_JOB_OF)"

# Only the loop runs turns and drains.
t_run grep -lE '^(int carb_intake_run|static int turn|static void drain)\(' ./*.c
if [ "$(cat "$T/out")" = "./loop.c" ]; then
	t_pass "the loop's run, turn and drain live in loop.c"
else
	t_fail "run, turn and drain are not all in loop.c alone"
fi
cd .. || exit 1

# A status is enum carb_status (catalog/catalog.h) everywhere above the
# catalog: its text is written only by the catalog (status_names.c, the
# SQL), and a message that names a status does so with carb_status_name.
statuses='PENDING|INTEGRITY_FAILED|WAITING|TIMED_OUT|READY|NOT_SELECTED|ARCHIVING|ARCHIVED|RETRY_PENDING|FAILED|DUPLICATE|WITHDRAWN|CLEARED'
t_run grep -rnE "\"($statuses)\"" pipeline cli
t_expect_status 1 "no status string literal in src/pipeline or src/cli (enum carb_status; text only at the catalog boundary)"

# The enum's text is the text the migrations' CHECK constraints allow
# (CLEARED is a group's only; files.status has no CHECK), each spelt once.
names=$(sed -n 's/^[[:space:]]*\[CARB_STATUS_[A-Z_]*\] = "\([A-Z_]*\)",$/\1/p' catalog/status_names.c)
check="$top_srcdir/migrations/sqlite/core/0005_components_rebuilt.sql"
odd=""
for name in $names; do
	[ "$name" = CLEARED ] || grep -q "'$name'" "$check" || odd="$odd $name"
done
if [ -z "$odd" ] && [ "$(echo "$names" | sort -u | wc -l)" -eq 13 ]; then
	t_pass "status_names.c spells the 13 statuses once each, as the migrations do"
else
	t_fail "status_names.c and the migrations disagree:${odd:- not 13 distinct statuses}"
fi

t_done
