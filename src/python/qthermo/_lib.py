"""Loading libqthermo.so and declaring the C functions the module calls.

The library is looked up in this order: the file named by the environment
variable QTHERMO_LIB; the directories recorded when the module was built or
installed (_libdir.py: the build tree's lib/ or the prefix's libdir); the
system's library path (ldconfig)."""
import ctypes
import ctypes.util
import os

SONAME = "libqthermo.so.0"


def _candidates():
    env = os.environ.get("QTHERMO_LIB")
    if env:
        yield env
        return
    here = os.path.dirname(os.path.abspath(__file__))
    try:
        from . import _libdir
        dirs = _libdir.LIBDIRS
    except ImportError:  # the source tree: no recorded directory
        dirs = []
    for d in dirs:
        yield os.path.normpath(os.path.join(here, d, SONAME))
    found = ctypes.util.find_library("qthermo")
    if found:
        yield found
    yield SONAME


def _load():
    tried = []
    for path in _candidates():
        if os.path.isabs(path) and not os.path.exists(path):
            tried.append(path)
            continue
        try:
            return ctypes.CDLL(path)
        except OSError as e:
            tried.append("%s (%s)" % (path, e))
    raise ImportError("qthermo: libqthermo not found; set QTHERMO_LIB to the path of "
                      "libqthermo.so (tried: %s)" % "; ".join(tried))


class ParamInfo(ctypes.Structure):
    """qt_param_info of qthermo.h (a public, read-only row of the table)."""
    _fields_ = [("name", ctypes.c_char_p), ("alias", ctypes.c_char_p),
                ("models", ctypes.c_uint), ("type", ctypes.c_int),
                ("constraint", ctypes.c_int), ("default", ctypes.c_double),
                ("unit", ctypes.c_char_p), ("long_name", ctypes.c_char_p),
                ("description", ctypes.c_char_p),
                ("choices", ctypes.POINTER(ctypes.c_char_p)), ("flags", ctypes.c_uint),
                ("replaced_by", ctypes.c_char_p)]


class ObservableInfo(ctypes.Structure):
    """qt_observable_info of qthermo.h."""
    _fields_ = [("name", ctypes.c_char_p), ("models", ctypes.c_uint),
                ("extent", ctypes.c_int), ("integer", ctypes.c_int),
                ("needs_gap", ctypes.c_int), ("unit", ctypes.c_char_p),
                ("long_name", ctypes.c_char_p)]


lib = _load()
_P = ctypes.c_void_p
_PI = ctypes.POINTER(ParamInfo)
_D = ctypes.c_double
_DP = ctypes.POINTER(ctypes.c_double)
_I = ctypes.c_int
_S = ctypes.c_char_p

_PROTOTYPES = {
    "qt_status_name": (_S, [_I]),
    "qt_strerror": (_S, [_I]),
    "qt_path_name": (_S, [_I]),
    "qt_model_count": (_I, []),
    "qt_model_name": (_S, [_I]),
    "qt_model_population_dim": (_S, [_I]),
    "qt_params_new": (_P, [_I]),
    "qt_params_delete": (None, [_P]),
    "qt_options_new": (_P, []),
    "qt_options_delete": (None, [_P]),
    "qt_params_check": (_I, [_P, _S, ctypes.c_size_t]),
    "qt_options_check": (_I, [_P, _S, ctypes.c_size_t]),
    "qt_param_count": (_I, []),
    "qt_param_at": (_PI, [_I]),
    "qt_param_find": (_PI, [_S, _I]),
    "qt_param_check_value": (_I, [_PI, _D, _S, ctypes.c_size_t]),
    "qt_param_set": (_I, [_P, _P, _PI, _D]),
    "qt_param_get": (_D, [_P, _P, _PI]),
    "qt_param_set_list": (_I, [_P, _PI, _DP, _I]),
    "qt_param_get_list": (_DP, [_P, _PI, ctypes.POINTER(_I)]),
    "qt_param_list_length": (_I, [_PI, _P]),
    "qt_observable_count": (_I, []),
    "qt_observable_at": (ctypes.POINTER(ObservableInfo), [_I]),
    "qt_observable_find": (_I, [_S, _I]),
    "qt_observable_extent": (_I, [_I, _P]),
    "qt_result_alloc": (_P, [_I]),
    "qt_result_free": (None, [ctypes.POINTER(_P)]),
    "qt_result_get": (_I, [_P, _S, _DP, _I]),
    "qt_result_path": (_I, [_P]),
    "qt_workspace_alloc": (_P, [_I, _I, ctypes.c_uint]),
    "qt_workspace_flags": (ctypes.c_uint, [_P, _P]),
    "qt_workspace_free": (None, [ctypes.POINTER(_P)]),
    "qt_solve": (_I, [_P, _P, _P, _P]),
    "qt_heat_current_prescribed": (_I, [_P, _DP, _DP, _DP]),
    "qt_solve_grid": (_I, [_P, _P, ctypes.POINTER(_PI), ctypes.POINTER(_DP), _I,
                           ctypes.POINTER(_I), ctypes.POINTER(_I), ctypes.POINTER(_DP), _I,
                           ctypes.c_long, _P, _P, ctypes.POINTER(_I)]),
}
for _name, (_res, _args) in _PROTOTYPES.items():
    _f = getattr(lib, _name)
    _f.restype, _f.argtypes = _res, _args


class one_blas_thread:
    """OpenBLAS on one thread while the library solves, as `qthermo` runs it
    (per-point matrices are small, and the same thread count gives the same
    bits); the caller's setting (numpy's) is restored afterwards."""
    _set = getattr(lib, "openblas_set_num_threads", None)
    _get = getattr(lib, "openblas_get_num_threads", None)

    def __enter__(self):
        self.saved = self._get() if self._get and self._set else None
        if self.saved is not None and self.saved != 1:
            self._set(1)

    def __exit__(self, *exc):
        if self.saved is not None and self.saved != 1:
            self._set(self.saved)
        return False


if one_blas_thread._set:
    one_blas_thread._set.restype, one_blas_thread._set.argtypes = None, [ctypes.c_int]
if one_blas_thread._get:
    one_blas_thread._get.restype, one_blas_thread._get.argtypes = ctypes.c_int, []
