#include "args.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int qt_arg_double(const char *opt, const char *text, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || errno == ERANGE || !isfinite(v)) {
        fprintf(stderr, "qthermo: option %s: '%s' is not a finite number\n", opt, text);
        return 1;
    }
    *out = v;
    return 0;
}

int qt_arg_int(const char *opt, const char *text, int *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (end == text || *end != '\0' || errno == ERANGE || v < INT_MIN || v > INT_MAX) {
        fprintf(stderr, "qthermo: option %s: '%s' is not an integer\n", opt, text);
        return 1;
    }
    *out = (int)v;
    return 0;
}

int qt_arg_list(const char *opt, const char *text, double *out, int n)
{
    const char *s = text;
    for (int i = 0; i < n; i++) {
        char *end = NULL;
        errno = 0;
        double v = strtod(s, &end);
        int last = i == n - 1;
        if (end == s || errno == ERANGE || !isfinite(v) || (last ? *end != '\0' : *end != ',')) {
            fprintf(stderr,
                    "qthermo: option %s: '%s' is not a list of %d comma-separated numbers\n", opt,
                    text, n);
            return 1;
        }
        out[i] = v;
        s = end + 1;
    }
    return 0;
}

int qt_arg_choice(const char *opt, const char *text, const char *const *names)
{
    for (int i = 0; names[i]; i++)
        if (!strcmp(text, names[i])) return i;
    fprintf(stderr, "qthermo: option %s: unknown value '%s' (expected", opt, text);
    for (int i = 0; names[i]; i++) fprintf(stderr, "%s%s", i ? " | " : " ", names[i]);
    fprintf(stderr, ")\n");
    return -1;
}
