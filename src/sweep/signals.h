/* SIGTERM, SIGINT and SIGUSR1 (what Slurm sends before a time limit) ask the
 * sweep to stop: the handler only records the signal; the master polls it
 * between messages, stops handing out work, collects what is in flight and
 * exits with QT_EXIT_INTERRUPTED. */
#ifndef QT_SWEEP_SIGNALS_H
#define QT_SWEEP_SIGNALS_H

/* Install the handlers (every rank). 0 or -1. */
int sw_signals_install(void);
/* The first stop signal received, or 0. Async-signal-safe to call. */
int sw_signal_caught(void);

#endif
