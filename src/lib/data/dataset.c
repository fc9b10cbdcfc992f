/* dataset.c - finding, loading and checking a data set; see dataset.h.
 * IDX files are read here; image folders in folders.c. */
#include "dataset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "folders.h"
#include "idx.h"
#include "image.h"

#define DEFAULT_LOCAL "data/fashion-mnist"
#define DEFAULT_SYSTEM "/usr/share/datasets/fashion-mnist"

/* CRC-32 of the label bytes of Fashion-MNIST's two label files: how the
 * loader knows the files are Fashion-MNIST's and names the classes. */
#define FASHION_TRAIN_LABELS_CRC 0x2ed6e46au
#define FASHION_TEST_LABELS_CRC 0x242bc73fu

/* Writes dir/name(.gz) into out, preferring the .gz file when both exist.
 * Returns 1 if one of them exists. */
static int data_file(const char *dir, const char *name, char *out, size_t n)
{
    snprintf(out, n, "%s/%s.gz", dir, name);
    if (access(out, F_OK) == 0)
        return 1;
    snprintf(out, n, "%s/%s", dir, name);
    if (access(out, F_OK) == 0)
        return 1;
    snprintf(out, n, "%s/%s.gz", dir, name);
    return 0;
}

int dataset_find_dir(const char *opt, char *out, size_t outlen, sm_err *e)
{
    const char *env = getenv("SIAMESE_DATA");
    if (opt && !*opt)
        return sm_fail(e, "--data: empty folder name");
    if (opt || (env && *env)) {
        snprintf(out, outlen, "%s", opt ? opt : env);
        return 0;
    }
    const char *cands[] = {DEFAULT_LOCAL, DEFAULT_SYSTEM};
    char probe[4096];
    for (size_t i = 0; i < sizeof cands / sizeof *cands; i++) {
        if (data_file(cands[i], "train-images-idx3-ubyte", probe, sizeof probe)) {
            snprintf(out, outlen, "%s", cands[i]);
            return 0;
        }
    }
    return sm_fail(e, "Fashion-MNIST not found; looked in: --data (not given), $SIAMESE_DATA (not "
                   "set), ./%s, %s. Install it with `apt-get install dataset-fashion-mnist` (or "
                   "scripts/setup.sh), or put the four official .gz files in ./%s, or pass "
                   "--data DIR", DEFAULT_LOCAL, DEFAULT_SYSTEM, DEFAULT_LOCAL);
}

int dataset_is_folders(const char *path)
{
    char p[4200];
    struct stat st;
    snprintf(p, sizeof p, "%s/train", path);
    if (stat(p, &st) != 0 || !S_ISDIR(st.st_mode))
        return 0;
    snprintf(p, sizeof p, "%s/test", path);
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int add_name(char ***paths, size_t *n, const char *name, sm_err *e)
{
    char **v = realloc(*paths, (*n + 1) * sizeof *v);
    if (!v)
        return sm_fail(e, "out of memory");
    *paths = v;
    if (!(v[*n] = strdup(name)))
        return sm_fail(e, "out of memory");
    (*n)++;
    return 0;
}

int dataset_inputs(const char *path, char ***paths, size_t *n, sm_err *e)
{
    static const char *const names[] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                        "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
    char file[4200];
    snprintf(file, sizeof file, "%s/classes.txt", path);
    if (access(file, F_OK) == 0 && add_name(paths, n, file, e) != 0)
        return -1;
    if (dataset_is_folders(path))
        return folders_inputs(path, paths, n, e);
    for (size_t i = 0; i < 2 * sizeof names / sizeof *names; i++) {
        snprintf(file, sizeof file, "%s/%s%s", path, names[i / 2], i % 2 ? "" : ".gz");
        if (access(file, F_OK) == 0 && add_name(paths, n, file, e) != 0)
            return -1;
    }
    return 0;
}

void split_free(split_t *s)
{
    free(s->images);
    free(s->labels);
    for (size_t i = 0; s->paths && i < s->n; i++)
        free(s->paths[i]);
    free(s->paths);
    memset(s, 0, sizeof *s);
}

void dataset_free(dataset_t *ds)
{
    split_free(&ds->train);
    split_free(&ds->test);
    classes_free(&ds->classes);
    memset(ds, 0, sizeof *ds);
}

int dataset_load_split(const char *dir, const char *prefix, split_t *s, sm_err *e)
{
    char ipath[4096], lpath[4096], name[64];
    memset(s, 0, sizeof *s);
    snprintf(name, sizeof name, "%s-images-idx3-ubyte", prefix);
    data_file(dir, name, ipath, sizeof ipath);
    snprintf(name, sizeof name, "%s-labels-idx1-ubyte", prefix);
    data_file(dir, name, lpath, sizeof lpath);

    idx_array img, lab;
    if (idx_read(ipath, IDX_MAGIC_IMAGES, &img, e) != 0)
        return -1;
    if (idx_read(lpath, IDX_MAGIC_LABELS, &lab, e) != 0) {
        idx_free(&img);
        return -1;
    }
    if (img.dims[0] != lab.dims[0]) {
        sm_fail(e, "%s: %u labels, but %s holds %u images: counts must agree", lpath,
                lab.dims[0], ipath, img.dims[0]);
        idx_free(&img);
        idx_free(&lab);
        return -1;
    }
    s->labels = malloc((lab.size ? lab.size : 1) * sizeof *s->labels);
    if (!s->labels) {
        idx_free(&img);
        idx_free(&lab);
        return sm_fail(e, "%s: out of memory for %zu labels", lpath, lab.size);
    }
    for (size_t i = 0; i < lab.size; i++)
        s->labels[i] = lab.data[i];
    idx_free(&lab);
    s->n = img.dims[0];
    s->rows = img.dims[1];
    s->cols = img.dims[2];
    s->images = img.data; /* the split owns the IDX payload now */
    snprintf(s->where, sizeof s->where, "%s", lpath);
    return 0;
}

/* The class table of an IDX set: classes.txt beside the files, else
 * Fashion-MNIST's names for Fashion-MNIST's labels, else numbers. */
static int idx_classes(const char *dir, dataset_t *ds, sm_err *e)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/classes.txt", dir);
    if (access(path, F_OK) == 0) {
        if (classes_read(&ds->classes, path, e) != 0)
            return -1;
        /* IDX labels are one byte: label 255 is the largest there is. */
        if (ds->classes.n > IDX_MAX_CLASSES)
            return sm_fail(e, "%s: %d class names, but IDX labels are one byte: at most %d "
                           "classes from IDX files (image folders take up to %d)", path,
                           ds->classes.n, IDX_MAX_CLASSES, CLASSES_MAX);
        return 0;
    }
    unsigned max = 0;
    const split_t *sp[2] = {&ds->train, &ds->test};
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < sp[k]->n; i++)
            if (sp[k]->labels[i] > max)
                max = sp[k]->labels[i];
    uint8_t *tmp = malloc(ds->train.n + 1);
    uint32_t crc_tr = 0, crc_te = 0;
    if (tmp && max == 9 && ds->train.n == 60000 && ds->test.n == 10000) {
        for (size_t i = 0; i < ds->train.n; i++)
            tmp[i] = (uint8_t)ds->train.labels[i];
        crc_tr = (uint32_t)crc32(0, tmp, (uInt)ds->train.n);
        for (size_t i = 0; i < ds->test.n; i++)
            tmp[i] = (uint8_t)ds->test.labels[i];
        crc_te = (uint32_t)crc32(0, tmp, (uInt)ds->test.n);
    }
    free(tmp);
    if (crc_tr == FASHION_TRAIN_LABELS_CRC && crc_te == FASHION_TEST_LABELS_CRC)
        return classes_fashion(&ds->classes, e);
    if (max + 1 < CLASSES_MIN)
        return sm_fail(e, "%s: every label is %u: expected at least %d classes", ds->train.where,
                       max, CLASSES_MIN);
    return classes_numbered(&ds->classes, (int)max + 1, e);
}

static int load_idx(const char *dir, dataset_t *ds, sm_err *e)
{
    if (dataset_load_split(dir, "train", &ds->train, e) != 0)
        return -1;
    if (dataset_load_split(dir, "t10k", &ds->test, e) != 0)
        return -1;
    if (ds->train.rows != ds->test.rows || ds->train.cols != ds->test.cols)
        return sm_fail(e, "%s: test images are %zux%zu but training images are %zux%zu: sizes "
                       "must agree", dir, ds->test.rows, ds->test.cols, ds->train.rows,
                       ds->train.cols);
    ds->kind = DATA_IDX;
    return idx_classes(dir, ds, e);
}

/* Labels below C, and at least two images of every class in the split. */
static int check_split(const split_t *s, const class_table *ct, sm_err *e)
{
    size_t *count = calloc((size_t)ct->n, sizeof *count);
    if (!count)
        return sm_fail(e, "out of memory");
    int rc = 0;
    for (size_t i = 0; i < s->n && rc == 0; i++) {
        if (s->labels[i] >= ct->n)
            rc = sm_fail(e, "%s: label %u at index %zu: expected a class below %d (the class "
                         "table has %d names)", s->where, s->labels[i], i, ct->n, ct->n);
        else
            count[s->labels[i]]++;
    }
    for (int c = 0; c < ct->n && rc == 0; c++)
        if (count[c] < 2)
            rc = sm_fail(e, "%s: class %d (%s) has %zu image%s: the pair builder needs at "
                         "least 2 of every class in each split", s->where, c, ct->names[c],
                         count[c], count[c] == 1 ? "" : "s");
    free(count);
    return rc;
}

/* Resizes every image of s to W x H in place (a new buffer). */
static int resize_split(split_t *s, int W, int H, sm_err *e)
{
    size_t P = (size_t)W * (size_t)H;
    uint8_t *out = malloc(s->n * P + 1);
    if (!out)
        return sm_fail(e, "%s: out of memory resizing %zu images", s->where, s->n);
    for (size_t i = 0; i < s->n; i++)
        if (image_resize(s->images + i * s->rows * s->cols, (int)s->cols, (int)s->rows,
                         out + i * P, W, H, e) != 0) {
            free(out);
            return -1;
        }
    free(s->images);
    s->images = out;
    s->rows = (size_t)H;
    s->cols = (size_t)W;
    return 0;
}

static uint64_t fnv(uint64_t h, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++) {
        h ^= (v >> (8 * i)) & 0xff;
        h *= 0x100000001b3ull;
    }
    return h;
}

uint64_t dataset_fingerprint(const dataset_t *ds)
{
    uint64_t h = 0xcbf29ce484222325ull;
    h = fnv(h, ds->train.rows, 4);
    h = fnv(h, ds->train.cols, 4);
    h = fnv(h, (uint64_t)ds->classes.n, 4);
    const split_t *sp[2] = {&ds->train, &ds->test};
    for (int k = 0; k < 2; k++) {
        const split_t *s = sp[k];
        size_t P = s->rows * s->cols;
        h = fnv(h, s->n, 8);
        /* Class by class, each image's CRC once (no allocation: the
         * fingerprint cannot fail). */
        for (int c = 0; c < ds->classes.n; c++)
            for (size_t i = 0; i < s->n; i++)
                if (s->labels[i] == c)
                    h = fnv(h, (uint32_t)crc32(0, s->images + i * P, (uInt)P), 4);
    }
    return h ? h : 1;
}

int dataset_open(const char *path, const data_options *o, dataset_t *ds, sm_err *e)
{
    data_options def = {0, 0, 1};
    if (!o)
        o = &def;
    memset(ds, 0, sizeof *ds);
    int rc = dataset_is_folders(path) ? folders_load(path, o, ds, e) : load_idx(path, ds, e);
    if (rc == 0 && (ds->classes.n < CLASSES_MIN || ds->classes.n > CLASSES_MAX))
        rc = sm_fail(e, "%s: %d classes: expected %d to %d", path, ds->classes.n, CLASSES_MIN,
                     CLASSES_MAX);
    if (rc == 0)
        rc = check_split(&ds->train, &ds->classes, e);
    if (rc == 0)
        rc = check_split(&ds->test, &ds->classes, e);
    if (rc == 0 && ds->kind == DATA_IDX && o->width > 0 &&
        ((size_t)o->width != ds->train.cols || (size_t)o->height != ds->train.rows)) {
        rc = resize_split(&ds->train, o->width, o->height, e);
        if (rc == 0)
            rc = resize_split(&ds->test, o->width, o->height, e);
    }
    if (rc == 0 && o->width > 0)
        ds->resize = IMAGE_RESIZE_BOX;
    if (rc != 0) {
        dataset_free(ds);
        return -1;
    }
    ds->fingerprint = dataset_fingerprint(ds);
    return 0;
}

int dataset_load(const char *dir, dataset_t *ds, sm_err *e)
{
    return dataset_open(dir, NULL, ds, e);
}
