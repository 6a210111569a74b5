/* Internal interfaces of the numerics library (not installed). */
#ifndef QT_INTERNAL_H
#define QT_INTERNAL_H

#include <assert.h>
#include <complex.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>

#include "qthermo/qthermo.h"

/* ---- sizes and indices --------------------------------------------------
 * Dimensions (N, d, K) are ints because BLAS and LAPACK take ints; they are
 * never negative. Offsets, loop indices over them and byte counts are
 * size_t: qt_size converts a dimension once, qt_blas_dim narrows a size_t
 * dimension for a BLAS / LAPACK argument and refuses one beyond INT_MAX
 * (lapack_int and blasint are int in the builds this library supports; a
 * 64-bit-integer BLAS would not compile against int *out). */
static inline size_t qt_size(int n)
{
    assert(n >= 0);
    return (size_t)n;
}

/* Entries of an n x n matrix. */
static inline size_t qt_square(int n)
{
    return qt_size(n) * qt_size(n);
}

/* Offset of element i + j ld: (row i, column j) of a column-major matrix,
 * or (row j, column i) of a row-major one, with leading dimension ld. */
static inline size_t qt_offset(int i, int j, int ld)
{
    return qt_size(i) + qt_size(j) * qt_size(ld);
}

static inline int qt_blas_dim(size_t n, int *out)
{
    if (n > (size_t)INT_MAX) return QT_ETOOLARGE;
    *out = (int)n;
    return QT_OK;
}

/* ---- baths (bath.c) ---------------------------------------------------- */

typedef struct {
    double T;
    double gamma;
    qt_spectral spectral;
    qt_bath bath;
} qt_bath_params;

/* Bose occupation 1/(exp(w/T) - 1), 0 at T = 0: inline for the chain's N^2
 * rates; qt_occupation is the same function for the API. expm1 keeps
 * relative accuracy for w << T; for w >> T it overflows to inf and n -> 0,
 * the correct limit. */
static inline double qt_occupation_inline(double w, double T)
{
    return T <= 0.0 ? 0.0 : 1.0 / expm1(w / T);
}

/* Rate gamma_k(w) of a jump that releases energy w into the bath (w > 0:
 * emission, w < 0: absorption), Eq. 5. w == 0 is handled by the caller. */
double qt_rate(const qt_bath_params *b, double w);
/* gamma_k(0): eta T for ohmic; +inf for flat (the caller reports it). */
double qt_rate_zero(const qt_bath_params *b);

/* rows of the parameter table one model can have */
#define QT_MAX_PARAM_ROWS 64

/* A parameter-table row's constraint, compiled once per workspace. */
typedef struct {
    const void *row; /* the table row */
    int in_params;   /* else in qt_options */
    size_t offset;
    int storage;
    double lo, hi; /* lo <= v <= hi (lo < v when lo_open) */
    int lo_open, integer;
} qt_row_check;

/* ---- the chain as the master-equation solvers see it -------------------- */

/* Everything a solver of the N-site chain needs, whatever the master
 * equation: site-resolved energies and hoppings, site temperatures, and the
 * excited block's eigen-decomposition (ascending eigenvalues). */
typedef struct {
    int N;
    const double *h;   /* [N] site energies */
    const double *g;   /* [N-1] hoppings between sites k and k+1 */
    const double *T;   /* [N] site temperatures */
    const double *eps; /* [N] excited eigenvalues, ascending */
    const double *psi; /* [N*N] column-major, psi[k + a*N] = <e_k|phi_a> */
    double gamma;
    qt_spectral spectral;
    qt_bath bath;
} qt_chain;

/* ---- eigenbasis representation (spectrum.c) ---------------------------- */

/* A model in the eigenbasis of H_S: d states, K baths. */
typedef struct {
    int d, K;
    double *E;            /* [d] eigenvalues */
    double *V;            /* [d*d] column-major, V[i + a*d] = <i|a> (i: original basis) */
    double *X;            /* [K*d*d] X[(k*d + a)*d + b] = <a|X_k|b> in the eigenbasis */
    qt_bath_params *bath; /* [K] */
    /* clusters of (nearly) degenerate eigenvalues */
    int n_clusters;
    int *cluster;      /* [d] cluster of eigenstate a */
    int *cl_start;     /* [n_clusters+1] */
    int *cl_member;    /* [d] eigenstates ordered by cluster */
    double *cl_energy; /* [n_clusters] mean energy */
} qt_eigensys;

/* Group eigenvalues into clusters: sorted, consecutive gaps <= tol. */
void qt_cluster(qt_eigensys *es, double tol, int *scratch_order);

/* ---- closed communicating classes (classes.c) --------------------------- */

/* Edge oracle: nonzero when the rate u -> v is positive. */
typedef int (*qt_edge_fn)(const void *ctx, int u, int v);

/* Strongly connected components of a graph with n nodes; returns the number
 * of closed classes (components with no edge leaving them) and marks the
 * members of the first closed class in in_class (1/0). iwork: 6n ints. */
int qt_closed_classes(int n, qt_edge_fn edge, const void *ctx, int *in_class, int *iwork);

/* ---- GTH stationary distribution (gth.c) ------------------------------- */

/* Stationary distribution of an irreducible continuous-time chain with
 * off-diagonal rates Q[i*ld + j] (i -> j; the diagonal is ignored), by the
 * Grassmann-Taksar-Heyman elimination (no subtractions, so every entry keeps
 * full relative accuracy). Q is overwritten. pi is normalised to sum 1.
 * work: n * QT_GTH_BLOCK doubles. Returns 0, or -1 on a zero pivot (the
 * chain was not irreducible). */
#define QT_GTH_BLOCK 48

/* A complex sector or Liouvillian system whose reciprocal condition number
 * (1-norm, zgecon) is below this has more than one stationary state: the
 * rank deficiency of a non-unique steady state gives rcond at rounding level
 * (~1e-16), a unique one with rates spanning many decades stays above. */
#define QT_RCOND_SINGULAR 1e-13

/* |<a|X_k|b>| below this counts as zero when deciding structure */
#define QT_X_ZERO 1e-12
int qt_gth(int n, double *Q, int ld, double *pi, double *work);
/* The same with a team of threads (qt_team_size): bit-identical results. */
int qt_gth_team(int n, double *Q, int ld, double *pi, double *work, int team);

/* ---- threads for one point (team.c) ------------------------------------ */

#ifdef _OPENMP
#include <omp.h>
#endif
/* Smaller points stay serial: a team costs more than it saves there. */
#define QT_TEAM_MIN_N 256
/* Row blocks of a threaded product start at multiples of this. */
#define QT_TEAM_ALIGN 64
/* Blocks of rows of a large product (N >= QT_TEAM_MIN_N), taken by the team
 * one at a time */
#define QT_PRODUCT_BLOCKS 8

/* Threads to use for a point of N sites: o->threads, or 1 below
 * QT_TEAM_MIN_N or without OpenMP. */
int qt_team_size(const qt_options *o, int N);
/* Share [0, n) out: member id of a team of `team` gets [*begin, *end), block
 * starts at multiples of align. */
void qt_team_range(int n, int align, int team, int id, int *begin, int *end);
/* fn(ctx, begin, end) on [0, n) shared out among the team (fn(ctx, 0, n)
 * when team <= 1). fn must only touch what its range owns. */
void qt_team_run(int team, int n, void (*fn)(void *ctx, int begin, int end), void *ctx);
/* C = beta C + A op(B) (row-major; op(B) = B^T when transB). For m >=
 * QT_TEAM_MIN_N in QT_PRODUCT_BLOCKS fixed row blocks (aligned to
 * QT_TEAM_ALIGN), each a single-threaded BLAS call, whatever the team. */
void qt_team_product(int team, int m, int n, int k, const double *A, int lda, int transB,
                     const double *B, int ldb, double beta, double *C, int ldc);

/* ---- workspace (workspace.c) ------------------------------------------- */

/* Integer scratch of the rate-graph searches, one array per use, each sized
 * for n states (2N for the chain, d on the general path). */
typedef struct {
    int *in_class; /* [n] members of the closed class */
    int *tarjan;   /* [6n] qt_closed_classes */
    int *queue;    /* [n] breadth-first search */
    int *seen;     /* [n] */
    int *index;    /* [n] states of the closed class (chain: ground then excited) */
    int *order;    /* [n] eigenvalues sorted (qt_cluster) */
} qt_graph_scratch;

struct qt_me_workspace;

struct qt_workspace {
    qt_model model;
    struct qt_me_workspace *me;                 /* local / redfield (QT_WS_ME), or NULL */
    qt_chain chain;                             /* the chain of the last solve (chain models) */
    qt_master_equation last_me;                 /* master equation of the last solve */
    qt_row_check param_rows[QT_MAX_PARAM_ROWS]; /* the table rows of model */
    int n_param_rows;
    int max_N; /* nsite: largest N; three-level: 1 */
    int max_d; /* largest state dimension */
    unsigned flags;
    size_t bytes;
    /* last solve */
    int last_ok;
    int last_d;
    int last_path;

    /* nsite structured path, sized N */
    double *tri_d, *tri_e;  /* tridiagonal diagonal / off-diagonal */
    const double *psi;      /* [N*N] column-major excited eigenvectors (chain_vec) */
    int chain_N;            /* N of the cached eigen-decomposition of tridiag(1, 0, 1) */
    int chain_descending;   /* its columns in descending order of eigenvalue (g < 0) */
    double *chain_val;      /* [N] its eigenvalues, ascending (descending if chain_descending) */
    double *chain_vec;      /* [N*N] its eigenvectors, column-major; the site basis at g = 0,
                               a non-uniform chain's own (chain_N = 0 then) */
    double *E_exc;          /* [N] */
    double *up, *down;      /* [N*N] up[k*N + a]: g_k -> a; down[k*N + a]: a -> g_k */
    double *out;            /* [N] total rate out of excited eigenstate a */
    double *Us;             /* [N*N] up scaled by 1/out; shares dwork (LAPACK runs before) */
    double *M;              /* [N*N] effective ground-ground rates */
    double *P;              /* [2N] eigenstate populations (ground, then excited) */
    double *gth_work;       /* [N * (QT_GTH_BLOCK + 1)] */
    double *T;              /* [N] site temperatures */
    double *h_site;         /* [N] site energies of the point */
    double *g_site;         /* [N] hoppings of the point (N - 1 used) */
    qt_graph_scratch graph; /* closed classes and index lists, n = max(2N, d) */
    int *lapack_iwork;      /* [liwork] dstevd / dstemr integer work */
    int *isuppz;            /* [2N] dstemr support of the eigenvectors */
    double *dwork;          /* LAPACK real work, >= N*N */
    int lwork, liwork;

    /* general eigenbasis path, sized d <= QT_COUPLED_MAX_D (or 3) */
    int gen_max_d;
    qt_eigensys es;
    qt_bath_params *bath;         /* [max baths] */
    double *W;                    /* [d*d] rates b -> a at W[b*d + a] */
    double *rho_re, *rho_im;      /* [d*d] steady state in the eigenbasis, row-major */
    double *site_re, *site_im;    /* [d*d] steady state in the original basis */
    double *gen_tmp;              /* [d*d] */
    double complex *sector;       /* [S*S] sector generator, column-major */
    double complex *sector_rho;   /* [S] */
    double complex *sector_y;     /* [S] */
    double complex *sector_work;  /* [2S] zgecon */
    double *sector_rwork;         /* [2S] */
    int *sector_row, *sector_col; /* [S] (a, b) of each unknown */
    int *sector_index;            /* [d*d] unknown of element (a, b) or -1 */
    int *ipiv;                    /* [max(S, dense D)] */
    double *K_acc;                /* [d*d] sum_w gamma A^dag A of the baths being applied */
    int sector_max;

    /* relaxation rates (QT_WS_GAP), sized gap_max_d */
    int gap_max_d;
    double *gap_G, *gap_wr, *gap_wi, *gap_work;
    int gap_lwork;

    /* dense Liouvillian (QT_WS_DENSE), sized D = d^2 <= QT_DENSE_MAX_D^2 */
    int dense_max_d;
    double complex *dense_L;    /* [D*D] column-major, D = d^2 */
    double complex *dense_rho;  /* [D] */
    double complex *dense_y;    /* [D] */
    int *dense_pair;            /* [d*d] pairs (a, b) = a*d + b sorted by Bohr frequency */
    int *dense_entry;           /* [d*d] pairs of one group with X_k nonzero */
    double complex *dense_work; /* [2D] zgecon */
    double *dense_rwork;        /* [2D] */
    double *dense_w;            /* [d*d] Bohr frequency of each pair */
    double complex *zheev_a, *zheev_work; /* Hermitian eigenvalues of rho */
    double *zheev_w, *zheev_rwork;
    int zheev_lwork;
};

/* ---- solvers ------------------------------------------------------------ */

/* nsite: the structured secular path (nsite.c). Returns a status, or
 * QT_PATH_COUPLED via *need_general when the spectrum needs the general path. */
int qt_nsite_secular(const qt_params *p, const qt_options *o, qt_workspace *w, qt_result *r,
                     int *need_general);
/* nsite eigen-decomposition of the excited block into w->psi, w->E_exc. */
int qt_nsite_spectrum(const qt_params *p, qt_workspace *w);
/* Fill w->T with the linear temperature profile. */
void qt_nsite_temperatures(const qt_params *p, double *T);

/* The eigensystem (E, V, X', baths) of each model, after its prepare step. */
int qt_build_nsite_eigensys(const qt_params *p, qt_workspace *w);
int qt_build_threelevel_eigensys(const qt_params *p, qt_workspace *w);
/* Build the general eigensystem (E, V, X', clusters) for any model:
 * prepare, build, cluster. */
int qt_build_eigensys(const qt_params *p, const qt_options *o, qt_workspace *w);
/* Zero-frequency sector solve on the eigensystem: Pauli if populations
 * decouple, else the coupled complex system. Leaves rho in w->rho_re/im. */
int qt_sector_solve(const qt_options *o, qt_workspace *w, int *path);
/* Residual and heat currents of w->rho_* from the sector generator. */
int qt_sector_checks(qt_workspace *w, double *residual, double *heat);
int qt_pauli_classes(qt_workspace *w, int *in_class);
void qt_pauli_generator(const qt_workspace *w, double *G);
int qt_structural_uniqueness(qt_workspace *w);
/* Full Liouvillian solve on the eigensystem (dense.c): rho in w->rho_*,
 * residual and heat currents from the full generator. */
int qt_dense_solve(const qt_options *o, qt_workspace *w, double *residual, double *heat);

/* Observables from the eigenbasis density matrix w->rho_* (observables.c). */
void qt_general_observables(const qt_params *p, qt_workspace *w, qt_result *r);
/* nsite observables from site populations (x_cm, phi, phase, peak, soret). */
void qt_site_observables(const qt_params *p, const qt_options *o, const double *T, qt_result *r);
/* Smallest nonzero -Re(lambda) of an n x n real generator (row-major,
 * columns sum to zero); sets up to 2 smallest in rates[]. */
int qt_generator_gaps(qt_workspace *w, int n, double *G, double *rates, int nrates);

/* Three-level closed forms (threelevel.c). */
void qt_threelevel_closed_forms(const qt_params *p, qt_result *r);
int qt_threelevel_build(const qt_params *p, qt_workspace *w);

void qt_result_clear(qt_result *r);
/* Observable i (a row of results.c) of r: how many values, at most cap copied. */
int qt_result_get_at(const qt_result *r, int i, double *out, int cap);

/* ---- model and master-equation types (models.c) --------------------------
 * A model type knows its dimension and baths, how to prepare a point (its
 * spectrum and bath temperatures in the workspace), how to build the general
 * eigenbasis representation, its optional structured fast path, and its
 * observables and closed forms. A master-equation type knows how to solve a
 * point of any model. qt_solve dispatches through both tables. */
typedef struct qt_model_type {
    const char *name;
    qt_model id;
    const char *population_dim; /* "site" or "level" */
    int (*dimension)(const qt_params *p);
    int (*n_baths)(const qt_params *p);
    int (*n_populations)(const qt_params *p);
    /* checks beyond the parameter table's per-value constraints */
    int (*check)(const qt_params *p, char *msg, size_t len);
    /* spectrum and bath temperatures into the workspace */
    int (*prepare)(const qt_params *p, qt_workspace *w);
    /* E, V, X, baths and clusters of the general path (after prepare) */
    int (*build_eigensys)(const qt_params *p, qt_workspace *w);
    /* structured secular path, or NULL; sets *need_general when it cannot */
    int (*fast_global)(const qt_params *p, const qt_options *o, qt_workspace *w, qt_result *r,
                       int *need_general);
    /* the chain description for the other master equations, or NULL */
    void (*chain)(const qt_params *p, qt_workspace *w, qt_chain *c);
    /* the site- or level-basis operators for the dense references of the
     * other master equations (after prepare) */
    int (*operators)(const qt_params *p, qt_workspace *w, struct qt_me_workspace *mw);
    /* secular_ratio of the point (docs/physics.md section 6), after prepare */
    double (*secular_ratio)(const qt_params *p, const qt_options *o, qt_workspace *w);
    void (*observables)(const qt_params *p, const qt_options *o, qt_workspace *w, qt_result *r);
} qt_model_type;

typedef struct qt_me_type {
    const char *name;
    qt_master_equation id;
    int (*solve)(const qt_model_type *m, const qt_params *p, const qt_options *o, qt_workspace *w,
                 qt_result *r);
} qt_me_type;

extern const qt_model_type qt_nsite_type, qt_lambda_type, qt_vee_type;
extern const qt_me_type qt_global_me, qt_local_me, qt_redfield_me;
extern const char *const qt_model_names[];
extern const char *const qt_me_names[];
/* NULL for an id outside the tables */
const qt_model_type *qt_model_type_of(qt_model m);
const qt_me_type *qt_me_type_of(qt_master_equation me);

/* The rows a point of model m must satisfy (qt_param_rows_for, once per
 * workspace), and the check qt_solve makes on every point: 1 when each of
 * them is within its constraint. */
int qt_param_rows_for(qt_model m, qt_row_check *rows, int cap);
int qt_param_rows_ok(const qt_row_check *rows, int n, const qt_params *p, const qt_options *o);
/* Defaults of the parameter table's rows (paramtab.c). */
void qt_param_defaults(qt_params *p, qt_options *o);

/* The general eigenbasis path shared by the master equations (solve.c). */
int qt_solve_general(const qt_model_type *m, const qt_params *p, const qt_options *o,
                     qt_workspace *w, qt_result *r);

#endif
