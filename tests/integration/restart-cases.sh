# A service in a restart loop must move forward (sourced, POSIX sh, not a
# test by itself).  restart-sqlite.sh, restart-postgresql.sh and
# restart-mariadb.sh source it after tests/lib/catalog.sh and
# intake-cases.sh (whose service and polling helpers it uses), call
# catalog_start, then restart_run_cases.
#
# A crashing plugin, an OOM loop or a bad node kill the service soon
# after each start.  Every start that lives a second must leave more
# files ARCHIVED than it found: archive outcomes are committed within a
# bounded time (a batch starts files for a fraction of a second), and
# what the previous run left ARCHIVING goes to the workers before any new
# work.  Here RESTART_FILES files wait in the watch; the service is
# started and SIGKILLed one second after it logs "service started" (so a
# slow start under a sanitizer is not counted), again and again, until
# every file is ARCHIVED or RESTART_STARTS starts were made.  The cases:
# the ARCHIVED count grew in most starts (a start on a loaded machine may
# be unlucky; before the fix none grew in a dozen starts), every file was
# ARCHIVED in the end, and none was lost or changed: each file is still
# in the watch (copy mode) and its archived copy has its bytes.
# shellcheck shell=sh

RESTART_FILES=1000
RESTART_STARTS=30

# restart_project NAME: watch "in" (settle 0s), copy mode, archive/in.
restart_project() {
	P=$T/$1
	mkdir -p "$P/in" "$P/archive"
	db_create "$1"
	{
		db_section "$P"
		printf '\n[service]\nworkers = 2\n'
		printf '\n[archive]\nbase_path = "archive"\ndestination = "{watch}"\n'
		printf '\n[[watch]]\nname = "in"\npath = "in"\nsettle = "0s"\n'
	} >"$P/config.toml"
	: >"$P/rules.toml"
	t_run "$CARB" -c "$P/config.toml" db init
	t_expect_status 0 "$DB_DIALECT: $1: db init"
}

# restart_deliver NAME COUNT: COUNT files of 4 KiB, each different; their
# SHA-256 in $T/NAME.sums.
restart_deliver() {
	python3 - "$T/$1/in" "$2" "$T/$1.sums" <<'EOF'
import hashlib, os, sys
folder, count = sys.argv[1], int(sys.argv[2])
body = os.urandom(4096)
with open(sys.argv[3], "w") as sums:
    for i in range(count):
        data = b"%015d\n" % i + body[16:]
        name = "r%05d.dat" % i
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)
        sums.write("%s  %s\n" % (hashlib.sha256(data).hexdigest(), name))
EOF
}

# restart_once NAME START: one start, SIGKILLed a second after it says it
# started; false when it never said so (30 s).
restart_once() {
	svc_start "$1"
	pid=$(svc_pid "$1")
	n=0
	until [ "$(grep -c 'service started' "$T/$1.log")" -ge "$2" ]; do
		n=$((n + 1))
		if ! svc_alive "$pid" || [ "$n" -gt 600 ]; then
			kill -KILL "$pid" 2>/dev/null
			wait "$pid" 2>/dev/null
			return 1
		fi
		sleep 0.05
	done
	sleep 1
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	eval "svc_pid_$1="
	return 0
}

restart_case_loop() {
	restart_project loop
	restart_deliver loop "$RESTART_FILES"
	done_sql="SELECT COUNT(*) FROM components WHERE status = 'ARCHIVED'"
	before=0
	starts=0
	moved=0
	trail=
	while [ "$starts" -lt "$RESTART_STARTS" ] && [ "$before" -lt "$RESTART_FILES" ]; do
		starts=$((starts + 1))
		if ! restart_once loop "$starts"; then
			i_fail "$DB_DIALECT: loop: start $starts says it started" loop
			break
		fi
		now=$(rows loop "$done_sql")
		case $now in '' | *[!0-9]*) now=$before ;; esac
		[ "$now" -le "$before" ] || moved=$((moved + 1))
		trail="$trail $now"
		before=$now
	done
	echo "# ARCHIVED after each start (killed 1 s after it started):$trail"
	# Half the starts, counted generously: a start killed while the
	# machine is busy elsewhere may finish nothing, but most must.
	if [ $((moved * 2)) -ge "$starts" ]; then
		t_pass "$DB_DIALECT: loop: the ARCHIVED count grew in $moved of $starts starts killed 1 s after starting"
	else
		i_fail "$DB_DIALECT: loop: the ARCHIVED count grew in $moved of $starts starts killed 1 s after starting (at least half must)" loop
	fi
	if [ "$before" -eq "$RESTART_FILES" ]; then
		t_pass "$DB_DIALECT: loop: all $RESTART_FILES files ARCHIVED after $starts starts"
	else
		i_fail "$DB_DIALECT: loop: all $RESTART_FILES files ARCHIVED after $starts starts ($before are)" loop
	fi
	restart_check_files loop
}

# restart_check_files NAME: no file lost or changed, in the watch or the
# archive.
restart_check_files() {
	(cd "$T/$1/in" && sha256sum -c --quiet "$T/$1.sums") >"$T/out" 2>"$T/err"
	in_ok=$?
	(cd "$T/$1/archive/in" 2>/dev/null &&
		sha256sum -c --quiet --ignore-missing "$T/$1.sums") \
		>"$T/out.archive" 2>&1
	ar_ok=$?
	if [ "$in_ok" -eq 0 ]; then
		t_pass "$DB_DIALECT: $1: every delivered file is still in the watch, unchanged (copy mode)"
	else
		t_fail "$DB_DIALECT: $1: every delivered file is still in the watch, unchanged (copy mode)"
	fi
	if [ "$ar_ok" -eq 0 ] && [ -z "$(find "$T/$1/archive" -name '.carb-tmp-*')" ]; then
		t_pass "$DB_DIALECT: $1: every archived copy has its file's bytes, no temporary file left"
	else
		head -n 5 "$T/out.archive" >"$T/out"
		i_fail "$DB_DIALECT: $1: every archived copy has its file's bytes, no temporary file left" "$1"
	fi
}

restart_run_cases() {
	t_cleanup svc_cleanup
	command -v python3 >/dev/null 2>&1 || {
		echo "FAIL: python3 is needed" >&2
		exit 1
	}
	restart_case_loop
}
