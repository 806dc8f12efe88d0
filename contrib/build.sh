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
# "source directory already configured".  Its objects would be worse
# still: make finds them through VPATH and takes them for this build's.
# Its own `make distclean` takes away config.status, the objects and the
# program; when its Makefile is gone or broken, they are removed by hand
# (only where a build in place puts them: src/, plugins/, tests/ and the
# top folder).
in_place_outputs() {
	find src plugins tests \( -name '*.o' -o -name '*.lo' -o -name '*.la' \
		-o -name '*.so' -o -name .libs \) -print 2>/dev/null
	for f in carbonation libcarbonation.la libcarb_core.la .libs; do
		if [ -e "$f" ]; then
			echo "$f"
		fi
	done
}
if [ -f config.status ] || [ -n "$(in_place_outputs)" ]; then
	echo "build.sh: the source tree holds an in-place build: cleaning it first" >&2
	if ! { [ -f Makefile ] && make distclean >/dev/null 2>&1; } ||
		[ -n "$(in_place_outputs)" ]; then
		rm -f config.status config.log autoconfig.h stamp-h1 libtool \
			Makefile carbonation.pc carbonation-uninstalled.pc
		in_place_outputs | while IFS= read -r f; do
			rm -rf "$f"
		done
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
