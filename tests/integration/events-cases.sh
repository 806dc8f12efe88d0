# The cases of the outbox and its webhook sink every backend must pass
# (sourced, POSIX sh, not a test by itself).  events-sqlite.sh and
# events-postgresql.sh source tests/lib/common.sh, tests/lib/catalog.sh,
# intake-cases.sh and archive-cases.sh (for a_project and the helpers),
# then this file, call catalog_start for their backend, then
# events_run_cases.
#
# A real receiver (events-receiver.py, Python's http.server) checks each
# request's HMAC signature and records what it accepted.  Cases: every
# final status makes exactly one event (ARCHIVED, INTEGRITY_FAILED from a
# wrong sidecar, NOT_SELECTED from a rule, CLEARED); a receiver that
# answers 500 for a while neither slows archiving nor loses an event, and
# the backlog arrives in order once it answers 200, with `status` showing
# the outbox's depth meanwhile; the service killed with SIGKILL while it
# publishes and started again: every event arrives at least once, a
# duplicate with the same event_id; `events replay` sends again; a
# plugin's columns (the filename plugin's) are in each group's event, as
# `query files --format json` shows them.
# shellcheck shell=sh

ev_recv_start() {
	R=$T/recv
	mkdir -p "$R"
	rm -f "$R/port"
	python3 "$top_srcdir/tests/integration/events-receiver.py" "$R/port" "$R" \
		"the shared secret" >"$R/log" 2>&1 &
	recv_pid=$!
	n=0
	while [ ! -s "$R/port" ] && [ "$n" -lt 100 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	RECV_PORT=$(cat "$R/port")
}

ev_cleanup() {
	svc_cleanup
	if [ -n "${recv_pid:-}" ]; then
		kill "$recv_pid" 2>/dev/null
	fi
	return 0
}

# ev_received: how many events the receiver accepted.
ev_received() {
	if [ -f "$R/events.jsonl" ]; then
		wc -l <"$R/events.jsonl" | tr -d ' '
	else
		echo 0
	fi
}

# ev_wait_received N WHAT [SECONDS]: until the receiver has at least N.
ev_wait_received() {
	n=0
	while [ "$n" -lt $((${3:-30} * 10)) ]; do
		if [ "$(ev_received)" -ge "$1" ]; then
			t_pass "$2"
			return 0
		fi
		sleep 0.1
		n=$((n + 1))
	done
	i_fail "$2 (received $(ev_received), want $1)" evt
	return 1
}

# ev_outbox: the outbox's rows as "event_id|scope|status", one a line.
ev_outbox() {
	rows evt "SELECT event_id, scope, status FROM events ORDER BY id" | sort
}

# ev_check WHAT PYTHON: the Python expression over the accepted events
# (ev, a list in arrival order) and the outbox (box: event_id -> (scope,
# status)) is true.
ev_check() {
	ev_outbox >"$T/outbox"
	if python3 - "$R/events.jsonl" "$T/outbox" "$2" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])] if sys.argv[1] else []
box = {}
for line in open(sys.argv[2]):
    if line.strip():
        i, scope, status = line.strip().split("|")
        box[i] = (scope, status)
ok = eval(sys.argv[3])
if not ok:
    print("events:", json.dumps(ev)[:1500], file=sys.stderr)
    print("outbox:", box, file=sys.stderr)
sys.exit(0 if ok else 1)
PY
	then
		t_pass "$DB_DIALECT: $1"
	else
		i_fail "$DB_DIALECT: $1" evt
	fi
}

# The filename plugin's columns in the event of each group, with the
# values `query files --format json` shows; a component-only event has
# none.
events_case_plugin() {
	mkdir -p "$T/evp"
	cp "$T/evt/hook-secret" "$T/evp/hook-secret"
	f_project evp "pattern = \"{category}_{start:%Y%m%dT%H%M%S}.{ext}\"
columns = { category = \"text\", start = \"timestamp\", ext = \"text\" }" "
[[events]]
name = \"plug\"
kind = \"webhook\"
url = \"http://127.0.0.1:$RECV_PORT/events\"
secret_file = \"hook-secret\"
timeout = \"2s\"" '[metadata]
extract = "filename"'
	printf 'obs\n' >"$T/evp/in/obs_20240102T030405.dat"
	printf 'model\n' >"$T/evp/in/model_20240203T000000.nc"
	a_once evp
	t_expect_status 0 "$DB_DIALECT: evp: run --once archives the two groups"
	before=$(ev_received)
	svc_start evp
	ev_wait_received $((before + 2)) "$DB_DIALECT: evp: the service sends their events" 60
	svc_stop evp
	t_run "$CARB" -c "$T/evp/config.toml" query files --columns group_key,category,start,ext --format json
	cp "$T/out" "$T/evp/query.json"
	ev_check "each group's event has the plugin's columns as query files --format json shows them" \
		"(lambda q: all(e['plugin'] == {k: v for k, v in r.items() if k != 'group_key'} for r in q for e in ev if e['watch'] == 'in' and e['group_key'] == r['group_key']) and sum(1 for e in ev if e.get('plugin')) == 2 and {e['plugin']['category'] for e in ev if e.get('plugin')} == {'obs', 'model'})(json.load(open('$T/evp/query.json')))"
}

events_run_cases() {
	t_cleanup ev_cleanup
	ev_recv_start
	# read by a_config (archive-cases.sh)
	# shellcheck disable=SC2034
	ARCH_SETTLE=0s
	mkdir -p "$T/evt"
	printf 'the shared secret\n' >"$T/evt/hook-secret"
	HTTP_PORT=$(free_port)
	a_project evt "
[http]
listen = \"127.0.0.1:$HTTP_PORT\"

[[events]]
name = \"hook\"
kind = \"webhook\"
url = \"http://127.0.0.1:$RECV_PORT/events\"
secret_file = \"hook-secret\"
timeout = \"2s\"" '' '[integrity]
min_size = 1

[[selection.rule]]
name = "no rejects"
action = "reject"
glob = ["rej_*"]'
	P=$T/evt

	t_run "$CARB" -c "$P/config.toml" check config
	t_expect_status 0 "$DB_DIALECT: a webhook sink passes check config"

	# --- every final status: exactly one event -------------------------
	svc_start evt
	printf 'archived\n' >"$P/in/a.dat"
	printf 'rejected\n' >"$P/in/rej_c.dat"
	# The sidecar first, each file whole (a rename): b.dat is checked
	# once, against it.  (A sidecar that arrives later has b.dat checked
	# again, a second INTEGRITY_FAILED and so a second event.)
	printf 'integrity\n' >"$T/b.dat"
	printf '%064d  b.dat\n' 0 >"$T/b.dat.sha256"
	mv "$T/b.dat.sha256" "$P/in/b.dat.sha256"
	sleep 0.5
	mv "$T/b.dat" "$P/in/b.dat"
	wait_comp evt in a.dat status ARCHIVED "$DB_DIALECT: a.dat is ARCHIVED"
	wait_comp evt in rej_c.dat status NOT_SELECTED "$DB_DIALECT: rej_c.dat is NOT_SELECTED by a rule"
	wait_comp evt in b.dat status INTEGRITY_FAILED "$DB_DIALECT: b.dat with a wrong sidecar is INTEGRITY_FAILED"
	t_run "$CARB" -c "$P/config.toml" clear --group_key a
	t_expect_status 0 "$DB_DIALECT: clear the archived group"
	total=$(rows evt "SELECT COUNT(*) FROM events")
	ev_wait_received "$total" "$DB_DIALECT: the receiver gets every event of the outbox ($total)"
	sleep 1
	ev_check "each outbox row arrived exactly once, signed, with the final statuses" \
		"sorted(e['event_id'] for e in ev) == sorted(box) and all(e['header_id'] == e['event_id'] for e in ev)"
	ev_check "one ARCHIVED and then one CLEARED event for group a, with its member" \
		"[e['status'] for e in ev if e['group_key'] == 'a' and e['scope'] == 'group'] == ['ARCHIVED', 'CLEARED'] and [e['paths'] for e in ev if e['group_key'] == 'a'][0] == ['a.dat']"
	ev_check "one NOT_SELECTED event for group rej_c" \
		"[e['status'] for e in ev if e['group_key'] == 'rej_c'] == ['NOT_SELECTED']"
	ev_check "one INTEGRITY_FAILED component event for b.dat" \
		"[e['scope'] for e in ev if e['status'] == 'INTEGRITY_FAILED' and e['paths'] == ['b.dat']] == ['component']"
	ev_check "the ARCHIVED event carries the member's SHA-256, an xxh128 key, the instance and an ISO 8601 UTC time" \
		"[len(e['sha256'][0] or '') == 64 and e['has_xxh128'] and e['instance']['name'] == 'carbonation' and e['instance']['pid'] > 0 and e['event_at'].endswith('Z') for e in ev if e['status'] == 'ARCHIVED' and e['group_key'] == 'a'] == [True]"
	expect_rows evt "SELECT COUNT(*) FROM completions" \
		"$(rows evt "SELECT COUNT(*) FROM events WHERE scope = 'group'")" \
		"$DB_DIALECT: one group event per completion (same transaction, same triggers' rule)"
	expect_rows evt "SELECT COUNT(*) FROM events e WHERE NOT EXISTS (SELECT 1 FROM event_deliveries d WHERE d.sink = 'hook' AND d.event = e.id)" 0 \
		"$DB_DIALECT: every event is recorded delivered to the sink"
	if [ -f "$R/badsig" ]; then
		t_fail "$DB_DIALECT: no request had a bad signature"
	else
		t_pass "$DB_DIALECT: no request had a bad signature"
	fi

	# --- the receiver down: archiving goes on, the backlog waits --------
	before=$(ev_received)
	echo 500 >"$R/mode"
	for i in 1 2 3 4 5; do
		printf 'down %s\n' "$i" >"$P/in/d$i.dat"
	done
	for i in 1 2 3 4 5; do
		wait_comp evt in "d$i.dat" status ARCHIVED "$DB_DIALECT: d$i.dat is ARCHIVED while the receiver answers 500"
	done
	sleep 2
	if [ -s "$R/refused" ]; then
		t_pass "$DB_DIALECT: the receiver refused deliveries (HTTP 500)"
	else
		i_fail "$DB_DIALECT: the receiver refused deliveries (HTTP 500)" evt
	fi
	t_run "$CARB" -c "$P/config.toml" status
	t_expect_out "hook: 5 unsent" "$DB_DIALECT: status shows the sink's outbox depth"
	t_run "$CARB" -c "$P/config.toml" status --format json
	if python3 -c "import json, sys; j = json.load(open(sys.argv[1])); s = [x for x in j['events'] if x['sink'] == 'hook'][0]; sys.exit(0 if s['unsent'] == 5 and s['oldest_unsent_age_s'] >= 1 else 1)" "$T/out" 2>/dev/null; then
		t_pass "$DB_DIALECT: status --format json: the depth and the oldest unsent event's age"
	else
		i_fail "$DB_DIALECT: status --format json: the depth and the oldest unsent event's age" evt
	fi
	n=0
	while [ "$n" -lt 100 ]; do
		curl -s "http://127.0.0.1:$HTTP_PORT/metrics" >"$T/metrics" 2>/dev/null
		# the gauges are read every 5 s: the age is as of that read
		grep -q '^carbonation_events_unsent{sink="hook"} 5$' "$T/metrics" &&
			grep -q '^carbonation_events_oldest_unsent_age_seconds{sink="hook"} [1-9]' "$T/metrics" &&
			break
		sleep 0.2
		n=$((n + 1))
	done
	if grep -q '^carbonation_events_unsent{sink="hook"} 5$' "$T/metrics" &&
		grep -q '^carbonation_events_oldest_unsent_age_seconds{sink="hook"} [1-9]' "$T/metrics"; then
		t_pass "$DB_DIALECT: /metrics shows the sink's outbox depth and its oldest event's age"
	else
		i_fail "$DB_DIALECT: /metrics shows the sink's outbox depth and its oldest event's age" evt
		grep events "$T/metrics" | sed 's/^/# /'
	fi
	echo 200 >"$R/mode"
	ev_wait_received $((before + 5)) "$DB_DIALECT: the backlog arrives once the receiver answers 200" 120
	sleep 1
	ev_check "none lost, none twice, in outbox order" \
		"sorted(e['event_id'] for e in ev) == sorted(box) and [e['sequence'] for e in ev] == sorted(e['sequence'] for e in ev)"

	# --- SIGKILL while publishing: at least once -------------------------
	before=$(ev_received)
	echo slow >"$R/mode"
	for i in 1 2 3 4 5 6 7 8; do
		printf 'kill %s\n' "$i" >"$P/in/k$i.dat"
	done
	ev_wait_received $((before + 2)) "$DB_DIALECT: events flow to a slow receiver" 60
	kill -KILL "$(svc_pid evt)"
	wait "$(svc_pid evt)" 2>/dev/null
	echo 200 >"$R/mode"
	svc_start evt
	for i in 1 2 3 4 5 6 7 8; do
		wait_comp evt in "k$i.dat" status ARCHIVED "$DB_DIALECT: k$i.dat is ARCHIVED across the SIGKILL" 60
	done
	n=0
	while [ "$n" -lt 300 ]; do
		[ "$(rows evt "SELECT COUNT(*) FROM events e WHERE NOT EXISTS (SELECT 1 FROM event_deliveries d WHERE d.sink = 'hook' AND d.event = e.id)")" = 0 ] && break
		sleep 0.1
		n=$((n + 1))
	done
	ev_check "after SIGKILL and a restart every event arrived at least once, duplicates with the same event_id and content" \
		"set(e['event_id'] for e in ev) == set(box) and all(len({(e['sequence'], e['status']) for e in ev if e['event_id'] == i}) == 1 for i in box)"

	# --- replay ----------------------------------------------------------
	before=$(ev_received)
	total=$(rows evt "SELECT COUNT(*) FROM events")
	t_run "$CARB" -c "$P/config.toml" events replay --since 1h --sink hook
	t_expect_status 0 "$DB_DIALECT: events replay"
	t_expect_out "$total events" "$DB_DIALECT: events replay says how many events are sent again"
	ev_wait_received $((before + total)) "$DB_DIALECT: replayed events arrive again" 60
	ev_check "a replay sends the same event_ids again" \
		"all(sum(1 for e in ev if e['event_id'] == i) >= 2 for i in box)"
	t_run "$CARB" -c "$P/config.toml" events replay --since 1h --sink nosuch
	t_expect_status 2 "$DB_DIALECT: events replay --sink with an unknown sink exits 2"
	t_expect_err 'no [[events]] sink is named "nosuch"' "$DB_DIALECT: ... and names it"
	svc_stop evt

	# --- pruning: delivered events go after the retention ----------------
	sed 's/^workers = 2$/workers = 2\nevent_retention = "1s"/' "$P/config.toml" >"$P/config.new"
	mv "$P/config.new" "$P/config.toml"
	sleep 1.1
	printf 'late\n' >"$P/in/late.dat"
	svc_start evt
	wait_comp evt in late.dat status ARCHIVED "$DB_DIALECT: late.dat is ARCHIVED"
	n=0
	while [ "$n" -lt 100 ]; do
		[ "$(rows evt "SELECT COUNT(*) FROM events WHERE status = 'CLEARED'")" = 0 ] && break
		sleep 0.1
		n=$((n + 1))
	done
	expect_rows evt "SELECT COUNT(*) FROM event_deliveries d WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.id = d.event)" 0 \
		"$DB_DIALECT: pruning leaves no delivery without its event"
	expect_rows evt "SELECT COUNT(*) FROM events WHERE status IN ('CLEARED', 'NOT_SELECTED', 'INTEGRITY_FAILED')" 0 \
		"$DB_DIALECT: delivered events older than event_retention are pruned at start"
	svc_stop evt
	events_case_plugin
}
