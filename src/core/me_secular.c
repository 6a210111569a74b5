/* Validity of the secular approximation (docs/physics.md section 6):
 * secular_ratio = (largest total decay rate of an eigenstate) / (smallest
 * |w - w'| > tol over distinct Bohr frequencies with jumps of one bath).
 * Infinite when a jump at w = 0 has a divergent (flat) rate. */
#include <math.h>
#include <stdlib.h>

#include "me.h"

static double rate_of(const qt_bath_params *b, double w, double tol)
{
    return fabs(w) <= tol ? qt_rate_zero(b) : qt_rate(b, w);
}

/* largest decay rate: ground g_k -> any a, excited a -> any g_k */
static double chain_max_decay(const qt_chain *c, double tol)
{
    int N = c->N;
    double best = 0.0;
    for (int a = 0; a < N; a++) { /* excited a, out to the ground states */
        double s = 0.0;
        for (int k = 0; k < N; k++) {
            double ck = c->psi[qt_offset(k, a, N)];
            if (fabs(ck) <= QT_X_ZERO) continue;
            qt_bath_params b = {c->T[k], c->gamma, c->spectral, c->bath};
            s += ck * ck * rate_of(&b, c->eps[a], tol);
        }
        best = fmax(best, s);
    }
    for (int k = 0; k < N; k++) {
        qt_bath_params b = {c->T[k], c->gamma, c->spectral, c->bath};
        double s = 0.0;
        for (int a = 0; a < N; a++) {
            double ck = c->psi[qt_offset(k, a, N)];
            if (fabs(ck) > QT_X_ZERO) s += ck * ck * rate_of(&b, -c->eps[a], tol);
        }
        best = fmax(best, s);
    }
    return best;
}

/* next eps index >= a (ascending) or <= a (descending) with a jump of bath k */
static int next_level(const qt_chain *c, int k, int a, int step)
{
    while (a >= 0 && a < c->N && fabs(c->psi[qt_offset(k, a, c->N)]) <= QT_X_ZERO) a += step;
    return a;
}

/* smallest gap > tol in the merged ascending lists {eps_a} and {-eps_a} */
static double bath_min_gap(const qt_chain *c, int k, double tol)
{
    int N = c->N, i = next_level(c, k, 0, 1), j = next_level(c, k, N - 1, -1);
    double prev = -INFINITY, gap = INFINITY;
    while (i < N || j >= 0) {
        double x = i < N ? c->eps[i] : INFINITY, y = j >= 0 ? -c->eps[j] : INFINITY, w;
        if (x <= y) {
            w = x;
            i = next_level(c, k, i + 1, 1);
        } else {
            w = y;
            j = next_level(c, k, j - 1, -1);
        }
        if (w - prev > tol) gap = fmin(gap, w - prev);
        prev = w;
    }
    return gap;
}

double qt_secular_ratio_chain(const qt_chain *c, double tol)
{
    return qt_secular_ratio_chain_decay(c, tol, chain_max_decay(c, tol));
}

/* Does bath k have a jump to every excited level? Then its frequencies are
 * all of {eps} and {-eps}, the same set for every such bath. */
static int couples_all(const qt_chain *c, int k)
{
    for (int a = 0; a < c->N; a++)
        if (fabs(c->psi[qt_offset(k, a, c->N)]) <= QT_X_ZERO) return 0;
    return 1;
}

double qt_secular_ratio_chain_decay(const qt_chain *c, double tol, double decay)
{
    double gap = INFINITY, full = NAN;
    for (int k = 0; k < c->N; k++) {
        int all = couples_all(c, k);
        if (all && isnan(full)) full = bath_min_gap(c, k, tol);
        gap = fmin(gap, all ? full : bath_min_gap(c, k, tol));
    }
    if (isinf(decay)) return INFINITY;
    return isinf(gap) ? 0.0 : decay / gap;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

double qt_secular_ratio_eigensys(const qt_eigensys *es, double tol)
{
    int d = es->d;
    if (d > QT_COUPLED_MAX_D) return NAN;
    double w[QT_COUPLED_MAX_D * QT_COUPLED_MAX_D], gap = INFINITY, decay = 0.0;
    for (int k = 0; k < es->K; k++) {
        const double *X = es->X + qt_size(k) * qt_size(d) * qt_size(d);
        size_t n = 0;
        for (int a = 0; a < d; a++)
            for (int b = 0; b < d; b++)
                if (a != b && fabs(X[a * d + b]) > QT_X_ZERO)
                    w[n++] = es->cl_energy[es->cluster[b]] - es->cl_energy[es->cluster[a]];
        qsort(w, n, sizeof(double), cmp_double);
        for (size_t i = 1; i < n; i++)
            if (w[i] - w[i - 1] > tol) gap = fmin(gap, w[i] - w[i - 1]);
    }
    for (int b = 0; b < d; b++) { /* total rate out of eigenstate b */
        double s = 0.0;
        for (int k = 0; k < es->K; k++)
            for (int a = 0; a < d; a++) {
                double x = es->X[qt_offset(b, k * d + a, d)];
                if (a == b || fabs(x) <= QT_X_ZERO) continue;
                double wab = es->cl_energy[es->cluster[b]] - es->cl_energy[es->cluster[a]];
                s += x * x * rate_of(&es->bath[k], wab, tol);
            }
        decay = fmax(decay, s);
    }
    if (isinf(decay)) return INFINITY;
    return isinf(gap) ? 0.0 : decay / gap;
}
