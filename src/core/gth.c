/* Grassmann-Taksar-Heyman (GTH) elimination for the stationary distribution
 * of a continuous-time Markov chain. Gaussian elimination of the states from
 * the last one down, with each pivot recomputed as the sum of the remaining
 * off-diagonal rates: all operations add or multiply positive numbers, so
 * populations as small as 1e-300 keep full relative accuracy (where LU with a
 * trace row returns tiny negative numbers).
 *
 * Blocked like right-looking LU: a panel of QT_GTH_BLOCK pivots is
 * eliminated on its own rows (all columns) and on the panel columns of the
 * remaining rows; the trailing block then gets one rank-b update with dgemm.
 * The trailing update only adds products of non-negative numbers. */
#include <cblas.h>

#include "internal.h"

/* Eliminate pivots m1 down to m0 (m0 >= 1) within the panel; pivots stored
 * on the diagonal. Returns -1 on a zero pivot. */
static int eliminate_panel(double *Q, int ld, int m0, int m1)
{
    for (int m = m1; m >= m0; m--) {
        double *row_m = Q + (size_t)m * ld;
        double s = 0.0;
        for (int j = 0; j < m; j++) s += row_m[j];
        if (!(s > 0.0)) return -1;
        row_m[m] = s;
        /* panel rows below the pivot: all columns j < m */
        for (int i = m0; i < m; i++) {
            double *row_i = Q + (size_t)i * ld;
            double f = row_i[m] / s;
            if (f != 0.0)
                for (int j = 0; j < m; j++) row_i[j] += f * row_m[j];
        }
        /* remaining rows: only the panel columns m0..m-1 */
        for (int i = 0; i < m0; i++) {
            double *row_i = Q + (size_t)i * ld;
            double f = row_i[m] / s;
            if (f != 0.0)
                for (int j = m0; j < m; j++) row_i[j] += f * row_m[j];
        }
    }
    return 0;
}

/* Q[R][R] += C D with C[i][t] = Q[i][m0+t] / pivot, D = rows m0..m1, R = 0..m0-1. */
static void trailing_update(double *Q, int ld, int m0, int m1, double *C)
{
    int b = m1 - m0 + 1, r = m0;
    for (int i = 0; i < r; i++)
        for (int t = 0; t < b; t++)
            C[(size_t)i * b + t] = Q[(size_t)i * ld + m0 + t] / Q[(size_t)(m0 + t) * ld + m0 + t];
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, r, r, b, 1.0, C, b, Q + (size_t)m0 * ld,
                ld, 1.0, Q, ld);
}

int qt_gth(int n, double *Q, int ld, double *pi, double *work)
{
    for (int m1 = n - 1; m1 >= 1; m1 -= QT_GTH_BLOCK) {
        int m0 = m1 - QT_GTH_BLOCK + 1;
        if (m0 < 1) m0 = 1;
        if (eliminate_panel(Q, ld, m0, m1)) return -1;
        if (m0 > 1) trailing_update(Q, ld, m0, m1, work);
    }
    /* back substitution: pi_m = sum_{i<m} pi_i Q[i][m] / pivot_m */
    double total = pi[0] = 1.0;
    for (int m = 1; m < n; m++) {
        double s = 0.0;
        for (int i = 0; i < m; i++) s += pi[i] * Q[(size_t)i * ld + m];
        pi[m] = s / Q[(size_t)m * ld + m];
        total += pi[m];
    }
    for (int i = 0; i < n; i++) pi[i] /= total;
    return 0;
}
