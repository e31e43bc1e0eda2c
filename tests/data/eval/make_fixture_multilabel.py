#!/usr/bin/python3
# make_fixture_multilabel.py - the scikit-learn figures of multi-label
# predictions that tests/unit/test_eval.c checks lib/eval against.  Run
# once with Debian's python3-sklearn (/usr/bin/python3
# make_fixture_multilabel.py); writes multilabel.tsv (the inputs: case,
# min_p, model classes, gold labels, probabilities) and
# sklearn_multilabel.json (scikit-learn's metrics on them).  The columns
# of the indicator matrix are the labels scored: the sorted union of the
# gold and the predicted labels.  Not run by make check.
import json
import numpy as np
from sklearn.metrics import (accuracy_score, hamming_loss,
                             precision_recall_fscore_support)
from sklearn.preprocessing import MultiLabelBinarizer

rng = np.random.default_rng(20261203)
cases, rows = {}, []

def add_case(name, classes, gold, probs, min_p):
    pred = [sorted(c for c, p in zip(classes, ps) if np.float32(p) >= min_p)
            for ps in probs]
    labels = sorted({l for g in gold for l in g} | {l for p in pred for l in p})
    mlb = MultiLabelBinarizer(classes=labels).fit([labels])
    T, P = mlb.transform(gold), mlb.transform(pred)
    out = {"n": len(gold), "min_p": min_p, "classes": classes,
           "subset_accuracy": accuracy_score(T, P),
           "hamming_loss": hamming_loss(T, P), "per_class": {}}
    for avg in ("micro", "macro", "weighted", "samples"):
        p, r, f, _ = precision_recall_fscore_support(T, P, average=avg,
                                                     zero_division=0)
        out[avg] = {"precision": p, "recall": r, "f1": f}
    p, r, f, s = precision_recall_fscore_support(T, P, average=None,
                                                 zero_division=0)
    for i, l in enumerate(labels):
        out["per_class"][l] = {"precision": p[i], "recall": r[i], "f1": f[i],
                               "support": int(s[i])}
    cases[name] = out
    for g, ps in zip(gold, probs):
        rows.append("\t".join([name, repr(min_p), ",".join(classes),
                               ",".join(g), " ".join("%.6f" % p for p in ps)]))

def probs_for(gold, classes, skill):
    """Sigmoid-like probabilities that favour the gold labels; none within
    1e-4 of a cut-off."""
    out = []
    for g in gold:
        ps = []
        for c in classes:
            z = rng.normal(skill if c in g else -skill, 1.5)
            p = float(1 / (1 + np.exp(-z)))
            p = round(p, 6)
            for cut in (0.3, 0.5, 0.9):
                if abs(p - cut) < 1e-4:
                    p += 3e-4
            ps.append(min(p, 0.999999))
        out.append(ps)
    return out

def gold_sets(n, labels, most=3):
    return [sorted(rng.choice(labels, size=rng.integers(1, most + 1),
                              replace=False).tolist()) for _ in range(n)]

classes = ["alpha", "beta", "delta", "gamma", "omega", "psi"]
g = gold_sets(300, classes)
add_case("random", classes, g, probs_for(g, classes, 1.5), 0.5)
add_case("low_cut", classes, g, probs_for(g, classes, 1.0), 0.3)
# a cut-off few pass: many empty predicted sets (precision 0 by zero
# division per example)
add_case("high_cut", classes, g, probs_for(g, classes, 1.0), 0.9)
# gold labels the model does not know: never predicted, always missed
g = gold_sets(200, classes + ["zeta", "eta"])
add_case("unknown", classes, g, probs_for(g, classes, 2.0), 0.5)
# one example
add_case("single", ["a", "b", "c"], [["a", "c"]], [[0.8, 0.6, 0.1]], 0.5)

with open("multilabel.tsv", "w") as f:
    f.write("\n".join(rows) + "\n")
with open("sklearn_multilabel.json", "w") as f:
    json.dump(cases, f, indent=1, sort_keys=True)
