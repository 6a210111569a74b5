"""Check a qthermo sweep results file written by a Slurm job.

  /usr/bin/python3 check_h5.py OUT.h5 [--reference REF.h5] [--count-file FILE]
  /usr/bin/python3 check_h5.py OUT.h5 --partial --reference REF.h5

- every point done (done == 1) and solved (status == 0);
- values sane: site populations in [0, 1] summing to 1, phi = sign(T_L - T_R) x_cm
  finite in [-1, 1], peak_site = argmax of the populations, small residuals;
- --reference: every dataset of every group equal to an uninterrupted run's
  (bit for bit, NaN = NaN), same config_sha256;
- --count-file (QTHERMO_COUNT_FILE of the sweep): every point computed exactly once
  over all the job's runs;
- --partial (a file left by a job that was killed): some but not all points
  done; every done point equal in every dataset to the reference's, every
  point not done still marked not computed (status -1).
Prints what it checked; exit 0 if all holds, 1 otherwise."""

import argparse
import sys

import h5py
import numpy as np

failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print("FAIL: " + msg)
    return cond


def groups(f):
    return sorted((k for k in f if k.startswith("N") and k[1:].isdigit()), key=lambda k: int(k[1:]))


def check_file(path):
    total = 0
    with h5py.File(path, "r") as f:
        check("config_sha256" in f.attrs, "%s: no config_sha256 attribute" % path)
        gs = groups(f)
        check(len(gs) > 0, "%s: no N groups" % path)
        for gname in gs:
            g = f[gname]
            N = int(gname[1:])
            done, status = g["done"][...], g["status"][...]
            total += done.size
            check(np.all(done == 1), "%s/%s: %d of %d points not done" % (
                path, gname, int((done != 1).sum()), done.size))
            check(np.all(status == 0), "%s/%s: %d points with status != 0" % (
                path, gname, int((status != 0).sum())))
            pop = g["site_population"][...]
            check(pop.shape == done.shape + (N,), "%s/%s: site_population shape %s" % (
                path, gname, pop.shape))
            check(np.all(np.isfinite(pop)) and pop.min() >= -1e-14 and pop.max() <= 1 + 1e-14,
                  "%s/%s: site populations outside [0, 1]" % (path, gname))
            err = np.abs(pop.sum(-1) - 1).max()
            check(err < 1e-10, "%s/%s: populations sum to 1 within %.1e only" % (path, gname, err))
            phi = g["phi"][...]
            check(np.all(np.isfinite(phi)) and np.abs(phi).max() <= 1 + 1e-12,
                  "%s/%s: phi not finite or outside [-1, 1]" % (path, gname))
            k = np.arange(1, N + 1)
            x_cm = (pop * (k - (N + 1) / 2) / ((N - 1) / 2)).sum(-1)
            check(np.allclose(g["x_cm"][...], x_cm, atol=1e-12),
                  "%s/%s: x_cm differs from the populations' centre of mass" % (path, gname))
            peak = g["peak_site"][...]
            check(np.array_equal(peak, pop.argmax(-1) + 1) or
                  np.all(np.take_along_axis(pop, (peak - 1)[..., None], -1)[..., 0] >=
                         pop.max(-1) - 1e-15),
                  "%s/%s: peak_site is not the most populated site" % (path, gname))
            if "residual" in g:
                r = g["residual"][...]
                check(np.all(r < 1e-8), "%s/%s: residual up to %.1e" % (path, gname, r.max()))
            print("%s/%s: %d points, all done, status 0, populations sum to 1 (%.1e), "
                  "phi in [%.3g, %.3g]" % (path, gname, done.size, err, phi.min(), phi.max()))
    return total


def compare(path, ref):
    n = 0
    with h5py.File(path, "r") as a, h5py.File(ref, "r") as b:
        check(a.attrs["config_sha256"] == b.attrs["config_sha256"],
              "config_sha256 differs from the reference")
        check(groups(a) == groups(b), "groups %s vs reference %s" % (groups(a), groups(b)))
        for gname in groups(a):
            for name, ds in a[gname].items():
                if not isinstance(ds, h5py.Dataset):
                    continue
                if not check(name in b[gname], "%s/%s missing in the reference" % (gname, name)):
                    continue
                x, y = ds[...], b[gname][name][...]
                same = x.shape == y.shape and (
                    np.array_equal(x, y, equal_nan=True) if x.dtype.kind == "f"
                    else np.array_equal(x, y))
                check(same, "%s/%s differs from the uninterrupted run" % (gname, name))
                n += 1
    if not failures:
        print("%s equals %s in all %d datasets" % (path, ref, n))


def compare_partial(path, ref):
    """The done points must be there and exactly right; a point not done has
    status -1 (not computed) or, when a killed rank wrote it without getting
    to mark it done (the writers write status last), every value exact."""
    ndone = total = 0
    with h5py.File(path, "r") as a, h5py.File(ref, "r") as b:
        check(a.attrs["config_sha256"] == b.attrs["config_sha256"],
              "config_sha256 differs from the reference")
        for gname in groups(a):
            done = a[gname]["done"][...] == 1
            ndone += int(done.sum())
            total += done.size
            written = ~done & (a[gname]["status"][...] != -1)
            if written.any():
                print("%s: %d points written but not done (a killed writer)" % (
                    gname, int(written.sum())))
            for name, ds in a[gname].items():
                if not isinstance(ds, h5py.Dataset) or ds.shape[:done.ndim] != done.shape:
                    continue
                if name == "done":
                    continue
                x, y = ds[...][done | written], b[gname][name][...][done | written]
                same = np.array_equal(x, y, equal_nan=True) if x.dtype.kind == "f" \
                    else np.array_equal(x, y)
                check(same, "%s/%s: a done (or written) point differs from the uninterrupted "
                      "run" % (gname, name))
    check(0 < ndone < total, "%d of %d points done: the job was not cut mid-sweep" % (
        ndone, total))
    print("%s: %d of %d points done, each equal to %s in every dataset" % (
        path, ndone, total, ref))


def check_count(count_file, total):
    with open(count_file) as fh:
        lines = [ln.split() for ln in fh if ln.strip()]
    keys = [tuple(ln[:2]) for ln in lines]
    dup = len(keys) - len(set(keys))
    check(dup == 0, "%d points were computed more than once" % dup)
    check(len(set(keys)) == total, "%d distinct points computed, expected %d" % (
        len(set(keys)), total))
    print("count file: %d computations for %d points" % (len(keys), total))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--reference")
    ap.add_argument("--count-file")
    ap.add_argument("--partial", action="store_true")
    a = ap.parse_args()
    if a.partial:
        if not a.reference:
            ap.error("--partial needs --reference")
        compare_partial(a.file, a.reference)
        print("%d check(s) failed" % len(failures) if failures else "all checks passed")
        return 1 if failures else 0
    total = check_file(a.file)
    if a.reference:
        compare(a.file, a.reference)
    if a.count_file:
        check_count(a.count_file, total)
    if failures:
        print("%d check(s) failed" % len(failures))
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
