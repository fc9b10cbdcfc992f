/* test_plot.c - the three pictures of plot.h, drawn, saved and read back.
 *
 * Each plot is saved as PNG in a temporary folder and loaded again with
 * stb_image: the file has the canvas's size and exactly its pixels. Then
 * what the picture must show is checked on the pixels:
 *   heatmap - the cell shading follows the counts (darker for more, white
 *             for 0, the largest count darkest), sampled in a corner of
 *             each cell (plot_heatmap_cell) away from the printed count,
 *             and the count is printed in a contrasting colour;
 *   ROC     - marks land where their rates say (calibrated with marks at
 *             (0, 0) and (1, 1)), the curve passes through its points,
 *             the first mark's colour is present;
 *   losses  - both line colours are present, n = 1 draws, n = 0 fails.
 * Bad inputs (NULL arrays, NaN, bad scale, n = 0) return -1 with a
 * message and leave an empty canvas.
 *
 *   exit: 0 pass, 1 a failure
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <stb_image.h>

#include "check.h"
#include "plot.h"

static char tmpdir[64];

/* Colour classes, by hue, loose enough for any reasonable palette. */
static int is_blue(const uint8_t *p)
{
    return p[2] > 120 && p[2] > p[0] + 80 && p[2] > p[1] + 30;
}

static int is_orange(const uint8_t *p)
{
    return p[0] > 200 && p[1] > 90 && p[1] < 180 && p[2] < 80;
}

static int is_red(const uint8_t *p)
{
    return p[0] > 150 && p[0] > p[1] + 100 && p[0] > p[2] + 100;
}

/* Saves c, reads it back and checks size and pixels; returns the pixels
 * (free them) or NULL. */
static uint8_t *round_trip(const canvas_t *c, const char *name)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    sm_err e;
    int rc = canvas_save_png(c, path, &e);
    CHECK(rc == 0, "%s: save failed: %s", name, rc ? e.msg : "");
    if (rc != 0)
        return NULL;
    int w = 0, h = 0, ch = 0;
    uint8_t *px = stbi_load(path, &w, &h, &ch, 3);
    CHECK(px != NULL, "%s: stb_image could not read it back", name);
    remove(path);
    if (!px)
        return NULL;
    CHECK(w == c->w && h == c->h, "%s: read %d x %d, drew %d x %d", name, w, h, c->w, c->h);
    if (w != c->w || h != c->h) {
        stbi_image_free(px);
        return NULL;
    }
    CHECK(memcmp(px, c->px, (size_t)w * (size_t)h * 3) == 0,
          "%s: pixels read back differ from the canvas", name);
    return px;
}

/* Mean of r, g, b over the square [x, x+n) x [y, y+n). */
static double mean_rgb(const uint8_t *px, int w, int x, int y, int n, double rgb[3])
{
    rgb[0] = rgb[1] = rgb[2] = 0;
    for (int j = y; j < y + n; j++)
        for (int i = x; i < x + n; i++)
            for (int k = 0; k < 3; k++)
                rgb[k] += px[((size_t)j * w + i) * 3 + k];
    for (int k = 0; k < 3; k++)
        rgb[k] /= (double)n * n;
    return (rgb[0] + rgb[1] + rgb[2]) / 3;
}

/* Counts pixels of a colour class in [x0, x1) x [y0, y1), clipped. */
static long count_in(const uint8_t *px, int w, int h, int x0, int y0, int x1, int y1,
                     int (*is)(const uint8_t *))
{
    long n = 0;
    for (int j = y0 < 0 ? 0 : y0; j < (y1 > h ? h : y1); j++)
        for (int i = x0 < 0 ? 0 : x0; i < (x1 > w ? w : x1); i++)
            n += is(px + ((size_t)j * w + i) * 3);
    return n;
}

/* Centroid of the pixels of a colour class; returns their count. */
static long centroid(const uint8_t *px, int w, int h, int (*is)(const uint8_t *), double *cx,
                     double *cy)
{
    long n = 0;
    double sx = 0, sy = 0;
    for (int j = 0; j < h; j++)
        for (int i = 0; i < w; i++)
            if (is(px + ((size_t)j * w + i) * 3)) {
                n++;
                sx += i + 0.5;
                sy += j + 0.5;
            }
    *cx = n ? sx / n : -1;
    *cy = n ? sy / n : -1;
    return n;
}

/* The leftmost pixel of a colour class (-1, -1 when none). */
static void leftmost(const uint8_t *px, int w, int h, int (*is)(const uint8_t *), int *x,
                     int *y)
{
    *x = *y = -1;
    for (int i = 0; i < w && *x < 0; i++)
        for (int j = 0; j < h; j++)
            if (is(px + ((size_t)j * w + i) * 3)) {
                *x = i;
                *y = j;
                break;
            }
}

/* The brightness of each cell's corner region ([t][p]); checks the cells
 * fit the picture. */
static void heat_corners(const canvas_t *c, const uint8_t *px, int scale, double br[2][2],
                         double rgb[2][2][3])
{
    for (int t = 0; t < 2; t++)
        for (int p = 0; p < 2; p++) {
            int x, y, side;
            plot_heatmap_cell(scale, t, p, &x, &y, &side);
            CHECK(x >= 0 && y >= 0 && x + side <= c->w && y + side <= c->h,
                  "cell [%d][%d] at %d,%d side %d is outside %d x %d", t, p, x, y, side, c->w,
                  c->h);
            int n = side / 8;
            br[t][p] = mean_rgb(px, c->w, x + side / 16, y + side / 16, n, rgb[t][p]);
        }
}

/* Whether the middle of cell [t][p] has a dark (or, dark = 0, a white)
 * pixel: the printed count. */
static int text_in_cell(const canvas_t *c, const uint8_t *px, int scale, int t, int p, int dark)
{
    int x, y, side;
    plot_heatmap_cell(scale, t, p, &x, &y, &side);
    for (int j = y + side / 3; j < y + 2 * side / 3; j++)
        for (int i = x + side / 4; i < x + 3 * side / 4; i++) {
            const uint8_t *q = px + ((size_t)j * c->w + i) * 3;
            int v = (q[0] + q[1] + q[2]) / 3;
            if (dark ? v < 80 : v > 230)
                return 1;
        }
    return 0;
}

static void test_heatmap(int scale)
{
    sm_err e;
    canvas_t c;
    char name[64];

    /* geometry: the cells tile a 2 x 2 square */
    int x00, y00, s00, x01, y01, s01, x10, y10, s10;
    plot_heatmap_cell(scale, 0, 0, &x00, &y00, &s00);
    plot_heatmap_cell(scale, 0, 1, &x01, &y01, &s01);
    plot_heatmap_cell(scale, 1, 0, &x10, &y10, &s10);
    CHECK(s00 > 20 * scale && s00 == s01 && s00 == s10, "cell sides %d %d %d", s00, s01, s10);
    CHECK(x01 == x00 + s00 && y01 == y00 && x10 == x00 && y10 == y00 + s00,
          "cells do not tile: [0][0] %d,%d [0][1] %d,%d [1][0] %d,%d", x00, y00, x01, y01, x10,
          y10);

    confusion_t m = {{{9000, 900}, {600, 9400}}};
    int rc = plot_heatmap(&c, &m, 0.5f, scale, &e);
    CHECK(rc == 0, "heatmap failed: %s", rc ? e.msg : "");
    if (rc != 0)
        return;
    snprintf(name, sizeof name, "heat%d.png", scale);
    uint8_t *px = round_trip(&c, name);
    if (px) {
        double br[2][2], rgb[2][2][3];
        heat_corners(&c, px, scale, br, rgb);
        int dt = 0, dp = 0;
        for (int t = 0; t < 2; t++)
            for (int p = 0; p < 2; p++)
                if (br[t][p] < br[dt][dp]) {
                    dt = t;
                    dp = p;
                }
        CHECK(dt == 1 && dp == 1, "darkest cell is [%d][%d], expected [1][1] (9400)", dt, dp);
        /* monotone: 600 < 900 < 9000 < 9400, each strictly darker */
        CHECK(br[1][0] > br[0][1] && br[0][1] > br[0][0] && br[0][0] > br[1][1],
              "shading not monotone in the count: 600 -> %.1f, 900 -> %.1f, 9000 -> %.1f, "
              "9400 -> %.1f",
              br[1][0], br[0][1], br[0][0], br[1][1]);
        CHECK(rgb[1][1][2] > rgb[1][1][0] + 40, "the darkest cell is not blue: %.0f %.0f %.0f",
              rgb[1][1][0], rgb[1][1][1], rgb[1][1][2]);
        CHECK(text_in_cell(&c, px, scale, 1, 1, 0), "no white count on the dark cell [1][1]");
        CHECK(text_in_cell(&c, px, scale, 1, 0, 1), "no dark count on the light cell [1][0]");
        stbi_image_free(px);
    }
    canvas_free(&c);

    confusion_t z = {{{0, 5}, {7, 100}}};
    rc = plot_heatmap(&c, &z, 0.3f, scale, &e);
    CHECK(rc == 0, "heatmap failed: %s", rc ? e.msg : "");
    if (rc != 0)
        return;
    snprintf(name, sizeof name, "heat0_%d.png", scale);
    px = round_trip(&c, name);
    if (px) {
        double br[2][2], rgb[2][2][3];
        heat_corners(&c, px, scale, br, rgb);
        CHECK(rgb[0][0][0] >= 250 && rgb[0][0][1] >= 250 && rgb[0][0][2] >= 250,
              "the zero cell is not white: %.0f %.0f %.0f", rgb[0][0][0], rgb[0][0][1],
              rgb[0][0][2]);
        CHECK(br[1][1] < 100, "the largest cell (100) is not dark: %.1f", br[1][1]);
        CHECK(br[0][0] > br[0][1] && br[0][1] > br[1][0] && br[1][0] > br[1][1],
              "shading not monotone: 0 -> %.1f, 5 -> %.1f, 7 -> %.1f, 100 -> %.1f", br[0][0],
              br[0][1], br[1][0], br[1][1]);
        CHECK(text_in_cell(&c, px, scale, 0, 0, 1), "no dark \"0\" on the white cell");
        stbi_image_free(px);
    }
    canvas_free(&c);

    /* all zero: every cell white, no division by zero */
    confusion_t none = {{{0, 0}, {0, 0}}};
    rc = plot_heatmap(&c, &none, 0.5f, scale, &e);
    CHECK(rc == 0, "all-zero heatmap failed: %s", rc ? e.msg : "");
    if (rc == 0) {
        int x, y, side;
        plot_heatmap_cell(scale, 1, 1, &x, &y, &side);
        const uint8_t *q = c.px + ((size_t)(y + 2) * c.w + x + 2) * 3;
        CHECK(q[0] == 255 && q[1] == 255 && q[2] == 255, "all-zero cell is %d %d %d", q[0],
              q[1], q[2]);
    }
    canvas_free(&c);
}

/* Centroid of the first mark's (red) dot for a single mark at (f, t). */
static int mark_centre(double f, double t, int scale, double *cx, double *cy)
{
    const float fpr[2] = {0, 1}, tpr[2] = {0, 1};
    plot_mark mk = {(float)f, (float)t, NULL};
    canvas_t c;
    sm_err e;
    int rc = plot_roc(&c, fpr, tpr, 2, 0.5, &mk, 1, scale, &e);
    CHECK(rc == 0, "ROC with one mark failed: %s", rc ? e.msg : "");
    if (rc != 0)
        return -1;
    long n = centroid(c.px, c.w, c.h, is_red, cx, cy);
    CHECK(n > 10 * scale * scale, "mark at (%g, %g): only %ld red pixels", f, t, n);
    canvas_free(&c);
    return n > 0 ? 0 : -1;
}

static void test_roc(int scale)
{
    sm_err e;
    canvas_t c;
    /* calibration: where rates (0, 0) and (1, 1) land */
    double x0, y0, x1, y1;
    if (mark_centre(0, 0, scale, &x0, &y0) != 0 || mark_centre(1, 1, scale, &x1, &y1) != 0)
        return;
    CHECK(x1 - x0 > 100 * scale && y0 - y1 > 100 * scale,
          "axes too small or flipped: (0,0) at %.1f,%.1f, (1,1) at %.1f,%.1f", x0, y0, x1, y1);
    double mx, my;
    if (mark_centre(0.25, 0.75, scale, &mx, &my) == 0)
        CHECK(fabs(mx - (x0 + 0.25 * (x1 - x0))) < 1.5 &&
                  fabs(my - (y0 + 0.75 * (y1 - y0))) < 1.5,
              "mark (0.25, 0.75) at %.1f,%.1f", mx, my);

    /* a curve through (0.1, 0.9), marks away from it */
    const float fpr[5] = {0, 0, 0.1f, 0.5f, 1}, tpr[5] = {0, 0.5f, 0.9f, 0.97f, 1};
    plot_mark mk[2] = {{0.5f, 0.97f, "t=0.50"}, {0.0f, 0.5f, "t=0.30"}};
    int rc = plot_roc(&c, fpr, tpr, 5, 0.9245, mk, 2, scale, &e);
    CHECK(rc == 0, "ROC failed: %s", rc ? e.msg : "");
    if (rc != 0)
        return;
    char name[64];
    snprintf(name, sizeof name, "roc%d.png", scale);
    uint8_t *px = round_trip(&c, name);
    if (px) {
        int qx = (int)lround(x0 + 0.1 * (x1 - x0)), qy = (int)lround(y0 + 0.9 * (y1 - y0));
        int r = 2 * scale;
        CHECK(count_in(px, c.w, c.h, qx - r, qy - r, qx + r + 1, qy + r + 1, is_blue) > 0,
              "no curve pixel near (0.1, 0.9) = pixel %d,%d", qx, qy);
        /* and none far from it, at (0.3, 0.3) under the curve */
        int ex = (int)lround(x0 + 0.3 * (x1 - x0)), ey = (int)lround(y0 + 0.3 * (y1 - y0));
        CHECK(count_in(px, c.w, c.h, ex - r, ey - r, ex + r + 1, ey + r + 1, is_blue) == 0,
              "curve pixels at (0.3, 0.3), far from the curve");
        CHECK(count_in(px, c.w, c.h, 0, 0, c.w, c.h, is_red) > 10 * scale * scale,
              "the first mark's colour (red) is missing");
        stbi_image_free(px);
    }
    canvas_free(&c);

    /* one point; rates outside [0, 1] are clamped, not an error */
    const float one_f[1] = {1.5f}, one_t[1] = {-0.5f};
    rc = plot_roc(&c, one_f, one_t, 1, 0.5, NULL, 0, scale, &e);
    CHECK(rc == 0, "ROC of one clamped point failed: %s", rc ? e.msg : "");
    if (rc == 0) {
        int qx = (int)lround(x1), qy = (int)lround(y0), r = 3 * scale;
        CHECK(count_in(c.px, c.w, c.h, qx - r, qy - r, qx + r + 1, qy + r + 1, is_blue) > 0,
              "point (1.5, -0.5) not drawn at (1, 0)");
    }
    canvas_free(&c);
}

static void test_losses(int scale)
{
    sm_err e;
    canvas_t c;
    enum { N = 20 };
    float loss[N], val[N];
    for (int i = 0; i < N; i++) {
        loss[i] = 0.05f + 0.06f * expf(-i / 3.0f);
        val[i] = 0.062f + 0.03f * expf(-i / 2.0f);
    }
    int rc = plot_losses(&c, loss, val, N, scale, &e);
    CHECK(rc == 0, "loss plot failed: %s", rc ? e.msg : "");
    if (rc != 0)
        return;
    char name[64];
    snprintf(name, sizeof name, "loss%d.png", scale);
    uint8_t *px = round_trip(&c, name);
    if (px) {
        CHECK(count_in(px, c.w, c.h, 0, 0, c.w, c.h, is_blue) > 100 * scale,
              "too few loss (blue) pixels");
        CHECK(count_in(px, c.w, c.h, 0, 0, c.w, c.h, is_orange) > 100 * scale,
              "too few val_loss (orange) pixels");
        /* epoch 1: loss (0.110) is drawn above val_loss (0.092) */
        int bx, by, ox, oy;
        leftmost(px, c.w, c.h, is_blue, &bx, &by);
        leftmost(px, c.w, c.h, is_orange, &ox, &oy);
        CHECK(bx >= 0 && ox >= 0 && abs(bx - ox) <= scale && by < oy,
              "epoch 1: loss at %d,%d, val_loss at %d,%d (expected loss above)", bx, by, ox,
              oy);
        stbi_image_free(px);
    }
    canvas_free(&c);

    /* one epoch: a dot each; the small value's dot lies in the lower half,
     * below the legend (which holds both colours too) */
    const float small = 0.1f, large = 1.0f;
    rc = plot_losses(&c, &small, &large, 1, scale, &e);
    CHECK(rc == 0, "loss plot of one epoch failed: %s", rc ? e.msg : "");
    if (rc == 0)
        CHECK(count_in(c.px, c.w, c.h, 0, c.h / 2, c.w, c.h, is_blue) > 5 * scale * scale,
              "n = 1: no loss dot");
    canvas_free(&c);
    rc = plot_losses(&c, &large, &small, 1, scale, &e);
    CHECK(rc == 0, "loss plot of one epoch failed: %s", rc ? e.msg : "");
    if (rc == 0)
        CHECK(count_in(c.px, c.w, c.h, 0, c.h / 2, c.w, c.h, is_orange) > 5 * scale * scale,
              "n = 1: no val_loss dot");
    canvas_free(&c);

    /* many epochs, and all zero (an empty range must not divide by zero) */
    enum { M = 1000 };
    static float big[M], zero[M];
    for (int i = 0; i < M; i++)
        big[i] = 1000.0f / (i + 1);
    rc = plot_losses(&c, big, zero, M, scale, &e);
    CHECK(rc == 0, "loss plot of %d epochs failed: %s", M, rc ? e.msg : "");
    canvas_free(&c);
    rc = plot_losses(&c, zero, zero, M, scale, &e);
    CHECK(rc == 0, "all-zero loss plot failed: %s", rc ? e.msg : "");
    canvas_free(&c);
}

/* Every failure returns -1, says why, and leaves an empty canvas. */
static void expect_fail(int rc, const canvas_t *c, const sm_err *e, const char *what)
{
    CHECK(rc == -1, "%s: returned %d, expected -1", what, rc);
    CHECK(rc != -1 || e->msg[0] != 0, "%s: no message", what);
    CHECK(c->px == NULL && c->w == 0 && c->h == 0, "%s: canvas not left empty", what);
}

static void test_errors(void)
{
    canvas_t c;
    sm_err e;
    const float f[3] = {0, 0.5f, 1}, bad[3] = {0, NAN, 1}, inf[3] = {0, INFINITY, 1};
    confusion_t m = {{{1, 2}, {3, 4}}};
    plot_mark mk = {0.5f, NAN, "x"};

    e.msg[0] = 0;
    expect_fail(plot_heatmap(&c, NULL, 0.5f, 2, &e), &c, &e, "heatmap NULL matrix");
    e.msg[0] = 0;
    expect_fail(plot_heatmap(&c, &m, NAN, 2, &e), &c, &e, "heatmap NaN threshold");
    e.msg[0] = 0;
    expect_fail(plot_heatmap(&c, &m, 0.5f, 0, &e), &c, &e, "heatmap scale 0");
    CHECK(plot_heatmap(NULL, &m, 0.5f, 2, &e) == -1, "heatmap NULL canvas");

    e.msg[0] = 0;
    expect_fail(plot_roc(&c, NULL, f, 3, 0.5, NULL, 0, 2, &e), &c, &e, "ROC NULL fpr");
    e.msg[0] = 0;
    expect_fail(plot_roc(&c, f, NULL, 3, 0.5, NULL, 0, 2, &e), &c, &e, "ROC NULL tpr");
    e.msg[0] = 0;
    expect_fail(plot_roc(&c, f, bad, 3, 0.5, NULL, 0, 2, &e), &c, &e, "ROC NaN tpr");
    e.msg[0] = 0;
    expect_fail(plot_roc(&c, inf, f, 3, 0.5, NULL, 0, 2, &e), &c, &e, "ROC infinite fpr");
    e.msg[0] = 0;
    expect_fail(plot_roc(&c, f, f, 0, 0.5, NULL, 0, 2, &e), &c, &e, "ROC n = 0");
    e.msg[0] = 0;
    expect_fail(plot_roc(&c, f, f, 3, NAN, NULL, 0, 2, &e), &c, &e, "ROC NaN AUC");
    e.msg[0] = 0;
    expect_fail(plot_roc(&c, f, f, 3, 0.5, NULL, 2, 2, &e), &c, &e, "ROC NULL marks");
    e.msg[0] = 0;
    expect_fail(plot_roc(&c, f, f, 3, 0.5, &mk, 1, 2, &e), &c, &e, "ROC NaN mark");
    e.msg[0] = 0;
    expect_fail(plot_roc(&c, f, f, 3, 0.5, NULL, 0, 99, &e), &c, &e, "ROC scale 99");

    e.msg[0] = 0;
    expect_fail(plot_losses(&c, f, f, 0, 2, &e), &c, &e, "losses n = 0");
    CHECK(strstr(e.msg, "n = 0") != NULL, "n = 0 message does not say so: %s", e.msg);
    e.msg[0] = 0;
    expect_fail(plot_losses(&c, NULL, f, 3, 2, &e), &c, &e, "losses NULL loss");
    e.msg[0] = 0;
    expect_fail(plot_losses(&c, f, NULL, 3, 2, &e), &c, &e, "losses NULL val_loss");
    e.msg[0] = 0;
    expect_fail(plot_losses(&c, f, bad, 3, 2, &e), &c, &e, "losses NaN");
    e.msg[0] = 0;
    expect_fail(plot_losses(&c, f, f, 3, -1, &e), &c, &e, "losses scale -1");
    canvas_free(&c); /* safe on an empty canvas */
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/test_plot.XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    for (int scale = 1; scale <= 3; scale++) {
        test_heatmap(scale);
        test_roc(scale);
        test_losses(scale);
    }
    test_errors();
    rmdir(tmpdir);
    return check_done("test_plot");
}
