#!/usr/bin/python3
# make_fixture.py - the SciPy / scikit-learn figures that
# tests/unit/test_stats.c checks lib/stats.c against.  Run once, from this
# directory, with Debian 12's python3-scipy 1.10.1 and python3-sklearn 1.2.1:
#     cd tests/data/stats && /usr/bin/python3 make_fixture.py
# It installs nothing and writes one file, expected.json: every input (or, for
# the large Kolmogorov-Smirnov samples, the recipe that regenerates them) and
# the reference outputs.  Not run by make check.
#
# Large KS samples are not stored.  They come from this recipe, which the C
# test repeats bit for bit (IEEE double, no fused multiply-add):
#   64-bit LCG (Knuth's MMIX constants)
#       s <- (6364136223846793005 * s + 1442695040888963407) mod 2^64
#   u = (s >> 11) * 2^-53, drawn once per value i = 0 .. n-1, and
#       kind "unif":  v = shift + scale * u
#       kind "strat": v = shift + scale * ((i + u) / n)   (stratified: D small)
#       kind "int":   v = shift + floor(scale * u * u)    (integers, many ties)
#       kind "grid":  v = shift + scale * ((i + 0.5) / n)  (u unused)
import json, math, sys, warnings
import numpy as np
import scipy
import sklearn
from scipy import special, stats
from scipy.spatial.distance import jensenshannon
from sklearn.metrics import roc_auc_score

assert scipy.__version__ == "1.10.1", scipy.__version__

MASK = (1 << 64) - 1


def recipe(seed, n, kind, scale=1.0, shift=0.0):
    s = seed & MASK
    out = np.empty(n)
    for i in range(n):
        s = (6364136223846793005 * s + 1442695040888963407) & MASK
        u = (s >> 11) * 2.0 ** -53
        if kind == "unif":
            v = shift + scale * u
        elif kind == "strat":
            v = shift + scale * ((i + u) / n)
        elif kind == "int":
            v = shift + math.floor(scale * u * u)
        elif kind == "grid":
            v = shift + scale * ((i + 0.5) / n)
        else:
            raise ValueError(kind)
        out[i] = v
    return out


def kstwo_branch(d, N):
    """Which branch of scipy.stats._ksstats._kolmogn (sf) d and N take."""
    t = N * d
    if d >= 1:
        return "d>=1"
    if t <= 0.5:
        return "t<=1/2"
    if t <= 1:
        return "ruben-gambino"
    if t >= N - 1:
        return "2(1-x)^n"
    if d >= 0.5:
        return "2*smirnov (x>=1/2)"
    nx2 = t * d
    if N <= 140:
        if nx2 <= 0.754693:
            return "durbin (n<=140)"
        if nx2 <= 4:
            return "pomeranz (n<=140)"
        return "2*smirnov (n<=140)"
    if nx2 >= 370:
        return "zero"
    if nx2 >= 2.2:
        return "2*smirnov"
    if N <= 100000 and N * d ** 1.5 <= 1.4:
        return "durbin"
    return "pelz-good"


rng = np.random.default_rng(20240611)
out = {"scipy": scipy.__version__, "sklearn": sklearn.__version__,
       "numpy": np.__version__}

# --------------------------------------------------------------- KS 2-sample
ks = []


def add_ks(group, name, x, y, gx=None, gy=None):
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        r = stats.ks_2samp(x, y)
    n, m = len(x), len(y)
    exact = max(n, m) <= 10000 and not any(
        "Exact calculation unsuccessful" in str(v.message) for v in w)
    case = {"name": name, "group": group, "n": n, "m": m,
            "d": float(r.statistic), "p": float(r.pvalue),
            "exact": int(exact)}
    if not exact:
        N = int(np.round(max(n, m) * min(n, m) / (n + m)))
        case["branch"] = kstwo_branch(float(r.statistic), N)
        case["N"] = N
    case["x"] = gx if gx is not None else x.tolist()
    case["y"] = gy if gy is not None else y.tolist()
    ks.append(case)


def gen(seed, n, kind, scale=1.0, shift=0.0):
    return recipe(seed, n, kind, scale, shift), {
        "seed": seed, "n": n, "kind": kind, "scale": scale, "shift": shift}


def add_gen(group, name, a, b):
    add_ks(group, name, a[0], b[0], a[1], b[1])


r = lambda k, s=0.0: np.round(rng.normal(s, 1.0, k), 6)
add_ks("equal", "equal sizes 5", r(5), r(5, 0.8))
add_ks("equal", "equal sizes 20", r(20), r(20, 0.5))
add_ks("equal", "equal sizes 100", r(100), r(100, 0.3))
add_ks("equal", "equal sizes 100, same law", r(100), r(100))
add_ks("unequal", "unequal sizes 7 and 13", r(7), r(13, 0.4))
add_ks("unequal", "unequal sizes 13 and 7", r(13), r(7, -0.4))
add_ks("unequal", "unequal sizes 50 and 200", r(50), r(200, 0.4))
add_ks("unequal", "unequal sizes 200 and 50, same law", r(200), r(50))
add_ks("unequal", "unequal sizes 500 and 700", r(500), r(700, 0.1))
add_ks("ties", "token lengths with ties, 60 and 80",
       rng.poisson(8, 60), rng.poisson(9, 80))
add_ks("ties", "token lengths with ties, 40 and 40",
       rng.poisson(8, 40), rng.poisson(8, 40))
add_ks("ties", "token lengths with ties, 1000 and 1500",
       rng.poisson(30, 1000), rng.poisson(31, 1500))
add_ks("ties", "token lengths with ties, 3000 and 3000",
       rng.poisson(30, 3000), rng.poisson(30.4, 3000))
same = r(30)
add_ks("identical", "identical samples", same, same.copy())
add_ks("identical", "identical constant samples", [4.0] * 9, [4.0] * 12)
add_ks("disjoint", "disjoint samples 7 and 13", r(7), r(13) + 10)
add_ks("disjoint", "disjoint samples 30 and 30", r(30) + 10, r(30))
add_ks("disjoint", "disjoint samples 200 and 300", r(200), r(300) + 10)
add_ks("tiny", "one value against one", [1.0], [2.0])
add_ks("tiny", "one value against five", [3.0], [1.0, 2.0, 4.0, 5.0, 6.0])
add_ks("tiny", "smallest D for 3 and 2 (every path leaves the band)",
       [1.0, 3.0, 5.0], [2.0, 4.0])
# n == m, D = 1/n: SciPy's exact sum rounds to just above 1, so SciPy falls
# back to the asymptotic kstwo.sf(1/7, round(3.5) = 4).
add_ks("fallback", "interleaved 7 and 7 (SciPy falls back to asymptotic)",
       np.arange(7) * 2.0, np.arange(7) * 2.0 + 1)
add_ks("fallback", "interleaved 30 and 30 (SciPy falls back to asymptotic)",
       np.arange(30) * 2.0, np.arange(30) * 2.0 + 1)
add_ks("fallback", "interleaved 8 and 8",
       np.arange(8) * 2.0, np.arange(8) * 2.0 + 1)

# around the 10000 boundary, and beyond (asymptotic kstwo)
add_gen("boundary", "10000 and 10000 (exact, equal sizes)",
        gen(1, 10000, "unif"), gen(2, 10000, "unif", 1.0, 0.02))
add_gen("boundary", "10000 and 9999 (exact, unequal sizes)",
        gen(3, 10000, "unif"), gen(4, 9999, "unif", 1.0, 0.01))
add_gen("boundary", "9999 and 10000, token lengths (exact)",
        gen(5, 9999, "int", 40.0), gen(6, 10000, "int", 41.0))
add_gen("boundary", "8000 and 10000, shifted (exact, p tiny)",
        gen(43, 8000, "unif"), gen(44, 10000, "unif", 1.0, 0.1))
add_gen("boundary", "8000 and 10000, far apart (exact, p below 1e-300)",
        gen(45, 8000, "unif"), gen(46, 10000, "unif", 1.0, 0.5))
add_gen("boundary", "10000 and 10001 (asymptotic)",
        gen(7, 10000, "unif"), gen(8, 10001, "unif", 1.0, 0.01))
add_gen("boundary", "10001 and 10001 (asymptotic, equal sizes)",
        gen(9, 10001, "unif"), gen(10, 10001, "unif"))
add_gen("asymptotic", "12000 and 15000, same law (asymptotic)",
        gen(11, 12000, "unif"), gen(12, 15000, "unif"))
add_gen("asymptotic", "12000 and 15000, shifted (asymptotic)",
        gen(13, 12000, "unif"), gen(14, 15000, "unif", 1.0, 0.03))
add_gen("asymptotic", "12000 and 15000, far apart (asymptotic, p 0)",
        gen(15, 12000, "unif"), gen(16, 15000, "unif", 1.0, 0.4))
add_gen("asymptotic", "12000 and 15000, token lengths (asymptotic)",
        gen(17, 12000, "int", 60.0), gen(18, 15000, "int", 61.0))
add_gen("asymptotic",
        "12000 and 15000, stratified (asymptotic, Durbin matrix)",
        gen(19, 12000, "strat"), gen(20, 15000, "strat", 1.0, 0.002))
add_gen("asymptotic", "12000 and 15000, stratified (asymptotic, Pelz-Good)",
        gen(21, 12000, "strat"), gen(22, 15000, "strat", 1.0, 0.008))
add_gen("asymptotic",
        "40000 and 60000, stratified (asymptotic, Durbin matrix)",
        gen(23, 40000, "strat"), gen(24, 60000, "strat", 1.0, 0.0012))
add_gen("asymptotic", "20000 and 60 (asymptotic, N 60, Durbin matrix)",
        gen(25, 20000, "strat"), gen(26, 60, "strat", 1.0, 0.05))
add_gen("asymptotic", "20000 and 60 (asymptotic, N 60, Pomeranz range)",
        gen(27, 20000, "strat"), gen(28, 60, "strat", 1.0, 0.2))
add_gen("asymptotic", "20000 and 60 (asymptotic, N 60, Smirnov)",
        gen(29, 20000, "unif"), gen(30, 60, "unif", 1.0, 0.35))
add_gen("asymptotic", "20000 and 60 (asymptotic, N 60, D over 1/2)",
        gen(31, 20000, "unif"), gen(32, 60, "unif", 1.0, 0.7))
add_gen("asymptotic", "20000 and 60 (asymptotic, N 60, Ruben-Gambino)",
        gen(33, 20000, "grid"), gen(34, 60, "grid", 1.0, 0.25 / 60))
add_gen("asymptotic", "20000 and 200 (asymptotic, N 198, Ruben-Gambino)",
        gen(41, 20000, "grid"), gen(42, 200, "grid", 1.0, 0.25 / 200))
add_gen("asymptotic", "20000 and 3 (asymptotic, N 3)",
        gen(35, 20000, "unif"), gen(36, 3, "unif", 1.0, 0.1))
add_gen("asymptotic", "20000 and 1 (asymptotic, N 1)",
        gen(37, 20000, "unif"), gen(38, 1, "unif", 1.0, 0.0))
add_gen("asymptotic", "20000 and 20000 disjoint (asymptotic)",
        gen(39, 20000, "unif"), gen(40, 20000, "unif", 1.0, 1.0))
out["ks_2samp"] = ks

# ---------------------------------------------------------- chi-square
chi = []


def add_chi(name, obs, exp):
    obs = np.asarray(obs, dtype=np.float64)
    exp = np.asarray(exp, dtype=np.float64)
    r = stats.chisquare(obs, exp)
    chi.append({"name": name, "obs": [int(v) if v == int(v) else v
                                      for v in obs.tolist()],
                "exp": exp.tolist(),
                "stat": float(r.statistic), "p": float(r.pvalue)})


def table(k, total, alpha, drift=0.0):
    w = rng.dirichlet([alpha] * k)
    exp = w * total
    q = (1 - drift) * w + drift * rng.dirichlet([alpha] * k)
    obs = rng.multinomial(total, q).astype(float)
    exp = np.round(exp * (obs.sum() / exp.sum()), 4)  # short in the JSON
    exp[np.argmax(exp)] += obs.sum() - exp.sum()      # same totals again
    return obs, exp


add_chi("2 categories", [48.0, 52.0], [50.0, 50.0])
add_chi("5 categories", *table(5, 400, 3.0, 0.1))
add_chi("51 categories", *table(51, 5000, 2.0, 0.05))
add_chi("1000 categories (vocabulary)", *table(1000, 200000, 5.0, 0.02))
add_chi("2000 categories (vocabulary)", *table(2000, 500000, 5.0, 0.0))
e = rng.uniform(1, 50, 51)
add_chi("perfect fit", e, e)
add_chi("huge statistic", [1000.0, 0.0, 0.0, 0.0, 0.0],
        [200.0, 200.0, 200.0, 200.0, 200.0])
o, x = table(1000, 100000, 0.5)
add_chi("huge statistic, 1000 categories", np.sort(o), x)
out["chisquare"] = chi

# ------------------------------------------------------------- gammaincc
ga = []
avals = [1e-3, 0.01, 0.1, 0.5, 1.0, 1.5, 2.0, 2.5, 5.0, 9.5, 10.0, 24.5,
         25.0, 50.0, 100.0, 199.5, 200.0, 499.5, 1000.0, 2500.0, 4999.5,
         10000.0, 25000.0]
rel = [0.0, 1e-3, 0.01, 0.1, 0.5, 0.8, 0.9, 0.95, 0.99, 1.0, 1.01, 1.05,
       1.1, 1.2, 1.5, 2.0, 3.0, 5.0, 10.0, 30.0]
for a in avals:
    xs = sorted(set([a * f for f in rel] +
                    [a + k * math.sqrt(a) for k in (-6, -3, -1, 1, 3, 6)] +
                    [1e-6, 0.1, 1.0, 10.0, 100.0, 1e3, 1e5]))
    for x in xs:
        if x < 0:
            continue
        ga.append([a, x, float(special.gammaincc(a, x))])
out["gammaincc"] = ga

# ------------------------------------------------------ Jensen-Shannon
js = []


def add_js(name, p, q):
    p = np.asarray(p, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    js.append({"name": name, "p": p.tolist(), "q": q.tolist(),
               "js": float(jensenshannon(p, q, base=2))})


add_js("identical", [1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
add_js("identical up to scale", [1.0, 2.0, 3.0, 0.0], [2.0, 4.0, 6.0, 0.0])
add_js("disjoint", [1.0, 2.0, 0.0, 0.0], [0.0, 0.0, 5.0, 1.0])
add_js("with zeros", [0.0, 3.0, 1.0, 0.0, 6.0], [1.0, 0.0, 1.0, 0.0, 2.0])
add_js("two bins", [0.9, 0.1], [0.4, 0.6])
add_js("50 bins, counts", rng.poisson(5, 50), rng.poisson(6, 50))
p = rng.dirichlet([0.3] * 1000)
p[rng.random(1000) < 0.3] = 0
q = rng.dirichlet([0.3] * 1000)
q[rng.random(1000) < 0.3] = 0
add_js("1000 bins with zeros", p, q)
out["jensenshannon"] = js

# --------------------------------------------------------- Wasserstein
ws = []


def add_ws(name, u, v):
    u = np.asarray(u, dtype=np.float64)
    v = np.asarray(v, dtype=np.float64)
    ws.append({"name": name, "u": u.tolist(), "v": v.tolist(),
               "w": float(stats.wasserstein_distance(u, v))})


add_ws("one value each", [1.0], [4.5])
add_ws("SciPy's documented example", [0, 1, 3], [5, 6, 8])
add_ws("identical", [1.0, 2.0, 2.0, 7.0], [7.0, 2.0, 1.0, 2.0])
add_ws("token lengths with ties", rng.poisson(8, 70), rng.poisson(10, 45))
add_ws("continuous, 300 and 500", r(300), r(500, 0.2))
add_ws("continuous and tied, 2000 and 1000",
       np.round(rng.exponential(3, 2000), 1),
       np.round(rng.exponential(3.3, 1000), 1))
out["wasserstein"] = ws

# ---------------------------------------------------------------- ROC AUC
roc = []


def add_roc(name, score, label):
    score = np.asarray(score, dtype=np.float64)
    label = np.asarray(label, dtype=int)
    roc.append({"name": name, "score": score.tolist(),
                "label": label.tolist(),
                "auc": float(roc_auc_score(label, score))})


add_roc("perfectly separated", [0.1, 0.2, 0.3, 0.7, 0.8, 0.9],
        [0, 0, 0, 1, 1, 1])
add_roc("inverted", [0.9, 0.8, 0.7, 0.3, 0.2, 0.1], [0, 0, 0, 1, 1, 1])
add_roc("all scores tied", [0.5] * 7, [0, 1, 0, 1, 1, 0, 0])
add_roc("ties across classes", [0.1, 0.4, 0.4, 0.4, 0.8, 0.8, 0.2, 0.9],
        [0, 0, 1, 1, 0, 1, 0, 1])
lab = (rng.random(500) < 0.3).astype(int)
add_roc("random scores", rng.random(500), lab)
lab = (rng.random(2000) < 0.2).astype(int)
add_roc("informative scores rounded to 2 decimals (many ties)",
        np.round(np.clip(rng.normal(0.4 + 0.2 * lab, 0.2), 0, 1), 2), lab)
out["roc_auc"] = roc

with open("expected.json", "w") as f:
    json.dump(out, f, separators=(",", ":"))
    f.write("\n")
for c in ks:
    print("%-62s n=%-6d m=%-6d D=%.6g p=%.6g exact=%d %s" % (
        c["name"], c["n"], c["m"], c["d"], c["p"], c["exact"],
        c.get("branch", "")), file=sys.stderr)
