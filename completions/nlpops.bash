# bash completion for nlpops(1)
#
# Plain bash (4 or later): uses only compgen, compopt, COMP_WORDS and
# COMP_CWORD, so it works without the bash-completion package.  Source it,
# or install it as $datadir/bash-completion/completions/nlpops.
#
# The tables below mirror the usage texts of cmd/nlpops.c, cmd/train.c,
# cmd/predict.c, cmd/eval.c, cmd/drift.c and cmd/registry.c; when an option
# is added there, add it here (and to _nlpops, nlpops.fish).
#
# Model names (for predict -m, eval -m and --baseline, drift -m, train
# --push and the NAME or REF of registry verbs) come from the binary's hidden
# helper `nlpops [--registry DIR] __complete models`, run with
# the --registry DIR given on the command line, if any; a missing registry
# just gives no names.

_nlpops_commands='train predict eval drift registry help'
_nlpops_verbs='init push list show alias promote rollback history diff resolve
	pull verify gc rm'

# Options that take a value, and options that do not, per command.
_nlpops_train_valued='-o --output --push --alias --format --text-column
	--label-column --text-field --label-field --ngrams --char-ngrams --bits
	--min-df --epochs --lr --l2 --class-weight --seed --valid --holdout
	--threads'
_nlpops_train_flags='--strict -q --quiet -h --help'
_nlpops_predict_valued='-m --model -o --output -k --top --threshold
	--fallback --output-format --format --text-column --id-column
	--text-field --id-field --threads'
_nlpops_predict_flags='--line-buffered --strict --score-empty -q --quiet -h --help'
_nlpops_eval_valued='-m --model --errors --min-accuracy --min-f1
	--min-class-f1 --max-log-loss --max-ece --baseline --max-drop --bootstrap
	--gate-on --seed --format --text-column --label-column --text-field
	--label-field --threads'
_nlpops_eval_flags='--json --confusion --record --strict -q --quiet -h
	--help'
_nlpops_drift_valued='-m --model --reference --html --prom --alpha --effect
	--share-effect --auc --drift-share --max-accuracy-drop --small
	--max-sample --permutations --seed --format --text-column --label-column
	--text-field --label-field --threads'
_nlpops_drift_flags='--json -q --quiet -h --help'
# Every registry option that takes a value (skipped the same way after
# any verb; a verb refuses the options it does not take).
_nlpops_registry_valued='--shared --name --alias --tag --description
	--if-current --require --reason --to --grace -o --output'

# The options each registry verb uses.
_nlpops_verb_options() { # verb
	case $1 in
	init) echo '--shared' ;;
	push) echo '--name --alias --tag --description --reason' ;;
	list | show | diff | resolve) echo '--json' ;;
	alias | promote) echo '--if-current --require --reason --delete' ;;
	rollback) echo '--alias --to --if-current --reason' ;;
	history) echo '--alias --json' ;;
	pull) echo '-o --output' ;;
	verify) echo '--quick --json' ;;
	gc) echo '--dry-run --grace --json' ;;
	rm) echo '--force --reason' ;;
	esac
	echo '-h --help'
}

# What to offer for an option's value: "files", "dirs", "groups",
# "models", "models+files", a list of words, or nothing (a number, a
# column name, a label, a reason: no completion).
_nlpops_values() { # command option
	case $1:$2 in
	predict:-m | predict:--model | eval:-m | eval:--model | \
	eval:--baseline | drift:-m | drift:--model) echo models+files ;;
	train:--push | registry:--name) echo models ;;
	registry:--shared) echo groups ;;
	*:-o | *:--output | train:--valid | drift:--reference | drift:--html | \
	drift:--prom) echo files ;;
	train:--format | eval:--format) echo 'tsv csv jsonl fasttext' ;;
	predict:--format | drift:--format) echo 'plain tsv csv jsonl fasttext' ;;
	predict:--output-format) echo 'tsv jsonl' ;;
	train:--class-weight) echo 'none balanced' ;;
	eval:--gate-on) echo 'point lower' ;;
	registry:--grace) echo '30m 1h 1d' ;;
	esac
}

# COMPREPLY = what compgen "$@" prints, one word a line.
_nlpops_reply() {
	mapfile -t COMPREPLY < <(compgen "$@")
}

# COMPREPLY = the file names that start with $1.
_nlpops_files() {
	compopt -o filenames 2>/dev/null
	_nlpops_reply -f -- "$1"
}

# A path as the shell would expand a leading ~ in it.
_nlpops_tilde() {
	case $1 in
	'~') printf '%s\n' "$HOME" ;;
	'~/'*) printf '%s\n' "$HOME/${1#'~/'}" ;;
	*) printf '%s\n' "$1" ;;
	esac
}

# The model names in the registry, one a line; nothing when there is no
# registry.  Uses the program and the --registry DIR of the command line.
_nlpops_models() { # program registry-dir
	local prog reg=()

	prog=$(_nlpops_tilde "$1")
	[[ -n $2 ]] && reg=(--registry "$(_nlpops_tilde "$2")")
	"$prog" "${reg[@]}" __complete models 2>/dev/null </dev/null
}

_nlpops() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev='' cmd='' verb=''
	local ci=1 vi=0 i n word regdir='' valued flags values skip

	COMPREPLY=()
	# bash splits "--format=ts" into "--format" "=" "ts".
	if ((COMP_CWORD >= 2)); then
		prev=${COMP_WORDS[COMP_CWORD - 1]}
		if [[ $cur == = ]]; then
			cur=
		elif [[ $prev == = ]]; then
			prev=${COMP_WORDS[COMP_CWORD - 2]}
		fi
	fi

	# Global options before the command: --registry DIR, --registry=DIR.
	while ((ci < COMP_CWORD)); do
		word=${COMP_WORDS[ci]}
		if [[ $word == --registry ]]; then
			if [[ ${COMP_WORDS[ci + 1]} == = ]]; then
				regdir=${COMP_WORDS[ci + 2]}
				((ci += 3))
			else
				regdir=${COMP_WORDS[ci + 1]}
				((ci += 2))
			fi
		elif [[ $word == --registry=* ]]; then
			regdir=${word#--registry=}
			((ci++))
		else
			break
		fi
	done

	# The directory of --registry.
	if [[ $prev == --registry ]] && ((COMP_CWORD <= ci)); then
		compopt -o filenames 2>/dev/null
		_nlpops_reply -d -- "$cur"
		return 0
	fi

	# The command comes first; only global options may replace it.
	if ((COMP_CWORD <= ci)); then
		if [[ $cur == -* ]]; then
			_nlpops_reply -W '--version -h --help --registry' -- "$cur"
		else
			_nlpops_reply -W "$_nlpops_commands" -- "$cur"
		fi
		return 0
	fi
	cmd=${COMP_WORDS[ci]}

	case $cmd in
	help)
		((COMP_CWORD == ci + 1)) &&
			_nlpops_reply -W 'train predict eval drift registry' -- "$cur"
		return 0 ;;
	train) valued=$_nlpops_train_valued flags=$_nlpops_train_flags ;;
	predict) valued=$_nlpops_predict_valued flags=$_nlpops_predict_flags ;;
	eval) valued=$_nlpops_eval_valued flags=$_nlpops_eval_flags ;;
	drift) valued=$_nlpops_drift_valued flags=$_nlpops_drift_flags ;;
	registry)
		vi=$((ci + 1))
		if ((COMP_CWORD == vi)); then
			if [[ $cur == -* ]]; then
				_nlpops_reply -W '-h --help' -- "$cur"
			else
				_nlpops_reply -W "$_nlpops_verbs" -- "$cur"
			fi
			return 0
		fi
		verb=${COMP_WORDS[vi]}
		valued=$_nlpops_registry_valued
		flags=$(_nlpops_verb_options "$verb") ;;
	*) return 0 ;;
	esac

	# After "--", everything is an operand.
	for ((i = ci + 1; i < COMP_CWORD; i++)); do
		if [[ ${COMP_WORDS[i]} == -- ]]; then
			[[ $cmd != registry ]] && _nlpops_files "$cur"
			return 0
		fi
	done

	# The value of the option before the cursor.
	if [[ $prev == -* && " $valued " == *[[:space:]]"$prev"[[:space:]]* ]]; then
		values=$(_nlpops_values "$cmd" "$prev")
		case $values in
		files) _nlpops_files "$cur" ;;
		groups) _nlpops_reply -g -- "$cur" ;;
		models)
			_nlpops_reply -W "$(_nlpops_models "${COMP_WORDS[0]}" \
			    "$regdir")" -- "$cur" ;;
		models+files)
			_nlpops_files "$cur"
			[[ $cur == */* ]] || mapfile -t -O "${#COMPREPLY[@]}" \
			    COMPREPLY < <(compgen -W "$(_nlpops_models \
			    "${COMP_WORDS[0]}" "$regdir")" -- "$cur") ;;
		?*) _nlpops_reply -W "$values" -- "$cur" ;;
		esac
		return 0
	fi

	if [[ $cur == -* ]]; then
		if [[ $cmd == registry ]]; then
			_nlpops_reply -W "$flags" -- "$cur"
		else
			_nlpops_reply -W "$valued $flags" -- "$cur"
		fi
		return 0
	fi

	if [[ $cmd != registry ]]; then
		_nlpops_files "$cur"
		return 0
	fi

	# A registry verb's operand: count the operands before this one.
	n=0 skip=0
	for ((i = vi + 1; i < COMP_CWORD; i++)); do
		word=${COMP_WORDS[i]}
		if ((skip)); then
			[[ $word == = ]] || skip=0
			continue
		fi
		if [[ $word == -* ]]; then
			[[ " $valued " == *[[:space:]]"$word"[[:space:]]* ]] && skip=1
			continue
		fi
		[[ $word == = ]] || ((n++))
	done
	case $verb:$n in
	push:0) _nlpops_files "$cur" ;;
	list:0 | show:0 | alias:0 | promote:0 | rollback:0 | history:0 | \
	diff:0 | diff:1 | resolve:0 | pull:0)
		_nlpops_reply -W "$(_nlpops_models "${COMP_WORDS[0]}" \
		    "$regdir")" -- "$cur" ;;
	rm:0) # NAME@VERSION: offer "NAME@", the version is typed
		[[ $cur == *@* ]] && return 0
		compopt -o nospace 2>/dev/null
		_nlpops_reply -W "$(_nlpops_models "${COMP_WORDS[0]}" \
		    "$regdir" | sed 's/$/@/')" -- "$cur" ;;
	esac
	return 0
}

complete -F _nlpops nlpops
