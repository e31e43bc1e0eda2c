#!/bin/sh
# run.sh NLPOPS UNIT... - run the Criterion unit tests (one after the
# other, beside the scripts) and every end-to-end script in tests/e2e
# against the binary NLPOPS, three at a time (many wait on sleeps, locks
# and servers; NLP_TEST_JOBS to change it; the scripts are independent,
# each in its own temporary directory), printing each script's output
# whole, in name
# order.  A script that cannot run a part says so in a line starting
# with "SKIP" on stderr; the closing line is "N passed, N failed, N
# skipped", each skip's reason listed above it.  Fails if anything failed.
bin=$1; shift
top=$(cd "$(dirname "$0")/.." && pwd)
case $bin in /*) ;; *) bin=$top/${bin#./} ;; esac
jobs=${NLP_TEST_JOBS:-3}
passed=0 failed=0 skipped=0
tmp=$(mktemp -d) || exit 4
cd "$top" || exit 4      # unit tests read tests/data
trap 'rm -rf "$tmp"' EXIT
# The unit tests, one after the other, beside the end-to-end lanes (they
# are CPU while many scripts wait on sleeps, locks and servers): their
# lines go to $tmp/unit.log, their counts to $tmp/unit.counts.
units() {
	up=0 uf=0
	for t in "$@"; do
		name=${t##*/}
		# Criterion counts a test that leaks as passed: a sanitizer report
		# in the output is a failure all the same.
		if "$t" --jobs 2 >"$tmp/out.unit" 2>&1 &&
		    ! grep -q -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$tmp/out.unit"; then
			n=$(sed -n 's/.*Passing: \([0-9]*\).*/\1/p' "$tmp/out.unit" | tail -1)
			up=$((up + ${n:-0}))
			echo "unit $name: ${n:-0} passed"
		else
			cat "$tmp/out.unit"
			n=$(sed -n 's/.*Passing: \([0-9]*\).*/\1/p' "$tmp/out.unit" | tail -1)
			f=$(sed -n 's/.*Failing: \([0-9]*\).*Crashing: \([0-9]*\).*/\1 \2/p' "$tmp/out.unit" | tail -1)
			up=$((up + ${n:-0}))
			set -- $f
			n=$((${1:-1} + ${2:-0}))
			[ "$n" -eq 0 ] && n=1    # a sanitizer report in a passing test
			uf=$((uf + n))
			echo "unit $name: FAILED"
		fi
	done >"$tmp/unit.log"
	echo "$up $uf" >"$tmp/unit.counts"
}
units "$@" &

# The scripts, the longest first, go to $jobs lanes; each lane takes the
# next script from the queue (a mkdir lock guards it).
ls "$top"/tests/e2e/*.sh | grep -v '/lib\.sh$' >"$tmp/all"
if [ -n "${NLP_TEST_ONLY:-}" ]; then   # make stress: only these scripts
	for s in $NLP_TEST_ONLY; do grep "/$s\.sh\$" "$tmp/all"; done >"$tmp/only"
	mv "$tmp/only" "$tmp/all"
fi
for s in registry_safety registry_backends drift drift_html hostile_files hostile_registry registry; do
	grep "/$s\.sh\$" "$tmp/all"
done >"$tmp/queue"
grep -v -F -x -f "$tmp/queue" "$tmp/all" >>"$tmp/queue"
: >"$tmp/next"
take() {   # the next script of the queue, in $s; 1 when none is left
	until mkdir "$tmp/lock" 2>/dev/null; do sleep 0.05; done
	k=$(($(wc -l <"$tmp/next") + 1))
	s=$(sed -n "${k}p" "$tmp/queue")
	[ -n "$s" ] && echo x >>"$tmp/next"
	rmdir "$tmp/lock"
	[ -n "$s" ]
}
lane() {
	while take; do
		n=${s##*/}
		: >"$tmp/$n.counts"
		t0=$(date +%s)
		NLPOPS=$bin TOP=$top COUNTS=$tmp/$n.counts sh "$s" >"$tmp/$n.log" 2>&1
		echo $? >"$tmp/$n.rc"
		echo $(($(date +%s) - t0)) >"$tmp/$n.secs"
	done
}
i=0
while [ $i -lt "$jobs" ]; do lane & i=$((i + 1)); done
wait
cat "$tmp/unit.log"
read -r up uf <"$tmp/unit.counts" || { up=0 uf=1; echo "unit tests: did not finish"; }
passed=$((passed + up)) failed=$((failed + uf))
for s in $(cat "$tmp/all"); do
	n=${s##*/}
	cat "$tmp/$n.log"
	rc=$(cat "$tmp/$n.rc" 2>/dev/null || echo 70)
	p=$(grep -c '^pass' "$tmp/$n.counts") f=$(grep -c '^fail' "$tmp/$n.counts")
	[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && { f=1; echo "e2e $n: exited $rc"; }
	passed=$((passed + p)) failed=$((failed + f))
	grep '^SKIP' "$tmp/$n.log" >>"$tmp/skips"
	echo "e2e $n: $p passed, $f failed ($(cat "$tmp/$n.secs" 2>/dev/null) s)"
done
if [ -s "$tmp/skips" ]; then
	skipped=$(wc -l <"$tmp/skips")
	echo "skipped:"
	sed 's/^/  /' "$tmp/skips"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
