"""A sweep's values equal `qthermo point` for the same parameters, point by
point, bit for bit (the JSON numbers read back exactly), and failed points carry the
same status with NaN observables."""
import itertools
import json
import subprocess

import h5py
import numpy as np

from common import QTHERMO, check, config, finish, remove, run_sweep, workdir

d = workdir("point")


def point(args):
    p = subprocess.run([QTHERMO, "point"] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    return p.returncode, json.loads(p.stdout) if p.stdout.strip() else {}


def num(x):
    return repr(float(x))


def same(a, b):
    """a from the file, b from JSON (None = NaN): the same doubles."""
    a = np.asarray(a, dtype=float).ravel()
    b = np.asarray([np.nan if v is None else v for v in np.atleast_1d(b)], dtype=float)
    return a.shape == b.shape and bool(np.all((np.isnan(a) & np.isnan(b)) | (a == b)))


def compare(f, group, idx, args, keys, label):
    names = f[group]["status"].attrs["flag_meanings"].split()
    rc, js = point(args)
    st = int(f[group]["status"][idx])
    name = names[st + 1]
    check(js.get("status") == name, f"{label}: status {name} == point's {js.get('status')}")
    check(rc == (0 if name == "ok" else 3), f"{label}: point exit code {rc}")
    for k in keys:
        if k not in f[group]:
            continue
        v = f[group][k][idx]
        if name != "ok" and k in ("phase", "peak_site"):
            continue  # JSON null; the file keeps its fill value (masked by xarray)
        check(same(v, js[k]), f"{label}: {k} {np.ravel(v)[:4]} == point {np.ravel(js[k])[:4]}")


NSITE_KEYS = ["site_population", "x_cm", "phi", "phase", "peak_site", "soret", "heat_current",
              "energy", "residual", "trace_error", "min_eigenvalue"]
THREE_KEYS = ["populations", "delta", "delta_formula", "x_mean", "m_eff", "omega2", "force",
              "force_highT", "heat_current", "energy", "residual"]

# nsite, default options: every point
out = f"{d}/nsite.h5"
remove(out)
rc, err = run_sweep(2, config("small_nsite.yaml"), out)
check(rc == 0, f"nsite sweep exit 0: {err[-300:]}")
n_checked = 0
with h5py.File(out, "r") as f:
    g, TL, TR = f["g"][...], f["T_L"][...], f["T_R"][...]
    for N in f["N"][...]:
        grp = f"N{N}"
        for i, j, k in itertools.product(range(len(g)), range(len(TL)), range(len(TR))):
            if (i + j + k) % 3:  # a third of the points keeps the test short
                continue
            args = ["--model", "nsite", "--N", str(N), "--g", num(g[i]), "--TL", num(TL[j]),
                    "--TR", num(TR[k])]
            compare(f, grp, (i, j, k), args, NSITE_KEYS, f"{grp} g={g[i]} TL={TL[j]} TR={TR[k]}")
            n_checked += 1
check(n_checked > 200, f"checked {n_checked} nsite points")

# nsite with every option set, T_mean / T_diff axes
out = f"{d}/dense.h5"
remove(out)
rc, err = run_sweep(3, config("small_dense_ohmic.yaml"), out)
check(rc == 0, f"dense sweep exit 0: {err[-300:]}")
with h5py.File(out, "r") as f:
    g, tm, td = f["g"][...], f["T_mean"][...], f["T_diff"][...]
    for i, j, k in itertools.product(range(len(g)), range(len(tm)), range(len(td))):
        args = ["--model", "nsite", "--N", "4", "--g", num(g[i]), "--TL", num(tm[j] + td[k] / 2),
                "--TR", num(tm[j] - td[k] / 2), "--h", "1.3", "--gamma", "0.7", "--spectral",
                "ohmic", "--bath", "classical", "--solver", "dense", "--tol", "1e-8"]
        compare(f, "N4", (i, j, k), args, NSITE_KEYS, f"dense g={g[i]} Tm={tm[j]} Td={td[k]}")

# lambda: T_1 x T_2 x E_1
out = f"{d}/lambda.h5"
remove(out)
rc, err = run_sweep(2, config("small_lambda.yaml"), out)
check(rc == 0, f"lambda sweep exit 0: {err[-300:]}")
with h5py.File(out, "r") as f:
    t1, t2, e1 = f["T_1"][...], f["T_2"][...], f["E_1"][...]
    for i, j, k in itertools.product(range(len(t1)), range(len(t2)), range(len(e1))):
        args = ["--model", "lambda", "--T1", num(t1[i]), "--T2", num(t2[j]), "--E1", num(e1[k])]
        compare(f, "/", (i, j, k), args, THREE_KEYS, f"lambda T1={t1[i]} T2={t2[j]} E1={e1[k]}")

# vee: T_mean (log) x T_diff
out = f"{d}/vee.h5"
remove(out)
rc, err = run_sweep(1, config("small_vee_meandiff.yaml"), out)
check(rc == 0, f"vee sweep exit 0: {err[-300:]}")
with h5py.File(out, "r") as f:
    tm, td = f["T_mean"][...], f["T_diff"][...]
    check(np.allclose(tm, np.logspace(-1, 1, 6), rtol=1e-14, atol=0), "log spacing of T_mean")
    for i, j in itertools.product(range(len(tm)), range(len(td))):
        args = ["--model", "vee", "--T1", num(tm[i] + td[j] / 2), "--T2", num(tm[i] - td[j] / 2)]
        compare(f, "/", (i, j), args, THREE_KEYS, f"vee Tm={tm[i]} Td={td[j]}")
finish()
