/* Timing of the chain sector solvers for `qthermo bench`: a uniform chain
 * (h = 1, linear temperature profile, flat quantum baths), the workspace and
 * the eigen-decomposition prepared outside the timed loop. */
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <time.h>

#include "me.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct {
    double *h, *g, *T, *eps, *psi, *work;
} bench_arrays;

static int bench_chain(int N, double g, double TL, double TR, double gamma, bench_arrays *b,
                       qt_chain *c)
{
    size_t n = (size_t)N;
    b->h = malloc(n * sizeof(double)), b->g = malloc(n * sizeof(double));
    b->T = malloc(n * sizeof(double)), b->eps = malloc(n * sizeof(double));
    b->psi = malloc(n * n * sizeof(double)), b->work = malloc(3 * n * sizeof(double));
    if (!b->h || !b->g || !b->T || !b->eps || !b->psi || !b->work) return QT_ENOMEM;
    for (int k = 0; k < N; k++) {
        b->h[k] = b->eps[k] = 1.0, b->g[k] = g;
        b->T[k] = N > 1 ? TL + (TR - TL) * k / (N - 1) : TL;
    }
    double *e = b->work + 2 * n; /* off-diagonal, overwritten by dstev */
    for (int k = 0; k + 1 < N; k++) e[k] = g;
    if (LAPACKE_dstev_work(LAPACK_COL_MAJOR, 'V', N, b->eps, e, b->psi, N, b->work))
        return QT_ELAPACK;
    *c = (qt_chain){N, b->h, b->g, b->T, b->eps, b->psi, gamma, QT_SPECTRAL_FLAT, QT_BATH_QUANTUM};
    return QT_OK;
}

static void bench_free(bench_arrays *b)
{
    free(b->h), free(b->g), free(b->T), free(b->eps), free(b->psi), free(b->work);
}

double qt_me_bench_point(qt_master_equation me, int N, double g, double TL, double TR, double gamma,
                         int repeat)
{
    bench_arrays b = {0};
    qt_chain c;
    qt_me_workspace *mw = qt_me_workspace_alloc(N, 0);
    qt_result *r = qt_result_alloc(N);
    double t = NAN;
    if (mw && r && repeat > 0 && bench_chain(N, g, TL, TR, gamma, &b, &c) == QT_OK) {
        double t0 = now();
        int st = QT_OK;
        for (int i = 0; i < repeat && !st; i++)
            st = me == QT_ME_LOCAL ? qt_chain_local_solve(&c, mw, r)
                                   : qt_chain_redfield_solve(&c, mw, r);
        t = st ? NAN : (now() - t0) / repeat;
    }
    bench_free(&b);
    qt_result_free(&r);
    qt_me_workspace_free(&mw);
    return t;
}
