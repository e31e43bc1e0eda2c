#!/usr/bin/python3
"""debtags.py - cut the multi-label sample (debtags.{train,test}.tsv.gz).

Real multi-label text: the Debian 12 package descriptions of
../shared/data/debian.{train,test}.tsv.gz (short plus long; their split)
labeled with each package's debtags (the "Tag:" field of `apt-cache
dumpavail`, which has the short description only: a text is matched by its
short description, when no other tagged package has the same), the tags of
the facets below that at least MIN_TAG packages carry.  TSV: the tags
separated by commas, a TAB, the text; a seeded sample of each part.  Run
once, on a Debian 12 machine after `apt-get update`, with the shared data
in DIR (default ../../../shared/data); the output is committed.
"""
import gzip, hashlib, random, re, subprocess, sys

FACETS = ("role", "interface", "implemented-in", "use", "works-with", "scope",
          "devel", "uitoolkit", "network", "admin", "x11")
MIN_TAG = 300
N_TRAIN, N_TEST = 4000, 1000

def packages():
    out = subprocess.run(["apt-cache", "dumpavail"], check=True,
                         capture_output=True, text=True).stdout
    for block in out.split("\n\n"):
        fields, key = {}, None
        for line in block.split("\n"):
            if line.startswith(" ") and key:
                fields[key] += "\n" + line
            elif ":" in line:
                key, _, val = line.partition(":")
                fields[key] = val.strip()
        if "Package" in fields and "Tag" in fields and "Description" in fields:
            yield fields

def short_of(desc):
    t = desc.split("\n")[0]
    t = re.sub(r"[\x00-\x1f\x7f]", " ", t)
    return re.sub(r"\s+", " ", t).strip()

def main():
    data = sys.argv[1] if len(sys.argv) > 1 else "../../../shared/data"
    by_short, seen = {}, set()
    for f in packages():
        if f["Package"] in seen:
            continue
        seen.add(f["Package"])
        tags = sorted({t.strip() for t in f["Tag"].replace("\n", " ").split(",")
                       if t.strip().split("::")[0] in FACETS})
        short = short_of(f["Description"])
        by_short[short] = None if short in by_short else tags
    parts = {}
    for part in ("train", "test"):
        rows = []
        with gzip.open(f"{data}/debian.{part}.tsv.gz", "rt", encoding="utf-8") as g:
            for line in g:
                text = line.rstrip("\n").split("\t", 1)[1]
                words = text.split(" ")
                for k in range(1, min(len(words), 40) + 1):
                    tags = by_short.get(" ".join(words[:k]))
                    if tags:
                        rows.append((tags, text))
                        break
        parts[part] = rows
    count = {}
    for tags, _ in parts["train"]:
        for t in tags:
            count[t] = count.get(t, 0) + 1
    keep = {t for t, n in count.items() if n >= MIN_TAG}
    rng = random.Random(14)
    for part, n in (("train", N_TRAIN), ("test", N_TEST)):
        lines = sorted(",".join(t for t in tags if t in keep) + "\t" + text
                       for tags, text in parts[part]
                       if any(t in keep for t in tags))
        lines = rng.sample(lines, n)
        with gzip.GzipFile(f"debtags.{part}.tsv.gz", "wb", mtime=0) as g:
            g.write(("\n".join(lines) + "\n").encode())
    print(f"{len(keep)} tags; {len(parts['train'])} / {len(parts['test'])} "
          f"texts matched, sampled {N_TRAIN} / {N_TEST}", file=sys.stderr)

main()
