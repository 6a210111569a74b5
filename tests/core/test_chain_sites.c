/* The chain with site-resolved parameters (docs/physics.md section 8), the
 * parameter table and the hardened library contract. */
#include <string.h>

#include "common.h"

/* Solve and keep the density matrix; returns the status. */
static int solve_full(const qt_params *p, qt_solver solver, qt_result **r, double *re, double *im)
{
    qt_options o;
    qt_options_default(&o);
    o.solver = solver;
    qt_workspace *w = qt_workspace_alloc(p->model, p->N, qt_workspace_flags(p, &o));
    *r = qt_result_alloc(p->N);
    assert_non_null(w);
    int st = qt_solve(p, &o, w, *r);
    if (st == QT_OK && re) assert_int_equal(qt_density_matrix(w, re, im, 2 * p->N), QT_OK);
    qt_workspace_free(&w);
    return st;
}

static void assert_same_populations(const qt_result *a, const qt_result *b)
{
    assert_int_equal(a->n_pop, b->n_pop);
    for (int k = 0; k < a->n_pop; k++)
        if (a->population[k] != b->population[k])
            fail_msg("site %d: %.17g != %.17g", k + 1, a->population[k], b->population[k]);
}

static void t_sites_equal_to_linear_profile_is_bit_identical(void **state)
{
    (void)state;
    qt_params p = nsite_params(10, 1.3, 0.8, 0.4), q = p;
    double T[10];
    for (int k = 0; k < 10; k++) T[k] = p.T_L + (p.T_R - p.T_L) * k / 9;
    q.T_L = q.T_R = 0.0; /* unused once T_sites is set */
    assert_int_equal(qt_param_set_list(&q, qt_param_find("T_sites", QT_MODEL_NSITE), T, 10), QT_OK);
    qt_result *a, *b;
    assert_int_equal(solve_full(&p, QT_SOLVER_SECULAR, &a, NULL, NULL), QT_OK);
    assert_int_equal(solve_full(&q, QT_SOLVER_SECULAR, &b, NULL, NULL), QT_OK);
    assert_same_populations(a, b);
    assert_true(a->phi == b->phi && a->soret == b->soret);
    qt_result_free(&a);
    qt_result_free(&b);
}

static void zero_disorder_is_the_uniform_chain(void **state)
{
    (void)state;
    qt_params p = nsite_params(12, 0.7, 0.9, 0.2), q = p;
    q.seed = 12345;
    qt_result *a, *b;
    assert_int_equal(solve_full(&p, QT_SOLVER_SECULAR, &a, NULL, NULL), QT_OK);
    assert_int_equal(solve_full(&q, QT_SOLVER_SECULAR, &b, NULL, NULL), QT_OK);
    assert_same_populations(a, b);
    qt_result_free(&b);
    /* explicit uniform h_sites / g_sites take the per-point eigensolver:
     * the same state to rounding */
    double h[12], g[11];
    for (int k = 0; k < 12; k++) h[k] = 1.0, g[k < 11 ? k : 10] = 0.7;
    qt_param_set_list(&q, qt_param_find("h_sites", QT_MODEL_NSITE), h, 12);
    qt_param_set_list(&q, qt_param_find("g_sites", QT_MODEL_NSITE), g, 11);
    assert_int_equal(solve_full(&q, QT_SOLVER_SECULAR, &b, NULL, NULL), QT_OK);
    for (int k = 0; k < 12; k++) assert_rel_close(b->population[k], a->population[k], 1e-12);
    qt_result_free(&a);
    qt_result_free(&b);
}

/* Random non-uniform chains: the structured path against the dense
 * Liouvillian, every density-matrix element, flat/ohmic, quantum/classical. */
static void nonuniform_secular_matches_dense(void **state)
{
    (void)state;
    uint64_t s = 20261129;
    for (int trial = 0; trial < 24; trial++) {
        int N = 3 + trial % 10;
        qt_params p = nsite_params(N, 0, uniform(&s, 0.3, 1.2), uniform(&s, 0.05, 0.8));
        double h[12], g[12];
        for (int k = 0; k < N; k++) h[k] = uniform(&s, 0.5, 1.5), g[k] = uniform(&s, -0.8, 0.8);
        qt_param_set_list(&p, qt_param_find("h_sites", QT_MODEL_NSITE), h, N);
        qt_param_set_list(&p, qt_param_find("g_sites", QT_MODEL_NSITE), g, N - 1);
        p.spectral = trial % 2 ? QT_SPECTRAL_OHMIC : QT_SPECTRAL_FLAT;
        p.bath = trial % 3 == 2 ? QT_BATH_CLASSICAL : QT_BATH_QUANTUM;
        if (trial % 4 == 3) p.T_profile = QT_PROFILE_EXPONENTIAL;
        size_t dd = 4 * (size_t)N * (size_t)N; /* d = 2N states */
        double *re[2], *im[2];
        qt_result *r[2];
        for (int i = 0; i < 2; i++) {
            re[i] = calloc(dd, sizeof(double));
            im[i] = calloc(dd, sizeof(double));
            qt_solver solver = i ? QT_SOLVER_DENSE : QT_SOLVER_SECULAR;
            assert_int_equal(solve_full(&p, solver, &r[i], re[i], im[i]), QT_OK);
        }
        double worst = 0.0, heat = 0.0, trace = 0.0;
        for (size_t i = 0; i < dd; i++)
            worst = fmax(worst, fmax(fabs(re[0][i] - re[1][i]), fabs(im[0][i] - im[1][i])));
        for (int k = 0; k < N; k++) heat += r[0]->heat_current[k], trace += r[0]->population[k];
        if (worst > 1e-10) fail_msg("trial %d (N %d): rho differs by %.3g", trial, N, worst);
        assert_close(heat, 0.0, 1e-13);
        assert_close(trace, 1.0, 1e-13);
        for (int i = 0; i < 2; i++) free(re[i]), free(im[i]), qt_result_free(&r[i]);
    }
}

/* A mirror-symmetric chain with mirror-symmetric temperatures has x_cm = 0. */
static void mirror_symmetric_chain_has_no_drift(void **state)
{
    (void)state;
    double h[7] = {1.2, 0.9, 1.1, 1.0, 1.1, 0.9, 1.2}, g[6] = {0.3, 0.8, 0.5, 0.5, 0.8, 0.3};
    double T[7] = {0.4, 0.6, 0.7, 0.9, 0.7, 0.6, 0.4};
    qt_params p = nsite_params(7, 0, 0, 0);
    qt_param_set_list(&p, qt_param_find("h_sites", QT_MODEL_NSITE), h, 7);
    qt_param_set_list(&p, qt_param_find("g_sites", QT_MODEL_NSITE), g, 6);
    qt_param_set_list(&p, qt_param_find("T_sites", QT_MODEL_NSITE), T, 7);
    qt_result *r;
    assert_int_equal(solve_full(&p, QT_SOLVER_SECULAR, &r, NULL, NULL), QT_OK);
    assert_close(r->x_cm, 0.0, 1e-13);
    for (int k = 0; k < 3; k++) assert_rel_close(r->population[k], r->population[6 - k], 1e-12);
    qt_result_free(&r);
}

/* Disorder: a function of (seed, site) only, so the order of solves or the
 * rank that solves a point cannot change it; W scales it. */
static void disorder_is_reproducible_and_seeded(void **state)
{
    (void)state;
    qt_params p = nsite_params(16, 0.6, 0.9, 0.3);
    p.disorder_W = 0.4;
    qt_result *r1, *r2, *r3;
    p.seed = 1;
    assert_int_equal(solve_full(&p, QT_SOLVER_SECULAR, &r1, NULL, NULL), QT_OK);
    p.seed = 2;
    assert_int_equal(solve_full(&p, QT_SOLVER_SECULAR, &r2, NULL, NULL), QT_OK);
    p.seed = 1;
    assert_int_equal(solve_full(&p, QT_SOLVER_SECULAR, &r3, NULL, NULL), QT_OK);
    assert_same_populations(r1, r3);
    double diff = 0.0;
    for (int k = 0; k < 16; k++) diff = fmax(diff, fabs(r1->population[k] - r2->population[k]));
    assert_true(diff > 1e-6);
    qt_result_free(&r1);
    qt_result_free(&r2);
    qt_result_free(&r3);
}

/* Exponential profile between equal temperatures is the flat profile. */
static void exponential_profile(void **state)
{
    (void)state;
    qt_params p = nsite_params(9, 0.8, 0.5, 0.5), q = p;
    q.T_profile = QT_PROFILE_EXPONENTIAL;
    qt_result *a, *b;
    assert_int_equal(solve_full(&p, QT_SOLVER_SECULAR, &a, NULL, NULL), QT_OK);
    assert_int_equal(solve_full(&q, QT_SOLVER_SECULAR, &b, NULL, NULL), QT_OK);
    for (int k = 0; k < 9; k++) assert_rel_close(b->population[k], a->population[k], 1e-14);
    qt_result_free(&a);
    qt_result_free(&b);
    /* geometric profile: the same as T_sites T_L (T_R/T_L)^(k/(N-1)) */
    q.T_L = 0.9, q.T_R = 0.1;
    double T[9];
    for (int k = 0; k < 9; k++) T[k] = 0.9 * pow(0.1 / 0.9, k / 8.0);
    T[8] = 0.1;
    p = q;
    p.T_profile = QT_PROFILE_LINEAR;
    qt_param_set_list(&p, qt_param_find("T_sites", QT_MODEL_NSITE), T, 9);
    assert_int_equal(solve_full(&p, QT_SOLVER_SECULAR, &a, NULL, NULL), QT_OK);
    assert_int_equal(solve_full(&q, QT_SOLVER_SECULAR, &b, NULL, NULL), QT_OK);
    assert_same_populations(a, b);
    qt_result_free(&a);
    qt_result_free(&b);
    q.T_R = 0.0; /* a geometric profile needs both ends > 0 */
    assert_int_equal(qt_params_check(&q, NULL, 0), QT_EINVAL);
}

static void bad_site_lists_are_invalid(void **state)
{
    (void)state;
    char msg[256];
    qt_params p = nsite_params(5, 0.5, 0.8, 0.2);
    double T[5] = {0.9, 0.8, -0.1, 0.5, 0.4};
    const qt_param_info *ts = qt_param_find("T_sites", QT_MODEL_NSITE);
    assert_int_equal(qt_param_set_list(&p, ts, T, 5), QT_EINVAL); /* negative entry */
    T[2] = 0.7;
    assert_int_equal(qt_param_set_list(&p, ts, T, 4), QT_OK);
    assert_int_equal(qt_params_check(&p, msg, sizeof msg), QT_EINVAL); /* wrong length */
    assert_non_null(strstr(msg, "T_sites"));
    p.T_sites = NULL, p.T_sites_len = 0;
    p.disorder_W = -0.1;
    assert_int_equal(qt_params_check(&p, msg, sizeof msg), QT_EINVAL);
    assert_non_null(strstr(msg, "disorder_W"));
}

/* A result too small for the point is an error, not an overflow; options
 * the workspace was not planned for are an error, not NaN. */
static void contract_capacity_and_flags(void **state)
{
    (void)state;
    qt_params p = nsite_params(50, 0.5, 0.8, 0.2);
    qt_options o;
    qt_options_default(&o);
    qt_workspace *w = qt_workspace_alloc(QT_MODEL_NSITE, 50, 0);
    qt_result *small = qt_result_alloc(10);
    assert_int_equal(small->capacity, 10);
    assert_int_equal(qt_solve(&p, &o, w, small), QT_ETOOLARGE);
    qt_result_free(&small);
    qt_result *r = qt_result_alloc(50);
    o.want_gap = 1;
    assert_int_equal(qt_solve(&p, &o, w, r), QT_EINVAL);
    o.want_gap = 0;
    o.solver = QT_SOLVER_DENSE;
    p.N = 10;
    assert_int_equal(qt_solve(&p, &o, w, r), QT_EINVAL);
    assert_int_equal(qt_workspace_flags(&p, &o), QT_WS_DENSE);
    o.solver = QT_SOLVER_SECULAR;
    o.tol = 0.0; /* the table: tol > 0 */
    assert_int_equal(qt_solve(&p, &o, w, r), QT_EINVAL);
    qt_result_free(&r);
    qt_workspace_free(&w);
}

/* The table: defaults pass their own constraints, aliases resolve, the
 * model and master-equation names are those of the type tables. */
static void parameter_table_is_consistent(void **state)
{
    (void)state;
    for (int i = 0; i < qt_param_count(); i++) {
        const qt_param_info *pi = qt_param_at(i);
        if (pi->type == QT_PT_REAL || pi->type == QT_PT_INT || pi->type == QT_PT_ENUM)
            assert_int_equal(qt_param_check_value(pi, pi->def, NULL, 0), QT_OK);
        assert_true(pi->description && pi->description[0] && pi->long_name && pi->unit);
        for (int m = 0; m < qt_model_count(); m++)
            if (pi->models & (1u << m)) {
                assert_ptr_equal(qt_param_find(pi->name, (qt_model)m), pi);
                if (pi->alias) assert_ptr_equal(qt_param_find(pi->alias, (qt_model)m), pi);
            }
    }
    const qt_param_info *model = qt_param_lookup("model"), *me = qt_param_lookup("master_equation");
    for (int m = 0; m < qt_model_count(); m++)
        assert_string_equal(model->choices[m], qt_model_name((qt_model)m));
    for (int e = 0; e < qt_master_equation_count(); e++)
        assert_string_equal(me->choices[e], qt_master_equation_name((qt_master_equation)e));
    assert_null(qt_param_find("T_L", QT_MODEL_LAMBDA));
    assert_ptr_equal(qt_param_find("TL", QT_MODEL_NSITE), qt_param_find("T_L", QT_MODEL_NSITE));
    qt_params p;
    qt_params_default(&p, QT_MODEL_VEE);
    assert_true(p.E[0] == 0.0 && p.E[1] == 1.0 && p.E[2] == 1.0);
    qt_params_default(&p, QT_MODEL_LAMBDA);
    assert_true(p.E[0] == 0.0 && p.E[1] == 0.0 && p.E[2] == 1.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_sites_equal_to_linear_profile_is_bit_identical),
        cmocka_unit_test(zero_disorder_is_the_uniform_chain),
        cmocka_unit_test(nonuniform_secular_matches_dense),
        cmocka_unit_test(mirror_symmetric_chain_has_no_drift),
        cmocka_unit_test(disorder_is_reproducible_and_seeded),
        cmocka_unit_test(exponential_profile),
        cmocka_unit_test(bad_site_lists_are_invalid),
        cmocka_unit_test(contract_capacity_and_flags),
        cmocka_unit_test(parameter_table_is_consistent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
