/* An fdatasync in a helper thread (which calls nothing else), so that a
 * writer goes on receiving and writing meanwhile: the group commit of the
 * HDF5 writer (h5file.c) and a worker's own writes (rawwrite.c). */
#ifndef QT_SWEEP_BGSYNC_H
#define QT_SWEEP_BGSYNC_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

typedef struct {
    pthread_t thread;
    int running;         /* started, not yet joined */
    atomic_int finished; /* set by the thread when fdatasync returned */
    int fd, err;         /* err: its errno, 0 on success */
    int64_t covers;      /* the caller's mark of what was written before it started */
} sw_bgsync;

/* Start syncing fd (none may be running); -1 when no thread could be made
 * (the caller then syncs in place). */
int sw_bgsync_start(sw_bgsync *y, int fd, int64_t covers);
/* Started and its fdatasync has returned: joining will not wait. */
int sw_bgsync_finished(sw_bgsync *y);
/* Wait for it (if running): 0, or the errno of the failed fdatasync. */
int sw_bgsync_join(sw_bgsync *y);

#endif
