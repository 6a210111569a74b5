/* Layout and writes of a boundary file (boundary_h5.h). The crash-safety
 * argument is the one of h5file.c: metadata complete and flushed before the
 * run, contiguous datasets allocated at creation, a line's data written
 * before its `done` flag by one process. */
#include "boundary_h5.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hdf5.h>
#include <hdf5_hl.h>

#include "h5attr.h"

#include "outputs.h"

typedef struct {
    hid_t grp;
    hid_t scan[SW_MAX_OUT]; /* scan observables, parallel to sw_blines.scalar */
    hid_t where, width, kind, count, solves, done;
    hid_t sp_line, sp_scan, sp_point; /* file spaces, reused */
} sw_bh5_group;

struct sw_bh5 {
    hid_t file, dxpl;
    int n_groups;
    sw_bh5_group *g;
};

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

static int read_attr_str(hid_t loc, const char *name, char *buf, size_t buflen)
{
    if (H5Aexists(loc, name) <= 0) return -1;
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT), t = H5Tcopy(H5T_C_S1);
    char *s = NULL;
    int rc = -1;
    if (a >= 0 && t >= 0 && H5Tset_size(t, H5T_VARIABLE) >= 0 &&
        H5Tset_cset(t, H5T_CSET_UTF8) >= 0 && H5Aread(a, t, &s) >= 0 && s) {
        snprintf(buf, buflen, "%s", s);
        H5free_memory(s);
        rc = 0;
    }
    if (t >= 0) H5Tclose(t);
    if (a >= 0) H5Aclose(a);
    return rc;
}

/* 1-D coordinate made a dimension scale; rank 0 writes the values. */
static hid_t make_scale(hid_t loc, const char *name, hid_t ftype, hid_t mtype, const void *values,
                        hsize_t n, int rank, hid_t dxpl)
{
    double zero = 0;
    hid_t d = sw_make_dataset(loc, name, ftype, mtype, &zero, 1, &n);
    if (d < 0) return -1;
    if ((rank == 0 && H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, dxpl, values) < 0) ||
        H5DSset_scale(d, name) < 0) {
        H5Dclose(d);
        return -1;
    }
    return d;
}

static void init_ids(sw_bh5 *h)
{
    for (int b = 0; b < h->n_groups; b++) {
        sw_bh5_group *q = &h->g[b];
        q->grp = q->where = q->width = q->kind = q->count = q->solves = q->done = -1;
        q->sp_line = q->sp_scan = q->sp_point = -1;
        for (int k = 0; k < SW_MAX_OUT; k++) q->scan[k] = -1;
    }
}

/* A handle with no file yet; NULL when out of memory. */
static sw_bh5 *alloc_groups(const sw_blines *L)
{
    if (!getenv("QTHERMO_H5_DEBUG")) H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    sw_bh5 *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    h->file = h->dxpl = -1;
    h->n_groups = L->n_groups;
    h->g = calloc((size_t)L->n_groups, sizeof *h->g);
    if (h->g) init_ids(h);
    h->dxpl = H5Pcreate(H5P_DATASET_XFER);
    if (!h->g || h->dxpl < 0) {
        sw_bh5_close(h);
        return NULL;
    }
    return h;
}

/* The three file spaces of group b: [other], [other, scan], [other, point]. */
static int make_spaces(sw_bh5_group *q, const sw_config *cfg, const sw_blines *L, int b)
{
    hsize_t dims[SW_MAX_AXES + 1];
    int r = L->n_other;
    for (int a = 0; a < r; a++) dims[a] = (hsize_t)cfg->axis[L->other[a]].n;
    q->sp_line = H5Screate_simple(r, dims, NULL);
    dims[r] = (hsize_t)L->grp[b].n_scan;
    q->sp_scan = H5Screate_simple(r + 1, dims, NULL);
    dims[r] = (hsize_t)L->grp[b].n_point;
    q->sp_point = H5Screate_simple(r + 1, dims, NULL);
    return q->sp_line < 0 || q->sp_scan < 0 || q->sp_point < 0 ? -1 : 0;
}

static int root_attributes(hid_t root, const sw_config *cfg, const char *created)
{
    const sw_boundary_spec *bs = &cfg->bnd;
    const sw_axis *ax = &cfg->axis[bs->axis];
    int rc = sw_attr_str(root, "Conventions", "CF-1.10");
    rc |= sw_attr_str(root, "qthermo_format", SW_BOUNDARY_FORMAT);
    rc |= sw_attr_str(root, "qthermo_version", QT_VERSION);
    rc |= sw_attr_str(root, "config_yaml", cfg->text);
    rc |= sw_attr_str(root, "config_sha256", cfg->sha256);
    rc |= sw_attr_str(root, "model", sw_model_name(cfg->model));
    if (cfg->model == QT_MODEL_NSITE) rc |= sw_attr_double(root, "h", cfg->base.h);
    rc |= sw_attr_double(root, "gamma", cfg->base.gamma);
    rc |= sw_attr_str(root, "spectral", sw_spectral_name(cfg->base.spectral));
    rc |= sw_attr_str(root, "bath", sw_bath_name(cfg->base.bath));
    rc |= sw_attr_str(root, "solver", sw_solver_name(cfg->opt.solver));
    rc |= sw_attr_double(root, "tol", cfg->opt.tol);
    rc |= sw_attr_str(root, "boundary_axis", ax->name);
    rc |= sw_attr_double(root, "boundary_start", ax->v[0]);
    rc |= sw_attr_double(root, "boundary_stop", ax->v[1]);
    rc |= sw_attr_str(root, "boundary_observable", sw_outputs[bs->observable].name);
    rc |= sw_attr_double(root, "boundary_level", bs->level);
    rc |= sw_attr_int(root, "boundary_scan", bs->scan);
    rc |= sw_attr_double(root, "boundary_xtol", bs->xtol);
    rc |= sw_attr_str(root, "boundary_kind_meanings",
                      "0 none, 1 root (smooth), 2 crossing (level crossing, exact), 3 failed "
                      "(a solve failed; the value is where)");
    rc |= sw_attr_str(root, "created", created);
    return rc ? -1 : 0;
}

typedef struct {
    const char *name, *doc, *long_name;
    int in_axis_unit; /* measured along the traced axis */
    sw_type type;
    double fill;
    int per_point; /* [other, point] rather than [other] */
} line_dataset;

/* the unit of the traced axis, from the parameter table */
static const char *axis_unit(const sw_config *cfg)
{
    const qt_param_info *pi = qt_param_find(cfg->axis[cfg->bnd.axis].name, cfg->model);
    return pi ? pi->unit : "1";
}

/* CF flag_values / flag_meanings of boundary_kind */
static int kind_flags(hid_t d)
{
    const int8_t v[] = {0, 1, 2, 3};
    return sw_cf_flags(d, v, sizeof v, "none root crossing failed");
}

/* where (float64), kind, count, solves, done: the per-line results */
static int line_datasets(sw_bh5_group *q, const sw_config *cfg, const sw_blines *L, hid_t *scales,
                         hid_t point_scale)
{
    char where[64];
    snprintf(where, sizeof where, "boundary_%s", cfg->axis[cfg->bnd.axis].name);
    const line_dataset tab[] = {
        {where, "boundary points of the line, ascending (NaN: none)", "boundary point", 1, SW_F64,
         NAN, 1},
        {"boundary_width", "width of the final bracket (0 for a crossing: exact)",
         "width of the final bracket", 1, SW_F64, NAN, 1},
        {"boundary_kind", "0 none, 1 root, 2 crossing, 3 failed", "kind of boundary point", 0,
         SW_I8, 0, 1},
        {"boundary_count", "boundary points of the line (-1: not traced)",
         "boundary points of the line", 0, SW_I32, -1, 0},
        {"boundary_solves", "qt_solve calls for the line, scan included", "solves for the line", 0,
         SW_I32, -1, 0},
    };
    hid_t *ids[] = {&q->where, &q->width, &q->kind, &q->count, &q->solves};
    int r = L->n_other;
    for (int k = 0; k < 5; k++) {
        const line_dataset *t = &tab[k];
        hsize_t dims[SW_MAX_AXES + 1];
        H5Sget_simple_extent_dims(t->per_point ? q->sp_point : q->sp_line, dims, NULL);
        int8_t f8 = (int8_t)t->fill;
        int32_t f32 = (int32_t)t->fill;
        const void *fill = t->type == SW_I8    ? (void *)&f8
                           : t->type == SW_I32 ? (void *)&f32
                                               : (void *)&t->fill;
        hid_t d = sw_make_dataset(q->grp, t->name, file_type(t->type), mem_type(t->type), fill,
                                  r + t->per_point, dims);
        if (d < 0) return -1;
        *ids[k] = d;
        if (sw_attr_str(d, "description", t->doc) ||
            sw_cf_attrs(d, t->long_name, t->in_axis_unit ? axis_unit(cfg) : "1") ||
            (cfg->model == QT_MODEL_NSITE && sw_attr_str(d, "coordinates", "N")))
            return -1;
        if (t->type == SW_I8 && kind_flags(d)) return -1;
        /* kind 0 means "no point": a value, not a missing one */
        if (t->type != SW_I8 &&
            sw_attr_num(d, "_FillValue", file_type(t->type), mem_type(t->type), fill))
            return -1;
        for (int a = 0; a < r; a++)
            if (H5DSattach_scale(d, scales[a], (unsigned)a) < 0) return -1;
        if (t->per_point && H5DSattach_scale(d, point_scale, (unsigned)r) < 0) return -1;
    }
    hsize_t dims[SW_MAX_AXES];
    H5Sget_simple_extent_dims(q->sp_line, dims, NULL);
    uint8_t zero = 0;
    q->done = sw_make_dataset(q->grp, "done", H5T_STD_U8LE, H5T_NATIVE_UINT8, &zero, r, dims);
    if (q->done < 0 ||
        sw_attr_str(q->done, "description", "1 when the line is completely written") ||
        sw_cf_attrs(q->done, "line written", "1"))
        return -1;
    for (int a = 0; a < r; a++)
        if (H5DSattach_scale(q->done, scales[a], (unsigned)a) < 0) return -1;
    return 0;
}

/* As in sweep files: floats get a _FillValue; integers keep their dtype
 * in xarray and mark a missing point below valid_min; status is a flag. */
static int scan_missing(hid_t d, const sw_output *o, const void *fill)
{
    if (o->type == SW_F64)
        return sw_attr_num(d, "_FillValue", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, fill);
    if (o == &sw_outputs[SW_OUT_STATUS]) return 0;
    return sw_attr_num(d, "valid_min", file_type(o->type), H5T_NATIVE_INT, &o->valid_min);
}

/* Scan observables [other, scan]. */
static int scan_datasets(sw_bh5_group *q, const sw_config *cfg, const sw_blines *L, hid_t *scales,
                         hid_t scan_scale)
{
    int r = L->n_other;
    hsize_t dims[SW_MAX_AXES + 1];
    H5Sget_simple_extent_dims(q->sp_scan, dims, NULL);
    for (int j = 0; j < L->n_scalar; j++) {
        const sw_output *o = &sw_outputs[cfg->out[L->scalar[j]]];
        double fd = sw_fill_value(o);
        int8_t f8 = (int8_t)fd;
        int32_t f32 = (int32_t)fd;
        const void *fill = o->type == SW_I8    ? (void *)&f8
                           : o->type == SW_I32 ? (void *)&f32
                                               : (void *)&fd;
        hid_t d = sw_make_dataset(q->grp, o->name, file_type(o->type), mem_type(o->type), fill,
                                  r + 1, dims);
        if (d < 0) return -1;
        q->scan[j] = d;
        if (sw_attr_str(d, "description", o->doc) || sw_cf_attrs(d, o->long_name, o->unit) ||
            (cfg->model == QT_MODEL_NSITE && sw_attr_str(d, "coordinates", "N")) ||
            scan_missing(d, o, fill))
            return -1;
        for (int a = 0; a < r; a++)
            if (H5DSattach_scale(d, scales[a], (unsigned)a) < 0) return -1;
        if (H5DSattach_scale(d, scan_scale, (unsigned)r) < 0) return -1;
    }
    return 0;
}

static int create_group(sw_bh5 *h, int b, const sw_config *cfg, const sw_grid *g,
                        const sw_blines *L, int rank, char *msg, size_t msglen)
{
    sw_bh5_group *q = &h->g[b];
    hid_t scales[SW_MAX_AXES], scan_scale = -1, point_scale = -1;
    int n_sc = 0, rc = -1;
    const sw_bgroup *G = &L->grp[b];
    if (cfg->model == QT_MODEL_NSITE) {
        CHECK(q->grp = H5Gcreate2(h->file, g->blk[b].group, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
              "H5Gcreate");
        hid_t n = sw_cf_scalar_N(q->grp, cfg->model, g->blk[b].N, h->dxpl);
        CHECK(n, "coordinate N");
        H5Dclose(n);
    } else {
        CHECK(q->grp = H5Gopen2(h->file, "/", H5P_DEFAULT), "H5Gopen");
    }
    CHECK(make_spaces(q, cfg, L, b), "H5Screate");
    for (; n_sc < L->n_other; n_sc++) {
        const sw_axis *ax = &cfg->axis[L->other[n_sc]];
        CHECK(scales[n_sc] = make_scale(q->grp, ax->name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, ax->v,
                                        (hsize_t)ax->n, rank, h->dxpl),
              "coordinate dataset");
        CHECK(sw_cf_param(scales[n_sc], cfg->model, ax->name), "attribute");
    }
    CHECK(scan_scale = make_scale(q->grp, "scan", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, G->x,
                                  (hsize_t)G->n_scan, rank, h->dxpl),
          "scan coordinate");
    CHECK(sw_attr_str(scan_scale, "description", "scan points of the traced axis"), "attribute");
    CHECK(sw_cf_attrs(scan_scale, "scan point of the traced axis", axis_unit(cfg)), "attribute");
    int *pt = malloc((size_t)G->n_point * sizeof *pt);
    if (!pt) CHECK(-1, "malloc");
    for (int i = 0; i < G->n_point; i++) pt[i] = i;
    point_scale = make_scale(q->grp, "point", H5T_STD_I32LE, H5T_NATIVE_INT, pt,
                             (hsize_t)G->n_point, rank, h->dxpl);
    free(pt);
    CHECK(point_scale, "point scale");
    CHECK(sw_cf_attrs(point_scale, "index of the boundary point on the line", "1"), "attribute");
    if (G->line.n_crossings > 0) { /* the exact level crossings in the interval */
        hid_t d = make_scale(q->grp, "crossings", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, G->crossing,
                             (hsize_t)G->line.n_crossings, rank, h->dxpl);
        CHECK(d, "crossings");
        int bad = sw_cf_attrs(d, "exact level crossing of the chain", axis_unit(cfg));
        H5Dclose(d);
        CHECK(bad ? -1 : 0, "attribute");
    }
    CHECK(line_datasets(q, cfg, L, scales, point_scale), "line datasets");
    CHECK(scan_datasets(q, cfg, L, scales, scan_scale), "scan datasets");
    rc = 0;
fail:
    for (int a = 0; a < n_sc; a++) H5Dclose(scales[a]);
    if (scan_scale >= 0) H5Dclose(scan_scale);
    if (point_scale >= 0) H5Dclose(point_scale);
    return rc;
}

/* sec2 without the sieve buffer: every raw write is a pwrite at once, in
 * program order, so a line's data reaches the file before its done flag. */
static hid_t file_access(void)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    /* no HDF5 lock: the run holds its own (outfile.h), and readers may look in */
    if (fapl >= 0 && (H5Pset_sieve_buf_size(fapl, 0) < 0 || H5Pset_file_locking(fapl, 0, 1) < 0))
        H5Pclose(fapl), fapl = -1;
    return fapl;
}

int sw_bh5_create(sw_bh5 **hp, const char *path, const sw_config *cfg, const sw_grid *g,
                  const sw_blines *L, const char *created, char *msg, size_t msglen)
{
    const int rank = 0; /* one writing process: it writes the coordinates too */
    hid_t fapl = -1;
    sw_bh5 *h = *hp = alloc_groups(L);
    if (!h) CHECK(-1, "out of memory");
    CHECK(fapl = file_access(), "H5Pcreate");
    /* path is the run's own locked temporary file, created empty */
    h->file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    if (h->file < 0) {
        snprintf(msg, msglen, "%s: cannot create HDF5 file", path);
        goto fail;
    }
    CHECK(root_attributes(h->file, cfg, created), "attributes");
    for (int b = 0; b < L->n_groups; b++)
        if (create_group(h, b, cfg, g, L, rank, msg, msglen)) goto fail;
    H5Pclose(fapl);
    fapl = -1;
    CHECK(H5Fflush(h->file, H5F_SCOPE_GLOBAL), "H5Fflush");
    return 0;
fail:
    if (fapl >= 0) H5Pclose(fapl);
    sw_bh5_close(h);
    *hp = NULL;
    return -1;
}

static hid_t open_checked(hid_t grp, const char *name, hid_t space)
{
    hid_t d = H5Dopen2(grp, name, H5P_DEFAULT);
    if (d < 0) return -1;
    hid_t s = H5Dget_space(d);
    htri_t same = s >= 0 ? H5Sextent_equal(s, space) : -1;
    if (s >= 0) H5Sclose(s);
    if (same <= 0) H5Dclose(d), d = -1;
    return d;
}

static int open_group(sw_bh5 *h, int b, const sw_config *cfg, const sw_grid *g, const sw_blines *L)
{
    sw_bh5_group *q = &h->g[b];
    char where[64];
    snprintf(where, sizeof where, "boundary_%s", cfg->axis[cfg->bnd.axis].name);
    if ((q->grp = H5Gopen2(h->file, g->blk[b].group, H5P_DEFAULT)) < 0) return -1;
    if (make_spaces(q, cfg, L, b)) return -1;
    if ((q->where = open_checked(q->grp, where, q->sp_point)) < 0 ||
        (q->width = open_checked(q->grp, "boundary_width", q->sp_point)) < 0 ||
        (q->kind = open_checked(q->grp, "boundary_kind", q->sp_point)) < 0 ||
        (q->count = open_checked(q->grp, "boundary_count", q->sp_line)) < 0 ||
        (q->solves = open_checked(q->grp, "boundary_solves", q->sp_line)) < 0 ||
        (q->done = open_checked(q->grp, "done", q->sp_line)) < 0)
        return -1;
    for (int j = 0; j < L->n_scalar; j++)
        if ((q->scan[j] =
                 open_checked(q->grp, sw_outputs[cfg->out[L->scalar[j]]].name, q->sp_scan)) < 0)
            return -1;
    return 0;
}

int sw_bh5_open(sw_bh5 **hp, const char *path, const sw_config *cfg, const sw_grid *g,
                const sw_blines *L, int writable, char *msg, size_t msglen)
{
    char buf[128];
    hid_t fapl = -1;
    sw_bh5 *h = *hp = alloc_groups(L);
    if (!h) CHECK(-1, "out of memory");
    CHECK(fapl = file_access(), "H5Pcreate");
    h->file = H5Fopen(path, writable ? H5F_ACC_RDWR : H5F_ACC_RDONLY, fapl);
    H5Pclose(fapl);
    int refuse = 0;
    if (h->file < 0) {
        snprintf(msg, msglen, "%s: cannot open as an HDF5 file for --resume", path);
        refuse = 1;
    } else if (read_attr_str(h->file, "qthermo_format", buf, sizeof buf) ||
               strcmp(buf, SW_BOUNDARY_FORMAT)) {
        snprintf(msg, msglen, "%s: not a qthermo boundary file (no qthermo_format = %s)", path,
                 SW_BOUNDARY_FORMAT);
        refuse = 1;
    } else if (read_attr_str(h->file, "config_sha256", buf, sizeof buf) ||
               strcmp(buf, cfg->sha256)) {
        snprintf(msg, msglen,
                 "%s: config_sha256 differs from this config's: the file was made from another "
                 "config; refusing to --resume (use --force to start over)",
                 path);
        refuse = 1;
    }
    for (int b = 0; !refuse && b < L->n_groups; b++)
        if (open_group(h, b, cfg, g, L)) {
            snprintf(msg, msglen, "%s: group %s lacks a dataset of this config's layout", path,
                     g->blk[b].group);
            refuse = 1;
        }
    if (!refuse) return 0;
    sw_bh5_close(h);
    *hp = NULL;
    return 2;
fail:
    sw_bh5_close(h);
    *hp = NULL;
    return -1;
}

/* Select line `line` (and the whole trailing dimension, if any). */
static int select_line(hid_t space, const sw_config *cfg, const sw_blines *L, int64_t line,
                       int trailing)
{
    hsize_t off[SW_MAX_AXES + 1], cnt[SW_MAX_AXES + 1], dims[SW_MAX_AXES + 1];
    int r = L->n_other;
    H5Sget_simple_extent_dims(space, dims, NULL);
    for (int a = r - 1; a >= 0; a--) {
        int64_t n = cfg->axis[L->other[a]].n;
        off[a] = (hsize_t)(line % n), cnt[a] = 1;
        line /= n;
    }
    if (trailing) off[r] = 0, cnt[r] = dims[r];
    return H5Sselect_hyperslab(space, H5S_SELECT_SET, off, NULL, cnt, NULL) < 0 ? -1 : 0;
}

/* fdatasync of the file under the sec2 driver (no sieve buffer: every raw
 * write is already a pwrite): what is written is on disk when it returns. */
static int sync_data(hid_t file)
{
    int *fd = NULL;
    if (H5Fget_vfd_handle(file, H5P_DEFAULT, (void **)&fd) < 0 || !fd) return -1;
    return fdatasync(*fd) ? -1 : 0;
}

static int write_row(hid_t d, hid_t space, hid_t mtype, const void *buf, hsize_t n, hid_t dxpl)
{
    hid_t ms = H5Screate_simple(1, &n, NULL);
    if (ms < 0) return -1;
    herr_t e = H5Dwrite(d, mtype, ms, space, dxpl, buf);
    H5Sclose(ms);
    return e < 0 ? -1 : 0;
}

int sw_bh5_write_line(sw_bh5 *h, const sw_config *cfg, const sw_blines *L, int b, int64_t line,
                      const double *scan, const qt_boundary_point *pts, int n_pts, long solves)
{
    sw_bh5_group *q = &h->g[b];
    const sw_bgroup *G = &L->grp[b];
    int S = G->n_scan, P = G->n_point, R = L->n_scalar, rc = 0;
    double *row = malloc((size_t)(S > P ? S : P) * sizeof *row);
    int8_t *kind = malloc((size_t)P);
    if (!row || !kind) rc = -1;
    rc = rc ? rc : select_line(q->sp_scan, cfg, L, line, 1);
    for (int j = 0; !rc && j < R; j++) { /* scan observables, integers converted by HDF5 */
        for (int i = 0; i < S; i++) row[i] = scan[(int64_t)i * R + j];
        rc = write_row(q->scan[j], q->sp_scan, H5T_NATIVE_DOUBLE, row, (hsize_t)S, h->dxpl);
    }
    if (!rc) {
        for (int i = 0; i < P; i++) {
            row[i] = i < n_pts ? pts[i].x : NAN;
            kind[i] = (int8_t)(i < n_pts ? pts[i].kind : QT_BOUNDARY_NONE);
        }
        rc = select_line(q->sp_point, cfg, L, line, 1);
    }
    if (!rc) rc = write_row(q->where, q->sp_point, H5T_NATIVE_DOUBLE, row, (hsize_t)P, h->dxpl);
    for (int i = 0; !rc && i < P; i++) row[i] = i < n_pts ? pts[i].hi - pts[i].lo : NAN;
    if (!rc) rc = write_row(q->width, q->sp_point, H5T_NATIVE_DOUBLE, row, (hsize_t)P, h->dxpl);
    if (!rc) rc = write_row(q->kind, q->sp_point, H5T_NATIVE_INT8, kind, (hsize_t)P, h->dxpl);
    int32_t cs[2] = {n_pts, solves > INT32_MAX ? INT32_MAX : (int32_t)solves};
    uint8_t one = 1;
    if (!rc) rc = select_line(q->sp_line, cfg, L, line, 0);
    if (!rc) rc = write_row(q->count, q->sp_line, H5T_NATIVE_INT32, &cs[0], 1, h->dxpl);
    if (!rc) rc = write_row(q->solves, q->sp_line, H5T_NATIVE_INT32, &cs[1], 1, h->dxpl);
    if (!rc) rc = sync_data(h->file); /* the line durable before its done flag: node crashes */
    if (!rc) rc = write_row(q->done, q->sp_line, H5T_NATIVE_UINT8, &one, 1, h->dxpl); /* last */
    free(row);
    free(kind);
    return rc;
}

int sw_bh5_read_done(sw_bh5 *h, const sw_blines *L, int b, uint8_t *done)
{
    (void)L;
    return H5Dread(h->g[b].done, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, h->dxpl, done) < 0 ? -1 : 0;
}

int sw_bh5_close(sw_bh5 *h)
{
    int rc = 0;
    if (!h) return 0;
    for (int b = 0; h->g && b < h->n_groups; b++) {
        sw_bh5_group *q = &h->g[b];
        hid_t ids[] = {q->where, q->width, q->kind, q->count, q->solves, q->done};
        for (int k = 0; k < 6; k++)
            if (ids[k] >= 0) H5Dclose(ids[k]);
        for (int k = 0; k < SW_MAX_OUT; k++)
            if (q->scan[k] >= 0) H5Dclose(q->scan[k]);
        hid_t sp[] = {q->sp_line, q->sp_scan, q->sp_point};
        for (int k = 0; k < 3; k++)
            if (sp[k] >= 0) H5Sclose(sp[k]);
        if (q->grp >= 0) H5Gclose(q->grp);
    }
    free(h->g);
    h->g = NULL;
    if (h->dxpl >= 0) H5Pclose(h->dxpl);
    h->dxpl = -1;
    if (h->file >= 0 && H5Fclose(h->file) < 0) rc = -1;
    free(h);
    return rc;
}
