/* activation.c - inverted dropout and the ReLU/dropout backward pass; see
 * activation.h. The loops are written so the compiler vectorises them:
 * restrict pointers, selects instead of branches (the patterns are random,
 * so a branch mispredicts half the time). */
#include "activation.h"

#include "rng.h"
#include "simd.h"

/* Units per block of random numbers: enough to amortise the loop, small
 * enough to stay in L1. */
#define DROP_BLOCK 256

SM_VECTOR void dropout_forward(float *restrict x, int R, int M, float rate, uint64_t seed,
                               uint64_t stream0)
{
    if (rate <= 0.0f)
        return;
    /* A unit is dropped when a uniform 32-bit draw is below rate * 2^32;
     * each 64-bit draw decides two units, in order. */
    const uint32_t cut = (uint32_t)((double)rate * 4294967296.0);
    const float scale = 1.0f / (1.0f - rate);
    uint32_t draws[DROP_BLOCK];
    for (int row = 0; row < R; row++) {
        rng_t r;
        rng_seed(&r, seed, stream0 + (uint64_t)row);
        float *restrict xr = x + (size_t)row * M;
        for (int j0 = 0; j0 < M; j0 += DROP_BLOCK) {
            int n = M - j0 < DROP_BLOCK ? M - j0 : DROP_BLOCK;
            rng_fill_u32(&r, draws, (size_t)n);
            for (int k = 0; k < n; k++) {
                float keep = draws[k] < cut ? 0.0f : scale;
                xr[j0 + k] = xr[j0 + k] * keep;
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
