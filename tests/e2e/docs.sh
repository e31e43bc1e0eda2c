# docs.sh - the man pages: they lint clean, each command's page agrees
# with its --help (synopsis and options, both ways, as git's t0450 does
# for its docs), nlpops(1) lists the commands there are, and
# `make install` / `make uninstall` put them and the completions in place
# and take them away again.
# The pages and --help say the same under the sanitizers: the plain run
# checks them.
case $NLPOPS in */obj-san/nlpops) exit 0 ;; esac
. "$TOP/tests/e2e/lib.sh"

COMMANDS='train predict eval drift registry key'

# --- lint: every page, groff and (when installed) mandoc -------------------
for page in "$TOP"/man/*.1; do
	name=${page##*/}
	groff -mandoc -ww -z "$page" >"$T/lint" 2>&1
	check "$name: groff -mandoc -ww -z is silent ($(head -3 "$T/lint"))" \
	    test ! -s "$T/lint"
	if command -v mandoc >/dev/null 2>&1; then
		mandoc -Tlint -W warning "$page" >"$T/lint" 2>&1
		check "$name: mandoc -Tlint -W warning is silent ($(head -3 "$T/lint"))" \
		    test ! -s "$T/lint"
	fi
done
command -v mandoc >/dev/null 2>&1 || echo "SKIP docs.sh: mandoc lint (mandoc not installed)" >&2

# --- each command's page against its --help --------------------------------

# The lines of section $2 of page $1 (from ".Sh $2" to the next ".Sh").
section() { # page section
	awk -v s=".Sh $2" '/^\.Sh /{ on = ($0 == s) } on' "$1"
}
# The long options that mdoc source on stdin marks up, as --name, one a
# line: "Fl -name", and the "-name" of "Fl h | -help".
mdoc_long() {
	grep -o -e 'Fl -[a-z][a-z0-9-]*' -e '| -[a-z][a-z0-9-]*' |
	    sed 's/^.* -/--/' | sort -u
}
# Does set file $2 hold word $1?
has() { grep -q -x -e "$1" "$2"; }

for cmd in $COMMANDS; do
	page=$TOP/man/nlpops-$cmd.1
	check "man/nlpops-$cmd.1 exists" test -f "$page"
	[ -f "$page" ] || continue
	expect_status 0 "$cmd --help exits 0" "$NLPOPS" "$cmd" --help
	cp "$T/out" "$T/help"
	if [ "$cmd" = registry ]; then
		# The verbs' usage lines: every --option named anywhere.
		grep -o -e '--[a-z][a-z0-9-]*' "$T/help" | sort -u >"$T/hl"
		# "-o FILE" (pull) is the one short option.
		grep -o -e ' -[a-zA-Z] ' "$T/help" | sed 's/ //g' | sort -u >"$T/hs"
		# The page documents each verb's options in its subsection of
		# DESCRIPTION: the .Ss heading and the .It items.
		section "$page" DESCRIPTION | grep -e '^\.It ' -e '^\.Ss ' |
		    mdoc_long >"$T/pl"
	else
		# The option lines: "  -m, --model MODEL" or "      --json".
		sed -n 's/^  *\(-[a-zA-Z], \)\{0,1\}\(--[a-z][a-z0-9-]*\).*/\2/p' \
		    "$T/help" | sort -u >"$T/hl"
		sed -n 's/^  *\(-[a-zA-Z]\), --.*/\1/p' "$T/help" | sort -u >"$T/hs"
		section "$page" OPTIONS | grep '^\.It ' | mdoc_long >"$T/pl"
	fi
	check "$cmd --help lists long options" test -s "$T/hl"
	check "nlpops-$cmd.1 documents options" test -s "$T/pl"
	# Every command takes -h and --help (nlpops(1)), listed or not.
	printf '%s\n' --help >>"$T/hl"
	sort -u -o "$T/hl" "$T/hl"
	section "$page" SYNOPSIS >"$T/syn"
	mdoc_long <"$T/syn" >"$T/sl"
	# --help -> page: each long option is documented, and is in the
	# synopsis (as itself, or as its short form).
	while read -r opt; do
		# nlpops' own --registry is nlpops(1)'s; registry's page has no
		# OPTIONS list, its synopsis shows -h | --help.
		[ "$opt" = --registry ] && continue
		if [ "$cmd" != registry ] || [ "$opt" != --help ]; then
		check "$cmd $opt (in --help) is documented in nlpops-$cmd.1 as Fl $opt" \
		    has "$opt" "$T/pl"
		fi
		short=$(sed -n "s/^  *\(-[a-zA-Z]\), $opt[ =].*/\1/p" "$T/help" | head -1)
		[ "$opt" = --help ] && short=-h
		if has "$opt" "$T/sl"; then pass
		elif [ -n "$short" ] && grep -q "Fl ${short#-}\( \|\$\)" "$T/syn"; then pass
		else fail "$cmd $opt (in --help) is not in the SYNOPSIS of nlpops-$cmd.1"
		fi
	done <"$T/hl"
	# page -> --help: each documented option exists.
	while read -r opt; do
		check "$cmd $opt (in nlpops-$cmd.1 OPTIONS) is in $cmd --help" \
		    has "$opt" "$T/hl"
	done <"$T/pl"
	while read -r opt; do
		[ "$opt" = --registry ] && continue    # nlpops' own option
		check "$cmd $opt (in the SYNOPSIS of nlpops-$cmd.1) is in $cmd --help" \
		    has "$opt" "$T/hl"
	done <"$T/sl"
	# Short options: each one of --help is in the synopsis.
	while read -r s; do
		check "$cmd $s (in --help) is in the SYNOPSIS of nlpops-$cmd.1" \
		    grep -q "Fl ${s#-}\( \|\$\)" "$T/syn"
	done <"$T/hs"
done

# --- nlpops(1) lists exactly the commands ----------------------------------
expect_status 0 "__complete commands" "$NLPOPS" __complete commands
cut -f1 "$T/out" | grep -v -x help | sort >"$T/cmds"
check "__complete commands names the seven commands" \
    test "$(tr '\n' ' ' <"$T/cmds")" = "drift eval key predict registry serve train "
awk '/^The commands are:/ { on = 1 } on && /^\.El/ { exit } on' \
    "$TOP/man/nlpops.1" | sed -n 's/^\.It Cm \([a-z_-]*\).*/\1/p' |
    grep -v -x help | sort >"$T/listed"
check "nlpops.1 lists exactly the commands of __complete commands: $(diff "$T/cmds" "$T/listed" | grep '^[<>]' | tr '\n' ' ')" \
    cmp -s "$T/cmds" "$T/listed"
for cmd in $(cat "$T/cmds"); do
	check "nlpops.1 refers to nlpops-$cmd(1)" \
	    grep -q "^\.Xr nlpops-$cmd 1" "$TOP/man/nlpops.1"
done

# --- a fresh clone: the README's first command ------------------------------
# A plain `make` in a tree with no build outputs builds ./nlpops (the
# library alone was the default goal once), and without -Werror, which
# only DEVELOPER=1 adds (a user's newer compiler must not stop the build).
# (A property of the tree, not of the binary: the plain run checks it.)
case $NLPOPS in */obj-san/nlpops) clone=0 ;; *) clone=1 ;; esac
if [ $clone -eq 0 ]; then
	:
elif command -v make >/dev/null 2>&1 &&
    git -C "$TOP" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	mkdir "$T/clone"
	(cd "$TOP" && git ls-files -z --cached --others --exclude-standard |
	    xargs -0 cp --parents -t "$T/clone" 2>/dev/null)
	check "the copy has no build outputs" test ! -e "$T/clone/obj" -a ! -e "$T/clone/nlpops"
	expect_status 0 "make -n DEVELOPER=1 (a developer's build)" env -u MAKEFLAGS -u MAKELEVEL make -C "$T/clone" -n DEVELOPER=1
	check "DEVELOPER=1 compiles with -Werror" grep -q -- -Werror "$T/out"
	# (make -n: the commands a plain make runs; CI compiles a fresh clone
	# for real, with -Werror)
	expect_status 0 "a plain make in a fresh tree" env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS -u DEVELOPER make -C "$T/clone" -n
	check "a plain make compiles without -Werror" sh -c "! grep -q -- -Werror '$T/out'"
	check "a plain make links ./nlpops" grep -q -- '-o nlpops ' "$T/out"
else
	echo "SKIP docs.sh: make in a fresh tree (not a git work tree, or no make)" >&2
fi

# --- make install / make uninstall -----------------------------------------
# Installs the ./nlpops that is there (-o nlpops: never rebuilt here).
if [ -x "$TOP/nlpops" ] && command -v make >/dev/null 2>&1; then
	d=$T/inst
	expect_status 0 "make install DESTDIR PREFIX=/usr" \
	    make --no-print-directory -o nlpops -C "$TOP" install DESTDIR="$d" PREFIX=/usr
	check "installs usr/bin/nlpops, executable" test -x "$d/usr/bin/nlpops"
	expect_status 0 "the installed binary runs" "$d/usr/bin/nlpops" __complete commands
	for page in "$TOP"/man/*.1; do
		check "installs man1/${page##*/}" \
		    cmp -s "$page" "$d/usr/share/man/man1/${page##*/}"
	done
	check "installs 8 man pages" \
	    test "$(ls "$d"/usr/share/man/man1/nlpops*.1 | wc -l)" -eq 8
	check "installs the bash completion" \
	    cmp -s "$TOP/completions/nlpops.bash" "$d/usr/share/bash-completion/completions/nlpops"
	check "installs the zsh completion" \
	    cmp -s "$TOP/completions/_nlpops" "$d/usr/share/zsh/vendor-completions/_nlpops"
	check "installs the fish completion" \
	    cmp -s "$TOP/completions/nlpops.fish" "$d/usr/share/fish/vendor_completions.d/nlpops.fish"
	if command -v man >/dev/null 2>&1; then
		MANPATH=$d/usr/share/man man -w nlpops-drift >"$T/manw" 2>&1
		check "man finds the installed nlpops-drift page ($(cat "$T/manw"))" \
		    grep -q "^$d/usr/share/man/man1/nlpops-drift.1" "$T/manw"
	fi
	expect_status 0 "make uninstall DESTDIR PREFIX=/usr" \
	    make --no-print-directory -o nlpops -C "$TOP" uninstall DESTDIR="$d" PREFIX=/usr
	check "make uninstall leaves no file behind: $(find "$d" -type f | head -3)" \
	    test -z "$(find "$d" -type f)"
	# under /usr/local, zsh's completion goes where zsh looks there
	# (site-functions; vendor-completions is Debian's for /usr); and
	# uninstall removes what install put, not another nlpops-*.1
	make --no-print-directory -o nlpops -C "$TOP" install DESTDIR="$d" >/dev/null 2>&1
	check "PREFIX=/usr/local: the zsh completion in site-functions" \
	    cmp -s "$TOP/completions/_nlpops" "$d/usr/local/share/zsh/site-functions/_nlpops"
	: >"$d/usr/local/share/man/man1/nlpops-local.1"
	make --no-print-directory -o nlpops -C "$TOP" uninstall DESTDIR="$d" >/dev/null 2>&1
	check "make uninstall leaves a man page it did not install" \
	    test "$(find "$d" -type f)" = "$d/usr/local/share/man/man1/nlpops-local.1"
else
	echo "SKIP docs.sh: make install (no $TOP/nlpops or no make)" >&2
fi

# --- the README's comparison table is bench/RESULTS.md's -------------------
sed -n '/^<!-- bench\/readme-table: begin -->$/,/^<!-- bench\/readme-table: end -->$/p' \
    "$TOP/README.md" | sed '1d;$d' >"$T/readme-table"
"$TOP/bench/readme-table" "$TOP/bench/RESULTS.md" >"$T/results-table" 2>"$T/err"
check "README.md's comparison table is bench/readme-table's, from bench/RESULTS.md ($(diff "$T/readme-table" "$T/results-table" | head -3 | tr '\n' ' '))" \
    sh -c "[ -s '$T/results-table' ] && cmp -s '$T/readme-table' '$T/results-table'"
