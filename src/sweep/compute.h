/* A worker's compute side: one workspace and one result sized once for the
 * largest N of the sweep, then qt_solve for every point of a batch. */
#ifndef QT_SWEEP_COMPUTE_H
#define QT_SWEEP_COMPUTE_H

#include <stdint.h>

#include "config.h"
#include "grid.h"

typedef struct {
    const sw_config *cfg;
    const sw_grid *grid;
    qt_workspace *ws;
    qt_result *res;
    int count_fd; /* QTHERMO_COUNT_FILE (testing), or -1 */
    int emulate;  /* QTHERMO_EMULATE_COST (testing): wait instead of computing */
    char *count_buf;
    size_t count_cap;
} sw_compute;

/* 0, or -1 with msg (out of memory). */
int sw_compute_init(sw_compute *c, const sw_config *cfg, const sw_grid *g, char *msg,
                    size_t msglen);
void sw_compute_free(sw_compute *c);

/* Solve points [start, start + count) of block b into the packed buffer
 * (outputs.h). `poll` (may be NULL) is called every SW_POLL_EVERY points so a
 * worker can progress its MPI requests while it computes. */
#define SW_POLL_EVERY 16
void sw_compute_batch(sw_compute *c, int b, int64_t start, int64_t count, double *packed,
                      void (*poll)(void *), void *poll_arg);

#endif
