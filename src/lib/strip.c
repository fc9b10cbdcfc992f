/* strip.c - drawing pairs side by side; see strip.h. */
#include "strip.h"

#include <stdio.h>

const rgb_t strip_red = {220, 30, 30};
const char *const strip_legend = "label: the truth; red frame: predicted wrong";
static const rgb_t white = {255, 255, 255};
static const rgb_t ink = {20, 20, 20};
static const rgb_t ok_green = {30, 140, 60};

void strip_layout_compute(strip_layout *L, size_t count, int rows, int cols, int scale,
                          int with_distances)
{
    L->scale = scale;
    L->text_scale = scale >= 2 ? 2 : 1;
    L->img_w = cols * scale;
    L->img_h = rows * scale;
    L->margin = 4 * scale;
    L->gap = 2 * scale;
    L->frame = scale > 1 ? scale : 1;
    L->line_h = canvas_text_height(L->text_scale) + 2 * L->text_scale;
    int label_w = canvas_text_width("different", L->text_scale);
    int side = L->img_w > label_w ? L->img_w : label_w;
    L->col_w = side + 2 * L->gap + 2 * L->frame;
    L->title_y = L->margin;
    L->legend_y = L->title_y + L->line_h;
    L->images_y = (with_distances ? L->legend_y : L->title_y) + L->line_h + L->gap + L->frame;
    L->labels_y = L->images_y + 2 * L->img_h + L->gap + L->frame + L->gap;
    int lines = with_distances ? 2 : 1;
    L->height = L->labels_y + lines * L->line_h + L->margin;
    L->width = 2 * L->margin + (int)count * L->col_w;
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
    strip_layout_compute(&L, sp->count, (int)s->rows, (int)s->cols, scale, sp->dist != NULL);
    strip_layout_fit(&L, sp->title, sp->dist ? strip_legend : NULL);
    if (canvas_init(c, L.width, L.height, white, e) != 0)
        return -1;
    if (sp->title)
        canvas_text(c, L.margin, L.title_y, sp->title, L.text_scale, ink);
    if (sp->dist)
        canvas_text(c, L.margin, L.legend_y, strip_legend, L.text_scale, strip_red);

    size_t pix = s->rows * s->cols;
    for (size_t k = 0; k < sp->count; k++) {
        size_t p = sp->which[k];
        int x0, y0, x1, y1;
        strip_image_xy(&L, k, 0, &x0, &y0);
        strip_image_xy(&L, k, 1, &x1, &y1);
        canvas_gray(c, x0, y0, s->images + (size_t)sp->pairs->left[p] * pix, (int)s->rows,
                    (int)s->cols, scale);
        canvas_gray(c, x1, y1, s->images + (size_t)sp->pairs->right[p] * pix, (int)s->rows,
                    (int)s->cols, scale);

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
