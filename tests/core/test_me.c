/* Local and Bloch-Redfield master equations (docs/physics.md section 6): the
 * chain's sector solvers against the dense d^2 x d^2 references, invariants
 * (trace, sum of heat currents, mirror symmetry), the Gamma -> 0 limit of
 * redfield, local = global for the three-level models, statuses, and the
 * secular_ratio diagnostic. */
#include <string.h>

#include "common.h"
#include "me_common.h"

#define N_MAX 20

typedef struct {
    qt_me_workspace *mw;
    qt_result *r;
    double re[4 * N_MAX * N_MAX], im[4 * N_MAX * N_MAX];
    double heat[N_MAX];
    test_chain tc;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    f->mw = qt_me_workspace_alloc(N_MAX, 2 * N_MAX);
    f->r = qt_result_alloc(N_MAX);
    *state = f;
    return f->mw && f->r ? 0 : -1;
}

static int teardown(void **state)
{
    fixture *f = *state;
    qt_me_workspace_free(&f->mw);
    qt_result_free(&f->r);
    free(f);
    return 0;
}

/* A random chain: uniform or not, couplings away from 0 (a chain that
 * nearly falls apart is ill-conditioned for every method). */
static void random_chain(fixture *f, uint64_t *s, int N, int same, qt_spectral sp, qt_bath bt,
                         double gamma)
{
    double h[N_MAX], g[N_MAX], T[N_MAX];
    double h0 = uniform(s, 0.6, 1.4),
           g0 = uniform(s, 0.05, 0.5) * (uniform(s, 0, 1) < 0.5 ? -1 : 1);
    double TL = uniform(s, 0.1, 2.0), TR = uniform(s, 0.1, 2.0);
    for (int k = 0; k < N; k++) {
        h[k] = same ? h0 : uniform(s, 0.6, 1.4);
        g[k] = same ? g0 : uniform(s, 0.05, 0.5) * (uniform(s, 0, 1) < 0.5 ? -1 : 1);
        T[k] = same ? TL + (TR - TL) * k / (N - 1) : uniform(s, 0.1, 2.0);
    }
    assert_int_equal(test_chain_init(&f->tc, N, h, g, T, gamma, sp, bt), 0);
}

typedef int (*chain_solver)(const qt_chain *c, qt_me_workspace *mw, qt_result *r);

static int general_local(const qt_chain *c, qt_me_workspace *mw, qt_result *r)
{
    return qt_chain_sector_solve(c, mw, r, QT_ME_LOCAL);
}

/* Sector path against the dense reference: every element of rho, heat
 * currents, trace, sum of the heat currents, residuals. */
static double compare_with_dense(fixture *f, chain_solver solve, qt_master_equation me)
{
    const qt_chain *c = &f->tc.c;
    int N = c->N, d = 2 * N;
    double residual, min_eig;
    assert_int_equal(solve(c, f->mw, f->r), QT_OK);
    assert_int_equal(qt_chain_rho(c, f->mw, f->re, f->im), QT_OK);
    assert_int_equal(qt_operators_chain(c, f->mw), QT_OK);
    assert_int_equal(qt_dense_me_solve(f->mw, me, f->heat, &residual, &min_eig), QT_OK);
    double worst = 0.0, sumJ = 0.0, scale = 0.0, trace = 0.0;
    for (int i = 0; i < d * d; i++) {
        worst = fmax(worst, fabs(f->re[i] - f->mw->rho_re[i]));
        worst = fmax(worst, fabs(f->im[i] - f->mw->rho_im[i]));
    }
    for (int k = 0; k < N; k++) {
        assert_close(f->r->heat_current[k], f->heat[k], 1e-10);
        sumJ += f->r->heat_current[k];
        scale += fabs(f->r->heat_current[k]);
        trace += f->r->population[k];
        assert_close(f->r->population[k], f->re[k * d + k] + f->re[(N + k) * d + N + k], 1e-14);
    }
    assert_close(sumJ, 0.0, 1e-12 * fmax(scale, c->gamma));
    assert_close(trace, 1.0, 1e-13);
    assert_true(f->r->trace_error < 1e-13);
    if (!(f->r->residual < 1e-11 * fmax(1.0, c->gamma)))
        fail_msg("sector residual %.3g (N %d gamma %.3g)", f->r->residual, N, c->gamma);
    assert_true(residual < 1e-12 * fmax(1.0, c->gamma));
    assert_close(f->r->min_eigenvalue, min_eig, 1e-10);
    if (worst > 1e-10) fail_msg("sector and dense rho differ by %.3g (N %d, me %d)", worst, N, me);
    return worst;
}

static void sweep_random_chains(void **state, qt_master_equation me, chain_solver solve)
{
    fixture *f = *state;
    uint64_t s = 0x9e3779b97f4a7c15ull + me;
    double worst = 0.0;
    for (int t = 0; t < 24; t++) {
        int N = t < 20 ? 2 + t % 7 : (t == 20 ? 12 : t == 21 ? 16 : 20);
        qt_spectral sp = (t / 2) % 2 ? QT_SPECTRAL_OHMIC : QT_SPECTRAL_FLAT;
        qt_bath bt = (t / 4) % 2 ? QT_BATH_CLASSICAL : QT_BATH_QUANTUM;
        random_chain(f, &s, N, t % 2, sp, bt, pow(10.0, uniform(&s, -2.0, 0.5)));
        worst = fmax(worst, compare_with_dense(f, solve, me));
    }
    print_message("largest |rho_sector - rho_dense| = %.3g\n", worst);
}

static void redfield_sector_matches_dense(void **state)
{
    sweep_random_chains(state, QT_ME_REDFIELD, qt_chain_redfield_solve);
}

static void redfield_schur_path_matches_dense(void **state)
{
    fixture *f = *state;
    f->mw->force_schur = 1;
    sweep_random_chains(state, QT_ME_REDFIELD, qt_chain_redfield_solve);
    f->mw->force_schur = 0;
}

/* The Schur route with several batches of sources and narrow coupling
 * chunks (the paths a long chain takes) on the random chains. */
static void redfield_batched_schur_matches_dense(void **state)
{
    fixture *f = *state;
    int batch = f->mw->schur_batch, chunk = f->mw->schur_chunk;
    f->mw->force_schur = 1, f->mw->schur_batch = 3, f->mw->schur_chunk = 2;
    sweep_random_chains(state, QT_ME_REDFIELD, qt_chain_redfield_solve);
    f->mw->force_schur = 0, f->mw->schur_batch = batch, f->mw->schur_chunk = chunk;
}

/* Gamma = 1 or 3, above the level spacing, and weak tunnelling: the
 * generator of the excited block is far from normal, so the solver leaves
 * the eigenvectors for the Schur route on its own; sector = dense. */
static void redfield_strong_coupling_matches_dense(void **state)
{
    fixture *f = *state;
    uint64_t s = 0x5eedull;
    int schur = 0;
    double worst = 0.0, h[N_MAX], g[N_MAX], T[N_MAX];
    for (int t = 0; t < 12; t++) {
        int N = 8 + 4 * (t % 4);
        double TL = uniform(&s, 0.5, 1.0), TR = uniform(&s, 0.05, 0.2), g0 = uniform(&s, 0.03, 0.1);
        for (int k = 0; k < N; k++) {
            h[k] = t % 2 ? 1.0 : uniform(&s, 0.95, 1.05);
            g[k] = t % 2 ? g0 : uniform(&s, 0.03, 0.1);
            T[k] = TL + (TR - TL) * k / (N - 1);
        }
        test_chain_init(&f->tc, N, h, g, T, t % 3 ? 1.0 : 3.0, QT_SPECTRAL_FLAT, QT_BATH_QUANTUM);
        worst = fmax(worst, compare_with_dense(f, qt_chain_redfield_solve, QT_ME_REDFIELD));
        schur += f->mw->schur;
    }
    print_message("Schur route in %d of 12; largest |rho_sector - rho_dense| = %.3g\n", schur,
                  worst);
    assert_true(schur >= 3);
}

/* chain of test_ill_conditioned: cond(eigenvectors) ~ 6e4, so that the
 * eigenvector elimination loses ~1e-7 */
static void ill_conditioned_chain(fixture *f)
{
    double h[N_MAX], g[N_MAX], T[N_MAX];
    for (int k = 0; k < 20; k++) h[k] = 1.0, g[k] = 0.045, T[k] = 0.8 - 0.7 * k / 19.0;
    test_chain_init(&f->tc, 20, h, g, T, 1.0, QT_SPECTRAL_FLAT, QT_BATH_QUANTUM);
}

/* The a-posteriori check: with the condition guard off, the eigenvector
 * route runs on an ill-conditioned generator, its residual is beyond
 * rounding, and the solve is redone on the Schur route (= dense). With the
 * guard on, the Schur route is taken at once. */
static void redfield_residual_check_falls_back_to_schur(void **state)
{
    fixture *f = *state;
    ill_conditioned_chain(f);
    f->mw->eigen_cond_max = INFINITY;
    compare_with_dense(f, qt_chain_redfield_solve, QT_ME_REDFIELD);
    assert_int_equal(f->mw->schur, 1);
    f->mw->eigen_cond_max = QT_ME_EIGEN_COND_MAX;
    compare_with_dense(f, qt_chain_redfield_solve, QT_ME_REDFIELD);
    assert_int_equal(f->mw->schur, 1);
}

/* largest |P - P'|, |R - R'| of two solves (P, R copied from mw first) */
static double sector_difference(const qt_me_workspace *mw, int N, const double *P,
                                const double complex *R)
{
    double d = 0.0;
    for (int k = 0; k < N; k++) d = fmax(d, fabs(P[k] - mw->P[k]));
    for (size_t i = 0; i < (size_t)N * (size_t)N; i++) d = fmax(d, cabs(R[i] - mw->R[i]));
    return d;
}

/* Long chains (N = 128, beyond the dense reference): where the eigenvectors
 * are well conditioned, the eigenvector route and the Schur route (several
 * batches, narrow chunks) agree; at Gamma = 1 with weak tunnelling only the
 * Schur route is taken, and its sector residual (the generator applied to
 * the result in the sector basis) is at rounding, the heat currents sum to 0. */
static void redfield_long_chain_routes_agree(void **state)
{
    (void)state;
    enum { N = 128 };
    test_chain *tc = calloc(1, sizeof(*tc));
    qt_me_workspace *mw = qt_me_workspace_alloc(N, 0);
    qt_result *r = qt_result_alloc(N);
    double *P = malloc(N * sizeof(double)), h[N], g[N], T[N];
    double complex *R = malloc((size_t)N * N * sizeof(double complex));
    for (int k = 0; k < N; k++) h[k] = 3.0, g[k] = 0.6, T[k] = 2.0 - 1.5 * k / (N - 1.0);
    test_chain_init(tc, N, h, g, T, 0.01, QT_SPECTRAL_OHMIC, QT_BATH_QUANTUM);
    assert_int_equal(qt_chain_redfield_solve(&tc->c, mw, r), QT_OK);
    assert_int_equal(mw->schur, 0);
    memcpy(P, mw->P, N * sizeof(double));
    memcpy(R, mw->R, (size_t)N * N * sizeof(double complex));
    mw->force_schur = 1, mw->schur_batch = 37, mw->schur_chunk = 16;
    assert_int_equal(qt_chain_redfield_solve(&tc->c, mw, r), QT_OK);
    double diff = sector_difference(mw, N, P, R);
    print_message("N = %d: eigenvector and Schur routes differ by %.3g\n", N, diff);
    assert_true(diff < 1e-11);
    mw->force_schur = 0;
    for (int k = 0; k < N; k++) h[k] = 1.0, g[k] = 0.1, T[k] = 0.8 - 0.7 * k / (N - 1.0);
    test_chain_init(tc, N, h, g, T, 1.0, QT_SPECTRAL_FLAT, QT_BATH_QUANTUM);
    assert_int_equal(qt_chain_redfield_solve(&tc->c, mw, r), QT_OK);
    assert_int_equal(mw->schur, 1);
    double sumJ = 0.0, scale = 0.0;
    for (int k = 0; k < N; k++) sumJ += r->heat_current[k], scale += fabs(r->heat_current[k]);
    print_message("N = %d, Gamma = 1: residual %.3g, sum J %.3g of %.3g\n", N, r->residual, sumJ,
                  scale);
    assert_true(r->residual < 1e-13 * N && r->trace_error < 1e-13);
    assert_close(sumJ, 0.0, 1e-12 * fmax(scale, 1.0));
    free(P), free(R), free(tc);
    qt_result_free(&r);
    qt_me_workspace_free(&mw);
}

/* The refinement route (me_refine.c) on the random chains: whole-chain
 * windows (the preconditioner is exact) and windows of one site on each
 * side of a block of sources (GMRES has to iterate). */
static void redfield_refinement_matches_dense(void **state)
{
    fixture *f = *state;
    f->mw->force_schur = 1, f->mw->refine_mode = 1;
    sweep_random_chains(state, QT_ME_REDFIELD, qt_chain_redfield_solve);
    assert_int_equal(f->mw->refined, 1);
    f->mw->win_half = 1;
    sweep_random_chains(state, QT_ME_REDFIELD, qt_chain_redfield_solve);
    assert_int_equal(f->mw->refined, 1);
    print_message("last chain: %d exact products\n", f->mw->refine_iters);
    f->mw->force_schur = 0, f->mw->refine_mode = 0, f->mw->win_half = QT_ME_WIN_HALF;
}

static double refined_against_elimination(qt_me_workspace *mw, const qt_chain *c, qt_result *r,
                                          double *P, double complex *R)
{
    int N = c->N;
    mw->refine_mode = -1;
    assert_int_equal(qt_chain_redfield_solve(c, mw, r), QT_OK);
    assert_int_equal(mw->refined, 0);
    memcpy(P, mw->P, (size_t)N * sizeof(double));
    memcpy(R, mw->R, qt_square(N) * sizeof(double complex));
    double eliminated = r->residual;
    mw->refine_mode = 0;
    assert_int_equal(qt_chain_redfield_solve(c, mw, r), QT_OK);
    assert_true(r->residual < 1e-13 * N && r->trace_error < 1e-13);
    double worst = 0.0;
    for (int k = 0; k < N; k++) worst = fmax(worst, fabs(mw->P[k] - P[k]) / P[k]);
    print_message("N = %d g = %.2f: refined %d (%d products), residual %.3g (eliminated %.3g), "
                  "largest relative difference of P %.3g, of rho %.3g\n",
                  N, c->g[0], mw->refined, mw->refine_iters, r->residual, eliminated, worst,
                  sector_difference(mw, N, P, R));
    assert_true(worst < 1e-9);
    return sector_difference(mw, N, P, R);
}

/* A long chain takes the refinement route by itself (N >= QT_ME_REFINE_MIN_N
 * on the Schur route) and agrees with the elimination; where decay outruns
 * hopping the windows are nearly exact; where it does not, GMRES iterates
 * or, past its budget, the elimination takes over. */
static void redfield_refinement_long_chain(void **state)
{
    (void)state;
    enum { N = QT_ME_REFINE_MIN_N };
    test_chain *tc = calloc(1, sizeof(*tc));
    qt_me_workspace *mw = qt_me_workspace_alloc(N, 0);
    qt_result *r = qt_result_alloc(N);
    double *P = malloc(N * sizeof(double)), h[N], g[N], T[N];
    double complex *R = malloc((size_t)N * N * sizeof(double complex));
    const double gs[3] = {0.1, 0.4, 0.45}, gammas[3] = {1.0, 1.0, 0.05};
    for (int t = 0; t < 3; t++) {
        for (int k = 0; k < N; k++) h[k] = 1.0, g[k] = gs[t], T[k] = 0.8 - 0.7 * k / (N - 1.0);
        test_chain_init(tc, N, h, g, T, gammas[t], QT_SPECTRAL_FLAT, QT_BATH_QUANTUM);
        assert_true(refined_against_elimination(mw, &tc->c, r, P, R) < 1e-12);
        assert_int_equal(mw->schur, 1);
        if (t == 0) assert_int_equal(mw->refined, 1);
    }
    free(P), free(R), free(tc);
    qt_result_free(&r);
    qt_me_workspace_free(&mw);
}

static void local_closed_form_matches_dense(void **state)
{
    sweep_random_chains(state, QT_ME_LOCAL, qt_chain_local_solve);
}

static void local_elimination_matches_dense(void **state)
{
    sweep_random_chains(state, QT_ME_LOCAL, general_local);
}

/* Local: each site in its own Boltzmann ratio P_k / r = S_k(h_k) / S_k(-h_k),
 * no heat current, at any temperature (relative accuracy of tiny P_k). */
static void local_sites_in_boltzmann_ratio(void **state)
{
    fixture *f = *state;
    double h[6] = {1.0, 0.8, 1.3, 1.1, 0.9, 1.2}, g[5] = {0.3, -0.2, 0.4, 0.1, 0.25};
    double T[6] = {0.02, 0.05, 0.3, 1.0, 0.04, 0.6};
    test_chain_init(&f->tc, 6, h, g, T, 0.3, QT_SPECTRAL_FLAT, QT_BATH_QUANTUM);
    assert_int_equal(qt_chain_local_solve(&f->tc.c, f->mw, f->r), QT_OK);
    qt_chain_rho(&f->tc.c, f->mw, f->re, f->im);
    double r = f->re[6 * 12 + 6];
    for (int k = 0; k < 6; k++) {
        double n = qt_occupation(h[k], T[k]);
        assert_rel_close(f->re[k * 12 + k] / r, (1.0 + n) / n, 1e-13);
        assert_close(f->r->heat_current[k], 0.0, 1e-16);
    }
}

/* T_L = T_R on a mirror-symmetric chain: p_k = p_{N+1-k}, x_cm = 0. */
static void uniform_temperature_gives_mirror_symmetry(void **state)
{
    fixture *f = *state;
    double h[7] = {1.0, 0.9, 1.2, 0.7, 1.2, 0.9, 1.0}, g[6] = {0.3, -0.2, 0.4, 0.4, -0.2, 0.3};
    double T[7];
    chain_solver solvers[2] = {qt_chain_local_solve, qt_chain_redfield_solve};
    for (int s = 0; s < 2; s++)
        for (qt_spectral sp = QT_SPECTRAL_FLAT; sp <= QT_SPECTRAL_OHMIC; sp++) {
            for (int k = 0; k < 7; k++) T[k] = 0.4;
            test_chain_init(&f->tc, 7, h, g, T, 0.5, sp, QT_BATH_QUANTUM);
            assert_int_equal(solvers[s](&f->tc.c, f->mw, f->r), QT_OK);
            double x = 0.0;
            for (int k = 0; k < 7; k++) {
                assert_close(f->r->population[k], f->r->population[6 - k], 1e-13);
                x += f->r->population[k] * (k - 3) / 3.0;
            }
            assert_close(x, 0.0, 1e-13);
        }
}

/* Density matrix (site basis) of the secular (global) equation from qt_solve. */
static void global_rho(int N, double g, double TL, double TR, double *re)
{
    qt_params par = nsite_params(N, g, TL, TR);
    qt_options o;
    qt_options_default(&o);
    qt_workspace *w = qt_workspace_alloc(QT_MODEL_NSITE, N, 0);
    qt_result *r = qt_result_alloc(N);
    double *im = calloc(4 * qt_square(N), sizeof(double));
    assert_int_equal(qt_solve(&par, &o, w, r), QT_OK);
    assert_int_equal(qt_density_matrix(w, re, im, 2 * N), QT_OK);
    free(im);
    qt_result_free(&r);
    qt_workspace_free(&w);
}

static double slope(const double *x, const double *y, int n)
{
    double mx = 0.0, my = 0.0, sxy = 0.0, sxx = 0.0;
    for (int i = 0; i < n; i++) mx += x[i] / n, my += y[i] / n;
    for (int i = 0; i < n; i++) sxy += (x[i] - mx) * (y[i] - my), sxx += (x[i] - mx) * (x[i] - mx);
    return sxy / sxx;
}

/* Redfield -> global as Gamma -> 0, with an error of rho linear in Gamma:
 * the slope of log(error) against log(Gamma) over three decades is 1. (The
 * first-order coherences are imaginary in the eigenbasis, so the site
 * populations converge faster, as Gamma^2: printed, not asserted.) */
static void redfield_tends_to_global_linearly(void **state)
{
    fixture *f = *state;
    enum { N = 6, d = 12 };
    double rg[d * d], h[N], gg[N], T[N], lx[4], ly[4], lp[4];
    global_rho(N, 0.3, 0.9, 0.3, rg);
    for (int k = 0; k < N; k++) h[k] = 1.0, gg[k] = 0.3, T[k] = 0.9 + (0.3 - 0.9) * k / (N - 1);
    for (int i = 0; i < 4; i++) {
        double gamma = pow(10.0, -5.0 + i), err = 0.0, perr = 0.0;
        test_chain_init(&f->tc, N, h, gg, T, gamma, QT_SPECTRAL_FLAT, QT_BATH_QUANTUM);
        assert_int_equal(qt_chain_redfield_solve(&f->tc.c, f->mw, f->r), QT_OK);
        qt_chain_rho(&f->tc.c, f->mw, f->re, f->im);
        for (int e = 0; e < d * d; e++) err = fmax(err, hypot(f->re[e] - rg[e], f->im[e]));
        for (int k = 0; k < N; k++)
            perr = fmax(perr, fabs(f->r->population[k] - rg[k * d + k] - rg[(N + k) * d + N + k]));
        lx[i] = log(gamma), ly[i] = log(err), lp[i] = log(perr);
    }
    print_message("rho error at Gamma = 1e-5: %.3g, slope %.4f; populations: slope %.4f\n",
                  exp(ly[0]), slope(lx, ly, 4), slope(lx, lp, 4));
    assert_close(slope(lx, ly, 4), 1.0, 0.05);
    assert_true(exp(ly[0]) < 1e-3);
}

/* The dense global reference against the secular solver of qt_solve. */
static void dense_global_matches_secular_solver(void **state)
{
    fixture *f = *state;
    int N = 5, d = 10;
    double h[5], g[5], T[5], residual, min_eig;
    for (int k = 0; k < N; k++) h[k] = 1.0, g[k] = 0.4, T[k] = 0.8 + (0.2 - 0.8) * k / (N - 1);
    test_chain_init(&f->tc, N, h, g, T, 1.0, QT_SPECTRAL_FLAT, QT_BATH_QUANTUM);
    assert_int_equal(qt_operators_chain(&f->tc.c, f->mw), QT_OK);
    assert_int_equal(qt_dense_me_solve(f->mw, QT_ME_GLOBAL, f->heat, &residual, &min_eig), QT_OK);
    qt_params par = nsite_params(N, 0.4, 0.8, 0.2);
    qt_options o;
    qt_options_default(&o);
    qt_result *r;
    assert_int_equal(solve_once(&par, &o, &r), QT_OK);
    for (int k = 0; k < N; k++) {
        assert_close(f->mw->rho_re[k * d + k] + f->mw->rho_re[(N + k) * d + N + k],
                     r->population[k], 1e-12);
        assert_close(f->heat[k], r->heat_current[k], 1e-12);
    }
    qt_result_free(&r);
}

/* Lambda and Vee: each bath drives one eigen-transition, so local = global;
 * and global matches the rate equation of qt_solve. */
static void threelevel_local_equals_global(void **state)
{
    fixture *f = *state;
    static const struct {
        qt_model m;
        double E[3], T1, T2;
    } cases[] = {{QT_MODEL_LAMBDA, {0, 0, 1}, 0.5, 0.2},
                 {QT_MODEL_LAMBDA, {0, 0.3, 1}, 1.5, 0.1},
                 {QT_MODEL_VEE, {0, 1, 1}, 0.7, 0.3},
                 {QT_MODEL_VEE, {0, 0.8, 1.1}, 0.2, 2.0}};
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++)
        for (qt_spectral sp = QT_SPECTRAL_FLAT; sp <= QT_SPECTRAL_OHMIC; sp++) {
            qt_bath_params proto = {0.0, 0.7, sp, QT_BATH_QUANTUM};
            double Jl[2], Jg[2], rl[9], res, me;
            assert_int_equal(qt_operators_threelevel(cases[c].m, cases[c].E, cases[c].T1,
                                                     cases[c].T2, &proto, f->mw),
                             QT_OK);
            assert_int_equal(qt_dense_me_solve(f->mw, QT_ME_LOCAL, Jl, &res, &me), QT_OK);
            memcpy(rl, f->mw->rho_re, sizeof(rl));
            assert_int_equal(qt_dense_me_solve(f->mw, QT_ME_GLOBAL, Jg, &res, &me), QT_OK);
            for (int i = 0; i < 9; i++) assert_close(rl[i], f->mw->rho_re[i], 1e-13);
            for (int k = 0; k < 2; k++) assert_close(Jl[k], Jg[k], 1e-13);
            assert_close(Jl[0] + Jl[1], 0.0, 1e-14);
            qt_params p = threelevel_params(cases[c].m, cases[c].T1, cases[c].T2);
            memcpy(p.E, cases[c].E, sizeof(p.E));
            p.gamma = 0.7, p.spectral = sp;
            qt_options o;
            qt_options_default(&o);
            qt_result *r;
            assert_int_equal(solve_once(&p, &o, &r), QT_OK);
            for (int a = 0; a < 3; a++) assert_close(rl[a * 3 + a], r->population[a], 1e-12);
            assert_int_equal(qt_dense_me_point(f->mw, QT_ME_REDFIELD, 0, f->r), QT_OK);
            double energy = 0.0; /* H diagonal in the level basis */
            for (int a = 0; a < 3; a++) energy += cases[c].E[a] * f->r->population[a];
            assert_close(f->r->energy, energy, 1e-14);
            assert_true(f->r->trace_error < 1e-14 && f->r->residual < 1e-13);
            assert_close(f->r->heat_current[0] + f->r->heat_current[1], 0.0, 1e-14);
            qt_result_free(&r);
        }
}

/* An excited level at the ground energy: divergent for flat J, solved for
 * ohmic (and then sector = dense); g = 0: not unique everywhere. */
static void statuses(void **state)
{
    fixture *f = *state;
    double h[2] = {1.0, 1.0}, g[1] = {1.0}, T[2] = {0.5, 0.3}, res, me;
    test_chain_init(&f->tc, 2, h, g, T, 1.0, QT_SPECTRAL_FLAT, QT_BATH_QUANTUM); /* eps = 0, 2 */
    assert_int_equal(qt_chain_redfield_solve(&f->tc.c, f->mw, f->r), QT_EDIVERGENT);
    assert_int_equal(qt_operators_chain(&f->tc.c, f->mw), QT_OK);
    assert_int_equal(qt_dense_me_solve(f->mw, QT_ME_REDFIELD, f->heat, &res, &me), QT_EDIVERGENT);
    assert_int_equal(qt_dense_me_solve(f->mw, QT_ME_GLOBAL, f->heat, &res, &me), QT_EDIVERGENT);
    assert_true(isinf(qt_secular_ratio_chain(&f->tc.c, 1e-9)));
    test_chain_init(&f->tc, 2, h, g, T, 1.0, QT_SPECTRAL_OHMIC, QT_BATH_QUANTUM);
    compare_with_dense(f, qt_chain_redfield_solve, QT_ME_REDFIELD);
    double h0[2] = {0.0, 1.0}; /* a site at zero energy: local diverges */
    test_chain_init(&f->tc, 2, h0, g, T, 1.0, QT_SPECTRAL_FLAT, QT_BATH_QUANTUM);
    assert_int_equal(qt_chain_local_solve(&f->tc.c, f->mw, f->r), QT_EDIVERGENT);
    double g0[2] = {0.0}, h3[3] = {1, 1, 1}, g3[2] = {0.3, 0.0}, T3[3] = {0.5, 0.4, 0.3};
    test_chain_init(&f->tc, 2, h, g0, T, 1.0, QT_SPECTRAL_FLAT, QT_BATH_QUANTUM);
    assert_int_equal(qt_chain_local_solve(&f->tc.c, f->mw, f->r), QT_ENOTUNIQUE);
    assert_int_equal(qt_chain_sector_solve(&f->tc.c, f->mw, f->r, QT_ME_LOCAL), QT_ENOTUNIQUE);
    assert_int_equal(qt_chain_redfield_solve(&f->tc.c, f->mw, f->r), QT_ENOTUNIQUE);
    test_chain_init(&f->tc, 3, h3, g3, T3, 1.0, QT_SPECTRAL_FLAT, QT_BATH_QUANTUM);
    assert_int_equal(qt_chain_redfield_solve(&f->tc.c, f->mw, f->r), QT_ENOTUNIQUE);
    assert_int_equal(qt_operators_chain(&f->tc.c, f->mw), QT_OK);
    assert_int_equal(qt_dense_me_solve(f->mw, QT_ME_REDFIELD, f->heat, &res, &me), QT_ENOTUNIQUE);
    assert_int_equal(qt_dense_me_solve(f->mw, QT_ME_LOCAL, f->heat, &res, &me), QT_ENOTUNIQUE);
}

/* secular_ratio of the chain against a brute-force evaluation over all
 * pairs of jumps, and of a Lambda eigensystem against its closed form. */
static double brute_ratio(const qt_chain *c)
{
    int N = c->N;
    double decay = 0.0, gap = INFINITY;
    for (int s = 0; s < 2 * N; s++) { /* s < N: ground s; else excited s - N */
        double out = 0.0;
        for (int t = 0; t < N; t++) {
            int k = s < N ? s : t, a = s < N ? t : s - N;
            double ck = c->psi[k + a * N], w = s < N ? -c->eps[a] : c->eps[a];
            qt_bath_params b = {c->T[k], c->gamma, c->spectral, c->bath};
            out += ck * ck * qt_rate(&b, w);
        }
        decay = fmax(decay, out);
    }
    for (int k = 0; k < N; k++)
        for (int i = 0; i < 2 * N; i++)
            for (int j = 0; j < 2 * N; j++) {
                double wi = i < N ? c->eps[i] : -c->eps[i - N],
                       wj = j < N ? c->eps[j] : -c->eps[j - N];
                if (fabs(wi - wj) > 1e-9) gap = fmin(gap, fabs(wi - wj));
            }
    return decay / gap;
}

static void secular_ratio(void **state)
{
    fixture *f = *state;
    uint64_t s = 77;
    for (int t = 0; t < 8; t++) {
        random_chain(f, &s, 3 + t, t % 2, t % 3 == 0, QT_BATH_QUANTUM, 0.1 * (t + 1));
        assert_rel_close(qt_secular_ratio_chain(&f->tc.c, 1e-9), brute_ratio(&f->tc.c), 1e-12);
    }
    /* Lambda, E = (0, 0, 1): Bohr frequencies +-1 per bath (gap 2); the
     * fastest state is |e>, decaying at S_1(1) + S_2(1). */
    double E[3] = {0, 0, 1}, X[2 * 9] = {0}, Ecl[3];
    int cluster[3], cl_start[4], cl_member[3], order[3];
    qt_bath_params bath[2] = {{0.5, 0.2, QT_SPECTRAL_FLAT, QT_BATH_QUANTUM},
                              {0.1, 0.2, QT_SPECTRAL_FLAT, QT_BATH_QUANTUM}};
    X[0 * 3 + 2] = X[2 * 3 + 0] = 1.0, X[9 + 1 * 3 + 2] = X[9 + 2 * 3 + 1] = 1.0;
    qt_eigensys es = {3, 2, E, NULL, X, bath, 0, cluster, cl_start, cl_member, Ecl};
    qt_cluster(&es, 1e-9, order);
    double expect = (qt_rate(&bath[0], 1.0) + qt_rate(&bath[1], 1.0)) / 2.0;
    assert_rel_close(qt_secular_ratio_eigensys(&es, 1e-9), expect, 1e-14);
}

static void workspace_estimate_matches(void **state)
{
    (void)state;
    int sizes[][2] = {{10, 0}, {0, 40}, {20, 40}, {1000, 0}};
    for (int i = 0; i < 4; i++) {
        qt_me_workspace *mw = qt_me_workspace_alloc(sizes[i][0], sizes[i][1]);
        assert_non_null(mw);
        assert_int_equal(mw->bytes, qt_me_workspace_estimate(sizes[i][0], sizes[i][1]));
        qt_me_workspace_free(&mw);
    }
    assert_null(qt_me_workspace_alloc(0, 0));
    assert_null(qt_me_workspace_alloc(2, QT_DENSE_MAX_D + 1));
    assert_int_equal(qt_me_workspace_estimate(-1, 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(redfield_sector_matches_dense, setup, teardown),
        cmocka_unit_test_setup_teardown(redfield_schur_path_matches_dense, setup, teardown),
        cmocka_unit_test_setup_teardown(redfield_batched_schur_matches_dense, setup, teardown),
        cmocka_unit_test_setup_teardown(redfield_strong_coupling_matches_dense, setup, teardown),
        cmocka_unit_test_setup_teardown(redfield_residual_check_falls_back_to_schur, setup,
                                        teardown),
        cmocka_unit_test(redfield_long_chain_routes_agree),
        cmocka_unit_test_setup_teardown(redfield_refinement_matches_dense, setup, teardown),
        cmocka_unit_test(redfield_refinement_long_chain),
        cmocka_unit_test_setup_teardown(local_closed_form_matches_dense, setup, teardown),
        cmocka_unit_test_setup_teardown(local_elimination_matches_dense, setup, teardown),
        cmocka_unit_test_setup_teardown(local_sites_in_boltzmann_ratio, setup, teardown),
        cmocka_unit_test_setup_teardown(uniform_temperature_gives_mirror_symmetry, setup, teardown),
        cmocka_unit_test_setup_teardown(redfield_tends_to_global_linearly, setup, teardown),
        cmocka_unit_test_setup_teardown(dense_global_matches_secular_solver, setup, teardown),
        cmocka_unit_test_setup_teardown(threelevel_local_equals_global, setup, teardown),
        cmocka_unit_test_setup_teardown(statuses, setup, teardown),
        cmocka_unit_test_setup_teardown(secular_ratio, setup, teardown),
        cmocka_unit_test(workspace_estimate_matches),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
