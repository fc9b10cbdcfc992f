/* strip.h - the notebook's picture of pairs: left images on the top row,
 * right images below, one column per pair, its label (and, with a model,
 * its distance) underneath.
 *
 * Layout (all in pixels, s = scale, S = image side * s):
 *   margin | title line | [legend line] | gap | top images (S) | gap |
 *   bottom images (S) | gap | label lines | margin
 * Columns are col_w wide, the images centred in them. A pair whose
 * prediction is wrong gets a red frame around both images and a red label.
 */
#ifndef SIAMESE_STRIP_H
#define SIAMESE_STRIP_H

#include <stddef.h>
#include <stdint.h>

#include "canvas.h"
#include "dataset.h"
#include "err.h"
#include "pairs.h"

typedef struct {
    int scale, text_scale; /* pixels per image pixel, per font unit */
    int img_w, img_h;      /* one image, scaled */
    int col_w;             /* one column */
    int margin, gap, frame;
    int title_y, legend_y, images_y, labels_y; /* legend only with distances */
    int line_h;            /* one label line */
    int width, height;     /* the whole picture */
} strip_layout;

/* What to draw: pairs p[which[0..count)] from split s. dist (may be NULL)
 * holds each shown pair's distance, in the order of `which`; then wrong
 * predictions at `threshold` (same when dist < threshold) are marked red. */
typedef struct {
    const split_t *split;
    const pairs_t *pairs;
    const size_t *which;
    size_t count;
    const float *dist;
    float threshold;
    const char *title;
} strip_spec;

/* Computes the layout for `count` pairs of rows x cols images. Returns 0,
 * or -1 with e set (e may be NULL) and L zeroed when the picture would be
 * more than CANVAS_MAX_SIDE pixels wide or high; the message gives the
 * size it would have. */
int strip_layout_compute(strip_layout *L, size_t count, size_t rows, size_t cols, int scale,
                         int with_distances, sm_err *e);

/* Widens L so that the title and the legend lines fit between the margins
 * (strip_render calls it; the images do not move). */
void strip_layout_fit(strip_layout *L, const char *title, const char *legend);

/* Top-left corner of the image of column `col`, side 0 (left image, top
 * row) or 1 (right image, bottom row). */
void strip_image_xy(const strip_layout *L, size_t col, int side, int *x, int *y);

/* Draws the strip into c (allocated here; free with canvas_free). */
int strip_render(canvas_t *c, const strip_spec *spec, int scale, sm_err *e);

/* The colour of wrong predictions, and the legend line that says so (drawn
 * under the title when distances are shown). */
extern const rgb_t strip_red;
extern const char *const strip_legend;

#endif
