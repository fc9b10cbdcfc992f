/* source_idx.c - the IDX data source: (Fashion-)MNIST's four files read
 * with idx.c, the class table from classes.txt, Fashion-MNIST's labels or
 * numbers; see source.h. Shapes: a split's images [N, rows, cols] are the
 * IDX payload as read, its labels [N] widened from bytes. */
#include "source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "idx.h"
#include "names.h"

/* CRC-32 of the label bytes of Fashion-MNIST's two label files: how the
 * loader knows the files are Fashion-MNIST's and names the classes. */
#define FASHION_TRAIN_LABELS_CRC 0x2ed6e46au
#define FASHION_TEST_LABELS_CRC 0x242bc73fu

/* Writes dir/name(.gz) into out, preferring the .gz file when both exist.
 * Returns 1 if one of them exists. */
static int data_file(const char *dir, const char *name, char *out, size_t n)
{
    char gz[256];
    snprintf(gz, sizeof gz, "%s.gz", name);
    names_join(out, n, dir, gz);
    if (access(out, F_OK) == 0)
        return 1;
    names_join(out, n, dir, name);
    if (access(out, F_OK) == 0)
        return 1;
    names_join(out, n, dir, gz);
    return 0;
}

static int idx_probe(const char *dir)
{
    char probe[4096];
    return data_file(dir, "train-images-idx3-ubyte", probe, sizeof probe);
}

static int idx_inputs(const char *dir, char ***paths, size_t *n, sm_err *e)
{
    static const char *const names[] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                        "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
    name_list l = {*paths, *n, *n};
    int rc = 0;
    char file[4200];
    /* Both forms of each: whichever exists is read, and a .gz beside its
     * plain file still must not be overwritten. */
    for (size_t i = 0; rc == 0 && i < 2 * sizeof names / sizeof *names; i++) {
        char name[64];
        snprintf(name, sizeof name, "%s%s", names[i / 2], i % 2 ? "" : ".gz");
        names_join(file, sizeof file, dir, name);
        if (access(file, F_OK) == 0 && names_add(&l, file) != 0)
            rc = sm_fail(e, "out of memory");
    }
    *paths = l.v;
    *n = l.n;
    return rc;
}

int source_idx_split(const char *dir, const char *prefix, split_t *s, sm_err *e)
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
    s->channels = 1;
    s->images = img.data; /* the split owns the IDX payload now */
    snprintf(s->where, sizeof s->where, "%s", lpath);
    return 0;
}

/* 1 when ds's labels are Fashion-MNIST's (their CRCs; max: the largest
 * label of both splits). */
static int is_fashion(const dataset_t *ds, unsigned max)
{
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
    return crc_tr == FASHION_TRAIN_LABELS_CRC && crc_te == FASHION_TEST_LABELS_CRC;
}

/* The class table of an IDX set: classes.txt beside the files, else
 * Fashion-MNIST's names for Fashion-MNIST's labels, else numbers. */
static int idx_classes(const char *dir, dataset_t *ds, sm_err *e)
{
    char path[4200];
    names_join(path, sizeof path, dir, "classes.txt");
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
    if (is_fashion(ds, max))
        return classes_fashion(&ds->classes, e);
    if (max + 1 < CLASSES_MIN)
        return sm_fail(e, "%s: every label is %u: expected at least %d classes", ds->train.where,
                       max, CLASSES_MIN);
    return classes_numbered(&ds->classes, (int)max + 1, e);
}

/* o is not used: dataset.c resizes IDX images to --size after its
 * checks, and refuses o->rgb before (IDX images are grey: the row's
 * colour is 0). */
static int idx_load(const char *dir, const data_options *o, dataset_t *ds, sm_err *e)
{
    (void)o;
    if (source_idx_split(dir, "train", &ds->train, e) != 0)
        return -1;
    if (source_idx_split(dir, "t10k", &ds->test, e) != 0)
        return -1;
    if (ds->train.rows != ds->test.rows || ds->train.cols != ds->test.cols)
        return sm_fail(e, "%s: test images are %zux%zu but training images are %zux%zu: sizes "
                       "must agree", dir, ds->test.rows, ds->test.cols, ds->train.rows,
                       ds->train.cols);
    return idx_classes(dir, ds, e);
}

const data_source source_idx = {"idx", idx_probe, idx_load, idx_inputs, NULL, 0};
