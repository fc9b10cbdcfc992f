/* head_euclidean.c - the notebook's head: d = sqrt(max(sum (a-b)^2,
 * 1e-7)), contrastive loss. The arithmetic is distance.c and
 * contrastive.c, unchanged: the notebook's numbers to the bit.
 * B = pairs, H = embedding width; cache [B] = the squared sums. */
#include "distance.h"
#include "head_kind.h"

static void forward(const float *hp, float *d, float *cache, const float *a, const float *b,
                    int B, int H)
{
    (void)hp;
    distance_forward(d, cache, a, b, B, H);
}

/* One pair: forward's bits, its cache on the stack. */
static float distance(const float *hp, const float *a, const float *b, int H)
{
    float d, sq;
    forward(hp, &d, &sq, a, b, 1, H);
    return d;
}

static void backward(const float *hp, float *da, float *db, const head_batch *p)
{
    (void)hp;
    distance_backward(da, db, p->dd, p->a, p->b, p->cache, p->d, p->B, p->H);
}

/* Margin 1 and threshold 0.5: the notebook's. */
const head_kind head_euclidean = {
    .name = "euclidean", .cache = 1, .has_margin = 1,
    .default_margin = 1.0f, .max_margin = 1000.0f, .threshold = 0.5f,
    .sweep_step = 0.1f, .sweep_by_margin = 0, /* 0.1 .. 1.2 */
    .forward = forward, .distance = distance, .backward = backward,
};
