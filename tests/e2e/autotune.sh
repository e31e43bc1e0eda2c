# autotune.sh - `nlpops train --autotune`: a trial line per trial, the
# options given pinned, the best model kept byte for byte as `train`
# writes it with the best trial's options, the same trials and model at
# any thread count, the best at least as good as the options given, and
# the refusals (no validation data, stdin, --trials alone).  Under the
# sanitizers: one small search and its reproduction.
. "$TOP/tests/e2e/lib.sh"

N=$NLPOPS
case $N in */obj-san/nlpops) san=1 ;; *) san=0 ;; esac
cd "$T" || exit 4
zcat "$DATA/spam.train.tsv.gz" >train.tsv

# a search: 4 trials (2 under the sanitizers), 3 epochs pinned
trials=4 ep=3 pin="--epochs 3"
[ $san -eq 1 ] && trials=2 ep=2 pin="--epochs 2 --bits 16"
# shellcheck disable=SC2086
expect_status 0 "train --autotune --trials $trials" \
    "$N" train --autotune --trials $trials $pin -o at.nlp train.tsv
cp "$T/err" at.err
check "one line per trial ($(grep -c ': trial ' at.err))" \
    test "$(grep -c "^nlpops train: trial [0-9]*/$trials: " at.err)" -eq $trials
check "the options given are in every trial" \
    test "$(grep '^nlpops train: trial ' at.err | grep -c -- "--epochs $ep ")" -eq $trials
check "each trial has its held-out figures and time" \
    test "$(grep -Ec ': macro-F1 [01]\.[0-9]{4}, accuracy [01]\.[0-9]{4} \([0-9.]+ s\)( best)?$' at.err)" -eq $trials
check "trial 1 is the options given" \
    grep -q "^nlpops train: trial 1/$trials: --lr 2 --epochs $ep --ngrams 2[ :]" at.err
best=$(sed -n 's/^nlpops train: autotune: trial \([0-9]*\) of [0-9]* is the best: .*/\1/p' at.err)
flags=$(sed -n 's/^nlpops train: autotune: trial [0-9]* of [0-9]* is the best: //p' at.err)
check "the best trial is named ($best: $flags)" test -n "$best" -a -n "$flags"
check "its line says best" grep -q "^nlpops train: trial $best/$trials: $flags: .* best$" at.err
check "the summary line follows" grep -q '^nlpops train: 1800 examples, 2 classes, .*, then trained on them too, .* -> at.nlp$' at.err
# shellcheck disable=SC2086
"$N" train -q $flags -o re.nlp train.tsv
check "the model is byte for byte train's with the best trial's options" cmp -s at.nlp re.nlp

# the SVM (the default solver): its cost is searched, SGD's options never
strials=3 spin="--ngrams 1"
[ $san -eq 1 ] && strials=2 spin="--ngrams 1 --bits 16"
# shellcheck disable=SC2086
expect_status 0 "train --autotune with the SVM" \
    "$N" train --autotune --trials $strials $spin -o svm.nlp train.tsv
cp "$T/err" svm.err
check "svm: trial 1 is the options given, cost 2" \
    grep -q "^nlpops train: trial 1/$strials: --cost 2 --ngrams 1[ :]" svm.err
check "svm: every trial searches the cost, none SGD's options" \
    test "$(grep '^nlpops train: trial ' svm.err | grep -- '--cost ' | grep -vc -- '--lr\|--epochs\|--l2')" -eq $strials
flags=$(sed -n 's/^nlpops train: autotune: trial [0-9]* of [0-9]* is the best: //p' svm.err)
# shellcheck disable=SC2086
"$N" train -q $flags -o svmre.nlp train.tsv
check "svm: the model is train's with the best trial's options ($flags)" cmp -s svm.nlp svmre.nlp

if [ $san -eq 0 ]; then
	f1() { sed -n "s/^nlpops train: trial $1\/[0-9]*: .*: macro-F1 \([0-9.]*\), .*/\1/p" at.err; }
	check "the best scores at least the options given ($(f1 "$best") >= $(f1 1))" \
	    awk -v a="$(f1 "$best")" -v b="$(f1 1)" 'BEGIN { exit !(a + 0 >= b + 0) }'
	# shellcheck disable=SC2086
	"$N" train --autotune --trials $trials $pin --threads 1 -o at1.nlp \
	    train.tsv 2>at1.err
	check "one thread: the same model" cmp -s at.nlp at1.nlp
	sed 's/ ([0-9.]* s)/ (T)/; s/, [0-9.]* s -> / -> /' at.err >a.norm
	sed 's/ ([0-9.]* s)/ (T)/; s/, [0-9.]* s -> / -> /; s/at1\.nlp/at.nlp/' at1.err >b.norm
	check "one thread: the same trials, in the same order" cmp -s a.norm b.norm
	zcat "$DATA/spam.test.tsv.gz" >valid.tsv
	expect_status 0 "--valid FILE is the validation data" \
	    "$N" train --autotune --trials 2 --epochs 2 --valid valid.tsv -o v.nlp train.tsv
	check "--valid: 2 trials" test "$(grep -c '^nlpops train: trial [12]/2: ' "$T/err")" -eq 2
	expect_status 0 "-q: nothing on stderr" \
	    "$N" train -q --autotune --trials 2 --epochs 1 -o q.nlp train.tsv
	check "-q prints nothing" test ! -s "$T/err"
fi

# the refusals: nothing written
head -n 300 train.tsv >small.tsv
expect_status 3 "no validation data (300 examples, no --valid)" \
    "$N" train --autotune --trials 2 --epochs 1 -o no.nlp small.tsv
check "no validation data: said in one line" sh -c \
    "[ \$(wc -l <'$T/err') -eq 1 ] && grep -q 'autotune needs validation data' '$T/err'"
check "no validation data: no artifact" test ! -e no.nlp
expect_status 2 "--autotune on stdin" sh -c "'$N' train --autotune -o no.nlp <train.tsv"
check "stdin: says why" grep -q 'give it as files, not on stdin' "$T/err"
expect_status 2 "--autotune with '-'" "$N" train --autotune -o no.nlp train.tsv -
# Regression (fixed): a pipe by another name was read by the first trial
# alone, the others trained on nothing, and the first was kept (exit 0)
expect_status 2 "--autotune on /dev/stdin, a pipe" sh -c "cat train.tsv | '$N' train --autotune --trials 3 -o no.nlp /dev/stdin"
check "a pipe: says why" grep -q "'/dev/stdin' is not a regular file" "$T/err"
mkfifo valid.fifo
expect_status 2 "--autotune --valid FIFO" "$N" train --autotune --trials 3 --valid valid.fifo -o no.nlp train.tsv
expect_status 2 "--trials without --autotune" "$N" train --trials 3 -o no.nlp train.tsv
expect_status 2 "--trials 0" "$N" train --autotune --trials 0 -o no.nlp train.tsv
expect_status 2 "--trials 1001" "$N" train --autotune --trials 1001 -o no.nlp train.tsv
check "no artifact from any refusal" test ! -e no.nlp
expect_status 2 "--cv without --autotune" "$N" train --cv 3 -o no.nlp train.tsv
expect_status 2 "--cv with --valid" "$N" train --autotune --cv 3 --valid train.tsv -o no.nlp train.tsv
expect_status 2 "--cv 1" "$N" train --autotune --cv 1 -o no.nlp train.tsv
expect_status 2 "--autotune --holdout 0, no --valid nor --cv: nothing to choose by" "$N" train --autotune --holdout 0 -o no.nlp train.tsv
expect_status 2 "--no-refit --holdout 0: no refit to leave out" "$N" train --no-refit --holdout 0 -o no.nlp train.tsv
# the options given leave 6 points (the costs): 8 trials asked, 6 run,
# each other.  Regression (fixed): trials repeated the same options
head -n 1200 train.tsv >mid.tsv
expect_status 0 "--autotune on a grid of 6 points, 8 trials asked" "$N" train --autotune --trials 8 --ngrams 1 --char-ngrams none --bits 16 --min-df 1 -o six.nlp mid.tsv
check "... six trials, no two alike" sh -c "[ \$(grep '^nlpops train: trial ' '$T/err' | sed 's/^nlpops train: trial [0-9]*\/8: //; s/: macro.*//' | sort -u | wc -l) -eq 6 ] && [ \$(grep -c '^nlpops train: trial ' '$T/err') -eq 6 ]"
check "... saying why it stopped" grep -q "autotune: stopped after 6 trials: the options given leave no other point of the grid to try" "$T/err"
check "... the default cost 2 among them, no trial 'cost 1' taken for it" sh -c "grep -q 'trial 1/8: --cost 2 ' '$T/err' && grep -q 'trial [0-9]/8: --cost 1 ' '$T/err'"
# a first trial whose options leave no feature (every word once): the
# search goes on to options that make some.  Regression (fixed): exit 3
awk '{ printf "%s\tw%d v%d\n", NR % 2 ? "a" : "b", NR, NR }' mid.tsv >unique.tsv
expect_status 0 "--autotune whose first trial has no feature" "$N" train --autotune --trials 8 --seed 3 -o rare.nlp unique.tsv
check "... trial 1 says why it made no model" grep -q "^nlpops train: trial 1/8: .*no model: no usable examples: no feature occurs" "$T/err"
check "... a later one made the model kept" grep -q "^nlpops train: autotune: trial [2-8] of 8 is the best" "$T/err"
# data no option mends (one label): three trials, then the reason
awk -F '\t' '{ print "a\t" $2 }' mid.tsv >onelabel.tsv
expect_status 3 "--autotune on data of one label" "$N" train --autotune --trials 8 -o one.nlp onelabel.tsv
check "... three trials tried, then the reason ($(tail -1 "$T/err"))" sh -c "[ \$(grep -c '^nlpops train: trial ' '$T/err') -eq 3 ] && tail -1 '$T/err' | grep -q \"^nlpops train: only one label ('a')\""
expect_status 0 "--char-ngrams none, fixed under --autotune" "$N" train -q --autotune --trials 3 --char-ngrams none -o none.nlp train.tsv
check "... no trial has char n-grams" sh -c "! grep -q 'trial .*--char-ngrams [0-9]' '$T/err'"
expect_status 0 "a --holdout too small for one example holds one out" "$N" train --holdout 0.0001 -o tiny.nlp train.tsv
check "... and says so (1 example)" grep -q "held-out accuracy [01]\.[0-9]* macro-F1 [01]\.[0-9]* (1 example)," "$T/err"
expect_status 0 "--l2 1e-320 (an underflow) is a number in range" "$N" train -q --solver sgd --epochs 1 --l2 1e-320 -o l2.nlp train.tsv
expect_status 2 "--cv 21" "$N" train --autotune --cv 21 -o no.nlp train.tsv
check "no artifact from a --cv refusal" test ! -e no.nlp

# --valid whose labels the training data has not (issue: they were left
# out without a word, and an empty --valid trained without held-out
# figures): all of them, or none at all, is an error; some, a warning
head -n 60 train.tsv | sed 's/^[^	]*	/eggs	/' >vunk.tsv
expect_status 3 "--valid with no known label" "$N" train -q --epochs 1 --valid vunk.tsv -o no.nlp small.tsv
check "... says so" grep -q "valid 'vunk.tsv': no example to validate on: all its records have labels the training data has not" "$T/err"
: >vnone.tsv
expect_status 3 "an empty --valid" "$N" train -q --epochs 1 --valid vnone.tsv -o no.nlp small.tsv
expect_status 3 "--autotune --valid with no known label: the same" "$N" train -q --autotune --trials 2 --epochs 1 --valid vunk.tsv -o no.nlp small.tsv
check "no artifact from them" test ! -e no.nlp
{ head -n 10 vunk.tsv; sed -n 301,340p train.tsv; } >vmix.tsv
expect_status 0 "--valid with some unknown labels" "$N" train -q --epochs 1 --valid vmix.tsv -o mix.nlp small.tsv
check "... warns of them, even with -q" grep -q "warning: 10 of 50 --valid records left out: their labels are not in the training data" "$T/err"

# --cv K: data too small for a held-out slice (300 examples) is
# cross-validated; each trial's figures are the means of K folds, and the
# model kept is train's with the best trial's options
expect_status 0 "--cv 3 on 300 examples" \
    "$N" train --autotune --trials 2 --cv 3 --epochs 2 --bits 16 -o cv.nlp small.tsv
cp "$T/err" cv.err
check "--cv: a cross-validated line per trial" \
    test "$(grep -Ec '^nlpops train: trial [12]/2: .*: cross-validated macro-F1 [01]\.[0-9]{4}, accuracy [01]\.[0-9]{4} ' cv.err)" -eq 2
flags=$(sed -n 's/^nlpops train: autotune: trial [0-9]* of [0-9]* is the best: //p' cv.err)
# shellcheck disable=SC2086
"$N" train -q $flags -o cvre.nlp small.tsv
check "--cv: the model is train's with the best options ($flags)" cmp -s cv.nlp cvre.nlp
# --cv's folds are stratified: each of 2 folds holds two of each small
# class's four examples, so that every fold's model has seen every class,
# and on data a class's own word separates the char n-gram trial
# scores every example right (dealt at random, a fold held a small
# class's three or four examples, and macro-F1 came out 0.85)
awk 'BEGIN { split("alpha beta gamma delta eps zeta eta theta iota kappa", w, " "); s = 7
	for (c = 1; c <= 8; c++) for (j = 0; j < (c <= 2 ? 100 : 4); j++) {
		t = "tokc" c
		for (k = 0; k < 4; k++) { s = (s * 1103515245 + 12345) % 2147483648; t = t " " w[int(s / 65536) % 10 + 1] }
		print "c" c "\t" t } }' >strat.tsv
expect_status 0 "--cv 2 on 6 classes of 4 examples and 2 of 100" \
    "$N" train --autotune --trials 2 --cv 2 -o strat.nlp strat.tsv
check "--cv: stratified folds, every small class in every fold's training part (macro-F1 1.0000)" \
    grep -q '^nlpops train: trial 2/2: .*--char-ngrams 2-4: cross-validated macro-F1 1\.0000, accuracy 1\.0000 ' "$T/err"
"$N" train --help >help.txt
check "--help: --cv's kept model is trained with the held-out slice, not on all the data" \
    sh -c '! grep -q "on all the data" help.txt && grep -q "usual held-out" help.txt'
