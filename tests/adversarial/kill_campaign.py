"""Random-kill campaign: SIGKILL a sweep at a random moment, resume it, kill
the resumed run, and so on until it completes; then start again, until the
requested number of kills. After every kill the file must open, every done
point must hold the values of an uninterrupted run, and the next run must
compute exactly the points not done, each once (QTHERMO_COUNT_FILE); every
completed file must equal the uninterrupted run bit for bit in every
dataset.

    kill_campaign.py QTHERMO MPIEXEC [--kills 10] [--seed S] [--work DIR]

Ranks (1-3), flush interval and what is killed (every rank as a node
failure would, rank 0 only, or one rank) are drawn at random from the seed,
which is printed: a failure is reproduced with --seed."""
import argparse
import collections
import os
import random
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "sweep"))
from common import (ENV, check, compare_files, counted, finish, rank_pids, read_all,  # noqa: E402
                    remove, run_sweep, same_array, start_sweep)

import h5py  # noqa: E402
import numpy as np  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("qthermo")
ap.add_argument("mpiexec")
ap.add_argument("--kills", type=int, default=10)
ap.add_argument("--seed", type=int, default=None)
ap.add_argument("--work", default=os.path.abspath("adversarial-kill"))
ap.add_argument("--config", default=os.path.join(HERE, "configs", "campaign.yaml"))
args = ap.parse_args()
seed = args.seed if args.seed is not None else int(time.time())
rng = random.Random(seed)
print(f"kill campaign: {args.kills} kills, seed {seed}", flush=True)
os.makedirs(args.work, exist_ok=True)
d, cfg = args.work, args.config

ref = f"{d}/ref.h5"
remove(ref)
t0 = time.time()
rc, err = run_sweep(3, cfg, ref)
if not check(rc == 0, f"reference run exit 0 ({err[-300:]})"):
    finish()
run_time = time.time() - t0
R = read_all(ref)
GROUPS = sorted({k.split("/")[0] for k in R if k.endswith("/done")})
TOTAL = sum(R[g + "/done"].size for g in GROUPS)


def done_sets(path):
    """{(group, flat index)} of the done points, and the file's datasets."""
    data = read_all(path)
    done = set()
    for g in GROUPS:
        done |= {(g, str(i)) for i in np.flatnonzero(data[g + "/done"].ravel())}
    return done, data


def check_done_values(data, label):
    for g in GROUPS:
        mask = data[g + "/done"].astype(bool)
        for k in R:
            if k.startswith(g + "/") and not k.endswith("/done") and R[k].shape[:mask.ndim] == mask.shape:
                check(same_array(data[k][mask], R[k][mask]), f"{label}: {k} of done points = reference")


def kill(p, ranks, how):
    try:
        pids = rank_pids(p, ranks, timeout=5)
    except (RuntimeError, OSError):  # ended meanwhile
        return
    victims = {"all": pids, "first": pids[:1], "one": [rng.choice(pids)]}[how]
    for pid in victims:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def one_run(out, resume, count, undone):
    """Start a run, kill it after a random delay (within the time the undone
    fraction of the points takes); True when it completed."""
    ranks = rng.choice((1, 2, 3, 3))
    flush = rng.choice(("0.02", "0.2", "60"))
    how = rng.choice(("all", "all", "first", "one"))
    delay = rng.uniform(0.0, 0.3 + run_time * undone)
    env = dict(ENV, QTHERMO_COUNT_FILE=count, QTHERMO_FLUSH_SECONDS=flush)
    p = start_sweep(ranks, cfg, out, *(["--resume"] if resume else []), env=env)
    killed = False
    try:
        p.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        kill(p, ranks, how)
        killed = True
    try:
        _, err = p.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        p.kill()
        _, err = p.communicate()
        check(False, f"run hung after the kill ({how}, {ranks} ranks)")
    print(f"  {ranks} ranks, flush {flush} s, kill {how} at {delay:.2f} s: exit {p.returncode}",
          flush=True)
    if not killed:
        check(p.returncode == 0, f"a run that was not killed exits 0 ({err[-300:]})")
    return p.returncode == 0


kills, campaign = 0, 0
while kills < args.kills:
    out = f"{d}/campaign{campaign}.h5"
    remove(out)
    before, step, completed = set(), 0, False
    while not completed and kills < args.kills:
        count = f"{d}/count{campaign}_{step}.txt"
        remove(count)
        undone = 1 - len(before) / TOTAL
        completed = one_run(out, os.path.exists(out), count, undone)
        label = f"campaign {campaign} step {step}"
        step += 1
        if not completed:
            kills += 1
        if not os.path.exists(out):  # killed before the file was put in place
            check(not before, f"{label}: the file of a resumed run still exists")
            continue
        done, data = done_sets(out)
        c = collections.Counter(counted(count))
        check(not c or max(c.values()) == 1, f"{label}: no point computed twice in one run")
        check(not (set(c) & before), f"{label}: no point done before was computed again")
        check(done - before <= set(c), f"{label}: every newly done point was computed by this run")
        check_done_values(data, label)
        remove(count)
        before = done
    if not completed and os.path.exists(out):  # the last kill: finish without one
        rc, err = run_sweep(3, cfg, out, "--resume")
        check(rc == 0, f"campaign {campaign}: final resume exit 0 ({err[-300:]})")
    if os.path.exists(out):
        compare_files(ref, out, f"campaign {campaign}: completed vs uninterrupted")
    print(f"campaign {campaign}: {step} runs, {kills} kills so far", flush=True)
    remove(out)
    campaign += 1
finish()
