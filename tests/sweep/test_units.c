/* Unit tests of the sweep's serial parts: hyperslab decomposition of flat
 * ranges, axis generation and the config -> parameters mapping, packing of
 * failed points. No MPI run, no file. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "grid.h"
#include "outputs.h"

/* Every flat range of random small arrays: the boxes cover exactly the
 * range, in order, with at most 2 rank - 1 boxes. */
static void flat_boxes_cover_range(void **state)
{
    (void)state;
    srand(7);
    for (int trial = 0; trial < 3000; trial++) {
        int rank = 1 + rand() % 4;
        int64_t dims[4], total = 1;
        for (int a = 0; a < rank; a++) total *= dims[a] = 1 + rand() % 5;
        int64_t start = rand() % total, count = 1 + rand() % (total - start);
        int64_t off[64], cnt[64];
        int nbox = sw_flat_boxes(rank, dims, start, count, off, cnt);
        assert_true(nbox >= 1 && nbox <= 2 * rank - 1);
        int64_t next = start;
        for (int k = 0; k < nbox; k++) { /* each box, in C order, continues the range */
            int64_t n = 1;
            for (int a = 0; a < rank; a++) {
                assert_true(off[k * rank + a] >= 0 && cnt[k * rank + a] >= 1);
                assert_true(off[k * rank + a] + cnt[k * rank + a] <= dims[a]);
                n *= cnt[k * rank + a];
            }
            for (int64_t e = 0; e < n; e++) {
                int64_t rem = e, flat = 0, stride = 1, idx[4];
                for (int a = rank - 1; a >= 0; a--) {
                    idx[a] = off[k * rank + a] + rem % cnt[k * rank + a];
                    rem /= cnt[k * rank + a];
                }
                for (int a = rank - 1; a >= 0; a--) flat += idx[a] * stride, stride *= dims[a];
                assert_int_equal(flat, next);
                next++;
            }
        }
        assert_int_equal(next, start + count);
    }
}

static const char *CFG = "model: nsite\n"
                         "h: 1.5\n"
                         "axes:\n"
                         "  N: [12, 4]\n"
                         "  g: {start: 0.0, stop: 1.0, num: 5}\n"
                         "  T_mean: {start: 0.1, stop: 10, num: 3, log: true}\n"
                         "  T_diff: [0.1, -0.2]\n"
                         "observables: [x_cm, site_population]\n";

static void config_axes_and_points(void **state)
{
    (void)state;
    sw_config c;
    char msg[SW_MSG_LEN];
    int rc = sw_config_parse("t.yaml", CFG, strlen(CFG), &c, msg, sizeof msg);
    if (rc) fail_msg("%s", msg);
    assert_int_equal(c.model, QT_MODEL_NSITE);
    assert_int_equal(c.n_N, 2);
    assert_int_equal(c.N[0], 12);
    assert_int_equal(c.n_axes, 3);
    assert_string_equal(c.axis[0].name, "g");
    assert_string_equal(c.axis[1].name, "T_mean");
    assert_true(c.axis[0].v[4] == 1.0 && fabs(c.axis[0].v[1] - 0.25) < 1e-15);
    assert_true(c.axis[1].v[0] == 0.1 && c.axis[1].v[2] == 10.0);
    assert_true(fabs(c.axis[1].v[1] - 1.0) < 1e-14); /* geometric middle */
    assert_int_equal(c.n_out, 3);                    /* status + the two asked for */
    assert_string_equal(sw_outputs[c.out[1]].name, "site_population"); /* table order */
    sw_grid g;
    assert_int_equal(sw_grid_build(&c, 1, &g, msg, sizeof msg), 0);
    assert_int_equal(g.total, 2 * 5 * 3 * 2);
    assert_int_equal(g.order[0], 0); /* N = 12 is the more expensive group: first */
    int64_t idx[SW_MAX_AXES];
    sw_grid_unravel(&c, 5 * 3 * 2 - 1, idx); /* the last point */
    assert_true(idx[0] == 4 && idx[1] == 2 && idx[2] == 1);
    qt_params p;
    sw_config_point(&c, 4, idx, &p);
    assert_int_equal(p.N, 4);
    assert_true(p.h == 1.5 && p.g == 1.0);
    assert_true(p.T_L == 10.0 - 0.1 && p.T_R == 10.0 + 0.1); /* T_L = T_mean + T_diff / 2 */
    sw_grid_free(&g);
    sw_config_free(&c);
}

static void failed_point_is_packed_as_fill(void **state)
{
    (void)state;
    sw_config c;
    char msg[SW_MSG_LEN];
    const char *t = "model: nsite\naxes: {N: [3], g: [0], T_L: [1], T_R: [1]}\n";
    assert_int_equal(sw_config_parse("t.yaml", t, strlen(t), &c, msg, sizeof msg), 0);
    int col[SW_MAX_OUT];
    int rec = sw_record_layout(&c, 3, col);
    qt_result *r = qt_result_alloc(3);
    r->status = QT_ENOTUNIQUE;
    r->x_cm = 0.5; /* must not leak into the file */
    double buf[2 * 64];
    assert_true(rec <= 64);
    sw_pack_point(&c, 3, col, r, 1, 2, buf);
    for (int k = 0; k < c.n_out; k++) {
        const sw_output *o = &sw_outputs[c.out[k]];
        int e = sw_ext_size(o->ext, c.model, 3);
        for (int j = 0; j < e; j++) {
            double v = buf[col[k] * 2 + e + j];
            if (k == 0)
                assert_true(v == QT_ENOTUNIQUE);
            else if (o->type == SW_F64)
                assert_true(isnan(v));
            else
                assert_true(v == sw_fill_value(o));
        }
    }
    qt_result_free(&r);
    sw_config_free(&c);
}

/* The writer turns every row's unit and long_name into CF attributes: a row
 * added without them would be written without units. */
/* Batch caps: unchanged up to SW_BATCH_WORKERS workers; with more, the
 * seconds and the points grow by W / SW_BATCH_WORKERS, the points only while
 * a batch's record stays under SW_BATCH_BYTES; the writers' buffers follow
 * the largest batch. */
static void batches_grow_with_workers(void **state)
{
    (void)state;
    sw_block blk[3] = {{.N = 10, .rec = 2, .cost = 2.5e-6},
                       {.N = 10, .rec = 200, .cost = 2.5e-6},
                       {.N = 200, .rec = 410, .cost = 5e-3}};
    int order[3] = {0, 1, 2};
    sw_grid g = {.n_blocks = 3, .blk = blk, .order = order};
    for (int w = 1; w <= SW_BATCH_WORKERS; w *= 4) {
        sw_grid_plan_batches(&g, w);
        assert_int_equal(sw_batch_cap(&blk[0]), SW_BATCH_MAX);
        assert_int_equal(sw_batch_cap(&blk[1]), SW_BATCH_MAX);
        assert_int_equal(sw_batch_cap(&blk[2]), 8); /* 0.04 s / 5 ms */
    }
    sw_grid_plan_batches(&g, 256); /* scale 16: 65536 points, 0.64 s capped at 0.16 s */
    assert_in_range(sw_batch_cap(&blk[0]), 63999, 64000); /* 0.16 / 2.5e-6, rounded down */
    assert_int_equal(sw_batch_cap(&blk[1]), SW_BATCH_BYTES / (200 * 8)); /* 5242 */
    assert_int_equal(sw_batch_cap(&blk[2]), 32);
    assert_int_equal(sw_grid_batch_doubles(&g), 5242 * 200);
    assert_int_equal(sw_grid_batch_sites(&g), sw_batch_cap(&blk[0]) * 10);
    sw_grid_plan_batches(&g, 32); /* scale 2: 0.08 s, 8192 points */
    assert_int_equal(sw_batch_cap(&blk[0]), 2 * SW_BATCH_MAX);
    assert_int_equal(sw_batch_cap(&blk[2]), 16);
    blk[1].rec = 4000; /* a record larger than SW_BATCH_BYTES / SW_BATCH_MAX */
    sw_grid_plan_batches(&g, 256);
    assert_int_equal(sw_batch_cap(&blk[1]), SW_BATCH_MAX);
}

static void every_output_has_cf_metadata(void **state)
{
    (void)state;
    for (int o = 0; o < sw_n_outputs; o++) {
        const sw_output *out = &sw_outputs[o];
        assert_non_null(out->unit);
        assert_non_null(out->long_name);
        assert_true(out->unit[0] != '\0');
        assert_string_not_equal(out->long_name, out->name);
    }
}

/* The sweep's output table repeats the core's observable table (models,
 * extent, unit, long name, gap): they must say the same. */
static void outputs_agree_with_core_observables(void **state)
{
    (void)state;
    for (int o = 0; o < sw_n_outputs; o++) {
        const sw_output *out = &sw_outputs[o];
        if (o == SW_OUT_STATUS) continue; /* the sweep's own */
        int model = 0;
        while (!(out->models & (1u << model))) model++;
        const int i = qt_observable_find(out->name, (qt_model)model);
        assert_true(i >= 0);
        const qt_observable_info *info = qt_observable_at(i);
        assert_int_equal(info->models, out->models);
        assert_int_equal((int)info->extent, (int)out->ext);
        assert_string_equal(info->unit, out->unit);
        assert_string_equal(info->long_name, out->long_name);
        assert_int_equal(info->needs_gap, out->needs_gap);
        assert_int_equal(info->integer, out->type != SW_F64);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(flat_boxes_cover_range),
        cmocka_unit_test(config_axes_and_points),
        cmocka_unit_test(failed_point_is_packed_as_fill),
        cmocka_unit_test(batches_grow_with_workers),
        cmocka_unit_test(every_output_has_cf_metadata),
        cmocka_unit_test(outputs_agree_with_core_observables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
