#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

void sw_log(int rank, const char *fmt, ...)
{
    char when[32], text[1024];
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    fprintf(stderr, "[%s] [qthermo sweep %d] %s\n", when, rank, text); /* one call: one line */
    fflush(stderr);
}

double sw_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
