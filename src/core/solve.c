/* qt_solve: one grid point, dispatched to the structured nsite path, the
 * general eigenbasis sector path, or the dense reference. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "me.h"

qt_result *qt_result_alloc(int max_sites)
{
    if (max_sites < 3) max_sites = 3;
    if (max_sites > QT_MAX_SITES) return NULL;
    qt_result *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->capacity = max_sites;
    r->population = calloc(qt_size(max_sites), sizeof(double));
    r->heat_current = calloc(qt_size(max_sites), sizeof(double));
    if (!r->population || !r->heat_current) qt_result_free(&r);
    return r;
}

void qt_result_free(qt_result **rp)
{
    if (!rp || !*rp) return;
    free((*rp)->population);
    free((*rp)->heat_current);
    free(*rp);
    *rp = NULL;
}

void qt_result_clear(qt_result *r)
{
    double *pop = r->population, *heat = r->heat_current;
    int n_pop = r->n_pop, n_baths = r->n_baths;
    const double nan = NAN;
    /* every double member NaN, every int 0, then the arrays */
    double *fields[] = {&r->energy,
                        &r->x_cm,
                        &r->phi,
                        &r->soret,
                        &r->residual,
                        &r->trace_error,
                        &r->min_eigenvalue,
                        &r->relaxation_rate,
                        &r->delta,
                        &r->delta_formula,
                        &r->x_mean,
                        &r->n1,
                        &r->n2,
                        &r->m_eff,
                        &r->omega2,
                        &r->force,
                        &r->force_highT,
                        &r->relaxation_rates[0],
                        &r->relaxation_rates[1],
                        &r->oscillator_roots[0],
                        &r->oscillator_roots[1],
                        &r->secular_ratio};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) *fields[i] = nan;
    r->status = QT_OK;
    r->path = QT_PATH_NONE;
    r->phase = 0;
    r->peak_site = 0;
    r->n_clusters = r->max_cluster = 0;
    for (int i = 0; i < n_pop; i++) pop[i] = nan;
    for (int i = 0; i < n_baths; i++) heat[i] = nan;
}

static int fail(qt_result *r, int status)
{
    qt_result_clear(r);
    r->status = status;
    return status;
}

static void relaxation_rates(const qt_params *p, qt_workspace *w, qt_result *r)
{
    int d = w->es.d;
    if (d > w->gap_max_d) return;
    qt_pauli_generator(w, w->gap_G);
    if (p->model == QT_MODEL_NSITE)
        qt_generator_gaps(w, d, w->gap_G, &r->relaxation_rate, 1);
    else if (qt_generator_gaps(w, d, w->gap_G, r->relaxation_rates, 2) == 0)
        r->relaxation_rate = r->relaxation_rates[0];
}

static void count_clusters(const qt_eigensys *es, qt_result *r)
{
    r->n_clusters = es->n_clusters;
    r->max_cluster = 0;
    for (int c = 0; c < es->n_clusters; c++) {
        int size = es->cl_start[c + 1] - es->cl_start[c];
        if (size > r->max_cluster) r->max_cluster = size;
    }
}

static int build_general(const qt_model_type *m, const qt_params *p, const qt_options *o,
                         qt_workspace *w)
{
    if (m->dimension(p) > w->gen_max_d) return QT_ETOOLARGE;
    int st = m->build_eigensys(p, w);
    if (st) return st;
    qt_cluster(&w->es, o->tol, w->graph.order);
    return QT_OK;
}

/* The secular equation on the general eigenbasis path: the zero-frequency
 * sector (Pauli or coupled), or the full Liouvillian for solver dense. */
int qt_solve_general(const qt_model_type *m, const qt_params *p, const qt_options *o,
                     qt_workspace *w, qt_result *r)
{
    int st = build_general(m, p, o, w);
    if (st) return st;
    count_clusters(&w->es, r);
    int path = QT_PATH_DENSE;
    if (o->solver == QT_SOLVER_DENSE) {
        st = qt_dense_solve(o, w, &r->residual, r->heat_current);
    } else {
        st = qt_sector_solve(o, w, &path);
        if (!st) st = qt_sector_checks(w, &r->residual, r->heat_current);
    }
    if (st) return st;
    r->path = path;
    qt_general_observables(p, w, r);
    /* the Pauli generator exists when populations decouple (W is filled) */
    if (o->want_gap && path != QT_PATH_COUPLED && qt_structural_uniqueness(w) == 1)
        relaxation_rates(p, w, r);
    return QT_OK;
}

static int solve_global(const qt_model_type *m, const qt_params *p, const qt_options *o,
                        qt_workspace *w, qt_result *r)
{
    int general = 1;
    if (m->fast_global && o->solver == QT_SOLVER_SECULAR) {
        int st = m->fast_global(p, o, w, r, &general);
        if (st) return st;
    }
    return general ? qt_solve_general(m, p, o, w, r) : QT_OK;
}

const qt_me_type qt_global_me = {"global", QT_ME_GLOBAL, solve_global};

/* Is w planned for this point and these options? */
static int workspace_fits(const qt_model_type *m, const qt_params *p, const qt_options *o,
                          const qt_workspace *w)
{
    if (p->model == QT_MODEL_NSITE && p->N > w->max_N) return QT_ETOOLARGE;
    if (o->solver == QT_SOLVER_DENSE && !(w->flags & QT_WS_DENSE)) return QT_EINVAL;
    if (o->want_gap && !(w->flags & QT_WS_GAP) && m->dimension(p) > w->gap_max_d)
        return QT_EINVAL; /* relaxation rates need the gap part of the workspace */
    return QT_OK;
}

static int check_point(const qt_model_type *m, const qt_params *p, const qt_options *o,
                       const qt_workspace *w, const qt_result *r)
{
    if (!m || !qt_me_type_of(p->master_equation)) return QT_EINVAL;
    if (p->model != w->model) return QT_EINVAL; /* planned for another model */
    if (!qt_param_rows_ok(w->param_rows, w->n_param_rows, p, o) || m->check(p, NULL, 0))
        return QT_EINVAL;
    int st = workspace_fits(m, p, o, w);
    if (st) return st;
    if (m->n_populations(p) > r->capacity || m->n_baths(p) > r->capacity) return QT_ETOOLARGE;
    return QT_OK;
}

int qt_solve(const qt_params *p, const qt_options *o, qt_workspace *w, qt_result *r)
{
    w->last_ok = 0;
    const qt_model_type *m = qt_model_type_of(p->model);
    int st = check_point(m, p, o, w, r);
    if (st) {
        r->n_pop = r->n_baths = 0;
        return fail(r, st);
    }
    r->n_pop = m->n_populations(p);
    r->n_baths = m->n_baths(p);
    qt_result_clear(r);
    st = m->prepare(p, w);
    if (!st) st = qt_me_type_of(p->master_equation)->solve(m, p, o, w, r);
    if (st) return fail(r, st);
    m->observables(p, o, w, r);
    w->last_path = r->path;
    if (o->want_secular_ratio) r->secular_ratio = m->secular_ratio(p, o, w);
    w->last_me = p->master_equation;
    w->last_ok = 1;
    w->last_d = m->dimension(p);
    w->last_path = r->path;
    return QT_OK;
}

int qt_density_matrix(const qt_workspace *w, double *re, double *im, int d)
{
    if (!w->last_ok || d != w->last_d) return QT_EINVAL;
    size_t dd = qt_square(d);
    if (w->last_me != QT_ME_GLOBAL) {
        if (w->last_path != QT_PATH_DENSE) return qt_chain_rho(&w->chain, w->me, re, im);
        memcpy(re, w->me->rho_re, dd * sizeof(double));
        memcpy(im, w->me->rho_im, dd * sizeof(double));
        return QT_OK;
    }
    if (w->last_path != QT_PATH_PAULI_BIPARTITE) {
        memcpy(re, w->site_re, dd * sizeof(double));
        memcpy(im, w->site_im, dd * sizeof(double));
        return QT_OK;
    }
    /* structured nsite: blockdiag(diag(P_g), psi diag(P_e) psi^T) */
    int N = d / 2;
    memset(re, 0, dd * sizeof(double));
    memset(im, 0, dd * sizeof(double));
    for (int k = 0; k < N; k++) re[k * d + k] = w->P[k];
    size_t n = qt_size(N);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double s = 0.0;
            for (size_t a = 0; a < n; a++) s += w->psi[i + a * n] * w->P[n + a] * w->psi[j + a * n];
            re[(n + i) * qt_size(d) + n + j] = s;
        }
    return QT_OK;
}
