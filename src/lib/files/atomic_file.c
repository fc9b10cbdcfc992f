/* atomic_file.c - temporary file, fsync, rename; direct writes to devices
 * and FIFOs; the registry of temporary files for signal handlers. See
 * atomic_file.h. */
#include "atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "path.h"

#define TMP_TAG PATH_TMP_TAG
#define PROBE_TAG ".probe-" /* atomic_check_writable's file: never taken for a save */
#define TMP_RANDOM PATH_TMP_RANDOM /* letters or digits after TMP_TAG */

/* ---- the registry of temporary files being written ----------------------
 * A signal handler may run at any moment, on any thread: it reads `state`
 * (lock-free, so safe in a handler) and unlinks only paths published as 2.
 * state: 0 free, 1 claimed (path being filled in), 2 path names a live
 * temporary file. Eight is plenty: a command writes one or two (embed) at a time. */
enum { PENDING_MAX = 8 };
static struct {
    atomic_int state;
    char path[ATOMIC_PATH_MAX + 16];
} pending[PENDING_MAX];

static int registry_claim(void)
{
    for (int i = 0; i < PENDING_MAX; i++) {
        int free_state = 0;
        if (atomic_compare_exchange_strong(&pending[i].state, &free_state, 1))
            return i;
    }
    return -1;
}

static void registry_publish(int slot, const char *path)
{
    memcpy(pending[slot].path, path, strlen(path) + 1);
    atomic_store(&pending[slot].state, 2);
}

static void registry_release(int slot)
{
    if (slot >= 0)
        atomic_store(&pending[slot].state, 0);
}

void atomic_remove_pending(void)
{
    for (int i = 0; i < PENDING_MAX; i++)
        if (atomic_load(&pending[i].state) == 2)
            unlink(pending[i].path); /* async-signal-safe */
}

/* ---- names ----------------------------------------------------------------- */

static int copy_name(char *out, size_t n, const char *s, const char *shown, sm_err *e)
{
    size_t len = strlen(s);
    if (len >= n)
        return sm_fail(e, "%s: file name too long (%zu bytes, at most %zu)", shown, len, n - 1);
    memcpy(out, s, len + 1);
    return 0;
}

int atomic_resolve(const char *path, char *out, size_t n, sm_err *e)
{
    char cur[ATOMIC_PATH_MAX], link[ATOMIC_PATH_MAX];
    if (copy_name(cur, sizeof cur, path, path, e) != 0)
        return -1;
    /* A name leading to a FIFO, device or socket is written into by that
     * name (the kernel follows its links): /dev/stdout's last link names a
     * pipe as "pipe:[N]", which is no path. */
    struct stat sst;
    if (stat(cur, &sst) == 0 && !S_ISREG(sst.st_mode) && !S_ISDIR(sst.st_mode))
        return copy_name(out, n, cur, path, e);
    for (int hop = 0;; hop++) {
        struct stat st;
        if (lstat(cur, &st) != 0) {
            if (errno == ENOENT) /* written as a new file (its folder is checked then) */
                break;
            return sm_fail(e, "%s: %s", path, strerror(errno));
        }
        if (!S_ISLNK(st.st_mode))
            break;
        if (hop == 40)
            return sm_fail(e, "%s: more than 40 symbolic links in a row (a loop?)", path);
        ssize_t k = readlink(cur, link, sizeof link - 1);
        if (k < 0)
            return sm_fail(e, "%s: cannot read the link %s: %s", path, cur, strerror(errno));
        link[k] = 0;
        const char *slash = strrchr(cur, '/');
        if (link[0] == '/' || !slash) {
            if (copy_name(cur, sizeof cur, link, path, e) != 0)
                return -1;
        } else { /* relative: from the link's folder */
            size_t dir = (size_t)(slash - cur) + 1;
            if (dir + (size_t)k >= sizeof cur)
                return sm_fail(e, "%s: file name too long after following links", path);
            memcpy(cur + dir, link, (size_t)k + 1);
        }
    }
    return copy_name(out, n, cur, path, e);
}

/* Six letters or digits, different on every call: the clock, the process,
 * a stack address and the attempt, mixed by splitmix64. Uniqueness comes
 * from O_EXCL; this only makes a clash (and a retry) unlikely. */
static void random_suffix(char *out, int attempt)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t x = (uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec << 30 ^ (uint64_t)getpid() << 40 ^
                 (uint64_t)(uintptr_t)&ts ^ (uint64_t)attempt * 0x9e3779b97f4a7c15u;
    x += 0x9e3779b97f4a7c15u;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
    x ^= x >> 31;
    for (int i = 0; i < TMP_RANDOM; i++, x /= 62)
        out[i] = abc[x % 62];
    out[TMP_RANDOM] = 0;
}

/* Creates TARGET.TAG-XXXXXX (TAG "tmp", or "probe" for a writability
 * check) and lists it in the registry. The signals
 * that remove temporary files are blocked in this thread meanwhile, so no
 * handler runs on this thread between the file's creation and its
 * listing. Other threads do not block them: a handler running on one of
 * them in that window does not see the file, which is then left behind
 * as after a SIGKILL. Returns the fd, or -1 with e set and errno the
 * open's. */
static int create_tmp(atomic_file *a, const char *tag, sm_err *e)
{
    int slot = registry_claim();
    if (slot < 0)
        return sm_fail(e, "%s: more than %d files being written at once", a->path, PENDING_MAX);
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    int fd = -1, err = 0;
    for (int attempt = 0; attempt < 100 && fd < 0; attempt++) {
        char suffix[TMP_RANDOM + 1];
        random_suffix(suffix, attempt);
        snprintf(a->tmp, sizeof a->tmp, "%s%s%s", a->target, tag, suffix);
        fd = open(a->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        err = errno;
        if (fd < 0 && err != EEXIST)
            break;
    }
    if (fd >= 0)
        registry_publish(slot, a->tmp);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (fd < 0) {
        registry_release(slot);
        a->tmp[0] = 0;
        sm_fail(e, "%s: cannot create a file there: %s", a->path, strerror(err));
        errno = err;
        return -1;
    }
    a->slot = slot;
    return fd;
}

/* The replacement keeps what the user set on the old file: its permission
 * bits, and its owner and group where the system allows (root; a group
 * the user is in). Owner first: chown may clear set-id bits. */
static void keep_owner_and_mode(int fd, const struct stat *old)
{
    if ((old->st_uid != geteuid() || old->st_gid != getegid()) &&
        fchown(fd, old->st_uid, old->st_gid) != 0) {
        /* not allowed: the new file stays ours, with the old mode */
    }
    if (fchmod(fd, old->st_mode & 07777) != 0) {
        /* cannot happen to a file we just created; the umask's mode stays */
    }
}

static int open_tagged(atomic_file *a, const char *path, const char *tag, sm_err *e)
{
    memset(a, 0, sizeof *a);
    a->slot = -1;
    if (!*path)
        return sm_fail(e, "empty file name");
    if (copy_name(a->path, sizeof a->path, path, path, e) != 0)
        return -1;
    if (strcmp(path, "-") == 0) {
        a->mode = ATOMIC_STDOUT;
        a->f = stdout;
        snprintf(a->target, sizeof a->target, "-");
        return 0;
    }
    if (atomic_resolve(path, a->target, sizeof a->target, e) != 0)
        return -1;
    struct stat st;
    int exists = stat(a->target, &st) == 0;
    if (!exists && errno != ENOENT)
        return sm_fail(e, "%s: %s", path, strerror(errno));
    if (exists && S_ISDIR(st.st_mode))
        return sm_fail(e, "%s: is a folder, not a file", path);
    int fd;
    if (exists && !S_ISREG(st.st_mode)) {
        /* A device, FIFO or socket: write into it, as `>` would; replacing
         * it with a regular file would destroy it. */
        a->mode = ATOMIC_DIRECT;
        fd = open(a->target, O_WRONLY | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
            return sm_fail(e, "%s: cannot open for writing: %s", path, strerror(errno));
    } else {
        a->mode = ATOMIC_REPLACE;
        fd = create_tmp(a, tag, e);
        if (fd < 0)
            return -1;
        if (exists)
            keep_owner_and_mode(fd, &st);
    }
    a->f = fdopen(fd, "wb");
    if (!a->f) {
        int err = errno;
        close(fd);
        atomic_abort(a);
        return sm_fail(e, "%s: cannot open: %s", path, strerror(err));
    }
    return 0;
}

int atomic_open(atomic_file *a, const char *path, sm_err *e)
{
    return open_tagged(a, path, TMP_TAG, e);
}

void atomic_write(atomic_file *a, const void *data, size_t n)
{
    if (a->failed || n == 0)
        return;
    if (fwrite(data, 1, n, a->f) != n) {
        a->failed = 1;
        a->err_no = errno ? errno : EIO;
    }
}

void atomic_abort(atomic_file *a)
{
    if (a->mode == ATOMIC_STDOUT) { /* not ours to close */
        a->f = NULL;
        return;
    }
    if (a->f)
        fclose(a->f);
    a->f = NULL;
    if (a->tmp[0])
        unlink(a->tmp);
    a->tmp[0] = 0;
    registry_release(a->slot);
    a->slot = -1;
}

/* Fault injection for the crash tests (tests/test_crash.sh,
 * tests/test_outputs.sh): with SIAMESE_TEST_WRITE_DELAY_MS set, a commit
 * pauses with the temporary file written but not yet renamed, so a signal
 * can be aimed at that moment. */
static void test_delay(void)
{
    const char *ms = getenv("SIAMESE_TEST_WRITE_DELAY_MS");
    if (ms && *ms) {
        long v = strtol(ms, NULL, 10);
        if (v > 0 && v < 10000) {
            struct timespec ts = {v / 1000, (v % 1000) * 1000000L};
            while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
            }
        }
    }
}

static void note_failure(atomic_file *a, int err)
{
    if (!a->failed) {
        a->failed = 1;
        a->err_no = err ? err : EIO;
    }
}

/* fsync errors that only say the file cannot be synced (a terminal, a
 * pipe, /dev/null): not failures of the write. */
static int sync_unsupported(int err)
{
    return err == EINVAL || err == EROFS || err == ENOTSUP || err == EOPNOTSUPP ||
           err == ENOTTY || err == ESPIPE;
}

int atomic_finish(atomic_file *a, sm_err *e)
{
    test_delay();
    if (a->mode == ATOMIC_STDOUT) {
        if (fflush(stdout) != 0)
            note_failure(a, errno);
        else if (ferror(stdout))
            note_failure(a, EIO);
        a->f = NULL;
        if (a->failed)
            return sm_fail(e, "standard output: write failed: %s", strerror(a->err_no));
        return 0;
    }
    if (fflush(a->f) != 0)
        note_failure(a, errno);
    if (!a->failed && fsync(fileno(a->f)) != 0 &&
        !(a->mode == ATOMIC_DIRECT && sync_unsupported(errno)))
        note_failure(a, errno);
    int rc = fclose(a->f);
    a->f = NULL;
    if (rc != 0)
        note_failure(a, errno);
    if (a->failed) {
        int err = a->err_no;
        atomic_abort(a);
        if (a->mode == ATOMIC_DIRECT)
            return sm_fail(e, "%s: write failed: %s", a->path, strerror(err));
        return sm_fail(e, "%s: write failed: %s (the previous file, if any, is unchanged)",
                       a->path, strerror(err));
    }
    return 0;
}

int atomic_publish(atomic_file *a, sm_err *e)
{
    if (a->mode != ATOMIC_REPLACE)
        return 0;
    if (rename(a->tmp, a->target) != 0) {
        int err = errno;
        atomic_abort(a);
        return sm_fail(e, "%s: cannot replace: %s", a->path, strerror(err));
    }
    a->tmp[0] = 0;
    registry_release(a->slot);
    a->slot = -1;
    path_sync_dir(a->target);
    return 0;
}

int atomic_commit(atomic_file *a, sm_err *e)
{
    if (atomic_finish(a, e) != 0)
        return -1;
    return atomic_publish(a, e);
}

int atomic_check_writable(const char *path, sm_err *e)
{
    if (!*path)
        return sm_fail(e, "empty file name");
    if (strcmp(path, "-") == 0)
        return 0;
    char target[ATOMIC_PATH_MAX];
    if (atomic_resolve(path, target, sizeof target, e) != 0)
        return -1;
    struct stat st;
    if (stat(target, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return sm_fail(e, "%s: is a folder, not a file", path);
        if (!S_ISREG(st.st_mode)) {
            if (access(target, W_OK) != 0)
                return sm_fail(e, "%s: cannot write: %s", path, strerror(errno));
            return 0;
        }
    } else if (errno != ENOENT) {
        return sm_fail(e, "%s: %s", path, strerror(errno));
    }
    atomic_file a;
    if (open_tagged(&a, path, PROBE_TAG, e) != 0)
        return -1;
    atomic_abort(&a);
    return 0;
}

int atomic_check_folder(const char *path, sm_err *e)
{
    if (!*path)
        return sm_fail(e, "empty folder name");
    size_t len = strlen(path);
    while (len > 1 && path[len - 1] == '/') /* "maps/" names the folder maps */
        len--;
    struct stat st;
    int absent = stat(path, &st) != 0;
    if (absent && errno != ENOENT)
        return sm_fail(e, "%s: %s", path, strerror(errno));
    if (absent && lstat(path, &st) == 0)
        return sm_fail(e, "%s: a symbolic link to nothing: expected a folder or a name for a new "
                       "one", path);
    if (!absent && !S_ISDIR(st.st_mode))
        return sm_fail(e, "%s: not a folder: expected a folder or a name for a new one", path);
    /* The probe: beside the name where the folder will be made, else in it. */
    atomic_file a;
    memset(&a, 0, sizeof a);
    a.mode = ATOMIC_REPLACE;
    a.slot = -1;
    int n = absent ? snprintf(a.path, sizeof a.path, "%.*s", (int)len, path)
                   : snprintf(a.path, sizeof a.path, "%.*s/.siamese", (int)len, path);
    if (n < 0 || (size_t)n >= sizeof a.path || (size_t)n + 16 >= sizeof a.tmp)
        return sm_fail(e, "%s: folder name too long", path);
    memcpy(a.target, a.path, (size_t)n + 1);
    sm_err why;
    int fd = create_tmp(&a, PROBE_TAG, &why);
    if (fd < 0) {
        int err = errno;
        if (absent)
            return sm_fail(e, "%s: cannot create the folder: %s%s", path, strerror(err),
                           err == ENOENT ? " (the folder to hold it must exist: only the last "
                           "name is made)" : "");
        return sm_fail(e, "%s: cannot create files in the folder: %s", path, strerror(err));
    }
    close(fd);
    atomic_abort(&a);
    return 0;
}

static int is_ours(const char *path)
{
    for (int i = 0; i < PENDING_MAX; i++)
        if (atomic_load(&pending[i].state) == 2 && strcmp(pending[i].path, path) == 0)
            return 1;
    return 0;
}

/* path_each_tmp's visitor: removes full when it is a regular file that is
 * not this process's own. */
static int remove_if_stale(const char *full, void *ctx)
{
    (void)ctx;
    struct stat st;
    if (is_ours(full) || lstat(full, &st) != 0 || !S_ISREG(st.st_mode))
        return 0;
    return unlink(full) == 0;
}

int atomic_remove_stale(const char *target)
{
    /* path_each_tmp spells each name as create_tmp does, so is_ours can
     * compare */
    return path_each_tmp(target, remove_if_stale, NULL);
}
