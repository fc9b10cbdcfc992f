/* dataset.c - loading and checking the four Fashion-MNIST files. */
#include "dataset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *const dataset_class_names[DATASET_CLASSES] = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot",
};

#define DEFAULT_LOCAL "data/fashion-mnist"
#define DEFAULT_SYSTEM "/usr/share/datasets/fashion-mnist"

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

void split_free(split_t *s)
{
    idx_free(&s->img_);
    idx_free(&s->lab_);
    memset(s, 0, sizeof *s);
}

void dataset_free(dataset_t *ds)
{
    split_free(&ds->train);
    split_free(&ds->test);
}

int dataset_load_split(const char *dir, const char *prefix, split_t *s, sm_err *e)
{
    char ipath[4096], lpath[4096], name[64];
    memset(s, 0, sizeof *s);
    snprintf(name, sizeof name, "%s-images-idx3-ubyte", prefix);
    data_file(dir, name, ipath, sizeof ipath);
    snprintf(name, sizeof name, "%s-labels-idx1-ubyte", prefix);
    data_file(dir, name, lpath, sizeof lpath);

    if (idx_read(ipath, IDX_MAGIC_IMAGES, &s->img_, e) != 0)
        return -1;
    if (idx_read(lpath, IDX_MAGIC_LABELS, &s->lab_, e) != 0) {
        split_free(s);
        return -1;
    }
    if (s->img_.dims[0] != s->lab_.dims[0]) {
        sm_fail(e, "%s: %u labels, but %s holds %u images: counts must agree", lpath,
                s->lab_.dims[0], ipath, s->img_.dims[0]);
        split_free(s);
        return -1;
    }
    for (size_t i = 0; i < s->lab_.size; i++) {
        if (s->lab_.data[i] >= DATASET_CLASSES) {
            sm_fail(e, "%s: label %u at index %zu: expected a class below %d", lpath,
                    s->lab_.data[i], i, DATASET_CLASSES);
            split_free(s);
            return -1;
        }
    }
    s->n = s->img_.dims[0];
    s->rows = s->img_.dims[1];
    s->cols = s->img_.dims[2];
    s->images = s->img_.data;
    s->labels = s->lab_.data;
    return 0;
}

int dataset_load(const char *dir, dataset_t *ds, sm_err *e)
{
    memset(ds, 0, sizeof *ds);
    if (dataset_load_split(dir, "train", &ds->train, e) != 0)
        return -1;
    if (dataset_load_split(dir, "t10k", &ds->test, e) != 0) {
        dataset_free(ds);
        return -1;
    }
    if (ds->train.rows != ds->test.rows || ds->train.cols != ds->test.cols) {
        sm_fail(e, "%s: test images are %zux%zu but training images are %zux%zu: sizes must "
                "agree", dir, ds->test.rows, ds->test.cols, ds->train.rows, ds->train.cols);
        dataset_free(ds);
        return -1;
    }
    return 0;
}
