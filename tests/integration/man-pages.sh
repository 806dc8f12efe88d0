#!/bin/sh
# The man pages: each renders without a single warning (groff -ww, and
# man -l with its warnings on); carbonation.toml(5) holds every key of the
# tables the program loads config.toml and rules.toml with; carbonation(1)
# names every command and every long option their --help lists.
set -u
. "$top_srcdir/tests/lib/common.sh"
t_setup

M=$top_builddir/man
for page in man1/carbonation.1 man5/carbonation.toml.5 man7/carbonation-plugin.7; do
	if [ ! -s "$M/$page" ]; then
		t_fail "$page is built"
		continue
	fi
	t_run groff -ww -z -man "$M/$page"
	if [ "$t_status" -eq 0 ] && [ ! -s "$T/out" ] && [ ! -s "$T/err" ]; then
		t_pass "groff -ww -z -man $page prints nothing"
	else
		t_fail "groff -ww -z -man $page prints nothing"
	fi
	if command -v man >/dev/null 2>&1; then
		t_run env MANWIDTH=80 man --warnings -l "$M/$page"
		if [ "$t_status" -eq 0 ] && [ -s "$T/out" ] && [ ! -s "$T/err" ]; then
			t_pass "man --warnings -l $page renders without a warning"
		else
			t_fail "man --warnings -l $page renders without a warning"
		fi
	fi
	t_run grep -n '@[A-Za-z_]*@' "$M/$page"
	t_expect_status 1 "$page has no placeholder left"
done

# Every key of every section, in the text reference and in the page:
# "SECTION KEY" lines compared whole.
t_run "$CARB" check config --keys
t_expect_status 0 "check config --keys"
awk '/^[^ ]/ { sec = $1 } /^  [^ ]/ { print sec, $1 }' "$T/out" | sort >"$T/want"
awk '/^\.SS / { sub(/^\.SS "/, ""); sec = $1 } /^\.B / && sec != "" { print sec, $2 }' \
	"$M/man5/carbonation.toml.5" | sort >"$T/have"
if [ "$(wc -l <"$T/want")" -gt 50 ] && cmp -s "$T/want" "$T/have"; then
	t_pass "carbonation.toml(5) lists every key of the tables ($(wc -l <"$T/want"))"
else
	t_fail "carbonation.toml(5) lists every key of the tables"
	diff "$T/want" "$T/have" | sed 's/^/  # /'
fi

# Every command and long option of carbonation(1): from each --help.
# In roff a "-" is written "\-".
man1=$T/carbonation.1.txt
sed 's/\\-/-/g' "$M/man1/carbonation.1" >"$man1"
t_run "$CARB" --help
cmds=$(sed -n 's/^  \([a-z][a-z]*\)  .*/\1/p' "$T/out")
for c in $cmds; do
	t_run "$CARB" "$c" --help
	subs=$(sed -n '/^commands:/,$ s/^  \([a-z][a-z]*\)  .*/\1/p' "$T/out")
	for path in "$c" $(for s in $subs; do echo "$c/$s"; done); do
		words=$(echo "$path" | tr '/' ' ')
		# shellcheck disable=SC2086 # the command's words
		t_run "$CARB" $words --help
		if [ "$path" = "$c" ] && [ -n "$subs" ]; then
			continue
		fi
		if grep -q "^\.SS \"$words" "$man1"; then
			t_pass "carbonation(1) describes \"$words\""
		else
			t_fail "carbonation(1) describes \"$words\""
		fi
		# The filters of query and clear come from the catalog's
		# columns (plugin columns too): the page gives their grammar,
		# --help lists them; the options proper must be in the page.
		opts=$(sed '/^filters of this catalog:/,/^$/d' "$T/out" |
			grep -o -- '--[a-z][a-z-]*' | sort -u)
		for opt in $opts; do
			if [ "$opt" = "--help" ]; then
				continue
			fi
			if grep -q -- "$opt" "$man1"; then
				t_pass "carbonation(1) names $words $opt"
			else
				t_fail "carbonation(1) names $words $opt"
			fi
		done
	done
done
t_done
