/* dataset.h - a data set: train and test splits of images of one size
 * (grey, or red, green and blue planes with --rgb),
 * their labels and class table, whatever the source.
 *
 * The sources (IDX files, image folders) are rows of a table (source.h):
 * dataset_open picks the row by what PATH holds and loads with it.
 * Checks, whatever the source: CLASSES_MIN..CLASSES_MAX classes, every
 * label below C, every class with at least two images in each split (the
 * pair builder needs them), train and test images of one size.
 */
#ifndef SIAMESE_DATASET_H
#define SIAMESE_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "dataset_types.h"
#include "err.h"

/* Picks the data path: `opt` (from --data) if not NULL, else
 * $SIAMESE_DATA, else ./data/fashion-mnist, else
 * /usr/share/datasets/fashion-mnist. The first default the IDX source's
 * probe claims (train-images-idx3-ubyte(.gz) there) wins; an explicit --data or $SIAMESE_DATA
 * is always taken (and then fails with its own message). Writes the path
 * to out; returns -1 with every place looked listed. */
int dataset_find_dir(const char *opt, char *out, size_t outlen, sm_err *e);

/* What loading the data set at path reads, for checking outputs against
 * (outputs.h): path/classes.txt if it exists, then what the source that
 * would load path lists (its inputs row: for IDX files, those of the four,
 * gzipped or not, that exist; for image folders, path itself and every
 * image and folder under it). Appends malloc'd names to *paths / *n (free
 * each, then the array). Returns 0 or -1. */
int dataset_inputs(const char *path, char ***paths, size_t *n, sm_err *e);

/* Loads the data set at path (either source; with o->flat, a folder
 * neither claims is one folder of unlabelled images, one class, a seeded
 * tenth held out as the test split: source_flat.c), checks it and
 * computes its fingerprint. o may be NULL (no resizing, one thread, grey); o->rgb on a
 * source that holds grey images only is refused (dataset_check_options). Returns 0, or -1
 * with e naming the file or folder and the fault; ds then holds nothing. */
int dataset_open(const char *path, const data_options *o, dataset_t *ds, sm_err *e);

/* 0 when the source that would load path can take o (o may be NULL),
 * else -1 with e saying why: a folder of images (no source claims it,
 * none of the IDX files is there, and it holds an image file by name or a
 * folder) without o->flat ("PATH: neither IDX
 * files nor train/ and test/ class folders: a folder of images has no
 * labels to pair by: only train --pairs augment (and a model trained
 * so) reads it": the one message
 * of every command that reads labels); IDX files and o->rgb ("PATH: IDX
 * files hold grey images; --rgb needs image folders"). Cheap (the
 * sources' probes, a few stats and one folder listing): for refusing an
 * option as a usage error before any work; dataset_open checks it too. */
int dataset_check_options(const char *path, const data_options *o, sm_err *e);

/* For training without labels (train --pairs augment): 0 unless path is
 * a folder read as one folder of images (o->flat; no source claims it)
 * that holds a folder named good beside other folders, MVTec AD's test/
 * layout (good/ and one folder per defect type), whose defects would be
 * trained on as good. Then -1 with e naming the folders and the folder of
 * good images to give: PATH/good, and first PARENT/train/good when PATH
 * is PARENT/test and that is a folder ("PATH: good/ beside blob/,
 * scratch/ (the MVTec AD test layout): ..."). Cheap: one folder listing. */
int dataset_check_unlabelled(const char *path, sm_err *e);

/* dataset_open with the default options. */
int dataset_load(const char *dir, dataset_t *ds, sm_err *e);

/* The fingerprint of what training sees: a 64-bit FNV-1a over the image
 * size, the channel count when it is not 1 (grey data hashes as before
 * --rgb existed), the class count, then for each split (train, test), for each class
 * c in order, the CRC-32 of every image (all its planes) of class c in split order. The
 * order of classes within the splits' image lists does not matter, so IDX
 * files and their export to folders have the same fingerprint. */
uint64_t dataset_fingerprint(const dataset_t *ds);

/* Free what the loaders allocated; safe on an empty dataset or split. */
void dataset_free(dataset_t *ds);
void split_free(split_t *s);

#endif
