/* The tables of models and master equations. Adding a model: its file
 * (a qt_model_type), a qt_model id and a row here; its own parameters get
 * rows in paramtab.c. Adding a master equation: its file (a qt_me_type), a
 * qt_master_equation id and a row here. */
#include <stddef.h>

#include "internal.h"

static const qt_model_type *const model_types[] = {
    [QT_MODEL_NSITE] = &qt_nsite_type,
    [QT_MODEL_LAMBDA] = &qt_lambda_type,
    [QT_MODEL_VEE] = &qt_vee_type,
};
#define N_MODELS ((int)(sizeof model_types / sizeof model_types[0]))

static const qt_me_type *const me_types[] = {
    [QT_ME_GLOBAL] = &qt_global_me,
    [QT_ME_LOCAL] = &qt_local_me,
    [QT_ME_REDFIELD] = &qt_redfield_me,
};
#define N_MES ((int)(sizeof me_types / sizeof me_types[0]))

/* Choices of the "model" and "master_equation" parameters, in id order. */
const char *const qt_model_names[] = {"nsite", "lambda", "vee", NULL};
const char *const qt_me_names[] = {"global", "local", "redfield", NULL};

const qt_model_type *qt_model_type_of(qt_model m)
{
    return (int)m >= 0 && (int)m < N_MODELS ? model_types[m] : NULL;
}

const qt_me_type *qt_me_type_of(qt_master_equation me)
{
    return (int)me >= 0 && (int)me < N_MES ? me_types[me] : NULL;
}

int qt_model_count(void)
{
    return N_MODELS;
}

const char *qt_model_name(qt_model m)
{
    const qt_model_type *t = qt_model_type_of(m);
    return t ? t->name : "?";
}

const char *qt_model_population_dim(qt_model m)
{
    const qt_model_type *t = qt_model_type_of(m);
    return t ? t->population_dim : "?";
}

int qt_master_equation_count(void)
{
    return N_MES;
}

const char *qt_master_equation_name(qt_master_equation me)
{
    const qt_me_type *t = qt_me_type_of(me);
    return t ? t->name : "?";
}
