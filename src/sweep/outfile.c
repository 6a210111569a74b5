#define _GNU_SOURCE /* F_OFD_SETLK, fsetxattr */
#include "outfile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "log.h"

#define OWNER_XATTR "user.qthermo.owner"

/* ---- locks ------------------------------------------------------------- */

enum { LOCK_TAKEN = 0, LOCK_BUSY = 1, LOCK_NONE = 2 }; /* NONE: no locks here */

/* Exclusive (fd open for writing) or shared lock on the whole file,
 * without waiting. */
static int try_lock(int fd, int exclusive)
{
    struct flock fl;
    memset(&fl, 0, sizeof fl);
    fl.l_type = exclusive ? F_WRLCK : F_RDLCK;
    fl.l_whence = SEEK_SET;
    if (!fcntl(fd, F_OFD_SETLK, &fl)) return LOCK_TAKEN;
    if (errno == EAGAIN || errno == EACCES) return LOCK_BUSY;
    return LOCK_NONE; /* ENOLCK, EOPNOTSUPP, EINVAL: a file system without locks */
}

/* "pid 123 on host" of the holder, from its note. */
static void owner_of(int fd, char *buf, size_t len)
{
    char note[256];
    ssize_t n = fgetxattr(fd, OWNER_XATTR, note, sizeof note - 1);
    if (n <= 0) {
        snprintf(buf, len, "another process");
        return;
    }
    note[n] = 0;
    snprintf(buf, len, "qthermo sweep %s", note);
}

/* Lock fd for this run: 0; -1 busy (msg names the holder). */
static int lock_or_explain(int fd, int exclusive, const char *path, char *msg, size_t msglen)
{
    int r = try_lock(fd, exclusive);
    if (r == LOCK_NONE) {
        sw_log(0,
               "warning: %s: the file system has no file locks (%s); a second run on the same "
               "file would not be stopped",
               path, strerror(errno));
        return 0;
    }
    if (r == LOCK_TAKEN) return 0;
    char who[300];
    owner_of(fd, who, sizeof who);
    snprintf(msg, msglen,
             "%s is being written by %s; not touching it (one writer per file: wait for it to "
             "end or stop it)",
             path, who);
    return -1;
}

/* The same file at path as the one open at fd? */
static int same_file(int fd, const char *path)
{
    struct stat a, b;
    return !fstat(fd, &a) && !stat(path, &b) && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* ---- what -o names ------------------------------------------------------ */

/* Open an existing -o without blocking (a FIFO would block open()), check
 * it is a regular file, lock it. 0 or -1 (msg). */
static int open_existing(sw_outfile *o, int *fd_out, char *msg, size_t msglen)
{
    int fd = open(o->path, O_RDWR | O_NONBLOCK | O_CLOEXEC), exclusive = 1;
    if (fd < 0 && (errno == EACCES || errno == EROFS))
        fd = open(o->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC), exclusive = 0;
    if (fd < 0) return snprintf(msg, msglen, "-o %s: %s", o->path, strerror(errno)), -1;
    struct stat st;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
        close(fd);
        return snprintf(msg, msglen, "-o %s: not a regular file", o->path), -1;
    }
    if (lock_or_explain(fd, exclusive, o->path, msg, msglen) || !same_file(fd, o->path)) {
        if (!msg[0] || !strstr(msg, "being written"))
            snprintf(msg, msglen, "-o %s: replaced by another process while starting", o->path);
        close(fd);
        return -1;
    }
    *fd_out = fd;
    return 0;
}

/* What -o names before anything is done: nothing, or a regular file. */
static int check_name(sw_outfile *o, int resume, int force, int *exists, char *msg, size_t msglen)
{
    struct stat st, lst;
    if (!o->path[0]) return snprintf(msg, msglen, "-o: empty file name"), -1;
    const int found = stat(o->path, &st) == 0, err = errno;
    if (!found && lstat(o->path, &lst) == 0 && S_ISLNK(lst.st_mode))
        return snprintf(msg, msglen,
                        "-o %s: a symbolic link to nothing (dangling); give the "
                        "real path",
                        o->path),
               -1;
    if (!found && err != ENOENT)
        return snprintf(msg, msglen, "-o %s: %s", o->path, strerror(err)), -1;
    if (found && S_ISDIR(st.st_mode))
        return snprintf(msg, msglen, "-o %s: is a directory", o->path), -1;
    if (found && !S_ISREG(st.st_mode))
        return snprintf(msg, msglen, "-o %s: not a regular file (a FIFO, socket or device)",
                        o->path),
               -1;
    if (found && !resume && !force)
        return snprintf(msg, msglen,
                        "%s exists; not touching it (use --resume to continue it or --force to "
                        "replace it)",
                        o->path),
               -1;
    *exists = found;
    return 0;
}

/* ---- leftovers ---------------------------------------------------------- */

/* PATH.tmp.DIGITS of a run that is gone (nobody holds its lock): remove. */
static void remove_if_dead(sw_outfile *o, const char *name)
{
    char full[2 * SW_PATH_LEN + 2];
    snprintf(full, sizeof full, "%s/%s", o->dir, name);
    int fd = open(full, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return;
    struct stat st;
    if (!fstat(fd, &st) && S_ISREG(st.st_mode) && try_lock(fd, 1) == LOCK_TAKEN &&
        same_file(fd, full) && !unlink(full)) {
        o->removed_leftovers++;
        sw_log(0, "removed %s, left by a run that ended before its file was in place", full);
    }
    close(fd);
}

static void remove_leftovers(sw_outfile *o)
{
    char base[SW_PATH_LEN], prefix[SW_PATH_LEN + 8];
    snprintf(base, sizeof base, "%s", o->path);
    snprintf(prefix, sizeof prefix, "%s.tmp.", basename(base));
    const size_t np = strlen(prefix);
    DIR *d = opendir(o->dir);
    if (!d) return;
    for (struct dirent *e; (e = readdir(d));) {
        const char *digits = e->d_name + np;
        if (strncmp(e->d_name, prefix, np) || !*digits ||
            strspn(digits, "0123456789") != strlen(digits))
            continue;
        remove_if_dead(o, e->d_name);
    }
    closedir(d);
}

/* ---- the plan ----------------------------------------------------------- */

int sw_outfile_plan(sw_outfile *o, const char *path, int resume, int force, char *msg,
                    size_t msglen)
{
    memset(o, 0, sizeof *o);
    o->path = path;
    o->fd = o->old_fd = -1;
    msg[0] = 0;
    int exists = 0;
    if (check_name(o, resume, force, &exists, msg, msglen)) return -1;
    char dirbuf[SW_PATH_LEN];
    snprintf(dirbuf, sizeof dirbuf, "%s", path);
    snprintf(o->dir, sizeof o->dir, "%s", dirname(dirbuf));
    o->mode = exists && resume ? SW_OUT_RESUME : force ? SW_OUT_FORCE : SW_OUT_CREATE;
    if (exists && open_existing(o, o->mode == SW_OUT_RESUME ? &o->fd : &o->old_fd, msg, msglen))
        return -1;
    if (o->mode == SW_OUT_RESUME) return 0; /* a writable file is enough */
    if (access(o->dir, W_OK | X_OK))
        return snprintf(msg, msglen, "-o %s: cannot write in directory %s: %s", path, o->dir,
                        strerror(errno)),
               -1;
    snprintf(o->tmp, sizeof o->tmp, "%s.tmp.%ld", path, (long)getpid());
    remove_leftovers(o);
    return 0;
}

int sw_outfile_new_tmp(sw_outfile *o, char *msg, size_t msglen)
{
    o->fd = open(o->tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (o->fd < 0) return snprintf(msg, msglen, "%s: %s", o->tmp, strerror(errno)), -1;
    if (try_lock(o->fd, 1) == LOCK_BUSY) /* cannot happen to a new file, unless it was replaced */
        return snprintf(msg, msglen, "%s: locked by another process", o->tmp), -1;
    return 0;
}

/* fsync of the directory: the new name survives a crash. */
static int sync_dir(const char *dir, char *msg, size_t msglen)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return snprintf(msg, msglen, "%s: %s", dir, strerror(errno)), -1;
    int rc = fsync(fd);
    if (rc && errno != EINVAL) /* some file systems cannot sync directories */
        snprintf(msg, msglen, "fsync of directory %s: %s", dir, strerror(errno));
    else
        rc = 0;
    close(fd);
    return rc ? -1 : 0;
}

static int link_new(sw_outfile *o, char *msg, size_t msglen)
{
    if (!link(o->tmp, o->path)) return unlink(o->tmp), 0;
    if (errno == EEXIST)
        return snprintf(msg, msglen, "%s appeared while the sweep started; not touching it",
                        o->path),
               2;
    struct stat st; /* file systems without hard links */
    if (stat(o->path, &st) == 0)
        return snprintf(msg, msglen, "%s exists; not touching it", o->path), 2;
    if (rename(o->tmp, o->path))
        return snprintf(msg, msglen, "rename %s -> %s: %s", o->tmp, o->path, strerror(errno)), -1;
    return 0;
}

int sw_outfile_place(sw_outfile *o, char *msg, size_t msglen)
{
    if (!same_file(o->fd, o->tmp))
        return snprintf(msg, msglen, "%s was replaced by another process", o->tmp), -1;
    if (o->mode == SW_OUT_FORCE) {
        if (rename(o->tmp, o->path))
            return snprintf(msg, msglen, "rename %s -> %s: %s", o->tmp, o->path, strerror(errno)),
                   -1;
    } else {
        int rc = link_new(o, msg, msglen);
        if (rc) return rc;
    }
    o->tmp[0] = 0;
    if (o->old_fd >= 0) close(o->old_fd), o->old_fd = -1; /* the old file is gone */
    return sync_dir(o->dir, msg, msglen);
}

void sw_outfile_mark_owner(sw_outfile *o)
{
    char host[256] = "?", note[320];
    gethostname(host, sizeof host - 1);
    snprintf(note, sizeof note, "pid %ld on %s", (long)getpid(), host);
    if (o->fd >= 0) fsetxattr(o->fd, OWNER_XATTR, note, strlen(note), 0);
}

void sw_outfile_drop_tmp(sw_outfile *o)
{
    if (o->tmp[0] && o->fd >= 0 && same_file(o->fd, o->tmp)) unlink(o->tmp);
    o->tmp[0] = 0;
}

void sw_outfile_release(sw_outfile *o)
{
    if (o->fd >= 0) {
        fremovexattr(o->fd, OWNER_XATTR);
        close(o->fd);
    }
    if (o->old_fd >= 0) close(o->old_fd);
    o->fd = o->old_fd = -1;
}
