/* Worker-side writes of results at offsets found by rank 0 (rawwrite.h). */
#include "rawwrite.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/memlimit.h"
#include "log.h"
#include "outputs.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "rawwrite.c writes the memory bytes of little-endian file datatypes"
#endif

int sw_raw_layout_alloc(sw_raw_layout *lay, int n_blocks, int n_out)
{
    memset(lay, 0, sizeof *lay);
    lay->n_blocks = n_blocks;
    lay->n_out = n_out;
    lay->d = calloc((size_t)n_blocks * (size_t)n_out, sizeof *lay->d);
    return lay->d ? 0 : -1;
}

void sw_raw_layout_free(sw_raw_layout *lay)
{
    free(lay->d);
    lay->d = NULL;
}

int sw_raw_open(sw_raw_writer *w, const char *path, const sw_raw_layout *lay, const sw_config *cfg,
                const sw_grid *g, char *msg, size_t msglen)
{
    struct stat st;
    memset(w, 0, sizeof *w);
    w->cfg = cfg;
    w->g = g;
    w->lay = lay;
    w->last_sync = sw_now();
    w->fd = open(path, O_WRONLY | O_CLOEXEC);
    if (w->fd < 0)
        return snprintf(msg, msglen, "%s: opening for the results failed: %s", path,
                        strerror(errno)),
               -1;
    if (fstat(w->fd, &st) || (uint64_t)st.st_dev != lay->dev || (uint64_t)st.st_ino != lay->ino) {
        snprintf(msg, msglen, "%s: not the file rank 0 opened (another file at that name)", path);
        sw_raw_close(w);
        return -1;
    }
    const size_t scratch = (size_t)sw_grid_batch_sites(g) * sizeof(int32_t);
    w->scratch = malloc(scratch);
    qt_touch_pages(w->scratch, scratch);
    if (!w->scratch) {
        snprintf(msg, msglen, "out of memory for the write buffer");
        sw_raw_close(w);
        return -1;
    }
    return 0;
}

void sw_raw_close(sw_raw_writer *w)
{
    sw_bgsync_join(&w->sync); /* after a failure */
    if (w->fd >= 0) close(w->fd);
    w->fd = -1;
    free(w->scratch);
    w->scratch = NULL;
}

/* All n bytes at off; 0 or -1 (errno). */
static int pwrite_all(int fd, const void *buf, size_t n, int64_t off)
{
    const char *p = buf;
    while (n > 0) {
        ssize_t k = pwrite(fd, p, n, (off_t)off);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) {
            if (k == 0) errno = EIO;
            return -1;
        }
        p += k, n -= (size_t)k, off += k;
    }
    return 0;
}

/* n values of one output in the file's element type (the same C
 * conversions as the HDF5 writer's); the bytes to write. */
static const void *as_file_type(sw_raw_writer *w, sw_type t, const double *src, size_t n)
{
    if (t == SW_I8) {
        int8_t *d = w->scratch;
        for (size_t i = 0; i < n; i++) d[i] = (int8_t)src[i];
        return d;
    }
    if (t == SW_I32) {
        int32_t *d = w->scratch;
        for (size_t i = 0; i < n; i++) d[i] = (int32_t)src[i];
        return d;
    }
    return src;
}

int sw_raw_write_batch(sw_raw_writer *w, int b, int64_t start, int64_t count, const double *packed)
{
    const sw_config *cfg = w->cfg;
    const sw_block *blk = &w->g->blk[b];
    /* status (output 0) last, as the HDF5 writer: a set status means the
     * point's data are all written */
    for (int j = 1; j <= cfg->n_out && count > 0; j++) {
        const int k = j % cfg->n_out;
        const sw_output *o = &sw_outputs[cfg->out[k]];
        const sw_raw_dset *d = &w->lay->d[(size_t)b * (size_t)w->lay->n_out + (size_t)k];
        const int64_t e = sw_ext_size(o->ext, cfg->model, blk->N);
        const size_t n = (size_t)(count * e);
        const double *src = packed + (int64_t)blk->col[k] * count;
        const void *bytes = as_file_type(w, (sw_type)d->type, src, n);
        if (pwrite_all(w->fd, bytes, n * (size_t)d->size, d->offset + start * e * d->size)) {
            snprintf(w->error, sizeof w->error, "writing %s (pwrite): %s", o->name,
                     strerror(errno));
            return -1;
        }
    }
    w->written++;
    return 0;
}

/* Wait for the background sync (if any); synced moves up to what it covered. */
static int join_sync(sw_raw_writer *w)
{
    if (!w->sync.running) return 0;
    int err = sw_bgsync_join(&w->sync);
    if (err) {
        snprintf(w->error, sizeof w->error, "fdatasync: %s", strerror(err));
        return -1;
    }
    w->synced = w->sync.covers;
    return 0;
}

int sw_raw_maybe_sync(sw_raw_writer *w, double every, int force)
{
    sw_bgsync *y = &w->sync;
    const double now = sw_now();
    if (w->local) return 0; /* rank 0's fdatasync writes back the node's page cache */
    if ((force ? y->running : sw_bgsync_finished(y)) && join_sync(w)) return -1;
    if (w->synced == w->written) return 0;
    if (force || w->written - w->synced >= SW_RAW_MAX_UNSYNCED) {
        if (join_sync(w)) return -1;
        if (fdatasync(w->fd)) {
            snprintf(w->error, sizeof w->error, "fdatasync: %s", strerror(errno));
            return -1;
        }
        w->last_sync = now;
        w->synced = w->written;
        return 0;
    }
    if (y->running || now - w->last_sync < every) return 0;
    w->last_sync = now;
    if (sw_bgsync_start(y, w->fd, w->written)) return sw_raw_maybe_sync(w, every, 1);
    return 0;
}
