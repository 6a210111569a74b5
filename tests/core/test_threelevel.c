/* Lambda and Vee: the paper's closed forms (Eqs. 6-14) against the solver. */
#include "common.h"

static qt_options secular(int gap)
{
    qt_options o;
    qt_options_default(&o);
    o.want_gap = gap;
    return o;
}

static void lambda_delta_matches_eq8(void **state)
{
    (void)state;
    qt_options o = secular(0);
    const double T[] = {0.05, 0.1, 0.3, 0.8, 2.0, 7.5};
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 6; j++) {
            qt_params p = threelevel_params(QT_MODEL_LAMBDA, T[i], T[j]);
            qt_result *r;
            assert_int_equal(solve_once(&p, &o, &r), QT_OK);
            assert_close(r->delta, r->delta_formula, 1e-12);
            double n1 = qt_occupation(1.0, T[i]), n2 = qt_occupation(1.0, T[j]);
            double nb = 0.5 * (n1 + n2), dn = n2 - n1;
            assert_close(r->delta, -dn / (nb * (3 * nb + 2) - 0.75 * dn * dn), 1e-12);
            assert_close(r->x_mean, 0.5 * p.d * r->delta, 1e-15);
            /* hot bath 1 pushes the particle to the cold side 2 */
            if (T[i] > T[j]) assert_true(r->delta > 0.0);
            qt_result_free(&r);
        }
}

static void lambda_cold_bath_at_zero_gives_full_concentration(void **state)
{
    (void)state;
    qt_options o = secular(0);
    qt_params p = threelevel_params(QT_MODEL_LAMBDA, 0.7, 0.0);
    qt_result *r;
    assert_int_equal(solve_once(&p, &o, &r), QT_OK);
    assert_close(r->delta, 1.0, 1e-14);
    assert_close(r->delta_formula, 1.0, 1e-14);
    assert_close(r->population[1], 1.0, 1e-14);
    qt_result_free(&r);
}

static void lambda_classical_bath_shows_no_thermophoresis(void **state)
{
    (void)state;
    qt_options o = secular(0);
    const double T1[] = {0.2, 0.9, 3.0}, T2[] = {0.05, 0.4, 1.0};
    for (int i = 0; i < 3; i++) {
        qt_params p = threelevel_params(QT_MODEL_LAMBDA, T1[i], T2[i]);
        p.bath = QT_BATH_CLASSICAL;
        qt_result *r;
        assert_int_equal(solve_once(&p, &o, &r), QT_OK);
        assert_close(r->delta, 0.0, 1e-13);
        /* and the quantum bath at the same temperatures does show it */
        qt_result_free(&r);
        p.bath = QT_BATH_QUANTUM;
        assert_int_equal(solve_once(&p, &o, &r), QT_OK);
        assert_true(r->delta > 1e-3);
        qt_result_free(&r);
    }
}

static void relaxation_rates_are_oscillator_roots(qt_model m)
{
    qt_options o = secular(1);
    const double T1[] = {0.1, 0.8, 2.0, 5.0}, T2[] = {0.6, 0.3, 0.05, 4.0};
    for (int i = 0; i < 4; i++) {
        qt_params p = threelevel_params(m, T1[i], T2[i]);
        qt_result *r;
        assert_int_equal(solve_once(&p, &o, &r), QT_OK);
        /* roots of m* l^2 + Gamma l + m* Omega^2 = 0 (Eq. 10 / 13) */
        for (int k = 0; k < 2; k++) {
            double l = -r->oscillator_roots[k];
            assert_close(r->m_eff * l * l + p.gamma * l + r->m_eff * r->omega2, 0.0,
                         1e-12 * (1.0 + l * l));
            assert_rel_close(r->relaxation_rates[k], r->oscillator_roots[k], 1e-10);
        }
        qt_result_free(&r);
    }
}

static void lambda_relaxation_rates_are_oscillator_roots(void **state)
{
    (void)state;
    relaxation_rates_are_oscillator_roots(QT_MODEL_LAMBDA);
}

static void vee_relaxation_rates_are_oscillator_roots(void **state)
{
    (void)state;
    relaxation_rates_are_oscillator_roots(QT_MODEL_VEE);
}

/* Eq. 12 and Delta ~ -dn/(3 nbar^2) as T -> infinity at a fixed gradient. */
static void lambda_high_temperature_limits(void **state)
{
    (void)state;
    qt_options o = secular(0);
    double prev_force = INFINITY, prev_delta = INFINITY;
    const double Tmean[] = {10.0, 100.0, 1000.0, 10000.0};
    for (int i = 0; i < 4; i++) {
        double T1 = Tmean[i] + 0.5, T2 = Tmean[i] - 0.5;
        qt_params p = threelevel_params(QT_MODEL_LAMBDA, T1, T2);
        qt_result *r;
        assert_int_equal(solve_once(&p, &o, &r), QT_OK);
        double T = 0.5 * (T1 + T2), Tp = (T2 - T1) / p.d, G = p.gamma;
        double force_ratio = r->force_highT / (-(Tp / T) * G * G * p.d * p.d / 6.0);
        double nb = 0.5 * (r->n1 + r->n2), dn = r->n2 - r->n1;
        double delta_ratio = r->delta / (-dn / (3.0 * nb * nb));
        double ef = fabs(force_ratio - 1.0), ed = fabs(delta_ratio - 1.0);
        assert_true(ef < prev_force && ed < prev_delta);
        prev_force = ef, prev_delta = ed;
        qt_result_free(&r);
    }
    assert_true(prev_force < 1e-3);
    assert_true(prev_delta < 1e-3);
}

static void vee_delta_matches_formula_and_force_is_minus_lambda(void **state)
{
    (void)state;
    qt_options o = secular(0);
    const double T[] = {0.05, 0.3, 0.8, 2.0};
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            qt_params pv = threelevel_params(QT_MODEL_VEE, T[i], T[j]);
            qt_params pl = threelevel_params(QT_MODEL_LAMBDA, T[i], T[j]);
            qt_result *rv, *rl;
            assert_int_equal(solve_once(&pv, &o, &rv), QT_OK);
            assert_int_equal(solve_once(&pl, &o, &rl), QT_OK);
            double n1 = rv->n1, n2 = rv->n2, nb = 0.5 * (n1 + n2), dn = n2 - n1;
            double formula = dn / ((3 * nb + 1) * (nb + 1) - 0.75 * dn * dn);
            assert_close(rv->delta, formula, 1e-12);
            assert_close(rv->delta_formula, formula, 1e-15);
            assert_close(rv->force, -rl->force, 1e-15);
            /* negative thermophoresis: toward the hot bath */
            if (T[i] > T[j]) assert_true(rv->delta < 0.0);
            qt_result_free(&rv);
            qt_result_free(&rl);
        }
}

static void dufour_currents_of_prescribed_populations(void **state)
{
    (void)state;
    qt_params p = threelevel_params(QT_MODEL_LAMBDA, 0.5, 0.5);
    double n = qt_occupation(1.0, 0.5);
    const double pop[3] = {0.1, 0.3, 0.6}; /* P2 > P1, Pe > P_k n/(n+1) */
    assert_true(pop[2] > pop[1] * n / (n + 1));
    double J[2], Jf[2];
    assert_int_equal(qt_heat_current_prescribed(&p, pop, J, Jf), QT_OK);
    assert_true(J[0] > J[1] && J[1] > 0.0);
    for (int k = 0; k < 2; k++) {
        assert_close(J[k], Jf[k], 1e-14);
        assert_close(J[k], 1.0 * p.gamma * ((n + 1) * pop[2] - n * pop[k]), 1e-14);
    }
}

static void three_level_degenerate_or_frozen_points_report_status(void **state)
{
    (void)state;
    qt_options o = secular(0);
    qt_result *r;
    qt_params p = threelevel_params(QT_MODEL_LAMBDA, 0.0, 0.0); /* two dark ground states */
    assert_int_equal(solve_once(&p, &o, &r), QT_ENOTUNIQUE);
    assert_true(isnan(r->delta) && isnan(r->population[0]));
    qt_result_free(&r);
    p = threelevel_params(QT_MODEL_LAMBDA, 0.4, 0.2);
    p.E[2] = 0.0; /* excited level degenerate with the ground levels: omega = 0 jumps */
    assert_int_equal(solve_once(&p, &o, &r), QT_EDIVERGENT);
    qt_result_free(&r);
    p.spectral = QT_SPECTRAL_OHMIC; /* gamma(0) = eta T is finite */
    assert_int_equal(solve_once(&p, &o, &r), QT_OK);
    assert_close(r->trace_error, 0.0, 1e-14);
    qt_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lambda_delta_matches_eq8),
        cmocka_unit_test(lambda_cold_bath_at_zero_gives_full_concentration),
        cmocka_unit_test(lambda_classical_bath_shows_no_thermophoresis),
        cmocka_unit_test(lambda_relaxation_rates_are_oscillator_roots),
        cmocka_unit_test(vee_relaxation_rates_are_oscillator_roots),
        cmocka_unit_test(lambda_high_temperature_limits),
        cmocka_unit_test(vee_delta_matches_formula_and_force_is_minus_lambda),
        cmocka_unit_test(dufour_currents_of_prescribed_populations),
        cmocka_unit_test(three_level_degenerate_or_frozen_points_report_status),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
