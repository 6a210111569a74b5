/* Dynamic master/worker scheduling of the grid points.
 *
 * Rank 0 (the master) hands out batches of contiguous undone points, most
 * expensive group first, and writes every result it receives to the file
 * (`--writer master`), or only the done flags of the batches the workers
 * wrote and synced themselves (`--writer workers`); ranks 1..K-1 compute. Each worker holds two
 * batches (one computing, one queued), so the master's reply latency is hidden. The master never
 * blocks in MPI while it waits: it polls with MPI_Improbe and sleeps with an exponential backoff
 * (Open MPI's blocking calls busy-poll and would take a core from the workers). With K = 1 rank 0
 * computes and writes alone. */
#ifndef QT_SWEEP_SCHEDULER_H
#define QT_SWEEP_SCHEDULER_H

#include <mpi.h>
#include <stdint.h>

#include "compute.h"
#include "config.h"
#include "grid.h"
#include "rawwrite.h"
#include "writer.h"

typedef struct {
    double progress_every; /* seconds between progress lines; <= 0: none */
    double flush_every;    /* seconds between group commits (writer flush) */
    double rank_timeout;   /* seconds of silence before a rank counts as dead (at least) */
    int workers_write;     /* --writer workers: workers write their data (rawwrite.h), rank 0
                              marks done what they report synced */
    const int *local;      /* rank 0, workers write: local[r] = 1 when rank r shares rank 0's
                              node (its writes are synced by rank 0's commit) */
} sw_run_opts;

/* A silent rank ends the run after max(rank_timeout, this many times the
 * longest batch seen). */
#define SW_RANK_TIMEOUT_BATCHES 20.0
/* sw_run's return when a rank died or hangs: the caller saves the file and
 * aborts the job (collectives would never return). */
#define SW_RUN_DEAD_RANK (-2)

double sw_rank_timeout(const sw_run_opts *opt, double longest_batch);

typedef struct {
    int64_t total;       /* points in the grid */
    int64_t done_before; /* points already done when the run started */
    int64_t computed;    /* points computed and written by this run */
    int64_t failed;      /* of those, with status != 0 */
    int64_t nonpositive; /* of those, a density matrix with an eigenvalue < 0 */
    int stop_signal;     /* signal that stopped the run, -1: a worker's signal, 0: none */
    int io_error;        /* the master could not write a batch */
    double seconds;      /* wall time of the compute phase */
    int flushes;         /* group commits during the run */
    int dead_rank;       /* a rank that died or hangs, or 0 */
    double cost_left;    /* modelled seconds (sw_block.cost) of the points undone at the start */
    double cost_done;    /* modelled seconds of the points computed by this run */
    double first_time;   /* sw_now() when the first result of this run was counted, or 0 */
    double first_cost;   /* modelled seconds of that first result */
    double cpu_seconds;  /* rank 0's CPU time (user + system) in the compute phase */
} sw_run_stats;

/* Collective over comm. w is the open results file (rank 0 only; NULL
 * elsewhere). done[b] is block b's done mask on rank 0 (read from the file;
 * NULL on other ranks); comp is this rank's compute context (NULL
 * on the master when K > 1); raw is a worker's own writer when
 * opt->workers_write (NULL otherwise). Fills st on rank 0. Returns 0, -1
 * (msg) or SW_RUN_DEAD_RANK. */
int sw_run(MPI_Comm comm, const sw_grid *g, sw_writer *w, uint8_t **done, sw_compute *comp,
           sw_raw_writer *raw, const sw_run_opts *opt, sw_run_stats *st, char *msg, size_t msglen);

/* Barrier that sleeps instead of spinning (MPI_Ibarrier + MPI_Test +
 * nanosleep): used before every collective a rank may wait long in. */
void sw_sleepy_barrier(MPI_Comm comm);

#endif
