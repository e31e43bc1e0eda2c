# io_faults.sh - an I/O error on one system call at a time (strace
# -e inject, plain build): for each state-changing call S a command makes
# (write, pwrite64, fsync, fdatasync, linkat, rename, close, ftruncate,
# unlink, openat) and each occurrence N of it -- a sample of N here (the first,
# the last and about IO_FAULT_POINTS between; make stress: every one),
# with EIO and ENOSPC by turns -- the run must end one of three ways:
#   - exit 0 and the exact result (the call did not matter: a read-only
#     descriptor's close, a diagnostic write);
#   - exit 4 (5 for the registry) with one line on stderr naming what
#     failed, the previous output file as it was (or, after "wrote FILE,
#     but ...", the new one whole), the registry as
#     it was and `registry verify` clean -- and the same command run again
#     succeeds, leaving one new version, never two;
#   - exit 127 from the dynamic loader, before nlpops runs (its closes
#     come first).
# Never a crash, never exit 0 with another result, never a partial file,
# never a registry changed by a failed command.
#
# Crash points: the registry commands killed (SIGKILL) at each of those
# calls instead: `registry verify` clean, the registry as it was or with
# the change whole (the change surely, when its line was printed), and a
# rerun leaves the state a clean run leaves.
#
# Covered: predict -o, train -o, drift --prom --html; registry push,
# alias, rollback, rm, import, gc (errors and kills), pull -o and export
# -o (errors); and on PostgreSQL (a cluster of its own) push, alias,
# rollback, rm and import, the client's socket calls failing or killed:
# a COMMIT whose answer is lost is asked about (txid_status) rather than
# reported as failed.
. "$TOP/tests/e2e/lib.sh"

N=$NLPOPS
case $N in */obj-san/nlpops) exit 0 ;; esac   # one build is enough: strace
if ! command -v strace >/dev/null; then
	fail "strace is not installed (make check installs it)"
	exit 0
fi
cd "$T" || exit 4
POINTS=${IO_FAULT_POINTS:-2}
# make check runs a sample of the sweeps too (each call's first and last
# occurrence); with IO_FAULT_POINTS (make stress, by hand) all of them
all=0
[ -n "${IO_FAULT_POINTS:-}" ] && all=1

# points COUNT: the occurrences to try, one per line
# (POINTS=0: the last alone)
points() {
	awk -v n="$1" -v k="$POINTS" 'BEGIN {
		if (n < 1) exit
		if (k == 0) { print n; exit }
		s = (n > k) ? int(n / k) : 1
		for (i = 1; i <= n; i += s) print i
		if ((n - 1) % s) print n }'
}

# sweep NAME RESET JUDGE CMD...: count each syscall CMD makes, then run
# CMD with one of them failing, RESET before each run, JUDGE after it
# (JUDGE STATUS: 0 for a right outcome, else prints why)
sweep() {
	name=$1 reset=$2 judge=$3; shift 3
	# IO_FAULT_ONLY=REGEX: only the sweeps whose names match (by hand)
	if [ -n "${IO_FAULT_ONLY:-}" ] && ! echo "$name" | grep -Eq "$IO_FAULT_ONLY"; then
		return
	fi
	bad= runs=0 err=EIO
	$reset
	calls=${SYSCALLS:-write pwrite64 fsync fdatasync linkat rename renameat2 close ftruncate unlink openat}
	strace -f -qq -c -o cnt -e trace="$(echo $calls | tr ' ' ,)" "$@" >/dev/null 2>&1
	for s in $calls; do
		n=$(awk -v s="$s" '$NF == s { print $4 }' cnt)
		for k in $(points "${n:-0}"); do
			$reset
			if [ "${KILL:-0}" = 1 ]; then
				act=signal=KILL err=KILL
			else
				act=error=$err
			fi
			strace -f -qq -o /dev/null -e trace="$s" \
			    -e inject="$s:$act:when=$k" "$@" >out 2>err
			st=$?
			runs=$((runs + 1))
			if [ $st -eq 127 ] && grep -q 'error while loading shared libraries' err; then
				why=$($judge 127)
			else
				why=$($judge $st)
			fi
			[ -n "$why" ] && bad="$bad $s#$k($err):exit=$st:$why"
			[ $err = EIO ] && err=ENOSPC || err=EIO
			[ "${KILL:-0}" = 1 ] && err=KILL
		done
	done
	echo "io_faults.sh: $name: $runs runs" >&2
	check "$name: every failed call ($runs runs) ends right:$(echo "$bad" | cut -c1-700)" test -z "$bad"
}

# one line, but for the note of a wait for the write lock (on PostgreSQL,
# an answer that does not come because the query was not sent whole)
one_line() { [ "$(grep -vc 'is busy: waiting up to' err)" -eq 1 ]; }

# the registry: push, alias, rollback.  A failure leaves it as it was; a
# change committed whose result line could not be printed says so ("was
# committed") and is the change; a rerun then makes the state the one run
# without failures makes, exactly (one new version, never two).
reset_reg() { rm -rf "$R"; cp -a "${PRISTINE:-pristine}" "$R"; }
# the versions, their bytes and aliases (not when they were made)
state() {
	"$N" --registry "$R" registry list 2>&1 | awk '{ print $1, $2, $3, $NF }'
	for m in spam other; do
		"$N" --registry "$R" registry list $m 2>&1 |
		    awk '{ print $1, $(NF - 1), $NF }'
	done
}
judge_reg() {
	st=$1; shift
	if ! "$N" --registry "$R" registry verify >/dev/null 2>verr; then
		echo "verify: $(head -c 100 verr)"
		return
	fi
	state >state1
	case $st in
	0) cmp -s state1 want_state || echo "another state" ;;
	4|5) one_line || echo "not one line: $(head -c 100 err)"
	   if grep -q 'was committed' err; then
		cmp -s state1 want_state || echo "committed, but another state"
		return
	   fi
	   cmp -s state1 state0 || { echo "changed by a failed command"; return; }
	   "$@" >/dev/null 2>&1 || echo "the rerun failed"
	   state >state2
	   cmp -s state2 want_state || echo "the rerun's state differs" ;;
	127) cmp -s state1 state0 || echo "changed before main" ;;
	137) # killed: as it was, or the change whole (and then, if its
	   # line was printed, surely the change); a rerun finishes it
	   if [ -s out ]; then
		cmp -s state1 want_state || echo "printed, but not there"
	   elif ! cmp -s state1 state0 && ! cmp -s state1 want_state; then
		echo "half a change"
		return
	   fi
	   cmp -s state1 want_state || "$@" >/dev/null 2>&1 ||
		echo "the rerun failed"
	   state >state2
	   cmp -s state2 want_state || echo "the rerun's state differs" ;;
	*) echo "$(head -c 100 err)" ;;
	esac
}
# reg_sweep NAME ARGS...: sweep registry ARGS on the pristine registry
reg_sweep() {
	name=$1; shift
	reset_reg
	state >state0
	"$N" --registry "$R" registry "$@" >/dev/null 2>&1
	state >want_state
	cmp -s want_state state0 && fail "$name: the command changes nothing"
	eval "judge_it() { judge_reg \"\$1\" \"\$N\" --registry \"\$R\" registry $*; }"
	sweep "registry $name" reset_reg judge_it "$N" --registry "$R" registry "$@"
}

# ---- PostgreSQL (sh io_faults.sh pg, in pg_virtualenv's cluster) ----
# The client's calls fail or kill it: its socket's sends and receives
# (sendto, recvfrom, poll), writes, closes.  The server rolls back what
# was not committed; the same oracle as for SQLite.  Reset: the database
# made again from a template holding the pristine registry.
if [ "${1:-}" = pg ]; then
	cp "$ART"/m.nlp "$ART"/m2.nlp "$ART"/m3.nlp .
	export NLPOPS_CACHE=$T/cache
	base="postgresql://$PGUSER@localhost:$PGPORT"
	createdb pristine && createdb other || { fail "pg: createdb"; exit 0; }
	"$N" --registry "$base/pristine" registry push --name spam --alias production m.nlp >/dev/null 2>&1
	"$N" --registry "$base/pristine" registry push --name spam m2.nlp >/dev/null 2>&1
	"$N" --registry "$base/other" registry push --name other --alias production m3.nlp >/dev/null 2>&1
	"$N" --registry "$base/other" registry export other -o other.bundle >/dev/null 2>&1
	# a query the server never got whole is not answered: the client
	# gives up after statement_timeout and the connect timeout (else
	# lock_timeout, ten minutes, and the connect timeout)
	R="$base/reg?connect_timeout=2&options=-c%20statement_timeout%3D2s"
	reset_reg() {
		psql -q -c "DROP DATABASE IF EXISTS reg" -c "CREATE DATABASE reg TEMPLATE ${PRISTINE:-pristine} STRATEGY FILE_COPY" >/dev/null 2>&1 ||
		    echo "io_faults.sh: pg: cannot make the database again" >&2
	}
	SYSCALLS="sendto recvfrom poll write close"
	# make check: the last of each call (the COMMIT and its answer), two
	# of the sweeps (about a second a run); IO_FAULT_POINTS (make
	# stress): all of them, each occurrence
	[ $all = 1 ] || POINTS=0
	reg_sweep "push (PostgreSQL)" push --name spam m3.nlp
	[ $all = 0 ] || KILL=1 reg_sweep "push (PostgreSQL), killed" push --name spam m3.nlp
	[ $all = 0 ] || reg_sweep "alias (PostgreSQL)" alias spam 2 production
	[ $all = 0 ] || KILL=1 reg_sweep "alias (PostgreSQL), killed" alias spam 2 production
	[ $all = 0 ] || reg_sweep "import (PostgreSQL)" import "$T/other.bundle"
	[ $all = 0 ] || KILL=1 reg_sweep "import (PostgreSQL), killed" import "$T/other.bundle"
	[ $all = 0 ] || KILL=1 reg_sweep "rm (PostgreSQL), killed" rm spam@2
	"$N" --registry "$base/pristine" registry alias spam 2 production >/dev/null 2>&1
	[ $all = 0 ] || reg_sweep "rollback (PostgreSQL)" rollback spam
	KILL=1 reg_sweep "rollback (PostgreSQL), killed" rollback spam
	[ $all = 0 ] || reg_sweep "rm (PostgreSQL)" rm spam@1
	# a send that fails mid-way (libpq drops the rest and waits for an
	# answer that cannot come): exit 4 after 4 s, nothing changed
	reset_reg
	state >state0
	strace -f -qq -o trace -e trace=sendto "$N" --registry "$R" registry push --name spam m3.nlp >/dev/null 2>&1
	k=$(( $(grep -c 'sendto(' trace) / 2 ))
	reset_reg
	timeout 60 strace -f -qq -o /dev/null -e trace=sendto -e inject=sendto:error=EIO:when=$k \
	    "$N" --registry "$R" registry push --name spam m3.nlp >out 2>err
	st=$?
	state >state1
	check "PostgreSQL: a send failing mid-query (sendto #$k): exit 4 on no answer for 4 s, nothing changed (got $st: $(head -c 200 err))" \
	    sh -c "[ $st -eq 4 ] && grep -q 'no answer from the server for 4 s' err && cmp -s state0 state1"
	echo "io_faults.sh: PostgreSQL: done" >&2
	exit 0
fi

zcat "$DATA/spam.train.tsv.gz" | head -300 >train.tsv
zcat "$DATA/spam.test.tsv.gz" | cut -f2 | head -100 >test.txt
"$N" train -q --epochs 2 -o m.nlp train.tsv
"$N" train -q --epochs 3 -o m2.nlp train.tsv

# predict -o: the old output stays, or the new one whole
"$N" predict -q -m m.nlp test.txt >want.tsv
reset_out() { printf 'old\n' >p.tsv; }
judge_out() {
	case $1 in
	0) cmp -s p.tsv "$want" || echo "other output" ;;
	4) if grep -q "wrote '$out'.*, but " err; then
		cmp -s p.tsv "$want" || echo "not whole"
	   else
		one_line || echo "not one line: $(head -c 100 err)"
		grep -q "'[^']*'\|standard output" err || echo "no file named: $(head -c 100 err)"
		[ "$(cat p.tsv)" = old ] || echo "the old output lost"
	   fi ;;
	127) [ "$(cat p.tsv)" = old ] || echo "changed before main" ;;
	*) echo "$(head -c 100 err)" ;;
	esac
}
want=want.tsv out=p.tsv
sweep "predict -o" reset_out judge_out "$N" predict -q -m m.nlp -o p.tsv test.txt

# train -o
cp m.nlp want.nlp
reset_train() { printf 'old\n' >p.tsv; }
want=want.nlp out=p.tsv
[ $all = 0 ] || sweep "train -o" reset_train judge_out "$N" train -q --epochs 2 -o p.tsv train.tsv


"$N" train -q --epochs 1 -o m3.nlp test.txt 2>/dev/null ||
    "$N" train -q --epochs 4 -o m3.nlp train.tsv
R=$T/reg
"$N" --registry "$R" registry push --name spam --alias production m.nlp >/dev/null 2>&1
"$N" --registry "$R" registry push --name spam m2.nlp >/dev/null
rm -rf pristine
cp -a "$R" pristine
reg_sweep push push --name spam m3.nlp
[ $all = 0 ] || reg_sweep alias alias spam 2 production
# crash points: SIGKILL at each call instead of an error
KILL=1 reg_sweep "push, killed" push --name spam m3.nlp
[ $all = 0 ] || KILL=1 reg_sweep "alias, killed" alias spam 2 production
"$N" --registry pristine registry alias spam 2 production >/dev/null
[ $all = 0 ] || reg_sweep rollback rollback spam
[ $all = 0 ] || KILL=1 reg_sweep "rollback, killed" rollback spam

# rm: the version goes (its object stays for gc), or nothing changes
# (spam@2 is production now: spam@1 goes)
[ $all = 0 ] || reg_sweep rm rm spam@1
[ $all = 0 ] || KILL=1 reg_sweep "rm, killed" rm spam@1

# import: a bundle of another model, whole or not at all
"$N" --registry other-reg registry push --name other --alias production m3.nlp >/dev/null 2>&1
"$N" --registry other-reg registry export other -o other.bundle >/dev/null 2>&1
[ $all = 0 ] || reg_sweep import import "$T/other.bundle"
[ $all = 0 ] || KILL=1 reg_sweep "import, killed" import "$T/other.bundle"
# the bundle's own open failing (ENOSPC, as a network file system may
# say) is an I/O error, exit 4 -- it was called bad data, exit 3
reset_reg
strace -f -qq -o trace -e trace=openat "$N" --registry "$R" registry import "$T/other.bundle" >/dev/null 2>&1
k=$(grep 'openat(' trace | grep -n 'other\.bundle' | head -1 | cut -d: -f1)
reset_reg
strace -f -qq -o /dev/null -e trace=openat -e inject=openat:error=ENOSPC:when="${k:-1}" \
    "$N" --registry "$R" registry import "$T/other.bundle" >out 2>err
st=$?
check "import: the bundle cannot be opened (ENOSPC): exit 4, not 3 (got $st: $(head -c 120 err))" \
    sh -c "[ $st -eq 4 ] && grep -q 'No space left on device' err"

# gc: two unreferenced objects.  The versions never change; each object
# goes or stays (a failed or killed gc may have removed some of them),
# verify stays clean, and a rerun removes the rest.
rm -rf pristine-gc
cp -a pristine pristine-gc
"$N" --registry pristine-gc registry push --name spam m3.nlp >/dev/null 2>&1
"$N" --registry pristine-gc registry rm spam@1 >/dev/null 2>&1
"$N" --registry pristine-gc registry rm spam@3 >/dev/null 2>&1
objects() { (cd "$R" && find objects -type f | sort); }
judge_gc() {
	st=$1
	if ! "$N" --registry "$R" registry verify >/dev/null 2>verr; then
		echo "verify: $(head -c 100 verr)"
		return
	fi
	state >state1
	cmp -s state1 state0 || { echo "the versions changed"; return; }
	objects >obj1
	[ -z "$(comm -23 obj1 obj0)" ] || { echo "an object appeared"; return; }
	[ -z "$(comm -13 obj1 obj_want)" ] || { echo "a referenced object went"; return; }
	case $st in
	0) cmp -s obj1 obj_want || echo "garbage left" ;;
	4|5|137|127)
	   [ $st = 137 ] || [ $st = 127 ] || one_line || echo "not one line: $(head -c 100 err)"
	   "$N" --registry "$R" registry gc --grace 0 >/dev/null 2>&1 || echo "the rerun failed"
	   objects >obj2
	   cmp -s obj2 obj_want || echo "the rerun left garbage" ;;
	*) echo "$(head -c 100 err)" ;;
	esac
}
PRISTINE=pristine-gc
reset_reg
state >state0
objects >obj0
"$N" --registry "$R" registry gc --grace 0 >/dev/null 2>&1
objects >obj_want
[ "$(wc -l <obj0)" -eq $(($(wc -l <obj_want) + 2)) ] ||
	fail "gc: the set-up leaves two unreferenced objects"
[ $all = 0 ] || sweep "registry gc" reset_reg judge_gc "$N" --registry "$R" registry gc --grace 0
KILL=1 sweep "registry gc, killed" reset_reg judge_gc "$N" --registry "$R" registry gc --grace 0
PRISTINE=pristine

# pull -o and export -o: output files, the registry only read
reset_reg
want=m.nlp out=p.tsv
[ $all = 0 ] || sweep "registry pull -o" reset_out judge_out "$N" --registry "$R" registry pull spam@1 -o p.tsv
"$N" --registry "$R" registry export spam -o want.bundle >/dev/null 2>&1
want=want.bundle
[ $all = 0 ] || sweep "registry export -o" reset_out judge_out "$N" --registry "$R" registry export spam -o p.tsv

# drift --prom and --html: each file the old one or the new one whole,
# and both new on success
"$N" drift -m m.nlp --prom want.prom --html want.html test.txt >want.out 2>/dev/null
dst=$?
reset_drift() { printf 'old\n' >d.prom; printf 'old\n' >d.html; }
judge_drift() {
	case $1 in
	0|1) [ $1 = $dst ] || echo "exit $1, not $dst"
	   cmp -s d.prom want.prom && cmp -s d.html want.html &&
		cmp -s out want.out || echo "other output" ;;
	4) one_line || echo "not one line: $(head -c 100 err)"
	   grep -q "'[^']*'\|standard output" err || echo "no file named: $(head -c 100 err)"
	   [ "$(cat d.prom)" = old ] || cmp -s d.prom want.prom || echo "d.prom neither old nor new"
	   [ "$(cat d.html)" = old ] || cmp -s d.html want.html || echo "d.html neither old nor new" ;;
	127) [ "$(cat d.prom)" = old ] && [ "$(cat d.html)" = old ] || echo "changed before main" ;;
	*) echo "$(head -c 100 err)" ;;
	esac
}
sweep "drift --prom --html" reset_drift judge_drift "$N" drift -m m.nlp --prom d.prom --html d.html test.txt

# the PostgreSQL backend, on a temporary cluster of its own
if ! command -v pg_virtualenv >/dev/null 2>&1; then
	echo "SKIP: io_faults: PostgreSQL: pg_virtualenv is not installed (make check installs it)"
	exit 0
fi
port=$(free_port $$)
ART=$T pg_virtualenv -t -o "port=$port" sh "$TOP/tests/e2e/io_faults.sh" pg >pg.log 2>&1 ||
	fail "pg: the PostgreSQL run failed: $(tail -3 pg.log)"
grep '^io_faults.sh\|^FAIL' pg.log >&2
grep -q 'PostgreSQL: done' pg.log || fail "pg: the PostgreSQL run did not finish"
