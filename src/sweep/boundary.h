/* Phase-boundary sweeps (a config with a `boundary` section): for every
 * line, i.e. every combination of the other axes in every N group, the
 * points of the traced axis where the observable crosses the level
 * (docs/physics.md section 7; the numerics are qt_line_* in the library).
 *
 * Work comes in two kinds of tasks, handed out dynamically by the master,
 * largest N first: scan tasks (a range of one line's scan points, sized
 * like sweep batches) and refinement tasks (one bracket each, sequential
 * inside, independent across brackets). A line is written when its last
 * refinement returns: scan observables, boundary points, counts, then its
 * `done` flag. Lines are the unit of --resume. */
#ifndef QT_SWEEP_BOUNDARY_H
#define QT_SWEEP_BOUNDARY_H

#include <mpi.h>
#include <stdint.h>

#include "config.h"
#include "grid.h"

/* The lines of one group: identical scan points for all of them (the
 * crossings depend on N and h only). */
typedef struct {
    int64_t n_lines;  /* product of the other axes' lengths */
    qt_line line;     /* interval, scan, crossings of this group */
    double *crossing; /* [n_crossings] */
    int n_scan;       /* scan points (the `scan` dimension) */
    double *x;        /* [n_scan] scan points */
    double *x_cross;  /* [n_scan] crossing flanked by x[i], or NaN */
    int n_point;      /* the `point` dimension: at most n_scan - 1 boundary points */
} sw_bgroup;

typedef struct {
    int n_other;            /* axes other than the traced one */
    int other[SW_MAX_AXES]; /* their indices into cfg->axis */
    int n_scalar;           /* scan outputs: the config's scalar outputs, status first */
    int scalar[SW_MAX_OUT]; /* indices into cfg->out */
    int obs;                /* position of the boundary observable among them */
    int n_groups;
    sw_bgroup *grp; /* [n_groups], parallel to the grid's blocks */
} sw_blines;

/* Lines of every group (deterministic: the same on every rank). 0 or -1. */
int sw_blines_build(const sw_config *cfg, const sw_grid *g, sw_blines *L, char *msg, size_t msglen);
void sw_blines_free(sw_blines *L);

/* Axis indices (cfg->axis order; the traced axis gets 0) of a line. */
void sw_blines_unravel(const sw_config *cfg, const sw_blines *L, int64_t line, int64_t *idx);

typedef struct {
    const char *config, *out; /* paths, for messages */
    const char *tmp;          /* rank 0: a new file is laid out here, then placed at out */
    int resume;               /* out exists: continue its unfinished lines */
    const char *created;      /* ISO time, identical on all ranks */
    double progress;          /* seconds between progress lines (0: none) */
    /* rank 0, the file system side (outfile.h), called with `file`: create
     * and lock tmp (0 / -1); put it at out (0; 2 a file appeared; -1);
     * remove tmp after a failure */
    int (*new_tmp)(void *file, char *msg, size_t len);
    int (*place)(void *file, char *msg, size_t len);
    void (*drop_tmp)(void *file);
    void *file;
} sw_boundary_args;

/* Collective: lay out or open the file, trace every unfinished line, close.
 * Returns the exit code (QT_EXIT_*), the same on every rank. */
int sw_boundary_sweep(MPI_Comm comm, const sw_config *cfg, const sw_grid *g,
                      const sw_boundary_args *a);

#endif
