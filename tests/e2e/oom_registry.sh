# oom_registry.sh - every registry verb with one of its allocations failed
# (tests/tools/failmalloc.c, LD_PRELOAD, plain build): for each verb, the
# Nth allocation of the process fails for a sample of N (OOM_REGISTRY_STEP
# apart from a seeded offset; make stress: every one).  A run must end
#   - exit 0 with exactly the result of a run without failures (the
#     allocation did not matter, or was retried), or
#   - exit 4 saying out of memory, in one line (eval's notes and warnings
#     aside), with nothing on stdout, no output file, and the registry as
#     it was (a change committed whose line could not be printed says "was
#     committed" and is whole; a file written, "wrote FILE, but"; eval's
#     report whole, then "cannot record the evaluation").
# and `registry verify` clean after each.  (push and import have their
# own sweeps in hostile_registry.sh.)
. "$TOP/tests/e2e/lib.sh"

N=$NLPOPS
case $N in */obj-san/nlpops) exit 0 ;; esac   # LD_PRELOAD: the plain build
if [ ! -e "${NLP_FAILMALLOC:-}" ]; then
	echo "SKIP: oom_registry: NLP_FAILMALLOC is not built"
	exit 0
fi
cd "$T" || exit 4
STEP=${OOM_REGISTRY_STEP:-0}   # 0: one point per verb (make check)
seed=${OOM_REGISTRY_SEED:-1}
[ "$seed" = random ] && seed=$(( $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 7 + 1 ))
echo "oom_registry: seed $seed (OOM_REGISTRY_SEED=$seed to run it again)" >&2

zcat "$DATA/spam.train.tsv.gz" | head -300 >train.tsv
"$N" train -q --epochs 1 --bits 12 -o a.nlp train.tsv
"$N" train -q --epochs 2 --bits 12 -o b.nlp train.tsv
"$N" train -q --epochs 3 --bits 12 -o c.nlp train.tsv
zcat "$DATA/spam.test.tsv.gz" | head -100 >test.tsv
R=$T/reg
"$N" --registry pristine registry push --name spam --alias production a.nlp >/dev/null 2>&1
"$N" --registry pristine registry push --name spam --alias staging b.nlp >/dev/null 2>&1
"$N" --registry pristine registry alias spam 2 production --reason "b is better" >/dev/null 2>&1
"$N" --registry pristine registry push --name spam c.nlp >/dev/null 2>&1
"$N" --registry pristine eval -m spam@2 --record test.tsv >/dev/null 2>&1
"$N" --registry pristine registry push --name gone c.nlp >/dev/null 2>&1
"$N" --registry pristine registry rm gone@1 >/dev/null 2>&1
"$N" --registry pristine registry push --name other --alias production b.nlp >/dev/null 2>&1
"$N" --registry pristine registry export other -o other.bundle >/dev/null 2>&1
"$N" --registry pristine registry rm other@1 --force >/dev/null 2>&1

reset() { rm -rf "$R" o.out; cp -a pristine "$R"; }
# the registry's state: models, versions and their bytes, aliases, events
state() {
	for m in spam other gone; do
		"$N" --registry "$R" registry list $m 2>&1 | awk '{ print $1, $(NF - 1), $NF }'
		"$N" --registry "$R" registry history $m 2>&1 | sed -E 's/[0-9]{4}-[0-9-]{5}T[0-9:]{8}Z//'
	done
}

# sweep NAME OUTFILE CMD...: CMD with one allocation failed at a time
# (OUTFILE: the file CMD writes, or -)
sweep() {
	name=$1 outf=$2; shift 2
	reset
	state >state0
	FAILMALLOC_COUNT=$T/count LD_PRELOAD=$NLP_FAILMALLOC "$@" >want.out 2>want.err
	wst=$?
	[ "$outf" = - ] || cp "$outf" want.file 2>/dev/null
	state >state_want
	total=$(cat count)
	step=$STEP k=$seed
	# make check: one point, in the middle (the verb's own work)
	[ "$step" -gt 0 ] || { step=$total; k=$(( total / 2 + seed )); }
	bad= runs=0
	while [ $k -le "$total" ]; do
		reset
		FAILMALLOC_N=$k LD_PRELOAD=$NLP_FAILMALLOC "$@" >got.out 2>got.err
		st=$?
		runs=$((runs + 1))
		why=
		if ! "$N" --registry "$R" registry verify >/dev/null 2>verr; then
			why="verify: $(head -c 80 verr)"
		elif [ $st -eq $wst ] && cmp -s got.out want.out; then
			state >state1
			cmp -s state1 state_want || why="exit $st, but another state"
			[ "$outf" = - ] || cmp -s "$outf" want.file || why="exit $st, another $outf"
		elif [ $st -eq 4 ]; then
			state >state1
			if ! grep -q "out of memory\|Cannot allocate\|a library ended" got.err; then
				why="exit 4: $(head -c 100 got.err)"
			elif [ "$(grep -vc ': warning: \|also occur in the training data\| examples in [0-9.]* s' got.err)" -ne 1 ]; then
				why="not one line: $(head -c 100 got.err)"
			elif [ "$outf" != - ] && grep -q "wrote '$outf'.*, but" got.err; then
				cmp -s "$outf" want.file || why="said wrote $outf, but it differs"
			elif grep -q "was committed" got.err; then
				cmp -s state1 state_want || why="committed, but another state"
			elif grep -q "cannot record the evaluation" got.err; then
				# eval's report is out, whole; its recording failed
				cmp -s got.out want.out || why="another report"
				cmp -s state1 state0 || why="half a record"
			elif [ -s got.out ]; then
				why="exit 4 with output: $(head -c 60 got.out)"
			elif ! cmp -s state1 state0; then
				why="changed by a failed command"
			elif [ "$outf" != - ] && [ -e "$outf" ]; then
				why="left $outf"
			fi
		else
			why="exit $st (want $wst or 4): $(head -c 100 got.err)"
		fi
		[ -n "$why" ] && bad="$bad #$k:$why;"
		k=$((k + step))
	done
	echo "oom_registry: $name: $runs of $total allocations failed" >&2
	check "$name: each failed allocation ($runs of $total) ends right:$(echo "$bad" | cut -c1-600)" test -z "$bad"
}

G="$N --registry $R"
sweep "registry list" - $G registry list
sweep "registry list --json" - $G registry list spam --json
sweep "registry show" - $G registry show spam@2
sweep "registry show --json" - $G registry show spam --json
sweep "registry history" - $G registry history spam --json
sweep "registry diff" - $G registry diff spam@1 spam@2
sweep "registry resolve" - $G registry resolve spam@production
sweep "registry verify" - $G registry verify --json
sweep "registry alias" - $G registry alias spam 3 production --reason "c"
sweep "registry alias --require" - $G registry alias spam 2 candidate --require 'macro_f1>=0.1'
sweep "registry alias --delete" - $G registry alias --delete spam staging
sweep "registry rollback" - $G registry rollback spam
sweep "registry rm" - $G registry rm spam@3
sweep "registry gc" - $G registry gc --grace 0
sweep "registry pull -o" o.out $G registry pull spam@1 -o o.out
sweep "registry export -o" o.out $G registry export spam -o o.out
sweep "registry import" - $G registry import other.bundle
sweep "registry init (existing)" - $G registry init
sweep "eval --record" - $G eval -m spam@1 --record test.tsv
