/* source.h - the data sources: one row per kind of data set on disk.
 *
 * dataset_open (dataset.c) walks the table: the first row whose probe
 * claims the folder loads it; a folder no row claims goes to the default
 * row (IDX files), whose loader then names the file it expected. After the
 * row's load, dataset.c checks what every source must give (class count,
 * labels below C, two images of each class per split), resizes images a
 * source left at their own size to --size, and takes the fingerprint.
 *
 * A new source (CSV rows, a memory-mapped .npy): its file source_foo.c
 * defining `const data_source source_foo`, its declaration below, and one
 * row in dataset.c's table.
 */
#ifndef SIAMESE_SOURCE_H
#define SIAMESE_SOURCE_H

#include <stddef.h>

#include "dataset_types.h"
#include "err.h"

typedef struct data_source {
    const char *name; /* "idx", "folders" */
    /* 1 when dir holds this kind of data set (cheap: a stat or two). */
    int (*probe)(const char *dir);
    /* Fills ds's splits (images, labels, channels, where; paths when it
     * has them; 3 channels when o->rgb),
     * classes and skipped, both splits one image size. May resize to
     * o->width x o->height while decoding (o->width > 0); what it leaves
     * at another size dataset.c resizes. Returns 0, or -1 with e naming
     * the file or folder at fault (dataset.c then frees ds). */
    int (*load)(const char *dir, const data_options *o, dataset_t *ds, sm_err *e);
    /* Appends (malloc'd) the files and folders loading dir reads, for
     * checking outputs against (outputs.h), beyond dir/classes.txt, which
     * dataset_inputs lists for every source. Only what exists. Returns 0
     * or -1 (out of memory). */
    int (*inputs)(const char *dir, char ***paths, size_t *n, sm_err *e);
    /* Frees what load holds beyond the splits' and classes' malloc'd
     * arrays (which dataset_free frees): a mapping, an open file. NULL
     * when there is nothing more. */
    void (*release)(dataset_t *ds);
    /* 1 when load can keep three channels (o->rgb); with 0, dataset.c
     * refuses o->rgb before load. */
    int colour;
} data_source;

/* IDX files, MNIST-style names, gzipped (*.gz, preferred) or not:
 *     train-images-idx3-ubyte  train-labels-idx1-ubyte
 *     t10k-images-idx3-ubyte   t10k-labels-idx1-ubyte
 * Any image size, labels 0..C-1 (one byte each: at most IDX_MAX_CLASSES
 * classes); class names from a classes.txt beside them, else
 * Fashion-MNIST's when the label files are Fashion-MNIST's, else
 * "0".."C-1". Grey only (colour 0). Probe: train-images-idx3-ubyte(.gz)
 * exists. The default row. source_idx.c. */
extern const data_source source_idx;

/* Image folders: PATH/train/<class>/<image>, PATH/test/<class>/<image>,
 * PATH/classes.txt optional. Probe: PATH/train and PATH/test are folders.
 * source_folders.c, which says how classes and images are found. */
extern const data_source source_folders;

/* One folder of images, no labels, searched recursively; a seeded tenth
 * held out as the test split (data_options.flat; source_flat.c). */
extern const data_source source_flat;

/* IDX labels are one byte (0..255): the most classes IDX files can hold.
 * A classes.txt with more names beside them is refused. */
#define IDX_MAX_CLASSES 256

/* Loads one IDX split ("train" or "t10k" prefix) from dir, labels as they
 * are (not checked against a class count). Returns 0 or -1 (s then holds
 * nothing). */
int source_idx_split(const char *dir, const char *prefix, split_t *s, sm_err *e);

#endif
