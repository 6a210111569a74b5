/* Grid blocks, flat indices, batch sizes and hyperslab decomposition. */
#include "grid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outputs.h"

/* Seconds per point, for ordering (most expensive first) and batch sizes
 * only; a factor of a few off does no harm. Secular nsite is O(N^2)..O(N^3)
 * (docs/physics.md section 3; measured: 8 us at N = 10; target 2 s at N = 2000);
 * dense is an LU of a d^2 x d^2 matrix. */
static double point_cost(const sw_config *cfg, int N)
{
    double d = cfg->model == QT_MODEL_NSITE ? 2.0 * N : 3.0;
    double n = N;
    double t = cfg->model == QT_MODEL_NSITE ? 2e-6 + 8e-8 * n * n + 2e-10 * n * n * n : 5e-6;
    if (cfg->opt.solver == QT_SOLVER_DENSE) t += 1e-10 * d * d * d * d * d * d;
    if (cfg->opt.want_gap) t += 1e-9 * d * d * d;
    return t;
}

int sw_grid_build(const sw_config *cfg, int workers, sw_grid *g, char *msg, size_t msglen)
{
    memset(g, 0, sizeof *g);
    int64_t per_block = 1;
    for (int a = 0; a < cfg->n_axes; a++) {
        if (cfg->axis[a].n > SW_MAX_POINTS / per_block) {
            snprintf(msg, msglen, "axes: the grid has more than %lld points per group",
                     (long long)SW_MAX_POINTS);
            return -1;
        }
        per_block *= cfg->axis[a].n;
    }
    g->n_blocks = cfg->n_N;
    g->blk = calloc((size_t)g->n_blocks, sizeof *g->blk);
    g->order = calloc((size_t)g->n_blocks, sizeof *g->order);
    if (!g->blk || !g->order) {
        snprintf(msg, msglen, "out of memory");
        sw_grid_free(g);
        return -1;
    }
    g->min_eig = -1;
    for (int k = 0; k < cfg->n_out; k++)
        if (!strcmp(sw_outputs[cfg->out[k]].name, "min_eigenvalue")) g->min_eig = k;
    for (int b = 0; b < g->n_blocks; b++) {
        sw_block *k = &g->blk[b];
        k->N = cfg->N[b];
        if (cfg->model == QT_MODEL_NSITE)
            snprintf(k->group, sizeof k->group, "N%d", k->N);
        else
            snprintf(k->group, sizeof k->group, "/");
        k->npoints = per_block;
        k->rec = sw_record_layout(cfg, k->N, k->col);
        k->cost = sw_emulated_cost() > 0 ? sw_emulated_cost() : point_cost(cfg, k->N);
        if (g->total > SW_MAX_POINTS - per_block) {
            snprintf(msg, msglen, "axes: the grid has more than %lld points",
                     (long long)SW_MAX_POINTS);
            sw_grid_free(g);
            return -1;
        }
        g->total += per_block;
        if (k->N > g->max_N) g->max_N = k->N;
        if (k->rec > g->max_rec) g->max_rec = k->rec;
        g->order[b] = b;
    }
    sw_grid_plan_batches(g, workers);
    /* most expensive first (insertion sort: a handful of blocks) */
    for (int i = 1; i < g->n_blocks; i++)
        for (int j = i; j > 0 && g->blk[g->order[j]].cost > g->blk[g->order[j - 1]].cost; j--) {
            int t = g->order[j];
            g->order[j] = g->order[j - 1];
            g->order[j - 1] = t;
        }
    return 0;
}

double sw_emulated_cost(void)
{
    const char *e = getenv("QTHERMO_EMULATE_COST");
    if (!e || !*e) return 0.0;
    if (!strcmp(e, "model")) return -1.0;
    double s = atof(e);
    return s > 0 ? s : 0.0;
}

void sw_grid_free(sw_grid *g)
{
    if (!g) return;
    free(g->blk);
    free(g->order);
    memset(g, 0, sizeof *g);
}

void sw_grid_unravel(const sw_config *cfg, int64_t flat, int64_t *idx)
{
    for (int a = cfg->n_axes - 1; a >= 0; a--) {
        idx[a] = flat % cfg->axis[a].n;
        flat /= cfg->axis[a].n;
    }
}

static int64_t batch_cap(const sw_block *b, int workers)
{
    int64_t scale = workers > SW_BATCH_WORKERS ? workers / SW_BATCH_WORKERS : 1;
    int64_t by_bytes = SW_BATCH_BYTES / ((int64_t)b->rec * (int64_t)sizeof(double));
    int64_t most = SW_BATCH_MAX * scale < by_bytes ? SW_BATCH_MAX * scale : by_bytes;
    if (most < SW_BATCH_MAX) most = SW_BATCH_MAX;
    double seconds = SW_BATCH_SECONDS * (double)scale;
    double n = (seconds < SW_BATCH_SECONDS_MAX ? seconds : SW_BATCH_SECONDS_MAX) / b->cost;
    if (n < 1) return 1;
    if (n > (double)most) return most;
    return (int64_t)n;
}

void sw_grid_plan_batches(sw_grid *g, int workers)
{
    for (int b = 0; b < g->n_blocks; b++) g->blk[b].cap = batch_cap(&g->blk[b], workers);
}

int64_t sw_batch_cap(const sw_block *b)
{
    return b->cap;
}

int64_t sw_grid_batch_doubles(const sw_grid *g)
{
    int64_t most = 0;
    for (int b = 0; b < g->n_blocks; b++)
        if (g->blk[b].cap * g->blk[b].rec > most) most = g->blk[b].cap * g->blk[b].rec;
    return most;
}

int64_t sw_grid_batch_sites(const sw_grid *g)
{
    int64_t most = 0;
    for (int b = 0; b < g->n_blocks; b++) {
        int64_t sites = g->blk[b].cap * (g->blk[b].N > 4 ? g->blk[b].N : 4);
        if (sites > most) most = sites;
    }
    return most;
}

int sw_flat_boxes(int rank, const int64_t *dims, int64_t start, int64_t count, int64_t *off,
                  int64_t *cnt)
{
    int64_t bs[16]; /* bs[j]: elements in one step of dim j */
    bs[rank - 1] = 1;
    for (int j = rank - 2; j >= 0; j--) bs[j] = bs[j + 1] * dims[j + 1];
    int nbox = 0;
    int64_t a = start, b = start + count;
    while (a < b) {
        /* the coarsest dim j at which a is aligned and a whole step fits */
        int j = 0;
        while (j < rank - 1 && (a % bs[j] != 0 || bs[j] > b - a)) j++;
        int64_t cj = (a / bs[j]) % dims[j];
        int64_t n = (b - a) / bs[j];
        if (n > dims[j] - cj) n = dims[j] - cj;
        int64_t rem = a;
        for (int m = 0; m < rank; m++) {
            off[nbox * rank + m] = m <= j ? (rem / bs[m]) % dims[m] : 0;
            cnt[nbox * rank + m] = m < j ? 1 : (m == j ? n : dims[m]);
        }
        nbox++;
        a += n * bs[j];
    }
    return nbox;
}

double sw_grid_file_bytes(const sw_config *cfg, const sw_grid *g)
{
    static const double size[] = {[SW_F64] = 8, [SW_I8] = 1, [SW_I32] = 4};
    double bytes = 65536.0 + (double)cfg->text_len; /* metadata, attributes */
    for (int b = 0; b < g->n_blocks; b++) {
        double per = 1; /* done */
        for (int k = 0; k < cfg->n_out; k++) {
            const sw_output *o = &sw_outputs[cfg->out[k]];
            per += size[o->type] * sw_ext_size(o->ext, cfg->model, g->blk[b].N);
        }
        bytes += per * (double)g->blk[b].npoints + 8192.0;
    }
    return bytes;
}
