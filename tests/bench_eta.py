#!/usr/bin/env python3
"""How good is the sweep's ETA? Runs a mixed-N sweep (N = 500 and 1000,
largest N first, as the scheduler orders it) with a progress line every
second and compares, at the first line past each fraction done, the
predicted end (elapsed + ETA) with the real end of the compute phase.

  tests/bench_eta.py BUILD_DIR [--ranks K] [--fractions 0.2,0.5]

A benchmark, not a test: it prints figures and asserts nothing. Run it on a
machine that is otherwise idle: an ETA cannot foresee a change of load."""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

CONFIG = """model: nsite
axes:
  N: [500, 1000]
  g: {start: 0.3, stop: 1.4, num: 60}
  T_L: [0.4, 0.6, 0.8, 1.0]
  T_R: [0.1, 0.2]
observables: [phi]
"""
LINE = re.compile(r"progress: (\d+)/(\d+) points .* ETA (\S+),")


def seconds(text):
    """'26s', '3m05s', '1h02m' -> seconds; '?' -> None."""
    m = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?", text)
    if text == "?" or not m:
        return None
    h, mi, s = (int(x) if x else 0 for x in m.groups())
    return 3600 * h + 60 * mi + s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--ranks", type=int, default=3)
    ap.add_argument("--fractions", default="0.2,0.5")
    a = ap.parse_args()
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMPI_ALLOW_RUN_AS_ROOT="1",
               OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMPI_MCA_rmaps_base_oversubscribe="1")
    with tempfile.TemporaryDirectory() as d:
        cfg = os.path.join(d, "mixed.yaml")
        with open(cfg, "w") as f:
            f.write(CONFIG)
        cmd = ["mpirun", "-np", str(a.ranks), os.path.join(a.build, "qthermo"), "sweep", cfg,
               "-o", os.path.join(d, "out.h5"), "--progress", "1"]
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True, env=env)
        seen = []
        for line in p.stderr:
            m = LINE.search(line)
            if m:
                seen.append((time.monotonic() - t0, int(m[1]) / int(m[2]), seconds(m[3])))
        p.wait()
        end = time.monotonic() - t0
    if p.returncode != 0:
        sys.exit(f"sweep failed: exit {p.returncode}")
    print(f"mixed N = 500/1000 sweep, {a.ranks} ranks: {end:.1f} s in all")
    for frac in (float(x) for x in a.fractions.split(",")):
        at = next((s for s in seen if s[1] >= frac and s[2] is not None), None)
        if at is None:
            print(f"at {frac:.0%}: no progress line")
            continue
        t, done, eta = at
        actual = end - t
        print(f"at {done:.1%} done ({t:.1f} s): ETA {eta} s, actual {actual:.1f} s left "
              f"({(eta - actual) / actual:+.0%})")


if __name__ == "__main__":
    main()
