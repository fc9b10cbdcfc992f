/* embed_out.c - see embed_out.h. */
#include "embed_out.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "atomic_file.h"
#include "csv.h"
#include "file_lock.h"
#include "npy.h"
#include "path.h"

/* emb [n, H] as CSV: H numbers a line. */
static int put_csv(atomic_file *a, const float *emb, size_t n, size_t H, sm_err *e)
{
    (void)e; /* a short write is atomic_finish's to report */
    char num[32];
    for (size_t i = 0; i < n && !a->failed; i++)
        for (size_t j = 0; j < H; j++) {
            int len = snprintf(num, sizeof num, "%.9g%c", emb[i * H + j], j + 1 < H ? ',' : '\n');
            atomic_write(a, num, (size_t)len);
        }
    return 0;
}

/* The formats of the embeddings' file, one row each: the name's ending,
 * and the writer of emb [n, H] (0, or -1 with e set). */
static const struct {
    const char *ext;
    int (*put)(atomic_file *a, const float *emb, size_t n, size_t H, sm_err *e);
} formats[] = {
    {".npy", npy_put_f32},
    {".csv", put_csv},
};

int embed_out_format(const char *out)
{
    size_t n = strlen(out);
    for (size_t f = 0; f < sizeof formats / sizeof *formats; f++) {
        size_t k = strlen(formats[f].ext);
        if (n > k && strcasecmp(out + n - k, formats[f].ext) == 0)
            return (int)f;
    }
    return -1;
}

void embed_out_index_path(const char *out, char *buf, size_t n)
{
    int f = embed_out_format(out);
    size_t cut = f < 0 ? 0 : strlen(formats[f].ext);
    snprintf(buf, n, "%.*s.index.csv", (int)(strlen(out) - cut), out);
}

int embed_out_sibling(const char *out, char *buf, size_t n)
{
    int f = embed_out_format(out);
    if (f < 0)
        return 0;
    char dir[4096];
    const char *name = path_split(out, dir, sizeof dir);
    size_t stem = strlen(name) - strlen(formats[f].ext);
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int found = 0;
    for (struct dirent *e; !found && (e = readdir(d)) != NULL;) {
        /* the same stem (case as given), another format's ending in any case */
        int g = embed_out_format(e->d_name);
        if (g < 0 || g == f || strncmp(e->d_name, name, stem) != 0 ||
            strlen(e->d_name) != stem + strlen(formats[g].ext))
            continue;
        snprintf(buf, n, "%.*s%s", (int)(strlen(out) - strlen(name)), out, e->d_name);
        struct stat st;
        found = stat(buf, &st) == 0 && S_ISREG(st.st_mode);
    }
    closedir(d);
    return found;
}

/* The index: row,path,class for each of the n rows. */
static void put_index(atomic_file *ap, const embed_out *w)
{
    const char *head = "row,path,class\n";
    atomic_write(ap, head, strlen(head));
    char num[32];
    for (size_t i = 0; i < w->n && !ap->failed; i++) {
        int len = snprintf(num, sizeof num, "%zu,", i);
        atomic_write(ap, num, (size_t)len);
        if (w->paths) {
            csv_field(ap, w->paths[i]);
        } else {
            len = snprintf(num, sizeof num, "%zu", i);
            atomic_write(ap, num, (size_t)len);
        }
        atomic_write(ap, ",", 1);
        if (w->labels)
            csv_field(ap, w->class_names[w->labels[i]]);
        atomic_write(ap, "\n", 1);
    }
}

/* Takes the lock of target, waiting (1 ms a try, up to a minute) while
 * another run holds it. Returns 0, or -1 with e set. */
static int lock_wait(file_lock *lock, const char *target, const char *out, sm_err *e)
{
    long holder = 0;
    int lr = 1;
    for (int tries = 0; tries < 60000 && lr > 0; tries++) {
        lr = file_lock_try(lock, target, &holder, e);
        if (lr > 0) {
            struct timespec ts = {0, 1000000}; /* 1 ms */
            nanosleep(&ts, NULL);
        }
    }
    if (lr > 0)
        sm_fail(e, "%s is being written by process %ld (lock %s)", out, holder, lock->path);
    return lr == 0 ? 0 : -1;
}

/* Both complete: renames them, under the lock when out is a file. */
static embed_out_result publish(atomic_file *out, atomic_file *idx, const embed_out *w,
                                sm_err *e)
{
    file_lock lock = FILE_LOCK_NONE;
    if (out->mode == ATOMIC_REPLACE && lock_wait(&lock, out->target, w->out, e) != 0) {
        atomic_abort(out);
        atomic_abort(idx);
        return EMBED_OUT_NEITHER;
    }
    embed_out_result r = EMBED_OUT_OK;
    if (atomic_publish(out, e) != 0) {
        atomic_abort(idx);
        r = EMBED_OUT_INDEX_KEPT;
    } else if (atomic_publish(idx, e) != 0) {
        r = EMBED_OUT_MISMATCH;
    }
    file_lock_release(&lock);
    return r;
}

embed_out_result embed_out_write(const embed_out *w, sm_err *e)
{
    atomic_file out, idx;
    if (atomic_open(&out, w->out, e) != 0)
        return EMBED_OUT_FAILED;
    if (atomic_open(&idx, w->index, e) != 0) {
        atomic_abort(&out);
        return EMBED_OUT_FAILED;
    }
    int rc = formats[w->format].put(&out, w->emb, w->n, w->H, e);
    put_index(&idx, w);
    if (rc != 0 || atomic_finish(&out, e) != 0) {
        atomic_abort(&idx);
        return EMBED_OUT_INDEX_KEPT;
    }
    if (atomic_finish(&idx, e) != 0) {
        atomic_abort(&out);
        return EMBED_OUT_OUT_KEPT;
    }
    return publish(&out, &idx, w, e);
}
