/* anomaly_map.h - an anomaly map as a picture (inspect --maps): the grey
 * image, each pixel tinted by a heat colour scale from black (0) through
 * red and yellow to white (`top`), mixed 45 % grey and 55 % colour, and
 * under it the colour bar with its range written ("0" at the left, top at
 * the right). The map is the image's position scores upsampled to its
 * pixels (patch.h). h, w = the image's rows and columns. */
#ifndef SIAMESE_ANOMALY_MAP_H
#define SIAMESE_ANOMALY_MAP_H

#include <stdint.h>

#include "canvas.h"
#include "err.h"

/* The colour of t in [0, 1] (clamped) on the heat scale. */
rgb_t anomaly_map_colour(float t);

/* A pixel of the picture: grey g tinted by the heat colour of v / top
 * (top > 0), 45 % grey and 55 % colour. */
rgb_t anomaly_map_mix(uint8_t g, float v, float top);

/* Draws the picture of grey [h, w] and map [h, w] into c (allocated here)
 * at `scale` pixels per image pixel, the scale running from 0 to top
 * (> 0). Returns 0 or -1 with e set. */
int anomaly_map_render(canvas_t *c, const uint8_t *grey, const float *map, int h, int w,
                       float top, int scale, sm_err *e);

#endif
