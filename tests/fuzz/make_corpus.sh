#!/bin/sh
# make_corpus.sh NLPOPS - write the seed corpora tests/fuzz/corpus/NAME/
# (run once from the top of the repository with a built nlpops; the
# output is committed): valid inputs of every kind each harness reads,
# small, and the hostile shapes a fuzzer would take long to find.
set -eu
N=${1:-./nlpops}
C=tests/fuzz/corpus
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# every seed made again, by name; the other files are kept: findings
# (finding-*) and the inputs `make fuzz` found that reach new code, merged
# in with libFuzzer's -merge=1 (named by their SHA-1): all regression
# tests
mkdir -p "$C/text" "$C/reader" "$C/weights" "$C/artifact" "$C/profile" \
    "$C/servereq" "$C/modelref"

# text: ASCII, accents, CJK, emoji, marks, invalid UTF-8, NUL, controls
printf 'Free money NOW!!! click http://x.y/z?a=1&b=2' >"$C/text/ascii"
printf 'na\xc3\xafve caf\xc3\xa9 \xc3\x9cBER stra\xc3\x9fe \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe3\x83\x86\xe3\x82\xad\xe3\x82\xb9\xe3\x83\x88 \xf0\x9f\x98\x80\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd e\xcc\x81' >"$C/text/unicode"
printf 'bad \xff\xfe utf8 \xc3 \xe2\x82 \xf0\x9f\x98 over\xc0\xaflong \xed\xa0\x80 surrogate' >"$C/text/invalid"
printf 'nul\000byte\001ctl\177del\302\205nel \xe2\x80\x8b zwsp\xc2\xa0nbsp\xc2\xad' >"$C/text/controls"
head -c 3000 tests/data/debian.test.tsv.gz | gzip -dc 2>/dev/null | head -3 >"$C/text/debian" || :

# reader: the first byte picks format and mode (fuzz_reader.c): bit 0-2
# format (0 TSV, 1 CSV, 2 JSONL, 3 fastText, 4 plain), 8 labeled, 16
# multi-label, 4 columns by name/number
sel() { printf "\\$(printf '%03o' "$1")"; }
{ sel 8; printf 'spam\tfree money\nham\tsee you at lunch\n\tno label\nnolabeltab\n'; } >"$C/reader/tsv"
{ sel 24; printf 'a,b\ttwo labels\n a , ,b\tspaces\n'; } >"$C/reader/tsv-multi"
{ sel 12; printf '1\tid1\ttext one\textra\n2\t\n'; } >"$C/reader/tsv-columns"
{ sel 9; printf 'label,text\nspam,"free, ""quoted"" money"\nham,"multi\nline"\n,empty\n'; } >"$C/reader/csv"
{ sel 13; printf 'id,text,label\n7,hello,x\n8,"unclosed\n'; } >"$C/reader/csv-unclosed"
{ sel 10; printf '{"text":"hi","label":"a"}\n{"text":"x","label":["a","b"]}\n{"text":1}\nnot json\n{"text":"\\u0000\\ud800"}\n'; } >"$C/reader/jsonl"
{ sel 14; printf '{"id":3,"text":"a"}\n{"id":null,"text":"b"}\n'; } >"$C/reader/jsonl-id"
{ sel 11; printf '__label__a __label__b text here\n__label__ empty\n__label__c\n'; } >"$C/reader/fasttext"
{ sel 27; printf '__label__a __label__b __label__a x\n'; } >"$C/reader/fasttext-multi"
{ sel 4; printf 'plain line\r\n\n   \nlast without newline'; } >"$C/reader/plain"
{ sel 8; printf 'spam\tcompressed text\n' | gzip -c; } >"$C/reader/tsv-gz"
{ sel 8; printf 'spam\txz text\n' | xz -c; } >"$C/reader/tsv-xz"
{ sel 4; printf 'zstd text\n' | zstd -q -c; } >"$C/reader/plain-zst"
{ sel 136; printf 'l\t%s\n' "$(head -c 200 /dev/zero | tr '\0' 'w')"; } >"$C/reader/cut"

# models: tiny ones of each kind, and their artifacts
zcat tests/data/debian.train.tsv.gz | grep -E "^(libs|python)	" | head -80 >"$T/spam.tsv"
zcat tests/data/debtags.train.tsv.gz | head -40 >"$T/tags.tsv"
"$N" train -q --bits 10 --epochs 2 -o "$T/f.nlp" "$T/spam.tsv"
"$N" train -q --bits 10 --epochs 2 --quantize -o "$T/q.nlp" "$T/spam.tsv"
"$N" train -q --bits 10 --epochs 2 --multilabel -o "$T/m.nlp" "$T/tags.tsv"
for k in f q m; do
	tar -xOf "$T/$k.nlp" weights >"$C/weights/$k"
	cp "$T/$k.nlp" "$C/artifact/$k"
	tar -xOf "$T/$k.nlp" profile >"$C/profile/$k"
done
# hostile tarballs: traversal, absolute, links, a device, a FIFO, an
# oversized member, a truncated one, a damaged checksum
python3 - "$T/f.nlp" "$C/artifact" <<'PY'
import io, sys, tarfile
src, out = sys.argv[1], sys.argv[2]
members = {}
with tarfile.open(src) as t:
    for m in t.getmembers():
        members[m.name] = t.extractfile(m).read()
def write(name, extra):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for n, data in members.items():
            i = tarfile.TarInfo(n); i.size = len(data); t.addfile(i, io.BytesIO(data))
        for i, data in extra:
            t.addfile(i, io.BytesIO(data) if data is not None else None)
    open(f"{out}/{name}", "wb").write(buf.getvalue())
def info(name, type=tarfile.REGTYPE, size=0, link=""):
    i = tarfile.TarInfo(name); i.type = type; i.size = size; i.linkname = link; return i
write("dotdot", [(info("../evil", size=3), b"abc")])
write("absolute", [(info("/etc/evil", size=3), b"abc")])
write("symlink", [(info("link", tarfile.SYMTYPE, link="/etc/passwd"), None)])
write("hardlink", [(info("hard", tarfile.LNKTYPE, link="weights"), None)])
write("device", [(info("dev", tarfile.CHRTYPE), None)])
write("fifo", [(info("fifo", tarfile.FIFOTYPE), None)])
write("oversized", [(info("big", size=1), b"x")])
# the header of "big": its size field (offset 124, 12 octal digits) made
# 8 GiB, its checksum made right again
o = bytearray(open(f"{out}/oversized", "rb").read())
k = o.find(b"big\0")
o[k + 124:k + 136] = b"77777777777\0"
o[k + 148:k + 156] = b" " * 8
o[k + 148:k + 156] = b"%06o\0 " % sum(o[k:k + 512])
open(f"{out}/oversized", "wb").write(bytes(o))
data = open(src, "rb").read()
open(f"{out}/truncated", "wb").write(data[: len(data) // 2])
flipped = bytearray(data); flipped[700] ^= 0x40
open(f"{out}/flipped", "wb").write(bytes(flipped))
PY
printf '{"schema":1}' >"$C/profile/small"

# drift profiles of parts: a valid one of fuzz_dprofile's own model
# (obj/fuzz/replay dprofile, built by make), checked to be read, and
# variants: cut short, another model, another schema, a count negative
mkdir -p "$C/dprofile"
FUZZ_SEED_OUT="$C/dprofile/part" obj/fuzz/replay dprofile /dev/null >/dev/null
FUZZ_EXPECT_OK=1 obj/fuzz/replay dprofile "$C/dprofile/part" >/dev/null
head -c 600 "$C/dprofile/part" >"$C/dprofile/cut"
sed 's/fuzzfuzz/otherfuz/' "$C/dprofile/part" >"$C/dprofile/other-model"
sed 's/"schema":1/"schema":2/' "$C/dprofile/part" >"$C/dprofile/schema2"
sed 's/"records":\([0-9]\)/"records":-\1/' "$C/dprofile/part" >"$C/dprofile/negative"

# server requests: the first byte's low bit picks text/plain
{ printf 'j'; printf '{"text":"free money","id":7,"k":2}'; } >"$C/servereq/one"
{ printf 'j'; printf '{"texts":["a","",  "c\\u00e9"],"ids":["x",2,null]}'; } >"$C/servereq/many"
{ printf 'j'; printf '{"text":"a","texts":["b"]}'; } >"$C/servereq/both"
{ printf 'j'; printf '{"texts":[],"k":0}'; } >"$C/servereq/empty"
{ printf 'j'; printf '{"text":"\\ud800\\u0000"}'; } >"$C/servereq/surrogate"
{ printf 'k'; printf 'line one\nline two\r\n\n\377bad\n'; } >"$C/servereq/plain"

# model references and names
for s in spam spam@3 spam@production ./m.nlp /abs/m.nlp m.nlp a@ @x 'a b' \
    spam@0 spam@-1 spam@99999999999999999999 x..y .hidden; do
	printf '%s' "$s" >"$C/modelref/$(printf '%s' "$s" | tr '/ @.' '_=+,' | head -c 40)"
done
head -c 65 /dev/zero | tr '\0' a >"$C/modelref/name65"
# requirements of registry alias --require
mkdir -p "$C/require"
i=0
for s in 'macro_f1>=0.85' ' accuracy > 0.9 ' 'f1:spam<=1' 'log_loss<0.3' \
    'n>=100' 'ece<0x1p-3' 'weighted_f1 >= 1e-3' 'macro_f1>=nan' \
    'macro_f1>=inf' 'macro_f1>=1e999' 'macro_f1=>0.5' 'macro_f1==1' \
    'x>=1' '>=1' 'macro_f1>=' 'f1:>=0.5' 'macro_f1>=0.5 extra'; do
	i=$((i + 1))
	printf '%s' "$s" >"$C/require/r$i"
done

# meta.json: each artifact's, and fields of the wrong types or shapes
mkdir -p "$C/meta"
for k in f q m; do
	tar -xOf "$T/$k.nlp" meta.json >"$C/meta/$k"
done
printf '{"labels":{"a":1}}' >"$C/meta/labels-object"
printf '{"labels":[1,{"label":2,"count":"x"},{"label":"a","count":-5}]}' >"$C/meta/labels-odd"
printf '{"inputs":[{"name":"a\nb","sha256":"00","bytes":1}]}' >"$C/meta/inputs-bad"
printf '{"examples":-1}' >"$C/meta/examples-negative"
printf '{"a":1,"a":2}' >"$C/meta/duplicate"
printf '[1,2]' >"$C/meta/array"
printf '{"warning":"x","nlpops_version":{"v":[1]},"examples":1e400}' >"$C/meta/odd-values"
python3 -c 'print("{\"hyperparameters\":" + "[" * 3000 + "]" * 3000 + "}")' >"$C/meta/deep"

# bundles (fuzz_bundle.c): the first byte even, a bundle file; odd, a
# length, an object and bundle.json, wrapped by the harness
mkdir -p "$C/bundle"
"$N" --registry "$T/reg" registry push --name spam --alias production "$T/f.nlp" >/dev/null 2>&1
"$N" --registry "$T/reg" registry push --name spam "$T/q.nlp" >/dev/null 2>&1
"$N" --registry "$T/reg" registry alias spam 2 production --reason "q is smaller" >/dev/null 2>&1
"$N" --registry "$T/reg" registry push --name tags "$T/m.nlp" >/dev/null 2>&1
"$N" --registry "$T/reg" registry export spam tags -o "$T/all.bundle" >/dev/null 2>&1
"$N" --registry "$T/reg" registry export tags -o "$T/tags.bundle" >/dev/null 2>&1
{ printf '\000'; cat "$T/all.bundle"; } >"$C/bundle/all"
python3 - "$T/tags.bundle" "$C/bundle" <<'PY'
import io, struct, sys, tarfile
src, out = sys.argv[1], sys.argv[2]
with tarfile.open(src) as t:
    m = {i.name: t.extractfile(i).read() for i in t.getmembers()}
obj = [v for k, v in m.items() if k.startswith("objects/")][0]
js = m["bundle.json"]
def odd(name, j, o=obj):
    open(f"{out}/{name}", "wb").write(b"\001" + struct.pack("<I", len(o)) + o + j)
odd("wrapped", js)
odd("wrapped-other-name", js.replace(b'"tags"', b'"tags2"'))
odd("wrapped-no-object", js, b"")
odd("wrapped-version-0", js.replace(b'"version": 1,', b'"version": 0,', 1))
odd("wrapped-format", js.replace(b"nlpops-bundle", b"nlpops-bundlf"))
def raw(name, members):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for n, data, typ in members:
            i = tarfile.TarInfo(n); i.type = typ; i.size = len(data or b"")
            if typ == tarfile.SYMTYPE: i.linkname = "/etc/passwd"; i.size = 0
            t.addfile(i, io.BytesIO(data) if data else None)
    open(f"{out}/{name}", "wb").write(b"\000" + buf.getvalue())
objname = [k for k in m if k.startswith("objects/")][0]
raw("dotdot", [("bundle.json", js, tarfile.REGTYPE), ("../" + objname, obj, tarfile.REGTYPE)])
raw("symlink", [("bundle.json", js, tarfile.REGTYPE), (objname, None, tarfile.SYMTYPE)])
raw("twice", [("bundle.json", js, tarfile.REGTYPE), (objname, obj, tarfile.REGTYPE), (objname, obj, tarfile.REGTYPE)])
raw("no-sums", [("bundle.json", js, tarfile.REGTYPE), (objname, obj, tarfile.REGTYPE)])
raw("sums-first", [("SHA256SUMS", m["SHA256SUMS"], tarfile.REGTYPE), ("bundle.json", js, tarfile.REGTYPE)])
raw("after-sums", [("bundle.json", js, tarfile.REGTYPE), (objname, obj, tarfile.REGTYPE), ("SHA256SUMS", m["SHA256SUMS"], tarfile.REGTYPE), ("x", b"x", tarfile.REGTYPE)])
PY
echo "corpus: $(find "$C" -type f | wc -l) files, $(du -sk "$C" | cut -f1) KB"
