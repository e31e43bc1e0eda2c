# drift_html.sh - `nlpops drift --html`: the page a person opens, rendered
# by headless Chromium on texts that clearly drift (spam mail as the
# reference, Debian package descriptions as the current text).
#
# Chromium is a test dependency (tests/deps.sh installs it); when it is
# missing or cannot render a page, the rendering part says SKIP on stderr.
. "$TOP/tests/e2e/lib.sh"

N=$NLPOPS

if ! "$N" drift --help >/dev/null 2>&1; then
	echo "SKIP: nlpops drift not built" >&2
	exit 0
fi

# --- the report: spam as the reference, Debian descriptions as current
zcat "$DATA/spam.train.tsv.gz" | head -n 600 >"$T/ref.tsv"
zcat "$DATA/debian.train.tsv.gz" | cut -f2- >"$T/cur.txt"

# the command's exit status on drift is its own business: 0 or 1 both ran
"$N" drift --reference "$T/ref.tsv" --html "$T/R.html" "$T/cur.txt" \
    >"$T/out" 2>"$T/err"
rc=$?
check "drift --html ran (exit $rc; stderr: $(head -c 300 "$T/err"))" \
    test "$rc" -eq 0 -o "$rc" -eq 1
check "drift --html wrote the page" test -s "$T/R.html"
check "the page starts with <!DOCTYPE html>" \
    sh -c "head -n 1 '$T/R.html' | grep -q '^<!DOCTYPE html>'"
check "the page has no script" sh -c "! grep -qi '<script' '$T/R.html'"
check "the page references nothing on the network" \
    sh -c "! grep -qiE 'https?://' '$T/R.html'"
check "the page is UTF-8" iconv -f UTF-8 -t UTF-8 -o /dev/null "$T/R.html"

"$N" drift --reference "$T/ref.tsv" --html "$T/R2.html" "$T/cur.txt" \
    >/dev/null 2>&1
check "the same inputs give the same page" cmp -s "$T/R.html" "$T/R2.html"

# --- what Chromium makes of it: found (tests/deps.sh installs it with the
# other test dependencies; never installed from here), and able to render
# a page.  The sanitized run stops before: the page is the same, and a
# browser adds nothing to what the sanitizers check.
case $N in */obj-san/nlpops) exit 0 ;; esac
find_chromium() {
	for c in chromium chromium-browser; do
		command -v "$c" 2>/dev/null && return 0
	done
	return 1
}
CHROME=$(find_chromium)
why="not installed (make check installs it: tests/deps.sh)"
if [ -z "$CHROME" ]; then
	echo "SKIP: chromium unavailable: $why" >&2
	exit 0
fi
TIMEOUT=
command -v timeout >/dev/null 2>&1 && TIMEOUT="timeout 120"

# chrome OUT ERR ARGS... : one headless run with a fresh profile; the page's
# console messages go to ERR (--enable-logging=stderr).
chrome() {
	out=$1 err=$2; shift 2
	prof=$(mktemp -d "$T/profile.XXXXXX") || return 4
	$TIMEOUT "$CHROME" --headless --no-sandbox --disable-gpu --disable-quic \
	    --no-first-run --disable-background-networking \
	    --disable-component-update --disable-sync --user-data-dir="$prof" \
	    --enable-logging=stderr --v=0 "$@" >"$out" 2>"$err"
}

# The page's own console messages and uncaught errors, and nothing of
# Chromium's startup noise (D-Bus, GPU, sandbox warnings).
console_errors() {
	grep -E ':CONSOLE[(:]|ERROR:CONSOLE|Uncaught' "$1"
}

printf '<!DOCTYPE html><html><head><meta charset="utf-8"><title>p</title></head><body><p>nlpops-probe</p></body></html>\n' >"$T/probe.html"
if ! chrome "$T/probe.dom" "$T/probe.err" --dump-dom "file://$T/probe.html" ||
    ! grep -q nlpops-probe "$T/probe.dom"; then
	echo "SKIP: chromium unavailable: $CHROME cannot render a page: $(grep -v -e dbus -e '^$' "$T/probe.err" | tail -n 1)" >&2
	exit 0
fi
echo "drift_html: $("$CHROME" --version 2>/dev/null | grep -i chrom | head -n 1)" >&2

# A page that logs to the console: the check below must see that, or a
# clean log would prove nothing.
printf '<!DOCTYPE html><html><head><meta charset="utf-8"><title>c</title></head><body><script>console.error("nlpops-canary"); nlpopsUndefined();</script></body></html>\n' >"$T/canary.html"
chrome "$T/canary.dom" "$T/canary.err" --dump-dom "file://$T/canary.html"
check "Chromium's log shows a page's console errors (canary)" \
    sh -c "grep -E ':CONSOLE[(:]|ERROR:CONSOLE' '$T/canary.err' | grep -q nlpops-canary"

chrome "$T/R.dom" "$T/R.err" --dump-dom "file://$T/R.html"
check "Chromium renders the page (DOM dumped)" grep -q '</html>' "$T/R.dom"
check "the DOM has the verdict: drift: yes" \
    grep -qE 'drift: yes \([0-9]+/[0-9]+ signals; domain AUC [01]\.[0-9]{2}\)' "$T/R.dom"
check "the verdict is the banner" grep -q '<header class="banner yes"' "$T/R.dom"
nsvg=$(grep -o '<svg' "$T/R.dom" | wc -l)
check "the DOM has the charts (2 length histograms and the AUC scale: $nsvg svg)" \
    test "$nsvg" -ge 3
check "the DOM has the signal table" grep -q '<table class="signals">' "$T/R.dom"
check "no console error while loading the page ($(console_errors "$T/R.err" | head -n 2))" \
    sh -c "! grep -qE ':CONSOLE[(:]|ERROR:CONSOLE|Uncaught' '$T/R.err'"

# a screenshot: a real page, far from a blank one
printf '<!DOCTYPE html><html><head><meta charset="utf-8"><title>b</title></head><body></body></html>\n' >"$T/blank.html"
chrome "$T/blank.out" "$T/blank.err" --hide-scrollbars --window-size=1200,2400 \
    --screenshot="$T/blank.png" "file://$T/blank.html"
chrome "$T/shot.out" "$T/shot.err" --hide-scrollbars --window-size=1200,2400 \
    --screenshot="$T/R.png" "file://$T/R.html"
check "the screenshot is a PNG" \
    sh -c "head -c 8 '$T/R.png' | od -An -c | grep -q 'P   N   G'"
blank=$(wc -c <"$T/blank.png" 2>/dev/null || echo 0)
shot=$(wc -c <"$T/R.png" 2>/dev/null || echo 0)
check "the screenshot is not trivial ($shot bytes; a blank page: $blank)" \
    test "$shot" -gt 20000 -a "$shot" -gt $((4 * blank))
check "no console error while taking the screenshot" \
    sh -c "! grep -qE ':CONSOLE[(:]|ERROR:CONSOLE|Uncaught' '$T/shot.err'"
