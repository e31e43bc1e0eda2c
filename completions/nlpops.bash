# bash completion for nlpops(1)
#
# Plain bash (4 or later): uses only compgen, compopt, COMP_WORDS and
# COMP_CWORD, so it works without the bash-completion package.  Source it,
# or install it as $datadir/bash-completion/completions/nlpops.
#
# The tables below mirror the usage texts of cmd/train.c and cmd/predict.c;
# when an option is added there, add it here (and to _nlpops, nlpops.fish).

_nlpops_commands='train predict help'

# Options that take a value, and options that do not, per command.
_nlpops_train_valued='-o --output --format --text-column --label-column
	--text-field --label-field --ngrams --char-ngrams --bits --min-df
	--epochs --lr --l2 --class-weight --seed --valid --holdout --threads'
_nlpops_train_flags='--strict -q --quiet -h --help'
_nlpops_predict_valued='-m --model -o --output -k --top --threshold
	--fallback --output-format --format --text-column --id-column
	--text-field --id-field --threads'
_nlpops_predict_flags='--line-buffered -q --quiet -h --help'

# What to offer for an option's value: "files", a list of words, or
# nothing (a number, a column name, a label: no completion).
_nlpops_values() { # command option
	case $1:$2 in
	*:-o | *:--output | predict:-m | predict:--model | train:--valid)
		echo files ;;
	train:--format) echo 'tsv csv jsonl fasttext' ;;
	predict:--format) echo 'plain tsv csv jsonl fasttext' ;;
	predict:--output-format) echo 'tsv jsonl' ;;
	train:--class-weight) echo 'none balanced' ;;
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

_nlpops() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev='' cmd=${COMP_WORDS[1]}
	local i valued flags values

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

	# The command comes first; only --version and -h/--help may replace it.
	if ((COMP_CWORD == 1)); then
		if [[ $cur == -* ]]; then
			_nlpops_reply -W '--version -h --help' -- "$cur"
		else
			_nlpops_reply -W "$_nlpops_commands" -- "$cur"
		fi
		return 0
	fi

	case $cmd in
	help)
		((COMP_CWORD == 2)) &&
			_nlpops_reply -W 'train predict' -- "$cur"
		return 0 ;;
	train) valued=$_nlpops_train_valued flags=$_nlpops_train_flags ;;
	predict) valued=$_nlpops_predict_valued flags=$_nlpops_predict_flags ;;
	*) return 0 ;;
	esac

	# After "--", everything is a file.
	for ((i = 2; i < COMP_CWORD; i++)); do
		if [[ ${COMP_WORDS[i]} == -- ]]; then
			_nlpops_files "$cur"
			return 0
		fi
	done

	# The value of the option before the cursor.
	if [[ $prev == -* && " $valued " == *[[:space:]]"$prev"[[:space:]]* ]]; then
		values=$(_nlpops_values "$cmd" "$prev")
		case $values in
		files) _nlpops_files "$cur" ;;
		?*) _nlpops_reply -W "$values" -- "$cur" ;;
		esac
		return 0
	fi

	if [[ $cur == -* ]]; then
		_nlpops_reply -W "$valued $flags" -- "$cur"
	else
		_nlpops_files "$cur"
	fi
	return 0
}

complete -F _nlpops nlpops
