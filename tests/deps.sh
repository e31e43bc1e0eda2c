#!/bin/sh
# deps.sh PKG... - make sure these Debian packages are installed.  As root,
# install the missing ones with apt-get; otherwise print the exact command
# and fail, so that `make demo` and `make check` say what to do.
missing=
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "nlpops: missing Debian packages; run:" >&2
	echo "  sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "nlpops: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
	{ echo "nlpops: apt-get install$missing failed" >&2; exit 1; }
