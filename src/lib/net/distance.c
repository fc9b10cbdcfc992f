/* distance.c - Euclidean distance head; see distance.h.
 * B = pairs, D = embedding width. */
#include "distance.h"

#include <math.h>
#include <stddef.h>

/* Pairs go four at a time with four independent sums: each pair's sum
 * still runs j = 0, 1, ... in order (the same bits as one at a time), but
 * the four chains overlap instead of waiting on each other's adds. */
void distance_forward(float *d, float *sq, const float *a, const float *b, int B, int D)
{
    int i = 0;
    for (; i + 4 <= B; i += 4) {
        const float *a0 = a + (size_t)i * D, *b0 = b + (size_t)i * D;
        float s[4] = {0.0f, 0.0f, 0.0f, 0.0f};
        for (int j = 0; j < D; j++)
            for (int q = 0; q < 4; q++) {
                float t = a0[(size_t)q * D + j] - b0[(size_t)q * D + j];
                s[q] += t * t;
            }
        for (int q = 0; q < 4; q++) {
            sq[i + q] = s[q];
            d[i + q] = sqrtf(s[q] > DISTANCE_EPS ? s[q] : DISTANCE_EPS);
        }
    }
    for (; i < B; i++) {
        const float *ai = a + (size_t)i * D, *bi = b + (size_t)i * D;
        float s = 0.0f;
        for (int j = 0; j < D; j++) {
            float t = ai[j] - bi[j];
            s += t * t;
        }
        sq[i] = s;
        d[i] = sqrtf(s > DISTANCE_EPS ? s : DISTANCE_EPS);
    }
}

void distance_backward(float *da, float *db, const float *dd, const float *a, const float *b,
                       const float *sq, const float *d, int B, int D)
{
    for (int i = 0; i < B; i++) {
        float *dai = da + (size_t)i * D, *dbi = db + (size_t)i * D;
        const float *ai = a + (size_t)i * D, *bi = b + (size_t)i * D;
        /* d(d)/d(a_j) = (a_j - b_j) / d, zero where the clamp holds d fixed
         * (the gradient flows through max() when sq >= eps, as in TF). */
        float k = sq[i] >= DISTANCE_EPS ? dd[i] / d[i] : 0.0f;
        for (int j = 0; j < D; j++) {
            float g = k * (ai[j] - bi[j]);
            dai[j] = g;
            dbi[j] = -g;
        }
    }
}
