# hostile_data.sh - hostile input (issue 9): memory bounded by what is
# reported however many labels there are, and linear parsing; an unclosed
# CSV quote, and skipped records, that must not decide a gate; texts
# without features; labels with control characters, and escapes kept from
# the terminal; a damaged or missing 'seen' member; NaN weights; out of
# memory anywhere in eval (issue 10), which is exit 4, never a smaller report.
. "$TOP/tests/e2e/lib.sh"

N=$NLPOPS
FORGE=${NLP_FORGE:-$TOP/obj/tools/forge}
ESC=$(printf '\033')
C1=$(printf '\302\233')
export MALLOC_ARENA_MAX=2    # glibc reserves 64 MB of address space per arena

# limited MB CMD... : run CMD with about MB megabytes of memory.  The plain
# build gets ulimit -v; the sanitizers reserve terabytes of address space,
# so under them their own watch on resident memory (which they inflate).
if grep -q __asan_init "$N" 2>/dev/null; then san=1; else san=0; fi
limited() {
	mb=$1; shift
	if [ "$san" = 1 ]; then
		ASAN_OPTIONS="${ASAN_OPTIONS:-}:hard_rss_limit_mb=$((2 * mb)):allocator_may_return_null=1" "$@"
	else
		(ulimit -v $((mb * 1024)) && exec "$@")
	fi
}
# no_raw_escapes FILE... : no ESC, BEL or C1 CSI byte in any of them
no_raw_escapes() {
	! grep -q -e "$ESC" -e "$(printf '\007')" -e "$C1" "$@"
}

zcat "$DATA/spam.train.tsv.gz" | head -600 >"$T/small.tsv"
"$N" train -q --epochs 3 -o "$T/m.nlp" "$T/small.tsv"
zcat "$DATA/spam.test.tsv.gz" >"$T/test.tsv"

# --- 7: memory bounded by what is reported; linear parsing ---------------
# 20000 distinct gold labels for a 2-class model: the dense confusion
# matrix took 24 GB (1000 labels: 94 MB, 4000: 1.3 GB).
# (as many examples with a label the model knows, and one more: data
# mostly of labels the model never learned is refused, see below)
awk 'BEGIN { for (i = 0; i < 20000; i++) printf "lab%05d\tsome text number %d\nham\tsome text number %d\n", i, i, i; print "ham\tone more" }' >"$T/labels.tsv"
expect_status 0 "eval of 20000 gold labels in 500 MB" limited 500 "$N" eval --threads 2 --confusion -m "$T/m.nlp" "$T/labels.tsv"
# 20000 gold labels and the model's two (when it predicts both)
check "--confusion shows the 100 busiest of the 20002 labels" grep -q 'confusion (rows: gold, columns: predicted) of the 100 labels with the most examples, of 20002; 19902 examples outside them' "$T/out"
check "--confusion has 100 columns" test "$(grep -A1 '^confusion' "$T/out" | tail -1 | wc -w)" -eq 100
check "the table still has every label" test "$(grep -c '^ *lab[0-9]' "$T/out")" -ge 20000
check "the undefined figures are one warning, not one per label" test "$(grep -c 'undefined, counted as 0' "$T/err")" -eq 1
check "which counts them and names the first five" grep -q "warning: undefined, counted as 0: precision of 20000 labels never predicted ('lab00000', 'lab00001', 'lab00002', 'lab00003', 'lab00004', ...); recall of 1 label not in the gold labels ('spam')$" "$T/err"
expect_status 0 "eval --json of 20000 gold labels in 500 MB" limited 500 "$N" eval -q --json --threads 2 -m "$T/m.nlp" "$T/labels.tsv"
check "--json: the matrix is 100 labels, with the total and what is outside" sh -c "grep -q '\"labels_total\": 20002' '$T/out' && grep -q '\"examples_outside\": 19902' '$T/out'"
# train with 10000 classes: a 10000 x 10000 matrix for the held-out figures
# (two examples each: one each is refused, a row number read as a label)
awk 'BEGIN { for (i = 0; i < 10000; i++) printf "c%05d\tthe same words\nc%05d\tother words\n", i, i }' >"$T/classes.tsv"
expect_status 0 "train with 10000 classes in 500 MB" limited 500 "$N" train -q --threads 2 --epochs 1 -o "$T/many.nlp" "$T/classes.tsv"
# two fastText lines of 80000 labels each: a repeated label was looked for
# among all those before it (87000 labels on one line: 14 s)
awk 'BEGIN { for (l = 0; l < 2; l++) { for (i = 0; i < 80000; i++) printf "__label__l%d ", i; print "text" }
	print "__label__ham hello"; print "__label__spam buy now" }' >"$T/many.ft"
expect_status 0 "two lines of 80000 fastText labels take well under 10 s" timeout 10 "$N" eval -m "$T/m.nlp" "$T/many.ft"
check "they are skipped as multi-label records" grep -q 'skipped 2 records with several labels (first at' "$T/err"
check "... saying what takes them ($(cat "$T/err"))" grep -q 'skipped 2 records with several labels (first at [^)]*: a model trained with --multilabel takes them)' "$T/err"

# --- 8: an unclosed CSV quote; skipped records never decide a gate -------
# quotes and commas out of the texts, then a quote that never closes
{ echo 'label,text'; tr -d '",' <"$T/test.tsv" | awk -F'\t' 'NR == 6 { print $1 ",\"unclosed quote starts here" } { print $1 "," $2 }'; } >"$T/unclosed.csv"
expect_status 3 "an unclosed quote is an error, gates or not" "$N" eval -m "$T/m.nlp" --min-accuracy 0.5 "$T/unclosed.csv"
check "it names the file and the line where the quote opened" grep -q "nlpops eval: '$T/unclosed.csv' line 7: unclosed quote (the quoted field runs to the end of the input)" "$T/err"
expect_status 3 "train refuses it too" "$N" train -o "$T/u.nlp" "$T/unclosed.csv"
# a stray quote that a quote in a later row's text closes, before more
# text: the rows between are one malformed record, not a field, and the
# gate has no verdict.  Regression (fixed): 130 of 200 rows went into one
# text, silently, and the gate passed on the 70 left.  A quote closed on
# its own line, before more text, is still text.
{ echo 'label,text'; tr -d '",' <"$T/test.tsv" | head -200 | awk -F'\t' '
	NR == 20 { print $1 ",\"" $2; next }
	NR == 150 { print $1 "," substr($2, 1, 10) "\" and on" substr($2, 11); next }
	NR == 160 { print $1 ",\"quoted\" then more " $2; next }
	{ print $1 "," $2 }'; } >"$T/stray.csv"
expect_status 3 "a stray quote closed 130 rows later: no verdict" "$N" eval -m "$T/m.nlp" --min-accuracy 0.5 "$T/stray.csv"
check "... the rows read as one field said ($(head -1 "$T/err"))" grep -q "skipped 1 malformed record (first at [^ ]*stray.csv:21: a quote opened at line 21 closed at line 151 before more text: 131 lines read as one field (a stray quote?))" "$T/err"
check "... the 69 other rows scored, the row quoted on its own line among them ($(head -1 "$T/out"))" grep -q ', 69 examples$' "$T/out"
# the line the stray quote opened at, not the record's first, when a
# field of several lines closed well before it.  Regression (fixed in
# review): "a quote opened there" named the record's first line
printf 'label,text,note\nham,"a\nb","c\nd\ne" x\nspam,buy now,z\n' >"$T/q2.csv"
"$N" predict -m "$T/m.nlp" "$T/q2.csv" >/dev/null 2>"$T/err"
check "... a quote opened on a later line of the record named ($(tail -1 "$T/err"))" grep -q "q2.csv:2: a quote opened at line 3 closed at line 5 before more text: 3 lines read as one field" "$T/err"
# 10 records without a label among 500: 2 % skipped
awk 'NR % 50 == 0 { print "a line without a label" } { print }' "$T/test.tsv" >"$T/skip2.tsv"
awk 'NR % 250 == 0 { print "a line without a label" } { print }' "$T/test.tsv" >"$T/skip04.tsv"
expect_status 3 "gates have no verdict when 2 % of the records were skipped" "$N" eval -q -m "$T/m.nlp" --min-accuracy 0.5 "$T/skip2.tsv"
check "stderr says why" grep -q 'nlpops eval: the gates have no verdict: 10 of 510 records (2.0%) were skipped, more than the 1% gates allow: skipped 10 records without a label (first at' "$T/err"
check "no gate is said to pass" sh -c "! grep -q 'gates passed' '$T/err'"
check "the report is printed all the same" grep -q '^ *accuracy ' "$T/out"
expect_status 3 "--json says so too" "$N" eval -q --json -m "$T/m.nlp" --min-accuracy 0.5 "$T/skip2.tsv"
check "--json: gates_undecided and no passed verdict" sh -c "grep -q '\"gates_undecided\": \"10 of 510 records (2.0%) were skipped' '$T/out' && grep -q '\"passed\": null' '$T/out' && ! grep -q '\"passed\": true' '$T/out'"
expect_status 0 "without gates eval reports" "$N" eval -m "$T/m.nlp" "$T/skip2.tsv"
check "with a warning" grep -q 'nlpops eval: warning: 10 of 510 records (2.0%) were skipped, more than the 1% gates allow: the figures stand on the rest' "$T/err"
expect_status 0 "0.4 % skipped: the gates decide" "$N" eval -q -m "$T/m.nlp" --min-accuracy 0.5 "$T/skip04.tsv"
expect_status 1 "and can fail" "$N" eval -q -m "$T/m.nlp" --min-accuracy 0.999 "$T/skip04.tsv"
R=$T/reg
"$N" --registry "$R" train -q --epochs 3 --push spam "$T/small.tsv" >/dev/null
expect_status 3 "--record refuses figures on 2 % less data" "$N" --registry "$R" eval -q -m spam@1 --record "$T/skip2.tsv"
check "--record says why" grep -q 'nlpops eval: --record: the figures have no verdict: 10 of 510' "$T/err"
"$N" --registry "$R" registry show spam@1 >"$T/show"
check "nothing was recorded" sh -c "! grep -A1 '^evaluations:' '$T/show' | grep -q '#1'"

# --- 15: texts without features -----------------------------------------
printf 'ham\t   \nspam\t \t \nham\t\t\nspam\t \n' >"$T/blank.tsv"
expect_status 3 "white-space texts are no usable examples" "$N" train -o "$T/blank.nlp" "$T/blank.tsv"
check "train says so" grep -q 'nlpops train: no usable examples: the texts of all 4 training examples are empty or white space' "$T/err"
check "and writes nothing" test ! -e "$T/blank.nlp"
# empty texts among good ones train (a NULL memcpy the sanitizers caught)
printf 'ham\t \nspam\tbuy cheap pills now\nham\t\t\nham\tsee you at lunch\nspam\tcheap pills\nham\tlunch at noon\n' >"$T/some.tsv"
expect_status 0 "empty texts among good ones" "$N" train -o "$T/some.nlp" "$T/some.tsv"

# --- 16: labels with control characters or invalid UTF-8 ---------------
printf '{"text":"hello","label":"ham\\nX"}\n{"text":"buy","label":"spam"}\n{"text":"hi","label":"ham"}\n' >"$T/nl.jsonl"
expect_status 3 "a JSONL label with a newline" "$N" train -o "$T/x.nlp" "$T/nl.jsonl"
check "is named with its file and line" grep -q "nlpops train: '$T/nl.jsonl' line 1: label with a control character (U+000A)" "$T/err"
printf 'label,text\nspam,buy\n"ham\nX",hello\nham,hi\n' >"$T/nl.csv"
expect_status 3 "a quoted CSV label with a newline" "$N" train -o "$T/x.nlp" "$T/nl.csv"
check "is named at its record's line" grep -q "'$T/nl.csv' line 3: label with a control character (U+000A)" "$T/err"
printf 'ham\thi\nsp\302\233am\tbuy\nspam\tx\n' >"$T/c1.tsv"
expect_status 3 "a label with a C1 control (CSI)" "$N" train -o "$T/x.nlp" "$T/c1.tsv"
check "is named" grep -q "line 2: label with a control character (U+009B)" "$T/err"
printf 'ham\thi\nsp\377am\tbuy\nspam\tx\n' >"$T/bad8.tsv"
expect_status 3 "a label with invalid UTF-8" "$N" train -o "$T/x.nlp" "$T/bad8.tsv"
check "is named" grep -q "line 2: label with invalid UTF-8" "$T/err"
expect_status 3 "eval refuses such labels as train does" "$N" eval -m "$T/m.nlp" "$T/c1.tsv"
# texts with terminal escapes, labeled wrong so that they are errors
{ head -40 "$T/test.tsv"
  printf 'spam\t\033[2J\033]0;owned\007 see you at lunch tomorrow, thanks\n'
  printf 'spam\thello \302\233 friend, see you at lunch\n'; } >"$T/esc.tsv"
expect_status 0 "eval --errors on texts with escapes" "$N" eval --errors 50 --confusion -m "$T/m.nlp" "$T/esc.tsv"
check "no raw escape reaches the terminal" no_raw_escapes "$T/out" "$T/err"
check "the escapes are shown" sh -c "grep -qF '\\x1b[2J\\x1b]0;owned\\x07 see you' '$T/out' && grep -qF 'hello \\u009b friend' '$T/out'"
# a model whose label holds ESC (forged: train refuses such labels)
"$FORGE" --cat "$T/m.nlp" weights >"$T/w"
printf '\033' | dd of="$T/w" bs=1 seek=128 conv=notrunc 2>/dev/null   # "ham" -> ESC "am"
"$FORGE" "$T/m.nlp" "$T/esclabel.nlp" weights="$T/w"
"$N" eval --errors 5 --confusion -m "$T/esclabel.nlp" "$T/test.tsv" >"$T/out" 2>"$T/err"
check "a model's label with ESC never reaches the terminal raw" no_raw_escapes "$T/out" "$T/err"

# --- 20: the 'seen' member, meta.json, NaN weights -----------------------
printf 'garbage' >"$T/garbage"
"$FORGE" "$T/m.nlp" "$T/badseen.nlp" seen="$T/garbage"
head -50 "$T/small.tsv" >"$T/trained.tsv"
expect_status 0 "a damaged 'seen' member" "$N" eval -m "$T/badseen.nlp" "$T/trained.tsv"
check "is warned about, naming the artifact and the member" grep -q "nlpops eval: warning: cannot tell how many examples the model was trained on: member 'seen' of '$T/badseen.nlp' is damaged (seen: bad header)" "$T/err"
expect_status 0 "--json" "$N" eval -q --json -m "$T/badseen.nlp" "$T/trained.tsv"
check "--json says why the figure is missing" sh -c "grep -q '\"seen_in_training\": null' '$T/out' && grep -q '\"seen_in_training_unknown\": \"member .seen. of' '$T/out'"
"$FORGE" "$T/m.nlp" "$T/noseen.nlp" -seen
expect_status 0 "no 'seen' member" "$N" eval -m "$T/noseen.nlp" "$T/trained.tsv"
check "is warned about too" grep -q "warning: cannot tell how many examples the model was trained on: '$T/noseen.nlp' has no member 'seen'" "$T/err"
# a gate on the share cannot pass on a figure that is not there
expect_status 1 "--max-seen with no 'seen' member fails" "$N" eval -m "$T/noseen.nlp" --max-seen 1 "$T/trained.tsv"
check "... the figure undefined, and why" sh -c "grep -q 'gate --max-seen failed: seen_in_training share undefined, bound 1.0000' '$T/err' && grep -q \"has no member 'seen'\" '$T/err'"
expect_status 1 "--max-seen with a damaged one fails too" "$N" eval -q -m "$T/badseen.nlp" --max-seen 1 "$T/trained.tsv"
expect_status 0 "an intact artifact" "$N" eval -m "$T/m.nlp" "$T/trained.tsv"
check "gives the figure" grep -q 'nlpops eval: warning: 50 of 50 examples (100.0%) also occur in the training data' "$T/err"
tail -n +2 "$T/out" >"$T/intact.tail"     # all but the title (path, SHA-256)
# eval reads no field of meta.json: wrong types there change nothing
printf '{"examples": "many", "labels": 7, "held_out": [], "hyperparameters": null, "format": -1}\n' >"$T/meta"
"$FORGE" "$T/m.nlp" "$T/badmeta.nlp" meta.json="$T/meta"
expect_status 0 "a meta.json of wrong types" "$N" eval -m "$T/badmeta.nlp" "$T/trained.tsv"
check "changes no figure" sh -c "tail -n +2 '$T/out' | cmp -s - '$T/intact.tail'"
# NaN weights: the ECE was NaN, dropped from the report, and --max-ece
# compared an uninitialized value: the damaged model passed
"$FORGE" --cat "$T/m.nlp" weights >"$T/w"
off=$(od -An -t u8 -j 88 -N 8 "$T/w" | tr -d ' ')     # the bias section
printf '\377\377\377\177' | dd of="$T/w" bs=1 seek="$off" conv=notrunc 2>/dev/null
"$FORGE" "$T/m.nlp" "$T/nan.nlp" weights="$T/w"
expect_status 3 "NaN weights fail --max-ece: no verdict" "$N" eval -m "$T/nan.nlp" --max-ece 0.5 "$T/trained.tsv"
check "and say why" grep -q "nlpops eval: '$T/nan.nlp': weights: a value is not a finite number" "$T/err"
expect_status 3 "NaN weights with --min-accuracy first" "$N" eval -m "$T/nan.nlp" --min-accuracy 0.5 --max-ece 0.01 "$T/trained.tsv"
check "no gate is reported passed or failed" sh -c "! grep -q 'gate' '$T/err'"

# --- out of memory: exit 4, or the whole report (issue 10) --------------
# A failed allocation used to drop a key of the --json document, or a row
# of the table, and eval still exited 0.  Every STRIDE-th allocation of a
# run that fills every part of the result (a baseline, the bootstrap,
# errors, gates) is made to fail (failmalloc, plain build only): the run
# is exit 4 with one line saying out of memory and nothing on stdout, or
# exit 0 with exactly the report (timing aside).
FM=${NLP_FAILMALLOC:-$TOP/obj/tools/failmalloc.so}
if [ "$san" = 0 ] && [ ! -f "$FM" ]; then
	fail "NLP_FAILMALLOC (obj/tools/failmalloc.so) is not set: run through make test"
elif [ "$san" = 0 ]; then
	STRIDE=7
	head -100 "$T/test.tsv" >"$T/oom.tsv"
	"$N" train -q --epochs 1 --ngrams 1 -o "$T/base.nlp" "$T/small.tsv"
	# oom_sweep NAME WANT CMD...: fail allocations 1, 1 + STRIDE, ... of CMD
	oom_sweep() {
		name=$1 want=$2; shift 2
		FAILMALLOC_COUNT=$T/allocs LD_PRELOAD=$FM "$@" >/dev/null 2>&1
		total=$(cat "$T/allocs" 2>/dev/null || echo 0)
		echo "hostile_data.sh: failmalloc: $name: N = 1, $((1 + STRIDE)), ... (every ${STRIDE}th) of $total allocations" >&2
		check "$name: failmalloc counts allocations ($total)" test "$total" -gt 100
		bad= k=1
		while [ "$k" -le $((total + 1)) ]; do
			FAILMALLOC_N=$k LD_PRELOAD=$FM "$@" >"$T/fm.out" 2>"$T/fm.err"
			st=$?
			if [ $st -eq 0 ] && grep -v -e '"seconds"' -e '"examples_per_s"' "$T/fm.out" | cmp -s - "$want"; then
				:
			elif [ $st -eq 4 ] && [ "$(wc -l <"$T/fm.err")" -eq 1 ] &&
			    grep -q 'out of memory\|Cannot allocate memory' "$T/fm.err" &&
			    { [ "$name" = text ] || [ "$name" = jsonl ] ||
			    [ ! -s "$T/fm.out" ]; }; then
				:
			else
				bad="$bad N=$k:exit=$st:$(head -c 80 "$T/fm.err" | tr '\n' ' ')"
			fi
			k=$((k + STRIDE))
		done
		check "$name: every failed allocation is exit 4 'out of memory' or the exact report:$(echo "$bad" | cut -c1-600)" test -z "$bad"
	}
	set -- eval -q --threads 1 -m "$T/m.nlp" --baseline "$T/base.nlp" --bootstrap 40 --errors 3 --min-accuracy 0.5 --max-ece 0.5 --max-drop 0.5
	"$N" "$@" --json "$T/oom.tsv" | grep -v -e '"seconds"' -e '"examples_per_s"' >"$T/want.json"
	check "the reference --json run has every part" sh -c "grep -q '\"baseline\"' '$T/want.json' && grep -q '\"difference\"' '$T/want.json' && grep -q '\"errors\"' '$T/want.json' && grep -q '\"gates\"' '$T/want.json'"
	oom_sweep --json "$T/want.json" "$N" "$@" --json "$T/oom.tsv"
	"$N" "$@" --confusion "$T/oom.tsv" >"$T/want.txt"
	oom_sweep text "$T/want.txt" "$N" "$@" --confusion "$T/oom.tsv"
	# JSONL read by jansson, every allocation failed in turn: jansson
	# 2.14's lexer does not stop at one it is refused (lib/jsonwatch.c).
	# Regression (fixed): an assertion or a heap overrun (SIGABRT), a
	# record read as invalid JSON (an empty label, exit 0), a string a
	# character short (another score).  A filter, predict has written the
	# lines before the failure (to -o FILE it leaves nothing)
	STRIDE=1
	for i in 1 2 3 4 5 6; do
		printf '{"text":"free money now, click \\"here\\"\\n today \\u00e9 %s"}\n{"text":"meeting at noon tomorrow %s"}\n' "$i" "$i"
	done >"$T/oom.jsonl"
	"$N" predict -q --threads 1 -m "$T/base.nlp" "$T/oom.jsonl" >"$T/want.jsonl.out"
	oom_sweep jsonl "$T/want.jsonl.out" "$N" predict -q --threads 1 -m "$T/base.nlp" "$T/oom.jsonl"
fi
