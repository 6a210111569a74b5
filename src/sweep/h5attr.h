/* HDF5 helpers shared by the sweep's two writers. Each returns 0 / an id,
 * or -1 with every temporary id closed. */
#ifndef QT_SWEEP_H5ATTR_H
#define QT_SWEEP_H5ATTR_H

#include <stddef.h>
#include <stdint.h>

#include <hdf5.h>

#include "qthermo/qthermo.h"

/* variable-length UTF-8 string, double (f64le), int (i32le) or any scalar */
int sw_attr_str(hid_t loc, const char *name, const char *value);
int sw_attr_num(hid_t loc, const char *name, hid_t ftype, hid_t mtype, const void *v);
int sw_attr_double(hid_t loc, const char *name, double v);
int sw_attr_int(hid_t loc, const char *name, int v);
/* contiguous, allocated at creation and filled with *fill (of mtype) */
hid_t sw_make_dataset(hid_t loc, const char *name, hid_t ftype, hid_t mtype, const void *fill,
                      int rank, const hsize_t *dims);

/* CF metadata (README.md in this folder, "CF metadata"). Every stored
 * number is a quantity divided by its unit (h, h/k_B, Gamma), which is not
 * a udunits unit ("h" would read as hours): `units` is "1", long_name
 * names the unit, qthermo_unit keeps the table's unit string. */
int sw_cf_attrs(hid_t d, const char *long_name, const char *unit);
/* a coordinate named like a parameter: long name and unit from the table */
int sw_cf_param(hid_t d, qt_model model, const char *name);
/* a CF flag variable: int8 flag_values v[0..n) and their flag_meanings */
int sw_cf_flags(hid_t d, const int8_t *v, size_t n, const char *meanings);
/* a group's scalar coordinate N (int32), with its CF attributes */
hid_t sw_cf_scalar_N(hid_t grp, qt_model model, int N, hid_t dxpl);

#endif
