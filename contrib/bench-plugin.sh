#!/bin/sh
# Plugin isolation benchmark: calls per second of a trivial extractor
# through carb_plugin_call with [plugins] isolation = "thread" and
# "process", and the cost of isolation per call.  Prints figures; never
# fails because of them.
#
#   contrib/bench-plugin.sh [options] [BUILD]
#
#   --calls N       calls per mode (default 20000)
#   --dir DIR       scratch folder (default $TMPDIR or /tmp)
#
# BUILD is a configured and built tree (default .): the driver,
# contrib/bench-plugin.c, is linked there against libcarb_core with
# libtool, and a plugin with one extractor that sets one integer column
# and returns is compiled with cc.  One call at a time, on one group of
# one file: in thread mode a function call behind the plugin's lock; in
# process mode a request and a reply over the helper's socket (the
# helper is started before the clock runs).  Use a release build
# (./configure CFLAGS="-O2 -g"); a build with --enable-sanitizers is
# several times slower.
set -u

usage() {
	sed -n '2,/^set -u/p' "$0" | sed -e '/^set -u/d' -e 's/^# \{0,1\}//'
	exit "$1"
}

calls=20000
dir=${TMPDIR:-/tmp}
build=.
while [ $# -gt 0 ]; do
	case $1 in
	--calls) calls=$2; shift 2 ;;
	--dir) dir=$2; shift 2 ;;
	-h|--help) usage 0 ;;
	-*) usage 2 ;;
	*) build=$1; shift ;;
	esac
done

build=$(cd "$build" && pwd) || exit 1
src=$(sed -n 's/^abs_top_srcdir = //p' "$build/Makefile")
san=$(sed -n 's/^SAN_CFLAGS = //p' "$build/Makefile")
if [ -z "$src" ] || [ ! -f "$build/libcarb_core.la" ]; then
	echo "bench-plugin: $build is not a built carbonation tree" >&2
	exit 2
fi
work=$(mktemp -d "$dir/bench-plugin.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT

cat >"$work/noop.c" <<'EOF'
#include <carbonation/plugin.h>

static int noop(const struct carb_plugin_host *h, struct carb_plugin_call *c,
		void *state)
{
	(void)state;
	return h->set_integer(c, "n", 1);
}

static const struct carb_plugin_column columns[] = {
	{ "n", CARB_PLUGIN_INTEGER, 1, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};
static const struct carb_plugin_function extractors[] = {
	{ "noop", noop, NULL },
	{ NULL, NULL, NULL },
};
static const struct carb_plugin description = {
	.abi_version = CARB_PLUGIN_ABI_VERSION, .name = "noop",
	.version = "1", .columns = columns, .extractors = extractors,
};

const struct carb_plugin *carbonation_plugin_entry(void)
{
	return &description;
}
EOF
# shellcheck disable=SC2086 # SAN_CFLAGS is a list of flags
cc -shared -fPIC -O2 $san -I"$src/include" -o "$work/noop.so" "$work/noop.c" || exit 1
# shellcheck disable=SC2086
"$build/libtool" --quiet --mode=link cc -O2 $san \
	-include "$build/autoconfig.h" -I"$src/src" -I"$src/include" \
	-o "$work/bench-plugin" "$src/contrib/bench-plugin.c" \
	"$build/libcarb_core.la" || exit 1

mkdir -p "$work/in"
printf 'x\n' >"$work/in/a.dat"
for mode in thread process; do
	{
		printf '[database]\nurl = "sqlite:cat.db"\n'
		printf '[[watch]]\nname = "in"\npath = "in"\n'
		printf '[archive]\nbase_path = "archive"\n'
		printf '[plugins]\npath = "noop.so"\nisolation = "%s"\n' "$mode"
	} >"$work/$mode.toml"
done
mkdir -p "$work/archive"
cd "$work/in" || exit 1
thread=$("$work/bench-plugin" "$work/thread.toml" "$calls") || exit 1
process=$("$work/bench-plugin" "$work/process.toml" "$calls") || exit 1
echo "calls: $calls per mode, one at a time, one member, one value set"
echo "thread:  $thread calls/s"
echo "process: $process calls/s"
awk -v t="$thread" -v p="$process" 'BEGIN {
	printf "isolation costs %.1f us a call (%.0fx slower)\n",
		(1e6 / p) - (1e6 / t), t / p
}'
