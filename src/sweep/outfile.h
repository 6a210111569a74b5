/* The results file in the file system (rank 0): what -o may name, one
 * writer per file (an advisory lock held for the whole run), the temporary
 * name a new file is laid out under, leftovers of dead runs, and putting
 * the new file at its name durably (rename, then fsync of the directory).
 *
 * The lock is an open-file-description lock (fcntl F_OFD_SETLK) on the file
 * itself: it belongs to this run's descriptor, so HDF5 opening and closing
 * the same file does not drop it, and it dies with the process. The holder
 * writes "pid PID on HOST" into the extended attribute user.qthermo.owner so
 * that a refused run can name it. On a file system without locks (ENOLCK,
 * EOPNOTSUPP) the run goes on with a warning and nothing stops a second
 * writer. */
#ifndef QT_SWEEP_OUTFILE_H
#define QT_SWEEP_OUTFILE_H

#include <stddef.h>

#define SW_PATH_LEN 4096

enum { SW_OUT_CREATE = 0, SW_OUT_FORCE = 1, SW_OUT_RESUME = 2 };

typedef struct {
    const char *path;      /* -o */
    char dir[SW_PATH_LEN]; /* its directory */
    char tmp[SW_PATH_LEN]; /* PATH.tmp.PID: where a new file is laid out */
    int mode;              /* SW_OUT_* */
    int fd;                /* locked descriptor of the file this run writes, or -1 */
    int old_fd;            /* --force: locked descriptor of the file being replaced, or -1 */
    int removed_leftovers; /* temporary files of dead runs removed */
} sw_outfile;

/* Decide the mode from the flags, check what -o names (a regular file or
 * nothing; not a directory, FIFO, device, dangling link or ""), take the
 * lock of an existing file (busy: message naming the holder), check the
 * directory when a new file is needed, and remove temporary files of dead
 * runs. 0, or -1 with msg (bad input: exit 2). */
int sw_outfile_plan(sw_outfile *o, const char *path, int resume, int force, char *msg,
                    size_t msglen);

/* Create the empty temporary file and lock it. 0 or -1 (msg). */
int sw_outfile_new_tmp(sw_outfile *o, char *msg, size_t msglen);

/* Put the laid-out temporary file at its name (--force: atomic rename
 * over the old file; else link, which refuses to clobber a file that
 * appeared meanwhile) and fsync the directory. 0; 2 (a file appeared:
 * msg); -1 (I/O: msg). */
int sw_outfile_place(sw_outfile *o, char *msg, size_t msglen);

/* Record this process as the writer (user.qthermo.owner; best effort). */
void sw_outfile_mark_owner(sw_outfile *o);

/* Remove the temporary file if it is still there (a failed create). */
void sw_outfile_drop_tmp(sw_outfile *o);

/* End of the run: the owner note removed, the locks released. */
void sw_outfile_release(sw_outfile *o);

#endif
