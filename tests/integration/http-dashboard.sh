#!/bin/sh
# GET /, the dashboard: the page without JavaScript (curl: the tables are
# in the HTML, every name escaped; the headers that keep other sites and
# scripts out), the login form for the token (401, POST /login sets the
# cookie, the cookie opens the page), and the page in headless Chromium
# over the DevTools protocol (tests/lib/cdp.py): it loads with no console
# error, shows the watches and a file delivered during the test, its
# script renders what the server rendered, the upload form delivers a
# file, and screenshots are written beside this test's log.
set -u
. "$top_srcdir/tests/lib/common.sh"
t_setup

# Beside tests/integration/http-dashboard.log, kept after the run.
shots="$top_builddir/tests/integration"
mkdir -p "$shots"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
token="dash-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"

mkdir -p "$T/inbox" "$T/second" "$T/archive"
printf '%s\n' "$token" >"$T/token"
cat >"$T/config.toml" <<EOT
[http]
listen = "127.0.0.1:$port"
token_file = "token"
upload_watches = ["inbox", "second"]

[archive]
base_path = "archive"
destination = "{watch}"

[[watch]]
name = "inbox"
path = "inbox"
settle = "0s"

[[watch]]
name = "second"
path = "second"
settle = "0s"
EOT
"$CARB" -c "$T/config.toml" db init >/dev/null

"$CARB" -c "$T/config.toml" run >"$T/svc.log" 2>&1 &
svc=$!
# shellcheck disable=SC2317 # called at exit (t_cleanup)
stop_service() {
	if kill -0 "$svc" 2>/dev/null; then
		kill -TERM "$svc"
		wait "$svc" || true
	fi
}
t_cleanup stop_service

# until_ok CMD...: until CMD succeeds, at most 30 s.
until_ok() {
	n=0
	while ! "$@" >/dev/null 2>&1 && [ "$n" -lt 300 ]; do
		n=$((n + 1))
		sleep 0.1
	done
	"$@" >/dev/null 2>&1
}
# shellcheck disable=SC2317 # called through until_ok
healthy() {
	curl -sf "$base/health"
}
# archived NAME: the file's group is ARCHIVED (the API, with the token).
# shellcheck disable=SC2317 # called through until_ok
archived() {
	curl -sf -H "Authorization: Bearer $token" \
		"$base/api/files?status=ARCHIVED&group_key=$1" | grep -q "\"group_key\":\"$1\""
}

if until_ok healthy; then t_pass "the service listens and is healthy"; else
	t_fail "the service listens and is healthy"
	sed 's/^/  | /' "$T/svc.log"
fi
printf 'first delivery\n' >"$T/inbox/delivered-1.dat"
# A hostile name: every character HTML gives a meaning to.
printf 'x\n' >"$T/inbox/a<b>&\"q'.dat"
if until_ok archived delivered-1; then t_pass "a delivered file is archived"; else
	t_fail "a delivered file is archived"
	sed 's/^/  | /' "$T/svc.log"
fi

# --- without JavaScript: curl ---
t_run curl -s -D "$T/head" -o "$T/login.html" -w '%{http_code}' "$base/"
t_status=$(cat "$T/out")
t_expect_status 200 "GET / without the token: 200"
if grep -q '<form method="post" action="/login">' "$T/login.html" &&
	grep -q 'name="token"' "$T/login.html" && ! grep -q 'id="files"' "$T/login.html"; then
	t_pass "... showing only the login form"
else
	t_fail "... showing only the login form"
fi

t_run curl -s -D "$T/head" -o "$T/wrong.html" -w '%{http_code}' --data-urlencode "token=not-$token" "$base/login"
t_status=$(cat "$T/out")
t_expect_status 401 "POST /login with a wrong token: 401"
if grep -q 'That is not the token' "$T/wrong.html" && grep -q 'action="/login"' "$T/wrong.html" &&
	! grep -qi '^set-cookie' "$T/head" && ! grep -qF "$token" "$T/wrong.html"; then
	t_pass "... the form again with a message, no cookie, the token never echoed"
else
	t_fail "... the form again with a message, no cookie, the token never echoed"
fi

t_run curl -s -D "$T/head" -o /dev/null -w '%{http_code}' --data-urlencode "token=$token" "$base/login"
t_status=$(cat "$T/out")
t_expect_status 303 "POST /login with the token: 303"
tr -d '\r' <"$T/head" >"$T/head.txt"
if grep -qix 'location: /' "$T/head.txt" &&
	grep -qix "set-cookie: carbonation_token=$token; HttpOnly; SameSite=Strict; Path=/" "$T/head.txt"; then
	t_pass "... to / with the cookie (HttpOnly, SameSite=Strict, Path=/)"
else
	t_fail "... to / with the cookie (HttpOnly, SameSite=Strict, Path=/)"
	sed 's/^/  | /' "$T/head.txt"
fi

t_run curl -s -D "$T/head" -o "$T/page.html" -w '%{http_code}' -b "carbonation_token=$token" "$base/"
t_status=$(cat "$T/out")
t_expect_status 200 "GET / with the cookie: 200"
tr -d '\r' <"$T/head" >"$T/head.txt"
if grep -qix 'x-frame-options: DENY' "$T/head.txt" &&
	grep -qi "^content-security-policy: default-src 'none'; script-src 'nonce-" "$T/head.txt" &&
	grep -qix 'content-type: text/html; charset=utf-8' "$T/head.txt"; then
	t_pass "... with Content-Security-Policy (a nonce for its own script) and X-Frame-Options: DENY"
else
	t_fail "... with Content-Security-Policy and X-Frame-Options: DENY"
	sed 's/^/  | /' "$T/head.txt"
fi
if python3 - "$T/page.html" "$token" >"$T/out" 2>&1 <<'PY'
import re, sys
page, token = open(sys.argv[1], encoding="utf-8").read(), sys.argv[2]

def section(ident):
    m = re.search(r'<div id="%s"[^>]*>(.*?)</div>' % ident, page, re.S)
    assert m, "no #" + ident
    return m.group(1)

w = section("watches")
assert "<table>" in w and "<td>inbox</td>" in w and "<td>second</td>" in w, w
assert '<td class="ok">ok</td>' in w, w
b = section("by-window")
for win in ("1h", "4h", "1d", "7d", "30d", "all"):
    assert "<th>%s</th>" % win in b, (win, b)
assert '<td class="st st-ARCHIVED">ARCHIVED</td>' in b, b
d = section("destinations")
assert "<table>" in d and "<td>inbox</td>" in d, d
f = section("files")
assert "<td>delivered-1</td>" in f, f
assert "<td>a&lt;b&gt;&amp;&quot;q&#39;</td>" in f, f
assert "a<b>" not in page, "a name went out unescaped"
assert "<table>" in section("instances")
assert section("errors") == '<p class="empty">none</p>', section("errors")
assert 'action="/upload/inbox"' in page and '<option value="second">second</option>' in page
assert 'formaction="/upload/second"' in page, "no button per watch without JavaScript"
assert "<!--@" not in page, "a marker left unfilled"
assert token not in page, "the token is in the page"
PY
then
	t_pass "the page holds the tables (by window, watches, destinations, recent files, errors, instances), names escaped, the upload form, no token"
else
	t_fail "the page holds the tables, names escaped, the upload form, no token"
fi

t_run curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$base/"
t_status=$(cat "$T/out")
t_expect_status 200 "GET / with the bearer token: 200"

# --- in a browser ---
chromium=${CHROMIUM:-$(command -v chromium || true)}
if [ -z "$chromium" ] && [ -z "${CI:-}" ]; then
	echo "# skipped: the dashboard in a browser: chromium is not installed (apt-get install chromium; CI requires it)"
	t_done
fi
if [ -z "$chromium" ]; then
	t_fail "the dashboard in a browser: chromium is not installed, and CI requires it"
	t_done
fi

printf 'sent through the form\n' >"$T/uploaded-by-form.dat"
python3 - "$top_srcdir/tests/lib" "$chromium" "$T" "$base" "$token" "$shots" \
	>"$T/browser.out" 2>"$T/browser.err" <<'PY'
import json, os, sys
sys.dont_write_bytecode = True   # nothing written into the source tree
sys.path.insert(0, sys.argv[1])
from cdp import Browser

chromium, scratch, base, token, shots = sys.argv[2:7]

def case(ok, what):
    print("%s\t%s" % ("PASS" if ok else "FAIL", what), flush=True)
    return ok

SECTIONS = ["by-window", "destinations", "files", "errors"]
TEXTS = "({%s})" % ",".join(
    "'%s': document.getElementById('%s').innerText" % (s, s) for s in SECTIONS)

with Browser(chromium, scratch) as b:
    b.navigate(base + "/")
    login = b.wait_for("document.querySelector('form[action=\"/login\"]') !== null")
    case(login, "browser: / asks for the token first")
    b.evaluate("document.getElementById('token').value = %s;"
               "document.querySelector('form[action=\"/login\"]').submit()"
               % json.dumps(token))
    loaded = b.wait_for("document.getElementById('files') !== null &&"
                        " document.readyState === 'complete'")
    case(loaded, "browser: the login form opens the dashboard")
    b.screenshot(os.path.join(shots, "http-dashboard.png"))
    text = b.evaluate("document.body.innerText") or ""
    case("inbox" in text and "second" in text, "browser: the watch names are shown")
    case("delivered-1" in text, "browser: the delivered file is shown")
    case('a<b>&"q\'' in text, "browser: a name with < > & \" ' reads as it is")
    case(b.evaluate("document.documentElement.className") == "js",
         "browser: the page's script ran (under its Content-Security-Policy)")

    # The script's rendering must say what the server's said.
    before = b.evaluate(TEXTS)
    b.evaluate("document.getElementById('updated').textContent = ''")
    b.evaluate("window.carbonationRefresh()", await_promise=True)
    refreshed = b.wait_for("document.getElementById('updated').textContent"
                           ".startsWith('updated')")
    case(refreshed, "browser: the page refreshes itself from the JSON API")
    after = b.evaluate(TEXTS)
    for s in SECTIONS:
        case(before[s] == after[s], "browser: #%s reads the same from the server"
             " and from the script" % s + ("" if before[s] == after[s] else
                                           ": %r / %r" % (before[s], after[s])))

    # The upload form: the second watch, a file, the button.
    b.evaluate("document.getElementById('upload-watch').value = 'second'")
    b.set_file("#upload-file", os.path.join(scratch, "uploaded-by-form.dat"))
    b.evaluate("document.getElementById('upload-send').click()")
    result = b.wait_for("document.getElementById('upload-result').className !== '' &&"
                        " document.getElementById('upload-result').textContent") or ""
    upload_404 = "HTTP 404" in result
    if upload_404:
        print("SKIP\tthe upload form: POST /upload/second answered 404 (the"
              " upload endpoint is not in this tree): %s" % result, flush=True)
    else:
        case(result.startswith("uploaded:"), "browser: the upload form is"
             " answered with success: %s" % result)
        seen = b.wait_for("document.getElementById('files').innerText"
                          ".includes('uploaded-by-form')", 30)
        case(seen, "browser: the uploaded file is delivered and listed")
        b.screenshot(os.path.join(shots, "http-dashboard-upload.png"))

    errors = b.console_errors()
    if upload_404:
        # the refused upload is reported by the browser as a failed load
        errors = [e for e in errors if "/upload/" not in e]
    case(not errors, "browser: no console error" + ("" if not errors else
                                                     ": " + "; ".join(errors)))
print("SHOT\t" + os.path.join(shots, "http-dashboard.png"))
PY
rc=$?
tab=$(printf '\t')
while IFS="$tab" read -r verdict what; do
	case $verdict in
	PASS) t_pass "$what" ;;
	FAIL) t_fail "$what" ;;
	SKIP) echo "# skipped: $what" ;;
	SHOT) echo "# screenshot: $what" ;;
	esac
done <"$T/browser.out"
if [ "$rc" -ne 0 ]; then
	t_fail "the browser session ran to its end (exit $rc)"
	sed 's/^/  | /' "$T/browser.err"
	tail -n 20 "$T/chromium.log" 2>/dev/null | sed 's/^/  chromium| /'
fi
t_done
