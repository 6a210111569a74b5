"""qthermo-plot compare: the profile and the phase map of several files, and
of every master equation of one file, side by side; bad input exits 2.

  /usr/bin/python3 test_compare.py PLOT QTHERMO"""
import os
import shutil
import subprocess
import sys
import tempfile

PLOT, QTHERMO = sys.argv[1], sys.argv[2]
failures = []


def check(cond, msg):
    print(("ok    " if cond else "FAIL  ") + msg)
    if not cond:
        failures.append(msg)


def run(*cmd):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    return p.returncode, p.stderr


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    return head[:8] == b"\x89PNG\r\n\x1a\n", int.from_bytes(head[16:20], "big"), \
        int.from_bytes(head[20:24], "big")


def colours(path):
    import matplotlib.image as mpimg
    import numpy as np
    img = mpimg.imread(path)
    return len(np.unique(img.reshape(-1, img.shape[-1]), axis=0))


d = tempfile.mkdtemp(prefix="qt-compare-")
cfg = os.path.join(d, "me.yaml")
with open(cfg, "w") as f:
    f.write("model: nsite\naxes:\n  N: [8]\n  g: {start: 0.2, stop: 1.4, num: 7}\n"
            "  gamma: [0.01, 1.0]\n  T_mean: {start: 0.2, stop: 0.8, num: 6}\n"
            "  T_diff: [0.2]\n  master_equation: [global, local, redfield]\n")
out = os.path.join(d, "me.h5")
rc, err = run(QTHERMO, "sweep", cfg, "-o", out, "--progress", "0")
check(rc == 0, "sweep over the master equations: exit 0 (%s)" % err[-200:])
fig = os.path.join(d, "profile.png")
rc, err = run(PLOT, "compare", out, "--at", "g=1.2", "--at", "T_mean=0.5", "--vary", "gamma",
              "-o", fig, "--size", "9x4", "--dpi", "80")
ok, w, h = png_size(fig) if os.path.exists(fig) else (False, 0, 0)
check(rc == 0 and ok and (w, h) == (720, 320), "profile panels: a 720x320 PNG (%d %s)" % (rc, err))
check(ok and colours(fig) > 10, "profile panels: drawn, not blank")
fig2 = os.path.join(d, "phase.png")
rc, err = run(PLOT, "compare", out, out, "--kind", "phase", "--x", "g", "--y", "T_mean",
              "--at", "gamma=1", "--at", "master_equation=2", "-o", fig2)
check(rc == 0 and png_size(fig2)[0] and colours(fig2) > 10, "phase maps of two files (%s)" % err)
for args, word in ((["--kind", "phase", "--x", "g"], "--y"),
                   (["--at", "bogus=1"], "bogus"),
                   ([], "axis")):
    rc, err = run(PLOT, "compare", out, "-o", os.path.join(d, "bad.png"), *args)
    check(rc == 2 and word in err, "bad input %s: exit 2 naming %r (%d: %s)"
          % (args, word, rc, err.strip()[-160:]))
rc, err = run(PLOT, "compare", os.path.join(d, "missing.h5"), "-o", fig)
check(rc == 2 and "missing.h5" in err, "a missing file: exit 2")
if not failures:
    shutil.rmtree(d)
print("%d failed" % len(failures))
sys.exit(1 if failures else 0)
