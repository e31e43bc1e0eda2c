# eval_predictions.sh - `nlpops eval --predictions LOG`: a prediction log
# (serve --log's lines, predict's JSONL) scored against gold labels joined
# by id.  The oracle: the figures equal `eval -m` of the model that wrote
# the log, on the same gold data.  Then the join's rules (the last line of
# a repeated id, unscored lines, ids on one side only), --shadow, the
# gates, the errors; and `nlpops drift` reading the log's texts.
. "$TOP/tests/e2e/lib.sh"

N=$NLPOPS
zcat "$DATA/spam.train.tsv.gz" | head -300 >"$T/train.tsv"
"$N" train -q --epochs 1 -o "$T/m.nlp" "$T/train.tsv"
# the gold data: id, label, text (control characters, backslashes and
# double quotes out: awk writes the JSON below)
zcat "$DATA/spam.test.tsv.gz" | head -200 | awk -F'\t' '{ t = $2
	gsub(/[\001-\037\177]/, " ", t); gsub(/\\/, "/", t); gsub(/"/, "'"'"'", t)
	print NR "\t" $1 "\t" t }' >"$T/gold.tsv"
COLS="--id-column 1 --label-column 2 --text-column 3"
"$N" predict -m "$T/m.nlp" --id-column 1 --text-column 3 \
    --output-format jsonl "$T/gold.tsv" >"$T/pred.jsonl" 2>/dev/null

# serve's log: odd ids as integers, even ones as strings; a shadow model
# (always "ham") on every third id; the text; id 5 first with the wrong
# label (a client's retry: the last line counts); an unscored text (201),
# two ids without gold, one line without an id.
H=$(printf '%064d' 0 | tr 0 a)
awk -F'\t' -v h="$H" '
function line(id, label, p, text, sh) {
	printf "{\"time\":\"2026-12-03T01:55:35.123Z\",\"request\":\"r-%d\",", ++req
	printf "\"id\":%s,\"model\":\"spam@7\",\"sha256\":\"%s\",", id, h
	printf "\"label\":%s,\"p\":%s,\"text\":\"%s\"%s}\n", label, p, text, sh
}
NR == FNR { text[$1] = $3; next }
{
	# {"id":"7","label":"ham","p":0.99,"top":[...]}
	split($0, f, ","); id = f[1]; label = f[2]; p = f[3]
	gsub(/^\{"id":"|"$/, "", id); gsub(/^"label":"|"$/, "", label)
	sub(/^"p":/, "", p)
	jid = id % 2 ? id : "\"" id "\""
	sh = id % 3 ? "" : ",\"shadow\":{\"model\":\"spam@8\",\"sha256\":\"" h "\",\"label\":\"ham\",\"p\":0.6,\"agree\":" (label == "ham" ? "true" : "false") "}"
	if (id == 5)
		line(jid, label == "ham" ? "\"spam\"" : "\"ham\"", p, text[id], "")
	line(jid, "\"" label "\"", p, text[id], sh)
}
END {
	line(201, "null", "null", "", "")
	line("\"9001\"", "\"ham\"", 0.9, "no gold for me", "")
	line(9002, "\"spam\"", 0.8, "nor for me", "")
	line("null", "\"ham\"", 0.7, "no id", "")
}' "$T/gold.tsv" "$T/pred.jsonl" >"$T/log.jsonl"
# the gold data of the log: the 200, the unscored 201, and 202 never served
{ cat "$T/gold.tsv"; printf '201\tham\t \n202\tspam\tnever served\n'; } >"$T/gold+.tsv"

check "the log fixture has 205 lines" test "$(wc -l <"$T/log.jsonl")" -eq 205
# the report's table: from the header to the last average
table() { sed -n '/precision/,/micro avg/p' "$1"; }

"$N" eval -m "$T/m.nlp" --confusion $COLS "$T/gold.tsv" >"$T/model.out" 2>/dev/null
expect_status 0 "eval --predictions" "$N" eval --predictions "$T/log.jsonl" --confusion $COLS "$T/gold+.tsv"
cp "$T/out" "$T/log.out"; cp "$T/err" "$T/log.err"
table "$T/model.out" >"$T/t1"; table "$T/log.out" >"$T/t2"
check "the table (accuracy, per class, macro F1) equals eval -m's: $(diff "$T/t1" "$T/t2" | head -4 | tr '\n' ' ')" \
    sh -c "test -s '$T/t1' && cmp -s '$T/t1' '$T/t2'"
sed -n '/^confusion/,$p' "$T/model.out" >"$T/c1"; sed -n '/^confusion/,$p' "$T/log.out" >"$T/c2"
check "the confusion matrix equals eval -m's" sh -c "test -s '$T/c1' && cmp -s '$T/c1' '$T/c2'"
check "the title names the model of the log and the log" grep -q "^model spam@7 (sha256 aaaaaaaaaaaa), 200 examples, predictions of $T/log.jsonl\$" "$T/log.out"
check "no log loss or ECE from a log" sh -c "! grep -q -e 'log loss' -e ECE '$T/log.out'"
check "stderr counts the join" grep -q ": 205 lines, 203 ids (1 repeated: the last line counts; 1 without an id); 202 gold records: 200 scored, 1 unscored, 1 had no prediction; 2 predictions had no gold record\$" "$T/log.err"
expect_status 0 "-q" "$N" eval -q --predictions "$T/log.jsonl" $COLS "$T/gold+.tsv"
check "-q: no summary" test ! -s "$T/err"

# --json: the same figures, log loss and ECE null, the counts
"$N" eval -q --json -m "$T/m.nlp" $COLS "$T/gold.tsv" >"$T/model.json"
expect_status 0 "--predictions --json" "$N" eval -q --json --predictions "$T/log.jsonl" $COLS "$T/gold+.tsv"
cp "$T/out" "$T/log.json"
for key in '"log_loss": null' '"ece": null' '"lines": 205' '"ids": 203' '"repeated": 1' '"no_id": 1' '"gold_records": 202' '"scored": 200' '"unscored": 1' '"no_prediction": 1' '"no_gold": 2' '"shadow": false' '"schema": 1' '"ref": "spam@7"'; do
	check "--json has $key" grep -q "$key" "$T/log.json"
done
if command -v /usr/bin/python3 >/dev/null 2>&1; then
	check "--json: accuracy, the averages, per class and confusion equal eval -m's" /usr/bin/python3 -c '
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
keys = ["n", "accuracy", "macro_avg", "micro_avg", "weighted_avg", "per_class", "confusion", "zero_division"]
sys.exit(any(a[k] != b[k] for k in keys))' "$T/model.json" "$T/log.json"
fi

# predict's own JSONL is a log too (no model named: the log is)
expect_status 0 "predict's JSONL as the log" "$N" eval --predictions "$T/pred.jsonl" $COLS "$T/gold.tsv"
table "$T/out" >"$T/t3"
check "gives eval -m's table" cmp -s "$T/t1" "$T/t3"
# Regression (fixed): titled "model LOG (sha256 unknown), ..., predictions
# of LOG", the log named twice, as a model
check "and is named by its path, once ($(head -1 "$T/out"))" grep -q "^predictions of $T/pred.jsonl (their model not named), [0-9]* examples\$" "$T/out"
# a log of two models (the alias moved during the day): both named, as in
# --json; regression (fixed): titled "(their model not named)"
sed '1,100s/"model":"spam@7"/"model":"spam@6"/' "$T/log.jsonl" >"$T/mixed.jsonl"
expect_status 0 "a log of two models" "$N" eval --predictions "$T/mixed.jsonl" $COLS "$T/gold+.tsv"
check "... both named in the title ($(head -1 "$T/out"))" grep -q "^predictions of $T/mixed.jsonl (several models: spam@6, spam@7), 200 examples\$" "$T/out"
gzip -c "$T/log.jsonl" >"$T/log.jsonl.gz"
expect_status 0 "a compressed log" "$N" eval --predictions "$T/log.jsonl.gz" $COLS "$T/gold+.tsv"
table "$T/out" >"$T/t4"
check "gives the same table" cmp -s "$T/t1" "$T/t4"

# last line wins: id 5 served twice, its first label wrong; the other way
# round the first (wrong) label would count
awk '/"id":5,/ { n++; if (n == 1) { first = $0; next } print; print first; next } 1' \
    "$T/log.jsonl" >"$T/swapped.jsonl"
"$N" eval -q --json --predictions "$T/swapped.jsonl" $COLS "$T/gold+.tsv" >"$T/swapped.json"
check "the retry's order decides: the last line counts" sh -c "! cmp -s '$T/log.json' '$T/swapped.json' && grep -q '\"repeated\": 1' '$T/swapped.json'"

# --shadow: the shadow model's labels (always ham), on ids divisible by 3
expect_status 0 "--shadow" "$N" eval --shadow --predictions "$T/log.jsonl" $COLS "$T/gold+.tsv"
want=$(awk -F'\t' '$1 % 3 == 0 { n++; h += $2 == "ham" } END { printf "accuracy %.4f %d", h / n, n }' "$T/gold.tsv")
check "--shadow scores the shadow labels ($want)" sh -c "grep '^ *accuracy ' '$T/out' | tr -s ' ' | sed 's/^ //' | grep -qx '$want'"
check "--shadow names the shadow model" grep -q '^model spam@8 (sha256 aaaaaaaaaaaa), 66 examples, the shadow predictions of' "$T/out"
check "--shadow: lines without a shadow are unscored" grep -q '202 gold records: 66 scored, 135 unscored, 1 had no prediction' "$T/err"

# the gates, with eval -m's statuses
acc=$(awk '/^ *accuracy /{ print $2 }' "$T/log.out")
expect_status 0 "--min-accuracy passes" "$N" eval -q --predictions "$T/log.jsonl" --min-accuracy 0.5 $COLS "$T/gold+.tsv"
expect_status 1 "--min-accuracy fails" "$N" eval -q --predictions "$T/log.jsonl" --min-accuracy 0.999 $COLS "$T/gold+.tsv"
check "the failed gate names the value ($acc) and the bound" grep -q "gate --min-accuracy failed: accuracy $acc, bound 0.9990" "$T/err"
expect_status 0 "--min-f1 passes" "$N" eval -q --predictions "$T/log.jsonl" --min-f1 0.5 $COLS "$T/gold+.tsv"
expect_status 1 "--min-f1 fails" "$N" eval -q --predictions "$T/log.jsonl" --min-f1 0.999 $COLS "$T/gold+.tsv"
expect_status 1 "--min-class-f1 fails on the shadow's spam" "$N" eval -q --shadow --predictions "$T/log.jsonl" --min-class-f1 spam=0.5 $COLS "$T/gold+.tsv"
check "naming the class" grep -q "f1 of 'spam'" "$T/err"
# a shadow that answered a handful of the records decides nothing.
# Regression (fixed): 1 answer of 200 passed a gate
awk '/"shadow"/ && n++ >= 20 { gsub(/,"shadow":\{[^}]*\}/, "") } { print }' "$T/log.jsonl" >"$T/log20.jsonl"
expect_status 3 "--shadow with 20 shadow answers: no verdict" "$N" eval -q --shadow --predictions "$T/log20.jsonl" --min-accuracy 0.1 $COLS "$T/gold+.tsv"
check "... saying so ($(cat "$T/err"))" grep -q "the gates have no verdict: the shadow answered 20 of the [0-9]* gold records the log has (its answers are a sample of the traffic): fewer than 30, too few to decide on" "$T/err"
# a log of part of the gold data decides no gate.  Regression (fixed): a
# log of 30 of the 202 gold records passed --min-f1 on those 30.
head -n 30 "$T/log.jsonl" >"$T/part.jsonl"
expect_status 3 "a log of a seventh of the gold data: no verdict" "$N" eval -q --predictions "$T/part.jsonl" --min-f1 0.5 $COLS "$T/gold+.tsv"
check "... saying how many have no prediction" grep -q "gates have no verdict: 17[0-9] of 202 gold records (8[0-9].[0-9]%) have no prediction in the log" "$T/err"
expect_status 0 "... its figures are still reported, without gates" "$N" eval -q --predictions "$T/part.jsonl" $COLS "$T/gold+.tsv"
check "... with a warning, even with -q" grep -q "^nlpops eval: warning: 17[0-9] of 202 gold records .* the figures stand on the rest" "$T/err"
awk -F'\t' 'BEGIN { OFS = "\t" } NR % 10 == 0 { $3 = "" } { print }' "$T/gold.tsv" >"$T/gold-e.tsv"
"$N" predict -q -m "$T/m.nlp" --id-column 1 --text-column 3 --output-format jsonl "$T/gold-e.tsv" >"$T/log-e.jsonl"
expect_status 3 "a tenth of the texts empty (no label in the log): no verdict" "$N" eval -q --predictions "$T/log-e.jsonl" --min-f1 0.5 $COLS "$T/gold-e.tsv"
check "... saying they have no label" grep -q "have no prediction in the log (0 no line, 20 no label)" "$T/err"
# records with no prediction and records skipped, each under 1%, over it
# together: no verdict, and the line says the share the rule is about
# (it said only the first's, 1.0%, under the bound)
head -n -2 "$T/log.jsonl" >"$T/log-2.jsonl"
{ cat "$T/gold+.tsv"; printf '9001\t\tx\n9002\t\ty\n'; } >"$T/gold-s.tsv"
expect_status 3 "2 without a prediction and 2 skipped of 204: no verdict" "$N" eval -q --predictions "$T/log-2.jsonl" --min-f1 0.5 $COLS "$T/gold-s.tsv"
check "... saying the share together" grep -q "have no prediction in the log (1 no line, 1 no label) and 2 skipped: 2.0% left out, more than the 1% gates allow" "$T/err"
expect_status 0 "--bootstrap works on labels" "$N" eval -q --json --bootstrap 100 --predictions "$T/log.jsonl" $COLS "$T/gold+.tsv"
check "and reports intervals" grep -q '"bootstrap"' "$T/out"

# usage errors (status 2)
expect_status 2 "-m with --predictions" "$N" eval -m "$T/m.nlp" --predictions "$T/log.jsonl" $COLS "$T/gold.tsv"
expect_status 2 "--predictions without an id option" "$N" eval --predictions "$T/log.jsonl" "$T/gold.tsv"
check "says to give one" grep -q -- '--id-column' "$T/err"
expect_status 2 "--max-log-loss on a log" "$N" eval --predictions "$T/log.jsonl" --max-log-loss 1 $COLS "$T/gold.tsv"
expect_status 2 "--max-ece on a log" "$N" eval --predictions "$T/log.jsonl" --max-ece 0.5 $COLS "$T/gold.tsv"
expect_status 2 "--max-seen on a log (no model to ask)" "$N" eval --predictions "$T/log.jsonl" --max-seen 0 $COLS "$T/gold.tsv"
check "... saying it needs a model" grep -q -- "--max-seen needs a model" "$T/err"
expect_status 2 "--errors on a log" "$N" eval --predictions "$T/log.jsonl" --errors 3 $COLS "$T/gold.tsv"
expect_status 2 "--shadow without --predictions" "$N" eval -m "$T/m.nlp" --shadow "$T/gold.tsv"
expect_status 0 "-m takes the id options too (the same columns for both)" "$N" eval -m "$T/m.nlp" $COLS "$T/gold.tsv"

# bad data (status 3), named by file and line
sed '3s/.*/{"id":3,"label":/' "$T/log.jsonl" >"$T/bad.jsonl"
expect_status 3 "a log line that is not JSON" "$N" eval --predictions "$T/bad.jsonl" $COLS "$T/gold.tsv"
check "names the log and the line" grep -q "^nlpops eval: --predictions: '$T/bad.jsonl' line 3: not JSON" "$T/err"
sed '4s/"label":[^,]*,//' "$T/log.jsonl" >"$T/nolabel.jsonl"
expect_status 3 "a log line without a label" "$N" eval --predictions "$T/nolabel.jsonl" $COLS "$T/gold.tsv"
check "names the line" grep -q "line 4: no \"label\"" "$T/err"
sed '4s/"id":[^,]*,/"id":[4],/' "$T/log.jsonl" >"$T/badid.jsonl"
expect_status 3 "an id that is an array" "$N" eval --predictions "$T/badid.jsonl" $COLS "$T/gold.tsv"
{ cat "$T/gold.tsv"; printf '7\tham\tagain\n'; } >"$T/dup.tsv"
expect_status 3 "a gold id twice" "$N" eval --predictions "$T/log.jsonl" $COLS "$T/dup.tsv"
check "names both lines" grep -q "'$T/dup.tsv' line 201: id '7' repeated (first at '$T/dup.tsv' line 7)" "$T/err"
printf '900\tham\tx\n' >"$T/none.tsv"
expect_status 3 "no gold record joins" "$N" eval --predictions "$T/log.jsonl" $COLS "$T/none.tsv"
# a log of other labels (or labels spelled otherwise): not a model that
# got every example wrong, and no verdict, gate or not
sed 's/"label":"ham"/"label":"HAM"/; s/"label":"spam"/"label":"SPAM"/' "$T/log.jsonl" >"$T/upper.jsonl"
expect_status 3 "predicted labels none of the gold ones ('HAM', 'SPAM' for 'ham', 'spam')" \
    "$N" eval --predictions "$T/upper.jsonl" --min-accuracy 0.5 $COLS "$T/gold.tsv"
check "... says so, naming both" grep -q "none of the 2 labels '$T/upper.jsonl' predicts ('HAM', 'SPAM') is one of the 2 gold labels ('ham', 'spam')" "$T/err"
sed 's/"label":"spam"/"label":"ham"/' "$T/log.jsonl" >"$T/allham.jsonl"
awk -F'\t' -v OFS='\t' '{ $2 = "spam"; print }' "$T/gold.tsv" >"$T/allspam.tsv"
expect_status 1 "one label predicted, another the only gold one: a model that got them all wrong, a verdict" \
    "$N" eval -q --predictions "$T/allham.jsonl" --min-accuracy 0.5 $COLS "$T/allspam.tsv"
# ids taken for labels: a usage error, not a report of a class per id
expect_status 2 "--id-column 1 alone: the label's column by default" \
    "$N" eval --predictions "$T/log.jsonl" --id-column 1 "$T/gold.tsv"
check "... says to give --label-column, naming the file" grep -q "gold.tsv.: label and id cannot both be column 1 (the label's by default: give --label-column" "$T/err"
expect_status 2 "--label-column 2 --id-column 2" \
    "$N" eval --predictions "$T/log.jsonl" --id-column 2 --label-column 2 "$T/gold.tsv"
{ printf 'id,label,text\n'; awk -F'\t' '{ print $1 "," $2 ",x" }' "$T/gold.tsv"; } >"$T/gold.csv"
expect_status 2 "CSV: --id-column label" \
    "$N" eval --predictions "$T/log.jsonl" --id-column label "$T/gold.csv"
expect_status 0 "CSV: --id-column id, the label by its name" \
    "$N" eval -q --predictions "$T/log.jsonl" --id-column id "$T/gold.csv"

# drift reads the log's texts (the other keys, the shadow object ignored):
# the same report as on the texts themselves
cut -f3 "$T/gold.tsv" >"$T/texts.txt"
printf '\nno gold for me\nnor for me\nno id\n' >>"$T/texts.txt"
"$N" drift -m "$T/m.nlp" "$T/texts.txt" >"$T/d1" 2>&1
"$N" drift -m "$T/m.nlp" "$T/log.jsonl" >"$T/out" 2>"$T/err"
rc=$?
check "drift reads the log (status $rc: 0 or 1, and a report)" \
    sh -c "test $rc -le 1 && grep -q '^drift: ' '$T/out' && grep -q '^vocabulary ' '$T/out'"
awk '/"id":5,/ && !n++ { next } 1' "$T/log.jsonl" >"$T/once.jsonl"
"$N" drift -m "$T/m.nlp" "$T/once.jsonl" >"$T/d2" 2>&1
check "drift on the log (each text once) and on its texts agree: $(diff "$T/d1" "$T/d2" | head -4 | tr '\n' ' ')" cmp -s "$T/d1" "$T/d2"

# late gold labels as an id and a label alone, in JSONL (no text field, or
# "text": null) and CSV (no text column): as the TSV of the same.
# Regression (fixed): every JSONL record skipped as malformed, unsaid
# ("no gold record joins", status 3); the CSV a usage error (no column
# 'text')
awk -F'\t' '{ printf "{\"id\":%s,\"label\":\"%s\"}\n", $1, $2 }' "$T/gold.tsv" >"$T/gold_il.jsonl"
awk -F'\t' '{ printf "{\"id\":%s,\"label\":\"%s\",\"text\":null}\n", $1, $2 }' "$T/gold.tsv" >"$T/gold_null.jsonl"
{ echo id,label; awk -F'\t' '{ print $1 "," $2 }' "$T/gold.tsv"; } >"$T/gold_il.csv"
cut -f1,2 "$T/gold.tsv" >"$T/gold_il.tsv"
"$N" eval -q --json --predictions "$T/pred.jsonl" --id-column 1 --label-column 2 "$T/gold_il.tsv" 2>/dev/null | grep -v '"seconds"\|_per_s"\|"name"\|"sha256"\|"bytes"' >"$T/il.want"
for f in gold_il.jsonl gold_null.jsonl gold_il.csv; do
	case $f in *.csv) idopt="--id-column id" ;; *) idopt="--id-field id" ;; esac
	# shellcheck disable=SC2086
	expect_status 0 "--predictions with gold ids and labels alone: $f" "$N" eval -q --json --predictions "$T/pred.jsonl" $idopt "$T/$f"
	grep -v '"seconds"\|_per_s"\|"name"\|"sha256"\|"bytes"' "$T/out" >"$T/il.got"
	check "... the figures of the TSV of the same" cmp -s "$T/il.got" "$T/il.want"
done
expect_status 3 "eval -m on gold ids and labels alone (texts needed): refused" "$N" eval -q -m "$T/m.nlp" "$T/gold_il.jsonl"
# a TSV of late labels with its header, 'id<TAB>label': skipped as one.
# Regression (fixed): read as a gold record of id 'id', which had no
# prediction: 1 in 51, past the 1% the gates allow, no verdict (status 3)
{ printf 'id\tlabel\n'; head -50 "$T/gold_il.tsv"; } >"$T/gold_hdr.tsv"
expect_status 0 "--predictions, gold 'id<TAB>label' with its header, a gate" "$N" eval -q --predictions "$T/pred.jsonl" --id-column 1 --label-column 2 --min-accuracy 0.5 "$T/gold_hdr.tsv"
# no id joins: one of each side shown ('7' against '7.0', pandas' float
# ids).  Regression (fixed): the counts alone
awk -F'\t' '{ printf "{\"id\":%s.0,\"label\":\"%s\"}\n", $1, $2 }' "$T/gold.tsv" >"$T/gold_float.jsonl"
expect_status 3 "--predictions, gold ids as floats: none joins" "$N" eval -q --predictions "$T/pred.jsonl" --id-field id "$T/gold_float.jsonl"
check "... an id of each side shown ($(cat "$T/err"))" grep -q "ids compare as text: the log's such as '[0-9]*', the gold data's such as '[0-9]*\.0')" "$T/err"
