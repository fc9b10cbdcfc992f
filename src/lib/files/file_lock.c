/* file_lock.c - flock on FILE.lock with the holder's PID; see file_lock.h. */
#include "file_lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static long read_pid(int fd)
{
    char buf[32];
    ssize_t k = pread(fd, buf, sizeof buf - 1, 0);
    if (k <= 0)
        return 0;
    buf[k] = 0;
    long pid = strtol(buf, NULL, 10);
    return pid > 0 ? pid : 0;
}

int file_lock_try(file_lock *l, const char *target, long *holder, sm_err *e)
{
    l->fd = -1;
    *holder = 0;
    if ((size_t)snprintf(l->path, sizeof l->path, "%s.lock", target) >= sizeof l->path)
        return sm_fail(e, "%s.lock: file name too long", target);
    /* A few rounds at most: each retry means a holder removed the file
     * between our open and our flock. */
    for (int round = 0; round < 100; round++) {
        int fd = open(l->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0666);
        if (fd < 0)
            return sm_fail(e, "%s: cannot create the lock file: %s", l->path, strerror(errno));
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            int err = errno;
            if (err == EWOULDBLOCK) {
                *holder = read_pid(fd);
                close(fd);
                return 1;
            }
            close(fd);
            return sm_fail(e, "%s: cannot lock: %s", l->path, strerror(err));
        }
        struct stat mine, named;
        if (fstat(fd, &mine) == 0 && stat(l->path, &named) == 0 && mine.st_dev == named.st_dev &&
            mine.st_ino == named.st_ino) {
            char pid[32];
            int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
            if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
                /* only the message of a second taker suffers: "PID unknown" */
            }
            l->fd = fd;
            return 0;
        }
        close(fd); /* locked a removed file: take the new one */
    }
    return sm_fail(e, "%s: the lock file keeps being replaced", l->path);
}

void file_lock_release(file_lock *l)
{
    if (l->fd < 0)
        return;
    unlink(l->path); /* while still held: see file_lock.h */
    close(l->fd);
    l->fd = -1;
}
