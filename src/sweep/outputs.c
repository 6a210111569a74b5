/* The output table: one row per dataset a sweep can write. Tables, not
 * switches: adding an observable is one line here. */
#include "outputs.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#define NSITE (1u << QT_MODEL_NSITE)
#define THREE ((1u << QT_MODEL_LAMBDA) | (1u << QT_MODEL_VEE))
#define ALL   (NSITE | THREE)

#define F(field) offsetof(qt_result, field)

/* Units are in the parameter table's vocabulary (hbar = k_B = 1, energies
 * and temperatures in units of h, rates in units of Gamma; docs/physics.md,
 * "Units"); the writer turns them into CF attributes (README.md, "CF
 * metadata"). */
/* clang-format off */
const sw_output sw_outputs[] = {
    {"status", SW_I8, SW_EXT_1, ALL, 1, 0, SW_SRC_INT, F(status),
     "qt_solve status: 0 ok, -1 not computed yet, >0 failure (qt_status_name)",
     "1", "solver status", -1},
    {"site_population", SW_F64, SW_EXT_POP, NSITE, 1, 0, SW_SRC_PTR, F(population),
     "site populations p_k", "1", "site population p_k", 0},
    {"populations", SW_F64, SW_EXT_POP, THREE, 1, 0, SW_SRC_PTR, F(population),
     "level populations: lambda [P1, P2, Pe], vee [Pg, P1, P2]", "1", "level population", 0},
    {"x_cm", SW_F64, SW_EXT_1, NSITE, 1, 0, SW_SRC_DOUBLE, F(x_cm), "centre of mass in [-1, 1]",
     "1", "centre of mass x_cm", 0},
    {"phi", SW_F64, SW_EXT_1, NSITE, 1, 0, SW_SRC_DOUBLE, F(phi),
     "sign(T_L - T_R) x_cm: > 0 toward the cold end", "1", "thermophoresis phi", 0},
    {"phase", SW_I8, SW_EXT_1, NSITE, 1, 0, SW_SRC_INT, F(phase), "+1 / -1 / 0 from phi", "1",
     "thermophoresis phase (+1 cold end, -1 hot end)", -1},
    {"peak_site", SW_I32, SW_EXT_1, NSITE, 1, 0, SW_SRC_INT, F(peak_site), "argmax_k p_k (1-based)",
     "1", "most populated site", 1},
    {"soret", SW_F64, SW_EXT_1, NSITE, 1, 0, SW_SRC_DOUBLE, F(soret),
     "S_T = -d ln p / dT (least squares)", "k_B/h", "Soret coefficient S_T", 0},
    {"heat_current", SW_F64, SW_EXT_BATH, ALL, 1, 0, SW_SRC_PTR, F(heat_current),
     "J_k = -Tr[L_k(rho) H_S], heat into bath k", "h Gamma", "heat current into bath k", 0},
    {"energy", SW_F64, SW_EXT_1, ALL, 1, 0, SW_SRC_DOUBLE, F(energy), "Tr[rho H_S]", "h",
     "mean energy", 0},
    {"residual", SW_F64, SW_EXT_1, ALL, 1, 0, SW_SRC_DOUBLE, F(residual), "||L rho||_1", "Gamma",
     "steady-state residual", 0},
    {"trace_error", SW_F64, SW_EXT_1, ALL, 0, 0, SW_SRC_DOUBLE, F(trace_error), "|Tr rho - 1|", "1",
     "trace error", 0},
    {"min_eigenvalue", SW_F64, SW_EXT_1, ALL, 0, 0, SW_SRC_DOUBLE, F(min_eigenvalue),
     "smallest eigenvalue of rho", "1", "smallest eigenvalue of rho", 0},
    {"secular_ratio", SW_F64, SW_EXT_1, ALL, 0, 0, SW_SRC_DOUBLE, F(secular_ratio),
     "largest decay rate of an eigenstate / smallest spacing of a bath's Bohr frequencies", "1",
     "secular ratio", 0},
    {"relaxation_rate", SW_F64, SW_EXT_1, NSITE, 0, 1, SW_SRC_DOUBLE, F(relaxation_rate),
     "smallest nonzero -Re(lambda) of the population generator", "Gamma", "relaxation rate", 0},
    {"delta", SW_F64, SW_EXT_1, THREE, 1, 0, SW_SRC_DOUBLE, F(delta), "P2 - P1", "1",
     "population difference P_2 - P_1", 0},
    {"delta_formula", SW_F64, SW_EXT_1, THREE, 1, 0, SW_SRC_DOUBLE, F(delta_formula),
     "Delta_ss of Eq. 8 (lambda) or Delta_V (vee)", "1", "closed-form population difference", 0},
    {"x_mean", SW_F64, SW_EXT_1, THREE, 1, 0, SW_SRC_DOUBLE, F(x_mean), "<X> = (d/2) Delta, Eq. 9",
     "1", "mean position <X>", 0},
    {"m_eff", SW_F64, SW_EXT_1, THREE, 1, 0, SW_SRC_DOUBLE, F(m_eff), "m* = 1/(4 n_bar + 2)", "1",
     "effective mass m*", 0},
    {"omega2", SW_F64, SW_EXT_1, THREE, 1, 0, SW_SRC_DOUBLE, F(omega2), "Omega^2 (Omega_V^2 for vee)",
     "Gamma^2", "squared oscillator frequency Omega^2", 0},
    {"force", SW_F64, SW_EXT_1, THREE, 1, 0, SW_SRC_DOUBLE, F(force), "F_q (Eq. 2) or F_V (Eq. 14)",
     "Gamma^2", "thermophoretic force", 0},
    {"force_highT", SW_F64, SW_EXT_1, THREE, 1, 0, SW_SRC_DOUBLE, F(force_highT),
     "high-temperature force, Eq. 11", "Gamma^2", "high-temperature force", 0},
    {"relaxation_rates", SW_F64, SW_EXT_PAIR, THREE, 0, 1, SW_SRC_ARRAY, F(relaxation_rates),
     "the two nonzero -lambda of the rate generator, ascending", "Gamma", "relaxation rate", 0},
    {"oscillator_roots", SW_F64, SW_EXT_PAIR, THREE, 0, 1, SW_SRC_ARRAY, F(oscillator_roots),
     "-roots of m* l^2 + Gamma l + m* Omega^2 = 0 (Eq. 10), ascending", "Gamma",
     "oscillator root", 0},
};
/* clang-format on */
const int sw_n_outputs = (int)(sizeof sw_outputs / sizeof sw_outputs[0]);

int sw_output_find(const char *name)
{
    for (int o = 0; o < sw_n_outputs; o++)
        if (!strcmp(sw_outputs[o].name, name)) return o;
    return -1;
}

int sw_ext_size(sw_ext ext, qt_model model, int N)
{
    switch (ext) {
    case SW_EXT_POP:
        return model == QT_MODEL_NSITE ? N : 3;
    case SW_EXT_BATH:
        return model == QT_MODEL_NSITE ? N : 2;
    case SW_EXT_PAIR:
        return 2;
    default:
        return 1;
    }
}

/* Per-point dimensions: name and CF long_name, nsite and three-level. */
static const struct {
    const char *name[2], *long_name[2];
} ext_dims[SW_EXT_COUNT] = {
    [SW_EXT_POP] = {{"site", "level"}, {"site k (1 = the T_L end)", "level index"}},
    [SW_EXT_BATH] = {{"site", "bath_index"}, {"site k (1 = the T_L end)", "bath k"}},
    [SW_EXT_PAIR] = {{"mode", "mode"}, {"mode index (ascending)", "mode index (ascending)"}},
};

const char *sw_ext_dim(sw_ext ext, qt_model model)
{
    return ext_dims[ext].name[model != QT_MODEL_NSITE];
}

const char *sw_ext_long_name(sw_ext ext, qt_model model)
{
    return ext_dims[ext].long_name[model != QT_MODEL_NSITE];
}

double sw_fill_value(const sw_output *o)
{
    if (o == &sw_outputs[SW_OUT_STATUS]) return -1; /* not computed yet */
    switch (o->type) {
    case SW_I8:
        return -128;
    case SW_I32:
        return -1;
    default:
        return NAN;
    }
}

int sw_record_layout(const sw_config *cfg, int N, int *col)
{
    int total = 0;
    for (int k = 0; k < cfg->n_out; k++) {
        col[k] = total;
        total += sw_ext_size(sw_outputs[cfg->out[k]].ext, cfg->model, N);
    }
    return total;
}

void sw_pack_point(const sw_config *cfg, int N, const int *col, const qt_result *r, int64_t i,
                   int64_t count, double *buf)
{
    const int ok = r->status == QT_OK;
    for (int k = 0; k < cfg->n_out; k++) {
        const sw_output *o = &sw_outputs[cfg->out[k]];
        const int e = sw_ext_size(o->ext, cfg->model, N);
        double *dst = buf + (int64_t)col[k] * count + i * e;
        const char *base = (const char *)r + o->off;
        if (k == 0) { /* status */
            *dst = (double)r->status;
            continue;
        }
        if (!ok) {
            for (int j = 0; j < e; j++) dst[j] = sw_fill_value(o);
            continue;
        }
        switch (o->src) {
        case SW_SRC_DOUBLE:
            *dst = *(const double *)base;
            break;
        case SW_SRC_INT:
            *dst = (double)*(const int *)base;
            break;
        case SW_SRC_PTR:
            memcpy(dst, *(double *const *)base, (size_t)e * sizeof(double));
            break;
        default:
            memcpy(dst, base, (size_t)e * sizeof(double));
            break;
        }
    }
}
