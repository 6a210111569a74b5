/* qthermo bench: time the per-point path (a benchmark, not a test). Each
 * case runs in a forked child so that peak_rss_mb is that case's own. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "qthermo/qthermo.h"

typedef struct {
    const char *name; /* for --case */
    qt_model model;
    int N;
    qt_solver solver;
    double min_seconds;
    double disorder_W; /* > 0: a non-uniform chain (per-point eigensolver) */
    qt_master_equation me;
    int threads; /* qt_options.threads */
    int points;  /* at least this many points */
} bench_case;

/* Run by default (and with --quick) */
static const bench_case default_cases[] = {
    {"lambda", QT_MODEL_LAMBDA, 3, QT_SOLVER_SECULAR, 1.0, 0, QT_ME_GLOBAL, 1, 3},
    {"nsite-10", QT_MODEL_NSITE, 10, QT_SOLVER_SECULAR, 2.0, 0, QT_ME_GLOBAL, 1, 3},
    {"nsite-40", QT_MODEL_NSITE, 40, QT_SOLVER_SECULAR, 2.0, 0, QT_ME_GLOBAL, 1, 3},
    {"nsite-200", QT_MODEL_NSITE, 200, QT_SOLVER_SECULAR, 2.0, 0, QT_ME_GLOBAL, 1, 3},
    {"nsite-1000", QT_MODEL_NSITE, 1000, QT_SOLVER_SECULAR, 3.0, 0, QT_ME_GLOBAL, 1, 3},
    {"nsite-2000", QT_MODEL_NSITE, 2000, QT_SOLVER_SECULAR, 5.0, 0, QT_ME_GLOBAL, 1, 3},
    {"nsite-10-disorder", QT_MODEL_NSITE, 10, QT_SOLVER_SECULAR, 2.0, 0.3, QT_ME_GLOBAL, 1, 3},
    {"nsite-2000-disorder", QT_MODEL_NSITE, 2000, QT_SOLVER_SECULAR, 5.0, 0.3, QT_ME_GLOBAL, 1, 3},
    {"nsite-10-dense", QT_MODEL_NSITE, 10, QT_SOLVER_DENSE, 2.0, 0, QT_ME_GLOBAL, 1, 3},
    {"nsite-20-dense", QT_MODEL_NSITE, 20, QT_SOLVER_DENSE, 3.0, 0, QT_ME_GLOBAL, 1, 3},
    {"local-10", QT_MODEL_NSITE, 10, QT_SOLVER_SECULAR, 2.0, 0, QT_ME_LOCAL, 1, 3},
    {"local-20", QT_MODEL_NSITE, 20, QT_SOLVER_SECULAR, 2.0, 0, QT_ME_LOCAL, 1, 3},
    {"local-100", QT_MODEL_NSITE, 100, QT_SOLVER_SECULAR, 2.0, 0, QT_ME_LOCAL, 1, 3},
    {"redfield-10", QT_MODEL_NSITE, 10, QT_SOLVER_SECULAR, 2.0, 0, QT_ME_REDFIELD, 1, 3},
    {"redfield-20", QT_MODEL_NSITE, 20, QT_SOLVER_SECULAR, 2.0, 0, QT_ME_REDFIELD, 1, 3},
    {"redfield-100", QT_MODEL_NSITE, 100, QT_SOLVER_SECULAR, 2.0, 0, QT_ME_REDFIELD, 1, 3},
    {"local-500", QT_MODEL_NSITE, 500, QT_SOLVER_SECULAR, 0.0, 0, QT_ME_LOCAL, 1, 3},
    {"local-1000", QT_MODEL_NSITE, 1000, QT_SOLVER_SECULAR, 0.0, 0, QT_ME_LOCAL, 1, 3},
    {"redfield-500", QT_MODEL_NSITE, 500, QT_SOLVER_SECULAR, 0.0, 0, QT_ME_REDFIELD, 1, 1},
    {"redfield-1000", QT_MODEL_NSITE, 1000, QT_SOLVER_SECULAR, 0.0, 0, QT_ME_REDFIELD, 1, 1},
};
/* Only by name: threads for one large point, minutes each */
static const bench_case large_cases[] = {
    {"nsite-4000", QT_MODEL_NSITE, 4000, QT_SOLVER_SECULAR, 10.0, 0, QT_ME_GLOBAL, 1, 3},
    {"nsite-4000-t2", QT_MODEL_NSITE, 4000, QT_SOLVER_SECULAR, 10.0, 0, QT_ME_GLOBAL, 2, 3},
    {"nsite-10000-t2", QT_MODEL_NSITE, 10000, QT_SOLVER_SECULAR, 0.0, 0, QT_ME_GLOBAL, 2, 1},
};

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Vary g and the temperatures over a small grid so no point repeats. */
static void grid_point(qt_params *p, long i)
{
    if (p->model == QT_MODEL_NSITE) {
        p->g = 0.1005 + 0.012 * (double)(i % 100); /* avoids g = 1: a level at 0 for N = 200 */
        p->T_L = 0.8;
        p->T_R = 0.1 + 0.007 * (double)((i / 100) % 100);
    } else {
        p->T1 = 0.8;
        p->T2 = 0.1 + 0.007 * (double)(i % 100);
    }
}

static int run_case(const bench_case *c)
{
    qt_params p;
    qt_options o;
    qt_params_default(&p, c->model);
    qt_options_default(&o);
    p.N = c->N;
    p.disorder_W = c->disorder_W;
    p.master_equation = c->me;
    o.solver = c->solver;
    o.threads = c->threads;
    unsigned flags = qt_workspace_flags(&p, &o);
    double t0 = now();
    qt_workspace *w = qt_workspace_alloc(c->model, c->N, flags);
    qt_result *r = qt_result_alloc(c->N);
    if (!w || !r) return 1;
    double t_alloc = now() - t0;
    long points = 0, failures = 0;
    t0 = now();
    double elapsed = 0.0;
    while (elapsed < c->min_seconds || points < c->points) {
        grid_point(&p, points);
        p.seed = points;
        failures += qt_solve(&p, &o, w, r) != QT_OK;
        points++;
        if ((points & 15) == 0 || c->N >= 40) elapsed = now() - t0;
    }
    elapsed = now() - t0;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    char extra[64] = "";
    if (c->disorder_W > 0) snprintf(extra, sizeof extra, " disorder_W=%g", c->disorder_W);
    double cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                 1e-6 * (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
    printf("bench model=%s N=%d master_equation=%s solver=%s%s threads=%d points=%ld "
           "failures=%ld per_point_us=%.2f workspace_mb=%.1f alloc_ms=%.2f peak_rss_mb=%.1f "
           "cpu_s=%.2f\n",
           qt_model_name(c->model), c->model == QT_MODEL_NSITE ? c->N : 3,
           qt_master_equation_name(c->me), c->solver == QT_SOLVER_DENSE ? "dense" : "secular",
           extra, c->threads, points, failures, 1e6 * elapsed / (double)points,
           (double)qt_workspace_bytes(w) / 1048576.0, 1e3 * t_alloc, (double)ru.ru_maxrss / 1024.0,
           cpu);
    fflush(stdout);
    qt_workspace_free(&w);
    qt_result_free(&r);
    return 0;
}

static int run_forked(const bench_case *c)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) return run_case(c);
    if (pid == 0) _exit(run_case(c));
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

static void print_machine(void)
{
    char model[256] = "unknown";
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[512];
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "model name", 10)) {
            char *v = strchr(line, ':');
            if (v) snprintf(model, sizeof model, "%s", v + 2);
            model[strcspn(model, "\n")] = '\0';
            break;
        }
    if (f) fclose(f);
    printf("bench machine cpu=\"%s\" online_cores=%ld qthermo=%s\n", model,
           sysconf(_SC_NPROCESSORS_ONLN), QT_VERSION);
}

static const bench_case *find_case(const char *name)
{
    const bench_case *lists[] = {default_cases, large_cases};
    size_t counts[] = {sizeof default_cases / sizeof *default_cases,
                       sizeof large_cases / sizeof *large_cases};
    for (int l = 0; l < 2; l++)
        for (size_t i = 0; i < counts[l]; i++)
            if (!strcmp(lists[l][i].name, name)) return &lists[l][i];
    return NULL;
}

static int bench_help(FILE *out, int code)
{
    fprintf(out, "usage: qthermo bench [--quick] [--case NAME]... [--threads T]\n"
                 "Times the per-point path, each case in its own process (so peak_rss_mb is\n"
                 "its own); --quick runs each case briefly. A benchmark, not a test: nothing\n"
                 "is asserted. --threads T sets qt_options.threads of the cases run. Cases:\n");
    for (size_t i = 0; i < sizeof default_cases / sizeof *default_cases; i++)
        fprintf(out, "  %s\n", default_cases[i].name);
    fprintf(out, "only with --case:\n");
    for (size_t i = 0; i < sizeof large_cases / sizeof *large_cases; i++)
        fprintf(out, "  %s\n", large_cases[i].name);
    return code;
}

static int usage_error(const char *what, const char *value)
{
    fprintf(stderr, "qthermo bench: %s '%s' (see qthermo bench --help)\n", what, value);
    return QT_EXIT_USAGE;
}

int qt_cmd_bench(int argc, char **argv)
{
    double scale = 1.0;
    int threads = 0; /* 0: each case's own */
    const bench_case *chosen[32];
    size_t n = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *value = i + 1 < argc ? argv[i + 1] : "";
        if (!strcmp(arg, "--quick")) {
            scale = 0.02;
        } else if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            return bench_help(stdout, QT_EXIT_OK);
        } else if (!strcmp(arg, "--case") && n < sizeof chosen / sizeof *chosen) {
            if (!(chosen[n++] = find_case(value))) return usage_error("unknown case", value);
            i++;
        } else if (!strcmp(arg, "--threads")) {
            char *end;
            long t = strtol(value, &end, 10);
            if (*value == '\0' || *end || t < 1 || t > 1024)
                return usage_error("--threads needs 1..1024, not", value);
            threads = (int)t;
            i++;
        } else {
            return usage_error("unknown option", arg);
        }
    }
    size_t n_default = sizeof default_cases / sizeof *default_cases;
    if (n == 0)
        for (; n < n_default; n++) chosen[n] = &default_cases[n];
    print_machine();
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        bench_case c = *chosen[i];
        c.min_seconds *= scale;
        if (threads) c.threads = threads;
        bad |= run_forked(&c);
    }
    return bad ? QT_EXIT_FAILURE : QT_EXIT_OK;
}
