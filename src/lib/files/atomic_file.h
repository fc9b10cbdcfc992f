/* atomic_file.h - the one place that writes output files, so that no crash,
 * signal or full disk leaves one half-written, and no output destroys
 * something that is not a plain file.
 *
 * What a write does depends on what the name is now:
 *  - absent or a regular file: the data go to a new temporary file beside
 *    the target, TARGET.tmp-XXXXXX (six random letters or digits, created
 *    with O_EXCL, so two writers never share one), which is flushed,
 *    fsync'd and renamed over the target; the folder is fsync'd too. Until
 *    the rename the old file is untouched; on any failure the temporary
 *    file is removed. A replaced file keeps its permission bits (and, when
 *    allowed, its owner). (The checkpoint rule of TensorFlow/Orbax.)
 *  - a symbolic link: followed (each hop, relative links from the link's
 *    folder); the link stays and the file it leads to is replaced as above.
 *    A link to a device, FIFO or socket (/dev/stdout) is not followed: the
 *    name is opened as it is.
 *  - a device, FIFO or socket: opened and written directly (no temporary
 *    file, no rename), the way a shell's `>` would.
 *  - "-": standard output.
 * Temporary files being written are listed in a small process-wide
 * registry, so a signal handler can remove them (atomic_remove_pending).
 */
#ifndef SIAMESE_ATOMIC_FILE_H
#define SIAMESE_ATOMIC_FILE_H

#include <stddef.h>
#include <stdio.h>

#include "err.h"

#define ATOMIC_PATH_MAX 4096

/* How atomic_open writes: see the list above. */
typedef enum { ATOMIC_REPLACE, ATOMIC_DIRECT, ATOMIC_STDOUT } atomic_mode;

typedef struct {
    FILE *f;                       /* write here between atomic_open and atomic_commit */
    atomic_mode mode;
    char path[ATOMIC_PATH_MAX];    /* the name as given, for messages */
    char target[ATOMIC_PATH_MAX];  /* the file written: path with its links followed */
    char tmp[ATOMIC_PATH_MAX + 16];/* ATOMIC_REPLACE: the temporary file, else "" */
    int slot;                      /* its entry in the registry, or -1 */
    int failed;                    /* set by atomic_write on a short write */
    int err_no;                    /* errno of the first failure */
} atomic_file;

/* Follows the symbolic links of path's last component (up to 40 hops; a
 * relative link is taken from the link's folder) and writes the name of
 * the file a write to path would change into out. A missing final file is
 * fine (a dangling link leads to the file it names). Returns 0 or -1 with
 * e set (loop, name too long, a folder on the way unreadable). */
int atomic_resolve(const char *path, char *out, size_t n, sm_err *e);

/* Starts writing path ("-" = standard output). Returns 0 or -1 with e set
 * (a folder, folder missing or not writable, device not writable, ...). */
int atomic_open(atomic_file *a, const char *path, sm_err *e);

/* fwrite that remembers failure; the error is reported by atomic_commit. */
void atomic_write(atomic_file *a, const void *data, size_t n);

/* Finishes: flushes and syncs, then (ATOMIC_REPLACE) renames over the
 * target. Tests can make it pause first: SIAMESE_TEST_WRITE_DELAY_MS, see
 * atomic_file.c. Returns 0, or -1 with e set and the temporary file
 * removed (the old target is left intact). */
int atomic_commit(atomic_file *a, sm_err *e);

/* atomic_commit in two steps, for files that must change together (embed's
 * .npy and its index): atomic_finish flushes, syncs and closes, keeping
 * the temporary file (on failure it is removed, the target untouched);
 * atomic_publish then renames it over the target (nothing for a direct
 * write or standard output). Each returns 0 or -1 with e set. */
int atomic_finish(atomic_file *a, sm_err *e);
int atomic_publish(atomic_file *a, sm_err *e);

/* Gives up: closes and removes the temporary file (a direct write cannot
 * be taken back; standard output is left open). */
void atomic_abort(atomic_file *a);

/* Checks, before long work, that path can be written: not a folder; a
 * device or FIFO must be writable (it is not opened: a FIFO would wait for
 * a reader); otherwise a file can be created in its folder (one is created
 * and removed: TARGET.probe-XXXXXX, never a name a save uses). Returns 0
 * or -1 with e set, the message starting with path. */
int atomic_check_writable(const char *path, sm_err *e);

/* The same for a folder that files will be written into, made by one
 * mkdir when absent (the folder holding it is not made, as no output's
 * folder is): an existing folder must let a file be created in it
 * (DIR/.siamese.probe-XXXXXX created and removed), an absent name must
 * have a folder that lets one be created beside it; a file, device or
 * dangling link at path is refused. Returns 0 or -1 with e set, the
 * message starting with path. */
int atomic_check_folder(const char *path, sm_err *e);

/* Removes the temporary files of target (a resolved name, see
 * atomic_resolve) that dead writers left: exactly TARGET.tmp-XXXXXX,
 * regular files, not this process's own. Only for a caller that holds the
 * lock making it the target's one writer (file_lock.h). Returns how many
 * were removed. */
int atomic_remove_stale(const char *target);

/* Removes every temporary file this process is writing. Async-signal-safe:
 * for signal handlers that then end the process. */
void atomic_remove_pending(void);

#endif
