/* gap.c - global average pooling; see gap.h for the sum's order.
 * R = images, C = channels, P = H * W positions. */
#include "gap.h"

#include <stddef.h>

void gap_forward(float *restrict y, const float *restrict x, int R, int C, int H, int W)
{
    size_t P = (size_t)H * W, n = (size_t)R * C;
    for (size_t i = 0; i < n; i++) {
        const float *plane = x + i * P;
        float s = 0.0f;
        for (size_t p = 0; p < P; p++)
            s += plane[p];
        y[i] = s / (float)P;
    }
}

void gap_backward(float *restrict dx, const float *restrict dy, int R, int C, int H, int W)
{
    size_t P = (size_t)H * W, n = (size_t)R * C;
    for (size_t i = 0; i < n; i++) {
        float g = dy[i] / (float)P;
        for (size_t p = 0; p < P; p++)
            dx[i * P + p] = g;
    }
}

void gap_backward_relu(float *restrict dx, const float *restrict dy, const float *restrict x,
                       int R, int C, int H, int W)
{
    size_t P = (size_t)H * W, n = (size_t)R * C;
    for (size_t i = 0; i < n; i++) {
        float g = dy[i] / (float)P;
        for (size_t p = 0; p < P; p++)
            dx[i * P + p] = x[i * P + p] > 0.0f ? g : 0.0f;
    }
}
