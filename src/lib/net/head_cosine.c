/* head_cosine.c - d = 1 - a.b / (|a| |b|), in [0, 2], contrastive loss
 * (head.h gives the arithmetic and its overflow rescale).
 * B = pairs, H = embedding width; cache [B, 3] = |a|, |b|, the cosine. */
#include <math.h>

#include "head_kind.h"

#define COS_GUARD 1e-12f
#define COS_CACHE 3

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

/* A sum or the norms' product overflowed although the embeddings may be
 * finite: the cosine does not depend on the scale, so take it again on
 * a / max|a| and b / max|b| (ordinary embeddings never come here: their
 * bits stay). */
static float rescaled_cosine(const float *a, const float *b, int H)
{
    float sa = 0.0f, sb = 0.0f, ab, aa, bb;
    for (int j = 0; j < H; j++) {
        sa = fabsf(a[j]) > sa ? fabsf(a[j]) : sa;
        sb = fabsf(b[j]) > sb ? fabsf(b[j]) : sb;
    }
    if (sa == 0.0f || sb == 0.0f) /* no direction: as the guard */
        return 0.0f;
    cos_sums(a, b, H, 1.0f / sa, 1.0f / sb, &ab, &aa, &bb);
    float cs = ab / (sqrtf(aa) * sqrtf(bb));
    return cs > 1.0f ? 1.0f : cs < -1.0f ? -1.0f : cs; /* kept in range */
}

/* Not inlined into distance: there, with B = 1, GCC's SLP vectoriser
 * turned the three sums into shuffles (10% more instructions a pair). */
__attribute__((noinline)) static void forward(const float *hp, float *d, float *cache,
                                              const float *a, const float *b, int B, int H)
{
    (void)hp;
    for (int i = 0; i < B; i++) {
        const float *ai = a + (size_t)i * H, *bi = b + (size_t)i * H;
        float *c = cache + (size_t)i * COS_CACHE;
        float ab, aa, bb;
        cos_sums(ai, bi, H, 1.0f, 1.0f, &ab, &aa, &bb);
        float na = sqrtf(aa), nb = sqrtf(bb);
        c[0] = na;
        c[1] = nb;
        if (isfinite(ab) && isfinite(na * nb))
            c[2] = na * nb < COS_GUARD ? 0.0f : ab / (na * nb); /* the cosine */
        else
            c[2] = rescaled_cosine(ai, bi, H);
        d[i] = 1.0f - c[2];
    }
}

/* One pair: forward's bits, its cache on the stack. */
static float distance(const float *hp, const float *a, const float *b, int H)
{
    float d, cache[COS_CACHE];
    forward(hp, &d, cache, a, b, 1, H);
    return d;
}

static void backward(const float *hp, float *da, float *db, const head_batch *p)
{
    (void)hp;
    const int H = p->H;
    for (int i = 0; i < p->B; i++) {
        const float *ai = p->a + (size_t)i * H, *bi = p->b + (size_t)i * H;
        float *dai = da + (size_t)i * H, *dbi = db + (size_t)i * H;
        const float *c = p->cache + (size_t)i * COS_CACHE;
        float na = c[0], nb = c[1], cs = c[2];
        if (na * nb < COS_GUARD) { /* no direction: gradient 0 */
            for (int j = 0; j < H; j++)
                dai[j] = dbi[j] = 0.0f;
            continue;
        }
        /* d = 1 - cos: d(cos)/da = b / (|a||b|) - cos a / |a|^2 */
        float k = -p->dd[i], inv_ab = 1.0f / (na * nb);
        float ka = cs / (na * na), kb = cs / (nb * nb);
        for (int j = 0; j < H; j++) {
            dai[j] = k * (bi[j] * inv_ab - ka * ai[j]);
            dbi[j] = k * (ai[j] * inv_ab - kb * bi[j]);
        }
    }
}

/* Margin 1 (d is at most 2): see docs/results/heads.md. */
const head_kind head_cosine = {
    .name = "cosine", .cache = COS_CACHE, .has_margin = 1,
    .default_margin = 1.0f, .max_margin = 2.0f, .threshold = 0.5f,
    .sweep_step = 0.15f, .sweep_by_margin = 0, /* d in [0, 2] */
    .forward = forward, .distance = distance, .backward = backward,
};
