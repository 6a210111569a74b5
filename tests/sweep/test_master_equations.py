"""Sweeps over the master equation and Gamma: identical files at 1 and 3
ranks, every value equal to `qthermo point` with the same parameters bit for
bit, global independent of Gamma, redfield -> global as Gamma -> 0, and the
master_equation coordinate named CF-style."""
import json
import subprocess
import sys

import h5py
import numpy as np

from common import check, compare_files, config, finish, remove, run_sweep, workdir

QTHERMO = sys.argv[1]
d = workdir("master_equations")
outs = {}
for cfg in ("small_me.yaml", "small_me_lambda.yaml"):
    for k in (1, 3):
        out = f"{d}/{cfg[:-5]}_{k}.h5"
        remove(out)
        rc, err = run_sweep(k, config(cfg), out)
        check(rc == 0, f"{cfg} at {k} ranks: exit 0 (got {rc}): {err[-400:]}")
        outs[cfg, k] = out
    compare_files(outs[cfg, 1], outs[cfg, 3], f"{cfg}: 1 rank vs 3 ranks")


def point(*args):
    p = subprocess.run([QTHERMO, "point", *args], capture_output=True, text=True, timeout=60)
    return json.loads(p.stdout)


with h5py.File(outs["small_me.yaml", 1], "r") as f:
    me = f["master_equation"]
    names = me.attrs["flag_meanings"].split()
    check(names == ["global", "local", "redfield"] and list(me[...]) == [0, 1, 2],
          "master_equation coordinate: indices named by flag_meanings")
    g = f["N12"]
    phi = g["phi"][...]  # [g, gamma, T_L, T_R, master_equation]
    check(bool(np.all(g["done"][...] == 1)) and bool(np.all(g["status"][...] == 0)), "all ok")
    drift = np.abs(phi[:, :, :, :, 0] - phi[:, :1, :, :, 0]).max()
    check(drift < 1e-13, f"global: phi independent of Gamma (to rounding: {drift:.2g})")
    err = np.abs(phi[:, :, :, :, 2] - phi[:, :, :, :, 0]).max(axis=(0, 2, 3))
    check(err[0] < err[1] < err[2], f"redfield -> global as Gamma -> 0: {err}")
    gam, gs, trs = f["gamma"][...], f["g"][...], f["T_R"][...]
    for (ig, iG, iT, im) in ((4, 2, 0, 2), (1, 0, 1, 1), (2, 1, 0, 0), (3, 2, 1, 2)):
        j = point("--model", "nsite", "--N", "12", "--g", repr(gs[ig]), "--gamma", repr(gam[iG]),
                  "--T_L", "0.8", "--T_R", repr(trs[iT]), "--master_equation", names[im])
        same = j["phi"] == phi[ig, iG, 0, iT, im] and j["site_population"] == list(
            g["site_population"][ig, iG, 0, iT, im])
        check(same, f"point {names[im]} g={gs[ig]} gamma={gam[iG]}: sweep = qthermo point")
        check(j["secular_ratio"] == g["secular_ratio"][ig, iG, 0, iT, im], "secular_ratio")
with h5py.File(outs["small_me_lambda.yaml", 1], "r") as f:
    check(f.attrs["master_equation"] == "redfield" and "min_eigenvalue" in f,
          "lambda redfield: attribute and min_eigenvalue written")
    j = point("--model", "lambda", "--T_1", "1.5", "--T_2", repr(f["T_2"][2]), "--E_1", "0.1",
              "--gamma", "0.3", "--master_equation", "redfield")
    check(j["delta"] == f["delta"][1, 2, 1], "lambda redfield: sweep = qthermo point")
finish()
