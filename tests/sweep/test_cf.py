"""CF-1.10 metadata of sweep files, read with netCDF4-python and with xarray
(engines h5netcdf and netcdf4), for nsite, lambda and vee files:

- root attribute Conventions = "CF-1.10";
- every variable (coordinates and data) has `units` and `long_name`; units are
  "1" (the stored numbers are quantities divided by h, h/k_B, Gamma, ...: no
  udunits unit) and the long name names the unit, both built from the
  parameter table as `qthermo params --json` prints it (an independent dump);
- no attribute is named like a dimension that is visible where it is (the
  group's own dimensions and its ancestors'); swept parameters are not
  attributes; no standard_name (none exists for these quantities);
- nsite groups have a scalar coordinate N and xarray concatenates them along N;
- integer observables stay integers through xarray (no _FillValue) while
  netCDF4-python masks their failed points (below valid_min);
- ds.phi.plot() labels its axes and colour bar "long_name [units]";
- boundary files (nsite, lambda) meet the same rules: every variable has
  units and long_name, boundary_kind is a flag variable, the groups
  concatenate along N."""
import json
import subprocess

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import netCDF4  # noqa: E402
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402

from common import QTHERMO, check, config, finish, remove, run_sweep, workdir  # noqa: E402

ENGINES = ("h5netcdf", "netcdf4")
d = workdir("cf")
table = json.loads(subprocess.run([QTHERMO, "params", "--json"], stdout=subprocess.PIPE,
                                  check=True, text=True).stdout)


def param(name, model):
    for row in table:
        if row["name"] == name and model in row["models"] and not row.get("point_only"):
            return row
    return None


def expected_long_name(row):
    unit = row["unit"]
    return row["long_name"] + ("" if unit in ("", "1") else ", in units of " + unit)


def sweep(cfg_name, out_name):
    out = f"{d}/{out_name}"
    remove(out)
    rc, err = run_sweep(2, config(cfg_name), out, "--progress", "0")
    check(rc == 0, f"{cfg_name}: sweep exit 0 ({err[-300:]})")
    return out


def visible_dims(group):
    dims = set()
    while group is not None:
        dims |= set(group.dimensions)
        group = group.parent
    return dims


def check_group(path, grp, model, axes):
    """Every variable of a netCDF4 group: units, long_name, no dimension-named attribute."""
    where = f"{path}:{grp.path}"
    dims = visible_dims(grp)
    clash = sorted(set(grp.ncattrs()) & dims)
    check(not clash, f"{where}: no attribute named like a dimension (found {clash})")
    for name, var in grp.variables.items():
        attrs = var.ncattrs()
        if var.dtype == str:         # CF: strings (the group names) have no units
            check("long_name" in attrs and "units" not in attrs, f"{where}/{name}: long_name")
            continue
        check("units" in attrs and "long_name" in attrs, f"{where}/{name}: units and long_name")
        check("standard_name" not in attrs, f"{where}/{name}: no invented standard_name")
        if "units" not in attrs or "long_name" not in attrs:
            continue
        check(var.units == "1", f"{where}/{name}: units '1' (got {var.units!r})")
        row = param(name, model)
        if row is not None:          # a coordinate named like a parameter
            check(var.long_name == expected_long_name(row),
                  f"{where}/{name}: long_name from the table ({var.long_name!r})")
            check(var.qthermo_unit == (row["unit"] or "1"),
                  f"{where}/{name}: qthermo_unit {var.qthermo_unit!r} = table {row['unit']!r}")
        else:
            check(var.long_name not in ("", name), f"{where}/{name}: a real long_name")
    for a in axes:
        check(a not in grp.ncattrs(), f"{where}: swept {a} is not an attribute")


def check_netcdf4(path, model, axes):
    with netCDF4.Dataset(path) as nc:
        check(getattr(nc, "Conventions", None) == "CF-1.10", f"{path}: Conventions CF-1.10")
        check(nc.model == model, f"{path}: model {model}")
        check_group(path, nc, model, axes)
        for grp in nc.groups.values():
            check_group(path, grp, model, axes)
            check(grp["N"].shape == () and grp.name == f"N{int(grp['N'][...])}",
                  f"{path}:{grp.path}: scalar N matches the group")
        nsite = model == "nsite"
        grp = nc.groups["N10"] if nsite else nc
        if "phase" in grp.variables:
            status = grp["status"][...]
            phase = grp["phase"][...]
            check("_FillValue" not in grp["phase"].ncattrs(), f"{path}: phase has no _FillValue")
            check(bool(np.all(np.ma.getmaskarray(phase) == (status != 0))),
                  f"{path}: netCDF4 masks exactly the failed points of phase (valid_min)")


def check_xarray(path, model, groups):
    for eng in ENGINES:
        sets = [xr.open_dataset(path, group=g, engine=eng) for g in groups]
        for g, ds in zip(groups, sets):
            where = f"{path}:{g or '/'} ({eng})"
            for name in ("status", "phase", "peak_site", "done"):
                if name in ds:
                    want = {"status": np.int8, "phase": np.int8, "peak_site": np.int32,
                            "done": np.uint8}[name]
                    check(ds[name].dtype == want, f"{where}: {name} dtype {ds[name].dtype}")
            for name, var in list(ds.coords.items()) + list(ds.data_vars.items()):
                check(("units" in var.attrs or var.dtype == object) and "long_name" in var.attrs,
                      f"{where}: {name} has units and long_name")
            if model == "nsite":
                check("N" in ds.coords and ds["N"].ndim == 0, f"{where}: scalar coordinate N")
        if model == "nsite":
            both = xr.concat(sets, dim="N")
            check(list(both["N"].values) == [6, 10], f"{path} ({eng}): concat along N")
            check(both["phi"].dims == ("N", "g", "T_L", "T_R"), f"{path} ({eng}): phi dims")
            p = both["site_population"].sel(N=6).isel(g=5, T_L=0, T_R=3)
            check(abs(float(p.sum()) - 1) < 1e-12 and int(p.isnull().sum()) == 4,
                  f"{path} ({eng}): N = 6 padded with NaN to 10 sites")
        for ds in sets:
            ds.close()


def label(text):
    return " ".join(text.split())   # xarray wraps long labels


def check_plot_labels(path):
    for eng in ENGINES:
        ds = xr.open_dataset(path, group="N10", engine=eng)
        mesh = ds.phi.isel(T_L=0).plot()
        ax = mesh.axes
        want_y = label(ds.g.long_name) + " [1]"
        want_x = label(ds.T_R.long_name) + " [1]"
        check(label(ax.get_ylabel()) == want_y, f"plot ({eng}): y label {ax.get_ylabel()!r}")
        check(label(ax.get_xlabel()) == want_x, f"plot ({eng}): x label {ax.get_xlabel()!r}")
        check("in units of h" in ax.get_ylabel().replace("\n", " "),
              f"plot ({eng}): the y label names the unit h")
        cb = label(mesh.colorbar.ax.get_ylabel())
        check(cb == "thermophoresis phi [1]", f"plot ({eng}): colour bar label {cb!r}")
        plt.close("all")
        ds.close()


nsite = sweep("small_nsite.yaml", "nsite.h5")
check_netcdf4(nsite, "nsite", ["N", "g", "T_L", "T_R"])
check_xarray(nsite, "nsite", ["N6", "N10"])
check_plot_labels(nsite)

lam = sweep("small_lambda.yaml", "lambda.h5")
check_netcdf4(lam, "lambda", ["T_1", "T_2", "E_1"])
check_xarray(lam, "lambda", [None])
with netCDF4.Dataset(lam) as nc:
    check("bath" in nc.ncattrs() and "bath_index" in nc.dimensions and "bath" not in nc.dimensions,
          "lambda: attribute bath (statistics), dimension bath_index")
    check("E_1" not in nc.ncattrs() and nc.E_2 == 0.0, "lambda: swept E_1 is no attribute, E_2 is")

vee = sweep("small_vee_meandiff.yaml", "vee.h5")
check_netcdf4(vee, "vee", ["T_mean", "T_diff"])
check_xarray(vee, "vee", [None])


def check_boundary_xarray(path, groups):
    for eng in ENGINES:
        sets = [xr.open_dataset(path, group=g, engine=eng) for g in groups]
        for g, ds in zip(groups, sets):
            where = f"{path}:{g or '/'} ({eng})"
            for name, var in list(ds.coords.items()) + list(ds.data_vars.items()):
                check("units" in var.attrs and "long_name" in var.attrs,
                      f"{where}: {name} has units and long_name")
            kind = ds["boundary_kind"]
            check(list(kind.attrs.get("flag_values", [])) == [0, 1, 2, 3] and
                  kind.attrs.get("flag_meanings") == "none root crossing failed",
                  f"{where}: boundary_kind is a CF flag variable")
            if g is not None:
                check("N" in ds.coords and ds["N"].ndim == 0, f"{where}: scalar coordinate N")
        if groups[0] is not None:
            both = xr.concat([ds["boundary_g"] for ds in sets], dim="N")
            check(both.dims[0] == "N" and list(both["N"].values) == [10, 20],
                  f"{path} ({eng}): boundary_g concatenates along N")
        for ds in sets:
            ds.close()


bnd = sweep("boundary_nsite.yaml", "boundary_nsite.h5")
check_netcdf4(bnd, "nsite", ["N", "g", "T_mean", "T_diff"])
check_boundary_xarray(bnd, ["N10", "N20"])
blam = sweep("boundary_lambda.yaml", "boundary_lambda.h5")
check_netcdf4(blam, "lambda", ["T_2", "T_1"])
check_boundary_xarray(blam, [None])
finish()
