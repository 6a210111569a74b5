/* Per-point path of a worker: parameters from the flat index, qt_solve,
 * pack. No allocation here. */
#include "compute.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "outputs.h"

int sw_compute_init(sw_compute *c, const sw_config *cfg, const sw_grid *g, char *msg, size_t msglen)
{
    memset(c, 0, sizeof *c);
    c->cfg = cfg;
    c->grid = g;
    c->count_fd = -1;
    c->emulate = sw_emulated_cost() != 0.0;
    c->ws = c->emulate ? NULL : qt_workspace_alloc(cfg->model, g->max_N, cfg->ws_flags);
    c->res = qt_result_alloc(g->max_N > 3 ? g->max_N : 3);
    if ((!c->ws && !c->emulate) || !c->res) {
        snprintf(msg, msglen, "cannot allocate the workspace for N = %d (out of memory)", g->max_N);
        sw_compute_free(c);
        return -1;
    }
    /* Testing aid: every computed point is appended as "GROUP INDEX\n" to the
     * file named by QTHERMO_COUNT_FILE (one write per batch, O_APPEND). */
    const char *cf = getenv("QTHERMO_COUNT_FILE");
    if (cf && *cf) {
        c->count_fd = open(cf, O_WRONLY | O_CREAT | O_APPEND, 0644);
        c->count_cap = (size_t)(SW_BATCH_MAX + 1) * 40;
        c->count_buf = malloc(c->count_cap);
        if (c->count_fd < 0 || !c->count_buf) {
            snprintf(msg, msglen, "QTHERMO_COUNT_FILE %s: %s", cf, strerror(errno));
            sw_compute_free(c);
            return -1;
        }
    }
    return 0;
}

void sw_compute_free(sw_compute *c)
{
    qt_workspace_free(&c->ws);
    qt_result_free(&c->res);
    if (c->count_fd >= 0) close(c->count_fd);
    c->count_fd = -1;
    free(c->count_buf);
    c->count_buf = NULL;
}

/* Emulation: a result whose arrays and flags are the same for every point
 * of a block; the scalar fields are the point's flat index (emulate_pack) */
static void emulated_result(const sw_config *cfg, int N, qt_result *r)
{
    r->status = QT_OK;
    r->n_pop = r->n_baths = cfg->model == QT_MODEL_NSITE ? N : 3;
    for (int k = 0; k < r->n_pop; k++) r->population[k] = 1.0 / r->n_pop, r->heat_current[k] = 0.0;
    r->phase = 0;
    r->peak_site = 1;
}

/* Emulation: pack a batch column by column, not point by point: hundreds
 * of emulated workers share two cores, so their own work per point must
 * stay small beside the waiting the harness measures. Values taken from a
 * double field of qt_result (SW_SRC_DOUBLE, SW_SRC_ARRAY) are the point's
 * flat index, the others those of emulated_result. */
static void emulate_pack(const sw_config *cfg, const sw_block *blk, const qt_result *r,
                         int64_t start, int64_t count, double *packed)
{
    sw_pack_point(cfg, blk->N, blk->col, r, 0, count, packed);
    for (int k = 0; k < cfg->n_out; k++) {
        const sw_output *o = &sw_outputs[cfg->out[k]];
        const int64_t e = sw_ext_size(o->ext, cfg->model, blk->N);
        double *dst = packed + (int64_t)blk->col[k] * count;
        const int by_index = k > 0 && (o->src == SW_SRC_DOUBLE || o->src == SW_SRC_ARRAY);
        for (int64_t i = 0; i < count; i++)
            for (int64_t j = 0; j < e; j++)
                dst[i * e + j] = by_index ? (double)(start + i) : dst[j];
    }
}

/* Emulation: the batch's modelled cost spent waiting (one absolute
 * deadline: hundreds of ranks on two cores must not wake up more than
 * needed), deterministic results. */
static void emulate_batch(sw_compute *c, const sw_block *blk, int64_t start, int64_t count,
                          double *packed, void (*poll)(void *), void *poll_arg)
{
    struct timespec now, until;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double end = (double)now.tv_sec + 1e-9 * (double)now.tv_nsec + (double)count * blk->cost;
    until.tv_sec = (time_t)end;
    until.tv_nsec = (long)(1e9 * (end - (double)until.tv_sec));
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) == EINTR) {
    }
    if (poll) poll(poll_arg);
    emulated_result(c->cfg, blk->N, c->res);
    emulate_pack(c->cfg, blk, c->res, start, count, packed);
}

void sw_compute_batch(sw_compute *c, int b, int64_t start, int64_t count, double *packed,
                      void (*poll)(void *), void *poll_arg)
{
    const sw_config *cfg = c->cfg;
    const sw_block *blk = &c->grid->blk[b];
    int64_t idx[SW_MAX_AXES];
    qt_params p;
    if (c->emulate) {
        emulate_batch(c, blk, start, count, packed, poll, poll_arg);
        return;
    }
    for (int64_t i = 0; i < count; i++) {
        sw_grid_unravel(cfg, start + i, idx);
        sw_config_point(cfg, blk->N, idx, &p);
        qt_solve(&p, &cfg->opt, c->ws, c->res);
        sw_pack_point(cfg, blk->N, blk->col, c->res, i, count, packed);
        if (poll && (i + 1) % SW_POLL_EVERY == 0) poll(poll_arg);
    }
    if (c->count_fd >= 0) {
        for (int64_t s = 0; s < count;) { /* lines of one batch, few writes */
            size_t n = 0;
            for (; s < count && n + 40 < c->count_cap; s++)
                n += (size_t)snprintf(c->count_buf + n, c->count_cap - n, "%s %lld\n", blk->group,
                                      (long long)(start + s));
            if (write(c->count_fd, c->count_buf, n) != (ssize_t)n) break;
        }
    }
}
