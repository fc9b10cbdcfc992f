/* dataset_types.h - what a data set is in memory (dataset.h says what
 * it holds and checks). A header of its own so that the source rows
 * (source.h) can name it without dataset.h, whose dispatcher walks them. */
#ifndef SIAMESE_DATASET_TYPES_H
#define SIAMESE_DATASET_TYPES_H

#include <stddef.h>
#include <stdint.h>

#include "classes.h"
#include "rng.h"

typedef struct {
    size_t n;           /* number of images */
    size_t rows, cols;  /* image size; pixels = rows * cols */
    size_t channels; /* 1 grey, 3 RGB (--rgb): images [n, channels, rows, cols], channels first */
    uint8_t *images;    /* [n, channels, rows, cols], 0..255 */
    uint16_t *labels;   /* [n], < the data set's class count */
    char **paths;       /* [n] the file of each image (folders); NULL for IDX */
    char where[4096];   /* what the split was read from (labels file or
                           split folder), for messages */
} split_t;

struct data_source;

typedef struct dataset_s {
    split_t train, test;
    class_table classes;
    const struct data_source *source; /* the row that loaded it (source.h) */
    uint32_t resize;      /* IMAGE_RESIZE_* applied while loading */
    uint64_t fingerprint; /* dataset_fingerprint() */
    size_t skipped;       /* files skipped as not images by name (folders) */
} dataset_t;

/* How to load: --size, the decoding threads, --rgb, and whether a plain
 * folder of images may be the data (train --pairs augment). */
typedef struct {
    int width, height; /* resize every image to width x height; 0 = keep */
    int threads;       /* decoding threads for image folders, >= 1 */
    int rgb; /* 1: keep three channels */
    int flat;      /* 1: a folder neither IDX files nor train/ and test/ folders
                      is one folder of unlabelled images (source_flat.c) */
    rng_t holdout; /* flat: the generator that picks the held-out tenth */
} data_options;

#endif
