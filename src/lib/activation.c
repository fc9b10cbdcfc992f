/* activation.c - fused bias + ReLU + inverted dropout; see activation.h.
 * The loops are written so the compiler vectorises them: restrict
 * pointers, selects instead of branches (ReLU patterns are random, so a
 * branch mispredicts half the time). */
#include "activation.h"

#include <stdint.h>

#include "simd.h"

/* Units per block of random numbers: enough to amortise the loop, small
 * enough to stay in L1. */
#define DROP_BLOCK 256

SM_VECTOR void bias_relu_forward(float *restrict x, const float *restrict b, int R, int M)
{
    for (int r = 0; r < R; r++) {
        float *restrict row = x + (size_t)r * M;
        for (int j = 0; j < M; j++) {
            float v = row[j] + b[j];
            row[j] = v > 0.0f ? v : 0.0f;
        }
    }
}

SM_VECTOR void bias_relu_dropout_forward(float *restrict x, const float *restrict b, int R, int M,
                               float rate, rng_t *r)
{
    if (rate <= 0.0f) {
        bias_relu_forward(x, b, R, M);
        return;
    }
    /* A unit is dropped when a uniform 32-bit draw is below rate * 2^32;
     * each 64-bit draw decides two units, in order. */
    const uint32_t cut = (uint32_t)((double)rate * 4294967296.0);
    const float scale = 1.0f / (1.0f - rate);
    uint32_t draws[DROP_BLOCK];
    for (int row = 0; row < R; row++) {
        float *restrict xr = x + (size_t)row * M;
        for (int j0 = 0; j0 < M; j0 += DROP_BLOCK) {
            int n = M - j0 < DROP_BLOCK ? M - j0 : DROP_BLOCK;
            rng_fill_u32(r, draws, (size_t)n);
            for (int k = 0; k < n; k++) {
                float v = xr[j0 + k] + b[j0 + k];
                float keep = draws[k] < cut ? 0.0f : scale;
                xr[j0 + k] = v > 0.0f ? v * keep : 0.0f;
            }
        }
    }
}

SM_VECTOR void relu_dropout_backward(float *restrict dx, const float *restrict y, size_t n, float scale)
{
    for (size_t i = 0; i < n; i++) {
        float g = dx[i] * scale; /* unconditional, so the select vectorises */
        dx[i] = y[i] > 0.0f ? g : 0.0f;
    }
}
