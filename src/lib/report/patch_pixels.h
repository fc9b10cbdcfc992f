/* patch_pixels.h - the pixels under a position, beside its features
 * (inspect --pixels): a conv layer's features see shapes and edges, and
 * miss a part that is only brighter or darker; the pixels of the cell a
 * position covers see that. Each position's C features are followed by
 * the K = ch x (H / gh) x (W / gw) values / 255 of its cell (the image cut
 * into gh x gw cells from its top left, the remainder that pooling drops
 * left out), in channel, row, column order, times a weight w that makes
 * the cells' mean norm over the references `pixels` times the features'. */
#ifndef SIAMESE_PATCH_PIXELS_H
#define SIAMESE_PATCH_PIXELS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* The images' grid: gh x gw positions over ch planes of H x W pixels. */
typedef struct {
    int gh, gw, ch, H, W;
} patch_grid;

/* K, the pixel values of one position's cell. */
int patch_cell_floats(patch_grid g);

/* The weight w for `pixels` (> 0): pixels x the mean euclidean norm of
 * the features feat [n, P, C] over every position of the n references,
 * divided by the mean norm of their cells (px [n, ch, H, W]); both means
 * summed in double in image, position order. 0 when every cell is black. */
double patch_pixel_weight(const float *feat, const uint8_t *px, size_t n, int C, patch_grid g,
                          double pixels);

/* *feat [n, P, C] becomes [n, P, C + K]: each position's features, then
 * its cell's pixels / 255 times w (one float product each). Returns 0, or
 * -1 with e set (no memory; *feat is then unchanged). */
int patch_add_pixels(float **feat, const uint8_t *px, size_t n, int C, patch_grid g, double w,
                     sm_err *e);

#endif
