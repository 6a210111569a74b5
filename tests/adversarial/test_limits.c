/* Size limits that must hold before anything large is allocated: LAPACK
 * work lengths that do not fit an int, grid axes with billions of values,
 * deeply nested or oversized configs, and memory under cgroup limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "common/memlimit.h"

/* dstevd needs 1 + 4N + N^2 doubles of work: an estimate is either a
 * refusal (0) or at least that much, never a wrapped, smaller size. */
static void workspace_estimate_never_wraps(void **state)
{
    (void)state;
    const int Ns[] = {1000, 46338, 46339, 46341, 65536, 70000, 80000, 100000};
    for (size_t i = 0; i < sizeof Ns / sizeof Ns[0]; i++) {
        double N = Ns[i], need = 8.0 * (1 + 4 * N + N * N);
        size_t est = qt_workspace_estimate(QT_MODEL_NSITE, Ns[i], 0);
        if (est != 0 && (double)est < need) fail_msg("N = %d: estimate %zu < %g", Ns[i], est, need);
        if (Ns[i] > 46338) assert_true(est == 0); /* the work length exceeds INT_MAX */
    }
    assert_true(qt_workspace_estimate(QT_MODEL_NSITE, 46338, 0) > 0);
    assert_null(qt_workspace_alloc(QT_MODEL_NSITE, 100000, 0)); /* refused, nothing allocated */
}

static int parse(const char *text, sw_config *cfg, char *msg)
{
    return sw_config_parse("t.yaml", text, strlen(text), cfg, msg, SW_MSG_LEN);
}

static double seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* An axis of 3e9 values, alone or beside a NaN, is refused by its size,
 * at once (before the fix it was allocated and filled: 24 GB). */
static void huge_axis_is_refused_before_allocation(void **state)
{
    (void)state;
    sw_config cfg;
    char msg[SW_MSG_LEN];
    const char *const texts[] = {
        "model: nsite\naxes:\n  N: [10]\n  g: {start: 0, stop: 1, num: 3000000000}\n"
        "  T_L: [0.8]\n  T_R: [0.4]\n",
        "model: nsite\naxes:\n  N: [10]\n  g: {start: 0, stop: 1, num: 2147483648}\n"
        "  T_L: [0.8]\n  T_R: [.nan]\n",
        "model: nsite\naxes:\n  N: [10]\n  T_L: {start: 0, stop: 1, num: 10000000}\n"
        "  g: [1]\n  T_R: {start: 0, stop: 1, num: 10000000}\n"};
    for (int i = 0; i < 3; i++) {
        double t0 = seconds();
        assert_int_equal(parse(texts[i], &cfg, msg), -1);
        assert_true(seconds() - t0 < 1.0);
        assert_non_null(strstr(msg, "t.yaml:"));
        assert_true(strstr(msg, "at most") || strstr(msg, "more than"));
    }
}

/* A NaN after an axis of 16 M values: reported before the axis is filled. */
static void nan_is_found_before_filling(void **state)
{
    (void)state;
    sw_config cfg;
    char msg[SW_MSG_LEN];
    assert_int_equal(
        parse("model: nsite\naxes:\n  N: [10]\n  g: {start: 0, stop: 1, num: 16000000}\n"
              "  T_L: [0.8]\n  T_R: [.nan]\n",
              &cfg, msg),
        -1);
    assert_non_null(strstr(msg, "t.yaml:6: axes.T_R[0]"));
}

/* 100000 nested brackets (200 KB): refused with FILE:LINE within a second
 * (libyaml alone takes about 30 s to build that document). */
static void deep_nesting_is_refused_fast(void **state)
{
    (void)state;
    const int depth = 100000;
    const char *const open[] = {"[", "{a: "}, *const close[] = {"]", "}"};
    for (int kind = 0; kind < 2; kind++) {
        size_t lo = strlen(open[kind]), lc = strlen(close[kind]);
        char *text = malloc(32 + (size_t)depth * (lo + lc));
        assert_non_null(text);
        size_t n = (size_t)sprintf(text, "model: nsite\naxes: ");
        for (int i = 0; i < depth; i++) memcpy(text + n, open[kind], lo), n += lo;
        for (int i = 0; i < depth; i++) memcpy(text + n, close[kind], lc), n += lc;
        text[n] = 0;
        sw_config cfg;
        char msg[SW_MSG_LEN];
        double t0 = seconds();
        assert_int_equal(parse(text, &cfg, msg), -1);
        assert_true(seconds() - t0 < 1.0);
        assert_non_null(strstr(msg, "t.yaml:2: config: "));
        free(text);
    }
}

/* 30000 anchors and as many aliases (500 KB): refused within a second
 * (libyaml's loader alone takes about 30 s: each anchor and alias is looked
 * up in a list). */
static void many_anchors_are_refused_fast(void **state)
{
    (void)state;
    const int count = 30000;
    char *text = malloc(32 * (size_t)count);
    assert_non_null(text);
    size_t n = (size_t)sprintf(text, "model: nsite\nx: [");
    for (int i = 0; i < count; i++) n += (size_t)sprintf(text + n, "&a%d 1, ", i);
    n += (size_t)sprintf(text + n, "1]\ny: [");
    for (int i = 0; i < count; i++) n += (size_t)sprintf(text + n, "*a%d, ", count - 1);
    sprintf(text + n, "1]\n");
    sw_config cfg;
    char msg[SW_MSG_LEN];
    double t0 = seconds();
    assert_int_equal(parse(text, &cfg, msg), -1);
    assert_true(seconds() - t0 < 1.0);
    assert_non_null(strstr(msg, "t.yaml:2: config: "));
    free(text);
}

/* A config beyond 1 MiB is refused even when valid (comments). */
static void oversized_config_is_refused(void **state)
{
    (void)state;
    const char *head = "model: nsite\naxes: {N: [10], g: [1], T_L: [1], T_R: [1]}\n";
    size_t len = 2u << 20;
    char *text = malloc(len + 1);
    assert_non_null(text);
    memset(text, '#', len);
    memcpy(text, head, strlen(head));
    for (size_t i = strlen(head) + 80; i < len; i += 81) text[i] = '\n';
    text[len] = 0;
    sw_config cfg;
    char msg[SW_MSG_LEN];
    assert_int_equal(parse(text, &cfg, msg), -1);
    assert_non_null(strstr(msg, "larger than"));
    text[strlen(head)] = 0; /* and the head alone is fine */
    assert_int_equal(parse(text, &cfg, msg), 0);
    sw_config_free(&cfg);
    free(text);
}

/* N whose work arrays LAPACK cannot index is a config error with its line. */
static void unindexable_N_is_a_config_error(void **state)
{
    (void)state;
    sw_config cfg;
    char msg[SW_MSG_LEN];
    assert_int_equal(
        parse("model: nsite\naxes:\n  N: [10, 50000]\n  g: [1]\n  T_L: [1]\n  T_R: [1]\n", &cfg,
              msg),
        -1);
    assert_non_null(strstr(msg, "t.yaml:3: axes.N[1]"));
}

/* ---- memory under cgroup limits: fake /proc and /sys trees ---- */

static void put(const char *root, const char *rel, const char *text)
{
    char path[512], dir[512];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    for (char *s = strchr(path + strlen(root) + 1, '/'); s; s = strchr(s + 1, '/')) {
        snprintf(dir, sizeof dir, "%.*s", (int)(s - path), path);
        mkdir(dir, 0700);
    }
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void fake_tree(char *root, size_t len, const char *cgroup, const char *mountinfo)
{
    snprintf(root, len, "/tmp/qt_memlimit_XXXXXX");
    assert_non_null(mkdtemp(root));
    put(root, "proc/meminfo", "MemTotal: 16000000 kB\nMemAvailable: 8000000 kB\n");
    put(root, "proc/self/cgroup", cgroup);
    put(root, "proc/self/mountinfo", mountinfo);
}

static void remove_tree(const char *root)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    assert_int_equal(system(cmd), 0);
}

static void memory_respects_cgroup_v2(void **state)
{
    (void)state;
    char root[64];
    fake_tree(root, sizeof root, "0::/job/step\n",
              "30 23 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
    assert_true(qt_memory_available(root) == 8000000.0 * 1024); /* no limit files yet */
    put(root, "sys/fs/cgroup/job/memory.max", "400000000\n");   /* the job's limit */
    put(root, "sys/fs/cgroup/job/memory.current", "100000000\n");
    put(root, "sys/fs/cgroup/job/memory.stat", "anon 50000000\nfile 30000000\n");
    put(root, "sys/fs/cgroup/job/step/memory.max", "max\n"); /* the step: none of its own */
    assert_true(qt_memory_available(root) == 400e6 - (100e6 - 30e6));
    remove_tree(root);
}

static void memory_respects_cgroup_v1(void **state)
{
    (void)state;
    char root[64];
    fake_tree(root, sizeof root, "5:cpuacct,cpu:/slurm/job\n4:memory:/slurm/job\n0::/\n",
              "35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n");
    put(root, "sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n");
    put(root, "sys/fs/cgroup/memory/slurm/job/memory.limit_in_bytes", "400000000\n");
    put(root, "sys/fs/cgroup/memory/slurm/job/memory.usage_in_bytes", "0\n");
    assert_true(qt_memory_available(root) == 400e6);
    put(root, "sys/fs/cgroup/memory/slurm/memory.limit_in_bytes", "300000000\n"); /* parent */
    assert_true(qt_memory_available(root) == 300e6);
    remove_tree(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(workspace_estimate_never_wraps),
        cmocka_unit_test(huge_axis_is_refused_before_allocation),
        cmocka_unit_test(nan_is_found_before_filling),
        cmocka_unit_test(deep_nesting_is_refused_fast),
        cmocka_unit_test(many_anchors_are_refused_fast),
        cmocka_unit_test(oversized_config_is_refused),
        cmocka_unit_test(unindexable_N_is_a_config_error),
        cmocka_unit_test(memory_respects_cgroup_v2),
        cmocka_unit_test(memory_respects_cgroup_v1),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
