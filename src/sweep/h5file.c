/* HDF5 layout of a sweep (README.md in this folder has the picture): the
 * writer interface (writer.h) implemented with HDF5's POSIX (sec2) driver,
 * used by the one writing process.
 *
 * Crash safety rests on these choices made here:
 *  - every dataset is contiguous, allocated at creation (H5D_ALLOC_TIME_EARLY)
 *    and filled (NaN / -1 / 0), and the metadata is written and fsync'ed
 *    before the first point is computed: the run itself changes no HDF5
 *    metadata, so the file on disk is a valid HDF5 file at every instant;
 *  - raw data goes straight to pwrite (no sieve buffer): a batch's
 *    observables and status are written, and its points are queued; a
 *    commit (sw_writer flush) fdatasyncs the file and only then writes the
 *    `done` flags of the queued points. So `done` = 1 on disk implies the
 *    data is on disk, whatever the kernel writes back first, through a crash
 *    of the process, the node or the power (group commit: a crash costs at
 *    most the points written since the last commit);
 *  - the superblock is the default (version 0) one, which has no "file open
 *    for writing" flag, so a killed file opens without h5clear. */
#define _GNU_SOURCE /* memfd_create */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hdf5.h>
#include <hdf5_hl.h>

#include "bgsync.h"
#include "h5attr.h"

#include "outputs.h"
#include "writer.h"

#define FORMAT_NAME "qthermo-sweep-1"

/* In a function with `char *msg, size_t msglen`: on a negative value,
 * say which call failed and where, and return -1. */
#define CHECK(expr, what)                                                                          \
    do {                                                                                           \
        if ((expr) < 0) {                                                                          \
            snprintf(msg, msglen, "HDF5: %s failed (%s:%d)", what, __FILE__, __LINE__);            \
            return -1;                                                                             \
        }                                                                                          \
    } while (0)

typedef struct {
    hid_t grp;
    hid_t dset[SW_MAX_OUT]; /* parallel to cfg->out */
    hid_t done;
    hid_t space[SW_EXT_COUNT]; /* file spaces by extent kind, reused */
} h5_block;

/* A written batch whose done flags wait for the next commit. */
typedef struct {
    int b;
    int64_t start, count;
} h5_pending;

struct sw_writer_state {
    const sw_config *cfg;
    const sw_grid *g;
    hid_t file;
    int fd; /* the file's descriptor (sec2 driver), for fdatasync */
    int writable;
    int n_blocks;
    h5_block *blk;
    hid_t dxpl;
    void *scratch; /* integer conversions and done flags of one batch */
    h5_pending *pending;
    size_t n_pending, cap_pending;
    sw_bgsync sync;      /* the group commit's fdatasync; covers: pending[0, covers) */
    h5_pending *durable; /* batches other processes wrote and synced: done flags to write */
    size_t n_durable, cap_durable;
    int done_unsynced; /* done flags of those written since the last sync started */
    char error[256];   /* the last failure (sw_writer last_error) */
    int broken;        /* a write or sync failed: the file is not closed by us */
};

static hid_t file_type(sw_type t)
{
    return t == SW_I8 ? H5T_STD_I8LE : t == SW_I32 ? H5T_STD_I32LE : H5T_IEEE_F64LE;
}
static hid_t mem_type(sw_type t)
{
    return t == SW_I8 ? H5T_NATIVE_INT8 : t == SW_I32 ? H5T_NATIVE_INT32 : H5T_NATIVE_DOUBLE;
}

/* ---- attributes -------------------------------------------------------- */

/* Read a string attribute (variable or fixed length) into buf. */
static int read_attr_str(hid_t loc, const char *name, char *buf, size_t buflen)
{
    if (H5Aexists(loc, name) <= 0) return -1;
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT), t = -1, mt = -1;
    int rc = -1;
    if (a < 0) return -1;
    t = H5Aget_type(a);
    if (t < 0 || H5Tget_class(t) != H5T_STRING) goto out;
    if (H5Tis_variable_str(t) > 0) {
        char *s = NULL;
        mt = H5Tcopy(H5T_C_S1);
        H5Tset_size(mt, H5T_VARIABLE);
        H5Tset_cset(mt, H5Tget_cset(t)); /* HDF5 converts no character sets */
        if (H5Aread(a, mt, &s) >= 0 && s) {
            snprintf(buf, buflen, "%s", s);
            H5free_memory(s);
            rc = 0;
        }
    } else {
        size_t n = H5Tget_size(t);
        if (n == 0 || n > (1u << 20)) goto out; /* no sweep attribute is that long */
        char *s = calloc(n + 1, 1);
        mt = H5Tcopy(H5T_C_S1);
        H5Tset_size(mt, n + 1);
        H5Tset_cset(mt, H5Tget_cset(t));
        if (s && H5Aread(a, mt, s) >= 0) {
            snprintf(buf, buflen, "%s", s);
            rc = 0;
        }
        free(s);
    }
out:
    if (mt >= 0) H5Tclose(mt);
    if (t >= 0) H5Tclose(t);
    H5Aclose(a);
    return rc;
}

/* CF flag_values / flag_meanings of the status dataset: -1 and the
 * library's status names. */
static int status_flags(hid_t d)
{
    int8_t v[QT_NSTATUS + 1];
    char names[512] = "not_computed";
    for (int s = -1; s < QT_NSTATUS; s++) {
        v[s + 1] = (int8_t)s;
        if (s >= 0) {
            size_t n = strlen(names);
            snprintf(names + n, sizeof names - n, " %s", qt_status_name(s));
        }
    }
    return sw_cf_flags(d, v, QT_NSTATUS + 1, names);
}

/* ---- CF metadata (README.md in this folder, "CF metadata") ------------- */

/* An observable: long name and unit from the output table. Integer
 * observables get no _FillValue (xarray would turn them into floats):
 * failed or not computed points hold a value below valid_min, which CF
 * readers mask; `status` is a flag variable. */
static int cf_observable(hid_t d, const sw_output *o, const void *fill, int nsite)
{
    if (sw_cf_attrs(d, o->long_name, o->unit)) return -1;
    if (nsite && sw_attr_str(d, "coordinates", "N")) return -1;
    if (o->type == SW_F64)
        return sw_attr_num(d, "_FillValue", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, fill);
    if (o == &sw_outputs[SW_OUT_STATUS]) return 0;
    return sw_attr_num(d, "valid_min", file_type(o->type), H5T_NATIVE_INT, &o->valid_min);
}

/* nsite: the group's N as a scalar coordinate variable, so that xarray can
 * concatenate the groups along N. */

/* ---- layout ------------------------------------------------------------ */

/* A 1-D coordinate dataset with its values, made a dimension scale. */
static hid_t make_scale(hid_t loc, const char *name, hid_t ftype, hid_t mtype, const void *values,
                        hsize_t n, hid_t dxpl)
{
    double zero = 0;
    int izero = 0;
    hid_t d = sw_make_dataset(loc, name, ftype, mtype,
                              mtype == H5T_NATIVE_DOUBLE ? (void *)&zero : (void *)&izero, 1, &n);
    if (d < 0) return -1;
    if (H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, dxpl, values) < 0 || H5DSset_scale(d, name) < 0) {
        H5Dclose(d);
        return -1;
    }
    return d;
}

/* An axis of names (master_equation, ...): its values are choice indices,
 * named CF-style by flag_values and flag_meanings. */
static int name_choices(hid_t d, const qt_param_info *pi)
{
    int values[16], n = 0;
    char meanings[256] = "";
    for (; pi->choices[n] && n < 16; n++) {
        values[n] = n;
        snprintf(meanings + strlen(meanings), sizeof meanings - strlen(meanings), "%s%s",
                 n ? " " : "", pi->choices[n]);
    }
    hsize_t dim = (hsize_t)n;
    hid_t sp = H5Screate_simple(1, &dim, NULL);
    hid_t a =
        sp < 0 ? -1 : H5Acreate2(d, "flag_values", H5T_STD_I32LE, sp, H5P_DEFAULT, H5P_DEFAULT);
    int rc = a < 0 || H5Awrite(a, H5T_NATIVE_INT, values) < 0 ? -1 : 0;
    if (a >= 0) H5Aclose(a);
    if (sp >= 0) H5Sclose(sp);
    return rc ? rc : sw_attr_str(d, "flag_meanings", meanings);
}

/* The coordinate dataset of axis a in group loc. */
static hid_t make_axis_scale(hid_t loc, const sw_config *cfg, int a, hid_t dxpl)
{
    hid_t d = make_scale(loc, cfg->axis[a].name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, cfg->axis[a].v,
                         (hsize_t)cfg->axis[a].n, dxpl);
    if (d >= 0 &&
        (sw_cf_param(d, cfg->model, cfg->axis[a].name) ||
         (cfg->axis[a].param->type == QT_PT_ENUM && name_choices(d, cfg->axis[a].param)))) {
        H5Dclose(d);
        return -1;
    }
    return d;
}

static int open_spaces(h5_block *hb, const sw_config *cfg, const sw_block *blk)
{
    hsize_t dims[SW_MAX_AXES + 1];
    for (int a = 0; a < cfg->n_axes; a++) dims[a] = (hsize_t)cfg->axis[a].n;
    for (int e = 0; e < SW_EXT_COUNT; e++) {
        dims[cfg->n_axes] = (hsize_t)sw_ext_size((sw_ext)e, cfg->model, blk->N);
        hb->space[e] = H5Screate_simple(cfg->n_axes + (e != SW_EXT_1), dims, NULL);
        if (hb->space[e] < 0) return -1;
    }
    return 0;
}

/* POSIX driver, no sieve buffer (raw data straight to pwrite, in the order
 * written), no HDF5 file locking (the driver holds its own lock, lock.c). */
static hid_t local_fapl(void)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl >= 0 && (H5Pset_fapl_sec2(fapl) < 0 || H5Pset_sieve_buf_size(fapl, 0) < 0 ||
                      H5Pset_file_locking(fapl, 0, 1) < 0)) {
        H5Pclose(fapl);
        return -1;
    }
    return fapl;
}

/* The descriptor under the sec2 driver. */
static int file_fd(hid_t file)
{
    int *h = NULL;
    if (H5Fget_vfd_handle(file, H5P_DEFAULT, (void **)&h) < 0 || !h) return -1;
    return *h;
}

static int h5_close(sw_writer_state *w, char *msg, size_t msglen);

/* The writer's state with every id -1 and its buffers; NULL when out of
 * memory. */
static sw_writer_state *h5_alloc(const sw_config *cfg, const sw_grid *g)
{
    if (!getenv("QTHERMO_H5_DEBUG")) H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    sw_writer_state *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    w->cfg = cfg;
    w->g = g;
    w->file = w->dxpl = -1;
    w->fd = -1;
    w->n_blocks = g->n_blocks;
    w->blk = calloc((size_t)g->n_blocks, sizeof *w->blk);
    for (int b = 0; w->blk && b < w->n_blocks; b++) {
        h5_block *hb = &w->blk[b];
        hb->grp = hb->done = -1;
        for (int k = 0; k < SW_MAX_OUT; k++) hb->dset[k] = -1;
        for (int e = 0; e < SW_EXT_COUNT; e++) hb->space[e] = -1;
    }
    const int64_t sites = sw_grid_batch_sites(g);
    const size_t scratch = (size_t)(sites > SW_BATCH_MAX ? sites : SW_BATCH_MAX) * sizeof(int32_t);
    w->scratch = malloc(scratch);
    w->cap_pending = w->cap_durable = 256;
    w->pending = malloc(w->cap_pending * sizeof *w->pending);
    w->durable = malloc(w->cap_durable * sizeof *w->durable);
    w->dxpl = H5Pcreate(H5P_DATASET_XFER);
    if (!w->blk || !w->scratch || !w->pending || !w->durable || w->dxpl < 0) {
        h5_close(w, NULL, 0);
        return NULL;
    }
    return w;
}

static int attr_doubles(hid_t loc, const char *name, const double *v, int n)
{
    hsize_t dim = (hsize_t)n;
    hid_t sp = H5Screate_simple(1, &dim, NULL);
    if (sp < 0) return -1;
    hid_t a = H5Acreate2(loc, name, H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT);
    int rc = a < 0 || H5Awrite(a, H5T_NATIVE_DOUBLE, v) < 0 ? -1 : 0;
    if (a >= 0) H5Aclose(a);
    H5Sclose(sp);
    return rc;
}

static int is_axis(const sw_config *cfg, const qt_param_info *pi)
{
    for (int a = 0; a < cfg->n_axes; a++)
        if (cfg->axis[a].param == pi) return 1;
    return !strcmp(pi->name, "N") || !strcmp(pi->name, "model");
}

/* One attribute per parameter of the model that is not swept, named and
 * typed by the parameter table (enums as their names, lists as arrays). */
static int param_attrs(hid_t root, const sw_config *cfg, char *msg, size_t msglen)
{
    char text[64];
    for (int i = 0; i < qt_param_count(); i++) {
        const qt_param_info *pi = qt_param_at(i);
        if (!(pi->models & (1u << cfg->model)) || (pi->flags & (QT_PF_DERIVED | QT_PF_POINT)) ||
            pi->type == QT_PT_FLAG || is_axis(cfg, pi))
            continue;
        if (pi->type == QT_PT_LIST) {
            int n;
            const double *v = qt_param_get_list(&cfg->base, pi, &n);
            if (v) CHECK(attr_doubles(root, pi->name, v, n), "attribute");
        } else if (pi->type == QT_PT_ENUM) {
            CHECK(sw_attr_str(root, pi->name, sw_config_value_text(cfg, pi, text, sizeof text)),
                  "attribute");
        } else {
            CHECK(sw_attr_double(root, pi->name, qt_param_get(&cfg->base, &cfg->opt, pi)),
                  "attribute");
        }
    }
    return 0;
}

static const char *temperatures_text(const sw_config *cfg)
{
    const int nsite = cfg->model == QT_MODEL_NSITE;
    if (cfg->mean_diff)
        return nsite ? "T_L = T_mean + T_diff/2, T_R = T_mean - T_diff/2"
                     : "T_1 = T_mean + T_diff/2, T_2 = T_mean - T_diff/2";
    return nsite ? "T_L, T_R" : "T_1, T_2";
}

static int root_attrs(hid_t root, const sw_config *cfg, const char *created, char *msg,
                      size_t msglen)
{
    CHECK(sw_attr_str(root, "Conventions", "CF-1.10"), "attribute");
    CHECK(sw_attr_str(root, "qthermo_format", FORMAT_NAME), "attribute");
    CHECK(sw_attr_str(root, "qthermo_version", QT_VERSION), "attribute");
    CHECK(sw_attr_str(root, "config_yaml", cfg->text), "attribute");
    CHECK(sw_attr_str(root, "config_sha256", cfg->sha256), "attribute");
    CHECK(sw_attr_str(root, "model", sw_model_name(cfg->model)), "attribute");
    if (param_attrs(root, cfg, msg, msglen)) return -1;
    CHECK(sw_attr_str(root, "temperatures", temperatures_text(cfg)), "attribute");
    CHECK(sw_attr_str(root, "created", created), "attribute");
    return 0;
}

/* Dimension-scale datasets made while laying out one file; -1 = none. */
typedef struct {
    hid_t axis[SW_MAX_AXES]; /* root coordinates */
    hid_t N;                 /* nsite: the N coordinate */
    hid_t gax[SW_MAX_AXES];  /* the current group's coordinates (nsite: copies) */
    hid_t ext[SW_EXT_COUNT]; /* the current group's per-point dimensions */
} h5_scales;

static void close_group_scales(h5_scales *sc)
{
    for (int e = 1; e < SW_EXT_COUNT; e++) {
        if (sc->ext[e] < 0) continue;
        hid_t id = sc->ext[e]; /* several kinds may share one dataset */
        for (int f = e; f < SW_EXT_COUNT; f++)
            if (sc->ext[f] == id) sc->ext[f] = -1;
        H5Dclose(id);
    }
    for (int a = 0; a < SW_MAX_AXES; a++) {
        if (sc->gax[a] >= 0 && sc->gax[a] != sc->axis[a]) H5Dclose(sc->gax[a]);
        sc->gax[a] = -1;
    }
}

static void close_scales(h5_scales *sc)
{
    close_group_scales(sc);
    for (int a = 0; a < SW_MAX_AXES; a++)
        if (sc->axis[a] >= 0) H5Dclose(sc->axis[a]), sc->axis[a] = -1;
    if (sc->N >= 0) H5Dclose(sc->N), sc->N = -1;
}

/* nsite: the root's N [group], the chain length of each result group,
 * with `group` (the group names "N6", "N10", ...) its dimension scale. N
 * is not a dimension, so that each group's scalar coordinate N is not
 * taken for one (README.md in this folder, "CF metadata"). */
static hid_t cf_group_scale(sw_writer_state *w)
{
    hsize_t n = (hsize_t)w->g->n_blocks;
    const char **names = malloc((size_t)n * sizeof *names);
    hid_t t = H5Tcopy(H5T_C_S1), s = H5Screate_simple(1, &n, NULL), d = -1;
    if (names && t >= 0 && s >= 0 && H5Tset_size(t, H5T_VARIABLE) >= 0 &&
        H5Tset_cset(t, H5T_CSET_UTF8) >= 0)
        d = H5Dcreate2(w->file, "group", t, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    for (hsize_t b = 0; names && b < n; b++) names[b] = w->g->blk[b].group;
    if (d >= 0 && (H5Dwrite(d, t, H5S_ALL, H5S_ALL, w->dxpl, names) < 0 ||
                   H5DSset_scale(d, "group") < 0 || sw_attr_str(d, "long_name", "result group"))) {
        H5Dclose(d);
        d = -1;
    }
    free(names);
    if (s >= 0) H5Sclose(s);
    if (t >= 0) H5Tclose(t);
    return d;
}

static hid_t cf_root_N(sw_writer_state *w)
{
    hsize_t n = (hsize_t)w->g->n_blocks;
    int zero = 0, *v = malloc((size_t)n * sizeof *v);
    hid_t grp = cf_group_scale(w), d = -1;
    if (v && grp >= 0)
        d = sw_make_dataset(w->file, "N", H5T_STD_I32LE, H5T_NATIVE_INT, &zero, 1, &n);
    for (hsize_t b = 0; v && b < n; b++) v[b] = w->g->blk[b].N;
    if (d >= 0 && (H5Dwrite(d, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, w->dxpl, v) < 0 ||
                   H5DSattach_scale(d, grp, 0) < 0 || sw_cf_param(d, w->cfg->model, "N"))) {
        H5Dclose(d);
        d = -1;
    }
    free(v);
    if (grp >= 0) H5Dclose(grp);
    return d;
}

static int root_coordinates(sw_writer_state *w, h5_scales *sc, char *msg, size_t msglen)
{
    const sw_config *cfg = w->cfg;
    for (int a = 0; a < cfg->n_axes; a++)
        CHECK(sc->axis[a] = make_axis_scale(w->file, cfg, a, w->dxpl), "coordinate dataset");
    if (cfg->model == QT_MODEL_NSITE) CHECK(sc->N = cf_root_N(w), "coordinate N");
    return 0;
}

/* Block b's group (nsite: "N10" with attribute N; else the root), its file
 * spaces and its axis coordinates: nsite groups get their own copies, so
 * that xarray.open_dataset(f, group="N10") shows their values too. */
static int block_group(sw_writer_state *w, int b, h5_scales *sc, char *msg, size_t msglen)
{
    const sw_config *cfg = w->cfg;
    const sw_block *blk = &w->g->blk[b];
    h5_block *hb = &w->blk[b];
    const int nsite = cfg->model == QT_MODEL_NSITE;
    if (nsite) {
        CHECK(hb->grp = H5Gcreate2(w->file, blk->group, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
              "H5Gcreate");
        hid_t n = sw_cf_scalar_N(hb->grp, cfg->model, blk->N, w->dxpl);
        CHECK(n, "coordinate N");
        H5Dclose(n);
    } else {
        CHECK(hb->grp = H5Gopen2(w->file, "/", H5P_DEFAULT), "H5Gopen");
    }
    CHECK(open_spaces(hb, cfg, blk), "H5Screate");
    for (int a = 0; a < cfg->n_axes; a++) sc->gax[a] = sc->axis[a];
    if (nsite)
        for (int a = 0; a < cfg->n_axes; a++)
            CHECK(sc->gax[a] = make_axis_scale(hb->grp, cfg, a, w->dxpl), "coordinate dataset");
    return 0;
}

/* The scale of per-point dimension e (site / level / bath / mode) in block
 * b, shared with an earlier kind of the same name (nsite: site populations
 * and heat currents share "site"). */
static hid_t ext_scale(sw_writer_state *w, int b, sw_ext e, const h5_scales *sc)
{
    const qt_model model = w->cfg->model;
    const char *dim = sw_ext_dim(e, model);
    for (int f = 1; f < SW_EXT_COUNT; f++)
        if (f != (int)e && sc->ext[f] >= 0 && !strcmp(sw_ext_dim((sw_ext)f, model), dim))
            return sc->ext[f];
    const int n = sw_ext_size(e, model, w->g->blk[b].N);
    int *v = malloc((size_t)n * sizeof(int));
    if (!v) return -1;
    for (int i = 0; i < n; i++) v[i] = i + 1;
    hid_t d = make_scale(w->blk[b].grp, dim, H5T_STD_I32LE, H5T_NATIVE_INT, v, (hsize_t)n, w->dxpl);
    free(v);
    if (d >= 0 && sw_cf_attrs(d, sw_ext_long_name(e, model), "1")) {
        H5Dclose(d);
        return -1;
    }
    return d;
}

static int ext_scales(sw_writer_state *w, int b, h5_scales *sc, char *msg, size_t msglen)
{
    const sw_config *cfg = w->cfg;
    for (int e = 0; e < SW_EXT_COUNT; e++) sc->ext[e] = -1;
    for (int k = 0; k < cfg->n_out; k++) {
        sw_ext e = sw_outputs[cfg->out[k]].ext;
        if (e == SW_EXT_1 || sc->ext[e] >= 0) continue;
        CHECK(sc->ext[e] = ext_scale(w, b, e, sc), "scale dataset");
    }
    return 0;
}

/* Observable k of block b (k < n_out), or `done` (k == n_out). */
static hid_t block_dataset(sw_writer_state *w, int b, int k, char *msg, size_t msglen)
{
    const sw_config *cfg = w->cfg;
    h5_block *hb = &w->blk[b];
    const sw_output *o = k < cfg->n_out ? &sw_outputs[cfg->out[k]] : NULL;
    const sw_ext e = o ? o->ext : SW_EXT_1;
    const int rk = cfg->n_axes + (e != SW_EXT_1);
    hsize_t dims[SW_MAX_AXES + 1];
    CHECK(H5Sget_simple_extent_dims(hb->space[e], dims, NULL), "H5Sget_simple_extent_dims");
    hid_t d;
    if (!o) {
        uint8_t zero = 0;
        CHECK(d = sw_make_dataset(hb->grp, "done", H5T_STD_U8LE, H5T_NATIVE_UINT8, &zero, rk, dims),
              "H5Dcreate done");
        hb->done = d;
        CHECK(sw_attr_str(d, "description", "1 when the point's results are completely written"),
              "attribute");
        CHECK(sw_cf_attrs(d, "point written", "1"), "attribute");
        if (cfg->model == QT_MODEL_NSITE) CHECK(sw_attr_str(d, "coordinates", "N"), "attribute");
        return d;
    }
    double fd = sw_fill_value(o);
    int8_t f8 = (int8_t)fd;
    int32_t f32 = (int32_t)fd;
    const void *fill = o->type == SW_I8 ? (void *)&f8 : o->type == SW_I32 ? (void *)&f32 : &fd;
    CHECK(d = sw_make_dataset(hb->grp, o->name, file_type(o->type), mem_type(o->type), fill, rk,
                              dims),
          "H5Dcreate");
    hb->dset[k] = d;
    CHECK(sw_attr_str(d, "description", o->doc), "attribute");
    CHECK(cf_observable(d, o, fill, cfg->model == QT_MODEL_NSITE), "attribute");
    if (k == SW_OUT_STATUS) CHECK(status_flags(d), "attribute flag_values");
    return d;
}

static int block_datasets(sw_writer_state *w, int b, const h5_scales *sc, char *msg, size_t msglen)
{
    const sw_config *cfg = w->cfg;
    for (int k = 0; k <= cfg->n_out; k++) { /* k == n_out: done */
        const sw_ext e = k < cfg->n_out ? sw_outputs[cfg->out[k]].ext : SW_EXT_1;
        hid_t d = block_dataset(w, b, k, msg, msglen);
        if (d < 0) return -1;
        for (int a = 0; a < cfg->n_axes; a++)
            CHECK(H5DSattach_scale(d, sc->gax[a], (unsigned)a), "H5DSattach_scale");
        if (e != SW_EXT_1)
            CHECK(H5DSattach_scale(d, sc->ext[e], (unsigned)cfg->n_axes), "H5DSattach_scale");
    }
    return 0;
}

/* Everything in the new file: attributes, coordinates, every group. */
static int lay_out(sw_writer_state *w, const char *created, char *msg, size_t msglen)
{
    h5_scales sc;
    memset(&sc, -1, sizeof sc); /* every id -1 */
    int rc =
        root_attrs(w->file, w->cfg, created, msg, msglen) || root_coordinates(w, &sc, msg, msglen);
    for (int b = 0; !rc && b < w->g->n_blocks; b++) {
        rc = block_group(w, b, &sc, msg, msglen) || ext_scales(w, b, &sc, msg, msglen) ||
             block_datasets(w, b, &sc, msg, msglen);
        close_group_scales(&sc);
    }
    close_scales(&sc);
    return rc ? -1 : 0;
}

/* Everything the run needs exists: put the metadata on disk, durably. */
static int flush_layout(sw_writer_state *w, char *msg, size_t msglen)
{
    CHECK(H5Fflush(w->file, H5F_SCOPE_GLOBAL), "H5Fflush");
    if (fsync(w->fd))
        return snprintf(msg, msglen, "fsync of the new file: %s", strerror(errno)), -1;
    return 0;
}

/* Open (or create: path must not be in use by anyone else; its contents
 * are replaced) with the local driver. */
static hid_t open_file(const char *path, unsigned flags, int create)
{
    hid_t fapl = local_fapl();
    if (fapl < 0) return -1;
    hid_t f = create ? H5Fcreate(path, flags, H5P_DEFAULT, fapl) : H5Fopen(path, flags, fapl);
    H5Pclose(fapl);
    return f;
}

static int h5_create(sw_writer_state **out, const char *path, const sw_config *cfg,
                     const sw_grid *g, const char *created, char *msg, size_t msglen)
{
    *out = NULL;
    sw_writer_state *w = h5_alloc(cfg, g);
    if (!w) return snprintf(msg, msglen, "out of memory"), -1;
    w->writable = 1;
    w->file = open_file(path, H5F_ACC_TRUNC, 1);
    if (w->file < 0 || (w->fd = file_fd(w->file)) < 0) {
        snprintf(msg, msglen, "%s: cannot create HDF5 file", path);
        h5_close(w, NULL, 0);
        return -1;
    }
    if (lay_out(w, created, msg, msglen) || flush_layout(w, msg, msglen)) {
        w->broken = 1;
        h5_close(w, NULL, 0);
        return -1;
    }
    *out = w;
    return 0;
}

/* ---- resume ------------------------------------------------------------ */

/* Open dataset `name` of block b and check its datatype and its shape
 * against the grid. 0, 2 (missing, another type or shape: msg) or -1. */
static int open_checked(sw_writer_state *w, int b, const char *name, sw_ext e, hid_t want_type,
                        hid_t *id, const char *path, char *msg, size_t msglen)
{
    const char *group = w->g->blk[b].group;
    hid_t d = H5Dopen2(w->blk[b].grp, name, H5P_DEFAULT);
    if (d < 0) return snprintf(msg, msglen, "%s: dataset %s/%s missing", path, group, name), 2;
    *id = d;
    hid_t t = H5Dget_type(d);
    htri_t same_type = t >= 0 ? H5Tequal(t, want_type) : -1;
    if (t >= 0) H5Tclose(t);
    if (same_type <= 0)
        return snprintf(msg, msglen, "%s: dataset %s/%s has another datatype than a sweep writes",
                        path, group, name),
               2;
    hid_t s = H5Dget_space(d);
    htri_t same = H5Sextent_equal(s, w->blk[b].space[e]);
    H5Sclose(s);
    if (same <= 0)
        return snprintf(msg, msglen, "%s: dataset %s/%s has another shape than the config's grid",
                        path, group, name),
               2;
    return 0;
}

static int open_block(sw_writer_state *w, int b, const char *path, char *msg, size_t msglen)
{
    const sw_config *cfg = w->cfg;
    h5_block *hb = &w->blk[b];
    const char *group = w->g->blk[b].group;
    if (strcmp(group, "/") && H5Lexists(w->file, group, H5P_DEFAULT) <= 0)
        return snprintf(msg, msglen, "%s: group %s missing", path, group), 2;
    CHECK(hb->grp = H5Gopen2(w->file, group, H5P_DEFAULT), "H5Gopen");
    CHECK(open_spaces(hb, cfg, &w->g->blk[b]), "H5Screate");
    for (int k = 0; k < cfg->n_out; k++) {
        const sw_output *o = &sw_outputs[cfg->out[k]];
        int rc = open_checked(w, b, o->name, o->ext, file_type(o->type), &hb->dset[k], path, msg,
                              msglen);
        if (rc) return rc;
    }
    return open_checked(w, b, "done", SW_EXT_1, H5T_STD_U8LE, &hb->done, path, msg, msglen);
}

/* The root `group` coordinate names the groups of the grid: read through its
 * string heap (a damaged reference fails or crashes the probe here, not a
 * reader later). 0, or 2 with msg. */
static int check_group_names(sw_writer_state *w, const char *path, char *msg, size_t msglen)
{
    if (H5Lexists(w->file, "group", H5P_DEFAULT) <= 0) return 0;
    hid_t d = H5Dopen2(w->file, "group", H5P_DEFAULT), t = d < 0 ? -1 : H5Dget_type(d);
    hid_t s = d < 0 ? -1 : H5Dget_space(d);
    int n = s < 0 ? -1 : (int)H5Sget_simple_extent_npoints(s), ok = n == w->g->n_blocks;
    char **names = ok ? calloc((size_t)n, sizeof *names) : NULL;
    ok = names && t >= 0 && H5Tis_variable_str(t) > 0 &&
         H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, names) >= 0;
    for (int b = 0; ok && b < n; b++) ok = names[b] && !strcmp(names[b], w->g->blk[b].group);
    if (names && t >= 0 && s >= 0) H5Dvlen_reclaim(t, s, H5P_DEFAULT, names);
    free(names);
    if (s >= 0) H5Sclose(s);
    if (t >= 0) H5Tclose(t);
    if (d >= 0) H5Dclose(d);
    if (ok) return 0;
    return snprintf(msg, msglen,
                    "%s: damaged (the group coordinate does not read back as the "
                    "config's groups); refusing to --resume",
                    path),
           2;
}

/* Does coordinate dataset `name` in loc hold exactly n doubles equal (bit
 * for bit) to want? A missing dataset is judged by the shape checks. */
static int coordinate_matches(hid_t loc, const char *name, const double *want, int64_t n)
{
    if (H5Lexists(loc, name, H5P_DEFAULT) <= 0) return 1;
    hid_t d = H5Dopen2(loc, name, H5P_DEFAULT), s = d < 0 ? -1 : H5Dget_space(d);
    hssize_t have = s < 0 ? -1 : H5Sget_simple_extent_npoints(s);
    double *v = have == n ? malloc((size_t)n * sizeof *v) : NULL;
    int ok = v && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0 &&
             !memcmp(v, want, (size_t)n * sizeof *v);
    free(v);
    if (s >= 0) H5Sclose(s);
    if (d >= 0) H5Dclose(d);
    return ok;
}

/* The coordinate values of loc (the root or a group) are the config's: a
 * damaged value would label resumed points with the wrong parameters. */
static int check_coordinates(hid_t loc, const sw_config *cfg, const char *where, const char *path,
                             char *msg, size_t msglen)
{
    for (int a = 0; a < cfg->n_axes; a++) {
        const sw_axis *ax = &cfg->axis[a];
        if (!coordinate_matches(loc, ax->name, ax->v, ax->n))
            return snprintf(msg, msglen,
                            "%s: damaged (coordinate %s%s does not read back as the config's "
                            "values); refusing to --resume (use --force to start over)",
                            path, where, ax->name),
                   2;
    }
    return 0;
}

/* The file's identity: format name and config hash. 0 or 2 (msg). */
static int check_identity(sw_writer_state *w, const char *path, char *msg, size_t msglen)
{
    char buf[128];
    if (read_attr_str(w->file, "qthermo_format", buf, sizeof buf) || strcmp(buf, FORMAT_NAME))
        return snprintf(msg, msglen, "%s: not a qthermo sweep file (no qthermo_format = %s)", path,
                        FORMAT_NAME),
               2;
    if (read_attr_str(w->file, "config_sha256", buf, sizeof buf))
        return snprintf(msg, msglen,
                        "%s: no readable config_sha256 attribute (a damaged or foreign file); "
                        "refusing to --resume (use --force to start over)",
                        path),
               2;
    if (strcmp(buf, w->cfg->sha256))
        return snprintf(msg, msglen,
                        "%s: config_sha256 %.16s... differs from this config's %.16s...: the file "
                        "was made from another config; refusing to --resume (use --force to start "
                        "over)",
                        path, buf, w->cfg->sha256),
               2;
    return 0;
}

static int reads_as_hdf5(const char *path)
{
    hid_t f = open_file(path, H5F_ACC_RDONLY, 0);
    if (f < 0) return 0;
    H5Fclose(f);
    return 1;
}

static int h5_open(sw_writer_state **out, const char *path, const sw_config *cfg, const sw_grid *g,
                   int writable, char *msg, size_t msglen)
{
    *out = NULL;
    sw_writer_state *w = h5_alloc(cfg, g);
    if (!w) return snprintf(msg, msglen, "out of memory"), -1;
    w->writable = writable;
    int rc = 0;
    if (access(path, writable ? R_OK | W_OK : R_OK))
        rc = 2, snprintf(msg, msglen, "%s: %s (--resume needs to %s it)", path, strerror(errno),
                         writable ? "read and write" : "read");
    if (!rc) w->file = open_file(path, writable ? H5F_ACC_RDWR : H5F_ACC_RDONLY, 0);
    if (!rc && (w->file < 0 || (w->fd = file_fd(w->file)) < 0)) {
        /* a file that opens read-only is HDF5: a failed writable open is I/O */
        rc = writable && reads_as_hdf5(path) ? -1 : 2;
        if (rc < 0)
            snprintf(msg, msglen,
                     "%s: opening it for writing failed (an I/O error: the file reads as "
                     "HDF5); nothing was changed, --resume again when the file system works",
                     path);
        else
            snprintf(msg, msglen, "%s: not an HDF5 file (or a damaged one); refusing to --resume",
                     path);
    }
    if (!rc) rc = check_identity(w, path, msg, msglen);
    if (!rc) rc = check_group_names(w, path, msg, msglen);
    if (!rc) rc = check_coordinates(w->file, cfg, "", path, msg, msglen);
    for (int b = 0; !rc && b < g->n_blocks; b++) rc = open_block(w, b, path, msg, msglen);
    for (int b = 0; !rc && cfg->model == QT_MODEL_NSITE && b < g->n_blocks; b++) {
        char where[64];
        snprintf(where, sizeof where, "%s/", g->blk[b].group);
        rc = check_coordinates(w->blk[b].grp, cfg, where, path, msg, msglen);
    }
    if (rc) {
        h5_close(w, NULL, 0);
        return rc;
    }
    *out = w;
    return 0;
}

/* ---- the run ----------------------------------------------------------- */

/* Select the flat range on each extent space of block hb. */
static int select_range(h5_block *hb, const sw_config *cfg, const sw_block *blk, int64_t start,
                        int64_t count)
{
    const int r = cfg->n_axes;
    int64_t dims[SW_MAX_AXES], off[2 * SW_MAX_AXES * SW_MAX_AXES],
        cnt[2 * SW_MAX_AXES * SW_MAX_AXES];
    for (int a = 0; a < r; a++) dims[a] = cfg->axis[a].n;
    int nbox = sw_flat_boxes(r, dims, start, count, off, cnt);
    for (int e = 0; e < SW_EXT_COUNT; e++) {
        hsize_t o[SW_MAX_AXES + 1], c[SW_MAX_AXES + 1];
        o[r] = 0;
        c[r] = (hsize_t)sw_ext_size((sw_ext)e, cfg->model, blk->N);
        for (int k = 0; k < nbox; k++) {
            for (int a = 0; a < r; a++)
                o[a] = (hsize_t)off[k * r + a], c[a] = (hsize_t)cnt[k * r + a];
            if (H5Sselect_hyperslab(hb->space[e], k ? H5S_SELECT_OR : H5S_SELECT_SET, o, NULL, c,
                                    NULL) < 0)
                return -1;
        }
    }
    return 0;
}

/* n values of output o from the packed column src to the selected points
 * of dataset k. */
static herr_t write_column(sw_writer_state *w, h5_block *hb, int k, const sw_output *o, hid_t ms,
                           hid_t fs, const double *src, hsize_t n)
{
    if (o->type == SW_I8) {
        int8_t *t = w->scratch;
        for (hsize_t i = 0; i < n; i++) t[i] = (int8_t)src[i];
        return H5Dwrite(hb->dset[k], H5T_NATIVE_INT8, ms, fs, w->dxpl, t);
    }
    if (o->type == SW_I32) {
        int32_t *t = w->scratch;
        for (hsize_t i = 0; i < n; i++) t[i] = (int32_t)src[i];
        return H5Dwrite(hb->dset[k], H5T_NATIVE_INT32, ms, fs, w->dxpl, t);
    }
    return H5Dwrite(hb->dset[k], H5T_NATIVE_DOUBLE, ms, fs, w->dxpl, src);
}

static int fail(sw_writer_state *w, const char *fmt, const char *what)
{
    w->broken = 1;
    snprintf(w->error, sizeof w->error, fmt, what);
    return -1;
}

static int finish_sync(sw_writer_state *w);

/* Append a batch to a queue (pending or durable). */
static int queue_push(sw_writer_state *w, h5_pending **q, size_t *n, size_t *cap, int b,
                      int64_t start, int64_t count)
{
    if (*n == *cap) {
        h5_pending *p = realloc(*q, 2 * *cap * sizeof *p);
        if (!p) return fail(w, "%s", "out of memory for the commit queue");
        *q = p;
        *cap *= 2;
    }
    (*q)[(*n)++] = (h5_pending){b, start, count};
    return 0;
}

/* Remember a written batch until the next commit. */
static int queue_done(sw_writer_state *w, int b, int64_t start, int64_t count)
{
    return queue_push(w, &w->pending, &w->n_pending, &w->cap_pending, b, start, count);
}

/* Every observable and status; the done flags wait for the next commit. */
static int h5_write_batch(sw_writer_state *w, int b, int64_t start, int64_t count,
                          const double *packed)
{
    const sw_config *cfg = w->cfg;
    h5_block *hb = &w->blk[b];
    const sw_block *blk = &w->g->blk[b];
    if (count <= 0) return 0;
    if (select_range(hb, cfg, blk, start, count)) return fail(w, "%s", "H5Sselect_hyperslab");
    /* status (output 0) last: a point whose status is set has all its data,
     * even when the writer is killed mid-batch before the point is done */
    for (int j = 1; j <= cfg->n_out; j++) {
        const int k = j % cfg->n_out;
        const sw_output *o = &sw_outputs[cfg->out[k]];
        const hsize_t n = (hsize_t)count * (hsize_t)sw_ext_size(o->ext, cfg->model, blk->N);
        hid_t ms = H5Screate_simple(1, &n, NULL);
        if (ms < 0) return fail(w, "%s", "H5Screate");
        const double *src = packed + (int64_t)blk->col[k] * count;
        herr_t err = write_column(w, hb, k, o, ms, hb->space[o->ext], src, n);
        H5Sclose(ms);
        if (err < 0) return fail(w, "writing %s", o->name);
    }
    if (queue_done(w, b, start, count)) return -1;
    /* a background sync that has finished: its batches get their done
     * flags now rather than at the next commit */
    if (sw_bgsync_finished(&w->sync)) return finish_sync(w);
    return 0;
}

/* done = 1 for the points [start, start + count) of block b, at most
 * SW_BATCH_MAX (the scratch buffer). */
static int write_done_slab(sw_writer_state *w, int b, int64_t start, int64_t count)
{
    h5_block *hb = &w->blk[b];
    if (select_range(hb, w->cfg, &w->g->blk[b], start, count)) return -1;
    const hsize_t n = (hsize_t)count;
    hid_t ms = H5Screate_simple(1, &n, NULL);
    if (ms < 0) return -1;
    memset(w->scratch, 1, (size_t)n);
    herr_t err = H5Dwrite(hb->done, H5T_NATIVE_UINT8, ms, hb->space[SW_EXT_1], w->dxpl, w->scratch);
    H5Sclose(ms);
    return err < 0 ? -1 : 0;
}

/* done = 1 for the points [start, start + count) of block b. */
static int write_done(sw_writer_state *w, int b, int64_t start, int64_t count)
{
    for (int64_t s = 0; s < count; s += SW_BATCH_MAX)
        if (write_done_slab(w, b, start + s, count - s < SW_BATCH_MAX ? count - s : SW_BATCH_MAX))
            return -1;
    return 0;
}

static int by_block_and_start(const void *a, const void *b)
{
    const h5_pending *p = a, *q = b;
    if (p->b != q->b) return p->b < q->b ? -1 : 1;
    return p->start < q->start ? -1 : p->start > q->start;
}

/* The done flags of the batches other processes synced (mark_durable),
 * adjacent ones merged: one write per run of consecutive points. */
static int write_durable(sw_writer_state *w)
{
    if (!w->n_durable) return 0;
    qsort(w->durable, w->n_durable, sizeof *w->durable, by_block_and_start);
    for (size_t i = 0; i < w->n_durable;) {
        h5_pending r = w->durable[i++];
        for (;
             i < w->n_durable && w->durable[i].b == r.b && w->durable[i].start == r.start + r.count;
             i++)
            r.count += w->durable[i].count;
        if (write_done(w, r.b, r.start, r.count)) return fail(w, "%s", "writing done");
    }
    w->n_durable = 0;
    w->done_unsynced = 1;
    return 0;
}

/* The done flags of pending[0, n), whose data is durable; the queue moves up. */
static int mark_done(sw_writer_state *w, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const h5_pending *p = &w->pending[i];
        if (write_done(w, p->b, p->start, p->count)) return fail(w, "%s", "writing done");
    }
    memmove(w->pending, w->pending + n, (w->n_pending - n) * sizeof *w->pending);
    w->n_pending -= n;
    return 0;
}

/* Wait for the background sync and mark what it made durable. */
static int finish_sync(sw_writer_state *w)
{
    if (!w->sync.running) return 0;
    int err = sw_bgsync_join(&w->sync);
    if (err) return errno = err, fail(w, "fdatasync: %s", strerror(err));
    return mark_done(w, (size_t)w->sync.covers);
}

/* Everything written so far durable and marked done, now. */
static int commit_now(sw_writer_state *w)
{
    if (finish_sync(w) || write_durable(w)) return -1;
    if (!w->n_pending && !w->done_unsynced) return 0;
    if (fdatasync(w->fd)) return fail(w, "fdatasync: %s", strerror(errno));
    w->done_unsynced = 0;
    return mark_done(w, w->n_pending);
}

/* Group commit without waiting: when the last background sync has
 * finished, the batches written before it started get their done flags;
 * then a new sync starts for the batches written since. So `done` = 1 is
 * only ever written for data already on disk. A failed sync is an I/O
 * failure, never ignored. */
static int h5_flush(sw_writer_state *w)
{
    sw_bgsync *y = &w->sync;
    if (!w->writable || w->broken) return w->broken ? -1 : 0;
    if (y->running && !sw_bgsync_finished(y)) return 0; /* next time */
    if (finish_sync(w) || write_durable(w)) return -1;
    if (!w->n_pending && !w->done_unsynced) return 0;
    w->done_unsynced = 0; /* the done flags written so far: durable with this sync */
    if (sw_bgsync_start(y, w->fd, (int64_t)w->n_pending)) return commit_now(w);
    return 0;
}

/* Data another process wrote and synced: its done flags at the next
 * commit (merged with their neighbours), durable with its sync. */
static int h5_mark_durable(sw_writer_state *w, int b, int64_t start, int64_t count)
{
    if (w->broken || !w->writable) return -1;
    if (count <= 0) return 0;
    return queue_push(w, &w->durable, &w->n_durable, &w->cap_durable, b, start, count);
}

/* Data written by another process of this node: fdatasync of our
 * descriptor makes it durable, so it waits for a commit as our own. */
static int h5_note_written(sw_writer_state *w, int b, int64_t start, int64_t count)
{
    if (w->broken || !w->writable) return -1;
    if (count <= 0) return 0;
    if (queue_done(w, b, start, count)) return -1;
    if (sw_bgsync_finished(&w->sync)) return finish_sync(w);
    return 0;
}

/* Dataset d of output o can be written as raw bytes: contiguous,
 * allocated with the grid's size, and a file datatype equal to the memory
 * type the packing converts to. Its offset, or -1 with msg. */
static int64_t raw_offset(hid_t d, const sw_output *o, hsize_t elements, char *msg, size_t msglen)
{
    hid_t dcpl = H5Dget_create_plist(d), t = H5Dget_type(d);
    const int contiguous = dcpl >= 0 && H5Pget_layout(dcpl) == H5D_CONTIGUOUS;
    const htri_t same = t >= 0 ? H5Tequal(t, mem_type(o->type)) : -1;
    const size_t esize = t >= 0 ? H5Tget_size(t) : 0;
    if (dcpl >= 0) H5Pclose(dcpl);
    if (t >= 0) H5Tclose(t);
    const haddr_t addr = H5Dget_offset(d);
    if (!contiguous || addr == HADDR_UNDEF || H5Dget_storage_size(d) != elements * esize) {
        snprintf(msg, msglen, "--writer workers: dataset %s is not contiguous and allocated",
                 o->name);
        return -1;
    }
    if (same <= 0) {
        snprintf(msg, msglen,
                 "--writer workers: dataset %s's file datatype is not this machine's memory "
                 "type (byte order or size); use --writer master",
                 o->name);
        return -1;
    }
    return (int64_t)addr;
}

static int h5_raw_layout(sw_writer_state *w, sw_raw_layout *lay, char *msg, size_t msglen)
{
    const sw_config *cfg = w->cfg;
    struct stat st;
    if (fstat(w->fd, &st)) return snprintf(msg, msglen, "fstat: %s", strerror(errno)), -1;
    lay->dev = (uint64_t)st.st_dev;
    lay->ino = (uint64_t)st.st_ino;
    for (int b = 0; b < w->n_blocks; b++) {
        const sw_block *blk = &w->g->blk[b];
        for (int k = 0; k < cfg->n_out; k++) {
            const sw_output *o = &sw_outputs[cfg->out[k]];
            const hsize_t n =
                (hsize_t)blk->npoints * (hsize_t)sw_ext_size(o->ext, cfg->model, blk->N);
            sw_raw_dset *d = &lay->d[(size_t)b * (size_t)lay->n_out + (size_t)k];
            d->offset = raw_offset(w->blk[b].dset[k], o, n, msg, msglen);
            if (d->offset < 0) return -1;
            d->size = o->type == SW_I8 ? 1 : o->type == SW_I32 ? 4 : 8;
            d->type = (int32_t)o->type;
        }
    }
    return 0;
}

static const char *h5_last_error(sw_writer_state *w)
{
    return w->error[0] ? w->error : "unknown error";
}

/* Read an int8/uint8 dataset of block b in slabs of at most 2^24 points. */
static int read_bytes(sw_writer_state *w, int b, hid_t d, hid_t mt, void *out)
{
    const int64_t slab = INT64_C(1) << 24;
    const sw_block *blk = &w->g->blk[b];
    for (int64_t s = 0; s < blk->npoints; s += slab) {
        int64_t n = blk->npoints - s < slab ? blk->npoints - s : slab;
        hsize_t hn = (hsize_t)n;
        if (select_range(&w->blk[b], w->cfg, blk, s, n)) return -1;
        hid_t ms = H5Screate_simple(1, &hn, NULL);
        herr_t err = H5Dread(d, mt, ms, w->blk[b].space[SW_EXT_1], w->dxpl, (char *)out + s);
        H5Sclose(ms);
        if (err < 0) return -1;
    }
    return 0;
}

static int h5_read_done(sw_writer_state *w, int b, uint8_t *done)
{
    return read_bytes(w, b, w->blk[b].done, H5T_NATIVE_UINT8, done);
}

static int h5_count_status(sw_writer_state *w, int64_t *counts)
{
    for (int b = 0; b < w->g->n_blocks; b++) {
        const int64_t np = w->g->blk[b].npoints;
        int8_t *st = malloc((size_t)np);
        if (!st) return -1;
        int rc = read_bytes(w, b, w->blk[b].dset[SW_OUT_STATUS], H5T_NATIVE_INT8, st);
        if (!rc)
            for (int64_t i = 0; i < np; i++) {
                int s = st[i];
                counts[(s < -1 || s >= QT_NSTATUS ? QT_NSTATUS : s) + 1]++;
            }
        free(st);
        if (rc) return -1;
    }
    return 0;
}

static void close_ids(sw_writer_state *w)
{
    for (int b = 0; w->blk && b < w->n_blocks; b++) {
        h5_block *hb = &w->blk[b];
        for (int k = 0; k < SW_MAX_OUT; k++)
            if (hb->dset[k] >= 0) H5Dclose(hb->dset[k]);
        if (hb->done >= 0) H5Dclose(hb->done);
        for (int e = 0; e < SW_EXT_COUNT; e++)
            if (hb->space[e] >= 0) H5Sclose(hb->space[e]);
        if (hb->grp >= 0) H5Gclose(hb->grp);
    }
    if (w->dxpl >= 0) H5Pclose(w->dxpl);
}

/* The superblock (version 0, at offset 0) keeps file consistency flags
 * in bytes 20..23, which HDF5 sets while the file is open for writing and
 * clears at close: clear them as the close would. 0 or -1 (errno). */
static int clear_write_flag(sw_writer_state *w)
{
    static const unsigned char sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    unsigned char sb[24], zero[4] = {0, 0, 0, 0};
    if (pread(w->fd, sb, sizeof sb, 0) != (ssize_t)sizeof sb) return errno = EIO, -1;
    if (memcmp(sb, sig, sizeof sig) || sb[8] != 0) return 0; /* not the expected layout */
    if (!memcmp(sb + 20, zero, 4)) return 0;
    if (pwrite(w->fd, zero, 4, 20) != 4) return errno ? -1 : (errno = EIO, -1);
    return 0;
}

/* Point the file's descriptor at an anonymous memory file. */
static void detach(sw_writer_state *w)
{
    int m = w->fd >= 0 ? memfd_create("qthermo-detached", MFD_CLOEXEC) : -1;
    if (m >= 0) {
        dup2(m, w->fd);
        close(m);
    }
}

/* Commit, close, and make what the close wrote durable (fsync of a
 * duplicate of the descriptor, which outlives H5Fclose). */
static int h5_close(sw_writer_state *w, char *msg, size_t msglen)
{
    if (!w) return 0;
    int rc = !w->writable ? 0 : w->broken ? -1 : commit_now(w);
    sw_bgsync_join(&w->sync); /* after a failure */
    const int fd = w->writable && w->fd >= 0 ? dup(w->fd) : -1;
    close_ids(w);
    /* HDF5 1.10 cannot survive a write failing inside H5Fclose (its
     * clean-up at exit then crashes on the half-closed file). So the writes
     * of the close are done here first, where a failure is an ordinary
     * error: a flush, and the superblock's "open for writing" flag cleared;
     * then the file is detached and H5Fclose writes the same bytes to
     * memory. The file on disk is what a normal close leaves, or, after a
     * failure, what the last commit left. */
    if (w->file >= 0 && !rc && w->writable && H5Fflush(w->file, H5F_SCOPE_GLOBAL) < 0)
        rc = fail(w, "%s", "writing the file's metadata at close (H5Fflush)");
    if (w->file >= 0 && !rc && w->writable && clear_write_flag(w))
        rc = fail(w, "writing the superblock at close: %s", strerror(errno));
    if (w->writable) detach(w);
    if (w->file >= 0 && H5Fclose(w->file) < 0 && !rc) rc = fail(w, "%s", "H5Fclose");
    if (fd >= 0) {
        if (fsync(fd) && !rc) rc = fail(w, "fsync: %s", strerror(errno));
        close(fd);
    }
    if (rc && msg) snprintf(msg, msglen, "%s", w->error);
    free(w->blk);
    free(w->scratch);
    free(w->pending);
    free(w->durable);
    free(w);
    return rc;
}

const sw_writer_ops sw_h5_writer = {
    .name = "hdf5",
    .create = h5_create,
    .open = h5_open,
    .write_batch = h5_write_batch,
    .mark_durable = h5_mark_durable,
    .note_written = h5_note_written,
    .raw_layout = h5_raw_layout,
    .read_done = h5_read_done,
    .count_status = h5_count_status,
    .flush = h5_flush,
    .close = h5_close,
    .last_error = h5_last_error,
};
