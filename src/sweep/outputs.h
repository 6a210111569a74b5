/* The table of per-point outputs (one HDF5 dataset each) and how a batch of
 * qt_result values is packed for the wire and the file.
 *
 * A batch of `count` points is packed "structure of arrays": output o
 * occupies count * extent(o) doubles starting at count * col(o), so the
 * master can write each dataset straight from the message. Integers travel
 * as doubles (exact) and are converted when written. */
#ifndef QT_SWEEP_OUTPUTS_H
#define QT_SWEEP_OUTPUTS_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "qthermo/qthermo.h"

typedef enum { SW_F64 = 0, SW_I8, SW_I32 } sw_type;
/* per-point extent: 1, the populations (site / level), the baths, or a pair */
typedef enum { SW_EXT_1 = 0, SW_EXT_POP, SW_EXT_BATH, SW_EXT_PAIR, SW_EXT_COUNT } sw_ext;

/* where an output's value lives in qt_result: a double, an int, behind a
 * pointer, an array member */
typedef enum { SW_SRC_DOUBLE, SW_SRC_INT, SW_SRC_PTR, SW_SRC_ARRAY } sw_src;

typedef struct {
    const char *name;
    sw_type type;
    sw_ext ext;
    unsigned models;       /* bit (1 << qt_model) for each model that has it */
    int by_default;        /* written when the config has no `observables` key */
    int needs_gap;         /* needs qt_options.want_gap */
    sw_src src;            /* where the value lives in qt_result */
    size_t off;            /* offsetof in qt_result */
    const char *doc;       /* `description` attribute */
    const char *unit;      /* in the parameter table's vocabulary: "1", "h", "Gamma", ... */
    const char *long_name; /* CF long_name (the writer appends the unit) */
    int valid_min;         /* integer outputs: smallest legitimate value (CF valid_min) */
} sw_output;

extern const sw_output sw_outputs[];
extern const int sw_n_outputs;
#define SW_OUT_STATUS 0 /* always the first output; always written */

/* Index of an output name, or -1. */
int sw_output_find(const char *name);

/* Extent (values per point) of output kind `ext` for a model and N, the
 * name of that dimension ("site", "level", "bath_index", "mode": never a
 * parameter's name, so no dimension is named like a root attribute) and
 * its CF long_name. */
int sw_ext_size(sw_ext ext, qt_model model, int N);
const char *sw_ext_dim(sw_ext ext, qt_model model);
const char *sw_ext_long_name(sw_ext ext, qt_model model);

/* Fill value of an output type (NaN, or the int sentinel). */
double sw_fill_value(const sw_output *o);

/* Layout of a packed record for one group: col[k] = doubles before output
 * k (k indexes cfg->out), returns doubles per point. */
int sw_record_layout(const sw_config *cfg, int N, int *col);

/* Store result r of point i of a batch of `count` points into buf. Failed
 * points (r->status != 0) get NaN and the integer fill values. */
void sw_pack_point(const sw_config *cfg, int N, const int *col, const qt_result *r, int64_t i,
                   int64_t count, double *buf);

#endif
