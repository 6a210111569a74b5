/* Memory a process may still use: MemAvailable, capped by the limit of its
 * cgroup (v2 memory.max, v1 memory.limit_in_bytes) as under Slurm --mem. */
#ifndef QT_CLI_SYSMEM_H
#define QT_CLI_SYSMEM_H

/* Bytes, or 0 if unknown. */
double qt_memory_available(void);

#endif
