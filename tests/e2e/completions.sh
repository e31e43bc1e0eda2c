# completions.sh - the shell completions, driven in the real shells: bash
# (completions/nlpops.bash, its function called as bash calls it), zsh
# (_nlpops loaded by compinit in an interactive zsh on a pseudo-terminal,
# TAB pressed) and fish (nlpops.fish, `complete -C`).  Every candidate must
# be what `nlpops __complete` says: the commands, the verbs, each command's
# and verb's options exactly (with their help as descriptions in zsh and
# fish), option values and operands by kind, model names and references
# from the --registry DIR of the command line.  A shell that is not
# installed is skipped (make check installs them: DEB_TEST).
. "$TOP/tests/e2e/lib.sh"

# The scripts and nlpops __complete are the same code whichever binary
# answers, and cli.sh runs __complete under the sanitizers: the shells
# drive the plain build only.
case $NLPOPS in */obj-san/nlpops) exit 0 ;; esac

C=$TOP/completions
mkdir -p "$T/bin" "$T/home" "$T/cwd/sub" "$T/fake" "$T/r"
ln -s "$NLPOPS" "$T/bin/nlpops"
PATH=$T/bin:$PATH HOME=$T/home
export PATH HOME
unset XDG_DATA_HOME XDG_CONFIG_HOME
: >"$T/cwd/spam.nlp"
: >"$T/cwd/report.html"
: >"$T/cwd/run@old.nlp"
# An nlpops elsewhere, with commands of its own: the scripts must ask the
# nlpops of the command line.
printf '#!/bin/sh\n[ "$1 $2" = "__complete commands" ] && printf "fakecmd\\tx\\n"\n' \
    >"$T/fake/nlpops"
chmod +x "$T/fake/nlpops"

# A registry with two models, an alias, for names and references.
REG=$T/reg
"$NLPOPS" train -q --epochs 1 --bits 12 -o "$T/m.nlp" "$DATA/spam.train.tsv.gz"
"$NLPOPS" --registry "$REG" registry push "$T/m.nlp" --name spamfilter >/dev/null
"$NLPOPS" --registry "$REG" registry push "$T/m.nlp" --name topics \
    --alias production >/dev/null 2>&1
rm -f "$T/m.nlp"
"$NLPOPS" --registry "$REG" __complete models | sort >"$T/models"
"$NLPOPS" --registry "$REG" __complete refs | sort >"$T/refs"
check "the test registry has two models ($(tr '\n' ' ' <"$T/models"))" \
    test "$(tr '\n' ' ' <"$T/models")" = "spamfilter topics "
check "and their references ($(tr '\n' ' ' <"$T/refs"))" \
    test "$(tr '\n' ' ' <"$T/refs")" = "spamfilter spamfilter@1 topics topics@1 topics@production "

# --- what each shell completes -----------------------------------------------
# q NAME LINE [WANT...]: complete LINE (ending with a space completes a new
# word), and want exactly the words WANT; with no WANT, those of the file
# $T/want.NAME the caller wrote, or none.  The results of each shell are
# in $T/r/SHELL.NAME ("word<TAB>description" lines).
: >"$T/q"
q() {
	printf '%s\t%s\n' "$1" "$2" >>"$T/q"
	n=$1; shift 2
	if [ $# -gt 0 ]; then words "$@" >"$T/want.$n"
	else sort -u -o "$T/want.$n" "$T/want.$n" 2>/dev/null || : >"$T/want.$n"; fi
}
words() { printf '%s\n' "$@" | sort -u; }
ls "$T/cwd" | sort >"$T/files"                  # report.html spam.nlp sub

"$NLPOPS" __complete commands | cut -f1 | sort >"$T/want.cmds"
q cmds 'nlpops '
cp "$T/want.cmds" "$T/want.cmds-reg"
q cmds-reg "nlpops --registry $REG "
cp "$T/want.cmds" "$T/want.cmds-cache"
q cmds-cache "nlpops --cache $T --cache-max 1G --registry $REG "
grep -vx help "$T/want.cmds" >"$T/want.help"
q help 'nlpops help '
q dr 'nlpops dr' drift
q fake "$T/fake/nlpops " fakecmd
"$NLPOPS" __complete verbs registry | cut -f1 | sort >"$T/want.verbs"
q verbs 'nlpops registry '
cp "$T/want.verbs" "$T/want.help-verbs"
q help-verbs 'nlpops help registry '
q help-key-verbs 'nlpops help key ' generate
q help-no-verbs 'nlpops help train '
# nlpops' own options, and registry's before the verb (not in __complete).
q dash 'nlpops -' --version -h --help --registry --cache --cache-max
q registry-dash 'nlpops registry -' -h --help

# Each command's and verb's options, long and short, with their help.
# opts CMD [VERB]: their "name<TAB>help" lines, sorted.
opts() {
	"$NLPOPS" __complete options "$@" |
	    awk -F '\t' '{ print $1 "\t" $4; if ($2 != "") print $2 "\t" $4 }' | sort
}
for cmd in train predict eval drift key; do
	opts "$cmd" >"$T/help.$cmd"
	check "__complete options $cmd lists options" test -s "$T/help.$cmd"
	cut -f1 "$T/help.$cmd" >"$T/want.$cmd"
	q "$cmd" "nlpops $cmd -"
done
for verb in $(cat "$T/want.verbs"); do
	opts registry "$verb" >"$T/help.registry-$verb"
	cut -f1 "$T/help.registry-$verb" >"$T/want.registry-$verb"
	q "registry-$verb" "nlpops registry $verb -"
done

# Every option whose values are words: exactly those words.
for cmd in train predict eval drift $(sed 's/^/registry:/' "$T/want.verbs"); do
	"$NLPOPS" __complete options $(echo "$cmd" | tr : ' ') |
	    awk -F '\t' '$3 ~ / / { print $1 "\t" $3 }' >"$T/lits"
	while IFS='	' read -r opt vals; do
		words $vals >"$T/want.lit-$cmd$opt"
		q "lit-$cmd$opt" "nlpops $(echo "$cmd" | tr : ' ') $opt "
	done <"$T/lits"
done
check "options with words to offer (--format, --gate-on, --grace ...)" \
    test "$(ls "$T" | grep -c '^want\.lit-')" -ge 8
q format= 'nlpops predict --format=j' jsonl

# Files, directories, groups.
cp "$T/files" "$T/want.html"
q html 'nlpops drift --html '
cp "$T/files" "$T/want.train-data"
q train-data 'nlpops train '
q regdir 'nlpops --registry ' sub
q init-shared 'nlpops registry init --shared roo' root
# key's verb, its one operand; then the key file for -o, --sign, --trust.
q key-verb 'nlpops key ' generate
cp "$T/files" "$T/want.key-o"
q key-o 'nlpops key generate -o '
cp "$T/files" "$T/want.sign"
q sign 'nlpops train --sign '
cp "$T/files" "$T/want.trust"
q trust 'nlpops predict --trust '

# Model names and references, from the --registry DIR of the command line.
cat "$T/files" "$T/refs" >"$T/want.m"
q m "nlpops --registry $REG predict -m "
cp "$T/files" "$T/want.m-noreg"
q m-noreg "nlpops --registry $T/none predict -m "
q baseline "nlpops --registry=$REG eval --baseline t" topics topics@1 topics@production
cp "$T/models" "$T/want.push"
q push "nlpops --registry $REG train --push "
cp "$T/models" "$T/want.alias"
q alias "nlpops --registry $REG registry alias "
cp "$T/models" "$T/want.alias-opt"
q alias-opt "nlpops --registry $REG registry alias --reason why "
# a version, then an alias, of the model the first operand names
q alias-2 "nlpops --registry $REG registry alias topics " 1 production
q alias-del "nlpops --registry $REG registry alias --delete topics " production
q promote-del "nlpops --registry $REG registry promote topics --delete " production
q alias-3 "nlpops --registry $REG registry alias topics 1 " production
q alias-ifcur "nlpops --registry $REG registry alias topics 1 production --if-current " 1
q rb-alias "nlpops --registry $REG registry rollback topics --alias " production
q rb-to "nlpops --registry $REG registry rollback topics --reason x --to " 1
q rb-ifcur "nlpops --registry $REG registry rollback topics --if-current " 1
q rb-nomodel "nlpops --registry $REG registry rollback --to "
q hist-alias "nlpops --registry $REG registry history topics --alias " production
q hist-other "nlpops --registry $REG registry history spamfilter --alias "
# the registry verbs take references, never files
cp "$T/refs" "$T/want.show"
q show "nlpops --registry $REG registry show "
cp "$T/refs" "$T/want.diff2"
q diff2 "nlpops --registry $REG registry diff topics@1 "
cp "$T/refs" "$T/want.export"
q export "nlpops --registry $REG registry export -o b.tar topics "
q rm "nlpops --registry $REG registry rm " spamfilter@ topics@
q rm-at "nlpops --registry $REG registry rm topics@" topics@1
# alias --delete NAME ALIAS takes no third operand: none offered
q alias-del3 "nlpops --registry $REG registry alias --delete topics production "
# as typed in a real bash, which breaks the word at "@" and ":"
q ref-at "nlpops --registry $REG predict -m topics@p" topics@production
# a file with an @ in its name, where no reference matches: the file.
# Regression (fixed in review): nothing offered after the @
q file-at "nlpops --registry $REG predict -m run@o" run@old.nlp
cp "$T/want.verbs" "$T/want.uri-verbs" 2>/dev/null || :
q uri-verbs "nlpops --registry postgresql://ops@db.invalid/registry registry "

# shell NAME: what shell NAME offered for each q line, "word<TAB>descr" lines
# in $T/r/NAME.QNAME.
run_bash() {
	(cd "$T/cwd" && bash --norc --noprofile -c '
		. "$1" || exit 9
		# the options the function sets, per line (-o filenames
		# makes bash quote an "@": spam\@production)
		out=$3
		compopt() { printf "%s\n" "$*" >>"$out/bash.$name.compopt"; }
		fn=$(complete -p nlpops | sed -n "s/.*-F \([^ ]*\).*/\1/p")
		[ -n "$fn" ] || exit 8
		while IFS=$'\''\t'\'' read -r name line; do
			# COMP_WORDBREAKS (" \t\n\"'\''@><=;|&(:" by default)
			# splits "--format=j" into "--format" "=" "j", and
			# "topics@p" into "topics" "@" "p", as a real bash does.
			l=${line//=/ = } l=${l//@/ @ } l=${l//:/ : }
			COMP_LINE=$line COMP_POINT=${#line}
			read -r -a COMP_WORDS <<<"$l"
			[[ $line == *" " || $line == *= ]] && COMP_WORDS+=("")
			COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
			COMPREPLY=()
			# the word readline hands over and replaces: what
			# follows the last ":" (or "="), an "@" before it kept
			lw=${line##* } w2=${lw##*:}
			if [[ $w2 == *@* ]]; then w2=@${w2##*@}; else w2=${w2##*=}; fi
			"$fn" nlpops "$w2" "${COMP_WORDS[COMP_CWORD - 1]}" 2>/dev/null
			# the word the user then sees: what came before it, and
			# the candidate
			pre=${lw%"$w2"}
			[[ $lw == *=* && $lw != *[@:]* ]] && pre=
			printf "%s\n" "${COMPREPLY[@]/#/$pre}" >"$3/bash.$name"
		done <"$2"
	' bcomp "$C/nlpops.bash" "$T/q" "$T/r")
}
run_fish() {
	(cd "$T/cwd" && fish --no-config -c '
		source $argv[1]; or exit 9
		while read -l -d \t name line
			complete -C "$line" >$argv[3]/fish.$name
		end <$argv[2]
	' "$C/nlpops.fish" "$T/q" "$T/r")
}
# zsh: an interactive zsh on a pseudo-terminal (zpty), _nlpops loaded from
# $fpath by compinit, as installed; TAB runs complete-word, and compadd,
# wrapped, writes each candidate that matches, with its suffix, and its
# description (list-grouped off: one line each) to the file of the line.
cat >"$T/zcap.zsh" <<'EOF'
zmodload zsh/zpty || exit 9
fdir=$1 q=$2 r=$3
cat >$r/zcap.rc <<'RC'
PS1='' PS2='' RPS1=''
unset zle_bracketed_paste
stty columns 1000 2>/dev/null; COLUMNS=1000	# whole descriptions, untruncated
LISTMAX=100000
unsetopt auto_list list_beep beep
autoload -Uz compinit; compinit -u -D
zstyle ':completion:*' list-grouped false
compadd() {
	if (( ${@[(I)-[OAD]]} )); then builtin compadd "$@"; return; fi
	local -a hits dscr; local d i s a
	if (( ${@[(I)-d]} )); then d=${@[${@[(i)-d]}+1]}; dscr=("${(@P)d}"); fi
	for (( i = 1; i <= $#; i++ )); do	# the suffix: -S @, -qS=
		a=${@[i]}
		[[ $a == (-|--) ]] && break
		if [[ $a == -S ]]; then s=${@[i+1]}; break; fi
		[[ $a == -[a-zA-Z]#S?* ]] && { s=${a#*S}; break; }
	done
	builtin compadd -A hits "$@"
	for (( i = 1; i <= $#hits; i++ )); do
		print -r -- "$hits[i]$s	${dscr[i]}" >>$ZCAP
	done
	builtin compadd "$@"
}
zcap() { zle complete-word; print -- "<zcap-done>"; }
zle -N zcap; bindkey '^I' zcap
RC
zpty z zsh -f -i
zpty -w z "fpath=(${(q)fdir} \$fpath); source ${(q)r}/zcap.rc"
while IFS=$'\t' read -r name line; do
	zpty -w z "ZCAP=${(q)r}/zsh.$name; : >\$ZCAP"
	zpty -n -w z "$line"$'\t'
	zpty -r -m z junk '*<zcap-done>*' || exit 7
	zpty -n -w z $'\C-u'
done <$q
zpty -d z
EOF
run_zsh() {
	(cd "$T/cwd" && timeout 120 zsh -f "$T/zcap.zsh" "$C" "$T/q" "$T/r")
}

# got SHELL NAME: the words SHELL offered for NAME, sorted, in $T/got (a
# directory's trailing "/", fish's "--option=" before a value and zsh's "="
# after an option dropped).
got() {
	sed 's/\t.*//; s,^--[a-z-]*=\(.\),\1,; s,[/=]$,,; /^$/d' "$T/r/$1.$2" |
	    sort -u >"$T/got"
}
# descr SHELL NAME: "word<TAB>help" as SHELL describes them, sorted.
descr() {
	case $1 in
	zsh) sed 's/=\t/\t/; s/\t.* -- /\t/' "$T/r/$1.$2" ;;
	fish) cat "$T/r/$1.$2" ;;
	esac | sort -u >"$T/got"
}
# same WANT DESC: $T/got is the file WANT (a fail shows both).
same() {
	if cmp -s "$1" "$T/got"; then pass
	else fail "$2: want $(tr '\n\t' ' :' <"$1"); got $(tr '\n\t' ' :' <"$T/got")"; fi
}

for sh in bash zsh fish; do
	if ! command -v $sh >/dev/null 2>&1; then
		echo "SKIP completions.sh: $sh (not installed)" >&2
		continue
	fi
	case $sh in
	bash) expect_status 0 "bash -n nlpops.bash" bash -n "$C/nlpops.bash" ;;
	zsh) expect_status 0 "zsh -n _nlpops" zsh -n "$C/_nlpops" ;;
	fish) expect_status 0 "fish -n nlpops.fish" fish -n "$C/nlpops.fish" ;;
	esac
	run_$sh >"$T/out" 2>&1
	check "$sh: runs the completion of every line (exit $?): $(head -c 300 "$T/out")" \
	    test -e "$T/r/$sh.rm-at"
	while IFS='	' read -r name line; do
		if [ ! -e "$T/r/$sh.$name" ]; then
			fail "$sh: '$line<TAB>': no result"
			continue
		fi
		got $sh "$name"
		same "$T/want.$name" "$sh: '$line<TAB>'"
		# the help of each option, as its description
		if [ $sh != bash ] && [ -e "$T/help.$name" ]; then
			descr $sh "$name"
			same "$T/help.$name" "$sh: '$line<TAB>' describes each option by its help"
		fi
	done <"$T/q"
done

# bash: the registry of NLPOPS_REGISTRY, through the binary.
printf 'envreg\tnlpops predict -m \n' >"$T/q"
NLPOPS_REGISTRY=$REG run_bash
got bash envreg
check "bash: predict -m NAME@<TAB> sets no -o filenames (bash quoted the @: topics\\@production)" \
    sh -c "! grep -q filenames '$T/r/bash.ref-at.compopt' 2>/dev/null"
check "bash: NLPOPS_REGISTRY, predict -m <TAB> offers its references too" \
    test -z "$(comm -23 "$T/refs" "$T/got")"

# No option, verb or value list of the binary is written in the scripts:
# they ask __complete.  Looked for: every option but --help, every list of
# words, the commands but help and registry, the verbs that are not plain
# English (promote, rollback ...).
for cmd in train predict eval drift $(sed 's/^/registry:/' "$T/want.verbs"); do
	"$NLPOPS" __complete options $(echo "$cmd" | tr : ' ')
done | awk -F '\t' '$1 != "--help" { print $1 } $3 ~ / / { print $3 }' >"$T/decl"
grep -v -x -e help -e registry "$T/want.cmds" >>"$T/decl"
grep -x '.\{6,\}' "$T/want.verbs" >>"$T/decl"
sort -u -o "$T/decl" "$T/decl"
check "the words to look for include --max-drop, --if-current and rollback" \
    test "$(grep -c -x -e --max-drop -e --if-current -e rollback "$T/decl")" -eq 3
for f in nlpops.bash _nlpops nlpops.fish; do
	grep -F -w -o -f "$T/decl" "$C/$f" | sort -u | tr '\n' ' ' >"$T/found"
	check "completions/$f writes none of the options, verbs or values itself (found: $(cat "$T/found"))" \
	    test ! -s "$T/found"
done
