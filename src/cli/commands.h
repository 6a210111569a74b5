/* Subcommands of the qthermo executable: each gets argv after the command
 * name (argv[0] is the command) and returns the process exit code. */
#ifndef QT_CLI_COMMANDS_H
#define QT_CLI_COMMANDS_H

int qt_cmd_point(int argc, char **argv);
int qt_cmd_bench(int argc, char **argv);
int qt_cmd_params(int argc, char **argv);
/* Implemented in src/sweep (MPI + HDF5); absent from a build without them. */
#include "../sweep/sweep.h"

/* Exit codes shared by all commands. */
#include "../common/exit_codes.h"

#endif
