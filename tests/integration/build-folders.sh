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

# Objects of a build in place without its config.status: make would take
# them for the build folder's through VPATH.  They go; a demo project's
# plugin (outside src/, plugins/ and tests/) stays.
: >src/cli/main.o
: >plugins/filename.so
: >carbonation
mkdir -p demo/my_plugin
: >demo/my_plugin/my_plugin.so
t_run env MAKE=true sh contrib/build.sh "$T/build/b"
t_expect_status 0 "build.sh with objects of a build in place left"
t_run ls src/cli/main.o plugins/filename.so carbonation
t_expect_status 2 "... removes them"
t_run test -e demo/my_plugin/my_plugin.so
t_expect_status 0 "... and leaves a demo project's plugin alone"

# Two build folders side by side, each with its own options.
t_run env MAKE=true sh contrib/build.sh "$T/build/a" --without-mariadb
t_expect_status 0 "a build folder configured again"
t_run grep -q -- "--without-mariadb" "$T/build/b/config.status"
t_expect_status 1 "... the other folder keeps its own options"
t_done
