"""Fault injection at the write, sync, truncate, rename and link calls of a
sweep on its output directory (LD_PRELOAD shim faultshim.so), for three
runs: creating a file, resuming a half-done one and --force over a complete
one. For each chosen call N, the run with the Nth call failing must:
  - end (no hang) with exit 0 or 1, never a crash (exit >= 128);
  - on exit 1 print a non-empty "error: ..." line; a failed fsync is never
    a success (exit 0);
  - leave the output either absent (create), untouched (--force: the old
    bytes), or a valid file whose done points hold the values of an
    uninterrupted run, which --resume completes to equal that run bit for
    bit; no temporary file stays behind.

    faults.py QTHERMO SHIM [--all] [--sample K] [--errno EIO|ENOSPC] [--sticky] [--work DIR]

Default: every call that is not a data write, plus K (12) data writes spread
over the run, per run kind. --all: every call (the long mode)."""
import argparse
import glob
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "sweep"))
from common import ENV, check, compare_files, finish, read_all, same_array, sha256  # noqa: E402

import h5py  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("qthermo")
ap.add_argument("shim")
ap.add_argument("--all", action="store_true")
ap.add_argument("--sample", type=int, default=12)
ap.add_argument("--errno", default="EIO")
ap.add_argument("--sticky", action="store_true")
ap.add_argument("--work", default=os.path.abspath("adversarial-faults"))
ap.add_argument("--config", default=os.path.join(HERE, "configs", "faults.yaml"))
args = ap.parse_args()
work = os.path.abspath(args.work)
d = os.path.join(work, "out")  # the directory the shim watches
shutil.rmtree(work, ignore_errors=True)
os.makedirs(d)
cfg = os.path.join(work, "faults.yaml")  # outside the watched directory
shutil.copy(args.config, cfg)
QT = os.path.abspath(args.qthermo)
out = os.path.join(d, "run.h5")


def sweep(*extra, at=0, trace=None, timeout=120):
    """One singleton run (rank 0 computes and writes), the Nth call failing."""
    env = dict(ENV, QT_FAULT_DIR=d, QT_FAULT_AT=str(at), QT_FAULT_ERRNO=args.errno,
               QT_FAULT_STICKY="1" if args.sticky else "0", QT_FAULT_REPORT=f"{work}/report.txt",
               LD_PRELOAD=os.path.abspath(args.shim))
    if trace:
        env["QT_FAULT_TRACE"] = trace
    for f in (f"{work}/report.txt", trace):
        if f and os.path.exists(f):
            os.unlink(f)
    try:
        p = subprocess.run([QT, "sweep", cfg, "-o", out] + list(extra), env=env, timeout=timeout,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        rc, err = p.returncode, p.stderr
    except subprocess.TimeoutExpired:
        rc, err = "hang", ""
    injected = ""
    if os.path.exists(f"{work}/report.txt"):
        for line in open(f"{work}/report.txt"):
            if line.split()[2] != "-":
                injected = line.split()[2]
    return rc, err, injected


def clean_run(*extra):
    """A run without a fault (a resume, or the reference)."""
    env = dict(ENV)
    p = subprocess.run([QT, "sweep", cfg, "-o", out] + list(extra), env=env, timeout=300,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return p.returncode, p.stderr


for f in glob.glob(out + "*"):
    os.unlink(f)
rc, err = clean_run()
if not check(rc == 0, f"reference run exit 0 ({err[-300:]})"):
    finish()
ref = os.path.join(work, "ref.h5")
shutil.move(out, ref)
R = read_all(ref)
GROUPS = sorted({k.split("/")[0] for k in R if k.endswith("/done")})


def make_half_done(path):
    """A copy of the reference with the second half of each group not done,
    as a killed run leaves it."""
    shutil.copy(ref, path)
    with h5py.File(path, "r+") as f:
        for g in GROUPS:
            done = f[g + "/done"][...]
            flat = done.reshape(-1)
            flat[flat.size // 2:] = 0
            f[g + "/done"][...] = done
            st = f[g + "/status"][...]
            st.reshape(-1)[st.size // 2:] = -1
            f[g + "/status"][...] = st


def prepare(kind):
    for f in glob.glob(out + "*"):
        os.unlink(f)
    if kind == "resume":
        make_half_done(out)
    if kind == "force":
        shutil.copy(ref, out)
    return {"create": [], "resume": ["--resume"], "force": ["--force"]}[kind]


def done_values_right(label):
    """The file opens and its done points hold the reference values."""
    try:
        data = read_all(out)
    except (OSError, KeyError) as e:
        check(False, f"{label}: the file left behind opens ({e})")
        return False
    ok = True
    for g in GROUPS:
        if g + "/done" not in data:
            return check(False, f"{label}: group {g} has a done mask")
        mask = data[g + "/done"].astype(bool)
        for k in R:
            if k.startswith(g + "/") and k != g + "/done" and R[k].shape[:mask.ndim] == mask.shape:
                ok &= check(same_array(data[k][mask], R[k][mask]), f"{label}: {k} of done points")
    return ok


def choose(trace):
    calls = [line.split() for line in open(trace)] if os.path.exists(trace) else []
    if args.all:
        return [(int(n), c) for n, c in calls]
    data = [(int(n), c) for n, c in calls if c in ("pwrite", "write", "pwritev", "writev")]
    other = [(int(n), c) for n, c in calls if (int(n), c) not in data]
    k = max(1, min(args.sample, len(data)))
    spread = [data[round(i * (len(data) - 1) / max(1, k - 1))] for i in range(k)] if data else []
    return sorted(set(other + spread + data[-3:]))


for kind in ("create", "resume", "force"):
    trace = f"{work}/trace_{kind}.txt"
    extra = prepare(kind)
    old = sha256(out) if kind == "force" else None
    rc, err, _ = sweep(*extra, trace=trace)
    check(rc == 0, f"{kind}: the run without a fault exits 0 ({err[-300:]})")
    picks = choose(trace)
    print(f"{kind}: {sum(1 for _ in open(trace))} calls on the output directory, "
          f"injecting {args.errno} at {len(picks)} of them", flush=True)
    for n, call in picks:
        extra = prepare(kind)
        label = f"{kind}: {args.errno} at call {n} ({call})"
        rc, err, injected = sweep(*extra, at=n)
        print(f"  {label}: exit {rc}", flush=True)
        if not check(rc in (0, 1), f"{label}: exit 0 or 1, no crash or hang (exit {rc}; "
                                   f"{err[-400:]})"):
            continue
        if rc == 1:
            check(re.search(r"error: \S", err) and not re.search(r"error: *$", err, re.M),
                  f"{label}: a clear error message ({err[-300:]})")
        if rc == 0 and injected.startswith(("fsync", "fdatasync")):
            check(False, f"{label}: a failed {injected} is reported as success")
        left = [f for f in os.listdir(d) if ".tmp" in f]
        check(not left, f"{label}: no temporary file left ({left})")
        for f in left:
            os.unlink(os.path.join(d, f))
        if not os.path.exists(out):
            check(kind == "create", f"{label}: the existing file is still there")
            continue
        if rc == 0:
            compare_files(ref, out, f"{label}: completed file vs reference")
            continue
        if old and sha256(out) == old:
            continue  # --force left the old file untouched
        if done_values_right(label):
            rc2, err2 = clean_run("--resume")
            if check(rc2 == 0, f"{label}: --resume after the fault exits 0 ({err2[-300:]})"):
                compare_files(ref, out, f"{label}: resumed vs reference")
finish()
