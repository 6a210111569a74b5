/* Master/worker protocol (README.md in this folder has the diagram):
 *
 *   master -> worker  TAG_ITEM   {WORK, block, start, count} | {NONE}
 *   worker -> master  TAG_RESULT {block, start, count, flags, synced, failed,
 *                                 nonpositive} + packed results (`--writer master`)
 *
 * Every WORK is answered by exactly one TAG_RESULT; NONE is the last message
 * a worker gets. A worker starts with two items and gets one more per
 * result, so it always has the next batch at hand.
 *
 * `--writer master`: the master writes every result and commits (sync,
 * then done flags) every flush_every seconds; NONE is not answered.
 * `--writer workers`: a worker writes its batch itself (rawwrite.h) and
 * sends only the header. A worker on the master's node: its batch joins
 * the master's commit queue (the master's fdatasync covers the node's
 * page cache). Elsewhere: every flush_every seconds the worker fdatasyncs
 * and `synced` (cumulative) says how many of its batches are on stable
 * storage; the master keeps those batches in order and marks done only
 * the synced ones. NONE is answered by a last report
 * (count 0) after the worker's final sync.
 *
 * No hang: a worker silent for longer than the rank timeout while it owes
 * a result, or a master silent that long while a worker waits, ends the
 * run (sw_run returns SW_RUN_DEAD_RANK; the driver closes the file and
 * aborts the job). */
#include "scheduler.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "../common/exit_codes.h"
#include "../common/memlimit.h"
#include "log.h"
#include "outputs.h"
#include "signals.h"

enum { TAG_ITEM = 11, TAG_RESULT = 12 };
enum { ITEM_WORK = 1, ITEM_NONE = 3 };
enum { FLAG_STOP = 1, FLAG_IOERR = 2 }; /* a stop signal; the worker's write or sync failed */

typedef struct {
    int64_t type, block, start, count;
} item_msg;

typedef struct {
    int64_t block, start, count, flags;
    int64_t synced;              /* workers write: the worker's batches on stable storage */
    int64_t failed, nonpositive; /* the batch's summary (count_failed) */
} result_hdr;

/* After a FLAG_IOERR header: what failed, as text. */
#define IOERR_TEXT 256

/* Backoff of a waiting rank: first sleep, longest sleep (seconds). */
#define MASTER_SLEEP_MIN 50e-6
#define MASTER_SLEEP_MAX 4e-3
#define WORKER_SLEEP_MIN 5e-6
#define WORKER_SLEEP_MAX 2e-4

static void nap(double seconds)
{
    struct timespec ts = {(time_t)seconds, (long)(1e9 * (seconds - floor(seconds)))};
    nanosleep(&ts, NULL); /* EINTR (a signal) just ends the nap early */
}

/* Wait for a request without spinning a core. */
static void sleepy_wait(MPI_Request *req, MPI_Status *st, double smin, double smax)
{
    int flag = 0;
    double s = smin;
    for (;;) {
        MPI_Test(req, &flag, st);
        if (flag) return;
        nap(s);
        s = s * 2 < smax ? s * 2 : smax;
    }
}

void sw_sleepy_barrier(MPI_Comm comm)
{
    MPI_Request r;
    MPI_Ibarrier(comm, &r);
    sleepy_wait(&r, MPI_STATUS_IGNORE, WORKER_SLEEP_MIN, 2e-3);
}

/* ---- the master's queue of undone points ------------------------------ */

typedef struct {
    const sw_grid *g;
    uint8_t **done;
    int oi;       /* position in g->order */
    int64_t pos;  /* next flat index to look at in that block */
    int64_t left; /* undone points not handed out yet */
    int workers;
} queue_t;

/* The next batch, at most `share` of the block's cap. */
static int next_batch(queue_t *q, double share, int *b, int64_t *start, int64_t *count)
{
    while (q->oi < q->g->n_blocks) {
        const int bi = q->g->order[q->oi];
        const sw_block *blk = &q->g->blk[bi];
        const uint8_t *d = q->done[bi];
        while (q->pos < blk->npoints && d[q->pos]) q->pos++;
        if (q->pos == blk->npoints) {
            q->oi++;
            q->pos = 0;
            continue;
        }
        /* guided self-scheduling: a share of what is left, capped at about
         * SW_BATCH_SECONDS of work, so the tail is made of short batches */
        const int64_t full = sw_batch_cap(blk);
        int64_t cap = (int64_t)(share * (double)full);
        if (cap < 1) cap = 1;
        int64_t want = (q->left + 2 * q->workers - 1) / (2 * q->workers);
        int64_t floor_n =
            full / 16 > 16 ? full / 16 : 16; /* tail batches: ~SW_BATCH_SECONDS / 16 */
        if (floor_n > cap) floor_n = cap;
        if (want > cap) want = cap;
        if (want < floor_n) want = floor_n;
        int64_t n = 0;
        while (n < want && q->pos + n < blk->npoints && !d[q->pos + n]) n++;
        *b = bi;
        *start = q->pos;
        *count = n;
        q->pos += n;
        q->left -= n;
        return 1;
    }
    return 0;
}

/* ---- progress --------------------------------------------------------- */

static void fmt_duration(double s, char *buf, size_t len)
{
    if (!isfinite(s) || s < 0)
        snprintf(buf, len, "?");
    else if (s < 120)
        snprintf(buf, len, "%.0fs", s);
    else if (s < 7200)
        snprintf(buf, len, "%.0fm%02.0fs", floor(s / 60), fmod(s, 60));
    else
        snprintf(buf, len, "%.0fh%02.0fm", floor(s / 3600), fmod(floor(s / 60), 60));
}

/* ETA from the cost model (sw_block.cost) calibrated on this run: the
 * modelled seconds still to do at the pace the done ones took. Counting
 * points instead misleads on mixed-N grids (largest N first). The pace is
 * taken from the first result on: before it every worker was busy with
 * work not counted yet (and set up its workspace for the N). */
static double eta_seconds(const sw_run_stats *st, double elapsed)
{
    double left = st->cost_left - st->cost_done, since = sw_now() - st->first_time;
    if (left < 0) left = 0;
    if (st->cost_done > st->first_cost && since > 0)
        return since * left / (st->cost_done - st->first_cost);
    return st->cost_done > 0 ? elapsed * left / st->cost_done : NAN;
}

static void progress_line(const sw_run_stats *st, double t0)
{
    double el = sw_now() - t0, rate = el > 0 ? (double)st->computed / el : 0;
    int64_t have = st->done_before + st->computed;
    char eta[32];
    fmt_duration(eta_seconds(st, el), eta, sizeof eta);
    sw_log(0, "progress: %lld/%lld points (%.1f%%), %.0f points/s, ETA %s, failed %lld",
           (long long)have, (long long)st->total,
           st->total ? 100.0 * (double)have / (double)st->total : 100.0, rate, eta,
           (long long)st->failed);
}

static void count_done(sw_run_stats *st, const sw_grid *g, int b, int64_t count)
{
    st->computed += count;
    st->cost_done += (double)count * g->blk[b].cost;
    if (st->first_time == 0) st->first_time = sw_now(), st->first_cost = st->cost_done;
}

static double cpu_now(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           1e-6 * (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

/* Failed points, and states with a negative eigenvalue (redfield need not
 * give a positive one): counted for the summary. */
static void count_failed(const sw_grid *g, int b, const double *packed, int64_t count,
                         int64_t *failed, int64_t *nonpositive)
{
    for (int64_t i = 0; i < count; i++) *failed += packed[i] != 0; /* status column first */
    if (g->min_eig < 0) return;
    const double *m = packed + count * g->blk[b].col[g->min_eig];
    for (int64_t i = 0; i < count; i++) *nonpositive += m[i] < 0.0;
}

/* Commit every flush_every seconds; a failed commit stops the run. */
static int maybe_commit(sw_writer *w, const sw_run_opts *opt, sw_run_stats *st, double *last,
                        int force, char *msg, size_t msglen)
{
    const double now = sw_now();
    if (!force && now - *last < opt->flush_every) return 0;
    *last = now;
    st->flushes++;
    if (!sw_writer_flush(w)) return 0;
    snprintf(msg, msglen, "committing the results failed: %s", sw_writer_error(w));
    sw_log(0, "error: %s; stopping", msg);
    st->io_error = 1;
    return -1;
}

/* ---- K = 1: one rank computes and writes ------------------------------ */

static int run_single(const sw_grid *g, sw_writer *w, queue_t *q, sw_compute *comp,
                      const sw_run_opts *opt, sw_run_stats *st, double *buf, char *msg,
                      size_t msglen)
{
    const double t0 = sw_now();
    double last_progress = t0, last_flush = t0;
    int b, rc = 0;
    int64_t start, count;
    while (!rc && !(st->stop_signal = sw_signal_caught()) &&
           next_batch(q, 1.0, &b, &start, &count)) {
        sw_compute_batch(comp, b, start, count, buf, NULL, NULL);
        if (sw_writer_write_batch(w, b, start, count, buf)) {
            snprintf(msg, msglen, "writing %s points %lld..%lld failed: %s", g->blk[b].group,
                     (long long)start, (long long)(start + count - 1), sw_writer_error(w));
            st->io_error = 1;
            rc = -1;
            break;
        }
        count_done(st, g, b, count);
        count_failed(g, b, buf, count, &st->failed, &st->nonpositive);
        double now = sw_now();
        if (opt->progress_every > 0 && now - last_progress >= opt->progress_every) {
            progress_line(st, t0);
            last_progress = now;
        }
        rc = maybe_commit(w, opt, st, &last_flush, 0, msg, msglen);
    }
    st->seconds = sw_now() - t0;
    return rc;
}

/* ---- master ----------------------------------------------------------- */

/* A batch a worker wrote itself, waiting for its sync report. */
typedef struct {
    int64_t block, start, count;
} written_batch;

/* A worker sends a report at least every SW_RAW_MAX_UNSYNCED batches, and
 * the master adds the batch of the report before it takes the synced ones
 * out: this many entries per worker suffice. */
#define FIFO_CAP (SW_RAW_MAX_UNSYNCED + 1)

typedef struct {
    int outstanding; /* WORK sent, not yet answered (+ the last report, workers write) */
    int none_sent;
    double last_item_s;  /* estimated seconds of work in the last item sent */
    double last_heard;   /* when its last result came (or its first item went) */
    written_batch *fifo; /* workers write: its batches written, not yet reported synced */
    int head, len;
    int64_t reported; /* batches it has reported synced so far */
    int local;        /* on rank 0's node: rank 0's commit syncs its writes */
} worker_state;

typedef struct {
    MPI_Comm comm;
    queue_t *q;
    worker_state *w;
    int nw;
    int stopping;
    sw_writer *wr;
    const sw_run_opts *opt;
    sw_run_stats *st;
    double t0, last_progress, last_flush, sleep_s;
    double longest_gap; /* longest time between two results of one worker */
    double last_loop;   /* the master's last look at the workers */
    char *buf;          /* one result message */
    char *msg;
    size_t msglen;
    int rc;
} master_t;

static void send_item(master_t *m, int w, double share)
{
    item_msg it = {ITEM_NONE, 0, 0, 0};
    int b;
    worker_state *ws = &m->w[w - 1];
    if (ws->none_sent) return;
    if (!m->stopping && next_batch(m->q, share, &b, &it.start, &it.count)) {
        it.type = ITEM_WORK;
        it.block = b;
        ws->last_item_s = (double)it.count * m->q->g->blk[b].cost;
    }
    if (it.type == ITEM_NONE) ws->none_sent = 1;
    if (it.type == ITEM_WORK || m->opt->workers_write) ws->outstanding++; /* a last report */
    MPI_Send(&it, (int)sizeof it, MPI_BYTE, w, TAG_ITEM, m->comm); /* small: eager, no wait */
}

typedef struct {
    int finished;
    double sleep_max;
} master_view;

/* The workers' state at a glance. Sleep at most a quarter of the shortest
 * batch in flight: a worker has its next batch queued, so a reply that late
 * costs it nothing, and long naps keep the master off the workers' cores. */
static master_view look_at_workers(const master_t *m)
{
    master_view v = {1, MASTER_SLEEP_MAX};
    for (int i = 0; i < m->nw; i++) {
        v.finished &= m->w[i].none_sent && !m->w[i].outstanding;
        if (m->w[i].outstanding && 0.25 * m->w[i].last_item_s < v.sleep_max)
            v.sleep_max = 0.25 * m->w[i].last_item_s;
    }
    if (v.sleep_max < MASTER_SLEEP_MIN) v.sleep_max = MASTER_SLEEP_MIN;
    return v;
}

double sw_rank_timeout(const sw_run_opts *opt, double longest_batch)
{
    const double k = SW_RANK_TIMEOUT_BATCHES * longest_batch;
    return k > opt->rank_timeout ? k : opt->rank_timeout;
}

/* A worker that owes a result and has been silent beyond the bound (also
 * at least 20 x the estimated work of its two batches): its rank (it died
 * or hangs), or 0. Time the master itself spent blocked (a slow sync) does
 * not count against the workers. */
static int silent_worker(master_t *m, double now)
{
    const double blocked = now - m->last_loop;
    m->last_loop = now;
    for (int i = 0; blocked > 1.0 && i < m->nw; i++) m->w[i].last_heard += blocked;
    for (int i = 0; i < m->nw; i++) {
        const double est = 2.0 * m->w[i].last_item_s,
                     batch = m->longest_gap > est ? m->longest_gap : est,
                     bound = sw_rank_timeout(m->opt, batch);
        if (m->w[i].outstanding && now - m->w[i].last_heard > bound) {
            sw_log(0,
                   "rank %d has not answered for %.0f s (bound %.0f s: the larger of %.0f s and "
                   "%g x the longest batch, %.3g s): it died or hangs; saving what is done and "
                   "ending the job",
                   i + 1, now - m->w[i].last_heard, bound, m->opt->rank_timeout,
                   (double)SW_RANK_TIMEOUT_BATCHES, batch);
            return i + 1;
        }
    }
    return 0;
}

/* Between messages: dead ranks, signals, progress, the group commit. */
static void master_housekeeping(master_t *m)
{
    double now = sw_now();
    if (!m->st->dead_rank && (m->st->dead_rank = silent_worker(m, now))) {
        m->rc = SW_RUN_DEAD_RANK;
        return;
    }
    int sig = sw_signal_caught();
    if (sig && !m->stopping) {
        m->stopping = 1;
        m->st->stop_signal = sig;
        sw_log(0, "caught signal %d: finishing the batches in flight, then stopping", sig);
    }
    if (m->opt->progress_every > 0 && now - m->last_progress >= m->opt->progress_every) {
        progress_line(m->st, m->t0);
        m->last_progress = now;
    }
    if (!m->st->io_error &&
        maybe_commit(m->wr, m->opt, m->st, &m->last_flush, 0, m->msg, m->msglen)) {
        m->stopping = 1;
        m->rc = -1;
    }
}

static void master_io_error(master_t *m)
{
    sw_log(0, "error: %s; stopping", m->msg);
    m->st->io_error = 1;
    m->stopping = 1;
    m->rc = -1;
}

/* Write the batch of a result (unless an earlier write failed). */
static void master_store(master_t *m, const result_hdr *hdr)
{
    sw_run_stats *st = m->st;
    const double *packed = (const double *)(m->buf + sizeof *hdr);
    if (st->io_error) return;
    assert(hdr->block >= 0 && hdr->block < m->q->g->n_blocks); /* the master's own item, echoed */
    const int block = (int)hdr->block;
    if (sw_writer_write_batch(m->wr, block, hdr->start, hdr->count, packed)) {
        snprintf(m->msg, m->msglen, "writing %s points %lld..%lld failed: %s",
                 m->q->g->blk[block].group, (long long)hdr->start,
                 (long long)(hdr->start + hdr->count - 1), sw_writer_error(m->wr));
        master_io_error(m);
        return;
    }
    count_done(st, m->q->g, block, hdr->count);
    count_failed(m->q->g, block, packed, hdr->count, &st->failed, &st->nonpositive);
}

/* Workers write: the batch of the report joins worker w's written ones;
 * those it reports synced get their done flags. */
static void master_note_written(master_t *m, int w, const result_hdr *hdr)
{
    worker_state *ws = &m->w[w - 1];
    sw_run_stats *st = m->st;
    if (hdr->flags & FLAG_IOERR) {
        if (st->io_error) return;
        snprintf(m->msg, m->msglen, "rank %d: %.*s", w, IOERR_TEXT, m->buf + sizeof *hdr);
        master_io_error(m);
        return;
    }
    if (hdr->count > 0 && ws->local) {
        count_done(st, m->q->g, (int)hdr->block, hdr->count);
        st->failed += hdr->failed;
        st->nonpositive += hdr->nonpositive;
        if (!st->io_error &&
            sw_writer_note_written(m->wr, (int)hdr->block, hdr->start, hdr->count)) {
            snprintf(m->msg, m->msglen, "committing the results failed: %s",
                     sw_writer_error(m->wr));
            master_io_error(m);
        }
        return;
    }
    if (hdr->count > 0) {
        if (ws->len == FIFO_CAP) {
            snprintf(m->msg, m->msglen, "rank %d reported more unsynced batches than %d", w,
                     FIFO_CAP);
            master_io_error(m);
            return;
        }
        ws->fifo[(ws->head + ws->len++) % FIFO_CAP] =
            (written_batch){hdr->block, hdr->start, hdr->count};
        count_done(st, m->q->g, (int)hdr->block, hdr->count);
        st->failed += hdr->failed;
        st->nonpositive += hdr->nonpositive;
    }
    for (; ws->reported < hdr->synced && ws->len > 0 && !st->io_error; ws->reported++) {
        const written_batch *b = &ws->fifo[ws->head];
        ws->head = (ws->head + 1) % FIFO_CAP;
        ws->len--;
        if (sw_writer_mark_durable(m->wr, (int)b->block, b->start, b->count)) {
            snprintf(m->msg, m->msglen, "marking %s points %lld..%lld done failed: %s",
                     m->q->g->blk[b->block].group, (long long)b->start,
                     (long long)(b->start + b->count - 1), sw_writer_error(m->wr));
            master_io_error(m);
        }
    }
}

/* Receive one result if there is one (else nap); answer it, store it. */
static void master_receive(master_t *m, double sleep_max)
{
    int flag;
    MPI_Message mh;
    MPI_Status status;
    MPI_Improbe(MPI_ANY_SOURCE, TAG_RESULT, m->comm, &flag, &mh, &status);
    if (!flag) {
        nap(m->sleep_s < sleep_max ? m->sleep_s : sleep_max);
        m->sleep_s = m->sleep_s * 2 < MASTER_SLEEP_MAX ? m->sleep_s * 2 : MASTER_SLEEP_MAX;
        return;
    }
    m->sleep_s = MASTER_SLEEP_MIN;
    int nbytes;
    MPI_Get_count(&status, MPI_BYTE, &nbytes);
    MPI_Mrecv(m->buf, nbytes, MPI_BYTE, &mh, MPI_STATUS_IGNORE);
    const int w = status.MPI_SOURCE;
    result_hdr hdr;
    memcpy(&hdr, m->buf, sizeof hdr);
    worker_state *ws = &m->w[w - 1];
    const double now = sw_now();
    if (now - ws->last_heard > m->longest_gap) m->longest_gap = now - ws->last_heard;
    ws->last_heard = now;
    ws->outstanding--;
    if ((hdr.flags & FLAG_STOP) && !m->stopping) {
        m->stopping = 1;
        m->st->stop_signal = -1;
        sw_log(0, "rank %d caught a stop signal: finishing the batches in flight, then stopping",
               w);
    }
    send_item(m, w, 1.0); /* reply first: the worker's queue stays full */
    if (m->opt->workers_write)
        master_note_written(m, w, &hdr);
    else if (hdr.count > 0)
        master_store(m, &hdr);
}

static int run_master(MPI_Comm comm, int size, sw_writer *wr, queue_t *q, const sw_run_opts *opt,
                      sw_run_stats *st, worker_state *wst, char *buf, char *msg, size_t msglen)
{
    const double t0 = sw_now();
    master_t m = {.comm = comm,
                  .q = q,
                  .w = wst,
                  .nw = size - 1,
                  .wr = wr,
                  .opt = opt,
                  .st = st,
                  .t0 = t0,
                  .last_progress = t0,
                  .last_flush = t0,
                  .sleep_s = MASTER_SLEEP_MIN,
                  .last_loop = t0,
                  .buf = buf,
                  .msg = msg,
                  .msglen = msglen};
    for (int w = 1; w < size; w++) {
        m.w[w - 1].last_heard = t0;
        m.w[w - 1].local = opt->workers_write && opt->local && opt->local[w];
        /* first batches of w/W of the full size: equal batches would end
         * together, and W workers would pack and write at the same instant
         * (one file's lock, the cores) and report at once, in every round */
        send_item(&m, w, (double)w / (double)(size - 1)), send_item(&m, w, 1.0);
    }
    for (;;) {
        master_view v = look_at_workers(&m);
        if (v.finished) break;
        master_housekeeping(&m);
        if (m.rc == SW_RUN_DEAD_RANK) break;
        master_receive(&m, v.sleep_max);
    }
    st->seconds = sw_now() - t0;
    return m.rc;
}

/* ---- worker ----------------------------------------------------------- */

typedef struct {
    MPI_Request rreq;
    int rdone;
    MPI_Request sreq[2];
} worker_reqs;

static void worker_poll(void *arg)
{
    worker_reqs *r = arg;
    int f;
    if (!r->rdone) MPI_Test(&r->rreq, &r->rdone, MPI_STATUS_IGNORE);
    for (int s = 0; s < 2; s++)
        if (r->sreq[s] != MPI_REQUEST_NULL) MPI_Test(&r->sreq[s], &f, MPI_STATUS_IGNORE);
}

/* Wait for the next item; the master answers every result at once, so a
 * silence beyond the bound means it died or hangs: end the job. */
static void wait_item(MPI_Comm comm, worker_reqs *r, const sw_run_opts *opt, double longest)
{
    const double t0 = sw_now(), bound = sw_rank_timeout(opt, longest);
    int flag = 0;
    double s = WORKER_SLEEP_MIN;
    for (;;) {
        MPI_Test(&r->rreq, &flag, MPI_STATUS_IGNORE);
        if (flag) return;
        if (sw_now() - t0 > bound) {
            int rank;
            MPI_Comm_rank(comm, &rank);
            sw_log(rank, "the master has not answered for %.0f s: ending the job", bound);
            MPI_Abort(comm, QT_EXIT_FAILURE);
        }
        nap(s);
        s = s * 2 < WORKER_SLEEP_MAX ? s * 2 : WORKER_SLEEP_MAX;
    }
}

/* A worker's side of the protocol. */
typedef struct {
    MPI_Comm comm;
    const sw_grid *g;
    sw_compute *comp;
    sw_raw_writer *raw; /* workers write; NULL: the results travel to the master */
    const sw_run_opts *opt;
    char **sbuf; /* two send buffers: one in flight while the other is filled */
    int sb;
    worker_reqs r;
    int ioerr; /* a write or sync of raw failed: nothing more is written */
    double longest;
} worker_t;

/* The send buffer of the next message, free. */
static char *worker_slot(worker_t *k)
{
    if (k->r.sreq[k->sb] != MPI_REQUEST_NULL) MPI_Wait(&k->r.sreq[k->sb], MPI_STATUS_IGNORE);
    return k->sbuf[k->sb];
}

/* Workers write: the batch into the file (a sync when due), the header
 * says how many batches are synced; on a failure, what failed. Bytes of
 * the message. */
static size_t worker_write(worker_t *k, result_hdr *hdr, char *buf, int force_sync)
{
    const double *packed = (const double *)(buf + sizeof *hdr);
    if (!k->ioerr && hdr->count > 0 &&
        sw_raw_write_batch(k->raw, (int)hdr->block, hdr->start, hdr->count, packed))
        k->ioerr = 1;
    if (!k->ioerr && sw_raw_maybe_sync(k->raw, k->opt->flush_every, force_sync)) k->ioerr = 1;
    hdr->synced = k->raw->synced;
    if (!k->ioerr) return sizeof *hdr;
    hdr->flags |= FLAG_IOERR;
    snprintf(buf + sizeof *hdr, IOERR_TEXT, "%s", k->raw->error);
    return sizeof *hdr + IOERR_TEXT;
}

static void worker_send(worker_t *k, result_hdr *hdr, char *buf, size_t n)
{
    hdr->flags |= sw_signal_caught() ? FLAG_STOP : 0;
    memcpy(buf, hdr, sizeof *hdr);
    MPI_Isend(buf, (int)n, MPI_BYTE, 0, TAG_RESULT, k->comm, &k->r.sreq[k->sb]);
    k->sb ^= 1;
}

/* Compute one item and send its result (or, workers write, its report). */
static void worker_batch(worker_t *k, const item_msg *it)
{
    result_hdr hdr = {it->block, it->start, it->count, 0, 0, 0, 0};
    char *buf = worker_slot(k);
    double *packed = (double *)(buf + sizeof hdr);
    const double t = sw_now();
    if (!k->ioerr) /* after a failed write the master stops: no use computing */
        sw_compute_batch(k->comp, (int)it->block, it->start, it->count, packed, worker_poll, &k->r);
    if (sw_now() - t > k->longest) k->longest = sw_now() - t;
    count_failed(k->g, (int)it->block, packed, it->count, &hdr.failed, &hdr.nonpositive);
    size_t n = sizeof hdr + (size_t)it->count * (size_t)k->g->blk[it->block].rec * sizeof(double);
    if (k->raw) n = worker_write(k, &hdr, buf, 0);
    worker_send(k, &hdr, buf, n);
}

static int run_worker(worker_t *k)
{
    item_msg items[2];
    int cur = 0;
    MPI_Irecv(&items[cur], (int)sizeof(item_msg), MPI_BYTE, 0, TAG_ITEM, k->comm, &k->r.rreq);
    for (;;) {
        if (!k->r.rdone) wait_item(k->comm, &k->r, k->opt, k->longest);
        k->r.rdone = 0;
        const item_msg it = items[cur];
        if (it.type == ITEM_NONE) break;
        cur ^= 1; /* the next item arrives while this one is worked on */
        MPI_Irecv(&items[cur], (int)sizeof(item_msg), MPI_BYTE, 0, TAG_ITEM, k->comm, &k->r.rreq);
        worker_batch(k, &it);
    }
    if (k->raw) { /* the last report: everything written is synced */
        result_hdr hdr = {0, 0, 0, 0, 0, 0, 0};
        char *buf = worker_slot(k);
        worker_send(k, &hdr, buf, worker_write(k, &hdr, buf, 1));
    }
    for (int s = 0; s < 2; s++)
        if (k->r.sreq[s] != MPI_REQUEST_NULL)
            sleepy_wait(&k->r.sreq[s], MPI_STATUS_IGNORE, WORKER_SLEEP_MIN, WORKER_SLEEP_MAX);
    return 0;
}

/* Largest result message of the sweep: the largest batch's records, or
 * an I/O error's text. */
static size_t max_message(const sw_grid *g)
{
    const size_t records = (size_t)sw_grid_batch_doubles(g) * sizeof(double);
    return sizeof(result_hdr) + (records > IOERR_TEXT ? records : IOERR_TEXT);
}

/* Master, workers write: each worker's queue of batches waiting for a
 * sync report, one allocation. */
static written_batch *alloc_fifos(worker_state *wst, int nw)
{
    written_batch *f = malloc((size_t)nw * FIFO_CAP * sizeof *f);
    for (int i = 0; f && i < nw; i++) wst[i].fifo = f + (size_t)i * FIFO_CAP;
    return f;
}

int sw_run(MPI_Comm comm, const sw_grid *g, sw_writer *w, uint8_t **done, sw_compute *comp,
           sw_raw_writer *raw, const sw_run_opts *opt, sw_run_stats *st, char *msg, size_t msglen)
{
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    memset(st, 0, sizeof *st);

    /* every buffer of the protocol is allocated before it starts, and all
     * ranks agree, so nobody is left waiting for a rank that failed */
    const size_t maxmsg = max_message(g);
    char *b0 = malloc(maxmsg), *b1 = rank > 0 ? malloc(maxmsg) : NULL;
    worker_state *wst = rank == 0 ? calloc((size_t)size, sizeof(worker_state)) : NULL;
    written_batch *fifos =
        wst && opt->workers_write && size > 1 ? alloc_fifos(wst, size - 1) : NULL;
    qt_touch_pages(b0, maxmsg);
    if (b1) qt_touch_pages(b1, maxmsg);
    int ok = b0 && (rank == 0 ? wst != NULL : b1 != NULL), all_ok;
    if (wst && opt->workers_write && size > 1 && !fifos) ok = 0;
    MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, comm);
    int rc = -1;
    if (!all_ok) {
        snprintf(msg, msglen, "out of memory for the message buffers (%zu bytes)", maxmsg);
    } else if (rank != 0) {
        char *sbuf[2] = {b0, b1};
        worker_t k = {.comm = comm,
                      .g = g,
                      .comp = comp,
                      .raw = opt->workers_write ? raw : NULL,
                      .opt = opt,
                      .sbuf = sbuf,
                      .r = {MPI_REQUEST_NULL, 0, {MPI_REQUEST_NULL, MPI_REQUEST_NULL}}};
        rc = run_worker(&k);
    } else {
        queue_t q = {g, done, 0, 0, 0, size > 1 ? size - 1 : 1};
        st->total = g->total;
        for (int b = 0; b < g->n_blocks; b++) {
            int64_t undone = 0;
            for (int64_t i = 0; i < g->blk[b].npoints; i++) undone += done[b][i] == 0;
            st->done_before += g->blk[b].npoints - undone;
            st->cost_left += (double)undone * g->blk[b].cost;
        }
        q.left = st->total - st->done_before;
        const double cpu0 = cpu_now();
        if (size == 1)
            rc = run_single(g, w, &q, comp, opt, st, (double *)b0, msg, msglen);
        else
            rc = run_master(comm, size, w, &q, opt, st, wst, b0, msg, msglen);
        st->cpu_seconds = cpu_now() - cpu0;
    }
    free(b0);
    free(b1);
    free(fifos);
    free(wst);
    return rc;
}
