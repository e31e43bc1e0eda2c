# lib.sh - helpers for the end-to-end tests, sourced by each tests/e2e/*.sh.
# $NLPOPS is the binary under test, $TOP the repository, $COUNTS the tally.
set -u
T=$(mktemp -d) || exit 4
trap 'rm -rf "$T"' EXIT
DATA=$TOP/tests/data
export LC_ALL=C.UTF-8
unset NLPOPS_REGISTRY

pass() { echo pass >>"$COUNTS"; }
fail() { echo fail >>"$COUNTS"; echo "FAIL: $*" >&2; }

# expect_status N DESC CMD... : run CMD, require exit status N.
expect_status() {
	want=$1 desc=$2; shift 2
	"$@" >"$T/out" 2>"$T/err"; got=$?
	if [ "$got" -eq "$want" ]; then pass
	else fail "$desc: exit $got, want $want; stderr: $(head -c 400 "$T/err")"; fi
}

# check DESC CMD... : a shell condition that must hold.
check() {
	desc=$1; shift
	if "$@"; then pass; else fail "$desc"; fi
}

# free_port SEED : a TCP port for a server of the test's own, from SEED
# (e.g. $$): below the kernel's ephemeral range (ip_local_port_range,
# 32768 up), where no client connection of another test can hold it, and
# not in use in any state now.
free_port() {
	fp=$(( ($1 * 7919) % 12000 + 20000 ))
	while ss -tan 2>/dev/null | awk '{ print $4 }' | grep -q ":$fp\$"; do
		fp=$(( fp + 1 ))
		[ $fp -lt 32000 ] || fp=20000
	done
	echo $fp
}
