"""Helpers shared by the sweep tests (run with Debian's /usr/bin/python3,
which has h5py, numpy and xarray).

Every test gets: argv[1] = the qthermo executable, argv[2] = mpiexec.
Ranks are oversubscribed (the CI machine has 2 cores) and allowed to run as
root (CI runs as root)."""
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
QTHERMO = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "build/qthermo"
MPIEXEC = sys.argv[2] if len(sys.argv) > 2 else "mpirun"

ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1")

FAILURES = []
WORKDIRS = []  # removed when every check passed (kept for a look after a failure)


def check(cond, what):
    """Record a failed check (the test goes on, then exits 1)."""
    if not cond:
        FAILURES.append(what)
        print("FAIL:", what, flush=True)
    return cond


def finish():
    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed", flush=True)
        sys.exit(1)
    for w in WORKDIRS:
        shutil.rmtree(w, ignore_errors=True)
    print("all checks passed", flush=True)
    sys.exit(0)


def config(name):
    return os.path.join(HERE, "configs", name)


def workdir(name):
    d = os.path.abspath(os.path.join("sweep-tests", name + (f"-{WRITER}" if WRITER else "")))
    os.makedirs(d, exist_ok=True)
    WORKDIRS.append(d)
    return d


# QTHERMO_TEST_WRITER=master|workers: every run of the test passes --writer
# (a test runs once per writer mode without a copy of the test).
WRITER = os.environ.get("QTHERMO_TEST_WRITER", "")


def sweep_cmd(ranks, cfg, out, *extra):
    """ranks = 0: run the executable directly (an MPI singleton, one rank)."""
    cmd = [MPIEXEC, "--oversubscribe", "--allow-run-as-root", "-np", str(ranks)] if ranks else []
    writer = ["--writer", WRITER] if WRITER and "--writer" not in extra else []
    return cmd + [QTHERMO, "sweep", cfg, "-o", out] + writer + list(extra)


def run_sweep(ranks, cfg, out, *extra, env=None, timeout=300):
    """Run a sweep to the end; returns (exit code, stderr)."""
    p = subprocess.run(sweep_cmd(ranks, cfg, out, *extra), env=env or ENV,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout)
    return p.returncode, p.stderr


def reference_run(d, cfg, ranks):
    """An uninterrupted sweep of cfg into d/ref.h5, checked to exit 0; its path."""
    ref = f"{d}/ref.h5"
    remove(ref)
    rc, err = run_sweep(ranks, cfg, ref)
    check(rc == 0, f"reference run: exit 0 ({err[-300:]})")
    return ref


def start_sweep(ranks, cfg, out, *extra, env=None):
    return subprocess.Popen(sweep_cmd(ranks, cfg, out, *extra), env=env or ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def children(pid):
    """Pids of the direct children of pid (the MPI ranks under mpirun)."""
    kids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                kids.append(int(d))
        except (OSError, IndexError, ValueError):
            pass
    return kids


def rank_pids(proc, ranks, timeout=30):
    """Wait until mpirun has started `ranks` qthermo processes; their pids."""
    t0 = time.time()
    while time.time() - t0 < timeout:
        pids = [k for k in children(proc.pid) if "qthermo" in open(f"/proc/{k}/cmdline").read()]
        if len(pids) >= ranks:
            return pids
        time.sleep(0.02)
    raise RuntimeError("the ranks did not start")


def wait_lines(path, n, timeout=60):
    """Wait until the count file has at least n lines (points computed)."""
    t0 = time.time()
    while time.time() - t0 < timeout:
        if os.path.exists(path):
            with open(path) as f:
                if sum(1 for _ in f) >= n:
                    return True
        time.sleep(0.01)
    return False


def read_all(path):
    """{dataset path: numpy array} for every dataset in the file."""
    out = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                out[name] = obj[...]
        f.visititems(visit)
    return out


def same_array(a, b):
    """Bitwise-equal values, NaN equal to NaN."""
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype.kind == "f":
        return bool(np.array_equal(a, b, equal_nan=True))
    return bool(np.array_equal(a, b))


def compare_files(p, q, label):
    a, b = read_all(p), read_all(q)
    check(sorted(a) == sorted(b), f"{label}: same datasets ({sorted(a)} vs {sorted(b)})")
    for k in sorted(set(a) & set(b)):
        check(same_array(a[k], b[k]), f"{label}: dataset {k} identical")


def counted(path):
    """Lines 'GROUP INDEX' of a QTHERMO_COUNT_FILE as a list of tuples. A
    final line without its newline is the torn write of a rank killed in the
    middle of it (Linux ends a write short on SIGKILL): it is left out, as
    its truncated index ("N10 12" of "N10 1234") would pass for another
    point. The batch of a torn line was not sent, so none of it is done."""
    if not os.path.exists(path):
        return []
    with open(path) as f:
        lines = f.read().split("\n")
    return [tuple(line.split()) for line in lines[:-1] if line.strip()]


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def remove(*paths):
    for p in paths:
        if os.path.exists(p):
            os.unlink(p)
