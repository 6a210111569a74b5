"""--writer master and --writer workers (each worker writes its own results
into the one file, rank 0 only schedules and marks done) give files equal
in every dataset and root attribute to a single-rank run at 2, 3, 5 and 34
ranks, every point done, and the same closing summary: rank 0 counts the
statuses by reading back data other processes wrote, so a stale cache
would show here. A bad --writer value is refused; a worker whose
fdatasync fails ends the run with exit 1 and --resume completes the file.
A 34-rank run (batches past 4096 points) stopped by SIGTERM exits 4 and
resumes to the 1-rank file, each point computed once."""
import collections
import os
import re
import signal
import subprocess
import sys

import h5py
import numpy as np

from common import (ENV, MPIEXEC, QTHERMO, check, compare_files, config, counted, finish, rank_pids,
                    remove, run_sweep, start_sweep, wait_lines, workdir)

SHIM = os.path.abspath(sys.argv[3]) if len(sys.argv) > 3 else "build/tests/sweep/libqt_iotrace.so"


def summary(err):
    """The closing 'done: ...' line without its time stamp and file name."""
    m = re.search(r"done: (\d+/\d+) points in \S+, (failed .*)", err)
    return m.groups() if m else None


def root_attrs(path):
    with h5py.File(path, "r") as f:
        return {a: str(f.attrs[a]) for a in f.attrs if a != "created"}


d = workdir("writer")
for cfg in ("small_nsite.yaml", "small_lambda.yaml", "small_vee_meandiff.yaml"):
    one = f"{d}/{cfg[:-5]}_1.h5"
    remove(one)
    rc, err = run_sweep(0, config(cfg), one)
    check(rc == 0, f"{cfg} at 1 rank: exit 0 ({err[-300:]})")
    want = summary(err)
    check(want is not None, f"{cfg}: summary line ({err[-300:]})")
    for ranks in (2, 3, 5):
        for mode in ("master", "workers", "workers-sync"):
            out = f"{d}/{cfg[:-5]}_{ranks}_{mode}.h5"
            remove(out)
            rc, err = run_sweep(ranks, config(cfg), out, "--writer", mode.split("-")[0],
                                env=dict(ENV, QTHERMO_WORKERS_SYNC=str(int(mode.endswith("sync")))))
            label = f"{cfg}, {ranks} ranks, --writer {mode}"
            check(rc == 0, f"{label}: exit 0 ({err[-400:]})")
            check(f"the {'master' if mode == 'master' else 'workers'} write" in err,
                  f"{label}: the log names the writer")
            compare_files(one, out, f"{label} vs 1 rank")
            check(root_attrs(one) == root_attrs(out), f"{label}: root attributes equal")
            with h5py.File(out, "r") as f:
                groups = [g for g in f if isinstance(f[g], h5py.Group)] or ["/"]
                check(all(bool(np.all(f[g]["done"][...] == 1)) for g in groups),
                      f"{label}: every point done")
            check(summary(err) == want, f"{label}: summary {summary(err)} = 1 rank's {want}")
            remove(out)

# 34 ranks: 33 workers, more than SW_BATCH_WORKERS, so batches grow past
# the 4096 points of the runs above (larger messages and write buffers)
one = f"{d}/wide_1.h5"
remove(one)
rc, err = run_sweep(0, config("wide_nsite.yaml"), one)
check(rc == 0, f"wide_nsite at 1 rank: exit 0 ({err[-300:]})")
for mode in ("workers", "master"):
    out = f"{d}/wide_34_{mode}.h5"
    remove(out)
    rc, err = run_sweep(34, config("wide_nsite.yaml"), out, "--writer", mode)
    check(rc == 0, f"wide_nsite, 34 ranks, --writer {mode}: exit 0 ({err[-400:]})")
    compare_files(one, out, f"wide_nsite, 34 ranks, --writer {mode} vs 1 rank")
    remove(out)
remove(one)

# SIGTERM to every rank of a 34-rank run (the larger batches: up to 33 x 2
# in flight finish after the signal): exit 4, every computed point saved,
# --resume computes the rest once and the file equals a 1-rank run
wide = config("wide_signal.yaml")
one, out, cnt1, cnt2 = (f"{d}/{n}" for n in ("wsig_1.h5", "wsig.h5", "wc1.txt", "wc2.txt"))
remove(one, out, cnt1, cnt2)
rc, err = run_sweep(0, wide, one)
check(rc == 0, f"wide_signal at 1 rank: exit 0 ({err[-300:]})")
p = start_sweep(34, wide, out, "--progress", "0.1",
                env=dict(ENV, QTHERMO_COUNT_FILE=cnt1, QTHERMO_FLUSH_SECONDS="0.05"))
pids = rank_pids(p, 34)
check(wait_lines(cnt1, 50000, timeout=120), "34 ranks: the sweep computed a while")
for pid in pids:
    os.kill(pid, signal.SIGTERM)
_, err = p.communicate(timeout=120)
check(p.returncode == 4 and "--resume" in err, f"34 ranks, SIGTERM: exit 4 ({p.returncode}: {err[-400:]})")
with h5py.File(out, "r") as f:
    done = f["N10/done"][...].astype(bool)
check(0 < done.sum() < done.size, f"34 ranks: stopped mid-sweep ({done.sum()}/{done.size})")
c1 = collections.Counter(counted(cnt1))
check(len(c1) == done.sum() and max(c1.values()) == 1,
      f"34 ranks: every computed point was saved ({len(c1)} vs {done.sum()})")
rc, err = run_sweep(34, wide, out, "--resume", env=dict(ENV, QTHERMO_COUNT_FILE=cnt2))
c2 = collections.Counter(counted(cnt2))
check(rc == 0 and not (set(c1) & set(c2)) and len(c1) + len(c2) == done.size,
      f"34 ranks: resume computes each undone point once ({rc}: {err[-300:]})")
compare_files(one, out, "34 ranks, stopped and resumed vs 1 rank")
print(f"34 ranks: stopped at {done.sum()}/{done.size}, resumed", flush=True)
remove(one, out, cnt1, cnt2)

# the default with workers is --writer workers
out = f"{d}/default.h5"
remove(out)
rc, err = run_sweep(3, config("small_nsite.yaml"), out)
check(rc == 0 and "the workers write" in err, f"default at 3 ranks: the workers write ({err[-300:]})")

rc, err = run_sweep(3, config("small_nsite.yaml"), f"{d}/bad.h5", "--writer", "rank0")
check(rc == 2 and "--writer" in err and not os.path.exists(f"{d}/bad.h5"),
      f"--writer rank0: exit 2, nothing written ({rc}: {err[-300:]})")

# a worker's fdatasync fails (the shim in the workers only, an MPMD launch):
# exit 1 naming the rank; --resume then completes the file
ref = f"{d}/fault_ref.h5"
remove(ref)
rc, err = run_sweep(3, config("durable_nsite.yaml"), ref, "--writer", "master")
check(rc == 0, f"reference: exit 0 ({err[-300:]})")
out = f"{d}/fault.h5"
remove(out)
args = [QTHERMO, "sweep", config("durable_nsite.yaml"), "-o", out, "--writer", "workers"]
cmd = ([MPIEXEC, "--oversubscribe", "--allow-run-as-root", "-np", "1"] + args +
       [":", "-np", "2", "env", f"LD_PRELOAD={SHIM}", "QTHERMO_IOTRACE_MATCH=fault.h5",
        "QTHERMO_IOFAULT=sync:1:5"] + args)
p = subprocess.run(cmd, env=dict(ENV, QTHERMO_FLUSH_SECONDS="0.005", QTHERMO_WORKERS_SYNC="1"),
                   stdout=subprocess.PIPE,
                   stderr=subprocess.PIPE, text=True, timeout=300)
check(p.returncode == 1 and "fdatasync" in p.stderr and re.search(r"rank [12]: ", p.stderr),
      f"a failed fdatasync of a worker: exit 1, rank named ({p.returncode}: {p.stderr[-400:]})")
check("Segmentation" not in p.stderr, "a failed fdatasync of a worker: no crash")
with h5py.File(out, "r") as f:
    check(not bool(np.all(f["N10/done"][...] == 1)), "the failed run left points undone")
rc, err = run_sweep(3, config("durable_nsite.yaml"), out, "--resume", "--writer", "workers",
                    env=dict(ENV, QTHERMO_WORKERS_SYNC="1"))
check(rc == 0, f"resume after the failed fdatasync: exit 0 ({err[-300:]})")
compare_files(ref, out, "resumed after a worker's failed fdatasync vs reference")
remove(out, ref)
finish()
