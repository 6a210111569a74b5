"""SIGKILL at a random moment, then --resume: the killed file opens, its
done mask marks only points whose data equal an uninterrupted run's, the
resumed file equals that run in every dataset, and no point is computed
twice: the resumed run computes exactly the points not done, once each
(counted through QTHERMO_COUNT_FILE)."""
import collections
import os
import random
import signal
import time

import h5py
import numpy as np

from common import (ENV, check, compare_files, config, counted, finish, rank_pids, read_all,
                    reference_run, remove, run_sweep, same_array, start_sweep, wait_lines, workdir)

d = workdir("kill")
cfg = config("kill_nsite.yaml")
t_ref = time.monotonic()
ref = reference_run(d, cfg, 3)
t_ref = time.monotonic() - t_ref  # the whole run, start-up included: kills land inside it
R = read_all(ref)
rng = random.Random(int(os.environ.get("QTHERMO_TEST_SEED", time.time())))

for trial, ranks in enumerate((3, 2, 1)):
    out, cnt1, cnt2 = f"{d}/killed{trial}.h5", f"{d}/count{trial}a.txt", f"{d}/count{trial}b.txt"
    remove(out, cnt1, cnt2)
    # frequent collective flushes: a kill may land in one, and they must not change data
    p = start_sweep(ranks, cfg, out, env=dict(ENV, QTHERMO_COUNT_FILE=cnt1, QTHERMO_FLUSH_SECONDS="0.03"))
    pids = rank_pids(p, ranks)
    check(wait_lines(cnt1, 1), f"trial {trial}: the sweep started computing")
    # after a few commits (every 30 ms), well before the end on a fast machine too
    delay = rng.uniform(0.15, max(0.3, min(1.0, 0.4 * t_ref)))
    time.sleep(delay)
    for pid in pids:  # every rank at once, as a node failure or the OOM killer would
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:  # the check below reports a run that ended first
            pass
    p.communicate(timeout=60)
    print(f"trial {trial}: {ranks} ranks killed {delay:.2f} s after the first batch", flush=True)

    # the killed file: opens; done points hold exactly the reference values
    with h5py.File(out, "r") as f:
        done = f["N10/done"][...].astype(bool)
        status = f["N10/status"][...]
        n_done = int(done.sum())
        check(0 < n_done < done.size, f"trial {trial}: killed mid-sweep ({n_done}/{done.size} done)")
        for name in ("status", "x_cm", "phi", "site_population", "heat_current", "peak_site"):
            a, b = f["N10/" + name][...], R["N10/" + name]
            check(same_array(a[done], b[done]), f"trial {trial}: {name} of done points = reference")
    first = counted(cnt1)
    c1 = collections.Counter(first)
    check(max(c1.values()) == 1, f"trial {trial}: killed run computed no point twice")
    done_idx = {("N10", str(i)) for i in np.flatnonzero(done.ravel())}
    check(done_idx <= set(c1), f"trial {trial}: every done point was computed by the killed run")

    # resume
    rc, err = run_sweep(ranks, cfg, out, "--resume", env=dict(ENV, QTHERMO_COUNT_FILE=cnt2))
    check(rc == 0, f"trial {trial}: resume exit 0 ({err[-300:]})")
    second = counted(cnt2)
    c2 = collections.Counter(second)
    undone_idx = {("N10", str(i)) for i in np.flatnonzero(~done.ravel())}
    check(len(second) == len(undone_idx) and set(c2) == undone_idx,
          f"trial {trial}: resume computed exactly the {len(undone_idx)} undone points "
          f"(computed {len(second)}, distinct {len(c2)})")
    check(not (set(c2) & done_idx), f"trial {trial}: no done point computed again")
    compare_files(ref, out, f"trial {trial}: resumed vs uninterrupted")
    with h5py.File(out, "r") as f:
        check(bool(np.all(f["N10/done"][...] == 1)), f"trial {trial}: every done is 1")
    remove(out, cnt1, cnt2)
finish()
