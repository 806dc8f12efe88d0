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
doors='carbonation/carbonation.h util/util.h catalog/catalog.h config/config.h config/toml.h pipeline/pipeline.h archive/archive.h plugin/plugin.h carbonation/plugin.h cli/cli.h service/service.h'
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
# (cli > service > pipeline > plugin, archive > config > catalog > util).
rank() {
	case $1 in
	cli) echo 7 ;;
	service) echo 6 ;;
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
	t_pass "layers include only layers below them (cli > service > pipeline > plugin, archive > config > catalog > util)"
else
	t_fail "an include goes up or sideways:$up"
fi

t_done
