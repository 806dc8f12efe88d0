#!/bin/sh
# Installs carbonation's dependencies from Debian's packages.
#   contrib/deps.sh          build dependencies
#   contrib/deps.sh --tests  also what the test suite needs: the PostgreSQL
#                            and MariaDB servers, the toml-test cases, python3,
#                            fincore, mkfs.xfs and filefrag (large copies),
#                            systemd-analyze (the units), groff (man pages),
#                            promtool (prometheus: the metrics exposition),
#                            curl and chromium (the HTTP tests, the
#                            dashboard in a headless browser), xxhsum
#                            (xxhash: the expected xxh128 of a file),
#                            rabbitmq-server and amqp-tools (a real broker
#                            for the amqp events sink)
set -eu

build_pkgs="build-essential autoconf automake libtool pkg-config
	libsqlite3-dev sqlite3 libssl-dev libpq-dev libmariadb-dev
	libsystemd-dev check libmicrohttpd-dev libjansson-dev libxxhash-dev
	libcurl4-openssl-dev librabbitmq-dev"
test_pkgs="postgresql mariadb-server mariadb-client
	golang-github-burntsushi-toml-dev python3 shellcheck
	util-linux-extra xfsprogs e2fsprogs systemd groff-base
	prometheus curl chromium xxhash rabbitmq-server amqp-tools"

pkgs=$build_pkgs
if [ "${1:-}" = "--tests" ]; then
	pkgs="$pkgs $test_pkgs"
fi

if [ "$(id -u)" -eq 0 ]; then
	as_root=""
elif command -v sudo >/dev/null 2>&1; then
	as_root="sudo"
else
	echo "deps.sh: run as root or install sudo" >&2
	exit 2
fi

# shellcheck disable=SC2086 # word splitting of the package lists is wanted
$as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
# shellcheck disable=SC2086
$as_root env DEBIAN_FRONTEND=noninteractive \
	apt-get install -y -qq --no-install-recommends $pkgs >/dev/null
echo "deps.sh: dependencies installed"
