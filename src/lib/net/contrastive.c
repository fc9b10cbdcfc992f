/* contrastive.c - contrastive loss; see contrastive.h. */
#include "contrastive.h"

double contrastive_pair_loss(float d, int y, float margin)
{
    float hinge = margin - d > 0.0f ? margin - d : 0.0f;
    return y ? (double)d * d : (double)hinge * hinge;
}

double contrastive_sum(const float *d, const uint8_t *y, int B, float margin)
{
    double sum = 0.0;
    for (int i = 0; i < B; i++) {
        float hinge = margin - d[i] > 0.0f ? margin - d[i] : 0.0f;
        sum += y[i] ? (double)d[i] * d[i] : (double)hinge * hinge;
    }
    return sum;
}

void contrastive_backward(float *dd, const float *d, const uint8_t *y, int B, float margin,
                          int count)
{
    const float inv = 1.0f / (float)count;
    for (int i = 0; i < B; i++) {
        float hinge = margin - d[i] > 0.0f ? margin - d[i] : 0.0f;
        dd[i] = (y[i] ? 2.0f * d[i] : -2.0f * hinge) * inv;
    }
}
