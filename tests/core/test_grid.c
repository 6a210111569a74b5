/* The binding interface: observables read by name equal the result's
 * fields; qt_solve_grid equals qt_solve point by point (varying N, a
 * failing point, NaN padding), refuses bad arguments; T_mean / T_diff. */
#include <string.h>

#include "common.h"

static void observables_by_name_equal_the_fields(void **state)
{
    (void)state;
    qt_params p = nsite_params(7, 1.3, 0.8, 0.4);
    qt_options o;
    qt_options_default(&o);
    qt_result *r;
    assert_int_equal(solve_once(&p, &o, &r), QT_OK);
    double v[8];
    assert_int_equal(qt_result_get(r, "site_population", v, 8), 7);
    assert_memory_equal(v, r->population, 7 * sizeof(double));
    assert_int_equal(qt_result_get(r, "heat_current", v, 3), 7); /* all it has, 3 copied */
    assert_memory_equal(v, r->heat_current, 3 * sizeof(double));
    assert_int_equal(qt_result_get(r, "phi", v, 1), 1);
    assert_true(v[0] == r->phi);
    assert_int_equal(qt_result_get(r, "peak_site", v, 1), 1);
    assert_true(v[0] == r->peak_site);
    assert_int_equal(qt_result_get(r, "no_such_thing", v, 1), -1);
    assert_int_equal(qt_result_path(r), r->path);
    int i = qt_observable_find("site_population", QT_MODEL_NSITE);
    assert_true(i >= 0);
    assert_int_equal(qt_observable_extent(i, &p), 7);
    assert_int_equal(qt_observable_find("site_population", QT_MODEL_LAMBDA), -1);
    assert_int_equal(qt_observable_find("populations", QT_MODEL_LAMBDA) >= 0, 1);
    qt_result_free(&r);
}

/* Observables as the grid stores them for point i (cap values each). */
static void check_point(const qt_params *p, const qt_options *o, int status, const double *pop,
                        const double *phi, int cap)
{
    qt_result *r;
    int st = solve_once(p, o, &r);
    assert_int_equal(status, st);
    for (int k = 0; k < cap; k++) {
        double want = st == QT_OK && k < p->N ? r->population[k] : NAN;
        assert_true(pop[k] == want || (isnan(pop[k]) && isnan(want)));
    }
    assert_true(st == QT_OK ? *phi == r->phi : isnan(*phi));
    qt_result_free(&r);
}

static void grid_equals_points(void **state)
{
    (void)state;
    enum { n = 4, cap = 9 };
    const double Ns[n] = {4, 9, 6, 5}, gs[n] = {0.7, 1.3, 0.0, 2.0}, TRs[n] = {0.1, 0.4, 0.3, 0.8};
    qt_params base = nsite_params(10, 1.0, 0.8, 0.4);
    qt_options o;
    qt_options_default(&o);
    const qt_param_info *params[3] = {qt_param_find("N", QT_MODEL_NSITE),
                                      qt_param_find("g", QT_MODEL_NSITE),
                                      qt_param_find("T_R", QT_MODEL_NSITE)};
    const double *cols[3] = {Ns, gs, TRs};
    int obs[2] = {qt_observable_find("site_population", QT_MODEL_NSITE),
                  qt_observable_find("phi", QT_MODEL_NSITE)};
    int caps[2] = {cap, 1}, status[n];
    double pop[n * cap], phi[n];
    double *out[2] = {pop, phi};
    qt_workspace *w = qt_workspace_alloc(QT_MODEL_NSITE, cap, 0);
    qt_result *r = qt_result_alloc(cap);
    assert_int_equal(qt_solve_grid(&base, &o, params, cols, 3, obs, caps, out, 2, n, w, r, status),
                     QT_OK);
    for (int i = 0; i < n; i++) {
        qt_params p = nsite_params((int)Ns[i], gs[i], 0.8, TRs[i]);
        check_point(&p, &o, status[i], pop + i * cap, phi + i, cap);
    }
    assert_int_equal(status[2], QT_ENOTUNIQUE); /* g = 0 */
    /* a list column, and an observable of another model, are refused */
    const qt_param_info *list[1] = {qt_param_find("T_sites", QT_MODEL_NSITE)};
    assert_int_equal(qt_solve_grid(&base, &o, list, cols, 1, obs, caps, out, 2, n, w, r, status),
                     QT_EINVAL);
    int other[1] = {qt_observable_find("delta", QT_MODEL_LAMBDA)};
    assert_int_equal(
        qt_solve_grid(&base, &o, params, cols, 3, other, caps, out, 1, n, w, r, status), QT_EINVAL);
    qt_workspace_free(&w);
    qt_result_free(&r);
}

static void mean_diff_sets_the_two_temperatures(void **state)
{
    (void)state;
    qt_params p = nsite_params(5, 1.0, 0.0, 0.0);
    assert_int_equal(qt_params_set_mean_diff(&p, 0.5, 0.3), QT_OK);
    assert_true(p.T_L == 0.5 + 0.5 * 0.3 && p.T_R == 0.5 - 0.5 * 0.3);
    qt_params q = threelevel_params(QT_MODEL_VEE, 0.0, 0.0);
    assert_int_equal(qt_params_set_mean_diff(&q, 1.0, -0.4), QT_OK);
    assert_true(q.T1 == 0.8 && q.T2 == 1.2);
    assert_int_equal(qt_params_set_mean_diff(&q, 0.1, 0.3), QT_EINVAL);
    assert_int_equal(qt_params_set_mean_diff(&q, NAN, 0.3), QT_EINVAL);
}

static void structs_for_bindings_hold_the_defaults(void **state)
{
    (void)state;
    qt_params *p = qt_params_new(QT_MODEL_LAMBDA), ref;
    qt_options *o = qt_options_new(), oref;
    qt_params_default(&ref, QT_MODEL_LAMBDA);
    qt_options_default(&oref);
    assert_non_null(p);
    assert_non_null(o);
    for (int i = 0; i < qt_param_count(); i++) {
        const qt_param_info *pi = qt_param_at(i);
        if (!(pi->models & (1u << QT_MODEL_LAMBDA)) || pi->type == QT_PT_LIST) continue;
        double a = qt_param_get(p, o, pi), b = qt_param_get(&ref, &oref, pi);
        assert_true(a == b || (isnan(a) && isnan(b)));
    }
    assert_null(qt_params_new((qt_model)7));
    qt_params_delete(p);
    qt_options_delete(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(observables_by_name_equal_the_fields),
        cmocka_unit_test(grid_equals_points),
        cmocka_unit_test(mean_diff_sets_the_two_temperatures),
        cmocka_unit_test(structs_for_bindings_hold_the_defaults),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
