/* Strict parsing of command-line values: every failure prints one line
 * naming the option and the value, and returns nonzero. */
#ifndef QT_CLI_ARGS_H
#define QT_CLI_ARGS_H

int qt_arg_double(const char *opt, const char *text, double *out);
int qt_arg_int(const char *opt, const char *text, int *out);
/* Comma-separated list of exactly n doubles. */
int qt_arg_list(const char *opt, const char *text, double *out, int n);
/* Index of text in a NULL-terminated table of names, or -1 with a message. */
int qt_arg_choice(const char *opt, const char *text, const char *const *names);

#endif
