"""Tests of qthermo-plot.

  /usr/bin/python3 test_plot.py --plot build/qthermo-plot synthetic
  /usr/bin/python3 test_plot.py --plot build/qthermo-plot sweep --qthermo build/qthermo --configs configs

synthetic: small files in the sweep's layout written with h5py (synthetic.py):
  both plots, failed and not-yet-computed points, the T_mean/T_diff and T_L/T_R
  axes, several N, and every bad-input case (exit 2 with a message naming it).
sweep: real sweeps with mpirun (configs/fig2d.yaml and a small g x T_mean grid):
  the profile and the phase map of their files.
Every figure must be a PNG that decodes, of the asked pixel size, with more than
one colour (no blank canvas)."""

import argparse
import os
import shutil
import struct
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

failures = []


def check(cond, msg):
    print(("ok    " if cond else "FAIL  ") + msg)
    if not cond:
        failures.append(msg)
    return cond


def run(cmd, **kw):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    return p.returncode, p.stdout, p.stderr


def png_check(path, size, what, coloured=0.005):
    """A decodable PNG of the given (width, height) with more than one colour, and
    at least a fraction `coloured` of saturated (not black/grey/white) pixels: the
    curves or the colour map, not just axes and text."""
    if not check(os.path.isfile(path), "%s: %s written" % (what, os.path.basename(path))):
        return
    with open(path, "rb") as f:
        head = f.read(24)
    if not check(head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR",
                 "%s: PNG signature and header" % what):
        return
    w, h = struct.unpack(">II", head[16:24])
    check((w, h) == size, "%s: %dx%d pixels (expected %dx%d)" % (what, w, h, size[0], size[1]))
    import matplotlib.image as mpimg
    img = mpimg.imread(path)                       # decodes every row
    check(img.shape[:2] == (size[1], size[0]), "%s: decodes to %s" % (what, img.shape))
    px = (img[..., :3] * 255).round().astype(np.uint8).reshape(-1, 3)
    colours, counts = np.unique(px, axis=0, return_counts=True)
    check(len(colours) > 16, "%s: %d distinct colours (more than a blank canvas)"
          % (what, len(colours)))
    check(counts.max() < 0.97 * len(px), "%s: background covers %.1f%% (something is drawn)"
          % (what, 100.0 * counts.max() / len(px)))
    sat = (px.max(axis=1).astype(int) - px.min(axis=1)) > 50
    check(sat.mean() >= coloured, "%s: %.2f%% coloured pixels (at least %.2f%%: data drawn)"
          % (what, 100.0 * sat.mean(), 100.0 * coloured))


def plot(args, *a):
    return run([args.plot] + list(a))


def expect_ok(args, what, *a):
    rc, out, err = plot(args, *a)
    check(rc == 0, "%s: exit 0 (got %d) %s" % (what, rc, err.strip()[:300]))
    return out, err


def expect_usage(args, what, needle, *a):
    rc, out, err = plot(args, *a)
    check(rc == 2 and needle in err, "%s: exit 2 naming '%s' (got %d: %s)" % (
        what, needle, rc, err.strip()[:300]))


def test_synthetic(args, tmp):
    import synthetic
    d = tmp
    prof = os.path.join(d, "profile.h5")
    synthetic.write(prof, g=np.linspace(0.1, 1.3, 7))
    p = os.path.join(d, "profile.png")
    expect_ok(args, "profile", "profile", prof, "-o", p)
    png_check(p, (800, 600), "profile (default size)")
    p2 = os.path.join(d, "profile_small.png")
    expect_ok(args, "profile --size --dpi", "profile", prof, "-o", p2, "--size", "640x480",
              "--dpi", "80", "--log", "--title", "test")
    png_check(p2, (640, 480), "profile 640x480 at 80 dpi, log axis")

    # g x T_mean map with failed and not-yet-computed points
    pm = os.path.join(d, "phase_md.h5")
    synthetic.write(pm, g=np.linspace(0, 1.5, 31), T_L=np.linspace(0.1, 1.0, 19), T_R=[0.2],
                    mean_diff=True, fail=[(3, 4, 0), (10, 10, 0)], undone=[(30, 18, 0)])
    p = os.path.join(d, "phase.png")
    expect_ok(args, "phase g x T_mean", "phase", pm, "--x", "g", "--y", "T_mean", "-o", p)
    png_check(p, (800, 600), "phase map", coloured=0.2)
    for scale in ("linear", "symlog"):
        p = os.path.join(d, "phase_%s.png" % scale)
        expect_ok(args, "phase --scale " + scale, "phase", pm, "--x", "g", "--y", "T_mean",
                  "-o", p, "--scale", scale, "--size", "500x400")
        png_check(p, (500, 400), "phase map, %s colour scale" % scale, coloured=0.2)
    p = os.path.join(d, "phase_swapped.png")
    expect_ok(args, "phase with swapped axes", "phase", pm, "--x", "T_mean", "--y", "g", "-o", p)
    png_check(p, (800, 600), "phase map, T_mean horizontal", coloured=0.2)
    out, _ = expect_ok(args, "info", "info", pm)
    check("done 588 / 589, failed 2" in out, "info counts done and failed points: %r" % out[-80:])

    # T_L x T_R file with several N: choose N, fix the third axis
    multi = os.path.join(d, "multi.h5")
    synthetic.write(multi, N_list=(10, 20), g=[0.1, 0.7, 1.3], T_L=np.linspace(0.5, 1, 6),
                    T_R=np.linspace(0.1, 0.4, 4))
    p = os.path.join(d, "phase_multi.png")
    expect_ok(args, "phase --N --at", "phase", multi, "--N", "20", "--x", "T_L", "--y", "T_R",
              "--at", "g=1.3", "-o", p)
    png_check(p, (800, 600), "phase map of T_L x T_R at g = 1.3, N = 20", coloured=0.2)
    p = os.path.join(d, "profile_multi.png")
    expect_ok(args, "profile --vary --at", "profile", multi, "--N", "10", "--vary", "g",
              "--at", "T_L=0.8", "--at", "T_R=0.3", "-o", p)
    png_check(p, (800, 600), "profile of N = 10 with T_L, T_R fixed")

    # bad input: exit 2 and a message naming the problem
    bad = os.path.join(d, "not_h5.txt")
    with open(bad, "w") as f:
        f.write("not HDF5\n")
    out_png = os.path.join(d, "x.png")
    expect_usage(args, "missing file", "no such file",
                 "phase", os.path.join(d, "missing.h5"), "-o", out_png)
    expect_usage(args, "not an HDF5 file", "cannot open as HDF5", "profile", bad, "-o", out_png)
    expect_usage(args, "unknown axis", "unknown axis 'T_foo'",
                 "phase", pm, "--x", "g", "--y", "T_foo", "-o", out_png)
    expect_usage(args, "unknown --at axis", "unknown axis 'h'",
                 "profile", prof, "--at", "h=1", "-o", out_png)
    expect_usage(args, "several N without --N", "choose one with --N",
                 "profile", multi, "-o", out_png)
    expect_usage(args, "absent N", "no group for N = 99",
                 "profile", multi, "--N", "99", "-o", out_png)
    expect_usage(args, "two varying axes without --vary", "--vary",
                 "profile", pm, "-o", out_png)
    expect_usage(args, "a third axis not fixed", "fix one with --at T_R",
                 "phase", multi, "--N", "10", "--x", "T_L", "--y", "g", "-o", out_png)
    expect_usage(args, "map of a one-value axis", "single value",
                 "phase", prof, "--x", "g", "--y", "T_L", "-o", out_png)
    expect_usage(args, "missing output directory", "does not exist",
                 "profile", prof, "-o", os.path.join(d, "nodir", "x.png"))
    expect_usage(args, "unknown quantity", "no dataset 'bogus'",
                 "phase", pm, "--x", "g", "--y", "T_mean", "--quantity", "bogus", "-o", out_png)
    expect_usage(args, "bad --size", "--size", "profile", prof, "--size", "big", "-o", out_png)
    rc, _, err = plot(args)
    check(rc == 2, "no command: exit 2 (got %d)" % rc)
    rc, _, err = plot(args, "profile", prof)
    check(rc == 2 and "-o" in err, "profile without -o: exit 2 (got %d)" % rc)
    check(not os.path.exists(out_png), "no figure written by a refused command")

    # every point of the chosen curve failed: nothing to draw is an error, not a blank figure
    allbad = os.path.join(d, "allbad.h5")
    synthetic.write(allbad, g=[0.1, 0.5], fail=[(0, 0, 0), (1, 0, 0)])
    expect_usage(args, "nothing computed", "no computed point", "profile", allbad, "-o", out_png)


def test_sweep(args, tmp):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
               OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMPI_MCA_rmaps_base_oversubscribe="1")

    def sweep(config, out):
        rc, o, e = run(["mpirun", "-np", "2", args.qthermo, "sweep", config, "-o", out,
                        "--progress", "0"], env=env)
        check(rc == 0, "sweep %s: exit 0 (got %d) %s" % (os.path.basename(config), rc,
                                                          e.strip()[-300:]))
        return rc == 0

    fig2d = os.path.join(tmp, "fig2d.h5")
    if sweep(os.path.join(args.configs, "fig2d.yaml"), fig2d):
        import h5py
        with h5py.File(fig2d, "r") as f:
            grp = f["N10"]
            g = grp["g"][...] if "g" in grp else f["g"][...]
            p = grp["site_population"][int(np.argmin(abs(g - 1.3))), 0, 0]
        check(int(np.argmax(p)) + 1 == 3 and np.all(np.diff(p[3:]) < 0),
              "fig2d data: g = 1.3 peaks on site 3 and decreases from site 4 to 10")
        png = os.path.join(tmp, "fig2d.png")
        expect_ok(args, "profile of the fig2d sweep", "profile", fig2d, "-o", png)
        png_check(png, (800, 600), "fig2d profile from a real sweep")
        if args.keep:
            shutil.copy(png, args.keep)

    cfg = os.path.join(tmp, "phase.yaml")
    with open(cfg, "w") as f:
        f.write("model: nsite\naxes:\n  N: [10]\n"
                "  g: {start: 0.02, stop: 1.5, num: 75}\n"
                "  T_mean: {start: 0.05, stop: 1.0, num: 40}\n"
                "  T_diff: [0.1]\n")
    ph5 = os.path.join(tmp, "phase.h5")
    if sweep(cfg, ph5):
        png = os.path.join(tmp, "phase.png")
        expect_ok(args, "phase map of a real sweep", "phase", ph5, "--x", "g", "--y", "T_mean",
                  "-o", png, "--size", "900x700")
        png_check(png, (900, 700), "phase map from a real sweep", coloured=0.2)
        png = os.path.join(tmp, "phase_profile.png")
        expect_ok(args, "profile of a 2-D sweep", "profile", ph5, "--vary", "g",
                  "--at", "T_mean=0.3", "--values", "0.1,0.7,1.3", "-o", png)
        png_check(png, (800, 600), "profile at T_mean = 0.3 from the 2-D sweep")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--plot", required=True, help="the qthermo-plot executable")
    ap.add_argument("--qthermo", help="the qthermo executable (sweep tests)")
    ap.add_argument("--configs", help="the configs/ folder (sweep tests)")
    ap.add_argument("--keep", help="copy the fig2d profile PNG here")
    ap.add_argument("what", choices=("synthetic", "sweep"))
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="qthermo-plot-test.")
    try:
        if args.what == "synthetic":
            test_synthetic(args, tmp)
        else:
            if not args.qthermo or not args.configs:
                ap.error("sweep needs --qthermo and --configs")
            test_sweep(args, tmp)
    finally:
        if failures:
            print("figures kept in %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print("%d failure(s)" % len(failures) if failures else "all checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
