"""Small results files in the layout `qthermo sweep` writes, made with h5py, so that the
plotter can be tested without running a sweep (and on layouts a sweep test
would not produce: failed points, points not yet computed, the T_mean/T_diff
axes, several N groups)."""

import h5py
import numpy as np

# CF attributes as the writer sets them (src/sweep/README.md, "CF metadata"):
# name -> (long_name, qthermo_unit); units is "1", long_name names the unit.
CF = {
    "g": ("tunnelling g", "h"), "T_L": ("left temperature T_L", "h/k_B"),
    "T_R": ("right temperature T_R", "h/k_B"), "T_mean": ("mean temperature", "h/k_B"),
    "T_diff": ("temperature difference", "h/k_B"), "N": ("number of sites", "1"),
    "site": ("site k (1 = the T_L end)", "1"), "phi": ("thermophoresis phi", "1"),
    "x_cm": ("centre of mass x_cm", "1"), "site_population": ("site population p_k", "1"),
    "soret": ("Soret coefficient S_T", "k_B/h"), "energy": ("mean energy", "h"),
    "heat_current": ("heat current into bath k", "h Gamma"),
}


def cf(d, name):
    if name in CF:
        long_name, unit = CF[name]
        d.attrs["units"] = "1"
        d.attrs["long_name"] = long_name + ("" if unit == "1" else ", in units of " + unit)
        d.attrs["qthermo_unit"] = unit


def _profile(N, g, T_L, T_R):
    """A made-up but smooth site population: leans toward the cold end for small
    g and toward the hot end for large g (like Fig. 2b-d)."""
    k = np.arange(1, N + 1)
    x = (k - (N + 1) / 2) / ((N - 1) / 2)
    tilt = (T_L - T_R) * (0.8 - g) / (0.5 + 0.5 * (T_L + T_R))
    p = np.exp(tilt * x - 0.3 * g * x * x)
    return p / p.sum()


def write(path, N_list=(10,), g=(0.1, 0.7, 1.3), T_L=(0.8,), T_R=(0.4,),
          mean_diff=False, fail=(), undone=()):
    """Write a synthetic results file. With mean_diff the 2nd and 3rd axes are
    T_mean and T_diff (T_L and T_R are then read as T_mean and T_diff values).
    fail / undone: index tuples of points marked status = 5 / done = 0."""
    names = ("g", "T_mean", "T_diff") if mean_diff else ("g", "T_L", "T_R")
    axes = [np.asarray(g, float), np.asarray(T_L, float), np.asarray(T_R, float)]
    shape = tuple(len(a) for a in axes)
    with h5py.File(path, "w") as f:
        f.attrs["Conventions"] = "CF-1.10"
        f.attrs["qthermo_format"] = "qthermo-sweep-1"
        f.attrs["qthermo_version"] = "0.1.0"
        f.attrs["config_yaml"] = "synthetic"
        f.attrs["config_sha256"] = "0" * 64
        f.attrs["model"] = "nsite"
        f.attrs["h"] = 1.0
        f.attrs["gamma"] = 1.0
        f.attrs["spectral"] = "flat"
        f.attrs["bath"] = "quantum"
        f.attrs["solver"] = "secular"
        f.attrs["tol"] = 1e-9
        f.attrs["created"] = "2024-01-01T00:00:00Z"
        scales = []
        for n, a in zip(names, axes):
            d = f.create_dataset(n, data=a)
            d.make_scale(n)
            cf(d, n)
            scales.append(d)
        f.create_dataset("N", data=np.asarray(N_list, np.int32))
        for N in N_list:
            grp = f.create_group("N%d" % N)
            site = grp.create_dataset("site", data=np.arange(1, N + 1, dtype=np.int32))
            site.make_scale("site")
            cf(site, "site")
            cf(grp.create_dataset("N", data=np.int32(N)), "N")
            pop = np.zeros(shape + (N,))
            for i in np.ndindex(*shape):
                a, b, c = (axes[0][i[0]], axes[1][i[1]], axes[2][i[2]])
                tl, tr = (b + c / 2, b - c / 2) if mean_diff else (b, c)
                pop[i] = _profile(N, a, tl, tr)
            k = np.arange(1, N + 1)
            x_cm = (pop * (k - (N + 1) / 2) / ((N - 1) / 2)).sum(-1)
            sgn = np.sign(np.asarray(axes[2])[None, None, :]) if mean_diff else \
                np.sign(axes[1][None, :, None] - axes[2][None, None, :])
            phi = sgn * x_cm
            status = np.zeros(shape, np.int8)
            done = np.ones(shape, np.uint8)
            for i in fail:
                status[i] = 5
            for i in list(fail) + list(undone):
                pop[i] = np.nan
                x_cm[i] = phi[i] = np.nan
            for i in undone:
                done[i] = 0
            data = {
                "x_cm": x_cm, "phi": phi,
                "phase": np.where(np.isfinite(phi), np.sign(np.nan_to_num(phi)), 0).astype(np.int8),
                "peak_site": (np.nan_to_num(pop).argmax(-1) + 1).astype(np.int32),
                "soret": 0.1 * phi, "energy": 0.5 + 0 * phi, "residual": 1e-16 + 0 * phi,
                "status": status, "done": done,
            }
            for name, arr in data.items():
                d = grp.create_dataset(name, data=arr)
                cf(d, name)
                for j in range(3):
                    d.dims[j].attach_scale(scales[j])
            for name in ("site_population", "heat_current"):
                d = grp.create_dataset(name, data=pop if name == "site_population" else 0 * pop)
                cf(d, name)
                for j in range(3):
                    d.dims[j].attach_scale(scales[j])
                d.dims[3].attach_scale(site)
