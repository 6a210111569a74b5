#include "args.h"

#include <errno.h>
#include <float.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The long options: every table name and alias once, plus --help. The
 * option's index is its position in names[]. */
typedef struct {
    struct option opts[2 * 64 + 2];
    const char *names[2 * 64 + 2];     /* spelling of each option */
    const char *canonical[2 * 64 + 2]; /* its table name */
    char dashed[2 * 64 + 2][40];       /* "--" spelling, for messages */
    int n;
} option_set;

static int known(const option_set *s, const char *spelling)
{
    for (int i = 0; i < s->n; i++)
        if (!strcmp(s->names[i], spelling)) return 1;
    return 0;
}

static void add_option(option_set *s, const char *spelling, const qt_param_info *pi)
{
    if (!spelling || known(s, spelling)) return;
    int has_arg = pi && pi->type == QT_PT_FLAG ? no_argument : required_argument;
    if (!pi) has_arg = no_argument;
    s->names[s->n] = spelling;
    s->canonical[s->n] = pi ? pi->name : spelling;
    snprintf(s->dashed[s->n], sizeof s->dashed[s->n], "--%s", spelling);
    s->opts[s->n] = (struct option){spelling, has_arg, NULL, s->n};
    s->n++;
}

static void build_options(option_set *s, unsigned skip)
{
    s->n = 0;
    for (int i = 0; i < qt_param_count(); i++) {
        const qt_param_info *pi = qt_param_at(i);
        if (pi->flags & (skip | QT_PF_DERIVED)) continue;
        add_option(s, pi->name, pi);
        add_option(s, pi->alias, pi);
    }
    add_option(s, "help", NULL);
    s->opts[s->n] = (struct option){NULL, 0, NULL, 0};
}

static void unknown_option(const char *cmd, const option_set *s, const char *arg)
{
    char word[64];
    snprintf(word, sizeof word, "%s", arg + (strncmp(arg, "--", 2) ? 0 : 2));
    word[strcspn(word, "=")] = '\0';
    const char *hint = qt_suggest(word, s->names, s->n);
    if (hint)
        fprintf(stderr, "qthermo %s: unknown option '%s' (did you mean --%s?)\n", cmd, arg, hint);
    else
        fprintf(stderr, "qthermo %s: unknown option '%s' (see qthermo %s --help)\n", cmd, arg, cmd);
}

static int one_option(const char *cmd, const option_set *s, int c, char **argv, qt_arg_pair *p)
{
    /* the option as typed: --NAME=VALUE, or --NAME then VALUE */
    const char *typed = argv[optind - 1];
    if (c != '?' && c != ':' && optarg && optarg == argv[optind - 1]) typed = argv[optind - 2];
    if (c == '?') {
        unknown_option(cmd, s, typed);
        return -1;
    }
    if (c == ':') {
        fprintf(stderr, "qthermo %s: option %s needs a value\n", cmd, typed);
        return -1;
    }
    /* getopt accepts unique abbreviations; one spelling means exact names */
    const char *typed_name = typed + (typed[1] == '-' ? 2 : 1);
    size_t len = strcspn(typed_name, "=");
    if (strlen(s->names[c]) != len) {
        unknown_option(cmd, s, typed);
        return -1;
    }
    if (!strcmp(s->names[c], "help")) return QT_ARGS_HELP;
    p->name = s->canonical[c];
    p->option = s->dashed[c];
    p->value = optarg;
    return 0;
}

int qt_arg_collect(const char *cmd, int argc, char **argv, qt_arg_pair *pairs)
{
    static option_set s;
    build_options(&s, strcmp(cmd, "point") ? QT_PF_POINT : QT_PF_SWEEP);
    int n = 0, c, idx = 0;
    opterr = 0;
    optind = 1;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "-h")) return QT_ARGS_HELP;
    while ((c = getopt_long_only(argc, argv, "+:", s.opts, &idx)) != -1) {
        if (n == QT_MAX_ARGS) {
            fprintf(stderr, "qthermo %s: too many options\n", cmd);
            return -1;
        }
        int st = one_option(cmd, &s, c, argv, &pairs[n]);
        if (st) return st;
        n++;
    }
    if (optind < argc) {
        fprintf(stderr, "qthermo %s: unexpected argument '%s'\n", cmd, argv[optind]);
        return -1;
    }
    return n;
}

int qt_arg_model(const qt_arg_pair *pairs, int n)
{
    const qt_param_info *pi = qt_param_lookup("model");
    for (int i = 0; i < n; i++)
        if (!strcmp(pairs[i].name, "model")) {
            int m = qt_param_choice(pi, pairs[i].value);
            if (m < 0) qt_arg_bad_choice(pairs[i].option, pairs[i].value, pi->choices);
            return m;
        }
    fprintf(stderr, "qthermo point: missing required option --model (");
    for (int i = 0; pi->choices[i]; i++) fprintf(stderr, "%s%s", i ? " | " : "", pi->choices[i]);
    fprintf(stderr, ")\n");
    return -1;
}

static int given(const qt_arg_pair *pairs, int n, const char *name)
{
    for (int i = 0; name && i < n; i++)
        if (!strcmp(pairs[i].name, name)) return 1;
    return 0;
}

int qt_arg_required(const qt_arg_pair *pairs, int n, qt_model model)
{
    for (int i = 0; i < qt_param_count(); i++) { /* T_sites replaces T_L: not both */
        const qt_param_info *pi = qt_param_at(i);
        if (pi->replaced_by && (pi->models & (1u << model)) && given(pairs, n, pi->name) &&
            given(pairs, n, pi->replaced_by)) {
            fprintf(stderr,
                    "qthermo point: option --%s replaces --%s: give one of them, not both\n",
                    pi->replaced_by, pi->name);
            return 1;
        }
    }
    for (int i = 0; i < qt_param_count(); i++) {
        const qt_param_info *pi = qt_param_at(i);
        if (!(pi->flags & QT_PF_REQUIRED) || !(pi->models & (1u << model))) continue;
        if (given(pairs, n, pi->name) || given(pairs, n, pi->replaced_by)) continue;
        fprintf(stderr, "qthermo point: missing required option --%s%s%s%s\n", pi->name,
                pi->replaced_by ? " (or --" : "", pi->replaced_by ? pi->replaced_by : "",
                pi->replaced_by ? ")" : "");
        return 1;
    }
    return 0;
}

int qt_arg_fail(const char *opt, const char *text, const char *why)
{
    fprintf(stderr, "qthermo: option %s: '%s' %s\n", opt, text, why);
    return 1;
}

int qt_arg_number(const char *opt, const char *text, double *out)
{
    int st = qt_parse_real(text, out);
    if (st == 1) return qt_arg_fail(opt, text, "is not a number");
    if (st == 2) return qt_arg_fail(opt, text, "is not a finite number");
    return 0;
}

double *qt_arg_list_alloc(const char *opt, const char *text, int *n)
{
    int cap = 1;
    for (const char *c = text; *c; c++) cap += *c == ',';
    double *v = malloc(sizeof(double) * (size_t)cap);
    if (!v) return NULL;
    const char *s = text;
    for (int i = 0; i < cap; i++) {
        size_t len = strcspn(s, ",");
        char item[64];
        int bad = len == 0 || len >= sizeof item;
        if (!bad) {
            memcpy(item, s, len);
            item[len] = '\0';
            bad = qt_parse_real(item, &v[i]) != 0;
        }
        if (bad) {
            free(v);
            qt_arg_fail(opt, text, "is not a list of comma-separated finite numbers");
            return NULL;
        }
        s += len + 1;
    }
    *n = cap;
    return v;
}

int qt_arg_bad_choice(const char *opt, const char *text, const char *const *choices)
{
    fprintf(stderr, "qthermo: option %s: unknown value '%s' (expected", opt, text);
    for (int i = 0; choices[i]; i++) fprintf(stderr, "%s%s", i ? " | " : " ", choices[i]);
    fprintf(stderr, ")\n");
    return 1;
}

static void print_row(FILE *out, const qt_param_info *pi)
{
    char head[64];
    snprintf(head, sizeof head, "--%s%s%s", pi->name, pi->alias ? ", --" : "",
             pi->alias ? pi->alias : "");
    fprintf(out, "  %-26s %s", head, pi->description);
    if (pi->type == QT_PT_ENUM) {
        fprintf(out, " [");
        for (int i = 0; pi->choices[i]; i++)
            fprintf(out, "%s%s%s", i ? "|" : "", pi->choices[i], i == (int)pi->def ? "*" : "");
        fprintf(out, "]");
    } else if (pi->type == QT_PT_REAL || pi->type == QT_PT_INT) {
        if (!(pi->flags & QT_PF_REQUIRED)) fprintf(out, " (default %g)", pi->def);
        if (pi->unit[0] && strcmp(pi->unit, "1")) fprintf(out, " [%s]", pi->unit);
    }
    fprintf(out, "\n");
}

void qt_print_param_help(FILE *out, unsigned skip)
{
    for (int m = 0; m < qt_model_count(); m++) {
        fprintf(out, " %s:\n", qt_model_name((qt_model)m));
        for (int i = 0; i < qt_param_count(); i++) {
            const qt_param_info *pi = qt_param_at(i);
            int all = pi->models == (1u << qt_model_count()) - 1;
            if ((pi->flags & (skip | QT_PF_DERIVED)) || !strcmp(pi->name, "model") || all ||
                !(pi->models & (1u << m)))
                continue;
            print_row(out, pi);
        }
    }
    fprintf(out, " every model:\n");
    for (int i = 0; i < qt_param_count(); i++) {
        const qt_param_info *pi = qt_param_at(i);
        if ((pi->flags & (skip | QT_PF_DERIVED)) || pi->models != (1u << qt_model_count()) - 1)
            continue;
        print_row(out, pi);
    }
}
