/* `qthermo sweep`: the entry point the qthermo executable calls. */
#ifndef QT_SWEEP_SWEEP_H
#define QT_SWEEP_SWEEP_H

/* argv after the command name (argv[0] is "sweep"); returns the process
 * exit code (common/exit_codes.h). Starts and ends MPI. */
int qt_cmd_sweep(int argc, char **argv);

#endif
