"""Durability through a node or power crash, checked by a crash-state
simulator: an LD_PRELOAD shim (iotrace.c) records every write, fsync,
fdatasync, truncate and rename of a sweep's results file, in order. For
every crash point (just before each sync of the file, and at the end) the
simulator builds the disk states the kernel may legally leave: everything
synced before that point, plus any subset, in any order, of the writes
since. It checks the worst one (every unsynced write to the `done` dataset
applied, every other unsynced write lost), the best one (all applied) and
random subsets: the file opens, and every point marked done has exactly the
data of the finished run. A run that exits 0 has synced every write and the
directory after putting the file at its name. One such crash state is then
resumed and must end equal to the uninterrupted file.

Fault injection (same shim): a failed fdatasync during the run, and an
ENOSPC / EIO on the last writes (the superblock at close), give exit 1
with a clear message and no crash, and the file resumes to the right
result."""
import os
import random
import struct
import subprocess
import sys

import h5py
import numpy as np

from common import (ENV, check, compare_files, config, finish, read_all, remove, run_sweep,
                    same_array, workdir)

SHIM = os.path.abspath(sys.argv[3]) if len(sys.argv) > 3 else "build/tests/sweep/libqt_iotrace.so"
HDR = struct.Struct("<IIqQQqq256s")
OPS = {1: "write", 2: "fsync", 3: "fdatasync", 4: "rename", 5: "link", 6: "trunc",
       7: "syncstart"}

d = workdir("durability")
cfg = config("durable_nsite.yaml")
rng = random.Random(20261129)


def read_trace(path):
    recs, data, pos = [], open(path, "rb").read(), 0
    while pos < len(data):
        _, op, pid, dev, ino, off, ln, p = HDR.unpack_from(data, pos)
        pos += HDR.size
        payload = b""
        if op == 1:
            payload, pos = data[pos:pos + ln], pos + ln
        recs.append(dict(op=OPS[op], file=(dev, ino), off=off, len=ln,
                         path=p.split(b"\0")[0].decode(), data=payload))
    return recs


def traced_run(out, ranks, extra_env, *extra):
    trace = out + ".trace"
    remove(out, trace)
    env = dict(ENV, LD_PRELOAD=SHIM, QTHERMO_IOTRACE=trace,
               QTHERMO_IOTRACE_MATCH=os.path.basename(out), **extra_env)
    rc, err = run_sweep(ranks, cfg, out, *extra, env=env)
    return rc, err, (read_trace(trace) if os.path.exists(trace) else [])


def apply(img, w):
    if w["op"] == "trunc":
        del img[w["off"]:]
        return
    end = w["off"] + w["len"]
    if len(img) < end:
        img.extend(b"\0" * (end - len(img)))
    img[w["off"]:end] = w["data"]


def done_ranges(path):
    """File offsets of every `done` dataset (contiguous)."""
    with h5py.File(path, "r") as f:
        out = []
        f.visititems(lambda n, o: out.append((o.id.get_offset(), o.id.get_storage_size()))
                     if isinstance(o, h5py.Dataset) and n.endswith("done") else None)
    return out


def touches(w, ranges):
    return w["op"] == "write" and any(w["off"] < a + n and a < w["off"] + w["len"]
                                      for a, n in ranges)


def check_image(img, ref, label):
    path = f"{d}/image.h5"
    with open(path, "wb") as f:
        f.write(img)
    try:
        with h5py.File(path, "r") as f:
            done = f["N10/done"][...].astype(bool)
            bad = [k for k in ref if k.startswith("N10/") and k != "N10/done" and
                   f[k].shape[:done.ndim] == done.shape and
                   not same_array(f[k][...][done], ref[k][done])]
    except Exception as e:  # noqa: BLE001 - any failure to read is a finding
        return check(False, f"{label}: the file opens ({e})")
    return check(not bad, f"{label}: {int(done.sum())} done points hold their data ({bad})")


def simulate(recs, out, ref):
    """Every crash point of the trace; returns (states checked, a mid-run state)."""
    fid = next(r["file"] for r in recs if r["op"] == "write")
    ranges = done_ranges(out)
    durable, pending, named, checked, middle = bytearray(), [], False, 0, None
    started = []  # record indices of syncs in progress (they may run in another thread)

    def crash_states(label):
        nonlocal checked, middle
        worst, best = bytearray(durable), bytearray(durable)
        for w in pending:
            if touches(w, ranges):
                apply(worst, w)
            apply(best, w)
        states = [("worst", worst), ("all", best)]
        for k in range(2):
            img = bytearray(durable)
            for w in pending:
                if rng.random() < 0.5:
                    apply(img, w)
            states.append((f"random{k}", img))
        for kind, img in states:
            check_image(bytes(img), ref, f"{label} ({kind})")
            checked += 1
        if middle is None and durable and pending and named:
            middle = bytes(worst)

    for i, r in enumerate(recs):
        if r["op"] in ("rename", "link"):
            check(not pending, f"record {i}: the layout is synced before the file gets its name")
            named = True
        if r["file"] != fid:
            continue
        if r["op"] in ("write", "trunc"):
            pending.append(dict(r, index=i))
        elif r["op"] == "syncstart":
            started.append(i)
        elif r["op"] in ("fsync", "fdatasync"):
            if named:
                crash_states(f"crash before sync record {i}")
            # durable: what was written before the sync started (the oldest
            # sync in progress ends first; writes racing it stay pending)
            start = started.pop(0)
            for w in [w for w in pending if w["index"] < start]:
                apply(durable, w)
            pending = [w for w in pending if w["index"] > start]
    crash_states("crash after the end")
    return checked, middle, pending


# ---- crash states of complete runs -----------------------------------------
# (the workers' writes and syncs are traced too: a sync of any process makes
# the file's writes before it durable, as fdatasync does on one node)
# workers on rank 0's node leave the sync to rank 0 (one page cache);
# QTHERMO_WORKERS_SYNC=1: each syncs its own writes, as on another node
for ranks, writer, own in ((0, "master", "0"), (2, "master", "0"), (3, "workers", "0"),
                           (3, "workers", "1")):
    out = f"{d}/dur{ranks}{own}.h5"
    rc, err, recs = traced_run(out, ranks, {"QTHERMO_FLUSH_SECONDS": "0.005",
                                            "QTHERMO_WORKERS_SYNC": own}, "--writer", writer)
    check(rc == 0, f"{ranks} ranks: traced run exit 0 ({err[-300:]})")
    syncs = sum(r["op"] == "fdatasync" for r in recs)
    check(syncs >= 3, f"{ranks} ranks: several group commits ({syncs} fdatasync)")
    ref = read_all(out)
    n, middle, left = simulate(recs, out, ref)
    check(not left, f"{ranks} ranks: at exit 0 every write is synced ({len(left)} not)")
    names = [i for i, r in enumerate(recs) if r["op"] in ("rename", "link")]
    dir_syncs = [i for i, r in enumerate(recs) if r["op"] == "fsync" and r["file"] !=
                 recs[0]["file"] and names and i > names[-1]]
    check(bool(names) and bool(dir_syncs), f"{ranks} ranks: the directory is synced after the "
          f"file gets its name (renames {names}, directory syncs {dir_syncs})")
    print(f"{ranks} ranks: {len(recs)} records, {syncs} commits, {n} crash states checked",
          flush=True)
    # a mid-run crash state resumes to the uninterrupted result
    if check(middle is not None, f"{ranks} ranks: a mid-run crash state exists"):
        crashed = f"{d}/crashed{ranks}{own}.h5"
        with open(crashed, "wb") as f:
            f.write(middle)
        rc, err = run_sweep(ranks, cfg, crashed, "--resume", "--writer", writer,
                            env=dict(ENV, QTHERMO_WORKERS_SYNC=own))
        check(rc == 0, f"{ranks} ranks: resume of a crash state exit 0 ({err[-300:]})")
        compare_files(out, crashed, f"{ranks} ranks: resumed crash state vs uninterrupted")

# ---- fault injection ---------------------------------------------------------
ref_path = f"{d}/dur00.h5"
FAULTS = [("fdatasync fails (EIO)", "sync:3:5", "fdatasync"),
          ("ENOSPC on the superblock while laying out", "write@0:+2:28", "H5Fflush"),
          ("ENOSPC on the superblock at close", "write@20:1:28", "superblock at close"),
          ("EIO on every write from the 200th", "write:+200:5", "writing")]
for label, fault, needle in FAULTS:
    out = f"{d}/fault.h5"
    rc, err, _ = traced_run(out, 0, {"QTHERMO_IOFAULT": fault, "QTHERMO_FLUSH_SECONDS": "0.005"})
    check(rc == 1, f"{label}: exit 1 (got {rc}): {err[-400:]}")
    check(needle in err and "error" in err, f"{label}: the message says what failed")
    check("Segmentation" not in err and "signal" not in err, f"{label}: no crash")
    if os.path.exists(out):
        rc2, err = run_sweep(0, cfg, out, "--resume")
        check(rc2 == 0, f"{label}: --resume afterwards exit 0 ({err[-300:]})")
        compare_files(ref_path, out, f"{label}: resumed vs uninterrupted")
    else:
        check(not [f for f in os.listdir(d) if f.startswith("fault.h5.tmp")],
              f"{label}: no file, no temporary file left")
    print(f"{label}: exit {rc}", flush=True)
remove(f"{d}/image.h5")
finish()
