/* The results writer as the scheduler and the driver see it: a table of
 * operations (sw_writer_ops) and an opaque state owned by the
 * implementation (its file handles and buffers). Only the implementation's
 * .c file includes the I/O library (h5file.c: HDF5). One process (rank 0)
 * opens the file and calls every operation. With `--writer workers` the
 * workers write the data themselves at the offsets raw_layout gives
 * (rawwrite.h), and rank 0 only marks done what its own commit syncs
 * (note_written: workers on its node) or what they report synced
 * (mark_durable: workers elsewhere).
 *
 * The contract that makes a file resumable after any crash: `done` = 1 on
 * disk implies the point's data is on disk. write_batch writes data; flush
 * (a group commit) makes the data written so far durable and only then
 * marks those points done; close commits and makes everything durable. A
 * failed sync is a failure (-1), never ignored. */
#ifndef QT_SWEEP_WRITER_H
#define QT_SWEEP_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "grid.h"
#include "rawwrite.h"

typedef struct sw_writer_state sw_writer_state; /* defined by each implementation */

typedef struct {
    const char *name;
    /* Lay out path for cfg and g (the caller owns path: a new file nobody
     * else uses; its contents are replaced) and make the layout durable;
     * created is the ISO time string. 0, or -1 with msg. */
    int (*create)(sw_writer_state **w, const char *path, const sw_config *cfg, const sw_grid *g,
                  const char *created, char *msg, size_t msglen);
    /* Existing file for --resume, read-only (checks change nothing) or
     * writable. 0; 2 if it is not a sweep file of this config (msg says
     * why); -1 on I/O failure (msg). */
    int (*open)(sw_writer_state **w, const char *path, const sw_config *cfg, const sw_grid *g,
                int writable, char *msg, size_t msglen);
    /* Packed batch (outputs.h) of block b, points [start, start + count):
     * data now, done flags at the next flush. 0 or -1 (last_error). */
    int (*write_batch)(sw_writer_state *w, int b, int64_t start, int64_t count,
                       const double *packed);
    /* Another process wrote block b's points [start, start + count) (data
     * and status) and synced them: done flags now, durable at the next
     * flush. 0 or -1 (last_error). */
    int (*mark_durable)(sw_writer_state *w, int b, int64_t start, int64_t count);
    /* Another process on this node (the same page cache) wrote block b's
     * points [start, start + count): done flags after the next flush's
     * sync, as for write_batch. 0 or -1 (last_error). */
    int (*note_written)(sw_writer_state *w, int b, int64_t start, int64_t count);
    /* Where every output dataset of every block is in the file (lay
     * allocated by the caller for n_blocks x cfg->n_out), for writes by
     * other processes: 0, or -1 with msg when the layout does not allow
     * them (not contiguous, or a file datatype that is not the bytes of the
     * packing's memory type). */
    int (*raw_layout)(sw_writer_state *w, sw_raw_layout *lay, char *msg, size_t msglen);
    /* Block b's done mask (npoints bytes). 0 or -1. */
    int (*read_done)(sw_writer_state *w, int b, uint8_t *done);
    /* counts[s + 1] += points with status s, s in -1 .. QT_NSTATUS - 1;
     * other values go to counts[QT_NSTATUS + 1]. 0 or -1. */
    int (*count_status)(sw_writer_state *w, int64_t *counts);
    /* Group commit: data written so far to stable storage, then their done
     * flags. 0 or -1 (last_error). */
    int (*flush)(sw_writer_state *w);
    /* Commit, close, make durable, free (w may be NULL). 0, or -1 with msg. */
    int (*close)(sw_writer_state *w, char *msg, size_t msglen);
    /* What the last failed operation says. */
    const char *(*last_error)(sw_writer_state *w);
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
static inline int sw_writer_create(sw_writer *w, const char *path, const sw_config *cfg,
                                   const sw_grid *g, const char *created, char *msg, size_t msglen)
{
    return w->ops->create(&w->state, path, cfg, g, created, msg, msglen);
}
static inline int sw_writer_open(sw_writer *w, const char *path, const sw_config *cfg,
                                 const sw_grid *g, int writable, char *msg, size_t msglen)
{
    return w->ops->open(&w->state, path, cfg, g, writable, msg, msglen);
}
static inline int sw_writer_write_batch(sw_writer *w, int b, int64_t start, int64_t count,
                                        const double *packed)
{
    return w->ops->write_batch(w->state, b, start, count, packed);
}
static inline int sw_writer_mark_durable(sw_writer *w, int b, int64_t start, int64_t count)
{
    return w->ops->mark_durable(w->state, b, start, count);
}
static inline int sw_writer_note_written(sw_writer *w, int b, int64_t start, int64_t count)
{
    return w->ops->note_written(w->state, b, start, count);
}
static inline int sw_writer_raw_layout(sw_writer *w, sw_raw_layout *lay, char *msg, size_t msglen)
{
    return w->ops->raw_layout(w->state, lay, msg, msglen);
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
static inline const char *sw_writer_error(sw_writer *w)
{
    return w->ops->last_error(w->state);
}
/* Close if open; 0, or -1 with msg. */
static inline int sw_writer_close(sw_writer *w, char *msg, size_t msglen)
{
    int rc = w->state ? w->ops->close(w->state, msg, msglen) : 0;
    w->state = NULL;
    return rc;
}

#endif
