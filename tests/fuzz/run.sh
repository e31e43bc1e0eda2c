#!/bin/sh
# run.sh SECONDS NAME... - make fuzz: run each libFuzzer harness
# obj-fuzz/fuzz_NAME for SECONDS, one at a time, and print its figures
# (executions, corpus, coverage) and any finding.  New inputs go to
# obj-fuzz/corpus/NAME; the seeds (tests/fuzz/corpus/NAME) are read, never
# written.  Exit 1 when a harness found something.
t=$1; shift
found=0
for n in "$@"; do
	mkdir -p "obj-fuzz/corpus/$n" obj-fuzz/findings
	log=obj-fuzz/fuzz_$n.log
	echo "== fuzz_$n, $t s"
	ASAN_OPTIONS=detect_leaks=1 "obj-fuzz/fuzz_$n" -max_total_time="$t" \
	    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix="obj-fuzz/findings/$n-" \
	    "obj-fuzz/corpus/$n" "tests/fuzz/corpus/$n" >"$log" 2>&1
	rc=$?
	grep -E '^#[0-9]+[[:space:]]+DONE|^stat::(number_of_executed_units|peak_rss_mb)|^INFO: Running with' "$log" | tail -4
	echo "corpus: $(ls "obj-fuzz/corpus/$n" | wc -l) inputs (seeds: $(ls "tests/fuzz/corpus/$n" | wc -l))"
	if [ $rc -ne 0 ]; then
		found=1
		echo "FINDING (exit $rc): $(grep -m1 -E 'ERROR|check failed|SUMMARY' "$log")"
		ls obj-fuzz/findings/"$n"-* 2>/dev/null
	fi
done
exit $found
