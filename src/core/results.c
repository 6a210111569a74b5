/* The observables of a result by name: the table behind qt_result_get, the
 * JSON keys of `qthermo point` and what bindings (Python) read. Adding an
 * observable to qt_result: one row here. */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* where a value lives in qt_result */
enum { SRC_DOUBLE, SRC_INT, SRC_PTR, SRC_ARRAY };

typedef struct {
    qt_observable_info info; /* first: an info pointer is a row pointer */
    int src;
    size_t offset;
} observable_row;

#define NSITE        (1u << QT_MODEL_NSITE)
#define THREE        ((1u << QT_MODEL_LAMBDA) | (1u << QT_MODEL_VEE))
#define ALL          (NSITE | THREE)
#define AS_DOUBLE(f) SRC_DOUBLE, offsetof(qt_result, f)
#define AS_INT(f)    SRC_INT, offsetof(qt_result, f)
#define AS_PTR(f)    SRC_PTR, offsetof(qt_result, f)
#define AS_ARRAY(f)  SRC_ARRAY, offsetof(qt_result, f)

/* In the order of the JSON of `qthermo point` (units: docs/physics.md, Units; the vocabulary and
 * long names of the sweep's output table, src/sweep/outputs.c). */
/* clang-format off */
static const observable_row rows[] = {
    {{"site_population", NSITE, QT_EXT_POP, 0, 0, "1", "site population p_k"}, AS_PTR(population)},
    {{"populations", THREE, QT_EXT_POP, 0, 0, "1", "level population"}, AS_PTR(population)},
    {{"x_cm", NSITE, QT_EXT_1, 0, 0, "1", "centre of mass x_cm"}, AS_DOUBLE(x_cm)},
    {{"phi", NSITE, QT_EXT_1, 0, 0, "1", "thermophoresis phi"}, AS_DOUBLE(phi)},
    {{"phase", NSITE, QT_EXT_1, 1, 0, "1", "thermophoresis phase (+1 cold end, -1 hot end)"}, AS_INT(phase)},
    {{"peak_site", NSITE, QT_EXT_1, 1, 0, "1", "most populated site"}, AS_INT(peak_site)},
    {{"soret", NSITE, QT_EXT_1, 0, 0, "k_B/h", "Soret coefficient S_T"}, AS_DOUBLE(soret)},
    {{"delta", THREE, QT_EXT_1, 0, 0, "1", "population difference P_2 - P_1"}, AS_DOUBLE(delta)},
    {{"delta_formula", THREE, QT_EXT_1, 0, 0, "1", "closed-form population difference"}, AS_DOUBLE(delta_formula)},
    {{"x_mean", THREE, QT_EXT_1, 0, 0, "1", "mean position <X>"}, AS_DOUBLE(x_mean)},
    {{"n1", THREE, QT_EXT_1, 0, 0, "1", "occupation of bath 1"}, AS_DOUBLE(n1)},
    {{"n2", THREE, QT_EXT_1, 0, 0, "1", "occupation of bath 2"}, AS_DOUBLE(n2)},
    {{"m_eff", THREE, QT_EXT_1, 0, 0, "1", "effective mass m*"}, AS_DOUBLE(m_eff)},
    {{"omega2", THREE, QT_EXT_1, 0, 0, "Gamma^2", "squared oscillator frequency Omega^2"}, AS_DOUBLE(omega2)},
    {{"force", THREE, QT_EXT_1, 0, 0, "Gamma^2", "thermophoretic force"}, AS_DOUBLE(force)},
    {{"force_highT", THREE, QT_EXT_1, 0, 0, "Gamma^2", "high-temperature force"},
     AS_DOUBLE(force_highT)},
    {{"heat_current", ALL, QT_EXT_BATH, 0, 0, "h Gamma", "heat current into bath k"},
     AS_PTR(heat_current)},
    {{"energy", ALL, QT_EXT_1, 0, 0, "h", "mean energy"}, AS_DOUBLE(energy)},
    {{"residual", ALL, QT_EXT_1, 0, 0, "Gamma", "steady-state residual"}, AS_DOUBLE(residual)},
    {{"trace_error", ALL, QT_EXT_1, 0, 0, "1", "trace error"}, AS_DOUBLE(trace_error)},
    {{"min_eigenvalue", ALL, QT_EXT_1, 0, 0, "1", "smallest eigenvalue of rho"},
     AS_DOUBLE(min_eigenvalue)},
    {{"secular_ratio", ALL, QT_EXT_1, 0, 0, "1", "secular ratio"}, AS_DOUBLE(secular_ratio)},
    {{"n_clusters", ALL, QT_EXT_1, 1, 0, "1", "degenerate clusters"}, AS_INT(n_clusters)},
    {{"max_cluster", ALL, QT_EXT_1, 1, 0, "1", "largest degenerate cluster"}, AS_INT(max_cluster)},
    {{"relaxation_rate", NSITE, QT_EXT_1, 0, 1, "Gamma", "relaxation rate"},
     AS_DOUBLE(relaxation_rate)},
    {{"relaxation_rates", THREE, QT_EXT_PAIR, 0, 1, "Gamma", "relaxation rate"},
     AS_ARRAY(relaxation_rates)},
    {{"oscillator_roots", THREE, QT_EXT_PAIR, 0, 1, "Gamma", "oscillator root"},
     AS_ARRAY(oscillator_roots)},
};
/* clang-format on */

#define N_ROWS ((int)(sizeof rows / sizeof rows[0]))

int qt_observable_count(void)
{
    return N_ROWS;
}

const qt_observable_info *qt_observable_at(int i)
{
    return i >= 0 && i < N_ROWS ? &rows[i].info : NULL;
}

int qt_observable_find(const char *name, qt_model model)
{
    for (int i = 0; i < N_ROWS; i++)
        if ((rows[i].info.models & (1u << model)) && !strcmp(rows[i].info.name, name)) return i;
    return -1;
}

int qt_observable_extent(int i, const qt_params *p)
{
    static const int three_level[] = {
        [QT_EXT_1] = 1, [QT_EXT_POP] = 3, [QT_EXT_BATH] = 2, [QT_EXT_PAIR] = 2};
    const qt_observable_info *oi = qt_observable_at(i);
    if (!oi) return 0;
    int chain = p->model == QT_MODEL_NSITE;
    if (chain && (oi->extent == QT_EXT_POP || oi->extent == QT_EXT_BATH)) return p->N;
    return three_level[oi->extent];
}

/* Values of row i in r (how many r holds), at most cap copied to out. */
int qt_result_get_at(const qt_result *r, int i, double *out, int cap)
{
    const observable_row *row = &rows[i];
    const char *base = (const char *)r + row->offset;
    static const int fixed[] = {[QT_EXT_1] = 1, [QT_EXT_PAIR] = 2};
    int n = row->info.extent == QT_EXT_POP    ? r->n_pop
            : row->info.extent == QT_EXT_BATH ? r->n_baths
                                              : fixed[row->info.extent];
    const double *src = NULL;
    double one;
    if (row->src == SRC_DOUBLE) src = (const double *)base;
    if (row->src == SRC_ARRAY) src = (const double *)base;
    if (row->src == SRC_PTR) src = *(const double *const *)base;
    if (row->src == SRC_INT) {
        one = (double)*(const int *)base;
        src = &one;
    }
    for (int k = 0; k < n && k < cap; k++) out[k] = src[k];
    return n;
}

int qt_result_get(const qt_result *r, const char *name, double *out, int cap)
{
    for (int i = 0; i < N_ROWS; i++)
        if (!strcmp(rows[i].info.name, name)) return qt_result_get_at(r, i, out, cap);
    return -1;
}

int qt_result_path(const qt_result *r)
{
    return r->path;
}

qt_params *qt_params_new(qt_model model)
{
    if ((int)model < 0 || (int)model >= qt_model_count()) return NULL;
    qt_params *p = malloc(sizeof *p);
    if (p) qt_params_default(p, model);
    return p;
}

void qt_params_delete(qt_params *p)
{
    free(p);
}

qt_options *qt_options_new(void)
{
    qt_options *o = malloc(sizeof *o);
    if (o) qt_options_default(o);
    if (o) o->want_secular_ratio = 1; /* bindings: every diagnostic, as qthermo point */
    return o;
}

void qt_options_delete(qt_options *o)
{
    free(o);
}
