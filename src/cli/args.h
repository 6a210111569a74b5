/* Command-line parsing from the parameter table: every failure prints one
 * line naming the option and the value, and returns nonzero. */
#ifndef QT_CLI_ARGS_H
#define QT_CLI_ARGS_H

#include <stdio.h>

#include "../common/suggest.h"
#include "qthermo/qthermo.h"

#define QT_MAX_ARGS  128
#define QT_ARGS_HELP (-2)

/* One --NAME VALUE as given: the table name it matched, the spelling used. */
typedef struct {
    const char *name;   /* canonical table name */
    const char *option; /* "--TL" as typed (without "=value") */
    const char *value;  /* NULL for flags */
} qt_arg_pair;

/* Collect every option of argv (getopt_long over the table's names and
 * aliases). Returns the count, -1 after a message, or QT_ARGS_HELP. */
int qt_arg_collect(const char *cmd, int argc, char **argv, qt_arg_pair *pairs);
/* The model named by --model among pairs, or -1 after a message. */
int qt_arg_model(const qt_arg_pair *pairs, int n);
/* Every required parameter of the model present (or its replacement)? */
int qt_arg_required(const qt_arg_pair *pairs, int n, qt_model model);

/* A finite number (subnormals included); 1 after a message otherwise. */
int qt_arg_number(const char *opt, const char *text, double *out);
/* Comma-separated numbers, malloc'd; NULL after a message. */
double *qt_arg_list_alloc(const char *opt, const char *text, int *n);
int qt_arg_fail(const char *opt, const char *text, const char *why);
int qt_arg_bad_choice(const char *opt, const char *text, const char *const *choices);

/* Options of every model from the table, for --help (rows without skip_flags). */
void qt_print_param_help(FILE *out, unsigned skip_flags);

#endif
