/* `qthermo sweep`: the driver. The only place that starts and ends MPI, and
 * decides exit codes; everything else returns status codes.
 *
 *   rank 0: arguments, config (read, validate), output file decisions,
 *           estimates -> broadcast (config text, mode, names) or exit 2
 *   all:    parse the broadcast text, create or open the file (collective)
 *   all:    sw_run (scheduler.c), close, MPI_Finalize */
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <mpi.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <cblas.h>
#include <hdf5.h>

#include "../cli/commands.h"
#include "compute.h"
#include "config.h"
#include "grid.h"
#include "h5file.h"
#include "log.h"
#include "outputs.h"
#include "scheduler.h"
#include "signals.h"

#define PATH_LEN 4096

enum { MODE_CREATE = 0, MODE_FORCE = 1, MODE_RESUME = 2 };

typedef struct {
    const char *config;
    const char *out;
    int resume, force;
    double progress;
} sweep_args;

static void usage(FILE *f)
{
    fprintf(f, "usage: mpirun -np K qthermo sweep CONFIG.yaml -o OUT.h5 [--resume] [--force]\n"
               "                                  [--progress SECONDS]\n"
               "  Rank 0 hands out grid points, ranks 1..K-1 compute (K = 1: rank 0 does both);\n"
               "  all results go to one parallel HDF5 file.\n"
               "  -o, --output OUT.h5   results file (never overwritten without --force)\n"
               "  --resume              continue OUT.h5: compute only the points not done\n"
               "                        (starts a new file when OUT.h5 does not exist)\n"
               "  --force               replace an existing OUT.h5\n"
               "  --progress SECONDS    progress line interval on stderr (default 10, 0: off)\n"
               "Exit codes: 0 done, 1 I/O or internal failure, 2 bad input (nothing written),\n"
               "4 interrupted by SIGTERM/SIGINT/SIGUSR1 (resumable with --resume).\n"
               "QTHERMO_COUNT_FILE=PATH (testing): append 'GROUP INDEX' for every computed point.\n"
               "QTHERMO_FLUSH_SECONDS=S: collective H5Fflush every S seconds (default 60).\n");
}

/* 0, 1 (--help) or -1 (message in msg) */
static int parse_args(int argc, char **argv, sweep_args *a, char *msg, size_t len)
{
    memset(a, 0, sizeof *a);
    a->progress = 10;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (!strcmp(s, "--help") || !strcmp(s, "-h")) return 1;
        if (!strcmp(s, "--resume"))
            a->resume = 1;
        else if (!strcmp(s, "--force"))
            a->force = 1;
        else if (!strcmp(s, "-o") || !strcmp(s, "--output") || !strcmp(s, "--progress")) {
            if (i + 1 >= argc) return snprintf(msg, len, "%s: missing value", s), -1;
            const char *v = argv[++i];
            if (s[1] == 'o' || s[2] == 'o') {
                a->out = v;
            } else {
                char *end;
                errno = 0;
                a->progress = strtod(v, &end);
                if (end == v || *end || errno || !isfinite(a->progress) || a->progress < 0)
                    return snprintf(msg, len, "--progress: expected seconds >= 0, got '%s'", v), -1;
            }
        } else if (s[0] == '-' && s[1]) {
            return snprintf(msg, len, "unknown option '%s'", s), -1;
        } else if (!a->config) {
            a->config = s;
        } else {
            return snprintf(msg, len, "unexpected argument '%s' (one CONFIG only)", s), -1;
        }
    }
    if (!a->config) return snprintf(msg, len, "missing CONFIG.yaml"), -1;
    if (!a->out) return snprintf(msg, len, "missing -o OUT.h5"), -1;
    if (a->resume && a->force)
        return snprintf(msg, len, "--resume and --force exclude each other"), -1;
    if (strlen(a->out) + 32 >= PATH_LEN) return snprintf(msg, len, "-o: path too long"), -1;
    return 0;
}

static double mem_available_bytes(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    char line[256];
    double kb = -1;
    if (!f) return -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "MemAvailable: %lf kB", &kb) == 1) break;
    fclose(f);
    return kb * 1024;
}

/* Workspace bytes per computing rank, from the library's own plan. */
static double workspace_estimate(const sw_config *cfg, int max_N)
{
    return (double)qt_workspace_estimate(cfg->model, max_N, cfg->ws_flags);
}

static void human(double bytes, char *buf, size_t len)
{
    static const char *const u[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    int i = 0;
    while (bytes >= 1024 && i < 5) bytes /= 1024, i++;
    snprintf(buf, len, "%.1f %s", bytes, u[i]);
}

/* Rank 0: decide what happens to OUT before anything is created. */
static int plan_output(const sweep_args *a, const sw_config *cfg, const sw_grid *g, int size,
                       int local_ranks, int *mode, char *tmp, char *msg, size_t len)
{
    struct stat st;
    const int exists = stat(a->out, &st) == 0;
    if (exists && S_ISDIR(st.st_mode))
        return snprintf(msg, len, "-o %s: is a directory", a->out), -1;
    if (exists && !a->resume && !a->force)
        return snprintf(msg, len,
                        "%s exists; not touching it (use --resume to continue it or --force to "
                        "replace it)",
                        a->out),
               -1;
    *mode = exists && a->resume ? MODE_RESUME : a->force ? MODE_FORCE : MODE_CREATE;
    char dirbuf[PATH_LEN];
    snprintf(dirbuf, sizeof dirbuf, "%s", a->out);
    const char *dir = dirname(dirbuf);
    if (access(dir, W_OK | X_OK))
        return snprintf(msg, len, "-o %s: cannot write in directory %s: %s", a->out, dir,
                        strerror(errno)),
               -1;
    snprintf(tmp, PATH_LEN, "%s.tmp.%ld", a->out, (long)getpid());

    char need[32], have[32];
    const double file_bytes = sw_grid_file_bytes(cfg, g);
    struct statvfs vfs;
    if (*mode != MODE_RESUME && !statvfs(dir, &vfs)) {
        double avail = (double)vfs.f_bavail * (double)vfs.f_frsize;
        if (file_bytes > avail) {
            human(file_bytes, need, sizeof need);
            human(avail, have, sizeof have);
            return snprintf(
                       msg, len,
                       "axes: the grid's output file needs about %s but only %s is free in %s; "
                       "make the grid smaller or write elsewhere",
                       need, have, dir),
                   -1;
        }
    }
    /* memory on this node: the master's done masks + the computing ranks' workspaces */
    const int computing = size == 1 ? 1 : (local_ranks > 1 ? local_ranks - 1 : 1);
    double mem = (double)g->total + 4.0 * SW_BATCH_MAX * g->max_rec * 8.0 +
                 computing * workspace_estimate(cfg, g->max_N);
    double avail = mem_available_bytes();
    if (avail > 0 && mem > avail) {
        human(mem, need, sizeof need);
        human(avail, have, sizeof have);
        return snprintf(msg, len,
                        "axes: the sweep needs about %s of memory on this node (%lld points, N up "
                        "to %d, %d computing ranks) but %s is available",
                        need, (long long)g->total, g->max_N, computing, have),
               -1;
    }
    return 0;
}

/* Rank 0: put the freshly laid-out file at its name. --force replaces the
 * old file atomically (rename); otherwise link() refuses to clobber a file
 * that appeared in the meantime. */
static int place_output(const char *tmp, const char *out, int mode, char *msg, size_t len)
{
    if (mode == MODE_FORCE) {
        if (rename(tmp, out))
            return snprintf(msg, len, "rename %s -> %s: %s", tmp, out, strerror(errno)), -1;
        return 0;
    }
    if (!link(tmp, out)) {
        unlink(tmp);
        return 0;
    }
    if (errno == EEXIST)
        return snprintf(msg, len, "%s appeared while the sweep started; not touching it", out), -1;
    struct stat st; /* file systems without hard links */
    if (stat(out, &st) == 0) return snprintf(msg, len, "%s exists; not touching it", out), -1;
    if (rename(tmp, out))
        return snprintf(msg, len, "rename %s -> %s: %s", tmp, out, strerror(errno)), -1;
    return 0;
}

static int agree_max(MPI_Comm comm, int v)
{
    int r;
    MPI_Allreduce(&v, &r, 1, MPI_INT, MPI_MAX, comm);
    return r;
}

static const char *signal_name(int sig)
{
    if (sig == SIGINT) return "SIGINT";
    if (sig == SIGUSR1) return "SIGUSR1";
    if (sig == SIGTERM) return "SIGTERM";
    return sig == -1 ? "a signal on a worker" : "a signal";
}

/* Everything between MPI_Init and MPI_Finalize; returns the exit code. */
static int sweep_main(MPI_Comm comm, int argc, char **argv)
{
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    const double t_start = sw_now();
    char msg[3 * PATH_LEN + 512] = "";
    sweep_args a;
    int prc = parse_args(argc, argv, &a, msg, sizeof msg);
    if (prc) {
        if (rank == 0) {
            if (prc > 0)
                usage(stdout);
            else
                fprintf(stderr, "qthermo sweep: error: %s\n", msg), usage(stderr);
        }
        return prc > 0 ? QT_EXIT_OK : QT_EXIT_USAGE;
    }
    if (sw_signals_install()) return QT_EXIT_FAILURE;
    if (!getenv("OPENBLAS_NUM_THREADS")) openblas_set_num_threads(1); /* one core per rank */

    MPI_Comm node;
    int local_ranks = 1;
    MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node);
    MPI_Comm_size(node, &local_ranks);
    MPI_Comm_free(&node);

    /* rank 0 reads, validates and plans; then one broadcast */
    sw_config cfg;
    sw_grid g;
    memset(&cfg, 0, sizeof cfg);
    memset(&g, 0, sizeof g);
    struct {
        int code, mode;
        long long text_len;
        char tmp[PATH_LEN];
        char created[32];
    } plan;
    memset(&plan, 0, sizeof plan);
    char *text = NULL;
    if (rank == 0) {
        size_t len = 0;
        if (sw_read_file(a.config, &text, &len, msg, sizeof msg) ||
            sw_config_parse(a.config, text, len, &cfg, msg, sizeof msg) ||
            sw_grid_build(&cfg, &g, msg, sizeof msg) ||
            plan_output(&a, &cfg, &g, size, local_ranks, &plan.mode, plan.tmp, msg, sizeof msg)) {
            fprintf(stderr, "qthermo sweep: error: %s\n", msg);
            plan.code = QT_EXIT_USAGE;
        }
        plan.text_len = (long long)len;
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(plan.created, sizeof plan.created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    }
    MPI_Bcast(&plan, (int)sizeof plan, MPI_BYTE, 0, comm);
    if (plan.code) {
        free(text);
        sw_config_free(&cfg);
        sw_grid_free(&g);
        return plan.code;
    }
    if (rank != 0) text = malloc((size_t)plan.text_len + 1);
    int ok = text != NULL;
    if (agree_max(comm, !ok)) {
        free(text);
        return QT_EXIT_FAILURE;
    }
    MPI_Bcast(text, (int)plan.text_len, MPI_CHAR, 0, comm);
    if (rank != 0) { /* same text, same parser: the same config */
        ok = !sw_config_parse(a.config, text, (size_t)plan.text_len, &cfg, msg, sizeof msg) &&
             !sw_grid_build(&cfg, &g, msg, sizeof msg);
    }
    free(text);
    text = NULL;
    int code = QT_EXIT_OK;
    if (agree_max(comm, !ok)) {
        if (rank != 0 && !ok) fprintf(stderr, "qthermo sweep [%d]: %s\n", rank, msg);
        code = QT_EXIT_FAILURE;
        goto out_cfg;
    }

    /* the file: create (under a temporary name, then put in place) or open */
    if (!getenv("QTHERMO_H5_DEBUG")) H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    sw_h5 h;
    memset(&h, 0, sizeof h);
    h.file = -1;
    const double t_file = sw_now();
    int frc;
    /* rank 0: the done masks (all zero for a new file) */
    uint8_t **done = NULL;
    ok = 1;
    if (rank == 0) {
        done = calloc((size_t)g.n_blocks, sizeof *done);
        ok = done != NULL;
        for (int b = 0; ok && b < g.n_blocks; b++)
            ok = (done[b] = calloc((size_t)g.blk[b].npoints, 1)) != NULL;
        if (!ok) snprintf(msg, sizeof msg, "out of memory for the done masks");
    }
    if (agree_max(comm, !ok)) {
        if (rank == 0) fprintf(stderr, "qthermo sweep: error: %s\n", msg);
        code = QT_EXIT_FAILURE;
        goto out_done;
    }
    if (plan.mode == MODE_RESUME) {
        /* check and read read-only first: a refused or complete file is not touched */
        long long todo = 0;
        frc = sw_h5_open(&h, a.out, comm, &cfg, &g, 0, msg, sizeof msg);
        frc = agree_max(comm, frc < 0 ? 3 : frc); /* 0 ok, 2 refused, 3 I/O */
        if (!frc && rank == 0)
            for (int b = 0; b < g.n_blocks && !frc; b++) {
                if (sw_h5_read_done(&h, &cfg, &g, b, done[b])) {
                    snprintf(msg, sizeof msg, "%s: cannot read %s/done", a.out, g.blk[b].group);
                    frc = 3;
                }
                for (int64_t i = 0; i < g.blk[b].npoints; i++) todo += !done[b][i];
            }
        frc = agree_max(comm, frc);
        if (h.file >= 0) sw_h5_close(&h);
        MPI_Bcast(&todo, 1, MPI_LONG_LONG, 0, comm);
        if (!frc && todo == 0) {
            if (rank == 0)
                sw_log(0, "%s is complete (%lld points done): nothing to do", a.out,
                       (long long)g.total);
            code = QT_EXIT_OK;
            goto out_done;
        }
        if (!frc) frc = sw_h5_open(&h, a.out, comm, &cfg, &g, 1, msg, sizeof msg);
        frc = agree_max(comm, frc < 0 ? 3 : frc);
        if (frc) {
            if (rank == 0) fprintf(stderr, "qthermo sweep: error: %s\n", msg);
            code = frc == 2 ? QT_EXIT_USAGE : QT_EXIT_FAILURE;
            goto out_done;
        }
    } else {
        frc = sw_h5_create(&h, plan.tmp, comm, &cfg, &g, plan.created, msg, sizeof msg);
        if (agree_max(comm, frc != 0)) {
            if (rank == 0) {
                fprintf(stderr, "qthermo sweep: error: %s\n", msg);
                unlink(plan.tmp);
            }
            if (!frc) sw_h5_close(&h);
            code = QT_EXIT_FAILURE;
            goto out_done;
        }
        MPI_Barrier(comm); /* every rank has flushed: the layout is on disk */
        if (rank == 0 && place_output(plan.tmp, a.out, plan.mode, msg, sizeof msg)) {
            fprintf(stderr, "qthermo sweep: error: %s\n", msg);
            frc = 1;
        }
        if (agree_max(comm, frc)) {
            sw_h5_close(&h);
            if (rank == 0) unlink(plan.tmp);
            code = QT_EXIT_USAGE;
            goto out_done;
        }
    }
    const double file_seconds = sw_now() - t_file;

    /* computing ranks: their workspace */
    sw_compute comp;
    memset(&comp, 0, sizeof comp);
    comp.count_fd = -1;
    const int computes = size == 1 || rank > 0;
    if (ok && computes && sw_compute_init(&comp, &cfg, &g, msg, sizeof msg)) ok = 0;
    if (!ok) fprintf(stderr, "qthermo sweep [%d]: error: %s\n", rank, msg);
    if (agree_max(comm, !ok)) {
        code = QT_EXIT_FAILURE;
    } else {
        if (rank == 0) {
            char nlist[256] = "";
            for (int b = 0; b < g.n_blocks && strlen(nlist) < 200; b++)
                snprintf(nlist + strlen(nlist), sizeof nlist - strlen(nlist), "%s%d", b ? ", " : "",
                         g.blk[b].N);
            sw_log(0, "%s %s -> %s: model %s%s%s, %lld points, %d rank%s (%s)",
                   plan.mode == MODE_RESUME ? "resuming" : "starting", a.config, a.out,
                   sw_model_name(cfg.model), cfg.model == QT_MODEL_NSITE ? ", N = " : "",
                   cfg.model == QT_MODEL_NSITE ? nlist : "", (long long)g.total, size,
                   size > 1 ? "s" : "",
                   size > 1 ? "1 master + workers" : "one rank computes and writes");
        }
        /* collective H5Fflush interval; QTHERMO_FLUSH_SECONDS for tests and tuning */
        sw_run_opts ro = {a.progress, 60.0};
        const char *fe = getenv("QTHERMO_FLUSH_SECONDS");
        if (fe && atof(fe) > 0) ro.flush_every = atof(fe);
        sw_run_stats st;
        int rrc =
            sw_run(comm, &cfg, &g, &h, done, computes ? &comp : NULL, &ro, &st, msg, sizeof msg);
        sw_sleepy_barrier(comm);
        int64_t counts[QT_NSTATUS + 2] = {0};
        if (rank == 0 && sw_h5_count_status(&h, &cfg, &g, counts)) counts[0] = -1;
        const double t_close = sw_now();
        if (sw_h5_close(&h)) rrc = -1;
        if (rank == 0) {
            const int64_t have = st.done_before + st.computed;
            sw_log(0,
                   "this run: %lld points in %.3f s (%.0f points/s), %d flushes; file setup "
                   "%.3f s, close %.3f s, total %.3f s",
                   (long long)st.computed, st.seconds,
                   st.seconds > 0 ? (double)st.computed / st.seconds : 0.0, st.flushes,
                   file_seconds, sw_now() - t_close, sw_now() - t_start);
            char fails[512] = "";
            int64_t nfail = 0;
            for (int s = 1; s <= QT_NSTATUS; s++) {
                int64_t c = counts[s + 1];
                if (!c) continue;
                nfail += c;
                snprintf(fails + strlen(fails), sizeof fails - strlen(fails), "%s%s %lld",
                         fails[0] ? ", " : ": ", s < QT_NSTATUS ? qt_status_name(s) : "other",
                         (long long)c);
            }
            if (rrc) {
                sw_log(0, "error: %s", msg);
                code = QT_EXIT_FAILURE;
            } else if (have < st.total) {
                sw_log(0,
                       "interrupted by %s: %lld/%lld points saved in %s, failed %lld%s\n"
                       "  resume with: mpirun -np %d qthermo sweep %s -o %s --resume",
                       signal_name(st.stop_signal), (long long)have, (long long)st.total, a.out,
                       (long long)nfail, fails, size, a.config, a.out);
                code = QT_EXIT_INTERRUPTED;
            } else {
                sw_log(0, "done: %lld/%lld points in %s, failed %lld%s", (long long)have,
                       (long long)st.total, a.out, (long long)nfail, fails);
            }
        }
    }
    if (h.file >= 0) sw_h5_close(&h);
    if (computes) sw_compute_free(&comp);
out_done:
    if (done)
        for (int b = 0; b < g.n_blocks; b++) free(done[b]);
    free(done);
out_cfg:
    MPI_Bcast(&code, 1, MPI_INT, 0, comm);
    sw_grid_free(&g);
    sw_config_free(&cfg);
    return code;
}

int qt_cmd_sweep(int argc, char **argv)
{
    if (MPI_Init(&argc, &argv) != MPI_SUCCESS) {
        fprintf(stderr, "qthermo sweep: MPI_Init failed\n");
        return QT_EXIT_FAILURE;
    }
    MPI_Comm comm;
    MPI_Comm_dup(MPI_COMM_WORLD, &comm);
    MPI_Comm_set_name(comm, "qthermo_sweep");
    int code = sweep_main(comm, argc, argv);
    MPI_Comm_free(&comm);
    MPI_Finalize();
    return code;
}
