# hostile_table.sh - a table of hostile inputs, row by row: every field of
# the weights header and every member of the artifact forged (tests/tools/
# forge.c writes a valid manifest around the bytes, so each reaches the
# code that reads it), every kind of output path, every registry file
# replaced by something else.  Each row runs nlpops and must end with an
# allowed exit status, one line on stderr when it fails, no hang (20 s),
# and at most 512 MB resident (the plain build, which make check runs).
# HOSTILE_TABLE=FILE writes the table (row, exit, peak memory, message)
# to FILE for tests/RELIABILITY.md.
. "$TOP/tests/e2e/lib.sh"

N=$NLPOPS
FORGE=${NLP_FORGE:-$TOP/obj/tools/forge}
case $N in */obj-san/nlpops) san=1 ;; *) san=0 ;; esac
# the plain build in make check (the sanitizers see the same readers in
# the fuzz replay); HOSTILE_TABLE_SAN=1 runs the artifact rows under them
[ $san -eq 1 ] && [ "${HOSTILE_TABLE_SAN:-0}" != 1 ] && exit 0
root=0; [ "$(id -u)" -eq 0 ] && root=1
cd "$T" || exit 4
TABLE=$T/table.md
printf '| input | command | exit | peak MB | stderr |\n| --- | --- | ---: | ---: | --- |\n' >"$TABLE"
zcat "$DATA/spam.train.tsv.gz" | head -400 >train.tsv
zcat "$DATA/spam.test.tsv.gz" | cut -f2 | head -100 >test.txt
"$N" train -q --epochs 2 --bits 12 -o m.nlp train.tsv
"$N" train -q --epochs 3 --bits 12 -o b.nlp train.tsv
"$N" predict -q -m m.nlp test.txt >want.tsv
"$FORGE" --cat m.nlp weights >w.bin

# try INPUT ALLOWED CMD...: run CMD (20 s at most), its exit status one of
# ALLOWED (a list), one line on stderr unless it is 0 (or 1, drift's
# verdict); a row of the table
try() {
	input=$1 allowed=$2; shift 2
	if [ -x /usr/bin/time ]; then
		timeout 20 /usr/bin/time -f %M -o mem "$@" >out 2>err
	else
		timeout 20 "$@" >out 2>err; echo 0 >mem
	fi
	st=$?
	# the peak, the last line of mem (a shell read: this runs 400 times)
	kb=0
	[ -f mem ] && while read -r line; do kb=$line; done <mem
	case $kb in ''|*[!0-9]*) kb=0 ;; esac
	mb=$((kb / 1024))
	cmd="$*"
	if [ -n "${HOSTILE_TABLE:-}" ]; then
		msg=$(grep -v '^Command exited with non-zero status\|: warning: ' err | head -1 | sed "s|$T/||g" | cut -c1-90 | sed 's/|/\\|/g')
		cmd=$(echo "$*" | sed "s|$N|nlpops|; s|$T/||g" | cut -c1-60)
		printf '| %s | `%s` | %s | %s | %s |\n' "$input" "$cmd" "$st" "$mb" "$msg" >>"$TABLE"
	fi
	case " $allowed " in
	*" $st "*) pass ;;
	*) fail "$input: $cmd: exit $st, want one of $allowed: $(head -c 200 err)"; return ;;
	esac
	if [ "$st" -ne 0 ] && [ "$st" -ne 1 ]; then
		lines=$(grep -vc '^Command exited with non-zero status\|: warning: ' err)
		[ "$lines" -eq 1 ] && pass || fail "$input: $cmd: $lines lines on stderr: $(head -c 200 err)"
	fi
	if [ $san -eq 0 ] && [ "$mb" -gt 512 ]; then
		fail "$input: $cmd: $mb MB resident"
	fi
}

# ---- the weights header, field by field: 0, all ones, one more ----
# (offset:size:name; the manifest made right around each)
patch() { # patch OFFSET BYTES-AS-PRINTF OUT
	cp w.bin "$3"
	printf "$2" | dd of="$3" bs=1 seek="$1" conv=notrunc 2>/dev/null
}
for f in 0:magic 8:version 12:header-size 16:value-type 20:classes 24:rows \
    28:table-capacity 32:hash-bits 36:word-ngrams 40:char-min 44:char-max \
    48:hash-seed 56:label-bytes 60:output 64:labels-offset 72:table-offset \
    80:idf-offset 88:bias-offset 96:weights-offset 104:scales-offset \
    112:documents 120:zero; do
	off=${f%%:*} name=${f#*:}
	for v in zero ones; do
		[ $v = zero ] && bytes='\000\000\000\000' || bytes='\377\377\377\377'
		patch "$off" "$bytes" w2.bin
		"$FORGE" m.nlp bad.nlp weights=w2.bin || fail "forge $name"
		# the seed is any number: a model all the same (other buckets)
		try "weights: $name = $v" "0 3" "$N" predict -q -m bad.nlp test.txt
	done
done
# a label with a newline and one with an escape, in a header made right
"$FORGE" --cat m.nlp weights | sed 's/ham/h\nm/' >w3.bin 2>/dev/null
"$FORGE" m.nlp bad.nlp weights=w3.bin && try "weights: a label with a newline" "3" "$N" predict -q -m bad.nlp test.txt
head -c 200 w.bin >w4.bin
"$FORGE" m.nlp bad.nlp weights=w4.bin && try "weights: the header cut short" "3" "$N" predict -q -m bad.nlp test.txt

# ---- each member: removed, empty, cut in half, random bytes ----
: >empty
R=$T/reg
for mem in $("$FORGE" --list m.nlp); do
	[ "$mem" = manifest ] && continue   # forge writes it: below
	"$FORGE" --cat m.nlp "$mem" >orig
	size=$(wc -c <orig)
	head -c $((size / 2)) orig >half
	head -c "$size" /dev/urandom >random
	for kind in removed empty half random; do
		case $kind in
		removed) "$FORGE" m.nlp bad.nlp "-$mem" 2>/dev/null ;;
		empty) "$FORGE" m.nlp bad.nlp "$mem=empty" 2>/dev/null ;;
		*) "$FORGE" m.nlp bad.nlp "$mem=$kind" 2>/dev/null ;;
		esac || { echo "SKIP: hostile_table: forge cannot make $mem $kind" >&2; continue; }
		try "member $mem: $kind" "0 3" "$N" predict -q -m bad.nlp test.txt
		[ $san -eq 1 ] && continue   # the readers above are the point
		try "member $mem: $kind" "0 1 3" "$N" drift -q -m bad.nlp test.txt
		rm -rf "$R"
		try "member $mem: $kind" "0 3" "$N" --registry "$R" registry push --name x bad.nlp
	done
done
"$FORGE" m.nlp bad.nlp extra=empty && try "an unknown member added" "0 3" "$N" predict -q -m bad.nlp test.txt
# the manifest itself (forge always writes a right one): removed, its
# first line, a checksum, a member it names missing, a size
for kind in removed version checksum missing size; do
	/usr/bin/python3 - m.nlp bad.nlp "$kind" <<'PY'
import io, sys, tarfile
src, dst, kind = sys.argv[1:]
with tarfile.open(src) as t:
    ms = [(i, t.extractfile(i).read()) for i in t.getmembers()]
out = []
for i, data in ms:
    if i.name == "manifest":
        if kind == "removed":
            continue
        lines = data.decode().split("\n")
        if kind == "version":
            lines[0] = "nlpops-artifact 9"
        elif kind == "checksum":
            lines[1] = ("0" * 32) + lines[1][32:]
        elif kind == "missing":
            lines.insert(2, "0" * 32 + " 5 nothere")
        elif kind == "size":
            h, n, name = lines[1].split(" ")
            lines[1] = " ".join([h, str(int(n) + 1), name])
        data = "\n".join(lines).encode()
        i.size = len(data)
    out.append((i, data))
with tarfile.open(dst, "w", format=tarfile.USTAR_FORMAT) as t:
    for i, data in out:
        t.addfile(i, io.BytesIO(data))
PY
	try "member manifest: $kind" "3" "$N" predict -q -m bad.nlp test.txt
	rm -rf "$R"
	try "member manifest: $kind" "3" "$N" --registry "$R" registry push --name x bad.nlp
done

# the output paths and the registry's files: the plain build (their code
# is the same under the sanitizers; the artifact rows above are the
# parsers')
if [ $san -eq 1 ]; then
	exit 0
fi

# ---- output paths of every kind ----
mkdir -p out-kinds && cd out-kinds || exit 4
"$N" --registry "$R" registry push --name spam ../m.nlp >/dev/null 2>&1
"$N" --registry reg2 registry push --name spam ../m.nlp >/dev/null 2>&1
for kind in regular absent symlink dangling directory fifo device under-a-file; do
	for c in predict train drift pull export; do
		o=o-$c-$kind
		rm -rf "$o" target-$c
		case $kind in
		regular) echo old >"$o" ;;
		absent) ;;
		symlink) echo old >target-$c; ln -s target-$c "$o" ;;
		dangling) ln -s /nonexistent/target "$o" ;;
		directory) mkdir "$o" ;;
		fifo) mkfifo "$o"; (cat "$o" >fifo-got-$c &) ;;
		device) [ $root -eq 1 ] && mknod "$o" c 1 3 2>/dev/null || continue ;;
		under-a-file) : >afile; o=afile/x ;;
		esac
		case $kind in
		regular|absent|symlink|fifo|device) ok=0 ;;
		*) ok=4 ;;
		esac
		case $c in
		predict) try "-o $kind" $ok "$N" predict -q -m ../m.nlp -o "$o" ../test.txt ;;
		train) try "-o $kind" $ok "$N" train -q --epochs 1 --bits 10 -o "$o" ../train.tsv ;;
		drift) try "--prom $kind" "$ok $([ $ok = 0 ] && echo 1)" "$N" drift -q -m ../m.nlp --prom "$o" ../test.txt ;;
		pull) try "-o $kind" $ok "$N" --registry reg2 registry pull spam@1 -o "$o" ;;
		export) try "-o $kind" $ok "$N" --registry reg2 registry export spam -o "$o" ;;
		esac
		case $kind in
		directory) check "$c -o a directory: still a directory" test -d "$o" ;;
		dangling) check "$c -o a dangling link: still dangling" sh -c "test -L '$o' && test ! -e '$o'" ;;
		symlink) check "$c -o a symbolic link: still a link" test -L "$o" ;;
		device) check "$c -o a device: still a device" test -c "$o" ;;
		esac
	done
done
sleep 1
check "predict -o a FIFO: the reader got the result" cmp -s fifo-got-predict ../want.tsv
cd "$T" || exit 4

# ---- registry files replaced by something else ----
"$N" --registry pristine registry push --name spam --alias production m.nlp >/dev/null 2>&1
obj=$(cd pristine && find objects -type f | head -1)
for what in "db:directory" "db:empty" "db:random" "db:symlink" "db:fifo" \
    "db:device" "objects:file" "object:directory" "object:half" \
    "object:symlink" "object:empty" "tmp:file" "tmp:symlink" "wal:random"; do
	f=${what%%:*} kind=${what#*:}
	rm -rf "$R" elsewhere
	cp -a pristine "$R"
	mkdir elsewhere && echo mine >elsewhere/keep
	case $f in
	db) p=$R/registry.db ;;
	objects) p=$R/objects ;;
	object) p=$R/$obj ;;
	tmp) p=$R/tmp ;;
	wal) p=$R/registry.db-wal ;;
	esac
	rm -rf "$p"
	case $kind in
	directory) mkdir "$p" ;;
	empty) : >"$p" ;;
	random) head -c 8192 /dev/urandom >"$p" ;;
	half) "$FORGE" --cat m.nlp weights | head -c 1000 >"$p" ;;
	symlink) ln -s "$T/elsewhere" "$p" ;;
	fifo) mkfifo "$p" ;;
	device) [ $root -eq 1 ] && mknod "$p" c 1 3 2>/dev/null || continue ;;
	file) echo x >"$p" ;;
	esac
	try "registry: $f a $kind" "0 1 3 4 5" "$N" --registry "$R" registry list
	try "registry: $f a $kind" "0 1 3 4 5" "$N" --registry "$R" registry verify
	try "registry: $f a $kind" "0 3 4 5" "$N" --registry "$R" predict -q -m spam test.txt
	if [ "$(cat out 2>/dev/null)" != "" ] && ! cmp -s out want.tsv; then
		fail "registry: $f a $kind: predict printed other results"
	fi
	try "registry: $f a $kind" "0 3 4 5" "$N" --registry "$R" registry push --name other b.nlp
	try "registry: $f a $kind" "0 4 5" "$N" --registry "$R" registry gc --grace 0
	check "registry: $f a $kind: nothing outside it touched" sh -c "[ \"\$(ls -A '$T/elsewhere')\" = keep ] && [ \"\$(cat '$T/elsewhere/keep')\" = mine ]"
done

[ -n "${HOSTILE_TABLE:-}" ] && cp "$TABLE" "$HOSTILE_TABLE"
exit 0
