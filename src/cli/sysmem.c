#include "sysmem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double meminfo_available(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    char line[256];
    double kb = 0.0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "MemAvailable: %lf kB", &kb) == 1) break;
    if (f) fclose(f);
    return kb * 1024.0;
}

/* The first number in a file, or 0 ("max" and absent files: no limit). */
static double file_number(const char *path)
{
    FILE *f = fopen(path, "r");
    double v = 0.0;
    if (f && fscanf(f, "%lf", &v) != 1) v = 0.0;
    if (f) fclose(f);
    return v;
}

/* Limit minus usage of this process's cgroup, or 0 if it has none. */
static double cgroup_headroom(void)
{
    FILE *f = fopen("/proc/self/cgroup", "r");
    char line[1024], path[1200];
    double best = 0.0;
    while (f && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *rel = strrchr(line, ':'), *ctl = strchr(line, ':');
        if (!rel || !ctl) continue;
        int v2 = !strncmp(line, "0::", 3), v1 = strstr(ctl, "memory") && ctl < rel;
        if (!v2 && !v1) continue;
        const char *dir = v2 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/memory";
        snprintf(path, sizeof path, "%s%s/%s", dir, rel + 1,
                 v2 ? "memory.max" : "memory.limit_in_bytes");
        double limit = file_number(path);
        snprintf(path, sizeof path, "%s%s/%s", dir, rel + 1,
                 v2 ? "memory.current" : "memory.usage_in_bytes");
        double used = file_number(path);
        if (limit > 0.0 && limit < 1e18 && (best == 0.0 || limit - used < best))
            best = limit > used ? limit - used : 1.0;
    }
    if (f) fclose(f);
    return best;
}

double qt_memory_available(void)
{
    double avail = meminfo_available(), cg = cgroup_headroom();
    if (cg > 0.0 && (avail == 0.0 || cg < avail)) return cg;
    return avail;
}
