/* Local and Bloch-Redfield master equations (docs/physics.md section 6):
 * the sector solvers of the N-site chain, the dense d^2 x d^2 references and
 * the secular_ratio diagnostic. Internal to the numerics library. */
#ifndef QT_ME_H
#define QT_ME_H

#include <complex.h>
#include <stddef.h>

#include "internal.h"

/* ---- site-basis operators (dense references) ---------------------------- */

/* A model in its original (site / level) basis: d states, K baths. Matrices
 * are d x d row-major and real. X_k couples bath k (global, redfield); the
 * local equation uses the lowering operator L_k (rate S_k(+w_k)) and L_k^T
 * (rate S_k(-w_k)) with the bare frequency w_k. */
typedef struct {
    int d, K;
    double *H;            /* [d*d] H_S */
    double *X;            /* [K*d*d] couplings */
    double *L;            /* [K*d*d] local lowering operators */
    double *w;            /* [K] bare frequencies of L_k */
    qt_bath_params *bath; /* [K] */
} qt_operators;

/* columns of the Schur route's coupling zgemms per chunk (me_chain.c) */
#define QT_ME_SCHUR_LB 64
/* Eigenvectors of the excited block's generator whose condition number
 * exceeds this lose more than ~1e-12 in the elimination (measured: error
 * ~ 1e-16 cond^2; cond 300 - 1000 gave 1e-11 - 8e-11 against the dense
 * reference, where the Schur route gave 1e-13 - 7e-12); the Schur route
 * (unitary, backward stable) is taken instead. */
#define QT_ME_EIGEN_COND_MAX 1e2
/* Refinement route (me_refine.c): chains from this N on the Schur route;
 * sites on each side of a source in its window; sources per window; Krylov
 * vectors per GMRES cycle. */
#define QT_ME_REFINE_MIN_N 200
#define QT_ME_WIN_HALF     12
#define QT_ME_WIN_BLOCK    16
#define QT_ME_WIN_MAX      (QT_ME_WIN_BLOCK + 2 * QT_ME_WIN_HALF)
#define QT_ME_GMRES_M      40

/* ---- workspace ----------------------------------------------------------- */

/* Scratch of the chain sector solvers (N <= max_N) and of the dense
 * references (d <= dense_max_d). Allocated once; the solvers never allocate. */
typedef struct qt_me_workspace {
    int max_N, dense_max_d;
    size_t bytes;
    double tol; /* |w| <= tol is a w = 0 jump (default QT_DEFAULT_TOL) */

    /* chain sector, sized N (column-major N x N) */
    double *Hx;                 /* excited-block Hamiltonian in the sector basis */
    double *C, *U, *V;          /* rows k: c_k, u_k, v_k */
    double *alpha;              /* [N] */
    double complex *A, *W, *Wi; /* A = iH + B, its eigenvectors and their inverse */
    double complex *dA;         /* [N] eigenvalues of A */
    double complex *T;      /* [N*N] Schur form of A, when its eigenvectors are ill-conditioned */
    int schur, force_schur; /* Schur path taken / forced (tests) */
    double eigen_cond_max;  /* QT_ME_EIGEN_COND_MAX (tests raise it) */
    double complex *XT, *YT, *PT, *QT; /* transformed c, v (over j) and u, c (over k) */
    double complex *Z1, *Z2;           /* scratch */
    double complex *Xb; /* [N*N*schur_batch] Sylvester solutions of a batch of sources */
    double complex *Xd; /* [N*schur_batch*QT_ME_SCHUR_LB] their coupling terms */
    int schur_batch;    /* sources per batch (tests may lower it) */
    int schur_chunk;    /* QT_ME_SCHUR_LB (tests may lower it) */
    double *PQs;        /* [4*N*N] Re p, Im p, Re q, Im q (feature packing) */
    double *Kmat;       /* [N*N] eliminated ground generator */
    double *F, *G;      /* [N*me_block] packed features */
    int feat_block;
    double *P;                     /* [N] ground populations */
    double complex *R;             /* [N*N] excited block (sector basis), column-major */
    double *Rre, *Sre, *site_diag; /* [N*N], [N*N], [N] */
    double *gwork;                 /* GTH scratch */
    double complex *zwork;
    double *rwork;
    int *ipiv, *iwork;
    int lzwork;
    int sector_basis; /* 0: site basis (local), 1: excited eigenbasis (redfield) */

    /* refinement route (me_refine.c), sized N */
    double complex *As; /* [N*N] A in the site basis */
    double *Us, *Vs;    /* [N*N] rows k: u_k, v_k in the site basis */
    double *Mt;         /* [N*N] equilibrated LU of the windowed system */
    double *eq;         /* [2N] its column and row scales */
    int *ipiv_t;        /* [N] */
    double *Vg, *Hg;    /* Krylov basis [N*(M+1)], Hessenberg [(M+1)*M] plus rotations */
    double complex *wz; /* [5*WIN_MAX^2] window scratch */
    int refined;        /* this solve took the refinement route */
    int refine_iters;   /* its exact products */
    int refine_mode;    /* 0: by size, 1: forced (tests), -1: never */
    int win_half;       /* QT_ME_WIN_HALF (tests may lower it) */

    /* dense references, sized d <= dense_max_d */
    qt_operators ops;
    double *E, *Vd; /* eigenvalues, eigenvectors (column-major) of H_S */
    double *Xe;     /* [K*d*d] couplings in the eigenbasis */
    double *dwork;  /* dsyev / transforms */
    int ldwork;
    double complex *Lsup;    /* [D*D], D = d^2, column-major */
    double complex *rho, *y; /* [D] */
    double complex *Kacc;    /* [d*d] */
    double complex *dwork_c; /* [2D] */
    double *drwork;          /* [2D] */
    int *dipiv;              /* [D] */
    double *rho_re, *rho_im; /* [d*d] steady state in the original basis, row-major */
    double complex *zheev_a, *zheev_work;
    double *zheev_w, *zheev_rwork;
    int zheev_lwork;
    int *pair;   /* [d*d] nonzero entries (a d + b) of one coupling, by frequency */
    double *pw;  /* [d*d] their Bohr frequencies */
    void *block; /* the one allocation */
} qt_me_workspace;

qt_me_workspace *qt_me_workspace_alloc(int max_N, int dense_max_d);
void qt_me_workspace_free(qt_me_workspace **mw);
size_t qt_me_workspace_estimate(int max_N, int dense_max_d);

/* ---- chain sector solvers (me_chain.c) ---------------------------------- */

/* Steady state of the local / redfield equation for the chain. Fills
 * r->population (site p_k), heat_current, energy, residual (entrywise
 * 1-norm of the sector generator applied to rho, in the sector basis),
 * trace_error, min_eigenvalue, path. P and R stay in mw (qt_chain_rho). */
int qt_chain_local_solve(const qt_chain *c, qt_me_workspace *mw, qt_result *r);
int qt_chain_redfield_solve(const qt_chain *c, qt_me_workspace *mw, qt_result *r);
/* The general elimination for either equation (local_solve uses its closed
 * form R = r 1 unless a site cannot decay). */
int qt_chain_sector_solve(const qt_chain *c, qt_me_workspace *mw, qt_result *r,
                          qt_master_equation me);
/* The excited block's source of the ground populations P in the basis of
 * W (eigen or Schur): S = Y^T diag(P) X^* + its conjugate transpose, into
 * S (scratch: N x N). */
void qt_me_source(int N, const qt_me_workspace *mw, const double *P, double complex *S,
                  double complex *scratch);
/* Solve T X + X T^dag = S in place for one Hermitian S on the Schur route
 * (whole S in, whole Hermitian X out). */
void qt_me_lyapunov(int N, qt_me_workspace *mw, double complex *S);
/* (K - diag(alpha), row 0 replaced by ones) equilibrated as Dr M Dc into M,
 * LU-factored (ipiv); cs, rs: the diagonals of Dc, Dr. QT_ENOTUNIQUE when
 * singular to working precision. work: 4N doubles, iwork: N ints. */
int qt_me_equilibrated_lu(int N, const double *K, const double *alpha, double *M, double *cs,
                          double *rs, int *ipiv, double *work, int *iwork);
/* Ground populations P (sum 1) on the Schur route without forming the
 * eliminated generator: windowed preconditioner, GMRES with exact products
 * (me_refine.c). QT_OK, or nonzero when it did not converge (the caller
 * then eliminates). */
int qt_me_refine_populations(int N, qt_me_workspace *mw);
/* The 2N x 2N density matrix of the last chain solve in the site basis
 * (g_1..g_N, e_1..e_N), row-major real and imaginary parts. */
int qt_chain_rho(const qt_chain *c, const qt_me_workspace *mw, double *re, double *im);

/* ---- dense references (me_dense.c) --------------------------------------- */

/* Operators of the chain (d = 2N) and of lambda / vee (d = 3) into mw->ops. */
int qt_operators_chain(const qt_chain *c, qt_me_workspace *mw);
int qt_operators_threelevel(qt_model model, const double E[3], double T1, double T2,
                            const qt_bath_params *proto, qt_me_workspace *mw);
/* Steady state of master equation `me` for mw->ops by the full d^2 x d^2
 * generator and complex LU: rho in mw->rho_re / rho_im (original basis,
 * row-major), heat[K], residual (entrywise 1-norm of L rho in the basis the
 * generator is built in: eigenbasis for global / redfield, original for
 * local), min eigenvalue. */
int qt_dense_me_solve(qt_me_workspace *mw, qt_master_equation me, double *heat, double *residual,
                      double *min_eigenvalue);

/* qt_dense_me_solve into a result: populations (chain: site p_k; else the
 * d levels), heat currents, energy, residual, trace error, min eigenvalue,
 * path QT_PATH_DENSE. */
int qt_dense_me_point(qt_me_workspace *mw, qt_master_equation me, int chain, qt_result *r);

/* ---- validity of the secular approximation (me_secular.c) ---------------- */

/* largest total decay rate of an eigenstate / smallest |w - w'| > tol of two
 * distinct Bohr frequencies with jumps of one bath. O(N^2). */
double qt_secular_ratio_chain(const qt_chain *c, double tol);
/* The same with the largest decay rate already known (the structured
 * secular path has every rate: no rate is computed again). */
double qt_secular_ratio_chain_decay(const qt_chain *c, double tol, double max_decay);
double qt_secular_ratio_eigensys(const qt_eigensys *es, double tol);

/* One timed solve for `qthermo bench`: seconds per point of a uniform chain. */
double qt_me_bench_point(qt_master_equation me, int N, double g, double TL, double TR, double gamma,
                         int repeat);

#endif
