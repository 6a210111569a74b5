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
 * The trailing update only adds products of non-negative numbers.
 *
 * With a team of threads the panel's own rows stay sequential; the rows
 * below it are shared out, each done by one thread with the same operations
 * in the same order as serially: identical results. */
#include <cblas.h>

#include "internal.h"

/* Row i of a row-major matrix with leading dimension ld. */
static inline double *row_of(double *Q, int ld, int i)
{
    return Q + qt_size(i) * qt_size(ld);
}

/* row_i += (row_i[m] / s) row_m on the columns [j0, m) */
static inline void eliminate_from_row(double *row_i, const double *row_m, int m, int j0, double s)
{
    double f = row_i[m] / s;
    if (f != 0.0)
        for (int j = j0; j < m; j++) row_i[j] += f * row_m[j];
}

/* Eliminate pivots m1 down to m0 (m0 >= 1) on the panel's own rows (all
 * columns j < m); pivots stored on the diagonal. Returns -1 on a zero
 * pivot. Each pivot needs the finished row before it: sequential. */
static int eliminate_panel_rows(double *Q, int ld, int m0, int m1)
{
    for (int m = m1; m >= m0; m--) {
        double *row_m = row_of(Q, ld, m);
        double s = 0.0;
        for (int j = 0; j < m; j++) s += row_m[j];
        if (!(s > 0.0)) return -1;
        row_m[m] = s;
        for (int i = m0; i < m; i++) eliminate_from_row(row_of(Q, ld, i), row_m, m, 0, s);
    }
    return 0;
}

/* The panel's pivots on the rows [i0, i1) below it, panel columns only: row
 * by row, each with the pivots in the order above (the same operations on
 * every element as pivot by pivot). */
static void eliminate_other_rows(double *Q, int ld, int m0, int m1, int i0, int i1)
{
    for (int i = i0; i < i1; i++)
        for (int m = m1; m >= m0; m--) {
            const double *row_m = row_of(Q, ld, m);
            eliminate_from_row(row_of(Q, ld, i), row_m, m, m0, row_m[m]);
        }
}

/* Q[R][R] += C D on the rows [i0, i1) of R = 0..m0-1, with C[i][t] =
 * Q[i][m0+t] / pivot and D = rows m0..m1. */
static void trailing_update_rows(double *Q, int ld, int m0, int m1, double *C, int i0, int i1)
{
    int b = m1 - m0 + 1, r = m0;
    if (i0 >= i1) return;
    for (int i = i0; i < i1; i++) {
        const double *row_i = row_of(Q, ld, i);
        double *c_i = row_of(C, b, i);
        for (int t = 0; t < b; t++) c_i[t] = row_i[m0 + t] / row_of(Q, ld, m0 + t)[m0 + t];
    }
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, i1 - i0, r, b, 1.0, row_of(C, b, i0), b,
                row_of(Q, ld, m0), ld, 1.0, row_of(Q, ld, i0), ld);
}

/* Large chains: the rows below the panel in fixed blocks, each with one
 * BLAS call for its trailing update, whatever the number of threads (a BLAS
 * may switch kernels with the size of a call, so splitting a call
 * differently could change bits). One fork per panel. */
static void update_rows_below(double *Q, int ld, int m0, int m1, double *C, int team)
{
    int blocks = m0 / QT_TEAM_ALIGN > 0 ? m0 / QT_TEAM_ALIGN : 1;
#ifdef _OPENMP
#pragma omp parallel for num_threads(team) schedule(dynamic, 1) if (team > 1)
#else
    (void)team;
#endif
    for (int b = 0; b < blocks; b++) {
        int i0 = b * QT_TEAM_ALIGN, i1 = b == blocks - 1 ? m0 : i0 + QT_TEAM_ALIGN;
        eliminate_other_rows(Q, ld, m0, m1, i0, i1);
        if (m0 > 1) trailing_update_rows(Q, ld, m0, m1, C, i0, i1);
    }
}

static int eliminate_block(double *Q, int ld, int n, int m0, int m1, double *C, int team)
{
    if (eliminate_panel_rows(Q, ld, m0, m1)) return -1;
    if (n >= QT_TEAM_MIN_N) {
        update_rows_below(Q, ld, m0, m1, C, team);
        return 0;
    }
    eliminate_other_rows(Q, ld, m0, m1, 0, m0);
    if (m0 > 1) trailing_update_rows(Q, ld, m0, m1, C, 0, m0);
    return 0;
}

/* pi_m = sum_{i<m} pi_i Q[i][m] / pivot_m, normalised. The sums are built
 * row by row (i ascending, the order of the sum) so that Q is read along
 * its rows. */
static void back_substitute(int n, const double *Q, int ld, double *pi)
{
    pi[0] = 1.0;
    for (int m = 1; m < n; m++) pi[m] = 0.0;
    for (int i = 0; i < n; i++) {
        const double *row = Q + qt_size(i) * qt_size(ld);
        if (i > 0) pi[i] /= row[i];
        double p = pi[i];
        for (int m = i + 1; m < n; m++) pi[m] += p * row[m];
    }
    double total = 0.0;
    for (int i = 0; i < n; i++) total += pi[i];
    for (int i = 0; i < n; i++) pi[i] /= total;
}

int qt_gth_team(int n, double *Q, int ld, double *pi, double *work, int team)
{
    for (int m1 = n - 1; m1 >= 1; m1 -= QT_GTH_BLOCK) {
        int m0 = m1 - QT_GTH_BLOCK + 1;
        if (m0 < 1) m0 = 1;
        if (eliminate_block(Q, ld, n, m0, m1, work, team)) return -1;
    }
    back_substitute(n, Q, ld, pi);
    return 0;
}

int qt_gth(int n, double *Q, int ld, double *pi, double *work)
{
    return qt_gth_team(n, Q, ld, pi, work, 1);
}
