/* Closed forms of the paper for the Lambda (Eqs. 6-12) and Vee (Eqs. 13-14)
 * systems, reported next to the numerical steady state. */
#include <math.h>

#include "me.h"

/* Transition frequencies omega_k and occupations n_k of the two baths. */
static void transitions(const qt_params *p, double omega[2], double n[2])
{
    if (p->model == QT_MODEL_LAMBDA) {
        omega[0] = p->E[2] - p->E[0], omega[1] = p->E[2] - p->E[1];
    } else {
        omega[0] = p->E[1] - p->E[0], omega[1] = p->E[2] - p->E[0];
    }
    n[0] = omega[0] > 0.0 ? qt_occupation(omega[0], p->T1) : NAN;
    n[1] = omega[1] > 0.0 ? qt_occupation(omega[1], p->T2) : NAN;
}

/* Rate prefactor Gamma of the oscillator formulas: J(omega_1). */
static double oscillator_gamma(const qt_params *p, const double omega[2])
{
    return p->spectral == QT_SPECTRAL_OHMIC ? p->gamma * omega[0] : p->gamma;
}

void qt_threelevel_closed_forms(const qt_params *p, qt_result *r)
{
    double omega[2], n[2];
    transitions(p, omega, n);
    double nbar = 0.5 * (n[0] + n[1]), dn = n[1] - n[0], G = oscillator_gamma(p, omega);
    int lambda = p->model == QT_MODEL_LAMBDA;
    /* Eq. 8 / Delta_V: each ground level sees one bath, so they hold for any J_k;
     * the classical bath gives P_k = P_e (P_g), hence Delta = 0 */
    double denom = lambda ? nbar * (3.0 * nbar + 2.0) - 0.75 * dn * dn
                          : (3.0 * nbar + 1.0) * (nbar + 1.0) - 0.75 * dn * dn;
    r->n1 = n[0], r->n2 = n[1];
    r->delta_formula = p->bath == QT_BATH_CLASSICAL ? 0.0 : (lambda ? -dn : dn) / denom;
    r->m_eff = 1.0 / (4.0 * nbar + 2.0);
    r->omega2 = G * G * denom;
    double sign = lambda ? -1.0 : 1.0; /* F_V = -F_q (Eq. 14) */
    r->force = sign * 0.5 * dn * r->m_eff * G * G * p->d;
    r->force_highT = sign * dn / (3.0 * nbar) * G * G * p->d / 2.0;
    double disc = sqrt(G * G - 4.0 * r->m_eff * r->m_eff * r->omega2);
    r->oscillator_roots[0] = (G - disc) / (2.0 * r->m_eff);
    r->oscillator_roots[1] = (G + disc) / (2.0 * r->m_eff);
    r->delta = r->population[1] - r->population[0];
    if (!lambda) r->delta = r->population[2] - r->population[1];
    r->x_mean = 0.5 * p->d * r->delta;
}

int qt_heat_current_prescribed(const qt_params *p, const double pop[3], double J[2],
                               double J_formula[2])
{
    if (p->model == QT_MODEL_NSITE || qt_params_check(p, NULL, 0)) return QT_EINVAL;
    qt_workspace *w = qt_workspace_alloc(p->model, 3, 0);
    if (!w) return QT_ENOMEM;
    qt_options o;
    qt_options_default(&o);
    int st = qt_build_eigensys(p, &o, w);
    double residual;
    if (!st) {
        for (int i = 0; i < 9; i++) w->rho_re[i] = w->rho_im[i] = 0.0;
        for (int a = 0; a < 3; a++) w->rho_re[a * 3 + a] = pop[a];
        st = qt_sector_checks(w, &residual, J);
    }
    qt_workspace_free(&w);
    double omega[2], n[2];
    transitions(p, omega, n);
    for (int k = 0; k < 2; k++) {
        double G = p->spectral == QT_SPECTRAL_OHMIC ? p->gamma * omega[k] : p->gamma;
        double emit = p->bath == QT_BATH_CLASSICAL ? n[k] : n[k] + 1.0;
        double upper = p->model == QT_MODEL_LAMBDA ? pop[2] : pop[k + 1];
        double lower = p->model == QT_MODEL_LAMBDA ? pop[k] : pop[0];
        J_formula[k] = omega[k] * G * (emit * upper - n[k] * lower);
    }
    return st;
}

/* ---- the model types ----------------------------------------------------- */

static int three(const qt_params *p)
{
    (void)p;
    return 3;
}

static int two(const qt_params *p)
{
    (void)p;
    return 2;
}

static int no_further_checks(const qt_params *p, char *msg, size_t len)
{
    (void)p, (void)msg, (void)len;
    return QT_OK;
}

static int threelevel_prepare(const qt_params *p, qt_workspace *w)
{
    w->T[0] = p->T1, w->T[1] = p->T2;
    return QT_OK;
}

static void threelevel_observables(const qt_params *p, const qt_options *o, qt_workspace *w,
                                   qt_result *r)
{
    (void)o, (void)w;
    qt_threelevel_closed_forms(p, r);
}

static int threelevel_operators(const qt_params *p, qt_workspace *w, struct qt_me_workspace *mw)
{
    (void)w;
    qt_bath_params proto = {0.0, p->gamma, p->spectral, p->bath};
    return qt_operators_threelevel(p->model, p->E, p->T1, p->T2, &proto, mw);
}

/* The eigensystem of a three-level model is its level basis: cheap to build
 * for the ratio whatever the master equation. */
static double threelevel_secular_ratio(const qt_params *p, const qt_options *o, qt_workspace *w)
{
    if (qt_build_threelevel_eigensys(p, w)) return NAN;
    qt_cluster(&w->es, o->tol, w->graph.order);
    return qt_secular_ratio_eigensys(&w->es, o->tol);
}

#define THREELEVEL_TYPE(NAME, ID)                                                                  \
    {                                                                                              \
        .name = NAME, .id = ID, .population_dim = "level", .dimension = three, .n_baths = two,     \
        .n_populations = three, .check = no_further_checks, .prepare = threelevel_prepare,         \
        .build_eigensys = qt_build_threelevel_eigensys, .fast_global = NULL, .chain = NULL,        \
        .operators = threelevel_operators, .secular_ratio = threelevel_secular_ratio,              \
        .observables = threelevel_observables                                                      \
    }

const qt_model_type qt_lambda_type = THREELEVEL_TYPE("lambda", QT_MODEL_LAMBDA);
const qt_model_type qt_vee_type = THREELEVEL_TYPE("vee", QT_MODEL_VEE);
