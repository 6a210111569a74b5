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
    qt_model model;
    int N;
    qt_solver solver;
    double min_seconds;
    double disorder_W; /* > 0: a non-uniform chain (per-point eigensolver) */
    qt_master_equation me;
} bench_case;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

/* Vary g and the temperatures over a small grid so no point repeats. */
static void grid_point(qt_params *p, long i)
{
    if (p->model == QT_MODEL_NSITE) {
        p->g = 0.1005 + 0.012 * (i % 100); /* avoids g = 1: a level at 0 for N = 200 */
        p->T_L = 0.8;
        p->T_R = 0.1 + 0.007 * ((i / 100) % 100);
    } else {
        p->T1 = 0.8;
        p->T2 = 0.1 + 0.007 * (i % 100);
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
    unsigned flags = qt_workspace_flags(&p, &o);
    double t0 = now();
    qt_workspace *w = qt_workspace_alloc(c->model, c->N, flags);
    qt_result *r = qt_result_alloc(c->N);
    if (!w || !r) return 1;
    double t_alloc = now() - t0;
    long points = 0, failures = 0;
    t0 = now();
    double elapsed = 0.0;
    while (elapsed < c->min_seconds || points < 3) {
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
    printf("bench model=%s N=%d master_equation=%s solver=%s%s points=%ld failures=%ld "
           "per_point_us=%.2f workspace_mb=%.1f alloc_ms=%.2f peak_rss_mb=%.1f\n",
           qt_model_name(c->model), c->model == QT_MODEL_NSITE ? c->N : 3,
           qt_master_equation_name(c->me), c->solver == QT_SOLVER_DENSE ? "dense" : "secular",
           extra, points, failures, 1e6 * elapsed / points, qt_workspace_bytes(w) / 1048576.0,
           1e3 * t_alloc, ru.ru_maxrss / 1024.0);
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

int qt_cmd_bench(int argc, char **argv)
{
    double scale = 1.0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) {
            scale = 0.02;
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: qthermo bench [--quick]\n"
                   "Times one point per case on one core (each case in its own process, so\n"
                   "peak_rss_mb is its own); --quick runs each case briefly. A benchmark,\n"
                   "not a test: nothing is asserted.\n");
            return QT_EXIT_OK;
        } else {
            fprintf(stderr, "qthermo bench: unknown option '%s' (expected --quick or --help)\n",
                    argv[i]);
            return QT_EXIT_USAGE;
        }
    }
    const bench_case cases[] = {
        {QT_MODEL_LAMBDA, 3, QT_SOLVER_SECULAR, 1.0, 0, QT_ME_GLOBAL},
        {QT_MODEL_NSITE, 10, QT_SOLVER_SECULAR, 2.0, 0, QT_ME_GLOBAL},
        {QT_MODEL_NSITE, 40, QT_SOLVER_SECULAR, 2.0, 0, QT_ME_GLOBAL},
        {QT_MODEL_NSITE, 200, QT_SOLVER_SECULAR, 2.0, 0, QT_ME_GLOBAL},
        {QT_MODEL_NSITE, 1000, QT_SOLVER_SECULAR, 3.0, 0, QT_ME_GLOBAL},
        {QT_MODEL_NSITE, 2000, QT_SOLVER_SECULAR, 5.0, 0, QT_ME_GLOBAL},
        {QT_MODEL_NSITE, 10, QT_SOLVER_SECULAR, 2.0, 0.3, QT_ME_GLOBAL},
        {QT_MODEL_NSITE, 2000, QT_SOLVER_SECULAR, 5.0, 0.3, QT_ME_GLOBAL},
        {QT_MODEL_NSITE, 10, QT_SOLVER_DENSE, 2.0, 0, QT_ME_GLOBAL},
        {QT_MODEL_NSITE, 20, QT_SOLVER_DENSE, 3.0, 0, QT_ME_GLOBAL},
    };
    print_machine();
    int bad = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bench_case c = cases[i];
        c.min_seconds *= scale;
        bad |= run_forked(&c);
    }
    return bad ? QT_EXIT_FAILURE : QT_EXIT_OK;
}
