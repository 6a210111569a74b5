/* HDF5 layout of a sweep (README.md in this folder has the picture).
 *
 * Crash safety rests on three choices made here:
 *  - every dataset is contiguous, allocated at creation (H5D_ALLOC_TIME_EARLY)
 *    and filled (NaN / -1 / 0), and the metadata is flushed before the first
 *    point is computed: the run itself changes no HDF5 metadata, so the file
 *    on disk is a valid HDF5 file at every instant;
 *  - a batch's observables and status are written before its `done` flags,
 *    by one process, with plain MPI-IO writes (the mpio driver does no data
 *    sieving or caching of raw data), so `done` = 1 implies the data is in
 *    the file (in the OS page cache, which survives SIGKILL);
 *  - the superblock is the default (version 0) one, which has no "file open
 *    for writing" flag, so a killed file opens without h5clear. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>
#include <hdf5_hl.h>

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

struct sw_writer_state {
    const sw_config *cfg;
    const sw_grid *g;
    hid_t file;
    int n_blocks;
    h5_block *blk;
    hid_t dxpl;    /* independent transfers */
    void *scratch; /* rank 0: integer conversions of one batch */
};

static hid_t file_type(sw_type t)
{
    return t == SW_I8 ? H5T_STD_I8LE : t == SW_I32 ? H5T_STD_I32LE : H5T_IEEE_F64LE;
}
static hid_t mem_type(sw_type t)
{
    return t == SW_I8 ? H5T_NATIVE_INT8 : t == SW_I32 ? H5T_NATIVE_INT32 : H5T_NATIVE_DOUBLE;
}

/* ---- attributes (collective: same value on every rank) ----------------- */

static int attr_str(hid_t loc, const char *name, const char *value)
{
    hid_t t = H5Tcopy(H5T_C_S1), s = H5Screate(H5S_SCALAR), a = -1;
    int rc = -1;
    if (t < 0 || s < 0) goto out;
    if (H5Tset_size(t, H5T_VARIABLE) < 0 || H5Tset_cset(t, H5T_CSET_UTF8) < 0) goto out;
    if ((a = H5Acreate2(loc, name, t, s, H5P_DEFAULT, H5P_DEFAULT)) < 0) goto out;
    rc = H5Awrite(a, t, &value) < 0 ? -1 : 0;
out:
    if (a >= 0) H5Aclose(a);
    if (s >= 0) H5Sclose(s);
    if (t >= 0) H5Tclose(t);
    return rc;
}

static int attr_num(hid_t loc, const char *name, hid_t ftype, hid_t mtype, const void *v)
{
    hid_t s = H5Screate(H5S_SCALAR), a = -1;
    int rc = -1;
    if (s < 0) return -1;
    if ((a = H5Acreate2(loc, name, ftype, s, H5P_DEFAULT, H5P_DEFAULT)) >= 0)
        rc = H5Awrite(a, mtype, v) < 0 ? -1 : 0;
    if (a >= 0) H5Aclose(a);
    H5Sclose(s);
    return rc;
}

static int attr_double(hid_t loc, const char *name, double v)
{
    return attr_num(loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &v);
}
static int attr_int(hid_t loc, const char *name, int v)
{
    return attr_num(loc, name, H5T_STD_I32LE, H5T_NATIVE_INT, &v);
}

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
    hsize_t n = QT_NSTATUS + 1;
    hid_t sp = H5Screate_simple(1, &n, NULL), a = -1;
    int rc = -1;
    if (sp >= 0 &&
        (a = H5Acreate2(d, "flag_values", H5T_STD_I8LE, sp, H5P_DEFAULT, H5P_DEFAULT)) >= 0)
        rc = H5Awrite(a, H5T_NATIVE_INT8, v) < 0 ? -1 : 0;
    if (a >= 0) H5Aclose(a);
    if (sp >= 0) H5Sclose(sp);
    return rc ? rc : attr_str(d, "flag_meanings", names);
}

/* ---- layout ------------------------------------------------------------ */

/* A contiguous dataset allocated and filled at creation. */
static hid_t make_dataset(hid_t loc, const char *name, hid_t ftype, hid_t mtype, const void *fill,
                          int rank, const hsize_t *dims)
{
    hid_t s = H5Screate_simple(rank, dims, NULL), p = H5Pcreate(H5P_DATASET_CREATE), d = -1;
    if (s >= 0 && p >= 0 && H5Pset_layout(p, H5D_CONTIGUOUS) >= 0 &&
        H5Pset_alloc_time(p, H5D_ALLOC_TIME_EARLY) >= 0 &&
        H5Pset_fill_time(p, H5D_FILL_TIME_ALLOC) >= 0 && H5Pset_fill_value(p, mtype, fill) >= 0)
        d = H5Dcreate2(loc, name, ftype, s, H5P_DEFAULT, p, H5P_DEFAULT);
    if (p >= 0) H5Pclose(p);
    if (s >= 0) H5Sclose(s);
    return d;
}

/* A 1-D coordinate dataset made a dimension scale; rank 0 writes values. */
static hid_t make_scale(hid_t loc, const char *name, hid_t ftype, hid_t mtype, const void *values,
                        hsize_t n, int rank, hid_t dxpl)
{
    double zero = 0;
    int izero = 0;
    hid_t d = make_dataset(loc, name, ftype, mtype,
                           mtype == H5T_NATIVE_DOUBLE ? (void *)&zero : (void *)&izero, 1, &n);
    if (d < 0) return -1;
    if ((rank == 0 && H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, dxpl, values) < 0) ||
        H5DSset_scale(d, name) < 0) {
        H5Dclose(d);
        return -1;
    }
    return d;
}

/* The coordinate dataset of axis a in group loc. */
static hid_t make_axis_scale(hid_t loc, const sw_config *cfg, int a, int rank, hid_t dxpl)
{
    return make_scale(loc, cfg->axis[a].name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, cfg->axis[a].v,
                      (hsize_t)cfg->axis[a].n, rank, dxpl);
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

static hid_t mpio_fapl(MPI_Comm comm)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl >= 0 && H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL) < 0) {
        H5Pclose(fapl);
        return -1;
    }
    return fapl;
}

static int h5_close(sw_writer_state *w);

/* The writer's state with every id -1, the transfer list, and on rank 0
 * the scratch buffer of the largest batch; NULL when out of memory. */
static sw_writer_state *h5_alloc(MPI_Comm comm, const sw_config *cfg, const sw_grid *g)
{
    if (!getenv("QTHERMO_H5_DEBUG")) H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    int rank;
    MPI_Comm_rank(comm, &rank);
    sw_writer_state *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    w->cfg = cfg;
    w->g = g;
    w->file = w->dxpl = -1;
    w->n_blocks = g->n_blocks;
    w->blk = calloc((size_t)g->n_blocks, sizeof *w->blk);
    for (int b = 0; w->blk && b < w->n_blocks; b++) {
        h5_block *hb = &w->blk[b];
        hb->grp = hb->done = -1;
        for (int k = 0; k < SW_MAX_OUT; k++) hb->dset[k] = -1;
        for (int e = 0; e < SW_EXT_COUNT; e++) hb->space[e] = -1;
    }
    const size_t scratch =
        (size_t)SW_BATCH_MAX * (size_t)(g->max_N > 4 ? g->max_N : 4) * sizeof(int32_t);
    if (rank == 0) w->scratch = malloc(scratch);
    w->dxpl = H5Pcreate(H5P_DATASET_XFER);
    if (!w->blk || (rank == 0 && !w->scratch) || w->dxpl < 0 ||
        H5Pset_dxpl_mpio(w->dxpl, H5FD_MPIO_INDEPENDENT) < 0) {
        h5_close(w);
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
            CHECK(attr_str(root, pi->name, sw_config_value_text(cfg, pi, text, sizeof text)),
                  "attribute");
        } else {
            CHECK(attr_double(root, pi->name, qt_param_get(&cfg->base, &cfg->opt, pi)),
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
    CHECK(attr_str(root, "qthermo_format", FORMAT_NAME), "attribute");
    CHECK(attr_str(root, "qthermo_version", QT_VERSION), "attribute");
    CHECK(attr_str(root, "config_yaml", cfg->text), "attribute");
    CHECK(attr_str(root, "config_sha256", cfg->sha256), "attribute");
    CHECK(attr_str(root, "model", sw_model_name(cfg->model)), "attribute");
    if (param_attrs(root, cfg, msg, msglen)) return -1;
    CHECK(attr_str(root, "temperatures", temperatures_text(cfg)), "attribute");
    CHECK(attr_str(root, "created", created), "attribute");
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

static int root_coordinates(sw_writer_state *w, int rank, h5_scales *sc, char *msg, size_t msglen)
{
    const sw_config *cfg = w->cfg;
    for (int a = 0; a < cfg->n_axes; a++)
        CHECK(sc->axis[a] = make_axis_scale(w->file, cfg, a, rank, w->dxpl), "coordinate dataset");
    if (cfg->model == QT_MODEL_NSITE)
        CHECK(sc->N = make_scale(w->file, "N", H5T_STD_I32LE, H5T_NATIVE_INT, cfg->N,
                                 (hsize_t)cfg->n_N, rank, w->dxpl),
              "coordinate N");
    return 0;
}

/* Block b's group (nsite: "N10" with attribute N; else the root), its file
 * spaces and its axis coordinates: nsite groups get their own copies, so
 * that xarray.open_dataset(f, group="N10") shows their values too. */
static int block_group(sw_writer_state *w, int b, int rank, h5_scales *sc, char *msg, size_t msglen)
{
    const sw_config *cfg = w->cfg;
    const sw_block *blk = &w->g->blk[b];
    h5_block *hb = &w->blk[b];
    const int nsite = cfg->model == QT_MODEL_NSITE;
    if (nsite) {
        CHECK(hb->grp = H5Gcreate2(w->file, blk->group, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
              "H5Gcreate");
        CHECK(attr_int(hb->grp, "N", blk->N), "attribute");
    } else {
        CHECK(hb->grp = H5Gopen2(w->file, "/", H5P_DEFAULT), "H5Gopen");
    }
    CHECK(open_spaces(hb, cfg, blk), "H5Screate");
    for (int a = 0; a < cfg->n_axes; a++) sc->gax[a] = sc->axis[a];
    if (nsite)
        for (int a = 0; a < cfg->n_axes; a++)
            CHECK(sc->gax[a] = make_axis_scale(hb->grp, cfg, a, rank, w->dxpl),
                  "coordinate dataset");
    return 0;
}

/* The scale of per-point dimension e (site / level / bath / mode) in block
 * b, shared with an earlier kind of the same name (nsite: site populations
 * and heat currents share "site"). */
static hid_t ext_scale(sw_writer_state *w, int b, sw_ext e, int rank, const h5_scales *sc)
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
    hid_t d =
        make_scale(w->blk[b].grp, dim, H5T_STD_I32LE, H5T_NATIVE_INT, v, (hsize_t)n, rank, w->dxpl);
    free(v);
    return d;
}

static int ext_scales(sw_writer_state *w, int b, int rank, h5_scales *sc, char *msg, size_t msglen)
{
    const sw_config *cfg = w->cfg;
    for (int e = 0; e < SW_EXT_COUNT; e++) sc->ext[e] = -1;
    for (int k = 0; k < cfg->n_out; k++) {
        sw_ext e = sw_outputs[cfg->out[k]].ext;
        if (e == SW_EXT_1 || sc->ext[e] >= 0) continue;
        CHECK(sc->ext[e] = ext_scale(w, b, e, rank, sc), "scale dataset");
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
        CHECK(d = make_dataset(hb->grp, "done", H5T_STD_U8LE, H5T_NATIVE_UINT8, &zero, rk, dims),
              "H5Dcreate done");
        hb->done = d;
        CHECK(attr_str(d, "description", "1 when the point's results are completely written"),
              "attribute");
        return d;
    }
    double fd = sw_fill_value(o);
    int8_t f8 = (int8_t)fd;
    int32_t f32 = (int32_t)fd;
    const void *fill = o->type == SW_I8 ? (void *)&f8 : o->type == SW_I32 ? (void *)&f32 : &fd;
    CHECK(d = make_dataset(hb->grp, o->name, file_type(o->type), mem_type(o->type), fill, rk, dims),
          "H5Dcreate");
    hb->dset[k] = d;
    CHECK(attr_str(d, "description", o->doc), "attribute");
    if (k != SW_OUT_STATUS)
        CHECK(attr_num(d, "_FillValue", file_type(o->type), mem_type(o->type), fill),
              "attribute _FillValue");
    else
        CHECK(status_flags(d), "attribute flag_values");
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
static int lay_out(sw_writer_state *w, int rank, const char *created, char *msg, size_t msglen)
{
    h5_scales sc;
    memset(&sc, -1, sizeof sc); /* every id -1 */
    int rc = root_attrs(w->file, w->cfg, created, msg, msglen) ||
             root_coordinates(w, rank, &sc, msg, msglen);
    for (int b = 0; !rc && b < w->g->n_blocks; b++) {
        rc = block_group(w, b, rank, &sc, msg, msglen) ||
             ext_scales(w, b, rank, &sc, msg, msglen) || block_datasets(w, b, &sc, msg, msglen);
        close_group_scales(&sc);
    }
    close_scales(&sc);
    return rc ? -1 : 0;
}

/* Everything the run needs exists: put the metadata on disk. */
static int flush_layout(sw_writer_state *w, char *msg, size_t msglen)
{
    CHECK(H5Fflush(w->file, H5F_SCOPE_GLOBAL), "H5Fflush");
    return 0;
}

static int h5_create(sw_writer_state **out, const char *path, MPI_Comm comm, const sw_config *cfg,
                     const sw_grid *g, const char *created, char *msg, size_t msglen)
{
    int rank;
    MPI_Comm_rank(comm, &rank);
    *out = NULL;
    sw_writer_state *w = h5_alloc(comm, cfg, g);
    if (!w) return snprintf(msg, msglen, "out of memory"), -1;
    hid_t fapl = mpio_fapl(comm);
    if (fapl < 0) {
        snprintf(msg, msglen, "HDF5: H5Pset_fapl_mpio failed (%s:%d)", __FILE__, __LINE__);
        h5_close(w);
        return -1;
    }
    w->file = H5Fcreate(path, H5F_ACC_EXCL, H5P_DEFAULT, fapl);
    H5Pclose(fapl);
    if (w->file < 0) {
        snprintf(msg, msglen, "%s: cannot create HDF5 file", path);
        h5_close(w);
        return -1;
    }
    if (lay_out(w, rank, created, msg, msglen) || flush_layout(w, msg, msglen)) {
        h5_close(w);
        return -1;
    }
    *out = w;
    return 0;
}

/* ---- resume ------------------------------------------------------------ */

/* Open dataset `name` of block b and check its shape against the grid.
 * 0, 2 (missing or another shape: msg) or -1. */
static int open_checked(sw_writer_state *w, int b, const char *name, sw_ext e, hid_t *id,
                        const char *path, char *msg, size_t msglen)
{
    const char *group = w->g->blk[b].group;
    hid_t d = H5Dopen2(w->blk[b].grp, name, H5P_DEFAULT);
    if (d < 0) return snprintf(msg, msglen, "%s: dataset %s/%s missing", path, group, name), 2;
    *id = d;
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
    CHECK(hb->grp = H5Gopen2(w->file, w->g->blk[b].group, H5P_DEFAULT), "H5Gopen");
    CHECK(open_spaces(hb, cfg, &w->g->blk[b]), "H5Screate");
    for (int k = 0; k < cfg->n_out; k++) {
        const sw_output *o = &sw_outputs[cfg->out[k]];
        int rc = open_checked(w, b, o->name, o->ext, &hb->dset[k], path, msg, msglen);
        if (rc) return rc;
    }
    return open_checked(w, b, "done", SW_EXT_1, &hb->done, path, msg, msglen);
}

/* The file's identity: format name and config hash. 0 or 2 (msg). */
static int check_identity(sw_writer_state *w, const char *path, char *msg, size_t msglen)
{
    char buf[128];
    if (read_attr_str(w->file, "qthermo_format", buf, sizeof buf) || strcmp(buf, FORMAT_NAME))
        return snprintf(msg, msglen, "%s: not a qthermo sweep file (no qthermo_format = %s)", path,
                        FORMAT_NAME),
               2;
    if (read_attr_str(w->file, "config_sha256", buf, sizeof buf) || strcmp(buf, w->cfg->sha256))
        return snprintf(msg, msglen,
                        "%s: config_sha256 %.16s... differs from this config's %.16s...: the file "
                        "was made from another config; refusing to --resume (use --force to start "
                        "over)",
                        path, buf, w->cfg->sha256),
               2;
    return 0;
}

static int h5_open(sw_writer_state **out, const char *path, MPI_Comm comm, const sw_config *cfg,
                   const sw_grid *g, int writable, char *msg, size_t msglen)
{
    *out = NULL;
    sw_writer_state *w = h5_alloc(comm, cfg, g);
    if (!w) return snprintf(msg, msglen, "out of memory"), -1;
    hid_t fapl = mpio_fapl(comm);
    if (fapl < 0) {
        snprintf(msg, msglen, "HDF5: H5Pset_fapl_mpio failed (%s:%d)", __FILE__, __LINE__);
        h5_close(w);
        return -1;
    }
    w->file = H5Fopen(path, writable ? H5F_ACC_RDWR : H5F_ACC_RDONLY, fapl);
    H5Pclose(fapl);
    int rc = 0;
    if (w->file < 0)
        rc = 2, snprintf(msg, msglen, "%s: cannot open as an HDF5 file for --resume", path);
    if (!rc) rc = check_identity(w, path, msg, msglen);
    for (int b = 0; !rc && b < g->n_blocks; b++) rc = open_block(w, b, path, msg, msglen);
    if (rc) {
        h5_close(w);
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

/* n values of output o (k == n_out: the done flags, all 1) from the packed
 * column src to the selected points of dataset k. */
static herr_t write_column(sw_writer_state *w, h5_block *hb, int k, const sw_output *o, hid_t ms,
                           hid_t fs, const double *src, hsize_t n)
{
    if (!o) {
        memset(w->scratch, 1, (size_t)n);
        return H5Dwrite(hb->done, H5T_NATIVE_UINT8, ms, fs, w->dxpl, w->scratch);
    }
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

/* Every observable and status first, then the done flags. */
static int h5_write_batch(sw_writer_state *w, int b, int64_t start, int64_t count,
                          const double *packed)
{
    const sw_config *cfg = w->cfg;
    h5_block *hb = &w->blk[b];
    const sw_block *blk = &w->g->blk[b];
    if (count <= 0) return 0;
    if (select_range(hb, cfg, blk, start, count)) return -1;
    int rc = 0;
    for (int k = 0; k <= cfg->n_out && !rc; k++) { /* done (k == n_out) last */
        const sw_output *o = k < cfg->n_out ? &sw_outputs[cfg->out[k]] : NULL;
        const sw_ext e = o ? o->ext : SW_EXT_1;
        const hsize_t n = (hsize_t)count * (hsize_t)sw_ext_size(e, cfg->model, blk->N);
        hid_t ms = H5Screate_simple(1, &n, NULL);
        if (ms < 0) return -1;
        const double *src = o ? packed + (int64_t)blk->col[k] * count : NULL;
        herr_t err = write_column(w, hb, k, o, ms, hb->space[e], src, n);
        H5Sclose(ms);
        rc = err < 0 ? -1 : 0;
    }
    return rc;
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

static int h5_flush(sw_writer_state *w)
{
    return H5Fflush(w->file, H5F_SCOPE_GLOBAL) < 0 ? -1 : 0;
}

static int h5_close(sw_writer_state *w)
{
    int rc = 0;
    if (!w) return 0;
    for (int b = 0; w->blk && b < w->n_blocks; b++) {
        h5_block *hb = &w->blk[b];
        for (int k = 0; k < SW_MAX_OUT; k++)
            if (hb->dset[k] >= 0) H5Dclose(hb->dset[k]);
        if (hb->done >= 0) H5Dclose(hb->done);
        for (int e = 0; e < SW_EXT_COUNT; e++)
            if (hb->space[e] >= 0) H5Sclose(hb->space[e]);
        if (hb->grp >= 0) H5Gclose(hb->grp);
    }
    free(w->blk);
    if (w->dxpl >= 0) H5Pclose(w->dxpl);
    if (w->file >= 0 && H5Fclose(w->file) < 0) rc = -1;
    free(w->scratch);
    free(w);
    return rc;
}

const sw_writer_ops sw_h5_writer = {
    .name = "hdf5",
    .create = h5_create,
    .open = h5_open,
    .write_batch = h5_write_batch,
    .read_done = h5_read_done,
    .count_status = h5_count_status,
    .flush = h5_flush,
    .close = h5_close,
};
