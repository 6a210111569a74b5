"""The parameter and observable tables of the C library, read once."""
import ctypes
import difflib

from ._lib import lib

# qt_param_type and QT_PF_* of qthermo.h
REAL, INT, ENUM, LIST, FLAG = range(5)
PF_AXIS, PF_OPTION, PF_REQUIRED, PF_DERIVED, PF_POINT, PF_SWEEP = 1, 2, 4, 8, 16, 32
# qt_extent
EXT_1, EXT_POP, EXT_BATH, EXT_PAIR = range(4)


def cf_attrs(long_name, unit):
    """units and long_name as the sweep files write them (src/sweep/README.md,
    "CF metadata"): the numbers are pure numbers (units "1"), the natural
    unit goes into long_name and qthermo_unit."""
    a = {"long_name": long_name, "units": "1"}
    if unit:
        a["qthermo_unit"] = unit
    if unit and unit != "1":
        a["long_name"] = "%s, in units of %s" % (long_name, unit)
    return a


def _text(b):
    return b.decode() if b is not None else None


def _choices(row):
    out, i = [], 0
    while row.choices and row.choices[i] is not None:
        out.append(row.choices[i].decode())
        i += 1
    return out


class Param:
    """One row of the parameter table (qt_param_info) and its C pointer."""

    def __init__(self, ptr):
        row = ptr.contents
        self.ptr = ptr
        self.name = _text(row.name)
        self.alias = _text(row.alias)
        self.models = row.models
        self.type = row.type
        self.default = row.default
        self.unit = _text(row.unit)
        self.long_name = _text(row.long_name)
        self.description = _text(row.description)
        self.choices = _choices(row) if row.type == ENUM else None
        self.flags = row.flags
        self.replaced_by = _text(row.replaced_by)

    def attrs(self):
        """CF attributes of a coordinate named by this parameter."""
        return dict(cf_attrs(self.long_name, self.unit), description=self.description)


class Observable:
    def __init__(self, index, ptr):
        row = ptr.contents
        self.index = index
        self.name = _text(row.name)
        self.models = row.models
        self.extent = row.extent
        self.integer = bool(row.integer)
        self.needs_gap = bool(row.needs_gap)
        self.unit = _text(row.unit)
        self.long_name = _text(row.long_name)


PARAMS = [Param(lib.qt_param_at(i)) for i in range(lib.qt_param_count())]
OBSERVABLES = [Observable(i, lib.qt_observable_at(i)) for i in range(lib.qt_observable_count())]
MODELS = [lib.qt_model_name(m).decode() for m in range(lib.qt_model_count())]
_BY_PTR = {ctypes.addressof(p.ptr.contents): p for p in PARAMS}


def model_id(model):
    if model not in MODELS:
        raise ValueError("qthermo: unknown model %r (expected %s)" % (model, " | ".join(MODELS)))
    return MODELS.index(model)


def find_param(name, mid):
    """The table row of `name` (or its alias) for model mid; ValueError with a
    suggestion otherwise."""
    ptr = lib.qt_param_find(name.encode(), mid)
    if ptr:
        return _BY_PTR[ctypes.addressof(ptr.contents)]
    names = [p.name for p in PARAMS if p.models & (1 << mid)]
    close = difflib.get_close_matches(name, names, n=1)
    hint = " (did you mean %r?)" % close[0] if close else ""
    raise ValueError("qthermo: parameter %r does not apply to model %s%s"
                     % (name, MODELS[mid], hint))


def model_params(mid):
    return [p for p in PARAMS if p.models & (1 << mid)]


def model_observables(mid):
    return [o for o in OBSERVABLES if o.models & (1 << mid)]


def temperature_params(mid):
    """The two temperatures T_mean / T_diff set (as qt_params_set_mean_diff
    chooses them: the model's required rows in units of temperature)."""
    return [p for p in model_params(mid) if p.flags & PF_REQUIRED and p.unit == "h/k_B"][:2]
