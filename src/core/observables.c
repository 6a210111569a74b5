/* Observables of docs/physics.md section 4 from a steady state. */
#include <lapacke.h>
#include <math.h>
#include <string.h>

#include "internal.h"

/* rho_site = V rho V^T (V real); d <= QT_COUPLED_MAX_D here. */
static void to_site_basis(qt_workspace *w)
{
    const qt_eigensys *es = &w->es;
    int d = es->d;
    const double *V = es->V;
    double *tr = w->gen_tmp, *ti = w->K_acc; /* (rho V^T) */
    for (int a = 0; a < d; a++)
        for (int j = 0; j < d; j++) {
            double sr = 0.0, si = 0.0;
            for (int b = 0; b < d; b++) {
                sr += w->rho_re[a * d + b] * V[j + b * d];
                si += w->rho_im[a * d + b] * V[j + b * d];
            }
            tr[a * d + j] = sr, ti[a * d + j] = si;
        }
    for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++) {
            double sr = 0.0, si = 0.0;
            for (int a = 0; a < d; a++) {
                sr += V[i + a * d] * tr[a * d + j];
                si += V[i + a * d] * ti[a * d + j];
            }
            w->site_re[i * d + j] = sr, w->site_im[i * d + j] = si;
        }
}

static int is_diagonal(const qt_workspace *w, int d)
{
    for (int a = 0; a < d; a++)
        for (int b = 0; b < d; b++)
            if (a != b && (w->rho_re[a * d + b] != 0.0 || w->rho_im[a * d + b] != 0.0)) return 0;
    return 1;
}

static double min_eigenvalue(qt_workspace *w, int d)
{
    if (is_diagonal(w, d)) {
        double m = INFINITY;
        for (int a = 0; a < d; a++) m = fmin(m, w->rho_re[a * d + a]);
        return m;
    }
    for (int a = 0; a < d; a++) /* Hermitian part; column-major view of rho^T */
        for (int b = 0; b < d; b++)
            w->zheev_a[a * d + b] = 0.5 * (w->rho_re[a * d + b] + w->rho_re[b * d + a]) +
                                    0.5 * I * (w->rho_im[a * d + b] - w->rho_im[b * d + a]);
    lapack_int info = LAPACKE_zheev_work(LAPACK_COL_MAJOR, 'N', 'U', d, w->zheev_a, d, w->zheev_w,
                                         w->zheev_work, w->zheev_lwork, w->zheev_rwork);
    return info ? NAN : w->zheev_w[0];
}

void qt_general_observables(const qt_params *p, qt_workspace *w, qt_result *r)
{
    const qt_eigensys *es = &w->es;
    int d = es->d;
    to_site_basis(w);
    double trace = 0.0, energy = 0.0;
    for (int a = 0; a < d; a++) {
        trace += w->rho_re[a * d + a];
        energy += es->E[a] * w->rho_re[a * d + a];
    }
    r->trace_error = fabs(trace - 1.0);
    r->energy = energy;
    r->min_eigenvalue = min_eigenvalue(w, d);
    if (p->model == QT_MODEL_NSITE) {
        int N = p->N;
        for (int k = 0; k < N; k++)
            r->population[k] = w->site_re[k * d + k] + w->site_re[(N + k) * d + N + k];
    } else {
        for (int a = 0; a < 3; a++) r->population[a] = w->site_re[a * d + a];
    }
}

/* S_T = -d ln p / dT: least-squares slope of ln p_k against T_k. */
static double soret_coefficient(int N, const double *p, const double *T)
{
    double tm = 0.0, ym = 0.0;
    for (int k = 0; k < N; k++) {
        if (!(p[k] > 0.0)) return NAN;
        tm += T[k], ym += log(p[k]);
    }
    tm /= N, ym /= N;
    double sxy = 0.0, sxx = 0.0;
    for (int k = 0; k < N; k++) {
        sxy += (T[k] - tm) * (log(p[k]) - ym);
        sxx += (T[k] - tm) * (T[k] - tm);
    }
    return sxx > 0.0 ? -sxy / sxx : NAN;
}

void qt_site_observables(const qt_params *p, const qt_options *o, const double *T, qt_result *r)
{
    int N = p->N, peak = 0;
    double x = 0.0, half = 0.5 * (N - 1);
    for (int k = 0; k < N; k++) {
        x += r->population[k] * (k - half) / half; /* k 0-based: (k+1) - (N+1)/2 */
        if (r->population[k] > r->population[peak]) peak = k;
    }
    /* the hot and cold ends: T_L and T_R, or the ends of explicit T_sites */
    double TL = p->T_sites ? T[0] : p->T_L, TR = p->T_sites ? T[N - 1] : p->T_R;
    double sign = (TL > TR) - (TL < TR);
    r->x_cm = x;
    r->phi = sign * x;
    r->phase = r->phi > o->phase_threshold ? 1 : r->phi < -o->phase_threshold ? -1 : 0;
    r->peak_site = peak + 1;
    r->soret = soret_coefficient(N, r->population, T);
}

/* Eigenvalues of the generator; drop the one closest to 0 (the stationary
 * state) and return the smallest -Re of the others, ascending. */
int qt_generator_gaps(qt_workspace *w, int n, double *G, double *rates, int nrates)
{
    if (n > w->gap_max_d || n < 2) return -1;
    /* G is row-major; its column-major view is G^T, with the same eigenvalues */
    lapack_int info = LAPACKE_dgeev_work(LAPACK_COL_MAJOR, 'N', 'N', n, G, n, w->gap_wr, w->gap_wi,
                                         NULL, 1, NULL, 1, w->gap_work, w->gap_lwork);
    if (info) return -1;
    int zero = 0;
    for (int i = 1; i < n; i++)
        if (hypot(w->gap_wr[i], w->gap_wi[i]) < hypot(w->gap_wr[zero], w->gap_wi[zero])) zero = i;
    for (int t = 0; t < nrates; t++) {
        int best = -1;
        for (int i = 0; i < n; i++) {
            if (i == zero || w->gap_wr[i] == INFINITY) continue;
            if (best < 0 || -w->gap_wr[i] < -w->gap_wr[best]) best = i;
        }
        if (best < 0) {
            rates[t] = NAN;
            continue;
        }
        rates[t] = -w->gap_wr[best];
        w->gap_wr[best] = INFINITY; /* taken */
    }
    return 0;
}
