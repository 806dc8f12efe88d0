#!/bin/sh
# The main job on the embedded default (SQLite), on a fresh Debian 12
# machine: installs the build dependencies, builds, and runs carbonation on
# a demo project in ./demo written by `carbonation init` (config, rules,
# the my_plugin plugin, a demo delivery): more files arrive in the delivery
# folder, `run --once` archives them, and the catalog and the archive are
# printed.
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

step() {
	printf '\n$ %s\n' "$*"
	"$@"
}

step "$carb" init "$demo"
cd "$demo"
# The plugin builds against this tree (carbonation-uninstalled.pc).
PKG_CONFIG_PATH=$top
export PKG_CONFIG_PATH
step make -C my_plugin
step "$carb" check config
step "$carb" db init

# Another delivery: two complete groups (data and its description), one with a
# checksum sidecar, delivered the way transfer tools do: written aside,
# then renamed in.
mkdir -p "$demo/upload"
for stem in scan_0001 scan_0002; do
	head -c 65536 /dev/urandom >"$demo/upload/$stem.dat"
	printf '<scan id="%s"/>\n' "$stem" >"$demo/upload/$stem.xml"
done
(cd "$demo/upload" && sha256sum scan_0001.dat >scan_0001.dat.sha256)
touch -d '1 minute ago' "$demo"/upload/*
mv "$demo"/upload/* "$demo/incoming/"
rmdir "$demo/upload"

step "$carb" run --once
step "$carb" db status
step sqlite3 -header -column state/carbonation.db \
	"SELECT id, CAST(rel_path AS TEXT) AS file, status, size,
	        CAST(archive_path AS TEXT) AS archived_at_path
	 FROM components ORDER BY id"
step sqlite3 -header -column state/carbonation.db \
	"SELECT id, CAST(group_key AS TEXT) AS grp, status, destination,
	        station, records, datetime(observed_at / 1000000, 'unixepoch') AS observed
	 FROM files ORDER BY id"
step find archive -type f
printf '\ndemo: project in %s\n' "$demo"
