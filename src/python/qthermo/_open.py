"""qthermo.open: a results file of `qthermo sweep` as xarray Datasets."""
import builtins
import re

_GROUP = re.compile(r"^N(\d+)$")


def _groups(path):
    import h5py
    with h5py.File(path, "r") as f:
        return sorted((int(m.group(1)), k) for k in f
                      for m in [_GROUP.match(k)] if m and isinstance(f[k], h5py.Group))


def _masked(ds):
    """Every variable over the status grid NaN where status != 0 (failed, or
    not computed yet: -1). Left alone (integer dtypes kept) when all are ok."""
    if "status" not in ds:
        return ds
    bad = ds["status"] != 0
    if not bool(bad.any()):
        return ds
    grid = set(ds["status"].dims)
    for name in list(ds.data_vars):
        if name in ("status", "done") or not grid <= set(ds[name].dims):
            continue
        ds[name] = ds[name].where(~bad)
    return ds


def _open_one(path, group, N, xr):
    ds = xr.open_dataset(path, group=group, engine="h5netcdf").load()
    ds.close()
    if N is not None and "N" not in ds.coords:
        ds = ds.assign_coords(N=N)
        ds.coords["N"].attrs.update(long_name="number of sites", units="1")
    # the root's attributes (model, config, ...) on every group's Dataset
    if group is not None:
        with xr.open_dataset(path, engine="h5netcdf") as root:
            ds.attrs = {**root.attrs, **ds.attrs}
    ds.attrs.pop("N", None)
    return _masked(ds)


def open(path, N=None):
    """The sweep file at `path`: an xarray.Dataset with N as a (scalar)
    coordinate and NaN where status != 0. A chain file with several N gives
    a dict {N: Dataset} (the site dimension differs), unless N selects one."""
    import xarray as xr
    with builtins.open(path, "rb"):
        pass  # a clear FileNotFoundError before h5py's
    groups = _groups(path)
    if not groups:
        return _masked(xr.open_dataset(path, engine="h5netcdf").load())
    if N is not None:
        match = [g for n, g in groups if n == N]
        if not match:
            raise KeyError("qthermo: %s has no N = %d (it has %s)"
                           % (path, N, ", ".join(str(n) for n, _ in groups)))
        return _open_one(path, match[0], N, xr)
    out = {n: _open_one(path, g, n, xr) for n, g in groups}
    return out[groups[0][0]] if len(out) == 1 else out
