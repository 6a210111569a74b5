/* The parameter table: the one place that names a parameter and says what
 * values it takes. Everything else (command line, sweep config, JSON, HDF5,
 * help texts, plots) reads these rows. */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

enum { IN_PARAMS, IN_OPTIONS };
enum { ST_DOUBLE, ST_INT, ST_LLONG, ST_ENUM, ST_LIST, ST_FLAG, ST_NONE };

typedef struct {
    qt_param_info info; /* first: a qt_param_info pointer is a row pointer */
    int where;
    size_t offset;
    int storage;
    size_t len_offset; /* lists: where the entry count lives */
} param_row;

#define NSITE    (1u << QT_MODEL_NSITE)
#define LAMBDA   (1u << QT_MODEL_LAMBDA)
#define VEE      (1u << QT_MODEL_VEE)
#define THREE    (LAMBDA | VEE)
#define ALL      (NSITE | THREE)
#define P(field) IN_PARAMS, offsetof(qt_params, field)
#define O(field) IN_OPTIONS, offsetof(qt_options, field)
#define NOWHERE  IN_PARAMS, 0

static const char *const spectral_choices[] = {"flat", "ohmic", NULL};
static const char *const bath_choices[] = {"quantum", "classical", NULL};
static const char *const solver_choices[] = {"secular", "dense", NULL};
static const char *const profile_choices[] = {"linear", "exponential", NULL};

/* clang-format off */
static const param_row rows[] = {
    {{"model", NULL, ALL, QT_PT_ENUM, QT_C_FINITE, 0, "", "model",
      "nsite: the N-site chain; lambda, vee: three-level systems", qt_model_names,
      QT_PF_REQUIRED, NULL}, P(model), ST_ENUM, 0},
    {{"N", NULL, NSITE, QT_PT_INT, QT_C_SITES, 10, "1", "number of sites",
      "number of sites of the chain", NULL, QT_PF_AXIS, NULL}, P(N), ST_INT, 0},
    {{"g", NULL, NSITE, QT_PT_REAL, QT_C_FINITE, 0, "h", "tunnelling g",
      "tunnelling between neighbouring excited states", NULL,
      QT_PF_AXIS | QT_PF_REQUIRED, "g_sites"}, P(g), ST_DOUBLE, 0},
    {{"h", NULL, NSITE, QT_PT_REAL, QT_C_POSITIVE, 1, "h", "site gap h",
      "site gap: energy of each excited site state (the unit of energy)", NULL,
      QT_PF_AXIS, NULL}, P(h), ST_DOUBLE, 0},
    {{"disorder_W", "disorder-W", NSITE, QT_PT_REAL, QT_C_NONNEG, 0, "h", "disorder strength W",
      "site energies h + W u_k, u_k uniform in [-1/2, 1/2) (seeded)", NULL, QT_PF_AXIS, NULL},
     P(disorder_W), ST_DOUBLE, 0},
    {{"seed", NULL, NSITE, QT_PT_INT, QT_C_NONNEG, 0, "1", "disorder seed",
      "seed of the disorder realisation (an axis over seeds is an ensemble)", NULL,
      QT_PF_AXIS, NULL}, P(seed), ST_LLONG, 0},
    {{"gamma", NULL, ALL, QT_PT_REAL, QT_C_POSITIVE, 1, "h", "coupling Gamma",
      "bath coupling Gamma (flat) or eta (ohmic), shared by all baths", NULL, QT_PF_AXIS,
      NULL}, P(gamma), ST_DOUBLE, 0},
    {{"T_L", "TL", NSITE, QT_PT_REAL, QT_C_NONNEG, 0, "h/k_B", "left temperature T_L",
      "temperature of the bath at site 1", NULL, QT_PF_AXIS | QT_PF_REQUIRED, "T_sites"},
     P(T_L), ST_DOUBLE, 0},
    {{"T_R", "TR", NSITE, QT_PT_REAL, QT_C_NONNEG, 0, "h/k_B", "right temperature T_R",
      "temperature of the bath at site N", NULL, QT_PF_AXIS | QT_PF_REQUIRED, "T_sites"},
     P(T_R), ST_DOUBLE, 0},
    {{"T_1", "T1", THREE, QT_PT_REAL, QT_C_NONNEG, 0, "h/k_B", "temperature T_1",
      "temperature of bath 1", NULL, QT_PF_AXIS | QT_PF_REQUIRED, NULL}, P(T1), ST_DOUBLE, 0},
    {{"T_2", "T2", THREE, QT_PT_REAL, QT_C_NONNEG, 0, "h/k_B", "temperature T_2",
      "temperature of bath 2", NULL, QT_PF_AXIS | QT_PF_REQUIRED, NULL}, P(T2), ST_DOUBLE, 0},
    {{"T_mean", NULL, ALL, QT_PT_REAL, QT_C_NONNEG, 0, "h/k_B", "mean temperature",
      "axis only: T_L = T_mean + T_diff/2, T_R = T_mean - T_diff/2 (T_1, T_2 likewise)",
      NULL, QT_PF_AXIS | QT_PF_DERIVED, NULL}, NOWHERE, ST_NONE, 0},
    {{"T_diff", NULL, ALL, QT_PT_REAL, QT_C_FINITE, 0, "h/k_B", "temperature difference",
      "axis only: T_L - T_R (T_1 - T_2)", NULL, QT_PF_AXIS | QT_PF_DERIVED, NULL},
     NOWHERE, ST_NONE, 0},
    {{"T_profile", "T-profile", NSITE, QT_PT_ENUM, QT_C_FINITE, QT_PROFILE_LINEAR, "",
      "temperature profile",
      "site temperatures between T_L and T_R: linear or exponential (geometric)",
      profile_choices, 0, NULL}, P(T_profile), ST_ENUM, 0},
    {{"T_sites", NULL, NSITE, QT_PT_LIST, QT_C_NONNEG, 0, "h/k_B", "site temperatures",
      "the N site temperatures, instead of T_L, T_R and T_profile", NULL, 0, NULL},
     P(T_sites), ST_LIST, offsetof(qt_params, T_sites_len)},
    {{"h_sites", NULL, NSITE, QT_PT_LIST, QT_C_POSITIVE, 0, "h", "site energies",
      "the N site energies, instead of h", NULL, 0, NULL}, P(h_sites), ST_LIST, offsetof(qt_params, h_sites_len)},
    {{"g_sites", NULL, NSITE, QT_PT_LIST, QT_C_FINITE, 0, "h", "hoppings",
      "the N - 1 hoppings between sites k and k + 1, instead of g", NULL, 0, NULL},
     P(g_sites), ST_LIST, offsetof(qt_params, g_sites_len)},
    {{"E_g", "Eg", VEE, QT_PT_REAL, QT_C_FINITE, 0, "h", "energy E_g",
      "energy of the ground level", NULL, QT_PF_AXIS, NULL}, P(E[0]), ST_DOUBLE, 0},
    {{"E_1", "E1", LAMBDA, QT_PT_REAL, QT_C_FINITE, 0, "h", "energy E_1",
      "energy of level 1", NULL, QT_PF_AXIS, NULL}, P(E[0]), ST_DOUBLE, 0},
    {{"E_1", "E1", VEE, QT_PT_REAL, QT_C_FINITE, 1, "h", "energy E_1",
      "energy of level 1", NULL, QT_PF_AXIS, NULL}, P(E[1]), ST_DOUBLE, 0},
    {{"E_2", "E2", LAMBDA, QT_PT_REAL, QT_C_FINITE, 0, "h", "energy E_2",
      "energy of level 2", NULL, QT_PF_AXIS, NULL}, P(E[1]), ST_DOUBLE, 0},
    {{"E_2", "E2", VEE, QT_PT_REAL, QT_C_FINITE, 1, "h", "energy E_2",
      "energy of level 2", NULL, QT_PF_AXIS, NULL}, P(E[2]), ST_DOUBLE, 0},
    {{"E_e", "Ee", LAMBDA, QT_PT_REAL, QT_C_FINITE, 1, "h", "energy E_e",
      "energy of the excited level", NULL, QT_PF_AXIS, NULL}, P(E[2]), ST_DOUBLE, 0},
    {{"d", NULL, THREE, QT_PT_REAL, QT_C_POSITIVE, 1, "1", "well distance d",
      "distance between the wells (for <X> and the forces)", NULL, 0, NULL}, P(d), ST_DOUBLE, 0},
    {{"spectral", NULL, ALL, QT_PT_ENUM, QT_C_FINITE, QT_SPECTRAL_FLAT, "",
      "spectral density", "spectral density J(w): flat (Gamma) or ohmic (eta w)",
      spectral_choices, QT_PF_AXIS, NULL}, P(spectral), ST_ENUM, 0},
    {{"bath", NULL, ALL, QT_PT_ENUM, QT_C_FINITE, QT_BATH_QUANTUM, "", "bath statistics",
      "quantum: emission J (1 + n); classical: J n", bath_choices, QT_PF_AXIS, NULL},
     P(bath), ST_ENUM, 0},
    {{"master_equation", "master-equation", ALL, QT_PT_ENUM, QT_C_FINITE, QT_ME_GLOBAL, "",
      "master equation",
      "global (secular, the paper's), local (jumps on the sites) or redfield", qt_me_names, QT_PF_AXIS,
      NULL}, P(master_equation), ST_ENUM, 0},
    {{"solver", NULL, ALL, QT_PT_ENUM, QT_C_FINITE, QT_SOLVER_SECULAR, "", "solver",
      "secular: the structured fast path; dense: the full d^2 x d^2 reference (d <= 40)",
      solver_choices, QT_PF_OPTION, NULL}, O(solver), ST_ENUM, 0},
    {{"tol", NULL, ALL, QT_PT_REAL, QT_C_POSITIVE, QT_DEFAULT_TOL, "h", "degeneracy tolerance",
      "eigenvalues closer than tol form one degenerate cluster", NULL, QT_PF_OPTION, NULL},
     O(tol), ST_DOUBLE, 0},
    {{"phase_threshold", "phase-threshold", NSITE, QT_PT_REAL, QT_C_NONNEG,
      QT_DEFAULT_PHASE_THRESHOLD, "1", "phase threshold", "|phi| <= this gives phase 0",
      NULL, QT_PF_OPTION, NULL}, O(phase_threshold), ST_DOUBLE, 0},
    {{"threads_per_rank", "threads-per-rank", ALL, QT_PT_INT, QT_C_THREADS, 1, "1",
      "threads per rank",
      "threads for one large chain point (N >= 256); a sweep's default is SLURM_CPUS_PER_TASK",
      NULL, QT_PF_OPTION, NULL}, O(threads), ST_INT, 0},
    {{"gap", NULL, ALL, QT_PT_FLAG, QT_C_FINITE, 0, "", "relaxation rates",
      "also compute the relaxation rate(s): an extra eigen-solve", NULL,
      QT_PF_OPTION | QT_PF_POINT, NULL}, O(want_gap), ST_FLAG, 0},
    {{"populations", NULL, THREE, QT_PT_LIST, QT_C_NONNEG, 0, "1", "prescribed populations",
      "Dufour: heat currents of these populations (summing to 1) instead of a steady state",
      NULL, QT_PF_POINT, NULL}, NOWHERE, ST_NONE, 0},
};
/* clang-format on */

#define N_ROWS ((int)(sizeof rows / sizeof rows[0]))

static const param_row *row_of(const qt_param_info *pi)
{
    return (const param_row *)pi;
}

int qt_param_count(void)
{
    return N_ROWS;
}

const qt_param_info *qt_param_at(int i)
{
    return i >= 0 && i < N_ROWS ? &rows[i].info : NULL;
}

static int name_matches(const qt_param_info *pi, const char *name)
{
    return !strcmp(pi->name, name) || (pi->alias && !strcmp(pi->alias, name));
}

const qt_param_info *qt_param_find(const char *name, qt_model model)
{
    for (int i = 0; i < N_ROWS; i++)
        if ((rows[i].info.models & (1u << model)) && name_matches(&rows[i].info, name))
            return &rows[i].info;
    return NULL;
}

const qt_param_info *qt_param_lookup(const char *name)
{
    for (int i = 0; i < N_ROWS; i++)
        if (name_matches(&rows[i].info, name)) return &rows[i].info;
    return NULL;
}

static const char *constraint_text(qt_constraint c)
{
    static const char *const texts[] = {
        [QT_C_FINITE] = "must be a finite number",
        [QT_C_POSITIVE] = "must be finite and > 0",
        [QT_C_NONNEG] = "must be finite and >= 0",
        [QT_C_SITES] = "must be an integer in [2, 100000]",
        [QT_C_COUNT] = "must be an integer in [1, 2147483647]",
        [QT_C_THREADS] = "must be an integer in [1, 1024]",
    };
    return texts[c];
}

static inline int violates(const qt_param_info *pi, double v)
{
    if (!isfinite(v)) return 1;
    if (pi->type == QT_PT_INT && v != floor(v)) return 1;
    if (pi->type == QT_PT_INT && fabs(v) > 9007199254740992.0) return 1; /* 2^53 */
    switch (pi->constraint) {
    case QT_C_POSITIVE:
        return !(v > 0.0);
    case QT_C_NONNEG:
        return !(v >= 0.0);
    case QT_C_SITES:
        return v < 2.0 || v > QT_MAX_SITES;
    case QT_C_COUNT:
        return v < 1.0 || v > 2147483647.0;
    case QT_C_THREADS:
        return v < 1.0 || v > 1024.0;
    default:
        return 0;
    }
}

int qt_param_check_value(const qt_param_info *pi, double v, char *msg, size_t len)
{
    if (pi->type == QT_PT_ENUM) {
        int n = 0;
        while (pi->choices && pi->choices[n]) n++;
        if (v >= 0 && v < n && v == floor(v)) return QT_OK;
        if (msg && len) snprintf(msg, len, "%s = %g: not one of its choices", pi->name, v);
        return QT_EINVAL;
    }
    if (pi->type == QT_PT_FLAG || !violates(pi, v)) return QT_OK;
    const char *why = constraint_text(pi->constraint);
    if (pi->type == QT_PT_INT && pi->constraint != QT_C_SITES && pi->constraint != QT_C_COUNT &&
        pi->constraint != QT_C_THREADS)
        why = pi->constraint == QT_C_NONNEG ? "must be an integer >= 0" : "must be an integer";
    if (msg && len) snprintf(msg, len, "%s = %.15g: %s", pi->name, v, why);
    return QT_EINVAL;
}

static void *field(const param_row *r, qt_params *p, qt_options *o)
{
    char *base = r->where == IN_PARAMS ? (char *)p : (char *)o;
    return base ? base + r->offset : NULL;
}

int qt_param_set(qt_params *p, qt_options *o, const qt_param_info *pi, double v)
{
    const param_row *r = row_of(pi);
    void *f = field(r, p, o);
    if (!f || r->storage == ST_LIST || r->storage == ST_NONE) return QT_EINVAL;
    if (qt_param_check_value(pi, v, NULL, 0)) return QT_EINVAL;
    switch (r->storage) {
    case ST_DOUBLE:
        *(double *)f = v;
        break;
    case ST_LLONG:
        *(long long *)f = (long long)v;
        break;
    case ST_FLAG:
        *(int *)f = v != 0.0;
        break;
    default:
        *(int *)f = (int)v;
        break; /* ST_INT, and enums are int-sized */
    }
    return QT_OK;
}

double qt_param_get(const qt_params *p, const qt_options *o, const qt_param_info *pi)
{
    const param_row *r = row_of(pi);
    const void *f = field(r, (qt_params *)p, (qt_options *)o);
    if (!f || r->storage == ST_LIST || r->storage == ST_NONE) return NAN;
    switch (r->storage) {
    case ST_DOUBLE:
        return *(const double *)f;
    case ST_LLONG:
        return (double)*(const long long *)f;
    default:
        return *(const int *)f;
    }
}

int qt_param_set_list(qt_params *p, const qt_param_info *pi, const double *values, int n)
{
    const param_row *r = row_of(pi);
    if (r->storage != ST_LIST || r->where != IN_PARAMS) return QT_EINVAL;
    for (int i = 0; i < n; i++)
        if (violates(pi, values[i])) return QT_EINVAL;
    *(const double **)((char *)p + r->offset) = n > 0 ? values : NULL;
    *(int *)((char *)p + r->len_offset) = n > 0 ? n : 0;
    return QT_OK;
}

const double *qt_param_get_list(const qt_params *p, const qt_param_info *pi, int *n)
{
    const param_row *r = row_of(pi);
    if (r->storage != ST_LIST || r->where != IN_PARAMS) return NULL;
    const double *v = *(const double *const *)((const char *)p + r->offset);
    if (n) *n = v ? *(const int *)((const char *)p + r->len_offset) : 0;
    return v;
}

int qt_param_choice(const qt_param_info *pi, const char *text)
{
    for (int i = 0; pi->choices && pi->choices[i]; i++)
        if (!strcmp(pi->choices[i], text)) return i;
    return -1;
}

int qt_param_list_length(const qt_param_info *pi, const qt_params *p)
{
    if (!strcmp(pi->name, "g_sites")) return p->N - 1;
    if (!strcmp(pi->name, "populations")) return 3;
    return pi->models == NSITE ? p->N : 0;
}

/* Defaults of every row that applies to p->model. */
void qt_param_defaults(qt_params *p, qt_options *o)
{
    for (int i = 0; i < N_ROWS; i++) {
        const param_row *r = &rows[i];
        if (!(r->info.models & (1u << p->model)) || !strcmp(r->info.name, "model")) continue;
        if (r->storage == ST_LIST || r->storage == ST_NONE) continue;
        if (r->where == IN_OPTIONS && !o) continue;
        if (r->where == IN_PARAMS && !p) continue;
        qt_param_set(p, o, &r->info, r->info.def);
    }
}

int qt_parse_real(const char *text, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0') return 1;
    if (!isfinite(v) || (errno == ERANGE && fabs(v) >= DBL_MIN)) return 2;
    *out = v;
    return 0;
}

static int list_ok(const void *row, const qt_params *p)
{
    const param_row *r = row;
    const double *v = *(const double *const *)((const char *)p + r->offset);
    int n = *(const int *)((const char *)p + r->len_offset),
        want = qt_param_list_length(&r->info, p);
    if (!v) return 1;
    if (want && n != want) return 0;
    for (int i = 0; i < n; i++)
        if (violates(&r->info, v[i])) return 0;
    return 1;
}

/* A row's constraint as an interval: lo <(=) v <= hi, integer or not. */
static qt_row_check compile_row(const param_row *r)
{
    qt_row_check c = {r,         r->where == IN_PARAMS,
                      r->offset, r->storage,
                      -INFINITY, INFINITY,
                      0,         r->info.type == QT_PT_INT || r->info.type == QT_PT_ENUM};
    switch (r->info.constraint) {
    case QT_C_POSITIVE:
        c.lo = 0.0, c.lo_open = 1;
        break;
    case QT_C_NONNEG:
        c.lo = 0.0;
        break;
    case QT_C_SITES:
        c.lo = 2.0, c.hi = QT_MAX_SITES;
        break;
    case QT_C_COUNT:
        c.lo = 1.0, c.hi = 2147483647.0;
        break;
    case QT_C_THREADS:
        c.lo = 1.0, c.hi = 1024.0;
        break;
    default:
        break;
    }
    if (r->info.type == QT_PT_INT)
        c.lo = fmax(c.lo, -9007199254740992.0), c.hi = fmin(c.hi, 9007199254740992.0);
    if (r->info.type == QT_PT_ENUM) {
        int n = 0;
        while (r->info.choices[n]) n++;
        c.lo = 0.0, c.hi = n - 1;
    }
    return c;
}

int qt_param_rows_for(qt_model m, qt_row_check *out, int cap)
{
    int n = 0;
    for (int i = 0; i < N_ROWS && n < cap; i++) {
        const param_row *r = &rows[i];
        if ((r->info.models & (1u << m)) && r->storage != ST_NONE && r->storage != ST_FLAG)
            out[n++] = compile_row(r);
    }
    return n;
}

int qt_param_rows_ok(const qt_row_check *list, int n, const qt_params *p, const qt_options *o)
{
    for (int i = 0; i < n; i++) {
        const qt_row_check *c = &list[i];
        if (c->storage == ST_LIST) {
            if (!list_ok(c->row, p)) return 0;
            continue;
        }
        const char *f = (c->in_params ? (const char *)p : (const char *)o) + c->offset;
        double v = c->storage == ST_DOUBLE  ? *(const double *)f
                   : c->storage == ST_LLONG ? (double)*(const long long *)f
                                            : *(const int *)f;
        if (!(v >= c->lo && v <= c->hi) || (c->lo_open && v == c->lo) ||
            (c->integer && v != (double)(long long)v))
            return 0;
    }
    return 1;
}
