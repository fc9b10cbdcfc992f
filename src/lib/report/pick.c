/* pick.c - see pick.h. */
#include "pick.h"

#include <stdlib.h>

#include "rng.h"
#include "seeds.h"

/* Chooses `count` distinct entries of pool[0..n) (count <= n), in the
 * order drawn. */
static void choose(rng_t *r, const size_t *pool, size_t n, size_t *which, size_t count)
{
    for (size_t k = 0; k < count; k++) {
        size_t p;
        int dup;
        do {
            p = pool[rng_below(r, (uint32_t)n)];
            dup = 0;
            for (size_t j = 0; j < k; j++)
                dup |= which[j] == p;
        } while (dup);
        which[k] = p;
    }
}

int pick_pairs(pair_pick *out, const pairs_t *p, const float *dist, float threshold,
               int only_errors, size_t count, uint64_t seed, sm_err *e)
{
    *out = (pair_pick){0};
    size_t *pool = malloc(p->n * sizeof *pool + 1); /* [pool] candidate pairs */
    if (!pool)
        return sm_fail(e, "out of memory");
    for (size_t i = 0; i < p->n; i++)
        if (!only_errors || (dist[i] < threshold) != (p->same[i] != 0))
            pool[out->pool++] = i;
    out->count = count < out->pool ? count : out->pool;
    out->which = malloc(out->count * sizeof *out->which + 1);
    out->dist = dist ? malloc(out->count * sizeof *out->dist + 1) : NULL;
    if (!out->which || (dist && !out->dist)) {
        free(pool);
        pick_free(out);
        return sm_fail(e, "out of memory");
    }
    rng_t r;
    rng_seed(&r, seed, SEED_STREAM_SHOW);
    choose(&r, pool, out->pool, out->which, out->count);
    for (size_t k = 0; k < out->count && dist; k++)
        out->dist[k] = dist[out->which[k]];
    free(pool);
    return 0;
}

void pick_free(pair_pick *out)
{
    free(out->which);
    free(out->dist);
    *out = (pair_pick){0};
}
