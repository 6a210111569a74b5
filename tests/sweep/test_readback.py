"""The file reads back with h5py and with xarray (engine h5netcdf): root
attributes (config text and its SHA-256 included), coordinate datasets as
dimension scales, one group per N with named dimensions g, T_L, T_R, site
(and a scalar coordinate N; the root lists N along `group`),
physics invariants of the stored values."""
import hashlib

import h5py
import numpy as np
import xarray as xr

from common import check, config, finish, remove, run_sweep, workdir

d = workdir("readback")
cfg = config("small_nsite.yaml")
out = f"{d}/nsite.h5"
remove(out)
rc, err = run_sweep(3, cfg, out, "--progress", "0")
check(rc == 0, f"sweep exit 0 ({err[-300:]})")
text = open(cfg).read()

with h5py.File(out, "r") as f:
    for a in ("qthermo_version", "config_yaml", "config_sha256", "model", "h", "gamma", "spectral",
              "bath", "solver", "tol", "created"):
        check(a in f.attrs, f"root attribute {a}")
    check(f.attrs["config_yaml"] == text, "config_yaml is the exact config text")
    check(f.attrs["config_sha256"] == hashlib.sha256(text.encode()).hexdigest(),
          "config_sha256 is the SHA-256 of the text")
    check(f.attrs["model"] == "nsite" and f.attrs["solver"] == "secular", "model and solver")
    for c, n in (("g", 16), ("T_L", 2), ("T_R", 12), ("group", 2)):
        check(c in f and f[c].shape == (n,), f"root coordinate {c} of length {n}")
        check(f[c].attrs.get("CLASS") == b"DIMENSION_SCALE", f"{c} is a dimension scale")
    check(list(f["N"][...]) == [6, 10], "N values (N [group], not a dimension)")
    check(all(int(f[f"N{n}/N"][()]) == n for n in (6, 10)), "each group's scalar N")
    check(np.allclose(f["g"][...], np.linspace(0, 1.5, 16), rtol=0, atol=1e-15), "g values")
    for N in (6, 10):
        g = f[f"N{N}"]
        for name, shape in (("x_cm", (16, 2, 12)), ("phase", (16, 2, 12)), ("status", (16, 2, 12)),
                            ("done", (16, 2, 12)), ("site_population", (16, 2, 12, N)),
                            ("heat_current", (16, 2, 12, N))):
            check(g[name].shape == shape, f"N{N}/{name} shape {shape}")
        check(g["phase"].dtype == np.int8 and g["peak_site"].dtype == np.int32 and
              g["status"].dtype == np.int8 and g["done"].dtype == np.uint8, f"N{N}: integer types")
        ok = g["status"][...] == 0
        bad = ~ok
        check(bool(np.all(bad[0])) and bool(np.all(ok[1:])), f"N{N}: g = 0 fails, the rest is ok")
        names = g["status"].attrs["flag_meanings"].split()
        check(names[int(g["status"][0, 0, 0]) + 1] == "not_unique", f"N{N}: g = 0 is not_unique")
        p = g["site_population"][...]
        check(bool(np.all(np.isnan(p[bad]))), f"N{N}: failed points have NaN populations")
        check(np.allclose(p[ok].sum(axis=-1), 1, atol=1e-12), f"N{N}: populations sum to 1")
        check(bool(np.all(p[ok] >= 0)), f"N{N}: populations >= 0")
        check(np.allclose(g["heat_current"][...][ok].sum(axis=-1), 0, atol=1e-12),
              f"N{N}: heat currents sum to 0")
        eq = np.isclose(f["T_L"][...][None, :, None], f["T_R"][...][None, None, :])
        xcm = g["x_cm"][...]
        check(np.allclose(np.where(eq & ok, xcm, 0), 0, atol=1e-12), f"N{N}: T_L = T_R gives x_cm = 0")

for N in (6, 10):
    ds = xr.open_dataset(out, group=f"N{N}", engine="h5netcdf")
    check(dict(ds.sizes) == {"g": 16, "T_L": 2, "T_R": 12, "site": N}, f"xarray N{N} dims {dict(ds.sizes)}")
    check(ds["site_population"].dims == ("g", "T_L", "T_R", "site"), f"xarray N{N} named dims")
    check(ds["x_cm"].dims == ("g", "T_L", "T_R"), f"xarray N{N} scalar dims")
    check(np.allclose(ds["g"].values, np.linspace(0, 1.5, 16), atol=1e-15), f"xarray N{N} g coordinate")
    check(list(ds["site"].values) == list(range(1, N + 1)), f"xarray N{N} site coordinate")
    sel = ds["site_population"].isel(g=10, T_L=0, T_R=3)
    check(abs(float(sel.sum()) - 1) < 1e-12, f"xarray N{N}: a profile sums to 1")
    check(ds["phase"].dtype == np.int8, f"xarray N{N}: phase stays int8 (no _FillValue)")
    check(bool((ds["phase"].isel(g=0) < ds["phase"].attrs["valid_min"]).all()),
          f"xarray N{N}: failed phase below valid_min")
    check(bool(ds["phase"].where(ds["status"] == 0).isel(g=0).isnull().all()),
          f"xarray N{N}: failed phase masked by status")
    ds.close()
root = xr.open_dataset(out, engine="h5netcdf")
check(list(root["N"].values) == [6, 10] and root.attrs["model"] == "nsite", "xarray root")
check(root["N"].dims == ("group",), "xarray root: N along group")
check(list(root["group"].values) == ["N6", "N10"], "xarray root: the group names")
root.close()
finish()
