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

#include "../common/exit_codes.h"
#include "compute.h"
#include "config.h"
#include "grid.h"
#include "log.h"
#include "outputs.h"
#include "scheduler.h"
#include "signals.h"
#include "sweep.h"
#include "writer.h"

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

/* What rank 0 decided, broadcast to every rank as bytes. */
typedef struct {
    int code, mode;
    long long text_len;
    char tmp[PATH_LEN];
    char created[32];
} sweep_plan;

/* One run of the sweep command on one rank: its phases share this. */
typedef struct {
    MPI_Comm comm;
    int rank, size, local_ranks;
    sweep_args a;
    sw_config cfg;
    sw_grid g;
    sweep_plan plan;
    uint8_t **done; /* rank 0: the done masks */
    sw_writer out;
    double t_start, file_seconds;
    char msg[3 * PATH_LEN + 512];
} sweep_run;

static void error_line(const sweep_run *r)
{
    if (r->rank == 0) fprintf(stderr, "qthermo sweep: error: %s\n", r->msg);
}

/* Arguments; -1 to go on, else the exit code (after --help or a usage error). */
static int arguments(sweep_run *r, int argc, char **argv)
{
    int prc = parse_args(argc, argv, &r->a, r->msg, sizeof r->msg);
    if (!prc) return -1;
    if (r->rank == 0) {
        if (prc > 0)
            usage(stdout);
        else
            error_line(r), usage(stderr);
    }
    return prc > 0 ? QT_EXIT_OK : QT_EXIT_USAGE;
}

/* Signals, one BLAS thread per rank, ranks on this node. */
static int setup_process(sweep_run *r)
{
    if (sw_signals_install()) return -1;
    if (!getenv("OPENBLAS_NUM_THREADS")) openblas_set_num_threads(1); /* one core per rank */
    MPI_Comm node;
    MPI_Comm_split_type(r->comm, MPI_COMM_TYPE_SHARED, r->rank, MPI_INFO_NULL, &node);
    MPI_Comm_size(node, &r->local_ranks);
    MPI_Comm_free(&node);
    return 0;
}

/* Rank 0: read, validate, plan the output; the config text in *text. */
static void plan_on_master(sweep_run *r, char **text)
{
    sweep_plan *p = &r->plan;
    size_t len = 0;
    if (sw_read_file(r->a.config, text, &len, r->msg, sizeof r->msg) ||
        sw_config_parse(r->a.config, *text, len, &r->cfg, r->msg, sizeof r->msg) ||
        sw_grid_build(&r->cfg, &r->g, r->msg, sizeof r->msg) ||
        plan_output(&r->a, &r->cfg, &r->g, r->size, r->local_ranks, &p->mode, p->tmp, r->msg,
                    sizeof r->msg)) {
        error_line(r);
        p->code = QT_EXIT_USAGE;
    }
    p->text_len = (long long)len;
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(p->created, sizeof p->created, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Rank 0 plans, then every rank has the plan, the config and the grid:
 * rank 0 broadcasts the exact text and the others parse it again. Returns
 * -1 to go on, else the exit code. */
static int share_config(sweep_run *r)
{
    char *text = NULL;
    if (r->rank == 0) plan_on_master(r, &text);
    MPI_Bcast(&r->plan, (int)sizeof r->plan, MPI_BYTE, 0, r->comm);
    if (r->plan.code) {
        free(text);
        return r->plan.code;
    }
    if (r->rank != 0) text = malloc((size_t)r->plan.text_len + 1);
    if (agree_max(r->comm, text == NULL)) {
        free(text);
        return QT_EXIT_FAILURE;
    }
    MPI_Bcast(text, (int)r->plan.text_len, MPI_CHAR, 0, r->comm);
    int ok = 1;
    if (r->rank != 0) /* same text, same parser: the same config */
        ok = !sw_config_parse(r->a.config, text, (size_t)r->plan.text_len, &r->cfg, r->msg,
                              sizeof r->msg) &&
             !sw_grid_build(&r->cfg, &r->g, r->msg, sizeof r->msg);
    free(text);
    if (agree_max(r->comm, !ok)) {
        if (!ok && r->rank != 0) fprintf(stderr, "qthermo sweep [%d]: %s\n", r->rank, r->msg);
        return QT_EXIT_FAILURE;
    }
    return -1;
}

/* Rank 0: the done masks, all zero. 0 or -1 (on every rank). */
static int alloc_done_masks(sweep_run *r)
{
    int ok = 1;
    if (r->rank == 0) {
        r->done = calloc((size_t)r->g.n_blocks, sizeof *r->done);
        ok = r->done != NULL;
        for (int b = 0; ok && b < r->g.n_blocks; b++)
            ok = (r->done[b] = calloc((size_t)r->g.blk[b].npoints, 1)) != NULL;
        if (!ok) snprintf(r->msg, sizeof r->msg, "out of memory for the done masks");
    }
    if (agree_max(r->comm, !ok)) {
        error_line(r);
        return -1;
    }
    return 0;
}

/* Rank 0: read the done masks of the open file; points left to do, or -1. */
static long long read_done_masks(sweep_run *r)
{
    long long todo = 0;
    for (int b = 0; b < r->g.n_blocks; b++) {
        if (sw_writer_read_done(&r->out, b, r->done[b])) {
            snprintf(r->msg, sizeof r->msg, "%s: cannot read %s/done", r->a.out, r->g.blk[b].group);
            return -1;
        }
        for (int64_t i = 0; i < r->g.blk[b].npoints; i++) todo += !r->done[b][i];
    }
    return todo;
}

/* --resume: check and read the done masks read-only first (a refused or
 * complete file is not touched), then open writable. -1 to go on, else the
 * exit code. */
static int open_for_resume(sweep_run *r)
{
    int frc = sw_writer_open(&r->out, r->a.out, r->comm, &r->cfg, &r->g, 0, r->msg, sizeof r->msg);
    frc = agree_max(r->comm, frc < 0 ? 3 : frc); /* 0 ok, 2 refused, 3 I/O */
    long long todo = 0;
    if (!frc && r->rank == 0 && (todo = read_done_masks(r)) < 0) frc = 3;
    frc = agree_max(r->comm, frc);
    sw_writer_close(&r->out);
    MPI_Bcast(&todo, 1, MPI_LONG_LONG, 0, r->comm);
    if (!frc && todo == 0) {
        if (r->rank == 0)
            sw_log(0, "%s is complete (%lld points done): nothing to do", r->a.out,
                   (long long)r->g.total);
        return QT_EXIT_OK;
    }
    if (!frc)
        frc = sw_writer_open(&r->out, r->a.out, r->comm, &r->cfg, &r->g, 1, r->msg, sizeof r->msg);
    frc = agree_max(r->comm, frc < 0 ? 3 : frc);
    if (frc) {
        error_line(r);
        sw_writer_close(&r->out);
        return frc == 2 ? QT_EXIT_USAGE : QT_EXIT_FAILURE;
    }
    return -1;
}

/* A new file: laid out under the temporary name, then put in place. -1 to
 * go on, else the exit code. */
static int create_output(sweep_run *r)
{
    const sweep_plan *p = &r->plan;
    int frc = sw_writer_create(&r->out, p->tmp, r->comm, &r->cfg, &r->g, p->created, r->msg,
                               sizeof r->msg);
    if (agree_max(r->comm, frc != 0)) {
        error_line(r);
        if (r->rank == 0) unlink(p->tmp);
        sw_writer_close(&r->out);
        return QT_EXIT_FAILURE;
    }
    MPI_Barrier(r->comm); /* every rank has flushed: the layout is on disk */
    if (r->rank == 0 && place_output(p->tmp, r->a.out, p->mode, r->msg, sizeof r->msg)) {
        error_line(r);
        frc = 1;
    }
    if (agree_max(r->comm, frc)) {
        sw_writer_close(&r->out);
        if (r->rank == 0) unlink(p->tmp);
        return QT_EXIT_USAGE;
    }
    return -1;
}

static void log_start(const sweep_run *r)
{
    char nlist[256] = "";
    for (int b = 0; b < r->g.n_blocks && strlen(nlist) < 200; b++)
        snprintf(nlist + strlen(nlist), sizeof nlist - strlen(nlist), "%s%d", b ? ", " : "",
                 r->g.blk[b].N);
    const int nsite = r->cfg.model == QT_MODEL_NSITE;
    sw_log(0, "%s %s -> %s: model %s%s%s, %lld points, %d rank%s (%s)",
           r->plan.mode == MODE_RESUME ? "resuming" : "starting", r->a.config, r->a.out,
           sw_model_name(r->cfg.model), nsite ? ", N = " : "", nsite ? nlist : "",
           (long long)r->g.total, r->size, r->size > 1 ? "s" : "",
           r->size > 1 ? "1 master + workers" : "one rank computes and writes");
}

/* ", name count, ..." of the failed statuses; their total. */
static int64_t failure_summary(const int64_t *counts, char *fails, size_t len)
{
    int64_t nfail = 0;
    fails[0] = 0;
    for (int s = 1; s <= QT_NSTATUS; s++) {
        int64_t c = counts[s + 1];
        if (!c) continue;
        nfail += c;
        snprintf(fails + strlen(fails), len - strlen(fails), "%s%s %lld", fails[0] ? ", " : ": ",
                 s < QT_NSTATUS ? qt_status_name(s) : "other", (long long)c);
    }
    return nfail;
}

/* Rank 0: the closing lines; the exit code. */
static int report(const sweep_run *r, const sw_run_stats *st, const int64_t *counts, int rrc,
                  double close_seconds)
{
    const int64_t have = st->done_before + st->computed;
    sw_log(0,
           "this run: %lld points in %.3f s (%.0f points/s), %d flushes; file setup "
           "%.3f s, close %.3f s, total %.3f s",
           (long long)st->computed, st->seconds,
           st->seconds > 0 ? (double)st->computed / st->seconds : 0.0, st->flushes, r->file_seconds,
           close_seconds, sw_now() - r->t_start);
    char fails[512];
    int64_t nfail = failure_summary(counts, fails, sizeof fails);
    if (rrc) {
        sw_log(0, "error: %s", r->msg);
        return QT_EXIT_FAILURE;
    }
    if (have < st->total) {
        sw_log(0,
               "interrupted by %s: %lld/%lld points saved in %s, failed %lld%s\n"
               "  resume with: mpirun -np %d qthermo sweep %s -o %s --resume",
               signal_name(st->stop_signal), (long long)have, (long long)st->total, r->a.out,
               (long long)nfail, fails, r->size, r->a.config, r->a.out);
        return QT_EXIT_INTERRUPTED;
    }
    sw_log(0, "done: %lld/%lld points in %s, failed %lld%s", (long long)have, (long long)st->total,
           r->a.out, (long long)nfail, fails);
    return QT_EXIT_OK;
}

/* The compute phase on the open file, the close and the report. */
static int compute_all(sweep_run *r)
{
    sw_compute comp;
    memset(&comp, 0, sizeof comp);
    comp.count_fd = -1;
    const int computes = r->size == 1 || r->rank > 0;
    int ok = !(computes && sw_compute_init(&comp, &r->cfg, &r->g, r->msg, sizeof r->msg));
    if (!ok) fprintf(stderr, "qthermo sweep [%d]: error: %s\n", r->rank, r->msg);
    int code = QT_EXIT_OK;
    if (agree_max(r->comm, !ok)) {
        code = QT_EXIT_FAILURE;
    } else {
        if (r->rank == 0) log_start(r);
        /* collective H5Fflush interval; QTHERMO_FLUSH_SECONDS for tests and tuning */
        sw_run_opts ro = {r->a.progress, 60.0};
        const char *fe = getenv("QTHERMO_FLUSH_SECONDS");
        if (fe && atof(fe) > 0) ro.flush_every = atof(fe);
        sw_run_stats st;
        int rrc = sw_run(r->comm, &r->g, &r->out, r->done, computes ? &comp : NULL, &ro, &st,
                         r->msg, sizeof r->msg);
        sw_sleepy_barrier(r->comm);
        int64_t counts[QT_NSTATUS + 2] = {0};
        if (r->rank == 0 && sw_writer_count_status(&r->out, counts)) counts[0] = -1;
        const double t_close = sw_now();
        if (sw_writer_close(&r->out)) rrc = -1;
        if (r->rank == 0) code = report(r, &st, counts, rrc, sw_now() - t_close);
    }
    sw_writer_close(&r->out);
    if (computes) sw_compute_free(&comp);
    return code;
}

/* The file and the run; the exit code. */
static int open_and_run(sweep_run *r)
{
    if (alloc_done_masks(r)) return QT_EXIT_FAILURE;
    const double t_file = sw_now();
    int code = r->plan.mode == MODE_RESUME ? open_for_resume(r) : create_output(r);
    if (code >= 0) return code;
    r->file_seconds = sw_now() - t_file;
    return compute_all(r);
}

/* Everything between MPI_Init and MPI_Finalize; returns the exit code. */
static int sweep_main(MPI_Comm comm, int argc, char **argv)
{
    sweep_run *r = calloc(1, sizeof *r);
    if (!r) return QT_EXIT_FAILURE;
    r->comm = comm;
    r->out.ops = &sw_h5_writer;
    r->t_start = sw_now();
    MPI_Comm_rank(comm, &r->rank);
    MPI_Comm_size(comm, &r->size);
    int code = arguments(r, argc, argv);
    if (code < 0 && agree_max(comm, setup_process(r) != 0)) code = QT_EXIT_FAILURE;
    if (code < 0) code = share_config(r);
    if (code < 0) code = open_and_run(r);
    MPI_Bcast(&code, 1, MPI_INT, 0, comm); /* every rank ends with rank 0's code */
    if (r->done)
        for (int b = 0; b < r->g.n_blocks; b++) free(r->done[b]);
    free(r->done);
    sw_grid_free(&r->g);
    sw_config_free(&r->cfg);
    free(r);
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
