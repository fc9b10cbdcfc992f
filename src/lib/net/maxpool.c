/* maxpool.c - 2 x 2 max pooling, stride 2; see maxpool.h. R = images,
 * C = channels, H x W in, Ho x Wo = H/2 x W/2 out. */
#include "maxpool.h"

#include <stddef.h>
#include <string.h>

/* Where in one plane x [H, W] window (oy, ox)'s first maximum is: the
 * window in row-major order, a later tap taken only when strictly greater. */
static inline size_t window_max(const float *x, int W, int oy, int ox)
{
    size_t at = (size_t)(2 * oy) * W + 2 * ox;
    const size_t taps[3] = {at + 1, at + W, at + W + 1};
    float best = x[at];
    for (int t = 0; t < 3; t++)
        if (x[taps[t]] > best) {
            best = x[taps[t]];
            at = taps[t];
        }
    return at;
}

void maxpool_forward(float *y, const float *x, int R, int C, int H, int W)
{
    int Ho = H / 2, Wo = W / 2;
    size_t in = (size_t)H * W, out = (size_t)Ho * Wo;
    for (size_t i = 0; i < (size_t)R * C; i++) {
        const float *plane = x + i * in;
        float *yo = y + i * out;
        for (int oy = 0; oy < Ho; oy++)
            for (int ox = 0; ox < Wo; ox++)
                yo[(size_t)oy * Wo + ox] = plane[window_max(plane, W, oy, ox)];
    }
}

void maxpool_backward(float *dx, const float *dy, const float *x, int R, int C, int H, int W)
{
    int Ho = H / 2, Wo = W / 2;
    size_t in = (size_t)H * W, out = (size_t)Ho * Wo;
    memset(dx, 0, (size_t)R * C * in * sizeof(float));
    for (size_t i = 0; i < (size_t)R * C; i++) {
        const float *plane = x + i * in;
        const float *d = dy + i * out;
        for (int oy = 0; oy < Ho; oy++)
            for (int ox = 0; ox < Wo; ox++)
                dx[i * in + window_max(plane, W, oy, ox)] = d[(size_t)oy * Wo + ox];
    }
}
