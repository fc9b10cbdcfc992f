/* sheet.h - the inspection report: a contact sheet of the most anomalous
 * images, each beside its nearest reference, its score underneath, framed
 * red when flagged.
 *
 * Layout: a title line, then cells in rows of `columns`; a cell is
 * [image | reference] at `scale` pixels per image pixel, then a text line
 * "#rank score" (red when flagged) and one with the defect type when known.
 */
#ifndef SIAMESE_SHEET_H
#define SIAMESE_SHEET_H

#include <stddef.h>
#include <stdint.h>

#include "canvas.h"
#include "err.h"

typedef struct {
    const uint8_t *image;     /* [channels, h, w]: grey, or RGB planes */
    const uint8_t *reference; /* [channels, h, w] its nearest reference */
    float score;
    int flagged;
    const char *type;         /* defect type, or NULL when unknown */
} sheet_cell;

/* Draws n cells of w x h images of `channels` (1 or 3) into c (allocated here). Returns -1 with e
 * set when the picture would exceed CANVAS_MAX_SIDE or memory runs out. */
int sheet_render(canvas_t *c, const sheet_cell *cells, size_t n, int w, int h, int channels,
                 int columns, int scale, const char *title, sm_err *e);

/* The scale that makes an image about `target` pixels on its longer side
 * (at least 1). */
int sheet_scale_for(int w, int h, int target);

#endif
