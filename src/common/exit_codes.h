/* Process exit codes shared by every qthermo command (src/cli) and the
 * sweep engine (src/sweep). Not part of the library API (qthermo.h). */
#ifndef QT_COMMON_EXIT_CODES_H
#define QT_COMMON_EXIT_CODES_H

enum {
    QT_EXIT_OK = 0,
    QT_EXIT_FAILURE = 1,    /* internal or I/O failure */
    QT_EXIT_USAGE = 2,      /* bad input: nothing was computed or written */
    QT_EXIT_NOT_UNIQUE = 3, /* point ran but has no unique answer */
    QT_EXIT_INTERRUPTED = 4 /* sweep stopped by a signal; resumable */
};

#endif
