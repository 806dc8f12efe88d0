#!/bin/sh
# Uploads into a watch (docs/http.md "Uploads"; issue 15) with real
# clients, curl and Python's http.client, against `carbonation run`:
# the token, empty and large bodies (streamed, the archived copy's
# SHA-256 checked), a client gone mid-body, hostile names, concurrent
# uploads of one name, the same content again, 413 before and during the
# body, digest headers, the browser form, and uploads followed through
# to ARCHIVED in the catalog.  SQLite.
set -u
. "$top_srcdir/tests/lib/common.sh"
t_setup

command -v curl >/dev/null 2>&1 || {
	echo "FAIL: curl is needed (contrib/deps.sh --tests)" >&2
	exit 1
}

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
P=$T/p
export PORT P
LARGE_MIB=300
mkdir -p "$P/in" "$P/strict" "$P/other" "$P/archive"
printf 's3cret-token\n' >"$P/token"
# "in" excludes nothing: carbonation's temporary names are ignored all
# the same; "strict" excludes *.tmp; "other" takes no uploads.
cat >"$P/config.toml" <<EOT
[http]
listen = "127.0.0.1:$PORT"
token_file = "token"
max_upload = "$((LARGE_MIB + 10))MiB"
upload_watches = ["in", "strict"]

[archive]
base_path = "archive"
destination = "{watch}"

[[watch]]
name = "in"
path = "in"
settle = "0s"
exclude = []

[[watch]]
name = "strict"
path = "strict"
settle = "0s"
exclude = ["*.tmp"]

[[watch]]
name = "other"
path = "other"
settle = "0s"
EOT
printf '' >"$P/rules.toml"
"$CARB" -c "$P/config.toml" db init >/dev/null || exit 1

"$CARB" -c "$P/config.toml" run 2>"$T/run.log" &
svc=$!
stop_service() {
	if kill -TERM "$svc" 2>/dev/null; then
		wait "$svc"
	fi
}
t_cleanup stop_service
n=0
until [ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/health")" != 000 ] ||
	[ "$n" -ge 100 ]; do
	n=$((n + 1))
	sleep 0.1
done

AUTH='Authorization: Bearer s3cret-token'

# up URL CURL-ARGS...: a request; $T/out the body, $code the status.
up() {
	url=$1
	shift
	code=$(curl -s -o "$T/out" -w '%{http_code}' "$@" "$BASE$url" 2>"$T/err")
}

expect_code() {
	if [ "$code" = "$1" ]; then
		t_pass "$2"
	else
		t_fail "$2 (HTTP $code, expected $1)"
	fi
}

# expect_json PYTHON-CONDITION WHAT: the body parses as JSON (j), and
# the condition holds.
expect_json() {
	if python3 -c "import json, sys; j = json.load(open(sys.argv[1])); sys.exit(0 if ($1) else 1)" \
		"$T/out" 2>>"$T/err"; then
		t_pass "$2"
	else
		t_fail "$2 (condition: $1)"
	fi
}

sha() {
	sha256sum "$1" | cut -c1-64
}

# The folder holds nothing but these names (sorted, space separated).
expect_names() {
	got=$(cd "$1" && find . -mindepth 1 -maxdepth 1 | sed 's|^\./||' | LC_ALL=C sort | tr '\n' ' ')
	if [ "$got" = "$2" ]; then
		t_pass "$3"
	else
		t_fail "$3 (holds: $got; expected: $2)"
	fi
}

no_temporaries() {
	find "$P/in" "$P/strict" -name '.carb-tmp-*' | grep -q . && return 1
	return 0
}

# --- the token ---
printf 'hello\n' >"$T/hello"
up /upload/in/a.dat -X PUT --data-binary @"$T/hello"
expect_code 401 "no token: 401"
up /upload/in/a.dat -X PUT -H 'Authorization: Bearer wrong' --data-binary @"$T/hello"
expect_code 401 "a wrong token: 401"
expect_names "$P/in" "" "a refused upload writes nothing"
up /upload/in/a.dat -X PUT -H "$AUTH" --data-binary @"$T/hello"
expect_code 201 "with the token: 201 Created"
expect_json "j['watch'] == 'in' and j['name'] == 'a.dat' and j['size'] == 6 and j['sha256'] == '$(sha "$T/hello")' and j['created'] is True and isinstance(j['component'], int)" \
	"the answer: watch, name, size, sha256, created, and the component id (settle 0s)"
if cmp -s "$T/hello" "$P/in/a.dat"; then
	t_pass "the file is in the watch's folder with the body's bytes"
else
	t_fail "the file is in the watch's folder with the body's bytes"
fi
first_id=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["component"])' "$T/out")

# --- the same name again ---
up /upload/in/a.dat -X PUT -H "$AUTH" --data-binary @"$T/hello"
expect_code 200 "the same content again: 200"
expect_json "j['created'] is False and j['component'] == $first_id" "... created false, the same component"
printf 'other bytes\n' >"$T/other"
up /upload/in/a.dat -X PUT -H "$AUTH" --data-binary @"$T/other"
expect_code 409 "other content under a taken name: 409"
if cmp -s "$T/hello" "$P/in/a.dat" && no_temporaries; then
	t_pass "... the file is unchanged and no temporary is left"
else
	t_fail "... the file is unchanged and no temporary is left"
fi

# --- empty ---
: >"$T/empty"
up /upload/in/empty.dat -X PUT -H "$AUTH" --data-binary @"$T/empty"
expect_code 201 "an empty body: 201"
expect_json "j['size'] == 0 and j['sha256'] == 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'" \
	"... size 0, the SHA-256 of nothing"
if [ -f "$P/in/empty.dat" ] && [ ! -s "$P/in/empty.dat" ]; then
	t_pass "... an empty file in the folder"
else
	t_fail "... an empty file in the folder"
fi

# --- hostile names ---
before=$(cd "$P/in" && find . -mindepth 1 -maxdepth 1 | sed 's|^\./||' | LC_ALL=C sort | tr '\n' ' ')
long=$(python3 -c 'print("n" * 300)')
for case in "..:400" "%2e%2e:400" ".:400" "a%2Fb:400" "a%2fb:400" "a%00b:400" "%00:400" \
	"a%zz:400" "a%2:400" "$long:400" ".carb-tmp-x:422" "%2Ecarb-tmp-y:422"; do
	name=${case%:*}
	up "/upload/in/$name" --path-as-is -X PUT -H "$AUTH" --data-binary @"$T/hello"
	expect_code "${case##*:}" "name \"$(printf '%.40s' "$name")\": ${case##*:}"
done
up /upload/in/ --path-as-is -X PUT -H "$AUTH" --data-binary @"$T/hello"
expect_code 400 "an empty name: 400"
up /upload/strict/x.tmp -X PUT -H "$AUTH" --data-binary @"$T/hello"
expect_code 422 "a name the watch excludes: 422"
expect_json "'intake would never pick it up' in j['error']" "... saying intake would never take it"
up /upload/other/x.dat -X PUT -H "$AUTH" --data-binary @"$T/hello"
expect_code 403 "a watch not in upload_watches: 403"
up /upload/nowhere/x.dat -X PUT -H "$AUTH" --data-binary @"$T/hello"
expect_code 404 "an unknown watch: 404"
expect_names "$P/in" "$before" "no hostile name left a file (in)"
expect_names "$P/strict" "" "... nor in strict"
expect_names "$P/other" "" "... nor in other"
if [ ! -e "$P/a" ] && [ ! -e "$P/in/a" ] && [ ! -e "$P/n" ]; then
	t_pass "\"a%2Fb\" and \"a%00b\" wrote no \"a\", inside the watch or out"
else
	t_fail "\"a%2Fb\" and \"a%00b\" wrote no \"a\", inside the watch or out"
fi

# --- digests ---
hex=$(sha "$T/hello")
b64=$(python3 -c 'import base64, hashlib, sys; print(base64.b64encode(hashlib.sha256(open(sys.argv[1], "rb").read()).digest()).decode())' "$T/hello")
bad=$(sha "$T/other")
up /upload/in/d1.dat -X PUT -H "$AUTH" -H "X-Content-SHA256: $hex" --data-binary @"$T/hello"
expect_code 201 "X-Content-SHA256 that matches: 201"
up /upload/in/d2.dat -X PUT -H "$AUTH" -H "Digest: md5=xxxx, SHA-256=$b64" --data-binary @"$T/hello"
expect_code 201 "Digest: sha-256= that matches: 201"
up /upload/in/d3.dat -X PUT -H "$AUTH" -H "X-Content-SHA256: $bad" --data-binary @"$T/hello"
expect_code 422 "X-Content-SHA256 that does not match: 422"
up /upload/in/d4.dat -X PUT -H "$AUTH" -H "Digest: sha-256=$(python3 -c 'import base64; print(base64.b64encode(bytes(32)).decode())')" \
	--data-binary @"$T/hello"
expect_code 422 "Digest that does not match: 422"
up /upload/in/d5.dat -X PUT -H "$AUTH" -H "X-Content-SHA256: nothex" --data-binary @"$T/hello"
expect_code 400 "an unreadable X-Content-SHA256: 400"
if [ ! -e "$P/in/d3.dat" ] && [ ! -e "$P/in/d4.dat" ] && [ ! -e "$P/in/d5.dat" ] && no_temporaries; then
	t_pass "a digest mismatch leaves nothing"
else
	t_fail "a digest mismatch leaves nothing"
fi

# --- 413 ---
python3 - "$((LARGE_MIB + 11))" >"$T/out" 2>"$T/err" <<'PY'
import http.client, os, sys
c = http.client.HTTPConnection("127.0.0.1", int(os.environ["PORT"]), timeout=30)
c.putrequest("PUT", "/upload/in/huge.dat")
c.putheader("Authorization", "Bearer s3cret-token")
c.putheader("Content-Length", str(int(sys.argv[1]) << 20))
c.endheaders()
r = c.getresponse()
print(r.status, r.read().decode())
PY
case $(cat "$T/out") in
413*) t_pass "Content-Length over max_upload: 413 before the body is sent" ;;
*) t_fail "Content-Length over max_upload: 413 before the body is sent" ;;
esac
python3 - "$((LARGE_MIB + 11))" >"$T/out" 2>"$T/err" <<'PY'
import http.client, os, sys
c = http.client.HTTPConnection("127.0.0.1", int(os.environ["PORT"]), timeout=60)
def chunks(total):
    block = b"z" * (1 << 20)
    for _ in range(total):
        yield block
c.request("PUT", "/upload/in/grows.dat", body=chunks(int(sys.argv[1])),
          headers={"Authorization": "Bearer s3cret-token"},
          encode_chunked=True)
r = c.getresponse()
print(r.status, r.read().decode())
PY
case $(cat "$T/out") in
413*) t_pass "a chunked body growing past max_upload: 413" ;;
*) t_fail "a chunked body growing past max_upload: 413" ;;
esac
if [ ! -e "$P/in/grows.dat" ] && [ ! -e "$P/in/huge.dat" ] && no_temporaries; then
	t_pass "... nothing left of either"
else
	t_fail "... nothing left of either"
fi

# --- a client gone mid-body ---
python3 >"$T/out" 2>"$T/err" <<'PY'
import os, socket, sys, time
d = os.environ["P"] + "/in"
s = socket.create_connection(("127.0.0.1", int(os.environ["PORT"])))
s.sendall(b"PUT /upload/in/gone.dat HTTP/1.1\r\nHost: t\r\n"
          b"Authorization: Bearer s3cret-token\r\n"
          b"Content-Length: 4000000\r\n\r\n" + b"g" * 2000000)
for _ in range(100):
    if any(n.startswith(".carb-tmp-upload-") for n in os.listdir(d)):
        break
    time.sleep(0.05)
else:
    sys.exit("no temporary seen while the body streamed in")
s.close()
for _ in range(100):
    if not any(n.startswith(".carb-tmp-") for n in os.listdir(d)):
        break
    time.sleep(0.05)
else:
    sys.exit("the temporary stayed")
sys.exit(1 if os.path.exists(d + "/gone.dat") else 0)
PY
t_status=$?
t_expect_status 0 "a client gone mid-body: the temporary existed, then nothing is left"

# --- concurrent uploads of one name ---
for i in 1 2 3 4 5 6; do
	head -c 1048576 /dev/urandom >"$T/c$i"
done
for i in 1 2 3 4 5 6; do
	curl -s -o /dev/null -w '%{http_code}\n' -X PUT -H "$AUTH" -T "$T/c$i" \
		"$BASE/upload/in/race.bin" >"$T/code$i" &
done
wait_ok=0
for i in 1 2 3 4 5 6; do
	while [ ! -s "$T/code$i" ] && [ "$wait_ok" -lt 600 ]; do
		wait_ok=$((wait_ok + 1))
		sleep 0.1
	done
done
codes=$(cat "$T"/code? | LC_ALL=C sort | tr '\n' ' ')
if [ "$codes" = "201 409 409 409 409 409 " ]; then
	t_pass "six concurrent uploads of one name: one 201, five 409"
else
	t_fail "six concurrent uploads of one name: one 201, five 409 (got $codes)"
fi
got=$(sha "$P/in/race.bin")
whole=0
for i in 1 2 3 4 5 6; do
	[ "$(sha "$T/c$i")" = "$got" ] && whole=1
done
if [ "$whole" = 1 ] && no_temporaries; then
	t_pass "... the file is one of them, whole; no temporary left"
else
	t_fail "... the file is one of them, whole; no temporary left"
fi

# --- the browser form ---
printf 'from a form\n' >"$T/form.dat"
up /upload/in -H "$AUTH" -F "note=hi" -F "file=@$T/form.dat;filename=form.dat"
expect_code 201 "POST /upload/WATCH, multipart, field \"file\": 201"
expect_json "j['name'] == 'form.dat' and j['size'] == 12 and j['created'] is True" "... named by the part's filename"
up /upload/in -H "$AUTH" -F "file=@$T/form.dat;filename=form.dat"
expect_code 200 "... the same form again: 200"
up /upload/strict -H "$AUTH" -F "file=@$T/form.dat;filename=x.tmp"
expect_code 422 "... a filename the watch excludes: 422"
up /upload/in -H "$AUTH" -F "other=@$T/form.dat"
expect_code 400 "... no \"file\" field: 400"
up /upload/in -H "$AUTH" -F "file=@$T/form.dat;filename=../up.dat"
expect_code 400 "... a filename with '/': 400"
up /upload/in -F "file=@$T/form.dat;filename=f2.dat"
expect_code 401 "... without the token: 401"
if [ ! -e "$P/strict/x.tmp" ] && [ ! -e "$P/up.dat" ] && [ ! -e "$P/in/f2.dat" ] && no_temporaries; then
	t_pass "... refused forms leave nothing"
else
	t_fail "... refused forms leave nothing"
fi

# --- large, streamed, followed to ARCHIVED ---
head -c "$((LARGE_MIB << 20))" /dev/urandom >"$T/large.bin"
up /upload/in/large.bin -X PUT -H "$AUTH" -T "$T/large.bin"
expect_code 201 "a ${LARGE_MIB} MiB body streamed with curl -T: 201"
expect_json "j['size'] == $((LARGE_MIB << 20)) and j['sha256'] == '$(sha "$T/large.bin")'" "... its size and SHA-256 in the answer"
rm -f "$T/large.bin"

# until_archived NAME...: every NAME of watch in is ARCHIVED (60 s).
until_archived() {
	n=0
	while [ "$n" -lt 600 ]; do
		"$CARB" -c "$P/config.toml" query components --watch in --format json >"$T/q.json" 2>"$T/err"
		if python3 - "$T/q.json" "$@" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
if isinstance(rows, dict):
    rows = rows.get("rows", rows.get("components", []))
st = {r["rel_path"]: r["status"] for r in rows}
sys.exit(0 if all(st.get(n) == "ARCHIVED" for n in sys.argv[2:]) else 1)
PY
		then
			return 0
		fi
		n=$((n + 1))
		sleep 0.1
	done
	return 1
}
if until_archived a.dat large.bin form.dat race.bin d1.dat; then
	t_pass "uploads followed through to ARCHIVED (query components --format json)"
else
	t_fail "uploads followed through to ARCHIVED (query components --format json)"
	cat "$T/q.json"
fi
if [ "$(sha "$P/archive/in/large.bin")" = "$(sha "$P/in/large.bin")" ] &&
	[ "$(sha "$P/in/large.bin")" = "$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["sha256"])' "$T/out")" ]; then
	t_pass "the archived copy of the large upload has the uploaded SHA-256"
else
	t_fail "the archived copy of the large upload has the uploaded SHA-256"
fi
"$CARB" -c "$P/config.toml" query components --rel_path '.carb-tmp-*' --format json >"$T/out" 2>"$T/err"
if python3 -c 'import json, sys; sys.exit(0 if json.load(open(sys.argv[1])) == [] else 1)' "$T/out"; then
	t_pass "no upload temporary was ever recorded, though watch \"in\" has exclude = []"
else
	t_fail "no upload temporary was ever recorded, though watch \"in\" has exclude = []"
fi
stop_service
# What a process that died mid-upload left: an old temporary goes at the
# next start, a fresh one (perhaps another process's upload) stays.
printf 'half' >"$P/in/.carb-tmp-upload-0000000000000001"
touch -d '1 hour ago' "$P/in/.carb-tmp-upload-0000000000000001"
printf 'live' >"$P/in/.carb-tmp-upload-0000000000000002"
"$CARB" -c "$P/config.toml" run 2>>"$T/run.log" &
svc=$!
n=0
until [ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/health")" != 000 ] ||
	[ "$n" -ge 100 ]; do
	n=$((n + 1))
	sleep 0.1
done
if [ ! -e "$P/in/.carb-tmp-upload-0000000000000001" ] &&
	[ -e "$P/in/.carb-tmp-upload-0000000000000002" ]; then
	t_pass "at start, an upload temporary older than 10 minutes is removed, a fresh one kept"
else
	t_fail "at start, an upload temporary older than 10 minutes is removed, a fresh one kept"
	find "$P/in" -maxdepth 1 | sed "s/^/# /"
fi
stop_service
rm -f "$P/in/.carb-tmp-upload-0000000000000002"
if ! grep -q 'ERROR: AddressSanitizer\|ERROR: LeakSanitizer' "$T/run.log"; then
	t_pass "the service's log has no sanitizer report"
else
	t_fail "the service's log has no sanitizer report"
	cat "$T/run.log"
fi
t_done
