/* A user's program against an installed libqthermo: one point from
 * NAME=VALUE arguments (the parameter table's names), every observable
 * printed as "NAME v1 v2 ..." with 17 digits (exact doubles).
 * usage: example MODEL NAME=VALUE ... */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qthermo/qthermo.h>

static int set_param(qt_params *p, qt_options *o, const char *arg)
{
    char name[64];
    const char *eq = strchr(arg, '=');
    if (!eq || eq - arg >= (int)sizeof name) return 1;
    memcpy(name, arg, (size_t)(eq - arg));
    name[eq - arg] = '\0';
    const qt_param_info *pi = qt_param_find(name, p->model);
    double v;
    if (!pi) return 1;
    if (pi->type == QT_PT_ENUM) {
        v = qt_param_choice(pi, eq + 1);
        if (v < 0) return 1;
    } else if (qt_parse_real(eq + 1, &v)) {
        return 1;
    }
    return qt_param_set(p, o, pi, v) != QT_OK;
}

static void print_observables(const qt_params *p, const qt_result *r)
{
    double v[4096];
    for (int i = 0; i < qt_observable_count(); i++) {
        const qt_observable_info *oi = qt_observable_at(i);
        if (!(oi->models & (1u << p->model)) || oi->needs_gap) continue;
        int n = qt_result_get(r, oi->name, v, 4096);
        printf("%s", oi->name);
        for (int k = 0; k < n; k++) printf(" %.17g", v[k]);
        printf("\n");
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) return 2;
    int model = -1;
    for (int m = 0; m < qt_model_count(); m++)
        if (!strcmp(argv[1], qt_model_name((qt_model)m))) model = m;
    if (model < 0) return 2;
    qt_params p;
    qt_options o;
    qt_params_default(&p, (qt_model)model);
    qt_options_default(&o);
    o.want_secular_ratio = 1; /* as qthermo point */
    for (int i = 2; i < argc; i++)
        if (set_param(&p, &o, argv[i])) {
            fprintf(stderr, "example: bad argument %s\n", argv[i]);
            return 2;
        }
    int N = model == QT_MODEL_NSITE ? p.N : 3;
    qt_workspace *w = qt_workspace_alloc(p.model, N, qt_workspace_flags(&p, &o));
    qt_result *r = qt_result_alloc(N);
    if (!w || !r) return 1;
    int st = qt_solve(&p, &o, w, r);
    printf("status %s\npath %s\n", qt_status_name(st), qt_path_name(qt_result_path(r)));
    print_observables(&p, r);
    qt_workspace_free(&w);
    qt_result_free(&r);
    return st == QT_OK ? 0 : 3;
}
