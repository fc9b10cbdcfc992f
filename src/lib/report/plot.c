/* plot.c - the confusion-matrix heatmap, the ROC curve and the loss curve;
 * see plot.h.
 *
 * The look follows matplotlib/seaborn defaults: white background, dark
 * text, light grid, matplotlib's "tab10" line colours, seaborn's "Blues"
 * for the heatmap. Every size is a multiple of `scale` (S below); text is
 * stb_easy_font, whose digits and capitals are 7 units tall (descenders
 * reach 9) and whose advance leaves 2 units of space after the last glyph,
 * so text is centred on its ink, not on its advance.
 */
#include "plot.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define PLOT_MAX_SCALE 16
#define MAX_TICKS 32
#define MAX_LABEL_BOXES 64 /* mark labels kept apart from each other */

static const rgb_t white = {255, 255, 255};
static const rgb_t ink = {38, 38, 38}; /* seaborn's text and spine gray (.15) */
static const rgb_t grid_gray = {228, 228, 228};
static const rgb_t frame_gray = {200, 200, 200};
static const rgb_t chance_gray = {150, 150, 150};
static const rgb_t tab_blue = {31, 119, 180};
static const rgb_t tab_orange = {255, 127, 14};
/* marks: red, green, then the rest of tab10 */
static const rgb_t mark_colors[] = {{214, 39, 40},   {44, 160, 44},  {148, 103, 189},
                                    {140, 86, 75},   {227, 119, 194}, {188, 189, 34},
                                    {23, 190, 207}};
static const rgb_t heat_dark = {8, 48, 107}; /* the top of seaborn's "Blues" */

/* ---- text ---------------------------------------------------------------- */

static int title_scale(int s)
{
    return s + (s + 1) / 2;
}

/* Width of the text's ink: the advance less the trailing space. */
static int ink_width(const char *text, int ts)
{
    int w = canvas_text_width(text, ts) - 2 * ts;
    return w > 0 ? w : 0;
}

/* Draws text with the middle of its ink (capital height) at (cx, cy). */
static void text_centred(canvas_t *c, int cx, int cy, const char *text, int ts, rgb_t col)
{
    canvas_text(c, cx - ink_width(text, ts) / 2, cy - 7 * ts / 2, text, ts, col);
}

/* Draws text ending at x, its ink vertically centred on cy. */
static void text_right(canvas_t *c, int x, int cy, const char *text, int ts, rgb_t col)
{
    canvas_text(c, x - ink_width(text, ts), cy - 7 * ts / 2, text, ts, col);
}

/* ---- input checks ---------------------------------------------------------- */

/* Starts every plot: an empty canvas (so canvas_free is safe on failure)
 * and a scale in range. */
static int plot_begin(canvas_t *c, int scale, const char *what, sm_err *e)
{
    if (!c)
        return sm_fail(e, "%s: no canvas to draw on (NULL)", what);
    c->px = NULL;
    c->w = c->h = 0;
    if (scale < 1 || scale > PLOT_MAX_SCALE)
        return sm_fail(e, "%s: scale %d is out of range (expected 1..%d)", what, scale,
                       PLOT_MAX_SCALE);
    return 0;
}

/* Checks an input array: present when n > 0 and all finite. */
static int check_values(const float *v, size_t n, const char *what, const char *name,
                        sm_err *e)
{
    if (n > 0 && !v)
        return sm_fail(e, "%s: %s is NULL but %zu values were promised", what, name, n);
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return sm_fail(e, "%s: %s[%zu] is %g (expected a finite number)", what, name, i,
                           (double)v[i]);
    return 0;
}

/* ---- numbers and ticks ------------------------------------------------------ */

typedef struct {
    int n;
    double v[MAX_TICKS];
    char label[MAX_TICKS][32];
} ticks_t;

static void format_number(char *buf, size_t size, double v, int decimals)
{
    if (v == 0)
        v = 0; /* no "-0.00" */
    if (fabs(v) < 1e6 && decimals <= 6)
        snprintf(buf, size, "%.*f", decimals, v);
    else
        snprintf(buf, size, "%.3g", v);
}

/* The step 1, 2, 2.5 or 5 x 10^k nearest above span / target, and the
 * decimals its multiples need. */
static double nice_step(double span, int target, int *decimals)
{
    static const double mant[] = {1, 2, 2.5, 5, 10};
    double raw = span / target;
    double k = floor(log10(raw));
    double mag = pow(10, k);
    int i = 0;
    while (i < 4 && mant[i] * mag < raw * (1 - 1e-9))
        i++;
    if (i == 4) {
        i = 0;
        k += 1;
        mag *= 10;
    }
    int d = (int)-k + (mant[i] == 2.5 ? 1 : 0);
    *decimals = d > 0 ? d : 0;
    return mant[i] * mag;
}

/* Ticks at the multiples of step within [lo, hi]. */
static void ticks_every(ticks_t *t, double lo, double hi, double step, int decimals)
{
    t->n = 0;
    double k0 = ceil(lo / step - 1e-9), k1 = floor(hi / step + 1e-9);
    for (double k = k0; k <= k1 && t->n < MAX_TICKS; k++) {
        t->v[t->n] = k * step;
        format_number(t->label[t->n], sizeof t->label[0], k * step, decimals);
        t->n++;
    }
}

static int ticks_label_width(const ticks_t *t, int ts)
{
    int w = 0;
    for (int i = 0; i < t->n; i++) {
        int k = ink_width(t->label[i], ts);
        w = k > w ? k : w;
    }
    return w;
}

/* ---- axes ------------------------------------------------------------------ */

/* A plot area: pixels [x, x+w) x [y, y+h) show data [x0, x1] x [y0, y1]. */
typedef struct {
    int x, y, w, h;
    double x0, x1, y0, y1;
} axes_t;

static double ax_x(const axes_t *a, double v)
{
    return a->x + (v - a->x0) / (a->x1 - a->x0) * a->w;
}

static double ax_y(const axes_t *a, double v)
{
    return a->y + a->h - (v - a->y0) / (a->y1 - a->y0) * a->h;
}

static double clamp01(double v)
{
    return v < 0 ? 0 : v > 1 ? 1 : v;
}

/* Sizes shared by the two line plots. */
typedef struct {
    int s;      /* scale */
    int pad;    /* outer margin */
    int spine;  /* spine and tick thickness */
    int tick;   /* tick length */
    int line;   /* data line width */
} style_t;

static style_t style_of(int s)
{
    style_t st = {s, 12 * s, (s + 1) / 2, 4 * s, 0};
    st.line = 3 * s / 2 > 1 ? 3 * s / 2 : 1;
    return st;
}

/* The grid under the data: a light line at every tick. */
static void draw_grid(canvas_t *c, const axes_t *a, const ticks_t *xt, const ticks_t *yt,
                      const style_t *st)
{
    int t = st->spine;
    for (int i = 0; i < xt->n; i++)
        canvas_fill(c, (int)lround(ax_x(a, xt->v[i])) - t / 2, a->y, t, a->h, grid_gray);
    for (int i = 0; i < yt->n; i++)
        canvas_fill(c, a->x, (int)lround(ax_y(a, yt->v[i])) - t / 2, a->w, t, grid_gray);
}

/* The spines around the area, the ticks outside it and their labels. */
static void draw_frame(canvas_t *c, const axes_t *a, const ticks_t *xt, const ticks_t *yt,
                       const style_t *st)
{
    int t = st->spine, s = st->s;
    canvas_frame(c, a->x - t, a->y - t, a->w + 2 * t, a->h + 2 * t, t, ink);
    for (int i = 0; i < xt->n; i++) {
        int px = (int)lround(ax_x(a, xt->v[i]));
        canvas_fill(c, px - t / 2, a->y + a->h + t, t, st->tick, ink);
        text_centred(c, px, a->y + a->h + t + st->tick + 3 * s + 7 * s / 2, xt->label[i], s,
                     ink);
    }
    for (int i = 0; i < yt->n; i++) {
        int py = (int)lround(ax_y(a, yt->v[i]));
        canvas_fill(c, a->x - t - st->tick, py - t / 2, st->tick, t, ink);
        text_right(c, a->x - t - st->tick - 3 * s, py, yt->label[i], s, ink);
    }
}

/* Left edge of the y tick labels, for a given plot-area x. */
static int axes_x_for_labels(const style_t *st, int label_w)
{
    return st->pad + label_w + 3 * st->s + st->tick + st->spine;
}

/* Height below the plot area taken by x ticks, their labels and the x
 * axis label, including the outer margin. */
static int axes_below(const style_t *st)
{
    int s = st->s;
    return st->spine + st->tick + 3 * s + 7 * s + 10 * s + 9 * s + st->pad;
}

/* Title, y label (horizontal, above the axis) and x label. */
static void draw_labels(canvas_t *c, const axes_t *a, const style_t *st, const char *title,
                        const char *xlabel, const char *ylabel)
{
    int s = st->s, tts = title_scale(s);
    int tx = a->x + a->w / 2 - ink_width(title, tts) / 2;
    canvas_text(c, tx < st->pad ? st->pad : tx, st->pad, title, tts, ink);
    canvas_text(c, st->pad, a->y - st->spine - 8 * s - 7 * s, ylabel, s, ink);
    int xl = a->x + a->w / 2 - ink_width(xlabel, s) / 2;
    canvas_text(c, xl < st->pad ? st->pad : xl,
                a->y + a->h + st->spine + st->tick + 3 * s + 7 * s + 10 * s, xlabel, s, ink);
}

/* Top of the plot area below the title and the y label. */
static int axes_top(const style_t *st)
{
    return st->pad + 7 * title_scale(st->s) + 14 * st->s + 7 * st->s + 8 * st->s + st->spine;
}

/* ---- lines and legend -------------------------------------------------------- */

static void dashed_line(canvas_t *c, double x0, double y0, double x1, double y1, double width,
                        double dash, double gap, rgb_t col)
{
    double dx = x1 - x0, dy = y1 - y0, len = hypot(dx, dy);
    if (!(len > 0))
        return;
    for (double d = 0; d < len; d += dash + gap) {
        double f = fmin(d + dash, len);
        canvas_line(c, x0 + dx * d / len, y0 + dy * d / len, x0 + dx * f / len,
                    y0 + dy * f / len, width, col);
    }
}

typedef struct {
    const char *text;
    rgb_t col;
    int dashed, dot;
} legend_entry;

typedef struct {
    int x, y, w, h;
} box_t;

/* The legend's box for entries placed with its right edge at xr and its
 * top at yt (or its bottom there when from_bottom). */
static box_t legend_box(const legend_entry *en, int n, int xr, int yt, int from_bottom, int s)
{
    int tw = 0;
    for (int i = 0; i < n; i++) {
        int k = ink_width(en[i].text, s);
        tw = k > tw ? k : tw;
    }
    box_t b;
    b.w = 6 * s + 22 * s + 6 * s + tw + 7 * s;
    b.h = 2 * 6 * s + (n - 1) * 13 * s + 7 * s;
    b.x = xr - b.w;
    b.y = from_bottom ? yt - b.h : yt;
    return b;
}

static void draw_legend(canvas_t *c, box_t b, const legend_entry *en, int n,
                        const style_t *st)
{
    int s = st->s, t = (s + 1) / 2;
    canvas_fill(c, b.x, b.y, b.w, b.h, white);
    canvas_frame(c, b.x, b.y, b.w, b.h, t, frame_gray);
    for (int i = 0; i < n; i++) {
        int cy = b.y + 6 * s + i * 13 * s + 7 * s / 2;
        double x0 = b.x + 6 * s, x1 = x0 + 22 * s;
        if (en[i].dashed)
            dashed_line(c, x0, cy + 0.5, x1, cy + 0.5, s, 5 * s, 3 * s, en[i].col);
        else
            canvas_line(c, x0, cy + 0.5, x1, cy + 0.5, st->line, en[i].col);
        if (en[i].dot)
            canvas_dot(c, (x0 + x1) / 2, cy + 0.5, 2.5 * s, en[i].col);
        canvas_text(c, (int)x1 + 6 * s, cy - 7 * s / 2, en[i].text, s, ink);
    }
}

static int boxes_overlap(box_t a, box_t b)
{
    return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/* ---- heatmap --------------------------------------------------------------- */

/* The heatmap's geometry, from the scale alone (so plot_heatmap_cell can
 * tell tests where the cells are). */
typedef struct {
    int s, pad, side;
    int grid_x, grid_y; /* top-left corner of cell [0][0] */
    int bar_x, bar_w;   /* colour bar, as tall as the grid */
    int h;
} heat_layout;

static const char *const heat_rows[2] = {"true different", "true same"};
static const char *const heat_cols[2][2] = {{"predicted", "different"}, {"predicted", "same"}};

static heat_layout heat_layout_of(int s)
{
    heat_layout L;
    L.s = s;
    L.pad = 12 * s;
    L.side = 100 * s;
    int row_w = ink_width(heat_rows[0], s);
    int k = ink_width(heat_rows[1], s);
    row_w = k > row_w ? k : row_w;
    L.grid_x = L.pad + row_w + 10 * s;
    L.grid_y = L.pad + 7 * title_scale(s) + 16 * s;
    L.bar_x = L.grid_x + 2 * L.side + 20 * s;
    L.bar_w = 10 * s;
    /* column labels: two lines under the grid */
    L.h = L.grid_y + 2 * L.side + 8 * s + 11 * s + 9 * s + L.pad;
    return L;
}

void plot_heatmap_cell(int scale, int t, int p, int *x, int *y, int *side)
{
    heat_layout L = heat_layout_of(scale);
    *x = L.grid_x + p * L.side;
    *y = L.grid_y + t * L.side;
    *side = L.side;
}

/* White at f = 0 to dark blue at f = 1, linearly. */
static rgb_t heat_color(double f)
{
    f = f < 0 ? 0 : f > 1 ? 1 : f;
    rgb_t c = {(uint8_t)lround(255 + (heat_dark.r - 255) * f),
               (uint8_t)lround(255 + (heat_dark.g - 255) * f),
               (uint8_t)lround(255 + (heat_dark.b - 255) * f)};
    return c;
}

int plot_heatmap(canvas_t *c, const confusion_t *m, float threshold, int scale, sm_err *e)
{
    const char *what = "confusion heatmap";
    if (plot_begin(c, scale, what, e) != 0)
        return -1;
    if (!m)
        return sm_fail(e, "%s: no confusion matrix given (NULL)", what);
    if (!isfinite(threshold))
        return sm_fail(e, "%s: threshold is %g (expected a finite number)", what,
                       (double)threshold);
    heat_layout L = heat_layout_of(scale);
    int s = scale, tts = title_scale(s);

    uint64_t top = 0;
    for (int t = 0; t < 2; t++)
        for (int p = 0; p < 2; p++)
            top = m->cell[t][p] > top ? m->cell[t][p] : top;
    /* colour bar ticks: whole counts from 0 to the largest */
    double vmax = top > 0 ? (double)top : 1;
    int dec;
    double step = nice_step(vmax, 5, &dec);
    if (step < 1)
        step = 1;
    ticks_t bt;
    ticks_every(&bt, 0, vmax, step, 0);

    char title[96];
    if (fabsf(threshold) < 1e6f)
        snprintf(title, sizeof title, "Confusion matrix (threshold %g)", (double)threshold);
    else
        snprintf(title, sizeof title, "Confusion matrix (threshold %.3g)", (double)threshold);
    int tw = ink_width(title, tts);
    int tx = L.grid_x + L.side - tw / 2;
    tx = tx < L.pad ? L.pad : tx;
    int w = L.bar_x + L.bar_w + 4 * s + 4 * s + ticks_label_width(&bt, s) + L.pad;
    w = tx + tw + L.pad > w ? tx + tw + L.pad : w;
    if (canvas_init(c, w, L.h, white, e) != 0)
        return -1;

    canvas_text(c, tx, L.pad, title, tts, ink);
    int lt = (s + 1) / 2;
    canvas_frame(c, L.grid_x - lt, L.grid_y - lt, 2 * L.side + 2 * lt, 2 * L.side + 2 * lt, lt,
                 frame_gray);
    for (int t = 0; t < 2; t++)
        for (int p = 0; p < 2; p++) {
            int x, y, side;
            plot_heatmap_cell(s, t, p, &x, &y, &side);
            rgb_t col = heat_color(top ? (double)m->cell[t][p] / (double)top : 0);
            canvas_fill(c, x, y, side, side, col);
            /* white text where the cell is dark (seaborn switches on luminance) */
            double lum = 0.299 * col.r + 0.587 * col.g + 0.114 * col.b;
            char num[32];
            snprintf(num, sizeof num, "%" PRIu64, m->cell[t][p]);
            int ts = 2 * s;
            while (ts > 1 && ink_width(num, ts) > side * 85 / 100)
                ts--;
            text_centred(c, x + side / 2, y + side / 2, num, ts, lum < 150 ? white : ink);
        }
    for (int t = 0; t < 2; t++)
        text_right(c, L.grid_x - 10 * s, L.grid_y + t * L.side + L.side / 2, heat_rows[t], s,
                   ink);
    for (int p = 0; p < 2; p++) {
        int cx = L.grid_x + p * L.side + L.side / 2, y = L.grid_y + 2 * L.side + 8 * s;
        text_centred(c, cx, y + 7 * s / 2, heat_cols[p][0], s, ink);
        text_centred(c, cx, y + 11 * s + 7 * s / 2, heat_cols[p][1], s, ink);
    }

    /* colour bar: white at the bottom (0) to dark blue at the top (largest) */
    int bh = 2 * L.side;
    for (int j = 0; j < bh; j++)
        canvas_fill(c, L.bar_x, L.grid_y + j, L.bar_w, 1, heat_color((bh - j - 0.5) / bh));
    canvas_frame(c, L.bar_x - lt, L.grid_y - lt, L.bar_w + 2 * lt, bh + 2 * lt, lt, ink);
    for (int i = 0; i < bt.n; i++) {
        int py = L.grid_y + bh - (int)lround(bt.v[i] / vmax * bh);
        py = py < L.grid_y ? L.grid_y : py > L.grid_y + bh - 1 ? L.grid_y + bh - 1 : py;
        canvas_fill(c, L.bar_x + L.bar_w + lt, py - lt / 2, 4 * s, lt, ink);
        canvas_text(c, L.bar_x + L.bar_w + lt + 4 * s + 3 * s, py - 7 * s / 2, bt.label[i], s,
                    ink);
    }
    return 0;
}

/* What a label box at b would hide: drawn pixels (anything but background
 * and grid), and far more for leaving the plot area or overlapping the
 * legend or an earlier label. */
static long label_cost(const canvas_t *c, const axes_t *a, box_t b, const box_t *placed,
                       int nplaced)
{
    long cost = 0;
    if (b.x < a->x || b.y < a->y || b.x + b.w > a->x + a->w || b.y + b.h > a->y + a->h)
        cost += 1000000;
    for (int k = 0; k < nplaced; k++)
        if (boxes_overlap(b, placed[k]))
            cost += 100000;
    for (int j = b.y < 0 ? 0 : b.y; j < b.y + b.h && j < c->h; j++)
        for (int i = b.x < 0 ? 0 : b.x; i < b.x + b.w && i < c->w; i++) {
            const uint8_t *q = c->px + ((size_t)j * c->w + i) * 3;
            int bg = (q[0] == white.r && q[1] == white.g && q[2] == white.b) ||
                     (q[0] == grid_gray.r && q[1] == grid_gray.g && q[2] == grid_gray.b);
            cost += !bg;
        }
    return cost;
}

/* The cheapest place for a w x h label near a dot at (px, py), g pixels
 * away from its centre: right or left of it, below, level or above,
 * then the same further out; the first of equal cost wins (below-right,
 * where a ROC curve's knee leaves room). */
static box_t place_label(const canvas_t *c, const axes_t *a, int px, int py, int g, int w,
                         int h, const box_t *placed, int nplaced)
{
    int rx = px + g, lx = px - g - w, below = py + g / 2, above = py - g / 2 - h;
    int cand[20][2] = {{rx, below},     {rx, above},     {lx, below},      {lx, above},
                       {rx, py - h / 2}, {lx, py - h / 2}, {px - w / 2, py + g},
                       {px - w / 2, py - g - h}};
    int nc = 8;
    for (int k = 1; k <= 3; k++) {
        int d = k * (h + h / 4);
        int more[4][2] = {{rx, below + d}, {lx, below + d}, {rx, above - d}, {lx, above - d}};
        for (int q = 0; q < 4; q++) {
            cand[nc][0] = more[q][0];
            cand[nc++][1] = more[q][1];
        }
    }
    box_t best = {cand[0][0], cand[0][1], w, h};
    long best_cost = -1;
    for (int q = 0; q < nc; q++) {
        box_t b = {cand[q][0], cand[q][1], w, h};
        long cost = label_cost(c, a, b, placed, nplaced);
        if (best_cost < 0 || cost < best_cost) {
            best = b;
            best_cost = cost;
        }
    }
    return best;
}

/* ---- ROC curve ----------------------------------------------------------------- */

int plot_roc(canvas_t *c, const float *fpr, const float *tpr, size_t n, double auc,
             const plot_mark *marks, size_t nmarks, int scale, sm_err *e)
{
    const char *what = "ROC curve";
    if (plot_begin(c, scale, what, e) != 0)
        return -1;
    if (n == 0)
        return sm_fail(e, "%s: no points to draw (n = 0)", what);
    if (check_values(fpr, n, what, "fpr", e) != 0 || check_values(tpr, n, what, "tpr", e) != 0)
        return -1;
    if (!isfinite(auc))
        return sm_fail(e, "%s: AUC is %g (expected a finite number)", what, auc);
    if (nmarks > 0 && !marks)
        return sm_fail(e, "%s: marks is NULL but %zu marks were promised", what, nmarks);
    for (size_t i = 0; i < nmarks; i++)
        if (!isfinite(marks[i].fpr) || !isfinite(marks[i].tpr))
            return sm_fail(e, "%s: mark %zu is at (%g, %g) (expected finite rates)", what, i,
                           (double)marks[i].fpr, (double)marks[i].tpr);

    style_t st = style_of(scale);
    int s = scale;
    ticks_t ticks;
    ticks_every(&ticks, 0, 1, 0.2, 1);
    axes_t a;
    a.x = axes_x_for_labels(&st, ticks_label_width(&ticks, s));
    a.y = axes_top(&st);
    a.w = a.h = 240 * s;
    /* a little room around 0..1 so the curve is not hidden by the spines */
    a.x0 = a.y0 = -0.02;
    a.x1 = a.y1 = 1.02;
    const char *xlabel = "false positive rate (different judged same)";
    const char *ylabel = "true positive rate (same judged same)";
    int w = a.x + a.w + st.spine + 16 * s;
    int xl = a.x + a.w / 2 + ink_width(xlabel, s) / 2 + st.pad;
    w = xl > w ? xl : w;
    w = st.pad + ink_width(ylabel, s) + st.pad > w ? st.pad + ink_width(ylabel, s) + st.pad : w;
    if (canvas_init(c, w, a.y + a.h + axes_below(&st), white, e) != 0)
        return -1;

    draw_grid(c, &a, &ticks, &ticks, &st);
    dashed_line(c, ax_x(&a, 0), ax_y(&a, 0), ax_x(&a, 1), ax_y(&a, 1), s, 6 * s, 4 * s,
                chance_gray);
    /* the curve, rates clamped to [0, 1]; a single point is a dot */
    for (size_t i = n > 1 ? 1 : 0; i < n; i++) {
        size_t k = i > 0 ? i - 1 : 0;
        canvas_line(c, ax_x(&a, clamp01(fpr[k])), ax_y(&a, clamp01(tpr[k])),
                    ax_x(&a, clamp01(fpr[i])), ax_y(&a, clamp01(tpr[i])), st.line, tab_blue);
    }
    draw_frame(c, &a, &ticks, &ticks, &st);
    draw_labels(c, &a, &st, "ROC curve", xlabel, ylabel);

    char auc_text[64];
    snprintf(auc_text, sizeof auc_text, "ROC curve (AUC = %.3f)", auc);
    legend_entry en[2] = {{auc_text, tab_blue, 0, 0}, {"chance", chance_gray, 1, 0}};
    box_t lb = legend_box(en, 2, a.x + a.w - 8 * s, a.y + a.h - 8 * s, 1, s);
    draw_legend(c, lb, en, 2, &st);

    /* marks: dots ringed in white, then each label at the place near its
     * dot that covers the least of what is drawn */
    box_t placed[MAX_LABEL_BOXES];
    int nplaced = 0;
    placed[nplaced++] = lb;
    double r = 4.5 * s;
    for (size_t i = 0; i < nmarks; i++) {
        rgb_t col = mark_colors[i % (sizeof mark_colors / sizeof mark_colors[0])];
        double px = ax_x(&a, clamp01(marks[i].fpr)), py = ax_y(&a, clamp01(marks[i].tpr));
        canvas_dot(c, px, py, r + s, white);
        canvas_dot(c, px, py, r, col);
    }
    for (size_t i = 0; i < nmarks; i++) {
        const char *label = marks[i].label;
        if (!label || !*label)
            continue;
        rgb_t col = mark_colors[i % (sizeof mark_colors / sizeof mark_colors[0])];
        int px = (int)lround(ax_x(&a, clamp01(marks[i].fpr)));
        int py = (int)lround(ax_y(&a, clamp01(marks[i].tpr)));
        box_t b = place_label(c, &a, px, py, (int)r + 3 * s, ink_width(label, s) + 2 * s,
                              11 * s, placed, nplaced);
        if (nplaced < MAX_LABEL_BOXES)
            placed[nplaced++] = b;
        canvas_text(c, b.x + s, b.y + s, label, s, col);
    }
    return 0;
}

/* ---- loss curve ------------------------------------------------------------------ */

int plot_losses(canvas_t *c, const float *loss, const float *val_loss, size_t n, int scale,
                sm_err *e)
{
    const char *what = "loss curve";
    if (plot_begin(c, scale, what, e) != 0)
        return -1;
    if (n == 0)
        return sm_fail(e, "%s: no epochs to plot (n = 0)", what);
    if (check_values(loss, n, what, "loss", e) != 0 ||
        check_values(val_loss, n, what, "val_loss", e) != 0)
        return -1;

    style_t st = style_of(scale);
    int s = scale;
    /* y: from 0 (or below, for negative values) to 1.1 x the largest */
    double lo = 0, hi = 0;
    for (size_t i = 0; i < n; i++) {
        hi = fmax(hi, fmax(loss[i], val_loss[i]));
        lo = fmin(lo, fmin(loss[i], val_loss[i]));
    }
    hi *= 1.1;
    lo *= 1.1;
    if (!(hi > lo))
        hi = lo + 1;
    int dec;
    double ystep = nice_step(hi - lo, 6, &dec);
    if (ystep < 1 && dec < 2)
        dec = 2;
    ticks_t yt;
    ticks_every(&yt, lo, hi, ystep, dec);

    axes_t a;
    a.x = axes_x_for_labels(&st, ticks_label_width(&yt, s));
    a.y = axes_top(&st);
    a.w = 320 * s;
    a.h = 200 * s;
    a.y0 = lo;
    a.y1 = hi;
    double margin = n > 1 ? 0.04 * (double)(n - 1) : 1;
    a.x0 = 1 - margin;
    a.x1 = (double)n + margin;

    /* x: epochs 1, 2, 5, 10, 20, 50, ... apart, as many as fit */
    char last[32];
    format_number(last, sizeof last, (double)n, 0);
    double label_room = ink_width(last, s) + 8 * s;
    double per_epoch = a.w / (a.x1 - a.x0);
    static const double mant[] = {1, 2, 5};
    double xstep = 1;
    int found = 0;
    for (double mag = 1; !found && mag < 1e19; mag *= 10)
        for (int i = 0; i < 3 && !found; i++)
            if (mant[i] * mag * per_epoch >= label_room && (double)n / (mant[i] * mag) <= 12) {
                xstep = mant[i] * mag;
                found = 1;
            }
    ticks_t xt;
    ticks_every(&xt, 1, (double)n, xstep, 0);
    /* epoch 1 as well, when it does not crowd the first multiple */
    if (xstep > 1 && xt.n < MAX_TICKS && (xstep - 1) * per_epoch >= label_room) {
        memmove(&xt.v[1], &xt.v[0], (size_t)xt.n * sizeof xt.v[0]);
        memmove(&xt.label[1], &xt.label[0], (size_t)xt.n * sizeof xt.label[0]);
        xt.v[0] = 1;
        snprintf(xt.label[0], sizeof xt.label[0], "1");
        xt.n++;
    }

    int w = a.x + a.w + st.spine + 16 * s;
    if (canvas_init(c, w, a.y + a.h + axes_below(&st), white, e) != 0)
        return -1;
    draw_grid(c, &a, &xt, &yt, &st);

    int dots = n <= 30;
    const float *ys[2] = {loss, val_loss};
    const rgb_t cols[2] = {tab_blue, tab_orange};
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < n; i++) {
            double px = ax_x(&a, (double)(i + 1)), py = ax_y(&a, ys[k][i]);
            if (i > 0)
                canvas_line(c, ax_x(&a, (double)i), ax_y(&a, ys[k][i - 1]), px, py, st.line,
                            cols[k]);
            if (dots)
                canvas_dot(c, px, py, 2.5 * s, cols[k]);
        }
    draw_frame(c, &a, &xt, &yt, &st);
    draw_labels(c, &a, &st, "Training and validation loss", "epoch", "loss");
    legend_entry en[2] = {{"loss", tab_blue, 0, dots}, {"val_loss", tab_orange, 0, dots}};
    draw_legend(c, legend_box(en, 2, a.x + a.w - 8 * s, a.y + 8 * s, 0, s), en, 2, &st);
    return 0;
}
