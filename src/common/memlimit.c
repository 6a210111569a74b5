/* Available memory under cgroup limits (see memlimit.h).
 *
 * The process's cgroups are named in /proc/self/cgroup ("0::/PATH" for the
 * unified v2 hierarchy, "ID:memory:/PATH" for the v1 memory controller);
 * /proc/self/mountinfo says where each hierarchy is mounted and which of its
 * directories the mount shows. A limit on any ancestor applies too, so the
 * walk goes from the process's directory up to the mount point. The room
 * left under a limit is the limit minus the usage, plus the page cache the
 * kernel reclaims before it kills anything. */
#include "memlimit.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { CG_V1, CG_V2, CG_KINDS };

/* Files of a memory cgroup directory, per hierarchy version. */
static const struct {
    const char *limit, *usage, *cache_key;
} cg_files[CG_KINDS] = {
    [CG_V1] = {"memory.limit_in_bytes", "memory.usage_in_bytes", "total_cache"},
    [CG_V2] = {"memory.max", "memory.current", "file"},
};

/* First number in a file; "max" (v2: no limit) and errors give -1. */
static double read_number(const char *dir, const char *name)
{
    char path[PATH_MAX], buf[64] = "";
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    char *got = fgets(buf, sizeof buf, f);
    fclose(f);
    char *end;
    double v = got ? strtod(buf, &end) : -1;
    return got && end != buf && v >= 0 ? v : -1;
}

/* Value of "KEY NUMBER" in a file such as memory.stat or meminfo, or -1. */
static double read_keyed(const char *dir, const char *name, const char *key)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    char line[256];
    double v = -1;
    size_t kl = strlen(key);
    if (!f) return -1;
    while (v < 0 && fgets(line, sizeof line, f))
        if (!strncmp(line, key, kl) && (line[kl] == ' ' || line[kl] == ':'))
            v = strtod(line + kl + 1, NULL);
    fclose(f);
    return v;
}

/* Room under the limit of one cgroup directory, or -1 when it has none. */
static double room_in(const char *dir, int kind)
{
    double limit = read_number(dir, cg_files[kind].limit);
    if (limit < 0 || limit >= 0x1p62) return -1; /* v1 writes "no limit" as ~2^63 */
    double usage = read_number(dir, cg_files[kind].usage);
    double cache = read_keyed(dir, "memory.stat", cg_files[kind].cache_key);
    double used = (usage > 0 ? usage : 0) - (cache > 0 ? cache : 0);
    double room = limit - (used > 0 ? used : 0);
    return room > 0 ? room : 0;
}

static double min_known(double a, double b)
{
    if (a < 0) return b;
    if (b < 0) return a;
    return a < b ? a : b;
}

/* Smallest room from dir up to (and including) the mount point base. */
static double walk_up(char *dir, size_t base_len, int kind)
{
    double best = -1;
    for (;;) {
        best = min_known(best, room_in(dir, kind));
        char *slash = strrchr(dir, '/');
        if (!slash || (size_t)(slash - dir) < base_len) break;
        *slash = 0;
    }
    return best;
}

/* Mount of hierarchy `kind` in mountinfo: its mount point and the cgroup
 * directory it shows. Returns 0 when found. */
static int find_mount(const char *root, int kind, char *point, char *shown, size_t len)
{
    char path[PATH_MAX], line[4096];
    snprintf(path, sizeof path, "%s/proc/self/mountinfo", root);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    int found = -1;
    while (found && fgets(line, sizeof line, f)) {
        char mroot[1024], mpoint[1024], fstype[64], opts[1024];
        const char *sep = strstr(line, " - ");
        if (!sep || sscanf(line, "%*s %*s %*s %1023s %1023s", mroot, mpoint) != 2 ||
            sscanf(sep + 3, "%63s %*s %1023s", fstype, opts) != 2)
            continue;
        int match = kind == CG_V2 ? !strcmp(fstype, "cgroup2")
                                  : !strcmp(fstype, "cgroup") && strstr(opts, "memory");
        if (match) {
            snprintf(point, len, "%s", mpoint);
            snprintf(shown, len, "%s", mroot);
            found = 0;
        }
    }
    fclose(f);
    return found;
}

/* Room under the limits of one /proc/self/cgroup entry (-1: none known). */
static double cgroup_room(const char *root, int kind, const char *cgpath)
{
    char point[1024], shown[1024], dir[PATH_MAX];
    if (find_mount(root, kind, point, shown, sizeof point)) return -1;
    size_t sl = strlen(shown);
    const char *rel = cgpath;
    if (strcmp(shown, "/") && !strncmp(cgpath, shown, sl)) rel = cgpath + sl;
    if (!strcmp(rel, "/")) rel = "";
    int base = snprintf(dir, sizeof dir, "%s%s", root, point);
    if (base < 0 || (size_t)base >= sizeof dir) return -1;
    snprintf(dir + base, sizeof dir - (size_t)base, "%s", rel);
    return walk_up(dir, (size_t)base, kind);
}

double qt_memory_available(const char *root)
{
    char path[PATH_MAX], line[2048];
    snprintf(path, sizeof path, "%s/proc", root);
    double kb = read_keyed(path, "meminfo", "MemAvailable");
    double best = kb >= 0 ? kb * 1024 : -1;
    snprintf(path, sizeof path, "%s/proc/self/cgroup", root);
    FILE *f = fopen(path, "r");
    if (!f) return best;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2) continue;
        *c2 = 0;
        const char *ctrl = c1 + 1, *cgpath = c2 + 1;
        int v2 = !strncmp(line, "0:", 2) && !*ctrl;
        int v1 =
            !v2 && (!strcmp(ctrl, "memory") || strstr(ctrl, "memory,") || strstr(ctrl, ",memory"));
        if (v1 || v2) best = min_known(best, cgroup_room(root, v2 ? CG_V2 : CG_V1, cgpath));
    }
    fclose(f);
    return best;
}

void qt_touch_pages(void *p, size_t n)
{
    volatile char *c = p; /* volatile: a write of zeros after malloc may become calloc */
    for (size_t i = 0; c && i < n; i += 4096) c[i] = 0;
}
