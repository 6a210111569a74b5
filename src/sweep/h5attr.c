/* HDF5 helpers shared by the sweep writer (h5file.c) and the boundary writer
 * (boundary_h5.c): scalar attributes and contiguous datasets allocated
 * early with their fill value. */
#include "h5attr.h"

#include <stdio.h>
#include <string.h>

int sw_attr_str(hid_t loc, const char *name, const char *value)
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

int sw_attr_num(hid_t loc, const char *name, hid_t ftype, hid_t mtype, const void *v)
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

int sw_attr_double(hid_t loc, const char *name, double v)
{
    return sw_attr_num(loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &v);
}

int sw_attr_int(hid_t loc, const char *name, int v)
{
    return sw_attr_num(loc, name, H5T_STD_I32LE, H5T_NATIVE_INT, &v);
}

hid_t sw_make_dataset(hid_t loc, const char *name, hid_t ftype, hid_t mtype, const void *fill,
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

int sw_cf_attrs(hid_t d, const char *long_name, const char *unit)
{
    char text[256];
    const int scaled = unit[0] && strcmp(unit, "1");
    if (scaled)
        snprintf(text, sizeof text, "%s, in units of %s", long_name, unit);
    else
        snprintf(text, sizeof text, "%s", long_name);
    if (sw_attr_str(d, "units", "1") || sw_attr_str(d, "long_name", text)) return -1;
    return sw_attr_str(d, "qthermo_unit", unit[0] ? unit : "1");
}

int sw_cf_param(hid_t d, qt_model model, const char *name)
{
    const qt_param_info *pi = qt_param_find(name, model);
    return pi ? sw_cf_attrs(d, pi->long_name, pi->unit) : -1;
}

hid_t sw_cf_scalar_N(hid_t grp, qt_model model, int N, hid_t dxpl)
{
    hid_t s = H5Screate(H5S_SCALAR), d = -1;
    if (s >= 0) d = H5Dcreate2(grp, "N", H5T_STD_I32LE, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (s >= 0) H5Sclose(s);
    if (d < 0) return -1;
    if (H5Dwrite(d, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, dxpl, &N) < 0 || sw_cf_param(d, model, "N")) {
        H5Dclose(d);
        return -1;
    }
    return d;
}

int sw_cf_flags(hid_t d, const int8_t *v, size_t n, const char *meanings)
{
    hsize_t len = (hsize_t)n;
    hid_t sp = H5Screate_simple(1, &len, NULL), a = -1;
    int rc = -1;
    if (sp >= 0 &&
        (a = H5Acreate2(d, "flag_values", H5T_STD_I8LE, sp, H5P_DEFAULT, H5P_DEFAULT)) >= 0)
        rc = H5Awrite(a, H5T_NATIVE_INT8, v) < 0 ? -1 : 0;
    if (a >= 0) H5Aclose(a);
    if (sp >= 0) H5Sclose(sp);
    return rc ? rc : sw_attr_str(d, "flag_meanings", meanings);
}
