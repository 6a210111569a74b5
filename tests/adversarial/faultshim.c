/* LD_PRELOAD shim for fault injection: counts the write, sync, truncate,
 * rename and link calls a process makes on files under one directory and
 * fails the Nth of them with an errno, as a failing disk or a full file
 * system would.
 *
 *   QT_FAULT_DIR=/abs/dir   only calls on files (or paths) under this directory count
 *   QT_FAULT_AT=N           fail the Nth counted call (1-based; 0 or unset: only count)
 *   QT_FAULT_ERRNO=EIO      EIO (default), ENOSPC or EDQUOT
 *   QT_FAULT_STICKY=1       fail every counted call from the Nth on (a dead disk)
 *   QT_FAULT_REPORT=FILE    append "PID COUNT [INJECTED-CALL]" at exit
 *   QT_FAULT_TRACE=FILE     append "N CALL" for every counted call
 *
 * Test code only: never linked into qthermo. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static long counted, fail_at = -1;
static int fault_errno = EIO, sticky, configured;
static char dir[PATH_MAX], injected[64];

static void configure(void)
{
    if (configured) return;
    configured = 1;
    const char *d = getenv("QT_FAULT_DIR"), *at = getenv("QT_FAULT_AT");
    const char *e = getenv("QT_FAULT_ERRNO"), *s = getenv("QT_FAULT_STICKY");
    if (d) snprintf(dir, sizeof dir, "%s", d);
    if (at && atol(at) > 0) fail_at = atol(at);
    if (e && !strcmp(e, "ENOSPC")) fault_errno = ENOSPC;
    if (e && !strcmp(e, "EDQUOT")) fault_errno = EDQUOT;
    sticky = s && *s == '1';
}

static int under_dir(const char *path)
{
    size_t n = strlen(dir);
    return n && path && !strncmp(path, dir, n) && (path[n] == '/' || path[n] == 0);
}

static int fd_under_dir(int fd)
{
    char link[64], path[PATH_MAX];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    if (n <= 0) return 0;
    path[n] = 0;
    return under_dir(path);
}

/* Count a call that concerns the directory; nonzero when it must fail. */
static int fault(int concerns, const char *call)
{
    configure();
    if (!concerns) return 0;
    counted++;
    const char *t = getenv("QT_FAULT_TRACE");
    FILE *f = t ? fopen(t, "a") : NULL; /* outside the directory: not counted */
    if (f) fprintf(f, "%ld %s\n", counted, call), fclose(f);
    if (fail_at < 0 || counted < fail_at || (!sticky && counted > fail_at)) return 0;
    if (!injected[0]) snprintf(injected, sizeof injected, "%s#%ld", call, counted);
    errno = fault_errno;
    return 1;
}

__attribute__((destructor)) static void report(void)
{
    const char *r = getenv("QT_FAULT_REPORT");
    if (!r || !counted) return;
    FILE *f = fopen(r, "a");
    if (!f) return;
    fprintf(f, "%ld %ld %s\n", (long)getpid(), counted, injected[0] ? injected : "-");
    fclose(f);
}

#define REAL(name, ret, ...)                                                                       \
    static ret (*real)(__VA_ARGS__);                                                               \
    if (!real) real = (ret(*)(__VA_ARGS__))dlsym(RTLD_NEXT, name)

ssize_t write(int fd, const void *buf, size_t n)
{
    REAL("write", ssize_t, int, const void *, size_t);
    return fault(fd > 2 && fd_under_dir(fd), "write") ? -1 : real(fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    REAL("pwrite", ssize_t, int, const void *, size_t, off_t);
    return fault(fd_under_dir(fd), "pwrite") ? -1 : real(fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off)
{
    REAL("pwrite64", ssize_t, int, const void *, size_t, off_t);
    return fault(fd_under_dir(fd), "pwrite") ? -1 : real(fd, buf, n, off);
}

ssize_t writev(int fd, const struct iovec *v, int n)
{
    REAL("writev", ssize_t, int, const struct iovec *, int);
    return fault(fd > 2 && fd_under_dir(fd), "writev") ? -1 : real(fd, v, n);
}

ssize_t pwritev(int fd, const struct iovec *v, int n, off_t off)
{
    REAL("pwritev", ssize_t, int, const struct iovec *, int, off_t);
    return fault(fd_under_dir(fd), "pwritev") ? -1 : real(fd, v, n, off);
}

int fsync(int fd)
{
    REAL("fsync", int, int);
    return fault(fd_under_dir(fd), "fsync") ? -1 : real(fd);
}

int fdatasync(int fd)
{
    REAL("fdatasync", int, int);
    return fault(fd_under_dir(fd), "fdatasync") ? -1 : real(fd);
}

int sync_file_range(int fd, off_t off, off_t n, unsigned int flags)
{
    REAL("sync_file_range", int, int, off_t, off_t, unsigned int);
    return fault(fd_under_dir(fd), "sync_file_range") ? -1 : real(fd, off, n, flags);
}

int ftruncate(int fd, off_t len)
{
    REAL("ftruncate", int, int, off_t);
    return fault(fd_under_dir(fd), "ftruncate") ? -1 : real(fd, len);
}

int ftruncate64(int fd, off_t len)
{
    REAL("ftruncate64", int, int, off_t);
    return fault(fd_under_dir(fd), "ftruncate") ? -1 : real(fd, len);
}

int rename(const char *a, const char *b)
{
    REAL("rename", int, const char *, const char *);
    char abs[PATH_MAX];
    return fault(under_dir(realpath(a, abs)), "rename") ? -1 : real(a, b);
}

int renameat(int da, const char *a, int db, const char *b)
{
    REAL("renameat", int, int, const char *, int, const char *);
    char abs[PATH_MAX];
    return fault(under_dir(realpath(a, abs)), "rename") ? -1 : real(da, a, db, b);
}

int link(const char *a, const char *b)
{
    REAL("link", int, const char *, const char *);
    char abs[PATH_MAX];
    return fault(under_dir(realpath(a, abs)), "link") ? -1 : real(a, b);
}

int linkat(int da, const char *a, int db, const char *b, int flags)
{
    REAL("linkat", int, int, const char *, int, const char *, int);
    char abs[PATH_MAX];
    return fault(under_dir(realpath(a, abs)), "link") ? -1 : real(da, a, db, b, flags);
}
