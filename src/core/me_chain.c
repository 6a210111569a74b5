/* Local and Bloch-Redfield steady states of the N-site chain in the sector
 * of docs/physics.md section 6: N ground populations P_k and the N x N
 * Hermitian excited block R,
 *   dP_k/dt = -alpha_k P_k + Re(u_k^T R c_k),
 *   dR/dt   = -(A R + R A^dag) + sum_k P_k (v_k c_k^T + c_k v_k^T),
 * A = i H + B, B = C^T U / 2 (rows of C, U, V: c_k, u_k, v_k).
 * Redfield works in the excited eigenbasis (H = diag(eps), c_k = psi rows),
 * local in the site basis (H = the excited block, c_k = e_k).
 *
 * Elimination of R: with A = W diag(d) W^-1, the unit source of P_j becomes
 * R~_ab = (y_ja x_jb^* + x_ja y_jb^*) / (d_a + d_b^*) (x_j = W^-1 c_j,
 * y_j = W^-1 v_j), and Re(u_k^T R c_k) = Re sum_ab p_ka q_kb R~_ab
 * (p_k = W^T u_k, q_k = W^dag c_k). R~ is Hermitian, so the sum runs over
 * a <= b with real "features"; the N x N matrix K_kj is one dgemm with
 * inner dimension N^2 (2 N^4 flops, blocked). When W is ill-conditioned
 * (Gamma above the level spacing) the Schur form A = Z T Z^dag is used
 * instead (W = Z unitary): each R~ then solves a triangular Lyapunov
 * equation, in batches of sources with level-3 BLAS (about N^3 / 2 complex
 * multiply-adds per source), and the same feature dgemm reads K out.
 * K minus diag(alpha) is a generator with zero column sums: GTH when its
 * off-diagonal entries are non-negative (always for local: R^(j) is
 * positive semidefinite), LU with a normalisation row otherwise. */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>

#include "me.h"

/* rate of a jump releasing w; w = 0 within tol. Infinite for a flat w = 0
 * rate: the caller decides whether the jump is there. */
static double rate_of(const qt_bath_params *b, double w, double tol)
{
    return fabs(w) <= tol ? qt_rate_zero(b) : qt_rate(b, w);
}

static qt_bath_params chain_bath(const qt_chain *c, int k)
{
    return (qt_bath_params){c->T[k], c->gamma, c->spectral, c->bath};
}

/* redfield: excited eigenbasis, c_ka = psi(k, a), u = c S(eps), v = c S(-eps)/2 */
static int redfield_setup(const qt_chain *c, qt_me_workspace *mw)
{
    int N = c->N;
    size_t nn = qt_square(N);
    memset(mw->Hx, 0, nn * sizeof(double));
    for (int a = 0; a < N; a++) mw->Hx[qt_offset(a, a, N)] = c->eps[a];
    for (int k = 0; k < N; k++) {
        qt_bath_params b = chain_bath(c, k);
        mw->alpha[k] = 0.0;
        for (int a = 0; a < N; a++) {
            size_t i = qt_offset(k, a, N);
            double ck = c->psi[i];
            double em = rate_of(&b, c->eps[a], mw->tol), ab = rate_of(&b, -c->eps[a], mw->tol);
            if ((isinf(em) || isinf(ab)) && fabs(ck) > QT_X_ZERO) return QT_EDIVERGENT;
            if (isinf(em) || isinf(ab)) em = ab = 0.0;
            mw->C[i] = ck, mw->U[i] = ck * em, mw->V[i] = 0.5 * ck * ab;
            mw->alpha[k] += ck * ck * ab;
        }
    }
    mw->sector_basis = 1;
    return QT_OK;
}

/* local: site basis, c_k = e_k, u_k = S(h_k) e_k, v_k = S(-h_k)/2 e_k */
static int local_setup(const qt_chain *c, qt_me_workspace *mw)
{
    int N = c->N;
    size_t nn = qt_square(N);
    memset(mw->Hx, 0, nn * sizeof(double));
    memset(mw->C, 0, nn * sizeof(double));
    memset(mw->U, 0, nn * sizeof(double));
    memset(mw->V, 0, nn * sizeof(double));
    for (int k = 0; k < N; k++) {
        size_t i = qt_offset(k, k, N);
        qt_bath_params b = chain_bath(c, k);
        double em = rate_of(&b, c->h[k], mw->tol), ab = rate_of(&b, -c->h[k], mw->tol);
        if (isinf(em) || isinf(ab)) return QT_EDIVERGENT;
        mw->Hx[i] = c->h[k];
        if (k + 1 < N) mw->Hx[i + 1] = mw->Hx[i + qt_size(N)] = c->g[k];
        mw->C[i] = 1.0, mw->U[i] = em, mw->V[i] = 0.5 * ab;
        mw->alpha[k] = ab;
    }
    mw->sector_basis = 0;
    return QT_OK;
}

static void to_complex(size_t n, const double *x, double complex *z)
{
    for (size_t i = 0; i < n; i++) z[i] = x[i];
}

static void zmul(int N, CBLAS_TRANSPOSE ta, const double complex *A, CBLAS_TRANSPOSE tb,
                 const double complex *B, double complex *out)
{
    const double complex one = 1.0, zero = 0.0;
    cblas_zgemm(CblasColMajor, ta, tb, N, N, N, &one, A, N, B, N, &zero, out, N);
}

/* Schur form A = Z T Z^dag (Z in W, T in mw->T, its diagonal in dA) */
static int schur_form(int N, qt_me_workspace *mw)
{
    size_t nn = qt_square(N);
    lapack_int sdim = 0;
    memcpy(mw->T, mw->A, nn * sizeof(double complex));
    lapack_int info = LAPACKE_zgees_work(LAPACK_COL_MAJOR, 'V', 'N', NULL, N, mw->T, N, &sdim,
                                         mw->dA, mw->W, N, mw->zwork, mw->lzwork, mw->rwork, NULL);
    return info ? QT_ELAPACK : QT_OK;
}

/* the Schur route: W = Z, W^-1 = Z^dag */
static int use_schur(int N, qt_me_workspace *mw)
{
    for (int b = 0; b < N; b++)
        for (int a = 0; a < N; a++) mw->Wi[qt_offset(b, a, N)] = conj(mw->W[qt_offset(a, b, N)]);
    mw->schur = 1;
    return QT_OK;
}

/* eigenvectors Z V of A from those V of T, columns of unit 2-norm, into Z1 */
static int eigenvectors(int N, qt_me_workspace *mw)
{
    size_t nn = qt_square(N);
    lapack_int m = 0;
    memcpy(mw->Z1, mw->W, nn * sizeof(double complex));
    if (LAPACKE_ztrevc_work(LAPACK_COL_MAJOR, 'R', 'B', NULL, N, mw->T, N, NULL, 1, mw->Z1, N, N,
                            &m, mw->zwork, mw->rwork))
        return QT_ELAPACK;
    for (int a = 0; a < N; a++) {
        double complex *v = mw->Z1 + qt_size(a) * qt_size(N);
        double norm = cblas_dznrm2(N, v, 1);
        for (int i = 0; i < N; i++) v[i] /= norm;
    }
    return QT_OK;
}

/* A = i H + C^T U / 2; its Schur form, then its eigenvectors W and W^-1
 * when they are well conditioned (else the Schur route) */
static int diagonalise(int N, qt_me_workspace *mw)
{
    size_t nn = qt_square(N);
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, N, N, N, 0.5, mw->C, N, mw->U, N, 0.0,
                mw->Sre, N);
    for (size_t i = 0; i < nn; i++) mw->A[i] = I * mw->Hx[i] + mw->Sre[i];
    mw->schur = 0;
    int st = schur_form(N, mw);
    if (st) return st;
    for (int a = 0; a < N; a++) /* every excited mode must decay */
        if (!(creal(mw->dA[a]) > 0.0)) return QT_ENOTUNIQUE;
    if (mw->force_schur) return use_schur(N, mw);
    if ((st = eigenvectors(N, mw))) return st;
    memcpy(mw->Wi, mw->Z1, nn * sizeof(double complex));
    double nw = LAPACKE_zlange_work(LAPACK_COL_MAJOR, '1', N, N, mw->Z1, N, mw->rwork);
    if (LAPACKE_zgetrf_work(LAPACK_COL_MAJOR, N, N, mw->Wi, N, mw->ipiv)) return use_schur(N, mw);
    double rcond = 0.0; /* the estimate first: no inverse when it is hopeless */
    if (LAPACKE_zgecon_work(LAPACK_COL_MAJOR, '1', N, mw->Wi, N, nw, &rcond, mw->zwork,
                            mw->rwork) ||
        !(rcond * mw->eigen_cond_max >= 1.0))
        return use_schur(N, mw);
    if (LAPACKE_zgetri_work(LAPACK_COL_MAJOR, N, mw->Wi, N, mw->ipiv, mw->zwork, mw->lzwork))
        return QT_ELAPACK;
    double nwi = LAPACKE_zlange_work(LAPACK_COL_MAJOR, '1', N, N, mw->Wi, N, mw->rwork);
    if (nw * nwi > mw->eigen_cond_max) return use_schur(N, mw);
    memcpy(mw->W, mw->Z1, nn * sizeof(double complex));
    return QT_OK;
}

/* XT[j + a N] = x_ja, YT = y, PT[k + a N] = p_ka, QT = q; Z1 = Cauchy matrix */
static void transform(int N, qt_me_workspace *mw)
{
    size_t nn = qt_square(N);
    to_complex(nn, mw->C, mw->Z2);
    zmul(N, CblasNoTrans, mw->Z2, CblasTrans, mw->Wi, mw->XT);
    for (size_t i = 0; i < nn; i++) mw->Z1[i] = conj(mw->W[i]);
    zmul(N, CblasNoTrans, mw->Z2, CblasNoTrans, mw->Z1, mw->QT);
    to_complex(nn, mw->V, mw->Z2);
    zmul(N, CblasNoTrans, mw->Z2, CblasTrans, mw->Wi, mw->YT);
    to_complex(nn, mw->U, mw->Z2);
    zmul(N, CblasNoTrans, mw->Z2, CblasNoTrans, mw->W, mw->PT);
    double *pr = mw->PQs, *pi = pr + nn, *qr = pi + nn, *qi = qr + nn;
    for (size_t i = 0; i < nn; i++)
        pr[i] = creal(mw->PT[i]), pi[i] = cimag(mw->PT[i]), qr[i] = creal(mw->QT[i]),
        qi[i] = cimag(mw->QT[i]);
    if (mw->schur) return;
    for (int b = 0; b < N; b++)
        for (int a = 0; a < N; a++)
            mw->Z1[qt_offset(a, b, N)] = 1.0 / (mw->dA[a] + conj(mw->dA[b]));
}

/* features of the pair (a, b), a <= b, into F columns t (and t + 1): the
 * readout Re sum_ab p_ka q_kb R_ab of a Hermitian R is sum_t F_kt G_t with
 * G = (Re R_aa) or (Re R_ab, Im R_ab); p, q split into real and imaginary
 * parts (PQs) so that the loops vectorise */
static int pack_features(int N, qt_me_workspace *mw, int a, int b, int t)
{
    size_t nn = qt_square(N);
    const double *pra = mw->PQs + qt_size(a) * qt_size(N), *pia = pra + nn, *qra = pia + nn,
                 *qia = qra + nn;
    const double *prb = mw->PQs + qt_size(b) * qt_size(N), *pib = prb + nn, *qrb = pib + nn,
                 *qib = qrb + nn;
    double *F0 = mw->F + qt_size(t) * qt_size(N);
    if (a == b) {
        for (int k = 0; k < N; k++) F0[k] = pra[k] * qra[k] - pia[k] * qia[k];
        return 1;
    }
    double *F1 = F0 + N;
    for (int k = 0; k < N; k++) {
        F0[k] = pra[k] * qrb[k] - pia[k] * qib[k] + prb[k] * qra[k] - pib[k] * qia[k];
        F1[k] = prb[k] * qia[k] + pib[k] * qra[k] - pra[k] * qib[k] - pia[k] * qrb[k];
    }
    return 2;
}

/* features of the pair (a, b) and the Cauchy-divided sources R^(j)_ab into
 * G columns t (and t + 1) */
static int pack_pair(int N, qt_me_workspace *mw, int a, int b, int t)
{
    const double complex *xa = mw->XT + qt_size(a) * qt_size(N),
                         *xb = mw->XT + qt_size(b) * qt_size(N);
    const double complex *ya = mw->YT + qt_size(a) * qt_size(N),
                         *yb = mw->YT + qt_size(b) * qt_size(N);
    double complex cab = mw->Z1[qt_offset(a, b, N)];
    double *G0 = mw->G + qt_size(t) * qt_size(N), *G1 = G0 + N;
    if (a == b) {
        for (int j = 0; j < N; j++) G0[j] = 2.0 * creal(cab) * creal(ya[j] * conj(xa[j]));
        return pack_features(N, mw, a, b, t);
    }
    for (int j = 0; j < N; j++) {
        double complex Rab = cab * (ya[j] * conj(xb[j]) + xa[j] * conj(yb[j]));
        G0[j] = creal(Rab), G1[j] = cimag(Rab);
    }
    return pack_features(N, mw, a, b, t);
}

/* K_kj = Re(u_k^T R^(j) c_k), blocked over the N^2 features */
static void eliminate_eigen(int N, qt_me_workspace *mw)
{
    int t = 0, first = 1;
    for (int a = 0; a < N; a++)
        for (int b = a; b < N; b++) {
            if (t + 2 > mw->feat_block && t > 0) {
                cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, N, N, t, 1.0, mw->F, N, mw->G,
                            N, first ? 0.0 : 1.0, mw->Kmat, N);
                first = 0, t = 0;
            }
            t += pack_pair(N, mw, a, b, t);
        }
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, N, N, t, 1.0, mw->F, N, mw->G, N,
                first ? 0.0 : 1.0, mw->Kmat, N);
}

/* ---- Schur route: a batch of nb sources at once ------------------------
 * With A = Z T Z^dag (T upper triangular), source j solves
 * T X + X T^dag = y_j x_j^dag + x_j y_j^dag (x_j = Z^dag c_j, y_j = Z^dag v_j).
 * X is Hermitian: only its upper triangle is solved. Column b (rows a <= b):
 *   (T + conj(T_bb)) X(0:b, b) = S(0:b, b) - sum_{e > b} X(0:b, e) conj(T_be)
 *                                - sum_{e > b} T(0:b, e) conj(X(b, e)),
 * every term on the right from columns e > b (X(e, b) = conj(X(b, e))).
 * Xb holds X^(j0 + jj)_ab at jj + nb (a + N b): the sources run fastest, so
 * the coupling of a block of columns to the solved ones is one zgemm per
 * term for the whole batch, and each shifted triangular solve one ztrsm. */
static double complex *xb_at(const qt_me_workspace *mw, int N, int nb, int jj, int a, int b)
{
    return mw->Xb + jj + qt_size(nb) * qt_offset(a, b, N);
}

/* the sources of j0 .. j0 + nb - 1 (whole columns: rows below the diagonal
 * are scratch, never read) */
static void schur_sources(int N, qt_me_workspace *mw, int j0, int nb)
{
    for (int b = 0; b < N; b++) {
        const double complex *xb = mw->XT + qt_offset(j0, b, N), *yb = mw->YT + qt_offset(j0, b, N);
        for (int a = 0; a < N; a++) {
            const double complex *xa = mw->XT + qt_offset(j0, a, N),
                                 *ya = mw->YT + qt_offset(j0, a, N);
            double complex *s = xb_at(mw, N, nb, 0, a, b);
            for (int jj = 0; jj < nb; jj++) s[jj] = ya[jj] * conj(xb[jj]) + xa[jj] * conj(yb[jj]);
        }
    }
}

/* columns [b0, b1) minus their coupling to the solved columns [e0, e1)
 * (e0 >= b1), in chunks of QT_ME_SCHUR_LB columns: rows a < end of chunk */
static void schur_couple(int N, qt_me_workspace *mw, int nb, int b0, int b1, int e0, int e1)
{
    const double complex one = 1.0, minus = -1.0, zero = 0.0;
    int ld = N * nb, K = e1 - e0, chunk = mw->schur_chunk;
    double complex *D = mw->Xd;
    chunk = chunk < 1 || chunk > QT_ME_SCHUR_LB ? QT_ME_SCHUR_LB : chunk; /* Xd's size */
    for (int c1 = b1; c1 > b0; c1 -= chunk) {
        int c0 = c1 - chunk > b0 ? c1 - chunk : b0, w = c1 - c0;
        /* X(0:c1, b) -= sum_e X(0:c1, e) conj(T_be) */
        cblas_zgemm(CblasColMajor, CblasNoTrans, CblasConjTrans, nb * c1, w, K, &minus,
                    xb_at(mw, N, nb, 0, 0, e0), ld, mw->T + qt_offset(c0, e0, N), N, &one,
                    xb_at(mw, N, nb, 0, 0, c0), ld);
        /* D[(jj, b), a] = sum_e X(b, e) conj(T_ae), then X(a, b) -= conj(D), a <= b */
        cblas_zgemm(CblasColMajor, CblasNoTrans, CblasConjTrans, nb * w, c1, K, &one,
                    xb_at(mw, N, nb, 0, c0, e0), ld, mw->T + qt_size(e0) * qt_size(N), N, &zero, D,
                    nb * w);
        for (int b = c0; b < c1; b++)
            for (int a = 0; a <= b; a++) {
                double complex *x = xb_at(mw, N, nb, 0, a, b);
                const double complex *d = D + qt_size(nb) * qt_offset(b - c0, a, w);
                for (int jj = 0; jj < nb; jj++) x[jj] -= conj(d[jj]);
            }
    }
}

/* column b of every source: coupling to the columns b < e < b1, then the
 * shifted triangular solve (T's diagonal shifted in place and restored) */
static void schur_column(int N, qt_me_workspace *mw, int nb, int b, int b1)
{
    const double complex one = 1.0, minus = -1.0, zero = 0.0;
    int m = b1 - b - 1, ld = N * nb;
    double complex *row = mw->zwork, *x = xb_at(mw, N, nb, 0, 0, b), *T = mw->T, *E = mw->Xd;
    if (m > 0) {
        for (int e = 0; e < m; e++) row[e] = conj(T[qt_offset(b, b + 1 + e, N)]);
        cblas_zgemv(CblasColMajor, CblasNoTrans, nb * (b + 1), m, &minus,
                    xb_at(mw, N, nb, 0, 0, b + 1), ld, row, 1, &one, x, 1);
        cblas_zgemm(CblasColMajor, CblasNoTrans, CblasConjTrans, nb, b + 1, m, &one,
                    xb_at(mw, N, nb, 0, b, b + 1), ld, T + qt_size(b + 1) * qt_size(N), N, &zero, E,
                    nb);
        for (size_t i = 0; i < qt_size(nb) * qt_size(b + 1); i++) x[i] -= conj(E[i]);
    }
    double complex shift = conj(mw->dA[b]); /* dA = diag(T) on the Schur route */
    for (int a = 0; a <= b; a++) T[qt_offset(a, a, N)] = mw->dA[a] + shift;
    cblas_ztrsm(CblasColMajor, CblasRight, CblasUpper, CblasTrans, CblasNonUnit, nb, b + 1, &one, T,
                N, x, nb);
    for (int a = 0; a <= b; a++) T[qt_offset(a, a, N)] = mw->dA[a];
}

/* columns [b0, b1), their coupling to the columns >= b1 already applied:
 * recursive halves, so that nearly all of the work is in large zgemms */
static void schur_solve_range(int N, qt_me_workspace *mw, int nb, int b0, int b1)
{
    if (b1 - b0 <= 4) {
        for (int b = b1 - 1; b >= b0; b--) schur_column(N, mw, nb, b, b1);
        return;
    }
    int mid = (b0 + b1) / 2;
    schur_solve_range(N, mw, nb, mid, b1);
    schur_couple(N, mw, nb, b0, mid, mid, b1);
    schur_solve_range(N, mw, nb, b0, mid);
}

/* K(:, j0 .. j0 + nb - 1) = F G^T over the features, G from the upper triangles */
static void schur_readout(int N, qt_me_workspace *mw, int j0, int nb)
{
    int t = 0, first = 1;
    double *K = mw->Kmat + qt_size(j0) * qt_size(N);
    for (int a = 0; a < N; a++)
        for (int b = a; b < N; b++) {
            if (t + 2 > mw->feat_block && t > 0) {
                cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, N, nb, t, 1.0, mw->F, N, mw->G,
                            nb, first ? 0.0 : 1.0, K, N);
                first = 0, t = 0;
            }
            const double complex *x = xb_at(mw, N, nb, 0, a, b);
            double *G0 = mw->G + qt_size(nb) * qt_size(t), *G1 = G0 + nb;
            for (int jj = 0; jj < nb; jj++) G0[jj] = creal(x[jj]);
            if (a != b)
                for (int jj = 0; jj < nb; jj++) G1[jj] = cimag(x[jj]);
            t += pack_features(N, mw, a, b, t);
        }
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, N, nb, t, 1.0, mw->F, N, mw->G, nb,
                first ? 0.0 : 1.0, K, N);
}

/* Schur form: the sources in batches, K_kj = Re sum_ab p_ka X^(j)_ab q_kb */
static int eliminate_schur(int N, qt_me_workspace *mw)
{
    for (int j0 = 0; j0 < N; j0 += mw->schur_batch) {
        int nb = N - j0 < mw->schur_batch ? N - j0 : mw->schur_batch;
        schur_sources(N, mw, j0, nb);
        schur_solve_range(N, mw, nb, 0, N);
        schur_readout(N, mw, j0, nb);
    }
    return QT_OK;
}

/* In the basis of W (eigen or Schur) the excited block solves
 * D Rt + Rt D^dag = S for a Hermitian numerator S: entrywise Cauchy
 * division for the eigenbasis, the Schur route's solver with one source
 * (Xb with nb = 1 is S's column-major layout) for the Schur form. */
void qt_me_lyapunov(int N, qt_me_workspace *mw, double complex *S)
{
    size_t nn = qt_square(N);
    if (!mw->schur) {
        for (size_t i = 0; i < nn; i++) S[i] *= mw->Z1[i];
        return;
    }
    memcpy(mw->Xb, S, nn * sizeof(double complex));
    schur_solve_range(N, mw, 1, 0, N);
    for (int b = 0; b < N; b++)
        for (int a = 0; a <= b; a++) {
            S[qt_offset(a, b, N)] = mw->Xb[qt_offset(a, b, N)];
            S[qt_offset(b, a, N)] = conj(mw->Xb[qt_offset(a, b, N)]);
        }
}

static int eliminate(int N, qt_me_workspace *mw)
{
    if (mw->schur) return eliminate_schur(N, mw);
    eliminate_eigen(N, mw);
    return QT_OK;
}

/* M = (K - diag(alpha) with row 0 the normalisation sum_j P_j) equilibrated,
 * Dr M Dc, into M and LU-factored; cs = Dc, rs = Dr. Rates span decades at
 * low temperature: without the column (unknowns' scales) and row scaling
 * tiny populations came out with O(1) relative errors. */
int qt_me_equilibrated_lu(int N, const double *K, const double *alpha, double *M, double *cs,
                          double *rs, int *ipiv, double *work, int *iwork)
{
    for (int j = 0; j < N; j++) {
        cs[j] = 0.0;
        for (int k = 1; k < N; k++) {
            double m = K[qt_offset(k, j, N)] - (k == j ? alpha[k] : 0.0);
            M[qt_offset(k, j, N)] = m;
            cs[j] = fmax(cs[j], fabs(m));
        }
        cs[j] = cs[j] > 0.0 ? 1.0 / cs[j] : 1.0;
        M[qt_size(j) * qt_size(N)] = 1.0;
    }
    for (int k = 0; k < N; k++) rs[k] = 0.0;
    for (int j = 0; j < N; j++)
        for (int k = 0; k < N; k++) {
            M[qt_offset(k, j, N)] *= cs[j];
            rs[k] = fmax(rs[k], fabs(M[qt_offset(k, j, N)]));
        }
    for (int k = 0; k < N; k++) rs[k] = rs[k] > 0.0 ? 1.0 / rs[k] : 1.0;
    for (int j = 0; j < N; j++)
        for (int k = 0; k < N; k++) M[qt_offset(k, j, N)] *= rs[k];
    double anorm = LAPACKE_dlange_work(LAPACK_COL_MAJOR, '1', N, N, M, N, work);
    if (LAPACKE_dgetrf_work(LAPACK_COL_MAJOR, N, N, M, N, ipiv)) return QT_ENOTUNIQUE;
    double rcond = 0.0;
    if (LAPACKE_dgecon_work(LAPACK_COL_MAJOR, '1', N, M, N, anorm, &rcond, work, iwork) ||
        rcond < 1e-15)
        return QT_ENOTUNIQUE;
    return QT_OK;
}

/* ground populations (sum 1) from K - diag(alpha) */
static int ground_populations(int N, qt_me_workspace *mw)
{
    double *K = mw->Kmat;
    int nonneg = 1;
    for (int j = 0; j < N && nonneg; j++)
        for (int k = 0; k < N; k++)
            if (k != j && !(K[qt_offset(k, j, N)] >= 0.0)) nonneg = 0;
    if (N == 1) {
        mw->P[0] = 1.0;
        return QT_OK;
    }
    if (nonneg) /* K column-major (k, j) = rate j -> k = row-major Q[j][k] */
        return qt_gth(N, K, N, mw->P, mw->gwork) ? QT_ENOTUNIQUE : QT_OK;
    double *M = mw->Sre, *cs = mw->gwork, *rs = mw->gwork + N, *work = mw->gwork + 2 * N;
    int st = qt_me_equilibrated_lu(N, K, mw->alpha, M, cs, rs, mw->ipiv, work, mw->iwork);
    if (st) return st;
    for (int k = 0; k < N; k++) mw->P[k] = k == 0 ? rs[0] : 0.0; /* P = Dc z */
    if (LAPACKE_dgetrs_work(LAPACK_COL_MAJOR, 'N', N, 1, M, N, mw->ipiv, mw->P, N))
        return QT_ELAPACK;
    for (int k = 0; k < N; k++) mw->P[k] *= cs[k];
    return QT_OK;
}

void qt_me_source(int N, const qt_me_workspace *mw, const double *P, double complex *S,
                  double complex *scratch)
{
    for (int a = 0; a < N; a++)
        for (int j = 0; j < N; j++) {
            size_t i = qt_offset(j, a, N);
            S[i] = P[j] * conj(mw->XT[i]);
        }
    zmul(N, CblasTrans, mw->YT, CblasNoTrans, S, scratch); /* Y^T diag(P) X^* */
    for (int b = 0; b < N; b++)
        for (int a = 0; a < N; a++)
            S[qt_offset(a, b, N)] = scratch[qt_offset(a, b, N)] + conj(scratch[qt_offset(b, a, N)]);
}

/* R = W (Cauchy o S) W^dag for the source S of P; then trace 1 */
static int excited_block(int N, qt_me_workspace *mw)
{
    size_t nn = qt_square(N);
    qt_me_source(N, mw, mw->P, mw->QT, mw->PT);
    qt_me_lyapunov(N, mw, mw->QT);
    zmul(N, CblasNoTrans, mw->W, CblasNoTrans, mw->QT, mw->PT);
    zmul(N, CblasNoTrans, mw->PT, CblasConjTrans, mw->W, mw->R);
    double total = 0.0;
    for (int a = 0; a < N; a++) total += mw->P[a] + creal(mw->R[qt_offset(a, a, N)]);
    for (int b = 0; b < N; b++) /* Hermitian part, normalised */
        for (int a = 0; a <= b; a++) {
            size_t i = qt_offset(a, b, N), it = qt_offset(b, a, N);
            double complex h = 0.5 * (mw->R[i] + conj(mw->R[it])) / total;
            mw->R[i] = h, mw->R[it] = conj(h);
        }
    for (int a = 0; a < N; a++) mw->P[a] /= total;
    for (size_t i = 0; i < nn; i++) mw->Rre[i] = creal(mw->R[i]);
    return QT_OK;
}

static void dmul(int N, CBLAS_TRANSPOSE ta, const double *A, const double *B, double *out)
{
    cblas_dgemm(CblasColMajor, ta, CblasNoTrans, N, N, N, 1.0, A, N, B, N, 0.0, out, N);
}

/* sum_b X[k, b] Y[k, b] for every k (column-major) */
static void row_dots(int N, const double *X, const double *Y, double *out)
{
    for (int k = 0; k < N; k++) out[k] = 0.0;
    for (int b = 0; b < N; b++)
        for (int k = 0; k < N; k++) out[k] += X[qt_offset(k, b, N)] * Y[qt_offset(k, b, N)];
}

/* site populations p_k = P_k + (C^T-basis R)_kk = P_k + (C Re(R) C^T)_kk */
static void site_populations(int N, qt_me_workspace *mw, double *p)
{
    dmul(N, CblasNoTrans, mw->C, mw->Rre, mw->Kmat);
    row_dots(N, mw->Kmat, mw->C, mw->site_diag);
    for (int k = 0; k < N; k++) p[k] = mw->P[k] + mw->site_diag[k];
}

/* heat currents J_k = Re(u_k^T R H c_k) - 2 P_k v_k^T H c_k and |dP_k/dt| */
static double ground_checks(int N, qt_me_workspace *mw, double *heat)
{
    double *UR = mw->Kmat, *CH = mw->Sre, *t = mw->site_diag, res = 0.0;
    dmul(N, CblasNoTrans, mw->U, mw->Rre, UR);
    dmul(N, CblasNoTrans, mw->C, mw->Hx, CH); /* rows (H c_k)^T: H symmetric */
    row_dots(N, UR, CH, heat);
    row_dots(N, mw->V, CH, t);
    for (int k = 0; k < N; k++) heat[k] -= 2.0 * mw->P[k] * t[k];
    row_dots(N, UR, mw->C, t);
    for (int k = 0; k < N; k++) res += fabs(t[k] - mw->alpha[k] * mw->P[k]);
    return res;
}

/* entrywise 1-norm of dR/dt = -(A R + R A^dag) + V^T diag(P) C + C^T diag(P) V */
static double excited_residual(int N, qt_me_workspace *mw)
{
    for (int a = 0; a < N; a++)
        for (int k = 0; k < N; k++)
            mw->Sre[qt_offset(k, a, N)] = mw->P[k] * mw->C[qt_offset(k, a, N)];
    dmul(N, CblasTrans, mw->V, mw->Sre, mw->Kmat);
    zmul(N, CblasNoTrans, mw->A, CblasNoTrans, mw->R, mw->PT);
    double res = 0.0;
    for (int b = 0; b < N; b++)
        for (int a = 0; a < N; a++) {
            size_t i = qt_offset(a, b, N), it = qt_offset(b, a, N);
            res += cabs(mw->Kmat[i] + mw->Kmat[it] - mw->PT[i] - conj(mw->PT[it]));
        }
    return res;
}

static double min_eigenvalue(int N, qt_me_workspace *mw)
{
    double m = INFINITY;
    for (int k = 0; k < N; k++) m = fmin(m, mw->P[k]);
    memcpy(mw->Z1, mw->R, qt_square(N) * sizeof(double complex));
    double *w = mw->Rre; /* Re(R) is no longer needed */
    lapack_int info = LAPACKE_zheev_work(LAPACK_COL_MAJOR, 'N', 'U', N, mw->Z1, N, w, mw->zwork,
                                         mw->lzwork, mw->rwork);
    return info ? NAN : fmin(m, w[0]);
}

static void observables(int N, qt_me_workspace *mw, qt_result *r)
{
    double trace = 0.0, energy = 0.0;
    for (int k = 0; k < N; k++) trace += mw->P[k] + mw->Rre[qt_offset(k, k, N)];
    for (size_t i = 0; i < qt_square(N); i++) energy += mw->Hx[i] * mw->Rre[i];
    site_populations(N, mw, r->population);
    r->residual = ground_checks(N, mw, r->heat_current) + excited_residual(N, mw);
    r->energy = energy;
    r->trace_error = fabs(trace - 1.0);
    r->min_eigenvalue = min_eigenvalue(N, mw);
    r->n_pop = r->n_baths = N;
}

typedef int (*sector_setup)(const qt_chain *c, qt_me_workspace *mw);

/* the refinement route: long chains on the Schur route (me_refine.c) */
static int use_refinement(int N, const qt_me_workspace *mw)
{
    if (mw->refine_mode < 0 || N < 2 || !mw->schur) return 0;
    return mw->refine_mode > 0 || N >= QT_ME_REFINE_MIN_N;
}

static int sector_attempt(int N, qt_me_workspace *mw, qt_result *r)
{
    int st = diagonalise(N, mw);
    if (st) return st;
    transform(N, mw);
    mw->refined = 0;
    if (use_refinement(N, mw)) mw->refined = qt_me_refine_populations(N, mw) == QT_OK;
    if (!mw->refined) {
        st = eliminate(N, mw);
        if (!st) st = ground_populations(N, mw);
    }
    if (!st) st = excited_block(N, mw);
    if (!st) observables(N, mw, r);
    return st;
}

/* scale of the generator: largest |eigenvalue of A| (energy and decay) or
 * absorption rate alpha_k; the residual's rounding floor is ~1e-16 of it */
static double rate_scale(int N, const qt_me_workspace *mw)
{
    double s = 0.0;
    for (int k = 0; k < N; k++) s = fmax(s, fmax(mw->alpha[k], cabs(mw->dA[k])));
    return s;
}

static int chain_solve(const qt_chain *c, qt_me_workspace *mw, qt_result *r, sector_setup setup,
                       int path)
{
    int N = c->N;
    if (N < 1 || N > mw->max_N || (r->capacity > 0 && N > r->capacity)) return QT_ETOOLARGE;
    int st = setup(c, mw);
    if (!st) st = sector_attempt(N, mw, r);
    /* a posteriori: an eigenvector path whose generator residual is beyond
     * rounding is redone on the Schur form, a refined one by elimination */
    if (!st && (!mw->schur || mw->refined) && r->residual > 1e-13 * N * rate_scale(N, mw)) {
        int forced = mw->force_schur, mode = mw->refine_mode;
        mw->force_schur = 1, mw->refine_mode = -1;
        st = sector_attempt(N, mw, r);
        mw->force_schur = forced, mw->refine_mode = mode;
    }
    if (st) return st;
    r->path = path;
    return QT_OK;
}

int qt_chain_sector_solve(const qt_chain *c, qt_me_workspace *mw, qt_result *r,
                          qt_master_equation me)
{
    if (me == QT_ME_LOCAL) return chain_solve(c, mw, r, local_setup, QT_PATH_SECTOR_LOCAL);
    if (me == QT_ME_REDFIELD) return chain_solve(c, mw, r, redfield_setup, QT_PATH_SECTOR_REDFIELD);
    return QT_EINVAL;
}

/* Local: R = r 1 solves the sector exactly (A + A^dag = diag(S_k(h_k)) and
 * 1 commutes with H), and then P_k S_k(-h_k) = r S_k(h_k): every site in
 * its own Boltzmann ratio, no heat current. Written with the ratios
 * w_k = S(-h_k) / S(h_k) scaled by their minimum: no overflow, and every
 * population to full relative accuracy. */
static int local_closed_form(const qt_chain *c, qt_me_workspace *mw, double *em, double *ab)
{
    int N = c->N, zeros = 0;
    double m = INFINITY, sum = 0.0;
    for (int k = 0; k < N; k++) {
        mw->alpha[k] = ab[k] / em[k]; /* w_k */
        if (mw->alpha[k] == 0.0) zeros++;
        m = fmin(m, mw->alpha[k]);
    }
    if (zeros > 1) return QT_ENOTUNIQUE; /* two sites at T = 0: any mixture of them */
    for (int k = 0; k < N; k++) {
        mw->P[k] = zeros ? (mw->alpha[k] == 0.0) : m / mw->alpha[k];
        sum += mw->P[k];
    }
    double s = 1.0 / (sum + N * m), rr = m * s;
    for (int k = 0; k < N; k++) mw->P[k] *= s;
    memset(mw->R, 0, sizeof(double complex) * qt_square(N));
    memset(mw->Rre, 0, sizeof(double) * qt_square(N));
    for (int k = 0; k < N; k++) mw->R[qt_offset(k, k, N)] = mw->Rre[qt_offset(k, k, N)] = rr;
    return QT_OK;
}

/* observables of R = r 1 from the sector equations (off-diagonal dR = 0) */
static void local_observables(const qt_chain *c, qt_me_workspace *mw, const double *em,
                              const double *ab, qt_result *r)
{
    int N = c->N;
    double rr = mw->Rre[0], res = 0.0, energy = 0.0, trace = 0.0, minp = rr;
    for (int k = 0; k < N; k++) {
        double flow = em[k] * rr - ab[k] * mw->P[k]; /* dP_k/dt = -dR_kk/dt */
        res += 2.0 * fabs(flow);
        r->heat_current[k] = c->h[k] * flow;
        r->population[k] = mw->P[k] + rr;
        energy += c->h[k] * rr;
        trace += mw->P[k] + rr;
        minp = fmin(minp, mw->P[k]);
    }
    r->residual = res;
    r->energy = energy;
    r->trace_error = fabs(trace - 1.0);
    r->min_eigenvalue = minp;
    r->n_pop = r->n_baths = N;
}

int qt_chain_local_solve(const qt_chain *c, qt_me_workspace *mw, qt_result *r)
{
    int N = c->N;
    if (N < 1 || N > mw->max_N || (r->capacity > 0 && N > r->capacity)) return QT_ETOOLARGE;
    double *em = mw->site_diag, *ab = mw->gwork;
    for (int k = 0; k < N; k++) {
        qt_bath_params b = chain_bath(c, k);
        em[k] = rate_of(&b, c->h[k], mw->tol), ab[k] = rate_of(&b, -c->h[k], mw->tol);
        if (isinf(em[k]) || isinf(ab[k])) return QT_EDIVERGENT;
        if (!(em[k] > 0.0)) /* a site that cannot decay: the general elimination */
            return qt_chain_sector_solve(c, mw, r, QT_ME_LOCAL);
    }
    for (int k = 0; k + 1 < N; k++)
        if (c->g[k] == 0.0) return QT_ENOTUNIQUE; /* the chain falls apart */
    int st = local_closed_form(c, mw, em, ab);
    if (st) return st;
    mw->sector_basis = 0;
    local_observables(c, mw, em, ab, r);
    r->path = QT_PATH_SECTOR_LOCAL;
    return QT_OK;
}

int qt_chain_redfield_solve(const qt_chain *c, qt_me_workspace *mw, qt_result *r)
{
    return chain_solve(c, mw, r, redfield_setup, QT_PATH_SECTOR_REDFIELD);
}

int qt_chain_rho(const qt_chain *c, const qt_me_workspace *mw, double *re, double *im)
{
    int N = c->N, d = 2 * N;
    if (N > mw->max_N) return QT_ETOOLARGE;
    memset(re, 0, sizeof(double) * qt_square(d));
    memset(im, 0, sizeof(double) * qt_square(d));
    for (int k = 0; k < N; k++) re[k * d + k] = mw->P[k];
    if (mw->sector_basis == 0) { /* R is in the site basis already */
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++) {
                re[(N + i) * d + N + j] = creal(mw->R[qt_offset(i, j, N)]);
                im[(N + i) * d + N + j] = cimag(mw->R[qt_offset(i, j, N)]);
            }
        return QT_OK;
    }
    for (int i = 0; i < N; i++) {
        double *tr = re + qt_size(N + i) * qt_size(d),
               *ti = im + qt_size(N + i) * qt_size(d); /* row scratch */
        for (int b = 0; b < N; b++) {
            double complex s = 0.0;
            for (int a = 0; a < N; a++) s += mw->C[qt_offset(i, a, N)] * mw->R[qt_offset(a, b, N)];
            tr[b] = creal(s), ti[b] = cimag(s);
        }
        for (int j = 0; j < N; j++) {
            double sr = 0.0, si = 0.0;
            for (int b = 0; b < N; b++) {
                sr += tr[b] * mw->C[qt_offset(j, b, N)];
                si += ti[b] * mw->C[qt_offset(j, b, N)];
            }
            tr[N + j] = sr, ti[N + j] = si;
        }
        for (int b = 0; b < N; b++) tr[b] = ti[b] = 0.0;
    }
    return QT_OK;
}
