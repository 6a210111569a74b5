/* Phase-boundary sweeps (boundary.h): lines, the master's task queue (scan
 * ranges, then one refinement task per bracket), the workers' compute side,
 * and the driver of a boundary run.
 *
 *   master -> worker  item   {SCAN, block, line, start, count} | {REFINE, block, line, k,
 *                            bracket} | {NONE}
 *   worker -> master  result {type, block, line, start, count, k, flags} + doubles:
 *                            SCAN: count x n_scalar values; REFINE: the refined point
 *
 * Each worker holds up to two items; the master answers every result with
 * the next item (refinements first: they finish lines), and never blocks in
 * MPI while it waits (Improbe + nap, as in scheduler.c). */
#include "boundary.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../common/exit_codes.h"
#include "boundary_h5.h"
#include "log.h"
#include "outputs.h"
#include "scheduler.h"
#include "signals.h"

/* ---- lines --------------------------------------------------------------- */

/* The crossing formula holds for the uniform chain with h fixed, and the
 * rate diverges there in the global (secular) master equation. */
static int singular_crossings(const sw_config *cfg)
{
    const qt_params *p = &cfg->base;
    for (int a = 0; a < cfg->n_axes; a++)
        if (!strcmp(cfg->axis[a].name, "h") || !strcmp(cfg->axis[a].name, "disorder_W") ||
            !strcmp(cfg->axis[a].name, "spectral") || !strcmp(cfg->axis[a].name, "master_equation"))
            return 0;
    return !p->h_sites && !p->g_sites && p->disorder_W == 0.0 &&
           p->master_equation == QT_ME_GLOBAL && p->spectral == QT_SPECTRAL_FLAT;
}

static int build_group(const sw_config *cfg, int N, sw_bgroup *G)
{
    const sw_axis *ax = &cfg->axis[cfg->bnd.axis];
    qt_line *l = &G->line;
    memset(l, 0, sizeof *l);
    l->lo = ax->v[0], l->hi = ax->v[1], l->scan = cfg->bnd.scan, l->xtol = cfg->bnd.xtol;
    /* a flat spectral density diverges at a level crossing of the chain: the
     * crossings of g are flanked and a sign change across one is exact; with
     * ohmic J the rates stay finite there and phi is refined like anywhere */
    if (cfg->model == QT_MODEL_NSITE && !strcmp(ax->name, "g") && singular_crossings(cfg)) {
        int n = qt_chain_crossings_g(N, cfg->base.h, l->lo, l->hi, NULL, 0);
        G->crossing = malloc((size_t)(n > 0 ? n : 1) * sizeof(double));
        if (!G->crossing) return -1;
        l->n_crossings = qt_chain_crossings_g(N, cfg->base.h, l->lo, l->hi, G->crossing, n);
        l->crossings = G->crossing;
        l->crossings_singular = cfg->bnd.crossings;
    }
    int cap = qt_line_scan_capacity(l);
    G->x = malloc((size_t)cap * sizeof(double));
    G->x_cross = malloc((size_t)cap * sizeof(double));
    if (!G->x || !G->x_cross) return -1;
    G->n_scan = qt_line_scan_points(l, G->x, G->x_cross);
    G->n_point = G->n_scan > 1 ? G->n_scan - 1 : 1;
    return G->n_scan < 2 ? -1 : 0;
}

int sw_blines_build(const sw_config *cfg, const sw_grid *g, sw_blines *L, char *msg, size_t msglen)
{
    memset(L, 0, sizeof *L);
    for (int a = 0; a < cfg->n_axes; a++)
        if (a != cfg->bnd.axis) L->other[L->n_other++] = a;
    for (int k = 0; k < cfg->n_out; k++) {
        if (sw_outputs[cfg->out[k]].ext != SW_EXT_1) continue;
        if (cfg->out[k] == cfg->bnd.observable) L->obs = L->n_scalar;
        L->scalar[L->n_scalar++] = k;
    }
    int64_t lines = 1;
    for (int a = 0; a < L->n_other; a++) lines *= cfg->axis[L->other[a]].n;
    L->n_groups = g->n_blocks;
    L->grp = calloc((size_t)g->n_blocks, sizeof *L->grp);
    if (!L->grp) return snprintf(msg, msglen, "out of memory"), -1;
    for (int b = 0; b < g->n_blocks; b++) {
        L->grp[b].n_lines = lines;
        if (build_group(cfg, g->blk[b].N, &L->grp[b])) {
            snprintf(msg, msglen, "boundary: cannot lay out the scan of %s", g->blk[b].group);
            sw_blines_free(L);
            return -1;
        }
    }
    return 0;
}

void sw_blines_free(sw_blines *L)
{
    for (int b = 0; L->grp && b < L->n_groups; b++) {
        free(L->grp[b].crossing);
        free(L->grp[b].x);
        free(L->grp[b].x_cross);
    }
    free(L->grp);
    memset(L, 0, sizeof *L);
}

void sw_blines_unravel(const sw_config *cfg, const sw_blines *L, int64_t line, int64_t *idx)
{
    idx[cfg->bnd.axis] = 0;
    for (int a = L->n_other - 1; a >= 0; a--) {
        int64_t n = cfg->axis[L->other[a]].n;
        idx[L->other[a]] = line % n;
        line /= n;
    }
}

/* ---- messages ------------------------------------------------------------ */

enum { TAG_BITEM = 21, TAG_BRESULT = 22 };
enum { ITEM_SCAN = 1, ITEM_REFINE = 2, ITEM_NONE = 3 };
enum { FLAG_STOP = 1 };
#define REFINE_DOUBLES 8 /* x, lo, hi, f_lo, f_hi, kind, status, evaluations */

typedef struct {
    int64_t type, block, line, start, count, k;
    double lo, hi, f_lo, f_hi;
} bitem;

typedef struct {
    int64_t type, block, line, start, count, k, flags;
} bresult;

/* ---- compute side ------------------------------------------------------ */

static size_t payload_doubles(const sw_grid *g, const sw_blines *L);

typedef struct {
    const sw_config *cfg;
    const sw_grid *g;
    const sw_blines *L;
    sw_config cfgx; /* cfg with the traced axis reading xval (shared arrays, never freed) */
    double xval;
    int N;
    const int *col;
    int64_t idx[SW_MAX_AXES];
    qt_workspace *ws;
    qt_result *res;
    double *packed; /* one packed record of the largest group */
    char *msgbuf;   /* a result message */
} bworker;

static int bworker_init(bworker *w, const sw_config *cfg, const sw_grid *g, const sw_blines *L)
{
    memset(w, 0, sizeof *w);
    w->cfg = cfg, w->g = g, w->L = L;
    w->cfgx = *cfg;
    w->cfgx.axis[cfg->bnd.axis].v = &w->xval;
    w->ws = qt_workspace_alloc(cfg->model, g->max_N, cfg->ws_flags);
    w->res = qt_result_alloc(g->max_N > 3 ? g->max_N : 3);
    w->packed = malloc((size_t)g->max_rec * sizeof(double));
    w->msgbuf = malloc(sizeof(bresult) + payload_doubles(g, L) * sizeof(double));
    return w->ws && w->res && w->packed && w->msgbuf ? 0 : -1;
}

static void bworker_free(bworker *w)
{
    qt_workspace_free(&w->ws);
    qt_result_free(&w->res);
    free(w->packed);
    free(w->msgbuf);
    w->packed = NULL, w->msgbuf = NULL;
}

/* The observable minus the level at x on the current line. */
static int evaluate(double x, void *ctx, double *value)
{
    bworker *w = ctx;
    qt_params p;
    w->xval = x;
    sw_config_point(&w->cfgx, w->N, w->idx, &p);
    int st = qt_solve(&p, &w->cfg->opt, w->ws, w->res);
    sw_pack_point(w->cfg, w->N, w->col, w->res, 0, 1, w->packed);
    *value = w->packed[w->col[w->L->scalar[w->L->obs]]] - w->cfg->bnd.level;
    return st;
}

static void set_line(bworker *w, int b, int64_t line)
{
    w->N = w->g->blk[b].N;
    w->col = w->g->blk[b].col;
    sw_blines_unravel(w->cfg, w->L, line, w->idx);
}

/* Work one item; the payload doubles go to out. */
static void run_item(bworker *w, const bitem *it, double *out)
{
    const sw_blines *L = w->L;
    set_line(w, (int)it->block, it->line);
    if (it->type == ITEM_SCAN) {
        const sw_bgroup *G = &L->grp[it->block];
        for (int64_t i = 0; i < it->count; i++) {
            double f;
            evaluate(G->x[it->start + i], w, &f);
            for (int j = 0; j < L->n_scalar; j++)
                out[i * L->n_scalar + j] = w->packed[w->col[L->scalar[j]]];
        }
        return;
    }
    qt_boundary_point p = {QT_BOUNDARY_ROOT, NAN, it->lo, it->hi, it->f_lo, it->f_hi, QT_OK, 0};
    qt_line_refine(&L->grp[it->block].line, evaluate, w, &p);
    const double v[REFINE_DOUBLES] = {p.x,    p.lo,   p.hi,     p.f_lo,
                                      p.f_hi, p.kind, p.status, p.evaluations};
    memcpy(out, v, sizeof v);
}

/* ---- the master's lines and queue ----------------------------------------- */

typedef struct {
    int scan_left, refine_left, n_pts;
    long solves;
    double *scan; /* [n_scan * n_scalar] */
    double *f;    /* [n_scan] observable - level */
    int *status;  /* [n_scan] */
    qt_boundary_point *pts;
} line_state;

typedef struct {
    int b;
    int64_t line;
    int k;
} refine_task;

typedef struct {
    const sw_config *cfg;
    const sw_grid *g;
    const sw_blines *L;
    sw_bh5 *h;
    uint8_t **done;
    line_state ***ls; /* [block][line], allocated when the line starts */
    int oi;           /* scan cursor: position in g->order, line, next scan point */
    int64_t line;
    int pos;
    refine_task *rq; /* refinement queue */
    size_t rq_head, rq_len, rq_cap;
    int64_t lines_total, lines_before, lines_done, solves, points[4];
    int io_error;
} bmaster;

static void line_state_free(line_state *s)
{
    if (!s) return;
    free(s->scan), free(s->f), free(s->status), free(s->pts);
    free(s);
}

static line_state *line_start(bmaster *m, int b, int64_t line)
{
    const sw_bgroup *G = &m->L->grp[b];
    line_state *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->scan = malloc((size_t)G->n_scan * (size_t)m->L->n_scalar * sizeof(double));
    s->f = malloc((size_t)G->n_scan * sizeof(double));
    s->status = malloc((size_t)G->n_scan * sizeof(int));
    s->pts = malloc((size_t)G->n_point * sizeof(qt_boundary_point));
    if (!s->scan || !s->f || !s->status || !s->pts) {
        line_state_free(s);
        return NULL;
    }
    s->scan_left = G->n_scan;
    m->ls[b][line] = s;
    return s;
}

static int push_refine(bmaster *m, int b, int64_t line, int k)
{
    if (m->rq_head + m->rq_len == m->rq_cap) {
        size_t cap = m->rq_cap ? 2 * m->rq_cap : 256;
        refine_task *n = realloc(m->rq, cap * sizeof *n);
        if (!n) return -1;
        m->rq = n, m->rq_cap = cap;
    }
    m->rq[m->rq_head + m->rq_len++] = (refine_task){b, line, k};
    return 0;
}

/* The next item: a refinement if any is waiting, else the next scan range.
 * Returns 0 when there is nothing to hand out now; -1 out of memory. */
static int next_item(bmaster *m, bitem *it)
{
    memset(it, 0, sizeof *it);
    if (m->rq_len) {
        refine_task t = m->rq[m->rq_head++];
        m->rq_len--;
        if (!m->rq_len) m->rq_head = 0;
        const qt_boundary_point *p = &m->ls[t.b][t.line]->pts[t.k];
        *it = (bitem){ITEM_REFINE, t.b, t.line, 0, 0, t.k, p->lo, p->hi, p->f_lo, p->f_hi};
        return 1;
    }
    while (m->oi < m->g->n_blocks) {
        int b = m->g->order[m->oi];
        const sw_bgroup *G = &m->L->grp[b];
        if (m->line >= G->n_lines) {
            m->oi++, m->line = 0, m->pos = 0;
            continue;
        }
        if (m->done[b][m->line]) {
            m->line++;
            continue;
        }
        if (m->pos == 0 && !line_start(m, b, m->line)) return -1;
        int64_t cap = sw_batch_cap(&m->g->blk[b]);
        int n = G->n_scan - m->pos < cap ? G->n_scan - m->pos : (int)cap;
        *it = (bitem){ITEM_SCAN, b, m->line, m->pos, n, 0, 0, 0, 0, 0};
        m->pos += n;
        if (m->pos == G->n_scan) m->line++, m->pos = 0;
        return 1;
    }
    return 0;
}

static void finish_line(bmaster *m, int b, int64_t line)
{
    line_state *s = m->ls[b][line];
    if (!m->io_error &&
        sw_bh5_write_line(m->h, m->cfg, m->L, b, line, s->scan, s->pts, s->n_pts, s->solves)) {
        sw_log(0, "error: writing line %lld of %s failed; stopping", (long long)line,
               m->g->blk[b].group);
        m->io_error = 1;
    }
    if (!m->io_error) {
        m->lines_done++;
        m->solves += s->solves;
        for (int k = 0; k < s->n_pts; k++) m->points[s->pts[k].kind & 3]++;
    }
    line_state_free(s);
    m->ls[b][line] = NULL;
}

/* Take a result in; queue the line's refinements when its scan is complete. */
static int take_result(bmaster *m, const bresult *r, const double *v)
{
    line_state *s = m->ls[r->block][r->line];
    const sw_bgroup *G = &m->L->grp[r->block];
    const int R = m->L->n_scalar;
    if (r->type == ITEM_SCAN) {
        memcpy(s->scan + r->start * R, v, (size_t)(r->count * R) * sizeof(double));
        for (int64_t i = r->start; i < r->start + r->count; i++) {
            s->status[i] = (int)s->scan[i * R]; /* status is the first scalar */
            s->f[i] = s->scan[i * R + m->L->obs] - m->cfg->bnd.level;
        }
        s->scan_left -= (int)r->count;
        s->solves += r->count;
        if (s->scan_left > 0) return 0;
        s->n_pts = qt_line_brackets(&G->line, G->x, G->x_cross, s->f, s->status, G->n_scan, s->pts,
                                    G->n_point);
        for (int k = 0; k < s->n_pts; k++)
            if (s->pts[k].kind == QT_BOUNDARY_ROOT) {
                if (push_refine(m, (int)r->block, r->line, k)) return -1;
                s->refine_left++;
            }
    } else {
        qt_boundary_point *p = &s->pts[r->k];
        p->x = v[0], p->lo = v[1], p->hi = v[2], p->f_lo = v[3], p->f_hi = v[4];
        p->kind = (int)v[5], p->status = (int)v[6], p->evaluations = (int)v[7];
        s->solves += p->evaluations;
        s->refine_left--;
    }
    if (s->refine_left == 0) finish_line(m, (int)r->block, r->line);
    return 0;
}

/* ---- the run ------------------------------------------------------------ */

#define SLEEP_MIN 50e-6
#define SLEEP_MAX 4e-3

static void nap(double seconds)
{
    struct timespec ts = {(time_t)seconds, (long)(1e9 * (seconds - floor(seconds)))};
    nanosleep(&ts, NULL);
}

static size_t payload_doubles(const sw_grid *g, const sw_blines *L)
{
    size_t n = REFINE_DOUBLES;
    for (int b = 0; b < g->n_blocks; b++) {
        int64_t cap = sw_batch_cap(&g->blk[b]);
        int64_t c = L->grp[b].n_scan < cap ? L->grp[b].n_scan : cap;
        if ((size_t)(c * L->n_scalar) > n) n = (size_t)(c * L->n_scalar);
    }
    return n;
}

static void progress(const bmaster *m, double t0)
{
    double el = sw_now() - t0;
    int64_t have = m->lines_before + m->lines_done;
    sw_log(0, "progress: %lld/%lld lines, %lld solves, %.0f s", (long long)have,
           (long long)m->lines_total, (long long)m->solves, el);
}

/* K = 1: the master computes its own items. */
static int run_single(bmaster *m, bworker *w, double *payload, double every)
{
    const double t0 = sw_now();
    double last = t0;
    bitem it;
    int rc;
    while (!m->io_error && !sw_signal_caught() && (rc = next_item(m, &it)) > 0) {
        run_item(w, &it, payload);
        bresult r = {it.type, it.block, it.line, it.start, it.count, it.k, 0};
        if (take_result(m, &r, payload)) return -1;
        if (every > 0 && sw_now() - last >= every) progress(m, t0), last = sw_now();
    }
    return rc < 0 || m->io_error ? -1 : 0;
}

typedef struct {
    int outstanding, none_sent;
} wstate;

/* Offer worker w its next item. Nothing to hand out: it waits while results
 * that may bring refinements are in flight, else it gets NONE. */
static int offer(MPI_Comm comm, bmaster *m, wstate *ws, int w, int stopping, int in_flight)
{
    bitem it;
    int rc = stopping ? 0 : next_item(m, &it);
    if (rc < 0) return -1;
    if (rc == 0) {
        if (ws->outstanding || (!stopping && in_flight)) return 0;
        memset(&it, 0, sizeof it);
        it.type = ITEM_NONE;
        ws->none_sent = 1;
    } else {
        ws->outstanding++;
    }
    MPI_Send(&it, (int)sizeof it, MPI_BYTE, w, TAG_BITEM, comm);
    return 0;
}

static int run_master(MPI_Comm comm, int size, bmaster *m, char *buf, double every)
{
    const double t0 = sw_now();
    double last = t0, sleep_s = SLEEP_MIN;
    wstate *ws = calloc((size_t)size, sizeof *ws);
    int stopping = 0, rc = 0;
    if (!ws) return -1;
    for (;;) {
        int in_flight = 0, finished = 1;
        for (int w = 1; w < size; w++) in_flight += ws[w].outstanding;
        for (int w = 1; w < size; w++) {
            for (int k = 0; k < 2 && !rc && !ws[w].none_sent && ws[w].outstanding < 2; k++) {
                int before = ws[w].outstanding;
                rc = offer(comm, m, &ws[w], w, stopping || m->io_error || rc, in_flight);
                if (ws[w].outstanding == before) break;
                in_flight++;
            }
            if (rc && !ws[w].none_sent && !ws[w].outstanding) { /* out of memory: end it */
                bitem none = {ITEM_NONE, 0, 0, 0, 0, 0, 0, 0, 0, 0};
                MPI_Send(&none, (int)sizeof none, MPI_BYTE, w, TAG_BITEM, comm);
                ws[w].none_sent = 1;
            }
            finished &= ws[w].none_sent && !ws[w].outstanding;
        }
        if (finished) break;
        if (!stopping && sw_signal_caught()) {
            stopping = 1;
            sw_log(0, "caught signal %d: finishing the tasks in flight, then stopping",
                   sw_signal_caught());
        }
        if (every > 0 && sw_now() - last >= every) progress(m, t0), last = sw_now();
        int flag, nbytes;
        MPI_Message mh;
        MPI_Status st;
        MPI_Improbe(MPI_ANY_SOURCE, TAG_BRESULT, comm, &flag, &mh, &st);
        if (!flag) {
            nap(sleep_s);
            sleep_s = sleep_s * 2 < SLEEP_MAX ? sleep_s * 2 : SLEEP_MAX;
            continue;
        }
        sleep_s = SLEEP_MIN;
        MPI_Get_count(&st, MPI_BYTE, &nbytes);
        MPI_Mrecv(buf, nbytes, MPI_BYTE, &mh, MPI_STATUS_IGNORE);
        bresult r;
        memcpy(&r, buf, sizeof r);
        ws[st.MPI_SOURCE].outstanding--;
        if ((r.flags & FLAG_STOP) && !stopping) {
            stopping = 1;
            sw_log(0, "rank %d caught a stop signal: finishing the tasks in flight, then stopping",
                   st.MPI_SOURCE);
        }
        if (!rc && take_result(m, &r, (const double *)(buf + sizeof r))) rc = -1;
        if (rc) stopping = 1;
    }
    free(ws);
    return rc || m->io_error ? -1 : 0;
}

static void run_worker(MPI_Comm comm, bworker *w, char *buf)
{
    for (;;) {
        bitem it;
        MPI_Request req;
        MPI_Irecv(&it, (int)sizeof it, MPI_BYTE, 0, TAG_BITEM, comm, &req);
        int flag = 0;
        double s = 5e-6;
        for (MPI_Test(&req, &flag, MPI_STATUS_IGNORE); !flag;
             MPI_Test(&req, &flag, MPI_STATUS_IGNORE))
            nap(s), s = s * 2 < 2e-4 ? s * 2 : 2e-4;
        if (it.type == ITEM_NONE) break;
        double *payload = (double *)(buf + sizeof(bresult));
        run_item(w, &it, payload);
        bresult r = {it.type,
                     it.block,
                     it.line,
                     it.start,
                     it.count,
                     it.k,
                     sw_signal_caught() ? FLAG_STOP : 0};
        memcpy(buf, &r, sizeof r);
        size_t n = it.type == ITEM_SCAN ? (size_t)(it.count * w->L->n_scalar) : REFINE_DOUBLES;
        MPI_Send(buf, (int)(sizeof r + n * sizeof(double)), MPI_BYTE, 0, TAG_BRESULT, comm);
    }
}

/* ---- driver ------------------------------------------------------------- */

static int agree(MPI_Comm comm, int v)
{
    int r;
    MPI_Allreduce(&v, &r, 1, MPI_INT, MPI_MAX, comm);
    return r;
}

/* Rank 0: create the file under its temporary name and place it. 0 or an
 * exit code. */
static int create_file(const sw_config *cfg, const sw_grid *g, const sw_blines *L,
                       const sw_boundary_args *a, sw_bh5 **h, char *msg, size_t len)
{
    if (a->new_tmp(a->file, msg, len) ||
        sw_bh5_create(h, a->tmp, cfg, g, L, a->created, msg, len)) {
        a->drop_tmp(a->file);
        return QT_EXIT_FAILURE;
    }
    int prc = a->place(a->file, msg, len);
    if (prc) {
        sw_bh5_close(*h), *h = NULL;
        a->drop_tmp(a->file);
        return prc == 2 ? QT_EXIT_USAGE : QT_EXIT_FAILURE;
    }
    return 0;
}

/* Rank 0, --resume: check read-only first (a refused or complete file is
 * not touched), read the done lines, then open writable. 0 or an exit code;
 * *complete when nothing is left to do. */
static int resume_file(const sw_config *cfg, const sw_grid *g, const sw_blines *L,
                       const sw_boundary_args *a, sw_bh5 **h, uint8_t **done, int *complete,
                       char *msg, size_t len)
{
    int rc = sw_bh5_open(h, a->out, cfg, g, L, 0, msg, len);
    long long todo = 0;
    for (int b = 0; !rc && b < L->n_groups; b++) {
        if (sw_bh5_read_done(*h, L, b, done[b])) rc = -1, snprintf(msg, len, "cannot read done");
        for (int64_t i = 0; i < L->grp[b].n_lines; i++) todo += !done[b][i];
    }
    sw_bh5_close(*h), *h = NULL;
    if (!rc && todo == 0) return *complete = 1, 0;
    if (!rc) rc = sw_bh5_open(h, a->out, cfg, g, L, 1, msg, len);
    if (rc) sw_bh5_close(*h), *h = NULL;
    return rc == 0 ? 0 : rc == 2 ? QT_EXIT_USAGE : QT_EXIT_FAILURE;
}

/* Rank 0 creates or opens the file while the others wait; every rank gets
 * the exit code (0 to go on) and *complete. */
static int open_file(MPI_Comm comm, const sw_config *cfg, const sw_grid *g, const sw_blines *L,
                     const sw_boundary_args *a, sw_bh5 **h, uint8_t **done, int *complete,
                     char *msg, size_t len)
{
    int rank, st[2] = {0, 0};
    MPI_Comm_rank(comm, &rank);
    if (rank == 0)
        st[0] = a->resume ? resume_file(cfg, g, L, a, h, done, &st[1], msg, len)
                          : create_file(cfg, g, L, a, h, msg, len);
    sw_sleepy_barrier(comm);
    MPI_Bcast(st, 2, MPI_INT, 0, comm);
    *complete = st[1];
    return st[0];
}

static void report(const bmaster *m, const sw_boundary_args *a, int size, double seconds)
{
    sw_log(0,
           "this run: %lld lines, %lld solves in %.3f s; boundary points: %lld roots, %lld "
           "crossings, %lld failed",
           (long long)m->lines_done, (long long)m->solves, seconds, (long long)m->points[1],
           (long long)m->points[2], (long long)m->points[3]);
    int64_t have = m->lines_before + m->lines_done;
    if (have < m->lines_total)
        sw_log(0,
               "interrupted: %lld/%lld lines saved in %s\n"
               "  resume with: mpirun -np %d qthermo sweep %s -o %s --resume",
               (long long)have, (long long)m->lines_total, a->out, size, a->config, a->out);
    else
        sw_log(0, "done: %lld/%lld lines in %s", (long long)have, (long long)m->lines_total,
               a->out);
}

/* Rank 0's part of the run: the queue, the lines, the writes. */
static int master_side(MPI_Comm comm, int size, bmaster *m, bworker *w, double every,
                       const sw_boundary_args *a)
{
    const sw_grid *g = m->g;
    const double t0 = sw_now();
    int rc = 0;
    m->ls = calloc((size_t)g->n_blocks, sizeof *m->ls);
    for (int b = 0; m->ls && b < g->n_blocks; b++) {
        m->lines_total += m->L->grp[b].n_lines;
        for (int64_t i = 0; i < m->L->grp[b].n_lines; i++) m->lines_before += m->done[b][i] != 0;
        if (!(m->ls[b] = calloc((size_t)m->L->grp[b].n_lines, sizeof **m->ls))) rc = -1;
    }
    size_t bytes = sizeof(bresult) + payload_doubles(g, m->L) * sizeof(double);
    char *buf = malloc(bytes);
    if (!m->ls || !buf) rc = -1;
    sw_log(0, "%s %s -> %s: boundary of %s along %s, %lld lines, %d rank%s",
           a->resume ? "resuming" : "starting", a->config, a->out,
           sw_outputs[m->cfg->bnd.observable].name, m->cfg->axis[m->cfg->bnd.axis].name,
           (long long)(m->lines_total - m->lines_before), size, size > 1 ? "s" : "");
    if (!rc && size == 1) rc = run_single(m, w, (double *)(buf + sizeof(bresult)), every);
    if (size > 1) { /* the workers wait for items: run even after a failure, to end them */
        if (rc) m->io_error = 1;
        rc = run_master(comm, size, m, buf, every) || rc;
    }
    for (int b = 0; m->ls && b < g->n_blocks; b++) {
        for (int64_t i = 0; m->ls[b] && i < m->L->grp[b].n_lines; i++) line_state_free(m->ls[b][i]);
        free(m->ls[b]);
    }
    free(m->ls);
    free(m->rq);
    free(buf);
    report(m, a, size, sw_now() - t0);
    if (rc || m->io_error) return QT_EXIT_FAILURE;
    return m->lines_before + m->lines_done < m->lines_total ? QT_EXIT_INTERRUPTED : QT_EXIT_OK;
}

int sw_boundary_sweep(MPI_Comm comm, const sw_config *cfg, const sw_grid *g,
                      const sw_boundary_args *a)
{
    int rank, size, code = QT_EXIT_OK, complete = 0;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    char msg[1024] = "";
    sw_blines L;
    sw_bh5 *h = NULL;
    uint8_t **done = NULL;
    int bad = sw_blines_build(cfg, g, &L, msg, sizeof msg) != 0;
    if (!bad && rank == 0) {
        done = calloc((size_t)g->n_blocks, sizeof *done);
        bad = !done;
        for (int b = 0; !bad && b < g->n_blocks; b++)
            bad = !(done[b] = calloc((size_t)L.grp[b].n_lines, 1));
    }
    if (agree(comm, bad)) {
        if (rank == 0)
            fprintf(stderr, "qthermo sweep: error: %s\n", msg[0] ? msg : "out of memory");
        code = QT_EXIT_FAILURE;
        goto out;
    }
    code = open_file(comm, cfg, g, &L, a, &h, done, &complete, msg, sizeof msg);
    if (code || complete) {
        if (rank == 0 && code) fprintf(stderr, "qthermo sweep: error: %s\n", msg);
        if (rank == 0 && complete) sw_log(0, "%s is complete: nothing to do", a->out);
        goto out;
    }
    bworker w;
    memset(&w, 0, sizeof w);
    const int computes = size == 1 || rank > 0;
    bad = computes && bworker_init(&w, cfg, g, &L);
    if (agree(comm, bad)) {
        if (bad) fprintf(stderr, "qthermo sweep [%d]: out of memory for the workspace\n", rank);
        code = QT_EXIT_FAILURE;
    } else if (rank == 0) {
        bmaster m;
        memset(&m, 0, sizeof m);
        m.cfg = cfg, m.g = g, m.L = &L, m.h = h, m.done = done;
        code = master_side(comm, size, &m, &w, a->progress, a);
    } else {
        run_worker(comm, &w, w.msgbuf);
    }
    if (computes) bworker_free(&w);
    sw_sleepy_barrier(comm);
    if (rank == 0 && sw_bh5_close(h)) code = QT_EXIT_FAILURE;
    h = NULL;
out:
    MPI_Bcast(&code, 1, MPI_INT, 0, comm);
    for (int b = 0; done && b < g->n_blocks; b++) free(done[b]);
    free(done);
    sw_blines_free(&L);
    return code;
}
