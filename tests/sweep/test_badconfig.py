"""Every config mistake exits 2 with one message naming the key (and line)
and creates no file; a refused run leaves an existing file byte for byte
unchanged."""
import os
import shutil

from common import check, config, finish, remove, run_sweep, sha256, workdir

d = workdir("badconfig")
GOOD = """model: nsite
h: 1.0
gamma: 1.0
axes:
  N: [4]
  g: {start: 0.1, stop: 1.0, num: 3}
  T_L: [0.8]
  T_R: [0.2, 0.4]
"""

# (name, yaml text, substrings the message must contain)
CASES = [
    ("unknown top key", GOOD + "gama: 1.0\n", ["gama", "unknown key", "did you mean 'gamma'", ":9:"]),
    ("misspelled axis", GOOD.replace("T_R:", "T_RR:"), ["axes.T_RR", "unknown key"]),
    ("unknown range key", GOOD.replace("num: 3", "count: 3"), ["axes.g.count", "unknown key"]),
    ("wrong type h", GOOD.replace("h: 1.0", "h: abc"), ["h:", "expected a number", ":2:"]),
    ("quoted number", GOOD.replace("h: 1.0", 'h: "1.0"'), ["h:", "string"]),
    ("h <= 0", GOOD.replace("h: 1.0", "h: 0"), ["h:", "> 0"]),
    ("gamma list", GOOD.replace("gamma: 1.0", "gamma: [1.0]"), ["gamma", "expected a number"]),
    ("axes not mapping", GOOD.split("axes:")[0] + "axes: 3\n", ["axes", "mapping"]),
    ("empty axis", GOOD.replace("T_R: [0.2, 0.4]", "T_R: []"), ["axes.T_R", "empty axis"]),
    ("num < 1", GOOD.replace("num: 3", "num: 0"), ["axes.g.num", ">= 1"]),
    ("num not int", GOOD.replace("num: 3", "num: 2.5"), ["axes.g.num", "integer"]),
    ("range missing stop", GOOD.replace("stop: 1.0, ", ""), ["axes.g.stop", "missing"]),
    ("log with start 0", GOOD.replace("start: 0.1", "start: 0.0").replace("num: 3", "num: 3, log: true"),
     ["axes.g.log", "start > 0"]),
    ("negative temperature", GOOD.replace("T_R: [0.2, 0.4]", "T_R: [0.2, -0.4]"),
     ["axes.T_R", ">= 0", ":8:"]),
    ("infinite temperature", GOOD.replace("T_L: [0.8]", "T_L: [.inf]"), ["axes.T_L[0]", "finite"]),
    ("nan temperature", GOOD.replace("T_L: [0.8]", "T_L: [.nan]"), ["axes.T_L[0]", "finite"]),
    ("N < 2", GOOD.replace("N: [4]", "N: [1]"), ["axes.N[0]", ">= 2"]),
    ("N not integer", GOOD.replace("N: [4]", "N: [4.5]"), ["axes.N[0]", "integer"]),
    ("N twice", GOOD.replace("N: [4]", "N: [4, 4]"), ["axes.N[1]", "twice"]),
    ("N missing", GOOD.replace("  N: [4]\n", ""), ["axes.N", "missing"]),
    ("g missing", GOOD.replace("  g: {start: 0.1, stop: 1.0, num: 3}\n", ""), ["axes.g", "missing"]),
    ("T_R missing", GOOD.replace("  T_R: [0.2, 0.4]\n", ""), ["axes.T_R", "missing"]),
    ("both temperature pairs", GOOD + "  T_mean: [0.5]\n  T_diff: [0.1]\n", ["axes", "not both"]),
    ("T_diff too large", GOOD.replace("  T_L: [0.8]\n  T_R: [0.2, 0.4]\n", "  T_mean: [0.2]\n  T_diff: [0.5]\n"),
     ["axes.T_diff", "negative"]),
    ("T_mean + T_diff/2 overflows",
     GOOD.replace("  T_L: [0.8]\n  T_R: [0.2, 0.4]\n", "  T_mean: [1.7e308]\n  T_diff: [1e308]\n"),
     ["axes.T_diff", "infinite"]),
    ("model missing", GOOD.replace("model: nsite\n", ""), ["model", "missing"]),
    ("unknown model", GOOD.replace("model: nsite", "model: nsit"), ["model", "one of", "did you mean 'nsite'"]),
    ("unknown spectral", GOOD + "spectral: ohmc\n", ["spectral", "flat, ohmic"]),
    ("unknown solver", GOOD + "solver: exact\n", ["solver", "secular, dense"]),
    ("dense too large", GOOD.replace("N: [4]", "N: [4, 30]") + "solver: dense\n", ["solver", "N <= 20"]),
    ("tol <= 0", GOOD + "tol: -1e-9\n", ["tol", "> 0"]),
    ("duplicate key", GOOD + "h: 2.0\n", ["h", "twice"]),
    ("observable the model lacks", "model: lambda\naxes:\n  T_1: [0.5]\n  T_2: [0.1]\nobservables: [x_cm]\n",
     ["observables", "lambda", "x_cm"]),
    ("unknown observable", GOOD + "observables: [x_cm, phy]\n", ["observables", "phy", "did you mean 'phi'"]),
    ("observable twice", GOOD + "observables: [x_cm, x_cm]\n", ["observables", "twice"]),
    ("axis of another model", GOOD + "  T_1: [0.1]\n", ["axes.T_1", "not an axis of model nsite"]),
    ("h for lambda", "model: lambda\nh: 1.0\naxes:\n  T_1: [0.5]\n  T_2: [0.1]\n", ["h", "lambda"]),
    ("yaml syntax", GOOD + "  T_R: [0.2, 0.4\n", ["YAML syntax", ":10:"]),
    ("two documents", GOOD + "---\n" + GOOD, ["more than one YAML document"]),
    ("too many points", GOOD.replace("num: 3", "num: 100000000").replace("T_R: [0.2, 0.4]",
                                     "T_R: {start: 0.1, stop: 0.2, num: 100000000}"),
     ["axes", "points"]),
    ("does not fit the disk", "model: nsite\naxes:\n  N: [100]\n  g: {start: 0.1, stop: 1, num: 1000}\n"
     "  T_L: {start: 0.1, stop: 1, num: 1000}\n  T_R: {start: 0.1, stop: 1, num: 1000}\n",
     ["axes", "output file needs about", "free"]),
    # the site-resolved chain and the other parameters of the table
    ("T_sites wrong length", GOOD.replace("  T_L: [0.8]\n  T_R: [0.2, 0.4]\n", "") + "T_sites: [0.5, 0.4, 0.3]\n",
     ["T_sites", "3 entries", "N = 4 needs 4"]),
    ("T_sites negative", GOOD.replace("  T_L: [0.8]\n  T_R: [0.2, 0.4]\n", "") + "T_sites: [0.5, -0.4, 0.3, 0.2]\n",
     ["T_sites[1]", ">= 0"]),
    ("T_sites and T_L", GOOD + "T_sites: [0.5, 0.4, 0.3, 0.2]\n", ["T_sites", "replaces T_L"]),
    ("h_sites not a list", GOOD + "h_sites: 1.0\n", ["h_sites", "list"]),
    ("g_sites wrong length", GOOD.replace("  g: {start: 0.1, stop: 1.0, num: 3}\n", "") +
     "g_sites: [0.5, 0.5, 0.5, 0.5]\n", ["g_sites", "N = 4 needs 3"]),
    ("disorder_W < 0", GOOD + "disorder_W: -0.1\n", ["disorder_W", ">= 0"]),
    ("disorder_W axis < 0", GOOD + "  disorder_W: [0.1, -0.2]\n", ["axes.disorder_W", ">= 0"]),
    ("seed not integer", GOOD + "  seed: [1, 2.5]\n", ["axes.seed", "integer"]),
    ("unknown T_profile", GOOD + "T_profile: cubic\n", ["T_profile", "linear, exponential"]),
    ("exponential profile at T = 0", GOOD.replace("T_R: [0.2, 0.4]", "T_R: [0.0, 0.4]") +
     "T_profile: exponential\n", ["T_profile", "T_R > 0", "at N = 4, g = 0.1, T_L = 0.8, T_R = 0"]),
    ("unknown master equation", GOOD + "master_equation: secular\n", ["master_equation", "global"]),
    ("gamma axis <= 0", GOOD + "  gamma: [1.0, 0.0]\n", ["axes.gamma", "> 0"]),
    ("does not fit memory", GOOD.replace("N: [4]", "N: [100000]").replace("num: 3", "num: 1"),
     ["axes", "memory"]),
]

for n_case, (name, text, want) in enumerate(CASES):
    cfg = os.path.join(d, "bad.yaml")
    with open(cfg, "w") as f:
        f.write(text)
    out = os.path.join(d, "out.h5")
    remove(out)
    before = set(os.listdir(d))
    # most cases as a singleton (fast); every fifth through mpirun with 2 ranks
    rc, err = run_sweep(0 if n_case % 5 else 2, cfg, out)
    check(rc == 2, f"{name}: exit 2 (got {rc})")
    for w in want:
        check(w in err, f"{name}: message contains {w!r}: {err.strip()[:300]!r}")
    check(sum(line.startswith("qthermo sweep: error:") for line in err.splitlines()) == 1,
          f"{name}: exactly one error line")
    check(set(os.listdir(d)) == before, f"{name}: no file created ({set(os.listdir(d)) - before})")
    print(f"ok: {name}: {err.strip().splitlines()[0][:160]}", flush=True)

# refused runs leave an existing file byte for byte unchanged
good = os.path.join(d, "good.yaml")
with open(good, "w") as f:
    f.write(GOOD)
out = os.path.join(d, "existing.h5")
remove(out)
rc, err = run_sweep(2, good, out)
check(rc == 0, f"first run: exit 0 ({err[-200:]})")
ref = sha256(out)
st = os.stat(out)


def unchanged(label, rc, err, code=2):
    check(rc == code, f"{label}: exit {code} (got {rc}): {err.strip()[-200:]}")
    check(sha256(out) == ref and os.stat(out).st_mtime_ns == st.st_mtime_ns,
          f"{label}: existing file unchanged")
    check(not [p for p in os.listdir(d) if ".tmp." in p], f"{label}: no temporary file left")


rc, err = run_sweep(2, good, out)
unchanged("no --force/--resume", rc, err)
check("exists" in err and "--force" in err, "refusal message says why and what to do")
other = os.path.join(d, "other.yaml")
with open(other, "w") as f:
    f.write(GOOD.replace("num: 3", "num: 4"))
rc, err = run_sweep(0, other, out, "--resume")
unchanged("--resume with another config", rc, err)
check("config_sha256" in err, "--resume refusal names config_sha256")
bad = os.path.join(d, "bad.yaml")
with open(bad, "w") as f:
    f.write(GOOD + "gama: 2\n")
rc, err = run_sweep(0, bad, out, "--force")
unchanged("--force with a bad config", rc, err)
rc, err = run_sweep(0, good, out, "--force", "--resume")
unchanged("--force with --resume", rc, err)
rc, err = run_sweep(0, good, out, "--bogus")
unchanged("unknown option", rc, err)
rc, err = run_sweep(0, good, out, "--resume")
unchanged("--resume of a complete file", rc, err, code=0)
notours = os.path.join(d, "notours.h5")
shutil.copy(config("small_lambda.yaml"), notours)
ref2 = sha256(notours)
rc, err = run_sweep(0, good, notours, "--resume")
check(rc == 2 and sha256(notours) == ref2, f"--resume of a non-HDF5 file: exit 2, unchanged ({rc})")
# --force really replaces
rc, err = run_sweep(2, other, out, "--force")
check(rc == 0 and sha256(out) != ref, f"--force replaces the file ({rc})")
finish()
