/* Dense references for the three master equations (docs/physics.md sections
 * 2 and 6): the full d^2 x d^2 generator written from the site-basis
 * operators, independently of the sector solvers of me_chain.c.
 *
 * vec(rho) is row-major, (a, b) -> a d + b; the superoperator is
 * column-major. global and redfield are built in the eigenbasis of H_S
 * (dsyev; eigenvalues closer than tol are snapped to their mean, so w = 0
 * inside a degenerate cluster is exact); local in the original basis. Steady
 * state: the (0, 0) row replaced by Tr rho = 1, complex LU. */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>

#include "me.h"

/* ---- operators ------------------------------------------------------------ */

static void clear_ops(qt_operators *o, int d, int K)
{
    size_t dd = qt_square(d);
    o->d = d, o->K = K;
    memset(o->H, 0, dd * sizeof(double));
    memset(o->X, 0, qt_size(K) * dd * sizeof(double));
    memset(o->L, 0, qt_size(K) * dd * sizeof(double));
}

/* bath k lowers state `hi` to `lo` with bare frequency w */
static void set_jump(qt_operators *o, int k, int lo, int hi, double w)
{
    int d = o->d;
    double *L = o->L + qt_size(k) * qt_square(d), *X = o->X + qt_size(k) * qt_square(d);
    L[lo * d + hi] = 1.0;
    X[lo * d + hi] = X[hi * d + lo] = 1.0;
    o->w[k] = w;
}

int qt_operators_chain(const qt_chain *c, qt_me_workspace *mw)
{
    int N = c->N, d = 2 * N;
    if (d > mw->dense_max_d) return QT_ETOOLARGE;
    qt_operators *o = &mw->ops;
    clear_ops(o, d, N);
    for (int k = 0; k < N; k++) {
        o->H[(N + k) * d + N + k] = c->h[k];
        if (k + 1 < N) o->H[(N + k) * d + N + k + 1] = o->H[(N + k + 1) * d + N + k] = c->g[k];
        set_jump(o, k, k, N + k, c->h[k]);
        o->bath[k] = (qt_bath_params){c->T[k], c->gamma, c->spectral, c->bath};
    }
    return QT_OK;
}

int qt_operators_threelevel(qt_model model, const double E[3], double T1, double T2,
                            const qt_bath_params *proto, qt_me_workspace *mw)
{
    if (mw->dense_max_d < 3 || model == QT_MODEL_NSITE) return QT_EINVAL;
    qt_operators *o = &mw->ops;
    clear_ops(o, 3, 2);
    for (int a = 0; a < 3; a++) o->H[a * 3 + a] = E[a];
    for (int k = 0; k < 2; k++) {
        if (model == QT_MODEL_LAMBDA) /* |k> <- |e> */
            set_jump(o, k, k, 2, E[2] - E[k]);
        else /* vee: |g> <- |k+1> */
            set_jump(o, k, 0, k + 1, E[k + 1] - E[0]);
        o->bath[k] = *proto;
        o->bath[k].T = k == 0 ? T1 : T2;
    }
    return QT_OK;
}

/* ---- superoperator pieces (L column-major, D = d^2) ------------------------ */

/* rho -> s A rho B */
static void add_sandwich(double complex *L, int d, const double *A, const double *B,
                         double complex s)
{
    size_t D = qt_square(d);
    for (int a = 0; a < d; a++)
        for (int c = 0; c < d; c++) {
            double Aac = A[a * d + c];
            if (Aac == 0.0) continue;
            for (int e = 0; e < d; e++)
                for (int b = 0; b < d; b++)
                    if (B[e * d + b] != 0.0)
                        L[(size_t)(a * d + b) + (size_t)(c * d + e) * D] += s * Aac * B[e * d + b];
        }
}

/* rho -> s M rho */
static void add_left(double complex *L, int d, const double *M, double complex s)
{
    size_t D = qt_square(d);
    for (int a = 0; a < d; a++)
        for (int c = 0; c < d; c++)
            if (M[a * d + c] != 0.0)
                for (int b = 0; b < d; b++)
                    L[(size_t)(a * d + b) + (size_t)(c * d + b) * D] += s * M[a * d + c];
}

/* rho -> s rho M */
static void add_right(double complex *L, int d, const double *M, double complex s)
{
    size_t D = qt_square(d);
    for (int e = 0; e < d; e++)
        for (int b = 0; b < d; b++)
            if (M[e * d + b] != 0.0)
                for (int a = 0; a < d; a++)
                    L[(size_t)(a * d + b) + (size_t)(a * d + e) * D] += s * M[e * d + b];
}

/* out = op(A) op(B), row-major d x d */
static void matmul(int d, const double *A, int ta, const double *B, int tb, double *out)
{
    cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, d, d,
                d, 1.0, A, d, B, d, 0.0, out, d);
}

/* s (J rho J^T - 1/2 {J^T J, rho}) for a real jump operator J */
static void add_lindblad(qt_me_workspace *mw, const double *J, int transpose, double s)
{
    int d = mw->ops.d;
    double *Jt = mw->dwork, *K = mw->dwork + d * d, *Jop = K + d * d;
    for (int a = 0; a < d; a++)
        for (int b = 0; b < d; b++) {
            Jop[a * d + b] = transpose ? J[b * d + a] : J[a * d + b];
            Jt[b * d + a] = Jop[a * d + b];
        }
    add_sandwich(mw->Lsup, d, Jop, Jt, s);
    matmul(d, Jop, 1, Jop, 0, K);
    add_left(mw->Lsup, d, K, -0.5 * s);
    add_right(mw->Lsup, d, K, -0.5 * s);
}

/* rate of a jump releasing w into bath b; w = 0 inside tol */
static double rate_of(const qt_bath_params *b, double w, double tol)
{
    return fabs(w) <= tol ? qt_rate_zero(b) : qt_rate(b, w);
}

static int local_bath(qt_me_workspace *mw, int k)
{
    const qt_operators *o = &mw->ops;
    const double *Lk = o->L + qt_size(k) * qt_square(o->d);
    double down = rate_of(&o->bath[k], o->w[k], mw->tol);
    double up = rate_of(&o->bath[k], -o->w[k], mw->tol);
    if (isinf(down) || isinf(up)) return QT_EDIVERGENT;
    add_lindblad(mw, Lk, 0, down);
    add_lindblad(mw, Lk, 1, up);
    return QT_OK;
}

/* Lambda = X o G, G_ab = S(E_b - E_a) / 2;
 * D = Lambda rho X + X rho Lambda^T - X Lambda rho - rho Lambda^T X */
static int redfield_bath(qt_me_workspace *mw, int k)
{
    int d = mw->ops.d;
    const double *X = mw->Xe + qt_size(k) * qt_square(d);
    double *Lam = mw->dwork, *LamT = Lam + d * d, *M = LamT + d * d;
    for (int a = 0; a < d; a++)
        for (int b = 0; b < d; b++) {
            double x = X[a * d + b], s = 0.0;
            if (x != 0.0) s = rate_of(&mw->ops.bath[k], mw->E[b] - mw->E[a], mw->tol);
            if (isinf(s) && fabs(x) > QT_X_ZERO) return QT_EDIVERGENT;
            Lam[a * d + b] = isinf(s) ? 0.0 : 0.5 * s * x;
            LamT[b * d + a] = Lam[a * d + b];
        }
    add_sandwich(mw->Lsup, d, Lam, X, 1.0);
    add_sandwich(mw->Lsup, d, X, LamT, 1.0);
    matmul(d, X, 0, Lam, 0, M);
    add_left(mw->Lsup, d, M, -1.0);
    matmul(d, LamT, 0, X, 0, M);
    add_right(mw->Lsup, d, M, -1.0);
    return QT_OK;
}

/* nonzero entries of X_k sorted by Bohr frequency E_b - E_a (jump b -> a) */
static int sorted_entries(qt_me_workspace *mw, const double *X)
{
    int d = mw->ops.d, n = 0;
    for (int p = 0; p < d * d; p++) {
        if (X[p] == 0.0) continue;
        double w = mw->E[p % d] - mw->E[p / d];
        int j = n - 1;
        while (j >= 0 && mw->pw[j] > w) {
            mw->pw[j + 1] = mw->pw[j], mw->pair[j + 1] = mw->pair[j];
            j--;
        }
        mw->pw[j + 1] = w, mw->pair[j + 1] = p;
        n++;
    }
    return n;
}

/* one Bohr-frequency group [g0, g1): A rho A^T, and s A^T A into Kacc */
static void global_group(qt_me_workspace *mw, const double *X, int g0, int g1, double s,
                         double *Kacc)
{
    int d = mw->ops.d;
    size_t D = qt_square(d);
    for (int e1 = g0; e1 < g1; e1++) {
        int p1 = mw->pair[e1], a = p1 / d, b = p1 % d;
        for (int e2 = g0; e2 < g1; e2++) {
            int p2 = mw->pair[e2], a2 = p2 / d, b2 = p2 % d;
            double c = s * X[p1] * X[p2];
            mw->Lsup[(size_t)(a * d + a2) + (size_t)(b * d + b2) * D] += c;
            if (a2 == a) Kacc[b * d + b2] += c;
        }
    }
}

/* secular: jump operators A_w of Bohr frequencies grouped within tol */
static int global_bath(qt_me_workspace *mw, int k)
{
    int d = mw->ops.d;
    const double *X = mw->Xe + qt_size(k) * qt_square(d);
    double *Kacc = mw->dwork + 3 * d * d;
    memset(Kacc, 0, sizeof(double) * qt_square(d));
    int n = sorted_entries(mw, X);
    for (int g0 = 0, g1; g0 < n; g0 = g1) {
        for (g1 = g0 + 1; g1 < n && mw->pw[g1] - mw->pw[g1 - 1] <= mw->tol; g1++) {
        }
        double s = rate_of(&mw->ops.bath[k], mw->pw[g0], mw->tol);
        if (isinf(s)) {
            for (int e = g0; e < g1; e++)
                if (fabs(X[mw->pair[e]]) > QT_X_ZERO) return QT_EDIVERGENT;
            continue;
        }
        global_group(mw, X, g0, g1, s, Kacc);
    }
    add_left(mw->Lsup, d, Kacc, -0.5);
    add_right(mw->Lsup, d, Kacc, -0.5);
    return QT_OK;
}

typedef int (*bath_builder)(qt_me_workspace *mw, int k);
static const bath_builder bath_table[QT_N_MASTER_EQUATIONS] = {global_bath, local_bath,
                                                               redfield_bath};

/* Hamiltonian in the basis of the generator: H (local) or diag(E) */
static const double *basis_hamiltonian(qt_me_workspace *mw, qt_master_equation me)
{
    int d = mw->ops.d;
    if (me == QT_ME_LOCAL) return mw->ops.H;
    double *Hd = mw->dwork + 3 * d * d;
    memset(Hd, 0, sizeof(double) * qt_square(d));
    for (int a = 0; a < d; a++) Hd[a * d + a] = mw->E[a];
    return Hd;
}

/* the whole generator (kb < 0) or bath kb's dissipator alone */
static int build(qt_me_workspace *mw, qt_master_equation me, int kb)
{
    int d = mw->ops.d;
    size_t D = qt_square(d);
    memset(mw->Lsup, 0, sizeof(double complex) * D * D);
    for (int k = kb < 0 ? 0 : kb; k < (kb < 0 ? mw->ops.K : kb + 1); k++) {
        int st = bath_table[me](mw, k);
        if (st) return st;
    }
    if (kb >= 0) return QT_OK;
    const double *H = basis_hamiltonian(mw, me);
    add_left(mw->Lsup, d, H, -I);
    add_right(mw->Lsup, d, H, I);
    return QT_OK;
}

/* ---- eigenbasis ------------------------------------------------------------ */

static int eigenbasis(qt_me_workspace *mw)
{
    const qt_operators *o = &mw->ops;
    int d = o->d;
    memcpy(mw->Vd, o->H, sizeof(double) * qt_square(d)); /* symmetric: row = column major */
    lapack_int info =
        LAPACKE_dsyev_work(LAPACK_COL_MAJOR, 'V', 'U', d, mw->Vd, d, mw->E, mw->dwork, mw->ldwork);
    if (info) return QT_ELAPACK;
    for (int a0 = 0, a1; a0 < d; a0 = a1) { /* snap clusters to their mean */
        double s = mw->E[a0];
        for (a1 = a0 + 1; a1 < d && mw->E[a1] - mw->E[a1 - 1] <= mw->tol; a1++) s += mw->E[a1];
        for (int a = a0; a < a1; a++) mw->E[a] = s / (a1 - a0);
    }
    double *T = mw->dwork; /* X V, then V^T (X V); column-major = row-major (symmetric) */
    for (int k = 0; k < o->K; k++) {
        const double *X = o->X + qt_size(k) * qt_square(d);
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, d, d, d, 1.0, X, d, mw->Vd, d, 0.0,
                    T, d);
        cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, d, d, d, 1.0, mw->Vd, d, T, d, 0.0,
                    mw->Xe + qt_size(k) * qt_square(d), d);
    }
    return QT_OK;
}

/* ---- solve and checks ------------------------------------------------------- */

static int factor_and_solve(qt_me_workspace *mw, int d)
{
    size_t D = qt_square(d), ud = qt_size(d);
    lapack_int n;
    if (qt_blas_dim(D, &n)) return QT_ETOOLARGE;
    double complex *L = mw->Lsup;
    for (size_t c = 0; c < D; c++) L[c * D] = (c / ud == c % ud) ? 1.0 : 0.0;
    for (size_t r = 0; r < D; r++) mw->rho[r] = r == 0;
    double anorm = LAPACKE_zlange_work(LAPACK_COL_MAJOR, '1', n, n, L, n, mw->drwork);
    lapack_int info = LAPACKE_zgetrf_work(LAPACK_COL_MAJOR, n, n, L, n, mw->dipiv);
    if (info > 0) return QT_ENOTUNIQUE;
    if (info < 0) return QT_ELAPACK;
    double rcond = 0.0;
    info =
        LAPACKE_zgecon_work(LAPACK_COL_MAJOR, '1', n, L, n, anorm, &rcond, mw->dwork_c, mw->drwork);
    if (info || rcond < 1e-13) return QT_ENOTUNIQUE;
    info = LAPACKE_zgetrs_work(LAPACK_COL_MAJOR, 'N', n, 1, L, n, mw->dipiv, mw->rho, n);
    return info ? QT_ELAPACK : QT_OK;
}

static int apply(qt_me_workspace *mw, int d)
{
    blasint n;
    if (qt_blas_dim(qt_square(d), &n)) return QT_ETOOLARGE;
    cblas_zgemv(CblasColMajor, CblasNoTrans, n, n, &(double complex){1.0}, mw->Lsup, n, mw->rho, 1,
                &(double complex){0.0}, mw->y, 1);
    return QT_OK;
}

/* rho in the original basis: V rho V^T for the eigenbasis equations */
static void to_original_basis(qt_me_workspace *mw, qt_master_equation me)
{
    int d = mw->ops.d;
    for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++) {
            double complex s = 0.0;
            if (me == QT_ME_LOCAL) {
                s = mw->rho[i * d + j];
            } else {
                for (int a = 0; a < d; a++)
                    for (int b = 0; b < d; b++)
                        s += mw->Vd[i + a * d] * mw->rho[a * d + b] * mw->Vd[j + b * d];
            }
            mw->rho_re[i * d + j] = creal(s), mw->rho_im[i * d + j] = cimag(s);
        }
}

static double min_eigenvalue(qt_me_workspace *mw)
{
    int d = mw->ops.d;
    for (int a = 0; a < d; a++) /* column-major view of rho^T = conj(rho): same spectrum */
        for (int b = 0; b < d; b++)
            mw->zheev_a[a * d + b] = 0.5 * (mw->rho_re[a * d + b] + mw->rho_re[b * d + a]) +
                                     0.5 * I * (mw->rho_im[a * d + b] - mw->rho_im[b * d + a]);
    lapack_int info = LAPACKE_zheev_work(LAPACK_COL_MAJOR, 'N', 'U', d, mw->zheev_a, d, mw->zheev_w,
                                         mw->zheev_work, mw->zheev_lwork, mw->zheev_rwork);
    return info ? NAN : mw->zheev_w[0];
}

/* J_k = -Tr[H D_k(rho)] from bath k's own superoperator */
static int heat_currents(qt_me_workspace *mw, qt_master_equation me, double *heat)
{
    int d = mw->ops.d;
    for (int k = 0; k < mw->ops.K; k++) {
        int st = build(mw, me, k);
        if (st) return st;
        st = apply(mw, d);
        if (st) return st;
        const double *H = basis_hamiltonian(mw, me);
        double J = 0.0;
        for (int a = 0; a < d; a++)
            for (int b = 0; b < d; b++) J -= H[b * d + a] * creal(mw->y[a * d + b]);
        heat[k] = J;
    }
    return QT_OK;
}

int qt_dense_me_solve(qt_me_workspace *mw, qt_master_equation me, double *heat, double *residual,
                      double *min_eig)
{
    int d = mw->ops.d;
    if (d > mw->dense_max_d || d < 1) return QT_ETOOLARGE;
    if ((int)me < 0 || me >= QT_N_MASTER_EQUATIONS) return QT_EINVAL;
    int st = me == QT_ME_LOCAL ? QT_OK : eigenbasis(mw);
    if (!st) st = build(mw, me, -1);
    if (!st) st = factor_and_solve(mw, d);
    if (st) return st;
    build(mw, me, -1); /* the LU overwrote it */
    st = apply(mw, d);
    if (st) return st;
    double res = 0.0;
    for (int r = 0; r < d * d; r++) res += cabs(mw->y[r]);
    *residual = res;
    st = heat_currents(mw, me, heat);
    if (st) return st;
    to_original_basis(mw, me);
    *min_eig = min_eigenvalue(mw);
    return QT_OK;
}

int qt_dense_me_point(qt_me_workspace *mw, qt_master_equation me, int chain, qt_result *r)
{
    int st = qt_dense_me_solve(mw, me, r->heat_current, &r->residual, &r->min_eigenvalue);
    if (st) return st;
    const qt_operators *o = &mw->ops;
    int d = o->d, N = chain ? d / 2 : d;
    double trace = 0.0, energy = 0.0;
    for (int i = 0; i < d; i++) {
        trace += mw->rho_re[i * d + i];
        for (int j = 0; j < d; j++) energy += o->H[i * d + j] * mw->rho_re[j * d + i];
    }
    for (int k = 0; k < N; k++)
        r->population[k] = mw->rho_re[k * d + k] + (chain ? mw->rho_re[(N + k) * d + N + k] : 0.0);
    r->n_pop = N;
    r->n_baths = o->K;
    r->energy = energy;
    r->trace_error = fabs(trace - 1.0);
    r->path = QT_PATH_DENSE;
    return QT_OK;
}
