# hostile_files.sh - outputs and model files against hostile or unlucky
# input, each check a finding of the hostile-input campaign (issue 9) that
# failed before it was fixed: -o on a device, a FIFO, a symbolic link, a
# directory; a model file rewritten or truncated while predict runs;
# non-finite weights and unprintable labels in a forged artifact; a closed
# pipe (SIGPIPE ignored) and a full device under predict; unbounded reads
# of /dev/zero and of gzip bombs; control characters in ids; an
# allocation failure at start-up.  The device-node part needs root, the
# memory-bound parts the plain build (ulimit -v and ASan do not mix).
. "$TOP/tests/e2e/lib.sh"

N=$NLPOPS
FORGE=${NLP_FORGE:-$TOP/obj/tools/forge}
FAILMALLOC=${NLP_FAILMALLOC:-$TOP/obj/tools/failmalloc.so}
case $N in */obj-san/nlpops) san=1 ;; *) san=0 ;; esac
root=0; [ "$(id -u)" -eq 0 ] && root=1

one_line() { [ "$(wc -l <"$1")" -eq 1 ] && [ -s "$1" ]; }

"$N" train -q --threads 1 --epochs 1 --bits 12 -o "$T/m.nlp" "$DATA/spam.train.tsv.gz"
"$N" train -q --threads 1 --epochs 1 --bits 14 --seed 5 -o "$T/other.nlp" "$DATA/spam.train.tsv.gz"
zcat "$DATA/spam.test.tsv.gz" | cut -f2 | head -200 >"$T/in.txt"
"$N" predict -q -m "$T/m.nlp" "$T/in.txt" >"$T/want.tsv"

# --- 2. -o on special files.  A character device is written, never
# replaced (a node of our own with /dev/null's numbers, as root).
if [ $root -eq 1 ] && mknod "$T/null" c 1 3 2>/dev/null; then
	expect_status 0 "predict -o a character device" "$N" predict -q -m "$T/m.nlp" -o "$T/null" "$T/in.txt"
	check "it is still a character device" test -c "$T/null"
	expect_status 0 "train -o a character device" "$N" train -q --epochs 1 --bits 10 -o "$T/null" "$DATA/debian.train.tsv.gz"
	check "still a character device after train" test -c "$T/null"
	expect_status 0 "drift --prom and --html to a character device" "$N" drift -q -m "$T/m.nlp" --prom "$T/null" --html "$T/null" "$T/in.txt"
	check "still a character device after drift" test -c "$T/null"
	check "no temporary file was left beside it" test "$(ls -a "$T" | grep -c '^\.null\.')" -eq 0
else
	echo "SKIP: hostile_files: not root (mknod): -o on a character device not tested" >&2
fi
mkfifo "$T/fifo"
cat "$T/fifo" >"$T/through-fifo" &
reader=$!
expect_status 0 "predict -o a FIFO writes through it" "$N" predict -q -m "$T/m.nlp" -o "$T/fifo" "$T/in.txt"
wait $reader
check "the FIFO is still a FIFO" test -p "$T/fifo"
check "the reader got every line" cmp -s "$T/through-fifo" "$T/want.tsv"
mkdir "$T/real"
echo old >"$T/real/scores.tsv" && chmod 640 "$T/real/scores.tsv"
ln -s real/scores.tsv "$T/link.tsv"
expect_status 0 "predict -o a symbolic link" "$N" predict -q -m "$T/m.nlp" -o "$T/link.tsv" "$T/in.txt"
check "the link is still a link" test -L "$T/link.tsv"
check "its target holds the scores" cmp -s "$T/real/scores.tsv" "$T/want.tsv"
check "and kept its mode" test "$(stat -c %a "$T/real/scores.tsv")" = 640
check "no temporary file left in either directory" test "$(ls -a "$T" "$T/real" | grep -c '^\..*\.tsv\.')" -eq 0
echo header >"$T/log.tsv"
expect_status 0 "predict -o /dev/stdout with stdout appended to a file" sh -c "'$N' predict -q -m '$T/m.nlp' -o /dev/stdout '$T/in.txt' >>'$T/log.tsv'"
check "the file keeps what was there before the scores" test "$(head -1 "$T/log.tsv")" = header
check "and holds the scores after it" sh -c "tail -n +2 '$T/log.tsv' | cmp -s - '$T/want.tsv'"
# standard input from the very file written (</dev/null under cron and
# systemd; a file scored into itself): written as any other, not through
# the read-only descriptor 0
expect_status 0 "predict -o /dev/null with stdin from /dev/null" sh -c "'$N' predict -q -m '$T/m.nlp' -o /dev/null '$T/in.txt' </dev/null"
expect_status 0 "drift --prom /dev/null with stdin from /dev/null" sh -c "'$N' drift -q -m '$T/m.nlp' --prom /dev/null '$T/in.txt' </dev/null"
cp "$T/in.txt" "$T/self.txt"
expect_status 0 "predict -o FILE <FILE" sh -c "'$N' predict -q -m '$T/m.nlp' -o '$T/self.txt' <'$T/self.txt'"
check "... FILE holds the scores of what it held" cmp -s "$T/self.txt" "$T/want.tsv"
# a file the user may not write is not replaced, as the shell's > would
# not write it (the rename needs only the directory).  Regression (fixed):
# replaced, and its owner became the writer
if [ $root -eq 1 ] && command -v setpriv >/dev/null 2>&1; then
	mkdir "$T/open" && chmod 777 "$T/open" && chmod 755 "$T"
	echo root >"$T/open/roots.tsv" && chmod 644 "$T/open/roots.tsv"
	expect_status 4 "as another user, predict -o a file of root's in a directory anyone may write" setpriv --reuid=65534 --regid=65534 --clear-groups "$N" predict -q -m "$T/m.nlp" -o "$T/open/roots.tsv" "$T/in.txt"
	check "... says why, and leaves the file as it was" sh -c "grep -q \"cannot write '$T/open/roots.tsv': Permission denied\" '$T/err' && [ \"\$(cat '$T/open/roots.tsv')\" = root ] && [ \"\$(stat -c %U '$T/open/roots.tsv')\" = root ]"
	setpriv --reuid=65534 --regid=65534 --clear-groups sh -c "echo y >'$T/open/theirs.tsv' && chmod 640 '$T/open/theirs.tsv'"
	expect_status 0 "root's predict -o another user's file" "$N" predict -q -m "$T/m.nlp" -o "$T/open/theirs.tsv" "$T/in.txt"
	check "... keeps its owner and mode, as the shell's > would" sh -c "[ \"\$(stat -c '%U %a' '$T/open/theirs.tsv')\" = 'nobody 640' ] && cmp -s '$T/open/theirs.tsv' '$T/want.tsv'"
	# in a setgid directory a new file gets the directory's group: the
	# replaced one's is given back (a 0640 file became readable by it)
	mkdir "$T/sgid" && chgrp nogroup "$T/sgid" && chmod 2777 "$T/sgid"
	echo x >"$T/sgid/r.tsv" && chgrp root "$T/sgid/r.tsv" && chmod 640 "$T/sgid/r.tsv"
	expect_status 0 "predict -o a file of another group than its setgid directory's" "$N" predict -q -m "$T/m.nlp" -o "$T/sgid/r.tsv" "$T/in.txt"
	check "... keeps its group ($(stat -c '%U:%G %a' "$T/sgid/r.tsv"))" test "$(stat -c '%U:%G %a' "$T/sgid/r.tsv")" = "root:root 640"
else
	echo "SKIP: hostile_files: not root (setpriv): outputs of other users not tested" >&2
fi
echo mine >"$T/ro.tsv" && chmod 444 "$T/ro.tsv"
if [ $root -eq 0 ]; then
	expect_status 4 "predict -o a file of mode 0444" "$N" predict -q -m "$T/m.nlp" -o "$T/ro.tsv" "$T/in.txt"
	check "... left as it was" test "$(cat "$T/ro.tsv")" = mine
fi
ln -s real/missing.tsv "$T/dangling.tsv"
expect_status 4 "predict -o a dangling link is refused" "$N" predict -q -m "$T/m.nlp" -o "$T/dangling.tsv" "$T/in.txt"
check "saying so in one line" sh -c "one_line() { [ \$(wc -l <\"\$1\") -eq 1 ]; }; one_line '$T/err' && grep -q 'symbolic link to a file that does not exist' '$T/err'"
expect_status 4 "predict -o a directory is refused" "$N" predict -q -m "$T/m.nlp" -o "$T/real" "$T/in.txt"
check "saying it is a directory" grep -q "Is a directory" "$T/err"
R=$T/reg
"$N" --registry "$R" registry push "$T/m.nlp" --name spam >/dev/null
echo old >"$T/real/pulled.nlp"
ln -s real/pulled.nlp "$T/pull-link.nlp"
expect_status 0 "registry pull -o a symbolic link" "$N" --registry "$R" registry pull spam@1 -o "$T/pull-link.nlp"
check "the link stays, its target is the artifact" sh -c "test -L '$T/pull-link.nlp' && cmp -s '$T/real/pulled.nlp' '$T/m.nlp'"

# --- 10. The model file rewritten in place, then truncated, while predict
# runs: the scores stay the first model's, no SIGBUS, no mixed output.
cp "$T/m.nlp" "$T/live.nlp"
mkfifo "$T/feed"
"$N" predict -q --line-buffered -m "$T/live.nlp" <"$T/feed" >"$T/live.out" 2>"$T/live.err" &
pred=$!
exec 4>"$T/feed"
head -100 "$T/in.txt" >&4
i=0; while [ "$(wc -l <"$T/live.out")" -lt 100 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
dd if="$T/other.nlp" of="$T/live.nlp" conv=notrunc 2>/dev/null   # rewritten in place
tail -n +101 "$T/in.txt" | head -50 >&4
i=0; while [ "$(wc -l <"$T/live.out")" -lt 150 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
: >"$T/live.nlp"                                                  # truncated
tail -n +151 "$T/in.txt" >&4
exec 4>&-
wait $pred; st=$?
check "predict survives its model being rewritten and truncated (exit $st)" test $st -eq 0
check "every line scored by the model it loaded" cmp -s "$T/live.out" "$T/want.tsv"

# --- 11. Non-finite or huge values in weights, bias or idf, and labels
# with control characters, in forged artifacts: refused at load (exit 3).
"$FORGE" --cat "$T/m.nlp" weights >"$T/w.bin"
for spot in w bias idf; do
	for val in nan inf -inf 3e38; do
		/usr/bin/python3 - "$T/w.bin" "$T/w2.bin" "$spot" "$val" <<'EOF'
import struct, sys
src, dst, spot, val = sys.argv[1:5]
b = bytearray(open(src, 'rb').read())
offs = struct.unpack_from('<5Q', b, 64)        # labels, table, idf, bias, w
at = {'idf': offs[2], 'bias': offs[3], 'w': offs[4]}[spot]
struct.pack_into('<f', b, at, float(val))
open(dst, 'wb').write(b)
EOF
		"$FORGE" "$T/m.nlp" "$T/bad.nlp" weights="$T/w2.bin"
		expect_status 3 "predict refuses $val in $spot" "$N" predict -q -m "$T/bad.nlp" "$T/in.txt"
		check "and names the weights ($val in $spot)" grep -q "weights: a value is not a finite number" "$T/err"
	done
done
zcat "$DATA/spam.test.tsv.gz" | head -100 >"$T/test.tsv"
expect_status 3 "eval refuses a NaN model (no ECE of 0)" "$N" eval -m "$T/bad.nlp" "$T/test.tsv" --max-ece 0.01
expect_status 3 "registry push refuses it" "$N" --registry "$R" registry push "$T/bad.nlp" --name nan
/usr/bin/python3 - "$T/w.bin" "$T/w3.bin" <<'EOF'
import struct, sys
b = bytearray(open(sys.argv[1], 'rb').read())
lab = struct.unpack_from('<Q', b, 64)[0]
b[lab] = 0x0a                                   # the first label starts with a newline
open(sys.argv[2], 'wb').write(b)
EOF
"$FORGE" "$T/m.nlp" "$T/badlabel.nlp" weights="$T/w3.bin"
expect_status 3 "predict refuses a label with a newline" "$N" predict -q -m "$T/badlabel.nlp" "$T/in.txt"
check "saying the label is not printable" grep -q "label 1 is not printable" "$T/err"

# --- 13. Stop at the first failed write: SIGPIPE ignored (systemd's
# default for services) on an endless stream, and a full device.
expect_status 4 "predict into a closed pipe with SIGPIPE ignored stops (exit 4)" sh -c "trap '' PIPE; yes 'free money now' | timeout 20 '$N' predict -m '$T/m.nlp' 2>'$T/pipe.err' | head -1 >/dev/null; exit \$(( \$(grep -c 'Broken pipe' '$T/pipe.err') ? 4 : 1 ))"
check "without a success summary" sh -c "! grep -q ' lines, ' '$T/pipe.err'"
# -o on a full device: a twin of /dev/full in $T (root), so that a
# regression cannot replace the machine's own (an old nlpops did).
if [ $root -eq 1 ] && mknod "$T/full" c 1 7 2>/dev/null; then
	expect_status 4 "predict -o a full device is exit 4" "$N" predict -m "$T/m.nlp" "$T/in.txt" -o "$T/full"
	check "naming the device, no summary" sh -c "grep -q \"cannot write '$T/full'\" '$T/err' && ! grep -q ' lines, ' '$T/err'"
	expect_status 4 "train -o a full device is exit 4, nothing leaked on the way out" "$N" train -q --epochs 1 --bits 10 -o "$T/full" "$DATA/debian.train.tsv.gz"
	check "naming the device" grep -q "cannot write '$T/full': No space left" "$T/err"
	check "which is still a character device" test -c "$T/full"
else
	echo "SKIP: hostile_files: not root (mknod): -o on a full device not tested" >&2
fi
expect_status 4 "predict > /dev/full --threads 2 is exit 4" sh -c "'$N' predict --threads 2 -m '$T/m.nlp' '$T/in.txt' >/dev/full"
check "one error line" one_line "$T/err"
# with threads, a batch is being scored when the write of the one before
# fails: the run waits for it, then stops
for i in $(seq 60); do cat "$T/in.txt"; done >"$T/in60.txt"
expect_status 4 "predict > /dev/full --threads 2, many batches, is exit 4" sh -c "'$N' predict --threads 2 -m '$T/m.nlp' '$T/in60.txt' >/dev/full"
check "one error line" one_line "$T/err"
expect_status 4 "predict --threads 2 into a closed pipe with SIGPIPE ignored stops (exit 4)" sh -c "trap '' PIPE; yes 'free money now' | timeout 20 '$N' predict --threads 2 -m '$T/m.nlp' 2>'$T/pipe.err' | head -1 >/dev/null; exit \$(( \$(grep -c 'Broken pipe' '$T/pipe.err') ? 4 : 1 ))"
check "without a success summary" sh -c "! grep -q ' lines, ' '$T/pipe.err'"

# --- 14. Reads are bounded before they are made.
expect_status 3 "-m /dev/zero is refused after one block" timeout 20 "$N" predict -m /dev/zero "$T/in.txt"
check "as not an artifact" grep -q "not an nlpops artifact" "$T/err"
expect_status 3 "a model from a pipe of zeros is refused at once" sh -c "head -c 100000000 /dev/zero | timeout 20 '$N' predict -m /dev/stdin '$T/in.txt'"
if [ $san -eq 0 ]; then
	# a real artifact's bytes followed by 300 MB of zeros, gzipped: the
	# manifest bounds what is inflated
	{ cat "$T/m.nlp"; head -c 300000000 /dev/zero; } | gzip -1 >"$T/bomb.nlp.gz"
	expect_status 3 "a gzip bomb is refused in 120 MB of memory" sh -c "ulimit -v 120000; exec '$N' predict -m '$T/bomb.nlp.gz' '$T/in.txt'"
	check "past the end of its archive" grep -q "unexpected data after the end of the archive" "$T/err"
	expect_status 3 "through a pipe too" sh -c "ulimit -v 120000; exec '$N' predict -m /dev/stdin '$T/in.txt' <'$T/bomb.nlp.gz'"
	rm -f "$T/bomb.nlp.gz"
fi
gzip -c "$T/in.txt" >"$T/in.txt.gz"
expect_status 0 "gzip input whose first byte comes alone through a pipe" sh -c "(head -c1 '$T/in.txt.gz'; sleep 0.3; tail -c +2 '$T/in.txt.gz') | '$N' predict -q -m '$T/m.nlp' >'$T/split.tsv'"
check "is read as gzip" cmp -s "$T/split.tsv" "$T/want.tsv"
gzip -c "$T/m.nlp" >"$T/m.nlp.gz"
expect_status 0 "a gzip artifact through a pipe loads" sh -c "'$N' predict -q -m /dev/stdin '$T/in.txt' <'$T/m.nlp.gz' >'$T/gz.tsv'"
check "and scores as the plain one" cmp -s "$T/gz.tsv" "$T/want.tsv"

# --- 16. Control characters in ids never reach the output raw; --strict.
printf 'id\001x\033[31m\tfree money\n' >"$T/ids.tsv"
expect_status 0 "predict with an id holding control characters" "$N" predict -q -m "$T/m.nlp" --format tsv --text-column 2 --id-column 1 "$T/ids.tsv"
check "one output line" test "$(wc -l <"$T/out")" -eq 1
check "no control character in it" sh -c "! LC_ALL=C grep -q '[[:cntrl:]]' \"\$(tr -d '\t\n' <'$T/out' >'$T/stripped'; echo '$T/stripped')\""
printf 'good line\nbad \377 byte\n' >"$T/bad.txt"
expect_status 3 "predict --strict stops at the first odd record" "$N" predict -q --strict -m "$T/m.nlp" "$T/bad.txt"
check "naming its file and line" grep -q "bad.txt' line 2: invalid UTF-8" "$T/err"

# --- 21. An allocation failure anywhere in start-up and loading (libcrypto's
# and the C.UTF-8 locale's initialisation included) is exit 4 or a
# success with the right output, never a crash or other scores.
# fm_sweep LABEL WANT PLAN PREDICT-ARGS...: fail one allocation a run of
# `predict -q PREDICT-ARGS` (PLAN: first:K, the first K; all; spread:K, K
# points over the run), counting into crashed the runs that crash and into
# bad those neither exit 4 "out of memory" nor WANT's output; total is the
# run's allocations.
fm_sweep() {
	label=$1 want=$2 plan=$3
	shift 3
	FAILMALLOC_COUNT=$T/count LD_PRELOAD=$FAILMALLOC "$N" predict -q "$@" >/dev/null 2>&1
	total=$(cat "$T/count")
	case $plan in
	first:*) points=$(seq 1 "${plan#first:}") ;;
	all) points=$(seq 1 "$total") ;;
	spread:*) points=$(awk -v n="${plan#spread:}" -v t="$total" \
		'BEGIN { for (j = 0; j < n; j++) print 1 + int(j * t / n) }') ;;
	esac
	crashed=0 bad=0
	for k in $points; do
		FAILMALLOC_N=$k LD_PRELOAD=$FAILMALLOC "$N" predict -q "$@" >"$T/fm.out" 2>"$T/fm.err"
		st=$?
		if [ $st -ge 128 ]; then crashed=$((crashed + 1)); echo "${label}allocation $k: exit $st" >&2
		elif [ $st -ne 0 ] && { [ $st -ne 4 ] || ! grep -q "out of memory\|Cannot allocate" "$T/fm.err"; }; then
			bad=$((bad + 1)); echo "${label}allocation $k: exit $st: $(head -c 200 "$T/fm.err")" >&2
		elif [ $st -eq 0 ] && ! cmp -s "$T/fm.out" "$want"; then
			bad=$((bad + 1)); echo "${label}allocation $k: exit 0 with other output" >&2
		fi
	done
}
if [ $san -eq 0 ] && [ -e "$FAILMALLOC" ]; then
	fm_sweep "" "$T/want.tsv" first:120 -m "$T/m.nlp" "$T/in.txt"
	check "failing each of the first 120 of $total allocations of predict: no crash" test $crashed -eq 0
	check "and each run is exit 4 'out of memory' or the right output" test $bad -eq 0
	# a gzip artifact and gzip input (zlib, not libarchive, inflates them):
	# every allocation of the run
	fm_sweep "gzip, " "$T/want.tsv" all -m "$T/m.nlp.gz" "$T/in.txt.gz"
	check "gzip model and input, each of $total allocations failed: no crash" test $crashed -eq 0
	check "and each run is exit 4 'out of memory' or the right output" test $bad -eq 0
	# two threads over many batches (which thread allocates first varies:
	# 40 points spread over the run)
	for i in $(seq 60); do cat "$T/want.tsv"; done >"$T/want60.tsv"
	fm_sweep "threads, " "$T/want60.tsv" spread:40 --threads 2 -m "$T/m.nlp" "$T/in60.txt"
	check "--threads 2, many batches, 40 of $total allocations failed: no crash" test $crashed -eq 0
	check "and each run is exit 4 'out of memory' or the right output" test $bad -eq 0
fi

# --- Interrupted: SIGINT, SIGTERM or SIGHUP while predict -o writes
# leaves no temporary file, and the process dies of the signal (the
# registry's own crash leftovers stay gc's job); so does SIGKILL, which
# no handler sees, where the file system makes unnamed files (O_TMPFILE:
# the temporary file is named only once written, just before its rename).
# Then the same on a file system that makes none (slowfs.so's
# SLOWFS_NO_TMPFILE: O_TMPFILE fails as on NFS), the temporary file named
# from the start: the signal handler removes it (plain build: LD_PRELOAD).
# writing PID SIG: whether process PID has its temporary file open: an
# unnamed one (/proc shows it as DIR/#INODE (deleted)) or a named one
writing() {
	ls -l "/proc/$1/fd" 2>/dev/null | grep -q -e " $T/#[0-9]* (deleted)" -e " $T/\.sig$2\.tsv\."
}
# alive PID: whether process PID runs (exists, and is no zombie)
alive() {
	pst=$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)
	[ -n "$pst" ] && [ "$pst" != Z ]
}
sigs="INT TERM HUP KILL"
[ $san -eq 0 ] && [ -e "${NLP_SLOWFS:-}" ] && sigs="$sigs named:INT named:TERM named:HUP"
for sig in $sigs; do
	pre=
	case $sig in named:*) sig=${sig#named:} pre="$NLP_SLOWFS" ;; esac
	if [ $sig = KILL ]; then
		yes 'free money now' | "$N" predict -q -m "$T/m.nlp" -o "$T/sig$sig.tsv" 2>/dev/null &
	else
		yes 'free money now' | SLOWFS_NO_TMPFILE=1 LD_PRELOAD=$pre env --default-signal="$sig" "$N" predict -q -m "$T/m.nlp" -o "$T/sig$sig.tsv" 2>/dev/null &
	fi
	pid=$!
	i=0; while ! writing $pid $sig && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	check "SIG$sig: predict was writing its temporary file" writing $pid $sig
	unnamed=0
	ls -l "/proc/$pid/fd" 2>/dev/null | grep -q " $T/#[0-9]* (deleted)" && unnamed=1
	[ -n "$pre" ] && check "SIG$sig, no O_TMPFILE: the temporary file is named" test $unnamed = 0
	kill -"$sig" $pid
	# gone within 10 s (a zombie until the wait below), else a failure
	# rather than a suite waiting for ever
	i=0; while alive $pid && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	if alive $pid; then
		fail "SIG$sig: predict still runs 10 s after the signal"
		kill -KILL $pid
	fi
	{ wait $pid; } 2>/dev/null    # not the shell's "Killed"
	st=$?
	case $sig in INT) num=2 ;; TERM) num=15 ;; HUP) num=1 ;; KILL) num=9 ;; esac
	check "SIG$sig: predict died of it (status $st)" test $st -eq $((128 + num))
	if [ $sig = KILL ] && [ $unnamed = 0 ]; then
		echo "SKIP: hostile_files: SIGKILL: $T's file system makes no unnamed files (O_TMPFILE): a named temporary file stays" >&2
		continue
	fi
	check "SIG$sig${pre:+, no O_TMPFILE}: no temporary file is left, no output made" sh -c "! ls -a '$T' | grep -q 'sig$sig'"
done
