# golden.sh - what every command prints and writes on the bundled data,
# compared byte for byte with tests/golden/: artifacts (their SHA-256 and
# listing), predictions (TSV, JSONL, top-k, fallback, ids), eval's report,
# --json, confusion, errors and gates, drift's report, --json, --prom and
# --html, the registry's list, show, history, verify and gc (times, users
# and temporary paths replaced by placeholders; "timing" fields dropped),
# and every exit status.  A change of structure must leave all of it as it
# is; GOLDEN_UPDATE=1 rewrites the files after a deliberate change.
# The plain run compares the bytes; the sanitizers' run of the same
# commands is the other scripts' (train_predict, eval, drift,
# registry_backends).
case $NLPOPS in */obj-san/nlpops) exit 0 ;; esac
. "$TOP/tests/e2e/lib.sh"

N=$NLPOPS
G=$TOP/tests/golden
OUT=$T/golden
mkdir -p "$OUT"
export HOME="$T/home" NLPOPS_REGISTRY="$T/reg"
mkdir -p "$HOME"
cd "$T" || exit 4

# run NAME CMD...: stdout to NAME.out, the exit status to NAME.status.
run() {
	name=$1; shift
	"$@" >"$OUT/$name.out" 2>"$T/stderr"
	echo $? >"$OUT/$name.status"
}

# normalize FILE: placeholders for what changes from run to run.
me=$(id -un)
normalize() {
	sed -e 's/[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z/TIME/g' \
	    -e "s|$T|TMP|g" -e "s/\"$me\"/\"USER\"/g" -e "s/  $me /  USER /g" \
	    -e 's/ by [a-z_][a-z0-9_-]*:/ by USER:/g' -e 's/ by [a-z_][a-z0-9_-]*$/ by USER/' \
	    -e '/"timing": {/,/}/d' -e '/"timing":/d' "$1" >"$1.n" && mv "$1.n" "$1"
}

zcat "$DATA/spam.train.tsv.gz" >spam.train.tsv
zcat "$DATA/spam.test.tsv.gz" >spam.test.tsv
zcat "$DATA/debian.train.tsv.gz" >deb.train.tsv
zcat "$DATA/debian.test.tsv.gz" >deb.test.tsv
cut -f2 spam.test.tsv | head -120 >spam.txt
cut -f2 deb.test.tsv >deb.txt
printf 'id1\tfree money now\nid2\tsee you at the meeting\n' >ids.tsv

# --- train: the artifacts' bytes
run train-spam "$N" train -q --threads 2 -o spam.nlp spam.train.tsv
run train-spam-bigrams "$N" train -q --threads 1 --epochs 3 --ngrams 2 --char-ngrams 2-4 --bits 16 -o spam2.nlp.gz spam.train.tsv
run train-deb "$N" train -q -o deb.nlp deb.train.tsv
for m in spam.nlp spam2.nlp.gz deb.nlp; do
	sha256sum "$m" | cut -c1-64 >"$OUT/artifact-$m.sha256"
done
tar -tvf spam.nlp >"$OUT/artifact-spam.nlp.list"

# --- predict
run predict-tsv "$N" predict -q -m spam.nlp spam.txt
run predict-jsonl "$N" predict -q -m deb.nlp --output-format jsonl -k 3 deb.txt
run predict-fallback "$N" predict -q -m deb.nlp --threshold 0.6 --fallback unsure -k 2 deb.txt
run predict-ids "$N" predict -q -m spam.nlp --format tsv --text-column 2 --id-column 1 ids.tsv
run predict-ids-jsonl "$N" predict -q -m spam.nlp --format tsv --text-column 2 --id-column 1 --output-format jsonl ids.tsv
run predict-threads "$N" predict -q --threads 3 -m deb.nlp deb.txt

# --- eval
run eval-text "$N" eval -q -m spam.nlp spam.test.tsv
run eval-json "$N" eval -q -m deb.nlp --json deb.test.tsv
run eval-confusion "$N" eval -q -m deb.nlp --confusion --errors 5 deb.test.tsv
run eval-gates-pass "$N" eval -q -m spam.nlp --min-accuracy 0.9 --min-f1 0.9 --max-log-loss 1 --max-ece 0.5 spam.test.tsv
run eval-gates-fail "$N" eval -q -m deb.nlp --min-accuracy 0.99 --min-class-f1 libs=0.99 deb.test.tsv
run eval-baseline "$N" eval -q -m spam.nlp --baseline spam2.nlp.gz --max-drop 0.01 --bootstrap 50 --json spam.test.tsv

# --- drift
head -60 spam.txt >spam.half.txt
run drift-nodrift "$N" drift -m spam.nlp spam.txt
run drift-debian "$N" drift -m spam.nlp --json deb.txt
run drift-labeled "$N" drift -m spam.nlp --format tsv --json spam.test.tsv
run drift-reference "$N" drift --reference spam.txt --prom drift.prom --html drift.html deb.txt
cp drift.prom "$OUT/drift.prom"
cp drift.html "$OUT/drift.html"

# --- registry
run reg-push1 "$N" registry push spam.nlp --name spam --tag team=mail --description "first spam model"
run reg-push2 "$N" registry push spam2.nlp.gz --name spam --alias candidate
run reg-push3 "$N" train -q --push deb --alias production deb.train.tsv
run reg-alias "$N" registry alias spam 1 production --reason "first release"
run reg-move "$N" registry alias spam 2 production --if-current 1 --reason "better"
run reg-rollback "$N" registry rollback spam --reason "worse after all"
run reg-record "$N" eval -q -m spam@1 --record spam.test.tsv
run reg-require "$N" registry alias spam 1 staging --require 'macro_f1>=0.5'
run reg-list "$N" registry list
run reg-list-json "$N" registry list --json
run reg-list-spam "$N" registry list spam
run reg-list-spam-json "$N" registry list spam --json
run reg-diff "$N" registry diff spam@1 spam@2
run reg-diff-json "$N" registry diff spam@1 spam@2 --json
run reg-show "$N" registry show spam
run reg-show-json "$N" registry show spam@1 --json
run reg-history "$N" registry history spam
run reg-history-json "$N" registry history spam --alias production --json
run reg-verify "$N" registry verify
run reg-verify-json "$N" registry verify --json
run reg-rm "$N" registry rm spam@2 --force --reason "superseded"
run reg-gc "$N" registry gc --dry-run --grace 0 --json
run reg-predict "$N" predict -q -m spam spam.txt
run reg-missing "$N" registry show spam@9

for f in "$OUT"/*; do normalize "$f"; done
if [ "${GOLDEN_UPDATE:-0}" = 1 ]; then
	rm -rf "$G" && mkdir -p "$G" && cp "$OUT"/* "$G"/
	echo "golden.sh: wrote $(ls "$G" | wc -l) files to tests/golden" >&2
fi
for f in "$G"/*; do
	b=${f##*/}
	check "$b is as it was" cmp -s "$f" "$OUT/$b"
	cmp -s "$f" "$OUT/$b" || diff "$f" "$OUT/$b" | head -5 >&2
done
check "no output was added that has no golden file" test "$(ls "$OUT" | wc -l)" -eq "$(ls "$G" | wc -l)"
