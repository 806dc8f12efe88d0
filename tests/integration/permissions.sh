#!/bin/sh
# Folders the service cannot use as the user it runs as:
# - `check config` warns (exit status unchanged) when a watch folder is not
#   readable, or the archive's base path not writable, by its user;
# - `run --once` exits 1 when a watch folder could not be read at all;
# - `init --systemd --user NAME` gives state/ and archive/ to NAME (as
#   root), or prints the chown to run (as anyone else).
# Run as root, the checks drop CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH
# (setpriv), or run as nobody, so that permissions bind.
set -u
. "$top_srcdir/tests/lib/common.sh"
t_setup

if [ "$(id -u)" -ne 0 ]; then
	echo "# not root: chown, setpriv --reuid and dropping capabilities need it"
	exit 77
fi
if ! setpriv --bounding-set=-dac_override,-dac_read_search -- true 2>/dev/null; then
	echo "# setpriv cannot drop CAP_DAC_OVERRIDE here"
	exit 77
fi
# Another user must reach the scratch folder and the program.
chmod 755 "$T"

# shellcheck disable=SC2317 # called through t_run
nocap() {
	setpriv --bounding-set=-dac_override,-dac_read_search -- "$@"
}
# shellcheck disable=SC2317 # called through t_run
as_nobody() {
	setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"
}

P=$T/proj
mkdir -p "$P/in" "$P/arch"
cat >"$P/config.toml" <<'TOML'
[database]
url = "sqlite:cat.db"

[[watch]]
name = "in"
path = "in"
settle = "0s"

[archive]
base_path = "arch"
TOML
cd "$P" || exit 1
t_run "$CARB" db init
t_expect_status 0 "db init"
echo data >"$P/in/a.dat"
touch -d '1 minute ago' "$P/in/a.dat"

# ---- check config ------------------------------------------------------------

t_run nocap "$CARB" check config
t_expect_status 0 "check config with usable folders"
t_expect_no "warning" "... warns of nothing"

chmod 000 "$P/in"
t_run nocap "$CARB" check config
t_expect_status 0 "check config with an unreadable watch folder still exits 0"
t_expect_err "config.toml:6:8: warning: watch \"in\": $P/in is not readable by user root" \
	"... and warns at the watch's path, naming the user"
t_run as_nobody "$CARB" check config
t_expect_status 0 "check config as nobody exits 0"
t_expect_err "warning: watch \"in\": $P/in is not readable by user nobody" \
	"... and warns for nobody"
t_expect_err "warning: archive base_path $P/arch is not writable by user nobody" \
	"... and that nobody cannot write the archive"
chmod 755 "$P/in"

chmod 555 "$P/arch"
t_run nocap "$CARB" check config
t_expect_status 0 "check config with an archive it cannot write exits 0"
t_expect_err "config.toml:10:13: warning: archive base_path $P/arch is not writable by user root" \
	"... and warns at base_path"
chmod 755 "$P/arch"

# ---- run --once --------------------------------------------------------------

chmod 000 "$P/in"
t_run nocap "$CARB" run --once
t_expect_status 1 "run --once exits 1 when a watch folder cannot be read"
t_expect_err "run: could not read watch \"in\" ($P/in: Permission denied)" \
	"... naming the watch, its folder and why"
t_run sqlite3 cat.db "SELECT count(*) FROM components"
t_expect_out "0" "... and records nothing"
chmod 755 "$P/in"
t_run nocap "$CARB" run --once
t_expect_status 0 "run --once once the folder is readable again exits 0"
t_run sqlite3 cat.db "SELECT status FROM components"
t_expect_out "ARCHIVED" "... and archives the file"

# ---- init --user ---------------------------------------------------------------

t_run "$CARB" init "$T/svc" --systemd --user daemon
t_expect_status 0 "init --systemd --user daemon as root"
t_expect_out "runuser -u daemon -- carbonation db init" \
	"... whose next steps run db init as daemon"
for d in state archive; do
	t_run stat -c %U:%G "$T/svc/$d"
	t_expect_out "daemon:daemon" "... $d/ belongs to daemon"
done
t_run stat -c %U "$T/svc/incoming"
t_expect_out "root" "... incoming/ stays with whoever delivers (root here)"
# The catalog daemon creates is daemon's: no "readonly database".  (The
# project without its plugin, which would need building: no rules.)
: >"$T/svc/plain-rules.toml"
cat >"$T/svc/plain.toml" <<'TOML'
[service]
state_dir = "state"
rules = "plain-rules.toml"
[database]
url = "sqlite:state/carbonation.db"
[[watch]]
name = "incoming"
path = "incoming"
settle = "0s"
[archive]
base_path = "archive"
TOML
t_run setpriv --reuid=daemon --regid=daemon --clear-groups -- \
	"$CARB" -c "$T/svc/plain.toml" db init
t_expect_status 0 "daemon creates the catalog in state/"
t_run setpriv --reuid=daemon --regid=daemon --clear-groups -- \
	"$CARB" -c "$T/svc/plain.toml" run --once
t_expect_status 0 "daemon runs run --once on the project"
t_expect_no "readonly database" "... without a readonly database"
t_run find "$T/svc/archive" -type f
t_expect_out "north_20240315T060000.dat" "... and archives the demo delivery"

# Not root: init says what to chown instead.
mkdir "$T/nb"
chown nobody "$T/nb"
t_run as_nobody "$CARB" init "$T/nb/p" --systemd --user daemon
t_expect_status 0 "init --user as another user than root exits 0"
t_expect_out "sudo chown -R daemon:daemon $T/nb/p/state $T/nb/p/archive" \
	"... and prints the chown to run"
t_run stat -c %U "$T/nb/p/state"
t_expect_out "nobody" "... changing nothing itself"

# A user that does not exist yet: the chown to run once it does.
t_run "$CARB" init "$T/later" --systemd --user carb-no-such-user
t_expect_status 0 "init --user with a user that does not exist yet exits 0"
t_expect_out "sudo chown -R carb-no-such-user: $T/later/state $T/later/archive" \
	"... and prints the chown for later"
t_done
