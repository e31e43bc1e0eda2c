#!/usr/bin/python3
# make_fixture.py - the scikit-learn figures that tests/unit/test_eval.c
# checks lib/eval against.  Run once with Debian's python3-sklearn
# (/usr/bin/python3 make_fixture.py); writes cases.tsv (the inputs) and
# sklearn.json (scikit-learn's metrics on them).  Not run by make check.
import json, math
import numpy as np
from sklearn.metrics import classification_report, log_loss

rng = np.random.default_rng(20261122)
cases = {}
rows = []

def add_case(name, classes, gold, probs):
    pred = [classes[int(np.argmax(p))] for p in probs]
    labels = sorted(set(gold) | set(pred))
    rep = classification_report(gold, pred, labels=labels, output_dict=True,
                                zero_division=0)
    every = sorted(set(classes) | set(gold))
    cols = {c: i for i, c in enumerate(classes)}
    P = np.zeros((len(gold), len(every)))
    for r, p in enumerate(probs):
        for c in classes:
            P[r, every.index(c)] = p[cols[c]]
    ll = log_loss(gold, P, labels=every)
    conf = np.array([max(p) for p in probs], dtype=np.float64)
    ok = np.array([g == q for g, q in zip(gold, pred)], dtype=np.float64)
    bins = np.clip(np.ceil(conf * 15).astype(int) - 1, 0, 14)
    ece = 0.0
    for b in range(15):
        m = bins == b
        if m.any():
            ece += m.sum() / len(conf) * abs(ok[m].mean() - conf[m].mean())
    cases[name] = {
        "classes": classes,
        "accuracy": rep.get("accuracy", float(ok.mean())),
        "macro_avg": rep["macro avg"], "weighted_avg": rep["weighted avg"],
        "per_class": {l: rep[l] for l in labels},
        "log_loss": ll, "ece": ece, "n": len(gold),
    }
    for g, p in zip(gold, probs):
        rows.append("%s\t%s\t%s\t%s" % (name, ",".join(classes), g,
                    " ".join("%.9g" % x for x in p)))

def probs_for(n, k, sharp):
    return [list(np.float32(rng.dirichlet([sharp] * k))) for _ in range(n)]

# many classes, some never predicted, and gold labels the model lacks
classes = ["alpha", "beta", "delta", "gamma", "omega"]
gold = list(rng.choice(classes + ["zeta"], size=300, p=[.3, .25, .2, .1, .1, .05]))
add_case("multi", classes, gold, probs_for(300, 5, 0.3))
# binary, imbalanced, confident
gold = list(rng.choice(["ham", "spam"], size=200, p=[.8, .2]))
pr = []
for g in gold:
    p = float(np.float32(rng.beta(8, 2) if g == "spam" else rng.beta(2, 8)))
    pr.append([np.float32(1 - p), np.float32(p)])
add_case("binary", ["ham", "spam"], gold, pr)
# a class only in gold, a class only predicted
add_case("absent", ["a", "b", "c"], ["a", "a", "b", "d"],
         [[np.float32(.7), np.float32(.2), np.float32(.1)],
          [np.float32(.1), np.float32(.1), np.float32(.8)],
          [np.float32(.2), np.float32(.6), np.float32(.2)],
          [np.float32(.5), np.float32(.25), np.float32(.25)]])

with open("cases.tsv", "w") as f:
    f.write("\n".join(rows) + "\n")
with open("sklearn.json", "w") as f:
    json.dump(cases, f, indent=1, sort_keys=True, default=float)
