/* Shared helpers of the numerics unit tests (cmocka). */
#ifndef QT_TEST_COMMON_H
#define QT_TEST_COMMON_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "qthermo/qthermo.h"

/* |a - b| <= tol, with both values in the failure message */
#define assert_close(a, b, tol)                                                                    \
    do {                                                                                           \
        double a_ = (a), b_ = (b), t_ = (tol);                                                     \
        if (!(fabs(a_ - b_) <= t_))                                                                \
            fail_msg("%s = %.17g and %s = %.17g differ by %.3g > %.3g", #a, a_, #b, b_,            \
                     fabs(a_ - b_), t_);                                                           \
    } while (0)

#define assert_rel_close(a, b, rtol) assert_close(a, b, (rtol)*fabs(b))

static inline qt_params nsite_params(int N, double g, double TL, double TR)
{
    qt_params p;
    qt_params_default(&p, QT_MODEL_NSITE);
    p.N = N, p.g = g, p.T_L = TL, p.T_R = TR;
    return p;
}

static inline qt_params threelevel_params(qt_model m, double T1, double T2)
{
    qt_params p;
    qt_params_default(&p, m);
    p.T1 = T1, p.T2 = T2;
    return p;
}

/* Solve with a fresh workspace; returns the status, result in *r (caller frees). */
static inline int solve_once(const qt_params *p, const qt_options *o, qt_result **r)
{
    int N = p->model == QT_MODEL_NSITE ? p->N : 3;
    unsigned flags = QT_WS_GAP | (o->solver == QT_SOLVER_DENSE ? QT_WS_DENSE : 0);
    qt_workspace *w = qt_workspace_alloc(p->model, N, flags);
    *r = qt_result_alloc(N);
    assert_non_null(w);
    assert_non_null(*r);
    int st = qt_solve(p, o, w, *r);
    qt_workspace_free(&w);
    return st;
}

/* Deterministic uniform numbers in [lo, hi) (xorshift), so failures reproduce. */
static inline double uniform(uint64_t *s, double lo, double hi)
{
    *s ^= *s << 13, *s ^= *s >> 7, *s ^= *s << 17;
    return lo + (hi - lo) * ((double)(*s >> 11) * (1.0 / 9007199254740992.0));
}

#endif
