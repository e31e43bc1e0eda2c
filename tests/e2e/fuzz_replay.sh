# fuzz_replay.sh - every fuzz harness (tests/fuzz) over its whole corpus,
# without libFuzzer: the seeds and every finding saved there stay
# regression tests.  The sanitized build's replays run under ASan + UBSan
# (a finding aborts); the plain build's check the same invariants.
. "$TOP/tests/e2e/lib.sh"

case $NLPOPS in
*/obj-san/nlpops) R=$TOP/obj-san/fuzz ;;
*) R=$TOP/obj/fuzz ;;
esac
for c in "$TOP"/tests/fuzz/corpus/*/; do
	n=$(basename "$c")
	want=$(find "$c" -type f | wc -l)
	if [ ! -x "$R/replay" ]; then
		fail "no replay binary $R/replay (make builds it)"
		continue
	fi
	(cd "$T" && "$R/replay" "$n" "$c") >"$T/out" 2>"$T/err"
	rc=$?
	check "fuzz_$n: $want inputs replayed, no finding (exit $rc; $(tail -c 300 "$T/err"))" \
	    test $rc -eq 0 -a "$(cat "$T/out")" = "$want inputs"
done
