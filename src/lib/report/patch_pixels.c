/* patch_pixels.c - see patch_pixels.h. n images, P = gh gw positions, C
 * features, K pixels a cell of ch planes, ch_h x cw pixels each. */
#include "patch_pixels.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int patch_cell_floats(patch_grid g)
{
    return g.ch * (g.H / g.gh) * (g.W / g.gw);
}

/* cell [K] = the pixels / 255 of image img's cell at position p. */
static void cell(float *out, const uint8_t *img, patch_grid g, int p)
{
    int chh = g.H / g.gh, cw = g.W / g.gw, y0 = p / g.gw * chh, x0 = p % g.gw * cw, k = 0;
    for (int c = 0; c < g.ch; c++)
        for (int y = y0; y < y0 + chh; y++)
            for (int x = x0; x < x0 + cw; x++)
                out[k++] = (float)img[((size_t)c * g.H + (size_t)y) * g.W + (size_t)x] / 255.0f;
}

static double norm(const float *a, int n)
{
    double s = 0;
    for (int i = 0; i < n; i++)
        s += (double)a[i] * a[i];
    return sqrt(s);
}

double patch_pixel_weight(const float *feat, const uint8_t *px, size_t n, int C, patch_grid g,
                          double pixels)
{
    int P = g.gh * g.gw, K = patch_cell_floats(g);
    size_t img = (size_t)g.ch * g.H * g.W;
    float *c = malloc(((size_t)K + 1) * sizeof *c);
    double f = 0, q = 0;
    for (size_t i = 0; c && i < n; i++)
        for (int p = 0; p < P; p++) {
            f += norm(feat + (i * P + (size_t)p) * C, C);
            cell(c, px + i * img, g, p);
            q += norm(c, K);
        }
    free(c);
    return q > 0 ? pixels * f / q : 0;
}

int patch_add_pixels(float **feat, const uint8_t *px, size_t n, int C, patch_grid g, double w,
                     sm_err *e)
{
    int P = g.gh * g.gw, K = patch_cell_floats(g), D = C + K;
    size_t img = (size_t)g.ch * g.H * g.W;
    float *out = malloc((n * P * (size_t)D + 1) * sizeof *out);
    if (!out)
        return sm_fail(e, "out of memory for %zu images' features with their pixels (%d floats "
                       "a position)", n, D);
    for (size_t i = 0; i < n; i++)
        for (int p = 0; p < P; p++) {
            float *o = out + (i * P + (size_t)p) * D;
            memcpy(o, *feat + (i * P + (size_t)p) * C, (size_t)C * sizeof *o);
            cell(o + C, px + i * img, g, p);
            for (int k = 0; k < K; k++)
                o[C + k] *= (float)w;
        }
    free(*feat);
    *feat = out;
    return 0;
}
