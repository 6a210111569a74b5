/* A chain for the master-equation tests: site arrays and the excited block's
 * eigen-decomposition (LAPACK dstev), as the solvers of me.h expect it. */
#ifndef QT_TEST_ME_COMMON_H
#define QT_TEST_ME_COMMON_H

#include <lapacke.h>
#include <string.h>

#include "me.h"

#define ME_TEST_MAX_N 256

typedef struct {
    double h[ME_TEST_MAX_N], g[ME_TEST_MAX_N], T[ME_TEST_MAX_N];
    double eps[ME_TEST_MAX_N], psi[ME_TEST_MAX_N * ME_TEST_MAX_N], work[2 * ME_TEST_MAX_N];
    qt_chain c;
} test_chain;

/* h[N], g[N-1], T[N] are copied; returns 0 or the LAPACK info */
static inline int test_chain_init(test_chain *t, int N, const double *h, const double *g,
                                  const double *T, double gamma, qt_spectral spectral, qt_bath bath)
{
    size_t n = qt_size(N);
    memcpy(t->h, h, sizeof(double) * n);
    memcpy(t->T, T, sizeof(double) * n);
    if (n > 1) memcpy(t->g, g, sizeof(double) * (n - 1));
    memcpy(t->eps, h, sizeof(double) * n);
    double e[ME_TEST_MAX_N];
    if (n > 1) memcpy(e, g, sizeof(double) * (n - 1));
    int info = LAPACKE_dstev_work(LAPACK_COL_MAJOR, 'V', N, t->eps, e, t->psi, N, t->work);
    t->c = (qt_chain){N, t->h, t->g, t->T, t->eps, t->psi, gamma, spectral, bath};
    return info;
}

#endif
