/* The N-site chain on its structured secular path (docs/physics.md section 3).
 *
 * H_S = 0 on the ground block and an N x N tridiagonal matrix on the excited
 * block. Bath k only connects g_k with excited eigenstates a, with rates
 * up[k][a] (g_k -> a) and down[k][a] (a -> g_k), both |psi_a(k)|^2 gamma_k.
 * No two excited (or two ground) states are connected, so the excited states
 * are eliminated at once: M[j][k] = sum_a up[j][a] down[k][a] / out[a] is
 * the censored chain on the ground states, solved by GTH. Memory O(N^2). */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "me.h"

void qt_nsite_temperatures(const qt_params *p, double *T)
{
    int N = p->N;
    if (p->T_sites) {
        memcpy(T, p->T_sites, sizeof(double) * qt_size(N));
    } else if (p->T_profile == QT_PROFILE_EXPONENTIAL) {
        double ratio = p->T_R / p->T_L; /* geometric: T_k = T_L (T_R/T_L)^((k-1)/(N-1)) */
        for (int k = 0; k < N; k++) T[k] = p->T_L * pow(ratio, (double)k / (N - 1));
        T[N - 1] = p->T_R;
    } else {
        for (int k = 0; k < N; k++) T[k] = p->T_L + (p->T_R - p->T_L) * k / (N - 1);
    }
}

static int uniform_chain(const qt_params *p)
{
    return !p->h_sites && !p->g_sites && p->disorder_W == 0.0;
}

/* A uniform deviate in [-1/2, 1/2) from (seed, site) alone (splitmix64), so a
 * disorder realisation is the same on every rank and in every order. */
static double disorder_deviate(long long seed, int k)
{
    unsigned long long z = (unsigned long long)seed * 0x9E3779B97F4A7C15ull + (unsigned)k + 1u;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (double)(z >> 11) * 0x1.0p-53 - 0.5;
}

/* Site energies and hoppings of this point into w->h_site, w->g_site. */
static void site_energies(const qt_params *p, qt_workspace *w)
{
    int N = p->N;
    for (int k = 0; k < N; k++) {
        double h = p->h_sites ? p->h_sites[k] : p->h;
        w->h_site[k] =
            h + (p->disorder_W != 0.0 ? p->disorder_W * disorder_deviate(p->seed, k) : 0.0);
    }
    for (int k = 0; k + 1 < N; k++) w->g_site[k] = p->g_sites ? p->g_sites[k] : p->g;
}

/* The excited block is h 1 + g T with T = tridiag(1, 0, 1): its eigenvectors
 * do not depend on h or g. T is diagonalised once per N (divide and conquer,
 * LAPACK dstevd) and every point only scales the eigenvalues. */
static int ensure_chain_plan(qt_workspace *w, int N)
{
    if (w->chain_N == N) return QT_OK;
    w->chain_N = 0;
    for (int i = 0; i < N; i++) {
        w->chain_val[i] = 0.0;
        w->tri_e[i] = 1.0;
    }
    lapack_int info =
        LAPACKE_dstevd_work(LAPACK_COL_MAJOR, 'V', N, w->chain_val, w->tri_e, w->chain_vec, N,
                            w->dwork, w->lwork, w->lapack_iwork, w->liwork);
    if (info) return QT_ELAPACK;
    w->chain_N = N;
    w->chain_descending = 0;
    return QT_OK;
}

/* g < 0 needs the eigenvalues of T descending (energies h + g lam
 * ascending): the cached columns are reversed in place, a permutation, so
 * no second N x N array is needed. */
static void orient_chain_plan(qt_workspace *w, int N, int descending)
{
    if (w->chain_descending == descending) return;
    for (int a = 0, b = N - 1; a < b; a++, b--) {
        double t = w->chain_val[a];
        w->chain_val[a] = w->chain_val[b];
        w->chain_val[b] = t;
        double *x = w->chain_vec + qt_size(a) * qt_size(N),
               *y = w->chain_vec + qt_size(b) * qt_size(N);
        for (int k = 0; k < N; k++) t = x[k], x[k] = y[k], y[k] = t;
    }
    w->chain_descending = descending;
}

/* A non-uniform chain: one tridiagonal eigen-solve per point (MRRR, LAPACK
 * dstemr: O(N^2) for all eigenvectors), ascending eigenvalues. The vectors
 * take the uniform plan's place; the next uniform point diagonalises again. */
static int nonuniform_spectrum(int N, qt_workspace *w)
{
    w->chain_N = 0;
    memcpy(w->E_exc, w->h_site, sizeof(double) * qt_size(N));
    for (int k = 0; k + 1 < N; k++) w->tri_e[k] = w->g_site[k];
    w->tri_e[N - 1] = 0.0;
    lapack_int m = 0, tryrac = 1;
    lapack_int info = LAPACKE_dstemr_work(LAPACK_COL_MAJOR, 'V', 'A', N, w->E_exc, w->tri_e, 0.0,
                                          0.0, 0, 0, &m, w->tri_d, w->chain_vec, N, N, w->isuppz,
                                          &tryrac, w->dwork, w->lwork, w->lapack_iwork, w->liwork);
    if (info || m != N) return QT_ELAPACK;
    memcpy(w->E_exc, w->tri_d, sizeof(double) * qt_size(N));
    w->psi = w->chain_vec;
    return QT_OK;
}

int qt_nsite_spectrum(const qt_params *p, qt_workspace *w)
{
    if (!uniform_chain(p)) { /* the uniform chain's site energies: on demand (nsite_chain) */
        site_energies(p, w);
        return nonuniform_spectrum(p->N, w);
    }
    int N = p->N;
    w->psi = w->chain_vec;
    if (p->g == 0.0) {
        /* degenerate excited block: the site basis is an eigenbasis, and the
         * one in which each bath's jumps land on a single eigenstate. It
         * takes the plan's place; the next g != 0 diagonalises again. */
        w->chain_N = 0;
        memset(w->chain_vec, 0, qt_square(N) * sizeof(double));
        for (int a = 0; a < N; a++) w->E_exc[a] = p->h, w->chain_vec[qt_offset(a, a, N)] = 1.0;
        return QT_OK;
    }
    int st = ensure_chain_plan(w, N);
    if (st) return st;
    orient_chain_plan(w, N, p->g < 0.0);
    for (int a = 0; a < N; a++) w->E_exc[a] = p->h + p->g * w->chain_val[a];
    return QT_OK;
}

/* Does the spectrum allow the structured path? Excited levels degenerate with
 * the ground manifold give omega = 0 jumps; a degenerate excited cluster whose
 * eigenvectors overlap on one site feeds intra-cluster coherences. */
static int structured_path_ok(const qt_params *p, const qt_options *o, qt_workspace *w,
                              int *divergent)
{
    int N = p->N;
    *divergent = 0;
    for (int a = 0; a < N; a++)
        if (fabs(w->E_exc[a]) <= o->tol) {
            *divergent = p->spectral == QT_SPECTRAL_FLAT;
            return 0;
        }
    for (int a = 1; a < N; a++) {
        if (w->E_exc[a] - w->E_exc[a - 1] > o->tol) continue;
        /* a-1 and a in one cluster: their supports on the sites must be disjoint */
        for (int start = a - 1; start >= 0 && w->E_exc[a] - w->E_exc[start] <= o->tol; start--)
            for (int k = 0; k < N; k++)
                if (w->psi[k + a * N] != 0.0 && w->psi[k + start * N] != 0.0) return 0;
    }
    return !o->force_coupled;
}

static void count_clusters(const qt_params *p, const qt_options *o, const qt_workspace *w,
                           qt_result *r)
{
    int N = p->N, nc = 1, run = 0, max = N; /* the ground manifold is one N-fold cluster */
    for (int a = 0; a < N; a++) {
        int joins = a > 0 && w->E_exc[a] - w->E_exc[a - 1] <= o->tol;
        run = joins ? run + 1 : 1;
        nc += !joins;
        if (run > max) max = run;
    }
    r->n_clusters = nc;
    r->max_cluster = max;
}

typedef struct {
    const qt_params *p;
    qt_workspace *w;
} rate_job;

/* up/down rates of the baths [k0, k1), one occupation number per (k, a) */
static void rate_rows(void *ctx, int k0, int k1)
{
    const rate_job *job = ctx;
    const qt_params *p = job->p;
    qt_workspace *w = job->w;
    int N = p->N;
    int classical = p->bath == QT_BATH_CLASSICAL, ohmic = p->spectral == QT_SPECTRAL_OHMIC;
    for (int k = k0; k < k1; k++) {
        double T = w->T[k];
        double *up = w->up + qt_size(k) * qt_size(N), *down = w->down + qt_size(k) * qt_size(N);
        for (int a = 0; a < N; a++) {
            double c = w->psi[qt_offset(k, a, N)], E = w->E_exc[a], aE = fabs(E);
            double n = qt_occupation_inline(aE, T);
            double J = p->gamma * (ohmic ? aE : 1.0) * c * c;
            double emit = J * (classical ? n : 1.0 + n), absorb = J * n;
            /* a -> g_k releases E_a: emission if E_a > 0, absorption if below */
            down[a] = E > 0.0 ? emit : absorb;
            up[a] = E > 0.0 ? absorb : emit;
        }
    }
}

/* out[a] = sum_k down[k][a] (k ascending) for a in [a0, a1) */
static void out_rates(void *ctx, int a0, int a1)
{
    const rate_job *job = ctx;
    qt_workspace *w = job->w;
    int N = job->p->N;
    for (int a = a0; a < a1; a++) w->out[a] = 0.0;
    for (int k = 0; k < N; k++) {
        const double *down = w->down + qt_size(k) * qt_size(N);
        for (int a = a0; a < a1; a++) w->out[a] += down[a];
    }
}

static void fill_rates(const qt_params *p, qt_workspace *w, int team)
{
    rate_job job = {p, w};
    qt_team_run(team, p->N, rate_rows, &job);
    qt_team_run(team, p->N, out_rates, &job);
}

typedef struct {
    int N;
    const double *up, *down;
} bipartite_graph;

/* nodes 0..N-1: ground states; N..2N-1: excited eigenstates */
static int bipartite_edge(const void *ctx, int u, int v)
{
    const bipartite_graph *g = ctx;
    int N = g->N;
    if (u < N && v >= N) return g->up[qt_offset(v - N, u, N)] > 0.0;
    if (u >= N && v < N) return g->down[qt_offset(u - N, v, N)] > 0.0;
    return 0;
}

static int all_positive(const double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!(x[i] > 0.0)) return 0;
    return 1;
}

/* Does a search from ground state 0 reach all 2N states? Forward follows the
 * rates (up: g_k -> a, down: a -> g_k), backward follows them reversed. */
static int reaches_all(int N, const double *up, const double *down, int forward, int *queue,
                       int *seen)
{
    const double *from_ground = forward ? up : down, *from_excited = forward ? down : up;
    for (int u = 0; u < 2 * N; u++) seen[u] = 0;
    int head = 0, tail = 0;
    queue[tail++] = 0;
    seen[0] = 1;
    while (head < tail) {
        int u = queue[head++];
        for (int v = 0; v < N; v++) {
            int target = u < N ? N + v : v;
            double rate =
                u < N ? from_ground[qt_offset(v, u, N)] : from_excited[qt_offset(u - N, v, N)];
            if (rate > 0.0 && !seen[target]) {
                seen[target] = 1;
                queue[tail++] = target;
            }
        }
    }
    return tail == 2 * N;
}

/* Marks the support of the unique closed class in *in_class; returns the
 * number of closed classes. Irreducible chains (the common case) are
 * recognised by all rates being positive or by two searches; otherwise
 * Tarjan finds the classes. */
static int closed_class(int N, qt_workspace *w, int **in_class)
{
    *in_class = w->graph.in_class;
    int *queue = w->graph.queue, *seen = w->graph.seen;
    size_t nn = qt_square(N);
    if ((all_positive(w->up, nn) && all_positive(w->down, nn)) ||
        (reaches_all(N, w->up, w->down, 1, queue, seen) &&
         reaches_all(N, w->up, w->down, 0, queue, seen))) {
        for (int u = 0; u < 2 * N; u++) (*in_class)[u] = 1;
        return 1;
    }
    bipartite_graph g = {N, w->up, w->down};
    return qt_closed_classes(2 * N, bipartite_edge, &g, *in_class, w->graph.tarjan);
}

typedef struct {
    int N, ng;
    qt_workspace *w;
    const int *gi, *ai; /* ground and excited states of the closed class */
    const double *pi;   /* [ng] ground populations, unnormalised */
    qt_result *r;
    double *flow; /* [2N] net flows out of g_k, then into a */
} class_job;

/* Us = up / out on the rows [j0, j1) */
static void scaled_up_rows(void *ctx, int j0, int j1)
{
    const class_job *job = ctx;
    qt_workspace *w = job->w;
    int N = job->N;
    for (int j = j0; j < j1; j++)
        for (int a = 0; a < N; a++)
            w->Us[qt_offset(a, j, N)] = w->up[qt_offset(a, j, N)] / w->out[a];
}

/* Excited populations t in [t0, t1) of the class: P_a = sum_j up[g_j][a]
 * pi_j / out[a], the sum built along the rows of up (j ascending). */
static void excited_populations(void *ctx, int t0, int t1)
{
    const class_job *job = ctx;
    const qt_workspace *w = job->w;
    double *Pe = w->P + job->N;
    for (int j = 0; j < job->ng; j++) {
        const double *up = w->up + qt_size(job->gi[j]) * qt_size(job->N);
        double pj = job->pi[j];
        for (int t = t0; t < t1; t++) Pe[job->ai[t]] += up[job->ai[t]] * pj;
    }
    for (int t = t0; t < t1; t++) Pe[job->ai[t]] /= w->out[job->ai[t]];
}

/* M[j][k] = sum_a up[g_j][a] down[g_k][a] / out[a] over the class. */
static void effective_rates(int N, int ng, int na, qt_workspace *w, const int *gi, const int *ai,
                            int team)
{
    if (ng == N && na == N) {
        class_job job = {N, ng, w, gi, ai, NULL, NULL, NULL};
        qt_team_run(team, N, scaled_up_rows, &job);
        qt_team_product(team, N, N, N, w->Us, N, 1, w->down, N, 0.0, w->M, N);
        return;
    }
    for (int j = 0; j < ng; j++)
        for (int k = 0; k < ng; k++) {
            double s = 0.0;
            for (int t = 0; t < na; t++) {
                int a = ai[t];
                s += w->up[qt_offset(a, gi[j], N)] * w->down[qt_offset(a, gi[k], N)] / w->out[a];
            }
            w->M[qt_offset(k, j, ng)] = s;
        }
}

/* Effective rates between the ground states gi[0..ng) through the excited
 * states ai[0..na) of the closed class, then GTH. Fills w->P. */
static int solve_closed_class(int N, qt_workspace *w, const int *in_class, int team)
{
    int *gi = w->graph.index, *ai = w->graph.index + N, ng = 0, na = 0;
    for (int k = 0; k < N; k++)
        if (in_class[k]) gi[ng++] = k;
    for (int a = 0; a < N; a++)
        if (in_class[N + a]) ai[na++] = a;
    double *P = w->P, *Pg = w->P, *Pe = w->P + N;
    memset(P, 0, sizeof(double) * 2 * qt_size(N));
    if (ng == 0) { /* an absorbing excited state */
        Pe[ai[0]] = 1.0;
        return QT_OK;
    }
    double *pi = w->gth_work; /* ng values, then GTH scratch */
    double *scratch = w->gth_work + N;
    effective_rates(N, ng, na, w, gi, ai, team);
    if (ng > 1 && qt_gth_team(ng, w->M, ng, pi, scratch, team)) return QT_ENOTUNIQUE;
    if (ng == 1) pi[0] = 1.0;
    for (int j = 0; j < ng; j++) Pg[gi[j]] = pi[j];
    class_job job = {N, ng, w, gi, ai, pi, NULL, NULL};
    qt_team_run(team, na, excited_populations, &job);
    double total = 1.0;
    for (int t = 0; t < na; t++) total += Pe[ai[t]];
    for (int i = 0; i < 2 * N; i++) P[i] /= total;
    return QT_OK;
}

/* Heat current into bath k and the net flow out of g_k, k in [k0, k1). */
static void ground_flows(void *ctx, int k0, int k1)
{
    const class_job *job = ctx;
    const qt_workspace *w = job->w;
    int N = job->N;
    const double *Pg = w->P, *Pe = w->P + N;
    for (int k = k0; k < k1; k++) {
        const double *up = w->up + qt_size(k) * qt_size(N),
                     *down = w->down + qt_size(k) * qt_size(N);
        double J = 0.0, flow = 0.0;
        for (int a = 0; a < N; a++) {
            double net = down[a] * Pe[a] - up[a] * Pg[k]; /* net a -> g_k */
            J += w->E_exc[a] * net;
            flow += net;
        }
        job->r->heat_current[k] = J;
        job->flow[k] = flow;
    }
}

/* Net flow into excited state a in [a0, a1), summed along the rows of up. */
static void excited_flows(void *ctx, int a0, int a1)
{
    const class_job *job = ctx;
    const qt_workspace *w = job->w;
    int N = job->N;
    const double *Pg = w->P, *Pe = w->P + N;
    double *flow = job->flow + N;
    for (int a = a0; a < a1; a++) flow[a] = -w->out[a] * Pe[a];
    for (int k = 0; k < N; k++) {
        const double *up = w->up + qt_size(k) * qt_size(N);
        for (int a = a0; a < a1; a++) flow[a] += up[a] * Pg[k];
    }
}

/* Heat currents, energy, residual and the other checks from the rates. */
static void rate_observables(int N, qt_workspace *w, qt_result *r, int team)
{
    const double *Pe = w->P + N;
    class_job job = {N, 0, w, NULL, NULL, NULL, r, w->gth_work};
    qt_team_run(team, N, ground_flows, &job);
    qt_team_run(team, N, excited_flows, &job);
    double res = 0.0, energy = 0.0, sum = 0.0, minp = INFINITY;
    for (int i = 0; i < 2 * N; i++) res += fabs(job.flow[i]);
    for (int a = 0; a < N; a++) energy += w->E_exc[a] * Pe[a];
    for (int i = 0; i < 2 * N; i++) {
        sum += w->P[i];
        if (w->P[i] < minp) minp = w->P[i];
    }
    r->residual = res;
    r->energy = energy;
    r->trace_error = fabs(sum - 1.0);
    r->min_eigenvalue = minp;
}

typedef struct {
    int N;
    const qt_workspace *w;
    double *p;
} site_job;

/* p_k = P_gk + sum_a psi_a(k)^2 P_a for k in [k0, k1), a ascending */
static void site_population_range(void *ctx, int k0, int k1)
{
    const site_job *job = ctx;
    int N = job->N;
    const double *P = job->w->P;
    for (int k = k0; k < k1; k++) job->p[k] = P[k];
    for (int a = 0; a < N; a++) {
        double Pa = P[N + a];
        const double *col = job->w->psi + qt_size(a) * qt_size(N);
        for (int k = k0; k < k1; k++) job->p[k] += col[k] * col[k] * Pa;
    }
}

static void site_populations(int N, const qt_workspace *w, double *p, int team)
{
    site_job job = {N, w, p};
    qt_team_run(team, N, site_population_range, &job);
}

/* Population generator on the 2N eigenstates for the relaxation rate. */
static double relaxation_rate(int N, qt_workspace *w)
{
    int n = 2 * N;
    if (n > w->gap_max_d) return NAN;
    double *G = w->gap_G;
    memset(G, 0, sizeof(double) * qt_square(n));
    for (int k = 0; k < N; k++)
        for (int a = 0; a < N; a++) {
            double up = w->up[qt_offset(a, k, N)], down = w->down[qt_offset(a, k, N)];
            G[qt_offset(k, N + a, n)] += up; /* dP_a/dt += up P_gk */
            G[qt_offset(k, k, n)] -= up;
            G[qt_offset(N + a, k, n)] += down;
            G[qt_offset(N + a, N + a, n)] -= down;
        }
    double rate[1];
    return qt_generator_gaps(w, n, G, rate, 1) == 0 ? rate[0] : NAN;
}

int qt_nsite_secular(const qt_params *p, const qt_options *o, qt_workspace *w, qt_result *r,
                     int *need_general)
{
    int N = p->N, divergent, st;
    *need_general = 0;
    count_clusters(p, o, w, r);
    if (!structured_path_ok(p, o, w, &divergent)) {
        if (divergent) return QT_EDIVERGENT;
        *need_general = 1;
        return QT_OK;
    }
    int team = qt_team_size(o, N);
    fill_rates(p, w, team);
    int *in_class;
    if (closed_class(N, w, &in_class) != 1) return QT_ENOTUNIQUE;
    st = solve_closed_class(N, w, in_class, team);
    if (st) return st;
    site_populations(N, w, r->population, team);
    rate_observables(N, w, r, team);
    if (o->want_gap) r->relaxation_rate = relaxation_rate(N, w);
    r->path = QT_PATH_PAULI_BIPARTITE;
    return QT_OK;
}

/* ---- the model type ----------------------------------------------------- */

static int nsite_dimension(const qt_params *p)
{
    return 2 * p->N;
}

static int nsite_sites(const qt_params *p)
{
    return p->N;
}

static int nsite_check(const qt_params *p, char *msg, size_t len)
{
    if (!p->T_sites && p->T_profile == QT_PROFILE_EXPONENTIAL && !(p->T_L > 0.0 && p->T_R > 0.0)) {
        if (msg && len)
            snprintf(msg, len, "T_profile = exponential: needs T_L > 0 and T_R > 0 (got %g, %g)",
                     p->T_L, p->T_R);
        return QT_EINVAL;
    }
    return QT_OK;
}

static int nsite_prepare(const qt_params *p, qt_workspace *w)
{
    qt_nsite_temperatures(p, w->T);
    return qt_nsite_spectrum(p, w);
}

static void nsite_chain(const qt_params *p, qt_workspace *w, qt_chain *c)
{
    if (uniform_chain(p)) site_energies(p, w);
    c->N = p->N;
    c->h = w->h_site;
    c->g = w->g_site;
    c->T = w->T;
    c->eps = w->E_exc;
    c->psi = w->psi;
    c->gamma = p->gamma;
    c->spectral = p->spectral;
    c->bath = p->bath;
}

static int nsite_operators(const qt_params *p, qt_workspace *w, struct qt_me_workspace *mw)
{
    nsite_chain(p, w, &w->chain);
    return qt_operators_chain(&w->chain, mw);
}

/* Largest total decay rate of an eigenstate from the structured path's
 * rates: out[a] for excited a, sum_a up[k][a] for ground g_k. */
static double bipartite_max_decay(int N, const qt_workspace *w)
{
    double best = 0.0;
    for (int a = 0; a < N; a++) best = fmax(best, w->out[a]);
    for (int k = 0; k < N; k++) {
        double s = 0.0;
        for (int a = 0; a < N; a++) s += w->up[qt_offset(a, k, N)];
        best = fmax(best, s);
    }
    return best;
}

static double nsite_secular_ratio(const qt_params *p, const qt_options *o, qt_workspace *w)
{
    nsite_chain(p, w, &w->chain);
    if (w->last_path == QT_PATH_PAULI_BIPARTITE) /* this solve's path (qt_solve) */
        return qt_secular_ratio_chain_decay(&w->chain, o->tol, bipartite_max_decay(p->N, w));
    return qt_secular_ratio_chain(&w->chain, o->tol);
}

static void nsite_observables(const qt_params *p, const qt_options *o, qt_workspace *w,
                              qt_result *r)
{
    qt_site_observables(p, o, w->T, r);
}

const qt_model_type qt_nsite_type = {
    .name = "nsite",
    .id = QT_MODEL_NSITE,
    .population_dim = "site",
    .dimension = nsite_dimension,
    .n_baths = nsite_sites,
    .n_populations = nsite_sites,
    .check = nsite_check,
    .prepare = nsite_prepare,
    .build_eigensys = qt_build_nsite_eigensys,
    .fast_global = qt_nsite_secular,
    .chain = nsite_chain,
    .operators = nsite_operators,
    .secular_ratio = nsite_secular_ratio,
    .observables = nsite_observables,
};
