/* HDF5 helpers shared by the sweep's two writers. Each returns 0 / an id,
 * or -1 with every temporary id closed. */
#ifndef QT_SWEEP_H5ATTR_H
#define QT_SWEEP_H5ATTR_H

#include <hdf5.h>

/* variable-length UTF-8 string, double (f64le), int (i32le) or any scalar */
int sw_attr_str(hid_t loc, const char *name, const char *value);
int sw_attr_num(hid_t loc, const char *name, hid_t ftype, hid_t mtype, const void *v);
int sw_attr_double(hid_t loc, const char *name, double v);
int sw_attr_int(hid_t loc, const char *name, int v);
/* contiguous, allocated at creation and filled with *fill (of mtype) */
hid_t sw_make_dataset(hid_t loc, const char *name, hid_t ftype, hid_t mtype, const void *fill,
                      int rank, const hsize_t *dims);

#endif
