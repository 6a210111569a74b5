/* Sweep configuration: YAML (libyaml's document API) -> sw_config, with
 * every check a user can get wrong reported as one line naming the file,
 * line and key.
 *
 * Why libyaml and not libcyaml: an axis is either a list of numbers or a
 * mapping {start, stop, num, log}; libcyaml's schemas have no "either"
 * type. The libyaml node tree keeps line numbers for every key and value,
 * and the schema below is a table walked by a few small functions. */
#include "config.h"

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

#define NSITE  (1u << QT_MODEL_NSITE)
#define LAMBDA (1u << QT_MODEL_LAMBDA)
#define VEE    (1u << QT_MODEL_VEE)
#define THREE  (LAMBDA | VEE)

enum { AX_ANY = 0, AX_TEMP = 1, AX_GAP = 2 };

static const struct {
    const char *name;
    unsigned models;
    int kind; /* AX_TEMP: >= 0 */
} axis_tab[SW_AX_COUNT] = {
    [SW_AX_G] = {"g", NSITE, AX_ANY},
    [SW_AX_T_L] = {"T_L", NSITE, AX_TEMP},
    [SW_AX_T_R] = {"T_R", NSITE, AX_TEMP},
    [SW_AX_T_1] = {"T_1", THREE, AX_TEMP},
    [SW_AX_T_2] = {"T_2", THREE, AX_TEMP},
    [SW_AX_T_MEAN] = {"T_mean", NSITE | THREE, AX_TEMP},
    [SW_AX_T_DIFF] = {"T_diff", NSITE | THREE, AX_ANY},
    [SW_AX_E_G] = {"E_g", VEE, AX_ANY},
    [SW_AX_E_1] = {"E_1", THREE, AX_ANY},
    [SW_AX_E_2] = {"E_2", THREE, AX_ANY},
    [SW_AX_E_E] = {"E_e", LAMBDA, AX_ANY},
};

static const char *const top_keys[] = {"model",           "h",    "gamma",      "d",
                                       "spectral",        "bath", "solver",     "tol",
                                       "phase_threshold", "axes", "observables"};
#define N_TOP_KEYS (sizeof top_keys / sizeof top_keys[0])

static const char *const model_names[] = {"nsite", "lambda", "vee"};
static const char *const spectral_names[] = {"flat", "ohmic"};
static const char *const bath_names[] = {"quantum", "classical"};
static const char *const solver_names[] = {"secular", "dense"};

const char *sw_model_name(qt_model m)
{
    return (unsigned)m < 3 ? model_names[m] : "?";
}
const char *sw_spectral_name(qt_spectral s)
{
    return (unsigned)s < 2 ? spectral_names[s] : "?";
}
const char *sw_bath_name(qt_bath b)
{
    return (unsigned)b < 2 ? bath_names[b] : "?";
}
const char *sw_solver_name(qt_solver s)
{
    return (unsigned)s < 2 ? solver_names[s] : "?";
}

/* ---- error reporting ---------------------------------------------------- */

typedef struct {
    const char *fname;
    yaml_document_t *doc;
    char *msg;
    size_t msglen;
    int64_t points; /* grid points of the axes parsed so far */
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
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || !*s)
        return fail(c, n, key, "wrong type: expected a number, got '%s'", s);
    if (!isfinite(v) || errno == ERANGE)
        return fail(c, n, key, "must be a finite number (got '%s')", s);
    *out = v;
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

/* A list of numbers, or {start, stop, num, log}. */
static int parse_axis(ctx_t *c, const yaml_node_t *n, const char *key, sw_axis *ax)
{
    char sub[96];
    if (n->type == YAML_SEQUENCE_NODE) {
        int64_t len = n->data.sequence.items.top - n->data.sequence.items.start;
        if (len < 1) return fail(c, n, key, "empty axis: give at least one value");
        ax->v = malloc((size_t)len * sizeof(double));
        if (!ax->v) return fail(c, n, key, "out of memory");
        ax->n = len;
        for (int64_t i = 0; i < len; i++) {
            snprintf(sub, sizeof sub, "%s[%lld]", key, (long long)i);
            if (get_double(c, node_at(c, n->data.sequence.items.start[i]), sub, &ax->v[i]))
                return -1;
        }
        return 0;
    }
    if (n->type != YAML_MAPPING_NODE)
        return fail(
            c, n, key,
            "wrong type: expected a list of numbers or {start, stop, num[, log]}, got %s%s%s",
            scalar(n) ? "'" : "", scalar(n) ? scalar(n) : node_kind(n), scalar(n) ? "'" : "");
    static const char *const keys[] = {"start", "stop", "num", "log"};
    if (check_mapping(c, n, key, keys, 4)) return -1;
    double start, stop;
    long num;
    int logsp = 0;
    const yaml_node_t *v;
    for (int i = 0; i < 3; i++)
        if (!lookup(c, n, keys[i], NULL)) {
            snprintf(sub, sizeof sub, "%s.%s", key, keys[i]);
            return fail(c, n, sub, "missing (a range needs start, stop and num)");
        }
    snprintf(sub, sizeof sub, "%s.start", key);
    if (get_double(c, lookup(c, n, "start", NULL), sub, &start)) return -1;
    snprintf(sub, sizeof sub, "%s.stop", key);
    if (get_double(c, lookup(c, n, "stop", NULL), sub, &stop)) return -1;
    snprintf(sub, sizeof sub, "%s.num", key);
    v = lookup(c, n, "num", NULL);
    if (get_int(c, v, sub, LONG_MIN, LONG_MAX, &num)) return -1;
    if (num < 1) return fail(c, v, sub, "must be >= 1 (got %ld)", num);
    if ((int64_t)num > SW_MAX_POINTS / c->points)
        return fail(c, v, sub, "too large (got %ld): the grid would have more than %lld points",
                    num, (long long)SW_MAX_POINTS);
    if ((v = lookup(c, n, "log", NULL))) {
        snprintf(sub, sizeof sub, "%s.log", key);
        if (get_bool(c, v, sub, &logsp)) return -1;
        if (logsp && !(start > 0 && stop > 0))
            return fail(c, v, sub, "log spacing needs start > 0 and stop > 0 (got %g, %g)", start,
                        stop);
    }
    ax->v = malloc((size_t)num * sizeof(double));
    if (!ax->v) return fail(c, n, key, "out of memory for %ld values", num);
    ax->n = num;
    /* like numpy.linspace / logspace: start + i * step, last value exact */
    double a = logsp ? log(start) : start, b = logsp ? log(stop) : stop;
    double step = num > 1 ? (b - a) / (double)(num - 1) : 0.0;
    for (long i = 0; i < num; i++) {
        double x = (double)i * step + a;
        ax->v[i] = logsp ? exp(x) : x;
    }
    ax->v[0] = start;
    if (num > 1) ax->v[num - 1] = stop;
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
        for (int j = 0; j < i; j++)
            if (cfg->N[j] == v) return fail(c, e, sub, "N = %ld given twice", v);
        cfg->N[i] = (int)v;
        cfg->n_N = i + 1;
    }
    return 0;
}

static int parse_axes(ctx_t *c, const yaml_node_t *n, sw_config *cfg)
{
    const unsigned mbit = 1u << cfg->model;
    const char *known[SW_AX_COUNT + 1];
    for (int a = 0; a < SW_AX_COUNT; a++) known[a] = axis_tab[a].name;
    known[SW_AX_COUNT] = "N";
    if (check_mapping(c, n, "axes", known, SW_AX_COUNT + 1)) return -1;

    const yaml_node_t *node[SW_AX_COUNT] = {0};
    yaml_node_t *keyn[SW_AX_COUNT] = {0}, *nkey = NULL;
    for (int a = 0; a < SW_AX_COUNT; a++) {
        node[a] = lookup(c, n, axis_tab[a].name, &keyn[a]);
        if (node[a] && !(axis_tab[a].models & mbit)) {
            char key[32];
            snprintf(key, sizeof key, "axes.%s", axis_tab[a].name);
            return fail(c, keyn[a], key, "not an axis of model %s", model_names[cfg->model]);
        }
    }
    const yaml_node_t *nn = lookup(c, n, "N", &nkey);
    if (cfg->model == QT_MODEL_NSITE) {
        if (!nn) return fail(c, n, "axes.N", "missing (the chain lengths, e.g. N: [10])");
        if (parse_N(c, nn, cfg)) return -1;
        c->points = cfg->n_N;
        if (!node[SW_AX_G]) return fail(c, n, "axes.g", "missing (the tunnelling g)");
    } else {
        if (nn) return fail(c, nkey, "axes.N", "not an axis of model %s", model_names[cfg->model]);
        cfg->N = malloc(sizeof(int));
        if (!cfg->N) return fail(c, n, "axes", "out of memory");
        cfg->N[0] = 0;
        cfg->n_N = 1;
    }

    /* temperatures: one pair or the other, both members */
    const int ta = cfg->model == QT_MODEL_NSITE ? SW_AX_T_L : SW_AX_T_1;
    const int tb = ta + 1;
    const int have_pair = node[ta] || node[tb];
    const int have_md = node[SW_AX_T_MEAN] || node[SW_AX_T_DIFF];
    char ka[32], kb[32];
    snprintf(ka, sizeof ka, "axes.%s", axis_tab[ta].name);
    snprintf(kb, sizeof kb, "axes.%s", axis_tab[tb].name);
    if (have_pair && have_md) {
        int k = node[SW_AX_T_MEAN] ? SW_AX_T_MEAN : SW_AX_T_DIFF;
        return fail(c, keyn[k], "axes", "give either %s and %s, or T_mean and T_diff, not both",
                    axis_tab[ta].name, axis_tab[tb].name);
    }
    if (!have_pair && !have_md)
        return fail(c, n, "axes", "missing temperatures: give %s and %s, or T_mean and T_diff",
                    axis_tab[ta].name, axis_tab[tb].name);
    if (have_pair && !node[ta]) return fail(c, n, ka, "missing (%s needs %s)", kb + 5, ka + 5);
    if (have_pair && !node[tb]) return fail(c, n, kb, "missing (%s needs %s)", ka + 5, kb + 5);
    if (have_md && !node[SW_AX_T_MEAN])
        return fail(c, n, "axes.T_mean", "missing (T_diff needs T_mean)");
    if (have_md && !node[SW_AX_T_DIFF])
        return fail(c, n, "axes.T_diff", "missing (T_mean needs T_diff)");
    cfg->mean_diff = have_md;

    for (int a = 0; a < SW_AX_COUNT; a++) {
        if (!node[a]) continue;
        char key[32];
        snprintf(key, sizeof key, "axes.%s", axis_tab[a].name);
        sw_axis *ax = &cfg->axis[cfg->n_axes++];
        ax->id = (sw_axis_id)a;
        ax->name = axis_tab[a].name;
        if (parse_axis(c, node[a], key, ax)) return -1;
        if (ax->n > SW_MAX_POINTS / c->points)
            return fail(c, node[a], key, "the grid would have more than %lld points",
                        (long long)SW_MAX_POINTS);
        c->points *= ax->n;
        if (axis_tab[a].kind == AX_TEMP)
            for (int64_t i = 0; i < ax->n; i++)
                if (ax->v[i] < 0) {
                    const yaml_node_t *at = node[a];
                    if (at->type == YAML_SEQUENCE_NODE)
                        at = node_at(c, at->data.sequence.items.start[i]);
                    return fail(c, at, key, "temperature must be >= 0 (got %g)", ax->v[i]);
                }
    }
    if (cfg->mean_diff) {
        const sw_axis *m = NULL, *d = NULL;
        for (int i = 0; i < cfg->n_axes; i++) {
            if (cfg->axis[i].id == SW_AX_T_MEAN) m = &cfg->axis[i];
            if (cfg->axis[i].id == SW_AX_T_DIFF) d = &cfg->axis[i];
        }
        double mmin = m->v[0], dmax = 0;
        for (int64_t i = 0; i < m->n; i++) mmin = fmin(mmin, m->v[i]);
        for (int64_t i = 0; i < d->n; i++) dmax = fmax(dmax, fabs(d->v[i]));
        if (mmin - 0.5 * dmax < 0)
            return fail(c, node[SW_AX_T_DIFF], "axes.T_diff",
                        "T_mean - |T_diff|/2 < 0 (T_mean = %g, |T_diff| = %g): a temperature "
                        "would be negative",
                        mmin, dmax);
    }
    return 0;
}

/* ---- observables -------------------------------------------------------- */

static int parse_observables(ctx_t *c, const yaml_node_t *n, sw_config *cfg)
{
    const unsigned mbit = 1u << cfg->model;
    cfg->n_out = 0;
    cfg->out[cfg->n_out++] = SW_OUT_STATUS;
    if (!n) { /* defaults */
        for (int o = 1; o < sw_n_outputs; o++)
            if (sw_outputs[o].by_default && (sw_outputs[o].models & mbit))
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
                        model_names[cfg->model], avail);
        if (!(sw_outputs[o].models & mbit))
            return fail(c, e, "observables", "model %s has no observable '%s' (available: %s)",
                        model_names[cfg->model], s, avail);
        if (o == SW_OUT_STATUS) continue; /* always written */
        if (chosen[o]) return fail(c, e, "observables", "'%s' listed twice", s);
        chosen[o] = 1;
    }
    for (int o = 1; o < sw_n_outputs; o++) /* table order: stable file layout */
        if (chosen[o]) cfg->out[cfg->n_out++] = o;
    return 0;
}

/* ---- top level ---------------------------------------------------------- */

static int positive(ctx_t *c, const yaml_node_t *n, const char *key, double *out)
{
    if (get_double(c, n, key, out)) return -1;
    if (!(*out > 0)) return fail(c, n, key, "must be > 0 (got %g)", *out);
    return 0;
}

static int sha256_hex(const char *text, size_t len, char hex[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (!EVP_Digest(text, len, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32) return -1;
    for (unsigned i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", md[i]);
    return 0;
}

static int parse_document(ctx_t *c, sw_config *cfg)
{
    yaml_node_t *root = yaml_document_get_root_node(c->doc);
    if (!root) return fail(c, NULL, "config", "empty document");
    if (check_mapping(c, root, "", top_keys, N_TOP_KEYS)) return -1;
    yaml_node_t *k, *v = lookup(c, root, "model", &k);
    int iv;
    if (!v) return fail(c, root, "model", "missing (nsite, lambda or vee)");
    if (get_enum(c, v, "model", model_names, 3, &iv)) return -1;
    cfg->model = (qt_model)iv;
    qt_params_default(&cfg->base, cfg->model);
    qt_options_default(&cfg->opt);

    if ((v = lookup(c, root, "h", &k))) {
        if (cfg->model != QT_MODEL_NSITE)
            return fail(c, k, "h", "not a parameter of model %s (its energies are axes E_*)",
                        model_names[cfg->model]);
        if (positive(c, v, "h", &cfg->base.h)) return -1;
    }
    if ((v = lookup(c, root, "d", &k))) {
        if (cfg->model == QT_MODEL_NSITE)
            return fail(c, k, "d",
                        "not a parameter of model nsite (d is the three-level well distance)");
        if (positive(c, v, "d", &cfg->base.d)) return -1;
    }
    if ((v = lookup(c, root, "gamma", NULL)) && positive(c, v, "gamma", &cfg->base.gamma))
        return -1;
    if ((v = lookup(c, root, "spectral", NULL))) {
        if (get_enum(c, v, "spectral", spectral_names, 2, &iv)) return -1;
        cfg->base.spectral = (qt_spectral)iv;
    }
    if ((v = lookup(c, root, "bath", NULL))) {
        if (get_enum(c, v, "bath", bath_names, 2, &iv)) return -1;
        cfg->base.bath = (qt_bath)iv;
    }
    yaml_node_t *solver_node = lookup(c, root, "solver", NULL);
    if (solver_node) {
        if (get_enum(c, solver_node, "solver", solver_names, 2, &iv)) return -1;
        cfg->opt.solver = (qt_solver)iv;
    }
    if ((v = lookup(c, root, "tol", NULL)) && positive(c, v, "tol", &cfg->opt.tol)) return -1;
    if ((v = lookup(c, root, "phase_threshold", NULL))) {
        if (get_double(c, v, "phase_threshold", &cfg->opt.phase_threshold)) return -1;
        if (cfg->opt.phase_threshold < 0)
            return fail(c, v, "phase_threshold", "must be >= 0 (got %g)", cfg->opt.phase_threshold);
    }
    if (!(v = lookup(c, root, "axes", NULL)))
        return fail(c, root, "axes", "missing (the grid to sweep)");
    if (parse_axes(c, v, cfg)) return -1;
    yaml_node_t *obs = lookup(c, root, "observables", NULL);
    if (parse_observables(c, obs, cfg)) return -1;

    /* solver limits and workspace options, checked against the largest N */
    int max_N = 0;
    for (int i = 0; i < cfg->n_N; i++) max_N = cfg->N[i] > max_N ? cfg->N[i] : max_N;
    int d_max = cfg->model == QT_MODEL_NSITE ? 2 * max_N : 3;
    if (cfg->opt.solver == QT_SOLVER_DENSE) {
        if (d_max > QT_DENSE_MAX_D)
            return fail(c, solver_node, "solver",
                        "dense supports dimension d <= %d, i.e. N <= %d, but axes.N has %d",
                        QT_DENSE_MAX_D, QT_DENSE_MAX_D / 2, max_N);
        cfg->ws_flags |= QT_WS_DENSE;
    }
    for (int k2 = 0; k2 < cfg->n_out; k2++)
        if (sw_outputs[cfg->out[k2]].needs_gap) {
            if (d_max > QT_GAP_MAX_D)
                return fail(c, obs, "observables",
                            "'%s' needs d <= %d, i.e. N <= %d, but axes.N has %d",
                            sw_outputs[cfg->out[k2]].name, QT_GAP_MAX_D, QT_GAP_MAX_D / 2, max_N);
            cfg->opt.want_gap = 1;
            cfg->ws_flags |= QT_WS_GAP;
        }

    /* last line of defence: the library's own check on every axis value */
    int64_t idx[SW_MAX_AXES] = {0};
    for (int n_i = 0; n_i < cfg->n_N; n_i++)
        for (int a = 0; a < cfg->n_axes; a++)
            for (int64_t i = 0; i < cfg->axis[a].n; i++) {
                qt_params p;
                char m[256];
                idx[a] = i;
                sw_config_point(cfg, cfg->N[n_i], idx, &p);
                idx[a] = 0;
                if (qt_params_check(&p, m, sizeof m) != QT_OK) {
                    char key[48];
                    snprintf(key, sizeof key, "axes.%s[%lld]", cfg->axis[a].name, (long long)i);
                    return fail(c, NULL, key, "%s", m);
                }
            }
    return 0;
}

int sw_config_parse(const char *fname, const char *text, size_t len, sw_config *cfg, char *msg,
                    size_t msglen)
{
    memset(cfg, 0, sizeof *cfg);
    ctx_t c = {fname, NULL, msg, msglen, 1};
    yaml_parser_t parser;
    yaml_document_t doc;
    int rc = -1;
    if (memchr(text, 0, len)) return fail(&c, NULL, "config", "contains a NUL byte");
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
        if (n > ((size_t)1 << 24)) {
            snprintf(msg, msglen, "%s: config larger than 16 MiB", path);
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
        double x = cfg->axis[a].v[idx[a]];
        switch (cfg->axis[a].id) {
        case SW_AX_G:
            p->g = x;
            break;
        case SW_AX_T_L:
            p->T_L = x;
            break;
        case SW_AX_T_R:
            p->T_R = x;
            break;
        case SW_AX_T_1:
            p->T1 = x;
            break;
        case SW_AX_T_2:
            p->T2 = x;
            break;
        case SW_AX_T_MEAN:
            tm = x;
            break;
        case SW_AX_T_DIFF:
            td = x;
            break;
        case SW_AX_E_G:
            p->E[0] = x;
            break; /* vee: E_g, E_1, E_2 */
        case SW_AX_E_1:
            p->E[cfg->model == QT_MODEL_VEE ? 1 : 0] = x;
            break;
        case SW_AX_E_2:
            p->E[cfg->model == QT_MODEL_VEE ? 2 : 1] = x;
            break;
        case SW_AX_E_E:
            p->E[2] = x;
            break; /* lambda: E_1, E_2, E_e */
        default:
            break;
        }
    }
    if (cfg->mean_diff) { /* T_hot-side = T_mean + T_diff / 2 */
        double hi = tm + 0.5 * td, lo = tm - 0.5 * td;
        if (lo < 0) lo = 0; /* rounding only: validated T_mean >= |T_diff| / 2 */
        if (hi < 0) hi = 0;
        if (cfg->model == QT_MODEL_NSITE)
            p->T_L = hi, p->T_R = lo;
        else
            p->T1 = hi, p->T2 = lo;
    }
}
