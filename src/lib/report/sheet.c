/* sheet.c - the inspection contact sheet; see sheet.h. */
#include "sheet.h"

#include <stdio.h>

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

int sheet_render(canvas_t *c, const sheet_cell *cells, size_t n, int w, int h, int channels,
                 int columns, int scale, const char *title, sm_err *e)
{
    const int ts = 1, line = canvas_text_height(ts) + 4, pad = 6, frame = 2;
    int iw = w * scale, ih = h * scale;
    int cell_w = 2 * iw + pad + 2 * frame + 2 * pad;
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
    canvas_text(c, pad, pad + line, "each: image | its nearest reference; red: flagged", ts,
                grey);
    for (size_t k = 0; k < n; k++) {
        const sheet_cell *cl = &cells[k];
        int x = pad + (int)(k % (size_t)columns) * cell_w + pad;
        int y = pad + 2 * line + (int)(k / (size_t)columns) * cell_h + pad;
        if (cl->flagged)
            canvas_frame(c, x - frame, y - frame, 2 * iw + pad + 2 * frame, ih + 2 * frame,
                         frame, red);
        canvas_image(c, x, y, cl->image, channels, h, w, scale);
        canvas_image(c, x + iw + pad, y, cl->reference, channels, h, w, scale);
        char text[64];
        snprintf(text, sizeof text, "#%zu %.4f%s", k + 1, cl->score,
                 cl->flagged ? " flagged" : "");
        canvas_text(c, x, y + ih + frame + 2, text, ts, cl->flagged ? red : ink);
        if (cl->type)
            canvas_text(c, x, y + ih + frame + 2 + line, cl->type, ts, grey);
    }
    return 0;
}
