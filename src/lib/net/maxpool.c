/* maxpool.c - 2 x 2 max pooling, stride 2; see maxpool.h. R = images,
 * C = channels, H x W in, Ho x Wo = H/2 x W/2 out. */
#include "maxpool.h"

#include <stddef.h>
#include <string.h>

/* One channel plane x [H, W] (at index base of its image) into y, arg
 * [Ho, Wo]. */
static void pool_plane(float *restrict y, int32_t *restrict arg, const float *restrict x,
                       int32_t base, int H, int W)
{
    int Ho = H / 2, Wo = W / 2;
    for (int oy = 0; oy < Ho; oy++)
        for (int ox = 0; ox < Wo; ox++) {
            int32_t at = (2 * oy) * W + 2 * ox;
            float best = x[at];
            /* the window in row-major order; strictly greater wins */
            const int32_t taps[3] = {at + 1, at + W, at + W + 1};
            for (int t = 0; t < 3; t++)
                if (x[taps[t]] > best) {
                    best = x[taps[t]];
                    at = taps[t];
                }
            y[oy * Wo + ox] = best;
            arg[oy * Wo + ox] = base + at;
        }
}

void maxpool_forward(float *y, int32_t *arg, const float *x, int R, int C, int H, int W)
{
    size_t in = (size_t)H * W, out = (size_t)(H / 2) * (W / 2);
    for (int r = 0; r < R; r++)
        for (int c = 0; c < C; c++) {
            size_t i = (size_t)r * C + c;
            pool_plane(y + i * out, arg + i * out, x + i * in, (int32_t)(c * in), H, W);
        }
}

void maxpool_backward(float *dx, const float *dy, const int32_t *arg, int R, int C, int H,
                      int W)
{
    size_t img = (size_t)C * H * W, out = (size_t)C * (H / 2) * (W / 2);
    memset(dx, 0, (size_t)R * img * sizeof(float));
    for (int r = 0; r < R; r++) {
        float *d = dx + (size_t)r * img;
        for (size_t o = 0; o < out; o++)
            d[arg[(size_t)r * out + o]] = dy[(size_t)r * out + o];
    }
}
