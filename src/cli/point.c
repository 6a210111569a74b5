/* qthermo point: one grid point, one JSON object on stdout (cJSON). */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "args.h"
#include "commands.h"
#include "qthermo/qthermo.h"

enum { NSITE = 1 << QT_MODEL_NSITE, LAMBDA = 1 << QT_MODEL_LAMBDA, VEE = 1 << QT_MODEL_VEE };
enum { ANY = NSITE | LAMBDA | VEE };

/* Numeric options that set a qt_params field. */
typedef struct {
    const char *name;
    int models;    /* where the option applies */
    size_t offset; /* into qt_params */
    int is_int;
    int required;
    int seen;
} numeric_option;

#define P_OFF(field) offsetof(qt_params, field)

static numeric_option numeric_options[] = {
    {"--N", NSITE, P_OFF(N), 1, 0, 0},
    {"--g", NSITE, P_OFF(g), 0, 1, 0},
    {"--TL", NSITE, P_OFF(T_L), 0, 1, 0},
    {"--TR", NSITE, P_OFF(T_R), 0, 1, 0},
    {"--h", NSITE, P_OFF(h), 0, 0, 0},
    {"--gamma", ANY, P_OFF(gamma), 0, 0, 0},
    {"--T1", LAMBDA | VEE, P_OFF(T1), 0, 1, 0},
    {"--T2", LAMBDA | VEE, P_OFF(T2), 0, 1, 0},
    {"--d", LAMBDA | VEE, P_OFF(d), 0, 0, 0},
    {"--E1", LAMBDA | VEE, 0, 0, 0, 0}, /* energies: offset resolved per model below */
    {"--E2", LAMBDA | VEE, 0, 0, 0, 0},
    {"--Ee", LAMBDA, 0, 0, 0, 0},
    {"--Eg", VEE, 0, 0, 0, 0},
};
#define N_NUMERIC (sizeof numeric_options / sizeof numeric_options[0])

static const char *const model_names[] = {"nsite", "lambda", "vee", NULL};
static const char *const spectral_names[] = {"flat", "ohmic", NULL};
static const char *const bath_names[] = {"quantum", "classical", NULL};
static const char *const solver_names[] = {"secular", "dense", NULL};

typedef struct {
    qt_params p;
    qt_options o;
    int have_populations;
    double populations[3];
} point_request;

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: qthermo point --model nsite --N 10 --g 1.3 --TL 0.8 --TR 0.4 [--h 1]\n"
        "                     [--gamma 1] [--spectral flat|ohmic] [--bath quantum|classical]\n"
        "                     [--solver secular|dense] [--gap] [--tol X] [--phase-threshold X]\n"
        "       qthermo point --model lambda --T1 0.8 --T2 0.3 [--E1 0 --E2 0 --Ee 1] [--d 1]\n"
        "                     [--gamma 1] [--gap] [--populations P1,P2,Pe]\n"
        "       qthermo point --model vee --T1 0.8 --T2 0.3 [--Eg 0 --E1 1 --E2 1] [--d 1] ...\n"
        "Prints one JSON object. Exit 0: ok; 3: no unique answer (status in the JSON);\n"
        "2: bad input.\n");
}

/* Energy option -> index into qt_params.E for the chosen model. */
static int energy_index(const char *name, qt_model m)
{
    static const char *const lambda_e[3] = {"--E1", "--E2", "--Ee"};
    static const char *const vee_e[3] = {"--Eg", "--E1", "--E2"};
    const char *const *names = m == QT_MODEL_LAMBDA ? lambda_e : vee_e;
    for (int i = 0; i < 3; i++)
        if (!strcmp(name, names[i])) return i;
    return -1;
}

static int find_model(int argc, char **argv, qt_model *m)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--model")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "qthermo point: option --model needs a value\n");
                return 1;
            }
            int c = qt_arg_choice("--model", argv[i + 1], model_names);
            if (c < 0) return 1;
            *m = (qt_model)c;
            return 0;
        }
    fprintf(stderr, "qthermo point: missing required option --model (nsite | lambda | vee)\n");
    return 1;
}

static int set_numeric(numeric_option *opt, const char *value, point_request *rq)
{
    qt_model m = rq->p.model;
    if (!(opt->models & (1 << m))) {
        fprintf(stderr, "qthermo point: option %s does not apply to model %s\n", opt->name,
                model_names[m]);
        return 1;
    }
    opt->seen = 1;
    if (opt->is_int) return qt_arg_int(opt->name, value, (int *)((char *)&rq->p + opt->offset));
    double v;
    if (qt_arg_double(opt->name, value, &v)) return 1;
    int e = opt->offset == 0 ? energy_index(opt->name, m) : -1;
    if (e >= 0)
        rq->p.E[e] = v;
    else
        *(double *)((char *)&rq->p + opt->offset) = v;
    return 0;
}

static int parse_flag_or_choice(const char *name, const char *value, point_request *rq, int *used)
{
    int c;
    *used = 1;
    if (!strcmp(name, "--model")) return 0; /* handled first */
    if (!strcmp(name, "--spectral")) {
        if ((c = qt_arg_choice(name, value, spectral_names)) < 0) return 1;
        rq->p.spectral = (qt_spectral)c;
    } else if (!strcmp(name, "--bath")) {
        if ((c = qt_arg_choice(name, value, bath_names)) < 0) return 1;
        rq->p.bath = (qt_bath)c;
    } else if (!strcmp(name, "--solver")) {
        if ((c = qt_arg_choice(name, value, solver_names)) < 0) return 1;
        rq->o.solver = (qt_solver)c;
    } else if (!strcmp(name, "--tol")) {
        if (qt_arg_double(name, value, &rq->o.tol)) return 1;
        if (rq->o.tol < 0.0) {
            fprintf(stderr, "qthermo point: option --tol: '%s' must be >= 0\n", value);
            return 1;
        }
    } else if (!strcmp(name, "--phase-threshold")) {
        if (qt_arg_double(name, value, &rq->o.phase_threshold)) return 1;
    } else if (!strcmp(name, "--populations")) {
        if (rq->p.model == QT_MODEL_NSITE) {
            fprintf(stderr, "qthermo point: option --populations applies to lambda and vee only\n");
            return 1;
        }
        if (qt_arg_list(name, value, rq->populations, 3)) return 1;
        rq->have_populations = 1;
    } else {
        *used = 0;
    }
    return 0;
}

static int check_populations(const point_request *rq)
{
    double s = 0.0;
    for (int i = 0; i < 3; i++) {
        if (rq->populations[i] < 0.0) {
            fprintf(stderr, "qthermo point: option --populations: entry %d = %g is negative\n",
                    i + 1, rq->populations[i]);
            return 1;
        }
        s += rq->populations[i];
    }
    if (fabs(s - 1.0) > 1e-9) {
        fprintf(stderr, "qthermo point: option --populations: entries sum to %.17g, not 1\n", s);
        return 1;
    }
    return 0;
}

/* Returns 0 on success, 1 after printing a message, -1 for --help. */
static int parse_point_args(int argc, char **argv, point_request *rq)
{
    qt_model model;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) return -1;
    if (find_model(argc, argv, &model)) return 1;
    qt_params_default(&rq->p, model);
    qt_options_default(&rq->o);
    for (size_t j = 0; j < N_NUMERIC; j++) numeric_options[j].seen = 0;
    for (int i = 1; i < argc; i++) {
        const char *name = argv[i];
        if (!strcmp(name, "--gap")) {
            rq->o.want_gap = 1;
            continue;
        }
        if (strncmp(name, "--", 2) != 0) {
            fprintf(stderr, "qthermo point: unexpected argument '%s'\n", name);
            return 1;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "qthermo point: option %s needs a value\n", name);
            return 1;
        }
        const char *value = argv[++i];
        int used = 0;
        if (parse_flag_or_choice(name, value, rq, &used)) return 1;
        if (used) continue;
        size_t j = 0;
        while (j < N_NUMERIC && strcmp(numeric_options[j].name, name)) j++;
        if (j == N_NUMERIC) {
            fprintf(stderr, "qthermo point: unknown option '%s'\n", name);
            return 1;
        }
        if (set_numeric(&numeric_options[j], value, rq)) return 1;
    }
    for (size_t j = 0; j < N_NUMERIC; j++) {
        const numeric_option *opt = &numeric_options[j];
        if (opt->required && !opt->seen && (opt->models & (1 << model))) {
            fprintf(stderr, "qthermo point: missing required option %s\n", opt->name);
            return 1;
        }
    }
    char msg[256];
    if (qt_params_check(&rq->p, msg, sizeof msg)) {
        fprintf(stderr, "qthermo point: %s\n", msg);
        return 1;
    }
    return rq->have_populations ? check_populations(rq) : 0;
}

/* ---- JSON ----------------------------------------------------------------- */

/* A JSON number that reads back as exactly the same double (cJSON's own
 * printing stops at 15 digits when they compare equal within its epsilon);
 * null for NaN and infinities, which JSON cannot hold. */
static cJSON *exact_number(double x)
{
    if (!isfinite(x)) return cJSON_CreateNull();
    char text[32];
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(text, sizeof text, "%.*g", digits, x);
        if (strtod(text, NULL) == x) break;
    }
    return cJSON_CreateRaw(text);
}

static void add_number(cJSON *obj, const char *key, double x)
{
    cJSON_AddItemToObject(obj, key, exact_number(x));
}

static void add_array(cJSON *obj, const char *key, const double *x, int n)
{
    cJSON *a = cJSON_AddArrayToObject(obj, key);
    for (int i = 0; i < n; i++) cJSON_AddItemToArray(a, exact_number(x[i]));
}

/* Integer observables of a failed point are null, like its numbers. */
static void add_int_or_null(cJSON *obj, const char *key, int x, int ok)
{
    cJSON_AddItemToObject(obj, key, ok ? cJSON_CreateNumber(x) : cJSON_CreateNull());
}

static void add_parameters(cJSON *j, const point_request *rq)
{
    const qt_params *p = &rq->p;
    cJSON_AddStringToObject(j, "model", model_names[p->model]);
    if (p->model == QT_MODEL_NSITE) {
        add_number(j, "N", p->N);
        add_number(j, "g", p->g);
        add_number(j, "T_L", p->T_L);
        add_number(j, "T_R", p->T_R);
        add_number(j, "h", p->h);
    } else {
        const char *const *names = p->model == QT_MODEL_LAMBDA
                                       ? (const char *const[]){"E1", "E2", "Ee"}
                                       : (const char *const[]){"Eg", "E1", "E2"};
        for (int i = 0; i < 3; i++) add_number(j, names[i], p->E[i]);
        add_number(j, "T1", p->T1);
        add_number(j, "T2", p->T2);
        add_number(j, "d", p->d);
    }
    add_number(j, "gamma", p->gamma);
    cJSON_AddStringToObject(j, "spectral", spectral_names[p->spectral]);
    cJSON_AddStringToObject(j, "bath", bath_names[p->bath]);
    cJSON_AddStringToObject(j, "solver", solver_names[rq->o.solver]);
    add_number(j, "tol", rq->o.tol);
}

static void add_checks(cJSON *j, const qt_result *r)
{
    add_number(j, "energy", r->energy);
    add_number(j, "residual", r->residual);
    add_number(j, "trace_error", r->trace_error);
    add_number(j, "min_eigenvalue", r->min_eigenvalue);
    add_number(j, "n_clusters", r->n_clusters);
    add_number(j, "max_cluster", r->max_cluster);
}

static void add_nsite(cJSON *j, const point_request *rq, const qt_result *r)
{
    add_array(j, "site_population", r->population, r->n_pop);
    add_number(j, "x_cm", r->x_cm);
    add_number(j, "phi", r->phi);
    add_int_or_null(j, "phase", r->phase, r->status == QT_OK);
    add_number(j, "phase_threshold", rq->o.phase_threshold);
    add_int_or_null(j, "peak_site", r->peak_site, r->status == QT_OK);
    add_number(j, "soret", r->soret);
    add_array(j, "heat_current", r->heat_current, r->n_baths);
    add_checks(j, r);
    if (rq->o.want_gap) add_number(j, "relaxation_rate", r->relaxation_rate);
}

static void add_threelevel(cJSON *j, const point_request *rq, const qt_result *r)
{
    add_array(j, "populations", r->population, 3);
    add_number(j, "delta", r->delta);
    add_number(j, "delta_formula", r->delta_formula);
    add_number(j, "x_mean", r->x_mean);
    add_number(j, "n1", r->n1);
    add_number(j, "n2", r->n2);
    add_number(j, "m_eff", r->m_eff);
    add_number(j, "omega2", r->omega2);
    add_number(j, "force", r->force);
    add_number(j, "force_highT", r->force_highT);
    add_array(j, "heat_current", r->heat_current, 2);
    add_checks(j, r);
    if (rq->o.want_gap) {
        add_array(j, "relaxation_rates", r->relaxation_rates, 2);
        add_array(j, "oscillator_roots", r->oscillator_roots, 2);
    }
}

static int print_json(cJSON *j)
{
    char *text = cJSON_Print(j);
    if (!text) return 1;
    puts(text);
    cJSON_free(text);
    return 0;
}

static int run_prescribed(const point_request *rq)
{
    double J[2], Jf[2];
    int st = qt_heat_current_prescribed(&rq->p, rq->populations, J, Jf);
    cJSON *j = cJSON_CreateObject();
    add_parameters(j, rq);
    cJSON_AddStringToObject(j, "status", qt_status_name(st));
    cJSON_AddBoolToObject(j, "prescribed", 1);
    add_array(j, "populations", rq->populations, 3);
    add_array(j, "heat_current", J, 2);
    add_array(j, "heat_current_formula", Jf, 2);
    int bad = print_json(j);
    cJSON_Delete(j);
    if (bad) return QT_EXIT_FAILURE;
    return st == QT_OK ? QT_EXIT_OK : QT_EXIT_NOT_UNIQUE;
}

static int run_point(const point_request *rq)
{
    unsigned flags =
        (rq->o.solver == QT_SOLVER_DENSE ? QT_WS_DENSE : 0) | (rq->o.want_gap ? QT_WS_GAP : 0);
    int N = rq->p.model == QT_MODEL_NSITE ? rq->p.N : 3;
    qt_workspace *w = qt_workspace_alloc(rq->p.model, N, flags);
    qt_result *r = qt_result_alloc(N);
    if (!w || !r) {
        fprintf(stderr, "qthermo point: out of memory for N = %d\n", N);
        qt_workspace_free(&w);
        qt_result_free(&r);
        return QT_EXIT_FAILURE;
    }
    int st = qt_solve(&rq->p, &rq->o, w, r);
    cJSON *j = cJSON_CreateObject();
    add_parameters(j, rq);
    cJSON_AddStringToObject(j, "status", qt_status_name(st));
    if (st != QT_OK) cJSON_AddStringToObject(j, "message", qt_strerror(st));
    cJSON_AddStringToObject(j, "path", qt_path_name(r->path));
    if (rq->p.model == QT_MODEL_NSITE)
        add_nsite(j, rq, r);
    else
        add_threelevel(j, rq, r);
    int bad = print_json(j);
    cJSON_Delete(j);
    qt_workspace_free(&w);
    qt_result_free(&r);
    if (bad) return QT_EXIT_FAILURE;
    return st == QT_OK ? QT_EXIT_OK : QT_EXIT_NOT_UNIQUE;
}

int qt_cmd_point(int argc, char **argv)
{
    point_request rq;
    memset(&rq, 0, sizeof rq);
    int st = parse_point_args(argc, argv, &rq);
    if (st < 0) {
        usage(stdout);
        return QT_EXIT_OK;
    }
    if (st) return QT_EXIT_USAGE;
    return rq.have_populations ? run_prescribed(&rq) : run_point(&rq);
}
