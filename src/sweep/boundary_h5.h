/* The file of a boundary sweep: the same conventions as a sweep file
 * (h5file.c: everything laid out and allocated before the run, contiguous
 * datasets with fill values, one writer, a line's `done` written last), with the traced axis
 * replaced by two dimensions: `scan` (the scan points, coordinate values of the traced axis) and
 * `point` (boundary points of a line, NaN fill).
 *
 * Every call is made by rank 0 alone, the one writing process (HDF5's
 * default sec2 driver), as in h5file.c. Data of a line is written before
 * its `done` flag; unlike h5file.c there is no fdatasync between them, so
 * after a machine crash (not a killed process) a done line may lack data. */
#ifndef QT_SWEEP_BOUNDARY_H5_H
#define QT_SWEEP_BOUNDARY_H5_H

#include <stdint.h>

#include "boundary.h"

#define SW_BOUNDARY_FORMAT "qthermo-boundary-1"

typedef struct sw_bh5 sw_bh5; /* opaque: only boundary_h5.c includes hdf5.h */

int sw_bh5_create(sw_bh5 **h, const char *path, const sw_config *cfg, const sw_grid *g,
                  const sw_blines *L, const char *created, char *msg, size_t msglen);
/* 0; 2 when the file is not a boundary file of this config (msg); -1 I/O. */
int sw_bh5_open(sw_bh5 **h, const char *path, const sw_config *cfg, const sw_grid *g,
                const sw_blines *L, int writable, char *msg, size_t msglen);

/* One finished line: scan values [n_scan * n_scalar] (point-major), the
 * boundary points, the solves; `done` last. 0 or -1. */
int sw_bh5_write_line(sw_bh5 *h, const sw_config *cfg, const sw_blines *L, int b, int64_t line,
                      const double *scan, const qt_boundary_point *pts, int n_pts, long solves);
int sw_bh5_read_done(sw_bh5 *h, const sw_blines *L, int b, uint8_t *done);
/* Close and free (h may be NULL). 0 or -1. */
int sw_bh5_close(sw_bh5 *h);

#endif
