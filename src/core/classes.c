/* Closed communicating classes of a rate graph (Tarjan's strongly connected
 * components, iterative). A continuous-time chain has a unique stationary
 * state iff it has exactly one closed class; its support is that class.
 * This is how non-uniqueness is detected: from the generator itself. */
#include "internal.h"

/* iwork layout: index, low, comp, stack, call-stack node, call-stack next. */
static void strong_components(int n, qt_edge_fn edge, const void *ctx, int *iwork, int *ncomp)
{
    int *index = iwork, *low = iwork + n, *comp = iwork + 2 * n, *stack = iwork + 3 * n;
    int *cs_node = iwork + 4 * n, *cs_next = iwork + 5 * n;
    for (int i = 0; i < n; i++) index[i] = -1, comp[i] = -1;
    int counter = 0, sp = 0, nc = 0;
    for (int s = 0; s < n; s++) {
        if (index[s] >= 0) continue;
        int csp = 0;
        index[s] = low[s] = counter++;
        stack[sp++] = s;
        cs_node[csp] = s, cs_next[csp++] = 0;
        while (csp > 0) {
            int u = cs_node[csp - 1], v = cs_next[csp - 1];
            if (v < n) {
                cs_next[csp - 1]++;
                if (v == u || !edge(ctx, u, v)) continue;
                if (index[v] < 0) {
                    index[v] = low[v] = counter++;
                    stack[sp++] = v;
                    cs_node[csp] = v, cs_next[csp++] = 0;
                } else if (comp[v] < 0 && index[v] < low[u]) {
                    low[u] = index[v]; /* v is still on the stack */
                }
                continue;
            }
            if (low[u] == index[u]) {
                int x;
                do {
                    x = stack[--sp];
                    comp[x] = nc;
                } while (x != u);
                nc++;
            }
            if (--csp > 0) {
                int parent = cs_node[csp - 1];
                if (low[u] < low[parent]) low[parent] = low[u];
            }
        }
    }
    *ncomp = nc;
}

int qt_closed_classes(int n, qt_edge_fn edge, const void *ctx, int *in_class, int *iwork)
{
    int ncomp;
    strong_components(n, edge, ctx, iwork, &ncomp);
    const int *comp = iwork + 2 * n;
    int *closed = iwork; /* reuses index[]: ncomp <= n */
    for (int c = 0; c < ncomp; c++) closed[c] = 1;
    for (int u = 0; u < n; u++)
        for (int v = 0; v < n; v++)
            if (v != u && comp[u] != comp[v] && closed[comp[u]] && edge(ctx, u, v))
                closed[comp[u]] = 0;
    int n_closed = 0, first = -1;
    for (int c = 0; c < ncomp; c++)
        if (closed[c]) {
            if (first < 0) first = c;
            n_closed++;
        }
    for (int u = 0; u < n; u++) in_class[u] = comp[u] == first;
    return n_closed;
}
