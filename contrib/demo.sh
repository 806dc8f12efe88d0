#!/bin/sh
# The main job on the embedded default (SQLite), on a fresh Debian 12
# machine: installs the build dependencies, builds, and runs carbonation on
# a demo project in ./demo written by `carbonation init` (config, rules,
# the my_plugin plugin, a demo delivery): more files arrive in the delivery
# folder, `run --once` archives them, and the catalog and the archive are
# printed.  Then a second project needs no C at all: the shipped filename
# plugin fills its columns from the file names.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

contrib/deps.sh
# Its own build folder: test.sh builds in build/test with sanitizers.
build="$top/build/demo"
contrib/build.sh "$build"
carb="$build/carbonation"

demo="$top/demo"
rm -rf "$demo"

step() {
	printf '\n$ %s\n' "$*"
	"$@"
}

step "$carb" init "$demo"
cd "$demo"
# The plugin builds against this build (carbonation-uninstalled.pc).
PKG_CONFIG_PATH=$build
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

# The same without any C: the shipped filename plugin takes its columns
# from the file names.  Its migration is written by db revision.
files="$top/demo-filename"
rm -rf "$files"
mkdir -p "$files/incoming" "$files/archive" "$files/state"
cd "$files"
cat >config.toml <<'TOML'
[service]
state_dir = "state"

[database]
url = "sqlite:state/catalog.db"

[plugins]
package = "filename"

[plugins.filename]
pattern = "{station}_{start:%Y%m%dT%H%M%S}_{level}.{ext}"
columns = { level = "integer" }
indexed = ["start"]

[[watch]]
name = "incoming"
path = "incoming"
settle = "0s"

[archive]
base_path = "archive"
destination = "{station}/{yyyy}"
TOML
cat >rules.toml <<'TOML'
[metadata]
extract = "filename"

[[selection.rule]]
name = "no test station"
action = "reject"
columns = { station = "test" }
TOML
for name in north_20261101T101500_2.csv south_20261101T120000_1.csv \
	test_20261101T130000_0.csv; do
	printf 'time,value\n10:15,3.2\n' >"incoming/$name"
done
step "$carb" check config
step "$carb" db init
step "$carb" db revision -m "filename columns" --autogenerate
step "$carb" db upgrade
step "$carb" run --once || true
step sqlite3 -header -column state/catalog.db \
	"SELECT id, CAST(group_key AS TEXT) AS grp, status, station,
	        datetime(start / 1000000, 'unixepoch') AS start, level, ext, reason
	 FROM files ORDER BY id"
step find archive -type f
printf '\ndemo: projects in %s and %s\n' "$demo" "$files"
