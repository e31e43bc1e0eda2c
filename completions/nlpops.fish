# fish completion for nlpops(1).  Install as
# $datadir/fish/vendor_completions.d/nlpops.fish.  The option lists mirror
# the usage texts of cmd/nlpops.c, cmd/train.c, cmd/predict.c, cmd/eval.c,
# cmd/drift.c and cmd/registry.c.
#
# Model names come from `nlpops [--registry DIR] __complete models`, with
# the --registry DIR of the command line, if any; a missing registry just
# gives no names.

# The words after the global options (--registry DIR, --registry=DIR):
# the command, then its arguments.
function __fish_nlpops_args
    set -l words (commandline -opc)
    set -e words[1]
    while set -q words[1]
        switch $words[1]
            case --registry
                set -e words[1]
                set -q words[1]; and set -e words[1]
            case '--registry=*'
                set -e words[1]
            case '*'
                break
        end
    end
    set -q words[1]; and printf '%s\n' $words
end

# The --registry DIR of the command line, if any (the last one wins).
function __fish_nlpops_registry_dir
    set -l words (commandline -opc)
    set -l dir
    set -l i 2
    while test $i -le (count $words)
        switch $words[$i]
            case --registry
                set i (math $i + 1)
                set -q words[$i]; and set dir $words[$i]
            case '--registry=*'
                set dir (string replace -- '--registry=' '' $words[$i])
            case '*'
                break
        end
        set i (math $i + 1)
    end
    set -q dir[1]; and string replace -r '^~(?=/|$)' -- $HOME $dir
end

function __fish_nlpops_command
    set -l args (__fish_nlpops_args)
    set -q args[1]; and printf '%s\n' $args[1]
end

function __fish_nlpops_needs_command
    set -l args (__fish_nlpops_args)
    not set -q args[1]
end

function __fish_nlpops_using -a name
    set -l command (__fish_nlpops_command)
    test "$command" = "$name"
end

# nlpops registry, no verb yet.
function __fish_nlpops_registry_needs_verb
    set -l args (__fish_nlpops_args)
    test "$args[1]" = registry; and not set -q args[2]
end

# nlpops registry VERB (any of the verbs given).
function __fish_nlpops_verb
    set -l args (__fish_nlpops_args)
    test "$args[1]" = registry; and set -q args[2]; and contains -- $args[2] $argv
end

# The number of operands given after the registry verb, not counting
# options and their values.
function __fish_nlpops_operands
    set -l args (__fish_nlpops_args)
    set -l valued --shared --name --alias --tag --description --if-current --require --reason --to --grace -o --output
    set -l n 0
    set -l skip 0
    for w in $args[3..-1]
        if test $skip = 1
            set skip 0
        else if contains -- $w $valued
            set skip 1
        else if not string match -q -- '-*' $w
            set n (math $n + 1)
        end
    end
    echo $n
end

# The model names in the registry.
function __fish_nlpops_models
    set -l prog (commandline -opc)[1]
    set -l dir (__fish_nlpops_registry_dir)
    set -l reg
    set -q dir[1]; and set reg --registry $dir
    $prog $reg __complete models 2>/dev/null </dev/null
end

complete -c nlpops -f

# The command, or nlpops' own options.
complete -c nlpops -n __fish_nlpops_needs_command -a train -d 'learn a text classifier from labeled text'
complete -c nlpops -n __fish_nlpops_needs_command -a predict -d 'label text from stdin or files, one line each'
complete -c nlpops -n __fish_nlpops_needs_command -a eval -d 'metrics on labeled data, and gates for CI'
complete -c nlpops -n __fish_nlpops_needs_command -a drift -d "has today's text drifted from the training text?"
complete -c nlpops -n __fish_nlpops_needs_command -a registry -d 'versioned models: push, alias, rollback, history'
complete -c nlpops -n __fish_nlpops_needs_command -a help -d "show a command's usage"
complete -c nlpops -n __fish_nlpops_needs_command -l version -d 'show the version of nlpops and its libraries'
complete -c nlpops -n __fish_nlpops_needs_command -s h -l help -d 'list the commands'
complete -c nlpops -n __fish_nlpops_needs_command -l registry -x -a '(__fish_complete_directories (commandline -ct))' -d 'use the model registry in DIR'

# nlpops help COMMAND
complete -c nlpops -n '__fish_nlpops_using help; and test (count (__fish_nlpops_args)) -eq 1' -a 'train predict eval drift registry'

# nlpops train
set -l t '__fish_nlpops_using train'
complete -c nlpops -n $t -F
complete -c nlpops -n $t -s o -l output -r -F -d 'artifact to write (atomically)'
complete -c nlpops -n $t -l push -x -a '(__fish_nlpops_models)' -d 'push the artifact to the registry as NAME'
complete -c nlpops -n $t -l alias -x -d 'with --push: point ALIAS at the new version'
complete -c nlpops -n $t -l format -x -a 'tsv csv jsonl fasttext' -d 'input format'
complete -c nlpops -n $t -l text-column -x -d 'CSV/TSV text column (name or number)'
complete -c nlpops -n $t -l label-column -x -d 'CSV/TSV label column (name or number)'
complete -c nlpops -n $t -l text-field -x -d 'JSONL text field (default: text)'
complete -c nlpops -n $t -l label-field -x -d 'JSONL label field (default: label)'
complete -c nlpops -n $t -l strict -d 'the first odd record is an error'
complete -c nlpops -n $t -l ngrams -x -a '1 2 3 4 5' -d 'word n-grams (default: 2)'
complete -c nlpops -n $t -l char-ngrams -x -d 'character n-grams, e.g. 3-5 (default: none)'
complete -c nlpops -n $t -l bits -x -d 'hash 2^B buckets, 10 to 26'
complete -c nlpops -n $t -l min-df -x -d 'drop features seen in fewer than N documents'
complete -c nlpops -n $t -l epochs -x -d 'passes over the data (default: 10)'
complete -c nlpops -n $t -l lr -x -d 'initial learning rate (default: 2)'
complete -c nlpops -n $t -l l2 -x -d 'L2 regularization (default: 0)'
complete -c nlpops -n $t -l class-weight -x -a 'none balanced' -d 'class weights (default: none)'
complete -c nlpops -n $t -l seed -x -d 'random seed (default: 1)'
complete -c nlpops -n $t -l valid -r -F -d 'labeled data for early stopping'
complete -c nlpops -n $t -l holdout -x -d 'fraction held out without --valid (default: 0.05)'
complete -c nlpops -n $t -l threads -x -d 'threads (default: all CPUs)'
complete -c nlpops -n $t -s q -l quiet -d 'print nothing but errors'
complete -c nlpops -n $t -s h -l help -d 'show this help'

# nlpops predict
set -l p '__fish_nlpops_using predict'
complete -c nlpops -n $p -F
complete -c nlpops -n $p -s m -l model -r -F -a '(__fish_nlpops_models)' -d 'the model: an artifact, or NAME[@VERSION|@ALIAS]'
complete -c nlpops -n $p -s o -l output -r -F -d 'write here (atomically) instead of stdout'
complete -c nlpops -n $p -s k -l top -x -d 'the N most probable labels (default: 1)'
complete -c nlpops -n $p -l threshold -x -d 'below top probability P, print the fallback'
complete -c nlpops -n $p -l fallback -x -d 'the label printed below --threshold (default: unknown)'
complete -c nlpops -n $p -l output-format -x -a 'tsv jsonl' -d 'output format (default: tsv)'
complete -c nlpops -n $p -l format -x -a 'plain tsv csv jsonl fasttext' -d 'input format'
complete -c nlpops -n $p -l text-column -x -d 'TSV/CSV text column (name or number)'
complete -c nlpops -n $p -l id-column -x -d 'TSV/CSV id column, carried to the output'
complete -c nlpops -n $p -l text-field -x -d 'JSONL text field (default: text)'
complete -c nlpops -n $p -l id-field -x -d 'JSONL id field, carried to the output'
complete -c nlpops -n $p -l threads -x -d 'threads (default: 1)'
complete -c nlpops -n $p -l line-buffered -d 'flush every line'
complete -c nlpops -n $p -l strict -d 'the first odd record is an error'
complete -c nlpops -n $p -l score-empty -d 'score empty records too (the prior)'
complete -c nlpops -n $p -s q -l quiet -d 'no summary line on stderr'
complete -c nlpops -n $p -s h -l help -d 'show this help'

# nlpops eval
set -l e '__fish_nlpops_using eval'
complete -c nlpops -n $e -F
complete -c nlpops -n $e -s m -l model -r -F -a '(__fish_nlpops_models)' -d 'the model: an artifact, or NAME[@VERSION|@ALIAS]'
complete -c nlpops -n $e -l json -d 'one JSON object (schema 1) on stdout'
complete -c nlpops -n $e -l confusion -d 'print the confusion matrix'
complete -c nlpops -n $e -l errors -x -d 'print the N most confident errors'
complete -c nlpops -n $e -l min-accuracy -x -d 'gate: accuracy >= X'
complete -c nlpops -n $e -l min-f1 -x -d 'gate: macro-F1 >= X'
complete -c nlpops -n $e -l min-class-f1 -x -d 'gate: F1 of label L >= X (L=X, repeatable)'
complete -c nlpops -n $e -l max-log-loss -x -d 'gate: log loss <= X'
complete -c nlpops -n $e -l max-ece -x -d 'gate: expected calibration error <= X'
complete -c nlpops -n $e -l baseline -r -F -a '(__fish_nlpops_models)' -d 'evaluate this model on the same data too'
complete -c nlpops -n $e -l max-drop -x -d "gate: accuracy and macro-F1 at most X below the baseline's"
complete -c nlpops -n $e -l bootstrap -x -d '95% intervals from N resamples'
complete -c nlpops -n $e -l gate-on -x -a 'point lower' -d "gate on the values or the bootstrap's lower bounds"
complete -c nlpops -n $e -l seed -x -d 'bootstrap seed (default: 1)'
complete -c nlpops -n $e -l record -d "store the metrics and the data's SHA-256 on the registry version"
complete -c nlpops -n $e -l strict -d 'an odd record or an unknown gold label is an error'
complete -c nlpops -n $e -l format -x -a 'tsv csv jsonl fasttext' -d 'input format'
complete -c nlpops -n $e -l text-column -x -d 'CSV/TSV text column (name or number)'
complete -c nlpops -n $e -l label-column -x -d 'CSV/TSV label column (name or number)'
complete -c nlpops -n $e -l text-field -x -d 'JSONL text field (default: text)'
complete -c nlpops -n $e -l label-field -x -d 'JSONL label field (default: label)'
complete -c nlpops -n $e -l threads -x -d 'threads (default: all CPUs)'
complete -c nlpops -n $e -s q -l quiet -d 'no summary or timing on stderr'
complete -c nlpops -n $e -s h -l help -d 'show this help'

# nlpops drift
set -l d '__fish_nlpops_using drift'
complete -c nlpops -n $d -F
complete -c nlpops -n $d -s m -l model -r -F -a '(__fish_nlpops_models)' -d 'compare with the profile stored in the model'
complete -c nlpops -n $d -l reference -r -F -d 'compare with this text instead (no model)'
complete -c nlpops -n $d -l json -d 'one JSON object (schema 1) on stdout'
complete -c nlpops -n $d -l html -r -F -d 'write a self-contained HTML report'
complete -c nlpops -n $d -l prom -r -F -d 'write Prometheus textfile metrics (atomically)'
complete -c nlpops -n $d -l alpha -x -d 'p-value threshold (default: 0.05)'
complete -c nlpops -n $d -l effect -x -d 'effect-size threshold: Jensen-Shannon, PSI, normed Wasserstein (default: 0.1)'
complete -c nlpops -n $d -l share-effect -x -d "threshold on a share's change (default: 0.05)"
complete -c nlpops -n $d -l auc -x -d 'domain classifier ROC AUC threshold (default: 0.55)'
complete -c nlpops -n $d -l drift-share -x -d 'share of drifted signals that is drift (default: 0.5)'
complete -c nlpops -n $d -l max-accuracy-drop -x -d 'labeled data: accuracy drop that is drift (default: 0.05)'
complete -c nlpops -n $d -l small -x -d 'up to N records judge by p-values (default: 1000)'
complete -c nlpops -n $d -l max-sample -x -d 'texts per side for the domain classifier (default: 2000)'
complete -c nlpops -n $d -l permutations -x -d 'label-shuffled domain runs for small samples (default: 20)'
complete -c nlpops -n $d -l seed -x -d 'seed for samples and the classifier (default: 1)'
complete -c nlpops -n $d -l format -x -a 'plain tsv csv jsonl fasttext' -d 'input format; labeled formats enable concept-drift signals'
complete -c nlpops -n $d -l text-column -x -d 'TSV/CSV text column'
complete -c nlpops -n $d -l label-column -x -d 'TSV/CSV label column'
complete -c nlpops -n $d -l text-field -x -d 'JSONL text field'
complete -c nlpops -n $d -l label-field -x -d 'JSONL label field'
complete -c nlpops -n $d -l threads -x -d 'threads (the same report)'
complete -c nlpops -n $d -s q -l quiet -d 'print nothing but errors (the exit status says)'
complete -c nlpops -n $d -s h -l help -d 'show this help'

# nlpops registry VERB
set -l r __fish_nlpops_registry_needs_verb
complete -c nlpops -n $r -a init -d 'create the registry'
complete -c nlpops -n $r -a push -d 'store an artifact as a new version'
complete -c nlpops -n $r -a list -d "models, or one model's versions"
complete -c nlpops -n $r -a show -d 'a version: lineage, metrics, events'
complete -c nlpops -n $r -a alias -d 'set or move an alias'
complete -c nlpops -n $r -a promote -d 'set or move an alias (same as alias)'
complete -c nlpops -n $r -a rollback -d 'move an alias back (default: production)'
complete -c nlpops -n $r -a history -d 'what happened, newest first'
complete -c nlpops -n $r -a diff -d 'what differs between two versions'
complete -c nlpops -n $r -a resolve -d 'the version a reference names now, and its SHA-256'
complete -c nlpops -n $r -a pull -d 'copy an artifact out, hash checked'
complete -c nlpops -n $r -a verify -d 'check every object and the database'
complete -c nlpops -n $r -a gc -d 'remove unreferenced objects'
complete -c nlpops -n $r -a rm -d 'remove a version'
complete -c nlpops -n $r -s h -l help -d 'show the usage'
complete -c nlpops -n '__fish_nlpops_verb init push list show alias promote rollback history diff resolve pull verify gc rm' -s h -l help -d 'show the usage'

# Each verb's options.
complete -c nlpops -n '__fish_nlpops_verb init' -l shared -x -a '(__fish_complete_groups)' -d 'share the registry with a group (02775, setgid)'
complete -c nlpops -n '__fish_nlpops_verb push' -l name -x -a '(__fish_nlpops_models)' -d 'the model'
complete -c nlpops -n '__fish_nlpops_verb push' -l alias -x -d 'also point this alias at the new version'
complete -c nlpops -n '__fish_nlpops_verb push' -l tag -x -d 'tag the version: KEY=VALUE'
complete -c nlpops -n '__fish_nlpops_verb push' -l description -x -d 'describe the version'
complete -c nlpops -n '__fish_nlpops_verb push alias promote rollback rm' -l reason -x -d 'why, for the event log'
complete -c nlpops -n '__fish_nlpops_verb list show diff resolve history verify gc' -l json -d 'print JSON'
complete -c nlpops -n '__fish_nlpops_verb alias promote rollback' -l if-current -x -d 'only if the alias points at this version now'
complete -c nlpops -n '__fish_nlpops_verb alias promote' -l require -x -d "only if the latest recorded evaluation meets it: METRIC OP NUMBER"
complete -c nlpops -n '__fish_nlpops_verb alias promote' -l delete -d 'delete the alias: NAME ALIAS'
complete -c nlpops -n '__fish_nlpops_verb rollback' -l alias -x -d 'the alias to move back (default: production)'
complete -c nlpops -n '__fish_nlpops_verb rollback' -l to -x -d 'move the alias to this version'
complete -c nlpops -n '__fish_nlpops_verb history' -l alias -x -d 'only the events of this alias'
complete -c nlpops -n '__fish_nlpops_verb pull' -s o -l output -r -F -d 'the file to write (- for stdout)'
complete -c nlpops -n '__fish_nlpops_verb verify' -l quick -d 'check sizes only, not hashes'
complete -c nlpops -n '__fish_nlpops_verb gc' -l dry-run -d 'list what would be removed'
complete -c nlpops -n '__fish_nlpops_verb gc' -l grace -x -a '30m 1h 1d' -d 'only files older than this (default: 1h)'
complete -c nlpops -n '__fish_nlpops_verb rm' -l force -d 'also delete the aliases that point at it'

# Each verb's first operand: an artifact, a model name, or NAME@ for rm.
complete -c nlpops -n '__fish_nlpops_verb push; and test (__fish_nlpops_operands) -eq 0' -F -d artifact
complete -c nlpops -n '__fish_nlpops_verb list show alias promote rollback history diff resolve pull; and test (__fish_nlpops_operands) -eq 0' -a '(__fish_nlpops_models)' -d model
complete -c nlpops -n '__fish_nlpops_verb rm; and test (__fish_nlpops_operands) -eq 0' -a '(__fish_nlpops_models | string replace -r \'$\' @)' -d 'model: NAME@VERSION'
