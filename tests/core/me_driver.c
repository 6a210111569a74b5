/* Command-line driver of the local / redfield / global solvers of me.h, for
 * comparisons with other implementations (tests/core/qutip_me.py). Prints
 * one JSON object: status, rho (site basis, row-major re / im), heat
 * currents, residual, populations.
 *
 *   me_driver chain  ME SOLVER N gamma flat|ohmic quantum|classical h[N] g[N-1] T[N]
 *   me_driver lambda|vee ME dense gamma flat|ohmic quantum|classical E1 E2 E3 T1 T2
 * ME: global | local | redfield; SOLVER: sector (the fast path) | general (the
 * sector elimination for either equation) | refined (redfield: the Schur
 * form's refinement route, windows of one site each side so that GMRES
 * iterates) | dense. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "me_common.h"

static int lookup(const char *s, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(s, names[i])) return i;
    return -1;
}

static void print_array(const char *key, const double *x, int n)
{
    printf("\"%s\": [", key);
    for (int i = 0; i < n; i++) printf("%s%.17g", i ? ", " : "", x[i]);
    printf("]");
}

static double arg(char **argv, int *i)
{
    return atof(argv[(*i)++]);
}

int main(int argc, char **argv)
{
    static const char *const models[] = {"chain", "lambda", "vee"};
    static const char *const mes[] = {"global", "local", "redfield"};
    static const char *const spectral[] = {"flat", "ohmic"};
    static const char *const baths[] = {"quantum", "classical"};
    if (argc < 8) {
        fprintf(stderr, "usage: see the header of me_driver.c\n");
        return 2;
    }
    int model = lookup(argv[1], models, 3), me_index = lookup(argv[2], mes, 3), i = 4;
    int refined = !strcmp(argv[3], "refined"), general = !strcmp(argv[3], "general");
    int sector = !strcmp(argv[3], "sector") || general || refined;
    int N = model == 0 ? atoi(argv[i++]) : 0;
    double gamma = arg(argv, &i);
    int sp_index = lookup(argv[i++], spectral, 2), bt_index = lookup(argv[i++], baths, 2);
    if (model < 0 || me_index < 0 || sp_index < 0 || bt_index < 0 || N < 0 || N > ME_TEST_MAX_N)
        return 2;
    /* the names are listed in the order of the enumerations */
    qt_master_equation me = (qt_master_equation)me_index;
    qt_spectral sp = (qt_spectral)sp_index;
    qt_bath bt = (qt_bath)bt_index;
    int need = model == 0 ? i + 3 * N - 1 : i + 5;
    if (argc < need) return 2;
    int d = model == 0 ? 2 * N : 3, K = model == 0 ? N : 2;
    qt_me_workspace *mw = qt_me_workspace_alloc(model == 0 ? N : 0, d <= QT_DENSE_MAX_D ? d : 0);
    qt_result *r = qt_result_alloc(N > 3 ? N : 3);
    if (mw && refined) mw->force_schur = 1, mw->refine_mode = 1, mw->win_half = 1;
    double *re = calloc(qt_square(d), sizeof(double)), *im = calloc(qt_square(d), sizeof(double));
    double heat[ME_TEST_MAX_N], residual = 0.0, min_eig = 0.0;
    int st;
    if (model == 0) {
        double h[ME_TEST_MAX_N], g[ME_TEST_MAX_N], T[ME_TEST_MAX_N];
        for (int k = 0; k < N; k++) h[k] = arg(argv, &i);
        for (int k = 0; k < N - 1; k++) g[k] = arg(argv, &i);
        for (int k = 0; k < N; k++) T[k] = arg(argv, &i);
        static test_chain tc;
        test_chain_init(&tc, N, h, g, T, gamma, sp, bt);
        if (sector && me != QT_ME_GLOBAL) {
            if (general)
                st = qt_chain_sector_solve(&tc.c, mw, r, me);
            else
                st = me == QT_ME_LOCAL ? qt_chain_local_solve(&tc.c, mw, r)
                                       : qt_chain_redfield_solve(&tc.c, mw, r);
            if (!st && refined && !mw->refined) st = QT_EINVAL; /* it fell back */
            if (!st) qt_chain_rho(&tc.c, mw, re, im);
            memcpy(heat, r->heat_current, sizeof(double) * qt_size(N));
            residual = r->residual;
        } else {
            st = qt_operators_chain(&tc.c, mw);
            if (!st) st = qt_dense_me_solve(mw, me, heat, &residual, &min_eig);
        }
    } else {
        double E[3], T1, T2;
        for (int a = 0; a < 3; a++) E[a] = arg(argv, &i);
        T1 = arg(argv, &i), T2 = arg(argv, &i);
        qt_bath_params proto = {0.0, gamma, sp, bt};
        st = qt_operators_threelevel((qt_model)model, E, T1, T2, &proto, mw);
        if (!st) st = qt_dense_me_solve(mw, me, heat, &residual, &min_eig);
    }
    if (!st && !(sector && model == 0 && me != QT_ME_GLOBAL)) {
        memcpy(re, mw->rho_re, sizeof(double) * qt_square(d));
        memcpy(im, mw->rho_im, sizeof(double) * qt_square(d));
    }
    printf("{\"status\": %d, \"d\": %d, ", st, d);
    print_array("rho_re", re, d * d);
    printf(", ");
    print_array("rho_im", im, d * d);
    printf(", ");
    print_array("heat", heat, K);
    printf(", \"residual\": %.17g}\n", residual);
    free(re), free(im);
    qt_result_free(&r);
    qt_me_workspace_free(&mw);
    return st ? 1 : 0;
}
