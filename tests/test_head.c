/* test_head.c - the heads' per-pair arithmetic as the docs write it down:
 * the cosine of ordinary embeddings is the plain float32 formula to the
 * bit (the trained models depend on it), a finite pair whose sums
 * overflow still gets a finite cosine distance, head_distance is
 * head_forward's bits for every head, and the one threshold rule
 * (model_threshold). */
#include <math.h>

#include "check.h"
#include "head.h"
#include "model.h"
#include "rng.h"

enum { H = 24, PAIRS = 2000 };

/* head.h's cosine, written out: float sums in order, sqrtf of each. */
static float plain_cosine(const float *a, const float *b)
{
    float ab = 0.0f, aa = 0.0f, bb = 0.0f;
    for (int j = 0; j < H; j++) {
        ab += a[j] * b[j];
        aa += a[j] * a[j];
        bb += b[j] * b[j];
    }
    float na = sqrtf(aa), nb = sqrtf(bb);
    return 1.0f - (na * nb < 1e-12f ? 0.0f : ab / (na * nb));
}

int main(void)
{
    rng_t r;
    rng_seed(&r, 5, 0);
    float a[H], b[H], c[H];
    /* Ordinary embeddings (ReLU outputs from 1e-4 to 1e4, some zeros, some
     * all-zero rows): the same bits as the plain formula. */
    int differ = 0;
    for (int p = 0; p < PAIRS; p++) {
        float sa = powf(10.0f, -4.0f + 8.0f * rng_float(&r)), sb = powf(10.0f, -4.0f + 8.0f * rng_float(&r));
        for (int j = 0; j < H; j++) {
            a[j] = p % 97 == 0 ? 0.0f : rng_float(&r) < 0.3f ? 0.0f : rng_float(&r) * sa;
            b[j] = rng_float(&r) < 0.3f ? 0.0f : rng_float(&r) * sb;
        }
        float want = plain_cosine(a, b), got = head_distance(HEAD_COSINE, NULL, a, b, H);
        differ += memcmp(&want, &got, sizeof got) != 0;
    }
    CHECK(differ == 0, "%d of %d ordinary pairs: the cosine head's bits changed", differ, PAIRS);

    /* Finite embeddings whose sums overflow float32: a finite distance. */
    for (int j = 0; j < H; j++) {
        a[j] = (1.0f + rng_float(&r)) * 1e30f;
        b[j] = 3.0f * a[j];
        c[j] = -a[j];
    }
    CHECK(isinf(plain_cosine(a, b)) || isnan(plain_cosine(a, b)),
          "the plain formula no longer overflows here: the case tests nothing");
    float same = head_distance(HEAD_COSINE, NULL, a, b, H);
    float opp = head_distance(HEAD_COSINE, NULL, a, c, H);
    CHECK(isfinite(same) && same >= 0.0f && same < 1e-6f, "cosine(a, 3a) at 1e30: %g", same);
    CHECK(isfinite(opp) && opp <= 2.0f && opp > 2.0f - 1e-6f, "cosine(a, -a) at 1e30: %g", opp);
    /* One huge and one tiny embedding: the product of the norms overflows
     * or not, the distance is the one of the directions. */
    for (int j = 0; j < H; j++)
        b[j] = a[j] * 1e-36f;
    float mixed = head_distance(HEAD_COSINE, NULL, a, b, H);
    CHECK(isfinite(mixed) && mixed < 1e-5f, "cosine(a, 1e-36 a): %g", mixed);
    /* A zero embedding has no direction, however large the other: d = 1,
     * as the 1e-12 guard gives for ordinary ones (not 0 * inf = nan). */
    for (int j = 0; j < H; j++)
        b[j] = 0.0f;
    float zero = head_distance(HEAD_COSINE, NULL, a, b, H);
    CHECK(zero == 1.0f, "cosine(a at 1e30, 0): %g", zero);

    /* head_distance is head_forward's bits, for every head, in a batch. */
    enum { B = 9 };
    float A[B * H], Bm[B * H], hp[H + 1], d[B];
    for (int i = 0; i < B * H; i++) {
        A[i] = rng_float(&r);
        Bm[i] = rng_float(&r) * 2.0f;
    }
    for (int j = 0; j <= H; j++)
        hp[j] = rng_float(&r) - 0.5f;
    for (uint32_t h = 0; h < head_count(); h++) {
        float cache[B * head_cache_floats(h) + 1];
        head_forward(h, hp, d, cache, A, Bm, B, H);
        for (int i = 0; i < B; i++) {
            float one = head_distance(h, hp, A + i * H, Bm + i * H, H);
            CHECK(memcmp(&one, &d[i], sizeof one) == 0, "head %s pair %d: %.9g in a batch, %.9g "
                  "alone", head_names[h], i, d[i], one);
        }
    }

    /* The threshold rule: --threshold, else the stored one, else the head's
     * default (half the margin; learned 0.5). */
    model_t m;
    memset(&m, 0, sizeof m);
    m.cfg = train_config_default();
    threshold_from f;
    m.head = HEAD_EUCLIDEAN;
    m.threshold = 0.37f;
    CHECK(model_threshold(&m, 1, 0.9f, &f) == 0.9f && f == THRESHOLD_OPTION, "given");
    CHECK(model_threshold(&m, 0, 0.9f, &f) == 0.37f && f == THRESHOLD_MODEL, "stored");
    m.threshold = NAN;
    CHECK(model_threshold(&m, 0, 0.9f, &f) == 0.5f && f == THRESHOLD_DEFAULT, "euclidean default");
    m.head = HEAD_MANHATTAN;
    m.cfg.margin = 8.0f;
    CHECK(model_threshold(&m, 0, 0.9f, &f) == 4.0f, "manhattan default: half the margin");
    m.head = HEAD_LEARNED;
    CHECK(model_threshold(&m, 0, 0.9f, &f) == 0.5f, "learned default: p = 0.5");
    return check_done("head");
}
