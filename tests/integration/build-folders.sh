#!/bin/sh
# contrib/build.sh, which demo.sh and test.sh build through: each build in
# its own folder, out of the source tree, even when the source tree was
# configured in place before (config.status at its top, which would make
# configure refuse: "source directory already configured").  MAKE=true
# stops each build after configure.
set -u
. "$top_srcdir/tests/lib/common.sh"
t_setup

t_run make -C "$top_builddir" distdir distdir="$T/src"
t_expect_status 0 "make distdir"
cd "$T/src" || exit 1
t_run autoreconf -fi
t_run ./configure -q --without-postgresql --without-mariadb --without-systemd
t_expect_status 0 "the source tree configured in place"

t_run env MAKE=true sh contrib/build.sh "$T/build/a" --without-mariadb
t_expect_status 0 "build.sh configures in its own folder after an in-place configure"
t_run test -e "$T/src/config.status"
t_expect_status 1 "... the in-place configuration is cleaned away (make distclean)"
t_run test -e "$T/build/a/config.status"
t_expect_status 0 "... and the build folder is configured"
t_run grep -q -- "--without-mariadb" "$T/build/a/config.status"
t_expect_status 0 "... with the options given"

# An in-place configuration whose Makefile is gone: no distclean to run.
t_run ./configure -q --without-postgresql --without-mariadb --without-systemd
rm -f Makefile
t_run env MAKE=true sh contrib/build.sh "$T/build/b"
t_expect_status 0 "build.sh copes with an in-place config.status without a Makefile"
t_run test -e "$T/src/config.status"
t_expect_status 1 "... config.status is removed"

# Two build folders side by side, each with its own options.
t_run env MAKE=true sh contrib/build.sh "$T/build/a" --without-mariadb
t_expect_status 0 "a build folder configured again"
t_run grep -q -- "--without-mariadb" "$T/build/b/config.status"
t_expect_status 1 "... the other folder keeps its own options"
t_done
