# The cases of the HTTP listener every backend must pass (sourced, POSIX
# sh, not a test by itself).  http-api-sqlite.sh, -postgresql.sh and
# -mariadb.sh source tests/lib/common.sh, tests/lib/catalog.sh,
# tests/lib/http.sh, intake-cases.sh and archive-cases.sh, then this
# file, call catalog_start for their backend, then http_api_run_cases.
#
# A real `carbonation run` with [http] listen on a free loopback port,
# asked with curl: /health, the token, /api/files and /api/components
# against `carbonation query` (same rows, same CSV bytes), filters and
# their errors, paging by cursor with no row twice or missed, /count,
# /api/files/ID, /api/status against `status --format json`,
# /api/errors, wrong methods and paths; a unix socket listener; a port
# already taken.
# shellcheck shell=sh

ha_run() {
	cur=$1
	shift
	t_run "$CARB" -c "$T/$cur/config.toml" "$@"
}

# The CLI's answer and the API's rows are the same JSON.
ha_same_rows() {
	if python3 -c "
import json, sys
api = json.load(open(sys.argv[1], 'rb'))
cli = json.load(open(sys.argv[2], 'rb'))
sys.exit(0 if api['rows'] == cli else 1)" "$T/body" "$T/out" 2>"$T/json-err"; then
		t_pass "$1"
	else
		t_fail "$1"
		head -c 300 "$T/body" | sed 's/^/# api: /'
		head -c 300 "$T/out" | sed 's/^/# cli: /'
	fi
}

ha_project() {
	a_project http
	P=$T/http
	port=$(free_port)
	base="http://127.0.0.1:$port"
	printf 's3cret-token\n' >"$P/token"
	printf '\n[http]\nlisten = "127.0.0.1:%s"\ntoken_file = "token"\n' "$port" >>"$P/config.toml"
	auth="Authorization: Bearer s3cret-token"
}

ha_deliver() {
	printf 'alpha\n' >"$P/in/a.dat"
	printf 'beta\n' >"$P/in/b c,\"q\".dat"
	printf 'gamma\n' >"$P/in/g.dat"
	printf 'delta\n' >"$P/in/d.dat"
	# a sidecar that contradicts its file: INTEGRITY_FAILED
	printf 'bad\n' >"$P/in/x.dat"
	printf '%064d  x.dat\n' 0 >"$P/in/x.dat.sha256"
	# the four files and the sidecar
	wait_rows http "SELECT COUNT(*) FROM components WHERE status = 'ARCHIVED'" 5 \
		"$DB_DIALECT: http: the service archives what was delivered"
	wait_rows http "SELECT COUNT(*) FROM components WHERE status = 'INTEGRITY_FAILED'" 1 \
		"$DB_DIALECT: http: ... and fails the file its sidecar contradicts"
}

ha_health_and_auth() {
	http_get "$base/health"
	expect_code 200 "$DB_DIALECT: GET /health: 200 while the loop turns and the catalog answers"
	json_true "$DB_DIALECT: /health: a JSON body that says ok" \
		"j['status'] == 'ok' and j['catalog'] is True and j['watches'] == 1"
	http_get "$base/api/files" -D "$T/headers"
	expect_code 401 "$DB_DIALECT: /api/files without the token: 401"
	a_ok "... with the challenge a 401 must carry (WWW-Authenticate: Bearer)" \
		grep -qi '^WWW-Authenticate: Bearer realm="carbonation"' "$T/headers"
	json_true "$DB_DIALECT: ... and a JSON error saying what is needed" \
		"'token' in j['error']"
	http_get "$base/api/files" -H "Authorization: Bearer wrong"
	expect_code 401 "$DB_DIALECT: /api/files with a wrong token: 401"
	http_get "$base/api/files" -H "$auth"
	expect_code 200 "$DB_DIALECT: /api/files with the token: 200"
	http_get "$base/api/files" -b "carbonation_token=s3cret-token"
	expect_code 200 "$DB_DIALECT: /api/files with the dashboard's cookie: 200"
	http_get "$base/api/files" -X POST -H "$auth"
	expect_code 405 "$DB_DIALECT: POST /api/files: 405"
	http_get "$base/nothing/here" -D "$T/headers"
	expect_code 404 "$DB_DIALECT: an unknown path: 404"
	a_ok "... not cached and not sniffed, as every answer" \
		sh -c "grep -qi '^Cache-Control: no-store' '$T/headers' && grep -qi '^X-Content-Type-Options: nosniff' '$T/headers'"
}

ha_rows() {
	http_get "$base/api/files?limit=1000" -H "$auth"
	ha_run http query files --format json
	ha_same_rows "$DB_DIALECT: /api/files: the rows of query files --format json"
	http_get "$base/api/components?limit=1000&columns=id,rel_path,status,reason" -H "$auth"
	ha_run http query components --format json --columns id,rel_path,status,reason
	ha_same_rows "$DB_DIALECT: /api/components?columns=: the rows of query components --columns"
	json_true "$DB_DIALECT: /api/components: a name with a quote, a comma and a space comes back whole" \
		"'b c,\"q\".dat' in [r['rel_path'] for r in j['rows']]"
	http_get "$base/api/files?status=ARCHIVED&order-by=group_key&limit=1000" -H "$auth"
	ha_run http query files --status ARCHIVED --order-by group_key --format json
	ha_same_rows "$DB_DIALECT: /api/files?status=&order-by=: the CLI's filter and order"
	http_get "$base/api/files?group_key=a&group_key=g&limit=1000" -H "$auth"
	json_true "$DB_DIALECT: a repeated parameter is any of its values" \
		"sorted(r['group_key'] for r in j['rows']) == ['a', 'g']"
	http_get "$base/api/files?group_key=b*&limit=1000" -H "$auth"
	json_true "$DB_DIALECT: a value with * is a pattern" \
		"[r['group_key'] for r in j['rows']] == ['b c,\"q\"']"
	http_get "$base/api/files?count=1&status=ARCHIVED" -H "$auth"
	ha_run http query files --count --status ARCHIVED
	json_true "$DB_DIALECT: ?count: one number, the CLI's --count" \
		"j == {'count': int(open('$T/out').read())}"
	http_get "$base/api/files?complete" -H "$auth"
	expect_code 200 "$DB_DIALECT: a flag filter without a value"
	http_get "$base/api/files?format=csv&limit=1000&order-by=id" -H "$auth"
	ha_run http query files --format csv --order-by id
	if cmp -s "$T/body" "$T/out"; then
		t_pass "$DB_DIALECT: ?format=csv: the bytes of query files --format csv"
	else
		t_fail "$DB_DIALECT: ?format=csv: the bytes of query files --format csv"
		diff "$T/body" "$T/out" | head -5 | sed 's/^/# /'
	fi
}

ha_refusals() {
	http_get "$base/api/files?bogus=1" -H "$auth"
	expect_code 400 "$DB_DIALECT: an unknown filter: 400"
	json_true "$DB_DIALECT: ... naming it" "'bogus' in j['error']"
	http_get "$base/api/files?statu=ARCHIVED" -H "$auth"
	json_true "$DB_DIALECT: ... with a suggestion" "'status' in j['error']"
	http_get "$base/api/files?created_at-after=yesterday-ish" -H "$auth"
	expect_code 400 "$DB_DIALECT: a timestamp filter with a bad value: 400"
	http_get "$base/api/files?id=abc" -H "$auth"
	expect_code 400 "$DB_DIALECT: an integer filter with text: 400"
	http_get "$base/api/files?limit=0" -H "$auth"
	expect_code 400 "$DB_DIALECT: limit=0: 400"
	http_get "$base/api/files?limit=100000" -H "$auth"
	expect_code 400 "$DB_DIALECT: a limit over 10000: 400"
	http_get "$base/api/files?format=xml" -H "$auth"
	expect_code 400 "$DB_DIALECT: an unknown format: 400"
	http_get "$base/api/files?cursor=zzz" -H "$auth"
	expect_code 400 "$DB_DIALECT: a cursor no query returned: 400"
	http_get "$base/api/files?order-by=nosuch" -H "$auth"
	expect_code 400 "$DB_DIALECT: an unknown order column: 400"
	http_get "$base/api/files?group_key=a%27%3B%20DROP%20TABLE%20files%3B--" -H "$auth"
	json_true "$DB_DIALECT: SQL in a value is a value (no row, the table still there)" "j['rows'] == []"
}

# Pages of 2, newest first (keyset) and by group_key (offset): every row
# once.
ha_paging() {
	for order in -id group_key; do
		url="$base/api/files?limit=2&order-by=$order"
		: >"$T/pages"
		pages=0
		next=""
		while [ "$pages" -lt 20 ]; do
			http_get "$url${next:+&cursor=$next}" -H "$auth"
			python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print('\n'.join(str(r['id']) for r in j['rows']))" "$T/body" >>"$T/pages"
			next=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['next_cursor'] or '')" "$T/body")
			pages=$((pages + 1))
			[ -n "$next" ] || break
		done
		ha_run http query files --format json
		want=$(python3 -c "import json,sys; print(sorted(r['id'] for r in json.load(open(sys.argv[1]))))" "$T/out")
		got=$(python3 -c "import sys; print(sorted(int(x) for x in open(sys.argv[1]).read().split()))" "$T/pages")
		npages=$(python3 -c "import json,sys; print((len(json.load(open(sys.argv[1]))) + 1) // 2)" "$T/out")
		if [ "$got" = "$want" ] && [ "$pages" -eq "$npages" ]; then
			t_pass "$DB_DIALECT: paging by cursor, order $order: $pages pages of 2, every group once"
		else
			t_fail "$DB_DIALECT: paging by cursor, order $order: got $got in $pages pages, want $want"
		fi
	done
}

ha_detail() {
	id=$(rows http "SELECT file_id FROM components WHERE rel_path = $(db_path a.dat)")
	http_get "$base/api/files/$id" -H "$auth"
	expect_code 200 "$DB_DIALECT: GET /api/files/ID: 200"
	json_true "$DB_DIALECT: ... the group, its component and its steps" \
		"j['file']['id'] == $id and j['file']['group_key'] == 'a' and [c['rel_path'] for c in j['components']] == ['a.dat'] and [h['event'] for h in j['components'][0]['history']] == ['discovered', 'settled', 'archived'] and j['components'][0]['archive_path'] is not None"
	http_get "$base/api/files/999999" -H "$auth"
	expect_code 404 "$DB_DIALECT: /api/files/ID of no group: 404"
	http_get "$base/api/files/x1" -H "$auth"
	expect_code 404 "$DB_DIALECT: /api/files/ID not a number: 404"
	http_get "$base/api/errors" -H "$auth"
	expect_code 200 "$DB_DIALECT: GET /api/errors: 200"
	json_true "$DB_DIALECT: ... the contradicted file, with its reason" \
		"[(r['rel_path'], r['status']) for r in j['rows']] == [('x.dat', 'INTEGRITY_FAILED')] and r['reason'] if (r := j['rows'][0]) else False"
	http_get "$base/api/status" -H "$auth"
	expect_code 200 "$DB_DIALECT: GET /api/status: 200"
	ha_run http status --format json
	cp "$T/out" "$T/cli-status"
	if python3 -c "
import json, sys
a = json.load(open(sys.argv[1])); c = json.load(open(sys.argv[2]))
keys = ['components', 'archived', 'failed', 'failed_reasons', 'backlog', 'watches', 'healthy']
sys.exit(0 if sorted(a) == sorted(c) and all(a[k] == c[k] for k in keys) else 1)" "$T/body" "$T/cli-status"; then
		t_pass "$DB_DIALECT: /api/status: the keys and values of status --format json"
	else
		t_fail "$DB_DIALECT: /api/status: the keys and values of status --format json"
	fi
}

# ha_until CODE URL SECONDS: polls URL until it answers CODE.
ha_until() {
	n=0
	while [ "$n" -lt $(($3 * 10)) ]; do
		http_get "$2"
		[ "$code" = "$1" ] && return 0
		sleep 0.1
		n=$((n + 1))
	done
	return 1
}

# The database server stopped under the service: /health says why with
# 503, the API says the catalog is unreachable, and both come back.
ha_outage() {
	[ "$DB_DIALECT" != sqlite ] || return 0
	catalog_down
	if ha_until 503 "$base/health" 15; then
		t_pass "$DB_DIALECT: the database server down: /health answers 503"
	else
		t_fail "$DB_DIALECT: the database server down: /health answers 503 (last $code)"
	fi
	json_true "$DB_DIALECT: ... with the reason" \
		"j['status'] == 'unhealthy' and 'catalog unreachable' in j['reason'] and j['catalog'] is False"
	http_get "$base/api/files" -H "$auth"
	expect_code 503 "$DB_DIALECT: ... and the API answers 503"
	catalog_up
	if ha_until 200 "$base/health" 20; then
		t_pass "$DB_DIALECT: the server back: /health answers 200 again"
	else
		t_fail "$DB_DIALECT: the server back: /health answers 200 again (last $code)"
	fi
	http_get "$base/api/files" -H "$auth"
	expect_code 200 "$DB_DIALECT: ... and so does the API"
}

# A watch folder gone: /health says which part is unhealthy.
ha_watch_lost() {
	mv "$P/in" "$P/in.away"
	if ha_until 503 "$base/health" 20; then
		t_pass "$DB_DIALECT: a watch folder gone: /health answers 503"
	else
		t_fail "$DB_DIALECT: a watch folder gone: /health answers 503 (last $code)"
	fi
	json_true "$DB_DIALECT: ... saying a watch is lost" \
		"j['watches_lost'] == 1 and 'watches lost' in j['reason']"
	mv "$P/in.away" "$P/in"
	if ha_until 200 "$base/health" 30; then
		t_pass "$DB_DIALECT: the folder back: /health answers 200 again"
	else
		t_fail "$DB_DIALECT: the folder back: /health answers 200 again (last $code)"
	fi
}

# Beyond loopback without a token is refused unless asked for.
ha_open_listen() {
	cp "$P/config.toml" "$P/open.toml"
	sed -i -e 's|^listen = .*|listen = "0.0.0.0:9"|' -e '/^token_file/d' "$P/open.toml"
	t_run "$CARB" -c "$P/open.toml" check config
	t_expect_status 2 "$DB_DIALECT: check config refuses a non-loopback listen without a token"
	t_expect_err "not a loopback address and no http.token_file" "$DB_DIALECT: ... saying why, at its line"
	printf 'allow_open = true\n' >>"$P/open.toml"
	t_run "$CARB" -c "$P/open.toml" check config
	t_expect_status 0 "$DB_DIALECT: ... and takes it with allow_open = true"
	t_expect_out "open to anyone who can connect" "$DB_DIALECT: ... and says so"
}

ha_unix_and_port() {
	http_get "$base/health"
	svc_stop http
	# a unix socket
	sed -i "s|^listen = .*|listen = \"$P/http.sock\"|" "$P/config.toml"
	svc_start http
	n=0
	while [ ! -S "$P/http.sock" ] && [ "$n" -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
	http_get http://x/health --unix-socket "$P/http.sock"
	expect_code 200 "$DB_DIALECT: listen on a unix socket: /health answers there"
	svc_stop http
	if [ -e "$P/http.sock" ]; then
		t_fail "$DB_DIALECT: ... and the socket is removed at the stop"
	else
		t_pass "$DB_DIALECT: ... and the socket is removed at the stop"
	fi
	# a port another process holds: run refuses to start, naming it
	sed -i "s|^listen = .*|listen = \"127.0.0.1:$port\"|" "$P/config.toml"
	python3 -c 'import socket, sys, time; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(); print("held", flush=True); time.sleep(8)' "$port" >"$T/holder.out" &
	holder=$!
	n=0
	while ! grep -q held "$T/holder.out" && [ "$n" -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
	t_run timeout 20 "$CARB" -c "$P/config.toml" run
	t_expect_status 1 "$DB_DIALECT: a port already taken: run exits 1"
	t_expect_err "127.0.0.1:$port" "$DB_DIALECT: ... naming the address"
	kill "$holder" 2>/dev/null
	wait "$holder" 2>/dev/null
}

http_api_run_cases() {
	t_cleanup svc_cleanup
	# read by a_config (archive-cases.sh)
	# shellcheck disable=SC2034
	ARCH_SETTLE=0s
	ha_project
	ha_run http check config
	t_expect_out "http:     127.0.0.1:$port" "$DB_DIALECT: check config says where run will listen"
	svc_start http
	if ! http_wait "$base/health"; then
		t_fail "$DB_DIALECT: the listener answers"
		return
	fi
	ha_deliver
	ha_health_and_auth
	ha_rows
	ha_refusals
	ha_paging
	ha_detail
	ha_outage
	ha_watch_lost
	ha_open_listen
	ha_unix_and_port
}
