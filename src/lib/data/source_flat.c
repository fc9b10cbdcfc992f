/* source_flat.c - one folder of images without labels (train --pairs
 * augment, the cold start): every image under the folder, searched
 * recursively as embed and inspect read a PATH (folders_list_images),
 * one class, and a seeded tenth held out as the "test" split for the
 * validation loss. Not a row dataset_open probes: a folder is read this
 * way only when the caller allows it (data_options.flat) and neither
 * other source claims it, so every other command keeps its messages.
 *
 * The holdout: with n images in listing order, t = max(2, (n + 5) / 10)
 * of them (a tenth, rounded); the listing's indices 0..n-1 are shuffled
 * (rng_shuffle_u32) with the generator o->holdout, and the first t of
 * that permutation are held out. Both splits keep the listing order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "folders.h"
#include "source.h"

/* The one class of a folder without labels. */
#define FLAT_CLASS "(unlabelled)"

static int flat_probe(const char *dir)
{
    (void)dir;
    return 0; /* never probed: dataset_open chooses it (see above) */
}

/* s = the images of `all` [n, P] (and their paths, moved) whose mark is
 * `which`, in order. */
static int take(split_t *s, const uint8_t *all, char **paths, const uint8_t *mark, size_t n,
                int which, size_t P, sm_err *e)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += mark[i] == which;
    s->images = malloc(k * P + 1);
    s->labels = calloc(k + 1, sizeof *s->labels);
    s->paths = calloc(k + 1, sizeof *s->paths);
    if (!s->images || !s->labels || !s->paths)
        return sm_fail(e, "out of memory for %zu images", k);
    s->n = 0;
    for (size_t i = 0; i < n; i++)
        if (mark[i] == which) {
            memcpy(s->images + s->n * P, all + i * P, P);
            s->paths[s->n++] = paths[i];
            paths[i] = NULL;
        }
    return 0;
}

static int flat_split(const char *dir, const data_options *o, dataset_t *ds, char **paths,
                      size_t n, const uint8_t *all, size_t rows, size_t cols, sm_err *e)
{
    size_t C = o->rgb ? 3 : 1, P = C * rows * cols, t = (n + 5) / 10;
    t = t < 2 ? 2 : t;
    uint32_t *perm = malloc(n * sizeof *perm);
    uint8_t *mark = calloc(n, 1);
    if (!perm || !mark) {
        free(perm);
        free(mark);
        return sm_fail(e, "out of memory for %zu images", n);
    }
    for (size_t i = 0; i < n; i++)
        perm[i] = (uint32_t)i;
    rng_t r = o->holdout;
    rng_shuffle_u32(&r, perm, n);
    for (size_t i = 0; i < t; i++)
        mark[perm[i]] = 1;
    split_t *sp[2] = {&ds->train, &ds->test};
    int rc = 0;
    for (int k = 0; k < 2 && rc == 0; k++) {
        rc = take(sp[k], all, paths, mark, n, k, P, e);
        sp[k]->rows = rows;
        sp[k]->cols = cols;
        sp[k]->channels = C;
        snprintf(sp[k]->where, sizeof sp[k]->where, "%s (%s)", dir,
                 k ? "the tenth held out" : "the images trained on");
    }
    free(perm);
    free(mark);
    return rc;
}

static int flat_load(const char *dir, const data_options *o, dataset_t *ds, sm_err *e)
{
    char **paths = NULL;
    size_t n = 0;
    if (folders_list_images(dir, &paths, &n, &ds->skipped, e) != 0)
        return -1;
    int rc = 0;
    if (n < 4)
        rc = sm_fail(e, "%s: %zu image%s: a folder of images without train/ and test/ needs at "
                     "least 4 (a tenth, at least 2, is held out for the validation loss)", dir,
                     n, n == 1 ? "" : "s");
    uint8_t *all = NULL;
    size_t rows = 0, cols = 0;
    if (rc == 0)
        rc = folders_decode(paths, n, o->width, o->height, o->rgb ? 3 : 1, o->threads, &all,
                            &rows, &cols, "or pass --size WxH to resize them all", e);
    if (rc == 0)
        rc = flat_split(dir, o, ds, paths, n, all, rows, cols, e);
    if (rc == 0)
        rc = classes_add(&ds->classes, FLAT_CLASS, e);
    free(all);
    for (size_t i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
    return rc;
}

/* What it reads: the folder, its images and the folders holding them. */
const data_source source_flat = {"folder", flat_probe, flat_load, folders_inputs, NULL, 1};
