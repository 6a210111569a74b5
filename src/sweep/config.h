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

#define SW_MAX_AXES   8
#define SW_MAX_LISTS  4
#define SW_MAX_OUT    32  /* entries of the output table (outputs.c) */
#define SW_MSG_LEN    640 /* one error message */
#define SW_MAX_POINTS (INT64_C(1) << 40)
/* Limits checked before anything is allocated: values on one axis, chain
 * lengths (groups), config size, nesting (no valid config is deeper than 3)
 * and YAML anchors. */
#define SW_MAX_AXIS_LEN     (1 << 24)
#define SW_MAX_GROUPS       10000
#define SW_MAX_CONFIG_BYTES (1 << 20)
#define SW_MAX_DEPTH        32
#define SW_MAX_ANCHORS      64

/* An axis is a row of the parameter table with QT_PF_AXIS; axes appear in
 * datasets in table order. */
typedef struct {
    const qt_param_info *param;
    const char *name; /* param->name: the dimension and coordinate name */
    int derived;      /* 1: T_mean, 2: T_diff (set the temperature pair) */
    int64_t n;
    double *v; /* [n] values in the order written in the config */
} sw_axis;

/* Phase-boundary tracing (boundary.h): the `boundary` section. */
typedef struct {
    int on;         /* the config has a `boundary` section */
    int axis;       /* index into sw_config.axis of the traced axis ({start, stop}) */
    int observable; /* index into the output table (a scalar float64 output) */
    double level;   /* the boundary is where observable = level */
    int scan;       /* uniform scan points of a line */
    double xtol;    /* bracket width of a refined root */
    int crossings;  /* QT_CROSSINGS_FLANKED (`flank`) or _ON_DEMAND (`bisect`) */
} sw_boundary_spec;

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
    char sha256[65];             /* hex SHA-256 of text */
    double *lists[SW_MAX_LISTS]; /* storage of list parameters in base */
    int threads_given;           /* the config sets threads_per_rank */
    sw_boundary_spec bnd;
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

/* Names of enum values as written in configs (the parameter table's). */
const char *sw_model_name(qt_model m);
const char *sw_spectral_name(qt_spectral s);
const char *sw_bath_name(qt_bath b);
const char *sw_solver_name(qt_solver s);

/* The value of a scalar table parameter in cfg as text ("flat", "1.5"):
 * for attributes and messages. */
const char *sw_config_value_text(const sw_config *cfg, const qt_param_info *pi, char *buf,
                                 size_t len);

#endif
