"""Hostile situations around a sweep, each once a defect:

- a stop signal while MPI_Init runs gives exit 4, not a kill;
- -o naming a FIFO, a dangling symbolic link or "" is refused at once (exit 2),
  with nothing laid out;
- temporary files left by dead runs are removed, a live run's is kept;
- one writer per file: --resume or --force on a file another sweep writes is
  refused (exit 2) naming that run's pid and host;
- a worker that stops answering (SIGSTOP) ends the job within the stated bound,
  the file is consistent and --resume completes it; so does a master that stops;
- resume refuses files of the right shape with the wrong datatypes, files with
  the attributes but no datasets, and an unreadable config_sha256 (exit 2, a
  clear message), and no single-byte flip of the metadata crashes it;
- the disk-space refusal names the config file and line."""
import fcntl
import hashlib
import os
import signal
import subprocess
import time

import h5py
import numpy as np

from common import (ENV, check, children, compare_files, config, finish, rank_pids, reference_run,
                    remove, run_sweep, start_sweep, wait_lines, workdir, QTHERMO)

d = workdir("hazards")
small = config("small_nsite.yaml")
big = config("kill_nsite.yaml")


def signalled(label, sig_when):
    """SIGUSR1 to a singleton the moment sig_when(proc) says; exit 4 expected."""
    out = f"{d}/early.h5"
    remove(out)
    p = subprocess.Popen([QTHERMO, "sweep", big, "-o", out], env=ENV, stderr=subprocess.PIPE,
                         text=True)
    sig_when(p)
    os.kill(p.pid, signal.SIGUSR1)
    _, err = p.communicate(timeout=120)
    check(p.returncode == 4, f"{label}: exit 4 (got {p.returncode}): {err[-200:]}")


def while_mpi_init(p):
    """A singleton's MPI_Init starts a helper process: signal while it runs."""
    t0 = time.time()
    while time.time() - t0 < 20 and not children(p.pid):
        time.sleep(0.0005)


for trial in range(3):
    signalled(f"SIGUSR1 during MPI_Init ({trial})", while_mpi_init)

# ---- what -o names -------------------------------------------------------------
fifo = f"{d}/fifo.h5"
remove(fifo)
os.mkfifo(fifo)
for flag in ("--resume", "--force"):
    t0 = time.time()
    try:
        rc, err = run_sweep(0, small, fifo, flag, timeout=60)
    except subprocess.TimeoutExpired:
        rc, err = None, "hung"
    check(rc == 2 and "not a regular file" in err,
          f"-o FIFO {flag}: refused at once (exit {rc}, {time.time() - t0:.1f} s): {err[-200:]}")
remove(fifo)

link = f"{d}/dangling.h5"
remove(link)
os.symlink(f"{d}/no/such/dir/x.h5", link)
rc, err = run_sweep(0, small, link)
check(rc == 2 and "dangling" in err, f"-o dangling symlink: exit 2 naming it ({rc}): {err[-200:]}")
check(not [f for f in os.listdir(d) if f.startswith("dangling.h5.")], "dangling: nothing laid out")
os.unlink(link)

rc, err = run_sweep(0, small, "")
check(rc == 2 and "empty" in err, f'-o "": exit 2 ({rc}): {err[-200:]}')

# ---- leftovers of dead runs ---------------------------------------------------------
out = f"{d}/left.h5"
remove(out)
dead, live = f"{out}.tmp.999999999", f"{out}.tmp.999999998"
for p in (dead, live):
    with open(p, "wb") as f:
        f.write(b"\0" * 100000)
holder = open(live, "r+b")
fcntl.lockf(holder, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a live run holds its file
rc, err = run_sweep(0, small, out)
check(rc == 0, f"leftovers: the sweep runs ({err[-200:]})")
check(not os.path.exists(dead) and "removed" in err, "leftovers: a dead run's file is removed")
check(os.path.exists(live), "leftovers: a live run's file is kept")
holder.close()
remove(live, out)

# ---- one writer per file ------------------------------------------------------------
out, cnt = f"{d}/locked.h5", f"{d}/locked.txt"
remove(out, cnt)
p = start_sweep(2, big, out, env=dict(ENV, QTHERMO_COUNT_FILE=cnt))
pids = rank_pids(p, 2)
check(wait_lines(cnt, 1000), "lock: the first sweep computes")
for flag in ("--resume", "--force"):
    rc, err = run_sweep(0, big, out, flag)
    check(rc == 2 and "being written by" in err and any(f"pid {q}" in err for q in pids),
          f"lock: a second run with {flag} is refused naming the first ({rc}): {err[-300:]}")
for q in pids:
    os.kill(q, signal.SIGTERM)
_, err = p.communicate(timeout=120)
check(p.returncode == 4, f"lock: the first sweep stops cleanly ({p.returncode}): {err[-200:]}")
rc, err = run_sweep(2, big, out, "--resume")
check(rc == 0, f"lock: released at the end; resume exit 0 ({err[-200:]})")

# ---- a worker that stops answering ---------------------------------------------
ref = reference_run(d, big, 3)
out, cnt = f"{d}/stopped.h5", f"{d}/stopped.txt"
remove(out, cnt)
p = start_sweep(3, big, out, env=dict(ENV, QTHERMO_COUNT_FILE=cnt, QTHERMO_RANK_TIMEOUT="2"))
pids = rank_pids(p, 3)
check(wait_lines(cnt, 20000), "hang: the sweep computes")
victim = max(pids)  # not necessarily a worker by pid order; find rank 2 below
for q in pids:
    with open(f"/proc/{q}/environ", "rb") as f:
        if b"OMPI_COMM_WORLD_RANK=2\0" in f.read():
            victim = q
t0 = time.time()
os.kill(victim, signal.SIGSTOP)
try:
    _, err = p.communicate(timeout=90)
    took = time.time() - t0
except subprocess.TimeoutExpired:
    p.kill()
    _, err = p.communicate()
    took = None
for q in pids:
    try:
        os.kill(q, signal.SIGCONT)
        os.kill(q, signal.SIGKILL)
    except ProcessLookupError:
        pass
check(took is not None and took < 60, f"hang: the job ended within the bound ({took} s)")
check(p.returncode not in (0, 4) and "has not answered" in err,
      f"hang: non-zero exit, naming the silent rank ({p.returncode}): {err[-300:]}")
rc, err = run_sweep(3, big, out, "--resume")
check(rc == 0, f"hang: --resume completes the file ({err[-200:]})")
compare_files(ref, out, "hang: resumed vs uninterrupted")

# ---- a master that stops answering: the workers end the job ----------------------------
out, cnt = f"{d}/stopped_master.h5", f"{d}/stopped_master.txt"
remove(out, cnt)
p = start_sweep(3, big, out, env=dict(ENV, QTHERMO_COUNT_FILE=cnt, QTHERMO_RANK_TIMEOUT="2"))
pids = rank_pids(p, 3)
check(wait_lines(cnt, 20000), "master hang: the sweep computes")
master = pids[0]
for q in pids:
    with open(f"/proc/{q}/environ", "rb") as f:
        if b"OMPI_COMM_WORLD_RANK=0\0" in f.read():
            master = q
t0 = time.time()
os.kill(master, signal.SIGSTOP)
try:
    _, err = p.communicate(timeout=90)
    took = time.time() - t0
except subprocess.TimeoutExpired:
    p.kill()
    _, err = p.communicate()
    took = None
for q in pids:
    try:
        os.kill(q, signal.SIGCONT)
        os.kill(q, signal.SIGKILL)
    except ProcessLookupError:
        pass
check(took is not None and took < 60, f"master hang: the job ended within the bound ({took} s)")
check(p.returncode != 0 and "master has not answered" in err,
      f"master hang: non-zero exit, a worker says why ({p.returncode}): {err[-300:]}")
rc, err = run_sweep(3, big, out, "--resume")
check(rc == 0, f"master hang: --resume completes the file ({err[-200:]})")
compare_files(ref, out, "master hang: resumed vs uninterrupted")

# ---- files resume must refuse ---------------------------------------------------------
text = open(small, "rb").read()
sha = hashlib.sha256(text).hexdigest()
good = f"{d}/good.h5"
remove(good)
rc, err = run_sweep(0, small, good)
check(rc == 0, "refusals: a good file")


def refused(label, make, needle):
    bad = f"{d}/bad.h5"
    remove(bad)
    make(bad)
    rc, err = run_sweep(0, small, bad, "--resume")
    check(rc == 2 and needle in err and "%" not in err,
          f"{label}: exit 2 with a clear message ({rc}): {err[-300:]}")


def attrs_only(path):
    with h5py.File(path, "w") as f:
        f.attrs["qthermo_format"] = "qthermo-sweep-1"
        f.attrs["config_sha256"] = sha


def int_sha(path):
    with h5py.File(path, "w") as f:
        f.attrs["qthermo_format"] = "qthermo-sweep-1"
        f.attrs["config_sha256"] = np.int64(7)


def wrong_type(path):
    import shutil
    shutil.copy(good, path)
    with h5py.File(path, "r+") as f:
        g = f["N6"] if "N6" in f else f[[k for k in f if k.startswith("N")][0]]
        shape = g["done"].shape
        del g["done"]
        g.create_dataset("done", shape=shape, dtype="f8")


def changed_coordinate(where):
    """A copy of the good file with one coordinate value changed by one ulp
    (and one point undone, so that there is something to resume)."""
    def make(path):
        import shutil
        shutil.copy(good, path)
        with h5py.File(path, "r+") as f:
            grp = f[[k for k in f if k.startswith("N") and k != "N"][0]]
            axis = next(k for k in ("T_R", "g", "T_1") if k in f)
            ds = f[axis] if where == "root" else grp[axis]
            v = ds[...]
            v[-1] = np.nextafter(v[-1], np.inf)
            ds[...] = v
            grp["done"][(0,) * grp["done"].ndim] = 0
    return make


refused("attributes but no datasets", attrs_only, "missing")
refused("a root coordinate value changed", changed_coordinate("root"), "coordinate")
refused("a group's coordinate value changed", changed_coordinate("group"), "coordinate")
refused("config_sha256 not a string", int_sha, "config_sha256")
refused("done of another datatype", wrong_type, "datatype")

# ---- single-byte flips of the metadata: never a crash ------------------------------------
with h5py.File(good, "r") as f:
    raw = []
    f.visititems(lambda n, o: raw.append((o.id.get_offset(), o.id.get_storage_size()))
                 if isinstance(o, h5py.Dataset) and o.id.get_offset() is not None else None)
size = os.path.getsize(good)
meta = [i for i in range(size) if not any(a <= i < a + n for a, n in raw)]
pristine = open(good, "rb").read()
rng = np.random.default_rng(int(os.environ.get("QTHERMO_TEST_SEED", "8")))
flips = int(os.environ.get("QTHERMO_FLIPS", "60"))
codes = {}
for i in rng.choice(meta, size=min(flips, len(meta)), replace=False):
    bad = bytearray(pristine)
    bad[i] ^= int(rng.integers(1, 256))
    path = f"{d}/flip.h5"
    with open(path, "wb") as f:
        f.write(bad)
    rc, err = run_sweep(0, small, path, "--resume")
    codes[rc] = codes.get(rc, 0) + 1
    check(rc in (0, 1, 2), f"flip at byte {i}: exit 0, 1 or 2, not a crash (got {rc}): {err[-200:]}")
print(f"{flips} flips of metadata bytes ({len(meta)} of {size}): exit codes {codes}", flush=True)

# ---- the disk-space message names the config line -------------------------------------
huge = f"{d}/huge.yaml"
with open(huge, "w") as f:
    f.write("model: nsite\naxes:\n  N: [10]\n  g: {start: 0, stop: 1, num: 900000}\n"
            "  T_L: [0.8]\n  T_R: {start: 0.1, stop: 1, num: 900000}\n")
rc, err = run_sweep(0, huge, f"{d}/huge.h5")
check(rc == 2 and f"{huge}:2: axes:" in err, f"disk space: FILE:LINE in the message: {err[-200:]}")
finish()
