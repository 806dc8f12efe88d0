# The group and checksum cases every backend must pass (sourced, POSIX sh,
# not a test by itself): members delivered together, a group delivered
# again, checksum sidecars that arrive late, and a group's own checksum
# file (STEM.sha256 naming its members).  groups-sqlite.sh,
# groups-postgresql.sh and groups-mariadb.sh source tests/lib/common.sh,
# tests/lib/catalog.sh, intake-cases.sh and archive-cases.sh (for their
# helpers: csql, fsql, rsn, wait_rows, expect_rows, rows, svc_start,
# svc_stop, svc_ready, a_project, a_once, a_eq, a_log) and this file, call
# catalog_start for their backend, then groups_run_cases.
#
# Each case fails on a build where the defect it names is back: a member
# racing its group to READY ("late member"), the rest of a re-delivered
# group left WAITING, a file archived as good though a recorded sidecar
# contradicts it, a group checksum file ignored.
# shellcheck shell=sh

G_RULES='[integrity]
min_size = 1
checksum = "auto"

[completeness]
required = [".dat"]
optional = [".xml"]
timeout = "1h"
on_timeout = "skip"'

# g_deliver DIR NAME: NAME.dat and NAME.xml, written elsewhere and renamed
# in one after the other, as a sender does.
g_deliver() {
	printf 'data of %s\n' "$2" >"$T/g.tmp"
	mv "$T/g.tmp" "$1/$2.dat"
	printf '<meta name="%s"/>\n' "$2" >"$T/g.tmp"
	mv "$T/g.tmp" "$1/$2.xml"
}

# g_count NAME WHERE: components matching the SQL condition WHERE.
g_count() {
	rows "$1" "SELECT COUNT(*) FROM components WHERE $2"
}

# --- members delivered together ---------------------------------------------

# run --once: every member of every group is judged with its group, none
# is late (the scaffold's demo had its .xml "late" on every run).
groups_case_together_once() {
	a_project gonce '' '' "$G_RULES"
	for i in 01 02 03 04 05 06 07 08 09 10 11 12 13 14 15 16 17 18 19 20; do
		g_deliver "$T/gonce/in" "g$i"
	done
	a_once gonce
	t_expect_status 0 "$DB_DIALECT: run --once archives 20 groups of .dat and .xml"
	a_eq "run --once: all 40 members ARCHIVED" \
		"$(g_count gonce "status = 'ARCHIVED'")" 40
	a_eq "run --once: no member is late (members delivered together are judged together)" \
		"$(g_count gonce "late <> 0")" 0
	a_eq "run --once: every group ARCHIVED" \
		"$(rows gonce "SELECT COUNT(*) FROM files WHERE status = 'ARCHIVED'")" 20
}

# The service: groups delivered together while it runs.
groups_case_together_service() {
	a_project gsvc '' '' "$G_RULES"
	svc_start gsvc
	svc_ready gsvc
	for i in 01 02 03 04 05 06 07 08 09 10; do
		g_deliver "$T/gsvc/in" "s$i"
	done
	wait_rows gsvc "SELECT COUNT(*) FROM components WHERE rel_path <> $(db_path zz-probe.dat) AND status = 'ARCHIVED'" \
		20 "$DB_DIALECT: service: 10 groups delivered together are ARCHIVED" 60
	a_eq "service: no member of a group delivered together is late" \
		"$(g_count gsvc "late <> 0")" 0
	svc_stop gsvc
}

# --- a group delivered again --------------------------------------------------

# Move mode empties the delivery folder; the same two files again are a
# duplicate, both of them, and the group too: nothing waits for a timeout.
groups_case_redelivery() {
	a_project gdup 'mode = "move"' '' "$G_RULES"
	g_deliver "$T/gdup/in" r1
	a_once gdup
	t_expect_status 0 "$DB_DIALECT: redelivery: the first delivery is archived"
	g_deliver "$T/gdup/in" r1
	a_once gdup
	t_expect_status 0 "$DB_DIALECT: redelivery: run --once on the same group again"
	expect_rows gdup "$(csql in r1.dat 'generation, status')" "1|ARCHIVED
2|DUPLICATE" "$DB_DIALECT: redelivery (together): the .dat again is DUPLICATE"
	expect_rows gdup "$(csql in r1.xml 'generation, status')" "1|ARCHIVED
2|DUPLICATE" "$DB_DIALECT: redelivery (together): the .xml again is DUPLICATE, not WAITING"
	expect_rows gdup "$(fsql in r1 'generation, status')" "1|ARCHIVED
2|DUPLICATE" "$DB_DIALECT: redelivery (together): one new group, DUPLICATE"

	# The .xml a while after its .dat: it joins the group the .dat made.
	svc_start gdup
	printf 'data of %s\n' r1 >"$T/g.tmp"
	mv "$T/g.tmp" "$T/gdup/in/r1.dat"
	wait_comp gdup in r1.dat 'generation, status' "1|ARCHIVED
2|DUPLICATE
3|DUPLICATE" "$DB_DIALECT: redelivery (apart): the .dat again is DUPLICATE" 30
	printf '<meta name="%s"/>\n' r1 >"$T/g.tmp"
	mv "$T/g.tmp" "$T/gdup/in/r1.xml"
	wait_comp gdup in r1.xml 'generation, status' "1|ARCHIVED
2|DUPLICATE
3|DUPLICATE" "$DB_DIALECT: redelivery (apart): the .xml that follows is DUPLICATE too" 30
	expect_rows gdup "$(fsql in r1 'generation, status')" "1|ARCHIVED
2|DUPLICATE
3|DUPLICATE" "$DB_DIALECT: redelivery (apart): no group is left WAITING"
	svc_stop gdup
}

# --- checksum sidecars that arrive late ----------------------------------------

# A sidecar with a wrong hash while its file settles (settle is 300 ms):
# the file is never archived.  0.3 s after it (the file may have settled
# and gone by then): never archived as good, either held back or marked.
groups_case_late_sidecar() {
	a_project glate '' '' '[integrity]
min_size = 1
checksum = "auto"'
	svc_start glate
	svc_ready glate
	printf 'late sidecar data\n' >"$T/g.tmp"
	mv "$T/g.tmp" "$T/glate/in/a.dat"
	sleep 0.1
	printf '%064d  a.dat\n' 0 >"$T/g.tmp"
	mv "$T/g.tmp" "$T/glate/in/a.dat.sha256"
	wait_comp glate in a.dat "status, $(rsn 'checksum mismatch')" \
		"INTEGRITY_FAILED|reason ok" \
		"$DB_DIALECT: a file whose sidecar arrives while it settles, with another hash, is INTEGRITY_FAILED" 30
	a_eq "late sidecar: nothing of a.dat is archived" \
		"$(find "$T/glate/archive" -name a.dat | wc -l)" 0

	printf 'a little later\n' >"$T/g.tmp"
	mv "$T/g.tmp" "$T/glate/in/c.dat"
	sleep 0.3
	printf '%064d  c.dat\n' 0 >"$T/g.tmp"
	mv "$T/g.tmp" "$T/glate/in/c.dat.sha256"
	wait_comp glate in c.dat "CASE WHEN status = 'INTEGRITY_FAILED' OR checksum_conflict IS NOT NULL THEN 'not as good' ELSE status END" \
		"not as good" \
		"$DB_DIALECT: a file whose wrong sidecar arrives 0.3 s later is never archived as good" 30

	# Long after the file was archived: the archived file is marked,
	# logged at error, and reconcile archive names it.
	printf 'archived before its sidecar\n' >"$T/g.tmp"
	mv "$T/g.tmp" "$T/glate/in/b.dat"
	wait_comp glate in b.dat status ARCHIVED \
		"$DB_DIALECT: b.dat is archived (no sidecar yet)" 30
	printf '%064d  b.dat\n' 0 >"$T/g.tmp"
	mv "$T/g.tmp" "$T/glate/in/b.dat.sha256"
	wait_comp glate in b.dat "status, CASE WHEN checksum_conflict LIKE '%b.dat.sha256%' THEN 'flag ok' ELSE COALESCE(checksum_conflict, 'no flag') END" \
		"ARCHIVED|flag ok" \
		"$DB_DIALECT: a sidecar that contradicts an archived file marks it (checksum_conflict, naming the sidecar)" 30
	a_log glate 'error .*b\.dat.*contradict' "late sidecar: the contradiction is logged at error" 10
	svc_stop glate
	t_run "$CARB" -c "$T/glate/config.toml" reconcile archive
	t_expect_status 1 "$DB_DIALECT: reconcile archive exits 1 on a contradicted file"
	t_expect_out "checksum-conflict" "$DB_DIALECT: ... and reports it as checksum-conflict"
	t_expect_out "b.dat" "$DB_DIALECT: ... naming the file"
}

# run --once: whatever order the folder lists them in, a file and its
# wrong sidecar never give an ARCHIVED file.
groups_case_sidecar_order() {
	a_project gorder '' '' '[integrity]
min_size = 1
checksum = "auto"'
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do
		printf 'file %s\n' "$i" >"$T/gorder/in/f$i.dat"
		printf '%064d\n' "$i" >"$T/gorder/in/f$i.dat.sha256"
	done
	a_once gorder
	a_eq "run --once: no file with a wrong sidecar is ARCHIVED, whatever the directory order" \
		"$(g_count gorder "status = 'ARCHIVED' AND extension = $(db_path .dat)")" 0
	a_eq "run --once: all 16 are INTEGRITY_FAILED" \
		"$(g_count gorder "status = 'INTEGRITY_FAILED' AND extension = $(db_path .dat)")" 16
}

# --- a group's own checksum file ------------------------------------------------

groups_case_group_checksum() {
	a_project gsum '' '' "$G_RULES"
	# Right: both members named, both match.
	printf 'good data\n' >"$T/gsum/in/good.dat"
	printf '<good/>\n' >"$T/gsum/in/good.xml"
	(cd "$T/gsum/in" && sha256sum good.dat good.xml >"$T/g.tmp")
	mv "$T/g.tmp" "$T/gsum/in/good.sha256"
	# Wrong: the .dat's hash is not its content's.
	printf 'bad data\n' >"$T/gsum/in/bad.dat"
	printf '%064d  bad.dat\n' 7 >"$T/g.tmp"
	mv "$T/g.tmp" "$T/gsum/in/bad.sha256"
	# Names a member that was never delivered.
	printf 'short data\n' >"$T/gsum/in/short.dat"
	(cd "$T/gsum/in" && sha256sum short.dat >"$T/g.tmp")
	printf '%064d  short.xml\n' 5 >>"$T/g.tmp"
	mv "$T/g.tmp" "$T/gsum/in/short.sha256"
	a_once gsum
	expect_rows gsum "$(fsql in good status)" ARCHIVED \
		"$DB_DIALECT: a group whose STEM.sha256 matches its members is ARCHIVED"
	expect_rows gsum "$(csql in bad.dat "status, $(rsn 'bad.sha256 says')")" \
		"INTEGRITY_FAILED|reason ok" \
		"$DB_DIALECT: a member STEM.sha256 contradicts is INTEGRITY_FAILED, naming it"
	a_eq "group checksum: nothing of bad is archived" \
		"$(find "$T/gsum/archive" -name 'bad.*' | wc -l)" 0
	expect_rows gsum "$(fsql in short "status, CASE WHEN missing LIKE '%short.xml%' THEN 'missing ok' ELSE COALESCE(missing, 'no missing') END")" \
		"WAITING|missing ok" \
		"$DB_DIALECT: a group whose checksum file names a member not delivered waits for it, saying so"
	a_eq "group checksum: nothing of short is archived yet" \
		"$(find "$T/gsum/archive" -name 'short.*' | wc -l)" 0
}

groups_run_cases() {
	t_cleanup svc_cleanup
	intake_caps
	groups_case_together_once
	groups_case_together_service
	groups_case_redelivery
	groups_case_late_sidecar
	groups_case_sidecar_order
	groups_case_group_checksum
}
