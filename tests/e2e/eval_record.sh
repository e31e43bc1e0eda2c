# eval_record.sh - `eval --record` stores metrics on a registry version;
# `registry alias --require` promotes only on recorded evidence.
. "$TOP/tests/e2e/lib.sh"

N=$NLPOPS
R="--registry $T/reg"
TEST=$DATA/spam.test.tsv.gz
"$N" $R train -q --push spam -o "$T/m.nlp" "$DATA/spam.train.tsv.gz" >/dev/null

expect_status 1 "--require with nothing recorded refuses" "$N" $R registry alias spam 1 production --require 'macro_f1>=0.9'
check "the refusal says nothing was recorded" grep -q 'has no recorded evaluation' "$T/err"
expect_status 5 "and the alias was not set" "$N" $R registry show spam@production
expect_status 2 "--record needs a registry reference" "$N" $R eval --record -m "$T/m.nlp" "$TEST"
# Regression (fixed): a report that could not be written (exit 4) was
# recorded all the same, for a later --require to promote on
if [ -w /dev/full ]; then
	expect_status 4 "eval --record with a full standard output" sh -c "'$N' $R eval --record -m spam@1 '$TEST' >/dev/full"
	check "... records nothing" grep -q 'nothing was recorded' "$T/err"
	expect_status 1 "... so --require still finds nothing" "$N" $R registry alias spam 1 production --require 'macro_f1>=0.9'
fi
expect_status 0 "eval --record" "$N" $R eval --record -m spam@1 "$TEST"
check "eval says where it recorded" grep -q 'recorded on spam@1' "$T/err"
expect_status 0 "show lists the evaluation" "$N" $R registry show spam@1
check "the evaluation names the data's sha256" grep -q "data $(sha256sum "$TEST" | cut -c1-12)" "$T/out"
expect_status 0 "show --json has the metrics" "$N" $R registry show --json spam@1
check "--json evaluations carry macro_f1" grep -q '"macro_f1"' "$T/out"
expect_status 1 "a requirement that fails" "$N" $R registry alias spam 1 production --require 'macro_f1>=0.999'
check "the failure names the requirement, the value and the evaluation" grep -q "requirement 'macro_f1>=0.999' failed: macro_f1 is 0\.9[0-9]* (0\.0[0-9]* short) on evaluation #1 of spam@1" "$T/err"
expect_status 5 "a failed requirement changes nothing" "$N" $R registry show spam@production
expect_status 0 "requirements that hold" "$N" $R registry alias spam 1 production --require 'macro_f1>=0.9' --require 'f1:spam>0.9' --require 'log_loss<1'
check "the alias moved" grep -qx 'production: (none) -> spam@1' "$T/out"
# f1:LABEL of a label that holds '=', '<' or '>': the operator is the
# last one.  Regression (fixed): 'f1:a>=b>=0.9' was not METRIC OP NUMBER
# (exit 2), where --min-class-f1 'a>=b=0.9' works
expect_status 2 "f1:LABEL with '>=' in the label: read, a label the evaluation has not" "$N" $R registry alias spam 1 staging --require 'f1:a>=b>=0.9'
check "... named as the label, not a malformed requirement" sh -c "! grep -q 'is not METRIC OP NUMBER' '$T/err' && grep -q 'a>=b' '$T/err'"
# a label no class of the evaluation (a typo in the gate): a usage error
# with the classes, not a gate that said no (status 1)
expect_status 2 "f1: of a label the evaluation has not" "$N" $R registry alias spam 1 staging --require 'f1:spma>=0.9'
check "... names its classes" grep -q "requirement 'f1:spma>=0.9': spam@1 has no class 'spma' (its classes: ham, spam)" "$T/err"
# a class of the model's that the evaluation's data lacks and it never
# predicted: a gate not met (status 1), not a typo.  Regression (fixed):
# taken for a typo (status 2) as the evaluation's classes were the list
{ zcat "$DATA/spam.train.tsv.gz"; for i in $(seq 40); do printf 'urgent\tqqzx%d fire alarm qqzx now\n' "$i"; done; } >"$T/three.tsv"
"$N" $R train -q --push three -o "$T/three.nlp" "$T/three.tsv" >/dev/null
"$N" $R eval -q --record -m three@1 "$TEST" >/dev/null 2>&1
expect_status 1 "f1: of a class the evaluation's data lacks" "$N" $R registry alias three 1 production --require 'f1:urgent>=0.8'
check "... says so ($(cat "$T/err"))" grep -q "requirement 'f1:urgent>=0.8' failed: evaluation #[0-9]* of three@1 (.*) has no f1:urgent: the class is neither in its data nor predicted; nothing changed" "$T/err"
expect_status 2 "... and a typo of it still a usage error, with the model's classes" "$N" $R registry alias three 1 production --require 'f1:urgnet>=0.8'
check "... naming them ($(cat "$T/err"))" grep -q "requirement 'f1:urgnet>=0.8': three@1 has no class 'urgnet' (its classes: ham, spam, urgent)" "$T/err"
# as eval's gates: within 1e-9 of the bound is equal to it
mf=$("$N" $R registry show --json spam@1 | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["evaluations"][0]["metrics"]["macro_f1"])')
near=$(awk -v m="$mf" 'BEGIN { printf "%.10f", m + 5e-10 }')
far=$(awk -v m="$mf" 'BEGIN { printf "%.10f", m + 3e-9 }')
expect_status 0 "a requirement within 1e-9 of the figure holds (macro_f1 $mf >= $near)" "$N" $R registry alias spam 1 staging --require "macro_f1>=$near"
expect_status 1 "... one 3e-9 past it does not (>= $far)" "$N" $R registry alias spam 1 staging --require "macro_f1>=$far"
# the failure prints digits enough to tell the figure from the bound (it
# said "macro_f1 is 0.9806" against a bound of 0.98058)
close=$(awk -v m="$mf" 'BEGIN { printf "%.6f", m + 2e-6 }')
expect_status 1 "a bound 2e-6 past the figure ($close)" "$N" $R registry alias spam 1 staging --require "macro_f1>=$close"
shown=$(sed -n 's/.* is \([0-9.]*\) (.*) on evaluation.*/\1/p' "$T/err")
check "... the figure shown ($shown) and the bound differ to its digits" awk -v s="$shown" -v b="$close" 'BEGIN { d = length(s) - index(s, "."); exit !(sprintf("%.*f", d, b) != s) }'
expect_status 1 "a count is a whole number" "$N" $R registry alias spam 1 staging --require "n>100000"
check "... shown so, and by how much" grep -q "n is [0-9]* ([0-9]* short) on evaluation" "$T/err"
expect_status 1 "... nor a strict one within 1e-9 (> $mf)" "$N" $R registry alias spam 1 staging --require "macro_f1>$mf"
"$N" $R registry alias --delete spam staging >/dev/null 2>&1
# Regression (fixed): a file name that is not UTF-8 was left out of the
# artifact's inputs (push refused the artifact) and of a recorded
# evaluation's data (import refused the bundle).  Expected: both escaped,
# and the round trip whole.
R6="--registry $T/reg6"
cp "$DATA/spam.train.tsv.gz" "$T/$(printf 'tr\377ain.tsv.gz')"
cp "$TEST" "$T/$(printf 'te\tst.tsv.gz')"
expect_status 0 "train --push of a file whose name is not UTF-8" "$N" $R6 train -q --push odd "$T/$(printf 'tr\377ain.tsv.gz')"
expect_status 0 "eval --record of a file whose name has a TAB" "$N" $R6 eval -q --record -m odd@1 "$T/$(printf 'te\tst.tsv.gz')"
expect_status 0 "show names them, escaped" "$N" $R6 registry show odd@1
check "... the training file" grep -q 'tr\\xffain.tsv.gz' "$T/out"
expect_status 0 "export" "$N" $R6 registry export odd -o "$T/odd.tar"
expect_status 0 "... and import elsewhere" "$N" --registry "$T/reg7" registry import "$T/odd.tar"
# Regression (fixed): an evaluation on the training data itself was
# evidence a --require promoted on.  Expected: figures on data more than
# 1% of which the model was trained on meet no requirement, unless one
# on "seen" allows it; show says how much was seen.
R5="--registry $T/reg5"
"$N" $R5 registry push "$T/m.nlp" --name leak >/dev/null 2>&1
zcat "$DATA/spam.train.tsv.gz" | head -40 >"$T/train40.tsv"
expect_status 0 "eval --record on training data" "$N" $R5 eval -q --record -m leak@1 "$T/train40.tsv"
expect_status 1 "... meets no requirement" "$N" $R5 registry alias leak 1 production --require 'macro_f1>=0.9'
check "... which says why, in one line" sh -c "[ \$(wc -l <'$T/err') -eq 1 ] && grep -q 'evaluation #[0-9]* of leak@1 .* was on data 100.0% of which the model was trained on: figures on training data meet no requirement' '$T/err'"
expect_status 5 "... and changes nothing" "$N" $R5 registry resolve leak@production
# a floor on seen allows nothing: only a ceiling names the share allowed.
# Regression (fixed): 'seen>=0' lifted the guard, and promoted
for req in 'seen>=0' 'seen>0.5'; do
	expect_status 1 "... nor with --require '$req'" "$N" $R5 registry alias leak 1 production --require 'macro_f1>=0.9' --require "$req"
	check "... saying it was training data" grep -q 'figures on training data meet no requirement' "$T/err"
done
expect_status 0 "show says how much of its data was seen" "$N" $R5 registry show leak@1
check "... on the evaluation's line" grep -q 'n 40, 100.0% seen in training, data ' "$T/out"
# list's LAST-EVAL-F1 would show its 1.0000 as the best figure: a note on
# stderr says what it is worth, the table as it was
expect_status 0 "list with a last evaluation on training data" "$N" $R5 registry list leak
check "... has its row" grep -q '^ *1  .* (#1)  ' "$T/out"
check "... and a note says it was on training data ($(cat "$T/err"))" \
    grep -qx 'nlpops registry: note: the last evaluation of leak@1 (#1) was on data 100.0% of which it was trained on: figures on training data prove nothing' "$T/err"
expect_status 0 "an evaluation on held-out data" "$N" $R5 eval -q --record -m leak@1 "$DATA/spam.test.tsv.gz"
expect_status 0 "... then list" "$N" $R5 registry list leak
check "... has no note" test ! -s "$T/err"
expect_status 0 "a requirement on seen allows it" "$N" $R5 registry alias leak 1 production --require 'macro_f1>=0.9' --require 'seen<=1'
expect_status 1 "... and can refuse less than the default" "$N" $R registry alias spam 1 canary --require 'seen<0'
check "... naming seen" grep -q "requirement 'seen<0' failed: seen is 0" "$T/err"
# a model with no record of its training texts (no 'seen' member: an
# older nlpops's, or a damaged one): its evaluation is recorded with the
# share unknown (null), which meets no requirement, and -q says so.
# Regression (fixed): recorded without the share, it passed as one made
# before the share was, and the training data promoted it.
mkdir "$T/noseen" && (cd "$T/noseen" && tar -xf "$T/m.nlp" && grep -v ' seen$' manifest >m && mv m manifest &&
    tar --format=ustar --owner=nlpops --group=nlpops --mtime=@0 -cf "$T/noseen.nlp" manifest weights meta.json profile sample)
"$N" $R5 registry push "$T/noseen.nlp" --name blind >/dev/null 2>&1
expect_status 0 "eval -q --record of a model without 'seen'" "$N" $R5 eval -q --record -m blind@1 "$T/train40.tsv"
check "... warns that no requirement will take it" grep -q "^nlpops eval: warning: cannot tell how many examples the model was trained on, so the evaluation recorded meets no 'registry alias --require'$" "$T/err"
expect_status 1 "... and none does" "$N" $R5 registry alias blind 1 production --require 'macro_f1>=0.9'
check "... saying why" grep -q "evaluation #[0-9]* of blind@1 .* cannot tell how much of its data the model was trained on" "$T/err"
expect_status 1 "... not even one on seen" "$N" $R5 registry alias blind 1 production --require 'macro_f1>=0.9' --require 'seen<=1'
expect_status 2 "a malformed requirement" "$N" $R registry alias spam 1 staging --require 'macro_f1 is big'
expect_status 2 "an unknown metric" "$N" $R registry alias spam 1 staging --require 'beauty>=1'
# Regression (fixed): an empty label's F1 was a requirement not met
# (exit 1), and a hexadecimal bound was read.  Expected: usage errors.
expect_status 2 "f1: of no label" "$N" $R registry alias spam 1 staging --require 'f1:>0.1'
expect_status 2 "a hexadecimal bound" "$N" $R registry alias spam 1 staging --require 'macro_f1>=0x1p-1'

# --- --baseline-if-exists: the first deployment has no production yet
# (issue 11: 9)
R2="--registry $T/reg2"
"$N" $R2 registry push "$T/m.nlp" --name first >/dev/null
expect_status 5 "no production yet: --baseline alone has no verdict" "$N" $R2 eval -m first@1 --baseline first@production --max-drop 0.01 "$TEST"
expect_status 0 "--baseline-if-exists: the drop gate is skipped" "$N" $R2 eval -m first@1 --baseline first@production --baseline-if-exists --max-drop 0.01 --json "$TEST"
check "... said on stderr" grep -q "no baseline: model 'first' has no alias 'production' yet; the drop gate is skipped" "$T/err"
check "... and in the JSON" sh -c "jq -e '.baseline_skipped == \"model '\\''first'\\'' has no alias '\\''production'\\'' yet\" and .passed and .gates == null' '$T/out' >/dev/null"
expect_status 1 "the other gates still decide" "$N" $R2 eval -q -m first@1 --baseline nosuch --baseline-if-exists --max-drop 0.01 --min-accuracy 0.999 "$TEST"
check "a missing model is named too" sh -c "'$N' $R2 eval -m first@1 --baseline nosuch --baseline-if-exists '$TEST' 2>&1 >/dev/null | grep -q \"no model 'nosuch' in the registry\""
expect_status 5 "a missing version is still an error" "$N" $R2 eval -m first@1 --baseline first@9 --baseline-if-exists --max-drop 0.01 "$TEST"
expect_status 5 "a registry that is not there is still an error" "$N" --registry "$T/noreg" eval -m "$T/m.nlp" --baseline first@production --baseline-if-exists --max-drop 0.01 "$TEST"
check "... and none was made" test ! -e "$T/noreg"
"$N" $R2 registry alias first 1 production >/dev/null 2>&1
expect_status 0 "once production exists, the drop gate runs" "$N" $R2 eval -m first@1 --baseline first@production --baseline-if-exists --max-drop 0.01 --json "$TEST"
check "... with both drops in the gates, and no -0" sh -c "jq -e '(.gates | length) == 2 and .baseline_skipped == null' '$T/out' >/dev/null && ! grep -q -- '\"value\": -0' '$T/out'"
expect_status 2 "--baseline-if-exists needs --baseline" "$N" $R2 eval -m first@1 --baseline-if-exists "$TEST"
# a misspelt baseline is a typo, never a first deployment: no verdict
# (exit 5, with the name meant), even with -q
# (an existing alias cut short, too: first@prod while production is
# there)
for b in frist first@prodution first@Production first@prod first@produc; do
	expect_status 5 "--baseline-if-exists: '$b' is a typo" "$N" $R2 eval -q -m first@1 --baseline "$b" --baseline-if-exists --max-drop 0.01 "$TEST"
	check "... naming what was meant" grep -q "did you mean '\(first\|production\)'" "$T/err"
done
R3="--registry $T/reg3"
"$N" $R3 registry push "$T/m.nlp" --name solo >/dev/null 2>&1
# but not a name whose word ends where the other's goes on ('prod' beside
# 'prod-eu'), nor 'prod' where no production is yet (a team's own name)
"$N" $R3 registry alias solo 1 prod-eu >/dev/null 2>&1
expect_status 0 "--baseline-if-exists: 'solo@prod' beside 'prod-eu' is a first deployment" "$N" $R3 eval -q -m solo@1 --baseline solo@prod --baseline-if-exists --max-drop 0.01 "$TEST"
check "... the drop gate skipped ($(cat "$T/err"))" grep -q "has no alias 'prod' yet; the drop gate is skipped" "$T/err"
# nor a name that an alias there starts ('production' beside 'prod')
"$N" $R3 registry alias solo 1 prod >/dev/null 2>&1
expect_status 0 "--baseline-if-exists: 'solo@production' beside 'prod' is a first deployment" "$N" $R3 eval -q -m solo@1 --baseline solo@production --baseline-if-exists --max-drop 0.01 "$TEST"
"$N" $R3 registry alias --delete solo prod >/dev/null 2>&1
expect_status 0 "-q still says the drop gate was skipped" "$N" $R3 eval -q -m solo@1 --baseline solo@production --baseline-if-exists --max-drop 0.01 "$TEST"
check "... on stderr" grep -q "the drop gate is skipped" "$T/err"
# production deleted, or gone with its version: no first deployment, no
# verdict.  Regression (fixed): the gate was skipped as if production had
# never been, and a worse candidate passed
"$N" $R3 registry alias solo 1 production >/dev/null 2>&1
"$N" $R3 registry alias --delete solo production >/dev/null 2>&1
expect_status 5 "--baseline-if-exists, production deleted: no verdict" "$N" $R3 eval -q -m solo@1 --baseline solo@production --baseline-if-exists --max-drop 0.01 "$TEST"
check "... saying the alias is gone ($(cat "$T/err"))" grep -q "no alias 'production'" "$T/err"
check "... not that the gate is skipped" sh -c "! grep -q 'skipped' '$T/err'"
