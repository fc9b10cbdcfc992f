/* strip.c - drawing pairs side by side; see strip.h. */
#include "strip.h"

#include <stdio.h>
#include <string.h>

const rgb_t strip_red = {220, 30, 30};
const char *const strip_legend = "label: the truth; red frame: predicted wrong";
static const rgb_t white = {255, 255, 255};
static const rgb_t ink = {20, 20, 20};
static const rgb_t ok_green = {30, 140, 60};

int strip_layout_compute(strip_layout *L, size_t count, size_t rows, size_t cols, int scale,
                         int with_distances, sm_err *e)
{
    memset(L, 0, sizeof *L);
    /* Sizes are worked out in 64 bits and checked before they become the
     * ints drawing uses (20 x 1 x 53,687,091 images at scale 16 made the
     * width wrap). Inputs past these bounds could never fit a canvas and
     * would overflow even 64 bits: refused first. */
    if (scale < 1 || scale > CANVAS_MAX_SIDE || rows > UINT32_MAX || cols > UINT32_MAX ||
        count > CANVAS_MAX_SIDE)
        return sm_fail(e, "cannot draw %zu pairs of %zu x %zu images at scale %d: more than %d "
                       "pixels on a side", count, rows, cols, scale, CANVAS_MAX_SIDE);
    const int64_t s = scale, ts = scale >= 2 ? 2 : 1;
    const int64_t img_w = (int64_t)cols * s, img_h = (int64_t)rows * s;
    const int64_t margin = 4 * s, gap = 2 * s, frame = scale > 1 ? s : 1;
    const int64_t line_h = canvas_text_height((int)ts) + 2 * ts;
    const int64_t label_w = canvas_text_width("different", (int)ts);
    const int64_t side = img_w > label_w ? img_w : label_w;
    const int64_t col_w = side + 2 * gap + 2 * frame;
    const int64_t title_y = margin, legend_y = title_y + line_h;
    const int64_t images_y = (with_distances ? legend_y : title_y) + line_h + gap + frame;
    const int64_t labels_y = images_y + 2 * img_h + gap + frame + gap;
    const int64_t height = labels_y + (with_distances ? 2 : 1) * line_h + margin;
    const int64_t width = 2 * margin + (int64_t)count * col_w;
    if (width > CANVAS_MAX_SIDE || height > CANVAS_MAX_SIDE)
        return sm_fail(e, "%zu pairs of %zu x %zu images at scale %d make a picture %lld x %lld "
                       "pixels, more than %d on a side", count, rows, cols, scale,
                       (long long)width, (long long)height, CANVAS_MAX_SIDE);
    /* Everything below is at most CANVAS_MAX_SIDE: exact as int. */
    L->scale = scale;
    L->text_scale = (int)ts;
    L->img_w = (int)img_w;
    L->img_h = (int)img_h;
    L->margin = (int)margin;
    L->gap = (int)gap;
    L->frame = (int)frame;
    L->line_h = (int)line_h;
    L->col_w = (int)col_w;
    L->title_y = (int)title_y;
    L->legend_y = (int)legend_y;
    L->images_y = (int)images_y;
    L->labels_y = (int)labels_y;
    L->height = (int)height;
    L->width = (int)width;
    return 0;
}

void strip_layout_fit(strip_layout *L, const char *title, const char *legend)
{
    const char *lines[2] = {title, legend};
    for (int i = 0; i < 2; i++) {
        int w = lines[i] ? canvas_text_width(lines[i], L->text_scale) + 2 * L->margin : 0;
        if (w > L->width)
            L->width = w;
    }
}

void strip_image_xy(const strip_layout *L, size_t col, int side, int *x, int *y)
{
    *x = L->margin + (int)col * L->col_w + (L->col_w - L->img_w) / 2;
    *y = L->images_y + side * (L->img_h + L->gap);
}

int strip_render(canvas_t *c, const strip_spec *sp, int scale, sm_err *e)
{
    const split_t *s = sp->split;
    strip_layout L;
    if (strip_layout_compute(&L, sp->count, s->rows, s->cols, scale, sp->dist != NULL, e) != 0)
        return -1;
    strip_layout_fit(&L, sp->title, sp->dist ? strip_legend : NULL);
    if (canvas_init(c, L.width, L.height, white, e) != 0)
        return -1;
    if (sp->title)
        canvas_text(c, L.margin, L.title_y, sp->title, L.text_scale, ink);
    if (sp->dist)
        canvas_text(c, L.margin, L.legend_y, strip_legend, L.text_scale, strip_red);

    size_t pix = s->channels * s->rows * s->cols;
    for (size_t k = 0; k < sp->count; k++) {
        size_t p = sp->which[k];
        int x0, y0, x1, y1;
        strip_image_xy(&L, k, 0, &x0, &y0);
        strip_image_xy(&L, k, 1, &x1, &y1);
        canvas_image(c, x0, y0, s->images + (size_t)sp->pairs->left[p] * pix,
                     (int)s->channels, (int)s->rows, (int)s->cols, scale);
        canvas_image(c, x1, y1, s->images + (size_t)sp->pairs->right[p] * pix,
                     (int)s->channels, (int)s->rows, (int)s->cols, scale);

        int same = sp->pairs->same[p];
        rgb_t col = ink;
        if (sp->dist) {
            int predicted_same = sp->dist[k] < sp->threshold;
            col = predicted_same == same ? ok_green : strip_red;
            if (predicted_same != same)
                canvas_frame(c, x0 - L.frame, y0 - L.frame, L.img_w + 2 * L.frame,
                             2 * L.img_h + L.gap + 2 * L.frame, L.frame, strip_red);
        }
        const char *label = same ? "same" : "different";
        int cx = L.margin + (int)k * L.col_w + L.col_w / 2;
        int y = L.labels_y;
        canvas_text(c, cx - canvas_text_width(label, L.text_scale) / 2, y, label, L.text_scale,
                    col);
        if (sp->dist) {
            char buf[32];
            snprintf(buf, sizeof buf, "%.3f", sp->dist[k]);
            canvas_text(c, cx - canvas_text_width(buf, L.text_scale) / 2, y + L.line_h, buf,
                        L.text_scale, col);
        }
    }
    return 0;
}
