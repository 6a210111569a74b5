/* Status codes and their names (the names appear in JSON and summaries). */
#include "qthermo/qthermo.h"

static const char *const status_names[QT_NSTATUS] = {
    "ok", "not_unique", "divergent_rate", "too_large", "lapack_failure", "invalid", "no_memory",
};

static const char *const status_texts[QT_NSTATUS] = {
    "success",
    "the generator has more than one stationary state (no unique steady state)",
    "a nonzero omega = 0 jump with a flat spectral density: its rate diverges",
    "the problem exceeds the solver's size limit or the workspace",
    "LAPACK reported a failure",
    "invalid parameters",
    "out of memory",
};

const char *qt_status_name(int status)
{
    return status >= 0 && status < QT_NSTATUS ? status_names[status] : "unknown";
}

const char *qt_strerror(int status)
{
    return status >= 0 && status < QT_NSTATUS ? status_texts[status] : "unknown status";
}

const char *qt_path_name(int path)
{
    static const char *const names[] = {"none",  "pauli_bipartite", "pauli",          "coupled",
                                        "dense", "sector_local",    "sector_redfield"};
    return path >= 0 && path <= QT_PATH_SECTOR_REDFIELD ? names[path] : "unknown";
}
