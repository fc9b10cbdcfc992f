/* folders.c - walking the PATHs embed and inspect read (files, or
 * folders searched recursively), what such a walk reads, and decoding a
 * list of image files on threads; see folders.h. */
#include "folders.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "image.h"
#include "names.h"
#include "pool.h"

typedef struct {
    char *const *paths;
    size_t n;
    int W, H, channels, threads;
    grey_image *im;       /* [n] */
    atomic_size_t first_bad; /* lowest failing index so far, n if none */
    sm_err *errs;         /* [threads] each worker's first error */
    size_t *bad_at;       /* [threads] its index */
} decode_job;

static void decode_worker(void *ctx, int t)
{
    decode_job *j = ctx;
    j->bad_at[t] = j->n;
    for (size_t i = (size_t)t; i < j->n; i += (size_t)j->threads) {
        if (i > atomic_load(&j->first_bad))
            return;
        grey_image g;
        sm_err e;
        int rc = image_load(j->paths[i], j->channels, &g, &e);
        if (rc == 0 && j->W > 0 && (g.w != j->W || g.h != j->H)) {
            uint8_t *out = malloc((size_t)j->channels * (size_t)j->W * (size_t)j->H);
            if (!out)
                rc = sm_fail(&e, "%s: out of memory resizing", j->paths[i]);
            else if (image_resize_planes(g.px, j->channels, g.w, g.h, out, j->W, j->H, &e) != 0) {
                free(out);
                rc = -1;
            } else {
                free(g.px);
                g.px = out;
                g.w = j->W;
                g.h = j->H;
            }
            if (rc != 0)
                image_free(&g);
        }
        if (rc != 0) {
            j->errs[t] = e;
            j->bad_at[t] = i;
            size_t cur = atomic_load(&j->first_bad);
            while (i < cur && !atomic_compare_exchange_weak(&j->first_bad, &cur, i))
                ;
            return;
        }
        j->im[i] = g;
    }
}

int folders_decode(char *const *paths, size_t n, int W, int H, int channels, int threads,
                   uint8_t **images, size_t *rows, size_t *cols, const char *hint, sm_err *e)
{
    *images = NULL;
    if (n == 0)
        return sm_fail(e, "no images to decode");
    if (threads < 1)
        threads = 1;
    if ((size_t)threads > n)
        threads = (int)n;
    decode_job j = {paths, n, W, H, channels, threads, calloc(n, sizeof(grey_image)), n,
                    calloc((size_t)threads, sizeof(sm_err)),
                    calloc((size_t)threads, sizeof(size_t))};
    atomic_init(&j.first_bad, n);
    pool_t *pool = NULL;
    int rc = 0;
    if (!j.im || !j.errs || !j.bad_at)
        rc = sm_fail(e, "out of memory for %zu images", n);
    else if (!(pool = pool_create(threads, e)))
        rc = -1;
    if (rc == 0) {
        pool_run(pool, decode_worker, &j);
        pool_destroy(pool);
        size_t first = atomic_load(&j.first_bad);
        if (first < n) {
            for (int t = 0; t < threads; t++)
                if (j.bad_at[t] == first)
                    *e = j.errs[t];
            rc = -1;
        }
    }
    if (rc == 0) {
        int w = j.im[0].w, h = j.im[0].h;
        for (size_t i = 1; i < n && rc == 0; i++)
            if (j.im[i].w != w || j.im[i].h != h)
                rc = sm_fail(e, "%s: %d x %d pixels, but %s is %d x %d: images must share one "
                             "size%s%s%s", paths[i], j.im[i].w, j.im[i].h, paths[0], w, h,
                             hint ? " (" : "", hint ? hint : "", hint ? ")" : "");
        size_t P = (size_t)channels * (size_t)w * (size_t)h;
        if (rc == 0 && !(*images = malloc(n * P)))
            rc = sm_fail(e, "out of memory for %zu images of %d x %d", n, w, h);
        for (size_t i = 0; rc == 0 && i < n; i++)
            memcpy(*images + i * P, j.im[i].px, P);
        *rows = (size_t)h;
        *cols = (size_t)w;
    }
    for (size_t i = 0; j.im && i < n; i++)
        image_free(&j.im[i]);
    free(j.im);
    free(j.errs);
    free(j.bad_at);
    return rc;
}

/* The folders being listed, from the top one down: a folder that is its
 * own ancestor (a link to . or ..) is refused, as a mistake worth naming. */
typedef struct ancestry {
    dev_t dev;
    ino_t ino;
    const struct ancestry *up;
} ancestry;

static int list_images(const char *path, name_list *l, size_t *skipped, node_set *seen,
                       const ancestry *up, sm_err *e);

int folders_list_images(const char *path, char ***paths, size_t *n, size_t *skipped, sm_err *e)
{
    name_list l = {*paths, *n, *n};
    node_set seen = {0};
    int rc = 0;
    /* The files listed by earlier calls are in the set already. */
    for (size_t i = 0; rc == 0 && i < l.n; i++) {
        struct stat st;
        if (stat(l.v[i], &st) != 0)
            rc = sm_fail(e, "%s: %s", l.v[i], strerror(errno));
        else if (node_add(&seen, st.st_dev, st.st_ino, NULL) < 0)
            rc = sm_fail(e, "out of memory");
    }
    if (rc == 0)
        rc = list_images(path, &l, skipped, &seen, NULL, e);
    free(seen.v);
    *paths = l.v;
    *n = l.n;
    return rc;
}

int folders_inputs(const char *path, char ***paths, size_t *n, sm_err *e)
{
    name_list l = {*paths, *n, *n};
    int rc = names_add(&l, path);
    *paths = l.v;
    *n = l.n;
    if (rc != 0)
        return sm_fail(e, "out of memory listing %s", path);
    size_t first = *n, skipped = 0;
    sm_err ignored;
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return 0; /* a file: itself (the folder it is in is not read) */
    /* A list of its own: folders_list_images takes what a list holds
     * already as seen, and path itself is in ours. */
    char **found = NULL;
    size_t n_found = 0;
    int listed = folders_list_images(path, &found, &n_found, &skipped, &ignored);
    for (size_t i = 0; i < n_found; i++) {
        if (rc == 0 && names_add(&l, found[i]) != 0)
            rc = -1;
        free(found[i]);
    }
    free(found);
    *paths = l.v;
    *n = l.n;
    if (rc != 0)
        return sm_fail(e, "out of memory listing %s", path);
    if (listed != 0)
        return 0; /* what was listed stays; the reader reports the rest */
    /* The folders holding the images (a linked subfolder may lead out of
     * path): images are listed folder by folder, so each appears once in a
     * row. */
    size_t end = *n, prev = 0;
    size_t prev_len = 0;
    l = (name_list){*paths, *n, *n};
    for (size_t i = first; i < end && rc == 0; i++) {
        const char *slash = strrchr(l.v[i], '/');
        if (!slash)
            continue;
        size_t len = (size_t)(slash - l.v[i]);
        if (prev_len == len && strncmp(l.v[prev], l.v[i], len) == 0)
            continue;
        char dir[8400];
        snprintf(dir, sizeof dir, "%.*s", (int)len, l.v[i]);
        rc = names_add(&l, dir);
        prev = i;
        prev_len = len;
    }
    *paths = l.v;
    *n = l.n;
    return rc == 0 ? 0 : sm_fail(e, "out of memory listing %s", path);
}

static int list_images(const char *path, name_list *l, size_t *skipped, node_set *seen,
                       const ancestry *up, sm_err *e)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return sm_fail(e, "%s: %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode))
        for (const ancestry *a = up; a; a = a->up)
            if (a->dev == st.st_dev && a->ino == st.st_ino)
                return sm_fail(e, "%s: a link back to a folder it is inside: it would be "
                               "listed forever (remove the link)", path);
    /* A file or folder met before (through another link) is listed once,
     * where the walk met it first. */
    int fresh = node_add(seen, st.st_dev, st.st_ino, NULL);
    if (fresh < 0)
        return sm_fail(e, "out of memory");
    if (!fresh)
        return 0;
    if (!S_ISDIR(st.st_mode)) {
        if (names_add(l, path) != 0)
            return sm_fail(e, "out of memory");
        return 0;
    }
    ancestry here = {st.st_dev, st.st_ino, up};
    name_list files, dirs;
    if (names_in_dir(path, &files, &dirs, e) != 0)
        return -1;
    /* Files and folders in one bytewise order. */
    int rc = 0;
    size_t i = 0, k = 0;
    while (rc == 0 && (i < files.n || k < dirs.n)) {
        int file = k >= dirs.n || (i < files.n && strcmp(files.v[i], dirs.v[k]) < 0);
        char p[8400];
        names_join(p, sizeof p, path, file ? files.v[i] : dirs.v[k]);
        if (file && !image_name_ok(files.v[i]))
            (*skipped)++;
        else
            rc = list_images(p, l, skipped, seen, &here, e);
        if (file)
            i++;
        else
            k++;
    }
    names_free(&files);
    names_free(&dirs);
    return rc;
}
