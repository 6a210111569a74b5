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
#include "h5file.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5_hl.h>

#include "outputs.h"

#define FORMAT_NAME "qthermo-sweep-1"

#define CHECK(expr, what)                                                                          \
    do {                                                                                           \
        if ((expr) < 0) {                                                                          \
            snprintf(msg, msglen, "HDF5: %s failed (%s:%d)", what, __FILE__, __LINE__);            \
            goto fail;                                                                             \
        }                                                                                          \
    } while (0)

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

static int open_spaces(sw_h5_block *hb, const sw_config *cfg, const sw_block *blk)
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

static void init_ids(sw_h5 *h)
{
    for (int b = 0; b < h->n_blocks; b++) {
        sw_h5_block *hb = &h->blk[b];
        hb->grp = hb->done = -1;
        for (int k = 0; k < SW_MAX_OUT; k++) hb->dset[k] = -1;
        for (int e = 0; e < SW_EXT_COUNT; e++) hb->space[e] = -1;
    }
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

static int alloc_blocks(sw_h5 *h, const sw_grid *g)
{
    h->n_blocks = g->n_blocks;
    h->blk = calloc((size_t)g->n_blocks, sizeof *h->blk);
    if (!h->blk) return -1;
    init_ids(h);
    h->dxpl = H5Pcreate(H5P_DATASET_XFER);
    if (h->dxpl < 0 || H5Pset_dxpl_mpio(h->dxpl, H5FD_MPIO_INDEPENDENT) < 0) return -1;
    return 0;
}

int sw_h5_create(sw_h5 *h, const char *path, MPI_Comm comm, const sw_config *cfg, const sw_grid *g,
                 const char *created, char *msg, size_t msglen)
{
    int rank;
    MPI_Comm_rank(comm, &rank);
    memset(h, 0, sizeof *h);
    h->file = -1;
    hid_t fapl = -1, axis_ds[SW_MAX_AXES], nds = -1, extds[SW_EXT_COUNT];
    for (int a = 0; a < SW_MAX_AXES; a++) axis_ds[a] = -1;
    if (alloc_blocks(h, g)) {
        snprintf(msg, msglen, "out of memory");
        goto fail;
    }
    CHECK(fapl = mpio_fapl(comm), "H5Pset_fapl_mpio");
    h->file = H5Fcreate(path, H5F_ACC_EXCL, H5P_DEFAULT, fapl);
    if (h->file < 0) {
        snprintf(msg, msglen, "%s: cannot create HDF5 file", path);
        goto fail;
    }
    hid_t root = h->file;

    /* root attributes */
    CHECK(attr_str(root, "qthermo_format", FORMAT_NAME), "attribute");
    CHECK(attr_str(root, "qthermo_version", QT_VERSION), "attribute");
    CHECK(attr_str(root, "config_yaml", cfg->text), "attribute");
    CHECK(attr_str(root, "config_sha256", cfg->sha256), "attribute");
    CHECK(attr_str(root, "model", sw_model_name(cfg->model)), "attribute");
    if (cfg->model == QT_MODEL_NSITE) {
        CHECK(attr_double(root, "h", cfg->base.h), "attribute");
    } else {
        static const char *const lam[3] = {"E_1", "E_2", "E_e"}, *const vee[3] = {"E_g", "E_1",
                                                                                  "E_2"};
        for (int i = 0; i < 3; i++)
            CHECK(attr_double(root, (cfg->model == QT_MODEL_LAMBDA ? lam : vee)[i], cfg->base.E[i]),
                  "attribute");
        CHECK(attr_double(root, "d", cfg->base.d), "attribute");
    }
    CHECK(attr_double(root, "gamma", cfg->base.gamma), "attribute");
    CHECK(attr_str(root, "spectral", sw_spectral_name(cfg->base.spectral)), "attribute");
    CHECK(attr_str(root, "bath", sw_bath_name(cfg->base.bath)), "attribute");
    CHECK(attr_str(root, "solver", sw_solver_name(cfg->opt.solver)), "attribute");
    CHECK(attr_double(root, "tol", cfg->opt.tol), "attribute");
    CHECK(attr_double(root, "phase_threshold", cfg->opt.phase_threshold), "attribute");
    CHECK(attr_str(root, "temperatures",
                   cfg->mean_diff ? (cfg->model == QT_MODEL_NSITE
                                         ? "T_L = T_mean + T_diff/2, T_R = T_mean - T_diff/2"
                                         : "T_1 = T_mean + T_diff/2, T_2 = T_mean - T_diff/2")
                                  : (cfg->model == QT_MODEL_NSITE ? "T_L, T_R" : "T_1, T_2")),
          "attribute");
    CHECK(attr_str(root, "created", created), "attribute");

    /* coordinates */
    for (int a = 0; a < cfg->n_axes; a++)
        CHECK(axis_ds[a] = make_scale(root, cfg->axis[a].name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                                      cfg->axis[a].v, (hsize_t)cfg->axis[a].n, rank, h->dxpl),
              "coordinate dataset");
    if (cfg->model == QT_MODEL_NSITE)
        CHECK(nds = make_scale(root, "N", H5T_STD_I32LE, H5T_NATIVE_INT, cfg->N, (hsize_t)cfg->n_N,
                               rank, h->dxpl),
              "coordinate N");

    for (int b = 0; b < g->n_blocks; b++) {
        const sw_block *blk = &g->blk[b];
        sw_h5_block *hb = &h->blk[b];
        if (cfg->model == QT_MODEL_NSITE) {
            CHECK(hb->grp = H5Gcreate2(root, blk->group, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                  "H5Gcreate");
            CHECK(attr_int(hb->grp, "N", blk->N), "attribute");
        } else {
            CHECK(hb->grp = H5Gopen2(root, "/", H5P_DEFAULT), "H5Gopen");
        }
        CHECK(open_spaces(hb, cfg, blk), "H5Screate");
        /* nsite groups get their own copies of the axis coordinates, so that
         * xarray.open_dataset(f, group="N10") shows their values too */
        hid_t gax[SW_MAX_AXES];
        for (int a = 0; a < cfg->n_axes; a++) gax[a] = axis_ds[a];
        if (cfg->model == QT_MODEL_NSITE)
            for (int a = 0; a < cfg->n_axes; a++)
                CHECK(gax[a] =
                          make_scale(hb->grp, cfg->axis[a].name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                                     cfg->axis[a].v, (hsize_t)cfg->axis[a].n, rank, h->dxpl),
                      "coordinate dataset");
        /* scales of the per-point dimensions: site / level / bath / mode */
        for (int e = 0; e < SW_EXT_COUNT; e++) extds[e] = -1;
        for (int k = 0; k < cfg->n_out; k++) {
            sw_ext e = sw_outputs[cfg->out[k]].ext;
            if (e == SW_EXT_1 || extds[e] >= 0) continue;
            const char *dim = sw_ext_dim(e, cfg->model);
            int same = -1; /* nsite: site populations and heat currents share "site" */
            for (int f = 1; f < SW_EXT_COUNT; f++)
                if (f != (int)e && extds[f] >= 0 && !strcmp(sw_ext_dim((sw_ext)f, cfg->model), dim))
                    same = f;
            if (same >= 0) {
                extds[e] = extds[same];
                continue;
            }
            int n = sw_ext_size(e, cfg->model, blk->N);
            int *v = malloc((size_t)n * sizeof(int));
            if (!v) CHECK(-1, "malloc");
            for (int i = 0; i < n; i++) v[i] = i + 1;
            extds[e] = make_scale(hb->grp, dim, H5T_STD_I32LE, H5T_NATIVE_INT, v, (hsize_t)n, rank,
                                  h->dxpl);
            free(v);
            CHECK(extds[e], "scale dataset");
        }
        for (int k = 0; k <= cfg->n_out; k++) { /* k == n_out: done */
            const sw_output *o = k < cfg->n_out ? &sw_outputs[cfg->out[k]] : NULL;
            const sw_ext e = o ? o->ext : SW_EXT_1;
            const int rk = cfg->n_axes + (e != SW_EXT_1);
            hsize_t dims[SW_MAX_AXES + 1];
            CHECK(H5Sget_simple_extent_dims(hb->space[e], dims, NULL), "H5Sget_simple_extent_dims");
            hid_t d;
            if (o) {
                double fd = sw_fill_value(o);
                int8_t f8 = (int8_t)fd;
                int32_t f32 = (int32_t)fd;
                const void *fill = o->type == SW_I8    ? (void *)&f8
                                   : o->type == SW_I32 ? (void *)&f32
                                                       : (void *)&fd;
                CHECK(d = make_dataset(hb->grp, o->name, file_type(o->type), mem_type(o->type),
                                       fill, rk, dims),
                      "H5Dcreate");
                hb->dset[k] = d;
                CHECK(attr_str(d, "description", o->doc), "attribute");
                if (k != SW_OUT_STATUS)
                    CHECK(attr_num(d, "_FillValue", file_type(o->type), mem_type(o->type), fill),
                          "attribute _FillValue");
                else
                    CHECK(status_flags(d), "attribute flag_values");
            } else {
                uint8_t zero = 0;
                CHECK(d = make_dataset(hb->grp, "done", H5T_STD_U8LE, H5T_NATIVE_UINT8, &zero, rk,
                                       dims),
                      "H5Dcreate done");
                hb->done = d;
                CHECK(
                    attr_str(d, "description", "1 when the point's results are completely written"),
                    "attribute");
            }
            for (int a = 0; a < cfg->n_axes; a++)
                CHECK(H5DSattach_scale(d, gax[a], (unsigned)a), "H5DSattach_scale");
            if (e != SW_EXT_1)
                CHECK(H5DSattach_scale(d, extds[e], (unsigned)cfg->n_axes), "H5DSattach_scale");
        }
        for (int e = 1; e < SW_EXT_COUNT; e++) {
            if (extds[e] < 0) continue;
            hid_t id = extds[e];
            for (int f = e; f < SW_EXT_COUNT; f++)
                if (extds[f] == id) extds[f] = -1;
            H5Dclose(id);
        }
        for (int a = 0; a < cfg->n_axes; a++)
            if (gax[a] != axis_ds[a]) H5Dclose(gax[a]);
    }
    for (int a = 0; a < cfg->n_axes; a++) H5Dclose(axis_ds[a]), axis_ds[a] = -1;
    if (nds >= 0) H5Dclose(nds), nds = -1;
    H5Pclose(fapl);
    fapl = -1;
    /* everything the run needs exists: put the metadata on disk */
    CHECK(H5Fflush(h->file, H5F_SCOPE_GLOBAL), "H5Fflush");
    return 0;
fail:
    for (int a = 0; a < SW_MAX_AXES; a++)
        if (axis_ds[a] >= 0) H5Dclose(axis_ds[a]);
    if (nds >= 0) H5Dclose(nds);
    if (fapl >= 0) H5Pclose(fapl);
    sw_h5_close(h);
    return -1;
}

int sw_h5_open(sw_h5 *h, const char *path, MPI_Comm comm, const sw_config *cfg, const sw_grid *g,
               int writable, char *msg, size_t msglen)
{
    memset(h, 0, sizeof *h);
    h->file = -1;
    hid_t fapl = -1;
    char buf[128];
    if (alloc_blocks(h, g)) {
        snprintf(msg, msglen, "out of memory");
        goto fail;
    }
    CHECK(fapl = mpio_fapl(comm), "H5Pset_fapl_mpio");
    h->file = H5Fopen(path, writable ? H5F_ACC_RDWR : H5F_ACC_RDONLY, fapl);
    H5Pclose(fapl);
    if (h->file < 0) {
        snprintf(msg, msglen, "%s: cannot open as an HDF5 file for --resume", path);
        sw_h5_close(h);
        return 2;
    }
    if (read_attr_str(h->file, "qthermo_format", buf, sizeof buf) || strcmp(buf, FORMAT_NAME)) {
        snprintf(msg, msglen, "%s: not a qthermo sweep file (no qthermo_format = %s)", path,
                 FORMAT_NAME);
        sw_h5_close(h);
        return 2;
    }
    if (read_attr_str(h->file, "config_sha256", buf, sizeof buf) || strcmp(buf, cfg->sha256)) {
        snprintf(msg, msglen,
                 "%s: config_sha256 %.16s... differs from this config's %.16s...: the file was "
                 "made from another config; refusing to --resume (use --force to start over)",
                 path, buf, cfg->sha256);
        sw_h5_close(h);
        return 2;
    }
    for (int b = 0; b < g->n_blocks; b++) {
        sw_h5_block *hb = &h->blk[b];
        CHECK(hb->grp = H5Gopen2(h->file, g->blk[b].group, H5P_DEFAULT), "H5Gopen");
        CHECK(open_spaces(hb, cfg, &g->blk[b]), "H5Screate");
        for (int k = 0; k <= cfg->n_out; k++) {
            const char *name = k < cfg->n_out ? sw_outputs[cfg->out[k]].name : "done";
            sw_ext e = k < cfg->n_out ? sw_outputs[cfg->out[k]].ext : SW_EXT_1;
            hid_t d = H5Dopen2(hb->grp, name, H5P_DEFAULT);
            if (d < 0) {
                snprintf(msg, msglen, "%s: dataset %s/%s missing", path, g->blk[b].group, name);
                sw_h5_close(h);
                return 2;
            }
            if (k < cfg->n_out)
                hb->dset[k] = d;
            else
                hb->done = d;
            hid_t s = H5Dget_space(d);
            htri_t same = H5Sextent_equal(s, hb->space[e]);
            H5Sclose(s);
            if (same <= 0) {
                snprintf(msg, msglen, "%s: dataset %s/%s has another shape than the config's grid",
                         path, g->blk[b].group, name);
                sw_h5_close(h);
                return 2;
            }
        }
    }
    return 0;
fail:
    sw_h5_close(h);
    return -1;
}

size_t sw_h5_scratch_bytes(const sw_grid *g, int64_t count)
{
    return (size_t)count * (size_t)(g->max_N > 4 ? g->max_N : 4) * sizeof(int32_t);
}

/* Select the flat range on each extent space of block hb. */
static int select_range(sw_h5_block *hb, const sw_config *cfg, const sw_block *blk, int64_t start,
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

int sw_h5_write_batch(sw_h5 *h, const sw_config *cfg, const sw_grid *g, int b, int64_t start,
                      int64_t count, const double *packed, void *scratch)
{
    sw_h5_block *hb = &h->blk[b];
    const sw_block *blk = &g->blk[b];
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
        herr_t err;
        if (!o) {
            memset(scratch, 1, (size_t)n);
            err = H5Dwrite(hb->done, H5T_NATIVE_UINT8, ms, hb->space[e], h->dxpl, scratch);
        } else if (o->type == SW_I8) {
            int8_t *t = scratch;
            for (hsize_t i = 0; i < n; i++) t[i] = (int8_t)src[i];
            err = H5Dwrite(hb->dset[k], H5T_NATIVE_INT8, ms, hb->space[e], h->dxpl, t);
        } else if (o->type == SW_I32) {
            int32_t *t = scratch;
            for (hsize_t i = 0; i < n; i++) t[i] = (int32_t)src[i];
            err = H5Dwrite(hb->dset[k], H5T_NATIVE_INT32, ms, hb->space[e], h->dxpl, t);
        } else {
            err = H5Dwrite(hb->dset[k], H5T_NATIVE_DOUBLE, ms, hb->space[e], h->dxpl, src);
        }
        H5Sclose(ms);
        rc = err < 0 ? -1 : 0;
    }
    return rc;
}

/* Read an int8/uint8 dataset of block b in slabs of at most 2^24 points. */
static int read_bytes(sw_h5 *h, const sw_config *cfg, const sw_grid *g, int b, hid_t d, hid_t mt,
                      void *out)
{
    const int64_t slab = INT64_C(1) << 24;
    for (int64_t s = 0; s < g->blk[b].npoints; s += slab) {
        int64_t n = g->blk[b].npoints - s < slab ? g->blk[b].npoints - s : slab;
        hsize_t hn = (hsize_t)n;
        if (select_range(&h->blk[b], cfg, &g->blk[b], s, n)) return -1;
        hid_t ms = H5Screate_simple(1, &hn, NULL);
        herr_t err = H5Dread(d, mt, ms, h->blk[b].space[SW_EXT_1], h->dxpl, (char *)out + s);
        H5Sclose(ms);
        if (err < 0) return -1;
    }
    return 0;
}

int sw_h5_read_done(sw_h5 *h, const sw_config *cfg, const sw_grid *g, int b, uint8_t *done)
{
    return read_bytes(h, cfg, g, b, h->blk[b].done, H5T_NATIVE_UINT8, done);
}

int sw_h5_count_status(sw_h5 *h, const sw_config *cfg, const sw_grid *g, int64_t *counts)
{
    for (int b = 0; b < g->n_blocks; b++) {
        int8_t *st = malloc((size_t)g->blk[b].npoints);
        if (!st) return -1;
        int rc = read_bytes(h, cfg, g, b, h->blk[b].dset[SW_OUT_STATUS], H5T_NATIVE_INT8, st);
        if (!rc)
            for (int64_t i = 0; i < g->blk[b].npoints; i++) {
                int s = st[i];
                counts[(s < -1 || s >= QT_NSTATUS ? QT_NSTATUS : s) + 1]++;
            }
        free(st);
        if (rc) return -1;
    }
    return 0;
}

int sw_h5_flush(sw_h5 *h)
{
    return H5Fflush(h->file, H5F_SCOPE_GLOBAL) < 0 ? -1 : 0;
}

int sw_h5_close(sw_h5 *h)
{
    int rc = 0;
    if (!h) return 0;
    for (int b = 0; h->blk && b < h->n_blocks; b++) {
        sw_h5_block *hb = &h->blk[b];
        for (int k = 0; k < SW_MAX_OUT; k++)
            if (hb->dset[k] >= 0) H5Dclose(hb->dset[k]);
        if (hb->done >= 0) H5Dclose(hb->done);
        for (int e = 0; e < SW_EXT_COUNT; e++)
            if (hb->space[e] >= 0) H5Sclose(hb->space[e]);
        if (hb->grp >= 0) H5Gclose(hb->grp);
    }
    free(h->blk);
    h->blk = NULL;
    if (h->dxpl > 0) H5Pclose(h->dxpl);
    h->dxpl = -1;
    if (h->file >= 0 && H5Fclose(h->file) < 0) rc = -1;
    h->file = -1;
    return rc;
}
