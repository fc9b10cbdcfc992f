/* canvas.h - a small RGB picture to draw on and save as PNG.
 *
 * Pixels are [h, w, 3] bytes, row-major. Text is drawn with stb_easy_font
 * (libstb-dev), whose glyphs are about 6 x 7 units plus spacing; `scale`
 * makes each unit scale x scale pixels. PNG writing uses stb_image_write
 * through atomic_file, so a picture is never half-written.
 */
#ifndef SIAMESE_CANVAS_H
#define SIAMESE_CANVAS_H

#include <stdint.h>

#include "err.h"

/* The largest width or height of a picture, in pixels. */
#define CANVAS_MAX_SIDE 32768

typedef struct {
    int w, h;
    uint8_t *px; /* [h, w, 3] */
} canvas_t;

typedef struct {
    uint8_t r, g, b;
} rgb_t;

/* Allocates a w x h canvas filled with bg. Returns -1 with e set on bad
 * sizes or no memory. */
int canvas_init(canvas_t *c, int w, int h, rgb_t bg, sm_err *e);
void canvas_free(canvas_t *c);

/* Fills the rectangle [x, x+w) x [y, y+h), clipped to the canvas. */
void canvas_fill(canvas_t *c, int x, int y, int w, int h, rgb_t col);

/* Draws a rectangle outline of thickness t inside [x, x+w) x [y, y+h). */
void canvas_frame(canvas_t *c, int x, int y, int w, int h, int t, rgb_t col);

/* Draws a gray image img [rows, cols] at (x, y), each pixel as a
 * scale x scale block of value (v, v, v). */
void canvas_gray(canvas_t *c, int x, int y, const uint8_t *img, int rows, int cols, int scale);

/* Draws img [channels, rows, cols] at (x, y): channels 1 as canvas_gray,
 * 3 as red, green and blue planes (--rgb data), each pixel a
 * scale x scale block of its colour. */
void canvas_image(canvas_t *c, int x, int y, const uint8_t *img, int channels, int rows,
                  int cols, int scale);

/* Draws text with its top-left corner at (x, y); returns its width in
 * pixels. */
int canvas_text(canvas_t *c, int x, int y, const char *text, int scale, rgb_t col);

/* Width and height in pixels that canvas_text would cover. */
int canvas_text_width(const char *text, int scale);
int canvas_text_height(int scale);

/* Draws the segment (x0, y0)-(x1, y1) in pixel coordinates (pixel (i, j)
 * covers [i, i+1) x [j, j+1)) as every pixel whose centre lies within
 * width/2 of it: a thick line with round ends, no anti-aliasing. Widths
 * below about 1.4 are widened so the line has no gaps. */
void canvas_line(canvas_t *c, double x0, double y0, double x1, double y1, double width,
                 rgb_t col);

/* Fills the disc of radius r centred at (cx, cy), pixel coordinates as in
 * canvas_line. */
void canvas_dot(canvas_t *c, double cx, double cy, double r, rgb_t col);

/* Saves as an RGB PNG, atomically. Returns 0 or -1 with e set. */
int canvas_save_png(const canvas_t *c, const char *path, sm_err *e);

#endif
