# hostile_registry.sh - the registry against a hostile or unlucky file
# system, each check a finding of the hostile-input campaign (issue 9) that
# failed before it was fixed: gc deleting files that are not its own (also
# with DIR/tmp swapped for a symbolic link while a root gc runs, by another
# user of a shared registry), a symlinked or emptied registry.db, a damaged
# index, a swapped object, reads on a full disk, a result that cannot be
# printed, exit statuses, pushes of unusable artifacts, forged history
# lines.  Parts that need root (another user, a private mount namespace, a
# device node) print SKIP on stderr when they cannot run.
. "$TOP/tests/e2e/lib.sh"

N=$NLPOPS
FORGE=${NLP_FORGE:-$TOP/obj/tools/forge}
case $N in */obj-san/nlpops) san=1 ;; *) san=0 ;; esac
root=0; [ "$(id -u)" -eq 0 ] && root=1

# one_line FILE: FILE holds exactly one non-empty line.
one_line() { [ "$(wc -l <"$1")" -eq 1 ] && [ -s "$1" ]; }
# old FILE...: an mtime two hours back, past gc's default grace
old() { touch -d '2 hours ago' "$@"; }

"$N" train -q --threads 1 --epochs 1 --bits 12 -o "$T/a.nlp" "$DATA/spam.train.tsv.gz"
"$N" train -q --threads 1 --epochs 1 --bits 12 --seed 2 -o "$T/b.nlp" "$DATA/spam.train.tsv.gz"
printf 'free money now, click here\nsee you at the meeting tomorrow\n' >"$T/in.txt"
asha=$(sha256sum "$T/a.nlp" | cut -c1-64)
aobj() { echo "$1/objects/sha256/$(echo "$asha" | cut -c1-2)/$(echo "$asha" | cut -c3-)"; }

# --- 1. gc removes only its own temporary files.  A registry is never
# made in a directory that already holds other things ($HOME with its
# ~/tmp): refused, and nothing there is touched.
H=$T/home
mkdir -p "$H/tmp/sub" && echo mine >"$H/tmp/notes" && echo x >"$H/tmp/sub/f"
old "$H/tmp/notes" "$H/tmp/sub/f" "$H/tmp/sub" "$H/tmp"
expect_status 5 "push into a non-empty directory without a registry is refused" "$N" --registry "$H" registry push "$T/a.nlp" --name spam
check "it says the directory is not empty" grep -q "not empty and holds no registry" "$T/err"
check "and made no registry there" test ! -e "$H/registry.db"
expect_status 5 "init there is refused too" "$N" --registry "$H" registry init
# An existing registry whose tmp/ holds another program's files: gc
# --grace 0 leaves every one of them, removes its own stale file.
R=$T/r1
"$N" --registry "$R" registry push "$T/a.nlp" --name spam >/dev/null
echo user >"$R/tmp/notes.txt"
mkdir "$R/tmp/empty" "$R/tmp/full" && echo x >"$R/tmp/full/f"
mkfifo "$R/tmp/fifo"
ln -s "$T/a.nlp" "$R/tmp/link"
echo partial >"$R/tmp/put-abcdef123456.tmp"
mkdir "$R/tmp/put-dir.tmp"
old "$R/tmp/notes.txt" "$R/tmp/empty" "$R/tmp/full" "$R/tmp/put-abcdef123456.tmp" "$R/tmp/put-dir.tmp"
expect_status 0 "gc --grace 0 runs with foreign files in DIR/tmp (and a non-empty directory)" "$N" --registry "$R" registry gc --grace 0
check "gc removed its own stale temporary file" test ! -e "$R/tmp/put-abcdef123456.tmp"
check "gc said so" grep -q "put-abcdef123456.tmp" "$T/out"
for f in notes.txt empty full/f fifo link put-dir.tmp; do
	check "gc left DIR/tmp/$f alone" sh -c "[ -e '$R/tmp/$f' ] || [ -L '$R/tmp/$f' ]"
done
check "gc did not follow the symbolic link in tmp" test -f "$T/a.nlp"
expect_status 0 "verify is clean with foreign files in tmp" "$N" --registry "$R" registry verify
check "verify does not list them" sh -c "! grep -q 'notes.txt\|fifo' '$T/out'"

# DIR/tmp or objects/ replaced by a symbolic link: refused by every verb.
R=$T/r2
"$N" --registry "$R" registry push "$T/a.nlp" --name spam --alias production >/dev/null 2>&1
mkdir "$T/victim2" && echo precious >"$T/victim2/put-aaaaaaaa.tmp" && old "$T/victim2/put-aaaaaaaa.tmp"
mv "$R/tmp" "$R/tmp.real" && ln -s "$T/victim2" "$R/tmp"
expect_status 5 "gc refuses a registry whose tmp is a symbolic link" "$N" --registry "$R" registry gc --grace 0
check "gc names it" grep -q "tmp' is a symbolic link" "$T/err"
check "the file it points at is intact" test -f "$T/victim2/put-aaaaaaaa.tmp"
expect_status 5 "push refuses it too" "$N" --registry "$R" registry push "$T/b.nlp" --name spam
rm "$R/tmp" && mv "$R/tmp.real" "$R/tmp"
mv "$R/objects" "$R/objects.real" && ln -s objects.real "$R/objects"
expect_status 5 "predict refuses a registry whose objects/ is a symbolic link" "$N" --registry "$R" predict -m spam "$T/in.txt"
expect_status 5 "gc refuses it" "$N" --registry "$R" registry gc --grace 0
rm "$R/objects" && mv "$R/objects.real" "$R/objects"
expect_status 0 "restored, predict works" "$N" --registry "$R" predict -q -m spam "$T/in.txt"

# A shared registry, root's gc in a loop, and a group member (nobody, in
# the registry's group) swapping DIR/tmp for a symbolic link to a root-only
# directory of files named like gc's own: none of them is deleted.
if [ $root -eq 1 ] && command -v setpriv >/dev/null 2>&1; then
	R=$T/shared
	mkdir "$R" && chgrp nogroup "$R" && chmod 02775 "$R"
	"$N" --registry "$R" registry push "$T/a.nlp" --name spam >/dev/null
	chmod 0775 "$R/tmp"
	V=$T/rootonly
	mkdir "$V" && chmod 0700 "$V"
	i=1; while [ $i -le 50 ]; do echo "root's $i" >"$V/put-victim$i.tmp"; i=$((i + 1)); done
	old "$V"/put-victim*.tmp
	chmod 0711 "$T"
	cat >"$T/swap.sh" <<EOF
end=\$((\$(date +%s) + 6))
while [ \$(date +%s) -lt \$end ]; do
	mv -T "$R/tmp" "$R/tmp.x" 2>/dev/null && ln -s "$V" "$R/tmp" 2>/dev/null
	rm -f "$R/tmp" 2>/dev/null; mv -T "$R/tmp.x" "$R/tmp" 2>/dev/null
done
EOF
	chmod 0755 "$T/swap.sh"
	setpriv --reuid=65534 --regid=65534 --clear-groups sh "$T/swap.sh" &
	swapper=$!
	odd=0 k=0
	while kill -0 $swapper 2>/dev/null && [ $k -lt 200 ]; do
		"$N" --registry "$R" registry gc --grace 0 >/dev/null 2>"$T/gcerr"
		st=$?
		case $st in 0|5) ;; *) odd=$((odd + 1)); echo "gc exit $st: $(cat "$T/gcerr")" >&2 ;; esac
		k=$((k + 1))
	done
	wait $swapper
	check "root's gc ran $k times against the swapper, each exit 0 or 5" test $odd -eq 0
	check "all 50 root-owned files in the directory the link named survive" test "$(ls "$V" | wc -l)" -eq 50
	[ -d "$R/tmp" ] || { rm -f "$R/tmp"; mv -T "$R/tmp.x" "$R/tmp" 2>/dev/null; }
	chmod 0700 "$T"
else
	echo "SKIP: hostile_registry: not root (or no setpriv): the shared-registry tmp swap race not run" >&2
fi

# --- 3. registry.db (or its -wal) replaced by a symbolic link: refused,
# the file it points at untouched, its mode too.
R=$T/r3
"$N" --registry "$R" registry push "$T/a.nlp" --name spam >/dev/null
echo "root only" >"$T/secret" && chmod 0600 "$T/secret"
mv "$R/registry.db" "$R/registry.db.real" && ln -s ../secret "$R/registry.db"
expect_status 5 "push refuses a symlinked registry.db" "$N" --registry "$R" registry push "$T/b.nlp" --name spam
check "naming it, in one line" sh -c "grep -q \"registry.db' is a symbolic link\" '$T/err' && [ \$(wc -l <'$T/err') -eq 1 ]"
expect_status 5 "list refuses it" "$N" --registry "$R" registry list
expect_status 5 "predict refuses it" "$N" --registry "$R" predict -m spam "$T/in.txt"
check "the file it pointed at is unchanged" test "$(cat "$T/secret")" = "root only"
check "and so is its mode" test "$(stat -c %a "$T/secret")" = 600
check "no journal was made beside it" sh -c "! ls '$T'/secret-* 2>/dev/null | grep -q ."
rm "$R/registry.db" && mv "$R/registry.db.real" "$R/registry.db"
ln -s ../secret "$R/registry.db-wal"
expect_status 5 "a symlinked registry.db-wal is refused" "$N" --registry "$R" registry list
rm "$R/registry.db-wal"
ln "$R/registry.db" "$T/hardlink.db"
expect_status 5 "a registry.db with another hard link is refused" "$N" --registry "$R" registry list
rm "$T/hardlink.db"
expect_status 0 "restored, list works" "$N" --registry "$R" registry list

# --- 4. An emptied registry.db next to objects is damage, not a new
# registry: every verb refuses, nothing is renumbered or deleted.
R=$T/r4
"$N" --registry "$R" registry push "$T/a.nlp" --name spam --alias production >/dev/null 2>&1
: >"$R/registry.db"; rm -f "$R/registry.db-wal" "$R/registry.db-shm"
old "$(aobj "$R")"
expect_status 5 "list on an emptied registry.db is exit 5" "$N" --registry "$R" registry list
check "saying it is damaged, with the objects counted" grep -q "damaged: its database is empty but 1 object exists" "$T/err"
expect_status 5 "predict -m spam is exit 5" "$N" --registry "$R" predict -m spam "$T/in.txt"
expect_status 5 "push is refused" "$N" --registry "$R" registry push "$T/b.nlp" --name spam
expect_status 5 "gc refuses to run" "$N" --registry "$R" registry gc --grace 0
expect_status 5 "verify refuses to run" "$N" --registry "$R" registry verify
check "the database is still empty" test ! -s "$R/registry.db"
check "the artifact is still there" test -f "$(aobj "$R")"
rm "$R/registry.db"
expect_status 5 "registry.db missing beside objects is damage too" "$N" --registry "$R" registry list
check "it says so" grep -q "registry.db is missing but 1 object exists" "$T/err"
expect_status 5 "and push does not make a new one" "$N" --registry "$R" registry push "$T/b.nlp" --name spam
# A writer killed after its commit leaves the registry.db-wal with its
# last changes; the database then lost, restoring a backup beside that
# WAL would let SQLite apply it to the copy and damage it: refused, the
# WAL named.  Regression (fixed): "restore registry.db from a backup"
# alone, and a copy restored so was damaged beyond removing the WAL.
R=$T/r4w
"$N" --registry "$R" registry push "$T/a.nlp" --name spam >/dev/null 2>&1
cp "$R/registry.db" "$T/r4w.backup"
sqlite3 "$R/registry.db" "UPDATE models SET name = name;" ".system kill -9 \$PPID" >/dev/null 2>&1
if [ -s "$R/registry.db-wal" ]; then
	rm "$R/registry.db"
	expect_status 5 "registry.db lost beside a WAL of its last changes: refused" "$N" --registry "$R" registry list
	check "... saying to move the WAL aside before restoring ($(cat "$T/err"))" grep -q "registry.db is missing but registry.db-wal holds [0-9]* bytes of its last changes (restore registry.db from a backup, after moving registry.db-wal and registry.db-shm aside" "$T/err"
	expect_status 5 "... push does not make a database beside it" "$N" --registry "$R" registry push "$T/b.nlp" --name spam
	check "... none made" test ! -e "$R/registry.db"
	: >"$R/registry.db"
	expect_status 5 "an emptied registry.db beside such a WAL: refused too" "$N" --registry "$R" registry list
	check "... saying it is empty" grep -q "registry.db is empty but registry.db-wal holds" "$T/err"
	mv "$R/registry.db-wal" "$R/registry.db-shm" "$T/" && cp "$T/r4w.backup" "$R/registry.db"
	expect_status 0 "the backup restored with the WAL moved aside: verify is clean" "$N" --registry "$R" registry verify
else
	echo "SKIP: hostile_registry: no WAL left by a killed sqlite3" >&2
fi
R=$T/r4b
mkdir "$R" && sqlite3 "$R/registry.db" "CREATE TABLE t(x)" 2>/dev/null
if [ -s "$R/registry.db" ]; then
	expect_status 5 "a foreign SQLite file is not a registry, for reads too" "$N" --registry "$R" registry list
	check "it says so" grep -q "not an nlpops registry" "$T/err"
fi

# A registry.db of no bytes is also what a first push sees while another
# process is making the registry: it must wait its turn, not call the
# registry damaged because that push stored its object meanwhile.
# slowfs.so holds the window open: the first push sleeps 0.6 s once it
# has created registry.db, the second 1.5 s before counting the objects.

# appears FILE: wait (up to 10 s) until FILE is there
appears() {
	i=0
	while [ ! -e "$1" ] && [ $i -lt 200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
}
if [ $san -eq 0 ] && [ -e "${NLP_SLOWFS:-}" ]; then
	R=$T/r4c
	SLOWFS_CREATE=registry.db:600 LD_PRELOAD=$NLP_SLOWFS "$N" --registry "$R" registry push "$T/a.nlp" --name spam >"$T/p1.out" 2>"$T/p1.err" &
	appears "$R/registry.db"
	SLOWFS_DIR=2:1500 LD_PRELOAD=$NLP_SLOWFS "$N" --registry "$R" registry push "$T/b.nlp" --name spam >"$T/p2.out" 2>"$T/p2.err"
	st=$?
	wait $!
	st1=$?
	check "a push racing the first one to a new registry succeeds ($st, $st1: $(cat "$T/p1.err" "$T/p2.err" | head -c 300))" test "$st$st1" = 00
	check "both are versions" test "$("$N" --registry "$R" registry list spam | awk 'NR > 1 { print $1 }' | tr '\n' ' ')" = "1 2 "
	expect_status 0 "and verify finds nothing wrong" "$N" --registry "$R" registry verify
	# a reader in the same window: the schema was not there when it
	# looked, the first object was when it counted them
	R=$T/r4d
	SLOWFS_CREATE=registry.db-wal:600 LD_PRELOAD=$NLP_SLOWFS "$N" --registry "$R" registry push "$T/a.nlp" --name spam >/dev/null 2>"$T/p1.err" &
	appears "$R/registry.db-wal"
	SLOWFS_DIR=2:1500 LD_PRELOAD=$NLP_SLOWFS "$N" --registry "$R" registry list >"$T/out" 2>"$T/err"
	st=$?
	wait $!
	check "a list racing the first push reads the registry it made ($st: $(head -c 300 "$T/err"))" test $st = 0
	check "and lists the model" grep -q '^spam ' "$T/out"
fi

# An alias is never moved to a version whose artifact is gone or cut
# short (rollback and alias had done it, exit 0, and every load of
# production failed after)
R=$T/r4e
"$N" --registry "$R" registry push "$T/a.nlp" --name spam --alias production >/dev/null 2>&1
"$N" --registry "$R" registry push "$T/b.nlp" --name spam >/dev/null 2>&1
"$N" --registry "$R" registry alias spam 2 production >/dev/null 2>&1
chmod u+w "$(aobj "$R")" 2>/dev/null; rm -f "$(aobj "$R")"
expect_status 3 "rollback to a version whose artifact is gone" "$N" --registry "$R" registry rollback spam
check "... says so, and that the alias did not move" grep -q "spam@1's artifact is damaged: .*the alias was not moved" "$T/err"
expect_status 0 "... production still serves spam@2" "$N" --registry "$R" registry resolve spam
check "... spam@2" grep -q '^spam@2 ' "$T/out"
expect_status 3 "alias to it, too" "$N" --registry "$R" registry alias spam 1 staging
# nor to one whose bytes are damaged, at their size.  Regression (fixed):
# alias and rollback --to checked the size alone, moved production onto
# it, exit 0, and the next load failed (3)
R=$T/r4f
"$N" --registry "$R" registry push "$T/b.nlp" --name spam --alias production >/dev/null 2>&1
"$N" --registry "$R" registry push "$T/a.nlp" --name spam >/dev/null 2>&1
o=$(aobj "$R"); chmod u+w "$o" && printf 'XXXX' | dd of="$o" bs=1 seek=600 conv=notrunc 2>/dev/null
expect_status 3 "alias to a version whose bytes are damaged, at their size" "$N" --registry "$R" registry alias spam 2 production
check "... says so, and that the alias did not move" grep -q "spam@2's artifact is damaged: .*the alias was not moved" "$T/err"
expect_status 3 "... rollback --to it, too" "$N" --registry "$R" registry rollback spam --to 2
expect_status 0 "... production still serves spam@1" "$N" --registry "$R" registry resolve spam
check "... spam@1" grep -q '^spam@1 ' "$T/out"
# the checks of the move come first: a lost --if-current race is still
# its own status 5, an alias there already still a no-op (0), whatever
# the destination's bytes.  Regression (fixed): both were 3 once the
# destination was hashed before the lock
expect_status 5 "... --if-current not met: the race's 5, not 3" "$N" --registry "$R" registry alias spam 2 production --if-current 2
check "... saying so" grep -q "not spam@2 as expected" "$T/err"
sqlite3 "$R/registry.db" "INSERT INTO aliases (model_id, alias, version_id, updated_at) SELECT m.id, 'canary', v.id, '2026-01-01T00:00:00Z' FROM versions v JOIN models m ON m.id = v.model_id WHERE m.name = 'spam' AND v.version = 2" ||
	fail "cannot point canary at the damaged spam@2"
expect_status 0 "... an alias there already: the no-op's 0" "$N" --registry "$R" registry alias spam 2 canary

# --- 5. An index that lost an entry: verify reports it and gc deletes
# nothing (the object of a live version stays).
R=$T/r5
"$N" --registry "$R" registry push "$T/a.nlp" --name spam >/dev/null
sqlite3 "$R/registry.db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
cp "$R/registry.db" "$T/one.db"
"$N" --registry "$R" registry push "$T/b.nlp" --name spam >/dev/null
sqlite3 "$R/registry.db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
bsha=$(sha256sum "$T/b.nlp" | cut -c1-64)
bobj=$R/objects/sha256/$(echo "$bsha" | cut -c1-2)/$(echo "$bsha" | cut -c3-)
# copy the sha256 index's page from before the second push
pg=$(sqlite3 "$R/registry.db" "SELECT rootpage FROM sqlite_master WHERE name = 'sqlite_autoindex_versions_2'")
ps=$(sqlite3 "$R/registry.db" "PRAGMA page_size")
dd if="$T/one.db" of="$R/registry.db" bs="$ps" skip=$((pg - 1)) seek=$((pg - 1)) count=1 conv=notrunc 2>/dev/null
old "$bobj"
expect_status 1 "verify reports the damaged index" "$N" --registry "$R" registry verify
check "and does not call spam@2's object an orphan" sh -c "! grep -q '$bsha belongs to no version' '$T/out'"
expect_status 5 "gc --grace 0 refuses a damaged database" "$N" --registry "$R" registry gc --grace 0
check "gc says why" grep -q "the database is damaged" "$T/err"
check "spam@2's object is still there" test -f "$bobj"

# --- 9. A registry object replaced by another valid artifact: predict
# refuses it and names both hashes; eval --record records nothing.
R=$T/r9
"$N" --registry "$R" registry push "$T/a.nlp" --name spam --alias production >/dev/null 2>&1
o=$(aobj "$R")
chmod u+w "$o" && cp "$T/b.nlp" "$o" && chmod 444 "$o"
expect_status 3 "predict refuses a swapped object" "$N" --registry "$R" predict -m spam "$T/in.txt"
check "naming the SHA-256 it found and the version's" sh -c "grep -q 'damaged: its SHA-256 is $bsha, the version.s $asha' '$T/err' && [ \$(wc -l <'$T/err') -eq 1 ]"
check "and printing no prediction" test ! -s "$T/out"
# on two threads the object is hashed beside its check (load_threads.sh:
# a model large enough to be read in halves too)
expect_status 3 "predict --threads 2 refuses it too" "$N" --registry "$R" predict --threads 2 -m spam "$T/in.txt"
check "with the same message" sh -c "grep -q 'damaged: its SHA-256 is $bsha, the version.s $asha' '$T/err' && [ \$(wc -l <'$T/err') -eq 1 ]"
check "and printing no prediction" test ! -s "$T/out"
zcat "$DATA/spam.test.tsv.gz" | head -50 >"$T/test50.tsv"
expect_status 3 "eval --record refuses it" "$N" --registry "$R" eval -m spam@1 --record "$T/test50.tsv"
check "nothing was recorded" test "$(sqlite3 "$R/registry.db" 'SELECT count(*) FROM evaluations' 2>/dev/null || echo 0)" = 0
chmod u+w "$o" && cp "$T/a.nlp" "$o" && chmod 444 "$o"
expect_status 0 "restored, predict prints the hash it checked" "$N" --registry "$R" predict -m spam "$T/in.txt"
check "that hash is the artifact's" grep -q "spam@1 (sha256 $(echo "$asha" | cut -c1-12))" "$T/err"
expect_status 0 "and on two threads the same" "$N" --registry "$R" predict --threads 2 -m spam "$T/in.txt"
check "the same hash" grep -q "spam@1 (sha256 $(echo "$asha" | cut -c1-12))" "$T/err"

# --- 12. A full disk: reads keep working (a tmpfs in a private mount
# namespace, filled after the push; the WAL index cannot be made).
if [ $root -eq 1 ] && unshare -m true 2>/dev/null; then
	cat >"$T/full.sh" <<EOF
mount -t tmpfs -o size=2m tmpfs "$T/mnt" || exit 9
"$N" --registry "$T/mnt/r" registry push "$T/a.nlp" --name spam --alias production >/dev/null 2>&1 || exit 8
dd if=/dev/zero of="$T/mnt/fill" bs=4k 2>/dev/null
"$N" --registry "$T/mnt/r" registry list >"$T/full.list" 2>&1 || exit 1
"$N" --registry "$T/mnt/r" predict -q -m spam "$T/in.txt" >"$T/full.pred" 2>&1 || exit 2
"$N" --registry "$T/mnt/r" registry show spam >/dev/null 2>&1 || exit 3
"$N" --registry "$T/mnt/r" registry verify >/dev/null 2>&1 || exit 4
"$N" --registry "$T/mnt/r" registry pull spam -o "$T/full.pulled" >/dev/null 2>&1 || exit 5
exit 0
EOF
	mkdir "$T/mnt"
	expect_status 0 "list, predict, show, verify and pull work on a full disk" unshare -m sh "$T/full.sh"
	check "pull copied the artifact out" cmp -s "$T/full.pulled" "$T/a.nlp"
	check "predict scored both lines" test "$(wc -l <"$T/full.pred")" -eq 2
else
	echo "SKIP: hostile_registry: not root (no private mount namespace): reads on a full disk not tested" >&2
fi

# --- 17. A result that cannot be printed: the change is not made (stdout
# closed, a full device, a pipe nobody reads), so a retry cannot repeat it.
R=$T/r17
"$N" --registry "$R" registry push "$T/a.nlp" --name spam --alias production >/dev/null 2>&1
"$N" --registry "$R" registry push "$T/b.nlp" --name spam >/dev/null
"$N" --registry "$R" registry alias spam 2 production >/dev/null
expect_status 4 "rollback with stdout closed is exit 4" sh -c "'$N' --registry '$R' registry rollback spam >&-"
expect_status 4 "rollback to /dev/full is exit 4" sh -c "'$N' --registry '$R' registry rollback spam >/dev/full"
check "saying nothing was changed" grep -q "nothing was changed" "$T/err"
# (the command starts once the reader has closed its end: on a busy
# machine it could otherwise write into the pipe's buffer first)
rm -f "$T/closed"
sh -c "trap '' PIPE; { while [ ! -e '$T/closed' ]; do sleep 0.05; done; '$N' --registry '$R' registry alias spam 1 staging 2>'$T/perr'; echo \$? >'$T/pst'; } | (exec 0<&-; : >'$T/closed'; sleep 1)"
check "alias to a pipe nobody reads is exit 4" test "$(cat "$T/pst")" = 4
check "saying the pipe is broken and nothing changed" grep -q "nothing was changed: Broken pipe" "$T/perr"
expect_status 0 "production is still spam@2, staging absent" "$N" --registry "$R" registry show spam@production
check "production is spam@2" grep -q "^model: *spam@2" "$T/out"
check "no staging alias" sh -c "! grep -q staging '$T/out'"
check "the history has no rollback" sh -c "! '$N' --registry '$R' registry history spam | grep -q rollback"
expect_status 4 "push with stdout closed adds no version" sh -c "'$N' --registry '$R' registry push '$T/a.nlp' --name other >&-"
check "no model 'other'" sh -c "! '$N' --registry '$R' registry list | grep -q '^other '"
expect_status 0 "one rollback then" "$N" --registry "$R" registry rollback spam
check "prints the move" grep -qx "production: spam@2 -> spam@1" "$T/out"

# --- 18. Exit statuses: a registry the user cannot read is an I/O error
# (4), not "no registry"; verify on a malformed database is damage (1).
R=$T/r18
"$N" --registry "$R" registry push "$T/a.nlp" --name spam >/dev/null
if [ $root -eq 1 ] && command -v setpriv >/dev/null 2>&1; then
	mkdir "$T/pub" && cp "$N" "$T/pub/nlpops" && chmod 0755 "$T/pub" "$T/pub/nlpops" && chmod 0711 "$T"
	chmod 000 "$R"
	expect_status 4 "another user on a registry directory of mode 000: exit 4" setpriv --reuid=65534 --regid=65534 --clear-groups "$T/pub/nlpops" --registry "$R" registry list
	check "permission denied, not 'no registry'" grep -q "Permission denied" "$T/err"
	chmod 755 "$R"
	# the database alone unreadable: SQLite's words and the reason.
	# Regression (fixed): 'unable to open database file' alone
	chmod 600 "$R/registry.db"
	expect_status 4 "another user on a registry.db of mode 600: exit 4" setpriv --reuid=65534 --regid=65534 --clear-groups "$T/pub/nlpops" --registry "$R" registry list
	check "... says Permission denied ($(cat "$T/err"))" grep -q "unable to open database file (registry.db: Permission denied)" "$T/err"
	chmod 644 "$R/registry.db"
	chmod 0700 "$T"
else
	echo "SKIP: hostile_registry: not root (or no setpriv): the unreadable registry is not tested" >&2
fi
sqlite3 "$R/registry.db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
head -c 4096 /dev/zero | tr '\0' X | dd of="$R/registry.db" bs=4096 seek=2 count=1 conv=notrunc 2>/dev/null
expect_status 1 "verify on a malformed database is exit 1" "$N" --registry "$R" registry verify
check "reporting it as a problem" grep -q "^problem: database: " "$T/out"
# Regression (fixed): SQLite's report of a damaged page is two lines
# ("*** in database main ***", "Page 3: ..."): the second was printed as
# a line of no kind.  Expected: one line a problem.
check "... one line each: a problem, a note or the count ($(head -c 300 "$T/out"))" sh -c "! grep -v -e '^problem: ' -e '^note: ' -e ' checked, [0-9]* problems*, [0-9]* notes*\$' '$T/out'"
check "... SQLite's report of the page among them" grep -q "^problem: database: .*Page 3: " "$T/out"
dd if=/dev/urandom of="$R/registry.db" bs=16 count=1 conv=notrunc 2>/dev/null
expect_status 1 "verify on a file that is no database is exit 1" "$N" --registry "$R" registry verify
expect_status 5 "list on it is exit 5" "$N" --registry "$R" registry list

# --- 18, 19. Pushes of artifacts the commands could not use: refused (3).
"$FORGE" --cat "$T/a.nlp" meta.json | /usr/bin/python3 -c 'import json,sys; m=json.load(sys.stdin); m["hyperparameters"]=[1,2]; print(json.dumps(m))' >"$T/m1.json"
"$FORGE" "$T/a.nlp" "$T/hyper.nlp" meta.json="$T/m1.json"
R=$T/r19
expect_status 3 "push of meta.json with hyperparameters not an object: exit 3" "$N" --registry "$R" registry push "$T/hyper.nlp" --name spam
check "naming the member and field" grep -q "meta.json': field 'hyperparameters' is not an object" "$T/err"
printf 'not weights' >"$T/w.bin"
"$FORGE" "$T/a.nlp" "$T/noweights.nlp" weights="$T/w.bin"
expect_status 3 "push of an artifact without valid weights: exit 3" "$N" --registry "$R" registry push "$T/noweights.nlp" --name spam
check "naming the weights" grep -q "weights" "$T/err"
"$FORGE" "$T/a.nlp" "$T/nometa.nlp" -meta.json
expect_status 3 "push of an artifact without meta.json: exit 3" "$N" --registry "$R" registry push "$T/nometa.nlp" --name spam
check "none of them made a registry" test ! -e "$R/registry.db"
expect_status 3 "push /dev/zero is refused at once" timeout 20 "$N" --registry "$R" registry push /dev/zero --name spam
check "as not an artifact" grep -q "not an nlpops artifact" "$T/err"
if [ $san -eq 0 ]; then
	head -c 200000000 /dev/urandom >"$T/random.bin"
	expect_status 3 "push of 200 MB of random bytes is refused in 150 MB of memory" sh -c "ulimit -v 150000; exec '$N' --registry '$R' registry push '$T/random.bin' --name spam"
	rm -f "$T/random.bin"
fi

# --- 16. Forged history lines: a reason with a newline is refused; one
# already in a database (an older nlpops wrote it) is shown escaped.
R=$T/r16
"$N" --registry "$R" registry push "$T/a.nlp" --name spam >/dev/null
expect_status 2 "a reason with a newline is refused" "$N" --registry "$R" registry alias spam 1 production --reason "ok
2026-01-01T00:00:00Z  admin            alias-move production: spam@9 -> spam@1"
expect_status 2 "a description with an escape is refused" "$N" --registry "$R" registry push "$T/b.nlp" --name spam --description "$(printf 'x\033[2Jy')"
sqlite3 "$R/registry.db" "INSERT INTO events (at, who, model, kind, alias, old_version, new_version, reason) VALUES ('2026-01-01T00:00:00Z', 'x', 'spam', 'alias-set', 'staging', NULL, 1, 'line one' || char(10) || 'fake line' || char(27) || '[31m')" 2>/dev/null
expect_status 0 "history of a row with control characters" "$N" --registry "$R" registry history spam
check "prints one line per event" test "$(wc -l <"$T/out")" -eq 2
check "with the newline and the escape shown escaped" grep -q 'line one\\x0afake line\\x1b\[31m' "$T/out"
check "no raw escape reaches the output" sh -c "! grep -q \"$(printf '\033')\" '$T/out'"

# --- 21 (the registry's part). A failed allocation during a push is exit
# 4 and changes nothing: never "not a JSON object" (3), never a constraint
# (5), never a crash; verify stays clean.  Every 16th allocation (make
# stress: every one), from the seed's offset.
if [ $san -eq 0 ] && [ -e "${NLP_FAILMALLOC:-}" ]; then
	seed=${HOSTILE_REGISTRY_SEED:-1}
	[ "$seed" = random ] && seed=$(( $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 8 + 1 ))
	echo "hostile_registry: allocation sweep of push, seed $seed" >&2
	R=$T/r21
	"$N" --registry "$R" registry push "$T/a.nlp" --name spam >/dev/null
	FAILMALLOC_COUNT=$T/count LD_PRELOAD=$NLP_FAILMALLOC "$N" --registry "$R" registry push "$T/b.nlp" --name spam >/dev/null 2>&1
	"$N" --registry "$R" registry rm spam@2 >/dev/null
	total=$(cat "$T/count")
	bad=0 k=$seed
	while [ $k -le "$total" ]; do
		FAILMALLOC_N=$k LD_PRELOAD=$NLP_FAILMALLOC "$N" --registry "$R" registry push "$T/b.nlp" --name other >"$T/fm.out" 2>"$T/fm.err"
		st=$?
		case $st in
		0) "$N" --registry "$R" registry rm "$(cut -d' ' -f1 "$T/fm.out")" >/dev/null 2>&1 ;;
		4) grep -q "out of memory\|Cannot allocate\|a library ended" "$T/fm.err" || { bad=$((bad + 1)); echo "push, allocation $k: exit 4: $(head -c 200 "$T/fm.err")" >&2; } ;;
		*) bad=$((bad + 1)); echo "push, allocation $k: exit $st: $(head -c 200 "$T/fm.err")" >&2 ;;
		esac
		k=$((k + ${HOSTILE_REGISTRY_STEP:-16}))   # make stress: 1
	done
	check "push with one of its $total allocations failed: exit 4 or 0, nothing else" test $bad -eq 0
	expect_status 0 "and verify is clean after the sweep" "$N" --registry "$R" registry verify
fi

# --- bundles: hostile ones are refused (exit 3) with nothing changed;
# remade with SHA256SUMS recomputed, so that the check that refuses each is
# the one named.  Then a sweep of import's failed allocations: exit 4 or
# 0, never 3 or 5, and a failed import leaves the registry as it was
# (every 256th allocation; make stress: every 32nd).
B=$T/bundles
R=$T/r30
mkdir -p "$B"
"$N" --registry "$R" registry push "$T/a.nlp" --name spam --alias production >/dev/null 2>&1
"$N" --registry "$R" registry push "$T/b.nlp" --name spam >/dev/null 2>&1
"$N" --registry "$R" registry export spam -o "$B/good.tar" >/dev/null 2>&1 || fail "bundles: export"
/usr/bin/python3 - "$B" <<'PY' || fail "bundles: cannot make the hostile bundles"
import hashlib, io, json, sys, tarfile
d = sys.argv[1]
src = tarfile.open(d + "/good.tar")
members = [(m.name, src.extractfile(m).read()) for m in src.getmembers()]
doc = json.loads(members[0][1])
def write(name, members, sums=True, extra=()):
    if sums:
        text = "".join("%s  %s\n" % (hashlib.sha256(b).hexdigest(), n)
                       for n, b in members if n != "SHA256SUMS")
        members = [m for m in members if m[0] != "SHA256SUMS"] + \
            [("SHA256SUMS", text.encode())]
    with tarfile.open(d + "/" + name, "w", format=tarfile.USTAR_FORMAT) as t:
        for n, b in list(members) + list(extra):
            i = tarfile.TarInfo(n); i.size = len(b)
            t.addfile(i, io.BytesIO(b))
def with_doc(f):
    dd = json.loads(members[0][1]); f(dd)
    return [("bundle.json", json.dumps(dd).encode())] + members[1:]
objs = [m for m in members if m[0].startswith("objects/")]
write("objects-first.tar", objs + [members[0]])
write("traversal.tar", members, extra=[("../evil", b"x")])
write("newer.tar", with_doc(lambda d: d.update(version=2)))
write("dupkey.tar", [("bundle.json", members[0][1].replace(b'"format"', b'"models": [], "format"', 1))] + members[1:])
write("kind.tar", with_doc(lambda d: d["models"][0]["events"][0].update(kind="steal")))
write("size.tar", with_doc(lambda d: d["models"][0]["versions"][0].update(size=1)))
def better(d):
    v = d["models"][0]["versions"][0]
    v["metrics"]["macro_f1"] = 0.9999
write("metrics.tar", with_doc(better))
write("hyper.tar", with_doc(lambda d: d["models"][0]["versions"][0]["hyperparameters"].update(epochs=99)))
write("nosums.tar", members[:-1], sums=False)
write("notartifact.tar", with_doc(lambda d: None)[:1] + [(n, b"x" * len(b)) for n, b in objs])
junk = b"not an artifact"
def swap(d):
    v = d["models"][0]["versions"][0]
    v["sha256"], v["size"] = hashlib.sha256(junk).hexdigest(), len(junk)
write("junk.tar", [m for m in with_doc(swap) if m[0] != objs[0][0]] +
    [("objects/" + hashlib.sha256(junk).hexdigest(), junk)])
# Regression (fixed): times that are not times, and evaluations whose
# figures are not numbers, were imported, and show printed 0.0000 for
# them.  Expected: refused, as any other field of the wrong shape.
write("time.tar", with_doc(lambda d: d["models"][0]["versions"][0].update(created_at="not a time")))
write("eventtime.tar", with_doc(lambda d: d["models"][0]["events"][0].update(at="yesterday")))
ev = {"at": "2026-11-22T03:04:05Z", "who": "x", "data": [], "metrics": {"accuracy": 0.9, "n": 10}}
def add_eval(**kw):
    def f(d):
        e = dict(ev); e.update(kw)
        d["models"][0]["versions"][0]["evaluations"].append(e)
    return f
write("evalfig.tar", with_doc(add_eval(metrics={"accuracy": "NaN", "n": 10})))
write("evaln.tar", with_doc(add_eval(metrics={"accuracy": 0.9, "n": -1})))
write("evalclass.tar", with_doc(add_eval(metrics={"per_class_f1": {"ham": "high"}})))
write("evaldata.tar", with_doc(add_eval(data=[1, 2])))
write("evalat.tar", with_doc(add_eval(at="now")))
write("evalok.tar", with_doc(add_eval()))
# as eval --record wrote a name that is not clean UTF-8 before dd25386:
# kept as it was, or left out
write("evalold.tar", with_doc(add_eval(data=[{"sha256": "a" * 64, "bytes": 5},
    {"name": "te\tst", "sha256": "b" * 64, "bytes": 1}])))
# Regression (fixed 2026-12-07): what push and alias refuse, import let in:
# a day that is no day, an alias twice or twice but for case, two models
# but for case, a name a reference reads as a file.
write("month13.tar", with_doc(lambda d: d["models"][0]["versions"][0].update(created_at="2026-13-07T05:05:39Z")))
write("feb29.tar", with_doc(lambda d: d["models"][0]["versions"][0].update(created_at="2025-02-29T05:05:39Z")))
def alias_twice(name):
    def f(d):
        a = dict(d["models"][0]["aliases"][0]); a["alias"] = name
        d["models"][0]["aliases"].append(a)
    return f
write("aliasdup.tar", with_doc(alias_twice("production")))
write("aliascase.tar", with_doc(alias_twice("PRODUCTION")))
def model_twice(d):
    m = json.loads(json.dumps(d["models"][0])); m["name"] = "SPAM"
    for ev in m["events"]:
        ev["model"] = "SPAM" if "model" in ev else None
        if ev["model"] is None: del ev["model"]
    d["models"].append(m)
write("namecase.tar", with_doc(model_twice))
def file_name(d):
    d["models"][0]["name"] = "x.nlp"
write("namefile.tar", with_doc(file_name))
# an alias row its own log contradicts: rollback then replayed moves the
# alias never made
def other_version(d):
    a = d["models"][0]["aliases"][0]
    a["version"] = 2 if a["version"] == 1 else 1
write("aliaslog.tar", with_doc(other_version))
PY
"$N" --registry "$R" registry history spam >"$T/h30"
for f in objects-first traversal newer dupkey kind size metrics hyper nosums notartifact junk \
    time eventtime evalfig evaln evalclass evaldata evalat month13 feb29 aliasdup aliascase namecase namefile aliaslog; do
	[ -e "$B/$f.tar" ] || { fail "bundles: $f.tar was not made"; continue; }
	expect_status 3 "bundles: $f.tar is refused" "$N" --registry "$R" registry import "$B/$f.tar"
	check "bundles: $f.tar: one line ($(head -c 200 "$T/err"))" one_line "$T/err"
	expect_status 3 "bundles: $f.tar into a new registry" "$N" --registry "$T/r31" registry import "$B/$f.tar"
done
check "bundles: nothing escaped the bundle" test ! -e "$T/evil"
"$N" --registry "$R" registry history spam >"$T/h31"
check "bundles: the registry is as it was" cmp -s "$T/h30" "$T/h31"
check "bundles: nothing in the new one" sh -c "! '$N' --registry '$T/r31' registry list | grep -q spam"
check "bundles: not even an empty registry made for them" test ! -e "$T/r31"
expect_status 0 "bundles: an evaluation of the right shape is imported" "$N" --registry "$T/r35" registry import "$B/evalok.tar"
expect_status 0 "bundles: ... and one an older nlpops recorded, its files' names not clean" "$N" --registry "$T/r36" registry import "$B/evalold.tar"
# A FILE that cannot be read twice (import checks it, then stores it) is
# refused at once, exit 2 as '-' is, before the registry is opened,
# locked or made.  Regression (fixed): a FIFO's second reading waited
# forever inside the write transaction, every other writer then exit 75;
# a pipe as /dev/stdin was called a bad bundle (exit 3) and left an empty
# registry.db in a new directory; a directory was exit 4.
mkfifo "$T/bundle.fifo"
cat "$B/good.tar" >"$T/bundle.fifo" &
writer=$!
expect_status 2 "import FIFO is refused" timeout -s KILL 20 "$N" --registry "$R" registry import "$T/bundle.fifo"
check "... saying it reads a regular file, read twice, naming it" grep -q "import reads a regular file (it is read twice), not '$T/bundle.fifo' (a pipe or FIFO)" "$T/err"
check "... in one line" one_line "$T/err"
kill $writer 2>/dev/null; wait $writer 2>/dev/null
expect_status 0 "... and the registry is free for a writer" "$N" --registry "$R" registry alias spam 2 staging
"$N" --registry "$R" registry alias --delete spam staging >/dev/null 2>&1
expect_status 2 "import FIFO into a new registry" timeout -s KILL 20 "$N" --registry "$T/r34" registry import "$T/bundle.fifo"
check "... makes no registry" test ! -e "$T/r34"
expect_status 2 "import /dev/stdin from a pipe" sh -c "cat '$B/good.tar' | '$N' --registry '$T/r34' registry import /dev/stdin"
check "... says it is a pipe" grep -q "not '/dev/stdin' (a pipe or FIFO)" "$T/err"
check "... makes no registry" test ! -e "$T/r34"
expect_status 2 "import DIRECTORY" "$N" --registry "$T/r34" registry import "$B"
check "... says it is a directory" grep -q "import reads a regular file (it is read twice), not '$B' (a directory)" "$T/err"
check "... makes no registry" test ! -e "$T/r34"
expect_status 0 "import /dev/stdin from a regular file (followed: it is one)" sh -c "'$N' --registry '$T/r34' registry import /dev/stdin <'$B/good.tar'"
ln -s good.tar "$B/link.tar"
expect_status 0 "import a symbolic link to a bundle" "$N" --registry "$T/r34" registry import "$B/link.tar"
check "... reads the bundle" grep -q "already there" "$T/out"
if [ $san -eq 0 ] && [ -e "${NLP_FAILMALLOC:-}" ]; then
	FAILMALLOC_COUNT=$T/count2 LD_PRELOAD=$NLP_FAILMALLOC "$N" --registry "$T/r32" registry import "$B/good.tar" >/dev/null 2>&1
	total=$(cat "$T/count2")
	bad=0 k=${HOSTILE_REGISTRY_SEED:-1}
	[ "$k" = random ] && k=1
	while [ $k -le "$total" ]; do
		rm -rf "$T/r33"
		FAILMALLOC_N=$k LD_PRELOAD=$NLP_FAILMALLOC "$N" --registry "$T/r33" registry import "$B/good.tar" >/dev/null 2>"$T/fm.err"
		st=$?
		case $st in
		0) ;;
		4) grep -q "out of memory\|Cannot allocate\|a library ended" "$T/fm.err" || { bad=$((bad + 1)); echo "import, allocation $k: exit 4: $(head -c 200 "$T/fm.err")" >&2; }
		   "$N" --registry "$T/r33" registry list 2>/dev/null | grep -q spam && { bad=$((bad + 1)); echo "import, allocation $k: failed, but changed the registry" >&2; } ;;
		*) bad=$((bad + 1)); echo "import, allocation $k: exit $st: $(head -c 200 "$T/fm.err")" >&2 ;;
		esac
		k=$((k + ${HOSTILE_REGISTRY_STEP:-16} * 32))   # make stress: every 32nd
	done
	check "import with one of its $total allocations failed: exit 4 or 0, and a failure changes nothing" test $bad -eq 0
fi

# --- Regressions (fixed 2026-12-07) ---------------------------------------
# A registry reached through a symbolic link (/var/lib/nlpops -> /data/...,
# a home directory that is a link) could not be opened at all: SQLite's
# NOFOLLOW refuses a link anywhere in the path.  Only registry.db's own
# link is meant to be refused.
R=$T/r40
"$N" --registry "$R" registry push "$T/a.nlp" --name spam >/dev/null 2>&1
ln -s "$R" "$T/r40link"
expect_status 0 "a registry reached through a symbolic link" "$N" --registry "$T/r40link" registry list
check "lists its model" grep -q '^spam ' "$T/out"
expect_status 0 "and verify finds it sound" "$N" --registry "$T/r40link" registry verify
mkdir "$T/parent"
ln -s "$T/parent" "$T/plink"
expect_status 0 "a new registry under a linked directory" "$N" --registry "$T/plink/new" registry push "$T/a.nlp" --name spam
check "is made there" test -f "$T/parent/new/registry.db"
mkdir -p "$T/r41"
cp -R "$R/objects" "$R/tmp" "$T/r41/" 2>/dev/null
ln -s "$R/registry.db" "$T/r41/registry.db"
expect_status 5 "a registry.db that is a link is still refused" "$N" --registry "$T/r41" registry list
check "and says so" grep -q "registry.db' is a symbolic link" "$T/err"
# A bundle whose version numbers reach 2147483647: the next push made
# spam@2147483648, which no reference can name (nor rm remove).
R=$T/r42
"$N" --registry "$R" registry push "$T/a.nlp" --name spam >/dev/null 2>&1
"$N" --registry "$R" registry export spam -o "$T/vmax.tar" >/dev/null 2>&1
/usr/bin/python3 - "$T/vmax.tar" <<'PY' || fail "cannot make the bundle of version 2147483647"
import hashlib, io, json, sys, tarfile
src = tarfile.open(sys.argv[1])
ms = [(m.name, src.extractfile(m).read()) for m in src.getmembers()]
d = json.loads(ms[0][1])
d["models"][0]["versions"][0]["version"] = 2147483647
d["models"][0]["events"] = []
d["models"][0]["aliases"] = []
ms[0] = ("bundle.json", json.dumps(d).encode())
ms = [m for m in ms if m[0] != "SHA256SUMS"]
ms.append(("SHA256SUMS", "".join("%s  %s\n" % (hashlib.sha256(b).hexdigest(), n) for n, b in ms).encode()))
with tarfile.open(sys.argv[1] + ".max", "w", format=tarfile.USTAR_FORMAT) as t:
    for n, b in ms:
        i = tarfile.TarInfo(n); i.size = len(b); t.addfile(i, io.BytesIO(b))
PY
expect_status 0 "a bundle of spam@2147483647 imports" "$N" --registry "$T/r43" registry import "$T/vmax.tar.max"
expect_status 5 "the next push has no number left" "$N" --registry "$T/r43" registry push "$T/b.nlp" --name spam
check "and says so" grep -q "spam has used every version number up to 2147483647" "$T/err"
# An alias that differs from one the model has here only in case: import
# made both ('PROD=2,prod=1')
R=$T/r44
"$N" --registry "$R" registry push "$T/a.nlp" --name spam --alias prod >/dev/null 2>&1
"$N" --registry "$T/r45" registry push "$T/a.nlp" --name spam --alias PROD >/dev/null 2>&1
"$N" --registry "$T/r45" registry export spam -o "$T/prod.tar" >/dev/null 2>&1
expect_status 5 "import of alias 'PROD' where the model has 'prod'" "$N" --registry "$R" registry import "$T/prod.tar"
check "says which, and that nothing changed" grep -q "the bundle's alias 'PROD' of 'spam' differs from the registry's 'prod' only in case; nothing changed" "$T/err"
# registry init on a database whose pages are damaged said it was fine
# (exit 0) while every write then failed
R=$T/r46
for m in a b; do "$N" --registry "$R" registry push "$T/$m.nlp" --name "spam$m" >/dev/null 2>&1; done
expect_status 0 "init of a sound registry" "$N" --registry "$R" registry init
dd if=/dev/urandom of="$R/registry.db" bs=4096 seek=2 count=1 conv=notrunc 2>/dev/null
expect_status 5 "init of a registry whose database is damaged" "$N" --registry "$R" registry init
check "says so in one line, and points at verify" sh -c "one_line() { [ \"\$(wc -l <\"\$1\")\" -eq 1 ]; }; one_line '$T/err' && grep -q \"its database is damaged (.*): see 'nlpops registry verify'\" '$T/err'"
