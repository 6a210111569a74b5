/* Independent solvers must agree: the structured/Pauli/coupled secular paths
 * against the full d^2 x d^2 Liouvillian, element by element of rho. */
#include <string.h>

#include "common.h"

typedef struct {
    qt_workspace *w;
    qt_result *r;
    double *re, *im;
} solved;

static int solve_rho(const qt_params *p, qt_solver solver, int force_coupled, solved *s)
{
    int N = p->model == QT_MODEL_NSITE ? p->N : 3, d = qt_dimension(p);
    qt_options o;
    qt_options_default(&o);
    o.solver = solver;
    o.force_coupled = force_coupled;
    s->w = qt_workspace_alloc(p->model, N, solver == QT_SOLVER_DENSE ? QT_WS_DENSE : 0);
    s->r = qt_result_alloc(N);
    assert_true(d > 0);
    size_t dd = (size_t)d * (size_t)d;
    s->re = calloc(dd, sizeof(double));
    s->im = calloc(dd, sizeof(double));
    assert_non_null(s->w);
    int st = qt_solve(p, &o, s->w, s->r);
    if (st == QT_OK) assert_int_equal(qt_density_matrix(s->w, s->re, s->im, d), QT_OK);
    return st;
}

static void release(solved *s)
{
    qt_workspace_free(&s->w);
    qt_result_free(&s->r);
    free(s->re);
    free(s->im);
}

/* Largest difference of any density-matrix element and of the observables. */
static void assert_same_state(const qt_params *p, const solved *a, const solved *b, double tol)
{
    int d = qt_dimension(p);
    double worst = 0.0;
    for (int i = 0; i < d * d; i++) {
        worst = fmax(worst, fabs(a->re[i] - b->re[i]));
        worst = fmax(worst, fabs(a->im[i] - b->im[i]));
    }
    if (worst > tol)
        fail_msg("density matrices differ by %.3g (model %d N %d g %.6g paths %s / %s)", worst,
                 p->model, p->N, p->g, qt_path_name(a->r->path), qt_path_name(b->r->path));
    for (int k = 0; k < a->r->n_baths; k++)
        assert_close(a->r->heat_current[k], b->r->heat_current[k], tol);
    assert_close(a->r->energy, b->r->energy, tol);
    assert_true(a->r->residual < 1e-12 && b->r->residual < 1e-12);
}

static void compare(const qt_params *p, int force_coupled_a, qt_solver solver_b, double tol)
{
    solved a, b;
    int sa = solve_rho(p, QT_SOLVER_SECULAR, force_coupled_a, &a);
    int sb = solve_rho(p, solver_b, 0, &b);
    assert_int_equal(sa, sb);
    if (sa == QT_OK) assert_same_state(p, &a, &b, tol);
    release(&a);
    release(&b);
}

static void nsite_secular_matches_dense_on_random_points(void **state)
{
    (void)state;
    uint64_t seed = 777;
    for (int i = 0; i < 40; i++) {
        qt_params p = nsite_params(2 + (int)uniform(&seed, 0, 11), uniform(&seed, -1.6, 1.6),
                                   uniform(&seed, 0.05, 2.0), uniform(&seed, 0.05, 2.0));
        p.spectral = i % 2 ? QT_SPECTRAL_OHMIC : QT_SPECTRAL_FLAT;
        p.bath = i % 5 == 4 ? QT_BATH_CLASSICAL : QT_BATH_QUANTUM;
        compare(&p, 0, QT_SOLVER_DENSE, 1e-10);
    }
}

/* d = 40, the dense limit; includes a delocalised ground state (g > 0.5). */
static void nsite_secular_matches_dense_at_n20(void **state)
{
    (void)state;
    qt_params p = nsite_params(20, 0.9, 0.8, 0.1);
    compare(&p, 0, QT_SOLVER_DENSE, 1e-10);
}

static void degenerate_spectra_match_dense(void **state)
{
    (void)state;
    qt_params p = threelevel_params(QT_MODEL_LAMBDA, 0.8, 0.3); /* E_1 = E_2 */
    compare(&p, 0, QT_SOLVER_DENSE, 1e-10);
    p = threelevel_params(QT_MODEL_VEE, 0.8, 0.3); /* E_1 = E_2 */
    compare(&p, 0, QT_SOLVER_DENSE, 1e-10);
    p = threelevel_params(QT_MODEL_LAMBDA, 1.5, 0.2);
    p.E[1] = 0.3; /* non-degenerate */
    compare(&p, 0, QT_SOLVER_DENSE, 1e-10);
    p = nsite_params(2, 1.0, 0.6, 0.3); /* excited level merged into the ground cluster */
    p.spectral = QT_SPECTRAL_OHMIC;
    compare(&p, 0, QT_SOLVER_DENSE, 1e-10);
    p = nsite_params(4, 1.0 / (2.0 * cos(acos(-1.0) / 5.0)), 0.7, 0.2); /* same, N = 4 */
    p.spectral = QT_SPECTRAL_OHMIC;
    compare(&p, 0, QT_SOLVER_DENSE, 1e-10);
}

/* The coupled complex sector solve agrees with the Pauli/GTH paths. */
static void coupled_sector_matches_pauli(void **state)
{
    (void)state;
    qt_params p = nsite_params(7, 0.45, 0.9, 0.2);
    compare(&p, 1, QT_SOLVER_SECULAR, 1e-11);
    p = threelevel_params(QT_MODEL_LAMBDA, 0.8, 0.3);
    compare(&p, 1, QT_SOLVER_SECULAR, 1e-12);
    p = threelevel_params(QT_MODEL_VEE, 0.2, 1.3);
    compare(&p, 1, QT_SOLVER_SECULAR, 1e-12);
}

static void statuses_agree_between_solvers(void **state)
{
    (void)state;
    solved a, b;
    qt_params p = nsite_params(6, 0.0, 0.8, 0.4);
    assert_int_equal(solve_rho(&p, QT_SOLVER_DENSE, 0, &a), QT_ENOTUNIQUE);
    assert_int_equal(solve_rho(&p, QT_SOLVER_SECULAR, 1, &b), QT_ENOTUNIQUE);
    release(&a);
    release(&b);
    p = nsite_params(2, 1.0, 0.6, 0.3); /* flat J, omega = 0 jump */
    assert_int_equal(solve_rho(&p, QT_SOLVER_DENSE, 0, &a), QT_EDIVERGENT);
    release(&a);
    p = nsite_params(21, 0.5, 0.6, 0.3); /* d = 42 > QT_DENSE_MAX_D */
    assert_int_equal(solve_rho(&p, QT_SOLVER_DENSE, 0, &a), QT_ETOOLARGE);
    release(&a);
}

static void workspace_limits_are_reported(void **state)
{
    (void)state;
    qt_options o;
    qt_options_default(&o);
    qt_workspace *w = qt_workspace_alloc(QT_MODEL_NSITE, 5, 0);
    qt_result *r = qt_result_alloc(6);
    qt_params p = nsite_params(6, 0.3, 0.5, 0.2);
    assert_int_equal(qt_solve(&p, &o, w, r), QT_ETOOLARGE);
    p = threelevel_params(QT_MODEL_LAMBDA, 0.5, 0.2);
    assert_int_equal(qt_solve(&p, &o, w, r), QT_EINVAL);
    p = nsite_params(5, 0.3, 0.5, 0.2); /* and the workspace still works */
    assert_int_equal(qt_solve(&p, &o, w, r), QT_OK);
    assert_true(qt_workspace_estimate(QT_MODEL_NSITE, 5, 0) == qt_workspace_bytes(w));
    qt_workspace_free(&w);
    qt_result_free(&r);
    assert_null(w);
    qt_workspace_free(&w); /* NULL is accepted */
}

/* At low temperature dense LU loses the tiny populations, GTH keeps them. */
static void low_temperature_dense_agrees_in_absolute_terms(void **state)
{
    (void)state;
    qt_params p = nsite_params(10, 0.1, 0.2, 0.02);
    compare(&p, 0, QT_SOLVER_DENSE, 1e-10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nsite_secular_matches_dense_on_random_points),
        cmocka_unit_test(nsite_secular_matches_dense_at_n20),
        cmocka_unit_test(degenerate_spectra_match_dense),
        cmocka_unit_test(coupled_sector_matches_pauli),
        cmocka_unit_test(statuses_agree_between_solvers),
        cmocka_unit_test(low_temperature_dense_agrees_in_absolute_terms),
        cmocka_unit_test(workspace_limits_are_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
