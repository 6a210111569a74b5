/* Phase boundaries along one axis (docs/physics.md section 7): the exact
 * level crossings of the uniform chain, the scan of a line, the sign changes
 * between scan points, and their refinement with qt_root_bracketed. */
#include <math.h>

#include "qthermo/qthermo.h"

/* cos(j pi / (N + 1)), j = 1..N, with the middle level (j = (N+1)/2, odd N)
 * exactly 0 so that it never gives a crossing. */
static double chain_cos(int N, int j)
{
    if (2 * j == N + 1) return 0.0;
    return cos(j * acos(-1.0) / (N + 1));
}

/* The loops below run j so that crossings come out ascending: for g > 0,
 * g_j = -h / (2 cos) grows as j falls from N toward the middle; h_j =
 * -2 g cos grows with j for g > 0 and falls with j for g < 0. */
static int store(double v, double lo, double hi, double *out, int cap, int n)
{
    if (!(v >= lo && v <= hi)) return n;
    if (n < cap) out[n] = v;
    return n + 1;
}

int qt_chain_crossings_g(int N, double h, double lo, double hi, double *g, int cap)
{
    int n = 0;
    if (N < 2 || !(h > 0.0)) return 0;
    /* g < 0: levels with cos > 0 cross, g_j ascending as j falls from the middle */
    for (int j = N / 2; j >= 1; j--) n = store(-h / (2.0 * chain_cos(N, j)), lo, hi, g, cap, n);
    for (int j = N; 2 * j > N + 1; j--) n = store(-h / (2.0 * chain_cos(N, j)), lo, hi, g, cap, n);
    return n;
}

int qt_chain_crossings_h(int N, double g, double lo, double hi, double *h, int cap)
{
    int n = 0;
    if (N < 2 || g == 0.0 || !isfinite(g)) return 0;
    for (int k = 1; k <= N; k++) {
        int j = g > 0.0 ? k : N + 1 - k;
        double c = chain_cos(N, j);
        if (g * c < 0.0) n = store(-2.0 * g * c, lo, hi, h, cap, n);
    }
    return n;
}

static int line_valid(const qt_line *l)
{
    if (!l || !isfinite(l->lo) || !isfinite(l->hi) || !(l->lo < l->hi) || l->scan < 2) return 0;
    if (l->n_crossings < 0 || (l->n_crossings > 0 && !l->crossings)) return 0;
    for (int k = 0; k < l->n_crossings; k++)
        if (!isfinite(l->crossings[k]) || (k > 0 && !(l->crossings[k] > l->crossings[k - 1])))
            return 0;
    return isfinite(l->offset) && l->offset >= 0.0;
}

int qt_line_scan_capacity(const qt_line *l)
{
    return l->scan + 2 * (l->n_crossings > 0 ? l->n_crossings : 0);
}

/* Flank offset of crossing k: the requested one, at most a quarter of the
 * distance to the neighbouring crossings. */
static double flank_offset(const qt_line *l, int k)
{
    double off = l->offset > 0.0 ? l->offset : QT_LINE_OFFSET;
    const double *c = l->crossings;
    if (k > 0) off = fmin(off, 0.25 * (c[k] - c[k - 1]));
    if (k + 1 < l->n_crossings) off = fmin(off, 0.25 * (c[k + 1] - c[k]));
    return off;
}

static int push(double *x, double *crossing, int n, double xv, double cv)
{
    x[n] = xv, crossing[n] = cv;
    return n + 1;
}

int qt_line_scan_points(const qt_line *l, double *x, double *crossing)
{
    if (!line_valid(l)) return -1;
    int n = 0, k = 0, nc = l->n_crossings;
    while (k < nc && l->crossings[k] < l->lo - flank_offset(l, k)) k++;
    for (int i = 0; i < l->scan; i++) {
        double u = i + 1 == l->scan ? l->hi : l->lo + (l->hi - l->lo) * i / (l->scan - 1);
        /* the flanks of every crossing before u (or too close to u) */
        while (k < nc && l->crossings[k] <= u + flank_offset(l, k)) {
            double c = l->crossings[k], off = flank_offset(l, k);
            int flanked = l->crossings_singular == QT_CROSSINGS_FLANKED;
            if (flanked && c - off >= l->lo && (n == 0 || c - off > x[n - 1]))
                n = push(x, crossing, n, c - off, c);
            if (flanked && c + off <= l->hi) n = push(x, crossing, n, c + off, c);
            k++;
        }
        int near = (k > 0 && u - l->crossings[k - 1] <= flank_offset(l, k - 1));
        if (!near && (n == 0 || u > x[n - 1])) n = push(x, crossing, n, u, NAN);
    }
    return n;
}

static qt_boundary_point boundary_point(int kind, double x, double lo, double flo, double hi,
                                        double fhi, int status)
{
    qt_boundary_point b = {kind, x, lo, hi, flo, fhi, status, 0};
    return b;
}

/* What lies between usable scan points i < j whose f differ in sign: a
 * failed point, a singular crossing (i and j its two flanks), or a root. */
static qt_boundary_point sign_change(const qt_line *l, const double *x, const double *crossing,
                                     const double *f, int i, int j, int failed, int failed_status)
{
    if (failed >= 0)
        return boundary_point(QT_BOUNDARY_FAILED, x[failed], x[i], f[i], x[j], f[j], failed_status);
    double c = crossing[i];
    if (l->crossings_singular == QT_CROSSINGS_FLANKED && !isnan(c) && x[i] < c && c < x[j])
        return boundary_point(QT_BOUNDARY_CROSSING, c, c, f[i], c, f[j], QT_OK);
    return boundary_point(QT_BOUNDARY_ROOT, NAN, x[i], f[i], x[j], f[j], QT_OK);
}

int qt_line_brackets(const qt_line *l, const double *x, const double *crossing, const double *f,
                     const int *status, int n, qt_boundary_point *out, int cap)
{
    int count = 0, prev = -1, failed = -1, failed_status = QT_OK;
    for (int i = 0; i < n; i++) {
        if (status[i] != QT_OK || !isfinite(f[i])) {
            if (failed < 0) failed = i, failed_status = status[i] != QT_OK ? status[i] : QT_EINVAL;
            continue;
        }
        if (prev >= 0 && (f[prev] < 0.0) != (f[i] < 0.0)) {
            if (count < cap)
                out[count] = sign_change(l, x, crossing, f, prev, i, failed, failed_status);
            count++;
        }
        prev = i, failed = -1;
    }
    return count;
}

/* The middle crossing whose flanks lie strictly inside (lo, hi), or -1. */
static int middle_crossing(const qt_line *l, double lo, double hi)
{
    int first = -1, last = -1;
    if (l->crossings_singular != QT_CROSSINGS_ON_DEMAND) return -1;
    for (int k = 0; k < l->n_crossings; k++) {
        double c = l->crossings[k], off = flank_offset(l, k);
        if (c - off > lo && c + off < hi) {
            if (first < 0) first = k;
            last = k;
        }
    }
    return first < 0 ? -1 : first + (last - first) / 2;
}

static int evaluate_checked(qt_scalar_fn f, void *ctx, double x, double *v, qt_boundary_point *b)
{
    int st = f(x, ctx, v);
    b->evaluations++;
    if (st == QT_OK && !isfinite(*v)) st = QT_EINVAL;
    if (st != QT_OK) b->kind = QT_BOUNDARY_FAILED, b->x = x, b->status = st;
    return st;
}

/* ON_DEMAND: narrow the bracket over the crossings inside it, keeping the
 * leftmost sign change, until none is inside (returns 1) or the sign
 * changes at one (b becomes that crossing) or a solve fails (b FAILED). */
static int narrow_over_crossings(const qt_line *l, qt_scalar_fn f, void *ctx, qt_boundary_point *b)
{
    int k;
    while ((k = middle_crossing(l, b->lo, b->hi)) >= 0) {
        double c = l->crossings[k], off = flank_offset(l, k), fl, fr;
        if (evaluate_checked(f, ctx, c - off, &fl, b)) return 0;
        if ((b->f_lo < 0.0) != (fl < 0.0)) {
            b->hi = c - off, b->f_hi = fl;
            continue;
        }
        if (evaluate_checked(f, ctx, c + off, &fr, b)) return 0;
        if ((fl < 0.0) != (fr < 0.0)) {
            b->kind = QT_BOUNDARY_CROSSING, b->x = b->lo = b->hi = c;
            b->f_lo = fl, b->f_hi = fr;
            return 0;
        }
        b->lo = c + off, b->f_lo = fr;
    }
    return 1;
}

int qt_line_refine(const qt_line *l, qt_scalar_fn f, void *ctx, qt_boundary_point *b)
{
    if (b->kind != QT_BOUNDARY_ROOT || !isnan(b->x)) return b->status;
    b->evaluations = 0;
    if (!narrow_over_crossings(l, f, ctx, b)) return b->status;
    qt_root r;
    int st = qt_root_bracketed(f, ctx, b->lo, b->f_lo, b->hi, b->f_hi, l->xtol, &r);
    b->evaluations += r.evaluations;
    b->lo = r.lo, b->hi = r.hi, b->f_lo = r.f_lo, b->f_hi = r.f_hi;
    b->status = st;
    if (st == QT_OK) {
        b->x = r.root;
    } else {
        b->kind = QT_BOUNDARY_FAILED;
        b->x = isnan(r.failed_x) ? 0.5 * (r.lo + r.hi) : r.failed_x;
    }
    return st;
}

int qt_trace_line(const qt_line *l, qt_scalar_fn f, void *ctx, double *x, double *crossing,
                  double *fx, int *status, qt_boundary_point *out, int cap, int *n_points,
                  long *solves)
{
    *n_points = 0, *solves = 0;
    int n = qt_line_scan_points(l, x, crossing);
    if (n < 0 || !f) return QT_EINVAL;
    for (int i = 0; i < n; i++) {
        status[i] = f(x[i], ctx, &fx[i]);
        if (status[i] != QT_OK) fx[i] = NAN;
    }
    *solves = n;
    *n_points = qt_line_brackets(l, x, crossing, fx, status, n, out, cap);
    int written = *n_points < cap ? *n_points : cap;
    for (int k = 0; k < written; k++) {
        qt_line_refine(l, f, ctx, &out[k]);
        *solves += out[k].evaluations;
    }
    return QT_OK;
}
