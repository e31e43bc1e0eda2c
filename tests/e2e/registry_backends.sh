# registry_backends.sh - the registry's verbs, promises and failure paths,
# one script for both backends: a SQLite directory, and PostgreSQL on a
# temporary cluster of its own (pg_virtualenv, a port of its own) that
# this script starts and that stops with it.  The two backends' outputs
# are compared: the same verbs give the same results (timestamps aside).
# The races (8 concurrent pushers, 20 alias moves under predicts (make
# check; make stress and BACKEND_MOVES: more), kill
# -9 mid-push) run on both.
#
# sh registry_backends.sh                 both backends, then the comparison
# sh registry_backends.sh inner sqlite|pg (internal: one backend; $REG, $OUT)
. "$TOP/tests/e2e/lib.sh"

N=$NLPOPS
DATA=$TOP/tests/data
# Under the sanitizers (*/obj-san/nlpops) the PostgreSQL half only (the
# SQLite registry has registry.sh and registry_safety.sh there), without
# the races, the server stopped mid-push and the three-registry round
# trip: what they need is the plain run's.
case $N in
*/obj-san/nlpops) san=1 MOVES=${BACKEND_MOVES:-6} KILLS=1 ;;
*) san=0 MOVES=${BACKEND_MOVES:-20} KILLS=3 ;;
esac

if [ "${1:-}" != inner ]; then
	# the artifacts both backends store: ten small models, distinct bytes
	zcat "$DATA/spam.train.tsv.gz" | head -600 >"$T/small.tsv"
	i=1
	while [ $i -le 10 ]; do
		"$N" train -q --epochs 1 --bits 14 --seed $i -o "$T/m$i.nlp" "$T/small.tsv" ||
			fail "train m$i"
		i=$((i + 1))
	done
	zcat "$DATA/spam.test.tsv.gz" | head -300 >"$T/test.tsv"
	"$N" key generate -o "$T/k" >/dev/null || fail "key generate"
	cut -f2 "$T/test.tsv" >"$T/texts.txt"
	export ART=$T
	mkdir -p "$T/out/sqlite" "$T/out/pg"
	# libpq is loaded for a PostgreSQL registry alone (lib/dynlib.h):
	# hidden (an empty file mounted over it), such a registry says which
	# library and package it needs, exit 4, and a SQLite one works
	pq=$(ldconfig -p 2>/dev/null | sed -n 's|.*libpq\.so\.5 (libc6,x86-64) => ||p' | head -1)
	if [ $san -eq 0 ] && [ -n "$pq" ] && unshare -m true 2>/dev/null; then
		: >"$T/empty.so"
		unshare -m sh -c 'mount --bind "$1" "$(readlink -f "$2")" && shift 2 && exec "$@"' sh \
		    "$T/empty.so" "$pq" sh -c '"$1" --registry postgresql://127.0.0.1:1/x registry list 2>"$2/nopq.err"; echo $? >"$2/nopq.rc"
			"$1" --registry "$2/nopq" registry push "$2/m1.nlp" --name a >/dev/null 2>&1; echo $? >>"$2/nopq.rc"' sh "$N" "$T"
		[ "$(tr '\n' ' ' <"$T/nopq.rc")" = "4 0 " ] && pass ||
			fail "without libpq: want exit 4 for PostgreSQL and 0 for SQLite, got $(tr '\n' ' ' <"$T/nopq.rc")"
		grep -q "^nlpops registry: 'libpq.so.5' is needed for PostgreSQL registries (Debian: libpq5) and cannot be loaded: " "$T/nopq.err" && pass ||
			fail "without libpq: $(cat "$T/nopq.err")"
	elif [ $san -eq 0 ]; then
		echo "SKIP: registry_backends: hiding libpq needs root and unshare -m" >&2
	fi
	[ $san -eq 1 ] || REG=$T/reg OUT=$T/out/sqlite sh "$0" inner sqlite
	if ! command -v pg_virtualenv >/dev/null 2>&1; then
		echo "SKIP: registry_backends: PostgreSQL: pg_virtualenv is not installed (postgresql-common; make check installs it)"
		exit 0
	fi
	# a port of our own: two runs at once never share a cluster
	port=$(free_port $$)
	OUT=$T/out/pg pg_virtualenv -t -o "port=$port" sh "$0" inner pg \
	    >"$T/pg.log" 2>&1 || true
	cat "$T/pg.log" | grep -v '^Creating new\|^Dropping cluster\|^Ver Cluster\|^15  *regress' >&2
	[ -s "$T/out/pg/list.txt" ] || fail "the PostgreSQL run did not finish"
	# the same results from both backends, timestamps aside, and who:
	# on PostgreSQL the user's name is followed by the host's and the
	# role's (checked below), with the columns that pushes aside
	[ $san -eq 1 ] && exit 0
	for f in $(cd "$T/out/sqlite" && ls); do
		sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z/TIME/g' \
		    "$T/out/sqlite/$f" | tr -s ' ' >"$T/a"
		sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z/TIME/g;
		    s/'"$(id -un)@$(hostname)"'( \(role [a-z_0-9]*\))?/'"$(id -un)"'/g' \
		    "$T/out/pg/$f" 2>/dev/null | tr -s ' ' >"$T/b"
		check "$f: the same on SQLite and PostgreSQL ($(diff "$T/a" "$T/b" | head -3))" \
		    cmp -s "$T/a" "$T/b"
	done
	exit 0
fi

# ---- one backend ----
backend=$2
if [ "$backend" = pg ]; then
	# libpq's own environment carries the password (PGPASSWORD), as
	# ~/.pgpass or PGSERVICE would: the URI names only the server
	REG="postgresql://$PGUSER@localhost:$PGPORT/$PGDATABASE"
	SECRET=$PGPASSWORD
fi
export NLPOPS_REGISTRY=$REG NLPOPS_CACHE=$T/cache
A=$ART

expect_status 0 "$backend: push m1" "$N" registry push "$A/m1.nlp" --name spam
check "$backend: push says spam@1" grep -q 'spam@1' "$T/out"
expect_status 0 "$backend: push m2" "$N" registry push "$A/m2.nlp" --name spam
expect_status 0 "$backend: push m1 again" "$N" registry push "$A/m1.nlp" --name spam
cp "$T/out" "$OUT/push_again.txt"
expect_status 5 "$backend: m1 again with a tag spam@1 lacks" "$N" registry push "$A/m1.nlp" --name spam --tag approved=yes
check "$backend: ... says so" grep -q "already spam@1, which has no tag approved=yes" "$T/err"
expect_status 0 "$backend: alias" "$N" registry alias spam 1 production
cp "$T/out" "$OUT/alias.txt"
expect_status 5 "$backend: --if-current refuses" "$N" registry alias spam 2 production --if-current 2
expect_status 0 "$backend: --if-current" "$N" registry alias spam 2 production --if-current 1 --reason "v2 is better"
expect_status 0 "$backend: rollback" "$N" registry rollback spam --reason "back to v1"
cp "$T/out" "$OUT/rollback.txt"
expect_status 1 "$backend: --require refuses (no evaluation)" "$N" registry alias spam 2 production --require 'macro_f1>=0.5'
"$N" registry list >"$OUT/list.txt" 2>&1 || fail "$backend: list"
"$N" registry list --json >"$OUT/list.json" 2>&1 || fail "$backend: list --json"
"$N" registry show spam --json >"$OUT/show.json" 2>&1 || fail "$backend: show"
"$N" registry show spam@2 >"$OUT/show2.txt" 2>&1 || fail "$backend: show spam@2"
"$N" registry history spam --json >"$OUT/history.json" 2>&1 || fail "$backend: history"
"$N" registry history spam >"$OUT/history.txt" 2>&1 || fail "$backend: history"
# who: on PostgreSQL, the host's name and the role the server
# authenticated, when that is not the user's (many hosts share it, and
# root in every CI container says little)
if [ "$backend" = pg ]; then
	me=$(id -un)
	role=$(psql -Atc 'SELECT session_user' 2>/dev/null)
	want="$me@$(hostname)"
	[ -n "$role" ] && [ "$role" != "$me" ] && want="$want (role $role)"
	check "$backend: history says who, where and as which role ($(head -1 "$OUT/history.txt"))" \
	    grep -q "Z  $want " "$OUT/history.txt"
	check "$backend: ... as the versions' creator" grep -q "\"created_by\": \"$want\"" "$OUT/show.json"
fi
"$N" registry resolve spam@production >"$OUT/resolve.txt" 2>&1 || fail "$backend: resolve"
"$N" registry list spam >"$OUT/versions.txt" 2>&1 || fail "$backend: list spam"
"$N" registry diff spam@1 spam@2 >"$OUT/diff.txt" 2>&1 || fail "$backend: diff"
"$N" predict -m spam -k 2 "$A/texts.txt" >"$OUT/predict.tsv" 2>/dev/null || fail "$backend: predict by alias"
"$N" eval -m spam@2 --json "$A/test.tsv" 2>/dev/null | grep -v '"seconds"\|_per_s"' >"$OUT/eval.json" || fail "$backend: eval"
"$N" eval -m spam@2 --record "$A/test.tsv" >/dev/null 2>&1 || fail "$backend: eval --record"
expect_status 0 "$backend: --require after a recorded eval" "$N" registry alias spam 2 candidate --require 'macro_f1>=0.5'
"$N" drift -m spam@1 --json "$A/texts.txt" 2>/dev/null | grep -v '"seconds"\|_per_s"' >"$OUT/drift.json"
[ -s "$OUT/drift.json" ] || fail "$backend: drift -m spam@1"
expect_status 0 "$backend: pull" "$N" registry pull spam@2 -o "$T/pulled.nlp"
check "$backend: pull gives the bytes pushed" cmp -s "$T/pulled.nlp" "$A/m2.nlp"
"$N" registry pull spam@1 -o - 2>/dev/null | cmp -s - "$A/m1.nlp" ||
	fail "$backend: pull to stdout"
pass
expect_status 0 "$backend: verify" "$N" registry verify
expect_status 5 "$backend: no such model" "$N" predict -m spma "$A/texts.txt"
grep -q "spam" "$T/err" && pass || fail "$backend: the near name is suggested: $(cat "$T/err")"
expect_status 5 "$backend: no such version" "$N" predict -m spam@9 "$A/texts.txt"
check "$backend: ... says which is the latest ($(cat "$T/err"))" \
    grep -qx 'nlpops predict: no version spam@9 (the latest is spam@2)' "$T/err"
expect_status 0 "$backend: rm an unaliased version" "$N" registry push "$A/m3.nlp" --name other
expect_status 0 "$backend: rm" "$N" registry rm other@1 --reason "not needed"
expect_status 0 "$backend: gc --dry-run" "$N" registry gc --dry-run --grace 0s
# (PostgreSQL's objects are rows, not files)
unit=file; [ "$backend" = pg ] && unit=object
check "$backend: gc --dry-run lists the object rm left ($(cat "$T/out"))" sh -c "grep -q '^would remove ' '$T/out' && grep -q '^would free 1 $unit, ' '$T/out'"
expect_status 0 "$backend: gc" "$N" registry gc
expect_status 0 "$backend: verify after gc" "$N" registry verify
expect_status 0 "$backend: pull after gc" "$N" registry pull spam@1 -o "$T/p1.nlp"

# ---- bundles: export and import, on this backend ----
expect_status 0 "$backend: export spam" "$N" registry export spam -o "$T/b1.tar"
check "$backend: export lists spam@1 and spam@2 ($(cat "$T/out"))" \
    sh -c "grep -q '^spam@1 [0-9a-f]\{64\}\$' '$T/out' && grep -q '^spam@2 ' '$T/out'"
"$N" registry export spam -o "$T/b2.tar" >/dev/null 2>&1
check "$backend: two exports are byte-identical" cmp -s "$T/b1.tar" "$T/b2.tar"
"$N" registry export spam -o - 2>/dev/null | cmp -s - "$T/b1.tar" &&
	pass || fail "$backend: export -o - writes the same bundle"
tar xOf "$T/b1.tar" bundle.json >"$OUT/bundle.json" 2>&1 || fail "$backend: tar reads the bundle"
"$N" registry list >"$T/l0" 2>&1
"$N" registry history spam --json >"$T/h0" 2>&1
expect_status 0 "$backend: import into the registry it came from" "$N" registry import "$T/b1.tar"
check "$backend: every version already there ($(cat "$T/out"))" \
    sh -c "[ \$(grep -c ' already there\$' '$T/out') -eq 2 ] && ! grep -q imported '$T/out'"
"$N" registry import "$T/b1.tar" --json >"$T/ij" 2>/dev/null
check "$backend: import --json: two versions not imported, no model changed" \
    sh -c "[ \$(grep -c '\"imported\": false' '$T/ij') -eq 2 ] && grep -q '\"models_changed\": 0' '$T/ij'"
# a bundle whose spam@1 is other bytes: refused whole, its other model too
"$N" --registry "$T/other" registry push "$A/m5.nlp" --name fresh >/dev/null 2>&1
"$N" --registry "$T/other" registry push "$A/m6.nlp" --name spam >/dev/null 2>&1
"$N" --registry "$T/other" registry export fresh spam -o "$T/conflict.tar" >/dev/null 2>&1
expect_status 5 "$backend: a conflicting bundle is refused" "$N" registry import "$T/conflict.tar"
check "$backend: the conflict is named ($(cat "$T/err"))" grep -q 'spam@1 is other bytes here' "$T/err"
# tampered: an object's bytes, or bundle.json (same length, valid JSON)
cp "$T/b1.tar" "$T/t1.tar"
printf 'XXXX' | dd of="$T/t1.tar" bs=1 seek=40000 conv=notrunc 2>/dev/null
expect_status 3 "$backend: a changed object is refused" "$N" registry import "$T/t1.tar"
check "$backend: it says which ($(cat "$T/err"))" grep -q "member 'objects/.*it was changed" "$T/err"
/usr/bin/python3 -c 'import sys; d = open(sys.argv[1], "rb").read(); open(sys.argv[2], "wb").write(d.replace(b"\"kind\": \"push\"", b"\"kind\": \"rm\"  ", 1))' \
    "$T/b1.tar" "$T/t2.tar"
expect_status 3 "$backend: an edited bundle.json is refused" "$N" registry import "$T/t2.tar"
check "$backend: SHA256SUMS says so ($(cat "$T/err"))" grep -q 'SHA256SUMS does not match' "$T/err"
"$N" registry list >"$T/l1" 2>&1
"$N" registry history spam --json >"$T/h1" 2>&1
check "$backend: refused bundles and a second import changed nothing" \
    sh -c "cmp -s '$T/l0' '$T/l1' && cmp -s '$T/h0' '$T/h1'"
# into a new SQLite registry: imported, then a second time nothing
expect_status 0 "$backend: import into a new registry" "$N" --registry "$T/copy" registry import "$T/b1.tar"
check "$backend: both versions imported" sh -c "[ \$(grep -c ' imported\$' '$T/out') -eq 2 ]"
"$N" --registry "$T/copy" registry history spam --json >"$T/c0" 2>&1
expect_status 0 "$backend: the same bundle again" "$N" --registry "$T/copy" registry import "$T/b1.tar"
"$N" --registry "$T/copy" registry history spam --json >"$T/c1" 2>&1
check "$backend: the second import changed nothing" cmp -s "$T/c0" "$T/c1"
check "$backend: one import event" test "$(grep -c '"import"' "$T/c1")" -eq 1
# a bundle as a backup of the artifacts: a version here whose object was
# lost gets it back from the bundle, as a push of its bytes would.
# Regression (fixed): "already there", nothing changed, verify still 1
rm -rf "$T/copy/objects"
expect_status 1 "$backend: a registry that lost its objects: verify says so" "$N" --registry "$T/copy" registry verify
expect_status 0 "$backend: ... the bundle imported again" "$N" --registry "$T/copy" registry import "$T/b1.tar" --json
check "$backend: ... two objects restored ($(cat "$T/out"))" grep -q '"objects_restored": 2' "$T/out"
check "$backend: ... said in notes ($(cat "$T/err"))" grep -q "note: spam@1: its object was missing: restored from the bundle" "$T/err"
expect_status 0 "$backend: ... verify is clean again" "$N" --registry "$T/copy" registry verify
"$N" --registry "$T/copy" registry history spam --json >"$T/c2" 2>&1
check "$backend: ... no event logged" cmp -s "$T/c1" "$T/c2"
# PostgreSQL loses an object's chunks, not its row (versions refer to
# it): restored the same way.  Regression (fixed): 'already there'
if [ "$backend" = pg ]; then
	sha=$("$N" registry resolve spam@1 | cut -d' ' -f2)
	psql -q -c "DELETE FROM chunks WHERE sha256 = '$sha'" >/dev/null 2>&1
	expect_status 1 "$backend: chunks lost: verify says so" "$N" registry verify
	expect_status 0 "$backend: ... the bundle imported again" "$N" registry import "$T/b1.tar" --json
	check "$backend: ... one object restored ($(tr -d '\n' <"$T/out" | cut -c1-200))" grep -q '"objects_restored": 1' "$T/out"
	expect_status 0 "$backend: ... verify is clean again" "$N" registry verify
fi
# an alias with a history of its own here keeps it: the bundle's moves of
# it (made elsewhere) stay out of the log that rollback replays.
# Regression (fixed): they were logged, and rollback went to rb@2, where
# production here had never been.
RA=$T/ra
for i in 1 2 3 4; do "$N" --registry "$RA" registry push "$A/m$i.nlp" --name rb >/dev/null 2>&1; done
"$N" --registry "$RA" registry alias rb 1 production >/dev/null 2>&1
"$N" --registry "$RA" registry export rb -o "$T/ra1.tar" >/dev/null 2>&1
"$N" registry import "$T/ra1.tar" >/dev/null 2>&1
"$N" registry alias rb 3 production >/dev/null 2>&1
"$N" --registry "$RA" registry alias rb 2 production >/dev/null 2>&1
"$N" --registry "$RA" registry alias rb 4 production >/dev/null 2>&1
"$N" --registry "$RA" registry export rb -o "$T/ra2.tar" >/dev/null 2>&1
expect_status 0 "$backend: import of a bundle whose production moved elsewhere" "$N" registry import "$T/ra2.tar"
check "$backend: ... notes the moves kept out" grep -q "2 events of 'rb' in the bundle not logged here" "$T/err"
expect_status 0 "$backend: ... rollback goes where production was here" "$N" registry rollback rb --if-current 3
check "$backend: ... rb@3 -> rb@1" grep -qx 'production: rb@3 -> rb@1' "$T/out"
# ... nor once it points where the bundle has it again by another road
# (production here went 1 -> 2; there 1 -> 3 -> 2): the log here must
# not begin to look like theirs.  Regression (fixed): it did, and
# rollback went to rc@3
for i in 1 2 3; do "$N" --registry "$RA" registry push "$A/m$i.nlp" --name rc >/dev/null 2>&1; done
"$N" --registry "$RA" registry alias rc 1 production >/dev/null 2>&1
"$N" --registry "$RA" registry export rc -o "$T/rc1.tar" >/dev/null 2>&1
"$N" registry import "$T/rc1.tar" >/dev/null 2>&1
"$N" registry alias rc 3 production >/dev/null 2>&1
"$N" registry alias rc 2 production >/dev/null 2>&1
"$N" registry export rc -o "$T/rc2.tar" >/dev/null 2>&1
"$N" --registry "$RA" registry alias rc 2 production >/dev/null 2>&1
"$N" --registry "$RA" registry import "$T/rc2.tar" >/dev/null 2>&1
expect_status 0 "$backend: an alias that converged by another road: rollback" "$N" --registry "$RA" registry rollback rc
check "$backend: ... goes where it was here (rc@2 -> rc@1)" grep -qx 'production: rc@2 -> rc@1' "$T/out"
# ... and an alias deleted here stays deleted (it came back, at rc@3)
"$N" --registry "$RA" registry alias --delete rc production >/dev/null 2>&1
"$N" registry alias rc 3 production >/dev/null 2>&1
"$N" registry export rc -o "$T/rc3.tar" >/dev/null 2>&1
expect_status 0 "$backend: import over an alias deleted here" "$N" --registry "$RA" registry import "$T/rc3.tar"
check "$backend: ... says it was deleted here" grep -q "alias 'production' of 'rc' was deleted here" "$T/err"
expect_status 5 "$backend: ... and it stays deleted" "$N" --registry "$RA" registry resolve rc@production
# a bundle of part of a model leaves out an alias that points at a
# version it lacks, and its moves with it (they gave rollback a road the
# alias never took here)
for i in 1 2; do "$N" --registry "$RA" registry push "$A/m$i.nlp" --name rp >/dev/null 2>&1; done
"$N" --registry "$RA" registry alias rp 1 production >/dev/null 2>&1
"$N" --registry "$RA" registry alias rp 2 production >/dev/null 2>&1
"$N" --registry "$RA" registry export rp@1 -o "$T/rp.tar" >/dev/null 2>&1
"$N" registry import "$T/rp.tar" >/dev/null 2>&1
"$N" registry push "$A/m3.nlp" --name rp --alias production >/dev/null 2>&1
expect_status 5 "$backend: rollback of an alias set here after a partial import: nothing to go back to" "$N" registry rollback rp


# The races, on both backends (registry_safety.sh has more of SQLite's:
# kill -9 at random moments of alias and rollback, a full disk, a
# read-only mount).
# Under the sanitizers the races are left out: they add nothing there but
# time (the plain run has them).
if [ $san -eq 0 ]; then
# 8 pushers at once, from separate processes: versions 1..8, no gap, no twin
i=3
while [ $i -le 10 ]; do
	"$N" registry push "$A/m$i.nlp" --name many >"$T/push$i.out" 2>"$T/push$i.err" &
	i=$((i + 1))
done
wait
"$N" registry list many --json >"$T/many.json" 2>&1
versions=$(grep -o '"version": [0-9]*' "$T/many.json" | awk '{print $2}' | sort -n | tr '\n' ' ')
check "$backend: 8 concurrent pushes are versions 1..8 ($versions; $(cat "$T"/push*.err | head -c 300))" \
    test "$versions" = "1 2 3 4 5 6 7 8 "

# $MOVES alias moves while predicts run by the alias: none fails
"$N" registry alias many 1 production >/dev/null 2>&1
( i=0; while [ $i -lt $MOVES ]; do
	"$N" registry alias many $((i % 2 + 1)) production >/dev/null 2>"$T/move.err" ||
		echo "move $i: $(cat "$T/move.err")" >>"$T/moves.failed"
	i=$((i + 1))
done; touch "$T/moves.done" ) &
bad=0 runs=0
while [ ! -e "$T/moves.done" ]; do
	"$N" predict -m many "$A/texts.txt" >"$T/pm.out" 2>"$T/pm.err" || {
		bad=$((bad + 1)); cp "$T/pm.err" "$T/pm.bad"; }
	runs=$((runs + 1))
	sleep 0.05          # a predict every moment or two, not a busy loop
done
wait
check "$backend: $MOVES alias moves, every move done ($(head -c 300 "$T/moves.failed" 2>/dev/null))" test ! -e "$T/moves.failed"
check "$backend: $runs predicts by the moving alias, none failed ($(head -c 300 "$T/pm.bad" 2>/dev/null))" test "$bad" -eq 0
moves=$("$N" registry history many --json | grep -c '"alias-move"')
check "$backend: history has the moves ($moves)" test "$moves" -ge $((MOVES - 1))

# kill -9 in the middle of pushes: never a version without its artifact
i=0
while [ $i -lt $KILLS ]; do
	"$N" registry push "$A/m$((i + 1)).nlp" --name killed >/dev/null 2>&1 &
	pid=$!
	sleep "0.0$((i * 3))"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	i=$((i + 1))
done
expect_status 0 "$backend: verify after kill -9 mid-push" "$N" registry verify
if "$N" registry list killed --json >"$T/killed.json" 2>/dev/null; then
	for v in $(grep -o '"version": [0-9]*' "$T/killed.json" | awk '{print $2}'); do
		"$N" registry pull "killed@$v" -o "$T/k.nlp" >/dev/null 2>&1 ||
			fail "$backend: killed@$v has no artifact"
	done
	# numbered without a gap
	got=$(grep -o '"version": [0-9]*' "$T/killed.json" | awk '{print $2}' | sort -n | tr '\n' ' ')
	want=$(seq 1 "$(echo "$got" | wc -w)" | tr '\n' ' ')
	check "$backend: the pushes that survived are numbered without a gap ($got)" test "$got" = "$want"
fi
pass
fi

# a damaged schema (a table dropped, the metadata gone or garbled): verify
# says so (1), the other verbs refuse (5), init does not pass it off as a
# registry or make one anew over its tables; never "no registry", never 4
# dbsql NAME SQL: run SQL in the damage registry NAME's database
dbsql() {
	if [ "$backend" = pg ]; then psql -q -d "$1" -c "$2"
	else sqlite3 "$T/$1/registry.db" "PRAGMA foreign_keys = off; $2"; fi
}
# dbval NAME SQL: the one value SQL selects there
dbval() {
	if [ "$backend" = pg ]; then psql -Atd "$1" -c "$2"
	else sqlite3 "$T/$1/registry.db" "$2"; fi
}
dbreg() {
	if [ "$backend" = pg ]; then
		createdb "$1" && echo "postgresql://$PGUSER@localhost:$PGPORT/$1"
	else echo "$T/$1"; fi
}
# a command that makes no registry (rollback, alias, gc) on a database
# without one: the wrong database, likelier than a registry to start.
# Regression (fixed): PostgreSQL advised 'registry init' there
E1=$(dbreg empty1) || fail "$backend: an empty database"
expect_status 5 "$backend: rollback where there is no registry" "$N" --registry "$E1" registry rollback spam
check "$backend: ... asks whether --registry is right ($(cat "$T/err"))" grep -q "(is --registry or NLPOPS_REGISTRY right? this command makes none)" "$T/err"
D1=$(dbreg dmg1) || fail "$backend: a database for the damage"
"$N" --registry "$D1" registry push "$A/m1.nlp" --name d --alias production >/dev/null 2>&1 || fail "$backend: push to dmg1"
dbsql dmg1 "DROP TABLE events" >/dev/null 2>&1 || fail "$backend: DROP TABLE events"
expect_status 1 "$backend: verify with a table dropped" "$N" --registry "$D1" registry verify
check "$backend: ... names it" grep -q "^problem: database: table 'events' is missing" "$T/out"
expect_status 5 "$backend: init on it" "$N" --registry "$D1" registry init
check "$backend: ... says it is damaged" grep -q "is damaged: its table 'events' is missing" "$T/err"
expect_status 5 "$backend: history on it" "$N" --registry "$D1" registry history d
check "$backend: ... the table is missing, in one line" sh -c "[ \$(wc -l <'$T/err') -eq 1 ] && grep -q \"is damaged: its table 'events' is missing\" '$T/err'"
expect_status 5 "$backend: gc on it" "$N" --registry "$D1" registry gc
# Regression (fixed): a column dropped was no problem to verify (exit 0),
# and the verbs that read it failed as I/O (4).  Expected: verify names
# it, the others say the schema is damaged (5).
D4=$(dbreg dmg4) || fail "$backend: a database for the damage"
"$N" --registry "$D4" registry push "$A/m1.nlp" --name d >/dev/null 2>&1 || fail "$backend: push to dmg4"
dbsql dmg4 "ALTER TABLE versions DROP COLUMN source" >/dev/null 2>&1 || fail "$backend: DROP COLUMN source"
expect_status 1 "$backend: verify with a column dropped" "$N" --registry "$D4" registry verify
check "$backend: ... names it" grep -q "^problem: database: table 'versions' has no column 'source'" "$T/out"
expect_status 5 "$backend: show on it" "$N" --registry "$D4" registry show d@1
check "$backend: ... the column is missing" grep -q "is damaged: its table 'versions' has no column 'source'" "$T/err"
expect_status 5 "$backend: gc on it" "$N" --registry "$D4" registry gc
# every verb meets it at open, those that never read the column too.
# Regression (fixed): list, alias, init exited 0 (alias wrote), push 4
# on SQLite and 5 on PostgreSQL
for v in "registry list" "registry history d" "registry alias d 1 production" "registry init" "registry push $A/m2.nlp --name d" "predict -m d@1 $A/texts.txt"; do
	# shellcheck disable=SC2086
	expect_status 5 "$backend: $v on it" "$N" --registry "$D4" $v
done
check "$backend: ... nothing was written: 1 version, no alias ($(dbval dmg4 'SELECT count(*) FROM versions') $(dbval dmg4 'SELECT count(*) FROM aliases'))" \
    test "$(dbval dmg4 'SELECT count(*) FROM versions') $(dbval dmg4 'SELECT count(*) FROM aliases')" = "1 0"
D6=$(dbreg dmg6) || fail "$backend: a database for the damage"
"$N" --registry "$D6" registry push "$A/m1.nlp" --name d >/dev/null 2>&1 || fail "$backend: push to dmg6"
dbsql dmg6 "DROP TABLE tags" >/dev/null 2>&1 || fail "$backend: DROP TABLE tags"
expect_status 5 "$backend: tags dropped: alias" "$N" --registry "$D6" registry alias d 1 production
check "$backend: ... says which table" grep -q "is damaged: its table 'tags' is missing" "$T/err"
# Regression (fixed): a version's JSON that did not parse was read as
# none: show and diff left it out without a word, verify found nothing.
D5=$(dbreg dmg5) || fail "$backend: a database for the damage"
"$N" --registry "$D5" registry push "$A/m1.nlp" --name d >/dev/null 2>&1 || fail "$backend: push to dmg5"
"$N" --registry "$D5" registry push "$A/m2.nlp" --name d >/dev/null 2>&1
dbsql dmg5 "UPDATE versions SET hyperparameters = 'x' WHERE version = 1" >/dev/null 2>&1 || fail "$backend: damage the JSON"
expect_status 1 "$backend: verify with a version's JSON damaged" "$N" --registry "$D5" registry verify
check "$backend: ... names the version and the column" grep -q "^problem: d@1: its hyperparameters column is not a JSON object" "$T/out"
expect_status 5 "$backend: show of it" "$N" --registry "$D5" registry show d@1
check "$backend: ... says the registry is damaged" grep -q "the registry is damaged: a version's hyperparameters column is not a JSON object" "$T/err"
expect_status 0 "$backend: rm of it" "$N" --registry "$D5" registry rm d@1
expect_status 0 "$backend: ... and verify is clean again" "$N" --registry "$D5" registry verify
dbsql dmg5 "UPDATE versions SET meta = '[1]' WHERE version = 2" >/dev/null 2>&1 || fail "$backend: damage the meta"
expect_status 5 "$backend: show of a version whose meta.json is damaged" "$N" --registry "$D5" registry show d@2
expect_status 5 "$backend: ... export of it" "$N" --registry "$D5" registry export d -o "$T/d5.tar"
check "$backend: ... which writes nothing" test ! -e "$T/d5.tar"
if [ "$backend" = pg ]; then
	D2=$(dbreg dmg2) || fail "$backend: a database for the damage"
	"$N" --registry "$D2" registry push "$A/m1.nlp" --name d >/dev/null 2>&1 || fail "$backend: push to dmg2"
	dbsql dmg2 "DELETE FROM nlpops_meta WHERE key = 'schema'" >/dev/null 2>&1
	expect_status 5 "$backend: the schema row deleted: list" "$N" --registry "$D2" registry list
	check "$backend: ... damaged, not 'no registry'" grep -q "is damaged: its nlpops_meta table has no schema version" "$T/err"
	expect_status 5 "$backend: ... push" "$N" --registry "$D2" registry push "$A/m2.nlp" --name d
	expect_status 5 "$backend: ... init" "$N" --registry "$D2" registry init
	check "$backend: ... nothing made anew over its tables" test "$(psql -Atd dmg2 -c 'SELECT count(*) FROM versions')" = 1
	dbsql dmg2 "INSERT INTO nlpops_meta VALUES ('schema', 'abc')" >/dev/null 2>&1
	expect_status 5 "$backend: a garbled schema row" "$N" --registry "$D2" registry list
	check "$backend: ... says which" grep -q "schema version 'abc' is none nlpops gives" "$T/err"
	# verify reports such damage (status 1), as it does a dropped table
	expect_status 1 "$backend: ... verify reports it" "$N" --registry "$D2" registry verify
	check "$backend: ... as a problem" grep -q "^problem: database: .*schema version 'abc' is none nlpops gives" "$T/out"
	dbsql dmg2 "DELETE FROM nlpops_meta" >/dev/null 2>&1
	expect_status 1 "$backend: nlpops_meta emptied: verify reports it" "$N" --registry "$D2" registry verify
	# a database where another application has a table of a name nlpops
	# uses (not one of the six it checks for): not a registry, and not
	# damage to restore from a backup
	D4=$(dbreg other4) || fail "$backend: a database for another application"
	dbsql other4 "CREATE TABLE tags (x int)" >/dev/null 2>&1
	expect_status 5 "$backend: init where another application has a table 'tags'" "$N" --registry "$D4" registry init
	check "$backend: ... says it is not an nlpops registry, not damage" sh -c "grep -q 'is not an nlpops registry, and cannot be made one: .*tags' '$T/err' && ! grep -q 'backup' '$T/err'"
	D3=$(dbreg dmg3) || fail "$backend: a database for the damage"
	"$N" --registry "$D3" registry push "$A/m1.nlp" --name d >/dev/null 2>&1 || fail "$backend: push to dmg3"
	dbsql dmg3 "DROP TABLE versions CASCADE" >/dev/null 2>&1
	expect_status 1 "$backend: verify with versions dropped" "$N" --registry "$D3" registry verify
	check "$backend: ... names it" grep -q "^problem: database: table 'versions' is missing" "$T/out"
fi

[ "$backend" = pg ] || exit 0

# ---- PostgreSQL only ----

# (the round trip: the plain run; under the sanitizers each backend's
# export and import ran above)
if [ $san -eq 0 ]; then
# bundles: SQLite -> PostgreSQL -> SQLite, the same show --json and
# history --json on all three (import events aside), signatures kept;
# 7 events, so that show's last 10 hold them all beside 2 imports
S1=$T/rt1 S3=$T/rt3 K=$A/k
{
	"$N" --registry "$S1" registry push "$A/m7.nlp" --name moved --tag team=ops --description first &&
	"$N" --registry "$S1" registry push "$A/m8.nlp" --name moved --sign "$K" --alias production &&
	"$N" --registry "$S1" registry push "$A/m9.nlp" --name moved &&
	"$N" --registry "$S1" registry alias moved 3 production --reason "try v3" &&
	"$N" --registry "$S1" registry rollback moved --reason "back to v2" &&
	"$N" --registry "$S1" eval -m moved@2 --record "$A/test.tsv" &&
	"$N" --registry "$S1" registry rm moved@3
} >/dev/null 2>"$T/rt.err" || fail "$backend: the round trip's registry: $(head -c 300 "$T/rt.err")"
createdb rt 2>/dev/null || fail "$backend: createdb rt"
# a database whose transactions default to serializable (or repeatable
# read): nlpops' run at read committed all the same.  Regression (fixed):
# of 6 pushers at once, the server cancelled all but one or two, each
# "busy" at once; under repeatable read two imports each logged the
# same events
createdb iso 2>/dev/null && psql -q -c "ALTER DATABASE iso SET default_transaction_isolation = 'serializable'" >/dev/null 2>&1 ||
	fail "$backend: a serializable database"
ISO="postgresql://$PGUSER@localhost:$PGPORT/iso"
"$N" --registry "$ISO" registry push "$A/m1.nlp" --name iso >/dev/null 2>&1 || fail "$backend: the first push to iso"
for i in 2 3 4 5 6 7; do
	"$N" --registry "$ISO" registry push "$A/m$i.nlp" --name iso >/dev/null 2>"$T/iso$i.err" &
done
wait
versions=$("$N" --registry "$ISO" registry list iso --json 2>/dev/null | grep -o '"version": [0-9]*' | awk '{print $2}' | sort -n | tr '\n' ' ')
check "$backend: serializable by default: 6 pushers at once are versions 2..7 ($versions; $(cat "$T"/iso*.err | head -c 300))" \
    test "$versions" = "1 2 3 4 5 6 7 "
PG2="postgresql://$PGUSER@localhost:$PGPORT/rt"
expect_status 0 "$backend: export from SQLite" "$N" --registry "$S1" registry export moved -o "$T/rt1.tar"
expect_status 0 "$backend: import into PostgreSQL" "$N" --registry "$PG2" registry import "$T/rt1.tar"
expect_status 0 "$backend: export from PostgreSQL" "$N" --registry "$PG2" registry export moved -o "$T/rt2.tar"
expect_status 0 "$backend: import into SQLite" "$N" --registry "$S3" registry import "$T/rt2.tar"
# a number given here to a version removed since is never given again:
# another registry's version of that number is a conflict (it was taken
# in, its history mixed with this one's, and rollback walked wrong)
{
	"$N" --registry "$T/rn1" registry push "$A/m7.nlp" --name rn &&
	"$N" --registry "$T/rn1" registry push "$A/m8.nlp" --name rn &&
	"$N" --registry "$T/rn1" registry rm rn@2 &&
	"$N" --registry "$T/rn2" registry push "$A/m7.nlp" --name rn &&
	"$N" --registry "$T/rn2" registry push "$A/m9.nlp" --name rn &&
	"$N" --registry "$T/rn2" registry export rn -o "$T/rn2.tar"
} >/dev/null 2>&1 || fail "$backend: the removed-number registries"
expect_status 5 "$backend: import of another rn@2 where rn@2 was removed: conflict" "$N" --registry "$T/rn1" registry import "$T/rn2.tar"
check "$backend: ... saying the number is not given again ($(cat "$T/err"))" grep -q "rn@2 was a version here, removed since" "$T/err"
check "$backend: ... nothing changed" sh -c "! '$N' --registry '$T/rn1' registry resolve rn@2 >/dev/null 2>&1"
# but a number no version here ever had (a later version imported first)
# is filled in
"$N" --registry "$T/rn2" registry export rn@2 -o "$T/rn2v2.tar" >/dev/null 2>&1
expect_status 0 "$backend: import of rn@2 alone" "$N" --registry "$T/rn3" registry import "$T/rn2v2.tar"
expect_status 0 "$backend: then of rn@1 and rn@2: rn@1 filled in" "$N" --registry "$T/rn3" registry import "$T/rn2.tar"
check "$backend: ... rn@1 is there, the bytes of the bundle's" sh -c "'$N' --registry '$T/rn3' registry resolve rn@1 | grep -q '$(sha256sum "$A/m7.nlp" | cut -c1-64)'"
noimport() {   # a show or history document without its import events
	/usr/bin/python3 -c 'import json, sys
d = json.load(sys.stdin)
keep = lambda l: [x for x in l if x["kind"] != "import"]
if isinstance(d, list): d = keep(d)
else: d["recent_events"] = keep(d["recent_events"])
print(json.dumps(d, indent=1, sort_keys=True))'
}
for reg in "$S1" "$PG2" "$S3"; do
	n=$(echo "$reg" | tr -c 'a-z0-9\n' _)
	for v in 1 2; do
		"$N" --registry "$reg" registry show moved@$v --json | noimport >"$T/show$v.$n" ||
			fail "$backend: show moved@$v on $reg"
	done
	"$N" --registry "$reg" registry history moved --json | noimport >"$T/hist.$n" ||
		fail "$backend: history on $reg"
	"$N" --registry "$reg" registry pull moved@2 -o "$T/pulled.$n.nlp" >/dev/null 2>&1 ||
		fail "$backend: pull moved@2 from $reg"
done
a=$(echo "$S1" | tr -c 'a-z0-9\n' _)
for reg in "$PG2" "$S3"; do
	n=$(echo "$reg" | tr -c 'a-z0-9\n' _)
	for f in show1 show2 hist; do
		check "$backend: round trip: $f the same on $reg ($(diff "$T/$f.$a" "$T/$f.$n" | head -4))" \
		    cmp -s "$T/$f.$a" "$T/$f.$n"
	done
	check "$backend: round trip: moved@2's signature kept on $reg" \
	    cmp -s "$T/pulled.$a.nlp.sig" "$T/pulled.$n.nlp.sig"
done
check "$backend: round trip: one import event on PostgreSQL, two on the copy" \
    sh -c "[ \$('$N' --registry '$PG2' registry history moved --json | grep -c '\"import\"') -eq 1 ] &&
    [ \$('$N' --registry '$S3' registry history moved --json | grep -c '\"import\"') -eq 2 ]"
"$N" --registry "$S3" registry push "$A/m10.nlp" --name moved >"$T/out" 2>&1
check "$backend: after the round trip a push is moved@4, past the removed 3 ($(cat "$T/out"))" grep -q '^moved@4 ' "$T/out"
fi

# the password never shows: not in a result, not in an error
U="postgresql://$PGUSER:$SECRET@localhost:$PGPORT/$PGDATABASE"
"$N" --registry "$U" registry verify >"$T/v.out" 2>&1
"$N" --registry "$U" registry show nosuch >>"$T/v.out" 2>&1
"$N" --registry "postgresql://$PGUSER:wrong$SECRET@localhost:$PGPORT/$PGDATABASE" registry list >>"$T/v.out" 2>&1
"$N" --registry "postgresql://localhost:$PGPORT/$PGDATABASE?user=$PGUSER&password=x$SECRET" registry list >>"$T/v.out" 2>&1
check "$backend: the password appears in no output ($(grep -c "$SECRET" "$T/v.out"))" \
    sh -c "! grep -q '$SECRET' '$T/v.out'"
check "$backend: a wrong password: cannot connect" grep -q "cannot connect to registry 'postgresql://$PGUSER@localhost" "$T/v.out"

# a writer holding the lock past lock_timeout: exit 75 (the connection's
# own lock_timeout, 2 s here, else 30 s), having said after a second that
# it waits; readers do not wait
# (held until cancelled, and the lock seen granted before going on: on a
# loaded machine a fixed sleep let the holder finish first)
# hold_lock SECONDS: another session holds the registry's lock that long
# (in the background, its pid in $holder), seen granted before going on
hold_lock() {
	psql -q -c "SELECT pg_advisory_xact_lock(1313624143), pg_sleep($1)" >/dev/null 2>&1 &
	holder=$!
	i=0
	while [ $i -lt 200 ] && [ "$(psql -At -c "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 0 AND objid = 1313624143 AND granted" 2>/dev/null)" != 1 ]; do
		sleep 0.05; i=$((i + 1))
	done
}
hold_lock 60
expect_status 0 "$backend: a reader while a writer holds the lock" "$N" registry list
expect_status 75 "$backend: a writer held up past lock_timeout: exit 75" env PGOPTIONS='-c lock_timeout=2s' "$N" registry alias spam 1 production
check "$backend: ... said it waits, then that it is busy ($(cat "$T/err"))" sh -c "[ \$(wc -l <'$T/err') -eq 2 ] && head -1 '$T/err' | grep -q \"^nlpops registry: registry '.*' is busy: waiting up to 2 s for another process's change to end\\\$\" && tail -1 '$T/err' | grep -q 'is busy: another process held it for over 2 s'"
check "$backend: ... naming the session that holds it ($(tail -1 "$T/err"))" sh -c "tail -1 '$T/err' | grep -q \"held it for over 2 s (pid [0-9]*, role $PGUSER, application 'psql'.*, active for [0-9]* s); try again later\\\$\""
psql -q -c "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_advisory_xact_lock(1313624143)%'" >/dev/null 2>&1
wait $holder
# the time recorded is the change's, not its transaction's start: a move
# that waited 3 s for the lock is recorded after the wait.  Regression
# (fixed): history said the time it began to wait (now())
hold_lock 3
t0=$(date -u +%s)
expect_status 0 "$backend: a move waiting for the lock" "$N" registry alias spam 1 waited
wait $holder
at=$("$N" registry history spam --alias waited | head -n 1 | cut -d' ' -f1)
check "$backend: ... recorded at the time of the change, after the wait ($at; began at $(date -u -d "@$t0" +%Y-%m-%dT%H:%M:%SZ))" test $(($(date -u -d "$at" +%s) - t0)) -ge 2
"$N" registry alias --delete spam waited >/dev/null 2>&1

# libpq's own ways: postgres://, the password from a PGPASSFILE, the
# cache under $XDG_CACHE_HOME by default
printf 'localhost:%s:*:%s:%s\n' "$PGPORT" "$PGUSER" "$SECRET" >"$T/pgpass"
chmod 600 "$T/pgpass"
expect_status 0 "$backend: postgres:// and the password from PGPASSFILE" env -u PGPASSWORD PGPASSFILE="$T/pgpass" "$N" --registry "postgres://$PGUSER@localhost:$PGPORT/$PGDATABASE" registry list
expect_status 0 "$backend: the cache under \$XDG_CACHE_HOME/nlpops by default" env -u NLPOPS_CACHE XDG_CACHE_HOME="$T/xdg" "$N" predict -m spam@1 "$A/texts.txt"
check "$backend: ... there" test "$(find "$T/xdg/nlpops/objects" -type f | wc -l)" -eq 1

# the CI role of the README's grants: pushes and records evaluations, but
# moves no alias
psql -q -c "CREATE ROLE ci LOGIN PASSWORD 'cipw'" \
    -c "GRANT SELECT ON ALL TABLES IN SCHEMA public TO ci" \
    -c "GRANT INSERT ON models, versions, inputs, tags, objects, chunks, events, evaluations, signatures TO ci" \
    -c "GRANT UPDATE (next_version) ON models TO ci" \
    -c "GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO ci" >/dev/null 2>&1 ||
	fail "$backend: cannot make the CI role"
CI="postgresql://ci@localhost:$PGPORT/$PGDATABASE"
expect_status 0 "$backend: CI role: push" env PGPASSWORD=cipw "$N" --registry "$CI" registry push "$A/m10.nlp" --name cimodel
# tags too, a key given twice (the last wins) with INSERT alone
expect_status 0 "$backend: CI role: push with tags" env PGPASSWORD=cipw "$N" --registry "$CI" registry push "$A/m7.nlp" --name citagged --tag data=nov --tag run=1 --tag data=dec
env PGPASSWORD=cipw "$N" --registry "$CI" registry show citagged@1 >"$T/citags" 2>&1
check "$backend: ... its tags are data=dec,run=1 ($(grep '^tags:' "$T/citags"))" grep -q '^tags: *data=dec,run=1$' "$T/citags"
expect_status 0 "$backend: CI role: eval --record" env PGPASSWORD=cipw "$N" --registry "$CI" eval -m cimodel@1 --record "$A/test.tsv"
expect_status 4 "$backend: CI role: alias refused" env PGPASSWORD=cipw "$N" --registry "$CI" registry alias cimodel 1 production
# a role granted INSERT on some columns of versions (enough for a push),
# and one without USAGE on the sequences: the first pushes, the second is
# refused before training (it was after: 'permission denied for sequence')
psql -q -c "CREATE ROLE colci LOGIN PASSWORD 'cipw'" \
    -c "GRANT SELECT ON ALL TABLES IN SCHEMA public TO colci" \
    -c "GRANT INSERT ON models, inputs, tags, objects, chunks, events, evaluations, signatures TO colci" \
    -c "GRANT INSERT (model_id, version, sha256, size, created_at, created_by, source, description, hyperparameters, metrics, meta) ON versions TO colci" \
    -c "GRANT UPDATE (next_version) ON models TO colci" \
    -c "GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO colci" \
    -c "CREATE ROLE seqci LOGIN PASSWORD 'cipw'" \
    -c "GRANT SELECT ON ALL TABLES IN SCHEMA public TO seqci" \
    -c "GRANT INSERT ON models, versions, inputs, tags, objects, chunks, events, evaluations, signatures TO seqci" \
    -c "GRANT UPDATE (next_version) ON models TO seqci" >/dev/null 2>&1 ||
	fail "$backend: cannot make the column and sequence roles"
psql -q -c "CREATE ROLE upsel LOGIN PASSWORD 'cipw'" \
    -c "GRANT SELECT ON ALL TABLES IN SCHEMA public TO upsel" \
    -c "GRANT INSERT ON models, versions, inputs, tags, objects, chunks, events, evaluations, signatures TO upsel" \
    -c "GRANT UPDATE (next_version) ON models TO upsel" \
    -c "GRANT SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO upsel" >/dev/null 2>&1 ||
	fail "$backend: cannot make the SELECT, UPDATE sequences role"
expect_status 0 "$backend: a role with SELECT and UPDATE on the sequences (no USAGE): train --push" env PGPASSWORD=cipw "$N" --registry "postgresql://upsel@localhost:$PGPORT/$PGDATABASE" train -q --push upselmodel "$A/test.tsv"
expect_status 0 "$backend: a role with column grants on versions: train --push" env PGPASSWORD=cipw "$N" --registry "postgresql://colci@localhost:$PGPORT/$PGDATABASE" train -q --push colmodel "$A/test.tsv"
expect_status 4 "$backend: a role without the sequences' USAGE: train --push" env PGPASSWORD=cipw "$N" --registry "postgresql://seqci@localhost:$PGPORT/$PGDATABASE" train --push seqmodel "$A/test.tsv"
check "$backend: ... refused before training ($(cat "$T/err"))" sh -c "[ \$(wc -l <'$T/err') -eq 1 ] && grep -q \"permission denied: role 'seqci' may not use the sequence of models.id, which the push draws from\" '$T/err'"
# train --push --alias by a role that may not move aliases: refused before
# the training.  Regression (fixed): trained, then 'permission denied for
# table aliases' and the model thrown away
expect_status 4 "$backend: CI role: train --push --alias" env PGPASSWORD=cipw "$N" --registry "$CI" train --push cimodel --alias production "$A/test.tsv"
check "$backend: ... refused before training ($(cat "$T/err"))" sh -c "[ \$(wc -l <'$T/err') -eq 1 ] && grep -q \"permission denied: role 'ci' may not insert into aliases, which the push writes; nothing was done\" '$T/err'"
# a damaged object, pushed again by a role that may not delete: the
# registry's state (5), saying whose push repairs it; the owner's does
h7=$(sha256sum "$A/m7.nlp" | cut -c1-64)
psql -q -c "UPDATE chunks SET data = overlay(data placing '\\xff'::bytea from 100 for 1) WHERE sha256 = '$h7' AND seq = 0" >/dev/null 2>&1 ||
	fail "$backend: cannot damage a chunk"
expect_status 5 "$backend: CI role: a push over a damaged object" env PGPASSWORD=cipw "$N" --registry "$CI" registry push "$A/m7.nlp" --name citagged
check "$backend: ... says a role that may delete repairs it" grep -q "this role may not replace it .*a push of these bytes by a role that may delete from chunks repairs it" "$T/err"
expect_status 0 "$backend: ... as the owner's push does" "$N" registry push "$A/m7.nlp" --name citagged
expect_status 0 "$backend: ... verify clean" "$N" registry verify

# unreachable: exit 4, never 5
expect_status 4 "$backend: server unreachable" "$N" --registry "postgresql://$PGUSER@localhost:1/x" registry list
check "$backend: unreachable says cannot connect" grep -q 'cannot connect to' "$T/err"
# a URI no connection can come of: a usage error, not one to retry; an
# '@' of a password unescaped said, the password never shown.
# Regression (fixed): exit 4, and libpq's message quoted the password's
# tail as a host name
for u in "postgresql://localhost/x?bogusparam=1" "postgresql://%zz@localhost/x" "postgresql://[::1:5432/x"; do
	expect_status 2 "$backend: a URI libpq cannot read: $u" "$N" --registry "$u" registry list
done
expect_status 2 "$backend: an unescaped '@' in the password" "$N" --registry "postgresql://u:S3CR@ETb@localhost:1/x" registry list
check "$backend: ... says so, no part of the password shown" sh -c "grep -q \"holds a '@': write it %40\" '$T/err' && ! grep -q 'ETb\|S3CR' '$T/err'"
# (libpq reads the user information up to the first '@' before the first
# '/', a '?' or '#' in it the password's, and the query to its end)
for u in "u:pa?ss@localhost:1/x" "u:pa?ss@localhost:1/x?sslmode=disable" "u:pa#ss@localhost:1/x" "u:pa#ss@localhost:1/x?sslmode=disable"; do
	expect_status 2 "$backend: postgresql://$u: an unescaped '?' or '#' in the password" "$N" --registry "postgresql://$u" registry list
	check "$backend: ... said, no part of the password shown ($(cat "$T/err"))" sh -c "grep -q \"holds a '[?#]'\" '$T/err' && ! grep -q 'pa.ss' '$T/err'"
done
expect_status 2 "$backend: an unescaped '/' in the password" "$N" --registry "postgresql://u:pa/ss@localhost:1/x" registry list
check "$backend: ... said, no part of the password shown ($(cat "$T/err"))" sh -c "grep -q \"a password's '/' is written %2F\" '$T/err' && ! grep -q 'pa.ss' '$T/err'"
for q in "sslpassword=s3cr3t&application_name=x" "application_name=x&password=s3c#r3t" "application_name=x&pass%77ord=s3cr3t"; do
	expect_status 4 "$backend: ?$q: the password is never shown" "$N" --registry "postgresql://u@localhost:1/x?$q" registry list
	check "$backend: ... the rest is ($(cat "$T/err"))" sh -c "grep -q 'application_name=x' '$T/err' && ! grep -q 's3c' '$T/err'"
done
expect_status 2 "$backend: a bad %-escape in a password" "$N" --registry "postgresql://u:p%zzass@localhost:1/x" registry list
check "$backend: ... libpq's words, which quote it, not shown" sh -c "! grep -q 'zzass' '$T/err'"
# a port or sslmode libpq checks only when it connects: usage errors
# (were status 4, as if the server were down)
for u in "u@localhost:abc/x" "u@localhost:99999/x" "u@h1:5432,h2:x/x" "u@localhost/x?sslmode=bogus" "u@localhost/x?port=1,2" "u@h1,h2,h3/x?port=1,2"; do
	expect_status 2 "$backend: postgresql://$u" "$N" --registry "postgresql://$u" registry list
done
# PGPORT and PGSSLMODE, which libpq takes where the URI gives none: the
# same checks (they were status 4, as if the server were down)
expect_status 2 "$backend: PGPORT=abc" env PGPORT=abc "$N" --registry "postgresql://u@localhost/x" registry list
check "$backend: ... says so" grep -q "PGPORT 'abc' is not a port number" "$T/err"
expect_status 2 "$backend: PGSSLMODE=bogus" env PGSSLMODE=bogus "$N" --registry "postgresql://u@localhost/x" registry list
expect_status 4 "$backend: PGPORT=abc under a URI with its port: not libpq's to take" env PGPORT=abc "$N" --registry "postgresql://u@localhost:1/x?connect_timeout=2" registry list
# a service's file gives its own port and sslmode, before the environment's
printf '[svc]\nhost=localhost\nport=1\nsslmode=disable\nconnect_timeout=2\n' >"$T/pg_service.conf"
expect_status 4 "$backend: PGPORT=abc beside ?service= (its file's port is taken)" env PGSERVICEFILE="$T/pg_service.conf" PGPORT=abc PGSSLMODE=bogus "$N" --registry "postgresql:///x?service=svc" registry list
# hosts from PGHOST (or a service file), which the URI's parse does not
# see: libpq counts them, not this check (they were a usage error)
expect_status 4 "$backend: PGHOST with two hosts, ?port=1,2" env PGHOST=127.0.0.1,127.0.0.1 "$N" --registry "postgresql:///x?port=1,2&connect_timeout=2" registry list
check "$backend: ... two ports for one host said so" sh -c "'$N' --registry 'postgresql://u@localhost/x?port=1,' registry list 2>&1 | grep -q \"2 ports ('1,') for 1 host: give one port, or one for each host\""
# white space around a port, which libpq allows: tried (status 4 here,
# where nothing listens), not a usage error
expect_status 4 "$backend: ?port=1%20 (libpq reads it as 1)" "$N" --registry "postgresql://u@localhost/x?port=%201%20&connect_timeout=2" registry list
expect_status 4 "$backend: ... where an empty port of several hosts is the default" "$N" --registry "postgresql://u@localhost,localhost:1/x?connect_timeout=2" registry list
# a client whose clock is two hours slow: the server's time on what it
# records, one clock for every client.  Regression (fixed): its push was
# recorded two hours before the pushes before it
if [ -e "${NLP_SLOWFS:-}" ] && [ "${N##*/obj-san/}" = "$N" ]; then
	env LD_PRELOAD="$NLP_SLOWFS" SLOWFS_SKEW=7200 "$N" registry push "$A/m5.nlp" --name skewed >/dev/null 2>&1
	at=$("$N" registry history skewed 2>/dev/null | tail -1 | cut -c1-20)
	d=$(( $(date -u +%s) - $(date -u -d "$at" +%s 2>/dev/null || echo 0) ))
	check "$backend: a push from a client two hours slow: recorded at the server's time ($at, ${d} s ago)" test "$d" -ge -300 -a "$d" -le 300
fi
# a server that takes the connection and never answers: the connect
# timeout PGCONNECT_TIMEOUT or a service's file gives, as libpq takes
# them.  Regression (fixed): 10 s whatever they said (only the URI's was
# taken)
/usr/bin/python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
print(s.getsockname()[1], flush=True); time.sleep(60)' >"$T/silent.port" &
silent=$!
for i in 1 2 3 4 5 6 7 8 9 10; do [ -s "$T/silent.port" ] && break; sleep 0.2; done
sp=$(cat "$T/silent.port")
elapsed() { s=$(date +%s); "$@" >/dev/null 2>&1; echo $(( $(date +%s) - s )); }
t=$(elapsed env PGCONNECT_TIMEOUT=2 "$N" --registry "postgresql://u@127.0.0.1:$sp/x?sslmode=disable" registry list)
check "$backend: PGCONNECT_TIMEOUT=2 on a silent server: given up in ${t} s (under 8, not 10)" test "$t" -lt 8
# (its section's line with a comment after it, as libpq reads it)
printf '[silent]  # a server that says nothing\nhost=127.0.0.1\nport=%s\nsslmode=disable\nconnect_timeout=2\n' "$sp" >"$T/silent_service.conf"
t=$(elapsed env PGSERVICEFILE="$T/silent_service.conf" "$N" --registry "postgresql:///x?service=silent" registry list)
check "$backend: a service's connect_timeout=2 on a silent server: given up in ${t} s (under 8)" test "$t" -lt 8
# a Tab's completion of references: 2 s at most (it froze the shell 10 s)
t=$(elapsed "$N" --registry "postgresql://u@127.0.0.1:$sp/x?sslmode=disable" __complete refs)
check "$backend: completing references on a silent server: ${t} s (under 5)" test "$t" -lt 5
kill "$silent" 2>/dev/null

# Regression (fixed): a push of bytes whose object is there with its
# size took it as sound: a damaged or missing chunk stayed, under a new
# version too, exit 0.  Expected: read back, and stored again (as the
# SQLite store rewrites a damaged file).
h10=$(sha256sum "$A/m10.nlp" | cut -c1-64)
"$N" registry push "$A/m10.nlp" --name dmg >/dev/null 2>&1
psql -q -c "UPDATE chunks SET data = overlay(data placing '\\xff'::bytea from 100 for 1) WHERE sha256 = '$h10' AND seq = 0" >/dev/null 2>&1 ||
	fail "$backend: cannot damage a chunk"
expect_status 1 "$backend: verify finds the damaged chunk" "$N" registry verify
expect_status 0 "$backend: a push of the good bytes" "$N" registry push "$A/m10.nlp" --name dmg
expect_status 0 "$backend: ... repaired the object" "$N" registry verify
psql -q -c "DELETE FROM chunks WHERE sha256 = '$h10'" >/dev/null 2>&1
expect_status 0 "$backend: a push of them as another model, the chunks gone" "$N" registry push "$A/m10.nlp" --name dmg2
expect_status 0 "$backend: ... stored them again" "$N" registry verify

# the event log is append-only in the database itself
check "$backend: DELETE FROM events is refused by the database" \
    sh -c '! psql -q -c "DELETE FROM events" 2>/dev/null'
check "$backend: UPDATE events is refused" \
    sh -c '! psql -q -c "UPDATE events SET reason = '"'x'"'" 2>/dev/null'
check "$backend: TRUNCATE events is refused" \
    sh -c '! psql -q -c "TRUNCATE events" 2>/dev/null'

# a read-only role (GRANT SELECT) reads, scores and pulls; writes fail in
# one line, exit 4
psql -q -c "CREATE ROLE cron LOGIN PASSWORD 'cronpw'" -c "GRANT SELECT ON ALL TABLES IN SCHEMA public TO cron" >/dev/null 2>&1 ||
	fail "$backend: cannot make the read-only role"
RO="postgresql://cron@localhost:$PGPORT/$PGDATABASE"
for verb in "registry list" "registry show spam" "registry history spam" "registry resolve spam" "registry export spam -o $T/ro.tar"; do
	expect_status 0 "$backend: read-only role: $verb" env PGPASSWORD=cronpw "$N" --registry "$RO" $verb
done
expect_status 0 "$backend: read-only role: predict" env PGPASSWORD=cronpw "$N" --registry "$RO" --cache "$T/rocache" predict -m spam "$A/texts.txt"
expect_status 0 "$backend: read-only role: pull" env PGPASSWORD=cronpw "$N" --registry "$RO" registry pull spam -o "$T/ro.nlp"
expect_status 4 "$backend: read-only role: push" env PGPASSWORD=cronpw "$N" --registry "$RO" registry push "$A/m9.nlp" --name spam
expect_status 4 "$backend: read-only role: train --push" env PGPASSWORD=cronpw "$N" --registry "$RO" train --push spam "$A/test.tsv"
check "$backend: ... refused before training ($(cat "$T/err"))" sh -c "[ \$(wc -l <'$T/err') -eq 1 ] && grep -q \"permission denied: role 'cron' may not update models.next_version, which the push writes\" '$T/err'"
check "$backend: push refused: one line, permission denied" sh -c "[ \$(wc -l <'$T/err') -eq 1 ] && grep -q 'permission denied' '$T/err'"
check "$backend: ... saying the role may not, and where the grants are" grep -q "this role may not do that: nlpops-registry(1), POSTGRESQL" "$T/err"
"$N" --registry "$T/other" registry export fresh -o "$T/fresh.tar" >/dev/null 2>&1
expect_status 4 "$backend: read-only role: import" env PGPASSWORD=cronpw "$N" --registry "$RO" registry import "$T/fresh.tar"
check "$backend: import refused: one line, permission denied ($(cat "$T/err"))" sh -c "[ \$(wc -l <'$T/err') -eq 1 ] && grep -q 'permission denied' '$T/err'"
expect_status 4 "$backend: read-only role: alias" env PGPASSWORD=cronpw "$N" --registry "$RO" registry alias spam 2 production
"$N" registry alias spam 2 production >/dev/null 2>&1
expect_status 4 "$backend: read-only role: rollback" env PGPASSWORD=cronpw "$N" --registry "$RO" registry rollback spam
# a registry in a schema of its own, for a role without USAGE on it: the
# server skips such a schema in silence.  Regression (fixed): 'no registry
# (run registry init)', whose advice then failed; with public after it in
# the search path, the registry there was used instead
psql -q -c "CREATE SCHEMA nlpopsx" >/dev/null 2>&1 || fail "$backend: cannot make a schema"
"$N" --registry "$REG?options=-csearch_path%3Dnlpopsx" registry push "$A/m5.nlp" --name inx >/dev/null 2>&1
expect_status 5 "$backend: a role without USAGE on the registry's schema" env PGPASSWORD=cronpw "$N" --registry "$RO?options=-csearch_path%3Dnlpopsx" registry list
check "$backend: ... says which schema and the grant ($(cat "$T/err"))" grep -q "schema nlpopsx of the connection's search_path is there, but role 'cron' may not use it, and the server skips it (GRANT USAGE ON SCHEMA nlpopsx TO cron)" "$T/err"
expect_status 5 "$backend: ... not the registry in public after it" env PGPASSWORD=cronpw "$N" --registry "$RO?options=-csearch_path%3Dnlpopsx,public" registry list
psql -q -c "GRANT USAGE ON SCHEMA nlpopsx TO cron" -c "GRANT SELECT ON ALL TABLES IN SCHEMA nlpopsx TO cron" >/dev/null 2>&1
expect_status 0 "$backend: ... granted USAGE: it reads the registry there" env PGPASSWORD=cronpw "$N" --registry "$RO?options=-csearch_path%3Dnlpopsx" registry list
check "$backend: ... the model in that schema" grep -q '^inx ' "$T/out"

# a schema-2 registry (before signatures) is read as it is and migrated
# by the first write
psql -q -c "DROP TABLE signatures" -c "UPDATE nlpops_meta SET value = '2' WHERE key = 'schema'" >/dev/null 2>&1 ||
	fail "$backend: cannot make a schema-2 registry"
expect_status 0 "$backend: a schema-2 registry is readable" "$N" registry history spam
expect_status 0 "$backend: its first write" "$N" registry alias spam 1 production
check "$backend: ... migrates it to schema 3" test "$(psql -Atc "SELECT value FROM nlpops_meta WHERE key = 'schema'")" = 3
expect_status 0 "$backend: a signed push after the migration" "$N" registry push "$A/m9.nlp" --name signedlater --sign "$A/k"
# a schema row saying 2 over a schema-3 database: the migration meets a
# table the row says is not there -- a damaged registry (status 5, the
# transaction undone), not an I/O error to retry
psql -q -c "UPDATE nlpops_meta SET value = '2' WHERE key = 'schema'" >/dev/null 2>&1 ||
	fail "$backend: cannot set the schema row to 2"
expect_status 5 "$backend: a migration that meets the table it makes" "$N" registry alias spam 2 production
check "$backend: ... says the schema is damaged" grep -q "cannot migrate the registry to schema 3: .*its schema is damaged: its tables are not those of the schema version" "$T/err"
check "$backend: ... and left the row as it was" test "$(psql -Atc "SELECT value FROM nlpops_meta WHERE key = 'schema'")" = 2
psql -q -c "UPDATE nlpops_meta SET value = '3' WHERE key = 'schema'" >/dev/null 2>&1

# the cache: a warm predict reads no object; a cached copy damaged is
# fetched again; a bound keeps the most recent; no usable cache: one warning
rm -rf "$T/c2"
"$N" --cache "$T/c2" predict -m spam@1 "$A/texts.txt" >"$T/p1" 2>/dev/null
n=$(find "$T/c2/objects" -type f | wc -l)
check "$backend: the cache holds the object ($n)" test "$n" -eq 1
obj=$(find "$T/c2/objects" -type f)
chmod u+w "$obj" && printf 'XXXX' | dd of="$obj" bs=1 seek=600 conv=notrunc 2>/dev/null
expect_status 0 "$backend: a damaged cached copy is fetched again" "$N" --cache "$T/c2" predict -m spam@1 "$A/texts.txt"
check "$backend: the same predictions from the fetched copy" cmp -s "$T/out" "$T/p1"
check "$backend: the cached copy is whole again" sh -c "sha256sum '$obj' | grep -q \"\$(basename '$obj' | cut -c1-20)\""
# pull too (it gave up on a damaged cached copy, every time)
chmod u+w "$obj" && printf 'XXXX' | dd of="$obj" bs=1 seek=600 conv=notrunc 2>/dev/null
expect_status 0 "$backend: pull with a damaged cached copy fetches it again" "$N" --cache "$T/c2" registry pull spam@1 -o "$T/pulled.nlp"
check "$backend: ... the pulled bytes are the version's" sh -c "sha256sum '$T/pulled.nlp' | grep -q \"\$(basename '$obj' | cut -c1-20)\""
# processes sharing a cold cache: each gets a whole copy, one stays
rm -rf "$T/c3"
for i in 1 2 3 4; do
	"$N" --cache "$T/c3" predict -m spam@1 "$A/texts.txt" >"$T/cc$i.out" 2>"$T/cc$i.err" &
done
wait
for i in 1 2 3 4; do
	check "$backend: 4 processes filling one cache at once: #$i as alone ($(head -c 200 "$T/cc$i.err"))" cmp -s "$T/cc$i.out" "$T/p1"
done
n=$(find "$T/c3/objects" -type f | wc -l)
check "$backend: ... one copy cached ($n)" test "$n" -eq 1
"$N" --cache "$T/c2" --cache-max 1 predict -m spam@2 "$A/texts.txt" >/dev/null 2>&1
n=$(find "$T/c2/objects" -type f | wc -l)
check "$backend: --cache-max keeps the most recent object only ($n)" test "$n" -eq 1
: >"$T/notadir"
expect_status 0 "$backend: no usable cache: runs uncached" "$N" --cache "$T/notadir/c" predict -m spam "$A/texts.txt"
check "$backend: one warning about the cache ($(cat "$T/err"))" sh -c "[ \$(grep -c 'warning: cannot use the cache' '$T/err') -eq 1 ]"
# a SQLite registry's directory named as the cache (a slip while moving
# to PostgreSQL: the same objects/sha256/ layout): not used, its objects
# never trimmed.  Regression (fixed): --cache-max removed them
"$N" --registry "$T/sqlreg" registry push "$A/m5.nlp" --name s >/dev/null 2>&1
"$N" --registry "$T/sqlreg" registry push "$A/m6.nlp" --name s >/dev/null 2>&1
touch -d '1 day ago' "$T"/sqlreg/objects/sha256/*/*
expect_status 0 "$backend: a SQLite registry's directory as the cache: runs uncached" "$N" --cache "$T/sqlreg" --cache-max 1 predict -m spam@2 "$A/texts.txt"
check "$backend: ... saying why ($(cat "$T/err"))" grep -q "warning: cannot use the cache '$T/sqlreg': it is a registry's directory" "$T/err"
expect_status 0 "$backend: ... the registry's objects all kept" "$N" --registry "$T/sqlreg" registry verify
# a cache on a full file system: one warning, fetched into a temporary
# file elsewhere.  Regression (fixed): exit 4, 'No space left on device',
# for pull -o to a disk with room too
if [ "$(id -u)" -eq 0 ] && unshare -m true 2>/dev/null; then
	mkdir "$T/fullc"
	full() { unshare -m sh -c 'mount -t tmpfs -o size=8k tmpfs "$1" && shift && exec "$@"' sh "$T/fullc" "$@"; }
	expect_status 0 "$backend: a cache on a full file system: predict runs" full "$N" --cache "$T/fullc/c" predict -m spam@1 "$A/texts.txt"
	check "$backend: ... the same scores" cmp -s "$T/out" "$T/p1"
	check "$backend: ... one warning ($(head -c 300 "$T/err"))" sh -c "[ \$(grep -c 'warning: cannot add to the cache.*No space left on device' '$T/err') -eq 1 ]"
	expect_status 0 "$backend: ... and pull -o to a disk with room" full "$N" --cache "$T/fullc/c" registry pull spam@1 -o "$T/fullpull.nlp"
	check "$backend: ... the artifact whole" cmp -s "$T/fullpull.nlp" "$A/m1.nlp"
fi
# a cache whose tmp/ this user may not write in (another's, made under
# umask 022): the same, one warning and uncached.  Regression (fixed):
# exit 4, 'cannot make a temporary file'.  And with no HOME at all, the
# user's entry's home (nobody's: /nonexistent, no cache there): a warning,
# where the cache was silently none
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1 && [ -n "${PGPASSWORD-}" ] &&
    mkdir -p "$T/pub" && cp "$N" "$T/pub/nlpops" && cp "$A/texts.txt" "$T/pub/" &&
    chmod 755 "$T/pub" "$T/pub/nlpops" && chmod 644 "$T/pub/texts.txt" && chmod 711 "$T"; then
	mkdir -p "$T/pub/team/tmp" && chmod 777 "$T/pub/team" && chmod 755 "$T/pub/team/tmp"
	expect_status 0 "$backend: as another user, a cache whose tmp/ it may not write in: runs uncached" \
	    setpriv --reuid=65534 --regid=65534 --clear-groups "$T/pub/nlpops" --cache "$T/pub/team" predict -m spam "$T/pub/texts.txt"
	check "$backend: ... one warning ($(head -c 300 "$T/err"))" sh -c "[ \$(grep -c 'warning: cannot add to the cache' '$T/err') -eq 1 ]"
	expect_status 0 "$backend: no HOME, XDG_CACHE_HOME or NLPOPS_CACHE: runs" \
	    env -u HOME -u XDG_CACHE_HOME -u NLPOPS_CACHE setpriv --reuid=65534 --regid=65534 --clear-groups "$T/pub/nlpops" predict -m spam "$T/pub/texts.txt"
	check "$backend: ... warning of the cache it has not ($(head -c 300 "$T/err"))" grep -q "warning: cannot use the cache '$(getent passwd nobody | cut -d: -f6)/.cache/nlpops'" "$T/err"
	# a cache another filled, readable to this user but not writable:
	# its object read from there.  Regression (fixed): the cache passed
	# over whole ('cannot use the cache'), the object fetched every run
	"$N" --cache "$T/pub/filled" predict -q -m spam "$A/texts.txt" >/dev/null 2>&1
	chmod -R a+rX "$T/pub/filled"
	expect_status 0 "$backend: as another user, a cache it may read, not write" \
	    setpriv --reuid=65534 --regid=65534 --clear-groups "$T/pub/nlpops" --cache "$T/pub/filled" predict -m spam "$T/pub/texts.txt"
	check "$backend: ... the cached object used, no warning ($(head -c 300 "$T/err"))" sh -c "! grep -q 'cache' '$T/err'"
	chmod 700 "$T"
fi

if [ $san -eq 0 ]; then
# the server stopped in the middle of a push: exit 4 and nothing
# half-written (or, had the push finished first, a whole version)
for i in 1; do
	"$N" registry push "$A/m$((i + 4)).nlp" --name cut >"$T/cut.out" 2>"$T/cut.err" &
	pid=$!
	sleep 0.0$i
	pg_ctlcluster "$PGVERSION" regress stop -m immediate >/dev/null 2>&1
	wait $pid
	rc=$?
	pg_ctlcluster "$PGVERSION" regress start >/dev/null 2>&1
	check "$backend: a push cut by the server stopping: exit 0 or 4 ($rc: $(cat "$T/cut.err"))" \
	    sh -c "[ $rc -eq 0 ] || [ $rc -eq 4 ]"
done
expect_status 0 "$backend: verify after the server stopped mid-push" "$N" registry verify
if "$N" registry list cut --json >"$T/cut.json" 2>/dev/null; then
	for v in $(grep -o '"version": [0-9]*' "$T/cut.json" | awk '{print $2}'); do
		"$N" registry pull "cut@$v" -o "$T/c.nlp" >/dev/null 2>&1 ||
			fail "$backend: cut@$v has no artifact"
	done
fi
expect_status 4 "$backend: server down: exit 4" sh -c "pg_ctlcluster $PGVERSION regress stop -m fast >/dev/null 2>&1; '$N' registry list"
pg_ctlcluster "$PGVERSION" regress start >/dev/null 2>&1
fi
exit 0
