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
	lib/carbonation/modules/postgresql.so \
	lib/carbonation/modules/mariadb.so \
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
# The server backends are modules the installed program finds under
# lib/carbonation/modules: a URL to a server socket that does not exist
# fails to connect (its module loaded), not to load.
mkdir -p "$T/srv"
for url in "postgresql://u@%2Fnonexistent%2Fsocket/db" \
	"mariadb://u@localhost/db?socket=/nonexistent/mysqld.sock"; do
	printf '[database]\nurl = "%s"\n[[watch]]\nname = "in"\npath = "%s"\n[archive]\nbase_path = "%s"\n' \
		"$url" "$T/proj/in" "$T/proj/arch" >"$T/srv/config.toml"
	t_run env -u CARBONATION_DATADIR -u CARBONATION_MODULEDIR \
		"$prefix/bin/carbonation" -c "$T/srv/config.toml" db status
	t_expect_status 1 "installed program: ${url%%:*} unreachable exits 1"
	t_expect_err "cannot open catalog" "installed program: ... the ${url%%:*} module loaded, the server not there"
	t_expect_no "cannot load" "installed program: ... the ${url%%:*} module found where make install put it"
done
t_run sqlite3 "$T/proj/cat.db" "select count(*) from schema_migrations"
shipped=$(find "$top_srcdir/migrations/sqlite/core" -name '*.sql' | wc -l)
if [ "$(cat "$T/out")" -eq "$shipped" ]; then
	t_pass "installed migrations were applied (all $shipped)"
else
	t_fail "installed migrations were applied ($(cat "$T/out") of $shipped)"
fi

# A program built against the installed header and library, outside
# both trees: a query and two polls on the catalog db init made.
sqlite3 "$T/proj/cat.db" "INSERT INTO files (watch, group_key, status, created_at, updated_at)
	VALUES ('in', X'61', 'ARCHIVED', 1, 2), ('in', X'620A', 'WAITING', 3, 4), ('in', X'63', 'WAITING', 5, 6);
	UPDATE files SET status = 'FAILED', updated_at = 7 WHERE group_key = X'620A';
	INSERT INTO service_status (host, pid, version, started_at, last_heartbeat, name, heartbeat_interval, files_seen, files_archived, files_failed)
	VALUES ('h1', 42, '0.1.0', 1, 2, 'svc', 30000000, 5, 4, 1);"
cat >"$T/client.c" <<'C'
#include <stdio.h>
#include <string.h>
#include <carbonation/carbonation.h>

/* Prints each row's id and group_key (length too: keys are bytes). */
static int rows(carbonation_rows *r, struct carbonation_error *err)
{
	int rc;

	while ((rc = carbonation_rows_next(r, err)) == 1) {
		size_t len;
		const char *key = carbonation_rows_text(r, "group_key", &len);

		printf("%lld %zu %s\n", (long long)carbonation_rows_int(r, "id"),
		       len, carbonation_rows_is_null(r, "archived_at") ? "-" : "archived");
		(void)key;
	}
	return rc;
}

int main(int argc, char **argv)
{
	struct carbonation_error err;
	carbonation *c = NULL;
	carbonation_filter *f;
	carbonation_rows *r = NULL;
	struct carbonation_status *st = NULL;
	char *cursor;
	int64_t n = 0;

	if (strncmp(carbonation_version(), "0.", 2) != 0 || argc < 2)
		return 1;
	if (carbonation_open(argv[1], &c, &err) < 0) {
		fprintf(stderr, "open: %s\n", err.message);
		return 1;
	}
	f = carbonation_filter_new(c, CARBONATION_FILES);
	if (carbonation_filter_add(f, "status", "ARCHIVED", &err) < 0 ||
	    carbonation_filter_add(f, "status", "FAILED", &err) < 0 ||
	    carbonation_filter_order_by(f, "id", &err) < 0 ||
	    carbonation_count(c, f, &n, &err) < 0 ||
	    carbonation_query(c, f, &r, &err) < 0) {
		fprintf(stderr, "query: %s\n", err.message);
		return 1;
	}
	printf("count %lld\n", (long long)n);
	if (rows(r, &err) < 0)
		return 1;
	carbonation_rows_free(&r);
	if (carbonation_filter_add(f, "stauts", "x", &err) == 0)
		return 1;
	printf("error: %s\n", err.message);
	if (carbonation_get_new_files(c, NULL, NULL, -1, &r, &err) < 0 ||
	    rows(r, &err) < 0) {
		fprintf(stderr, "poll: %s\n", err.message);
		return 1;
	}
	cursor = carbonation_rows_cursor(r);
	carbonation_rows_free(&r);
	printf("cursor %s\n", cursor);
	if (carbonation_get_new_files(c, cursor, f, -1, &r, &err) < 0 ||
	    rows(r, &err) != 0)
		return 1;
	printf("again: nothing\n");
	if (carbonation_status(c, &st, &err) < 0) {
		fprintf(stderr, "status: %s\n", err.message);
		return 1;
	}
	printf("status: %zu instance %s pid %lld seen %lld stale %d healthy %d failed %lld\n",
	       st->ninstances, st->instances[0].host,
	       (long long)st->instances[0].pid,
	       (long long)st->instances[0].files_seen, st->instances[0].stale,
	       st->healthy, (long long)st->failed);
	carbonation_status_free(&st);
	carbonation_free(cursor);
	carbonation_rows_free(&r);
	carbonation_filter_free(&f);
	carbonation_close(&c);
	return c != NULL || f != NULL || st != NULL;
}
C
PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
export PKG_CONFIG_PATH
# shellcheck disable=SC2046 # pkg-config output is a list of flags
t_run cc -Wall -Wextra -Werror -o "$T/client" "$T/client.c" $(pkg-config --cflags --libs carbonation)
t_expect_status 0 "a client builds with pkg-config"
t_run env -u CARBONATION_DATADIR LD_LIBRARY_PATH="$prefix/lib" "$T/client" "$T/proj/config.toml"
t_expect_status 0 "the client runs against the installed library"
if [ "$(cat "$T/out")" = 'count 2
1 1 -
2 2 -
error: unknown filter "--stauts" (did you mean "--status"?)
1 1 -
2 2 -
cursor 1:2
again: nothing
status: 1 instance h1 pid 42 seen 5 stale 1 healthy 0 failed 0' ]; then
	t_pass "the client queried (filters, count, columns by name), polled (a cursor, then nothing new) and read the service status (a stale instance: not healthy)"
else
	t_fail "the client queried (filters, count, columns by name), polled (a cursor, then nothing new) and read the service status (a stale instance: not healthy)"
fi
t_run sh -c "nm -D --defined-only '$prefix'/lib/libcarbonation.so | awk '\$2 == \"T\" && \$3 !~ /^carbonation_/'"
if [ -z "$(cat "$T/out")" ]; then
	t_pass "the library exports carbonation_* only"
else
	t_fail "the library exports carbonation_* only"
fi

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
