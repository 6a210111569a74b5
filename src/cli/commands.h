/* Subcommands of the qthermo executable: each gets argv after the command
 * name (argv[0] is the command) and returns the process exit code. */
#ifndef QT_CLI_COMMANDS_H
#define QT_CLI_COMMANDS_H

int qt_cmd_point(int argc, char **argv);
int qt_cmd_bench(int argc, char **argv);
int qt_cmd_params(int argc, char **argv);
/* Implemented in src/sweep (MPI + HDF5); absent from a build without them. */
int qt_cmd_sweep(int argc, char **argv);

/* Exit codes shared by all commands. */
enum {
    QT_EXIT_OK = 0,
    QT_EXIT_FAILURE = 1,    /* internal or I/O failure */
    QT_EXIT_USAGE = 2,      /* bad input: nothing was computed or written */
    QT_EXIT_NOT_UNIQUE = 3, /* point ran but has no unique answer */
    QT_EXIT_INTERRUPTED = 4 /* sweep stopped by a signal; resumable */
};

#endif
