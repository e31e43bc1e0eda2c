# drift.sh - `nlpops drift` end to end, on the bundled samples: no drift
# between random halves of one dataset (8 seeds with --reference, a few
# with -m), drift that is built from the data and named by the right
# signals (class mix, injected vocabulary, another domain, shorter texts,
# damaged encoding, shuffled gold labels), the output (verdict line,
# --json, --prom, -q), exit statuses, and determinism.
#
# Checks under "Regression (fixed)" reproduce bugs found by this file.
#
# DRIFT_FIGURES=1 prints each no-drift run's statistics on stderr;
# DRIFT_MSEEDS=20 runs 20 seeds with -m too, each halves' seed also the
# drift's --seed: the current texts the domain classifier reads are those
# of smallest hash under --seed, and under one --seed for every halves the
# same few texts of the 2300 (those of smallest hash) make every current
# sample, so that one chance oddity of theirs said drift in 4 to 6 of 24
# halves (2026-12-06); with the seeds apart, 3 of 64 (alpha 0.05).
. "$TOP/tests/e2e/lib.sh"

N=$NLPOPS
PY=/usr/bin/python3
export HOME="$T/home"
unset XDG_DATA_HOME
mkdir -p "$HOME"
cd "$T" || exit 4      # bare names must not match files where we run

# make check runs the first 2 seeds and 1 with -m in the plain build, 1
# and 1 under the sanitizers (*/obj-san/nlpops), within its 8 minutes;
# DRIFT_SEEDS and DRIFT_MSEEDS set the counts (make stress: 100 and 20).
# The sanitizers leave out the runs that repeat one already made (-q,
# determinism, the texts given twice or thrice, words sprinkled rather
# than appended, the 500-label model): the same code, checked in the
# plain run.
case $N in
*/obj-san/nlpops) san=1 SEEDS=${DRIFT_SEEDS:-1} MSEEDS=${DRIFT_MSEEDS:-1} ;;
*) san=0 SEEDS=${DRIFT_SEEDS:-2} MSEEDS=${DRIFT_MSEEDS:-1} ;;
esac

# jq FILE EXPR: print the Python expression EXPR over the JSON document d.
jq() {
	"$PY" -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1" 2>/dev/null
}
# json_check DESC FILE EXPR: FILE parses as JSON and EXPR holds; helpers:
# sig(name) is the signal named, drifted(name) its verdict (or the domain
# classifier's, for "domain").
json_check() {
	jdesc=$1 jfile=$2 jexpr=$3
	if "$PY" -c "
import json,sys
d=json.load(open(sys.argv[1]))
def sig(n):
    return [s for s in d['signals'] if s['name']==n][0]
def drifted(n):
    return d['domain']['drifted'] if n=='domain' else sig(n)['drifted']
sys.exit(0 if ($jexpr) else 1)" "$jfile" 2>"$T/pyerr"
	then pass; else fail "$jdesc: $(head -c 300 "$T/pyerr") [$(drift_summary "$jfile")]"; fi
}
# drift_summary FILE: the drifted signals of a --json report, for messages.
drift_summary() {
	jq "$1" "' '.join(s['name'] for s in d['signals'] if s['drifted']) + ' domain=%s' % d['domain'].get('auc')"
}
# expect_drifted DESC FILE NAME... : each named signal drifted.
expect_drifted() {
	edesc=$1 efile=$2; shift 2
	for s in "$@"; do
		json_check "$edesc: $s drifted" "$efile" "drifted('$s')"
	done
}
# expect_quiet DESC FILE MAX NAME... : at most MAX of the named (unrelated)
# signals drifted.
expect_quiet() {
	qdesc=$1 qfile=$2 qmax=$3; shift 3
	qlist=$(printf "'%s'," "$@")
	json_check "$qdesc: at most $qmax of the unrelated signals ($*) drifted" \
	    "$qfile" "sum(1 for s in d['signals'] if s['name'] in ($qlist) and s['drifted']) <= $qmax"
}

# --- the data: the spam sample's texts (train + test), labeled and not
zcat "$DATA/spam.train.tsv.gz" "$DATA/spam.test.tsv.gz" >all.tsv
zcat "$DATA/debian.train.tsv.gz" "$DATA/debian.test.tsv.gz" | cut -f2 >debian.txt
check "the samples are there (2300 spam, 600 debian lines)" \
    test "$(wc -l <all.tsv)" -eq 2300 -a "$(wc -l <debian.txt)" -eq 600

# halves SEED: a seeded shuffle of all.tsv cut in two, a.tsv/b.tsv (1150
# lines each) and their texts a.txt/b.txt.
halves() {
	"$PY" -c 'import random,sys; sys.stdout.buffer.write(random.Random(int(sys.argv[1])).randbytes(1 << 16))' "$1" >rand.$1
	shuf --random-source=rand.$1 all.tsv >shuffled.tsv
	head -n 1150 shuffled.tsv >a.tsv
	tail -n +1151 shuffled.tsv >b.tsv
	cut -f2 a.tsv >a.txt
	cut -f2 b.tsv >b.txt
}
# figures SEED FILE: one line of statistics on stderr, with DRIFT_FIGURES.
figures() {
	[ -n "${DRIFT_FIGURES:-}" ] || return 0
	jq "$2" "'seed $1 ' + ' '.join('%s=%.4f%s' % (s['name'], s['statistic'] if s['statistic'] is not None else float('nan'), '*' if s['drifted'] else '') for s in d['signals']) + ' auc=%.4f/%.4f%s' % (d['domain']['auc'], d['domain']['threshold'], '*' if d['domain']['drifted'] else '')" >&2
}

# --- no drift: random halves of one dataset, default thresholds.
# Figures (20 seeds, --reference): vocabulary Jensen-Shannon 0.082 to
# 0.095 against its threshold 0.1 - the token bins' small-sample bias,
# which grows as the current text shrinks (0.11 to 0.13 for 300 texts);
# lengths (normed Wasserstein) up to 0.104; domain AUC 0.46 to 0.53.
s=1
while [ $s -le $SEEDS ]; do
	halves $s
	expect_status 0 "no drift between random halves, --reference, seed $s" \
	    "$N" drift --json --reference a.txt b.txt
	figures "$s ref" "$T/out"
	[ $s -eq 1 ] && cp "$T/out" nodrift.json
	s=$((s + 1))
done
# (two of spam's mails are the same in their first 2000 bytes, all the
# classifier reads of a text: one of them counts once)
json_check "halves of 1150 texts: the domain classifier's fixed AUC threshold" \
    nodrift.json "d['domain']['method']=='threshold' and d['domain']['threshold']==0.55 and d['domain']['texts_per_side'] in (1149, 1150)"
s=1
while [ $s -le $MSEEDS ]; do
	halves $s
	"$N" train -q -o half.nlp a.tsv
	expect_status 0 "no drift between random halves, -m trained on one, seed $s" \
	    "$N" drift --json --seed $s -m half.nlp b.txt
	figures "$s model" "$T/out"
	[ $s -eq 1 ] && cp "$T/out" nodrift-m.json
	s=$((s + 1))
done
# Regression (fixed): texts both sides have were split between the domain
# classifier's folds at random, learnt on one side and measured on the
# other, so they scored as the wrong side: a file against itself gave AUC
# 0.17, and a day that repeats the reference's texts hid the drift of the
# rest (spam's test texts plus 400 debian ones against the test texts:
# AUC 0.41, no drift).  Expected: a text in one fold on both sides.
halves 1
expect_status 0 "no drift: a file against itself" "$N" drift --json --reference a.txt a.txt
json_check "... the domain classifier's AUC is 0.5, copies in one fold tie" "$T/out" \
    "d['domain']['auc']==0.5 and not d['domain']['drifted']"
head -n 300 debian.txt | cat a.txt - >a-debian.txt
expect_status 1 "drift: the reference's texts and 300 debian ones" \
    "$N" drift --json --reference a.txt a-debian.txt
json_check "... which the domain classifier tells apart" "$T/out" \
    "d['domain']['auc'] > 0.55 and drifted('domain')"

# Regression (fixed): a log that repeats its texts (retried requests, one
# mail scored twice) said drift: each copy of a text was one of the domain
# classifier's texts, learnt in one fold and found in the other (AUC 0.97
# for the texts twice, 1.00 for 18 times).  Expected: copies count once.
halves 1
cat b.txt b.txt b.txt >b3.txt
expect_status 0 "no drift between halves, the current one's texts three times each" \
    "$N" drift --json --reference a.txt b3.txt
cp "$T/out" b3.json
json_check "... the domain classifier sees each text once" b3.json \
    "d['domain']['texts_per_side']==json.load(open('nodrift.json'))['domain']['texts_per_side'] and not d['domain']['drifted']"
if [ $san -eq 0 ]; then
cat a.txt a.txt >a2.txt
expect_status 0 "... nor with the reference's texts twice each" \
    "$N" drift --json --reference a2.txt b.txt
json_check "... once there too" "$T/out" "d['domain']['texts_per_side']==json.load(open('nodrift.json'))['domain']['texts_per_side']"
fi
# Near copies of the reference's texts (each with a word before it):
# each fold's texts are scored by their near copies learnt in the other,
# far below chance (0.35 here), which says nothing of drift: said (not
# under -q).  (Exact copies fall in one fold: 0.50.)  Halves of one text
# (nodrift.json) are not below chance.
sed 's/^/note: /' a.txt >a-note.txt
expect_status 0 "the reference's texts, each after one word" "$N" drift --reference a.txt a-note.txt
check "... and the domain test says it cannot judge them ($(cat "$T/err"))" \
    grep -q '^nlpops drift: warning: domain AUC 0\.[0-4][0-9] is below chance: the sides share texts' "$T/err"
"$N" drift -q --json --reference a.txt a-note.txt >a-note.json 2>"$T/err"
json_check "... in --json's warnings" a-note.json "[w for w in d['warnings'] if 'below chance' in w]"
check "... and not on stderr under -q" test ! -s "$T/err"
json_check "... a warning halves of one text do not get" nodrift.json \
    "d['domain']['auc'] >= 0.45 and not [w for w in d['warnings'] if 'below chance' in w]"

# Regression (fixed): with -m the domain classifier has only the model's
# held-out texts (57 here), but the fixed AUC threshold 0.55 was used
# whenever the current text had more than 1000 records: 7 of 20 random
# halves said drift.  Expected: a permutation test when texts are few.
# (With 24 seeds here, 2 say drift: seeds 21 and 23, AUC 0.637 against
# 0.628 and 0.556 against 0.552 - the 5% that alpha allows;
# DRIFT_MSEEDS=24 shows it.)
json_check "-m: 57 held-out texts per side, judged by permutations" nodrift-m.json \
    "d['domain']['method']=='permutation' and d['domain']['texts_per_side']==57"
# Regression (fixed): the model's 57 held-out confidences against 1150
# current ones were judged by normed Wasserstein (> 0.1 in 17 of 20 seeds).
# Expected: a KS p-value, as for any small sample.
json_check "-m: the confidence signal of a 57-value reference is a KS test" \
    nodrift-m.json "sig('confidence')['statistic_name'].startswith('ks') and not drifted('confidence')"
json_check "-m: all nine signals are there" nodrift-m.json \
    "[s['name'] for s in d['signals']]==['vocabulary','oov_rate','length_tokens','length_chars','non_letter_share','empty_share','bad_utf8_share','predicted_labels','confidence']"

# From here on: a = the half of seed 1 as reference, b the other half.
halves 1
"$N" train -q -o half.nlp a.tsv
# --- a JSONL file read as plain text (a serve log named .log): said, as
# the report is then of its keys and values
head -n 60 a.txt | /usr/bin/python3 -c 'import json, sys; [print(json.dumps({"text": l.rstrip("\n"), "id": i})) for i, l in enumerate(sys.stdin)]' >served.log
"$N" drift -q -m half.nlp served.log >/dev/null 2>"$T/err"
check "drift of JSON lines read as plain text: a warning, even with -q" grep -q "warning: 60 of 60 records are in the form of a JSON object, read as plain text: give --format jsonl" "$T/err"
"$N" drift -q -m half.nlp --format jsonl served.log >/dev/null 2>"$T/err"
check "... none with --format jsonl" test ! -s "$T/err"
"$N" predict -m half.nlp served.log >/dev/null 2>"$T/err"
check "predict says it too" grep -q "60 records in the form of a JSON object read as plain text (--format jsonl reads the text field) (first at served.log:1)" "$T/err"

# predicted_labels: the current predictions against the model's own on
# its held-out examples (57, above 20 a label), recorded in the profile,
# not the training labels.  Regression (fixed): an imperfect model's
# predictions, whose mix is not its labels', drifted on its own kind of
# text (15% of debian's 1000-text samples of its test text at 0.05)
"$N" predict -q -m half.nlp b.txt | cut -f1 >b.pred
"$N" drift --json -m half.nlp b.txt >pl.json 2>/dev/null
tar -xOf half.nlp profile >half.profile
res=$("$PY" -c '
import json, math, sys
prof = json.load(open("half.profile")); d = json.load(open("pl.json"))
ref = prof["held_out"]["predicted"]
cur = {}
for l in open("b.pred"):
    cur[l.strip()] = cur.get(l.strip(), 0) + 1
labs = sorted(set(ref) | set(cur))
r = [ref.get(x, 0) + 1e-4 for x in labs]; c = [cur.get(x, 0) + 1e-4 for x in labs]
psi = sum((b / sum(c) - a / sum(r)) * math.log((b / sum(c)) / (a / sum(r))) for a, b in zip(r, c))
got = [s for s in d["signals"] if s["name"] == "predicted_labels"][0]["detail"]["psi"]
print("ok" if sum(ref.values()) == prof["held_out"]["n"] and abs(got - psi) <= 1e-9 * max(1, psi) else "psi %r, want %r" % (got, psi))
' 2>&1)
check "predicted_labels' reference is the held-out predictions ($res)" test "$res" = ok
# vocabulary's chi-squared over the bins the reference saw, their current
# total shared by them alone.  Regression (fixed): the expected counts
# shared the whole current total, new tokens' too, and the same mix over
# the reference's tokens read as chi2 15.4, p 9e-5
yes "hello world" | head -n 1200 >hw.txt
{ yes "hello world" | head -n 1100; yes "hello there big world" | head -n 100; } >hw2.txt
"$N" drift --json --reference hw.txt hw2.txt >hw.json 2>/dev/null
json_check "vocabulary: the same mix over the reference's tokens, chi2 0" hw.json \
    "sig('vocabulary')['detail']['chi2'] == 0 and sig('vocabulary')['detail']['chi2_p_value'] == 1"
# the length sample: bottom-k of distinct texts, each with its copies.
# 5000 records, 2000 of them one text: its copies are one entry that
# counts 2000, and the 3001 distinct texts are all there, so the figures
# are the records' own (scipy.stats' distance on every line).  Regression (fixed): the
# copies, of one hash, were all in the sample or none (here all: 2000 of
# its 4096 entries), and the distance read 1.95 where it is 1.59
"$PY" -c '
import random
r = random.Random(5)
def line(n): return " ".join("w%s" % "".join(r.choice("abcdefgh") for _ in range(3)) for _ in range(n))
open("lr.txt", "w").write("".join(line(r.randint(1, 30)) + "\n" for _ in range(1500)))
cur = [line(r.randint(1, 30)) for _ in range(3000)] + [line(50)] * 2000
r.shuffle(cur)
open("lc.txt", "w").write("\n".join(cur) + "\n")'
"$N" drift --json --reference lr.txt lc.txt >lc.json 2>/dev/null
res=$("$PY" -c '
import json, statistics
def wasserstein_distance(u, v):   # scipy.stats, without SciPy
    vals = sorted(set(u) | set(v)); w = 0
    for a, b in zip(vals, vals[1:]):
        w += abs(sum(x <= a for x in u) / len(u) - sum(x <= a for x in v) / len(v)) * (b - a)
    return w
d = json.load(open("lc.json"))
ref = [len(l.split()) for l in open("lr.txt")]; cur = [len(l.split()) for l in open("lc.txt")]
want = wasserstein_distance(ref, cur) / statistics.stdev(ref)
s = [x for x in d["signals"] if x["name"] == "length_tokens"][0]
print("ok" if abs(s["statistic"] - want) <= 1e-9 and abs(s["current"] - sum(cur) / len(cur)) <= 1e-6 else "%r, want %r" % (s["statistic"], want))' 2>&1)
check "a text of 2000 copies: length_tokens as SciPy on every record ($res)" test "$res" = ok
# a short day: the distributions it cannot fill are left out, and said
head -n 5 b.txt >five.txt
expect_status 0 "-m, 5 current records" "$N" drift --json -m half.nlp five.txt
json_check "... some of the nine signals are left out, each named in a warning" "$T/out" \
    "[n for n in ['vocabulary','predicted_labels'] if n not in [s['name'] for s in d['signals']]] and all(any(w.startswith(n + ' not compared: too few texts') for w in d['warnings']) for n in ['vocabulary','oov_rate','length_tokens','length_chars','non_letter_share','empty_share','bad_utf8_share','predicted_labels','confidence'] if n not in [s['name'] for s in d['signals']])"
check "... on stderr too" grep -q '^nlpops drift: warning: predicted_labels not compared: too few texts' "$T/err"
# a model of 600 examples holds none out: its sample is training texts,
# no reference for the words it lacks (all of theirs it has), and it has
# no held-out confidences.  Regression (fixed): oov_rate was compared
# with the training texts' rate, near 0, and drifted on text like them
head -n 600 a.tsv >a600.tsv
"$N" train -q -o few.nlp a600.tsv
expect_status 0 "-m a model that held out nothing, text like its own" "$N" drift --json -m few.nlp b.txt
json_check "... oov_rate and confidence left out, each said" "$T/out" \
    "not [s for s in d['signals'] if s['name'] in ('oov_rate', 'confidence')] and any(w.startswith('oov_rate not compared: the model held out 0 examples, fewer than 50') for w in d['warnings']) and any(w.startswith('confidence not compared: the model held out no examples') for w in d['warnings'])"
check "... the other signals kept" sh -c "grep -q '\"predicted_labels\"' '$T/out' && grep -q '\"vocabulary\"' '$T/out'"
# in the text report, under its own heading, and not on stderr: a fact
# of the model, the same every night.  Regression (fixed): a warning on
# stderr each run, which cron mailed every night of no drift
expect_status 0 "... the text report of that model" "$N" drift -m few.nlp b.txt
check "... lists what the model leaves out" sh -c "grep -qx 'left out by the model:' '$T/out' && grep -q '^oov_rate not compared: the model held out 0 examples' '$T/out' && grep -q '^confidence not compared: the model held out no examples' '$T/out'"
check "... and stderr says none of it" sh -c "! grep -q 'not compared' '$T/err'"
# with --valid (100 examples, none trained on) its sample is --valid's
# texts, and oov_rate compared.  Regression (fixed): a --valid model's
# sample was training texts, whose out-of-vocabulary rate was the
# reference all the same
head -n 100 b.tsv >v100.tsv
"$N" train -q -o fewv.nlp --valid v100.tsv a600.tsv
check "a model with --valid: its sample is --valid's texts" sh -c "tar -xOf fewv.nlp sample | tr '\\000' '\\n' | head -n 5 | while IFS= read -r s; do grep -qF -- \"\$s\" v100.tsv || exit 1; done"
expect_status 0 "... drift on text like its own" "$N" drift --json -m fewv.nlp b.txt
json_check "... oov_rate compared, against --valid's texts" "$T/out" \
    "[s for s in d['signals'] if s['name'] == 'oov_rate'] and not [w for w in d['warnings'] if w.startswith('oov_rate not compared')]"
# the report says so when its rule line (3450 current records: effect
# sizes) is not the domain classifier's (57 texts a side: permutations)
expect_status 0 "-m, 3450 current records, 57 texts a side" "$N" drift -m half.nlp b3.txt
check "... the report says the classifier was judged by the permutation test" sh -c "grep -q '^rule: effect sizes (large sample: 3450 current records)' '$T/out' && grep -q '^domain classifier: 57 reference texts vs 57 current, judged by the permutation test (few texts a side, however many current records)$' '$T/out'"

# --- drift (a): another class mix.  The model learns from mostly ham (all
# the training ham, 60 spam); the current text is mostly spam.
awk -F'\t' '$1 == "ham"' all.tsv >ham.tsv
awk -F'\t' '$1 == "spam"' all.tsv >spam.tsv
{ head -n 1258 ham.tsv; head -n 60 spam.tsv; } >hamref.tsv
"$N" train -q -o hamref.nlp hamref.tsv
{ tail -n +61 spam.tsv; tail -n 40 ham.tsv; } | cut -f2 >spamcur.txt
expect_status 1 "(a) a spam-heavy feed against a ham-heavy model: drift" \
    "$N" drift --json -m hamref.nlp spamcur.txt
cp "$T/out" a.json
expect_drifted "(a) class mix" a.json predicted_labels domain
expect_quiet "(a) class mix" a.json 1 length_tokens length_chars non_letter_share empty_share bad_utf8_share
# (the reference's predictions are some 5% spam; the current ones, of
# 643 spam and 40 ham texts, about half: the model learned from 60 spam)
json_check "(a) predictions moved to spam: its share grew over fivefold" a.json \
    "(lambda h: h['spam'][1] / (h['spam'][1] + h['ham'][1]) > 5 * h['spam'][0] / (h['spam'][0] + h['ham'][0]))(d['histograms']['labels'])"

# --- drift (b): three novel words appended to every current line
sed 's/$/ zorblax quuxified frobnitz/' b.txt >injected.txt
expect_status 1 "(b) injected vocabulary: drift" \
    "$N" drift --json --reference a.txt injected.txt
cp "$T/out" b.json
json_check "(b) vocabulary or domain drifted" b.json "drifted('vocabulary') or drifted('domain')"
json_check "(b) the new words are among the tokens that grew" b.json \
    "{'zorblax','quuxified','frobnitz'} <= {t['token'] for t in d['tokens']['grew']}"
json_check "(b) the new words mark the current text for the domain classifier" b.json \
    "any(w in g['ngram'] for g in d['domain']['top_current'][:5] for w in ('zorblax','quuxified','frobnitz'))"
expect_quiet "(b) injected vocabulary" b.json 1 length_tokens length_chars non_letter_share empty_share bad_utf8_share
expect_status 1 "(b) the text report" "$N" drift --reference a.txt injected.txt
check "(b) ... among the words that grew" grep -q '^words whose share of texts grew most:.* zorblax' "$T/out"

# --- drift (b2): content words in one line in 20, the rest unchanged.
# Ranked by the change of their share of all tokens, "?" came first and
# ". : [" and "what", "your" followed (the old ranking fails here);
# by the log-odds z they lead, and function words stay out of the top 10.
if [ $san -eq 0 ]; then
awk 'NR % 20 == 1 { $0 = $0 " refund invoice crypto" } { print }' b.txt >sprinkled.txt
"$N" drift --json --reference a.txt sprinkled.txt >b2.json 2>/dev/null
json_check "(b2) the injected words lead the words that grew" b2.json \
    "{t['token'] for t in d['tokens']['grew'][:3]} == {'refund','invoice','crypto'}"
json_check "(b2) no function word among the first 10 that grew" b2.json \
    "not {'the','and','to','a','of','you','your','is','i','what','for','this'} & {t['token'] for t in d['tokens']['grew'][:10]}"
json_check "(b2) the lists hold words: no punctuation or digits" b2.json \
    "all(any(c.isalpha() for c in t['token']) for t in d['tokens']['grew'] + d['tokens']['shrank'])"
json_check "(b2) each word has its shares of texts and a z, in order" b2.json \
    "all({'reference_texts','current_texts','z'} <= set(t) for t in d['tokens']['grew']) and [t['z'] for t in d['tokens']['grew']] == sorted((t['z'] for t in d['tokens']['grew']), reverse=True)"
json_check "(b2) the injected words mark the current text" b2.json \
    "{'refund','invoice','crypto'} <= {g['ngram'] for g in d['domain']['top_current'][:6]}"
"$N" drift --reference a.txt sprinkled.txt >b2.txt 2>/dev/null
check "(b2) the text report: the injected words first" \
    grep -Eq '^words whose share of texts grew most: (crypto|invoice|refund) (crypto|invoice|refund) (crypto|invoice|refund) ' b2.txt
fi

# --- drift (c): texts of another domain (Debian package descriptions)
expect_status 1 "(c) Debian descriptions against spam: drift" \
    "$N" drift --json --reference a.txt debian.txt
cp "$T/out" c.json
expect_drifted "(c) another domain" c.json vocabulary length_tokens length_chars domain
expect_quiet "(c) another domain" c.json 0 empty_share bad_utf8_share
json_check "(c) 600 current texts: p-values, and a permutation test for the domain" c.json \
    "d['verdict']['rule'].startswith('p-values') and d['domain']['method']=='permutation' and d['domain']['auc'] > 0.95"
# Regression (fixed): the permutation runs kept the true test labels, so a
# classifier trained on shuffled labels still split two clearly different
# text kinds (at random which way round): the largest of 20 such AUCs was
# 0.80 here and 0.97 with -m, near the real one.  Expected: a null near 0.5.
json_check "(c) the permutation threshold is a null AUC, not a drifted one" c.json \
    "d['domain']['threshold'] < 0.7"
expect_status 1 "(c) -m: Debian descriptions against the spam model: drift" \
    "$N" drift --json -m half.nlp debian.txt
cp "$T/out" c-m.json
expect_drifted "(c) -m another domain" c-m.json vocabulary oov_rate length_tokens length_chars domain
json_check "(c) -m: the permutation threshold stays low" c-m.json "d['domain']['threshold'] < 0.8"
json_check "(c) -m: package words mark the current text" c-m.json \
    "any('package' in g['ngram'] for g in d['domain']['top_current'])"

# --- drift (d): lengths shifted, each text cut to its first five words
awk '{ print $1, $2, $3, $4, $5 }' b.txt >short.txt
expect_status 1 "(d) texts cut to five words: drift" \
    "$N" drift --json --reference a.txt short.txt
cp "$T/out" d.json
expect_drifted "(d) shorter texts" d.json length_tokens length_chars
json_check "(d) the lengths are effect sizes past 1 sd" d.json \
    "sig('length_tokens')['statistic'] > 1 and sig('length_chars')['statistic'] > 1"
expect_quiet "(d) shorter texts" d.json 0 non_letter_share empty_share bad_utf8_share

# --- drift (e): an encoding-damaged feed, latin-1 bytes in every other line
awk 'NR % 2 == 0 { $0 = "\351\350 " $0 } { print }' b.txt >damaged.txt
check "(e) half the lines carry invalid UTF-8" test "$(LC_ALL=C grep -c "$(printf '\351\350')" damaged.txt)" -eq 575
expect_status 1 "(e) damaged encoding: drift" \
    "$N" drift --json --reference a.txt damaged.txt
cp "$T/out" e.json
expect_drifted "(e) damaged encoding" e.json bad_utf8_share
json_check "(e) the bad UTF-8 share is 0.5 against 0" e.json \
    "sig('bad_utf8_share')['current']==0.5 and sig('bad_utf8_share')['reference']==0"
expect_quiet "(e) damaged encoding" e.json 0 vocabulary length_tokens length_chars non_letter_share empty_share
# With -m the signal drifts too, but the verdict is "no" (exit 0): one
# signal of nine, and 57 held-out texts per side leave the domain
# classifier short of its permutation threshold (AUC 0.56 against 0.62).
"$N" drift --json -m half.nlp damaged.txt >e-m.json 2>/dev/null
expect_drifted "(e) -m damaged encoding" e-m.json bad_utf8_share

# --- drift (f): concept drift, labeled current data with shuffled labels
cut -f1 b.tsv | shuf --random-source=rand.1 >labels
cut -f2 b.tsv | paste labels - >relabeled.tsv
expect_status 0 "(f) the true labels: no drift" \
    "$N" drift --json -m half.nlp --format tsv b.tsv
cp "$T/out" f0.json
json_check "(f) the true labels: accuracy and gold labels are signals, not drifted" f0.json \
    "not drifted('accuracy') and not drifted('gold_labels') and abs(sig('accuracy')['statistic']) < 0.05"
expect_status 1 "(f) shuffled labels: drift" \
    "$N" drift --json -m half.nlp --format tsv relabeled.tsv
cp "$T/out" f.json
expect_drifted "(f) shuffled labels" f.json accuracy
# Regression (fixed): an accuracy drop of 0.40 (0.96 held out, 0.57 now)
# was one signal of 11, and the verdict said "no" (exit 0), although
# --max-accuracy-drop is "the accuracy drop that is drift".  Expected: drift.
json_check "(f) the verdict is concept drift" f.json \
    "d['verdict']['drift'] and d['verdict']['concept_drift'] and sig('accuracy')['statistic'] > 0.3"
expect_quiet "(f) shuffled labels" f.json 1 gold_labels predicted_labels length_tokens length_chars vocabulary
# on a small sample the drop must pass the bound beyond its noise: 40
# records, 2 of them mislabeled (34 of 40 right: a drop of 0.11) are no
# concept drift; 13 of 40 are.  Regression (fixed in review): 50 records
# of the model's own test text said concept drift on 28 nights of 150
head -40 b.tsv | awk -F'\t' 'BEGIN { OFS = "\t" } NR % 20 == 0 { $1 = ($1 == "ham" ? "spam" : "ham") } { print }' >mis4.tsv
"$N" drift --json -m half.nlp --format tsv mis4.tsv >mis4.json 2>/dev/null
json_check "(f) 2 of 40 mislabeled: a drop past 0.05, not beyond the noise" mis4.json \
    "sig('accuracy')['statistic'] > 0.05 and not drifted('accuracy') and sig('accuracy')['decided_by'] == 'accuracy_drop_sure' and not d['verdict']['concept_drift']"
head -40 b.tsv | awk -F'\t' 'BEGIN { OFS = "\t" } NR % 3 == 0 { $1 = ($1 == "ham" ? "spam" : "ham") } { print }' >mis13.tsv
"$N" drift --json -m half.nlp --format tsv mis13.tsv >mis13.json 2>/dev/null
json_check "(f) 13 of 40 mislabeled: concept drift" mis13.json \
    "drifted('accuracy') and d['verdict']['concept_drift']"
expect_status 1 "(f) labeled data from stdin with --format tsv" \
    sh -c "'$N' drift -q -m half.nlp --format tsv <relabeled.tsv"
expect_status 0 "(f) a looser --max-accuracy-drop lets it pass" \
    "$N" drift -q -m half.nlp --format tsv --max-accuracy-drop 0.5 relabeled.tsv
# labeled reading of text without labels: every record skipped, said as
# such.  Regression (fixed): 'the input holds no record (an empty file,
# or an empty day?)' of a file of 1150 lines
expect_status 3 "plain text read as labeled TSV" "$N" drift -m half.nlp --format tsv b.txt
check "... says what the reading skipped, and where to look" grep -q "no current text to compare: the input holds no record but those the reading skipped: skipped 1150 records without a label (first at b.txt:1: no label before a TAB, see --format)" "$T/err"
# a new class in a third of the traffic, which the model cannot predict:
# those records are answers it got wrong, as eval counts them, and the
# accuracy is eval's.  Regression (fixed): only records of labels the
# model knew were counted, and drift said no (exit 0) where eval gave
# 0.66 against 0.99 held out.
awk -F'\t' -v OFS='\t' 'NR % 3 == 0 { $1 = "new product line" } { print }' b.tsv >newclass.tsv
expect_status 1 "(f) a new class in a third of the records: drift" \
    "$N" drift --json -m half.nlp --format tsv newclass.tsv
cp "$T/out" f-new.json
figs=$("$N" eval --json -m half.nlp newclass.tsv 2>/dev/null | "$PY" -c 'import json,sys; d=json.load(sys.stdin); print(d["accuracy"], d["macro_avg"]["f1"])')
json_check "(f) its accuracy and macro-F1 are eval's ($figs), and the verdict concept drift" f-new.json \
    "[round(sig('accuracy')['current'][k], 9) for k in ('accuracy', 'macro_f1')] == [round(float(x), 9) for x in '$figs'.split()] and d['verdict']['concept_drift']"
# more than half: data for another model (or labels spelled otherwise),
# refused as eval refuses it
awk -F'\t' -v OFS='\t' 'NR % 3 != 0 { $1 = "x" $1 } { print }' b.tsv >renamed.tsv
expect_status 3 "(f) two thirds of the gold labels unknown to the model" \
    "$N" drift -m half.nlp --format tsv renamed.tsv
check "... says so, naming the commonest" grep -q "^nlpops drift: [0-9]* of 1150 labeled records (67%) have gold labels the model never learned ('x[a-z]*', 'x[a-z]*'): is this data for another model?$" "$T/err"

# --- blank lines are empty_share's: they have no prediction, so they do
# not move the label mix or the confidences.  Regression (fixed): each
# counted as a prediction of the model's prior, and a tenth of blank lines
# made predicted_labels and confidence drift.
"$N" drift --json -m half.nlp b.txt >blank0.json 2>/dev/null
awk '{ print; if (NR % 3 == 0) print "" }' b.txt >blank.txt
"$N" drift --json -m half.nlp blank.txt >blank1.json 2>/dev/null
check "blank lines: empty_share drifted" "$PY" -c 'import json, sys
d = json.load(open("blank1.json"))
sys.exit(0 if [s for s in d["signals"] if s["name"] == "empty_share"][0]["drifted"] else 1)'
check "... predicted_labels and confidence as without them" "$PY" -c 'import json, sys
a, b = json.load(open("blank0.json")), json.load(open("blank1.json"))
pick = lambda d: [(s["name"], s["statistic"], s["drifted"]) for s in d["signals"] if s["name"] in ("predicted_labels", "confidence")]
sys.exit(0 if pick(a) == pick(b) and len(pick(a)) == 2 else 1)'

# --- drift (g): a model of 500 labels, each with its own 30 words among 8
# of 500 common ones.  Regression (fixed): 1500 texts like the training
# text, about 3 a label, made predicted_labels' PSI 0.84, "yes", from
# sampling noise alone; the rare labels now share a bin.  A text that
# piles onto one rare label is still drift.  (Plain build: under the
# sanitizers the 500-label training alone took 4 s.)
if [ $san -eq 0 ]; then
cat >labels500.awk <<'EOF'
BEGIN {
	srand(seed)
	for (i = 0; i < n; i++) {
		c = only != "" ? only : int(rand() * 500)
		s = ""
		for (j = 0; j < 5; j++) s = s " w" c "_" int(rand() * 30)
		for (j = 0; j < 8; j++) s = s " common" int(rand() * 500)
		print (labeled ? "L" c "\t" : "") substr(s, 2)
	}
}
EOF
awk -v seed=1 -v n=8000 -v labeled=1 -f labels500.awk >l500.tsv
awk -v seed=2 -v n=1500 -f labels500.awk >l500.txt
awk -v seed=3 -v n=1500 -v only=7 -f labels500.awk >l500-7.txt
awk -v seed=2 -v n=1500 -v labeled=1 -f labels500.awk >l500-gold.tsv
"$N" train -q -o l500.nlp l500.tsv
expect_status 0 "(g) 500 labels, 1500 texts like the training text: no drift" \
    "$N" drift --json -m l500.nlp l500.txt
cp "$T/out" g0.json
json_check "(g) nor in the predicted labels" g0.json "not any(s['drifted'] for s in d['signals'] if s['name'] == 'predicted_labels')"
expect_status 0 "(g) nor in their gold labels" \
    "$N" drift --json -m l500.nlp --format tsv l500-gold.tsv
cp "$T/out" g1.json
json_check "(g) gold_labels says no" g1.json "not any(s['drifted'] for s in d['signals'] if s['name'] in ('gold_labels', 'predicted_labels'))"
expect_status 1 "(g) 1500 texts of one label: drift" \
    "$N" drift --json -m l500.nlp l500-7.txt
cp "$T/out" g2.json
expect_drifted "(g) one label" g2.json predicted_labels
# its 400 held-out predictions over 500 labels are the reference of a
# small sample and of a large one alike: too few for a large sample's PSI,
# so the Jensen-Shannon distance corrected for sampling noise decides
# (small_reference), as vocabulary's does.  Regression (fixed): a
# model of 950 held-out examples over 51 labels drifted by the training
# labels on 27% of 1000-text samples of its own kind of text, and a 57%
# accurate one of 153 languages by its own test text (PSI 0.84, its
# labels' mix against the fifth of its texts it gave one label)
head -n 500 l500.txt >l500-small.txt
"$N" drift --json -m l500.nlp l500-small.txt >g3.json 2>/dev/null
json_check "(g) 500 texts and 1500: its held-out predictions the reference" g3.json \
    "sum(v[0] for v in d['histograms']['labels'].values()) == 400 and sum(v[0] for v in json.load(open('g0.json'))['histograms']['labels'].values()) == 400"
json_check "(g) 1500 texts: judged by the corrected distance" g0.json \
    "[(s['statistic_name'], s['decided_by']) for s in d['signals'] if s['name'] == 'predicted_labels'] == [('jensen_shannon_corrected', 'small_reference')]"
fi

# Held-out texts with no feature in the vocabulary (a tenth here: two
# tokens seen once each, dropped by --min-df 3) get the bias alone, which
# the refit moves: drift's reference (the profile's held-out predictions
# and confidences) has the kept model's answer for them, predict's for
# any such text, not the first model's.  Regression (fixed): another
# label and probability (b 0.649 against a 0.519 here), and on 153
# languages in short messages the labels predicted drifted on the
# model's own test text (PSI 0.84, a fifth of it featureless)
awk 'BEGIN { srand(5); for (i = 0; i < 2400; i++) {
	if (i % 10 == 0) { print (rand() < 0.5 ? "a" : "b") "\tuniq" i "x zq" i "y"; continue }
	l = rand() < 0.6 ? "a" : "b"; s = ""
	for (j = 0; j < 6; j++) s = s " " l "w" int(rand() * 40) " common" int(rand() * 30)
	print l "\t" substr(s, 2) } }' >bare.tsv
"$N" train -q -o bare.nlp bare.tsv
printf 'qqqq zzzz\n' | "$N" predict -q -m bare.nlp >bare.out
tar -xOf bare.nlp profile >bare.profile
check "featureless held-out texts: the kept model's probability in the reference ($(cat bare.out))" "$PY" -c "
import json, sys
h = json.load(open('bare.profile'))['held_out']
label, p = open('bare.out').read().split()
n = sum(1 for c in h['confidence'] if abs(c - float(p)) < 1e-6)
sys.exit(0 if n >= 3 and h['predicted'][label] >= n else 1)"

# confidences tied on both sides (a model of one feature: every text the
# same probability; --no-refit, its held-out answers the kept model's)
# are ties, both compared to 0.001.  Regression (fixed): today's float
# against the stored 7-digit decimal differed in the last bits, and the KS
# distance between identical samples was 1.0, "drift" on every sample
awk 'BEGIN { srand(4); for (i = 0; i < 2400; i++) print (rand() < 0.6 ? "neg" : "pos") "\tthe w" i }' >tie.tsv
"$N" train -q --no-refit -o tie.nlp tie.tsv 2>/dev/null
awk 'BEGIN { for (i = 0; i < 300; i++) print "the z" i }' >tie.txt
"$N" drift --json -m tie.nlp tie.txt >tie.json 2>/dev/null
json_check "tied confidences: no distance between identical samples" tie.json "sig('confidence')['statistic'] == 0 and not sig('confidence')['drifted']"
json_check "... and the labels predicted, all one, said so (not 'too few texts')" tie.json "any(\"the model answers one label ('neg') to every text, held-out and current\" in w for w in d['warnings'])"

# Regression (fixed): gold_labels tested the current labels against the
# reference's shares as if they were exact, though a --reference file's
# labels are a sample as small as today's: between random halves of one
# labeled file it said drift about 16% of the time at --alpha 0.05.  Here
# 150/150 against 130/170 of the same texts: goodness of fit gave chi2
# 5.33, p = 0.021, drifted; the 2 x 2 table of the two samples (as
# scipy.stats.chi2_contingency without correction) gives 2.6786, p = 0.1017.
awk 'NR <= 300 { print (NR % 2 ? "a" : "b") "\t" $0 }' a.txt >gl-ref.tsv
awk 'NR <= 300 { print (NR % 2 && NR > 40 ? "a" : "b") "\t" $0 }' a.txt >gl-cur.tsv
"$N" drift --json --reference gl-ref.tsv gl-cur.tsv >gl.json 2>/dev/null
json_check "gold_labels against a labeled --reference: homogeneity of two samples" gl.json \
    "abs(sig('gold_labels')['statistic'] - 2.678571429) < 1e-6 and abs(sig('gold_labels')['p_value'] - 0.1017) < 1e-4 and not drifted('gold_labels')"

# Regression (fixed): empty_share tested one blank line among 300 texts
# against one among 300 reference texts by goodness of fit with an
# expected count of 1 (chi2 0, but one in 2000 gave chi2 4.8, p = 0.03,
# drifted from an expected 0.15).  Expected: no p-value when a cell of the
# 2 x 2 table expects fewer than 5; with 15 of 300 against 6 of 300 the
# test of homogeneity, as scipy.stats.chi2_contingency: chi2 3.9970,
# p = 0.04558.
awk 'NR <= 2000 { print (NR == 1000 ? "" : $0) }' a.txt b.txt >es-ref.txt
awk 'NR <= 300 { print (NR == 5 ? "" : $0) }' b.txt >es-cur.txt
"$N" drift --json --reference es-ref.txt es-cur.txt >es.json 2>/dev/null
json_check "one blank line a side: no chi-squared from an expected 0.15" es.json \
    "sig('empty_share')['p_value'] is None and sig('empty_share')['decided_by'] == 'no_p_value' and not drifted('empty_share')"
awk 'NR <= 300 { print (NR % 50 == 0 ? "" : $0) }' a.txt >es-ref6.txt
awk 'NR <= 300 { print (NR % 20 == 0 ? "" : $0) }' b.txt >es-cur15.txt
"$N" drift --json --reference es-ref6.txt es-cur15.txt >es2.json 2>/dev/null
json_check "empty_share: homogeneity of the 2 x 2 table" es2.json \
    "abs(sig('empty_share')['statistic'] - 3.99703923) < 1e-6 and abs(sig('empty_share')['p_value'] - 0.04558) < 1e-5"

# a day much of it blank, or of invalid UTF-8: the input broken, drift on
# its own (one vote of nine let 90% blank pass).  Regression (fixed)
awk 'NR <= 500 { print (NR % 10 < 3 ? "" : $0) }' b.txt >blank30.txt
expect_status 1 "30% blank records: drift" "$N" drift -q --json --reference a.txt blank30.txt
json_check "... by the input broken, whatever the other signals" "$T/out" \
    "d['verdict']['quality_drift'] and drifted('empty_share') and d['verdict']['drifted'] < 5 and not d['verdict']['domain_drift']"
"$N" drift --reference a.txt blank30.txt >blank30.out 2>/dev/null
check "... the row says so" grep -Eq '^empty_share .* yes .*\(input broken\)$' blank30.out
awk 'NR <= 500 { if (NR % 10 < 3) printf "%s \377\376\n", $0; else print }' b.txt >bad30.txt
expect_status 1 "30% records with invalid UTF-8: drift" "$N" drift -q --json --reference a.txt bad30.txt
json_check "... by the input broken" "$T/out" "d['verdict']['quality_drift'] and drifted('bad_utf8_share')"
awk 'NR <= 500 { print (NR % 50 == 0 ? "" : $0) }' b.txt >blank2.txt
"$N" drift -q --json --reference a.txt blank2.txt >blank2.json 2>/dev/null
json_check "2% blank: not the input broken" blank2.json "not d['verdict']['quality_drift']"
# one blank record in 20 is a share of 0.05, and no broken input: the
# rise must be sure beyond both samples' noise.  Regression (fixed in
# review): such a night was drift
{ head -19 b.txt; echo; } >blank1of20.txt
"$N" drift -q --json --reference a.txt blank1of20.txt >blank1.json 2>/dev/null
json_check "one blank record of 20: not the input broken" blank1.json "not d['verdict']['quality_drift'] and sig('empty_share')['current'] == 0.05"

# --- output: the verdict line, the table, --json, -q
expect_status 1 "the report of a drift" "$N" drift --reference a.txt debian.txt
check "the first line is the verdict (yes)" \
    sh -c "head -n 1 '$T/out' | grep -Eq '^drift: yes \([0-9]+/[0-9]+ signals; domain AUC [01]\.[0-9]{2}\)$'"
check "the table lists the signals and the domain classifier" \
    sh -c "grep -q '^vocabulary ' '$T/out' && grep -q '^bad_utf8_share ' '$T/out' && grep -q '^domain  *roc_auc' '$T/out'"
check "the table: p-value and statistic apart, the rule of each row" \
    grep -Eq '^SIGNAL +STATISTIC +VALUE +P-VALUE +DRIFT +DECIDED BY$' "$T/out"
# Regression (fixed): non_letter_share with p = 0.0000 read "no" under a
# THRESHOLD column of 0.05 that was an effect size's, with no reason.
# Expected: the row says it is judged by effect whatever the p-value.
check "a row judged by effect says so, with its cut-off" \
    grep -Eq '^non_letter_share +abs_change .* (effect >= 0.05|effect < 0.05) \(counts: any sample size\)$' "$T/out"
check "a row judged by p-value says so (600 records: small)" \
    grep -Eq '^length_tokens +ks \(exact\) .* p < 0.05 \(small sample\)$' "$T/out"
check "the domain row: its AUC rule" \
    grep -Eq '^domain +roc_auc .* AUC > 0\.[0-9]+ \((permutation test, 20 runs|--auc, above 20 permuted runs)\)$' "$T/out"
# the permuted runs are measured by their own labels, which carry nothing
# of the sides: against texts that differ this much they stay near 0.5,
# below --auc.  Regression (fixed in review): measured by the true sides'
# labels, they reached 0.70 here, and under no drift their spread was too
# narrow: one false alarm in 11 small nights where the test stands for 21
check "... the permuted runs below --auc ($(grep '^domain ' "$T/out"))" \
    grep -Eq '^domain +roc_auc .* AUC > 0\.55 \(--auc, above 20 permuted runs\)$' "$T/out"
# (debian.txt has one text three times: it counts once)
check "the texts the domain classifier compared" \
    grep -qx 'domain classifier: 598 reference texts vs 598 current' "$T/out"
json_check "--json: each signal's decided_by" c.json \
    "[s['decided_by'] for s in d['signals']] == ['counts','small_sample','small_sample','counts','no_p_value','no_p_value']"
expect_status 0 "the report of no drift" "$N" drift --reference a.txt b.txt
check "the first line is the verdict (no)" \
    sh -c "head -n 1 '$T/out' | grep -Eq '^drift: no \([0-9]/6 signals; domain AUC 0\.[0-9]{2}\)$'"
json_check "--json: schema 1, verdict, signals, domain, tokens" nodrift.json \
    "d['schema']==1 and not d['verdict']['drift'] and len(d['signals'])==6 and 'auc' in d['domain'] and 'grew' in d['tokens'] and 'shrank' in d['tokens']"
json_check "--json: every signal has its statistic, threshold, method, verdict" c.json \
    "all({'name','statistic','statistic_name','p_value','threshold','method','drifted'} <= set(s) for s in d['signals'])"
json_check "--json: the counts" c.json \
    "d['counts']['current_records']==600 and d['counts']['reference_records']==1150"
check "--json is one document (json.load)" sh -c "'$PY' -c 'import json,sys; json.load(sys.stdin)' <c.json"
if [ $san -eq 0 ]; then
expect_status 1 "-q on drift" "$N" drift -q --reference a.txt debian.txt
check "-q prints nothing" sh -c "test ! -s '$T/out' && test ! -s '$T/err'"
expect_status 0 "-q on no drift" "$N" drift -q --reference a.txt b.txt
check "-q prints nothing (no drift)" sh -c "test ! -s '$T/out' && test ! -s '$T/err'"
fi

# --- --prom: registry model, labels, per-signal gauges, atomic
R=$T/reg
"$N" --registry "$R" registry push half.nlp --name spam >/dev/null 2>&1
mkdir prom
expect_status 1 "--prom on drift" \
    "$N" --registry "$R" drift -q -m spam@1 --prom prom/drift.prom debian.txt
check "--prom: nlpops_drift 1 with the model's name and version" \
    grep -qx 'nlpops_drift{model="spam",version="1"} 1' prom/drift.prom
check "--prom: a gauge per signal statistic" \
    grep -q '^nlpops_drift_signal{model="spam",version="1",signal="vocabulary"} [0-9.e-]*$' prom/drift.prom
check "--prom: a drifted gauge per signal" \
    sh -c "grep -qx 'nlpops_drift_signal_drifted{model=\"spam\",version=\"1\",signal=\"vocabulary\"} 1' prom/drift.prom &&
    grep -qx 'nlpops_drift_signal_drifted{model=\"spam\",version=\"1\",signal=\"empty_share\"} 0' prom/drift.prom"
check "--prom: nine drifted gauges" test "$(grep -c '^nlpops_drift_signal_drifted{' prom/drift.prom)" -eq 9
check "--prom: the domain AUC and the records" \
    sh -c "grep -q '^nlpops_drift_domain_auc{' prom/drift.prom && grep -qx 'nlpops_drift_records{model=\"spam\",version=\"1\"} 600' prom/drift.prom"
check "--prom: HELP and TYPE lines" grep -qx '# TYPE nlpops_drift gauge' prom/drift.prom
check "--prom leaves no temporary file" test "$(ls -A prom)" = drift.prom
expect_status 0 "--prom on no drift rewrites the file" \
    "$N" drift -q --reference a.txt --prom prom/drift.prom b.txt
check "--prom: nlpops_drift 0, the reference as the model" \
    grep -qx 'nlpops_drift{model="a.txt",version=""} 0' prom/drift.prom
check "--prom: no temporary file after a rewrite" test "$(ls -A prom)" = drift.prom
expect_status 4 "--prom into a missing directory" \
    "$N" drift -q --reference a.txt --prom nosuch/drift.prom b.txt
check "--prom into a missing directory creates nothing" test ! -e nosuch

# --- -o: the report into a file, atomically, with the run's warnings
expect_status 1 "-o on drift" "$N" drift -q -m half.nlp -o prom/report.txt debian.txt
check "-o: nothing on standard output" test ! -s "$T/out"
check "-o: the report in the file, the verdict first" sh -c "head -1 prom/report.txt | grep -q '^drift: yes ('"
# 60 records: a warning, which the file's report ends in, after the
# report standard output has.  Regression (fixed in review): this check
# passed on a run without warnings, whatever -o did with them
head -60 b.txt >b60.txt
"$N" drift -q --reference a.txt -o report60.txt b60.txt 2>/dev/null
"$N" drift --reference a.txt b60.txt >report60.stdout 2>report60.err
check "-o: the report standard output has, then the warnings standard error had ($(tail -2 report60.txt | head -c 200))" sh -c "
    head -c \$(wc -c <report60.stdout) report60.txt | cmp -s - report60.stdout &&
    tail -n +\$(( \$(wc -l <report60.stdout) + 1 )) report60.txt >report60.tail &&
    [ \"\$(head -2 report60.tail)\" = \"
warnings:\" ] && tail -n +3 report60.tail | sed 's/^/nlpops drift: warning: /' | cmp -s - report60.err &&
    grep -q 'only 60 current records' report60.err"
expect_status 0 "-q -o -: the report on standard output all the same" "$N" drift -q --reference a.txt -o - b60.txt
check "... the file's report, byte for byte" cmp -s "$T/out" report60.txt
expect_status 0 "-o --json" "$N" drift -q --json --reference a.txt -o prom/report.json b.txt
json_check "-o --json: the document" prom/report.json "d['verdict']['drift'] is False"
cp prom/report.json prom/report.kept
expect_status 4 "-o with --prom into a missing directory: status 4" "$N" drift -q --json --reference a.txt -o prom/report.json --prom nosuch/x.prom debian.txt
check "... the report left as it was, no temporary file" sh -c "cmp -s prom/report.json prom/report.kept && [ \$(ls -A prom | wc -l) -eq 4 ]"
expect_status 2 "-o onto the current text" "$N" drift -q --reference a.txt -o b.txt b.txt
# a report that cannot be written whole (a size limit) publishes nothing:
# the metrics stay as they were, and the reason is said.  Regression
# (fixed in review): --prom was committed before -o's write failed
if [ "$(ulimit -f)" = unlimited ]; then
	printf 'old metrics\n' >prom/keep.prom
	printf 'old report\n' >prom/big.json
	(trap '' XFSZ; ulimit -f 8; exec "$N" drift -q --json --reference a.txt -o prom/big.json --prom prom/keep.prom b.txt) >/dev/null 2>big.err
	rc=$?
	check "-o past a file size limit: status 4 ($rc, $(cat big.err))" sh -c "[ $rc -eq 4 ] && grep -q \"cannot write 'prom/big.json': File too large\" big.err"
	check "... the metrics and the old report left as they were" sh -c "[ \"\$(cat prom/keep.prom)\" = 'old metrics' ] && [ \"\$(cat prom/big.json)\" = 'old report' ]"
	# the page's last bytes, written at its end: the same.  Regression
	# (fixed in review): --prom was published before them
	printf 'old page\n' >prom/big.html
	(trap '' XFSZ; ulimit -f 16; exec "$N" drift -q --reference a.txt --html prom/big.html --prom prom/keep.prom b.txt) >/dev/null 2>big.err
	rc=$?
	check "--html past a file size limit: status 4 ($rc, $(cat big.err))" sh -c "[ $rc -eq 4 ] && grep -q \"cannot write 'prom/big.html': File too large\" big.err"
	check "... the metrics and the old page left as they were, no temporary file" sh -c "[ \"\$(cat prom/keep.prom)\" = 'old metrics' ] && [ \"\$(cat prom/big.html)\" = 'old page' ] && ! ls -A prom | grep -q '^\.'"
	rm -f prom/keep.prom prom/big.json prom/big.html
fi
expect_status 2 "-o and --prom one file" "$N" drift -q --reference a.txt -o prom/x --prom prom/x b.txt

# --- exit statuses
expect_status 2 "both -m and --reference" "$N" drift -m half.nlp --reference a.txt b.txt
check "both: the error says both were given ($(cat "$T/err"))" grep -q -- '-m MODEL and --reference FILE both given' "$T/err"
expect_status 2 "neither -m nor --reference" "$N" drift b.txt
check "neither: the error asks for one ($(cat "$T/err"))" grep -q 'give either -m MODEL or --reference FILE' "$T/err"
expect_status 2 "a bad --auc" "$N" drift --reference a.txt --auc 2 b.txt
expect_status 2 "an unknown option" "$N" drift --reference a.txt --nosuch b.txt
expect_status 4 "a missing model file" "$N" drift -m "$T/nosuch.nlp" b.txt
expect_status 5 "an unknown registry model" "$N" --registry "$R" drift -m nosuch b.txt
expect_status 5 "an unknown registry version" "$N" --registry "$R" drift -m spam@9 b.txt
expect_status 0 "a registry version that exists" "$N" --registry "$R" drift -q -m spam@1 b.txt
expect_status 4 "a missing current file" "$N" drift --reference a.txt nosuch.txt
expect_status 3 "empty current input (a file)" "$N" drift --reference a.txt /dev/null
check "empty current input is said" grep -q 'no current text' "$T/err"
expect_status 3 "empty current input (stdin)" sh -c "printf '' | '$N' drift -m half.nlp"
# records without their text (a serve log written without --log-text,
# plain text read as JSONL): not empty texts compared, a false alarm
head -100 b.txt | awk '{ printf "{\"id\":%d,\"label\":\"ham\"}\n", NR }' >notext.jsonl
expect_status 3 "every record without its text: no current text" "$N" drift -q -m half.nlp --format jsonl notext.jsonl
check "... said, with the first record ($(cat "$T/err"))" grep -q 'all 100 records are malformed, none has its text (first at notext.jsonl:1' "$T/err"
expect_status 3 "plain text read as JSONL: the same" "$N" drift -q -m half.nlp --format jsonl b.txt
tr -cd 'a-zA-Z0-9 .,\n' <b.txt | head -150 | awk '{ printf "{\"text\":\"%s\"}\n", $0 }' >sometext.jsonl
head -3 notext.jsonl >>sometext.jsonl
"$N" drift --json -m half.nlp --format jsonl sometext.jsonl >some.json 2>some.err
check "a few records without text: a warning in the report ($(cat some.err))" grep -q '3 of 153 records are malformed and were read as empty texts (first at sometext.jsonl:151)' some.json
# the same of a reference file: said, as of the current text, even with
# -q; all of them, no reference text.  Regression (fixed): a reference a
# third of whose records lost their text said "drift: yes", no warning
expect_status 1 "a reference with records without text" "$N" drift -q --reference sometext.jsonl b.txt
check "... said with where the first was ($(cat "$T/err"))" grep -q "^nlpops drift: warning: the reference: 3 of 153 records are malformed and were read as empty texts (first at sometext.jsonl:151)" "$T/err"
expect_status 3 "a reference none of whose records has its text" "$N" drift -q --reference notext.jsonl b.txt
check "... no reference text ($(cat "$T/err"))" grep -q "no reference text: all 100 records are malformed, none has its text (first at notext.jsonl:1" "$T/err"
# a warning naming a file of a long non-ASCII name: valid UTF-8, whole
# characters.  Regression (fixed): cut inside a character at 160 bytes,
# and drift --json failed as out of memory (exit 4)
long=$(printf 'a%.0s\303\251' $(seq 80)).jsonl
cp sometext.jsonl "$long"
"$N" drift -q --json -m half.nlp --format jsonl "$long" >longname.json 2>/dev/null
check "drift --json, a malformed record in a file of a long non-ASCII name: the report is JSON, the warning in it" /usr/bin/python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(not any("malformed" in w for w in j["warnings"]))' longname.json
# plain text in a JSON object's form as the reference: said, as of the
# current text.  Regression (fixed): the reference's format was set by
# its name, and the check runs only for a format guessed
head -30 sometext.jsonl >jsonref.txt
"$N" drift -q --reference jsonref.txt b.txt >/dev/null 2>"$T/err"
check "a reference of JSON objects named .txt: said ($(cat "$T/err"))" grep -q "the reference: 30 of 30 records are in the form of a JSON object, read as plain text" "$T/err"
# a TSV whose text column is empty on every line ("label<TAB>"): no
# text, current or reference.  Regression (fixed): empty texts compared,
# "drift: yes", exit 1
awk -F '\t' '{ print $1 "\t" }' a.tsv >tabonly.tsv
expect_status 3 "current text: the TSV text column empty on every line" "$N" drift -q --reference a.tsv tabonly.tsv
check "... says so ($(cat "$T/err"))" grep -q "no current text to compare: the TSV text column is empty on all 1150 records (first at tabonly.tsv:1: does each line end in a TAB?" "$T/err"
expect_status 3 "reference: the same" "$N" drift -q --reference tabonly.tsv a.tsv
{ head -50 a.tsv; head -50 a.tsv | cut -f2; } >halflab.tsv
"$N" drift --json --reference halflab.tsv a.tsv >halflab.json 2>"$T/err"
check "a labeled reference half of whose records lack a label: said ($(cat "$T/err"))" grep -q "the reference: 50 records skipped (no valid label, or malformed): its figures are of the 50 labeled" halflab.json
# Regression (fixed): an empty reference gave "drift: no (0/0 signals)" and
# exit 0 (and undefined behaviour in qsort).  Expected: a data error.
: >empty.txt
expect_status 3 "an empty reference" "$N" drift --reference empty.txt b.txt
check "an empty reference is said" grep -q 'no reference text: the input holds no record (an empty file?)' "$T/err"
# Regression (fixed): a JSONL (or CSV) reference was read as labeled, so
# one without a "label" field was "no reference text" (status 3) while the
# same file as the current text was read; and --text-field for a JSONL
# reference was refused for a TSV current text.  Expected: the current
# text's rule for both, and an option that fits either input taken.
head -60 b.txt | tr -cd 'a-zA-Z0-9 .,\n' >ref_plain.txt
awk '{ printf "{\"body\":\"%s\"}\n", $0 }' ref_plain.txt >ref_nolabel.jsonl
expect_status 0 "a JSONL reference without labels is text" "$N" drift -q --reference ref_nolabel.jsonl --text-field body ref_nolabel.jsonl
expect_status 0 "--text-field for the JSONL reference, a plain current text" "$N" drift -q --reference ref_nolabel.jsonl --text-field body ref_plain.txt
expect_status 2 "--text-field that fits neither input" "$N" drift -q --reference b.txt --text-field body b.txt
check "... said, naming both ($(cat "$T/err"))" grep -q "'b.txt' is read as plain, not JSONL (nor is any other input): --text-field is for JSONL" "$T/err"
printf '\tx\n\ty\n' >nolabel.tsv
expect_status 3 "a TSV reference whose every record lacks a label" "$N" drift --reference nolabel.tsv b.txt
check "... says the reading skipped them ($(cat "$T/err"))" grep -q 'no reference text: the input holds no record but those the reading skipped: skipped 2 records without a label' "$T/err"

# --- determinism: the same inputs and --seed give the same bytes
# (under the sanitizers: stdin against a file)
"$N" drift --json --seed 7 -m half.nlp debian.txt >m1.json 2>/dev/null
cat debian.txt | "$N" drift --json --seed 7 -m half.nlp >m3.json 2>/dev/null
check "stdin and a file give the same report" cmp -s m1.json m3.json
if [ $san -eq 0 ]; then
"$N" drift --json --seed 7 --reference a.txt injected.txt >r1.json 2>/dev/null
"$N" drift --json --seed 7 --reference a.txt injected.txt >r2.json 2>/dev/null
check "--reference --json is byte-identical between runs" cmp -s r1.json r2.json
"$N" drift --json --seed 7 -m half.nlp debian.txt >m2.json 2>/dev/null
check "-m --json is byte-identical between runs" cmp -s m1.json m2.json
"$N" drift --json --seed 7 --threads 1 -m half.nlp debian.txt >t1.json 2>/dev/null
"$N" drift --json --seed 7 --threads 3 -m half.nlp debian.txt >t3.json 2>/dev/null
check "--json is byte-identical at 1, 3 and all threads" sh -c 'cmp -s m1.json t1.json && cmp -s m1.json t3.json'
"$N" drift --json --seed 7 --threads 1 --reference a.txt injected.txt >t4.json 2>/dev/null
check "--reference --json is byte-identical at 1 thread and all" cmp -s r1.json t4.json
"$N" drift --json --seed 8 -m half.nlp debian.txt >m4.json 2>/dev/null
check "another --seed samples differently" sh -c "! cmp -s m1.json m4.json"
fi

# --json to a full standard output: the write's reason.  Regression
# (fixed): 'Input/output error' (the JSON, larger than stdio's buffer,
# failed inside fputs(), whose errno was gone by the end)
if [ -w /dev/full ]; then
	expect_status 4 "drift --json to a full standard output" sh -c "'$N' drift --json -m half.nlp debian.txt >/dev/full"
	check "... says No space left on device ($(cat "$T/err"))" grep -q "^nlpops drift: cannot write standard output: No space left on device$" "$T/err"
fi
