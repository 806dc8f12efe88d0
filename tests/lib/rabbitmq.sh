# A throw-away RabbitMQ broker for one test file (sourced, POSIX sh).
#
#   . "$top_srcdir/tests/lib/common.sh"    # first: t_setup, t_cleanup
#   . "$top_srcdir/tests/lib/http.sh"      # free_port
#   . "$top_srcdir/tests/lib/rabbitmq.sh"
#   t_setup
#   rmq_start                 # a broker on 127.0.0.1:$RMQ_PORT; stopped at exit
#   rmq_url                   # amqp://127.0.0.1:PORT/%2F
#   rmq_down / rmq_up         # an outage: the broker stopped (its VM gone),
#                             # then started again on the same data and
#                             # port; rmq_up returns once it answers
#   rmq_ctl ARGS...           # rabbitmqctl against this broker
#
# The broker (Debian's rabbitmq-server, /usr/lib/rabbitmq/bin called
# directly: the /usr/sbin wrappers switch users) runs in the foreground
# with its own HOME, data, logs, node name, distribution port and epmd, all
# under a mktemp -d folder, and listens on a free loopback port.  An exit
# trap stops it with SIGTERM and waits for its VM and its epmd, whether the
# test passes or fails.  The user is guest:guest (allowed from loopback).
# A missing broker is a failure, not a skip.
# shellcheck shell=sh

RMQ_BASE=
RMQ_PID=
RMQ_EPMD_PID=
RMQ_BIN=/usr/lib/rabbitmq/bin

rmq_die() {
	echo "rabbitmq.sh: $*" >&2
	if [ -n "$RMQ_BASE" ] && [ -f "$RMQ_BASE/out" ]; then
		tail -n 40 "$RMQ_BASE/out" | sed 's/^/  rabbitmq | /' >&2
	fi
	exit 1
}

# True while PID runs; a zombie counts as gone.
rmq_alive() {
	kill -0 "$1" 2>/dev/null || return 1
	case $(ps -o stat= -p "$1" 2>/dev/null) in
	Z*) return 1 ;;
	esac
	return 0
}

# rmq_env CMD...: CMD in the broker's environment.  rmq_exec: the same,
# replacing the (sub)shell, so that $! of `rmq_exec ... &` is CMD's pid.
rmq_env() {
	(rmq_exec "$@")
}

rmq_exec() {
	exec env HOME="$RMQ_BASE/home" \
		RABBITMQ_CONF_ENV_FILE="$RMQ_BASE/env.conf" \
		RABBITMQ_CONFIG_FILE="$RMQ_BASE/rabbitmq" \
		RABBITMQ_ADVANCED_CONFIG_FILE="$RMQ_BASE/advanced.config" \
		RABBITMQ_ENABLED_PLUGINS_FILE="$RMQ_BASE/enabled_plugins" \
		RABBITMQ_MNESIA_BASE="$RMQ_BASE/mnesia" \
		RABBITMQ_LOG_BASE="$RMQ_BASE/log" \
		RABBITMQ_PID_FILE="$RMQ_BASE/pid" \
		RABBITMQ_NODENAME="$RMQ_NODE" \
		RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
		RABBITMQ_NODE_PORT="$RMQ_PORT" \
		RABBITMQ_DIST_PORT="$RMQ_DIST_PORT" \
		ERL_EPMD_PORT="$RMQ_EPMD_PORT" \
		"$@"
}

# rmq_answers: something speaks AMQP on the port (the listener opens last,
# once the broker has booted).
rmq_answers() {
	python3 - "$RMQ_PORT" <<'PY' 2>/dev/null
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2)
s.sendall(b"AMQP\x00\x00\x09\x01")
sys.exit(0 if s.recv(1) == b"\x01" else 1)
PY
}

rmq_run() {
	rmq_exec "$RMQ_BIN/rabbitmq-server" >>"$RMQ_BASE/out" 2>&1 </dev/null &
	RMQ_PID=$!
	n=0
	until rmq_answers; do
		n=$((n + 1))
		[ "$n" -lt 600 ] || rmq_die "the broker did not answer in 60 s"
		rmq_alive "$RMQ_PID" || rmq_die "the broker exited while starting"
		sleep 0.1
	done
}

rmq_start() {
	[ -x "$RMQ_BIN/rabbitmq-server" ] ||
		rmq_die "FAIL: $RMQ_BIN/rabbitmq-server not found; install rabbitmq-server"
	command -v epmd >/dev/null 2>&1 || rmq_die "FAIL: epmd not found (erlang-base)"
	RMQ_BASE=$(mktemp -d "${TMPDIR:-/tmp}/carb-rmq.XXXXXX")
	mkdir -p "$RMQ_BASE/home" "$RMQ_BASE/mnesia" "$RMQ_BASE/log"
	: >"$RMQ_BASE/env.conf"
	printf '[].\n' >"$RMQ_BASE/enabled_plugins"
	printf '[].\n' >"$RMQ_BASE/advanced.config"
	# A broker on a test machine: a small disk is no reason to block
	# publishers.
	printf 'disk_free_limit.absolute = 1MB\n' >"$RMQ_BASE/rabbitmq.conf"
	RMQ_PORT=$(free_port)
	RMQ_DIST_PORT=$(free_port)
	RMQ_EPMD_PORT=$(free_port)
	RMQ_NODE="carbtest$$@localhost"
	t_cleanup rmq_stop
	epmd -port "$RMQ_EPMD_PORT" >"$RMQ_BASE/epmd.out" 2>&1 &
	RMQ_EPMD_PID=$!
	rmq_run
}

rmq_url() {
	printf 'amqp://127.0.0.1:%s/%%2F' "$RMQ_PORT"
}

rmq_ctl() {
	rmq_env "$RMQ_BIN/rabbitmqctl" -n "$RMQ_NODE" "$@"
}

# Stops the broker (SIGTERM to rabbitmq-server, which stops its VM) and
# waits for the VM; the data stays.
rmq_down() {
	[ -n "$RMQ_PID" ] || return 0
	vm=$(ps -o pid= --ppid "$RMQ_PID" 2>/dev/null | tr -d ' ')
	kill -TERM "$RMQ_PID" 2>/dev/null
	n=0
	while rmq_alive "$RMQ_PID" || { [ -n "$vm" ] && rmq_alive "$vm"; }; do
		n=$((n + 1))
		if [ "$n" -gt 300 ]; then
			kill -KILL "$RMQ_PID" 2>/dev/null
			[ -z "$vm" ] || kill -KILL "$vm" 2>/dev/null
			break
		fi
		sleep 0.1
	done
	wait "$RMQ_PID" 2>/dev/null
	RMQ_PID=
}

rmq_up() {
	rmq_run
}

rmq_stop() {
	rmq_down
	if [ -n "$RMQ_EPMD_PID" ]; then
		kill -TERM "$RMQ_EPMD_PID" 2>/dev/null
		wait "$RMQ_EPMD_PID" 2>/dev/null
		RMQ_EPMD_PID=
	fi
	if [ -n "$RMQ_BASE" ]; then
		rm -rf "$RMQ_BASE"
	fi
	return 0
}
