/* head.c - the distance heads and their losses; see head.h.
 * B = pairs, H = embedding width. The Euclidean head is distance.c and
 * contrastive.c, unchanged: the notebook's numbers to the bit. */
#include "head.h"

#include <math.h>

#include "contrastive.h"
#include "distance.h"

const char *const head_names[HEAD_COUNT + 1] = {"euclidean", "manhattan", "cosine", "learned",
                                                NULL};

#define COS_GUARD 1e-12f
#define BCE_CLIP 1e-7f

size_t head_param_count(uint32_t head, int H)
{
    return head == HEAD_LEARNED ? (size_t)H + 1 : 0;
}

int head_has_margin(uint32_t head)
{
    return head != HEAD_LEARNED;
}

float head_default_margin(uint32_t head)
{
    /* euclidean: the notebook's 1; manhattan and cosine: see
     * docs/results/heads.md for the margins tried. */
    switch (head) {
    case HEAD_MANHATTAN: return 8.0f;
    case HEAD_COSINE: return 1.0f;
    default: return 1.0f;
    }
}

float head_max_margin(uint32_t head)
{
    return head == HEAD_COSINE ? 2.0f : 1000.0f;
}

float head_default_threshold(uint32_t head, float margin)
{
    return head_has_margin(head) ? 0.5f * margin : 0.5f;
}

float head_sweep_step(uint32_t head, float margin)
{
    switch (head) {
    case HEAD_COSINE: return 0.15f;
    case HEAD_LEARNED: return 0.08f;
    case HEAD_MANHATTAN: return 0.1f * margin;
    default: return 0.1f;
    }
}

void head_init(uint32_t head, float *hp, int H, rng_t *r)
{
    if (head != HEAD_LEARNED)
        return;
    float limit = sqrtf(6.0f / (float)(H + 1));
    for (int j = 0; j < H; j++)
        hp[j] = (2.0f * rng_float(r) - 1.0f) * limit;
    hp[H] = 0.0f;
}

static float sigmoid(float z)
{
    return z >= 0 ? 1.0f / (1.0f + expf(-z)) : expf(z) / (1.0f + expf(z));
}

/* The cosine's three float32 sums, in order j = 0, 1, ..., of a * ka and
 * b * kb (ka = kb = 1 multiplies nothing away: the plain sums' bits). */
static void cos_sums(const float *a, const float *b, int H, float ka, float kb, float *ab,
                     float *aa, float *bb)
{
    float sab = 0.0f, saa = 0.0f, sbb = 0.0f;
    for (int j = 0; j < H; j++) {
        float x = a[j] * ka, y = b[j] * kb;
        sab += x * y;
        saa += x * x;
        sbb += y * y;
    }
    *ab = sab;
    *aa = saa;
    *bb = sbb;
}

float head_distance(uint32_t head, const float *hp, const float *a, const float *b, int H)
{
    float d, cache[HEAD_CACHE];
    head_forward(head, hp, &d, cache, a, b, 1, H);
    return d;
}

void head_forward(uint32_t head, const float *hp, float *d, float *cache, const float *a,
                  const float *b, int B, int H)
{
    if (head == HEAD_EUCLIDEAN) {
        distance_forward(d, cache, a, b, B, H); /* cache [B]: the squared sums */
        return;
    }
    for (int i = 0; i < B; i++) {
        const float *ai = a + (size_t)i * H, *bi = b + (size_t)i * H;
        float *c = cache + (size_t)i * HEAD_CACHE;
        if (head == HEAD_MANHATTAN) {
            float s = 0.0f;
            for (int j = 0; j < H; j++)
                s += fabsf(ai[j] - bi[j]);
            d[i] = s;
        } else if (head == HEAD_COSINE) {
            float ab, aa, bb;
            cos_sums(ai, bi, H, 1.0f, 1.0f, &ab, &aa, &bb);
            float na = sqrtf(aa), nb = sqrtf(bb);
            c[0] = na;
            c[1] = nb;
            if (isfinite(ab) && isfinite(na * nb)) {
                c[2] = na * nb < COS_GUARD ? 0.0f : ab / (na * nb); /* the cosine */
            } else {
                /* A sum or the norms' product overflowed although the
                 * embeddings may be finite: the cosine does not depend on
                 * the scale, so take it again on a / max|a| and b / max|b|
                 * (ordinary embeddings never come here: their bits stay). */
                float sa = 0.0f, sb = 0.0f;
                for (int j = 0; j < H; j++) {
                    sa = fabsf(ai[j]) > sa ? fabsf(ai[j]) : sa;
                    sb = fabsf(bi[j]) > sb ? fabsf(bi[j]) : sb;
                }
                if (sa == 0.0f || sb == 0.0f) { /* no direction: as the guard */
                    c[2] = 0.0f;
                } else {
                    cos_sums(ai, bi, H, 1.0f / sa, 1.0f / sb, &ab, &aa, &bb);
                    float cs = ab / (sqrtf(aa) * sqrtf(bb));
                    c[2] = cs > 1.0f ? 1.0f : cs < -1.0f ? -1.0f : cs; /* kept in range */
                }
            }
            d[i] = 1.0f - c[2];
        } else { /* learned */
            float z = hp[H];
            for (int j = 0; j < H; j++)
                z += hp[j] * fabsf(ai[j] - bi[j]);
            c[0] = z;
            d[i] = sigmoid(-z); /* 1 - p, computed without cancellation */
        }
    }
}

double head_pair_loss(uint32_t head, float d, int y, float margin)
{
    if (head == HEAD_LEARNED) {
        float p = 1.0f - d;
        p = p < BCE_CLIP ? BCE_CLIP : p > 1.0f - BCE_CLIP ? 1.0f - BCE_CLIP : p;
        return y ? -log((double)p) : -log(1.0 - (double)p);
    }
    float hinge = margin - d > 0.0f ? margin - d : 0.0f;
    return y ? (double)d * d : (double)hinge * hinge;
}

double head_loss_sum(uint32_t head, const float *d, const uint8_t *y, int B, float margin)
{
    if (head != HEAD_LEARNED)
        return contrastive_sum(d, y, B, margin);
    double sum = 0.0;
    for (int i = 0; i < B; i++)
        sum += head_pair_loss(head, d[i], y[i], margin);
    return sum;
}

static float sign0(float x)
{
    return x > 0.0f ? 1.0f : x < 0.0f ? -1.0f : 0.0f;
}

void head_backward(uint32_t head, const float *hp, float *da, float *db, float *dd,
                   const float *a, const float *b, const float *d, const float *cache,
                   const uint8_t *y, int B, int H, float margin, int count)
{
    if (head == HEAD_EUCLIDEAN) {
        contrastive_backward(dd, d, y, B, margin, count);
        distance_backward(da, db, dd, a, b, cache, d, B, H);
        return;
    }
    if (head != HEAD_LEARNED)
        contrastive_backward(dd, d, y, B, margin, count);
    const float inv = 1.0f / (float)count;
    for (int i = 0; i < B; i++) {
        const float *ai = a + (size_t)i * H, *bi = b + (size_t)i * H;
        float *dai = da + (size_t)i * H, *dbi = db + (size_t)i * H;
        const float *c = cache + (size_t)i * HEAD_CACHE;
        if (head == HEAD_MANHATTAN) {
            for (int j = 0; j < H; j++) {
                float g = dd[i] * sign0(ai[j] - bi[j]);
                dai[j] = g;
                dbi[j] = -g;
            }
        } else if (head == HEAD_COSINE) {
            float na = c[0], nb = c[1], cs = c[2];
            if (na * nb < COS_GUARD) {
                for (int j = 0; j < H; j++)
                    dai[j] = dbi[j] = 0.0f;
                continue;
            }
            /* d = 1 - cos: d(cos)/da = b / (|a||b|) - cos a / |a|^2 */
            float k = -dd[i], inv_ab = 1.0f / (na * nb);
            float ka = cs / (na * na), kb = cs / (nb * nb);
            for (int j = 0; j < H; j++) {
                dai[j] = k * (bi[j] * inv_ab - ka * ai[j]);
                dbi[j] = k * (ai[j] * inv_ab - kb * bi[j]);
            }
        } else { /* learned: dL/dz = p - y over the mean */
            float p = 1.0f - d[i], gz = (p - (float)y[i]) * inv;
            (void)c;
            for (int j = 0; j < H; j++) {
                float g = gz * hp[j] * sign0(ai[j] - bi[j]);
                dai[j] = g;
                dbi[j] = -g;
            }
        }
    }
}

void head_param_grads(uint32_t head, float *dhp, const float *a, const float *b, const float *d,
                      const uint8_t *y, int B, int H, int count)
{
    if (head != HEAD_LEARNED)
        return;
    const float inv = 1.0f / (float)count;
    for (int j = 0; j <= H; j++)
        dhp[j] = 0.0f;
    for (int i = 0; i < B; i++) {
        const float *ai = a + (size_t)i * H, *bi = b + (size_t)i * H;
        float p = 1.0f - d[i], gz = (p - (float)y[i]) * inv;
        for (int j = 0; j < H; j++)
            dhp[j] += gz * fabsf(ai[j] - bi[j]);
        dhp[H] += gz;
    }
}
