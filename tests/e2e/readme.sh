# readme.sh - the README's examples run.  Every ```sh block of README.md
# is run with `sh -e`, in order, in one scratch directory where tests/ is
# the repository's and ./nlpops (and `nlpops` on PATH) the binary under
# test, with HOME, TMPDIR and NLPOPS_REGISTRY in temporary directories.
# The blocks are one shell session: each sees what the blocks before it
# exported (export NLPOPS_REGISTRY=...).  `make` is the binary already
# built: a `make` with no arguments on PATH that does nothing else.
# A block right after the line "<!-- not run by the README test: <why> -->"
# (it needs root, cron, or installs packages; the comment is not shown
# on a rendered page) is only checked with `sh -n`.  A block after
# "<!-- run by the README test on a temporary PostgreSQL -->" runs with
# libpq's environment (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE) set
# for a cluster this script starts (pg_virtualenv, a port of its own) and
# that stops with it: the whole script runs again inside it.
# The plain run runs the README: its commands under the sanitizers are
# the other scripts' (train_predict, eval, drift, registry_backends with
# PostgreSQL, hostile_registry, serve, sign).
case $NLPOPS in */obj-san/nlpops) exit 0 ;; esac
. "$TOP/tests/e2e/lib.sh"

if [ -z "${NLP_README_PG:-}" ] && grep -q '^<!-- run by the README test on a temporary PostgreSQL -->$' "$TOP/README.md"; then
	if command -v pg_virtualenv >/dev/null 2>&1; then
		port=$(free_port $$)
		NLP_README_PG=1 pg_virtualenv -t -o "port=$port" sh "$0" >"$T/pg.log" 2>&1
		rc=$?
		grep -v '^Creating new\|^Dropping cluster\|^Ver Cluster\|^15  *regress' "$T/pg.log" >&2
		exit $rc
	fi
	echo "SKIP: readme.sh: the PostgreSQL blocks (pg_virtualenv is not installed; make check installs it)" >&2
	NLP_README_PG=none
fi

W=$T/work
mkdir -p "$W" "$T/bin" "$T/home" "$T/tmp" "$T/registry" "$T/blocks"
ln -s "$TOP/tests" "$W/tests"
ln -s "$NLPOPS" "$W/nlpops"
ln -s "$NLPOPS" "$T/bin/nlpops"
cat >"$T/bin/make" <<'EOF'
#!/bin/sh
# make, as the README's blocks use it: ./nlpops is built already.
[ $# -eq 0 ] && [ -x ./nlpops ] && exit 0
echo "readme.sh: make $* is not available to README blocks" >&2
exit 1
EOF
chmod +x "$T/bin/make"

# The blocks: $T/blocks/N.sh, N from 1, N.line, the line of README.md
# where the block starts, and N.skip, why it is not run, when the line
# before it says.
awk -v dir="$T/blocks" -v pg="${NLP_README_PG:-}" '
	in_block && /^```[ \t]*$/ { in_block = 0; close(f); next }
	in_block { print > f; next }
	/^```sh[ \t]*$/ { n++; in_block = 1; f = dir "/" n ".sh";
		printf "" > f; print NR + 1 > (dir "/" n ".line"); close(dir "/" n ".line")
		if (why != "") { print why > (dir "/" n ".skip"); close(dir "/" n ".skip") } }
	{ why = "" }
	/^<!-- not run by the README test:.*-->$/ { why = $0; sub(/^<!-- not run by the README test: */, "", why); sub(/ *-->$/, "", why) }
	/^<!-- run by the README test on a temporary PostgreSQL -->$/ { if (pg != "none") next; why = "no PostgreSQL to run it on" }
	END { if (in_block) exit 1 }
' "$TOP/README.md"
check "README.md: every \`\`\`sh block is closed" test $? -eq 0
n=$(ls "$T/blocks" | grep -c '\.sh$')
check "README.md has \`\`\`sh blocks ($n)" test "$n" -ge 8

: >"$T/env"
run=0 skipped=0 i=1
while [ "$i" -le "$n" ]; do
	b=$T/blocks/$i.sh
	at="README.md:$(cat "$T/blocks/$i.line")"
	expect_status 0 "$at: the block is valid sh (sh -n)" sh -n "$b"
	if [ -e "$T/blocks/$i.skip" ]; then
		check "$at: a block not run says why" test -s "$T/blocks/$i.skip"
		skipped=$((skipped + 1)) i=$((i + 1))
		continue
	fi
	# The block, with the exports of the blocks before it, and its own
	# exports saved for the next ones when it succeeds.
	{ cat "$T/env"; cat "$b"; printf '\nexport -p >"%s"\n' "$T/env.new"; } >"$T/run.sh"
	rm -f "$T/env.new"
	(cd "$W" && env -u XDG_DATA_HOME -u XDG_CONFIG_HOME -u NLPOPS_REGISTRY \
	    PATH="$T/bin:$PATH" HOME="$T/home" TMPDIR="$T/tmp" \
	    NLPOPS_REGISTRY="$T/registry" sh -e "$T/run.sh" >"$T/out" 2>"$T/err" </dev/null)
	got=$?
	if [ "$got" -eq 0 ] && [ -s "$T/env.new" ]; then
		pass
		# only the variables the block may have exported
		grep -e NLPOPS -e '^export [A-Z_]*_REGISTRY' "$T/env.new" >"$T/env" || :
	else
		fail "$at: the block exits $got under sh -e; stderr: $(tail -c 400 "$T/err")"
	fi
	run=$((run + 1)) i=$((i + 1))
done
check "README.md: most blocks run ($run run, $skipped only parsed)" \
    test "$run" -ge 6 -a "$skipped" -ge 1

# What the runnable blocks left behind is what they say.
check "the quick start wrote spam.nlp, an artifact tar lists" \
    sh -c 'tar -tf "$1/spam.nlp" | grep -qx manifest' x "$W"
check "the quick start scored every test line" \
    test "$(wc -l <"$W/scored.tsv")" -eq "$(zcat "$DATA/spam.test.tsv.gz" | wc -l)"
check "the drift example wrote its reports" \
    test -s "$W/drift.json" -a -s "$W/drift.html" -a -s "$W/drift.prom"
check "the drift example: nlpops_drift 1 in drift.prom" \
    grep -q '^nlpops_drift[{ ].* 1$' "$W/drift.prom"

# What the blocks wrote must not leave a clone's `git status` dirty.
if command -v git >/dev/null 2>&1 && git -C "$TOP" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	for f in $(cd "$W" && find . -type f | sed 's|^\./||' | sort); do
		check "README.md writes '$f', which .gitignore ignores" \
		    git -C "$TOP" check-ignore -q --no-index "$f"
	done
else
	echo "SKIP readme.sh: the outputs against .gitignore ($TOP is not a git work tree)" >&2
fi

# The verdicts the README quotes in its comments are the ones printed:
# "CMD  # drift: yes (...), exit 1" -> the first line CMD prints.
grep -e '^zcat .* | \./nlpops drift -m spam\.nlp.*# drift: ' "$TOP/README.md" >"$T/claims"
check "README.md quotes drift verdicts ($(wc -l <"$T/claims"))" \
    test "$(wc -l <"$T/claims")" -ge 2
while IFS= read -r line; do
	cmd=${line%%  #*} cmd=${cmd%%||*}
	want=$(printf '%s\n' "$line" | sed 's/.*# \(drift: [^)]*)\).*/\1/')
	got=$(cd "$W" && sh -c "$cmd" 2>/dev/null </dev/null | head -1)
	check "README.md: '$cmd' prints '$want' (prints '$got')" \
	    test "$got" = "$want"
done <"$T/claims"
