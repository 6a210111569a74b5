/* The reference solver: the full d^2 x d^2 Liouvillian of Eqs. 4-5 in the
 * eigenbasis, Hamiltonian part included, written directly from the jump
 * operators A_w^(k) = sum_{E_b - E_a = w} <a|X_k|b> |a><b| with the Bohr
 * frequencies grouped at tolerance tol. vec(rho) is row-major: (a, b) ->
 * a d + b. Steady state: one population row replaced by Tr rho = 1, complex
 * LU. Memory O(d^4): for d <= QT_DENSE_MAX_D only. */
#include <lapacke.h>
#include <math.h>
#include <string.h>

#include "internal.h"

/* Bohr frequency of pair (a, b) = jump b -> a, from the cluster energies. */
static double pair_frequency(const qt_eigensys *es, int a, int b)
{
    return es->cl_energy[es->cluster[b]] - es->cl_energy[es->cluster[a]];
}

/* Pairs sorted by Bohr frequency (insertion sort: d^2 <= 1600). */
static void sort_pairs(qt_workspace *w)
{
    const qt_eigensys *es = &w->es;
    int n = es->d * es->d;
    for (int p = 0; p < n; p++) {
        w->dense_w[p] = pair_frequency(es, p / es->d, p % es->d);
        int j = p - 1;
        while (j >= 0 && w->dense_w[w->dense_pair[j]] > w->dense_w[p]) {
            w->dense_pair[j + 1] = w->dense_pair[j];
            j--;
        }
        w->dense_pair[j + 1] = p;
    }
}

/* End of the group of equal (within tol) frequencies starting at g0. */
static int group_end(const qt_workspace *w, int g0, int n, double tol)
{
    int g1 = g0 + 1;
    while (g1 < n && w->dense_w[w->dense_pair[g1]] - w->dense_w[w->dense_pair[g1 - 1]] <= tol) g1++;
    return g1;
}

static double group_rate(const qt_eigensys *es, int k, double wg, double tol)
{
    return fabs(wg) <= tol ? qt_rate_zero(&es->bath[k]) : qt_rate(&es->bath[k], wg);
}

/* Collect the pairs of group [g0, g1) where X_k is nonzero. A divergent rate
 * (flat J at w = 0) is an error (-1) if any of its jumps is nonzero. */
static int group_entries(qt_workspace *w, int k, int g0, int g1, double rate)
{
    const double *Xk = w->es.X + qt_size(k) * qt_square(w->es.d);
    int n = 0;
    for (int t = g0; t < g1; t++) {
        int p = w->dense_pair[t];
        if (isinf(rate) && fabs(Xk[p]) > QT_X_ZERO) return -1;
        if (Xk[p] != 0.0) w->dense_entry[n++] = p;
    }
    return isinf(rate) ? 0 : n;
}

/* L (all baths, with -i[H,.]) when kb < 0; the dissipator of bath kb alone
 * otherwise. Returns QT_EDIVERGENT for an infinite rate on a nonzero jump. */
static int build_liouvillian(qt_workspace *w, int kb, double tol)
{
    const qt_eigensys *es = &w->es;
    int d = es->d, D = d * d, n = d * d;
    const double *X = es->X;
    double complex *L = w->dense_L;
    double *K = w->K_acc;
    memset(L, 0, sizeof(double complex) * qt_square(D));
    memset(K, 0, sizeof(double) * qt_square(d));
    for (int k = kb < 0 ? 0 : kb; k < (kb < 0 ? es->K : kb + 1); k++) {
        const double *Xk = X + qt_size(k) * qt_square(d);
        for (int g0 = 0, g1; g0 < n; g0 = g1) {
            g1 = group_end(w, g0, n, tol);
            double rate = group_rate(es, k, w->dense_w[w->dense_pair[g0]], tol);
            int ne = group_entries(w, k, g0, g1, rate);
            if (ne < 0) return QT_EDIVERGENT;
            if (!(rate > 0.0)) continue;
            for (int e1 = 0; e1 < ne; e1++) {
                int p1 = w->dense_entry[e1], a = p1 / d, b = p1 % d;
                for (int e2 = 0; e2 < ne; e2++) {
                    int p2 = w->dense_entry[e2], a2 = p2 / d, b2 = p2 % d;
                    double c = rate * Xk[p1] * Xk[p2];
                    L[qt_offset(a * d + a2, b * d + b2, D)] += c; /* A rho A^dag */
                    if (a2 == a) K[b * d + b2] += c;              /* A^dag A */
                }
            }
        }
    }
    for (int a = 0; a < d; a++)
        for (int b = 0; b < d; b++) {
            int r = a * d + b;
            if (kb < 0) L[qt_offset(r, r, D)] += -I * (es->E[a] - es->E[b]);
            for (int c = 0; c < d; c++) {
                L[qt_offset(r, c * d + b, D)] -= 0.5 * K[a * d + c];
                L[qt_offset(r, a * d + c, D)] -= 0.5 * K[c * d + b];
            }
        }
    return QT_OK;
}

static void apply(const qt_workspace *w, int D)
{
    for (int r = 0; r < D; r++) w->dense_y[r] = 0.0;
    for (int c = 0; c < D; c++) {
        double complex x = w->dense_rho[c];
        if (x == 0.0) continue;
        const double complex *col = w->dense_L + qt_size(c) * qt_size(D);
        for (int r = 0; r < D; r++) w->dense_y[r] += col[r] * x;
    }
}

static int factor_and_solve(qt_workspace *w, int D, int unique)
{
    double complex *L = w->dense_L;
    for (int c = 0; c < D; c++) L[qt_offset(0, c, D)] = (c / w->es.d == c % w->es.d) ? 1.0 : 0.0;
    for (int r = 0; r < D; r++) w->dense_rho[r] = r == 0;
    double anorm = LAPACKE_zlange_work(LAPACK_COL_MAJOR, '1', D, D, L, D, w->dense_rwork);
    lapack_int info = LAPACKE_zgetrf_work(LAPACK_COL_MAJOR, D, D, L, D, w->ipiv);
    if (info > 0) return QT_ENOTUNIQUE;
    if (info < 0) return QT_ELAPACK;
    if (unique < 0) { /* coupled sector: decide from the conditioning */
        double rcond = 0.0;
        info = LAPACKE_zgecon_work(LAPACK_COL_MAJOR, '1', D, L, D, anorm, &rcond, w->dense_work,
                                   w->dense_rwork);
        if (info || rcond < QT_RCOND_SINGULAR) return QT_ENOTUNIQUE;
    }
    info = LAPACKE_zgetrs_work(LAPACK_COL_MAJOR, 'N', D, 1, L, D, w->ipiv, w->dense_rho, D);
    return info ? QT_ELAPACK : QT_OK;
}

int qt_dense_solve(const qt_options *o, qt_workspace *w, double *residual, double *heat)
{
    qt_eigensys *es = &w->es;
    int d = es->d, D = d * d;
    if (d > w->dense_max_d) return QT_ETOOLARGE;
    sort_pairs(w);
    int st = build_liouvillian(w, -1, o->tol);
    if (st) return st;
    int unique = qt_structural_uniqueness(w);
    if (unique == 0) return QT_ENOTUNIQUE;
    st = factor_and_solve(w, D, unique);
    if (st) return st;
    for (int p = 0; p < D; p++) {
        w->rho_re[p] = creal(w->dense_rho[p]);
        w->rho_im[p] = cimag(w->dense_rho[p]);
    }
    build_liouvillian(w, -1, o->tol); /* the LU overwrote it */
    apply(w, D);
    double res = 0.0;
    for (int r = 0; r < D; r++) res += cabs(w->dense_y[r]);
    *residual = res;
    for (int k = 0; k < es->K; k++) {
        build_liouvillian(w, k, o->tol);
        apply(w, D);
        double J = 0.0;
        for (int a = 0; a < d; a++) J -= es->E[a] * creal(w->dense_y[a * d + a]);
        heat[k] = J;
    }
    return QT_OK;
}
