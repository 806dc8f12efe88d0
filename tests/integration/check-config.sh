#!/bin/sh
# `carbonation check config` and `check rules`: a valid configuration is
# summarised, every problem is reported as FILE:LINE:COL: message, and a
# database password never reaches the output.
set -u
. "$top_srcdir/tests/lib/common.sh"
t_setup

mkdir "$T/c" "$T/c/in" "$T/c/in2" "$T/c/archive"
cd "$T/c" || exit 1

# Lines 1-6 of every config below.
base='[[watch]]
name = "incoming"
path = "in"

[archive]
base_path = "archive"'

# conf TEXT: writes config.toml.
conf() {
	printf '%s\n' "$1" >config.toml
}

# --- a valid configuration ----------------------------------------------

conf "$base"
t_run "$CARB" check config
t_expect_status 0 "a valid config exits 0"
t_expect_out "config:   $T/c/config.toml" "summary names the config file"
t_expect_out "(absent: every rule takes its default)" "summary says rules.toml is absent"
t_expect_out "database: sqlite:carbonation.db" "summary names the database"
t_expect_out "watch \"incoming\": $T/c/in (inotify: local filesystem; settle 5s)" "summary lists the watch and its mode"
t_expect_out "archive:  $T/c/archive" "summary names the archive"
t_expect_out 'destination "default": {watch}/{yyyy}/{mm}/{dd} (copy, verify size, on conflict version)' "summary lists the default destination"

conf "$base
mode = \"move\"
[archive.destinations.cold]
destination = \"cold/{watch}\"
verify = \"sha256\""
printf '[routing]\ndefault = "cold"\n' >rules.toml
t_run "$CARB" check config
t_expect_status 0 "named destinations and rules exit 0"
t_expect_out 'destination "cold": cold/{watch} (move, verify sha256, on conflict version)' "a named destination inherits [archive] values"
t_expect_out "rules:    $T/c/rules.toml" "summary names the rules file"
t_expect_no "absent" "a present rules file is not called absent"
rm rules.toml

# --- one line per problem, with its position ------------------------------

conf "[service]
workers = 2
name = \"x\"
heartbeat_intervall = \"30s\"
$base"
t_run "$CARB" check config
t_expect_status 2 "an unknown key exits 2"
t_expect_err 'config.toml:4:1: unknown key "heartbeat_intervall" in [service] (did you mean "heartbeat_interval"?)' "unknown key with a suggestion"

conf "$base
max_retries = \"five\""
t_run "$CARB" check config
t_expect_status 2 "a wrong type exits 2"
t_expect_err 'config.toml:7:15: archive.max_retries: expected integer, got string "five"' "wrong type names key, type and value"

conf "$base
max_retries = 5000"
t_run "$CARB" check config
t_expect_status 2 "out of range exits 2"
t_expect_err 'config.toml:7:15: archive.max_retries: 5000 is out of range 0..1000' "out of range names value and range"

conf "$base
[logging]
format = \"xml\""
t_run "$CARB" check config
t_expect_status 2 "a bad choice exits 2"
t_expect_err 'config.toml:8:10: logging.format: "xml" is not one of "text", "json"' "bad choice lists the choices"

conf "$base
retry_delay = \"5x\""
t_run "$CARB" check config
t_expect_status 2 "a bad duration exits 2"
t_expect_err 'config.toml:7:15: archive.retry_delay: invalid duration "5x"' "bad duration is named"

conf '[[watch]]
name = "incoming"
path = "in"'
t_run "$CARB" check config
t_expect_status 2 "a missing required key exits 2"
t_expect_err 'config.toml:1:1: missing required key "base_path" in [archive]' "missing [archive] base_path at 1:1"

conf '[[watch]]
name = "incoming"
path = "nope"
[archive]
base_path = "archive"'
t_run "$CARB" check config
t_expect_status 2 "a missing watch folder exits 2"
t_expect_err "config.toml:3:8: watch \"incoming\": path $T/c/nope does not exist" "missing watch folder"

conf "$base
[[watch]]
name = \"incoming\"
path = \"in2\""
t_run "$CARB" check config
t_expect_status 2 "duplicate watch names exit 2"
t_expect_err 'config.toml:8:8: watch "incoming": duplicate name (first defined at config.toml:2:8)' "duplicate watch name at the second"

mkdir in/sub
conf "$base
[[watch]]
name = \"sub\"
path = \"in/sub\""
t_run "$CARB" check config
t_expect_status 2 "overlapping watches exit 2"
t_expect_err "config.toml:9:8: watch \"sub\": path $T/c/in/sub is inside watch \"incoming\" ($T/c/in)" "overlapping watches"

conf '[[watch]]
name = "all"
path = "."
[archive]
base_path = "archive"'
t_run "$CARB" check config
t_expect_status 2 "a watch holding the archive exits 2"
t_expect_err "config.toml:3:8: watch \"all\": path $T/c contains archive.base_path $T/c/archive" "watch contains the archive"

conf "$base
destination = \"../{watch}\""
t_run "$CARB" check config
t_expect_status 2 "a template leaving the archive exits 2"
t_expect_err 'config.toml:7:15: archive.destination: "../{watch}" must not contain a ".." component' "template with .."

conf "$base
[archive.destinations.default]
mode = \"move\""
t_run "$CARB" check config
t_expect_status 2 "a destination named default exits 2"
t_expect_err 'archive.destinations.default: the name "default" is reserved' "destination name default is reserved"

conf "$base
[database]
url = \"mongodb://db/x\""
t_run "$CARB" check config
t_expect_status 2 "an unknown database scheme exits 2"
t_expect_err 'config.toml:8:7: database.url: unknown database scheme "mongodb" (valid: sqlite, postgresql, mariadb)' "unknown database scheme"

conf "[service
workers = 3"
t_run "$CARB" check config
t_expect_status 2 "a TOML syntax error exits 2"
t_expect_err 'config.toml:1:' "a syntax error has a position"
if [ "$(wc -l <"$T/err")" -eq 1 ]; then
	t_pass "a syntax error is one line"
else
	t_fail "a syntax error is one line"
fi

# --- several problems are all reported -----------------------------------

conf '[service]
workers = 999
heartbeat_intervall = 3
[logging]
level = "loud"
[[watch]]
name = "x"
path = "in"
mode = 3'
t_run "$CARB" check config
t_expect_status 2 "several problems exit 2"
t_expect_err 'config.toml:2:11: service.workers: 999 is out of range 1..256' "first of several"
t_expect_err 'config.toml:3:1: unknown key "heartbeat_intervall"' "second of several"
t_expect_err 'config.toml:5:9: logging.level: "loud" is not one of "debug", "info", "warning", "error"' "third of several"
t_expect_err 'config.toml:9:8: watch "x": mode: expected string, got integer 3' "fourth of several"
t_expect_err 'config.toml:1:1: missing required key "base_path" in [archive]' "fifth of several"
if [ "$(wc -l <"$T/err")" -eq 5 ]; then
	t_pass "several problems: one line each"
else
	t_fail "several problems: one line each"
fi

# --- rules ---------------------------------------------------------------

conf "$base"
printf '[metadata]\n\n\n\nextract = "sampel"\n' >rules.toml
t_run "$CARB" check config
t_expect_status 2 "a plugin function without a plugin exits 2"
t_expect_err 'rules.toml:5:11: metadata.extract names "sampel" but no plugin is configured ([plugins] package or path)' "plugin function without a plugin"
rm rules.toml

printf '[integrity]\nmin_size = "2KiB"\n' >ok-rules.toml
t_run "$CARB" check rules ok-rules.toml
t_expect_status 0 "check rules with a valid file exits 0"
t_expect_out "rules:    $T/c/ok-rules.toml" "check rules names the file"

printf '[routing]\ndefault = "fast"\n' >bad-rules.toml
t_run "$CARB" check rules bad-rules.toml
t_expect_status 2 "check rules with a bad file exits 2"
t_expect_err 'bad-rules.toml:2:11: routing.default: "fast" is not a destination (valid: "default")' "routing to an unknown destination"

printf '[integrity]\nhashes = ["sha256", "sha256"]\n' >bad-rules.toml
t_run "$CARB" check rules bad-rules.toml
t_expect_status 2 "a hash listed twice exits 2"
t_expect_err 'bad-rules.toml:2:21: integrity.hashes[1]: "sha256" is listed twice' "a hash listed twice"
printf '[integrity]\nhashes = ["sha256", "xxh12"]\n' >bad-rules.toml
t_run "$CARB" check rules bad-rules.toml
t_expect_err 'bad-rules.toml:2:21: integrity.hashes[1]: "xxh12" is not a hash (did you mean "xxh128"? valid: "sha256", "xxh128")' "an unknown hash, with a suggestion"

# Declarative rules: every problem at its place, against config.toml's
# watches and destinations.
conf "$base"
printf '[[selection.rule]]\naction = "reject"\nwatch = ["incomng"]\n' >rules.toml
t_run "$CARB" -c config.toml check config
t_expect_status 2 "a rule naming an unknown watch exits 2"
t_expect_err 'rules.toml:3:10: selection.rule[0].watch[0]: "incomng" is not a watch (did you mean "incoming"? valid: "incoming")' "unknown watch in a rule, with a suggestion"

printf '[[routing.rule]]\ndestination = "default"\nmin_size = "2MiB"\nmax_size = "1MiB"\nextention = [".bak"]\n' >rules.toml
t_run "$CARB" -c config.toml check config
t_expect_status 2 "a routing rule with min_size above max_size exits 2"
t_expect_err 'rules.toml:4:12: routing.rule[0].max_size: "1MiB" is less than min_size "2MiB"' "min_size above max_size"
t_expect_err 'rules.toml:5:1: unknown key "extention" in routing.rule[0] (did you mean "extension"?)' "unknown key in a rule, with a suggestion"

printf '[selection]\nrule = 5\n' >rules.toml
t_run "$CARB" -c config.toml check config
t_expect_status 2 "rules that are not an array of tables exit 2"
t_expect_err 'rules.toml:2:8: selection.rule: expected array of tables ([[selection.rule]]), got integer 5' "rule = 5 is a type error"
rm rules.toml

cat >decl-rules.toml <<'EOF'
[selection]
default = "reject"

[[selection.rule]]
name = "no backups"
action = "reject"
extension = [".bak"]
glob = ["*.tmp", "~*"]

[[selection.rule]]
action = "accept"
watch = ["incoming"]
max_size = "10GiB"
complete = true

[[routing.rule]]
destination = "default"
min_size = "1KiB"
EOF
t_run "$CARB" check rules decl-rules.toml
t_expect_status 0 "check rules accepts valid selection and routing rules"
t_expect_out "rules:    $T/c/decl-rules.toml" "check rules names the file with rules"

printf '[[routing.rule]]\nname = "big"\ndestination = "bulk"\n' >bad-rules.toml
t_run "$CARB" check rules bad-rules.toml
t_expect_status 2 "check rules with a rule routing nowhere exits 2"
t_expect_err 'bad-rules.toml:3:15: routing.rule[0].destination: "bulk" is not a destination (valid: "default")' "a rule routing to an unknown destination"

t_run "$CARB" check rules
t_expect_status 2 "check rules without FILE exits 2"

t_run "$CARB" check rules absent.toml
t_expect_status 2 "check rules with a missing file exits 2"
t_expect_err "carbonation: absent.toml: no such file" "check rules names the missing file"

# --- which config file ---------------------------------------------------

t_run "$CARB" -c nothere.toml check config
t_expect_status 2 "a missing config file exits 2"
t_expect_err "carbonation: nothere.toml: no such file" "a missing config file is named"

mkdir other
printf '%s\n' "$base" | sed 's|"in"|"../in"|; s|"archive"|"../archive"|' >other/good.toml
printf '[service]\nworkers = 0\n' >other/bad.toml
t_run env CARBONATION_CONFIG=other/bad.toml "$CARB" check config
t_expect_status 2 "CARBONATION_CONFIG is read"
t_expect_err 'other/bad.toml:2:11: service.workers: 0 is out of range 1..256' "CARBONATION_CONFIG names the file in messages"

t_run env CARBONATION_CONFIG=other/bad.toml "$CARB" -c other/good.toml check config
t_expect_status 0 "-c overrides CARBONATION_CONFIG"
t_expect_out "config:   $T/c/other/good.toml" "-c file is the one checked"

rm config.toml
t_run env -u CARBONATION_CONFIG "$CARB" check config
t_expect_status 2 "without -c or the variable ./config.toml is read"
t_expect_err "carbonation: config.toml: no such file" "default config path is config.toml"

# --- passwords -----------------------------------------------------------

conf "$base
[database]
url = \"postgresql://carb:hunter2@db.example/carb\""
t_run "$CARB" check config
t_expect_status 0 "a PostgreSQL URL with a password is valid"
t_expect_out "database: postgresql://carb:***@db.example/carb" "the summary redacts the password"
t_expect_no "hunter2" "a valid config never prints the password"

conf "$base
[database]
url = \"postgresql://carb:hunter2@db.example:port/carb\""
t_run "$CARB" check config
t_expect_status 2 "a bad URL with a password exits 2"
t_expect_no "hunter2" "errors never print the password"

printf 'hunter2\n' >pw
conf "$base
[database]
url = \"mariadb://carb:hunter2@db.example/carb\"
password_file = \"pw\""
t_run "$CARB" check config
t_expect_status 2 "a password given twice exits 2"
t_expect_err 'config.toml:9:17: database.password_file: the database URL holds a password too' "a password given twice"
t_expect_no "hunter2" "the password-twice error never prints the password"

# --- options -------------------------------------------------------------

t_run "$CARB" check config --keys
t_expect_status 0 "--keys exits 0"
t_expect_out "[service] in config.toml" "--keys lists sections"
t_expect_out "heartbeat_interval" "--keys lists keys"

t_run "$CARB" check config --keys=markdown
t_expect_status 0 "--keys=markdown exits 0"
# shellcheck disable=SC2016 # the backquotes are Markdown, not a command
t_expect_out '| `workers` | integer 1..256 | `4` |' "--keys=markdown writes a table"

t_run "$CARB" check config --keys=xml
t_expect_status 2 "--keys with an unknown format exits 2"

t_run "$CARB" check config --kyes
t_expect_status 2 "an unknown option exits 2"
t_expect_err 'unknown option "--kyes" (did you mean "--keys"?)' "an unknown option is suggested"

t_run "$CARB" check config extra
t_expect_status 2 "an extra argument exits 2"

for cmd in check "check config" "check rules"; do
	# shellcheck disable=SC2086 # the command words are split on purpose
	t_run "$CARB" $cmd --help
	t_expect_status 0 "$cmd --help exits 0"
	t_expect_out "usage: carbonation" "$cmd --help prints usage"
done

# The key reference (docs/configuration.md) is the program's own, so it
# cannot drift.
sed -n '/^<!-- BEGIN KEYS/,/^<!-- END KEYS -->/p' "$top_srcdir/docs/configuration.md" |
	sed '1,2d;$d' >"$T/readme-keys"
"$CARB" check config --keys=markdown >"$T/keys"
if [ -s "$T/readme-keys" ] && cmp -s "$T/keys" "$T/readme-keys"; then
	t_pass "docs/configuration.md matches check config --keys"
else
	t_fail "docs/configuration.md differs from check config --keys=markdown"
	diff "$T/readme-keys" "$T/keys" | head -20
fi

# --- [[events]]: the sinks (docs/events.md) ---------------------------------

conf "$base
[[events]]
name = \"hook\"
kind = \"webhook\"
url = \"http://127.0.0.1:9/events\"
statuses = [\"ARCHIVED\", \"INTEGRITY_FAILED\"]
watches = [\"incoming\"]"
t_run "$CARB" check config
t_expect_status 0 "a webhook sink exits 0"

printf 'carb:s3cret\n' >rmq-credentials
conf "$base
[[events]]
name = \"bus\"
kind = \"amqp\"
url = \"amqp://127.0.0.1:5672/%2F\"
credentials_file = \"rmq-credentials\"
exchange = \"files\"
exchange_type = \"topic\"
routing_key = \"carb.{watch}.{scope}.{status}\""
t_run "$CARB" check config
t_expect_status 0 "an amqp sink exits 0"

conf "$base
[[events]]
name = \"bus\"
kind = \"amqp\"
url = \"amqp://carb:s3cret@127.0.0.1/%2F\"
exchange_type = \"fan-out\"
routing_key = \"file.{state}\"
exchange = \"amq.files\""
t_run "$CARB" check config
t_expect_status 2 "bad amqp values exit 2"
t_expect_err 'config.toml:10:7: events "bus": url: "amqp://carb:s3cret@127.0.0.1/%2F" holds credentials; put USER:PASSWORD in credentials_file' "credentials in an amqp URL are refused, at file:line:column"
t_expect_err 'config.toml:11:17: events "bus": exchange_type: "fan-out" is not one of "fanout", "direct", "topic", "headers"' "an unknown exchange_type is refused with the valid choices"
t_expect_err 'config.toml:12:15: events "bus": routing_key: "file.{state}": placeholders are {status}, {watch} and {scope}' "an unknown routing_key placeholder is refused with the known ones"
t_expect_err 'config.toml:13:12: events "bus": exchange: "amq.files": names starting with "amq." are the broker'"'"'s own' "the broker's amq.* exchanges are refused"

conf "$base
[[events]]
name = \"bus\"
kind = \"amqp\"
url = \"http://127.0.0.1/x\"
secret_file = \"rmq-credentials\"
[[events]]
name = \"hook\"
kind = \"webhook\"
url = \"amqp://127.0.0.1:70000\"
exchange = \"files\"
[[events]]
name = \"nourl\"
kind = \"amqp\""
t_run "$CARB" check config
t_expect_status 2 "keys of the other kind exit 2"
t_expect_err 'config.toml:10:7: events "bus": url: "http://127.0.0.1/x": an amqp sink needs an amqp:// URL' "an amqp sink needs an amqp:// URL"
t_expect_err 'config.toml:11:15: events "bus": secret_file: only a webhook sink has it' "secret_file is refused on an amqp sink"
t_expect_err 'config.toml:15:7: events "hook": url: "amqp://127.0.0.1:70000": the port is not a number from 1 to 65535' "an amqp URL's port is checked"
t_expect_err 'config.toml:16:12: events "hook": exchange: only an amqp sink has it' "exchange is refused on a webhook"
t_expect_err 'events "nourl": an amqp sink needs url' "an amqp sink needs url"

conf "$base
[[events]]
name = \"hook\"
kind = \"webhook\"
url = \"ftp://example.org/\"
statuses = [\"ARCHIVING\"]
watches = [\"elsewhere\"]
[[events]]
name = \"hook\"
kind = \"webhok\""
t_run "$CARB" check config
t_expect_status 2 "bad sinks exit 2"
t_expect_err 'events "hook": url: "ftp://example.org/" is not an http://, https:// or amqp:// URL' "a sink's url must be http, https or amqp"
t_expect_err 'events "hook": statuses: "ARCHIVING" is not a final status' "a sink's statuses must be final statuses"
t_expect_err 'events "hook": watches: no watch is named "elsewhere"' "a sink's watches must exist"
t_expect_err 'events "hook": name: another [[events]] table has that name' "sink names are unique"
t_expect_err 'webhok' "an unknown kind is named"

conf "$base
[[events]]
name = \"hook\"
kind = \"webhook\""
t_run "$CARB" check config
t_expect_status 2 "a webhook without url exits 2"
t_expect_err 'events "hook": a webhook needs url' "a webhook needs url"

# --- settings run would fail on are errors here (issue 13 #9) -------------

for t in '{watch' 'a}b' '{}/x' '{wa{tch}'; do
	conf "$base
destination = \"$t\""
	t_run "$CARB" check config
	t_expect_status 2 "template \"$t\": unbalanced braces exit 2"
	t_expect_err "config.toml:7:15: archive.destination: \"$t\":" "... with the position and the template"
done
conf "$base
destination = \"{{literal}}/{watch}\""
t_run "$CARB" check config
t_expect_status 0 "doubled braces are literal braces"

conf "[[watch]]
name = \"incoming\"
path = \"in\"
include = [\"*.dat\", \"[abc\"]

[archive]
base_path = \"archive\""
t_run "$CARB" check config
t_expect_status 2 "a glob with an unclosed [ exits 2"
t_expect_err 'config.toml:4:21: watch "incoming": include[1]: "[abc": the "[" at character 1 is never closed by "]"' "... naming the pattern and the character"
conf "[[watch]]
name = \"incoming\"
path = \"in\"
exclude = [\"[]x]*\", \"[!]]\", \"\\\\[x\"]

[archive]
base_path = \"archive\""
t_run "$CARB" check config
t_expect_status 0 "brackets closed the fnmatch way, and an escaped [, are fine"

mkdir -p in/state
conf "[service]
state_dir = \"in\"
$base"
t_run "$CARB" check config
t_expect_status 2 "a watch that is the state folder exits 2"
t_expect_err "config.toml:5:8: watch \"incoming\": path $T/c/in sees service.state_dir $T/c/in (the lock files)" "... saying why"
conf "[service]
state_dir = \"in/state\"
[[watch]]
name = \"incoming\"
path = \"in\"
recursive = true
[archive]
base_path = \"archive\""
t_run "$CARB" check config
t_expect_status 2 "a recursive watch holding the state folder exits 2"
conf "[service]
state_dir = \"in/state\"
$base"
t_run "$CARB" check config
t_expect_status 0 "a watch that does not look below its folder may hold it"
conf "[database]
url = \"sqlite:in/cat.db\"
$base"
t_run "$CARB" check config
t_expect_status 2 "a watch holding the SQLite catalog exits 2"
t_expect_err "sees the catalog $T/c/in/cat.db" "... naming it"
conf "[logging]
file = \"in/carb.log\"
$base"
t_run "$CARB" check config
t_expect_status 2 "a watch holding the log file exits 2"
t_expect_err "sees logging.file $T/c/in/carb.log" "... naming it"
rmdir in/state

long=$(printf '%0246d' 0)
conf "[[watch]]
name = \"$long\"
path = \"in\"

[archive]
base_path = \"archive\""
t_run "$CARB" check config
t_expect_status 2 "a watch name too long for its lock file exits 2"
t_expect_err "config.toml:2:8: watch #1: name: \"00000000000000000000...\" is 246 characters long; at most 245 fit the lock file name (watch-NAME.lock)" "... saying so"
long=$(printf '%0245d' 0)
conf "[[watch]]
name = \"$long\"
path = \"in\"

[archive]
base_path = \"archive\""
t_run "$CARB" check config
t_expect_status 0 "245 characters fit"

t_done
