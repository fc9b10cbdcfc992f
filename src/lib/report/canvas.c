/* canvas.c - RGB drawing, stb_easy_font text, PNG via stb_image_write. */
#include "canvas.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wmissing-braces"
#include <stb_easy_font.h>
#pragma GCC diagnostic pop
#include <stb_image_write.h>


int canvas_init(canvas_t *c, int w, int h, rgb_t bg, sm_err *e)
{
    c->px = NULL;
    c->w = c->h = 0;
    if (w <= 0 || h <= 0 || w > CANVAS_MAX_SIDE || h > CANVAS_MAX_SIDE)
        return sm_fail(e, "picture size %d x %d is out of range (1..%d per side)", w, h,
                       CANVAS_MAX_SIDE);
    c->px = malloc((size_t)w * (size_t)h * 3);
    if (!c->px)
        return sm_fail(e, "out of memory for a %d x %d picture", w, h);
    c->w = w;
    c->h = h;
    for (size_t i = 0; i < (size_t)w * (size_t)h; i++) {
        c->px[3 * i] = bg.r;
        c->px[3 * i + 1] = bg.g;
        c->px[3 * i + 2] = bg.b;
    }
    return 0;
}

void canvas_free(canvas_t *c)
{
    free(c->px);
    c->px = NULL;
}

void canvas_fill(canvas_t *c, int x, int y, int w, int h, rgb_t col)
{
    int x0 = x < 0 ? 0 : x, y0 = y < 0 ? 0 : y;
    int x1 = x + w > c->w ? c->w : x + w, y1 = y + h > c->h ? c->h : y + h;
    for (int j = y0; j < y1; j++) {
        uint8_t *p = c->px + ((size_t)j * c->w + x0) * 3;
        for (int i = x0; i < x1; i++, p += 3) {
            p[0] = col.r;
            p[1] = col.g;
            p[2] = col.b;
        }
    }
}

void canvas_frame(canvas_t *c, int x, int y, int w, int h, int t, rgb_t col)
{
    canvas_fill(c, x, y, w, t, col);
    canvas_fill(c, x, y + h - t, w, t, col);
    canvas_fill(c, x, y, t, h, col);
    canvas_fill(c, x + w - t, y, t, h, col);
}

void canvas_gray(canvas_t *c, int x, int y, const uint8_t *img, int rows, int cols, int scale)
{
    for (int r = 0; r < rows; r++)
        for (int q = 0; q < cols; q++) {
            uint8_t v = img[r * cols + q];
            canvas_fill(c, x + q * scale, y + r * scale, scale, scale, (rgb_t){v, v, v});
        }
}

void canvas_image(canvas_t *c, int x, int y, const uint8_t *img, int channels, int rows,
                  int cols, int scale)
{
    if (channels != 3) {
        canvas_gray(c, x, y, img, rows, cols, scale);
        return;
    }
    size_t n = (size_t)rows * (size_t)cols;
    for (int r = 0; r < rows; r++)
        for (int q = 0; q < cols; q++) {
            size_t i = (size_t)r * (size_t)cols + (size_t)q;
            canvas_fill(c, x + q * scale, y + r * scale, scale, scale,
                        (rgb_t){img[i], img[n + i], img[2 * n + i]});
        }
}

/* stb_easy_font emits axis-aligned quads of 4 vertices {x, y, z, rgba}. */
typedef struct {
    float x, y, z;
    unsigned char rgba[4];
} easy_vertex;

int canvas_text(canvas_t *c, int x, int y, const char *text, int scale, rgb_t col)
{
    static const size_t max_quads = 4096;
    easy_vertex *v = malloc(max_quads * 4 * sizeof *v);
    if (!v)
        return 0;
    unsigned char rgba[4] = {col.r, col.g, col.b, 255};
    int quads = stb_easy_font_print(0, 0, (char *)text, rgba, v, (int)(max_quads * 4 * sizeof *v));
    for (int q = 0; q < quads; q++) {
        const easy_vertex *k = v + 4 * q;
        int x0 = (int)k[0].x, y0 = (int)k[0].y, x1 = (int)k[2].x, y1 = (int)k[2].y;
        canvas_fill(c, x + x0 * scale, y + y0 * scale, (x1 - x0) * scale, (y1 - y0) * scale, col);
    }
    free(v);
    return canvas_text_width(text, scale);
}

int canvas_text_width(const char *text, int scale)
{
    return stb_easy_font_width((char *)text) * scale;
}

int canvas_text_height(int scale)
{
    return 8 * scale;
}

static void png_sink(void *ctx, void *data, int size)
{
    atomic_write(ctx, data, (size_t)size);
}

int canvas_save_png(const canvas_t *c, const char *path, sm_err *e)
{
    atomic_file a;
    if (atomic_open(&a, path, e) != 0)
        return -1;
    if (!stbi_write_png_to_func(png_sink, &a, c->w, c->h, 3, c->px, c->w * 3)) {
        atomic_abort(&a);
        return sm_fail(e, "%s: PNG encoding failed", path);
    }
    return atomic_commit(&a, e);
}

/* Clips the pixel range [lo, hi] of a shape to [0, n); returns 0 when
 * nothing is left. Works in double so huge or infinite bounds are safe. */
static int clip_span(double lo, double hi, int n, int *a, int *b)
{
    if (!(lo <= hi) || hi < 0 || lo >= n)
        return 0;
    *a = lo < 0 ? 0 : (int)lo;
    *b = hi >= n ? n - 1 : (int)hi;
    return *a <= *b;
}

void canvas_line(canvas_t *c, double x0, double y0, double x1, double y1, double width,
                 rgb_t col)
{
    /* 0.71 > sqrt(2)/2: every pixel a diagonal passes through is reached. */
    double r = width / 2 > 0.71 ? width / 2 : 0.71;
    int i0, i1, j0, j1;
    if (!clip_span(floor(fmin(x0, x1) - r), ceil(fmax(x0, x1) + r), c->w, &i0, &i1) ||
        !clip_span(floor(fmin(y0, y1) - r), ceil(fmax(y0, y1) + r), c->h, &j0, &j1))
        return;
    double dx = x1 - x0, dy = y1 - y0, len2 = dx * dx + dy * dy;
    for (int j = j0; j <= j1; j++)
        for (int i = i0; i <= i1; i++) {
            double px = i + 0.5 - x0, py = j + 0.5 - y0;
            /* closest point of the segment: x0 + t (dx, dy), t in [0, 1] */
            double t = len2 > 0 ? (px * dx + py * dy) / len2 : 0;
            t = t < 0 ? 0 : t > 1 ? 1 : t;
            double ex = px - t * dx, ey = py - t * dy;
            if (ex * ex + ey * ey <= r * r) {
                uint8_t *p = c->px + ((size_t)j * c->w + i) * 3;
                p[0] = col.r;
                p[1] = col.g;
                p[2] = col.b;
            }
        }
}

void canvas_dot(canvas_t *c, double cx, double cy, double r, rgb_t col)
{
    canvas_line(c, cx, cy, cx, cy, 2 * r, col);
}
