/* Sweep configuration: the YAML schema, its validation, and the grid axes.
 *
 * A config is read and validated on rank 0 only; the other ranks receive the
 * exact text and parse it again (deterministic), so no structure with
 * pointers ever crosses MPI. See README.md in this folder for the schema. */
#ifndef QT_SWEEP_CONFIG_H
#define QT_SWEEP_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "qthermo/qthermo.h"

/* Grid axes a config may sweep, in the canonical order of dataset dimensions. */
typedef enum {
    SW_AX_G = 0,
    SW_AX_T_L,
    SW_AX_T_R,
    SW_AX_T_1,
    SW_AX_T_2,
    SW_AX_T_MEAN,
    SW_AX_T_DIFF,
    SW_AX_E_G, /* vee */
    SW_AX_E_1,
    SW_AX_E_2,
    SW_AX_E_E, /* lambda */
    SW_AX_COUNT
} sw_axis_id;

#define SW_MAX_AXES   6
#define SW_MAX_OUT    24  /* entries of the output table (outputs.c) */
#define SW_MSG_LEN    640 /* one error message */
#define SW_MAX_POINTS (INT64_C(1) << 40)

typedef struct {
    sw_axis_id id;
    const char *name; /* "g", "T_L", ...: the dimension and coordinate name */
    int64_t n;
    double *v; /* [n] values in the order written in the config */
} sw_axis;

typedef struct {
    qt_model model;
    qt_params base; /* defaults + top-level keys; axes overwrite per point */
    qt_options opt; /* solver, tol, phase_threshold, want_gap */
    int n_axes;     /* dimensions of a scalar dataset (N is not one: groups) */
    sw_axis axis[SW_MAX_AXES];
    int mean_diff; /* temperatures given as T_mean / T_diff */
    int n_N;       /* nsite: the values of N (one group each); others: 1 */
    int *N;        /* [n_N]; 0 for the three-level models */
    int n_out;     /* selected outputs (indices into the output table) */
    int out[SW_MAX_OUT];
    unsigned ws_flags; /* QT_WS_DENSE / QT_WS_GAP */
    char *text;        /* the config file, exactly as read (NUL-terminated) */
    size_t text_len;
    char sha256[65]; /* hex SHA-256 of text */
} sw_config;

/* Parse and validate YAML text. Returns 0, or -1 with one line in msg naming
 * the file, line and key. `fname` is only used in messages. On success cfg
 * owns a copy of text. */
int sw_config_parse(const char *fname, const char *text, size_t len, sw_config *cfg, char *msg,
                    size_t msglen);
void sw_config_free(sw_config *cfg);

/* Read a whole file (NUL-terminated). Returns 0 or -1 with msg. */
int sw_read_file(const char *path, char **text, size_t *len, char *msg, size_t msglen);

/* Parameters of the point with axis indices idx[n_axes] in the group of N. */
void sw_config_point(const sw_config *cfg, int N, const int64_t *idx, qt_params *p);

/* Model, spectral, bath, solver names as written in configs. */
const char *sw_model_name(qt_model m);
const char *sw_spectral_name(qt_spectral s);
const char *sw_bath_name(qt_bath b);
const char *sw_solver_name(qt_solver s);

#endif
