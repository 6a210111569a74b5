"""Phase-boundary sweeps (a `boundary` section, docs/physics.md section 7):
identical files at 1 and 3 ranks; every smooth root has `qthermo point`
values of opposite sign at root -/+ 1e-9 and a bracket <= xtol; every
crossing is the formula's and a divergent point; the boundary agrees with
the sign changes of a fine uniform sweep of the same lines; Lambda and Vee
give T_2 = T_1; xarray reads it; SIGTERM and SIGKILL then --resume give the
uninterrupted file; bad boundary sections exit 2 naming the key."""
import json
import math
import os
import signal
import subprocess
import time

# read the file of a running sweep: its writer holds HDF5's file lock
os.environ["HDF5_USE_FILE_LOCKING"] = "FALSE"
import h5py  # noqa: E402
import numpy as np  # noqa: E402

from common import (ENV, QTHERMO, check, compare_files, config, finish, remove, run_sweep,
                    start_sweep, workdir)

d = workdir("boundary")


def point(N, g, TL, TR, spectral="flat"):
    """phi and status of `qthermo point`."""
    p = subprocess.run([QTHERMO, "point", "--model", "nsite", "--N", str(N), "--g", repr(g),
                        "--TL", repr(TL), "--TR", repr(TR), "--spectral", spectral],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    j = json.loads(p.stdout)
    return j["phi"], j["status"]


# ---- 1 and 3 ranks give identical files -----------------------------------
outs = {}
for k in (1, 3):
    outs[k] = f"{d}/nsite_{k}.h5"
    remove(outs[k])
    rc, err = run_sweep(k, config("boundary_nsite.yaml"), outs[k])
    check(rc == 0, f"boundary sweep at {k} ranks: exit 0 (got {rc}): {err[-400:]}")
compare_files(outs[1], outs[3], "boundary: 1 rank vs 3 ranks")

# ---- roots and crossings against `qthermo point` and the formula ------------
with h5py.File(outs[1], "r") as f:
    check(f.attrs["qthermo_format"] == "qthermo-boundary-1", "format attribute")
    for grp, N in (("N10", 10), ("N20", 20)):
        G = f[grp]
        check(bool(np.all(G["done"][...] == 1)), f"{grp}: every line done")
        where, kind = G["boundary_g"][...], G["boundary_kind"][...]
        width, count = G["boundary_width"][...], G["boundary_count"][...]
        T_mean, T_diff = G["T_mean"][...], G["T_diff"][...]
        formula = sorted(-1 / (2 * math.cos(j * math.pi / (N + 1))) for j in range(N // 2 + 1, N + 1))
        formula = [c for c in formula if 0.0025 <= c <= 1.5]
        check(np.allclose(G["crossings"][...], formula, rtol=0, atol=1e-12),
              f"{grp}: stored crossings = the formula")
        check(bool(np.all((kind > 0).sum(axis=-1) == count)), f"{grp}: count = points of kind > 0")
        check(int((kind == 3).sum()) == 0, f"{grp}: no failed point")
        roots = crossings = 0
        for i, tm in enumerate(T_mean):
            TL, TR = tm + 0.5 * T_diff[0], tm - 0.5 * T_diff[0]
            xs = where[i, 0][kind[i, 0] > 0]
            check(bool(np.all(np.diff(xs) > 0)), f"{grp} T_mean={tm}: points ascending")
            for x, k, w in zip(where[i, 0], kind[i, 0], width[i, 0]):
                if k == 1 and roots < 12:
                    roots += 1
                    check(w <= 1e-12, f"{grp} root {x}: bracket {w} <= 1e-12")
                    lo, _ = point(N, x - 1e-9, TL, TR)
                    hi, _ = point(N, x + 1e-9, TL, TR)
                    check((lo < 0) != (hi < 0), f"{grp} T_mean={tm} root {x!r}: phi {lo}, {hi}")
                elif k == 2 and crossings < 6:
                    crossings += 1
                    check(min(abs(x - c) for c in formula) <= 1e-12, f"{grp} crossing {x} exact")
                    _, st = point(N, float(x), TL, TR)
                    check(st == "divergent_rate", f"{grp} crossing {x}: point is divergent ({st})")
                    lo, _ = point(N, x - 1e-6, TL, TR)
                    hi, _ = point(N, x + 1e-6, TL, TR)
                    check((lo < 0) != (hi < 0), f"{grp} crossing {x}: phi {lo}, {hi} change sign")
        check(roots > 0 and crossings > 0, f"{grp}: both kinds occur ({roots}, {crossings})")
        solves = G["boundary_solves"][...]
        check(bool(np.all(solves >= G["scan"].shape[0])), f"{grp}: solves include the scan")

# ---- the same lines on a fine uniform grid --------------------------------
uni = f"{d}/uniform.h5"
remove(uni)
rc, err = run_sweep(1, config("boundary_uniform.yaml"), uni)
check(rc == 0, f"uniform sweep: exit 0 ({err[-300:]})")
with h5py.File(uni, "r") as fu, h5py.File(outs[1], "r") as fb:
    g, phi = fu["g"][...], fu["N10/phi"][...]
    cell = g[1] - g[0]
    where, kind = fb["N10/boundary_g"][...], fb["N10/boundary_kind"][...]
    for i in range(phi.shape[1]):
        pts = where[i, 0][kind[i, 0] > 0]
        line = phi[:, i, 0]
        ok = np.isfinite(line)
        gs, ps = g[ok], line[ok]
        changes = [(gs[k], gs[k + 1]) for k in range(len(gs) - 1) if (ps[k] < 0) != (ps[k + 1] < 0)]
        for a, b in changes:
            check(any(a - cell <= x <= b + cell for x in pts),
                  f"uniform sign change in [{a}, {b}] (T_mean #{i}) traced")
        for x in pts:
            near = any(a - cell <= x <= b + cell for a, b in changes)
            pair = any(y != x and abs(y - x) < cell for y in pts)
            check(near or pair, f"traced point {x} (T_mean #{i}) has a uniform sign change beside it")

# ---- ohmic bath, T_L / T_R axes ---------------------------------------------
oh = f"{d}/ohmic.h5"
remove(oh)
rc, err = run_sweep(3, config("boundary_ohmic.yaml"), oh)
check(rc == 0, f"ohmic boundary sweep: exit 0 ({err[-300:]})")
with h5py.File(oh, "r") as f:
    G = f["N12"]
    check("crossings" not in G, "ohmic: no singular crossings")
    for i, TL in enumerate(G["T_L"][...]):
        for j, TR in enumerate(G["T_R"][...]):
            for x, k in zip(G["boundary_g"][i, j], G["boundary_kind"][i, j]):
                if k != 1:
                    continue
                lo, _ = point(12, x - 1e-9, TL, TR, "ohmic")
                hi, _ = point(12, x + 1e-9, TL, TR, "ohmic")
                check((lo < 0) != (hi < 0), f"ohmic root {x}: phi {lo}, {hi}")
    check(int((G["boundary_kind"][...] == 1).sum()) > 0, "ohmic: some roots")

# ---- Lambda and Vee: T_2 = T_1 ---------------------------------------------
for model in ("lambda", "vee"):
    out = f"{d}/{model}.h5"
    remove(out)
    rc, err = run_sweep(3, config(f"boundary_{model}.yaml"), out)
    check(rc == 0, f"{model}: exit 0 ({err[-300:]})")
    with h5py.File(out, "r") as f:
        T1, where = f["T_1"][...], f["boundary_T_2"][...]
        check(bool(np.all(f["boundary_count"][...] == 1)), f"{model}: one point per line")
        check(bool(np.all(np.abs(where[:, 0] - T1) <= 1e-11)), f"{model}: T_2 = T_1 ({where[:, 0]})")

# ---- xarray ------------------------------------------------------------------
import xarray as xr  # noqa: E402

ds = xr.open_dataset(outs[1], group="N10", engine="h5netcdf")
check(ds.boundary_g.dims == ("T_mean", "T_diff", "point"), f"xarray dims {ds.boundary_g.dims}")
check(ds.phi.dims == ("T_mean", "T_diff", "scan"), f"xarray scan dims {ds.phi.dims}")
check(float(ds.scan[0]) == 0.0025 and float(ds.scan[-1]) == 1.5, "scan coordinate spans the axis")
ds.close()


# ---- signals and kills, then --resume -----------------------------------------
def lines_done(path):
    """Lines marked done in a file being written (0 while it is not there)."""
    try:
        with h5py.File(path, "r") as f:
            return int(f["N80/done"][...].sum())
    except (OSError, KeyError):
        return 0


def interrupted(label, ranks, sig, delay):
    """Interrupt a run once `delay` lines are done, then --resume it."""
    ref = f"{d}/slow_ref.h5"
    if not os.path.exists(ref):
        rc, err = run_sweep(2, config("boundary_slow.yaml"), ref)
        check(rc == 0, f"slow reference: exit 0 ({err[-300:]})")
    out = f"{d}/slow.h5"
    remove(out)
    p = start_sweep(ranks, config("boundary_slow.yaml"), out)
    t0 = time.time()
    while time.time() - t0 < 120 and lines_done(out) < delay:
        time.sleep(0.05)
    os.kill(p.pid, sig)
    _, err = p.communicate(timeout=120)
    if sig != signal.SIGKILL:
        check(p.returncode == 4, f"{label}: exit 4 (got {p.returncode}): {err[-300:]}")
        check("--resume" in err, f"{label}: the message says how to resume")
    with h5py.File(out, "r") as f:
        done = f["N80/done"][...]
    check(0 < int(done.sum()) < done.size, f"{label}: part of the lines done ({done.sum()})")
    rc, err = run_sweep(ranks, config("boundary_slow.yaml"), out, "--resume")
    check(rc == 0, f"{label}: --resume exit 0 ({err[-300:]})")
    compare_files(ref, out, f"{label}: resumed file = uninterrupted")


interrupted("SIGTERM to a singleton", 0, signal.SIGTERM, 3)
interrupted("SIGKILL of a singleton", 0, signal.SIGKILL, 3)
interrupted("SIGUSR1 to mpirun", 3, signal.SIGUSR1, 3)

# ---- bad boundary sections ------------------------------------------------------
BAD = [("boundary: {axis: g}\naxes: {N: [10], g: {start: 0, stop: 1, num: 5}, T_L: [0.3], "
        "T_R: [0.1]}", "axes.g"),
       ("boundary: {axis: T_L}\naxes: {N: [10], g: [0.5], T_L: [0.3], T_R: [0.1]}", "axes.T_L"),
       ("boundary: {axis: g, observable: phase}\naxes: {N: [10], g: {start: 0.1, stop: 1}, "
        "T_L: [0.3], T_R: [0.1]}", "boundary.observable"),
       ("boundary: {axis: g, scan: 1}\naxes: {N: [10], g: {start: 0.1, stop: 1}, T_L: [0.3], "
        "T_R: [0.1]}", "boundary.scan"),
       ("boundary: {axis: g, xtoll: 1}\naxes: {N: [10], g: {start: 0.1, stop: 1}, T_L: [0.3], "
        "T_R: [0.1]}", "boundary.xtoll"),
       ("boundary: {axis: g}\naxes: {N: [10], g: {start: 1, stop: 0.5}, T_L: [0.3], "
        "T_R: [0.1]}", "axes.g")]
for i, (body, key) in enumerate(BAD):
    cfg, out = f"{d}/bad{i}.yaml", f"{d}/bad{i}.h5"
    remove(out)
    with open(cfg, "w") as f:
        f.write("model: nsite\n" + body + "\n")
    rc, err = run_sweep(0, cfg, out)
    check(rc == 2 and key in err and not os.path.exists(out),
          f"bad boundary config {i}: exit 2 naming {key} (got {rc}: {err.strip()[-200:]})")
finish()
