# The cases of the amqp events sink every backend must pass (sourced,
# POSIX sh, not a test by itself).  events-amqp-sqlite.sh and
# events-amqp-postgresql.sh source tests/lib/common.sh, catalog.sh,
# http.sh, rabbitmq.sh, intake-cases.sh and archive-cases.sh (for
# a_project and the helpers), then this file, call catalog_start for
# their backend, then amqp_run_cases.
#
# A real RabbitMQ (tests/lib/rabbitmq.sh) and a consumer of our own
# (tests/amqp-consumer: a durable queue bound to the exchange, one JSON
# line per message with its properties, acknowledged once written).
# Cases: the exchanges are declared durable with their configured type;
# every final status makes one message, persistent, application/json,
# message_id the event_id, type the status, the routing key rendered from
# its template (a topic binding gets only what its key selects); the
# broker stopped for 20 s in the middle of 200 files: archiving goes on,
# `status` shows the outbox, and once the broker is back every event
# arrives, in outbox order; the service killed with SIGKILL at random
# moments while it publishes: every event arrives at least once, a
# duplicate with the same event_id and content; a broker that stops
# answering costs a timeout, not a hang; a wrong password in
# credentials_file is refused and the event waits; the README's
# amqp-consume consumer works; check config refuses credentials in the
# URL and an unknown exchange_type at file:line:column.
# shellcheck shell=sh

am_cons_pids=

am_cleanup() {
	svc_cleanup
	for pid in $am_cons_pids; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	return 0
}

# am_consume QUEUE EXCHANGE BINDING_KEY: a consumer of QUEUE (durable,
# bound to EXCHANGE) writing $T/QUEUE.jsonl; it binds once the exchange
# exists.
am_consume() {
	"$top_builddir/tests/amqp-consumer" "$RMQ_PORT" "$2" "$1" "$3" \
		"$T/$1.jsonl" >>"$T/consumers.log" 2>&1 &
	am_cons_pids="$am_cons_pids $!"
}

# am_bound QUEUE WHAT: until the consumer of QUEUE has bound it.
am_bound() {
	n=0
	while [ ! -f "$T/$1.jsonl.ready" ] && [ "$n" -lt 300 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	if [ -f "$T/$1.jsonl.ready" ]; then
		t_pass "$DB_DIALECT: $2"
	else
		i_fail "$DB_DIALECT: $2" amqp
	fi
}

# am_distinct QUEUE: how many distinct event ids QUEUE received.
am_distinct() {
	if [ -f "$T/$1.jsonl" ]; then
		python3 -c 'import json, sys; print(len({json.loads(l)["message_id"] for l in open(sys.argv[1])}))' "$T/$1.jsonl"
	else
		echo 0
	fi
}

# am_wait QUEUE N WHAT [SECONDS]: until QUEUE has N distinct events.
am_wait() {
	n=0
	while [ "$n" -lt $((${4:-30} * 5)) ]; do
		if [ "$(am_distinct "$1")" -ge "$2" ]; then
			t_pass "$DB_DIALECT: $3"
			return 0
		fi
		sleep 0.2
		n=$((n + 1))
	done
	i_fail "$DB_DIALECT: $3 (received $(am_distinct "$1"), want $2)" amqp
	return 1
}

# am_unsent SINK: the events the catalog has no delivery of to SINK.
am_unsent() {
	rows amqp "SELECT COUNT(*) FROM events e WHERE NOT EXISTS (SELECT 1 FROM event_deliveries d WHERE d.sink = '$1' AND d.event = e.id)"
}

# am_drained WHAT: until both sinks have every event (60 s).
am_drained() {
	n=0
	while [ "$n" -lt 300 ]; do
		if [ "$(am_unsent bus)" = 0 ] && [ "$(am_unsent topic)" = 0 ]; then
			t_pass "$DB_DIALECT: $1"
			return 0
		fi
		sleep 0.2
		n=$((n + 1))
	done
	i_fail "$DB_DIALECT: $1 (unsent: bus $(am_unsent bus), topic $(am_unsent topic))" amqp
}

# am_check QUEUE WHAT PYTHON: the Python expression over QUEUE's messages
# (m, a list in arrival order, each with its event in m[i]['event']) and
# the outbox (box: event_id -> (scope, status, sequence)) is true.
am_check() {
	rows amqp "SELECT event_id, scope, status, id FROM events ORDER BY id" >"$T/outbox"
	touch "$T/$1.jsonl"
	if python3 - "$T/$1.jsonl" "$T/outbox" "$3" <<'PY'
import json, sys, time, datetime
m = [json.loads(l) for l in open(sys.argv[1])]
box = {}
for line in open(sys.argv[2]):
    if line.strip():
        i, scope, status, seq = line.strip().split("|")
        box[i] = (scope, status, int(seq))
def first(ms):
    seen, out = set(), []
    for x in ms:
        if x["message_id"] not in seen:
            seen.add(x["message_id"])
            out.append(x)
    return out
def epoch(iso):
    return datetime.datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()
ok = eval(sys.argv[3])
if not ok:
    print("messages:", json.dumps(m)[:1500], file=sys.stderr)
    print("outbox:", box, file=sys.stderr)
sys.exit(0 if ok else 1)
PY
	then
		t_pass "$DB_DIALECT: $2"
	else
		i_fail "$DB_DIALECT: $2" amqp
	fi
}

am_project() {
	# read by a_config (archive-cases.sh)
	# shellcheck disable=SC2034
	ARCH_SETTLE=0s
	mkdir -p "$T/amqp"
	printf 'guest:guest\n' >"$T/amqp/rmq-credentials"
	a_project amqp "
[[events]]
name = \"bus\"
kind = \"amqp\"
url = \"$(rmq_url)\"
credentials_file = \"rmq-credentials\"
timeout = \"2s\"

[[events]]
name = \"topic\"
kind = \"amqp\"
url = \"$(rmq_url)\"
exchange = \"carb.topic\"
exchange_type = \"topic\"
routing_key = \"carb.{watch}.{scope}.{status}\"
timeout = \"2s\"" '' '[integrity]
min_size = 1

[[selection.rule]]
name = "no rejects"
action = "reject"
glob = ["rej_*"]'
	P=$T/amqp
}

# --- every final status: one message, as configured -------------------------
am_case_statuses() {
	am_consume all carbonation ""
	am_consume archived carb.topic "carb.in.group.archived"
	svc_start amqp
	am_bound all "a consumer binds a durable queue to the exchange the service declared at start"
	am_bound archived "a consumer binds a queue to the topic exchange"
	# The README's consumer: amqp-consume runs a command per message.
	amqp-consume --url "amqp://127.0.0.1:$RMQ_PORT" -q readme -e carbonation \
		-r '#' -- sh -c "cat >>'$T/readme.out'; echo >>'$T/readme.out'" \
		>>"$T/consumers.log" 2>&1 &
	am_cons_pids="$am_cons_pids $!"
	rmq_ctl list_exchanges name type durable auto_delete >"$T/exchanges" 2>&1
	if grep -q "^carbonation	fanout	true	false$" "$T/exchanges" &&
		grep -q "^carb.topic	topic	true	false$" "$T/exchanges"; then
		t_pass "$DB_DIALECT: the exchanges are durable, of the configured type (fanout by default)"
	else
		i_fail "$DB_DIALECT: the exchanges are durable, of the configured type (fanout by default)" amqp
		sed 's/^/# /' "$T/exchanges"
	fi

	printf 'archived\n' >"$P/in/a.dat"
	printf 'rejected\n' >"$P/in/rej_c.dat"
	printf 'integrity\n' >"$T/b.dat"
	printf '%064d  b.dat\n' 0 >"$T/b.dat.sha256"
	mv "$T/b.dat.sha256" "$P/in/b.dat.sha256"
	sleep 0.5
	mv "$T/b.dat" "$P/in/b.dat"
	wait_comp amqp in a.dat status ARCHIVED "$DB_DIALECT: a.dat is ARCHIVED"
	wait_comp amqp in rej_c.dat status NOT_SELECTED "$DB_DIALECT: rej_c.dat is NOT_SELECTED by a rule"
	wait_comp amqp in b.dat status INTEGRITY_FAILED "$DB_DIALECT: b.dat with a wrong sidecar is INTEGRITY_FAILED"
	t_run "$CARB" -c "$P/config.toml" clear --group_key a
	t_expect_status 0 "$DB_DIALECT: clear the archived group"
	total=$(rows amqp "SELECT COUNT(*) FROM events")
	am_wait all "$total" "the fanout queue gets every event of the outbox ($total)"
	am_drained "both sinks have every event recorded delivered"
	sleep 1
	am_check all "each outbox event arrived exactly once, with the final statuses" \
		"sorted(x['message_id'] for x in m) == sorted(box) and all(box[x['message_id']][1] == x['event']['status'] for x in m)"
	am_check all "ARCHIVED, NOT_SELECTED, INTEGRITY_FAILED and CLEARED each made their event" \
		"sorted(x['type'] for x in m if x['event']['members'][0]['path'] != 'b.dat.sha256') == ['ARCHIVED', 'CLEARED', 'INTEGRITY_FAILED', 'NOT_SELECTED']"
	am_check all "messages are persistent (delivery_mode 2), application/json, message_id = event_id, type = status" \
		"all(x['delivery_mode'] == 2 and x['content_type'] == 'application/json' and x['message_id'] == x['event']['event_id'] and x['type'] == x['event']['status'] for x in m)"
	am_check all "the default routing key is file.{status} in lower case, on the exchange carbonation" \
		"sorted({x['routing_key'] for x in m}) == ['file.archived', 'file.cleared', 'file.integrity_failed', 'file.not_selected'] and all(x['routing_key'] == 'file.' + x['type'].lower() and x['exchange'] == 'carbonation' for x in m)"
	am_check all "the timestamp is the event's time (seconds), the headers hold status, watch and scope" \
		"all(x['timestamp'] == int(epoch(x['event']['event_at'])) and x['headers'] == {'status': x['type'], 'watch': 'in', 'scope': x['event']['scope']} for x in m)"
	am_check all "the body is the event's JSON (schema 1, members, instance)" \
		"[x['event']['members'][0]['path'] for x in m if x['type'] == 'ARCHIVED' and x['event']['group_key'] == 'a'] == ['a.dat'] and all(x['event']['schema'] == 1 and x['event']['instance']['name'] == 'carbonation' for x in m)"
	n=0
	while [ "$(grep -c . "$T/readme.out" 2>/dev/null)" != "$total" ] && [ "$n" -lt 50 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	if python3 -c "import json, sys; ids = sorted(json.loads(l)['event_id'] for l in open(sys.argv[1]) if l.strip()); box = sorted(l.split('|')[0] for l in open(sys.argv[2]) if l.strip()); sys.exit(0 if ids == box else 1)" "$T/readme.out" "$T/outbox" 2>/dev/null; then
		t_pass "$DB_DIALECT: the README's amqp-consume consumer gets every event's JSON"
	else
		i_fail "$DB_DIALECT: the README's amqp-consume consumer gets every event's JSON" amqp
	fi
	am_check archived "the topic binding carb.in.group.archived gets only the ARCHIVED group events, routed by the template" \
		"sorted(x['message_id'] for x in m) == sorted(i for i in box if box[i][:2] == ('group', 'ARCHIVED')) and all((x['routing_key'], x['exchange']) == ('carb.in.group.archived', 'carb.topic') for x in m)"
}

# --- the broker stopped for 20 s in the middle of 200 files -----------------
am_case_outage() {
	before=$(rows amqp "SELECT COUNT(*) FROM events")
	archived=$(rows amqp "SELECT COUNT(*) FROM components WHERE status = 'ARCHIVED'")
	i=1
	while [ "$i" -le 200 ]; do
		printf 'burst %s\n' "$i" >"$T/burst"
		mv "$T/burst" "$P/in/o$i.dat"
		if [ "$i" = 60 ]; then
			am_wait all $((before + 20)) "events flow during the burst" 60
			rmq_down
			down_at=$(date +%s)
		fi
		i=$((i + 1))
	done
	wait_rows amqp "SELECT COUNT(*) FROM components WHERE status = 'ARCHIVED'" $((archived + 200)) \
		"$DB_DIALECT: the burst's 200 files are ARCHIVED while the broker is down" 120
	t_run "$CARB" -c "$P/config.toml" status
	if grep -Eq "bus: [1-9][0-9]* unsent" "$T/out"; then
		t_pass "$DB_DIALECT: status shows the outbox waiting for the broker"
	else
		i_fail "$DB_DIALECT: status shows the outbox waiting for the broker" amqp
	fi
	left=$((20 - ($(date +%s) - down_at)))
	if [ "$left" -gt 0 ]; then
		sleep "$left"
	fi
	rmq_up
	total=$(rows amqp "SELECT COUNT(*) FROM events")
	am_wait all "$total" "once the broker is back every event arrives ($total)" 120
	am_drained "every event is recorded delivered after the outage"
	am_check all "none lost across the outage, and each group's events in outbox order" \
		"set(x['message_id'] for x in m) == set(box) and all([box[x['message_id']][2] for x in first(m) if x['event']['group_key'] == g] == sorted(box[x['message_id']][2] for x in first(m) if x['event']['group_key'] == g) for g in {x['event']['group_key'] for x in m})"
	am_check all "the burst arrived in outbox order (first copies)" \
		"[box[x['message_id']][2] for x in first(m) if (x['event']['group_key'] or '').startswith('o')] == sorted(box[x['message_id']][2] for x in first(m) if (x['event']['group_key'] or '').startswith('o'))"
}

# --- SIGKILL at random moments while publishing -----------------------------
am_case_sigkill() {
	archived=$(rows amqp "SELECT COUNT(*) FROM components WHERE status = 'ARCHIVED'")
	i=1
	while [ "$i" -le 80 ]; do
		printf 'kill %s\n' "$i" >"$T/k"
		mv "$T/k" "$P/in/k$i.dat"
		i=$((i + 1))
	done
	for ms in $(shuf -i 100-1200 -n 4); do
		sleep "$(printf '0.%03d' "$((ms % 1000))")"
		[ "$ms" -ge 1000 ] && sleep 1
		kill -KILL "$(svc_pid amqp)"
		wait "$(svc_pid amqp)" 2>/dev/null
		echo "# SIGKILL after $ms ms" >>"$T/amqp.log"
		svc_start amqp
	done
	wait_rows amqp "SELECT COUNT(*) FROM components WHERE status = 'ARCHIVED'" $((archived + 80)) \
		"$DB_DIALECT: the 80 files are ARCHIVED across four SIGKILLs" 120
	am_drained "after the SIGKILLs every event is recorded delivered"
	am_check all "every event arrived at least once, duplicates with the same event_id and content" \
		"set(x['message_id'] for x in m) == set(box) and all(len({json.dumps(x['event'].get('sequence')) + x['type'] + x['routing_key'] for x in m if x['message_id'] == i}) == 1 for i in box)"
}

# --- a broker that stops answering: a timeout, not a hang ------------------
am_case_frozen() {
	vm=$(ps -o pid= --ppid "$RMQ_PID" 2>/dev/null | tr -d ' ')
	before=$(rows amqp "SELECT COUNT(*) FROM events")
	timeouts=$(grep -c 'events "bus".*did not confirm within 2000 ms' "$T/amqp.log")
	kill -STOP "$vm"
	printf 'frozen\n' >"$P/in/f1.dat"
	wait_comp amqp in f1.dat status ARCHIVED "$DB_DIALECT: f1.dat is ARCHIVED while the broker is frozen"
	n=0
	# Each sink times out on its own; which of the two sends first
	# depends on when each last looked, so wait for this one's line.
	while [ "$(grep -c 'events "bus".*did not confirm within 2000 ms' "$T/amqp.log")" -le "$timeouts" ] &&
		[ "$n" -lt 150 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	if [ "$(grep -c 'events "bus".*did not confirm within 2000 ms' "$T/amqp.log")" -gt "$timeouts" ]; then
		t_pass "$DB_DIALECT: a publish the broker does not confirm fails after the timeout"
	else
		i_fail "$DB_DIALECT: a publish the broker does not confirm fails after the timeout" amqp
	fi
	stop_at=$(date +%s)
	svc_stop amqp
	if [ $(($(date +%s) - stop_at)) -le 8 ]; then
		t_pass "$DB_DIALECT: a frozen broker does not hold up the service's stop"
	else
		i_fail "$DB_DIALECT: a frozen broker does not hold up the service's stop ($(($(date +%s) - stop_at)) s)" amqp
	fi
	kill -CONT "$vm"
	svc_start amqp
	am_wait all $((before + 1)) "the event arrives once the broker answers again" 90
	# The publish that timed out is sent again: at least once.
	am_drained "the unconfirmed event is published again and recorded delivered"
	svc_stop amqp
}

# --- credentials_file is what the sink logs in with -------------------------
am_case_credentials() {
	before=$(rows amqp "SELECT COUNT(*) FROM events")
	printf 'guest:not-the-password\n' >"$P/rmq-credentials"
	svc_start amqp
	printf 'refused\n' >"$P/in/r1.dat"
	wait_comp amqp in r1.dat status ARCHIVED "$DB_DIALECT: r1.dat is ARCHIVED while the broker refuses the login"
	n=0
	while ! grep -q 'events "bus".*login.*ACCESS_REFUSED' "$T/amqp.log" && [ "$n" -lt 100 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	if grep -q 'events "bus".*login.*ACCESS_REFUSED' "$T/amqp.log"; then
		t_pass "$DB_DIALECT: a wrong password in credentials_file is refused by the broker, and logged"
	else
		i_fail "$DB_DIALECT: a wrong password in credentials_file is refused by the broker, and logged" amqp
	fi
	expect_rows amqp "SELECT COUNT(*) FROM events e WHERE NOT EXISTS (SELECT 1 FROM event_deliveries d WHERE d.sink = 'bus' AND d.event = e.id)" 1 \
		"$DB_DIALECT: ... and its event waits in the outbox"
	svc_stop amqp
	printf 'guest:guest\n' >"$P/rmq-credentials"
	svc_start amqp
	am_wait all $((before + 1)) "with the right credentials the event arrives" 30
	svc_stop amqp
}

am_case_check_config() {
	cp "$P/config.toml" "$P/good.toml"
	sed -e "s|^url = \"amqp://127.0.0.1:|url = \"amqp://guest:guest@127.0.0.1:|" \
		-e 's|^exchange_type = "topic"|exchange_type = "topical"|' \
		"$P/good.toml" >"$P/config.toml"
	line=$(grep -n '^url = "amqp://guest' "$P/config.toml" | head -1 | cut -d: -f1)
	tline=$(grep -n '^exchange_type' "$P/config.toml" | cut -d: -f1)
	t_run "$CARB" -c "$P/config.toml" check config
	t_expect_status 2 "$DB_DIALECT: check config refuses bad amqp values (exit 2)"
	t_expect_err "config.toml:$line:7: events \"bus\": url: \"amqp://guest:guest@" "$DB_DIALECT: ... credentials in the URL, at file:line:column"
	t_expect_err "holds credentials; put USER:PASSWORD in credentials_file" "$DB_DIALECT: ... saying where credentials go"
	t_expect_err "config.toml:$tline:17: events \"topic\": exchange_type: \"topical\" is not one of" "$DB_DIALECT: ... an unknown exchange_type, at file:line:column"
	t_expect_err '"fanout", "direct", "topic", "headers"' "$DB_DIALECT: ... with the valid choices"
	mv "$P/good.toml" "$P/config.toml"
}

amqp_run_cases() {
	t_cleanup am_cleanup
	rmq_start
	am_project
	t_run "$CARB" -c "$P/config.toml" check config
	t_expect_status 0 "$DB_DIALECT: two amqp sinks pass check config"
	am_case_check_config
	am_case_statuses
	am_case_outage
	am_case_sigkill
	am_case_frozen
	am_case_credentials
}
