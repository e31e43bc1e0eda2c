# hostile_readers.sh - the readers against the hostile-input campaign of
# 2026-12-07: a NUL in a CSV header name, a lone surrogate escape in a
# JSONL label, an integer past 64 bits in a field that is not the label,
# a TSV header in predict --profile-out's pass, shard profiles whose
# counts contradict one another, drift's --prom and --html after standard
# output failed, bzip2 data followed by bytes that start no other stream,
# and a long path in a data error; and from a new user's walk the same
# day, a --baseline for other data (a gate passed against a baseline that
# scored 0), train --push refusing the registry only after training, and
# file names unescaped in the summaries.  Each of these failed before
# (silently: exit 0 with a wrong reading or verdict, files written after a
# failure, a lost training run).
. "$TOP/tests/e2e/lib.sh"

N=$NLPOPS

zcat "$DATA/spam.train.tsv.gz" | head -600 >"$T/small.tsv"
"$N" train -q --epochs 3 -o "$T/m.nlp" "$T/small.tsv"
zcat "$DATA/spam.test.tsv.gz" | head -300 >"$T/test.tsv"
cut -f2 "$T/test.tsv" >"$T/day.txt"

# --- a NUL in a CSV header name ---------------------------------------------
# it split the name in two: every column after it shifted by one, the text
# read from the label column and the labels from the next, exit 0
printf 'id\000x,text,label,note\n1,win free cash now,spam,ham\n2,lunch at noon with the team,ham,spam\n' >"$T/nul.csv"
printf 'id,text,label,note\n1,win free cash now,spam,ham\n2,lunch at noon with the team,ham,spam\n' >"$T/clean.csv"
keep='"bytes"\|"name"\|"sha256"\|"seconds"\|_per_s"'
expect_status 0 "eval of a CSV whose header has a NUL" "$N" eval -q --json -m "$T/m.nlp" "$T/nul.csv"
grep -v "$keep" "$T/out" >"$T/nul.json"
"$N" eval -q --json -m "$T/m.nlp" "$T/clean.csv" | grep -v "$keep" >"$T/clean.json"
check "the same report as with a space there: labels from 'label', text from 'text'" cmp -s "$T/clean.json" "$T/nul.json"
check "(the report has both labels)" sh -c "grep -q '\"ham\": {' '$T/nul.json' && grep -q '\"spam\": {' '$T/nul.json'"

# --- a lone surrogate escape in a JSONL label ---------------------------------
# repaired to U+FFFD and learned as a class of its own ('sp\ufffdam')
printf '{"text":"hi there","label":"ham"}\n{"text":"win cash","label":"sp\\ud800am"}\n{"text":"free","label":"spam"}\n' >"$T/sur.jsonl"
expect_status 3 "a label with a lone surrogate escape is refused" "$N" train -o "$T/sur.nlp" "$T/sur.jsonl"
check "as a raw invalid byte in a label is: line 2" grep -q "'.*sur.jsonl' line 2: label with invalid UTF-8" "$T/err"
check "and no model is left" test ! -e "$T/sur.nlp"

# --- an integer past 64 bits in a field that is not the label ----------------
# labeled reading dropped the record as malformed; unlabeled reading kept it
printf '{"id":12345678901234567890,"text":"free money now","label":"spam"}\n{"id":1,"text":"hi how are you","label":"ham"}\n{"id":2,"text":"win a prize","label":"spam"}\n' >"$T/big.jsonl"
expect_status 0 "train on JSONL with a 20-digit id" "$N" train -o "$T/big.nlp" "$T/big.jsonl"
check "all three examples are read" grep -q "3 examples, 2 classes" "$T/err"
check "none is skipped" sh -c "! grep -q 'malformed' '$T/err'"
printf '{"text":"hi","label":"ham"}\n{"text":"win","label":12345678901234567890}\n{"text":"free","label":"spam"}\n' >"$T/biglab.jsonl"
expect_status 0 "a label that is an integer past 64 bits" "$N" train -o "$T/biglab.nlp" "$T/biglab.jsonl"
check "is malformed, not a class named 1.2e+19" grep -q "skipped 1 malformed record (first at .*biglab.jsonl:2: field .label. is a number whose digits would be lost" "$T/err"

# --- predict --profile-out on a TSV with a header -----------------------------
# drift's labeled reading skips the header; the profile counted it, with
# the gold label 'label', so that the merged report was not the one-pass one
{ printf 'label\ttext\n'; cat "$T/test.tsv"; } >"$T/head.tsv"
"$N" drift -q --json -m "$T/m.nlp" "$T/head.tsv" | grep -v '"timing\|_s":' >"$T/one.json"
expect_status 0 "predict --profile-out on a TSV with a header" "$N" predict -q -m "$T/m.nlp" --profile-out "$T/head.prof" "$T/head.tsv"
check "predict still writes a line for each input line" test "$(wc -l <"$T/out")" -eq 301
"$N" drift -q --json -m "$T/m.nlp" --profiles "$T/head.prof" | grep -v '"timing\|_s":' >"$T/merged.json"
check "the report from the profile is the one-pass report" cmp -s "$T/one.json" "$T/merged.json"

# --- shard profiles whose counts contradict one another -----------------------
"$N" predict -q -m "$T/m.nlp" --profile-out "$T/p.prof" "$T/day.txt" >/dev/null
sed 's/"tokens":[0-9]*/"tokens":9223372036854775807/' "$T/p.prof" >"$T/huge.prof"
expect_status 3 "a count past 2^53 (two of them wrapped the sum)" "$N" drift -m "$T/m.nlp" --profiles "$T/p.prof" "$T/huge.prof"
check "names the profile and the field" grep -q "huge.prof': field 'tokens' is past 2^53" "$T/err"
sed 's/"empty":[0-9]*/"empty":100000/' "$T/p.prof" >"$T/empty.prof"
expect_status 3 "more empty texts than texts (an empty share of 250)" "$N" drift -m "$T/m.nlp" --profiles "$T/empty.prof"
check "says which count" grep -q "field 'empty' is more than the documents" "$T/err"
sed 's/"oov":[0-9]*/"oov":100000000/' "$T/p.prof" >"$T/oov.prof"
expect_status 3 "more unknown tokens than tokens" "$N" drift -m "$T/m.nlp" --profiles "$T/oov.prof"
check "says which count" grep -q "field 'oov' is more than the tokens" "$T/err"
head -150 "$T/day.txt" | "$N" predict -q -m "$T/m.nlp" --profile-out "$T/h1.prof" >/dev/null
tail -n +151 "$T/day.txt" | "$N" predict -q -m "$T/m.nlp" --profile-out "$T/h2.prof" >/dev/null
"$N" drift -q --json -m "$T/m.nlp" --profiles "$T/h1.prof" "$T/h2.prof" >"$T/halves.json"
check "profiles as written still merge (a verdict, 0 or 1)" test $? -le 1
"$N" drift -q --json -m "$T/m.nlp" --profiles "$T/p.prof" >"$T/whole.json"
check "into the whole day's report" sh -c "grep -v '\"timing\|_s\":' '$T/halves.json' >'$T/a' && grep -v '\"timing\|_s\":' '$T/whole.json' >'$T/b' && cmp -s '$T/a' '$T/b'"

# --- drift's --prom and --html when standard output fails --------------------
if [ -w /dev/full ]; then
	expect_status 4 "drift with a full standard output" sh -c "'$N' drift -m '$T/m.nlp' --prom '$T/d.prom' --html '$T/d.html' '$T/day.txt' >/dev/full"
	check "says so once, and that the files were left" grep -q "cannot write standard output: .*(--prom and --html left as they were)" "$T/err"
	check "no metrics for the alert to read" test ! -e "$T/d.prom" -a ! -e "$T/d.html"
	# --html onto a full device: why, as --prom says it (it said
	# 'Input/output error')
	expect_status 4 "drift --html /dev/full" "$N" drift -q -m "$T/m.nlp" --prom "$T/d.prom" --html /dev/full "$T/day.txt"
	check "... says the device is full, and writes no metrics" sh -c "grep -q \"cannot write '/dev/full': No space left on device\" '$T/err' && [ ! -e '$T/d.prom' ]"
fi
expect_status 4 "drift with standard output closed" sh -c "'$N' drift -m '$T/m.nlp' --prom '$T/d.prom' '$T/day.txt' >&-"
check "no metrics then either" test ! -e "$T/d.prom"
check "nor a temporary file beside them" test -z "$(ls -A "$T" | grep '^\.d\.')"
"$N" drift -q -m "$T/m.nlp" --prom "$T/d.prom" --html "$T/d.html" "$T/day.txt"
check "with standard output whole, a verdict (0 or 1)" test $? -le 1
check "--prom and --html in place" test -s "$T/d.prom" -a -s "$T/d.html"

# --- bzip2: bytes after the end of the data ----------------------------------
# libarchive's bzip2 reader stops quietly at bytes that start no other
# stream: the records of a damaged second stream were lost with exit 0
if command -v bzip2 >/dev/null; then
	bzip2 -c "$T/test.tsv" >"$T/a.bz2"
	cp "$T/a.bz2" "$T/d.bz2"
	printf X | dd of="$T/d.bz2" bs=1 seek=2 conv=notrunc 2>/dev/null
	cat "$T/a.bz2" "$T/d.bz2" >"$T/two.tsv.bz2"
	size=$(wc -c <"$T/a.bz2")
	expect_status 3 "a damaged second bzip2 stream" "$N" eval -m "$T/m.nlp" "$T/two.tsv.bz2"
	check "names the first byte after the first stream" grep -q "two.tsv.bz2': cannot decompress: byte $((size + 1)) follows the end of the compressed data" "$T/err"
	{ cat "$T/a.bz2"; echo junk; } >"$T/junk.tsv.bz2"
	expect_status 3 "something appended to bzip2 data" "$N" eval -m "$T/m.nlp" "$T/junk.tsv.bz2"
	{ cat "$T/a.bz2"; cat "$T/a.bz2"; } >"$T/both.tsv.bz2"
	expect_status 0 "two whole bzip2 streams" "$N" eval --json -m "$T/m.nlp" "$T/both.tsv.bz2"
	check "are read one after the other" sh -c "tr -d ' \n' <'$T/out' | grep -q '\"weighted_avg\":{[^}]*\"support\":600'"
	{ cat "$T/a.bz2"; head -c 512 /dev/zero; } >"$T/pad.tsv.bz2"
	expect_status 0 "zeros after bzip2 data (a block's padding)" "$N" eval -m "$T/m.nlp" "$T/pad.tsv.bz2"
	expect_status 3 "the same through stdin" sh -c "'$N' predict -q -m '$T/m.nlp' <'$T/junk.tsv.bz2'"
fi

# --- a long path in a data error ----------------------------------------------
# cut at 300 bytes: no file name, no closing quote
L=$(printf 'd%.0s' $(seq 200))
mkdir -p "$T/$L/$L"
printf 'label,text\nham,"x\n' >"$T/$L/$L/x.csv"
expect_status 3 "an unclosed quote under a 420-byte path" "$N" eval -m "$T/m.nlp" "$T/$L/$L/x.csv"
check "the message names the whole path" grep -q "$L/x.csv' line 2: unclosed quote" "$T/err"

# --- eval --baseline: a model for other data --------------------------------
# it scored 0 on every example, and any candidate passed --max-drop against it
printf 'kernel\tlinux kernel module loading\ngames\ta puzzle game for kids\n' >"$T/other.tsv"
"$N" train -q -o "$T/other.nlp" "$T/other.tsv"
head -50 "$T/test.tsv" >"$T/t50.tsv"
expect_status 3 "a --baseline that never learned the data's labels" "$N" eval -m "$T/m.nlp" --baseline "$T/other.nlp" --max-drop 0.01 "$T/t50.tsv"
check "is refused as -m would be, and says it is the baseline" grep -q "^nlpops eval: --baseline: 50 of 50 examples (100%) have gold labels the model never learned" "$T/err"
check "with no verdict printed" sh -c "! grep -q 'gates passed' '$T/err'"
expect_status 0 "a baseline for the same data still compares" "$N" eval -q -m "$T/m.nlp" --baseline "$T/m.nlp" --max-drop 0.01 "$T/t50.tsv"

# --- train --push: the registry checked before training ----------------------
mkdir "$T/notreg"
: >"$T/notreg/x"
# (the order told by data that training refuses, exit 3: checked first,
# the registry's refusal is what is said)
printf 'ham\t\n' >"$T/none.tsv"
expect_status 5 "--push into a directory that holds no registry" "$N" --registry "$T/notreg" train -q --push spam "$T/none.tsv"
check "is refused before training" sh -c "grep -q 'is not empty and holds no registry' '$T/err' && test \"\$(ls '$T/notreg')\" = x"
"$N" --registry "$T/reg" train -q --push spam --alias production -o "$T/p1.nlp" "$T/small.tsv" >/dev/null
expect_status 2 "--alias that differs from one the model has only in case" "$N" --registry "$T/reg" train --push spam --alias Production -o "$T/p2.nlp" "$T/small.tsv"
check "is refused before training" sh -c "grep -q \"no alias 'Production' on spam; did you mean 'production'?\" '$T/err' && ! grep -q 'examples,' '$T/err' && test ! -e '$T/p2.nlp'"
expect_status 2 "a new model name that differs from one only in case" "$N" --registry "$T/reg" train -q --push Spam "$T/none.tsv"
check "is refused before training" grep -q "no model 'Spam' in the registry; did you mean 'spam'?" "$T/err"
expect_status 0 "a push the registry takes still goes through" "$N" --registry "$T/reg" train -q --push spam --alias candidate --epochs 2 "$T/small.tsv"
check "as a new version" grep -q '^spam@2 ' "$T/out"

# --- file names in the summaries, escaped ------------------------------------
bad=$(printf 'bad\nname\033[7m.txt')
printf 'caf\377 ok\n' >"$T/$bad"
expect_status 0 "predict on a file whose name has a newline and an escape" "$N" predict -m "$T/m.nlp" "$T/$bad"
check "its summary lines are one line each, without the raw ESC" sh -c "test \$(wc -l <'$T/err') -eq 2 && ! grep -q \"\$(printf '\\033')\" '$T/err' && grep -q 'bad.x0aname.x1b.7m.txt:1)' '$T/err'"

# --- lines that end in CR alone (an old Mac's) --------------------------------
# read as one line, one record, and nothing said (exit 0 under --strict)
printf 'ham\thello there\rspam\tfree money now\r' >"$T/cr.tsv"
expect_status 3 "eval --strict of lines ending in CR alone" "$N" eval --strict -m "$T/m.nlp" "$T/cr.tsv"
check "names the file, the line and why" grep -q "cr.tsv' line 1: a carriage return inside the line (lines that end in CR alone, an old Mac's?)" "$T/err"
expect_status 0 "predict of them" sh -c "printf 'a\rb\rc\r' | '$N' predict -m '$T/m.nlp'"
check "says they were read as one, and how to split them" grep -q "1 record whose line holds a carriage return inside it (lines that end in CR alone, an old Mac's, are read as one: tr '.r' '.n' splits them) (first at stdin:1)" "$T/err"
# said even with -q, by predict and drift too (as the README says).
# Regression (fixed): predict -q and drift said nothing
expect_status 0 "predict -q of them" sh -c "printf 'a\rb\rc\r' | '$N' predict -q -m '$T/m.nlp'"
check "... warns ($(cat "$T/err"))" grep -q "^nlpops predict: warning: 1 record whose line holds a carriage return inside it .* (first at stdin:1)" "$T/err"
{ zcat "$DATA/spam.test.tsv.gz" | cut -f2 | head -200; printf 'a\rb\rc\n'; } | "$N" drift -q -m "$T/m.nlp" >/dev/null 2>"$T/err"
check "drift -q of text with such a line: a verdict, no error ($?)" test $? -le 1
check "... warns ($(cat "$T/err"))" grep -q "^nlpops drift: warning: 1 record whose line holds a carriage return inside it .* (first at stdin:201)" "$T/err"
# and in a --reference file, as its other reading losses are.
# Regression (fixed): said of the current text only
{ zcat "$DATA/spam.test.tsv.gz" | cut -f2 | head -200; printf 'a\rb\rc\n'; } >"$T/crref.txt"
zcat "$DATA/spam.test.tsv.gz" | cut -f2 | sed -n 201,400p >"$T/crcur.txt"
"$N" drift -q --reference "$T/crref.txt" "$T/crcur.txt" >/dev/null 2>"$T/err"
check "drift -q --reference with such a line warns of the reference ($(cat "$T/err"))" grep -q "^nlpops drift: warning: the reference: 1 record whose line holds a carriage return inside it .* (first at $T/crref.txt:201)" "$T/err"
expect_status 0 "CRLF line ends" sh -c "printf 'a\r\nb\r\n' | '$N' predict --strict -m '$T/m.nlp'"
check "are lines, and nothing is said of them" sh -c "test \$(wc -l <'$T/out') -eq 2 && ! grep -q 'carriage' '$T/err'"
printf 'ham\thello\rworld\nspam\tfree money now\n' >"$T/cr1.tsv"
expect_status 3 "a carriage return inside line 1 of an LF file, under --strict" "$N" eval --strict -m "$T/m.nlp" "$T/cr1.tsv"
# lines ending in LF, then lines ending in CR alone: every one of those
# is one record, said even under -q, and --strict refuses them.
# Regression (fixed): only a first line that was all of the input was
# looked at: 11 records read as 2, the gate passed, nothing said
{ printf 'spam\tfree money win prize now\n'; for i in 1 2 3 4 5 6 7 8 9; do printf 'spam\tfree money win prize now\r'; done
	printf 'ham\tmeeting tomorrow about the report\r'; printf 'ham\tmeeting tomorrow about the report\n'; } >"$T/cr5.tsv"
expect_status 0 "eval -q of LF lines, then CR ones" "$N" eval -q -m "$T/m.nlp" "$T/cr5.tsv"
check "... says so, under -q" grep -q "warning: 1 record whose line holds a carriage return inside it .* (first at .*cr5.tsv:2)" "$T/err"
expect_status 3 "... --strict refuses them" "$N" eval -q --strict -m "$T/m.nlp" "$T/cr5.tsv"
check "... naming line 2" grep -q "cr5.tsv' line 2: a carriage return inside the line" "$T/err"
# a gate on them has no verdict: each CR inside a record may be a record
# left out.  Regression (fixed): the 11 records as 2, and the gate passed
expect_status 3 "... a gate on them has no verdict" "$N" eval -q -m "$T/m.nlp" --min-accuracy 0.5 "$T/cr5.tsv"
check "... saying why ($(tail -1 "$T/err" | cut -c1-160))" grep -q "the gates have no verdict: 10 carriage returns inside the records: some 10 of 12 records (83.3%) read as one with the line before" "$T/err"
# without a gate, the report says so, and not that the figures stand on
# "the rest" (nothing was left out: records were run together).
# Regression (fixed in review): it ended ": the figures stand on the rest"
"$N" eval -m "$T/m.nlp" "$T/cr5.tsv" >"$T/out" 2>&1
check "... no gate: the report warns, nothing 'on the rest' ($(grep 'more than the' "$T/out" | cut -c1-200))" sh -c "grep -q 'read as one with the line before, more than the 1% gates allow\$' '$T/out' && ! grep -q 'stand on the rest' '$T/out'"
# one CR inside one text of some hundreds: a text's own byte, decided
{ zcat "$DATA/spam.test.tsv.gz" | head -300; printf 'ham	see the note\rbelow\n'; } | tr -d '\r' >"$T/cr1of300.tsv"
printf 'ham\tone text with a \r inside\n' >>"$T/cr1of300.tsv"
expect_status 0 "one CR inside one text of 301: the gate decides" "$N" eval -q -m "$T/m.nlp" --min-accuracy 0.5 "$T/cr1of300.tsv"

# --- review of the above: what the first fixes missed --------------------------
# a label from 2^53 up in a line read with reals (it lost its last digits,
# a class of its own)
printf '{"id":12345678901234567890,"text":"free money now","label":9007199254740993}\n{"text":"hi","label":"ham"}\n{"text":"x","label":"spam"}\n' >"$T/lab53.jsonl"
expect_status 0 "a label of 2^53 + 1 in a line with an integer past 64 bits" "$N" train -o "$T/lab53.nlp" "$T/lab53.jsonl"
check "is malformed, not rounded into a class" grep -q "skipped 1 malformed record (first at .*lab53.jsonl:1: " "$T/err"
if command -v bzip2 >/dev/null; then
	# fewer zeros than libarchive reads ahead, and through a pipe in two writes
	{ cat "$T/a.bz2"; head -c 4 /dev/zero; } >"$T/z4.tsv.bz2"
	expect_status 0 "4 zeros after bzip2 data" "$N" eval -m "$T/m.nlp" "$T/z4.tsv.bz2"
	expect_status 0 "zeros after bzip2 data through a pipe, in two writes" sh -c "{ cat '$T/a.bz2'; head -c 5 /dev/zero; sleep 0.2; head -c 512 /dev/zero; } | '$N' eval -m '$T/m.nlp'"
fi

# --- options a campaign of odd values found wanting (2026-12-07) -------------
# SGD with lr x l2 above 1: the weights swung to inf, training said exit 0
# and wrote an artifact that predict then refused as "damaged or forged"
expect_status 2 "train --lr 5 --l2 0.5 (each step's decay 1 - lr x l2 below 0)" "$N" train -o "$T/div.nlp" --lr 5 --l2 0.5 "$T/small.tsv"
check "says why, and writes nothing" sh -c "grep -q 'product must be below 1' '$T/err' && test ! -e '$T/div.nlp'"
expect_status 0 "a product below 1 trains" "$N" train -q -o "$T/ok.nlp" --lr 1.9 --l2 0.5 "$T/small.tsv"
# drift thresholds of 0 called identical text drift
for opt in --effect --share-effect --drift-share; do
	expect_status 2 "drift $opt 0" "$N" drift --reference "$T/day.txt" "$opt" 0 "$T/day.txt"
	check "drift $opt 0: says a threshold of 0 calls identical text drift" grep -q -e "$opt takes a number above 0" "$T/err"
done
# --reference - with the current text on standard input too: the reference
# took all of it, and the error blamed an empty day
expect_status 2 "drift --reference - with the current text on stdin" sh -c "'$N' drift --reference - <'$T/day.txt'"
check "says both cannot be standard input" grep -q "cannot both be standard input" "$T/err"
expect_status 0 "--reference - with a named current file" sh -c "'$N' drift -q --reference - '$T/day.txt' <'$T/day.txt'"
# --html - and --prom - made a file named '-'
(cd "$T" && "$N" drift -m "$T/m.nlp" --html - "$T/day.txt" >/dev/null 2>"$T/err"; echo $? >"$T/rc")
check "drift --html - is a usage error" test "$(cat "$T/rc")" = 2
check "and makes no file named '-'" test ! -e "$T/-"
# --alpha below what the permutation test can reach: it said drift at a
# p-value of 1/21 under --alpha 0.01, and at --alpha 0 too
zcat "$DATA/debian.test.tsv.gz" | cut -f2 | head -200 >"$T/other.txt"
"$N" drift -q --json -m "$T/m.nlp" --alpha 0.01 "$T/other.txt" >"$T/a01.json"
check "--alpha 0.01 takes 99 permutations by default" grep -q '"permutations": 99' "$T/a01.json"
"$N" drift -q --json -m "$T/m.nlp" --alpha 0.01 --permutations 20 "$T/other.txt" >"$T/a20.json"
check "a number given is kept" grep -q '"permutations": 20' "$T/a20.json"
"$N" drift -q --json -m "$T/m.nlp" --alpha 0 "$T/other.txt" >"$T/a0.json"
check "--alpha 0: the permutation test says no drift either" sh -c "tr -d ' \n' <'$T/a0.json' | grep -q '\"domain\":{[^}]*\"drifted\":false'"
# registry alias --require with a bound no figure can cross: seen<=5 (5%
# meant) passed whatever the evaluation, macro_f1>=1.5 failed every one
"$N" --registry "$T/rq" registry push "$T/m.nlp" --name spam >/dev/null 2>&1
for req in 'seen<=5' 'macro_f1>=1.5' 'ece<-1' 'n>=-1'; do
	expect_status 2 "--require '$req'" "$N" --registry "$T/rq" registry alias spam 1 production --require "$req"
done
check "says what the share's range is" grep -q "requirement 'n>=-1': n is never below 0" "$T/err"
# the same input twice (train, eval, drift pool their records): eval scored
# its examples twice, drift doubled its sample, '-' '-' read stdin once
expect_status 2 "eval of one file given twice" "$N" eval -m "$T/m.nlp" "$T/test.tsv" "$T/test.tsv"
check "says so" grep -q "are the same file: its records would count twice" "$T/err"
ln -s "$T/test.tsv" "$T/test-link.tsv"
expect_status 2 "also by another path" "$N" eval -m "$T/m.nlp" "$T/test.tsv" "$T/test-link.tsv"
expect_status 2 "train on one file twice" "$N" train -o "$T/twice.nlp" "$T/small.tsv" "$T/small.tsv"
expect_status 2 "drift of one day twice" "$N" drift -m "$T/m.nlp" "$T/day.txt" "$T/day.txt"
expect_status 2 "eval - -" sh -c "'$N' eval -m '$T/m.nlp' - - <'$T/test.tsv'"
check "standard input is read once" grep -q "standard input ('-') is given 2 times" "$T/err"
expect_status 2 "eval FILE - <FILE: standard input is that file" sh -c "'$N' eval -m '$T/m.nlp' '$T/test.tsv' - <'$T/test.tsv'"
check "... says so" grep -q "'$T/test.tsv' and stdin are the same file" "$T/err"
expect_status 2 "train - FILE <FILE" sh -c "'$N' train -o '$T/twice.nlp' - '$T/small.tsv' <'$T/small.tsv'"
expect_status 0 "eval FILE - fed by a pipe: not a file to compare" sh -c "cat '$T/test.tsv' | '$N' eval -q -m '$T/m.nlp' '$T/small.tsv' -"
expect_status 0 "predict reads a file twice, as cat would" "$N" predict -q -m "$T/m.nlp" "$T/day.txt" "$T/day.txt"
check "(its lines twice)" test "$(wc -l <"$T/out")" -eq 600
# sizes and durations read as strtod/strtoll read them: --max-body 0x20
# was 32 bytes, 1e3 a thousand, 1.9 one byte; --grace ' 1h', +1h and -0
for v in 0x20 1e3 1.9 +1 ' 1' 1.5.5M; do
	expect_status 2 "--cache-max '$v'" "$N" --cache-max "$v" --registry "$T/rq" registry list
done
expect_status 0 "--cache-max 1.5M" "$N" --cache-max 1.5M --registry "$T/rq" registry list
for g in ' 1h' +1h -0 1x; do
	expect_status 2 "registry gc --grace '$g'" "$N" --registry "$T/rq" registry gc --dry-run --grace "$g"
done
expect_status 0 "registry gc --grace 90s" "$N" --registry "$T/rq" registry gc --dry-run --grace 90s
# an empty file name (a variable unset in a script) was "cannot open ''",
# exit 4, as if the disk had failed
expect_status 2 "train -o ''" "$N" train -o '' "$T/small.tsv"
check "names the option" grep -q -e "-o takes a file name, not an empty one" "$T/err"
expect_status 2 "drift --prom ''" "$N" drift -m "$T/m.nlp" --prom '' "$T/day.txt"
expect_status 2 "eval of ''" "$N" eval -m "$T/m.nlp" ''
expect_status 2 "predict of ''" "$N" predict -m "$T/m.nlp" ''
# an output onto a key file: train --sign k -o k.pub (for k.nlp) replaced
# the public key with an artifact
"$N" key generate -o "$T/k" >/dev/null 2>&1
expect_status 2 "train --sign k -o k.pub" "$N" train --sign "$T/k" -o "$T/k.pub" "$T/small.tsv"
check "says it holds a key, and leaves it" sh -c "grep -q 'holds a key, which it would overwrite' '$T/err' && head -1 '$T/k.pub' | grep -q 'BEGIN PUBLIC KEY'"
# train --valid with --holdout: --holdout was ignored without a word
expect_status 2 "train --valid with --holdout" "$N" train -o "$T/vh.nlp" --valid "$T/test.tsv" --holdout 0.2 "$T/small.tsv"
check "says they exclude each other" grep -q -e "--holdout and --valid exclude each other" "$T/err"
# and with --no-refit, ignored as well (no refit with --valid)
expect_status 2 "train --valid with --no-refit" "$N" train -o "$T/vh.nlp" --valid "$T/test.tsv" --no-refit "$T/small.tsv"
check "says they exclude each other" grep -q -e "--no-refit and --valid exclude each other" "$T/err"
check "... and writes nothing" test ! -e "$T/vh.nlp"

# --- drift and eval outputs at the edges (a campaign of 2026-12-07) ---------
# a change printed as the threshold, judged as doubles hold it: 0.30 - 0.25
# is 0.04999999999999999 (not drift at --share-effect 0.05), 1 - 0.95 is
# 0.050000000000000044 (drift at --max-accuracy-drop 0.05)
/usr/bin/python3 -c "
r = ['' if i % 4 == 3 else 'some text %d here' % i for i in range(1200)]
c = ['' if i % 10 < 3 else 'some text %d here' % i for i in range(1100)]
open('$T/ref25.txt', 'w').write('\n'.join(r) + '\n')
open('$T/cur30.txt', 'w').write('\n'.join(c) + '\n')"
"$N" drift --reference "$T/ref25.txt" "$T/cur30.txt" >"$T/out" 2>"$T/err"
check "an empty share from 0.25 to 0.30 is a change of 0.05: drifted at 0.05" grep -q '^empty_share .* 0\.0500 .* yes ' "$T/out"
# a model whose held-out accuracy is 1 (two classes no text confuses), and
# 20 texts of which it gets 19 right: a drop of 0.05
awk 'BEGIN { for (i = 0; i < 1200; i++) print (i % 2 ? "a\talpha apple anchor " : "b\tbeta banana bridge ") i }' >"$T/ab.tsv"
"$N" train -o "$T/ab.nlp" "$T/ab.tsv" 2>"$T/tr.err"
check "(the model's held-out accuracy is 1)" grep -q 'held-out accuracy 1.0000' "$T/tr.err"
{ head -19 "$T/ab.tsv"; printf 'a\tbeta banana bridge\n'; } >"$T/acc20.tsv"
"$N" eval -q --json -m "$T/ab.nlp" "$T/acc20.tsv" >"$T/acc.json" 2>/dev/null
check "(it gets 19 of the 20 right)" grep -q '"accuracy": 0.95,' "$T/acc.json"
expect_status 0 "a drop of exactly --max-accuracy-drop" "$N" drift -m "$T/ab.nlp" "$T/acc20.tsv"
check "is not drift (past the bound, as the man page says)" grep -q '^accuracy .* 0\.0500 .* no ' "$T/out"
# gold labels none of the model's: the accuracy signal was left out
# without a word (exit 0); then with a warning; now refused as eval
# refuses such data, naming the label
awk -F'\t' '{ print "mystery\t" $2 }' "$T/test.tsv" >"$T/mystery.tsv"
expect_status 3 "gold labels none of which the model knows" "$N" drift -q -m "$T/m.nlp" "$T/mystery.tsv"
check "... is data for another model, said with the label" grep -q "have gold labels the model never learned ('mystery'): is this data for another model?" "$T/err"
# a model path that is not UTF-8: --prom wrote raw bytes (promtool refuses
# the file), eval --json left out "ref"
bad=$(printf 'sp\377am.nlp')
cp "$T/m.nlp" "$T/$bad"
"$N" drift -q -m "$T/$bad" --prom "$T/u.prom" "$T/day.txt"
check "--prom: the label value is UTF-8, escaped" grep -q -F 'sp\\xffam.nlp"' "$T/u.prom"
check "(no raw byte in it)" sh -c "! grep -q \"\$(printf '\\377')\" '$T/u.prom'"
"$N" eval -q --json -m "$T/$bad" "$T/test.tsv" >"$T/u.json" 2>/dev/null
check "eval --json keeps \"ref\"" grep -q '"ref": ".*sp\\\\xffam.nlp"' "$T/u.json"
# multi-label "samples avg": its support was the examples' number, where
# scikit-learn's report (and every other average row here) has the gold
# labels'
zcat "$DATA/debtags.train.tsv.gz" | head -1500 >"$T/ml.tsv"
zcat "$DATA/debtags.test.tsv.gz" | head -300 >"$T/mltest.tsv"
"$N" train -q --multilabel -o "$T/ml.nlp" "$T/ml.tsv"
"$N" eval -q --json -m "$T/ml.nlp" "$T/mltest.tsv" 2>/dev/null | tr -d ' \n' >"$T/ml.json"
micro=$(grep -o '"micro_avg":{[^}]*}' "$T/ml.json" | grep -o '"support":[0-9]*')
samples=$(grep -o '"samples_avg":{[^}]*}' "$T/ml.json" | grep -o '"support":[0-9]*')
check "samples avg's support is the gold labels' ($samples, micro $micro)" test -n "$micro" -a "$micro" = "$samples"
check "(more than the 300 examples)" test "${samples#\"support\":}" -gt 300

# a malformed record's reason cut to fit the summary is cut on a
# character: the summary stays UTF-8, and eval --json keeps it.
# Regression (fixed): cut inside an 'é', stderr got half a character and
# --json lost its "skipped"
F="a$(printf 'é%.0s' $(seq 60))"
printf '{"label":"ham","%s":"hello there"}\n{"label":"spam","x":"y"}\n' "$F" >"$T/fj.jsonl"
"$N" eval --json -m "$T/m.nlp" --text-field "$F" "$T/fj.jsonl" >"$T/fj.json" 2>"$T/fj.err"
check "a long reason cut on a character: eval --json keeps \"skipped\"" /usr/bin/python3 -c 'import json,sys; assert "skipped" in json.load(open(sys.argv[1]))' "$T/fj.json"
check "... and stderr is UTF-8" /usr/bin/python3 -c 'import sys; open(sys.argv[1], "rb").read().decode("utf-8")' "$T/fj.err"

# a label of 1.5 MB (a line's text in the label's column): an error naming
# the line, as a control character in one is.  Regression (fixed): no
# record cut, no --strict error, a class of that name
/usr/bin/python3 -c "import sys; sys.stdout.write('a' * 1500000 + '\\thello\\nb\\tbye\\n')" >"$T/longlabel.tsv"
expect_status 3 "train on a label of 1.5 MB" "$N" train -q -o "$T/ll.nlp" "$T/longlabel.tsv"
check "... says which line and why" grep -q "longlabel.tsv' line 1: label longer than the maximum record size" "$T/err"
check "... and writes nothing" test ! -e "$T/ll.nlp"

# --- a TSV exported by pandas, its row index first ---------------------------
# (2026-12-07, a campaign with other data) pandas' to_csv(sep='\t') writes
# the row index first under an empty name: '<TAB>label<TAB>text'.
# Regression (fixed): the index was read as the label, one class per row,
# a model of nothing, exit 0
{ printf '\tlabel\ttext\n'; awk -F'\t' '{ print NR - 1 "\t" $0 }' "$T/small.tsv"; } >"$T/pandas.tsv"
expect_status 0 "train on a pandas TSV with its index column" "$N" train -o "$T/pd.nlp" "$T/pandas.tsv"
check "... 2 classes, its header skipped ($(cat "$T/err"))" sh -c "grep -q 'skipped 1 header line (first at $T/pandas.tsv:1)' '$T/err' && grep -q '600 examples, 2 classes' '$T/err'"
"$N" train -q -o "$T/plain.nlp" "$T/small.tsv"
"$N" predict -q -m "$T/pd.nlp" "$T/day.txt" >"$T/pd.day"
"$N" predict -q -m "$T/plain.nlp" "$T/day.txt" >"$T/plain.day"
check "... the same scores as the model from label<TAB>text" cmp -s "$T/pd.day" "$T/plain.day"
"$N" predict -q -m "$T/m.nlp" "$T/pandas.tsv" | tail -n +2 >"$T/pd.pred"
cut -f2- "$T/small.tsv" | "$N" predict -q -m "$T/m.nlp" >"$T/plain.pred"
check "predict on it scores the text column" cmp -s "$T/pd.pred" "$T/plain.pred"
# its profile (predict --profile-out) as the plain file's: the gold labels
# from the header's label column, the header not a text.  Regression
# (fixed): no gold labels, and one record more
"$N" predict -q -m "$T/m.nlp" --profile-out "$T/pd.prof" "$T/pandas.tsv" >/dev/null
"$N" predict -q -m "$T/m.nlp" --profile-out "$T/plain.prof" "$T/small.tsv" >/dev/null
"$N" drift --json -m "$T/m.nlp" --profiles "$T/pd.prof" 2>/dev/null | grep -v '"seconds"\|timing' >"$T/pd.drift"
"$N" drift --json -m "$T/m.nlp" --profiles "$T/plain.prof" 2>/dev/null | grep -v '"seconds"\|timing' >"$T/plain.drift"
check "--profile-out of the pandas TSV: the plain file's drift report" cmp -s "$T/pd.drift" "$T/plain.drift"
# label<TAB>text<TAB>source: the text its column alone.  Regression
# (fixed): the header was an example of a class 'label'
{ printf 'label\ttext\tsource\n'; awk -F'\t' '{ print $0 "\tweb" }' "$T/small.tsv"; } >"$T/withsource.tsv"
expect_status 0 "eval on label<TAB>text<TAB>source with its header" "$N" eval -q --json -m "$T/m.nlp" "$T/withsource.tsv"
check "... 600 examples, no class 'label'" sh -c "grep -q '\"n\": 600' '$T/out' && ! grep -q '\"label\": {' '$T/out'"
# a first example that only looks like names, with more columns after:
# an example, and every text after it whole.  Regression (fixed, in the
# same day's change): read as a header, every text cut to one column
{ printf 'y\tinput\tz\n'; awk -F'\t' '{ print $1 "\tfw:\t" $2 }' "$T/small.tsv"; } >"$T/ylike.tsv"
"$N" predict -q -m "$T/m.nlp" "$T/ylike.tsv" | tail -n +2 >"$T/ylike.pred"
tail -n +2 "$T/ylike.tsv" >"$T/ylike-rest.tsv"
"$N" predict -q -m "$T/m.nlp" "$T/ylike-rest.tsv" >"$T/ylike.want"
check "'y<TAB>input<TAB>z' first: the texts after it scored whole" cmp -s "$T/ylike.pred" "$T/ylike.want"
# the text first, another column after
{ printf 'text\tlabel\tsource\n'; awk -F'\t' '{ print $2 "\t" $1 "\tweb" }' "$T/small.tsv"; } >"$T/textfirst.tsv"
expect_status 0 "eval on a TSV whose header puts the text first" "$N" eval -q --json -m "$T/m.nlp" "$T/textfirst.tsv"
check "... reads its 600 labeled examples" sh -c "grep -q '\"n\": 600' '$T/out'"
# an index read as the label all the same (columns given): said, even
# with -q, and kept in the artifact (a few-shot task of one example a
# class is one too: not refused)
expect_status 0 "train with a label of its own for every example" "$N" train -q -o "$T/ids.nlp" --label-column 1 --text-column 3 "$T/pandas.tsv"
check "... says so ($(cat "$T/err"))" grep -q "warning: each of the 600 examples has a label of its own: no class has two examples to learn from (is the label a row number or an id?" "$T/err"
check "... in the artifact too" sh -c "tar -xOf '$T/ids.nlp' meta.json | grep -q 'has a label of its own'"
# balanced class weights on shuffled labels: still a model of nothing,
# said (the majority-class rule is not theirs: by the mean recall)
zcat "$DATA/spam.train.tsv.gz" | awk -F'\t' '{ print (NR % 3 == 0 ? "spam" : "ham") "\t" $2 }' >"$T/shuf.tsv"
"$N" train -q --class-weight balanced -o "$T/shuf.nlp" "$T/shuf.tsv" 2>"$T/shuf.err"
check "balanced weights on shuffled labels: warned ($(cat "$T/shuf.err"))" grep -q "warning: held-out balanced accuracy .* is near chance" "$T/shuf.err"

# --- labels that look the same -----------------------------------------------
# a no-break space or a zero-width space at a label's end (a spreadsheet
# export, a copy from a web page).  Regression (fixed): four classes,
# two pairs that print alike
printf 'spam\302\240\tfree money now\nham\342\200\213\thello my friend\nspam\tfree cash prize\nham\thi there friend\n\357\273\277\343\200\200ham\thi again\n' >"$T/ws.tsv"
expect_status 0 "train on labels ending in a no-break or zero-width space" "$N" train -o "$T/ws.nlp" "$T/ws.tsv"
check "... two classes ($(cat "$T/err"))" grep -q '5 examples, 2 classes' "$T/err"
printf '__label__spam\302\255 free money\n__label__spam free cash\n__label__ham meeting notes\n__label__ham\341\240\216 lunch\n' >"$T/shy.ft"
expect_status 0 "labels ending in a soft hyphen or U+180E" "$N" train -o "$T/shy.nlp" "$T/shy.ft"
check "... two classes ($(cat "$T/err"))" grep -q '4 examples, 2 classes' "$T/err"
# a header whose last name is empty (each line ends in a TAB): predict
# scores the text column.  Regression (fixed): the empty last column, no
# line scored, exit 0
printf 'label\ttext\t\nspam\tfree money now win prize\t\nham\tmeeting notes for tomorrow\t\n' >"$T/trailtab.tsv"
"$N" predict -q -m "$T/m.nlp" "$T/trailtab.tsv" >"$T/trailtab.out"
check "a header ending in a TAB: predict scores the texts ($(tr '\n' '|' <"$T/trailtab.out"))" sh -c "[ \$(cut -f1 '$T/trailtab.out' | grep -c .) -eq 3 ]"

# --- a temperature fitted on one held-out example ----------------------------
# (the campaign with other data) --holdout 0.0001 held out one example,
# classified right, and the temperature fitted on it (100) made every
# probability near 0 or 1: a log loss of 0.49 on the test split against
# 0.02.  Fewer than 100 held out: fitted on the training data, as with none
"$N" train -q --holdout 0.0001 -o "$T/h1.nlp" "$DATA/spam.train.tsv.gz"
"$N" eval -q --json -m "$T/h1.nlp" "$DATA/spam.test.tsv.gz" >"$T/h1.json"
check "one held-out example: the probabilities still calibrated ($(grep -E '"(log_loss|ece)"' "$T/h1.json" | tr -d ' \n'))" /usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if d["log_loss"] < 0.1 and d["ece"] < 0.05 else 1)' "$T/h1.json"


# --- a JSONL label -0.0 -------------------------------------------------------
# the number as a label reads as 0 does (10.0 as 10).  Regression (fixed):
# a class '-0' beside '0'
printf '{"text":"free money","label":-0.0}\n{"text":"free cash","label":0}\n{"text":"meeting notes","label":1}\n{"text":"lunch notes","label":1.0}\n' >"$T/negzero.jsonl"
expect_status 0 "labels -0.0 and 0 in JSONL" "$N" train -o "$T/negzero.nlp" "$T/negzero.jsonl"
check "... one class ($(cat "$T/err"))" grep -q '4 examples, 2 classes' "$T/err"
