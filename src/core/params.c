/* Parameter defaults and validation, both read from the parameter table
 * (paramtab.c): a value is valid here exactly when the table's constraint
 * accepts it, whichever entry point (command line, config, library) set it. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

void qt_params_default(qt_params *p, qt_model model)
{
    memset(p, 0, sizeof *p);
    p->model = model;
    /* the chain's and the three-level models' defaults both hold, so that a
     * params struct switched to another model stays valid */
    qt_params tmp = *p;
    for (int m = 0; m < qt_model_count(); m++) {
        tmp.model = (qt_model)m;
        qt_param_defaults(&tmp, NULL);
    }
    tmp.model = model;
    qt_param_defaults(&tmp, NULL);
    *p = tmp;
}

void qt_options_default(qt_options *o)
{
    memset(o, 0, sizeof *o);
    for (int i = 0; i < qt_param_count(); i++) {
        const qt_param_info *pi = qt_param_at(i);
        if (pi->flags & QT_PF_OPTION) qt_param_set(NULL, o, pi, pi->def);
    }
    o->threads = 1;
}

int qt_dimension(const qt_params *p)
{
    const qt_model_type *m = qt_model_type_of(p->model);
    return m ? m->dimension(p) : 0;
}

int qt_n_baths(const qt_params *p)
{
    const qt_model_type *m = qt_model_type_of(p->model);
    return m ? m->n_baths(p) : 0;
}

static int check_list(const qt_params *p, const qt_param_info *pi, char *msg, size_t len)
{
    int n;
    const double *v = qt_param_get_list(p, pi, &n);
    if (!v) return QT_OK;
    int want = qt_param_list_length(pi, p);
    if (want && n != want) {
        if (msg && len) snprintf(msg, len, "%s: %d entries, expected %d", pi->name, n, want);
        return QT_EINVAL;
    }
    for (int i = 0; i < n; i++)
        if (qt_param_check_value(pi, v[i], NULL, 0)) {
            char inner[160];
            qt_param_check_value(pi, v[i], inner, sizeof inner);
            if (msg && len) snprintf(msg, len, "%s entry %d: %s", pi->name, i + 1, inner);
            return QT_EINVAL;
        }
    return QT_OK;
}

/* Every row of the table that applies to the model, value by value. */
static int check_rows(const qt_params *p, const qt_options *o, unsigned where, char *msg,
                      size_t len)
{
    for (int i = 0; i < qt_param_count(); i++) {
        const qt_param_info *pi = qt_param_at(i);
        if (!(pi->models & (1u << p->model)) || (pi->flags & QT_PF_DERIVED)) continue;
        if ((pi->flags & QT_PF_OPTION) != where || !strcmp(pi->name, "populations")) continue;
        int st = pi->type == QT_PT_LIST
                     ? check_list(p, pi, msg, len)
                     : qt_param_check_value(pi, qt_param_get(p, o, pi), msg, len);
        if (st) return st;
    }
    return QT_OK;
}

int qt_params_check(const qt_params *p, char *msg, size_t len)
{
    const qt_model_type *m = qt_model_type_of(p->model);
    if (!m) {
        if (msg && len) snprintf(msg, len, "model = %d: not a model", (int)p->model);
        return QT_EINVAL;
    }
    if (!qt_me_type_of(p->master_equation)) {
        if (msg && len)
            snprintf(msg, len, "master_equation = %d: not available", (int)p->master_equation);
        return QT_EINVAL;
    }
    int st = check_rows(p, NULL, 0, msg, len);
    return st ? st : m->check(p, msg, len);
}

int qt_options_check(const qt_options *o, char *msg, size_t len)
{
    qt_params p;
    memset(&p, 0, sizeof p);
    p.model = QT_MODEL_NSITE; /* every option applies to the chain */
    return check_rows(&p, o, QT_PF_OPTION, msg, len);
}
