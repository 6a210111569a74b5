/* GTH elimination and closed-class detection on chains with known answers. */
#include <string.h>

#include "common.h"
#include "internal.h"

/* Birth-death chain: pi_{k+1} / pi_k = lambda_k / mu_{k+1} exactly. */
static void birth_death_chain_spanning_300_decades(void **state)
{
    (void)state;
    const int sizes[] = {5, QT_GTH_BLOCK + 1, 3 * QT_GTH_BLOCK + 7, 301};
    for (int t = 0; t < 4; t++) {
        int n = sizes[t];
        double *Q = calloc(qt_square(n), sizeof(double)), *pi = calloc(qt_size(n), sizeof(double));
        double *work = calloc(qt_size(n) * (QT_GTH_BLOCK + 1), sizeof(double));
        double *logpi = calloc(qt_size(n), sizeof(double));
        for (int k = 0; k + 1 < n; k++) {
            double up = exp(-2.3 * (k % 7) - 1.0), down = 1.0 + 0.5 * (k % 3);
            Q[qt_offset(k + 1, k, n)] = up;
            Q[qt_offset(k, k + 1, n)] = down;
            logpi[k + 1] = logpi[k] + log(up / down);
        }
        assert_int_equal(qt_gth(n, Q, n, pi, work), 0);
        double lognorm = -INFINITY; /* log sum exp */
        for (int k = 0; k < n; k++)
            lognorm = fmax(lognorm, logpi[k]) + log1p(exp(-fabs(lognorm - logpi[k])));
        for (int k = 0; k < n; k++) {
            double expected = exp(logpi[k] - lognorm);
            if (expected > 1e-300) assert_rel_close(pi[k], expected, 1e-12);
        }
        free(Q), free(pi), free(work), free(logpi);
    }
}

/* Dense random irreducible chain: pi Q = 0 to rounding, against blocked sizes. */
static void random_dense_chain_is_stationary(void **state)
{
    (void)state;
    uint64_t seed = 99;
    int n = 2 * QT_GTH_BLOCK + 13;
    double *Q = calloc(qt_square(n), sizeof(double)), *Q0 = calloc(qt_square(n), sizeof(double));
    double *pi = calloc(qt_size(n), sizeof(double)),
           *work = calloc(qt_size(n) * (QT_GTH_BLOCK + 1), 8);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) Q[i * n + j] = i == j ? 0.0 : exp(uniform(&seed, -20, 2));
    memcpy(Q0, Q, sizeof(double) * qt_square(n));
    assert_int_equal(qt_gth(n, Q, n, pi, work), 0);
    for (int j = 0; j < n; j++) {
        double in = 0.0, out = 0.0;
        for (int i = 0; i < n; i++) {
            if (i == j) continue;
            in += pi[i] * Q0[i * n + j];
            out += pi[j] * Q0[j * n + i];
        }
        assert_rel_close(in, out, 1e-12);
    }
    free(Q), free(Q0), free(pi), free(work);
}

static void reducible_chain_has_zero_pivot(void **state)
{
    (void)state;
    double Q[9] = {0, 1, 0, 1, 0, 0, 0, 0, 0}; /* state 2 isolated */
    double pi[3], work[3 * (QT_GTH_BLOCK + 1)];
    assert_int_equal(qt_gth(3, Q, 3, pi, work), -1);
}

typedef struct {
    int n;
    const int *adj;
} graph;

static int edge(const void *ctx, int u, int v)
{
    const graph *g = ctx;
    return g->adj[u * g->n + v];
}

static void closed_classes_are_counted(void **state)
{
    (void)state;
    int iwork[6 * 6], in_class[6];
    /* 0 <-> 1 closed; 2 -> 0 transient; 3 <-> 4 closed; 5 -> 3 */
    int adj[36] = {0};
    adj[0 * 6 + 1] = adj[1 * 6 + 0] = adj[2 * 6 + 0] = 1;
    adj[3 * 6 + 4] = adj[4 * 6 + 3] = adj[5 * 6 + 3] = 1;
    graph g = {6, adj};
    assert_int_equal(qt_closed_classes(6, edge, &g, in_class, iwork), 2);
    adj[4 * 6 + 2] = 1; /* now {3,4} leaks to 2 -> 0: one closed class {0,1} */
    assert_int_equal(qt_closed_classes(6, edge, &g, in_class, iwork), 1);
    const int expected[6] = {1, 1, 0, 0, 0, 0};
    for (int i = 0; i < 6; i++) assert_int_equal(in_class[i], expected[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(birth_death_chain_spanning_300_decades),
        cmocka_unit_test(random_dense_chain_is_stationary),
        cmocka_unit_test(reducible_chain_has_zero_pivot),
        cmocka_unit_test(closed_classes_are_counted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
