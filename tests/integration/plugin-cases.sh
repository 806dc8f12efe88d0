# The plugin cases every backend must pass (sourced, POSIX sh, not a test
# by itself): loading and its errors, the extractor filling the group's
# columns, selection and routing by plugin functions and by rules on
# columns, path templates with plugin values that try to escape, calls
# that fail, serialised and concurrent plugins; in thread isolation a
# plugin that crashes the process on one group, blamed on that group
# alone; in process isolation (the default) a plugin that segfaults,
# aborts or loops forever, which fails only that call's group while the
# service goes on, and SIGTERM during such a call.  plugin-sqlite.sh, plugin-postgresql.sh and
# plugin-mariadb.sh source tests/lib/common.sh, tests/lib/catalog.sh,
# intake-cases.sh, archive-cases.sh (helpers) and this file, call
# catalog_start, then plugin_run_cases.
#
# The plugin is tests/plugins/probe.c, built as probe.so (serial),
# probe_mt.so (concurrent), wrong_abi.so and no_entry.so.
# shellcheck shell=sh

PLUGINS=$top_builddir/tests/plugins
PROBE_MIG=$top_srcdir/tests/plugins/migrations

# p_project NAME SO RULES [ARCHIVE] [SERVICE]: a project whose plugin is
# tests/plugins/SO.so, with rules.toml RULES, db init'ed.
p_project() {
	P=$T/$1
	mkdir -p "$P/in" "$P/archive"
	db_create "$1"
	if [ -n "$DB_PASSWORD" ]; then
		printf '%s\n' "$DB_PASSWORD" >"$P/db-password"
	fi
	a_config "$P/config.toml" "${4:-}" ""
	{
		printf '\n[plugins]\npath = "%s/%s"\n' "$PLUGINS" "$2"
		printf '\n[plugins.%s]\nmigrations = "%s"\n' "${2%.so}" "$PROBE_MIG"
	} >>"$P/config.toml"
	if [ -n "${5:-}" ]; then
		sed -i "s/^workers = 2$/$5/" "$P/config.toml"
	fi
	printf '%s\n' "$3" >"$P/rules.toml"
	t_run "$CARB" -c "$P/config.toml" db init
	t_expect_status 0 "$DB_DIALECT: $1: db init with the plugin's branch"
}

# p_plugins KEY=VALUE: a line more in the project's [plugins] table.
p_plugins() {
	sed -i "s/^\[plugins\]\$/[plugins]\n$1/" "$P/config.toml"
}

# p_status NAME GROUP: "status|reason-check" of that group.
p_group() {
	rows "$1" "$(fsql in "$2" "$3")"
}

# p_until_done NAME: run --once until a run is not killed by a signal (at
# most 8 runs); $crashed counts the runs that were.
p_until_done() {
	runs=0
	crashed=0
	while [ "$runs" -lt 8 ]; do
		runs=$((runs + 1))
		a_once "$1"
		[ "$t_status" -ge 128 ] || break
		crashed=$((crashed + 1))
	done
}

plugin_case_loading() {
	p_project load probe.so '[metadata]
extract = "count"'
	t_run "$CARB" -c "$P/config.toml" check config
	t_expect_status 0 "$DB_DIALECT: check config with the plugin"
	t_expect_out 'plugin:   probe 1.0.0' "$DB_DIALECT: check config names the plugin"
	t_expect_out 'column "line_count": integer' "$DB_DIALECT: check config lists its columns"
	t_run "$CARB" -c "$P/config.toml" db status
	t_expect_out "branch probe: version 1 (1 applied, 0 pending)" "$DB_DIALECT: db status shows the plugin's branch"
	cp -R "$PROBE_MIG" "$P/mig"
	printf -- '-- nothing yet\n' >"$P/mig/$DB_DIALECT/probe/0002_next.sql"
	sed -i "s|^migrations = \"$PROBE_MIG\"|migrations = \"mig\"|" "$P/config.toml"
	t_run "$CARB" -c "$P/config.toml" run --once
	t_expect_status 1 "$DB_DIALECT: run refuses a catalog behind the plugin's branch"
	t_expect_err "is not up to date (1 migration pending or changed)" "$DB_DIALECT: ... and says why"
	sed -i "s|^migrations = \"mig\"|migrations = \"$PROBE_MIG\"|" "$P/config.toml"

	p_plugins 'isolation = "fork"'
	t_run "$CARB" -c "$P/config.toml" check config
	t_expect_status 2 "$DB_DIALECT: an unknown isolation is a config error"
	t_expect_err 'config.toml:' "$DB_DIALECT: ... with its place"
	t_expect_err 'plugins.isolation: "fork" is not one of "process", "thread"' \
		"$DB_DIALECT: ... naming the value and the choices"
	sed -i '/^isolation = "fork"$/d' "$P/config.toml"

	sed -i 's/extract = "count"/extract = "cuont"/' "$P/rules.toml"
	t_run "$CARB" -c "$P/config.toml" check config
	t_expect_status 2 "$DB_DIALECT: an unknown extractor is a config error"
	t_expect_err 'rules.toml:2:11: metadata.extract: plugin probe has no function "cuont" of that kind (available: count, crash, segv, spin, trouble, slow, hang, fail, badtype, undeclared)' \
		"$DB_DIALECT: ... with its place and the available names"
	t_run "$CARB" -c "$P/config.toml" run --once
	t_expect_status 2 "$DB_DIALECT: run refuses to start with it"

	printf '[selection]\nfunction = "count"\n' >"$P/rules.toml"
	t_run "$CARB" -c "$P/config.toml" check config
	t_expect_err 'selection.function: plugin probe has no function "count" of that kind (available: not_skip)' \
		"$DB_DIALECT: a function of another kind is refused"

	printf '[[selection.rule]]\naction = "reject"\ncolumns = { lable = "x" }\n' >"$P/rules.toml"
	t_run "$CARB" -c "$P/config.toml" check config
	t_expect_err 'has no column "lable" (columns: label, line_count, big, ratio, stamp)' \
		"$DB_DIALECT: a rule on an unknown column lists the columns"
	printf '[[selection.rule]]\naction = "reject"\ncolumns = { line_count = "many" }\n' >"$P/rules.toml"
	t_run "$CARB" -c "$P/config.toml" check config
	t_expect_err 'integer column "line_count" needs values of that type, not string' \
		"$DB_DIALECT: a rule value of the wrong type is refused"
	printf '' >"$P/rules.toml"

	sed -i 's/^base_path = "archive"$/base_path = "archive"\ndestination = "{lable}"/' "$P/config.toml"
	t_run "$CARB" -c "$P/config.toml" check config
	t_expect_err 'template "{lable}" uses unknown variable "lable" (valid: {watch} {yyyy} {mm} {dd} {hh} {group} {dir} {label} {line_count} {big} {ratio} {stamp})' \
		"$DB_DIALECT: a template variable that is neither built in nor a column is refused"
	sed -i '/^destination = "{lable}"$/d' "$P/config.toml"

	printf 'extra = ["lines", "note"]\n' >>"$P/config.toml"
	t_run "$CARB" -c "$P/config.toml" check config
	t_expect_err 'column "lines" is a reserved word of SQL' \
		"$DB_DIALECT: a column named by a reserved word is refused"
	sed -i 's/^extra = .*/extra = ["note", "note"]/' "$P/config.toml"
	t_run "$CARB" -c "$P/config.toml" check config
	t_expect_err '[plugins.probe]: column "note" is declared twice' \
		"$DB_DIALECT: a column declared twice by init is refused"
	sed -i 's/^extra = .*/extra = ["note"]/' "$P/config.toml"
	t_run "$CARB" -c "$P/config.toml" check config
	t_expect_out 'column "note": text' "$DB_DIALECT: init declares a column from the plugin's own table"
	sed -i '/^extra = /d' "$P/config.toml"

	sed -i "s|^path = \"$PLUGINS/probe.so\"|path = \"$PLUGINS/wrong_abi.so\"|" "$P/config.toml"
	t_run "$CARB" -c "$P/config.toml" check config
	t_expect_status 2 "$DB_DIALECT: a plugin for another ABI is refused"
	t_expect_err "was built for plugin ABI 99, but this carbonation speaks ABI 1" \
		"$DB_DIALECT: ... saying which ABIs"
	sed -i "s|wrong_abi.so|no_entry.so|" "$P/config.toml"
	t_run "$CARB" -c "$P/config.toml" check config
	t_expect_err "no_entry.so is not a carbonation plugin: it exports no carbonation_plugin_entry symbol" \
		"$DB_DIALECT: a .so without the entry symbol is refused"

	# the build tree's plugins/ (filename.so) stays out of the count
	mkdir -p "$P/one" "$P/two" "$P/none"
	CARBONATION_PLUGINDIR=$P/none
	export CARBONATION_PLUGINDIR
	cp "$PLUGINS/probe.so" "$P/one/"
	cp "$PLUGINS/probe.so" "$PLUGINS/probe_mt.so" "$P/two/"
	sed -i "s|^path = \"$PLUGINS/no_entry.so\"|package = \"probe\"\nsearch_path = [\"one\"]|" "$P/config.toml"
	t_run "$CARB" -c "$P/config.toml" check config
	t_expect_status 0 "$DB_DIALECT: package = NAME is found in search_path"
	t_expect_out "plugin:   probe 1.0.0 ($P/one/probe.so)" "$DB_DIALECT: ... and named with its path"
	sed -i 's/^package = "probe"/package = "prbe"/' "$P/config.toml"
	t_run "$CARB" -c "$P/config.toml" check config
	t_expect_err 'package "prbe": no prbe.so in' "$DB_DIALECT: a package not found is an error"
	t_expect_err "(plugins there: probe)" "$DB_DIALECT: ... listing the plugins there"
	sed -i '/^package = "prbe"/d' "$P/config.toml"
	t_run "$CARB" -c "$P/config.toml" check config
	t_expect_status 0 "$DB_DIALECT: with neither package nor path the single plugin found is used"
	sed -i 's/^search_path = \["one"\]/search_path = ["two"]/' "$P/config.toml"
	t_run "$CARB" -c "$P/config.toml" check config
	t_expect_status 2 "$DB_DIALECT: several plugins and none chosen is an error"
	t_expect_err "there are several plugins in" "$DB_DIALECT: ... that says so"
	t_expect_err "probe, probe_mt" "$DB_DIALECT: ... and lists them"
	unset CARBONATION_PLUGINDIR
}

# Extraction, selection and routing by the plugin's functions, rules on
# its columns, templates with its values.
plugin_case_pipeline() {
	# a.txt may join group a before or after it is complete: the .dat
	# the extractor reads is required, so it is there either way
	p_project flow probe.so '[completeness]
required = [".dat"]

[metadata]
extract = "count"

[selection]
function = "not_skip"

[routing]
function = "by_label"

[[selection.rule]]
name = "no junk"
action = "reject"
columns = { label = ["junk", "trash"] }' 'destination = "{label}/{yyyy}"

[archive.destinations.other]
destination = "elsewhere/{label}/{line_count}"'
	printf 'alpha\nb\nc\n' >"$P/in/a.dat"
	printf 'sidecar\n' >"$P/in/a.txt"
	printf 'skip\n' >"$P/in/b.dat"
	printf 'to-other\nx\n' >"$P/in/c.dat"
	printf 'junk\n' >"$P/in/d.dat"
	printf '../../etc\n' >"$P/in/e.dat"
	printf '..\n' >"$P/in/f.dat"
	printf '%0200d\n' 0 >"$P/in/g.dat"
	a_once flow
	# The year of the group's completion, as {yyyy} has it (UTC), read
	# from the catalog: the clock now may be past a New Year since.
	y=$(a_day flow a | cut -c1-4)
	a_eq "the extractor fills the group's columns" \
		"$(p_group flow a "label, line_count, status")" "alpha|3|ARCHIVED"
	a_eq "a boolean, a real and a timestamp column" \
		"$(p_group flow g "CASE WHEN big THEN 1 ELSE 0 END, CAST(ROUND(ratio * 201) AS INTEGER), stamp")" \
		"1|1|1700000000000001"
	a_ok "a plugin column renders in the path template" test -f "$P/archive/alpha/$y/a.dat"
	a_ok "... for every member of the group" test -f "$P/archive/alpha/$y/a.txt"
	a_eq "selection.function rejects a group" \
		"$(p_group flow b "status, $(rsn 'selection.function not_skip: label is skip')")" \
		"NOT_SELECTED|reason ok"
	a_eq "routing.function names the destination" \
		"$(p_group flow c "status, destination")" "ARCHIVED|other"
	a_ok "... whose template uses an integer column" test -f "$P/archive/elsewhere/to-other/2/c.dat"
	a_eq "a [[selection.rule]] on a plugin column rejects" \
		"$(p_group flow d "status, $(rsn 'selection rule "no junk" rejected the group')")" \
		"NOT_SELECTED|reason ok"
	a_eq "a plugin value with .. in a template fails the group" \
		"$(p_group flow e "status")" "FAILED"
	a_eq "... its file with the refused path as reason" \
		"$(rows flow "$(csql in e.dat "status, $(rsn 'would leave its place under archive.base_path')")")" \
		"FAILED|reason ok"
	a_eq "a plugin value \"..\" fails too" "$(p_group flow f "status")" "FAILED"
	a_ok "nothing was written outside base_path" test ! -e "$T/etc" -a ! -e "$P/etc" -a ! -e "$P/archive/etc"
	a_ok "the rejected and failed files stay in the delivery folder" \
		test -f "$P/in/b.dat" -a -f "$P/in/e.dat" -a -f "$P/in/f.dat"
	a_eq "no group is left marked in a plugin call" \
		"$(rows flow "SELECT COUNT(*) FROM files WHERE plugin_call IS NOT NULL")" "0"
}

# A plugin value is one folder name in a path template: "a/b" would be
# two levels and "/etc" would start at the root; and a text value has a
# size limit, [plugins] max_value_bytes.
plugin_case_values() {
	p_project values probe.so '[metadata]
extract = "count"' 'destination = "{label}"'
	sed -i 's/^\[plugins\]$/[plugins]\nmax_value_bytes = "100"/' "$P/config.toml"
	printf 'a/b\n' >"$P/in/slash.dat"
	printf '/etc\n' >"$P/in/root.dat"
	printf '%0101d\n' 0 >"$P/in/big.dat"
	printf '%0100d\n' 0 >"$P/in/fits.dat"
	printf 'fine\n' >"$P/in/ok.dat"
	a_once values
	a_eq "a plugin value with / in a template fails its group" \
		"$(p_group values slash "status")" "FAILED"
	a_eq "... its file saying why" \
		"$(rows values "$(csql in slash.dat "status, $(rsn 'plugin column "label" is "a/b", which holds a "/"; a plugin value in a path is one folder name')")")" \
		"FAILED|reason ok"
	a_eq "... a value starting with / too" \
		"$(rows values "$(csql in root.dat "status, $(rsn 'is "/etc", which holds a "/"')")")" "FAILED|reason ok"
	a_ok "... and nothing is archived for them" test ! -e "$P/archive/a" -a ! -e "$P/archive/etc"
	a_eq "a text value over max_value_bytes fails the call" \
		"$(p_group values big "status, $(rsn 'set column "label" to 101 bytes of text, more than [plugins] max_value_bytes (100)')")" \
		"FAILED|reason ok"
	a_eq "... one of max_value_bytes is fine" "$(p_group values fits "status")" "ARCHIVED"
	a_ok "the others are archived" test -f "$P/archive/fine/ok.dat"
}

plugin_case_failures() {
	for fn in fail badtype undeclared; do
		p_project "f$fn" probe.so "[metadata]
extract = \"$fn\""
		printf 'x\n' >"$P/in/a.dat"
		a_once "f$fn"
		a_eq "$fn: run --once exits 1 for the failed group" "$t_status" 1
		case $fn in
		fail) want='metadata.extract fail: this group is no good' ;;
		badtype) want='set integer column "line_count" with a text value' ;;
		undeclared) want='set column "nope", which the plugin does not declare' ;;
		esac
		a_eq "$fn: the group is FAILED with the plugin's reason" \
			"$(p_group "f$fn" a "status, $(rsn "$want")")" "FAILED|reason ok"
		a_eq "$fn: ... and so is its file" \
			"$(rows "f$fn" "$(csql in a.dat "status")")" "FAILED"
		a_ok "$fn: the file stays in the delivery folder" test -f "$P/in/a.dat"
	done
}

# Six groups at 300 ms each with four workers: a serial plugin sees one
# call at a time, a concurrent one several.  In thread isolation: in
# helper processes each call has a copy of the plugin's state of its own,
# and the peak it counts is 1 whatever the host does.  probe_mt.so's calls wait (up
# to 20 s) until two have run at once, so a loaded machine that hands out
# the second group late still shows the overlap; a host that never does
# leaves the peak at 1.
plugin_case_concurrency() {
	for so in probe.so probe_mt.so; do
		name=${so%.so}
		p_project "c$name" "$so" '[metadata]
extract = "slow"' '' 'workers = 4'
		p_plugins 'isolation = "thread"'
		for i in 1 2 3 4 5 6; do
			printf '%s\n' "$i" >"$P/in/g$i.dat"
		done
		a_once "c$name"
		a_eq "$name: all six groups archived" \
			"$(rows "c$name" "SELECT COUNT(*) FROM files WHERE status = 'ARCHIVED'")" "6"
		peak=$(rows "c$name" "SELECT MAX(line_count) FROM files")
		if [ "$so" = probe.so ]; then
			a_eq "a plugin without CARB_PLUGIN_CONCURRENT is called one call at a time" "$peak" 1
		elif [ "${peak:-0}" -ge 2 ]; then
			t_pass "$DB_DIALECT: a concurrent plugin is called from several workers at once (peak $peak)"
		else
			t_fail "$DB_DIALECT: a concurrent plugin is called from several workers at once (peak ${peak:-none})"
		fi
	done
}

# In thread isolation, a plugin that aborts the process on one group:
# each start counts a crash of the group it can blame; after max_crashes
# the group is FAILED and the rest archived.  A crash while several
# groups were marked blames none of them: they run again one at a time.
plugin_case_crash() {
	p_project crash probe.so '[metadata]
extract = "crash"'
	p_plugins 'isolation = "thread"'
	printf 'a\n' >"$P/in/ok1.dat"
	printf 'b\n' >"$P/in/crash1.dat"
	printf 'c\n' >"$P/in/ok2.dat"
	p_until_done crash
	case $crashed in
	3 | 4) t_pass "$DB_DIALECT: the crashing plugin took the process down 3 times blamed (and once more when it could blame no group alone): $crashed" ;;
	*) t_fail "$DB_DIALECT: the crashing plugin took the process down 3 times blamed, at most once more (got $crashed)" ;;
	esac
	a_eq "... then the run finished, exit 1 for the failed group" "$t_status" 1
	a_eq "the group is FAILED with the function that crashed" \
		"$(p_group crash crash1 "status, plugin_crashes, $(rsn 'plugin crashed in metadata.extract crash')")" \
		"FAILED|3|reason ok"
	a_eq "the other groups are archived" \
		"$(rows crash "SELECT group_key IS NOT NULL, status FROM files WHERE status = 'ARCHIVED'" | wc -l)" 2
	a_eq "their files are in the archive" \
		"$(cd "$P/archive" && find . -name 'ok*.dat' | sed 's|.*/||' | sort | tr '\n' ' ')" "ok1.dat ok2.dat "
	a_ok "the crashing group's file stays in the delivery folder" test -f "$P/in/crash1.dat"
	a_eq "an innocent group is never blamed" \
		"$(rows crash "SELECT COUNT(*) FROM files WHERE status = 'ARCHIVED' AND plugin_crashes > 0")" 0
	a_once crash
	a_eq "a later run leaves the FAILED group alone" "$t_status" 0
}

# Thread isolation, max_crashes = 1: one group of five in a batch crashes
# the process.  Only that group is FAILED, once it crashed alone; the
# four others, in the calls that were cut short with it, are archived.
# A selector is configured too: the reason names the one function the
# crash was in, not every function the group was to go through.
plugin_case_thread_blame() {
	p_project blame probe.so '[metadata]
extract = "crash"

[selection]
function = "not_skip"' '' 'workers = 4'
	p_plugins 'isolation = "thread"\nmax_crashes = 1'
	for g in ok1 ok2 crash1 ok3 ok4; do
		printf '%s\n' "$g" >"$P/in/$g.dat"
	done
	p_until_done blame
	a_eq "thread: the crashing group alone is FAILED, naming the one function it crashed in" \
		"$(p_group blame crash1 "status, plugin_crashes, reason")" \
		"FAILED|1|plugin crashed in metadata.extract crash"
	a_eq "thread: the four groups of its batch are archived" \
		"$(rows blame "SELECT COUNT(*) FROM files WHERE status = 'ARCHIVED' AND plugin_crashes = 0")" 4
}

# p_await_call NAME: until a group is in a plugin call (at most 20 s).
p_await_call() {
	n=0
	while [ "$(rows "$1" "SELECT COUNT(*) FROM files WHERE plugin_call IS NOT NULL")" != 1 ] &&
		[ "$n" -lt 200 ]; do
		n=$((n + 1))
		sleep 0.1
	done
}

# p_helpers NAME: how many plugin helper processes the project's service
# has (their command line names its config.toml).
p_helpers() {
	pgrep -f -- "--plugin-helper-for-the-service $T/$1/config.toml" | wc -l
}

# Process isolation (the default), a service of 4 workers and a plugin
# that segfaults, aborts or loops forever on three groups of one batch:
# each of the three alone is FAILED with the function and the signal or
# the timeout; the four others are archived; the service never restarts
# and archives what comes later; SIGTERM while a call loops stops it
# within shutdown_timeout, leaving that group for the next start.
plugin_case_isolation() {
	p_project iso probe.so '[metadata]
extract = "trouble"' '' 'workers = 4\nshutdown_timeout = "5s"'
	p_plugins 'timeout = "2s"'
	for g in ok1 segv1 ok2 crash1 ok3 spin1 ok4; do
		printf '%s\n' "$g" >"$P/in/$g.dat"
	done
	svc_start iso
	pid=$(svc_pid iso)
	wait_rows iso "SELECT COUNT(*) FROM files WHERE status IN ('ARCHIVED', 'FAILED')" 7 \
		"$DB_DIALECT: isolated: every group of the batch is decided" 60
	a_eq "isolated: a segfault fails its group alone, naming the function and the signal" \
		"$(p_group iso segv1 "status, $(rsn 'metadata.extract trouble: the plugin crashed (SIGSEGV)')")" \
		"FAILED|reason ok"
	a_eq "isolated: so does an abort" \
		"$(p_group iso crash1 "status, $(rsn 'metadata.extract trouble: the plugin crashed (SIGABRT)')")" \
		"FAILED|reason ok"
	a_eq "isolated: an endless loop fails its group alone after [plugins] timeout" \
		"$(p_group iso spin1 "status, $(rsn 'metadata.extract trouble: timed out: no return within 2s')")" \
		"FAILED|reason ok"
	a_eq "isolated: the four other groups of the batch are archived" \
		"$(rows iso "SELECT COUNT(*) FROM files WHERE status = 'ARCHIVED'")" 4
	a_ok "isolated: the service is still the one started" svc_alive "$pid"
	a_eq "isolated: no crash was counted against any group" \
		"$(rows iso "SELECT COUNT(*) FROM files WHERE plugin_crashes > 0")" 0
	printf 'later\n' >"$P/in/later.dat"
	wait_rows iso "$(fsql in later "status")" ARCHIVED \
		"$DB_DIALECT: isolated: a later delivery is archived by new helpers" 30

	printf 'spin\n' >"$P/in/spin2.dat"
	p_await_call iso
	t0=$(date +%s%N)
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	eval "svc_pid_iso="
	if [ "$rc" -eq 0 ] && [ "$ms" -lt 5000 ]; then
		t_pass "$DB_DIALECT: isolated: SIGTERM during an endless call stops the service within shutdown_timeout (5s), exit 0 ($ms ms)"
	else
		i_fail "$DB_DIALECT: isolated: SIGTERM during an endless call stops the service within shutdown_timeout (5s), exit 0 (exit $rc after $ms ms)" iso
	fi
	a_eq "isolated: the group whose call was stopped waits for the next start" \
		"$(p_group iso spin2 "status, CASE WHEN plugin_call IS NULL THEN 1 ELSE 0 END, plugin_crashes")" "READY|1|0"
	a_eq "isolated: no helper process outlives the service" "$(p_helpers iso)" 0
}

# completeness.function: the plugin's grouper puts a-1.dat and a-2.txt in
# group "a"; a grouper that crashes on one file is contained like the
# other functions.
plugin_case_grouping() {
	p_project grp probe.so '[completeness]
function = "prefix"
required = [".dat", ".txt"]'
	printf 'x\n' >"$P/in/a-1.dat"
	printf 'y\n' >"$P/in/a-2.txt"
	printf 'z\n' >"$P/in/b-1.dat"
	a_once grp
	a_eq "the grouper's key groups a-1.dat and a-2.txt" \
		"$(rows grp "SELECT f.status, COUNT(*) FROM files f JOIN components c ON c.file_id = f.id WHERE f.group_key = $(db_path a) GROUP BY f.status")" \
		"ARCHIVED|2"
	a_eq "a group missing a required extension waits" \
		"$(p_group grp b "status")" "WAITING"

	p_project grpcrash probe.so '[completeness]
function = "crash_group"'
	p_plugins 'isolation = "thread"'
	printf 'x\n' >"$P/in/crashg-1.dat"
	printf 'y\n' >"$P/in/ok-1.dat"
	p_until_done grpcrash
	a_eq "a crashing grouper took the process down 3 times" "$crashed" 3
	a_eq "... then the file is INTEGRITY_FAILED, naming the grouper" \
		"$(rows grpcrash "$(csql in crashg-1.dat "status, $(rsn 'plugin crashed in completeness.function crash_group')")")" \
		"INTEGRITY_FAILED|reason ok"
	a_eq "the other file is archived in its own group" \
		"$(p_group grpcrash ok "status")" "ARCHIVED"

	# in a helper process (the default) the grouper's crash costs its
	# file, in the first run
	p_project grpiso probe.so '[completeness]
function = "crash_group"'
	printf 'x\n' >"$P/in/crashg-1.dat"
	printf 'y\n' >"$P/in/ok-1.dat"
	a_once grpiso
	a_eq "isolated: a crashing grouper fails its file's run, not the process" "$t_status" 1
	a_eq "... the file is INTEGRITY_FAILED, naming the grouper and the signal" \
		"$(rows grpiso "$(csql in crashg-1.dat "status, $(rsn 'completeness.function crash_group: the plugin crashed (SIGABRT)')")")" \
		"INTEGRITY_FAILED|reason ok"
	a_eq "... and the other file is archived in the same run" \
		"$(p_group grpiso ok "status")" "ARCHIVED"
}

plugin_run_cases() {
	plugin_case_grouping
	plugin_case_loading
	plugin_case_pipeline
	plugin_case_values
	plugin_case_failures
	plugin_case_concurrency
	plugin_case_crash
	plugin_case_thread_blame
	plugin_case_isolation
}
