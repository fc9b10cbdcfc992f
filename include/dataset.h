/* dataset.h - Fashion-MNIST train and test splits, images kept as bytes.
 *
 * The four files are the official names, gzipped (*.gz) or not:
 *   train-images-idx3-ubyte  train-labels-idx1-ubyte
 *   t10k-images-idx3-ubyte   t10k-labels-idx1-ubyte
 * Checks: image and label counts agree, labels are below DATASET_CLASSES,
 * train and test images have the same size.
 */
#ifndef SIAMESE_DATASET_H
#define SIAMESE_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "idx.h"

#define DATASET_CLASSES 10

typedef struct {
    size_t n;              /* number of images */
    size_t rows, cols;     /* image size; pixels = rows * cols */
    const uint8_t *images; /* [n, rows, cols], 0..255 */
    const uint8_t *labels; /* [n], < DATASET_CLASSES */
    idx_array img_, lab_;  /* owners of the two buffers above */
} split_t;

typedef struct {
    split_t train, test;
} dataset_t;

/* The class names of Fashion-MNIST, indexed by label. */
extern const char *const dataset_class_names[DATASET_CLASSES];

/* Picks the data folder: `opt` (from --data) if not NULL, else
 * $SIAMESE_DATA, else ./data/fashion-mnist, else
 * /usr/share/datasets/fashion-mnist. The first candidate that holds
 * train-images-idx3-ubyte(.gz) wins, except that an explicit --data or
 * $SIAMESE_DATA is always taken (and then fails with its own message).
 * Writes the folder to out; returns -1 with every place looked listed. */
int dataset_find_dir(const char *opt, char *out, size_t outlen, sm_err *e);

/* Loads all four files from dir. Returns 0, or -1 with e naming the file
 * and the fault; on failure ds holds nothing to free. */
int dataset_load(const char *dir, dataset_t *ds, sm_err *e);

/* Loads one split ("train" or "t10k" prefix) from dir. */
int dataset_load_split(const char *dir, const char *prefix, split_t *s, sm_err *e);

/* Free what the loaders allocated; safe on an empty dataset or split. */
void dataset_free(dataset_t *ds);
void split_free(split_t *s);

#endif
