/* Degenerate clusters of H_S and the general eigenbasis representation
 * (energies, eigenvectors, coupling operators X_k in the eigenbasis). */
#include <string.h>

#include "internal.h"

/* Insertion sort of indices by energy: d is small on this path (<= 64). */
static void sort_by_energy(int d, const double *E, int *order)
{
    for (int i = 0; i < d; i++) order[i] = i;
    for (int i = 1; i < d; i++) {
        int x = order[i], j = i - 1;
        while (j >= 0 && E[order[j]] > E[x]) {
            order[j + 1] = order[j];
            j--;
        }
        order[j + 1] = x;
    }
}

void qt_cluster(qt_eigensys *es, double tol, int *order)
{
    int d = es->d, nc = 0;
    sort_by_energy(d, es->E, order);
    for (int i = 0; i < d; i++) {
        if (i == 0 || es->E[order[i]] - es->E[order[i - 1]] > tol) es->cl_start[nc++] = i;
        es->cluster[order[i]] = nc - 1;
        es->cl_member[i] = order[i];
    }
    es->cl_start[nc] = d;
    es->n_clusters = nc;
    for (int c = 0; c < nc; c++) {
        double s = 0.0;
        for (int i = es->cl_start[c]; i < es->cl_start[c + 1]; i++) s += es->E[es->cl_member[i]];
        es->cl_energy[c] = s / (es->cl_start[c + 1] - es->cl_start[c]);
    }
}

/* X'_k = V^T X_k V for a coupling X_k = |i><j| + |j><i|. */
static void transform_coupling(const qt_eigensys *es, int k, int i, int j)
{
    size_t d = qt_size(es->d), ui = qt_size(i), uj = qt_size(j);
    double *X = es->X + qt_size(k) * d * d;
    const double *V = es->V;
    for (size_t a = 0; a < d; a++)
        for (size_t b = 0; b < d; b++)
            X[a * d + b] = V[ui + a * d] * V[uj + b * d] + V[uj + a * d] * V[ui + b * d];
}

static void set_bath(qt_bath_params *b, const qt_params *p, double T)
{
    b->T = T;
    b->gamma = p->gamma;
    b->spectral = p->spectral;
    b->bath = p->bath;
}

/* nsite in the basis (g_1..g_N, e_1..e_N): V = blockdiag(I, psi), from the
 * spectrum and temperatures the model's prepare step left in w. */
int qt_build_nsite_eigensys(const qt_params *p, qt_workspace *w)
{
    qt_eigensys *es = &w->es;
    int N = p->N, d = 2 * N;
    es->d = d;
    es->K = N;
    memset(es->V, 0, sizeof(double) * qt_size(d) * qt_size(d));
    for (int k = 0; k < N; k++) {
        es->E[k] = 0.0;
        es->E[N + k] = w->E_exc[k];
        es->V[k + k * d] = 1.0;
        for (int i = 0; i < N; i++) es->V[(N + i) + (N + k) * d] = w->psi[i + k * N];
    }
    for (int k = 0; k < N; k++) {
        set_bath(&es->bath[k], p, w->T[k]);
        transform_coupling(es, k, k, N + k);
    }
    return QT_OK;
}

/* Lambda: |1>,|2>,|e>, X_k couples |k> and |e>. Vee: |g>,|1>,|2>, X_k couples
 * |g> and |k>. H_S is diagonal, so the eigenbasis is the level basis. */
int qt_build_threelevel_eigensys(const qt_params *p, qt_workspace *w)
{
    qt_eigensys *es = &w->es;
    es->d = 3;
    es->K = 2;
    memset(es->V, 0, sizeof(double) * 9);
    for (int a = 0; a < 3; a++) {
        es->E[a] = p->E[a];
        es->V[a + 3 * a] = 1.0;
    }
    set_bath(&es->bath[0], p, p->T1);
    set_bath(&es->bath[1], p, p->T2);
    if (p->model == QT_MODEL_LAMBDA) {
        transform_coupling(es, 0, 0, 2);
        transform_coupling(es, 1, 1, 2);
    } else {
        transform_coupling(es, 0, 0, 1);
        transform_coupling(es, 1, 0, 2);
    }
    return QT_OK;
}

int qt_build_eigensys(const qt_params *p, const qt_options *o, qt_workspace *w)
{
    const qt_model_type *m = qt_model_type_of(p->model);
    if (!m) return QT_EINVAL;
    if (m->dimension(p) > w->gen_max_d) return QT_ETOOLARGE;
    int st = m->prepare(p, w);
    if (!st) st = m->build_eigensys(p, w);
    if (st) return st;
    qt_cluster(&w->es, o->tol, w->graph.order);
    return QT_OK;
}
