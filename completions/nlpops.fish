# fish completion for nlpops(1).  Install as
# $datadir/fish/vendor_completions.d/nlpops.fish.
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

# nlpops __complete ARG...: the nlpops of the command line, with its
# --registry DIR (the last one wins).
function __fish_nlpops_ask
    set -l words (commandline -opc)
    set -l reg
    set -l i 2
    while set -q words[$i]
        switch $words[$i]
            case --registry
                set i (math $i + 1)
                set -q words[$i]; and set reg --registry $words[$i]
            case '--registry=*'
                set reg --registry (string replace -- --registry= '' $words[$i])
            case --cache --cache-max
                set i (math $i + 1)
            case '--cache=*' '--cache-max=*'
            case '*'
                break
        end
        set i (math $i + 1)
    end
    set -l prog (string replace -r '^~(?=/|$)' -- $HOME $words[1])
    set reg (string replace -r '^~(?=/|$)' -- $HOME $reg)
    $prog $reg __complete $argv 2>/dev/null </dev/null
end

# The candidates of a kind (cmd/opts.h) for the word CUR; MODEL: the
# command line's first operand, for version and alias.
function __fish_nlpops_kind -a kind cur model
    switch $kind
        case - ''
        case file
            __fish_complete_path "$cur"
        case dir
            __fish_complete_directories "$cur"
        case group
            __fish_complete_groups
        case model
            __fish_nlpops_ask models
        case ref
            __fish_complete_path "$cur"
            string match -q -- '*/*' "$cur"; or __fish_nlpops_ask refs
        case regref
            __fish_nlpops_ask refs
        case model@ # NAME@, then the versions: NAME@VERSION
            if string match -q -- '*@*' "$cur"
                __fish_nlpops_ask refs | string match -r -- '^[^@]+@[0-9]+$'
            else
                __fish_nlpops_ask models | string replace -r -- '$' @
            end
        case version
            test -n "$model"; and __fish_nlpops_ask versions $model
        case alias
            test -n "$model"; and __fish_nlpops_ask aliases $model
        case target
            test -n "$model"; and __fish_nlpops_ask targets $model
        case '*'
            string split -n ' ' -- $kind
    end
end

function __fish_nlpops_complete
    set -l words (commandline -opc)
    set -l cur (commandline -ct)
    set -e words[1]

    # nlpops' own options before the command: --registry DIR (or =DIR),
    # --cache DIR, --cache-max SIZE.
    while set -q words[1]
        switch $words[1]
            case --registry --cache
                set -e words[1]
                set -q words[1]; or begin
                    __fish_nlpops_kind dir "$cur"
                    return
                end
                set -e words[1]
            case --cache-max
                set -e words[1]
                set -q words[1]; or return
                set -e words[1]
            case '--registry=*' '--cache=*' '--cache-max=*'
                set -e words[1]
            case '*'
                break
        end
    end

    # The command.
    if not set -q words[1]
        switch "$cur"
            case '--registry=*'
                __fish_nlpops_kind dir (string replace -- --registry= '' "$cur") |
                    string replace -r -- '^' --registry=
            case '-*'
                printf '%s\t%s\n' --version 'show the version of nlpops and its libraries' \
                    -h 'list the commands' --help 'list the commands' \
                    --registry 'use the model registry in DIR, or at a postgresql:// URI' \
                    --cache 'cache a PostgreSQL registry'"'"'s objects in DIR' \
                    --cache-max 'keep at most SIZE in the cache (like 2G)'
            case '*'
                __fish_nlpops_ask commands
        end
        return
    end
    set -l cmd $words[1]
    set -e words[1]
    if test "$cmd" = help
        set -q words[1]; or __fish_nlpops_ask commands | string match -v -r -- '^help\t'
        # help CMD VERB, for a CMD with verbs
        if test (count $words) -eq 1
            __fish_nlpops_ask verbs $words[1]
        end
        return
    end
    # registry VERB: the verb, then it is the command.
    if test "$cmd" = registry
        if not set -q words[1]
            if string match -q -- '-*' "$cur"
                printf '%s\t%s\n' -h 'show the usage' --help 'show the usage'
            else
                __fish_nlpops_ask verbs registry
            end
            return
        end
        set -a cmd $words[1]
        set -e words[1]
    end

    # The options: each name (long and short), its kind and help.
    set -l names
    set -l kinds
    set -l helps
    for line in (__fish_nlpops_ask options $cmd)
        set -l f (string split \t -- $line)
        set -a names $f[1]
        set -a kinds $f[3]
        set -a helps $f[4]
        if test -n "$f[2]"
            set -a names $f[2]
            set -a kinds $f[3]
            set -a helps $f[4]
        end
    end
    set -q names[1]; or return

    # Count the operands before this word; "--" ends the options.
    set -l n 0
    set -l value
    set -l dashdash 0
    set -l model
    set -l given
    for w in $words
        if set -q value[1]
            set -e value
        else if test $dashdash = 0 -a "$w" = --
            set dashdash 1
        else if test $dashdash = 0; and string match -q -- '-?*' "$w"
            set -a given (string replace -r -- '=.*' '' "$w")
            set -l i (contains -i -- "$w" $names)
            and test "$kinds[$i]" != -
            and set value "$kinds[$i]"
        else
            test $n = 0; and set model $w
            set n (math $n + 1)
        end
    end

    # The value of the option before this word, or of --option=.
    if set -q value[1]
        __fish_nlpops_kind "$value" "$cur" "$model"
        return
    end
    if test $dashdash = 0; and string match -q -- '-*' "$cur"
        if string match -q -r -- '^--[^=]+=' "$cur"
            set -l opt (string replace -r -- '=.*' '' "$cur")
            set -l i (contains -i -- $opt $names); or return
            __fish_nlpops_kind "$kinds[$i]" (string replace -r -- '^[^=]*=' '' "$cur") "$model" |
                string replace -r -- '^' "$opt="
            return
        end
        for i in (seq (count $names))
            printf '%s\t%s\n' $names[$i] $helps[$i]
        end
        return
    end

    # An operand: the n-th, or a last one ending in "..." repeats.
    set -l ops (__fish_nlpops_ask operands $cmd)
    set -q ops[1]; or return
    if test $n -lt (count $ops)
        set ops $ops[(math $n + 1)]
    else if string match -q -- '*...' $ops[-1]
        set ops $ops[-1]
    else
        return
    end
    # "KIND --opt=OTHER": OTHER once --opt was given
    set -l alt (string split -m 1 ' ' -- $ops)
    if set -q alt[2]
        set ops $alt[1]
        set -l o (string split -m 1 = -- $alt[2])
        contains -- $o[1] $given; and set ops $o[2]
    end
    __fish_nlpops_kind (string replace -r -- '\.\.\.$' '' $ops) "$cur" "$model"
end

complete -c nlpops -f -a '(__fish_nlpops_complete)'
