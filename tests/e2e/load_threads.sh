# load_threads.sh - a model loaded on two threads (--threads 2): a large
# artifact read in two halves at once (the second by pread on a thread of
# its own) and its SHA-256 computed while it is checked.  Every way the
# second half's read can go wrong (strace -e inject: an error, the end
# of the file come early, an interrupted call) falls back to the plain reads: the same
# output and the same SHA-256 as on one thread; a damaged or swapped
# artifact is refused with the same message.
. "$TOP/tests/e2e/lib.sh"

N=$NLPOPS
cd "$T" || exit 4
# default flags: a model of some MB, above the 1 MiB a load takes whole
"$N" train -q --threads 1 --epochs 2 -o a.nlp "$DATA/spam.train.tsv.gz"
"$N" train -q --threads 1 --epochs 2 --seed 2 -o b.nlp "$DATA/spam.train.tsv.gz"
check "the model is large enough to be read in halves" test "$(wc -c <a.nlp)" -gt 1048576
zcat "$DATA/spam.test.tsv.gz" | cut -f2 | head -200 >in.txt
asha=$(sha256sum a.nlp | cut -c1-64)
bsha=$(sha256sum b.nlp | cut -c1-64)

expect_status 0 "predict on one thread" "$N" predict --threads 1 -m a.nlp in.txt
cp "$T/out" one.out
check "names the SHA-256" grep -q "a.nlp (sha256 $(echo "$asha" | cut -c1-12))" "$T/err"
for t in 2 3; do
	expect_status 0 "predict --threads $t" "$N" predict --threads $t -m a.nlp in.txt
	check "--threads $t: the same output" cmp -s "$T/out" one.out
	check "--threads $t: the same SHA-256" grep -q "a.nlp (sha256 $(echo "$asha" | cut -c1-12))" "$T/err"
done
# shard profiles are written and merged under the model's SHA-256
expect_status 0 "predict --threads 2 --profile-out" "$N" predict -q --threads 2 -m a.nlp --profile-out p.prof in.txt
expect_status 0 "drift --threads 2 --profiles takes it" "$N" drift -q --threads 2 -m a.nlp --profiles p.prof
expect_status 0 "and --threads 1" "$N" drift -q --threads 1 -m a.nlp --profiles p.prof

# the second half's pread failing, cut short or interrupted: the plain
# reads take over (strace in the plain build only: the sanitizer's own
# reads would be counted too)
case $N in */obj-san/nlpops) have_strace=0 ;; *) have_strace=1 ;; esac
command -v strace >/dev/null || have_strace=0
if [ $have_strace = 1 ]; then
	# (-P: the calls on the model's file alone, each thread's counted
	# on its own: the dynamic loader's preads are not the model's)
	# (retval=N would claim N bytes read without reading them: no
	# kernel does that, so no short read but the end of the file)
	for inj in error=EIO error=EINTR retval=0; do
		strace -f -qq -o /dev/null -P a.nlp -e trace=pread64 \
		    -e inject="pread64:$inj:when=1" \
		    "$N" predict --threads 2 -m a.nlp in.txt >"$T/out" 2>"$T/err"
		st=$?
		check "pread64 $inj: exit 0 (exit $st: $(head -c 300 "$T/err"))" test $st -eq 0
		check "pread64 $inj: the same output" cmp -s "$T/out" one.out
		check "pread64 $inj: the same SHA-256" grep -q "sha256 $(echo "$asha" | cut -c1-12)" "$T/err"
	done
	# the seeks around the halves failing (where the file stands, then
	# past the second half): the plain reads, from where they stand
	for k in 1 2; do
		strace -f -qq -o /dev/null -P a.nlp -e trace=lseek \
		    -e inject=lseek:error=EIO:when=$k \
		    "$N" predict --threads 2 -m a.nlp in.txt >"$T/out" 2>"$T/err"
		check "lseek $k failing: the same output" cmp -s "$T/out" one.out
	done
else
	echo "SKIP: load_threads: injected read faults: strace, plain build only" >&2
fi

# damage anywhere: refused on two threads as on one
len=$(wc -c <a.nlp)
for at in 1000000 $((len / 2)) $((len - 600)); do
	cp a.nlp d.nlp
	printf 'X' | dd of=d.nlp bs=1 seek=$at conv=notrunc 2>/dev/null
	expect_status 3 "a byte changed at $at: refused on one thread" "$N" predict -q --threads 1 -m d.nlp in.txt
	cp "$T/err" err1
	expect_status 3 "and on two" "$N" predict -q --threads 2 -m d.nlp in.txt
	check "with the same message" cmp -s "$T/err" err1
done
head -c $((len / 2 + 1)) a.nlp >cut.nlp
expect_status 3 "cut in the second half: refused on two threads" "$N" predict -q --threads 2 -m cut.nlp in.txt
check "as truncated" grep -q "truncated" "$T/err"

# a registry object swapped for another valid artifact: the SHA-256
# computed beside the check still tells
R=$T/r
"$N" --registry "$R" registry push a.nlp --name spam --alias production >/dev/null 2>&1
o=$(find "$R/objects" -type f | head -1)
chmod u+w "$o" && cp b.nlp "$o" && chmod 444 "$o"
for t in 1 2; do
	expect_status 3 "--threads $t refuses the swapped object" "$N" --registry "$R" predict --threads $t -m spam in.txt
	check "--threads $t: naming both hashes" grep -q "damaged: its SHA-256 is $bsha, the version.s $asha" "$T/err"
	check "--threads $t: no prediction" test ! -s "$T/out"
done
chmod u+w "$o" && cp a.nlp "$o" && chmod 444 "$o"
expect_status 0 "restored: --threads 2 scores" "$N" --registry "$R" predict --threads 2 -m spam in.txt
check "the same output" cmp -s "$T/out" one.out
check "and the version's hash" grep -q "spam@1 (sha256 $(echo "$asha" | cut -c1-12))" "$T/err"
