/* activation.c - fused ReLU + inverted dropout; see activation.h. */
#include "activation.h"

void relu_forward(float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

void relu_dropout_forward(float *x, size_t n, float rate, rng_t *r)
{
    if (rate <= 0.0f) {
        relu_forward(x, n);
        return;
    }
    /* A unit is dropped when a uniform 32-bit draw is below rate * 2^32;
     * each 64-bit draw decides two units. */
    const uint32_t cut = (uint32_t)((double)rate * 4294967296.0);
    const float scale = 1.0f / (1.0f - rate);
    size_t i = 0;
    for (; i + 1 < n; i += 2) {
        uint64_t u = rng_next(r);
        float k0 = (uint32_t)u < cut ? 0.0f : scale;
        float k1 = (uint32_t)(u >> 32) < cut ? 0.0f : scale;
        x[i] = x[i] > 0.0f ? x[i] * k0 : 0.0f;
        x[i + 1] = x[i + 1] > 0.0f ? x[i + 1] * k1 : 0.0f;
    }
    if (i < n) {
        float k = (uint32_t)rng_next(r) < cut ? 0.0f : scale;
        x[i] = x[i] > 0.0f ? x[i] * k : 0.0f;
    }
}

void relu_dropout_backward(float *dx, const float *y, size_t n, float scale)
{
    for (size_t i = 0; i < n; i++)
        dx[i] = y[i] > 0.0f ? dx[i] * scale : 0.0f;
}
