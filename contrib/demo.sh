#!/bin/sh
# The main job on the embedded default (SQLite), on a fresh Debian 12
# machine: installs the build dependencies, builds, and runs carbonation on
# a demo project in ./demo (config and rules from scaffold/).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

contrib/deps.sh
autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
./configure -q
make -j"$(nproc)" >/dev/null
carb="$top/carbonation"

demo="$top/demo"
rm -rf "$demo"
mkdir -p "$demo/incoming" "$demo/archive"
cp scaffold/config.toml scaffold/rules.toml "$demo/"
cd "$demo"

step() {
	printf '\n$ %s\n' "$*"
	"$@"
}

step "$carb" check config
step "$carb" db init
step "$carb" db status
printf '\ndemo: project in %s\n' "$demo"
