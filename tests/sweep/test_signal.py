"""SIGTERM, SIGUSR1 and SIGINT stop a sweep with exit code 4 ("interrupted,
resumable"), the message says how to resume, and --resume completes a file
equal to an uninterrupted run's without computing any point twice."""
import collections
import os
import signal

import h5py
import numpy as np

from common import (ENV, check, compare_files, config, counted, finish, rank_pids, reference_run,
                    remove, run_sweep, start_sweep, wait_lines, workdir)



def mpi_rank(pid):
    with open(f"/proc/{pid}/environ", "rb") as f:
        env = dict(kv.split(b"=", 1) for kv in f.read().split(b"\0") if b"=" in kv)
    return int(env[b"OMPI_COMM_WORLD_RANK"])


d = workdir("signal")
cfg = config("kill_nsite.yaml")
ref = reference_run(d, cfg, 2)

# (label, ranks, signal, whom): "ranks" = every rank (what Slurm does to the
# tasks of a step), "master" = rank 0 only, "worker" = one worker only,
# "mpirun" = the launcher (Open MPI forwards SIGUSR1 as is), "self" = a
# singleton run without mpirun.
CASES = [("SIGTERM to every rank", 3, signal.SIGTERM, "ranks"),
         ("SIGTERM to one worker", 3, signal.SIGTERM, "worker"),
         ("SIGUSR1 to mpirun", 2, signal.SIGUSR1, "mpirun"),
         ("SIGINT to a singleton", 0, signal.SIGINT, "self")]
for label, ranks, sig, whom in CASES:
    out, cnt1, cnt2 = f"{d}/sig.h5", f"{d}/count1.txt", f"{d}/count2.txt"
    remove(out, cnt1, cnt2)
    p = start_sweep(ranks, cfg, out, "--progress", "0.1",
                    env=dict(ENV, QTHERMO_COUNT_FILE=cnt1, QTHERMO_FLUSH_SECONDS="0.05"))
    pids = rank_pids(p, ranks) if ranks else [p.pid]
    check(wait_lines(cnt1, 60000), f"{label}: the sweep computed a while")
    if whom == "mpirun" or whom == "self":
        os.kill(p.pid, sig)
    elif whom == "worker":
        os.kill([q for q in pids if mpi_rank(q) == ranks - 1][0], sig)
    else:
        for pid in pids:
            os.kill(pid, sig)
    _, err = p.communicate(timeout=120)
    check(p.returncode == 4, f"{label}: exit 4 (got {p.returncode}): {err[-400:]}")
    check("--resume" in err and "interrupted" in err, f"{label}: message says how to resume")
    check("progress:" in err, f"{label}: progress lines printed")
    check(" 0 flushes" not in err and "flushes" in err, f"{label}: collective flushes happened")
    with h5py.File(out, "r") as f:
        done = f["N10/done"][...].astype(bool)
    check(0 < done.sum() < done.size, f"{label}: stopped mid-sweep ({done.sum()}/{done.size})")
    c1 = collections.Counter(counted(cnt1))
    check(len(c1) == done.sum() and max(c1.values()) == 1,
          f"{label}: every computed point was saved before the exit ({len(c1)} vs {done.sum()})")
    rc, err = run_sweep(ranks, cfg, out, "--resume", env=dict(ENV, QTHERMO_COUNT_FILE=cnt2))
    check(rc == 0, f"{label}: resume exit 0 ({err[-300:]})")
    c2 = collections.Counter(counted(cnt2))
    check(not (set(c1) & set(c2)) and len(c1) + len(c2) == done.size and max(c2.values()) == 1,
          f"{label}: each point computed exactly once over both runs")
    compare_files(ref, out, f"{label}: resumed vs uninterrupted")
    print(f"{label}: stopped at {done.sum()}/{done.size}, resumed", flush=True)
finish()
