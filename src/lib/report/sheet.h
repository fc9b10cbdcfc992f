/* sheet.h - the inspection report: a contact sheet of the most anomalous
 * images, each beside its nearest reference (with the patch score, image,
 * its anomaly map and the reference side by side), its score underneath,
 * framed red when flagged.
 *
 * Layout: a title line, a legend line, then cells in rows of `columns`; a
 * cell is [image | reference] or [image | map | reference] at `scale`
 * pixels per image pixel, SHEET_PAD pixels apart, inside a red frame of
 * SHEET_FRAME pixels when flagged, then a text line "#rank score" (red
 * when flagged) and one with the defect type when known. The map is drawn
 * as inspect --maps draws it (anomaly_map_mix over the image's grey).
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
    const float *map;         /* [h, w] its anomaly map (the patch score), or NULL */
    float map_top;            /* the map's colour scale, 0 .. this (> 0) */
} sheet_cell;

enum { SHEET_PAD = 6, SHEET_FRAME = 2 };

/* Draws n cells of w x h images of `channels` (1 or 3) into c (allocated
 * here); every cell has a map, or none has (the first cell says). Returns
 * -1 with e set when the picture would exceed CANVAS_MAX_SIDE or memory
 * runs out. */
int sheet_render(canvas_t *c, const sheet_cell *cells, size_t n, int w, int h, int channels,
                 int columns, int scale, const char *title, sm_err *e);

/* The scale that makes an image about `target` pixels on its longer side
 * (at least 1). */
int sheet_scale_for(int w, int h, int target);

#endif
