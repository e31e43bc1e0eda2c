# io_faults.sh - an I/O error on one system call at a time (strace
# -e inject, plain build): for each state-changing call S a command makes
# (write, pwrite64, fsync, fdatasync, rename, close, ftruncate, unlink,
# openat) and each occurrence N of it -- a sample of N here (the first,
# the last and about IO_FAULT_POINTS between; make stress: every one),
# with EIO and ENOSPC by turns -- the run must end one of three ways:
#   - exit 0 and the exact result (the call did not matter: a read-only
#     descriptor's close, a diagnostic write);
#   - exit 4 (5 for the registry) with one line on stderr naming what
#     failed, the previous output file as it was (or, after "wrote FILE,
#     but cannot sync its directory", the new one whole), the registry as
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
. "$TOP/tests/e2e/lib.sh"

N=$NLPOPS
case $N in */obj-san/nlpops) exit 0 ;; esac   # one build is enough: strace
if ! command -v strace >/dev/null; then
	fail "strace is not installed (make check installs it)"
	exit 0
fi
cd "$T" || exit 4
POINTS=${IO_FAULT_POINTS:-6}
zcat "$DATA/spam.train.tsv.gz" | head -300 >train.tsv
zcat "$DATA/spam.test.tsv.gz" | cut -f2 | head -100 >test.txt
"$N" train -q --epochs 2 -o m.nlp train.tsv
"$N" train -q --epochs 3 -o m2.nlp train.tsv

# points COUNT: the occurrences to try, one per line
points() {
	awk -v n="$1" -v k="$POINTS" 'BEGIN {
		if (n < 1) exit
		s = (n > k) ? int(n / k) : 1
		for (i = 1; i <= n; i += s) print i
		if ((n - 1) % s) print n }'
}

# sweep NAME RESET JUDGE CMD...: count each syscall CMD makes, then run
# CMD with one of them failing, RESET before each run, JUDGE after it
# (JUDGE STATUS: 0 for a right outcome, else prints why)
sweep() {
	name=$1 reset=$2 judge=$3; shift 3
	bad= runs=0 err=EIO
	$reset
	strace -f -qq -c -o cnt -e trace=write,pwrite64,fsync,fdatasync,rename,renameat2,close,ftruncate,unlink,openat "$@" >/dev/null 2>&1
	for s in write pwrite64 fsync fdatasync rename renameat2 close ftruncate unlink openat; do
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

one_line() { [ "$(wc -l <err)" -eq 1 ]; }

# predict -o: the old output stays, or the new one whole
"$N" predict -q -m m.nlp test.txt >want.tsv
reset_out() { printf 'old\n' >p.tsv; }
judge_out() {
	case $1 in
	0) cmp -s p.tsv "$want" || echo "other output" ;;
	4) if grep -q "wrote '$out', but cannot sync its directory" err; then
		cmp -s p.tsv "$want" || echo "not whole"
	   else
		one_line || echo "not one line: $(head -c 100 err)"
		grep -q "'[^']*'" err || echo "no file named: $(head -c 100 err)"
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
sweep "train -o" reset_train judge_out "$N" train -q --epochs 2 -o p.tsv train.tsv

# the registry: push, alias, rollback.  A failure leaves it as it was; a
# change committed whose result line could not be printed says so ("was
# committed") and is the change; a rerun then makes the state the one run
# without failures makes, exactly (one new version, never two).
"$N" train -q --epochs 1 -o m3.nlp test.txt 2>/dev/null ||
    "$N" train -q --epochs 4 -o m3.nlp train.tsv
R=$T/reg
"$N" --registry "$R" registry push --name spam --alias production m.nlp >/dev/null 2>&1
"$N" --registry "$R" registry push --name spam m2.nlp >/dev/null
rm -rf pristine
cp -a "$R" pristine
reset_reg() { rm -rf "$R"; cp -a pristine "$R"; }
# the versions, their bytes and aliases (not when they were made)
state() {
	"$N" --registry "$R" registry list spam 2>&1 |
	    awk '{ print $1, $(NF - 1), $NF }'
	"$N" --registry "$R" registry resolve spam@production 2>&1
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
reg_sweep push push --name spam m3.nlp
reg_sweep alias alias spam 2 production
# crash points: SIGKILL at each call instead of an error
KILL=1 reg_sweep "push, killed" push --name spam m3.nlp
KILL=1 reg_sweep "alias, killed" alias spam 2 production
"$N" --registry pristine registry alias spam 2 production >/dev/null
reg_sweep rollback rollback spam
KILL=1 reg_sweep "rollback, killed" rollback spam
