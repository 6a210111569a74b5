"""Corrupted result files: flip one bit of one byte of a half-done results
file (seeded; half in the HDF5 metadata, half in the datasets' data), then
--resume it. Every run must end without a crash or hang, with exit 1 or 2
and an "error: ..." line, or exit 0 with a file equal to an uninterrupted
run except at most the one element holding the flipped byte (data has no
checksum: a flipped value of a done point cannot be seen).

    corrupt.py QTHERMO [--flips 50] [--seed S] [--work DIR]     (long: --flips 400)"""
import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "sweep"))
from common import ENV, check, finish, read_all, same_array  # noqa: E402

import h5py  # noqa: E402
import numpy as np  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("qthermo")
ap.add_argument("--flips", type=int, default=50)
ap.add_argument("--seed", type=int, default=None)
ap.add_argument("--work", default=os.path.abspath("adversarial-corrupt"))
ap.add_argument("--config", default=os.path.join(HERE, "configs", "faults.yaml"))
args = ap.parse_args()
seed = args.seed if args.seed is not None else int(time.time())
rng = random.Random(seed)
print(f"corrupted files: {args.flips} flips, seed {seed}", flush=True)
work = os.path.abspath(args.work)
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
QT = os.path.abspath(args.qthermo)
cfg = os.path.join(work, "c.yaml")
shutil.copy(args.config, cfg)
ref, half, out = (os.path.join(work, n) for n in ("ref.h5", "half.h5", "run.h5"))


def sweep(*extra, timeout=120):
    try:
        p = subprocess.run([QT, "sweep", cfg, "-o", out] + list(extra), env=ENV, timeout=timeout,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        return p.returncode, p.stderr
    except subprocess.TimeoutExpired:
        return "hang", ""


rc, err = sweep()
if not check(rc == 0, f"reference run exit 0 ({err[-300:]})"):
    finish()
shutil.move(out, ref)
R = read_all(ref)

# the half-done file a killed run leaves, and where each dataset's bytes are
shutil.copy(ref, half)
extents = []  # (start, end, dataset name, element size)
with h5py.File(half, "r+") as f:
    def visit(name, obj):
        if not isinstance(obj, h5py.Dataset):
            return
        if name.endswith("/done") or name.endswith("/status"):
            v = obj[...]
            v.reshape(-1)[v.size // 2:] = 0 if name.endswith("/done") else -1
            obj[...] = v
        off = obj.id.get_offset()
        if off is not None:
            extents.append((off, off + obj.id.get_storage_size(), name, obj.dtype.itemsize))
            return
        for i in range(obj.id.get_num_chunks() if obj.chunks else 0):
            c = obj.id.get_chunk_info(i)
            extents.append((c.byte_offset, c.byte_offset + c.size, name, obj.dtype.itemsize))
    f.visititems(visit)
size = os.path.getsize(half)
blob = open(half, "rb").read()


def where(pos):
    for s, e, name, item in extents:
        if s <= pos < e:
            return name, (pos - s) // item
    return None, None


def random_position(in_data):
    while True:
        if in_data and extents:
            s, e, _, _ = rng.choice(extents)
            if e > s:
                return rng.randrange(s, e)
        pos = rng.randrange(size)
        if not in_data and where(pos)[0] is None:
            return pos


def equal_but(name, index, label):
    """The completed file equals the reference, except element `index` of
    dataset `name` (the flipped one); a flipped done mark (0 read as done)
    may leave its whole point as the half-done file had it."""
    try:
        got = read_all(out)
    except Exception as e:  # h5py raises OSError, RuntimeError, KeyError, ValueError
        return check(False, f"{label}: exit 0 but the completed file does not read back ({e})")
    ok = check(sorted(got) == sorted(R), f"{label}: same datasets")
    group = name.rsplit("/", 1)[0] if name and name.endswith("/done") else None
    for k in sorted(set(got) & set(R)):
        a, b = got[k].copy(), R[k].copy()
        if a.shape == b.shape and k == name:
            a.reshape(-1)[index] = b.reshape(-1)[index]
        if a.shape == b.shape and group and a.shape[:R[name].ndim] == R[name].shape:
            n = R[name].size
            a.reshape(n, -1)[index] = b.reshape(n, -1)[index]
        ok &= check(same_array(a, b), f"{label}: dataset {k} equal")
    return ok


counts = {}
for i in range(args.flips):
    in_data = i % 2 == 1
    pos = random_position(in_data)
    bit = 1 << rng.randrange(8)
    corrupted = bytearray(blob)
    corrupted[pos] ^= bit
    with open(out, "wb") as f:
        f.write(corrupted)
    name, index = where(pos)
    label = f"flip {i}: byte {pos} ^ {bit:#04x} ({name or 'metadata'}{'' if name is None else f'[{index}]'})"
    rc, err = sweep("--resume")
    counts[rc] = counts.get(rc, 0) + 1
    if not check(rc in (0, 1, 2), f"{label}: exit 0, 1 or 2, no crash or hang (exit {rc}; {err[-400:]})"):
        continue
    if rc != 0:
        check(re.search(r"error: \S", err) and not re.search(r"error: *$", err, re.M),
              f"{label}: a clear error message ({err[-300:]})")
        continue
    equal_but(name, index, label)
print(f"exit codes over {args.flips} flips: {counts}", flush=True)
finish()
