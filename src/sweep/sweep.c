/* `qthermo sweep`: the driver. The only place that starts and ends MPI, and
 * decides exit codes; everything else returns status codes.
 *
 *   rank 0: arguments, config (read, validate), output file decisions and
 *           lock, estimates -> broadcast (config text, mode) or exit 2
 *   all:    parse the broadcast text
 *   rank 0: create or open the file (only rank 0 ever touches it)
 *   all:    sw_run (scheduler.c); rank 0 closes (durably); MPI_Finalize */
#include <errno.h>
#include <math.h>
#include <mpi.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cblas.h>

#include "../common/exit_codes.h"
#include "../common/suggest.h"
#include "boundary.h"
#include "compute.h"
#include "config.h"
#include "grid.h"
#include "log.h"
#include "../common/memlimit.h"
#include "outfile.h"
#include "outputs.h"
#include "rawwrite.h"
#include "scheduler.h"
#include "signals.h"
#include "sweep.h"
#include "writer.h"

#define PATH_LEN SW_PATH_LEN

typedef struct {
    const char *config;
    const char *out;
    int resume, force;
    double progress;
    int threads; /* --threads_per_rank, 0: the config's, else SLURM_CPUS_PER_TASK, else 1 */
    int writer;  /* --writer: WRITER_DEFAULT, WRITER_MASTER or WRITER_WORKERS */
} sweep_args;

/* Who writes the results (README.md in this folder, "Writing"). The
 * default is workers, falling back to master when the workers cannot
 * open the file rank 0 opened (another node without the file system). */
enum { WRITER_DEFAULT = 0, WRITER_MASTER, WRITER_WORKERS };
static const char *const writer_names[] = {"default", "master", "workers"};

/* The options of `qthermo sweep` (the "did you mean" list; usage() explains
 * each). */
static const char *const sweep_options[] = {
    "--resume", "--force", "--output", "--progress", "--threads_per_rank", "--writer", "--help"};
#define N_SWEEP_OPTIONS ((int)(sizeof sweep_options / sizeof *sweep_options))

/* Threads per rank: --threads_per_rank, else the config's threads_per_rank,
 * else Slurm's --cpus-per-task (SLURM_CPUS_PER_TASK), else 1. They change
 * no result (the threaded paths are bit-identical to the serial ones). */
static void apply_threads(sw_config *cfg, int cli)
{
    const char *slurm = getenv("SLURM_CPUS_PER_TASK");
    long t = slurm ? strtol(slurm, NULL, 10) : 0;
    if (cli > 0)
        cfg->opt.threads = cli;
    else if (!cfg->threads_given && t >= 1 && t <= 1024)
        cfg->opt.threads = (int)t;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: mpirun -np K qthermo sweep CONFIG.yaml -o OUT.h5 [--resume] [--force]\n"
            "                                  [--progress SECONDS]\n"
            "  Rank 0 hands out grid points, ranks 1..K-1 compute (K = 1: rank 0 does both);\n"
            "  all results go to one parallel HDF5 file.\n"
            "  -o, --output OUT.h5   results file (never overwritten without --force)\n"
            "  --resume              continue OUT.h5: compute only the points not done\n"
            "                        (starts a new file when OUT.h5 does not exist)\n"
            "  --force               replace an existing OUT.h5\n"
            "  --progress SECONDS    progress line interval on stderr (default 10, 0: off)\n"
            "  --threads_per_rank T  threads for one large chain point (default: the\n"
            "                        config's threads_per_rank, else SLURM_CPUS_PER_TASK, else 1)\n"
            "  --writer W            master: rank 0 writes every result; workers: each worker\n"
            "                        writes its own into the file, rank 0 only schedules and\n"
            "                        marks done (default: workers when K > 1, master when the\n"
            "                        workers cannot open the file)\n"
            "Exit codes: 0 done, 1 I/O or internal failure, 2 bad input (nothing written),\n"
            "4 interrupted by SIGTERM/SIGINT/SIGUSR1 (resumable with --resume).\n"
            "QTHERMO_COUNT_FILE=PATH (testing): append 'GROUP INDEX' for every computed point.\n"
            "QTHERMO_FLUSH_SECONDS=S: group commit (fdatasync, then done flags) every S\n"
            "  seconds (default 1).\n"
            "QTHERMO_RANK_TIMEOUT=S: a rank silent for max(S, 20 x the longest batch) ends\n"
            "  the job (default 300).\n");
}

/* WRITER_MASTER or WRITER_WORKERS by name; WRITER_DEFAULT if neither. */
static int writer_mode(const char *name)
{
    for (int k = WRITER_MASTER; k <= WRITER_WORKERS; k++)
        if (!strcmp(name, writer_names[k])) return k;
    return WRITER_DEFAULT;
}

/* 0, 1 (--help) or -1 (message in msg) */
static int parse_args(int argc, char **argv, sweep_args *a, char *msg, size_t len)
{
    memset(a, 0, sizeof *a);
    a->progress = 10;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i], *v = NULL, *eq = strchr(s, '=');
        char name[32]; /* --NAME=VALUE: s the name, v the value */
        if (!strncmp(s, "--", 2) && eq && eq - s < (int)sizeof name) {
            snprintf(name, sizeof name, "%.*s", (int)(eq - s), s);
            s = name, v = eq + 1;
        }
        if (!strcmp(s, "--help") || !strcmp(s, "-h")) return 1;
        if (v && (!strcmp(s, "--resume") || !strcmp(s, "--force")))
            return snprintf(msg, len, "%s takes no value", s), -1;
        if (!strcmp(s, "--resume"))
            a->resume = 1;
        else if (!strcmp(s, "--force"))
            a->force = 1;
        else if (!strcmp(s, "--threads_per_rank")) {
            if (!v && i + 1 >= argc) return snprintf(msg, len, "%s: missing value", s), -1;
            if (!v) v = argv[++i];
            char *end;
            long t = strtol(v, &end, 10);
            if (end == v || *end || t < 1 || t > 1024)
                return snprintf(msg, len, "--threads_per_rank: expected 1..1024, got '%s'", v), -1;
            a->threads = (int)t;
        } else if (!strcmp(s, "--writer")) {
            if (!v && i + 1 >= argc) return snprintf(msg, len, "%s: missing value", s), -1;
            if ((a->writer = writer_mode(v ? v : argv[++i])) == WRITER_DEFAULT)
                return snprintf(msg, len, "--writer: expected master or workers, got '%s'",
                                v ? v : argv[i]),
                       -1;
        } else if (!strcmp(s, "-o") || !strcmp(s, "--output") || !strcmp(s, "--progress")) {
            if (!v && i + 1 >= argc) return snprintf(msg, len, "%s: missing value", s), -1;
            if (!v) v = argv[++i];
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
            const char *hint = qt_suggest(s, sweep_options, N_SWEEP_OPTIONS);
            return snprintf(msg, len, "unknown option '%s'%s%s%s", argv[i],
                            hint ? " (did you mean " : "", hint ? hint : "", hint ? "?)" : ""),
                   -1;
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

/* Line of the top-level `axes:` key in the config text (for messages). */
static int axes_line(const char *text)
{
    int line = 1;
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL, line++)
        if (!strncmp(p, "axes:", 5)) return line;
    return 0;
}

/* Rank 0: the output file fits the free space of its directory. */
static int check_disk(const char *config, const sw_config *cfg, const sw_grid *g,
                      const sw_outfile *o, char *msg, size_t len)
{
    const double file_bytes = sw_grid_file_bytes(cfg, g);
    struct statvfs vfs;
    if (o->mode == SW_OUT_RESUME || statvfs(o->dir, &vfs)) return 0;
    double avail = (double)vfs.f_bavail * (double)vfs.f_frsize;
    if (file_bytes <= avail) return 0;
    char need[32], have[32];
    human(file_bytes, need, sizeof need);
    human(avail, have, sizeof have);
    return snprintf(msg, len,
                    "%s:%d: axes: the grid's output file needs about %s but only %s is free in "
                    "%s; make the grid smaller or write elsewhere",
                    config, axes_line(cfg->text), need, have, o->dir),
           -1;
}

/* Rank 0: memory on this node: the master's done masks + the computing
 * ranks' workspaces. */
static int check_memory(const sw_config *cfg, const sw_grid *g, int size, int local_ranks,
                        char *msg, size_t len)
{
    const int computing = size == 1 ? 1 : (local_ranks > 1 ? local_ranks - 1 : 1);
    double mem = (double)g->total + 4.0 * (double)sw_grid_batch_doubles(g) * 8.0 +
                 computing * workspace_estimate(cfg, g->max_N);
    double avail = qt_memory_available("");
    if (avail <= 0 || mem <= avail) return 0;
    char need[32], have[32];
    human(mem, need, sizeof need);
    human(avail, have, sizeof have);
    return snprintf(msg, len,
                    "axes: the sweep needs about %s of memory on this node (%lld points, N up "
                    "to %d, %d computing ranks) but %s is available",
                    need, (long long)g->total, g->max_N, computing, have),
           -1;
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
    sw_outfile file; /* rank 0: names and locks */
    uint8_t **done;  /* rank 0: the done masks */
    sw_writer out;   /* rank 0: the open results file */
    int *local;      /* rank 0: local[r] = 1 when rank r shares rank 0's node */
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

/* One BLAS thread per rank, ranks on this node. */
static void setup_process(sweep_run *r)
{
    if (!getenv("OPENBLAS_NUM_THREADS")) openblas_set_num_threads(1); /* one core per rank */
    MPI_Comm node;
    MPI_Comm_split_type(r->comm, MPI_COMM_TYPE_SHARED, r->rank, MPI_INFO_NULL, &node);
    MPI_Comm_size(node, &r->local_ranks);
    MPI_Comm_free(&node);
}

/* Ranks that compute points (rank 0 too when alone): every rank plans the
 * batches with this same number. */
static int computing_ranks(const sweep_run *r)
{
    return r->size > 1 ? r->size - 1 : 1;
}

/* Rank 0: read, validate, plan the output; the config text in *text. */
static void plan_on_master(sweep_run *r, char **text)
{
    sweep_plan *p = &r->plan;
    size_t len = 0;
    char *m = r->msg;
    const size_t ml = sizeof r->msg;
    if (sw_read_file(r->a.config, text, &len, m, ml) ||
        sw_config_parse(r->a.config, *text, len, &r->cfg, m, ml) ||
        sw_grid_build(&r->cfg, computing_ranks(r), &r->g, m, ml) ||
        sw_outfile_plan(&r->file, r->a.out, r->a.resume, r->a.force, m, ml) ||
        check_disk(r->a.config, &r->cfg, &r->g, &r->file, m, ml) ||
        check_memory(&r->cfg, &r->g, r->size, r->local_ranks, m, ml)) {
        error_line(r);
        p->code = QT_EXIT_USAGE;
    }
    p->mode = r->file.mode;
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
             !sw_grid_build(&r->cfg, computing_ranks(r), &r->g, r->msg, sizeof r->msg);
    free(text);
    if (ok) apply_threads(&r->cfg, r->a.threads);
    if (agree_max(r->comm, !ok)) {
        if (!ok && r->rank != 0) fprintf(stderr, "qthermo sweep [%d]: %s\n", r->rank, r->msg);
        return QT_EXIT_FAILURE;
    }
    return -1;
}

/* Rank 0: the done masks, all zero. 0 or -1 (msg). */
static int alloc_done_masks(sweep_run *r)
{
    r->done = calloc((size_t)r->g.n_blocks, sizeof *r->done);
    int ok = r->done != NULL;
    for (int b = 0; ok && b < r->g.n_blocks; b++)
        ok = (r->done[b] = calloc((size_t)r->g.blk[b].npoints, 1)) != NULL;
    if (!ok) return snprintf(r->msg, sizeof r->msg, "out of memory for the done masks"), -1;
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

/* The probe (child process): check, read the done masks, report, exit. */
static void probe_child(sweep_run *r, int fd)
{
    int rc = sw_writer_open(&r->out, r->a.out, &r->cfg, &r->g, 0, r->msg, sizeof r->msg);
    if (!rc && read_done_masks(r) < 0) rc = -1;
    sw_writer_close(&r->out, NULL, 0);
    if (rc && write(fd, r->msg, strlen(r->msg)) < 0) rc = -1;
    _exit(rc == 0 ? 0 : rc == 2 ? 2 : 3);
}

/* The probe's message and exit status; a stop signal meanwhile ends the
 * probe (it might hang on a damaged file) and returns -1. */
static int wait_probe(sweep_run *r, pid_t pid, int fd, int *status)
{
    size_t got = 0;
    for (;;) {
        struct pollfd pf = {fd, POLLIN, 0};
        int k = poll(&pf, 1, 200);
        if (sw_signal_caught()) {
            kill(pid, SIGKILL);
            waitpid(pid, status, 0);
            return -1;
        }
        if (k <= 0) continue;
        ssize_t n = read(fd, r->msg + got, sizeof r->msg - 1 - got);
        if (n <= 0) break;
        got += (size_t)n;
    }
    r->msg[got] = 0;
    while (waitpid(pid, status, 0) < 0 && errno == EINTR)
        ;
    return 0;
}

/* Rank 0: the read-only checks of --resume, first in a child process:
 * HDF5 does not survive every damaged file (a flipped byte in its metadata
 * can crash it), so a crash there is a verdict ("damaged"), not the end of
 * this process. Reading is deterministic: what the child survived, this
 * process survives. 0, 2 (refused: msg), 4 (a stop signal) or -1 (msg). */
static int probe_file(sweep_run *r)
{
    int fds[2], status = 0;
    if (pipe(fds)) return 0; /* no probe: check in this process */
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) close(fds[0]), probe_child(r, fds[1]);
    close(fds[1]);
    int interrupted = pid > 0 && wait_probe(r, pid, fds[0], &status);
    close(fds[0]);
    if (pid < 0) return 0;
    if (interrupted)
        return snprintf(r->msg, sizeof r->msg, "interrupted while checking %s", r->a.out), 4;
    if (WIFSIGNALED(status))
        return snprintf(r->msg, sizeof r->msg,
                        "%s: damaged file: reading its HDF5 metadata crashed (signal %d); "
                        "refusing to --resume (use --force to start over)",
                        r->a.out, WTERMSIG(status)),
               2;
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 3;
    return code == 0 ? 0 : code == 2 ? 2 : -1;
}

/* Rank 0, --resume: check and read the done masks read-only first (a
 * refused or complete file is not touched), then open writable. -1 to go
 * on, else the exit code. */
static int open_for_resume(sweep_run *r)
{
    int frc = probe_file(r);
    long long todo = 0;
    if (frc == 4) return error_line(r), QT_EXIT_INTERRUPTED;
    if (!frc) frc = sw_writer_open(&r->out, r->a.out, &r->cfg, &r->g, 0, r->msg, sizeof r->msg);
    if (!frc && (todo = read_done_masks(r)) < 0) frc = -1;
    sw_writer_close(&r->out, NULL, 0);
    if (!frc && todo == 0) {
        sw_log(0, "%s is complete (%lld points done): nothing to do", r->a.out,
               (long long)r->g.total);
        return QT_EXIT_OK;
    }
    if (!frc) frc = sw_writer_open(&r->out, r->a.out, &r->cfg, &r->g, 1, r->msg, sizeof r->msg);
    if (frc) {
        error_line(r);
        sw_writer_close(&r->out, NULL, 0);
        return frc == 2 ? QT_EXIT_USAGE : QT_EXIT_FAILURE;
    }
    sw_outfile_mark_owner(&r->file);
    return -1;
}

/* Rank 0: a new file laid out under the temporary name (locked), then put
 * in place durably. -1 to go on, else the exit code. */
static int create_output(sweep_run *r)
{
    sw_outfile *o = &r->file;
    if (sw_outfile_new_tmp(o, r->msg, sizeof r->msg) ||
        sw_writer_create(&r->out, o->tmp, &r->cfg, &r->g, r->plan.created, r->msg, sizeof r->msg)) {
        error_line(r);
        sw_outfile_drop_tmp(o);
        return QT_EXIT_FAILURE;
    }
    sw_outfile_mark_owner(o);
    int prc = sw_outfile_place(o, r->msg, sizeof r->msg);
    if (prc) {
        error_line(r);
        sw_writer_close(&r->out, NULL, 0);
        sw_outfile_drop_tmp(o);
        return prc == 2 ? QT_EXIT_USAGE : QT_EXIT_FAILURE;
    }
    return -1;
}

/* Rank 0 opens the file while the others wait (without spinning). -1 to
 * go on, else the exit code (the same on every rank). */
static int open_output(sweep_run *r)
{
    int code = -1;
    const double t_file = sw_now();
    if (r->rank == 0) {
        if (alloc_done_masks(r))
            error_line(r), code = QT_EXIT_FAILURE;
        else
            code = r->plan.mode == SW_OUT_RESUME ? open_for_resume(r) : create_output(r);
    }
    sw_sleepy_barrier(r->comm);
    MPI_Bcast(&code, 1, MPI_INT, 0, r->comm);
    r->file_seconds = sw_now() - t_file;
    return code;
}

/* Rank 0 finds where every dataset is (writer.h raw_layout); all ranks
 * get the map. 0, or -1 when the layout does not allow raw writes (rank 0
 * says why) or memory is short. */
static int send_layout(sweep_run *r, sw_raw_layout *lay)
{
    int ok = !sw_raw_layout_alloc(lay, r->g.n_blocks, r->cfg.n_out);
    if (!ok) snprintf(r->msg, sizeof r->msg, "out of memory for the file layout");
    if (ok && r->rank == 0) ok = !sw_writer_raw_layout(&r->out, lay, r->msg, sizeof r->msg);
    if (r->rank == 0 && !ok) sw_log(0, "%s", r->msg);
    if (agree_max(r->comm, !ok)) return -1;
    uint64_t id[2] = {lay->dev, lay->ino};
    MPI_Bcast(id, 2, MPI_UINT64_T, 0, r->comm);
    lay->dev = id[0], lay->ino = id[1];
    const size_t bytes = (size_t)lay->n_blocks * (size_t)lay->n_out * sizeof *lay->d;
    MPI_Bcast(lay->d, (int)bytes, MPI_BYTE, 0, r->comm);
    return 0;
}

/* Who writes: with --writer workers (the default when K > 1) every worker
 * opens the file rank 0 opened and writes its own results. When that is
 * not possible the default falls back to rank 0 writing; an explicit
 * --writer workers is an error. Sets *workers_write; 0 or -1 (every rank). */
/* Which ranks share rank 0's node (one page cache: rank 0's fdatasync
 * writes their data back too): this rank's answer; rank 0 gets everyone's
 * in local[size]. */
static int share_locality(sweep_run *r, int *local)
{
    MPI_Comm node;
    int lowest = 0;
    MPI_Comm_split_type(r->comm, MPI_COMM_TYPE_SHARED, r->rank, MPI_INFO_NULL, &node);
    MPI_Allreduce(&r->rank, &lowest, 1, MPI_INT, MPI_MIN, node);
    MPI_Comm_free(&node);
    /* testing: QTHERMO_WORKERS_SYNC=1 makes every worker sync its own
     * writes, the path of workers on other nodes */
    const char *own = getenv("QTHERMO_WORKERS_SYNC");
    int mine = lowest == 0 && !(own && !strcmp(own, "1"));
    MPI_Gather(&mine, 1, MPI_INT, local, 1, MPI_INT, 0, r->comm);
    return mine;
}

static int choose_writer(sweep_run *r, sw_raw_layout *lay, sw_raw_writer *raw, int *workers_write)
{
    *workers_write = 0;
    raw->fd = -1;
    if (r->size == 1 || r->a.writer == WRITER_MASTER) return 0;
    int ok = !send_layout(r, lay);
    if (ok && r->rank > 0) {
        ok = !sw_raw_open(raw, r->a.out, lay, &r->cfg, &r->g, r->msg, sizeof r->msg);
        if (!ok) fprintf(stderr, "qthermo sweep [%d]: %s\n", r->rank, r->msg);
    }
    if (!agree_max(r->comm, !ok)) {
        raw->local = share_locality(r, r->local);
        return *workers_write = 1, 0;
    }
    if (r->rank > 0) sw_raw_close(raw);
    if (r->a.writer == WRITER_WORKERS) {
        snprintf(r->msg, sizeof r->msg,
                 "--writer workers: the workers cannot write %s (above); use --writer master",
                 r->a.out);
        return -1;
    }
    if (r->rank == 0) sw_log(0, "the workers cannot write %s: rank 0 writes the results", r->a.out);
    return 0;
}

static void log_start(const sweep_run *r, int workers_write)
{
    char nlist[256] = "";
    for (int b = 0; b < r->g.n_blocks && strlen(nlist) < 200; b++)
        snprintf(nlist + strlen(nlist), sizeof nlist - strlen(nlist), "%s%d", b ? ", " : "",
                 r->g.blk[b].N);
    const int nsite = r->cfg.model == QT_MODEL_NSITE;
    sw_log(0, "%s %s -> %s: model %s%s%s, %lld points, %d rank%s (%s)",
           r->plan.mode == SW_OUT_RESUME ? "resuming" : "starting", r->a.config, r->a.out,
           sw_model_name(r->cfg.model), nsite ? ", N = " : "", nsite ? nlist : "",
           (long long)r->g.total, r->size, r->size > 1 ? "s" : "",
           r->size == 1    ? "one rank computes and writes"
           : workers_write ? "1 master + workers, the workers write"
                           : "1 master + workers, the master writes");
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
           "%.3f s, close %.3f s, total %.3f s; rank 0 CPU %.3f s, modelled work %.3f s",
           (long long)st->computed, st->seconds,
           st->seconds > 0 ? (double)st->computed / st->seconds : 0.0, st->flushes, r->file_seconds,
           close_seconds, sw_now() - r->t_start, st->cpu_seconds, st->cost_done);
    char fails[512];
    int64_t nfail = failure_summary(counts, fails, sizeof fails);
    if (rrc) {
        sw_log(0,
               "error: %s\n  the points marked done in %s are safe; after fixing the cause, "
               "continue with --resume",
               r->msg, r->a.out);
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
    if (st->nonpositive)
        sw_log(0,
               "note: %lld points of this run have a density matrix with a negative "
               "eigenvalue (min_eigenvalue < 0; status ok): redfield is not guaranteed positive",
               (long long)st->nonpositive);
    return QT_EXIT_OK;
}

/* Rank 0 after a rank died or hangs: save the file (commit, close, sync)
 * and end the job; collectives would never return. */
static void abort_job(sweep_run *r)
{
    char m[512] = "";
    int rc = sw_writer_close(&r->out, m, sizeof m);
    sw_outfile_release(&r->file);
    if (rc)
        sw_log(0, "error: closing %s failed: %s", r->a.out, m);
    else
        sw_log(0, "%s is closed and consistent; continue with --resume", r->a.out);
    MPI_Abort(r->comm, QT_EXIT_FAILURE);
}

/* Rank 0: the run's statistics, the file closed durably, the report. */
static int finish_run(sweep_run *r, const sw_run_stats *st, int rrc)
{
    int64_t counts[QT_NSTATUS + 2] = {0};
    if (sw_writer_count_status(&r->out, counts)) counts[0] = -1;
    const double t_close = sw_now();
    char m[512] = "";
    if (sw_writer_close(&r->out, m, sizeof m) && !rrc) {
        snprintf(r->msg, sizeof r->msg, "closing %s failed: %s", r->a.out, m);
        rrc = -1;
    }
    return report(r, st, counts, rrc, sw_now() - t_close);
}

/* The compute phase on the open file, the close and the report. */
static int compute_all(sweep_run *r)
{
    sw_compute comp;
    memset(&comp, 0, sizeof comp);
    comp.count_fd = -1;
    const int computes = r->size == 1 || r->rank > 0;
    int ok = !(computes && sw_compute_init(&comp, &r->cfg, &r->g, r->msg, sizeof r->msg));
    if (r->rank == 0 && ok && !(r->local = calloc((size_t)r->size, sizeof *r->local))) {
        snprintf(r->msg, sizeof r->msg, "out of memory");
        ok = 0;
    }
    if (!ok) fprintf(stderr, "qthermo sweep [%d]: error: %s\n", r->rank, r->msg);
    int code = QT_EXIT_FAILURE, workers_write = 0;
    sw_raw_layout lay = {0};
    sw_raw_writer raw = {.fd = -1};
    int go = !agree_max(r->comm, !ok);
    if (go && choose_writer(r, &lay, &raw, &workers_write)) {
        go = 0;
        if (r->rank == 0) fprintf(stderr, "qthermo sweep: error: %s\n", r->msg);
    }
    if (go) {
        if (r->rank == 0) log_start(r, workers_write);
        sw_run_opts ro = {r->a.progress, 1.0, 300.0, workers_write, r->local};
        const char *fe = getenv("QTHERMO_FLUSH_SECONDS"), *te = getenv("QTHERMO_RANK_TIMEOUT");
        if (fe && atof(fe) > 0) ro.flush_every = atof(fe);
        if (te && atof(te) > 0) ro.rank_timeout = atof(te);
        sw_run_stats st;
        int rrc =
            sw_run(r->comm, &r->g, r->rank == 0 ? &r->out : NULL, r->done, computes ? &comp : NULL,
                   workers_write ? &raw : NULL, &ro, &st, r->msg, sizeof r->msg);
        if (r->rank == 0 && rrc == SW_RUN_DEAD_RANK) abort_job(r);
        if (r->rank == 0) code = finish_run(r, &st, rrc);
        sw_sleepy_barrier(r->comm);
    }
    if (r->rank == 0) sw_writer_close(&r->out, NULL, 0);
    if (raw.fd >= 0) sw_raw_close(&raw);
    sw_raw_layout_free(&lay);
    free(r->local);
    r->local = NULL;
    if (computes) sw_compute_free(&comp);
    return code;
}

static int boundary_new_tmp(void *file, char *msg, size_t len)
{
    return sw_outfile_new_tmp(file, msg, len);
}

static int boundary_place(void *file, char *msg, size_t len)
{
    sw_outfile_mark_owner(file);
    return sw_outfile_place(file, msg, len);
}

static void boundary_drop_tmp(void *file)
{
    sw_outfile_drop_tmp(file);
}

/* A config with a `boundary` section: lines instead of points (boundary.c). */
static int run_boundary(sweep_run *r)
{
    sw_boundary_args ba = {
        r->a.config,       r->a.out,      r->file.tmp,      r->plan.mode == SW_OUT_RESUME,
        r->plan.created,   r->a.progress, boundary_new_tmp, boundary_place,
        boundary_drop_tmp, &r->file};
    return sw_boundary_sweep(r->comm, &r->cfg, &r->g, &ba);
}

/* Everything between MPI_Init and MPI_Finalize; returns the exit code. */
static int sweep_main(MPI_Comm comm, int argc, char **argv)
{
    sweep_run *r = calloc(1, sizeof *r);
    if (!r) return QT_EXIT_FAILURE;
    r->comm = comm;
    r->out.ops = &sw_h5_writer;
    r->file.fd = r->file.old_fd = -1;
    r->t_start = sw_now();
    MPI_Comm_rank(comm, &r->rank);
    MPI_Comm_size(comm, &r->size);
    int code = arguments(r, argc, argv);
    if (code < 0) setup_process(r);
    if (code < 0) code = share_config(r);
    if (code < 0 && r->cfg.bnd.on) code = run_boundary(r);
    if (code < 0) code = open_output(r);
    if (code < 0) code = compute_all(r);
    MPI_Bcast(&code, 1, MPI_INT, 0, comm); /* every rank ends with rank 0's code */
    sw_outfile_release(&r->file);
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
    /* before MPI_Init, which takes a while: a stop signal at any moment
     * is recorded and honoured (exit 4), never a kill */
    if (sw_signals_install()) {
        fprintf(stderr, "qthermo sweep: cannot install the signal handlers\n");
        return QT_EXIT_FAILURE;
    }
    if (MPI_Init(&argc, &argv) != MPI_SUCCESS) {
        fprintf(stderr, "qthermo sweep: MPI_Init failed\n");
        return QT_EXIT_FAILURE;
    }
    MPI_Comm comm;
    MPI_Comm_dup(MPI_COMM_WORLD, &comm);
    MPI_Comm_set_name(comm, "qthermo_sweep");
    int code = sweep_main(comm, argc, argv), rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    MPI_Comm_free(&comm);
    MPI_Finalize();
    /* Under `srun --kill-on-bad-exit=1` the first task to exit non-zero
     * gets the others killed, which would turn a clean "interrupted" (4)
     * into a signal. The master's code is the job's: workers end 0 after
     * an interruption, and the master leaves last. */
    if (rank > 0 && code == QT_EXIT_INTERRUPTED) code = QT_EXIT_OK;
    if (rank == 0 && size > 1 && code != QT_EXIT_OK) {
        struct timespec ts = {0, 200000000L};
        nanosleep(&ts, NULL);
    }
    return code;
}
