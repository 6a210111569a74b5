/* Workspaces: everything a solve needs, allocated once for the largest
 * problem (GSL/FFTW style), so qt_solve never allocates. */
#include <lapacke.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "me.h"

typedef struct {
    qt_workspace *w;
    int failed;
    int dry;       /* only count the bytes (qt_workspace_estimate) */
    int too_large; /* a LAPACK size does not fit lapack_int */
} arena;

/* calloc that records the size and remembers a failure (checked once). */
static void *take(arena *A, size_t count, size_t size)
{
    if (count == 0) count = 1;
    if (A->dry) {
        A->w->bytes += count * size;
        return NULL;
    }
    void *p = calloc(count, size);
    if (!p) A->failed = 1;
    A->w->bytes += count * size;
    return p;
}

static int imax(int a, int b)
{
    return a > b ? a : b;
}

static void alloc_graph(arena *A, int n_states)
{
    size_t n = qt_size(n_states);
    qt_graph_scratch *g = &A->w->graph;
    g->in_class = take(A, n, sizeof(int));
    g->tarjan = take(A, 6 * n, sizeof(int));
    g->queue = take(A, n, sizeof(int));
    g->seen = take(A, n, sizeof(int));
    g->index = take(A, n, sizeof(int));
    g->order = take(A, n, sizeof(int));
}

static void alloc_nsite(arena *A, int N)
{
    qt_workspace *w = A->w;
    size_t n = qt_size(N), nn = n * n;
    /* dstevd (uniform chain): 1 + 4N + N^2; dstemr (non-uniform): 18 N */
    size_t lwork = 1 + 4 * n + nn > 18 * n ? 1 + 4 * n + nn : 18 * n;
    if (lwork > (size_t)INT_MAX) { /* N > 46338: a size a 32-bit lapack_int cannot hold */
        A->too_large = 1;
        return;
    }
    w->tri_d = take(A, n, sizeof(double));
    w->tri_e = take(A, n, sizeof(double));
    w->chain_val = take(A, n, sizeof(double));
    w->chain_vec = take(A, nn, sizeof(double));
    w->E_exc = take(A, n, sizeof(double));
    w->up = take(A, nn, sizeof(double));
    w->down = take(A, nn, sizeof(double));
    w->M = take(A, nn, sizeof(double));
    w->out = take(A, n, sizeof(double));
    w->P = take(A, 2 * n, sizeof(double));
    w->h_site = take(A, n, sizeof(double));
    w->g_site = take(A, n, sizeof(double));
    w->lwork = (int)lwork;
    w->liwork = imax(3 + 5 * N, 10 * N); /* dstevd, dstemr */
    w->lapack_iwork = take(A, qt_size(w->liwork), sizeof(int));
    w->isuppz = take(A, 2 * n, sizeof(int));
    w->dwork = take(A, lwork, sizeof(double));
    /* dstevd and dstemr run in the spectrum, before any Us is formed */
    w->Us = w->dwork;
}

static void alloc_general(arena *A, int d, int K)
{
    qt_workspace *w = A->w;
    qt_eigensys *es = &w->es;
    size_t ud = qt_size(d), dd = ud * ud, uK = qt_size(K);
    w->gen_max_d = d;
    es->E = take(A, ud, sizeof(double));
    es->V = take(A, dd, sizeof(double));
    es->X = take(A, uK * dd, sizeof(double));
    es->cluster = take(A, ud, sizeof(int));
    es->cl_start = take(A, ud + 1, sizeof(int));
    es->cl_member = take(A, ud, sizeof(int));
    es->cl_energy = take(A, ud, sizeof(double));
    es->bath = w->bath = take(A, uK, sizeof(qt_bath_params));
    w->W = take(A, dd, sizeof(double));
    w->rho_re = take(A, dd, sizeof(double));
    w->rho_im = take(A, dd, sizeof(double));
    w->site_re = take(A, dd, sizeof(double));
    w->site_im = take(A, dd, sizeof(double));
    w->gen_tmp = take(A, dd, sizeof(double));
    w->K_acc = take(A, dd, sizeof(double));
    int S = (int)(dd < QT_SECTOR_MAX ? dd : QT_SECTOR_MAX);
    w->sector_max = S;
    w->sector = take(A, qt_square(S), sizeof(double complex));
    w->sector_rho = take(A, qt_size(S), sizeof(double complex));
    w->sector_y = take(A, qt_size(S), sizeof(double complex));
    w->sector_work = take(A, 2 * qt_size(S), sizeof(double complex));
    w->sector_rwork = take(A, 2 * qt_size(S), sizeof(double));
    w->sector_row = take(A, qt_size(S), sizeof(int));
    w->sector_col = take(A, qt_size(S), sizeof(int));
    w->sector_index = take(A, dd, sizeof(int));
    w->zheev_lwork = 64 * d;
    w->zheev_a = take(A, dd, sizeof(double complex));
    w->zheev_work = take(A, qt_size(w->zheev_lwork), sizeof(double complex));
    w->zheev_w = take(A, ud, sizeof(double));
    w->zheev_rwork = take(A, 3 * ud, sizeof(double));
}

static void alloc_gap(arena *A, int n)
{
    qt_workspace *w = A->w;
    w->gap_max_d = n;
    w->gap_G = take(A, qt_square(n), sizeof(double));
    w->gap_wr = take(A, qt_size(n), sizeof(double));
    w->gap_wi = take(A, qt_size(n), sizeof(double));
    double query = 0.0;
    LAPACKE_dgeev_work(LAPACK_COL_MAJOR, 'N', 'N', n, w->gap_G, n, w->gap_wr, w->gap_wi, NULL, 1,
                       NULL, 1, &query, -1);
    w->gap_lwork = imax((int)query, 4 * n);
    w->gap_work = take(A, qt_size(w->gap_lwork), sizeof(double));
}

static void alloc_dense(arena *A, int d)
{
    qt_workspace *w = A->w;
    size_t D = qt_square(d);
    w->dense_max_d = d;
    w->dense_L = take(A, D * D, sizeof(double complex));
    w->dense_rho = take(A, D, sizeof(double complex));
    w->dense_y = take(A, D, sizeof(double complex));
    w->dense_work = take(A, 2 * D, sizeof(double complex));
    w->dense_rwork = take(A, 2 * D, sizeof(double));
    w->dense_pair = take(A, D, sizeof(int));
    w->dense_entry = take(A, D, sizeof(int));
    w->dense_w = take(A, D, sizeof(double));
}

/* The other master equations' dense reference: d = 2N up to the limit, when
 * the dense solver is planned. */
static int dense_me_d(int max_N, unsigned flags)
{
    int d = 2 * max_N;
    return (flags & QT_WS_DENSE) ? (d < QT_DENSE_MAX_D ? d : QT_DENSE_MAX_D) : 0;
}

static void alloc_me(arena *A, int max_N, int dense_d)
{
    if (A->dry) {
        A->w->bytes += qt_me_workspace_estimate(max_N, dense_d);
        return;
    }
    A->w->me = qt_me_workspace_alloc(max_N, dense_d);
    if (!A->w->me)
        A->failed = 1;
    else
        A->w->bytes += A->w->me->bytes;
}

static void plan_workspace(arena *A, qt_model model, int max_N, unsigned flags)
{
    qt_workspace *w = A->w;
    int nsite = model == QT_MODEL_NSITE;
    w->model = model;
    w->n_param_rows = qt_param_rows_for(model, w->param_rows, QT_MAX_PARAM_ROWS);
    w->max_N = nsite ? max_N : 1;
    w->max_d = nsite ? 2 * max_N : 3;
    w->flags = flags;
    int N = nsite ? max_N : 3;
    int gen_d = w->max_d < QT_COUPLED_MAX_D ? w->max_d : QT_COUPLED_MAX_D;
    int gen_K = nsite ? gen_d / 2 : 2;
    if (nsite) alloc_nsite(A, N);
    alloc_general(A, gen_d, gen_K);
    w->T = take(A, qt_size(imax(N, gen_K)), sizeof(double));
    w->gth_work = take(A, qt_size(imax(N, gen_d)) * (QT_GTH_BLOCK + 1), sizeof(double));
    alloc_graph(A, imax(2 * N, gen_d));
    if ((flags & QT_WS_GAP) || !nsite)
        alloc_gap(A, w->max_d < QT_GAP_MAX_D ? w->max_d : QT_GAP_MAX_D);
    if (flags & QT_WS_DENSE) alloc_dense(A, gen_d < QT_DENSE_MAX_D ? gen_d : QT_DENSE_MAX_D);
    if (flags & QT_WS_ME) alloc_me(A, nsite ? max_N : 0, nsite ? dense_me_d(max_N, flags) : 3);
    int dense_D = w->dense_max_d * w->dense_max_d;
    w->ipiv = take(A, qt_size(imax(w->sector_max, dense_D)), sizeof(int));
}

unsigned qt_workspace_flags(const qt_params *p, const qt_options *o)
{
    return (o->solver == QT_SOLVER_DENSE ? QT_WS_DENSE : 0u) | (o->want_gap ? QT_WS_GAP : 0u) |
           (p->master_equation != QT_ME_GLOBAL ? QT_WS_ME : 0u);
}

qt_workspace *qt_workspace_alloc(qt_model model, int max_N, unsigned flags)
{
    if (model == QT_MODEL_NSITE && (max_N < 2 || max_N > QT_MAX_SITES)) return NULL;
    if (!qt_workspace_estimate(model, max_N, flags)) return NULL; /* before any allocation */
    qt_workspace *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    arena A = {w, 0, 0, 0};
    plan_workspace(&A, model, max_N, flags);
    if (A.failed || A.too_large) qt_workspace_free(&w);
    return w;
}

size_t qt_workspace_estimate(qt_model model, int max_N, unsigned flags)
{
    if (model == QT_MODEL_NSITE && (max_N < 2 || max_N > QT_MAX_SITES)) return 0;
    qt_workspace w;
    memset(&w, 0, sizeof w);
    arena A = {&w, 0, 1, 0};
    plan_workspace(&A, model, max_N, flags);
    return A.too_large ? 0 : w.bytes + sizeof w;
}

static void free_nsite_blocks(qt_workspace *w)
{
    void *blocks[] = {
        w->h_site, w->g_site, w->tri_d, w->tri_e, w->chain_val, w->chain_vec, w->E_exc,
        w->up,     w->down,   w->M,     w->out,   w->P,         w->dwork,
    };
    for (size_t i = 0; i < sizeof blocks / sizeof blocks[0]; i++) free(blocks[i]);
}

static void free_general_blocks(qt_workspace *w)
{
    void *blocks[] = {
        w->es.E,         w->es.V,           w->es.X,         w->es.cluster,  w->es.cl_start,
        w->es.cl_member, w->es.cl_energy,   w->bath,         w->W,           w->rho_re,
        w->rho_im,       w->site_re,        w->site_im,      w->gen_tmp,     w->K_acc,
        w->sector,       w->sector_rho,     w->sector_y,     w->sector_work, w->sector_rwork,
        w->sector_row,   w->sector_col,     w->sector_index, w->zheev_a,     w->zheev_work,
        w->zheev_w,      w->zheev_rwork,    w->gap_G,        w->gap_wr,      w->gap_wi,
        w->gap_work,     w->dense_L,        w->dense_rho,    w->dense_y,     w->dense_work,
        w->dense_rwork,  w->dense_pair,     w->dense_entry,  w->dense_w,     w->T,
        w->gth_work,     w->graph.in_class, w->graph.tarjan, w->graph.queue, w->graph.seen,
        w->graph.index,  w->graph.order,    w->lapack_iwork, w->isuppz,      w->ipiv,
    };
    for (size_t i = 0; i < sizeof blocks / sizeof blocks[0]; i++) free(blocks[i]);
}

void qt_workspace_free(qt_workspace **wp)
{
    if (!wp || !*wp) return;
    qt_me_workspace_free(&(*wp)->me);
    free_nsite_blocks(*wp);
    free_general_blocks(*wp);
    free(*wp);
    *wp = NULL;
}

size_t qt_workspace_bytes(const qt_workspace *w)
{
    return w ? w->bytes + sizeof *w : 0;
}
