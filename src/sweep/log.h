/* Log lines on stderr tagged with the time and the rank (mpifileutils
 * style): "[2025-01-31 12:00:00] [qthermo sweep 0] message". */
#ifndef QT_SWEEP_LOG_H
#define QT_SWEEP_LOG_H

void sw_log(int rank, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Monotonic seconds. */
double sw_now(void);

#endif
