/* mvtec.h - the MVTec AD folder layout of a set of images to inspect:
 *   ROOT/good/<image>   ROOT/<defect type>/<image>
 * where the truth of every image is known by the folder it is in. */
#ifndef SIAMESE_MVTEC_H
#define SIAMESE_MVTEC_H

#include <stddef.h>

#include "err.h"

/* The type of each of paths [n] (as folders_list_images lists root: each
 * path is root joined to the rest by names_join, names.h, whether or not
 * root ends in '/'). When root/good is a folder: names
 * [*ntypes] holds "good" first, then each other first-level folder in the
 * order its first image comes; type [n] is each image's index in it.
 * Otherwise *ntypes = 0, *names = NULL and every type is -1. Returns 0, or
 * -1 with e set (an image of root outside any folder; out of memory). */
int mvtec_types(const char *root, char *const *paths, size_t n, int *type, char ***names,
                int *ntypes, sm_err *e);

/* Frees names [ntypes] from mvtec_types. */
void mvtec_types_free(char **names, int ntypes);

/* 1 when dir is the root of an MVTec AD category rather than a set of
 * images: dir/test/ is in the layout above (test/good/ is a folder) and
 * beside it is the masks' folder masks_find looks for (ground_truth/) or
 * the training images (train/). Reading dir as images would take the
 * masks and the training images for parts. Else 0. */
int mvtec_category(const char *dir);

#endif
