/* Parameter defaults and validation. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

void qt_params_default(qt_params *p, qt_model model)
{
    memset(p, 0, sizeof *p);
    p->model = model;
    p->N = 10;
    p->h = 1.0;
    p->gamma = 1.0;
    p->d = 1.0;
    p->spectral = QT_SPECTRAL_FLAT;
    p->bath = QT_BATH_QUANTUM;
    if (model == QT_MODEL_LAMBDA) {
        p->E[0] = 0.0, p->E[1] = 0.0, p->E[2] = 1.0;
    } else if (model == QT_MODEL_VEE) {
        p->E[0] = 0.0, p->E[1] = 1.0, p->E[2] = 1.0;
    }
}

void qt_options_default(qt_options *o)
{
    memset(o, 0, sizeof *o);
    o->solver = QT_SOLVER_SECULAR;
    o->tol = QT_DEFAULT_TOL;
    o->phase_threshold = QT_DEFAULT_PHASE_THRESHOLD;
}

int qt_dimension(const qt_params *p)
{
    return p->model == QT_MODEL_NSITE ? 2 * p->N : 3;
}

int qt_n_baths(const qt_params *p)
{
    return p->model == QT_MODEL_NSITE ? p->N : 2;
}

static int bad(char *msg, size_t len, const char *name, double value, const char *why)
{
    if (msg && len) snprintf(msg, len, "invalid %s = %g: %s", name, value, why);
    return QT_EINVAL;
}

static int check_temperature(const char *name, double T, char *msg, size_t len)
{
    if (!isfinite(T) || T < 0.0) return bad(msg, len, name, T, "must be finite and >= 0");
    return QT_OK;
}

int qt_params_check(const qt_params *p, char *msg, size_t len)
{
    if (!isfinite(p->gamma) || p->gamma <= 0.0)
        return bad(msg, len, "gamma", p->gamma, "must be finite and > 0");
    if (p->model == QT_MODEL_NSITE) {
        if (p->N < 2 || p->N > QT_MAX_SITES)
            return bad(msg, len, "N", p->N, "must be an integer in [2, 100000]");
        if (!isfinite(p->h) || p->h <= 0.0)
            return bad(msg, len, "h", p->h, "must be finite and > 0");
        if (!isfinite(p->g)) return bad(msg, len, "g", p->g, "must be finite");
        if (check_temperature("T_L", p->T_L, msg, len)) return QT_EINVAL;
        return check_temperature("T_R", p->T_R, msg, len);
    }
    if (p->model != QT_MODEL_LAMBDA && p->model != QT_MODEL_VEE) {
        if (msg && len) snprintf(msg, len, "invalid model %d", (int)p->model);
        return QT_EINVAL;
    }
    static const char *const lambda_names[3] = {"E1", "E2", "Ee"};
    static const char *const vee_names[3] = {"Eg", "E1", "E2"};
    const char *const *names = p->model == QT_MODEL_LAMBDA ? lambda_names : vee_names;
    for (int i = 0; i < 3; i++)
        if (!isfinite(p->E[i])) return bad(msg, len, names[i], p->E[i], "must be finite");
    if (!isfinite(p->d)) return bad(msg, len, "d", p->d, "must be finite");
    if (check_temperature("T1", p->T1, msg, len)) return QT_EINVAL;
    return check_temperature("T2", p->T2, msg, len);
}
