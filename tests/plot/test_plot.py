"""Tests of qthermo-plot.

  /usr/bin/python3 test_plot.py --plot build/qthermo-plot synthetic
  /usr/bin/python3 test_plot.py --plot build/qthermo-plot sweep --qthermo build/qthermo --configs configs

synthetic: small files in the sweep's layout written with h5py (synthetic.py):
  both plots, failed and not-yet-computed points, the T_mean/T_diff and T_L/T_R
  axes, several N, and every bad-input case (exit 2 with a message naming it).
sweep: real sweeps with mpirun (configs/fig2d.yaml, a small g x T_mean grid and a
  boundary sweep): the profile, the phase map and the boundary curves of their files.
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
    expect_ok(args, "profile --size --dpi", "profile", prof, "-o", p2, "--size", "8x6",
              "--dpi", "80", "--log", "--title", "test")
    png_check(p2, (640, 480), "profile 8x6 inches at 80 dpi, log axis")

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
                  "-o", p, "--scale", scale, "--size", "5x4")
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
    expect_usage(args, "--size in pixels", "inches", "profile", prof, "--size", "800x600",
                 "-o", out_png)
    import h5py
    nofmt = os.path.join(d, "noformat.h5")
    shutil.copy(prof, nofmt)
    with h5py.File(nofmt, "a") as f:
        del f.attrs["qthermo_format"]
    expect_usage(args, "no qthermo_format", "not a qthermo sweep file", "info", nofmt)
    expect_usage(args, "delta of an nsite file", "delta plots lambda and vee",
                 "delta", prof, "-o", out_png)
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
                  "-o", png, "--size", "9x7")
        png_check(png, (900, 700), "phase map from a real sweep", coloured=0.2)
        png = os.path.join(tmp, "phase_profile.png")
        expect_ok(args, "profile of a 2-D sweep", "profile", ph5, "--vary", "g",
                  "--at", "T_mean=0.3", "--values", "0.1,0.7,1.3", "-o", png)
        png_check(png, (800, 600), "profile at T_mean = 0.3 from the 2-D sweep")
        expect_usage(args, "boundary plot of an ordinary sweep", "not a boundary file",
                     "boundary", ph5, "-o", os.path.join(tmp, "nb.png"))

    cfg = os.path.join(tmp, "boundary.yaml")
    with open(cfg, "w") as f:
        f.write("model: nsite\nboundary: {axis: g, scan: 48}\naxes:\n  N: [10, 20]\n"
                "  g: {start: 0.0025, stop: 1.5}\n"
                "  T_mean: {start: 0.1, stop: 1.0, num: 30}\n"
                "  T_diff: [0.1, 0.2]\n")
    bh5 = os.path.join(tmp, "boundary.h5")
    if sweep(cfg, bh5):
        png = os.path.join(tmp, "boundary.png")
        expect_usage(args, "boundary plot with two T_diff values", "--at T_diff",
                     "boundary", bh5, "-o", png)
        expect_ok(args, "boundary plot of every N", "boundary", bh5, "--at", "T_diff=0.1",
                  "-o", png)
        png_check(png, (800, 600), "boundary curves of N = 10 and 20", coloured=0.002)
        png = os.path.join(tmp, "boundary_map.png")
        expect_ok(args, "boundary plot over the scan's map", "boundary", bh5, "--N", "10",
                  "--map", "--at", "T_diff=0.2", "--y", "T_mean", "-o", png, "--size", "7x5")
        png_check(png, (700, 500), "boundary over the phi map", coloured=0.2)
        expect_usage(args, "boundary plot of a missing N", "--N 30", "boundary", bh5, "--N",
                     "30", "-o", png)

    three_level(args, tmp, sweep)
    test_ticks(args, tmp, sweep)


def three_level(args, tmp, sweep):
    """Lambda (T_1 x T_2) and vee (T_mean x T_diff) files: info, the delta plot
    with the closed form, the phase map over two temperature axes; profile and
    --N refused."""
    import h5py
    for model, axes, xy in (
            ("lambda", "  T_1: {start: 0.1, stop: 2.0, num: 25}\n  T_2: {start: 0.0, stop: 1.0, "
             "num: 15}\n", ("T_1", "T_2")),
            ("vee", "  T_mean: {start: 0.1, stop: 5.0, num: 20, log: true}\n"
             "  T_diff: {start: -0.2, stop: 0.2, num: 9}\n", ("T_mean", "T_diff"))):
        cfg = os.path.join(tmp, model + ".yaml")
        with open(cfg, "w") as f:
            f.write("model: %s\naxes:\n%s" % (model, axes))
        h5 = os.path.join(tmp, model + ".h5")
        if not sweep(cfg, h5):
            continue
        with h5py.File(h5, "r") as f:
            err = np.nanmax(np.abs(f["delta"][...] - f["delta_formula"][...]))
        check(err < 1e-10, "%s: delta equals its closed form to %.1e" % (model, err))
        out, _ = expect_ok(args, model + " info", "info", h5)
        n = 25 * 15 if model == "lambda" else 20 * 9
        check("model" in out and model in out and "done %d / %d" % (n, n) in out,
              "%s info: model and completion (%r)" % (model, out[-120:]))
        png = os.path.join(tmp, model + "_delta.png")
        at = ["--at", "T_2=0.3"] if model == "lambda" else ["--at", "T_diff=0.1"]
        expect_ok(args, model + " delta", "delta", h5, "-o", png, *at)
        png_check(png, (800, 600), "%s populations and delta with the closed form" % model)
        png = os.path.join(tmp, model + "_phase.png")
        expect_ok(args, model + " phase", "phase", h5, "--x", xy[0], "--y", xy[1], "-o", png)
        png_check(png, (800, 600), "%s map of delta over %s x %s" % (model, xy[0], xy[1]),
                  coloured=0.2)
        expect_usage(args, model + " profile", "profile draws site populations",
                     "profile", h5, "-o", png)
        expect_usage(args, model + " --N", "--N applies to nsite", "delta", h5, "--N", "10",
                     "-o", png)


def load_plot_module(path):
    import importlib.machinery
    import importlib.util
    loader = importlib.machinery.SourceFileLoader("qthermo_plot", path)
    spec = importlib.util.spec_from_loader("qthermo_plot", loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    mod.import_libs()
    return mod


def label_overlaps(fig):
    """[(axes index, axis, label a, label b)] of drawn tick labels whose boxes overlap."""
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    bad, counts = [], []
    for i, ax in enumerate(fig.axes):
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            labs = [(lab.get_text(), lab.get_window_extent(r)) for t in axis.get_major_ticks()
                    for lab in (t.label1, t.label2)
                    if lab.get_visible() and lab.get_text() and
                    lo - 1e-9 * (hi - lo) <= t.get_loc() <= hi + 1e-9 * (hi - lo)]
            counts.append(len(labs))
            for j in range(len(labs)):
                for k in range(j):
                    a, b = labs[j][1], labs[k][1]
                    if a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1:
                        bad.append((i, axis.axis_name, labs[j][0], labs[k][0]))
    return bad, counts


def test_ticks(args, tmp, sweep):
    """A coarse (6 x 6) and a fine (60 x 60) g x T_mean map at two sizes: no two
    tick labels overlap, the symmetric-log colour bar keeps 0 and at least two
    decades per sign. With the thinning switched off the coarse map does have
    overlapping colour-bar labels (the check sees them)."""
    mod = load_plot_module(args.plot)
    for n in (6, 60):
        cfg = os.path.join(tmp, "ticks%d.yaml" % n)
        with open(cfg, "w") as f:
            f.write("model: nsite\naxes:\n  N: [10]\n  g: {start: 0.02, stop: 1.5, num: %d}\n"
                    "  T_mean: {start: 0.05, stop: 1.0, num: %d}\n  T_diff: [0.1]\n" % (n, n))
        h5 = os.path.join(tmp, "ticks%d.h5" % n)
        if not sweep(cfg, h5):
            continue
        for size in ("8x6", "4x3"):
            for thin in (True, False):
                figs = []
                save, sep = mod.save_figure, mod.separate_tick_labels
                mod.save_figure = lambda fig, path, dpi: (save(fig, path, dpi), figs.append(fig))
                if not thin:
                    mod.separate_tick_labels = lambda fig: None
                try:
                    a = mod.build_parser().parse_args(
                        ["phase", h5, "--x", "g", "--y", "T_mean", "--size", size,
                         "-o", os.path.join(tmp, "ticks.png")])
                    mod.cmd_phase(a)
                finally:
                    mod.save_figure, mod.separate_tick_labels = save, sep
                bad, counts = label_overlaps(figs[0])
                what = "%dx%d grid, %s inches" % (n, n, size)
                if thin:
                    check(not bad, "%s: no overlapping tick labels %s" % (what, bad[:3]))
                    cb = figs[0].axes[-1].yaxis
                    texts = [t.label2.get_text() for t in cb.get_major_ticks()]
                    check(counts[-1] >= 5 and any("{0}" in t for t in texts),
                          "%s: colour bar keeps 0 and %d labels" % (what, counts[-1]))
                elif n == 6 and size == "4x3":
                    check(len(bad) > 0, "%s without thinning: the check sees %d overlaps"
                          % (what, len(bad)))


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
