/* One allocation for the local / redfield solvers: the chain sector (N <=
 * max_N) and the dense references (d <= dense_max_d). The layout function
 * runs twice: once without memory to count bytes (the estimate), once to
 * carve the block. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "me.h"

/* packed features per dgemm (me_chain.c): a block of N x feat_block doubles
 * stays in cache (~1 MiB) between its packing and the dgemm that reads it */
#define ME_FEATURE_DOUBLES ((size_t)1 << 17)
#define ME_FEATURE_MIN     128
#define ME_NB              64 /* LAPACK block size assumed for work arrays */
/* the Schur route solves this many bytes of sources at once (me_chain.c):
 * at least 8 sources, all of them while N^3 fits */
#define ME_SCHUR_BATCH_BYTES ((size_t)448 << 20)

typedef struct {
    char *base;
    size_t off;
} carve;

static void *take(carve *c, size_t n, size_t size)
{
    size_t o = (c->off + 63) & ~(size_t)63;
    c->off = o + (n ? n : 1) * size;
    return c->base ? c->base + o : NULL;
}

#define TAKE(c, ptr, n) ((ptr) = take((c), (n), sizeof(*(ptr))))

static void layout_chain(qt_me_workspace *w, carve *c, int N)
{
    size_t nn = qt_square(N);
    size_t fb = ME_FEATURE_DOUBLES / (size_t)(N > 0 ? N : 1);
    fb = fb < ME_FEATURE_MIN ? ME_FEATURE_MIN : fb;
    w->feat_block = nn < fb ? (int)nn : (int)fb;
    if (w->feat_block < 2) w->feat_block = 2;
    w->lzwork = (ME_NB + 2) * N + 64;
    TAKE(c, w->Hx, nn), TAKE(c, w->C, nn), TAKE(c, w->U, nn), TAKE(c, w->V, nn);
    TAKE(c, w->alpha, qt_size(N));
    TAKE(c, w->A, nn), TAKE(c, w->W, nn), TAKE(c, w->Wi, nn), TAKE(c, w->dA, qt_size(N)),
        TAKE(c, w->T, nn);
    TAKE(c, w->XT, nn), TAKE(c, w->YT, nn), TAKE(c, w->PT, nn), TAKE(c, w->QT, nn);
    TAKE(c, w->Z1, nn), TAKE(c, w->Z2, nn);
    size_t batch = ME_SCHUR_BATCH_BYTES / (nn * sizeof(double complex));
    batch = batch < 8 ? 8 : batch;
    w->schur_batch = batch > qt_size(N) ? N : (int)batch;
    TAKE(c, w->Xb, nn * qt_size(w->schur_batch));
    TAKE(c, w->Xd, qt_size(N) * qt_size(w->schur_batch) * QT_ME_SCHUR_LB), TAKE(c, w->PQs, 4 * nn);
    TAKE(c, w->Kmat, nn);
    TAKE(c, w->F, qt_size(N) * qt_size(w->feat_block)),
        TAKE(c, w->G, qt_size(N) * qt_size(w->feat_block));
    TAKE(c, w->P, qt_size(N)), TAKE(c, w->R, nn), TAKE(c, w->Rre, nn), TAKE(c, w->Sre, nn),
        TAKE(c, w->site_diag, qt_size(N));
    TAKE(c, w->gwork, qt_size(N) * (QT_GTH_BLOCK + 1));
    TAKE(c, w->zwork, qt_size(w->lzwork)), TAKE(c, w->rwork, 3 * qt_size(N) + 8);
    TAKE(c, w->ipiv, qt_size(N)), TAKE(c, w->iwork, 8 * qt_size(N) + 8);
    TAKE(c, w->As, nn), TAKE(c, w->Us, nn), TAKE(c, w->Vs, nn), TAKE(c, w->Mt, nn);
    TAKE(c, w->eq, 2 * qt_size(N)), TAKE(c, w->ipiv_t, qt_size(N));
    TAKE(c, w->Vg, qt_size(N) * (QT_ME_GMRES_M + 1));
    TAKE(c, w->Hg, (QT_ME_GMRES_M + 1) * (QT_ME_GMRES_M + 4));
    TAKE(c, w->wz, 5 * qt_square(QT_ME_WIN_MAX));
}

static void layout_dense(qt_me_workspace *w, carve *c, int d)
{
    size_t dd = qt_square(d), D = dd, K = qt_size(d);
    w->ldwork = (ME_NB + 2) * d + 4 * (int)dd;
    w->zheev_lwork = (ME_NB + 1) * d + 8;
    TAKE(c, w->ops.H, dd), TAKE(c, w->ops.X, K * dd), TAKE(c, w->ops.L, K * dd);
    TAKE(c, w->ops.w, K), TAKE(c, w->ops.bath, K);
    TAKE(c, w->E, qt_size(d)), TAKE(c, w->Vd, dd), TAKE(c, w->Xe, K * dd),
        TAKE(c, w->dwork, qt_size(w->ldwork));
    TAKE(c, w->Lsup, D * D), TAKE(c, w->rho, D), TAKE(c, w->y, D), TAKE(c, w->Kacc, dd);
    TAKE(c, w->dwork_c, 2 * D), TAKE(c, w->drwork, 2 * D), TAKE(c, w->dipiv, D);
    TAKE(c, w->rho_re, dd), TAKE(c, w->rho_im, dd);
    TAKE(c, w->zheev_a, dd), TAKE(c, w->zheev_work, qt_size(w->zheev_lwork));
    TAKE(c, w->zheev_w, qt_size(d)), TAKE(c, w->zheev_rwork, 3 * qt_size(d) + 8);
    TAKE(c, w->pair, dd), TAKE(c, w->pw, dd);
}

static size_t layout(qt_me_workspace *w, carve *c, int max_N, int dense_max_d)
{
    if (max_N > 0) layout_chain(w, c, max_N);
    if (dense_max_d > 0) layout_dense(w, c, dense_max_d);
    return c->off;
}

static int valid_sizes(int max_N, int dense_max_d)
{
    return max_N >= 0 && max_N <= QT_MAX_SITES && dense_max_d >= 0 &&
           dense_max_d <= QT_DENSE_MAX_D && (max_N > 0 || dense_max_d > 0);
}

size_t qt_me_workspace_estimate(int max_N, int dense_max_d)
{
    if (!valid_sizes(max_N, dense_max_d)) return 0;
    qt_me_workspace w;
    carve c = {NULL, 0};
    return sizeof(qt_me_workspace) + layout(&w, &c, max_N, dense_max_d) + 64;
}

qt_me_workspace *qt_me_workspace_alloc(int max_N, int dense_max_d)
{
    if (!valid_sizes(max_N, dense_max_d)) return NULL;
    qt_me_workspace *w = calloc(1, sizeof(*w));
    if (!w) return NULL;
    carve c = {NULL, 0};
    size_t n = layout(w, &c, max_N, dense_max_d);
    c.base = malloc(n + 64);
    if (!c.base) {
        free(w);
        return NULL;
    }
    w->block = c.base;
    c.base = (char *)(((uintptr_t)c.base + 63) & ~(uintptr_t)63);
    c.off = 0;
    layout(w, &c, max_N, dense_max_d);
    w->max_N = max_N;
    w->dense_max_d = dense_max_d;
    w->bytes = sizeof(*w) + n + 64;
    w->tol = QT_DEFAULT_TOL;
    w->eigen_cond_max = QT_ME_EIGEN_COND_MAX;
    w->schur_chunk = QT_ME_SCHUR_LB;
    w->win_half = QT_ME_WIN_HALF;
    return w;
}

void qt_me_workspace_free(qt_me_workspace **mw)
{
    if (!mw || !*mw) return;
    free((*mw)->block);
    free(*mw);
    *mw = NULL;
}
