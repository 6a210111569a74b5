/* Sweep configuration: YAML (libyaml's document API) -> sw_config, with
 * every check a user can get wrong reported as one line naming the file,
 * line and key.
 *
 * Why libyaml and not libcyaml: an axis is either a list of numbers or a
 * mapping {start, stop, num, log}; libcyaml's schemas have no "either"
 * type. The libyaml node tree keeps line numbers for every key and value,
 * and the schema below is a table walked by a few small functions. */
#include "config.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <yaml.h>

#include "outputs.h"

#define STR_(x) #x
#define STR(x)  STR_(x)

/* Keys of a config besides the parameter table's rows. */
static const char *const structure_keys[] = {"axes", "observables", "boundary"};
#define N_STRUCTURE_KEYS 3

static const char *enum_name(const char *param, int value)
{
    const qt_param_info *pi = qt_param_lookup(param);
    int n = 0;
    while (pi->choices[n]) n++;
    return value >= 0 && value < n ? pi->choices[value] : "?";
}

const char *sw_model_name(qt_model m)
{
    return enum_name("model", (int)m);
}
const char *sw_spectral_name(qt_spectral s)
{
    return enum_name("spectral", (int)s);
}
const char *sw_bath_name(qt_bath b)
{
    return enum_name("bath", (int)b);
}
const char *sw_solver_name(qt_solver s)
{
    return enum_name("solver", (int)s);
}

/* ---- error reporting ---------------------------------------------------- */

typedef struct {
    const char *fname;
    yaml_document_t *doc;
    char *msg;
    size_t msglen;
    int64_t points;       /* grid points of the axes parsed so far */
    const char *bnd_axis; /* the `boundary` axis, given as {start, stop}, or NULL */
} ctx_t;

/* "FILE:LINE: KEY: message" (line omitted when node is NULL). Returns -1. */
static int fail(ctx_t *c, const yaml_node_t *node, const char *key, const char *fmt, ...)
{
    char text[SW_MSG_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (node)
        snprintf(c->msg, c->msglen, "%s:%lu: %s: %s", c->fname,
                 (unsigned long)node->start_mark.line + 1, key, text);
    else
        snprintf(c->msg, c->msglen, "%s: %s: %s", c->fname, key, text);
    return -1;
}

/* Levenshtein distance, for "did you mean" hints on misspelled keys. */
static int edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 31 || lb > 31) return 99;
    int d[32][32];
    for (size_t i = 0; i <= la; i++) d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++) d[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            int sub = d[i - 1][j - 1] +
                      (tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]));
            int del = d[i - 1][j] + 1, ins = d[i][j - 1] + 1;
            d[i][j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
    return d[la][lb];
}

/* ", did you mean 'x'?" or "" */
static const char *suggest(const char *word, const char *const *cands, size_t n, char *buf,
                           size_t buflen)
{
    int best = 3;
    const char *pick = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!cands[i]) continue;
        int d = edit_distance(word, cands[i]);
        if (d < best) best = d, pick = cands[i];
    }
    if (!pick) return "";
    snprintf(buf, buflen, "; did you mean '%s'?", pick);
    return buf;
}

/* ---- scalar conversions ------------------------------------------------- */

static const char *node_kind(const yaml_node_t *n)
{
    switch (n->type) {
    case YAML_SEQUENCE_NODE:
        return "a list";
    case YAML_MAPPING_NODE:
        return "a mapping";
    default:
        return "an empty value";
    }
}

static const char *scalar(const yaml_node_t *n)
{
    return n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static int is_plain(const yaml_node_t *n)
{
    return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

static int get_double(ctx_t *c, const yaml_node_t *n, const char *key, double *out)
{
    const char *s = scalar(n);
    if (!s) return fail(c, n, key, "wrong type: expected a number, got %s", node_kind(n));
    if (!is_plain(n))
        return fail(c, n, key, "wrong type: expected a number, got the string \"%s\"", s);
    static const char *const nonfinite[] = {".inf", "+.inf", "-.inf", ".nan"};
    for (int i = 0; i < 4; i++)
        if (!strcasecmp(s, nonfinite[i]))
            return fail(c, n, key, "must be a finite number (got '%s')", s);
    int st = qt_parse_real(s, out);
    if (st == 1) return fail(c, n, key, "wrong type: expected a number, got '%s'", s);
    if (st == 2) return fail(c, n, key, "must be a finite number (got '%s')", s);
    return 0;
}

static int get_int(ctx_t *c, const yaml_node_t *n, const char *key, long lo, long hi, long *out)
{
    const char *s = scalar(n);
    if (!s) return fail(c, n, key, "wrong type: expected an integer, got %s", node_kind(n));
    if (!is_plain(n))
        return fail(c, n, key, "wrong type: expected an integer, got the string \"%s\"", s);
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end || errno == ERANGE)
        return fail(c, n, key, "wrong type: expected an integer, got '%s'", s);
    if (v < lo || v > hi) return fail(c, n, key, "must be in [%ld, %ld] (got %ld)", lo, hi, v);
    *out = v;
    return 0;
}

static int get_bool(ctx_t *c, const yaml_node_t *n, const char *key, int *out)
{
    static const char *const yes[] = {"true", "yes", "on"}, *const no[] = {"false", "no", "off"};
    const char *s = scalar(n);
    if (s && is_plain(n))
        for (int i = 0; i < 3; i++) {
            if (!strcasecmp(s, yes[i])) return *out = 1, 0;
            if (!strcasecmp(s, no[i])) return *out = 0, 0;
        }
    return fail(c, n, key, "wrong type: expected true or false, got %s%s%s", s ? "'" : "",
                s ? s : node_kind(n), s ? "'" : "");
}

static int get_enum(ctx_t *c, const yaml_node_t *n, const char *key, const char *const *names,
                    int count, int *out)
{
    const char *s = scalar(n);
    if (!s) return fail(c, n, key, "wrong type: expected a name, got %s", node_kind(n));
    for (int i = 0; i < count; i++)
        if (!strcmp(s, names[i])) return *out = i, 0;
    char list[160] = "", hint[64];
    for (int i = 0; i < count; i++) {
        strcat(list, i ? ", " : "");
        strcat(list, names[i]);
    }
    return fail(c, n, key, "must be one of %s (got '%s')%s", list, s,
                suggest(s, names, (size_t)count, hint, sizeof hint));
}

/* ---- mappings ----------------------------------------------------------- */

static yaml_node_t *node_at(ctx_t *c, int index)
{
    return yaml_document_get_node(c->doc, index);
}

/* Check that n is a mapping with string keys, no key twice, and every key in
 * `known` (NULL entries are skipped). */
static int check_mapping(ctx_t *c, const yaml_node_t *n, const char *key, const char *const *known,
                         size_t n_known)
{
    if (n->type != YAML_MAPPING_NODE)
        return fail(c, n, key, "wrong type: expected a mapping, got %s%s%s", scalar(n) ? "'" : "",
                    scalar(n) ? scalar(n) : node_kind(n), scalar(n) ? "'" : "");
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node_at(c, p->key);
        const char *ks = scalar(k);
        if (!ks) return fail(c, k, key, "keys must be names, got %s", node_kind(k));
        char full[128], hint[64];
        snprintf(full, sizeof full, "%s%s%s", key[0] ? key : "", key[0] ? "." : "", ks);
        size_t i = 0;
        while (i < n_known && (!known[i] || strcmp(known[i], ks))) i++;
        if (i == n_known)
            return fail(c, k, full, "unknown key%s",
                        suggest(ks, known, n_known, hint, sizeof hint));
        for (yaml_node_pair_t *q = n->data.mapping.pairs.start; q < p; q++)
            if (!strcmp(scalar(node_at(c, q->key)), ks)) return fail(c, k, full, "key given twice");
    }
    return 0;
}

/* Value node of `name` in mapping n, or NULL; *keynode gets the key node. */
static yaml_node_t *lookup(ctx_t *c, const yaml_node_t *n, const char *name, yaml_node_t **keynode)
{
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node_at(c, p->key);
        if (!strcmp(scalar(k), name)) {
            if (keynode) *keynode = k;
            return node_at(c, p->value);
        }
    }
    return NULL;
}

/* ---- axes --------------------------------------------------------------- */

/* like numpy.linspace / logspace: start + i * step, end points exact */
static void fill_range(sw_axis *ax, double start, double stop, int logsp)
{
    int64_t num = ax->n;
    double a = logsp ? log(start) : start, b = logsp ? log(stop) : stop;
    double step = num > 1 ? (b - a) / (double)(num - 1) : 0.0;
    for (int64_t i = 0; i < num; i++) {
        double x = (double)i * step + a;
        ax->v[i] = logsp ? exp(x) : x;
    }
    ax->v[0] = start;
    if (num > 1) ax->v[num - 1] = stop;
}

/* A range axis as written: {start, stop, num[, log]}. */
typedef struct {
    double start, stop;
    int64_t num;
    int logsp;
} axis_range;

static int check_list(ctx_t *c, const yaml_node_t *n, const char *key, int64_t *len)
{
    char sub[96];
    double v;
    *len = n->data.sequence.items.top - n->data.sequence.items.start;
    if (*len < 1) return fail(c, n, key, "empty axis: give at least one value");
    if (*len > SW_MAX_AXIS_LEN)
        return fail(c, n, key, "too large (%lld values): an axis has at most %d points",
                    (long long)*len, SW_MAX_AXIS_LEN);
    for (int64_t i = 0; i < *len; i++) {
        snprintf(sub, sizeof sub, "%s[%lld]", key, (long long)i);
        if (get_double(c, node_at(c, n->data.sequence.items.start[i]), sub, &v)) return -1;
    }
    return 0;
}

static int check_range(ctx_t *c, const yaml_node_t *n, const char *key, axis_range *r)
{
    char sub[96];
    static const char *const keys[] = {"start", "stop", "num", "log"};
    if (check_mapping(c, n, key, keys, 4)) return -1;
    long num;
    const yaml_node_t *v;
    for (int i = 0; i < 3; i++)
        if (!lookup(c, n, keys[i], NULL)) {
            snprintf(sub, sizeof sub, "%s.%s", key, keys[i]);
            return fail(c, n, sub, "missing (a range needs start, stop and num)");
        }
    snprintf(sub, sizeof sub, "%s.start", key);
    if (get_double(c, lookup(c, n, "start", NULL), sub, &r->start)) return -1;
    snprintf(sub, sizeof sub, "%s.stop", key);
    if (get_double(c, lookup(c, n, "stop", NULL), sub, &r->stop)) return -1;
    snprintf(sub, sizeof sub, "%s.num", key);
    v = lookup(c, n, "num", NULL);
    if (get_int(c, v, sub, LONG_MIN, LONG_MAX, &num)) return -1;
    if (num < 1) return fail(c, v, sub, "must be >= 1 (got %ld)", num);
    if (num > SW_MAX_AXIS_LEN)
        return fail(c, v, sub, "too large (got %ld): an axis has at most %d points", num,
                    SW_MAX_AXIS_LEN);
    r->num = num;
    r->logsp = 0;
    if ((v = lookup(c, n, "log", NULL))) {
        snprintf(sub, sizeof sub, "%s.log", key);
        if (get_bool(c, v, sub, &r->logsp)) return -1;
        if (r->logsp && !(r->start > 0 && r->stop > 0))
            return fail(c, v, sub, "log spacing needs start > 0 and stop > 0 (got %g, %g)",
                        r->start, r->stop);
    }
    return 0;
}

/* The traced axis of a `boundary` section: {start, stop}, start < stop,
 * two values. */
static int check_interval(ctx_t *c, const yaml_node_t *n, const char *key, int64_t *len,
                          axis_range *r)
{
    static const char *const keys[] = {"start", "stop"};
    double *ends[2] = {&r->start, &r->stop};
    char sub[96];
    if (n->type != YAML_MAPPING_NODE)
        return fail(c, n, key, "the boundary axis is an interval: give {start, stop}");
    if (check_mapping(c, n, key, keys, 2)) return -1;
    for (int i = 0; i < 2; i++) {
        snprintf(sub, sizeof sub, "%s.%s", key, keys[i]);
        const yaml_node_t *v = lookup(c, n, keys[i], NULL);
        if (!v) return fail(c, n, sub, "missing (the boundary axis is {start, stop})");
        if (get_double(c, v, sub, ends[i])) return -1;
    }
    if (!(r->start < r->stop))
        return fail(c, n, key, "start must be < stop (got %g, %g)", r->start, r->stop);
    r->num = *len = 2, r->logsp = 0;
    return 0;
}

/* Pass 1: check an axis (a list of numbers, or {start, stop, num, log}) and
 * give its length, allocating nothing: the grid's size is bounded before
 * any axis is filled. */
static int check_axis(ctx_t *c, const yaml_node_t *n, const char *key, int64_t *len, axis_range *r)
{
    if (c->bnd_axis && !strcmp(key + 5, c->bnd_axis)) return check_interval(c, n, key, len, r);
    if (n->type == YAML_SEQUENCE_NODE) return check_list(c, n, key, len);
    if (n->type != YAML_MAPPING_NODE)
        return fail(
            c, n, key,
            "wrong type: expected a list of numbers or {start, stop, num[, log]}, got %s%s%s",
            scalar(n) ? "'" : "", scalar(n) ? scalar(n) : node_kind(n), scalar(n) ? "'" : "");
    if (check_range(c, n, key, r)) return -1;
    *len = r->num;
    return 0;
}

/* Pass 1 of an axis of names (master_equation, spectral, bath): a list of
 * distinct choices. */
static int check_choices(ctx_t *c, const yaml_node_t *n, const char *key, const qt_param_info *pi,
                         int64_t *len)
{
    int n_choices = 0, iv, seen[16] = {0};
    while (pi->choices[n_choices]) n_choices++;
    if (n->type != YAML_SEQUENCE_NODE)
        return fail(c, n, key, "wrong type: expected a list of names, got %s", node_kind(n));
    *len = n->data.sequence.items.top - n->data.sequence.items.start;
    if (*len < 1) return fail(c, n, key, "empty axis: give at least one value");
    for (int64_t i = 0; i < *len; i++) {
        char sub[96];
        snprintf(sub, sizeof sub, "%s[%lld]", key, (long long)i);
        const yaml_node_t *e = node_at(c, n->data.sequence.items.start[i]);
        if (get_enum(c, e, sub, pi->choices, n_choices, &iv)) return -1;
        if (seen[iv]++) return fail(c, e, sub, "'%s' given twice", pi->choices[iv]);
    }
    return 0;
}

/* Pass 2 of an axis of names: the indices of the choices. */
static int fill_choices(ctx_t *c, const yaml_node_t *n, const char *key, int64_t len, sw_axis *ax)
{
    ax->v = malloc((size_t)len * sizeof(double));
    if (!ax->v) return fail(c, n, key, "out of memory");
    ax->n = len;
    for (int64_t i = 0; i < len; i++)
        ax->v[i] = qt_param_choice(ax->param, scalar(node_at(c, n->data.sequence.items.start[i])));
    return 0;
}

/* Pass 2: the values of an axis checked by check_axis. */
static int fill_axis(ctx_t *c, const yaml_node_t *n, const char *key, const axis_range *r,
                     int64_t len, sw_axis *ax)
{
    ax->v = malloc((size_t)len * sizeof(double));
    if (!ax->v) return fail(c, n, key, "out of memory for %lld values", (long long)len);
    ax->n = len;
    if (n->type == YAML_SEQUENCE_NODE) {
        for (int64_t i = 0; i < len; i++)
            ax->v[i] = strtod(scalar(node_at(c, n->data.sequence.items.start[i])), NULL);
        return 0;
    }
    fill_range(ax, r->start, r->stop, r->logsp);
    return 0;
}

static int parse_N(ctx_t *c, const yaml_node_t *n, sw_config *cfg)
{
    if (n->type != YAML_SEQUENCE_NODE)
        return fail(
            c, n, "axes.N", "wrong type: expected a list of integers (e.g. [10, 20]), got %s%s%s",
            scalar(n) ? "'" : "", scalar(n) ? scalar(n) : node_kind(n), scalar(n) ? "'" : "");
    int len = (int)(n->data.sequence.items.top - n->data.sequence.items.start);
    if (len < 1) return fail(c, n, "axes.N", "empty axis: give at least one value");
    if (len > SW_MAX_GROUPS)
        return fail(c, n, "axes.N", "too many values (%d): at most %d chain lengths", len,
                    SW_MAX_GROUPS);
    cfg->N = malloc((size_t)len * sizeof(int));
    if (!cfg->N) return fail(c, n, "axes.N", "out of memory");
    for (int i = 0; i < len; i++) {
        char sub[32];
        long v;
        const yaml_node_t *e = node_at(c, n->data.sequence.items.start[i]);
        snprintf(sub, sizeof sub, "axes.N[%d]", i);
        if (get_int(c, e, sub, LONG_MIN, LONG_MAX, &v)) return -1;
        if (v < 2) return fail(c, e, sub, "N must be >= 2 (got %ld)", v);
        if (v > QT_MAX_SITES) return fail(c, e, sub, "N must be <= %d (got %ld)", QT_MAX_SITES, v);
        if (!qt_workspace_estimate(QT_MODEL_NSITE, (int)v, 0))
            return fail(c, e, sub,
                        "N = %ld is too large: the eigensolver's work array alone needs %.0f GB "
                        "of memory and more entries than LAPACK can index (N <= 46338)",
                        v, 8e-9 * (double)v * (double)v);
        for (int j = 0; j < i; j++)
            if (cfg->N[j] == v) return fail(c, e, sub, "N = %ld given twice", v);
        cfg->N[i] = (int)v;
        cfg->n_N = i + 1;
    }
    return 0;
}

/* Rows that may be axes of model m, in table order: the order of the
 * dataset dimensions. */
static int axis_rows(qt_model m, const qt_param_info **rows)
{
    int n = 0;
    for (int i = 0; i < qt_param_count(); i++) {
        const qt_param_info *pi = qt_param_at(i);
        if ((pi->flags & QT_PF_AXIS) && (pi->models & (1u << m)) && strcmp(pi->name, "N"))
            rows[n++] = pi;
    }
    return n;
}

/* Every axis name of any model, "N" included, for the unknown-key check. */
static int all_axis_names(const char **names)
{
    int n = 0;
    for (int i = 0; i < qt_param_count(); i++) {
        const qt_param_info *pi = qt_param_at(i);
        int dup = 0;
        for (int j = 0; j < n; j++) dup |= !strcmp(names[j], pi->name);
        if ((pi->flags & QT_PF_AXIS) && !dup) names[n++] = pi->name;
    }
    return n;
}

static int parse_group_axis(ctx_t *c, const yaml_node_t *n, sw_config *cfg)
{
    yaml_node_t *nkey = NULL;
    const yaml_node_t *nn = lookup(c, n, "N", &nkey);
    if (cfg->model == QT_MODEL_NSITE) {
        if (!nn) return fail(c, n, "axes.N", "missing (the chain lengths, e.g. N: [10])");
        if (parse_N(c, nn, cfg)) return -1;
        c->points = cfg->n_N;
        return 0;
    }
    if (nn) return fail(c, nkey, "axes.N", "not an axis of model %s", sw_model_name(cfg->model));
    cfg->N = malloc(sizeof(int));
    if (!cfg->N) return fail(c, n, "axes", "out of memory");
    cfg->N[0] = 0;
    cfg->n_N = 1;
    return 0;
}

/* Every value of an axis passes its parameter's constraint. */
static int check_axis_values(ctx_t *c, const yaml_node_t *n, const char *key, const sw_axis *ax)
{
    char m[256];
    for (int64_t i = 0; i < ax->n; i++) {
        if (!qt_param_check_value(ax->param, ax->v[i], m, sizeof m)) continue;
        const yaml_node_t *at = n;
        if (at->type == YAML_SEQUENCE_NODE) at = node_at(c, at->data.sequence.items.start[i]);
        const char *why = strchr(m, ':');
        return fail(c, at, key, "%s (got %g)", why ? why + 2 : m, ax->v[i]);
    }
    return 0;
}

static int add_axis(ctx_t *c, const yaml_node_t *n, const qt_param_info *pi, const axis_range *r,
                    int64_t len, sw_config *cfg)
{
    char key[48];
    snprintf(key, sizeof key, "axes.%s", pi->name);
    if (cfg->n_axes == SW_MAX_AXES)
        return fail(c, n, key, "too many axes (at most %d besides N)", SW_MAX_AXES);
    sw_axis *ax = &cfg->axis[cfg->n_axes++];
    ax->param = pi;
    ax->name = pi->name;
    ax->derived = !strcmp(pi->name, "T_mean") ? 1 : !strcmp(pi->name, "T_diff") ? 2 : 0;
    if (pi->type == QT_PT_ENUM) return fill_choices(c, n, key, len, ax);
    if (fill_axis(c, n, key, r, len, ax)) return -1;
    return check_axis_values(c, n, key, ax);
}

static const sw_axis *find_axis(const sw_config *cfg, const char *name)
{
    for (int i = 0; i < cfg->n_axes; i++)
        if (!strcmp(cfg->axis[i].name, name)) return &cfg->axis[i];
    return NULL;
}

/* T_mean - |T_diff|/2 must stay >= 0 and T_mean + |T_diff|/2 finite
 * everywhere on the grid: then qt_params_set_mean_diff accepts every point
 * (and every value a boundary line takes between an axis' two values). */
static int check_mean_diff(ctx_t *c, const yaml_node_t *n, sw_config *cfg)
{
    const sw_axis *m = find_axis(cfg, "T_mean"), *d = find_axis(cfg, "T_diff");
    cfg->mean_diff = m || d;
    if (!cfg->mean_diff) return 0;
    if (!m) return fail(c, n, "axes.T_mean", "missing (T_diff needs T_mean)");
    if (!d) return fail(c, n, "axes.T_diff", "missing (T_mean needs T_diff)");
    double mmin = m->v[0], mmax = m->v[0], dmax = 0;
    for (int64_t i = 0; i < m->n; i++) mmin = fmin(mmin, m->v[i]), mmax = fmax(mmax, m->v[i]);
    for (int64_t i = 0; i < d->n; i++) dmax = fmax(dmax, fabs(d->v[i]));
    if (mmin - 0.5 * dmax < 0)
        return fail(c, lookup(c, n, "T_diff", NULL), "axes.T_diff",
                    "T_mean - |T_diff|/2 < 0 (T_mean = %g, |T_diff| = %g): a temperature "
                    "would be negative",
                    mmin, dmax);
    if (!isfinite(mmax + 0.5 * dmax))
        return fail(c, lookup(c, n, "T_diff", NULL), "axes.T_diff",
                    "T_mean + |T_diff|/2 overflows (T_mean = %g, |T_diff| = %g): a temperature "
                    "would be infinite",
                    mmax, dmax);
    return 0;
}

static int parse_axes(ctx_t *c, const yaml_node_t *n, sw_config *cfg)
{
    const char *known[64];
    int n_known = all_axis_names(known);
    if (check_mapping(c, n, "axes", known, (size_t)n_known)) return -1;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node_at(c, p->key);
        const qt_param_info *pi = qt_param_find(scalar(k), cfg->model);
        if (strcmp(scalar(k), "N") && !(pi && (pi->flags & QT_PF_AXIS))) {
            char key[48];
            snprintf(key, sizeof key, "axes.%s", scalar(k));
            return fail(c, k, key, "not an axis of model %s", sw_model_name(cfg->model));
        }
    }
    if (parse_group_axis(c, n, cfg)) return -1;
    const qt_param_info *rows[64];
    int n_rows = axis_rows(cfg->model, rows);
    axis_range rng[64] = {{0}};
    int64_t len[64] = {0};
    for (int r = 0; r < n_rows; r++) { /* sizes first: the grid is bounded before any fill */
        const yaml_node_t *v = lookup(c, n, rows[r]->name, NULL);
        char key[48];
        snprintf(key, sizeof key, "axes.%s", rows[r]->name);
        if (!v) continue;
        if (rows[r]->type == QT_PT_ENUM ? check_choices(c, v, key, rows[r], &len[r])
                                        : check_axis(c, v, key, &len[r], &rng[r]))
            return -1;
        if (len[r] > SW_MAX_POINTS / c->points)
            return fail(c, v, key, "the grid would have more than %lld points",
                        (long long)SW_MAX_POINTS);
        c->points *= len[r];
    }
    for (int r = 0; r < n_rows; r++) {
        const yaml_node_t *v = lookup(c, n, rows[r]->name, NULL);
        if (v && add_axis(c, v, rows[r], &rng[r], len[r], cfg)) return -1;
    }
    return check_mean_diff(c, n, cfg);
}

/* The workspace must serve every point: the flags of each value of each
 * axis (the master equation may be one) with the other parameters at base. */
static unsigned axes_workspace_flags(const sw_config *cfg)
{
    unsigned flags = qt_workspace_flags(&cfg->base, &cfg->opt);
    for (int a = 0; a < cfg->n_axes; a++)
        for (int64_t i = 0; i < cfg->axis[a].n && !cfg->axis[a].derived; i++) {
            qt_params p = cfg->base;
            qt_param_set(&p, NULL, cfg->axis[a].param, cfg->axis[a].v[i]);
            flags |= qt_workspace_flags(&p, &cfg->opt);
        }
    return flags;
}

/* Does any point of the sweep use master equation me? */
static int uses_me(const sw_config *cfg, qt_master_equation me)
{
    if (cfg->base.master_equation == me) return 1;
    for (int a = 0; a < cfg->n_axes; a++)
        if (!strcmp(cfg->axis[a].name, "master_equation"))
            for (int64_t i = 0; i < cfg->axis[a].n; i++)
                if (cfg->axis[a].v[i] == (double)me) return 1;
    return 0;
}

/* ---- observables -------------------------------------------------------- */

static int parse_observables(ctx_t *c, const yaml_node_t *n, sw_config *cfg)
{
    const unsigned mbit = 1u << cfg->model;
    cfg->n_out = 0;
    cfg->out[cfg->n_out++] = SW_OUT_STATUS;
    if (!n) { /* defaults */
        int redfield = uses_me(cfg, QT_ME_REDFIELD);
        for (int o = 1; o < sw_n_outputs; o++)
            if ((sw_outputs[o].by_default ||
                 (redfield && !strcmp(sw_outputs[o].name, "min_eigenvalue"))) &&
                (sw_outputs[o].models & mbit))
                cfg->out[cfg->n_out++] = o;
        return 0;
    }
    if (n->type != YAML_SEQUENCE_NODE)
        return fail(c, n, "observables", "wrong type: expected a list of names, got %s%s%s",
                    scalar(n) ? "'" : "", scalar(n) ? scalar(n) : node_kind(n),
                    scalar(n) ? "'" : "");
    const char *names[SW_MAX_OUT + 1];
    for (int o = 0; o < sw_n_outputs; o++) names[o] = sw_outputs[o].name;
    char avail[512] = "";
    for (int o = 1; o < sw_n_outputs; o++)
        if (sw_outputs[o].models & mbit) {
            strcat(avail, avail[0] ? ", " : "");
            strcat(avail, sw_outputs[o].name);
        }
    int chosen[SW_MAX_OUT] = {0};
    yaml_node_item_t *it = n->data.sequence.items.start;
    if (it == n->data.sequence.items.top)
        return fail(c, n, "observables", "empty list (omit the key for the default set)");
    for (; it < n->data.sequence.items.top; it++) {
        const yaml_node_t *e = node_at(c, *it);
        const char *s = scalar(e);
        char hint[64];
        if (!s)
            return fail(c, e, "observables", "wrong type: expected a name, got %s", node_kind(e));
        int o = sw_output_find(s);
        if (o < 0 || !strcmp(s, "done"))
            return fail(c, e, "observables", "unknown observable '%s'%s (available for %s: %s)", s,
                        suggest(s, names, (size_t)sw_n_outputs, hint, sizeof hint),
                        sw_model_name(cfg->model), avail);
        if (!(sw_outputs[o].models & mbit))
            return fail(c, e, "observables", "model %s has no observable '%s' (available: %s)",
                        sw_model_name(cfg->model), s, avail);
        if (o == SW_OUT_STATUS) continue; /* always written */
        if (chosen[o]) return fail(c, e, "observables", "'%s' listed twice", s);
        chosen[o] = 1;
    }
    /* redfield need not give a positive state: the check is always written */
    if (uses_me(cfg, QT_ME_REDFIELD)) chosen[sw_output_find("min_eigenvalue")] = 1;
    for (int o = 1; o < sw_n_outputs; o++) /* table order: stable file layout */
        if (chosen[o]) cfg->out[cfg->n_out++] = o;
    return 0;
}

/* ---- top level ---------------------------------------------------------- */

static int sha256_hex(const char *text, size_t len, char hex[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (!EVP_Digest(text, len, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32) return -1;
    for (unsigned i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", md[i]);
    return 0;
}

/* ---- top level: every key is a row of the parameter table ---------------- */

static int parse_list(ctx_t *c, const yaml_node_t *v, const qt_param_info *pi, sw_config *cfg)
{
    if (v->type != YAML_SEQUENCE_NODE)
        return fail(c, v, pi->name, "wrong type: expected a list of numbers, got %s%s%s",
                    scalar(v) ? "'" : "", scalar(v) ? scalar(v) : node_kind(v),
                    scalar(v) ? "'" : "");
    int n = (int)(v->data.sequence.items.top - v->data.sequence.items.start), slot = 0;
    while (slot < SW_MAX_LISTS && cfg->lists[slot]) slot++;
    if (n < 1) return fail(c, v, pi->name, "empty list");
    if (slot == SW_MAX_LISTS || n > QT_MAX_SITES)
        return fail(c, v, pi->name, "too many entries (%d)", n);
    double *x = cfg->lists[slot] = malloc(sizeof(double) * (size_t)n);
    if (!x) return fail(c, v, pi->name, "out of memory");
    char key[64], m[256];
    for (int i = 0; i < n; i++) {
        const yaml_node_t *e = node_at(c, v->data.sequence.items.start[i]);
        snprintf(key, sizeof key, "%s[%d]", pi->name, i);
        if (get_double(c, e, key, &x[i])) return -1;
        if (qt_param_check_value(pi, x[i], m, sizeof m))
            return fail(c, e, key, "%s", strchr(m, ':') + 2);
    }
    qt_param_set_list(&cfg->base, pi, x, n);
    return 0;
}

static int parse_scalar(ctx_t *c, const yaml_node_t *v, const qt_param_info *pi, sw_config *cfg)
{
    double x = 0.0;
    int iv = 0, n = 0;
    char m[256];
    if (pi->type == QT_PT_LIST) return parse_list(c, v, pi, cfg);
    if (pi->type == QT_PT_ENUM) {
        while (pi->choices[n]) n++;
        if (get_enum(c, v, pi->name, pi->choices, n, &iv)) return -1;
        x = iv;
    } else if (pi->type == QT_PT_FLAG) {
        if (get_bool(c, v, pi->name, &iv)) return -1;
        x = iv;
    } else if (get_double(c, v, pi->name, &x)) {
        return -1;
    }
    if (qt_param_check_value(pi, x, m, sizeof m))
        return fail(c, v, pi->name, "%s (got %g)", strchr(m, ':') + 2, x);
    qt_param_set(&cfg->base, &cfg->opt, pi, x);
    return 0;
}

/* Known top-level keys: the table's config parameters and the structure. */
static int top_level_names(const char **names)
{
    int n = 0;
    for (int i = 0; i < qt_param_count(); i++) {
        const qt_param_info *pi = qt_param_at(i);
        int dup = 0;
        for (int j = 0; j < n; j++) dup |= !strcmp(names[j], pi->name);
        if (!dup && !(pi->flags & (QT_PF_POINT | QT_PF_DERIVED))) names[n++] = pi->name;
    }
    for (int i = 0; i < N_STRUCTURE_KEYS; i++) names[n++] = structure_keys[i];
    return n;
}

static int is_structure_key(const char *k)
{
    for (int i = 0; i < N_STRUCTURE_KEYS; i++)
        if (!strcmp(k, structure_keys[i])) return 1;
    return 0;
}

static int parse_parameters(ctx_t *c, const yaml_node_t *root, sw_config *cfg)
{
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
         p++) {
        const yaml_node_t *k = node_at(c, p->key);
        const char *name = scalar(k);
        if (!strcmp(name, "model") || is_structure_key(name)) continue;
        const qt_param_info *pi = qt_param_find(name, cfg->model);
        if (!pi) return fail(c, k, name, "not a parameter of model %s", sw_model_name(cfg->model));
        if (parse_scalar(c, node_at(c, p->value), pi, cfg)) return -1;
        if (!strcmp(name, "threads_per_rank")) cfg->threads_given = 1;
    }
    return 0;
}

static int parse_model(ctx_t *c, const yaml_node_t *root, sw_config *cfg)
{
    const qt_param_info *pi = qt_param_lookup("model");
    const yaml_node_t *v = lookup(c, root, "model", NULL);
    int n = 0, iv;
    while (pi->choices[n]) n++;
    if (!v) return fail(c, root, "model", "missing (nsite, lambda or vee)");
    if (get_enum(c, v, "model", pi->choices, n, &iv)) return -1;
    cfg->model = (qt_model)iv;
    qt_params_default(&cfg->base, cfg->model);
    qt_options_default(&cfg->opt);
    return 0;
}

/* Required parameters: given at the top, as an axis, through their
 * replacement (T_sites for T_L) or, for temperatures, T_mean / T_diff. */
static int check_required(ctx_t *c, const yaml_node_t *root, const yaml_node_t *axes,
                          const sw_config *cfg)
{
    for (int i = 0; i < qt_param_count(); i++) {
        const qt_param_info *pi = qt_param_at(i);
        if (!(pi->flags & QT_PF_REQUIRED) || !(pi->models & (1u << cfg->model))) continue;
        if (!strcmp(pi->name, "model") || lookup(c, root, pi->name, NULL) ||
            find_axis(cfg, pi->name))
            continue;
        if (pi->replaced_by && lookup(c, root, pi->replaced_by, NULL)) continue;
        int temperature = !strcmp(pi->unit, "h/k_B");
        if (temperature && cfg->mean_diff) continue;
        char key[48];
        snprintf(key, sizeof key, "axes.%s", pi->name);
        if (temperature)
            return fail(c, axes, key, "missing: give %s, or T_mean and T_diff", pi->name);
        return fail(c, axes, key, "missing (%s)", pi->long_name);
    }
    return 0;
}

/* A parameter is given once: at the top or as an axis; T_mean / T_diff
 * replace the temperature pair. */
static int check_given_once(ctx_t *c, const yaml_node_t *root, const yaml_node_t *axes,
                            const sw_config *cfg)
{
    for (int a = 0; a < cfg->n_axes; a++) {
        yaml_node_t *k = NULL;
        const char *name = cfg->axis[a].name;
        if (lookup(c, root, name, &k))
            return fail(c, k, name, "given twice: as a parameter and as axes.%s", name);
    }
    for (int i = 0; i < qt_param_count(); i++) {
        const qt_param_info *pi = qt_param_at(i);
        yaml_node_t *k = NULL;
        if (!pi->replaced_by || !(pi->models & (1u << cfg->model)) ||
            !lookup(c, root, pi->replaced_by, &k))
            continue;
        if (find_axis(cfg, pi->name) || lookup(c, root, pi->name, NULL))
            return fail(c, k, pi->replaced_by, "replaces %s: give one of them, not both", pi->name);
    }
    if (!cfg->mean_diff) return 0;
    for (int i = 0; i < qt_param_count(); i++) {
        const qt_param_info *pi = qt_param_at(i);
        if (!(pi->flags & QT_PF_REQUIRED) || strcmp(pi->unit, "h/k_B") ||
            !(pi->models & (1u << cfg->model)))
            continue;
        if (find_axis(cfg, pi->name) || lookup(c, root, pi->name, NULL))
            return fail(c, axes, "axes", "give either %s or T_mean and T_diff, not both", pi->name);
    }
    return 0;
}

/* Every list parameter has the length the model needs for every N. */
static int check_list_lengths(ctx_t *c, const yaml_node_t *root, const sw_config *cfg)
{
    for (int i = 0; i < qt_param_count(); i++) {
        const qt_param_info *pi = qt_param_at(i);
        int n;
        if (pi->type != QT_PT_LIST || !qt_param_get_list(&cfg->base, pi, &n)) continue;
        for (int g = 0; g < cfg->n_N; g++) {
            qt_params p = cfg->base;
            p.N = cfg->N[g];
            int want = qt_param_list_length(pi, &p);
            if (want && n != want)
                return fail(c, lookup(c, root, pi->name, NULL), pi->name,
                            "%d entries, but N = %d needs %d", n, cfg->N[g], want);
        }
    }
    return 0;
}

/* Solver limits and workspace options, checked against the largest N. */
static int check_solver_limits(ctx_t *c, const yaml_node_t *root, const yaml_node_t *obs,
                               sw_config *cfg)
{
    int max_N = 0;
    for (int i = 0; i < cfg->n_N; i++) max_N = cfg->N[i] > max_N ? cfg->N[i] : max_N;
    int d_max = cfg->model == QT_MODEL_NSITE ? 2 * max_N : 3;
    if (cfg->opt.solver == QT_SOLVER_DENSE && d_max > QT_DENSE_MAX_D)
        return fail(c, lookup(c, root, "solver", NULL), "solver",
                    "dense supports dimension d <= %d, i.e. N <= %d, but axes.N has %d",
                    QT_DENSE_MAX_D, QT_DENSE_MAX_D / 2, max_N);
    for (int k = 0; k < cfg->n_out; k++)
        if (sw_outputs[cfg->out[k]].needs_gap) {
            if (d_max > QT_GAP_MAX_D)
                return fail(c, obs, "observables",
                            "'%s' needs d <= %d, i.e. N <= %d, but axes.N has %d",
                            sw_outputs[cfg->out[k]].name, QT_GAP_MAX_D, QT_GAP_MAX_D / 2, max_N);
            cfg->opt.want_gap = 1;
        }
    for (int k = 0; k < cfg->n_out; k++)
        if (!strcmp(sw_outputs[cfg->out[k]].name, "secular_ratio")) cfg->opt.want_secular_ratio = 1;
    cfg->ws_flags = axes_workspace_flags(cfg);
    return 0;
}

/* "g = 0.1, T_L = 0.8" for the point idx of group N */
static void describe_point(const sw_config *cfg, int N, const int64_t *idx, char *buf, size_t len)
{
    size_t used = (size_t)snprintf(buf, len, "%s%d", cfg->model == QT_MODEL_NSITE ? "N = " : "",
                                   cfg->model == QT_MODEL_NSITE ? N : 0);
    if (cfg->model != QT_MODEL_NSITE) used = 0, buf[0] = '\0';
    for (int a = 0; a < cfg->n_axes && used < len; a++)
        used += (size_t)snprintf(buf + used, len - used, "%s%s = %g", used ? ", " : "",
                                 cfg->axis[a].name, cfg->axis[a].v[idx[a]]);
}

/* Last line of defence: the library's own check on every axis value and
 * every N, each varied alone (n_N + the axis lengths checks, not their
 * product: a grid of 2^40 points is checked in moments). */
static int check_one(ctx_t *c, const sw_config *cfg, int N, const int64_t *idx)
{
    qt_params p;
    char m[256], where[256];
    sw_config_point(cfg, N, idx, &p);
    if (qt_params_check(&p, m, sizeof m) == QT_OK) return 0;
    describe_point(cfg, N, idx, where, sizeof where);
    return fail(c, NULL, "axes", "%s (at %s)", m, where);
}

static int check_points(ctx_t *c, const sw_config *cfg)
{
    int64_t idx[SW_MAX_AXES] = {0};
    for (int n_i = 0; n_i < cfg->n_N; n_i++)
        if (check_one(c, cfg, cfg->N[n_i], idx)) return -1;
    for (int a = 0; a < cfg->n_axes; a++) {
        for (int64_t i = 0; i < cfg->axis[a].n; i++) {
            idx[a] = i;
            if (check_one(c, cfg, cfg->N[0], idx)) return -1;
        }
        idx[a] = 0;
    }
    return 0;
}

/* Anchors defined by an event (libyaml keeps them in a list searched
 * linearly for every anchor and alias: quadratic in their number). */
static int has_anchor(const yaml_event_t *ev)
{
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        return ev->data.scalar.anchor != NULL;
    case YAML_SEQUENCE_START_EVENT:
        return ev->data.sequence_start.anchor != NULL;
    case YAML_MAPPING_START_EVENT:
        return ev->data.mapping_start.anchor != NULL;
    default:
        return 0;
    }
}

/* Size, nesting depth and anchors, checked on libyaml's event stream before
 * any document is built: libyaml's scanner takes time quadratic in the depth
 * of flow collections, its loader in the number of anchors; no valid config
 * is deeper than 3. */
static int check_shape(ctx_t *c, const char *text, size_t len)
{
    if (len > SW_MAX_CONFIG_BYTES)
        return fail(c, NULL, "config", "larger than %d bytes (got %zu)", SW_MAX_CONFIG_BYTES, len);
    yaml_parser_t parser;
    yaml_event_t ev;
    int depth = 0, anchors = 0, done = 0;
    const char *why = NULL;
    if (!yaml_parser_initialize(&parser)) return fail(c, NULL, "config", "out of memory");
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    while (!done && !why && yaml_parser_parse(&parser, &ev)) {
        if (ev.type == YAML_SEQUENCE_START_EVENT || ev.type == YAML_MAPPING_START_EVENT) depth++;
        if (ev.type == YAML_SEQUENCE_END_EVENT || ev.type == YAML_MAPPING_END_EVENT) depth--;
        anchors += has_anchor(&ev);
        if (depth > SW_MAX_DEPTH)
            why = "lists or mappings nested deeper than " STR(SW_MAX_DEPTH) " levels";
        if (anchors > SW_MAX_ANCHORS) why = "more than " STR(SW_MAX_ANCHORS) " anchors (&name)";
        if (why)
            snprintf(c->msg, c->msglen, "%s:%lu: config: %s", c->fname,
                     (unsigned long)ev.start_mark.line + 1, why);
        done = ev.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    return why ? -1 : 0; /* a syntax error is reported by the document load */
}

/* ---- boundary ----------------------------------------------------------- */

static const char *const boundary_keys[] = {"axis", "observable", "level",
                                            "scan", "xtol",       "crossings"};
#define BOUNDARY_KEYS (sizeof boundary_keys / sizeof boundary_keys[0])

/* `boundary: {axis: g, observable: phi, level: 0, scan: 64, xtol: 1e-12}`:
 * read before the axes, which then accept {start, stop} for that axis. */
static int parse_boundary(ctx_t *c, const yaml_node_t *n, sw_config *cfg)
{
    sw_boundary_spec *b = &cfg->bnd;
    if (check_mapping(c, n, "boundary", boundary_keys, BOUNDARY_KEYS)) return -1;
    b->on = 1, b->level = 0.0, b->scan = 64, b->xtol = 1e-12;
    b->crossings = QT_CROSSINGS_FLANKED;
    c->bnd_axis = "g";
    const yaml_node_t *v;
    long scan;
    if ((v = lookup(c, n, "axis", NULL)) && !(c->bnd_axis = scalar(v)))
        return fail(c, v, "boundary.axis", "wrong type: expected an axis name, got %s",
                    node_kind(v));
    if ((v = lookup(c, n, "level", NULL)) && get_double(c, v, "boundary.level", &b->level))
        return -1;
    if ((v = lookup(c, n, "scan", NULL))) {
        if (get_int(c, v, "boundary.scan", 2, 1000000, &scan)) return -1;
        b->scan = (int)scan;
    }
    static const char *const modes[] = {"flank", "bisect"};
    int mode = 0;
    if ((v = lookup(c, n, "crossings", NULL))) {
        if (get_enum(c, v, "boundary.crossings", modes, 2, &mode)) return -1;
        b->crossings = mode ? QT_CROSSINGS_ON_DEMAND : QT_CROSSINGS_FLANKED;
    }
    if ((v = lookup(c, n, "xtol", NULL))) {
        if (get_double(c, v, "boundary.xtol", &b->xtol)) return -1;
        if (!(b->xtol > 0)) return fail(c, v, "boundary.xtol", "must be > 0 (got %g)", b->xtol);
    }
    return 0;
}

/* After the axes and observables: the traced axis and the observable (added
 * to the scan's outputs when not listed). */
static int boundary_resolve(ctx_t *c, const yaml_node_t *n, sw_config *cfg)
{
    sw_boundary_spec *b = &cfg->bnd;
    const yaml_node_t *v = lookup(c, n, "axis", NULL);
    b->axis = -1;
    for (int a = 0; a < cfg->n_axes; a++)
        if (!strcmp(cfg->axis[a].name, c->bnd_axis)) b->axis = a;
    if (b->axis < 0 || cfg->axis[b->axis].param->type == QT_PT_INT ||
        cfg->axis[b->axis].param->type == QT_PT_ENUM)
        return fail(c, v ? v : n, "boundary.axis",
                    "'%s' is not a continuous axis of this config (give it in axes as {start, "
                    "stop})",
                    c->bnd_axis);
    const char *name = cfg->model == QT_MODEL_NSITE ? "phi" : "delta";
    if ((v = lookup(c, n, "observable", NULL)) && !(name = scalar(v)))
        return fail(c, v, "boundary.observable", "wrong type: expected a name, got %s",
                    node_kind(v));
    int o = sw_output_find(name);
    if (o < 0 || !(sw_outputs[o].models & (1u << cfg->model)) || sw_outputs[o].type != SW_F64 ||
        sw_outputs[o].ext != SW_EXT_1)
        return fail(c, v ? v : n, "boundary.observable",
                    "'%s' is not a scalar float observable of model %s", name,
                    sw_model_name(cfg->model));
    b->observable = o;
    int listed = 0;
    for (int k = 0; k < cfg->n_out; k++) listed |= cfg->out[k] == o;
    if (!listed) {
        int k = cfg->n_out++; /* keep table order */
        while (k > 1 && cfg->out[k - 1] > o) cfg->out[k] = cfg->out[k - 1], k--;
        cfg->out[k] = o;
    }
    return 0;
}

static int parse_document(ctx_t *c, sw_config *cfg)
{
    yaml_node_t *root = yaml_document_get_root_node(c->doc);
    if (!root) return fail(c, NULL, "config", "empty document");
    const char *known[96];
    int n_known = top_level_names(known);
    if (check_mapping(c, root, "", known, (size_t)n_known)) return -1;
    if (parse_model(c, root, cfg) || parse_parameters(c, root, cfg)) return -1;
    yaml_node_t *bnode = lookup(c, root, "boundary", NULL);
    if (bnode && parse_boundary(c, bnode, cfg)) return -1;
    yaml_node_t *axes = lookup(c, root, "axes", NULL);
    if (!axes) return fail(c, root, "axes", "missing (the grid to sweep)");
    if (parse_axes(c, axes, cfg)) return -1;
    if (check_given_once(c, root, axes, cfg) || check_required(c, root, axes, cfg)) return -1;
    if (check_list_lengths(c, root, cfg)) return -1;
    yaml_node_t *obs = lookup(c, root, "observables", NULL);
    if (parse_observables(c, obs, cfg)) return -1;
    if (bnode && boundary_resolve(c, bnode, cfg)) return -1;
    if (check_solver_limits(c, root, obs, cfg)) return -1;
    return check_points(c, cfg);
}

int sw_config_parse(const char *fname, const char *text, size_t len, sw_config *cfg, char *msg,
                    size_t msglen)
{
    memset(cfg, 0, sizeof *cfg);
    ctx_t c = {fname, NULL, msg, msglen, 1, NULL};
    yaml_parser_t parser;
    yaml_document_t doc;
    int rc = -1;
    if (memchr(text, 0, len)) return fail(&c, NULL, "config", "contains a NUL byte");
    if (check_shape(&c, text, len)) return -1;
    if (!yaml_parser_initialize(&parser)) return fail(&c, NULL, "config", "out of memory");
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        snprintf(msg, msglen, "%s:%lu:%lu: YAML syntax: %s%s%s", fname,
                 (unsigned long)parser.problem_mark.line + 1,
                 (unsigned long)parser.problem_mark.column + 1,
                 parser.problem ? parser.problem : "unknown", parser.context ? " " : "",
                 parser.context ? parser.context : "");
        yaml_parser_delete(&parser);
        return -1;
    }
    c.doc = &doc;
    rc = parse_document(&c, cfg);
    yaml_document_delete(&doc);
    if (!rc) { /* exactly one document */
        yaml_document_t extra;
        if (!yaml_parser_load(&parser, &extra)) {
            rc = fail(&c, NULL, "config", "YAML syntax after the first document: %s",
                      parser.problem ? parser.problem : "unknown");
        } else {
            if (yaml_document_get_root_node(&extra))
                rc = fail(&c, NULL, "config", "more than one YAML document");
            yaml_document_delete(&extra);
        }
    }
    yaml_parser_delete(&parser);
    if (!rc) {
        cfg->text = malloc(len + 1);
        if (!cfg->text)
            rc = fail(&c, NULL, "config", "out of memory");
        else {
            memcpy(cfg->text, text, len);
            cfg->text[len] = 0;
            cfg->text_len = len;
            if (sha256_hex(text, len, cfg->sha256)) rc = fail(&c, NULL, "config", "SHA-256 failed");
        }
    }
    if (rc) sw_config_free(cfg);
    return rc;
}

void sw_config_free(sw_config *cfg)
{
    if (!cfg) return;
    for (int i = 0; i < SW_MAX_LISTS; i++) free(cfg->lists[i]);
    for (int a = 0; a < SW_MAX_AXES; a++) free(cfg->axis[a].v);
    free(cfg->N);
    free(cfg->text);
    memset(cfg, 0, sizeof *cfg);
}

int sw_read_file(const char *path, char **text, size_t *len, char *msg, size_t msglen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(msg, msglen, "%s: cannot open config: %s", path, strerror(errno));
        return -1;
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (!buf) break;
        if (n + 1 >= cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0) break;
        if (n > SW_MAX_CONFIG_BYTES) {
            snprintf(msg, msglen, "%s:1: config: larger than %d bytes", path, SW_MAX_CONFIG_BYTES);
            free(buf);
            fclose(f);
            return -1;
        }
    }
    int err = ferror(f);
    fclose(f);
    if (!buf || err) {
        snprintf(msg, msglen, "%s: cannot read config", path);
        free(buf);
        return -1;
    }
    buf[n] = 0;
    *text = buf;
    *len = n;
    return 0;
}

void sw_config_point(const sw_config *cfg, int N, const int64_t *idx, qt_params *p)
{
    *p = cfg->base;
    if (cfg->model == QT_MODEL_NSITE) p->N = N;
    double tm = 0, td = 0;
    for (int a = 0; a < cfg->n_axes; a++) {
        const sw_axis *ax = &cfg->axis[a];
        double x = ax->v[idx[a]];
        if (ax->derived == 1)
            tm = x;
        else if (ax->derived == 2)
            td = x;
        else
            qt_param_set(p, NULL, ax->param, x);
    }
    if (cfg->mean_diff) {
        int st = qt_params_set_mean_diff(p, tm, td);
        assert(st == QT_OK); /* check_mean_diff admits only such grids */
        (void)st;
    }
}

const char *sw_config_value_text(const sw_config *cfg, const qt_param_info *pi, char *buf,
                                 size_t len)
{
    double v = qt_param_get(&cfg->base, &cfg->opt, pi);
    if (pi->type == QT_PT_ENUM) return pi->choices[(int)v];
    snprintf(buf, len, "%.17g", v);
    return buf;
}
