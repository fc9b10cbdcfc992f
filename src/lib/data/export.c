/* export.c - see export.h. Each split's PNGs are encoded on a thread
 * pool: thread t writes images t, t + T, t + 2T, ...; the first failure
 * in split order is the one reported. */
#include "export.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "folder_out.h"
#include "image.h"
#include "pool.h"

int export_folder_names(const class_table *ct, export_folder *folders, int *a, int *b)
{
    for (int c = 0; c < ct->n; c++) {
        classes_folder_name(ct->names[c], folders[c], CLASS_NAME_MAX + 1);
        if (folders[c][0] == '.') {
            *a = c;
            *b = -1;
            return -1;
        }
        for (int k = 0; k < c; k++)
            if (strcmp(folders[k], folders[c]) == 0) {
                *a = k;
                *b = c;
                return -1;
            }
    }
    return 0;
}

/* Digits of n - 1 (at least 1): the width of the file names of a split of
 * n images. */
static int index_digits(size_t n)
{
    int d = 1;
    for (size_t v = n > 0 ? n - 1 : 0; v >= 10; v /= 10)
        d++;
    return d;
}

/* One split's job, shared by the pool's threads. */
typedef struct {
    const char *root;     /* the folder written */
    const char *name;     /* "train" or "test" */
    const split_t *s;
    const export_folder *folders;
    const export_hooks *h;
    int digits, threads;
    atomic_int failed;    /* set by the first failing worker */
    sm_err *errs;         /* [threads] each worker's first error */
    size_t *bad_at;       /* [threads] its index, s->n if none */
    atomic_size_t *done;  /* images written, both splits */
    size_t total;         /* images in both splits */
} export_job;

static void export_worker(void *ctx, int t)
{
    export_job *j = ctx;
    j->bad_at[t] = j->s->n;
    size_t P = j->s->channels * j->s->rows * j->s->cols, mine = 0;
    for (size_t i = (size_t)t; i < j->s->n; i += (size_t)j->threads) {
        if (j->h->stop() || atomic_load(&j->failed))
            return;
        char path[8192];
        int len = snprintf(path, sizeof path, "%s/%s/%s/%0*zu.png", j->root, j->name,
                           j->folders[j->s->labels[i]], j->digits, i);
        int rc = len > 0 && (size_t)len < sizeof path
                     ? image_write_png_planes(path, j->s->images + i * P, (int)j->s->channels,
                                              (int)j->s->cols, (int)j->s->rows, &j->errs[t])
                     : sm_fail(&j->errs[t], "%s/%s: path too long", j->root, j->name);
        if (rc != 0) {
            j->bad_at[t] = i;
            atomic_store(&j->failed, 1);
            return;
        }
        size_t done = atomic_fetch_add(j->done, 1) + 1;
        if (t == 0 && j->h->progress && ++mine % 256 == 0)
            j->h->progress(done, j->total);
    }
}

/* Writes every image of j->s under root/name/<class>/. Returns 0, 1 when
 * stopped, or -1 with e naming the first failing file. */
static int export_split(pool_t *pool, int threads, export_job *j, sm_err *e)
{
    sm_err *errs = calloc((size_t)threads, sizeof *errs);
    size_t *bad_at = calloc((size_t)threads, sizeof *bad_at);
    if (!errs || !bad_at) {
        free(errs);
        free(bad_at);
        return sm_fail(e, "out of memory for %d threads", threads);
    }
    j->threads = threads;
    j->errs = errs;
    j->bad_at = bad_at;
    j->digits = index_digits(j->s->n);
    atomic_init(&j->failed, 0);
    pool_run(pool, export_worker, j);
    int rc = j->h->stop() ? 1 : 0;
    if (atomic_load(&j->failed)) {
        size_t first = j->s->n;
        for (int t = 0; t < threads; t++)
            if (bad_at[t] < first) {
                first = bad_at[t];
                *e = errs[t];
            }
        rc = -1;
    }
    free(errs);
    free(bad_at);
    return rc;
}

/* mkdir that reports. */
static int make_dir(const char *path, sm_err *e)
{
    if (mkdir(path, 0777) != 0)
        return sm_fail(e, "%s: cannot create the folder: %s", path, strerror(errno));
    return 0;
}

/* root/{train,test}/<class>/ and root/classes.txt. Returns 0 or -1. */
static int make_tree(const dataset_t *ds, const export_folder *folders, const char *root,
                     sm_err *e)
{
    static const char *const names[2] = {"train", "test"};
    char path[8192];
    for (int k = 0; k < 2; k++) {
        snprintf(path, sizeof path, "%s/%s", root, names[k]);
        if (make_dir(path, e) != 0)
            return -1;
        for (int c = 0; c < ds->classes.n; c++) {
            snprintf(path, sizeof path, "%s/%s/%s", root, names[k], folders[c]);
            if (make_dir(path, e) != 0)
                return -1;
        }
    }
    snprintf(path, sizeof path, "%s/classes.txt", root);
    return classes_write(&ds->classes, path, e);
}

int export_dataset(const dataset_t *ds, const export_folder *folders, const char *root,
                   int threads, const export_hooks *h, sm_err *e)
{
    static const char *const names[2] = {"train", "test"};
    const split_t *splits[2] = {&ds->train, &ds->test};
    if (make_tree(ds, folders, root, e) != 0)
        return -1;
    int T = threads;
    size_t most = ds->train.n > ds->test.n ? ds->train.n : ds->test.n;
    if ((size_t)T > most)
        T = (int)most;
    pool_t *pool = pool_create(T, e);
    if (!pool)
        return -1;
    atomic_size_t done;
    atomic_init(&done, 0);
    int rc = 0;
    for (int k = 0; k < 2 && rc == 0; k++) {
        export_job j = {.root = root, .name = names[k], .s = splits[k], .folders = folders,
                        .h = h, .done = &done, .total = ds->train.n + ds->test.n};
        rc = export_split(pool, T, &j, e);
    }
    pool_destroy(pool);
    /* The files' data reaches the disk before the rename makes them
     * appear. */
    return rc != 0 ? rc : folder_sync_files(root, e);
}
