/* folders.c - image folders as a data set; see folders.h. */
#include "folders.h"

#include <dirent.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image.h"
#include "pool.h"

typedef struct {
    char **v;
    size_t n, cap;
} strlist;

static void strlist_free(strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

static int strlist_add(strlist *l, const char *s)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        char **v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    if (!(l->v[l->n] = strdup(s)))
        return -1;
    l->n++;
    return 0;
}

/* 1 when s is one of l's names. */
static int strlist_has(const strlist *l, const char *s)
{
    for (size_t k = 0; k < l->n; k++)
        if (strcmp(l->v[k], s) == 0)
            return 1;
    return 0;
}

static int by_bytes(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names in dir (no hidden ones), sorted bytewise; want_dirs picks folders
 * (1) or everything else (0). */
static int list_dir(const char *dir, int want_dirs, strlist *out, sm_err *e)
{
    memset(out, 0, sizeof *out);
    DIR *d = opendir(dir);
    if (!d)
        return sm_fail(e, "%s: cannot open the folder: %s", dir, strerror(errno));
    struct dirent *de;
    int rc = 0;
    char p[8192];
    while (rc == 0 && (errno = 0, de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        struct stat st;
        int is_dir = stat(p, &st) == 0 && S_ISDIR(st.st_mode);
        if (is_dir == want_dirs && strlist_add(out, de->d_name) != 0)
            rc = sm_fail(e, "%s: out of memory listing the folder", dir);
    }
    if (rc == 0 && errno)
        rc = sm_fail(e, "%s: cannot read the folder: %s", dir, strerror(errno));
    closedir(d);
    if (rc != 0)
        strlist_free(out);
    else if (out->n)
        qsort(out->v, out->n, sizeof *out->v, by_bytes);
    return rc;
}

/* The class table and the folder of each class. */
static int find_classes(const char *root, class_table *ct, strlist *folders, sm_err *e)
{
    char train[4200], test[4200], txt[4200];
    snprintf(train, sizeof train, "%s/train", root);
    snprintf(test, sizeof test, "%s/test", root);
    snprintf(txt, sizeof txt, "%s/classes.txt", root);
    strlist tr, te;
    memset(folders, 0, sizeof *folders);
    if (list_dir(train, 1, &tr, e) != 0)
        return -1;
    if (list_dir(test, 1, &te, e) != 0) {
        strlist_free(&tr);
        return -1;
    }
    int rc = 0;
    if (tr.n == 0)
        rc = sm_fail(e, "%s: no class folders: expected %s/<class>/<images>", train, train);
    if (rc == 0 && access(txt, F_OK) == 0) {
        rc = classes_read(ct, txt, e);
        for (int c = 0; rc == 0 && c < ct->n; c++) {
            char f[CLASS_NAME_MAX + 1];
            classes_folder_name(ct->names[c], f, sizeof f);
            for (int k = 0; k < c && rc == 0; k++) /* k: to name the other class */
                if (strcmp(folders->v[k], f) == 0)
                    rc = sm_fail(e, "%s: classes '%s' and '%s' share the folder name '%s'", txt,
                                 ct->names[k], ct->names[c], f);
            if (rc == 0 && strlist_add(folders, f) != 0)
                rc = sm_fail(e, "out of memory");
        }
        /* Every listed folder in both splits, and no folder unlisted. */
        for (size_t i = 0; rc == 0 && i < tr.n; i++) {
            if (!strlist_has(folders, tr.v[i]))
                rc = sm_fail(e, "%s/%s: a class folder that %s does not list", train, tr.v[i],
                             txt);
        }
        for (size_t i = 0; rc == 0 && i < te.n; i++) {
            if (!strlist_has(folders, te.v[i]))
                rc = sm_fail(e, "%s/%s: a class folder that %s does not list", test, te.v[i],
                             txt);
        }
        for (size_t k = 0; rc == 0 && k < folders->n; k++) {
            char p[8400];
            struct stat st;
            snprintf(p, sizeof p, "%s/%s", train, folders->v[k]);
            if (stat(p, &st) != 0 || !S_ISDIR(st.st_mode))
                rc = sm_fail(e, "%s: missing: %s lists class '%s'", p, txt, ct->names[k]);
            snprintf(p, sizeof p, "%s/%s", test, folders->v[k]);
            if (rc == 0 && (stat(p, &st) != 0 || !S_ISDIR(st.st_mode)))
                rc = sm_fail(e, "%s: missing: %s lists class '%s'", p, txt, ct->names[k]);
        }
    } else if (rc == 0) {
        memset(ct, 0, sizeof *ct);
        for (size_t i = 0; rc == 0 && i < tr.n; i++) {
            sm_err why;
            if (classes_add(ct, tr.v[i], &why) != 0)
                rc = ct->n >= CLASSES_MAX
                         ? sm_fail(e, "%s: more than %d class folders", train, CLASSES_MAX)
                         : sm_fail(e, "%s/%s: %s", train, tr.v[i], why.msg);
            else if (strlist_add(folders, tr.v[i]) != 0)
                rc = sm_fail(e, "%s: out of memory", train);
        }
        /* test/ must hold the same class folders. */
        for (size_t i = 0; rc == 0 && i < tr.n; i++)
            if (!strlist_has(&te, tr.v[i]))
                rc = sm_fail(e, "%s/%s: missing: train/ has this class folder but test/ does "
                             "not", test, tr.v[i]);
        for (size_t i = 0; rc == 0 && i < te.n; i++) {
            if (!strlist_has(&tr, te.v[i]))
                rc = sm_fail(e, "%s/%s: a class folder that train/ does not have", test,
                             te.v[i]);
        }
    }
    strlist_free(&tr);
    strlist_free(&te);
    if (rc != 0) {
        classes_free(ct);
        strlist_free(folders);
    }
    return rc;
}

/* The files and folders met so far in one listing, by device and inode:
 * a data set is a set of files, not of the paths to them. Open
 * addressing, grown at half full. */
typedef struct {
    dev_t dev;
    ino_t ino;
    int used;
    const char *first; /* data sets: the path it was met by first (owned by the split) */
    int split, cls;    /* data sets: where it was met first */
} node_key;

typedef struct {
    node_key *v;
    size_t n, cap;
} node_set;

static size_t node_hash(dev_t dev, ino_t ino, size_t cap)
{
    uint64_t h = ((uint64_t)dev * 0x9e3779b97f4a7c15u) ^ (uint64_t)ino;
    h ^= h >> 31;
    h *= 0xbf58476d1ce4e5b9u;
    h ^= h >> 29;
    return (size_t)h & (cap - 1);
}

/* Adds (dev, ino). Returns 1 when it was new, 0 when already there, -1
 * out of memory; *hit (when hit is not NULL) is its entry in both cases,
 * valid until the next node_add. */
static int node_add(node_set *s, dev_t dev, ino_t ino, node_key **hit)
{
    if (2 * (s->n + 1) > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 256;
        node_key *v = calloc(cap, sizeof *v);
        if (!v)
            return -1;
        for (size_t i = 0; i < s->cap; i++)
            if (s->v[i].used) {
                size_t k = node_hash(s->v[i].dev, s->v[i].ino, cap);
                while (v[k].used)
                    k = (k + 1) & (cap - 1);
                v[k] = s->v[i];
            }
        free(s->v);
        s->v = v;
        s->cap = cap;
    }
    size_t k = node_hash(dev, ino, s->cap);
    for (; s->v[k].used; k = (k + 1) & (s->cap - 1))
        if (s->v[k].dev == dev && s->v[k].ino == ino) {
            if (hit)
                *hit = &s->v[k];
            return 0;
        }
    s->v[k] = (node_key){dev, ino, 1, NULL, 0, 0};
    s->n++;
    if (hit)
        *hit = &s->v[k];
    return 1;
}

/* Appends the image files of one class folder (class c of split `split`).
 * A file met before through another link (by device and inode, in seen)
 * is taken once: skipped when it was met in the same class of the same
 * split, refused when elsewhere (one file, two labels or both splits). */
static int list_class(const char *dir, strlist *paths, int split, int c, uint16_t **labels,
                      size_t *nlab, size_t *skipped, node_set *seen, sm_err *e)
{
    strlist files;
    if (list_dir(dir, 0, &files, e) != 0)
        return -1;
    strlist subdirs;
    if (list_dir(dir, 1, &subdirs, e) != 0) {
        strlist_free(&files);
        return -1;
    }
    *skipped += subdirs.n;
    strlist_free(&subdirs);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < files.n; i++) {
        if (!image_name_ok(files.v[i])) {
            (*skipped)++;
            continue;
        }
        char p[8400 + 256];
        snprintf(p, sizeof p, "%s/%s", dir, files.v[i]);
        struct stat st;
        node_key *hit;
        int fresh;
        if (stat(p, &st) != 0) {
            rc = sm_fail(e, "%s: cannot open: %s", p, strerror(errno));
            break;
        }
        if ((fresh = node_add(seen, st.st_dev, st.st_ino, &hit)) < 0) {
            rc = sm_fail(e, "%s: out of memory listing images", dir);
            break;
        }
        if (!fresh && hit->split == split && hit->cls == c)
            continue; /* the same image again, through a link: once */
        if (!fresh) {
            rc = sm_fail(e, "%s: the same file as %s (through a link): a file can be in one "
                         "class of one split only", p, hit->first);
            break;
        }
        uint16_t *l = realloc(*labels, (*nlab + 1) * sizeof *l);
        if (!l || strlist_add(paths, p) != 0) {
            if (l)
                *labels = l;
            rc = sm_fail(e, "%s: out of memory listing images", dir);
            break;
        }
        *labels = l;
        (*labels)[(*nlab)++] = (uint16_t)c;
        hit->first = paths->v[paths->n - 1];
        hit->split = split;
        hit->cls = c;
    }
    strlist_free(&files);
    return rc;
}

typedef struct {
    char *const *paths;
    size_t n;
    int W, H, threads;
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
        int rc = image_load_grey(j->paths[i], &g, &e);
        if (rc == 0 && j->W > 0 && (g.w != j->W || g.h != j->H)) {
            uint8_t *out = malloc((size_t)j->W * (size_t)j->H);
            if (!out)
                rc = sm_fail(&e, "%s: out of memory resizing", j->paths[i]);
            else if (image_resize(g.px, g.w, g.h, out, j->W, j->H, &e) != 0) {
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

int folders_decode(char *const *paths, size_t n, int W, int H, int threads, uint8_t **images,
                   size_t *rows, size_t *cols, const char *hint, sm_err *e)
{
    *images = NULL;
    if (n == 0)
        return sm_fail(e, "no images to decode");
    if (threads < 1)
        threads = 1;
    if ((size_t)threads > n)
        threads = (int)n;
    decode_job j = {paths, n, W, H, threads, calloc(n, sizeof(grey_image)), n,
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
        size_t P = (size_t)w * (size_t)h;
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

static int load_split(const char *root, const char *name, int split, const strlist *folders,
                      const data_options *o, split_t *s, size_t *skipped, node_set *seen,
                      sm_err *e)
{
    memset(s, 0, sizeof *s);
    snprintf(s->where, sizeof s->where, "%s/%s", root, name);
    strlist paths = {0};
    int rc = 0;
    for (size_t c = 0; rc == 0 && c < folders->n; c++) {
        char dir[8400];
        snprintf(dir, sizeof dir, "%s/%s", s->where, folders->v[c]);
        rc = list_class(dir, &paths, split, (int)c, &s->labels, &s->n, skipped, seen, e);
    }
    if (rc == 0 && paths.n == 0)
        rc = sm_fail(e, "%s: no images in the class folders (PNG, JPEG, BMP, PGM/PPM, TGA or "
                     "GIF files)", s->where);
    if (rc == 0)
        rc = folders_decode(paths.v, paths.n, o->width, o->height, o->threads, &s->images,
                            &s->rows, &s->cols, "or pass --size WxH to resize them all", e);
    s->paths = paths.v; /* the split owns the names now */
    s->n = paths.n;
    return rc;
}

int folders_load(const char *root, const data_options *o, dataset_t *ds, sm_err *e)
{
    strlist folders;
    if (find_classes(root, &ds->classes, &folders, e) != 0)
        return -1;
    ds->kind = DATA_FOLDERS;
    node_set seen = {0}; /* every image file of both splits */
    int rc = load_split(root, "train", 0, &folders, o, &ds->train, &ds->skipped, &seen, e);
    if (rc == 0)
        rc = load_split(root, "test", 1, &folders, o, &ds->test, &ds->skipped, &seen, e);
    free(seen.v);
    if (rc == 0 && (ds->train.rows != ds->test.rows || ds->train.cols != ds->test.cols))
        rc = sm_fail(e, "%s: test images are %zu x %zu but training images are %zu x %zu: sizes "
                     "must agree (or pass --size WxH)", ds->test.where, ds->test.cols,
                     ds->test.rows, ds->train.cols, ds->train.rows);
    strlist_free(&folders);
    return rc;
}

/* The folders being listed, from the top one down: a folder that is its
 * own ancestor (a link to . or ..) is refused, as a mistake worth naming. */
typedef struct ancestry {
    dev_t dev;
    ino_t ino;
    const struct ancestry *up;
} ancestry;

static int list_images(const char *path, strlist *l, size_t *skipped, node_set *seen,
                       const ancestry *up, sm_err *e);

int folders_list_images(const char *path, char ***paths, size_t *n, size_t *skipped, sm_err *e)
{
    strlist l = {*paths, *n, *n};
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
    strlist l = {*paths, *n, *n};
    int rc = strlist_add(&l, path);
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
        if (rc == 0 && strlist_add(&l, found[i]) != 0)
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
    l = (strlist){*paths, *n, *n};
    for (size_t i = first; i < end && rc == 0; i++) {
        const char *slash = strrchr(l.v[i], '/');
        if (!slash)
            continue;
        size_t len = (size_t)(slash - l.v[i]);
        if (prev_len == len && strncmp(l.v[prev], l.v[i], len) == 0)
            continue;
        char dir[8400];
        snprintf(dir, sizeof dir, "%.*s", (int)len, l.v[i]);
        rc = strlist_add(&l, dir);
        prev = i;
        prev_len = len;
    }
    *paths = l.v;
    *n = l.n;
    return rc == 0 ? 0 : sm_fail(e, "out of memory listing %s", path);
}

static int list_images(const char *path, strlist *l, size_t *skipped, node_set *seen,
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
        if (strlist_add(l, path) != 0)
            return sm_fail(e, "out of memory");
        return 0;
    }
    ancestry here = {st.st_dev, st.st_ino, up};
    strlist files, dirs;
    if (list_dir(path, 0, &files, e) != 0)
        return -1;
    if (list_dir(path, 1, &dirs, e) != 0) {
        strlist_free(&files);
        return -1;
    }
    /* Files and folders in one bytewise order. */
    int rc = 0;
    size_t i = 0, k = 0;
    while (rc == 0 && (i < files.n || k < dirs.n)) {
        int file = k >= dirs.n || (i < files.n && strcmp(files.v[i], dirs.v[k]) < 0);
        char p[8400];
        snprintf(p, sizeof p, "%s/%s", path, file ? files.v[i] : dirs.v[k]);
        if (file && !image_name_ok(files.v[i]))
            (*skipped)++;
        else
            rc = list_images(p, l, skipped, seen, &here, e);
        if (file)
            i++;
        else
            k++;
    }
    strlist_free(&files);
    strlist_free(&dirs);
    return rc;
}
