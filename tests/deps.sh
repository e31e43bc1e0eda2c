#!/bin/sh
# deps.sh PKG... - make sure these Debian packages are installed.  As root,
# install the missing ones with apt-get; otherwise print the exact command
# and fail, so that `make demo` and `make check` say what to do.
#
# A package is there when dpkg says "install ok" and it is unpacked and
# configured, triggers pending or not.  Another apt or dpkg holding the
# lock is waited for (saying so), up to 5 minutes; a configuration that an
# interrupted run left half done is finished first (dpkg --configure -a).
missing=
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q -E '^install ok (installed|triggers-pending|triggers-awaited)$' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "nlpops: missing Debian packages; run:" >&2
	echo "  sudo apt-get install -y$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive

# apt CMD...: run apt-get, waiting while another apt or dpkg holds its
# lock (apt-get says "Could not get lock"), 5 minutes at most.
apt() {
	waited=0
	while :; do
		apt-get -o DPkg::Lock::Timeout=10 "$@" >"${TMPDIR:-/tmp}/nlpops-apt.$$" 2>&1 &&
		    { rm -f "${TMPDIR:-/tmp}/nlpops-apt.$$"; return 0; }
		if grep -q -i 'could not get lock\|is locked by another process\|unable to acquire the dpkg' "${TMPDIR:-/tmp}/nlpops-apt.$$" &&
		    [ $waited -lt 300 ]; then
			[ $waited -eq 0 ] && echo "nlpops: another apt or dpkg is running; waiting for it (up to 5 minutes)" >&2
			sleep 10
			waited=$((waited + 20))
			continue
		fi
		tail -5 "${TMPDIR:-/tmp}/nlpops-apt.$$" >&2
		rm -f "${TMPDIR:-/tmp}/nlpops-apt.$$"
		[ $waited -ge 300 ] && echo "nlpops: apt is still locked after 5 minutes; let the other apt finish (or see 'ps aux | grep -e apt -e dpkg'), then run make again" >&2
		return 1
	done
}

if [ -n "$(dpkg --audit 2>/dev/null)" ]; then
	echo "nlpops: finishing an interrupted package configuration (dpkg --configure -a)" >&2
	dpkg --configure -a >/dev/null 2>&1 || echo "nlpops: dpkg --configure -a failed; trying anyway" >&2
fi
echo "nlpops: installing$missing" >&2
apt update -qq && apt install -y -qq --no-install-recommends $missing ||
	{ echo "nlpops: apt-get install$missing failed" >&2; exit 1; }
