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
expect_status 0 "eval --record" "$N" $R eval --record -m spam@1 "$TEST"
check "eval says where it recorded" grep -q 'recorded on spam@1' "$T/err"
expect_status 0 "show lists the evaluation" "$N" $R registry show spam@1
check "the evaluation names the data's sha256" grep -q "data $(sha256sum "$TEST" | cut -c1-12)" "$T/out"
expect_status 0 "show --json has the metrics" "$N" $R registry show --json spam@1
check "--json evaluations carry macro_f1" grep -q '"macro_f1"' "$T/out"
expect_status 1 "a requirement that fails" "$N" $R registry alias spam 1 production --require 'macro_f1>=0.999'
check "the failure names the requirement, the value and the evaluation" grep -q "requirement 'macro_f1>=0.999' failed: macro_f1 is 0\.9[0-9]* on evaluation #1 of spam@1" "$T/err"
expect_status 5 "a failed requirement changes nothing" "$N" $R registry show spam@production
expect_status 0 "requirements that hold" "$N" $R registry alias spam 1 production --require 'macro_f1>=0.9' --require 'f1:spam>0.9' --require 'log_loss<1'
check "the alias moved" grep -qx 'production: (none) -> spam@1' "$T/out"
expect_status 2 "a malformed requirement" "$N" $R registry alias spam 1 staging --require 'macro_f1 is big'
expect_status 2 "an unknown metric" "$N" $R registry alias spam 1 staging --require 'beauty>=1'
