#!/bin/sh
# `make install` honours --prefix and DESTDIR and installs the program, the
# shared library, the public headers, the pkg-config file, the migrations
# and the scaffold templates; the installed program finds its installed
# data. Builds a clean copy of the distribution (make distdir), so it also
# proves the tarball holds everything the build needs.
set -u
. "$top_srcdir/tests/lib/common.sh"
t_setup

t_run make -C "$top_builddir" distdir distdir="$T/src"
t_expect_status 0 "make distdir"

prefix="$T/prefix"
mkdir -p "$T/build"
cd "$T/build" || exit 1
t_run "$T/src/configure" --prefix="$prefix" --without-systemd -q \
	--with-systemdsystemunitdir="$prefix/lib/systemd/system"
t_expect_status 0 "configure --prefix"
t_run make -j2
t_expect_status 0 "make"
t_run make install
t_expect_status 0 "make install"

for f in bin/carbonation include/carbonation/carbonation.h \
	include/carbonation/plugin.h \
	lib/pkgconfig/carbonation.pc share/carbonation/scaffold/config.toml \
	share/carbonation/scaffold/rules.toml \
	share/carbonation/scaffold/carbonation.service \
	share/carbonation/scaffold/my_plugin/my_plugin.c \
	share/carbonation/scaffold/my_plugin/Makefile \
	share/carbonation/scaffold/my_plugin/migrations/mariadb/my_plugin/0001_columns.sql \
	share/carbonation/migrations/sqlite/core/0001_core.sql \
	share/carbonation/migrations/postgresql/core/0001_core.sql \
	share/carbonation/migrations/mariadb/core/0001_core.sql \
	lib/carbonation/plugins/filename.so \
	lib/systemd/system/carbonation.service; do
	if [ -e "$prefix/$f" ]; then
		t_pass "installed $f"
	else
		t_fail "installed $f"
	fi
done
if ls "$prefix"/lib/libcarbonation.so.* >/dev/null 2>&1; then
	t_pass "installed the shared library"
else
	t_fail "installed the shared library"
fi

# The unit runs the installed program with the configured config file.
t_run cat "$prefix/lib/systemd/system/carbonation.service"
t_expect_out "ExecStart=$prefix/bin/carbonation -c $prefix/etc/carbonation/config.toml run" \
	"the installed unit runs the installed program on sysconfdir's config.toml"

# The installed program runs with its installed migrations, away from both
# trees.
mkdir -p "$T/proj/in" "$T/proj/arch"
cat >"$T/proj/config.toml" <<'TOML'
[database]
url = "sqlite:cat.db"
[[watch]]
name = "in"
path = "in"
[archive]
base_path = "arch"
TOML
rm -rf "$T/src" "$T/build"
cd "$T/proj" || exit 1
t_run env -u CARBONATION_DATADIR "$prefix/bin/carbonation" db init
t_expect_status 0 "installed program runs db init from installed data"
t_run sqlite3 "$T/proj/cat.db" "select count(*) from schema_migrations"
shipped=$(find "$top_srcdir/migrations/sqlite/core" -name '*.sql' | wc -l)
if [ "$(cat "$T/out")" -eq "$shipped" ]; then
	t_pass "installed migrations were applied (all $shipped)"
else
	t_fail "installed migrations were applied ($(cat "$T/out") of $shipped)"
fi

# A program built against the installed header and library.
cat >"$T/client.c" <<'C'
#include <stdio.h>
#include <string.h>
#include <carbonation/carbonation.h>
int main(void)
{
	printf("%s\n", carbonation_version());
	return strncmp(carbonation_version(), "0.", 2) != 0;
}
C
PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
export PKG_CONFIG_PATH
# shellcheck disable=SC2046 # pkg-config output is a list of flags
t_run cc -o "$T/client" "$T/client.c" $(pkg-config --cflags --libs carbonation)
t_expect_status 0 "a client builds with pkg-config"
t_run env LD_LIBRARY_PATH="$prefix/lib" "$T/client"
t_expect_status 0 "the client runs against the installed library"

# `carbonation init` from the installed scaffold, and its plugin built
# against the installed <carbonation/plugin.h>.
t_run env -u CARBONATION_DATADIR "$prefix/bin/carbonation" init "$T/fresh"
t_expect_status 0 "the installed program's init writes a project"
t_run make -C "$T/fresh/my_plugin" CFLAGS="-O2 -Werror"
t_expect_status 0 "its plugin builds against the installed header (pkg-config)"

# DESTDIR stages the same tree under another root.
t_run make -C "$top_builddir" install-data DESTDIR="$T/stage"
t_expect_status 0 "make install-data DESTDIR"
if find "$T/stage" -path '*share/carbonation/scaffold/config.toml' | grep -q .; then
	t_pass "DESTDIR honoured"
else
	t_fail "DESTDIR honoured"
fi
t_done
