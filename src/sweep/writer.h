/* The results writer as the scheduler and the driver see it: a table of
 * operations (sw_writer_ops) and an opaque state owned by the
 * implementation (its file handles and scratch buffers). Only the
 * implementation's .c file includes the I/O library (h5file.c: HDF5).
 *
 * Collective (all ranks of the sweep communicator, same arguments):
 * create, open, flush, close. Independent (the writing rank, rank 0):
 * write_batch, read_done, count_status. */
#ifndef QT_SWEEP_WRITER_H
#define QT_SWEEP_WRITER_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "grid.h"

typedef struct sw_writer_state sw_writer_state; /* defined by each implementation */

typedef struct {
    const char *name;
    /* New file at path (fails if it exists) with the complete layout for
     * cfg and g, on disk before it returns; created is the ISO time string
     * (identical on all ranks). 0, or -1 with msg. */
    int (*create)(sw_writer_state **w, const char *path, MPI_Comm comm, const sw_config *cfg,
                  const sw_grid *g, const char *created, char *msg, size_t msglen);
    /* Existing file for --resume, read-only (checks change nothing) or
     * writable. 0; 2 if it is not a sweep file of this config (msg says
     * why); -1 on I/O failure (msg). */
    int (*open)(sw_writer_state **w, const char *path, MPI_Comm comm, const sw_config *cfg,
                const sw_grid *g, int writable, char *msg, size_t msglen);
    /* Packed batch (outputs.h) of block b, points [start, start + count):
     * after it returns, `done` of those points may be set only once their
     * data is in the file. 0 or -1. */
    int (*write_batch)(sw_writer_state *w, int b, int64_t start, int64_t count,
                       const double *packed);
    /* Block b's done mask (npoints bytes). 0 or -1. */
    int (*read_done)(sw_writer_state *w, int b, uint8_t *done);
    /* counts[s + 1] += points with status s, s in -1 .. QT_NSTATUS - 1;
     * other values go to counts[QT_NSTATUS + 1]. 0 or -1. */
    int (*count_status)(sw_writer_state *w, int64_t *counts);
    /* Push what is written to stable storage. 0 or -1. */
    int (*flush)(sw_writer_state *w);
    /* Close and free (w may be NULL). 0 or -1. */
    int (*close)(sw_writer_state *w);
} sw_writer_ops;

/* A writer: its operations and its state. */
typedef struct {
    const sw_writer_ops *ops;
    sw_writer_state *state; /* NULL when no file is open */
} sw_writer;

/* The HDF5 implementation (h5file.c). */
extern const sw_writer_ops sw_h5_writer;

static inline int sw_writer_is_open(const sw_writer *w)
{
    return w->state != NULL;
}
static inline int sw_writer_create(sw_writer *w, const char *path, MPI_Comm comm,
                                   const sw_config *cfg, const sw_grid *g, const char *created,
                                   char *msg, size_t msglen)
{
    return w->ops->create(&w->state, path, comm, cfg, g, created, msg, msglen);
}
static inline int sw_writer_open(sw_writer *w, const char *path, MPI_Comm comm,
                                 const sw_config *cfg, const sw_grid *g, int writable, char *msg,
                                 size_t msglen)
{
    return w->ops->open(&w->state, path, comm, cfg, g, writable, msg, msglen);
}
static inline int sw_writer_write_batch(sw_writer *w, int b, int64_t start, int64_t count,
                                        const double *packed)
{
    return w->ops->write_batch(w->state, b, start, count, packed);
}
static inline int sw_writer_read_done(sw_writer *w, int b, uint8_t *done)
{
    return w->ops->read_done(w->state, b, done);
}
static inline int sw_writer_count_status(sw_writer *w, int64_t *counts)
{
    return w->ops->count_status(w->state, counts);
}
static inline int sw_writer_flush(sw_writer *w)
{
    return w->ops->flush(w->state);
}
/* Close if open; 0 or -1. */
static inline int sw_writer_close(sw_writer *w)
{
    int rc = w->state ? w->ops->close(w->state) : 0;
    w->state = NULL;
    return rc;
}

#endif
