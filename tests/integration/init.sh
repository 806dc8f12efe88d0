#!/bin/sh
# `carbonation init`: the files it writes, every config key present or
# commented, `check config` passing on what it wrote, the scaffold plugin
# built with -Werror against the build tree, never overwriting without
# --force (and then changing nothing), the systemd unit, usage errors.
# The round trip through a catalog is init-cases.sh.
set -u
. "$top_srcdir/tests/lib/common.sh"
t_setup
PKG_CONFIG_PATH=$top_builddir
export PKG_CONFIG_PATH

files="config.toml rules.toml my_plugin/my_plugin.c my_plugin/Makefile
my_plugin/README.md
my_plugin/migrations/sqlite/my_plugin/0001_columns.sql
my_plugin/migrations/postgresql/my_plugin/0001_columns.sql
my_plugin/migrations/mariadb/my_plugin/0001_columns.sql
incoming/north_20240315T060000.dat incoming/north_20240315T060000.xml
incoming/south_20240315T061500.dat"

# A listing of a folder's files and their contents, to prove nothing
# changed.
snapshot() {
	(cd "$1" && find . -print | sort && find . -type f -exec cat {} +)
}

# in_dir DIR CMD...: CMD run in DIR (through t_run).
# shellcheck disable=SC2317 # called indirectly
in_dir() {
	(cd "$1" && shift && "$@")
}

expect_same() {
	if cmp -s "$1" "$2"; then
		t_pass "$3"
	else
		t_fail "$3 (the folder changed)"
	fi
}

# ---- what init writes --------------------------------------------------

P=$T/proj
t_run "$CARB" init "$P"
t_expect_status 0 "init DIR exits 0"
t_expect_out "wrote the project in $P" "init says where it wrote"
missing=""
for f in $files; do
	[ -f "$P/$f" ] || missing="$missing $f"
done
for d in incoming archive state; do
	[ -d "$P/$d" ] || missing="$missing $d/"
done
if [ -z "$missing" ]; then
	t_pass "init wrote every file and folder"
else
	t_fail "init wrote every file and folder (missing:$missing)"
fi
t_run test -e "$P/carbonation.service"
t_expect_status 1 "no carbonation.service without --systemd"
t_run grep -rlE '@[A-Z_]+@' "$P"
t_expect_status 1 "no @NAME@ placeholder is left"
t_run find "$P" -name '.carb-tmp-*'
if [ -s "$T/out" ]; then
	t_fail "no temporary file is left"
else
	t_pass "no temporary file is left"
fi
version=$("$CARB" --version | cut -d' ' -f2)
differ=""
for f in $files; do
	sed "s/@VERSION@/$version/g" "$top_srcdir/scaffold/$f" | cmp -s - "$P/$f" ||
		differ="$differ $f"
done
if [ -z "$differ" ]; then
	t_pass "every file is its template of scaffold/"
else
	t_fail "every file is its template of scaffold/ (not:$differ)"
fi
# The demo delivery is old enough to be settled at once.
if [ -z "$(find "$P/incoming" -type f -newermt '2025-01-01')" ]; then
	t_pass "the demo delivery has an old mtime"
else
	t_fail "the demo delivery has an old mtime"
fi

# ---- every key present or commented --------------------------------------

# "SECTION KEY" for each key of --keys in FILE; a key whose type is a
# table or an array of tables is "SECTION.KEY [table]".
"$CARB" check config --keys >"$T/keys.txt"
expected_keys() {
	awk -v file="$1" '
		/^\[/ {
			sec = $1; gsub(/[][]/, "", sec)
			on = ($3 == file ":")
			next
		}
		on && /^  [a-z_]+ / {
			if ($0 ~ /  (tables|array of tables);/)
				print sec "." $1 " [table]"
			else
				print sec " " $1
		}' "$T/keys.txt"
}
# The same pairs as written in a TOML file, set or commented out.
written_keys() {
	awk '
		/^#? *\[\[?[A-Za-z_.]+\]\]? *(#.*)?$/ {
			sec = $0; sub(/^#? */, "", sec); sub(/].*/, "", sec)
			gsub(/\[/, "", sec)
			sub(/^archive\.destinations\..*/, "archive.destinations.NAME", sec)
			# A header names its parents too.
			for (p = sec; sub(/\.[^.]*$/, "", p);)
				print p " [table]"
			print sec " [table]"
			next
		}
		/^#? *[a-z_]+ *=/ {
			k = $0; sub(/^#? */, "", k); sub(/ *=.*/, "", k)
			print sec " " k
			print sec "." k " [table]"    # an inline table
		}' "$1" | sort -u
}
for f in config.toml rules.toml; do
	expected_keys "$f" | sort -u >"$T/expected"
	written_keys "$P/$f" >"$T/written"
	absent=$(comm -23 "$T/expected" "$T/written" | tr '\n' ',')
	n=$(wc -l <"$T/expected")
	if [ "$n" -gt 5 ] && [ -z "$absent" ]; then
		t_pass "$f: all $n keys of check config --keys are set or commented"
	else
		t_fail "$f: keys of check config --keys set or commented (absent: $absent)"
	fi
	# Each key set has its explanation: a comment in its paragraph
	# above it, or at its end.
	unexplained=$(awk '
		/^$/ || /^\[/ { said = 0; next }
		/^#/ { said = 1; next }
		/^[a-z_]+ *=/ && !said && !/ # / { print FILENAME ":" NR }' "$P/$f")
	if [ -z "$unexplained" ]; then
		t_pass "$f: every key set has a comment"
	else
		t_fail "$f: every key set has a comment ($unexplained)"
	fi
done
t_run grep -c '^path = "my_plugin/my_plugin.so"' "$P/config.toml"
t_expect_out "1" "config.toml loads my_plugin/my_plugin.so"
t_run grep -E '^(extract|function) = ' "$P/rules.toml"
t_expect_out 'extract = "read_dat"' "rules.toml names the extractor"
t_expect_out 'function = "has_records"' "rules.toml names the selector"

# ---- the plugin builds, check config passes ------------------------------

t_run make -C "$P/my_plugin" CFLAGS="-O2 -Werror"
t_expect_status 0 "the scaffold plugin builds with -Wall -Wextra -Werror"
cp "$T/out" "$T/make.out"
t_run grep -q -- '-Wall -Wextra' "$T/make.out"
t_expect_status 0 "... its Makefile turns on -Wall -Wextra"
t_run pkg-config --cflags carbonation
t_expect_out "-I$top_srcdir/include" "... with the build tree's headers (carbonation-uninstalled.pc)"
nm -D --defined-only "$P/my_plugin/my_plugin.so" | awk '$2 ~ /^[A-Z]$/ && $2 != "A" { print $3 }' >"$T/out"
if [ "$(cat "$T/out")" = "carbonation_plugin_entry" ]; then
	t_pass "the plugin exports carbonation_plugin_entry only"
else
	t_fail "the plugin exports carbonation_plugin_entry only ($(tr '\n' ' ' <"$T/out"))"
fi
t_run "$CARB" -c "$P/config.toml" check config
t_expect_status 0 "check config passes on what init wrote"
t_run make -C "$P/my_plugin" clean
t_expect_status 0 "make clean"

# Relative to the current folder, and the current folder by default.
mkdir "$T/here"
t_run in_dir "$T/here" "$CARB" init
t_expect_status 0 "init without DIR writes into the current folder"
t_run test -f "$T/here/config.toml"
t_expect_status 0 "... config.toml there"
t_run in_dir "$T/here" "$CARB" init sub/deeper
t_expect_status 0 "init makes a DIR that does not exist, parents too"
t_run test -f "$T/here/sub/deeper/my_plugin/Makefile"
t_expect_status 0 "... and writes into it"

# ---- never overwrite without --force ---------------------------------------

E=$T/exists
mkdir -p "$E/my_plugin"
echo "# mine" >"$E/config.toml"
echo "# mine too" >"$E/my_plugin/Makefile"
snapshot "$E" >"$T/before"
t_run "$CARB" init "$E"
t_expect_status 1 "init over existing files exits 1"
t_expect_err "config.toml" "... naming config.toml"
t_expect_err "my_plugin/Makefile" "... and my_plugin/Makefile"
t_expect_err "--force" "... and telling about --force"
cp "$T/err" "$T/init.err"
t_run grep -c '^  ' "$T/init.err"
t_expect_out "2" "... naming only the two that exist"
snapshot "$E" >"$T/after"
expect_same "$T/before" "$T/after" "... and changing nothing, no folder made"
t_run "$CARB" init "$E" --systemd
t_expect_status 1 "init --systemd over existing files exits 1 too"
snapshot "$E" >"$T/after"
expect_same "$T/before" "$T/after" "... changing nothing"

t_run "$CARB" init --force "$E"
t_expect_status 0 "init --force exits 0"
t_run cmp "$P/rules.toml" "$E/rules.toml"
t_expect_status 0 "... writes what is missing"
t_run grep -q '^# mine' "$E/config.toml" "$E/my_plugin/Makefile"
t_expect_status 1 "... and overwrites what exists"
t_run find "$E" -name '.carb-tmp-*'
if [ -s "$T/out" ]; then
	t_fail "... leaving no temporary file"
else
	t_pass "... leaving no temporary file"
fi

# A folder where a file goes, and a DIR that is a file: nothing written.
F=$T/folder
mkdir -p "$F/rules.toml"
snapshot "$F" >"$T/before"
t_run "$CARB" init --force "$F"
t_expect_status 1 "a folder where init writes a file exits 1, even with --force"
t_expect_err "rules.toml is a folder" "... naming it"
snapshot "$F" >"$T/after"
expect_same "$T/before" "$T/after" "... changing nothing"
B=$T/blocked
mkdir -p "$B"
echo x >"$B/incoming"
echo x >"$B/my_plugin"
snapshot "$B" >"$T/before"
t_run "$CARB" init --force "$B"
t_expect_status 1 "a file where init makes a folder exits 1, even with --force"
t_expect_err "$B/incoming exists and is not a folder" "... naming it"
t_expect_err "$B/my_plugin exists and is not a folder" "... and every other"
snapshot "$B" >"$T/after"
expect_same "$T/before" "$T/after" "... changing nothing, no folder made"
echo x >"$T/plain"
t_run "$CARB" init "$T/plain"
t_expect_status 1 "DIR that is a file exits 1"
t_expect_err "not a folder" "... saying so"
t_run "$CARB" init "$T/plain/sub"
t_expect_status 1 "DIR below a file exits 1"

# Templates that are not there: nothing written.
mkdir "$T/nodata"
t_run env CARBONATION_DATADIR="$T/nodata" "$CARB" init "$T/fromnothing"
t_expect_status 1 "missing templates exit 1"
t_expect_err "$T/nodata/scaffold/config.toml" "... naming the template"
t_run test -e "$T/fromnothing"
t_expect_status 1 "... and nothing is made"

# ---- --systemd ---------------------------------------------------------------

S=$T/svc
me=$(id -un)
t_run "$CARB" init "$S" --systemd
t_expect_status 0 "init --systemd exits 0"
U=$S/carbonation.service
t_run cat "$U"
t_expect_out "Type=notify" "unit: Type=notify"
t_expect_out "WatchdogSec=300" "unit: WatchdogSec=300"
t_expect_out "User=$me" "unit: User= is the invoking user by default"
t_expect_out "ExecStart=\"$(cd "$top_builddir" && pwd -P)/carbonation\" -c \"$S/config.toml\" run" \
	"unit: ExecStart runs this program with the absolute config path"
t_expect_out "ReadWritePaths=\"$S/incoming\" \"$S/archive\" \"$S/state\"" \
	"unit: ReadWritePaths names the watch, archive and state folders"
t_expect_out "ProtectSystem=strict" "unit: ProtectSystem=strict"
t_expect_out "NoNewPrivileges=yes" "unit: NoNewPrivileges=yes"
t_expect_out "PrivateDevices=yes" "unit: PrivateDevices=yes"
t_expect_out "CapabilityBoundingSet=" "unit: no capabilities"
t_expect_out "ExecReload=/bin/kill -HUP \$MAINPID" "unit: reload is SIGHUP"
case $S in
/tmp/* | /var/tmp/*) t_expect_out "PrivateTmp=no" "unit: PrivateTmp=no for a project under /tmp" ;;
*) t_expect_out "PrivateTmp=yes" "unit: PrivateTmp=yes" ;;
esac
case $S in
/home/* | /root/*) t_expect_out "ProtectHome=read-only" "unit: ProtectHome=read-only for a project under /home" ;;
*) t_expect_out "ProtectHome=yes" "unit: ProtectHome=yes" ;;
esac

# Odd characters in the folder's name survive unit quoting.
O="$T/odd dir%x"
t_run "$CARB" init "$O" --systemd --user daemon
t_expect_status 0 "init --systemd --user into a folder with a space and a %"
t_run cat "$O/carbonation.service"
t_expect_out "User=daemon" "unit: --user sets User="
t_expect_out "-c \"$T/odd dir%%x/config.toml\" run" "unit: the path is quoted, % doubled"

if command -v systemd-analyze >/dev/null 2>&1; then
	for u in "$U" "$O/carbonation.service"; do
		# It exits 0 even on unknown keys: any output is a failure.
		t_run in_dir "$(dirname "$u")" systemd-analyze verify ./carbonation.service
		if [ "$t_status" -eq 0 ] && [ ! -s "$T/out" ] && [ ! -s "$T/err" ]; then
			t_pass "systemd-analyze verify $(basename "$(dirname "$u")")/carbonation.service is silent"
		else
			t_fail "systemd-analyze verify $(basename "$(dirname "$u")")/carbonation.service is silent"
		fi
	done
else
	echo "# systemd-analyze not found: the unit is not verified"
fi

# ---- usage errors -----------------------------------------------------------

t_run "$CARB" init --help
t_expect_status 0 "init --help exits 0"
t_expect_out "usage: carbonation init" "init --help prints usage"
t_run "$CARB" init --systmd "$T/u1"
t_expect_status 2 "an unknown option exits 2"
t_expect_err 'did you mean "--systemd"?' "... with a suggestion"
t_run "$CARB" init "$T/u1" "$T/u2"
t_expect_status 2 "two folders exit 2"
t_run "$CARB" init --user daemon "$T/u1"
t_expect_status 2 "--user without --systemd exits 2"
t_expect_err "needs --systemd" "... saying why"
t_run "$CARB" init --systemd --user 'a b' "$T/u1"
t_expect_status 2 "a --user that is no user name exits 2"
t_run "$CARB" init --systemd "$T/u1" --user
t_expect_status 2 "--user without a value exits 2"
t_run "$CARB" init ""
t_expect_status 2 "an empty DIR exits 2"
t_run test -e "$T/u1"
t_expect_status 1 "usage errors write nothing"

t_done
