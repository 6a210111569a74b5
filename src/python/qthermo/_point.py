"""qthermo.point: one grid point, the same keys as `qthermo point`'s JSON."""
import ctypes
import math

import numpy as np

from . import _table as T
from ._lib import lib, one_blas_thread


class Request:
    """A qt_params / qt_options pair owned by the C library, set by table
    names (the struct layouts stay in C), with the list arrays kept alive."""

    def __init__(self, model, params):
        self.model = model
        self.mid = T.model_id(model)
        self.p = lib.qt_params_new(self.mid)
        self.o = lib.qt_options_new()
        if not self.p or not self.o:
            raise MemoryError("qthermo: out of memory")
        self.keep = []
        self.given = set()
        self.populations = None
        for name, value in params.items():
            self.set(name, value)

    def __del__(self):
        if getattr(self, "p", None):
            lib.qt_params_delete(self.p)
        if getattr(self, "o", None):
            lib.qt_options_delete(self.o)

    def set(self, name, value):
        pi = T.find_param(name, self.mid)
        if pi.flags & T.PF_DERIVED or pi.name == "model":
            raise ValueError("qthermo: %s is not a parameter of a point" % name)
        self.given.add(pi.name)
        if pi.name == "populations":
            self.populations = np.array(value, dtype=float).reshape(3)
        elif pi.type == T.LIST:
            self.set_list(pi, value)
        else:
            self.set_scalar(pi, scalar_value(pi, value))

    def set_scalar(self, pi, v):
        msg = ctypes.create_string_buffer(256)
        if lib.qt_param_check_value(pi.ptr, v, msg, 256):
            raise ValueError("qthermo: " + msg.value.decode())
        lib.qt_param_set(self.p, self.o, pi.ptr, v)

    def set_list(self, pi, value):
        arr = np.ascontiguousarray(value, dtype=float).ravel()
        msg = ctypes.create_string_buffer(256)
        for x in arr:
            if lib.qt_param_check_value(pi.ptr, float(x), msg, 256):
                raise ValueError("qthermo: %s: %s" % (pi.name, msg.value.decode()))
        self.keep.append(arr)
        lib.qt_param_set_list(self.p, pi.ptr, arr.ctypes.data_as(ctypes.POINTER(ctypes.c_double)),
                              len(arr))

    def check(self, required=True):
        msg = ctypes.create_string_buffer(256)
        if lib.qt_params_check(self.p, msg, 256) or lib.qt_options_check(self.o, msg, 256):
            raise ValueError("qthermo: " + msg.value.decode())
        for pi in T.model_params(self.mid):
            if required and pi.flags & T.PF_REQUIRED and pi.name != "model" and \
                    pi.name not in self.given and pi.replaced_by not in self.given:
                raise TypeError("qthermo: missing parameter %s%s" % (
                    pi.name, " (or %s)" % pi.replaced_by if pi.replaced_by else ""))

    def get(self, pi):
        return lib.qt_param_get(self.p, self.o, pi.ptr)

    def get_list(self, pi):
        n = ctypes.c_int(0)
        ptr = lib.qt_param_get_list(self.p, pi.ptr, ctypes.byref(n))
        return np.ctypeslib.as_array(ptr, (n.value,)).copy() if ptr else None

    def sites(self):
        """Populations per point (N for the chain, 3 levels)."""
        return int(self.get(T.find_param("N", self.mid))) if self.model == "nsite" else 3

    def parameters(self):
        """Every parameter of the model as the JSON names it."""
        out = {}
        for pi in T.model_params(self.mid):
            if pi.flags & (T.PF_DERIVED | T.PF_POINT):
                continue
            if pi.type == T.LIST:
                v = self.get_list(pi)
                if v is not None:
                    out[pi.name] = v
            elif pi.name == "model":
                out[pi.name] = self.model
            elif pi.type == T.ENUM:
                out[pi.name] = pi.choices[int(self.get(pi))]
            elif pi.type in (T.INT, T.FLAG):
                out[pi.name] = int(self.get(pi))
            else:
                out[pi.name] = self.get(pi)
        return out


def scalar_value(pi, value):
    """A table value as the C library takes it (enums: the choice's index)."""
    if pi.type == T.ENUM:
        if value not in pi.choices:
            raise ValueError("qthermo: %s: unknown value %r (expected %s)"
                             % (pi.name, value, " | ".join(pi.choices)))
        return float(pi.choices.index(value))
    if pi.type == T.FLAG:
        return 1.0 if value else 0.0
    return float(value)


def _read_observables(rq, r, st, out):
    want_gap = bool(rq.get(T.find_param("gap", rq.mid)))
    buf = (ctypes.c_double * max(rq.sites(), 3))()
    for ob in T.model_observables(rq.mid):
        if ob.needs_gap and not want_gap:
            continue
        n = lib.qt_result_get(r, ob.name.encode(), buf, len(buf))
        if ob.extent != T.EXT_1:
            out[ob.name] = np.array(buf[:n], dtype=float)
        elif ob.integer:
            out[ob.name] = int(buf[0]) if st == 0 else None
        else:
            out[ob.name] = float(buf[0])


def _prescribed(rq):
    J, Jf = (ctypes.c_double * 2)(), (ctypes.c_double * 2)()
    pop = np.ascontiguousarray(rq.populations)
    if not math.isclose(pop.sum(), 1.0, rel_tol=0, abs_tol=1e-9):
        raise ValueError("qthermo: populations sum to %.17g, not 1" % pop.sum())
    st = lib.qt_heat_current_prescribed(rq.p, pop.ctypes.data_as(ctypes.POINTER(ctypes.c_double)),
                                        J, Jf)
    out = rq.parameters()
    out.update(status=lib.qt_status_name(st).decode(), prescribed=True, populations=pop.copy(),
               heat_current=np.array(J[:]), heat_current_formula=np.array(Jf[:]))
    return out


def point(model="nsite", **params):
    """One steady state: a dict with the keys of the JSON of `qthermo point`
    (the parameters, status, path and the observables: floats, ints and
    numpy arrays; NaN / None where the point has no answer).

    Parameters go by their table names (`qthermo params`), e.g.
    point("nsite", N=10, g=1.3, T_L=0.8, T_R=0.4, solver="dense", gap=True)."""
    rq = Request(model, params)
    rq.check()
    if rq.populations is not None:
        return _prescribed(rq)
    n = rq.sites()
    w = ctypes.c_void_p(lib.qt_workspace_alloc(rq.mid, n, lib.qt_workspace_flags(rq.p, rq.o)))
    r = ctypes.c_void_p(lib.qt_result_alloc(n))
    try:
        if not w or not r:
            raise MemoryError("qthermo: out of memory for %d sites" % n)
        with one_blas_thread():
            st = lib.qt_solve(rq.p, rq.o, w, r)
        out = rq.parameters()
        out["status"] = lib.qt_status_name(st).decode()
        if st != 0:
            out["message"] = lib.qt_strerror(st).decode()
        out["path"] = path_name(r)
        _read_observables(rq, r, st, out)
        return out
    finally:
        lib.qt_workspace_free(ctypes.byref(w))
        lib.qt_result_free(ctypes.byref(r))


def path_name(r):
    return lib.qt_path_name(lib.qt_result_path(r)).decode()
