#include "bgsync.h"

#include <errno.h>
#include <unistd.h>

static void *sync_thread(void *arg)
{
    sw_bgsync *y = arg;
    y->err = fdatasync(y->fd) ? errno : 0;
    atomic_store(&y->finished, 1);
    return NULL;
}

int sw_bgsync_start(sw_bgsync *y, int fd, int64_t covers)
{
    y->fd = fd;
    y->covers = covers;
    atomic_store(&y->finished, 0);
    if (pthread_create(&y->thread, NULL, sync_thread, y)) return -1;
    y->running = 1;
    return 0;
}

int sw_bgsync_finished(sw_bgsync *y)
{
    return y->running && atomic_load(&y->finished);
}

int sw_bgsync_join(sw_bgsync *y)
{
    if (!y->running) return 0;
    pthread_join(y->thread, NULL);
    y->running = 0;
    return y->err;
}
