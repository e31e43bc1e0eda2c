#!/bin/sh
# demo.sh NLPOPS - what a user gets: train on the bundled spam sample, then
# score a few lines piped through stdin.  Run by `make demo`.
set -e
n=${1:-./nlpops}
top=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
echo "\$ nlpops train -o spam.nlp tests/data/spam.train.tsv.gz"
"$n" train -o "$dir/spam.nlp" "$top/tests/data/spam.train.tsv.gz"
echo
echo "\$ tar -tvf spam.nlp"
tar -tvf "$dir/spam.nlp"
echo
echo "\$ printf '...' | nlpops predict -m spam.nlp -k 2"
printf '%s\n' \
    "Re: the patch to exmh for the new sequences works, see the CVS log" \
    "CONGRATULATIONS! You have WON a FREE vacation, click here to claim your prize" \
    "Anyone else seeing razor2 time out when reporting from spamassassin 2.4?" \
    "Lowest mortgage rates guaranteed!!! Act now, limited time offer" |
	"$n" predict -m "$dir/spam.nlp" -k 2
