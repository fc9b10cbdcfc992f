/* head_learned.c - Koch et al. 2015: p = sigmoid(w . |a-b| + c), d = 1 -
 * p, binary cross-entropy (p clipped to [1e-7, 1 - 1e-7] in the value, as
 * Keras does; dL/dz = p - y from the logit z). w [H] and c are the
 * head's parameters, hp = [w, c]. B = pairs, H = embedding width;
 * cache [B] = the logit z. */
#include <math.h>

#include "head_kind.h"

#define BCE_CLIP 1e-7f

static size_t param_count(int H)
{
    return (size_t)H + 1;
}

/* Glorot-uniform w, c = 0. */
static void init(float *hp, int H, rng_t *r)
{
    float limit = sqrtf(6.0f / (float)(H + 1));
    for (int j = 0; j < H; j++)
        hp[j] = (2.0f * rng_float(r) - 1.0f) * limit;
    hp[H] = 0.0f;
}

static float sigmoid(float z)
{
    return z >= 0 ? 1.0f / (1.0f + expf(-z)) : expf(z) / (1.0f + expf(z));
}

static void forward(const float *hp, float *d, float *cache, const float *a, const float *b,
                    int B, int H)
{
    for (int i = 0; i < B; i++) {
        const float *ai = a + (size_t)i * H, *bi = b + (size_t)i * H;
        float z = hp[H];
        for (int j = 0; j < H; j++)
            z += hp[j] * fabsf(ai[j] - bi[j]);
        cache[i] = z;
        d[i] = sigmoid(-z); /* 1 - p, computed without cancellation */
    }
}

static double pair_loss(float d, int y)
{
    float p = 1.0f - d;
    p = p < BCE_CLIP ? BCE_CLIP : p > 1.0f - BCE_CLIP ? 1.0f - BCE_CLIP : p;
    return y ? -log((double)p) : -log(1.0 - (double)p);
}

static double loss_sum(const float *d, const uint8_t *y, int B)
{
    double sum = 0.0;
    for (int i = 0; i < B; i++)
        sum += pair_loss(d[i], y[i]);
    return sum;
}

/* One pair: forward's bits, its cache on the stack. */
static float distance(const float *hp, const float *a, const float *b, int H)
{
    float d, z;
    forward(hp, &d, &z, a, b, 1, H);
    return d;
}

static void backward(const float *hp, float *da, float *db, const head_batch *p)
{
    const int H = p->H;
    const float inv = 1.0f / (float)p->count;
    for (int i = 0; i < p->B; i++) {
        const float *ai = p->a + (size_t)i * H, *bi = p->b + (size_t)i * H;
        float *dai = da + (size_t)i * H, *dbi = db + (size_t)i * H;
        float gz = (1.0f - p->d[i] - (float)p->y[i]) * inv; /* dL/dz = p - y, over the mean */
        for (int j = 0; j < H; j++) {
            float g = gz * hp[j] * head_sign0(ai[j] - bi[j]);
            dai[j] = g;
            dbi[j] = -g;
        }
    }
}

static void param_grads(float *dhp, const head_batch *p)
{
    const int H = p->H;
    const float inv = 1.0f / (float)p->count;
    for (int j = 0; j <= H; j++)
        dhp[j] = 0.0f;
    for (int i = 0; i < p->B; i++) {
        const float *ai = p->a + (size_t)i * H, *bi = p->b + (size_t)i * H;
        float gz = (1.0f - p->d[i] - (float)p->y[i]) * inv;
        for (int j = 0; j < H; j++)
            dhp[j] += gz * fabsf(ai[j] - bi[j]);
        dhp[H] += gz;
    }
}

/* No margin: the threshold is p = 0.5; the sweep covers d in [0, 1]. Its
 * model files still hold a margin (the default, 1), checked against the
 * maximum like any other. */
const head_kind head_learned = {
    .name = "learned", .cache = 1, .has_margin = 0,
    .default_margin = 1.0f, .max_margin = 1000.0f, .threshold = 0.5f,
    .sweep_step = 0.08f, .sweep_by_margin = 0,
    .param_count = param_count, .init = init, .forward = forward, .distance = distance,
    .pair_loss = pair_loss, .loss_sum = loss_sum, .backward = backward,
    .param_grads = param_grads,
};
