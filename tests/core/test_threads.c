/* Threads for one point (qt_options.threads) must not change a single bit:
 * every parallel part gives each row to one thread with the serial
 * operations, and products are split where the BLAS arithmetic of an element
 * does not depend on the split. Also the cached chain plan reused across
 * signs of g, and the workspace size limit. */
#include <cblas.h>
#include <string.h>

#include "common.h"
#include "internal.h"

static int same_bits(const double *a, const double *b, int n)
{
    return memcmp(a, b, sizeof(double) * (size_t)n) == 0;
}

static void assert_same_result(const qt_result *a, const qt_result *b, int N)
{
    assert_int_equal(a->status, b->status);
    assert_int_equal(a->path, b->path);
    assert_true(same_bits(a->population, b->population, N));
    assert_true(same_bits(a->heat_current, b->heat_current, N));
    const double x[] = {a->energy,   a->x_cm,        a->phi,           a->soret,
                        a->residual, a->trace_error, a->min_eigenvalue};
    const double y[] = {b->energy,   b->x_cm,        b->phi,           b->soret,
                        b->residual, b->trace_error, b->min_eigenvalue};
    assert_true(same_bits(x, y, sizeof x / sizeof *x));
    assert_int_equal(a->peak_site, b->peak_site);
}

typedef struct {
    double g, TL, TR;
    qt_spectral spectral;
    qt_bath bath;
} point;

static const point points[] = {
    {0.7, 0.9, 0.1, QT_SPECTRAL_FLAT, QT_BATH_QUANTUM},
    {-0.45, 0.3, 0.8, QT_SPECTRAL_FLAT, QT_BATH_QUANTUM},
    {1.3, 0.6, 0.2, QT_SPECTRAL_OHMIC, QT_BATH_CLASSICAL},
};

/* N not a multiple of the row alignment (64) or of the GTH block (48) too */
static void two_threads_equal_one_bit_for_bit(void **state)
{
    (void)state;
    const int sizes[] = {300, 457, 512};
    for (int s = 0; s < 3; s++) {
        int N = sizes[s];
        qt_workspace *w1 = qt_workspace_alloc(QT_MODEL_NSITE, N, 0);
        qt_workspace *w2 = qt_workspace_alloc(QT_MODEL_NSITE, N, 0);
        qt_result *r1 = qt_result_alloc(N), *r2 = qt_result_alloc(N);
        assert_true(w1 && w2 && r1 && r2);
        for (size_t i = 0; i < sizeof points / sizeof *points; i++) {
            qt_params p = nsite_params(N, points[i].g, points[i].TL, points[i].TR);
            p.spectral = points[i].spectral, p.bath = points[i].bath;
            qt_options o1, o2;
            qt_options_default(&o1);
            qt_options_default(&o2);
            o2.threads = 2;
#ifdef _OPENMP
            assert_int_equal(qt_team_size(&o2, N), 2); /* the team is really used */
#endif
            assert_int_equal(qt_solve(&p, &o1, w1, r1), QT_OK);
            assert_int_equal(qt_solve(&p, &o2, w2, r2), QT_OK);
            assert_int_equal(r1->path, QT_PATH_PAULI_BIPARTITE);
            assert_true(r1->residual < 1e-12);
            assert_same_result(r1, r2, N);
        }
        qt_workspace_free(&w1), qt_workspace_free(&w2);
        qt_result_free(&r1), qt_result_free(&r2);
    }
}

/* The cached eigenvectors are reversed in place for g < 0 and replaced by
 * the site basis at g = 0: a workspace that went through every case gives
 * what a fresh one gives. */
static void reused_chain_plan_equals_fresh(void **state)
{
    (void)state;
    int N = 40;
    const double gs[] = {0.7, -0.7, 0.0, -0.3, 0.5, 0.0, 0.9};
    qt_workspace *w = qt_workspace_alloc(QT_MODEL_NSITE, N, 0);
    qt_result *r = qt_result_alloc(N), *fresh = NULL;
    qt_options o;
    qt_options_default(&o);
    for (size_t i = 0; i < sizeof gs / sizeof *gs; i++) {
        qt_params p = nsite_params(N, gs[i], 0.8, 0.2);
        int st = qt_solve(&p, &o, w, r);
        assert_int_equal(solve_once(&p, &o, &fresh), st);
        assert_int_equal(st, gs[i] == 0.0 ? QT_ENOTUNIQUE : QT_OK);
        if (st == QT_OK) assert_same_result(r, fresh, N);
        qt_result_free(&fresh);
    }
    qt_workspace_free(&w);
    qt_result_free(&r);
}

/* GTH with a team against GTH alone on a dense random chain. */
static void gth_team_equals_serial(void **state)
{
    (void)state;
    uint64_t seed = 7;
    int n = 6 * QT_GTH_BLOCK + 11;
    size_t nn = qt_square(n);
    double *Q1 = calloc(nn, sizeof(double)), *Q2 = calloc(nn, sizeof(double));
    double *pi1 = calloc(qt_size(n), sizeof(double)), *pi2 = calloc(qt_size(n), sizeof(double));
    double *work = calloc(qt_size(n) * (QT_GTH_BLOCK + 1), sizeof(double));
    for (size_t i = 0; i < nn; i++) Q1[i] = exp(uniform(&seed, -30, 2));
    memcpy(Q2, Q1, nn * sizeof(double));
    assert_int_equal(qt_gth(n, Q1, n, pi1, work), 0);
    assert_int_equal(qt_gth_team(n, Q2, n, pi2, work, 2), 0);
    assert_true(same_bits(pi1, pi2, n));
    free(Q1), free(Q2), free(pi1), free(pi2), free(work);
}

/* dstevd's work of 1 + 4N + N^2 must fit a 32-bit LAPACK integer: N <= 46338. */
static void workspace_beyond_lapack_int_is_refused(void **state)
{
    (void)state;
    size_t bytes = qt_workspace_estimate(QT_MODEL_NSITE, 46338, 0);
    assert_true(bytes > (size_t)5 * 46338 * 46338 * sizeof(double));
    assert_int_equal(qt_workspace_estimate(QT_MODEL_NSITE, 46339, 0), 0);
}

int main(void)
{
    openblas_set_num_threads(1); /* as the qthermo command: the library's team does the threads */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(two_threads_equal_one_bit_for_bit),
        cmocka_unit_test(reused_chain_plan_equals_fresh),
        cmocka_unit_test(gth_team_equals_serial),
        cmocka_unit_test(workspace_beyond_lapack_int_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
