/* LD_PRELOAD shim for the durability tests: records what a process writes
 * to selected files and when it syncs them, and can make one call fail.
 *
 *   QTHERMO_IOTRACE=LOG          append one record per call to LOG
 *   QTHERMO_IOTRACE_MATCH=TEXT   only files whose path contains TEXT (and
 *                                fsyncs of directories) are traced
 *   QTHERMO_IOFAULT=KIND:N:ERRNO make the Nth call of KIND on a matching
 *                                file fail with ERRNO (a number); "+N": that
 *                                call and every later one. KIND: write,
 *                                sync (fsync/fdatasync), rename (rename/link),
 *                                write@OFFSET (writes at that file offset)
 *
 * A record is a fixed header (struct rec) followed by the written bytes
 * (writes only). Python reads it with struct "<IIqQQqq256s". */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

enum {
    OP_WRITE = 1,
    OP_FSYNC = 2, /* logged when the call returned */
    OP_FDATASYNC = 3,
    OP_RENAME = 4,
    OP_LINK = 5,
    OP_TRUNC = 6,
    OP_SYNCSTART = 7 /* logged before an fsync / fdatasync call */
};

struct rec {
    uint32_t magic, op;
    int64_t pid;
    uint64_t dev, ino;
    int64_t off, len;
    char path[256]; /* the file; rename / link: "OLD\nNEW" */
};

static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_pwritev)(int, const struct iovec *, int, off_t);
static int (*real_fsync)(int), (*real_fdatasync)(int);
static int (*real_rename)(const char *, const char *), (*real_link)(const char *, const char *);
static int (*real_ftruncate)(int, off_t);

static void init(void)
{
    if (real_pwrite) return;
    real_pwrite = dlsym(RTLD_NEXT, "pwrite");
    real_write = dlsym(RTLD_NEXT, "write");
    real_pwritev = dlsym(RTLD_NEXT, "pwritev");
    real_fsync = dlsym(RTLD_NEXT, "fsync");
    real_fdatasync = dlsym(RTLD_NEXT, "fdatasync");
    real_rename = dlsym(RTLD_NEXT, "rename");
    real_link = dlsym(RTLD_NEXT, "link");
    real_ftruncate = dlsym(RTLD_NEXT, "ftruncate");
}

/* The path of fd if it is traced (or a directory when dirs is set). */
static int traced(int fd, char *path, size_t len, struct stat *st, int dirs)
{
    const char *match = getenv("QTHERMO_IOTRACE_MATCH");
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, len - 1);
    if (n < 0 || fstat(fd, st)) return 0;
    path[n] = 0;
    if (dirs && S_ISDIR(st->st_mode)) return 1;
    return S_ISREG(st->st_mode) && match && strstr(path, match);
}

static void log_rec(uint32_t op, const struct stat *st, const char *path, int64_t off,
                    const struct iovec *iov, int iovcnt, int64_t len)
{
    const char *log = getenv("QTHERMO_IOTRACE");
    if (!log) return;
    size_t data = op == OP_WRITE ? (size_t)len : 0;
    char *buf = malloc(sizeof(struct rec) + data);
    if (!buf) return;
    struct rec r;
    memset(&r, 0, sizeof r);
    r.magic = 0x51494f54;
    r.op = op;
    r.pid = getpid();
    r.dev = st ? (uint64_t)st->st_dev : 0;
    r.ino = st ? (uint64_t)st->st_ino : 0;
    r.off = off;
    r.len = len;
    snprintf(r.path, sizeof r.path, "%s", path);
    memcpy(buf, &r, sizeof r);
    size_t pos = sizeof r;
    for (int i = 0; i < iovcnt && data; i++) {
        size_t n = iov[i].iov_len < data ? iov[i].iov_len : data;
        memcpy(buf + pos, iov[i].iov_base, n);
        pos += n, data -= n;
    }
    int fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0) {
        real_write(fd, buf, pos); /* one append: one record */
        close(fd);
    }
    free(buf);
}

/* Should this call fail? Counts calls of `kind` ("write", "sync",
 * "rename", or "write@OFFSET") on traced files. */
static int fault(const char *kind)
{
    static char seen[8][32];
    static int counts[8];
    const char *spec = getenv("QTHERMO_IOFAULT");
    char want[32];
    int n, err, plus = 0, k;
    if (!spec || sscanf(spec, "%31[^:]:", want) != 1 || strcmp(want, kind)) return 0;
    const char *p = strchr(spec, ':') + 1;
    if (*p == '+') plus = 1, p++;
    if (sscanf(p, "%d:%d", &n, &err) != 2) return 0;
    for (k = 0; k < 7 && seen[k][0] && strcmp(seen[k], kind); k++)
        ;
    snprintf(seen[k], sizeof seen[k], "%s", kind);
    int c = ++counts[k];
    return c == n || (plus && c > n) ? err : 0;
}

static ssize_t traced_write(int fd, const struct iovec *iov, int iovcnt, off_t off, int positional)
{
    char path[256];
    struct stat st;
    if (!traced(fd, path, sizeof path, &st, 0)) return -2;
    if (!positional) off = lseek(fd, 0, SEEK_CUR);
    char at[32];
    snprintf(at, sizeof at, "write@%lld", (long long)off);
    int err = fault("write");
    if (!err) err = fault(at);
    if (err) {
        errno = err;
        return -1;
    }
    ssize_t w = positional ? real_pwritev(fd, iov, iovcnt, off) : -1;
    if (!positional) {
        w = 0;
        for (int i = 0; i < iovcnt; i++) {
            ssize_t x = real_write(fd, iov[i].iov_base, iov[i].iov_len);
            if (x < 0) return x;
            w += x;
        }
    }
    if (w > 0) log_rec(OP_WRITE, &st, path, off, iov, iovcnt, w);
    return w;
}

ssize_t pwrite(int fd, const void *b, size_t n, off_t off)
{
    init();
    struct iovec v = {(void *)b, n};
    ssize_t r = traced_write(fd, &v, 1, off, 1);
    return r == -2 ? real_pwrite(fd, b, n, off) : r;
}
ssize_t pwrite64(int fd, const void *b, size_t n, off_t off) __attribute__((alias("pwrite")));

ssize_t write(int fd, const void *b, size_t n)
{
    init();
    struct iovec v = {(void *)b, n};
    ssize_t r = traced_write(fd, &v, 1, 0, 0);
    return r == -2 ? real_write(fd, b, n) : r;
}

ssize_t pwritev(int fd, const struct iovec *iov, int cnt, off_t off)
{
    init();
    ssize_t r = traced_write(fd, iov, cnt, off, 1);
    return r == -2 ? real_pwritev(fd, iov, cnt, off) : r;
}
ssize_t pwritev64(int fd, const struct iovec *iov, int cnt, off_t off)
    __attribute__((alias("pwritev")));

static int traced_sync(int fd, int data_only)
{
    char path[256];
    struct stat st;
    if (!traced(fd, path, sizeof path, &st, 1))
        return data_only ? real_fdatasync(fd) : real_fsync(fd);
    int err = fault("sync");
    if (err) {
        errno = err;
        return -1;
    }
    log_rec(OP_SYNCSTART, &st, path, 0, NULL, 0, 0); /* writes logged after it may race it */
    int rc = data_only ? real_fdatasync(fd) : real_fsync(fd);
    if (!rc) log_rec(data_only ? OP_FDATASYNC : OP_FSYNC, &st, path, 0, NULL, 0, 0);
    return rc;
}

int fsync(int fd)
{
    init();
    return traced_sync(fd, 0);
}
int fdatasync(int fd)
{
    init();
    return traced_sync(fd, 1);
}

int ftruncate(int fd, off_t len)
{
    init();
    char path[256];
    struct stat st;
    int t = traced(fd, path, sizeof path, &st, 0);
    int rc = real_ftruncate(fd, len);
    if (t && !rc) log_rec(OP_TRUNC, &st, path, len, NULL, 0, 0);
    return rc;
}
int ftruncate64(int fd, off_t len) __attribute__((alias("ftruncate")));

static int traced_name(int op, const char *a, const char *b)
{
    const char *match = getenv("QTHERMO_IOTRACE_MATCH");
    int t = match && (strstr(a, match) || strstr(b, match));
    if (t) {
        int err = fault("rename");
        if (err) {
            errno = err;
            return -1;
        }
    }
    int rc = op == OP_RENAME ? real_rename(a, b) : real_link(a, b);
    if (t && !rc) {
        char both[256];
        snprintf(both, sizeof both, "%s\n%s", a, b);
        log_rec((uint32_t)op, NULL, both, 0, NULL, 0, 0);
    }
    return rc;
}

int rename(const char *a, const char *b)
{
    init();
    return traced_name(OP_RENAME, a, b);
}
int link(const char *a, const char *b)
{
    init();
    return traced_name(OP_LINK, a, b);
}
