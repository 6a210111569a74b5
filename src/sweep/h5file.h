/* The results file: one parallel HDF5 file (MPI-IO driver) whose whole
 * layout (groups, datasets, attributes, dimension scales) is created and
 * allocated up front, so that during the run only raw data is written.
 *
 * Collective (all ranks of the sweep communicator, same arguments):
 * sw_h5_create, sw_h5_open, sw_h5_flush, sw_h5_close.
 * Independent (one rank, normally the master): sw_h5_write_batch,
 * sw_h5_read_done, sw_h5_count_status. */
#ifndef QT_SWEEP_H5FILE_H
#define QT_SWEEP_H5FILE_H

#include <mpi.h>
#include <stdint.h>

#include <hdf5.h>

#include "config.h"
#include "grid.h"
#include "outputs.h"

typedef struct {
    hid_t grp;
    hid_t dset[SW_MAX_OUT]; /* parallel to cfg->out */
    hid_t done;
    hid_t space[SW_EXT_COUNT]; /* file spaces by extent kind, reused */
} sw_h5_block;

typedef struct {
    hid_t file;
    int n_blocks;
    sw_h5_block *blk;
    hid_t dxpl; /* independent transfers */
} sw_h5;

/* IN path, comm, cfg, grid, created (ISO time string, identical on all
 * ranks); OUT h. Creates a new file (fails if it exists) with the full
 * layout, coordinates written and metadata flushed. 0 or -1 with msg. */
int sw_h5_create(sw_h5 *h, const char *path, MPI_Comm comm, const sw_config *cfg, const sw_grid *g,
                 const char *created, char *msg, size_t msglen);

/* Open an existing results file for --resume, read-only (to check it
 * without touching it: HDF5 rewrites the superblock when it closes a file
 * opened for writing) or writable. Returns 0; 2 if it is not a sweep file
 * for this config (msg says why); -1 on I/O failure. */
int sw_h5_open(sw_h5 *h, const char *path, MPI_Comm comm, const sw_config *cfg, const sw_grid *g,
               int writable, char *msg, size_t msglen);

/* Write a packed batch (outputs.h) of block b, points [start, start+count):
 * every observable and status first, then the done flags. */
int sw_h5_write_batch(sw_h5 *h, const sw_config *cfg, const sw_grid *g, int b, int64_t start,
                      int64_t count, const double *packed, void *scratch);

/* Scratch bytes sw_h5_write_batch needs for `count` points. */
size_t sw_h5_scratch_bytes(const sw_grid *g, int64_t count);

int sw_h5_read_done(sw_h5 *h, const sw_config *cfg, const sw_grid *g, int b, uint8_t *done);
/* counts[s + 1] += points with status s, s in -1 .. QT_NSTATUS - 1; other
 * values go to counts[QT_NSTATUS + 1] (counts has QT_NSTATUS + 2 entries). */
int sw_h5_count_status(sw_h5 *h, const sw_config *cfg, const sw_grid *g, int64_t *counts);

int sw_h5_flush(sw_h5 *h);
int sw_h5_close(sw_h5 *h);

#endif
