/* The grid: one block per HDF5 group (one per N for nsite, one for the
 * three-level models), points identified by (block, flat index) with the
 * flat index running in C order over the block's axes, exactly the order of
 * the datasets in the file. */
#ifndef QT_SWEEP_GRID_H
#define QT_SWEEP_GRID_H

#include <stdint.h>

#include "config.h"

typedef struct {
    int N;           /* nsite chain length; 0 for three-level models */
    char group[24];  /* "N10", or "/" for three-level models */
    int64_t npoints; /* product of the axis lengths */
    int rec;         /* doubles per packed point (outputs.h) */
    int col[SW_MAX_OUT];
    double cost; /* estimated seconds per point (scheduling only) */
    int64_t cap; /* largest batch (points): sw_grid_plan_batches */
} sw_block;

typedef struct {
    int n_blocks;
    sw_block *blk; /* in config order (the file's group order) */
    int *order;    /* block indices, most expensive first */
    int64_t total; /* points in all blocks */
    int max_N;     /* largest N (workspace size) */
    int max_rec;   /* largest record */
    int min_eig;   /* index in cfg->out of min_eigenvalue, or -1 */
} sw_grid;

/* The grid of cfg, its batch caps planned for `workers` computing ranks
 * (sw_grid_plan_batches). */
int sw_grid_build(const sw_config *cfg, int workers, sw_grid *g, char *msg, size_t msglen);
void sw_grid_free(sw_grid *g);

/* Axis indices of a flat index. */
void sw_grid_unravel(const sw_config *cfg, int64_t flat, int64_t *idx);

/* Testing (scaling harness): QTHERMO_EMULATE_COST=SECONDS makes every
 * point cost that much, =model its modelled cost; workers then wait that
 * long instead of computing and write deterministic results (compute.c).
 * Returns SECONDS, -1 for model, 0 when unset (normal runs). */
double sw_emulated_cost(void);

/* Largest batch (points) worth handing out at once for a block: about
 * SW_BATCH_SECONDS of work, at most SW_BATCH_MAX points, for up to
 * SW_BATCH_WORKERS workers. With more, both grow by W / SW_BATCH_WORKERS
 * (rank 0's message rate stays bounded), the seconds up to
 * SW_BATCH_SECONDS_MAX (the tail's granularity), the points while a
 * batch's record stays under SW_BATCH_BYTES. Every rank plans with the
 * same W. */
#define SW_BATCH_SECONDS     0.04
#define SW_BATCH_SECONDS_MAX 0.16
#define SW_BATCH_MAX         4096
#define SW_BATCH_WORKERS     16
#define SW_BATCH_BYTES       ((int64_t)8 << 20)
void sw_grid_plan_batches(sw_grid *g, int workers);
int64_t sw_batch_cap(const sw_block *b);
/* Largest batch of the grid in doubles of its records, and in sites
 * (points x max(N, 4): the writers' int32 scratch). */
int64_t sw_grid_batch_doubles(const sw_grid *g);
int64_t sw_grid_batch_sites(const sw_grid *g);

/* Decompose the flat range [start, start + count) of an array with `rank`
 * dims into at most 2 rank - 1 boxes (hyperslabs): box k has offset
 * off[k * rank ...] and size cnt[k * rank ...]. Returns the number of boxes. */
int sw_flat_boxes(int rank, const int64_t *dims, int64_t start, int64_t count, int64_t *off,
                  int64_t *cnt);

/* Bytes of the output file and of the master's memory (estimates). */
double sw_grid_file_bytes(const sw_config *cfg, const sw_grid *g);

#endif
