/* The local and Bloch-Redfield master equations as master-equation types
 * (docs/physics.md section 6). A model that is a chain takes the sector
 * solvers of me_chain.c (solver secular) or the dense reference (solver
 * dense); any other model the dense reference on its own operators. */
#include "me.h"

static int solve_variant(qt_master_equation me, const qt_model_type *m, const qt_params *p,
                         const qt_options *o, qt_workspace *w, qt_result *r)
{
    qt_me_workspace *mw = w->me;
    if (!mw) return QT_EINVAL; /* planned without QT_WS_ME */
    mw->tol = o->tol;
    if (m->chain && o->solver == QT_SOLVER_SECULAR) {
        m->chain(p, w, &w->chain);
        return me == QT_ME_LOCAL ? qt_chain_local_solve(&w->chain, mw, r)
                                 : qt_chain_redfield_solve(&w->chain, mw, r);
    }
    int st = m->operators(p, w, mw);
    return st ? st : qt_dense_me_point(mw, me, m->chain != NULL, r);
}

static int solve_local(const qt_model_type *m, const qt_params *p, const qt_options *o,
                       qt_workspace *w, qt_result *r)
{
    return solve_variant(QT_ME_LOCAL, m, p, o, w, r);
}

static int solve_redfield(const qt_model_type *m, const qt_params *p, const qt_options *o,
                          qt_workspace *w, qt_result *r)
{
    return solve_variant(QT_ME_REDFIELD, m, p, o, w, r);
}

const qt_me_type qt_local_me = {"local", QT_ME_LOCAL, solve_local};
const qt_me_type qt_redfield_me = {"redfield", QT_ME_REDFIELD, solve_redfield};
