/* masks.h - the defect masks of inspected images, in MVTec AD's layout:
 * the image ROOT/<type>/<name>.<ext> has its mask DIR/<type>/<name>_mask.png
 * (name may hold folders below the type's), a grey image of the image's
 * own size, defect pixels white (> 127) on black. Good images (ROOT/good/)
 * have none: every pixel of theirs is normal. In MVTec AD, ROOT is
 * category/test and DIR is category/ground_truth, the folder ground_truth/
 * beside ROOT, which is where masks_find looks when no DIR is given.
 * Types are mvtec_types' (mvtec.h): 0 = good, -1 = not in the layout.
 */
#ifndef SIAMESE_MASKS_H
#define SIAMESE_MASKS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* The mask folder of the images under root, into *dir (malloc'd): given,
 * when not NULL (it must be a folder); else ground_truth/ beside root (in
 * the folder holding root, found by name: root's last component replaced),
 * when that is a folder; else *dir = NULL (no masks, not an error).
 * Returns 0, or -1 with e set (given is not a folder; out of memory). */
int masks_find(const char *root, const char *given, char **dir, sm_err *e);

/* The mask of path, an image under root listed as folders_list_images lists
 * it (root joined to <type>/<name>.<ext> by names_join, names.h):
 * dir/<type>/<name>_mask.png (one '/' after dir whether or not dir ends in
 * one), malloc'd; NULL when out of memory. */
char *masks_path(const char *dir, const char *root, const char *path);

/* The truth of every pixel of paths [n] (images under root of types
 * type [n]) at the model's image size W x H: truth [n, H, W], allocated
 * here, 1 = defect, 0 = normal. A good image (type 0) is all normal and no
 * file is read for it. A defect image's mask is read from dir (masks_path),
 * checked, resized to W x H by nearest neighbour (output pixel x takes the
 * source pixel whose span holds its centre, floor((2x + 1) w / (2W)); the
 * same for y) and cut at > 127. Runs on `threads` threads; the result does
 * not depend on their number. Returns 0, or -1 with e naming the image of
 * the lowest index that fails: a defect image without its mask (or, dir
 * NULL, without a masks' folder); a mask that
 * is not a readable image, is not its image's size, or has no pixel above
 * 127 (a 0/1 mask, a colour one); an image outside the layout (type -1). */
int masks_load(const char *dir, const char *root, char *const *paths, const int *type,
               size_t n, int W, int H, int threads, uint8_t **truth, sm_err *e);

#endif
