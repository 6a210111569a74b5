/* qthermo params: the parameter table as JSON (for scripts, plots, man
 * pages and the tests that walk it), or as text. */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "args.h"
#include "commands.h"
#include "qthermo/qthermo.h"

static cJSON *row_json(const qt_param_info *pi)
{
    static const char *const types[] = {"real", "int", "enum", "list", "flag"};
    static const char *const constraints[] = {"finite", "positive", "nonnegative",
                                              "sites",  "count",    "threads"};
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "name", pi->name);
    if (pi->alias) cJSON_AddStringToObject(r, "alias", pi->alias);
    cJSON *models = cJSON_AddArrayToObject(r, "models");
    for (int m = 0; m < qt_model_count(); m++)
        if (pi->models & (1u << m))
            cJSON_AddItemToArray(models, cJSON_CreateString(qt_model_name((qt_model)m)));
    cJSON_AddStringToObject(r, "type", types[pi->type]);
    cJSON_AddStringToObject(r, "constraint", constraints[pi->constraint]);
    if (pi->type == QT_PT_ENUM) {
        cJSON *ch = cJSON_AddArrayToObject(r, "choices");
        for (int i = 0; pi->choices[i]; i++)
            cJSON_AddItemToArray(ch, cJSON_CreateString(pi->choices[i]));
        cJSON_AddStringToObject(r, "default", pi->choices[(int)pi->def]);
    } else if (pi->type != QT_PT_LIST) {
        cJSON_AddNumberToObject(r, "default", pi->def);
    }
    cJSON_AddStringToObject(r, "unit", pi->unit);
    cJSON_AddStringToObject(r, "long_name", pi->long_name);
    cJSON_AddStringToObject(r, "description", pi->description);
    cJSON_AddBoolToObject(r, "axis", (pi->flags & QT_PF_AXIS) != 0);
    cJSON_AddBoolToObject(r, "option", (pi->flags & QT_PF_OPTION) != 0);
    cJSON_AddBoolToObject(r, "required", (pi->flags & QT_PF_REQUIRED) != 0);
    cJSON_AddBoolToObject(r, "axis_only", (pi->flags & QT_PF_DERIVED) != 0);
    cJSON_AddBoolToObject(r, "point_only", (pi->flags & QT_PF_POINT) != 0);
    if (pi->replaced_by) cJSON_AddStringToObject(r, "replaced_by", pi->replaced_by);
    return r;
}

int qt_cmd_params(int argc, char **argv)
{
    int json = argc > 1 && !strcmp(argv[1], "--json");
    if (argc > 2 || (argc == 2 && !json)) {
        if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
            printf("usage: qthermo params [--json]\n"
                   "The parameter table: every option of qthermo point and key of a sweep\n"
                   "config, with its models, type, default, constraint and unit.\n");
            return QT_EXIT_OK;
        }
        fprintf(stderr, "qthermo params: unknown argument '%s' (expected --json)\n", argv[1]);
        return QT_EXIT_USAGE;
    }
    if (!json) {
        qt_print_param_help(stdout, 0);
        return QT_EXIT_OK;
    }
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < qt_param_count(); i++) cJSON_AddItemToArray(a, row_json(qt_param_at(i)));
    char *text = cJSON_Print(a);
    int bad = !text || puts(text) < 0;
    cJSON_free(text);
    cJSON_Delete(a);
    return bad ? QT_EXIT_FAILURE : QT_EXIT_OK;
}
