# Helpers of the HTTP tests (sourced, POSIX sh): a free loopback port,
# waiting for the listener, and checking JSON answers.
# shellcheck shell=sh

# free_port: a TCP port on 127.0.0.1 nobody listens on now.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# http_wait URL [SECONDS]: until URL answers at all (any status).
http_wait() {
	n=0
	while [ "$n" -lt $((${2:-20} * 10)) ]; do
		curl -s -o /dev/null "$1" && return 0
		sleep 0.1
		n=$((n + 1))
	done
	return 1
}

# http_get URL [CURL ARGS...]: the body into $T/body, the status code
# into $T/code (and returned in $code).
http_get() {
	url=$1
	shift
	code=$(curl -s -o "$T/body" -w '%{http_code}' "$@" "$url")
	echo "$code" >"$T/code"
}

# json_true WHAT EXPR [FILE]: the JSON in FILE ($T/body) parses and the
# Python expression EXPR over it (as j) is true.
json_true() {
	if python3 -c "import json, sys; j = json.load(open(sys.argv[1], 'rb')); sys.exit(0 if ($2) else 1)" "${3:-$T/body}" 2>"$T/json-err"; then
		t_pass "$1"
	else
		t_fail "$1"
		head -c 600 "${3:-$T/body}" | sed 's/^/# /'
		sed 's/^/# /' "$T/json-err"
	fi
}

# expect_code CODE WHAT: the last http_get answered CODE.
expect_code() {
	if [ "$code" = "$1" ]; then
		t_pass "$2"
	else
		t_fail "$2 (HTTP $code, expected $1)"
		head -c 400 "$T/body" | sed 's/^/# /'
	fi
}
