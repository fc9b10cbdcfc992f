/* rmsprop.c - Keras 3 RMSprop over one flat buffer; see rmsprop.h. */
#include "rmsprop.h"

#include <float.h>
#include <math.h>

#include "simd.h"

SM_VECTOR int rmsprop_step(float *restrict w, float *restrict v, const float *restrict g,
                           size_t n, rmsprop_cfg cfg)
{
    const float keep = cfg.rho, mix = 1.0f - cfg.rho;
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        float vi = keep * v[i] + mix * g[i] * g[i];
        float wi = w[i] - cfg.lr * g[i] / sqrtf(vi + cfg.eps);
        v[i] = vi;
        w[i] = wi;
        /* !(|x| <= FLT_MAX) holds for NaN and both infinities. */
        bad |= !(fabsf(vi) <= FLT_MAX) | !(fabsf(wi) <= FLT_MAX);
    }
    return bad;
}
