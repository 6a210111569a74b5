/* The N-site chain: invariants, symmetries, equilibrium, the paper's Fig. 2
 * claims, low-temperature accuracy and the points with no unique answer. */
#include <string.h>

#include "common.h"
#include "internal.h"

static qt_options secular(void)
{
    qt_options o;
    qt_options_default(&o);
    return o;
}

/* The cached chain eigen-decomposition reproduces h + 2g cos(j pi/(N+1)). */
static void spectrum_matches_closed_form(void **state)
{
    (void)state;
    const int Ns[] = {2, 3, 10, 57};
    for (int t = 0; t < 4; t++) {
        int N = Ns[t];
        qt_workspace *w = qt_workspace_alloc(QT_MODEL_NSITE, N, 0);
        for (int s = -1; s <= 1; s += 2) {
            qt_params p = nsite_params(N, 0.37 * s, 0.5, 0.5);
            assert_int_equal(qt_nsite_spectrum(&p, w), QT_OK);
            for (int a = 0; a < N; a++) {
                double expected = 1.0 - 2.0 * 0.37 * cos((a + 1) * acos(-1.0) / (N + 1));
                assert_close(w->E_exc[a], expected, 1e-13);
                double norm = 0.0; /* eigenvector: normalised, H psi = E psi */
                for (int k = 0; k < N; k++) {
                    double x = w->psi[k + a * N], Hx = p.h * x;
                    if (k > 0) Hx += p.g * w->psi[k - 1 + a * N];
                    if (k < N - 1) Hx += p.g * w->psi[k + 1 + a * N];
                    assert_close(Hx, w->E_exc[a] * x, 1e-13);
                    norm += x * x;
                }
                assert_close(norm, 1.0, 1e-13);
            }
        }
        qt_workspace_free(&w);
    }
}

static double sum(const double *x, int n)
{
    double s = 0.0;
    for (int i = 0; i < n; i++) s += x[i];
    return s;
}

static void invariants_on_random_points(void **state)
{
    (void)state;
    uint64_t seed = 12345;
    qt_options o = secular();
    for (int i = 0; i < 300; i++) {
        int N = 2 + (int)uniform(&seed, 0, 60);
        qt_params p = nsite_params(N, uniform(&seed, -2, 2), uniform(&seed, 0.02, 3),
                                   uniform(&seed, 0.02, 3));
        p.spectral = i % 3 == 0 ? QT_SPECTRAL_OHMIC : QT_SPECTRAL_FLAT;
        qt_result *r;
        int st = solve_once(&p, &o, &r);
        if (st == QT_EDIVERGENT) { /* an excited level exactly at 0: not for random g */
            qt_result_free(&r);
            fail_msg("unexpected divergent status at N=%d g=%.17g", N, p.g);
        }
        assert_int_equal(st, QT_OK);
        assert_close(sum(r->population, N), 1.0, 1e-13);
        assert_close(r->trace_error, 0.0, 1e-13);
        assert_true(r->residual < 1e-13 * N);
        /* the currents are differences of gross flows of order Gamma */
        assert_close(sum(r->heat_current, N), 0.0, 1e-14 * N);
        assert_true(r->min_eigenvalue >= 0.0);
        for (int k = 0; k < N; k++) assert_true(r->population[k] >= 0.0);
        assert_true(r->x_cm >= -1.0 && r->x_cm <= 1.0);
        assert_true(r->peak_site >= 1 && r->peak_site <= N);
        qt_result_free(&r);
    }
}

static void mirror_symmetry(void **state)
{
    (void)state;
    qt_options o = secular();
    const double g[] = {0.1, 0.7, 1.3};
    for (int i = 0; i < 3; i++) {
        qt_params a = nsite_params(11, g[i], 0.9, 0.25), b = nsite_params(11, g[i], 0.25, 0.9);
        qt_result *ra, *rb;
        assert_int_equal(solve_once(&a, &o, &ra), QT_OK);
        assert_int_equal(solve_once(&b, &o, &rb), QT_OK);
        for (int k = 0; k < 11; k++)
            assert_rel_close(ra->population[k], rb->population[10 - k], 1e-11);
        assert_close(ra->x_cm, -rb->x_cm, 1e-13);
        assert_close(ra->phi, rb->phi, 1e-13);
        qt_result_free(&ra);
        qt_result_free(&rb);
    }
}

/* One temperature everywhere: the Gibbs state, so x_cm = 0 and no heat flows. */
static void equal_temperatures_give_gibbs_state(void **state)
{
    (void)state;
    qt_options o = secular();
    int N = 9;
    qt_params p = nsite_params(N, 0.8, 0.45, 0.45);
    qt_workspace *w = qt_workspace_alloc(QT_MODEL_NSITE, N, 0);
    qt_result *r = qt_result_alloc(N);
    assert_int_equal(qt_solve(&p, &o, w, r), QT_OK);
    assert_close(r->x_cm, 0.0, 1e-14);
    assert_int_equal(r->phase, 0);
    double Z = N; /* ground manifold at energy 0 */
    for (int a = 0; a < N; a++) Z += exp(-w->E_exc[a] / p.T_L);
    for (int k = 0; k < N; k++) assert_close(w->P[k], 1.0 / Z, 1e-14);
    for (int a = 0; a < N; a++) assert_rel_close(w->P[N + a], exp(-w->E_exc[a] / p.T_L) / Z, 1e-12);
    for (int k = 0; k < N; k++) assert_close(r->heat_current[k], 0.0, 1e-15);
    qt_workspace_free(&w);
    qt_result_free(&r);
}

static void solve_profile(double g, double TL, double TR, qt_result **r)
{
    qt_options o = secular();
    qt_params p = nsite_params(10, g, TL, TR);
    assert_int_equal(solve_once(&p, &o, r), QT_OK);
}

/* Fig. 2(b), (c): at g = 0.1 the population grows toward the cold end, more
 * so at lower mean temperature and at larger gradient. */
static void fig2bc_positive_thermophoresis(void **state)
{
    (void)state;
    const double means[] = {0.8, 0.5, 0.3, 0.2}, grads[] = {0.05, 0.1, 0.2, 0.3};
    double prev = 0.0;
    for (int i = 0; i < 4; i++) {
        qt_result *r;
        solve_profile(0.1, means[i] + 0.1, means[i] - 0.1, &r);
        for (int k = 1; k < 10; k++) assert_true(r->population[k] > r->population[k - 1]);
        assert_true(r->phi > prev);
        assert_int_equal(r->phase, 1);
        assert_true(r->soret > 0.0);
        prev = r->phi;
        qt_result_free(&r);
    }
    prev = 0.0;
    for (int i = 0; i < 4; i++) {
        qt_result *r;
        solve_profile(0.1, 0.5 + grads[i] / 2, 0.5 - grads[i] / 2, &r);
        assert_int_equal(r->peak_site, 10);
        assert_true(r->phi > prev);
        prev = r->phi;
        qt_result_free(&r);
    }
}

/* Fig. 2(d): T_L = 0.8, T_R = 0.4, g = 1.3: peak on site 3, decreasing from
 * site 4 to 10: negative thermophoresis. */
static void fig2d_negative_thermophoresis(void **state)
{
    (void)state;
    qt_result *r;
    solve_profile(1.3, 0.8, 0.4, &r);
    assert_int_equal(r->peak_site, 3);
    for (int k = 4; k < 10; k++) assert_true(r->population[k] < r->population[k - 1]);
    assert_true(r->phi < 0.0);
    assert_int_equal(r->phase, -1);
    qt_result_free(&r);
    solve_profile(0.1, 0.8, 0.4, &r); /* weak coupling: positive */
    assert_true(r->phi > 0.0);
    qt_result_free(&r);
}

/* Fig. 2(e): T_L = 0.3, T_R = 0.1: nearly symmetric at g = 1.3 with the peak
 * at sites 5 and 6; a slight shift toward the hot end at g = 0.7 and 0.9. */
static void fig2e_delocalised_and_slightly_negative(void **state)
{
    (void)state;
    qt_result *r;
    solve_profile(1.3, 0.3, 0.1, &r);
    assert_true(r->peak_site == 5 || r->peak_site == 6);
    assert_rel_close(r->population[4], r->population[5], 0.01);
    assert_true(fabs(r->x_cm) < 0.01);
    qt_result_free(&r);
    const double g[] = {0.7, 0.9};
    for (int i = 0; i < 2; i++) {
        solve_profile(g[i], 0.3, 0.1, &r);
        assert_true(r->phi < 0.0 && r->phi > -0.1);
        qt_result_free(&r);
    }
}

/* docs/physics.md section 3: p_1 = 1.3654563297916415763e-17 (60-digit arithmetic). */
static void tiny_population_has_full_relative_accuracy(void **state)
{
    (void)state;
    qt_result *r;
    solve_profile(0.1, 0.2, 0.02, &r);
    assert_rel_close(r->population[0], 1.3654563297916415763e-17, 1e-8);
    for (int k = 0; k < 10; k++) assert_true(r->population[k] > 0.0);
    assert_true(r->min_eigenvalue > 0.0);
    qt_result_free(&r);
}

static void no_unique_steady_state_is_reported(void **state)
{
    (void)state;
    qt_options o = secular();
    qt_result *r;
    qt_params p = nsite_params(10, 0.0, 0.8, 0.4); /* nothing moves between sites */
    assert_int_equal(solve_once(&p, &o, &r), QT_ENOTUNIQUE);
    assert_int_equal(r->status, QT_ENOTUNIQUE);
    for (int k = 0; k < 10; k++) assert_true(isnan(r->population[k]));
    assert_true(isnan(r->x_cm));
    qt_result_free(&r);
    p = nsite_params(300, 0.0, 0.8, 0.4); /* also far beyond the dense limit */
    assert_int_equal(solve_once(&p, &o, &r), QT_ENOTUNIQUE);
    qt_result_free(&r);
    p = nsite_params(6, 0.5, 0.0, 0.0); /* all baths at T = 0: every g_k is absorbing */
    assert_int_equal(solve_once(&p, &o, &r), QT_ENOTUNIQUE);
    qt_result_free(&r);
    p = nsite_params(6, 0.5, 0.4, 0.0); /* one bath at 0 is fine: its site is a sink */
    assert_int_equal(solve_once(&p, &o, &r), QT_OK);
    assert_close(r->population[5], 1.0, 1e-12);
    qt_result_free(&r);
}

/* An excited level exactly at the ground energy (N = 2, g = h): flat J gives
 * a divergent omega = 0 rate; ohmic J is finite, and the merged cluster needs
 * the general eigenbasis path. */
static void level_crossing_at_ground_energy(void **state)
{
    (void)state;
    qt_options o = secular();
    qt_result *r;
    qt_params p = nsite_params(2, 1.0, 0.6, 0.3);
    assert_int_equal(solve_once(&p, &o, &r), QT_EDIVERGENT);
    qt_result_free(&r);
    p.spectral = QT_SPECTRAL_OHMIC;
    assert_int_equal(solve_once(&p, &o, &r), QT_OK);
    assert_int_equal(r->path, QT_PATH_PAULI);
    assert_int_equal(r->max_cluster, 3);
    assert_close(sum(r->population, 2), 1.0, 1e-13);
    assert_true(r->residual < 1e-13);
    qt_result_free(&r);
}

static void large_chain_invariants(void **state)
{
    (void)state;
    qt_options o = secular();
    int N = 400; /* beyond one GTH panel: exercises the blocked elimination */
    qt_result *r;
    qt_params p = nsite_params(N, 0.6, 0.9, 0.05);
    assert_int_equal(solve_once(&p, &o, &r), QT_OK);
    assert_close(sum(r->population, N), 1.0, 1e-12);
    assert_true(r->residual < 1e-12);
    double scale = 0.0;
    for (int k = 0; k < N; k++) scale += fabs(r->heat_current[k]);
    assert_close(sum(r->heat_current, N), 0.0, 1e-11 * scale);
    for (int k = 0; k < N; k++) assert_true(r->population[k] > 0.0);
    qt_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(spectrum_matches_closed_form),
        cmocka_unit_test(invariants_on_random_points),
        cmocka_unit_test(mirror_symmetry),
        cmocka_unit_test(equal_temperatures_give_gibbs_state),
        cmocka_unit_test(fig2bc_positive_thermophoresis),
        cmocka_unit_test(fig2d_negative_thermophoresis),
        cmocka_unit_test(fig2e_delocalised_and_slightly_negative),
        cmocka_unit_test(tiny_population_has_full_relative_accuracy),
        cmocka_unit_test(no_unique_steady_state_is_reported),
        cmocka_unit_test(level_crossing_at_ground_energy),
        cmocka_unit_test(large_chain_invariants),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
