#!/bin/sh
# Builds carbonation in its own folder, out of the source tree:
#   contrib/build.sh DIR [CONFIGURE-ARGS...]
# demo.sh builds in build/demo, test.sh in build/test (with sanitizers), so
# the two never share an object file and run in either order.  configure's
# and make's output go to DIR/build-configure.log and DIR/build-make.log,
# printed when a step fails.  MAKE names the make program (the test of
# this script sets MAKE=true to stop after configure).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 1 ] || {
	echo "usage: contrib/build.sh DIR [CONFIGURE-ARGS...]" >&2
	exit 2
}
case $1 in
/*) build=$1 ;;
*) build=$(pwd)/$1 ;;
esac
shift

cd "$top"
# A tree configured in place (./configure && make in the checkout, as
# before build/ existed) keeps configure from building anywhere else:
# "source directory already configured".  Its own `make distclean` takes
# away config.status, the objects and the program; when its Makefile is
# gone or broken, the configure output is removed by hand.
if [ -f config.status ]; then
	echo "build.sh: the source tree was configured in place: make distclean there first" >&2
	if ! { [ -f Makefile ] && make distclean >/dev/null 2>&1; }; then
		rm -f config.status config.log config.h autoconfig.h stamp-h1 \
			libtool Makefile carbonation.pc carbonation-uninstalled.pc
	fi
fi
autoreconf -fi >/dev/null 2>&1 || autoreconf -fi

mkdir -p "$build"
cd "$build"
"$top/configure" "$@" >build-configure.log 2>&1 || {
	cat build-configure.log
	exit 1
}
${MAKE:-make} -j"$(nproc)" >build-make.log 2>&1 || {
	cat build-make.log
	exit 1
}
