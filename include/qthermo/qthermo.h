/* qthermo numerics library: steady states of the microscopic (secular) master
 * equation for the N-site chain and the Lambda / Vee three-level systems.
 *
 * Serial and re-entrant: no MPI, no HDF5, no global state. Plan once, solve
 * many times: a workspace sized for the largest problem is allocated up front
 * (qt_workspace_alloc) and every qt_solve call reuses it without allocating.
 * Equation numbers are those of Matos, Werlang, Valente, "Quantum
 * thermophoresis"; README.md maps them to the code. */
#ifndef QTHERMO_H
#define QTHERMO_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define QT_VERSION "0.1.0"

typedef enum { QT_MODEL_NSITE = 0, QT_MODEL_LAMBDA = 1, QT_MODEL_VEE = 2 } qt_model;
typedef enum { QT_SPECTRAL_FLAT = 0, QT_SPECTRAL_OHMIC = 1 } qt_spectral;
/* classical: emission rate J n instead of J (1 + n) (no spontaneous emission) */
typedef enum { QT_BATH_QUANTUM = 0, QT_BATH_CLASSICAL = 1 } qt_bath;
typedef enum { QT_SOLVER_SECULAR = 0, QT_SOLVER_DENSE = 1 } qt_solver;
/* Master equation (docs/physics.md section 6): global = the paper's secular
 * equation; local = jumps on the sites; redfield = Bloch-Redfield without the
 * secular approximation (depends on gamma). */
typedef enum {
    QT_ME_GLOBAL = 0,
    QT_ME_LOCAL = 1,
    QT_ME_REDFIELD = 2,
    QT_N_MASTER_EQUATIONS = 3
} qt_master_equation;
/* nsite temperature profile between T_L and T_R (ignored when T_sites is set) */
typedef enum { QT_PROFILE_LINEAR = 0, QT_PROFILE_EXPONENTIAL = 1 } qt_profile;

/* Status codes: stored as int8 in result files, 0 = ok. A grid point that
 * cannot be solved gets one of these and no numbers (NaN observables). */
enum {
    QT_OK = 0,
    QT_ENOTUNIQUE = 1, /* generator has more than one stationary state */
    QT_EDIVERGENT = 2, /* nonzero omega = 0 jump with a flat spectral density */
    QT_ETOOLARGE = 3,  /* beyond the chosen solver's size limit, or workspace too small */
    QT_ELAPACK = 4,    /* LAPACK reported a failure */
    QT_EINVAL = 5,     /* invalid parameters (see qt_params_check) */
    QT_ENOMEM = 6,
    QT_NSTATUS = 7
};

/* Short machine name ("ok", "not_unique", ...) and a sentence. */
const char *qt_status_name(int status);
const char *qt_strerror(int status);

/* Limits of the solvers (state-space dimension d; nsite has d = 2N). */
#define QT_DENSE_MAX_D   40     /* full d^2 x d^2 Liouvillian: the reference for small d */
#define QT_COUPLED_MAX_D 64     /* general eigenbasis path (coupled zero-frequency sector) */
#define QT_SECTOR_MAX    1024   /* unknowns of a coupled zero-frequency sector */
#define QT_MAX_SITES     100000 /* nsite N accepted by qt_params_check */

typedef struct {
    qt_model model;
    int N;           /* nsite: number of sites (>= 2) */
    double h;        /* nsite: site gap (> 0) */
    double g;        /* nsite: tunnelling between neighbouring excited states */
    double T_L, T_R; /* nsite: end temperatures, linear profile in between */
    double E[3];     /* lambda: E_1, E_2, E_e;  vee: E_g, E_1, E_2 */
    double T1, T2;   /* three-level: bath temperatures */
    double d;        /* three-level: distance between the wells (for <X>, forces) */
    double gamma;    /* Gamma (flat) or eta (ohmic), shared by all baths (> 0) */
    qt_spectral spectral;
    qt_bath bath;
    qt_master_equation master_equation;
    /* nsite, site-resolved chain. Arrays are the caller's; NULL = uniform. */
    qt_profile T_profile;
    const double *T_sites;                     /* [N] site temperatures, instead of T_L / T_R */
    const double *h_sites;                     /* [N] site energies, instead of h */
    const double *g_sites;                     /* [N-1] hoppings, instead of g */
    int T_sites_len, h_sites_len, g_sites_len; /* entries (qt_param_set_list) */
    double disorder_W; /* site energies h_k + W u_k, u_k uniform in [-1/2, 1/2] */
    long long seed;    /* of the disorder realisation */
} qt_params;

/* Models and master equations, by name (the tables behind "model" and
 * "master_equation"). */
int qt_model_count(void);
const char *qt_model_name(qt_model m);
int qt_master_equation_count(void);
const char *qt_master_equation_name(qt_master_equation me);
/* Names of the population and bath dimensions ("site" / "level", "bath"). */
const char *qt_model_population_dim(qt_model m);

/* Paper defaults: h = 1, gamma = 1, flat, quantum; lambda E = (0, 0, 1),
 * vee E = (0, 1, 1); d = 1; temperatures 0 (the caller sets them). */
void qt_params_default(qt_params *p, qt_model model);

/* QT_OK, or QT_EINVAL with one line in msg naming the parameter and value. */
int qt_params_check(const qt_params *p, char *msg, size_t msglen);

/* State-space dimension d (2N or 3) and number of baths (N or 2). */
int qt_dimension(const qt_params *p);
int qt_n_baths(const qt_params *p);

typedef struct {
    qt_solver solver;
    double tol;             /* eigenvalues closer than tol form one degenerate cluster */
    double phase_threshold; /* |phi| <= this gives phase 0 */
    int want_gap;           /* also compute relaxation rate(s): an extra eigen-solve */
    int want_secular_ratio; /* also compute secular_ratio (O(N^2) per point; NaN otherwise) */
    int force_coupled;      /* testing: solve the zero-frequency sector as one complex
                               system even when populations decouple */
    int threads;            /* threads for one nsite point (N >= 256); 0 or 1: serial.
                               Same results bit for bit; needs single-threaded BLAS */
} qt_options;

#define QT_DEFAULT_TOL             1e-9
#define QT_DEFAULT_PHASE_THRESHOLD 1e-12
void qt_options_default(qt_options *o);
/* QT_OK, or QT_EINVAL with one line in msg naming the option and value. */
int qt_options_check(const qt_options *o, char *msg, size_t msglen);

/* ---- the parameter table ------------------------------------------------
 * One row per parameter: the single authority for its name (the config key,
 * the JSON key, the HDF5 attribute or axis name and the option --NAME), the
 * models it applies to, its type, default, constraint, unit and description.
 * The command line, the sweep config, the JSON and HDF5 writers, the help
 * texts and the plots all read it. */
typedef enum {
    QT_PT_REAL = 0, /* double */
    QT_PT_INT = 1,  /* integer (int or long long storage) */
    QT_PT_ENUM = 2, /* one of choices[] */
    QT_PT_LIST = 3, /* comma-separated numbers on the command line, a YAML list */
    QT_PT_FLAG = 4  /* on/off (command line: --NAME without a value) */
} qt_param_type;

typedef enum {
    QT_C_FINITE = 0,   /* any finite number */
    QT_C_POSITIVE = 1, /* finite and > 0 */
    QT_C_NONNEG = 2,   /* finite and >= 0 */
    QT_C_SITES = 3,    /* integer in [2, QT_MAX_SITES] */
    QT_C_COUNT = 4,    /* integer in [1, 2^31 - 1] */
    QT_C_THREADS = 5   /* integer in [1, 1024] */
} qt_constraint;

/* Where a parameter may appear (qt_param_info.flags). */
enum {
    QT_PF_AXIS = 1,     /* may be a sweep axis */
    QT_PF_OPTION = 2,   /* a solver option (qt_options), not physics */
    QT_PF_REQUIRED = 4, /* qthermo point needs it (unless replaced, see replaced_by) */
    QT_PF_DERIVED = 8,  /* axis only: sets other parameters (T_mean, T_diff) */
    QT_PF_POINT = 16,   /* command line only (not a config key) */
    QT_PF_SWEEP = 32    /* config only */
};

typedef struct {
    const char *name;  /* the one spelling */
    const char *alias; /* an older option spelling still accepted, or NULL */
    unsigned models;   /* bit (1 << qt_model) for each model it applies to */
    qt_param_type type;
    qt_constraint constraint;   /* of the value, or of every entry of a list */
    double def;                 /* default (enum: index into choices) */
    const char *unit;           /* "h", "h/k_B", "1", ... ("" for names and flags) */
    const char *long_name;      /* for plots and CF files */
    const char *description;    /* one line, for --help and man pages */
    const char *const *choices; /* QT_PT_ENUM: NULL-terminated names */
    unsigned flags;             /* QT_PF_* */
    const char *replaced_by;    /* REQUIRED unless this other parameter is given */
} qt_param_info;

/* A number as the command line and configs read it: 0, or 1 when text is
 * not a number, 2 when it is infinite, NaN or overflows. Underflow to a
 * subnormal or zero is a number. */
int qt_parse_real(const char *text, double *out);

/* Rows of the table, in help order. */
int qt_param_count(void);
const qt_param_info *qt_param_at(int i);
/* The row of `name` (or its alias) for `model`; NULL if none. */
const qt_param_info *qt_param_find(const char *name, qt_model model);
/* The row of `name` for any model (for messages): NULL if unknown. */
const qt_param_info *qt_param_lookup(const char *name);
/* QT_OK, or QT_EINVAL with "NAME = VALUE: reason" in msg. */
int qt_param_check_value(const qt_param_info *pi, double value, char *msg, size_t len);
/* Set / get a scalar (enum: index; flag: 0/1) in p or o. QT_EINVAL for a
 * list, an unknown name or a value the constraint refuses. */
int qt_param_set(qt_params *p, qt_options *o, const qt_param_info *pi, double value);
double qt_param_get(const qt_params *p, const qt_options *o, const qt_param_info *pi);
/* Lists: the caller keeps the array alive while p is used. */
int qt_param_set_list(qt_params *p, const qt_param_info *pi, const double *values, int n);
const double *qt_param_get_list(const qt_params *p, const qt_param_info *pi, int *n);
/* Index of `text` among pi->choices, or -1. */
int qt_param_choice(const qt_param_info *pi, const char *text);
/* Entries a list must have for p (N, N - 1, 3), or 0 if any length works. */
int qt_param_list_length(const qt_param_info *pi, const qt_params *p);

/* Which algorithm produced a result. */
enum {
    QT_PATH_NONE = 0,
    QT_PATH_PAULI_BIPARTITE = 1, /* nsite: excited states eliminated, GTH on N x N */
    QT_PATH_PAULI = 2,           /* Pauli rate equation on the eigenstates, GTH */
    QT_PATH_COUPLED = 3,         /* zero-frequency sector as a complex linear system */
    QT_PATH_DENSE = 4,           /* full d^2 x d^2 Liouvillian */
    QT_PATH_SECTOR_LOCAL = 5,    /* nsite local: ground populations + excited block */
    QT_PATH_SECTOR_REDFIELD = 6  /* nsite redfield: ground populations + excited block */
};
const char *qt_path_name(int path);

/* Results of one grid point. Arrays are owned by the result (qt_result_alloc)
 * and sized for max_sites; n_pop / n_baths say how much of them is used.
 * Everything not computed is NaN. */
typedef struct {
    int status;
    int path;
    int n_pop; /* nsite: N site populations; three-level: 3 levels */
    int n_baths;
    double *population;   /* [n_pop]: nsite p_k; lambda [P1,P2,Pe]; vee [Pg,P1,P2] */
    double *heat_current; /* [n_baths]: J_k = -Tr[L_k(rho) H_S], into bath k */
    double energy;        /* Tr[rho H_S] */
    /* nsite observables (docs/physics.md section 4) */
    double x_cm, phi, soret;
    int phase, peak_site; /* peak_site 1-based; phase +1 / -1 / 0 */
    /* checks */
    double residual;        /* entrywise 1-norm of L(rho) */
    double trace_error;     /* |Tr rho - 1| */
    double min_eigenvalue;  /* smallest eigenvalue of rho */
    double relaxation_rate; /* smallest nonzero -Re(lambda) of the population generator */
    /* three-level: numerical values next to the paper's closed forms */
    double delta, delta_formula; /* P2 - P1 (Eq. 8 for lambda, Delta_V for vee) */
    double x_mean;               /* <X> = (d/2) Delta, Eq. 9 */
    double n1, n2;               /* bath occupations at the transition frequencies */
    double m_eff, omega2;        /* m* and Omega^2 (Omega_V^2 for vee) */
    double force, force_highT;   /* F_q (F_V) Eq. 2 / 14, and Eq. 11 */
    double relaxation_rates[2];  /* the two nonzero -lambda of the rate generator, ascending */
    double oscillator_roots[2];  /* -roots of m* l^2 + Gamma l + m* Omega^2 = 0, ascending */
    /* spectrum information */
    int n_clusters, max_cluster; /* degenerate clusters of H_S at tolerance tol */
    /* validity of the secular approximation: largest decay rate of an
     * eigenstate / smallest spacing of distinct Bohr frequencies of a bath */
    double secular_ratio;
    int capacity; /* entries of population and heat_current (qt_result_alloc) */
} qt_result;

qt_result *qt_result_alloc(int max_sites);
void qt_result_free(qt_result **r);

typedef struct qt_workspace qt_workspace;

/* Optional parts of a workspace (the default secular path needs neither). */
enum {
    QT_WS_DENSE = 1, /* d^2 x d^2 Liouvillian storage for the dense solver (d <= QT_DENSE_MAX_D) */
    QT_WS_GAP = 2,   /* d x d generator for relaxation rates (d <= QT_GAP_MAX_D) */
    QT_WS_ME = 4     /* the local and redfield solvers (master_equation != global) */
};
#define QT_GAP_MAX_D 2048

/* Workspace for every point of `model` with N <= max_N (max_N is ignored for
 * the three-level models). NULL when out of memory. */
qt_workspace *qt_workspace_alloc(qt_model model, int max_N, unsigned flags);
/* The flags a workspace needs for points with these options (dense solver,
 * relaxation rates): plan with this so options and workspace agree. */
unsigned qt_workspace_flags(const qt_params *p, const qt_options *o);
void qt_workspace_free(qt_workspace **w);
/* Bytes held by a workspace, and what qt_workspace_alloc would take
 * (without allocating; 0 for invalid arguments and for sizes beyond what
 * LAPACK can index, N > 46338): for memory estimates. */
size_t qt_workspace_bytes(const qt_workspace *w);
size_t qt_workspace_estimate(qt_model model, int max_N, unsigned flags);

/* Solve one grid point. Returns the status (also stored in r->status).
 * Never allocates, never prints, never aborts. */
int qt_solve(const qt_params *p, const qt_options *o, qt_workspace *w, qt_result *r);

/* The density matrix of the last successful qt_solve on w, in the original
 * (site / level) basis, as d x d row-major real and imaginary parts. */
int qt_density_matrix(const qt_workspace *w, double *re, double *im, int d);

/* Bose occupation 1/(exp(w/T) - 1) for w > 0, with 0 at T = 0 (expm1). */
double qt_occupation(double w, double T);

/* Dufour effect (three-level models): heat currents J_k of a prescribed
 * population vector (ordering as in qt_result.population), computed from the
 * rate generator, and the paper's closed form omega_k Gamma [(n_k+1) P_e -
 * n_k P_k] (lambda) or omega_k Gamma [(n_k+1) P_k - n_k P_g] (vee). */
int qt_heat_current_prescribed(const qt_params *p, const double pop[3], double J[2],
                               double J_formula[2]);

/* ---- for bindings and grids ----------------------------------------------
 * What a caller that does not see the structs (Python ctypes) needs: the
 * structs allocated here, the observables of a result read by name, and a
 * loop over many points in one workspace. */

/* A qt_params with the model's defaults / a qt_options with the defaults;
 * NULL when out of memory. Free with qt_params_delete / qt_options_delete. */
qt_params *qt_params_new(qt_model model);
void qt_params_delete(qt_params *p);
qt_options *qt_options_new(void);
void qt_options_delete(qt_options *o);

/* Values per point of an observable: one, the populations (N sites or 3
 * levels), the baths (N or 2), or a pair. */
typedef enum { QT_EXT_1 = 0, QT_EXT_POP = 1, QT_EXT_BATH = 2, QT_EXT_PAIR = 3 } qt_extent;

/* One row per observable of a result, named as the keys of the JSON of
 * `qthermo point` and the datasets of a sweep file. */
typedef struct {
    const char *name;
    unsigned models; /* bit (1 << qt_model) for each model that has it */
    qt_extent extent;
    int integer;   /* an integer (phase, peak_site, ...) stored as a double here */
    int needs_gap; /* computed only with qt_options.want_gap */
    const char *unit;
    const char *long_name;
} qt_observable_info;

int qt_observable_count(void);
const qt_observable_info *qt_observable_at(int i);
/* Index of the observable `name` of `model`, or -1. */
int qt_observable_find(const char *name, qt_model model);
/* Values per point of observable i for the parameters p. */
int qt_observable_extent(int i, const qt_params *p);
/* Copy observable `name` of r into out (at most cap values; integers as
 * doubles). Returns the number of values it has, or -1 for an unknown name. */
int qt_result_get(const qt_result *r, const char *name, double *out, int cap);
/* The algorithm that produced r (QT_PATH_*, for qt_path_name). */
int qt_result_path(const qt_result *r);

/* The axes T_mean / T_diff: the model's two temperatures (T_L, T_R or T_1,
 * T_2) = T_mean +- T_diff / 2. QT_EINVAL when one would be negative. */
int qt_params_set_mean_diff(qt_params *p, double T_mean, double T_diff);

/* Solve n points in one workspace. Every point starts from *p and *o; then
 * parameter params[c] takes the value columns[c][i] (enums: the index of the
 * choice; T_mean and T_diff together as qt_params_set_mean_diff). Observable obs[k] of point i goes
 * to out[k] + i * caps[k] (cap[k] values, NaN-padded; NaN for a failed point) and its status to
 * status[i]. Returns QT_OK, or QT_EINVAL for a bad argument (nothing solved);
 * the points' own failures are only in status[]. */
int qt_solve_grid(const qt_params *p, const qt_options *o, const qt_param_info *const *params,
                  const double *const *columns, int n_columns, const int *obs, const int *caps,
                  double *const *out, int n_obs, long n, qt_workspace *w, qt_result *r,
                  int *status);

/* ---- Phase boundaries along one axis (docs/physics.md section 7) ----
 *
 * A boundary point is where a scalar f(x) (an observable minus a level)
 * changes sign along an axis interval. Sign convention: f < 0 is one side,
 * f >= 0 the other (so a line with f = 0 everywhere has no boundary). A line
 * is traced in three steps that a parallel driver can distribute: the scan
 * points (qt_line_scan_points), the sign changes between them
 * (qt_line_brackets), and the refinement of each bracket (qt_line_refine,
 * one independent task per bracket). qt_trace_line does all three serially. */

/* f(x): QT_OK and *value, or the status of a failed evaluation. */
typedef int (*qt_scalar_fn)(double x, void *ctx, double *value);

/* Result of the bracketing root finder. */
typedef struct {
    double lo, hi;     /* final bracket (lo = hi when f hit 0 exactly) */
    double f_lo, f_hi; /* f there: opposite sides */
    double root;       /* the end with the smaller |f| */
    double failed_x;   /* where an evaluation failed, else NaN */
    int evaluations;   /* calls of f */
    int status;        /* QT_OK, QT_EINVAL (no sign change in the input), or f's status */
} qt_root;

/* Brent's method (inverse quadratic / secant steps, bisection fallback) on
 * [a, b] with f(a) = fa and f(b) = fb on opposite sides. Every evaluation
 * lies strictly inside the current bracket; stops when the bracket is at
 * most max(xtol, 4 eps |x|) wide. A bisection is forced whenever three
 * evaluations have not halved the bracket, so at most about
 * 4 log2(|b - a| / xtol) evaluations are made. A failed evaluation stops it
 * with that status and the bracket known so far. */
int qt_root_bracketed(qt_scalar_fn f, void *ctx, double a, double fa, double b, double fb,
                      double xtol, qt_root *out);

/* Exact level crossings of the uniform chain, h + 2 g cos(j pi/(N+1)) = 0,
 * in the closed interval [lo, hi], ascending: values of g at fixed h
 * (g_j = -h / (2 cos(j pi/(N+1)))), or values of h at fixed g
 * (h_j = -2 g cos(j pi/(N+1)), h > 0 only). Writes at most cap values and
 * returns how many there are (call with cap = 0 to count). */
int qt_chain_crossings_g(int N, double h, double lo, double hi, double *g, int cap);
int qt_chain_crossings_h(int N, double g, double lo, double hi, double *h, int cap);

/* One line: the interval, the scan, and the points where f is not smooth. */
typedef struct {
    double lo, hi;           /* axis interval, lo < hi */
    int scan;                /* uniform points including both ends (>= 2) */
    const double *crossings; /* ascending points where f has a kink (or NULL) */
    int n_crossings;
    int crossings_singular; /* QT_CROSSINGS_*: how the crossings are treated */
    double offset;          /* crossings are flanked at c -/+ offset (0: QT_LINE_OFFSET,
                               reduced to a quarter of the gap to a neighbour) */
    double xtol;            /* bracket width of a refined root */
} qt_line;
#define QT_LINE_OFFSET 1e-7

/* Crossings where f cannot be evaluated (flat J) are never evaluated: a
 * sign change across one is a crossing point, located exactly. FLANKED:
 * both flanks of every crossing are scan points, so a sign change at any
 * crossing is found; ON_DEMAND: only the uniform points are scanned, and a
 * bracket with crossings inside is narrowed by bisection over them (2 solves
 * a step), so pairs of sign changes inside one scan cell are not seen.
 * SMOOTH: f can be evaluated there; crossings are ignored. */
enum { QT_CROSSINGS_SMOOTH = 0, QT_CROSSINGS_FLANKED = 1, QT_CROSSINGS_ON_DEMAND = 2 };

/* Kinds of boundary points (stored as int8 in result files). */
enum {
    QT_BOUNDARY_NONE = 0,
    QT_BOUNDARY_ROOT = 1,     /* smooth root; before refinement: a bracket */
    QT_BOUNDARY_CROSSING = 2, /* sign change at a level crossing, x exact */
    QT_BOUNDARY_FAILED = 3    /* sign change not located: x is where a solve failed */
};

typedef struct {
    int kind;          /* QT_BOUNDARY_* */
    double x;          /* the boundary point; NaN for a bracket not yet refined */
    double lo, hi;     /* bracket (lo = hi = x for a crossing) */
    double f_lo, f_hi; /* f at lo and hi */
    int status;        /* QT_OK, or the status of the failed solve (kind FAILED) */
    int evaluations;   /* calls of f by the refinement */
} qt_boundary_point;

/* Most scan points of a line: scan + 2 n_crossings. */
int qt_line_scan_capacity(const qt_line *l);
/* The scan points, ascending, into x[qt_line_scan_capacity]: the uniform
 * points (without those within the offset of a crossing) and both flanks of
 * every crossing inside [lo, hi]; crossing[i] is the crossing that x[i]
 * flanks (NaN for uniform points). Returns the count, or -1 (invalid line). */
int qt_line_scan_points(const qt_line *l, double *x, double *crossing);

/* Sign changes between consecutive scan points with status QT_OK and
 * finite f: ROOT brackets (to refine), CROSSING points (the two flanks of a
 * singular crossing), FAILED points (a failed scan point lies between).
 * Writes at most cap points, ascending; returns how many there are. */
int qt_line_brackets(const qt_line *l, const double *x, const double *crossing, const double *f,
                     const int *status, int n, qt_boundary_point *out, int cap);

/* Refine one ROOT bracket of line l in place to width <= l->xtol: x = the
 * root, or kind CROSSING when the bracket holds singular crossings and the
 * sign changes at one (ON_DEMAND); on a failed evaluation kind = FAILED,
 * x = where it failed, status = its status. Returns the status. Other kinds
 * are left as they are. */
int qt_line_refine(const qt_line *l, qt_scalar_fn f, void *ctx, qt_boundary_point *b);

/* Serial tracing of a line with caller-owned scratch of
 * qt_line_scan_capacity(l) entries in each of x, crossing, f and status.
 * Boundary points into out[cap]; *n_points = how many there are (may exceed
 * cap: only cap written); *solves = calls of f. Returns QT_OK, or QT_EINVAL
 * (invalid line). Failed solves are reported as FAILED points. */
int qt_trace_line(const qt_line *l, qt_scalar_fn f, void *ctx, double *x, double *crossing,
                  double *fx, int *status, qt_boundary_point *out, int cap, int *n_points,
                  long *solves);

#ifdef __cplusplus
}
#endif
#endif
