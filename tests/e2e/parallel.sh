# parallel.sh - batch scoring spread by GNU parallel: `parallel --pipe
# --keep-order` cuts the input into blocks at line ends and runs one
# `nlpops predict` per block; the output is byte-identical to one process
# on the whole input, for plain text, for TSV with ids and -k 3, and for
# JSONL out, and with --pipepart on a file named; a damaged model fails
# every block and parallel's exit status says so.  The input is 3 MB of distinct records (the spam set's train
# and test texts, long mails with CRLFs and invalid UTF-8 among them).
. "$TOP/tests/e2e/lib.sh"

N=$NLPOPS
case $N in */obj-san/nlpops) exit 0 ;; esac   # predict's code: the other scripts'
if ! command -v parallel >/dev/null 2>&1; then
	fail "parallel.sh needs GNU parallel (Debian: parallel; make check installs it)"
	exit 1
fi
cd "$T" || exit 4
export HOME="$T"     # parallel keeps its state (~/.parallel) here
PY=/usr/bin/python3

"$N" train -q -o m.nlp "$DATA/spam.train.tsv.gz"
zcat "$DATA/spam.train.tsv.gz" "$DATA/spam.test.tsv.gz" >all.tsv
cut -f2 all.tsv >all.txt
awk -F '\t' '{ printf "r%d\t%s\n", NR, $2 }' all.tsv >ids.tsv
check "the input is distinct records, over 2 MB" sh -c \
    '[ "$(sort -u all.txt | wc -l)" -eq "$(wc -l <all.txt)" ] && [ "$(wc -c <all.txt)" -gt 2000000 ]'

# same DESC OPTIONS FILE: parallel in 256 kB blocks, 2 jobs, equals one
# process (stdout byte for byte; both exit 0)
same() {
	desc=$1 opts=$2 file=$3
	"$N" predict -q -m m.nlp $opts <"$file" >one.out 2>one.err; rc1=$?
	parallel --will-cite --pipe --keep-order --block 256k -j2 ${PAR-} \
	    "$N" predict -q -m m.nlp $opts <"$file" >par.out 2>par.err; rc2=$?
	if [ $rc1 -eq 0 ] && [ $rc2 -eq 0 ] && [ -s one.out ] && cmp -s one.out par.out; then
		pass
	else
		fail "$desc: one process exit $rc1, parallel exit $rc2, $(wc -l <one.out) vs $(wc -l <par.out) lines; $(head -c 300 par.err)"
	fi
}
same "plain text: parallel --pipe --keep-order = one process" "" all.txt
same "TSV with ids, -k 3" "--format tsv --id-column 1 --text-column 2 -k 3" ids.tsv
same "JSONL out, with ids" "--format tsv --id-column 1 --text-column 2 --output-format jsonl" ids.tsv
check "... in more than one block" test "$(wc -c <ids.tsv)" -gt $((4 * 262144))
# CSV with a header row, its columns by name: --header 1 gives each block
# the header (the README's recipe)
"$PY" -c '
import csv, sys
w = csv.writer(sys.stdout, lineterminator="\n")
w.writerow(["id", "Body"])
sys.stdout.reconfigure(encoding="utf-8")
for i, l in enumerate(open("all.txt", encoding="utf-8", errors="replace")):
    w.writerow(["r%d" % i, l.rstrip("\n")])' >all.csv
PAR="--header 1" same "CSV with a header, --header 1, columns by name" "--format csv --id-column id --text-column Body" all.csv
# a file named (--pipepart: blocks found by seeking, no byte through Perl)
"$N" predict -q -m m.nlp <all.txt >one.out 2>/dev/null
parallel --will-cite --pipepart -a all.txt --keep-order --block 256k -j2 \
    "$N" predict -q -m m.nlp >part.out 2>part.err
check "parallel --pipepart -a FILE --keep-order = one process ($(head -c 200 part.err))" \
    cmp -s one.out part.out

# a damaged model: every block fails, and so does parallel
head -c 20000 m.nlp >bad.nlp
parallel --will-cite --pipe --keep-order --block 256k -j2 \
    "$N" predict -q -m bad.nlp <all.txt >bad.out 2>bad.err
rc=$?
check "a damaged model: parallel exits non-zero ($rc)" test $rc -ne 0
check "... nothing is printed" test ! -s bad.out
check "... and each job says why" grep -q '^nlpops predict: .*bad.nlp' bad.err
