#!/bin/sh
# run.sh NLPOPS UNIT... - run the Criterion unit tests, then every
# end-to-end script in tests/e2e against the binary NLPOPS.  Prints one
# closing line "N passed, N failed" and fails if anything failed.
bin=$1; shift
top=$(cd "$(dirname "$0")/.." && pwd)
case $bin in /*) ;; *) bin=$top/${bin#./} ;; esac
passed=0 failed=0
tmp=$(mktemp -d) || exit 4
cd "$top" || exit 4      # unit tests read tests/data
trap 'rm -rf "$tmp"' EXIT
for t in "$@"; do
	name=${t##*/}
	# Criterion counts a test that leaks as passed: a sanitizer report in
	# the output is a failure all the same.
	if "$t" --jobs 2 >"$tmp/out" 2>&1 &&
	    ! grep -q -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$tmp/out"; then
		n=$(sed -n 's/.*Passing: \([0-9]*\).*/\1/p' "$tmp/out" | tail -1)
		passed=$((passed + ${n:-0}))
		echo "unit $name: ${n:-0} passed"
	else
		cat "$tmp/out"
		n=$(sed -n 's/.*Passing: \([0-9]*\).*/\1/p' "$tmp/out" | tail -1)
		f=$(sed -n 's/.*Failing: \([0-9]*\).*Crashing: \([0-9]*\).*/\1 \2/p' "$tmp/out" | tail -1)
		passed=$((passed + ${n:-0}))
		set -- $f
		n=$((${1:-1} + ${2:-0}))
		[ "$n" -eq 0 ] && n=1    # a sanitizer report in a passing test
		failed=$((failed + n))
		echo "unit $name: FAILED"
	fi
done
for s in "$top"/tests/e2e/*.sh; do
	[ -e "$s" ] && [ "${s##*/}" != lib.sh ] || continue
	: >"$tmp/counts"
	NLPOPS=$bin TOP=$top COUNTS=$tmp/counts sh "$s"
	rc=$?
	p=$(grep -c '^pass' "$tmp/counts") f=$(grep -c '^fail' "$tmp/counts")
	[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && { f=1; echo "e2e ${s##*/}: exited $rc"; }
	passed=$((passed + p)) failed=$((failed + f))
	echo "e2e ${s##*/}: $p passed, $f failed"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
