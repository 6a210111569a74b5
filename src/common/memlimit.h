/* Memory this process may still use: the kernel's MemAvailable, lowered by
 * every cgroup memory limit on the process's cgroup path (a Slurm --mem
 * limit, a container limit), so a point or a sweep that would be killed by
 * the cgroup's OOM killer is refused up front instead. One implementation
 * for `qthermo point` (src/cli) and `qthermo sweep` (src/sweep). */
#ifndef QT_COMMON_MEMLIMIT_H
#define QT_COMMON_MEMLIMIT_H

/* Bytes still available, or -1 when nothing is known. `root` prefixes the
 * /proc and /sys paths read: "" for the running system, a directory holding
 * a fake proc/ and sys/ tree in tests. */
double qt_memory_available(const char *root);

#endif
