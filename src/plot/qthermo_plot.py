#!@QTHERMO_PYTHON@
"""qthermo-plot: figures from a qthermo sweep results file (HDF5).

  qthermo-plot profile OUT.h5 -o fig.png [--N 10] [--vary AXIS] [--at AXIS=VALUE ...]
  qthermo-plot phase   OUT.h5 -o phase.png [--x g] [--y T_mean] [--N 10] [--at AXIS=VALUE ...]
  qthermo-plot delta   OUT.h5 -o delta.png [--x T_1] [--at AXIS=VALUE ...]   (lambda, vee)
  qthermo-plot info    OUT.h5
  qthermo-plot boundary OUT.h5 -o boundary.png [--y T_mean] [--map] [--at AXIS=VALUE ...]

The layout read is the one `qthermo sweep` writes (src/sweep/README.md): the
root attributes qthermo_format and model; for nsite one group per chain length
(N10, N20, ...), for lambda and vee the root group, holding [axes...] datasets
for scalars (phi, x_cm, delta, status, done, ...) and [axes..., k] for
site_population / populations. The axes of a dataset are taken from its
dimension scales, so the order of the axes in the file does not matter. Every
label and unit comes from the file's CF attributes (long_name, units,
qthermo_unit): this script has no table of units of its own.

Exit codes: 0 figure written, 2 bad input (missing or unreadable file, unknown
axis or group, nothing to plot), 1 unexpected error.

Runs with the interpreter CMake found with h5py, numpy and matplotlib
(Debian's /usr/bin/python3 when the first python3 on PATH lacks them). Uses the
non-interactive Agg backend: no display needed.
"""

import argparse
import os
import re
import signal
import sys

VERSION = "@PROJECT_VERSION@"
EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2

# A sweep that is still running holds the file open: read without HDF5's file
# lock (reading only; the sweep never changes metadata after creating the file).
os.environ.setdefault("HDF5_USE_FILE_LOCKING", "FALSE")


class UsageError(Exception):
    """Bad input: reported in one line, exit code 2."""


def die_usage(msg):
    raise UsageError(msg)


def import_libs():
    try:
        import h5py  # noqa: F401
        import numpy  # noqa: F401
        import matplotlib
    except ImportError as e:  # pragma: no cover - depends on the machine
        sys.stderr.write(
            "qthermo-plot: %s\n  needs Debian's python3-h5py, python3-numpy and "
            "python3-matplotlib (run with /usr/bin/python3, not a virtualenv)\n" % e)
        sys.exit(EXIT_FAIL)
    matplotlib.use("Agg")


# --------------------------------------------------------------------------
# Reading the results file
# --------------------------------------------------------------------------

SWEEP_FORMAT = "qthermo-sweep-"   # qthermo_format is "qthermo-sweep-<version>"


def symbol(name):
    """Mathtext for a dataset name: 'T_L' -> T_\\mathrm{L}, 'g' -> g."""
    m = re.match(r"^([A-Za-z]+)_(\w+)$", name)
    if m:
        return r"%s_\mathrm{%s}" % (m.group(1), m.group(2))
    return r"\mathrm{%s}" % name.replace("_", r"\_") if len(name) > 1 else name


def axis_label(name, ds=None):
    """The CF label of a dataset, 'long_name [units]' (xarray's form), without
    the '[1]' of a pure number: its long_name names the unit ('tunnelling g, in
    units of h'). Without attributes: the name."""
    attrs = ds.attrs if ds is not None else {}
    long_name = _attr(attrs.get("long_name", "")) or "$%s$" % symbol(name)
    units = _attr(attrs.get("units", "1"))
    return long_name if units in ("1", "") else "%s [%s]" % (long_name, units)


def value_label(name, v, ds=None):
    """'$g = 0.7$ h' for legends and titles: the unit is the dataset's qthermo_unit."""
    unit = _attr(ds.attrs.get("qthermo_unit", "1")) if ds is not None else "1"
    return r"$%s = %s$%s" % (symbol(name), fmt(v), "" if unit in ("1", "") else " " + unit)


def fmt(v):
    return "%.4g" % v


class Results:
    """One block of a results file with its named axes: a chain-length group
    (N10, ...) of an nsite file, the root group of a lambda or vee file. The
    model comes from the file's `model` attribute."""

    def __init__(self, path, N=None, any_group=False):
        import h5py
        if not os.path.exists(path):
            die_usage("%s: no such file" % path)
        if os.path.isdir(path):
            die_usage("%s: is a directory, not a results file" % path)
        try:
            self.f = h5py.File(path, "r")
        except OSError as e:
            die_usage("%s: cannot open as HDF5 (%s)" % (path, e))
        self.path = path
        self.attrs = {k: _attr(v) for k, v in self.f.attrs.items()}
        fmt_attr = str(self.attrs.get("qthermo_format", ""))
        if not fmt_attr.startswith(SWEEP_FORMAT):
            die_usage("%s: not a qthermo sweep file (qthermo_format is %r, expected %s...)"
                      % (path, fmt_attr, SWEEP_FORMAT))
        self.model = str(self.attrs.get("model", ""))
        self.nsite = self.model == "nsite"
        if not self.nsite and N is not None:
            die_usage("--N applies to nsite files; %s is a %s file" % (path, self.model))
        self.groups = self._find_groups() if self.nsite else {None: "/"}
        if not self.groups:
            die_usage("%s: no result groups (N10, N20, ...) with a 'phi' or "
                      "'site_population' dataset" % path)
        if N is None and self.nsite:
            if len(self.groups) > 1 and not any_group:
                die_usage("%s holds N = %s: choose one with --N" % (
                    path, ", ".join(str(n) for n in sorted(self.groups))))
            N = min(self.groups)
        if self.nsite and N not in self.groups:
            die_usage("%s has no group for N = %s (it holds N = %s)" % (
                path, N, ", ".join(str(n) for n in sorted(self.groups))))
        self.N = N
        self.grp = self.f[self.groups[N]]
        ref = self._reference_dataset()
        self.axes = self._dataset_axes(ref)          # [(name, values)] in file order
        self.axis_names = [a for a, _ in self.axes]
        self.shape = tuple(len(v) for _, v in self.axes)

    def close(self):
        self.f.close()

    def _find_groups(self):
        import h5py
        out = {}
        for name, obj in self.f.items():
            m = re.match(r"^N(\d+)$", name)
            if m and isinstance(obj, h5py.Group) and (
                    "phi" in obj or "site_population" in obj):
                out[int(m.group(1))] = name
        return out

    def _reference_dataset(self):
        for name in ("done", "status", "phi", "x_cm"):
            if name in self.grp:
                return self.grp[name]
        die_usage("%s:%s: no 'done', 'status' or 'phi' dataset" % (self.path, self.grp.name))

    def _dataset_axes(self, ds):
        """[(axis name, 1-D values)] for each dimension of a scalar dataset."""
        import numpy as np
        axes = []
        for i, dim in enumerate(ds.dims):
            name = None
            values = None
            if len(dim) > 0:                      # an attached dimension scale
                scale = dim[0]
                name = scale.name.rsplit("/", 1)[-1]
                values = np.asarray(scale[...], dtype=float)
            elif dim.label:
                name = dim.label
                if name in self.f:
                    values = np.asarray(self.f[name][...], dtype=float)
            if name is None or values is None or len(values) != ds.shape[i]:
                return self._axes_by_convention(ds)
            axes.append((name, values))
        return axes

    def _axes_by_convention(self, ds):
        """No dimension scales: the sweep's axis order (g, T_L, T_R) or (g, T_mean, T_diff)."""
        import numpy as np
        for names in (("g", "T_L", "T_R"), ("g", "T_mean", "T_diff")):
            if all(n in self.f for n in names) and ds.ndim == len(names) and all(
                    self.f[n].shape[0] == ds.shape[i] for i, n in enumerate(names)):
                return [(n, np.asarray(self.f[n][...], dtype=float)) for n in names]
        die_usage("%s: cannot tell the axes of %s (no dimension scales, shape %s)"
                  % (self.path, ds.name, ds.shape))

    def has(self, name):
        return name in self.grp

    def dataset(self, name):
        if name not in self.grp:
            import h5py
            have = sorted(k for k, v in self.grp.items() if isinstance(v, h5py.Dataset)
                          and k not in self.axis_names)
            die_usage("%s: group %s has no dataset '%s' (it has: %s)" % (
                self.path, self.groups[self.N], name, ", ".join(have)))
        return self.grp[name]

    def coordinate(self, name):
        """The coordinate dataset of an axis (its CF attributes), or None."""
        for where in (self.grp, self.f):
            if name in where:
                return where[name]
        return None

    def label(self, name):
        return axis_label(name, self.coordinate(name) if name in self.axis_names
                          else self.grp.get(name))

    def value_label(self, name, v):
        return value_label(name, v, self.coordinate(name))

    def axis_values(self, name):
        for a, v in self.axes:
            if a == name:
                return v
        die_usage("unknown axis '%s': the axes of %s are %s" % (
            name, self.path, ", ".join(self.axis_names)))

    def varying(self):
        return [a for a, v in self.axes if len(v) > 1]

    def fixed_description(self, free):
        """Values of the one-valued axes that are not in 'free', for titles."""
        return [self.value_label(a, v[0]) for a, v in self.axes if a not in free and len(v) == 1]


def _attr(v):
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    try:
        import numpy as np
        if isinstance(v, np.ndarray) and v.shape == ():
            return v[()]
        if isinstance(v, np.generic):
            return v.item()
    except ImportError:  # pragma: no cover
        pass
    return v


def parse_at(specs, res):
    """--at AXIS=VALUE ... -> {axis: index of the nearest grid value}."""
    import numpy as np
    out = {}
    for spec in specs or []:
        if "=" not in spec:
            die_usage("--at expects AXIS=VALUE, got '%s'" % spec)
        name, val = spec.split("=", 1)
        name = name.strip()
        values = res.axis_values(name)
        try:
            x = float(val)
        except ValueError:
            die_usage("--at %s: '%s' is not a number" % (name, val))
        i = int(np.argmin(np.abs(values - x)))
        if not np.isclose(values[i], x, rtol=1e-6, atol=1e-12):
            sys.stderr.write("qthermo-plot: --at %s=%s: using the nearest grid value %s\n"
                             % (name, val, fmt(values[i])))
        out[name] = i
    return out


def select_index(res, free, at):
    """Index tuple over the axes: slice(None) for the free axes, a fixed index for
    the others. Every other axis must have one value or be fixed by --at."""
    idx = []
    for a, v in res.axes:
        if a in free:
            if a in at:
                die_usage("axis %s is both plotted and fixed with --at" % a)
            idx.append(slice(None))
        elif a in at:
            idx.append(at[a])
        elif len(v) == 1:
            idx.append(0)
        else:
            die_usage("axis %s has %d values: fix one with --at %s=VALUE (values %s ... %s)"
                      % (a, len(v), a, fmt(v[0]), fmt(v[-1])))
    return tuple(idx)


def point_ok(res, idx):
    """Boolean mask (over the free axes) of points computed without failure,
    plus the done and status arrays (None when the file lacks them)."""
    import numpy as np
    done = np.asarray(res.dataset("done")[idx]) if res.has("done") else None
    status = np.asarray(res.dataset("status")[idx]) if res.has("status") else None
    ok = np.ones(np.shape(done if done is not None else status) if
                 (done is not None or status is not None) else (), dtype=bool)
    if done is not None:
        ok &= done != 0
    if status is not None:
        ok &= status == 0
    return ok, done, status


def fixed_title(res, free, at):
    parts = [res.model] + (["$N = %d$" % res.N] if res.nsite else [])
    for a, v in res.axes:
        if a in free:
            continue
        if a in at:
            parts.append(res.value_label(a, v[at[a]]))
        elif len(v) == 1:
            parts.append(res.value_label(a, v[0]))
    return ", ".join(parts)


# --------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------

def parse_size(s):
    """'8x6' or '6.4x4.8': width and height in inches (at least 1 x 1)."""
    m = re.match(r"^(\d+(?:\.\d*)?)x(\d+(?:\.\d*)?)$", s or "")
    if not m or float(m.group(1)) < 1 or float(m.group(2)) < 1:
        die_usage("--size expects WIDTHxHEIGHT in inches (at least 1x1, e.g. 8x6), got '%s'" % s)
    return float(m.group(1)), float(m.group(2))


def new_figure(args):
    """A figure of --size inches; the image has --size x --dpi pixels, and text
    keeps its size in points whatever the dpi."""
    import matplotlib.pyplot as plt
    w, h = parse_size(args.size)
    if not args.dpi > 0 or args.dpi > 2400:
        die_usage("--dpi must be in (0, 2400], got %s" % args.dpi)
    if w > 100 or h > 100 or w * h * args.dpi ** 2 > 2e8:
        die_usage("--size %s at --dpi %s: too large (sizes are in inches, e.g. 8x6)"
                  % (args.size, fmt(args.dpi)))
    return plt.figure(figsize=(w, h), dpi=args.dpi, layout="constrained")


def _label_boxes(axis, renderer):
    """[(tick location, window box)] of the drawn tick labels of an Axis."""
    lo, hi = sorted(axis.get_view_interval())
    eps = 1e-9 * max(abs(hi - lo), 1e-300)
    out = []
    for t in axis.get_major_ticks():
        loc = t.get_loc()
        if loc is None or not lo - eps <= loc <= hi + eps:
            continue
        for lab in (t.label1, t.label2):
            if lab.get_visible() and lab.get_text():
                out.append((loc, lab.get_window_extent(renderer)))
    return out


def _overlap(a, b, pad=2.0):
    return not (a.x1 + pad <= b.x0 or b.x1 + pad <= a.x0 or
                a.y1 + pad <= b.y0 or b.y1 + pad <= a.y0)


def _thin_axis(axis, renderer):
    """Keep the tick labels that fit: 0 first, then the largest |value|, then
    the others, each only if its box overlaps none kept. True if changed."""
    boxes = _label_boxes(axis, renderer)
    order = sorted(boxes, key=lambda lb: (lb[0] != 0, -abs(lb[0])))
    kept = []
    for loc, box in order:
        if not any(_overlap(box, k) for _, k in kept):
            kept.append((loc, box))
    if len(kept) == len(boxes):
        return False
    axis.set_ticks(sorted(loc for loc, _ in kept))
    return True


def separate_tick_labels(fig):
    """No two tick labels of an axes (colour bars included) overlap, on any
    grid and at any size: a coarse grid gives the symmetric-log colour bar few
    decades and crowded labels. Draws, thins, and draws again until stable."""
    for _ in range(4):
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        changed = False
        for ax in fig.axes:
            for axis in (ax.xaxis, ax.yaxis):
                changed |= _thin_axis(axis, renderer)
        if not changed:
            return


def save_figure(fig, path, dpi):
    import matplotlib.pyplot as plt
    d = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(d):
        die_usage("%s: directory %s does not exist" % (path, d))
    separate_tick_labels(fig)
    try:
        fig.savefig(path, dpi=dpi)   # no bbox_inches='tight': the size stays as asked
    except (OSError, ValueError) as e:
        die_usage("cannot write %s: %s" % (path, e))
    finally:
        plt.close(fig)


def pick_curves(values, args):
    """Indices of the curves to draw along the varied axis."""
    import numpy as np
    n = len(values)
    if args.values:
        out = []
        for s in args.values.split(","):
            try:
                x = float(s)
            except ValueError:
                die_usage("--values: '%s' is not a number" % s)
            i = int(np.argmin(np.abs(values - x)))
            if i not in out:
                out.append(i)
        return out
    if n <= args.max_curves:
        return list(range(n))
    sel = sorted(set(int(round(x)) for x in np.linspace(0, n - 1, args.max_curves)))
    sys.stderr.write("qthermo-plot: %d values along the varied axis; drawing %d of them "
                     "(--max-curves, --values)\n" % (n, len(sel)))
    return sel


def cmd_profile(args):
    import numpy as np
    import matplotlib.pyplot as plt
    res = Results(args.file, args.N)
    if not res.nsite:
        die_usage("%s: profile draws site populations of the nsite chain; for a %s file "
                  "use delta or phase" % (args.file, res.model))
    if not res.has("site_population"):
        die_usage("%s: no site_population dataset (the profile plot needs a sweep "
                  "of the nsite model with site_population among its observables)" % args.file)
    at = parse_at(args.at, res)
    if args.vary:
        res.axis_values(args.vary)                        # checks the name
        vary = args.vary
    else:
        cand = [a for a in res.varying() if a not in at]
        if len(cand) > 1:
            die_usage("axes %s all have several values: choose the curves with --vary AXIS "
                      "and fix the others with --at AXIS=VALUE" % ", ".join(cand))
        vary = cand[0] if cand else None
    free = [vary] if vary else []
    idx = select_index(res, free, at)
    pop = np.asarray(res.dataset("site_population")[idx + (slice(None),)], dtype=float)
    ok, done, status = point_ok(res, idx)
    if vary is None:                                      # one point: one curve
        pop = pop[np.newaxis, :]
        ok = np.atleast_1d(ok)
        values = np.array([np.nan])
    else:
        values = res.axis_values(vary)
    sites = np.arange(1, pop.shape[-1] + 1)

    fig = new_figure(args)
    ax = fig.add_subplot(1, 1, 1)
    chosen = pick_curves(values, args) if vary else [0]
    cmap = plt.get_cmap(args.cmap)
    marker = "o" if len(sites) <= 40 else None
    drawn, skipped = 0, []
    for j, i in enumerate(chosen):
        label = res.value_label(vary, values[i]) if vary else None
        if not ok[i] or not np.all(np.isfinite(pop[i])):
            skipped.append(fmt(values[i]) if vary else "the point")
            continue
        color = cmap(0.85 * j / max(len(chosen) - 1, 1)) if len(chosen) > 1 else "C0"
        ax.plot(sites, pop[i], marker=marker, ms=4, lw=1.5, color=color, label=label)
        drawn += 1
    if skipped:
        sys.stderr.write("qthermo-plot: not drawn (not computed or failed): %s = %s\n"
                         % (vary or "", ", ".join(skipped)))
    if drawn == 0:
        plt.close(fig)
        die_usage("%s: no computed point to plot (all selected points have done = 0 "
                  "or status != 0)" % args.file)
    ax.set_xlabel(axis_label("site", res.grp.get("site")) +
                  (", the hot end" if _hot_left(res, idx) else ""))
    ax.set_ylabel(axis_label("site_population", res.dataset("site_population")))
    if len(sites) <= 20:
        ax.set_xticks(sites)
    if args.log:
        ax.set_yscale("log")
    ax.grid(alpha=0.3)
    ax.set_title(args.title if args.title else fixed_title(res, free, at), fontsize="medium")
    if vary:
        ax.legend(fontsize="small", ncol=2 if drawn > 6 else 1)
    save_figure(fig, args.output, args.dpi)
    res.close()
    return EXIT_OK


def _hot_left(res, idx):
    """True when every selected point has T_L > T_R (the usual orientation)."""
    import numpy as np
    names = res.axis_names
    try:
        if "T_diff" in names:
            v = res.axis_values("T_diff")
            i = idx[names.index("T_diff")]
            return bool(np.all(v[i] > 0))
        if "T_L" in names and "T_R" in names:
            tl = res.axis_values("T_L")[idx[names.index("T_L")]]
            tr = res.axis_values("T_R")[idx[names.index("T_R")]]
            return bool(np.min(np.atleast_1d(tl)) > np.max(np.atleast_1d(tr)))
    except (UsageError, IndexError, TypeError):
        pass
    return False


def _is_log_spaced(v):
    import numpy as np
    if len(v) < 3 or np.any(v <= 0):
        return False
    d, dl = np.diff(v), np.diff(np.log(v))
    return np.allclose(dl, dl[0], rtol=1e-6) and not np.allclose(d, d[0], rtol=1e-6)


def _edges(v, log):
    """Cell edges around the grid values (midpoints; geometric on a log axis)."""
    import numpy as np
    w = np.log(v) if log else np.asarray(v, dtype=float)
    if len(w) == 1:
        e = np.array([w[0] - 0.5, w[0] + 0.5])
    else:
        mid = 0.5 * (w[1:] + w[:-1])
        e = np.concatenate([[w[0] - (mid[0] - w[0])], mid, [w[-1] + (w[-1] - mid[-1])]])
    return np.exp(e) if log else e


def cmd_phase(args):
    import numpy as np
    import matplotlib.pyplot as plt
    res = Results(args.file, args.N)
    at = parse_at(args.at, res)
    xname, yname = args.x, args.y
    if xname is None or yname is None:
        cand = [a for a in res.varying() if a not in at and a not in (xname, yname)]
        if xname is None and cand:
            xname = cand.pop(0)
        if yname is None and cand:
            yname = cand.pop(0)
        if xname is None or yname is None:
            die_usage("a phase map needs two axes with several values: name them with "
                      "--x and --y (axes: %s)" % ", ".join(
                          "%s (%d)" % (a, len(v)) for a, v in res.axes))
    if xname == yname:
        die_usage("--x and --y are the same axis (%s)" % xname)
    xv, yv = res.axis_values(xname), res.axis_values(yname)
    for a, v in ((xname, xv), (yname, yv)):
        if len(v) < 2:
            die_usage("axis %s has a single value (%s): a map needs at least two"
                      % (a, fmt(v[0])))
    idx = select_index(res, [xname, yname], at)
    quantity = args.quantity or ("phi" if res.nsite else "delta")
    q = np.asarray(res.dataset(quantity)[idx], dtype=float)
    if q.ndim != 2:
        die_usage("dataset %s is not a scalar per grid point" % quantity)
    ok, done, status = point_ok(res, idx)
    # The free axes keep their file order in q: make it [y, x].
    order = [a for a in res.axis_names if a in (xname, yname)]
    if order[0] == xname:
        q, ok = q.T, ok.T
        done = done.T if done is not None else None
        status = status.T if status is not None else None
    # Sort the coordinates (an explicit list in the config need not be sorted).
    xs, ys = np.argsort(xv), np.argsort(yv)
    xv, yv = xv[xs], yv[ys]
    q, ok = q[np.ix_(ys, xs)], ok[np.ix_(ys, xs)]
    done = done[np.ix_(ys, xs)] if done is not None else None
    status = status[np.ix_(ys, xs)] if status is not None else None
    qm = np.ma.masked_where(~ok | ~np.isfinite(q), q)

    fig = new_figure(args)
    ax = fig.add_subplot(1, 1, 1)
    xlog, ylog = _is_log_spaced(xv), _is_log_spaced(yv)
    finite = qm.compressed()
    signed = quantity in ("phi", "x_cm", "soret", "delta") or (
        finite.size and finite.min() < 0 < finite.max())
    if signed:
        norm, scale_note = _signed_norm(finite, args)
        cmap = plt.get_cmap(args.cmap or "RdBu_r")
    else:
        norm, scale_note = None, ""
        cmap = plt.get_cmap(args.cmap or "viridis")
    cmap = cmap.copy()
    cmap.set_bad("0.85")                                  # grey: no value
    mesh = ax.pcolormesh(_edges(xv, xlog), _edges(yv, ylog), qm, cmap=cmap, norm=norm,
                         shading="flat", rasterized=True)
    cb = fig.colorbar(mesh, ax=ax)
    cb.set_label(res.label(quantity) + scale_note)
    handles = []
    if signed and finite.size and finite.min() < 0 < finite.max():
        cs = ax.contour(xv, yv, qm, levels=[0.0], colors="k", linewidths=1.2)
        if cs.allsegs and any(len(s) for s in cs.allsegs[0]):
            from matplotlib.lines import Line2D
            handles.append(Line2D([], [], color="k", lw=1.2, label=r"$%s = 0$" % (
                r"\phi" if quantity == "phi" else symbol(quantity))))
    X, Y = np.meshgrid(xv, yv)
    nfail = 0
    if status is not None:
        bad = (status != 0) & (done != 0 if done is not None else True)
        nfail = int(bad.sum())
        if nfail:
            handles.append(ax.scatter(X[bad], Y[bad], marker="x", s=_marker_size(bad),
                                      c="k", linewidths=0.8,
                                      label="failed (status != 0): %d" % nfail))
    if done is not None:
        todo = done == 0
        if todo.any():
            handles.append(ax.scatter(X[todo], Y[todo], marker=".", s=_marker_size(todo),
                                      c="0.4", label="not computed (done = 0): %d"
                                      % int(todo.sum())))
    if xlog:
        ax.set_xscale("log")
    if ylog:
        ax.set_yscale("log")
    ax.set_xlim(_edges(xv, xlog)[[0, -1]])
    ax.set_ylim(_edges(yv, ylog)[[0, -1]])
    ax.set_xlabel(res.label(xname))
    ax.set_ylabel(res.label(yname))
    ax.set_title(args.title if args.title else fixed_title(res, [xname, yname], at),
                 fontsize="medium")
    if handles:
        ax.legend(handles=handles, fontsize="small", loc="best", framealpha=0.8)
    save_figure(fig, args.output, args.dpi)
    res.close()
    return EXIT_OK


def _signed_norm(finite, args):
    """Colour scale centred on 0 with symmetric limits. phi spans many decades
    (close to 1 at low temperature and small g, 1e-3 where it turns negative),
    so by default ('auto') a symmetric log scale is used when the values do:
    linear within +-linthresh, logarithmic beyond, both signs visible."""
    import numpy as np
    from matplotlib.colors import Normalize, SymLogNorm
    a = np.abs(finite)
    vmax = args.vmax if args.vmax else (float(a.max()) if a.size else 1.0)
    if not vmax > 0:
        vmax = 1.0
    scale = args.scale
    nz = a[a > 0]
    if scale == "auto":
        scale = "symlog" if nz.size and vmax / np.median(nz) > 20 else "linear"
    if scale == "linear":
        return Normalize(-vmax, vmax), ""
    lt = args.linthresh
    if not lt:
        lt = float(np.percentile(nz, 5)) if nz.size else vmax * 1e-3
        lt = min(max(lt, vmax * 1e-6), vmax / 10)
        lt = float("%.0e" % lt)                        # a round number for the colour bar
    return SymLogNorm(lt, linscale=0.5, vmin=-vmax, vmax=vmax, base=10), \
        "\nsymlog, linear within $\\pm$%s" % fmt(lt)


def _marker_size(mask):
    """Smaller markers when there are many of them."""
    n = int(mask.sum())
    return 30 if n < 100 else (10 if n < 2000 else 2)


# Legend names of the populations dataset's last axis (its `description`
# gives the same order: lambda [P1, P2, Pe], vee [Pg, P1, P2]).
LEVELS = {"lambda": ("$P_1$", "$P_2$", "$P_e$"), "vee": ("$P_g$", "$P_1$", "$P_2$")}


def _delta_axis(res, args, at):
    """The swept axis of the delta plot: --x, else the first temperature axis
    with several values, else the first axis with several values."""
    if args.x:
        res.axis_values(args.x)
        return args.x
    free = [a for a in res.varying() if a not in at]
    temps = [a for a in free if a.startswith("T_")]
    if not free:
        die_usage("%s: no axis with several values to plot against (axes: %s)"
                  % (args.file, ", ".join(res.axis_names)))
    return (temps or free)[0]


def cmd_delta(args):
    """Lambda / vee: populations and Delta = P_2 - P_1 against a swept axis,
    with the closed form (delta_formula) drawn over the computed values."""
    import numpy as np
    res = Results(args.file, args.N)
    if res.nsite:
        die_usage("%s: delta plots lambda and vee files; for nsite use profile or phase"
                  % args.file)
    at = parse_at(args.at, res)
    xname = _delta_axis(res, args, at)
    idx = select_index(res, [xname], at)
    xv = res.axis_values(xname)
    order = np.argsort(xv)
    ok = point_ok(res, idx)[0][order]
    get = lambda name, extra=(): np.asarray(res.dataset(name)[idx + extra], float)[order]  # noqa
    fig = new_figure(args)
    pops = res.has("populations")
    axes = fig.subplots(2 if pops else 1, 1, sharex=True, squeeze=False)[:, 0]
    if pops:
        p = get("populations", (slice(None),))
        names = LEVELS.get(res.model, ("1", "2", "3"))
        for k in range(p.shape[-1]):
            axes[0].plot(xv[order][ok], p[ok, k], marker="o", ms=3, lw=1.2, label=names[k])
        axes[0].set_ylabel(axis_label("populations", res.dataset("populations")))
        axes[0].legend(fontsize="small")
    ax = axes[-1]
    ax.plot(xv[order][ok], get("delta")[ok], "o", ms=4, label=axis_label("delta",
            res.dataset("delta")) + " (computed)")
    if res.has("delta_formula"):
        ax.plot(xv[order][ok], get("delta_formula")[ok], "-", lw=1.2, color="k",
                label=axis_label("delta_formula", res.dataset("delta_formula")))
    if not ok.any():
        die_usage("%s: no computed point to plot (done = 0 or status != 0)" % args.file)
    ax.set_ylabel(axis_label("delta", res.dataset("delta")))
    ax.set_xlabel(res.label(xname))
    if _is_log_spaced(xv[order]):
        ax.set_xscale("log")
    for a in axes:
        a.grid(alpha=0.3)
    ax.legend(fontsize="small")
    axes[0].set_title(args.title if args.title else fixed_title(res, [xname], at),
                      fontsize="medium")
    save_figure(fig, args.output, args.dpi)
    res.close()

# --------------------------------------------------------------------------
# Boundary files (a sweep with a `boundary` section, src/sweep/boundary.h)
# --------------------------------------------------------------------------

BOUNDARY_FORMAT = "qthermo-boundary-1"


def _dim_names(d):
    return [d.dims[i][0].name.rsplit("/", 1)[-1] if len(d.dims[i]) else "dim%d" % i
            for i in range(d.ndim)]


def _group_N(grp):
    """A group's chain length: its scalar coordinate N (files before the CF
    layout: an attribute)."""
    return int(grp["N"][()]) if "N" in grp else int(grp.attrs["N"])


def _boundary_groups(f, want_N):
    """[(N or None, group)] of a boundary file, by increasing N."""
    groups = sorted(((_group_N(f[k]), f[k]) for k in f
                     if hasattr(f[k], "keys") and ("N" in f[k] or "N" in f[k].attrs)),
                    key=lambda t: t[0])
    if not groups:
        groups = [(None, f["/"])]
    if want_N is not None:
        groups = [t for t in groups if t[0] == want_N]
        if not groups:
            die_usage("--N %d: no group N%d in the file" % (want_N, want_N))
    return groups


def _line_index(grp, where, yname, at):
    """Index into [other dims..., point] selecting the y axis (all values)
    and fixing every other axis (one value, or --at)."""
    import numpy as np
    names = _dim_names(where)[:-1]
    if yname is None:  # the free axis with the most values
        free = [n for n in names if n not in at]
        if not free:
            die_usage("no axis left for the vertical direction (axes: %s)" % ", ".join(names))
        yname = max(free, key=lambda n: grp[n].shape[0])
    if yname not in names:
        die_usage("--y %s: not an axis of the boundary lines (axes: %s)"
                  % (yname, ", ".join(names)))
    idx = []
    for n in names:
        v = grp[n][...]
        if n == yname:
            idx.append(slice(None))
        elif n in at:
            idx.append(int(np.argmin(np.abs(v - at[n]))))
        elif len(v) == 1:
            idx.append(0)
        else:
            die_usage("axis %s has %d values: fix one with --at %s=VALUE" % (n, len(v), n))
    return yname, tuple(idx)


def _root_segments(y, x, kind, tol):
    """Line segments joining each root of line i to the nearest root of line
    i + 1 when closer than tol (the boundary curves)."""
    import numpy as np
    segs = []
    for i in range(len(y) - 1):
        a, b = x[i][kind[i] == 1], x[i + 1][kind[i + 1] == 1]
        for xa in a:
            if b.size:
                j = int(np.argmin(np.abs(b - xa)))
                if abs(b[j] - xa) <= tol:
                    segs.append([(xa, y[i]), (b[j], y[i + 1])])
    return segs


def cmd_boundary(args):
    import h5py
    import numpy as np
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection
    try:
        f = h5py.File(args.file, "r")
    except (OSError, IOError) as e:
        die_usage("%s: cannot open as HDF5: %s" % (args.file, e))
    fmt_attr = _attr(f.attrs.get("qthermo_format", ""))
    if fmt_attr != BOUNDARY_FORMAT:
        die_usage("%s: not a boundary file (qthermo_format %r; run a sweep with a "
                  "`boundary` section)" % (args.file, fmt_attr))
    axis = _attr(f.attrs["boundary_axis"])
    obs = _attr(f.attrs["boundary_observable"])
    at = {}
    for spec in args.at or []:
        name, _, val = spec.partition("=")
        try:
            at[name] = float(val)
        except ValueError:
            die_usage("--at %s: expected AXIS=VALUE" % spec)
    groups = _boundary_groups(f, args.N)
    fig = new_figure(args)
    ax = fig.add_subplot(1, 1, 1)
    span = float(f.attrs["boundary_stop"]) - float(f.attrs["boundary_start"])
    cmap = plt.get_cmap("viridis" if len(groups) > 1 else "tab10")
    handles, yname, drawn = [], args.y, 0
    if args.map:
        Nm, gm = groups[-1] if args.N is None else groups[0]
        yname, idx = _line_index(gm, gm["boundary_" + axis], yname, at)
        q = np.asarray(gm[obs][idx], dtype=float)
        st = np.asarray(gm["status"][idx])
        qm = np.ma.masked_where((st != 0) | ~np.isfinite(q), q)
        xv, yv = gm["scan"][...], gm[yname][...]
        finite = qm.compressed()
        norm, _ = _signed_norm(finite, args)
        mesh = ax.pcolormesh(xv, yv, qm, cmap=plt.get_cmap("RdBu_r"), norm=norm,
                             shading="nearest", rasterized=True, alpha=0.6)
        cb = fig.colorbar(mesh, ax=ax)
        cb.set_label("%s on the scan%s" % (obs, "" if Nm is None else " (N = %d)" % Nm))
    for n, (N, grp) in enumerate(groups):
        where = grp["boundary_" + axis]
        yname, idx = _line_index(grp, where, yname, at)
        x, kind = np.asarray(where[idx], dtype=float), np.asarray(grp["boundary_kind"][idx])
        yv = grp[yname][...]
        order = np.argsort(yv)
        x, kind, yv = x[order], kind[order], yv[order]
        colour = cmap(n / max(len(groups) - 1, 1)) if len(groups) > 1 else "k"
        label = "N = %d" % N if N is not None else obs
        segs = _root_segments(yv, x, kind, 0.02 * span)
        if segs:
            ax.add_collection(LineCollection(segs, colors=[colour], linewidths=1.3))
        Y = np.broadcast_to(yv[:, None], x.shape)
        r, c, bad = kind == 1, kind == 2, kind == 3
        ax.plot(x[r], Y[r], ".", ms=2.5, color=colour)
        if c.any():
            ax.plot(x[c], Y[c], "D", ms=3.5, mfc="none", color=colour)
        if bad.any():
            ax.plot(x[bad], Y[bad], "x", ms=5, color="r")
        drawn += int((kind > 0).sum())
        from matplotlib.lines import Line2D
        handles.append(Line2D([], [], color=colour, lw=1.3, marker="." if r.any() else None,
                              label=label))
    if not drawn:
        die_usage("%s: no boundary point in the selected lines" % args.file)
    from matplotlib.lines import Line2D
    handles.append(Line2D([], [], ls="none", marker="D", mfc="none", color="0.3",
                          label="sign change at a level crossing"))
    ax.set_xlim(float(f.attrs["boundary_start"]), float(f.attrs["boundary_stop"]))
    ax.set_xlabel(axis_label(axis))
    ax.set_ylabel(axis_label(yname))
    ax.set_title(args.title if args.title else
                 r"boundary $%s = %s$: lines = smooth roots, $\diamond$ = level crossings" % (
                     symbol(obs) if obs != "phi" else r"\phi",
                     fmt(float(f.attrs["boundary_level"]))), fontsize="medium")
    ax.legend(handles=handles, fontsize="small", loc="best", framealpha=0.8)
    save_figure(fig, args.output, args.dpi)
    f.close()
    return EXIT_OK


def cmd_info(args):
    import numpy as np
    probe = Results(args.file, args.N, any_group=True)
    Ns = [probe.N] if args.N is not None else sorted(probe.groups)
    for k, v in probe.attrs.items():          # the file's own list: every model
        if k != "config_yaml":
            print("%-16s %s" % (k, v.tolist() if isinstance(v, np.ndarray) else v))
    probe.close()
    for N in Ns:
        r = Results(args.file, N)
        ok, done, status = point_ok(r, tuple(slice(None) for _ in r.axes))
        total = int(np.prod(r.shape))
        ndone = int((done != 0).sum()) if done is not None else total
        nfail = int(((status != 0) & (done != 0)).sum()) if (
            status is not None and done is not None) else 0
        print("%-6s axes %s" % ("N%d" % N if N is not None else "/", ", ".join(
            "%s[%d] %s..%s" % (a, len(v), fmt(v.min()), fmt(v.max())) for a, v in r.axes)))
        print("       done %d / %d, failed %d" % (ndone, total, nfail))
        r.close()
    return EXIT_OK


# --------------------------------------------------------------------------

# --------------------------------------------------------------------------
# compare: the same figure from several files (or master equations) side by side
# --------------------------------------------------------------------------

def _me_names(res):
    """Names of the master_equation axis values, or None when it is no axis."""
    if "master_equation" not in res.axis_names:
        return None
    meanings = _attr(res.coordinate("master_equation").attrs.get("flag_meanings", ""))
    names = str(meanings).split()
    return [names[int(v)] if 0 <= int(v) < len(names) else fmt(v)
            for v in res.axis_values("master_equation")]


def _panel_label(res, at, vary):
    """'redfield, Gamma = 0.1' from the file's attribute or fixed axis values."""
    names = _me_names(res)
    me = names[at["master_equation"]] if names else str(res.attrs.get("master_equation", "global"))
    if "gamma" in res.axis_names:
        gam = res.axis_values("gamma")
        if vary == "gamma":
            return "%s, $\\Gamma$ swept" % me
        i = at.get("gamma", 0 if len(gam) == 1 else None)
        return me if i is None else "%s, $\\Gamma = %s$" % (me, fmt(gam[i]))
    return "%s, $\\Gamma = %s$" % (me, fmt(res.attrs.get("gamma", 1.0)))


def _panels(args):
    """(Results, --at indices, label) for every file and every value of its
    master_equation axis (unless --at fixes it)."""
    out = []
    for path in args.files:
        res = Results(path, args.N)
        at = parse_at(args.at, res)
        names = _me_names(res)
        if names and "master_equation" not in at:
            for i in range(len(names)):
                out.append((res, dict(at, master_equation=i)))
        else:
            out.append((res, at))
    if len(out) > 12:
        die_usage("%d panels: at most 12 (fix master_equation or other axes with --at)" % len(out))
    return out


def _draw_profile(ax, res, at, args):
    import numpy as np
    if not res.has("site_population"):
        die_usage("%s: compare --kind profile needs site_population" % res.path)
    vary = args.vary
    free = [vary] if vary else []
    idx = select_index(res, free, at)
    pop = np.asarray(res.dataset("site_population")[idx + (slice(None),)], dtype=float)
    ok, _, _ = point_ok(res, idx)
    values = res.axis_values(vary) if vary else np.array([np.nan])
    if not vary:
        pop, ok = pop[np.newaxis, :], np.atleast_1d(ok)
    chosen = pick_curves(values, args) if vary else [0]
    import matplotlib.pyplot as plt
    cmap = plt.get_cmap("viridis")
    sites = np.arange(1, pop.shape[-1] + 1)
    for j, i in enumerate(chosen):
        if ok[i] and np.all(np.isfinite(pop[i])):
            color = cmap(0.85 * j / max(len(chosen) - 1, 1)) if len(chosen) > 1 else "C0"
            ax.plot(sites, pop[i], marker="o" if len(sites) <= 40 else None, ms=3, lw=1.2,
                    color=color, label=res.value_label(vary, values[i]) if vary else None)
    ax.set_xlabel(axis_label("site", res.grp.get("site")))
    ax.set_ylabel(axis_label("site_population", res.dataset("site_population")))
    ax.grid(alpha=0.3)
    if vary and len(chosen) > 1:
        ax.legend(fontsize="x-small")
    return free


def _draw_map(ax, res, at, args, norm):
    import numpy as np
    idx = select_index(res, [args.x, args.y], at)
    q = np.asarray(res.dataset(args.quantity)[idx], dtype=float)
    ok, _, _ = point_ok(res, idx)
    q = np.where(ok, q, np.nan)
    if res.axis_names.index(args.x) < res.axis_names.index(args.y):
        q = q.T                                   # [y, x]
    xv, yv = res.axis_values(args.x), res.axis_values(args.y)
    mesh = ax.pcolormesh(xv, yv, q, cmap="RdBu_r", norm=norm, shading="nearest")
    if np.nanmin(q) < 0 < np.nanmax(q):
        ax.contour(xv, yv, q, levels=[0.0], colors="k", linewidths=0.6)
    ax.set_xlabel(res.label(args.x))
    ax.set_ylabel(res.label(args.y))
    return mesh


def _map_norm(panels, args):
    """One symmetric colour scale for every panel, so colours compare."""
    import numpy as np
    from matplotlib.colors import SymLogNorm
    vals = []
    for res, at in panels:
        q = np.asarray(res.dataset(args.quantity)[select_index(res, [args.x, args.y], at)],
                       dtype=float)
        vals.append(np.abs(q[np.isfinite(q)]))
    finite = np.concatenate(vals) if vals else np.array([1.0])
    vmax = float(np.max(finite)) if finite.size and np.max(finite) > 0 else 1.0
    lin = float(np.percentile(finite[finite > 0], 5)) if np.any(finite > 0) else vmax / 10
    return SymLogNorm(linthresh=max(lin, vmax * 1e-12), vmin=-vmax, vmax=vmax, base=10)


def cmd_compare(args):
    import matplotlib.pyplot as plt
    panels = _panels(args)
    kind = args.kind
    if kind == "phase":
        args.quantity = args.quantity or ("phi" if panels[0][0].nsite else "delta")
        if not args.x or not args.y:
            die_usage("compare --kind phase needs --x and --y")
    fig = new_figure(args)
    cols = min(len(panels), 3)
    rows = (len(panels) + cols - 1) // cols
    norm = _map_norm(panels, args) if kind == "phase" else None
    mesh = None
    for k, (res, at) in enumerate(panels):
        ax = fig.add_subplot(rows, cols, k + 1)
        if kind == "phase":
            mesh = _draw_map(ax, res, at, args, norm)
        else:
            _draw_profile(ax, res, at, args)
        ax.set_title("%s\n%s" % (os.path.basename(res.path), _panel_label(res, at, args.vary)),
                     fontsize="small")
    if mesh is not None:
        fig.colorbar(mesh, ax=fig.axes, label=axis_label(args.quantity,
                                                         panels[0][0].dataset(args.quantity)))
    if args.title:
        fig.suptitle(args.title)
    save_figure(fig, args.output, args.dpi)
    for res in {id(r): r for r, _ in panels}.values():
        res.close()
    plt.close(fig)
    return EXIT_OK



def build_parser():
    p = argparse.ArgumentParser(
        prog="qthermo-plot",
        description="Figures from a qthermo sweep results file (HDF5).",
        epilog="Exit codes: 0 written, 2 bad input, 1 unexpected error.")
    p.add_argument("--version", action="version", version="qthermo-plot " + VERSION)
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    def common(sp, needs_output=True):
        sp.add_argument("file", metavar="OUT.h5", help="results file of qthermo sweep")
        if needs_output:
            sp.add_argument("-o", "--output", required=True, metavar="FIG",
                            help="image to write (.png, .pdf, .svg)")
            sp.add_argument("--size", default="8x6", metavar="WxH",
                            help="figure size in inches (default 8x6)")
            sp.add_argument("--dpi", type=float, default=100.0,
                            help="pixels per inch of a raster image (default 100: 8x6 "
                                 "inches give 800x600 pixels); text sizes are in points")
            sp.add_argument("--title", help="replace the automatic title")
            sp.add_argument("--at", action="append", metavar="AXIS=VALUE",
                            help="fix an axis with several values at the nearest grid "
                                 "value (repeatable)")
        sp.add_argument("--N", type=int, help="chain length (group N10, ...); needed "
                        "when the file holds several")

    sp = sub.add_parser("profile", help="site populations against site index, one "
                        "curve per value of the swept parameter (paper's Fig. 2)")
    common(sp)
    sp.add_argument("--vary", metavar="AXIS", help="axis whose values give the curves "
                    "(default: the one axis with several values)")
    sp.add_argument("--values", metavar="V1,V2,..", help="draw only these values of the "
                    "varied axis (nearest grid values)")
    sp.add_argument("--max-curves", type=int, default=12,
                    help="at most this many curves, evenly spread (default 12)")
    sp.add_argument("--log", action="store_true", help="logarithmic population axis")
    sp.add_argument("--cmap", default="viridis", help="colormap of the curves")
    sp.set_defaults(func=cmd_profile)

    sp = sub.add_parser("phase", help="map of phi over two axes: positive (> 0) "
                        "and negative (< 0) thermophoresis")
    common(sp)
    sp.add_argument("--x", metavar="AXIS", help="horizontal axis (e.g. g)")
    sp.add_argument("--y", metavar="AXIS", help="vertical axis (e.g. T_mean)")
    sp.add_argument("--quantity", default=None,
                    help="scalar dataset to map (default phi for nsite, delta for lambda and "
                         "vee; also x_cm, soret, energy, force, ...)")
    sp.add_argument("--cmap", default=None,
                    help="colormap (default RdBu_r, centred on 0, for signed quantities)")
    sp.add_argument("--scale", choices=("auto", "linear", "symlog"), default="auto",
                    help="colour scale of signed quantities: symmetric linear or symmetric "
                         "log (auto: symlog when the values span many decades)")
    sp.add_argument("--vmax", type=float, help="colour limits -VMAX..VMAX (default: max |value|)")
    sp.add_argument("--linthresh", type=float,
                    help="symlog: linear within +-LINTHRESH (default: 5th percentile of |value|)")
    sp.set_defaults(func=cmd_phase)

    sp = sub.add_parser("delta", help="lambda, vee: populations and Delta = P_2 - P_1 "
                        "against a swept axis, the closed form overlaid")
    common(sp)
    sp.add_argument("--x", metavar="AXIS", help="horizontal axis (default: the first "
                    "temperature axis with several values)")
    sp.set_defaults(func=cmd_delta)

    sp = sub.add_parser("compare", help="the same profile or phase map from several files "
                        "(and every master equation of a file) side by side")
    sp.add_argument("files", nargs="+", metavar="OUT.h5", help="results files of qthermo sweep")
    sp.add_argument("-o", "--output", required=True, metavar="FIG", help="image to write")
    sp.add_argument("--kind", choices=("profile", "phase"), default="profile",
                    help="site populations (default) or a map over --x and --y")
    sp.add_argument("--size", default="12x7", metavar="WxH", help="figure size in inches")
    sp.add_argument("--dpi", type=float, default=100.0, help="pixels per inch")
    sp.add_argument("--title", help="a title over the panels")
    sp.add_argument("--at", action="append", metavar="AXIS=VALUE",
                    help="fix an axis at the nearest grid value (repeatable; applied to "
                         "every file)")
    sp.add_argument("--N", type=int, help="chain length, when a file holds several")
    sp.add_argument("--vary", metavar="AXIS", help="profile: one curve per value of AXIS")
    sp.add_argument("--values", metavar="V1,V2,..", help="profile: only these values of --vary")
    sp.add_argument("--max-curves", type=int, default=7, help="profile: at most this many curves")
    sp.add_argument("--x", metavar="AXIS", help="phase: horizontal axis")
    sp.add_argument("--y", metavar="AXIS", help="phase: vertical axis")
    sp.add_argument("--quantity", default=None, help="phase: scalar dataset (default phi / delta)")
    sp.set_defaults(func=cmd_compare)

    sp = sub.add_parser("boundary", help="phase boundaries of a boundary sweep: the traced "
                        "axis against another axis, every N in one figure")
    common(sp)
    sp.add_argument("--y", metavar="AXIS", help="vertical axis (default: the one other axis "
                    "with several values)")
    sp.add_argument("--map", action="store_true",
                    help="draw the scan's observable underneath (largest N, or --N)")
    sp.add_argument("--scale", choices=("auto", "linear", "symlog"), default="auto",
                    help="colour scale of --map")
    sp.add_argument("--vmax", type=float, help="--map colour limits -VMAX..VMAX")
    sp.add_argument("--linthresh", type=float, help="--map symlog linear range")
    sp.set_defaults(func=cmd_boundary)

    sp = sub.add_parser("info", help="axes, groups and completion of a results file")
    common(sp, needs_output=False)
    sp.set_defaults(func=cmd_info)
    return p


def unknown_command(parser, argv):
    """A misspelled COMMAND: one line with the nearest command, exit 2."""
    import difflib
    words = [a for a in argv if not a.startswith("-")]
    sub = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)][0]
    if not words or words[0] in sub.choices or argv[:1] != words[:1]:
        return None
    close = difflib.get_close_matches(words[0], list(sub.choices), n=1, cutoff=0.5)
    sys.stderr.write("qthermo-plot: unknown command '%s'%s\n" % (
        words[0], " (did you mean '%s'?)" % close[0] if close else
        " (expected %s)" % ", ".join(sub.choices)))
    return EXIT_USAGE


def main(argv=None):
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `qthermo-plot info f.h5 | head` ends quietly
    parser = build_parser()
    bad = unknown_command(parser, sys.argv[1:] if argv is None else argv)
    if bad is not None:
        return bad
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_usage(sys.stderr)
        sys.stderr.write("qthermo-plot: choose a command: profile, phase, delta, compare, boundary or info\n")
        return EXIT_USAGE
    if getattr(args, "max_curves", 1) < 1:
        sys.stderr.write("qthermo-plot: --max-curves must be at least 1\n")
        return EXIT_USAGE
    import_libs()
    try:
        return args.func(args)
    except UsageError as e:
        sys.stderr.write("qthermo-plot: %s\n" % e)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
