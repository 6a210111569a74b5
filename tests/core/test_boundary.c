/* Phase boundaries along an axis (docs/physics.md section 7): the bracketing
 * root finder, the exact level crossings of the chain, and traced boundaries
 * checked against independent evidence (signs of phi beside each point, a
 * fine uniform scan, the chain spectrum, T_1 = T_2 for Lambda and Vee). */
#include <string.h>

#include "common.h"
#include "internal.h"

/* ---------- the root finder on closed-form functions ---------- */

typedef struct {
    int kind;
    double lo, hi;      /* the initial bracket: every evaluation must lie inside */
    double neg, nonneg; /* increasing f: largest x seen with f < 0, smallest with f >= 0 */
    int outside, calls;
    double fail_above; /* evaluations above this fail (NaN: never) */
} probe;

static double closed_form(int kind, double x)
{
    switch (kind) {
    case 0:
        return x * x * x - 2.0; /* root 2^(1/3) */
    case 1:
        return x - cos(x); /* root 0.739085... */
    case 2:
        return exp(x) - 10.0; /* root log 10 */
    case 3:
        return cbrt(x - 0.3); /* infinite slope at the root */
    case 4:
        return x < 0.7 ? -1.0 : 1.0; /* a jump: the sign changes at 0.7 */
    default:
        return pow(x - 0.4, 9.0); /* a root of multiplicity 9 */
    }
}

static int probe_fn(double x, void *ctx, double *v)
{
    probe *p = ctx;
    p->calls++;
    if (!(x > p->lo && x < p->hi) || !(x > p->neg && x < p->nonneg)) p->outside++;
    if (x > p->fail_above) return QT_ELAPACK;
    *v = closed_form(p->kind, x);
    if (*v < 0.0)
        p->neg = fmax(p->neg, x);
    else
        p->nonneg = fmin(p->nonneg, x);
    return QT_OK;
}

static probe make_probe(int kind, double lo, double hi)
{
    probe p = {kind, lo, hi, lo, hi, 0, 0, NAN};
    return p;
}

static void smooth_roots_converge_superlinearly(void **state)
{
    (void)state;
    const double lo[] = {0.0, 0.0, 0.0}, hi[] = {2.0, 1.0, 5.0};
    const double exact[] = {cbrt(2.0), 0.73908513321516064166, log(10.0)};
    for (int k = 0; k < 3; k++) {
        probe p = make_probe(k, lo[k], hi[k]);
        qt_root r;
        int st = qt_root_bracketed(probe_fn, &p, lo[k], closed_form(k, lo[k]), hi[k],
                                   closed_form(k, hi[k]), 1e-12, &r);
        assert_int_equal(st, QT_OK);
        assert_true(r.hi - r.lo <= 1e-12);
        assert_true(r.lo <= exact[k] + 1e-15 && exact[k] <= r.hi + 1e-15);
        assert_close(r.root, exact[k], 1e-12);
        /* bisection would need log2(width / 1e-12) > 39 evaluations */
        assert_true(r.evaluations <= 12);
        assert_int_equal(r.evaluations, p.calls);
        assert_int_equal(p.outside, 0);
    }
}

/* Non-smooth functions: still inside the bracket, still a bounded count. */
static void never_leaves_bracket(void **state)
{
    (void)state;
    const double where[] = {0.3, 0.7, 0.4};
    for (int k = 3; k <= 5; k++) {
        probe p = make_probe(k, 0.0, 1.0);
        qt_root r;
        int st = qt_root_bracketed(probe_fn, &p, 0.0, closed_form(k, 0.0), 1.0, closed_form(k, 1.0),
                                   1e-12, &r);
        assert_int_equal(st, QT_OK);
        assert_int_equal(p.outside, 0);
        assert_true(r.hi - r.lo <= 1e-12);
        assert_true((r.f_lo < 0.0) != (r.f_hi < 0.0) || r.lo == r.hi);
        assert_true(r.lo <= where[k - 3] + 1e-12 && where[k - 3] <= r.hi + 1e-12);
        assert_true(r.evaluations <= 4 * 40 + 4);
    }
}

static void failures_are_reported(void **state)
{
    (void)state;
    probe p = make_probe(1, 0.0, 1.0);
    p.fail_above = 0.6; /* the root 0.739 cannot be reached */
    qt_root r;
    int st = qt_root_bracketed(probe_fn, &p, 0.0, closed_form(1, 0.0), 1.0, closed_form(1, 1.0),
                               1e-12, &r);
    assert_int_equal(st, QT_ELAPACK);
    assert_int_equal(r.status, QT_ELAPACK);
    assert_true(r.failed_x > 0.6 && r.failed_x < 1.0);
    assert_true(r.lo < r.hi && (r.f_lo < 0.0) != (r.f_hi < 0.0));
    assert_true(r.lo <= 0.7390851332 && 0.7390851332 <= r.hi);

    /* no sign change, or a NaN end: invalid, nothing evaluated */
    p = make_probe(0, 0.0, 1.0);
    assert_int_equal(qt_root_bracketed(probe_fn, &p, 0.0, -2.0, 1.0, -1.0, 1e-12, &r), QT_EINVAL);
    assert_int_equal(qt_root_bracketed(probe_fn, &p, 0.0, NAN, 1.0, -1.0, 1e-12, &r), QT_EINVAL);
    assert_int_equal(p.calls, 0);
    /* an exact zero at an end is the root */
    assert_int_equal(qt_root_bracketed(probe_fn, &p, 0.0, -2.0, 1.0, 0.0, 1e-12, &r), QT_OK);
    assert_true(r.lo == 1.0 && r.hi == 1.0 && r.root == 1.0 && r.evaluations == 0);
}

/* ---------- level crossings ---------- */

static double smallest_level(int N, double h, double g, qt_workspace *w)
{
    qt_params p = nsite_params(N, g, 0.5, 0.4);
    p.h = h;
    assert_int_equal(qt_nsite_spectrum(&p, w), QT_OK);
    double m = INFINITY;
    for (int a = 0; a < N; a++) m = fmin(m, fabs(w->E_exc[a]));
    return m;
}

static void crossings_match_formula_and_spectrum(void **state)
{
    (void)state;
    /* physics.md section 7, N = 10: g = 0.5211, 0.5944, 0.7635, 1.2036, 3.5133 */
    const double quoted[] = {0.5211, 0.5944, 0.7635, 1.2036, 3.5133};
    double g[16];
    assert_int_equal(qt_chain_crossings_g(10, 1.0, 0.0, 5.0, NULL, 0), 5);
    assert_int_equal(qt_chain_crossings_g(10, 1.0, 0.0, 5.0, g, 16), 5);
    for (int k = 0; k < 5; k++) {
        assert_close(g[k], quoted[k], 1e-4);
        assert_close(g[k], -1.0 / (2.0 * cos((10 - k) * acos(-1.0) / 11)), 1e-15);
    }
    assert_int_equal(qt_chain_crossings_g(10, 1.0, 0.6, 1.3, g, 16), 2);
    assert_close(g[0], 0.7635, 1e-4);
    assert_int_equal(qt_chain_crossings_g(10, 1.0, -5.0, 0.0, g, 16), 5); /* mirror: g < 0 */
    assert_close(g[4], -0.5211, 1e-4);

    qt_workspace *w = qt_workspace_alloc(QT_MODEL_NSITE, 57, 0);
    qt_result *r = qt_result_alloc(57);
    qt_options o;
    qt_options_default(&o);
    const int Ns[] = {10, 11, 57};
    for (int t = 0; t < 3; t++) {
        int N = Ns[t];
        double c[64];
        int n = qt_chain_crossings_g(N, 1.0, -10.0, 10.0, c, 64);
        assert_true(n >= N - 2 && n <= N);
        for (int k = 0; k < n; k++) {
            if (k > 0) assert_true(c[k] > c[k - 1]);
            assert_true(smallest_level(N, 1.0, c[k], w) <= 1e-13);
            assert_true(smallest_level(N, 1.0, c[k] + 1e-6, w) > 1e-8);
            qt_params p = nsite_params(N, c[k], 0.5, 0.4);
            assert_int_equal(qt_solve(&p, &o, w, r), QT_EDIVERGENT);
            p.g = c[k] + 1e-6;
            assert_int_equal(qt_solve(&p, &o, w, r), QT_OK);
        }
        /* h axis at fixed g: every level with g cos < 0 crosses once */
        n = qt_chain_crossings_h(N, 1.3, 0.0, 10.0, c, 64);
        assert_int_equal(n, N / 2);
        for (int k = 0; k < n; k++) {
            if (k > 0) assert_true(c[k] > c[k - 1]);
            assert_true(smallest_level(N, c[k], 1.3, w) <= 1e-13);
            qt_params p = nsite_params(N, 1.3, 0.5, 0.4);
            p.h = c[k];
            assert_int_equal(qt_solve(&p, &o, w, r), QT_EDIVERGENT);
        }
    }
    qt_result_free(&r);
    qt_workspace_free(&w);
}

static void scan_points_flank_crossings(void **state)
{
    (void)state;
    const double c[] = {0.25, 0.5, 0.50000001, 0.9995};
    qt_line l = {0.0, 1.0, 5, c, 4, 1, 1e-3, 1e-12};
    double x[16], cr[16];
    assert_int_equal(qt_line_scan_capacity(&l), 13);
    int n = qt_line_scan_points(&l, x, cr);
    /* uniform 0, 0.25 (dropped: on a crossing), 0.5 (dropped), 0.75, 1 (dropped:
       within the offset of 0.9995); both flanks of 0.25 and 0.5, both of
       0.50000001, the left one of 0.9995 (the right one is beyond hi) */
    assert_int_equal(n, 2 + 2 + 2 + 2 + 1);
    for (int i = 1; i < n; i++) assert_true(x[i] > x[i - 1]);
    assert_true(x[0] == 0.0 && isnan(cr[0]));
    assert_close(x[1], 0.25 - 1e-3, 1e-15);
    assert_true(cr[1] == 0.25 && cr[2] == 0.25);
    assert_close(x[3], 0.5 - 2.5e-9, 1e-16); /* a quarter of the gap to 0.50000001 */
    assert_true(cr[5] == 0.50000001 && cr[6] == 0.50000001);
    assert_true(x[7] == 0.75 && cr[8] == 0.9995);
    l.lo = 1.0; /* invalid */
    assert_int_equal(qt_line_scan_points(&l, x, cr), -1);
}

static void brackets_from_scan_values(void **state)
{
    (void)state;
    const double c[] = {0.5};
    qt_line l = {0.0, 1.0, 5, c, 1, 1, 1e-3, 1e-12};
    /* x: 0, 0.25, 0.499, 0.501, 0.75, 1 */
    double x[8], cr[8];
    assert_int_equal(qt_line_scan_points(&l, x, cr), 6);
    const double f[] = {-1.0, 2.0, 1.0, -1.0, NAN, 3.0};
    const int st[] = {QT_OK, QT_OK, QT_OK, QT_OK, QT_ENOTUNIQUE, QT_OK};
    qt_boundary_point b[4];
    assert_int_equal(qt_line_brackets(&l, x, cr, f, st, 6, b, 4), 3);
    assert_int_equal(b[0].kind, QT_BOUNDARY_ROOT);
    assert_true(b[0].lo == 0.0 && b[0].hi == 0.25 && isnan(b[0].x));
    assert_int_equal(b[1].kind, QT_BOUNDARY_CROSSING);
    assert_true(b[1].x == 0.5);
    assert_int_equal(b[2].kind, QT_BOUNDARY_FAILED);
    assert_true(b[2].x == 0.75 && b[2].status == QT_ENOTUNIQUE);
    /* a touch (same sign on both flanks) is no boundary; a crossing that can be
       evaluated (ohmic) is an ordinary bracket */
    const double g[] = {-1.0, 2.0, 1.0, 1.0, 1.0, 3.0};
    assert_int_equal(qt_line_brackets(&l, x, cr, g, st, 6, b, 4), 1);
    l.crossings_singular = 0;
    assert_int_equal(qt_line_brackets(&l, x, cr, f, st, 6, b, 4), 3);
    assert_int_equal(b[1].kind, QT_BOUNDARY_ROOT);
}

/* ---------- traced boundaries of the engine ---------- */

typedef enum { AX_G, AX_T2 } axis;

typedef struct {
    qt_params p;
    qt_options o;
    qt_workspace *w;
    qt_result *r;
    axis ax;
    long solves;
} line_ctx;

static int observable_at(double x, void *vctx, double *value)
{
    line_ctx *c = vctx;
    qt_params p = c->p;
    if (c->ax == AX_G)
        p.g = x;
    else
        p.T2 = x;
    c->solves++;
    int st = qt_solve(&p, &c->o, c->w, c->r);
    *value = p.model == QT_MODEL_NSITE ? c->r->phi : c->r->delta;
    return st;
}

static line_ctx chain_ctx(int N, double T_mean, double T_diff)
{
    line_ctx c;
    memset(&c, 0, sizeof c);
    c.p = nsite_params(N, 1.0, T_mean + 0.5 * T_diff, T_mean - 0.5 * T_diff);
    qt_options_default(&c.o);
    c.w = qt_workspace_alloc(QT_MODEL_NSITE, N, 0);
    c.r = qt_result_alloc(N);
    c.ax = AX_G;
    return c;
}

static void free_ctx(line_ctx *c)
{
    qt_workspace_free(&c->w);
    qt_result_free(&c->r);
}

typedef struct {
    qt_boundary_point pt[64];
    int n;
    long solves;
} traced;

static traced trace(const qt_line *l, line_ctx *c)
{
    traced t;
    size_t cap = qt_size(qt_line_scan_capacity(l));
    double *x = malloc(cap * sizeof *x), *cr = malloc(cap * sizeof *cr);
    double *f = malloc(cap * sizeof *f);
    int *st = malloc(cap * sizeof *st);
    c->solves = 0;
    assert_int_equal(qt_trace_line(l, observable_at, c, x, cr, f, st, t.pt, 64, &t.n, &t.solves),
                     QT_OK);
    assert_true(t.n <= 64);
    assert_int_equal(t.solves, c->solves);
    free(x), free(cr), free(f), free(st);
    return t;
}

static double phi_at(line_ctx *c, double g)
{
    double v;
    assert_int_equal(observable_at(g, c, &v), QT_OK);
    return v;
}

/* Sign changes of phi on a uniform grid of `m` cells; each cell [a, b] that
 * changes sign must hold a traced point, and each traced point must lie in or
 * beside such a cell. Returns the number of sign-change cells. */
static int compare_with_uniform(line_ctx *c, const qt_line *l, const traced *t, int m)
{
    double h = (l->hi - l->lo) / m, prev = phi_at(c, l->lo);
    int changes = 0;
    int *matched = calloc(qt_size(t->n), sizeof *matched);
    for (int i = 1; i <= m; i++) {
        double b = l->lo + h * i, fb = phi_at(c, b);
        if ((prev < 0.0) == (fb < 0.0)) {
            prev = fb;
            continue;
        }
        changes++;
        int found = 0;
        for (int k = 0; k < t->n; k++)
            if (t->pt[k].x >= b - h && t->pt[k].x <= b) found = 1, matched[k] = 1;
        if (!found) fail_msg("sign change of phi in [%.9g, %.9g] not traced", b - h, b);
        prev = fb;
    }
    for (int k = 0; k < t->n; k++)
        if (!matched[k]) {
            /* two boundary points in one cell leave no sign change there */
            int pair = 0;
            for (int j = 0; j < t->n; j++)
                if (j != k && fabs(t->pt[j].x - t->pt[k].x) < h) pair = 1;
            if (!pair) fail_msg("traced point %.15g has no sign change beside it", t->pt[k].x);
        }
    free(matched);
    return changes;
}

static void check_chain_line(double T_mean, double T_diff, int *roots, int *crossings)
{
    int N = 10;
    line_ctx c = chain_ctx(N, T_mean, T_diff);
    double cr[16];
    int nc = qt_chain_crossings_g(N, 1.0, 0.0025, 1.5, cr, 16);
    qt_line l = {0.0025, 1.5, 64, cr, nc, 1, 0.0, 1e-12};
    traced t = trace(&l, &c);
    qt_workspace *ws = qt_workspace_alloc(QT_MODEL_NSITE, N, 0);
    for (int k = 0; k < t.n; k++) {
        const qt_boundary_point *b = &t.pt[k];
        if (k > 0) assert_true(b->x > t.pt[k - 1].x);
        assert_int_equal(b->status, QT_OK);
        if (b->kind == QT_BOUNDARY_ROOT) {
            ++*roots;
            assert_true(b->hi - b->lo <= 1e-12);
            double below = phi_at(&c, b->x - 1e-9), above = phi_at(&c, b->x + 1e-9);
            if ((below < 0.0) == (above < 0.0))
                fail_msg("root %.15g: phi = %g and %g on both sides", b->x, below, above);
        } else {
            assert_int_equal(b->kind, QT_BOUNDARY_CROSSING);
            ++*crossings;
            int on_formula = 0;
            for (int j = 0; j < nc; j++) on_formula |= fabs(b->x - cr[j]) <= 1e-12;
            assert_true(on_formula);
            assert_true(smallest_level(N, 1.0, b->x, ws) <= 1e-12);
            double below = phi_at(&c, b->x - 1e-6), above = phi_at(&c, b->x + 1e-6);
            assert_true((below < 0.0) != (above < 0.0));
        }
    }
    compare_with_uniform(&c, &l, &t, 6000);
    /* the fine uniform scan costs 6000 solves; the traced line far fewer */
    assert_true(t.solves < 200);
    qt_workspace_free(&ws);
    free_ctx(&c);
}

static void chain_boundaries_are_correct(void **state)
{
    (void)state;
    int roots = 0, crossings = 0;
    const double T_mean[] = {0.1, 0.15, 0.2, 0.3, 0.45, 0.6, 0.8, 1.0};
    for (int k = 0; k < 8; k++) check_chain_line(T_mean[k], 0.1, &roots, &crossings);
    check_chain_line(0.15, 0.1, &roots, &crossings); /* physics.md: T_L = 0.2, T_R = 0.1 */
    /* the lines above must exercise both kinds */
    assert_true(roots > 0);
    assert_true(crossings > 0);
}

/* Crossings on demand: every point found is one of the fully flanked
 * trace's (same kind, same place), at a lower cost for a long chain. */
static void on_demand_crossings_agree_with_flanked(void **state)
{
    (void)state;
    const int Ns[] = {10, 60};
    long flanked_solves = 0, demand_solves = 0;
    int found = 0;
    for (int t = 0; t < 2; t++) {
        int N = Ns[t];
        double cr[64];
        int nc = qt_chain_crossings_g(N, 1.0, 0.0025, 1.5, cr, 64);
        for (int k = 0; k < 6; k++) {
            line_ctx c = chain_ctx(N, 0.05 + 0.19 * k, 0.1);
            qt_line l = {0.0025, 1.5, 48, cr, nc, QT_CROSSINGS_FLANKED, 0.0, 1e-12};
            traced all = trace(&l, &c);
            l.crossings_singular = QT_CROSSINGS_ON_DEMAND;
            traced some = trace(&l, &c);
            flanked_solves += all.solves, demand_solves += some.solves;
            for (int i = 0; i < some.n; i++) {
                const qt_boundary_point *p = &some.pt[i];
                assert_int_equal(p->status, QT_OK);
                int match = 0;
                for (int j = 0; j < all.n; j++)
                    match |= all.pt[j].kind == p->kind && fabs(all.pt[j].x - p->x) <= 1e-11;
                if (!match)
                    fail_msg("N = %d: on-demand point %.15g (kind %d) not traced", N, p->x,
                             p->kind);
                found++;
            }
            free_ctx(&c);
        }
    }
    assert_true(found > 0);
    assert_true(demand_solves < flanked_solves);
}

/* Lambda and Vee: Delta = 0 exactly at T_2 = T_1 (Eq. 8 and Delta_V). */
static void threelevel_boundary_at_equal_temperatures(void **state)
{
    (void)state;
    const qt_model models[] = {QT_MODEL_LAMBDA, QT_MODEL_VEE};
    const double T1[] = {0.3, 0.7, 1.9};
    for (int m = 0; m < 2; m++)
        for (int k = 0; k < 3; k++) {
            line_ctx c;
            memset(&c, 0, sizeof c);
            c.p = threelevel_params(models[m], T1[k], 0.0);
            qt_options_default(&c.o);
            c.w = qt_workspace_alloc(models[m], 3, 0);
            c.r = qt_result_alloc(3);
            c.ax = AX_T2;
            qt_line l = {0.05, 2.5, 16, NULL, 0, 0, 0.0, 1e-12};
            traced t = trace(&l, &c);
            assert_int_equal(t.n, 1);
            assert_int_equal(t.pt[0].kind, QT_BOUNDARY_ROOT);
            assert_close(t.pt[0].x, T1[k], 1e-11);
            assert_true(t.pt[0].hi - t.pt[0].lo <= 1e-12);
            free_ctx(&c);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(smooth_roots_converge_superlinearly),
        cmocka_unit_test(never_leaves_bracket),
        cmocka_unit_test(failures_are_reported),
        cmocka_unit_test(crossings_match_formula_and_spectrum),
        cmocka_unit_test(scan_points_flank_crossings),
        cmocka_unit_test(brackets_from_scan_values),
        cmocka_unit_test(chain_boundaries_are_correct),
        cmocka_unit_test(on_demand_crossings_agree_with_flanked),
        cmocka_unit_test(threelevel_boundary_at_equal_temperatures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
