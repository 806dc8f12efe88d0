#!/bin/sh
# The service's log: [service] name in every line, JSON lines with the
# message's fields as keys, the systemd journal with PRIORITY and CARB_*
# fields when standard error is the journal's stream (JOURNAL_STREAM), and
# the log file opened again on SIGHUP (logrotate).  WAITING and TIMED_OUT
# transitions are logged.  SQLite; the journal is tests/journal-listener.py
# on /run/systemd/journal/socket in a mount namespace of this test's own
# (unshare), since no journald runs here.
set -u
. "$top_srcdir/tests/lib/common.sh"
t_setup

project() {
	P=$T/$1
	mkdir -p "$P/in" "$P/archive"
	cat >"$P/config.toml" <<EOT
[service]
name = "svc-a"

[logging]
level = "debug"
$2

[archive]
base_path = "archive"
destination = "{watch}"

[[watch]]
name = "in"
path = "in"
settle = "0s"
EOT
	printf '[completeness]\nrequired = [".dat", ".xml"]\ntimeout = "1s"\n' >"$P/rules.toml"
	"$CARB" -c "$P/config.toml" db init >/dev/null
}

# deliver: a complete group (archived), and a lone .dat (WAITING, then
# TIMED_OUT after 1 s).
deliver() {
	printf 'a\n' >"$P/in/a.dat"
	printf '<a/>\n' >"$P/in/a.xml"
	printf 'lone\n' >"$P/in/lone.dat"
}

# until_in FILE TEXT: at most 30 s.
until_in() {
	n=0
	while ! grep -q "$2" "$1" 2>/dev/null && [ "$n" -lt 300 ]; do
		n=$((n + 1))
		sleep 0.1
	done
}

# --- text, the log file, SIGHUP ---
project text 'file = "carb.log"'
"$CARB" -c "$P/config.toml" run 2>"$T/text.err" &
pid=$!
deliver
until_in "$P/carb.log" 'TIMED_OUT\|timed out'
if grep -q ' info \[svc-a\] service started' "$P/carb.log"; then
	t_pass "text: [service] name in the line"
else
	t_fail "text: [service] name in the line"
	sed 's/^/  | /' "$P/carb.log"
fi
if grep -q 'debug \[svc-a\] watch "in": lone.dat: waiting for the rest of its group' "$P/carb.log"; then
	t_pass "text: WAITING is logged (debug)"
else
	t_fail "text: WAITING is logged (debug)"
fi
if grep -q 'warning \[svc-a\] watch "in": lone.dat: group timed out; missing .xml' "$P/carb.log"; then
	t_pass "text: TIMED_OUT is logged (warning), with what was missing"
else
	t_fail "text: TIMED_OUT is logged (warning), with what was missing"
	sed 's/^/  | /' "$P/carb.log"
fi
mv "$P/carb.log" "$P/carb.log.1"
kill -HUP "$pid"
until_in "$P/carb.log" 'reload: done'
printf 'b\n' >"$P/in/b.dat"
printf '<b/>\n' >"$P/in/b.xml"
until_in "$P/carb.log" 'b.xml: archived to'
if grep -q 'b.xml: archived to' "$P/carb.log" && ! grep -q 'b.xml' "$P/carb.log.1"; then
	t_pass "text: SIGHUP opens the log file again (after logrotate moved it)"
else
	t_fail "text: SIGHUP opens the log file again (after logrotate moved it)"
fi
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
t_status=$rc
t_expect_status 0 "text: exit 0"

# --- JSON ---
project json 'format = "json"'
"$CARB" -c "$P/config.toml" run 2>"$T/json.log" &
pid=$!
deliver
until_in "$T/json.log" 'group timed out'
kill -TERM "$pid"
wait "$pid"
if python3 - "$T/json.log" >"$T/out" 2>&1 <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert all(l["service"] == "svc-a" for l in lines), "service"
arch = [l for l in lines if l["msg"].endswith("a.dat: archived to in/a.dat")]
assert arch, "no archived line"
a = arch[0]
assert (a["watch"], a["component"], a["status"], a["destination"]) == \
    ("in", "a.dat", "ARCHIVED", "in/a.dat"), a
assert isinstance(a["group"], int) and a["group"] > 0, a
t = [l for l in lines if l.get("status") == "TIMED_OUT"]
assert t and t[0]["level"] == "warning" and t[0]["component"] == "lone.dat", t
PY
then
	t_pass "json: every line parses, carries service, and the fields as keys (watch, component, group, status, destination)"
else
	t_fail "json: every line parses, carries service, and the fields as keys"
fi

# --- the journal ---
project journal ''
if unshare -m true 2>/dev/null; then
	cat >"$T/journal.sh" <<'EOS'
set -u
mkdir -p /run/systemd/journal
mount -t tmpfs tmpfs /run/systemd/journal || exit 3
python3 "$1/tests/journal-listener.py" /run/systemd/journal/socket "$T/journal.json" &
lp=$!
n=0
while [ ! -S /run/systemd/journal/socket ] && [ "$n" -lt 100 ]; do
	n=$((n + 1))
	sleep 0.05
done
: >"$T/stderr.log"
JOURNAL_STREAM=$(stat -c '%d:%i' "$T/stderr.log") \
	"$CARB" -c "$P/config.toml" run 2>>"$T/stderr.log" &
pid=$!
printf 'a\n' >"$P/in/a.dat"
printf '<a/>\n' >"$P/in/a.xml"
printf 'lone\n' >"$P/in/lone.dat"
n=0
while ! grep -q 'group timed out' "$T/journal.json" 2>/dev/null && [ "$n" -lt 300 ]; do
	n=$((n + 1))
	sleep 0.1
done
kill -TERM "$pid"
wait "$pid"
kill -TERM "$lp"
wait "$lp"
EOS
	export T P CARB
	unshare -m sh "$T/journal.sh" "$top_srcdir"
	if python3 - "$T/journal.json" >"$T/out" 2>&1 <<'PY'
import json, sys
msgs = [json.loads(l) for l in open(sys.argv[1])]
assert msgs, "nothing reached the journal"
for m in msgs:
    for k in ("MESSAGE", "PRIORITY", "CODE_FILE", "CODE_LINE"):
        assert k in m, (k, m)
    assert m["CARB_INSTANCE"] == "svc-a", m
    assert m["SYSLOG_IDENTIFIER"] == "carbonation", m
a = [m for m in msgs if m.get("CARB_COMPONENT") == "a.dat" and m.get("CARB_STATUS") == "ARCHIVED"]
assert a, "no archived message"
a = a[0]
assert (a["CARB_WATCH"], a["CARB_DESTINATION"], a["PRIORITY"]) == ("in", "in/a.dat", "6"), a
assert int(a["CARB_GROUP"]) > 0 and a["CODE_FILE"] == "src/pipeline/archiving.c", a
t = [m for m in msgs if m.get("CARB_STATUS") == "TIMED_OUT"]
assert t and t[0]["PRIORITY"] == "4" and t[0]["CARB_COMPONENT"] == "lone.dat", t
assert not any(m.get("CARB_WATCH") == "" for m in msgs), "an empty field was sent"
PY
	then
		t_pass "journal: messages with PRIORITY, CODE_FILE/CODE_LINE, CARB_INSTANCE, CARB_WATCH, CARB_COMPONENT, CARB_GROUP, CARB_STATUS, CARB_DESTINATION"
	else
		t_fail "journal: messages with PRIORITY, CODE_FILE/CODE_LINE and the CARB_* fields"
	fi
	if [ ! -s "$T/stderr.log" ]; then
		t_pass "journal: nothing written to the stream besides"
	else
		t_fail "journal: nothing written to the stream besides"
		head -n 5 "$T/stderr.log" | sed 's/^/  | /'
	fi
else
	t_fail "journal: unshare -m is needed for this case (a mount namespace)"
fi
# A build with libsystemd links it for real (a linker with --as-needed
# drops a library nothing seems to use).
if grep -q '^#define HAVE_SYSTEMD 1' "$top_builddir/autoconfig.h"; then
	if objdump -p "$CARB" | grep -q 'NEEDED.*libsystemd'; then
		t_pass "built with libsystemd: the program needs it (NEEDED)"
	else
		t_fail "built with libsystemd: the program needs it (NEEDED)"
	fi
fi
t_done
