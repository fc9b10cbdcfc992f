/* sheet.c - the inspection contact sheet; see sheet.h. */
#include "sheet.h"

#include <stdio.h>

#include "anomaly_map.h"

static const rgb_t white = {255, 255, 255};
static const rgb_t ink = {20, 20, 20};
static const rgb_t red = {220, 30, 30};
static const rgb_t grey = {110, 110, 110};

int sheet_scale_for(int w, int h, int target)
{
    int side = w > h ? w : h;
    int s = side > 0 ? target / side : 1;
    return s < 1 ? 1 : s;
}

/* The map panel: the image's grey (RGB planes: BT.601, as images are
 * read) tinted by its map, at (x, y). */
static void map_panel(canvas_t *c, int x, int y, const sheet_cell *cl, int w, int h,
                      int channels, int scale)
{
    size_t P = (size_t)w * h;
    for (size_t q = 0; q < P; q++) {
        const uint8_t *px = cl->image;
        uint8_t g = channels == 3 ? (uint8_t)((299u * px[q] + 587u * px[P + q] +
                                               114u * px[2 * P + q] + 500u) / 1000u) : px[q];
        canvas_fill(c, x + (int)(q % (size_t)w) * scale, y + (int)(q / (size_t)w) * scale, scale,
                    scale, anomaly_map_mix(g, cl->map[q], cl->map_top > 0 ? cl->map_top : 1));
    }
}

int sheet_render(canvas_t *c, const sheet_cell *cells, size_t n, int w, int h, int channels,
                 int columns, int scale, const char *title, sm_err *e)
{
    const int ts = 1, line = canvas_text_height(ts) + 4, pad = SHEET_PAD, frame = SHEET_FRAME;
    int iw = w * scale, ih = h * scale, maps = n > 0 && cells[0].map;
    int panels = maps ? 3 : 2, inner = panels * iw + (panels - 1) * pad; /* the framed width */
    int cell_w = inner + 2 * frame + 2 * pad;
    int min_w = canvas_text_width("#000 0.0000 flagged", ts) + 2 * pad;
    if (cell_w < min_w)
        cell_w = min_w;
    int cell_h = ih + 2 * frame + 2 * line + 2 * pad;
    if (columns < 1)
        columns = 1;
    if ((size_t)columns > n)
        columns = n ? (int)n : 1;
    long rows = n ? (long)((n + (size_t)columns - 1) / (size_t)columns) : 0;
    long W = 2L * pad + (long)columns * cell_w, H = 2L * pad + 2L * line + rows * cell_h;
    long tw = canvas_text_width(title, ts) + 2L * pad;
    if (tw > W)
        W = tw;
    if (W > CANVAS_MAX_SIDE || H > CANVAS_MAX_SIDE)
        return sm_fail(e, "the report would be %ld x %ld pixels, more than %d on a side: show "
                       "fewer images", W, H, CANVAS_MAX_SIDE);
    if (canvas_init(c, (int)W, (int)H, white, e) != 0)
        return -1;
    canvas_text(c, pad, pad, title, ts, ink);
    canvas_text(c, pad, pad + line, maps ? "each: image | its anomaly map | its nearest "
                "reference; red: flagged" : "each: image | its nearest reference; red: flagged",
                ts, grey);
    for (size_t k = 0; k < n; k++) {
        const sheet_cell *cl = &cells[k];
        int x = pad + (int)(k % (size_t)columns) * cell_w + pad;
        int y = pad + 2 * line + (int)(k / (size_t)columns) * cell_h + pad;
        if (cl->flagged)
            canvas_frame(c, x - frame, y - frame, inner + 2 * frame, ih + 2 * frame, frame, red);
        canvas_image(c, x, y, cl->image, channels, h, w, scale);
        if (maps)
            map_panel(c, x + iw + pad, y, cl, w, h, channels, scale);
        canvas_image(c, x + (panels - 1) * (iw + pad), y, cl->reference, channels, h, w, scale);
        char text[64];
        snprintf(text, sizeof text, "#%zu %.4f%s", k + 1, cl->score,
                 cl->flagged ? " flagged" : "");
        canvas_text(c, x, y + ih + frame + 2, text, ts, cl->flagged ? red : ink);
        if (cl->type)
            canvas_text(c, x, y + ih + frame + 2 + line, cl->type, ts, grey);
    }
    return 0;
}
