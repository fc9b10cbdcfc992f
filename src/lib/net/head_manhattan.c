/* head_manhattan.c - d = sum |a-b|, contrastive loss; the sub-gradient of
 * |x| at 0 is 0. B = pairs, H = embedding width; no cache. */
#include <math.h>

#include "head_kind.h"

static void forward(const float *hp, float *d, float *cache, const float *a, const float *b,
                    int B, int H)
{
    (void)hp;
    (void)cache;
    for (int i = 0; i < B; i++) {
        const float *ai = a + (size_t)i * H, *bi = b + (size_t)i * H;
        float s = 0.0f;
        for (int j = 0; j < H; j++)
            s += fabsf(ai[j] - bi[j]);
        d[i] = s;
    }
}

/* One pair: forward's bits, its cache on the stack. */
static float distance(const float *hp, const float *a, const float *b, int H)
{
    float d;
    forward(hp, &d, NULL, a, b, 1, H);
    return d;
}

static void backward(const float *hp, float *da, float *db, const head_batch *p)
{
    (void)hp;
    const int H = p->H;
    for (int i = 0; i < p->B; i++) {
        const float *ai = p->a + (size_t)i * H, *bi = p->b + (size_t)i * H;
        float *dai = da + (size_t)i * H, *dbi = db + (size_t)i * H;
        for (int j = 0; j < H; j++) {
            float g = p->dd[i] * head_sign0(ai[j] - bi[j]);
            dai[j] = g;
            dbi[j] = -g;
        }
    }
}

/* Margin 8: see docs/results/heads.md for the margins tried. The sweep
 * follows the margin's scale: a tenth of it. */
const head_kind head_manhattan = {
    .name = "manhattan", .cache = 0, .has_margin = 1,
    .default_margin = 8.0f, .max_margin = 1000.0f, .threshold = 0.5f,
    .sweep_step = 0.1f, .sweep_by_margin = 1,
    .forward = forward, .distance = distance, .backward = backward,
};
