/* dataset.c - finding, loading and checking a data set; see dataset.h.
 * The dispatcher: the sources are rows of a table (source.h), each in its
 * own file (source_idx.c, source_folders.c); here the row is chosen, and
 * what every data set must satisfy is checked. */
#include "dataset.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "image.h"
#include "names.h"
#include "source.h"

#define DEFAULT_LOCAL "data/fashion-mnist"
#define DEFAULT_SYSTEM "/usr/share/datasets/fashion-mnist"

/* The sources in the order they are probed: the first that claims a folder
 * loads it (a folder with train/ and test/ folders is image folders even
 * with IDX files beside them). A folder no row claims goes to
 * default_source, whose loader then names the file it expected; the
 * default folders are looked for with its probe too. */
static const data_source *const sources[] = {&source_folders, &source_idx};
static const data_source *const default_source = &source_idx;

static const data_source *source_for(const char *dir)
{
    for (size_t i = 0; i < sizeof sources / sizeof *sources; i++)
        if (sources[i]->probe(dir))
            return sources[i];
    return default_source;
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
    for (size_t i = 0; i < sizeof cands / sizeof *cands; i++) {
        if (default_source->probe(cands[i])) {
            snprintf(out, outlen, "%s", cands[i]);
            return 0;
        }
    }
    return sm_fail(e, "Fashion-MNIST not found; looked in: --data (not given), $SIAMESE_DATA (not "
                   "set), ./%s, %s. Install it with `apt-get install dataset-fashion-mnist` (or "
                   "scripts/setup.sh), or put the four official .gz files in ./%s, or pass "
                   "--data DIR", DEFAULT_LOCAL, DEFAULT_SYSTEM, DEFAULT_LOCAL);
}

static const data_source *source_with(const char *path, const data_options *o);

int dataset_inputs(const char *path, char ***paths, size_t *n, sm_err *e)
{
    /* classes.txt, which every source takes its class names from when it
     * is there, first. */
    char file[4200];
    names_join(file, sizeof file, path, "classes.txt");
    if (access(file, F_OK) == 0) {
        name_list l = {*paths, *n, *n};
        int rc = names_add(&l, file);
        *paths = l.v;
        *n = l.n;
        if (rc != 0)
            return sm_fail(e, "out of memory");
    }
    /* A plain folder may be train --pairs augment's data: list its images
     * (a folder that is no data set is refused when loaded anyway). */
    data_options flat = {.threads = 1, .flat = 1};
    return source_with(path, &flat)->inputs(path, paths, n, e);
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
    if (ds->source && ds->source->release)
        ds->source->release(ds);
    split_free(&ds->train);
    split_free(&ds->test);
    classes_free(&ds->classes);
    memset(ds, 0, sizeof *ds);
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

/* Resizes every image of s to W x H in place (a new buffer), each
 * channel's plane on its own. */
static int resize_split(split_t *s, int W, int H, sm_err *e)
{
    size_t P = s->channels * (size_t)W * (size_t)H;
    uint8_t *out = malloc(s->n * P + 1);
    if (!out)
        return sm_fail(e, "%s: out of memory resizing %zu images", s->where, s->n);
    for (size_t i = 0; i < s->n; i++)
        if (image_resize_planes(s->images + i * s->channels * s->rows * s->cols,
                                (int)s->channels, (int)s->cols, (int)s->rows, out + i * P, W,
                                H, e) != 0) {
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
    /* Grey data hashes as it did before channels existed; colour data
     * adds its channel count, and each CRC covers all its planes. */
    if (ds->train.channels != 1)
        h = fnv(h, ds->train.channels, 4);
    h = fnv(h, (uint64_t)ds->classes.n, 4);
    const split_t *sp[2] = {&ds->train, &ds->test};
    for (int k = 0; k < 2; k++) {
        const split_t *s = sp[k];
        size_t P = s->channels * s->rows * s->cols;
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

/* The row that loads path under o: a folder no row claims is one folder
 * of images when o allows it. */
static const data_source *source_with(const char *path, const data_options *o)
{
    const data_source *src = source_for(path);
    struct stat st;
    if (o && o->flat && src == default_source && !default_source->probe(path) &&
        stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return &source_flat;
    return src;
}

/* 1 when path is a folder that no source claims, holds none of the IDX
 * files (one of them alone is IDX files missing the others, which the IDX
 * loader names) and holds an image by name or a folder: a folder of
 * images, which only o->flat reads. An empty folder is not one: the IDX
 * loader names the file it expected there. */
static int unlabelled_folder(const char *path)
{
    data_options flat = {.threads = 1, .flat = 1};
    if (source_with(path, &flat) != &source_flat)
        return 0;
    char **idx = NULL;
    size_t n_idx = 0;
    sm_err ignored;
    int rc = source_idx.inputs(path, &idx, &n_idx, &ignored);
    for (size_t i = 0; i < n_idx; i++)
        free(idx[i]);
    free(idx);
    name_list files, dirs;
    if (rc != 0 || n_idx > 0 || names_in_dir(path, &files, &dirs, &ignored) != 0)
        return 0;
    int images = dirs.n > 0;
    for (size_t i = 0; i < files.n && !images; i++)
        images = image_name_ok(files.v[i]);
    names_free(&files);
    names_free(&dirs);
    return images;
}

int dataset_check_options(const char *path, const data_options *o, sm_err *e)
{
    if (!(o && o->flat) && unlabelled_folder(path))
        return sm_fail(e, "%s: neither IDX files nor train/ and test/ class folders: a folder "
                       "of images has no labels to pair by: only train --pairs augment (and a "
                       "model trained so) reads it",
                       path);
    const data_source *src = source_with(path, o);
    if (o && o->rgb && !src->colour)
        return sm_fail(e, "%s: %s files hold grey images; --rgb needs image folders", path,
                       src == &source_idx ? "IDX" : src->name);
    return 0;
}

/* The folder of good images to train on instead of path, which holds
 * good/ beside defect folders: path's own good/, and when path is a
 * part's test/ (MVTec AD) with a train/good/ beside it, that one too. */
static void good_folders(const char *path, char *out, size_t n)
{
    size_t len = strlen(path);
    while (len > 1 && path[len - 1] == '/')
        len--;
    size_t cut = len;
    while (cut > 0 && path[cut - 1] != '/')
        cut--;
    char own[4200], train[4200];
    names_join(own, sizeof own, path, "good");
    snprintf(train, sizeof train, "%.*strain/good", (int)cut, path);
    struct stat st;
    int sibling = len - cut == 4 && strncmp(path + cut, "test", 4) == 0 &&
                  stat(train, &st) == 0 && S_ISDIR(st.st_mode);
    snprintf(out, n, "--data %s%s%s", sibling ? train : own, sibling ? ", or " : "",
             sibling ? own : "");
}

int dataset_check_unlabelled(const char *path, sm_err *e)
{
    data_options flat = {.threads = 1, .flat = 1};
    name_list dirs;
    sm_err ignored;
    if (source_with(path, &flat) != &source_flat || names_in_dir(path, NULL, &dirs, &ignored))
        return 0;
    int rc = 0;
    if (dirs.n >= 2 && names_has(&dirs, "good")) {
        char others[400] = "", hint[8600];
        size_t shown = 0;
        for (size_t i = 0; i < dirs.n && strlen(others) < 200; i++)
            if (strcmp(dirs.v[i], "good") != 0)
                snprintf(others + strlen(others), sizeof others - strlen(others), "%s%s/",
                         shown++ ? ", " : "", dirs.v[i]);
        if (shown < dirs.n - 1)
            snprintf(others + strlen(others), sizeof others - strlen(others), " and %zu more",
                     dirs.n - 1 - shown);
        good_folders(path, hint, sizeof hint);
        rc = sm_fail(e, "%s: good/ beside %s (the MVTec AD test layout): without labels every "
                     "image would be trained on as good, the defects too; give the folder of "
                     "good images itself (e.g. %s)", path, others, hint);
    }
    names_free(&dirs);
    return rc;
}

int dataset_open(const char *path, const data_options *o, dataset_t *ds, sm_err *e)
{
    data_options def = {.threads = 1};
    if (!o)
        o = &def;
    memset(ds, 0, sizeof *ds);
    /* Name the path given, not the first file a source would look for in it. */
    struct stat st;
    if (stat(path, &st) != 0)
        return sm_fail(e, "%s: %s (expected a data folder)", path, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return sm_fail(e, "%s: not a folder (expected a data folder: IDX files, train/ and "
                       "test/ class folders%s)", path, o->flat ? ", or a folder of images" : "");
    if (dataset_check_options(path, o, e) != 0)
        return -1;
    ds->source = source_with(path, o);
    int rc = ds->source->load(path, o, ds, e);
    /* Without labels (o->flat: the cold start) one class is enough. */
    int fewest = o->flat ? 1 : CLASSES_MIN;
    if (rc == 0 && (ds->classes.n < fewest || ds->classes.n > CLASSES_MAX))
        rc = sm_fail(e, "%s: %d class%s: expected %d to %d", path, ds->classes.n,
                     ds->classes.n == 1 ? "" : "es", fewest,
                     CLASSES_MAX);
    if (rc == 0)
        rc = check_split(&ds->train, &ds->classes, e);
    if (rc == 0)
        rc = check_split(&ds->test, &ds->classes, e);
    /* A source that resizes while decoding (image folders) leaves nothing
     * to do here; IDX images are resized after the checks. */
    if (rc == 0 && o->width > 0 &&
        ((size_t)o->width != ds->train.cols || (size_t)o->height != ds->train.rows)) {
        rc = resize_split(&ds->train, o->width, o->height, e);
        if (rc == 0)
            rc = resize_split(&ds->test, o->width, o->height, e);
    }
    if (rc == 0 && o->width > 0)
        ds->resize = IMAGE_RESIZE_BOX;
    if (rc != 0 && o->flat && ds->source == &source_folders) {
        /* train/ and test/ of an MVTec-style part (train/good, test/<defect>)
         * are class folders that need not match when labels are ignored,
         * but the good images alone are the data a cold start wants. */
        sm_err why = *e;
        char good[4200];
        names_join(good, sizeof good, path, "train/good");
        sm_fail(e, "%s; without labels, give the folder of good images itself (e.g. %s)",
                why.msg, good);
    }
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
