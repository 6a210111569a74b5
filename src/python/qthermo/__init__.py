"""qthermo: steady states of quantum thermophoresis from Python.

A thin ctypes layer over the C library libqthermo (no compiled extension):

    qthermo.point(model, **params)  one point: a dict with the keys of the
                                    JSON of `qthermo point`
    qthermo.grid(model, **params)   many points in one C loop: an
                                    xarray.Dataset with units and long names
    qthermo.open(path)              a sweep file of `qthermo sweep` as
                                    xarray.Dataset(s), failed points NaN
    qthermo.params(model)           the parameter table (names, units, ...)

Parameters are named as in `qthermo params` (the config keys). The library
is found through QTHERMO_LIB, the build tree or the install prefix (see
src/python/README.md)."""
from ._grid import grid
from ._open import open
from ._point import point
from . import _table

__all__ = ["point", "grid", "open", "params", "models", "observables"]


def models():
    """The model names."""
    return list(_table.MODELS)


def params(model=None):
    """The parameter table as a list of dicts (rows for `model`, or all)."""
    rows = _table.PARAMS if model is None else _table.model_params(_table.model_id(model))
    return [{"name": p.name, "alias": p.alias, "unit": p.unit, "long_name": p.long_name,
             "description": p.description, "default": p.default, "choices": p.choices}
            for p in rows]


def observables(model):
    """Names, units and long names of the observables of `model`."""
    return [{"name": o.name, "unit": o.unit, "long_name": o.long_name,
             "needs_gap": o.needs_gap}
            for o in _table.model_observables(_table.model_id(model))]
