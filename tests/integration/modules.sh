#!/bin/sh
# The program's modules (docs/architecture.md, "Modules"): the program
# links none of the client libraries that only some commands need; a
# service on SQLite without HTTP or events maps none of them; each
# run-time module is loaded, from the build tree's modules/, exactly when
# the configuration uses it; and a missing module is a clear error at
# start, exit 1, with every delivered file left where it was.
set -u
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/catalog.sh"
. "$top_srcdir/tests/lib/http.sh"
. "$top_srcdir/tests/integration/intake-cases.sh"
. "$top_srcdir/tests/integration/archive-cases.sh"
t_setup
catalog_start sqlite
t_cleanup svc_cleanup
# read by a_config (archive-cases.sh)
# shellcheck disable=SC2034
ARCH_SETTLE=0s

LIBS="libpq libmariadb libcurl libmicrohttpd librabbitmq libgnutls libldap libkrb5"

for lib in $LIBS; do
	t_run sh -c "ldd '$CARB' | grep '$lib'"
	t_expect_status 1 "the program does not link $lib"
done

# Waits until process $1 maps a file whose name holds $2 (up to 10 s).
maps_wait() {
	n=0
	while [ "$n" -lt 100 ]; do
		grep -q "$2" "/proc/$1/maps" 2>/dev/null && return 0
		sleep 0.1
		n=$((n + 1))
	done
	return 1
}

# Service $1 maps module $2 (modules/$2.so of this build, waited for) and
# the library $3.
expect_loaded() {
	pid=$(svc_pid "$1")
	if maps_wait "$pid" "$top_builddir/modules/$2.so" &&
		grep -q "$3" "/proc/$pid/maps"; then
		t_pass "$4"
	else
		t_fail "$4"
	fi
}

# The delivered file $1 is still where it was.
expect_in_place() {
	t_run test -f "$1"
	t_expect_status 0 "$2"
}

# A service on SQLite with neither HTTP nor events: once it has archived
# a file it maps no module and none of the libraries.
a_project plain
printf 'one\n' >"$T/plain/in/a.dat"
svc_start plain
wait_rows plain "SELECT COUNT(*) FROM components WHERE status = 'ARCHIVED'" 1 \
	"a plain service archives its file"
pid=$(svc_pid plain)
found=
for lib in $LIBS /modules/; do
	grep -q "$lib" "/proc/$pid/maps" && found="$found $lib"
done
if [ -z "$found" ]; then
	t_pass "a service on SQLite without HTTP or events maps no module and none of $LIBS"
else
	t_fail "a service on SQLite without HTTP or events maps no module (maps:$found)"
fi
svc_stop plain

# With [http] listen, the http module and libmicrohttpd, and not libcurl.
a_project web
port=$(free_port)
printf '\n[http]\nlisten = "127.0.0.1:%s"\n' "$port" >>"$T/web/config.toml"
svc_start web
http_wait "http://127.0.0.1:$port/health" || t_fail "the listener answers"
expect_loaded web http libmicrohttpd "[http] listen loads modules/http.so and libmicrohttpd"
if grep -q "libcurl\|librabbitmq\|libpq" "/proc/$pid/maps"; then
	t_fail "... and nothing the configuration does not use"
else
	t_pass "... and nothing the configuration does not use"
fi
svc_stop web

# A webhook sink loads the webhook module (libcurl) when the service
# starts, before any event.
a_project hook
printf '\n[[events]]\nname = "hook"\nkind = "webhook"\nurl = "http://127.0.0.1:%s/events"\n' \
	"$(free_port)" >>"$T/hook/config.toml"
svc_start hook
expect_loaded hook webhook libcurl "a webhook sink loads modules/webhook.so and libcurl"
svc_stop hook

# A missing module: run says which and where, exits 1 at start, and
# leaves the delivery alone.
mkdir -p "$T/no-modules"
for p in web hook; do
	printf 'two\n' >"$T/$p/in/b.dat"
	t_run env CARBONATION_MODULEDIR="$T/no-modules" "$CARB" -c "$T/$p/config.toml" run
	t_expect_status 1 "$p: a missing module: run exits 1"
	t_expect_err "cannot load the" "$p: ... saying it cannot load the module"
	t_expect_err "$T/no-modules/" "$p: ... naming the folder it looked in"
	expect_in_place "$T/$p/in/b.dat" "$p: ... and the delivered file is where it was"
done

# An http destination: without its module, run --once stops before it
# records anything, and the delivery stays where it was.
mkdir -p "$T/put/in" "$T/put/arch"
printf '[database]\nurl = "sqlite:cat.db"\n[[watch]]\nname = "in"\npath = "in"\nsettle = "0s"\n[archive]\nbase_path = "arch"\n[archive.destinations.remote]\nurl = "http://127.0.0.1:%s/upload/in/{name}"\n' \
	"$(free_port)" >"$T/put/config.toml"
printf '[[routing.rule]]\ndestination = "remote"\n' >"$T/put/rules.toml"
printf 'three\n' >"$T/put/in/c.dat"
t_run "$CARB" -c "$T/put/config.toml" db init
t_expect_status 0 "put: db init"
t_run env CARBONATION_MODULEDIR="$T/no-modules" "$CARB" -c "$T/put/config.toml" run --once
t_expect_status 1 "put: a missing http-put module: run --once exits 1"
t_expect_err "cannot load the http-put module" "put: ... saying which module"
t_run sh -c "sqlite3 '$T/put/cat.db' 'SELECT COUNT(*) FROM components' | grep -qx 0"
t_expect_status 0 "put: ... having recorded nothing"
expect_in_place "$T/put/in/c.dat" "put: ... and the delivered file is where it was"

# A module of another release, or a shared object that is no module of
# carbonation's, is refused before anything in it is called.
mkdir -p "$T/other" "$T/alien"
printf 'const char carb_module_version[] = "0.0.1-other";\nconst int carb_http_module[8];\n' \
	>"$T/other.c"
printf 'const int carb_http_module[8];\n' >"$T/alien.c"
t_run cc -shared -fPIC -o "$T/other/http.so" "$T/other.c"
t_expect_status 0 "a module of another release builds"
t_run cc -shared -fPIC -o "$T/alien/http.so" "$T/alien.c"
t_expect_status 0 "a shared object that is no module builds"
t_run env CARBONATION_MODULEDIR="$T/other" "$CARB" -c "$T/web/config.toml" run
t_expect_status 1 "a module of another release: run exits 1"
t_expect_err "is from carbonation 0.0.1-other, not " "... saying which release it is from"
t_run env CARBONATION_MODULEDIR="$T/alien" "$CARB" -c "$T/web/config.toml" run
t_expect_status 1 "no carbonation module: run exits 1"
t_expect_err "is not a carbonation module" "... saying so"
expect_in_place "$T/web/in/b.dat" "... and the delivered file is where it was"

t_done
