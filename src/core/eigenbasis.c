/* The zero-frequency sector of the secular generator in a general eigenbasis
 * (docs/physics.md section 3). The secular generator commutes with [H_S, .], so
 * the steady state lives on the elements rho_ab with a, b in one degenerate
 * cluster. Jumps from cluster Cb to cluster Ca (Bohr frequency
 * E(Cb) - E(Ca)) act on that sector as
 *   rho_{aa'} += gamma X_ab X_a'b' rho_{bb'},   K_{bb'} += gamma X_ab X_ab',
 * with the anticommutator -1/2 {K, rho}. When every such block of every X_k
 * has at most one nonzero per row and column, populations and intra-cluster
 * coherences decouple and the Pauli rate equation is solved by GTH; else the
 * sector is one complex linear system. */
#include <lapacke.h>
#include <math.h>
#include <string.h>

#include "internal.h"

static double xel(const qt_eigensys *es, int k, int a, int b)
{
    return es->X[qt_offset(b, k * es->d + a, es->d)];
}

static double jump_rate(const qt_eigensys *es, int k, int ca, int cb)
{
    if (ca == cb) return qt_rate_zero(&es->bath[k]);
    return qt_rate(&es->bath[k], es->cl_energy[cb] - es->cl_energy[ca]);
}

#define FOR_MEMBERS(es, c, i, a)                                                                   \
    for (int i = (es)->cl_start[c], a;                                                             \
         i < (es)->cl_start[(c) + 1] && ((a) = (es)->cl_member[i], 1); i++)

static int has_zero_frequency_jump(const qt_eigensys *es)
{
    for (int k = 0; k < es->K; k++)
        for (int c = 0; c < es->n_clusters; c++) FOR_MEMBERS(es, c, i, a)
    FOR_MEMBERS(es, c, j, b)
    if (fabs(xel(es, k, a, b)) > QT_X_ZERO) return 1;
    return 0;
}

/* At most one nonzero per row and per column in block (Ca <- Cb) of X_k. */
static int block_is_partial_permutation(const qt_eigensys *es, int k, int ca, int cb)
{
    FOR_MEMBERS(es, ca, i, a)
    {
        int n = 0;
        FOR_MEMBERS(es, cb, j, b) n += fabs(xel(es, k, a, b)) > QT_X_ZERO;
        if (n > 1) return 0;
    }
    FOR_MEMBERS(es, cb, j, b)
    {
        int n = 0;
        FOR_MEMBERS(es, ca, i, a) n += fabs(xel(es, k, a, b)) > QT_X_ZERO;
        if (n > 1) return 0;
    }
    return 1;
}

static int populations_decouple(const qt_eigensys *es)
{
    for (int k = 0; k < es->K; k++)
        for (int ca = 0; ca < es->n_clusters; ca++)
            for (int cb = 0; cb < es->n_clusters; cb++)
                if (!block_is_partial_permutation(es, k, ca, cb)) return 0;
    return 1;
}

/* ---- the sector as a linear map ---------------------------------------- */

static int index_sector(qt_workspace *w)
{
    const qt_eigensys *es = &w->es;
    int d = es->d, S = 0;
    for (int i = 0; i < d * d; i++) w->sector_index[i] = -1;
    for (int c = 0; c < es->n_clusters; c++) FOR_MEMBERS(es, c, i, a)
    FOR_MEMBERS(es, c, j, b)
    {
        if (S >= w->sector_max) return -1;
        w->sector_index[a * d + b] = S;
        w->sector_row[S] = a, w->sector_col[S] = b;
        S++;
    }
    return S;
}

/* Generator of the sector restricted to bath kb (all baths when kb < 0, then
 * with the Hamiltonian part -i[H_S, .]) as an S x S column-major matrix. */
static void build_sector_matrix(qt_workspace *w, int kb, int S)
{
    const qt_eigensys *es = &w->es;
    int d = es->d;
    double complex *L = w->sector;
    double *K = w->K_acc;
    memset(L, 0, sizeof(double complex) * qt_square(S));
    memset(K, 0, sizeof(double) * qt_square(d));
    for (int k = kb < 0 ? 0 : kb; k < (kb < 0 ? es->K : kb + 1); k++)
        for (int ca = 0; ca < es->n_clusters; ca++)
            for (int cb = 0; cb < es->n_clusters; cb++) {
                double g = jump_rate(es, k, ca, cb);
                if (!(g > 0.0)) continue;
                FOR_MEMBERS(es, ca, i, a)
                FOR_MEMBERS(es, cb, j, b)
                {
                    double xab = xel(es, k, a, b);
                    if (xab == 0.0) continue;
                    FOR_MEMBERS(es, ca, i2, a2)
                    FOR_MEMBERS(es, cb, j2, b2)
                    {
                        double x2 = xel(es, k, a2, b2);
                        if (x2 == 0.0) continue;
                        int row = w->sector_index[a * d + a2], col = w->sector_index[b * d + b2];
                        L[qt_offset(row, col, S)] += g * xab * x2;
                    }
                    FOR_MEMBERS(es, cb, j2, b2) K[b * d + b2] += g * xab * xel(es, k, a, b2);
                }
            }
    for (int s = 0; s < S; s++) {
        int a = w->sector_row[s], b = w->sector_col[s], c = es->cluster[a];
        if (kb < 0) L[qt_offset(s, s, S)] += -I * (es->E[a] - es->E[b]);
        FOR_MEMBERS(es, c, i, x)
        { /* -1/2 (K rho + rho K)_ab */
            L[qt_offset(s, w->sector_index[x * d + b], S)] -= 0.5 * K[a * d + x];
            L[qt_offset(s, w->sector_index[a * d + x], S)] -= 0.5 * K[x * d + b];
        }
    }
}

static void sector_to_rho(qt_workspace *w, int S)
{
    int d = w->es.d;
    memset(w->rho_re, 0, sizeof(double) * qt_square(d));
    memset(w->rho_im, 0, sizeof(double) * qt_square(d));
    for (int s = 0; s < S; s++) {
        int idx = w->sector_row[s] * d + w->sector_col[s];
        w->rho_re[idx] = creal(w->sector_rho[s]);
        w->rho_im[idx] = cimag(w->sector_rho[s]);
    }
}

static void rho_to_sector(qt_workspace *w, int S)
{
    int d = w->es.d;
    for (int s = 0; s < S; s++) {
        int idx = w->sector_row[s] * d + w->sector_col[s];
        w->sector_rho[s] = w->rho_re[idx] + I * w->rho_im[idx];
    }
}

static void sector_apply(qt_workspace *w, int S)
{
    const double complex *L = w->sector;
    for (int r = 0; r < S; r++) w->sector_y[r] = 0.0;
    for (int c = 0; c < S; c++) {
        double complex x = w->sector_rho[c];
        if (x == 0.0) continue;
        for (int r = 0; r < S; r++) w->sector_y[r] += L[qt_offset(r, c, S)] * x;
    }
}

/* Residual ||L rho||_1 (entrywise) and heat currents J_k = -Tr[L_k(rho) H_S]
 * of the eigenbasis state w->rho_*, from the sector generator itself. */
int qt_sector_checks(qt_workspace *w, double *residual, double *heat)
{
    const qt_eigensys *es = &w->es;
    int S = index_sector(w);
    if (S < 0) return QT_ETOOLARGE;
    rho_to_sector(w, S);
    build_sector_matrix(w, -1, S);
    sector_apply(w, S);
    double res = 0.0;
    for (int s = 0; s < S; s++) res += cabs(w->sector_y[s]);
    *residual = res;
    for (int k = 0; k < es->K; k++) {
        build_sector_matrix(w, k, S);
        sector_apply(w, S);
        double J = 0.0;
        for (int s = 0; s < S; s++)
            if (w->sector_row[s] == w->sector_col[s])
                J -= es->E[w->sector_row[s]] * creal(w->sector_y[s]);
        heat[k] = J;
    }
    return QT_OK;
}

/* ---- Pauli rate equation ------------------------------------------------ */

static void fill_pauli_rates(qt_workspace *w)
{
    const qt_eigensys *es = &w->es;
    int d = es->d;
    memset(w->W, 0, sizeof(double) * qt_square(d));
    for (int k = 0; k < es->K; k++)
        for (int b = 0; b < d; b++)
            for (int a = 0; a < d; a++) {
                double x = xel(es, k, a, b);
                if (a == b || fabs(x) <= QT_X_ZERO) continue;
                double g = jump_rate(es, k, es->cluster[a], es->cluster[b]);
                w->W[b * d + a] += g * x * x;
            }
}

typedef struct {
    int d;
    const double *W;
} dense_graph;

static int dense_edge(const void *ctx, int u, int v)
{
    const dense_graph *g = ctx;
    return g->W[u * g->d + v] > 0.0;
}

/* Number of closed classes of the Pauli rates; support of the first in in_class. */
int qt_pauli_classes(qt_workspace *w, int *in_class)
{
    fill_pauli_rates(w);
    dense_graph g = {w->es.d, w->W};
    return qt_closed_classes(w->es.d, dense_edge, &g, in_class, w->graph.tarjan);
}

static int solve_pauli(qt_workspace *w)
{
    int d = w->es.d, *in_class = w->graph.in_class;
    if (qt_pauli_classes(w, in_class) != 1) return QT_ENOTUNIQUE;
    int *idx = w->graph.index, n = 0;
    for (int a = 0; a < d; a++)
        if (in_class[a]) idx[n++] = a;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) w->gen_tmp[i * n + j] = w->W[idx[i] * d + idx[j]];
    double *pi = w->gth_work, *scratch = w->gth_work + d;
    if (n > 1 && qt_gth(n, w->gen_tmp, n, pi, scratch)) return QT_ENOTUNIQUE;
    if (n == 1) pi[0] = 1.0;
    memset(w->rho_re, 0, sizeof(double) * qt_square(d));
    memset(w->rho_im, 0, sizeof(double) * qt_square(d));
    for (int i = 0; i < n; i++) w->rho_re[idx[i] * d + idx[i]] = pi[i];
    return QT_OK;
}

/* ---- coupled sector ----------------------------------------------------- */

static int solve_coupled(qt_workspace *w)
{
    const qt_eigensys *es = &w->es;
    int S = index_sector(w);
    if (S < 0) return QT_ETOOLARGE;
    build_sector_matrix(w, -1, S);
    double complex *L = w->sector;
    /* Tr L(rho) = 0, so one population row is redundant: replace it by Tr rho = 1 */
    int trace_row = w->sector_index[es->cl_member[0] * es->d + es->cl_member[0]];
    for (int c = 0; c < S; c++)
        L[qt_offset(trace_row, c, S)] = w->sector_row[c] == w->sector_col[c] ? 1.0 : 0.0;
    for (int s = 0; s < S; s++) w->sector_rho[s] = s == trace_row;
    double anorm = LAPACKE_zlange_work(LAPACK_COL_MAJOR, '1', S, S, L, S, w->sector_rwork);
    lapack_int info = LAPACKE_zgetrf_work(LAPACK_COL_MAJOR, S, S, L, S, w->ipiv);
    if (info > 0) return QT_ENOTUNIQUE;
    if (info < 0) return QT_ELAPACK;
    double rcond = 0.0;
    info = LAPACKE_zgecon_work(LAPACK_COL_MAJOR, '1', S, L, S, anorm, &rcond, w->sector_work,
                               w->sector_rwork);
    /* a second stationary state makes the bordered matrix singular */
    if (info || rcond < QT_RCOND_SINGULAR) return QT_ENOTUNIQUE;
    info = LAPACKE_zgetrs_work(LAPACK_COL_MAJOR, 'N', S, 1, L, S, w->ipiv, w->sector_rho, S);
    if (info) return QT_ELAPACK;
    sector_to_rho(w, S);
    return QT_OK;
}

int qt_sector_solve(const qt_options *o, qt_workspace *w, int *path)
{
    const qt_eigensys *es = &w->es;
    if (has_zero_frequency_jump(es) && es->bath[0].spectral == QT_SPECTRAL_FLAT)
        return QT_EDIVERGENT;
    if (!o->force_coupled && populations_decouple(es)) {
        *path = QT_PATH_PAULI;
        return solve_pauli(w);
    }
    *path = QT_PATH_COUPLED;
    return solve_coupled(w);
}

/* Pauli generator G (dP/dt = G P) on the eigenstates, for relaxation rates. */
void qt_pauli_generator(const qt_workspace *w, double *G)
{
    int d = w->es.d;
    memset(G, 0, sizeof(double) * qt_square(d));
    for (int b = 0; b < d; b++)
        for (int a = 0; a < d; a++) {
            if (a == b) continue;
            G[a * d + b] += w->W[b * d + a];
            G[b * d + b] -= w->W[b * d + a];
        }
}

/* 1: unique steady state, 0: not unique (from the Pauli rate graph when
 * populations decouple), -1: undecided (coupled sector; the caller decides
 * from the conditioning of its linear system). */
int qt_structural_uniqueness(qt_workspace *w)
{
    if (!populations_decouple(&w->es)) return -1;
    return qt_pauli_classes(w, w->graph.in_class) == 1;
}
