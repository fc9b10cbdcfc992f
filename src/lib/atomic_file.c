/* atomic_file.c - temporary file, fsync, rename; see atomic_file.h. */
#include "atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void atomic_tmp_name(const char *path, char *out, size_t n)
{
    snprintf(out, n, "%s.tmp-%ld", path, (long)getpid());
}

int atomic_open(atomic_file *a, const char *path, sm_err *e)
{
    memset(a, 0, sizeof *a);
    if (strlen(path) >= sizeof a->path)
        return sm_fail(e, "%s: path too long", path);
    snprintf(a->path, sizeof a->path, "%s", path);
    atomic_tmp_name(path, a->tmp, sizeof a->tmp);
    int flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC;
    int fd = open(a->tmp, flags, 0666);
    if (fd < 0 && errno == EEXIST) {
        /* Left by a dead process that had our pid: ours to replace. */
        unlink(a->tmp);
        fd = open(a->tmp, flags, 0666);
    }
    if (fd < 0) {
        int err = errno;
        a->tmp[0] = 0;
        return sm_fail(e, "%s: cannot create a file there: %s", path, strerror(err));
    }
    a->f = fdopen(fd, "wb");
    if (!a->f) {
        int err = errno;
        close(fd);
        unlink(a->tmp);
        return sm_fail(e, "%s: cannot open: %s", a->tmp, strerror(err));
    }
    return 0;
}

void atomic_write(atomic_file *a, const void *data, size_t n)
{
    if (a->failed || n == 0)
        return;
    if (fwrite(data, 1, n, a->f) != n) {
        a->failed = 1;
        a->err_no = errno;
    }
}

void atomic_abort(atomic_file *a)
{
    if (a->f)
        fclose(a->f);
    a->f = NULL;
    if (a->tmp[0])
        unlink(a->tmp);
    a->tmp[0] = 0;
}

static void sync_dir(const char *path)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    int fd = open(dirname(buf), O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* Fault injection for the crash tests (tests/test_crash.sh): with
 * SIAMESE_TEST_WRITE_DELAY_MS set, a commit pauses with the temporary file
 * written but not yet renamed, so a kill can be aimed at that moment. */
static void test_delay(void)
{
    const char *ms = getenv("SIAMESE_TEST_WRITE_DELAY_MS");
    if (ms && *ms) {
        long v = strtol(ms, NULL, 10);
        if (v > 0 && v < 10000) {
            struct timespec ts = {v / 1000, (v % 1000) * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
}

int atomic_commit(atomic_file *a, sm_err *e)
{
    test_delay();
    if (!a->failed && fflush(a->f) != 0) {
        a->failed = 1;
        a->err_no = errno;
    }
    if (!a->failed && fsync(fileno(a->f)) != 0) {
        a->failed = 1;
        a->err_no = errno;
    }
    int rc = fclose(a->f);
    a->f = NULL;
    if (!a->failed && rc != 0) {
        a->failed = 1;
        a->err_no = errno;
    }
    if (a->failed) {
        int err = a->err_no;
        atomic_abort(a);
        return sm_fail(e, "%s: write failed: %s (the previous file, if any, is unchanged)",
                       a->path, strerror(err));
    }
    if (rename(a->tmp, a->path) != 0) {
        int err = errno;
        atomic_abort(a);
        return sm_fail(e, "%s: cannot replace: %s", a->path, strerror(err));
    }
    a->tmp[0] = 0;
    sync_dir(a->path);
    return 0;
}

int atomic_check_writable(const char *path, sm_err *e)
{
    atomic_file a;
    if (atomic_open(&a, path, e) != 0)
        return -1;
    atomic_abort(&a);
    return 0;
}
