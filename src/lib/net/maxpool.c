/* maxpool.c - 2 x 2 max pooling, stride 2; see maxpool.h. R = images,
 * C = channels, H x W in, Ho x Wo = H/2 x W/2 out.
 *
 * The window's scan (a later tap taken only when strictly greater) is
 * written as selects, not branches: the data decide every comparison, so
 * branches would be mispredicted about half the time, and selects
 * vectorise (max(a, b) as "a > b ? a : b" is exactly the scan's step). */
#include "maxpool.h"

#include <stddef.h>
#include <string.h>

#include "simd.h"

/* One plane x [H, W] into y [Ho, Wo]. */
static SM_VECTOR void pool_plane(float *restrict y, const float *restrict x, int H, int W)
{
    const int Ho = H / 2, Wo = W / 2;
    for (int oy = 0; oy < Ho; oy++) {
        const float *top = x + (size_t)(2 * oy) * W, *bot = top + W;
        float *yo = y + (size_t)oy * Wo;
        for (int ox = 0; ox < Wo; ox++) {
            float v = top[2 * ox];
            v = top[2 * ox + 1] > v ? top[2 * ox + 1] : v;
            v = bot[2 * ox] > v ? bot[2 * ox] : v;
            v = bot[2 * ox + 1] > v ? bot[2 * ox + 1] : v;
            yo[ox] = v;
        }
    }
}

/* dx [H, W] of one plane: dy at each window's first maximum in x, 0 at
 * the window's other taps and in a dropped last row or column; relu: 0
 * also where x <= 0 (the ReLU backward of the layer x came from). */
static inline __attribute__((always_inline)) void unpool_plane(float *restrict dx,
                                                               const float *restrict dy,
                                                               const float *restrict x, int H,
                                                               int W, int relu)
{
    const int Ho = H / 2, Wo = W / 2;
    for (int oy = 0; oy < Ho; oy++) {
        const float *top = x + (size_t)(2 * oy) * W, *bot = top + W;
        float *dtop = dx + (size_t)(2 * oy) * W, *dbot = dtop + W;
        const float *g = dy + (size_t)oy * Wo;
        for (int ox = 0; ox < Wo; ox++) {
            float a = top[2 * ox], b = top[2 * ox + 1], c = bot[2 * ox], d = bot[2 * ox + 1];
            /* the scan: b, then c, then d taken when strictly greater
             * than the value held; the last one taken wins, a when none */
            const float v1 = b > a ? b : a, v2 = c > v1 ? c : v1, gv = g[ox];
            /* what each tap gets if no later tap is taken (after b: ga, gb;
             * after c: ga2, gb2, gc) */
            const float ga = b > a ? 0.0f : gv, gb = b > a ? gv : 0.0f;
            const float gc = c > v1 ? gv : 0.0f;
            const float ga2 = c > v1 ? 0.0f : ga, gb2 = c > v1 ? 0.0f : gb;
            const float gd3 = d > v2 ? gv : 0.0f, gc3 = d > v2 ? 0.0f : gc;
            const float gb3 = d > v2 ? 0.0f : gb2, ga3 = d > v2 ? 0.0f : ga2;
            dbot[2 * ox + 1] = relu && !(d > 0.0f) ? 0.0f : gd3;
            dbot[2 * ox] = relu && !(c > 0.0f) ? 0.0f : gc3;
            dtop[2 * ox + 1] = relu && !(b > 0.0f) ? 0.0f : gb3;
            dtop[2 * ox] = relu && !(a > 0.0f) ? 0.0f : ga3;
        }
        if (W % 2)
            dtop[W - 1] = dbot[W - 1] = 0.0f;
    }
    if (H % 2)
        memset(dx + (size_t)(H - 1) * W, 0, (size_t)W * sizeof(float));
}

/* The backward planes' loops, with the row width W a constant where a
 * common width gives the vectoriser whole rows to unroll (a row of 7 or 14
 * windows is shorter than its loops' vectors and their tails; measured:
 * 14 x 14 planes' backward a third faster, 28 x 28 and the forward pass
 * unchanged): the same selects, the same bits. */
#define EACH_WIDTH(W, call)                                                                     \
    switch (W) {                                                                                \
    case 28: { const int Wc = 28; call; } break;                                                \
    case 14: { const int Wc = 14; call; } break;                                                \
    default: { const int Wc = W; call; } break;                                                 \
    }

void maxpool_forward(float *y, const float *x, int R, int C, int H, int W)
{
    size_t in = (size_t)H * W, out = (size_t)(H / 2) * (W / 2);
    for (size_t i = 0; i < (size_t)R * C; i++)
        pool_plane(y + i * out, x + i * in, H, W);
}

SM_VECTOR void maxpool_backward(float *dx, const float *dy, const float *x, int R, int C, int H,
                               int W)
{
    size_t in = (size_t)H * W, out = (size_t)(H / 2) * (W / 2);
    EACH_WIDTH(W, for (size_t i = 0; i < (size_t)R * C; i++)
                      unpool_plane(dx + i * in, dy + i * out, x + i * in, H, Wc, 0))
}

SM_VECTOR void maxpool_backward_relu(float *dx, const float *dy, const float *x, int R, int C,
                                    int H, int W)
{
    size_t in = (size_t)H * W, out = (size_t)(H / 2) * (W / 2);
    EACH_WIDTH(W, for (size_t i = 0; i < (size_t)R * C; i++)
                      unpool_plane(dx + i * in, dy + i * out, x + i * in, H, Wc, 1))
}
