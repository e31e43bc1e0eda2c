# cli.sh - one consistent command line: help for every command, validated
# numbers, the hidden completion helper, progress and escape codes only
# where they belong.
. "$TOP/tests/e2e/lib.sh"

N=$NLPOPS
for c in $("$N" __complete commands | cut -f1); do
	[ "$c" = help ] && continue
	expect_status 0 "$c -h" "$N" "$c" -h
	check "$c -h prints usage on stdout" grep -q "^usage: nlpops.* $c" "$T/out"
	expect_status 0 "$c --help" "$N" "$c" --help
	expect_status 0 "help $c (not a terminal: the usage)" "$N" help "$c"
	check "help $c is the usage when stdout is not a terminal" grep -q "^usage:" "$T/out"
done
# help on itself, and on a registry verb (they said "'help' is not a
# command", status 2, and printed the registry's usage)
for h in help -h --help; do
	expect_status 0 "help $h" "$N" help "$h"
	check "help $h: help's usage" grep -q '^usage: nlpops help \[COMMAND \[VERB\]\]' "$T/out"
done
expect_status 0 "help registry push" "$N" help registry push
"$N" registry push --help >"$T/push.help" 2>&1
check "help registry push = registry push --help" cmp -s "$T/out" "$T/push.help"
# Regression (fixed): help took a registry verb but not key's ('generate'
# is one operand too many).  Expected: the verb's usage, as for registry.
expect_status 0 "help key generate" "$N" help key generate
"$N" key generate --help >"$T/keygen.help" 2>&1
check "help key generate = key generate --help" cmp -s "$T/out" "$T/keygen.help"
expect_status 2 "help key generate extra" "$N" help key generate extra
expect_status 2 "help key nosuch: not a verb of key" "$N" help key nosuch
check "... says so, in one line" sh -c "[ \$(wc -l <'$T/err') -eq 1 ] && grep -q \"'nosuch' is not a verb of key (generate)\" '$T/err'"
expect_status 2 "key nosuch --help: not a verb of key, as registry nosuch --help" "$N" key nosuch --help
check "... says so, in one line" sh -c "[ \$(wc -l <'$T/err') -eq 1 ] && grep -q \"'nosuch' is not a verb of key (generate)\" '$T/err'"
# stray operands are usage errors, not ignored
expect_status 2 "help predict extra" "$N" help predict extra
expect_status 2 "help registry push extra" "$N" help registry push extra
# a registry verb's usage error points to the verb's page, where its
# options are.  Regression (fixed): to 'nlpops registry --help'
expect_status 2 "registry rollback --to x" "$N" --registry "$T/noreg" registry rollback spam --to x
check "... points to 'nlpops registry rollback --help' ($(cat "$T/err"))" grep -q "(see 'nlpops registry rollback --help')\$" "$T/err"
expect_status 2 "--version extra" "$N" --version extra
expect_status 2 "--help extra" "$N" --help extra
expect_status 2 "help help extra" "$N" help help extra
expect_status 2 "help registry --json (an option is no verb)" "$N" help registry --json
check "__complete commands lists the commands" sh -c "'$N' __complete commands | cut -f1 | tr '\n' ' ' | grep -qx 'train predict eval drift registry serve key help '"
check "each with its summary" sh -c "'$N' __complete commands | grep -qx 'eval	metrics on labeled data, and gates for CI'"
expect_status 0 "__complete options eval" "$N" __complete options eval
check "gives each option, its short form, what completes it and its help" grep -qx -- '--model	-m	ref	the model: a file or NAME\[@VERSION|@ALIAS\]' "$T/out"
check "a flag's values are '-'" grep -qx -- '--json		-	one JSON object (schema 1) on stdout' "$T/out"
check "the words a value takes, and the whole help on one line" grep -qx -- "--gate-on		point lower	point (default) or lower: gate on the bootstrap's lower bounds" "$T/out"
expect_status 0 "__complete operands predict" "$N" __complete operands predict
check "is files, repeated" sh -c "test \"\$(cat '$T/out')\" = file..."
expect_status 2 "__complete options of no command" "$N" __complete options nosuch
expect_status 0 "__complete models without a registry says nothing" "$N" --registry "$T/none" __complete models
check "and prints nothing" test ! -s "$T/out"
check "and creates nothing" test ! -e "$T/none"
"$N" --registry "$T/reg" train -q --epochs 1 --push spam --alias production "$DATA/debian.train.tsv.gz" >/dev/null 2>&1
expect_status 0 "__complete refs" "$N" --registry "$T/reg" __complete refs
check "refs has the name, its alias and its version" sh -c "tr '\n' ' ' <'$T/out' | grep -qx 'spam spam@production spam@1 '"
NLPOPS_REGISTRY=$T/reg expect_status 0 "__complete models reads NLPOPS_REGISTRY" "$N" __complete models
check "models has the name" grep -qx spam "$T/out"
for o in "train --epochs abc" "train --ngrams 9" "predict -k x" "eval --bootstrap -1" "drift --alpha 2" "train --lr nan"; do
	set -- $o
	expect_status 2 "$o is a usage error" "$N" "$@" -o "$T/x" "$DATA/spam.test.tsv.gz"
	check "$o names the option" grep -q -- "$2" "$T/err"
done
# -0 is 0: train stored "l2": -0.0 and "holdout": -0.0 in meta.json (other
# bytes than 0 gives), and eval printed a gate's bound as -0.0000
"$N" train -q --epochs 1 --l2 -0 --holdout -0 -o "$T/m0.nlp" "$DATA/spam.train.tsv.gz"
"$N" train -q --epochs 1 --l2 0 --holdout 0 -o "$T/m1.nlp" "$DATA/spam.train.tsv.gz"
check "train --l2 -0 --holdout -0: the bytes of 0" cmp -s "$T/m0.nlp" "$T/m1.nlp"
expect_status 1 "eval --max-ece -0 fails" "$N" eval -q -m "$T/m1.nlp" --max-ece -0 "$DATA/spam.test.tsv.gz"
check "its bound is 0, not -0" grep -q 'bound 0\.0000 ([0-9.]* over)$' "$T/err"
# registry verbs: each declares its options; one it does not take is a
# usage error naming it, whichever other verb takes it: each command and
# verb tries 8 of the options it refuses (one table-driven parser for
# all; under the sanitizers, 25 times slower to start, 3).
case $N in */obj-san/nlpops) walk=3 ;; *) walk=8 ;; esac
expect_status 0 "__complete verbs registry" "$N" __complete verbs registry
check "__complete verbs registry gives each verb and its summary" grep -qx 'rollback	move an alias back (default: production)' "$T/out"
cut -f1 "$T/out" >"$T/verbs"
"$N" registry --help | sed -n 's/^  \([a-z][a-z]*\) .*/\1/p' | sort -u >"$T/helpverbs"
grep -v -x promote "$T/verbs" | sort >"$T/listed"
check "__complete verbs registry lists the verbs of registry --help (and promote)" cmp -s "$T/helpverbs" "$T/listed"
expect_status 0 "__complete options registry alias" "$N" __complete options registry alias
check "registry alias's options, from its table" grep -q -- '^--if-current	' "$T/out"
expect_status 0 "__complete operands registry alias" "$N" __complete operands registry alias
check "registry alias's operands: a model, then a version or alias of it (with --delete: an alias), then an alias of it (with --delete: nothing)" test "$(tr '\n' ' ' <"$T/out")" = "model target --delete=alias alias --delete=- "
expect_status 2 "__complete options registry nosuch" "$N" __complete options registry nosuch
for v in $(cat "$T/verbs"); do
	"$N" __complete options registry "$v" >"$T/opts.registry-$v"
	cut -f1 "$T/opts.registry-$v" >"$T/takes.registry-$v"
done
for v in $(cat "$T/verbs"); do
	check "registry $v declares its options" test -s "$T/takes.registry-$v"
	# each option once, whichever verbs take it
	cat "$T"/opts.registry-* | sort -u -t '	' -k1,1 |
	    awk -F '	' 'NR == FNR { t[$1]; next } !($1 in t)' \
	    "$T/takes.registry-$v" - | head -n $walk >"$T/wopts"
	while IFS='	' read -r opt short vals help; do
		grep -qx -- "$opt" "$T/takes.registry-$v" && continue
		if [ "$vals" = - ]; then set -- "$opt"; else set -- "$opt" x; fi
		expect_status 2 "registry $v $* (another verb's option)" \
		    "$N" --registry "$T/noreg" registry "$v" "$@"
		# an abbreviation of the verb's own option (getopt_long's: --sign
		# of --signatures) is taken as it, and refused for what follows
		grep -q -- "^$opt" "$T/takes.registry-$v" && { pass; continue; }
		check "registry $v $opt: the message names it" grep -q -- "'$opt' is not an option of 'registry $v'" "$T/err"
	done <"$T/wopts"
done
# the commands too: each refuses every other command's options it does not
# take, naming them (before it reads a byte or writes a file)
cmds="train predict eval drift key"
for v in $cmds; do
	"$N" __complete options "$v" >"$T/opts.$v"
	cut -f1 "$T/opts.$v" >"$T/takes.$v"
done
for v in $cmds; do
	for w in $cmds; do cat "$T/opts.$w"; done | sort -u -t '	' -k1,1 |
	    awk -F '	' 'NR == FNR { t[$1]; next } !($1 in t)' \
	    "$T/takes.$v" - | head -n $walk >"$T/wopts"
	while IFS='	' read -r opt short vals help; do
		grep -qx -- "$opt" "$T/takes.$v" && continue
		if [ "$vals" = - ]; then set -- "$opt"; else set -- "$opt" x; fi
		expect_status 2 "$v $* (another command's option)" \
		    "$N" --registry "$T/noreg" "$v" "$@" "$T/nosuchinput"
		check "$v $opt: the message names it" grep -q -- "'$opt' is not an option of '$v'" "$T/err"
	done <"$T/wopts"
done
check "no registry was made by refused options" test ! -e "$T/noreg"
# Regression (fixed): a registry verb's option errors said "nlpops
# registry alias:", its other errors "nlpops registry:".  Expected: one
# prefix, the command's.
expect_status 2 "registry alias --bogus" "$N" --registry "$T/noreg" registry alias --bogus
check "... says 'nlpops registry:', naming the verb after it" grep -qx "nlpops registry: '--bogus' is not an option of 'registry alias' (see 'nlpops registry alias --help')" "$T/err"
# Regression (fixed): a letter refused inside a cluster (-Zq), or a file
# named -x.tsv, was blamed on the word before it ("'m.nlp' is not an
# option").  Expected: the letter, and for a file, how to give it.
expect_status 2 "eval -m M -Zq: refused" "$N" eval -m "$T/m0.nlp" -Zq "$T/nosuchinput"
check "... naming -Z, not the model" sh -c "grep -q \"'-Z' is not an option of 'eval'\" '$T/err' && ! grep -q m0.nlp '$T/err'"
printf 'ham\thello\nspam\tbuy now\n' >"$T/-x.tsv"
expect_status 2 "train -o M -x.tsv: refused" sh -c "cd '$T' && '$N' train -o o.nlp -x.tsv"
check "... naming -x, and how to give the file" grep -q "'-x' is not an option of 'train'; for the file '-x.tsv', write ./-x.tsv or put -- before it" "$T/err"
check "... in one line, with no model written" sh -c "[ \$(wc -l <'$T/err') -eq 1 ] && [ ! -e '$T/o.nlp' ]"
expect_status 0 "train -o M -- -x.tsv" sh -c "cd '$T' && '$N' train -q -o o.nlp -- -x.tsv"
expect_status 2 "predict --quiet=1 FILE (a flag given a value)" "$N" predict --quiet=1 "$T/-x.tsv"
check "... names the flag, not the file" grep -q "option '--quiet' takes no value" "$T/err"
expect_status 2 "predict --text-column=2 -Zq" "$N" predict --text-column=2 -Zq
check "... names -Z" grep -q "'-Z' is not an option of 'predict'" "$T/err"
expect_status 2 "a typo names the nearest command" "$N" regsitry list
check "regsitry -> registry" grep -q "did you mean 'registry'" "$T/err"
expect_status 2 "a registry verb given as a command" "$N" rollback spam
check "... names the registry verb" grep -q "^nlpops: 'rollback' is not a command; did you mean 'nlpops registry rollback'?" "$T/err"
expect_status 2 "a typo in a long option" "$N" train --theads 2 -o x.nlp x.tsv
check "... names the nearest option" grep -q "'--theads' is not an option of 'train'; did you mean '--threads'?" "$T/err"
expect_status 2 "a long option far from any" "$N" predict --zzzzzz
check "... names none" sh -c "! grep -q 'did you mean' '$T/err'"

# progress: only on a terminal, and without escape codes under NO_COLOR
if command -v script >/dev/null 2>&1; then
	script -qec "'$N' train --epochs 2 -o '$T/p.nlp' '$DATA/debian.train.tsv.gz'" /dev/null >"$T/tty" 2>&1
	check "on a terminal, train shows its epochs" grep -q 'epoch 2/2' "$T/tty"
	check "on a terminal, train clears its line with an escape code" grep -q "$(printf '\033')\[K" "$T/tty"
	NO_COLOR=1 script -qec "'$N' train --epochs 2 -o '$T/p.nlp' '$DATA/debian.train.tsv.gz'" /dev/null >"$T/tty2" 2>&1
	check "NO_COLOR: progress without escape codes" sh -c "grep -q 'epoch 2/2' '$T/tty2' && ! grep -q \"$(printf '\033')\" '$T/tty2'"
	# the SVM: a line as each class is solved (the sample has 45)
	script -qec "'$N' train -o '$T/p.nlp' '$DATA/debian.train.tsv.gz'" /dev/null >"$T/tty3" 2>&1
	check "on a terminal, the SVM counts its classes" sh -c "grep -q 'svm: class 1/45 solved' '$T/tty3' && grep -q 'svm: class 45/45 solved' '$T/tty3'"
	# an artifact is binary, its sample the training texts as they are:
	# train -o - and registry pull -o - wrote it onto the terminal (export
	# -o - refused it)
	script -qec "'$N' train -q -o - '$DATA/spam.test.tsv.gz'; echo \"rc=\$?\"" /dev/null >"$T/tty4" 2>&1
	check "train -o - onto a terminal: status 2, nothing written" sh -c "grep -q 'rc=2' '$T/tty4' && grep -q 'standard output is a terminal' '$T/tty4' && ! grep -q 'nlpops-artifact' '$T/tty4'"
	script -qec "'$N' --registry '$T/reg' registry pull spam@1 -o -; echo \"rc=\$?\"" /dev/null >"$T/tty5" 2>&1
	check "registry pull -o - onto a terminal: status 2, nothing written" sh -c "grep -q 'rc=2' '$T/tty5' && grep -q 'standard output is a terminal' '$T/tty5' && ! grep -q 'nlpops-artifact' '$T/tty5'"
fi
check "train -o - into a pipe writes the artifact" sh -c "'$N' train -q -o - '$DATA/spam.test.tsv.gz' | tar -tf - | grep -qx manifest"
"$N" train --epochs 2 -o "$T/p.nlp" "$DATA/debian.train.tsv.gz" 2>"$T/notty"
"$N" train -o "$T/p.nlp" "$DATA/debian.train.tsv.gz" 2>>"$T/notty"
check "not on a terminal: no progress lines" sh -c "! grep -q 'epoch [0-9]*/\|svm: class' '$T/notty'"

# help CMD on a terminal opens nlpops-CMD(1) when man has it
if command -v script >/dev/null 2>&1 && command -v man >/dev/null 2>&1; then
	mkdir -p "$T/man/man1"
	cp "$TOP"/man/*.1 "$T/man/man1/"
	MANPATH=$T/man MANPAGER=cat PAGER=cat MANWIDTH=80 script -qec "'$N' help train" /dev/null >"$T/helptty" 2>&1
	check "help train on a terminal shows nlpops-train(1)" grep -q 'nlpops-train.*train a\|NLPOPS-TRAIN' "$T/helptty"
	MANPATH=$T/empty script -qec "'$N' help train" /dev/null >"$T/helptty2" 2>&1
	check "without the page, help train on a terminal prints the usage" grep -q '^usage: nlpops train' "$T/helptty2"
fi

# nlpops --help CMD is help CMD's (as git --help CMD); a global option
# without its value points at --help
expect_status 0 "nlpops --help train" "$N" --help train
check "... prints train's help" grep -q '^usage: nlpops train' "$T/out"
expect_status 2 "nlpops --registry (no value)" "$N" --registry
check "... points at --help" grep -q "^nlpops: --registry needs a directory or a postgresql:// URI (see 'nlpops --help')" "$T/err"
