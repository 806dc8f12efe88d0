#!/bin/sh
# A catalog that cannot be written pauses every transition, and the
# service resumes by itself once it can: another process holds SQLite's
# write lock (BEGIN EXCLUSIVE) for longer than busy_timeout.
set -u
. "$top_srcdir/tests/lib/common.sh"
t_setup

mkdir -p "$T/in" "$T/arch"
cat >"$T/config.toml" <<EOT
[database]
busy_timeout = "500ms"
[[watch]]
name = "in"
path = "in"
settle = "100ms"
[archive]
base_path = "arch"
EOT
"$CARB" -c "$T/config.toml" db init >/dev/null

count() {
	sqlite3 "$T/carbonation.db" "SELECT COUNT(*) FROM components WHERE status = 'ARCHIVED'" 2>/dev/null
}

# wait_for N SECONDS: until N components are ARCHIVED.
wait_for() {
	i=0
	while [ "$(count)" != "$1" ] && [ "$i" -lt $(($2 * 10)) ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ "$(count)" = "$1" ]
}

"$CARB" -c "$T/config.toml" run >"$T/svc.log" 2>&1 &
svc=$!
echo one >"$T/in/a.dat"
if wait_for 1 60; then t_pass "a file is archived"; else t_fail "a file is archived"; fi

# Hold the write lock, deliver, and look: nothing may be archived while
# the catalog cannot say so.  b.dat is delivered once the lock is held
# (the locker printed "held"), not after a fixed pause, which a loaded
# machine can outlast; .bail makes a BEGIN that fails print nothing.
mkfifo "$T/hold"
sqlite3 -bail -cmd '.timeout 10000' "$T/carbonation.db" <"$T/hold" >"$T/hold.out" 2>&1 &
locker=$!
exec 3>"$T/hold"
printf "BEGIN EXCLUSIVE;\nSELECT 'held';\n" >&3
i=0
while ! grep -qx held "$T/hold.out" && kill -0 "$locker" 2>/dev/null && [ "$i" -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
if grep -qx held "$T/hold.out"; then t_pass "another process holds the catalog's write lock"; else
	t_fail "another process holds the catalog's write lock"
	sed 's/^/  | /' "$T/hold.out"
fi
echo two >"$T/in/b.dat"
i=0
while ! grep -q 'every transition is paused' "$T/svc.log" && [ "$i" -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
if grep -q 'every transition is paused' "$T/svc.log"; then
	t_pass "the service says it paused"
else
	t_fail "the service says it paused"
	sed 's/^/  | /' "$T/svc.log"
fi
if kill -0 "$svc" 2>/dev/null; then t_pass "... and keeps running"; else t_fail "... and keeps running"; fi
if [ -z "$(find "$T/arch" -name 'b.dat*' -o -name '.carb-tmp-*')" ]; then
	t_pass "no file is archived while its row cannot be written"
else
	t_fail "no file is archived while its row cannot be written"
fi

printf 'COMMIT;\n' >&3
exec 3>&-
wait "$locker" 2>/dev/null || true
if wait_for 2 60; then t_pass "once the lock is gone the file is archived"; else
	t_fail "once the lock is gone the file is archived"
	sed 's/^/  | /' "$T/svc.log"
fi
t_run grep -c 'resuming' "$T/svc.log"
t_expect_status 0 "the log says it resumed"

kill "$svc"
rc=0
wait "$svc" || rc=$?
if [ "$rc" -eq 0 ]; then t_pass "the service stops with 0"; else t_fail "the service stops with 0 (got $rc)"; fi
t_done
