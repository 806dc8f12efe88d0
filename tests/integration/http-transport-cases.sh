# The cases of the http destination every backend must pass (sourced,
# POSIX sh, not a test by itself).  http-transport-sqlite.sh and
# -postgresql.sh source tests/lib/common.sh, tests/lib/catalog.sh,
# tests/lib/http.sh and intake-cases.sh, then this file, call
# catalog_start for their backend, then http_transport_run_cases.
#
# The contract is docs/http-destination.md.  Two carbonation services on
# loopback, each with its own catalog: receivers (`run` with [http]
# listen, a token and upload_watches = ["in"]) and senders (`run` with an
# [archive.destinations.remote] url pointing at a receiver, or at
# flip-proxy.py in front of one).  Outcomes are read from both catalogs
# and the files compared byte for byte (SHA-256) at both ends.
#
#   HT_FILES   files of the main case (1,000 as the issue says; smaller
#              for a quick run)
# shellcheck shell=sh

HT_FILES=${HT_FILES:-1000}
HT_TOKEN=transport-token-42

# ht_receiver NAME PORT: a receiving project; its watch "in" takes
# uploads.  Its settle time is 2 s, so an upload's answer never waits for
# intake to record the file (docs/http.md).
ht_receiver() {
	P=$T/$1
	mkdir -p "$P/in" "$P/archive"
	db_create "$1"
	printf '%s\n' "$HT_TOKEN" >"$P/token"
	{
		printf '[database]\nurl = "%s"\n' "$DB_URL"
		if [ -n "$DB_PASSWORD" ]; then
			printf '%s\n' "$DB_PASSWORD" >"$P/db-password"
			printf 'password_file = "db-password"\n'
		fi
		printf '\n[service]\nworkers = 2\n'
		printf '\n[http]\nlisten = "127.0.0.1:%s"\ntoken_file = "token"\n' "$2"
		printf 'upload_watches = ["in"]\n'
		printf '\n[[watch]]\nname = "in"\npath = "in"\nsettle = "2s"\n'
		printf '\n[archive]\nbase_path = "archive"\n'
	} >"$P/config.toml"
	printf '[integrity]\nmin_size = 1\n' >"$P/rules.toml"
	t_run "$CARB" -c "$P/config.toml" db init
	t_expect_status 0 "$DB_DIALECT: $1: db init"
}

# ht_sender NAME URL_PORT [TOKEN]: a sending project whose files all go
# to the http destination "remote" at 127.0.0.1:URL_PORT, watch "in".
ht_sender() {
	P=$T/$1
	mkdir -p "$P/in" "$P/archive"
	db_create "$1"
	printf '%s\n' "${3:-$HT_TOKEN}" >"$P/token"
	{
		printf '[database]\nurl = "%s"\n' "$DB_URL"
		if [ -n "$DB_PASSWORD" ]; then
			printf '%s\n' "$DB_PASSWORD" >"$P/db-password"
			printf 'password_file = "db-password"\n'
		fi
		printf '\n[service]\nworkers = 2\n'
		printf '\n[[watch]]\nname = "in"\npath = "in"\nsettle = "200ms"\n'
		printf '\n[archive]\nbase_path = "archive"\n'
		printf 'retry_delay = "1s"\nretry_max_delay = "2s"\n'
		printf '\n[archive.destinations.remote]\n'
		printf 'url = "http://127.0.0.1:%s/upload/in/{name}"\n' "$2"
		printf 'token_file = "token"\nconnect_timeout = "2s"\ntimeout = "60s"\n'
	} >"$P/config.toml"
	printf '[integrity]\nmin_size = 1\n\n[routing]\ndefault = "remote"\n' >"$P/rules.toml"
	t_run "$CARB" -c "$P/config.toml" db init
	t_expect_status 0 "$DB_DIALECT: $1: db init"
}

# ht_wait_up PORT: until the receiver on PORT answers /health.
ht_wait_up() {
	if http_wait "http://127.0.0.1:$1/health" 30; then
		return 0
	fi
	i_fail "$DB_DIALECT: a receiver listens on $1 within 30 s"
	return 1
}

# ht_same SENDER RECEIVER PATTERN WHAT: the files PATTERN in the sender's
# watch folder are at the receiver's, the same bytes (SHA-256 of each).
ht_same() {
	(cd "$T/$1/in" && find . -maxdepth 1 -type f -name "$3" -exec sha256sum {} + | sort -k2) >"$T/sums-send"
	(cd "$T/$2/in" && find . -maxdepth 1 -type f -name "$3" -exec sha256sum {} + | sort -k2) >"$T/sums-recv"
	if [ -s "$T/sums-send" ] && cmp -s "$T/sums-send" "$T/sums-recv"; then
		t_pass "$4"
	else
		t_fail "$4 ($(wc -l <"$T/sums-send") sent, $(wc -l <"$T/sums-recv") received)"
		diff "$T/sums-send" "$T/sums-recv" | head -5 | sed 's/^/# /'
	fi
}

# ht_deliver DIR PREFIX FROM TO: files PREFIX-NNNN.dat of varied sizes
# (1 byte to about 40 KiB), written elsewhere and renamed in, as a sender
# would.
ht_deliver() {
	python3 - "$@" <<'EOF'
import os, sys
d, prefix, lo, hi = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
for i in range(lo, hi + 1):
    name = "%s-%04d.dat" % (prefix, i)
    tmp = os.path.join(d, ".part-" + name)
    with open(tmp, "wb") as f:
        f.write(os.urandom(1 + (i * 7919) % 40000))
    os.rename(tmp, os.path.join(d, name))
EOF
}

ht_count() {
	find "$T/$1/in" -maxdepth 1 -type f -name "$2" | wc -l
}

# ht_kill_sender: once the sender is sending again, SIGKILL and a new
# start: files the receiver took but the sender had not recorded
# ARCHIVED are sent again, and must not arrive twice.
ht_kill_sender() {
	n=0
	while [ "$n" -lt 600 ]; do
		done_now=$(rows send "SELECT COUNT(*) FROM components WHERE status = 'ARCHIVED'")
		[ "${done_now:-0}" -lt $((HT_FILES * 3 / 5)) ] || break
		sleep 0.1
		n=$((n + 1))
	done
	pid=$(svc_pid send)
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	echo "# sender killed with $(rows send "SELECT COUNT(*) FROM components WHERE status = 'ARCHIVED'") of $HT_FILES archived"
	svc_start send
}

# ---- the cases ---------------------------------------------------------------

# HT_FILES files; the receiver stopped (SIGTERM) while they flow and
# started again, then the sender killed (SIGKILL) and started again:
# every file arrives once, whole, and the sender's catalog says where
# each went.
ht_case_restart() {
	half=$((HT_FILES / 2))
	ht_deliver "$T/send/in" f 1 "$half"
	n=0
	while [ "$(ht_count recv 'f-*.dat')" -lt $((HT_FILES / 5)) ] && [ "$n" -lt 600 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	svc_stop recv
	ht_deliver "$T/send/in" f $((half + 1)) "$HT_FILES"
	wait_rows send "SELECT CASE WHEN COUNT(*) > 0 THEN 'some wait' ELSE 'none wait' END FROM components WHERE status = 'ARCHIVING'" \
		'some wait' "$DB_DIALECT: receiver stopped: the sender's files wait (ARCHIVING)" 30
	sleep 2
	if grep -q 'destination "remote" cannot take files.*paused' "$T/send.log"; then
		t_pass "$DB_DIALECT: receiver stopped: the sender pauses the destination and says why"
	else
		i_fail "$DB_DIALECT: receiver stopped: the sender pauses the destination and says why" send
	fi
	expect_rows send "SELECT COUNT(*) FROM components WHERE attempts > 0 OR status <> 'ARCHIVING' AND status <> 'ARCHIVED'" 0 \
		"$DB_DIALECT: receiver stopped: no attempt is counted, nothing fails"
	svc_start recv
	ht_wait_up "$RECV_PORT"
	ht_kill_sender
	wait_rows send "SELECT COUNT(*) FROM components WHERE status = 'ARCHIVED'" "$HT_FILES" \
		"$DB_DIALECT: receiver back: the sender archives all $HT_FILES files" 150
	ht_same send recv 'f-*.dat' "$DB_DIALECT: every file is at the receiver with the sender's bytes"
	wait_rows recv "SELECT COUNT(*), COUNT(DISTINCT content_hash), MAX(generation) FROM components WHERE status = 'ARCHIVED'" \
		"$HT_FILES|$HT_FILES|1" "$DB_DIALECT: the receiver archived each file exactly once (one generation, one row each)" 60
	rows send "SELECT content_hash FROM components ORDER BY content_hash" >"$T/h-send"
	rows recv "SELECT content_hash FROM components ORDER BY content_hash" >"$T/h-recv"
	if cmp -s "$T/h-send" "$T/h-recv"; then
		t_pass "$DB_DIALECT: both catalogs record the same SHA-256s"
	else
		t_fail "$DB_DIALECT: both catalogs record the same SHA-256s"
	fi
	t_run "$CARB" -c "$T/send/config.toml" query components --columns rel_path,status,archive_path --format csv --limit 100000
	if python3 - "$T/out" "$RECV_PORT" "$HT_FILES" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
want = "http://127.0.0.1:%s/upload/in/" % sys.argv[2]
ok = [r for r in rows if r["status"] == "ARCHIVED" and r["archive_path"] == want + r["rel_path"]]
sys.exit(0 if len(ok) == len(rows) == int(sys.argv[3]) else 1)
EOF
	then
		t_pass "$DB_DIALECT: query components shows each file ARCHIVED at the URL it was PUT to"
	else
		t_fail "$DB_DIALECT: query components shows each file ARCHIVED at the URL it was PUT to"
	fi
	t_run "$CARB" -c "$T/send/config.toml" reconcile archive
	t_expect_status 0 "$DB_DIALECT: reconcile archive leaves copies at a receiver alone"
}

# A proxy flips a byte of the first bodies and then lies about the
# SHA-256 of an answer: the receiver refuses the damaged bodies (422), the
# sender retries them and the lied-to one, and in the end the bytes are
# the same at both ends.
ht_case_corruption() {
	proxy_port=$(free_port)
	python3 "$top_srcdir/tests/integration/flip-proxy.py" "$proxy_port" "$RECV_PORT" \
		"$T/proxy-count" --flip 3 --lie 1 >"$T/proxy.log" 2>&1 &
	proxy_pid=$!
	svc_pids="$svc_pids $proxy_pid"
	ht_sender flip "$proxy_port"
	http_wait "http://127.0.0.1:$proxy_port/health" 10
	svc_start flip
	ht_deliver "$T/flip/in" x 1 8
	wait_rows flip "SELECT COUNT(*) FROM components WHERE status = 'ARCHIVED'" 8 \
		"$DB_DIALECT: corruption: every file is archived in the end" 60
	if [ "$(cat "$T/proxy-count")" = "flipped 3 lied 1" ]; then
		t_pass "$DB_DIALECT: corruption: the proxy damaged three bodies and one answer"
	else
		t_fail "$DB_DIALECT: corruption: the proxy damaged three bodies and one answer ($(cat "$T/proxy-count"))"
	fi
	if grep -q 'answered HTTP 422' "$T/flip.log" &&
		grep -q 'did not confirm SHA-256' "$T/flip.log"; then
		t_pass "$DB_DIALECT: corruption: the sender says why it retries (422; an answer that does not confirm)"
	else
		i_fail "$DB_DIALECT: corruption: the sender says why it retries (422; an answer that does not confirm)" flip
	fi
	expect_rows flip "SELECT COUNT(*) FROM components WHERE attempts > 0" 4 \
		"$DB_DIALECT: corruption: the four damaged transfers each cost an attempt"
	ht_same flip recv 'x-*.dat' "$DB_DIALECT: corruption: the receiver holds the sender's bytes"
	svc_stop flip
	kill "$proxy_pid" 2>/dev/null
}

# A wrong token: not archived, the reason says 401; the right token
# written into token_file is used at the next retry, without a restart.
ht_case_token() {
	ht_sender tok "$RECV_PORT" not-the-token
	svc_start tok
	printf 'needs a token\n' >"$T/tok/in/tok-1.dat"
	wait_comp tok in tok-1.dat "status, $(rsn 'HTTP 401')" "RETRY_PENDING|reason ok" \
		"$DB_DIALECT: token: a wrong token: not archived, the reason says HTTP 401" 30
	if [ ! -e "$T/recv/in/tok-1.dat" ]; then
		t_pass "$DB_DIALECT: token: ... and nothing reached the receiver"
	else
		t_fail "$DB_DIALECT: token: ... and nothing reached the receiver"
	fi
	printf '%s\n' "$HT_TOKEN" >"$T/tok/token"
	wait_comp tok in tok-1.dat status ARCHIVED \
		"$DB_DIALECT: token: the right token in token_file: archived at the next retry" 30
	svc_stop tok
}

# A different file of the same name at the receiver: FAILED, with the
# receiver's words; the receiver's file is untouched.
ht_case_conflict() {
	printf 'the receiver had this one\n' >"$T/recv/in/clash.dat"
	ht_sender clash "$RECV_PORT"
	svc_start clash
	sleep 1
	printf 'the sender has another\n' >"$T/clash/in/clash.dat"
	wait_comp clash in clash.dat "status, $(rsn 'HTTP 409')" "FAILED|reason ok" \
		"$DB_DIALECT: conflict: a different file at that name: FAILED, the reason says 409" 30
	expect_comp clash in clash.dat "$(rsn 'different file')" "reason ok" \
		"$DB_DIALECT: conflict: ... in the receiver's words"
	if [ "$(cat "$T/recv/in/clash.dat")" = "the receiver had this one" ]; then
		t_pass "$DB_DIALECT: conflict: the receiver's file is untouched"
	else
		t_fail "$DB_DIALECT: conflict: the receiver's file is untouched"
	fi
	svc_stop clash
}

# The receiver down for the whole run: the destination pauses, nothing
# fails or is lost; once it is up, everything arrives.
ht_case_down() {
	down_port=$(free_port)
	ht_receiver late "$down_port"
	ht_sender early "$down_port"
	svc_start early
	ht_deliver "$T/early/in" e 1 6
	wait_rows early "SELECT COUNT(*) FROM components WHERE status = 'ARCHIVING'" 6 \
		"$DB_DIALECT: down: the files wait for the receiver (ARCHIVING)" 30
	sleep 3
	expect_rows early "SELECT COUNT(*) FROM components WHERE status = 'ARCHIVING' AND attempts = 0" 6 \
		"$DB_DIALECT: down: they stay, no attempt counted, for as long as it is down"
	if grep -q 'destination "remote" cannot take files' "$T/early.log"; then
		t_pass "$DB_DIALECT: down: the log says the destination is paused"
	else
		i_fail "$DB_DIALECT: down: the log says the destination is paused" early
	fi
	svc_start late
	ht_wait_up "$down_port"
	wait_rows early "SELECT COUNT(*) FROM components WHERE status = 'ARCHIVED'" 6 \
		"$DB_DIALECT: down: the receiver up: every file archived" 60
	ht_same early late 'e-*.dat' "$DB_DIALECT: down: the receiver holds the sender's bytes"
	svc_stop early
	svc_stop late
}

# `check config` refuses what an http destination cannot do, at
# file:line:column, with exit 2.
ht_check_refuses() {
	sed '/^\[archive.destinations.remote\]/,$d' "$T/send/config.toml" >"$T/base.toml"
	line=$(($(wc -l <"$T/base.toml") + 2))
	{ cat "$T/base.toml"; printf '[archive.destinations.remote]\n%s\n' "$1"; } >"$T/send/bad.toml"
	t_run "$CARB" -c "$T/send/bad.toml" check config
	t_expect_status 2 "$DB_DIALECT: check config: $3: exit 2"
	t_expect_err "bad.toml:$((line + ${4:-0})):" "$DB_DIALECT: check config: $3: names the line"
	t_expect_err "$2" "$DB_DIALECT: check config: $3: says why"
}

ht_case_check() {
	ht_check_refuses 'url = "ftp://h/upload/in/{name}"' 'is not an http:// or https:// URL' "an ftp url"
	ht_check_refuses 'url = "http://h/upload/in/same"' 'has no {name}' "a url without {name}"
	ht_check_refuses 'url = "http://{watch}.example/in/{name}"' 'the host must be written out' "a placeholder in the host"
	ht_check_refuses 'url = "http://h/in/{name}"
destination = "{watch}"' 'destination and url exclude each other' "url with destination" 1
	ht_check_refuses 'url = "http://h/in/{name}"
mode = "move"' 'an http destination only copies' "mode move" 1
	ht_check_refuses 'url = "http://h/in/{name}"
on_conflict = "version"' 'valid: "fail"' "on_conflict version" 1
	ht_check_refuses 'url = "http://h/in/{name}"
connect_timeout = "1h"' 'out of range 100ms..5m' "a connect_timeout out of range" 1
	ht_check_refuses 'url = "http://h/in/{name}"
timeout = "1h"' 'longer than service.max_job_time' "a timeout past max_job_time" 1
	ht_check_refuses 'url = "http://h/{yyyy}/{nmae}/{name}"' 'unknown variable "nmae" (valid:' "an unknown variable"
	ht_check_refuses 'token_file = "token"' 'token_file is for an http destination' "token_file without url"
}

http_transport_run_cases() {
	t_cleanup svc_cleanup
	RECV_PORT=$(free_port)
	ht_receiver recv "$RECV_PORT"
	ht_sender send "$RECV_PORT"
	ht_case_check
	svc_start recv
	ht_wait_up "$RECV_PORT"
	svc_start send
	ht_case_restart
	ht_case_corruption
	ht_case_token
	ht_case_conflict
	svc_stop send
	svc_stop recv
	ht_case_down
}
