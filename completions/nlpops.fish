# fish completion for nlpops(1).  Install as
# $datadir/fish/vendor_completions.d/nlpops.fish.  The option lists mirror
# the usage texts of cmd/train.c and cmd/predict.c.

# The command is the first argument: nlpops COMMAND [options] [args].
function __fish_nlpops_command
    set -l words (commandline -opc)
    set -q words[2]; and printf '%s\n' $words[2]
end

function __fish_nlpops_needs_command
    set -l words (commandline -opc)
    not set -q words[2]
end

function __fish_nlpops_using -a name
    set -l command (__fish_nlpops_command)
    test "$command" = "$name"
end

complete -c nlpops -f

# The command, or nlpops' own options.
complete -c nlpops -n __fish_nlpops_needs_command -a train -d 'learn a text classifier from labeled text'
complete -c nlpops -n __fish_nlpops_needs_command -a predict -d 'label text from stdin or files, one line each'
complete -c nlpops -n __fish_nlpops_needs_command -a help -d "show a command's usage"
complete -c nlpops -n __fish_nlpops_needs_command -l version -d 'show the version of nlpops and its libraries'
complete -c nlpops -n __fish_nlpops_needs_command -s h -l help -d 'list the commands'

# nlpops help COMMAND
complete -c nlpops -n '__fish_nlpops_using help; and test (count (commandline -opc)) -eq 2' -a 'train predict'

# nlpops train
set -l t '__fish_nlpops_using train'
complete -c nlpops -n $t -F
complete -c nlpops -n $t -s o -l output -r -F -d 'artifact to write (atomically)'
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
complete -c nlpops -n $p -s m -l model -r -F -d 'the model artifact'
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
complete -c nlpops -n $p -s q -l quiet -d 'no summary line on stderr'
complete -c nlpops -n $p -s h -l help -d 'show this help'
