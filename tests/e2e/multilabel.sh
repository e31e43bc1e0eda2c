# multilabel.sh - `train --multilabel`, `predict` and `eval` of a
# multi-label model on real multi-label text (Debian descriptions with
# their debtags): the label list in TSV (and --label-sep), fastText and
# JSONL giving the same weights; the same artifact at any thread count;
# predict's lines (every label of p >= --min-p, most probable first, the
# empty-record marker, the fallback below --threshold) in TSV and JSONL;
# eval's figures equal to those worked out here from predict's own output
# (subset accuracy, Hamming loss, micro/macro/samples F1), the same at any
# thread count; its gates; and every refusal.
. "$TOP/tests/e2e/lib.sh"

N=$NLPOPS
case $N in */obj-san/nlpops) san=1 ;; *) san=0 ;; esac
cd "$T" || exit 4
zcat "$DATA/debtags.train.tsv.gz" >train.tsv
zcat "$DATA/debtags.test.tsv.gz" >test.tsv
if [ $san -eq 1 ]; then
	# the sanitizers: under a third of the data (1000 examples at least,
	# for a held-out slice)
	head -n 1200 train.tsv >t && mv t train.tsv
	head -n 200 test.tsv >t && mv t test.tsv
fi
ep="--epochs 5"
cut -f2 test.tsv >test.txt
n=$(wc -l <test.txt)

# shellcheck disable=SC2086
expect_status 0 "train --multilabel" "$N" train --multilabel $ep -o m.nlp train.tsv
check "the summary has the multi-label figures, once" \
    grep -Eq 'held-out subset accuracy [01]\.[0-9]{4} macro-F1 [01]\.[0-9]{4} micro-F1 [01]\.[0-9]{4} Hamming loss [01]\.[0-9]{4} \([0-9]+ examples\), then trained on them too, [0-9.]+ s -> m.nlp$' "$T/err"
tar -xOf m.nlp meta.json >meta.json
check "meta.json says multilabel" grep -q '"multilabel": true' meta.json
check "meta.json has the held-out micro-F1 and Hamming loss" \
    grep -q '"hamming_loss"' meta.json
labels=$(cut -f1 train.tsv | tr , '\n' | sort -u | wc -l)
check "every tag of the data is a class ($labels)" \
    test "$(grep -c '"label":' meta.json)" -eq "$labels"
tar -xOf m.nlp weights | od -An -tu4 -j8 -N4 | tr -d ' ' >fmt
check "the weights are format 2 ($(cat fmt))" test "$(cat fmt)" = 2

# shellcheck disable=SC2086
"$N" train -q --multilabel $ep --threads 2 -o m2.nlp train.tsv
check "the same artifact on 2 threads" cmp -s m.nlp m2.nlp

# the same records as fastText, JSONL and a ';'-separated TSV
awk -F '\t' '{ n = split($1, l, ","); s = ""; for (i = 1; i <= n; i++) s = s "__label__" l[i] " "; print s $2 }' \
    train.tsv >train.ft
/usr/bin/python3 -c '
import json, sys
for line in open("train.tsv", encoding="utf-8"):
    lab, text = line.rstrip("\n").split("\t", 1)
    print(json.dumps({"label": lab.split(","), "text": text}, ensure_ascii=False))
' >train.jsonl
awk -F '\t' -v OFS='\t' '{ gsub(/,/, ";", $1); print }' train.tsv >semi.tsv
w() { tar -xOf "$1" weights | sha256sum | cut -c1-64; }
for f in train.ft train.jsonl; do
	# shellcheck disable=SC2086
	"$N" train -q --multilabel $ep -o "$f.nlp" "$f"
	check "$f gives the same weights as the TSV" test "$(w "$f.nlp")" = "$(w m.nlp)"
done
# shellcheck disable=SC2086
"$N" train -q --multilabel --label-sep ';' $ep -o semi.nlp semi.tsv
check "--label-sep ';' gives the same weights" test "$(w semi.nlp)" = "$(w m.nlp)"
# without --multilabel a label list is one label (the old behaviour)
"$N" train -q --epochs 1 -o single.nlp train.tsv
tar -xOf single.nlp meta.json >single.json
check "without --multilabel 'a,b' is one class" \
    grep -q '"label": "[^"]*,[^"]*"' single.json

# predict: TSV
expect_status 0 "predict" "$N" predict -m m.nlp -o p.tsv test.txt
check "one line per text" test "$(wc -l <p.tsv)" -eq "$n"
check "labels at or above 0.5, most probable first, pairs well formed" awk -F '\t' '
	NF == 2 && $1 == "" && $2 == "" { next }
	NF % 2 != 0 { exit 1 }
	{ for (i = 2; i <= NF; i += 2) { if ($i + 0 < 0.5) exit 1; if (i > 2 && $i + 0 > $(i - 2) + 0) exit 1 } }' p.tsv
check "several labels on some lines" test "$(awk -F '\t' 'NF >= 4' p.tsv | wc -l)" -gt 0

# serve: the same answers, and a log that says they are multi-label.
# Regression (fixed): serve answered a multi-label model's top label only
# (its default -k was 1), and logged that one label, which eval
# --predictions then scored as a single-label prediction (exit 0).
PY=/usr/bin/python3
if command -v curl >/dev/null && [ -x "$PY" ]; then
	timeout -s KILL 60 "$N" serve -m m.nlp --shadow m.nlp --listen 127.0.0.1:0 --log srv.jsonl 2>srv.err &
	spid=$!
	i=0
	while [ $i -lt 200 ] && ! grep -q 'listening on' srv.err; do sleep 0.05; i=$((i + 1)); done
	port=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' srv.err)
	curl -s -H 'Content-Type: text/plain' --data-binary @test.txt "http://127.0.0.1:$port/v1/predict" >srv.tsv
	check "serve answers every label of p >= 0.5, as predict prints them" cmp -s srv.tsv p.tsv
	head -n 1 test.txt | "$PY" -c 'import json, sys; print(json.dumps({"text": sys.stdin.read().rstrip("\n"), "id": 1}))' >one.json
	curl -s -H 'Content-Type: application/json' --data-binary @one.json "http://127.0.0.1:$port/v1/predict" >one.out
	"$N" predict -q -m m.nlp --output-format jsonl test.txt | head -n 1 >one.want
	check "a JSON answer has the labels of predict's JSONL" "$PY" -c 'import json, sys
a, w = json.load(open("one.out")), json.loads(open("one.want").read())
sys.exit(0 if a["labels"] == w["labels"] and a["label"] == w["label"] else 1)'
	# /metrics counts a text under the first label it was answered, none
	# when it got none.  Regression (fixed): under its top label, below 0.5
	i=0
	while [ $i -lt 100 ] && [ "$(wc -l <srv.jsonl)" -lt $((n + 1)) ]; do sleep 0.05; i=$((i + 1)); done
	curl -s "http://127.0.0.1:$port/metrics" >srv.prom
	kill -TERM $(ps -o pid= --ppid $spid) 2>/dev/null
	wait $spid
	want=$(cat p.tsv one.want | awk -F '\t' '/^\{/ { if ($0 !~ /"labels":\[\]/) c++; next } $1 != "" { c++ } END { print c + 0 }')
	check "/metrics: texts by the first label answered, none for none ($want)" test "$(awk '/^nlpops_predictions_total\{/ { s += $2 } END { print s + 0 }' srv.prom)" -eq "$want"
	check "some texts were answered no label" grep -q '"labels":\[\]' srv.jsonl
	check "the log has a line per text, each with its labels" test "$(grep -c '"labels":\[' srv.jsonl)" -eq $((n + 1))
	# the shadow (the same model here) answers as the model does: no label
	# where it has none, and agrees.  Regression (fixed): its top label
	check "the shadow's first label is the answer's, null for none, and agrees" "$PY" -c 'import json, sys
for l in open("srv.jsonl"):
	j = json.loads(l)
	s = j["shadow"]
	if s["label"] != j["label"] or s["p"] != j["p"] or not s["agree"]:
		sys.exit(1)'
	awk -F '\t' '{ print NR "\t" $0 }' test.tsv >gold-ids.tsv
	tail -n "$n" srv.jsonl | awk '{ sub(/"id":null/, "\"id\":" NR); print }' >srv-ids.jsonl
	expect_status 3 "eval --predictions refuses the multi-label log" "$N" eval --predictions srv-ids.jsonl \
	    --id-column 1 --label-column 2 --text-column 3 gold-ids.tsv
fi
"$N" predict -q -m m.nlp --min-p 0.9 test.txt >p9.tsv
check "--min-p 0.9: fewer labels" \
    test "$(awk -F '\t' '$1 != "" { s += NF / 2 } END { print s + 0 }' p9.tsv)" -lt \
    "$(awk -F '\t' '$1 != "" { s += NF / 2 } END { print s + 0 }' p.tsv)"
printf '\n' | "$N" predict -q -m m.nlp --output-format jsonl >blank.jsonl
check "an empty text's JSONL line has the multi-label shape" grep -qx '{"label":null,"p":null,"labels":\[\],"reason":"empty"}' blank.jsonl
printf 'zzqx qqzv\n' | "$N" predict -q -m m.nlp --min-p 0.99 >none.tsv
check "none that probable: the empty-record marker" test "$(cat none.tsv)" = "$(printf '\t')"
"$N" predict -q -m m.nlp --min-p 0 -k 3 test.txt >k3.tsv
check "--min-p 0 -k 3: three labels each" \
    test "$(awk -F '\t' 'NF == 6' k3.tsv | wc -l)" -eq "$n"
"$N" predict -q -m m.nlp --threshold 0.999 --fallback other test.txt >fb.tsv
check "below --threshold: the fallback and the top probability" \
    awk -F '\t' '$1 == "other" && NF == 2 && $2 + 0 < 0.999 { f++ } END { exit !(f > 0) }' fb.tsv
"$N" predict -q -m m.nlp --threshold 0.999 --fallback other --output-format jsonl test.txt >fb.jsonl
check "JSONL below --threshold: the fallback, no labels" \
    test "$(grep -c '"label":"other","p":0\.[0-9]*,"labels":\[\]}$' fb.jsonl)" -eq "$(grep -c '^other' fb.tsv)"
# JSONL: the same labels
"$N" predict -q -m m.nlp --output-format jsonl test.txt >p.jsonl
/usr/bin/python3 -c '
import json, sys
tsv = [l.rstrip("\n").split("\t") for l in open("p.tsv")]
for t, line in zip(tsv, open("p.jsonl")):
    o = json.loads(line)
    want = [] if t == ["", ""] else [(t[i], t[i + 1]) for i in range(0, len(t), 2)]
    got = [(x["label"], "%.6f" % x["p"]) for x in o["labels"]]
    if got != want or (o["label"] != (want[0][0] if want else None)):
        sys.exit("mismatch: %r %r" % (t, o))
' >py.err 2>&1
check "JSONL lists the TSV's labels ($(head -c 200 py.err))" test ! -s py.err
expect_status 2 "--min-p with a single-label model" "$N" predict -m single.nlp --min-p 0.3 test.txt
check "it says why" grep -q 'is single-label' "$T/err"

# eval: the figures from predict's own sets, worked out here
expect_status 0 "eval --json" "$N" eval -m m.nlp --json --threads 1 test.tsv
cp "$T/out" e1.json
"$N" eval -q -m m.nlp --json --threads 2 test.tsv >e2.json
check "the same figures on 2 threads" \
    test "$(grep -v -e seconds -e examples_per_s e1.json)" = "$(grep -v -e seconds -e examples_per_s e2.json)"
/usr/bin/python3 -c '
import json, sys
gold = [set(l.split("\t", 1)[0].split(",")) for l in open("test.tsv", encoding="utf-8")]
pred = []
for l in open("p.tsv", encoding="utf-8"):
    f = l.rstrip("\n").split("\t")
    pred.append(set() if f == ["", ""] else set(f[0::2]))
labels = set().union(*gold, *pred)
tp = sum(len(g & p) for g, p in zip(gold, pred))
np_ = sum(len(p) for p in pred); ng = sum(len(g) for g in gold)
P, R = tp / np_, tp / ng
want = {
    "subset_accuracy": sum(g == p for g, p in zip(gold, pred)) / len(gold),
    "hamming_loss": sum(len(g ^ p) for g, p in zip(gold, pred)) / (len(gold) * len(labels)),
    "micro": 2 * P * R / (P + R),
    "samples": sum(2 * len(g & p) / (len(g) + len(p)) for g, p in zip(gold, pred)) / len(gold),
}
def f1(l):
    t = sum(l in g and l in p for g, p in zip(gold, pred))
    pp = sum(l in p for p in pred); gg = sum(l in g for g in gold)
    pr = t / pp if pp else 0; rc = t / gg if gg else 0
    return 2 * pr * rc / (pr + rc) if pr + rc else 0
want["macro"] = sum(f1(l) for l in labels) / len(labels)
e = json.load(open("e1.json"))
got = {"subset_accuracy": e["subset_accuracy"], "hamming_loss": e["hamming_loss"],
       "micro": e["micro_avg"]["f1"], "samples": e["samples_avg"]["f1"],
       "macro": e["macro_avg"]["f1"]}
bad = [k for k in want if abs(want[k] - got[k]) > 1e-9]
if bad or e["accuracy"] != e["subset_accuracy"] or not e["multilabel"] or len(e["per_class"]) != len(labels):
    sys.exit("eval %r, from predict %r" % (got, want))
print("%.4f %.4f" % (want["micro"], want["subset_accuracy"]))
' >figures 2>&1
check "eval's figures are those of predict's sets ($(head -c 300 figures))" \
    grep -Eq '^[01]\.[0-9]{4} [01]\.[0-9]{4}$' figures
expect_status 0 "eval: the report" "$N" eval -m m.nlp test.tsv
check "the report ends with subset accuracy, the averages, Hamming loss" \
    test "$(grep -Ec '^ *(subset accuracy|macro avg|weighted avg|micro avg|samples avg|hamming loss) ' "$T/out")" -eq 6
check "it says multi-label and the cut-off" grep -q 'multi-label: the labels of p >= 0.5' "$T/out"
"$N" eval -q -m m.nlp --min-p 0.9 --json test.tsv >e9.json
check "--min-p moves the figures" test "$(grep '"min_p"' e9.json)" = '  "min_p": 0.9,'
expect_status 1 "gate: --min-f1 0.99 fails" "$N" eval -m m.nlp --min-f1 0.99 test.tsv
expect_status 0 "gate: --min-accuracy 0.05 passes" "$N" eval -m m.nlp --min-accuracy 0.05 test.tsv
expect_status 0 "--baseline of the same kind, --max-drop" \
    "$N" eval -m m.nlp --baseline m2.nlp --max-drop 0 test.tsv
for o in "--bootstrap 40" "--errors 3" --confusion "--max-log-loss 1" "--max-ece 0.1"; do
	# shellcheck disable=SC2086
	expect_status 2 "eval $o with a multi-label model" "$N" eval -m m.nlp $o test.tsv
done
expect_status 2 "a single-label baseline" "$N" eval -m m.nlp --baseline single.nlp test.tsv
# a tag the model never learned beside tags it knows, on most examples:
# misses to count, not data for another model; only such tags is.
# Regression (fixed): refused, status 3, as soon as half had a new tag
awk -F '\t' 'BEGIN { OFS = "\t" } NR % 3 { $1 = $1 ",zz::new" } { print }' test.tsv >newtag.tsv
expect_status 0 "eval: a new tag beside known ones on two thirds of the examples" "$N" eval -q -m m.nlp newtag.tsv
awk -F '\t' 'BEGIN { OFS = "\t" } NR % 3 { $1 = "zz::new" } { print }' test.tsv >onlynew.tsv
expect_status 3 "eval: only a new tag on two thirds of the examples" "$N" eval -q -m m.nlp onlynew.tsv
check "... data for another model ($(cat "$T/err"))" grep -q "have only gold labels the model never learned ('zz::new'" "$T/err"
expect_status 2 "eval --min-p with a single-label model" "$N" eval -m single.nlp --min-p 0.5 test.tsv
expect_status 2 "eval --label-sep with a single-label model" "$N" eval -m single.nlp --label-sep ';' test.tsv

# drift: the labels predicted, against those predicted for the held-out
# examples (a sample, tested as one): text like the training text does
# not drift, the Perl packages alone do
sig() { "$N" drift -m m.nlp --json "$1" 2>/dev/null | /usr/bin/python3 -c '
import json, sys
print([s["drifted"] for s in json.load(sys.stdin)["signals"] if s["name"] == "predicted_labels"][0])'; }
check "drift: predicted labels of the test text: no drift ($(sig test.txt))" test "$(sig test.txt)" = False
# its 200 held-out examples are fewer than 20 a label: a PSI of their own
# noise (0.13 for a model of 318 on the same text, drifted): by the
# Jensen-Shannon distance corrected for sampling noise (small_reference)
# for the large sample
if [ $san -eq 0 ]; then
	"$N" drift -m m.nlp --json --small 100 test.txt 2>/dev/null >mlsig.json
	check "drift: a large sample's predicted labels judged by the test, the reference being small" /usr/bin/python3 -c '
import json, sys
s = [s for s in json.load(open(sys.argv[1]))["signals"] if s["name"] == "predicted_labels"][0]
sys.exit(0 if s["decided_by"] == "small_reference" and s["statistic_name"] == "jensen_shannon_corrected" and not s["drifted"] else 1)' mlsig.json
fi
grep -i perl test.txt >perl.txt
check "drift: predicted labels of Perl texts alone: drift ($(sig perl.txt))" test "$(sig perl.txt)" = True
# a model of 600 examples holds none out, so has no predictions of its
# own to compare with.  Regression (fixed): its predictions were compared
# with the training labels, of which it predicts fewer, and drifted
# (chi2 p 1e-71) on text like its training text
head -n 600 train.tsv >t600.tsv
"$N" train -q --multilabel -o t600.nlp t600.tsv
expect_status 0 "drift, a multi-label model that held out nothing: no drift on its test text" "$N" drift -m t600.nlp test.txt
check "... predicted_labels left out, and said in the report" sh -c "! grep -q '^predicted_labels  ' '$T/out' && grep -q '^predicted_labels not compared: the multi-label model held out no examples' '$T/out'"
check "... not on stderr (the model's, the same every night: cron mailed it)" sh -c "! grep -q 'not compared' '$T/err'"
# labeled multi-label text: drift's gold labels are one a record, so a
# multi-label model's are not compared (with a note).  Regression (fixed):
# a TSV label list read as one label the model never had, fastText lines
# of several labels were skipped, and the model's own test text drifted
"$N" drift -m m.nlp --json test.tsv >ml-drift.json 2>"$T/err"
check "drift on the labeled test TSV: a verdict ($?)" test $? -le 1
check "... no gold_labels signal" sh -c "! grep -q '\"gold_labels\"' ml-drift.json"
check "... says why" grep -q "is a multi-label model: the input's gold labels are not compared" "$T/err"
expect_status 2 "... --label-column with a multi-label model" "$N" drift -m m.nlp --format tsv --label-column 1 --text-column 2 test.tsv

# train's refusals
expect_status 2 "--label-sep without --multilabel" "$N" train --label-sep ';' -o x.nlp train.tsv
expect_status 2 "--label-sep of two characters" "$N" train --multilabel --label-sep ab -o x.nlp train.tsv
expect_status 2 "--label-sep TAB" "$N" train --multilabel --label-sep "$(printf '\t')" -o x.nlp train.tsv
expect_status 2 "--class-weight balanced --multilabel" "$N" train --multilabel --class-weight balanced -o x.nlp train.tsv
check "no artifact left by a refusal" test ! -e x.nlp

# quantized and autotuned multi-label models work as well
if [ $san -eq 0 ]; then
	"$N" train -q --multilabel $ep --quantize -o q.nlp train.tsv
	"$N" predict -q -m q.nlp test.txt >q.tsv
	same=$(cut -f1 p.tsv | paste - q.tsv | awk -F '\t' '$1 == $2 { k++ } END { print int(100 * k / NR) }')
	check "quantized: the same first label on $same% of the texts" test "$same" -ge 95
	expect_status 0 "train --multilabel --autotune --trials 2" \
	    "$N" train --multilabel --autotune --trials 2 --epochs 3 -o at.nlp train.tsv
	check "autotune trials have subset accuracy" grep -q 'trial 2/2: .*macro-F1' "$T/err"
fi

# out of memory in the multi-label paths (failmalloc, plain build only):
# some 15 allocations spread over each run of train, predict and eval
# (MULTILABEL_OOM_POINTS; make stress: every one), from an offset a seed
# chooses (MULTILABEL_OOM_SEED, printed: 1 unless set, "random" for any),
# made to fail one at a time: exit 4 with one line saying so and no
# output file (stdout empty), or the run's exact output
FM=${NLP_FAILMALLOC:-}
if [ $san -eq 0 ] && [ -z "$FM" ]; then
	fail "NLP_FAILMALLOC (obj/tools/failmalloc.so) is not set: run through make test"
elif [ $san -eq 0 ]; then
	seed=${MULTILABEL_OOM_SEED:-1}
	[ "$seed" = random ] && seed=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
	head -n 150 train.tsv >small.tsv
	head -n 60 test.tsv >stest.tsv
	cut -f2 stest.tsv >stest.txt
	"$N" train -q --multilabel --epochs 2 -o want.nlp small.tsv
	"$N" predict -q -m want.nlp --output-format jsonl stest.txt >want.jsonl
	"$N" eval -q -m want.nlp --json --threads 1 stest.tsv |
	    grep -v -e '"seconds"' -e '"examples_per_s"' >want.json
	# sweep NAME OUT WANT CMD...: OUT is the file CMD writes (or "-" for
	# stdout), WANT what it must hold when the run succeeds
	sweep() {
		name=$1 out=$2 want=$3; shift 3
		FAILMALLOC_COUNT=$T/allocs LD_PRELOAD=$FM "$@" >/dev/null 2>&1
		total=$(cat "$T/allocs" 2>/dev/null || echo 0)
		stride=$((total / ${MULTILABEL_OOM_POINTS:-$pts} + 1))
		k=$((1 + (seed - 1) % stride))
		echo "multilabel.sh: failmalloc: $name: $total allocations, each ${stride} from number $k (MULTILABEL_OOM_SEED=$seed)" >&2
		bad=
		while [ "$k" -le "$total" ]; do
			rm -f fm.nlp fm.jsonl
			FAILMALLOC_N=$k LD_PRELOAD=$FM "$@" >fm.out 2>fm.err
			st=$?
			[ "$out" = - ] && got=fm.out || got=$out
			case $got in
			*.nlp) same() { cmp -s "$got" "$want"; } ;;
			*) same() { grep -v -e '"seconds"' -e '"examples_per_s"' "$got" | cmp -s - "$want"; } ;;
			esac
			# fm.err read by the shell (this runs some 80 times):
			# its lines, how many, and whether a temporary is left
			e1= e2= nerr=0
			while IFS= read -r l || [ -n "$l" ]; do
				nerr=$((nerr + 1))
				[ $nerr -eq 1 ] && e1=$l
				[ $nerr -eq 2 ] && e2=$l
			done <fm.err
			tmpleft=0
			for f in .fm.*; do [ -e "$f" ] && tmpleft=1; done
			if [ $st -eq 0 ] && same; then
				:
			elif [ $st -eq 4 ] && [ $nerr -ge 1 ] && case $e1 in
			    "nlpops "*": wrote '$out', but cannot sync its directory"*) true ;;
			    *) false ;; esac && same; then
				:       # in place, whole; its directory's sync failed
			elif [ $st -eq 4 ] && [ $nerr -eq 2 ] &&
			    [ "$e1" = 'Fatal Internal Error in libarchive: Out of memory' ] &&
			    [ "$e2" = 'nlpops: a library ended the process (out of memory?)' ] &&
			    [ ! -e "$out" ] && [ $tmpleft -eq 0 ]; then
				:       # libarchive ends the process with a line
				        # of its own (tests/RELIABILITY.md)
			elif [ $st -eq 4 ] && [ $nerr -eq 1 ] && case $e1 in
			    *"out of memory"*|*"Cannot allocate memory"*) true ;;
			    *) false ;; esac &&
			    [ ! -s fm.out ] && { [ "$out" = - ] || [ ! -e "$out" ]; } &&
			    [ $tmpleft -eq 0 ]; then
				:
			else
				bad="$bad N=$k:exit=$st:$(head -c 80 fm.err | tr '\n' ' ')"
			fi
			k=$((k + stride))
		done
		check "$name: each failed allocation is exit 4 'out of memory' or the exact output ($total allocations):$(echo "$bad" | cut -c1-500)" test -z "$bad"
	}
	pts=15
	sweep "train --multilabel" fm.nlp want.nlp "$N" train -q --multilabel --epochs 2 -o fm.nlp small.tsv
	sweep "predict -o (multi-label)" fm.jsonl want.jsonl "$N" predict -q -m want.nlp --output-format jsonl -o fm.jsonl stest.txt
	sweep "eval --json (multi-label)" - want.json "$N" eval -q -m want.nlp --json --threads 1 stest.tsv
	# the single-label paths, with the same oracle: train (plain and
	# --quantize), predict -o and predict --profile-out
	zcat "$DATA/spam.train.tsv.gz" | head -150 >single.tsv
	cut -f2 single.tsv | head -60 >single.txt
	"$N" train -q --epochs 2 -o want1.nlp single.tsv
	"$N" train -q --epochs 2 --quantize -o wantq.nlp single.tsv
	"$N" predict -q -m want1.nlp -o want1.tsv single.txt
	"$N" predict -q -m want1.nlp --profile-out wantp.json single.txt >/dev/null
	pts=4    # make check: fewer here (the same code, one label a line)
	sweep "train" fm.nlp want1.nlp "$N" train -q --epochs 2 -o fm.nlp single.tsv
	sweep "train --quantize" fm.nlp wantq.nlp "$N" train -q --epochs 2 --quantize -o fm.nlp single.tsv
	sweep "predict -o" fm.jsonl want1.tsv "$N" predict -q -m want1.nlp -o fm.jsonl single.txt
	sweep "predict --profile-out" fm.jsonl wantp.json "$N" predict -q -m want1.nlp -o fm.tsv --profile-out fm.jsonl single.txt
	# the SVM solver (the default), its classes shared by 2 threads
	zcat "$DATA/debian.train.tsv.gz" | head -300 >classes.tsv
	"$N" train -q --threads 2 -o wantsvm.nlp classes.tsv
	pts=15
	sweep "train (svm, 2 threads)" fm.nlp wantsvm.nlp "$N" train -q --threads 2 -o fm.nlp classes.tsv
	# the refit (from 1000 examples: the held-out slice measures the
	# model, then every example trains it again), the SVM's and the
	# multi-label SGD's, --quantize after it
	zcat "$DATA/spam.train.tsv.gz" | head -1000 >refit.tsv
	head -n 1000 train.tsv >refitm.tsv
	"$N" train -q --bits 16 --quantize -o wantr.nlp refit.tsv
	"$N" train -q --multilabel --epochs 1 --bits 16 -o wantrm.nlp refitm.tsv
	pts=12
	sweep "train, refit (svm, --quantize)" fm.nlp wantr.nlp "$N" train -q --bits 16 --quantize -o fm.nlp refit.tsv
	sweep "train --multilabel, refit" fm.nlp wantrm.nlp "$N" train -q --multilabel --epochs 1 --bits 16 -o fm.nlp refitm.tsv
fi
