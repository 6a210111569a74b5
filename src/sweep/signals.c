#include "signals.h"

#include <signal.h>
#include <string.h>

/* The one piece of process-wide state: a signal handler can reach nothing
 * else. Written only by the handler, read by sw_signal_caught. */
static volatile sig_atomic_t caught_signal = 0;

static void on_stop_signal(int sig)
{
    if (!caught_signal) caught_signal = sig;
}

int sw_signals_install(void)
{
    static const int sigs[] = {SIGTERM, SIGINT, SIGUSR1};
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART; /* MPI and HDF5 calls are not interrupted */
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        if (sigaction(sigs[i], &sa, NULL)) return -1;
    return 0;
}

int sw_signal_caught(void)
{
    return caught_signal;
}
