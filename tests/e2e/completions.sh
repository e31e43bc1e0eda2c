# completions.sh - the shell completions.  bash: completions/nlpops.bash
# sourced in a fresh bash, its function called as bash would call it
# (COMP_WORDS, COMP_CWORD, COMP_LINE, COMP_POINT), COMPREPLY checked
# against what the binary says (--help, __complete).  zsh and fish: the
# scripts parse; fish's completions are run too.  A shell that is not
# installed is skipped (make check installs them: DEB_TEST).
. "$TOP/tests/e2e/lib.sh"

COMMANDS='train predict eval drift registry'
mkdir -p "$T/bin" "$T/home" "$T/cwd" "$T/empty"
ln -s "$NLPOPS" "$T/bin/nlpops"
PATH=$T/bin:$PATH HOME=$T/home
export PATH HOME
unset XDG_DATA_HOME XDG_CONFIG_HOME

# A registry with two models, for model-name completion.
REG=$T/reg
"$NLPOPS" train -q --epochs 1 -o "$T/m.nlp" "$DATA/spam.train.tsv.gz"
"$NLPOPS" --registry "$REG" registry push "$T/m.nlp" --name spamfilter >/dev/null
"$NLPOPS" --registry "$REG" registry push "$T/m.nlp" --name topics >/dev/null
expect_status 0 "the test registry lists two models" \
    "$NLPOPS" --registry "$REG" registry list
rm -f "$T/m.nlp"

# bcomp LINE: the completions bash offers for LINE (words split at
# spaces, as bash splits them; end LINE with a space to complete a new
# word; write "--format=x" as "--format = x", as COMP_WORDBREAKS splits
# it), one a line, sorted, in $T/c.  Runs in $T/cwd (files: none).
bcomp() {
	(cd "$T/cwd" && bash --norc --noprofile -c '
		. "$1" || exit 9
		fn=$(complete -p nlpops | sed -n "s/.*-F \([^ ]*\).*/\1/p")
		[ -n "$fn" ] || exit 8
		COMP_LINE=$2 COMP_POINT=${#2}
		read -r -a COMP_WORDS <<<"$2"
		[[ $2 == *" " ]] && COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMPREPLY=()
		"$fn" nlpops "${COMP_WORDS[COMP_CWORD]}" \
		    "${COMP_WORDS[COMP_CWORD - 1]}" 2>/dev/null
		printf "%s\n" "${COMPREPLY[@]}"
	' bcomp "$TOP/completions/nlpops.bash" "$1") | grep -v '^$' | sort >"$T/c"
}
# words: the arguments, one a line, sorted.
words() { printf '%s\n' "$@" | sort; }
# offers_all FILE: every line of FILE is in $T/c.
offers_all() { [ -z "$(comm -23 "$1" "$T/c")" ]; }
missing() { comm -23 "$1" "$T/c" | tr '\n' ' '; }

# --- bash ------------------------------------------------------------------
bash --norc --noprofile -c '. "$1"; complete -p nlpops' x \
    "$TOP/completions/nlpops.bash" >"$T/out" 2>&1
check "nlpops.bash registers a completion function: $(cat "$T/out")" \
    grep -q -e '-F [_a-zA-Z]' "$T/out"

# Commands at position 1: those of __complete commands (with help).
"$NLPOPS" __complete commands | cut -f1 | sort >"$T/want"
check "__complete commands prints the commands and help" \
    test "$(tr '\n' ' ' <"$T/want")" = "drift eval help predict registry train "
bcomp 'nlpops '
check "bash: nlpops <TAB> offers exactly the commands ($(tr '\n' ' ' <"$T/c"))" \
    cmp -s "$T/want" "$T/c"
bcomp 'nlpops dr'
check "bash: nlpops dr<TAB> is drift" test "$(cat "$T/c")" = drift
bcomp "nlpops --registry $REG "
check "bash: the commands after --registry DIR" cmp -s "$T/want" "$T/c"
bcomp 'nlpops help '
check "bash: nlpops help <TAB> offers the commands" \
    test "$(tr '\n' ' ' <"$T/c")" = "drift eval predict registry train "

# Registry verbs: each verb of registry --help, and promote.
"$NLPOPS" registry --help | sed -n 's/^  \([a-z][a-z]*\) .*/\1/p' | sort -u >"$T/verbs"
echo promote >>"$T/verbs"; sort -o "$T/verbs" "$T/verbs"
check "registry --help names 13 verbs (+ promote)" test "$(wc -l <"$T/verbs")" -eq 14
bcomp 'nlpops registry '
check "bash: nlpops registry <TAB> offers exactly the verbs: $(diff "$T/verbs" "$T/c" | grep '^[<>]' | tr '\n' ' ')" \
    cmp -s "$T/verbs" "$T/c"

# Each command's options after "CMD --": all of --help's long options.
for cmd in train predict eval drift; do
	"$NLPOPS" "$cmd" --help |
	    sed -n 's/^  *\(-[a-zA-Z], \)\{0,1\}\(--[a-z][a-z0-9-]*\).*/\2/p' |
	    sort -u >"$T/opts"
	check "$cmd --help lists options" test -s "$T/opts"
	bcomp "nlpops $cmd --"
	check "bash: nlpops $cmd --<TAB> offers every long option of $cmd --help; missing: $(missing "$T/opts")" \
	    offers_all "$T/opts"
	# and nothing that --help does not list
	comm -13 "$T/opts" "$T/c" >"$T/extra"
	check "bash: nlpops $cmd --<TAB> offers only options of $cmd --help; extra: $(tr '\n' ' ' <"$T/extra")" \
	    test ! -s "$T/extra"
	# the short options of --help after "-"
	"$NLPOPS" "$cmd" --help | sed -n 's/^  *\(-[a-zA-Z]\), --.*/\1/p' | sort -u >"$T/short"
	bcomp "nlpops $cmd -"
	check "bash: nlpops $cmd -<TAB> offers the short options; missing: $(missing "$T/short")" \
	    offers_all "$T/short"
done
# Each registry verb's options: those on its lines of registry --help.
"$NLPOPS" registry --help | awk '
	/^  [a-z]+ / { verb = $1 }
	/^$/ { verb = "" }
	verb != "" {
		s = $0
		while (match(s, /(^| |\[)(--[a-z][a-z0-9-]*|-o)( |\]|$)/)) {
			o = substr(s, RSTART, RLENGTH); gsub(/[][ ]/, "", o)
			print verb, o
			s = substr(s, RSTART + RLENGTH - 1)
		}
	}' | sort -u >"$T/vopts"
check "registry --help names verb options" test -s "$T/vopts"
for verb in $(cut -d' ' -f1 "$T/vopts" | sort -u); do
	sed -n "s/^$verb //p" "$T/vopts" | sort -u >"$T/opts"
	bcomp "nlpops registry $verb -"
	check "bash: nlpops registry $verb -<TAB> offers its options; missing: $(missing "$T/opts")" \
	    offers_all "$T/opts"
done

# --format values: those --help names; --output-format, --gate-on.
for cmd in train predict eval drift; do
	"$NLPOPS" "$cmd" --help |
	    sed -n 's/.*--format F *input format: \([a-z, ]*\).*/\1/p' |
	    tr ', ' '\n\n' | grep -v '^$' | sort >"$T/fmts"
	check "$cmd --help names its input formats" test -s "$T/fmts"
	bcomp "nlpops $cmd --format "
	check "bash: nlpops $cmd --format <TAB> offers the formats of --help ($(tr '\n' ' ' <"$T/c"))" \
	    cmp -s "$T/fmts" "$T/c"
done
bcomp 'nlpops predict --format = j'
check "bash: predict --format=j<TAB> is jsonl" test "$(cat "$T/c")" = jsonl
bcomp 'nlpops predict --output-format '
check "bash: predict --output-format <TAB>" test "$(tr '\n' ' ' <"$T/c")" = "jsonl tsv "
bcomp 'nlpops eval --gate-on '
check "bash: eval --gate-on <TAB>" test "$(tr '\n' ' ' <"$T/c")" = "lower point "

# Model names, from the registry of the command line or the environment.
"$NLPOPS" --registry "$REG" __complete models | sort >"$T/models"
check "__complete models names the two models" \
    test "$(tr '\n' ' ' <"$T/models")" = "spamfilter topics "
bcomp "nlpops --registry $REG predict -m "
check "bash: --registry DIR predict -m <TAB> offers the models of __complete models ($(tr '\n' ' ' <"$T/c"))" \
    cmp -s "$T/models" "$T/c"
bcomp "nlpops --registry = $REG predict -m sp"
check "bash: --registry=DIR predict -m sp<TAB> is spamfilter" \
    test "$(cat "$T/c")" = spamfilter
bcomp "nlpops --registry $REG eval --baseline t"
check "bash: eval --baseline t<TAB> is topics" test "$(cat "$T/c")" = topics
bcomp "nlpops --registry $REG registry rm "
check "bash: registry rm <TAB> offers NAME@" \
    test "$(tr '\n' ' ' <"$T/c")" = "spamfilter@ topics@ "
NLPOPS_REGISTRY=$REG bcomp 'nlpops predict -m '
check "bash: NLPOPS_REGISTRY, predict -m <TAB> offers the models ($(tr '\n' ' ' <"$T/c"))" \
    test "$(tr '\n' ' ' <"$T/c")" = "spamfilter topics "
NLPOPS_REGISTRY=$T/none bcomp 'nlpops predict -m '
check "bash: no registry, predict -m <TAB> offers nothing ($(tr '\n' ' ' <"$T/c"))" \
    test ! -s "$T/c"
: >"$T/cwd/spam.nlp"
NLPOPS_REGISTRY=$REG bcomp 'nlpops predict -m sp'
check "bash: predict -m sp<TAB> offers the model and the file" \
    test "$(tr '\n' ' ' <"$T/c")" = "spam.nlp spamfilter "
rm -f "$T/cwd/spam.nlp"

# --- zsh -------------------------------------------------------------------
if command -v zsh >/dev/null 2>&1; then
	expect_status 0 "zsh -n completions/_nlpops" zsh -n "$TOP/completions/_nlpops"
	# Loaded by compinit from $fpath, it defines the completion function.
	zsh -f -c 'fpath=("$1" $fpath); autoload -Uz compinit;
	    compinit -u -d "$2/zcompdump"; print -r -- $_comps[nlpops]' x \
	    "$TOP/completions" "$T" >"$T/out" 2>&1
	check "zsh: compinit binds nlpops to _nlpops ($(cat "$T/out"))" \
	    test "$(cat "$T/out")" = _nlpops
else
	echo "SKIP completions.sh: zsh (not installed)" >&2
fi

# --- fish ------------------------------------------------------------------
# fcomp LINE: fish's candidates for LINE, without descriptions, in $T/c.
fcomp() {
	(cd "$T/cwd" && fish --no-config -c \
	    'source $argv[1]; complete -C $argv[2]' \
	    "$TOP/completions/nlpops.fish" "$1") 2>"$T/ferr" | cut -f1 | sort >"$T/c"
}
if command -v fish >/dev/null 2>&1; then
	expect_status 0 "fish -n completions/nlpops.fish" fish -n "$TOP/completions/nlpops.fish"
	fcomp 'nlpops tr'
	check "fish: nlpops tr<TAB> is train ($(cat "$T/c" "$T/ferr"))" \
	    test "$(cat "$T/c")" = train
	fcomp 'nlpops '
	check "fish: nlpops <TAB> offers the commands ($(tr '\n' ' ' <"$T/c"))" \
	    cmp -s "$T/want" "$T/c"
	fcomp 'nlpops registry '
	check "fish: nlpops registry <TAB> offers the verbs" cmp -s "$T/verbs" "$T/c"
	for cmd in train predict eval drift; do
		"$NLPOPS" "$cmd" --help |
		    sed -n 's/^  *\(-[a-zA-Z], \)\{0,1\}\(--[a-z][a-z0-9-]*\).*/\2/p' |
		    sort -u >"$T/opts"
		fcomp "nlpops $cmd --"
		check "fish: nlpops $cmd --<TAB> offers every long option; missing: $(missing "$T/opts")" \
		    offers_all "$T/opts"
	done
	fcomp 'nlpops drift --format '
	check "fish: drift --format <TAB>" \
	    test "$(tr '\n' ' ' <"$T/c")" = "csv fasttext jsonl plain tsv "
	fcomp "nlpops --registry $REG predict -m "
	check "fish: --registry DIR predict -m <TAB> offers the models ($(tr '\n' ' ' <"$T/c"))" \
	    test "$(tr '\n' ' ' <"$T/c")" = "spamfilter topics "
else
	echo "SKIP completions.sh: fish (not installed)" >&2
fi
