# environment.sh - the standard descriptors and the environment a cron job
# or a container may give: fds 0-2 closed at start (`nlpops ... <&- >&-
# 2>&-`), HOME unset or relative with no home in the user database,
# XDG_DATA_HOME or NLPOPS_REGISTRY naming a file, a registry path with a
# newline, --registry /dev/null.  Each is a clear one-line error or a
# normal run; a registry or an output file never lands on fd 0-2.
. "$TOP/tests/e2e/lib.sh"

N=$NLPOPS
cd "$T" || exit 4
unset XDG_DATA_HOME NLPOPS_REGISTRY
zcat "$DATA/spam.train.tsv.gz" | head -300 >train.tsv
zcat "$DATA/spam.test.tsv.gz" | cut -f2 | head -50 >test.txt
"$N" train -q --epochs 2 -o m.nlp train.tsv
"$N" predict -q -m m.nlp test.txt >want.tsv
R=$T/reg

one_line() { [ "$(wc -l <"$T/err")" -eq 1 ]; }

# ---- fds 0-2 closed ----
# (the plain build: the sanitizers' runtime opens its own files before
# main and cannot start without them)
case $N in */obj-san/nlpops) san=1 ;; *) san=0 ;; esac
if [ $san = 1 ]; then
	:
elif command -v strace >/dev/null 2>&1; then
	# what nlpops opens (after the dynamic loader) never gets 0, 1 or 2,
	# except the /dev/null it fills them with
	landed() {
		grep -E 'open(at)?\(.*\) = [012]$' trace | grep -v '"/dev/null"' |
		    grep -v '/etc/ld.so.cache\|\.so[.0-9]*"' | head -3
	}
	strace -f -o trace -e trace=openat,open "$N" --registry "$R" registry push --name spam m.nlp <&- 2>&- >out
	st=$?
	check "fds 0 and 2 closed: push works (exit $st)" test $st -eq 0
	check "fds 0 and 2 closed: nothing opened on them: $(landed)" test -z "$(landed)"
	expect_status 0 "fds 0 and 2 closed: the registry verifies" "$N" --registry "$R" registry verify
	cp -a "$R" before
	strace -f -o trace -e trace=openat,open "$N" --registry "$R" registry push --name other m.nlp <&- >&- 2>&-
	st=$?
	check "fds 0-2 closed: push cannot print its line, so it is exit 4 (got $st)" test $st -eq 4
	check "fds 0-2 closed: nothing opened on them: $(landed)" test -z "$(landed)"
	"$N" --registry "$R" registry list >now.txt 2>&1
	"$N" --registry before registry list >then.txt 2>&1
	check "fds 0-2 closed: a push that failed added nothing" cmp -s now.txt then.txt
	strace -f -o trace -e trace=openat,open "$N" predict -q -m m.nlp -o p.tsv test.txt <&- >&- 2>&-
	st=$?
	check "fds 0-2 closed: predict -o works (exit $st)" test $st -eq 0
	check "fds 0-2 closed: predict -o writes the result" cmp -s p.tsv want.tsv
	check "fds 0-2 closed: predict: nothing opened on them: $(landed)" test -z "$(landed)"
	strace -f -o trace -e trace=openat,open "$N" train -q --epochs 2 -o m2.nlp train.tsv <&- >&- 2>&-
	st=$?
	check "fds 0-2 closed: train -o works (exit $st)" test $st -eq 0
	check "fds 0-2 closed: the same artifact" cmp -s m.nlp m2.nlp
	check "fds 0-2 closed: train: nothing opened on them: $(landed)" test -z "$(landed)"
	"$N" drift -m m.nlp --prom want.prom test.txt >/dev/null 2>&1
	strace -f -o trace -e trace=openat,open "$N" drift -q -m m.nlp --prom d.prom test.txt <&- >&- 2>&-
	check "fds 0-2 closed: drift --prom writes the metrics" cmp -s d.prom want.prom
	check "fds 0-2 closed: drift: nothing opened on them: $(landed)" test -z "$(landed)"
else
	echo "SKIP: environment: strace is not installed (make check installs it)"
fi

# ---- no home ----
# a user with no entry in the user database and HOME unset, empty or
# relative: no registry under / or the current directory, a clear
# usage error where one is needed, and a model file still works
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1 &&
    ! getent passwd 54321 >/dev/null 2>&1; then
	# a copy of the binary the other user can run (the checkout may be
	# under a private directory)
	mkdir -p nohome && chmod 777 nohome && cp m.nlp test.txt nohome/ &&
	    chmod 755 "$T" && cp "$N" bin-nlpops && chmod 755 bin-nlpops
	for h in unset '' rel; do
		if [ "$h" = unset ]; then set -- env -u HOME; else set -- env HOME="$h"; fi
		(cd nohome && setpriv --reuid=54321 --regid=54321 --clear-groups \
		    "$@" "$T/bin-nlpops" registry list >"$T/out" 2>"$T/err"; echo $? >"$T/st")
		check "HOME $h, no home: registry list is exit 2 (got $(cat st))" test "$(cat st)" = 2
		check "HOME $h, no home: it says which registry ($(cat err))" grep -q "which registry? .*--registry DIR or set NLPOPS_REGISTRY" err
		check "HOME $h, no home: one line" one_line
		(cd nohome && setpriv --reuid=54321 --regid=54321 --clear-groups \
		    "$@" "$T/bin-nlpops" predict -q -m m.nlp test.txt >"$T/out" 2>"$T/err"; echo $? >"$T/st")
		check "HOME $h, no home: predict -m FILE works" cmp -s out want.tsv
		(cd nohome && setpriv --reuid=54321 --regid=54321 --clear-groups \
		    "$@" "$T/bin-nlpops" registry push --name x m.nlp >"$T/out" 2>"$T/err"; echo $? >"$T/st")
		check "HOME $h, no home: push is exit 2 (got $(cat st))" test "$(cat st)" = 2
	done
	check "no home: nothing made under the current directory: $(ls nohome | tr '\n' ' ')" \
	    test "$(ls -A nohome | sort | tr '\n' ' ')" = "m.nlp test.txt "
	check "no home: no registry under /" test ! -e /.local/share/nlpops
else
	echo "SKIP: environment: no home: needs root, setpriv and a free uid"
fi

# ---- the registry's location naming a file, a device, a newline ----
: >afile
expect_status 5 "XDG_DATA_HOME a file: exit 5" env XDG_DATA_HOME="$T/afile" "$N" registry push --name x m.nlp
check "XDG_DATA_HOME a file: says so, one line ($(cat "$T/err"))" sh -c "grep -q \"'$T/afile/nlpops' is not a directory\" '$T/err' && [ \$(wc -l <'$T/err') -eq 1 ]"
check "XDG_DATA_HOME a file: still an empty file" test ! -s afile
expect_status 5 "NLPOPS_REGISTRY a file: exit 5" env NLPOPS_REGISTRY="$T/afile" "$N" registry list
check "NLPOPS_REGISTRY a file: says so ($(cat "$T/err"))" grep -q "'$T/afile' is not a directory" "$T/err"
for verb in "list" "init" "verify" "push --name x m.nlp"; do
	expect_status 5 "--registry /dev/null: registry $verb is exit 5" sh -c "'$N' --registry /dev/null registry $verb"
	check "--registry /dev/null: registry $verb: one line ($(cat "$T/err"))" sh -c "grep -q \"'/dev/null' is not a directory\" '$T/err' && [ \$(wc -l <'$T/err') -eq 1 ]"
done
check "/dev/null is still a character device" test -c /dev/null
expect_status 5 "predict -m NAME with --registry /dev/null: exit 5" "$N" --registry /dev/null predict -m spam test.txt
NL="$T/a
b"
expect_status 0 "a registry path with a newline: push works" "$N" --registry "$NL" registry push --name spam m.nlp
expect_status 0 "a registry path with a newline: verify" "$N" --registry "$NL" registry verify
"$N" --registry "$NL" predict -q -m spam@1 test.txt >nl.tsv 2>/dev/null
check "a registry path with a newline: predict -m spam@1" cmp -s nl.tsv want.tsv
expect_status 5 "a missing registry path with a newline: exit 5" "$N" --registry "$T/x
y" registry list
check "a newline in a path is shown escaped, on one line ($(cat "$T/err"))" sh -c "grep -q 'x\\\\ny' '$T/err' && [ \$(wc -l <'$T/err') -eq 1 ]"
expect_status 4 "a model path with a newline and a tab: exit 4" "$N" predict -m "$T/no
such	model.nlp" test.txt
check "the file is named on one line ($(cat "$T/err"))" one_line

# ---- the CPUs a process may use ----
# bound to one CPU (taskset, as a cpuset or a container's quota would),
# the default thread count is 1: serve says how many it answers with
if command -v taskset >/dev/null 2>&1 && taskset -c 0 true 2>/dev/null; then
	# -k: on one CPU, LeakSanitizer's stop of the sanitized build at exit
	# has been seen to spin for good (its tracer never ran); SIGTERM is
	# serve's own to handle, SIGKILL ends it
	taskset -c 0 timeout -k 2 10 "$N" serve -m m.nlp --listen 127.0.0.1:0 2>serve1.err &
	i=0; while ! grep -q listening serve1.err 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	check "bound to one CPU, serve answers on 1 thread ($(head -1 serve1.err))" grep -q ", 1 thread\$" serve1.err
	pkill -f "serve -m m.nlp --listen 127.0.0.1:0" 2>/dev/null; wait
	taskset -c 0 "$N" train -q -o m1cpu.nlp train.tsv
	"$N" train -q --threads 2 -o m2cpu.nlp train.tsv
	check "and train makes the same artifact as with 2 threads" cmp -s m1cpu.nlp m2cpu.nlp
else
	echo "SKIP: environment: no taskset: the default thread count under a CPU binding not tested" >&2
fi

# ---- libcrypto is loaded when a command hashes or signs (lib/lcrypto.h):
# hidden (an empty file mounted over it), predict and drift on a model
# file still work (drift gives its verdict: 0, or 1 when its domain
# classifier, on 50 texts a side, happens to tell them apart), and train,
# which hashes its data, says which library and package it needs, exit 4,
# leaving no model
crypto=$(ldconfig -p 2>/dev/null | sed -n 's|.*libcrypto\.so\.3 (libc6,x86-64) => ||p' | head -1)
if [ $san -eq 0 ] && [ -n "$crypto" ] && unshare -m true 2>/dev/null; then
	: >empty.so
	unshare -m sh -c 'mount --bind "$1" "$(readlink -f "$2")" && shift 2 && exec "$@"' sh \
	    empty.so "$crypto" sh -c '"$1" predict -q -m m.nlp test.txt >nocrypto.tsv; echo $? >nocrypto.rc
		"$1" drift -q -m m.nlp test.txt; echo $? >>nocrypto.rc
		"$1" train -q -o nocrypto.nlp train.tsv 2>nocrypto.err; echo $? >>nocrypto.rc' sh "$N"
	check "without libcrypto: predict exits 0, drift 0 or 1, train 4 ($(tr '\n' ' ' <nocrypto.rc))" \
	    sh -c "tr '\n' ' ' <nocrypto.rc | grep -Eqx '0 [01] 4 '"
	check "... predict's output is the same" cmp -s want.tsv nocrypto.tsv
	check "... train names the library and its package ($(head -c 200 nocrypto.err))" \
	    grep -q "^nlpops train: 'libcrypto.so.3' is needed for SHA-256 and signing keys (Debian: libssl3) and cannot be loaded: " nocrypto.err
	check "... in one line, and leaves no model" sh -c 'test "$(wc -l <nocrypto.err)" -eq 1 && test ! -e nocrypto.nlp'
elif [ $san -eq 0 ]; then
	echo "SKIP: environment: hiding libcrypto needs root and unshare -m" >&2
fi
