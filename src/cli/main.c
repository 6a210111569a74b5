/* qthermo: command dispatcher. */
#include "commands.h"

#include "args.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qthermo/qthermo.h"

/* OpenBLAS (cblas.h) */
void openblas_set_num_threads(int num_threads);

static void usage(FILE *out)
{
    fprintf(out,
            "qthermo %s: quantum thermophoresis steady states\n"
            "usage:\n"
            "  qthermo point --model nsite|lambda|vee [options]   one grid point, JSON on stdout\n"
            "  qthermo bench [--quick]                            per-point timings\n"
            "  qthermo params [--json]                            the parameter table\n"
            "  mpirun -np K qthermo sweep CONFIG.yaml -o OUT.h5 [--resume|--force]\n"
            "  qthermo --version\n"
            "Run 'qthermo COMMAND --help' for the options of a command.\n",
            QT_VERSION);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return QT_EXIT_USAGE;
    }
    /* one BLAS thread per process: sweeps run one MPI rank per core, and the
     * per-point matrices are too small for threads to pay off */
    if (!getenv("OPENBLAS_NUM_THREADS")) openblas_set_num_threads(1);
    const char *cmd = argv[1];
    if (!strcmp(cmd, "point")) return qt_cmd_point(argc - 1, argv + 1);
    if (!strcmp(cmd, "bench")) return qt_cmd_bench(argc - 1, argv + 1);
    if (!strcmp(cmd, "params")) return qt_cmd_params(argc - 1, argv + 1);
#ifdef QT_HAVE_SWEEP
    if (!strcmp(cmd, "sweep")) return qt_cmd_sweep(argc - 1, argv + 1);
#endif
    if (!strcmp(cmd, "--version")) {
        printf("qthermo %s\n", QT_VERSION);
        return QT_EXIT_OK;
    }
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        usage(stdout);
        return QT_EXIT_OK;
    }
    static const char *const commands[] = {"point", "bench", "params", "sweep"};
    const char *hint = qt_suggest(cmd, commands, 4);
    if (hint)
        fprintf(stderr, "qthermo: unknown command '%s' (did you mean '%s'?)\n", cmd, hint);
    else
        fprintf(stderr, "qthermo: unknown command '%s'\n", cmd);
    usage(stderr);
    return QT_EXIT_USAGE;
}
