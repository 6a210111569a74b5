/* Bracketing root finder: Brent's method (R. P. Brent, "Algorithms for
 * Minimization without Derivatives", 1973, chapter 4), with an explicit
 * bisection whenever three evaluations have not halved the bracket, so the
 * number of evaluations is bounded and smooth roots converge superlinearly. */
#include <float.h>
#include <math.h>

#include "qthermo/qthermo.h"

static int negative(double f)
{
    return f < 0.0;
}

/* Brent's state: b the best estimate, c the other end of the bracket, a the
 * previous b; d the last step, e the one before. */
typedef struct {
    double a, b, c, fa, fb, fc, d, e;
} brent_state;

static void collapse(qt_root *r, double x, double fx)
{
    r->lo = r->hi = r->root = x;
    r->f_lo = r->f_hi = fx;
}

/* Keep b and c on opposite sides, b the end with the smaller |f|. */
static void order_ends(brent_state *s)
{
    if (negative(s->fb) == negative(s->fc)) {
        s->c = s->a, s->fc = s->fa;
        s->d = s->e = s->b - s->a;
    }
    if (fabs(s->fc) < fabs(s->fb)) {
        s->a = s->b, s->fa = s->fb;
        s->b = s->c, s->fb = s->fc;
        s->c = s->a, s->fc = s->fa;
    }
}

/* The next step from b: inverse quadratic or secant when it is safely inside
 * and shrinking fast enough, else half the bracket. */
static void choose_step(brent_state *s, double tol1, int force_bisect)
{
    double xm = 0.5 * (s->c - s->b);
    if (force_bisect || fabs(s->e) < tol1 || fabs(s->fa) <= fabs(s->fb)) {
        s->d = s->e = xm;
        return;
    }
    double p, q, sb = s->fb / s->fa;
    if (s->a == s->c) { /* secant */
        p = 2.0 * xm * sb;
        q = 1.0 - sb;
    } else { /* inverse quadratic through a, b, c */
        double qa = s->fa / s->fc, rb = s->fb / s->fc;
        p = sb * (2.0 * xm * qa * (qa - rb) - (s->b - s->a) * (rb - 1.0));
        q = (qa - 1.0) * (rb - 1.0) * (sb - 1.0);
    }
    if (p > 0.0)
        q = -q;
    else
        p = -p;
    if (2.0 * p < fmin(3.0 * xm * q - fabs(tol1 * q), fabs(s->e * q))) {
        s->e = s->d;
        s->d = p / q;
    } else {
        s->d = s->e = xm;
    }
}

static void finish(qt_root *r, const brent_state *s)
{
    if (s->fb == 0.0) {
        collapse(r, s->b, s->fb);
        return;
    }
    r->root = s->b;
    int b_low = s->b < s->c;
    r->lo = b_low ? s->b : s->c, r->f_lo = b_low ? s->fb : s->fc;
    r->hi = b_low ? s->c : s->b, r->f_hi = b_low ? s->fc : s->fb;
}

static int valid_input(double a, double fa, double b, double fb, double xtol)
{
    return isfinite(a) && isfinite(b) && isfinite(fa) && isfinite(fb) && a != b && isfinite(xtol) &&
           xtol >= 0.0 && negative(fa) != negative(fb);
}

int qt_root_bracketed(qt_scalar_fn f, void *ctx, double a, double fa, double b, double fb,
                      double xtol, qt_root *r)
{
    r->evaluations = 0;
    r->failed_x = NAN;
    r->lo = fmin(a, b), r->hi = fmax(a, b);
    r->f_lo = a < b ? fa : fb, r->f_hi = a < b ? fb : fa;
    r->root = NAN;
    if (!f || !valid_input(a, fa, b, fb, xtol)) return r->status = QT_EINVAL;
    r->status = QT_OK;
    if (fa == 0.0 || fb == 0.0) {
        collapse(r, fa == 0.0 ? a : b, 0.0);
        return QT_OK;
    }
    brent_state s = {a, b, a, fa, fb, fa, b - a, b - a};
    double width_ref = fabs(b - a);
    int since_halved = 0;
    for (;;) {
        order_ends(&s);
        double width = fabs(s.c - s.b);
        double tol1 = fmax(0.5 * xtol, 2.0 * DBL_EPSILON * fabs(s.b));
        if (s.fb == 0.0 || width <= 2.0 * tol1) break;
        if (width <= 0.5 * width_ref) width_ref = width, since_halved = 0;
        choose_step(&s, tol1, since_halved >= 3);
        s.a = s.b, s.fa = s.fb;
        s.b += fabs(s.d) > tol1 ? s.d : copysign(tol1, s.c - s.b);
        r->evaluations++, since_halved++;
        int st = f(s.b, ctx, &s.fb);
        if (st == QT_OK && !isfinite(s.fb)) st = QT_EINVAL;
        if (st != QT_OK) {
            r->failed_x = s.b;
            s.b = s.a, s.fb = s.fa; /* the last good bracket [a, c] */
            finish(r, &s);
            return r->status = st;
        }
    }
    finish(r, &s);
    return QT_OK;
}
