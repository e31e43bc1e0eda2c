# eval.sh - `nlpops eval`: the report, --json, every gate passing and
# failing with its exit status and message, --baseline, bad input.
. "$TOP/tests/e2e/lib.sh"

N=$NLPOPS
TEST=$DATA/spam.test.tsv.gz
"$N" train -q -o "$T/good.nlp" "$DATA/spam.train.tsv.gz"
zcat "$DATA/spam.train.tsv.gz" | head -60 >"$T/small.tsv"
"$N" train -q --epochs 1 --ngrams 1 -o "$T/weak.nlp" "$T/small.tsv"

expect_status 0 "eval prints a report" "$N" eval -m "$T/good.nlp" "$TEST"
check "the report has the classes and averages" sh -c "grep -q '^ *ham ' '$T/out' && grep -q 'macro avg' '$T/out' && grep -q 'log loss' '$T/out'"
check "throughput goes to stderr" grep -q 'examples in' "$T/err"
# texts without a word are scored on the bias alone, and said.
# Regression (fixed): 40 of 90 such examples counted in silence
{ zcat "$TEST" | head -n 50; printf 'ham\t\nspam\t   \n'; } >"$T/textless.tsv"
expect_status 0 "eval, two examples without text" "$N" eval -m "$T/good.nlp" "$T/textless.tsv"
check "... said" grep -q "^nlpops eval: 2 examples without text (not a word or mark), scored on the model's bias alone" "$T/err"
expect_status 0 "... --json" "$N" eval -q --json -m "$T/good.nlp" "$T/textless.tsv"
check "... counted in --json" grep -q '"examples_without_text": 2,' "$T/out"
expect_status 0 "... a gate decides on them" "$N" eval -q -m "$T/good.nlp" --min-accuracy 0.5 "$T/textless.tsv"
# a text column lost (label<TAB> only, as awk printing a third column of
# two leaves it): no verdict, nothing recorded.
# Regression (fixed): the bias alone passed --min-accuracy 0.3, exit 0
zcat "$TEST" | head -n 300 | awk -F'\t' '{print $1 "\t" $3}' >"$T/notext.tsv"
expect_status 3 "eval -q, every text lost: gates undecided" "$N" eval -q -m "$T/good.nlp" --min-accuracy 0.3 "$T/notext.tsv"
check "... said why, naming the text column" grep -q "^nlpops eval: the gates have no verdict: 300 of 300 examples (100.0%) have no text (not a word or mark), scored on the model's bias alone: is the text column or field the right one?" "$T/err"
check "... the report still printed" grep -q "accuracy" "$T/out"
# a gate given twice counts as given last, as any option does.
# Regression (fixed): both applied, and a looser --min-f1 appended to a
# default still failed on the stricter one
expect_status 0 "--min-f1 0.999 --min-f1 0.5: the last" "$N" eval -m "$T/good.nlp" --min-f1 0.999 --min-f1 0.5 "$TEST"
check "... one gate, passed" grep -q "the gate passed" "$T/err"
expect_status 1 "--min-f1 0.5 --min-f1 0.999: the last" "$N" eval -q -m "$T/good.nlp" --min-f1 0.5 --min-f1 0.999 "$TEST"
expect_status 0 "--min-class-f1 twice for one label: the last" "$N" eval -q -m "$T/good.nlp" --min-class-f1 spam=0.999 --min-class-f1 ham=0.5 --min-class-f1 spam=0.5 "$TEST"
expect_status 0 "eval from stdin" sh -c "zcat '$TEST' | '$N' eval -q -m '$T/good.nlp' >'$T/stdin.out'"
"$N" eval -q -m "$T/good.nlp" "$TEST" >"$T/file.out"
check "stdin and file give the same report" cmp -s "$T/stdin.out" "$T/file.out"

expect_status 0 "--json" "$N" eval -q --json -m "$T/good.nlp" "$TEST"
cp "$T/out" "$T/report.json"
for key in '"schema": 1' '"n": 500' '"accuracy"' '"macro_avg"' '"micro_avg"' '"weighted_avg"' '"per_class"' '"confusion"' '"log_loss"' '"ece"' '"labels"' '"matrix"' '"timing"'; do
	check "--json has $key" grep -q "$key" "$T/report.json"
done
if command -v /usr/bin/python3 >/dev/null 2>&1; then
	check "--json is one JSON document" /usr/bin/python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/report.json"
fi
"$N" eval -q --json -m "$T/good.nlp" "$TEST" | grep -v -e seconds -e examples_per_s >"$T/r1"
"$N" eval -q --json --threads 1 -m "$T/good.nlp" "$TEST" | grep -v -e seconds -e examples_per_s >"$T/r2"
check "results are byte-identical between runs and thread counts, timing aside" cmp -s "$T/r1" "$T/r2"

# every gate, passing and failing
expect_status 0 "--min-accuracy passes" "$N" eval -q -m "$T/good.nlp" --min-accuracy 0.9 "$TEST"
expect_status 1 "--min-accuracy fails" "$N" eval -q -m "$T/good.nlp" --min-accuracy 0.999 "$TEST"
check "the failed gate names itself, the value and the bound" grep -q 'gate --min-accuracy failed: accuracy 0\.9[0-9]*, bound 0\.9990' "$T/err"
expect_status 0 "--min-f1 passes" "$N" eval -q -m "$T/good.nlp" --min-f1 0.9 "$TEST"
expect_status 1 "--min-f1 fails" "$N" eval -q -m "$T/good.nlp" --min-f1 0.999 "$TEST"
check "--min-f1 failure is named" grep -q 'gate --min-f1 failed: macro_f1' "$T/err"
expect_status 0 "--min-class-f1 passes" "$N" eval -q -m "$T/good.nlp" --min-class-f1 spam=0.9 "$TEST"
expect_status 1 "--min-class-f1 fails" "$N" eval -q -m "$T/good.nlp" --min-class-f1 spam=0.999 "$TEST"
check "--min-class-f1 failure names the class" grep -q "f1 of 'spam'" "$T/err"
expect_status 2 "--min-class-f1 of a class that is nowhere" "$N" eval -q -m "$T/good.nlp" --min-class-f1 spma=0.5 "$TEST"
expect_status 0 "--max-log-loss passes" "$N" eval -q -m "$T/good.nlp" --max-log-loss 1 "$TEST"
expect_status 1 "--max-log-loss fails" "$N" eval -q -m "$T/good.nlp" --max-log-loss 0.001 "$TEST"
expect_status 0 "--max-ece passes" "$N" eval -q -m "$T/good.nlp" --max-ece 0.5 "$TEST"
expect_status 1 "--max-ece fails" "$N" eval -q -m "$T/good.nlp" --max-ece 0.0001 "$TEST"
expect_status 1 "two failing gates" "$N" eval -q -m "$T/good.nlp" --min-f1 0.999 --max-ece 0.0001 "$TEST"
check "one stderr line per failed gate" test "$(grep -c 'gate .* failed' "$T/err")" -eq 2
expect_status 0 "one gate passing" "$N" eval -m "$T/good.nlp" --min-f1 0.9 "$TEST"
check "is 'the gate passed', not 'all 1 gates'" sh -c "tail -1 '$T/err' | grep -qx 'nlpops eval: the gate passed'"
expect_status 0 "two gates passing" "$N" eval -m "$T/good.nlp" --min-f1 0.9 --max-ece 0.5 "$TEST"
check "are 'all 2 gates passed'" sh -c "tail -1 '$T/err' | grep -qx 'nlpops eval: all 2 gates passed'"

# --json's verdict: "passed" beside the gates
expect_status 0 "--json with a gate that passes" "$N" eval -q --json -m "$T/good.nlp" --min-f1 0.9 "$TEST"
check "says \"passed\": true" grep -q '^  "passed": true,$' "$T/out"
expect_status 1 "--json with a gate that fails" "$N" eval -q --json -m "$T/good.nlp" --min-f1 0.9 --max-ece 0.0001 "$TEST"
check "says \"passed\": false" grep -q '^  "passed": false,$' "$T/out"
check "--json without gates says \"passed\": true" grep -q '^  "passed": true,$' "$T/report.json"

# baselines
expect_status 0 "a better candidate passes --max-drop" "$N" eval -q -m "$T/good.nlp" --baseline "$T/weak.nlp" --max-drop 0.01 "$TEST"
check "the baseline is reported" grep -q '^baseline ' "$T/out"
expect_status 1 "a worse candidate fails --max-drop" "$N" eval -q -m "$T/weak.nlp" --baseline "$T/good.nlp" --max-drop 0.01 "$TEST"
check "the drop is named" grep -q 'gate --max-drop failed: accuracy drop from the baseline' "$T/err"
expect_status 0 "--bootstrap" "$N" eval -q --json -m "$T/good.nlp" --baseline "$T/weak.nlp" --bootstrap 200 "$TEST"
check "--bootstrap reports intervals and the paired difference" sh -c "grep -q '\"bootstrap\"' '$T/out' && grep -q '\"difference\"' '$T/out'"
"$N" eval -q --json -m "$T/good.nlp" --bootstrap 200 --seed 3 "$TEST" | grep -v -e seconds -e examples_per_s >"$T/b1"
"$N" eval -q --json -m "$T/good.nlp" --bootstrap 200 --seed 3 --threads 1 "$TEST" | grep -v -e seconds -e examples_per_s >"$T/b2"
check "the bootstrap is reproducible across runs and thread counts" cmp -s "$T/b1" "$T/b2"
expect_status 1 "--gate-on lower is stricter than the point value" "$N" eval -q -m "$T/good.nlp" --bootstrap 300 --gate-on lower --min-accuracy "$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["accuracy"] - 0.001)' "$T/report.json" 2>/dev/null || echo 0.98)" "$TEST"
check "--gate-on lower says so" grep -q 'bootstrap lower bound' "$T/err"
expect_status 2 "--max-drop needs --baseline" "$N" eval -m "$T/good.nlp" --max-drop 0.1 "$TEST"
expect_status 2 "--gate-on lower needs --bootstrap" "$N" eval -m "$T/good.nlp" --gate-on lower "$TEST"
expect_status 2 "--bootstrap 39: too few for a 95% interval" "$N" eval -m "$T/good.nlp" --bootstrap 39 --gate-on lower --min-accuracy 0.5 "$TEST"
check "... says so in one line" sh -c "[ \$(wc -l <'$T/err') -eq 1 ] && grep -q '^nlpops eval: --bootstrap takes at least 40 resamples, not 39' '$T/err'"
# the range said is the one taken: 0 and 100001 were 'from 1 to 100000'
expect_status 2 "--bootstrap 0" "$N" eval -m "$T/good.nlp" --bootstrap 0 "$TEST"
check "... is too few, as 39 is" grep -q '^nlpops eval: --bootstrap takes at least 40 resamples, not 0' "$T/err"
expect_status 2 "--bootstrap 100001" "$N" eval -m "$T/good.nlp" --bootstrap 100001 "$TEST"
check "... says 'from 40 to 100000'" grep -q "^nlpops eval: --bootstrap takes a whole number from 40 to 100000, not '100001'" "$T/err"
expect_status 0 "--bootstrap 40" "$N" eval -q -m "$T/good.nlp" --bootstrap 40 --gate-on lower --min-accuracy 0.5 "$TEST"
expect_status 2 "a bad bound" "$N" eval -m "$T/good.nlp" --min-f1 abc "$TEST"
check "a bad bound names the option" grep -q -- '--min-f1' "$T/err"

# --confusion and --errors
expect_status 0 "--confusion --errors" "$N" eval -q -m "$T/good.nlp" --confusion --errors 3 "$TEST"
check "--confusion prints the matrix" grep -q 'rows: gold' "$T/out"
check "--errors prints 3 errors" test "$(sed -n '/most confident errors/,$p' "$T/out" | tail -n +2 | wc -l)" -eq 3

# bad inputs
expect_status 3 "no examples" sh -c "printf '' | '$N' eval -m '$T/good.nlp'"
check "no examples is said, of stdin" grep -q 'no examples to evaluate in stdin' "$T/err"
: >"$T/empty.tsv"
expect_status 3 "no examples in a file" "$N" eval -m "$T/good.nlp" "$T/empty.tsv"
check "the file is named" grep -q "no examples to evaluate in '$T/empty.tsv'" "$T/err"
expect_status 4 "an unreadable file" "$N" eval -m "$T/good.nlp" "$T/nosuch.tsv"
printf 'ham\thello there\nmaybe\tan unknown label\n' >"$T/unknown.tsv"
expect_status 0 "unknown gold labels are scored as errors" "$N" eval -m "$T/good.nlp" "$T/unknown.tsv"
check "unknown gold labels are counted" grep -q 'gold labels the model does not know, scored as errors: 1' "$T/err"
printf 'ham\thello there\n\tno label\nspam\tfree money\nham\tok\n' >"$T/skip1.tsv"
"$N" eval -q --json -m "$T/good.nlp" "$T/skip1.tsv" >"$T/skip1.json" 2>/dev/null
check "--json: the skipped records counted, for a CI job to read" \
    /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(not (d['records_skipped'] == 1 and d['n'] == 3 and 'without a label' in d['skipped']))" "$T/skip1.json"
"$N" eval -q --json -m "$T/good.nlp" "$T/unknown.tsv" >"$T/skip0.json" 2>/dev/null
check "... 0 when none was" \
    /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(not (d['records_skipped'] == 0 and d['skipped'] == ''))" "$T/skip0.json"
check "the unknown label has its row" grep -q '^ *maybe ' "$T/out"
# -q, as a CI job runs it: a failed gate still says what pulled it down;
# a passing one says nothing
expect_status 1 "-q: unknown gold labels fail a gate" "$N" eval -q -m "$T/good.nlp" --min-accuracy 0.9 "$T/unknown.tsv"
check "... and -q still counts them ($(cat "$T/err"))" sh -c "[ \$(wc -l <'$T/err') -eq 2 ] && grep -q '^nlpops eval: examples with gold labels the model does not know, scored as errors: 1\$' '$T/err'"
expect_status 0 "-q: a passing gate" "$N" eval -q -m "$T/good.nlp" --min-accuracy 0 "$T/unknown.tsv"
check "... says nothing" test ! -s "$T/err"
expect_status 3 "--strict refuses unknown gold labels" "$N" eval --strict -m "$T/good.nlp" "$T/unknown.tsv"
check "... naming the file and the label, in one line" sh -c "[ \$(wc -l <'$T/err') -eq 1 ] && grep -q \"^nlpops eval: '$T/unknown.tsv': 1 of 2 examples has a gold label the model does not know ('maybe' 1); --strict refuses it\\\$\" '$T/err'"
# data for another model (the spam model on the debian data): bad data,
# not a failed gate; half the examples unknown (above) is still scored
expect_status 3 "data mostly of labels the model never learned is refused" "$N" eval -m "$T/good.nlp" --min-accuracy 0.9 "$DATA/debian.test.tsv.gz"
check "saying how many and naming the commonest" grep -q "^nlpops eval: 200 of 200 examples (100%) have gold labels the model never learned ('libs' 29, 'doc' 17, 'libdevel' 16, ...): is this data for another model?$" "$T/err"
check "with no report and no gate verdict" sh -c "test ! -s '$T/out' && ! grep -q 'gate' '$T/err'"
expect_status 3 "a damaged model" sh -c "printf 'x' | dd of='$T/good.nlp' bs=1 seek=3000 conv=notrunc 2>/dev/null; '$N' eval -m '$T/good.nlp' '$TEST'"

# the leakage guard
"$N" train -q -o "$T/fresh.nlp" "$DATA/spam.train.tsv.gz"
zcat "$DATA/spam.train.tsv.gz" | head -100 >"$T/seen.tsv"
expect_status 0 "eval on training lines" "$N" eval -m "$T/fresh.nlp" "$T/seen.tsv"
check "eval counts the examples seen in training (all 100: the held-out ones too, refit)" grep -q '100 of 100 examples (100.0%) also occur in the training data' "$T/err"
"$N" train -q --no-refit -o "$T/fresh.nlp" "$DATA/spam.train.tsv.gz"
expect_status 0 "eval on training lines, --no-refit model" "$N" eval -m "$T/fresh.nlp" "$T/seen.tsv"
check "eval counts the examples seen in training (95 trained on, 5 held out)" grep -q '95 of 100 examples (95.0%) also occur in the training data' "$T/err"
# gates on figures partly on training data: said with -q too, unless
# --max-seen gates on it.  Regression (fixed): silent, the gate passed
expect_status 0 "eval -q with a gate, on the training data" "$N" eval -q -m "$T/fresh.nlp" "$T/seen.tsv" --min-f1 0.1
check "... warns of it even so ($(cat "$T/err"))" grep -q "^nlpops eval: warning: 95 of 100 examples (95.0%) also occur in the training data: the figures are partly on training data (--max-seen gates on that share" "$T/err"
expect_status 1 "... --max-seen decides instead" "$N" eval -q -m "$T/fresh.nlp" "$T/seen.tsv" --min-f1 0.1 --max-seen 0.5
check "... without the warning" sh -c "! grep -q 'partly on training data' '$T/err'"
expect_status 0 "... no gate, -q: no warning" "$N" eval -q -m "$T/fresh.nlp" "$T/seen.tsv"
check "... nothing on stderr" test ! -s "$T/err"
expect_status 0 "eval on the test split" "$N" eval -q --json -m "$T/fresh.nlp" "$TEST"
check "no test example occurs in training" grep -q '"examples": 0' "$T/out"
# --max-seen gates on that share: a holdout of training lines fails
expect_status 1 "--max-seen 0.5 fails on the training lines (95%)" "$N" eval -q -m "$T/fresh.nlp" --min-f1 0.5 --max-seen 0.5 "$T/seen.tsv"
check "... in one line, naming the figure and the bound" sh -c "[ \$(wc -l <'$T/err') -eq 1 ] && grep -q '^nlpops eval: gate --max-seen failed: seen_in_training share 0.9500, bound 0.5000 (0.4500 over)\$' '$T/err'"
expect_status 0 "--max-seen 0.95 passes them (a bound equal to the share)" "$N" eval -q -m "$T/fresh.nlp" --max-seen 0.95 "$T/seen.tsv"
expect_status 0 "--max-seen 0 passes the test split" "$N" eval -q --json -m "$T/fresh.nlp" --max-seen 0 "$TEST"
check "... its verdict in the JSON gates" /usr/bin/python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
g = [x for x in d['gates'] if x['gate'] == '--max-seen']
sys.exit(0 if d['passed'] and len(g) == 1 and g[0]['value'] == 0 and g[0]['metric'] == 'seen_in_training share' else 1)" "$T/out"
head -3 "$T/seen.tsv" >"$T/seen3.tsv"; zcat "$TEST" | head -97 >>"$T/seen3.tsv"
expect_status 1 "--max-seen 0.01 fails a holdout with 3 training lines in 100" "$N" eval -q -m "$T/fresh.nlp" --max-seen 0.01 "$T/seen3.tsv"
check "... at 3%" grep -q 'seen_in_training share 0.0300, bound 0.0100' "$T/err"
# a report that cannot be written: the error alone, no gate's verdict
# before it.  Regression (fixed): the summary and "gate ... passed" lines
# came first, then the write error (exit 4)
if [ -w /dev/full ]; then
	expect_status 4 "eval with a gate, standard output full" sh -c "'$N' eval -m '$T/fresh.nlp' --min-accuracy 0.5 '$TEST' >/dev/full"
	check "... says only that ($(cat "$T/err"))" sh -c "[ \$(wc -l <'$T/err') -eq 1 ] && grep -q '^nlpops eval: cannot write standard output: No space left on device\$' '$T/err'"
fi
# texts without a token tell nothing of the training data: with one in
# training, 20 in the test data were "seen" (they share a fingerprint).
# Regression (fixed): --max-seen 0.01 failed on them
{ zcat "$DATA/spam.train.tsv.gz" | head -400; printf 'spam\t\nham\t ...\n'; } >"$T/tr_empty.tsv"
{ zcat "$TEST" | head -100; for i in $(seq 20); do printf 'spam\t\nham\t!!\n'; done; } >"$T/te_empty.tsv"
"$N" train -q -o "$T/empty.nlp" "$T/tr_empty.tsv"
expect_status 0 "--max-seen 0.01: empty texts are not seen in training" "$N" eval -m "$T/empty.nlp" --max-seen 0.01 "$T/te_empty.tsv"
check "... 0 of them counted ($(grep 'training data' "$T/err"))" grep -q '^nlpops eval: 0 of 140 examples (0.0%) also occur in the training data' "$T/err"
expect_status 2 "--max-seen 1.5 is a usage error" "$N" eval -m "$T/fresh.nlp" --max-seen 1.5 "$TEST"
