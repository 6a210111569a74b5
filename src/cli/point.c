/* qthermo point: one grid point, one JSON object on stdout (cJSON).
 *
 * Every option is a row of the parameter table (qt_param_at): its name is
 * the option --NAME (also --NAME=VALUE), its alias the older spelling, its
 * constraint the check. Nothing here names a physical parameter. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "args.h"
#include "commands.h"
#include "qthermo/qthermo.h"
#include "../common/memlimit.h"

#define MAX_LISTS 4

typedef struct {
    qt_params p;
    qt_options o;
    double *lists[MAX_LISTS]; /* storage of list values (freed at the end) */
    int n_lists;
    int have_populations;
    double populations[3];
} point_request;

static void request_free(point_request *rq)
{
    for (int i = 0; i < rq->n_lists; i++) free(rq->lists[i]);
    rq->n_lists = 0;
}

static void usage(FILE *out)
{
    fprintf(out, "usage: qthermo point --model nsite --N 10 --g 1.3 --T_L 0.8 --T_R 0.4 [options]\n"
                 "       qthermo point --model lambda --T_1 0.8 --T_2 0.3 [options]\n"
                 "       qthermo point --model vee --T_1 0.8 --T_2 0.3 [options]\n"
                 "Prints one JSON object. Options (--NAME VALUE or --NAME=VALUE):\n");
    qt_print_param_help(out, QT_PF_SWEEP);
    fprintf(out, "Exit 0: ok; 1: out of memory or output failure; 2: bad input (one line on\n"
                 "stderr naming the option); 3: the point has no unique answer (status in the\n"
                 "JSON, numbers null).\n");
}

/* ---- applying parsed options ------------------------------------------- */

static int apply_list(const qt_param_info *pi, const char *opt, const char *text, point_request *rq)
{
    int n = 0;
    double *v = qt_arg_list_alloc(opt, text, &n);
    if (!v) return 1;
    if (!strcmp(pi->name, "populations")) {
        int ok = n == 3;
        if (ok) memcpy(rq->populations, v, sizeof rq->populations);
        free(v);
        if (!ok) return qt_arg_fail(opt, text, "needs 3 comma-separated numbers");
        rq->have_populations = 1;
        return 0;
    }
    rq->lists[rq->n_lists++] = v;
    char msg[256];
    for (int i = 0; i < n; i++)
        if (qt_param_check_value(pi, v[i], msg, sizeof msg)) {
            fprintf(stderr, "qthermo point: option %s: entry %d: %s\n", opt, i + 1, msg);
            return 1;
        }
    return qt_param_set_list(&rq->p, pi, v, n) ? qt_arg_fail(opt, text, "invalid list") : 0;
}

static int apply_value(const qt_param_info *pi, const char *opt, const char *text,
                       point_request *rq)
{
    double v = 1.0;
    if (pi->type == QT_PT_LIST) return apply_list(pi, opt, text, rq);
    if (pi->type == QT_PT_ENUM) {
        v = qt_param_choice(pi, text);
        if (v < 0) return qt_arg_bad_choice(opt, text, pi->choices);
    } else if (pi->type != QT_PT_FLAG && qt_arg_number(opt, text, &v)) {
        return 1;
    }
    char msg[256];
    if (qt_param_check_value(pi, v, msg, sizeof msg)) {
        fprintf(stderr, "qthermo point: option %s '%s': %s\n", opt, text, msg);
        return 1;
    }
    qt_param_set(&rq->p, &rq->o, pi, v);
    return 0;
}

/* A parameter the chosen model lacks, or one given twice, is an error. */
static int apply_all(const qt_arg_pair *pairs, int n, point_request *rq)
{
    const qt_param_info *seen[64];
    int n_seen = 0;
    for (int i = 0; i < n; i++) {
        const char *opt = pairs[i].option;
        const qt_param_info *pi = qt_param_find(pairs[i].name, rq->p.model);
        if (!pi) {
            fprintf(stderr, "qthermo point: option %s does not apply to model %s\n", opt,
                    qt_model_name(rq->p.model));
            return 1;
        }
        for (int j = 0; j < n_seen; j++)
            if (!strcmp(seen[j]->name, pi->name)) {
                fprintf(stderr, "qthermo point: option %s given more than once\n", opt);
                return 1;
            }
        if (n_seen < 64) seen[n_seen++] = pi;
        if (strcmp(pi->name, "model") && apply_value(pi, opt, pairs[i].value, rq)) return 1;
    }
    return qt_arg_required(pairs, n, rq->p.model);
}

static int check_populations(const point_request *rq)
{
    double s = 0.0;
    for (int i = 0; i < 3; i++) s += rq->populations[i];
    if (fabs(s - 1.0) > 1e-9) {
        fprintf(stderr, "qthermo point: option --populations: entries sum to %.17g, not 1\n", s);
        return 1;
    }
    return 0;
}

/* Returns 0 on success, 1 after printing a message, -1 for --help. */
static int parse_point_args(int argc, char **argv, point_request *rq)
{
    qt_arg_pair pairs[QT_MAX_ARGS];
    int n = qt_arg_collect("point", argc, argv, pairs);
    if (n < 0) return n == QT_ARGS_HELP ? -1 : 1;
    int model = qt_arg_model(pairs, n);
    if (model < 0) return 1;
    qt_params_default(&rq->p, (qt_model)model);
    qt_options_default(&rq->o);
    rq->o.want_secular_ratio = 1; /* one point: the diagnostic costs nothing */
    if (apply_all(pairs, n, rq)) return 1;
    char msg[256];
    if (qt_params_check(&rq->p, msg, sizeof msg) || qt_options_check(&rq->o, msg, sizeof msg)) {
        fprintf(stderr, "qthermo point: %s\n", msg);
        return 1;
    }
    if (rq->o.solver == QT_SOLVER_DENSE && qt_dimension(&rq->p) > QT_DENSE_MAX_D) {
        fprintf(stderr,
                "qthermo point: option --solver 'dense': supports dimension d <= %d "
                "(N <= %d), got d = %d\n",
                QT_DENSE_MAX_D, QT_DENSE_MAX_D / 2, qt_dimension(&rq->p));
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

/* Every parameter of the model, as the table names it. */
static void add_parameters(cJSON *j, const point_request *rq)
{
    const qt_params *p = &rq->p;
    for (int i = 0; i < qt_param_count(); i++) {
        const qt_param_info *pi = qt_param_at(i);
        if (!(pi->models & (1u << p->model)) || (pi->flags & (QT_PF_DERIVED | QT_PF_POINT)))
            continue;
        if (pi->type == QT_PT_LIST) {
            int n;
            const double *v = qt_param_get_list(p, pi, &n);
            if (v) add_array(j, pi->name, v, n);
        } else if (pi->type == QT_PT_ENUM) {
            cJSON_AddStringToObject(j, pi->name, pi->choices[(int)qt_param_get(p, &rq->o, pi)]);
        } else {
            add_number(j, pi->name, qt_param_get(p, &rq->o, pi));
        }
    }
}

static void add_checks(cJSON *j, const qt_result *r)
{
    add_number(j, "energy", r->energy);
    add_number(j, "residual", r->residual);
    add_number(j, "trace_error", r->trace_error);
    add_number(j, "min_eigenvalue", r->min_eigenvalue);
    add_number(j, "secular_ratio", r->secular_ratio);
    add_number(j, "n_clusters", r->n_clusters);
    add_number(j, "max_cluster", r->max_cluster);
}

static void add_nsite(cJSON *j, const point_request *rq, const qt_result *r)
{
    add_array(j, "site_population", r->population, r->n_pop);
    add_number(j, "x_cm", r->x_cm);
    add_number(j, "phi", r->phi);
    add_int_or_null(j, "phase", r->phase, r->status == QT_OK);
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
    int bad = puts(text) < 0 || fflush(stdout) != 0;
    cJSON_free(text);
    return bad;
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

static cJSON *result_json(const point_request *rq, int st, const qt_result *r)
{
    cJSON *j = cJSON_CreateObject();
    add_parameters(j, rq);
    cJSON_AddStringToObject(j, "status", qt_status_name(st));
    if (st != QT_OK) cJSON_AddStringToObject(j, "message", qt_strerror(st));
    cJSON_AddStringToObject(j, "path", qt_path_name(r->path));
    if (rq->p.model == QT_MODEL_NSITE)
        add_nsite(j, rq, r);
    else
        add_threelevel(j, rq, r);
    return j;
}

/* The workspace must fit in memory (with the cgroup's limit) before we try. */
static int check_memory(const point_request *rq, unsigned flags, int N)
{
    double need = (double)qt_workspace_estimate(rq->p.model, N, flags);
    double have = qt_memory_available(""); /* -1: unknown */
    if (have <= 0.0 || need <= 0.8 * have) return 0;
    fprintf(stderr,
            "qthermo point: option --N '%d': needs about %.1f GB of memory, %.1f GB "
            "available\n",
            N, need / 1e9, have / 1e9);
    return 1;
}

static int run_point(const point_request *rq)
{
    unsigned flags = qt_workspace_flags(&rq->p, &rq->o);
    int N = rq->p.model == QT_MODEL_NSITE ? rq->p.N : 3;
    if (check_memory(rq, flags, N)) return QT_EXIT_USAGE;
    qt_workspace *w = qt_workspace_alloc(rq->p.model, N, flags);
    qt_result *r = qt_result_alloc(N);
    if (!w || !r) {
        fprintf(stderr, "qthermo point: out of memory for N = %d\n", N);
        qt_workspace_free(&w);
        qt_result_free(&r);
        return QT_EXIT_FAILURE;
    }
    int st = qt_solve(&rq->p, &rq->o, w, r);
    cJSON *j = result_json(rq, st, r);
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
    int code = QT_EXIT_USAGE;
    if (st < 0) {
        usage(stdout);
        code = QT_EXIT_OK;
    } else if (st == 0) {
        code = rq.have_populations ? run_prescribed(&rq) : run_point(&rq);
    }
    request_free(&rq);
    return code;
}
