/* The per-point loop of the uniform chain alone, for instruction counts:
 *   valgrind --tool=callgrind build/tests/bench_point_loop N POINTS [SECULAR_RATIO]
 * run twice (e.g. 2000 and 6000 points): the difference over the difference
 * of points is the count per point, independent of start-up and of the load
 * on the machine. The grid is that of `qthermo bench`. */
#include <stdio.h>
#include <stdlib.h>

#include "qthermo/qthermo.h"

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_point_loop N POINTS [SECULAR_RATIO 0|1]\n");
        return 2;
    }
    int N = atoi(argv[1]), n = atoi(argv[2]);
    qt_params p;
    qt_options o;
    qt_params_default(&p, QT_MODEL_NSITE);
    qt_options_default(&o);
    o.want_secular_ratio = argc > 3 && atoi(argv[3]);
    p.N = N, p.T_L = 0.8;
    qt_workspace *w = qt_workspace_alloc(QT_MODEL_NSITE, N, qt_workspace_flags(&p, &o));
    qt_result *r = qt_result_alloc(N);
    if (!w || !r) return 1;
    double sum = 0.0;
    for (int i = 0; i < n; i++) {
        p.g = 0.1005 + 0.012 * (i % 100);
        p.T_R = 0.1 + 0.007 * ((i / 100) % 100);
        if (qt_solve(&p, &o, w, r) == QT_OK) sum += r->x_cm;
    }
    printf("%.17g\n", sum); /* the same sum before and after a change: the same results */
    qt_workspace_free(&w);
    qt_result_free(&r);
    return 0;
}
