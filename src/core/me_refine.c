/* The refinement route for the ground populations of a long chain on the
 * Schur route (docs/physics.md section 6; design in README.md, "Refinement
 * route"). The elimination costs N Lyapunov solves (O(N^4)); here:
 *
 * 1. an approximate eliminated generator K~ from every source solved in a
 *    window of sites around it (site basis: A~ = C A C^T = U~/2 + i C H C^T,
 *    u~_k = C u_k, v~_k = C v_k, the source of P_j is v~_j e_j^T + e_j v~_j^T
 *    and its readout Re(u~_k^T R e_k)); exact when the excited block of a
 *    source stays near it (decay faster than hopping), a preconditioner
 *    otherwise;
 * 2. GMRES on the exact equilibrated system Dr M Dc z = Dr e_0 (M = K -
 *    diag(alpha), row 0 the normalisation), right-preconditioned by the LU
 *    of the same system built from K~; each exact product is one Lyapunov
 *    solve T X + X T^dag = S(P) in A's Schur form and two zgemms, O(N^3).
 *
 * Nonzero when GMRES has not converged within its budget (a small fraction
 * of the elimination's cost): the caller then eliminates. */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>

#include "me.h"

/* relative residual of the equilibrated system at which GMRES stops */
#define GMRES_TOL 1e-14

static const double complex ZONE = 1.0, ZZERO = 0.0;

/* u~, v~ (rows k) and A~ in the site basis; Mt is scratch here */
static void site_operators(int N, qt_me_workspace *mw)
{
    size_t nn = qt_square(N);
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, N, N, N, 1.0, mw->U, N, mw->C, N, 0.0,
                mw->Us, N);
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, N, N, N, 1.0, mw->V, N, mw->C, N, 0.0,
                mw->Vs, N);
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, N, N, N, 1.0, mw->C, N, mw->Hx, N, 0.0,
                mw->Sre, N);
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, N, N, N, 1.0, mw->Sre, N, mw->C, N, 0.0,
                mw->Mt, N);
    for (size_t i = 0; i < nn; i++) mw->As[i] = 0.5 * mw->Us[i] + I * mw->Mt[i];
}

typedef struct {
    int lo, m;                     /* sites lo .. lo + m - 1 */
    double complex *T, *Z, *F, *X; /* m x m: Schur form, vectors, scratch */
    double complex *av, *ev, *d;   /* m */
} window;

static window window_at(qt_me_workspace *mw, int lo, int m)
{
    size_t mm = qt_square(QT_ME_WIN_MAX);
    double complex *z = mw->wz;
    return (window){lo,
                    m,
                    z,
                    z + mm,
                    z + 2 * mm,
                    z + 3 * mm,
                    z + 4 * mm,
                    z + 4 * mm + QT_ME_WIN_MAX,
                    z + 4 * mm + 2 * QT_ME_WIN_MAX};
}

/* Schur form of A~ restricted to the window */
static int window_schur(int N, qt_me_workspace *mw, window *w)
{
    lapack_int sdim = 0;
    for (int b = 0; b < w->m; b++)
        for (int a = 0; a < w->m; a++)
            w->T[qt_offset(a, b, w->m)] = mw->As[qt_offset(w->lo + a, w->lo + b, N)];
    lapack_int info = LAPACKE_zgees_work(LAPACK_COL_MAJOR, 'V', 'N', NULL, w->m, w->T, w->m, &sdim,
                                         w->d, w->Z, w->m, mw->zwork, mw->lzwork, mw->rwork, NULL);
    return info ? QT_ELAPACK : QT_OK;
}

/* column j of K~ from the window's Lyapunov solve of source j */
static int window_source(int N, qt_me_workspace *mw, window *w, int j)
{
    int m = w->m, jl = j - w->lo;
    for (int l = 0; l < m; l++) w->X[l] = mw->Vs[qt_offset(j, w->lo + l, N)]; /* v~_j */
    cblas_zgemv(CblasColMajor, CblasConjTrans, m, m, &ZONE, w->Z, m, w->X, 1, &ZZERO, w->av, 1);
    for (int l = 0; l < m; l++) w->ev[l] = conj(w->Z[qt_offset(jl, l, m)]); /* Z^dag e_j */
    for (int b = 0; b < m; b++)
        for (int a = 0; a < m; a++)
            w->F[qt_offset(a, b, m)] = w->av[a] * conj(w->ev[b]) + w->ev[a] * conj(w->av[b]);
    double scale = 1.0;
    if (LAPACKE_ztrsyl_work(LAPACK_COL_MAJOR, 'N', 'C', 1, m, m, w->T, m, w->T, m, w->F, m,
                            &scale) < 0)
        return QT_ELAPACK;
    cblas_zgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, m, m, m, &ZONE, w->Z, m, w->F, m, &ZZERO,
                w->X, m);
    cblas_zgemm(CblasColMajor, CblasNoTrans, CblasConjTrans, m, m, m, &ZONE, w->X, m, w->Z, m,
                &ZZERO, w->F, m); /* R~ = Z X Z^dag (times scale) */
    for (int k = 0; k < m; k++) {
        double s = 0.0;
        for (int l = 0; l < m; l++)
            s += mw->Us[qt_offset(w->lo + k, w->lo + l, N)] * creal(w->F[qt_offset(l, k, m)]);
        mw->Kmat[qt_offset(w->lo + k, j, N)] = s / scale;
    }
    return QT_OK;
}

/* K~ into Kmat: sources in blocks that share one window */
static int windowed_generator(int N, qt_me_workspace *mw)
{
    int half = mw->win_half < 0 || mw->win_half > QT_ME_WIN_HALF ? QT_ME_WIN_HALF : mw->win_half;
    memset(mw->Kmat, 0, qt_square(N) * sizeof(double));
    for (int j0 = 0; j0 < N; j0 += QT_ME_WIN_BLOCK) {
        int j1 = j0 + QT_ME_WIN_BLOCK < N ? j0 + QT_ME_WIN_BLOCK : N;
        int lo = j0 - half > 0 ? j0 - half : 0, hi = j1 + half < N ? j1 + half : N;
        window w = window_at(mw, lo, hi - lo);
        int st = window_schur(N, mw, &w);
        for (int j = j0; j < j1 && !st; j++) st = window_source(N, mw, &w, j);
        if (st) return st;
    }
    return QT_OK;
}

/* out = Dr M Dc z with the exact K: one Lyapunov solve in A's Schur form */
static void exact_product(int N, qt_me_workspace *mw, const double *z, double *out)
{
    const double *cs = mw->eq, *rs = mw->eq + N;
    double *P = mw->site_diag, total = 0.0;
    for (int j = 0; j < N; j++) P[j] = cs[j] * z[j], total += P[j];
    qt_me_source(N, mw, P, mw->Z1, mw->Z2);
    qt_me_lyapunov(N, mw, mw->Z1);
    cblas_zgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, N, N, N, &ZONE, mw->PT, N, mw->Z1, N,
                &ZZERO, mw->Z2, N); /* rows k: p_k^T X */
    for (int k = 0; k < N; k++) out[k] = 0.0;
    for (int b = 0; b < N; b++)
        for (int k = 0; k < N; k++)
            out[k] += creal(mw->Z2[qt_offset(k, b, N)] * mw->QT[qt_offset(k, b, N)]);
    out[0] = total;
    for (int k = 1; k < N; k++) out[k] -= mw->alpha[k] * P[k];
    for (int k = 0; k < N; k++) out[k] *= rs[k];
    mw->refine_iters++;
}

/* x = (Dr M~ Dc)^-1 x */
static void precondition(int N, qt_me_workspace *mw, double *x)
{
    LAPACKE_dgetrs_work(LAPACK_COL_MAJOR, 'N', N, 1, mw->Mt, N, mw->ipiv_t, x, N);
}

/* r = b - Dr M Dc z; returns |r| */
static double true_residual(int N, qt_me_workspace *mw, const double *z, double *r)
{
    exact_product(N, mw, z, r);
    for (int k = 0; k < N; k++) r[k] = (k == 0 ? mw->eq[N] : 0.0) - r[k];
    return cblas_dnrm2(N, r, 1);
}

/* Givens rotation of column i of H; g is the rotated right-hand side */
static double rotate(int m, double *H, double *cs, double *sn, double *g, int i)
{
    double *h = H + qt_size(i) * qt_size(m + 1);
    for (int l = 0; l < i; l++) {
        double t = cs[l] * h[l] + sn[l] * h[l + 1];
        h[l + 1] = -sn[l] * h[l] + cs[l] * h[l + 1], h[l] = t;
    }
    double rr = hypot(h[i], h[i + 1]);
    cs[i] = rr > 0.0 ? h[i] / rr : 1.0, sn[i] = rr > 0.0 ? h[i + 1] / rr : 0.0;
    h[i] = rr, h[i + 1] = 0.0;
    g[i + 1] = -sn[i] * g[i], g[i] *= cs[i];
    return fabs(g[i + 1]);
}

/* one GMRES cycle from residual r (norm beta) at z; returns the estimated
 * residual norm after it and updates z */
static double gmres_cycle(int N, qt_me_workspace *mw, double *z, double *r, double beta,
                          double target, int budget)
{
    enum { M = QT_ME_GMRES_M };
    double *V = mw->Vg, *H = mw->Hg, *cs = H + (M + 1) * M, *sn = cs + M + 1, *g = sn + M + 1;
    double *w = mw->gwork, est = beta;
    int n = 0;
    for (int k = 0; k < N; k++) V[k] = r[k] / beta;
    memset(g, 0, (size_t)(M + 1) * sizeof(double)), g[0] = beta;
    for (int i = 0; i < M && i < budget && est > target; i++, n++) {
        double *vi = V + qt_size(i) * qt_size(N), *vn = vi + N,
               *h = H + qt_size(i) * (size_t)(M + 1);
        memcpy(w, vi, qt_size(N) * sizeof(double));
        precondition(N, mw, w);
        exact_product(N, mw, w, vn);
        for (int l = 0; l <= i; l++) { /* modified Gram-Schmidt */
            const double *vl = V + qt_size(l) * qt_size(N);
            h[l] = cblas_ddot(N, vl, 1, vn, 1);
            cblas_daxpy(N, -h[l], vl, 1, vn, 1);
        }
        h[i + 1] = cblas_dnrm2(N, vn, 1);
        if (h[i + 1] > 0.0) cblas_dscal(N, 1.0 / h[i + 1], vn, 1);
        est = rotate(M, H, cs, sn, g, i);
    }
    for (int i = n - 1; i >= 0; i--) { /* y = H^-1 g, back substitution */
        for (int l = i + 1; l < n; l++) g[i] -= H[qt_offset(i, l, M + 1)] * g[l];
        g[i] /= H[qt_offset(i, i, M + 1)];
    }
    memset(w, 0, qt_size(N) * sizeof(double));
    for (int i = 0; i < n; i++) cblas_daxpy(N, g[i], V + qt_size(i) * qt_size(N), 1, w, 1);
    precondition(N, mw, w);
    for (int k = 0; k < N; k++) z[k] += w[k];
    return est;
}

/* GMRES with restarts on the equilibrated system; z starts at the
 * preconditioner's solution. Done at the tolerance, or when a cycle that
 * converged in exact arithmetic (estimate below it) no longer halves the
 * true residual: that is its rounding floor. */
static int gmres(int N, qt_me_workspace *mw, double *z, int budget)
{
    double *r = mw->P; /* scratch until the populations are written */
    double bnorm = mw->eq[N], target = GMRES_TOL * bnorm, last = INFINITY;
    int converged = 0;
    for (int k = 0; k < N; k++) z[k] = k == 0 ? bnorm : 0.0;
    precondition(N, mw, z);
    for (;;) {
        double beta = true_residual(N, mw, z, r);
        if (!(beta == beta)) return QT_ENOTUNIQUE; /* NaN */
        if (beta <= target || (converged && beta > 0.5 * last)) return QT_OK;
        int left = budget - mw->refine_iters;
        if (left <= 0) return QT_ENOTUNIQUE;
        converged = gmres_cycle(N, mw, z, r, beta, target, left) <= target;
        last = beta;
    }
}

int qt_me_refine_populations(int N, qt_me_workspace *mw)
{
    double *cs = mw->eq, *rs = mw->eq + N, *z = mw->Rre; /* Rre is written later */
    mw->refine_iters = 0;
    site_operators(N, mw);
    int st = windowed_generator(N, mw);
    if (!st)
        st = qt_me_equilibrated_lu(N, mw->Kmat, mw->alpha, mw->Mt, cs, rs, mw->ipiv_t, mw->gwork,
                                   mw->iwork);
    /* budget: a few percent of the N Lyapunov solves of the elimination */
    int budget = N / 25 > 12 ? N / 25 : 12;
    if (!st) st = gmres(N, mw, z, budget);
    if (st) return st;
    double sum = 0.0;
    for (int k = 0; k < N; k++) mw->P[k] = cs[k] * z[k], sum += mw->P[k];
    for (int k = 0; k < N; k++) mw->P[k] /= sum;
    return QT_OK;
}
