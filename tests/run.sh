#!/bin/sh
# run.sh NLPOPS UNIT... [-- NLPOPS UNIT...] - run the Criterion unit tests
# and every end-to-end script in tests/e2e against each binary NLPOPS
# given (make check: the plain build, then -- the sanitized one).  The
# unit tests run one after the other, beside the scripts; the scripts of
# every binary share one queue, the longest first, and run one more at a
# time than there are CPUs (many wait on sleeps, locks and servers; more
# of them only take turns on the CPUs, and on a virtual machine that
# costs: make check took 455 s with four lanes, 399 s with three and 429 s
# with two on 2 CPUs, 2026-12-07; NLP_TEST_JOBS to change it; the scripts
# are independent, each in its own temporary directory).
# Each binary's output is printed whole, script by script in name order,
# each script's line ending with its wall-clock and CPU seconds.
# A script that cannot run a part says so in a line starting with "SKIP"
# on stderr; the closing line is "N passed, N failed, N skipped", each
# skip's reason listed above it.  Fails if anything failed.
top=$(cd "$(dirname "$0")/.." && pwd)
jobs=${NLP_TEST_JOBS:-$(($(nproc 2>/dev/null || echo 2) + 1))}
passed=0 failed=0 skipped=0
tmp=$(mktemp -d) || exit 4
cd "$top" || exit 4      # unit tests read tests/data
trap 'rm -rf "$tmp"' EXIT

# The runs: run R's binary in $tmp/R.bin, its unit tests in $tmp/R.units.
nruns=0
while [ $# -gt 0 ]; do
	nruns=$((nruns + 1))
	case $1 in /*) echo "$1" ;; *) echo "$top/${1#./}" ;; esac >"$tmp/$nruns.bin"
	shift
	: >"$tmp/$nruns.units"
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		echo "$1" >>"$tmp/$nruns.units"; shift
	done
	[ $# -gt 0 ] && shift
done
[ $nruns -gt 0 ] || { echo "usage: run.sh NLPOPS UNIT... [-- NLPOPS UNIT...]" >&2; exit 2; }
# a name in NLP_TEST_ONLY that is no script is an error, not "0 passed"
for s in ${NLP_TEST_ONLY:-}; do
	[ -f "$top/tests/e2e/${s%.sh}.sh" ] || {
		echo "run.sh: NLP_TEST_ONLY: no tests/e2e/${s%.sh}.sh" >&2; exit 2; }
done

# The unit tests of every run, one after the other, beside the end-to-end
# lanes (they are CPU while many scripts wait on sleeps, locks and
# servers): their lines go to $tmp/R.unit.log, their counts to
# $tmp/R.unit.counts.
units() {
	run=$1
	for t in $(cat "$tmp/$run.units"); do
		name=${t##*/}
		# Criterion counts a test that leaks as passed: a sanitizer report
		# in the output is a failure all the same.
		if "$t" --jobs 2 >"$tmp/out.unit" 2>&1 &&
		    ! grep -q -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$tmp/out.unit"; then
			n=$(sed -n 's/.*Passing: \([0-9]*\).*/\1/p' "$tmp/out.unit" | tail -1)
			up=$((up + ${n:-0}))
			echo "$name tests: ${n:-0} passed"
		else
			cat "$tmp/out.unit"
			n=$(sed -n 's/.*Passing: \([0-9]*\).*/\1/p' "$tmp/out.unit" | tail -1)
			f=$(sed -n 's/.*Failing: \([0-9]*\).*Crashing: \([0-9]*\).*/\1 \2/p' "$tmp/out.unit" | tail -1)
			up=$((up + ${n:-0}))
			set -- $f
			n=$((${1:-1} + ${2:-0}))
			[ "$n" -eq 0 ] && n=1    # a sanitizer report in a passing test
			uf=$((uf + n))
			echo "$name tests: FAILED"
		fi
	done >"$tmp/$run.unit.log"
}
(
	r=1
	while [ $r -le $nruns ]; do
		up=0 uf=0
		units $r
		echo "$up $uf" >"$tmp/$r.unit.counts"
		r=$((r + 1))
	done
) &

# The queue: "RUN SCRIPT" lines, the longest scripts first (by their
# times in make check, the sanitized run's slower), then the rest.
ls "$top"/tests/e2e/*.sh | grep -v '/lib\.sh$' >"$tmp/all"
if [ -n "${NLP_TEST_ONLY:-}" ]; then   # make stress: only these scripts
	for s in $NLP_TEST_ONLY; do grep "/${s%.sh}\.sh\$" "$tmp/all"; done >"$tmp/only"
	mv "$tmp/only" "$tmp/all"
fi
: >"$tmp/queue"
for s in io_faults drift registry_backends hostile_table registry_safety \
    registry train_predict multilabel oom_registry hostile_drift hostile_files completions \
    hostile_registry cli docs readme serve golden; do
	r=$nruns
	while [ $r -ge 1 ]; do
		grep "/$s\.sh\$" "$tmp/all" | sed "s|^|$r |" >>"$tmp/queue"
		r=$((r - 1))
	done
done
r=$nruns
while [ $r -ge 1 ]; do
	sed "s|^|$r |" "$tmp/all" | grep -v -F -x -f "$tmp/queue"
	r=$((r - 1))
done >>"$tmp/queue.rest"
cat "$tmp/queue.rest" >>"$tmp/queue"
: >"$tmp/next"
take() {   # the next "RUN SCRIPT" of the queue, in $r and $s; 1 when none
	until mkdir "$tmp/lock" 2>/dev/null; do sleep 0.05; done
	k=$(($(wc -l <"$tmp/next") + 1))
	line=$(sed -n "${k}p" "$tmp/queue")
	[ -n "$line" ] && echo x >>"$tmp/next"
	rmdir "$tmp/lock"
	r=${line%% *} s=${line#* }
	[ -n "$line" ]
}
lane() {
	while take; do
		n=$r.${s##*/}
		: >"$tmp/$n.counts"
		t0=$(date +%s)
		times >"$tmp/$n.times"
		NLPOPS=$(cat "$tmp/$r.bin") TOP=$top COUNTS=$tmp/$n.counts sh "$s" >"$tmp/$n.log" 2>&1
		echo $? >"$tmp/$n.rc"
		times >>"$tmp/$n.times"
		# The CPU seconds the script used: its children's user + system
		# time, the second line of each times output.
		echo "$(($(date +%s) - t0)) s, CPU $(awk 'NR % 2 == 0 {
		    split($1, u, "m"); split($2, s, "m"); t[NR] = u[1] * 60 + u[2] + s[1] * 60 + s[2] }
		    END { printf "%.0f", t[4] - t[2] }' "$tmp/$n.times") s" >"$tmp/$n.secs"
	done
}
i=0
while [ $i -lt "$jobs" ]; do lane & i=$((i + 1)); done
wait

: >"$tmp/skips"
r=1
while [ $r -le $nruns ]; do
	[ $nruns -gt 1 ] && echo "== $(cat "$tmp/$r.bin") =="
	cat "$tmp/$r.unit.log" 2>/dev/null
	read -r up uf <"$tmp/$r.unit.counts" || { up=0 uf=1; echo "unit tests: did not finish"; }
	passed=$((passed + up)) failed=$((failed + uf))
	for s in $(cat "$tmp/all"); do
		n=$r.${s##*/}
		cat "$tmp/$n.log"
		rc=$(cat "$tmp/$n.rc" 2>/dev/null || echo 70)
		p=$(grep -c '^pass' "$tmp/$n.counts") f=$(grep -c '^fail' "$tmp/$n.counts")
		[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && { f=1; echo "e2e ${s##*/}: exited $rc"; }
		passed=$((passed + p)) failed=$((failed + f))
		grep '^SKIP' "$tmp/$n.log" >>"$tmp/skips"
		echo "e2e ${s##*/}: $p passed, $f failed ($(cat "$tmp/$n.secs" 2>/dev/null))"
	done
	r=$((r + 1))
done
if [ -s "$tmp/skips" ]; then
	skipped=$(wc -l <"$tmp/skips")
	echo "skipped:"
	sed 's/^/  /' "$tmp/skips"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
