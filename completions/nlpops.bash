# bash completion for nlpops(1)
#
# Plain bash (4 or later): uses only compgen, compopt, COMP_WORDS and
# COMP_CWORD, so it works without the bash-completion package.  Source it,
# or install it as $datadir/bash-completion/completions/nlpops.
#
# Everything comes from the binary's hidden helper, run at completion time
# (the nlpops of the command line, with its --registry DIR if any):
#   nlpops __complete commands | verbs registry    "name<TAB>summary"
#   nlpops __complete options CMD [VERB]  "--long<TAB>-x<TAB>values<TAB>help"
#   nlpops __complete operands CMD [VERB] what completes each operand
#   nlpops __complete models | refs       the registry's names, references
#   nlpops __complete versions | aliases | targets NAME   model NAME's
# A value or operand is completed by its kind (cmd/opts.h): "-" or ""
# nothing, file, dir, group, model, ref (a reference or a file), regref
# (a reference only), model@
# (NAME@, then NAME@VERSION), version, alias or target (either, of the
# model the first operand names), or else the words given; an operand
# "KIND --opt=OTHER" is OTHER once --opt was given.  Only nlpops' own
# options before the command (--registry, --cache, --cache-max,
# --version, -h, --help) are listed here: __complete has no table for them.

# A path as the shell would expand a leading ~ in it.
_nlpops_tilde() {
	case $1 in
	'~') printf '%s\n' "$HOME" ;;
	'~/'*) printf '%s\n' "$HOME/${1#'~/'}" ;;
	*) printf '%s\n' "$1" ;;
	esac
}

# nlpops __complete ARG...: with the program and the --registry DIR
# ($_nlpops_regdir, set by _nlpops) of the command line.
_nlpops_ask() {
	local prog reg=()

	prog=$(_nlpops_tilde "${COMP_WORDS[0]}")
	[[ -n $_nlpops_regdir ]] &&
		reg=(--registry "$(_nlpops_tilde "$_nlpops_regdir")")
	"$prog" "${reg[@]}" __complete "$@" 2>/dev/null </dev/null
}

# The first field of each line of __complete ARG... ("name<TAB>summary").
_nlpops_names() {
	local line

	_nlpops_ask "$@" | while IFS= read -r line; do
		printf '%s\n' "${line%%$'\t'*}"
	done
}

# COMPREPLY += what compgen "$@" prints, one word a line.
_nlpops_reply() {
	mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen "$@")
}

# COMPREPLY = the candidates of kind $1 (cmd/opts.h) that start with $2
# ($_nlpops_model: the first operand, set by _nlpops).
_nlpops_kind() {
	local kind=$1 cur=$2

	case $kind in
	- | '') ;;
	file)
		compopt -o filenames 2>/dev/null
		_nlpops_reply -f -- "$cur" ;;
	dir)
		compopt -o filenames 2>/dev/null
		_nlpops_reply -d -- "$cur" ;;
	group) _nlpops_reply -g -- "$cur" ;;
	model) _nlpops_reply -W "$(_nlpops_ask models)" -- "$cur" ;;
	ref) # with a / a file; NAME@... a reference (else a file with an
		# @ in its name); else either.  Files' -o filenames only when no
		# reference is offered: bash would quote the "@" of one
		# (spam\@production)
		local n=${#COMPREPLY[@]} f
		if [[ $cur == */* ]]; then
			_nlpops_kind file "$cur"
			return
		fi
		_nlpops_reply -W "$(_nlpops_ask refs)" -- "$cur"
		if ((${#COMPREPLY[@]} == n)); then
			_nlpops_kind file "$cur"
		else    # beside references: files as they are, directories
			while IFS= read -r f; do
				[[ -d $f ]] && f+=/
				COMPREPLY+=("$f")
			done < <(compgen -f -- "$cur")
		fi ;;
	regref) _nlpops_reply -W "$(_nlpops_ask refs)" -- "$cur" ;;
	model@) # NAME@, then the versions: NAME@VERSION
		if [[ $cur == *@* ]]; then
			_nlpops_reply -W "$(_nlpops_ask refs |
			    grep -E '^[^@]+@[0-9]+$')" -- "$cur"
		else
			compopt -o nospace 2>/dev/null
			_nlpops_reply -W "$(_nlpops_ask models | sed 's/$/@/')" \
			    -- "$cur"
		fi ;;
	version)
		[[ -n $_nlpops_model ]] &&
			_nlpops_reply -W "$(_nlpops_ask versions "$_nlpops_model")" \
			    -- "$cur" ;;
	alias)
		[[ -n $_nlpops_model ]] &&
			_nlpops_reply -W "$(_nlpops_ask aliases "$_nlpops_model")" \
			    -- "$cur" ;;
	target)
		[[ -n $_nlpops_model ]] &&
			_nlpops_reply -W "$(_nlpops_ask targets "$_nlpops_model")" \
			    -- "$cur" ;;
	*) _nlpops_reply -W "$kind" -- "$cur" ;;
	esac
}

# words[] and cword: COMP_WORDS and COMP_CWORD with the words bash split
# at '@' and ':' (in COMP_WORDBREAKS) joined back as the command line has
# them -- spam@production, postgresql://ops@db/registry -- each break a
# word of its own there, with no blank before it or the word after it.
_nlpops_words() {
	local line=${COMP_LINE:0:COMP_POINT} w pos=0 blank i

	words=() cword=-1
	for ((i = 0; i < ${#COMP_WORDS[@]}; i++)); do
		w=${COMP_WORDS[i]} blank=0
		while [[ ${line:pos:1} == [[:space:]] ]]; do
			((pos++)); blank=1
		done
		if [[ ${line:pos:${#w}} != "$w" ]]; then
			# not the line as expected: as bash split it
			words=("${COMP_WORDS[@]}") cword=$COMP_CWORD
			return
		fi
		((pos += ${#w}))
		if ((i > 0 && !blank && ${#words[@]})) &&
		    [[ $w =~ ^[@:]+$ || ${COMP_WORDS[i - 1]} =~ ^[@:]+$ ]]; then
			words[-1]+=$w
		else
			words+=("$w")
		fi
		((i == COMP_CWORD)) && cword=$((${#words[@]} - 1))
	done
	((cword >= 0)) || { words+=(''); cword=$((${#words[@]} - 1)); }
}

_nlpops() {
	local -a words
	local cword
	_nlpops_words
	local cur=${words[cword]} prev='' _nlpops_regdir='' _nlpops_model=''
	local ci=1 i n word line long short rest skip=0 dashdash=0 given=' '
	local -a cmd operands
	local -A kind

	COMPREPLY=()
	_nlpops_complete
	# readline replaces only the word it was given ($2: what follows
	# the last ':', with an '@' before it kept): the candidates without
	# what comes before that
	if [[ $cur != "$2" && $cur == *"$2" ]]; then
		local pre=${cur%"$2"}
		COMPREPLY=("${COMPREPLY[@]#"$pre"}")
	fi
	return 0
}

# The completion proper, on words[] and cword (_nlpops' locals).
_nlpops_complete() {
	# bash splits "--opt=val" into "--opt" "=" "val".
	if ((cword >= 2)); then
		prev=${words[cword - 1]}
		if [[ $cur == = ]]; then
			cur=
		elif [[ $prev == = ]]; then
			prev=${words[cword - 2]}
		fi
	fi

	# nlpops' own options before the command: --registry DIR (or =DIR),
	# --cache DIR, --cache-max SIZE.
	while ((ci < cword)); do
		word=${words[ci]} val=
		case $word in
		--registry | --cache | --cache-max)
			if [[ ${words[ci + 1]} == = ]]; then
				val=${words[ci + 2]}
				((ci += 3))
			else
				val=${words[ci + 1]}
				((ci += 2))
			fi ;;
		--registry=* | --cache=* | --cache-max=*)
			val=${word#*=} word=${word%%=*}
			((ci++)) ;;
		*)
			break ;;
		esac
		[[ $word == --registry ]] && _nlpops_regdir=$val
	done
	if [[ $prev == --registry || $prev == --cache ]] && ((cword <= ci)); then
		_nlpops_kind dir "$cur"
		return 0
	fi
	[[ $prev == --cache-max ]] && ((cword <= ci)) && return 0

	# The command.
	if ((cword <= ci)); then
		if [[ $cur == -* ]]; then
			_nlpops_reply -W '--version -h --help --registry --cache --cache-max' -- "$cur"
		else
			_nlpops_reply -W "$(_nlpops_names commands)" -- "$cur"
		fi
		return 0
	fi
	cmd=("${words[ci]}")
	if [[ $cmd == help ]]; then
		((cword == ci + 1)) &&
			_nlpops_reply -W "$(_nlpops_names commands | grep -vx help)" \
			    -- "$cur"
		# help CMD VERB, for a CMD with verbs
		((cword == ci + 2)) &&
			_nlpops_reply -W "$(_nlpops_names verbs "${words[ci + 1]}")" \
			    -- "$cur"
		return 0
	fi
	# registry VERB: the verb, then it is the command.
	if [[ $cmd == registry ]]; then
		((ci++))
		if ((cword == ci)); then
			if [[ $cur == -* ]]; then
				_nlpops_reply -W '-h --help' -- "$cur"
			else
				_nlpops_reply -W "$(_nlpops_names verbs registry)" \
				    -- "$cur"
			fi
			return 0
		fi
		cmd+=("${words[ci]}")
	fi

	# The options: kind[--long] = kind[-x] = what completes the value.
	while IFS= read -r line; do
		long=${line%%$'\t'*} rest=${line#*$'\t'}
		short=${rest%%$'\t'*} rest=${rest#*$'\t'}
		kind[$long]=${rest%%$'\t'*}
		[[ -n $short ]] && kind[$short]=${kind[$long]}
	done < <(_nlpops_ask options "${cmd[@]}")
	((${#kind[@]})) || return 0

	# Count the operands before this word; "--" ends the options.
	n=0
	for ((i = ci + 1; i < cword; i++)); do
		word=${words[i]}
		if ((skip)); then
			[[ $word == = ]] || skip=0
		elif ((!dashdash)) && [[ $word == -- ]]; then
			dashdash=1
		elif ((!dashdash)) && [[ $word == -?* ]]; then
			given+="${word%%=*} "
			[[ -n ${kind[$word]+set} && ${kind[$word]} != - ]] && skip=1
		elif [[ $word != = ]]; then
			((n++ == 0)) && _nlpops_model=$word
		fi
	done

	# The value of the option before this word.
	if ((skip)); then
		_nlpops_kind "${kind[$prev]}" "$cur"
		return 0
	fi
	if ((!dashdash)) && [[ $cur == -* ]]; then
		_nlpops_reply -W "${!kind[*]}" -- "$cur"
		return 0
	fi

	# An operand: the n-th line, or a last one ending in "..." repeats.
	mapfile -t operands < <(_nlpops_ask operands "${cmd[@]}")
	((${#operands[@]})) || return 0
	if ((n >= ${#operands[@]})); then
		word=${operands[-1]}
		[[ $word == *... ]] || return 0
	else
		word=${operands[n]}
	fi
	# "KIND --opt=OTHER": OTHER once --opt was given
	if [[ $word == *' '*=* ]]; then
		rest=${word#* } word=${word%% *}
		[[ $given == *" ${rest%%=*} "* ]] && word=${rest#*=}
	fi
	_nlpops_kind "${word%...}" "$cur"
	return 0
}

complete -F _nlpops nlpops
