"""The same sweep at 1, 2, 3 and 4 ranks gives identical data in every
dataset (bitwise, NaN = NaN), and every point is done."""
import numpy as np
import h5py

from common import check, compare_files, config, finish, remove, run_sweep, workdir

d = workdir("ranks")
for cfg, ranks in (("small_nsite.yaml", (1, 2, 3, 4)), ("small_lambda.yaml", (1, 3)),
                   ("small_vee_meandiff.yaml", (1, 2))):
    outs = []
    for k in ranks:
        out = f"{d}/{cfg[:-5]}_{k}.h5"
        remove(out)
        rc, err = run_sweep(k, config(cfg), out)
        check(rc == 0, f"{cfg} at {k} ranks: exit 0 (got {rc}): {err[-500:]}")
        outs.append(out)
    with h5py.File(outs[0], "r") as f:
        groups = [g for g in f if isinstance(f[g], h5py.Group)] or ["/"]
        for g in groups:
            done, status = f[g]["done"][...], f[g]["status"][...]
            check(done.size > 0 and bool(np.all(done == 1)), f"{cfg} {g}: every point done")
            check(int(np.sum(status == 0)) > 0, f"{cfg} {g}: some points ok")
        attrs = {k: f.attrs[k] for k in f.attrs if k != "created"}
    for k, out in zip(ranks[1:], outs[1:]):
        compare_files(outs[0], out, f"{cfg}: 1 rank vs {k} ranks")
        with h5py.File(out, "r") as f:
            other = {a: f.attrs[a] for a in f.attrs if a != "created"}
        check(sorted(attrs) == sorted(other) and all(str(attrs[a]) == str(other[a]) for a in attrs),
              f"{cfg}: root attributes equal at {k} ranks")
finish()
