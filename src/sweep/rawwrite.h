/* Workers writing their own results into the one file (`--writer workers`):
 * no I/O library, only pwrite and fdatasync at offsets the file's owner
 * (rank 0, which opened it with the writer of writer.h) found.
 *
 * Every data dataset is contiguous and allocated at creation, so the
 * values of points [start, start + count) of a block are one byte range
 * of each dataset: the writer of writer.h gives, for each block and
 * output, the dataset's file offset and its element size
 * (sw_writer_raw_layout), after checking that its file datatype is the
 * memory type the packing converts to (little-endian here), so the bytes
 * written are exactly those the HDF5 writer would write.
 *
 * Durability: a worker on rank 0's node (local) never syncs: rank 0's
 * commit writes the node's page cache of the file back. Elsewhere a
 * worker keeps count of its batches written and synced;
 * sw_raw_maybe_sync starts an fdatasync in a helper thread every `every`
 * seconds (so the worker goes on computing meanwhile), and the worker
 * reports its synced count to rank 0, which marks only those batches
 * done. */
#ifndef QT_SWEEP_RAWWRITE_H
#define QT_SWEEP_RAWWRITE_H

#include <stddef.h>
#include <stdint.h>

#include "bgsync.h"
#include "config.h"
#include "grid.h"

/* One dataset of one block: where its first element is, bytes per
 * element, and the packing's sw_type. */
typedef struct {
    int64_t offset;
    int32_t size;
    int32_t type;
} sw_raw_dset;

/* The map rank 0 sends: d[b * n_out + k] for block b and output k (as
 * cfg->out), and the file's identity (st_dev, st_ino) so that a worker
 * knows it opened the same file. Plain bytes: broadcast as is. */
typedef struct {
    int n_blocks, n_out;
    uint64_t dev, ino;
    sw_raw_dset *d;
} sw_raw_layout;

int sw_raw_layout_alloc(sw_raw_layout *lay, int n_blocks, int n_out);
void sw_raw_layout_free(sw_raw_layout *lay);

/* A worker never has more batches written and not synced when it reports
 * (it waits for a sync then). */
#define SW_RAW_MAX_UNSYNCED 256

typedef struct {
    const sw_config *cfg;
    const sw_grid *g;
    const sw_raw_layout *lay;
    int fd;
    void *scratch;    /* the integer conversions of one output of a batch */
    int64_t written;  /* batches written */
    int64_t synced;   /* of those, on stable storage (fdatasync returned) */
    double last_sync; /* sw_now() when the last fdatasync started (or of opening) */
    int local;        /* on rank 0's node: rank 0's own sync covers these writes, none here */
    sw_bgsync sync;   /* covers: batches written before it started */
    char error[256];  /* the last failure */
} sw_raw_writer;

/* Open path for writing and check it is the file of the layout. 0, or -1
 * with msg. */
int sw_raw_open(sw_raw_writer *w, const char *path, const sw_raw_layout *lay, const sw_config *cfg,
                const sw_grid *g, char *msg, size_t msglen);
/* Write a packed batch (outputs.h) of block b, points [start, start +
 * count), into every dataset. 0 or -1 (w->error). */
int sw_raw_write_batch(sw_raw_writer *w, int b, int64_t start, int64_t count, const double *packed);
/* Collect a finished background sync (synced moves up); start one when
 * `every` seconds passed since the last one started; when too many
 * batches wait, or with force, sync now (synced = written). 0 or -1
 * (w->error: a failed fdatasync is never ignored). */
int sw_raw_maybe_sync(sw_raw_writer *w, double every, int force);
void sw_raw_close(sw_raw_writer *w);

#endif
