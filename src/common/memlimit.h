/* Memory this process may still use: the kernel's MemAvailable, lowered by
 * every cgroup memory limit on the process's cgroup path (a Slurm --mem
 * limit, a container limit), so a point or a sweep that would be killed by
 * the cgroup's OOM killer is refused up front instead. One implementation
 * for `qthermo point` (src/cli) and `qthermo sweep` (src/sweep). */
#ifndef QT_COMMON_MEMLIMIT_H
#define QT_COMMON_MEMLIMIT_H

#include <stddef.h>

/* Bytes still available, or -1 when nothing is known. `root` prefixes the
 * /proc and /sys paths read: "" for the running system, a directory holding
 * a fake proc/ and sys/ tree in tests. */
double qt_memory_available(const char *root);

/* Touch every page of a fresh allocation: the kernel then provides (and
 * zeroes) them now, in a run's setup, not inside its first batch; and
 * memory the system cannot give fails here, before any work. */
void qt_touch_pages(void *p, size_t n);

#endif
