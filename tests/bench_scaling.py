#!/usr/bin/env python3
"""Scaling harness of the sweep scheduler on a small machine (a benchmark,
not a test: nothing is asserted).

Workers do not compute: with QTHERMO_EMULATE_COST set, each point costs a
fixed time (or its modelled cost, "model") spent waiting, and results are
deterministic. So W workers can be run as W oversubscribed MPI ranks on 2
cores and the scheduler measured alone:

  efficiency = emulated busy time / (W x wall of the compute phase)
  rank 0 CPU per point = rank 0's CPU time in the compute phase / points

both read from the sweep's "this run:" line. The grid is scaled so that a
run takes about TARGET seconds if the scheduler were perfect.

usage: tests/bench_scaling.py BUILD_DIR [--workers 16,64,256,512]
           [--costs 2.5e-6,5e-3,1,mixed] [--target 12] [--max-points 4000000]
           [--writers workers,master] [--dir DIR]

--writers: the sweep's --writer modes to run (each worker writes its own
results, or rank 0 writes them all).
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

# modelled seconds per point of the mixed grid (src/sweep/grid.c point_cost)
MIXED_N = [10, 200, 1000]


def model_cost(n):
    return 2e-6 + 8e-8 * n * n + 2e-10 * n ** 3


def config(ns, points_per_n, workers):
    """g has W values, so a group is a whole number of rounds of W points."""
    rounds = max(1, points_per_n // workers)
    return (f"model: nsite\naxes:\n  N: [{', '.join(map(str, ns))}]\n"
            f"  g: {{start: 0.1, stop: 1.4, num: {workers}}}\n  T_L: [0.8]\n"
            f"  T_R: {{start: 0.1, stop: 0.7, num: {rounds}}}\n"
            f"observables: [phi]\n"), workers * rounds


def run(build, workers, cost, target, max_points, tmp, writer):
    if cost == "mixed":
        per_n = sum(model_cost(n) for n in MIXED_N)
        text, n = config(MIXED_N, int(workers * target / per_n), workers)
        env_cost, points = "model", n * len(MIXED_N)
    else:
        text, points = config([10], min(max_points, int(workers * target / float(cost))), workers)
        env_cost = cost
    cfg = os.path.join(tmp, "c.yaml")
    out = os.path.join(tmp, "o.h5")
    with open(cfg, "w") as f:
        f.write(text)
    if os.path.exists(out):
        os.remove(out)
    env = dict(os.environ, QTHERMO_EMULATE_COST=str(env_cost), OMPI_ALLOW_RUN_AS_ROOT="1",
               OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMPI_MCA_rmaps_base_oversubscribe="1",
               OMPI_MCA_mpi_yield_when_idle="1")
    t = time.time()
    p = subprocess.run(["mpirun", "-np", str(workers + 1), os.path.join(build, "qthermo"),
                        "sweep", cfg, "-o", out, "--progress", "0", "--writer", writer],
                       env=env, capture_output=True, text=True, timeout=1800)
    m = re.search(r"this run: (\d+) points in ([\d.]+) s .*rank 0 CPU ([\d.]+) s, "
                  r"modelled work ([\d.]+) s", p.stderr)
    if not m:
        print(f"W={workers} cost={cost} writer={writer}: exit {p.returncode}\n{p.stderr[-2000:]}",
              flush=True)
        return
    pts, wall, cpu, busy = int(m[1]), float(m[2]), float(m[3]), float(m[4])
    print(f"scaling W={workers} cost={cost} writer={writer} points={pts} wall_s={wall:.3f} "
          f"efficiency={busy / (workers * wall):.3f} rank0_cpu_s={cpu:.3f} "
          f"rank0_cpu_per_point_us={1e6 * cpu / pts:.3f} mpirun_s={time.time() - t:.1f} "
          f"exit={p.returncode}",
          flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--workers", default="16,64,256,512")
    ap.add_argument("--costs", default="2.5e-6,5e-3,1,mixed")
    ap.add_argument("--target", type=float, default=12.0)
    ap.add_argument("--max-points", type=int, default=4000000)
    ap.add_argument("--writers", default="workers,master")
    ap.add_argument("--dir", default=None,
                    help="where the sweep file goes (default: a temporary directory under "
                         "TMPDIR); /dev/shm takes the disk's bandwidth out of the figures")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(dir=a.dir) as tmp:
        for w in map(int, a.workers.split(",")):
            for c in a.costs.split(","):
                for wr in a.writers.split(","):
                    run(a.build, w, c, a.target, a.max_points, tmp, wr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
