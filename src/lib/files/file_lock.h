/* file_lock.h - one writer per file: an exclusive flock(2) on FILE.lock,
 * beside the file, holding the owner's PID for the message of whoever
 * finds it taken.
 *
 * The lock file is removed on release. That is safe because a taker checks,
 * once it holds the lock, that the name still leads to the file it locked
 * (else it locked a file just removed, and tries again). Removing FILE.lock
 * by hand while a holder runs defeats the lock. The kernel releases a lock
 * when its process ends, however it ends; the file then stays and the next
 * taker reuses it.
 */
#ifndef SIAMESE_FILE_LOCK_H
#define SIAMESE_FILE_LOCK_H

#include "atomic_file.h"
#include "err.h"

typedef struct {
    int fd;                           /* -1 when not held */
    char path[ATOMIC_PATH_MAX + 8];   /* TARGET.lock */
} file_lock;

/* A lock not held, safe to release. */
#define FILE_LOCK_NONE {-1, ""}

/* Tries to take the lock of target (a resolved name, see atomic_resolve)
 * without waiting. Returns 0 when taken (our PID is then in the lock
 * file); 1 when another process holds it, with *holder its PID (0 if it
 * has not written it yet); -1 with e set when the lock file cannot be
 * created or locked. */
int file_lock_try(file_lock *l, const char *target, long *holder, sm_err *e);

/* Removes the lock file and releases the lock; nothing when not held. */
void file_lock_release(file_lock *l);

#endif
