"""qthermo.grid: many points in one C loop (qt_solve_grid, one workspace),
returned as an xarray.Dataset."""
import ctypes

import numpy as np

from . import _table as T
from ._lib import ParamInfo, lib, one_blas_thread
from ._point import Request, scalar_value

_DP = ctypes.POINTER(ctypes.c_double)
# qt_extent -> the name of the extra dimension (the sweep file's names)
_EXTRA_DIM = {T.EXT_POP: None, T.EXT_BATH: "bath_index", T.EXT_PAIR: "mode"}
# their long names (as src/sweep/outputs.c writes them)
_EXTRA_LONG_NAME = {"site": "site k (1 = the T_L end)", "level": "level index",
                    "bath_index": "bath k", "mode": "mode index (ascending)"}


def _is_array(pi, v, xr):
    if pi.flags & T.PF_DERIVED:
        return True  # T_mean / T_diff: columns qt_solve_grid turns into temperatures
    if pi.type == T.LIST or pi.name == "populations":
        return False
    return isinstance(v, xr.DataArray) or np.ndim(v) > 0


def _as_dataarrays(arrays, xr):
    """1-D arrays become their own dimension, named after the parameter (an
    outer product, like the axes of a sweep); DataArrays keep their dims;
    other arrays broadcast together numpy-style over dims dim_0, dim_1, ..."""
    plain = {n: np.asarray(v) for n, v in arrays.items()
             if not isinstance(v, xr.DataArray) and np.ndim(v) > 1}
    if plain:
        shaped = dict(zip(plain, np.broadcast_arrays(*plain.values())))
    out = {}
    for name, v in arrays.items():
        if isinstance(v, xr.DataArray):
            out[name] = v
        elif name in plain:
            out[name] = xr.DataArray(shaped[name], dims=["dim_%d" % i
                                                          for i in range(shaped[name].ndim)])
        elif np.ndim(v) == 0:
            out[name] = xr.DataArray(float(v))
        else:
            v = np.asarray(v)
            out[name] = xr.DataArray(v, dims=[name], coords={name: v})
    return out


def _column(pi, values):
    """Values of a parameter for every point, as qt_solve_grid reads them."""
    flat = np.asarray(values).ravel()
    if pi.type in (T.ENUM, T.FLAG):
        flat = np.array([scalar_value(pi, x) for x in flat], dtype=float)
    col = np.ascontiguousarray(flat, dtype=float)
    msg = ctypes.create_string_buffer(256)
    for x in np.unique(col):
        if lib.qt_param_check_value(pi.ptr, float(x), msg, 256):
            raise ValueError("qthermo: " + msg.value.decode())
    return col


def _plan(rq, params, cols):
    """Workspace flags and size for every point: the base's, and each value of
    every option, enum and flag column in turn (a dense, gap, local or
    redfield point needs its storage)."""
    flags = lib.qt_workspace_flags(rq.p, rq.o)
    for pi, col in zip(params, cols):
        if pi.flags & T.PF_OPTION or pi.type in (T.ENUM, T.FLAG):
            base = rq.get(pi)
            for x in np.unique(col):
                lib.qt_param_set(rq.p, rq.o, pi.ptr, float(x))
                flags |= lib.qt_workspace_flags(rq.p, rq.o)
            lib.qt_param_set(rq.p, rq.o, pi.ptr, base)
    max_n = rq.sites()
    for pi, col in zip(params, cols):
        if pi.name == "N" and rq.model == "nsite" and col.size:
            max_n = int(col.max())
    return flags, max_n


def _observables(rq, names, has_gap):
    if names is None:
        return [o for o in T.model_observables(rq.mid) if has_gap or not o.needs_gap]
    out = []
    for name in names:
        i = lib.qt_observable_find(name.encode(), rq.mid)
        if i < 0:
            raise ValueError("qthermo: model %s has no observable %r" % (rq.model, name))
        out.append(T.OBSERVABLES[i])
    return out


def _caps(rq, obs, max_n):
    """Values per point of each observable, for the largest N of the grid."""
    if rq.model == "nsite":
        pi = T.find_param("N", rq.mid)
        base = rq.get(pi)
        lib.qt_param_set(rq.p, rq.o, pi.ptr, float(max_n))
    caps = [lib.qt_observable_extent(o.index, rq.p) for o in obs]
    if rq.model == "nsite":
        lib.qt_param_set(rq.p, rq.o, pi.ptr, base)
    return caps


def _solve(rq, params, cols, obs, caps, n, flags, max_n):
    outs = [np.empty((n, c)) for c in caps]
    status = np.empty(n, dtype=np.intc)
    w = ctypes.c_void_p(lib.qt_workspace_alloc(rq.mid, max_n, flags))
    r = ctypes.c_void_p(lib.qt_result_alloc(max_n))
    try:
        if not w or not r:
            raise MemoryError("qthermo: out of memory for N = %d" % max_n)
        k = len(params)
        args = (rq.p, rq.o, (ctypes.POINTER(ParamInfo) * k)(*[p.ptr for p in params]),
                (_DP * k)(*[c.ctypes.data_as(_DP) for c in cols]), k,
                (ctypes.c_int * len(obs))(*[o.index for o in obs]),
                (ctypes.c_int * len(obs))(*caps),
                (_DP * len(obs))(*[a.ctypes.data_as(_DP) for a in outs]), len(obs), n, w, r,
                status.ctypes.data_as(ctypes.POINTER(ctypes.c_int)))
        with one_blas_thread():
            st = lib.qt_solve_grid(*args)
    finally:
        lib.qt_workspace_free(ctypes.byref(w))
        lib.qt_result_free(ctypes.byref(r))
    if st:
        raise ValueError("qthermo: qt_solve_grid refused its arguments")
    return outs, status


def _status_var(status, shape, dims, xr):
    names = [lib.qt_status_name(i).decode() for i in range(64)]
    names = names[:names.index("unknown")]
    return xr.Variable(dims, status.reshape(shape).astype(np.int8), {
        "long_name": "solver status", "units": "1", "flag_values": np.arange(len(names), dtype=np.int8),
        "flag_meanings": " ".join(names)})


def _dataset(rq, das, obs, caps, outs, status, xr):
    dims = list(das[0].dims) if das else []
    shape = das[0].shape if das else ()
    ok = bool((status == 0).all())
    pop_dim = lib.qt_model_population_dim(rq.mid).decode()
    data = {"status": _status_var(status, shape, dims, xr)}
    extra = {}
    for ob, cap, arr in zip(obs, caps, outs):
        attrs = T.cf_attrs(ob.long_name, ob.unit)
        if ob.integer and ok:
            arr = arr.astype(np.int32)
        if ob.extent == T.EXT_1:
            data[ob.name] = xr.Variable(dims, arr.reshape(shape), attrs)
            continue
        d = _EXTRA_DIM[ob.extent] or pop_dim
        if rq.model == "nsite" and ob.extent == T.EXT_BATH:
            d = "site"
        extra[d] = cap
        data[ob.name] = xr.Variable(dims + [d], arr.reshape(shape + (cap,)), attrs)
    ds = xr.Dataset(data)
    for d, cap in extra.items():
        ds.coords[d] = (d, np.arange(1, cap + 1, dtype=np.int32),
                        {"long_name": _EXTRA_LONG_NAME.get(d, d), "units": "1"})
    return ds


def grid(model="nsite", observables=None, **params):
    """Solve every point of a grid in C (one workspace) and return an
    xarray.Dataset: one variable per observable (NaN where status != 0), a
    `status` variable, the parameters as coordinates with units and long
    names from the parameter table.

    Any parameter may be a number (the same for every point), a 1-D array
    (its own dimension, named after it), an xarray.DataArray (its dims), or
    an N-D numpy array (numpy broadcasting, dims dim_0, dim_1, ...). Lists
    (T_sites, ...) are the same for every point. Example:
    grid("nsite", N=10, g=np.linspace(0, 1.5, 151), T_L=0.8,
         T_R=np.linspace(0.1, 0.8, 71))."""
    import xarray as xr
    mid = T.model_id(model)
    arrays = {}
    scalars = {}
    for name, v in params.items():
        pi = T.find_param(name, mid)
        if _is_array(pi, v, xr):
            arrays[pi.name] = v
        else:
            scalars[name] = v
    rq = Request(model, scalars)
    rq.given.update(arrays)
    derived = [p.name for p in T.model_params(mid) if p.flags & T.PF_DERIVED]
    if any(d in arrays for d in derived):
        if not all(d in arrays for d in derived):
            raise TypeError("qthermo: give %s together" % " and ".join(derived))
        rq.given.update(p.name for p in T.temperature_params(mid))
    rq.check()
    if rq.populations is not None:
        raise ValueError("qthermo: populations (prescribed) is for qthermo.point")
    das = _as_dataarrays(arrays, xr)
    names = list(das)
    bc = list(xr.broadcast(*das.values())) if das else []
    pis = [T.find_param(n, mid) for n in names]
    cols = [_column(pi, da.transpose(*bc[0].dims).values) for pi, da in zip(pis, bc)]
    n = int(np.prod(bc[0].shape)) if bc else 1
    flags, max_n = _plan(rq, pis, cols)
    obs = _observables(rq, observables, bool(rq.get(T.find_param("gap", mid))) or
                       any(pi.name == "gap" for pi in pis))
    caps = _caps(rq, obs, max_n)
    outs, status = _solve(rq, pis, cols, obs, caps, n, flags, max_n)
    ds = _dataset(rq, bc, obs, caps, outs, status, xr)
    for name, da in das.items():
        if name not in ds.coords:
            ds.coords[name] = da
    for name in names:
        ds.coords[name].attrs.update(T.find_param(name, mid).attrs())
    base = rq.parameters()
    set_by_columns = set(arrays) | (rq.given - set(scalars))
    ds.attrs.update({k: v for k, v in base.items() if k not in set_by_columns and np.ndim(v) == 0})
    return ds
