/* qt_solve_grid: many points in one workspace, parameters from columns (the
 * loop a binding such as the Python module would otherwise run per point). */
#include <math.h>
#include <string.h>

#include "internal.h"

static int grid_args_ok(const qt_params *p, const qt_param_info *const *params,
                        const double *const *columns, int n_columns, const int *obs,
                        const int *caps, double *const *out, int n_obs)
{
    for (int c = 0; c < n_columns; c++)
        if (!params[c] || !columns[c] || !(params[c]->models & (1u << p->model)) ||
            params[c]->type == QT_PT_LIST)
            return 0;
    for (int k = 0; k < n_obs; k++) {
        const qt_observable_info *oi = qt_observable_at(obs[k]);
        if (!oi || !(oi->models & (1u << p->model)) || caps[k] < 1 || !out[k]) return 0;
    }
    return 1;
}

int qt_params_set_mean_diff(qt_params *p, double T_mean, double T_diff)
{
    double hi = T_mean + 0.5 * T_diff, lo = T_mean - 0.5 * T_diff;
    if (!(T_mean - 0.5 * fabs(T_diff) >= 0.0) || !isfinite(hi)) return QT_EINVAL;
    if (lo < 0) lo = 0; /* rounding only */
    int which = 0;
    for (int i = 0; i < qt_param_count() && which < 2; i++) {
        const qt_param_info *pi = qt_param_at(i);
        if ((pi->flags & QT_PF_REQUIRED) && !strcmp(pi->unit, "h/k_B") &&
            (pi->models & (1u << p->model)))
            qt_param_set(p, NULL, pi, which++ ? lo : hi);
    }
    return QT_OK;
}

/* Point i's parameters: the base with every column's value set. */
static int point_params(const qt_param_info *const *params, const double *const *columns,
                        int n_columns, long i, qt_params *p, qt_options *o)
{
    double mean_diff[2] = {NAN, NAN};
    int derived = 0;
    for (int c = 0; c < n_columns; c++) {
        if (params[c]->flags & QT_PF_DERIVED) {
            mean_diff[strcmp(params[c]->name, "T_mean") != 0] = columns[c][i];
            derived = 1;
        } else if (qt_param_set(p, o, params[c], columns[c][i])) {
            return QT_EINVAL;
        }
    }
    return derived ? qt_params_set_mean_diff(p, mean_diff[0], mean_diff[1]) : QT_OK;
}

static void store_point(const qt_result *r, int ok, const int *obs, const int *caps,
                        double *const *out, int n_obs, long i)
{
    for (int k = 0; k < n_obs; k++) {
        double *dst = out[k] + (size_t)i * (size_t)caps[k];
        int n = ok ? qt_result_get_at(r, obs[k], dst, caps[k]) : 0;
        for (int j = n; j < caps[k]; j++) dst[j] = NAN;
    }
}

int qt_solve_grid(const qt_params *p, const qt_options *o, const qt_param_info *const *params,
                  const double *const *columns, int n_columns, const int *obs, const int *caps,
                  double *const *out, int n_obs, long n, qt_workspace *w, qt_result *r, int *status)
{
    if (!p || !o || !w || !r || !status || n < 0 || n_columns < 0 || n_obs < 0 ||
        !grid_args_ok(p, params, columns, n_columns, obs, caps, out, n_obs))
        return QT_EINVAL;
    for (long i = 0; i < n; i++) {
        qt_params pi = *p;
        qt_options oi = *o;
        int st = point_params(params, columns, n_columns, i, &pi, &oi);
        if (!st) st = qt_solve(&pi, &oi, w, r);
        status[i] = st;
        store_point(r, st == QT_OK, obs, caps, out, n_obs, i);
    }
    return QT_OK;
}
